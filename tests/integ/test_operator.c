/*
 * test_operator.c: operating tend day to day (issue 19): warnings before
 * a start fails (`tend --check`, tend's start), timestamps on tend's own
 * lines, and the final sweep as PID 1 waiting for processes that are not
 * tend's children. No fixed sleep, no timing asserted.
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <check.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#define DEADLINE_MS TH_DEADLINE_MS

#define NEED(ok)                                                               \
	do {                                                                   \
		const char *why_;                                              \
		if (!ok(&why_)) {                                              \
			th_skip(__func__, "%s", why_);                         \
			return;                                                \
		}                                                              \
	} while (0)

/* A configuration whose programs would all fail to start, each for its
 * own reason; valid all the same. */
static const char *const doomed = "[supervisor:root]\n"
                                  "intensity = 3\n"
                                  "period = 10s\n"
                                  "[program:nodir]\n"
                                  "command = sleep 100\n"
                                  "directory = {D}/missing\n"
                                  "[program:nocmd]\n"
                                  "command = no-such-command-anywhere --x\n"
                                  "[program:notexec]\n"
                                  "command = {D}/tend.conf\n"
                                  "[program:nofiledir]\n"
                                  "command = sleep 100\n"
                                  "stdout = file:{D}/missing/x.log\n"
                                  "[program:slow]\n"
                                  "command = sleep 100\n"
                                  "backoff = 1s..5s\n";

START_TEST(check_warns_of_what_would_fail_and_strict_makes_it_an_error)
{
	struct th *t = th_new(doomed);
	char *out = NULL, conf[PATH_MAX];
	static const char *const want[] = {
	    ":4: warning: [program:nodir]: directory ",
	    "missing: No such file or directory",
	    ":7: warning: [program:nocmd]: command no-such-command-anywhere: "
	    "not found in PATH",
	    ":9: warning: [program:notexec]: command ",
	    "not executable by the program's user",
	    ":11: warning: [program:nofiledir]: stdout = file:",
	    ":14: warning: [program:slow]: backoff up to 5000 ms times "
	    "intensity 3 of root is more than its period (10000 ms)",
	    "valid: 5 programs, 1 supervisor; 5 warnings",
	};
	size_t i;

	th_path(t, "tend.conf", conf, sizeof(conf));
	ck_assert_int_eq(th_tend(t, &out, "--check -c %s", conf), 0);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		ck_assert_msg(strstr(out, want[i]) != NULL,
		    "--check should say %s; it said:\n%s", want[i], out);
	free(out);
	ck_assert_int_eq(th_tend(t, &out, "--check --strict -c %s", conf), 1);
	ck_assert_msg(strstr(out, "warning:") == NULL &&
	                  strstr(out, "[program:nodir]: directory ") != NULL &&
	                  strstr(out, "valid:") == NULL,
	    "--check --strict should report the same as errors: %s", out);
	free(out);
	ck_assert_int_eq(th_tend(t, &out, "--strict -c %s", conf), 2);
	free(out);
	th_stop(t);
}
END_TEST

START_TEST(a_clean_file_gets_no_warning)
{
	struct th *t = th_new("[program:a]\n"
	                      "command = sleep 100\n"
	                      "directory = /\n"
	                      "backoff = 100ms..1s\n");
	char *out = NULL, conf[PATH_MAX];

	th_path(t, "tend.conf", conf, sizeof(conf));
	ck_assert_int_eq(th_tend(t, &out, "--check --strict -c %s", conf), 0);
	ck_assert_msg(strstr(out, "warning:") == NULL &&
	                  strstr(out, "; 0 warnings") != NULL,
	    "a clean file: %s", out);
	free(out);
	th_stop(t);
}
END_TEST

static bool
stderr_has(struct th *t, const void *needle)
{
	char *err = th_stderr(t);
	bool has = strstr(err, needle) != NULL;

	free(err);
	return has;
}

START_TEST(tend_says_at_start_what_will_fail)
{
	struct th *t = th_start("[program:a]\n"
	                        "command = {S:a}\n"
	                        "[program:nodir]\n"
	                        "command = sleep 100\n"
	                        "directory = /nonexistent/dir\n"
	                        "autostart = no\n");

	(void)th_up(t, "a", 1);
	th_wait(t, stderr_has,
	    "tend.conf:3: [program:nodir]: directory /nonexistent/dir: No "
	    "such file or directory",
	    DEADLINE_MS, "the warning about nodir's directory in tend's log");
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

/* "2026-12-07T00:35:31.123+01:00 " at s. */
static bool
is_stamp(const char *s)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd.ddd+dd:dd ";
	size_t i;

	for (i = 0; shape[i] != '\0'; i++) {
		if (shape[i] == 'd' && !isdigit((unsigned char)s[i]))
			return false;
		if (shape[i] == '+' && s[i] != '+' && s[i] != '-')
			return false;
		if (shape[i] != 'd' && shape[i] != '+' && shape[i] != s[i])
			return false;
	}
	return true;
}

/* Every line of tend's stderr is stamped (want) or begins with "tend: ". */
static void
assert_lines(struct th *t, bool want)
{
	char *err = th_stderr(t), *line, *save = NULL;
	int n = 0;

	for (line = strtok_r(err, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save), n++) {
		if (want)
			ck_assert_msg(is_stamp(line) &&
			                  strncmp(line + 30, "tend: ", 6) == 0,
			    "not an RFC 3339 stamp then tend: %s", line);
		else
			ck_assert_msg(strncmp(line, "tend: ", 6) == 0,
			    "a line with something before tend: %s", line);
	}
	ck_assert_msg(n >= 2, "too few lines from tend: %d", n);
	free(err);
}

static const char *const one = "[program:a]\n"
                               "command = {S:a}\n";

START_TEST(tends_own_lines_carry_an_rfc3339_stamp_by_default)
{
	struct th *t = th_start(one);

	(void)th_up(t, "a", 1);
	th_wait(t, stderr_has, "a: started, pid", DEADLINE_MS, "a's start");
	assert_lines(t, true);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(log_timestamps_no_leaves_them_off)
{
	struct th *t = th_start("[tend]\n"
	                        "log_timestamps = no\n"
	                        "[program:a]\n"
	                        "command = {S:a}\n");

	(void)th_up(t, "a", 1);
	th_wait(t, stderr_has, "a: started, pid", DEADLINE_MS, "a's start");
	assert_lines(t, false);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(no_stamp_when_stderr_is_the_journal)
{
	struct th *t = th_new(one);
	char path[PATH_MAX], env[128];
	struct stat st;

	th_write(t, "tend.err", "");
	th_path(t, "tend.err", path, sizeof(path));
	ck_assert_int_eq(stat(path, &st), 0);
	snprintf(env, sizeof(env), "JOURNAL_STREAM=%llu:%llu",
	    (unsigned long long)st.st_dev, (unsigned long long)st.st_ino);
	th_setenv(t, env);
	th_launch(t);
	(void)th_up(t, "a", 1);
	th_wait(t, stderr_has, "a: started, pid", DEADLINE_MS, "a's start");
	assert_lines(t, false);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

/* Run `nsenter -t TEND -p -m -- sh -c script` (a process of tend's
 * namespace that is not tend's child); its pid here. */
static pid_t
enter(struct th *t, const char *script)
{
	char target[32];
	pid_t pid;

	snprintf(target, sizeof(target), "%d", (int)th_tend_pid(t));
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);

		th_child_setup(t, null, null, null);
		execlp("nsenter", "nsenter", "-t", target, "-p", "-m", "--",
		    "sh", "-c", script, (char *)NULL);
		_exit(127);
	}
	return pid;
}

START_TEST(
    as_pid1_the_final_sweep_waits_for_processes_that_are_not_its_children)
{
	char script[PATH_MAX * 2];
	struct th *t;
	pid_t ns;
	int st;

	NEED(th_pid1_ok);
	t = th_start_pid1("[tend]\n"
	                  "shutdown_grace = 20s\n"
	                  "[program:a]\n"
	                  "command = {S:a}\n");
	(void)th_up(t, "a", 1);
	snprintf(script, sizeof(script),
	    "trap 'sleep 0.5; echo finished > %s/stranger.done; exit 0' "
	    "TERM; echo $$ > %s/stranger.pids; while :; do sleep 0.1; done",
	    th_dir(t), th_dir(t));
	ns = enter(t, script);
	th_wait_file(t, "stranger.pids", "\n", DEADLINE_MS);
	th_signal(t, SIGTERM);
	ck_assert_int_eq(th_wait_exit(t, 30000), 0);
	ck_assert_msg(th_file_has(t, "stranger.done", "finished"),
	    "a process of the namespace that is not tend's child was killed "
	    "before it could finish on TERM (shutdown_grace is 20 s)");
	ck_assert_int_eq(waitpid(ns, &st, 0), ns);
	th_stop_after_exit(t, 0, NULL, DEADLINE_MS);
}
END_TEST

START_TEST(the_kill_after_shutdown_grace_names_how_many_and_their_pids)
{
	char script[PATH_MAX * 2], *pids, want[96];
	struct th *t;
	pid_t ns;
	int st;

	NEED(th_pid1_ok);
	t = th_start_pid1("[tend]\n"
	                  "shutdown_grace = 300ms\n"
	                  "[program:a]\n"
	                  "command = {S:a}\n");
	(void)th_up(t, "a", 1);
	snprintf(script, sizeof(script),
	    "trap '' TERM; echo $$ > %s/stubborn.pids; exec sleep 100000",
	    th_dir(t));
	ns = enter(t, script);
	th_wait_file(t, "stubborn.pids", "\n", DEADLINE_MS);
	pids = th_contents(t, "stubborn.pids");
	snprintf(want, sizeof(want),
	    "1 process left after shutdown_grace (pid %d); killing it",
	    atoi(pids));
	free(pids);
	th_signal(t, SIGTERM);
	ck_assert_int_eq(th_wait_exit(t, 30000), 0);
	th_assert_stderr_has(t, want);
	ck_assert_int_eq(waitpid(ns, &st, 0), ns);
	th_stop_after_exit(t, 0, NULL, DEADLINE_MS);
}
END_TEST

START_TEST(tendctl_finds_the_socket_of_a_config_with_c)
{
	struct th *t = th_new("[tend]\n"
	                      "socket = {D}/other.sock\n"
	                      "[program:a]\n"
	                      "command = {S:a}\n");
	struct th_how h = {
	    .no_socket = true, .env = "TEND_SOCKET=/nonexistent"};
	char conf[PATH_MAX], *out = NULL;

	th_launch(t);
	(void)th_up(t, "a", 1);
	th_path(t, "tend.conf", conf, sizeof(conf));
	ck_assert_int_eq(th_ctl_how(t, &h, &out, "-c %s pid a", conf), 0);
	ck_assert_int_eq(atoi(out), th_pid(t, "a", 1));
	free(out);
	/* -s wins over -c */
	ck_assert_int_eq(
	    th_ctl_how(t, &h, &out, "-s /nonexistent -c %s pid a", conf), 4);
	free(out);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(unreachable_says_how_to_point_tendctl_elsewhere)
{
	struct th *t = th_new("[program:a]\n"
	                      "command = {S:a}\n");
	struct th_how h = {.no_socket = true};
	char *out = NULL;

	ck_assert_int_eq(
	    th_ctl_how(t, &h, &out, "-s %s/none.sock status", th_dir(t)), 4);
	ck_assert_msg(
	    strstr(out, "none.sock: No such file or directory") != NULL &&
	        strstr(out, "-s SOCKET") != NULL &&
	        strstr(out, "-c ") != NULL &&
	        strstr(out, "$TEND_SOCKET") != NULL,
	    "the message should name the path and the ways to another: %s",
	    out);
	free(out);
	th_stop(t);
}
END_TEST

/* help names every command of SPEC 5, and marks "not supported yet"
 * exactly those that tend answers so. */
START_TEST(help_lists_every_command_the_unbuilt_ones_marked)
{
	static const char *const cmds[] = {"status", "tree", "start", "stop",
	    "restart", "signal", "kill", "pid", "events", "health", "logs",
	    "reload", "upgrade", "top", "inspect", "shutdown", "version",
	    "help"};
	struct th *t = th_start(one);
	char *out = NULL, *reply = NULL, want[64], *line, *end;
	size_t i;

	(void)th_up(t, "a", 1);
	ck_assert_int_eq(th_ctl(t, &out, "help"), 0);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		snprintf(want, sizeof(want), "\n  %s", cmds[i]);
		line = strstr(out, want);
		ck_assert_msg(line != NULL, "help lacks %s: %s", cmds[i], out);
		end = strchr(line + 1, '\n');
		if (end != NULL)
			*end = '\0';
		if (strstr(line, "not supported yet") != NULL) {
			ck_assert_int_eq(th_ctl(t, &reply, "%s a", cmds[i]), 1);
			ck_assert_msg(
			    strstr(reply, "not supported yet") != NULL,
			    "help marks %s unbuilt, tend said: %s", cmds[i],
			    reply);
			free(reply);
		}
		if (end != NULL)
			*end = '\n';
	}
	free(out);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(events_exits_non_zero_when_tend_goes_away)
{
	struct th *t = th_start(one);
	struct th_stream s;
	int st;

	(void)th_up(t, "a", 1);
	th_stream_ctl(t, &s, "events");
	th_stream_read(&s, 300);
	th_signal(t, SIGTERM);
	st = th_stream_finish(&s, DEADLINE_MS);
	ck_assert_msg(
	    st != 0, "tendctl events exited %d when tend went away", st);
	free(s.buf);
	ck_assert_int_eq(th_wait_exit(t, DEADLINE_MS), 0);
	th_stop_after_exit(t, 0, NULL, DEADLINE_MS);
}
END_TEST

/* The n-th (from 1) line of s, or "" past the last. */
static const char *
nth_line(const char *s, int n)
{
	while (--n > 0 && s != NULL)
		s = (s = strchr(s, '\n')) != NULL ? s + 1 : NULL;
	return s != NULL ? s : "";
}

START_TEST(events_n_shows_the_last_events_first_then_follows)
{
	struct th *t = th_start(one);
	struct th_stream s;
	char *out = NULL;

	(void)th_up(t, "a", 1);
	ck_assert_int_eq(th_ctl(t, &out, "kill a"), 0);
	free(out);
	(void)th_up(t, "a", 2);
	/* the last events: a's first start, its exit, its restart */
	th_stream_ctl(t, &s, "events -n 10");
	(void)th_stream_wait(&s, 0, "  a  exited signal:KILL", DEADLINE_MS);
	(void)th_stream_wait(&s, 0, "  a  restarting", DEADLINE_MS);
	ck_assert_msg(strstr(nth_line(s.buf, 1), "  a  ") != NULL &&
	                  strstr(s.buf, "  a  exited signal:KILL") <
	                      strstr(s.buf, "  a  restarting"),
	    "the last events, oldest first: %s", s.buf);
	ck_assert_int_eq(th_ctl(t, &out, "kill a"), 0);
	free(out);
	/* then it follows */
	(void)th_stream_wait(
	    &s, strlen(s.buf), "  a  exited signal:KILL", DEADLINE_MS);
	ck_assert_int_eq(th_stream_end(&s), 0);
	free(s.buf);
	ck_assert_int_eq(th_ctl(t, &out, "events -n x"), 2);
	free(out);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(a_give_up_names_the_child_and_its_last_exit)
{
	struct th *t = th_start("[supervisor:root]\n"
	                        "intensity = 2\n"
	                        "[program:fine]\n"
	                        "command = {S:fine}\n"
	                        "[program:bad]\n"
	                        "command = /nonexistent/tend-test/api\n");

	ck_assert_int_eq(th_wait_exit(t, DEADLINE_MS), 3);
	th_assert_stderr_has(t,
	    "tend: error: root: giving up: more than 2 restarts within 10s; "
	    "the last by bad (exec /nonexistent/tend-test/api: No such file "
	    "or directory)");
	th_stop_after_exit(t, 3, NULL, DEADLINE_MS);
}
END_TEST

START_TEST(captured_lines_on_stdout_carry_the_path_as_logs_does)
{
	struct th *t = th_start("[supervisor:back]\n"
	                        "children = db\n"
	                        "[program:db]\n"
	                        "command = sh -c 'echo hello-db; echo $$ > "
	                        "{D}/db.pids; exec sleep 100000'\n");
	char *out = NULL;

	(void)th_up(t, "db", 1);
	th_wait_file(t, "tend.out", "back/db | hello-db\n", DEADLINE_MS);
	ck_assert_int_eq(th_ctl(t, &out, "logs back"), 0);
	ck_assert_str_eq(out, "back/db | hello-db\n");
	free(out);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

/* log_dir with log_timestamps = yes: every line is timed, and each new
 * instance begins with a marker line. */
START_TEST(log_files_are_timed_with_log_timestamps_and_instances_marked)
{
	struct th *t = th_start(
	    "[tend]\n"
	    "log_dir = {D}/logs\n"
	    "log_timestamps = yes\n"
	    "[program:w]\n"
	    "command = sh -c 'echo one; echo two; echo $$ >> {D}/w.pids; "
	    "exec sleep 100000'\n");
	char *log = NULL, *out = NULL, *line, *save = NULL, want[96];
	int n = 0;

	(void)th_up(t, "w", 1);
	th_wait_file(t, "logs/w.log", " two\n", DEADLINE_MS);
	ck_assert_int_eq(th_ctl(t, &out, "kill w"), 0);
	free(out);
	(void)th_up(t, "w", 2);
	snprintf(want, sizeof(want), " --- tend: w started, pid %d ---\n",
	    (int)th_pid(t, "w", 2));
	th_wait_file(t, "logs/w.log", want, DEADLINE_MS);
	th_wait_file(t, "logs/w.log", "---\n", DEADLINE_MS);
	th_wait_file(t, "logs/w.log", want, DEADLINE_MS);
	log = th_contents(t, "logs/w.log");
	for (line = strtok_r(log, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save), n++) {
		static const char *const rest[] = {
		    "one", "two", "---", "one", "two"};

		ck_assert_msg(is_stamp(line), "an untimed line: %s", line);
		if (n < 5)
			ck_assert_msg(
			    strncmp(line + 30, rest[n], strlen(rest[n])) == 0,
			    "line %d: %s", n + 1, line);
	}
	ck_assert_int_ge(n, 3);
	free(log);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

/* What ctl_says looks for: the output of a tendctl command. */
struct says {
	const char *cmd, *text;
};

static bool
ctl_says(struct th *t, const void *arg)
{
	const struct says *w = arg;
	char *out = NULL;
	bool yes;

	th_ctl(t, &out, "%s", w->cmd);
	yes = strstr(out, w->text) != NULL;
	free(out);
	return yes;
}

START_TEST(a_stopped_main_process_shows_paused_until_continued)
{
	struct th *t = th_start(one);
	struct th_run a = th_up(t, "a", 1);

	th_wait(t, th_runs_sleep, &a, DEADLINE_MS, "a running sleep");
	ck_assert_int_eq(kill(a.pid, SIGSTOP), 0);
	th_wait(t, ctl_says, &(struct says){"status a", " paused "},
	    DEADLINE_MS, "status to show a paused");
	ck_assert_int_eq(kill(a.pid, SIGCONT), 0);
	th_wait(t, ctl_says, &(struct says){"status a", " running "},
	    DEADLINE_MS, "status to show a running again");
	ck_assert_msg(th_run_alive(&a), "a was restarted");
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(status_json_says_why_a_failed_supervisor_gave_up)
{
	struct th *t = th_start("[supervisor:root]\n"
	                        "children = fine, back\n"
	                        "[program:fine]\n"
	                        "command = {S:fine}\n"
	                        "[supervisor:back]\n"
	                        "restart = temporary\n"
	                        "intensity = 1\n"
	                        "children = bad\n"
	                        "[program:bad]\n"
	                        "command = /nonexistent/tend-test/bad\n");

	(void)th_up(t, "fine", 1);
	th_wait(t, ctl_says,
	    &(struct says){"--json status",
	        "{\"name\":\"back\",\"path\":\"back\",\"state\":\"failed\","
	        "\"strategy\":\"one_for_one\",\"gave_up_by\":\"back/bad\","
	        "\"gave_up_why\":\"exec /nonexistent/tend-test/bad: No such "
	        "file "
	        "or directory\""},
	    DEADLINE_MS, "back's record in --json status, saying why");
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

static Suite *
operator_suite(void)
{
	Suite *s = suite_create("integ_operator");
	TCase *tc = tcase_create("operator");

	tcase_set_timeout(tc, 90);
	tcase_add_checked_fixture(tc, NULL, th_stop_all);
	tcase_add_test(
	    tc, check_warns_of_what_would_fail_and_strict_makes_it_an_error);
	tcase_add_test(tc, a_clean_file_gets_no_warning);
	tcase_add_test(tc, tend_says_at_start_what_will_fail);
	tcase_add_test(tc, tends_own_lines_carry_an_rfc3339_stamp_by_default);
	tcase_add_test(tc, log_timestamps_no_leaves_them_off);
	tcase_add_test(tc, no_stamp_when_stderr_is_the_journal);
	tcase_add_test(tc,
	    as_pid1_the_final_sweep_waits_for_processes_that_are_not_its_children);
	tcase_add_test(
	    tc, the_kill_after_shutdown_grace_names_how_many_and_their_pids);
	tcase_add_test(tc, tendctl_finds_the_socket_of_a_config_with_c);
	tcase_add_test(tc, unreachable_says_how_to_point_tendctl_elsewhere);
	tcase_add_test(tc, help_lists_every_command_the_unbuilt_ones_marked);
	tcase_add_test(tc, events_exits_non_zero_when_tend_goes_away);
	tcase_add_test(tc, events_n_shows_the_last_events_first_then_follows);
	tcase_add_test(tc, a_give_up_names_the_child_and_its_last_exit);
	tcase_add_test(
	    tc, captured_lines_on_stdout_carry_the_path_as_logs_does);
	tcase_add_test(
	    tc, log_files_are_timed_with_log_timestamps_and_instances_marked);
	tcase_add_test(tc, a_stopped_main_process_shows_paused_until_continued);
	tcase_add_test(tc, status_json_says_why_a_failed_supervisor_gave_up);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return th_main(operator_suite());
}
