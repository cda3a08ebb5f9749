/*
 * ready.c: readiness, health checks and the watchdog (see ready.h).
 *
 * A program with none of them has no struct ready and costs nothing
 * here. One that has: a probe (readiness tries, then health checks;
 * never both, never two at once), a timer for the next try or check, a
 * timer for its watchdog, and for fd:N a pipe watched while it starts.
 *
 * The notify socket is one for all programs, as systemd's: a sender is
 * found by its credentials (SO_PASSCRED: the kernel vouches for the
 * pid), as a main process in a pid map, else by its process group,
 * else by its cgroup. Messages are read until none is left each time
 * the socket is readable, and before any main process's exit is judged.
 */
#include "ready.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"
#include "log.h"
#include "notify.h"
#include "pidmap.h"
#include "probe.h"
#include "spawn.h"
#include "state.h"
#include "supervise.h"
#include "units.h"
#include "upgrade.h"

#define container_of(ptr, type, member)                                        \
	((type *)(void *)((char *)(ptr)-offsetof(type, member)))

/* Room for a pid's digits after "WATCHDOG_PID=". */
#define PID_ROOM 11
/* Descriptors one message may carry that are read (and closed). */
#define MAX_FDS 16
/* Messages read at most in one go (the rest at the next turn). */
#define DRAIN_MAX 1024
/* A STATUS= text is kept up to this many bytes. */
#define STATUS_MAX 256

enum phase {
	PH_IDLE,     /* no instance, or tend is stopping it */
	PH_STARTING, /* waiting for readiness */
	PH_RUNNING,  /* ready: health checks and watchdog */
	PH_PAUSED,   /* RELOADING=1 or STOPPING=1: neither, until READY=1 */
};

struct ready {
	struct prog *p;
	enum phase phase;
	bool notify;       /* it was given NOTIFY_SOCKET */
	bool mainpid_said; /* MAINPID= was logged for this instance */
	bool probe_said;   /* a readiness check that could not run, too */
	pid_t main;        /* its main pid, in the notify map; 0: none */
	char *env[4];      /* NOTIFY_SOCKET=, WATCHDOG_USEC=, WATCHDOG_PID= */
	char *pid_var;     /* env's WATCHDOG_PID=, written by the child */
	char *status;      /* the last STATUS= text; NULL: none */
	int fd_r, fd_w;    /* fd:N: the pipe; -1: none */
	ev_io fd_io;       /* fd:N: its read end, while starting */
	struct probe probe;
	ev_timer next_w; /* the next readiness try or health check */
	ev_timer wd_w;   /* the watchdog */
	unsigned fails;  /* health checks failed in a row */
};

static struct {
	struct ev_loop *loop;
	struct tree *tree;
	int fd; /* the notify socket; -1: none */
	ev_io io;
	char addr[64];       /* "@tend-notify-PID" */
	struct pidmap mains; /* main pid -> struct ready, notify only */
	struct ready **all;  /* by ready_no - 1 */
	size_t nall;
	char buf[NOTIFY_MAX + 1];
	int taken_fd; /* an upgrade's notify socket, for ready_init; -1 */
	char taken_addr[64];
} rs = {.fd = -1, .taken_fd = -1};

/* p's state here, or NULL for a plain program. */
static struct ready *
rd_of(const struct prog *p)
{
	return p->ready_no != 0 ? rs.all[p->ready_no - 1] : NULL;
}

static const struct prog_extra *
extra(const struct ready *rd)
{
	return prog_extra(rd->p->conf);
}

/* ------------------------------------------------------------- status */

const char *
ready_status(const struct prog *p)
{
	const struct ready *rd = rd_of(p);

	return rd != NULL ? rd->status : NULL;
}

long
ready_health_fails(const struct prog *p)
{
	const struct ready *rd = rd_of(p);

	if (rd == NULL || extra(rd)->health == HEALTH_NONE)
		return -1;
	return (long)rd->fails;
}

/* Keep text as p's status: cut, with control characters as spaces. */
static void
set_status(struct ready *rd, const char *text, size_t len)
{
	char *s;
	size_t i;

	if (len > STATUS_MAX)
		len = STATUS_MAX;
	s = realloc(rd->status, len + 1);
	if (s == NULL)
		return; /* the old text stays */
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];

		if (c < 0x20 || c == 0x7f)
			s[i] = ' ';
		else
			s[i] = text[i];
	}
	s[len] = '\0';
	rd->status = s;
}

/* ------------------------------------------------------ timers, phases */

static void
stop_timers(struct ready *rd)
{
	ev_timer_stop(rs.loop, &rd->next_w);
	ev_timer_stop(rs.loop, &rd->wd_w);
	probe_cancel(&rd->probe);
	if (rd->fd_r >= 0) {
		ev_io_stop(rs.loop, &rd->fd_io);
		close(rd->fd_r);
		rd->fd_r = -1;
	}
}

static void
next_in(struct ready *rd, int64_t ms)
{
	ev_timer_stop(rs.loop, &rd->next_w);
	ev_timer_set(&rd->next_w, (double)ms / 1000.0, 0.0);
	ev_timer_start(rs.loop, &rd->next_w);
}

/*
 * The first check of a program that became ready: at a moment spread
 * over the second half of its interval, so that programs started
 * together (a thousand at boot) do not all check at once, then every
 * interval after the end of the last.
 */
static int64_t
first_check_in(const struct ready *rd)
{
	int64_t iv = extra(rd)->health_interval_ms;
	uint32_t h = (uint32_t)rd->p->node.idx * 2654435761u; /* Knuth */

	h ^= (uint32_t)rd->p->node.gen * 40503u;
	return iv - (int64_t)((uint64_t)(iv / 2) * (h >> 16) / 65536);
}

/* Ready (or resumed): health checks and the watchdog begin. */
static void
begin_running(struct ready *rd)
{
	const struct prog_extra *x = extra(rd);

	stop_timers(rd);
	rd->phase = PH_RUNNING;
	rd->fails = 0;
	if (x->health != HEALTH_NONE)
		next_in(rd, first_check_in(rd));
	if (x->watchdog_ms > 0) {
		ev_timer_set(&rd->wd_w, (double)x->watchdog_ms / 1000.0,
		    (double)x->watchdog_ms / 1000.0);
		ev_timer_start(rs.loop, &rd->wd_w);
	}
}

/* The program's readiness was seen: tell the tree. */
static void
became_ready(struct ready *rd, const char *how)
{
	struct prog *p = rd->p;

	if (rd->phase != PH_STARTING || p->node.state != ST_STARTING)
		return;
	log_info("%s: ready (%s)", p->node.shown, how);
	tree_on_ready(rs.tree, p, supervise_now_ms());
	if (p->node.state == ST_RUNNING)
		begin_running(rd);
}

static void
failed(struct ready *rd, enum fail_cause why)
{
	struct prog *p = rd->p;

	stop_timers(rd);
	rd->phase = PH_IDLE;
	tree_on_failed(rs.tree, p, why, supervise_now_ms());
}

/* ------------------------------------------------------------- probes */

/* A readiness check that cannot even run says so, once an instance. */
static void
say_once(struct ready *rd, const char *why)
{
	if (rd->probe_said)
		return;
	rd->probe_said = true;
	log_warnx("%s: readiness check: %s", rd->p->node.shown, why);
}

/* Start a check command of rd's program. 0, or -1 with errno or why. */
static int
run_command(struct ready *rd, char *const *argv, char *const *envp, char *why,
    size_t size)
{
	struct spawn_ids ids;
	pid_t pid, failed;

	if (spawn_resolve_ids(
	        rd->p->conf->user, rd->p->conf->group, &ids, why, size) == -1)
		return -1;
	pid = spawn_command(rd->p, argv, envp, &ids, &failed);
	if (pid == -1) {
		snprintf(why, size, "%s: %s", argv[0], strerror(errno));
		return -1;
	}
	return probe_exec(&rd->probe, pid, extra(rd)->health_timeout_ms);
}

/* Start one try of the readiness probe or one health check. */
static void
run_probe(struct ready *rd, bool health)
{
	const struct prog_extra *x = extra(rd);
	struct prog *p = rd->p;
	bool tcp =
	    health ? x->health == HEALTH_TCP : p->conf->ready == READY_TCP;
	char *const *argv = health ? x->health_argv : x->ready_argv;
	char *const *envp = p->envp;
	char why[256] = "";
	size_t k;
	int r;

	/* without the notify and watchdog variables, which come first */
	for (k = 0; k < 3 && rd->env[k] != NULL; k++)
		envp++;
	if (tcp)
		r = probe_tcp(&rd->probe,
		    health ? x->health_port : x->ready_port,
		    x->health_timeout_ms);
	else
		r = run_command(rd, argv, envp, why, sizeof(why));
	if (r == -1) {
		/* a failed check, counted as one */
		if (why[0] == '\0')
			snprintf(why, sizeof(why), "%s", strerror(errno));
		if (!health)
			say_once(rd, why);
		rd->probe.done(&rd->probe, false, why);
	}
}

static void
health_result(struct ready *rd, bool ok, const char *why)
{
	const struct prog_extra *x = extra(rd);

	if (ok) {
		if (rd->fails > 0)
			log_info(
			    "%s: health check passed again", rd->p->node.shown);
		rd->fails = 0;
		next_in(rd, x->health_interval_ms);
		return;
	}
	/* the first failure of a streak and the last are said; the streak
	 * is in status --json */
	rd->fails++;
	if (rd->fails == 1 || rd->fails >= x->health_retries)
		log_warnx("%s: health check failed (%u of %u in a row): %s",
		    rd->p->node.shown, rd->fails, x->health_retries,
		    why ? why : "failed");
	if (rd->fails >= x->health_retries)
		failed(rd, FAIL_HEALTH);
	else
		next_in(rd, x->health_interval_ms);
}

/* A readiness command exited 127: its child could not exec it. */
static void
not_run(struct ready *rd)
{
	char msg[256];

	snprintf(msg, sizeof(msg),
	    "%s could not be run (status 127: not found, not executable, "
	    "or its set-up failed)",
	    extra(rd)->ready_argv[0]);
	say_once(rd, msg);
}

static void
on_probe_done(struct probe *pr, bool ok, const char *why)
{
	struct ready *rd = container_of(pr, struct ready, probe);

	switch (rd->phase) {
	case PH_STARTING:
		if (ok) {
			became_ready(rd, rd->p->conf->ready == READY_TCP
			                     ? "its port accepts"
			                     : "its check passed");
			break;
		}
		if (rd->p->conf->ready == READY_EXEC && pr->code == 127)
			not_run(rd);
		next_in(rd, READY_RETRY_MS);
		break;
	case PH_RUNNING:
		health_result(rd, ok, why);
		break;
	default:
		break;
	}
}

static void
on_next(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct ready *rd = container_of(w, struct ready, next_w);

	(void)loop;
	(void)revents;
	if (rd->probe.busy)
		return; /* cannot be: the next is armed when one ends */
	if (rd->phase == PH_STARTING)
		run_probe(rd, false);
	else if (rd->phase == PH_RUNNING)
		run_probe(rd, true);
}

static void
on_watchdog(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct ready *rd = container_of(w, struct ready, wd_w);
	char d[32];

	(void)loop;
	(void)revents;
	log_warnx("%s: no WATCHDOG=1 within %s; aborting it", rd->p->node.shown,
	    units_format_duration(d, sizeof(d), extra(rd)->watchdog_ms));
	failed(rd, FAIL_WATCHDOG);
}

/* -------------------------------------------------------------- fd:N */

int
ready_before_spawn(struct prog *p, int *n)
{
	struct ready *rd = rd_of(p);
	int fds[2];

	if (rd == NULL || p->conf->ready != READY_FD) {
		errno = 0;
		return -1;
	}
	if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) == -1)
		return -1;
	rd->fd_r = fds[0];
	rd->fd_w = fds[1];
	*n = extra(rd)->ready_fd;
	return rd->fd_w;
}

static void
close_write_end(struct ready *rd)
{
	if (rd->fd_w >= 0)
		close(rd->fd_w);
	rd->fd_w = -1;
}

void
ready_spawn_failed(struct prog *p)
{
	struct ready *rd = rd_of(p);

	if (rd == NULL)
		return;
	close_write_end(rd);
	stop_timers(rd);
}

static void
on_fd(struct ev_loop *loop, ev_io *w, int revents)
{
	struct ready *rd = container_of(w, struct ready, fd_io);
	char buf[256];
	ssize_t n;

	(void)loop;
	(void)revents;
	while ((n = read(rd->fd_r, buf, sizeof(buf))) > 0) {
		if (memchr(buf, '\n', (size_t)n) != NULL) {
			became_ready(rd, "a newline on its fd");
			return;
		}
	}
	if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
		/* closed without a newline: not ready; start_timeout says */
		ev_io_stop(rs.loop, &rd->fd_io);
		close(rd->fd_r);
		rd->fd_r = -1;
	}
}

/* ------------------------------------------------------ the instance */

void
ready_spawned(struct prog *p)
{
	struct ready *rd = rd_of(p);

	if (rd == NULL)
		return;
	close_write_end(rd);
	rd->fails = 0;
	rd->mainpid_said = false;
	rd->probe_said = false;
	if (rd->notify && pidmap_put(&rs.mains, p->pid, rd) == 0)
		rd->main = p->pid;
	if (p->node.state == ST_RUNNING) {
		begin_running(rd);
		return;
	}
	if (p->node.state != ST_STARTING)
		return;
	rd->phase = PH_STARTING;
	switch (p->conf->ready) {
	case READY_FD:
		ev_io_set(&rd->fd_io, rd->fd_r, EV_READ);
		ev_io_start(rs.loop, &rd->fd_io);
		break;
	case READY_EXEC:
	case READY_TCP:
		next_in(rd, 0);
		break;
	default:
		break;
	}
}

void
ready_stopping(struct prog *p)
{
	struct ready *rd = rd_of(p);

	if (rd == NULL)
		return;
	stop_timers(rd);
	rd->phase = PH_IDLE;
}

/* ------------------------------------------------------------- notify */

static void
apply_flags(struct ready *rd, const struct notify_msg *m)
{
	struct prog *p = rd->p;

	if (m->stopping || m->reloading) {
		if (rd->phase == PH_RUNNING) {
			stop_timers(rd);
			rd->phase = PH_PAUSED;
		}
	}
	if (m->ready) {
		if (rd->phase == PH_PAUSED && !m->stopping && !m->reloading &&
		    p->node.state == ST_RUNNING)
			begin_running(rd);
		else if (p->conf->ready == READY_NOTIFY)
			became_ready(rd, "READY=1");
	}
	if (m->watchdog && ev_is_active(&rd->wd_w))
		ev_timer_again(rs.loop, &rd->wd_w);
	if (m->watchdog_trigger && extra(rd)->watchdog_ms > 0 &&
	    (rd->phase == PH_RUNNING || rd->phase == PH_PAUSED)) {
		log_warnx("%s: WATCHDOG=trigger; aborting it", p->node.shown);
		failed(rd, FAIL_WATCHDOG);
	}
}

/* One message from rd's program. */
static void
take(struct ready *rd, const struct notify_msg *m)
{
	struct prog *p = rd->p;

	if (m->has_status)
		set_status(rd, m->status, m->status_len);
	if (m->has_extend)
		tree_on_extend(rs.tree, p,
		    (int64_t)(m->extend_usec / 1000 +
		              (m->extend_usec % 1000 != 0)),
		    supervise_now_ms());
	if (m->mainpid != 0 && !rd->mainpid_said) {
		rd->mainpid_said = true;
		log_warnx("%s: MAINPID=%d ignored: tend follows the process "
		          "it started",
		    p->node.shown, (int)m->mainpid);
	}
	apply_flags(rd, m);
}

/* The program a sender belongs to: its main process, a process in its
 * group, or in its cgroup; NULL for anyone else. */
static struct ready *
sender(pid_t pid)
{
	struct ready *rd;
	struct prog *p;
	pid_t pgid;

	if (pid <= 0)
		return NULL;
	rd = pidmap_get(&rs.mains, pid);
	if (rd != NULL)
		return rd;
	pgid = getpgid(pid);
	if (pgid > 0) {
		rd = pidmap_get(&rs.mains, pgid);
		if (rd != NULL && rd->p->pgid == pgid)
			return rd;
	}
	p = cgroup_enabled() ? cgroup_owner(rs.tree, pid) : NULL;
	rd = p != NULL ? rd_of(p) : NULL;
	if (rd != NULL && rd->notify && p->pid != 0)
		return rd;
	return NULL;
}

/* Close the descriptors a message carried (BARRIER=1's among them: its
 * sender waits for that close). */
static void
close_fds(struct msghdr *mh)
{
	struct cmsghdr *c;

	for (c = CMSG_FIRSTHDR(mh); c != NULL; c = CMSG_NXTHDR(mh, c)) {
		size_t i, n;
		int fd;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++) {
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));
			close(fd);
		}
	}
}

static const struct ucred *
creds_of(struct msghdr *mh)
{
	struct cmsghdr *c;

	for (c = CMSG_FIRSTHDR(mh); c != NULL; c = CMSG_NXTHDR(mh, c))
		if (c->cmsg_level == SOL_SOCKET &&
		    c->cmsg_type == SCM_CREDENTIALS &&
		    c->cmsg_len >= CMSG_LEN(sizeof(struct ucred)))
			return (const struct ucred *)(void *)CMSG_DATA(c);
	return NULL;
}

/* Read one message: 1, or 0 when none is left. */
static int
read_one(void)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct ucred)) +
		         CMSG_SPACE(sizeof(int) * MAX_FDS)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = {rs.buf, NOTIFY_MAX};
	struct msghdr mh;
	const struct ucred *cr;
	struct notify_msg m;
	struct ready *rd;
	ssize_t n;

	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = ctl.buf;
	mh.msg_controllen = sizeof(ctl.buf);
	n = recvmsg(rs.fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC | MSG_TRUNC);
	if (n == -1)
		return errno == EINTR ? 1 : 0;
	cr = creds_of(&mh);
	rd = cr != NULL ? sender(cr->pid) : NULL;
	if (rd != NULL &&
	    notify_parse(rs.buf,
	        (size_t)n < NOTIFY_MAX ? (size_t)n : NOTIFY_MAX, &m) == 0)
		take(rd, &m);
	close_fds(&mh);
	return 1;
}

static bool
drain(void)
{
	size_t n = 0;

	if (rs.fd < 0)
		return false;
	while (n < DRAIN_MAX && read_one() == 1)
		n++;
	return n > 0;
}

static void
on_notify(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
	drain();
}

/* Stop watching rd's instance: no more messages, probes or timers. */
static void
let_go(struct ready *rd)
{
	if (rd->main != 0)
		(void)pidmap_take(&rs.mains, rd->main);
	rd->main = 0;
	stop_timers(rd);
	rd->phase = PH_IDLE;
}

bool
ready_main_exited(struct prog *p)
{
	struct ready *rd = rd_of(p);
	bool news;

	if (rd == NULL)
		return false;
	news = rd->notify && drain();
	let_go(rd);
	return news;
}

void
ready_set_aside(struct prog *p)
{
	struct ready *rd = rd_of(p);

	if (rd != NULL)
		let_go(rd);
}

/* ----------------------------------------------------------- set-up */

static bool
needs_notify(const struct prog_conf *c)
{
	return c->ready == READY_NOTIFY || prog_extra(c)->watchdog_ms > 0;
}

static bool
needs_ready(const struct prog_conf *c)
{
	const struct prog_extra *x = prog_extra(c);

	return c->ready != READY_START || x->health != HEALTH_NONE ||
	       x->watchdog_ms > 0;
}

/* The notify socket, in the abstract namespace. */
static int
open_socket(void)
{
	struct sockaddr_un sa;
	socklen_t len;
	int one = 1;

	if (rs.taken_fd >= 0) { /* an upgrade's: programs know its name */
		rs.fd = rs.taken_fd;
		rs.taken_fd = -1;
		memcpy(rs.addr, rs.taken_addr, sizeof(rs.addr));
		ev_io_init(&rs.io, on_notify, rs.fd, EV_READ);
		ev_io_start(rs.loop, &rs.io);
		return 0;
	}
	rs.fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (rs.fd == -1)
		return -1;
	if (setsockopt(rs.fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) == -1)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	len = (socklen_t)snprintf(sa.sun_path + 1, sizeof(sa.sun_path) - 1,
	    "tend-notify-%d", (int)getpid());
	if (bind(rs.fd, (struct sockaddr *)&sa,
	        (socklen_t)offsetof(struct sockaddr_un, sun_path) + 1 + len) ==
	    -1) {
		/* taken (a namesake elsewhere): let the kernel choose one */
		if (errno != EADDRINUSE || bind(rs.fd, (struct sockaddr *)&sa,
		                               sizeof(sa_family_t)) == -1)
			return -1;
	}
	len = sizeof(sa);
	if (getsockname(rs.fd, (struct sockaddr *)&sa, &len) == -1)
		return -1;
	len -= (socklen_t)offsetof(struct sockaddr_un, sun_path);
	if (len < 2 || len > sizeof(rs.addr) - 1) {
		errno = ENAMETOOLONG;
		return -1;
	}
	rs.addr[0] = '@';
	memcpy(rs.addr + 1, sa.sun_path + 1, len - 1);
	rs.addr[len] = '\0';
	ev_io_init(&rs.io, on_notify, rs.fd, EV_READ);
	ev_io_start(rs.loop, &rs.io);
	return 0;
}

static int
make_env(struct ready *rd)
{
	const struct prog_extra *x = extra(rd);
	size_t n = 0;

	if (!rd->notify)
		return 0;
	if (asprintf(&rd->env[n++], "NOTIFY_SOCKET=%s", rs.addr) == -1)
		return -1;
	if (x->watchdog_ms > 0) {
		if (asprintf(&rd->env[n++], "WATCHDOG_USEC=%lld",
		        (long long)x->watchdog_ms * 1000) == -1)
			return -1;
		/* "0", then room for the child to write its pid */
		if (asprintf(&rd->pid_var, "WATCHDOG_PID=%0*d", PID_ROOM, 0) ==
		    -1)
			return -1;
		rd->pid_var[sizeof("WATCHDOG_PID=")] = '\0';
		rd->env[n++] = rd->pid_var;
	}
	return 0;
}

static struct ready *
new_ready(struct prog *p)
{
	struct ready *rd = calloc(1, sizeof(*rd));

	if (rd == NULL)
		return NULL;
	rd->p = p;
	rd->fd_r = rd->fd_w = -1;
	rd->notify = needs_notify(p->conf);
	probe_setup(&rd->probe, on_probe_done);
	ev_init(&rd->fd_io, on_fd);
	ev_timer_init(&rd->next_w, on_next, 0.0, 0.0);
	ev_timer_init(&rd->wd_w, on_watchdog, 0.0, 0.0);
	rs.all[rs.nall++] = rd;
	p->ready_no = (uint32_t)rs.nall;
	if (make_env(rd) == -1)
		return NULL; /* freed by ready_fini */
	return rd;
}

char *const *
ready_env(const struct prog *p)
{
	const struct ready *rd = rd_of(p);

	return rd != NULL && rd->env[0] != NULL ? rd->env : NULL;
}

char *
ready_pid_var(const struct prog *p)
{
	const struct ready *rd = rd_of(p);

	return rd != NULL ? rd->pid_var : NULL;
}

/* No program of t needs anything of this module. */
static bool
ready_has_none(const struct tree *t)
{
	size_t i;

	for (i = 0; i < t->cfg.nprogs; i++)
		if (needs_notify(&t->cfg.progs[i]))
			return false;
	return true;
}

int
ready_init(struct ev_loop *loop, struct tree *t)
{
	size_t i, nready = 0, nnotify = 0;

	rs.loop = loop;
	rs.tree = t;
	rs.fd = -1;
	if (ready_has_none(t) && rs.taken_fd >= 0) {
		close(rs.taken_fd); /* no program wants it any more */
		rs.taken_fd = -1;
	}
	for (i = 0; i < t->cfg.nprogs; i++) {
		nready += needs_ready(&t->cfg.progs[i]);
		nnotify += needs_notify(&t->cfg.progs[i]);
	}
	if (nready == 0)
		return 0; /* nothing to watch, nothing allocated */
	/* NOLINTNEXTLINE(bugprone-sizeof-expression): array of pointers */
	rs.all = calloc(nready, sizeof(*rs.all));
	if (rs.all == NULL || probe_init(loop, nready) == -1 ||
	    pidmap_init(&rs.mains, nnotify > 0 ? nnotify : 1) == -1)
		return -1;
	if (nnotify > 0 && open_socket() == -1)
		return -1;
	for (i = 0; i < t->nnodes; i++) {
		struct node *n = t->nodes[i];

		if (n->kind == NODE_PROG &&
		    needs_ready(((struct prog *)n)->conf) &&
		    new_ready((struct prog *)n) == NULL)
			return -1;
	}
	return 0;
}

/* Room in rs.all for n more; the probe and notify tables on first use. */
static int
reserve(size_t n)
{
	struct ready **v;

	if (rs.all == NULL &&
	    (probe_init(rs.loop, n) == -1 || pidmap_init(&rs.mains, n) == -1))
		return -1;
	/* NOLINTNEXTLINE(bugprone-sizeof-expression): array of pointers */
	v = reallocarray(rs.all, rs.nall + n + 1, sizeof(*v));
	if (v == NULL)
		return -1;
	rs.all = v;
	return 0;
}

/* The environment of rd made again from its program's keys. */
static int
remake_env(struct ready *rd)
{
	size_t k;

	for (k = 0; k < 3; k++)
		free(rd->env[k]);
	memset(rd->env, 0, sizeof(rd->env));
	rd->pid_var = NULL;
	rd->notify = needs_notify(rd->p->conf);
	return make_env(rd);
}

int
ready_reload(struct tree *t)
{
	size_t i, need = 0, notify = 0;

	for (i = 0; i < t->nnodes; i++) {
		const struct node *n = t->nodes[i];

		if (n->kind != NODE_PROG)
			continue;
		need += needs_ready(((const struct prog *)n)->conf);
		notify += needs_notify(((const struct prog *)n)->conf);
	}
	if (need == 0 && rs.nall == 0)
		return 0;
	if (reserve(need) == -1 ||
	    (notify > 0 && rs.fd < 0 && open_socket() == -1))
		return -1;
	for (i = 0; i < t->nnodes; i++) {
		struct prog *p = (struct prog *)t->nodes[i];

		if (p->node.kind != NODE_PROG)
			continue;
		if (rd_of(p) != NULL
		        ? remake_env(rd_of(p)) == -1
		        : needs_ready(p->conf) && new_ready(p) == NULL)
			return -1;
	}
	return 0;
}

void
ready_forget(struct prog *p)
{
	struct ready *rd = rd_of(p);
	size_t k;

	if (rd == NULL)
		return;
	stop_timers(rd);
	close_write_end(rd);
	if (rd->main != 0)
		(void)pidmap_take(&rs.mains, rd->main);
	for (k = 0; k < 3; k++)
		free(rd->env[k]);
	free(rd->status);
	rs.all[p->ready_no - 1] = NULL;
	p->ready_no = 0;
	free(rd);
}

void
ready_fini(void)
{
	size_t i, k;

	for (i = 0; i < rs.nall; i++) {
		struct ready *rd = rs.all[i];

		if (rd == NULL)
			continue; /* forgotten by a reload */
		stop_timers(rd);
		close_write_end(rd);
		for (k = 0; k < 3; k++)
			free(rd->env[k]);
		free(rd->status);
		rd->p->ready_no = 0;
		free(rd);
	}
	free(rs.all);
	if (rs.fd >= 0) {
		ev_io_stop(rs.loop, &rs.io);
		close(rs.fd);
	}
	pidmap_free(&rs.mains);
	probe_fini();
	memset(&rs, 0, sizeof(rs));
	rs.fd = -1;
	rs.taken_fd = -1;
}

/* ------------------------------------------------------------ upgrade */

void
ready_save_socket(struct state_w *w)
{
	size_t at = state_begin_section(w, STATE_NOTIFY);

	state_put_fd(w, rs.fd);
	state_put_str(w, rs.addr);
	state_end_section(w, at);
}

int
ready_take_socket(struct state_r *r, char *err, size_t errlen)
{
	struct state_r s;
	char *addr = NULL;

	if (state_section(r, STATE_NOTIFY, &s)) {
		rs.taken_fd = state_get_fd(&s);
		addr = state_get_str(&s);
	}
	if (!state_done(&s) || addr == NULL ||
	    strlen(addr) >= sizeof(rs.taken_addr)) {
		free(addr);
		snprintf(err, errlen, "state: bad notify section");
		return -1;
	}
	snprintf(rs.taken_addr, sizeof(rs.taken_addr), "%s", addr);
	free(addr);
	return 0;
}

/* ms from now until timer w fires, as a monotonic deadline; -1: idle */
static int64_t
deadline_of(ev_timer *w, int64_t now)
{
	if (!ev_is_active(w))
		return -1;
	return now + (int64_t)(ev_timer_remaining(rs.loop, w) * 1000.0);
}

void
ready_save(struct state_w *w)
{
	size_t at = state_begin_section(w, STATE_READY), i;
	int64_t now = supervise_now_ms();

	state_put_u64(w, rs.nall);
	for (i = 0; i < rs.nall; i++) {
		struct ready *rd = rs.all[i];

		state_put_u64(w, rd->p->node.idx);
		state_put_u8(w, (uint8_t)rd->phase);
		state_put_u8(w, rd->mainpid_said);
		state_put_u8(w, rd->probe_said);
		state_put_i64(w, rd->main);
		state_put_str(w, rd->status);
		state_put_fd(w, ev_is_active(&rd->fd_io) ? rd->fd_r : -1);
		state_put_u32(w, rd->fails);
		state_put_i64(w, deadline_of(&rd->next_w, now));
		state_put_i64(w, deadline_of(&rd->wd_w, now));
		state_put_u8(w, rd->probe.busy);
		state_put_i64(w, rd->probe.pid);
	}
	state_end_section(w, at);
}

/* rd as the old tend left it, its timers armed at their deadlines. */
static void
take_over(struct ready *rd, struct state_r *s, int64_t now)
{
	int64_t next, wd;
	pid_t probe;
	bool busy;
	int fd;

	rd->phase = (enum phase)state_get_u8(s);
	rd->mainpid_said = state_get_bool(s);
	rd->probe_said = state_get_bool(s);
	rd->main = (pid_t)state_get_i64(s);
	rd->status = state_get_str(s);
	fd = state_get_fd(s);
	rd->fails = state_get_u32(s);
	next = state_get_i64(s);
	wd = state_get_i64(s);
	busy = state_get_bool(s);
	probe = (pid_t)state_get_i64(s);
	if (s->failed || rd->phase > PH_PAUSED || rd->main < 0)
		return;
	if (rd->main > 0 && pidmap_put(&rs.mains, rd->main, rd) == -1)
		rd->main = 0;
	if (fd >= 0) {
		rd->fd_r = fd;
		ev_io_set(&rd->fd_io, fd, EV_READ);
		ev_io_start(rs.loop, &rd->fd_io);
	}
	if (busy) { /* not carried: ended, and made again at once */
		if (probe > 0)
			(void)kill(-probe, SIGKILL);
		next = now;
	}
	if (next >= 0)
		next_in(rd, next > now ? next - now : 0);
	if (wd >= 0) {
		ev_timer_set(&rd->wd_w,
		    (double)(wd > now ? wd - now : 0) / 1000.0,
		    (double)extra(rd)->watchdog_ms / 1000.0);
		ev_timer_start(rs.loop, &rd->wd_w);
	}
}

int
ready_load(struct state_r *r, char *err, size_t errlen)
{
	const struct tree *t = supervise_tree();
	int64_t now = supervise_now_ms();
	struct state_r s;
	size_t i, n = 0;

	if (state_section(r, STATE_READY, &s))
		n = state_get_count(&s, rs.nall);
	if (n != rs.nall)
		s.failed = true;
	for (i = 0; i < n && !s.failed; i++) {
		size_t idx = state_get_count(&s, t->nnodes - 1);
		const struct node *nd = t->nodes[idx];
		struct ready *rd = nd->kind == NODE_PROG
		                       ? rd_of((const struct prog *)nd)
		                       : NULL;

		if (rd == NULL || s.failed) {
			s.failed = true;
			break;
		}
		take_over(rd, &s, now);
	}
	if (!state_done(&s)) {
		snprintf(err, errlen, "state: bad readiness section");
		return -1;
	}
	return 0;
}
