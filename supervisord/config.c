/*
 * config.c: the configuration file (SPEC 3 and 11) -> struct config plus
 * diagnostics. config_parse() runs four steps: read every line
 * (confread.c), make each section a node with its defaults and check its
 * keys against the tables (confkeys.c, called from here), resolve the tree
 * (conftree.c), then check what needs the tree. Here too: the
 * diagnostics, the name index, and the message and memory helpers the
 * steps share (confint.h). Pure: it reads only the FILE * it is given
 * (config_load() opens one), prints nothing, reports every problem rather
 * than the first, and must survive any input: binary, NUL bytes, huge
 * lines, ten thousand sections.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "confint.h"
#include "units.h"

/* A bucket of the name index: a node, or free when used is false. */
struct slot {
	bool used;
	struct child_ref ref;
};

struct config_index {
	struct slot *v;
	size_t cap; /* a power of two, or 0 */
	size_t n;
};

const char *
conf_show_n(struct shown *b, const char *s, size_t n, bool quotes)
{
	/* b is an output buffer: callers pass an uninitialized one */
	/* cppcheck-suppress ctuuninitvar */
	char *o = b->s;

	if (quotes)
		*o++ = '"';
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (i == SHOW_MAX) {
			memcpy(o, "...", 3);
			o += 3;
			break;
		}
		if (ch == '"' || ch == '\\') {
			*o++ = '\\';
			*o++ = (char)ch;
		} else if (ch < 0x20 || ch == 0x7f) {
			static const char hex[] = "0123456789abcdef";

			*o++ = '\\';
			*o++ = 'x';
			*o++ = hex[ch >> 4];
			*o++ = hex[ch & 15];
		} else {
			*o++ = (char)ch;
		}
	}
	if (quotes)
		*o++ = '"';
	*o = '\0';
	return b->s;
}

const char *
conf_quote(struct shown *b, const char *s)
{
	return conf_show_n(b, s, strlen(s), true);
}

/* ---- diagnostics ---- */

/* The message of a diagnostic that could not be allocated. */
static char lost_msg[] = "out of memory: a diagnostic was lost";

static int
diags_addv(struct diags *d, int line, const char *fmt, va_list ap)
{
	char *msg;

	/* Keep a slot spare, so that running out of memory still shows. */
	if (d->n + 1 >= d->cap) {
		size_t cap = d->cap != 0 ? d->cap * 2 : 16;
		struct diag *v = reallocarray(d->v, cap, sizeof(*v));

		if (v != NULL) {
			d->v = v;
			d->cap = cap;
		} else if (d->n == d->cap) {
			return -1;
		}
	}
	if (d->n + 1 == d->cap || vasprintf(&msg, fmt, ap) == -1)
		msg = lost_msg;
	d->v[d->n++] = (struct diag){.file = d->file, .line = line, .msg = msg};
	return msg == lost_msg ? -1 : 0;
}

int
diags_add(struct diags *d, int line, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = diags_addv(d, line, fmt, ap);
	va_end(ap);
	return r;
}

/* Merge the sorted runs v[0..h) and v[h..n) through tmp; stable. */
static void
merge(struct diag *v, struct diag *tmp, size_t h, size_t n)
{
	size_t i = 0, j = h, k = 0;

	while (i < h && j < n)
		tmp[k++] = v[j].line < v[i].line ? v[j++] : v[i++];
	while (i < h)
		tmp[k++] = v[i++];
	while (j < n)
		tmp[k++] = v[j++];
	memcpy(v, tmp, n * sizeof(*v));
}

/* Bottom-up: runs of 1, 2, 4... merged pairwise. */
static void
merge_sort(struct diag *v, struct diag *tmp, size_t n)
{
	for (size_t run = 1; run < n; run *= 2)
		for (size_t lo = 0; lo + run < n; lo += 2 * run)
			merge(v + lo, tmp, run,
			    n - lo < 2 * run ? n - lo : 2 * run);
}

/* Stable: a merge sort, or an insertion sort without memory. */
static void
sort_range(struct diag *v, size_t n)
{
	struct diag *tmp;

	if (n < 2)
		return;
	tmp = reallocarray(NULL, n, sizeof(*tmp));
	if (tmp != NULL) {
		merge_sort(v, tmp, n);
		free(tmp);
		return;
	}
	for (size_t i = 1; i < n; i++) {
		struct diag x = v[i];
		size_t j = i;

		for (; j > 0 && v[j - 1].line > x.line; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

void
diags_sort(struct diags *d)
{
	sort_range(d->v, d->n);
}

void
diags_free(struct diags *d)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].msg != lost_msg)
			free(d->v[i].msg);
	free(d->v);
	memset(d, 0, sizeof(*d));
}

/* ---- errors and memory, for every step (confint.h) ---- */

void
conf_error_at(struct ctx *c, int line, const char *fmt, ...)
{
	va_list ap;

	c->errors++;
	va_start(ap, fmt);
	(void)diags_addv(c->d, line, fmt, ap);
	va_end(ap);
}

/* An error in e's value: "KEY: message", at e's line. */
void
conf_key_error(struct ctx *c, const struct entry *e, const char *fmt, ...)
{
	va_list ap;
	char *msg;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (r == -1) {
		c->oom = true;
		conf_error_at(c, e->line, "%s: out of memory", e->key);
		return;
	}
	conf_error_at(c, e->line, "%s: %s", e->key, msg);
	free(msg);
}

void *
conf_check_alloc(struct ctx *c, void *p)
{
	if (p == NULL)
		c->oom = true;
	return p;
}

/* v with room for n + 1 elements of size (capacity *cap), or NULL. */
void *
conf_reserve(struct ctx *c, void *v, size_t *cap, size_t n, size_t size)
{
	size_t ncap;
	void *nv;

	if (n < *cap)
		return v;
	ncap = *cap != 0 ? *cap * 2 : 8;
	nv = conf_check_alloc(c, reallocarray(v, ncap, size));
	if (nv != NULL)
		*cap = ncap;
	return nv;
}

/* ---- the name index: open addressing, FNV-1a ---- */

static size_t
hash_name(const char *s, size_t len)
{
	uint64_t h = UINT64_C(14695981039346656037);

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * UINT64_C(1099511628211);
	return (size_t)h;
}

static const char *
ref_name(const struct config *cfg, struct child_ref r)
{
	return r.is_sup ? cfg->sups[r.index].name : cfg->progs[r.index].name;
}

/* The slot of name (len bytes): used if the name is there, else free. */
static struct slot *
index_slot(const struct config *cfg, const char *name, size_t len)
{
	struct config_index *ix = cfg->index;
	size_t i = hash_name(name, len) & (ix->cap - 1);

	for (;; i = (i + 1) & (ix->cap - 1)) {
		struct slot *s = &ix->v[i];
		const char *n;

		if (!s->used)
			return s;
		n = ref_name(cfg, s->ref);
		if (strncmp(n, name, len) == 0 && n[len] == '\0')
			return s;
	}
}

bool
conf_index_find(
    const struct config *cfg, const char *name, size_t len, struct child_ref *r)
{
	struct slot *s;

	if (cfg->index == NULL || cfg->index->cap == 0)
		return false;
	s = index_slot(cfg, name, len);
	if (s->used)
		*r = s->ref;
	return s->used;
}

static int
index_grow(struct ctx *c)
{
	struct config_index *ix = c->cfg->index;
	struct slot *old = ix->v;
	size_t ocap = ix->cap, cap = ocap != 0 ? ocap * 2 : 64;

	ix->v = conf_check_alloc(c, calloc(cap, sizeof(*ix->v)));
	if (ix->v == NULL) {
		ix->v = old;
		return -1;
	}
	ix->cap = cap;
	for (size_t i = 0; i < ocap; i++) {
		if (old[i].used) {
			const char *n = ref_name(c->cfg, old[i].ref);

			*index_slot(c->cfg, n, strlen(n)) = old[i];
		}
	}
	free(old);
	return 0;
}

/* Add r, whose name is not in the index yet. */
static void
index_add(struct ctx *c, struct child_ref r)
{
	struct config_index *ix = c->cfg->index;
	const char *n = ref_name(c->cfg, r);

	if ((ix->n + 1) * 2 > ix->cap && index_grow(c) == -1)
		return;
	*index_slot(c->cfg, n, strlen(n)) = (struct slot){true, r};
	ix->n++;
}

bool
config_find(const struct config *cfg, const char *name, struct child_ref *r)
{
	size_t i;

	if (cfg->index != NULL)
		return conf_index_find(cfg, name, strlen(name), r);
	for (i = 0; i < cfg->nsups; i++)
		if (cfg->sups[i].name && strcmp(cfg->sups[i].name, name) == 0) {
			*r = (struct child_ref){true, i};
			return true;
		}
	for (i = 0; i < cfg->nprogs; i++)
		if (cfg->progs[i].name &&
		    strcmp(cfg->progs[i].name, name) == 0) {
			*r = (struct child_ref){false, i};
			return true;
		}
	return false;
}

long
config_find_prog(const struct config *cfg, const char *name)
{
	struct child_ref r;

	return config_find(cfg, name, &r) && !r.is_sup ? (long)r.index : -1;
}

long
config_find_sup(const struct config *cfg, const char *name)
{
	struct child_ref r;

	return config_find(cfg, name, &r) && r.is_sup ? (long)r.index : -1;
}

/* ---- sections ---- */

static void
tend_defaults(struct tend_conf *t)
{
	*t = (struct tend_conf){
	    .log_max_size = INT64_C(10) << 20,
	    .log_keep = 5,
	    .log_ring = INT64_C(64) << 10,
	    .shutdown_grace_ms = 5000,
	    .cgroups = CGROUPS_AUTO,
	};
}

static void
sup_defaults(struct sup_conf *s)
{
	*s = (struct sup_conf){
	    .strategy = STRATEGY_ONE_FOR_ONE,
	    .intensity = 5,
	    .period_ms = 10000,
	    .restart = RESTART_PERMANENT,
	    .shutdown_ms = CONFIG_INFINITY,
	    .auto_shutdown = AUTO_SHUTDOWN_NEVER,
	    .lim = CG_LIMITS_NONE,
	};
}

static void
prog_defaults(struct prog_conf *p)
{
	*p = (struct prog_conf){
	    .umask = -1,
	    .autostart = true,
	    .restart = RESTART_PERMANENT,
	    .shutdown_ms = 5000,
	    .stop_signal = SIGTERM,
	    .out = OUT_DEFAULT,
	    .err = OUT_DEFAULT,
	    .ready = READY_START,
	    .min_uptime_ms = 10000,
	};
}

static const struct prog_extra extra_defaults = {
    .start_timeout_ms = 30000,
    .health = HEALTH_NONE,
    .health_interval_ms = 10000,
    .health_timeout_ms = 5000,
    .health_retries = 3,
    .handover = HANDOVER_STOP_FIRST,
    .lim = CG_LIMITS_NONE,
};

bool
cg_limits_any(const struct cg_limits *l)
{
	return l->memory_max != -1 || l->memory_high != -1 ||
	       l->cpu_quota_us != -1 || l->cpu_weight != -1 ||
	       l->pids_max != -1;
}

const struct prog_extra *
prog_extra(const struct prog_conf *p)
{
	return p->extra != NULL ? p->extra : &extra_defaults;
}

struct prog_extra *
conf_prog_extra(struct ctx *c, struct prog_conf *p)
{
	if (p->extra == NULL) {
		p->extra = conf_check_alloc(c, malloc(sizeof(*p->extra)));
		if (p->extra != NULL)
			*p->extra = extra_defaults;
	}
	return p->extra;
}

static void
tend_free(struct tend_conf *t)
{
	free(t->socket);
	free(t->socket_group);
	free(t->log_dir);
}

static void
sup_free(struct sup_conf *s)
{
	free(s->name);
	free(s->kids);
}

static void
prog_free(struct prog_conf *p)
{
	free(p->name);
	free(p->argv);
	free(p->directory);
	free(p->user);
	free(p->group);
	free(p->env);
	free(p->out_path);
	free(p->err_path);
	if (p->extra != NULL) {
		struct prog_extra *x = p->extra;

		free(x->ready_argv);
		free(x->health_argv);
		for (size_t i = 0; i < x->nlisten; i++) {
			free(x->listen[i].addr);
			free(x->listen[i].name);
		}
		free(x->listen);
		free(x);
	}
}

/* "[program:NAME]" of s, escaped, for messages. */
static void
where_of(const struct section *s, char *where, size_t size)
{
	struct shown b;

	snprintf(where, size, "[%s]",
	    conf_show_n(&b, s->header, strlen(s->header), false));
}

/* Room in every array for one more node; false when out of memory. */
static bool
room_for_node(struct ctx *c, bool is_sup)
{
	struct config *cfg = c->cfg;
	void *v;

	if (is_sup) {
		v = conf_reserve(
		    c, cfg->sups, &c->sups_cap, cfg->nsups, sizeof(*cfg->sups));
		if (v == NULL)
			return false;
		cfg->sups = v;
		v = conf_reserve(
		    c, c->sinfo, &c->sinfo_cap, cfg->nsups, sizeof(*c->sinfo));
		if (v == NULL)
			return false;
		c->sinfo = v;
	} else {
		v = conf_reserve(c, cfg->progs, &c->progs_cap, cfg->nprogs,
		    sizeof(*cfg->progs));
		if (v == NULL)
			return false;
		cfg->progs = v;
		v = conf_reserve(
		    c, c->pinfo, &c->pinfo_cap, cfg->nprogs, sizeof(*c->pinfo));
		if (v == NULL)
			return false;
		c->pinfo = v;
	}
	v = conf_reserve(
	    c, c->order, &c->order_cap, c->norder, sizeof(*c->order));
	if (v == NULL)
		return false;
	c->order = v;
	return true;
}

struct node_info *
conf_info_of(struct ctx *c, struct child_ref r)
{
	return r.is_sup ? &c->sinfo[r.index] : &c->pinfo[r.index];
}

static int
node_line(const struct config *cfg, struct child_ref r)
{
	return r.is_sup ? cfg->sups[r.index].line : cfg->progs[r.index].line;
}

/*
 * May s, a program or supervisor section, make a node? Its name must be
 * valid, not reserved (root only as [supervisor:root], all never), and
 * new in the namespace that programs and supervisors share.
 */
static bool
name_ok(struct ctx *c, const struct section *s, bool is_sup, const char *where)
{
	const char *kind = is_sup ? "supervisor" : "program";
	const char *name = s->name;
	struct child_ref r;
	struct shown b;

	if (name == NULL || *name == '\0') {
		conf_error_at(c, s->line, "%s: missing name (write [%s:NAME])",
		    where, kind);
		return false;
	}
	if (!units_name_valid(name)) {
		conf_error_at(c, s->line,
		    "%s: invalid name %s (1 to 64 of A-Z a-z 0-9 _ . -, "
		    "not beginning with '.')",
		    where, conf_quote(&b, name));
		return false;
	}
	if (strcmp(name, "all") == 0 ||
	    (!is_sup && strcmp(name, "root") == 0)) {
		conf_error_at(c, s->line, "%s: \"%s\" is a reserved name%s",
		    where, name,
		    is_sup ? "" : " (the root is [supervisor:root])");
		return false;
	}
	if (!conf_index_find(c->cfg, name, strlen(name), &r))
		return true;
	if (r.is_sup && r.index == 0 && c->cfg->sups[0].line == 0)
		return true; /* the first [supervisor:root] */
	if (r.is_sup == is_sup)
		conf_error_at(c, s->line, "%s given twice (first at line %d)",
		    where, node_line(c->cfg, r));
	else
		conf_error_at(c, s->line,
		    "%s: the name \"%s\" is taken by [%s:%s] at line %d", where,
		    name, r.is_sup ? "supervisor" : "program", name,
		    node_line(c->cfg, r));
	return false;
}

/* The node of s, with its defaults, indexed and in the file order. */
static void *
new_node(struct ctx *c, struct section *s, bool is_sup)
{
	struct config *cfg = c->cfg;
	struct child_ref r = {is_sup, is_sup ? cfg->nsups : cfg->nprogs};
	char *name;

	if (!room_for_node(c, is_sup))
		return NULL;
	name = conf_check_alloc(c, strdup(s->name));
	if (name == NULL)
		return NULL;
	if (is_sup) {
		sup_defaults(&cfg->sups[r.index]);
		cfg->sups[r.index].name = name;
		cfg->sups[r.index].line = s->line;
		cfg->nsups++;
	} else {
		prog_defaults(&cfg->progs[r.index]);
		cfg->progs[r.index].name = name;
		cfg->progs[r.index].line = s->line;
		cfg->nprogs++;
	}
	*conf_info_of(c, r) = (struct node_info){0};
	c->order[c->norder++] = r;
	index_add(c, r);
	s->made = true;
	s->node = r;
	if (is_sup)
		return &cfg->sups[r.index];
	return &cfg->progs[r.index];
}

static void
build_tend(struct ctx *c, const struct section *s)
{
	struct tend_conf spare, *t = &c->cfg->tend;
	int seen[MAX_KEYS] = {0};

	if (c->tend_line != 0) {
		conf_error_at(c, s->line,
		    "[tend] given twice (first at line %d)", c->tend_line);
		tend_defaults(&spare);
		t = &spare;
	} else {
		c->tend_line = s->line;
	}
	conf_check_keys(c, s, &conf_tend_table, t, "[tend]", false, seen);
	if (t == &spare)
		tend_free(&spare);
}

/*
 * A section whose header is wrong still has its keys checked, into a
 * spare struct that is then dropped, so that one run shows every error.
 */
static void
build_sup(struct ctx *c, struct section *s)
{
	char where[sizeof(struct shown) + 2];
	struct node_info spare_info = {0};
	struct sup_conf spare, *sup = NULL;
	int seen[MAX_KEYS] = {0};
	bool is_root = false;

	where_of(s, where, sizeof(where));
	if (name_ok(c, s, true, where)) {
		is_root = strcmp(s->name, "root") == 0;
		if (is_root) {
			sup = &c->cfg->sups[0];
			sup->line = s->line;
			s->made = true;
			s->node = (struct child_ref){true, 0};
		} else {
			sup = new_node(c, s, true);
		}
	}
	if (sup == NULL) {
		sup_defaults(&spare);
		sup = &spare;
	}
	c->cur = s->made ? &c->sinfo[s->node.index] : &spare_info;
	conf_check_keys(c, s, &conf_sup_table, sup, where, is_root, seen);
	c->cur = NULL;
	if (sup == &spare)
		sup_free(&spare);
}

static void
build_prog(struct ctx *c, struct section *s)
{
	char where[sizeof(struct shown) + 2];
	struct node_info spare_info = {0};
	struct prog_conf spare, *p = NULL;
	int seen[MAX_KEYS] = {0};

	where_of(s, where, sizeof(where));
	if (name_ok(c, s, false, where))
		p = new_node(c, s, false);
	if (p == NULL) {
		prog_defaults(&spare);
		p = &spare;
	}
	c->cur = s->made ? &c->pinfo[s->node.index] : &spare_info;
	conf_check_keys(c, s, &conf_prog_table, p, where, false, seen);
	c->cur = NULL;
	if (p->argv == NULL &&
	    seen[conf_find_key(&conf_prog_table, "command")] == 0)
		conf_error_at(c, s->line, "%s: missing command", where);
	if (p == &spare)
		prog_free(&spare);
}

/* v (of *cap elements of size) made room for want (at least one) at
 * once: never NULL but on ENOMEM. */
static void *
reserve_exact(struct ctx *c, void *v, size_t *cap, size_t want, size_t size)
{
	void *nv;

	if (want == 0)
		want = 1;
	if (want <= *cap)
		return v;
	nv = conf_check_alloc(c, reallocarray(v, want, size));
	if (nv == NULL)
		return NULL;
	*cap = want;
	return nv;
}

/*
 * Room for every section's node before any is made: grown one by one,
 * the arrays and the name index of 10,000 programs were copied and
 * rehashed some 14 times over (a fifth of the parse). On ENOMEM
 * nothing is reserved and c->oom is set.
 */
static bool
reserve_nodes(struct ctx *c)
{
	struct config *cfg = c->cfg;
	size_t np = cfg->nprogs, ns = cfg->nsups, i;
	void *v;

	for (i = 0; i < c->nsecs; i++) {
		np += c->secs[i].kind == SEC_PROG;
		ns += c->secs[i].kind == SEC_SUP;
	}
	if ((v = reserve_exact(c, cfg->progs, &c->progs_cap, np,
	         sizeof(*cfg->progs))) == NULL)
		return false;
	cfg->progs = v;
	if ((v = reserve_exact(
	         c, c->pinfo, &c->pinfo_cap, np, sizeof(*c->pinfo))) == NULL)
		return false;
	c->pinfo = v;
	if ((v = reserve_exact(
	         c, cfg->sups, &c->sups_cap, ns, sizeof(*cfg->sups))) == NULL)
		return false;
	cfg->sups = v;
	if ((v = reserve_exact(
	         c, c->sinfo, &c->sinfo_cap, ns, sizeof(*c->sinfo))) == NULL)
		return false;
	c->sinfo = v;
	if ((v = reserve_exact(c, c->order, &c->order_cap, np + ns,
	         sizeof(*c->order))) == NULL)
		return false;
	c->order = v;
	while ((np + ns + 1) * 2 > cfg->index->cap)
		if (index_grow(c) == -1)
			return false;
	return true;
}

static void
build(struct ctx *c)
{
	if (!reserve_nodes(c))
		return;
	for (size_t i = 0; i < c->nsecs; i++) {
		struct section *s = &c->secs[i];

		if (s->kind == SEC_TEND)
			build_tend(c, s);
		else if (s->kind == SEC_SUP)
			build_sup(c, s);
		else if (s->kind == SEC_PROG)
			build_prog(c, s);
	}
}

/* ---- the whole file ---- */

static int
make_root(struct ctx *c)
{
	struct config *cfg = c->cfg;

	cfg->index = conf_check_alloc(c, calloc(1, sizeof(*cfg->index)));
	if (cfg->index == NULL || !room_for_node(c, true))
		return -1;
	sup_defaults(&cfg->sups[0]);
	cfg->sups[0].name = conf_check_alloc(c, strdup("root"));
	if (cfg->sups[0].name == NULL)
		return -1;
	c->sinfo[0] = (struct node_info){0};
	cfg->nsups = 1;
	index_add(c, (struct child_ref){true, 0});
	return 0;
}

static void
ctx_free(struct ctx *c)
{
	for (size_t i = 0; i < c->nents; i++) {
		free(c->ents[i].key);
		free(c->ents[i].value);
	}
	free(c->ents);
	for (size_t i = 0; i < c->nsecs; i++)
		free(c->secs[i].header);
	free(c->secs);
	free(c->sinfo);
	free(c->pinfo);
	free(c->order);
}

int
config_parse(FILE *fp, const char *file, struct config *cfg, struct diags *d)
{
	struct ctx c = {.cfg = cfg, .d = d};
	size_t first = d->n;
	int err = EINVAL;

	memset(cfg, 0, sizeof(*cfg));
	tend_defaults(&cfg->tend);
	if (file == NULL)
		file = "-";
	cfg->file = conf_check_alloc(&c, strdup(file));
	d->file = cfg->file != NULL ? cfg->file : file;
	if (cfg->file != NULL && make_root(&c) == 0) {
		conf_read_sections(&c, fp);
		build(&c);
		if (!c.oom) {
			conf_resolve(&c);
			conf_check_tree(&c);
		}
	}
	if (c.oom) {
		conf_error_at(&c, 0, "out of memory");
		err = ENOMEM;
	} else if (c.rd.err != 0) {
		err = c.rd.err;
	}
	ctx_free(&c);
	if (d->n > first)
		sort_range(d->v + first, d->n - first);
	if (c.errors == 0)
		return 0;
	errno = err;
	return -1;
}

char *
config_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "re");
	char *text = NULL;
	size_t cap = 0;
	ssize_t n;
	int err;

	*len = 0;
	if (f == NULL)
		return NULL;
	n = getdelim(&text, &cap, '\0', f);
	if (n >= 0)
		*len = (size_t)n;
	err = errno;
	if (ferror(f) || (n < 0 && !feof(f)) || (n < 0 && text == NULL)) {
		free(text);
		text = NULL;
	}
	if (text != NULL && n < 0)
		text[0] = '\0';
	fclose(f);
	errno = err;
	return text;
}

int
config_parse_text(char *text, size_t len, const char *file, struct config *cfg,
    struct diags *d)
{
	FILE *fp = fmemopen(text, len, "r"); /* "r": text is not written */
	int r, err;

	if (fp == NULL) {
		err = errno;
		memset(cfg, 0, sizeof(*cfg));
		cfg->file = strdup(file);
		d->file = cfg->file != NULL ? cfg->file : file;
		diags_add(d, 0, "cannot read: %s", strerror(err));
		errno = err;
		return -1;
	}
	r = config_parse(fp, file, cfg, d);
	err = errno;
	fclose(fp);
	errno = err;
	return r;
}

int
config_load_text(const char *path, struct config *cfg, struct diags *d,
    char **text, size_t *len)
{
	int err;

	*text = config_read(path, len);
	if (*text != NULL)
		return config_parse_text(*text, *len, path, cfg, d);
	err = errno;
	memset(cfg, 0, sizeof(*cfg));
	cfg->file = strdup(path);
	d->file = cfg->file != NULL ? cfg->file : path;
	diags_add(d, 0, "cannot open: %s", strerror(err));
	errno = err;
	return -1;
}

int
config_load(const char *path, struct config *cfg, struct diags *d)
{
	char *text;
	size_t len;
	int r = config_load_text(path, cfg, d, &text, &len), err = errno;

	free(text);
	errno = err;
	return r;
}

void
config_free(struct config *cfg)
{
	free(cfg->file);
	tend_free(&cfg->tend);
	for (size_t i = 0; i < cfg->nsups; i++)
		sup_free(&cfg->sups[i]);
	free(cfg->sups);
	for (size_t i = 0; i < cfg->nprogs; i++)
		prog_free(&cfg->progs[i]);
	free(cfg->progs);
	if (cfg->index != NULL)
		free(cfg->index->v);
	free(cfg->index);
	memset(cfg, 0, sizeof(*cfg));
}
