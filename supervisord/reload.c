/*
 * reload.c: a reload, from the file to the live tree (see reload.h).
 */
#include "reload.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "diff.h"
#include "log.h"
#include "loop.h"
#include "output.h"
#include "spawn.h"
#include "supervise.h"
#include "upgrade.h"

static const char *conf_path;

void
reload_init(const char *path)
{
	conf_path = path;
}

/* A growing message. */
struct msg {
	char *p;
	size_t len;
};

static void msg_add(struct msg *m, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
msg_add(struct msg *m, const char *fmt, ...)
{
	va_list ap;
	char *p;
	int n;

	va_start(ap, fmt);
	/* NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized) */
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	p = realloc(m->p, m->len + (size_t)n + 2);
	if (p == NULL)
		return;
	m->p = p;
	if (m->len > 0)
		m->p[m->len++] = '\n';
	va_start(ap, fmt);
	/* NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized) */
	vsnprintf(m->p + m->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	m->len += (size_t)n;
}

static char *
diags_text(struct diags *d)
{
	struct msg m = {NULL, 0};
	size_t i;

	diags_sort(d);
	for (i = 0; i < d->n; i++) {
		if (d->v[i].line > 0)
			msg_add(&m, "%s:%d: %s", d->v[i].file, d->v[i].line,
			    d->v[i].msg);
		else
			msg_add(&m, "%s: %s", d->v[i].file, d->v[i].msg);
	}
	return m.p;
}

/* Users and groups are resolved as a start would (SPEC 11). */
static void
check_users(const struct config *cfg, struct diags *d)
{
	struct spawn_ids ids;
	char err[256];
	size_t i;

	for (i = 0; i < cfg->nprogs; i++) {
		const struct prog_conf *p = &cfg->progs[i];

		if ((p->user != NULL || p->group != NULL) &&
		    spawn_resolve_ids(
		        p->user, p->group, &ids, err, sizeof(err)) == -1)
			diags_add(d,
			    strstr(err, "group") != NULL && p->group != NULL
			        ? p->group_line
			        : p->user_line,
			    "[program:%s]: %s", p->name, err);
	}
}

/* The path of a node of cfg as tendctl shows it (without "root/"). */
static void
path_of(const struct config *cfg, bool is_sup, size_t i, char *buf, size_t size)
{
	char tail[512];
	const char *name = is_sup ? cfg->sups[i].name : cfg->progs[i].name;
	size_t parent = is_sup ? cfg->sups[i].parent : cfg->progs[i].parent;

	if (is_sup && i == 0) {
		snprintf(buf, size, "%s", name);
		return;
	}
	if (parent == 0) {
		snprintf(buf, size, "%s", name);
		return;
	}
	path_of(cfg, true, parent, tail, sizeof(tail));
	snprintf(buf, size, "%s/%s", tail, name);
}

static void
plan_records(const struct diff *df, const struct config *old,
    const struct config *nw, bool dry_run, struct buf *out)
{
	static const char *const count_keys[DIFF_KINDS] = {
	    [DIFF_UNCHANGED] = "unchanged",
	    [DIFF_UPDATE] = "updated",
	    [DIFF_RESTART] = "restarted",
	    [DIFF_ADD] = "started",
	    [DIFF_REMOVE] = "stopped",
	    [DIFF_MOVE] = "moved",
	};
	char path[1024];
	size_t i;

	for (i = 0; i < df->n; i++) {
		const struct diff_item *it = &df->v[i];

		if (it->kind == DIFF_UNCHANGED)
			continue;
		if (it->kind == DIFF_REMOVE)
			path_of(old, it->is_sup, (size_t)it->old_index, path,
			    sizeof(path));
		else
			path_of(nw, it->is_sup, (size_t)it->new_index, path,
			    sizeof(path));
		rec_begin(out, "change");
		rec_str(out, "path", path);
		rec_str(out, "name", it->name);
		rec_str(out, "kind", it->is_sup ? "supervisor" : "program");
		rec_str(out, "action", diff_kind_name(it->kind));
		rec_str(out, "key", it->key != NULL ? it->key : "");
		rec_end(out);
	}
	rec_begin(out, "counts");
	for (i = 0; i < DIFF_KINDS; i++)
		rec_int(out, count_keys[i], (int64_t)df->count[i]);
	rec_int(out, "dry_run", dry_run);
	rec_end(out);
}

/* The tree, then [tend]'s keys that change in place (SPEC 11). */
static int
apply(struct config *nw, const struct diff *df, char *err, size_t errlen)
{
	const struct config *now;

	if (output_reconfigure_check(&nw->tend, err, errlen) == -1)
		return -1;
	if (supervise_reload(nw, df, err, errlen) == -1) {
		output_reconfigure_abort();
		return -1;
	}
	now = supervise_config();
	output_reconfigure(&now->tend);
	loop_set_grace(now->tend.shutdown_grace_ms);
	return 0;
}

int
reload_run(bool dry_run, struct buf *out, char **why)
{
	struct config nw;
	struct diags d;
	struct diff df;
	char err[512];
	const char *busy;
	char *text = NULL; /* the file's text: an upgrade hands it over */
	size_t len = 0;
	int r = -1;

	memset(&nw, 0, sizeof(nw));
	memset(&d, 0, sizeof(d));
	memset(&df, 0, sizeof(df));
	*why = NULL;
	if (config_load_text(conf_path, &nw, &d, &text, &len) == 0 && d.n == 0)
		check_users(&nw, &d);
	if (d.n == 0 && diff_configs(supervise_config(), &nw, &df, &d) == -1 &&
	    d.n == 0)
		diags_add(&d, 0, "%s", strerror(errno));
	if (d.n > 0) {
		*why = diags_text(&d);
		goto done;
	}
	busy = dry_run ? NULL : supervise_reload_busy(err, sizeof(err));
	if (!dry_run && upgrade_busy())
		busy = "reload refused: an upgrade is under way (the new tend "
		       "checks this configuration); nothing changed, try "
		       "again once it has ended";
	if (busy != NULL) {
		*why = strdup(busy);
		goto done;
	}
	plan_records(&df, supervise_config(), &nw, dry_run, out);
	if (!dry_run && apply(&nw, &df, err, sizeof(err)) == -1) {
		*why = strdup(err);
		goto done;
	}
	if (!dry_run) {
		upgrade_set_conf(text, len);
		text = NULL;
	}
	r = 0;
done:
	free(text);
	if (r == -1 && *why == NULL)
		*why = strdup("out of memory");
	diff_free(&df);
	diags_free(&d);
	config_free(&nw);
	return r;
}

void
reload_on_signal(void)
{
	struct buf b;
	char *why = NULL;

	memset(&b, 0, sizeof(b));
	log_info("SIGHUP: reloading %s", conf_path);
	if (reload_run(false, &b, &why) == -1) {
		char *line, *save = NULL;

		for (line = strtok_r(why, "\n", &save); line != NULL;
		     line = strtok_r(NULL, "\n", &save))
			log_errorx("reload: %s", line);
		log_errorx("reload refused: nothing changed");
	}
	free(why);
	buf_free(&b);
}
