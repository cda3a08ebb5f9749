/*
 * test_cglimit.c: cglimit.c on the real cgroup v1 hierarchies of this
 * machine, without tend around it: a program's and a supervisor's limits
 * written at a first start, then changed and removed in place by
 * cglimit_apply (what a reload that changes only limits calls), and the
 * directories removed by cglimit_fini. Each test runs in a v1 cgroup of
 * its own (cpu and pids), made and removed here, so that it never meets
 * another tend; it skips where those hierarchies are not writable, or
 * where cgroup v2 has the controllers (the limits then live there, which
 * the tests of tend itself cover).
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <check.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cglimit.h"
#include "config.h"
#include "mountinfo.h"
#include "tree.h"

static const char *const ctls[] = {"cpu", "pids"};

static char own[2][PATH_MAX];  /* this process's v1 cgroups (directories) */
static char mine[2][PATH_MAX]; /* the test's own below them */

/* The directory of this process's cgroup in ctl's v1 hierarchy. */
static bool
v1_dir(const char *ctl, char *out, size_t size)
{
	char mnt[PATH_MAX], root[PATH_MAX], path[PATH_MAX];
	const char *rel;
	bool rw = false;
	FILE *f = fopen("/proc/self/mountinfo", "re");
	int r;

	if (f == NULL)
		return false;
	r = mountinfo_cgroup1(
	    f, ctl, mnt, sizeof(mnt), root, sizeof(root), &rw);
	fclose(f);
	if (r == -1 || !rw)
		return false;
	f = fopen("/proc/self/cgroup", "re");
	if (f == NULL)
		return false;
	r = mountinfo_proc_cgroup(f, ctl, path, sizeof(path));
	fclose(f);
	rel = r == 0 ? mountinfo_below(root, path) : NULL;
	return rel != NULL &&
	       (size_t)snprintf(out, size, "%s%s", mnt, rel) < size &&
	       access(out, W_OK) == 0;
}

static bool
put(const char *dir, const char *file, const char *text)
{
	char path[PATH_MAX * 2];
	FILE *f;
	bool ok;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "we");
	if (f == NULL)
		return false;
	ok = fputs(text, f) >= 0;
	return fclose(f) == 0 && ok;
}

/* The first word of dir/file, or "" */
static const char *
get(const char *dir, const char *file)
{
	static char buf[256];
	char path[PATH_MAX * 2];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	buf[0] = '\0';
	f = fopen(path, "re");
	if (f != NULL) {
		if (fscanf(f, "%255s", buf) != 1)
			buf[0] = '\0';
		fclose(f);
	}
	return buf;
}

/* Move into a fresh cgroup of the test's in both hierarchies; false (and
 * why) where that cannot be. */
static bool
enter(const char **why)
{
	char v2[PATH_MAX + 32], mnt[PATH_MAX], root[PATH_MAX];
	size_t i;
	FILE *f;

	f = fopen("/proc/self/mountinfo", "re");
	if (f != NULL &&
	    mountinfo_cgroup2(f, mnt, sizeof(mnt), root, sizeof(root)) == 0) {
		snprintf(v2, sizeof(v2), "%s/cgroup.controllers", mnt);
		fclose(f);
		f = fopen(v2, "re");
		if (f != NULL && fgets(v2, sizeof(v2), f) != NULL &&
		    (strstr(v2, "cpu") || strstr(v2, "pids"))) {
			fclose(f);
			*why = "cgroup v2 has the cpu or pids controller here";
			return false;
		}
	}
	if (f != NULL)
		fclose(f);
	for (i = 0; i < 2; i++) {
		if (!v1_dir(ctls[i], own[i], sizeof(own[i]))) {
			*why =
			    "no writable cgroup v1 hierarchy of cpu and pids";
			return false;
		}
		snprintf(mine[i], sizeof(mine[i]), "%s/tend-cglimit-%d", own[i],
		    (int)getpid());
		if ((mkdir(mine[i], 0755) == -1 && errno != EEXIST) ||
		    !put(mine[i], "cgroup.procs", "0")) {
			*why = "cannot make a cgroup v1 of the test's";
			return false;
		}
	}
	return true;
}

static void
leave(void)
{
	size_t i;

	for (i = 0; i < 2; i++) {
		ck_assert(put(own[i], "cgroup.procs", "0"));
		ck_assert_msg(rmdir(mine[i]) == 0,
		    "rmdir %s: %s (left behind?)", mine[i], strerror(errno));
	}
}

static struct tree *
tree_of(const char *text)
{
	struct config cfg;
	struct diags d = {0};
	FILE *f = fmemopen((void *)(uintptr_t)text, strlen(text), "r");
	int r;

	ck_assert_ptr_nonnull(f);
	r = config_parse(f, "t.conf", &cfg, &d);
	fclose(f);
	ck_assert_int_eq(r, 0);
	diags_free(&d);
	return tree_build(&cfg);
}

static struct cg_limits *
lim_of(struct tree *t, const char *name)
{
	struct node *n = tree_find(t, name);

	ck_assert_ptr_nonnull(n);
	/* the test changes the configuration in place, as a reload would
	 * swap it */
	return (struct cg_limits *)(uintptr_t)cglimit_of(n);
}

START_TEST(limits_are_written_at_start_then_changed_and_lifted_in_place)
{
	struct tree *t;
	struct node *p, *grp;
	char err[256], dir[PATH_MAX];
	const char *why;
	int fds[CGLIMIT_V1_MAX], n;

	if (!enter(&why)) {
		fprintf(stderr, "SKIP: %s: %s\n", __func__, why);
		return;
	}
	t = tree_of("[supervisor:grp]\nchildren = p\npids_max = 50\n"
	            "[program:p]\ncommand = x\ncpu_max = 20%\n"
	            "cpu_weight = 200\n");
	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(cglimit_init(t, CGROUPS_AUTO, err, sizeof(err)), 0);
	p = tree_find(t, "p");
	grp = tree_find(t, "grp");
	ck_assert_int_eq(cglimit_home(p, LK_CPU_MAX), HOME_V1);
	ck_assert_int_eq(cglimit_home(p, LK_PIDS_MAX), HOME_NONE);
	ck_assert_int_eq(cglimit_home(grp, LK_PIDS_MAX), HOME_V1);

	/* a first start makes p's cgroups and its supervisor's, with their
	 * limits: p joins cpu (its own) and pids (grp's subtree) */
	n = cglimit_v1_prepare((struct prog *)p, fds);
	ck_assert_int_eq(n, 2);
	while (n > 0)
		close(fds[--n]);
	ck_assert_ptr_nonnull(cglimit_v1_dir(p, CTL_CPU, dir, sizeof(dir)));
	ck_assert_msg(strstr(dir, "/s-root/s-grp/p-p") != NULL, "%s", dir);
	ck_assert_str_eq(get(dir, "cpu.cfs_quota_us"), "20000");
	ck_assert_str_eq(get(dir, "cpu.shares"), "2048");
	ck_assert_ptr_nonnull(cglimit_v1_dir(grp, CTL_PIDS, dir, sizeof(dir)));
	ck_assert_str_eq(get(dir, "pids.max"), "50");
	ck_assert_ptr_null(cglimit_v1_dir(grp, CTL_CPU, dir, sizeof(dir)));

	/* changed: written to the live cgroups */
	lim_of(t, "p")->cpu_quota_us = 150000;
	lim_of(t, "grp")->pids_max = 7;
	ck_assert_int_eq(cglimit_apply(p, err, sizeof(err)), 0);
	ck_assert_int_eq(cglimit_apply(grp, err, sizeof(err)), 0);
	cglimit_v1_dir(p, CTL_CPU, dir, sizeof(dir));
	ck_assert_str_eq(get(dir, "cpu.cfs_quota_us"), "150000");
	cglimit_v1_dir(grp, CTL_PIDS, dir, sizeof(dir));
	ck_assert_str_eq(get(dir, "pids.max"), "7");

	/* removed: lifted */
	lim_of(t, "p")->cpu_quota_us = -1;
	lim_of(t, "p")->cpu_weight = -1;
	ck_assert_int_eq(cglimit_apply(p, err, sizeof(err)), 0);
	cglimit_v1_dir(p, CTL_CPU, dir, sizeof(dir));
	ck_assert_str_eq(get(dir, "cpu.cfs_quota_us"), "-1");
	ck_assert_str_eq(get(dir, "cpu.shares"), "1024");

	/* the end removes every directory made (leave() fails if not) */
	cglimit_fini(t);
	tree_free(t);
	leave();
}
END_TEST

START_TEST(no_limit_is_enforced_with_cgroups_no)
{
	struct tree *t;
	char err[256] = "";

	t = tree_of("[program:p]\ncommand = x\nmemory_max = 64M\n");
	ck_assert_int_eq(cglimit_init(t, CGROUPS_NO, err, sizeof(err)), 0);
	ck_assert_int_eq(
	    cglimit_home(tree_find(t, "p"), LK_MEMORY_MAX), HOME_NONE);
	ck_assert_int_eq(tree_find(t, "p")->v1_need, 0);
	cglimit_fini(t);
	tree_free(t);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("cglimit");
	TCase *tc = tcase_create("cglimit");
	SRunner *sr;
	int failed;

	tcase_add_test(
	    tc, limits_are_written_at_start_then_changed_and_lifted_in_place);
	tcase_add_test(tc, no_limit_is_enforced_with_cgroups_no);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
