/*
 * fdset.h: descriptors tend watches by the thousand (programs' pidfds,
 * their capture pipes), each kind in an epoll set of its own.
 *
 * A set is one epoll instance; the loop watches it with one ev_io (an
 * epoll set is itself pollable), and when some of its descriptors are
 * ready, the set's callback is called with the owner each was added
 * with.
 *
 * Why sets of their own rather than an ev_io per descriptor: an upgrade
 * carries a set across the exec as it is. The kernel keeps every
 * registration, what happens during the switch (a program's end, its
 * output) waits in the set, and neither side pays for ten thousand
 * registrations: tearing them down with the loop's epoll at the exec,
 * adding them again in the new tend's (with 10,000 programs about 30 ms
 * for each kind, bench/README.md "The switch cut down").
 *
 * A descriptor in a set is not close-on-exec: it crosses an upgrade's
 * exec as it is. Every other exec tend makes closes it (spawn.c's child
 * keeps descriptors 0 to SLOT_END - 1 alone or marks the rest
 * close-on-exec; upgrade.c's check marks them too).
 */
#ifndef TEND_FDSET_H
#define TEND_FDSET_H

#include <ev.h>
#include <stddef.h>

/* Called for a descriptor of the set that is ready (a pidfd: its process
 * ended, or it did and was reaped already; a pipe: readable or closed:
 * the owner checks). */
typedef void fdset_cb(void *owner);

struct fdset {
	struct ev_loop *loop;
	fdset_cb *on_ready;
	ev_io w;      /* on the set's descriptor */
	void **owner; /* by descriptor number */
	size_t cap;
};

/* s: an empty set, watched by loop. 0, or -1 with errno. */
int fdset_init(struct fdset *s, struct ev_loop *loop, fdset_cb *on_ready);

/* Stop watching and close the set (its descriptors stay the owners'). */
void fdset_fini(struct fdset *s);

/* Add fd (made not close-on-exec) for owner; one in the set already is
 * given to owner. 0, or -1 with errno (ENOMEM: fd is then neither in
 * the set nor changed). */
int fdset_add(struct fdset *s, int fd, void *owner);

/* fd, in the set already, now belongs to owner (an instance moved, or
 * the set was taken over by an upgrade). 0, or -1 (ENOMEM). */
int fdset_own(struct fdset *s, int fd, void *owner);

/* Take fd out of the set (before its owner closes it, or while it is
 * not to be watched); one not in it is let be. */
void fdset_del(struct fdset *s, int fd);

/* The set's descriptor, for an upgrade's state. */
int fdset_fd(const struct fdset *s);

/* Use fd, a set carried across an upgrade, instead of s's empty one:
 * its descriptors are in it already (fdset_own says whose each is). */
void fdset_take(struct fdset *s, int fd);

#endif
