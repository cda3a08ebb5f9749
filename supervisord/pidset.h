/*
 * pidset.h: the pidfds of tend's programs, watched as one set.
 *
 * Every program's pidfd is in an epoll set of its own, and the loop
 * watches that set with one ev_io (an epoll set is itself pollable):
 * when a program ends, its pidfd is readable, the set is readable, and
 * on_ready is called with the owner the pidfd was added with.
 *
 * Why a set of its own rather than an ev_io per pidfd: an upgrade
 * carries the set across the exec as it is. The kernel keeps every
 * registration, the ends that happen during the switch stay pending in
 * it, and neither side pays for ten thousand registrations: closing the
 * loop's epoll with them at the exec, adding them again in the new
 * tend's (some 30 ms with 10,000 programs, bench/README.md).
 *
 * A pidfd in the set is not close-on-exec: it crosses an upgrade's exec
 * without being marked for it. Every other exec tend makes closes it
 * (spawn.c's child keeps descriptors 0 to SLOT_END - 1 alone or marks
 * the rest close-on-exec; upgrade.c's check marks them too).
 */
#ifndef TEND_PIDSET_H
#define TEND_PIDSET_H

#include <stdint.h>

struct ev_loop;

/* Called for a pidfd of the set that is readable (its process ended,
 * or it did and was reaped already: the owner checks). */
typedef void pidset_cb(void *owner);

/* An empty set, watched by loop. 0, or -1 with errno. */
int pidset_init(struct ev_loop *loop, pidset_cb *on_ready);

/* Stop watching and close the set (its pidfds stay the owners'). */
void pidset_fini(void);

/* Add pidfd (made not close-on-exec) for owner. 0, or -1 with errno
 * (ENOMEM; the pidfd is then neither in the set nor changed). */
int pidset_add(int pidfd, void *owner);

/* pidfd, in the set already, now belongs to owner (an instance moved,
 * or the set was taken over by an upgrade). 0, or -1 (ENOMEM). */
int pidset_own(int pidfd, void *owner);

/* Take pidfd out of the set, before its owner closes it. */
void pidset_del(int pidfd);

/* The set's descriptor, for an upgrade's state. */
int pidset_fd(void);

/* Use fd, a set carried across an upgrade, instead of the empty one:
 * its pidfds are in it already (pidset_own says whose each is). */
void pidset_take(int fd);

#endif
