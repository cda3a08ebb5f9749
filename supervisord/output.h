/*
 * output.h: programs' output (SPEC 8). A program whose stdout or stderr
 * is `log` gets one capture pipe for its whole life in tend; the loop
 * reads it, cuts it into lines (at most OUTPUT_LINE_MAX bytes; a longer
 * line is cut and continued), and sends each line to the program's ring,
 * to log_dir/NAME.log (rotated) or else to tend's stdout as `NAME | line`,
 * and to `tendctl logs -f` followers. Nothing here blocks, but a write
 * to a regular file, which cannot be made non-blocking.
 *
 * tend's own stdout and stderr, when they are pipes or terminals, are
 * reopened as private non-blocking descriptions and drained from bounded
 * buffers: when the stdout buffer is full, the pipes that feed it are not
 * read (the programs are slowed, nothing is lost); tend's own log lines
 * are dropped with a count instead.
 */
#ifndef TEND_OUTPUT_H
#define TEND_OUTPUT_H

#include <ev.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "tree.h"

#define OUTPUT_LINE_MAX 8192    /* a longer line is cut and continued */
#define OUTPUT_PARTIAL_MS 1000  /* a partial line waits this at most */
#define OUTPUT_READ (64 * 1024) /* bytes read from a pipe at a time */
#define OUTPUT_SINK_HIGH                                                       \
	((size_t)256 * 1024) /* tend's stdout: stop reading pipes */
#define OUTPUT_SINK_LOW                                                        \
	((size_t)64 * 1024) /* ... and start again below this                  \
	                     */
#define OUTPUT_ERR_MAX                                                         \
	((size_t)64 * 1024)        /* tend's stderr: drop beyond this          \
	                            */
#define OUTPUT_DROP_STEP (2 << 20) /* a dropped log file is cut by this */
#define OUTPUT_DROP_EVERY_S 0.01   /* ... this often */
#define OUTPUT_DYING_MAX 64        /* files being cut at once at most */

/* What a child gets as fds 1 and 2 (spawn.c carries it out). */
enum out_fd_kind {
	FD_KEEP,   /* tend's own fd 1 or 2, as tend got it */
	FD_PASS,   /* dup fd onto it */
	FD_FILE,   /* open path (append, create) onto it */
	FD_SAME_1, /* fd 2 only: a copy of fd 1 */
};

struct out_fd {
	enum out_fd_kind kind;
	int fd;           /* FD_PASS */
	const char *path; /* FD_FILE */
};

/*
 * Set up before the loop runs: log_dir (created if missing), tend's
 * stdout and stderr sinks. 0, or -1 with a message in err.
 */
int output_init(
    struct ev_loop *loop, const struct tend_conf *tc, char *err, size_t errlen);

/*
 * Before p's spawn: create its capture pipe on first use and say what
 * the child's fds 1 and 2 are. 0, or -1 with errno.
 */
int output_prepare(struct prog *p, struct out_fd *fd1, struct out_fd *fd2);

/* p's new instance runs (p->pid): with log_dir, a marker line in its
 * file, "--- tend: NAME started, pid N ---", after the lines of earlier
 * instances (none at the top of a new file), so they can be told apart. */
void output_started(struct prog *p);

/* After p's spawn (done or failed): the child has its own writer. */
void output_spawned(struct prog *p);

/*
 * p's instance has ended: read what is left in its pipe and flush its
 * partial line, so that its last lines come before the next instance's.
 */
void output_instance_ended(struct prog *p);

/*
 * A reload's new [tend] log keys (SPEC 11: in place). First, before
 * anything changes, output_reconfigure_check: a new log_dir is made and
 * opened. 0, or -1 with a message in err. Then, once the reload is done,
 * output_reconfigure (tc may be gone after: nothing of it is kept), or
 * output_reconfigure_abort if the reload was not. log_max_size and
 * log_keep apply at the next write, log_dir to every file from the next
 * line on, log_ring to captures made from then on.
 */
int output_reconfigure_check(
    const struct tend_conf *tc, char *err, size_t errlen);
void output_reconfigure(const struct tend_conf *tc);
void output_reconfigure_abort(void);

/* SIGUSR1: close every log file; each is opened again at its next line. */
void output_reopen(void);

/*
 * The last n lines of p's ring, oldest first: fn(arg, time_us, line, len).
 * 0, or -1 on ENOMEM.
 */
int output_last(const struct prog *p, size_t n,
    void (*fn)(void *arg, int64_t time_us, const char *text, size_t len),
    void *arg);

/* Whether p's output is captured (its stdout or stderr is `log`). */
bool output_captured(const struct prog *p);

/* Release p's pipe, ring and file. */
void output_release(struct prog *p);

/*
 * A start_first handover (SPEC 7): each instance writes to a pipe of its
 * own, so that each line is the instance's, and both go to the one ring
 * and log file of the program.
 * - output_set_aside: p's live instance is set aside as aside (a copy of
 *   p): aside gets a capture with p's current pipe, feeding p's ring and
 *   log file; p gets a new pipe for its next instance. 0, or -1 with
 *   errno (nothing changed).
 * - output_swap: p and aside exchange their pipes (the handover gave
 *   back: the outgoing instance is p's again).
 * - output_give: from's capture becomes to's.
 */
int output_set_aside(struct prog *p, struct prog *aside);
void output_swap(struct prog *p, struct prog *aside);
void output_give(struct prog *from, struct prog *to);

/* At exit: write what is buffered for tend's stdout and stderr, waiting
 * at most timeout_ms, then free everything. */
void output_fini(int timeout_ms);

/*
 * Upgrade (upgrade.h). save: every capture (its pipe, partial line and
 * ring) and what tend's own stdout holds unwritten into w; log files are
 * reopened (append) by the new tend at their next line. freeze: from the
 * save to the exec nothing more is written (it would be written twice);
 * thaw: the exec failed, go on. load: in the new tend, after
 * supervise_load. 0, or -1 and err.
 */
struct state_w;
struct state_r;
void output_save(struct state_w *w);
void output_freeze(bool frozen);
int output_load(struct state_r *r, char *err, size_t errlen);

#endif
