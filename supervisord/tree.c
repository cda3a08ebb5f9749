/*
 * tree.c: OTP restart decisions. Given the tree, what happened and the
 * time, update the tree and append to its plan what must happen next.
 * No system calls, no clock reads; allocation only when the plan or a
 * restart history must grow past what was sized when the tree was built
 * (treebuild.c builds it, frees it and finds its nodes by name).
 *
 * Each supervisor carries out at most one sequence at a time (its job):
 * a start sequence (stop the children marked to_stop in reverse order,
 * then start the pending ones in order) or a termination (stop everything
 * in reverse order, then end). Children report to their supervisor when
 * they have started or ended; advance() then takes the sequence as far as
 * it can go without waiting.
 */
#include "tree.h"

#include <sys/wait.h>

#include <assert.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"
#include "units.h"

static void advance(struct tree *t, struct sup *s, int64_t now);
static void start_node(
    struct tree *t, struct node *n, bool counted, int64_t now);
static void terminate(struct tree *t, struct sup *s, enum term_reason why,
    int cause, bool brutal, int64_t now);
static void child_ended(struct tree *t, struct sup *s, struct node *c,
    enum exit_kind kind, int code, int64_t now);
static void op_start_node(struct tree *t, struct node *n, int64_t now);
static void begin_group_restart(struct tree *t, struct sup *s, struct node *k,
    enum cause why, bool counted, int64_t delay, int64_t now);
static void gone_ended(
    struct tree *t, struct node *c, enum exit_kind kind, int code, int64_t now);

static struct prog *
prog_of(struct node *n)
{
	return (struct prog *)n;
}

static struct sup *
sup_of(struct node *n)
{
	return (struct sup *)n;
}

/* ------------------------------------------------------------ the plan */

static bool
plan_grow(struct plan *p)
{
	size_t cap = p->cap ? p->cap * 2 : 64;
	struct action *v = malloc(cap * sizeof(*v));
	size_t i;

	if (v == NULL)
		return false;
	for (i = 0; p->cap > 0 && i < p->n; i++)
		v[i] = p->v[(p->head + i) % p->cap];
	free(p->v);
	p->v = v;
	p->cap = cap;
	p->head = 0;
	return true;
}

static void
push(struct tree *t, enum act_kind kind, enum note note, struct node *n,
    int64_t arg)
{
	struct plan *p = &t->plan;
	struct action *a;

	if (p->n == p->cap && !plan_grow(p)) {
		p->lost = true;
		return;
	}
	a = &p->v[(p->head + p->n) % p->cap];
	a->kind = kind;
	a->note = note;
	a->node = n;
	a->arg = arg;
	a->gen = n != NULL ? n->gen : 0;
	a->cause = n != NULL ? n->cause : CAUSE_NONE;
	a->cause_from = n != NULL ? n->cause_from : NULL;
	p->n++;
}

bool
tree_next_action(struct tree *t, struct action *a)
{
	struct plan *p = &t->plan;

	if (p->n == 0)
		return false;
	*a = p->v[p->head];
	p->head = (p->head + 1) % p->cap;
	if (--p->n == 0)
		p->head = 0; /* a ring used from its start touches few pages */
	return true;
}

static void
note(struct tree *t, enum note what, struct node *n, int64_t arg)
{
	push(t, ACT_NOTE, what, n, arg);
}

static void
set_state(struct tree *t, struct node *n, enum state st, int64_t now)
{
	if (n->state == st)
		return;
	n->state = st;
	n->since_ms = now;
	note(t, NOTE_STATE, n, st);
}

static void
set_cause(struct node *n, enum cause c, const struct node *from)
{
	n->cause = c;
	n->cause_from = from;
}

/*
 * A child that s's job starts takes the job's cause, unless it is to be
 * restarted after its own end (SPEC 11 first start: it retries within
 * the sequence, and says so).
 */
static void
take_start_cause(const struct sup *s, struct node *c)
{
	if (c->cause == CAUSE_STRATEGY && c->cause_from == c)
		return;
	set_cause(c, s->job.why, s->job.why_from);
}

static void
set_timer(struct tree *t, struct node *n, int64_t at_ms)
{
	if (n->timer_at_ms == at_ms)
		return;
	n->timer_at_ms = at_ms;
	push(t, ACT_TIMER, NOTE_STATE, n, at_ms);
}

static void
latch(struct tree *t, int status)
{
	if (t->exit_status < 0)
		t->exit_status = status;
}

/* ------------------------------------------------------- pure helpers */

int
exit_code(const struct exit_info *e)
{
	if (e->exec_errno != 0)
		return e->exec_errno == ENOENT && !e->before_exec ? 127 : 126;
	if (WIFEXITED(e->wstatus))
		return WEXITSTATUS(e->wstatus);
	if (WIFSIGNALED(e->wstatus))
		return 128 + WTERMSIG(e->wstatus);
	return 1;
}

enum exit_kind
exit_kind_of(const struct exit_info *e)
{
	if (e->exec_errno == 0 && WIFEXITED(e->wstatus) &&
	    WEXITSTATUS(e->wstatus) == 0)
		return EXIT_NORMAL;
	return EXIT_ABNORMAL;
}

bool
restart_wanted(enum node_kind kind, enum restart r, enum exit_kind k)
{
	(void)kind; /* a supervisor that gave up is not "abnormal": OTP's
	             * reason shutdown, so a transient one stays failed */
	switch (r) {
	case RESTART_PERMANENT:
		return true;
	case RESTART_TRANSIENT:
		return k == EXIT_ABNORMAL;
	case RESTART_TEMPORARY:
		return false;
	}
	return false;
}

static void
prune_history(struct sup *s, int64_t now)
{
	while (s->hist_n > 0 && s->hist[s->hist_head] <= now - s->period_ms) {
		s->hist_head = (s->hist_head + 1) % s->hist_cap;
		s->hist_n--;
	}
}

size_t
tree_restarts_within(const struct sup *s, int64_t now)
{
	size_t i, n = 0;

	for (i = 0; i < s->hist_n; i++)
		if (s->hist[(s->hist_head + i) % s->hist_cap] >
		    now - s->period_ms)
			n++;
	return n;
}

bool
intensity_exceeded(const struct sup *s, int64_t now_ms)
{
	if (s->intensity == CONFIG_INFINITY)
		return false;
	return (int64_t)tree_restarts_within(s, now_ms) + 1 > s->intensity;
}

static void
record_restart(struct sup *s, int64_t now)
{
	if (s->intensity == CONFIG_INFINITY || s->hist_cap == 0)
		return;
	prune_history(s, now);
	if (s->hist_n == s->hist_cap) {
		size_t cap = s->hist_cap * 2, i;
		int64_t *v = malloc(cap * sizeof(*v));

		if (v == NULL) { /* forget the oldest rather than fail */
			s->hist_head = (s->hist_head + 1) % s->hist_cap;
			s->hist_n--;
		} else {
			for (i = 0; i < s->hist_n; i++)
				v[i] =
				    s->hist[(s->hist_head + i) % s->hist_cap];
			free(s->hist);
			s->hist = v;
			s->hist_cap = cap;
			s->hist_head = 0;
		}
	}
	s->hist[(s->hist_head + s->hist_n) % s->hist_cap] = now;
	s->hist_n++;
}

static bool
is_active(const struct node *n)
{
	switch (n->state) {
	case ST_STARTING:
	case ST_RUNNING:
	case ST_STOPPING:
		return true;
	case ST_BACKOFF:
		return n->kind == NODE_PROG;
	default:
		return false;
	}
}

static bool
all_significant_ended(const struct sup *s)
{
	size_t i;
	bool any = false;

	for (i = 0; i < s->nkids; i++) {
		if (!s->kids[i]->significant)
			continue;
		if (!s->kids[i]->ended_sig)
			return false;
		any = true;
	}
	return any;
}

/* The delay before restarting p, which ended now (SPEC 4 Backoff). */
static int64_t
backoff_delay(struct prog *p, int64_t now)
{
	const struct prog_conf *c = p->conf;
	int64_t d;

	if (c->backoff_min_ms <= 0)
		return 0;
	if ((p->node.state == ST_RUNNING &&
	        now - p->node.since_ms >= c->min_uptime_ms) ||
	    (p->fail != FAIL_NONE && p->fail_was_up)) {
		p->backoff_next_ms = 0;
		return 0;
	}
	d = p->backoff_next_ms > 0 ? p->backoff_next_ms : c->backoff_min_ms;
	p->backoff_next_ms =
	    d > c->backoff_max_ms / 2 ? c->backoff_max_ms : d * 2;
	return d;
}

/* ------------------------------------------------- starting, stopping */

static void
start_sup(struct tree *t, struct sup *s, bool counted, int64_t now)
{
	size_t i;

	s->hist_n = 0;
	s->hist_head = 0;
	s->gave_up = false;
	s->gave_up_by = NULL;
	set_state(t, &s->node, ST_STARTING, now);
	for (i = 0; i < s->nkids; i++) {
		struct node *c = s->kids[i];

		c->pending = !c->held;
		c->to_stop = false;
	}
	memset(&s->job, 0, sizeof(s->job));
	s->job.kind = JOB_START;
	s->job.first = true;
	s->job.counted = counted;
	s->job.start_at_ms = now;
	s->job.why = s->node.cause; /* its children start for its reason */
	s->job.why_from = s->node.cause_from;
	advance(t, s, now);
}

static void
start_node(struct tree *t, struct node *n, bool counted, int64_t now)
{
	set_timer(t, n, -1);
	if (counted && n->gen > 0)
		n->restarts++;
	n->gen++;
	n->end_cause = CAUSE_NONE;
	n->kill_sent = false;
	n->to_stop = false;
	n->ended_sig = false;
	n->start_failed = false;
	if (n->kind == NODE_PROG) {
		prog_of(n)->fail = FAIL_NONE;
		prog_of(n)->handover_failed = HANDOVER_OK;
		set_state(t, n, ST_STARTING, now);
		push(t, ACT_START, NOTE_STATE, n, 0);
	} else {
		start_sup(t, sup_of(n), counted, now);
	}
}

/*
 * handover = start_first (SPEC 7): a restart that tend chooses to make of
 * a running program starts the new instance while the live one serves;
 * once the new one is ready the old one is stopped (ACT_RETIRE), and if
 * the new one is not ready in time, or ends first, it is stopped and the
 * old one is the live instance again (ACT_HANDBACK). A crash restart is
 * always stop-first.
 */
static bool
hands_over(const struct node *n)
{
	const struct prog *p;

	if (n->kind != NODE_PROG || n->state != ST_RUNNING || n->removed)
		return false;
	p = (const struct prog *)n;
	return prog_extra(p->conf)->handover == HANDOVER_START_FIRST &&
	       !p->handing && !p->outgoing;
}

static void
begin_handover(struct tree *t, struct node *n, int64_t now)
{
	struct prog *p = prog_of(n);

	p->handing = true;
	p->handover_failed = HANDOVER_OK;
	n->op_start = false;
	n->held = false;
	push(t, ACT_HANDOVER, NOTE_STATE, n, 0);
	start_node(t, n, false, now);
}

/* The new instance of a handover failed (why): the outgoing one is the
 * live instance again, running. */
static void
hand_back(struct tree *t, struct prog *p, enum handover_end why, int64_t now)
{
	struct node *n = &p->node;

	p->handing = false;
	p->handover_failed = (unsigned char)why;
	set_timer(t, n, -1);
	n->op_starting = false;
	push(t, ACT_HANDBACK, NOTE_STATE, n, 0);
	set_state(t, n, ST_RUNNING, now);
}

/* Begin stopping n; a stop that needs no waiting completes at once. */
static void
stop_node(struct tree *t, struct node *n, int64_t now)
{
	if (n->kind == NODE_SUP) {
		terminate(t, sup_of(n), TERM_STOP, 0, false, now);
		return;
	}
	if (prog_of(n)->handing) {
		/* both instances stop: the outgoing one, then the new */
		prog_of(n)->handing = false;
		prog_of(n)->handover_failed = HANDOVER_STOPPED;
		push(t, ACT_RETIRE, NOTE_STATE, n, 0);
	}
	switch (n->state) {
	case ST_STARTING:
	case ST_RUNNING:
		set_timer(t, n, -1); /* its start deadline */
		set_state(t, n, ST_STOPPING, now);
		if (n->shutdown_ms == CONFIG_BRUTAL_KILL) {
			n->kill_sent = true;
			push(t, ACT_KILL, NOTE_STATE, n, 0);
		} else {
			push(t, ACT_STOP, NOTE_STATE, n, 0);
		}
		break;
	case ST_BACKOFF:
		set_timer(t, n, -1);
		set_state(t, n, n->after_stop, now);
		break;
	default:
		break;
	}
}

/* Kill n at once: its instance, or its whole subtree. */
static void
kill_node(struct tree *t, struct node *n, int64_t now)
{
	if (n->kind == NODE_SUP) {
		if (is_active(n))
			terminate(t, sup_of(n), TERM_STOP, 0, true, now);
		return;
	}
	if (n->state == ST_BACKOFF) {
		stop_node(t, n, now);
		return;
	}
	if (!is_active(n) || n->kill_sent)
		return;
	if (n->state == ST_STARTING)
		set_timer(t, n, -1); /* its start deadline */
	if (n->state != ST_STOPPING)
		n->after_stop = ST_STOPPED;
	set_state(t, n, ST_STOPPING, now);
	n->kill_sent = true;
	push(t, ACT_KILL, NOTE_STATE, n, 0);
}

/* ------------------------------------------------------ the sequences */

enum outcome {
	OUT_WAIT,
	OUT_STARTED, /* the start sequence is over */
	OUT_ENDED,   /* the termination is over */
};

/* Stop phase: true once every child marked to_stop is stopped. */
static bool
stop_phase(struct tree *t, struct sup *s, int64_t now)
{
	struct job *j = &s->job;
	size_t i;

	if (j->brutal && !j->killed_all) {
		j->killed_all = true;
		for (i = s->nkids; i-- > 0;)
			kill_node(t, s->kids[i], now);
		j->cursor = s->nkids;
	}
	while (j->cursor > 0) {
		struct node *c = s->kids[j->cursor - 1];

		if (c->to_stop && is_active(c)) {
			if (c->state != ST_STOPPING)
				stop_node(t, c, now);
			if (is_active(c))
				return false;
		} else if (j->brutal && is_active(c)) {
			return false;
		}
		c->to_stop = false;
		j->cursor--;
	}
	return true;
}

/* Show the children waiting for a delayed start as in backoff. */
static void
wait_until(struct tree *t, struct sup *s, int64_t at, int64_t now)
{
	size_t i;

	s->job.waiting = true;
	set_timer(t, &s->node, at);
	for (i = 0; i < s->nkids; i++)
		if (s->kids[i]->pending && s->kids[i]->state == ST_STOPPED &&
		    s->kids[i]->kind == NODE_PROG) {
			take_start_cause(s, s->kids[i]);
			set_state(t, s->kids[i], ST_BACKOFF, now);
		}
}

/* Start phase: true once every pending child is started. */
static bool
start_phase(struct tree *t, struct sup *s, int64_t now)
{
	struct job *j = &s->job;

	while (j->cursor < s->nkids) {
		struct node *c = s->kids[j->cursor];

		if (c->pending) {
			switch (c->state) {
			case ST_STARTING:
			case ST_STOPPING:
				return false;
			case ST_RUNNING:
				c->pending = false;
				break;
			default:
				if (now < j->start_at_ms) {
					wait_until(t, s, j->start_at_ms, now);
					return false;
				}
				take_start_cause(s, c);
				start_node(t, c, j->counted, now);
				continue; /* look at c again */
			}
		}
		j->cursor++;
	}
	return true;
}

static enum outcome
run_job(struct tree *t, struct sup *s, int64_t now)
{
	struct job *j = &s->job;

	if (j->kind == JOB_NONE)
		return OUT_WAIT;
	if (j->stopping) {
		if (!stop_phase(t, s, now))
			return OUT_WAIT;
		if (j->kind == JOB_TERMINATE)
			return OUT_ENDED;
		j->stopping = false;
		j->cursor = 0;
	}
	if (j->waiting || !start_phase(t, s, now))
		return OUT_WAIT;
	return OUT_STARTED;
}

static void
sup_started(struct tree *t, struct sup *s, int64_t now)
{
	s->job.kind = JOB_NONE;
	if (s->node.state != ST_STARTING)
		return; /* a restart sequence of a running supervisor */
	set_state(t, &s->node, ST_RUNNING, now);
	if (s->node.parent != NULL)
		advance(t, s->node.parent, now);
}

static void
sup_ended(struct tree *t, struct sup *s, int64_t now)
{
	enum term_reason why = s->job.reason;
	int cause = s->job.cause;

	memset(&s->job, 0, sizeof(s->job));
	set_timer(t, &s->node, -1);
	set_state(
	    t, &s->node, why == TERM_GIVE_UP ? ST_FAILED : ST_STOPPED, now);
	if (s->node.parent == NULL) {
		push(t, ACT_EXIT, NOTE_STATE, &s->node,
		    t->exit_status < 0 ? 0 : t->exit_status);
		return;
	}
	switch (why) {
	case TERM_STOP:
		child_ended(t, s->node.parent, &s->node, EXIT_SHUTDOWN, 0, now);
		break;
	case TERM_GIVE_UP:
		child_ended(t, s->node.parent, &s->node, EXIT_GAVE_UP, 3, now);
		break;
	case TERM_AUTO:
		child_ended(
		    t, s->node.parent, &s->node, EXIT_NORMAL, cause, now);
		break;
	}
}

static void
advance(struct tree *t, struct sup *s, int64_t now)
{
	enum outcome o;

	if (s->job.in_advance)
		return; /* the loop further up will look again */
	s->job.in_advance = true;
	o = run_job(t, s, now);
	s->job.in_advance = false;
	if (o == OUT_STARTED)
		sup_started(t, s, now);
	else if (o == OUT_ENDED)
		sup_ended(t, s, now);
}

/* A termination of s begins: every child that runs is to stop, for s's
 * cause; those in backoff stop now. */
static void
mark_all_to_stop(struct tree *t, struct sup *s, int64_t now)
{
	size_t i;

	for (i = 0; i < s->nkids; i++) {
		struct node *c = s->kids[i];

		c->pending = false;
		c->after_stop = ST_STOPPED;
		c->to_stop = is_active(c);
		if (c->to_stop && c->state != ST_STOPPING)
			set_cause(c, s->job.why, s->job.why_from);
		if (c->state == ST_BACKOFF)
			stop_node(t, c, now);
	}
}

static void
terminate(struct tree *t, struct sup *s, enum term_reason why, int cause,
    bool brutal, int64_t now)
{
	struct job *j = &s->job;

	if (j->kind == JOB_TERMINATE) {
		if (brutal && !j->brutal) {
			j->brutal = true;
			j->killed_all = false;
		}
		if (why == TERM_STOP && !j->brutal && s->node.timer_at_ms < 0 &&
		    s->node.parent != NULL &&
		    s->node.shutdown_ms != CONFIG_INFINITY)
			set_timer(t, &s->node,
			    now + (s->node.shutdown_ms > 0 ? s->node.shutdown_ms
			                                   : 0));
	} else {
		bool guard = j->in_advance;

		if (why == TERM_STOP && s->node.parent != NULL &&
		    s->node.shutdown_ms == CONFIG_BRUTAL_KILL)
			brutal = true;
		set_timer(t, &s->node, -1);
		memset(j, 0, sizeof(*j));
		j->in_advance = guard;
		j->kind = JOB_TERMINATE;
		j->stopping = true;
		j->cursor = s->nkids;
		j->reason = why;
		j->cause = cause;
		j->brutal = brutal;
		j->why = s->node.cause; /* its children stop for its reason */
		j->why_from = s->node.cause_from;
		mark_all_to_stop(t, s, now);
		set_state(t, &s->node, ST_STOPPING, now);
		if (why == TERM_STOP && s->node.parent != NULL &&
		    s->node.shutdown_ms != CONFIG_INFINITY && !brutal)
			set_timer(t, &s->node,
			    now + (s->node.shutdown_ms > 0 ? s->node.shutdown_ms
			                                   : 0));
	}
	advance(t, s, now);
}

/* s gives up: c's restart was one too many (c NULL: none). */
static void
give_up(struct tree *t, struct sup *s, const struct node *c, int64_t now)
{
	s->gave_up = true;
	s->gave_up_by = c;
	set_cause(&s->node, CAUSE_GAVE_UP, c);
	note(t, NOTE_GIVE_UP, &s->node, (int64_t)tree_restarts_within(s, now));
	if (s->node.parent == NULL)
		latch(t, 3);
	terminate(t, s, TERM_GIVE_UP, 3, false, now);
}

/*
 * A group restart of s around k (one_for_all, rest_for_one): stop k if it
 * still runs and the others that run, in reverse order, then start k and
 * every one of them that is not temporary (nor held by an operator), in
 * order, not before now + delay. why: CAUSE_STRATEGY when k ended, and
 * counted; CAUSE_DEPENDENTS for an operator's restart, uncharged. A
 * sequence already under way is abandoned; what it had stopped and not
 * yet started stays pending.
 */
static void
begin_group_restart(struct tree *t, struct sup *s, struct node *k,
    enum cause why, bool counted, int64_t delay, int64_t now)
{
	struct job *j = &s->job;
	bool guard = j->in_advance;
	size_t i;

	set_timer(t, &s->node, -1);
	memset(j, 0, sizeof(*j));
	j->in_advance = guard;
	j->kind = JOB_START;
	j->stopping = true;
	j->cursor = s->nkids;
	j->counted = counted;
	j->start_at_ms = now + delay;
	j->why = why;
	j->why_from = k;
	k->pending = true;
	set_cause(k, why, k);
	if (why == CAUSE_DEPENDENTS && is_active(k) && k->state != ST_BACKOFF) {
		k->to_stop = true;
		k->after_stop = ST_STOPPED;
	} else {
		set_timer(t, k, -1);
		set_state(t, k, ST_STOPPED, now);
	}
	for (i = 0; i < s->nkids; i++) {
		struct node *c = s->kids[i];

		if (c == k ||
		    (s->strategy == STRATEGY_REST_FOR_ONE && c->pos < k->pos))
			continue;
		if (c->state == ST_BACKOFF) {
			set_timer(t, c, -1);
			c->pending = true;
			set_cause(c, why, k);
			set_state(t, c, ST_STOPPED, now);
		} else if (is_active(c) &&
		           (c->state != ST_STOPPING || c->to_stop)) {
			c->to_stop = true;
			c->pending =
			    c->restart != RESTART_TEMPORARY && !c->held;
			c->after_stop =
			    c->pending || c->held ? ST_STOPPED : ST_EXITED;
			if (!c->held)
				set_cause(c, why, k);
		}
	}
}

/* The state of a child that ended by itself and is not restarted. */
static enum state
ended_state(const struct node *c, enum exit_kind kind)
{
	if (c->kind == NODE_PROG)
		return ST_EXITED;
	return kind == EXIT_GAVE_UP ? ST_FAILED : ST_STOPPED;
}

/* c was stopped as asked; an operator's restart starts it again. */
static void
child_shut_down(struct tree *t, struct sup *s, struct node *c, int64_t now)
{
	if (c->kind == NODE_PROG) /* a supervisor has set its own */
		set_state(t, c, c->after_stop, now);
	if (c->op_start) {
		c->op_start = false;
		op_start_node(t, c, now);
	}
	advance(t, s, now);
}

/* c ended while it was to be stopped anyway: no new decision. */
static void
child_ended_anyway(struct tree *t, struct sup *s, struct node *c,
    enum exit_kind kind, int64_t now)
{
	note(t, NOTE_ENDED, c, kind);
	set_state(t, c,
	    c->to_stop && c->kind == NODE_PROG ? c->after_stop
	                                       : ended_state(c, kind),
	    now);
	advance(t, s, now);
}

/* c ended and its restart type says no: auto_shutdown may apply. */
static void
child_not_restarted(struct tree *t, struct sup *s, struct node *c,
    enum exit_kind kind, int code, int64_t now)
{
	note(t, NOTE_NO_RESTART, c, kind);
	c->pending = false;
	set_state(t, c, ended_state(c, kind), now);
	if (c->significant && s->auto_shutdown != AUTO_SHUTDOWN_NEVER) {
		c->ended_sig = true;
		if (s->auto_shutdown == AUTO_SHUTDOWN_ANY ||
		    all_significant_ended(s)) {
			set_cause(&s->node, CAUSE_AUTO_SHUTDOWN, c);
			note(t, NOTE_AUTO_SHUTDOWN, &s->node, code);
			if (s->node.parent == NULL)
				latch(t, code);
			terminate(t, s, TERM_AUTO, code, false, now);
			return;
		}
	}
	advance(t, s, now);
}

/* one_for_one: c alone, at once or after its backoff delay. */
static void
restart_alone(struct tree *t, struct node *c, enum exit_kind kind,
    int64_t delay, int64_t now)
{
	c->pending = false; /* a start sequence moves on without it */
	note(t, delay > 0 ? NOTE_RESTART_LATER : NOTE_RESTART, c,
	    delay > 0 ? delay : kind);
	set_cause(c, CAUSE_STRATEGY, c);
	if (delay > 0) {
		set_state(t, c, ST_BACKOFF, now);
		set_timer(t, c, now + delay);
	} else {
		start_node(t, c, true, now);
	}
}

/* c ended and is to be restarted: intensity, then the strategy. */
static void
child_restarted(struct tree *t, struct sup *s, struct node *c,
    enum exit_kind kind, int64_t now)
{
	struct job *j = &s->job;
	bool at_cursor = j->kind == JOB_START && !j->stopping &&
	                 j->cursor < s->nkids && s->kids[j->cursor] == c;
	int64_t delay = 0;

	if (intensity_exceeded(s, now)) {
		note(t, NOTE_TOO_MANY, c, kind);
		set_cause(c, CAUSE_GAVE_UP, c);
		set_state(t, c, ended_state(c, kind), now);
		give_up(t, s, c, now);
		return;
	}
	record_restart(s, now);
	if (c->kind == NODE_PROG)
		delay = backoff_delay(prog_of(c), now);
	if (s->strategy == STRATEGY_ONE_FOR_ONE) {
		restart_alone(t, c, kind, delay, now);
	} else if (at_cursor && j->first) {
		/* SPEC 11 first start: later siblings wait for c */
		note(t, delay > 0 ? NOTE_RESTART_LATER : NOTE_RESTART, c,
		    delay > 0 ? delay : kind);
		c->pending = true;
		j->start_at_ms = now + delay;
		set_cause(c, CAUSE_STRATEGY, c);
		set_state(t, c, ST_STOPPED, now);
	} else {
		note(t, NOTE_GROUP_RESTART, c, kind);
		begin_group_restart(t, s, c, CAUSE_STRATEGY, true, delay, now);
	}
	advance(t, s, now);
}

/* c, a child of s, ended by itself (or, with EXIT_SHUTDOWN, as asked). */
static void
child_ended(struct tree *t, struct sup *s, struct node *c, enum exit_kind kind,
    int code, int64_t now)
{
	if (c->removed) {
		gone_ended(t, c, kind, code, now);
		return;
	}
	c->exit_code = code;
	c->ended = true;
	c->last_kind = kind;
	if (kind == EXIT_SHUTDOWN)
		child_shut_down(t, s, c, now);
	else if (s->job.kind == JOB_TERMINATE || c->to_stop)
		child_ended_anyway(t, s, c, kind, now);
	else if (!restart_wanted(c->kind, c->restart, kind))
		child_not_restarted(t, s, c, kind, code, now);
	else
		child_restarted(t, s, c, kind, now);
}

/* ------------------------------------------------------ events, entry */

void
tree_start(struct tree *t, int64_t now_ms)
{
	set_cause(&t->root->node, CAUSE_BOOT, NULL);
	start_node(t, &t->root->node, false, now_ms);
}

void
tree_shutdown(struct tree *t, int64_t now_ms)
{
	struct sup *r = t->root;

	t->shutting_down = true;
	latch(t, 0);
	if (r->job.kind == JOB_TERMINATE)
		return; /* already ending; the first cause keeps its status */
	if (!is_active(&r->node)) {
		push(t, ACT_EXIT, NOTE_STATE, &r->node, t->exit_status);
		return;
	}
	set_cause(&r->node, CAUSE_SHUTDOWN, NULL);
	terminate(t, r, TERM_STOP, 0, false, now_ms);
}

void
tree_on_spawned(struct tree *t, struct prog *p, int64_t now_ms)
{
	struct node *n = &p->node;

	if (n->state != ST_STARTING)
		return; /* a stop is already queued */
	if (p->conf->ready == READY_START)
		tree_on_ready(t, p, now_ms);
	else
		set_timer(t, n, now_ms + prog_extra(p->conf)->start_timeout_ms);
}

void
tree_on_ready(struct tree *t, struct prog *p, int64_t now_ms)
{
	struct node *n = &p->node;

	if (n->state != ST_STARTING)
		return;
	set_timer(t, n, -1);
	n->op_starting = false;
	if (p->handing) {
		p->handing = false;
		push(t, ACT_RETIRE, NOTE_STATE, n, 0);
	}
	set_state(t, n, ST_RUNNING, now_ms);
	advance(t, n->parent, now_ms);
}

void
tree_on_extend(struct tree *t, struct prog *p, int64_t ms, int64_t now_ms)
{
	struct node *n = &p->node;

	if (n->state != ST_STARTING || n->timer_at_ms < 0)
		return;
	if (ms > INT64_MAX - now_ms)
		ms = INT64_MAX - now_ms;
	if (now_ms + ms > n->timer_at_ms)
		set_timer(t, n, now_ms + ms);
}

void
tree_on_failed(
    struct tree *t, struct prog *p, enum fail_cause cause, int64_t now_ms)
{
	struct node *n = &p->node;

	if (n->state != ST_STARTING && n->state != ST_RUNNING)
		return;
	if (p->handing) {
		hand_back(t, p,
		    cause == FAIL_TIMEOUT ? HANDOVER_TIMEOUT : HANDOVER_FAILED,
		    now_ms);
		return;
	}
	p->fail = (unsigned char)cause;
	p->fail_was_up = n->state == ST_RUNNING &&
	                 now_ms - n->since_ms >= p->conf->min_uptime_ms;
	n->end_cause = cause == FAIL_TIMEOUT  ? CAUSE_START_TIMEOUT
	               : cause == FAIL_HEALTH ? CAUSE_HEALTH
	                                      : CAUSE_WATCHDOG;
	set_cause(n, n->end_cause, NULL);
	set_timer(t, n, -1);
	set_state(t, n, ST_STOPPING, now_ms);
	if (n->shutdown_ms == CONFIG_BRUTAL_KILL) {
		n->kill_sent = true;
		push(t, ACT_KILL, NOTE_STATE, n, 0);
	} else {
		push(t, ACT_STOP, NOTE_STATE, n,
		    cause == FAIL_WATCHDOG ? SIGABRT : 0);
	}
}

/* SPEC 4: a failed operator start leaves it stopped and charges nothing. */
static void
op_start_failed(struct tree *t, struct prog *p, const struct exit_info *e)
{
	struct node *n = &p->node;

	n->op_starting = false;
	n->held = true;
	n->start_failed = true;
	n->pending = false;
	n->ended = true;
	n->last_kind = EXIT_ABNORMAL;
	n->exit_code = exit_code(e);
	set_state(t, n, ST_STOPPED, e->at_ms);
	if (n->removed)
		gone_ended(t, n, EXIT_SHUTDOWN, n->exit_code, e->at_ms);
	else
		advance(t, n->parent, e->at_ms);
}

void
tree_on_not_started(struct tree *t, struct prog *p, int64_t now_ms)
{
	struct node *n = &p->node;

	if (n->state != ST_STOPPING)
		return;
	n->op_starting = false;
	child_ended(t, n->parent, n, EXIT_SHUTDOWN, 0, now_ms);
}

void
tree_on_exit(struct tree *t, struct prog *p, const struct exit_info *e)
{
	struct node *n = &p->node;
	enum exit_kind kind;

	if (p->handing && n->state == ST_STARTING) {
		/* the new instance ended before it was ready */
		hand_back(t, p, HANDOVER_EXITED, e->at_ms);
		return;
	}
	p->last = *e;
	p->has_last = true;
	if (n->state == ST_STARTING)
		set_timer(t, n, -1); /* its start deadline */
	switch (n->state) {
	case ST_STOPPING:
		/* tend ended it as a failure, and nobody asked for a stop
		 * since (an operator's stop or restart makes it one) */
		if (p->fail == FAIL_NONE || n->held || n->op_start) {
			kind = EXIT_SHUTDOWN;
			break;
		}
		p->last.fail = (enum fail_cause)p->fail;
		if (n->op_starting) {
			op_start_failed(t, p, &p->last);
			return;
		}
		kind = EXIT_ABNORMAL;
		break;
	case ST_STARTING:
		if (n->op_starting) {
			op_start_failed(t, p, e);
			return;
		}
		kind = EXIT_ABNORMAL; /* ended before it was ready */
		break;
	case ST_RUNNING:
		kind = exit_kind_of(e);
		break;
	default:
		return; /* no instance was expected: nothing to decide */
	}
	if (kind != EXIT_SHUTDOWN)
		set_cause(n,
		    n->end_cause != CAUSE_NONE ? n->end_cause : CAUSE_SELF,
		    NULL);
	child_ended(t, n->parent, n, kind, exit_code(e), e->at_ms);
}

void
tree_on_timer(struct tree *t, struct node *n, int64_t now_ms)
{
	struct sup *s;

	if (n->timer_at_ms < 0)
		return; /* disarmed since */
	if (now_ms < n->timer_at_ms)
		now_ms = n->timer_at_ms; /* a timer may fire a little early */
	n->timer_at_ms = -1;
	if (n->kind == NODE_PROG) {
		if (n->state == ST_BACKOFF && !n->pending)
			start_node(t, n, true, now_ms);
		else if (n->state == ST_STARTING) /* start_timeout */
			tree_on_failed(t, prog_of(n), FAIL_TIMEOUT, now_ms);
		return;
	}
	s = sup_of(n);
	if (s->job.kind == JOB_START && s->job.waiting) {
		s->job.waiting = false;
		advance(t, s, now_ms);
	} else if (s->job.kind == JOB_TERMINATE && !s->job.brutal) {
		terminate(t, s, TERM_STOP, 0, true, now_ms);
	}
}

/* ---------------------------------------------------- operator actions */

struct node *
tree_blocker(const struct node *n)
{
	struct sup *s;

	for (s = n->parent; s != NULL; s = s->node.parent)
		if (s->node.state != ST_RUNNING && s->node.state != ST_STARTING)
			return &s->node;
	return NULL;
}

static void
op_start_node(struct tree *t, struct node *n, int64_t now)
{
	n->held = false;
	n->start_failed = false;
	if (n->kind == NODE_PROG)
		n->op_starting = true;
	set_cause(n, CAUSE_OPERATOR, NULL);
	start_node(t, n, false, now);
}

/*
 * A sequence on the root's children that the operator asked for: stop
 * those running in reverse order, then (restart) start them again in
 * order. Uncharged; the root itself stays up.
 */
static void
root_sequence(struct tree *t, struct sup *r, bool restart, int64_t now)
{
	struct job *j = &r->job;
	bool guard = j->in_advance;
	size_t i;

	if (j->kind == JOB_TERMINATE)
		return; /* tend is ending */
	set_timer(t, &r->node, -1);
	memset(j, 0, sizeof(*j));
	j->in_advance = guard;
	j->kind = JOB_START;
	j->stopping = true;
	j->cursor = r->nkids;
	j->start_at_ms = now;
	j->why = CAUSE_OPERATOR;
	for (i = 0; i < r->nkids; i++) {
		struct node *c = r->kids[i];
		bool active = is_active(c);

		if (active || c->state == ST_EXITED)
			set_cause(c, CAUSE_OPERATOR, NULL);
		c->op_start = false;
		if (!restart)
			c->held = true;
		c->pending = restart && active;
		if (c->state == ST_BACKOFF) {
			set_timer(t, c, -1);
			set_state(t, c, ST_STOPPED, now);
		} else if (active) {
			c->to_stop = true;
			c->after_stop = ST_STOPPED;
		} else if (!restart && c->state == ST_EXITED) {
			set_state(t, c, ST_STOPPED, now);
		}
	}
	advance(t, r, now);
}

void
tree_op_stop(struct tree *t, struct node *n, int64_t now_ms)
{
	if (n->parent == NULL) {
		root_sequence(t, sup_of(n), false, now_ms);
		return;
	}
	n->held = true;
	n->op_start = false;
	n->start_failed = false;
	n->pending = false;
	set_cause(n, CAUSE_OPERATOR, NULL);
	if (n->kind == NODE_SUP) {
		if (is_active(n))
			terminate(t, sup_of(n), TERM_STOP, 0, false, now_ms);
		return;
	}
	switch (n->state) {
	case ST_STARTING:
	case ST_RUNNING:
	case ST_BACKOFF:
		n->after_stop = ST_STOPPED;
		stop_node(t, n, now_ms);
		break;
	case ST_STOPPING:
		n->after_stop = ST_STOPPED;
		break;
	case ST_EXITED:
		set_state(t, n, ST_STOPPED, now_ms);
		break;
	default:
		break;
	}
	advance(t, n->parent, now_ms);
}

int
tree_op_start(
    struct tree *t, struct node *n, int64_t now_ms, struct node **blocker)
{
	size_t i;

	*blocker = tree_blocker(n);
	if (*blocker != NULL)
		return -1;
	if (n->kind == NODE_SUP &&
	    (n->state == ST_RUNNING || n->state == ST_STARTING)) {
		struct sup *s = sup_of(n);

		for (i = 0; i < s->nkids; i++)
			if (!is_active(s->kids[i]))
				op_start_node(t, s->kids[i], now_ms);
		advance(t, s, now_ms);
		return 0;
	}
	switch (n->state) {
	case ST_STARTING:
	case ST_RUNNING:
		n->held = false;
		return 0;
	case ST_STOPPING:
		n->held = false;
		n->op_start = true;
		return 0;
	case ST_BACKOFF:
		set_timer(t, n, -1);
		break;
	default:
		break;
	}
	op_start_node(t, n, now_ms);
	if (n->parent != NULL)
		advance(t, n->parent, now_ms);
	return 0;
}

int
tree_op_restart(
    struct tree *t, struct node *n, int64_t now_ms, struct node **blocker)
{
	*blocker = tree_blocker(n);
	if (*blocker != NULL)
		return -1;
	if (n->parent == NULL) {
		root_sequence(t, sup_of(n), true, now_ms);
		return 0;
	}
	if (!is_active(n) || n->state == ST_BACKOFF)
		return tree_op_start(t, n, now_ms, blocker);
	n->held = false;
	n->op_start = true;
	set_cause(n, CAUSE_OPERATOR, NULL);
	if (n->kind == NODE_SUP) {
		if (n->state != ST_STOPPING)
			terminate(t, sup_of(n), TERM_STOP, 0, false, now_ms);
	} else if (hands_over(n)) {
		begin_handover(t, n, now_ms);
	} else if (n->state != ST_STOPPING) {
		n->after_stop = ST_STOPPED;
		stop_node(t, n, now_ms);
	}
	return 0;
}

/* ------------------------------------------ with their dependents */

bool
tree_is_dependent(const struct node *n, const struct node *c, bool restart)
{
	const struct sup *s = n->parent;

	if (s == NULL || c == n || c->parent != s || !is_active(c) ||
	    (restart && c->held))
		return false;
	switch (s->strategy) {
	case STRATEGY_REST_FOR_ONE:
		return c->pos > n->pos;
	case STRATEGY_ONE_FOR_ALL:
		return restart || c->pos > n->pos;
	default:
		return false;
	}
}

/* c is to stay stopped until an operator starts it: hold it now and let
 * s's job stop it in turn (a program in backoff or exited stops now). */
static void
hold_in_turn(struct tree *t, struct node *c, const struct node *n, int64_t now)
{
	c->held = true;
	c->op_start = false;
	c->start_failed = false;
	c->pending = false;
	set_cause(c, CAUSE_DEPENDENTS, n);
	switch (c->state) {
	case ST_STARTING:
	case ST_RUNNING:
		c->to_stop = true;
		c->after_stop = ST_STOPPED;
		break;
	case ST_STOPPING:
		c->after_stop = ST_STOPPED;
		break;
	case ST_BACKOFF:
		c->after_stop = ST_STOPPED;
		stop_node(t, c, now);
		break;
	case ST_EXITED:
		set_state(t, c, ST_STOPPED, now);
		break;
	default:
		break;
	}
}

/*
 * Put a stop phase in front of what s's job has still to start: the
 * children marked to_stop stop in reverse order, then a start sequence
 * under way goes on with its pending children, its delay and its cause.
 */
static void
insert_stop_phase(struct sup *s, int64_t now)
{
	struct job *j = &s->job;
	struct job was = *j;

	memset(j, 0, sizeof(*j));
	j->in_advance = was.in_advance;
	j->kind = JOB_START;
	j->stopping = true;
	j->cursor = s->nkids;
	j->start_at_ms = now;
	if (was.kind == JOB_START) {
		j->first = was.first;
		j->counted = was.counted;
		j->start_at_ms = was.start_at_ms;
		j->why = was.why;
		j->why_from = was.why_from;
	}
}

void
tree_op_stop_dependents(struct tree *t, struct node *n, int64_t now_ms)
{
	struct sup *s = n->parent;
	size_t i;

	if (s == NULL || s->strategy == STRATEGY_ONE_FOR_ONE) {
		tree_op_stop(t, n, now_ms);
		return;
	}
	if (s->job.kind == JOB_TERMINATE || !is_active(&s->node)) {
		/* everything stops anyway: hold them, in reverse order */
		for (i = s->nkids; i-- > n->pos;)
			if (s->kids[i] == n ||
			    tree_is_dependent(n, s->kids[i], false))
				tree_op_stop(t, s->kids[i], now_ms);
		return;
	}
	insert_stop_phase(s, now_ms);
	for (i = n->pos; i < s->nkids; i++)
		if (s->kids[i] == n || tree_is_dependent(n, s->kids[i], false))
			hold_in_turn(t, s->kids[i], n, now_ms);
	advance(t, s, now_ms);
}

int
tree_op_restart_dependents(
    struct tree *t, struct node *n, int64_t now_ms, struct node **blocker)
{
	struct sup *s = n->parent;

	if (s == NULL || s->strategy == STRATEGY_ONE_FOR_ONE)
		return tree_op_restart(t, n, now_ms, blocker);
	*blocker = tree_blocker(n);
	if (*blocker != NULL)
		return -1;
	n->held = false;
	n->op_start = false;
	n->start_failed = false;
	begin_group_restart(t, s, n, CAUSE_DEPENDENTS, false, 0, now_ms);
	advance(t, s, now_ms);
	return 0;
}

void
tree_op_kill(struct tree *t, struct prog *p)
{
	(void)t;
	if (p->node.state == ST_STARTING || p->node.state == ST_RUNNING)
		p->node.end_cause = CAUSE_KILL;
}

/* Whether x is n or below it. */
static bool
is_within(const struct node *x, const struct node *n)
{
	for (; x != NULL; x = x->parent != NULL ? &x->parent->node : NULL)
		if (x == n)
			return true;
	return false;
}

void
tree_forget_causes(struct tree *t, const struct node *n)
{
	struct plan *p = &t->plan;
	size_t i;

	for (i = 0; i < t->nnodes; i++) {
		if (is_within(t->nodes[i]->cause_from, n))
			t->nodes[i]->cause_from = NULL;
		if (t->nodes[i]->kind == NODE_SUP &&
		    is_within(sup_of(t->nodes[i])->job.why_from, n))
			sup_of(t->nodes[i])->job.why_from = NULL;
		if (t->nodes[i]->kind == NODE_SUP &&
		    is_within(sup_of(t->nodes[i])->gave_up_by, n))
			sup_of(t->nodes[i])->gave_up_by = NULL;
	}
	for (i = 0; i < p->n; i++)
		if (is_within(p->v[(p->head + i) % p->cap].cause_from, n))
			p->v[(p->head + i) % p->cap].cause_from = NULL;
}

int64_t
tree_next_start_ms(const struct node *n)
{
	const struct sup *s = n->parent;

	if (n->state != ST_BACKOFF)
		return -1;
	if (n->timer_at_ms >= 0)
		return n->timer_at_ms;
	if (s != NULL && s->job.kind == JOB_START && s->job.waiting)
		return s->node.timer_at_ms;
	return -1;
}

/* ------------------------------------------------------------- health */

bool
tree_node_healthy(const struct node *n, const char **why, bool *skip_kids)
{
	*why = NULL;
	/* a starting supervisor: its children say what it waits for */
	*skip_kids = n->kind == NODE_SUP && n->state != ST_RUNNING &&
	             n->state != ST_STARTING;
	switch (n->state) {
	case ST_RUNNING:
		return true;
	case ST_STARTING:
		*why = "starting";
		return false;
	case ST_BACKOFF:
		*why = "in backoff";
		return false;
	case ST_STOPPING:
		*why = "stopping";
		return n->held;
	case ST_FAILED:
		*why = "failed (gave up)";
		return false;
	case ST_EXITED:
		*why = "exited abnormally";
		return n->ended && n->last_kind != EXIT_ABNORMAL;
	case ST_STOPPED:
		if (n->start_failed) {
			*why = "its start failed";
			return false;
		}
		*why = "waiting to start";
		return n->held || !n->pending;
	}
	return false;
}

/* ------------------------------------------------------------ names */

static const char *const fail_tokens[] = {
    [FAIL_NONE] = NULL,
    [FAIL_TIMEOUT] = "timeout",
    [FAIL_HEALTH] = "health",
    [FAIL_WATCHDOG] = "watchdog",
};

static const char *const fail_words[] = {
    [FAIL_NONE] = NULL,
    [FAIL_TIMEOUT] = "not ready within start_timeout",
    [FAIL_HEALTH] = "failed its health checks",
    [FAIL_WATCHDOG] = "sent no WATCHDOG=1 in time",
};

char *
exit_token(const struct exit_info *e, char *buf, size_t size)
{
	const char *name;

	if (e->fail != FAIL_NONE && e->exec_errno == 0) {
		snprintf(buf, size, "%s", fail_tokens[e->fail]);
	} else if (e->exec_errno != 0) {
		name = units_errno_name(e->exec_errno);
		if (name != NULL)
			snprintf(buf, size, "exec:%s", name);
		else
			snprintf(buf, size, "exec:%d", e->exec_errno);
	} else if (e->oom) {
		snprintf(buf, size, "oom");
	} else if (WIFSIGNALED(e->wstatus)) {
		name = units_signal_name(WTERMSIG(e->wstatus));
		if (name != NULL)
			snprintf(buf, size, "signal:%s", name);
		else
			snprintf(buf, size, "signal:%d", WTERMSIG(e->wstatus));
	} else {
		snprintf(buf, size, "exit:%d", WEXITSTATUS(e->wstatus));
	}
	return buf;
}

char *
exit_describe(const struct exit_info *e, char *buf, size_t size)
{
	const char *name;

	if (e->fail != FAIL_NONE && e->exec_errno == 0) {
		struct exit_info plain = *e;
		char how[96];

		plain.fail = FAIL_NONE;
		snprintf(buf, size, "%s (then %s)", fail_words[e->fail],
		    exit_describe(&plain, how, sizeof(how)));
	} else if (e->exec_errno != 0) {
		snprintf(
		    buf, size, "could not start: %s", strerror(e->exec_errno));
	} else if (e->oom) {
		snprintf(buf, size,
		    "killed by the OOM killer (out of memory in its cgroup)");
	} else if (WIFSIGNALED(e->wstatus)) {
		name = units_signal_name(WTERMSIG(e->wstatus));
		if (name != NULL)
			snprintf(buf, size, "killed by signal %s%s", name,
			    WCOREDUMP(e->wstatus) ? " (core dumped)" : "");
		else
			snprintf(buf, size, "killed by signal %d",
			    WTERMSIG(e->wstatus));
	} else {
		snprintf(buf, size, "exited with status %d",
		    WEXITSTATUS(e->wstatus));
	}
	return buf;
}

const char *
spawn_stage_object(const struct prog *p, enum spawn_stage stage)
{
	switch (stage) {
	case STAGE_EXEC:
		return p->conf->argv[0];
	case STAGE_CHDIR:
		return p->conf->directory;
	case STAGE_USER:
		return p->conf->user != NULL ? p->conf->user : p->conf->group;
	case STAGE_OUTPUT:
		return p->conf->out == OUT_FILE ? p->conf->out_path
		                                : p->conf->err_path;
	default:
		return "";
	}
}

const char *
spawn_stage_name(enum spawn_stage stage)
{
	switch (stage) {
	case STAGE_EXEC:
		return "exec";
	case STAGE_SETUP:
		return "set up the process";
	case STAGE_IDS:
		return "set user and groups";
	case STAGE_CHDIR:
		return "chdir";
	case STAGE_USER:
		return "resolve user";
	case STAGE_OUTPUT:
		return "open";
	}
	return "start";
}

const char *
state_name(enum state st)
{
	static const char *const names[] = {
	    [ST_STOPPED] = "stopped",
	    [ST_STARTING] = "starting",
	    [ST_RUNNING] = "running",
	    [ST_STOPPING] = "stopping",
	    [ST_BACKOFF] = "backoff",
	    [ST_EXITED] = "exited",
	    [ST_FAILED] = "failed",
	};

	return (unsigned)st < sizeof(names) / sizeof(names[0]) ? names[st]
	                                                       : "?";
}

const char *
strategy_name(enum strategy s)
{
	switch (s) {
	case STRATEGY_ONE_FOR_ONE:
		return "one_for_one";
	case STRATEGY_ONE_FOR_ALL:
		return "one_for_all";
	case STRATEGY_REST_FOR_ONE:
		return "rest_for_one";
	}
	return "?";
}

const char *
cause_name(enum cause c)
{
	static const char *const names[] = {
	    [CAUSE_NONE] = "",
	    [CAUSE_BOOT] = "boot",
	    [CAUSE_OPERATOR] = "operator",
	    [CAUSE_DEPENDENTS] = "dependents",
	    [CAUSE_KILL] = "kill",
	    [CAUSE_SELF] = "self",
	    [CAUSE_STRATEGY] = "strategy",
	    [CAUSE_GAVE_UP] = "gave-up",
	    [CAUSE_AUTO_SHUTDOWN] = "auto-shutdown",
	    [CAUSE_SHUTDOWN] = "shutdown",
	    [CAUSE_RELOAD] = "reload",
	    [CAUSE_START_TIMEOUT] = "start-timeout",
	    [CAUSE_HEALTH] = "health",
	    [CAUSE_WATCHDOG] = "watchdog",
	};

	return (unsigned)c < sizeof(names) / sizeof(names[0]) ? names[c] : "?";
}

/* The end of from as n sees it: "its exit", "db's exit", "back gave up". */
static const char *
end_words(const struct node *n, const struct node *from, char *buf, size_t size)
{
	bool gave_up = from->kind == NODE_SUP && from->ended &&
	               from->last_kind == EXIT_GAVE_UP;

	if (from == n)
		snprintf(buf, size, "%s", gave_up ? "it gave up" : "its exit");
	else
		snprintf(buf, size, gave_up ? "%s gave up" : "%s's exit",
		    from->name);
	return buf;
}

/* The name of from's supervisor ("back", "root"). */
static const char *
sup_name(const struct node *from)
{
	return from->parent != NULL ? from->parent->node.name : "tend";
}

/* A cause that a child's end set off: *verb and buf, for n in state up or
 * not. */
static const char *
after_end(const struct node *n, enum cause c, const struct node *from, bool up,
    const char **verb, char *buf, size_t size)
{
	char end[160];

	end_words(n, from, end, sizeof(end));
	switch (c) {
	case CAUSE_STRATEGY:
		*verb = up ? "restarted" : "stopped";
		snprintf(buf, size, "by the strategy of %s after %s",
		    sup_name(from), end);
		break;
	case CAUSE_GAVE_UP:
		*verb = "stopped";
		if (from->parent != NULL && n == &from->parent->node) {
			*verb = "gave up";
			snprintf(buf, size, "after %s", end);
		} else if (n == from) {
			*verb = "not restarted";
			snprintf(buf, size, "because %s gave up after %s",
			    sup_name(from), end);
		} else {
			snprintf(buf, size, "because %s gave up after %s",
			    sup_name(from), end);
		}
		break;
	default: /* CAUSE_AUTO_SHUTDOWN */
		*verb = "stopped";
		if (from->parent != NULL && n == &from->parent->node) {
			*verb = "shut down";
			snprintf(buf, size, "(auto_shutdown) after %s", end);
		} else {
			snprintf(buf, size, "by %s's auto_shutdown after %s",
			    sup_name(from), end);
		}
		break;
	}
	return buf;
}

/* An operator's action on n itself or on from with its dependents. */
static const char *
by_operator(const struct node *n, enum cause c, const struct node *from,
    bool up, const char **verb, char *buf, size_t size)
{
	up = up && !n->held; /* held: its stop is on its way */
	if (c == CAUSE_OPERATOR) {
		*verb = up ? "started" : "stopped";
		snprintf(buf, size, "%s",
		    !up && n->start_failed
		        ? "after its start by operator failed"
		        : "by operator");
	} else {
		*verb = up ? "restarted" : "stopped";
		if (from == NULL || from == n)
			snprintf(buf, size, "by operator with its dependents");
		else
			snprintf(buf, size, "by operator with %s", from->name);
	}
	return buf;
}

char *
cause_describe(const struct node *n, enum cause c, const struct node *from,
    enum state st, const char **verb, char *buf, size_t size)
{
	bool up = st == ST_STARTING || st == ST_RUNNING || st == ST_BACKOFF;
	const char *v = "", *rest = "";
	char words[256];

	words[0] = '\0';
	switch (c) {
	case CAUSE_NONE:
		break;
	case CAUSE_BOOT:
		v = up ? "started" : "waiting";
		rest = up ? "at tend's start" : "to start at tend's start";
		break;
	case CAUSE_OPERATOR:
	case CAUSE_DEPENDENTS:
		rest = by_operator(n, c, from, up, &v, words, sizeof(words));
		break;
	case CAUSE_KILL:
		v = "killed";
		rest = "by operator";
		break;
	case CAUSE_SELF:
		v = "ended";
		rest = "by itself";
		break;
	case CAUSE_STRATEGY:
	case CAUSE_GAVE_UP:
	case CAUSE_AUTO_SHUTDOWN:
		if (from == NULL) {
			v = up ? "restarted" : "stopped";
			rest = "by its supervisor";
			break;
		}
		rest = after_end(n, c, from, up, &v, words, sizeof(words));
		break;
	case CAUSE_SHUTDOWN:
		v = "stopped";
		rest = "for tend's shutdown";
		break;
	case CAUSE_RELOAD:
		v = up ? "restarted" : "stopped";
		rest = "for a reload or handover";
		break;
	case CAUSE_START_TIMEOUT:
		v = "killed";
		rest = "as it was not ready within start_timeout";
		break;
	case CAUSE_HEALTH:
		v = "killed";
		rest = "as its health check failed";
		break;
	case CAUSE_WATCHDOG:
		v = "killed";
		rest = "as its watchdog timed out";
		break;
	}
	if (verb != NULL) {
		*verb = v;
		snprintf(buf, size, "%s", rest);
	} else {
		snprintf(
		    buf, size, "%s%s%s", v, *rest != '\0' ? " " : "", rest);
	}
	return buf;
}

const char *
handover_end_words(enum handover_end why)
{
	switch (why) {
	case HANDOVER_TIMEOUT:
		return "the new instance was not ready within start_timeout";
	case HANDOVER_EXITED:
		return "the new instance ended before it was ready";
	case HANDOVER_FAILED:
		return "the new instance failed before it was ready";
	default:
		return "the new instance was stopped";
	}
}

/* -------------------------------------------------------- live change */

#define ROOT_PREFIX "root/"

/* A reload's removed node ended (stopped, or by itself meanwhile). */
static void gone_next(struct tree *t, int64_t now);

static void
gone_ended(
    struct tree *t, struct node *c, enum exit_kind kind, int code, int64_t now)
{
	c->exit_code = code;
	c->ended = true;
	c->last_kind = kind;
	c->pending = false;
	if (c->kind == NODE_PROG)
		set_state(t, c,
		    kind == EXIT_SHUTDOWN ? c->after_stop : ST_EXITED, now);
	gone_next(t, now);
}

static void
stop_gone(struct tree *t, struct node *n, int64_t now)
{
	n->held = true;
	n->op_start = false;
	n->after_stop = ST_STOPPED;
	if (n->kind == NODE_SUP) {
		if (n->state != ST_STOPPING)
			terminate(t, sup_of(n), TERM_STOP, 0, false, now);
	} else if (n->state != ST_STOPPING) {
		stop_node(t, n, now);
	}
}

/* The added nodes, now that the removed ones are stopped: each starts if
 * its supervisor runs and it is not held (autostart = no). */
static void
start_deferred(struct tree *t, int64_t now)
{
	struct node **v = t->deferred;
	size_t i, n = t->ndeferred;

	t->deferred = NULL;
	t->ndeferred = 0;
	for (i = 0; i < n; i++) {
		struct node *d = v[i];
		struct node *p = &d->parent->node;

		/* as an operator's start: uncharged, and a program whose
		 * first start fails is left stopped, saying so, instead of
		 * setting off its supervisor's strategy */
		if ((p->state == ST_RUNNING || p->state == ST_STARTING) &&
		    !d->held && d->state == ST_STOPPED)
			op_start_node(t, d, now);
	}
	for (i = 0; i < n; i++)
		advance(t, v[i]->parent, now);
	free(v);
}

/* Stop the removed nodes one at a time, last first; then the starts. */
static void
gone_next(struct tree *t, int64_t now)
{
	if (t->in_gone_next)
		return; /* re-entered from a stop that ended at once */
	t->in_gone_next = true;
	while (t->gone_cursor > 0) {
		struct node *n = t->gone[t->gone_cursor - 1];

		if (is_active(n)) {
			stop_gone(t, n, now);
			if (is_active(n))
				break;
		}
		t->gone_cursor--;
	}
	t->in_gone_next = false;
	if (t->gone_cursor == 0 && t->deferred != NULL)
		start_deferred(t, now);
}

const char *
tree_reload_busy(const struct tree *t, const struct node **who)
{
	size_t i;

	*who = &t->root->node;
	if (t->shutting_down)
		return "tend is shutting down";
	if (t->reloading)
		return "the last reload has not finished (it stops what it "
		       "removed, then starts what it added)";
	for (i = 0; i < t->nnodes; i++) {
		const struct node *n = t->nodes[i];

		*who = n;
		if (n->kind != NODE_SUP)
			continue;
		if (n->state == ST_STARTING)
			return "a start sequence is under way";
		if (((const struct sup *)n)->job.kind != JOB_NONE)
			return n->state == ST_STOPPING
			           ? "it is stopping"
			           : "a restart sequence is under way";
	}
	return NULL;
}

/* What a reload prepares before it changes anything. */
struct rl {
	const struct config *nw;
	struct sup **sup_map;   /* by index in nw: the tree's new */
	struct prog **prog_map; /* t->sups and t->progs */
	bool *sup_new, *prog_new;
	char **sup_path, **prog_path;
	struct node ***kids; /* new kids arrays of the kept supervisors */
	int64_t **hist;      /* restart histories they now need */
	bool *mapped;        /* by old idx: kept */
	struct node **nodes; /* the new pre-order */
	size_t nnodes;
	struct node **gone, **deferred;
	size_t ngone, ndeferred;
};

static char *
join_path(const char *parent, const char *name)
{
	size_t len =
	    (parent != NULL ? strlen(parent) + 1 : 0) + strlen(name) + 1;
	char *p = malloc(len);

	if (p == NULL)
		return NULL;
	if (parent != NULL)
		snprintf(p, len, "%s/%s", parent, name);
	else
		snprintf(p, len, "%s", name);
	return p;
}

/* The node nw's child r of supervisor sn (kept or new) gets: the old
 * node of that name and kind under the same (kept) supervisor, or a new
 * one. 0, or -1 (ENOMEM). */
static int
map_child(struct tree *t, struct rl *r, const struct child_ref *k,
    struct node *sn, bool sn_new, const char *sn_path)
{
	const char *name = k->is_sup ? r->nw->sups[k->index].name
	                             : r->nw->progs[k->index].name;
	struct child_ref ref;
	struct node *old = NULL, *n;
	bool fresh;
	char *path = join_path(sn_path, name);

	if (config_find(&t->cfg, name, &ref))
		old = ref.is_sup ? &t->sups[ref.index]->node
		                 : &t->progs[ref.index]->node;
	fresh = sn_new || old == NULL ||
	        old->kind != (k->is_sup ? NODE_SUP : NODE_PROG) ||
	        old->parent != sup_of(sn);

	if (path == NULL)
		return -1;
	if (!fresh) {
		n = old;
		r->mapped[old->idx] = true;
	} else {
		n = k->is_sup
		        ? (struct node *)tree_new_sup(&r->nw->sups[k->index])
		        : (struct node *)tree_new_prog(&r->nw->progs[k->index]);
		if (n == NULL) {
			free(path);
			return -1;
		}
		if (!sn_new)
			r->deferred[r->ndeferred++] = n;
	}
	if (k->is_sup) {
		r->sup_map[k->index] = sup_of(n);
		r->sup_new[k->index] = fresh;
		r->sup_path[k->index] = path;
	} else {
		r->prog_map[k->index] = prog_of(n);
		r->prog_new[k->index] = fresh;
		r->prog_path[k->index] = path;
	}
	return 0;
}

static int
map_sup(struct tree *t, struct rl *r, size_t si)
{
	const struct sup_conf *sc = &r->nw->sups[si];
	size_t i;

	for (i = 0; i < sc->nkids; i++) {
		if (map_child(t, r, &sc->kids[i], &r->sup_map[si]->node,
		        r->sup_new[si], r->sup_path[si]) == -1)
			return -1;
		if (sc->kids[i].is_sup &&
		    map_sup(t, r, sc->kids[i].index) == -1)
			return -1;
	}
	return 0;
}

/* The arrays of r, each sized for nw and t. 0, or -1 (ENOMEM). */
static int
rl_alloc(struct tree *t, struct rl *r)
{
	size_t ns = r->nw->nsups, np = r->nw->nprogs, total = ns + np;

	/* NOLINTBEGIN(bugprone-sizeof-expression): arrays of pointers */
	r->sup_map = calloc(ns + 1, sizeof(*r->sup_map));
	r->prog_map = calloc(np + 1, sizeof(*r->prog_map));
	r->sup_new = calloc(ns + 1, sizeof(*r->sup_new));
	r->prog_new = calloc(np + 1, sizeof(*r->prog_new));
	r->sup_path = calloc(ns + 1, sizeof(*r->sup_path));
	r->prog_path = calloc(np + 1, sizeof(*r->prog_path));
	r->kids = calloc(ns + 1, sizeof(*r->kids));
	r->hist = calloc(ns + 1, sizeof(*r->hist));
	r->mapped = calloc(t->nnodes + 1, sizeof(*r->mapped));
	r->nodes = calloc(total + 1, sizeof(*r->nodes));
	r->gone = calloc(t->nnodes + 1, sizeof(*r->gone));
	r->deferred = calloc(total + 1, sizeof(*r->deferred));
	/* NOLINTEND(bugprone-sizeof-expression) */
	return r->sup_map && r->prog_map && r->sup_new && r->prog_new &&
	               r->sup_path && r->prog_path && r->kids && r->hist &&
	               r->mapped && r->nodes && r->gone && r->deferred
	           ? 0
	           : -1;
}

/* New kids arrays and histories for the kept supervisors. */
static int
rl_alloc_kept(struct rl *r)
{
	size_t i;

	for (i = 0; i < r->nw->nsups; i++) {
		const struct sup_conf *c = &r->nw->sups[i];
		struct sup *s = r->sup_map[i];

		if (r->sup_new[i])
			continue;
		assert(s != NULL); /* map_sup() mapped every node */
		r->kids[i] =
		    /* NOLINTNEXTLINE(bugprone-sizeof-expression): pointers */
		    calloc(c->nkids ? c->nkids : 1, sizeof(*r->kids[i]));
		if (r->kids[i] == NULL)
			return -1;
		if (s->hist_cap == 0 && c->intensity > 0) {
			size_t cap =
			    c->intensity < 1024 ? (size_t)c->intensity : 1024;

			r->hist[i] = malloc(cap * sizeof(*r->hist[i]));
			if (r->hist[i] == NULL)
				return -1;
		}
	}
	return 0;
}

/* Free r; with failed, also the new nodes and everything made for them. */
static void
rl_free(struct rl *r, bool failed)
{
	size_t i;

	for (i = 0; failed && r->sup_map != NULL && i < r->nw->nsups; i++) {
		if (r->sup_new != NULL && r->sup_new[i] && i > 0)
			tree_free_node(&r->sup_map[i]->node);
		if (r->sup_path != NULL)
			free(r->sup_path[i]);
		if (r->kids != NULL)
			free(r->kids[i]);
		if (r->hist != NULL)
			free(r->hist[i]);
	}
	for (i = 0; failed && r->prog_map != NULL && i < r->nw->nprogs; i++) {
		if (r->prog_new != NULL && r->prog_new[i])
			tree_free_node(&r->prog_map[i]->node);
		if (r->prog_path != NULL)
			free(r->prog_path[i]);
	}
	if (failed) {
		free(r->nodes);
		free(r->gone);
		free(r->deferred);
		free(r->sup_map);
		free(r->prog_map);
	}
	free(r->sup_new);
	free(r->prog_new);
	free(r->sup_path);
	free(r->prog_path);
	free(r->kids);
	free(r->hist);
	free(r->mapped);
}

static void
set_shown(struct node *n, char *path)
{
	free(n->path);
	n->path = path;
	n->shown = strncmp(path, ROOT_PREFIX, strlen(ROOT_PREFIX)) == 0
	               ? path + strlen(ROOT_PREFIX)
	               : path;
}

/* A kept supervisor takes nw's keys, children and path. */
static void
update_sup(struct rl *r, size_t i)
{
	const struct sup_conf *c = &r->nw->sups[i];
	struct sup *s = r->sup_map[i];

	assert(s != NULL); /* map_sup() mapped every node */
	s->conf = c;
	s->node.name = c->name;
	s->strategy = c->strategy;
	s->intensity = c->intensity;
	s->period_ms = c->period_ms;
	s->auto_shutdown = c->auto_shutdown;
	if (i > 0) {
		s->node.restart = c->restart;
		s->node.significant = c->significant;
		s->node.shutdown_ms = c->shutdown_ms;
	}
	if (r->hist[i] != NULL) {
		s->hist = r->hist[i];
		s->hist_cap = c->intensity < 1024 ? (size_t)c->intensity : 1024;
		s->hist_head = s->hist_n = 0;
	}
	free(s->kids);
	s->kids = r->kids[i];
	s->nkids = c->nkids;
}

static void
update_prog(struct rl *r, size_t i)
{
	const struct prog_conf *c = &r->nw->progs[i];
	struct prog *p = r->prog_map[i];

	assert(p != NULL); /* map_sup() mapped every node */
	p->conf = c;
	p->node.name = c->name;
	p->node.restart = c->restart;
	p->node.significant = c->significant;
	p->node.shutdown_ms = c->shutdown_ms;
}

/* Every supervisor's children as nw lists them. */
static void
rewire(struct rl *r)
{
	size_t i, k;

	for (i = 0; i < r->nw->nsups; i++) {
		const struct sup_conf *c = &r->nw->sups[i];
		struct sup *s = r->sup_map[i];

		for (k = 0; k < c->nkids; k++) {
			const struct child_ref *ref = &c->kids[k];
			struct node *n = ref->is_sup
			                     ? &r->sup_map[ref->index]->node
			                     : &r->prog_map[ref->index]->node;

			n->parent = s;
			n->pos = k;
			s->kids[k] = n;
		}
		set_shown(&s->node, r->sup_path[i]);
	}
	for (i = 0; i < r->nw->nprogs; i++)
		set_shown(&r->prog_map[i]->node, r->prog_path[i]);
}

/* r->nodes in pre-order from n, with idx and subtree_n. */
static void
order_nodes(struct rl *r, struct node *n)
{
	size_t i;

	n->idx = r->nnodes;
	r->nodes[r->nnodes++] = n;
	if (n->kind == NODE_SUP)
		for (i = 0; i < sup_of(n)->nkids; i++)
			order_nodes(r, sup_of(n)->kids[i]);
	n->subtree_n = r->nnodes - n->idx;
}

/* The nodes no longer in the tree: the top of each removed subtree. */
static void
find_gone(struct tree *t, struct rl *r)
{
	size_t i;

	for (i = 1; i < t->nnodes; i++) {
		struct node *n = t->nodes[i];

		if (!r->mapped[n->idx] && r->mapped[n->parent->node.idx])
			r->gone[r->ngone++] = n;
	}
}

/* Restart the running programs whose process keys changed. */
static void
restart_changed(
    struct tree *t, struct rl *r, const struct diff *df, int64_t now)
{
	size_t i;

	for (i = 0; i < df->n; i++) {
		const struct diff_item *it = &df->v[i];
		struct node *n;

		if (it->kind != DIFF_RESTART || it->is_sup ||
		    r->prog_new[it->new_index])
			continue;
		n = &r->prog_map[it->new_index]->node;
		if (n->state != ST_RUNNING && n->state != ST_STARTING)
			continue; /* takes the new definition at its next start
			           */
		if (hands_over(n)) {
			set_cause(n, CAUSE_RELOAD, NULL);
			begin_handover(t, n, now);
			continue;
		}
		n->op_start = true;
		n->after_stop = ST_STOPPED;
		stop_node(t, n, now);
	}
}

/* Make r the tree: nothing can fail from here on. */
static void
commit(struct tree *t, struct rl *r)
{
	size_t i;

	for (i = 0; i < r->nw->nsups; i++)
		if (!r->sup_new[i])
			update_sup(r, i);
	for (i = 0; i < r->nw->nprogs; i++)
		if (!r->prog_new[i])
			update_prog(r, i);
	rewire(r);
	order_nodes(r, &t->root->node);
	free(t->nodes);
	free(t->sups);
	free(t->progs);
	t->nodes = r->nodes;
	t->nnodes = r->nnodes;
	t->sups = r->sup_map;
	t->progs = r->prog_map;
	for (i = 0; i < r->ngone; i++)
		r->gone[i]->removed = true;
	/* the last reload is done with (tree_reload_busy): both are NULL */
	assert(t->gone == NULL && t->deferred == NULL);
	if (r->ngone == 0) {
		free(r->gone);
		r->gone = NULL;
	}
	t->gone = r->gone;
	t->ngone = t->gone_cursor = r->ngone;
	t->deferred = r->deferred;
	t->ndeferred = r->ndeferred;
	t->reloading = r->ngone > 0;
}

int
tree_reload(
    struct tree *t, struct config *nw, const struct diff *df, int64_t now_ms)
{
	struct rl r;

	memset(&r, 0, sizeof(r));
	r.nw = nw;
	if (rl_alloc(t, &r) == -1)
		goto fail;
	r.sup_map[0] = t->root;
	r.mapped[0] = true;
	r.sup_path[0] = join_path(NULL, nw->sups[0].name);
	if (r.sup_path[0] == NULL || map_sup(t, &r, 0) == -1 ||
	    rl_alloc_kept(&r) == -1)
		goto fail;
	find_gone(t, &r);
	commit(t, &r);
	if (r.ngone > 0)
		t->gone_cfg = t->cfg;
	else
		config_free(&t->cfg);
	t->cfg = *nw;
	memset(nw, 0, sizeof(*nw));
	restart_changed(t, &r, df, now_ms);
	rl_free(&r, false);
	gone_next(t, now_ms);
	return 0;
fail:
	rl_free(&r, true);
	errno = ENOMEM;
	return -1;
}

bool
tree_gone_done(const struct tree *t)
{
	return t->reloading && t->gone_cursor == 0 && t->ndeferred == 0;
}

static void
free_subtree(struct node *n)
{
	size_t i;

	if (n->kind == NODE_SUP)
		for (i = 0; i < sup_of(n)->nkids; i++)
			free_subtree(sup_of(n)->kids[i]);
	tree_free_node(n);
}

void
tree_gone_free(struct tree *t)
{
	size_t i;

	for (i = 0; i < t->ngone; i++) {
		tree_forget_causes(t, t->gone[i]);
		free_subtree(t->gone[i]);
	}
	free(t->gone);
	t->gone = NULL;
	t->ngone = t->gone_cursor = 0;
	config_free(&t->gone_cfg);
	t->reloading = false;
}
