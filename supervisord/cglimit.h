/*
 * cglimit.h: cgroup limits on programs and on supervisors' subtrees
 * (SPEC 9, SPEC 3's memory_max, memory_high, cpu_max, cpu_weight,
 * pids_max). A limit is enforced in cgroup v2 where tend's v2 cgroup has
 * its controller (enabled down the tree through cgroup.subtree_control);
 * else, on a hybrid host, through that controller's v1 hierarchy, where
 * the program or supervisor gets a cgroup at the same relative path below
 * tend's own cgroup of that hierarchy:
 *
 *     <tend's v1 cgroup>/s-root/s-grp/p-web
 *
 * Only nodes with a limit of that controller, and the programs below
 * them, get v1 cgroups; a program joins its v1 cgroups before exec
 * (spawn.c: v1 has no CLONE_INTO_CGROUP). A limit whose controller is
 * available nowhere is reported once, at start, and shown as not
 * enforced; with `[tend] cgroups = yes` it is an error.
 */
#ifndef TEND_CGLIMIT_H
#define TEND_CGLIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "limitmap.h"
#include "tree.h"

/* At most this many v1 cgroups a program joins (cpu, memory, pids). */
#define CGLIMIT_V1_MAX CTL_COUNT

/*
 * At start, after cgroup_init and tree_build: find the v1 hierarchies,
 * decide where each limit of t is enforced, enable the v2 controllers the
 * limits need, and report each limit that can be enforced nowhere, once.
 * mode CGROUPS_YES makes that an error: -1 with a message in err naming
 * the program or supervisor, the key and the controller. 0 otherwise.
 */
int cglimit_init(
    struct tree *t, enum cgroups_mode mode, char *err, size_t errlen);

/* n's limits: a program's or a supervisor's. */
const struct cg_limits *cglimit_of(const struct node *n);

/* Where n's limit k is enforced (HOME_NONE also when n does not set k). */
enum limit_home cglimit_home(const struct node *n, enum limit_key k);

/*
 * cgroup.c, having made n's cgroup v2 directory dirfd: a supervisor's gets
 * the controllers that limits below it need in its cgroup.subtree_control;
 * either gets n's limits that are enforced in v2. Failures are logged.
 */
void cglimit_v2_made(struct node *n, int dirfd);

/*
 * Before p's spawn: the v1 cgroups p is to run in, made (with their
 * limits) if needed. The descriptors of their cgroup.procs files, opened
 * for writing, into fds, for the child to join them before exec: how
 * many (0 when it has none), or -1 with errno. The caller closes them.
 */
int cglimit_v1_prepare(struct prog *p, int fds[CGLIMIT_V1_MAX]);

/*
 * Write n's limits, and those of its subtree, to their live cgroups, v2
 * and v1 (making what is missing), lifting those no longer set: what a
 * reload that changes only limits does. 0, or -1 with a message in err
 * (everything that could be written is).
 */
int cglimit_apply(struct node *n, char *err, size_t errlen);

/*
 * After a reload swapped t's configuration: find the hierarchies of
 * controllers newly used, decide anew where each limit is enforced, make
 * the v1 cgroups now needed and move the running programs' processes
 * into them, and write every limit set or lifted to the live cgroups;
 * nothing restarts. 0, or -1 with a message in err (everything that could
 * be written is; the reload stands).
 */
int cglimit_reload(struct tree *t, char *err, size_t errlen);

/*
 * Before a reload changes anything: find the hierarchies of the
 * controllers cfg's limits use that were not looked for yet; with [tend]
 * cgroups = yes, -1 with a message in err if one of its limits can be
 * enforced nowhere. 0 otherwise.
 */
int cglimit_check(const struct config *cfg, char *err, size_t errlen);

/* n's v1 cgroup directory in c's hierarchy into buf, or NULL if it has
 * none. */
const char *cglimit_v1_dir(
    const struct node *n, enum controller c, char *buf, size_t size);

/*
 * p's memory cgroup's oom_kill count (v2 memory.events, v1
 * memory.oom_control), or -1 when p has no memory cgroup of its own.
 */
int64_t cglimit_oom_kills(const struct prog *p);

/* Remove the v1 cgroups made (after every program has ended). */
void cglimit_fini(struct tree *t);

#endif
