/*
 * loop.c: libev watchers -> supervise.c (see loop.h). Signals are libev
 * watchers, never handlers of ours (SPEC 2); all work happens here, in
 * callbacks, one at a time.
 */
#include "loop.h"

#include <sys/signalfd.h>
#include <sys/wait.h>

#include <signal.h>
#include <unistd.h>

#include "control.h"
#include "log.h"
#include "output.h"
#include "pid1.h"
#include "reload.h"
#include "supervise.h"
#include "upgrade.h"

static const int handled_signals[] = {
    SIGTERM,
    SIGINT,
    SIGQUIT,
    SIGHUP,
    SIGUSR1,
    SIGUSR2,
};

#define NSIGNALS (sizeof(handled_signals) / sizeof(handled_signals[0]))

static struct {
	struct ev_loop *loop;
	ev_signal sig_w[NSIGNALS];
	ev_io chld_w;    /* a signalfd of SIGCHLD alone */
	ev_timer scan_w; /* a wait over all children, soon */
	ev_prepare prepare_w;
	ev_idle idle_w;
	ev_periodic guard_w;
	int64_t grace_ms;
	int exit_status;
} lp;

static void
on_signal(struct ev_loop *loop, ev_signal *w, int revents)
{
	(void)loop;
	(void)revents;
	switch (w->signum) {
	case SIGTERM:
	case SIGINT:
	case SIGQUIT:
		supervise_shutdown();
		break;
	case SIGHUP:
		reload_on_signal();
		break;
	case SIGUSR1:
		output_reopen();
		break;
	case SIGUSR2: {
		char err[1024];

		if (upgrade_start(
		        supervise_tree(), NULL, -1, err, sizeof(err)) == -1)
			log_warnx("SIGUSR2: upgrade: %s; going on", err);
		break;
	}
	}
}

/* Reap every child of tend's that has ended, orphans included. */
static void
reap_all(void)
{
	pid_t pid;
	int wstatus;

	ev_timer_stop(lp.loop, &lp.scan_w);
	while ((pid = waitpid(-1, &wstatus, WNOHANG)) > 0)
		if (!upgrade_reaped(pid, wstatus))
			supervise_reaped(pid, wstatus);
	pid1_sweep_reaped();
}

/*
 * SIGCHLD. A program's end is its pidfd's to tell (supervise.c reaps it
 * alone); waitpid(-1) walks every child in the kernel, a millisecond with
 * ten thousand programs, so it runs at once only for a child that is not
 * such a program (an orphan, a program without pidfd). SIGCHLDs sent
 * while one is pending merge into it: one that came from a program may
 * hide an orphan's end, so it sets off a wait over all a moment later.
 */
static void
on_sigchld(struct ev_loop *loop, ev_io *w, int revents)
{
	struct signalfd_siginfo si;
	bool others = false, any = false;

	(void)revents;
	while (read(w->fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_code == CLD_STOPPED ||
		    si.ssi_code == CLD_CONTINUED) {
			supervise_paused(
			    (pid_t)si.ssi_pid, si.ssi_code == CLD_STOPPED);
			continue;
		}
		any = true;
		if (!supervise_reaps_alone((pid_t)si.ssi_pid))
			others = true;
	}
	if (others)
		reap_all();
	else if (any && !ev_is_active(&lp.scan_w)) {
		ev_timer_set(&lp.scan_w, LOOP_SCAN_AFTER_MS / 1000.0, 0.0);
		ev_timer_start(loop, &lp.scan_w);
	}
}

void
loop_reap_now(void)
{
	reap_all();
}

static void
on_scan(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
	reap_all();
}

/* Before each wait: carry out what the tree queued. */
static void
on_prepare(struct ev_loop *loop, ev_prepare *w, int revents)
{
	(void)w;
	(void)revents;
	bool more = supervise_run(LOOP_SPAWNS_PER_TURN);

	control_after_run();
	if (more)
		ev_idle_start(loop, &lp.idle_w); /* more: do not block */
	else
		ev_idle_stop(loop, &lp.idle_w);
}

static void
on_idle(struct ev_loop *loop, ev_idle *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents; /* its only job is to keep the next wait short */
}

static void
on_guard(struct ev_loop *loop, ev_periodic *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
}

static void
on_swept(void)
{
	ev_break(lp.loop, EVBREAK_ALL);
}

void
loop_on_tree_exit(int status)
{
	lp.exit_status = status;
	pid1_sweep_start(lp.loop, lp.grace_ms, on_swept);
}

int
loop_exit_status(void)
{
	return lp.exit_status;
}

void
loop_set_grace(int64_t grace_ms)
{
	lp.grace_ms = grace_ms;
}

int
loop_init(struct ev_loop *loop, int64_t grace_ms)
{
	sigset_t chld;
	size_t i;
	int fd;

	lp.loop = loop;
	lp.grace_ms = grace_ms;
	for (i = 0; i < NSIGNALS; i++) {
		ev_signal_init(&lp.sig_w[i], on_signal, handled_signals[i]);
		ev_signal_start(loop, &lp.sig_w[i]);
	}
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &chld, NULL) == -1)
		return -1;
	fd = signalfd(-1, &chld, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd == -1)
		return -1;
	ev_io_init(&lp.chld_w, on_sigchld, fd, EV_READ);
	ev_io_start(loop, &lp.chld_w);
	ev_timer_init(&lp.scan_w, on_scan, LOOP_SCAN_AFTER_MS / 1000.0, 0.0);
	ev_prepare_init(&lp.prepare_w, on_prepare);
	ev_prepare_start(loop, &lp.prepare_w);
	ev_idle_init(&lp.idle_w, on_idle);
	/* an ev_periodic lets libev sleep for days instead of waking
	 * every minute (SPEC 11 Performance) */
	ev_periodic_init(&lp.guard_w, on_guard, ev_now(loop) + 1e9, 0.0, NULL);
	ev_periodic_start(loop, &lp.guard_w);
	return 0;
}

void
loop_fini(void)
{
	size_t i;

	for (i = 0; i < NSIGNALS; i++)
		ev_signal_stop(lp.loop, &lp.sig_w[i]);
	ev_io_stop(lp.loop, &lp.chld_w);
	close(lp.chld_w.fd);
	ev_timer_stop(lp.loop, &lp.scan_w);
	ev_prepare_stop(lp.loop, &lp.prepare_w);
	ev_idle_stop(lp.loop, &lp.idle_w);
	ev_periodic_stop(lp.loop, &lp.guard_w);
}
