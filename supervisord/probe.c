/*
 * probe.c: one bounded check, exec:CMD or tcp:PORT (see probe.h).
 *
 * Commands (started by spawn_command, each in a session of its own so
 * that a hung one is killed with whatever it forked) are tend's
 * children: the loop's wait reaps them and hands their pids here
 * (probe_reaped), found in a pid map. Nothing here blocks: a connect is
 * non-blocking, watched for writability; a command's end is the loop's.
 */
#include "probe.h"

#include <sys/socket.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pidmap.h"
#include "units.h"

#define container_of(ptr, type, member)                                        \
	((type *)(void *)((char *)(ptr)-offsetof(type, member)))

static struct {
	struct ev_loop *loop;
	struct pidmap pids; /* a command's pid -> its probe */
} pb;

int
probe_init(struct ev_loop *loop, size_t n)
{
	pb.loop = loop;
	return pidmap_init(&pb.pids, n > 0 ? n : 1);
}

void
probe_fini(void)
{
	pidmap_free(&pb.pids);
	memset(&pb, 0, sizeof(pb));
}

static void on_time(struct ev_loop *loop, ev_timer *w, int revents);
static void on_connect(struct ev_loop *loop, ev_io *w, int revents);

void
probe_setup(struct probe *pr, probe_done_fn *done)
{
	memset(pr, 0, sizeof(*pr));
	pr->fd = -1;
	pr->done = done;
	ev_timer_init(&pr->time_w, on_time, 0.0, 0.0);
	ev_io_init(&pr->io_w, on_connect, -1, EV_WRITE);
}

static void
arm(struct probe *pr, int64_t ms)
{
	ev_timer_stop(pb.loop, &pr->time_w);
	ev_timer_set(&pr->time_w, ms > 0 ? (double)ms / 1000.0 : 0.0, 0.0);
	ev_timer_start(pb.loop, &pr->time_w);
}

/* The check is over: make pr idle, then report. */
static void
finish(struct probe *pr, bool ok, const char *why)
{
	ev_timer_stop(pb.loop, &pr->time_w);
	if (pr->fd >= 0) {
		ev_io_stop(pb.loop, &pr->io_w);
		close(pr->fd);
		pr->fd = -1;
	}
	pr->pid = 0;
	pr->busy = false;
	pr->timed_out = false;
	pr->done(pr, ok, why);
}

/* ---------------------------------------------------------- exec:CMD */

int
probe_exec(struct probe *pr, pid_t pid, int64_t timeout_ms)
{
	if (pidmap_put(&pb.pids, pid, pr) == -1) {
		(void)kill(-pid, SIGKILL); /* reaped by the loop, unreported */
		errno = ENOMEM;
		return -1;
	}
	pr->busy = true;
	pr->pid = pid;
	arm(pr, timeout_ms);
	return 0;
}

bool
probe_reaped(pid_t pid, int wstatus)
{
	struct probe *pr = pidmap_take(&pb.pids, pid);
	char why[64];

	if (pr == NULL)
		return false;
	/* what it left in its group (its pid stays a group id while the
	 * group has members, so this cannot hit another group) */
	(void)kill(-pid, SIGKILL);
	pr->code =
	    !pr->timed_out && WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1;
	if (pr->timed_out)
		snprintf(why, sizeof(why), "timed out");
	else if (WIFSIGNALED(wstatus))
		snprintf(why, sizeof(why), "killed by signal %s",
		    units_signal_name(WTERMSIG(wstatus))
		        ? units_signal_name(WTERMSIG(wstatus))
		        : "?");
	else
		snprintf(why, sizeof(why), "exited with status %d",
		    WEXITSTATUS(wstatus));
	finish(pr,
	    !pr->timed_out && WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0,
	    why);
	return true;
}

/* ---------------------------------------------------------- tcp:PORT */

int
probe_tcp(struct probe *pr, int port, int64_t timeout_ms)
{
	struct sockaddr_in sin;
	int fd;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	pr->busy = true;
	pr->fd = fd;
	pr->result = -1;
	pr->err = 0;
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0)
		pr->result = 1;
	else if (errno != EINPROGRESS)
		pr->result = 0;
	if (pr->result >= 0) {
		/* known at once (loopback often is): said from the loop */
		pr->err = pr->result == 0 ? errno : 0;
		arm(pr, 0);
		return 0;
	}
	ev_io_set(&pr->io_w, fd, EV_WRITE);
	ev_io_start(pb.loop, &pr->io_w);
	arm(pr, timeout_ms);
	return 0;
}

static void
on_connect(struct ev_loop *loop, ev_io *w, int revents)
{
	struct probe *pr = container_of(w, struct probe, io_w);
	socklen_t len = sizeof(int);
	int err = 0;

	(void)loop;
	(void)revents;
	if (getsockopt(pr->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		err = errno;
	finish(pr, err == 0, err == 0 ? NULL : strerror(err));
}

/* ------------------------------------------------------- both kinds */

static void
on_time(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct probe *pr = container_of(w, struct probe, time_w);

	(void)loop;
	(void)revents;
	if (pr->fd >= 0 && pr->result >= 0) {
		finish(pr, pr->result == 1,
		    pr->result == 1 ? NULL : strerror(pr->err));
	} else if (pr->fd >= 0) {
		finish(pr, false, "timed out");
	} else if (pr->pid != 0 && !pr->timed_out) {
		/* its end, once reaped, reports */
		pr->timed_out = true;
		(void)kill(-pr->pid, SIGKILL);
	}
}

void
probe_cancel(struct probe *pr)
{
	ev_timer_stop(pb.loop, &pr->time_w);
	if (pr->fd >= 0) {
		ev_io_stop(pb.loop, &pr->io_w);
		close(pr->fd);
		pr->fd = -1;
	}
	if (pr->pid != 0) {
		(void)pidmap_take(&pb.pids, pr->pid);
		(void)kill(-pr->pid, SIGKILL); /* reaped by the loop */
		pr->pid = 0;
	}
	pr->busy = false;
	pr->timed_out = false;
}
