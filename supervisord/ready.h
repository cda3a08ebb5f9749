/*
 * ready.h: when a program is ready, whether it stays healthy, and its
 * watchdog (SPEC 3 ready, start_timeout, health*, watchdog; SPEC 11
 * Notify and Health). It watches; the tree decides: a ready program is
 * reported with tree_on_ready, a failed one with tree_on_failed, and
 * EXTEND_TIMEOUT_USEC with tree_on_extend (the start deadline itself is
 * the tree's timer).
 *
 * - ready = notify: tend's one notify socket (a datagram socket in the
 *   abstract namespace, SO_PASSCRED) takes sd_notify messages; one is
 *   accepted from the program's main process, a process in its cgroup,
 *   or one in its process group, and from nobody else.
 * - ready = fd:N: a pipe whose write end the program gets as fd N; a
 *   newline on it is READY=1.
 * - ready = exec:CMD, tcp:PORT: a probe (probe.c) tried every
 *   READY_RETRY_MS until it passes, each try bounded by health_timeout.
 * - health: a probe every health_interval once the program is ready, the
 *   next one only after the last has ended; health_retries failures in a
 *   row fail the program.
 * - watchdog: WATCHDOG=1 must come within the duration, counted from
 *   when the program became ready.
 *
 * Nothing here runs while nothing is starting, no check is configured
 * and no message comes: no timer is armed for plain programs, and a
 * program's timers are stopped whenever it is not running.
 */
#ifndef TEND_READY_H
#define TEND_READY_H

#include <ev.h>
#include <stdbool.h>

#include "tree.h"

/* Pause between two tries of an exec: or tcp: readiness probe. */
#define READY_RETRY_MS 100

/*
 * Before any program is prepared: give every program that needs it its
 * struct ready (p->rd) and its extra environment, and open the notify
 * socket if any program needs it. 0, or -1 with errno.
 */
int ready_init(struct ev_loop *loop, struct tree *t);

/* Stop every watcher, close the socket, free every p->rd. */
void ready_fini(void);

/*
 * A reload changed t: a program that now needs readiness gets its state
 * (and the notify socket is opened if it is the first to need it); one
 * whose keys changed gets its environment made again. 0, or -1 with
 * errno.
 */
int ready_reload(struct tree *t);

/* A program a reload removed is forgotten: its state goes. */
void ready_forget(struct prog *p);

/*
 * What p's environment gets first (NOTIFY_SOCKET, WATCHDOG_USEC,
 * WATCHDOG_PID), NULL-terminated; NULL when nothing. The value of
 * WATCHDOG_PID is room for the child to write its own pid into
 * (ready_pid_var).
 */
char *const *ready_env(const struct prog *p);

/* The environment variable whose value the child sets to its own pid,
 * or NULL. */
char *ready_pid_var(const struct prog *p);

/*
 * Just before p's spawn: the descriptor the program gets as fd *n
 * (ready = fd:N: the write end of a new pipe), or -1 (*n untouched):
 * none, or errno set when the pipe could not be made.
 */
int ready_before_spawn(struct prog *p, int *n);

/* p's spawn failed: undo ready_before_spawn. */
void ready_spawn_failed(struct prog *p);

/* p's instance was spawned (after tree_on_spawned): watch for its
 * readiness, or, already running, begin its health checks and watchdog. */
void ready_spawned(struct prog *p);

/* tend is stopping p's instance: no more probes, checks or watchdog. */
void ready_stopping(struct prog *p);

/*
 * p's main process has ended. Read every message waiting on the notify
 * socket first (READY=1 then an exit are seen in that order), then stop
 * watching p. True if the tree was told something (its plan has news).
 */
bool ready_main_exited(struct prog *p);

/*
 * A handover sets p's instance aside (SPEC 7): it is not watched any
 * more (its messages are no longer p's). If it comes back as p's live
 * instance, ready_spawned (p running) watches it again.
 */
void ready_set_aside(struct prog *p);

/* The last STATUS= text of p, or NULL. */
const char *ready_status(const struct prog *p);

/* How many health checks of p have failed in a row; -1: p has none. */
long ready_health_fails(const struct prog *p);

/*
 * Upgrade (upgrade.h). save_socket and take_socket: the notify socket
 * (before ready_init in the new tend, which then uses it rather than a
 * new one: programs keep their NOTIFY_SOCKET). save and load: each
 * program's phase, main pid, STATUS=, failed checks, fd:N pipe, and its
 * next try or check and watchdog as deadlines (after supervise_load). A
 * probe under way is not carried: its command's group is killed and the
 * try or check is made again at once. 0, or -1 and err.
 */
struct state_w;
struct state_r;
void ready_save_socket(struct state_w *w);
int ready_take_socket(struct state_r *r, char *err, size_t errlen);
void ready_save(struct state_w *w);
int ready_load(struct state_r *r, char *err, size_t errlen);

#endif
