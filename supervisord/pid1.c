/*
 * pid1.c: subreaper set-up and the final sweep (see pid1.h). The sweep
 * runs in the loop like everything else: signals out, then a grace timer,
 * and every reap checks whether anything is left.
 */
#include "pid1.h"

#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "units.h"

/* How many leftover pids a message names. */
#define NAMED_PIDS 5
/* Without a pidfd, a process that is not tend's child is looked at this
 * often while the sweep waits for it (only during the final sweep). */
#define POLL_S 0.05

/* A process of the namespace that is not tend's child (PID 1 only): its
 * end is learned from its pidfd, or by kill(pid, 0). */
struct stranger {
	pid_t pid;
	int pidfd; /* -1: polled */
	ev_io w;
};

static struct {
	struct ev_loop *loop;
	bool running, killing;
	ev_timer grace_w;
	ev_timer poll_w;
	void (*done)(void);
	struct stranger **v; /* each allocated alone: libev holds &w */
	size_t n;
} sw;

int
pid1_setup(void)
{
	int on = 0;

	if (pid1_is_init())
		return 0;
	/* kept across execve (an upgrade): setting it again walks every
	 * descendant in the kernel, milliseconds with 10,000 programs */
	if (prctl(PR_GET_CHILD_SUBREAPER, &on, 0, 0, 0) == 0 && on)
		return 0;
	return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
}

bool
pid1_is_init(void)
{
	return getpid() == 1;
}

static bool
any_child(void)
{
	siginfo_t si;

	/* __WALL: programs reaped through pidfds end signalling no one */
	return waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT | __WALL) ==
	           0 ||
	       errno != ECHILD;
}

/* pid's state letter and parent from /proc/PID/stat: 0, or -1 if it is
 * gone. */
static int
proc_stat(pid_t pid, char *state, pid_t *ppid)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd, parent;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (p == NULL || sscanf(p + 1, " %c %d", state, &parent) != 2)
		return -1;
	*ppid = parent;
	return 0;
}

/* A child that has exited but is not reaped yet is no leftover. */
static bool
is_zombie(int pid)
{
	char state;
	pid_t ppid;

	return proc_stat(pid, &state, &ppid) == -1 || state == 'Z';
}

/* Signal each of tend's children (as a subreaper), or all (as PID 1). */
static int
signal_children(int sig)
{
	char path[64];
	FILE *f;
	int pid, n = 0;

	if (pid1_is_init()) {
		(void)kill(-1, sig);
		if (sig == SIGTERM)
			(void)kill(-1, SIGCONT); /* a stopped one can act */
		return 1;
	}
	snprintf(
	    path, sizeof(path), "/proc/self/task/%d/children", (int)getpid());
	f = fopen(path, "re");
	if (f == NULL)
		return 0;
	while (fscanf(f, "%d", &pid) == 1) {
		if (kill(pid, sig) == 0 && !is_zombie(pid))
			n++;
		if (sig == SIGTERM)
			(void)kill(pid, SIGCONT);
	}
	fclose(f);
	return n;
}

static void
drop_stranger(size_t i)
{
	struct stranger *x = sw.v[i];

	if (x->pidfd >= 0) {
		ev_io_stop(sw.loop, &x->w);
		close(x->pidfd);
	}
	free(x);
	sw.v[i] = sw.v[--sw.n];
}

static void
free_strangers(void)
{
	while (sw.n > 0)
		drop_stranger(sw.n - 1);
	free(sw.v);
	sw.v = NULL;
	if (sw.loop != NULL)
		ev_timer_stop(sw.loop, &sw.poll_w);
}

/* Whether the sweep is over: no child of tend's, and (PID 1) none of the
 * other processes of the namespace left. */
static bool
all_gone(void)
{
	size_t i = 0;

	while (i < sw.n)
		if (sw.v[i]->pidfd < 0 &&
		    (kill(sw.v[i]->pid, 0) == -1 || is_zombie(sw.v[i]->pid)))
			drop_stranger(i);
		else
			i++;
	return sw.n == 0 && !any_child();
}

static void
finish(void)
{
	ev_timer_stop(sw.loop, &sw.grace_w);
	free_strangers();
	sw.running = false;
	sw.done();
}

static void
check_done(void)
{
	if (sw.running && all_gone())
		finish();
}

/* The processes left, counted, the first NAMED_PIDS of them into pids. */
static size_t
leftovers(pid_t *pids)
{
	char path[64];
	size_t n = 0, i;
	FILE *f;
	int pid;

	for (i = 0; i < sw.n; i++, n++)
		if (n < NAMED_PIDS)
			pids[n] = sw.v[i]->pid;
	snprintf(
	    path, sizeof(path), "/proc/self/task/%d/children", (int)getpid());
	f = fopen(path, "re");
	if (f == NULL)
		return n;
	while (fscanf(f, "%d", &pid) == 1)
		if (!is_zombie(pid) && n++ < NAMED_PIDS)
			pids[n - 1] = pid;
	fclose(f);
	return n;
}

static void
on_grace(struct ev_loop *loop, ev_timer *w, int revents)
{
	pid_t pids[NAMED_PIDS];
	char list[NAMED_PIDS * 12 + 8];
	size_t n, i, len = 0;

	(void)loop;
	(void)w;
	(void)revents;
	n = leftovers(pids);
	for (i = 0; i < n && i < NAMED_PIDS; i++)
		len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%d",
		    i == 0 ? "" : ", ", (int)pids[i]);
	if (n > NAMED_PIDS)
		snprintf(list + len, sizeof(list) - len, ", ...");
	log_warnx("%zu process%s left after shutdown_grace (pid%s %s); "
	          "killing %s",
	    n, n == 1 ? "" : "es", n == 1 ? "" : "s", list,
	    n == 1 ? "it" : "them");
	sw.killing = true;
	signal_children(SIGKILL);
	check_done();
}

static void
on_stranger_gone(struct ev_loop *loop, ev_io *w, int revents)
{
	size_t i;

	(void)loop;
	(void)revents;
	for (i = 0; i < sw.n; i++)
		if (&sw.v[i]->w == w) {
			drop_stranger(i);
			break;
		}
	check_done();
}

static void
on_poll(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
	check_done();
}

static bool
is_pid_name(const char *s)
{
	for (; *s != '\0'; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/* The parent of pid (/proc/PID/stat field 4), or -1. */
static pid_t
parent_of(pid_t pid)
{
	char state;
	pid_t ppid;

	return proc_stat(pid, &state, &ppid) == 0 ? ppid : -1;
}

/* Watch pid until it is gone; without memory, it is not waited for
 * (it is killed at the end all the same). */
static void
add_stranger(pid_t pid)
{
	struct stranger **v, *x;

	if (sw.n % 64 == 0) {
		/* NOLINTNEXTLINE(bugprone-sizeof-expression): pointers */
		v = realloc(sw.v, (sw.n + 64) * sizeof(*v));
		if (v == NULL)
			return;
		sw.v = v;
	}
	x = malloc(sizeof(*x));
	if (x == NULL)
		return;
	sw.v[sw.n++] = x;
	x->pid = pid;
	x->pidfd = pidfd_open(pid, 0);
	if (x->pidfd >= 0) {
		ev_io_init(&x->w, on_stranger_gone, x->pidfd, EV_READ);
		ev_io_start(sw.loop, &x->w);
	} else if (!ev_is_active(&sw.poll_w)) {
		ev_timer_start(sw.loop, &sw.poll_w);
	}
}

/*
 * PID 1: every process of the namespace that is not tend's child (one
 * that `docker exec` or `podman exec -d` started, say) gets the same
 * shutdown_grace as tend's own, so the sweep watches them too.
 */
static void
find_strangers(void)
{
	struct dirent *de;
	DIR *d = opendir("/proc");
	pid_t pid;

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (!is_pid_name(de->d_name))
			continue;
		pid = (pid_t)atoi(de->d_name);
		if (pid > 1 && parent_of(pid) != getpid() && !is_zombie(pid))
			add_stranger(pid);
	}
	closedir(d);
}

void
pid1_sweep_start(struct ev_loop *loop, int64_t grace_ms, void (*done)(void))
{
	int n;

	sw.loop = loop;
	sw.done = done;
	sw.running = true;
	ev_timer_init(&sw.grace_w, on_grace, (double)grace_ms / 1000.0, 0.0);
	ev_timer_init(&sw.poll_w, on_poll, POLL_S, POLL_S);
	if (pid1_is_init())
		find_strangers();
	if (all_gone()) {
		finish();
		return;
	}
	n = signal_children(SIGTERM);
	if (n > 0 && !pid1_is_init())
		log_info("sending TERM to %d leftover process%s", n,
		    n == 1 ? "" : "es");
	ev_timer_start(loop, &sw.grace_w);
}

void
pid1_sweep_reaped(void)
{
	if (!sw.running)
		return;
	if (all_gone()) {
		finish();
		return;
	}
	if (sw.killing) /* orphans re-parented to tend since */
		signal_children(SIGKILL);
}

void
pid1_fini(void)
{
	if (sw.loop != NULL)
		ev_timer_stop(sw.loop, &sw.grace_w);
	free_strangers();
}
