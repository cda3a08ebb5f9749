/*
 * demo/service.c: the live demo's service (SPEC 12), demo-service.
 *
 * A tiny HTTP/1.1 server, one request a connection (the answer carries
 * "Connection: close"), one connection at a time: a worker. Several
 * worker programs accept on one socket that tend holds for them
 * (`listen`, SPEC 7), passed as fds 3, 4, ... with LISTEN_FDS,
 * LISTEN_PID and LISTEN_FDNAMES (the systemd convention, read here by
 * hand); without them, --listen HOST:PORT binds a port itself. It says
 * READY=1 and STATUS= to $NOTIFY_SOCKET (sd_notify's datagram, by hand;
 * "@" is the abstract namespace) once it serves.
 *
 *   GET /NAME   answers "NAME VERSION PID\n" (the load client checks NAME)
 *   GET /crash  answers, then aborts: an unhandled crash
 *   GET /spin   answers, then burns a CPU without serving (a hog)
 *   GET /fork   answers, then forks a child that leaves the process
 *               group (setsid) and burns a CPU forever (a runaway loop)
 *
 * With --fixed (the version deployed as the fix) the last three only
 * answer. On TERM or INT it stops accepting, finishes the request in
 * hand and exits 0: with a held socket, the connections it did not
 * accept wait for the other workers (a clean handover). It must not
 * serve more than one connection at a time or keep connections open
 * between requests: a worker that dies then loses at most the request
 * it was answering.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_LISTEN 16
#define REQUEST_MAX 4096
#define CLIENT_TIMEOUT_S 2
#define SD_LISTEN_FDS_START 3

struct opts {
	const char *listen;  /* --listen HOST:PORT, or NULL: LISTEN_FDS */
	const char *version; /* --version, in every answer */
	bool fixed;          /* --fixed: /crash, /spin, /fork only answer */
	long warmup_ms;      /* --warmup: before it serves and says READY=1 */
	long crash_after;    /* --crash-after N: abort on request N (0: no) */
	long wrong_after;    /* --wrong-after N: answers from N on are wrong */
};

struct server {
	struct pollfd fds[MAX_LISTEN];
	size_t nfds;
	unsigned long served; /* requests read so far */
	bool spinning;        /* a /spin came: burn until stopped */
	sigset_t unblocked;   /* the mask to wait with (TERM, INT open) */
};

static volatile sig_atomic_t stopping;

static void
on_stop(int sig)
{
	(void)sig;
	stopping = 1;
}

static void
say(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	fprintf(stderr, "demo-service[%ld]: %s\n", (long)getpid(), line);
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: demo-service [--listen HOST:PORT] [--version TEXT] "
	    "[--fixed] [--warmup MS]\n"
	    "                    [--crash-after N] [--wrong-after N]\n"
	    "Serves on the sockets of LISTEN_FDS, else on --listen's.\n");
	exit(2);
}

static long
number(const char *opt, const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 0) {
		fprintf(stderr, "demo-service: %s: not a number: %s\n", opt, s);
		exit(2);
	}
	return v;
}

static void
parse_opts(int argc, char **argv, struct opts *o)
{
	int i;

	*o = (struct opts){.version = "1"};
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--fixed") == 0) {
			o->fixed = true;
			continue;
		}
		if (v == NULL)
			usage();
		i++;
		if (strcmp(a, "--listen") == 0)
			o->listen = v;
		else if (strcmp(a, "--version") == 0)
			o->version = v;
		else if (strcmp(a, "--warmup") == 0)
			o->warmup_ms = number(a, v);
		else if (strcmp(a, "--crash-after") == 0)
			o->crash_after = number(a, v);
		else if (strcmp(a, "--wrong-after") == 0)
			o->wrong_after = number(a, v);
		else
			usage();
	}
}

/* sd_notify(3)'s datagram, by hand: 0 (also without NOTIFY_SOCKET) or
 * -1 and errno. */
static int
notify(const char *msg)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t len;
	ssize_t n;
	int fd;

	if (path == NULL || *path == '\0')
		return 0;
	len = strlen(path);
	if (len >= sizeof(sa.sun_path) || (path[0] != '/' && path[0] != '@')) {
		errno = EINVAL;
		return -1;
	}
	memcpy(sa.sun_path, path, len);
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0';
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	n = sendto(fd, msg, strlen(msg), MSG_NOSIGNAL,
	    (const struct sockaddr *)&sa,
	    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len));
	close(fd);
	return n == -1 ? -1 : 0;
}

static void
describe(int fd, const char *name)
{
	struct sockaddr_storage ss = {.ss_family = AF_UNSPEC};
	socklen_t len = sizeof(ss);
	char host[INET6_ADDRSTRLEN] = "?";
	int port = 0;

	if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1)
		return;
	if (ss.ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)&ss;

		inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		port = ntohs(in->sin_port);
	} else if (ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 =
		    (const struct sockaddr_in6 *)&ss;

		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		port = ntohs(in6->sin6_port);
	} else if (ss.ss_family == AF_UNIX) {
		const struct sockaddr_un *un = (const struct sockaddr_un *)&ss;

		say("serving on fd %d (%s): unix:%.*s", fd, name,
		    (int)(len - offsetof(struct sockaddr_un, sun_path)),
		    un->sun_path);
		return;
	}
	say("serving on fd %d (%s): %s:%d", fd, name, host, port);
	if (strcmp(name, "--listen") == 0) {
		/* the test reads the port it was given from this line */
		printf("listening on %s:%d\n", host, port);
		fflush(stdout);
	}
}

/* The name of LISTEN_FDNAMES' i-th entry (colon-separated) in buf. */
static const char *
fd_name(const char *names, size_t i, char *buf, size_t size)
{
	const char *p = names;
	size_t len;

	while (p != NULL && i > 0) {
		p = strchr(p, ':');
		p = p != NULL ? p + 1 : NULL;
		i--;
	}
	if (p == NULL)
		return "unnamed";
	len = strcspn(p, ":");
	if (len >= size)
		len = size - 1;
	memcpy(buf, p, len);
	buf[len] = '\0';
	return len > 0 ? buf : "unnamed";
}

/* The sockets passed through LISTEN_FDS, if they are for this process:
 * their count, 0 without, -1 on a bad value. */
static int
take_listen_fds(struct server *s)
{
	const char *fds = getenv("LISTEN_FDS");
	const char *pid = getenv("LISTEN_PID");
	const char *names = getenv("LISTEN_FDNAMES");
	char buf[256];
	long n;
	long i;

	if (fds == NULL)
		return 0;
	if (pid != NULL && strtol(pid, NULL, 10) != (long)getpid()) {
		say("LISTEN_PID=%s is not this process: its sockets are "
		    "not for it",
		    pid);
		return 0;
	}
	n = strtol(fds, NULL, 10);
	if (n <= 0 || n > MAX_LISTEN) {
		say("LISTEN_FDS=%s: expected 1 to %d", fds, MAX_LISTEN);
		return -1;
	}
	for (i = 0; i < n; i++) {
		int fd = SD_LISTEN_FDS_START + (int)i;
		int fl = fcntl(fd, F_GETFL);

		/* non-blocking: another worker may take the connection
		 * that poll() announced */
		if (fl == -1 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1 ||
		    fcntl(fd, F_SETFD, FD_CLOEXEC) == -1) {
			say("LISTEN_FDS: fd %d: %s", fd, strerror(errno));
			return -1;
		}
		s->fds[s->nfds++] = (struct pollfd){.fd = fd, .events = POLLIN};
		describe(fd, fd_name(names, (size_t)i, buf, sizeof(buf)));
	}
	/* not for the children it forks */
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDNAMES");
	return (int)n;
}

/* --listen HOST:PORT: a socket of its own (SO_REUSEPORT, so several
 * workers can each bind one, as under a supervisor that holds none). */
static int
bind_port(struct server *s, const char *hostport)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	const char *colon = strrchr(hostport, ':');
	char host[64];
	int one = 1;
	int fd;

	if (colon == NULL || (size_t)(colon - hostport) >= sizeof(host)) {
		say("--listen %s: expected HOST:PORT", hostport);
		return -1;
	}
	memcpy(host, hostport, (size_t)(colon - hostport));
	host[colon - hostport] = '\0';
	sa.sin_port = htons((uint16_t)number("--listen", colon + 1));
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
		say("--listen %s: not an IPv4 address: %s", hostport, host);
		return -1;
	}
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) == -1 ||
	    bind(fd, (const struct sockaddr *)&sa, sizeof(sa)) == -1 ||
	    listen(fd, SOMAXCONN) == -1) {
		say("--listen %s: %s", hostport, strerror(errno));
		close(fd);
		return -1;
	}
	s->fds[s->nfds++] = (struct pollfd){.fd = fd, .events = POLLIN};
	describe(fd, "--listen");
	return 0;
}

static void
burn(void)
{
	volatile unsigned long x = 0;
	unsigned long i;

	for (i = 0; i < 1000000; i++)
		x = x + i;
}

/* The runaway: a child that leaves the process group and burns a CPU
 * until it is killed. Returns its pid in the parent, -1 on failure. */
static pid_t
fork_runaway(const struct server *s)
{
	pid_t pid = fork();
	size_t i;

	if (pid != 0)
		return pid;
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	sigprocmask(SIG_SETMASK, &s->unblocked, NULL);
	for (i = 0; i < s->nfds; i++)
		close(s->fds[i].fd);
	setsid();
	for (;;)
		burn();
}

static int
send_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static void
answer(int fd, int status, const char *body)
{
	char head[160];
	int n;

	n = snprintf(head, sizeof(head),
	    "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\n"
	    "Content-Length: %zu\r\nConnection: close\r\n\r\n",
	    status, status == 200 ? "OK" : "Bad Request", strlen(body));
	if (n < 0 || (size_t)n >= sizeof(head))
		return;
	if (send_all(fd, head, (size_t)n) == 0)
		send_all(fd, body, strlen(body));
}

/* Read a request's head into buf: its length, or -1 (timed out,
 * closed, too long). */
static ssize_t
read_request(int fd, char *buf, size_t size)
{
	size_t got = 0;

	while (got + 1 < size) {
		ssize_t n = recv(fd, buf + got, size - 1 - got, 0);

		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		got += (size_t)n;
		buf[got] = '\0';
		if (strstr(buf, "\r\n\r\n") != NULL ||
		    strstr(buf, "\n\n") != NULL)
			return (ssize_t)got;
	}
	return -1;
}

/* A special path of version 1, done after its answer went out. */
enum after { AFTER_NOTHING, AFTER_CRASH, AFTER_SPIN };

static enum after
respond(struct server *s, const struct opts *o, int fd, const char *path)
{
	char body[256];
	pid_t me = getpid();
	bool bug = strcmp(path, "crash") == 0 || strcmp(path, "spin") == 0 ||
	           strcmp(path, "fork") == 0;

	if (bug && o->fixed) {
		snprintf(body, sizeof(body), "fixed: no %s in version %s\n",
		    path, o->version);
		answer(fd, 200, body);
		return AFTER_NOTHING;
	}
	if (strcmp(path, "fork") == 0) {
		pid_t child = fork_runaway(s);

		snprintf(body, sizeof(body),
		    "forked: pid %ld runaway pid %ld\n", (long)me, (long)child);
		say("forked a runaway child, pid %ld", (long)child);
		answer(fd, 200, body);
		return AFTER_NOTHING;
	}
	if (bug) {
		snprintf(body, sizeof(body), "%s: pid %ld\n",
		    strcmp(path, "crash") == 0 ? "crashing" : "spinning",
		    (long)me);
		answer(fd, 200, body);
		return strcmp(path, "crash") == 0 ? AFTER_CRASH : AFTER_SPIN;
	}
	if (o->wrong_after > 0 && s->served >= (unsigned long)o->wrong_after)
		path = "wrong";
	snprintf(body, sizeof(body), "%s %s %ld\n", *path ? path : "hello",
	    o->version, (long)me);
	answer(fd, 200, body);
	return AFTER_NOTHING;
}

/* Read one request from fd and answer it. */
static enum after
serve(struct server *s, const struct opts *o, int fd)
{
	char req[REQUEST_MAX];
	char path[128];
	struct timeval tv = {.tv_sec = CLIENT_TIMEOUT_S};

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (read_request(fd, req, sizeof(req)) == -1)
		return AFTER_NOTHING;
	s->served++;
	if (o->crash_after > 0 && s->served >= (unsigned long)o->crash_after) {
		say("request %lu: crashing (--crash-after)", s->served);
		abort();
	}
	if (sscanf(req, "GET /%127[^ ?\r\n] HTTP/1.", path) != 1) {
		if (strncmp(req, "GET / ", 6) != 0) {
			answer(fd, 400, "bad request\n");
			return AFTER_NOTHING;
		}
		path[0] = '\0';
	}
	return respond(s, o, fd, path);
}

static void
accept_one(struct server *s, const struct opts *o, int lfd)
{
	enum after next;
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

	if (fd == -1) {
		if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
			say("accept: %s", strerror(errno));
		return;
	}
	next = serve(s, o, fd);
	close(fd);
	if (next == AFTER_CRASH) {
		say("crashing, as asked");
		abort();
	}
	if (next == AFTER_SPIN) {
		say("spinning, as asked: serving nothing more");
		s->spinning = true;
	}
}

/* Burn a CPU until TERM or INT, with them open (it serves nothing). */
static void
spin(const struct server *s)
{
	sigset_t old;

	sigprocmask(SIG_SETMASK, &s->unblocked, &old);
	while (!stopping)
		burn();
	sigprocmask(SIG_SETMASK, &old, NULL);
}

static void
run(struct server *s, const struct opts *o)
{
	while (!stopping) {
		size_t i;
		int n;

		if (s->spinning) {
			spin(s);
			continue;
		}
		n = ppoll(s->fds, s->nfds, NULL, &s->unblocked);
		if (n == -1) {
			if (errno != EINTR) {
				say("poll: %s", strerror(errno));
				return;
			}
			continue;
		}
		for (i = 0; i < s->nfds && !stopping; i++)
			if (s->fds[i].revents & POLLIN)
				accept_one(s, o, s->fds[i].fd);
	}
}

/* Wait ms milliseconds, or less if TERM or INT comes. */
static void
warm_up(const struct server *s, long ms)
{
	struct timespec ts = {
	    .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};

	if (ms > 0)
		ppoll(NULL, 0, &ts, &s->unblocked);
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct server s = {.nfds = 0};
	struct sigaction sa = {.sa_handler = on_stop};
	sigset_t stops;
	char status[192];
	int n;

	parse_opts(argc, argv, &o);
	/* TERM and INT only ever arrive while it waits (ppoll): a request
	 * in hand is finished first */
	sigemptyset(&stops);
	sigaddset(&stops, SIGTERM);
	sigaddset(&stops, SIGINT);
	sigprocmask(SIG_BLOCK, &stops, &s.unblocked);
	sigdelset(&s.unblocked, SIGTERM);
	sigdelset(&s.unblocked, SIGINT);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	n = take_listen_fds(&s);
	if (n == -1)
		return 1;
	warm_up(&s, o.warmup_ms);
	if (n == 0 && o.listen == NULL) {
		say("no socket: LISTEN_FDS is not set and no --listen given");
		return 1;
	}
	if (n == 0 && bind_port(&s, o.listen) == -1)
		return 1;
	snprintf(status, sizeof(status),
	    "READY=1\nSTATUS=serving, version %s%s", o.version,
	    o.fixed ? " (fixed)" : "");
	if (notify(status) == -1)
		say("NOTIFY_SOCKET: %s", strerror(errno));
	say("version %s%s ready", o.version, o.fixed ? " (fixed)" : "");
	run(&s, &o);
	notify("STOPPING=1");
	say("stopped after %lu requests", s.served);
	return 0;
}
