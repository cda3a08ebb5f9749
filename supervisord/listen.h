/*
 * listen.h: the listening sockets tend binds for its programs (SPEC 7
 * Listening sockets, `listen =`). Each address is bound once and shared
 * by every program that names it; a program holds its sockets from its
 * first start until it no longer names them (a reload, its removal), so
 * they stay open across its restarts and a client connecting meanwhile
 * waits in the backlog instead of being refused. A socket no program
 * holds is closed (a unix socket's file is removed).
 *
 * TCP sockets get SO_REUSEADDR (and IPV6_V6ONLY for IPv6). A unix socket
 * is made with mode 0666, owned by tend's user: who may connect is decided
 * by the directory it is in. A file left at its path is replaced only if
 * it is a socket nobody listens on.
 */
#ifndef TEND_LISTEN_H
#define TEND_LISTEN_H

#include <stddef.h>

#include "config.h"

struct lsock;

/* A program's hold on its sockets, in the order of its listen lines. */
struct listen_set {
	struct lsock **v;
	size_t n;
};

/*
 * Bind (or find, if some program holds it already) a socket for each of
 * the n addresses l into set, which must be empty. 0; or -1 with errno
 * (EADDRINUSE, EACCES, ENOMEM...), a message naming the address and the
 * error in err, and set left empty.
 */
int listen_hold(const struct listen_conf *l, size_t n, struct listen_set *set,
    char *err, size_t errlen);

/* Let go of set's sockets (closing those nobody else holds); set empty. */
void listen_release(struct listen_set *set);

/* x's listen addresses as written, one a line, into buf ("" if none). */
const char *listen_addrs(const struct prog_extra *x, char *buf, size_t size);

/* The descriptor of the i-th socket of set. */
int listen_fd(const struct listen_set *set, size_t i);

/* The address of the i-th socket of set, as written ("tcp:..."). */
const char *listen_addr(const struct listen_set *set, size_t i);

/* Close every socket (tend's exit). */
void listen_fini(void);

/*
 * An upgrade (upgrade.h): every socket, its address and descriptor, into
 * w's STATE_LISTEN section (the descriptor stays open across the exec:
 * nothing is closed or bound again, a client waits in the backlog).
 */
struct state_w;
struct state_r;
void listen_save(struct state_w *w);

/*
 * The new tend: the sockets of r's STATE_LISTEN section, held by nobody
 * until each program that held its own takes them again (listen_hold
 * finds them by address); then listen_settle closes any left unheld. 0,
 * or -1 and err.
 */
int listen_load(struct state_r *r, char *err, size_t errlen);
void listen_settle(void);

#endif
