/*
 * fdset.c: descriptors in epoll sets of their own (see fdset.h). Owns
 * each set and its table fd -> owner; never reads, reaps nor closes a
 * descriptor of the set.
 */
#include "fdset.h"

#include <sys/epoll.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BATCH 64 /* ready descriptors taken from a set at a time */

static void
on_set(struct ev_loop *loop, ev_io *w, int revents)
{
	struct fdset *s = w->data;
	struct epoll_event ev[BATCH];
	int n, i;

	(void)loop;
	(void)revents;
	n = epoll_wait(w->fd, ev, BATCH, 0);
	for (i = 0; i < n; i++) {
		int fd = ev[i].data.fd;

		/* an earlier callback of this batch may have let it go */
		if (fd >= 0 && (size_t)fd < s->cap && s->owner[fd] != NULL)
			s->on_ready(s->owner[fd]);
	}
}

static void
watch(struct fdset *s, int fd)
{
	ev_io_init(&s->w, on_set, fd, EV_READ);
	s->w.data = s;
	ev_io_start(s->loop, &s->w);
}

int
fdset_init(struct fdset *s, struct ev_loop *loop, fdset_cb *on_ready)
{
	int fd = epoll_create1(EPOLL_CLOEXEC);

	memset(s, 0, sizeof(*s));
	if (fd == -1)
		return -1;
	s->loop = loop;
	s->on_ready = on_ready;
	watch(s, fd);
	return 0;
}

void
fdset_fini(struct fdset *s)
{
	if (s->loop != NULL) {
		ev_io_stop(s->loop, &s->w);
		close(s->w.fd);
	}
	free(s->owner);
	memset(s, 0, sizeof(*s));
}

int
fdset_own(struct fdset *s, int fd, void *owner)
{
	if ((size_t)fd >= s->cap) {
		size_t cap = s->cap ? s->cap : 64;
		void **v;

		while (cap <= (size_t)fd)
			cap *= 2;
		v = realloc(s->owner, cap * sizeof(*v));
		if (v == NULL)
			return -1;
		memset(v + s->cap, 0, (cap - s->cap) * sizeof(*v));
		s->owner = v;
		s->cap = cap;
	}
	s->owner[fd] = owner;
	return 0;
}

int
fdset_add(struct fdset *s, int fd, void *owner)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};

	if (fdset_own(s, fd, owner) == -1)
		return -1;
	if (epoll_ctl(s->w.fd, EPOLL_CTL_ADD, fd, &ev) == -1 &&
	    errno != EEXIST) {
		int e = errno;

		s->owner[fd] = NULL;
		errno = e;
		return -1;
	}
	(void)fcntl(fd, F_SETFD, 0); /* crosses an upgrade (fdset.h) */
	return 0;
}

void
fdset_del(struct fdset *s, int fd)
{
	if (fd < 0)
		return;
	if ((size_t)fd < s->cap)
		s->owner[fd] = NULL;
	(void)epoll_ctl(s->w.fd, EPOLL_CTL_DEL, fd, NULL);
}

int
fdset_fd(const struct fdset *s)
{
	return s->w.fd;
}

void
fdset_take(struct fdset *s, int fd)
{
	ev_io_stop(s->loop, &s->w);
	close(s->w.fd);
	watch(s, fd);
}
