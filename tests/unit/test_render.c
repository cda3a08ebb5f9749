/*
 * test_render.c: tendctl's output from records: status columns, the
 * box-drawn tree, JSON documents that parse, health and events.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "render.h"
#include "unit.h"

static struct record recs[16];
static size_t nrecs;
static char *text;
static size_t textlen;

static void
add(const char *line)
{
	const char *err;

	ck_assert_int_eq(
	    proto_decode_record(line, strlen(line), &recs[nrecs], &err), 0);
	nrecs++;
}

static void
teardown(void)
{
	size_t i;

	for (i = 0; i < nrecs; i++)
		record_free(&recs[i]);
	nrecs = 0;
	free(text);
	text = NULL;
}

static FILE *
capture(void)
{
	free(text);
	text = NULL;
	return open_memstream(&text, &textlen);
}

static void
sample_tree(void)
{
	add("sup path=root name=root state=running strategy=one_for_one "
	    "restarts=0 depth=0");
	add("prog path=web name=web state=running sup=root pid=101 "
	    "uptime_ms=65000 restarts=0 last=- depth=1");
	add("sup path=back name=back state=running sup=root "
	    "strategy=rest_for_one restarts=0 depth=1");
	add("prog path=back/db name=db state=running sup=back pid=102 "
	    "uptime_ms=1500 restarts=2 last=signal:KILL depth=2");
	add("prog path=back/worker name=worker state=stopped sup=back pid=0 "
	    "uptime_ms=-1 restarts=0 last=exit:3 depth=2");
}

START_TEST(status_is_one_row_per_program_path_first_in_stable_columns)
{
	struct render_opts o = {0};
	FILE *f;

	sample_tree();
	f = capture();
	render_status(f, recs, nrecs, &o);
	fclose(f);
	ck_assert_str_eq(text,
	    "NAME         STATE    PID  UPTIME  RESTARTS  LAST-EXIT\n"
	    "web          running  101  1m05s   0         -\n"
	    "back/db      running  102  1s      2         signal:KILL\n"
	    "back/worker  stopped  -    -       0         exit:3\n");
	ck_assert_ptr_null(strchr(text, '\t'));
}
END_TEST

START_TEST(status_shows_a_long_path_whole)
{
	struct render_opts o = {0};
	char line[512], path[400];
	FILE *f;

	memset(path, 'x', 300);
	memcpy(path + 300, "/deep", 6);
	snprintf(line, sizeof(line),
	    "prog path=%s name=deep state=running pid=7 uptime_ms=1 "
	    "restarts=0 last=-",
	    path);
	add(line);
	f = capture();
	render_status(f, recs, nrecs, &o);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(text, path));
}
END_TEST

START_TEST(tree_is_box_drawn_with_strategies_and_states)
{
	struct render_opts o = {0};
	FILE *f;

	sample_tree();
	f = capture();
	render_tree(f, recs, nrecs, &o);
	fclose(f);
	ck_assert_str_eq(text, "root  one_for_one  running\n"
	                       "├─ web  running  pid 101\n"
	                       "└─ back  rest_for_one  running\n"
	                       "   ├─ db  running  pid 102\n"
	                       "   └─ worker  stopped\n");
}
END_TEST

START_TEST(colour_only_when_asked)
{
	struct render_opts o = {.color = true};
	FILE *f;

	sample_tree();
	f = capture();
	render_status(f, recs, nrecs, &o);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(text, "\033[32mrunning"));
}
END_TEST

START_TEST(json_status_and_tree_are_well_formed)
{
	struct render_opts o = {.json = true};
	FILE *f;

	sample_tree();
	f = capture();
	render_status(f, recs, nrecs, &o);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(text, "\"schema\":1"));
	ck_assert_ptr_nonnull(strstr(text,
	    "{\"name\":\"db\",\"path\":\"back/db\",\"supervisor\":\"back\","
	    "\"state\":\"running\",\"pid\":102,\"uptime_ms\":1500,"
	    "\"restarts\":2,\"last_exit\":\"signal:KILL\"}"));
	ck_assert_ptr_nonnull(strstr(text, "\"pid\":null,\"uptime_ms\":null"));
	f = capture();
	render_tree(f, recs, nrecs, &o);
	fclose(f);
	ck_assert_str_eq(text,
	    "{\"schema\":1,\"tree\":{\"name\":\"root\",\"path\":\"root\","
	    "\"kind\":\"supervisor\",\"state\":\"running\","
	    "\"strategy\":\"one_for_one\",\"children\":["
	    "{\"name\":\"web\",\"path\":\"web\",\"kind\":\"program\","
	    "\"state\":\"running\",\"pid\":101,\"restarts\":0},"
	    "{\"name\":\"back\",\"path\":\"back\",\"kind\":\"supervisor\","
	    "\"state\":\"running\",\"strategy\":\"rest_for_one\",\"children\":["
	    "{\"name\":\"db\",\"path\":\"back/db\",\"kind\":\"program\","
	    "\"state\":\"running\",\"pid\":102,\"restarts\":2},"
	    "{\"name\":\"worker\",\"path\":\"back/"
	    "worker\",\"kind\":\"program\","
	    "\"state\":\"stopped\",\"pid\":null,\"restarts\":0}]}]}}\n");
}
END_TEST

/* A reply's depth below 0 was a count of "]}" to write: -2 broke the
 * document, INT64_MIN never ended (found by tests/fuzz/fuzz_proto). */
START_TEST(json_tree_reads_a_negative_depth_as_zero)
{
	static const char *const depths[] = {"-2", "-9223372036854775808"};
	struct render_opts o = {.json = true};
	char line[128];
	FILE *f;

	for (size_t i = 0; i < 2; i++) {
		snprintf(line, sizeof(line),
		    "prog path=a name=a state=running pid=7 restarts=0 "
		    "depth=%s",
		    depths[i]);
		teardown();
		add(line);
		f = capture();
		render_tree(f, recs, nrecs, &o);
		fclose(f);
		ck_assert_str_eq(text,
		    "{\"schema\":1,\"tree\":{\"name\":\"a\",\"path\":\"a\","
		    "\"kind\":\"program\",\"state\":\"running\",\"pid\":7,"
		    "\"restarts\":0}}\n");
	}
}
END_TEST

START_TEST(json_strings_escape_quotes_and_controls)
{
	FILE *f = capture();

	render_json_string(f, "a\"b\\c\n\x01é");
	fclose(f);
	ck_assert_str_eq(text, "\"a\\\"b\\\\c\\n\\u0001é\"");
}
END_TEST

START_TEST(health_names_what_is_not_as_it_should_be)
{
	struct render_opts o = {0};
	FILE *f;

	f = capture();
	ck_assert(render_health(f, recs, 0, &o));
	fclose(f);
	ck_assert_str_eq(text, "healthy\n");
	add("unhealthy path=bad state=exited why=exited\\sabnormally");
	f = capture();
	ck_assert(!render_health(f, recs, nrecs, &o));
	fclose(f);
	ck_assert_str_eq(text, "unhealthy: bad: exited abnormally (exited)\n");
	o.json = true;
	f = capture();
	ck_assert(!render_health(f, recs, nrecs, &o));
	fclose(f);
	ck_assert_str_eq(text, "{\"schema\":1,\"healthy\":false,\"unhealthy\":"
	                       "[{\"path\":\"bad\",\"state\":\"exited\","
	                       "\"why\":\"exited abnormally\"}]}\n");
}
END_TEST

START_TEST(events_are_one_line_each)
{
	struct render_opts o = {0};
	FILE *f;

	add("event time_ms=1764056400123 path=web kind=prog what=exit "
	    "state=running pid=42 last=signal:KILL");
	add("event time_ms=1764056400124 path=web kind=prog what=restart "
	    "state=starting delay_ms=400");
	f = capture();
	render_event(f, &recs[0], &o);
	render_event(f, &recs[1], &o);
	fclose(f);
	ck_assert_str_eq(text,
	    "2025-11-25T07:40:00.123Z  web  exited signal:KILL  pid 42\n"
	    "2025-11-25T07:40:00.124Z  web  restarting in 400ms\n");
	o.json = true;
	f = capture();
	render_event(f, &recs[0], &o);
	fclose(f);
	ck_assert_str_eq(text, "{\"time_ms\":1764056400123,\"path\":\"web\","
	                       "\"kind\":\"prog\",\"what\":\"exit\","
	                       "\"state\":\"running\",\"pid\":42,"
	                       "\"last\":\"signal:KILL\"}\n");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("render");
	TCase *tc = tcase_create("render");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(
	    tc, status_is_one_row_per_program_path_first_in_stable_columns);
	tcase_add_test(tc, status_shows_a_long_path_whole);
	tcase_add_test(tc, tree_is_box_drawn_with_strategies_and_states);
	tcase_add_test(tc, colour_only_when_asked);
	tcase_add_test(tc, json_status_and_tree_are_well_formed);
	tcase_add_test(tc, json_tree_reads_a_negative_depth_as_zero);
	tcase_add_test(tc, json_strings_escape_quotes_and_controls);
	tcase_add_test(tc, health_names_what_is_not_as_it_should_be);
	tcase_add_test(tc, events_are_one_line_each);
	suite_add_tcase(s, tc);
	return unit_main(s);
}
