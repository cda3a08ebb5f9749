/*
 * test_loadstats.c: the load client tells each failure by its kind,
 * takes only a whole right answer as served, and its seconds add up
 * (counts, percentiles, the stragglers of the last second).
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loadstats.h"
#include "unit.h"

#define OK_HEAD                                                                \
	"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"                      \
	"Content-Length: 12\r\nConnection: close\r\n\r\n"

static enum answer
check_text(const char *text, const char *name)
{
	return answer_check(text, strlen(text), name);
}

START_TEST(a_refused_connect_is_refused_a_broken_one_reset)
{
	ck_assert_int_eq(outcome_of_errno(ECONNREFUSED, true), OUT_REFUSED);
	ck_assert_int_eq(outcome_of_errno(EADDRNOTAVAIL, true), OUT_REFUSED);
	ck_assert_int_eq(outcome_of_errno(ECONNRESET, true), OUT_RESET);
	ck_assert_int_eq(outcome_of_errno(ECONNRESET, false), OUT_RESET);
	ck_assert_int_eq(outcome_of_errno(EPIPE, false), OUT_RESET);
	ck_assert_int_eq(outcome_of_errno(ETIMEDOUT, true), OUT_TIMEOUT);
	ck_assert_int_eq(outcome_of_errno(ECONNREFUSED, false), OUT_RESET);
	ck_assert_str_eq(outcome_name(OUT_TIMEOUT), "timeout");
	ck_assert_str_eq(outcome_name(OUT_WRONG), "wrong");
}
END_TEST

START_TEST(a_whole_answer_naming_the_request_is_right)
{
	ck_assert_int_eq(
	    check_text(OK_HEAD "r17 1 12345\n", "r17"), ANSWER_RIGHT);
}
END_TEST

START_TEST(an_answer_is_partial_until_its_content_length_is_there)
{
	const char *whole = OK_HEAD "r17 1 12345\n";
	size_t n = strlen(whole);
	size_t i;

	for (i = 0; i < n; i++)
		ck_assert_int_eq(answer_check(whole, i, "r17"), ANSWER_PARTIAL);
	ck_assert_int_eq(answer_check(whole, n, "r17"), ANSWER_RIGHT);
}
END_TEST

START_TEST(an_answer_to_another_request_or_status_is_wrong)
{
	ck_assert_int_eq(
	    check_text(OK_HEAD "r18 1 12345\n", "r17"), ANSWER_WRONG);
	ck_assert_int_eq(
	    check_text(OK_HEAD "r171 1 1234\n", "r17"), ANSWER_WRONG);
	ck_assert_int_eq(
	    check_text("HTTP/1.1 500 Oops\r\nContent-Length: 12\r\n\r\n"
	               "r17 1 12345\n",
	        "r17"),
	    ANSWER_WRONG);
	ck_assert_int_eq(check_text("SSH-2.0-x\r\n\r\n", "r17"), ANSWER_WRONG);
	ck_assert_int_eq(check_text("HTTP/1.1 200 OK\r\n\r\nr17 1 1\n", "r17"),
	    ANSWER_WRONG);
}
END_TEST

START_TEST(answer_parse_finds_the_status_and_body)
{
	const char *text = OK_HEAD "hello 1 123\nEXTRA";
	struct http_answer a;

	ck_assert(answer_parse(text, strlen(text), &a));
	ck_assert_int_eq(a.status, 200);
	ck_assert_uint_eq(a.body_len, 12);
	ck_assert(strncmp(a.body, "hello 1 123\n", 12) == 0);
}
END_TEST

START_TEST(a_second_counts_each_kind_and_the_served_percentiles)
{
	struct stats s;
	struct figures f;
	int i;

	ck_assert_int_eq(stats_init(&s, 2), 0);
	for (i = 1; i <= 100; i++)
		ck_assert_int_eq(
		    stats_add(&s, 0, OUT_SERVED, (int64_t)i * 10), 0);
	stats_add(&s, 0, OUT_REFUSED, 5);
	stats_add(&s, 0, OUT_RESET, 5);
	stats_add(&s, 0, OUT_TIMEOUT, 2000000);
	stats_add(&s, 0, OUT_WRONG, 5);
	stats_add(&s, 0, OUT_WRONG, 5);
	stats_second(&s, 0, &f);
	ck_assert_uint_eq(f.n[OUT_SERVED], 100);
	ck_assert_uint_eq(f.n[OUT_REFUSED], 1);
	ck_assert_uint_eq(f.n[OUT_RESET], 1);
	ck_assert_uint_eq(f.n[OUT_TIMEOUT], 1);
	ck_assert_uint_eq(f.n[OUT_WRONG], 2);
	ck_assert_uint_eq(f.failed, 5);
	/* nearest rank over the served only: the time-out's 2 s is not in */
	ck_assert_uint_eq(f.p50_us, 500);
	ck_assert_uint_eq(f.p99_us, 990);
	stats_free(&s);
}
END_TEST

START_TEST(seconds_grow_as_needed_and_the_total_adds_them_up)
{
	struct stats s;
	struct figures f;
	char line[256];

	ck_assert_int_eq(stats_init(&s, 1), 0);
	stats_add(&s, 0, OUT_SERVED, 100);
	stats_add(&s, 7, OUT_SERVED, 300);
	stats_add(&s, 3, OUT_REFUSED, 1);
	ck_assert_int_eq(s.nsec, 8);
	stats_second(&s, 5, &f);
	ck_assert_uint_eq(f.n[OUT_SERVED] + f.failed, 0);
	ck_assert_uint_eq(f.p99_us, 0);
	stats_second(&s, 99, &f);
	ck_assert_uint_eq(f.n[OUT_SERVED] + f.failed, 0);
	stats_total(&s, &f);
	ck_assert_uint_eq(f.n[OUT_SERVED], 2);
	ck_assert_uint_eq(f.failed, 1);
	ck_assert_uint_eq(f.p99_us, 300);
	figures_format(&f, line, sizeof(line));
	ck_assert_str_eq(line, "done=3 served=2 failed=1 refused=1 reset=0 "
	                       "timeout=0 wrong=0 p50_us=100 p99_us=300");
	stats_free(&s);
}
END_TEST

START_TEST(stragglers_after_the_last_second_are_folded_into_it)
{
	struct stats s;
	struct figures f;

	ck_assert_int_eq(stats_init(&s, 1), 0);
	stats_add(&s, 1, OUT_SERVED, 100);
	stats_add(&s, 2, OUT_SERVED, 900);
	stats_add(&s, 3, OUT_TIMEOUT, 2000000);
	stats_fold(&s, 1);
	ck_assert_int_eq(s.nsec, 2);
	stats_second(&s, 1, &f);
	ck_assert_uint_eq(f.n[OUT_SERVED], 2);
	ck_assert_uint_eq(f.n[OUT_TIMEOUT], 1);
	ck_assert_uint_eq(f.p99_us, 900);
	stats_total(&s, &f);
	ck_assert_uint_eq(f.n[OUT_SERVED] + f.failed, 3);
	stats_free(&s);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("loadstats");
	TCase *tc = tcase_create("loadstats");

	tcase_add_test(tc, a_refused_connect_is_refused_a_broken_one_reset);
	tcase_add_test(tc, a_whole_answer_naming_the_request_is_right);
	tcase_add_test(
	    tc, an_answer_is_partial_until_its_content_length_is_there);
	tcase_add_test(tc, an_answer_to_another_request_or_status_is_wrong);
	tcase_add_test(tc, answer_parse_finds_the_status_and_body);
	tcase_add_test(
	    tc, a_second_counts_each_kind_and_the_served_percentiles);
	tcase_add_test(tc, seconds_grow_as_needed_and_the_total_adds_them_up);
	tcase_add_test(tc, stragglers_after_the_last_second_are_folded_into_it);
	suite_add_tcase(s, tc);
	return unit_main(s);
}
