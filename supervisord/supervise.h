/*
 * supervise.h: carries out the tree's plans in the world: spawns, stop
 * signals and their deadlines, the tree's timers, and the end of each
 * program's instance (its main process reaped and its process group
 * empty). It turns what the kernel says back into tree_on_* calls.
 */
#ifndef TEND_SUPERVISE_H
#define TEND_SUPERVISE_H

#include <sys/types.h>

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>

#include "tree.h"

/* A start that tend itself is short of resources for waits this long. */
#define SUPERVISE_RETRY_MS 1000

/*
 * Take charge of t (borrowed: the caller frees it after
 * supervise_fini). Prepares every program's environment and every
 * node's watchers. on_exit is called once, when the tree says tend
 * ends, with tend's exit status. 0, or -1 with errno.
 */
int supervise_init(
    struct ev_loop *loop, struct tree *t, void (*on_exit)(int status));

/*
 * About how many descriptors tend needs for nprogs programs under nsups
 * supervisors (SPEC 11: ten thousand programs work, or tend says why).
 */
size_t supervise_fd_need(size_t nprogs, size_t nsups);

/* Stop every watcher and free what supervise_init allocated. */
void supervise_fini(void);

/* Start the tree (its first start sequence). */
void supervise_start(void);

/* Orderly shutdown: the tree stops everything, then on_exit. */
void supervise_shutdown(void);

/* cgroup.c: p's cgroup, watched, is now empty. */
void supervise_on_cgroup_empty(struct prog *p);

/* A child of tend was reaped (any child: a program or an orphan). */
void supervise_reaped(pid_t pid, int wstatus);

/* A child of tend's was stopped (paused) or continued: if it is a
 * program's main process, status shows it paused while it stays so. */
void supervise_paused(pid_t pid, bool paused);

/* Whether pid is a program's main process that supervise.c reaps itself,
 * through its pidfd, when it ends. */
bool supervise_reaps_alone(pid_t pid);

/*
 * Carry out queued actions, at most max_spawns spawns of them. True if
 * actions remain (the caller calls again soon, after serving events).
 */
bool supervise_run(int max_spawns);

/*
 * Send sig to p's main process (tendctl signal and kill). 0, or -1 with
 * errno (ESRCH when it is not running).
 */
int supervise_signal(struct prog *p, int sig);

/*
 * Upgrade (upgrade.h): each program's live instance (pids, its pidfd,
 * its stop deadline, a start waiting for resources) into w; load, in
 * the new tend after supervise_init and tree_load, takes them over and
 * arms every timer at the deadline it had. 0, or -1 and err.
 */
struct state_w;
struct state_r;
void supervise_save(struct state_w *w);
int supervise_load(struct state_r *r, char *err, size_t errlen);

/*
 * Handover (SPEC 7): p's instances set aside, at most max, into v (the
 * copies that own them: pid, started_ms) with serving[i] true for the
 * outgoing one while the new one starts, false for one being stopped.
 */
size_t supervise_asides(
    const struct prog *p, const struct prog **v, bool *serving, size_t max);

/* Whether some instance is set aside (a handover is not over). */
bool supervise_handing(void);

/* The tree in charge (borrowed). */
struct tree *supervise_tree(void);
/* The running configuration (borrowed: valid until the next reload). */
const struct config *supervise_config(void);

/* Why a reload cannot be applied now (a message in err), or NULL. */
const char *supervise_reload_busy(char *err, size_t errlen);

struct diff;

/*
 * Bring the live tree to nw (valid; df compares the running
 * configuration with it): listening sockets that the new file names are
 * bound first, then the tree changes (tree_reload) and every program's
 * environment is prepared again. Takes nw over on success. 0; or -1 with
 * a message in err (an address that cannot be bound, ENOMEM) and
 * nothing changed.
 */
int supervise_reload(
    struct config *nw, const struct diff *df, char *err, size_t errlen);

/* Milliseconds of the monotonic clock: the tree's time. */
int64_t supervise_now_ms(void);

#endif
