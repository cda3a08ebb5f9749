/*
 * conftree.c: the tree of a configuration whose sections are nodes: every
 * node but the root gets its parent and its position among the parent's
 * children from the children lists, cycles are reported, then what needs
 * the tree is checked (significant). Pure: no I/O, prints nothing.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "confint.h"
#include "units.h"

static void
add_kid(struct ctx *c, size_t si, struct child_ref r)
{
	struct sup_conf *sup = &c->cfg->sups[si];
	struct child_ref *kids = conf_reserve(
	    c, sup->kids, &c->sinfo[si].kids_cap, sup->nkids, sizeof(*kids));

	if (kids == NULL)
		return;
	sup->kids = kids;
	if (r.is_sup) {
		c->cfg->sups[r.index].parent = si;
		c->cfg->sups[r.index].position = sup->nkids;
	} else {
		c->cfg->progs[r.index].parent = si;
		c->cfg->progs[r.index].position = sup->nkids;
	}
	sup->kids[sup->nkids++] = r;
}

/* Supervisor si lists name (len bytes) in its children entry e. */
static void
take_child(struct ctx *c, size_t si, const struct entry *e, const char *name,
    size_t len)
{
	struct node_info *in;
	struct child_ref r;
	struct shown b;

	conf_show_n(&b, name, len, true);
	if (!conf_index_find(c->cfg, name, len, &r)) {
		conf_key_error(c, e, "unknown program or supervisor %s", b.s);
	} else if (r.is_sup && r.index == 0) {
		conf_key_error(
		    c, e, "%s is the root; it cannot be a child", b.s);
	} else if (r.is_sup && r.index == si) {
		conf_key_error(c, e, "supervisor %s lists itself", b.s);
	} else if ((in = conf_info_of(c, r))->listed_line != 0) {
		if (in->listed_by == si)
			conf_key_error(c, e, "%s listed twice", b.s);
		else
			conf_key_error(c, e,
			    "%s already listed by [supervisor:%s] at line %d",
			    b.s, c->cfg->sups[in->listed_by].name,
			    in->listed_line);
	} else {
		in->listed_line = e->line;
		in->listed_by = si;
		add_kid(c, si, r);
	}
}

/* Names separated by commas and/or white space. */
static void
take_children(struct ctx *c, size_t si)
{
	const struct entry *e = c->sinfo[si].children;
	const char *p = e->value;

	for (;;) {
		size_t n;

		while (*p == ',' || isspace((unsigned char)*p))
			p++;
		if (*p == '\0')
			return;
		n = strcspn(p, ", \t\n\v\f\r");
		take_child(c, si, e, p, n);
		p += n;
	}
}

enum { M_NEW, M_REACHED, M_PATH, M_DONE };

/* Mark the supervisors reachable from the root (queue: nsups slots). */
static void
mark_reached(struct ctx *c, size_t *queue)
{
	size_t head = 0, tail = 0;

	c->sinfo[0].mark = M_REACHED;
	queue[tail++] = 0;
	while (head < tail) {
		const struct sup_conf *s = &c->cfg->sups[queue[head++]];

		for (size_t k = 0; k < s->nkids; k++) {
			struct child_ref r = s->kids[k];

			if (r.is_sup && c->sinfo[r.index].mark == M_NEW) {
				c->sinfo[r.index].mark = M_REACHED;
				queue[tail++] = r.index;
			}
		}
	}
}

/*
 * m[0..k) is a cycle, each the parent of the one before. Name it from the
 * member first in the file, each followed by the one it lists, and report
 * it at every member's children line.
 */
static void
report_cycle(struct ctx *c, const size_t *m, size_t k)
{
	char names[4 * (UNITS_NAME_MAX + 8) + 32];
	size_t first = 0, off = 0, shown = k > 4 ? 3 : k;

	for (size_t i = 1; i < k; i++)
		if (m[i] < m[first])
			first = i;
	names[0] = '\0';
	for (size_t j = 0; j < shown; j++) {
		const char *sep = j == 0                         ? ""
		                  : j + 1 == shown && shown == k ? " and "
		                                                 : ", ";
		int r = snprintf(names + off, sizeof(names) - off, "%s%s", sep,
		    c->cfg->sups[m[(first + k - j) % k]].name);

		if (r > 0 && (size_t)r < sizeof(names) - off)
			off += (size_t)r;
	}
	if (shown < k)
		snprintf(names + off, sizeof(names) - off, " and %zu more",
		    k - shown);
	for (size_t j = 0; j < k; j++) {
		const struct entry *e = c->sinfo[m[j]].children;

		conf_error_at(c, e != NULL ? e->line : c->cfg->sups[m[j]].line,
		    "supervisors %s form a cycle", names);
	}
}

/*
 * A supervisor the root does not reach is in a cycle or below one. Every
 * node has one parent, so following parents from it must loop.
 */
static void
find_cycles(struct ctx *c)
{
	size_t n = c->cfg->nsups;
	size_t *path =
	    conf_check_alloc(c, reallocarray(NULL, n, sizeof(*path)));

	if (path == NULL)
		return;
	mark_reached(c, path);
	for (size_t i = 1; i < n; i++) {
		size_t len = 0, x = i, from;

		while (c->sinfo[x].mark == M_NEW) {
			c->sinfo[x].mark = M_PATH;
			path[len++] = x;
			x = c->cfg->sups[x].parent;
		}
		if (c->sinfo[x].mark == M_PATH) {
			for (from = len; path[from - 1] != x; from--)
				;
			report_cycle(c, path + from - 1, len - from + 1);
		}
		for (size_t j = 0; j < len; j++)
			c->sinfo[path[j]].mark = M_DONE;
	}
	free(path);
}

/*
 * Every node but the root gets one parent: the supervisor whose children
 * list names it (lists are taken in file order, so the second listing is
 * the error), else the root, which takes the unlisted ones after its own
 * list, in file order.
 */
void
conf_resolve(struct ctx *c)
{
	for (size_t i = 0; i < c->nsecs; i++) {
		const struct section *s = &c->secs[i];

		if (s->made && s->node.is_sup &&
		    c->sinfo[s->node.index].children != NULL)
			take_children(c, s->node.index);
	}
	for (size_t i = 0; i < c->norder; i++)
		if (conf_info_of(c, c->order[i])->listed_line == 0)
			add_kid(c, 0, c->order[i]);
	find_cycles(c);
}

/* significant = yes: only on a transient or temporary child of a
 * supervisor whose auto_shutdown is not never (as OTP checks). */
static void
check_significant(struct ctx *c, const char *kind, const char *name,
    enum restart restart, size_t parent, int line)
{
	const struct sup_conf *p = &c->cfg->sups[parent];

	if (restart == RESTART_PERMANENT)
		conf_error_at(c, line,
		    "significant: %s %s is permanent; only a transient or "
		    "temporary child can be significant",
		    kind, name);
	if (p->auto_shutdown == AUTO_SHUTDOWN_NEVER)
		conf_error_at(c, line,
		    "significant: supervisor %s, its parent, has "
		    "auto_shutdown = never",
		    p->name);
}

void
conf_check_tree(struct ctx *c)
{
	const struct config *cfg = c->cfg;

	for (size_t i = 0; i < cfg->nprogs; i++) {
		const struct prog_conf *p = &cfg->progs[i];

		if (p->significant)
			check_significant(c, "program", p->name, p->restart,
			    p->parent, c->pinfo[i].significant_line);
	}
	for (size_t i = 1; i < cfg->nsups; i++) {
		const struct sup_conf *s = &cfg->sups[i];

		if (s->significant)
			check_significant(c, "supervisor", s->name, s->restart,
			    s->parent, c->sinfo[i].significant_line);
	}
}
