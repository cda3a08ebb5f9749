/*
 * control.c: the control socket (see control.h). Sockets, peers, bounds
 * and buffers here; what each command does to the tree is in tree.c and
 * supervise.c, and the wire format in proto.c.
 *
 * A client goes through: reading its one request (at most
 * PROTO_MAX_REQUEST bytes, within CONTROL_REQUEST_MS), then one of:
 * replying (a reply produced as the socket drains), waiting (a start,
 * stop or restart until its targets have settled, or its timeout), or
 * streaming (events). Nothing a client does blocks the loop or makes tend
 * hold more than a bounded amount for it.
 */
#include <sys/file.h>
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
#include <sys/fsuid.h>
#include <time.h>
#include <unistd.h>

#include "control.h"
#include "log.h"
#include "output.h"
#include "proto.h"
#include "supervise.h"
#include "units.h"

#define container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

#define REPLY_CHUNK (16 * 1024) /* produce a long reply this much at a go */
#define READ_CHUNK 4096
#define DEFAULT_WAIT_MS 60000

enum cstate {
	C_READING,
	C_REPLYING,
	C_WAITING,
	C_STREAMING,
};

enum producer {
	PROD_NONE,
	PROD_STATUS,
	PROD_TREE,
};

enum opkind {
	OP_START,
	OP_STOP,
	OP_RESTART,
};

struct target {
	struct node *n;
	unsigned gen0;
};

struct client {
	int fd;
	enum cstate state;
	ev_io io;
	ev_timer timer_w; /* the request deadline, then a wait's timeout */
	struct buf in, out;
	bool closing; /* close once out is written */
	/* a reply produced as the socket drains */
	enum producer prod;
	struct node **sel; /* the nodes to describe; NULL: every node */
	size_t nsel, cursor;
	/* streaming: events, or the output lines of nodes[lo..hi) */
	bool logs;
	size_t lo, hi;
	/* a waiting start, stop or restart */
	enum opkind op;
	struct target *targets;
	size_t ntargets;
	struct client *prev, *next;
};

static struct {
	struct ev_loop *loop;
	struct tree *tree;
	int fd, lock_fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char lock_path[PATH_MAX];
	gid_t group;
	bool has_group;
	ev_io accept_w;
	struct client *clients;
	size_t nclients, nwaiting, nstreaming, nfollowing;
} ctl = {.fd = -1, .lock_fd = -1};

static void client_close(struct client *c);
static void client_want_write(struct client *c);
static void stream_out(const struct buf *rec, bool logs,
    const struct node *n);
static void line_record(struct buf *b, const struct node *n, int64_t t,
    const char *text, size_t len);

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
		snprintf(err, errlen, "%s is not a directory of uid %u; "
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
choose_path(const char *path, const struct tend_conf *tc, char *err,
    size_t errlen)
{
	char buf[PATH_MAX], dir[PATH_MAX];
	bool fallback = false;

	if (path == NULL)
		path = tc->socket;
	if (path == NULL)
		path = proto_socket_path(buf, sizeof(buf), getenv("TEND_SOCKET"),
		    getenv("XDG_RUNTIME_DIR"), (unsigned)geteuid(), &fallback);
	if (path == NULL || strlen(path) >= sizeof(ctl.path)) {
		snprintf(err, errlen, "socket path too long (at most %zu "
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

	ctl.lock_fd = open(ctl.lock_path,
	    O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (ctl.lock_fd == -1) {
		snprintf(err, errlen, "%s: %s", ctl.lock_path, strerror(errno));
		return -1;
	}
	if (flock(ctl.lock_fd, LOCK_EX | LOCK_NB) == -1) {
		n = pread(ctl.lock_fd, pid, sizeof(pid) - 1, 0);
		pid[n > 0 ? n : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		snprintf(err, errlen, "socket %s is in use by another tend "
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
		snprintf(err, errlen, "listen %s: %s", ctl.path,
		    strerror(errno));
		close(fd);
		return -1;
	}
	ctl.fd = fd;
	return 0;
}

int
control_open(const char *path, const struct tend_conf *tc, char *err,
    size_t errlen)
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

static void
on_client_io(struct ev_loop *loop, ev_io *w, int revents);
static void
on_client_timer(struct ev_loop *loop, ev_timer *w, int revents);

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
on_accept(struct ev_loop *loop, ev_io *w, int revents)
{
	struct client *c;
	int fd, i;

	(void)w;
	(void)revents;
	for (i = 0; i < 64; i++) {
		fd = accept4(ctl.fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno != EAGAIN && errno != EINTR &&
			    errno != ECONNABORTED)
				log_warn("control: accept");
			return;
		}
		if (!peer_allowed(fd)) {
			say_and_close(fd, 4, "permission denied");
			continue;
		}
		if (ctl.nclients >= CONTROL_MAX_CLIENTS) {
			say_and_close(fd, 1, "too many clients; try again");
			continue;
		}
		c = calloc(1, sizeof(*c));
		if (c == NULL) {
			say_and_close(fd, 1, "out of memory");
			continue;
		}
		c->fd = fd;
		c->state = C_READING;
		ev_io_init(&c->io, on_client_io, fd, EV_READ);
		ev_io_start(loop, &c->io);
		ev_timer_init(&c->timer_w, on_client_timer,
		    CONTROL_REQUEST_MS / 1000.0, 0.0);
		ev_timer_start(loop, &c->timer_w);
		c->next = ctl.clients;
		if (ctl.clients != NULL)
			ctl.clients->prev = c;
		ctl.clients = c;
		ctl.nclients++;
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

/* Reply with an error and close once it is written. */
static void
reply_error(struct client *c, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
reply_error(struct client *c, int code, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	proto_reply_err(&c->out, code, msg);
	c->closing = true;
	if (c->state != C_WAITING && c->state != C_STREAMING)
		c->state = C_REPLYING;
	client_want_write(c);
}

/* A whole reply is queued: send it, then close. */
static void
reply_done(struct client *c)
{
	proto_reply_end(&c->out);
	c->closing = true;
	c->state = C_REPLYING;
	client_want_write(c);
}

/* ------------------------------------------------------------ records */

static const char *
last_token(const struct node *n, char *buf, size_t size)
{
	const struct prog *p = (const struct prog *)n;

	if (n->kind != NODE_PROG || !p->has_last)
		return "-";
	return exit_token(&p->last, buf, size);
}

static size_t
depth_of(const struct node *n)
{
	size_t d = 0;

	for (; n->parent != NULL; n = &n->parent->node)
		d++;
	return d;
}

static void
describe(struct buf *b, const struct node *n, bool with_tree, int64_t now)
{
	const struct prog *p = (const struct prog *)n;
	char tok[64];

	rec_begin(b, n->kind == NODE_PROG ? "prog" : "sup");
	rec_str(b, "path", n->shown);
	rec_str(b, "name", n->name);
	rec_str(b, "state", state_name(n->state));
	if (n->parent != NULL)
		rec_str(b, "sup", n->parent->node.shown);
	if (n->kind == NODE_PROG) {
		rec_int(b, "pid", p->pid);
		rec_int(b, "uptime_ms",
		    p->pid != 0 && n->state != ST_STOPPING
			? now - p->started_ms
			: -1);
		rec_int(b, "restarts", n->restarts);
		rec_str(b, "last", last_token(n, tok, sizeof(tok)));
	} else {
		const struct sup *s = (const struct sup *)n;

		rec_str(b, "strategy", strategy_name(s->strategy));
		rec_int(b, "restarts", n->restarts);
	}
	if (with_tree)
		rec_int(b, "depth", (int64_t)depth_of(n));
	rec_end(b);
}

/* Produce more of a long reply; true once it is all queued. */
static bool
produce(struct client *c)
{
	struct tree *t = ctl.tree;
	size_t total = c->sel != NULL ? c->nsel : t->nnodes;
	int64_t now = supervise_now_ms();

	while (c->cursor < total && c->out.len < REPLY_CHUNK) {
		struct node *n =
		    c->sel != NULL ? c->sel[c->cursor] : t->nodes[c->cursor];

		c->cursor++;
		if (c->prod == PROD_STATUS && n->kind != NODE_PROG)
			continue;
		describe(&c->out, n, c->prod == PROD_TREE, now);
	}
	if (c->cursor < total)
		return false;
	c->prod = PROD_NONE;
	proto_reply_end(&c->out);
	c->closing = true;
	return true;
}

/* ------------------------------------------------------------ writing */

static void
client_write(struct client *c)
{
	ssize_t n;

	for (;;) {
		if (c->out.len == 0 && c->prod != PROD_NONE)
			produce(c);
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

/* --------------------------------------------------------- the verbs */

/* Resolve every name first (SPEC 11): 0, or -1 after replying exit 3. */
static int
resolve_names(struct client *c, char **names, size_t n, struct node ***out)
{
	size_t i;

	*out = calloc(n ? n : 1, sizeof(**out));
	if (*out == NULL) {
		reply_error(c, 1, "out of memory");
		return -1;
	}
	for (i = 0; i < n; i++) {
		(*out)[i] = tree_find(ctl.tree, names[i]);
		if ((*out)[i] == NULL) {
			reply_error(c, 3, "no such program or supervisor: %s",
			    names[i]);
			free(*out);
			*out = NULL;
			return -1;
		}
	}
	return 0;
}

/* The nodes of n's subtree, n first (t->nodes is in pre-order). */
static size_t
subtree_end(const struct node *n)
{
	return n->idx + n->subtree_n;
}

static void
verb_status(struct client *c, struct request *r, enum producer prod)
{
	struct node **named;
	size_t i, k, total = 0;

	if (r->nargs > 0) {
		if (resolve_names(c, r->args, r->nargs, &named) == -1)
			return;
		for (i = 0; i < r->nargs; i++)
			total += named[i]->subtree_n;
		c->sel = calloc(total, sizeof(*c->sel));
		if (c->sel == NULL) {
			free(named);
			reply_error(c, 1, "out of memory");
			return;
		}
		for (i = 0; i < r->nargs; i++)
			for (k = named[i]->idx; k < subtree_end(named[i]); k++)
				c->sel[c->nsel++] = ctl.tree->nodes[k];
		free(named);
	}
	proto_reply_ok(&c->out);
	c->prod = prod;
	c->state = C_REPLYING;
	client_want_write(c);
}

static void
verb_pid(struct client *c, struct request *r)
{
	struct node *n;
	struct prog *p;

	if (r->nargs != 1) {
		reply_error(c, 2, "usage: pid NAME");
		return;
	}
	n = tree_find(ctl.tree, r->args[0]);
	if (n == NULL) {
		reply_error(c, 3, "no such program or supervisor: %s",
		    r->args[0]);
		return;
	}
	if (n->kind != NODE_PROG) {
		reply_error(c, 1, "%s is a supervisor, not a program",
		    n->shown);
		return;
	}
	p = (struct prog *)n;
	if (p->pid == 0) {
		reply_error(c, 1, "%s is not running (%s)", n->shown,
		    state_name(n->state));
		return;
	}
	proto_reply_ok(&c->out);
	rec_begin(&c->out, "pid");
	rec_str(&c->out, "path", n->shown);
	rec_int(&c->out, "pid", p->pid);
	rec_end(&c->out);
	reply_done(c);
}

/* signal or kill: SIG to each main process, a supervisor's included. */
static void
verb_signal(struct client *c, struct request *r, bool is_kill)
{
	struct node **v;
	size_t i, k, first = is_kill ? 0 : 1, sent = 0;
	int sig = SIGKILL;
	char notrunning[512] = "";

	if (r->nargs <= first) {
		reply_error(c, 2, is_kill ? "usage: kill NAME..."
					  : "usage: signal SIG NAME...");
		return;
	}
	if (!is_kill && units_parse_signal(r->args[0], &sig) == -1) {
		reply_error(c, 2, "unknown signal: %s", r->args[0]);
		return;
	}
	if (resolve_names(c, r->args + first, r->nargs - first, &v) == -1)
		return;
	for (i = 0; i < r->nargs - first; i++) {
		bool any = false;

		for (k = v[i]->idx; k < subtree_end(v[i]); k++) {
			struct node *n = ctl.tree->nodes[k];

			if (n->kind == NODE_PROG &&
			    supervise_signal((struct prog *)n, sig) == 0) {
				any = true;
				sent++;
			}
		}
		if (!any && v[i]->kind == NODE_PROG) {
			size_t len = strlen(notrunning);

			snprintf(notrunning + len, sizeof(notrunning) - len,
			    "%s%s", len ? ", " : "", v[i]->shown);
		}
	}
	free(v);
	if (notrunning[0] != '\0') {
		reply_error(c, 1, "not running: %s", notrunning);
		return;
	}
	proto_reply_ok(&c->out);
	rec_begin(&c->out, "signalled");
	rec_int(&c->out, "count", (int64_t)sent);
	rec_end(&c->out);
	reply_done(c);
}

static bool
is_active_state(enum state st)
{
	return st == ST_STARTING || st == ST_RUNNING || st == ST_STOPPING ||
	    st == ST_BACKOFF;
}

static void
add_target(struct client *c, struct node *n)
{
	c->targets[c->ntargets].n = n;
	c->targets[c->ntargets].gen0 = n->gen;
	c->ntargets++;
}

/* Apply a start, stop or restart to n and note what to wait for. */
static void
apply_op(struct client *c, struct node *n, char *failures, size_t size)
{
	int64_t now = supervise_now_ms();
	struct node *blocker = NULL;
	struct sup *root = ctl.tree->root;
	size_t i, len;
	int r = 0;

	if (n->parent == NULL) {
		/* the root: its children are the targets */
		for (i = 0; i < root->nkids; i++)
			if (c->op != OP_START || !is_active_state(root->kids[i]->state))
				add_target(c, root->kids[i]);
	} else {
		add_target(c, n);
	}
	switch (c->op) {
	case OP_STOP:
		tree_op_stop(ctl.tree, n, now);
		break;
	case OP_START:
		r = tree_op_start(ctl.tree, n, now, &blocker);
		break;
	case OP_RESTART:
		r = tree_op_restart(ctl.tree, n, now, &blocker);
		break;
	}
	if (r == -1) {
		c->ntargets--; /* nothing to wait for */
		len = strlen(failures);
		snprintf(failures + len, size - len,
		    "%scannot %s %s: its supervisor %s is %s",
		    len ? "; " : "", c->op == OP_START ? "start" : "restart",
		    n->shown, blocker->shown, state_name(blocker->state));
	}
}

/* Whether target x has settled; *failed and why when it settled badly. */
static bool
settled(struct client *c, const struct target *x, bool *failed,
    char *why, size_t size)
{
	const struct node *n = x->n;

	*failed = false;
	if (c->op == OP_STOP)
		return !is_active_state(n->state);
	if (c->op == OP_RESTART && n->gen == x->gen0 &&
	    n->state != ST_FAILED)
		return false; /* not started again yet */
	switch (n->state) {
	case ST_RUNNING:
		if (n->kind == NODE_SUP &&
		    ((const struct sup *)n)->job.kind != JOB_NONE)
			return false;
		return true;
	case ST_EXITED:
		return true;
	case ST_STOPPED:
		if (n->kind == NODE_PROG && n->start_failed) {
			const struct prog *p = (const struct prog *)n;

			*failed = true;
			if (p->has_last)
				exit_describe(&p->last, why, size);
			else
				snprintf(why, size, "could not start");
			return true;
		}
		if (n->held) {
			*failed = true;
			snprintf(why, size, "stopped meanwhile");
			return true;
		}
		return false;
	case ST_FAILED:
		*failed = true;
		snprintf(why, size, "its supervisor gave up");
		if (n->kind == NODE_SUP)
			snprintf(why, size, "gave up");
		return true;
	default:
		return false;
	}
}

/* Reply to a waiting client whose targets have all settled. */
static bool
check_op(struct client *c, bool timed_out)
{
	char msg[1024] = "", why[256];
	size_t i, len;
	bool failed, all = true, bad = false;

	for (i = 0; i < c->ntargets; i++) {
		if (!settled(c, &c->targets[i], &failed, why, sizeof(why))) {
			all = false;
			if (!timed_out)
				return false;
			snprintf(why, sizeof(why), "still %s",
			    state_name(c->targets[i].n->state));
			failed = true;
		}
		if (failed) {
			bad = true;
			len = strlen(msg);
			snprintf(msg + len, sizeof(msg) - len, "%s%s: %s",
			    len ? "; " : "", c->targets[i].n->shown, why);
		}
	}
	ctl.nwaiting--;
	c->state = C_REPLYING;
	ev_timer_stop(ctl.loop, &c->timer_w);
	if (!all)
		reply_error(c, 1, "timed out: %s", msg);
	else if (bad)
		reply_error(c, 1, "%s", msg);
	else {
		proto_reply_ok(&c->out);
		reply_done(c);
	}
	return true;
}

static void
verb_op(struct client *c, struct request *r, enum opkind op)
{
	struct node **v;
	char failures[1024] = "";
	const char *wait = request_opt(r, "wait");
	const char *tmo = request_opt(r, "timeout");
	int64_t timeout_ms = DEFAULT_WAIT_MS;
	size_t i, cap = 0;

	if (r->nargs == 0) {
		reply_error(c, 2, "usage: %s NAME...", r->verb);
		return;
	}
	if (tmo != NULL && units_parse_duration(tmo, &timeout_ms) == -1) {
		reply_error(c, 2, "bad timeout: %s", tmo);
		return;
	}
	if (resolve_names(c, r->args, r->nargs, &v) == -1)
		return;
	for (i = 0; i < r->nargs; i++)
		cap += v[i]->parent == NULL ? ctl.tree->root->nkids : 1;
	c->targets = calloc(cap ? cap : 1, sizeof(*c->targets));
	if (c->targets == NULL) {
		free(v);
		reply_error(c, 1, "out of memory");
		return;
	}
	c->op = op;
	for (i = 0; i < r->nargs; i++)
		apply_op(c, v[i], failures, sizeof(failures));
	free(v);
	if (failures[0] != '\0') {
		reply_error(c, 1, "%s", failures);
		return;
	}
	if (wait != NULL && strcmp(wait, "0") == 0) {
		proto_reply_ok(&c->out);
		reply_done(c);
		return;
	}
	c->state = C_WAITING;
	ctl.nwaiting++;
	ev_timer_stop(ctl.loop, &c->timer_w);
	ev_timer_set(&c->timer_w, (double)timeout_ms / 1000.0, 0.0);
	ev_timer_start(ctl.loop, &c->timer_w);
	client_only_read(c); /* control_after_run() replies once settled */
}

static void
verb_health(struct client *c, struct request *r)
{
	const char *alive = request_opt(r, "alive");
	bool only_failed = alive != NULL && strcmp(alive, "1") == 0;
	struct tree *t = ctl.tree;
	size_t i = 0;

	proto_reply_ok(&c->out);
	while (i < t->nnodes) {
		struct node *n = t->nodes[i];
		const char *why;
		bool skip, ok;

		ok = tree_node_healthy(n, &why, &skip);
		if (only_failed)
			ok = n->state != ST_FAILED;
		if (!ok) {
			rec_begin(&c->out, "unhealthy");
			rec_str(&c->out, "path", n->shown);
			rec_str(&c->out, "state", state_name(n->state));
			rec_str(&c->out, "why", why ? why : "failed");
			rec_end(&c->out);
		}
		i = skip ? subtree_end(n) : i + 1;
		if (c->out.failed)
			break;
	}
	if (c->out.failed) {
		buf_reset(&c->out);
		reply_error(c, 1, "out of memory");
		return;
	}
	reply_done(c);
}

static void
verb_version(struct client *c)
{
	proto_reply_ok(&c->out);
	rec_begin(&c->out, "version");
	rec_str(&c->out, "tend", TEND_VERSION);
	rec_int(&c->out, "protocol", PROTO_VERSION);
	rec_int(&c->out, "pid", getpid());
	rec_end(&c->out);
	reply_done(c);
}

static void
verb_events(struct client *c)
{
	proto_reply_ok(&c->out);
	c->state = C_STREAMING;
	ctl.nstreaming++;
	ev_timer_stop(ctl.loop, &c->timer_w);
	client_want_write(c);
}

/* The last lines of a subtree, merged by time. */
struct logline {
	const struct node *n;
	int64_t t;
	size_t seq;
	char *text;
	size_t len;
};

struct collect {
	struct logline *v;
	size_t n, cap;
	const struct node *cur;
	bool failed;
};

static void
collect_line(void *arg, int64_t t, const char *text, size_t len)
{
	struct collect *k = arg;
	struct logline *l;

	if (k->failed)
		return;
	if (k->n == k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 64;
		struct logline *v = realloc(k->v, cap * sizeof(*v));

		if (v == NULL) {
			k->failed = true;
			return;
		}
		k->v = v;
		k->cap = cap;
	}
	l = &k->v[k->n];
	l->text = malloc(len + 1);
	if (l->text == NULL) {
		k->failed = true;
		return;
	}
	memcpy(l->text, text, len + 1);
	l->len = len;
	l->n = k->cur;
	l->t = t;
	l->seq = k->n++;
}

static int
by_time(const void *a, const void *b)
{
	const struct logline *x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void
verb_logs(struct client *c, struct request *r)
{
	const char *nopt = request_opt(r, "n");
	const char *follow = request_opt(r, "follow");
	struct collect k = {0};
	uint64_t lines = CONTROL_LOG_LINES;
	struct node *n;
	size_t i;

	if (r->nargs != 1) {
		reply_error(c, 2, "usage: logs NAME [-n N] [-f]");
		return;
	}
	if (nopt != NULL &&
	    units_parse_uint(nopt, CONTROL_LOG_LINES_MAX, &lines) == -1) {
		reply_error(c, 2, "-n: expected 0 to %d lines, got %s",
		    CONTROL_LOG_LINES_MAX, nopt);
		return;
	}
	n = tree_find(ctl.tree, r->args[0]);
	if (n == NULL) {
		reply_error(c, 3, "no such program or supervisor: %s",
		    r->args[0]);
		return;
	}
	for (i = n->idx; i < subtree_end(n) && !k.failed; i++) {
		k.cur = ctl.tree->nodes[i];
		if (k.cur->kind == NODE_PROG &&
		    output_last((const struct prog *)k.cur, lines, collect_line,
			&k) == -1)
			k.failed = true;
	}
	if (!k.failed) {
		qsort(k.v, k.n, sizeof(*k.v), by_time);
		proto_reply_ok(&c->out);
		for (i = k.n > lines ? k.n - lines : 0; i < k.n; i++)
			line_record(&c->out, k.v[i].n, k.v[i].t, k.v[i].text,
			    k.v[i].len);
	}
	for (i = 0; i < k.n; i++)
		free(k.v[i].text);
	free(k.v);
	if (k.failed || c->out.failed) {
		buf_reset(&c->out);
		reply_error(c, 1, "out of memory");
		return;
	}
	if (follow != NULL && strcmp(follow, "1") == 0) {
		c->state = C_STREAMING;
		c->logs = true;
		c->lo = n->idx;
		c->hi = subtree_end(n);
		ctl.nfollowing++;
		ev_timer_stop(ctl.loop, &c->timer_w);
		client_want_write(c);
		return;
	}
	reply_done(c);
}

static void
verb_shutdown(struct client *c)
{
	proto_reply_ok(&c->out);
	reply_done(c);
	supervise_shutdown();
}

static void
dispatch(struct client *c, struct request *r)
{
	const char *v = r->verb;
	static const char *const later[] = {"reload", "upgrade", "top",
	    "inspect"};
	size_t i;

	if (strcmp(v, "status") == 0)
		verb_status(c, r, PROD_STATUS);
	else if (strcmp(v, "tree") == 0)
		verb_status(c, r, PROD_TREE);
	else if (strcmp(v, "start") == 0)
		verb_op(c, r, OP_START);
	else if (strcmp(v, "stop") == 0)
		verb_op(c, r, OP_STOP);
	else if (strcmp(v, "restart") == 0)
		verb_op(c, r, OP_RESTART);
	else if (strcmp(v, "signal") == 0)
		verb_signal(c, r, false);
	else if (strcmp(v, "kill") == 0)
		verb_signal(c, r, true);
	else if (strcmp(v, "pid") == 0)
		verb_pid(c, r);
	else if (strcmp(v, "health") == 0)
		verb_health(c, r);
	else if (strcmp(v, "events") == 0)
		verb_events(c);
	else if (strcmp(v, "logs") == 0)
		verb_logs(c, r);
	else if (strcmp(v, "shutdown") == 0)
		verb_shutdown(c);
	else if (strcmp(v, "version") == 0)
		verb_version(c);
	else {
		for (i = 0; i < sizeof(later) / sizeof(*later); i++)
			if (strcmp(v, later[i]) == 0) {
				reply_error(c, 1, "%s: not supported yet", v);
				return;
			}
		reply_error(c, 2, "unknown command: %s", v);
	}
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
		reply_error(c, 1, "out of memory");
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
			reply_error(c, 2, "request too long (at most %d bytes)",
			    PROTO_MAX_REQUEST);
		return;
	}
	ev_timer_stop(ctl.loop, &c->timer_w);
	if (proto_decode_request(c->in.p, (size_t)(nl - c->in.p), &r, &err) ==
	    -1) {
		reply_error(c, 2, "bad request: %s", err);
		buf_free(&c->in);
		return;
	}
	c->state = C_REPLYING;
	dispatch(c, &r);
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
		check_op(c, true);
		return;
	}
	if (c->state == C_READING) {
		/* SPEC 6: a request must arrive within 5 s */
		reply_error(c, 2, "no request within %d s",
		    CONTROL_REQUEST_MS / 1000);
	}
}

/* ----------------------------------------------------------- the rest */

void
control_start(struct ev_loop *loop, struct tree *t)
{
	ctl.loop = loop;
	ctl.tree = t;
	ev_io_init(&ctl.accept_w, on_accept, ctl.fd, EV_READ);
	ev_io_start(loop, &ctl.accept_w);
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
			check_op(c, false);
	}
}

void
control_publish(const struct event *e)
{
	struct buf rec;
	struct timespec ts;

	if (ctl.nstreaming == 0)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	buf_init(&rec);
	rec_begin(&rec, "event");
	rec_int(&rec, "time_ms",
	    (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
	rec_str(&rec, "path", e->node->shown);
	rec_str(&rec, "kind", e->node->kind == NODE_PROG ? "prog" : "sup");
	rec_str(&rec, "what", e->what);
	rec_str(&rec, "state", state_name(e->state));
	if (e->pid > 0)
		rec_int(&rec, "pid", e->pid);
	if (e->last != NULL)
		rec_str(&rec, "last", e->last);
	if (e->delay_ms >= 0)
		rec_int(&rec, "delay_ms", e->delay_ms);
	rec_end(&rec);
	stream_out(&rec, false, NULL);
	buf_free(&rec);
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
		if (c->out.len + rec->len > CONTROL_STREAM_MAX) {
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

static void
line_record(struct buf *b, const struct node *n, int64_t t, const char *text,
    size_t len)
{
	rec_begin(b, "line");
	rec_str(b, "path", n->shown);
	rec_int(b, "time_us", t);
	rec_strn(b, "text", text, len);
	rec_end(b);
}

void
control_publish_line(const struct prog *p, int64_t time_us, const char *text,
    size_t len)
{
	struct buf rec;

	if (ctl.nfollowing == 0)
		return;
	buf_init(&rec);
	line_record(&rec, &p->node, time_us, text, len);
	stream_out(&rec, true, &p->node);
	buf_free(&rec);
}

void
control_close(void)
{
	struct client *c;

	/* streams end with the end line, so their clients know it was
	 * tend's exit, not a failure (best effort: never block) */
	for (c = ctl.clients; c != NULL; c = c->next)
		if (c->state == C_STREAMING) {
			proto_reply_end(&c->out);
			(void)send(c->fd, c->out.p, c->out.len,
			    MSG_NOSIGNAL | MSG_DONTWAIT);
		}
	while (ctl.clients != NULL)
		client_close(ctl.clients);
	if (ctl.loop != NULL)
		ev_io_stop(ctl.loop, &ctl.accept_w);
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
