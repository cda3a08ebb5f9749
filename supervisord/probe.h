/*
 * probe.h: one check of a program, bounded in time, never blocking the
 * loop: a command run as tend's child (exec:CMD) or a TCP connect to
 * loopback (tcp:PORT). The readiness probes and the health checks of
 * ready.c are made of these; when to run one and what its result means
 * is ready.c's.
 *
 * A command runs in a process group of its own (spawn_command). When
 * it ends, whatever it left in its group is killed; at its timeout, the
 * whole group is. It is reaped like any child of tend's (the loop's
 * wait), and its result is known only then, so that two checks of one
 * program never overlap.
 */
#ifndef TEND_PROBE_H
#define TEND_PROBE_H

#include <sys/types.h>

#include <ev.h>
#include <stdbool.h>
#include <stdint.h>

struct probe;

/* ok: the command exited 0, or the connect succeeded. why: a few words
 * when not ok ("exited with status 1", "timed out", "connection
 * refused"). */
typedef void probe_done_fn(struct probe *pr, bool ok, const char *why);

struct probe {
	bool busy;       /* a check is under way */
	bool timed_out;  /* its time ran out: killed, waiting for its end */
	pid_t pid;       /* exec: the command (and its group); 0: none */
	int fd;          /* tcp: the connecting socket; -1: none */
	int result;      /* tcp: known before the loop turned: 1 ok, 0 not */
	int err;         /* tcp: errno of a connect that failed at once */
	int code;        /* exec, when done: its exit status; -1: killed */
	ev_io io_w;      /* tcp: writable once connected or refused */
	ev_timer time_w; /* its bound (or: report a result known at once) */
	probe_done_fn *done;
};

/* Once, before any probe: the loop, and a map for about n commands. 0,
 * or -1 on ENOMEM. */
int probe_init(struct ev_loop *loop, size_t n);
void probe_fini(void);

/* Make pr idle, with done its report. */
void probe_setup(struct probe *pr, probe_done_fn *done);

/*
 * Watch the command pid (started by the caller in a process group of its
 * own, a child of tend's) for at most timeout_ms. done() comes from the
 * loop once it has been reaped. 0, or -1 on ENOMEM (the command is then
 * killed).
 */
int probe_exec(struct probe *pr, pid_t pid, int64_t timeout_ms);

/* Connect to 127.0.0.1:port within timeout_ms. done() comes from the
 * loop. 0, or -1 with errno (no socket could be made). */
int probe_tcp(struct probe *pr, int port, int64_t timeout_ms);

/* Stop a check under way and forget it: its command's group is killed
 * (and reaped by the loop's wait, unreported). done() is not called. */
void probe_cancel(struct probe *pr);

/* A child of tend's was reaped: true if it was a probe's command (then
 * its probe reports). */
bool probe_reaped(pid_t pid, int wstatus);

#endif
