/*
 * pidset.c: the programs' pidfds in one epoll set (see pidset.h). Owns
 * the set and the table pidfd -> owner; never reaps nor closes a pidfd.
 */
#include "pidset.h"

#include <sys/epoll.h>

#include <errno.h>
#include <ev.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BATCH 64 /* ends taken from the set at a time */

static struct {
	struct ev_loop *loop;
	pidset_cb *on_ready;
	ev_io set_w;  /* on the set's descriptor */
	void **owner; /* by pidfd number */
	size_t cap;
} ps = {.set_w = {.fd = -1}};

static void
on_set(struct ev_loop *loop, ev_io *w, int revents)
{
	struct epoll_event ev[BATCH];
	int n, i;

	(void)loop;
	(void)revents;
	n = epoll_wait(w->fd, ev, BATCH, 0);
	for (i = 0; i < n; i++) {
		int fd = ev[i].data.fd;

		/* an earlier callback of this batch may have let it go */
		if (fd >= 0 && (size_t)fd < ps.cap && ps.owner[fd] != NULL)
			ps.on_ready(ps.owner[fd]);
	}
}

static void
watch(int fd)
{
	ev_io_init(&ps.set_w, on_set, fd, EV_READ);
	ev_io_start(ps.loop, &ps.set_w);
}

int
pidset_init(struct ev_loop *loop, pidset_cb *on_ready)
{
	int fd = epoll_create1(EPOLL_CLOEXEC);

	if (fd == -1)
		return -1;
	ps.loop = loop;
	ps.on_ready = on_ready;
	watch(fd);
	return 0;
}

void
pidset_fini(void)
{
	if (ps.set_w.fd >= 0) {
		ev_io_stop(ps.loop, &ps.set_w);
		close(ps.set_w.fd);
	}
	free(ps.owner);
	memset(&ps, 0, sizeof(ps));
	ps.set_w.fd = -1;
}

int
pidset_own(int pidfd, void *owner)
{
	if ((size_t)pidfd >= ps.cap) {
		size_t cap = ps.cap ? ps.cap : 64;
		void **v;

		while (cap <= (size_t)pidfd)
			cap *= 2;
		v = realloc(ps.owner, cap * sizeof(*v));
		if (v == NULL)
			return -1;
		memset(v + ps.cap, 0, (cap - ps.cap) * sizeof(*v));
		ps.owner = v;
		ps.cap = cap;
	}
	ps.owner[pidfd] = owner;
	return 0;
}

int
pidset_add(int pidfd, void *owner)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = pidfd};

	if (pidset_own(pidfd, owner) == -1)
		return -1;
	if (epoll_ctl(ps.set_w.fd, EPOLL_CTL_ADD, pidfd, &ev) == -1) {
		int e = errno;

		ps.owner[pidfd] = NULL;
		errno = e;
		return -1;
	}
	(void)fcntl(pidfd, F_SETFD, 0); /* crosses an upgrade (pidset.h) */
	return 0;
}

void
pidset_del(int pidfd)
{
	if (pidfd < 0)
		return;
	if ((size_t)pidfd < ps.cap)
		ps.owner[pidfd] = NULL;
	(void)epoll_ctl(ps.set_w.fd, EPOLL_CTL_DEL, pidfd, NULL);
}

int
pidset_fd(void)
{
	return ps.set_w.fd;
}

void
pidset_take(int fd)
{
	ev_io_stop(ps.loop, &ps.set_w);
	close(ps.set_w.fd);
	watch(fd);
}
