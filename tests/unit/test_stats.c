/*
 * test_stats.c: figures read out of cgroup v2 and v1 files and /proc
 * text, as this project's machines write them.
 */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "stats.h"
#include "unit.h"

START_TEST(cpu_stat_gives_usage_usec_in_v2_and_v1)
{
	uint64_t v = 0;

	ck_assert_int_eq(
	    stats_keyed("usage_usec 168841941\nuser_usec 140172274\n"
	                "system_usec 28669667\nnice_usec 0\n",
	        "usage_usec", &v),
	    0);
	ck_assert_uint_eq(v, 168841941);
	/* v1 cpu.stat: throttling first, usage later (Linux 6.x) */
	ck_assert_int_eq(stats_keyed("nr_periods 0\nnr_throttled 0\n"
	                             "throttled_time 0\nusage_usec 12\n",
	                     "usage_usec", &v),
	    0);
	ck_assert_uint_eq(v, 12);
	/* an older v1 cpu.stat has none: the caller reads cpuacct.usage */
	ck_assert_int_eq(
	    stats_keyed("nr_periods 3\nnr_throttled 1\n", "usage_usec", &v),
	    -1);
	/* a key that is a prefix of another, or in mid-line, is not it */
	ck_assert_int_eq(stats_keyed("usage_usec_x 5\n", "usage_usec", &v), -1);
	ck_assert_int_eq(stats_keyed("x usage_usec 5\n", "usage_usec", &v), -1);
}
END_TEST

START_TEST(memory_events_and_v1_oom_control_give_oom_kill)
{
	uint64_t v = 9;

	ck_assert_int_eq(stats_keyed("low 0\nhigh 0\nmax 4\noom 1\noom_kill 1\n"
	                             "oom_group_kill 0\n",
	                     "oom_kill", &v),
	    0);
	ck_assert_uint_eq(v, 1);
	ck_assert_int_eq(
	    stats_keyed("oom_kill_disable 0\nunder_oom 0\noom_kill 3\n",
	        "oom_kill", &v),
	    0);
	ck_assert_uint_eq(v, 3);
	/* oom_kill_disable's line does not count as oom_kill, nor does
	 * oom_group_kill */
	ck_assert_int_eq(stats_keyed("oom_kill_disable 1\noom_group_kill 2\n",
	                     "oom_kill", &v),
	    -1);
	/* the last line without its newline */
	ck_assert_int_eq(stats_keyed("oom 0\noom_kill 7", "oom_kill", &v), 0);
	ck_assert_uint_eq(v, 7);
}
END_TEST

START_TEST(memory_files_hold_one_number_or_max)
{
	uint64_t v = 0;

	ck_assert_int_eq(
	    stats_number("50663424\n", &v), 0); /* memory.current */
	ck_assert_uint_eq(v, 50663424);
	/* v1 memory.usage_in_bytes, and an unlimited v1 limit */
	ck_assert_int_eq(stats_number("9223372036854771712\n", &v), 0);
	ck_assert_uint_eq(v, UINT64_C(9223372036854771712));
	ck_assert_int_eq(stats_number("max\n", &v), 0);
	ck_assert_uint_eq(v, UINT64_MAX);
	ck_assert_int_eq(stats_number("", &v), -1);
	ck_assert_int_eq(stats_number("12 kB\n", &v), -1);
	ck_assert_int_eq(stats_number("-1\n", &v), -1);
	ck_assert_int_eq(stats_number("99999999999999999999999\n", &v), -1);
}
END_TEST

START_TEST(cgroup_procs_lists_its_pids)
{
	pid_t pids[2] = {0, 0};

	ck_assert_uint_eq(stats_pids("", NULL, 0), 0);
	ck_assert_uint_eq(stats_pids("12\n345\n6789\n", NULL, 0), 3);
	ck_assert_uint_eq(stats_pids("12\n345\n6789\n", pids, 2), 3);
	ck_assert_int_eq(pids[0], 12);
	ck_assert_int_eq(pids[1], 345);
	/* 0 and junk are no pids */
	ck_assert_uint_eq(stats_pids("0\nx\n7", pids, 2), 1);
	ck_assert_int_eq(pids[0], 7);
}
END_TEST

START_TEST(proc_stat_gives_state_times_threads_and_rss)
{
	struct stats_proc st;
	/* a comm with a space and a ')' in it, as a program may name itself */
	static const char text[] =
	    "4242 (a b) c) S 4200 4242 4242 0 -1 4194560 120 0 0 0 150 25 0 0 "
	    "20 0 3 0 987654 10485760 2560 18446744073709551615 1 1 0 0 0 0 0 "
	    "0 0 0 0 0 17 1 0 0 0 0 0\n";

	ck_assert_int_eq(stats_proc_stat(text, &st), 0);
	ck_assert_int_eq(st.pid, 4242);
	ck_assert_str_eq(st.comm, "a b) c");
	ck_assert_int_eq(st.state, 'S');
	ck_assert_int_eq(st.ppid, 4200);
	ck_assert_int_eq(st.pgrp, 4242);
	ck_assert_uint_eq(st.cpu_ticks, 175);
	ck_assert_int_eq(st.threads, 3);
	ck_assert_uint_eq(st.start, 987654);
	ck_assert_int_eq(st.rss_pages, 2560);
	ck_assert_int_eq(stats_proc_stat("4242 (x) S 1 2\n", &st), -1);
	ck_assert_int_eq(stats_proc_stat("", &st), -1);
	ck_assert_int_eq(stats_proc_stat("x (y) S", &st), -1);
}
END_TEST

START_TEST(wchan_and_cmdline_are_shown_on_one_line)
{
	char buf[64];
	static const char raw[] = "sleep\0"
	                          "100001\0";

	ck_assert_str_eq(
	    stats_wchan("do_nanosleep", buf, sizeof(buf)), "do_nanosleep");
	ck_assert_str_eq(stats_wchan("0", buf, sizeof(buf)), "-");
	ck_assert_str_eq(stats_wchan("", buf, sizeof(buf)), "-");
	ck_assert_str_eq(stats_cmdline(raw, sizeof(raw) - 1, buf, sizeof(buf)),
	    "sleep 100001");
	ck_assert_str_eq(stats_cmdline("a\nb", 3, buf, sizeof(buf)), "a?b");
	ck_assert_str_eq(stats_cmdline(raw, sizeof(raw) - 1, buf, 6), "sleep");
	ck_assert_str_eq(stats_cmdline("", 0, buf, sizeof(buf)), "");
}
END_TEST

START_TEST(cpu_percent_is_of_one_cpu_between_two_readings)
{
	/* 1.5 s of CPU in 1 s: one and a half CPUs */
	ck_assert_double_eq_tol(
	    stats_cpu_percent(1000000, 2500000, 0, 1000000), 150.0, 1e-9);
	ck_assert_double_eq_tol(
	    stats_cpu_percent(0, 200000, 5000000, 6000000), 20.0, 1e-9);
	/* a reading that went back (a new cgroup), or no time: 0 */
	ck_assert_double_eq(stats_cpu_percent(500, 100, 0, 1000), 0.0);
	ck_assert_double_eq(stats_cpu_percent(0, 100, 1000, 1000), 0.0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("stats");
	TCase *tc = tcase_create("stats");

	tcase_add_test(tc, cpu_stat_gives_usage_usec_in_v2_and_v1);
	tcase_add_test(tc, memory_events_and_v1_oom_control_give_oom_kill);
	tcase_add_test(tc, memory_files_hold_one_number_or_max);
	tcase_add_test(tc, cgroup_procs_lists_its_pids);
	tcase_add_test(tc, proc_stat_gives_state_times_threads_and_rss);
	tcase_add_test(tc, wchan_and_cmdline_are_shown_on_one_line);
	tcase_add_test(tc, cpu_percent_is_of_one_cpu_between_two_readings);
	suite_add_tcase(s, tc);
	return unit_main(s);
}
