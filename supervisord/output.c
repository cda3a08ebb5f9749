/*
 * output.c: programs' output (see output.h): capture pipes, lines, log
 * files and their rotation, tend's own stdout and stderr.
 *
 * A pipe is read OUTPUT_READ bytes at a time, one read per loop turn, so
 * that a flooding program takes its turn like everyone else. The lines of
 * one read go to the log file in one write(2) (split where a rotation
 * falls), or to tend's stdout buffer, which is written without blocking.
 */
#include "output.h"

#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "events.h"
#include "fdset.h"
#include "log.h"
#include "proto.h"
#include "ring.h"
#include "state.h"
#include "supervise.h"
#include "units.h"
#include "upgrade.h"

#define container_of(ptr, type, member)                                        \
	((type *)(void *)((char *)(ptr)-offsetof(type, member)))

/*
 * A program's capture: its pipe, partial line, ring and log file. tend
 * holds the pipe's read end only (one descriptor per program); a write
 * end is opened through /proc/self/fd for each spawn and closed once the
 * child has it, so that the end of the pipe (every writer gone) is seen.
 */
struct capture {
	struct prog *p;
	int rfd;
	int wfd;       /* a writer for the spawn under way; -1 */
	bool eof;      /* no writer left: not watched until the next spawn */
	bool watched;  /* rfd is in op.pipes */
	char *partial; /* OUTPUT_LINE_MAX bytes while a line is pending */
	size_t plen;
	ev_timer partial_w; /* passes a pending line on after a while */
	struct ring ring;
	int log_fd; /* -1: opened at the next line */
	int64_t log_size;
	bool log_broken; /* the last write failed; said once */
	int64_t dropped; /* bytes lost while broken */
	/* a handover's other instance (SPEC 7): its own pipe, its lines go
	 * to into's ring and log file; into counts its feeders */
	struct capture *into;
	unsigned feeders;
	struct capture *prev, *next;
};

/* tend's own stdout or stderr, written without blocking where it can. */
struct sink {
	int fd;
	bool is_socket; /* send(MSG_DONTWAIT): no private description */
	struct buf buf;
	ev_io w;
	size_t dropped_lines;
};

static struct {
	struct ev_loop *loop;
	int dirfd; /* log_dir, or -1 */
	char *dir; /* log_dir, a copy; NULL: none */
	int64_t max_size;
	unsigned keep;
	size_t ring_max;
	int devnull_w;
	bool stamp_files; /* log_timestamps = yes: each file line is timed */
	struct capture *all;
	bool paused;        /* tend's stdout is full: pipes are not read */
	struct fdset pipes; /* the read ends watched (fdset.h) */
	struct sink out, err;
	struct buf filebuf;
	bool frozen; /* an upgrade saved the state: write nothing more */
	/* files dropped by rotations, being cut down off the hot path */
	struct dying {
		int fd;
		char name[64];
	} dying[OUTPUT_DYING_MAX];
	size_t ndying;
	unsigned ndropped;
	ev_timer dying_w;
} op = {.dirfd = -1, .devnull_w = -1, .out = {.fd = -1}, .err = {.fd = -1}};

/* Apart from op, whose initialized fields put it in .data: in .bss its
 * pages are no part of the file mapping, and not resident until a pipe is
 * first read. */
static char readbuf[OUTPUT_READ];

static void sink_flush(struct sink *s);
static void on_dying_tick(struct ev_loop *loop, ev_timer *w, int revents);

static int64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---------------------------------------------------- tend's own fds */

/*
 * A description of fd of our own, non-blocking where the kind allows:
 * a pipe or terminal is reopened through /proc (a private description,
 * so that programs sharing fd never see O_NONBLOCK); a socket is used
 * with MSG_DONTWAIT; a regular file blocks, as files do.
 */
static int
private_fd(int fd, bool *is_socket)
{
	char path[64];
	struct stat st;
	int nfd;

	*is_socket = false;
	if (fstat(fd, &st) == -1)
		return -1;
	if (S_ISSOCK(st.st_mode)) {
		*is_socket = true;
		return fcntl(fd, F_DUPFD_CLOEXEC, 3);
	}
	if (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode)) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		nfd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
		if (nfd != -1)
			return nfd;
	}
	return fcntl(fd, F_DUPFD_CLOEXEC, 3);
}

static ssize_t
sink_send(struct sink *s, const char *p, size_t len)
{
	if (s->is_socket)
		return send(s->fd, p, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	return write(s->fd, p, len);
}

static void on_pipe_readable(void *owner);

/* c's pipe read from when it is ready. */
static void
watch(struct capture *c)
{
	static bool said;

	if (c->watched)
		return;
	if (fdset_add(&op.pipes, c->rfd, c) == 0) {
		c->watched = true;
		said = false;
	} else if (!said) {
		log_warn("%s: cannot watch its output pipe; its output waits",
		    c->p->node.shown);
		said = true;
	}
}

static void
unwatch(struct capture *c)
{
	if (!c->watched)
		return;
	fdset_del(&op.pipes, c->rfd);
	c->watched = false;
}

static void
resume_captures(void)
{
	struct capture *c;

	if (!op.paused)
		return;
	op.paused = false;
	for (c = op.all; c != NULL; c = c->next)
		if (!c->eof)
			watch(c);
}

static void
pause_captures(void)
{
	struct capture *c;

	if (op.paused || op.dirfd >= 0)
		return;
	op.paused = true;
	for (c = op.all; c != NULL; c = c->next)
		unwatch(c);
}

static void
sink_flush(struct sink *s)
{
	if (op.frozen)
		return;
	ssize_t n;

	while (s->buf.len > 0) {
		n = sink_send(s, s->buf.p, s->buf.len);
		if (n > 0) {
			buf_consume(&s->buf, (size_t)n);
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN) {
			if (op.loop != NULL)
				ev_io_start(op.loop, &s->w);
			break;
		}
		/* a closed or broken stdout: nothing will take the bytes */
		buf_reset(&s->buf);
		break;
	}
	if (s->buf.len == 0 && op.loop != NULL)
		ev_io_stop(op.loop, &s->w);
	if (s == &op.out) {
		if (s->buf.len > OUTPUT_SINK_HIGH)
			pause_captures();
		else if (s->buf.len < OUTPUT_SINK_LOW)
			resume_captures();
	}
}

static void
on_sink_writable(struct ev_loop *loop, ev_io *w, int revents)
{
	struct sink *s = container_of(w, struct sink, w);

	(void)loop;
	(void)revents;
	sink_flush(s);
}

/* tend's own log lines: into the stderr sink, dropped with a count. */
static void
write_log_line(const char *line, size_t len)
{
	struct sink *s = &op.err;
	char note[96];
	int n;

	if (s->dropped_lines > 0 && s->buf.len + 96 < OUTPUT_ERR_MAX) {
		n = snprintf(note, sizeof(note),
		    "tend: warning: %zu of tend's own lines were dropped "
		    "(stderr "
		    "was full)\n",
		    s->dropped_lines);
		buf_add(&s->buf, note, (size_t)n);
		s->dropped_lines = 0;
	}
	if (s->buf.len + len > OUTPUT_ERR_MAX) {
		s->dropped_lines++;
		return;
	}
	buf_add(&s->buf, line, len);
	sink_flush(s);
}

static int
sink_open(struct sink *s, int fd)
{
	s->fd = private_fd(fd, &s->is_socket);
	if (s->fd == -1)
		return -1;
	buf_init(&s->buf);
	ev_io_init(&s->w, on_sink_writable, s->fd, EV_WRITE);
	return 0;
}

int
output_init(
    struct ev_loop *loop, const struct tend_conf *tc, char *err, size_t errlen)
{
	op.loop = loop;
	if (fdset_init(&op.pipes, loop, on_pipe_readable) == -1) {
		snprintf(
		    err, errlen, "cannot watch pipes: %s", strerror(errno));
		return -1;
	}
	op.max_size = tc->log_max_size;
	op.keep = tc->log_keep;
	op.ring_max = (size_t)tc->log_ring;
	op.stamp_files = tc->log_timestamps_set && tc->log_timestamps;
	op.devnull_w = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (op.devnull_w == -1) {
		snprintf(err, errlen, "/dev/null: %s", strerror(errno));
		return -1;
	}
	if (tc->log_dir != NULL) {
		op.dir = strdup(tc->log_dir);
		if (op.dir == NULL) {
			snprintf(err, errlen, "log_dir: %s", strerror(errno));
			return -1;
		}
		if (mkdir(op.dir, 0755) == -1 && errno != EEXIST) {
			snprintf(err, errlen, "log_dir %s: %s", op.dir,
			    strerror(errno));
			return -1;
		}
		op.dirfd = open(op.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (op.dirfd == -1) {
			snprintf(err, errlen, "log_dir %s: %s", op.dir,
			    strerror(errno));
			return -1;
		}
	}
	if (sink_open(&op.out, STDOUT_FILENO) == -1 ||
	    sink_open(&op.err, STDERR_FILENO) == -1) {
		snprintf(err, errlen, "tend's stdout or stderr: %s",
		    strerror(errno));
		return -1;
	}
	buf_init(&op.filebuf);
	ev_timer_init(&op.dying_w, on_dying_tick, 0.0, OUTPUT_DROP_EVERY_S);
	log_set_writer(write_log_line);
	return 0;
}

/* ----------------------------------------------------------- log files */

static int
log_name(const struct capture *c, char *buf, size_t size, unsigned n)
{
	if (n == 0)
		return snprintf(buf, size, "%s.log", c->p->node.name);
	return snprintf(buf, size, "%s.log.%u", c->p->node.name, n);
}

static int
open_log(struct capture *c)
{
	char name[128];
	struct stat st;

	log_name(c, name, sizeof(name), 0);
	c->log_fd = openat(op.dirfd, name,
	    O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
	if (c->log_fd == -1)
		return -1;
	c->log_size = fstat(c->log_fd, &st) == 0 ? st.st_size : 0;
	return 0;
}

/*
 * A file dropped by a rotation is not unlinked at once: freeing tens of
 * megabytes of blocks takes the file system milliseconds, which the loop
 * must not spend in one go. It is renamed aside and cut down a step at a
 * time, then removed.
 */
static void
drop_file(const char *name)
{
	char aside[64];
	int fd;

	snprintf(aside, sizeof(aside), ".dropped.%u", op.ndropped++);
	if (renameat(op.dirfd, name, op.dirfd, aside) == -1)
		return; /* there was none */
	fd = openat(op.dirfd, aside, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd == -1 || op.ndying == OUTPUT_DYING_MAX) {
		if (fd != -1)
			close(fd);
		(void)unlinkat(op.dirfd, aside, 0);
		return;
	}
	op.dying[op.ndying].fd = fd;
	snprintf(
	    op.dying[op.ndying].name, sizeof(op.dying[0].name), "%s", aside);
	op.ndying++;
	if (!ev_is_active(&op.dying_w))
		ev_timer_again(op.loop, &op.dying_w);
}

static void
on_dying_tick(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct stat st;
	size_t i = 0;

	(void)loop;
	(void)w;
	(void)revents;
	while (i < op.ndying) {
		struct dying *d = &op.dying[i];

		if (fstat(d->fd, &st) == 0 && st.st_size > OUTPUT_DROP_STEP &&
		    ftruncate(d->fd, st.st_size - OUTPUT_DROP_STEP) == 0) {
			i++;
			continue;
		}
		close(d->fd);
		(void)unlinkat(op.dirfd, d->name, 0);
		*d = op.dying[--op.ndying];
	}
	if (op.ndying == 0)
		ev_timer_stop(op.loop, &op.dying_w);
}

/* NAME.log -> NAME.log.1 -> ... -> NAME.log.KEEP (SPEC 8). */
static void
rotate(struct capture *c)
{
	char from[128], to[128];
	unsigned k;

	close(c->log_fd);
	c->log_fd = -1;
	if (op.keep == 0) {
		log_name(c, from, sizeof(from), 0);
		drop_file(from);
		return;
	}
	log_name(c, from, sizeof(from), op.keep);
	drop_file(from);
	for (k = op.keep; k > 1; k--) {
		log_name(c, from, sizeof(from), k - 1);
		log_name(c, to, sizeof(to), k);
		(void)renameat(op.dirfd, from, op.dirfd, to);
	}
	log_name(c, from, sizeof(from), 0);
	log_name(c, to, sizeof(to), 1);
	if (renameat(op.dirfd, from, op.dirfd, to) == -1 && errno != ENOENT)
		log_warn("%s: rotating %s/%s", c->p->node.shown, op.dir, from);
}

static void
file_broken(struct capture *c, size_t lost)
{
	if (!c->log_broken)
		log_warn("%s: cannot write %s/%s.log; its output is dropped "
		         "until it can be written again",
		    c->p->node.shown, op.dir, c->p->node.name);
	c->log_broken = true;
	c->dropped += (int64_t)lost;
}

/* Append whole lines to the file, rotating at line boundaries. */
static void
file_write(struct capture *c, const char *p, size_t len)
{
	size_t part;
	ssize_t n;

	while (len > 0) {
		if (c->log_fd == -1 && open_log(c) == -1) {
			file_broken(c, len);
			return;
		}
		if (c->log_size >= op.max_size) {
			rotate(c);
			continue;
		}
		/* up to the first line end at or past the size limit */
		part = len;
		if ((int64_t)len > op.max_size - c->log_size) {
			const char *nl =
			    memchr(p + (op.max_size - c->log_size) - 1, '\n',
			        len - (size_t)(op.max_size - c->log_size) + 1);

			if (nl != NULL)
				part = (size_t)(nl - p) + 1;
		}
		n = write(c->log_fd, p, part);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			file_broken(c, len);
			return;
		}
		if (c->log_broken) {
			struct stat st;

			log_info("%s: writing %s/%s.log again (%lld byte%s "
			         "dropped)",
			    c->p->node.shown, op.dir, c->p->node.name,
			    (long long)c->dropped,
			    c->dropped == 1 ? " was" : "s were");
			c->log_broken = false;
			c->dropped = 0;
			if (fstat(c->log_fd, &st) ==
			    0) /* it may have been cut */
				c->log_size = st.st_size - n;
		}
		c->log_size += n;
		p += n;
		len -= (size_t)n;
	}
}

/* ---------------------------------------------------------------- lines */

/* The time t (microseconds, realtime) and a space into op.filebuf, when
 * log files carry timestamps. */
static void
stamp_file_line(int64_t t)
{
	char stamp[UNITS_TIME_MAX];
	time_t secs = (time_t)(t / 1000000);
	struct tm tm;

	if (!op.stamp_files || localtime_r(&secs, &tm) == NULL)
		return;
	units_format_time(
	    stamp, sizeof(stamp), &tm, (long)(t % 1000000 / 1000));
	buf_adds(&op.filebuf, stamp);
	buf_add(&op.filebuf, " ", 1);
}

/* Where c's lines go: its own ring and log file, or into's. */
static struct capture *
dest(struct capture *c)
{
	return c->into != NULL ? c->into : c;
}

static void
emit(struct capture *c, int64_t t, const char *text, size_t len)
{
	const char *name = c->p->node.shown;

	(void)ring_add(&dest(c)->ring, t, text, len);
	if (op.dirfd >= 0) {
		stamp_file_line(t);
		buf_add(&op.filebuf, text, len);
		buf_add(&op.filebuf, "\n", 1);
	} else {
		buf_adds(&op.out.buf, name);
		buf_add(&op.out.buf, " | ", 3);
		buf_add(&op.out.buf, text, len);
		buf_add(&op.out.buf, "\n", 1);
	}
	events_publish_line(c->p, t, text, len);
}

/* The lines written to the log file so far by emit(), before more. */
static void
file_flush(struct capture *c)
{
	if (op.filebuf.len > 0) {
		file_write(dest(c), op.filebuf.p, op.filebuf.len);
		buf_reset(&op.filebuf);
	}
}

/*
 * A run of whole lines straight from a read (len bytes, the last one a
 * newline): one ring entry, one write to the log file; lines of a flood
 * are not handled one by one where they need not be.
 */
static void
emit_run(struct capture *c, int64_t t, const char *run, size_t len)
{
	const char *p = run, *end = run + len - 1, *nl;
	struct ring *ring = &dest(c)->ring;
	size_t room = ring_room(ring);

	if (room > 0) {
		if ((size_t)(end - p) > room) { /* keep whole lines only */
			p = end - room;
			if (p[-1] != '\n')
				p = (nl = memchr(p, '\n', (size_t)(end - p))) !=
				            NULL
				        ? nl + 1
				        : end;
		}
		if (p < end)
			(void)ring_add(ring, t, p, (size_t)(end - p));
	}
	if (op.dirfd >= 0 && !op.stamp_files) {
		file_flush(c);
		file_write(dest(c), run, len);
	}
	if (op.dirfd >= 0 && !op.stamp_files && !events_following())
		return;
	for (p = run; p <= end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p) + 1);
		if (op.dirfd >= 0 && op.stamp_files) {
			stamp_file_line(t);
			buf_add(&op.filebuf, p, (size_t)(nl - p) + 1);
		}
		if (op.dirfd < 0) {
			buf_adds(&op.out.buf, c->p->node.shown);
			buf_add(&op.out.buf, " | ", 3);
			buf_add(&op.out.buf, p, (size_t)(nl - p) + 1);
		}
		events_publish_line(c->p, t, p, (size_t)(nl - p));
	}
}

/*
 * Add the line of len bytes at *data (nl its newline, or NULL: it goes on
 * in the next read) to c's partial line, passing on what is whole or too
 * long; *data and *n advance past what was taken. False if no partial
 * buffer could be had (what fits a line was passed on; the rest is lost).
 */
static bool
take_partial(struct capture *c, int64_t t, const char **data, size_t *n,
    const char *nl, size_t len)
{
	size_t room;

	if (c->partial == NULL) {
		c->partial = malloc(OUTPUT_LINE_MAX);
		if (c->partial == NULL) { /* keep what fits a line */
			emit(c, t, *data,
			    len < OUTPUT_LINE_MAX ? len : OUTPUT_LINE_MAX);
			return false;
		}
	}
	room = OUTPUT_LINE_MAX - c->plen;
	if (len > room) { /* over-long: cut and continue */
		memcpy(c->partial + c->plen, *data, room);
		emit(c, t, c->partial, OUTPUT_LINE_MAX);
		c->plen = 0;
		*data += room;
		*n -= room;
		return true;
	}
	memcpy(c->partial + c->plen, *data, len);
	c->plen += len;
	*data += len;
	*n -= len;
	if (nl != NULL) {
		emit(c, t, c->partial, c->plen);
		c->plen = 0;
		(*data)++;
		(*n)--;
	}
	return true;
}

/*
 * Cut data into lines. A partial line waits for its end (SPEC 11): until
 * OUTPUT_LINE_MAX bytes, the instance's end (flush), or OUTPUT_PARTIAL_MS
 * after it began, so that a block-buffered writer's lines stay whole and
 * a prompt is still seen.
 */
static void
take(struct capture *c, const char *data, size_t n, bool flush)
{
	int64_t t = now_us();
	const char *run = NULL; /* whole lines read, not yet passed on */

	while (n > 0) {
		const char *nl = memchr(data, '\n', n);
		size_t len = nl != NULL ? (size_t)(nl - data) : n;

		if (c->plen == 0 && nl != NULL && len <= OUTPUT_LINE_MAX) {
			if (run == NULL)
				run = data;
			data += len + 1;
			n -= len + 1;
			continue;
		}
		if (run != NULL) {
			emit_run(c, t, run, (size_t)(data - run));
			run = NULL;
		}
		if (!take_partial(c, t, &data, &n, nl, len))
			break;
	}
	if (run != NULL)
		emit_run(c, t, run, (size_t)(data - run));
	if (flush && c->plen > 0) {
		emit(c, t, c->partial, c->plen);
		c->plen = 0;
	}
	if (c->plen == 0) {
		free(c->partial);
		c->partial = NULL;
		ev_timer_stop(op.loop, &c->partial_w);
	} else if (!ev_is_active(&c->partial_w)) {
		ev_timer_set(&c->partial_w, OUTPUT_PARTIAL_MS / 1000.0, 0.0);
		ev_timer_start(op.loop, &c->partial_w);
	}
	file_flush(c);
	if (op.out.buf.len > 0)
		sink_flush(&op.out);
}

/* One read; false once the pipe is empty. */
static bool
read_once(struct capture *c, bool flush)
{
	ssize_t n = read(c->rfd, readbuf, sizeof(readbuf));

	if (n > 0) {
		take(c, readbuf, (size_t)n,
		    flush && (size_t)n < sizeof(readbuf));
		return (size_t)n == sizeof(readbuf);
	}
	if (n == -1 && errno == EINTR)
		return true;
	if (n == 0) { /* every writer is gone: nothing until the next one */
		c->eof = true;
		unwatch(c);
	}
	return false;
}

static void
on_pipe_readable(void *owner)
{
	read_once(owner, false);
}

static void
on_partial_due(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	take(container_of(w, struct capture, partial_w), "", 0, true);
}

/* ------------------------------------------------------------ programs */

static bool
mode_is_log(enum out_mode m, bool is_stdout)
{
	return m == OUT_LOG || (is_stdout && m == OUT_DEFAULT);
}

bool
output_captured(const struct prog *p)
{
	return mode_is_log(p->conf->out, true) ||
	       mode_is_log(p->conf->err, false);
}

/* A capture pipe in fds: its read end (tend's) non-blocking and kept
 * across an upgrade (not close-on-exec, fdset.h), its write end (the
 * programs') blocking. 0, or -1 with errno. */
static int
new_pipe(int fds[2])
{
	if (pipe2(fds, O_CLOEXEC) == -1)
		return -1;
	if (fcntl(fds[0], F_SETFL, O_NONBLOCK) == -1 ||
	    fcntl(fds[0], F_SETFD, 0) == -1) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	return 0;
}

/* A new capture for p (p->cap), with a pipe of its own; NULL with errno. */
static struct capture *
new_capture(struct prog *p)
{
	struct capture *c;
	int fds[2];

	if (new_pipe(fds) == -1)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		close(fds[0]);
		close(fds[1]);
		errno = ENOMEM;
		return NULL;
	}
	c->p = p;
	c->rfd = fds[0];
	c->wfd = fds[1]; /* the first spawn's writer */
	c->log_fd = -1;
	ring_init(&c->ring, op.ring_max);
	ev_timer_init(&c->partial_w, on_partial_due, 0.0, 0.0);
	if (!op.paused)
		watch(c);
	c->next = op.all;
	if (op.all != NULL)
		op.all->prev = c;
	op.all = c;
	p->cap = c;
	return c;
}

static struct capture *
capture_of(struct prog *p)
{
	return p->cap != NULL ? p->cap : new_capture(p);
}

/* Exchange the pipes of a and b (their readers, writers, partial lines),
 * keeping their rings, log files and owners. */
static void
swap_pipes(struct capture *a, struct capture *b)
{
	struct capture t = *a;
	struct capture *v[2] = {a, b};
	int i;

	unwatch(a);
	unwatch(b);
	ev_timer_stop(op.loop, &a->partial_w);
	ev_timer_stop(op.loop, &b->partial_w);
	a->rfd = b->rfd;
	a->wfd = b->wfd;
	a->eof = b->eof;
	a->partial = b->partial;
	a->plen = b->plen;
	b->rfd = t.rfd;
	b->wfd = t.wfd;
	b->eof = t.eof;
	b->partial = t.partial;
	b->plen = t.plen;
	for (i = 0; i < 2; i++) {
		if (!op.paused && !v[i]->eof)
			watch(v[i]);
		if (v[i]->plen > 0) {
			ev_timer_set(
			    &v[i]->partial_w, OUTPUT_PARTIAL_MS / 1000.0, 0.0);
			ev_timer_start(op.loop, &v[i]->partial_w);
		}
	}
}

int
output_set_aside(struct prog *p, struct prog *aside)
{
	struct capture *c = p->cap, *o;

	aside->cap = NULL;
	if (c == NULL)
		return 0;
	o = new_capture(aside);
	if (o == NULL)
		return -1;
	o->into = c;
	c->feeders++;
	swap_pipes(c, o);
	return 0;
}

void
output_swap(struct prog *p, struct prog *aside)
{
	if (p->cap != NULL && aside->cap != NULL)
		swap_pipes(p->cap, aside->cap);
}

void
output_give(struct prog *from, struct prog *to)
{
	to->cap = from->cap;
	if (to->cap != NULL)
		to->cap->p = to;
	from->cap = NULL;
}

static void
plan_fd(struct out_fd *fd, enum out_mode m, const char *path,
    const struct capture *c, bool is_stdout)
{
	memset(fd, 0, sizeof(*fd));
	switch (m) {
	case OUT_DEFAULT:
		fd->kind = is_stdout ? FD_PASS : FD_SAME_1;
		fd->fd = c != NULL ? c->wfd : -1;
		break;
	case OUT_LOG:
		fd->kind = FD_PASS;
		fd->fd = c->wfd;
		break;
	case OUT_STDOUT:
		fd->kind = FD_SAME_1;
		break;
	case OUT_INHERIT:
		fd->kind = FD_KEEP;
		break;
	case OUT_NULL:
		fd->kind = FD_PASS;
		fd->fd = op.devnull_w;
		break;
	case OUT_FILE:
		fd->kind = FD_FILE;
		fd->path = path;
		break;
	}
}

/* A new writer to c's pipe, for a spawn; the pipe is watched again. */
static int
open_writer(struct capture *c)
{
	char path[64];
	int fds[2];

	if (c->wfd >= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", c->rfd);
	c->wfd = open(path, O_WRONLY | O_CLOEXEC);
	if (c->wfd == -1) {
		/* no /proc: a new pipe (the old one is drained: its
		 * instance has ended) */
		if (new_pipe(fds) == -1)
			return -1;
		unwatch(c);
		close(c->rfd);
		c->rfd = fds[0];
		c->wfd = fds[1];
	}
	c->eof = false;
	if (!op.paused)
		watch(c);
	return 0;
}

void
output_started(struct prog *p)
{
	struct capture *c = p->cap;

	if (c == NULL || op.dirfd < 0 || !output_captured(p))
		return;
	/* a file begun now needs no marker: only what follows an earlier
	 * instance's lines (or another tend's) does */
	if ((c->log_fd == -1 && open_log(c) == -1) || c->log_size == 0)
		return;
	stamp_file_line(now_us());
	buf_addf(&op.filebuf, "--- tend: %s started, pid %d ---\n",
	    p->node.shown, (int)p->pid);
	file_flush(c);
}

void
output_spawned(struct prog *p)
{
	struct capture *c = p->cap;

	if (c != NULL && c->wfd >= 0) {
		close(c->wfd);
		c->wfd = -1;
	}
}

int
output_prepare(struct prog *p, struct out_fd *fd1, struct out_fd *fd2)
{
	const struct prog_conf *conf = p->conf;
	struct capture *c = NULL;

	if (output_captured(p) &&
	    ((c = capture_of(p)) == NULL || open_writer(c) == -1))
		return -1;
	plan_fd(fd1, conf->out, conf->out_path, c, true);
	plan_fd(fd2, conf->err, conf->err_path, c, false);
	return 0;
}

void
output_instance_ended(struct prog *p)
{
	struct capture *c = p->cap;
	int i;

	if (c == NULL)
		return;
	/* at most a pipe's worth is left: its writers are all gone */
	for (i = 0; i < 64 && read_once(c, true); i++)
		;
	if (c->plen > 0)
		take(c, "", 0, true);
}

void
output_reopen(void)
{
	struct capture *c;

	for (c = op.all; c != NULL; c = c->next)
		if (c->log_fd != -1) {
			close(c->log_fd);
			c->log_fd = -1;
		}
	log_info("log files reopened");
}

static bool
same_dir(const char *a, const char *b)
{
	return a == NULL || b == NULL ? a == b : strcmp(a, b) == 0;
}

/* What output_reconfigure_check prepared for output_reconfigure. */
static struct {
	bool moved;
	int fd;
	char *dir;
} pend = {false, -1, NULL};

int
output_reconfigure_check(const struct tend_conf *tc, char *err, size_t errlen)
{
	output_reconfigure_abort();
	pend.moved = !same_dir(op.dir, tc->log_dir);
	if (!pend.moved || tc->log_dir == NULL)
		return 0;
	if ((mkdir(tc->log_dir, 0755) == -1 && errno != EEXIST) ||
	    (pend.fd = open(tc->log_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	        -1 ||
	    (pend.dir = strdup(tc->log_dir)) == NULL) {
		snprintf(err, errlen, "log_dir %s: %s", tc->log_dir,
		    strerror(errno));
		output_reconfigure_abort();
		return -1;
	}
	return 0;
}

void
output_reconfigure_abort(void)
{
	if (pend.fd >= 0)
		close(pend.fd);
	free(pend.dir);
	pend.fd = -1;
	pend.dir = NULL;
	pend.moved = false;
}

void
output_reconfigure(const struct tend_conf *tc)
{
	op.max_size = tc->log_max_size;
	op.keep = tc->log_keep;
	op.ring_max = (size_t)tc->log_ring;
	if (!pend.moved)
		return;
	if (op.dirfd >= 0)
		close(op.dirfd);
	free(op.dir);
	op.dirfd = pend.fd;
	op.dir = pend.dir;
	pend.fd = -1;
	pend.dir = NULL;
	pend.moved = false;
	output_reopen();
}

int
output_last(const struct prog *p, size_t n,
    void (*fn)(void *arg, int64_t time_us, const char *text, size_t len),
    void *arg)
{
	if (p->cap == NULL)
		return 0;
	return ring_last(&p->cap->ring, n, fn, arg);
}

void
output_release(struct prog *p)
{
	struct capture *c = p->cap, *o;

	if (c == NULL)
		return;
	if (c->into != NULL)
		c->into->feeders--;
	for (o = op.all; c->feeders > 0 && o != NULL; o = o->next)
		if (o->into == c) { /* its lines have nowhere else to go */
			o->into = NULL;
			c->feeders--;
		}
	unwatch(c);
	ev_timer_stop(op.loop, &c->partial_w);
	close(c->rfd);
	if (c->wfd >= 0)
		close(c->wfd);
	if (c->log_fd != -1)
		close(c->log_fd);
	ring_free(&c->ring);
	free(c->partial);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		op.all = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	free(c);
	p->cap = NULL;
}

/* Write what a sink holds, waiting up to the deadline. */
static void
sink_drain(struct sink *s, int64_t deadline_ms)
{
	struct timespec ts;
	struct pollfd pfd;
	int64_t now;

	while (s->fd != -1 && s->buf.len > 0) {
		sink_flush(s);
		if (s->buf.len == 0)
			break;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
		if (now >= deadline_ms)
			break;
		pfd.fd = s->fd;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, (int)(deadline_ms - now)) <= 0)
			break;
	}
}

void
output_fini(int timeout_ms)
{
	struct timespec ts;
	int64_t deadline;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	deadline =
	    (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + timeout_ms;
	log_set_writer(NULL);
	sink_drain(&op.out, deadline);
	sink_drain(&op.err, deadline);
	while (op.all != NULL)
		output_release(op.all->p);
	fdset_fini(&op.pipes);
	while (op.ndying > 0) { /* at exit: all at once */
		op.ndying--;
		close(op.dying[op.ndying].fd);
		(void)unlinkat(op.dirfd, op.dying[op.ndying].name, 0);
	}
	if (op.loop != NULL) {
		ev_io_stop(op.loop, &op.out.w);
		ev_io_stop(op.loop, &op.err.w);
		ev_timer_stop(op.loop, &op.dying_w);
	}
	buf_free(&op.out.buf);
	buf_free(&op.err.buf);
	buf_free(&op.filebuf);
	if (op.out.fd != -1)
		close(op.out.fd);
	if (op.err.fd != -1)
		close(op.err.fd);
	if (op.dirfd != -1)
		close(op.dirfd);
	if (op.devnull_w != -1)
		close(op.devnull_w);
	op.out.fd = op.err.fd = op.dirfd = op.devnull_w = -1;
	free(op.dir);
	op.dir = NULL;
	output_reconfigure_abort();
}

/* ------------------------------------------------------------ upgrade */

static void
save_capture(const struct capture *c, struct state_w *w)
{
	state_put_open_fd(w, c->rfd); /* version 3 on: not noted */
	state_put_u8(w, c->eof);
	state_put_bytes(w, c->partial != NULL ? c->partial : "", c->plen);
	ring_save(&c->ring, w);
	state_put_i64(w, c->dropped);
	state_put_u8(w, c->watched); /* version 3 on */
}

void
output_save(struct state_w *w)
{
	size_t at = state_begin_section(w, STATE_OUTPUT), n = 0;
	const struct capture *c;

	/* files being cut after a rotation: done now, not left behind */
	while (op.ndying > 0) {
		op.ndying--;
		close(op.dying[op.ndying].fd);
		(void)unlinkat(op.dirfd, op.dying[op.ndying].name, 0);
	}
	ev_timer_stop(op.loop, &op.dying_w);
	for (c = op.all; c != NULL; c = c->next)
		n++;
	state_put_fd(w, fdset_fd(&op.pipes)); /* version 3 on */
	state_put_u8(w, op.paused);
	state_put_bytes(
	    w, op.out.buf.p != NULL ? op.out.buf.p : "", op.out.buf.len);
	state_put_bytes(
	    w, op.err.buf.p != NULL ? op.err.buf.p : "", op.err.buf.len);
	state_put_u64(w, n);
	for (c = op.all; c != NULL; c = c->next) {
		state_put_u64(w, c->p->node.idx);
		save_capture(c, w);
	}
	state_end_section(w, at);
}

void
output_freeze(bool frozen)
{
	op.frozen = frozen;
	if (!frozen) {
		sink_flush(&op.err);
		sink_flush(&op.out);
	}
}

/* A capture of p's taken over: its pipe, partial line and ring; its
 * pipe in the set of pipes already if in_set (carried, version 3). */
static int
load_capture(struct prog *p, struct state_r *r, bool in_set)
{
	struct capture *c;
	const char *part;
	size_t plen;
	int rfd = state_get_fd(r);
	bool eof = state_get_bool(r);

	part = state_get_bytes(r, &plen);
	if (r->failed || rfd < 0 || part == NULL || plen > OUTPUT_LINE_MAX ||
	    p->cap != NULL || (c = calloc(1, sizeof(*c))) == NULL)
		return -1;
	c->p = p;
	c->rfd = rfd;
	c->wfd = -1;
	c->eof = eof;
	c->log_fd = -1;
	ring_init(&c->ring, op.ring_max);
	c->next = op.all;
	if (op.all != NULL)
		op.all->prev = c;
	op.all = c;
	p->cap = c;
	ev_timer_init(&c->partial_w, on_partial_due, 0.0, 0.0);
	if (ring_load(&c->ring, r) == -1)
		return -1;
	c->ring.max = op.ring_max;
	c->dropped = state_get_i64(r);
	if (r->version >= 3)
		c->watched = state_get_bool(r);
	else /* it was among the descriptors marked close-on-exec again */
		(void)fcntl(rfd, F_SETFD, 0);
	if (plen > 0) {
		c->partial = malloc(OUTPUT_LINE_MAX);
		if (c->partial == NULL)
			return -1;
		memcpy(c->partial, part, plen);
		c->plen = plen;
		ev_timer_set(&c->partial_w, OUTPUT_PARTIAL_MS / 1000.0, 0.0);
		ev_timer_start(op.loop, &c->partial_w);
	}
	if (in_set) /* as the old tend left it */
		return c->watched ? fdset_own(&op.pipes, rfd, c) : 0;
	c->watched = false;
	if (!c->eof && !op.paused)
		watch(c);
	return 0;
}

int
output_load(struct state_r *r, char *err, size_t errlen)
{
	const struct tree *t = supervise_tree();
	struct state_r s;
	const char *out, *errs;
	size_t olen, elen, n, i;

	if (!state_section(r, STATE_OUTPUT, &s))
		goto bad;
	if (s.version >= 3) {
		int set = state_get_fd(&s);

		if (set < 0 || s.failed)
			goto bad;
		fdset_take(&op.pipes, set);
		op.paused = state_get_bool(&s);
	}
	out = state_get_bytes(&s, &olen);
	errs = state_get_bytes(&s, &elen);
	n = state_get_count(&s, t->cfg.nprogs);
	if (out == NULL || errs == NULL)
		goto bad;
	buf_add(&op.out.buf, out, olen);
	buf_add(&op.err.buf, errs, elen);
	for (i = 0; i < n && !s.failed; i++) {
		size_t idx = state_get_count(&s, t->nnodes - 1);
		struct node *nd = t->nodes[idx];

		if (s.failed || nd->kind != NODE_PROG ||
		    load_capture((struct prog *)nd, &s, s.version >= 3) == -1)
			goto bad;
	}
	if (!state_done(&s))
		goto bad;
	sink_flush(&op.out);
	sink_flush(&op.err);
	return 0;
bad:
	snprintf(err, errlen, "state: bad output section");
	return -1;
}
