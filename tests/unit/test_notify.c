/*
 * test_notify.c: an sd_notify datagram is read as systemd reads it: the
 * known fields, the last of a repeated one, anything else ignored, and
 * the datagrams systemd refuses refused.
 */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "notify.h"
#include "unit.h"

static struct notify_msg m;

static int
parse(const char *s)
{
	return notify_parse(s, strlen(s), &m);
}

START_TEST(ready_and_status_in_one_datagram)
{
	ck_assert_int_eq(parse("READY=1\nSTATUS=serving 42 clients"), 0);
	ck_assert(m.ready);
	ck_assert(m.has_status);
	ck_assert_uint_eq(m.status_len, strlen("serving 42 clients"));
	ck_assert(memcmp(m.status, "serving 42 clients", m.status_len) == 0);
	ck_assert(!m.watchdog && !m.stopping && !m.reloading && !m.barrier);
	ck_assert(!m.has_extend);
	ck_assert_int_eq(m.mainpid, 0);
}
END_TEST

START_TEST(unknown_fields_and_unknown_values_are_ignored)
{
	ck_assert_int_eq(parse("X_UNKNOWN=whatever\nREADY=0\nREADY=yes\n"
	                       "STOPPING=2\nnot a field\n\nREADYX=1\n"),
	    0);
	ck_assert(!m.ready);
	ck_assert(!m.stopping);
	ck_assert(!m.has_status);
	ck_assert_int_eq(parse("X=1\nREADY=1\n"), 0); /* trailing newline */
	ck_assert(m.ready);
}
END_TEST

START_TEST(each_flag_is_read)
{
	ck_assert_int_eq(
	    parse("WATCHDOG=1\nSTOPPING=1\nRELOADING=1\nBARRIER=1"), 0);
	ck_assert(m.watchdog && m.stopping && m.reloading && m.barrier);
	ck_assert(!m.watchdog_trigger && !m.ready);
	ck_assert_int_eq(parse("WATCHDOG=trigger"), 0);
	ck_assert(m.watchdog_trigger && !m.watchdog);
}
END_TEST

START_TEST(numbers_are_whole_and_in_range)
{
	ck_assert_int_eq(parse("MAINPID=1234\nEXTEND_TIMEOUT_USEC=4000000"), 0);
	ck_assert_int_eq(m.mainpid, 1234);
	ck_assert(m.has_extend);
	ck_assert_uint_eq(m.extend_usec, 4000000);
	ck_assert_int_eq(parse("EXTEND_TIMEOUT_USEC=18446744073709551615"), 0);
	ck_assert(m.has_extend);
	ck_assert(m.extend_usec == UINT64_MAX);
	ck_assert_int_eq(parse("MAINPID=0\nEXTEND_TIMEOUT_USEC=-5"), 0);
	ck_assert_int_eq(m.mainpid, 0);
	ck_assert(!m.has_extend);
	ck_assert_int_eq(parse("MAINPID=99999999999\nEXTEND_TIMEOUT_USEC="
	                       "18446744073709551616\nMAINPID=1x"),
	    0);
	ck_assert_int_eq(m.mainpid, 0);
	ck_assert(!m.has_extend);
}
END_TEST

START_TEST(a_repeated_field_counts_the_last_time)
{
	ck_assert_int_eq(parse("STATUS=first\nSTATUS=second"), 0);
	ck_assert_uint_eq(m.status_len, 6);
	ck_assert(memcmp(m.status, "second", 6) == 0);
	ck_assert_int_eq(parse("STATUS="), 0); /* an empty text clears it */
	ck_assert(m.has_status);
	ck_assert_uint_eq(m.status_len, 0);
}
END_TEST

START_TEST(empty_datagrams_and_nul_bytes_are_refused)
{
	static const char nul[] = "READY=1\0STATUS=x";

	ck_assert_int_eq(notify_parse("", 0, &m), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(notify_parse(nul, sizeof(nul) - 1, &m), -1);
	ck_assert(!m.ready);
}
END_TEST

START_TEST(the_datagram_is_read_within_its_length_only)
{
	static const char buf[] = "READY=1\nSTATUS=abcdef";

	/* cut inside STATUS: only what was given */
	ck_assert_int_eq(notify_parse(buf, 18, &m), 0);
	ck_assert(m.ready);
	ck_assert_uint_eq(m.status_len, 3);
	ck_assert(memcmp(m.status, "abc", 3) == 0);
	/* cut inside READY=1: not ready */
	ck_assert_int_eq(notify_parse(buf, 6, &m), 0);
	ck_assert(!m.ready);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("notify");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, ready_and_status_in_one_datagram);
	tcase_add_test(tc, unknown_fields_and_unknown_values_are_ignored);
	tcase_add_test(tc, each_flag_is_read);
	tcase_add_test(tc, numbers_are_whole_and_in_range);
	tcase_add_test(tc, a_repeated_field_counts_the_last_time);
	tcase_add_test(tc, empty_datagrams_and_nul_bytes_are_refused);
	tcase_add_test(tc, the_datagram_is_read_within_its_length_only);
	suite_add_tcase(s, tc);
	return unit_main(s);
}
