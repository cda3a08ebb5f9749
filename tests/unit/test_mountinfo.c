/*
 * test_mountinfo.c: the cgroup2 mount found in mountinfo text, escapes
 * undone, and a cgroup's path below a mount of a subtree.
 */
#include <check.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "mountinfo.h"
#include "unit.h"

/* mountinfo_cgroup2 on text: its result; mnt and root filled. */
static int
cgroup2_of(const char *text, char *mnt, char *root, size_t size)
{
	FILE *f = fmemopen((void *)(uintptr_t)text, strlen(text), "r");
	int r;

	ck_assert_ptr_nonnull(f);
	r = mountinfo_cgroup2(f, mnt, size, root, size);
	fclose(f);
	return r;
}

START_TEST(the_first_cgroup2_mount_gives_its_mount_point_and_root)
{
	char mnt[PATH_MAX], root[PATH_MAX];

	ck_assert_int_eq(
	    cgroup2_of("22 1 0:21 / /proc rw,nosuid - proc proc rw\n"
	               "30 22 0:26 / /sys/fs/cgroup/cpu rw - cgroup cgroup "
	               "rw,cpu\n"
	               "31 22 0:27 /a/b /sys/fs/cgroup rw shared:9 - cgroup2 "
	               "cgroup2 rw,nsdelegate\n"
	               "32 22 0:28 / /other rw - cgroup2 cgroup2 rw\n",
	        mnt, root, sizeof(mnt)),
	    0);
	ck_assert_str_eq(mnt, "/sys/fs/cgroup");
	ck_assert_str_eq(root, "/a/b");
}
END_TEST

START_TEST(escaped_space_tab_newline_and_backslash_are_undone)
{
	char mnt[PATH_MAX], root[PATH_MAX];

	ck_assert_int_eq(cgroup2_of("31 22 0:27 /x\\040y /m\\011n\\012o\\134p "
	                            "rw - cgroup2 cgroup2 rw\n",
	                     mnt, root, sizeof(mnt)),
	    0);
	ck_assert_str_eq(mnt, "/m\tn\no\\p");
	ck_assert_str_eq(root, "/x y");
}
END_TEST

START_TEST(no_cgroup2_mount_or_one_that_does_not_fit_is_minus_1)
{
	char mnt[PATH_MAX], root[PATH_MAX];

	ck_assert_int_eq(cgroup2_of("22 1 0:21 / /proc rw - proc proc rw\n"
	                            "30 22 0:26 / /sys/fs/cgroup/cpu rw - "
	                            "cgroup cgroup rw,cpu\n"
	                            "a line without a separator\n",
	                     mnt, root, sizeof(mnt)),
	    -1);
	ck_assert_int_eq(cgroup2_of("", mnt, root, sizeof(mnt)), -1);
	ck_assert_int_eq(cgroup2_of("31 22 0:27 / /sys/fs/cgroup rw - cgroup2 "
	                            "cgroup2 rw\n",
	                     mnt, root, 8),
	    -1);
}
END_TEST

START_TEST(below_gives_the_path_under_the_mounts_root)
{
	const char *path = "/a/b";

	ck_assert_str_eq(mountinfo_below("/", "/"), "");
	ck_assert_str_eq(mountinfo_below("/", "/a/b"), "/a/b");
	ck_assert_str_eq(mountinfo_below("/a", "/a"), "");
	ck_assert_str_eq(mountinfo_below("/a", "/a/b"), "/b");
	ck_assert_ptr_eq(mountinfo_below("/a", path), path + 2);
	ck_assert_ptr_null(mountinfo_below("/a", "/ab"));
	ck_assert_ptr_null(mountinfo_below("/a", "/b/a"));
	ck_assert_ptr_null(mountinfo_below("/a/b", "/a"));
}
END_TEST

static const char hybrid[] =
    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
    "33 31 0:30 / /sys/fs/cgroup/cpu,cpuacct ro,relatime - cgroup cgroup "
    "rw,cpu,cpuacct\n"
    "35 31 0:32 /sub /sys/fs/cgroup/memory rw,relatime - cgroup cgroup "
    "rw,memory\n"
    "39 31 0:36 / /sys/fs/cgroup/pids ro,relatime - cgroup cgroup rw,pids\n"
    "40 31 0:37 / /sys/fs/cgroup/systemd rw - cgroup cgroup "
    "rw,name=systemd\n"
    "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 "
    "rw\n";

/* mountinfo_cgroup1 on text for controller: its result. */
static int
cgroup1_of(const char *text, const char *controller, char *mnt, char *root,
    size_t size, bool *rw)
{
	FILE *f = fmemopen((void *)(uintptr_t)text, strlen(text), "r");
	int r;

	ck_assert_ptr_nonnull(f);
	r = mountinfo_cgroup1(f, controller, mnt, size, root, size, rw);
	fclose(f);
	return r;
}

START_TEST(a_v1_hierarchy_is_found_by_its_controller)
{
	char mnt[PATH_MAX], root[PATH_MAX];
	bool rw = false;

	ck_assert_int_eq(
	    cgroup1_of(hybrid, "cpu", mnt, root, sizeof(mnt), &rw), 0);
	ck_assert_str_eq(mnt, "/sys/fs/cgroup/cpu");
	ck_assert(rw);
	ck_assert_int_eq(
	    cgroup1_of(hybrid, "memory", mnt, root, sizeof(mnt), &rw), 0);
	ck_assert_str_eq(mnt, "/sys/fs/cgroup/memory");
	ck_assert_str_eq(root, "/sub");
	ck_assert_int_eq(
	    cgroup1_of(hybrid, "pids", mnt, root, sizeof(mnt), &rw), 0);
	ck_assert(!rw); /* mounted read-only */
	/* name=systemd is no controller; "cpuac" is no prefix match */
	ck_assert_int_eq(
	    cgroup1_of(hybrid, "systemd", mnt, root, sizeof(mnt), &rw), -1);
	ck_assert_int_eq(
	    cgroup1_of(hybrid, "cpuac", mnt, root, sizeof(mnt), &rw), -1);
	ck_assert_int_eq(
	    cgroup1_of(hybrid, "io", mnt, root, sizeof(mnt), &rw), -1);
	/* and the v2 mount of the same text */
	{
		FILE *f =
		    fmemopen((void *)(uintptr_t)hybrid, strlen(hybrid), "r");

		ck_assert_int_eq(
		    mountinfo_cgroup2(f, mnt, sizeof(mnt), root, sizeof(root)),
		    0);
		fclose(f);
		ck_assert_str_eq(mnt, "/sys/fs/cgroup/unified");
	}
}
END_TEST

START_TEST(a_processes_cgroup_is_read_per_hierarchy)
{
	static const char text[] = "9:name=systemd:/\n"
	                           "8:pids:/p\n"
	                           "4:memory:/process_api/b9\n"
	                           "2:cpu,cpuacct:/c/d\n"
	                           "0::/x/tend\n";
	char out[64];
	FILE *f;

#define CG(ctl, r)                                                             \
	do {                                                                   \
		f = fmemopen((void *)(uintptr_t)text, strlen(text), "r");      \
		ck_assert_int_eq(                                              \
		    mountinfo_proc_cgroup(f, (ctl), out, sizeof(out)), (r));   \
		fclose(f);                                                     \
	} while (0)
	CG(NULL, 0);
	ck_assert_str_eq(out, "/x/tend");
	CG("memory", 0);
	ck_assert_str_eq(out, "/process_api/b9");
	CG("cpuacct", 0);
	ck_assert_str_eq(out, "/c/d");
	CG("pids", 0);
	ck_assert_str_eq(out, "/p");
	CG("blkio", -1);
#undef CG
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("mountinfo");
	TCase *tc = tcase_create("mountinfo");

	tcase_add_test(
	    tc, the_first_cgroup2_mount_gives_its_mount_point_and_root);
	tcase_add_test(tc, escaped_space_tab_newline_and_backslash_are_undone);
	tcase_add_test(
	    tc, no_cgroup2_mount_or_one_that_does_not_fit_is_minus_1);
	tcase_add_test(tc, below_gives_the_path_under_the_mounts_root);
	tcase_add_test(tc, a_v1_hierarchy_is_found_by_its_controller);
	tcase_add_test(tc, a_processes_cgroup_is_read_per_hierarchy);
	suite_add_tcase(s, tc);
	return unit_main(s);
}
