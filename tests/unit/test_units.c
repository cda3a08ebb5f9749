/*
 * test_units.c: the value syntaxes of units.c, one property per test.
 */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "units.h"

static int64_t
duration(const char *s)
{
	int64_t ms = -12345;

	ck_assert_int_eq(units_parse_duration(s, &ms), 0);
	return ms;
}

static int
duration_errno(const char *s)
{
	int64_t ms = -12345;

	errno = 0;
	ck_assert_int_eq(units_parse_duration(s, &ms), -1);
	ck_assert_int_eq(ms, -12345);
	return errno;
}

START_TEST(format_time_is_rfc3339_with_milliseconds_and_offset)
{
	struct tm tm = {.tm_year = 126,
	    .tm_mon = 11,
	    .tm_mday = 7,
	    .tm_hour = 10,
	    .tm_min = 5,
	    .tm_sec = 9,
	    .tm_gmtoff = 3600};
	char buf[UNITS_TIME_MAX];

	ck_assert_str_eq(units_format_time(buf, sizeof(buf), &tm, 7),
	    "2026-12-07T10:05:09.007+01:00");
	tm.tm_gmtoff = -(9 * 3600 + 30 * 60);
	ck_assert_str_eq(units_format_time(buf, sizeof(buf), &tm, 999),
	    "2026-12-07T10:05:09.999-09:30");
	tm.tm_gmtoff = 0;
	ck_assert_str_eq(units_format_time(buf, sizeof(buf), &tm, 0),
	    "2026-12-07T10:05:09.000+00:00");
}
END_TEST

START_TEST(duration_units_are_ms_s_m_h)
{
	ck_assert_int_eq(duration("250ms"), 250);
	ck_assert_int_eq(duration("5s"), 5000);
	ck_assert_int_eq(duration("2m"), 120000);
	ck_assert_int_eq(duration("1h"), 3600000);
}
END_TEST

START_TEST(duration_bare_number_is_seconds)
{
	ck_assert_int_eq(duration("30"), 30000);
	ck_assert_int_eq(duration("0"), 0);
	ck_assert_int_eq(duration("007"), 7000);
}
END_TEST

START_TEST(duration_rejects_sign_space_fraction_and_unknown_units)
{
	const char *bad[] = {"", "-1s", "+1s", " 1s", "1s ", "1 s", "1.5s", "s",
	    "ms", "1d", "1sec", "1S", "1MS", "7 fortnights", "1s2"};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(duration_errno(bad[i]) == EINVAL, "%s", bad[i]);
}
END_TEST

START_TEST(duration_overflow_is_erange)
{
	ck_assert_int_eq(duration("9223372036854775807ms"), INT64_MAX);
	ck_assert_int_eq(duration_errno("9223372036854775808ms"), ERANGE);
	ck_assert_int_eq(duration_errno("9223372036854776s"), ERANGE);
	ck_assert_int_eq(duration_errno("99999999999999999999999h"), ERANGE);
}
END_TEST

START_TEST(size_suffixes_are_powers_of_1024_any_case)
{
	int64_t b = 0;

	ck_assert_int_eq(units_parse_size("512", &b), 0);
	ck_assert_int_eq(b, 512);
	ck_assert_int_eq(units_parse_size("64K", &b), 0);
	ck_assert_int_eq(b, 65536);
	ck_assert_int_eq(units_parse_size("10m", &b), 0);
	ck_assert_int_eq(b, 10485760);
	ck_assert_int_eq(units_parse_size("1G", &b), 0);
	ck_assert_int_eq(b, 1073741824);
}
END_TEST

START_TEST(size_rejects_b_suffix_and_garbage)
{
	const char *bad[] = {"", "1KB", "1KiB", "1T", "K", "-1", "1 K", "1.5M"};
	int64_t b = 77;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		ck_assert_int_eq(units_parse_size(bad[i], &b), -1);
		ck_assert_int_eq(errno, EINVAL);
	}
	ck_assert_int_eq(b, 77);
	ck_assert_int_eq(units_parse_size("9000000000G", &b), -1);
	ck_assert_int_eq(errno, ERANGE);
}
END_TEST

START_TEST(bool_words_are_case_insensitive)
{
	const char *yes[] = {"yes", "YES", "true", "On", "1"};
	const char *no[] = {"no", "No", "FALSE", "off", "0"};
	bool b;

	for (size_t i = 0; i < 5; i++) {
		b = false;
		ck_assert_int_eq(units_parse_bool(yes[i], &b), 0);
		ck_assert(b);
		b = true;
		ck_assert_int_eq(units_parse_bool(no[i], &b), 0);
		ck_assert(!b);
	}
	ck_assert_int_eq(units_parse_bool("y", &b), -1);
	ck_assert_int_eq(units_parse_bool("", &b), -1);
	ck_assert_int_eq(units_parse_bool("2", &b), -1);
}
END_TEST

START_TEST(signal_accepts_names_with_or_without_sig_and_numbers)
{
	int sig = 0;

	ck_assert_int_eq(units_parse_signal("TERM", &sig), 0);
	ck_assert_int_eq(sig, SIGTERM);
	ck_assert_int_eq(units_parse_signal("SIGKILL", &sig), 0);
	ck_assert_int_eq(sig, SIGKILL);
	ck_assert_int_eq(units_parse_signal("sighup", &sig), 0);
	ck_assert_int_eq(sig, SIGHUP);
	ck_assert_int_eq(units_parse_signal("usr1", &sig), 0);
	ck_assert_int_eq(sig, SIGUSR1);
	ck_assert_int_eq(units_parse_signal("9", &sig), 0);
	ck_assert_int_eq(sig, 9);
	ck_assert_int_eq(units_parse_signal("64", &sig), 0);
	ck_assert_int_eq(sig, 64);
}
END_TEST

START_TEST(signal_aliases_map_to_their_signal)
{
	int sig = 0;

	ck_assert_int_eq(units_parse_signal("IOT", &sig), 0);
	ck_assert_int_eq(sig, SIGABRT);
	ck_assert_int_eq(units_parse_signal("SIGPOLL", &sig), 0);
	ck_assert_int_eq(sig, SIGIO);
	ck_assert_int_eq(units_parse_signal("CLD", &sig), 0);
	ck_assert_int_eq(sig, SIGCHLD);
}
END_TEST

START_TEST(signal_rejects_unknown_names_and_out_of_range_numbers)
{
	const char *bad[] = {"", "0", "65", "-1", "SIG", "TERMX", "SIG15",
	    "FOO", " TERM", "RTMIN+99"};
	int sig = -5;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(
		    units_parse_signal(bad[i], &sig) == -1, "%s", bad[i]);
	ck_assert_int_eq(sig, -5);
}
END_TEST

START_TEST(signal_name_round_trips_every_standard_signal)
{
	const char *names[] = {"HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT",
	    "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2", "PIPE", "ALRM",
	    "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU",
	    "URG", "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR",
	    "SYS"};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		int sig = 0;

		ck_assert_int_eq(units_parse_signal(names[i], &sig), 0);
		ck_assert_str_eq(units_signal_name(sig), names[i]);
	}
	ck_assert_str_eq(units_signal_name(SIGTERM), "TERM");
	ck_assert_str_eq(units_signal_name(SIGABRT), "ABRT");
}
END_TEST

START_TEST(signal_realtime_names_are_rtmin_plus_n)
{
	int sig = 0;

	ck_assert_str_eq(units_signal_name(SIGRTMIN), "RTMIN");
	ck_assert_str_eq(units_signal_name(SIGRTMIN + 3), "RTMIN+3");
	ck_assert_int_eq(units_parse_signal("RTMIN+3", &sig), 0);
	ck_assert_int_eq(sig, SIGRTMIN + 3);
	ck_assert_int_eq(units_parse_signal("SIGRTMAX", &sig), 0);
	ck_assert_int_eq(sig, SIGRTMAX);
	ck_assert_int_eq(units_parse_signal("rtmax-1", &sig), 0);
	ck_assert_int_eq(sig, SIGRTMAX - 1);
	ck_assert_ptr_null(units_signal_name(0));
	ck_assert_ptr_null(units_signal_name(65));
}
END_TEST

START_TEST(uint_checks_digits_and_max)
{
	uint64_t v = 0;

	ck_assert_int_eq(
	    units_parse_uint("18446744073709551615", UINT64_MAX, &v), 0);
	ck_assert(v == UINT64_MAX);
	ck_assert_int_eq(
	    units_parse_uint("18446744073709551616", UINT64_MAX, &v), -1);
	ck_assert_int_eq(errno, ERANGE);
	ck_assert_int_eq(units_parse_uint("10", 9, &v), -1);
	ck_assert_int_eq(errno, ERANGE);
	ck_assert_int_eq(units_parse_uint("9", 9, &v), 0);
	ck_assert_int_eq(v, 9);
	ck_assert_int_eq(units_parse_uint("-1", 9, &v), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(units_parse_uint("", 9, &v), -1);
	ck_assert_int_eq(units_parse_uint("1x", 9, &v), -1);
}
END_TEST

START_TEST(int_accepts_negative_within_range)
{
	int64_t v = 0;

	ck_assert_int_eq(units_parse_int("-20", -20, 19, &v), 0);
	ck_assert_int_eq(v, -20);
	ck_assert_int_eq(units_parse_int("19", -20, 19, &v), 0);
	ck_assert_int_eq(v, 19);
	ck_assert_int_eq(units_parse_int("-21", -20, 19, &v), -1);
	ck_assert_int_eq(errno, ERANGE);
	ck_assert_int_eq(units_parse_int("20", -20, 19, &v), -1);
	ck_assert_int_eq(
	    units_parse_int("-9223372036854775808", INT64_MIN, INT64_MAX, &v),
	    0);
	ck_assert(v == INT64_MIN);
	ck_assert_int_eq(
	    units_parse_int("9223372036854775808", INT64_MIN, INT64_MAX, &v),
	    -1);
	ck_assert_int_eq(units_parse_int("--1", -5, 5, &v), -1);
	ck_assert_int_eq(units_parse_int("-", -5, 5, &v), -1);
	ck_assert_int_eq(units_parse_int("+1", -5, 5, &v), -1);
}
END_TEST

START_TEST(name_rule_is_1_to_64_of_the_safe_set_not_starting_with_dot)
{
	char long_name[UNITS_NAME_MAX + 2];

	ck_assert(units_name_valid("web"));
	ck_assert(units_name_valid("a.b-c_D9"));
	ck_assert(units_name_valid("x."));
	ck_assert(!units_name_valid(""));
	ck_assert(!units_name_valid(".hidden"));
	ck_assert(!units_name_valid("a/b"));
	ck_assert(!units_name_valid("a b"));
	ck_assert(!units_name_valid("caf\xc3\xa9"));
	memset(long_name, 'a', sizeof(long_name));
	long_name[UNITS_NAME_MAX] = '\0';
	ck_assert(units_name_valid(long_name));
	long_name[UNITS_NAME_MAX] = 'a';
	long_name[UNITS_NAME_MAX + 1] = '\0';
	ck_assert(!units_name_valid(long_name));
}
END_TEST

START_TEST(format_duration_is_compact_with_two_units_at_most)
{
	char buf[16];

	ck_assert_str_eq(units_format_duration(buf, sizeof(buf), 0), "0s");
	ck_assert_str_eq(units_format_duration(buf, sizeof(buf), 450), "450ms");
	ck_assert_str_eq(units_format_duration(buf, sizeof(buf), 12000), "12s");
	ck_assert_str_eq(units_format_duration(buf, sizeof(buf), 12999), "12s");
	ck_assert_str_eq(
	    units_format_duration(buf, sizeof(buf), 185000), "3m05s");
	ck_assert_str_eq(
	    units_format_duration(buf, sizeof(buf), 7620000), "2h07m");
	ck_assert_str_eq(
	    units_format_duration(buf, sizeof(buf), 273600000), "3d04h");
}
END_TEST

START_TEST(format_duration_fits_16_bytes_for_any_value)
{
	char buf[16];

	units_format_duration(buf, sizeof(buf), INT64_MAX);
	ck_assert_str_eq(buf, "106751991167d");
	units_format_duration(buf, sizeof(buf), INT64_MIN);
	ck_assert_str_eq(buf, "-106751991167d");
	units_format_duration(buf, sizeof(buf), -1500);
	ck_assert_str_eq(buf, "-1s");
}
END_TEST

START_TEST(errno_names_cover_the_exec_family)
{
	ck_assert_str_eq(units_errno_name(ENOENT), "ENOENT");
	ck_assert_str_eq(units_errno_name(EACCES), "EACCES");
	ck_assert_str_eq(units_errno_name(ENOEXEC), "ENOEXEC");
	ck_assert_str_eq(units_errno_name(ETXTBSY), "ETXTBSY");
	ck_assert_str_eq(units_errno_name(ENAMETOOLONG), "ENAMETOOLONG");
	ck_assert_str_eq(units_errno_name(E2BIG), "E2BIG");
	ck_assert_str_eq(units_errno_name(EPERM), "EPERM");
	ck_assert_ptr_null(units_errno_name(0));
	ck_assert_ptr_null(units_errno_name(100000));
}
END_TEST

static Suite *
units_suite(void)
{
	Suite *s = suite_create("units");
	TCase *tc = tcase_create("units");

	tcase_add_test(tc, duration_units_are_ms_s_m_h);
	tcase_add_test(tc, duration_bare_number_is_seconds);
	tcase_add_test(
	    tc, duration_rejects_sign_space_fraction_and_unknown_units);
	tcase_add_test(tc, duration_overflow_is_erange);
	tcase_add_test(tc, size_suffixes_are_powers_of_1024_any_case);
	tcase_add_test(tc, size_rejects_b_suffix_and_garbage);
	tcase_add_test(tc, bool_words_are_case_insensitive);
	tcase_add_test(
	    tc, signal_accepts_names_with_or_without_sig_and_numbers);
	tcase_add_test(tc, signal_aliases_map_to_their_signal);
	tcase_add_test(
	    tc, signal_rejects_unknown_names_and_out_of_range_numbers);
	tcase_add_test(tc, signal_name_round_trips_every_standard_signal);
	tcase_add_test(tc, signal_realtime_names_are_rtmin_plus_n);
	tcase_add_test(tc, uint_checks_digits_and_max);
	tcase_add_test(tc, int_accepts_negative_within_range);
	tcase_add_test(
	    tc, name_rule_is_1_to_64_of_the_safe_set_not_starting_with_dot);
	tcase_add_test(tc, format_duration_is_compact_with_two_units_at_most);
	tcase_add_test(tc, format_duration_fits_16_bytes_for_any_value);
	tcase_add_test(tc, errno_names_cover_the_exec_family);
	tcase_add_test(tc, format_time_is_rfc3339_with_milliseconds_and_offset);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return unit_main(units_suite());
}
