/*
 * test_tree.c: the OTP decisions of tree.c, without forking. A small
 * simulated world plays supervise.c's part: it carries out the plan in
 * order, spawns succeed (or fail, when told), a stop signal ends the
 * program at once (unless it is told to ignore it), and the trace of what
 * was done ("start:a stop:c kill:d exit:3") is what the tests assert.
 */
#include <sys/wait.h>

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "tree.h"
#include "unit.h"

#define W_EXIT(n) ((n) << 8)
#define W_SIG(s) (s)

static struct tree *T;
static int64_t NOW;
static char TRACE[8192];
static bool FAIL_EXEC[64];   /* by node index: its next spawns fail */
static bool STUBBORN[64];    /* by node index: ignores its stop signal */
static int EXITED_WITH = -1; /* ACT_EXIT's status */
static char NOTES[16384];    /* "b:stopping:strategy<a c:!restart:kill" */

static struct tree *
build(const char *ini)
{
	struct config cfg;
	struct diags d;
	FILE *f = fmemopen((void *)(uintptr_t)ini, strlen(ini), "r");
	size_t i;
	int r;

	memset(&cfg, 0, sizeof(cfg));
	memset(&d, 0, sizeof(d));
	ck_assert_ptr_nonnull(f);
	r = config_parse(f, "test.conf", &cfg, &d);
	fclose(f);
	for (i = 0; i < d.n; i++)
		fprintf(stderr, "test.conf:%d: %s\n", d.v[i].line, d.v[i].msg);
	ck_assert_int_eq(r, 0);
	diags_free(&d);
	T = tree_build(&cfg);
	ck_assert_ptr_nonnull(T);
	NOW = 1000000;
	TRACE[0] = '\0';
	memset(FAIL_EXEC, 0, sizeof(FAIL_EXEC));
	memset(STUBBORN, 0, sizeof(STUBBORN));
	EXITED_WITH = -1;
	NOTES[0] = '\0';
	return T;
}

static void
teardown(void)
{
	tree_free(T);
	T = NULL;
}

static size_t
index_of(const struct node *n)
{
	size_t i;

	for (i = 0; i < T->nnodes; i++)
		if (T->nodes[i] == n)
			return i;
	ck_abort_msg("node not in tree");
	return 0;
}

static struct node *
node(const char *name)
{
	struct node *n = tree_find(T, name);

	ck_assert_msg(n != NULL, "no node %s", name);
	return n;
}

static struct prog *
prog(const char *name)
{
	struct node *n = node(name);

	ck_assert_int_eq(n->kind, NODE_PROG);
	return (struct prog *)n;
}

static void
trace(const char *what, const struct node *n)
{
	size_t len = strlen(TRACE);

	snprintf(TRACE + len, sizeof(TRACE) - len, "%s%s:%s", len ? " " : "",
	    what, n ? n->name : "");
}

static void
end_instance(struct prog *p, int wstatus)
{
	struct exit_info e = {.wstatus = wstatus, .at_ms = NOW};

	tree_on_exit(T, p, &e);
}

/* What a note said, with the cause it carries: "b:stopping:strategy<a" for
 * a state, "b:!restart:kill" for another note. */
static void
note(const struct action *a)
{
	size_t len = strlen(NOTES);

	snprintf(NOTES + len, sizeof(NOTES) - len, "%s%s:%s%s:%s%s%s",
	    len ? " " : "", a->node->name, a->note == NOTE_STATE ? "" : "!",
	    a->note == NOTE_STATE     ? state_name((enum state)a->arg)
	    : a->note == NOTE_RESTART ? "restart"
	                              : "other",
	    cause_name(a->cause), a->cause_from ? "<" : "",
	    a->cause_from ? a->cause_from->name : "");
}

/* The notes since the last call. */
static const char *
noted(void)
{
	static char out[sizeof(NOTES)];

	strcpy(out, NOTES);
	NOTES[0] = '\0';
	return out;
}

/* Why name is in its state, in words. */
static const char *
reason(const char *name)
{
	static char buf[256];
	const struct node *n = node(name);

	return cause_describe(
	    n, n->cause, n->cause_from, n->state, NULL, buf, sizeof(buf));
}

#define ck_assert_noted(what)                                                  \
	ck_assert_msg(                                                         \
	    strstr(NOTES, what) != NULL, "not noted: %s in %s", what, NOTES)

/* Carry the plan out as supervise.c would, recording what is done. */
static void
run(void)
{
	struct action a;

	while (tree_next_action(T, &a)) {
		struct prog *p = (struct prog *)a.node;

		switch (a.kind) {
		case ACT_START:
			trace("start", a.node);
			if (FAIL_EXEC[index_of(a.node)]) {
				struct exit_info e = {
				    .exec_errno = ENOENT, .at_ms = NOW};

				tree_on_exit(T, p, &e);
			} else {
				tree_on_spawned(T, p, NOW);
			}
			break;
		case ACT_STOP:
			/* the watchdog's stop begins with SIGABRT */
			trace(a.arg == SIGABRT ? "abort" : "stop", a.node);
			if (!STUBBORN[index_of(a.node)])
				end_instance(p, W_SIG(SIGTERM));
			break;
		case ACT_KILL:
			trace("kill", a.node);
			end_instance(p, W_SIG(SIGKILL));
			break;
		case ACT_EXIT: {
			char buf[32];

			snprintf(buf, sizeof(buf), "exit:%d", (int)a.arg);
			trace(buf, NULL);
			/* "exit:3:" -> "exit:3" */
			TRACE[strlen(TRACE) - 1] = '\0';
			EXITED_WITH = (int)a.arg;
		} break;
		case ACT_NOTE:
			note(&a);
			break;
		case ACT_TIMER:
			break;
		case ACT_HANDOVER:
			trace("handover", a.node);
			break;
		case ACT_RETIRE:
			trace("retire", a.node);
			break;
		case ACT_HANDBACK:
			trace("handback", a.node);
			break;
		}
	}
}

static const char *
took(void)
{
	static char out[sizeof(TRACE)];

	strcpy(out, TRACE);
	TRACE[0] = '\0';
	return out;
}

static void
boot(void)
{
	tree_start(T, NOW);
	run();
	took();
}

/* The program dies by itself (crash, exit, kill from outside). */
static void
dies(const char *name, int wstatus)
{
	end_instance(prog(name), wstatus);
	run();
}

/* Advance the clock to `at` ms from now, firing due tree timers. */
static void
wait_ms(int64_t ms)
{
	int64_t end = NOW + ms;

	for (;;) {
		struct node *first = NULL;
		size_t i;

		for (i = 0; i < T->nnodes; i++) {
			struct node *n = T->nodes[i];

			if (n->timer_at_ms >= 0 && n->timer_at_ms <= end &&
			    (first == NULL ||
			        n->timer_at_ms < first->timer_at_ms))
				first = n;
		}
		if (first == NULL)
			break;
		NOW = first->timer_at_ms;
		tree_on_timer(T, first, NOW);
		run();
	}
	NOW = end;
}

static enum state
state(const char *name)
{
	return node(name)->state;
}

#define PROGS_ABC                                                              \
	"[program:a]\ncommand = a\n"                                           \
	"[program:b]\ncommand = b\n"                                           \
	"[program:c]\ncommand = c\n"

/* --------------------------------------------------------- start, stop */

START_TEST(programs_start_in_children_order_then_unlisted_in_file_order)
{
	build("[supervisor:root]\nchildren = y, s, w\n"
	      "[program:z]\ncommand = z\n[program:y]\ncommand = y\n"
	      "[program:x]\ncommand = x\n[program:w]\ncommand = w\n"
	      "[supervisor:s]\nchildren = v, u\n"
	      "[program:u]\ncommand = u\n[program:v]\ncommand = v\n");
	tree_start(T, NOW);
	run();
	ck_assert_str_eq(
	    took(), "start:y start:v start:u start:w start:z start:x");
	ck_assert_int_eq(state("root"), ST_RUNNING);
	ck_assert_int_eq(state("s"), ST_RUNNING);
}
END_TEST

START_TEST(autostart_no_stays_stopped)
{
	build("[program:a]\ncommand = a\nautostart = no\n"
	      "[program:b]\ncommand = b\n");
	tree_start(T, NOW);
	run();
	ck_assert_str_eq(took(), "start:b");
	ck_assert_int_eq(state("a"), ST_STOPPED);
	ck_assert_int_eq(state("root"), ST_RUNNING);
}
END_TEST

START_TEST(orderly_shutdown_stops_in_reverse_order_recursively_then_exits_0)
{
	build("[supervisor:root]\nchildren = a, b, s, e\n"
	      "[supervisor:s]\nchildren = c, d\n" PROGS_ABC
	      "[program:d]\ncommand = d\n[program:e]\ncommand = e\n");
	boot();
	tree_shutdown(T, NOW);
	run();
	ck_assert_str_eq(took(), "stop:e stop:d stop:c stop:b stop:a exit:0");
	ck_assert_int_eq(state("root"), ST_STOPPED);
}
END_TEST

START_TEST(stops_are_sequential_each_waits_for_the_previous)
{
	build(PROGS_ABC);
	boot();
	STUBBORN[index_of(node("c"))] = true;
	tree_shutdown(T, NOW);
	run();
	ck_assert_str_eq(took(), "stop:c");
	ck_assert_int_eq(state("c"), ST_STOPPING);
	ck_assert_int_eq(state("b"), ST_RUNNING);
	dies("c", W_SIG(SIGKILL)); /* supervise.c escalated */
	ck_assert_str_eq(took(), "stop:b stop:a exit:0");
}
END_TEST

START_TEST(brutal_kill_program_gets_kill_not_stop)
{
	build("[program:a]\ncommand = a\nshutdown = brutal_kill\n");
	boot();
	tree_shutdown(T, NOW);
	run();
	ck_assert_str_eq(took(), "kill:a exit:0");
}
END_TEST

START_TEST(supervisor_shutdown_deadline_kills_the_rest_of_its_subtree)
{
	build("[supervisor:root]\nchildren = s\n"
	      "[supervisor:s]\nshutdown = 2s\nchildren = a, b, c\n" PROGS_ABC);
	boot();
	STUBBORN[index_of(node("c"))] = true;
	tree_shutdown(T, NOW);
	run();
	ck_assert_str_eq(took(), "stop:c");
	wait_ms(1999);
	ck_assert_str_eq(took(), "");
	wait_ms(1);
	ck_assert_str_eq(took(), "kill:c kill:b kill:a exit:0");
}
END_TEST

START_TEST(supervisor_brutal_kill_kills_at_once)
{
	build("[supervisor:root]\nchildren = s\n"
	      "[supervisor:s]\nshutdown = brutal_kill\nchildren = a, b\n"
	      "[program:a]\ncommand = a\n[program:b]\ncommand = b\n");
	boot();
	tree_shutdown(T, NOW);
	run();
	ck_assert_str_eq(took(), "kill:b kill:a exit:0");
}
END_TEST

/* ------------------------------------------- strategy x type x exit */

struct matrix_row {
	const char *strategy;
	const char *restart; /* of b */
	int wstatus;
	const char *expect;
};

#define ONE_B "start:b"
#define REST_B "stop:c start:b start:c"
#define ALL_B "stop:c stop:a start:a start:b start:c"

static const struct matrix_row matrix[] = {
    {"one_for_one", "permanent", W_EXIT(0), ONE_B},
    {"one_for_one", "permanent", W_EXIT(1), ONE_B},
    {"one_for_one", "permanent", W_SIG(SIGKILL), ONE_B},
    {"one_for_one", "transient", W_EXIT(0), ""},
    {"one_for_one", "transient", W_EXIT(1), ONE_B},
    {"one_for_one", "transient", W_SIG(SIGKILL), ONE_B},
    {"one_for_one", "temporary", W_EXIT(0), ""},
    {"one_for_one", "temporary", W_EXIT(1), ""},
    {"one_for_one", "temporary", W_SIG(SIGKILL), ""},
    {"rest_for_one", "permanent", W_EXIT(0), REST_B},
    {"rest_for_one", "permanent", W_EXIT(1), REST_B},
    {"rest_for_one", "permanent", W_SIG(SIGSEGV), REST_B},
    {"rest_for_one", "transient", W_EXIT(0), ""},
    {"rest_for_one", "transient", W_EXIT(2), REST_B},
    {"rest_for_one", "transient", W_SIG(SIGTERM), REST_B},
    {"rest_for_one", "temporary", W_EXIT(0), ""},
    {"rest_for_one", "temporary", W_EXIT(1), ""},
    {"rest_for_one", "temporary", W_SIG(SIGKILL), ""},
    {"one_for_all", "permanent", W_EXIT(0), ALL_B},
    {"one_for_all", "permanent", W_EXIT(1), ALL_B},
    {"one_for_all", "permanent", W_SIG(SIGKILL), ALL_B},
    {"one_for_all", "transient", W_EXIT(0), ""},
    {"one_for_all", "transient", W_EXIT(1), ALL_B},
    {"one_for_all", "transient", W_SIG(SIGKILL), ALL_B},
    {"one_for_all", "temporary", W_EXIT(0), ""},
    {"one_for_all", "temporary", W_EXIT(1), ""},
    {"one_for_all", "temporary", W_SIG(SIGKILL), ""},
};

START_TEST(strategy_restart_type_and_exit_kind_decide_the_restart)
{
	const struct matrix_row *m = &matrix[_i];
	char ini[512];

	snprintf(ini, sizeof(ini),
	    "[supervisor:root]\nstrategy = %s\nintensity = 10\n"
	    "children = a, b, c\n"
	    "[program:a]\ncommand = a\n"
	    "[program:b]\ncommand = b\nrestart = %s\n"
	    "[program:c]\ncommand = c\n",
	    m->strategy, m->restart);
	build(ini);
	boot();
	dies("b", m->wstatus);
	ck_assert_msg(strcmp(TRACE, m->expect) == 0,
	    "%s, b %s, wstatus %#x: expected \"%s\", got \"%s\"", m->strategy,
	    m->restart, m->wstatus, m->expect, TRACE);
	ck_assert_int_eq(
	    state("b"), m->expect[0] != '\0' ? ST_RUNNING : ST_EXITED);
	ck_assert_int_eq(state("a"), ST_RUNNING);
	ck_assert_int_eq(state("c"), ST_RUNNING);
	ck_assert_int_eq(EXITED_WITH, -1);
}
END_TEST

START_TEST(restarts_count_automatic_restarts_of_each_program)
{
	build("[supervisor:root]\nstrategy = rest_for_one\nintensity = 10\n"
	      "children = a, b, c\n" PROGS_ABC);
	boot();
	dies("b", W_EXIT(1));
	ck_assert_uint_eq(node("a")->restarts, 0);
	ck_assert_uint_eq(node("b")->restarts, 1);
	ck_assert_uint_eq(node("c")->restarts, 1);
}
END_TEST

START_TEST(temporary_stopped_by_a_siblings_restart_is_not_started_again)
{
	build("[supervisor:root]\nstrategy = one_for_all\nintensity = 10\n"
	      "children = p, tp\n"
	      "[program:p]\ncommand = p\n"
	      "[program:tp]\ncommand = tp\nrestart = temporary\n");
	boot();
	dies("p", W_SIG(SIGKILL));
	ck_assert_str_eq(took(), "stop:tp start:p");
	ck_assert_int_eq(state("tp"), ST_EXITED);
	ck_assert_int_eq(state("p"), ST_RUNNING);
}
END_TEST

START_TEST(a_restart_brings_back_only_what_was_running)
{
	build("[supervisor:root]\nstrategy = one_for_all\nintensity = 10\n"
	      "children = a, b, c\n"
	      "[program:a]\ncommand = a\n"
	      "[program:b]\ncommand = b\nrestart = transient\n"
	      "[program:c]\ncommand = c\nautostart = no\n");
	boot();
	dies("b", W_EXIT(0)); /* transient, normal: stays exited */
	ck_assert_str_eq(took(), "");
	dies("a", W_EXIT(1));
	ck_assert_str_eq(took(), "start:a");
	ck_assert_int_eq(state("b"), ST_EXITED);
	ck_assert_int_eq(state("c"), ST_STOPPED);
}
END_TEST

/* -------------------------------------------------------- intensity */

START_TEST(intensity_2_allows_2_restarts_then_the_root_gives_up_with_3)
{
	build("[supervisor:root]\nintensity = 2\nperiod = 30s\n"
	      "children = keep, crash\n"
	      "[program:keep]\ncommand = k\n[program:crash]\ncommand = c\n");
	boot();
	dies("crash", W_EXIT(1));
	ck_assert_str_eq(took(), "start:crash");
	NOW += 100;
	dies("crash", W_EXIT(1));
	ck_assert_str_eq(took(), "start:crash");
	NOW += 100;
	dies("crash", W_EXIT(1));
	ck_assert_str_eq(took(), "stop:keep exit:3");
	ck_assert_int_eq(state("root"), ST_FAILED);
}
END_TEST

START_TEST(intensity_window_slides)
{
	build("[supervisor:root]\nintensity = 2\nperiod = 10s\n"
	      "[program:a]\ncommand = a\n");
	boot();
	dies("a", W_EXIT(1)); /* t = 0 */
	NOW += 6000;
	dies("a", W_EXIT(1)); /* t = 6 s: 2 in the window */
	NOW += 5000;
	dies("a", W_EXIT(1)); /* t = 11 s: the first has left the window */
	ck_assert_str_eq(took(), "start:a start:a start:a");
	NOW += 1000;
	dies("a", W_EXIT(1)); /* t = 12 s: 6 and 11 in the window: 3 > 2 */
	ck_assert_str_eq(took(), "exit:3");
}
END_TEST

START_TEST(intensity_0_gives_up_at_the_first_restart)
{
	build("[supervisor:root]\nintensity = 0\n[program:a]\ncommand = a\n");
	boot();
	dies("a", W_EXIT(1));
	ck_assert_str_eq(took(), "exit:3");
}
END_TEST

START_TEST(intensity_infinity_never_gives_up)
{
	int i;

	build("[supervisor:root]\nintensity = infinity\n"
	      "[program:a]\ncommand = a\n");
	boot();
	for (i = 0; i < 1000; i++)
		dies("a", W_EXIT(1));
	ck_assert_int_eq(EXITED_WITH, -1);
	ck_assert_int_eq(state("a"), ST_RUNNING);
	ck_assert_uint_eq(node("a")->restarts, 1000);
}
END_TEST

START_TEST(a_group_restart_counts_once_toward_intensity)
{
	build("[supervisor:root]\nstrategy = one_for_all\nintensity = 1\n"
	      "period = 60s\nchildren = a, b, c\n" PROGS_ABC);
	boot();
	dies("a", W_SIG(SIGKILL));
	ck_assert_str_eq(took(), "stop:c stop:b start:a start:b start:c");
	dies("b", W_SIG(SIGKILL));
	ck_assert_str_eq(took(), "stop:c stop:a exit:3");
}
END_TEST

START_TEST(escalation_through_two_levels)
{
	/* root (1 restart) > mid (1 restart) > leaf (1 restart) > x */
	build("[supervisor:root]\nintensity = 1\nperiod = 60s\n"
	      "children = steady, mid\n"
	      "[program:steady]\ncommand = s\n"
	      "[supervisor:mid]\nintensity = 1\nperiod = 60s\n"
	      "children = leaf, m2\n"
	      "[program:m2]\ncommand = m2\n"
	      "[supervisor:leaf]\nintensity = 1\nperiod = 60s\n"
	      "children = x\n[program:x]\ncommand = x\n");
	boot();
	dies("x", W_EXIT(1)); /* leaf: restart 1 of 1 */
	ck_assert_str_eq(took(), "start:x");
	dies("x", W_EXIT(1)); /* leaf gives up; mid restarts it (1 of 1) */
	ck_assert_str_eq(took(), "start:x");
	ck_assert_uint_eq(node("leaf")->restarts, 1);
	dies("x", W_EXIT(1)); /* fresh leaf history: restart 1 of 1 */
	ck_assert_str_eq(took(), "start:x");
	dies("x", W_EXIT(1)); /* leaf gives up; mid gives up (2 > 1);
	                       * root restarts mid (1 of 1) */
	ck_assert_str_eq(took(), "stop:m2 start:x start:m2");
	ck_assert_int_eq(state("steady"), ST_RUNNING);
	ck_assert_uint_eq(node("steady")->restarts, 0);
	dies("x", W_EXIT(1));
	dies("x", W_EXIT(1)); /* leaf gives up, mid restarts it */
	dies("x", W_EXIT(1));
	dies("x", W_EXIT(1)); /* leaf, then mid give up; root: 2 > 1 */
	ck_assert_int_eq(EXITED_WITH, 3);
	ck_assert_int_eq(state("steady"), ST_STOPPED);
}
END_TEST

START_TEST(a_transient_supervisor_that_gave_up_stays_failed)
{
	build("[supervisor:root]\nchildren = keep, sub\n"
	      "[program:keep]\ncommand = k\n"
	      "[supervisor:sub]\nrestart = transient\nintensity = 0\n"
	      "children = x\n[program:x]\ncommand = x\n");
	boot();
	dies("x", W_EXIT(1));
	ck_assert_str_eq(took(), "");
	ck_assert_int_eq(state("sub"), ST_FAILED);
	ck_assert_int_eq(state("keep"), ST_RUNNING);
	ck_assert_int_eq(EXITED_WITH, -1);
}
END_TEST

/* ------------------------------------------------------------ backoff */

START_TEST(backoff_doubles_up_to_max_and_resets_after_min_uptime)
{
	build("[supervisor:root]\nintensity = infinity\n"
	      "[program:a]\ncommand = a\nbackoff = 100ms..350ms\n"
	      "min_uptime = 5s\n");
	boot();
	dies("a", W_EXIT(1));
	ck_assert_int_eq(state("a"), ST_BACKOFF);
	wait_ms(99);
	ck_assert_str_eq(took(), "");
	wait_ms(1);
	ck_assert_str_eq(took(), "start:a");
	dies("a", W_EXIT(1));
	wait_ms(199);
	ck_assert_str_eq(took(), "");
	wait_ms(1);
	ck_assert_str_eq(took(), "start:a");
	dies("a", W_EXIT(1));
	wait_ms(349);
	ck_assert_str_eq(took(), "");
	wait_ms(1); /* capped at MAX */
	ck_assert_str_eq(took(), "start:a");
	wait_ms(5000); /* up min_uptime: the next restart is immediate */
	dies("a", W_EXIT(1));
	ck_assert_str_eq(took(), "start:a");
	dies("a", W_EXIT(1)); /* and the delay starts again at MIN */
	wait_ms(100);
	ck_assert_str_eq(took(), "start:a");
}
END_TEST

START_TEST(a_group_restart_waits_out_the_crashed_childs_backoff)
{
	build("[supervisor:root]\nstrategy = rest_for_one\nintensity = 10\n"
	      "children = a, b, c\n"
	      "[program:a]\ncommand = a\n"
	      "[program:b]\ncommand = b\nbackoff = 1s..10s\n"
	      "[program:c]\ncommand = c\n");
	boot();
	dies("b", W_EXIT(1));
	ck_assert_str_eq(took(), "stop:c");
	ck_assert_int_eq(state("b"), ST_BACKOFF);
	ck_assert_int_eq(state("c"), ST_BACKOFF);
	wait_ms(1000);
	ck_assert_str_eq(took(), "start:b start:c");
}
END_TEST

/* -------------------------------------------- first start (SPEC 11) */

START_TEST(first_start_one_for_one_moves_past_a_failing_child)
{
	build("[supervisor:root]\nintensity = 3\nperiod = 60s\n"
	      "children = first, bad, later\n"
	      "[program:first]\ncommand = f\n[program:bad]\ncommand = b\n"
	      "[program:later]\ncommand = l\n");
	FAIL_EXEC[index_of(node("bad"))] = true;
	tree_start(T, NOW);
	run();
	/* bad retries by itself and later starts at once; then the root
	 * gives up after 3 restarts */
	ck_assert_str_eq(took(), "start:first start:bad start:bad start:later "
	                         "start:bad start:bad stop:later stop:first "
	                         "exit:3");
}
END_TEST

START_TEST(first_start_rest_for_one_waits_for_the_failing_child)
{
	build("[supervisor:root]\nstrategy = rest_for_one\n"
	      "intensity = infinity\nchildren = first, bad, later\n"
	      "[program:first]\ncommand = f\n"
	      "[program:bad]\ncommand = b\nbackoff = 1s..1s\n"
	      "[program:later]\ncommand = l\n");
	FAIL_EXEC[index_of(node("bad"))] = true;
	tree_start(T, NOW);
	run();
	ck_assert_str_eq(took(), "start:first start:bad");
	ck_assert_int_eq(state("later"), ST_BACKOFF);
	wait_ms(3000);
	ck_assert_str_eq(took(), "start:bad start:bad start:bad");
	ck_assert_int_eq(state("root"), ST_STARTING);
	FAIL_EXEC[index_of(node("bad"))] = false;
	wait_ms(1000);
	ck_assert_str_eq(took(), "start:bad start:later");
	ck_assert_int_eq(state("root"), ST_RUNNING);
	ck_assert_int_eq(state("first"), ST_RUNNING);
}
END_TEST

START_TEST(first_start_one_for_all_waits_without_stopping_earlier_siblings)
{
	build("[supervisor:root]\nstrategy = one_for_all\nintensity = 10\n"
	      "children = first, bad, later\n"
	      "[program:first]\ncommand = f\n[program:bad]\ncommand = b\n"
	      "[program:later]\ncommand = l\n");
	FAIL_EXEC[index_of(node("bad"))] = true;
	FAIL_EXEC[index_of(node("later"))] = false;
	tree_start(T, NOW);
	/* run a few actions only: bad keeps failing until told */
	{
		struct action a;
		int spawns = 0;

		while (spawns < 4 && tree_next_action(T, &a)) {
			if (a.kind != ACT_START)
				continue;
			spawns++;
			trace("start", a.node);
			if (FAIL_EXEC[index_of(a.node)]) {
				struct exit_info e = {
				    .exec_errno = ENOENT, .at_ms = NOW};

				tree_on_exit(T, (struct prog *)a.node, &e);
			} else {
				tree_on_spawned(T, (struct prog *)a.node, NOW);
			}
		}
	}
	ck_assert_str_eq(took(), "start:first start:bad start:bad start:bad");
	FAIL_EXEC[index_of(node("bad"))] = false;
	run();
	ck_assert_str_eq(took(), "start:bad start:later");
	ck_assert_int_eq(node("first")->restarts, 0);
}
END_TEST

START_TEST(an_abnormal_exit_during_a_restart_sequence_begins_a_new_one)
{
	build("[supervisor:root]\nstrategy = rest_for_one\nintensity = 10\n"
	      "children = a, b, c\n" PROGS_ABC);
	boot();
	STUBBORN[index_of(node("c"))] = true;
	dies("b", W_EXIT(1));
	ck_assert_str_eq(took(), "stop:c");
	dies("a", W_EXIT(1)); /* while c is still stopping */
	ck_assert_str_eq(took(), "");
	STUBBORN[index_of(node("c"))] = false;
	dies("c", W_SIG(SIGTERM));
	ck_assert_str_eq(took(), "start:a start:b start:c");
	ck_assert_uint_eq(node("a")->restarts, 1);
	ck_assert_uint_eq(node("b")->restarts, 1);
	ck_assert_uint_eq(node("c")->restarts, 1);
}
END_TEST

/* ------------------------------------------------------ auto_shutdown */

START_TEST(any_significant_ends_tend_with_the_childs_status)
{
	build("[supervisor:root]\nauto_shutdown = any_significant\n"
	      "children = keep, main\n[program:keep]\ncommand = k\n"
	      "[program:main]\ncommand = m\nrestart = temporary\n"
	      "significant = yes\n");
	boot();
	dies("main", W_EXIT(7));
	ck_assert_str_eq(took(), "stop:keep exit:7");
}
END_TEST

START_TEST(a_significant_child_killed_by_a_signal_gives_128_plus_signal)
{
	build("[supervisor:root]\nauto_shutdown = any_significant\n"
	      "children = main\n"
	      "[program:main]\ncommand = m\nrestart = temporary\n"
	      "significant = yes\n");
	boot();
	dies("main", W_SIG(SIGKILL));
	ck_assert_str_eq(took(), "exit:137");
}
END_TEST

START_TEST(a_significant_child_whose_exec_fails_gives_127)
{
	build("[supervisor:root]\nauto_shutdown = any_significant\n"
	      "children = keep, main\n[program:keep]\ncommand = k\n"
	      "[program:main]\ncommand = m\nrestart = temporary\n"
	      "significant = yes\n");
	FAIL_EXEC[index_of(node("main"))] = true;
	tree_start(T, NOW);
	run();
	ck_assert_str_eq(took(), "start:keep start:main stop:keep exit:127");
}
END_TEST

START_TEST(significant_transient_restarts_after_abnormal_and_ends_on_normal)
{
	build("[supervisor:root]\nauto_shutdown = any_significant\n"
	      "intensity = 10\nchildren = main\n"
	      "[program:main]\ncommand = m\nrestart = transient\n"
	      "significant = yes\n");
	boot();
	dies("main", W_EXIT(7));
	ck_assert_str_eq(took(), "start:main");
	dies("main", W_EXIT(0));
	ck_assert_str_eq(took(), "exit:0");
}
END_TEST

START_TEST(all_significant_waits_for_every_significant_child)
{
	build("[supervisor:root]\nauto_shutdown = all_significant\n"
	      "children = keep, m1, m2\n[program:keep]\ncommand = k\n"
	      "[program:m1]\ncommand = m\nrestart = temporary\n"
	      "significant = yes\n"
	      "[program:m2]\ncommand = m\nrestart = temporary\n"
	      "significant = yes\n");
	boot();
	dies("m1", W_EXIT(4));
	ck_assert_str_eq(took(), "");
	dies("m2", W_EXIT(5));
	ck_assert_str_eq(took(), "stop:keep exit:5");
}
END_TEST

START_TEST(auto_shutdown_does_not_fire_when_tend_stopped_the_child)
{
	build("[supervisor:root]\nstrategy = one_for_all\nintensity = 5\n"
	      "auto_shutdown = any_significant\nchildren = p, main\n"
	      "[program:p]\ncommand = p\n"
	      "[program:main]\ncommand = m\nrestart = temporary\n"
	      "significant = yes\n");
	boot();
	dies("p", W_EXIT(1)); /* one_for_all stops main: not by itself */
	ck_assert_str_eq(took(), "stop:main start:p");
	ck_assert_int_eq(EXITED_WITH, -1);
}
END_TEST

START_TEST(auto_shutdown_goes_up_through_levels_with_the_programs_status)
{
	build("[supervisor:root]\nauto_shutdown = any_significant\n"
	      "children = keep, sub\n[program:keep]\ncommand = k\n"
	      "[supervisor:sub]\nrestart = transient\nsignificant = yes\n"
	      "auto_shutdown = any_significant\nchildren = other, main\n"
	      "[program:other]\ncommand = o\n"
	      "[program:main]\ncommand = m\nrestart = temporary\n"
	      "significant = yes\n");
	boot();
	dies("main", W_EXIT(9));
	ck_assert_str_eq(took(), "stop:other stop:keep exit:9");
}
END_TEST

START_TEST(a_significant_supervisor_giving_up_ends_tend_with_3)
{
	build("[supervisor:root]\nauto_shutdown = any_significant\n"
	      "children = keep, sub\n[program:keep]\ncommand = k\n"
	      "[supervisor:sub]\nrestart = transient\nsignificant = yes\n"
	      "intensity = 1\nperiod = 30s\nchildren = crash\n"
	      "[program:crash]\ncommand = c\n");
	boot();
	dies("crash", W_EXIT(1));
	dies("crash", W_EXIT(1));
	ck_assert_str_eq(took(), "start:crash stop:keep exit:3");
}
END_TEST

START_TEST(term_during_a_give_up_keeps_status_3)
{
	build("[supervisor:root]\nintensity = 0\nchildren = a, b\n"
	      "[program:a]\ncommand = a\n[program:b]\ncommand = b\n");
	boot();
	STUBBORN[index_of(node("a"))] = true;
	dies("b", W_EXIT(1));
	ck_assert_str_eq(took(), "stop:a");
	tree_shutdown(T, NOW);
	run();
	dies("a", W_SIG(SIGKILL));
	ck_assert_str_eq(took(), "exit:3");
}
END_TEST

/* --------------------------------------------------- operator actions */

static void
op_stop(const char *name)
{
	tree_op_stop(T, node(name), NOW);
	run();
}

static int
op_start(const char *name, struct node **blocker)
{
	int r = tree_op_start(T, node(name), NOW, blocker);

	run();
	return r;
}

static int
op_restart(const char *name)
{
	struct node *blocker;
	int r = tree_op_restart(T, node(name), NOW, &blocker);

	run();
	return r;
}

START_TEST(operator_stop_leaves_it_stopped_and_charges_nothing)
{
	struct node *b;

	build("[supervisor:root]\nintensity = 0\n" PROGS_ABC);
	boot();
	op_stop("b");
	ck_assert_str_eq(took(), "stop:b");
	ck_assert_int_eq(state("b"), ST_STOPPED);
	ck_assert(node("b")->held);
	ck_assert_int_eq(EXITED_WITH, -1);
	op_stop("b"); /* stopping a stopped one does nothing */
	ck_assert_str_eq(took(), "");
	ck_assert_int_eq(op_start("b", &b), 0);
	ck_assert_str_eq(took(), "start:b");
	ck_assert_int_eq(state("b"), ST_RUNNING);
	ck_assert_uint_eq(node("b")->restarts, 0);
	ck_assert_int_eq(op_start("b", &b), 0); /* running: nothing */
	ck_assert_str_eq(took(), "");
}
END_TEST

START_TEST(operator_restart_is_stop_then_start_and_uncharged)
{
	int i;

	build("[supervisor:root]\nintensity = 0\n" PROGS_ABC);
	boot();
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(op_restart("a"), 0);
		ck_assert_str_eq(took(), "stop:a start:a");
	}
	ck_assert_uint_eq(node("a")->restarts, 0);
	ck_assert_int_eq(EXITED_WITH, -1);
}
END_TEST

START_TEST(operator_stop_and_start_of_a_supervisor_act_on_its_subtree)
{
	struct node *b;

	build("[supervisor:root]\nchildren = a, s\n"
	      "[supervisor:s]\nchildren = b, c\n" PROGS_ABC);
	boot();
	op_stop("s");
	ck_assert_str_eq(took(), "stop:c stop:b");
	ck_assert_int_eq(state("s"), ST_STOPPED);
	ck_assert_int_eq(state("a"), ST_RUNNING);
	ck_assert_int_eq(op_start("b", &b), -1); /* under a stopped s */
	ck_assert_ptr_eq(b, node("s"));
	ck_assert_int_eq(op_start("s", &b), 0);
	ck_assert_str_eq(took(), "start:b start:c");
	ck_assert_int_eq(state("s"), ST_RUNNING);
}
END_TEST

START_TEST(a_failed_supervisor_refuses_its_programs_and_restarts_fresh)
{
	struct node *b;

	build("[supervisor:root]\nintensity = 20\nchildren = web, sub\n"
	      "[program:web]\ncommand = w\n"
	      "[supervisor:sub]\nrestart = transient\nintensity = 1\n"
	      "period = 60s\nchildren = flaky\n[program:flaky]\ncommand = f\n");
	boot();
	dies("flaky", W_EXIT(1));
	dies("flaky", W_EXIT(1));
	ck_assert_str_eq(took(), "start:flaky");
	ck_assert_int_eq(state("sub"), ST_FAILED);
	ck_assert_int_eq(op_start("flaky", &b), -1);
	ck_assert_ptr_eq(b, node("sub"));
	ck_assert_str_eq(took(), "");
	ck_assert_int_eq(op_start("sub", &b), 0);
	ck_assert_str_eq(took(), "start:flaky");
	dies("flaky", W_SIG(SIGKILL)); /* a fresh history: 1 of 1 */
	ck_assert_str_eq(took(), "start:flaky");
	ck_assert_int_eq(state("sub"), ST_RUNNING);
}
END_TEST

START_TEST(a_failed_operator_start_leaves_it_stopped_and_charges_nothing)
{
	struct node *b;
	const char *why;
	bool skip;

	build("[supervisor:root]\nintensity = 0\n"
	      "[program:ghost]\ncommand = g\nautostart = no\n"
	      "[program:a]\ncommand = a\n");
	boot();
	FAIL_EXEC[index_of(node("ghost"))] = true;
	ck_assert_int_eq(op_start("ghost", &b), 0);
	ck_assert_str_eq(took(), "start:ghost");
	ck_assert_int_eq(state("ghost"), ST_STOPPED);
	ck_assert(node("ghost")->start_failed);
	ck_assert_int_eq(EXITED_WITH, -1);
	ck_assert(!tree_node_healthy(node("ghost"), &why, &skip));
	op_stop("ghost"); /* stopped again: healthy again */
	ck_assert(tree_node_healthy(node("ghost"), &why, &skip));
}
END_TEST

START_TEST(stop_all_stops_every_child_in_reverse_and_start_all_brings_them_back)
{
	struct node *b;

	build(PROGS_ABC);
	boot();
	op_stop("all");
	ck_assert_str_eq(took(), "stop:c stop:b stop:a");
	ck_assert_int_eq(state("root"), ST_RUNNING);
	ck_assert_int_eq(op_start("all", &b), 0);
	ck_assert_str_eq(took(), "start:a start:b start:c");
}
END_TEST

START_TEST(restart_all_restarts_the_running_children_in_order)
{
	build("[supervisor:root]\nintensity = 0\n" PROGS_ABC);
	boot();
	op_stop("b");
	took();
	ck_assert_int_eq(op_restart("all"), 0);
	ck_assert_str_eq(took(), "stop:c stop:a start:a start:c");
	ck_assert_int_eq(state("b"), ST_STOPPED);
	ck_assert_int_eq(EXITED_WITH, -1);
	ck_assert_uint_eq(node("a")->restarts, 0);
}
END_TEST

/* ------------------------------------------------------------ causes */

START_TEST(the_first_start_is_caused_by_tends_start)
{
	build("[supervisor:root]\nchildren = s\n"
	      "[supervisor:s]\nchildren = a\n[program:a]\ncommand = a\n");
	tree_start(T, NOW);
	run();
	ck_assert_noted("a:starting:boot");
	ck_assert_noted("a:running:boot");
	ck_assert_int_eq(node("s")->cause, CAUSE_BOOT);
	ck_assert_str_eq(reason("a"), "started at tend's start");
}
END_TEST

START_TEST(operator_start_stop_and_restart_say_operator)
{
	build(PROGS_ABC);
	boot();
	op_stop("b");
	ck_assert_noted("b:stopping:operator");
	ck_assert_noted("b:stopped:operator");
	ck_assert_str_eq(reason("b"), "stopped by operator");
	noted();
	ck_assert_int_eq(op_start("b", &(struct node *){NULL}), 0);
	ck_assert_noted("b:starting:operator");
	ck_assert_str_eq(reason("b"), "started by operator");
	noted();
	ck_assert_int_eq(op_restart("c"), 0);
	ck_assert_noted("c:stopping:operator");
	ck_assert_noted("c:running:operator");
	ck_assert_str_eq(reason("c"), "started by operator");
	ck_assert_int_eq(node("a")->cause, CAUSE_BOOT);
}
END_TEST

START_TEST(a_kill_by_operator_ends_it_and_its_strategy_restarts_it)
{
	build(PROGS_ABC);
	boot();
	noted();
	tree_op_kill(T, prog("b"));
	dies("b", W_SIG(SIGKILL));
	ck_assert_str_eq(took(), "start:b");
	ck_assert_noted("b:!restart:kill");
	ck_assert_noted("b:starting:strategy<b");
	ck_assert_str_eq(
	    reason("b"), "restarted by the strategy of root after its exit");
	ck_assert_uint_eq(node("b")->restarts, 1); /* a crash like any other */
	noted();
	dies("b", W_SIG(SIGKILL)); /* not killed by an operator this time */
	ck_assert_noted("b:!restart:self");
}
END_TEST

START_TEST(a_group_restart_says_whose_exit_set_it_off_in_each_line)
{
	build("[supervisor:root]\nstrategy = rest_for_one\n" PROGS_ABC);
	boot();
	noted();
	dies("b", W_EXIT(1));
	ck_assert_str_eq(took(), "stop:c start:b start:c");
	ck_assert_noted("c:stopping:strategy<b");
	ck_assert_noted("c:stopped:strategy<b");
	ck_assert_noted("c:starting:strategy<b");
	ck_assert_noted("b:starting:strategy<b");
	ck_assert_str_eq(
	    reason("c"), "restarted by the strategy of root after b's exit");
	ck_assert_str_eq(
	    reason("b"), "restarted by the strategy of root after its exit");
	ck_assert_uint_eq(node("c")->restarts, 1);
	ck_assert_int_eq(node("a")->cause, CAUSE_BOOT);
}
END_TEST

START_TEST(a_give_up_says_which_childs_exit_exhausted_it)
{
	build("[supervisor:root]\nchildren = s, x\n"
	      "[supervisor:s]\nrestart = transient\nintensity = 0\n"
	      "children = a, b\n"
	      "[program:a]\ncommand = a\n[program:b]\ncommand = b\n"
	      "[program:x]\ncommand = x\n");
	boot();
	noted();
	dies("b", W_EXIT(1));
	ck_assert_str_eq(took(), "stop:a");
	ck_assert_int_eq(state("s"), ST_FAILED);
	ck_assert_str_eq(reason("s"), "gave up after b's exit");
	ck_assert_str_eq(
	    reason("a"), "stopped because s gave up after b's exit");
	ck_assert_str_eq(
	    reason("b"), "not restarted because s gave up after its exit");
	ck_assert_noted("a:stopping:gave-up<b");
	ck_assert_noted("s:failed:gave-up<b");
	ck_assert_int_eq(node("x")->cause, CAUSE_BOOT);
}
END_TEST

START_TEST(an_escalated_restart_names_the_supervisor_that_gave_up)
{
	build("[supervisor:root]\nchildren = s\n"
	      "[supervisor:s]\nintensity = 0\nchildren = a, b\n"
	      "[program:a]\ncommand = a\n[program:b]\ncommand = b\n");
	boot();
	dies("b", W_EXIT(1));
	ck_assert_str_eq(took(), "stop:a start:a start:b");
	ck_assert_str_eq(
	    reason("s"), "restarted by the strategy of root after it gave up");
	ck_assert_str_eq(
	    reason("a"), "restarted by the strategy of root after s gave up");
}
END_TEST

START_TEST(auto_shutdown_and_tends_shutdown_say_so)
{
	build("[supervisor:root]\nchildren = s, x\n"
	      "[supervisor:s]\nrestart = temporary\n"
	      "auto_shutdown = any_significant\nchildren = a, b\n"
	      "[program:a]\ncommand = a\n"
	      "[program:b]\ncommand = b\nrestart = transient\n"
	      "significant = yes\n"
	      "[program:x]\ncommand = x\n");
	boot();
	dies("b", W_EXIT(0));
	ck_assert_str_eq(took(), "stop:a");
	ck_assert_str_eq(reason("b"), "ended by itself");
	ck_assert_str_eq(
	    reason("a"), "stopped by s's auto_shutdown after b's exit");
	ck_assert_str_eq(
	    reason("s"), "shut down (auto_shutdown) after b's exit");
	tree_shutdown(T, NOW);
	run();
	ck_assert_str_eq(took(), "stop:x exit:0");
	ck_assert_str_eq(reason("x"), "stopped for tend's shutdown");
	ck_assert_str_eq(reason("root"), "stopped for tend's shutdown");
}
END_TEST

START_TEST(a_retry_within_the_first_start_keeps_its_own_cause)
{
	build("[supervisor:root]\nstrategy = rest_for_one\n"
	      "[program:a]\ncommand = a\n"
	      "[program:b]\ncommand = b\nbackoff = 1s..1s\n"
	      "[program:c]\ncommand = c\n");
	FAIL_EXEC[index_of(node("b"))] = true;
	tree_start(T, NOW);
	run();
	FAIL_EXEC[index_of(node("b"))] = false;
	ck_assert_str_eq(
	    reason("b"), "restarted by the strategy of root after its exit");
	wait_ms(1000);
	ck_assert_str_eq(took(), "start:a start:b start:b start:c");
	ck_assert_str_eq(
	    reason("b"), "restarted by the strategy of root after its exit");
	ck_assert_str_eq(reason("c"), "started at tend's start");
}
END_TEST

START_TEST(the_words_of_each_cause)
{
	static const struct {
		enum cause c;
		enum state st;
		const char *want;
	} rows[] = {
	    {CAUSE_NONE, ST_STOPPED, ""},
	    {CAUSE_BOOT, ST_STOPPED, "waiting to start at tend's start"},
	    {CAUSE_KILL, ST_EXITED, "killed by operator"},
	    {CAUSE_SELF, ST_EXITED, "ended by itself"},
	    {CAUSE_SHUTDOWN, ST_STOPPING, "stopped for tend's shutdown"},
	    {CAUSE_RELOAD, ST_STOPPED, "stopped for a reload or handover"},
	    {CAUSE_RELOAD, ST_RUNNING, "restarted for a reload or handover"},
	    {CAUSE_START_TIMEOUT, ST_STOPPING,
	        "killed as it was not ready within start_timeout"},
	    {CAUSE_HEALTH, ST_STOPPING, "killed as its health check failed"},
	    {CAUSE_WATCHDOG, ST_STOPPING, "killed as its watchdog timed out"},
	    {CAUSE_STRATEGY, ST_BACKOFF, "restarted by its supervisor"},
	};
	const char *verb;
	char buf[256];
	size_t i;

	build(PROGS_ABC);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		ck_assert_str_eq(cause_describe(node("a"), rows[i].c, NULL,
		                     rows[i].st, NULL, buf, sizeof(buf)),
		    rows[i].want);
	cause_describe(node("a"), CAUSE_STRATEGY, node("b"), ST_STOPPING, &verb,
	    buf, sizeof(buf));
	ck_assert_str_eq(verb, "stopped");
	ck_assert_str_eq(buf, "by the strategy of root after b's exit");
	ck_assert_str_eq(cause_name(CAUSE_AUTO_SHUTDOWN), "auto-shutdown");
	ck_assert_str_eq(cause_name(CAUSE_NONE), "");
}
END_TEST

START_TEST(status_figures_window_and_next_start)
{
	build("[supervisor:root]\nintensity = 5\nperiod = 10s\n"
	      "[program:a]\ncommand = a\nbackoff = 1s..4s\n");
	boot();
	ck_assert_uint_eq(tree_restarts_within(T->root, NOW), 0);
	ck_assert_int_eq(tree_next_start_ms(node("a")), -1);
	dies("a", W_EXIT(1));
	ck_assert_int_eq(state("a"), ST_BACKOFF);
	ck_assert_int_eq(tree_next_start_ms(node("a")), NOW + 1000);
	ck_assert_uint_eq(tree_restarts_within(T->root, NOW), 1);
	wait_ms(1000);
	ck_assert_int_eq(tree_next_start_ms(node("a")), -1);
	ck_assert_uint_eq(tree_restarts_within(T->root, NOW + 10000), 0);
}
END_TEST

START_TEST(a_group_restart_waiting_out_a_backoff_is_due_with_its_supervisor)
{
	build("[supervisor:root]\nstrategy = one_for_all\n"
	      "[program:a]\ncommand = a\nbackoff = 2s..4s\n"
	      "[program:b]\ncommand = b\n");
	boot();
	dies("a", W_EXIT(1));
	ck_assert_str_eq(took(), "stop:b");
	ck_assert_int_eq(state("b"), ST_BACKOFF);
	ck_assert_int_eq(tree_next_start_ms(node("b")), NOW + 2000);
	ck_assert_str_eq(
	    reason("b"), "restarted by the strategy of root after a's exit");
}
END_TEST

START_TEST(a_readiness_kill_is_the_cause_of_its_stop_and_end)
{
	build("[program:a]\ncommand = a\nhealth = exec:false\n"
	      "[program:b]\ncommand = b\nready = notify\n"
	      "start_timeout = 1s\n");
	boot();
	noted();
	STUBBORN[index_of(node("a"))] = true;
	tree_on_failed(T, prog("a"), FAIL_HEALTH, NOW);
	run();
	ck_assert_noted("a:stopping:health");
	ck_assert_str_eq(reason("a"), "killed as its health check failed");
	STUBBORN[index_of(node("a"))] = false;
	dies("a", W_SIG(SIGTERM));
	ck_assert_noted("a:!restart:health");
	ck_assert_noted("a:starting:strategy<a");
	noted();
	wait_ms(1000); /* b never ready */
	ck_assert_noted("b:stopping:start-timeout");
	ck_assert_noted("b:!restart:start-timeout");
}
END_TEST

START_TEST(a_node_about_to_be_freed_is_nobodys_cause_any_more)
{
	struct action a;

	build("[supervisor:root]\nstrategy = rest_for_one\n"
	      "children = a, s\n"
	      "[supervisor:s]\nchildren = b, c\n" PROGS_ABC);
	boot();
	dies("a", W_EXIT(1));
	ck_assert_ptr_eq(node("c")->cause_from, node("a"));
	tree_op_stop(T, node("b"), NOW);  /* queued, not carried out */
	tree_forget_causes(T, node("s")); /* nobody points into s */
	ck_assert_ptr_eq(node("c")->cause_from, node("a"));
	tree_forget_causes(T, node("a"));
	ck_assert_ptr_null(node("c")->cause_from);
	ck_assert_ptr_null(node("s")->cause_from);
	ck_assert_ptr_null(node("a")->cause_from);
	while (tree_next_action(T, &a))
		ck_assert_ptr_ne(a.cause_from, node("a"));
}
END_TEST

/* ----------------------------------------------- with its dependents */

static int
op_restart_deps(const char *name)
{
	struct node *blocker;
	int r = tree_op_restart_dependents(T, node(name), NOW, &blocker);

	run();
	return r;
}

static void
op_stop_deps(const char *name)
{
	tree_op_stop_dependents(T, node(name), NOW);
	run();
}

#define PROGS_ABCD PROGS_ABC "[program:d]\ncommand = d\n"

START_TEST(restart_with_dependents_under_rest_for_one_is_a_crash_uncharged)
{
	build("[supervisor:root]\nstrategy = rest_for_one\nintensity = 0\n"
	      "[program:a]\ncommand = a\n[program:b]\ncommand = b\n"
	      "backoff = 1s..2s\n[program:c]\ncommand = c\n"
	      "[program:d]\ncommand = d\n");
	boot();
	ck_assert(tree_is_dependent(node("b"), node("c"), true));
	ck_assert(!tree_is_dependent(node("b"), node("a"), true));
	ck_assert_int_eq(op_restart_deps("b"), 0);
	ck_assert_str_eq(
	    took(), "stop:d stop:c stop:b start:b start:c start:d");
	ck_assert_uint_eq(node("b")->restarts, 0);
	ck_assert_uint_eq(node("c")->restarts, 0);
	ck_assert_uint_eq(tree_restarts_within(T->root, NOW), 0);
	ck_assert_int_eq(EXITED_WITH, -1); /* intensity 0: nothing charged */
	ck_assert_str_eq(
	    reason("b"), "restarted by operator with its dependents");
	ck_assert_str_eq(reason("c"), "restarted by operator with b");
	ck_assert_int_eq(node("a")->cause, CAUSE_BOOT);
}
END_TEST

START_TEST(restart_with_dependents_under_one_for_all_restarts_every_child)
{
	build("[supervisor:root]\nstrategy = one_for_all\n" PROGS_ABC);
	boot();
	ck_assert(tree_is_dependent(node("b"), node("a"), true));
	ck_assert(!tree_is_dependent(node("b"), node("a"), false));
	ck_assert_int_eq(op_restart_deps("b"), 0);
	ck_assert_str_eq(
	    took(), "stop:c stop:b stop:a start:a start:b start:c");
	ck_assert_uint_eq(node("a")->restarts, 0);
	ck_assert_str_eq(reason("a"), "restarted by operator with b");
}
END_TEST

START_TEST(restart_with_dependents_under_one_for_one_is_a_restart)
{
	build(PROGS_ABC);
	boot();
	ck_assert(!tree_is_dependent(node("b"), node("c"), true));
	ck_assert_int_eq(op_restart_deps("b"), 0);
	ck_assert_str_eq(took(), "stop:b start:b");
	ck_assert_uint_eq(node("b")->restarts, 0);
}
END_TEST

START_TEST(restart_with_dependents_leaves_a_temporary_one_exited)
{
	build("[supervisor:root]\nstrategy = rest_for_one\n"
	      "[program:a]\ncommand = a\n[program:b]\ncommand = b\n"
	      "[program:c]\ncommand = c\nrestart = temporary\n");
	boot();
	ck_assert_int_eq(op_restart_deps("a"), 0);
	ck_assert_str_eq(took(), "stop:c stop:b stop:a start:a start:b");
	ck_assert_int_eq(state("c"), ST_EXITED);
}
END_TEST

START_TEST(restart_with_dependents_starts_a_stopped_one_and_restarts_the_rest)
{
	build("[supervisor:root]\nstrategy = rest_for_one\n" PROGS_ABC);
	boot();
	op_stop("a");
	ck_assert_str_eq(took(), "stop:a");
	ck_assert_int_eq(op_restart_deps("a"), 0);
	ck_assert_str_eq(took(), "stop:c stop:b start:a start:b start:c");
	ck_assert(!node("a")->held);
}
END_TEST

START_TEST(stop_with_dependents_stops_those_after_it_in_reverse_and_holds_them)
{
	static const char *const strategies[] = {"rest_for_one", "one_for_all"};
	char conf[512];
	size_t i;

	for (i = 0; i < 2; i++) {
		snprintf(conf, sizeof(conf),
		    "[supervisor:root]\nstrategy = %s\n" PROGS_ABCD,
		    strategies[i]);
		build(conf);
		boot();
		ck_assert(tree_is_dependent(node("b"), node("c"), false));
		op_stop_deps("b");
		ck_assert_str_eq(took(), "stop:d stop:c stop:b");
		ck_assert_int_eq(state("a"), ST_RUNNING);
		ck_assert_int_eq(state("d"), ST_STOPPED);
		ck_assert(node("b")->held && node("c")->held);
		ck_assert_str_eq(reason("c"), "stopped by operator with b");
		ck_assert_str_eq(
		    reason("b"), "stopped by operator with its dependents");
		/* a crash of a brings back only what was running */
		dies("a", W_EXIT(1));
		ck_assert_str_eq(took(), "start:a");
		ck_assert_int_eq(state("c"), ST_STOPPED);
		teardown();
	}
}
END_TEST

START_TEST(stop_with_dependents_under_one_for_one_stops_only_it)
{
	build(PROGS_ABC);
	boot();
	op_stop_deps("b");
	ck_assert_str_eq(took(), "stop:b");
	ck_assert_int_eq(state("c"), ST_RUNNING);
}
END_TEST

START_TEST(a_crash_while_dependents_stop_does_not_restart_them)
{
	build("[supervisor:root]\nstrategy = rest_for_one\n" PROGS_ABC);
	boot();
	STUBBORN[index_of(node("c"))] = true;
	op_stop_deps("b");
	ck_assert_str_eq(took(), "stop:c");
	dies("a", W_EXIT(1)); /* a group restart from a */
	ck_assert_str_eq(took(), "");
	dies("c", W_SIG(SIGKILL)); /* c's stop deadline */
	ck_assert_str_eq(took(), "stop:b start:a");
	ck_assert_int_eq(state("b"), ST_STOPPED);
	ck_assert_int_eq(state("c"), ST_STOPPED);
	ck_assert_int_eq(state("a"), ST_RUNNING);
}
END_TEST

START_TEST(with_dependents_of_a_supervisor_acts_on_its_subtree)
{
	build("[supervisor:root]\nstrategy = rest_for_one\nchildren = a, s, d\n"
	      "[supervisor:s]\nchildren = b, c\n" PROGS_ABCD);
	boot();
	ck_assert_int_eq(op_restart_deps("s"), 0);
	ck_assert_str_eq(
	    took(), "stop:d stop:c stop:b start:b start:c start:d");
	ck_assert_str_eq(
	    reason("s"), "restarted by operator with its dependents");
	ck_assert_str_eq(reason("b"), "restarted by operator with s");
	ck_assert_str_eq(reason("d"), "restarted by operator with s");
	op_stop_deps("s");
	ck_assert_str_eq(took(), "stop:d stop:c stop:b");
	ck_assert_int_eq(state("s"), ST_STOPPED);
}
END_TEST

START_TEST(health_follows_what_should_be)
{
	const char *why;
	bool skip;

	build("[supervisor:root]\nintensity = 10\n"
	      "[program:ok]\ncommand = o\n"
	      "[program:manual]\ncommand = m\nautostart = no\n"
	      "[program:once]\ncommand = o\nrestart = transient\n"
	      "[program:bad]\ncommand = b\nrestart = temporary\n"
	      "[program:slow]\ncommand = s\nbackoff = 1s..1s\n");
	boot();
	dies("once", W_EXIT(0));
	dies("bad", W_EXIT(1));
	dies("slow", W_EXIT(1));
	ck_assert(tree_node_healthy(node("ok"), &why, &skip));
	ck_assert(tree_node_healthy(node("manual"), &why, &skip));
	ck_assert(tree_node_healthy(node("once"), &why, &skip));
	ck_assert(!tree_node_healthy(node("bad"), &why, &skip));
	ck_assert_str_eq(why, "exited abnormally");
	ck_assert(!tree_node_healthy(node("slow"), &why, &skip));
	ck_assert_str_eq(why, "in backoff");
	ck_assert(tree_node_healthy(node("root"), &why, &skip));
	ck_assert(!skip);
}
END_TEST

/* ------------------------------------------------------------- other */

START_TEST(find_accepts_names_and_paths)
{
	build("[supervisor:root]\nchildren = back\n"
	      "[supervisor:back]\nchildren = db\n[program:db]\ncommand = d\n");
	ck_assert_ptr_eq(tree_find(T, "db"), tree_find(T, "back/db"));
	ck_assert_ptr_eq(tree_find(T, "db"), tree_find(T, "root/back/db"));
	ck_assert_ptr_null(tree_find(T, "other/db"));
	ck_assert_ptr_null(tree_find(T, "nope"));
	ck_assert_ptr_eq(tree_find(T, "all"), &T->root->node);
	ck_assert_str_eq(tree_find(T, "db")->shown, "back/db");
	ck_assert_str_eq(tree_find(T, "root")->shown, "root");
}
END_TEST

START_TEST(exit_codes_and_tokens_follow_the_shell)
{
	struct exit_info e = {.wstatus = W_EXIT(3)};
	char buf[64];

	ck_assert_int_eq(exit_code(&e), 3);
	ck_assert_str_eq(exit_token(&e, buf, sizeof(buf)), "exit:3");
	e.wstatus = W_SIG(SIGKILL);
	ck_assert_int_eq(exit_code(&e), 137);
	ck_assert_str_eq(exit_token(&e, buf, sizeof(buf)), "signal:KILL");
	e.exec_errno = ENOENT;
	ck_assert_int_eq(exit_code(&e), 127);
	ck_assert_str_eq(exit_token(&e, buf, sizeof(buf)), "exec:ENOENT");
	e.exec_errno = EACCES;
	ck_assert_int_eq(exit_code(&e), 126);
	e.exec_errno = ENOENT;
	e.before_exec = true; /* e.g. chdir */
	ck_assert_int_eq(exit_code(&e), 126);
	e.exec_errno = 0;
	e.wstatus = W_EXIT(0);
	ck_assert_int_eq(exit_kind_of(&e), EXIT_NORMAL);
	e.wstatus = W_EXIT(1);
	ck_assert_int_eq(exit_kind_of(&e), EXIT_ABNORMAL);
}
END_TEST

/* Once every action is taken, the next plan starts at the ring's first
 * slot again: a long run touches only as much of it as one plan needs. */
START_TEST(the_plan_starts_again_at_its_first_slot_once_drained)
{
	build("[program:a]\ncommand = a\n[program:b]\ncommand = b\n");
	tree_start(T, NOW);
	run();
	ck_assert_uint_eq(T->plan.n, 0);
	ck_assert_uint_eq(T->plan.head, 0);
	end_instance(prog("b"), W_EXIT(1));
	ck_assert_uint_gt(T->plan.n, 0);
	run();
	ck_assert_uint_eq(T->plan.head, 0);
	ck_assert_str_eq(took(), "start:a start:b start:b");
}
END_TEST

/* ---------------------------------------------------------- readiness */

#define NOTIFY_AB                                                              \
	"[supervisor:root]\nintensity = 10\nchildren = a, b\n"                 \
	"[program:a]\ncommand = a\nready = notify\nstart_timeout = 1s\n"       \
	"[program:b]\ncommand = b\n"

static const char *
last_of(const char *name)
{
	static char buf[64];

	ck_assert(prog(name)->has_last);
	return exit_token(&prog(name)->last, buf, sizeof(buf));
}

START_TEST(a_program_is_starting_until_ready_and_the_sequence_waits_for_it)
{
	build(NOTIFY_AB);
	tree_start(T, NOW);
	run();
	ck_assert_str_eq(took(), "start:a");
	ck_assert_int_eq(state("a"), ST_STARTING);
	ck_assert_int_eq(state("root"), ST_STARTING);
	{
		const char *why;
		bool skip;

		/* tendctl health names a, which the root waits for */
		ck_assert(!tree_node_healthy(node("root"), &why, &skip));
		ck_assert(!skip);
		ck_assert(!tree_node_healthy(node("a"), &why, &skip));
		ck_assert_str_eq(why, "starting");
	}
	wait_ms(500);
	tree_on_ready(T, prog("a"), NOW);
	run();
	ck_assert_str_eq(took(), "start:b");
	ck_assert_int_eq(state("a"), ST_RUNNING);
	ck_assert_int_eq(state("root"), ST_RUNNING);
	/* the start deadline is gone with the start */
	ck_assert_int_lt(node("a")->timer_at_ms, 0);
	wait_ms(5000);
	ck_assert_str_eq(took(), "");
	ck_assert_int_eq(state("a"), ST_RUNNING);
}
END_TEST

START_TEST(not_ready_within_start_timeout_is_a_failed_start_shown_as_timeout)
{
	build(NOTIFY_AB);
	boot();
	wait_ms(999);
	ck_assert_str_eq(took(), "");
	wait_ms(1);
	/* stopped, then (permanent) started again, counted; under
	 * one_for_one the first start sequence moves on (SPEC 11) */
	ck_assert_str_eq(took(), "stop:a start:a start:b");
	ck_assert_str_eq(last_of("a"), "timeout");
	ck_assert_uint_eq(node("a")->restarts, 1);
	ck_assert_int_eq(node("a")->last_kind, EXIT_ABNORMAL);
	ck_assert_int_eq(state("a"), ST_STARTING);
	ck_assert_int_eq(node("a")->timer_at_ms, NOW + 1000);
}
END_TEST

START_TEST(timed_out_starts_are_backed_off_and_count_toward_intensity)
{
	build("[supervisor:root]\nintensity = 2\nperiod = 60s\n"
	      "[program:a]\ncommand = a\nready = notify\n"
	      "start_timeout = 300ms\nbackoff = 1s..10s\n");
	boot();
	wait_ms(300);
	ck_assert_str_eq(took(), "stop:a");
	ck_assert_int_eq(state("a"), ST_BACKOFF);
	wait_ms(1000);
	ck_assert_str_eq(took(), "start:a");
	wait_ms(300);
	ck_assert_str_eq(took(), "stop:a");
	wait_ms(1999);
	ck_assert_str_eq(took(), "");
	wait_ms(1);
	ck_assert_str_eq(took(), "start:a");
	wait_ms(300); /* the third failed start is one too many */
	ck_assert_str_eq(took(), "stop:a exit:3");
	ck_assert_int_eq(EXITED_WITH, 3);
}
END_TEST

START_TEST(extend_timeout_moves_the_start_deadline_later_never_earlier)
{
	build(NOTIFY_AB);
	boot();
	wait_ms(300);
	tree_on_extend(T, prog("a"), 4000, NOW);
	run();
	ck_assert_int_eq(node("a")->timer_at_ms, NOW + 4000);
	tree_on_extend(T, prog("a"), 100, NOW); /* earlier: ignored */
	run();
	ck_assert_int_eq(node("a")->timer_at_ms, NOW + 4000);
	wait_ms(3999);
	ck_assert_str_eq(took(), "");
	tree_on_ready(T, prog("a"), NOW);
	run();
	ck_assert_str_eq(took(), "start:b");
	tree_on_extend(T, prog("a"), 100, NOW); /* running: nothing */
	run();
	ck_assert_int_lt(node("a")->timer_at_ms, 0);
}
END_TEST

START_TEST(an_exit_before_ready_is_a_failed_start)
{
	build(
	    "[program:a]\ncommand = a\nready = notify\nrestart = transient\n");
	boot();
	dies("a", W_EXIT(0));
	ck_assert_str_eq(took(), "start:a");
	ck_assert_int_eq(node("a")->last_kind, EXIT_ABNORMAL);
	/* ready, then exit 0: a normal exit, not restarted */
	tree_on_ready(T, prog("a"), NOW);
	run();
	dies("a", W_EXIT(0));
	ck_assert_str_eq(took(), "");
	ck_assert_int_eq(state("a"), ST_EXITED);
}
END_TEST

START_TEST(failed_health_checks_stop_it_as_an_abnormal_exit)
{
	build("[program:a]\ncommand = a\nrestart = transient\n"
	      "health = exec:false\n");
	boot();
	ck_assert_int_eq(state("a"), ST_RUNNING);
	tree_on_failed(T, prog("a"), FAIL_HEALTH, NOW);
	run();
	ck_assert_str_eq(took(), "stop:a start:a");
	ck_assert_str_eq(last_of("a"), "health");
	ck_assert_uint_eq(node("a")->restarts, 1);
	/* a failure of something not running is no failure */
	tree_op_stop(T, node("a"), NOW);
	run();
	took();
	tree_on_failed(T, prog("a"), FAIL_HEALTH, NOW);
	run();
	ck_assert_str_eq(took(), "");
	ck_assert_int_eq(state("a"), ST_STOPPED);
}
END_TEST

START_TEST(the_watchdog_stops_with_sigabrt_first_then_escalates)
{
	build("[program:a]\ncommand = a\nready = notify\nwatchdog = 1s\n"
	      "shutdown = 2s\n");
	boot();
	tree_on_ready(T, prog("a"), NOW);
	run();
	STUBBORN[index_of(node("a"))] = true;
	tree_on_failed(T, prog("a"), FAIL_WATCHDOG, NOW);
	run();
	ck_assert_str_eq(took(), "abort:a");
	ck_assert_int_eq(state("a"), ST_STOPPING);
	STUBBORN[index_of(node("a"))] = false;
	dies("a", W_SIG(SIGKILL)); /* what supervise.c's deadline does */
	ck_assert_str_eq(took(), "start:a");
	ck_assert_str_eq(last_of("a"), "watchdog");
	ck_assert_int_eq(node("a")->last_kind, EXIT_ABNORMAL);
}
END_TEST

START_TEST(an_operator_stop_during_a_failure_stop_makes_it_a_shutdown)
{
	build("[program:a]\ncommand = a\nhealth = exec:false\n");
	boot();
	STUBBORN[index_of(node("a"))] = true;
	tree_on_failed(T, prog("a"), FAIL_HEALTH, NOW);
	run();
	tree_op_stop(T, node("a"), NOW);
	run();
	ck_assert_str_eq(took(), "stop:a");
	dies("a", W_SIG(SIGTERM));
	ck_assert_str_eq(took(), "");
	ck_assert_int_eq(state("a"), ST_STOPPED);
	ck_assert_uint_eq(node("a")->restarts, 0);
}
END_TEST

START_TEST(an_operator_start_never_ready_fails_at_start_timeout_uncharged)
{
	build("[program:a]\ncommand = a\nready = notify\nautostart = no\n"
	      "start_timeout = 1s\n");
	boot();
	ck_assert_int_eq(
	    tree_op_start(T, node("a"), NOW, &(struct node *){0}), 0);
	run();
	ck_assert_str_eq(took(), "start:a");
	wait_ms(1000);
	ck_assert_str_eq(took(), "stop:a");
	ck_assert_int_eq(state("a"), ST_STOPPED);
	ck_assert(node("a")->start_failed);
	ck_assert_uint_eq(node("a")->restarts, 0);
	ck_assert_str_eq(last_of("a"), "timeout");
	/* an operator's start that becomes ready succeeds */
	ck_assert_int_eq(
	    tree_op_start(T, node("a"), NOW, &(struct node *){0}), 0);
	run();
	tree_on_ready(T, prog("a"), NOW);
	run();
	ck_assert_int_eq(state("a"), ST_RUNNING);
	ck_assert(!node("a")->start_failed);
	ck_assert(!node("a")->op_starting);
}
END_TEST

/* ----------------------------------------------------------- handover */

#define HANDOVER_A                                                             \
	"[supervisor:root]\nintensity = 10\nchildren = a, b\n"                 \
	"[program:a]\ncommand = a\nready = notify\nstart_timeout = 1s\n"       \
	"handover = start_first\n"                                             \
	"[program:b]\ncommand = b\n"

/* a, running and ready, with b */
static void
boot_handover(void)
{
	build(HANDOVER_A);
	tree_start(T, NOW);
	run();
	tree_on_ready(T, prog("a"), NOW);
	run();
	ck_assert_str_eq(took(), "start:a start:b");
}

START_TEST(a_start_first_restart_starts_the_new_instance_then_retires_the_old)
{
	unsigned gen;

	boot_handover();
	gen = node("a")->gen;
	ck_assert_int_eq(op_restart("a"), 0);
	/* the live instance goes aside, then the new one starts */
	ck_assert_str_eq(took(), "handover:a start:a");
	ck_assert_int_eq(state("a"), ST_STARTING);
	ck_assert(prog("a")->handing);
	ck_assert_uint_eq(node("a")->gen, gen + 1);
	wait_ms(500);
	ck_assert_str_eq(took(), "");
	tree_on_ready(T, prog("a"), NOW);
	run();
	/* ready: the old one is stopped; nothing else moves */
	ck_assert_str_eq(took(), "retire:a");
	ck_assert_int_eq(state("a"), ST_RUNNING);
	ck_assert(!prog("a")->handing);
	ck_assert_int_eq(prog("a")->handover_failed, HANDOVER_OK);
	ck_assert_uint_eq(node("a")->restarts, 0);
	ck_assert_int_eq(state("b"), ST_RUNNING);
}
END_TEST

START_TEST(a_new_instance_not_ready_in_time_gives_back_to_the_old_one)
{
	boot_handover();
	ck_assert_int_eq(op_restart("a"), 0);
	ck_assert_str_eq(took(), "handover:a start:a");
	wait_ms(1000);
	/* no stop of the old one: the new one is stopped, the old serves */
	ck_assert_str_eq(took(), "handback:a");
	ck_assert_int_eq(state("a"), ST_RUNNING);
	ck_assert(!prog("a")->handing);
	ck_assert_int_eq(prog("a")->handover_failed, HANDOVER_TIMEOUT);
	ck_assert_uint_eq(node("a")->restarts, 0);
	ck_assert_int_lt(node("a")->timer_at_ms, 0);
	wait_ms(5000);
	ck_assert_str_eq(took(), "");
}
END_TEST

START_TEST(a_new_instance_that_ends_before_ready_gives_back_uncharged)
{
	boot_handover();
	ck_assert_int_eq(op_restart("a"), 0);
	ck_assert_str_eq(took(), "handover:a start:a");
	end_instance(prog("a"), W_EXIT(3));
	run();
	ck_assert_str_eq(took(), "handback:a");
	ck_assert_int_eq(state("a"), ST_RUNNING);
	ck_assert_int_eq(prog("a")->handover_failed, HANDOVER_EXITED);
	ck_assert_uint_eq(node("a")->restarts, 0);
	ck_assert_int_eq(state("root"), ST_RUNNING);
}
END_TEST

START_TEST(a_crash_of_a_start_first_program_restarts_it_stop_first)
{
	boot_handover();
	end_instance(prog("a"), W_SIG(SIGKILL));
	run();
	/* no handover: the crashed instance is gone, a new one starts */
	ck_assert_str_eq(took(), "start:a");
	ck_assert(!prog("a")->handing);
	ck_assert_uint_eq(node("a")->restarts, 1);
}
END_TEST

START_TEST(a_stop_during_a_handover_stops_both_instances)
{
	boot_handover();
	ck_assert_int_eq(op_restart("a"), 0);
	ck_assert_str_eq(took(), "handover:a start:a");
	op_stop("a");
	ck_assert_str_eq(took(), "retire:a stop:a");
	ck_assert_int_eq(state("a"), ST_STOPPED);
	ck_assert(!prog("a")->handing);
}
END_TEST

START_TEST(a_program_with_an_instance_still_aside_restarts_stop_first)
{
	boot_handover();
	prog("a")->outgoing = true; /* the last handover's old one ends */
	ck_assert_int_eq(op_restart("a"), 0);
	ck_assert_str_eq(took(), "stop:a start:a");
}
END_TEST

START_TEST(a_failure_after_min_uptime_restarts_at_once_despite_backoff)
{
	build("[program:a]\ncommand = a\nhealth = exec:false\n"
	      "backoff = 1s..10s\nmin_uptime = 2s\n");
	boot();
	tree_on_failed(T, prog("a"), FAIL_HEALTH, NOW);
	run();
	ck_assert_str_eq(took(), "stop:a");
	ck_assert_int_eq(state("a"), ST_BACKOFF); /* up less than 2s */
	wait_ms(1000);
	ck_assert_str_eq(took(), "start:a");
	wait_ms(3000);
	tree_on_failed(T, prog("a"), FAIL_HEALTH, NOW);
	run();
	ck_assert_str_eq(took(), "stop:a start:a");
}
END_TEST

START_TEST(fail_tokens_and_words_name_the_cause)
{
	struct exit_info e = {.wstatus = W_SIG(SIGTERM), .fail = FAIL_TIMEOUT};
	char buf[128];

	ck_assert_str_eq(exit_token(&e, buf, sizeof(buf)), "timeout");
	ck_assert_str_eq(exit_describe(&e, buf, sizeof(buf)),
	    "not ready within start_timeout (then killed by signal TERM)");
	e.fail = FAIL_HEALTH;
	ck_assert_str_eq(exit_token(&e, buf, sizeof(buf)), "health");
	e.fail = FAIL_WATCHDOG;
	ck_assert_str_eq(exit_token(&e, buf, sizeof(buf)), "watchdog");
	e.fail = FAIL_NONE;
	ck_assert_str_eq(exit_token(&e, buf, sizeof(buf)), "signal:TERM");
}
END_TEST

static Suite *
tree_suite(void)
{
	Suite *s = suite_create("tree");
	TCase *tc = tcase_create("decisions");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(
	    tc, programs_start_in_children_order_then_unlisted_in_file_order);
	tcase_add_test(tc, autostart_no_stays_stopped);
	tcase_add_test(
	    tc, the_plan_starts_again_at_its_first_slot_once_drained);
	tcase_add_test(tc,
	    orderly_shutdown_stops_in_reverse_order_recursively_then_exits_0);
	tcase_add_test(tc, stops_are_sequential_each_waits_for_the_previous);
	tcase_add_test(tc, brutal_kill_program_gets_kill_not_stop);
	tcase_add_test(
	    tc, supervisor_shutdown_deadline_kills_the_rest_of_its_subtree);
	tcase_add_test(tc, supervisor_brutal_kill_kills_at_once);
	tcase_add_loop_test(tc,
	    strategy_restart_type_and_exit_kind_decide_the_restart, 0,
	    sizeof(matrix) / sizeof(matrix[0]));
	tcase_add_test(tc, restarts_count_automatic_restarts_of_each_program);
	tcase_add_test(
	    tc, temporary_stopped_by_a_siblings_restart_is_not_started_again);
	tcase_add_test(tc, a_restart_brings_back_only_what_was_running);
	tcase_add_test(
	    tc, intensity_2_allows_2_restarts_then_the_root_gives_up_with_3);
	tcase_add_test(tc, intensity_window_slides);
	tcase_add_test(tc, intensity_0_gives_up_at_the_first_restart);
	tcase_add_test(tc, intensity_infinity_never_gives_up);
	tcase_add_test(tc, a_group_restart_counts_once_toward_intensity);
	tcase_add_test(tc, escalation_through_two_levels);
	tcase_add_test(tc, a_transient_supervisor_that_gave_up_stays_failed);
	tcase_add_test(
	    tc, backoff_doubles_up_to_max_and_resets_after_min_uptime);
	tcase_add_test(
	    tc, a_group_restart_waits_out_the_crashed_childs_backoff);
	tcase_add_test(tc, first_start_one_for_one_moves_past_a_failing_child);
	tcase_add_test(
	    tc, first_start_rest_for_one_waits_for_the_failing_child);
	tcase_add_test(tc,
	    first_start_one_for_all_waits_without_stopping_earlier_siblings);
	tcase_add_test(
	    tc, an_abnormal_exit_during_a_restart_sequence_begins_a_new_one);
	tcase_add_test(tc, any_significant_ends_tend_with_the_childs_status);
	tcase_add_test(
	    tc, a_significant_child_killed_by_a_signal_gives_128_plus_signal);
	tcase_add_test(tc, a_significant_child_whose_exec_fails_gives_127);
	tcase_add_test(tc,
	    significant_transient_restarts_after_abnormal_and_ends_on_normal);
	tcase_add_test(tc, all_significant_waits_for_every_significant_child);
	tcase_add_test(
	    tc, auto_shutdown_does_not_fire_when_tend_stopped_the_child);
	tcase_add_test(
	    tc, auto_shutdown_goes_up_through_levels_with_the_programs_status);
	tcase_add_test(tc, a_significant_supervisor_giving_up_ends_tend_with_3);
	tcase_add_test(tc, term_during_a_give_up_keeps_status_3);
	tcase_add_test(tc, operator_stop_leaves_it_stopped_and_charges_nothing);
	tcase_add_test(tc, operator_restart_is_stop_then_start_and_uncharged);
	tcase_add_test(
	    tc, operator_stop_and_start_of_a_supervisor_act_on_its_subtree);
	tcase_add_test(
	    tc, a_failed_supervisor_refuses_its_programs_and_restarts_fresh);
	tcase_add_test(
	    tc, a_failed_operator_start_leaves_it_stopped_and_charges_nothing);
	tcase_add_test(tc,
	    stop_all_stops_every_child_in_reverse_and_start_all_brings_them_back);
	tcase_add_test(tc, restart_all_restarts_the_running_children_in_order);
	tcase_add_test(tc, the_first_start_is_caused_by_tends_start);
	tcase_add_test(tc, operator_start_stop_and_restart_say_operator);
	tcase_add_test(
	    tc, a_kill_by_operator_ends_it_and_its_strategy_restarts_it);
	tcase_add_test(
	    tc, a_group_restart_says_whose_exit_set_it_off_in_each_line);
	tcase_add_test(tc, a_give_up_says_which_childs_exit_exhausted_it);
	tcase_add_test(
	    tc, an_escalated_restart_names_the_supervisor_that_gave_up);
	tcase_add_test(tc, auto_shutdown_and_tends_shutdown_say_so);
	tcase_add_test(tc, a_retry_within_the_first_start_keeps_its_own_cause);
	tcase_add_test(tc, the_words_of_each_cause);
	tcase_add_test(tc, status_figures_window_and_next_start);
	tcase_add_test(tc,
	    a_group_restart_waiting_out_a_backoff_is_due_with_its_supervisor);
	tcase_add_test(tc, a_readiness_kill_is_the_cause_of_its_stop_and_end);
	tcase_add_test(tc, a_node_about_to_be_freed_is_nobodys_cause_any_more);
	tcase_add_test(tc,
	    restart_with_dependents_under_rest_for_one_is_a_crash_uncharged);
	tcase_add_test(
	    tc, restart_with_dependents_under_one_for_all_restarts_every_child);
	tcase_add_test(
	    tc, restart_with_dependents_under_one_for_one_is_a_restart);
	tcase_add_test(
	    tc, restart_with_dependents_leaves_a_temporary_one_exited);
	tcase_add_test(tc,
	    restart_with_dependents_starts_a_stopped_one_and_restarts_the_rest);
	tcase_add_test(tc,
	    stop_with_dependents_stops_those_after_it_in_reverse_and_holds_them);
	tcase_add_test(
	    tc, stop_with_dependents_under_one_for_one_stops_only_it);
	tcase_add_test(tc, a_crash_while_dependents_stop_does_not_restart_them);
	tcase_add_test(tc, with_dependents_of_a_supervisor_acts_on_its_subtree);
	tcase_add_test(tc, health_follows_what_should_be);
	tcase_add_test(tc, find_accepts_names_and_paths);
	tcase_add_test(tc, exit_codes_and_tokens_follow_the_shell);
	tcase_add_test(tc,
	    a_program_is_starting_until_ready_and_the_sequence_waits_for_it);
	tcase_add_test(tc,
	    not_ready_within_start_timeout_is_a_failed_start_shown_as_timeout);
	tcase_add_test(
	    tc, timed_out_starts_are_backed_off_and_count_toward_intensity);
	tcase_add_test(
	    tc, extend_timeout_moves_the_start_deadline_later_never_earlier);
	tcase_add_test(tc, an_exit_before_ready_is_a_failed_start);
	tcase_add_test(tc, failed_health_checks_stop_it_as_an_abnormal_exit);
	tcase_add_test(
	    tc, the_watchdog_stops_with_sigabrt_first_then_escalates);
	tcase_add_test(
	    tc, an_operator_stop_during_a_failure_stop_makes_it_a_shutdown);
	tcase_add_test(
	    tc, an_operator_start_never_ready_fails_at_start_timeout_uncharged);
	tcase_add_test(tc,
	    a_start_first_restart_starts_the_new_instance_then_retires_the_old);
	tcase_add_test(
	    tc, a_new_instance_not_ready_in_time_gives_back_to_the_old_one);
	tcase_add_test(
	    tc, a_new_instance_that_ends_before_ready_gives_back_uncharged);
	tcase_add_test(
	    tc, a_crash_of_a_start_first_program_restarts_it_stop_first);
	tcase_add_test(tc, a_stop_during_a_handover_stops_both_instances);
	tcase_add_test(
	    tc, a_program_with_an_instance_still_aside_restarts_stop_first);
	tcase_add_test(
	    tc, a_failure_after_min_uptime_restarts_at_once_despite_backoff);
	tcase_add_test(tc, fail_tokens_and_words_name_the_cause);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return unit_main(tree_suite());
}
