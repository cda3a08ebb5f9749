/*
 * test_upgrade.c: tend replaces itself in place (SPEC 7 Upgrade, SPEC 11
 * Control socket `upgrade`, Live change: Upgrade). The same process runs
 * the new binary; no program restarts or changes pid; a program in
 * backoff is restarted when its delay ends; one being stopped is killed
 * at its deadline and started again; every line of a writer arrives once,
 * in order; upgrades that cannot happen leave the old tend going on with
 * exit 1 and the reason; ten upgrades in a row grow no descriptor; PID 1
 * upgrades too; after a reload, the reloaded configuration is handed
 * over; causes, a give-up and exit histories are kept; tend goes on
 * (restarts, answers) while the new binary checks the state, and a
 * handover begun meanwhile ends the upgrade.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <check.h>
#include <dirent.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#define DEADLINE_MS TH_DEADLINE_MS
#define HOLD_MS 500
#define MANY 100

#define NEED(ok)                                                               \
	do {                                                                   \
		const char *why_;                                              \
		if (!ok(&why_)) {                                              \
			th_skip(__func__, "%s", why_);                         \
			return;                                                \
		}                                                              \
	} while (0)

/* A fresh copy of tend at D/bin/NAME (a new inode, mode 0755): its
 * path into buf. */
static const char *
install_tend(struct th *t, const char *name, char *buf, size_t size)
{
	char dir[PATH_MAX];
	const char *argv[] = {
	    "install", "-D", "-m", "0755", getenv("TEND_BIN"), buf, NULL};
	char *out;

	th_path(t, "bin", dir, sizeof(dir));
	if ((size_t)snprintf(
	        buf, size, "%.*s/%s", (int)(size / 2), dir, name) >= size)
		ck_abort_msg("path too long");
	ck_assert_msg(th_run(t, NULL, argv, &out) == 0, "install: %s", out);
	free(out);
	return buf;
}

/* /proc/PID/exe names path. */
static bool
runs(pid_t pid, const char *path)
{
	char link[64], target[PATH_MAX];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/%d/exe", (int)pid);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return false;
	target[n] = '\0';
	return strcmp(target, path) == 0;
}

/* `tendctl upgrade path` succeeds: same tend, now running path. */
static void
upgrade_to(struct th *t, const char *path)
{
	pid_t pid = th_tend_pid(t);
	unsigned long long start = th_tend_start(t);
	char *out;
	int rc = th_ctl(t, &out, "upgrade %s", path);

	ck_assert_msg(rc == 0, "tendctl upgrade %s: exit %d: %s\n%s", path, rc,
	    out, th_stderr(t));
	ck_assert_msg(strstr(out, "upgraded: tend") != NULL,
	    "tendctl upgrade printed %s", out);
	free(out);
	ck_assert_msg(th_alive(pid, start), "tend is gone after the upgrade");
	ck_assert_msg(runs(pid, path), "tend does not run %s", path);
}

static int
fd_count(pid_t pid)
{
	char path[64];
	struct dirent *e;
	DIR *d;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	d = opendir(path);
	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* The writer's lines in D/logs/w.log: n=1 .. n=last, once each, in
 * order, then last=N. */
static void
assert_lines_once(struct th *t)
{
	char *log = th_contents(t, "logs/w.log"), *line, *save = NULL;
	long want = 1, last = -1;

	for (line = strtok_r(log, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "last=%ld", &last) == 1)
			break;
		ck_assert_msg(strncmp(line, "n=", 2) == 0 &&
		                  strtol(line + 2, NULL, 10) == want,
		    "line %ld of w.log is \"%s\"", want, line);
		want++;
	}
	ck_assert_msg(last == want - 1, "w.log: last=%ld after %ld lines", last,
	    want - 1);
	free(log);
}

static bool
log_has_lines(struct th *t, const void *arg)
{
	char *log = th_contents(t, "logs/w.log");
	bool ok = strstr(log, (const char *)arg) != NULL;

	free(log);
	return ok;
}

START_TEST(an_upgrade_keeps_100_programs_a_backoff_a_stop_and_every_line)
{
	static const char writer[] = "i=0\n"
	                             "echo $$ >>{D}/w.pids\n"
	                             "while :; do\n"
	                             "  if test -e {D}/w.stop; then echo "
	                             "last=$i; exec sleep 100000; fi\n"
	                             "  i=$((i+1)); echo n=$i; sleep 0.002\n"
	                             "done\n";
	size_t len = 0, cap = 64 * MANY + 1024;
	char *conf = malloc(cap), bin[PATH_MAX], name[16], *out;
	char name0[PATH_MAX];
	struct th_run runs0[MANY], bo, slow;
	struct th *t;
	int i;

	ck_assert_ptr_nonnull(conf);
	len += (size_t)snprintf(conf + len, cap - len,
	    "[tend]\nlog_dir = {D}/logs\n"
	    "[supervisor:root]\nintensity = 20\n"
	    "[program:w]\ncommand = sh {D}/w.sh\n"
	    "[program:bo]\ncommand = {S:bo}\nbackoff = 2s..2s\n"
	    "[program:slow]\ncommand = sh {D}/slow.sh\nshutdown = 2s\n");
	for (i = 0; i < MANY; i++)
		len += (size_t)snprintf(conf + len, cap - len,
		    "[program:p%d]\ncommand = {S:p%d}\n", i, i);
	t = th_new(conf);
	free(conf);
	th_write(t, "w.sh", writer);
	th_write(t, "slow.sh",
	    "trap '' TERM\necho $$ >>{D}/slow.pids\n"
	    "while :; do sleep 1; done\n");
	th_path(t, "logs", name0, sizeof(name0));
	ck_assert_int_eq(mkdir(name0, 0755), 0);
	th_launch(t);
	for (i = 0; i < MANY; i++) {
		snprintf(name, sizeof(name), "p%d", i);
		runs0[i] = th_up(t, name, 1);
	}
	bo = th_up(t, "bo", 1);
	slow = th_up(t, "slow", 1);
	th_wait(t, log_has_lines, "n=50\n", DEADLINE_MS, "50 lines of w");
	/* bo crashes into its 2 s backoff; slow is being stopped */
	ck_assert_int_eq(kill(bo.pid, SIGKILL), 0);
	th_wait_gone(t, bo.pid, bo.start, DEADLINE_MS);
	ck_assert_int_eq(th_ctl(t, &out, "restart --no-wait slow"), 0);
	free(out);
	upgrade_to(t, install_tend(t, "tend-next", bin, sizeof(bin)));
	for (i = 0; i < MANY; i++) {
		snprintf(name, sizeof(name), "p%d", i);
		ck_assert_msg(th_run_alive(&runs0[i]), "%s restarted", name);
	}
	(void)th_up(t, "bo", 2);   /* its backoff ended after the upgrade */
	(void)th_up(t, "slow", 2); /* killed at its deadline, started */
	ck_assert(!th_run_alive(&slow));
	th_write(t, "w.stop", "");
	th_wait(t, log_has_lines, "last=", DEADLINE_MS, "w's last line");
	assert_lines_once(t);
	for (i = 0; i < MANY; i++) {
		snprintf(name, sizeof(name), "p%d", i);
		ck_assert_msg(th_run_alive(&runs0[i]), "%s restarted", name);
	}
	th_wait_count(t, "w", 1, DEADLINE_MS);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

/* tendctl upgrade path fails with 1, saying why (matching said), and
 * the old tend goes on, running what it ran. */
static void
refused(struct th *t, const char *path, const char *said)
{
	pid_t pid = th_tend_pid(t);
	char *out, exe[PATH_MAX], link[64];
	ssize_t n;
	int rc;

	snprintf(link, sizeof(link), "/proc/%d/exe", (int)pid);
	n = readlink(link, exe, sizeof(exe) - 1);
	ck_assert_int_gt(n, 0);
	exe[n] = '\0';
	rc = th_ctl(t, &out, "upgrade %s", path);
	ck_assert_msg(rc == 1 && strstr(out, said) != NULL,
	    "tendctl upgrade %s: exit %d: %s (expected 1 and \"%s\")", path, rc,
	    out, said);
	free(out);
	ck_assert(th_alive(pid, th_tend_start(t)));
	ck_assert_msg(runs(pid, exe), "tend no longer runs %s", exe);
	ck_assert_int_eq(th_ctl(t, &out, "status"), 0);
	free(out);
}

START_TEST(an_upgrade_that_cannot_happen_leaves_the_old_tend_going_on)
{
	char bin[PATH_MAX], junk[PATH_MAX], no[PATH_MAX], ok[PATH_MAX];
	const char *argv[] = {
	    "install", "-m", "0755", "/bin/false", NULL, NULL};
	struct th_run a;
	struct th *t;
	char *out;

	t = th_start("[program:a]\ncommand = {S:a}\n");
	a = th_up(t, "a", 1);
	install_tend(t, "tend-ow", bin, sizeof(bin));
	ck_assert_int_eq(chmod(bin, 0757), 0);
	refused(t, bin, "writable by its group or others");
	install_tend(t, "junk", junk, sizeof(junk));
	th_write(t, "bin/junk", "not a program\n");
	ck_assert_int_eq(chmod(junk, 0755), 0);
	refused(t, junk, "Exec format error");
	th_path(t, "bin/false", no, sizeof(no));
	argv[4] = no;
	ck_assert_int_eq(th_run(t, NULL, argv, &out), 0);
	free(out);
	refused(t, no, "refused the state");
	th_path(t, "bin/missing", no, sizeof(no));
	refused(t, no, "No such file or directory");
	ck_assert(th_run_alive(&a));
	upgrade_to(t, install_tend(t, "tend-ok", ok, sizeof(ok)));
	ck_assert(th_run_alive(&a));
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(ten_upgrades_in_a_row_grow_no_descriptor)
{
	struct th_run a, b;
	char bin[PATH_MAX], name[32];
	struct th *t;
	int i, before, after;

	t = th_new("[tend]\nlog_dir = {D}\n"
	           "[program:a]\ncommand = {S:a}\n"
	           "[program:b]\ncommand = sh {D}/b.sh\n");
	th_write(t, "b.sh",
	    "echo $$ >>{D}/b.pids\nwhile :; do echo hi; sleep 0.05; done\n");
	th_launch(t);
	a = th_up(t, "a", 1);
	b = th_up(t, "b", 1);
	upgrade_to(t, install_tend(t, "tend-0", bin, sizeof(bin)));
	before = fd_count(th_tend_pid(t));
	for (i = 1; i <= 10; i++) {
		snprintf(name, sizeof(name), "tend-%d", i);
		upgrade_to(t, install_tend(t, name, bin, sizeof(bin)));
	}
	after = fd_count(th_tend_pid(t));
	ck_assert_msg(after <= before + 1,
	    "descriptors before and after 10 upgrades: %d, %d", before, after);
	ck_assert(th_run_alive(&a) && th_run_alive(&b));
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(as_pid1_an_upgrade_keeps_pid_1_and_the_programs)
{
	struct th_run a, a2;
	char bin[PATH_MAX];
	struct th *t;
	char *out;

	NEED(th_pid1_ok);
	t = th_start_pid1("[program:a]\ncommand = {S:a}\n"
	                  "[program:b]\ncommand = {S:b}\n");
	a = th_up(t, "a", 1);
	(void)th_up(t, "b", 1);
	install_tend(t, "tend-next", bin, sizeof(bin));
	ck_assert_int_eq(th_ctl(t, &out, "upgrade %s", bin), 0);
	free(out);
	ck_assert_int_eq(th_ns_pid(th_tend_pid(t), NULL), 1);
	ck_assert(th_run_alive(&a));
	ck_assert_int_eq(kill(a.pid, SIGKILL), 0);
	a2 = th_up(t, "a", 2);
	ck_assert(th_run_alive(&a2));
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

/* NAME's line of `tendctl status` has word. */
static bool
status_has(struct th *t, const char *name, const char *word)
{
	char *out, *line, *save = NULL;
	bool found = false;

	(void)th_ctl(t, &out, "status %s", name);
	for (line = strtok_r(out, "\n", &save); line != NULL && !found;
	     line = strtok_r(NULL, "\n", &save))
		found = strncmp(line, name, strlen(name)) == 0 &&
		        strstr(line, word) != NULL;
	free(out);
	return found;
}

static bool
one_run(struct th *t, const void *arg)
{
	return th_pids(t, arg, NULL, 0) == 1;
}

static bool
g_failed(struct th *t, const void *arg)
{
	char *out;
	bool failed;

	(void)arg;
	(void)th_ctl(t, &out, "status --all g");
	failed = strncmp(out, "NAME", 4) == 0 && strstr(out, "\ng ") != NULL &&
	         strstr(strstr(out, "\ng "), "failed") != NULL;
	free(out);
	return failed;
}

static bool
srv_running(struct th *t, const void *arg)
{
	(void)arg;
	return status_has(t, "srv", "running");
}

static bool
nt_running(struct th *t, const void *arg)
{
	(void)arg;
	return status_has(t, "nt", "running");
}

START_TEST(readiness_and_the_watchdog_go_on_across_an_upgrade)
{
	/*
	 * nt (ready = notify) is still starting at the upgrade: it says
	 * READY=1 after it, through the same NOTIFY_SOCKET, and is seen
	 * ready. wd pings its watchdog (1 s) every 200 ms: the new tend's
	 * watchdog goes on, and never fires.
	 */
	const char *bin = getenv("TEND_NOTIFIER_BIN");
	char conf[1024], path[PATH_MAX];
	struct th_run nt, wd;
	struct th *t;

	ck_assert_msg(bin != NULL, "TEND_NOTIFIER_BIN is not set");
	snprintf(conf, sizeof(conf),
	    "[program:wd]\ncommand = %s pid:{D}/wd.pids send:READY=1 "
	    "ping:200\nready = notify\nwatchdog = 1s\n"
	    "[program:nt]\ncommand = %s pid:{D}/nt.pids gate:{D}/go "
	    "send:READY=1\nready = notify\nstart_timeout = 1m\n",
	    bin, bin);
	t = th_start(conf);
	wd = th_up(t, "wd", 1); /* started first: nt holds the sequence */
	nt = th_up(t, "nt", 1);
	ck_assert(status_has(t, "nt", "starting"));
	upgrade_to(t, install_tend(t, "tend-next", path, sizeof(path)));
	ck_assert(status_has(t, "nt", "starting"));
	th_write(t, "go", "");
	th_wait(t, nt_running, NULL, DEADLINE_MS, "nt to be seen ready");
	upgrade_to(t, install_tend(t, "tend-next2", path, sizeof(path)));
	th_hold(t, one_run, "wd", 1500,
	    "wd never restarted (its watchdog "
	    "going on, fed)");
	ck_assert(th_run_alive(&nt) && th_run_alive(&wd));
	ck_assert(status_has(t, "wd", "running"));
	ck_assert_int_eq(th_pids(t, "nt", NULL, 0), 1);
	ck_assert_int_eq(th_pids(t, "wd", NULL, 0), 1);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(an_upgrade_after_a_reload_carries_the_reloaded_configuration)
{
	/*
	 * The file is reloaded (b added), then edited again without a
	 * reload (c added): the new tend runs the tree the reload made, a
	 * and b kept, c not started, and its own reload reads the same file
	 * (tend was started with -c).
	 */
	static const char a[] = "[program:a]\ncommand = {S:a}\n";
	static const char ab[] = "[program:a]\ncommand = {S:a}\n"
	                         "[program:b]\ncommand = {S:b}\n";
	static const char abc[] = "[program:a]\ncommand = {S:a}\n"
	                          "[program:b]\ncommand = {S:b}\n"
	                          "[program:c]\ncommand = {S:c}\n";
	struct th_run ra, rb;
	char bin[PATH_MAX], *out;
	struct th *t;

	t = th_start(a);
	ra = th_up(t, "a", 1);
	th_write(t, "tend.conf", ab);
	ck_assert_int_eq(th_ctl(t, &out, "reload"), 0);
	free(out);
	rb = th_up(t, "b", 1);
	th_write(t, "tend.conf", abc);
	upgrade_to(t, install_tend(t, "tend-next", bin, sizeof(bin)));
	ck_assert(th_run_alive(&ra) && th_run_alive(&rb));
	ck_assert(status_has(t, "b", "running"));
	ck_assert_int_eq(th_ctl(t, &out, "status c"), 3);
	free(out);
	ck_assert_int_eq(th_pids(t, "c", NULL, 0), 0);
	ck_assert_int_eq(th_ctl(t, &out, "reload"), 0);
	free(out);
	(void)th_up(t, "c", 1);
	ck_assert(th_run_alive(&ra) && th_run_alive(&rb));
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

/* out with every "uptime_ms":N made "uptime_ms":_ (it moves). */
static void
drop_uptimes(char *out)
{
	char *at = out;

	while ((at = strstr(at, "\"uptime_ms\":")) != NULL) {
		char *num = at + strlen("\"uptime_ms\":"), *end = num;

		while (*end >= '0' && *end <= '9')
			end++;
		if (end > num) {
			*num = '_';
			memmove(num + 1, end, strlen(end) + 1);
		}
		at = num;
	}
}

/* `tendctl status --all --json` without uptimes; and `inspect y` from
 * its RECENT EXITS on. */
static void
why_and_past(struct th *t, char **status, char **past)
{
	char *out, *at;

	ck_assert_int_eq(th_ctl(t, status, "status --all --json"), 0);
	drop_uptimes(*status);
	ck_assert_int_eq(th_ctl(t, &out, "inspect y"), 0);
	at = strstr(out, "RECENT EXITS");
	ck_assert_msg(at != NULL, "inspect y: %s", out);
	*past = strdup(at);
	free(out);
}

START_TEST(an_upgrade_keeps_causes_a_give_up_and_exit_histories)
{
	/* g gives up at x's end and is not restarted (temporary); y is
	 * restarted once: every cause, g's give-up and who caused it, and
	 * y's recent exits are the same after the upgrade. */
	char bin[PATH_MAX], *st0, *past0, *st1, *past1;
	struct th_run x, y;
	struct th *t;

	t = th_start("[supervisor:root]\nintensity = 5\nperiod = 60s\n"
	             "children = g y\n"
	             "[supervisor:g]\nintensity = 0\nrestart = temporary\n"
	             "children = x\n"
	             "[program:x]\ncommand = {S:x}\n"
	             "[program:y]\ncommand = {S:y}\n");
	x = th_up(t, "x", 1);
	y = th_up(t, "y", 1);
	ck_assert_int_eq(kill(y.pid, SIGKILL), 0);
	(void)th_up(t, "y", 2);
	ck_assert_int_eq(kill(x.pid, SIGKILL), 0);
	th_wait_gone(t, x.pid, x.start, DEADLINE_MS);
	th_wait(t, g_failed, NULL, DEADLINE_MS, "g to give up");
	why_and_past(t, &st0, &past0);
	ck_assert_msg(strstr(st0, "\"gave_up_by\":\"g/x\"") != NULL &&
	                  strstr(past0, "signal:KILL") != NULL,
	    "before the upgrade: %s\n%s", st0, past0);
	upgrade_to(t, install_tend(t, "tend-next", bin, sizeof(bin)));
	why_and_past(t, &st1, &past1);
	ck_assert_str_eq(st1, st0);
	ck_assert_str_eq(past1, past0);
	free(st0);
	free(past0);
	free(st1);
	free(past1);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(tend_goes_on_while_the_new_binary_checks_the_state)
{
	/*
	 * The new binary (slowcheck, then the real tend) takes its time to
	 * check the state: meanwhile tend restarts a crashed program,
	 * answers status, and refuses a reload and a second upgrade, saying
	 * why. The state handed over is the one at the exec: the new tend
	 * knows a's run started during the check (restarts it once killed).
	 */
	const char *slow = getenv("TEND_SLOWCHECK_BIN");
	struct th_run a1, a2, b;
	struct th_stream up;
	struct th *t;
	char *out;
	int rc;

	ck_assert_msg(slow != NULL, "TEND_SLOWCHECK_BIN is not set");
	t = th_start("[program:a]\ncommand = {S:a}\n"
	             "[program:b]\ncommand = {S:b}\n");
	a1 = th_up(t, "a", 1);
	b = th_up(t, "b", 1);
	th_stream_ctl(t, &up, "upgrade %s", slow);
	th_wait_file(t, "check.started", "\n", DEADLINE_MS);
	ck_assert_int_eq(kill(a1.pid, SIGKILL), 0);
	a2 = th_up(t, "a", 2);
	ck_assert(status_has(t, "a", "running"));
	rc = th_ctl(t, &out, "reload");
	ck_assert_msg(rc != 0 && strstr(out, "an upgrade is under way") != NULL,
	    "reload during the check: exit %d: %s", rc, out);
	free(out);
	rc = th_ctl(t, &out, "upgrade");
	ck_assert_msg(rc == 1 && strstr(out, "an upgrade is under way") != NULL,
	    "a second upgrade: exit %d: %s", rc, out);
	free(out);
	th_stream_read(&up, 0);
	ck_assert_msg(strstr(up.buf, "upgraded") == NULL,
	    "the upgrade did not wait for its check: %s", up.buf);
	th_write(t, "check.go", "");
	rc = th_stream_finish(&up, DEADLINE_MS);
	ck_assert_msg(rc == 0 && strstr(up.buf, "upgraded: tend") != NULL,
	    "tendctl upgrade: exit %d: %s", rc, up.buf);
	free(up.buf);
	ck_assert(th_run_alive(&a2) && th_run_alive(&b));
	ck_assert_int_eq(kill(a2.pid, SIGKILL), 0);
	(void)th_up(t, "a", 3);
	ck_assert(th_run_alive(&b));
	ck_assert_int_eq(th_pids(t, "b", NULL, 0), 1);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(a_handover_begun_during_the_check_ends_the_upgrade)
{
	/*
	 * A state cannot carry a handover under way: one begun while the new
	 * binary checks the state (tendctl restart of a start_first
	 * program) ends the upgrade, saying so; the old tend goes on, and
	 * the handover ends as it would have.
	 */
	const char *slow = getenv("TEND_SLOWCHECK_BIN");
	struct th_run old, now;
	struct th_stream up;
	struct th *t;
	char conf[2048], *out;
	int rc;

	ck_assert_msg(slow != NULL && getenv("TEND_LSERVER_BIN") != NULL,
	    "TEND_SLOWCHECK_BIN or TEND_LSERVER_BIN is not set");
	snprintf(conf, sizeof(conf),
	    "[program:srv]\ncommand = %s {D} srv --ready-after 1500\n"
	    "listen = unix:{D}/srv.sock\nready = notify\n"
	    "handover = start_first\nstart_timeout = 20s\n",
	    getenv("TEND_LSERVER_BIN"));
	t = th_start(conf);
	old = th_up(t, "srv", 1);
	th_wait(t, srv_running, NULL, DEADLINE_MS, "srv to be ready");
	th_stream_ctl(t, &up, "upgrade %s", slow);
	th_wait_file(t, "check.started", "\n", DEADLINE_MS);
	ck_assert_int_eq(th_ctl(t, &out, "restart --no-wait srv"), 0);
	free(out);
	now = th_up(t, "srv", 2); /* the new instance starts; old serves */
	ck_assert(th_run_alive(&old));
	th_write(t, "check.go", "");
	rc = th_stream_finish(&up, DEADLINE_MS);
	ck_assert_msg(
	    rc == 1 && strstr(up.buf, "a handover is under way") != NULL,
	    "tendctl upgrade: exit %d: %s", rc, up.buf);
	free(up.buf);
	th_wait_gone(t, old.pid, old.start, DEADLINE_MS); /* handed over */
	ck_assert(th_run_alive(&now));
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

static Suite *
upgrade_suite(void)
{
	Suite *s = suite_create("upgrade");
	TCase *tc = tcase_create("upgrade");

	tcase_set_timeout(tc, 90);
	tcase_add_checked_fixture(tc, NULL, th_stop_all);
	tcase_add_test(
	    tc, an_upgrade_keeps_100_programs_a_backoff_a_stop_and_every_line);
	tcase_add_test(
	    tc, an_upgrade_that_cannot_happen_leaves_the_old_tend_going_on);
	tcase_add_test(tc, ten_upgrades_in_a_row_grow_no_descriptor);
	tcase_add_test(tc, readiness_and_the_watchdog_go_on_across_an_upgrade);
	tcase_add_test(tc, as_pid1_an_upgrade_keeps_pid_1_and_the_programs);
	tcase_add_test(
	    tc, an_upgrade_after_a_reload_carries_the_reloaded_configuration);
	tcase_add_test(
	    tc, an_upgrade_keeps_causes_a_give_up_and_exit_histories);
	tcase_add_test(tc, tend_goes_on_while_the_new_binary_checks_the_state);
	tcase_add_test(tc, a_handover_begun_during_the_check_ends_the_upgrade);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return th_main(upgrade_suite());
}
