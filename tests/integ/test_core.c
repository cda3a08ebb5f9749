/*
 * test_core.c: the supervision core (SPEC 2, 4 and 11) through the real
 * tend: strategies, restart types, stops and their deadlines, give-up,
 * auto_shutdown's exit status, orderly shutdown, a program's process
 * state, and the command line. Each test observes real pids and files
 * that the programs write (harness.h); none waits a fixed time, and no
 * timing is asserted: deadlines only catch a stalled loop, and a hold
 * (a negative check) lasts HOLD_MS.
 */
#include <sys/types.h>

#include <check.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

/* for anything to happen (th_up waits as long): catches a stall */
#define DEADLINE_MS TH_DEADLINE_MS
#define HOLD_MS 500    /* how long "nothing else happens" is watched */
#define NPROGS_ROOM 10 /* programs of the pidfd-room test */
/* the shortage test: programs, tend's open-files limit, how long tend is
 * watched waiting and the CPU time it may use meanwhile (a spin uses it
 * all: 100 ticks a second) */
#define NPROGS_SHORT 60
#define NOFILE_SHORT 50
#define SHORT_HOLD_MS 2500
#define SHORT_MAX_TICKS 50

/* What a hold watches: each NAME has n runs, and the last is r, alive. */
struct expect {
	const char *name;
	int n;
	struct th_run r;
};

static bool
as_expected(struct th *t, const void *arg)
{
	const struct expect *e;
	pid_t pids[TH_MAX_PIDS];

	for (e = arg; e->name != NULL; e++)
		if (th_pids(t, e->name, pids, TH_MAX_PIDS) != e->n ||
		    !th_alive(e->r.pid, e->r.start))
			return false;
	return true;
}

/* The line of s that contains needle, copied; NULL if there is none. */
static char *
line_with(const char *s, const char *needle)
{
	const char *hit = strstr(s, needle), *b, *e;

	if (hit == NULL)
		return NULL;
	for (b = hit; b > s && b[-1] != '\n'; b--)
		;
	e = strchr(hit, '\n');
	return strndup(b, e != NULL ? (size_t)(e - b) : strlen(b));
}

/*
 * tend's "NAME: started, pid N" lines, in order, as "s/a s/b" into got:
 * how many there are. With check_pids, each pid must be the one that
 * run of NAME recorded, where it has recorded it.
 */
static int
parse_starts(struct th *t, char *got, size_t size, bool check_pids)
{
	static const char tag[] = ": started, pid ";
	char *err = th_stderr(t), *line, *next, *hit, *base;
	char names[64][128], name[128];
	pid_t pids[TH_MAX_PIDS], pid;
	int runs[64] = {0};
	int nnames = 0, n = 0, i;

	got[0] = '\0';
	for (line = err; *line != '\0'; line = next) {
		next = strchr(line, '\n');
		next = next != NULL ? next + 1 : line + strlen(line);
		line = th_past_stamp(line);
		if (strncmp(line, "tend: info: ", 12) != 0 ||
		    (hit = strstr(line, tag)) == NULL || hit > next)
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)(hit - line - 12),
		    line + 12);
		pid = (pid_t)atoi(hit + strlen(tag));
		base =
		    strrchr(name, '/') != NULL ? strrchr(name, '/') + 1 : name;
		for (i = 0; i < nnames && strcmp(names[i], base) != 0; i++)
			;
		ck_assert_int_lt(i, 64);
		if (i == nnames)
			snprintf(names[nnames++], sizeof(names[0]), "%s", base);
		runs[i]++;
		if (check_pids &&
		    th_pids(t, base, pids, TH_MAX_PIDS) >= runs[i] &&
		    runs[i] <= TH_MAX_PIDS)
			ck_assert_msg(pids[runs[i] - 1] == pid,
			    "tend started %s as pid %d, but its run %d "
			    "recorded pid %d",
			    name, (int)pid, runs[i], (int)pids[runs[i] - 1]);
		if (got[0] != '\0')
			strncat(got, " ", size - strlen(got) - 1);
		strncat(got, name, size - strlen(got) - 1);
		n++;
	}
	free(err);
	return n;
}

static bool
starts_at_least(struct th *t, const void *arg)
{
	char got[1024];

	return parse_starts(t, got, sizeof(got), false) >= *(const int *)arg;
}

/*
 * The order in which tend started programs is want ("s/a s/b"). A program
 * may record its pid before tend has logged its start: wait for the lines.
 */
static void
assert_starts(struct th *t, const char *want)
{
	char got[1024];
	const char *p;
	int n = want[0] != '\0';

	for (p = want; *p != '\0'; p++)
		n += *p == ' ';
	th_wait(t, starts_at_least, &n, DEADLINE_MS, "tend's start lines");
	(void)parse_starts(t, got, sizeof(got), true);
	ck_assert_msg(strcmp(got, want) == 0, "tend started \"%s\", not \"%s\"",
	    got, want);
}

/* a, b, c under supervisor s with strategy, each a {T:} program. */
static struct th *
start_abc(const char *strategy)
{
	char conf[1024];

	snprintf(conf, sizeof(conf),
	    "[supervisor:s]\n"
	    "strategy = %s\n"
	    "children = a b c\n"
	    "[program:a]\n"
	    "command = {T:a}\n"
	    "[program:b]\n"
	    "command = {T:b}\n"
	    "[program:c]\n"
	    "command = {T:c}\n",
	    strategy);
	return th_start(conf);
}

/* ------------------------------------------------------------ strategies */

START_TEST(one_for_one_restarts_only_the_dead_child)
{
	struct th *t = start_abc("one_for_one");
	struct th_run a = th_up(t, "a", 1), b = th_up(t, "b", 1),
	              c = th_up(t, "c", 1);
	struct expect after[4];

	ck_assert_int_eq(kill(b.pid, SIGKILL), 0);
	after[0] = (struct expect){"b", 2, th_up(t, "b", 2)};
	after[1] = (struct expect){"a", 1, a};
	after[2] = (struct expect){"c", 1, c};
	after[3] = (struct expect){NULL, 0, {0, 0}};
	th_hold(t, as_expected, after, HOLD_MS, "a and c keeping their pids");
	assert_starts(t, "s/a s/b s/c s/b");
	th_assert_file(t, "stopped", "");
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(one_for_all_restarts_every_child_in_order)
{
	struct th *t = start_abc("one_for_all");
	struct th_run a = th_up(t, "a", 1), c = th_up(t, "c", 1);
	struct th_run b = th_up(t, "b", 1);
	struct expect after[4];

	ck_assert_int_eq(kill(b.pid, SIGKILL), 0);
	after[2] = (struct expect){"c", 2, th_up(t, "c", 2)};
	after[0] = (struct expect){"a", 2, th_up(t, "a", 2)};
	after[1] = (struct expect){"b", 2, th_up(t, "b", 2)};
	after[3] = (struct expect){NULL, 0, {0, 0}};
	ck_assert(!th_alive(a.pid, a.start));
	ck_assert(!th_alive(c.pid, c.start));
	/* the others stopped in reverse start order, then all started */
	th_assert_file(t, "stopped", "c\na\n");
	assert_starts(t, "s/a s/b s/c s/a s/b s/c");
	th_hold(t, as_expected, after, HOLD_MS, "one restart of each");
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(rest_for_one_restarts_the_child_and_those_after_it)
{
	struct th *t = start_abc("rest_for_one");
	struct th_run a = th_up(t, "a", 1), b = th_up(t, "b", 1),
	              c = th_up(t, "c", 1);
	struct expect after[4];

	ck_assert_int_eq(kill(b.pid, SIGKILL), 0);
	after[2] = (struct expect){"c", 2, th_up(t, "c", 2)};
	after[1] = (struct expect){"b", 2, th_up(t, "b", 2)};
	after[0] = (struct expect){"a", 1, a};
	after[3] = (struct expect){NULL, 0, {0, 0}};
	ck_assert(!th_alive(c.pid, c.start));
	th_assert_file(t, "stopped", "c\n");
	assert_starts(t, "s/a s/b s/c s/b s/c");
	th_hold(t, as_expected, after, HOLD_MS, "a keeping its pid");
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

/* --------------------------------------------------------- restart types */

START_TEST(transient_is_not_restarted_after_a_normal_exit)
{
	struct th *t = th_start("[program:t]\n"
	                        "restart = transient\n"
	                        "command = sh -c 'echo $$ >>{D}/t.pids'\n");
	struct th_count one = {"t", 1};

	th_wait_file(t, "tend.err", "t: exited with status 0; not restarted",
	    DEADLINE_MS);
	th_hold(t, th_count_is, &one, HOLD_MS, "a single run of t");
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(transient_is_restarted_after_an_abnormal_exit)
{
	/* the first run exits 3, the second stays up */
	struct th *t = th_start("[program:t]\n"
	                        "restart = transient\n"
	                        "command = sh -c 'echo $$ >>{D}/t.pids;"
	                        "test -e {D}/t.again && exec sleep 100000;"
	                        "touch {D}/t.again;exit 3'\n");

	(void)th_up(t, "t", 2);
	th_assert_stderr_has(t, "t: exited with status 3; restarting");
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(temporary_is_not_restarted_after_a_sibling_restart_stopped_it)
{
	struct th *t = th_start("[supervisor:root]\n"
	                        "strategy = one_for_all\n"
	                        "children = a tmp b\n"
	                        "[program:a]\n"
	                        "command = {T:a}\n"
	                        "[program:tmp]\n"
	                        "restart = temporary\n"
	                        "command = {T:tmp}\n"
	                        "[program:b]\n"
	                        "command = {T:b}\n");
	struct th_run a = th_up(t, "a", 1), tmp = th_up(t, "tmp", 1);
	struct th_run b = th_up(t, "b", 1);
	struct expect after[4];
	struct th_count one = {"tmp", 1};

	(void)a;
	ck_assert_int_eq(kill(b.pid, SIGKILL), 0);
	after[1] = (struct expect){"b", 2, th_up(t, "b", 2)};
	after[0] = (struct expect){"a", 2, th_up(t, "a", 2)};
	after[2] = (struct expect){NULL, 0, {0, 0}};
	th_wait_gone(t, tmp.pid, tmp.start, DEADLINE_MS);
	th_assert_file(t, "stopped", "tmp\na\n");
	assert_starts(t, "a tmp b a b");
	th_hold(t, as_expected, after, HOLD_MS, "a and b running");
	ck_assert_msg(th_count_is(t, &one), "tmp was started again");
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

/* ----------------------------------------------------------------- stops */

START_TEST(a_program_ignoring_term_is_killed_after_its_shutdown_timeout)
{
	struct th *t =
	    th_start("[program:stubborn]\n"
	             "shutdown = 1s\n"
	             "command = sh -c 'trap \"\" TERM;"
	             "echo $$ >>{D}/stubborn.pids;exec sleep 100000'\n");
	struct th_run s = th_up(t, "stubborn", 1);

	th_signal(t, SIGTERM);
	ck_assert_int_eq(th_wait_exit(t, DEADLINE_MS), 0);
	ck_assert(!th_alive(s.pid, s.start));
	th_assert_stderr_has(t, "stubborn: still running (main process) after "
	                        "its stop signal; killing it");
	th_assert_stderr_has(t, "stubborn: stopped (killed by signal KILL)");
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(a_term_ignoring_grandchild_dies_once_the_main_process_has_exited)
{
	/*
	 * m's background child g ignores TERM. Killing x makes one_for_all
	 * stop m: its main process dies of TERM, and g must be killed at
	 * once, not after m's shutdown (an hour).
	 */
	struct th *t =
	    th_start("[supervisor:root]\n"
	             "strategy = one_for_all\n"
	             "children = x m\n"
	             "[program:x]\n"
	             "command = {S:x}\n"
	             "[program:m]\n"
	             "shutdown = 1h\n"
	             "command = sh -c '(trap \"\" TERM && exec sleep 100000) & "
	             "echo $! >>{D}/g.pids;echo $$ >>{D}/m.pids;wait'\n");
	struct th_run x = th_up(t, "x", 1), m = th_up(t, "m", 1),
	              g = th_up(t, "g", 1);

	th_wait(t, th_ignores_term, &g, DEADLINE_MS, "g ignoring TERM");
	ck_assert_int_eq(kill(x.pid, SIGKILL), 0);
	th_wait_gone(t, m.pid, m.start, DEADLINE_MS);
	th_wait_gone(t, g.pid, g.start, DEADLINE_MS);
	(void)th_up(t, "m", 2);
	(void)th_up(t, "x", 2);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(a_program_restarts_and_stays_up_after_its_leftovers_were_killed)
{
	/*
	 * m's first run exits 1, leaving g, which ignores TERM: tend must
	 * kill g (shutdown = 0: at once), then restart m. The second run
	 * stays up: nothing of the first one may reach it.
	 */
	struct th *t =
	    th_start("[program:m]\n"
	             "shutdown = 0\n"
	             "command = sh -c '(trap \"\" TERM && exec sleep 100000) & "
	             "echo $! >>{D}/g.pids;echo $$ >>{D}/m.pids;"
	             "test -e {D}/m.again && wait;touch {D}/m.again;exit 1'\n");
	struct expect after[3];

	after[0] = (struct expect){"m", 2, th_up(t, "m", 2)};
	after[1] = (struct expect){"g", 2, th_up(t, "g", 2)};
	after[2] = (struct expect){NULL, 0, {0, 0}};
	th_hold(t, as_expected, after, HOLD_MS, "m's second run up");
	/* tend, m and g of the second run: the first g is gone */
	ck_assert_int_eq(th_procs_alive(t), 3);
	th_assert_stderr_has(t, "m: exited with status 1; restarting");
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

/* -------------------------------------------------------- give-up, exits */

START_TEST(the_root_giving_up_stops_its_programs_and_exits_3)
{
	/* crash starts once other is up (its TERM trap set), then crashes */
	struct th *t = th_start(
	    "[supervisor:root]\n"
	    "intensity = 2\n"
	    "period = 1h\n"
	    "children = other crash\n"
	    "[program:other]\n"
	    "command = {T:other}\n"
	    "[program:crash]\n"
	    "command = sh -c 'until test -s {D}/other.pids;do sleep 0.05;"
	    "done;echo $$ >>{D}/crash.pids;exit 1'\n");
	pid_t pids[TH_MAX_PIDS];

	ck_assert_int_eq(th_wait_exit(t, DEADLINE_MS), 3);
	th_assert_file(t, "stopped", "other\n");
	/* two restarts allowed: the third exit gives up */
	ck_assert_int_eq(th_pids(t, "crash", pids, TH_MAX_PIDS), 3);
	th_assert_stderr_has(t, "root: giving up");
	ck_assert_int_eq(th_procs_alive(t), 0);
	ck_assert_int_eq(th_stop(t), 3);
}
END_TEST

/* root ends at job's end: a {T:} sibling, and job given by command. */
static struct th *
start_significant(const char *job_command)
{
	char conf[1024];

	snprintf(conf, sizeof(conf),
	    "[supervisor:root]\n"
	    "auto_shutdown = any_significant\n"
	    "children = a job\n"
	    "[program:a]\n"
	    "command = {T:a}\n"
	    "[program:job]\n"
	    "restart = temporary\n"
	    "significant = yes\n"
	    "command = %s\n",
	    job_command);
	return th_start(conf);
}

START_TEST(a_significant_childs_exit_status_becomes_tends)
{
	struct th *t = start_significant(
	    "sh -c 'until test -s {D}/a.pids;do sleep 0.05;done;exit 7'");

	th_stop_after_exit(t, 7, "a\n", DEADLINE_MS);
}
END_TEST

START_TEST(a_significant_child_killed_by_sigkill_makes_tend_exit_137)
{
	struct th *t = start_significant("{S:job}");
	struct th_run job;

	(void)th_up(t, "a", 1);
	job = th_up(t, "job", 1);
	ck_assert_int_eq(kill(job.pid, SIGKILL), 0);
	th_stop_after_exit(t, 137, "a\n", DEADLINE_MS);
}
END_TEST

START_TEST(a_significant_child_with_a_missing_binary_makes_tend_exit_127)
{
	struct th *t = start_significant("/nonexistent/tend-test-missing");

	th_stop_after_exit(t, 127, NULL, DEADLINE_MS);
}
END_TEST

START_TEST(orderly_shutdown_stops_programs_in_reverse_start_order)
{
	struct th *t = th_start("[supervisor:root]\n"
	                        "children = a sub d\n"
	                        "[supervisor:sub]\n"
	                        "children = b c\n"
	                        "[program:a]\n"
	                        "command = {T:a}\n"
	                        "[program:b]\n"
	                        "command = {T:b}\n"
	                        "[program:c]\n"
	                        "command = {T:c}\n"
	                        "[program:d]\n"
	                        "command = {T:d}\n");

	(void)th_up(t, "a", 1);
	(void)th_up(t, "b", 1);
	(void)th_up(t, "c", 1);
	(void)th_up(t, "d", 1);
	assert_starts(t, "a sub/b sub/c d");
	th_signal(t, SIGTERM);
	th_stop_after_exit(t, 0, "d\nc\nb\na\n", DEADLINE_MS);
}
END_TEST

START_TEST(two_tends_started_side_by_side_leave_each_others_programs_alone)
{
	/*
	 * Two tends with their own configurations and sockets, started from
	 * the same place (here: this test's cgroup), are two supervisors:
	 * neither may stop, kill or take the other's programs, even when
	 * the programs have the same name.
	 */
	struct th *t1 = th_start("[program:a]\n"
	                         "command = {S:a}\n");
	struct expect first[2], second[2];
	struct th *t2;

	first[0] = (struct expect){"a", 1, th_up(t1, "a", 1)};
	first[1] = (struct expect){NULL, 0, {0, 0}};
	/* the same cgroup too: the second must not take the first's
	 * programs for a killed predecessor's leftovers */
	t2 = th_new("[program:a]\n"
	            "command = {S:a}\n");
	th_use_cgroup_of(t2, t1);
	th_launch(t2);
	second[0] = (struct expect){"a", 1, th_up(t2, "a", 1)};
	second[1] = (struct expect){NULL, 0, {0, 0}};
	th_hold(t1, as_expected, first, HOLD_MS, "the first tend's a alone");
	th_hold(t2, as_expected, second, HOLD_MS, "the second tend's a alone");
	ck_assert_int_eq(th_stop(t2), 0);
	th_hold(t1, as_expected, first, HOLD_MS, "the first tend's a alone");
	ck_assert_int_eq(th_stop(t1), 0);
}
END_TEST

/* --------------------------------------------------------- failed starts */

START_TEST(a_missing_binary_is_a_logged_failed_start_and_the_rest_goes_on)
{
	struct th *t = th_start("[program:a]\n"
	                        "command = {S:a}\n"
	                        "[program:bad]\n"
	                        "restart = temporary\n"
	                        "command = /nonexistent/tend-test-missing\n"
	                        "[program:c]\n"
	                        "command = {S:c}\n");
	struct expect after[3];
	char *err, *line;

	after[0] = (struct expect){"a", 1, th_up(t, "a", 1)};
	after[1] = (struct expect){"c", 1, th_up(t, "c", 1)};
	after[2] = (struct expect){NULL, 0, {0, 0}};
	th_wait_file(t, "tend.err", "bad: cannot start", DEADLINE_MS);
	th_hold(t, as_expected, after, HOLD_MS, "tend, a and c running");
	err = th_stderr(t);
	line = line_with(err, "bad: cannot start");
	ck_assert_ptr_nonnull(line);
	ck_assert_msg(
	    strncmp(th_past_stamp(line), "tend: ", 6) == 0 &&
	        strstr(line, "/nonexistent/tend-test-missing") != NULL &&
	        strstr(line, "No such file or directory") != NULL,
	    "the failed start's line does not say what and why: %s", line);
	free(line);
	free(err);
	assert_starts(t, "a c");
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

/* -------------------------------------------------- a program's process */

/* A sleeper, with tend given the variables a program must not inherit. */
static struct th *
start_probe(void)
{
	struct th *t = th_new("[program:probe]\n"
	                      "environment = TEND_TEST_VAR=hello "
	                      "'TEND_TEST_SPACED=a b'\n"
	                      "command = {S:probe}\n");

	th_setenv(t, "NOTIFY_SOCKET=/run/tend-test-notify");
	th_setenv(t, "LISTEN_FDS=1");
	th_setenv(t, "LISTEN_PID=1");
	th_setenv(t, "LISTEN_FDNAMES=x");
	th_setenv(t, "WATCHDOG_USEC=1000000");
	th_setenv(t, "WATCHDOG_PID=1");
	th_setenv(t, "TEND_TEST_INHERITED=yes");
	th_launch(t);
	return t;
}

/* The probe has become "sleep" and sleeps: its exec is over, so its
 * environment, fds and signal masks read as they will stay. */
static bool
settled(struct th *t, const void *arg)
{
	const struct th_run *r = arg;
	struct th_stat st;

	return th_runs_sleep(t, r) && th_stat(r->pid, &st) == 0 &&
	       st.state == 'S' && st.start == r->start;
}

static struct th_run
probe_up(struct th *t)
{
	struct th_run p = th_up(t, "probe", 1);

	th_wait(t, settled, &p, DEADLINE_MS, "the probe asleep in sleep");
	return p;
}

START_TEST(a_program_leads_its_own_session_and_process_group)
{
	struct th *t = start_probe();
	struct th_run p = probe_up(t);
	struct th_stat st, tend;

	ck_assert_int_eq(th_stat(p.pid, &st), 0);
	ck_assert_int_eq(th_stat(th_tend_pid(t), &tend), 0);
	ck_assert_int_eq(st.session, p.pid);
	ck_assert_int_eq(st.pgrp, p.pid);
	ck_assert_int_ne(tend.session, p.pid);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(a_program_has_only_fds_0_1_2_and_stdin_from_dev_null)
{
	struct th *t = start_probe();
	struct th_run p = probe_up(t);
	char path[64], target[256], fds[256] = "";
	struct dirent *de;
	ssize_t n;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)p.pid);
	d = opendir(path);
	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.' &&
		    strlen(fds) + strlen(de->d_name) + 2 < sizeof(fds)) {
			strcat(fds, de->d_name);
			strcat(fds, " ");
		}
	closedir(d);
	ck_assert(th_alive(p.pid, p.start));
	ck_assert_str_eq(fds, "0 1 2 ");
	snprintf(path, sizeof(path), "/proc/%d/fd/0", (int)p.pid);
	n = readlink(path, target, sizeof(target) - 1);
	ck_assert_int_gt(n, 0);
	target[n] = '\0';
	ck_assert_str_eq(target, "/dev/null");
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

/* Whether the NUL-separated env holds entry, or a variable named name. */
static bool
env_has(const char *env, size_t len, const char *entry, bool by_name)
{
	size_t i, elen = strlen(entry);

	for (i = 0; i < len; i += strlen(env + i) + 1)
		if (by_name ? strncmp(env + i, entry, elen) == 0 &&
		                  env[i + elen] == '='
		            : strcmp(env + i, entry) == 0)
			return true;
	return false;
}

START_TEST(a_program_gets_tends_environment_minus_activation_plus_its_own)
{
	static const char *const dropped[] = {"NOTIFY_SOCKET", "LISTEN_FDS",
	    "LISTEN_PID", "LISTEN_FDNAMES", "WATCHDOG_USEC", "WATCHDOG_PID"};
	struct th *t = start_probe();
	struct th_run p = probe_up(t);
	char path[64], *env;
	size_t len = 0, i;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/environ", (int)p.pid);
	f = fopen(path, "re");
	ck_assert_ptr_nonnull(f);
	env = calloc(1, 65536);
	ck_assert_ptr_nonnull(env);
	len = fread(env, 1, 65535, f);
	fclose(f);
	ck_assert(th_alive(p.pid, p.start));
	ck_assert(env_has(env, len, "TEND_TEST_VAR=hello", false));
	ck_assert(env_has(env, len, "TEND_TEST_SPACED=a b", false));
	ck_assert(env_has(env, len, "TEND_TEST_INHERITED=yes", false));
	for (i = 0; i < sizeof(dropped) / sizeof(dropped[0]); i++)
		ck_assert_msg(!env_has(env, len, dropped[i], true),
		    "the program inherited %s", dropped[i]);
	free(env);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

/* /proc/PID/status's line key ("SigIgn:") as a number. */
static unsigned long long
status_mask(pid_t pid, const char *key)
{
	char v[64];

	ck_assert_msg(th_proc_status(pid, key, v, sizeof(v)),
	    "pid %d: no %s in /proc/%d/status", (int)pid, key, (int)pid);
	return strtoull(v, NULL, 16);
}

START_TEST(a_program_starts_with_no_signal_ignored_or_blocked)
{
	/* tend itself ignores SIGPIPE and blocks signals for libev */
	struct th *t = start_probe();
	struct th_run p = probe_up(t);

	ck_assert_uint_eq(status_mask(p.pid, "SigIgn:"), 0);
	ck_assert_uint_eq(status_mask(p.pid, "SigBlk:"), 0);
	ck_assert(th_alive(p.pid, p.start));
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

/* ---------------------------------------------------------- command line */

START_TEST(check_accepts_a_valid_file_with_status_0)
{
	struct th *t = th_new("[supervisor:root]\n"
	                      "strategy = one_for_all\n"
	                      "[program:a]\n"
	                      "command = {S:a}\n");
	char *out;

	ck_assert_int_eq(
	    th_tend(t, &out, "--check -c %s/tend.conf", th_dir(t)), 0);
	ck_assert_msg(strstr(out, "valid") != NULL, "output: %s", out);
	free(out);
	ck_assert_int_eq(th_procs_alive(t), 0);
	th_stop(t);
}
END_TEST

START_TEST(check_reports_every_error_as_file_line_with_status_1)
{
	struct th *t = th_new("[supervisor:root]\n"
	                      "strategy = sideways\n"
	                      "[program:a]\n"
	                      "command = {S:a}\n"
	                      "no_such_key = 1\n");
	char *out, want[128];

	ck_assert_int_eq(
	    th_tend(t, &out, "--check -c %s/tend.conf", th_dir(t)), 1);
	snprintf(want, sizeof(want), "%s/tend.conf:2: ", th_dir(t));
	ck_assert_msg(strstr(out, want) != NULL, "no %s in: %s", want, out);
	snprintf(want, sizeof(want), "%s/tend.conf:5: ", th_dir(t));
	ck_assert_msg(strstr(out, want) != NULL, "no %s in: %s", want, out);
	free(out);
	ck_assert_int_eq(th_procs_alive(t), 0);
	th_stop(t);
}
END_TEST

START_TEST(an_invalid_config_makes_tend_exit_1_without_starting_anything)
{
	struct th *t = th_start("[program:a]\n"
	                        "command = {S:a}\n"
	                        "[program:b]\n"
	                        "command = {S:b}\n"
	                        "restart = sometimes\n");
	char want[128];

	ck_assert_int_eq(th_wait_exit(t, DEADLINE_MS), 1);
	snprintf(want, sizeof(want), "%s/tend.conf:5: ", th_dir(t));
	th_assert_stderr_has(t, want);
	ck_assert_int_eq(th_procs_alive(t), 0);
	assert_starts(t, "");
	ck_assert_int_eq(th_stop(t), 1);
}
END_TEST

START_TEST(an_unknown_option_exits_2)
{
	struct th *t = th_new("[program:a]\n"
	                      "command = {S:a}\n");
	char *out;

	ck_assert_int_eq(
	    th_tend(t, &out, "--no-such-option -c %s/tend.conf", th_dir(t)), 2);
	ck_assert_msg(strstr(out, "usage") != NULL, "output: %s", out);
	free(out);
	ck_assert_int_eq(th_procs_alive(t), 0);
	th_stop(t);
}
END_TEST

/*
 * With an open-files limit that leaves room for the pidfds of only half
 * the programs (each needs its capture pipe, tend its own 64 or so), the
 * others end through SIGCHLD and a wait over all children: every one is
 * still restarted when killed, and tend says how many have pidfds.
 */
START_TEST(programs_beyond_the_pidfd_room_are_restarted_like_the_others)
{
	char conf[128 + NPROGS_ROOM * 64], *p = conf;
	struct th_run first[NPROGS_ROOM];
	struct th *t;
	char name[16];
	int i;

	p += sprintf(p, "[supervisor:root]\nintensity = infinity\nchildren =");
	for (i = 0; i < NPROGS_ROOM; i++)
		p += sprintf(p, " p%d", i);
	p += sprintf(p, "\n");
	for (i = 0; i < NPROGS_ROOM; i++)
		p += sprintf(p, "[program:p%d]\ncommand = {T:p%d}\n", i, i);
	t = th_new(conf);
	/* NPROGS_ROOM pipes, 1 supervisor, 64 for tend: room for 5 pidfds */
	th_set_nofile(t, NPROGS_ROOM + 1 + 64 + 5);
	th_launch(t);
	for (i = 0; i < NPROGS_ROOM; i++) {
		snprintf(name, sizeof(name), "p%d", i);
		first[i] = th_up(t, name, 1);
	}
	for (i = 0; i < NPROGS_ROOM; i++) {
		struct th_run again;

		snprintf(name, sizeof(name), "p%d", i);
		ck_assert_int_eq(kill(first[i].pid, SIGKILL), 0);
		again = th_up(t, name, 2);
		ck_assert_int_ne(again.pid, first[i].pid);
	}
	th_assert_stderr_has(t, "leaves room for 5 of 10 pidfds");
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

/*
 * With too few descriptors for every program, the starts that find none
 * wait: tend says so once, charges nothing (the root does not give up),
 * and tries again each second, not in a loop (its CPU time stays low),
 * and everything still stops in order.
 */
START_TEST(a_start_short_of_descriptors_waits_uncharged_and_does_not_spin)
{
	char conf[NPROGS_SHORT * 64], *p = conf;
	struct th_stat before, after;
	struct expect first[2];
	struct th *t;
	char *err;
	int i;

	for (i = 0; i < NPROGS_SHORT; i++)
		p += sprintf(p, "[program:p%d]\ncommand = {S:p%d}\n", i, i);
	t = th_new(conf);
	th_set_nofile(t, NOFILE_SHORT);
	th_launch(t);
	th_wait_file(t, "tend.err", "retries such starts", DEADLINE_MS);
	first[0] = (struct expect){"p0", 1, th_up(t, "p0", 1)};
	first[1] = (struct expect){NULL, 0, {0, 0}};
	ck_assert_int_eq(th_stat(th_tend_pid(t), &before), 0);
	th_hold(t, as_expected, first, SHORT_HOLD_MS, "p0 running, unchanged");
	ck_assert_int_eq(th_stat(th_tend_pid(t), &after), 0);
	ck_assert_msg(after.cpu_ticks - before.cpu_ticks < SHORT_MAX_TICKS,
	    "tend used %llu clock ticks in %d ms while waiting",
	    after.cpu_ticks - before.cpu_ticks, SHORT_HOLD_MS);
	err = th_stderr(t);
	ck_assert_int_eq(th_occurrences(err, "retries such starts"), 1);
	ck_assert_msg(strstr(err, "giving up") == NULL,
	    "a shortage was charged: %s", err);
	free(err);
	th_signal(t, SIGTERM);
	ck_assert_int_eq(th_wait_exit(t, DEADLINE_MS), 0);
	ck_assert_int_eq(th_procs_alive(t), 0);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

static Suite *
core_suite(void)
{
	Suite *s = suite_create("integ_core");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, NULL, th_stop_all);
	tcase_add_test(tc, one_for_one_restarts_only_the_dead_child);
	tcase_add_test(tc, one_for_all_restarts_every_child_in_order);
	tcase_add_test(tc, rest_for_one_restarts_the_child_and_those_after_it);
	tcase_add_test(tc, transient_is_not_restarted_after_a_normal_exit);
	tcase_add_test(tc, transient_is_restarted_after_an_abnormal_exit);
	tcase_add_test(
	    tc, temporary_is_not_restarted_after_a_sibling_restart_stopped_it);
	tcase_add_test(
	    tc, a_program_ignoring_term_is_killed_after_its_shutdown_timeout);
	tcase_add_test(tc,
	    a_term_ignoring_grandchild_dies_once_the_main_process_has_exited);
	tcase_add_test(tc,
	    a_program_restarts_and_stays_up_after_its_leftovers_were_killed);
	tcase_add_test(tc, the_root_giving_up_stops_its_programs_and_exits_3);
	tcase_add_test(tc, a_significant_childs_exit_status_becomes_tends);
	tcase_add_test(
	    tc, a_significant_child_killed_by_sigkill_makes_tend_exit_137);
	tcase_add_test(
	    tc, a_significant_child_with_a_missing_binary_makes_tend_exit_127);
	tcase_add_test(
	    tc, orderly_shutdown_stops_programs_in_reverse_start_order);
	tcase_add_test(tc,
	    two_tends_started_side_by_side_leave_each_others_programs_alone);
	tcase_add_test(
	    tc, a_missing_binary_is_a_logged_failed_start_and_the_rest_goes_on);
	tcase_add_test(tc, a_program_leads_its_own_session_and_process_group);
	tcase_add_test(
	    tc, a_program_has_only_fds_0_1_2_and_stdin_from_dev_null);
	tcase_add_test(
	    tc, a_program_gets_tends_environment_minus_activation_plus_its_own);
	tcase_add_test(tc, a_program_starts_with_no_signal_ignored_or_blocked);
	tcase_add_test(
	    tc, programs_beyond_the_pidfd_room_are_restarted_like_the_others);
	tcase_add_test(
	    tc, a_start_short_of_descriptors_waits_uncharged_and_does_not_spin);
	tcase_add_test(tc, check_accepts_a_valid_file_with_status_0);
	tcase_add_test(
	    tc, check_reports_every_error_as_file_line_with_status_1);
	tcase_add_test(
	    tc, an_invalid_config_makes_tend_exit_1_without_starting_anything);
	tcase_add_test(tc, an_unknown_option_exits_2);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return th_main(core_suite());
}
