/*
 * test_events.c: what tendctl streams (SPEC 5 and 8) through the real
 * tend and tendctl: events as lines and as JSON objects, and logs as one
 * JSON document, or with -f one object a line as lines come. Streams are
 * read as they come (th_stream_*), and stopped by an interrupt.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctltest.h"

/*
 * An events stream may subscribe after the first thing the test does:
 * restart prog until its lines (needle) show. Where the stream stands
 * then, for what comes next.
 */
static size_t
subscribed(
    struct th *t, struct th_stream *s, const char *prog, const char *needle)
{
	int i;

	for (i = 0; i < 50; i++) {
		free(ct_ctl(t, 0, "restart %s", prog));
		if (th_stream_has(s, 0, needle, 200, NULL)) {
			th_stream_read(s, 50);
			return s->len;
		}
	}
	ck_abort_msg("the events stream never showed %s:\n%s", prog, s->buf);
	abort();
}

/* ================================================================= events */

START_TEST(events_show_a_kill_as_an_exit_then_a_new_start)
{
	struct th *t = th_start("[program:a]\n"
	                        "command = {S:a}\n"
	                        "[program:idle]\n"
	                        "command = {S:idle}\n");
	struct th_run a = th_up(t, "a", 1), a2;
	struct th_stream s;
	char needle[128];
	size_t from, exit_at, run_at;
	pid_t pid;

	(void)th_up(t, "idle", 1);
	th_stream_ctl(t, &s, "events");
	from = subscribed(t, &s, "idle", "  idle  running  pid ");
	free(ct_ctl(t, 0, "kill a"));
	snprintf(needle, sizeof(needle), "  a  exited signal:KILL  pid %d  ",
	    (int)a.pid);
	exit_at = th_stream_wait(&s, from, needle, DEADLINE_MS);
	run_at = th_stream_wait(&s, exit_at, "  a  running  pid ", DEADLINE_MS);
	pid = (pid_t)atoi(s.buf + run_at + strlen("  a  running  pid "));
	a2 = th_up(t, "a", 2);
	ck_assert_int_eq(pid, a2.pid);
	/* each line: a local RFC 3339 time (+HH:MM), the path, what
	 * happened, then the other fields as KEY=VALUE */
	ck_assert_msg(
	    exit_at >= 29 &&
	        (s.buf[exit_at - 6] == '+' || s.buf[exit_at - 6] == '-') &&
	        s.buf[exit_at - 3] == ':' && s.buf[exit_at - 10] == '.',
	    "no time before:\n%s", s.buf);
	ck_assert_msg(strstr(s.buf + exit_at, "kind=prog") != NULL,
	    "the other fields: %s", s.buf + exit_at);
	ck_assert_int_eq(th_stream_end(&s), 0); /* interrupted: exit 0 */
	free(s.buf);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(json_events_are_one_object_per_line)
{
	static const char script[] =
	    "import json,sys\n"
	    "for l in sys.stdin:\n"
	    "  e=json.loads(l)\n"
	    "  assert isinstance(e['time_ms'],int) and e['kind']=='prog',e\n"
	    "  if e['path']=='a':\n"
	    "    print(e['what'],e['state'],e.get('last'))\n";
	struct th *t = th_start("[program:a]\n"
	                        "command = {S:a}\n"
	                        "[program:idle]\n"
	                        "command = {S:idle}\n");
	struct th_stream s;
	size_t from;
	char *got, *lines;

	(void)th_up(t, "a", 1);
	(void)th_up(t, "idle", 1);
	th_stream_ctl(t, &s, "--json events");
	from = subscribed(t, &s, "idle", "\"path\":\"idle\"");
	free(ct_ctl(t, 0, "kill a"));
	(void)th_up(t, "a", 2);
	(void)th_stream_wait(&s, from,
	    "\"path\":\"a\",\"kind\":\"prog\","
	    "\"what\":\"state\",\"state\":\"running\"",
	    DEADLINE_MS);
	ck_assert_int_eq(th_stream_end(&s), 0);
	lines = s.buf + from;
	got = ct_py(t, lines, script);
	ct_has(got, "exit ", "the JSON events");
	ct_has(got, "signal:KILL", "the JSON events");
	ct_has(got, "state running None", "the JSON events");
	ck_assert_msg(strstr(got, "signal:KILL") < strstr(got, "state running"),
	    "the exit comes after the new start:\n%s", got);
	free(got);
	free(s.buf);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

/* x prints two lines, then a third once D/go exists. */
#define LOGS_CONF                                                              \
	"[program:x]\n"                                                        \
	"command = sh -c 'echo one;echo \"two  \\\\ \\\"q\\\"\";"              \
	"echo $$ >>{D}/x.pids;until test -e {D}/go;do sleep 0.01;done;"        \
	"echo three;exec sleep 100000'\n"

START_TEST(json_logs_is_one_document_with_the_lines)
{
	static const char script[] =
	    "import json,sys\n"
	    "d=json.load(sys.stdin)\n"
	    "assert d['schema']==1,d\n"
	    "for l in d['lines']:\n"
	    "  assert isinstance(l['time_us'],int) and l['time_us']>0,l\n"
	    "  print(l['path']+'|'+l['text'])\n";
	struct th *t = th_start(LOGS_CONF);
	char *got;

	(void)th_up(t, "x", 1);
	th_wait_file(t, "tend.out", "x | two", DEADLINE_MS);
	got = ct_ctl_py(t, 0, "--json logs x", script);
	ck_assert_str_eq(got, "x|one\nx|two  \\ \"q\"\n");
	free(got);
	got = ct_ctl_py(t, 0, "logs x -n 1 --json", script);
	ck_assert_str_eq(got, "x|two  \\ \"q\"\n");
	free(got);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

/* SPEC 5: logs -f --json is one object a line, each as its line comes. */
START_TEST(json_logs_f_is_one_object_a_line_as_lines_come)
{
	static const char script[] =
	    "import json,sys\n"
	    "for l in sys.stdin:\n"
	    "  o=json.loads(l)\n"
	    "  assert set(o)=={'path','time_us','text'},o\n"
	    "  print(o['path']+'|'+o['text'])\n";
	struct th *t = th_start(LOGS_CONF);
	struct th_stream s;
	char *got;

	(void)th_up(t, "x", 1);
	th_wait_file(t, "tend.out", "x | two", DEADLINE_MS);
	th_stream_ctl(t, &s, "logs x -f --json");
	(void)th_stream_wait(
	    &s, 0, "\"text\":\"two  \\\\ \\\"q\\\"\"}\n", DEADLINE_MS);
	ck_assert_ptr_null(strstr(s.buf, "three"));
	th_write(t, "go", "");
	(void)th_stream_wait(&s, 0, "\"text\":\"three\"}\n", DEADLINE_MS);
	ck_assert_int_eq(th_stream_end(&s), 0); /* interrupted: exit 0 */
	got = ct_py(t, s.buf, script);
	ck_assert_str_eq(got, "x|one\nx|two  \\ \"q\"\nx|three\n");
	free(got);
	free(s.buf);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

static Suite *
events_suite(void)
{
	Suite *s = suite_create("integ_events");
	TCase *tc = tcase_create("events");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, NULL, th_stop_all);
	tcase_add_test(tc, events_show_a_kill_as_an_exit_then_a_new_start);
	tcase_add_test(tc, json_events_are_one_object_per_line);
	tcase_add_test(tc, json_logs_is_one_document_with_the_lines);
	tcase_add_test(tc, json_logs_f_is_one_object_a_line_as_lines_come);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return th_main(events_suite());
}
