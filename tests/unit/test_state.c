/*
 * test_state.c: an upgrade's state (state.c), and the parts of it that
 * pure modules write (treestate.c, ring.c). What is written reads back
 * the same; an unknown (newer) version, truncated or corrupt input is
 * refused whole before anything is read; reads past a section fail the
 * reader instead of reading anything. A tree saved after crashes, a
 * backoff and an operator's stop loads into a tree built from the same
 * configuration with the same states, histories, timers and plan, its
 * causes and give-ups; a version 1 tree still loads.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "ring.h"
#include "state.h"
#include "tree.h"
#include "unit.h"

static void
sample(struct state_w *w)
{
	size_t at;

	state_w_init(w);
	at = state_begin_section(w, 1);
	state_put_u8(w, 7);
	state_put_u32(w, 0xdeadbeef);
	state_put_u64(w, UINT64_MAX - 1);
	state_put_i64(w, -42);
	state_put_str(w, "hello");
	state_put_str(w, NULL);
	state_put_str(w, "");
	state_put_fd(w, 9);
	state_put_fd(w, -1);
	state_put_open_fd(w, 11);
	state_end_section(w, at);
	at = state_begin_section(w, 2);
	state_put_u8(w, 1);
	state_end_section(w, at);
	ck_assert_int_eq(state_finish(w), 0);
}

START_TEST(what_is_written_reads_back_the_same)
{
	struct state_w w;
	struct state_r r, s;
	char err[256], *str;
	size_t len;

	sample(&w);
	ck_assert_uint_eq(w.nfds, 1);
	ck_assert_int_eq(w.fds[0], 9);
	ck_assert_int_eq(state_open(&r, w.p, w.len, err, sizeof(err)), 0);
	ck_assert_uint_eq(r.version, STATE_VERSION);
	ck_assert(state_section(&r, 1, &s));
	ck_assert_uint_eq(state_get_u8(&s), 7);
	ck_assert_uint_eq(state_get_u32(&s), 0xdeadbeef);
	ck_assert(state_get_u64(&s) == UINT64_MAX - 1);
	ck_assert_int_eq(state_get_i64(&s), -42);
	str = state_get_str(&s);
	ck_assert_str_eq(str, "hello");
	free(str);
	ck_assert_ptr_null(state_get_bytes(&s, &len));
	ck_assert_ptr_nonnull(state_get_bytes(&s, &len));
	ck_assert_uint_eq(len, 0);
	ck_assert_int_eq(state_get_fd(&s), 9);
	ck_assert_int_eq(state_get_fd(&s), -1);
	ck_assert_int_eq(state_get_fd(&s), 11); /* not in w.fds */
	ck_assert(state_done(&s));
	ck_assert(state_section(&r, 2, &s));
	ck_assert(state_get_bool(&s));
	ck_assert(state_done(&s));
	ck_assert(state_done(&r));
	state_w_free(&w);
}
END_TEST

START_TEST(a_newer_or_unknown_version_is_refused)
{
	struct state_w w;
	struct state_r r;
	char err[256];

	sample(&w);
	w.p[8] = STATE_VERSION + 1; /* the version, little-endian */
	ck_assert_int_eq(state_open(&r, w.p, w.len, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "version") != NULL, "%s", err);
	w.p[8] = 0;
	ck_assert_int_eq(state_open(&r, w.p, w.len, err, sizeof(err)), -1);
	state_w_free(&w);
}
END_TEST

/* What a version 2 tend wrote (its checksum a byte at a time) opens;
 * the checksum is the version's own: either sum under the other
 * version is refused. */
START_TEST(an_older_version_opens_with_its_own_checksum)
{
	struct state_w w;
	struct state_r r;
	char err[256];

	sample(&w);
	ck_assert_int_eq(state_finish_as(&w, 2), 0);
	ck_assert_msg(
	    state_open(&r, w.p, w.len, err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(r.version, 2);
	w.p[8] = 3; /* a version 2 sum under version 3 */
	ck_assert_int_eq(state_open(&r, w.p, w.len, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "checksum") != NULL, "%s", err);
	ck_assert_int_eq(state_finish_as(&w, 3), 0);
	ck_assert_int_eq(state_open(&r, w.p, w.len, err, sizeof(err)), 0);
	w.p[8] = 2; /* and the other way round */
	ck_assert_int_eq(state_open(&r, w.p, w.len, err, sizeof(err)), -1);
	w.p[8] = 3;
	w.p[w.len - 1] ^= 1;
	ck_assert_int_eq(state_open(&r, w.p, w.len, err, sizeof(err)), -1);
	state_w_free(&w);
}
END_TEST

START_TEST(truncated_or_corrupt_input_is_refused)
{
	struct state_w w;
	struct state_r r;
	char err[256];
	size_t i;

	sample(&w);
	for (i = 0; i < w.len; i++)
		ck_assert_msg(state_open(&r, w.p, i, err, sizeof(err)) == -1,
		    "%zu of %zu bytes accepted", i, w.len);
	for (i = 0; i < w.len; i++) {
		w.p[i] ^= 0x20;
		ck_assert_msg(
		    state_open(&r, w.p, w.len, err, sizeof(err)) == -1,
		    "byte %zu flipped accepted", i);
		w.p[i] ^= 0x20;
	}
	ck_assert_int_eq(state_open(&r, w.p, w.len, err, sizeof(err)), 0);
	ck_assert_int_eq(state_open(&r, "TENDSTAT", 8, err, sizeof(err)), -1);
	ck_assert_int_eq(state_open(&r, "garbage", 7, err, sizeof(err)), -1);
	state_w_free(&w);
}
END_TEST

START_TEST(reads_past_a_section_or_the_wrong_section_fail)
{
	struct state_w w;
	struct state_r r, s;
	char err[256];

	sample(&w);
	ck_assert_int_eq(state_open(&r, w.p, w.len, err, sizeof(err)), 0);
	ck_assert(!state_section(&r, 2, &s)); /* 1 comes first */
	ck_assert(r.failed);
	ck_assert_int_eq(state_open(&r, w.p, w.len, err, sizeof(err)), 0);
	ck_assert(state_section(&r, 1, &s));
	ck_assert(state_section(&r, 2, &s));
	(void)state_get_u8(&s);
	ck_assert_uint_eq(state_get_u32(&s), 0); /* past its end */
	ck_assert(s.failed);
	ck_assert(!state_done(&s));
	ck_assert_int_eq(state_open(&r, w.p, w.len, err, sizeof(err)), 0);
	state_skip_to(&r, 2);
	ck_assert(state_section(&r, 2, &s));
	state_w_free(&w);
}
END_TEST

static void
collect(void *arg, int64_t t, const char *text, size_t len)
{
	char *out = arg;

	snprintf(out + strlen(out), 4096 - strlen(out), "%lld:%.*s;",
	    (long long)t, (int)len, text);
}

START_TEST(a_ring_reads_back_with_every_line)
{
	struct ring a, b;
	struct state_w w;
	struct state_r r, s;
	char err[256], la[4096] = "", lb[4096] = "";
	size_t at;
	int i;

	ring_init(&a, 2048);
	for (i = 0; i < 200; i++) {
		char line[32];

		snprintf(line, sizeof(line), "line %d", i);
		ck_assert_int_eq(ring_add(&a, i, line, strlen(line)), 0);
	}
	state_w_init(&w);
	at = state_begin_section(&w, 1);
	ring_save(&a, &w);
	state_end_section(&w, at);
	ck_assert_int_eq(state_finish(&w), 0);
	ck_assert_int_eq(state_open(&r, w.p, w.len, err, sizeof(err)), 0);
	ck_assert(state_section(&r, 1, &s));
	ring_init(&b, 2048);
	ck_assert_int_eq(ring_load(&b, &s), 0);
	ck_assert(state_done(&s));
	ck_assert_int_eq(ring_last(&a, 1000, collect, la), 0);
	ck_assert_int_eq(ring_last(&b, 1000, collect, lb), 0);
	ck_assert_str_eq(la, lb);
	ck_assert_ptr_nonnull(strstr(lb, "199:line 199;"));
	ring_free(&a);
	ring_free(&b);
	state_w_free(&w);
}
END_TEST

static struct tree *
build(const char *ini)
{
	struct config cfg;
	struct diags d;
	FILE *f = fmemopen((void *)(uintptr_t)ini, strlen(ini), "r");
	struct tree *t;
	int r;

	memset(&cfg, 0, sizeof(cfg));
	memset(&d, 0, sizeof(d));
	ck_assert_ptr_nonnull(f);
	r = config_parse(f, "test.conf", &cfg, &d);
	fclose(f);
	ck_assert_int_eq(r, 0);
	diags_free(&d);
	t = tree_build(&cfg);
	ck_assert_ptr_nonnull(t);
	return t;
}

/* Carry the plan out as if every spawn succeeded. */
static void
run_plan(struct tree *t, int64_t now)
{
	struct action a;

	while (tree_next_action(t, &a))
		if (a.kind == ACT_START)
			tree_on_spawned(t, (struct prog *)a.node, now);
}

static struct prog *
prog(struct tree *t, const char *name)
{
	struct node *n = tree_find(t, name);

	ck_assert_ptr_nonnull(n);
	return (struct prog *)n;
}

static void
crash(struct tree *t, const char *name, int64_t now)
{
	struct exit_info e = {.wstatus = 1 << 8, .at_ms = now};

	tree_on_exit(t, prog(t, name), &e);
}

#define TREE                                                                   \
	"[supervisor:root]\nintensity = 5\nperiod = 60s\n"                     \
	"children = a, s, off\n"                                               \
	"[supervisor:s]\nstrategy = one_for_all\nchildren = x, y\n"            \
	"[program:a]\ncommand = a\nbackoff = 3s..3s\n"                         \
	"[program:x]\ncommand = x\n"                                           \
	"[program:y]\ncommand = y\n"                                           \
	"[program:off]\ncommand = o\nautostart = no\n"

START_TEST(a_tree_loads_as_it_was_saved)
{
	struct tree *t = build(TREE), *u = build(TREE);
	struct state_w w;
	struct state_r r, s;
	char err[256];
	size_t at, i;

	tree_start(t, 1000);
	run_plan(t, 1000);
	crash(t, "x", 2000); /* one_for_all: y stopped, both restart */
	crash(t, "a", 2100); /* backoff: a waits for its timer */
	state_w_init(&w);
	at = state_begin_section(&w, 3);
	tree_save(t, &w);
	state_end_section(&w, at);
	ck_assert_int_eq(state_finish(&w), 0);
	ck_assert_int_eq(state_open(&r, w.p, w.len, err, sizeof(err)), 0);
	ck_assert(state_section(&r, 3, &s));
	ck_assert_msg(tree_load(u, &s, err, sizeof(err)) == 0, "%s", err);
	for (i = 0; i < t->nnodes; i++) {
		const struct node *a = t->nodes[i], *b = u->nodes[i];

		ck_assert_str_eq(a->path, b->path);
		ck_assert_int_eq(a->state, b->state);
		ck_assert_uint_eq(a->gen, b->gen);
		ck_assert_uint_eq(a->restarts, b->restarts);
		ck_assert_int_eq(a->timer_at_ms, b->timer_at_ms);
		ck_assert_int_eq(a->since_ms, b->since_ms);
	}
	ck_assert_uint_eq(t->root->hist_n, u->root->hist_n);
	ck_assert_uint_eq(u->root->hist_n, 1);
	ck_assert_uint_eq(t->plan.n, u->plan.n);
	ck_assert_int_eq(prog(u, "a")->node.state, ST_BACKOFF);
	ck_assert_int_eq(prog(u, "off")->node.state, ST_STOPPED);
	/* the loaded tree goes on deciding as the old one would have */
	run_plan(t, 2200);
	run_plan(u, 2200);
	tree_on_timer(u, &prog(u, "a")->node, 5100);
	tree_on_timer(t, &prog(t, "a")->node, 5100);
	ck_assert_int_eq(prog(u, "a")->node.state, prog(t, "a")->node.state);
	ck_assert_uint_eq(u->plan.n, t->plan.n);
	state_w_free(&w);
	tree_free(t);
	tree_free(u);
}
END_TEST

START_TEST(a_tree_of_another_configuration_is_refused)
{
	struct tree *t = build(TREE);
	struct tree *u = build("[program:a]\ncommand = a\n");
	struct tree *v = build("[program:b]\ncommand = a\n"
	                       "[program:a]\ncommand = a\n"
	                       "[program:c]\ncommand = a\n"
	                       "[program:d]\ncommand = a\n"
	                       "[program:e]\ncommand = a\n");
	struct state_w w;
	struct state_r r, s;
	char err[256];
	size_t at;

	state_w_init(&w);
	at = state_begin_section(&w, 3);
	tree_save(t, &w);
	state_end_section(&w, at);
	ck_assert_int_eq(state_finish(&w), 0);
	ck_assert_int_eq(state_open(&r, w.p, w.len, err, sizeof(err)), 0);
	ck_assert(state_section(&r, 3, &s));
	ck_assert_int_eq(tree_load(u, &s, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "nodes") != NULL, "%s", err);
	ck_assert_int_eq(state_open(&r, w.p, w.len, err, sizeof(err)), 0);
	ck_assert(state_section(&r, 3, &s));
	ck_assert_int_eq(tree_load(v, &s, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "is not") != NULL, "%s", err);
	state_w_free(&w);
	tree_free(t);
	tree_free(u);
	tree_free(v);
}
END_TEST

/*
 * The tree section as tend wrote it in state version 1 (before causes,
 * give-ups and a program's oom and stage were carried): its layout, kept
 * here as the contract an older tend's state follows.
 */
static void
save_v1(const struct tree *t, struct state_w *w)
{
	size_t i, k;

	state_put_u64(w, t->nnodes);
	for (i = 0; i < t->nnodes; i++) {
		const struct node *n = t->nodes[i];

		state_put_str(w, n->path);
		state_put_u8(w, (uint8_t)n->state);
		for (k = 0; k < 8; k++) /* held .. op_starting */
			state_put_u8(w, 0);
		state_put_u8(w, (uint8_t)n->after_stop);
		state_put_u32(w, n->gen);
		state_put_u32(w, n->restarts);
		state_put_i64(w, n->since_ms);
		state_put_i64(w, n->timer_at_ms);
		state_put_i64(w, n->exit_code);
		state_put_u8(w, (uint8_t)n->last_kind);
		state_put_u8(w, n->ended);
		state_put_u8(w, 0); /* cg_made */
		state_put_u8(w, 0); /* cg_killed */
		if (n->kind == NODE_SUP) {
			state_put_u64(w, 0); /* no restart history */
			state_put_u8(w, JOB_NONE);
			state_put_u8(w, 0);
			state_put_u64(w, 0);
			for (k = 0; k < 3; k++)
				state_put_u8(w, 0);
			state_put_i64(w, 0);
			state_put_u8(w, TERM_STOP);
			state_put_u8(w, 0);
			state_put_u8(w, 0);
			state_put_i64(w, 0);
		} else {
			state_put_i64(w, 0); /* backoff_next_ms */
			for (k = 0; k < 4; k++)
				state_put_u8(w, 0);
			state_put_i64(w, 0);
			state_put_i64(w, 0);
			state_put_u8(w, 0);
			state_put_i64(w, 0);
		}
	}
	state_put_i64(w, t->exit_status);
	state_put_u8(w, 0);
	state_put_u64(w, 1); /* a plan of one note (ACT_NOTE was 5) */
	state_put_u8(w, 5);
	state_put_u8(w, NOTE_STATE);
	state_put_u64(w, 1);
	state_put_i64(w, ST_RUNNING);
	state_put_u32(w, 1);
}

START_TEST(a_version_1_tree_loads_without_what_it_did_not_carry)
{
	struct tree *t = build(TREE), *u = build(TREE);
	struct state_w w;
	struct state_r r, s;
	char err[256];
	size_t at, i;

	tree_start(t, 1000);
	run_plan(t, 1000);
	crash(t, "x", 2000);
	run_plan(t, 2000);
	state_w_init(&w);
	at = state_begin_section(&w, 3);
	save_v1(t, &w);
	state_end_section(&w, at);
	ck_assert_int_eq(state_finish_as(&w, 1), 0);
	ck_assert_int_eq(state_open(&r, w.p, w.len, err, sizeof(err)), 0);
	ck_assert_uint_eq(r.version, 1);
	ck_assert(state_section(&r, 3, &s));
	ck_assert_msg(tree_load(u, &s, err, sizeof(err)) == 0, "%s", err);
	for (i = 0; i < t->nnodes; i++) {
		ck_assert_int_eq(u->nodes[i]->state, t->nodes[i]->state);
		ck_assert_uint_eq(u->nodes[i]->gen, t->nodes[i]->gen);
		ck_assert_int_eq(u->nodes[i]->cause, CAUSE_NONE);
	}
	ck_assert_int_ne(prog(t, "y")->node.cause, CAUSE_NONE);
	ck_assert_uint_eq(u->plan.n, 1);
	ck_assert_int_eq(u->plan.v[u->plan.head].kind, ACT_NOTE);
	ck_assert_ptr_eq(u->plan.v[u->plan.head].node, u->nodes[1]);
	state_w_free(&w);
	tree_free(t);
	tree_free(u);
}
END_TEST

#define GIVES_UP                                                               \
	"[supervisor:root]\nchildren = s, a\n"                                 \
	"[supervisor:s]\nintensity = 0\nrestart = temporary\n"                 \
	"children = x, y\n"                                                    \
	"[program:a]\ncommand = a\n"                                           \
	"[program:x]\ncommand = x\n"                                           \
	"[program:y]\ncommand = y\n"

START_TEST(causes_and_a_give_up_load_as_they_were_saved)
{
	struct tree *t = build(GIVES_UP), *u = build(GIVES_UP);
	const struct sup *s0, *s1;
	struct state_w w;
	struct state_r r, s;
	char err[256];
	size_t at, i;

	tree_start(t, 1000);
	run_plan(t, 1000);
	crash(t, "x", 2000); /* s gives up, is not restarted */
	run_plan(t, 2000);
	crash(t, "a", 2100); /* restarted: its cause is its own end */
	run_plan(t, 2100);
	s0 = (const struct sup *)tree_find(t, "s");
	ck_assert(s0->gave_up);
	state_w_init(&w);
	at = state_begin_section(&w, 3);
	tree_save(t, &w);
	state_end_section(&w, at);
	ck_assert_int_eq(state_finish(&w), 0);
	ck_assert_int_eq(state_open(&r, w.p, w.len, err, sizeof(err)), 0);
	ck_assert(state_section(&r, 3, &s));
	ck_assert_msg(tree_load(u, &s, err, sizeof(err)) == 0, "%s", err);
	for (i = 0; i < t->nnodes; i++) {
		const struct node *a = t->nodes[i], *b = u->nodes[i];

		ck_assert_int_eq(a->cause, b->cause);
		ck_assert_int_eq(a->end_cause, b->end_cause);
		ck_assert_ptr_eq(
		    a->cause_from != NULL ? u->nodes[a->cause_from->idx] : NULL,
		    b->cause_from);
	}
	s1 = (const struct sup *)tree_find(u, "s");
	ck_assert(s1->gave_up);
	ck_assert_int_eq(prog(u, "a")->node.cause, CAUSE_STRATEGY);
	ck_assert_ptr_eq(prog(u, "a")->node.cause_from, &prog(u, "a")->node);
	ck_assert_ptr_nonnull(s1->gave_up_by);
	ck_assert_str_eq(s1->gave_up_by->path, s0->gave_up_by->path);
	state_w_free(&w);
	tree_free(t);
	tree_free(u);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("state");
	TCase *tc = tcase_create("state");

	tcase_add_test(tc, what_is_written_reads_back_the_same);
	tcase_add_test(tc, a_newer_or_unknown_version_is_refused);
	tcase_add_test(tc, an_older_version_opens_with_its_own_checksum);
	tcase_add_test(tc, truncated_or_corrupt_input_is_refused);
	tcase_add_test(tc, reads_past_a_section_or_the_wrong_section_fail);
	tcase_add_test(tc, a_ring_reads_back_with_every_line);
	tcase_add_test(tc, a_tree_loads_as_it_was_saved);
	tcase_add_test(
	    tc, a_version_1_tree_loads_without_what_it_did_not_carry);
	tcase_add_test(tc, causes_and_a_give_up_load_as_they_were_saved);
	tcase_add_test(tc, a_tree_of_another_configuration_is_refused);
	suite_add_tcase(s, tc);
	return unit_main(s);
}
