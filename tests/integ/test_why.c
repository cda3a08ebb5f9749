/*
 * test_why.c: why each state change happened (issue 19), through the
 * real tend and tendctl: the cause in tend's lines, in `events` (text and
 * JSON) and in `status --json`; `status --all` with its supervisor rows;
 * and stop and restart --with-dependents seen on real pids (the
 * dependents' pids change or go; the others keep theirs).
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctltest.h"

/* idle beside back, whose rest_for_one children are first, db, api,
 * worker; each records its pid and, on TERM, its name in D/stopped. */
#define BACK(strategy)                                                         \
	"[supervisor:root]\n"                                                  \
	"children = idle, back\n"                                              \
	"[supervisor:back]\n"                                                  \
	"strategy = " strategy "\n"                                            \
	"intensity = 1\n"                                                      \
	"period = 1h\n"                                                        \
	"children = first, db, api, worker\n"                                  \
	"[program:idle]\ncommand = {S:idle}\n"                                 \
	"[program:first]\ncommand = {T:first}\n"                               \
	"[program:db]\ncommand = {T:db}\n"                                     \
	"[program:api]\ncommand = {T:api}\n"                                   \
	"[program:worker]\ncommand = {T:worker}\n"

static const char *const BACK_PROGS[] = {"first", "db", "api", "worker"};

/* A th_cond: tend's stderr holds arg. */
static bool
stderr_has(struct th *t, const void *arg)
{
	char *err = th_stderr(t);
	bool has = strstr(err, arg) != NULL;

	free(err);
	return has;
}

static void
wait_logged(struct th *t, const char *line)
{
	th_wait(t, stderr_has, line, DEADLINE_MS, line);
}

/* Every program of back up, run n of each. */
static void
back_up(struct th *t, struct th_run runs[4], int n)
{
	size_t i;

	for (i = 0; i < 4; i++)
		runs[i] = th_up(t, BACK_PROGS[i], n);
}

/*
 * An events stream may subscribe after the first thing the test does:
 * restart idle until its line shows. Where the stream stands then.
 */
static size_t
subscribed(struct th *t, struct th_stream *s, const char *needle)
{
	int i;

	for (i = 0; i < 50; i++) {
		free(ct_ctl(t, 0, "restart idle"));
		if (th_stream_has(s, 0, needle, 200, NULL)) {
			th_stream_read(s, 50);
			return s->len;
		}
	}
	ck_abort_msg("the events stream never showed idle:\n%s", s->buf);
	abort();
}

/* The text event that holds what (from from on) ends with why. */
static void
event_says(struct th_stream *s, size_t from, const char *what, const char *why)
{
	size_t at = th_stream_wait(s, from, what, DEADLINE_MS);
	const char *end;

	th_stream_read(s, 50); /* the rest of its line */
	end = strchr(s->buf + at, '\n');
	ck_assert_msg(end != NULL &&
	                  (size_t)(end - (s->buf + at)) >= strlen(why) &&
	                  strncmp(end - strlen(why), why, strlen(why)) == 0,
	    "the event \"%s\" does not end with \"%s\":\n%s", what, why,
	    s->buf + at);
}

/* ================================================================ causes */

START_TEST(a_siblings_restart_says_whose_exit_set_it_off_everywhere)
{
	static const char script[] =
	    "import json,sys\n"
	    "for l in sys.stdin:\n"
	    "  e=json.loads(l)\n"
	    "  if e['path'] in ('back/db','back/api') and "
	    "e['what']!='restart':\n"
	    "    print(e['path'],e['what'],e['state'],e.get('cause'),"
	    "e.get('after'),'/',e.get('reason'))\n";
	static const char status_script[] =
	    "import json,sys\n"
	    "d=json.load(sys.stdin)\n"
	    "for p in d['programs']:\n"
	    "  print(p['path'],p['restarts'],p['last_exit'],p['cause'],"
	    "p['after'],'/',p['reason'])\n";
	struct th *t = th_start(BACK("rest_for_one"));
	struct th_run before[4], after[4];
	struct th_stream text, json;
	size_t tfrom, jfrom, i;
	char *got, line[256];

	back_up(t, before, 1);
	(void)th_up(t, "idle", 1);
	th_stream_ctl(t, &text, "events");
	th_stream_ctl(t, &json, "--json events");
	tfrom = subscribed(t, &text, "  idle  running  pid ");
	jfrom = subscribed(t, &json, "\"path\":\"idle\"");
	free(ct_ctl(t, 0, "kill db"));
	for (i = 1; i < 4; i++)
		after[i] = th_up(t, BACK_PROGS[i], 2);
	ck_assert(th_run_alive(&before[0])); /* first: before db, untouched */

	/* tend's lines */
	wait_logged(t, "back/db: killed by signal KILL (by operator); back "
	               "(rest_for_one) restarts db, api, worker");
	wait_logged(t, "back/api: stopped (exited with status 0) by the "
	               "strategy of back after db's exit");
	snprintf(line, sizeof(line),
	    "back/api: started, pid %d (restarted by the strategy of back "
	    "after db's exit)",
	    (int)after[2].pid);
	wait_logged(t, line);
	snprintf(line, sizeof(line),
	    "back/db: started, pid %d (restarted by the strategy of back "
	    "after its exit)",
	    (int)after[1].pid);
	wait_logged(t, line);

	/* events as text */
	snprintf(line, sizeof(line), "  back/db  exited signal:KILL  pid %d  ",
	    (int)before[1].pid);
	event_says(&text, tfrom, line, "cause=kill  reason=killed by operator");
	snprintf(line, sizeof(line), "  back/api  stopping  pid %d  ",
	    (int)before[2].pid);
	event_says(&text, tfrom, line,
	    "cause=strategy  after=back/db  reason=stopped by the strategy of "
	    "back after db's exit");
	snprintf(line, sizeof(line), "  back/api  running  pid %d  ",
	    (int)after[2].pid);
	event_says(&text, tfrom, line,
	    "cause=strategy  after=back/db  reason=restarted by the strategy "
	    "of back after db's exit");

	/* events as JSON */
	(void)th_stream_wait(&json, jfrom,
	    "\"path\":\"back/worker\",\"kind\":\"prog\","
	    "\"what\":\"state\",\"state\":\"running\"",
	    DEADLINE_MS);
	ck_assert_int_eq(th_stream_end(&text), 0);
	ck_assert_int_eq(th_stream_end(&json), 0);
	got = ct_py(t, json.buf + jfrom, script);
	ct_has(got, "back/db exit running kill None / killed by operator\n",
	    "db's exit in the JSON events");
	ct_has(got,
	    "back/api state stopping strategy back/db / stopped by the "
	    "strategy of back after db's exit\n",
	    "api's stop in the JSON events");
	ct_has(got,
	    "back/api exit stopping strategy back/db / stopped by the "
	    "strategy of back after db's exit\n",
	    "api's end in the JSON events");
	ct_has(got,
	    "back/api state running strategy back/db / restarted by the "
	    "strategy of back after db's exit\n",
	    "api's start in the JSON events");
	free(got);

	/* status: RESTARTS 1 and LAST-EXIT exit:0 say little; why says it */
	got = ct_ctl_py(t, 0, "--json status", status_script);
	ct_has(got,
	    "back/api 1 exit:0 strategy back/db / restarted by the strategy "
	    "of back after db's exit\n",
	    "api in status --json");
	ct_has(got,
	    "back/db 1 signal:KILL strategy back/db / restarted by the "
	    "strategy of back after its exit\n",
	    "db in status --json");
	ct_has(got, "back/first 0 None boot None / started at tend's start\n",
	    "first in status --json");
	free(got);
	free(text.buf);
	free(json.buf);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(operator_stop_and_start_and_shutdown_say_so)
{
	static const char script[] =
	    "import json,sys\n"
	    "d=json.load(sys.stdin)\n"
	    "for p in d['programs']:\n"
	    "  print(p['path'],p['state'],p['cause'],'/',p['reason'])\n";
	struct th *t = th_start(BACK("one_for_one"));
	struct th_run runs[4];
	char *got;

	back_up(t, runs, 1);
	free(ct_ctl(t, 0, "stop api"));
	wait_logged(t, "back/api: stopped (exited with status 0) by operator");
	got = ct_ctl_py(t, 0, "--json status", script);
	ct_has(got, "back/api stopped operator / stopped by operator\n",
	    "a stopped program's reason");
	free(got);
	free(ct_ctl(t, 0, "start api"));
	(void)th_up(t, "api", 2);
	got = ct_ctl_py(t, 0, "--json status", script);
	ct_has(got, "back/api running operator / started by operator\n",
	    "a started program's reason");
	free(got);
	th_signal(t, SIGTERM);
	ck_assert_int_eq(th_wait_exit(t, DEADLINE_MS), 0);
	th_assert_stderr_has(t,
	    "back/worker: stopped (exited with status 0) for tend's shutdown");
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(a_give_up_names_the_child_in_every_reason)
{
	static const char script[] =
	    "import json,sys\n"
	    "d=json.load(sys.stdin)\n"
	    "for e in d['programs']+d['supervisors']:\n"
	    "  print(e['path'],e['state'],e['cause'],e['after'],'/',"
	    "e['reason'])\n";
	struct th *t =
	    th_start("[supervisor:root]\nchildren = idle, back\n"
	             "[supervisor:back]\nrestart = transient\nintensity = 0\n"
	             "children = db, api\n"
	             "[program:idle]\ncommand = {S:idle}\n"
	             "[program:db]\ncommand = {S:db}\n"
	             "[program:api]\ncommand = {S:api}\n");
	struct th_run db = th_up(t, "db", 1);
	char *got;

	(void)th_up(t, "api", 1);
	free(ct_ctl(t, 0, "kill api"));
	th_wait_gone(t, db.pid, db.start, DEADLINE_MS);
	got = ct_ctl_py(t, 0, "--json status --all", script);
	ct_has(got, "back failed gave-up back/api / gave up after api's exit\n",
	    "the supervisor that gave up");
	ct_has(got,
	    "back/db stopped gave-up back/api / stopped because back gave up "
	    "after api's exit\n",
	    "its other child");
	ct_has(got,
	    "back/api exited gave-up back/api / not restarted because back "
	    "gave up after its exit\n",
	    "the child whose restart was one too many");
	free(got);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

/* ========================================================== status --all */

/* A row of `status --all`: nine one-word columns, then REASON. */
struct all_row {
	char f[9][128];
	char reason[512];
};

/* The row of out whose NAME is name; the test fails if there is none. */
static void
all_row(const char *out, const char *name, struct all_row *r)
{
	const char *line = out, *p;
	size_t k, len = strlen(name);
	int n;

	while (strncmp(line, name, len) != 0 || line[len] != ' ') {
		line = strchr(line, '\n');
		ck_assert_msg(line != NULL, "no row of %s:\n%s", name, out);
		line++;
	}
	for (p = line, k = 0; k < 9; k++, p += n) {
		ck_assert_int_eq(sscanf(p, "%127s%n", r->f[k], &n), 1);
		ck_assert_msg(p[n] == ' ', "a short row of %s:\n%s", name, out);
	}
	p += strspn(p, " ");
	len = strcspn(p, "\n");
	ck_assert_uint_lt(len, sizeof(r->reason));
	memcpy(r->reason, p, len);
	r->reason[len] = '\0';
}

START_TEST(status_all_shows_supervisors_their_window_and_a_due_start)
{
	static const char script[] =
	    "import json,sys\n"
	    "d=json.load(sys.stdin)\n"
	    "s={e['path']:e for e in d['supervisors']}\n"
	    "r=s['root']\n"
	    "print(r['strategy'],r['window'],r['intensity'],r['period_ms'],"
	    "r['supervisor'])\n"
	    "print(s['back']['strategy'],s['back']['intensity'])\n"
	    "f=[p for p in d['programs'] if p['path']=='flaky'][0]\n"
	    "print('due', 0 < f['next_start_ms'] <= 3600000)\n";
	struct th *t = th_start("[supervisor:root]\n"
	                        "intensity = 5\nperiod = 1h\n"
	                        "children = back, flaky\n"
	                        "[supervisor:back]\nstrategy = rest_for_one\n"
	                        "intensity = infinity\nchildren = db\n"
	                        "[program:db]\ncommand = {S:db}\n"
	                        "[program:flaky]\n"
	                        "command = sh -c 'echo $$ >>{D}/flaky.pids;"
	                        "exit 1'\n"
	                        "backoff = 1h..1h\n");
	struct ct_row rows[8];
	struct all_row r;
	char *out, *got;

	(void)th_up(t, "db", 1);
	th_wait(t, stderr_has, "flaky: exited with status 1; restarting in",
	    DEADLINE_MS, "flaky's backoff");
	/* the default columns stay as they were */
	out = ct_ctl(t, 0, "status");
	ck_assert_int_eq(ct_parse_status(out, rows, 8), 2);
	free(out);
	out = ct_ctl(t, 0, "status --all");
	all_row(out, "NAME", &r);
	ck_assert_str_eq(r.f[6], "STRATEGY");
	ck_assert_str_eq(r.f[7], "WINDOW");
	ck_assert_str_eq(r.f[8], "NEXT");
	ck_assert_str_eq(r.reason, "REASON");
	all_row(out, "root", &r);
	ck_assert_str_eq(r.f[1], "running");
	ck_assert_str_eq(r.f[2], "-");
	ck_assert_str_eq(r.f[6], "one_for_one");
	ck_assert_str_eq(r.f[7], "1/5");
	ck_assert_str_eq(r.reason, "started at tend's start");
	all_row(out, "back", &r);
	ck_assert_str_eq(r.f[6], "rest_for_one");
	ck_assert_str_eq(r.f[7], "0/inf");
	all_row(out, "flaky", &r);
	ck_assert_str_eq(r.f[1], "backoff");
	ck_assert_str_eq(r.f[5], "exit:1");
	ck_assert_str_eq(r.f[6], "-");
	ck_assert_msg(strchr("0123456789", r.f[8][0]) != NULL,
	    "flaky's NEXT is not a duration:\n%s", out);
	ck_assert_str_eq(
	    r.reason, "restarted by the strategy of root after its exit");
	all_row(out, "back/db", &r);
	ck_assert_str_eq(r.f[7], "-");
	free(out);
	got = ct_ctl_py(t, 0, "--json status --all", script);
	ck_assert_str_eq(
	    got, "one_for_one 1 5 3600000 None\nrest_for_one None\ndue True\n");
	free(got);
	out = ct_ctl(t, 2, "--all start db");
	ct_has(out, "--all: only with status", "--all elsewhere");
	free(out);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

/* ===================================================== --with-dependents */

/* run r (of the four of back) was replaced by run 2, or kept */
static void
assert_replaced(struct th *t, const struct th_run before[4], const bool *want)
{
	size_t i;

	for (i = 0; i < 4; i++) {
		if (want[i]) {
			(void)th_up(t, BACK_PROGS[i], 2);
			ck_assert_msg(!th_run_alive(&before[i]),
			    "%s's first run is still alive", BACK_PROGS[i]);
		} else {
			ck_assert_msg(th_run_alive(&before[i]),
			    "%s's run was replaced", BACK_PROGS[i]);
			ck_assert_int_eq(th_pids(t, BACK_PROGS[i], NULL, 0), 1);
		}
	}
}

START_TEST(restart_with_dependents_under_rest_for_one_restarts_those_after)
{
	static const bool want[4] = {false, true, true, true};
	static const char script[] =
	    "import json,sys\n"
	    "d=json.load(sys.stdin)\n"
	    "print(sorted(p['restarts'] for p in d['programs']))\n";
	struct th *t = th_start(BACK("rest_for_one"));
	struct th_run before[4];
	char *got;

	back_up(t, before, 1);
	free(ct_ctl(t, 0, "restart --with-dependents db"));
	assert_replaced(t, before, want);
	/* stopped in reverse order, each after the one before it */
	th_assert_file(t, "stopped", "worker\napi\ndb\n");
	/* uncharged: intensity 1 is untouched, RESTARTS too */
	free(ct_ctl(t, 0, "restart --with-dependents db"));
	th_wait_count(t, "db", 3, DEADLINE_MS);
	(void)th_up(t, "worker", 3);
	got = ct_ctl_py(t, 0, "--json status", script);
	ck_assert_str_eq(got, "[0, 0, 0, 0, 0]\n");
	free(got);
	got = ct_ctl(t, 0, "status --all back");
	ct_has(got, "rest_for_one  0/1 ", "back's window");
	ct_has(got, "restarted by operator with db\n", "api's reason");
	free(got);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(restart_with_dependents_under_one_for_all_restarts_every_child)
{
	static const bool want[4] = {true, true, true, true};
	struct th *t = th_start(BACK("one_for_all"));
	struct th_run before[4];

	back_up(t, before, 1);
	free(ct_ctl(t, 0, "restart --with-dependents api"));
	assert_replaced(t, before, want);
	th_assert_file(t, "stopped", "worker\napi\ndb\nfirst\n");
	ck_assert_int_eq(th_pids(t, "idle", NULL, 0), 1);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(restart_with_dependents_under_one_for_one_restarts_it_alone)
{
	static const bool want[4] = {false, true, false, false};
	struct th *t = th_start(BACK("one_for_one"));
	struct th_run before[4];

	back_up(t, before, 1);
	free(ct_ctl(t, 0, "restart --with-dependents db"));
	assert_replaced(t, before, want);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(stop_with_dependents_stops_those_after_and_they_stay_stopped)
{
	static const char *const strategies[] = {
	    BACK("rest_for_one"), BACK("one_for_all")};
	struct th_run before[4];
	size_t i;

	for (i = 0; i < 2; i++) {
		struct th *t = th_start(strategies[i]);
		char *out;

		back_up(t, before, 1);
		free(ct_ctl(t, 0, "stop --with-dependents db"));
		th_assert_file(t, "stopped", "worker\napi\ndb\n");
		ck_assert(!th_run_alive(&before[1]));
		ck_assert(!th_run_alive(&before[3]));
		ck_assert(th_run_alive(&before[0]));
		ct_assert_row(t, "back/api", "back/api stopped - - 0 exit:0");
		out = ct_ctl(t, 0, "status --all back/api");
		ct_has(out, "stopped by operator with db\n", "api's reason");
		free(out);
		/* first's crash brings back only what was running */
		free(ct_ctl(t, 0, "kill first"));
		(void)th_up(t, "first", 2);
		ct_assert_row(t, "back/worker", "back/worker stopped - - 0 *");
		free(ct_ctl(t, 0, "start back"));
		(void)th_up(t, "worker", 2);
		ck_assert_int_eq(th_stop(t), 0);
	}
}
END_TEST

START_TEST(with_dependents_is_only_for_stop_and_restart)
{
	struct th *t = th_start(BACK("rest_for_one"));
	char *out;

	(void)th_up(t, "db", 1);
	out = ct_ctl(t, 2, "start --with-dependents db");
	ct_has(out, "--with-dependents: only with stop and restart",
	    "start --with-dependents");
	free(out);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

static Suite *
why_suite(void)
{
	Suite *s = suite_create("integ_why");
	TCase *tc = tcase_create("why");

	tcase_set_timeout(tc, 120);
	tcase_add_test(
	    tc, a_siblings_restart_says_whose_exit_set_it_off_everywhere);
	tcase_add_test(tc, operator_stop_and_start_and_shutdown_say_so);
	tcase_add_test(tc, a_give_up_names_the_child_in_every_reason);
	tcase_add_test(
	    tc, status_all_shows_supervisors_their_window_and_a_due_start);
	tcase_add_test(tc,
	    restart_with_dependents_under_rest_for_one_restarts_those_after);
	tcase_add_test(
	    tc, restart_with_dependents_under_one_for_all_restarts_every_child);
	tcase_add_test(
	    tc, restart_with_dependents_under_one_for_one_restarts_it_alone);
	tcase_add_test(
	    tc, stop_with_dependents_stops_those_after_and_they_stay_stopped);
	tcase_add_test(tc, with_dependents_is_only_for_stop_and_restart);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return th_main(why_suite());
}
