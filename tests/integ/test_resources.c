/*
 * test_resources.c: find the offender, contain it, kill it (SPEC 9): top
 * lists the busiest program first, whether it burns itself or through a
 * forked child; inspect lists every process of a program with its wait
 * channel; cpu_max, memory_max and pids_max hold (in cgroup v2 where it
 * has the controller, else through the controller's v1 hierarchy, as on
 * this project's machines); an OOM kill reads `oom`.
 *
 * A limit needs its controller somewhere: a test that finds it in
 * neither cgroup v2 nor a writable v1 hierarchy skips, saying so.
 * Programs that need more than sh are python3 scripts written to the
 * test's directory (meson needs python3 anyway). CPU shares are measured
 * over a window from /proc (the program's own CPU time), against a
 * generous bound; no timing of tend is asserted.
 */
#include <sys/types.h>

#include <check.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "mountinfo.h"

#define DEADLINE_MS TH_DEADLINE_MS

#define BURN(name) "sh -c 'echo $$ >>{D}/" name ".pids;while :;do :;done'"
/* the main process sleeps; a child it forked burns */
#define FORK_BURN(name)                                                        \
	"sh -c 'echo $$ >>{D}/" name ".pids;sh -c \"while :;do :;done\" & "    \
	"exec sleep 100000'"

/* ------------------------------------------------------------- helpers */

/* python3 itself, not a wrapper (pyenv's shims fork on their own) */
static const char *
python3(void)
{
	return access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3"
	                                             : "python3";
}

/* conf with each %s a python3 */
static struct th *
new_with_python(const char *conf)
{
	char text[2048];

	snprintf(text, sizeof(text), conf, python3(), python3());
	return th_new(text);
}

/* Where the controller can be used: v2 (tend's test cgroup has it), or a
 * writable v1 hierarchy; NULL and why otherwise. */
static const char *
controller_home(struct th *t, const char *ctl, char *why, size_t size)
{
	char mnt[4096], root[4096], path[4200], buf[256];
	bool rw = false;
	FILE *f;
	int r;

	if (th_cgroup(t) != NULL) {
		snprintf(
		    path, sizeof(path), "%s/cgroup.controllers", th_cgroup(t));
		f = fopen(path, "re");
		if (f != NULL && fgets(buf, sizeof(buf), f) != NULL &&
		    strstr(buf, ctl) != NULL) {
			fclose(f);
			return "v2";
		}
		if (f != NULL)
			fclose(f);
	}
	f = fopen("/proc/self/mountinfo", "re");
	if (f == NULL)
		return NULL;
	r = mountinfo_cgroup1(
	    f, ctl, mnt, sizeof(mnt), root, sizeof(root), &rw);
	fclose(f);
	if (r == 0 && rw)
		return "v1";
	snprintf(why, size,
	    "the %s controller is in neither cgroup v2 nor a writable "
	    "v1 hierarchy here",
	    ctl);
	return NULL;
}

/* The first line of out after its header that names a program: the
 * program's name (its first word), into name. */
static void
first_row(const char *out, char *name, size_t size)
{
	const char *nl = strchr(out, '\n');

	name[0] = '\0';
	if (nl != NULL)
		sscanf(nl + 1, "%63s", name);
	(void)size;
}

/* The line of out whose first word is word, or NULL. */
static const char *
row_of(const char *out, const char *word)
{
	const char *p = out;
	char first[64];

	while (p != NULL && *p != '\0') {
		if (sscanf(p, "%63s", first) == 1 && strcmp(first, word) == 0)
			return p;
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return NULL;
}

/* Whether the burner comes first in one of two snapshots of top. */
static void
assert_first_in_top(struct th *t, const char *burner)
{
	char *out = NULL, first[64] = "";
	int i, rc;

	for (i = 0; i < 2; i++) {
		free(out);
		rc = th_ctl(t, &out, "top");
		ck_assert_msg(rc == 0, "tendctl top: exit %d: %s", rc, out);
		first_row(out, first, sizeof(first));
		if (strcmp(first, burner) == 0)
			break;
	}
	ck_assert_msg(strcmp(first, burner) == 0,
	    "%s is not on top's first data line:\n%s", burner, out);
	ck_assert_msg(strncmp(out, "NAME ", 5) == 0 &&
	                  strstr(out, "CPU%") != NULL &&
	                  strstr(out, "PROCS") != NULL,
	    "top's header: %s", out);
	free(out);
}

static const char *
three(bool fork_burns)
{
	return fork_burns
	           ? "[supervisor:root]\n"
	             "children = z_idle m_burn a_idle\n"
	             "[program:z_idle]\ncommand = {S:z_idle}\n"
	             "[program:m_burn]\ncommand = " FORK_BURN(
	                 "m_burn") "\n"
	                           "[program:a_idle]\ncommand = {S:a_idle}\n"
	           : "[supervisor:root]\n"
	             "children = z_idle m_burn a_idle\n"
	             "[program:z_idle]\ncommand = {S:z_idle}\n"
	             "[program:m_burn]\ncommand = " BURN(
	                 "m_burn") "\n"
	                           "[program:a_idle]\ncommand = {S:a_idle}\n";
}

/* CPU time of pid in seconds (utime + stime). */
static double
cpu_seconds(pid_t pid)
{
	struct th_stat st;

	if (th_stat(pid, &st) == -1)
		return -1.0;
	return (double)st.cpu_ticks / (double)sysconf(_SC_CLK_TCK);
}

/* The share of one CPU pid used over about ms milliseconds. */
static double
cpu_share(struct th *t, pid_t pid, int ms)
{
	double c0 = cpu_seconds(pid), c1;
	long long t0 = th_now_ms(), t1;
	struct timespec step = {0, 50 * 1000000};

	while (th_now_ms() - t0 < ms)
		nanosleep(&step, NULL); /* the window measured, not a wait */
	c1 = cpu_seconds(pid);
	t1 = th_now_ms();
	ck_assert_msg(c0 >= 0 && c1 >= 0, "pid %d ended while measured%s",
	    (int)pid, th_stderr(t));
	return (c1 - c0) * 1000.0 / (double)(t1 - t0);
}

/* ------------------------------------------------------------------ top */

START_TEST(top_shows_a_cpu_burner_on_its_first_data_line)
{
	struct th *t = th_start(three(false));

	th_up(t, "z_idle", 1);
	th_up(t, "m_burn", 1);
	th_up(t, "a_idle", 1);
	assert_first_in_top(t, "m_burn");
	th_stop(t);
}
END_TEST

START_TEST(top_counts_a_forked_child_that_burns)
{
	struct th *t = th_start(three(true));
	char *out = NULL;
	const char *line;
	long long procs = 0;

	th_up(t, "z_idle", 1);
	th_up(t, "m_burn", 1);
	th_up(t, "a_idle", 1);
	assert_first_in_top(t, "m_burn");
	/* PROCS counts the main process and its child */
	ck_assert_int_eq(th_ctl(t, &out, "top"), 0);
	line = row_of(out, "m_burn");
	ck_assert_msg(
	    line != NULL &&
	        sscanf(line, "%*s %*s %*s %*s %*s %lld", &procs) == 1 &&
	        procs == 2,
	    "m_burn's PROCS should be 2:\n%s", out);
	free(out);
	th_stop(t);
}
END_TEST

START_TEST(json_top_and_status_carry_cpu_memory_and_processes)
{
	struct th *t = th_start(three(true));
	char *out = NULL;

	th_up(t, "m_burn", 1);
	th_up(t, "z_idle", 1);
	ck_assert_int_eq(th_ctl(t, &out, "--json top"), 0);
	ck_assert_msg(strstr(out, "\"cpu_percent\":") != NULL &&
	                  strstr(out, "\"mem_bytes\":") != NULL &&
	                  strstr(out, "\"procs\":2") != NULL,
	    "--json top: %s", out);
	free(out);
	ck_assert_int_eq(th_ctl(t, &out, "--json status"), 0);
	ck_assert_msg(strstr(out, "\"cpu_usec\":") != NULL &&
	                  strstr(out, "\"mem_bytes\":") != NULL &&
	                  strstr(out, "\"procs\":2") != NULL,
	    "--json status: %s", out);
	free(out);
	th_stop(t);
}
END_TEST

/* -------------------------------------------------------------- inspect */

/* The children of pid (/proc/PID/task/PID/children) into v: how many. */
static int
children_of(pid_t pid, pid_t *v, int max)
{
	char path[64];
	FILE *f;
	int n = 0, c;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid,
	    (int)pid);
	f = fopen(path, "re");
	if (f == NULL)
		return 0;
	while (n < max && fscanf(f, "%d", &c) == 1)
		v[n++] = c;
	fclose(f);
	return n;
}

static void
read_wchan(pid_t pid, char *buf, size_t size)
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/wchan", (int)pid);
	buf[0] = '\0';
	f = fopen(path, "re");
	if (f != NULL) {
		if (fgets(buf, (int)size, f) == NULL)
			buf[0] = '\0';
		fclose(f);
	}
}

struct sleepers {
	pid_t main;
	pid_t kids[4];
	int n;
};

static bool
two_sleeping_children(struct th *t, const void *arg)
{
	struct sleepers *s = (struct sleepers *)(uintptr_t)arg;
	char wchan[64];
	int i;

	(void)t;
	s->n = children_of(s->main, s->kids, 4);
	if (s->n != 2)
		return false;
	for (i = 0; i < s->n; i++) {
		read_wchan(s->kids[i], wchan, sizeof(wchan));
		if (strstr(wchan, "sleep") == NULL)
			return false;
	}
	read_wchan(s->main, wchan, sizeof(wchan)); /* dash: sigsuspend */
	return wchan[0] != '\0' && strcmp(wchan, "0") != 0;
}

START_TEST(inspect_lists_every_process_with_its_wait_channel)
{
	struct th *t = th_start("[program:p]\ncommand = sh -c 'echo $$ "
	                        ">>{D}/p.pids;sleep 100001 & sleep 100002 & "
	                        "wait'\n");
	struct sleepers s = {0};
	char *out = NULL, wchan[64], pid[16];
	const char *line;
	pid_t all[3];
	int i;

	s.main = th_up(t, "p", 1).pid;
	th_wait(t, two_sleeping_children, &s, DEADLINE_MS,
	    "p's two children to sleep and p to wait for them");
	ck_assert_int_eq(th_ctl(t, &out, "inspect p"), 0);
	all[0] = s.main;
	all[1] = s.kids[0];
	all[2] = s.kids[1];
	for (i = 0; i < 3; i++) {
		read_wchan(all[i], wchan, sizeof(wchan));
		snprintf(pid, sizeof(pid), "%d", (int)all[i]);
		line = row_of(out, pid);
		ck_assert_msg(line != NULL, "pid %d is not listed:\n%s",
		    (int)all[i], out);
		ck_assert_msg(wchan[0] != '\0' && strstr(line, wchan) != NULL &&
		                  strstr(line, wchan) < strchr(line, '\n'),
		    "pid %d's line lacks its wait channel %s:\n%s", (int)all[i],
		    wchan, out);
	}
	/* the children are indented below their parent, with their
	 * command lines */
	ck_assert_msg(strstr(out, "    ") != NULL &&
	                  strstr(out, "sleep 100001") != NULL &&
	                  strstr(out, "sleep 100002") != NULL,
	    "%s", out);
	free(out);
	ck_assert_int_eq(th_ctl(t, &out, "inspect nosuch"), 3);
	free(out);
	th_stop(t);
}
END_TEST

START_TEST(inspect_shows_a_supervisor_and_a_programs_history)
{
	struct th *t = th_start("[supervisor:grp]\nchildren = ka kb\n"
	                        "strategy = rest_for_one\nintensity = 7\n"
	                        "[program:ka]\ncommand = {S:ka}\n"
	                        "[program:kb]\ncommand = {S:kb}\n");
	char *out = NULL;

	th_up(t, "ka", 1);
	th_up(t, "kb", 1);
	ck_assert_int_eq(th_ctl(t, &out, "inspect grp"), 0);
	ck_assert_msg(
	    strstr(out, "rest_for_one") != NULL &&
	        strstr(out, "INTENSITY  7 in 10s, 0 restarts") != NULL &&
	        strstr(out, "grp/ka") != NULL && strstr(out, "grp/kb") != NULL,
	    "%s", out);
	free(out);
	/* a crash: its end, the restart counted in the window */
	ck_assert_int_eq(th_ctl(t, &out, "kill ka"), 0);
	free(out);
	th_up(t, "ka", 2);
	ck_assert_int_eq(th_ctl(t, &out, "inspect grp"), 0);
	ck_assert_msg(
	    strstr(out, "1 restarts in the current window") != NULL, "%s", out);
	free(out);
	ck_assert_int_eq(th_ctl(t, &out, "inspect ka"), 0);
	ck_assert_msg(strstr(out, "RECENT EXITS") != NULL &&
	                  strstr(out, "signal:KILL") != NULL,
	    "%s", out);
	free(out);
	th_stop(t);
}
END_TEST

/* --------------------------------------------------------------- limits */

START_TEST(cpu_max_holds_a_burner_near_its_share)
{
	struct th *t =
	    th_new("[program:hog]\ncommand = " BURN("hog") "\n"
	                                                   "cpu_max = 20%\n");
	char why[256], *out = NULL;
	double share;
	struct th_run run;

	if (controller_home(t, "cpu", why, sizeof(why)) == NULL) {
		th_skip(__func__, "%s", why);
		th_stop(t);
		return;
	}
	th_launch(t);
	run = th_up(t, "hog", 1);
	share = cpu_share(t, run.pid, 3000);
	ck_assert_msg(share <= 0.35,
	    "hog used %.0f%% of a CPU with cpu_max = 20%%", share * 100);
	ck_assert_msg(th_run_alive(&run), "hog was restarted meanwhile");
	ck_assert_int_eq(th_ctl(t, &out, "inspect hog"), 0);
	ck_assert_msg(strstr(out, "cpu_max      20%") != NULL, "%s", out);
	free(out);
	th_stop(t);
}
END_TEST

/* The first child of pid, or -1. */
static pid_t
child_of(pid_t pid)
{
	char path[64];
	int child = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid,
	    (int)pid);
	f = fopen(path, "re");
	if (f == NULL)
		return -1;
	if (fscanf(f, "%d", &child) != 1)
		child = -1;
	fclose(f);
	return (pid_t)child;
}

/* A limit added by reload reaches the live cgroup: the burner and its
 * forked child are moved into it, and nothing restarts. */
START_TEST(a_limit_added_by_reload_holds_without_a_restart)
{
	static const char conf[] = "[program:hog]\ncommand = " FORK_BURN(
	    "hog") "\n%s"
	           "[program:calm]\ncommand = {S:calm}\n";
	struct th *t = th_new("[program:calm]\ncommand = {S:calm}\n");
	char text[1024], why[256], *out = NULL;
	struct th_run hog, calm;
	double share;
	pid_t child;
	int rc;

	if (controller_home(t, "cpu", why, sizeof(why)) == NULL) {
		th_skip(__func__, "%s", why);
		th_stop(t);
		return;
	}
	snprintf(text, sizeof(text), conf, "");
	th_write(t, "tend.conf", text);
	th_launch(t);
	hog = th_up(t, "hog", 1);
	calm = th_up(t, "calm", 1);
	snprintf(text, sizeof(text), conf, "cpu_max = 20%\n");
	th_write(t, "tend.conf", text);
	rc = th_ctl(t, &out, "reload");
	ck_assert_msg(rc == 0, "reload: exit %d: %s", rc, out);
	free(out);
	/* the burning child: the one child of hog's main process */
	child = child_of(hog.pid);
	ck_assert_msg(child > 0, "hog's burning child is not found");
	share = cpu_share(t, child, 3000);
	ck_assert_msg(share <= 0.35,
	    "hog's child used %.0f%% of a CPU after cpu_max = 20%% was "
	    "added by reload",
	    share * 100);
	ck_assert_msg(th_run_alive(&hog) && th_run_alive(&calm),
	    "a reload that adds a limit restarted a program");
	ck_assert_int_eq(th_ctl(t, &out, "inspect hog"), 0);
	ck_assert_msg(strstr(out, "cpu_max      20%") != NULL, "%s", out);
	free(out);
	th_stop(t);
}
END_TEST

static const char oom_py[] =
    "import os, sys, time\n"
    "open(sys.argv[1] + '/mem.pids', 'a').write('%d\\n' % os.getpid())\n"
    "if os.path.exists(sys.argv[1] + '/ran'):\n"
    "    time.sleep(100000)\n"
    "open(sys.argv[1] + '/ran', 'w').close()\n"
    "held = []\n"
    "for i in range(64):\n"
    "    held.append(bytearray(b'x' * (4 << 20)))\n"
    "open(sys.argv[1] + '/survived', 'w').close()\n"
    "time.sleep(100000)\n";

START_TEST(memory_max_ends_in_oom_and_a_restart)
{
	struct th *t = new_with_python("[program:mem]\n"
	                               "command = %s {D}/oom.py {D}\n"
	                               "memory_max = 32M\n"
	                               "restart = transient\n");
	char why[256], *out = NULL;
	const char *line;

	if (controller_home(t, "memory", why, sizeof(why)) == NULL) {
		th_skip(__func__, "%s", why);
		th_stop(t);
		return;
	}
	th_write(t, "oom.py", oom_py);
	th_launch(t);
	th_up(t, "mem", 2); /* killed at 32M, restarted: it sleeps */
	ck_assert_msg(!th_file_has(t, "survived", ""),
	    "mem allocated 256M under memory_max = 32M");
	ck_assert_int_eq(th_ctl(t, &out, "status mem"), 0);
	line = row_of(out, "mem");
	ck_assert_msg(line != NULL && strstr(line, " oom") != NULL,
	    "LAST-EXIT should read oom:\n%s", out);
	free(out);
	th_assert_stderr_has(t, "mem: killed by the OOM killer");
	th_stop(t);
}
END_TEST

static const char forker_py[] =
    "import os, sys, time\n"
    "open(sys.argv[1] + '/pb.pids', 'a').write('%d\\n' % os.getpid())\n"
    "ok = fail = 0\n"
    "for i in range(20):\n"
    "    try:\n"
    "        if os.fork() == 0:\n"
    "            time.sleep(100000)\n"
    "            os._exit(0)\n"
    "        ok += 1\n"
    "    except OSError:\n"
    "        fail += 1\n"
    "open(sys.argv[1] + '/forks.tmp', 'w').write('ok=%d fail=%d\\n' % (ok, "
    "fail))\n"
    "os.rename(sys.argv[1] + '/forks.tmp', sys.argv[1] + '/forks')\n"
    "time.sleep(100000)\n";

START_TEST(pids_max_on_a_supervisor_bounds_its_whole_subtree)
{
	struct th *t =
	    new_with_python("[supervisor:root]\nchildren = grp\n"
	                    "[supervisor:grp]\nchildren = pa pb\n"
	                    "pids_max = 8\n"
	                    "[program:pa]\ncommand = sh -c 'echo $$ "
	                    ">>{D}/pa.pids;sleep 100000 & sleep 100000 & "
	                    "wait'\n"
	                    "[program:pb]\ncommand = %s {D}/forker.py "
	                    "{D}\n");
	char why[256];
	int zombies, n, ok = -1, fail = -1;
	char *forks;

	if (controller_home(t, "pids", why, sizeof(why)) == NULL) {
		th_skip(__func__, "%s", why);
		th_stop(t);
		return;
	}
	th_write(t, "forker.py", forker_py);
	th_launch(t);
	th_up(t, "pa", 1);
	th_up(t, "pb", 1);
	th_wait_file(t, "forks", "fail=", DEADLINE_MS);
	forks = th_contents(t, "forks");
	ck_assert_msg(
	    sscanf(forks, "ok=%d fail=%d", &ok, &fail) == 2 && fail > 0,
	    "pb's 20 forks under pids_max = 8: %s", forks);
	free(forks);
	/* tend's descendants are pa's and pb's processes alone */
	n = th_descendants(t, &zombies);
	ck_assert_msg(n - zombies <= 8,
	    "grp's subtree holds %d processes with pids_max = 8", n - zombies);
	th_stop(t);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("resources");
	TCase *tc = tcase_create("resources");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, top_shows_a_cpu_burner_on_its_first_data_line);
	tcase_add_test(tc, top_counts_a_forked_child_that_burns);
	tcase_add_test(tc, json_top_and_status_carry_cpu_memory_and_processes);
	tcase_add_test(tc, inspect_lists_every_process_with_its_wait_channel);
	tcase_add_test(tc, inspect_shows_a_supervisor_and_a_programs_history);
	tcase_add_test(tc, cpu_max_holds_a_burner_near_its_share);
	tcase_add_test(tc, a_limit_added_by_reload_holds_without_a_restart);
	tcase_add_test(tc, memory_max_ends_in_oom_and_a_restart);
	tcase_add_test(tc, pids_max_on_a_supervisor_bounds_its_whole_subtree);
	suite_add_tcase(s, tc);
	return th_main(s);
}
