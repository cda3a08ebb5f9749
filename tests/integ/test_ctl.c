/*
 * test_ctl.c: tendctl's commands (SPEC 5) through the real tend and
 * tendctl: status, tree and their JSON; start, stop and restart and what
 * they wait for; kill and signal and what is charged; pid, health,
 * version, help, shutdown; exit statuses 2 and 3. The socket and its
 * checks are in test_sock.c, abusive clients in test_abuse.c, events and
 * logs in test_events.c; ctltest.h holds what they share.
 *
 * Waits are on real pids, files and tendctl's own answers, with
 * deadlines that only catch a stall (harness.h); no timing is asserted.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctltest.h"

#define MISSING "/nonexistent/tend-test-missing"

/* Programs (tokens of harness.h are expanded in them). */

/* Takes 300 ms to stop after TERM: a stop that did not wait would
 * return while it still runs. */
#define SLOW_CMD                                                               \
	"sh -c 'trap \"sleep 0.3;exit 0\" TERM;echo $$ >>{D}/slow.pids;"       \
	"sleep 100000 & wait'"

/* Ignores TERM (and, with shutdown = 1h, stays stopping until killed). */
#define STUB_CMD                                                               \
	"sh -c 'trap \"\" TERM;echo $$ >>{D}/stub.pids;exec sleep 100000'"

/* Records each HUP and USR1 it gets in D/sig as "NAME hup", "NAME usr1". */
#define TRAPPER(name)                                                          \
	"sh -c 'trap \"echo " name " hup >>{D}/sig\" HUP;"                     \
	"trap \"echo " name " usr1 >>{D}/sig\" USR1;"                          \
	"echo $$ >>{D}/" name ".pids;sleep 100000 & while :;do wait;done'"

/* A program a, and a one_for_all pair db and web under back. */
#define TRIO_SECTIONS                                                          \
	"[supervisor:back]\n"                                                  \
	"strategy = one_for_all\n"                                             \
	"children = db web\n"                                                  \
	"[program:a]\n"                                                        \
	"command = {S:a}\n"                                                    \
	"[program:db]\n"                                                       \
	"command = {S:db}\n"                                                   \
	"[program:web]\n"                                                      \
	"command = {S:web}\n"

/* The trio, and a program that cannot start. */
static const char family_conf[] = "[supervisor:root]\n"
                                  "children = a back bad\n"
                                  "[program:bad]\n"
                                  "restart = temporary\n"
                                  "command = " MISSING "\n" TRIO_SECTIONS;

/* The trio alone, so that everything can start. */
static const char trio_conf[] = "[supervisor:root]\n"
                                "children = a back\n" TRIO_SECTIONS;

static void
assert_json(struct th *t, const char *doc)
{
	free(ct_py(t, doc, "import json,sys\njson.load(sys.stdin)\n"));
}

/* `tendctl ARGS` must exit want and say needle. */
static void
assert_ctl_says(struct th *t, int want, const char *args, const char *needle)
{
	char *out = ct_ctl(t, want, "%s", args);

	ct_has(out, needle, args);
	free(out);
}

/* family_conf's tend, once a, db and web run and bad has failed. */
struct family {
	struct th *t;
	struct th_run a, db, web;
};

static struct family
family_up(void)
{
	struct family f;

	f.t = th_start(family_conf);
	f.a = th_up(f.t, "a", 1);
	f.db = th_up(f.t, "db", 1);
	f.web = th_up(f.t, "web", 1);
	th_wait_file(f.t, "tend.err", "bad: could not start", DEADLINE_MS);
	return f;
}

/* `tendctl ARGS` (a status) lists exactly the paths of want ("a
 * back/web"), in that order. */
static void
assert_status_names(struct th *t, const char *args, const char *want)
{
	struct ct_row rows[8];
	char *out = ct_ctl(t, 0, "%s", args), got[8 * 513] = "";
	int n = ct_parse_status(out, rows, 8), i;
	size_t len = 0;

	for (i = 0; i < n && i < 8; i++)
		len += (size_t)snprintf(got + len, sizeof(got) - len, "%s%s",
		    i > 0 ? " " : "", rows[i].f[0]);
	ck_assert_msg(n <= 8 && strcmp(got, want) == 0,
	    "%s lists \"%s\", not \"%s\":\n%s", args, got, want, out);
	free(out);
}

struct state_arg {
	const char *path, *state;
};

static bool
in_state(struct th *t, const void *arg)
{
	const struct state_arg *s = arg;
	struct ct_row rows[8];
	bool found = false;
	char *out;
	int n, i;

	if (th_ctl(t, &out, "status %s", s->path) != 0) {
		free(out);
		return false;
	}
	n = ct_parse_status(out, rows, 8);
	for (i = 0; i < n && i < 8; i++)
		found = found || (strcmp(rows[i].f[0], s->path) == 0 &&
		                     strcmp(rows[i].f[1], s->state) == 0);
	free(out);
	return found;
}

static void
wait_state(struct th *t, const char *path, const char *state)
{
	struct state_arg s = {path, state};
	char what[256];

	snprintf(what, sizeof(what), "%s %s", path, state);
	th_wait(t, in_state, &s, DEADLINE_MS, what);
}

/* `pid NAME` answers (exit 0): the pid. */
static pid_t
pid_of(struct th *t, const char *path)
{
	char *out = ct_ctl(t, 0, "pid %s", path);
	pid_t pid = (pid_t)atoi(out);

	ck_assert_msg(pid > 0, "pid %s said: %s", path, out);
	free(out);
	return pid;
}

/* ================================================================ status */

START_TEST(status_shows_each_program_by_path_with_its_real_pid)
{
	struct family f = family_up();
	struct th *t = f.t;
	struct ct_row rows[8];
	char want[128], *out;
	int n;

	out = ct_ctl(t, 0, "status");
	n = ct_parse_status(out, rows, 8);
	ck_assert_msg(n == 4, "%d rows:\n%s", n, out);
	free(out);
	/* in tree order, each NAME its path without root/ */
	snprintf(want, sizeof(want), "a running %d * 0 -", (int)f.a.pid);
	ct_assert_row(t, "a", want);
	snprintf(want, sizeof(want), "back/db running %d * 0 -", (int)f.db.pid);
	ct_assert_row(t, "back/db", want);
	snprintf(
	    want, sizeof(want), "back/web running %d * 0 -", (int)f.web.pid);
	ct_assert_row(t, "back/web", want);
	ct_assert_row(t, "bad", "bad exited - - 0 exec:ENOENT");
	ck_assert_str_eq(rows[0].f[0], "a");
	ck_assert_str_eq(rows[1].f[0], "back/db");
	ck_assert_str_eq(rows[2].f[0], "back/web");
	ck_assert_str_eq(rows[3].f[0], "bad");
	/* an uptime is a duration */
	ck_assert_msg(rows[0].f[3][0] >= '0' && rows[0].f[3][0] <= '9',
	    "uptime %s", rows[0].f[3]);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(last_exit_is_one_token_for_every_kind_of_end)
{
	struct th *t = th_start("[program:code]\n"
	                        "restart = temporary\n"
	                        "command = sh -c 'exit 3'\n"
	                        "[program:sig]\n"
	                        "restart = temporary\n"
	                        "command = {S:sig}\n"
	                        "[program:enoent]\n"
	                        "restart = temporary\n"
	                        "command = " MISSING "\n"
	                        "[program:eacces]\n"
	                        "restart = temporary\n"
	                        "command = {D}/tend.conf\n"
	                        "[program:up]\n"
	                        "command = {S:up}\n");
	struct th_run s = th_up(t, "sig", 1);

	(void)th_up(t, "up", 1);
	ck_assert_int_eq(kill(s.pid, SIGUSR1), 0);
	wait_state(t, "sig", "exited");
	wait_state(t, "code", "exited");
	wait_state(t, "enoent", "exited");
	wait_state(t, "eacces", "exited");
	ct_assert_row(t, "code", "code exited - - 0 exit:3");
	ct_assert_row(t, "sig", "sig exited - - 0 signal:USR1");
	ct_assert_row(t, "enoent", "enoent exited - - 0 exec:ENOENT");
	ct_assert_row(t, "eacces", "eacces exited - - 0 exec:EACCES");
	ct_assert_row(t, "up", "up running * * 0 -");
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(status_names_show_only_their_subtrees)
{
	struct th *t = th_start(family_conf);

	(void)th_up(t, "web", 1);
	assert_status_names(t, "status back", "back/db back/web");
	/* a bare name, a path from the root, a program of a subtree */
	assert_status_names(t, "status a root/back/web", "a back/web");
	assert_status_names(t, "status db", "back/db");
	assert_status_names(t, "status all", "a back/db back/web bad");
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(status_shows_a_long_path_whole)
{
	/* a 64-byte supervisor name: the path is 69 bytes */
	static const char name[] =
	    "s123456789012345678901234567890123456789012345678901234567890123";
	char conf[512], path[128], want[256];
	struct th *t;
	struct th_run p;

	ck_assert_uint_eq(strlen(name), 64);
	snprintf(conf, sizeof(conf),
	    "[supervisor:root]\n"
	    "children = %s\n"
	    "[supervisor:%s]\n"
	    "children = prog\n"
	    "[program:prog]\n"
	    "command = {S:prog}\n",
	    name, name);
	t = th_start(conf);
	p = th_up(t, "prog", 1);
	snprintf(path, sizeof(path), "%s/prog", name);
	snprintf(want, sizeof(want), "%s running %d * 0 -", path, (int)p.pid);
	ct_assert_row(t, path, want);
	ck_assert_int_eq(pid_of(t, path), p.pid);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(json_status_has_the_documented_fields)
{
	static const char script[] =
	    "import json,sys\n"
	    "d=json.load(sys.stdin)\n"
	    "assert d['schema']==1,d\n"
	    "for p in d['programs']:\n"
	    "  print(p['path'],p['name'],p['supervisor'],p['state'],p['pid'],"
	    "type(p['uptime_ms']).__name__,p['restarts'],p['last_exit'])\n";
	struct family f = family_up();
	struct th *t = f.t;
	char want[512], *got;

	got = ct_ctl_py(t, 0, "--json status", script);
	snprintf(want, sizeof(want),
	    "a a root running %d int 0 None\n"
	    "back/db db back running %d int 0 None\n"
	    "back/web web back running %d int 0 None\n"
	    "bad bad root exited None NoneType 0 exec:ENOENT\n",
	    (int)f.a.pid, (int)f.db.pid, (int)f.web.pid);
	ck_assert_str_eq(got, want);
	free(got);
	/* an option may come after the command */
	got = ct_ctl_py(t, 0, "status back --json", script);
	ct_lacks(got, "bad", "status back --json");
	ct_has(got, "back/web web back running", "status back --json");
	free(got);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

/* ================================================================== tree */

START_TEST(tree_draws_supervisors_with_strategies_and_programs_with_states)
{
	struct family f = family_up();
	struct th *t = f.t;
	char want[1024], *out;

	out = ct_ctl(t, 0, "tree");
	snprintf(want, sizeof(want),
	    "root  one_for_one  running\n"
	    "├─ a  running  pid %d\n"
	    "├─ back  one_for_all  running\n"
	    "│  ├─ db  running  pid %d\n"
	    "│  └─ web  running  pid %d\n"
	    "└─ bad  exited\n",
	    (int)f.a.pid, (int)f.db.pid, (int)f.web.pid);
	ck_assert_str_eq(out, want);
	free(out);
	free(ct_ctl(t, 0, "stop back"));
	out = ct_ctl(t, 0, "tree");
	snprintf(want, sizeof(want),
	    "root  one_for_one  running\n"
	    "├─ a  running  pid %d\n"
	    "├─ back  one_for_all  stopped\n"
	    "│  ├─ db  stopped\n"
	    "│  └─ web  stopped\n"
	    "└─ bad  exited\n",
	    (int)f.a.pid);
	ck_assert_str_eq(out, want);
	free(out);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(json_tree_nests_the_tree_with_the_documented_fields)
{
	static const char script[] =
	    "import json,sys\n"
	    "d=json.load(sys.stdin)\n"
	    "assert d['schema']==1,d\n"
	    "def f(n):\n"
	    "  if n['kind']=='supervisor':\n"
	    "    return '%s(%s,%s,%s)[%s]'%(n['name'],n['path'],n['strategy'],"
	    "n['state'],' '.join(f(c) for c in n['children']))\n"
	    "  assert n['kind']=='program',n\n"
	    "  return '%s(%s,%s,%s,%s)'%(n['name'],n['path'],n['state'],"
	    "n['pid'],n['restarts'])\n"
	    "print(f(d['tree']))\n";
	struct family f = family_up();
	struct th *t = f.t;
	char want[1024], *got;

	got = ct_ctl_py(t, 0, "--json tree", script);
	snprintf(want, sizeof(want),
	    "root(root,one_for_one,running)[a(a,running,%d,0) "
	    "back(back,one_for_all,running)[db(back/db,running,%d,0) "
	    "web(back/web,running,%d,0)] bad(bad,exited,None,0)]\n",
	    (int)f.a.pid, (int)f.db.pid, (int)f.web.pid);
	ck_assert_str_eq(got, want);
	free(got);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(every_json_document_is_valid_json)
{
	static const char *const cmds[] = {"status", "tree", "health",
	    "health --alive", "pid a", "version", "stop a", "start a",
	    "restart a", "signal HUP back", "status nothing-here-at-all"};
	struct th *t = th_start(trio_conf);
	char *out, *got;
	size_t i;

	(void)th_up(t, "a", 1);
	(void)th_up(t, "web", 1);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		int st = th_ctl(t, &out, "--json %s", cmds[i]);

		if (st == 0)
			assert_json(t, out);
		else /* an error is said on stderr, not as JSON */
			ck_assert_msg(i == sizeof(cmds) / sizeof(cmds[0]) - 1,
			    "--json %s: exit %d:\n%s", cmds[i], st, out);
		free(out);
	}
	got = ct_ctl_py(t, 0, "--json pid a",
	    "import json,sys\nd=json.load(sys.stdin)\n"
	    "print(d['schema'],d['path'],d['pid'])\n");
	out = NULL;
	ck_assert_int_gt(asprintf(&out, "1 a %d\n", (int)pid_of(t, "a")), 0);
	ck_assert_str_eq(got, out);
	free(got);
	free(out);
	got = ct_ctl_py(t, 0, "--json stop a",
	    "import json,sys\nd=json.load(sys.stdin)\nprint(d['ok'])\n");
	ck_assert_str_eq(got, "True\n");
	free(got);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

/* ===================================================== start, stop, restart */

START_TEST(stop_returns_once_the_process_is_gone)
{
	struct th *t = th_start("[program:slow]\n"
	                        "command = " SLOW_CMD "\n");
	struct th_run s = th_up(t, "slow", 1);
	char *out;

	free(ct_ctl(t, 0, "stop slow"));
	ck_assert_msg(!th_run_alive(&s), "slow still runs after stop returned");
	ct_assert_row(t, "slow", "slow stopped - - 0 exit:0");
	/* a stopped program: stopping it again does nothing, exits 0 */
	out = ct_ctl(t, 0, "stop slow");
	free(out);
	ct_assert_row(t, "slow", "slow stopped - - 0 exit:0");
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(restart_returns_once_a_new_process_runs)
{
	struct th *t = th_start("[program:slow]\n"
	                        "command = " SLOW_CMD "\n");
	struct th_run old = th_up(t, "slow", 1), new;
	pid_t pid;
	char want[128];

	free(ct_ctl(t, 0, "restart slow"));
	ck_assert_msg(
	    !th_run_alive(&old), "the old slow runs after restart returned");
	pid = pid_of(t, "slow");
	ck_assert_int_ne(pid, old.pid);
	snprintf(want, sizeof(want), "slow running %d * 0 exit:0", (int)pid);
	ct_assert_row(t, "slow", want);
	new = th_up(t, "slow", 2);
	ck_assert_int_eq(new.pid, pid);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(start_returns_once_the_program_runs_and_does_nothing_if_it_runs)
{
	struct th *t = th_start("[program:x]\n"
	                        "autostart = no\n"
	                        "command = {S:x}\n");
	const struct th_run *none[2] = {NULL, NULL};
	struct th_run x;
	pid_t pid;
	char *out;

	ct_answering(t);
	ct_assert_row(t, "x", "x stopped - - 0 -");
	out = ct_ctl(t, 1, "pid x");
	free(out);
	free(ct_ctl(t, 0, "start x"));
	pid = pid_of(t, "x");
	ck_assert_msg(kill(pid, 0) == 0, "x (pid %d) is not there", (int)pid);
	ct_assert_row(t, "x", "x running * * 0 -");
	x = th_up(t, "x", 1);
	ck_assert_int_eq(x.pid, pid);
	/* a running program: start does nothing */
	free(ct_ctl(t, 0, "start x"));
	none[0] = &x;
	th_hold(t, th_all_alive, none, HOLD_MS, "x running");
	(void)th_up(t, "x", 1); /* and no second run */
	ck_assert_int_eq(pid_of(t, "x"), x.pid);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(start_brings_back_an_exited_program)
{
	struct th *t = th_start("[program:once]\n"
	                        "restart = temporary\n"
	                        "command = sh -c 'echo $$ >>{D}/once.pids;"
	                        "test -e {D}/once.again && exec sleep 100000;"
	                        "touch {D}/once.again;exit 3'\n");

	wait_state(t, "once", "exited");
	free(ct_ctl(t, 0, "start once"));
	(void)th_up(t, "once", 2);
	ct_assert_row(t, "once", "once running * * 0 exit:3");
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(stop_and_start_of_a_supervisor_act_on_its_subtree)
{
	struct th *t = th_start(trio_conf);
	struct th_run a = th_up(t, "a", 1), db = th_up(t, "db", 1),
	              web = th_up(t, "web", 1);
	const struct th_run *keep[2] = {&a, NULL};
	pid_t pdb, pweb;

	free(ct_ctl(t, 0, "stop back"));
	ck_assert(!th_run_alive(&db));
	ck_assert(!th_run_alive(&web));
	ck_assert(th_run_alive(&a));
	ct_assert_row(t, "back/db", "back/db stopped - - 0 *");
	ct_assert_row(t, "back/web", "back/web stopped - - 0 *");
	free(ct_ctl(t, 0, "start back"));
	pdb = pid_of(t, "back/db");
	pweb = pid_of(t, "web");
	ck_assert(kill(pdb, 0) == 0 && kill(pweb, 0) == 0);
	ct_assert_row(t, "back/db", "back/db running * * 0 *");
	ct_assert_row(t, "back/web", "back/web running * * 0 *");
	ck_assert_int_eq(th_up(t, "db", 2).pid, pdb);
	ck_assert_int_eq(th_up(t, "web", 2).pid, pweb);
	/* restart: both again */
	free(ct_ctl(t, 0, "restart back"));
	ck_assert_int_eq(th_up(t, "db", 3).pid, pid_of(t, "db"));
	ck_assert_int_eq(th_up(t, "web", 3).pid, pid_of(t, "web"));
	ct_assert_row(t, "back/db", "back/db running * * 0 *");
	th_hold(t, th_all_alive, keep, HOLD_MS, "a untouched");
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(stop_all_stops_every_program_and_tend_keeps_running)
{
	struct th *t = th_start(trio_conf);
	struct th_run a = th_up(t, "a", 1), db = th_up(t, "db", 1),
	              web = th_up(t, "web", 1);

	free(ct_ctl(t, 0, "stop all"));
	ck_assert(
	    !th_run_alive(&a) && !th_run_alive(&db) && !th_run_alive(&web));
	ck_assert_msg(!th_exited(t), "tend exited after stop all");
	ct_assert_row(t, "a", "a stopped - - 0 *");
	ct_assert_row(t, "back/web", "back/web stopped - - 0 *");
	free(ct_ctl(t, 0, "start all"));
	ck_assert_int_eq(th_up(t, "a", 2).pid, pid_of(t, "a"));
	ck_assert_int_eq(th_up(t, "db", 2).pid, pid_of(t, "db"));
	ck_assert_int_eq(th_up(t, "web", 2).pid, pid_of(t, "web"));
	free(ct_ctl(t, 0, "restart all"));
	ck_assert_int_eq(th_up(t, "a", 3).pid, pid_of(t, "a"));
	ck_assert_int_eq(th_up(t, "db", 3).pid, pid_of(t, "db"));
	ck_assert_int_eq(th_up(t, "web", 3).pid, pid_of(t, "web"));
	ct_assert_row(t, "a", "a running * * 0 *");
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

/* The stub: stop it for good (it ignores TERM for an hour). */
static void
end_stub(struct th *t)
{
	free(ct_ctl(t, 0, "--no-wait stop stub"));
	free(ct_ctl(t, 0, "kill stub"));
	wait_state(t, "stub", "stopped");
}

START_TEST(no_wait_returns_while_the_stop_is_still_going_on)
{
	struct th *t = th_start("[program:stub]\n"
	                        "shutdown = 1h\n"
	                        "command = " STUB_CMD "\n");
	struct th_run s = th_up(t, "stub", 1);
	char *out;

	out = ct_ctl(t, 0, "--no-wait stop stub");
	free(out);
	ck_assert_msg(th_run_alive(&s), "stub is gone");
	ct_assert_row(t, "stub", "stub stopping * * 0 -");
	/* a waiting stop waits: here until its timeout */
	out = ct_ctl(t, 1, "--timeout 500ms stop stub");
	ct_has(out, "timed out", "stop --timeout");
	ct_has(out, "stub", "stop --timeout");
	free(out);
	ck_assert(th_run_alive(&s));
	free(ct_ctl(t, 0, "kill stub"));
	th_wait_gone(t, s.pid, s.start, DEADLINE_MS);
	wait_state(t, "stub", "stopped");
	/* restart --no-wait: back at once, the old one still stopping */
	free(ct_ctl(t, 0, "start stub"));
	s = th_up(t, "stub", 2);
	free(ct_ctl(t, 0, "--no-wait restart stub"));
	ck_assert(th_run_alive(&s));
	ct_assert_row(t, "stub", "stub stopping * * 0 *");
	free(ct_ctl(t, 0, "kill stub"));
	(void)th_up(t, "stub", 3);
	wait_state(t, "stub", "running");
	end_stub(t);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(a_start_waits_for_the_start_sequence_or_times_out_with_exit_1)
{
	/*
	 * rest_for_one waits for gate before after (SPEC 11); gate cannot
	 * exec until the test writes {D}/gate.
	 */
	struct th *t = th_start("[supervisor:root]\n"
	                        "children = a gated\n"
	                        "[supervisor:gated]\n"
	                        "strategy = rest_for_one\n"
	                        "intensity = infinity\n"
	                        "children = gate after\n"
	                        "[program:a]\n"
	                        "command = {S:a}\n"
	                        "[program:gate]\n"
	                        "backoff = 100ms..100ms\n"
	                        "command = {D}/gate\n"
	                        "[program:after]\n"
	                        "command = {S:after}\n");
	char *out, *tmp, *gate;
	pid_t pids[4];
	FILE *f;

	(void)th_up(t, "a", 1);
	th_wait_file(t, "tend.err", "gate: cannot start", DEADLINE_MS);
	out = ct_ctl(t, 1, "--timeout=1s start gated");
	ct_has(out, "timed out", "start --timeout");
	ct_has(out, "gated", "start --timeout");
	free(out);
	ck_assert_int_eq(th_pids(t, "after", pids, 4), 0);
	/* now gate can start: start returns once after runs */
	tmp = ct_path(t, "gate.tmp");
	gate = ct_path(t, "gate");
	f = fopen(tmp, "we");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "#!/bin/sh\necho $$ >>%s/gate.pids\nexec sleep 100000\n",
	    th_dir(t));
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(chmod(tmp, 0755), 0);
	ck_assert_int_eq(rename(tmp, gate), 0);
	free(ct_ctl(t, 0, "start gated"));
	ck_assert_msg(kill(pid_of(t, "gated/after"), 0) == 0, "after is gone");
	ct_assert_row(t, "gated/after", "gated/after running * * 0 -");
	(void)th_up(t, "after", 1);
	(void)th_up(t, "gate", 1);
	free(tmp);
	free(gate);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(several_names_with_one_unknown_exit_3_and_nothing_is_done)
{
	struct th *t = th_start("[program:a]\n"
	                        "command = {S:a}\n"
	                        "[program:b]\n"
	                        "command = {S:b}\n"
	                        "[program:x]\n"
	                        "autostart = no\n"
	                        "command = {S:x}\n");
	struct th_run a = th_up(t, "a", 1), b = th_up(t, "b", 1);
	const struct th_run *keep[3] = {&a, &b, NULL};
	static const char *const cmds[] = {"stop a nope b", "restart a b nope",
	    "kill nope a", "signal TERM a nope", "start x nope",
	    "status a nope"};
	size_t i;
	char *out;
	pid_t pids[4];

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		out = ct_ctl(t, 3, "%s", cmds[i]);
		ct_has(out, "nope", cmds[i]);
		free(out);
	}
	th_hold(t, th_all_alive, keep, HOLD_MS, "a and b running");
	ck_assert_int_eq(th_pids(t, "a", pids, 4), 1);
	ck_assert_int_eq(th_pids(t, "b", pids, 4), 1);
	ck_assert_int_eq(th_pids(t, "x", pids, 4), 0);
	ct_assert_row(t, "x", "x stopped - - 0 -");
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

/* ===================================================== kill, signal, charge */

START_TEST(kill_is_a_crash_the_strategy_answers_and_restarts_count_it)
{
	struct th *t = th_start(trio_conf);
	struct th_run a = th_up(t, "a", 1), db = th_up(t, "db", 1),
	              web = th_up(t, "web", 1);
	const struct th_run *keep[2] = {&a, NULL};
	char want[128];

	free(ct_ctl(t, 0, "kill db"));
	th_wait_gone(t, db.pid, db.start, DEADLINE_MS);
	th_wait_gone(t, web.pid, web.start, DEADLINE_MS);
	db = th_up(t, "db", 2);
	web = th_up(t, "web", 2);
	wait_state(t, "back/web", "running");
	/* one_for_all: both restarted, both counted */
	snprintf(want, sizeof(want), "back/db running %d * 1 signal:KILL",
	    (int)db.pid);
	ct_assert_row(t, "back/db", want);
	snprintf(want, sizeof(want), "back/web running %d * 1 signal:TERM",
	    (int)web.pid);
	ct_assert_row(t, "back/web", want);
	snprintf(want, sizeof(want), "a running %d * 0 -", (int)a.pid);
	ct_assert_row(t, "a", want);
	th_hold(t, th_all_alive, keep, HOLD_MS, "a untouched");
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(kill_is_charged_to_the_restart_intensity)
{
	struct th *t = th_start("[supervisor:root]\n"
	                        "intensity = 1\n"
	                        "period = 1h\n"
	                        "[program:a]\n"
	                        "command = {S:a}\n");

	(void)th_up(t, "a", 1);
	free(ct_ctl(t, 0, "kill a"));
	(void)th_up(t, "a", 2);
	wait_state(t, "a", "running");
	ct_assert_row(t, "a", "a running * * 1 signal:KILL");
	free(ct_ctl(t, 0, "kill a"));
	ck_assert_int_eq(th_wait_exit(t, DEADLINE_MS), 3);
	th_assert_stderr_has(t, "root: giving up");
	ck_assert_int_eq(th_stop(t), 3);
}
END_TEST

START_TEST(operator_restarts_are_not_charged_and_not_counted)
{
	struct th *t = th_start("[supervisor:root]\n"
	                        "intensity = 1\n"
	                        "period = 1h\n"
	                        "[program:a]\n"
	                        "command = {S:a}\n"
	                        "[program:b]\n"
	                        "command = {S:b}\n");
	char *err;
	int i;

	(void)th_up(t, "a", 1);
	(void)th_up(t, "b", 1);
	for (i = 2; i <= 4; i++) {
		free(ct_ctl(t, 0, "restart a"));
		(void)th_up(t, "a", i);
	}
	free(ct_ctl(t, 0, "stop a b"));
	free(ct_ctl(t, 0, "start a b"));
	(void)th_up(t, "a", 5);
	(void)th_up(t, "b", 2);
	ck_assert_msg(!th_exited(t), "tend exited");
	ct_assert_row(t, "a", "a running * * 0 *");
	ct_assert_row(t, "b", "b running * * 0 *");
	free(ct_ctl(t, 0, "health"));
	err = th_stderr(t);
	ct_lacks(err, "giving up", "tend's stderr");
	free(err);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

static int
count_in_file(struct th *t, const char *file, const char *needle)
{
	char *s = th_read(t, file);
	int n = s != NULL ? th_occurrences(s, needle) : 0;

	free(s);
	return n;
}

struct count_arg {
	const char *file, *needle;
	int n;
};

static bool
file_count_is(struct th *t, const void *arg)
{
	const struct count_arg *c = arg;

	return count_in_file(t, c->file, c->needle) == c->n;
}

/* Send with tendctl, then wait until D/sig holds n lines "needle". */
static void
signal_and_see(struct th *t, const char *cmd, const char *needle, int n)
{
	struct count_arg c = {"sig", needle, n};
	char what[256];

	free(ct_ctl(t, 0, "%s", cmd));
	snprintf(
	    what, sizeof(what), "%d \"%s\" in D/sig after %s", n, needle, cmd);
	th_wait(t, file_count_is, &c, DEADLINE_MS, what);
}

START_TEST(signal_sends_the_signal_to_the_main_process_and_nothing_else)
{
	struct th *t =
	    th_start("[supervisor:root]\n"
	             "children = h grp\n"
	             "[supervisor:grp]\n"
	             "children = h2 h3\n"
	             "[program:h]\n"
	             "command = " TRAPPER("h") "\n"
	                                       "[program:h2]\n"
	                                       "command = " TRAPPER(
	                                           "h2") "\n"
	                                                 "[program:h3]\n"
	                                                 "autostart = no\n"
	                                                 "command = " TRAPPER(
	                                                     "h3") "\n");
	struct th_run h = th_up(t, "h", 1), h2 = th_up(t, "h2", 1);
	const struct th_run *keep[3] = {&h, &h2, NULL};
	char cmd[64], *out;

	signal_and_see(t, "signal HUP h", "h hup\n", 1);
	signal_and_see(t, "signal -HUP h", "h hup\n", 2);
	signal_and_see(t, "signal SIGHUP h", "h hup\n", 3);
	snprintf(cmd, sizeof(cmd), "signal %d h", SIGHUP);
	signal_and_see(t, cmd, "h hup\n", 4);
	snprintf(cmd, sizeof(cmd), "signal -%d h", SIGUSR1);
	signal_and_see(t, cmd, "h usr1\n", 1);
	/* a supervisor: each running program of its subtree */
	signal_and_see(t, "signal USR1 grp", "h2 usr1\n", 1);
	ck_assert_int_eq(count_in_file(t, "sig", "h usr1\n"), 1);
	ck_assert_int_eq(count_in_file(t, "sig", "h3"), 0);
	/* a program that is not running */
	assert_ctl_says(t, 1, "signal HUP h3", "h3");
	out = ct_ctl(t, 2, "signal NOSUCHSIGNAL h");
	free(out);
	th_hold(t, th_all_alive, keep, HOLD_MS, "h and h2 running");
	ct_assert_row(t, "h", "h running * * 0 -");
	ct_assert_row(t, "grp/h2", "grp/h2 running * * 0 -");
	(void)th_up(t, "h", 1);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(
    a_failed_operator_start_exits_1_leaves_it_stopped_and_charges_nothing)
{
	/* intensity 0: a single charged restart would end tend */
	struct th *t = th_start("[supervisor:root]\n"
	                        "intensity = 0\n"
	                        "[program:a]\n"
	                        "command = {S:a}\n"
	                        "[program:bad]\n"
	                        "autostart = no\n"
	                        "command = {D}/missing\n");
	struct th_run a = th_up(t, "a", 1);
	const struct th_run *keep[2] = {&a, NULL};

	assert_ctl_says(t, 1, "start bad", "bad");
	th_hold(t, th_all_alive, keep, HOLD_MS, "tend and a running");
	ct_assert_row(t, "bad", "bad stopped - - 0 exec:ENOENT");
	/* unhealthy until it starts or is stopped again */
	assert_ctl_says(t, 1, "health", "bad");
	free(ct_ctl(t, 0, "health --alive"));
	free(ct_ctl(t, 0, "stop bad"));
	free(ct_ctl(t, 0, "health"));
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(start_under_a_failed_supervisor_exits_1_and_start_sup_runs_it_anew)
{
	struct th *t = th_start("[supervisor:root]\n"
	                        "children = a sub\n"
	                        "[supervisor:sub]\n"
	                        "restart = transient\n"
	                        "intensity = 1\n"
	                        "period = 1h\n"
	                        "children = c\n"
	                        "[program:a]\n"
	                        "command = {S:a}\n"
	                        "[program:c]\n"
	                        "command = {S:c}\n");
	char *out;

	(void)th_up(t, "a", 1);
	(void)th_up(t, "c", 1);
	free(ct_ctl(t, 0, "kill c"));
	(void)th_up(t, "c", 2);
	wait_state(t, "sub/c", "running");
	free(ct_ctl(t, 0, "kill c"));
	th_wait_file(t, "tend.err", "sub: giving up", DEADLINE_MS);
	assert_ctl_says(t, 0, "tree", "sub  one_for_one  failed");
	out = ct_ctl(t, 1, "start c");
	ct_has(out, "sub", "start c");
	ct_has(out, "failed", "start c");
	free(out);
	assert_ctl_says(t, 1, "health", "sub");
	assert_ctl_says(t, 1, "health --alive", "sub");
	/* start SUP: its start sequence, with a clear history */
	free(ct_ctl(t, 0, "start sub"));
	(void)th_up(t, "c", 3);
	free(ct_ctl(t, 0, "health --alive"));
	free(ct_ctl(t, 0, "health"));
	free(ct_ctl(t, 0, "kill c")); /* one restart allowed again */
	(void)th_up(t, "c", 4);
	wait_state(t, "sub/c", "running");
	assert_ctl_says(t, 0, "tree", "sub  one_for_one  running");
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

/* ==================================================================== pid */

START_TEST(pid_prints_the_main_pid_of_a_program_only)
{
	struct family f = family_up();
	struct th *t = f.t;

	ck_assert_int_eq(pid_of(t, "a"), f.a.pid);
	ck_assert_int_eq(pid_of(t, "back/db"), f.db.pid);
	ck_assert_int_eq(pid_of(t, "db"), f.db.pid);
	assert_ctl_says(t, 1, "pid back", "supervisor");
	free(ct_ctl(t, 1, "pid bad"));
	free(ct_ctl(t, 3, "pid nope"));
	free(ct_ctl(t, 2, "pid"));
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

/* ================================================================= health */

START_TEST(health_is_0_when_everything_is_as_it_should_be)
{
	struct th *t = th_start("[program:a]\n"
	                        "command = {S:a}\n"
	                        "[program:idle]\n"
	                        "autostart = no\n"
	                        "command = {S:idle}\n"
	                        "[program:x]\n"
	                        "command = {S:x}\n"
	                        "[program:done]\n"
	                        "restart = transient\n"
	                        "command = true\n");
	char *out, *got;

	(void)th_up(t, "a", 1);
	(void)th_up(t, "x", 1);
	th_wait_file(t, "tend.err", "done: exited with status 0; not restarted",
	    DEADLINE_MS);
	free(ct_ctl(t, 0, "stop x"));
	out = ct_ctl(t, 0, "health");
	ck_assert_str_eq(out, "healthy\n");
	free(out);
	free(ct_ctl(t, 0, "health --alive"));
	got = ct_ctl_py(t, 0, "--json health",
	    "import json,sys\nd=json.load(sys.stdin)\n"
	    "print(d['schema'],d['healthy'],d['unhealthy'])\n");
	ck_assert_str_eq(got, "1 True []\n");
	free(got);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(health_is_1_naming_abnormal_exits_and_backoff_while_alive_is_0)
{
	struct th *t = th_start("[program:a]\n"
	                        "command = {S:a}\n"
	                        "[program:bad]\n"
	                        "restart = temporary\n"
	                        "command = " MISSING "\n"
	                        "[program:crash]\n"
	                        "backoff = 1h..1h\n"
	                        "command = sh -c 'exit 1'\n");
	char *out, *got;

	(void)th_up(t, "a", 1);
	wait_state(t, "bad", "exited");
	wait_state(t, "crash", "backoff");
	out = ct_ctl(t, 1, "health");
	ct_has(out, "bad", "health");
	ct_has(out, "crash", "health");
	ct_lacks(out, "a:", "health");
	ct_lacks(out, "healthy\n", "health");
	free(out);
	free(ct_ctl(t, 0, "health --alive"));
	got = ct_ctl_py(t, 1, "--json health",
	    "import json,sys\nd=json.load(sys.stdin)\n"
	    "print(d['healthy'],' '.join(u['path']+':'+u['state'] for u in "
	    "d['unhealthy']))\n");
	ck_assert_str_eq(got, "False bad:exited crash:backoff\n");
	free(got);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(stopping_is_healthy_only_when_an_operator_asked_for_it)
{
	struct th *t = th_start("[supervisor:root]\n"
	                        "strategy = one_for_all\n"
	                        "children = stub b\n"
	                        "[program:stub]\n"
	                        "shutdown = 1h\n"
	                        "command = " STUB_CMD "\n"
	                        "[program:b]\n"
	                        "command = {S:b}\n");
	struct th_run s = th_up(t, "stub", 1), b = th_up(t, "b", 1);
	char *out;

	free(ct_ctl(t, 0, "--no-wait stop stub"));
	ct_assert_row(t, "stub", "stub stopping * * 0 *");
	out = ct_ctl(t, 0, "health");
	ck_assert_str_eq(out, "healthy\n");
	free(out);
	free(ct_ctl(t, 0, "kill stub"));
	wait_state(t, "stub", "stopped");
	free(ct_ctl(t, 0, "start stub"));
	s = th_up(t, "stub", 2);
	/* a crash of b makes one_for_all stop stub: not an operator's stop */
	ck_assert_int_eq(kill(b.pid, SIGKILL), 0);
	wait_state(t, "stub", "stopping");
	assert_ctl_says(t, 1, "health", "stub");
	free(ct_ctl(t, 0, "health --alive"));
	ck_assert(th_run_alive(&s));
	free(ct_ctl(t, 0, "kill stub"));
	(void)th_up(t, "stub", 3);
	(void)th_up(t, "b", 2);
	wait_state(t, "stub", "running");
	end_stub(t);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(a_temporary_program_stopped_by_a_siblings_restart_is_healthy)
{
	struct th *t = th_start("[supervisor:root]\n"
	                        "strategy = one_for_all\n"
	                        "children = a tmp b\n"
	                        "[program:a]\n"
	                        "command = {S:a}\n"
	                        "[program:tmp]\n"
	                        "restart = temporary\n"
	                        "command = {S:tmp}\n"
	                        "[program:b]\n"
	                        "command = {S:b}\n");
	struct th_run tmp = th_up(t, "tmp", 1), b = th_up(t, "b", 1);
	char *out;

	(void)th_up(t, "a", 1);
	free(ct_ctl(t, 0, "kill b"));
	th_wait_gone(t, b.pid, b.start, DEADLINE_MS);
	th_wait_gone(t, tmp.pid, tmp.start, DEADLINE_MS);
	(void)th_up(t, "a", 2);
	(void)th_up(t, "b", 2);
	wait_state(t, "b", "running");
	out = ct_ctl(t, 0, "health");
	ck_assert_str_eq(out, "healthy\n");
	free(out);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

/* ============================================== version, help, shutdown */

START_TEST(version_names_tendctl_and_the_tend_it_reaches)
{
	struct th *t = th_start("[program:a]\n"
	                        "command = {S:a}\n");
	char want[128], *out, *got;

	ct_answering(t);
	snprintf(
	    want, sizeof(want), "(pid %d, protocol 1)", (int)th_tend_pid(t));
	out = ct_ctl(t, 0, "version");
	ct_has(out, "tendctl ", "version");
	ct_has(out, want, "version");
	free(out);
	out = ct_ctl(t, 0, "--version");
	ct_has(out, want, "--version");
	free(out);
	got = ct_ctl_py(t, 0, "--json version",
	    "import json,sys\nd=json.load(sys.stdin)\n"
	    "print(d['tend']['pid'],d['tend']['protocol'],"
	    "d['tend']['version']==d['tendctl'])\n");
	snprintf(want, sizeof(want), "%d 1 True\n", (int)th_tend_pid(t));
	ck_assert_str_eq(got, want);
	free(got);
	/* no tend: still exit 0, saying so */
	out = ct_ctl(t, 0, "-s %s/none.sock version", th_dir(t));
	ct_has(out, "not reachable", "version without tend");
	free(out);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(help_prints_the_usage_with_every_command_and_exits_0)
{
	static const char *const words[] = {"status", "tree", "start", "stop",
	    "restart", "signal", "kill", "pid", "events", "health", "logs",
	    "shutdown", "version", "--timeout", "--json", "-s SOCKET"};
	static const char *const ways[] = {"help", "-h", "--help"};
	struct th *t = th_new("[program:a]\n"
	                      "command = {S:a}\n");
	size_t i, k;
	char *out;

	/* no tend needed */
	for (k = 0; k < sizeof(ways) / sizeof(ways[0]); k++) {
		out = ct_ctl(t, 0, "%s", ways[k]);
		ct_has(out, "usage: tendctl", ways[k]);
		for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
			ct_has(out, words[i], ways[k]);
		free(out);
	}
	th_stop(t);
}
END_TEST

START_TEST(shutdown_ends_tend_with_status_0_and_leaves_no_program)
{
	struct th *t = th_start(trio_conf);
	char *out;

	(void)th_up(t, "a", 1);
	(void)th_up(t, "web", 1);
	free(ct_ctl(t, 0, "shutdown"));
	ck_assert_int_eq(th_wait_exit(t, DEADLINE_MS), 0);
	ck_assert_int_eq(th_procs_alive(t), 0);
	/* and then nobody answers */
	out = ct_ctl(t, 4, "status");
	free(out);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

/* ========================================================== exit statuses */

START_TEST(usage_errors_exit_2_and_do_nothing)
{
	static const char *const cmds[] = {"frobnicate", "--frobnicate status",
	    "--timeout soon start a", "start a --timeout",
	    "--timeout=", "start", "stop", "restart", "kill", "signal",
	    "signal HUP", "signal NOSUCHSIGNAL a", "pid", "pid a b", "logs", "",
	    "-s"};
	struct th *t = th_start("[program:a]\n"
	                        "command = {S:a}\n");
	struct th_run a = th_up(t, "a", 1);
	const struct th_run *keep[2] = {&a, NULL};
	size_t i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		free(ct_ctl(t, 2, "%s", cmds[i]));
	th_hold(t, th_all_alive, keep, HOLD_MS, "a running");
	(void)th_up(t, "a", 1);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(unknown_names_exit_3)
{
	static const char *const cmds[] = {"status nope", "start nope",
	    "stop nope", "restart nope", "kill nope", "signal HUP nope",
	    "pid nope", "logs nope", "status root/nope", "status a/a",
	    "status back/a"};
	struct th *t = th_start(trio_conf);
	size_t i;
	char *out;

	(void)th_up(t, "web", 1);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		out = ct_ctl(t, 3, "%s", cmds[i]);
		ct_has(out, "no such program or supervisor", cmds[i]);
		free(out);
	}
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

/* ====================================================== found by these tests
 */

/*
 * Two requests that tend reads in one turn of its loop: tend is stopped
 * (SIGSTOP) while both connect and send, then continued. Their replies.
 */
static void
same_turn(
    struct th *t, const char *first, const char *second, char **r1, char **r2)
{
	int fd1, fd2;
	bool eof;

	th_signal(t, SIGSTOP);
	fd1 = ct_raw_connect(t);
	(void)ct_raw_send(fd1, first, strlen(first), DEADLINE_MS);
	fd2 = ct_raw_connect(t);
	(void)ct_raw_send(fd2, second, strlen(second), DEADLINE_MS);
	th_signal(t, SIGCONT);
	*r1 = th_drain(fd1, th_now_ms() + DEADLINE_MS, &eof, NULL);
	*r2 = th_drain(fd2, th_now_ms() + DEADLINE_MS, &eof, NULL);
	close(fd1);
	close(fd2);
}

START_TEST(a_stop_read_in_the_same_turn_as_a_start_stops_the_program)
{
	/*
	 * A start queues the program's spawn for the end of the loop's
	 * turn; a stop read in the same turn must still stop it, not leave
	 * it "stopping" with no process (which also hangs tend's shutdown).
	 * libev reads the later connection first: the start, then the stop.
	 */
	struct th *t = th_start("[program:a]\n"
	                        "command = {S:a}\n"
	                        "[program:x]\n"
	                        "autostart = no\n"
	                        "command = {S:x}\n");
	char *rstop, *rstart;

	(void)th_up(t, "a", 1);
	same_turn(t, "TEND/1 stop timeout=2000ms x\n",
	    "TEND/1 start wait=0 x\n", &rstop, &rstart);
	ck_assert_msg(strcmp(rstart, "TEND/1 OK\n.\n") == 0,
	    "the start's reply: %s", rstart);
	ck_assert_msg(
	    strstr(rstop, "stopping") == NULL, "the stop's reply: %s", rstop);
	free(rstop);
	free(rstart);
	/* whichever came first, x settles, and a stop stops it */
	free(ct_ctl(t, 0, "--timeout 5s stop x"));
	ct_assert_row(t, "x", "x stopped - - 0 *");
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(a_waiting_stop_ends_when_another_client_starts_the_program)
{
	/*
	 * As a waiting start ends with "stopped meanwhile", a waiting stop
	 * must end when someone else starts the program again, not wait
	 * out its --timeout (60 s by default).
	 */
	struct th *t = th_start("[program:stub]\n"
	                        "shutdown = 1h\n"
	                        "command = " STUB_CMD "\n");
	struct th_stream bg;
	int st;

	(void)th_up(t, "stub", 1);
	th_stream_ctl(t, &bg, "stop stub"); /* stub ignores TERM */
	wait_state(t, "stub", "stopping");
	free(ct_ctl(t, 0, "--no-wait start stub"));
	free(ct_ctl(t, 0, "kill stub"));
	(void)th_up(t, "stub", 2);
	wait_state(t, "stub", "running");
	st = th_stream_finish(&bg, DEADLINE_MS);
	ck_assert_msg(st == 0 || st == 1, "stop: exit %d:\n%s", st, bg.buf);
	ct_lacks(bg.buf, "timed out", "the stop's answer");
	free(bg.buf);
	end_stub(t);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

static Suite *
ctl_suite(void)
{
	Suite *s = suite_create("integ_ctl");
	TCase *tc = tcase_create("ctl");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, NULL, th_stop_all);
	tcase_add_test(tc, status_shows_each_program_by_path_with_its_real_pid);
	tcase_add_test(tc, last_exit_is_one_token_for_every_kind_of_end);
	tcase_add_test(tc, status_names_show_only_their_subtrees);
	tcase_add_test(tc, status_shows_a_long_path_whole);
	tcase_add_test(tc, json_status_has_the_documented_fields);
	tcase_add_test(tc,
	    tree_draws_supervisors_with_strategies_and_programs_with_states);
	tcase_add_test(tc, json_tree_nests_the_tree_with_the_documented_fields);
	tcase_add_test(tc, every_json_document_is_valid_json);
	tcase_add_test(tc, stop_returns_once_the_process_is_gone);
	tcase_add_test(tc, restart_returns_once_a_new_process_runs);
	tcase_add_test(tc,
	    start_returns_once_the_program_runs_and_does_nothing_if_it_runs);
	tcase_add_test(tc, start_brings_back_an_exited_program);
	tcase_add_test(tc, stop_and_start_of_a_supervisor_act_on_its_subtree);
	tcase_add_test(tc, stop_all_stops_every_program_and_tend_keeps_running);
	tcase_add_test(tc, no_wait_returns_while_the_stop_is_still_going_on);
	tcase_add_test(
	    tc, a_start_waits_for_the_start_sequence_or_times_out_with_exit_1);
	tcase_add_test(
	    tc, several_names_with_one_unknown_exit_3_and_nothing_is_done);
	tcase_add_test(
	    tc, a_stop_read_in_the_same_turn_as_a_start_stops_the_program);
	tcase_add_test(
	    tc, a_waiting_stop_ends_when_another_client_starts_the_program);
	tcase_add_test(
	    tc, kill_is_a_crash_the_strategy_answers_and_restarts_count_it);
	tcase_add_test(tc, kill_is_charged_to_the_restart_intensity);
	tcase_add_test(tc, operator_restarts_are_not_charged_and_not_counted);
	tcase_add_test(
	    tc, signal_sends_the_signal_to_the_main_process_and_nothing_else);
	tcase_add_test(tc,
	    a_failed_operator_start_exits_1_leaves_it_stopped_and_charges_nothing);
	tcase_add_test(tc,
	    start_under_a_failed_supervisor_exits_1_and_start_sup_runs_it_anew);
	tcase_add_test(tc, pid_prints_the_main_pid_of_a_program_only);
	tcase_add_test(tc, health_is_0_when_everything_is_as_it_should_be);
	tcase_add_test(
	    tc, health_is_1_naming_abnormal_exits_and_backoff_while_alive_is_0);
	tcase_add_test(
	    tc, stopping_is_healthy_only_when_an_operator_asked_for_it);
	tcase_add_test(
	    tc, a_temporary_program_stopped_by_a_siblings_restart_is_healthy);
	tcase_add_test(tc, version_names_tendctl_and_the_tend_it_reaches);
	tcase_add_test(
	    tc, help_prints_the_usage_with_every_command_and_exits_0);
	tcase_add_test(
	    tc, shutdown_ends_tend_with_status_0_and_leaves_no_program);
	tcase_add_test(tc, usage_errors_exit_2_and_do_nothing);
	tcase_add_test(tc, unknown_names_exit_3);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return th_main(ctl_suite());
}
