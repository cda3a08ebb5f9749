/*
 * listen.c: listening sockets bound once per address and shared (see
 * listen.h). The sockets form a list: few addresses, looked up only when
 * a program first starts or a reload changes its addresses.
 */
#include "listen.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "state.h"
#include "upgrade.h"

#define BACKLOG 4096 /* the kernel caps it at net.core.somaxconn */

struct lsock {
	enum listen_kind kind;
	unsigned char ip[16];
	int port;
	char *addr; /* as first written; unix: the path is addr + 5 */
	int fd;
	size_t refs;
	struct lsock *next;
};

static struct lsock *all;

static bool
same_address(const struct lsock *s, const struct listen_conf *l)
{
	if (s->kind != l->kind)
		return false;
	if (l->kind == LISTEN_UNIX)
		return strcmp(s->addr + 5, l->path) == 0;
	return s->port == l->port &&
	       memcmp(s->ip, l->ip, l->kind == LISTEN_TCP4 ? 4 : 16) == 0;
}

/* A file at path: removed if it is a socket nobody listens on. 0, or -1
 * with errno (EADDRINUSE: someone listens; EEXIST: not a socket). */
static int
clear_stale(const struct sockaddr_un *sa)
{
	struct stat st;
	int fd, r;

	if (lstat(sa->sun_path, &st) == -1)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISSOCK(st.st_mode)) {
		errno = EEXIST;
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd == -1)
		return -1;
	r = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	close(fd);
	if (r == 0 || errno == EAGAIN) {
		errno = EADDRINUSE;
		return -1;
	}
	if (errno != ECONNREFUSED)
		return -1;
	return unlink(sa->sun_path) == -1 && errno != ENOENT ? -1 : 0;
}

static int
bind_unix(int fd, const struct listen_conf *l)
{
	struct sockaddr_un sa;
	mode_t old;
	int r;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", l->path);
	if (clear_stale(&sa) == -1)
		return -1;
	old = umask(0); /* mode 0666: the directory decides who connects */
	r = bind(fd, (const struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	return r;
}

static int
bind_tcp(int fd, const struct listen_conf *l)
{
	int on = 1;

	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1)
		return -1;
	if (l->kind == LISTEN_TCP4) {
		struct sockaddr_in sa;

		memset(&sa, 0, sizeof(sa));
		sa.sin_family = AF_INET;
		sa.sin_port = htons((uint16_t)l->port);
		memcpy(&sa.sin_addr, l->ip, 4);
		return bind(fd, (const struct sockaddr *)&sa, sizeof(sa));
	} else {
		struct sockaddr_in6 sa;

		if (setsockopt(
		        fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) == -1)
			return -1;
		memset(&sa, 0, sizeof(sa));
		sa.sin6_family = AF_INET6;
		sa.sin6_port = htons((uint16_t)l->port);
		memcpy(&sa.sin6_addr, l->ip, 16);
		return bind(fd, (const struct sockaddr *)&sa, sizeof(sa));
	}
}

/* A new socket bound and listening on l. NULL with errno. */
static struct lsock *
open_lsock(const struct listen_conf *l)
{
	static const int domain[] = {
	    [LISTEN_TCP4] = AF_INET,
	    [LISTEN_TCP6] = AF_INET6,
	    [LISTEN_UNIX] = AF_UNIX,
	};
	struct lsock *s = calloc(1, sizeof(*s));
	int err;

	if (s == NULL || (s->addr = strdup(l->addr)) == NULL)
		goto fail;
	s->kind = l->kind;
	memcpy(s->ip, l->ip, sizeof(s->ip));
	s->port = l->port;
	s->fd = socket(domain[l->kind], SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->fd == -1)
		goto fail;
	if ((l->kind == LISTEN_UNIX ? bind_unix(s->fd, l)
	                            : bind_tcp(s->fd, l)) == -1 ||
	    listen(s->fd, BACKLOG) == -1)
		goto fail_close;
	return s;
fail_close:
	err = errno;
	close(s->fd);
	errno = err;
fail:
	err = errno;
	if (s != NULL)
		free(s->addr);
	free(s);
	errno = err;
	return NULL;
}

static void
unref(struct lsock *s)
{
	struct lsock **pp;

	if (--s->refs > 0)
		return;
	for (pp = &all; *pp != s; pp = &(*pp)->next)
		;
	*pp = s->next;
	if (s->kind == LISTEN_UNIX)
		(void)unlink(s->addr + 5);
	close(s->fd);
	free(s->addr);
	free(s);
}

/* The socket of l: held by someone already, or bound now. */
static struct lsock *
find_or_open(const struct listen_conf *l)
{
	struct lsock *s;

	for (s = all; s != NULL; s = s->next)
		if (same_address(s, l))
			break;
	if (s == NULL) {
		s = open_lsock(l);
		if (s == NULL)
			return NULL;
		s->next = all;
		all = s;
	}
	s->refs++;
	return s;
}

int
listen_hold(const struct listen_conf *l, size_t n, struct listen_set *set,
    char *err, size_t errlen)
{
	size_t i;
	int e;

	set->n = 0;
	/* NOLINTNEXTLINE(bugprone-sizeof-expression): array of pointers */
	set->v = n > 0 ? calloc(n, sizeof(*set->v)) : NULL;
	if (n > 0 && set->v == NULL) {
		snprintf(err, errlen, "listen: %s", strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		set->v[i] = find_or_open(&l[i]);
		if (set->v[i] == NULL) {
			e = errno;
			snprintf(err, errlen, "listen on %s: %s%s", l[i].addr,
			    strerror(e), e == EEXIST ? " (not a socket)" : "");
			listen_release(set);
			errno = e;
			return -1;
		}
		set->n++;
	}
	return 0;
}

void
listen_release(struct listen_set *set)
{
	size_t i;

	for (i = 0; i < set->n; i++)
		/* a socket held twice (two lines, one address) has two refs:
		 * the analyzer does not follow the count */
		/* NOLINTNEXTLINE(clang-analyzer-unix.Malloc) */
		unref(set->v[i]);
	free(set->v);
	set->v = NULL;
	set->n = 0;
}

int
listen_fd(const struct listen_set *set, size_t i)
{
	return set->v[i]->fd;
}

const char *
listen_addr(const struct listen_set *set, size_t i)
{
	return set->v[i]->addr;
}

void
listen_fini(void)
{
	while (all != NULL) {
		all->refs = 1;
		unref(all);
	}
}

const char *
listen_addrs(const struct prog_extra *x, char *buf, size_t size)
{
	size_t i, len = 0;

	if (size == 0)
		return "";
	buf[0] = '\0';
	for (i = 0; i < x->nlisten && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s%s",
		    i > 0 ? "\n" : "", x->listen[i].addr);
	return buf;
}

/* ------------------------------------------------------------ upgrade */

void
listen_save(struct state_w *w)
{
	size_t at = state_begin_section(w, STATE_LISTEN), n = 0;
	const struct lsock *s;

	for (s = all; s != NULL; s = s->next)
		n++;
	state_put_u64(w, n);
	for (s = all; s != NULL; s = s->next) {
		state_put_u8(w, (uint8_t)s->kind);
		state_put_bytes(w, s->ip, sizeof(s->ip));
		state_put_i64(w, s->port);
		state_put_str(w, s->addr);
		state_put_fd(w, s->fd);
	}
	state_end_section(w, at);
}

/* One socket of the state, held by nobody yet: NULL if r is bad. */
static struct lsock *
load_lsock(struct state_r *r)
{
	struct lsock *s = calloc(1, sizeof(*s));
	const char *ip;
	size_t len;
	struct stat st;

	if (s == NULL) {
		r->failed = true;
		return NULL;
	}
	s->kind = (enum listen_kind)state_get_u8(r);
	ip = state_get_bytes(r, &len);
	s->port = (int)state_get_i64(r);
	s->addr = state_get_str(r);
	s->fd = state_get_fd(r);
	if (r->failed || s->kind > LISTEN_UNIX || ip == NULL ||
	    len != sizeof(s->ip) || s->addr == NULL || strlen(s->addr) < 5 ||
	    s->fd < 0 || fstat(s->fd, &st) == -1 || !S_ISSOCK(st.st_mode)) {
		r->failed = true;
		free(s->addr);
		free(s);
		return NULL;
	}
	memcpy(s->ip, ip, sizeof(s->ip));
	return s;
}

int
listen_load(struct state_r *r, char *err, size_t errlen)
{
	struct state_r sub;
	size_t n, i;

	if (!state_section(r, STATE_LISTEN, &sub)) {
		snprintf(err, errlen, "state: no listen section");
		return -1;
	}
	n = state_get_count(&sub, sub.len / 8);
	for (i = 0; i < n && !sub.failed; i++) {
		struct lsock *s = load_lsock(&sub);

		if (s != NULL) {
			s->next = all;
			all = s;
		}
	}
	if (!state_done(&sub)) {
		snprintf(err, errlen, "state: bad listen section");
		return -1;
	}
	return 0;
}

void
listen_settle(void)
{
	struct lsock *s = all, *next;

	for (; s != NULL; s = next) {
		next = s->next;
		if (s->refs == 0) {
			s->refs = 1;
			unref(s);
		}
	}
}
