/*
 * test_render.c: tendctl's output from records: status columns, the
 * box-drawn tree, JSON documents that parse, health, events, logs (one
 * document, or one object a line when followed), pid, version, and which
 * renderer a command's reply goes to.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "proto.h"
#include "render.h"
#include "unit.h"

static struct record recs[24];
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

START_TEST(status_text_and_failing_streak_are_shown)
{
	struct render_opts o = {0};
	FILE *f;

	add("prog path=web name=web state=running pid=101 uptime_ms=65000 "
	    "restarts=0 last=- status=serving\\s42\\sclients health_fails=3");
	add("prog path=db name=db state=starting pid=102 uptime_ms=100 "
	    "restarts=0 last=timeout");
	f = capture();
	render_status(f, recs, nrecs, &o);
	fclose(f);
	ck_assert_str_eq(text,
	    "NAME  STATE     PID  UPTIME  RESTARTS  LAST-EXIT  STATUS\n"
	    "web   running   101  1m05s   0         -          serving 42 "
	    "clients\n"
	    "db    starting  102  100ms   0         timeout\n");
	o.json = true;
	f = capture();
	render_status(f, recs, nrecs, &o);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(text,
	    "\"last_exit\":null,\"status_text\":\"serving 42 clients\","
	    "\"health_fail_streak\":3,"));
	ck_assert_ptr_nonnull(
	    strstr(text, "\"last_exit\":\"timeout\",\"status_text\":null,"
	                 "\"health_fail_streak\":null,"));
}
END_TEST

START_TEST(status_all_adds_supervisors_strategy_window_next_and_why)
{
	struct render_opts o = {.all = true};
	FILE *f;

	add("sup path=root name=root state=running strategy=one_for_one "
	    "restarts=0 uptime_ms=5000 window=2 intensity=5 period_ms=10000 "
	    "cause=boot reason=started\\sat\\stend's\\sstart");
	add("prog path=db name=db state=backoff sup=root pid=0 uptime_ms=-1 "
	    "restarts=3 last=exit:1 next_start_ms=1500 cause=strategy after=db "
	    "reason=restarted\\sby\\sthe\\sstrategy\\sof\\sroot\\safter\\sits"
	    "\\sexit");
	add("sup path=b name=b state=running sup=root strategy=rest_for_one "
	    "restarts=0 uptime_ms=5000 window=0 intensity=-1 period_ms=10000");
	f = capture();
	render_status(f, recs, nrecs, &o);
	fclose(f);
	ck_assert_str_eq(text,
	    "NAME  STATE    PID  UPTIME  RESTARTS  LAST-EXIT  STRATEGY      "
	    "WINDOW  NEXT  REASON\n"
	    "root  running  -    5s      0         -          one_for_one   "
	    "2/5     -     started at tend's start\n"
	    "db    backoff  -    -       3         exit:1     -             "
	    "-       1s    restarted by the strategy of root after its "
	    "exit\n"
	    "b     running  -    5s      0         -          rest_for_one  "
	    "0/inf   -     -\n");
	o.json = true;
	f = capture();
	render_status(f, recs, nrecs, &o);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(text,
	    "\"cause\":\"strategy\",\"after\":\"db\",\"reason\":\"restarted by "
	    "the strategy of root after its exit\",\"next_start_ms\":1500,"
	    "\"instance\":null}"));
	ck_assert_ptr_nonnull(strstr(text,
	    "\"supervisors\":[\n{\"name\":\"root\",\"path\":\"root\","
	    "\"state\":\"running\",\"strategy\":\"one_for_one\","
	    "\"gave_up_by\":null,\"gave_up_why\":null,\"supervisor\":null,"
	    "\"uptime_ms\":5000,\"restarts\":0,\"window\":2,"
	    "\"intensity\":5,\"period_ms\":10000,\"cause\":\"boot\","
	    "\"after\":null,\"reason\":\"started at tend's start\"}"));
	ck_assert_ptr_nonnull(strstr(text, "\"intensity\":null"));
	o = (struct render_opts){0}; /* without --all: programs only */
	f = capture();
	render_status(f, recs, nrecs, &o);
	fclose(f);
	ck_assert_str_eq(text,
	    "NAME  STATE    PID  UPTIME  RESTARTS  LAST-EXIT\n"
	    "db    backoff  -    -       3         exit:1\n");
}
END_TEST

START_TEST(an_event_ends_with_its_reason)
{
	struct render_opts o = {0};
	FILE *f;

	setenv("TZ", "UTC", 1);
	tzset();
	add("event time_ms=1764056400123 path=back/api kind=prog what=state "
	    "state=stopping pid=42 cause=strategy after=back/db "
	    "reason=stopped\\sby\\sthe\\sstrategy\\sof\\sback\\safter\\sdb's"
	    "\\sexit");
	f = capture();
	render_event(f, &recs[0], &o);
	fclose(f);
	ck_assert_str_eq(text,
	    "2025-11-25T07:40:00.123+00:00  back/api  stopping  pid 42  "
	    "kind=prog  cause=strategy  after=back/db  reason=stopped by the "
	    "strategy of back after db's exit\n");
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
	    "\"restarts\":2,\"last_exit\":\"signal:KILL\","
	    "\"status_text\":null,\"health_fail_streak\":null,\"cause\":null,"
	    "\"after\":null,\"reason\":null,\"next_start_ms\":null,"
	    "\"instance\":null}"));
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

/* A handover's old instance: an entry of its own, marked. */
START_TEST(json_status_marks_an_instance_set_aside)
{
	struct render_opts o = {.json = true};
	FILE *f;

	add("prog path=srv name=srv state=starting sup=root pid=8 "
	    "uptime_ms=1 restarts=0 last=-");
	add("prog path=srv name=srv state=running sup=root pid=7 "
	    "uptime_ms=900 restarts=0 last=- instance=outgoing");
	f = capture();
	render_status(f, recs, nrecs, &o);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(text, "\"pid\":8,"));
	ck_assert_ptr_nonnull(
	    strstr(text, "\"next_start_ms\":null,\"instance\":null}"));
	ck_assert_ptr_nonnull(strstr(text, "\"instance\":\"outgoing\"}"));
}
END_TEST

START_TEST(json_status_lists_a_programs_listening_addresses)
{
	struct render_opts o = {.json = true};
	FILE *f;

	add("prog path=srv name=srv state=running sup=root pid=7 "
	    "uptime_ms=1 restarts=0 last=- "
	    "listen=tcp:127.0.0.1:80\\nunix:/run/s.sock");
	f = capture();
	render_status(f, recs, nrecs, &o);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(text,
	    "\"listen\":[\"tcp:127.0.0.1:80\",\"unix:/run/s.sock\"],"
	    "\"cause\":"));
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
	    "state=starting delay_ms=400 cause=strategy");
	setenv("TZ", "UTC", 1);
	tzset();
	f = capture();
	render_event(f, &recs[0], &o);
	render_event(f, &recs[1], &o);
	fclose(f);
	/* every field of the JSON: in words, or as KEY=VALUE */
	ck_assert_str_eq(text,
	    "2025-11-25T07:40:00.123+00:00  web  exited signal:KILL  pid 42  "
	    "kind=prog  state=running\n"
	    "2025-11-25T07:40:00.124+00:00  web  restarting in 400ms  "
	    "kind=prog  state=starting  cause=strategy\n");
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

START_TEST(json_health_when_healthy_is_an_empty_list)
{
	struct render_opts o = {.json = true};
	FILE *f = capture();

	ck_assert(render_health(f, recs, 0, &o));
	fclose(f);
	ck_assert_str_eq(
	    text, "{\"schema\":1,\"healthy\":true,\"unhealthy\":[]}\n");
}
END_TEST

START_TEST(pid_is_the_number_alone_or_json_with_its_path)
{
	struct render_opts o = {0};
	FILE *f;

	add("pid path=back/db pid=4242");
	f = capture();
	render_pid(f, &recs[0], &o);
	fclose(f);
	ck_assert_str_eq(text, "4242\n");
	o.json = true;
	f = capture();
	render_pid(f, &recs[0], &o);
	fclose(f);
	ck_assert_str_eq(
	    text, "{\"schema\":1,\"path\":\"back/db\",\"pid\":4242}\n");
}
END_TEST

START_TEST(version_names_both_sides_or_why_tend_is_not_reachable)
{
	struct render_opts o = {0};
	FILE *f;

	add("version tend=0.3.0 pid=17 protocol=1");
	f = capture();
	render_version(f, "0.3.1", &recs[0], "unused", &o);
	render_version(
	    f, "0.3.1", NULL, "cannot reach tend at /x: refused", &o);
	fclose(f);
	ck_assert_str_eq(text, "tendctl 0.3.1\n"
	                       "tend 0.3.0 (pid 17, protocol 1)\n"
	                       "tendctl 0.3.1\n"
	                       "tend: not reachable (cannot reach tend at /x: "
	                       "refused)\n");
	o.json = true;
	f = capture();
	render_version(f, "0.3.1", &recs[0], "unused", &o);
	render_version(f, "0.3.1", NULL, "refused", &o);
	fclose(f);
	ck_assert_str_eq(text,
	    "{\"schema\":1,\"tendctl\":\"0.3.1\",\"tend\":{\"version\":"
	    "\"0.3.0\",\"pid\":17,\"protocol\":1}}\n"
	    "{\"schema\":1,\"tendctl\":\"0.3.1\",\"tend\":null}\n");
}
END_TEST

START_TEST(version_says_when_tend_was_last_upgraded_and_upgrade_prints_it)
{
	struct render_opts o = {0};
	FILE *f;

	/* 1765069323: 2025-12-07T01:02:03Z */
	add("version tend=0.3.0 pid=17 protocol=1 upgraded=1765069323 "
	    "upgrades=2");
	f = capture();
	render_version(f, "0.3.1", &recs[0], "unused", &o);
	render_reply(f, "upgrade", recs, 1, &o);
	fclose(f);
	ck_assert_str_eq(text, "tendctl 0.3.1\n"
	                       "tend 0.3.0 (pid 17, protocol 1), upgraded "
	                       "2025-12-07T01:02:03Z (2 upgrades)\n"
	                       "upgraded: tend 0.3.0 (pid 17)\n");
	o.json = true;
	f = capture();
	render_version(f, "0.3.1", &recs[0], "unused", &o);
	render_reply(f, "upgrade", recs, 1, &o);
	fclose(f);
	ck_assert_str_eq(text,
	    "{\"schema\":1,\"tendctl\":\"0.3.1\",\"tend\":{\"version\":"
	    "\"0.3.0\",\"pid\":17,\"protocol\":1,\"upgraded\":"
	    "\"2025-12-07T01:02:03Z\",\"upgrades\":2}}\n"
	    "{\"schema\":1,\"upgraded\":true,\"tend\":{\"version\":"
	    "\"0.3.0\",\"pid\":17}}\n");
}
END_TEST

/* logs NAME: the lines of a sample reply, each path in turn. */
static void
sample_lines(void)
{
	add("line path=back/db time_us=1764056400123456 text=ready");
	add("line path=back/db time_us=1764056400123457 "
	    "text=said\\s\"hi\"\\tthen\\x01");
	add("line path=back/worker time_us=1764056400123458 text=");
}

static void
logs(FILE *f, const char *name, bool follow, const struct render_opts *o)
{
	struct render_logs l;
	size_t i;

	render_logs_begin(f, &l, name, follow, o);
	for (i = 0; i < nrecs; i++)
		render_logs_line(f, &l, &recs[i], o);
	render_logs_end(f, &l, o);
}

START_TEST(logs_of_a_program_are_its_bare_lines)
{
	struct render_opts o = {0};
	FILE *f;

	add("line path=back/db time_us=1 text=ready");
	add("line path=back/db time_us=2 text=a\\sb");
	f = capture();
	logs(f, "db", false, &o);
	fclose(f);
	ck_assert_str_eq(text, "ready\na b\n");
	/* asked by path, a program's lines carry it, as a subtree's do */
	f = capture();
	logs(f, "back/db", true, &o);
	fclose(f);
	ck_assert_str_eq(text, "back/db | ready\nback/db | a b\n");
}
END_TEST

START_TEST(logs_timestamps_begin_each_line_with_its_time)
{
	struct render_opts o = {.timestamps = true};
	FILE *f;

	setenv("TZ", "UTC", 1);
	tzset();
	sample_lines();
	f = capture();
	logs(f, "back", false, &o);
	fclose(f);
	ck_assert_str_eq(text,
	    "2025-11-25T07:40:00.123+00:00 back/db | ready\n"
	    "2025-11-25T07:40:00.123+00:00 back/db | said \"hi\"\tthen\x01\n"
	    "2025-11-25T07:40:00.123+00:00 back/worker | \n");
}
END_TEST

START_TEST(logs_of_a_subtree_carry_their_paths)
{
	struct render_opts o = {0};
	FILE *f;

	sample_lines();
	f = capture();
	logs(f, "back", false, &o);
	fclose(f);
	ck_assert_str_eq(text, "back/db | ready\n"
	                       "back/db | said \"hi\"\tthen\x01\n"
	                       "back/worker | \n");
}
END_TEST

START_TEST(json_logs_are_one_document)
{
	struct render_opts o = {.json = true};
	FILE *f;

	f = capture();
	logs(f, "back", false, &o);
	fclose(f);
	ck_assert_str_eq(text, "{\"schema\":1,\"lines\":[]}\n");
	sample_lines();
	f = capture();
	logs(f, "back", false, &o);
	fclose(f);
	ck_assert_str_eq(text,
	    "{\"schema\":1,\"lines\":["
	    "{\"path\":\"back/db\",\"time_us\":1764056400123456,"
	    "\"text\":\"ready\"},"
	    "{\"path\":\"back/db\",\"time_us\":1764056400123457,"
	    "\"text\":\"said \\\"hi\\\"\\tthen\\u0001\"},"
	    "{\"path\":\"back/worker\",\"time_us\":1764056400123458,"
	    "\"text\":\"\"}]}\n");
}
END_TEST

/* SPEC 5: --json logs -f is one object a line, as the lines come. */
START_TEST(json_logs_followed_are_one_object_a_line)
{
	struct render_opts o = {.json = true};
	FILE *f;

	sample_lines();
	f = capture();
	logs(f, "db", true, &o);
	fclose(f);
	ck_assert_str_eq(text,
	    "{\"path\":\"back/db\",\"time_us\":1764056400123456,"
	    "\"text\":\"ready\"}\n"
	    "{\"path\":\"back/db\",\"time_us\":1764056400123457,"
	    "\"text\":\"said \\\"hi\\\"\\tthen\\u0001\"}\n"
	    "{\"path\":\"back/worker\",\"time_us\":1764056400123458,"
	    "\"text\":\"\"}\n");
}
END_TEST

START_TEST(a_reply_goes_to_its_commands_renderer)
{
	struct render_opts o = {0};
	FILE *f;

	add("unhealthy path=bad state=failed why=gave\\sup");
	f = capture();
	ck_assert(render_reply(f, "stop", NULL, 0, &o));
	ck_assert(!render_reply(f, "health", recs, nrecs, &o));
	fclose(f);
	/* a command that only answers done says nothing in plain text */
	ck_assert_str_eq(text, "unhealthy: bad: gave up (failed)\n");
	o.json = true;
	f = capture();
	ck_assert(render_reply(f, "start", NULL, 0, &o));
	ck_assert(render_reply(f, "status", NULL, 0, &o));
	fclose(f);
	ck_assert_str_eq(text, "{\"schema\":1,\"ok\":true}\n"
	                       "{\"schema\":1,\"programs\":[\n]}\n");
}
END_TEST

/* ---- top and inspect ---- */

static void
top_readings(void)
{
	/* the earlier reading: recs[0..3) */
	add("prog path=idle name=idle state=running pid=10 uptime_ms=5000 "
	    "restarts=0 cpu_usec=1000 mem_bytes=50331648 procs=1");
	add("prog path=g/burn name=burn state=running pid=11 uptime_ms=5000 "
	    "restarts=0 cpu_usec=2000000 mem_bytes=1048576 procs=2");
	add("prog path=new name=new state=running pid=12 uptime_ms=5000 "
	    "restarts=1 cpu_usec=900000 mem_bytes=2097152 procs=1");
	/* a second later: recs[3..7) */
	add("host load=1.00\\s0.50\\s0.25 mem_total=1073741824 "
	    "mem_avail=536870912");
	add("prog path=idle name=idle state=running pid=10 uptime_ms=6000 "
	    "restarts=0 cpu_usec=1500 mem_bytes=50331648 procs=1");
	add("prog path=g/burn name=burn state=running pid=11 uptime_ms=6000 "
	    "restarts=0 cpu_usec=2950000 mem_bytes=1048576 procs=2");
	/* restarted meanwhile: its earlier figure is another instance's */
	add("prog path=new name=new state=running pid=13 uptime_ms=100 "
	    "restarts=2 cpu_usec=1000 mem_bytes=2097152 procs=1");
}

START_TEST(top_pairs_two_readings_and_puts_the_busiest_first)
{
	struct top_row rows[8];
	size_t n;

	top_readings();
	n = render_top_rows(recs, 3, recs + 3, 4, 1000000, TOP_BY_CPU, rows);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(record_get(rows[0].r, "path"), "g/burn");
	ck_assert_double_eq_tol(rows[0].cpu_pct, 95.0, 1e-6);
	ck_assert_str_eq(record_get(rows[1].r, "path"), "idle");
	ck_assert_double_eq_tol(rows[1].cpu_pct, 0.05, 1e-6);
	ck_assert_str_eq(record_get(rows[2].r, "path"), "new");
	ck_assert_double_eq(rows[2].cpu_pct, 0.0); /* not 900000 back */
	/* by memory: the 48M program first */
	n = render_top_rows(recs, 3, recs + 3, 4, 1000000, TOP_BY_MEM, rows);
	ck_assert_str_eq(record_get(rows[0].r, "path"), "idle");
	ck_assert_str_eq(record_get(rows[1].r, "path"), "new");
}
END_TEST

START_TEST(top_is_a_table_under_a_header_line)
{
	struct render_opts o = {0};
	struct top_row rows[8];
	size_t n;
	FILE *f;

	top_readings();
	n = render_top_rows(recs, 3, recs + 3, 4, 1000000, TOP_BY_CPU, rows);
	f = capture();
	render_top(f, rows, n, &recs[3], 1000, TOP_BY_CPU, &o);
	fclose(f);
	ck_assert_str_eq(text,
	    "load 1.00 0.50 0.25  memory 512M free of 1.0G  by cpu  (3)\n"
	    "NAME    STATE    PID  CPU%  MEM   PROCS  UPTIME  RESTARTS\n"
	    "g/burn  running  11   95.0  1.0M  2      6s      0\n"
	    "idle    running  10   0.1   48M   1      6s      0\n"
	    "new     running  13   0.0   2.0M  1      100ms   2\n");
	f = capture();
	render_top(f, rows, n, NULL, 1000, TOP_BY_CPU, &o);
	fclose(f);
	ck_assert_msg(strncmp(text, "NAME ", 5) == 0, "%s", text);
}
END_TEST

START_TEST(json_top_gives_each_programs_figures)
{
	struct render_opts o = {.json = true};
	struct top_row rows[8];
	size_t n;
	FILE *f;

	top_readings();
	n = render_top_rows(recs, 3, recs + 3, 4, 1000000, TOP_BY_CPU, rows);
	f = capture();
	render_top(f, rows, n, &recs[3], 1000, TOP_BY_CPU, &o);
	fclose(f);
	ck_assert_msg(
	    strstr(text,
	        "{\"schema\":1,\"interval_ms\":1000,\"host\":{\"load\":"
	        "\"1.00 0.50 0.25\",\"mem_total\":1073741824,"
	        "\"mem_avail\":536870912},\"programs\":[\n"
	        "{\"name\":\"burn\",\"path\":\"g/burn\",\"state\":"
	        "\"running\",\"pid\":11,\"cpu_percent\":95.0,"
	        "\"cpu_usec\":2950000,\"mem_bytes\":1048576,"
	        "\"procs\":2,\"uptime_ms\":6000,\"restarts\":0}") == text,
	    "%s", text);
}
END_TEST

static void
inspect_reply(void)
{
	add("prog path=p name=p state=running sup=root pid=200 "
	    "uptime_ms=3000 restarts=1 last=oom");
	add("detail command=sleep\\s1 directory=- user=- group=- "
	    "cgroup=/sys/fs/cgroup/unified/s-root/p-p "
	    "cgroup_cpu=/sys/fs/cgroup/cpu/s-root/p-p listen= cpu_usec=1500000 "
	    "mem_bytes=1048576 procs=2");
	add("limit key=cpu_max value=20% enforced=v1 on=p");
	add("limit key=pids_max value=100 enforced=not\\senforced on=grp");
	add("proc pid=200 ppid=1 depth=0 state=S wchan=do_wait cpu_ms=10 "
	    "rss_bytes=1048576 threads=1 fds=3 cmd=sh\\s-c\\sx");
	add("proc pid=201 ppid=200 depth=1 state=S wchan=hrtimer_nanosleep "
	    "cpu_ms=0 rss_bytes=524288 threads=1 fds=3 cmd=sleep\\s1");
	add("fds count=6");
	add("exit time_ms=0 last=oom up_ms=2000");
	add("line path=p time_us=0 text=hello");
}

START_TEST(inspect_shows_processes_as_a_tree_and_limits_with_their_home)
{
	struct render_opts o = {0};
	FILE *f;

	inspect_reply();
	f = capture();
	render_inspect(f, recs, nrecs, &o);
	fclose(f);
	ck_assert_msg(
	    strstr(text, "CGROUP     /sys/fs/cgroup/unified/s-root/p-p\n"
	                 "CGROUP     cpu /sys/fs/cgroup/cpu/s-root/p-p\n") &&
	        strstr(text, "  cpu_max      20%      v1\n") &&
	        strstr(text, "  pids_max     100      not enforced  (on "
	                     "supervisor grp)\n") &&
	        strstr(text, "\n  200          S     hrtimer_nanosleep") ==
	            NULL &&
	        strstr(text, "\n  200          S     do_wait           10ms") &&
	        strstr(text, "\n    201        S     hrtimer_nanosleep 0s") &&
	        strstr(text, "sleep 1\n  open descriptors: 6\n") &&
	        strstr(
	            text, "1970-01-01T00:00:00Z  oom            after 2s\n") &&
	        strstr(text, "LAST LINES\n  hello\n") &&
	        strstr(text, "LISTEN     none\n"),
	    "%s", text);
}
END_TEST

START_TEST(json_inspect_is_one_document_with_numbers)
{
	struct render_opts o = {.json = true};
	FILE *f;

	inspect_reply();
	f = capture();
	render_inspect(f, recs, nrecs, &o);
	fclose(f);
	ck_assert_msg(
	    strstr(text,
	        "\"processes\":[{\"pid\":200,\"ppid\":1,\"depth\":0,"
	        "\"state\":\"S\",\"wchan\":\"do_wait\",\"cpu_ms\":10,") &&
	        strstr(text,
	            "\"limits\":[{\"key\":\"cpu_max\",\"value\":\"20%\","
	            "\"enforced\":\"v1\",\"on\":\"p\"}") &&
	        strstr(text, ",\"fds\":6") && text[strlen(text) - 1] == '\n',
	    "%s", text);
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
	tcase_add_test(
	    tc, status_all_adds_supervisors_strategy_window_next_and_why);
	tcase_add_test(tc, an_event_ends_with_its_reason);
	tcase_add_test(tc, json_status_and_tree_are_well_formed);
	tcase_add_test(tc, status_text_and_failing_streak_are_shown);
	tcase_add_test(tc, json_status_lists_a_programs_listening_addresses);
	tcase_add_test(tc, json_status_marks_an_instance_set_aside);
	tcase_add_test(tc, json_tree_reads_a_negative_depth_as_zero);
	tcase_add_test(tc, json_strings_escape_quotes_and_controls);
	tcase_add_test(tc, health_names_what_is_not_as_it_should_be);
	tcase_add_test(tc, events_are_one_line_each);
	tcase_add_test(tc, json_health_when_healthy_is_an_empty_list);
	tcase_add_test(tc, pid_is_the_number_alone_or_json_with_its_path);
	tcase_add_test(
	    tc, version_names_both_sides_or_why_tend_is_not_reachable);
	tcase_add_test(
	    tc, version_says_when_tend_was_last_upgraded_and_upgrade_prints_it);
	tcase_add_test(tc, logs_of_a_program_are_its_bare_lines);
	tcase_add_test(tc, logs_timestamps_begin_each_line_with_its_time);
	tcase_add_test(tc, logs_of_a_subtree_carry_their_paths);
	tcase_add_test(tc, json_logs_are_one_document);
	tcase_add_test(tc, json_logs_followed_are_one_object_a_line);
	tcase_add_test(tc, a_reply_goes_to_its_commands_renderer);
	tcase_add_test(tc, top_pairs_two_readings_and_puts_the_busiest_first);
	tcase_add_test(tc, top_is_a_table_under_a_header_line);
	tcase_add_test(tc, json_top_gives_each_programs_figures);
	tcase_add_test(
	    tc, inspect_shows_processes_as_a_tree_and_limits_with_their_home);
	tcase_add_test(tc, json_inspect_is_one_document_with_numbers);
	suite_add_tcase(s, tc);
	return unit_main(s);
}
