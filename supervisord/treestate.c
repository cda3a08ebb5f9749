/*
 * treestate.c: the tree's part of an upgrade's state (see tree.h,
 * state.h): what tree.c decided about each node, and the plan it queued.
 * Pure: the runtime half of a program (pids, descriptors) is
 * supervise.c's part.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "state.h"
#include "tree.h"

/* A node named by its index in the tree (the new tend's tree is built
 * from the same configuration, checked node by node); none: -1. */
static void
put_ref(struct state_w *w, const struct node *n)
{
	state_put_u64(w, n != NULL ? n->idx : UINT64_MAX);
}

static const struct node *
get_ref(const struct tree *t, struct state_r *r)
{
	uint64_t idx = state_get_u64(r);

	if (idx == UINT64_MAX)
		return NULL;
	if (idx >= t->nnodes) {
		r->failed = true;
		return NULL;
	}
	return t->nodes[idx];
}

static void
save_node(const struct node *n, struct state_w *w)
{
	state_put_str(w, n->path);
	state_put_u8(w, (uint8_t)n->state);
	state_put_u8(w, n->held);
	state_put_u8(w, n->pending);
	state_put_u8(w, n->to_stop);
	state_put_u8(w, n->kill_sent);
	state_put_u8(w, n->ended_sig);
	state_put_u8(w, n->start_failed);
	state_put_u8(w, n->op_start);
	state_put_u8(w, n->op_starting);
	state_put_u8(w, (uint8_t)n->after_stop);
	state_put_u32(w, n->gen);
	state_put_u32(w, n->restarts);
	state_put_i64(w, n->since_ms);
	state_put_i64(w, n->timer_at_ms);
	state_put_i64(w, n->exit_code);
	state_put_u8(w, (uint8_t)n->last_kind);
	state_put_u8(w, n->ended);
	state_put_u8(w, n->cg_made);
	state_put_u8(w, n->cg_killed);
	/* version 2 on */
	state_put_u8(w, (uint8_t)n->cause);
	state_put_u8(w, (uint8_t)n->end_cause);
	put_ref(w, n->cause_from);
}

static void
save_sup(const struct sup *s, struct state_w *w)
{
	const struct job *j = &s->job;
	size_t i;

	state_put_u64(w, s->hist_n);
	for (i = 0; i < s->hist_n; i++)
		state_put_i64(w, s->hist[(s->hist_head + i) % s->hist_cap]);
	state_put_u8(w, (uint8_t)j->kind);
	state_put_u8(w, j->stopping);
	state_put_u64(w, j->cursor);
	state_put_u8(w, j->first);
	state_put_u8(w, j->counted);
	state_put_u8(w, j->waiting);
	state_put_i64(w, j->start_at_ms);
	state_put_u8(w, (uint8_t)j->reason);
	state_put_u8(w, j->brutal);
	state_put_u8(w, j->killed_all);
	state_put_i64(w, j->cause);
	/* version 2 on */
	state_put_u8(w, (uint8_t)j->why);
	put_ref(w, j->why_from);
	state_put_u8(w, s->gave_up);
	put_ref(w, s->gave_up_by);
}

static void
save_prog(const struct prog *p, struct state_w *w)
{
	state_put_i64(w, p->backoff_next_ms);
	state_put_u8(w, p->has_last);
	state_put_u8(w, p->fail);
	state_put_u8(w, p->fail_was_up);
	state_put_u8(w, (uint8_t)p->last.fail);
	state_put_i64(w, p->last.wstatus);
	state_put_i64(w, p->last.exec_errno);
	state_put_u8(w, p->last.before_exec);
	state_put_i64(w, p->last.at_ms);
	/* version 2 on */
	state_put_u8(w, p->last.oom);
	state_put_u8(w, p->last.stage);
}

static void
put_exit(struct state_w *w, const struct exit_info *e)
{
	state_put_i64(w, e->wstatus);
	state_put_u8(w, e->oom);
	state_put_i64(w, e->exec_errno);
	state_put_u8(w, e->before_exec);
	state_put_u8(w, e->stage);
	state_put_u8(w, (uint8_t)e->fail);
	state_put_i64(w, e->at_ms);
}

void
prog_past_save(const struct prog_past *h, struct state_w *w)
{
	size_t i;

	state_put_u64(w, h != NULL ? h->n : 0);
	for (i = 0; h != NULL && i < h->n; i++) {
		size_t at = (h->head + i) % PROG_PAST;

		put_exit(w, &h->v[at]);
		state_put_i64(w, h->up_ms[at]);
	}
}

void
tree_save(const struct tree *t, struct state_w *w)
{
	size_t i;

	state_put_u64(w, t->nnodes);
	for (i = 0; i < t->nnodes; i++) {
		const struct node *n = t->nodes[i];

		save_node(n, w);
		if (n->kind == NODE_SUP)
			save_sup((const struct sup *)n, w);
		else
			save_prog((const struct prog *)n, w);
	}
	state_put_i64(w, t->exit_status);
	state_put_u8(w, t->shutting_down);
	state_put_u64(w, t->plan.n);
	for (i = 0; i < t->plan.n; i++) {
		const struct action *a =
		    &t->plan.v[(t->plan.head + i) % t->plan.cap];

		state_put_u8(w, (uint8_t)a->kind);
		state_put_u8(w, (uint8_t)a->note);
		state_put_u64(w, a->node != NULL ? a->node->idx : UINT64_MAX);
		state_put_i64(w, a->arg);
		state_put_u32(w, a->gen);
		state_put_u8(w, (uint8_t)a->cause); /* version 2 on */
		put_ref(w, a->cause_from);
	}
}

/* An enum's value, at most max. */
static unsigned
get_enum(struct state_r *r, unsigned max)
{
	unsigned v = state_get_u8(r);

	if (v > max)
		r->failed = true;
	return v <= max ? v : 0;
}

static void
load_node(const struct tree *t, struct node *n, struct state_r *r)
{
	n->state = (enum state)get_enum(r, ST_FAILED);
	n->held = state_get_bool(r);
	n->pending = state_get_bool(r);
	n->to_stop = state_get_bool(r);
	n->kill_sent = state_get_bool(r);
	n->ended_sig = state_get_bool(r);
	n->start_failed = state_get_bool(r);
	n->op_start = state_get_bool(r);
	n->op_starting = state_get_bool(r);
	n->after_stop = (enum state)get_enum(r, ST_FAILED);
	n->gen = state_get_u32(r);
	n->restarts = state_get_u32(r);
	n->since_ms = state_get_i64(r);
	n->timer_at_ms = state_get_i64(r);
	n->exit_code = (int)state_get_i64(r);
	n->last_kind = (enum exit_kind)get_enum(r, EXIT_GAVE_UP);
	n->ended = state_get_bool(r);
	n->cg_made = state_get_bool(r);
	n->cg_killed = state_get_bool(r);
	if (r->version < 2)
		return;
	n->cause = (enum cause)get_enum(r, CAUSE_WATCHDOG);
	n->end_cause = (enum cause)get_enum(r, CAUSE_WATCHDOG);
	n->cause_from = get_ref(t, r);
}

static void
load_sup(const struct tree *t, struct sup *s, struct state_r *r)
{
	struct job *j = &s->job;
	size_t i, n = state_get_count(r, (r->len - r->off) / 8);

	if (n > s->hist_cap) {
		int64_t *v = realloc(s->hist, n * sizeof(*v));

		if (v == NULL) {
			r->failed = true;
			return;
		}
		s->hist = v;
		s->hist_cap = n;
	}
	s->hist_head = 0;
	s->hist_n = n;
	for (i = 0; i < n; i++)
		s->hist[i] = state_get_i64(r);
	j->kind = (enum job_kind)get_enum(r, JOB_TERMINATE);
	j->stopping = state_get_bool(r);
	j->cursor = state_get_count(r, s->nkids);
	j->first = state_get_bool(r);
	j->counted = state_get_bool(r);
	j->waiting = state_get_bool(r);
	j->start_at_ms = state_get_i64(r);
	j->reason = (enum term_reason)get_enum(r, TERM_AUTO);
	j->brutal = state_get_bool(r);
	j->killed_all = state_get_bool(r);
	j->cause = (int)state_get_i64(r);
	j->in_advance = false;
	if (r->version < 2)
		return;
	j->why = (enum cause)get_enum(r, CAUSE_WATCHDOG);
	j->why_from = get_ref(t, r);
	s->gave_up = state_get_bool(r);
	s->gave_up_by = get_ref(t, r);
}

static void
load_prog(struct prog *p, struct state_r *r)
{
	p->backoff_next_ms = state_get_i64(r);
	p->has_last = state_get_bool(r);
	p->fail = (unsigned char)get_enum(r, FAIL_WATCHDOG);
	p->fail_was_up = state_get_bool(r);
	p->last.fail = (enum fail_cause)get_enum(r, FAIL_WATCHDOG);
	p->last.wstatus = (int)state_get_i64(r);
	p->last.exec_errno = (int)state_get_i64(r);
	p->last.before_exec = state_get_bool(r);
	p->last.at_ms = state_get_i64(r);
	if (r->version < 2)
		return;
	p->last.oom = state_get_bool(r);
	p->last.stage = state_get_u8(r);
}

static void
get_exit(struct state_r *r, struct exit_info *e)
{
	e->wstatus = (int)state_get_i64(r);
	e->oom = state_get_bool(r);
	e->exec_errno = (int)state_get_i64(r);
	e->before_exec = state_get_bool(r);
	e->stage = state_get_u8(r);
	e->fail = (enum fail_cause)get_enum(r, FAIL_WATCHDOG);
	e->at_ms = state_get_i64(r);
}

struct prog_past *
prog_past_load(struct state_r *r)
{
	size_t i, n = state_get_count(r, PROG_PAST);
	struct prog_past *h;

	if (n == 0 || r->failed)
		return NULL;
	h = calloc(1, sizeof(*h));
	if (h == NULL) {
		r->failed = true;
		return NULL;
	}
	for (i = 0; i < n; i++) {
		get_exit(r, &h->v[i]);
		h->up_ms[i] = state_get_i64(r);
	}
	h->n = n;
	return h;
}

/* ACT_NOTE's value in state version 1 (ACT_HANDOVER, ACT_RETIRE and
 * ACT_HANDBACK were added before it since). */
#define V1_ACT_NOTE 5

static int
load_plan(struct tree *t, struct state_r *r)
{
	size_t i, n = state_get_count(r, t->plan.cap);

	t->plan.head = 0;
	t->plan.n = 0;
	for (i = 0; i < n && !r->failed; i++) {
		struct action *a = &t->plan.v[i];
		uint64_t idx;

		a->kind = (enum act_kind)get_enum(
		    r, r->version < 2 ? V1_ACT_NOTE : ACT_NOTE);
		if (r->version < 2 && a->kind == V1_ACT_NOTE)
			a->kind = ACT_NOTE; /* the handover's came before it */
		a->note = (enum note)get_enum(r, NOTE_AUTO_SHUTDOWN);
		idx = state_get_u64(r);
		a->node = idx < t->nnodes ? t->nodes[idx] : NULL;
		if (idx >= t->nnodes && idx != UINT64_MAX)
			r->failed = true;
		a->arg = state_get_i64(r);
		a->gen = state_get_u32(r);
		a->cause = CAUSE_NONE;
		a->cause_from = NULL;
		if (r->version >= 2) {
			a->cause = (enum cause)get_enum(r, CAUSE_WATCHDOG);
			a->cause_from = get_ref(t, r);
		}
		t->plan.n++;
	}
	return r->failed ? -1 : 0;
}

int
tree_load(struct tree *t, struct state_r *r, char *err, size_t errlen)
{
	size_t i, n = state_get_count(r, SIZE_MAX);

	if (n != t->nnodes) {
		snprintf(err, errlen,
		    "state: %zu nodes, the configuration makes %zu", n,
		    t->nnodes);
		return -1;
	}
	for (i = 0; i < n && !r->failed; i++) {
		struct node *nd = t->nodes[i];
		char *path = state_get_str(r);
		bool same = path != NULL && strcmp(path, nd->path) == 0;

		free(path);
		if (!same) {
			snprintf(err, errlen, "state: node %zu is not %s", i,
			    nd->path);
			return -1;
		}
		load_node(t, nd, r);
		if (nd->kind == NODE_SUP)
			load_sup(t, (struct sup *)nd, r);
		else
			load_prog((struct prog *)nd, r);
	}
	t->exit_status = (int)state_get_i64(r);
	t->shutting_down = state_get_bool(r);
	if (r->failed || load_plan(t, r) == -1 || !state_done(r)) {
		snprintf(err, errlen, "state: bad tree section");
		return -1;
	}
	return 0;
}
