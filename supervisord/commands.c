/*
 * commands.c: what each command of tendctl does (SPEC 5): resolve the
 * names, act on the tree (tree.c, supervise.c, output.c), and queue the
 * reply's records. The transport (reading, writing, bounds, waiting and
 * streaming) is control.c's; the wire format is proto.c's.
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "control.h"
#include "events.h"
#include "figures.h"
#include "inspect.h"
#include "log.h"
#include "output.h"
#include "ready.h"
#include "reload.h"
#include "supervise.h"
#include "units.h"
#include "upgrade.h"

static struct {
	struct tree *tree;
} cmd;

void
commands_init(struct tree *t)
{
	cmd.tree = t;
}

/* ------------------------------------------------------------ records */

static const char *
last_token(const struct node *n, char *buf, size_t size)
{
	const struct prog *p = (const struct prog *)n;

	if (n->kind != NODE_PROG || !p->has_last)
		return "-";
	return exit_token(&p->last, buf, size);
}

static size_t
depth_of(const struct node *n)
{
	size_t d = 0;

	for (; n->parent != NULL; n = &n->parent->node)
		d++;
	return d;
}

/* A program's listen addresses, one a line: "listen=...". */
static void
listen_field(struct buf *b, const struct prog *p)
{
	char addrs[1024];

	if (prog_extra(p->conf)->nlisten > 0)
		rec_str(b, "listen",
		    listen_addrs(prog_extra(p->conf), addrs, sizeof(addrs)));
}

/* Why n is in its state (issue 19): cause, after, reason. */
static void
describe_cause(struct buf *b, const struct node *n)
{
	char why[256];

	if (n->cause == CAUSE_NONE)
		return;
	rec_str(b, "cause", cause_name(n->cause));
	if (n->cause_from != NULL)
		rec_str(b, "after", n->cause_from->shown);
	rec_str(b, "reason",
	    cause_describe(
	        n, n->cause, n->cause_from, n->state, NULL, why, sizeof(why)));
}

static void
describe_prog(struct buf *b, const struct prog *p, int64_t now)
{
	const struct node *n = &p->node;
	int64_t due = tree_next_start_ms(n);
	char tok[64];

	rec_int(b, "pid", p->pid);
	rec_int(b, "uptime_ms",
	    p->pid != 0 && n->state != ST_STOPPING ? now - p->started_ms : -1);
	rec_int(b, "restarts", n->restarts);
	rec_str(b, "last", last_token(n, tok, sizeof(tok)));
	if (ready_status(p) != NULL)
		rec_str(b, "status", ready_status(p));
	if (ready_health_fails(p) >= 0)
		rec_int(b, "health_fails", ready_health_fails(p));
	if (due >= 0)
		rec_int(b, "next_start_ms", due > now ? due - now : 0);
	listen_field(b, p);
}

static void
describe_sup(struct buf *b, const struct sup *s, int64_t now)
{
	const struct node *n = &s->node;

	rec_str(b, "strategy", strategy_name(s->strategy));
	rec_int(b, "restarts", n->restarts);
	rec_int(
	    b, "uptime_ms", n->state == ST_RUNNING ? now - n->since_ms : -1);
	rec_int(b, "window", (int64_t)tree_restarts_within(s, now));
	rec_int(b, "intensity",
	    s->intensity == CONFIG_INFINITY ? -1 : s->intensity);
	rec_int(b, "period_ms", s->period_ms);
	if (s->gave_up && s->gave_up_by != NULL) {
		const struct node *k = s->gave_up_by;
		char why[512];

		rec_str(b, "gave_up_by", k->shown);
		rec_str(
		    b, "gave_up_why", events_end_reason(k, why, sizeof(why)));
	}
}

/* What a program uses now (top, status --json). */
static void
rec_figures(struct buf *b, const struct prog *p)
{
	struct figures f;

	figures_read(p, &f);
	rec_int(b, "cpu_usec", f.cpu_usec);
	rec_int(b, "mem_bytes", f.mem_bytes);
	rec_int(b, "procs", f.procs);
}

static void
describe(struct buf *b, const struct node *n, enum producer prod, int64_t now)
{
	const struct prog *p = (const struct prog *)n;

	rec_begin(b, n->kind == NODE_PROG ? "prog" : "sup");
	rec_str(b, "path", n->shown);
	rec_str(b, "name", n->name);
	/* a running program whose main process is stopped shows paused */
	rec_str(b, "state",
	    n->kind == NODE_PROG && n->state == ST_RUNNING && p->paused
	        ? "paused"
	        : state_name(n->state));
	if (n->parent != NULL)
		rec_str(b, "sup", n->parent->node.shown);
	if (n->kind == NODE_PROG) {
		describe_prog(b, (const struct prog *)n, now);
		if (prod == PROD_FIGURES)
			rec_figures(b, (const struct prog *)n);
	} else {
		describe_sup(b, (const struct sup *)n, now);
	}
	describe_cause(b, n);
	if (prod == PROD_TREE)
		rec_int(b, "depth", (int64_t)depth_of(n));
	rec_end(b);
}

/* A handover's other instances of p (SPEC 7: status shows both): the
 * outgoing one running while the new one starts, then stopping. */
static void
describe_asides(struct buf *b, const struct prog *p, int64_t now)
{
	const struct prog *v[4];
	bool serving[4];
	size_t i, n = supervise_asides(p, v, serving, 4);

	for (i = 0; i < n; i++) {
		const struct node *x = &p->node;

		rec_begin(b, "prog");
		rec_str(b, "path", x->shown);
		rec_str(b, "name", x->name);
		rec_str(b, "state", serving[i] ? "running" : "stopping");
		if (x->parent != NULL)
			rec_str(b, "sup", x->parent->node.shown);
		describe_prog(b, v[i], now); /* the copy that owns it */
		rec_str(b, "instance", serving[i] ? "outgoing" : "aside");
		rec_end(b);
	}
}

/* Produce more of a long reply; true once it is all queued. */
bool
commands_produce(struct client *c)
{
	struct tree *t = cmd.tree;
	size_t total = c->sel != NULL ? c->nsel : t->nnodes;
	int64_t now = supervise_now_ms();

	while (c->cursor < total && c->out.len < (size_t)REPLY_CHUNK) {
		struct node *n =
		    c->sel != NULL ? c->sel[c->cursor] : t->nodes[c->cursor];

		c->cursor++;
		/* status: the programs, and a supervisor that gave up */
		if ((c->prod == PROD_STATUS || c->prod == PROD_FIGURES) &&
		    n->kind != NODE_PROG && !((const struct sup *)n)->gave_up)
			continue;
		describe(&c->out, n, c->prod, now);
		if (n->kind == NODE_PROG && ((struct prog *)n)->outgoing &&
		    (c->prod == PROD_STATUS || c->prod == PROD_FIGURES))
			describe_asides(&c->out, (const struct prog *)n, now);
	}
	if (c->cursor < total)
		return false;
	c->prod = PROD_NONE;
	proto_reply_end(&c->out);
	c->closing = true;
	return true;
}

/* --------------------------------------------------------- the verbs */

/* Resolve every name first (SPEC 11): 0, or -1 after replying exit 3. */
static int
resolve_names(struct client *c, char **names, size_t n, struct node ***out)
{
	size_t i;

	/* NOLINTNEXTLINE(bugprone-sizeof-expression): array of pointers */
	*out = calloc(n ? n : 1, sizeof(**out));
	if (*out == NULL) {
		client_reply_error(c, 1, "out of memory");
		return -1;
	}
	for (i = 0; i < n; i++) {
		(*out)[i] = tree_find(cmd.tree, names[i]);
		if ((*out)[i] == NULL) {
			client_reply_error(c, 3,
			    "no such program or supervisor: %s", names[i]);
			free(*out);
			*out = NULL;
			return -1;
		}
	}
	return 0;
}

/* The nodes of n's subtree, n first (t->nodes is in pre-order). */
static size_t
subtree_end(const struct node *n)
{
	return n->idx + n->subtree_n;
}

/* top: the machine's load and memory, for its header line. */
static void
rec_host(struct buf *b)
{
	double load[3];
	int64_t total, avail;
	char text[32];

	if (figures_host(load, &total, &avail) == -1)
		return;
	rec_begin(b, "host");
	snprintf(
	    text, sizeof(text), "%.2f %.2f %.2f", load[0], load[1], load[2]);
	rec_str(b, "load", text);
	rec_int(b, "mem_total", total);
	rec_int(b, "mem_avail", avail);
	rec_end(b);
}

static void
verb_status(struct client *c, struct request *r, int arg)
{
	enum producer prod = (enum producer)arg;
	const char *figures = request_opt(r, "figures");
	const char *all = request_opt(r, "all");
	struct node **named;
	size_t i, k, total = 0;

	/* status --all (supervisors too) has no figures; --json status has */
	if (prod == PROD_STATUS && all != NULL && strcmp(all, "1") == 0)
		prod = PROD_STATUS_ALL;
	else if (prod == PROD_STATUS && figures != NULL &&
	         strcmp(figures, "1") == 0)
		prod = PROD_FIGURES;

	if (r->nargs > 0) {
		if (resolve_names(c, r->args, r->nargs, &named) == -1)
			return;
		for (i = 0; i < r->nargs; i++)
			total += named[i]->subtree_n;
		/* NOLINTNEXTLINE(bugprone-sizeof-expression): pointers */
		c->sel = calloc(total, sizeof(*c->sel));
		if (c->sel == NULL) {
			free(named);
			client_reply_error(c, 1, "out of memory");
			return;
		}
		for (i = 0; i < r->nargs; i++)
			for (k = named[i]->idx; k < subtree_end(named[i]); k++)
				c->sel[c->nsel++] = cmd.tree->nodes[k];
		free(named);
	}
	proto_reply_ok(&c->out);
	if (strcmp(r->verb, "top") == 0)
		rec_host(&c->out);
	c->prod = prod;
	client_reply_produced(c);
}

/* The one node a command of one NAME names, or NULL having replied
 * (usage: exit 2; no such name: exit 3). */
static struct node *
one_name(struct client *c, const struct request *r, const char *usage)
{
	struct node *n;

	if (r->nargs != 1) {
		client_reply_error(c, 2, "%s", usage);
		return NULL;
	}
	n = tree_find(cmd.tree, r->args[0]);
	if (n == NULL)
		client_reply_error(
		    c, 3, "no such program or supervisor: %s", r->args[0]);
	return n;
}

static void
verb_inspect(struct client *c, struct request *r, int arg)
{
	struct node *n = one_name(c, r, "usage: inspect NAME");

	(void)arg;
	if (n == NULL)
		return;
	proto_reply_ok(&c->out);
	describe(&c->out, n, PROD_NONE, supervise_now_ms());
	inspect_records(&c->out, n, supervise_now_ms());
	client_reply_done(c);
}

static void
verb_pid(struct client *c, struct request *r, int arg)
{
	struct node *n = one_name(c, r, "usage: pid NAME");
	struct prog *p;

	(void)arg;
	if (n == NULL)
		return;
	if (n->kind != NODE_PROG) {
		client_reply_error(
		    c, 1, "%s is a supervisor, not a program", n->shown);
		return;
	}
	p = (struct prog *)n;
	if (p->pid == 0) {
		client_reply_error(c, 1, "%s is not running (%s)", n->shown,
		    state_name(n->state));
		return;
	}
	proto_reply_ok(&c->out);
	rec_begin(&c->out, "pid");
	rec_str(&c->out, "path", n->shown);
	rec_int(&c->out, "pid", p->pid);
	rec_end(&c->out);
	client_reply_done(c);
}

/* signal or kill: SIG to each main process, a supervisor's included. */
static void
verb_signal(struct client *c, struct request *r, int is_kill)
{
	struct node **v;
	size_t i, k, first = is_kill ? 0 : 1, sent = 0;
	int sig = SIGKILL;
	char notrunning[512] = "";

	if (r->nargs <= first) {
		client_reply_error(c, 2,
		    is_kill ? "usage: kill NAME..."
		            : "usage: signal SIG NAME...");
		return;
	}
	if (!is_kill && units_parse_signal(r->args[0], &sig) == -1) {
		client_reply_error(c, 2, "unknown signal: %s", r->args[0]);
		return;
	}
	if (resolve_names(c, r->args + first, r->nargs - first, &v) == -1)
		return;
	for (i = 0; i < r->nargs - first; i++) {
		bool any = false;

		for (k = v[i]->idx; k < subtree_end(v[i]); k++) {
			struct node *n = cmd.tree->nodes[k];

			if (n->kind == NODE_PROG &&
			    supervise_signal((struct prog *)n, sig) == 0) {
				if (is_kill)
					tree_op_kill(
					    cmd.tree, (struct prog *)n);
				any = true;
				sent++;
			}
		}
		if (!any && v[i]->kind == NODE_PROG) {
			size_t len = strlen(notrunning);

			snprintf(notrunning + len, sizeof(notrunning) - len,
			    "%s%s", len ? ", " : "", v[i]->shown);
		}
	}
	free(v);
	if (notrunning[0] != '\0') {
		client_reply_error(c, 1, "not running: %s", notrunning);
		return;
	}
	proto_reply_ok(&c->out);
	rec_begin(&c->out, "signalled");
	rec_int(&c->out, "count", (int64_t)sent);
	rec_end(&c->out);
	client_reply_done(c);
}

static bool
is_active_state(enum state st)
{
	return st == ST_STARTING || st == ST_RUNNING || st == ST_STOPPING ||
	       st == ST_BACKOFF;
}

static void
add_target(struct client *c, struct node *n)
{
	c->targets[c->ntargets].n = n;
	c->targets[c->ntargets].gen0 = n->gen;
	c->ntargets++;
}

/* --with-dependents: wait for the siblings that stop with n too, or that
 * start again with it (a temporary one is stopped, not started). */
static void
add_dependents(struct client *c, struct node *n)
{
	bool restart = c->op == OP_RESTART;
	size_t i;

	for (i = 0; i < n->parent->nkids; i++) {
		struct node *k = n->parent->kids[i];

		if (tree_is_dependent(n, k, restart) &&
		    (!restart || k->restart != RESTART_TEMPORARY))
			add_target(c, k);
	}
}

/* Apply a start, stop or restart to n and note what to wait for. */
static void
apply_op(struct client *c, struct node *n, char *failures, size_t size)
{
	int64_t now = supervise_now_ms();
	struct node *blocker = NULL;
	struct sup *root = cmd.tree->root;
	size_t i, len;
	int r = 0;

	if (n->parent == NULL) {
		/* the root: its children are the targets */
		for (i = 0; i < root->nkids; i++)
			if (c->op != OP_START ||
			    !is_active_state(root->kids[i]->state))
				add_target(c, root->kids[i]);
	} else {
		add_target(c, n);
		if (c->with_dependents)
			add_dependents(c, n);
	}
	switch (c->op) {
	case OP_STOP:
		if (c->with_dependents)
			tree_op_stop_dependents(cmd.tree, n, now);
		else
			tree_op_stop(cmd.tree, n, now);
		break;
	case OP_START:
		r = tree_op_start(cmd.tree, n, now, &blocker);
		break;
	case OP_RESTART:
		r = c->with_dependents
		        ? tree_op_restart_dependents(cmd.tree, n, now, &blocker)
		        : tree_op_restart(cmd.tree, n, now, &blocker);
		break;
	}
	if (r == -1) {
		c->ntargets--; /* nothing to wait for */
		len = strlen(failures);
		snprintf(failures + len, size - len,
		    "%scannot %s %s: its supervisor %s is %s", len ? "; " : "",
		    c->op == OP_START ? "start" : "restart", n->shown,
		    blocker->shown, state_name(blocker->state));
	}
}

/* Whether target x has settled; *failed and why when it settled badly. */
static bool
settled(struct client *c, const struct target *x, bool *failed, char *why,
    size_t size)
{
	const struct node *n = x->n;

	*failed = false;
	if (c->op == OP_STOP) /* stopped, or stopped and started since */
		return !is_active_state(n->state) || n->gen != x->gen0;
	if (c->op == OP_RESTART && n->gen == x->gen0 && n->state != ST_FAILED)
		return false; /* not started again yet */
	switch (n->state) {
	case ST_RUNNING:
		if (n->kind == NODE_PROG && c->op == OP_RESTART &&
		    ((const struct prog *)n)->handover_failed != HANDOVER_OK) {
			const struct prog *p = (const struct prog *)n;

			*failed = true;
			snprintf(why, size,
			    "handover failed: %s; pid %d goes on",
			    handover_end_words(
			        (enum handover_end)p->handover_failed),
			    (int)p->pid);
			return true;
		}
		if (n->kind == NODE_SUP &&
		    ((const struct sup *)n)->job.kind != JOB_NONE)
			return false;
		return true;
	case ST_EXITED:
		return true;
	case ST_STOPPED:
		if (n->kind == NODE_PROG && n->start_failed) {
			const struct prog *p = (const struct prog *)n;

			*failed = true;
			if (p->has_last)
				exit_describe(&p->last, why, size);
			else
				snprintf(why, size, "could not start");
			return true;
		}
		if (n->held) {
			*failed = true;
			snprintf(why, size, "stopped meanwhile");
			return true;
		}
		return false;
	case ST_FAILED:
		*failed = true;
		snprintf(why, size, "its supervisor gave up");
		if (n->kind == NODE_SUP)
			snprintf(why, size, "gave up");
		return true;
	default:
		return false;
	}
}

/* Reply to a waiting client whose targets have all settled. */
bool
commands_check_op(struct client *c, bool timed_out)
{
	char msg[1024] = "", why[256];
	size_t i, len;
	bool failed, all = true, bad = false;

	for (i = 0; i < c->ntargets; i++) {
		if (!settled(c, &c->targets[i], &failed, why, sizeof(why))) {
			all = false;
			if (!timed_out)
				return false;
			snprintf(why, sizeof(why), "still %s",
			    state_name(c->targets[i].n->state));
			failed = true;
		}
		if (failed) {
			bad = true;
			len = strlen(msg);
			snprintf(msg + len, sizeof(msg) - len, "%s%s: %s",
			    len ? "; " : "", c->targets[i].n->shown, why);
		}
	}
	client_unwait(c);
	if ((!all || bad) && c->queued)
		buf_reset(&c->out); /* a reload's plan: the error instead */
	if (!all)
		client_reply_error(c, 1, "timed out: %s", msg);
	else if (bad)
		client_reply_error(c, 1, "%s", msg);
	else {
		if (!c->queued)
			proto_reply_ok(&c->out);
		client_reply_done(c);
	}
	return true;
}

static void
verb_op(struct client *c, struct request *r, int arg)
{
	enum opkind op = (enum opkind)arg;
	struct node **v;
	char failures[1024] = "";
	const char *wait = request_opt(r, "wait");
	const char *tmo = request_opt(r, "timeout");
	const char *deps = request_opt(r, "dependents");
	int64_t timeout_ms = DEFAULT_WAIT_MS;
	size_t i, cap = 0;

	if (r->nargs == 0) {
		client_reply_error(c, 2, "usage: %s NAME...", r->verb);
		return;
	}
	if (tmo != NULL && units_parse_duration(tmo, &timeout_ms) == -1) {
		client_reply_error(c, 2, "bad timeout: %s", tmo);
		return;
	}
	c->with_dependents = deps != NULL && strcmp(deps, "1") == 0;
	if (c->with_dependents && op == OP_START) {
		client_reply_error(
		    c, 2, "--with-dependents: only with stop and restart");
		return;
	}
	if (resolve_names(c, r->args, r->nargs, &v) == -1)
		return;
	for (i = 0; i < r->nargs; i++)
		cap += v[i]->parent == NULL ? cmd.tree->root->nkids
		       : c->with_dependents ? v[i]->parent->nkids
		                            : 1;
	c->targets = calloc(cap ? cap : 1, sizeof(*c->targets));
	if (c->targets == NULL) {
		free(v);
		client_reply_error(c, 1, "out of memory");
		return;
	}
	c->op = op;
	for (i = 0; i < r->nargs; i++)
		apply_op(c, v[i], failures, sizeof(failures));
	free(v);
	if (failures[0] != '\0') {
		client_reply_error(c, 1, "%s", failures);
		return;
	}
	if (wait != NULL && strcmp(wait, "0") == 0) {
		proto_reply_ok(&c->out);
		client_reply_done(c);
		return;
	}
	client_wait(c, timeout_ms); /* control_after_run() checks it */
}

static void
verb_health(struct client *c, struct request *r, int arg)
{
	const char *alive = request_opt(r, "alive");
	bool only_failed = alive != NULL && strcmp(alive, "1") == 0;
	struct tree *t = cmd.tree;
	size_t i = 0;

	(void)arg;
	proto_reply_ok(&c->out);
	while (i < t->nnodes) {
		struct node *n = t->nodes[i];
		const char *why;
		bool skip, ok;

		ok = tree_node_healthy(n, &why, &skip);
		if (ok && n->state == ST_RUNNING && n->kind == NODE_PROG &&
		    ready_health_fails((struct prog *)n) > 0) {
			ok = false;
			why = "failing its health checks";
		}
		if (only_failed)
			ok = n->state != ST_FAILED;
		if (!ok) {
			rec_begin(&c->out, "unhealthy");
			rec_str(&c->out, "path", n->shown);
			rec_str(&c->out, "state", state_name(n->state));
			rec_str(&c->out, "why", why ? why : "failed");
			rec_end(&c->out);
		}
		i = skip ? subtree_end(n) : i + 1;
		if (c->out.failed)
			break;
	}
	client_reply_done(c);
}

/* The version record: this tend, and when it was last upgraded. */
static void
version_record(struct buf *b)
{
	uint64_t count;
	int64_t at = upgrade_last(&count);

	rec_begin(b, "version");
	rec_str(b, "tend", TEND_VERSION);
	rec_int(b, "protocol", PROTO_VERSION);
	rec_int(b, "pid", getpid());
	if (at > 0) {
		rec_int(b, "upgraded", at);
		rec_int(b, "upgrades", (int64_t)count);
	}
	rec_end(b);
}

/* SPEC 7 Reload: the plan as records, or why nothing changed. */
/* A reload's start_first handovers (every one under way: a reload is
 * refused during one): tendctl waits for them as for a restart, and
 * exits 1 if one gave back. False if there is none. */
static bool
wait_for_handovers(struct client *c)
{
	struct tree *t = cmd.tree;
	size_t i, n = 0;

	for (i = 0; i < t->cfg.nprogs; i++)
		n += t->progs[i]->handing;
	if (n == 0)
		return false;
	c->targets = calloc(n, sizeof(*c->targets));
	if (c->targets == NULL)
		return false; /* answered at once: the handovers go on */
	c->op = OP_RESTART;
	for (i = 0; i < t->cfg.nprogs; i++) {
		if (!t->progs[i]->handing)
			continue;
		add_target(c, &t->progs[i]->node);
		c->targets[c->ntargets - 1].gen0--; /* its start is under way */
	}
	c->queued = true;
	client_wait(c, DEFAULT_WAIT_MS);
	return true;
}

static void
verb_reload(struct client *c, struct request *r, int arg)
{
	const char *dry = request_opt(r, "dry");
	char *why = NULL;

	(void)arg;
	proto_reply_ok(&c->out);
	if (reload_run(dry != NULL && strcmp(dry, "1") == 0, &c->out, &why) ==
	    -1) {
		buf_reset(&c->out);
		client_reply_error(c, 1, "%s", why);
		free(why);
		return;
	}
	if (!wait_for_handovers(c))
		client_reply_done(c);
}

static void
verb_version(struct client *c, struct request *r, int arg)
{
	(void)r;
	(void)arg;

	proto_reply_ok(&c->out);
	version_record(&c->out);
	client_reply_done(c);
}

/* SPEC 11: only root and tend's own user may upgrade it. */
static bool
may_upgrade(int fd)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);

	return getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) == 0 &&
	       (cr.uid == 0 || cr.uid == geteuid());
}

static void
verb_upgrade(struct client *c, struct request *r, int arg)
{
	char err[1024];

	(void)arg;
	if (!may_upgrade(c->fd)) {
		client_reply_error(c, 1,
		    "upgrade: permission denied: only root and tend's own "
		    "user may upgrade tend");
		return;
	}
	if (r->nargs > 1) {
		client_reply_error(c, 2, "upgrade: at most one PATH");
		return;
	}
	if (r->nargs == 1 && r->args[0][0] != '/') {
		client_reply_error(
		    c, 2, "upgrade: %s: not an absolute path", r->args[0]);
		return;
	}
	if (upgrade_start(cmd.tree, r->nargs == 1 ? r->args[0] : NULL, c->fd,
	        err, sizeof(err)) == 0) {
		client_let_go(c); /* the upgrade answers on its copy */
		return;
	}
	log_warnx("upgrade: %s; going on", err);
	client_reply_error(c, 1, "upgrade: %s", err);
}

void
commands_upgraded(struct client *c, const char *failed)
{
	if (failed != NULL) {
		client_reply_error(c, 1,
		    "upgrade: the new tend could not load the state: %s; the "
		    "previous tend goes on",
		    failed);
		return;
	}
	proto_reply_ok(&c->out);
	version_record(&c->out);
	client_reply_done(c);
}

/* events [n=N]: the last N events kept, then every new one. */
static void
verb_events(struct client *c, struct request *r, int arg)
{
	const char *nopt = request_opt(r, "n");
	uint64_t n = 0;

	(void)arg;
	if (nopt != NULL &&
	    units_parse_uint(nopt, CONTROL_LOG_LINES_MAX, &n) == -1) {
		client_reply_error(c, 2, "-n: expected 0 to %d events, got %s",
		    CONTROL_LOG_LINES_MAX, nopt);
		return;
	}
	proto_reply_ok(&c->out);
	client_recent_events(c, (size_t)n);
	client_stream(c, false, 0, 0);
}

/* The last lines of a subtree, merged by time. */
struct logline {
	const struct node *n;
	int64_t t;
	size_t seq;
	char *text;
	size_t len;
};

struct collect {
	struct logline *v;
	size_t n, cap;
	const struct node *cur;
	bool failed;
};

static void
collect_line(void *arg, int64_t t, const char *text, size_t len)
{
	struct collect *k = arg;
	struct logline *l;

	if (k->failed)
		return;
	if (k->n == k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 64;
		struct logline *v = realloc(k->v, cap * sizeof(*v));

		if (v == NULL) {
			k->failed = true;
			return;
		}
		k->v = v;
		k->cap = cap;
	}
	l = &k->v[k->n];
	l->text = malloc(len + 1);
	if (l->text == NULL) {
		k->failed = true;
		return;
	}
	memcpy(l->text, text, len + 1);
	l->len = len;
	l->n = k->cur;
	l->t = t;
	l->seq = k->n++;
}

static int
by_time(const void *a, const void *b)
{
	const struct logline *x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void
verb_logs(struct client *c, struct request *r, int arg)
{
	const char *nopt = request_opt(r, "n");
	const char *follow = request_opt(r, "follow");
	struct collect k = {0};
	uint64_t lines = CONTROL_LOG_LINES;
	struct node *n;
	size_t i;

	(void)arg;
	if (r->nargs != 1) {
		client_reply_error(c, 2, "usage: logs NAME [-n N] [-f]");
		return;
	}
	if (nopt != NULL &&
	    units_parse_uint(nopt, CONTROL_LOG_LINES_MAX, &lines) == -1) {
		client_reply_error(c, 2, "-n: expected 0 to %d lines, got %s",
		    CONTROL_LOG_LINES_MAX, nopt);
		return;
	}
	n = tree_find(cmd.tree, r->args[0]);
	if (n == NULL) {
		client_reply_error(
		    c, 3, "no such program or supervisor: %s", r->args[0]);
		return;
	}
	for (i = n->idx; i < subtree_end(n) && !k.failed; i++) {
		k.cur = cmd.tree->nodes[i];
		if (k.cur->kind == NODE_PROG &&
		    output_last((const struct prog *)k.cur, lines, collect_line,
		        &k) == -1)
			k.failed = true;
	}
	if (!k.failed) {
		if (k.n > 0)
			qsort(k.v, k.n, sizeof(*k.v), by_time);
		proto_reply_ok(&c->out);
		for (i = k.n > lines ? k.n - lines : 0; i < k.n; i++)
			commands_line_record(&c->out, k.v[i].n, k.v[i].t,
			    k.v[i].text, k.v[i].len);
	}
	for (i = 0; i < k.n; i++)
		free(k.v[i].text);
	free(k.v);
	if (k.failed || c->out.failed) {
		buf_reset(&c->out);
		client_reply_error(c, 1, "out of memory");
		return;
	}
	if (follow != NULL && strcmp(follow, "1") == 0) {
		client_stream(c, true, n->idx, subtree_end(n));
		return;
	}
	client_reply_done(c);
}

static void
verb_shutdown(struct client *c, struct request *r, int arg)
{
	(void)r;
	(void)arg;

	proto_reply_ok(&c->out);
	client_reply_done(c);
	supervise_shutdown();
}

/* The verbs: a handler and the argument that tells its variants apart; no
 * handler for a verb the contract has that is not built yet. */
static const struct verb {
	const char *name;
	void (*run)(struct client *c, struct request *r, int arg);
	int arg;
} verbs[] = {
    {"status", verb_status, PROD_STATUS},
    {"tree", verb_status, PROD_TREE},
    {"start", verb_op, OP_START},
    {"stop", verb_op, OP_STOP},
    {"restart", verb_op, OP_RESTART},
    {"signal", verb_signal, 0},
    {"kill", verb_signal, 1},
    {"pid", verb_pid, 0},
    {"health", verb_health, 0},
    {"events", verb_events, 0},
    {"logs", verb_logs, 0},
    {"shutdown", verb_shutdown, 0},
    {"version", verb_version, 0},
    {"reload", verb_reload, 0},
    {"upgrade", verb_upgrade, 0},
    {"top", verb_status, PROD_FIGURES},
    {"inspect", verb_inspect, 0},
};

void
commands_dispatch(struct client *c, struct request *r)
{
	size_t i;

	for (i = 0; i < sizeof(verbs) / sizeof(*verbs); i++) {
		if (strcmp(r->verb, verbs[i].name) != 0)
			continue;
		if (verbs[i].run == NULL)
			client_reply_error(
			    c, 1, "%s: not supported yet", r->verb);
		else
			verbs[i].run(c, r, verbs[i].arg);
		return;
	}
	client_reply_error(c, 2, "unknown command: %s", r->verb);
}

void
commands_line_record(struct buf *b, const struct node *n, int64_t t,
    const char *text, size_t len)
{
	rec_begin(b, "line");
	rec_str(b, "path", n->shown);
	rec_int(b, "time_us", t);
	rec_strn(b, "text", text, len);
	rec_end(b);
}
