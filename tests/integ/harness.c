/*
 * harness.c: the integration-test harness (see harness.h).
 *
 * It runs in the test process, which it makes a child subreaper, so that
 * whatever tend leaves behind ends up here to be killed and reaped. While
 * tend lives, only known pids are waited for (tend, the guard, th_run's
 * commands, orphan zombies found in /proc): waitpid(-1) would steal an
 * exit status the test is about to ask for. It must not leave a process
 * behind, even when the test fails: hence the guard (see guard()).
 */
#include "harness.h"

#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <check.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mountinfo.h"

#define TICK_MS 10      /* how often a condition is looked at */
#define STOP_MS 10000   /* th_stop: tend's time to stop after TERM */
#define SWEEP_MS 5000   /* th_stop: time for leftovers to go */
#define RUN_MS 30000    /* th_ctl, th_tend: time to finish */
#define TAIL_BYTES 3000 /* of tend's stderr, in failure messages */
#define MAX_ENV 32      /* th_setenv entries */
#define MAX_ARGS 64     /* th_ctl, th_tend: words and the rest */
#define FIND_MS 5000    /* PID 1: time for unshare to fork tend */
#define CG_MS 5000      /* time for a killed cgroup to empty and go */
#define MARKER "TEND_TEST_DIR"
#define CG_PREFIX "tend-test-"

struct seen {
	pid_t pid;
	unsigned long long start; /* 0: was not ours, or already gone */
};

/* A pid of tend's PID namespace (PID 1 mode) and the same process here. */
struct nsmap {
	pid_t ns, host;
};

struct th {
	char dir[64];
	pid_t pid;                /* our child: tend, or unshare as PID 1;
	                           * 0 before th_launch */
	unsigned long long start; /* its start time */
	pid_t tend;               /* tend as this process sees it */
	unsigned long long tend_start;
	bool pid1;         /* tend runs as PID 1 (th_set_pid1) */
	rlim_t nofile;     /* tend's open-files limit; 0: inherited */
	char cg[PATH_MAX]; /* tend's cgroup v2 directory; "" if none */
	bool cg_owned;     /* made here, removed by th_stop */
	struct nsmap *map; /* PID 1: namespace pids seen so far */
	size_t nmap, map_cap;
	int pidfd; /* our child's; -1 if none */
	bool reaped;
	int wstatus;
	pid_t guard;
	int guard_fd; /* write end of the guard's pipe; -1 if none */
	char *env[MAX_ENV];
	int nenv;
	struct seen *seen; /* recorded pids with their start times */
	size_t nseen, seen_cap;
	struct th *next; /* open handles, for th_stop_all */
};

static struct th *open_handles;

static void remember_markers(struct th *t);
static bool wait_tend(struct th *t, int ms);
static const char *describe_exit(int wstatus, char *buf, size_t size);

/* ------------------------------------------------------------ helpers */

long long
th_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
nap(int ms)
{
	(void)poll(NULL, 0, ms);
}

/* path's whole contents, NUL-terminated; NULL with errno if unreadable. */
static char *
slurp(const char *path, size_t *lenp)
{
	size_t len = 0, cap = 4096;
	char *buf;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return NULL;
	buf = malloc(cap);
	if (buf == NULL)
		goto fail_close;
	for (;;) {
		if (cap - len < 2) {
			char *bigger = realloc(buf, cap * 2);

			if (bigger == NULL)
				goto fail_free;
			buf = bigger;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			goto fail_free;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	if (lenp != NULL)
		*lenp = len;
	return buf;
fail_free:
	free(buf);
fail_close:
	close(fd);
	return NULL;
}

void
th_path(const struct th *t, const char *file, char *buf, size_t size)
{
	if ((size_t)snprintf(buf, size, "%s/%s", t->dir, file) >= size)
		ck_abort_msg("path too long: %s/%s", t->dir, file);
}

/* The last TAIL_BYTES of tend's stderr, for failure messages. */
static char *
stderr_tail(const struct th *t)
{
	char path[PATH_MAX];
	size_t len;
	char *all, *tail;

	snprintf(path, sizeof(path), "%s/tend.err", t->dir);
	all = slurp(path, &len);
	if (all == NULL)
		return strdup("(no stderr)");
	if (len <= TAIL_BYTES)
		return all;
	tail = strdup(all + len - TAIL_BYTES);
	free(all);
	return tail;
}

static void flunk(const struct th *t, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 2, 3)));

/* Fail the running test; the message ends with tend's stderr tail. */
static void
flunk(const struct th *t, const char *fmt, ...)
{
	char msg[1024];
	char *tail;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	tail = t != NULL ? stderr_tail(t) : NULL;
	ck_abort_msg("%s\n--- tend's stderr (%s), last lines ---\n%s", msg,
	    t != NULL ? t->dir : "-", tail != NULL ? tail : "");
	/* not reached: ck_abort_msg does not return */
	abort();
}

/* ----------------------------------------------------------- /proc */

int
th_stat(pid_t pid, struct th_stat *st)
{
	char path[64], buf[1024], *p;
	unsigned long long v;
	ssize_t n;
	int fd, field;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* comm may hold spaces and parentheses: the last ')' ends it */
	p = strrchr(buf, ')');
	if (p == NULL || p[1] != ' ')
		return -1;
	p += 2;
	memset(st, 0, sizeof(*st));
	st->state = *p;
	for (field = 4; field <= 22; field++) {
		p = strchr(p, ' ');
		if (p == NULL)
			return -1;
		v = strtoull(++p, NULL, 10);
		if (field == 4)
			st->ppid = (pid_t)v;
		else if (field == 5)
			st->pgrp = (pid_t)v;
		else if (field == 6)
			st->session = (pid_t)v;
		else if (field == 14 || field == 15)
			st->cpu_ticks += v; /* utime, stime */
		else if (field == 22)
			st->start = v;
	}
	return 0;
}

unsigned long long
th_starttime(pid_t pid)
{
	struct th_stat st;

	return th_stat(pid, &st) == 0 ? st.start : 0;
}

bool
th_alive(pid_t pid, unsigned long long starttime)
{
	struct th_stat st;

	if (pid <= 0 || starttime == 0 || th_stat(pid, &st) == -1)
		return false;
	return st.state != 'Z' && st.state != 'X' && st.start == starttime;
}

bool
th_proc_status(pid_t pid, const char *key, char *buf, size_t size)
{
	char path[64], line[256];
	size_t klen = strlen(key);
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (f == NULL)
		return false;
	while (!found && fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, key, klen) == 0) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(buf, size, "%s", line + klen);
			found = true;
		}
	fclose(f);
	return found;
}

pid_t
th_ns_pid(pid_t pid, int *levels)
{
	char nspid[256], *p, *end;
	pid_t last = 0;
	int n = 0;

	if (th_proc_status(pid, "NSpid:", nspid, sizeof(nspid)))
		for (p = nspid;; p = end) {
			long v = strtol(p, &end, 10);

			if (end == p)
				break;
			last = (pid_t)v;
			n++;
		}
	if (levels != NULL)
		*levels = n;
	return last;
}

long
th_rss_kib(pid_t pid)
{
	char rss[256];

	if (!th_proc_status(pid, "VmRSS:", rss, sizeof(rss)))
		flunk(NULL, "pid %d: no VmRSS in /proc/%d/status", (int)pid,
		    (int)pid);
	return strtol(rss, NULL, 10);
}

/* The next process in d, an opendir of /proc, with its stat in *st; 0
 * once there is none. Processes gone meanwhile are passed over. */
static pid_t
next_proc(DIR *d, struct th_stat *st)
{
	struct dirent *de;

	while ((de = readdir(d)) != NULL) {
		pid_t pid;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		pid = (pid_t)atoi(de->d_name);
		if (th_stat(pid, st) == 0)
			return pid;
	}
	return 0;
}

/* pid runs with TEND_TEST_DIR=dir and started no earlier than since. */
static bool
is_ours(pid_t pid, const char *dir, unsigned long long since)
{
	char path[64], needle[128];
	struct th_stat st;
	size_t len, nlen, i;
	char *env;
	bool found;

	if (pid == getpid() || th_stat(pid, &st) == -1 || st.start < since)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/environ", (int)pid);
	env = slurp(path, &len);
	if (env == NULL)
		return false;
	nlen = (size_t)snprintf(needle, sizeof(needle), "%s=%s", MARKER, dir);
	/* entries are NUL-separated; the marker must be a whole entry */
	found = false;
	for (i = 0; i + nlen <= len && !found; i += strlen(env + i) + 1)
		found = strcmp(env + i, needle) == 0;
	free(env);
	return found;
}

/*
 * Send sig (0: none) to every live process that is ours (by marker and
 * start time) or in t's table of recorded pids (by exact start time);
 * how many there are.
 */
static int
signal_ours(const char *dir, unsigned long long since, const struct seen *seen,
    size_t nseen, int sig)
{
	struct th_stat st;
	int killed = 0;
	pid_t pid;
	DIR *d;
	size_t i;

	for (i = 0; i < nseen; i++)
		if (th_alive(seen[i].pid, seen[i].start) &&
		    kill(seen[i].pid, sig) == 0)
			killed++;
	d = opendir("/proc");
	if (d == NULL)
		return killed;
	while ((pid = next_proc(d, &st)) != 0) {
		for (i = 0; i < nseen && seen[i].pid != pid; i++)
			;
		if (i < nseen && th_alive(pid, seen[i].start))
			continue; /* counted above */
		if (st.state != 'Z' && is_ours(pid, dir, since) &&
		    kill(pid, sig) == 0)
			killed++;
	}
	closedir(d);
	return killed;
}

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	(void)remove(path); /* go on: remove what can be */
	return 0;
}

static void
remove_dir(const char *dir)
{
	const char *keep = getenv("TEND_TEST_KEEP");

	if (keep != NULL && strcmp(keep, "1") == 0) {
		fprintf(stderr, "harness: kept %s\n", dir);
		return;
	}
	(void)nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* ------------------------------------------------------------ cgroups */

/*
 * Every tend of a test runs in a cgroup v2 of its own, where cgroup v2 is
 * mounted and writable: <mount><this process's cgroup>/tend-test-PID-N.
 * tend makes its own below it (<that>/tend, <that>/s-root/...), so
 * tests never meet another tend running on the machine, and th_stop can
 * kill and remove whatever a test's tend left there.
 */
static struct {
	bool probed, ok;
	char parent[PATH_MAX]; /* where ours are made */
	char why[512];         /* if not ok */
	unsigned n;            /* made by this process so far */
} cgp;

bool
th_cgroup_of(pid_t pid, char *buf, size_t size)
{
	char path[64], line[PATH_MAX + 8], mnt[PATH_MAX], root[PATH_MAX];
	const char *rel = NULL;
	FILE *f;
	int found;

	f = fopen("/proc/self/mountinfo", "re");
	if (f == NULL)
		return false;
	found = mountinfo_cgroup2(f, mnt, sizeof(mnt), root, sizeof(root));
	fclose(f);
	if (found == -1)
		return false;
	if (pid == 0)
		snprintf(path, sizeof(path), "/proc/self/cgroup");
	else
		snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	f = fopen(path, "re");
	if (f == NULL)
		return false;
	while (rel == NULL && fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "0::", 3) == 0) {
			line[strcspn(line, "\n")] = '\0';
			rel = line + 3;
		}
	fclose(f);
	/* a mount of a subtree shows the cgroups below its root only */
	if (rel == NULL || (rel = mountinfo_below(root, rel)) == NULL)
		return false;
	return (size_t)snprintf(buf, size, "%s%s", mnt, rel) < size;
}

/* SIGKILL everything in the cgroup dir and below. */
static void
cg_kill(const char *dir)
{
	char path[PATH_MAX + 16];
	int fd;

	snprintf(path, sizeof(path), "%s/cgroup.kill", dir);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd != -1) {
		(void)write(fd, "1", 1);
		close(fd);
	}
}

static int
rm_cgdir(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	if (flag == FTW_DP)
		(void)rmdir(path); /* go on: remove what can be */
	return 0;
}

/* Kill what is in the cgroup dir, then remove it and every cgroup below,
 * deepest first, within ms: whether it is gone. */
static bool
cg_remove(const char *dir, int ms)
{
	long long deadline = th_now_ms() + ms;

	for (;;) {
		cg_kill(dir);
		(void)nftw(dir, rm_cgdir, 16, FTW_DEPTH | FTW_PHYS);
		if (access(dir, F_OK) == -1 && errno == ENOENT)
			return true;
		if (th_now_ms() >= deadline)
			return false;
		nap(TICK_MS);
	}
}

/* Remove what test processes that are gone left: tend-test-PID-N of a
 * dead PID (a runner killed by a timeout, say). */
static void
cg_remove_stale(void)
{
	char path[PATH_MAX + 300];
	struct dirent *de;
	DIR *d = opendir(cgp.parent);

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		const char *p;
		pid_t owner;

		if (strncmp(de->d_name, CG_PREFIX, strlen(CG_PREFIX)) != 0)
			continue;
		p = de->d_name + strlen(CG_PREFIX);
		if (strncmp(p, "probe-", 6) == 0)
			p += 6;
		owner = (pid_t)atoi(p);
		if (owner <= 0 || owner == getpid() || kill(owner, 0) == 0 ||
		    errno != ESRCH)
			continue;
		snprintf(path, sizeof(path), "%s/%s", cgp.parent, de->d_name);
		(void)cg_remove(path, CG_MS);
	}
	closedir(d);
}

bool
th_cgroup_ok(const char **why)
{
	char probe[PATH_MAX + 64];

	if (!cgp.probed) {
		cgp.probed = true;
		if (!th_cgroup_of(0, cgp.parent, sizeof(cgp.parent))) {
			snprintf(cgp.why, sizeof(cgp.why),
			    "no cgroup v2 hierarchy is mounted (or this "
			    "process's cgroup v2 is unknown)");
		} else {
			snprintf(probe, sizeof(probe), "%s/%sprobe-%d",
			    cgp.parent, CG_PREFIX, (int)getpid());
			if (mkdir(probe, 0755) == -1 && errno != EEXIST)
				snprintf(cgp.why, sizeof(cgp.why),
				    "cgroup v2 is not writable here: "
				    "mkdir %.300s: %s",
				    probe, strerror(errno));
			else
				cgp.ok = true;
			(void)rmdir(probe);
		}
		if (cgp.ok)
			cg_remove_stale();
		else
			fprintf(stderr,
			    "harness: tend runs without a cgroup "
			    "of its own: %s\n",
			    cgp.why);
	}
	if (why != NULL)
		*why = cgp.ok ? "" : cgp.why;
	return cgp.ok;
}

/* Give t a cgroup of its own, where cgroup v2 is writable. */
static void
cg_make(struct th *t)
{
	int len;

	if (!th_cgroup_ok(NULL))
		return;
	len = snprintf(t->cg, sizeof(t->cg), "%s/%s%d-%u", cgp.parent,
	    CG_PREFIX, (int)getpid(), cgp.n++);
	if (len < 0 || (size_t)len >= sizeof(t->cg) ||
	    mkdir(t->cg, 0755) == -1) {
		int err = errno;

		(void)rmdir(t->dir); /* no guard yet */
		flunk(NULL, "cannot make a cgroup for tend (%s): %s", t->cg,
		    strerror(err));
	}
	t->cg_owned = true;
}

const char *
th_cgroup(const struct th *t)
{
	return t->cg[0] != '\0' ? t->cg : NULL;
}

/* ------------------------------------------------------------- guard */

/* What the test process tells its guard. */
struct guard_msg {
	char kind; /* 'L': tend launched (pid, start, tend); 'X': dismissed */
	pid_t pid; /* our child: tend, or unshare */
	unsigned long long start;
	pid_t tend;
	unsigned long long tend_start;
};

/*
 * The guard waits on a pipe whose write end only the test process holds.
 * It learns tend's pid when tend is launched; 'X' dismisses it. End of
 * file means the test process died (a failed Check assertion ends it
 * with _exit, a timeout with SIGKILL): then the guard kills tend's group
 * and everything of the test, removes the test's cgroup (cg, "" if none)
 * and the directory. It leaves Check's process group, which Check kills
 * after each test.
 */
static void
guard(int rfd, const char *dir, const char *cg)
{
	struct guard_msg m, last;
	long long deadline;
	ssize_t n;
	int null;

	memset(&last, 0, sizeof(last));
	(void)setsid();
	/* let go of the test's stdio: meson reads its pipes until EOF */
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null != -1) {
		(void)dup2(null, 0);
		(void)dup2(null, 1);
		(void)dup2(null, 2);
	}
	if (rfd > 3)
		(void)close_range(3, (unsigned)rfd - 1, 0);
	(void)close_range((unsigned)rfd + 1, ~0U, 0);
	for (;;) {
		n = read(rfd, &m, sizeof(m));
		if (n == -1 && errno == EINTR)
			continue;
		if (n != (ssize_t)sizeof(m))
			break; /* end of file: the test process is gone */
		if (m.kind == 'X')
			_exit(0);
		memcpy(&last, &m, sizeof(m));
	}
	if (last.pid != 0 && th_alive(last.pid, last.start)) {
		(void)kill(-last.pid, SIGKILL);
		(void)kill(last.pid, SIGKILL);
	}
	if (last.tend != 0 && th_alive(last.tend, last.tend_start))
		(void)kill(last.tend, SIGKILL); /* as PID 1: its namespace */
	if (cg[0] != '\0')
		cg_kill(cg);
	/* twice empty in a row: a process in the middle of an exec can
	 * escape one look, as its environment reads empty then */
	deadline = th_now_ms() + SWEEP_MS;
	n = 0;
	while (n < 2 && th_now_ms() < deadline) {
		if (signal_ours(dir, last.start, NULL, 0, SIGKILL) > 0)
			n = 0;
		else
			n++;
		nap(TICK_MS);
	}
	if (cg[0] != '\0')
		(void)cg_remove(cg, CG_MS);
	remove_dir(dir);
	_exit(0);
}

/* A close-on-exec pipe into fds, then fork: as fork(2), but failing the
 * test if either cannot be done. */
static pid_t
pipe_and_fork(const struct th *t, int fds[2])
{
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) == -1)
		flunk(t, "pipe2: %s", strerror(errno));
	pid = fork();
	if (pid == -1)
		flunk(t, "fork: %s", strerror(errno));
	return pid;
}

static void
start_guard(struct th *t)
{
	int fds[2];
	pid_t pid;

	pid = pipe_and_fork(t, fds);
	if (pid == 0) {
		close(fds[1]);
		guard(fds[0], t->dir, t->cg);
	}
	close(fds[0]);
	t->guard = pid;
	t->guard_fd = fds[1];
}

static void
tell_guard(struct th *t, char kind)
{
	struct guard_msg m;

	memset(&m, 0, sizeof(m));
	m.kind = kind;
	m.pid = t->pid;
	m.start = t->start;
	m.tend = t->tend;
	m.tend_start = t->tend_start;
	if (t->guard_fd != -1 &&
	    write(t->guard_fd, &m, sizeof(m)) != (ssize_t)sizeof(m))
		fprintf(stderr, "harness: cannot reach the guard: %s\n",
		    strerror(errno));
}

static void
dismiss_guard(struct th *t)
{
	if (t->guard_fd == -1)
		return;
	tell_guard(t, 'X');
	close(t->guard_fd);
	t->guard_fd = -1;
	while (waitpid(t->guard, NULL, 0) == -1 && errno == EINTR)
		;
	t->guard = 0;
}

/* ------------------------------------------------------------ config */

static bool
valid_name(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > 64)
		return false;
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) &&
		    strchr("_.-", s[i]) == NULL)
			return false;
	return true;
}

/* Write conf to f with the tokens of harness.h expanded. */
static void
expand(const struct th *t, const char *conf, FILE *f)
{
	const char *d = t->dir;
	const char *p, *end;

	for (p = conf; *p != '\0'; p++) {
		int len;

		if (*p != '{') {
			fputc(*p, f);
			continue;
		}
		if (strncmp(p, "{D}", 3) == 0) {
			fputs(d, f);
			p += 2;
			continue;
		}
		end = strchr(p, '}');
		if ((p[1] != 'S' && p[1] != 'T') || p[2] != ':' ||
		    end == NULL || !valid_name(p + 3, (size_t)(end - p - 3))) {
			fputc(*p, f);
			continue;
		}
		len = (int)(end - p - 3);
		if (p[1] == 'S')
			fprintf(f,
			    "sh -c 'echo $$ >>%s/%.*s.pids;exec sleep 100000'",
			    d, len, p + 3);
		else
			fprintf(f,
			    "sh -c 'trap \"echo %.*s >>%s/stopped;exit 0\" "
			    "TERM;"
			    "echo $$ >>%s/%.*s.pids;sleep 100000 & wait'",
			    len, p + 3, d, d, len, p + 3);
		p = end;
	}
}

/* ------------------------------------------------------------ handles */

struct th *
th_new(const char *conf)
{
	struct th *t;

	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == -1)
		flunk(NULL, "PR_SET_CHILD_SUBREAPER: %s", strerror(errno));
	(void)signal(SIGPIPE, SIG_IGN); /* a dead guard must not kill us */
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		flunk(NULL, "out of memory");
	t->pidfd = t->guard_fd = -1;
	strcpy(t->dir, "/tmp/tend-test-XXXXXX");
	if (mkdtemp(t->dir) == NULL)
		flunk(NULL, "mkdtemp: %s", strerror(errno));
	cg_make(t);
	t->next = open_handles;
	open_handles = t;
	start_guard(t); /* from now on, the directory goes in any case */
	th_write(t, "tend.conf", conf);
	return t;
}

void
th_write(struct th *t, const char *file, const char *text)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8];
	FILE *f;

	th_path(t, file, path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (f == NULL)
		flunk(t, "%s: %s", tmp, strerror(errno));
	expand(t, text, f);
	if (fclose(f) != 0 || rename(tmp, path) == -1)
		flunk(t, "%s: %s", path, strerror(errno));
}

void
th_set_nofile(struct th *t, rlim_t n)
{
	t->nofile = n;
}

void
th_set_pid1(struct th *t)
{
	if (t->pid != 0)
		flunk(t, "th_set_pid1: tend was launched already");
	t->pid1 = true;
}

void
th_use_cgroup_of(struct th *t, const struct th *other)
{
	if (t->pid != 0)
		flunk(t, "th_use_cgroup_of: tend was launched already");
	if (other->cg[0] == '\0')
		flunk(t, "th_use_cgroup_of: the other tend has no cgroup");
	if (t->cg_owned)
		(void)rmdir(t->cg); /* still empty; its guard finds it gone */
	memcpy(t->cg, other->cg, sizeof(t->cg));
	t->cg_owned = false;
}

void
th_setenv(struct th *t, const char *kv)
{
	if (t->nenv == MAX_ENV || strchr(kv, '=') == NULL)
		flunk(t, "th_setenv: bad or too many: %s", kv);
	t->env[t->nenv] = strdup(kv);
	if (t->env[t->nenv] == NULL)
		flunk(t, "out of memory");
	t->nenv++;
}

void
th_child_fds(int in, int out, int err)
{
	sigset_t none;
	int sig;

	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	for (sig = 1; sig < NSIG; sig++)
		(void)signal(sig, SIG_DFL);
	if (dup2(in, 0) == -1 || dup2(out, 1) == -1 || dup2(err, 2) == -1)
		_exit(127);
	(void)close_range(3, ~0U, 0);
}

void
th_child_setup(const struct th *t, int in, int out, int err)
{
	char sock[PATH_MAX];
	int i;

	th_child_fds(in, out, err);
	snprintf(sock, sizeof(sock), "%s/tend.sock", t->dir);
	(void)setenv("TEND_SOCKET", sock, 1);
	(void)setenv(MARKER, t->dir, 1);
	for (i = 0; i < t->nenv; i++)
		(void)putenv(t->env[i]);
}

void
th_enter_cgroup(const struct th *t)
{
	char path[PATH_MAX + 16];
	int fd;

	if (t->cg[0] == '\0')
		return;
	snprintf(path, sizeof(path), "%s/cgroup.procs", t->cg);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd == -1 || write(fd, "0", 1) != 1) {
		dprintf(2, "harness: cannot move into cgroup %s: %s\n", t->cg,
		    strerror(errno));
		_exit(126);
	}
	close(fd);
}

/* Move pid into the cgroup dir, if it can be done. */
static void
move_to(pid_t pid, const char *dir)
{
	char path[PATH_MAX + 16], text[32];
	int fd;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	snprintf(text, sizeof(text), "%d", (int)pid);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd == -1)
		return;
	if (write(fd, text, strlen(text)) == -1)
		fprintf(stderr, "harness: cannot move %d to %s: %s\n", (int)pid,
		    dir, strerror(errno));
	close(fd);
}

/* As PID 1: tend is the child that unshare forks, PID 1 of its own
 * namespace. */
static void
find_tend(struct th *t)
{
	long long deadline = th_now_ms() + FIND_MS;
	char path[96], how[64];

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)t->pid,
	    (int)t->pid);
	for (;;) {
		FILE *f = fopen(path, "re");
		int child = 0, levels;

		if (f != NULL) {
			if (fscanf(f, "%d", &child) != 1)
				child = 0;
			fclose(f);
		}
		if (child > 0 && th_ns_pid(child, &levels) == 1 &&
		    levels >= 2) {
			t->tend = child;
			t->tend_start = th_starttime(child);
			if (t->tend_start != 0)
				return;
		}
		if (th_exited(t))
			flunk(t, "unshare exited (%s) before tend ran as PID 1",
			    describe_exit(t->wstatus, how, sizeof(how)));
		if (th_now_ms() >= deadline)
			flunk(t, "unshare did not start tend within %d ms",
			    FIND_MS);
		nap(1);
	}
}

void
th_launch(struct th *t)
{
	char conf[PATH_MAX], out[PATH_MAX], err[PATH_MAX];
	const char *bin = getenv("TEND_BIN");
	pid_t pid;

	if (bin == NULL)
		flunk(t, "TEND_BIN is not set (run the tests with meson test)");
	if (t->pid != 0)
		flunk(t, "th_launch: tend was launched already");
	th_path(t, "tend.conf", conf, sizeof(conf));
	th_path(t, "tend.out", out, sizeof(out));
	th_path(t, "tend.err", err, sizeof(err));
	pid = fork();
	if (pid == -1)
		flunk(t, "fork: %s", strerror(errno));
	if (pid == 0) {
		int in = open("/dev/null", O_RDONLY);
		int o =
		    open(out, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
		int e =
		    open(err, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);

		(void)setpgid(0, 0);
		if (in == -1 || o == -1 || e == -1)
			_exit(127);
		th_child_setup(t, in, o, e);
		th_enter_cgroup(t);
		if (t->nofile != 0) {
			struct rlimit rl = {t->nofile, t->nofile};

			if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
				_exit(127);
		}
		if (t->pid1)
			execlp("unshare", "unshare", "--pid", "--fork",
			    "--mount-proc", bin, "-c", conf, (char *)NULL);
		else
			execl(bin, "tend", "-c", conf, (char *)NULL);
		dprintf(2, "harness: exec %s: %s\n", t->pid1 ? "unshare" : bin,
		    strerror(errno));
		_exit(127);
	}
	(void)setpgid(pid, pid); /* either side may win the race */
	t->pid = pid;
	t->start = th_starttime(pid);
	t->pidfd = (int)pidfd_open(pid, 0);
	tell_guard(t, 'L');
	if (!t->pid1) {
		t->tend = t->pid;
		t->tend_start = t->start;
		return;
	}
	find_tend(t);
	tell_guard(t, 'L');
	/* unshare only waits: out of the way, so that tend's cgroup holds
	 * tend's processes alone */
	if (t->cg[0] != '\0')
		move_to(t->pid, cgp.parent);
}

void
th_relaunch(struct th *t)
{
	if (t->pid == 0)
		flunk(t, "th_relaunch: tend was not launched");
	if (!wait_tend(t, TH_DEADLINE_MS))
		flunk(t, "th_relaunch: tend did not end within %d ms",
		    TH_DEADLINE_MS);
	t->pid = 0;
	t->tend = 0;
	t->reaped = false;
	th_launch(t);
}

struct th *
th_start(const char *conf)
{
	struct th *t = th_new(conf);

	th_launch(t);
	return t;
}

struct th *
th_start_pid1(const char *conf)
{
	struct th *t = th_new(conf);

	th_set_pid1(t);
	th_launch(t);
	return t;
}

const char *
th_dir(const struct th *t)
{
	return t->dir;
}

pid_t
th_tend_pid(const struct th *t)
{
	return t->tend;
}

unsigned long long
th_tend_start(const struct th *t)
{
	return t->tend_start;
}

/* -------------------------------------------------------- recorded pids */

/* v, an array of n elements of size bytes in *cap, with room for one
 * more: doubled (from 32) when full. Fails the test without memory. */
static void *
room_for_one(struct th *t, void *v, size_t n, size_t *cap, size_t size)
{
	size_t bigger = *cap == 0 ? 32 : *cap * 2;

	if (n < *cap)
		return v;
	v = realloc(v, bigger * size);
	if (v == NULL)
		flunk(t, "out of memory");
	*cap = bigger;
	return v;
}

/*
 * pid's start time when it was first seen ours: 0 if it was gone then.
 * A live process that does not look ours is looked at again next time:
 * its environment reads empty while it is in the middle of an exec.
 */
static unsigned long long
remember(struct th *t, pid_t pid)
{
	unsigned long long start;
	size_t i;

	for (i = 0; i < t->nseen; i++)
		if (t->seen[i].pid == pid)
			return t->seen[i].start;
	if (is_ours(pid, t->dir, t->start))
		start = th_starttime(pid);
	else if (th_starttime(pid) != 0)
		return 0; /* not ours, or not yet readable: not recorded */
	else
		start = 0;
	t->seen =
	    room_for_one(t, t->seen, t->nseen, &t->seen_cap, sizeof(*t->seen));
	t->seen[t->nseen].pid = pid;
	t->seen[t->nseen].start = start;
	t->nseen++;
	return start;
}

/* Call fn(pid, arg) for each descendant of root, parents first, until
 * it returns true: that pid, or 0. */
static pid_t
walk_descendants(pid_t root, bool (*fn)(pid_t pid, void *arg), void *arg)
{
	size_t n = 0, cap = 64, i;
	pid_t *q = malloc(cap * sizeof(*q)), found = 0;

	if (q == NULL)
		return 0;
	q[n++] = root;
	for (i = 0; i < n && found == 0; i++) {
		char path[64], kids[384];
		struct dirent *de;
		DIR *d;

		if (i > 0 && fn(q[i], arg)) {
			found = q[i];
			break;
		}
		snprintf(path, sizeof(path), "/proc/%d/task", (int)q[i]);
		d = opendir(path);
		if (d == NULL)
			continue;
		while ((de = readdir(d)) != NULL) {
			FILE *f;
			int kid;

			if (!isdigit((unsigned char)de->d_name[0]))
				continue;
			snprintf(kids, sizeof(kids), "%s/%s/children", path,
			    de->d_name);
			f = fopen(kids, "re");
			if (f == NULL)
				continue;
			while (fscanf(f, "%d", &kid) == 1) {
				if (n == cap) {
					pid_t *v =
					    realloc(q, 2 * cap * sizeof(*q));

					if (v == NULL)
						break;
					q = v;
					cap *= 2;
				}
				q[n++] = (pid_t)kid;
			}
			fclose(f);
		}
		closedir(d);
	}
	free(q);
	return found;
}

static bool
has_ns_pid(pid_t pid, void *arg)
{
	int levels;

	return th_ns_pid(pid, &levels) == *(const pid_t *)arg && levels >= 2;
}

/*
 * As PID 1, programs record the pids of tend's namespace: the same
 * process as seen here (a descendant of tend), 0 if it is gone. Found
 * once and kept: a namespace this young reuses no pid.
 */
static pid_t
host_pid(struct th *t, pid_t nspid)
{
	pid_t host;
	size_t i;

	if (nspid == 1)
		return t->tend;
	for (i = 0; i < t->nmap; i++)
		if (t->map[i].ns == nspid)
			return t->map[i].host;
	host = walk_descendants(t->tend, has_ns_pid, &nspid);
	if (host == 0)
		return 0; /* gone (or not yet readable): look again next time */
	t->map = room_for_one(t, t->map, t->nmap, &t->map_cap, sizeof(*t->map));
	t->map[t->nmap].ns = nspid;
	t->map[t->nmap].host = host;
	t->nmap++;
	return host;
}

struct census {
	int n, zombies;
};

static bool
count_one(pid_t pid, void *arg)
{
	struct census *c = arg;
	struct th_stat st;

	if (th_stat(pid, &st) == 0) {
		c->n++;
		c->zombies += st.state == 'Z';
	}
	return false;
}

int
th_descendants(struct th *t, int *zombies)
{
	struct census c = {0, 0};

	if (t->tend != 0 && th_alive(t->tend, t->tend_start))
		(void)walk_descendants(t->tend, count_one, &c);
	if (zombies != NULL)
		*zombies = c.zombies;
	return c.n;
}

int
th_pids(struct th *t, const char *name, pid_t *pids, int max)
{
	char file[128], path[PATH_MAX];
	char *buf, *line, *nl;
	int n = 0;

	snprintf(file, sizeof(file), "%s.pids", name);
	th_path(t, file, path, sizeof(path));
	buf = slurp(path, NULL);
	if (buf == NULL)
		return 0;
	for (line = buf; (nl = strchr(line, '\n')) != NULL; line = nl + 1) {
		pid_t pid = (pid_t)atoi(line);

		if (pid <= 0)
			continue;
		if (t->pid1)
			pid = host_pid(t, pid);
		if (pid > 0)
			(void)remember(t, pid);
		if (n < max)
			pids[n] = pid;
		n++;
	}
	free(buf);
	return n;
}

pid_t
th_pid(struct th *t, const char *name, int n)
{
	pid_t pids[TH_MAX_PIDS];
	int got = th_pids(t, name, pids, TH_MAX_PIDS);

	if (n < 1 || n > got || n > TH_MAX_PIDS)
		flunk(t, "%s has recorded %d runs; there is no run %d", name,
		    got, n);
	return pids[n - 1];
}

/* -------------------------------------------------------------- waits */

static int
exit_code(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return -1;
}

bool
th_exited(struct th *t)
{
	int st;

	if (t->pid == 0)
		return false;
	if (t->reaped)
		return true;
	if (waitpid(t->pid, &st, WNOHANG) != t->pid)
		return false;
	t->reaped = true;
	t->wstatus = st;
	if (t->pidfd != -1) {
		close(t->pidfd);
		t->pidfd = -1;
	}
	return true;
}

/* Wait up to ms for tend to exit; whether it did (then it is reaped). */
static bool
wait_tend(struct th *t, int ms)
{
	long long deadline = th_now_ms() + ms;
	struct pollfd pfd;

	while (!th_exited(t)) {
		long long left = deadline - th_now_ms();

		if (left <= 0)
			return false;
		if (t->pidfd == -1) {
			nap(TICK_MS);
			continue;
		}
		pfd.fd = t->pidfd;
		pfd.events = POLLIN;
		(void)poll(&pfd, 1, (int)left);
	}
	return true;
}

/* One tick: returns early if tend exits. */
static void
tick(struct th *t)
{
	struct pollfd pfd;

	if (t->pidfd == -1) {
		nap(TICK_MS);
		return;
	}
	pfd.fd = t->pidfd;
	pfd.events = POLLIN;
	(void)poll(&pfd, 1, TICK_MS);
}

static const char *
describe_exit(int wstatus, char *buf, size_t size)
{
	if (WIFSIGNALED(wstatus))
		snprintf(buf, size, "killed by signal %d", WTERMSIG(wstatus));
	else
		snprintf(buf, size, "status %d", exit_code(wstatus));
	return buf;
}

void
th_wait(struct th *t, th_cond *cond, const void *arg, int deadline_ms,
    const char *what)
{
	long long deadline = th_now_ms() + deadline_ms;
	char how[64];

	for (;;) {
		if (cond(t, arg))
			return;
		if (th_exited(t)) {
			if (cond(t, arg))
				return;
			flunk(t, "tend exited (%s) while waiting for %s",
			    describe_exit(t->wstatus, how, sizeof(how)), what);
		}
		if (th_now_ms() >= deadline)
			flunk(t, "no %s within %d ms", what, deadline_ms);
		tick(t);
	}
}

void
th_hold(struct th *t, th_cond *cond, const void *arg, int ms, const char *what)
{
	long long deadline = th_now_ms() + ms;
	char how[64];

	for (;;) {
		if (!cond(t, arg))
			flunk(t, "%s did not hold for %d ms", what, ms);
		if (th_exited(t))
			flunk(t, "tend exited (%s) while %s should hold",
			    describe_exit(t->wstatus, how, sizeof(how)), what);
		if (th_now_ms() >= deadline)
			return;
		tick(t);
	}
}

static bool
has_count(struct th *t, const void *arg)
{
	const struct th_count *c = arg;
	pid_t pids[TH_MAX_PIDS];
	int got = th_pids(t, c->name, pids, TH_MAX_PIDS);

	if (got > c->n)
		flunk(t, "%s has recorded %d runs, more than the %d expected",
		    c->name, got, c->n);
	return got == c->n && got >= 1 && got <= TH_MAX_PIDS &&
	       th_alive(pids[got - 1], remember(t, pids[got - 1]));
}

void
th_wait_count(struct th *t, const char *name, int n, int deadline_ms)
{
	struct th_count c = {name, n};
	char what[160];

	snprintf(what, sizeof(what), "run %d of %s, alive", n, name);
	th_wait(t, has_count, &c, deadline_ms, what);
}

bool
th_count_is(struct th *t, const void *count)
{
	const struct th_count *c = count;
	pid_t pids[TH_MAX_PIDS];

	return th_pids(t, c->name, pids, TH_MAX_PIDS) == c->n;
}

struct th_run
th_up(struct th *t, const char *name, int n)
{
	struct th_run r;

	th_wait_count(t, name, n, TH_DEADLINE_MS);
	r.pid = th_pid(t, name, n);
	r.start = th_starttime(r.pid);
	if (!th_alive(r.pid, r.start))
		flunk(t, "%s run %d (pid %d) is gone", name, n, (int)r.pid);
	return r;
}

bool
th_run_alive(const struct th_run *r)
{
	return th_alive(r->pid, r->start);
}

bool
th_all_alive(struct th *t, const void *runs)
{
	const struct th_run *const *r;

	(void)t;
	for (r = runs; *r != NULL; r++)
		if (!th_run_alive(*r))
			return false;
	return true;
}

bool
th_runs_sleep(struct th *t, const void *run)
{
	const struct th_run *r = run;
	char path[64], comm[32] = "";
	FILE *f;

	(void)t;
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)r->pid);
	f = fopen(path, "re");
	if (f == NULL)
		return false;
	if (fgets(comm, sizeof(comm), f) == NULL)
		comm[0] = '\0';
	fclose(f);
	return strcmp(comm, "sleep\n") == 0 && th_run_alive(r);
}

bool
th_ignores_term(struct th *t, const void *run)
{
	const struct th_run *r = run;
	char ign[64];

	(void)t;
	return th_proc_status(r->pid, "SigIgn:", ign, sizeof(ign)) &&
	       th_run_alive(r) &&
	       (strtoull(ign, NULL, 16) & (1ULL << (SIGTERM - 1))) != 0;
}

struct file_arg {
	const char *file, *text;
};

bool
th_file_has(struct th *t, const char *file, const char *text)
{
	char *s = th_read(t, file);
	bool found = s != NULL && strstr(s, text) != NULL;

	free(s);
	return found;
}

static bool
file_has(struct th *t, const void *arg)
{
	const struct file_arg *f = arg;

	return th_file_has(t, f->file, f->text);
}

void
th_wait_file(struct th *t, const char *file, const char *text, int deadline_ms)
{
	struct file_arg f = {file, text};
	char what[256];

	snprintf(what, sizeof(what), "\"%s\" in %s", text, file);
	th_wait(t, file_has, &f, deadline_ms, what);
}

void
th_wait_gone(struct th *t, pid_t pid, unsigned long long start, int deadline_ms)
{
	long long deadline = th_now_ms() + deadline_ms;
	struct pollfd pfd;
	int fd, r;

	fd = (int)pidfd_open(pid, 0);
	if (fd == -1) {
		if (errno == ESRCH)
			return;
		/* no pidfd: look at /proc */
		while (th_alive(pid, start)) {
			if (th_now_ms() >= deadline)
				flunk(t, "pid %d still alive after %d ms",
				    (int)pid, deadline_ms);
			nap(TICK_MS);
		}
		return;
	}
	/* the pid may have been reused before the pidfd was taken */
	if (!th_alive(pid, start)) {
		close(fd);
		return;
	}
	pfd.fd = fd;
	pfd.events = POLLIN;
	do
		r = poll(&pfd, 1,
		    (int)(deadline - th_now_ms() > 0 ? deadline - th_now_ms()
		                                     : 0));
	while (r == -1 && errno == EINTR);
	close(fd);
	if (r == 0)
		flunk(
		    t, "pid %d still alive after %d ms", (int)pid, deadline_ms);
}

int
th_wait_exit(struct th *t, int deadline_ms)
{
	char how[64];

	if (t->pid == 0)
		flunk(t, "th_wait_exit: tend was not launched");
	if (!wait_tend(t, deadline_ms))
		flunk(t, "tend did not exit within %d ms", deadline_ms);
	if (!WIFEXITED(t->wstatus))
		flunk(t, "tend ended abnormally: %s",
		    describe_exit(t->wstatus, how, sizeof(how)));
	return WEXITSTATUS(t->wstatus);
}

void
th_signal(struct th *t, int sig)
{
	if (t->pid == 0 || t->reaped)
		flunk(t, "th_signal: tend is not running");
	if (kill(t->tend, sig) == -1)
		flunk(t, "kill tend: %s", strerror(errno));
}

/* --------------------------------------------------------------- files */

char *
th_read(struct th *t, const char *file)
{
	char path[PATH_MAX];
	char *s;

	th_path(t, file, path, sizeof(path));
	s = slurp(path, NULL);
	if (s == NULL && errno != ENOENT)
		flunk(t, "%s: %s", path, strerror(errno));
	return s;
}

char *
th_contents(struct th *t, const char *file)
{
	char *s = th_read(t, file);

	if (s == NULL)
		s = strdup("");
	if (s == NULL)
		flunk(t, "out of memory");
	return s;
}

char *
th_stderr(struct th *t)
{
	return th_contents(t, "tend.err");
}

void
th_assert_file(struct th *t, const char *file, const char *want)
{
	char *got = th_contents(t, file);

	ck_assert_msg(strcmp(got, want) == 0, "%s is \"%.2000s\", not \"%s\"",
	    file, got, want);
	free(got);
}

void
th_assert_stderr_has(struct th *t, const char *needle)
{
	char *err = th_stderr(t);

	ck_assert_msg(strstr(err, needle) != NULL,
	    "tend's stderr lacks \"%s\":\n%s", needle, err);
	free(err);
}

int
th_occurrences(const char *s, const char *needle)
{
	int n = 0;

	for (; (s = strstr(s, needle)) != NULL; s += strlen(needle))
		n++;
	return n;
}

/* -------------------------------------------------------------- run */

char *
th_drain(int fd, long long deadline_ms, bool *eof, size_t *lenp)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	struct pollfd pfd = {fd, POLLIN, 0};
	ssize_t n;

	ck_assert_msg(buf != NULL, "out of memory");
	*eof = false;
	for (;;) {
		long long left = deadline_ms - th_now_ms();

		if (left <= 0 || poll(&pfd, 1, (int)left) == 0)
			break;
		if (cap - len < 2) {
			cap *= 2;
			buf = realloc(buf, cap);
			ck_assert_msg(buf != NULL, "out of memory");
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n == -1 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0) {
			*eof = true; /* end of file, or reset: it is over */
			break;
		}
		len += (size_t)n;
	}
	buf[len] = '\0';
	if (lenp != NULL)
		*lenp = len;
	return buf;
}

static const struct th_how plain_how;

/* Take on cr's identity: 0, or -1 with errno. */
static int
become(const struct th_cred *cr)
{
	if (setgroups((size_t)cr->ngroups, cr->groups) == -1 ||
	    setresgid(cr->gid, cr->gid, cr->gid) == -1 ||
	    setresuid(cr->uid, cr->uid, cr->uid) == -1)
		return -1;
	return 0;
}

/* Fork argv as th_run says, its stdout and stderr into out: its pid. */
static pid_t
spawn(struct th *t, const struct th_how *h, const char *const *argv, int out)
{
	const char *input = h->input != NULL ? h->input : "/dev/null";
	int in = open(input, O_RDONLY | O_CLOEXEC);
	pid_t pid;

	if (argv[0] == NULL)
		flunk(t, "TEND_BIN or TENDCTL_BIN is not set (use meson test)");
	if (in == -1)
		flunk(t, "%s: %s", input, strerror(errno));
	pid = fork();
	if (pid == -1)
		flunk(t, "fork: %s", strerror(errno));
	if (pid == 0) {
		th_child_setup(t, in, out, out);
		if (h->env != NULL)
			(void)putenv(strdup(h->env));
		if (h->cr != NULL && become(h->cr) == -1) {
			dprintf(2, "harness: cannot become uid %u: %s\n",
			    (unsigned)h->cr->uid, strerror(errno));
			_exit(126);
		}
		execvp(argv[0], (char *const *)(uintptr_t)argv);
		dprintf(2, "harness: exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(in);
	return pid;
}

int
th_run(
    struct th *t, const struct th_how *h, const char *const *argv, char **out)
{
	int fds[2], st, ms;
	bool done;
	pid_t pid;

	if (h == NULL)
		h = &plain_how;
	ms = h->ms > 0 ? h->ms : RUN_MS;
	if (pipe2(fds, O_CLOEXEC) == -1)
		flunk(t, "pipe2: %s", strerror(errno));
	pid = spawn(t, h, argv, fds[1]);
	close(fds[1]);
	*out = th_drain(fds[0], th_now_ms() + ms, &done, NULL);
	close(fds[0]);
	if (!done)
		(void)kill(pid, SIGKILL);
	while (waitpid(pid, &st, 0) == -1 && errno == EINTR)
		;
	if (!done)
		flunk(t, "%s: did not finish within %d ms; it said:\n%.500s",
		    argv[0], ms, *out);
	return exit_code(st);
}

/* A command line: bin, "-s D/tend.sock" if sock, then fmt's words. */
struct words {
	char text[8192], sock[PATH_MAX];
	const char *v[MAX_ARGS];
};

static void
words_of(struct th *t, struct words *w, const char *bin, bool sock,
    const char *fmt, va_list ap)
{
	char *save, *word;
	int n = 0, len;

	len = vsnprintf(w->text, sizeof(w->text), fmt, ap);
	if (len < 0 || (size_t)len >= sizeof(w->text))
		flunk(t, "a command line too long for the harness");
	w->v[n++] = bin;
	if (sock) {
		th_path(t, "tend.sock", w->sock, sizeof(w->sock));
		w->v[n++] = "-s";
		w->v[n++] = w->sock;
	}
	for (word = strtok_r(w->text, " ", &save); word != NULL;
	     word = strtok_r(NULL, " ", &save)) {
		if (n == MAX_ARGS - 1)
			flunk(
			    t, "more than %d words for the harness", MAX_ARGS);
		w->v[n++] = word;
	}
	w->v[n] = NULL;
}

static int
vctl(struct th *t, const struct th_how *h, char **out, const char *fmt,
    va_list ap)
{
	static struct words w;

	if (h == NULL)
		h = &plain_how;
	words_of(t, &w, h->bin != NULL ? h->bin : getenv("TENDCTL_BIN"),
	    !h->no_socket, fmt, ap);
	return th_run(t, h, w.v, out);
}

int
th_ctl(struct th *t, char **out, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vctl(t, NULL, out, fmt, ap);
	va_end(ap);
	return r;
}

int
th_ctl_how(
    struct th *t, const struct th_how *h, char **out, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vctl(t, h, out, fmt, ap);
	va_end(ap);
	return r;
}

int
th_tend(struct th *t, char **out, const char *fmt, ...)
{
	static struct words w;
	va_list ap;

	va_start(ap, fmt);
	words_of(t, &w, getenv("TEND_BIN"), false, fmt, ap);
	va_end(ap);
	return th_run(t, NULL, w.v, out);
}

/* ------------------------------------------------------------ streams */

void
th_stream_start(struct th *t, struct th_stream *s, const char *const *argv)
{
	int fds[2];

	memset(s, 0, sizeof(*s));
	if (pipe2(fds, O_CLOEXEC) == -1 ||
	    fcntl(fds[0], F_SETFL, O_NONBLOCK) == -1)
		flunk(t, "pipe2: %s", strerror(errno));
	s->pid = spawn(t, &plain_how, argv, fds[1]);
	close(fds[1]);
	s->fd = fds[0];
	s->cap = 65536;
	s->buf = malloc(s->cap);
	ck_assert_msg(s->buf != NULL, "out of memory");
	s->buf[0] = '\0';
}

void
th_stream_ctl(struct th *t, struct th_stream *s, const char *fmt, ...)
{
	static struct words w;
	va_list ap;

	va_start(ap, fmt);
	words_of(t, &w, getenv("TENDCTL_BIN"), true, fmt, ap);
	va_end(ap);
	th_stream_start(t, s, w.v);
}

void
th_stream_read(struct th_stream *s, int ms)
{
	struct pollfd pfd = {s->fd, POLLIN, 0};
	ssize_t n;

	if (poll(&pfd, 1, ms) <= 0)
		return;
	for (;;) {
		if (s->cap - s->len < 4096) {
			s->cap *= 2;
			s->buf = realloc(s->buf, s->cap);
			ck_assert_msg(s->buf != NULL, "out of memory");
		}
		n = read(s->fd, s->buf + s->len, s->cap - s->len - 1);
		if (n <= 0)
			break;
		s->len += (size_t)n;
		s->buf[s->len] = '\0';
	}
}

bool
th_stream_has(
    struct th_stream *s, size_t from, const char *needle, int ms, size_t *at)
{
	long long deadline = th_now_ms() + ms;
	char *hit;

	for (;;) {
		hit = strstr(s->buf + from, needle);
		if (hit != NULL) {
			if (at != NULL)
				*at = (size_t)(hit - s->buf);
			return true;
		}
		if (th_now_ms() >= deadline)
			return false;
		th_stream_read(s, TICK_MS);
	}
}

size_t
th_stream_wait(struct th_stream *s, size_t from, const char *needle, int ms)
{
	size_t at;

	ck_assert_msg(th_stream_has(s, from, needle, ms, &at),
	    "no \"%s\" in the stream (from %zu) within %d ms:\n%s", needle,
	    from, ms, s->buf);
	return at;
}

/* Reap s's process within ms, reading what it writes meanwhile: whether
 * it ended (its status in *st). */
static bool
stream_reap(struct th_stream *s, int ms, int *st)
{
	long long deadline = th_now_ms() + ms;

	while (waitpid(s->pid, st, WNOHANG) != s->pid) {
		if (th_now_ms() >= deadline)
			return false;
		th_stream_read(s, TICK_MS);
	}
	th_stream_read(s, 0);
	return true;
}

int
th_stream_finish(struct th_stream *s, int ms)
{
	int st;

	if (!stream_reap(s, ms, &st)) {
		(void)kill(s->pid, SIGKILL);
		while (waitpid(s->pid, &st, 0) == -1 && errno == EINTR)
			;
		close(s->fd);
		ck_abort_msg("%d did not end within %d ms; it said:\n%s",
		    (int)s->pid, ms, s->buf);
	}
	close(s->fd);
	return exit_code(st);
}

int
th_stream_end(struct th_stream *s)
{
	(void)kill(s->pid, SIGTERM);
	return th_stream_finish(s, TH_DEADLINE_MS);
}

int
th_procs_alive(struct th *t)
{
	remember_markers(t);
	return signal_ours(t->dir, t->start, t->seen, t->nseen, 0);
}

/* ---------------------------------------------------------------- stop */

static void
forget(struct th *t)
{
	struct th **pp;
	int i;

	for (pp = &open_handles; *pp != NULL; pp = &(*pp)->next)
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	for (i = 0; i < t->nenv; i++)
		free(t->env[i]);
	if (t->pidfd != -1)
		close(t->pidfd);
	free(t->seen);
	free(t->map);
	free(t);
}

/* Record every pid of the marker files, so the sweep can check them. */
static void
remember_markers(struct th *t)
{
	struct dirent *de;
	DIR *d = opendir(t->dir);

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		pid_t pids[1];
		char name[256];

		if (len <= 5 || strcmp(de->d_name + len - 5, ".pids") != 0)
			continue;
		snprintf(
		    name, sizeof(name), "%.*s", (int)(len - 5), de->d_name);
		(void)th_pids(t, name, pids, 1);
	}
	closedir(d);
}

/* Whether pid is the tend or the guard of an open handle other than t. */
static bool
others(const struct th *t, pid_t pid)
{
	const struct th *o;

	for (o = open_handles; o != NULL; o = o->next)
		if (o != t && (o->pid == pid || o->guard == pid))
			return true;
	return false;
}

/*
 * Reap this process's zombie children, by pid (another handle's tend
 * may live: no waitpid(-1)); how many children are still alive.
 */
static int
reap_children(const struct th *t)
{
	struct th_stat st;
	int alive = 0;
	pid_t pid;
	DIR *d;

	d = opendir("/proc");
	if (d == NULL)
		return 0;
	while ((pid = next_proc(d, &st)) != 0) {
		if (st.ppid != getpid() || others(t, pid))
			continue;
		if (st.state == 'Z')
			(void)waitpid(pid, NULL, WNOHANG);
		else
			alive++;
	}
	closedir(d);
	return alive;
}

/*
 * Kill and reap until no process of the test is left (twice in a row: a
 * process in the middle of an exec can escape one look, its environment
 * reading empty then); how many are left.
 */
static int
sweep(struct th *t)
{
	long long deadline = th_now_ms() + SWEEP_MS;
	int left, clean = 0;

	remember_markers(t);
	for (;;) {
		left =
		    signal_ours(t->dir, t->start, t->seen, t->nseen, SIGKILL);
		left += reap_children(t);
		clean = left == 0 ? clean + 1 : 0;
		if (clean == 2 || th_now_ms() >= deadline)
			return left;
		nap(left > 0 ? TICK_MS : 1);
	}
}

int
th_stop(struct th *t)
{
	char dir[sizeof(t->dir)];
	int status = -1, left;

	if (t->pid != 0 && !t->reaped) {
		if (th_alive(t->tend, t->tend_start))
			(void)kill(t->tend, SIGTERM);
		if (!wait_tend(t, STOP_MS)) {
			fprintf(stderr,
			    "harness: tend did not stop within "
			    "%d ms; killing it\n",
			    STOP_MS);
			(void)kill(-t->pid, SIGKILL);
			(void)kill(t->pid, SIGKILL);
			if (th_alive(t->tend, t->tend_start))
				(void)kill(t->tend, SIGKILL);
			while (waitpid(t->pid, &t->wstatus, 0) == -1 &&
			       errno == EINTR)
				;
			t->reaped = true;
		}
	}
	if (t->reaped)
		status = WIFEXITED(t->wstatus) ? WEXITSTATUS(t->wstatus) : -1;
	dismiss_guard(t);
	if (t->cg_owned)
		cg_kill(t->cg); /* what tend left there, setsid()ers too */
	left = sweep(t);
	if (t->cg_owned && !cg_remove(t->cg, CG_MS))
		fprintf(stderr, "harness: cannot remove cgroup %s\n", t->cg);
	strcpy(dir, t->dir);
	remove_dir(dir);
	forget(t);
	if (left > 0)
		ck_abort_msg(
		    "%d process(es) of %s survived th_stop", left, dir);
	return status;
}

void
th_stop_after_exit(
    struct th *t, int status, const char *stopped, int deadline_ms)
{
	int got = th_wait_exit(t, deadline_ms);

	if (got != status)
		flunk(t, "tend exited with status %d, not %d", got, status);
	if (stopped != NULL)
		th_assert_file(t, "stopped", stopped);
	ck_assert_int_eq(th_procs_alive(t), 0);
	ck_assert_int_eq(th_stop(t), status);
}

void
th_stop_all(void)
{
	while (open_handles != NULL)
		(void)th_stop(open_handles);
}

/* ---------------------------------------------------------------- skips */

static int skip_fd = -1; /* write end; th_main reads what the tests skipped */

void
th_skip(const char *test, const char *fmt, ...)
{
	char why[512], line[1024];
	size_t len;
	va_list ap;
	int n;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	len = strlen(test);
	if (len > 3 && strcmp(test + len - 3, "_fn") == 0)
		len -= 3; /* Check's START_TEST names the function NAME_fn */
	n = snprintf(
	    line, sizeof(line), "SKIP: %.*s: %s\n", (int)len, test, why);
	if (n < 0 || (size_t)n >= sizeof(line))
		n = (int)strlen(line);
	fputs(line, stderr);
	if (skip_fd != -1)
		(void)write(skip_fd, line, (size_t)n);
}

bool
th_pid1_ok(const char **why)
{
	static char reason[512];
	static int ok = -1;
	char *out = NULL;
	int fds[2], st;
	bool eof;
	pid_t pid;

	if (ok == -1) {
		pid = pipe_and_fork(NULL, fds);
		if (pid == 0) {
			(void)dup2(fds[1], 1);
			(void)dup2(fds[1], 2);
			execlp("unshare", "unshare", "--pid", "--fork",
			    "--mount-proc", "true", (char *)NULL);
			dprintf(2, "exec unshare: %s", strerror(errno));
			_exit(127);
		}
		close(fds[1]);
		out = th_drain(fds[0], th_now_ms() + RUN_MS, &eof, NULL);
		close(fds[0]);
		while (waitpid(pid, &st, 0) == -1 && errno == EINTR)
			;
		ok = WIFEXITED(st) && WEXITSTATUS(st) == 0;
		if (out != NULL)
			out[strcspn(out, "\n")] = '\0';
		snprintf(reason, sizeof(reason),
		    "`unshare --pid --fork --mount-proc true` fails here "
		    "(%s): %s",
		    WIFEXITED(st) ? "exit status" : "signal",
		    out != NULL && out[0] != '\0' ? out : "no message");
		free(out);
	}
	if (why != NULL)
		*why = ok ? "" : reason;
	return ok;
}

/* What the tests reported as skipped, once they have all run. */
static int
report_skips(int rfd)
{
	char buf[8192], *p;
	ssize_t n;
	size_t len = 0;
	int count = 0;

	while (len < sizeof(buf) - 1 &&
	       (n = read(rfd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	for (p = buf; (p = strstr(p, "SKIP: ")) != NULL; p += 6)
		count++;
	if (count > 0)
		fprintf(stderr, "harness: %d test%s SKIPPED, not passed:\n%s",
		    count, count == 1 ? "" : "s", buf);
	return count;
}

int
th_main(Suite *s)
{
	long long deadline;
	int failed, run, skipped = 0, fds[2] = {-1, -1};
	SRunner *sr;

	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == -1)
		fprintf(stderr, "harness: PR_SET_CHILD_SUBREAPER: %s\n",
		    strerror(errno));
	if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) == 0)
		skip_fd = fds[1];
	(void)th_cgroup_ok(NULL); /* once, here: every test inherits it */
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	run = srunner_ntests_run(sr);
	srunner_free(sr);
	if (fds[0] != -1) {
		close(fds[1]);
		skip_fd = -1;
		skipped = report_skips(fds[0]);
		close(fds[0]);
	}
	/* a failed test's guard may still be sweeping: reap until none */
	deadline = th_now_ms() + 2 * SWEEP_MS;
	for (;;) {
		pid_t pid = waitpid(-1, NULL, WNOHANG);

		if (pid > 0)
			continue;
		if (pid == -1 || th_now_ms() >= deadline)
			break;
		nap(TICK_MS);
	}
	if (failed > 0)
		return EXIT_FAILURE;
	/* 77: meson's SKIP, when nothing ran for real */
	return skipped > 0 && skipped >= run ? 77 : EXIT_SUCCESS;
}

char *
th_past_stamp(const char *line)
{
	const char *sp = strchr(line, ' ');

	/* "YYYY-MM-DDTHH:MM:SS.mmm+HH:MM " is 30 bytes, a T at 10 */
	if (sp != NULL && sp - line == 29 && line[10] == 'T' &&
	    isdigit((unsigned char)line[0]))
		line = sp + 1;
	return (char *)(uintptr_t)line;
}

int
th_free_port(void)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), port;

	ck_assert_int_ge(fd, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	port = ntohs(sa.sin_port);
	close(fd);
	return port;
}
