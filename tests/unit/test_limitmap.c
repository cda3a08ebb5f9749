/*
 * test_limitmap.c: each limit key's cgroup v2 file and its mapping onto
 * cgroup v1 files (SPEC 9), set and lifted.
 */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "limitmap.h"
#include "unit.h"

static struct cg_limits
limits(void)
{
	struct cg_limits l = CG_LIMITS_NONE;

	l.memory_max = INT64_C(64) << 20;
	l.memory_high = INT64_C(48) << 20;
	l.cpu_quota_us = 20000;
	l.cpu_period_us = 100000;
	l.cpu_weight = 200;
	l.pids_max = 12;
	return l;
}

/* The writes of k as "file=text;file=text". */
static const char *
writes(const struct cg_limits *l, enum limit_key k, bool v1)
{
	static char buf[256];
	struct limit_write w[2];
	size_t n = limitmap_writes(l, k, v1, w), off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n; i++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%s=%s",
		    i ? ";" : "", w[i].file, w[i].text);
	return buf;
}

START_TEST(v2_keys_write_their_own_files)
{
	struct cg_limits l = limits();

	ck_assert_str_eq(
	    writes(&l, LK_MEMORY_MAX, false), "memory.max=67108864");
	ck_assert_str_eq(
	    writes(&l, LK_MEMORY_HIGH, false), "memory.high=50331648");
	ck_assert_str_eq(writes(&l, LK_CPU_MAX, false), "cpu.max=20000 100000");
	ck_assert_str_eq(writes(&l, LK_CPU_WEIGHT, false), "cpu.weight=200");
	ck_assert_str_eq(writes(&l, LK_PIDS_MAX, false), "pids.max=12");
}
END_TEST

START_TEST(v2_keys_map_onto_v1_files)
{
	struct cg_limits l = limits();

	ck_assert_str_eq(
	    writes(&l, LK_MEMORY_MAX, true), "memory.limit_in_bytes=67108864");
	ck_assert_str_eq(writes(&l, LK_MEMORY_HIGH, true),
	    "memory.soft_limit_in_bytes=50331648");
	/* the period first: the kernel checks the quota against it */
	ck_assert_str_eq(writes(&l, LK_CPU_MAX, true),
	    "cpu.cfs_period_us=100000;cpu.cfs_quota_us=20000");
	/* weight 100 is 1024 shares */
	ck_assert_str_eq(writes(&l, LK_CPU_WEIGHT, true), "cpu.shares=2048");
	l.cpu_weight = 1;
	ck_assert_str_eq(writes(&l, LK_CPU_WEIGHT, true), "cpu.shares=10");
	l.cpu_weight = 10000;
	ck_assert_str_eq(writes(&l, LK_CPU_WEIGHT, true), "cpu.shares=102400");
	ck_assert_str_eq(writes(&l, LK_PIDS_MAX, true), "pids.max=12");
}
END_TEST

START_TEST(max_and_unset_lift_the_limit_in_both)
{
	struct cg_limits l = CG_LIMITS_NONE;

	ck_assert_str_eq(writes(&l, LK_MEMORY_MAX, false), "memory.max=max");
	ck_assert_str_eq(writes(&l, LK_CPU_MAX, false), "cpu.max=max 100000");
	ck_assert_str_eq(writes(&l, LK_CPU_WEIGHT, false), "cpu.weight=100");
	ck_assert_str_eq(
	    writes(&l, LK_MEMORY_MAX, true), "memory.limit_in_bytes=-1");
	ck_assert_str_eq(writes(&l, LK_CPU_MAX, true),
	    "cpu.cfs_period_us=100000;cpu.cfs_quota_us=-1");
	ck_assert_str_eq(writes(&l, LK_CPU_WEIGHT, true), "cpu.shares=1024");
	l.pids_max = INT64_MAX;
	l.memory_high = INT64_MAX;
	ck_assert_str_eq(writes(&l, LK_PIDS_MAX, true), "pids.max=max");
	ck_assert_str_eq(writes(&l, LK_PIDS_MAX, false), "pids.max=max");
	ck_assert_str_eq(
	    writes(&l, LK_MEMORY_HIGH, true), "memory.soft_limit_in_bytes=-1");
	ck_assert(!limitmap_is_set(&l, LK_CPU_MAX));
	ck_assert(limitmap_is_set(&l, LK_PIDS_MAX));
}
END_TEST

START_TEST(keys_name_their_controllers_and_show_as_written)
{
	struct cg_limits l = limits();
	char buf[32];

	ck_assert_str_eq(
	    limitmap_controller_name(limitmap_controller(LK_MEMORY_HIGH)),
	    "memory");
	ck_assert_str_eq(
	    limitmap_controller_name(limitmap_controller(LK_CPU_WEIGHT)),
	    "cpu");
	ck_assert_str_eq(
	    limitmap_controller_name(limitmap_controller(LK_PIDS_MAX)), "pids");
	ck_assert_str_eq(limitmap_key_name(LK_CPU_MAX), "cpu_max");
	ck_assert_str_eq(
	    limitmap_show(&l, LK_MEMORY_MAX, buf, sizeof(buf)), "64M");
	ck_assert_str_eq(
	    limitmap_show(&l, LK_CPU_MAX, buf, sizeof(buf)), "20%");
	l.cpu_quota_us = 25000;
	l.cpu_period_us = 50000;
	ck_assert_str_eq(
	    limitmap_show(&l, LK_CPU_MAX, buf, sizeof(buf)), "50%");
	l.cpu_quota_us = 33333;
	ck_assert_str_eq(
	    limitmap_show(&l, LK_CPU_MAX, buf, sizeof(buf)), "33333/50000");
	l.memory_high = 1536 * 1024;
	ck_assert_str_eq(
	    limitmap_show(&l, LK_MEMORY_HIGH, buf, sizeof(buf)), "1536K");
	l.pids_max = -1;
	ck_assert_str_eq(limitmap_show(&l, LK_PIDS_MAX, buf, sizeof(buf)), "-");
	ck_assert_str_eq(limitmap_home_name(HOME_V1), "v1");
	ck_assert_str_eq(limitmap_home_name(HOME_NONE), "not enforced");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("limitmap");
	TCase *tc = tcase_create("limitmap");

	tcase_add_test(tc, v2_keys_write_their_own_files);
	tcase_add_test(tc, v2_keys_map_onto_v1_files);
	tcase_add_test(tc, max_and_unset_lift_the_limit_in_both);
	tcase_add_test(tc, keys_name_their_controllers_and_show_as_written);
	suite_add_tcase(s, tc);
	return unit_main(s);
}
