/*
 * test_statefile.c: the crash-restart state file's lines, read back as
 * written; other versions and malformed text refused whole; start time
 * and process group read from /proc/PID/stat text.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "statefile.h"
#include "unit.h"

START_TEST(entries_read_back_as_written)
{
	char text[512], line[128];
	struct statefile sf;
	size_t len;
	int n;

	memset(&sf, 0, sizeof(sf));
	len = (size_t)snprintf(text, sizeof(text), "%s", statefile_header());
	n = statefile_format(
	    line, sizeof(line), 42, 42, 123456789012ULL, "root/back/db");
	ck_assert_int_gt(n, 0);
	memcpy(text + len, line, (size_t)n);
	len += (size_t)n;
	n = statefile_format(line, sizeof(line), 7, 3, 1, "root/a b");
	ck_assert_int_gt(n, 0);
	memcpy(text + len, line, (size_t)n);
	len += (size_t)n;
	ck_assert_int_eq(statefile_parse(text, len, &sf), 0);
	ck_assert_uint_eq(sf.n, 2);
	ck_assert_int_eq(sf.v[0].pid, 42);
	ck_assert_int_eq(sf.v[0].pgid, 42);
	ck_assert_uint_eq(sf.v[0].start, 123456789012ULL);
	ck_assert_str_eq(sf.v[0].path, "root/back/db");
	ck_assert_int_eq(sf.v[1].pid, 7);
	ck_assert_int_eq(sf.v[1].pgid, 3);
	ck_assert_str_eq(sf.v[1].path, "root/a b");
	statefile_free(&sf);
}
END_TEST

START_TEST(a_header_alone_is_an_empty_file)
{
	struct statefile sf;
	const char *h = statefile_header();

	memset(&sf, 0, sizeof(sf));
	ck_assert_int_eq(statefile_parse(h, strlen(h), &sf), 0);
	ck_assert_uint_eq(sf.n, 0);
	statefile_free(&sf);
}

END_TEST

START_TEST(other_versions_and_malformed_text_are_refused_whole)
{
	static const char *const bad[] = {
	    "",
	    "tend-state 2\n1 1 1 root/a\n",
	    "tend-state 1\n1 1 1 root/a\n2 2 2 root/b",   /* no newline */
	    "tend-state 1\n1 1 1 root/a\nx 2 2 root/b\n", /* not a number */
	    "tend-state 1\n1 1 1 root/a\n0 2 2 root/b\n", /* pid 0 */
	    "tend-state 1\n1 1 1 root/a\n2 2 2\n",        /* no path */
	    "tend-state 1\n1 1 1 root/a\n2 2 2 \n",       /* empty path */
	    "tend-state 1\n99999999999 1 1 root/a\n",     /* pid too big */
	    "tend-state 1\n1 1 99999999999999999999999 root/a\n",
	};
	struct statefile sf;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&sf, 0, sizeof(sf));
		errno = 0;
		ck_assert_msg(
		    statefile_parse(bad[i], strlen(bad[i]), &sf) == -1,
		    "accepted: %s", bad[i]);
		ck_assert_int_eq(errno, EINVAL);
		ck_assert_uint_eq(sf.n, 0);
		statefile_free(&sf);
	}
}
END_TEST

START_TEST(a_path_with_a_newline_or_too_long_is_not_written)
{
	char line[32];

	ck_assert_int_eq(
	    statefile_format(line, sizeof(line), 1, 1, 1, "a\nb"), -1);
	ck_assert_int_eq(statefile_format(line, sizeof(line), 1, 1, 1,
	                     "root/a-name-much-too-long-for-the-line"),
	    -1);
}
END_TEST

START_TEST(stat_gives_start_time_group_and_state_past_an_odd_comm)
{
	/* comm "a) b" holds ") ": fields are counted from the last ')' */
	const char *stat =
	    "1234 (a) b) S 1 1230 1230 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 "
	    "0 987654 1000 10 18446744073709551615";
	uint64_t start;
	pid_t pgid;
	char st;

	ck_assert_int_eq(statefile_parse_stat(stat, &start, &pgid, &st), 0);
	ck_assert_uint_eq(start, 987654);
	ck_assert_int_eq(pgid, 1230);
	ck_assert_int_eq(st, 'S');
	ck_assert_int_eq(
	    statefile_parse_stat("1234 (x) Z 1 5", &start, &pgid, &st), -1);
	ck_assert_int_eq(
	    statefile_parse_stat("garbage", &start, &pgid, &st), -1);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("statefile");
	TCase *tc = tcase_create("statefile");

	tcase_add_test(tc, entries_read_back_as_written);
	tcase_add_test(tc, a_header_alone_is_an_empty_file);
	tcase_add_test(tc, other_versions_and_malformed_text_are_refused_whole);
	tcase_add_test(tc, a_path_with_a_newline_or_too_long_is_not_written);
	tcase_add_test(
	    tc, stat_gives_start_time_group_and_state_past_an_odd_comm);
	suite_add_tcase(s, tc);
	return unit_main(s);
}
