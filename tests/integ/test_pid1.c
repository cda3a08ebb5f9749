/*
 * test_pid1.c: tend as PID 1 of a PID namespace, and nothing left behind
 * (SPEC 2, 4 Stop, 9, 11 "Supervision" and "cgroups"): orphans reaped,
 * orderly stop and exit statuses as PID 1, the final sweep, and each
 * program in a cgroup of its own that a stop kills whole, setsid()
 * escapees included.
 *
 * PID 1 tests run tend under `unshare --pid --fork --mount-proc` and are
 * skipped (SKIP lines, listed at the end) only where that fails; cgroup
 * tests are skipped where the harness cannot give tend a writable cgroup
 * v2 of its own. No fixed sleep and no timing is asserted: deadlines
 * only catch a stall, and a hold (a negative check) lasts HOLD_MS.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <check.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

/* for anything to happen (th_up waits as long): catches a stall */
#define DEADLINE_MS TH_DEADLINE_MS
#define REAP_MS 30000 /* for 1,000 orphans to be made and reaped */
#define HOLD_MS 500   /* how long "nothing else happens" is watched */
#define ORPHANS 1000
#define MERGED_ORPHANS 20 /* orphans ending right after their maker */
#define MERGED_ROUNDS 4   /* tends that see it */

/* Skip the test (and return) unless ok(&why): th_pid1_ok (tend can run
 * as PID 1 here) or th_cgroup_ok (tend gets a cgroup v2 of its own). */
#define NEED(ok)                                                               \
	do {                                                                   \
		const char *why_;                                              \
		if (!ok(&why_)) {                                              \
			th_skip(__func__, "%s", why_);                         \
			return;                                                \
		}                                                              \
	} while (0)

/* How many times needle occurs in tend's stderr. */
static int
stderr_count(struct th *t, const char *needle)
{
	char *err = th_stderr(t);
	int n = th_occurrences(err, needle);

	free(err);
	return n;
}

/* pid's cgroup v2 directory must be want. */
static void
assert_cgroup(pid_t pid, const char *want)
{
	char got[PATH_MAX];

	ck_assert_msg(th_cgroup_of(pid, got, sizeof(got)),
	    "cannot tell the cgroup of pid %d", (int)pid);
	ck_assert_msg(strcmp(got, want) == 0, "pid %d is in cgroup %s, not %s",
	    (int)pid, got, want);
}

/* The pids listed in dir/cgroup.procs: how many (at most max stored). */
static int
cgroup_procs(const char *dir, pid_t *pids, int max)
{
	char path[PATH_MAX + 16];
	FILE *f;
	int pid, n = 0;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	f = fopen(path, "re");
	if (f == NULL)
		return -1;
	while (fscanf(f, "%d", &pid) == 1) {
		if (n < max)
			pids[n] = (pid_t)pid;
		n++;
	}
	fclose(f);
	return n;
}

static bool
has_pid(const pid_t *pids, int n, pid_t pid)
{
	int i;

	for (i = 0; i < n; i++)
		if (pids[i] == pid)
			return true;
	return false;
}

/* The names of the directories in dir, space-separated, into buf. */
static void
subdirs(const char *dir, char *buf, size_t size)
{
	struct dirent *de;
	DIR *d = opendir(dir);

	buf[0] = '\0';
	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL)
		if (de->d_type == DT_DIR && de->d_name[0] != '.') {
			strncat(buf, de->d_name, size - strlen(buf) - 1);
			strncat(buf, " ", size - strlen(buf) - 1);
		}
	closedir(d);
}

/* A program's grandchild left its process group and session. */
static void
assert_escaped(const struct th_run *prog, const struct th_run *gc)
{
	struct th_stat p, g;

	ck_assert_int_eq(th_stat(prog->pid, &p), 0);
	ck_assert_int_eq(th_stat(gc->pid, &g), 0);
	ck_assert_msg(g.pgrp != p.pgrp && g.session != p.session,
	    "test assumption: the grandchild %d (group %d, session %d) "
	    "should have left its program's group %d",
	    (int)gc->pid, (int)g.pgrp, (int)g.session, (int)p.pgrp);
}

/*
 * D/esc.sh: a program "esc" that leaves a grandchild "gc" in a session of
 * its own (setsid), as daemons escape their process group; gc_body is
 * the grandchild's shell script, which must record its pid in gc.pids.
 */
static void
write_escaper(struct th *t, const char *gc_body)
{
	char text[2048];

	snprintf(text, sizeof(text),
	    "setsid sh -c '%s' &\n"
	    "echo $$ >>{D}/esc.pids\n"
	    "exec sleep 100000\n",
	    gc_body);
	th_write(t, "esc.sh", text);
}

/* ------------------------------------------------------------- PID 1 */

/* Nothing in tend's namespace but the orphan maker, and no zombie. */
static bool
only_maker_left(struct th *t, const void *arg)
{
	int zombies, n = th_descendants(t, &zombies);

	return n == 1 && zombies == 0 && th_run_alive(arg);
}

START_TEST(as_pid1_a_thousand_orphans_are_reaped_and_no_zombie_is_left)
{
	const char *bin = getenv("TEND_ORPHANS_BIN");
	char conf[PATH_MAX + 128], want[32];
	struct th_run maker;
	struct th *t;

	NEED(th_pid1_ok);
	ck_assert_msg(bin != NULL, "TEND_ORPHANS_BIN is not set");
	snprintf(conf, sizeof(conf),
	    "[program:orph]\n"
	    "command = %s %d {D}/orph.pids {D}/orph.done\n",
	    bin, ORPHANS);
	t = th_start_pid1(conf);
	maker = th_up(t, "orph", 1);
	th_wait_file(t, "orph.done", "made=", REAP_MS);
	snprintf(want, sizeof(want), "made=%d\n", ORPHANS);
	th_assert_file(t, "orph.done", want);
	/* they all exit at once: each is a zombie until PID 1 reaps it */
	th_wait(t, only_maker_left, &maker, REAP_MS,
	    "every orphan reaped (no process in the namespace but the "
	    "maker, no zombie)");
	th_signal(t, SIGTERM);
	ck_assert_int_eq(th_wait_exit(t, DEADLINE_MS), 0);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

/* Nothing of the namespace (or below tend) but tend, zombies included. */
static bool
namespace_empty(struct th *t, const void *arg)
{
	(void)arg;
	return th_descendants(t, NULL) == 0;
}

/* Every process below tend has ended, and none is reaped yet. */
static bool
all_zombies(struct th *t, const void *arg)
{
	int zombies, n = th_descendants(t, &zombies);

	return n == *(const int *)arg && zombies == n;
}

/*
 * A program's orphans end right after it while tend is held (SIGSTOP):
 * their SIGCHLDs merge into the program's, whose end tend learns from its
 * pidfd. Once tend runs again, none of them may be left a zombie.
 */
static void
merged_sigchld_round(const char *bin)
{
	char conf[PATH_MAX + 256], go[PATH_MAX];
	int fd, everyone = MERGED_ORPHANS + 1;
	struct th *t;

	snprintf(conf, sizeof(conf),
	    "[program:orph]\n"
	    "restart = temporary\n"
	    "command = %s %d {D}/orph.pids {D}/orph.done {D}/go\n",
	    bin, MERGED_ORPHANS);
	t = th_new(conf);
	th_path(t, "go", go, sizeof(go));
	ck_assert_msg(
	    mkfifo(go, 0600) == 0, "mkfifo %s: %s", go, strerror(errno));
	th_launch(t);
	th_wait_file(t, "orph.done", "made=", DEADLINE_MS);
	ck_assert_int_eq(kill(th_tend_pid(t), SIGSTOP), 0);
	fd = open(go, O_WRONLY | O_CLOEXEC); /* the maker exits */
	ck_assert_msg(fd >= 0, "open %s: %s", go, strerror(errno));
	close(fd);
	th_wait(t, all_zombies, &everyone, DEADLINE_MS,
	    "the maker and its orphans ended while tend was stopped");
	ck_assert_int_eq(kill(th_tend_pid(t), SIGCONT), 0);
	th_wait(t, namespace_empty, NULL, DEADLINE_MS,
	    "the maker and every orphan reaped (no process, no zombie)");
	ck_assert_int_eq(th_stop(t), 0);
}

/*
 * A program's orphans end right after it while tend is held (SIGSTOP):
 * their SIGCHLDs merge into the program's, whose end tend learns from its
 * pidfd. Once tend runs again, none of them may be left a zombie. (Which
 * SIGCHLD tend is told of is the kernel's choice: a few rounds make the
 * program's all but certain to come first once.)
 */
START_TEST(orphans_whose_sigchld_merged_into_their_programs_are_reaped)
{
	const char *bin = getenv("TEND_ORPHANS_BIN");
	int i;

	ck_assert_msg(bin != NULL, "TEND_ORPHANS_BIN is not set");
	for (i = 0; i < MERGED_ROUNDS; i++)
		merged_sigchld_round(bin);
}
END_TEST

START_TEST(as_pid1_sigterm_stops_programs_in_reverse_order_and_exits_0)
{
	struct th *t;

	NEED(th_pid1_ok);
	t = th_start_pid1("[program:a]\n"
	                  "command = {T:a}\n"
	                  "[program:b]\n"
	                  "command = {T:b}\n"
	                  "[program:c]\n"
	                  "command = {T:c}\n");
	(void)th_up(t, "a", 1);
	(void)th_up(t, "b", 1);
	(void)th_up(t, "c", 1);
	ck_assert_int_eq(th_ns_pid(th_tend_pid(t), NULL), 1);
	ck_assert_int_ne(th_ns_pid(th_pid(t, "a", 1), NULL), th_pid(t, "a", 1));
	th_signal(t, SIGTERM);
	th_stop_after_exit(t, 0, "c\nb\na\n", DEADLINE_MS);
}
END_TEST

START_TEST(as_pid1_a_significant_programs_exit_status_becomes_the_namespaces)
{
	struct th *t;

	NEED(th_pid1_ok);
	t = th_start_pid1(
	    "[supervisor:root]\n"
	    "auto_shutdown = any_significant\n"
	    "children = keep job\n"
	    "[program:keep]\n"
	    "command = {T:keep}\n"
	    "[program:job]\n"
	    "restart = temporary\n"
	    "significant = yes\n"
	    "command = sh -c 'until test -s {D}/keep.pids;do sleep 0.05;"
	    "done;exit 42'\n");
	th_stop_after_exit(t, 42, "keep\n", DEADLINE_MS);
}
END_TEST

START_TEST(as_pid1_the_root_giving_up_ends_the_namespace_with_status_3)
{
	pid_t pids[TH_MAX_PIDS];
	struct th *t;

	NEED(th_pid1_ok);
	t = th_start_pid1(
	    "[supervisor:root]\n"
	    "intensity = 1\n"
	    "period = 1h\n"
	    "children = crash\n"
	    "[program:crash]\n"
	    "command = sh -c 'echo $$ >>{D}/crash.pids;exit 1'\n");
	ck_assert_int_eq(th_wait_exit(t, DEADLINE_MS), 3);
	/* one restart allowed: the second exit gives up */
	ck_assert_int_eq(th_pids(t, "crash", pids, TH_MAX_PIDS), 2);
	th_assert_stderr_has(t, "root: giving up");
	ck_assert_int_eq(th_procs_alive(t), 0);
	ck_assert_int_eq(th_stop(t), 3);
}
END_TEST

START_TEST(as_pid1_without_cgroups_a_setsid_leftover_gets_term_before_the_end)
{
	/*
	 * Without cgroups, esc's stop reaches its process group only: gc,
	 * in a session of its own, survives it. As PID 1, tend's final
	 * sweep must TERM it (gc records that) before the namespace ends.
	 */
	struct th_run esc, gc;
	struct th *t;

	NEED(th_pid1_ok);
	t = th_new("[tend]\n"
	           "cgroups = no\n"
	           "[program:esc]\n"
	           "command = sh {D}/esc.sh\n");
	write_escaper(t, "trap \"echo term >>{D}/gc.term;exit 0\" TERM;"
	                 "echo $$ >>{D}/gc.pids;sleep 100000 & wait");
	th_set_pid1(t);
	th_launch(t);
	esc = th_up(t, "esc", 1);
	gc = th_up(t, "gc", 1);
	assert_escaped(&esc, &gc);
	th_signal(t, SIGTERM);
	ck_assert_int_eq(th_wait_exit(t, DEADLINE_MS), 0);
	th_assert_file(t, "gc.term", "term\n");
	ck_assert_int_eq(th_procs_alive(t), 0);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

/*
 * esc leaves gc in a session of its own; `tendctl stop esc` returns once
 * esc is stopped, and then gc must be gone: tend kills esc's cgroup.
 */
static void
stop_kills_a_setsid_grandchild(bool pid1)
{
	struct th_run esc, gc;
	struct th *t;
	char *out;

	t = th_new("[program:esc]\n"
	           "command = sh {D}/esc.sh\n");
	write_escaper(t, "echo $$ >>{D}/gc.pids;exec sleep 100000");
	if (pid1)
		th_set_pid1(t);
	th_launch(t);
	esc = th_up(t, "esc", 1);
	gc = th_up(t, "gc", 1);
	assert_escaped(&esc, &gc);
	ck_assert_msg(
	    th_ctl(t, &out, "stop esc") == 0, "tendctl stop: %s", out);
	free(out);
	ck_assert_msg(!th_alive(esc.pid, esc.start), "esc survived its stop");
	ck_assert_msg(!th_alive(gc.pid, gc.start),
	    "esc's setsid() grandchild survived esc's stop");
	if (pid1)
		th_wait(t, namespace_empty, NULL, DEADLINE_MS,
		    "nothing but tend in the namespace");
	else
		ck_assert_int_eq(th_procs_alive(t), 1); /* tend */
	ck_assert_int_eq(th_stop(t), 0);
}

START_TEST(as_pid1_a_setsid_grandchild_is_gone_once_its_program_is_stopped)
{
	NEED(th_pid1_ok);
	NEED(th_cgroup_ok);
	stop_kills_a_setsid_grandchild(true);
}
END_TEST

/* ----------------------------------------------------------- cgroups */

START_TEST(a_setsid_grandchild_is_gone_once_tendctl_stop_returns)
{
	NEED(th_cgroup_ok);
	stop_kills_a_setsid_grandchild(false);
}
END_TEST

START_TEST(a_term_ignoring_setsid_descendant_dies_as_soon_as_the_main_exits)
{
	/*
	 * gc ignores TERM and left esc's group; esc's shutdown is an hour.
	 * Once esc's main process has died of its TERM, what is left of
	 * its cgroup is killed at once (SPEC 4 Stop): the stop returns
	 * long before the hour, with nothing of esc left.
	 */
	struct th_run esc, gc;
	struct th *t;
	char *out;

	NEED(th_cgroup_ok);
	t = th_new("[program:esc]\n"
	           "shutdown = 1h\n"
	           "command = sh {D}/esc.sh\n");
	write_escaper(t, "trap \"\" TERM;echo $$ >>{D}/gc.pids;"
	                 "exec sleep 100000");
	th_launch(t);
	esc = th_up(t, "esc", 1);
	gc = th_up(t, "gc", 1);
	assert_escaped(&esc, &gc);
	th_wait(t, th_ignores_term, &gc, DEADLINE_MS, "gc ignoring TERM");
	ck_assert_msg(
	    th_ctl(t, &out, "stop esc") == 0, "tendctl stop: %s", out);
	free(out);
	ck_assert_msg(!th_alive(gc.pid, gc.start),
	    "esc's TERM-ignoring setsid() descendant survived esc's stop");
	ck_assert_int_eq(th_procs_alive(t), 1); /* tend */
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

/* NAME (arg) has recorded a run. */
static bool
recorded(struct th *t, const void *arg)
{
	pid_t pids[TH_MAX_PIDS];

	return th_pids(t, arg, pids, TH_MAX_PIDS) > 0;
}

START_TEST(a_crashed_programs_setsid_leftovers_die_before_its_restart)
{
	/*
	 * m's first run leaves gc (setsid, ignoring TERM) and exits 1: gc
	 * gets TERM, then KILL after m's shutdown (1 s), and only then may
	 * m start again. The second run records any earlier gc it still
	 * finds alive in D/overlap; it starts in a fresh cgroup, holding
	 * only its own processes, and stays up.
	 */
	static const char script[] =
	    "setsid sh -c 'trap \"\" TERM;echo $$ >>{D}/gc.pids;"
	    "exec sleep 100000' &\n"
	    "echo $$ >>{D}/m.pids\n"
	    "if test -e {D}/m.again; then\n"
	    "  g=$(head -n 1 {D}/gc.pids)\n"
	    "  s=$(cut -d ' ' -f 3 /proc/$g/stat 2>/dev/null)\n"
	    "  if test -n \"$s\" && test \"$s\" != Z; then\n"
	    "    echo \"$g $s\" >>{D}/overlap\n"
	    "  fi\n"
	    "  exec sleep 100000\n"
	    "fi\n"
	    "touch {D}/m.again\n"
	    "until test -s {D}/gc.pids; do sleep 0.05; done\n"
	    "exit 1\n";
	char dir[PATH_MAX + 16];
	struct th_run m2, gc1, gc2;
	const struct th_run *keep[] = {&m2, NULL};
	pid_t procs[8];
	struct th *t;
	int n;

	NEED(th_cgroup_ok);
	t = th_new("[program:m]\n"
	           "shutdown = 1s\n"
	           "command = sh {D}/m.sh\n");
	th_write(t, "m.sh", script);
	th_launch(t);
	th_wait(t, recorded, "gc", DEADLINE_MS, "the first run's gc");
	gc1.pid = th_pid(t, "gc", 1);
	gc1.start = th_starttime(gc1.pid); /* 0 if gone already */
	m2 = th_up(t, "m", 2);
	gc2 = th_up(t, "gc", 2);
	th_wait(t, th_runs_sleep, &m2, DEADLINE_MS,
	    "m's second run done with m.sh");
	th_wait(t, th_runs_sleep, &gc2, DEADLINE_MS, "its gc asleep");
	ck_assert_msg(!th_alive(gc1.pid, gc1.start),
	    "the first run's leftover is still alive");
	th_assert_file(t, "overlap", "");
	th_assert_stderr_has(t, "m: exited with status 1; restarting");
	snprintf(dir, sizeof(dir), "%s/s-root/p-m", th_cgroup(t));
	assert_cgroup(m2.pid, dir);
	n = cgroup_procs(dir, procs, 8);
	ck_assert_msg(
	    n == 2 && has_pid(procs, n, m2.pid) && has_pid(procs, n, gc2.pid),
	    "%s holds %d processes, not just m's second run (%d) and its "
	    "gc (%d)",
	    dir, n, (int)m2.pid, (int)gc2.pid);
	th_hold(t, th_all_alive, keep, HOLD_MS, "m's second run up");
	ck_assert(th_alive(gc2.pid, gc2.start));
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(a_program_runs_in_cgroup_s_root_p_name_below_tends_own)
{
	char want[PATH_MAX + 32];
	pid_t procs[8];
	struct th_run a;
	struct th *t;
	int n;

	NEED(th_cgroup_ok);
	t = th_start("[program:a]\n"
	             "command = {S:a}\n");
	a = th_up(t, "a", 1);
	snprintf(want, sizeof(want), "%s/s-root/p-a", th_cgroup(t));
	assert_cgroup(a.pid, want);
	n = cgroup_procs(want, procs, 8);
	ck_assert_msg(n == 1 && procs[0] == a.pid,
	    "%s/cgroup.procs holds %d pids, not just a's %d", want, n,
	    (int)a.pid);
	/* tend itself: a leaf of its own, beside s-root */
	snprintf(want, sizeof(want), "%s/tend", th_cgroup(t));
	assert_cgroup(th_tend_pid(t), want);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(a_nested_supervisors_program_runs_in_s_root_s_sup_p_name)
{
	char want[PATH_MAX + 32];
	struct th_run db, web;
	struct th *t;

	NEED(th_cgroup_ok);
	t = th_start("[supervisor:root]\n"
	             "children = web back\n"
	             "[supervisor:back]\n"
	             "children = db\n"
	             "[program:web]\n"
	             "command = {S:web}\n"
	             "[program:db]\n"
	             "command = {S:db}\n");
	web = th_up(t, "web", 1);
	db = th_up(t, "db", 1);
	snprintf(want, sizeof(want), "%s/s-root/s-back/p-db", th_cgroup(t));
	assert_cgroup(db.pid, want);
	snprintf(want, sizeof(want), "%s/s-root/p-web", th_cgroup(t));
	assert_cgroup(web.pid, want);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(after_tend_exits_the_cgroups_it_made_are_gone)
{
	char dirs[1024], path[PATH_MAX + 32];
	struct stat st;
	struct th *t;

	NEED(th_cgroup_ok);
	t = th_start("[supervisor:root]\n"
	             "children = a back\n"
	             "[supervisor:back]\n"
	             "children = db\n"
	             "[program:a]\n"
	             "command = {T:a}\n"
	             "[program:db]\n"
	             "command = {T:db}\n");
	(void)th_up(t, "a", 1);
	(void)th_up(t, "db", 1);
	snprintf(path, sizeof(path), "%s/s-root/s-back/p-db", th_cgroup(t));
	ck_assert_msg(stat(path, &st) == 0, "tend made no cgroup %s", path);
	th_signal(t, SIGTERM);
	ck_assert_int_eq(th_wait_exit(t, DEADLINE_MS), 0);
	subdirs(th_cgroup(t), dirs, sizeof(dirs));
	ck_assert_msg(
	    dirs[0] == '\0', "tend left cgroups in %s: %s", th_cgroup(t), dirs);
	ck_assert_int_eq(th_procs_alive(t), 0);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(with_cgroups_no_tend_says_once_that_process_groups_serve)
{
	char dirs[1024], where[PATH_MAX];
	struct th_run a;
	struct th *t;

	t = th_start("[tend]\n"
	             "cgroups = no\n"
	             "[program:a]\n"
	             "command = {S:a}\n"
	             "[program:b]\n"
	             "command = {S:b}\n");
	a = th_up(t, "a", 1);
	(void)th_up(t, "b", 1);
	ck_assert_int_eq(
	    stderr_count(t, "programs are tracked by process group only"), 1);
	if (th_cgroup(t) != NULL) {
		/* and no cgroup is made: a stays where tend was started */
		subdirs(th_cgroup(t), dirs, sizeof(dirs));
		ck_assert_msg(dirs[0] == '\0', "tend made cgroups in %s: %s",
		    th_cgroup(t), dirs);
		ck_assert(th_cgroup_of(a.pid, where, sizeof(where)));
		ck_assert_str_eq(where, th_cgroup(t));
	}
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

/* The directory tend's stderr names after "this one uses ", into buf. */
static bool
private_base(struct th *t, char *buf, size_t size)
{
	static const char tag[] = "; this one uses ";
	char *err = th_stderr(t), *p = strstr(err, tag);
	bool found = p != NULL;

	if (found) {
		p += strlen(tag);
		snprintf(buf, size, "%.*s", (int)strcspn(p, "\n"), p);
	}
	free(err);
	return found;
}

START_TEST(a_second_tend_in_the_same_cgroup_uses_cgroup_tend_hash_of_its_own)
{
	/*
	 * Two tends started in one cgroup: the first uses it, the second
	 * <cgroup>/tend-HASH, each program in its own tend's tree; stopping
	 * the second leaves the first one's program alone and removes
	 * tend-HASH.
	 */
	char base[PATH_MAX], want[PATH_MAX + 32], prefix[PATH_MAX + 8];
	struct th_run a1, a2;
	const struct th_run *keep[] = {&a1, NULL};
	struct th *t1, *t2;
	size_t i, len;
	struct stat st;

	NEED(th_cgroup_ok);
	t1 = th_start("[program:a]\n"
	              "command = {S:a}\n");
	a1 = th_up(t1, "a", 1);
	t2 = th_new("[program:a]\n"
	            "command = {S:a}\n");
	th_use_cgroup_of(t2, t1);
	th_launch(t2);
	a2 = th_up(t2, "a", 1);
	th_wait_file(t2, "tend.err", "; this one uses ", DEADLINE_MS);
	ck_assert(private_base(t2, base, sizeof(base)));
	snprintf(prefix, sizeof(prefix), "%s/tend-", th_cgroup(t1));
	len = strlen(prefix);
	ck_assert_msg(
	    strncmp(base, prefix, len) == 0 && strlen(base) == len + 8,
	    "the second tend uses %s, not %sHASH", base, prefix);
	for (i = len; i < len + 8; i++)
		ck_assert(isxdigit((unsigned char)base[i]));
	snprintf(want, sizeof(want), "%s/s-root/p-a", base);
	assert_cgroup(a2.pid, want);
	snprintf(want, sizeof(want), "%s/s-root/p-a", th_cgroup(t1));
	assert_cgroup(a1.pid, want);
	ck_assert_int_eq(th_stop(t2), 0);
	ck_assert_msg(
	    stat(base, &st) == -1, "the second tend left its cgroup %s", base);
	th_hold(t1, th_all_alive, keep, HOLD_MS, "the first tend's a alive");
	ck_assert_int_eq(th_stop(t1), 0);
}
END_TEST

static Suite *
pid1_suite(void)
{
	Suite *s = suite_create("integ_pid1");
	TCase *tc = tcase_create("pid1");
	TCase *cg = tcase_create("cgroups");

	tcase_set_timeout(tc, 90);
	tcase_add_checked_fixture(tc, NULL, th_stop_all);
	tcase_add_test(
	    tc, as_pid1_a_thousand_orphans_are_reaped_and_no_zombie_is_left);
	tcase_add_test(
	    tc, orphans_whose_sigchld_merged_into_their_programs_are_reaped);
	tcase_add_test(
	    tc, as_pid1_sigterm_stops_programs_in_reverse_order_and_exits_0);
	tcase_add_test(tc,
	    as_pid1_a_significant_programs_exit_status_becomes_the_namespaces);
	tcase_add_test(
	    tc, as_pid1_the_root_giving_up_ends_the_namespace_with_status_3);
	tcase_add_test(tc,
	    as_pid1_without_cgroups_a_setsid_leftover_gets_term_before_the_end);
	tcase_add_test(tc,
	    as_pid1_a_setsid_grandchild_is_gone_once_its_program_is_stopped);
	suite_add_tcase(s, tc);

	tcase_set_timeout(cg, 60);
	tcase_add_checked_fixture(cg, NULL, th_stop_all);
	tcase_add_test(
	    cg, a_setsid_grandchild_is_gone_once_tendctl_stop_returns);
	tcase_add_test(cg,
	    a_term_ignoring_setsid_descendant_dies_as_soon_as_the_main_exits);
	tcase_add_test(
	    cg, a_crashed_programs_setsid_leftovers_die_before_its_restart);
	tcase_add_test(
	    cg, a_program_runs_in_cgroup_s_root_p_name_below_tends_own);
	tcase_add_test(
	    cg, a_nested_supervisors_program_runs_in_s_root_s_sup_p_name);
	tcase_add_test(cg, after_tend_exits_the_cgroups_it_made_are_gone);
	tcase_add_test(
	    cg, with_cgroups_no_tend_says_once_that_process_groups_serve);
	tcase_add_test(cg,
	    a_second_tend_in_the_same_cgroup_uses_cgroup_tend_hash_of_its_own);
	suite_add_tcase(s, cg);
	return s;
}

int
main(void)
{
	return th_main(pid1_suite());
}
