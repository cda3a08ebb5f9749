/*
 * control.c: the control socket (see control.h): the socket and its lock,
 * peers, and clients with their bounds and buffers. What each command
 * does is commands.c's; the wire format is proto.c's.
 *
 * A client goes through: reading its one request (at most
 * PROTO_MAX_REQUEST bytes, within CONTROL_REQUEST_MS), then one of:
 * replying (a reply produced as the socket drains), waiting (a start,
 * stop or restart until its targets have settled, or its timeout), or
 * streaming (events, logs -f). Nothing a client does blocks the loop or
 * makes tend hold more than a bounded amount for it.
 */
#include "control.h"

#include <sys/file.h>
#include <sys/fsuid.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "log.h"
#include "proto.h"
#include "ring.h"
#include "state.h"
#include "supervise.h"
#include "units.h"
#include "upgrade.h"

#define container_of(ptr, type, member)                                        \
	((type *)(void *)((char *)(ptr)-offsetof(type, member)))

#define READ_CHUNK 4096

static struct {
	struct ev_loop *loop;
	struct tree *tree;
	int fd, lock_fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char lock_path[PATH_MAX];
	gid_t group;
	bool has_group;
	ev_io accept_w;
	/* out of descriptors: a spare one, given up to turn a client away
	 * with a word, and a pause when even that fails */
	int spare_fd;
	bool fd_short; /* said so; said again once accepting works */
	ev_timer resume_w;
	struct client *clients;
	size_t nclients, nwaiting, nstreaming, nfollowing;
	struct ring recent; /* the last events' records, for events -n */
	int upgrade_fd; /* the asker of the upgrade that started this tend */
	bool recent_loaded; /* recent came with an upgrade's state */
} ctl = {.fd = -1, .lock_fd = -1, .spare_fd = -1, .upgrade_fd = -1};

static struct client *add_client(struct ev_loop *loop, int fd);
static void client_close(struct client *c);
static void client_want_write(struct client *c);
static void stream_out(const struct buf *rec, bool logs, const struct node *n);

/* ------------------------------------------------------------- setting up */

/* The fallback /tmp/tend-UID: ours, a directory, 0700 (SPEC 11). */
static int
own_private_dir(const char *dir, char *err, size_t errlen)
{
	struct stat st;

	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		snprintf(err, errlen, "mkdir %s: %s", dir, strerror(errno));
		return -1;
	}
	if (lstat(dir, &st) == -1) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid()) {
		snprintf(err, errlen,
		    "%s is not a directory of uid %u; "
		    "refusing to use it",
		    dir, (unsigned)geteuid());
		return -1;
	}
	if ((st.st_mode & 07777) != 0700 && chmod(dir, 0700) == -1) {
		snprintf(err, errlen, "chmod %s: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

static int
choose_path(
    const char *path, const struct tend_conf *tc, char *err, size_t errlen)
{
	char buf[PATH_MAX], dir[PATH_MAX];
	bool fallback = false;

	if (path == NULL)
		path = tc->socket;
	if (path == NULL)
		path = proto_socket_path(buf, sizeof(buf),
		    getenv("TEND_SOCKET"), getenv("XDG_RUNTIME_DIR"),
		    (unsigned)geteuid(), &fallback);
	if (path == NULL || strlen(path) >= sizeof(ctl.path)) {
		snprintf(err, errlen,
		    "socket path too long (at most %zu "
		    "bytes)",
		    sizeof(ctl.path) - 1);
		return -1;
	}
	snprintf(ctl.path, sizeof(ctl.path), "%s", path);
	snprintf(ctl.lock_path, sizeof(ctl.lock_path), "%s.lock", path);
	if (fallback) {
		snprintf(dir, sizeof(dir), "%s", ctl.path);
		if (own_private_dir(dirname(dir), err, errlen) == -1)
			return -1;
	}
	return 0;
}

/* SPEC 11: the holder of SOCKET.lock owns the socket path. */
static int
take_lock(char *err, size_t errlen)
{
	char pid[32];
	ssize_t n;

	ctl.lock_fd = open(
	    ctl.lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (ctl.lock_fd == -1) {
		snprintf(err, errlen, "%s: %s", ctl.lock_path, strerror(errno));
		return -1;
	}
	if (flock(ctl.lock_fd, LOCK_EX | LOCK_NB) == -1) {
		n = pread(ctl.lock_fd, pid, sizeof(pid) - 1, 0);
		pid[n > 0 ? n : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		snprintf(err, errlen,
		    "socket %s is in use by another tend "
		    "(pid %s)",
		    ctl.path, pid[0] ? pid : "unknown");
		close(ctl.lock_fd);
		ctl.lock_fd = -1;
		return -1;
	}
	n = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	if (ftruncate(ctl.lock_fd, 0) == -1 ||
	    pwrite(ctl.lock_fd, pid, (size_t)n, 0) != n)
		log_warn("%s: cannot record tend's pid", ctl.lock_path);
	return 0;
}

static int
resolve_group(const struct tend_conf *tc, char *err, size_t errlen)
{
	struct group *gr;
	char *end;
	unsigned long g;

	if (tc->socket_group == NULL)
		return 0;
	g = strtoul(tc->socket_group, &end, 10);
	if (*end == '\0' && end != tc->socket_group) {
		ctl.group = (gid_t)g;
	} else {
		gr = getgrnam(tc->socket_group);
		if (gr == NULL) {
			snprintf(err, errlen, "socket_group: unknown group %s",
			    tc->socket_group);
			return -1;
		}
		ctl.group = gr->gr_gid;
	}
	ctl.has_group = true;
	return 0;
}

/* bind addr with the socket's final mode and group from birth. */
static int
bind_born_right(int fd, const char *where)
{
	struct sockaddr_un sa;
	mode_t old_mask;
	int r, err, old_fsgid = -1;
	struct stat st;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", where);
	old_mask = umask(ctl.has_group ? 0117 : 0177);
	if (ctl.has_group)
		old_fsgid = setfsgid(ctl.group);
	r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	err = errno;
	if (ctl.has_group)
		setfsgid((gid_t)old_fsgid);
	umask(old_mask);
	errno = err;
	if (r == -1 || !ctl.has_group)
		return r;
	if (stat(where, &st) == -1)
		return -1;
	/* setfsgid needs privilege; in a private directory nobody can
	 * reach the socket before it has its group */
	if (st.st_gid != ctl.group && chown(where, (uid_t)-1, ctl.group) == -1)
		return -1;
	return 0;
}

static int
make_socket(char *err, size_t errlen)
{
	char priv[PATH_MAX], tmp[PATH_MAX], dir[PATH_MAX];
	int fd;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	/* bind in a private 0700 directory, then rename into place */
	snprintf(dir, sizeof(dir), "%s", ctl.path);
	snprintf(priv, sizeof(priv), "%s/.tend-XXXXXX", dirname(dir));
	if (strlen(priv) + 3 < sizeof(ctl.path) && mkdtemp(priv) != NULL) {
		snprintf(tmp, sizeof(tmp), "%s/s", priv);
		if (bind_born_right(fd, tmp) == -1 ||
		    rename(tmp, ctl.path) == -1) {
			snprintf(err, errlen, "bind %s: %s", ctl.path,
			    strerror(errno));
			unlink(tmp);
			rmdir(priv);
			close(fd);
			return -1;
		}
		rmdir(priv);
	} else {
		(void)unlink(ctl.path); /* stale: we hold the lock */
		if (bind_born_right(fd, ctl.path) == -1) {
			snprintf(err, errlen, "bind %s: %s", ctl.path,
			    strerror(errno));
			close(fd);
			return -1;
		}
	}
	if (listen(fd, CONTROL_MAX_CLIENTS) == -1) {
		snprintf(
		    err, errlen, "listen %s: %s", ctl.path, strerror(errno));
		close(fd);
		return -1;
	}
	ctl.fd = fd;
	return 0;
}

/* ------------------------------------------------------------ upgrade */

void
control_save(struct state_w *w, int reply_fd)
{
	size_t at = state_begin_section(w, STATE_CONTROL);

	state_put_str(w, ctl.path);
	state_put_str(w, ctl.lock_path);
	state_put_fd(w, ctl.fd);
	state_put_fd(w, ctl.lock_fd);
	state_put_fd(w, reply_fd);
	ring_save(&ctl.recent, w);
	state_end_section(w, at);
}

int
control_load(
    struct state_r *r, const struct tend_conf *tc, char *err, size_t errlen)
{
	struct state_r s;
	char *path = NULL, *lock = NULL;

	if (state_section(r, STATE_CONTROL, &s)) {
		path = state_get_str(&s);
		lock = state_get_str(&s);
		ctl.fd = state_get_fd(&s);
		ctl.lock_fd = state_get_fd(&s);
		ctl.upgrade_fd = state_get_fd(&s);
		ring_init(&ctl.recent, CONTROL_EVENTS_KEPT);
		ctl.recent_loaded = ring_load(&ctl.recent, &s) == 0;
		ctl.recent.max = CONTROL_EVENTS_KEPT;
	}
	if (!state_done(&s) || path == NULL || lock == NULL ||
	    strlen(path) >= sizeof(ctl.path) ||
	    strlen(lock) >= sizeof(ctl.lock_path) || ctl.fd < 0) {
		snprintf(err, errlen, "state: bad control section");
		free(path);
		free(lock);
		return -1;
	}
	snprintf(ctl.path, sizeof(ctl.path), "%s", path);
	snprintf(ctl.lock_path, sizeof(ctl.lock_path), "%s", lock);
	free(path);
	free(lock);
	return resolve_group(tc, err, errlen);
}

void
control_answer_upgrade(const char *failed)
{
	struct client *c;
	int fd = ctl.upgrade_fd;

	ctl.upgrade_fd = -1;
	if (fd < 0)
		return;
	(void)fcntl(fd, F_SETFL, O_NONBLOCK);
	c = add_client(ctl.loop, fd);
	if (c != NULL)
		commands_upgraded(c, failed);
}

void
control_upgrade_failed(int fd, const char *why)
{
	struct client *c = add_client(ctl.loop, fd);

	if (c != NULL)
		client_reply_error(c, 1, "upgrade: %s", why);
}

void
control_end_streams(void)
{
	struct client *c, *next;

	for (c = ctl.clients; c != NULL; c = next) {
		next = c->next;
		if (c->state != C_STREAMING)
			continue;
		proto_reply_end(&c->out);
		(void)send(
		    c->fd, c->out.p, c->out.len, MSG_NOSIGNAL | MSG_DONTWAIT);
		client_close(c);
	}
}

const char *
control_path(void)
{
	return ctl.path;
}

int
control_open(
    const char *path, const struct tend_conf *tc, char *err, size_t errlen)
{
	if (choose_path(path, tc, err, errlen) == -1 ||
	    resolve_group(tc, err, errlen) == -1 ||
	    take_lock(err, errlen) == -1)
		return -1;
	if (make_socket(err, errlen) == -1) {
		close(ctl.lock_fd);
		ctl.lock_fd = -1;
		return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------- peers */

static bool
in_group(int fd, gid_t primary)
{
	gid_t few[64], *groups = few;
	socklen_t len = sizeof(few);
	bool found = false;
	size_t i;

	if (primary == ctl.group)
		return true;
	/* SPEC 11: membership from SO_PEERGROUPS, not the user database */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) == -1) {
		if (errno != ERANGE || (groups = malloc(len)) == NULL)
			return false;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) ==
		    -1)
			len = 0;
	}
	for (i = 0; i < len / sizeof(gid_t) && !found; i++)
		found = groups[i] == ctl.group;
	if (groups != few)
		free(groups);
	return found;
}

static bool
peer_allowed(int fd)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) == -1)
		return false;
	if (cr.uid == 0 || cr.uid == geteuid())
		return true;
	if (ctl.has_group && in_group(fd, cr.gid))
		return true;
	log_warnx("control: refused a client: uid %u (pid %d) is not root, "
	          "tend's user%s",
	    (unsigned)cr.uid, (int)cr.pid,
	    ctl.has_group ? " or in socket_group" : "");
	return false;
}

/* -------------------------------------------------------------- clients */

static void on_client_io(struct ev_loop *loop, ev_io *w, int revents);
static void on_client_timer(struct ev_loop *loop, ev_timer *w, int revents);

/* Best effort, for a client about to be turned away. */
static void
say_and_close(int fd, int code, const char *msg)
{
	struct buf b;

	buf_init(&b);
	proto_reply_err(&b, code, msg);
	if (!b.failed)
		(void)send(fd, b.p, b.len, MSG_NOSIGNAL | MSG_DONTWAIT);
	buf_free(&b);
	close(fd);
}

static void
on_resume(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)w;
	(void)revents;
	if (ctl.spare_fd == -1)
		ctl.spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ev_io_start(loop, &ctl.accept_w);
}

static void
say_short_once(void)
{
	if (!ctl.fd_short)
		log_warnx("control: out of file descriptors: clients are "
		          "turned away until tend has some again");
	ctl.fd_short = true;
}

/*
 * accept failed for want of descriptors (EMFILE, ENFILE; Linux says so
 * before it looks for a client): a client waiting would stay queued and
 * the socket readable, so the loop would spin. The spare descriptor
 * makes room to take the client and tell it; without one, accepting
 * pauses for a second. True if a client was turned away (more may wait).
 */
static bool
short_of_fds(struct ev_loop *loop)
{
	int fd;

	if (ctl.spare_fd != -1) {
		close(ctl.spare_fd);
		fd = accept4(ctl.fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0) {
			say_short_once();
			say_and_close(fd, 4,
			    "tend is out of file descriptors; try again");
		}
		ctl.spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (ctl.spare_fd != -1)
			return fd >= 0; /* else: nobody was waiting */
	}
	say_short_once();
	ev_io_stop(loop, &ctl.accept_w);
	ev_timer_set(&ctl.resume_w, 1.0, 0.0);
	ev_timer_start(loop, &ctl.resume_w);
	return false;
}

/* accept4() failed (errno): true if the next client can be tried at
 * once, false to wait until the socket is readable again. */
static bool
accept_failed(struct ev_loop *loop)
{
	if (errno == EMFILE || errno == ENFILE)
		return short_of_fds(loop);
	if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
		log_warn("control: accept");
	return false;
}

/* A client on fd, accepted: kept if allowed and there is room for it,
 * else told why and closed (NULL). */
static struct client *
add_client(struct ev_loop *loop, int fd)
{
	struct client *c;

	if (!peer_allowed(fd)) {
		say_and_close(fd, 4, "permission denied");
		return NULL;
	}
	if (ctl.nclients >= CONTROL_MAX_CLIENTS) {
		say_and_close(fd, 4, "too many clients; try again");
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		say_and_close(fd, 1, "out of memory");
		return NULL;
	}
	c->fd = fd;
	c->state = C_READING;
	ev_io_init(&c->io, on_client_io, fd, EV_READ);
	ev_io_start(loop, &c->io);
	ev_timer_init(
	    &c->timer_w, on_client_timer, CONTROL_REQUEST_MS / 1000.0, 0.0);
	ev_timer_start(loop, &c->timer_w);
	c->next = ctl.clients;
	if (ctl.clients != NULL)
		ctl.clients->prev = c;
	ctl.clients = c;
	ctl.nclients++;
	return c;
}

static void
on_accept(struct ev_loop *loop, ev_io *w, int revents)
{
	int fd, i;

	(void)w;
	(void)revents;
	for (i = 0; i < 64; i++) {
		fd = accept4(ctl.fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (accept_failed(loop))
				continue;
			return;
		}
		if (ctl.fd_short) {
			log_info("control: accepting clients again");
			ctl.fd_short = false;
		}
		(void)add_client(loop, fd);
	}
}

static void
client_close(struct client *c)
{
	ev_io_stop(ctl.loop, &c->io);
	ev_timer_stop(ctl.loop, &c->timer_w);
	close(c->fd);
	if (c->state == C_WAITING)
		ctl.nwaiting--;
	if (c->state == C_STREAMING && !c->logs)
		ctl.nstreaming--;
	if (c->state == C_STREAMING && c->logs)
		ctl.nfollowing--;
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		ctl.clients = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	ctl.nclients--;
	buf_free(&c->in);
	buf_free(&c->out);
	free(c->sel);
	free(c->targets);
	free(c);
}

static void
client_want_write(struct client *c)
{
	int events = EV_WRITE;

	if (c->state == C_WAITING || c->state == C_STREAMING)
		events |= EV_READ; /* to see the client leave */
	if ((c->io.events & (EV_READ | EV_WRITE)) == events)
		return;
	ev_io_stop(ctl.loop, &c->io);
	ev_io_set(&c->io, c->fd, events);
	ev_io_start(ctl.loop, &c->io);
}

static void
client_only_read(struct client *c)
{
	if ((c->io.events & (EV_READ | EV_WRITE)) == EV_READ)
		return;
	ev_io_stop(ctl.loop, &c->io);
	ev_io_set(&c->io, c->fd, EV_READ);
	ev_io_start(ctl.loop, &c->io);
}

void
client_reply_error(struct client *c, int code, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	/* ap is started; clang-tidy 14 says otherwise only when one run checks
	 * several files (llvm-project#40656) */
	/* NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized) */
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	proto_reply_err(&c->out, code, msg);
	c->closing = true;
	if (c->state != C_WAITING && c->state != C_STREAMING)
		c->state = C_REPLYING;
	client_want_write(c);
}

void
client_let_go(struct client *c)
{
	c->closing = true;
	c->state = C_REPLYING;
	client_want_write(c);
}

void
client_reply_produced(struct client *c)
{
	c->state = C_REPLYING;
	client_want_write(c);
}

void
client_wait(struct client *c, int64_t timeout_ms)
{
	c->state = C_WAITING;
	ctl.nwaiting++;
	ev_timer_stop(ctl.loop, &c->timer_w);
	ev_timer_set(&c->timer_w, (double)timeout_ms / 1000.0, 0.0);
	ev_timer_start(ctl.loop, &c->timer_w);
	client_only_read(c);
}

void
client_unwait(struct client *c)
{
	ctl.nwaiting--;
	c->state = C_REPLYING;
	ev_timer_stop(ctl.loop, &c->timer_w);
}

void
client_stream(struct client *c, bool logs, size_t lo, size_t hi)
{
	c->state = C_STREAMING;
	c->logs = logs;
	c->lo = lo;
	c->hi = hi;
	if (logs)
		ctl.nfollowing++;
	else
		ctl.nstreaming++;
	ev_timer_stop(ctl.loop, &c->timer_w);
	client_want_write(c);
}

void
client_reply_done(struct client *c)
{
	if (c->out.failed) { /* a record was lost: no half a reply */
		buf_reset(&c->out);
		client_reply_error(c, 1, "out of memory");
		return;
	}
	proto_reply_end(&c->out);
	c->closing = true;
	c->state = C_REPLYING;
	client_want_write(c);
}

/* ------------------------------------------------------------ writing */

static void
client_write(struct client *c)
{
	ssize_t n;

	for (;;) {
		if (c->out.len == 0 && c->prod != PROD_NONE)
			commands_produce(c);
		if (c->out.len == 0)
			break;
		n = send(c->fd, c->out.p, c->out.len, MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EAGAIN || errno == EINTR)
				return; /* the watcher waits for room */
			client_close(c);
			return;
		}
		buf_consume(&c->out, (size_t)n);
	}
	if (c->closing) {
		client_close(c);
		return;
	}
	if (c->state == C_WAITING || c->state == C_STREAMING)
		client_only_read(c);
}

/* ------------------------------------------------------------ reading */

static void
client_read(struct client *c)
{
	struct request r;
	const char *err;
	char *nl;
	ssize_t n;

	if (c->state != C_READING) {
		/* waiting or streaming: only see the client leave */
		char sink[256];

		n = recv(c->fd, sink, sizeof(sink), 0);
		if (n == 0 || (n == -1 && errno != EAGAIN && errno != EINTR))
			client_close(c);
		return;
	}
	if (!buf_reserve(&c->in, READ_CHUNK)) {
		client_reply_error(c, 1, "out of memory");
		return;
	}
	n = recv(c->fd, c->in.p + c->in.len, READ_CHUNK, 0);
	if (n == 0 || (n == -1 && errno != EAGAIN && errno != EINTR)) {
		client_close(c);
		return;
	}
	if (n == -1)
		return;
	c->in.len += (size_t)n;
	c->in.p[c->in.len] = '\0';
	nl = memchr(c->in.p, '\n', c->in.len);
	if (nl == NULL) {
		if (c->in.len > PROTO_MAX_REQUEST)
			client_reply_error(c, 2,
			    "request too long (at most %d bytes)",
			    PROTO_MAX_REQUEST);
		return;
	}
	ev_timer_stop(ctl.loop, &c->timer_w);
	if (proto_decode_request(c->in.p, (size_t)(nl - c->in.p), &r, &err) ==
	    -1) {
		client_reply_error(c, 2, "bad request: %s", err);
		buf_free(&c->in);
		return;
	}
	c->state = C_REPLYING;
	commands_dispatch(c, &r);
	request_free(&r);
	buf_free(&c->in);
}

static void
on_client_io(struct ev_loop *loop, ev_io *w, int revents)
{
	struct client *c = container_of(w, struct client, io);

	(void)loop;
	if (revents & EV_READ) {
		client_read(c);
		return; /* c may be gone; a write will come back */
	}
	if (revents & EV_WRITE)
		client_write(c);
}

static void
on_client_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct client *c = container_of(w, struct client, timer_w);

	(void)loop;
	(void)revents;
	if (c->state == C_WAITING) {
		commands_check_op(c, true);
		return;
	}
	if (c->state == C_READING) {
		/* SPEC 6: a request must arrive within 5 s */
		client_reply_error(
		    c, 2, "no request within %d s", CONTROL_REQUEST_MS / 1000);
	}
}

/* ----------------------------------------------------------- the rest */

void
control_start(struct ev_loop *loop, struct tree *t)
{
	ctl.loop = loop;
	ctl.tree = t;
	if (!ctl.recent_loaded) /* an upgrade's are kept */
		ring_init(&ctl.recent, CONTROL_EVENTS_KEPT);
	commands_init(t);
	ev_io_init(&ctl.accept_w, on_accept, ctl.fd, EV_READ);
	ev_io_start(loop, &ctl.accept_w);
	ev_timer_init(&ctl.resume_w, on_resume, 1.0, 0.0);
	ctl.spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	log_info("control socket %s", ctl.path);
}

void
control_after_run(void)
{
	struct client *c, *next;

	if (ctl.nwaiting == 0)
		return;
	for (c = ctl.clients; c != NULL; c = next) {
		next = c->next;
		if (c->state == C_WAITING)
			commands_check_op(c, false);
	}
}

/* Whether c waits on n. */
static bool
waits_on(const struct client *c, const struct node *n)
{
	size_t i;

	if (c->state != C_WAITING)
		return false;
	for (i = 0; i < c->ntargets; i++)
		if (c->targets[i].n == n)
			return true;
	return false;
}

/*
 * A node that a reload removed is about to be freed: no client may keep
 * it. A status reply still to describe it leaves it out; a start, stop or
 * restart waiting on it ends with an error saying so.
 */
static void
forget(const struct node *n)
{
	struct client *c;
	size_t i, k;

	for (c = ctl.clients; c != NULL; c = c->next) {
		for (i = k = 0; c->sel != NULL && i < c->nsel; i++) {
			if (c->sel[i] == n) {
				if (i < c->cursor)
					c->cursor--;
				continue;
			}
			c->sel[k++] = c->sel[i];
		}
		if (c->sel != NULL)
			c->nsel = k;
		if (waits_on(c, n)) {
			client_unwait(c);
			c->ntargets = 0;
			client_reply_error(
			    c, 1, "%s was removed by a reload", n->shown);
		}
	}
}

static void
on_event(const struct event *e)
{
	struct buf rec;
	struct timespec ts;
	char why[256];

	if (e->kind == EVENT_REMOVED)
		forget(e->node);
	clock_gettime(CLOCK_REALTIME, &ts);
	buf_init(&rec);
	rec_begin(&rec, "event");
	rec_int(
	    &rec, "time_ms", (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
	rec_str(&rec, "path", e->node->shown);
	rec_str(&rec, "kind", e->node->kind == NODE_PROG ? "prog" : "sup");
	rec_str(&rec, "what", event_kind_name(e->kind));
	rec_str(&rec, "state", state_name(e->state));
	if (e->pid > 0)
		rec_int(&rec, "pid", e->pid);
	if (e->last != NULL)
		rec_str(&rec, "last", e->last);
	if (e->kind == EVENT_RESTART)
		rec_int(&rec, "delay_ms", e->delay_ms);
	if (e->cause != CAUSE_NONE) {
		rec_str(&rec, "cause", cause_name(e->cause));
		if (e->cause_from != NULL)
			rec_str(&rec, "after", e->cause_from->shown);
		rec_str(&rec, "reason", event_reason(e, why, sizeof(why)));
	}
	rec_end(&rec);
	if (!rec.failed && rec.len > 0) /* kept without its newline */
		(void)ring_add(&ctl.recent, 0, rec.p, rec.len - 1);
	if (ctl.nstreaming > 0)
		stream_out(&rec, false, NULL);
	buf_free(&rec);
}

static void
add_recent(void *arg, int64_t time_us, const char *text, size_t len)
{
	struct client *c = arg;

	(void)time_us;
	buf_add(&c->out, text, len);
	buf_add(&c->out, "\n", 1);
}

void
client_recent_events(struct client *c, size_t n)
{
	if (n > 0 && ring_last(&ctl.recent, n, add_recent, c) == -1)
		c->out.failed = true;
}

/* Queue rec for the streaming clients it concerns; drop the laggards. */
static void
stream_out(const struct buf *rec, bool logs, const struct node *n)
{
	struct client *c, *next;

	for (c = ctl.clients; c != NULL && !rec->failed; c = next) {
		next = c->next;
		if (c->state != C_STREAMING || c->logs != logs)
			continue;
		if (logs && (n->idx < c->lo || n->idx >= c->hi))
			continue;
		if (c->out.len + rec->len > (size_t)CONTROL_STREAM_MAX) {
			log_warnx("control: dropping a %s client that does not "
			          "read",
			    logs ? "logs" : "events");
			client_close(c);
			continue;
		}
		buf_add(&c->out, rec->p, rec->len);
		client_want_write(c);
	}
}

static bool
following(void)
{
	return ctl.nfollowing > 0;
}

static void
on_line(const struct prog *p, int64_t time_us, const char *text, size_t len)
{
	struct buf rec;

	if (ctl.nfollowing == 0)
		return;
	buf_init(&rec);
	commands_line_record(&rec, &p->node, time_us, text, len);
	stream_out(&rec, true, &p->node);
	buf_free(&rec);
}

const struct events_subscriber control_events = {
    .on_event = on_event,
    .on_line = on_line,
    .following = following,
};

void
control_close(void)
{
	struct client *c;

	/* what is queued goes out (a shutdown's own reply among it), and
	 * streams end with the end line, so their clients know it was
	 * tend's exit, not a failure (best effort: never block) */
	for (c = ctl.clients; c != NULL; c = c->next) {
		if (c->state == C_STREAMING)
			proto_reply_end(&c->out);
		if (c->out.len > 0)
			(void)send(c->fd, c->out.p, c->out.len,
			    MSG_NOSIGNAL | MSG_DONTWAIT);
	}
	while (ctl.clients != NULL)
		client_close(ctl.clients);
	if (ctl.loop != NULL) {
		ev_io_stop(ctl.loop, &ctl.accept_w);
		ev_timer_stop(ctl.loop, &ctl.resume_w);
	}
	ring_free(&ctl.recent);
	if (ctl.spare_fd != -1) {
		close(ctl.spare_fd);
		ctl.spare_fd = -1;
	}
	if (ctl.fd != -1) {
		close(ctl.fd);
		(void)unlink(ctl.path);
		ctl.fd = -1;
	}
	if (ctl.lock_fd != -1) {
		(void)unlink(ctl.lock_path);
		close(ctl.lock_fd);
		ctl.lock_fd = -1;
	}
}
