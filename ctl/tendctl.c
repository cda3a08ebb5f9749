/*
 * tendctl.c: the client of tend's control socket (SPEC 5). argv becomes
 * one request; the reply's records are rendered by render.c; the exit
 * status says how it went: 0 done, 1 not as asked, 2 usage, 3 no such
 * program or supervisor, 4 tend cannot be reached.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdnoreturn.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "proto.h"
#include "render.h"
#include "units.h"

#define EXIT_NOT_AS_ASKED 1
#define EXIT_USAGE 2
#define EXIT_NO_SUCH 3
#define EXIT_UNREACHABLE 4
#define DEFAULT_TIMEOUT_MS 60000
#define GRACE_MS 5000            /* beyond --timeout, for tend to answer */
#define DEFAULT_INTERVAL_MS 1000 /* top */

struct opts {
	const char *socket;
	const char *config; /* -c: the socket of its [tend] socket key */
	bool json;
	bool no_wait;
	bool alive;
	bool follow;
	bool timestamps;      /* logs --timestamps */
	bool with_dependents; /* stop, restart --with-dependents */
	bool all;             /* status --all */
	bool dry_run;         /* reload --dry-run */
	const char *lines;    /* logs -n; top -n: iterations */
	int64_t timeout_ms;
	int64_t interval_ms; /* top --interval */
	const char *cmd;
	char **args;
	size_t nargs;
};

struct conn {
	int fd;
	struct buf in;
	size_t off;          /* in.p[0 .. off) is read already */
	int64_t deadline_ms; /* -1: none */
};

static volatile sig_atomic_t interrupted;

static void
usage(FILE *to)
{
	fputs(
	    "usage: tendctl [-s SOCKET | -c FILE] [--json] [--timeout "
	    "DURATION] "
	    "COMMAND [ARG...]\n"
	    "\n"
	    "  status [--all] [NAME...]\n"
	    "                        NAME STATE PID UPTIME RESTARTS "
	    "LAST-EXIT;\n"
	    "                        --all: supervisors too, and why\n"
	    "  tree                  the tree of supervisors and programs\n"
	    "  start NAME...         start programs or subtrees; waits\n"
	    "  stop [--with-dependents] NAME...\n"
	    "                        stop them (and the children started\n"
	    "                        after them); waits\n"
	    "  restart [--with-dependents] NAME...\n"
	    "                        stop, then start (as a crash would,\n"
	    "                        uncharged); waits\n"
	    "  signal SIG NAME...    send SIG to the main process\n"
	    "  kill NAME...          SIGKILL the main process (a crash)\n"
	    "  pid NAME              print the main pid\n"
	    "  events [-n N]         the last N events, then every new one\n"
	    "                        until interrupted\n"
	    "  health [--alive]      exit 0 if everything is as it should be\n"
	    "  logs NAME [-n N] [-f] [--timestamps]\n"
	    "                        recent output, then follow\n"
	    "  reload [--dry-run]    bring the tree to the file by difference\n"
	    "  upgrade [PATH]        re-execute tend in place, state kept\n"
	    "  top [--interval D] [-n N]\n"
	    "                        CPU, memory, processes, the busiest "
	    "first\n"
	    "  inspect NAME          a program or supervisor in depth\n"
	    "  shutdown              orderly shutdown of tend\n"
	    "  version               tendctl's version and tend's\n"
	    "  help                  this list\n"
	    "\n"
	    "The socket: -s SOCKET, else the [tend] socket of -c FILE, else\n"
	    "$TEND_SOCKET, else /run/tend.sock (root) or\n"
	    "$XDG_RUNTIME_DIR/tend.sock.\n"
	    "NAME is a program or a supervisor (its subtree), by name or "
	    "path;\n"
	    "`all` is the root. Waiting commands take --no-wait and wait at\n"
	    "most --timeout (default 60s). See tendctl(8).\n",
	    to);
}

static noreturn void die(int status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
die(int status, const char *fmt, ...)
{
	va_list ap;

	fputs("tendctl: ", stderr);
	va_start(ap, fmt);
	/* ap is started; clang-tidy 14 says otherwise only when one run checks
	 * several files (llvm-project#40656) */
	/* NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized) */
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(status);
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ------------------------------------------------------------ arguments */

static void
take_timeout(struct opts *o, const char *v)
{
	if (v == NULL || units_parse_duration(v, &o->timeout_ms) == -1)
		die(EXIT_USAGE,
		    "--timeout: expected a duration such as 30s, "
		    "got %s",
		    v ? v : "nothing");
}

/* The options that set a flag, and those that take a value. */
static const struct flag_opt {
	const char *brief, *name;
	size_t off; /* of its bool in struct opts */
} flag_opts[] = {
    {NULL, "--json", offsetof(struct opts, json)},
    {NULL, "--no-wait", offsetof(struct opts, no_wait)},
    {NULL, "--alive", offsetof(struct opts, alive)},
    {NULL, "--with-dependents", offsetof(struct opts, with_dependents)},
    {NULL, "--all", offsetof(struct opts, all)},
    {"-f", "--follow", offsetof(struct opts, follow)},
    {"-t", "--timestamps", offsetof(struct opts, timestamps)},
    {NULL, "--dry-run", offsetof(struct opts, dry_run)},
};

static const struct value_opt {
	const char *brief, *name, *what;
	size_t off; /* of its const char * in struct opts */
} value_opts[] = {
    {"-n", "--lines", "a number of lines", offsetof(struct opts, lines)},
    {"-s", "--socket", "a socket path", offsetof(struct opts, socket)},
    {"-c", "--config", "a configuration file", offsetof(struct opts, config)},
};

static bool
is_option(const char *a, const char *brief, const char *name)
{
	return (brief != NULL && strcmp(a, brief) == 0) || strcmp(a, name) == 0;
}

/* top's --interval D (or --interval=D, -d D) at argv[*i]: true if
 * taken. */
static bool
take_interval(struct opts *o, int argc, char **argv, int *i)
{
	const char *a = argv[*i], *v;

	if (strcmp(a, "--interval") == 0 || strcmp(a, "-d") == 0)
		v = *i + 1 < argc ? argv[++*i] : NULL;
	else if (strncmp(a, "--interval=", 11) == 0)
		v = a + 11;
	else
		return false;
	if (v == NULL || units_parse_duration(v, &o->interval_ms) == -1 ||
	    o->interval_ms < 100)
		die(EXIT_USAGE,
		    "--interval: expected a duration of at least 100ms, "
		    "got %s",
		    v ? v : "nothing");
	return true;
}

/* An option (global, or of a command) at argv[*i]: true if taken. */
static bool
take_option(struct opts *o, int argc, char **argv, int *i)
{
	const char *a = argv[*i];
	size_t k;

	if (take_interval(o, argc, argv, i))
		return true;
	for (k = 0; k < sizeof(flag_opts) / sizeof(*flag_opts); k++)
		if (is_option(a, flag_opts[k].brief, flag_opts[k].name)) {
			*(bool *)(void *)((char *)o + flag_opts[k].off) = true;
			return true;
		}
	for (k = 0; k < sizeof(value_opts) / sizeof(*value_opts); k++)
		if (is_option(a, value_opts[k].brief, value_opts[k].name)) {
			if (*i + 1 >= argc)
				die(EXIT_USAGE, "%s: expected %s", a,
				    value_opts[k].what);
			*(const char **)(void *)((char *)o +
			                         value_opts[k].off) =
			    argv[++*i];
			return true;
		}
	if (strcmp(a, "--timeout") == 0)
		take_timeout(o, *i + 1 < argc ? argv[++*i] : NULL);
	else if (strncmp(a, "--timeout=", 10) == 0)
		take_timeout(o, a + 10);
	else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
		usage(stdout);
		exit(0);
	} else if (strcmp(a, "--version") == 0)
		o->cmd = "version";
	else
		return false;
	return true;
}

/* upgrade PATH: tend resolves nothing against tendctl's directory, so
 * a relative PATH is made absolute here (its last part unresolved: a
 * symlink stays one, for tend to refuse). */
static char *
absolute(char *path)
{
	static char buf[PATH_MAX];
	char cwd[PATH_MAX];

	if (path == NULL || path[0] == '/' ||
	    getcwd(cwd, sizeof(cwd)) == NULL ||
	    (size_t)snprintf(buf, sizeof(buf), "%s/%s", cwd, path) >=
	        sizeof(buf))
		return path;
	return buf;
}

static void
parse_args(int argc, char **argv, struct opts *o)
{
	int i;
	bool options = true;

	o->timeout_ms = DEFAULT_TIMEOUT_MS;
	o->interval_ms = DEFAULT_INTERVAL_MS;
	o->args = calloc((size_t)argc, sizeof(*o->args));
	if (o->args == NULL)
		die(EXIT_NOT_AS_ASKED, "out of memory");
	for (i = 1; i < argc; i++) {
		if (options && strcmp(argv[i], "--") == 0) {
			options = false;
			continue;
		}
		if (options && argv[i][0] == '-' && argv[i][1] != '\0' &&
		    take_option(o, argc, argv, &i))
			continue;
		if (options && argv[i][0] == '-' && argv[i][1] != '\0' &&
		    !(o->cmd != NULL && strcmp(o->cmd, "signal") == 0 &&
		        o->nargs == 0))
			die(EXIT_USAGE, "unknown option %s (see tendctl help)",
			    argv[i]);
		if (o->cmd == NULL)
			o->cmd = argv[i];
		else if (strcmp(o->cmd, "signal") == 0 && o->nargs == 0 &&
		         argv[i][0] == '-')
			o->args[o->nargs++] = argv[i] + 1; /* kill(1)'s -HUP */
		else
			o->args[o->nargs++] = argv[i];
	}
	if (o->cmd == NULL) {
		usage(stderr);
		exit(EXIT_USAGE);
	}
	if (strcmp(o->cmd, "upgrade") == 0 && o->nargs == 1)
		o->args[0] = absolute(o->args[0]);
}

/* ---------------------------------------------------------- connecting */

/* SPEC 11: the fallback directory must be ours and private. */
static int
check_fallback_dir(const char *path, char *err, size_t errlen)
{
	char dir[256];
	struct stat st;
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash != NULL)
		*slash = '\0';
	if (lstat(dir, &st) == -1) {
		snprintf(err, errlen, "cannot reach tend: %s: %s", dir,
		    strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 077) != 0) {
		snprintf(err, errlen,
		    "refusing %s: not a private directory "
		    "of uid %u",
		    dir, (unsigned)geteuid());
		return -1;
	}
	return 0;
}

/* -c FILE: its [tend] socket, into buf; NULL if it names none. */
static const char *
config_socket(const char *file, char *buf, size_t size)
{
	struct config cfg;
	struct diags d;
	const char *path = NULL;

	memset(&cfg, 0, sizeof(cfg));
	memset(&d, 0, sizeof(d));
	if (config_load(file, &cfg, &d) == -1 || d.n > 0) {
		if (d.n > 0 && d.v[0].line > 0)
			fprintf(stderr, "tendctl: %s:%d: %s\n", d.v[0].file,
			    d.v[0].line, d.v[0].msg);
		else if (d.n > 0)
			fprintf(stderr, "tendctl: %s: %s\n", d.v[0].file,
			    d.v[0].msg);
		die(EXIT_USAGE, "-c %s: cannot read the socket from it", file);
	}
	if (cfg.tend.socket != NULL) {
		snprintf(buf, size, "%s", cfg.tend.socket);
		path = buf;
	}
	diags_free(&d);
	config_free(&cfg);
	return path;
}

/* Connect, or return -1 with a message in err. */
static int
try_connect(struct conn *c, const struct opts *o, char *err, size_t errlen)
{
	char buf[4096];
	struct sockaddr_un sa;
	struct ucred cr;
	socklen_t len = sizeof(cr);
	const char *path = o->socket;
	bool fallback = false;

	if (path == NULL && o->config != NULL)
		path = config_socket(o->config, buf, sizeof(buf));
	if (path == NULL)
		path = proto_socket_path(buf, sizeof(buf),
		    getenv("TEND_SOCKET"), getenv("XDG_RUNTIME_DIR"),
		    (unsigned)geteuid(), &fallback);
	if (path == NULL || strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "socket path too long");
		return -1;
	}
	if (fallback && check_fallback_dir(path, err, errlen) == -1)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd == -1) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
		snprintf(err, errlen,
		    "cannot reach tend at %s: %s (another socket: -s SOCKET, "
		    "-c its tend.conf, or $TEND_SOCKET)",
		    path,
		    errno == EACCES ? "permission denied" : strerror(errno));
		close(c->fd);
		return -1;
	}
	/* SPEC 11: talk only to a tend of root's or our own */
	if (getsockopt(c->fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) == -1 ||
	    (cr.uid != 0 && cr.uid != geteuid())) {
		snprintf(err, errlen,
		    "refusing %s: its server is not root's "
		    "or ours",
		    path);
		close(c->fd);
		return -1;
	}
	buf_init(&c->in);
	return 0;
}

/* Send b; false if tend closed the connection first (it may have said
 * why: the caller reads its reply). */
static bool
send_all(struct conn *c, const struct buf *b)
{
	size_t off = 0;
	ssize_t n;

	while (off < b->len) {
		n = send(c->fd, b->p + off, b->len - off, MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EPIPE || errno == ECONNRESET))
			return false;
		if (n == -1)
			die(EXIT_UNREACHABLE, "sending to tend: %s",
			    strerror(errno));
		off += (size_t)n;
	}
	return true;
}

/* Wait until the socket is readable or the deadline passes. */
static void
wait_readable(struct conn *c)
{
	struct pollfd p = {c->fd, POLLIN, 0};
	int64_t left;

	if (c->deadline_ms < 0)
		return;
	for (;;) {
		left = c->deadline_ms - now_ms();
		if (left <= 0)
			die(EXIT_NOT_AS_ASKED, "timed out waiting for tend");
		if (poll(&p, 1, (int)(left > 1000000 ? 1000000 : left)) > 0 ||
		    interrupted)
			return;
	}
}

/* Read more into c->in; false at end of file. */
static bool
fill(struct conn *c)
{
	ssize_t n;

	/* keep the unread part only: each byte moves once per read */
	buf_consume(&c->in, c->off);
	c->off = 0;
	if (c->in.len > PROTO_MAX_LINE)
		die(EXIT_NOT_AS_ASKED, "a reply line is too long");
	if (!buf_reserve(&c->in, 65536))
		die(EXIT_NOT_AS_ASKED, "out of memory");
	for (;;) {
		wait_readable(c);
		if (interrupted)
			exit(0);
		n = recv(c->fd, c->in.p + c->in.len, 65536, 0);
		if (n >= 0)
			break;
		if (errno != EINTR && errno != EAGAIN)
			return false;
	}
	c->in.len += (size_t)n;
	return n > 0;
}

/* The next line (without its newline) into *line, or false at EOF. The
 * line is valid until the next call. */
static bool
read_line(struct conn *c, char **line, size_t *len)
{
	char *nl;

	for (;;) {
		nl = c->in.len > c->off
		         ? memchr(c->in.p + c->off, '\n', c->in.len - c->off)
		         : NULL;
		if (nl != NULL)
			break;
		if (!fill(c))
			return false;
	}
	*nl = '\0';
	*line = c->in.p + c->off;
	*len = (size_t)(nl - *line);
	c->off += *len + 1;
	return true;
}

/* ------------------------------------------------------------ requests */

/* Send the request; read the header; on ERR, say it and exit. */
static void
request(struct conn *c, const struct opts *o, const char *verb,
    const char *const *extra, size_t nextra)
{
	struct buf b;
	char *line, *msg;
	size_t len;
	bool sent;
	int code;

	buf_init(&b);
	proto_encode_request(&b, verb, extra, nextra, o->args, o->nargs);
	if (b.failed)
		die(EXIT_NOT_AS_ASKED, "out of memory");
	if (b.len > PROTO_MAX_REQUEST)
		die(EXIT_USAGE, "request too long (at most %d bytes)",
		    PROTO_MAX_REQUEST);
	sent = send_all(c, &b);
	buf_free(&b);
	if (!read_line(c, &line, &len))
		die(EXIT_UNREACHABLE, "tend closed the connection%s",
		    sent ? "" : " before reading the request");
	switch (proto_decode_header(line, len, &code, &msg)) {
	case 0:
		return;
	case 1:
		fprintf(stderr, "tendctl: %s\n", msg);
		free(msg);
		exit(code);
	default:
		die(EXIT_NOT_AS_ASKED, "not a tend reply: %.80s", line);
	}
}

struct records {
	struct record *v;
	size_t n, cap;
};

/* Read records up to the end line. */
static void
read_records(struct conn *c, struct records *rs)
{
	char *line;
	size_t len;
	const char *err;

	memset(rs, 0, sizeof(*rs));
	while (read_line(c, &line, &len)) {
		if (proto_is_end(line, len))
			return;
		if (rs->n == rs->cap) {
			size_t cap = rs->cap ? rs->cap * 2 : 64;
			struct record *v = realloc(rs->v, cap * sizeof(*v));

			if (v == NULL)
				die(EXIT_NOT_AS_ASKED, "out of memory");
			rs->v = v;
			rs->cap = cap;
		}
		if (proto_decode_record(line, len, &rs->v[rs->n], &err) == -1)
			die(EXIT_NOT_AS_ASKED, "bad record from tend: %s", err);
		rs->n++;
	}
	die(EXIT_NOT_AS_ASKED, "tend closed the connection mid-reply");
}

static void
free_records(struct records *rs)
{
	size_t i;

	for (i = 0; i < rs->n; i++)
		record_free(&rs->v[i]);
	free(rs->v);
}

static void
on_interrupt(int sig)
{
	(void)sig;
	interrupted = 1;
}

static int
run_events(struct conn *c, const struct opts *o, const struct render_opts *ro)
{
	char nopt[64];
	const char *extra[1];
	size_t nextra = 0;
	struct sigaction sa;
	struct record r;
	const char *err;
	char *line;
	size_t len;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_interrupt; /* no SA_RESTART: reads return */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	c->deadline_ms = -1;
	if (o->lines != NULL) {
		snprintf(nopt, sizeof(nopt), "n=%s", o->lines);
		extra[nextra++] = nopt;
	}
	request(c, o, "events", extra, nextra);
	while (read_line(c, &line, &len)) {
		if (proto_is_end(line, len)) /* tend ended it: it is exiting */
			die(EXIT_UNREACHABLE, "tend is shutting down: no more "
			                      "events");
		if (proto_decode_record(line, len, &r, &err) == -1)
			die(EXIT_NOT_AS_ASKED, "bad record from tend: %s", err);
		render_event(stdout, &r, ro);
		record_free(&r);
	}
	if (interrupted)
		return 0;
	die(EXIT_UNREACHABLE, "tend closed the connection");
}

/* logs NAME [-n N] [-f]: the ring's lines, then (-f) live ones. */
static int
run_logs(struct conn *c, const struct opts *o, const struct render_opts *ro)
{
	char nopt[64];
	const char *extra[2];
	size_t nextra = 0;
	struct sigaction sa;
	struct render_logs l;
	struct record r;
	const char *err;
	bool ended = false;
	char *line;
	size_t len;

	if (o->nargs != 1)
		die(EXIT_USAGE, "usage: logs NAME [-n N] [-f]");
	if (o->lines != NULL) {
		snprintf(nopt, sizeof(nopt), "n=%s", o->lines);
		extra[nextra++] = nopt;
	}
	if (o->follow) {
		extra[nextra++] = "follow=1";
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_interrupt;
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		setvbuf(stdout, NULL, _IOLBF, 0);
		c->deadline_ms = -1;
	}
	request(c, o, "logs", extra, nextra);
	render_logs_begin(stdout, &l, o->args[0], o->follow, ro);
	while (read_line(c, &line, &len)) {
		if (proto_is_end(line, len)) {
			ended = true;
			break;
		}
		if (proto_decode_record(line, len, &r, &err) == -1)
			die(EXIT_NOT_AS_ASKED, "bad record from tend: %s", err);
		render_logs_line(stdout, &l, &r, ro);
		record_free(&r);
	}
	render_logs_end(stdout, &l, ro);
	if (o->follow && !interrupted && !ended)
		die(EXIT_UNREACHABLE, "tend closed the connection");
	return 0;
}

/* ----------------------------------------------------------------- top */

struct reading {
	struct records rs;
	int64_t at_us; /* when it was asked for, CLOCK_MONOTONIC */
};

static int64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* One reading of top: a connection, a request, its records. */
static void
read_top(const struct opts *o, struct reading *r)
{
	struct conn c = {.fd = -1};
	char err[512];

	if (try_connect(&c, o, err, sizeof(err)) == -1)
		die(EXIT_UNREACHABLE, "%s", err);
	c.deadline_ms = now_ms() + o->timeout_ms + GRACE_MS;
	r->at_us = now_us();
	request(&c, o, "top", NULL, 0);
	read_records(&c, &r->rs);
	buf_free(&c.in);
	close(c.fd);
}

static struct termios tty_saved;
static bool tty_raw;

static void
tty_restore(void)
{
	if (tty_raw)
		(void)tcsetattr(STDIN_FILENO, TCSANOW, &tty_saved);
	tty_raw = false;
}

/* Keys without Enter, not echoed, for a live top. */
static void
tty_keys(void)
{
	struct termios t;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &tty_saved) == -1)
		return;
	t = tty_saved;
	t.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
	t.c_cc[VMIN] = 0;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0) {
		tty_raw = true;
		atexit(tty_restore);
	}
}

/* Wait until the interval has passed since start_us, or a key: q quits
 * (false), c and m change the sort (and end the wait). */
static bool
wait_interval(const struct opts *o, int64_t start_us, enum top_sort *by)
{
	struct pollfd p = {STDIN_FILENO, POLLIN, 0};
	int64_t left;
	char ch;

	while (
	    !interrupted &&
	    (left = (start_us + o->interval_ms * 1000 - now_us()) / 1000) > 0) {
		if (poll(&p, tty_raw ? 1 : 0, (int)left) <= 0 ||
		    read(STDIN_FILENO, &ch, 1) != 1)
			continue;
		if (ch == 'q' || ch == 'Q')
			return false;
		if (ch == 'c' || ch == 'C' || ch == 'm' || ch == 'M') {
			*by = ch == 'c' || ch == 'C' ? TOP_BY_CPU : TOP_BY_MEM;
			return true;
		}
	}
	return !interrupted;
}

/*
 * top: two readings an interval apart give CPU%. On a tty (and without
 * --json) it redraws each interval until q, Ctrl-C or -n N iterations;
 * otherwise it prints one snapshot (or -n N of them).
 */
static int
run_top(const struct opts *o, const struct render_opts *ro)
{
	bool live = !ro->json && isatty(STDOUT_FILENO);
	enum top_sort by = TOP_BY_CPU;
	struct reading a, b;
	struct top_row *rows;
	const struct record *host;
	uint64_t left = live ? UINT64_MAX : 1;
	size_t n, i;

	if (o->lines != NULL &&
	    (units_parse_uint(o->lines, UINT32_MAX, &left) == -1 || left == 0))
		die(EXIT_USAGE, "-n: expected a number of iterations, got %s",
		    o->lines);
	if (live) {
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_interrupt;
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		tty_keys();
	}
	read_top(o, &a);
	while (left-- > 0 && wait_interval(o, a.at_us, &by)) {
		read_top(o, &b);
		rows = calloc(b.rs.n ? b.rs.n : 1, sizeof(*rows));
		if (rows == NULL)
			die(EXIT_NOT_AS_ASKED, "out of memory");
		n = render_top_rows(a.rs.v, a.rs.n, b.rs.v, b.rs.n,
		    b.at_us - a.at_us, by, rows);
		for (host = NULL, i = 0; i < b.rs.n; i++)
			if (strcmp(b.rs.v[i].type, "host") == 0)
				host = &b.rs.v[i];
		if (live)
			fputs("\033[H\033[2J", stdout);
		render_top(stdout, rows, n, live || ro->json ? host : NULL,
		    o->interval_ms, by, ro);
		if (live)
			fputs("\n(c: sort by CPU, m: by memory, q: quit)\n",
			    stdout);
		fflush(stdout);
		free(rows);
		free_records(&a.rs);
		a = b;
	}
	free_records(&a.rs);
	tty_restore();
	return 0;
}

static bool
is_waiting(const char *cmd)
{
	return strcmp(cmd, "start") == 0 || strcmp(cmd, "stop") == 0 ||
	       strcmp(cmd, "restart") == 0;
}

static const char *const commands[] = {"status", "tree", "start", "stop",
    "restart", "signal", "kill", "pid", "events", "health", "logs", "reload",
    "upgrade", "top", "inspect", "shutdown", "version", "help"};

static bool
is_command(const char *cmd)
{
	size_t i;

	for (i = 0; i < sizeof(commands) / sizeof(*commands); i++)
		if (strcmp(commands[i], cmd) == 0)
			return true;
	return false;
}

/* tendctl's version, then tend's if it answers; exit 0 either way. */
static int
run_version(struct conn *c, const struct opts *o, const struct render_opts *ro)
{
	static struct records rs;
	char err[512];

	if (try_connect(c, o, err, sizeof(err)) == 0) {
		c->deadline_ms = now_ms() + o->timeout_ms;
		request(c, o, "version", NULL, 0);
		read_records(c, &rs);
		snprintf(err, sizeof(err), "no version in its reply");
	}
	render_version(
	    stdout, TEND_VERSION, rs.n == 1 ? &rs.v[0] : NULL, err, ro);
	free_records(&rs);
	return 0;
}

/* An option of one command given to another is a usage error. */
static void
check_command_options(const struct opts *o)
{
	if (o->with_dependents && strcmp(o->cmd, "stop") != 0 &&
	    strcmp(o->cmd, "restart") != 0)
		die(EXIT_USAGE,
		    "--with-dependents: only with stop and restart");
	if (o->all && strcmp(o->cmd, "status") != 0)
		die(EXIT_USAGE, "--all: only with status");
}

/* The options a plain command sends: a waiting command's timeout (in
 * topt, size bytes), wait=0 and dependents=1, health's alive=1, status's
 * all=1. Returns how many. */
static size_t
plain_extras(
    const struct opts *o, char *topt, size_t size, const char *extra[3])
{
	size_t n = 0;

	if (is_waiting(o->cmd)) {
		snprintf(
		    topt, size, "timeout=%lldms", (long long)o->timeout_ms);
		extra[n++] = topt;
		if (o->no_wait)
			extra[n++] = "wait=0";
		if (o->with_dependents)
			extra[n++] = "dependents=1";
	}
	if (strcmp(o->cmd, "health") == 0 && o->alive)
		extra[n++] = "alive=1";
	if (strcmp(o->cmd, "status") == 0 && o->json)
		extra[n++] = "figures=1";
	if (strcmp(o->cmd, "status") == 0 && o->all)
		extra[n++] = "all=1";
	if (strcmp(o->cmd, "reload") == 0 && o->dry_run)
		extra[n++] = "dry=1";
	return n;
}

int
main(int argc, char **argv)
{
	static struct opts o; /* static: reachable on every exit path */
	struct render_opts ro = {0};
	static struct conn c = {.fd = -1, .deadline_ms = -1};
	static struct records rs;
	char topt[64], err[512];
	const char *extra[3];
	size_t nextra;
	int status;

	parse_args(argc, argv, &o);
	ro.json = o.json;
	ro.timestamps = o.timestamps;
	ro.all = o.all;
	ro.color =
	    !o.json && isatty(STDOUT_FILENO) && getenv("NO_COLOR") == NULL;
	if (strcmp(o.cmd, "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (!is_command(o.cmd))
		die(EXIT_USAGE, "unknown command %s (see tendctl help)", o.cmd);
	check_command_options(&o);
	if (strcmp(o.cmd, "version") == 0)
		return run_version(&c, &o, &ro);
	if (try_connect(&c, &o, err, sizeof(err)) == -1)
		die(EXIT_UNREACHABLE, "%s", err);
	if (strcmp(o.cmd, "events") == 0)
		return run_events(&c, &o, &ro);
	c.deadline_ms = now_ms() + o.timeout_ms + GRACE_MS;
	if (strcmp(o.cmd, "logs") == 0)
		return run_logs(&c, &o, &ro);
	if (strcmp(o.cmd, "top") == 0) {
		close(c.fd);
		return run_top(&o, &ro);
	}
	nextra = plain_extras(&o, topt, sizeof(topt), extra);
	request(&c, &o, o.cmd, extra, nextra);
	read_records(&c, &rs);
	status = render_reply(stdout, o.cmd, rs.v, rs.n, &ro)
	             ? 0
	             : EXIT_NOT_AS_ASKED;
	free_records(&rs);
	buf_free(&c.in);
	free(o.args);
	close(c.fd);
	if (fflush(stdout) == EOF)
		return EXIT_NOT_AS_ASKED;
	return status;
}
