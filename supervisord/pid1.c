/*
 * pid1.c: subreaper set-up and the final sweep (see pid1.h). The sweep
 * runs in the loop like everything else: signals out, then a grace timer,
 * and every reap checks whether anything is left.
 */
#include "pid1.h"

#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "units.h"

static struct {
	struct ev_loop *loop;
	bool running, killing;
	ev_timer grace_w;
	void (*done)(void);
} sw;

int
pid1_setup(void)
{
	if (pid1_is_init())
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

/* A child that has exited but is not reaped yet is no leftover. */
static bool
is_zombie(int pid)
{
	char path[64], buf[256], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return true;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return true;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p != NULL && p[1] == ' ' && p[2] == 'Z';
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
finish(void)
{
	ev_timer_stop(sw.loop, &sw.grace_w);
	sw.running = false;
	sw.done();
}

static void
on_grace(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
	log_warnx("processes left after shutdown_grace; killing them");
	sw.killing = true;
	signal_children(SIGKILL);
	if (!any_child())
		finish();
}

void
pid1_sweep_start(struct ev_loop *loop, int64_t grace_ms, void (*done)(void))
{
	int n;

	sw.loop = loop;
	sw.done = done;
	sw.running = true;
	ev_timer_init(&sw.grace_w, on_grace, (double)grace_ms / 1000.0, 0.0);
	if (!any_child()) {
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
	if (!any_child()) {
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
}
