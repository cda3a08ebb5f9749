/*
 * treebuild.c: a validated config -> a tree of nodes, all stopped, with
 * its tables (nodes in pre-order, each supervisor's kids, paths, a plan
 * sized for it); freeing that tree; finding a node by name or path. The
 * declarations are in tree.h, beside the decisions of tree.c.
 *
 * A name is looked up in the config's own name index (config_find): the
 * tree keeps a node per config entry, in arrays indexed like config.sups
 * and config.progs, and no index of its own.
 *
 * Pure, and touches nothing but the tree it builds: no globals, no system
 * calls. Reload builds a second tree beside the live one and compares them,
 * so building or freeing one tree must leave every other as it was.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "tree.h"

#define ROOT_PREFIX "root/"

/* The node of config entry r (its supervisor or its program). */
static struct node *
node_of(const struct tree *t, struct child_ref r)
{
	return r.is_sup ? &t->sups[r.index]->node : &t->progs[r.index]->node;
}

static struct node *
find_name(const struct tree *t, const char *name)
{
	struct child_ref r;

	if (!config_find(&t->cfg, name, &r))
		return NULL;
	return node_of(t, r);
}

struct node *
tree_find(const struct tree *t, const char *name)
{
	const char *last = strrchr(name, '/');
	struct node *n;

	if (strcmp(name, "all") == 0 || strcmp(name, "root") == 0)
		return &t->root->node;
	if (last == NULL)
		return find_name(t, name);
	n = find_name(t, last + 1);
	if (n == NULL)
		return NULL;
	if (strcmp(n->path, name) == 0 || strcmp(n->shown, name) == 0)
		return n;
	return NULL;
}

static void
init_node(struct node *n, enum node_kind kind, const char *name)
{
	n->kind = kind;
	n->state = ST_STOPPED;
	n->name = name;
	n->after_stop = ST_STOPPED;
	n->timer_at_ms = -1;
	n->cg_fd = -1;
}

static int
set_path(struct node *n)
{
	const char *pp = n->parent != NULL ? n->parent->node.path : NULL;
	size_t len = (pp != NULL ? strlen(pp) + 1 : 0) + strlen(n->name) + 1;

	n->path = malloc(len);
	if (n->path == NULL)
		return -1;
	if (pp != NULL)
		snprintf(n->path, len, "%s/%s", pp, n->name);
	else
		snprintf(n->path, len, "%s", n->name);
	n->shown = strncmp(n->path, ROOT_PREFIX, strlen(ROOT_PREFIX)) == 0
	               ? n->path + strlen(ROOT_PREFIX)
	               : n->path;
	return 0;
}

void
tree_free_node(struct node *n)
{
	if (n == NULL)
		return;
	free(n->path);
	if (n->kind == NODE_SUP) {
		free(((struct sup *)n)->kids);
		free(((struct sup *)n)->hist);
	}
	free(n);
}

static void
free_sup(struct sup *s)
{
	if (s == NULL)
		return;
	free(s->node.path);
	free(s->kids);
	free(s->hist);
	free(s);
}

static void
free_prog(struct prog *p)
{
	if (p == NULL)
		return;
	free(p->node.path);
	free(p);
}

struct sup *
tree_new_sup(const struct sup_conf *c)
{
	struct sup *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	init_node(&s->node, NODE_SUP, c->name);
	s->conf = c;
	s->strategy = c->strategy;
	s->intensity = c->intensity;
	s->period_ms = c->period_ms;
	s->auto_shutdown = c->auto_shutdown;
	s->node.restart = c->restart;
	s->node.significant = c->significant;
	s->node.shutdown_ms = c->shutdown_ms;
	if (c->intensity > 0) {
		s->hist_cap = c->intensity < 1024 ? (size_t)c->intensity : 1024;
		s->hist = malloc(s->hist_cap * sizeof(*s->hist));
	}
	/* NOLINTNEXTLINE(bugprone-sizeof-expression): array of pointers */
	s->kids = calloc(c->nkids ? c->nkids : 1, sizeof(*s->kids));
	if (s->kids == NULL || (s->hist_cap > 0 && s->hist == NULL)) {
		free_sup(s);
		return NULL;
	}
	s->nkids = c->nkids;
	return s;
}

struct prog *
tree_new_prog(const struct prog_conf *c)
{
	struct prog *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	init_node(&p->node, NODE_PROG, c->name);
	p->conf = c;
	p->pidfd = -1;
	p->node.restart = c->restart;
	p->node.significant = c->significant;
	p->node.shutdown_ms = c->shutdown_ms;
	p->node.held = !c->autostart;
	return p;
}

/* Append the subtree of s to t->nodes in pre-order, wiring kids. */
static int
wire(struct tree *t, struct sup *s)
{
	size_t i;

	if (set_path(&s->node) == -1)
		return -1;
	s->node.idx = t->nnodes;
	t->nodes[t->nnodes++] = &s->node;
	for (i = 0; i < s->nkids; i++) {
		const struct child_ref *r = &s->conf->kids[i];
		struct node *c = node_of(t, *r);

		c->parent = s;
		c->pos = i;
		s->kids[i] = c;
		if (r->is_sup) {
			if (wire(t, t->sups[r->index]) == -1)
				return -1;
		} else {
			if (set_path(c) == -1)
				return -1;
			c->idx = t->nnodes;
			c->subtree_n = 1;
			t->nodes[t->nnodes++] = c;
		}
	}
	s->node.subtree_n = t->nnodes - s->node.idx;
	return 0;
}

/* The tables of t, sized for its config: the node of each config entry,
 * the nodes in pre-order and the plan. 0, or -1 (ENOMEM); tree_free()
 * frees them. */
static int
alloc_tables(struct tree *t)
{
	size_t total = t->cfg.nsups + t->cfg.nprogs;

	/* NOLINTNEXTLINE(bugprone-sizeof-expression): array of pointers */
	t->sups = calloc(t->cfg.nsups + 1, sizeof(*t->sups));
	/* NOLINTNEXTLINE(bugprone-sizeof-expression): array of pointers */
	t->progs = calloc(t->cfg.nprogs + 1, sizeof(*t->progs));
	/* NOLINTNEXTLINE(bugprone-sizeof-expression): array of pointers */
	t->nodes = calloc(total + 1, sizeof(*t->nodes));
	t->plan.cap = 4 * total + 64;
	t->plan.v = malloc(t->plan.cap * sizeof(*t->plan.v));
	if (t->sups == NULL || t->progs == NULL || t->nodes == NULL ||
	    t->plan.v == NULL)
		return -1;
	return 0;
}

/* A node for each supervisor and program of t's config. 0, or -1
 * (ENOMEM) with the nodes made so far in t->sups and t->progs. */
static int
make_nodes(struct tree *t)
{
	size_t i;

	for (i = 0; i < t->cfg.nsups; i++)
		if ((t->sups[i] = tree_new_sup(&t->cfg.sups[i])) == NULL)
			return -1;
	for (i = 0; i < t->cfg.nprogs; i++)
		if ((t->progs[i] = tree_new_prog(&t->cfg.progs[i])) == NULL)
			return -1;
	return 0;
}

/*
 * The tree takes cfg over first: moving the struct keeps its arrays and
 * strings where they are, so the nodes point into them, and its name
 * index stays valid for tree_find().
 */
struct tree *
tree_build(struct config *cfg)
{
	struct tree *t = calloc(1, sizeof(*t));

	assert(cfg->nsups > 0); /* valid: sups[0] is the root */
	if (t == NULL) {
		config_free(cfg);
		return NULL;
	}
	t->cfg = *cfg;
	memset(cfg, 0, sizeof(*cfg));
	t->exit_status = -1;
	if (alloc_tables(t) == -1 || make_nodes(t) == -1)
		goto fail;
	t->root = t->sups[0];
	assert(t->root != NULL); /* make_nodes() made every node */
	if (wire(t, t->root) == -1 || t->nnodes != t->cfg.nsups + t->cfg.nprogs)
		goto fail;
	return t;
fail:
	tree_free(t);
	return NULL;
}

/* Every node is in t->sups or t->progs (from make_nodes() on), wired or
 * not: a tree whose building failed half-way is freed the same way. */
void
tree_free(struct tree *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; t->sups != NULL && i < t->cfg.nsups; i++)
		free_sup(t->sups[i]);
	for (i = 0; t->progs != NULL && i < t->cfg.nprogs; i++)
		free_prog(t->progs[i]);
	free(t->sups);
	free(t->progs);
	free(t->nodes);
	free(t->plan.v);
	tree_gone_free(t);
	free(t->deferred);
	config_free(&t->cfg);
	free(t);
}
