/*
 * cgroup.h: one cgroup v2 per program, nested as the tree is nested,
 * below tend's own (SPEC 9, SPEC 11 "cgroups"):
 *
 *     <tend's cgroup>/tend              tend itself (a leaf)
 *     <tend's cgroup>/s-root/p-web      a program of the root
 *     <tend's cgroup>/s-root/s-back/p-db
 *
 * Directory names carry a prefix so that no name can collide with a
 * cgroup interface file. Supervisor cgroups never hold processes. A
 * program is placed with clone3(CLONE_INTO_CGROUP) where the kernel has
 * it (spawn.c), killed with cgroup.kill, and its emptiness is learned
 * from cgroup.events through inotify, never by polling.
 */
#ifndef TEND_CGROUP_H
#define TEND_CGROUP_H

#include <sys/types.h>

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "tree.h"

/*
 * Find the cgroup v2 hierarchy (through /proc/self/mountinfo) and move
 * tend into its leaf. mode auto: without a writable cgroup v2, log once
 * and return 0 with cgroups off; yes: that is an error (-1, err); no:
 * off. id names this tend (its socket's path): a tend that finds its
 * cgroup held by another tend uses <cgroup>/tend-HASH(id). on_empty is
 * called from the loop when a program's cgroup, being waited on, has
 * become empty.
 */
int cgroup_init(struct ev_loop *loop, enum cgroups_mode mode, const char *id,
    void (*on_empty)(struct prog *p), char *err, size_t errlen);

/* Whether programs get cgroups. */
bool cgroup_enabled(void);

/*
 * Before p's spawn: create its cgroup (and its supervisors') if needed.
 * Returns its directory, opened O_PATH for the spawn (the caller closes
 * it), or -1: without cgroups (errno 0) or on error (errno set).
 * *migrate: the child must move itself into it rather than be cloned
 * into it (CLONE_INTO_CGROUP).
 */
int cgroup_prepare(struct prog *p, bool *migrate);

/*
 * At start, before p was ever spawned: whether a predecessor left
 * processes in p's cgroup (SPEC 7 Restart after a crash). If so, p now
 * has that cgroup (cgroup_signal, cgroup_populated and cgroup_kill reach
 * them) and its next instance is placed there once it is empty.
 */
bool cgroup_find_leftover(struct prog *p);

/* After an upgrade: p's cgroup (cg_made, from the state) is reachable
 * again (its supervisors' directories are opened). */
void cgroup_resume(struct prog *p);

/* Whether p has a cgroup of its own. */
bool cgroup_has(const struct prog *p);

/* Whether anything of p's instance still lives in its cgroup. */
bool cgroup_populated(const struct prog *p);

/* Watch p's cgroup until it is empty, then on_empty(p) (once). */
void cgroup_watch(struct prog *p);
void cgroup_unwatch(struct prog *p);

/* Kill everything in p's cgroup. 0, or -1 with errno. */
int cgroup_kill(struct prog *p);

/*
 * A program's cgroup v2 directory is p-NAME or o-NAME (its node's
 * cg_alt): a start_first handover (SPEC 7) starts the new instance in
 * the slot the live one does not use, so that a stop or cgroup.kill
 * reaches one instance only. (cgroup v2 cannot rename a cgroup.) Its
 * cgroup v1 directories (cglimit.c) are always p-NAME's, shared.
 */
enum cgroup_slot {
	CG_SLOT_P,
	CG_SLOT_O,
};

/* Send sig to every process in p's cgroup. */
void cgroup_signal(const struct prog *p, int sig);

/*
 * The program of t whose cgroup holds pid (read from /proc/PID/cgroup),
 * or NULL: none, or cgroups are off.
 */
struct prog *cgroup_owner(struct tree *t, pid_t pid);

/*
 * Choose the cgroup directory a tend uses below orig, its own cgroup in
 * some hierarchy: orig itself, locked (flock, *lock_fd, held for tend's
 * life), or orig/tend-HASH when another tend holds orig (HASH of the
 * id given to cgroup_init). 0, or -1 with a message in err.
 */
int cgroup_choose_base(const char *orig, char *base, size_t size, int *lock_fd,
    char *err, size_t errlen);

/* tend's cgroup v2 directory, below which s-root lies; NULL without
 * cgroups. Borrowed. */
const char *cgroup_base(void);

/* n's cgroup path relative to that directory ("s-root/s-back/p-db"),
 * into buf. */
const char *cgroup_rel_path(const struct node *n, char *buf, size_t size);

/* The same as its cgroup v1 directories have it: a program's is always
 * p-NAME (see enum cgroup_slot). */
const char *cgroup_rel_path_v1(const struct node *n, char *buf, size_t size);

/*
 * Read file of n's cgroup v2 directory into buf (NUL-terminated, cut to
 * size - 1): its length, or -1 (no cgroup, no such file).
 */
ssize_t cgroup_read(
    const struct node *n, const char *file, char *buf, size_t size);

/* Remove t's cgroups (the empty ones) and leave tend's leaf. */
void cgroup_fini(struct tree *t);

/* A node a reload removed is forgotten: its cgroup directory goes (a
 * supervisor's after its children's). */
void cgroup_forget(struct node *n);

#endif
