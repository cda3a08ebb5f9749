/*
 * test_ready.c: readiness, health checks and the watchdog (SPEC 3, 4, 5
 * and 11 Notify, Health) through the real tend: each ready mode holds
 * the start sequence until the program is ready, a start that is not
 * ready in time fails, a READY=1 from outside the program is refused,
 * health checks and the watchdog end a program as an abnormal exit, and
 * tendctl shows all of it. Programs speak sd_notify through the test
 * program notifier (raw datagrams), through libsystemd's sd_notify()
 * where it was found at build time, and through systemd-notify where it
 * is installed. No timing is asserted: deadlines catch a stalled loop,
 * holds (WATCH_MS) watch that something does not happen.
 */
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

#include <check.h>
#include <dirent.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctltest.h"
#include "harness.h"

#define WATCH_MS 800 /* how long "it does not happen" is watched */
#define CONF_MAX 4096

/* The conf text with every "{N}" replaced by the notifier's path. */
static struct th *
start_with(const char *conf)
{
	const char *bin = getenv("TEND_NOTIFIER_BIN");
	char out[CONF_MAX];
	const char *s, *hit;
	size_t len = 0;

	ck_assert_msg(bin != NULL, "TEND_NOTIFIER_BIN is not set");
	for (s = conf; (hit = strstr(s, "{N}")) != NULL; s = hit + 3)
		len += (size_t)snprintf(out + len, sizeof(out) - len, "%.*s%s",
		    (int)(hit - s), s, bin);
	snprintf(out + len, sizeof(out) - len, "%s", s);
	ck_assert_uint_lt(strlen(out), sizeof(out) - 1);
	return th_start(out);
}

/* NAME's row of `tendctl status` (NAME its first word), or NULL. */
static char *
status_row(struct th *t, const char *name)
{
	char *out = NULL, *line, *next, *row = NULL;
	size_t n = strlen(name);

	if (th_ctl(t, &out, "status") != 0) {
		free(out);
		return NULL;
	}
	for (line = out; line != NULL && *line != '\0'; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		if (strncmp(line, name, n) == 0 && line[n] == ' ') {
			row = strdup(line);
			break;
		}
	}
	free(out);
	return row;
}

/* What row_has looks for: a word of NAME's status row. */
struct word {
	const char *name, *word;
};

static bool
row_has(struct th *t, const void *arg)
{
	const struct word *w = arg;
	char *row = status_row(t, w->name), *tok, *save = NULL;
	bool found = false;

	for (tok = row ? strtok_r(row, " ", &save) : NULL; tok != NULL;
	     tok = strtok_r(NULL, " ", &save))
		if (strcmp(tok, w->word) == 0)
			found = true;
	free(row);
	return found;
}

static void
wait_row(struct th *t, const char *name, const char *word)
{
	struct word w = {name, word};
	char what[256];

	snprintf(what, sizeof(what), "%s's status row to show %s", name, word);
	th_wait(t, row_has, &w, DEADLINE_MS, what);
}

/* Whether `next` has started: it records its pid when it runs. */
static bool
next_not_started(struct th *t, const void *arg)
{
	struct th_count none = {"next", 0};

	(void)arg;
	return th_count_is(t, &none);
}

/* Starting, and the next sibling waits; then the gate opens and both
 * run, the next one only after. */
static void
held_until_gate(struct th *t, const char *name)
{
	struct word starting = {name, "starting"};
	char go[32];

	(void)th_up(t, name, 1);
	th_hold(t, row_has, &starting, WATCH_MS / 2,
	    "the program to show starting until it is ready");
	th_hold(t, next_not_started, NULL, WATCH_MS / 2,
	    "the next sibling to wait for readiness");
	snprintf(go, sizeof(go), "%s.go", name);
	th_write(t, go, "");
	(void)th_up(t, "next", 1);
	wait_row(t, name, "running");
}

#define NEXT "[program:next]\ncommand = {S:next}\n"

static int
runs(struct th *t, const char *name)
{
	pid_t pids[TH_MAX_PIDS];

	return th_pids(t, name, pids, TH_MAX_PIDS);
}

static bool
no_file(struct th *t, const void *file)
{
	char *text = th_read(t, file);

	free(text);
	return text == NULL;
}

/* ------------------------------------------------------------ ready modes */

START_TEST(ready_notify_holds_the_sequence_until_ready_1)
{
	struct th *t = start_with(
	    "[supervisor:root]\nchildren = n, next\n"
	    "[program:n]\nready = notify\n"
	    "command = {N} pid:{D}/n.pids gate:{D}/n.go send:READY=1\n" NEXT);

	held_until_gate(t, "n");
	th_assert_stderr_has(t, "n: ready (READY=1)");
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(ready_fd_holds_the_sequence_until_a_newline_on_fd_n)
{
	struct th *t =
	    th_start("[supervisor:root]\nchildren = f, next\n"
	             "[program:f]\nready = fd:5\n"
	             "command = sh -c 'echo $$ >>{D}/f.pids;"
	             "while ! test -e {D}/f.go; do sleep 0.05; done;"
	             "printf x >&5; echo >&5; exec sleep 100000'\n" NEXT);

	held_until_gate(t, "f");
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(ready_exec_holds_the_sequence_until_the_command_exits_0)
{
	struct th *t = th_start("[supervisor:root]\nchildren = e, next\n"
	                        "[program:e]\nready = exec:test -e {D}/e.go\n"
	                        "command = {S:e}\n" NEXT);

	held_until_gate(t, "e");
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(a_readiness_command_that_cannot_run_is_said_once)
{
	struct th *t = th_start("[program:e]\nready = exec:/nonexistent/check\n"
	                        "start_timeout = 1s\nrestart = temporary\n"
	                        "command = {S:e}\n");
	char *err;

	wait_row(t, "e", "timeout");
	err = th_stderr(t);
	ck_assert_msg(
	    th_occurrences(err, "e: readiness check: "
	                        "/nonexistent/check could not be run") == 1,
	    "not said once: %s", err);
	free(err);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(ready_tcp_holds_the_sequence_until_the_port_accepts)
{
	char conf[CONF_MAX];
	int port = th_free_port();
	struct th *t;

	/* python3 is there wherever meson runs */
	snprintf(conf, sizeof(conf),
	    "[supervisor:root]\nchildren = p, next\n"
	    "[program:p]\nready = tcp:%d\n"
	    "command = sh -c 'echo $$ >>{D}/p.pids;"
	    "while ! test -e {D}/p.go; do sleep 0.05; done;"
	    "exec python3 -c \"import socket,time;s=socket.socket();"
	    "s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1);"
	    "s.bind((\\\"127.0.0.1\\\",%d));s.listen(8);time.sleep(1e6)\"'"
	    "\n" NEXT,
	    port, port);
	t = th_start(conf);
	held_until_gate(t, "p");
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

/* ----------------------------------------------------------- notify */

START_TEST(status_text_is_shown_and_unknown_fields_are_ignored)
{
	struct th *t = start_with(
	    "[program:n]\nready = notify\ncommand = {N} pid:{D}/n.pids "
	    "send:X_UNKNOWN=1|READY=1|STATUS=warming "
	    "send:STATUS=serving-42-clients\n");
	char *out = NULL;

	wait_row(t, "n", "running");
	wait_row(t, "n", "serving-42-clients");
	ck_assert_int_eq(th_ctl(t, &out, "--json status"), 0);
	ck_assert_msg(
	    strstr(out, "\"status_text\":\"serving-42-clients\"") != NULL,
	    "no status_text in %s", out);
	free(out);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

/* Send text to the notify socket addr from this process (not the
 * program's): 0, or -1. */
static int
send_from_outside(const char *addr, const char *text)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t alen = strlen(addr);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0), r;

	ck_assert_int_ge(fd, 0);
	ck_assert_uint_lt(alen, sizeof(sa.sun_path));
	memcpy(sa.sun_path, addr, alen);
	if (addr[0] == '@')
		sa.sun_path[0] = '\0';
	r = (int)sendto(fd, text, strlen(text), 0, (struct sockaddr *)&sa,
	    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + alen));
	close(fd);
	return r == -1 ? -1 : 0;
}

/* The value of KEY in D/file, lines of KEY=VALUE, into buf. */
static void
env_value(
    struct th *t, const char *file, const char *key, char *buf, size_t size)
{
	char *text = th_contents(t, file), *hit, want[64];

	snprintf(want, sizeof(want), "%s=", key);
	hit = strstr(text, want);
	ck_assert_msg(hit != NULL, "no %s in %s: %s", key, file, text);
	hit += strlen(want);
	snprintf(buf, size, "%.*s", (int)strcspn(hit, "\n"), hit);
	free(text);
}

START_TEST(a_ready_1_from_outside_the_program_is_refused)
{
	struct th *t = start_with(
	    "[supervisor:root]\nchildren = n, next\n"
	    "[program:n]\nready = notify\n"
	    "command = {N} pid:{D}/n.pids env:{D}/n.env gate:{D}/n.go "
	    "send:READY=1\n" NEXT);
	struct word starting = {"n", "starting"};
	char addr[256];

	th_wait_file(t, "n.env", "PID=", DEADLINE_MS);
	env_value(t, "n.env", "NOTIFY_SOCKET", addr, sizeof(addr));
	ck_assert_msg(addr[0] != '\0', "no NOTIFY_SOCKET given");
	ck_assert_int_eq(send_from_outside(addr, "READY=1\nSTATUS=forged"), 0);
	th_hold(t, row_has, &starting, WATCH_MS,
	    "n to stay starting after a stranger's READY=1");
	th_hold(t, next_not_started, NULL, WATCH_MS / 4,
	    "the next sibling to wait still");
	th_write(t, "n.go", "");
	(void)th_up(t, "next", 1);
	wait_row(t, "n", "running");
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(ready_1_then_exit_0_is_a_normal_exit_of_a_started_program)
{
	/* both are waiting when tend looks: READY=1 must come first */
	struct th *t =
	    start_with("[program:n]\nready = notify\nrestart = transient\n"
	               "command = {N} pid:{D}/n.pids send:READY=1 exit:0\n");
	struct th_count one = {"n", 1};

	wait_row(t, "n", "exit:0");
	wait_row(t, "n", "exited");
	th_hold(t, th_count_is, &one, WATCH_MS, "no restart of n");
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(extend_timeout_usec_extends_start_timeout)
{
	struct th *t = start_with(
	    "[supervisor:root]\nintensity = 20\nchildren = ext, noext\n"
	    "[program:ext]\nready = notify\nstart_timeout = 1s\n"
	    "command = {N} pid:{D}/ext.pids send:EXTEND_TIMEOUT_USEC=5000000 "
	    "sleep:2000 send:READY=1\n"
	    "[program:noext]\nready = notify\nstart_timeout = 1s\n"
	    "restart = temporary\n"
	    "command = {N} pid:{D}/noext.pids sleep:2000 send:READY=1\n");
	struct th_count one = {"ext", 1};

	wait_row(t, "noext", "timeout");
	wait_row(t, "ext", "running");
	th_hold(t, th_count_is, &one, WATCH_MS / 4, "a single run of ext");
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

/* ------------------------------------------------------- start_timeout */

START_TEST(not_ready_in_time_stops_the_whole_group_and_restarts)
{
	struct th *t =
	    th_start("[supervisor:root]\nintensity = 20\nchildren = slow\n"
	             "[program:slow]\nready = notify\nstart_timeout = 1s\n"
	             "command = sh -c 'echo $$ >>{D}/slow.pids;"
	             "sleep 100000 & echo $! >>{D}/kid.pids; wait'\n");
	struct th_run first = th_up(t, "slow", 1), kid;

	th_wait_file(t, "kid.pids", "\n", DEADLINE_MS);
	kid = (struct th_run){th_pid(t, "kid", 1), 0};
	kid.start = th_starttime(kid.pid);
	(void)th_up(t, "slow", 2);
	ck_assert(!th_run_alive(&first));
	th_wait_gone(t, kid.pid, kid.start, DEADLINE_MS);
	wait_row(t, "slow", "timeout");
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(timed_out_starts_are_backed_off_and_count_toward_intensity)
{
	struct th *t =
	    th_start("[supervisor:root]\nintensity = 2\nperiod = 60s\n"
	             "[program:slow]\nready = notify\nstart_timeout = 300ms\n"
	             "backoff = 200ms..1s\ncommand = {S:slow}\n");

	/* three failed starts: the third is one restart too many */
	ck_assert_int_eq(th_wait_exit(t, 3 * DEADLINE_MS), 3);
	th_assert_stderr_has(t, "slow: not ready within start_timeout");
	th_assert_stderr_has(t, "restarting in 200ms");
	th_assert_stderr_has(t, "restarting in 400ms");
	th_stop_after_exit(t, 3, NULL, DEADLINE_MS);
}
END_TEST

START_TEST(tendctl_start_waits_for_readiness_and_fails_at_start_timeout)
{
	struct th *t = start_with(
	    "[program:late]\nready = notify\nautostart = no\n"
	    "command = {N} pid:{D}/late.pids sleep:500 env:{D}/late.ready "
	    "send:READY=1\n"
	    "[program:never]\nready = notify\nautostart = no\n"
	    "start_timeout = 1s\ncommand = {S:never}\n");
	char *out = NULL, *row;

	ct_answering(t);
	ck_assert_int_eq(th_ctl(t, &out, "start late"), 0);
	free(out);
	ck_assert_msg(th_file_has(t, "late.ready", "PID="),
	    "tendctl start returned before the program was ready");
	row = status_row(t, "late");
	ck_assert_msg(row != NULL && strstr(row, "running") != NULL,
	    "late is not running: %s", row ? row : "(none)");
	free(row);
	ck_assert_int_eq(th_ctl(t, &out, "start never"), 1);
	ck_assert_msg(strstr(out, "not ready within start_timeout") != NULL,
	    "tendctl start never said: %s", out);
	free(out);
	wait_row(t, "never", "stopped");
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(tendctl_health_names_a_program_still_starting)
{
	struct th *t = start_with(
	    "[program:fine]\ncommand = {S:fine}\n"
	    "[program:boot]\nready = notify\n"
	    "command = {N} pid:{D}/boot.pids gate:{D}/boot.go send:READY=1\n");
	char *out = NULL;

	(void)th_up(t, "fine", 1);
	(void)th_up(t, "boot", 1);
	ck_assert_int_eq(th_ctl(t, &out, "health"), 1);
	ck_assert_msg(
	    strstr(out, "boot") != NULL && strstr(out, "fine") == NULL,
	    "health said: %s", out);
	free(out);
	ck_assert_int_eq(th_ctl(t, &out, "health --alive"), 0);
	free(out);
	th_write(t, "boot.go", "");
	wait_row(t, "boot", "running");
	ck_assert_int_eq(th_ctl(t, &out, "health"), 0);
	free(out);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

/* ------------------------------------------------------------- health */

START_TEST(failing_exec_checks_restart_the_program_passing_ones_do_not)
{
	struct th *t = th_start(
	    "[supervisor:root]\nintensity = 50\nchildren = sick, fine\n"
	    "[program:sick]\ncommand = {S:sick}\nhealth = exec:false\n"
	    "health_interval = 100ms\nhealth_retries = 2\n"
	    "[program:fine]\ncommand = {S:fine}\nhealth = exec:true\n"
	    "health_interval = 100ms\nhealth_retries = 2\n");
	struct th_run fine = th_up(t, "fine", 1);

	(void)th_up(t, "sick", 2);
	wait_row(t, "sick", "health");
	ck_assert(th_run_alive(&fine));
	ck_assert_int_eq(runs(t, "fine"), 1);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(tcp_checks_fail_on_a_closed_port)
{
	char conf[CONF_MAX];
	struct th *t;

	snprintf(conf, sizeof(conf),
	    "[supervisor:root]\nintensity = 50\n"
	    "[program:sick]\ncommand = {S:sick}\nhealth = tcp:%d\n"
	    "health_interval = 100ms\nhealth_retries = 2\n",
	    th_free_port());
	t = th_start(conf);
	(void)th_up(t, "sick", 2);
	wait_row(t, "sick", "health");
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

/* How many processes run argv[0] == "sleep" with argv[1] == mark. */
static int
count_sleeps(const char *mark)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)) != NULL) {
		char path[300], buf[256];
		FILE *f;
		size_t len;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/cmdline", e->d_name);
		f = fopen(path, "re");
		if (f == NULL)
			continue;
		len = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[len] = '\0';
		if (strcmp(buf, "sleep") == 0 && len > 6 &&
		    strcmp(buf + 6, mark) == 0)
			n++;
	}
	closedir(d);
	return n;
}

struct sleeps {
	const char *mark;
	int most;
};

static bool
at_most_one_check(struct th *t, const void *arg)
{
	struct sleeps *s = (struct sleeps *)(uintptr_t)arg;
	int n = count_sleeps(s->mark);

	(void)t;
	if (n > s->most)
		s->most = n;
	return n <= 1;
}

static bool
no_sleeps(struct th *t, const void *arg)
{
	(void)t;
	return count_sleeps(arg) == 0;
}

/* No process below tend, zombies included. */
static bool
nothing_below_tend(struct th *t, const void *arg)
{
	(void)arg;
	return th_descendants(t, NULL) == 0;
}

START_TEST(a_hung_check_that_forks_is_killed_with_its_child_and_reaped)
{
	char conf[CONF_MAX], mark[32];
	struct sleeps s = {mark, 0};
	struct th *t;
	char *out = NULL;
	int zombies;

	snprintf(mark, sizeof(mark), "%d.%d", (int)getpid(), 4242);
	snprintf(conf, sizeof(conf),
	    "[supervisor:root]\nintensity = 50\n"
	    "[program:h]\ncommand = {S:h}\n"
	    "health = exec:sh -c 'sleep %s & wait'\n"
	    "health_interval = 100ms\nhealth_timeout = 300ms\n"
	    "health_retries = 3\n",
	    mark);
	t = th_start(conf);
	(void)th_up(t, "h", 1);
	th_hold(t, at_most_one_check, &s, 2 * WATCH_MS,
	    "at most one check (and its forked sleep) at a time");
	(void)th_up(t, "h", 2);
	wait_row(t, "h", "health");
	ck_assert_int_eq(th_ctl(t, &out, "stop h"), 0);
	free(out);
	th_wait(t, no_sleeps, mark, DEADLINE_MS,
	    "no check's forked sleep left after h stopped");
	/* a killed sleep is a zombie with no cmdline (no_sleeps is true)
	 * until tend's loop reaps it, with its sh: wait for that */
	th_wait(t, nothing_below_tend, NULL, DEADLINE_MS,
	    "the check and its forked sleep reaped after h stopped");
	ck_assert_int_eq(th_descendants(t, &zombies), 0);
	ck_assert_int_eq(zombies, 0);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(checks_begin_once_ready_and_the_streak_is_shown)
{
	struct th *t = start_with(
	    "[program:late]\nready = notify\n"
	    "command = {N} pid:{D}/late.pids gate:{D}/late.go send:READY=1\n"
	    "health = exec:sh -c 'echo x >>{D}/checks; exit 1'\n"
	    "health_interval = 100ms\nhealth_retries = 1000\n");
	char *out = NULL;

	(void)th_up(t, "late", 1);
	th_hold(t, no_file, "checks", WATCH_MS,
	    "no health check before the program is ready");
	th_write(t, "late.go", "");
	th_wait_file(t, "checks", "x\nx\nx\n", DEADLINE_MS);
	ck_assert_int_eq(th_ctl(t, &out, "--json status"), 0);
	ck_assert_msg(strstr(out, "\"health_fail_streak\":") != NULL &&
	                  strstr(out, "\"health_fail_streak\":0") == NULL &&
	                  strstr(out, "\"health_fail_streak\":null") == NULL,
	    "no failing streak in %s", out);
	free(out);
	ck_assert_int_eq(th_ctl(t, &out, "health"), 1);
	ck_assert_msg(strstr(out, "failing its health checks") != NULL,
	    "health said: %s", out);
	free(out);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

/* ----------------------------------------------------------- watchdog */

START_TEST(the_watchdog_aborts_a_silent_program_and_spares_a_pinging_one)
{
	struct th *t = start_with(
	    "[supervisor:root]\nintensity = 50\nchildren = mute, pinger\n"
	    "[program:mute]\nready = notify\nwatchdog = 500ms\n"
	    "shutdown = 300ms\n"
	    "command = {N} trap:{D}/mute.sig pid:{D}/mute.pids send:READY=1\n"
	    "[program:pinger]\nready = notify\nwatchdog = 500ms\n"
	    "command = {N} pid:{D}/pinger.pids send:READY=1 ping:100\n");
	struct th_run pinger = th_up(t, "pinger", 1);
	char *sig;

	(void)th_up(t, "mute", 2);
	sig = th_contents(t, "mute.sig");
	ck_assert_msg(strncmp(sig, "ABRT\n", 5) == 0,
	    "the watchdog's first signal was not SIGABRT: %s", sig);
	free(sig);
	wait_row(t, "mute", "watchdog");
	ck_assert(th_run_alive(&pinger));
	ck_assert_int_eq(runs(t, "pinger"), 1);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(watchdog_variables_are_given_only_with_a_watchdog)
{
	struct th *t = start_with(
	    "[program:wd]\nready = notify\nwatchdog = 2s\n"
	    "command = {N} pid:{D}/wd.pids env:{D}/wd.env send:READY=1 "
	    "ping:200\n"
	    "[program:plain]\ncommand = {N} pid:{D}/plain.pids "
	    "env:{D}/plain.env\n");
	struct th_run wd = th_up(t, "wd", 1);
	char v[64], pid[32];

	th_wait_file(t, "wd.env", "PID=", DEADLINE_MS);
	th_wait_file(t, "plain.env", "PID=", DEADLINE_MS);
	env_value(t, "wd.env", "WATCHDOG_USEC", v, sizeof(v));
	ck_assert_str_eq(v, "2000000");
	env_value(t, "wd.env", "WATCHDOG_PID", v, sizeof(v));
	snprintf(pid, sizeof(pid), "%d", (int)wd.pid);
	ck_assert_str_eq(v, pid);
	env_value(t, "plain.env", "WATCHDOG_USEC", v, sizeof(v));
	ck_assert_str_eq(v, "");
	env_value(t, "plain.env", "WATCHDOG_PID", v, sizeof(v));
	ck_assert_str_eq(v, "");
	env_value(t, "plain.env", "NOTIFY_SOCKET", v, sizeof(v));
	ck_assert_str_eq(v, "");
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

/* ------------------------------------------- sd_notify as others send it */

START_TEST(a_program_linked_with_libsystemd_works_unchanged)
{
	const char *bin = getenv("TEND_SDNOTIFY_BIN");
	char conf[CONF_MAX];
	struct th *t;

	if (bin == NULL || *bin == '\0') {
		th_skip(__func__, "libsystemd-dev was not found at build time");
		return;
	}
	snprintf(conf, sizeof(conf),
	    "[supervisor:root]\nchildren = n, next\n"
	    "[program:n]\nready = notify\n"
	    "command = %s {D}/n.pids {D}/n.go {D}/n.result\n" NEXT,
	    bin);
	t = th_start(conf);
	held_until_gate(t, "n");
	th_wait_file(t, "n.result", "\n", DEADLINE_MS);
	th_assert_file(t, "n.result", "1\n");
	wait_row(t, "n", "via-libsystemd");
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(systemd_notify_from_a_wrappers_child_makes_it_ready)
{
	struct th *t;

	if (access("/usr/bin/systemd-notify", X_OK) == -1 &&
	    access("/bin/systemd-notify", X_OK) == -1) {
		th_skip(__func__, "systemd-notify is not installed (Debian "
		                  "package systemd)");
		return;
	}
	t = th_new("[supervisor:root]\nchildren = w, next\n"
	           "[program:w]\nready = notify\ncommand = sh {D}/w.sh\n" NEXT);
	th_write(t, "w.sh",
	    "echo $$ >>{D}/w.pids\n"
	    "sh -c 'while ! test -e {D}/w.go; do sleep 0.05; done;"
	    "systemd-notify --ready --status=wrapped; echo $? >{D}/w.rc'\n"
	    "exec sleep 100000\n");
	th_launch(t);
	held_until_gate(t, "w");
	th_wait_file(t, "w.rc", "\n", DEADLINE_MS);
	th_assert_file(t, "w.rc", "0\n");
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("ready");
	TCase *tc = tcase_create("ready");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, ready_notify_holds_the_sequence_until_ready_1);
	tcase_add_test(tc, ready_fd_holds_the_sequence_until_a_newline_on_fd_n);
	tcase_add_test(
	    tc, ready_exec_holds_the_sequence_until_the_command_exits_0);
	tcase_add_test(tc, ready_tcp_holds_the_sequence_until_the_port_accepts);
	tcase_add_test(tc, a_readiness_command_that_cannot_run_is_said_once);
	tcase_add_test(tc, status_text_is_shown_and_unknown_fields_are_ignored);
	tcase_add_test(tc, a_ready_1_from_outside_the_program_is_refused);
	tcase_add_test(
	    tc, ready_1_then_exit_0_is_a_normal_exit_of_a_started_program);
	tcase_add_test(tc, extend_timeout_usec_extends_start_timeout);
	tcase_add_test(
	    tc, not_ready_in_time_stops_the_whole_group_and_restarts);
	tcase_add_test(
	    tc, timed_out_starts_are_backed_off_and_count_toward_intensity);
	tcase_add_test(
	    tc, tendctl_start_waits_for_readiness_and_fails_at_start_timeout);
	tcase_add_test(tc, tendctl_health_names_a_program_still_starting);
	tcase_add_test(
	    tc, failing_exec_checks_restart_the_program_passing_ones_do_not);
	tcase_add_test(tc, tcp_checks_fail_on_a_closed_port);
	tcase_add_test(
	    tc, a_hung_check_that_forks_is_killed_with_its_child_and_reaped);
	tcase_add_test(tc, checks_begin_once_ready_and_the_streak_is_shown);
	tcase_add_test(
	    tc, the_watchdog_aborts_a_silent_program_and_spares_a_pinging_one);
	tcase_add_test(tc, watchdog_variables_are_given_only_with_a_watchdog);
	tcase_add_test(tc, a_program_linked_with_libsystemd_works_unchanged);
	tcase_add_test(tc, systemd_notify_from_a_wrappers_child_makes_it_ready);
	suite_add_tcase(s, tc);
	return th_main(s);
}
