/*
 * diff.c: the plan of a reload (see diff.h). Two valid configurations in,
 * a list of items out; no system calls, nothing printed, neither
 * configuration changed.
 */
#include "diff.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------- comparisons */

static bool
str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* NULL-terminated word lists (argv, environment); NULL is empty. */
static bool
words_eq(char *const *a, char *const *b)
{
	if (a == NULL || b == NULL) {
		char *const *c = a != NULL ? a : b;

		return c == NULL || c[0] == NULL;
	}
	for (; *a != NULL && *b != NULL; a++, b++)
		if (strcmp(*a, *b) != 0)
			return false;
	return *a == NULL && *b == NULL;
}

/* stdout and stderr as they take effect: the defaults made explicit. */
static enum out_mode
effective_out(enum out_mode m, bool is_stdout)
{
	if (m != OUT_DEFAULT)
		return m;
	return is_stdout ? OUT_LOG : OUT_STDOUT;
}

static bool
output_eq(enum out_mode ma, const char *pa, enum out_mode mb, const char *pb,
    bool is_stdout)
{
	ma = effective_out(ma, is_stdout);
	mb = effective_out(mb, is_stdout);
	return ma == mb && (ma != OUT_FILE || str_eq(pa, pb));
}

static bool
ready_eq(const struct prog_conf *a, const struct prog_conf *b)
{
	const struct prog_extra *xa = prog_extra(a), *xb = prog_extra(b);

	if (a->ready != b->ready)
		return false;
	switch (a->ready) {
	case READY_FD:
		return xa->ready_fd == xb->ready_fd;
	case READY_EXEC:
		return words_eq(xa->ready_argv, xb->ready_argv);
	case READY_TCP:
		return xa->ready_port == xb->ready_port;
	default:
		return true;
	}
}

static bool
listen_eq(const struct prog_extra *a, const struct prog_extra *b)
{
	size_t i;

	if (a->nlisten != b->nlisten)
		return false;
	for (i = 0; i < a->nlisten; i++)
		if (strcmp(a->listen[i].addr, b->listen[i].addr) != 0 ||
		    !str_eq(a->listen[i].name, b->listen[i].name))
			return false;
	return true;
}

static bool
rlimits_eq(const struct prog_extra *a, const struct prog_extra *b)
{
	size_t i;

	for (i = 0; i < LIMIT_COUNT; i++)
		if (a->has_limit[i] != b->has_limit[i] ||
		    (a->has_limit[i] && a->limit[i] != b->limit[i]))
			return false;
	return true;
}

/* The first key the running process depends on that differs, or NULL. */
static const char *
process_key(const struct prog_conf *a, const struct prog_conf *b)
{
	const struct prog_extra *xa = prog_extra(a), *xb = prog_extra(b);

	if (!words_eq(a->argv, b->argv))
		return "command";
	if (!str_eq(a->directory, b->directory))
		return "directory";
	if (!str_eq(a->user, b->user))
		return "user";
	if (!str_eq(a->group, b->group))
		return "group";
	if (a->umask != b->umask)
		return "umask";
	if (!words_eq(a->env, b->env))
		return "environment";
	if (!output_eq(a->out, a->out_path, b->out, b->out_path, true))
		return "stdout";
	if (!output_eq(a->err, a->err_path, b->err, b->err_path, false))
		return "stderr";
	if (!ready_eq(a, b))
		return "ready";
	if (!listen_eq(xa, xb))
		return "listen";
	if (xa->has_nice != xb->has_nice || xa->nice != xb->nice)
		return "nice";
	if (xa->has_oom_score_adj != xb->has_oom_score_adj ||
	    xa->oom_score_adj != xb->oom_score_adj)
		return "oom_score_adj";
	if (!rlimits_eq(xa, xb))
		return "limit_*";
	return NULL;
}

static bool
health_eq(const struct prog_extra *a, const struct prog_extra *b)
{
	if (a->health != b->health || a->health_port != b->health_port ||
	    a->health_interval_ms != b->health_interval_ms ||
	    a->health_timeout_ms != b->health_timeout_ms ||
	    a->health_retries != b->health_retries)
		return false;
	return a->health != HEALTH_EXEC ||
	       words_eq(a->health_argv, b->health_argv);
}

/* The first supervision key of a program that differs, or NULL. */
static const char *
prog_supervision_key(const struct prog_conf *a, const struct prog_conf *b)
{
	const struct prog_extra *xa = prog_extra(a), *xb = prog_extra(b);

	if (a->autostart != b->autostart)
		return "autostart";
	if (a->restart != b->restart)
		return "restart";
	if (a->shutdown_ms != b->shutdown_ms)
		return "shutdown";
	if (a->stop_signal != b->stop_signal)
		return "stop_signal";
	if (a->significant != b->significant)
		return "significant";
	if (a->backoff_min_ms != b->backoff_min_ms ||
	    a->backoff_max_ms != b->backoff_max_ms)
		return "backoff";
	if (a->min_uptime_ms != b->min_uptime_ms)
		return "min_uptime";
	if (xa->start_timeout_ms != xb->start_timeout_ms)
		return "start_timeout";
	if (!health_eq(xa, xb))
		return "health";
	if (xa->watchdog_ms != xb->watchdog_ms)
		return "watchdog";
	if (xa->handover != xb->handover)
		return "handover";
	return NULL;
}

/* The first cgroup limit key that differs between a and b, or NULL. */
static const char *
limits_key(const struct cg_limits *a, const struct cg_limits *b)
{
	if (a->memory_max != b->memory_max)
		return "memory_max";
	if (a->memory_high != b->memory_high)
		return "memory_high";
	if (a->cpu_quota_us != b->cpu_quota_us ||
	    a->cpu_period_us != b->cpu_period_us)
		return "cpu_max";
	if (a->cpu_weight != b->cpu_weight)
		return "cpu_weight";
	if (a->pids_max != b->pids_max)
		return "pids_max";
	return NULL;
}

static const char *
prog_limits_key(const struct prog_conf *a, const struct prog_conf *b)
{
	return limits_key(&prog_extra(a)->lim, &prog_extra(b)->lim);
}

static const char *
child_name(const struct config *cfg, const struct child_ref *r)
{
	return r->is_sup ? cfg->sups[r->index].name : cfg->progs[r->index].name;
}

static const char *parent_name(
    const struct config *cfg, bool is_sup, size_t index);

/* Whether child r of cfg is, by name and kind, in other too; with
 * same_parent, under a supervisor of the same name there. */
static bool
in_other(const struct config *cfg, const struct child_ref *r,
    const struct config *other, bool same_parent)
{
	const char *name = child_name(cfg, r);
	long o = r->is_sup ? config_find_sup(other, name)
	                   : config_find_prog(other, name);

	if (o < 0)
		return false;
	return !same_parent || str_eq(parent_name(cfg, r->is_sup, r->index),
	                           parent_name(other, r->is_sup, (size_t)o));
}

/* Whether the children both supervisors share are in the same order. */
static bool
order_eq(const struct config *oc, const struct sup_conf *a,
    const struct config *nc, const struct sup_conf *b)
{
	size_t i = 0, j = 0;

	for (;;) {
		/* skip children the other side does not have */
		while (i < a->nkids && !in_other(oc, &a->kids[i], nc, true))
			i++;
		while (j < b->nkids && !in_other(nc, &b->kids[j], oc, true))
			j++;
		if (i == a->nkids || j == b->nkids)
			return i == a->nkids && j == b->nkids;
		if (strcmp(child_name(oc, &a->kids[i]),
		        child_name(nc, &b->kids[j])) != 0)
			return false;
		i++;
		j++;
	}
}

static const char *
sup_supervision_key(const struct sup_conf *a, const struct sup_conf *b)
{
	if (a->strategy != b->strategy)
		return "strategy";
	if (a->intensity != b->intensity)
		return "intensity";
	if (a->period_ms != b->period_ms)
		return "period";
	if (a->auto_shutdown != b->auto_shutdown)
		return "auto_shutdown";
	if (a->restart != b->restart)
		return "restart";
	if (a->shutdown_ms != b->shutdown_ms)
		return "shutdown";
	if (a->significant != b->significant)
		return "significant";
	return NULL;
}

/* ------------------------------------------------------------ items */

static int
add_item(struct diff *df, const struct diff_item *it)
{
	if (df->n == df->cap) {
		size_t cap = df->cap ? df->cap * 2 : 32;
		struct diff_item *v = reallocarray(df->v, cap, sizeof(*v));

		if (v == NULL)
			return -1;
		df->v = v;
		df->cap = cap;
	}
	df->v[df->n++] = *it;
	df->count[it->kind]++;
	return 0;
}

static const char *
parent_name(const struct config *cfg, bool is_sup, size_t index)
{
	if (is_sup)
		return index == 0 ? NULL
		                  : cfg->sups[cfg->sups[index].parent].name;
	return cfg->sups[cfg->progs[index].parent].name;
}

/* Classify a program in both files. */
static void
classify_prog(
    const struct prog_conf *a, const struct prog_conf *b, struct diff_item *it)
{
	const char *k;

	if ((k = prog_limits_key(a, b)) != NULL) {
		it->keys |= DIFF_K_LIMITS;
		it->kind = DIFF_UPDATE;
		it->key = k;
	}
	if ((k = prog_supervision_key(a, b)) != NULL) {
		it->keys |= DIFF_K_SUPERVISION;
		it->kind = DIFF_UPDATE;
		it->key = k;
	}
	if ((k = process_key(a, b)) != NULL) {
		it->keys |= DIFF_K_PROCESS;
		if (strcmp(k, "listen") == 0 ||
		    !listen_eq(prog_extra(a), prog_extra(b)))
			it->keys |= DIFF_K_LISTEN;
		it->kind = DIFF_RESTART;
		it->key = k;
	}
}

static void
classify_sup(const struct config *oc, const struct sup_conf *a,
    const struct config *nc, const struct sup_conf *b, struct diff_item *it)
{
	const char *k = sup_supervision_key(a, b);

	if (!order_eq(oc, a, nc, b)) {
		it->keys |= DIFF_K_ORDER;
		it->kind = DIFF_UPDATE;
		it->key = "children";
	}
	if (k != NULL) {
		it->keys |= DIFF_K_SUPERVISION;
		it->kind = DIFF_UPDATE;
		it->key = k;
	}
}

/* The item of node r of the new file. */
static void
new_item(const struct config *oc, const struct config *nc,
    const struct child_ref *r, struct diff_item *it)
{
	const char *name = child_name(nc, r);
	long o =
	    r->is_sup ? config_find_sup(oc, name) : config_find_prog(oc, name);

	memset(it, 0, sizeof(*it));
	it->is_sup = r->is_sup;
	it->name = name;
	it->new_index = (long)r->index;
	it->old_index = o;
	if (o < 0) {
		it->kind = DIFF_ADD;
		return;
	}
	if (!str_eq(parent_name(oc, r->is_sup, (size_t)o),
	        parent_name(nc, r->is_sup, r->index))) {
		it->kind = DIFF_MOVE;
		it->keys = DIFF_K_PARENT;
		it->key = "children";
		return;
	}
	if (r->is_sup)
		classify_sup(oc, &oc->sups[o], nc, &nc->sups[r->index], it);
	else
		classify_prog(&oc->progs[o], &nc->progs[r->index], it);
}

/* Every node under sups[s] of nc, in start order (pre-order). */
static int
walk_new(
    const struct config *oc, const struct config *nc, size_t s, struct diff *df)
{
	const struct sup_conf *sc = &nc->sups[s];
	struct diff_item it;
	size_t i;

	for (i = 0; i < sc->nkids; i++) {
		new_item(oc, nc, &sc->kids[i], &it);
		if (add_item(df, &it) == -1)
			return -1;
		if (sc->kids[i].is_sup &&
		    walk_new(oc, nc, sc->kids[i].index, df) == -1)
			return -1;
	}
	return 0;
}

/* The removals under sups[s] of oc, children first, in reverse order. */
static int
walk_old(
    const struct config *oc, const struct config *nc, size_t s, struct diff *df)
{
	const struct sup_conf *sc = &oc->sups[s];
	size_t i;

	for (i = sc->nkids; i-- > 0;) {
		const struct child_ref *r = &sc->kids[i];
		struct diff_item it;

		if (r->is_sup && walk_old(oc, nc, r->index, df) == -1)
			return -1;
		if (in_other(oc, r, nc, false))
			continue;
		memset(&it, 0, sizeof(it));
		it.kind = DIFF_REMOVE;
		it.is_sup = r->is_sup;
		it.name = child_name(oc, r);
		it.old_index = (long)r->index;
		it.new_index = -1;
		if (add_item(df, &it) == -1)
			return -1;
	}
	return 0;
}

/* [tend]: what needs a restart of tend is refused; the rest is noted. */
static void
compare_tend(const struct tend_conf *a, const struct tend_conf *b,
    struct diff *df, struct diags *d)
{
	static const char fmt[] = "[tend] %s changed: this needs a restart of "
	                          "tend (the reload is refused)";

	if (!str_eq(a->socket, b->socket))
		diags_add(d, 0, fmt, "socket");
	if (!str_eq(a->socket_group, b->socket_group))
		diags_add(d, b->socket_group_line, fmt, "socket_group");
	if (a->cgroups != b->cgroups)
		diags_add(d, 0, fmt, "cgroups");
	df->tend_changed = !str_eq(a->log_dir, b->log_dir) ||
	                   a->log_max_size != b->log_max_size ||
	                   a->log_keep != b->log_keep ||
	                   a->log_ring != b->log_ring ||
	                   a->shutdown_grace_ms != b->shutdown_grace_ms;
}

int
diff_configs(const struct config *old, const struct config *nw,
    struct diff *out, struct diags *d)
{
	struct diff_item root;
	size_t before = d->n;

	memset(out, 0, sizeof(*out));
	compare_tend(&old->tend, &nw->tend, out, d);
	if (d->n > before) {
		errno = EINVAL;
		return -1;
	}
	memset(&root, 0, sizeof(root));
	root.is_sup = true;
	root.name = nw->sups[0].name;
	root.new_index = root.old_index = 0;
	classify_sup(old, &old->sups[0], nw, &nw->sups[0], &root);
	if (walk_old(old, nw, 0, out) == -1 ||
	    walk_new(old, nw, 0, out) == -1 || add_item(out, &root) == -1) {
		diff_free(out);
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

void
diff_free(struct diff *out)
{
	free(out->v);
	memset(out, 0, sizeof(*out));
}

const char *
diff_kind_name(enum diff_kind k)
{
	switch (k) {
	case DIFF_UNCHANGED:
		return "unchanged";
	case DIFF_UPDATE:
		return "updated in place";
	case DIFF_RESTART:
		return "restarted";
	case DIFF_ADD:
		return "started";
	case DIFF_REMOVE:
		return "stopped";
	case DIFF_MOVE:
		return "moved";
	case DIFF_KINDS:
		break;
	}
	return "?";
}

bool
diff_changes(const struct diff *df)
{
	return df->tend_changed || df->count[DIFF_UNCHANGED] < df->n;
}
