/*
 * demo/load.c: the live demo's load client (SPEC 12), demo-load.
 *
 * Sends HTTP/1.1 requests to one address on loopback at a steady rate,
 * each on a connection of its own, at most --conns at a time, for
 * --duration seconds or --count requests, then waits for the last
 * answers and exits by itself. A request is due at start + n / rate;
 * its latency runs from then (so a stalled service shows as latency,
 * not as fewer requests sent). It ends as served (a 200 answer naming
 * the request) or failed:
 *
 *   refused   the connection could not be made (ECONNREFUSED, or
 *             another error of connect)
 *   reset     the connection broke or closed before a whole answer
 *   timeout   no whole answer within --timeout of being due
 *   wrong     an answer, but not the right one
 *
 * Every second it writes one line of key=value figures for the requests
 * that ended in that second (the last second also takes the few that
 * end after it), and at the end a line of totals:
 *
 *   # demo-load: 127.0.0.1:8080 rate=1000/s ... start_ms=EPOCH_MS
 *   sec=1 sent=1000 served=1000 failed=0 refused=0 reset=0 timeout=0
 *       wrong=0 p50_us=180 p99_us=950   (one line)
 *   total sent=... served=... failed=... (the same keys)
 *
 * TERM or INT: no more requests after the current second; the
 * answers still due are waited for. Exit status 0 if no request
 * failed, 1 if one did, 2 on a usage or set-up error.
 *
 * --get PATH sends one request and prints the answer's body (exit 0 on
 * a 200 answer, 1 otherwise): how demo/run.sh talks to the service.
 */
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "loadstats.h"

#define RESPONSE_MAX 1024
#define US_PER_S 1000000LL

struct opts {
	struct sockaddr_in addr;
	const char *target;
	long rate;       /* requests a second */
	long duration_s; /* seconds of sending */
	long count;      /* requests in all (0: rate * duration) */
	long conns;      /* requests in flight at most */
	long timeout_ms; /* a request not answered by then has failed */
	const char *out; /* per-second lines, else stdout */
	const char *get; /* --get PATH */
};

enum phase { PH_FREE, PH_CONNECTING, PH_SENDING, PH_READING };

struct req {
	enum phase phase;
	int fd;
	uint64_t seq;
	int64_t due_us; /* when it was due (latency and timeout from it) */
	size_t sent;    /* bytes of the request sent */
	size_t reqlen;
	size_t got; /* bytes of the answer read */
	char reqbuf[128];
	char buf[RESPONSE_MAX];
};

struct load {
	struct opts o;
	int ep;
	struct req *reqs;
	long active;
	uint64_t next_seq;  /* requests begun */
	uint64_t total;     /* requests to send */
	int64_t start_us;   /* CLOCK_MONOTONIC */
	int64_t stop_us;    /* no request is due from then on */
	struct stats stats; /* per second */
	long printed;       /* seconds written out */
	FILE *out;
};

static volatile sig_atomic_t stop_asked;

static void
on_stop(int sig)
{
	(void)sig;
	stop_asked = 1;
}

static int64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * US_PER_S + ts.tv_nsec / 1000;
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: demo-load [--rate N] [--duration S] [--count N] "
	    "[--conns N]\n"
	    "                 [--timeout MS] [--out FILE] HOST:PORT\n"
	    "       demo-load --get PATH HOST:PORT\n");
	exit(2);
}

static long
number(const char *opt, const char *s, long min)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min) {
		fprintf(stderr, "demo-load: %s: expected a number >= %ld: %s\n",
		    opt, min, s);
		exit(2);
	}
	return v;
}

static void
parse_target(struct opts *o, const char *hostport)
{
	const char *colon = strrchr(hostport, ':');
	char host[64];

	if (colon == NULL || (size_t)(colon - hostport) >= sizeof(host))
		usage();
	memcpy(host, hostport, (size_t)(colon - hostport));
	host[colon - hostport] = '\0';
	o->addr.sin_family = AF_INET;
	o->addr.sin_port = htons((uint16_t)number("HOST:PORT", colon + 1, 1));
	if (inet_pton(AF_INET, host, &o->addr.sin_addr) != 1) {
		fprintf(stderr, "demo-load: not an IPv4 address: %s\n", host);
		exit(2);
	}
	o->target = hostport;
}

static void
parse_opts(int argc, char **argv, struct opts *o)
{
	int i;

	*o = (struct opts){
	    .rate = 1000, .duration_s = 10, .conns = 64, .timeout_ms = 2000};
	for (i = 1; i + 1 < argc; i += 2) {
		const char *a = argv[i];
		const char *v = argv[i + 1];

		if (strcmp(a, "--rate") == 0)
			o->rate = number(a, v, 1);
		else if (strcmp(a, "--duration") == 0)
			o->duration_s = number(a, v, 1);
		else if (strcmp(a, "--count") == 0)
			o->count = number(a, v, 1);
		else if (strcmp(a, "--conns") == 0)
			o->conns = number(a, v, 1);
		else if (strcmp(a, "--timeout") == 0)
			o->timeout_ms = number(a, v, 1);
		else if (strcmp(a, "--out") == 0)
			o->out = v;
		else if (strcmp(a, "--get") == 0)
			o->get = v;
		else
			usage();
	}
	if (i != argc - 1)
		usage();
	parse_target(o, argv[i]);
}

static void
release(struct load *l, struct req *r)
{
	if (r->fd != -1)
		close(r->fd);
	r->fd = -1;
	r->phase = PH_FREE;
	l->active--;
}

static void
finish(struct load *l, struct req *r, enum outcome how)
{
	int64_t now = now_us();

	/* without memory for its latency it is still counted */
	(void)stats_add(
	    &l->stats, (now - l->start_us) / US_PER_S, how, now - r->due_us);
	release(l, r);
}

static void
begin(struct load *l, struct req *r, int64_t due_us)
{
	struct epoll_event ev = {.events = EPOLLOUT, .data.ptr = r};
	int n;

	r->seq = l->next_seq++;
	r->due_us = due_us;
	r->sent = 0;
	r->got = 0;
	n = snprintf(r->reqbuf, sizeof(r->reqbuf),
	    "GET /r%llu HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n",
	    (unsigned long long)r->seq, l->o.target);
	r->reqlen = n > 0 && (size_t)n < sizeof(r->reqbuf) ? (size_t)n : 0;
	l->active++;
	r->phase = PH_CONNECTING;
	r->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (r->fd == -1) {
		finish(l, r, OUT_REFUSED);
		return;
	}
	if (connect(r->fd, (const struct sockaddr *)&l->o.addr,
	        sizeof(l->o.addr)) == -1 &&
	    errno != EINPROGRESS) {
		finish(l, r, outcome_of_errno(errno, true));
		return;
	}
	if (epoll_ctl(l->ep, EPOLL_CTL_ADD, r->fd, &ev) == -1)
		finish(l, r, OUT_REFUSED);
}

static void
on_writable(struct load *l, struct req *r)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = r};
	int err = 0;
	socklen_t len = sizeof(err);

	if (r->phase == PH_CONNECTING) {
		if (getsockopt(r->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
			err = errno;
		if (err != 0) {
			finish(l, r, outcome_of_errno(err, true));
			return;
		}
		r->phase = PH_SENDING;
	}
	while (r->sent < r->reqlen) {
		ssize_t n = send(r->fd, r->reqbuf + r->sent,
		    r->reqlen - r->sent, MSG_NOSIGNAL);

		if (n == -1 && errno == EAGAIN)
			return;
		if (n == -1) {
			finish(l, r, outcome_of_errno(errno, false));
			return;
		}
		r->sent += (size_t)n;
	}
	r->phase = PH_READING;
	if (epoll_ctl(l->ep, EPOLL_CTL_MOD, r->fd, &ev) == -1)
		finish(l, r, OUT_RESET);
}

static void
on_readable(struct load *l, struct req *r)
{
	char name[32];

	snprintf(name, sizeof(name), "r%llu", (unsigned long long)r->seq);
	for (;;) {
		ssize_t n;
		enum answer a;

		if (r->got == sizeof(r->buf)) {
			finish(l, r, OUT_WRONG);
			return;
		}
		n = recv(r->fd, r->buf + r->got, sizeof(r->buf) - r->got, 0);
		if (n == -1 && errno == EAGAIN)
			return;
		if (n > 0)
			r->got += (size_t)n;
		a = answer_check(r->buf, r->got, name);
		if (a != ANSWER_PARTIAL) { /* a whole answer, closed or not */
			finish(
			    l, r, a == ANSWER_RIGHT ? OUT_SERVED : OUT_WRONG);
			return;
		}
		if (n <= 0) { /* closed or broken before a whole answer */
			finish(l, r, OUT_RESET);
			return;
		}
	}
}

static void
on_event(struct load *l, struct req *r, uint32_t events)
{
	if (r->phase == PH_READING &&
	    (events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		on_readable(l, r);
	else if (r->phase != PH_READING &&
	         (events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
		on_writable(l, r);
}

static struct req *
free_req(struct load *l)
{
	long i;

	for (i = 0; i < l->o.conns; i++)
		if (l->reqs[i].phase == PH_FREE)
			return &l->reqs[i];
	return NULL;
}

static int64_t
due_of(const struct load *l, uint64_t seq)
{
	return l->start_us +
	       (int64_t)(seq * (uint64_t)US_PER_S / (uint64_t)l->o.rate);
}

/* Begin every request that is due, while a connection is free. */
static void
send_due(struct load *l, int64_t now)
{
	while (l->next_seq < l->total && l->active < l->o.conns) {
		int64_t due = due_of(l, l->next_seq);
		struct req *r = free_req(l);

		if (due > now || due >= l->stop_us || r == NULL)
			return;
		begin(l, r, due);
	}
}

static int64_t
expire(struct load *l, int64_t now)
{
	int64_t next = INT64_MAX;
	long i;

	for (i = 0; i < l->o.conns; i++) {
		struct req *r = &l->reqs[i];
		int64_t end;

		if (r->phase == PH_FREE)
			continue;
		end = r->due_us + l->o.timeout_ms * 1000;
		if (end <= now)
			finish(l, r, OUT_TIMEOUT);
		else if (end < next)
			next = end;
	}
	return next;
}

static void
print_second(struct load *l, long sec)
{
	struct figures f;
	char line[256];

	stats_second(&l->stats, sec, &f);
	figures_format(&f, line, sizeof(line));
	fprintf(l->out, "sec=%ld %s\n", sec + 1, line);
	fflush(l->out);
}

static int64_t
second_end(const struct load *l, long sec)
{
	return l->start_us + (sec + 1) * US_PER_S;
}

static bool
sending_done(const struct load *l)
{
	return l->next_seq >= l->total || due_of(l, l->next_seq) >= l->stop_us;
}

/* When the loop must wake next: the next request due, the next
 * deadline, the next second to write out. */
static int64_t
next_wake(const struct load *l, int64_t deadline)
{
	int64_t wake = deadline;
	int64_t sec_end = second_end(l, l->printed);

	if (!sending_done(l) && l->active < l->o.conns &&
	    due_of(l, l->next_seq) < wake)
		wake = due_of(l, l->next_seq);
	if (sec_end < wake && !sending_done(l))
		wake = sec_end;
	return wake;
}

static void
check_stop(struct load *l, int64_t now)
{
	int64_t sec_end;

	if (!stop_asked)
		return;
	stop_asked = 0;
	sec_end = l->start_us + ((now - l->start_us) / US_PER_S + 1) * US_PER_S;
	if (sec_end < l->stop_us)
		l->stop_us = sec_end;
}

static int
run(struct load *l)
{
	struct epoll_event evs[64];
	sigset_t none;

	sigemptyset(&none);
	while (!sending_done(l) || l->active > 0) {
		int64_t now = now_us();
		int64_t wake;
		struct timespec ts;
		int n;
		int i;

		check_stop(l, now);
		send_due(l, now);
		wake = next_wake(l, expire(l, now));
		if (sending_done(l) && l->active == 0)
			break; /* the last ones timed out just now */
		/* a second that is over, whose requests have all begun,
		 * while later ones are still due, is not the last one:
		 * its figures are final */
		while (!sending_done(l) && now >= second_end(l, l->printed) &&
		       due_of(l, l->next_seq) >= second_end(l, l->printed))
			print_second(l, l->printed++);
		now = now_us();
		if (wake < now)
			wake = now;
		if (wake > now + US_PER_S)
			wake = now + US_PER_S;
		ts.tv_sec = (wake - now) / US_PER_S;
		ts.tv_nsec = ((wake - now) % US_PER_S) * 1000;
		n = epoll_pwait2(l->ep, evs, 64, &ts, &none);
		if (n == -1 && errno != EINTR)
			return -1;
		for (i = 0; i < n; i++)
			on_event(l, evs[i].data.ptr, evs[i].events);
	}
	return 0;
}

/* Room for conns sockets and a few more: the soft limit up to the hard. */
static void
raise_nofile(long conns)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 ||
	    rl.rlim_cur >= (rlim_t)conns + 16)
		return;
	rl.rlim_cur = rl.rlim_max;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max > (rlim_t)conns + 16)
		rl.rlim_cur = (rlim_t)conns + 16;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
		perror("demo-load: setrlimit RLIMIT_NOFILE");
}

static int
setup(struct load *l)
{
	struct sigaction sa = {.sa_handler = on_stop};
	struct timespec wall;
	sigset_t stops;
	long i;

	raise_nofile(l->o.conns);
	l->total = l->o.count > 0 ? (uint64_t)l->o.count
	                          : (uint64_t)(l->o.rate * l->o.duration_s);
	l->reqs = calloc((size_t)l->o.conns, sizeof(*l->reqs));
	l->ep = epoll_create1(EPOLL_CLOEXEC);
	l->out = l->o.out != NULL ? fopen(l->o.out, "we") : stdout;
	if (l->reqs == NULL || l->ep == -1 || l->out == NULL) {
		perror("demo-load");
		free(l->reqs);
		l->reqs = NULL;
		return -1;
	}
	for (i = 0; i < l->o.conns; i++)
		l->reqs[i] = (struct req){.phase = PH_FREE, .fd = -1};
	/* TERM and INT arrive only in epoll_pwait2 */
	sigemptyset(&stops);
	sigaddset(&stops, SIGTERM);
	sigaddset(&stops, SIGINT);
	sigprocmask(SIG_BLOCK, &stops, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	clock_gettime(CLOCK_REALTIME, &wall);
	l->start_us = now_us();
	l->stop_us = INT64_MAX;
	if (stats_init(&l->stats, l->o.duration_s) == -1) {
		perror("demo-load");
		free(l->reqs);
		l->reqs = NULL;
		return -1;
	}
	fprintf(l->out,
	    "# demo-load: %s rate=%ld/s conns=%ld timeout=%ldms total=%llu "
	    "start_ms=%lld\n",
	    l->o.target, l->o.rate, l->o.conns, l->o.timeout_ms,
	    (unsigned long long)l->total,
	    (long long)wall.tv_sec * 1000 + wall.tv_nsec / 1000000);
	return 0;
}

/* --get PATH: one request, blocking; the answer's body on stdout. */
static int
get_one(const struct opts *o)
{
	struct timeval tv = {.tv_sec = o->timeout_ms / 1000,
	    .tv_usec = (o->timeout_ms % 1000) * 1000};
	struct http_answer a;
	char req[256];
	char buf[RESPONSE_MAX];
	size_t got = 0;
	int fd;
	int n;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	n = snprintf(req, sizeof(req),
	    "GET /%s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n",
	    o->get[0] == '/' ? o->get + 1 : o->get, o->target);
	if (fd == -1 || n < 0 || (size_t)n >= sizeof(req))
		goto fail;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (const struct sockaddr *)&o->addr, sizeof(o->addr)) ==
	        -1 ||
	    send(fd, req, (size_t)n, MSG_NOSIGNAL) != n)
		goto fail;
	while (got < sizeof(buf) && !answer_parse(buf, got, &a)) {
		ssize_t r = recv(fd, buf + got, sizeof(buf) - got, 0);

		if (r <= 0)
			goto fail;
		got += (size_t)r;
	}
	close(fd);
	if (!answer_parse(buf, got, &a)) {
		fprintf(stderr, "demo-load: %s: answer too long\n", o->target);
		return 1;
	}
	fwrite(a.body, 1, a.body_len, stdout);
	return a.status == 200 ? 0 : 1;
fail:
	fprintf(stderr, "demo-load: %s: %s\n", o->target, strerror(errno));
	if (fd != -1)
		close(fd);
	return 1;
}

int
main(int argc, char **argv)
{
	struct load l = {.ep = -1};
	struct figures f;
	char line[256];
	long last;
	int rc;

	parse_opts(argc, argv, &l.o);
	signal(SIGPIPE, SIG_IGN);
	if (l.o.get != NULL)
		return get_one(&l.o);
	if (setup(&l) == -1)
		return 2;
	rc = run(&l);
	/* what ended after the last second of sending belongs to it */
	last = l.next_seq > 0
	           ? (due_of(&l, l.next_seq - 1) - l.start_us) / US_PER_S
	           : 0;
	if (last < l.printed)
		last = l.printed;
	stats_fold(&l.stats, last);
	while (l.printed <= last)
		print_second(&l, l.printed++);
	stats_total(&l.stats, &f);
	figures_format(&f, line, sizeof(line));
	fprintf(l.out, "total %s\n", line);
	if (l.out != stdout)
		fclose(l.out);
	stats_free(&l.stats);
	free(l.reqs);
	close(l.ep);
	if (rc == -1) {
		perror("demo-load: epoll_pwait2");
		return 2;
	}
	return f.failed > 0 ? 1 : 0;
}
