/*
 * harness.h: runs the real tend (and tendctl) in a fresh directory under
 * /tmp and observes the real processes it starts (STYLE "Tests").
 *
 * A test calls th_start(conf), waits on conditions with deadlines (never a
 * fixed sleep), asserts on what it saw, and ends with th_stop(), after
 * which nothing it started is left. Every th_* call that cannot do its job
 * fails the running Check test with a message that includes the tail of
 * tend's stderr; deadlines are generous and only catch a stalled loop.
 *
 * Tokens in conf:
 *   {D}       the test's directory (no white space in it)
 *   {S:NAME}  a sleeper: appends its pid to D/NAME.pids, then execs
 *             "sleep 100000"
 *   {T:NAME}  sets a TERM trap, then appends its pid to D/NAME.pids and
 *             waits on a background sleep (in its group); on TERM it
 *             appends NAME to D/stopped and exits 0. Since tend stops
 *             programs one at a time, D/stopped is the stop order; the
 *             order of starts is tend's ("NAME: started, pid N" lines),
 *             since programs started one after another race to write.
 * They expand to `sh -c '...'` one-liners without " ;" (which would start
 * an inline comment in the INI), so they may only appear as a whole
 * command value.
 *
 * Isolation: where cgroup v2 is mounted and writable, each tend runs in a
 * cgroup of its own, <mount><this process's cgroup>/tend-test-PID-N
 * (th_cgroup), so that it never meets another tend running on the
 * machine (tend makes its own cgroups below that one; as PID 1, unshare
 * is moved back out once it has forked tend). th_stop, or the guard if
 * the test dies, kills what is left in it (cgroup.kill) and removes it,
 * deepest first; th_main removes those whose test process is gone.
 *
 * PID 1 (th_set_pid1, th_start_pid1): tend runs as
 * `unshare --pid --fork --mount-proc $TEND_BIN -c D/tend.conf`, PID 1 of
 * a new PID namespace. th_tend_pid is then tend as seen from here (the
 * child of unshare), th_signal goes to tend, and tend's exit status is
 * unshare's. Programs record pids of that namespace in their .pids
 * files: th_pids gives the same processes' pids here (found among tend's
 * descendants by /proc/PID/status NSpid), or 0 for a process that was
 * already gone when first looked for. A test that needs PID 1 begins
 * with th_pid1_ok and, where that fails, th_skip and return.
 *
 * Every process that tend starts inherits TEND_TEST_DIR=D in its
 * environment; that, with a start time not before tend's, is how the
 * clean-up recognises what a test started. A guard process, started with
 * tend, does that clean-up if the test process dies first (Check's fork
 * mode ends a failed test with _exit, so th_stop never runs then), and
 * th_main's runner reaps what the guard killed.
 */
#ifndef TEND_HARNESS_H
#define TEND_HARNESS_H

#include <sys/resource.h>
#include <sys/types.h>

#include <check.h>
#include <stdbool.h>
#include <stddef.h>

#define TH_MAX_PIDS 64       /* runs recorded per program that th_pids reads */
#define TH_DEADLINE_MS 10000 /* th_up's wait: catches a stall, no more */

struct th;

/* A condition for th_wait and th_hold. */
typedef bool th_cond(struct th *t, const void *arg);

/*
 * Make the test directory and write D/tend.conf from conf (tokens
 * expanded), without starting tend: for th_tend ("--check") or for
 * th_setenv before th_launch. Makes the test process a child subreaper.
 * Fails the test on any error.
 */
struct th *th_new(const char *conf);

/* Add "KEY=VALUE" to tend's environment (before th_launch). Copied. */
void th_setenv(struct th *t, const char *kv);

/* Write D/file (atomically) from text, tokens expanded as in conf: a
 * helper script for a program, say. Fails the test on any error. */
void th_write(struct th *t, const char *file, const char *text);

/* Launch tend as PID 1 of a new PID namespace (before th_launch). */
void th_set_pid1(struct th *t);

/* Launch tend with its open-files limit, soft and hard, at n (before
 * th_launch). */
void th_set_nofile(struct th *t, rlim_t n);

/*
 * Launch t's tend in the cgroup of other (before th_launch), not in one
 * of its own: two tends in one cgroup. other must have a cgroup, and t
 * must be stopped first (other's th_stop removes the cgroup).
 */
void th_use_cgroup_of(struct th *t, const struct th *other);

/*
 * Start $TEND_BIN -c D/tend.conf in its own process group, stdin
 * /dev/null, stdout to D/tend.out, stderr to D/tend.err, with
 * TEND_SOCKET=D/tend.sock and TEND_TEST_DIR=D added to its environment.
 */
void th_launch(struct th *t);

/*
 * Wait (up to TH_DEADLINE_MS) for tend to end, however it ends (after
 * th_signal(t, SIGKILL), say), reap it, and launch it again as th_launch
 * does: same directory, configuration, socket and cgroup, as an operator
 * starting tend again would.
 */
void th_relaunch(struct th *t);

/* th_new(conf), then th_launch. */
struct th *th_start(const char *conf);

/* th_new(conf), th_set_pid1, then th_launch. */
struct th *th_start_pid1(const char *conf);

/*
 * Whether tend can run as PID 1 here: `unshare --pid --fork --mount-proc
 * true` succeeds (tried once per process). If not, *why (if why is not
 * NULL) says what failed, for th_skip.
 */
bool th_pid1_ok(const char **why);

/*
 * Whether each tend gets a cgroup v2 of its own here (mounted and
 * writable; tried once, by th_main). If not, *why says why.
 */
bool th_cgroup_ok(const char **why);

/*
 * Report the running test as skipped (Check has no skip): prints
 * "SKIP: TEST: why" to stderr, and th_main lists the skipped tests at
 * the end (and exits 77, meson's SKIP, when every test was skipped). The
 * test then returns without failing. test is its name (__func__ will
 * do).
 */
void th_skip(const char *test, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The cgroup v2 directory tend was launched in (borrowed), or NULL if
 * tend runs without a cgroup of its own. */
const char *th_cgroup(const struct th *t);

/* The cgroup v2 directory (mount point + path) of pid (0: this process)
 * into buf: whether it could be told. */
bool th_cgroup_of(pid_t pid, char *buf, size_t size);

/* The test directory (borrowed, valid until th_stop). */
const char *th_dir(const struct th *t);

/* D/file into buf; fails the test if it does not fit. */
void th_path(const struct th *t, const char *file, char *buf, size_t size);

/* tend's pid (as seen here, also as PID 1); 0 before th_launch. */
pid_t th_tend_pid(const struct th *t);

/* tend's start time (as th_starttime); 0 before th_launch. */
unsigned long long th_tend_start(const struct th *t);

/*
 * The pids recorded in D/NAME.pids, oldest first, complete lines only:
 * how many were recorded (at most max are stored in pids).
 */
int th_pids(struct th *t, const char *name, pid_t *pids, int max);

/* The n-th (from 1) pid recorded for NAME; fails the test if none. */
pid_t th_pid(struct th *t, const char *name, int n);

/* What /proc/PID/stat says of a process. */
struct th_stat {
	char state; /* R, S, D, Z, T, ... */
	pid_t ppid, pgrp, session;
	unsigned long long cpu_ticks; /* fields 14 and 15: user + system */
	unsigned long long start;     /* field 22: clock ticks since boot */
};

/* Fill st from /proc/PID/stat: 0, or -1 if the process is gone. */
int th_stat(pid_t pid, struct th_stat *st);

/* /proc/PID/stat field 22 (clock ticks since boot); 0 if it is gone. */
unsigned long long th_starttime(pid_t pid);

/* The process exists, is not a zombie, and started at starttime. */
bool th_alive(pid_t pid, unsigned long long starttime);

/*
 * What follows key (e.g. "SigIgn:") on its line of /proc/PID/status, the
 * newline cut, into buf: whether there is such a line (false if the
 * process is gone).
 */
bool th_proc_status(pid_t pid, const char *key, char *buf, size_t size);

/* pid's pid in its own PID namespace (the last of /proc/PID/status
 * NSpid), 0 if it is gone; *levels (if not NULL): how many namespaces
 * NSpid lists. */
pid_t th_ns_pid(pid_t pid, int *levels);

/* pid's VmRSS in KiB; fails the test if it cannot be read. */
long th_rss_kib(pid_t pid);

/* One run of a program: its pid (as seen here) and start time. */
struct th_run {
	pid_t pid;
	unsigned long long start;
};

/* Wait (up to TH_DEADLINE_MS) until NAME's n-th run is alive, as
 * th_wait_count does: that run. */
struct th_run th_up(struct th *t, const char *name, int n);

/* The run is still alive (th_alive). */
bool th_run_alive(const struct th_run *r);

/* How many processes of the test are alive: tend and its descendants (by
 * their TEND_TEST_DIR and start time), recorded pids (by start time); as
 * PID 1, unshare too. */
int th_procs_alive(struct th *t);

/* How many processes descend from tend (as PID 1: every process of its
 * namespace but tend), zombies included; *zombies (if not NULL) says how
 * many of them are zombies. 0 once tend is gone. */
int th_descendants(struct th *t, int *zombies);

/*
 * Wait until cond(t, arg) is true, checking every few milliseconds. Fails
 * the test with `what` if deadline_ms passes first, or at once if tend
 * exits meanwhile.
 */
void th_wait(struct th *t, th_cond *cond, const void *arg, int deadline_ms,
    const char *what);

/* cond(t, arg) must stay true for ms milliseconds (and tend must live);
 * else the test fails with `what`. */
void th_hold(
    struct th *t, th_cond *cond, const void *arg, int ms, const char *what);

/* Wait until NAME has recorded n runs and the n-th one is alive; more
 * than n runs fails the test. */
void th_wait_count(struct th *t, const char *name, int n, int deadline_ms);

/* Conditions for th_wait and th_hold, on the arg named. */

/* runs, a NULL-terminated array of const struct th_run *: all alive. */
bool th_all_alive(struct th *t, const void *runs);

/* What th_count_is looks at. */
struct th_count {
	const char *name;
	int n;
};

/* count, a struct th_count: NAME has recorded n runs (alive or not). */
bool th_count_is(struct th *t, const void *count);

/* run, a struct th_run: alive and running sleep (/proc/PID/comm), that
 * is, done with the shell script that execs it, as {S:} programs do. */
bool th_runs_sleep(struct th *t, const void *run);

/* run, a struct th_run: alive and ignoring SIGTERM (its trap is set). */
bool th_ignores_term(struct th *t, const void *run);

/* A free TCP port on loopback (bound, then let go). */
int th_free_port(void);

/* Wait until D/file contains text. */
void th_wait_file(
    struct th *t, const char *file, const char *text, int deadline_ms);

/* Wait until the process pid that started at start is gone (exited;
 * a zombie counts as gone). */
void th_wait_gone(
    struct th *t, pid_t pid, unsigned long long start, int deadline_ms);

/*
 * Wait for tend to exit and reap it: its exit status. Fails the test if
 * it does not exit within deadline_ms or dies by a signal.
 */
int th_wait_exit(struct th *t, int deadline_ms);

/* Whether tend has exited (reaping it if so, status kept). */
bool th_exited(struct th *t);

/* Send sig to tend. */
void th_signal(struct th *t, int sig);

/* D/tend.err, whole; malloc'd, never NULL. */
char *th_stderr(struct th *t);

/* D/file, whole; malloc'd, or NULL if it does not exist. */
char *th_read(struct th *t, const char *file);

/* D/file, whole, "" if it does not exist; malloc'd, never NULL. */
char *th_contents(struct th *t, const char *file);

/* D/file (as th_contents) must be want, else the test fails. */
void th_assert_file(struct th *t, const char *file, const char *want);

/* tend's stderr must contain needle, else the test fails. */
void th_assert_stderr_has(struct th *t, const char *needle);

/* A line of tend's stderr past its timestamp ("2026-12-07T00:35:31.123+01:00
 * "), if it has one; else line itself. */
char *th_past_stamp(const char *line);

/* How many times needle occurs in s, not overlapping. */
int th_occurrences(const char *s, const char *needle);

/* Whether D/file exists and contains text. */
bool th_file_has(struct th *t, const char *file, const char *text);

/* Another identity for a program th_run starts. */
struct th_cred {
	uid_t uid;
	gid_t gid;
	int ngroups;
	gid_t groups[4]; /* supplementary groups */
};

/* How th_run runs a program; all zero (or NULL) as th_ctl does. */
struct th_how {
	const char *input;        /* stdin from this file; NULL: /dev/null */
	const struct th_cred *cr; /* NULL: the test's own identity */
	const char *env;          /* one more "KEY=VALUE", or NULL */
	int ms;                   /* time it has to finish; 0: 30 s */
	const char *bin;          /* th_ctl_how: NULL for $TENDCTL_BIN */
	bool no_socket;           /* th_ctl_how: no "-s D/tend.sock" */
};

/*
 * The harness's runner, the one way a test runs a program to its end:
 * argv (NULL-terminated; argv[0] looked up in PATH unless it holds a
 * '/') in a child set up by th_child_setup, then as h says. Its stdout
 * and stderr into *out (malloc'd). Its exit status (128+N if killed by
 * signal N); the test fails if it does not end in time (it is killed).
 */
int th_run(
    struct th *t, const struct th_how *h, const char *const *argv, char **out);

/*
 * th_run of $TENDCTL_BIN -s D/tend.sock ARGS, where ARGS is fmt formatted
 * and split on spaces (at most 60 words).
 */
int th_ctl(struct th *t, char **out, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* th_ctl run as h says (NULL: as th_ctl). */
int th_ctl_how(struct th *t, const struct th_how *h, char **out,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* The same for $TEND_BIN ARGS (e.g. "--check -c /path"). */
int th_tend(struct th *t, char **out, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Read fd until end of file (or an error, such as a reset) or until
 * deadline_ms (th_now_ms's clock) passes: what came, NUL-terminated
 * (malloc'd); *eof whether it ended; *lenp its length, if not NULL.
 */
char *th_drain(int fd, long long deadline_ms, bool *eof, size_t *lenp);

/*
 * A program the test reads while it runs (`tendctl events`, `logs -f`):
 * started as th_run starts one, its stdout and stderr gathered in buf.
 */
struct th_stream {
	pid_t pid;
	int fd;    /* read end, non-blocking */
	char *buf; /* what it wrote so far, NUL-terminated; the test frees */
	size_t len, cap;
};

/* Start argv (as th_run would) into s. */
void th_stream_start(
    struct th *t, struct th_stream *s, const char *const *argv);

/* th_stream_start of $TENDCTL_BIN -s D/tend.sock ARGS (as th_ctl). */
void th_stream_ctl(struct th *t, struct th_stream *s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Take what it has written, waiting up to ms for something. */
void th_stream_read(struct th_stream *s, int ms);

/* Whether its output from offset from on holds needle within ms; where
 * needle begins in *at (if not NULL). */
bool th_stream_has(
    struct th_stream *s, size_t from, const char *needle, int ms, size_t *at);

/* th_stream_has that must find needle: where it begins. */
size_t th_stream_wait(
    struct th_stream *s, size_t from, const char *needle, int ms);

/* Wait up to ms for it to end by itself: its exit status. The test fails
 * (and it is killed) if it does not. buf stays, for the test to free. */
int th_stream_finish(struct th_stream *s, int ms);

/* SIGTERM it (an interrupt), then th_stream_finish within
 * TH_DEADLINE_MS. */
int th_stream_end(struct th_stream *s);

/* CLOCK_MONOTONIC in milliseconds, for a test's own deadlines. */
long long th_now_ms(void);

/*
 * For a process that a test forks itself, in the child before exec:
 * th_child_fds sets signals as at boot (none blocked, every one
 * SIG_DFL) and in, out and err as fds 0, 1 and 2, closing every other
 * (_exit(127) if it cannot). th_child_setup adds what tend and tendctl
 * get from th_launch and th_ctl: TEND_SOCKET=D/tend.sock, TEND_TEST_DIR=D
 * (by which the clean-up knows the test's processes) and th_setenv's
 * variables. th_enter_cgroup moves it into tend's cgroup (th_cgroup), if
 * there is one, as th_launch does for tend (_exit(126) if it cannot).
 */
void th_child_fds(int in, int out, int err);
void th_child_setup(const struct th *t, int in, int out, int err);
void th_enter_cgroup(const struct th *t);

/*
 * End of the test: TERM tend and wait up to 10 s for it, then KILL its
 * group, its cgroup (if its own) and every process the test started,
 * reap them, and remove the cgroup and the directory (the directory is
 * kept with TEND_TEST_KEEP=1). Frees t. Returns tend's exit
 * status, or -1 if it had to be killed. Fails the test if a process
 * survives.
 */
int th_stop(struct th *t);

/*
 * th_stop for a tend that ends by itself (or after th_signal): it exits
 * with status within deadline_ms; D/stopped, the order in which {T:}
 * programs were stopped, is then stopped (unless that is NULL); nothing
 * the test started is left alive (th_procs_alive); th_stop returns
 * status. Frees t.
 */
void th_stop_after_exit(
    struct th *t, int status, const char *stopped, int deadline_ms);

/* th_stop every handle still open: a checked teardown for CK_FORK=no. */
void th_stop_all(void);

/*
 * A test program's main: run s (CK_VERBOSITY=verbose names each test)
 * in a runner that is a child subreaper, so that what a failed test left
 * is adopted and reaped here rather than by init (which may not reap);
 * then reap it. Takes ownership of s. EXIT_SUCCESS if every test passed
 * (77 if every test was skipped), else EXIT_FAILURE.
 */
int th_main(Suite *s);

#endif
