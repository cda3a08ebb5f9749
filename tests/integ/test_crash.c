/*
 * test_crash.c: a tend started again after its predecessor was SIGKILLed
 * (SPEC 7 Restart after a crash, SPEC 11 After a crash of tend). What the
 * predecessor left is found (by cgroup, or from the state file beside the
 * socket with cgroups = no), stopped cleanly exactly once (its
 * stop_signal), never adopted, and only then does each program start
 * again: never two copies at once. A pid in the state file that now
 * belongs to an unrelated process is left alone.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
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

/*
 * A program (sh D/crash.sh NAME) that records its pid in D/NAME.pids,
 * first noting in D/overlap the previous run if that one still lives,
 * and on TERM appends "NAME PID" to D/stopped and exits.
 */
static const char crash_sh[] =
    "trap 'echo \"$1 $$\" >>{D}/stopped; exit 0' TERM\n"
    "prev=$(tail -n 1 {D}/$1.pids 2>/dev/null)\n"
    "if test -n \"$prev\"; then\n"
    "  s=$(cut -d ' ' -f 3 /proc/$prev/stat 2>/dev/null)\n"
    "  if test -n \"$s\" && test \"$s\" != Z; then\n"
    "    echo \"$1 $prev\" >>{D}/overlap\n"
    "  fi\n"
    "fi\n"
    "echo $$ >>{D}/$1.pids\n"
    "sleep 100000 &\n"
    "wait\n";

static struct th *
crash_tend(const char *cgroups)
{
	char conf[512];
	struct th *t;

	snprintf(conf, sizeof(conf),
	    "[tend]\n"
	    "cgroups = %s\n"
	    "[program:a]\n"
	    "command = sh {D}/crash.sh a\n"
	    "[program:b]\n"
	    "command = sh {D}/crash.sh b\n",
	    cgroups);
	t = th_new(conf);
	th_write(t, "crash.sh", crash_sh);
	th_launch(t);
	return t;
}

/* D/stopped holds "NAME PID" exactly once. */
static void
assert_stopped_once(struct th *t, const char *name, pid_t pid)
{
	char line[64], *s = th_contents(t, "stopped");

	snprintf(line, sizeof(line), "%s %d\n", name, (int)pid);
	ck_assert_msg(th_occurrences(s, line) == 1,
	    "%s's leftover (pid %d) should have been stopped (TERM) exactly "
	    "once; D/stopped: %s",
	    name, (int)pid, s);
	free(s);
}

static void
assert_no_overlap(struct th *t)
{
	char *s = th_read(t, "overlap");

	ck_assert_msg(s == NULL, "two copies ran at once: %s", s);
}

/* The state file beside the socket lists run r (its pid and group). */
static bool
state_lists(struct th *t, const void *arg)
{
	const struct th_run *r = arg;
	char *s = th_read(t, "tend.sock.state"), find[32];
	bool yes;

	snprintf(find, sizeof(find), "\n%d %d ", (int)r->pid, (int)r->pid);
	yes = s != NULL && strstr(s, find) != NULL;
	free(s);
	return yes;
}

/* tend is SIGKILLed only once its state file lists a1 and b1: a tend
 * killed between a spawn and the file's next write cannot know that
 * program (the cgroup can), which is not what these tests are about. */
static void
kill_once_recorded(
    struct th *t, const struct th_run *a1, const struct th_run *b1)
{
	th_wait(t, state_lists, a1, DEADLINE_MS, "a in the state file");
	th_wait(t, state_lists, b1, DEADLINE_MS, "b in the state file");
	th_signal(t, SIGKILL);
}

/* Kill tend, start it again: the leftovers are stopped, then the
 * programs start again, each once. */
static void
crash_and_restart(const char *cgroups)
{
	struct th_run a1, b1, a2, b2;
	struct th *t = crash_tend(cgroups);
	char *err;

	a1 = th_up(t, "a", 1);
	b1 = th_up(t, "b", 1);
	kill_once_recorded(t, &a1, &b1);
	th_relaunch(t);
	a2 = th_up(t, "a", 2);
	b2 = th_up(t, "b", 2);
	ck_assert_msg(!th_run_alive(&a1) && !th_run_alive(&b1),
	    "the predecessor's programs run beside the new ones (adopted?)");
	assert_no_overlap(t);
	assert_stopped_once(t, "a", a1.pid);
	assert_stopped_once(t, "b", b1.pid);
	err = th_stderr(t);
	ck_assert_msg(strstr(err, "a: stopping what a previous tend left") &&
	                  strstr(err, "b: stopping what a previous tend left"),
	    "the leftovers' stops are not logged: %s", err);
	free(err);
	ck_assert(th_run_alive(&a2) && th_run_alive(&b2));
	ck_assert_int_eq(th_stop(t), 0);
}

START_TEST(after_a_sigkill_leftovers_in_cgroups_are_stopped_before_the_start)
{
	NEED(th_cgroup_ok);
	crash_and_restart("yes");
}
END_TEST

START_TEST(after_a_sigkill_leftovers_in_the_state_file_are_stopped_first)
{
	crash_and_restart("no");
}
END_TEST

/* A process of this test's, not tend's: waits until killed. Returns
 * once it leads a group of its own (setsid), as a program does. */
static pid_t
bystander(void)
{
	struct pollfd pfd;
	int up[2], n;
	pid_t pid;

	ck_assert_int_eq(pipe2(up, O_CLOEXEC), 0);
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		/* Check's handlers are the test's: a TERM here would end
		 * the test with a bare "signal 15", not its own message */
		(void)signal(SIGTERM, SIG_DFL);
		(void)signal(SIGINT, SIG_DFL);
		(void)setsid();
		close(up[1]); /* in its own group now */
		for (;;)
			pause();
	}
	close(up[1]);
	pfd = (struct pollfd){.fd = up[0], .events = POLLIN};
	while ((n = poll(&pfd, 1, DEADLINE_MS)) == -1 && errno == EINTR)
		;
	close(up[0]);
	ck_assert_msg(n == 1, "the bystander did not run setsid in time");
	return pid;
}

/* A bystander whose start time is not b1's: start times are in clock
 * ticks (10 ms), and one forked in b1's tick is b1 to anyone. */
static struct th_run
bystander_after(const struct th_run *b1)
{
	struct th_run by;
	int wstatus;

	for (;;) {
		by.pid = bystander();
		by.start = th_starttime(by.pid);
		if (by.start != b1->start)
			return by;
		kill(by.pid, SIGKILL);
		waitpid(by.pid, &wstatus, 0);
	}
}

/* D/tend.sock.state with old's pid replaced by pid (start time kept):
 * as if old's pid had been given to another process. */
static void
swap_pid_in_state(struct th *t, pid_t old, pid_t pid)
{
	char *s = th_read(t, "tend.sock.state"), *out, find[32], *at;
	size_t len;

	ck_assert_msg(s != NULL, "no state file beside the socket");
	snprintf(find, sizeof(find), "\n%d %d ", (int)old, (int)old);
	at = strstr(s, find);
	ck_assert_msg(
	    at != NULL, "pid %d not in the state file: %s", (int)old, s);
	len = strlen(s) + 64;
	out = malloc(len);
	ck_assert_ptr_nonnull(out);
	snprintf(out, len, "%.*s\n%d %d %s", (int)(at - s), s, (int)pid,
	    (int)pid, at + strlen(find));
	th_write(t, "tend.sock.state", out);
	free(out);
	free(s);
}

START_TEST(a_state_file_pid_now_another_process_is_left_alone)
{
	struct th_run a1, b1, a2, by;
	struct th *t = crash_tend("no");
	char *err;
	int wstatus;

	a1 = th_up(t, "a", 1);
	b1 = th_up(t, "b", 1);
	kill_once_recorded(t, &a1, &b1);
	/* b's leftover ends, and its pid goes to an unrelated process
	 * (same pid and group in the file, another start time) */
	kill(-b1.pid, SIGKILL);
	th_wait_gone(t, b1.pid, b1.start, DEADLINE_MS);
	by = bystander_after(&b1);
	swap_pid_in_state(t, b1.pid, by.pid);
	th_relaunch(t);
	a2 = th_up(t, "a", 2);
	(void)th_up(t, "b", 2);
	assert_stopped_once(t, "a", a1.pid);
	assert_no_overlap(t);
	if (!th_run_alive(&by)) {
		waitpid(by.pid, &wstatus, 0);
		ck_abort_msg("the process given b's old pid was killed by the "
		             "new tend");
	}
	err = th_stderr(t);
	if (strstr(err, "b: stopping what a previous tend left") != NULL)
		kill(by.pid, SIGKILL);
	ck_assert_msg(
	    strstr(err, "b: stopping what a previous tend left") == NULL,
	    "the new tend took an unrelated process for b's leftover: %s", err);
	free(err);
	ck_assert(th_run_alive(&a2));
	kill(by.pid, SIGKILL);
	waitpid(by.pid, &wstatus, 0);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

static Suite *
crash_suite(void)
{
	Suite *s = suite_create("crash");
	TCase *tc = tcase_create("crash");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, NULL, th_stop_all);
	tcase_add_test(tc,
	    after_a_sigkill_leftovers_in_cgroups_are_stopped_before_the_start);
	tcase_add_test(
	    tc, after_a_sigkill_leftovers_in_the_state_file_are_stopped_first);
	tcase_add_test(tc, a_state_file_pid_now_another_process_is_left_alone);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return th_main(crash_suite());
}
