/*
 * diff.h: the plan of a reload (SPEC 7 Reload, SPEC 11 Live change): the
 * running configuration and a new one, both valid, compared name by name
 * into what must happen to each program and supervisor.
 *
 * Pure: it reads the two configurations and nothing else, changes neither,
 * and prints nothing. What cannot change without a restart of tend (the
 * control socket, its group, cgroups) is reported as a diagnostic.
 *
 * The classification:
 * - a key the running process depends on (command, directory, user,
 *   group, umask, environment, stdout, stderr, ready, listen, nice,
 *   oom_score_adj, limit_*) changed: that program restarts alone;
 * - only supervision keys changed (restart, shutdown, stop_signal,
 *   backoff, min_uptime, start_timeout, health*, watchdog, significant,
 *   handover, autostart; a supervisor's strategy, intensity, period,
 *   auto_shutdown, restart, shutdown, significant, the order of its
 *   children): updated in place, restart history kept;
 * - cgroup limits changed: written to the live cgroup, in place;
 * - a name only in the new file: added; only in the old: removed; under
 *   another parent: moved (stopped, then started there). A rename, or a
 *   program that became a supervisor, is a removal and an addition.
 */
#ifndef TEND_DIFF_H
#define TEND_DIFF_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

enum diff_kind {
	DIFF_UNCHANGED,
	DIFF_UPDATE,  /* in place: supervision keys, cgroup limits */
	DIFF_RESTART, /* a key the running process depends on */
	DIFF_ADD,
	DIFF_REMOVE,
	DIFF_MOVE, /* another parent */
	DIFF_KINDS,
};

/* What changed in a node that is in both files (diff_item.keys). */
#define DIFF_K_PROCESS 0x01u     /* restarts it */
#define DIFF_K_SUPERVISION 0x02u /* in place */
#define DIFF_K_LIMITS 0x04u      /* cgroup limits, written live */
#define DIFF_K_ORDER 0x08u       /* a supervisor's children order */
#define DIFF_K_LISTEN 0x10u      /* its listen addresses (with PROCESS) */
#define DIFF_K_PARENT 0x20u      /* its parent (DIFF_MOVE) */

struct diff_item {
	enum diff_kind kind;
	bool is_sup;
	const char *name; /* borrowed: from the new config, or the old one
	                   * for a removal */
	long old_index;   /* into the old config's progs or sups; -1: none */
	long new_index;   /* into the new config's; -1: none */
	unsigned keys;    /* DIFF_K_* */
	const char *key;  /* the first key that decided kind, for messages
	                   * ("command"); a static string, or NULL */
};

/*
 * Items in the order a reload carries them out: removals first, children
 * before their parents and in reverse start order; then every node of the
 * new tree but the root in start order (pre-order), and the root last.
 * Unchanged nodes are items too.
 */
struct diff {
	struct diff_item *v;
	size_t n, cap;
	size_t count[DIFF_KINDS];
	bool tend_changed; /* log_* or shutdown_grace: applied in place */
};

/*
 * Compare old (the running configuration) with nw (a valid new one) into
 * out (overwritten; free it with diff_free). A change of [tend] socket,
 * socket_group or cgroups is a diagnostic in d naming the key and saying
 * it needs a restart of tend. 0; -1 with errno EINVAL (refused: d says
 * why) or ENOMEM.
 */
int diff_configs(const struct config *old, const struct config *nw,
    struct diff *out, struct diags *d);

/* Free what out owns and zero it. */
void diff_free(struct diff *out);

/* What happens to an item, in a word or two ("restarted"). */
const char *diff_kind_name(enum diff_kind k);

/* Whether anything at all changes (a node, or [tend]'s in-place keys). */
bool diff_changes(const struct diff *df);

#endif
