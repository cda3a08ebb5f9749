/*
 * test_ring.c: a program's ring of recent output keeps the newest lines
 * whole, in order, within its bound, and costs nothing until used.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ring.h"
#include "unit.h"

static char got[64][256];
static int64_t got_t[64];
static size_t ngot;

static void
collect(void *arg, int64_t t, const char *text, size_t len)
{
	(void)arg;
	ck_assert_uint_lt(ngot, 64);
	ck_assert_uint_lt(len, sizeof(got[0]));
	memcpy(got[ngot], text, len);
	got[ngot][len] = '\0';
	got_t[ngot] = t;
	ngot++;
}

static void
last(struct ring *r, size_t n)
{
	ngot = 0;
	ck_assert_int_eq(ring_last(r, n, collect, NULL), 0);
}

START_TEST(an_unused_ring_allocates_nothing)
{
	struct ring r;

	ring_init(&r, 65536);
	ck_assert_ptr_null(r.buf);
	last(&r, 10);
	ck_assert_uint_eq(ngot, 0);
	ring_free(&r);
}
END_TEST

START_TEST(the_last_n_lines_come_back_in_order_with_their_times)
{
	struct ring r;
	char line[32];
	int i;

	ring_init(&r, 65536);
	for (i = 1; i <= 20; i++) {
		snprintf(line, sizeof(line), "line-%d", i);
		ck_assert_int_eq(ring_add(&r, i * 1000, line, strlen(line)), 0);
	}
	last(&r, 5);
	ck_assert_uint_eq(ngot, 5);
	ck_assert_str_eq(got[0], "line-16");
	ck_assert_str_eq(got[4], "line-20");
	ck_assert_int_eq(got_t[4], 20000);
	last(&r, 100);
	ck_assert_uint_eq(ngot, 20);
	ring_free(&r);
}
END_TEST

START_TEST(the_ring_grows_lazily_and_never_past_its_bound)
{
	struct ring r;
	char line[100];
	int i;

	memset(line, 'x', sizeof(line));
	ring_init(&r, 4096);
	ring_add(&r, 0, line, 10);
	ck_assert_uint_eq(r.cap, RING_MIN_CAP);
	for (i = 0; i < 1000; i++) {
		snprintf(line, sizeof(line), "%04d-%s", i,
		    "padding-padding-padding-padding-padding");
		ring_add(&r, i, line, strlen(line));
		ck_assert_uint_le(r.used, 4096);
		ck_assert_uint_le(r.cap, 4096);
	}
	/* the newest lines are kept whole, oldest dropped */
	last(&r, 3);
	ck_assert_uint_eq(ngot, 3);
	ck_assert(strncmp(got[2], "0999-", 5) == 0);
	ck_assert(strncmp(got[1], "0998-", 5) == 0);
	ck_assert_uint_eq(strlen(got[2]), strlen("0999-") + 39);
	ring_free(&r);
}
END_TEST

START_TEST(wrapped_entries_read_back_whole)
{
	struct ring r;
	char line[200];
	int i;

	ring_init(&r, 1024); /* small: entries wrap around the end */
	for (i = 0; i < 500; i++) {
		int len = snprintf(line, sizeof(line), "%d:%.*s", i, i % 150,
		    "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz"
		    "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz"
		    "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz");

		ring_add(&r, i, line, (size_t)len);
		last(&r, 1);
		ck_assert_str_eq(got[0], line);
	}
	ring_free(&r);
}
END_TEST

START_TEST(a_line_longer_than_the_ring_keeps_its_end)
{
	struct ring r;
	char big[5000];

	memset(big, 'a', sizeof(big));
	big[sizeof(big) - 1] = 'Z';
	ring_init(&r, 1024);
	ck_assert_int_eq(ring_add(&r, 1, big, sizeof(big)), 0);
	ngot = 0;
	ck_assert_uint_eq(r.count, 1);
	ck_assert_uint_le(r.used, 1024);
	ring_free(&r);
}
END_TEST

START_TEST(an_entry_of_several_lines_is_served_line_by_line)
{
	struct ring r;

	ring_init(&r, 4096);
	ck_assert_int_eq(ring_add(&r, 5, "one", 3), 0);
	ck_assert_int_eq(ring_add(&r, 7, "two\nthree\nfour", 14), 0);
	last(&r, 3);
	ck_assert_uint_eq(ngot, 3);
	ck_assert_str_eq(got[0], "two");
	ck_assert_str_eq(got[1], "three");
	ck_assert_str_eq(got[2], "four");
	ck_assert_int_eq(got_t[0], 7);
	last(&r, 10);
	ck_assert_uint_eq(ngot, 4);
	ck_assert_str_eq(got[0], "one");
	ck_assert_int_eq(got_t[0], 5);
	ck_assert_uint_eq(ring_room(&r), 4096 - RING_HEADER);
	ring_free(&r);
}
END_TEST

START_TEST(a_zero_ring_keeps_nothing)
{
	struct ring r;

	ring_init(&r, 0);
	ck_assert_int_eq(ring_add(&r, 1, "x", 1), 0);
	ck_assert_ptr_null(r.buf);
	last(&r, 5);
	ck_assert_uint_eq(ngot, 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("ring");
	TCase *tc = tcase_create("ring");

	tcase_add_test(tc, an_unused_ring_allocates_nothing);
	tcase_add_test(
	    tc, the_last_n_lines_come_back_in_order_with_their_times);
	tcase_add_test(tc, the_ring_grows_lazily_and_never_past_its_bound);
	tcase_add_test(tc, wrapped_entries_read_back_whole);
	tcase_add_test(tc, a_line_longer_than_the_ring_keeps_its_end);
	tcase_add_test(tc, an_entry_of_several_lines_is_served_line_by_line);
	tcase_add_test(tc, a_zero_ring_keeps_nothing);
	suite_add_tcase(s, tc);
	return unit_main(s);
}
