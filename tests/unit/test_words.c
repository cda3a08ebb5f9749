/*
 * test_words.c: POSIX sh word splitting without expansion (words.c).
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "words.h"

/* Split s and compare with want[0..n). */
static void
expect_words(const char *s, const char *const *want, size_t n)
{
	const char *err = NULL;
	char **argv = NULL;
	size_t got = 99;

	ck_assert_int_eq(words_split(s, &argv, &got, &err), 0);
	ck_assert_uint_eq(got, n);
	for (size_t i = 0; i < n; i++)
		ck_assert_str_eq(argv[i], want[i]);
	ck_assert_ptr_null(argv[n]);
	free(argv);
}

static const char *
split_error(const char *s)
{
	const char *err = NULL;
	char **argv = (char **)0x1;
	size_t n = 99;

	ck_assert_int_eq(words_split(s, &argv, &n, &err), -1);
	ck_assert_ptr_eq(argv, (char **)0x1);
	ck_assert_ptr_nonnull(err);
	return err;
}

START_TEST(the_quoting_example_of_the_brief_splits_as_sh_does)
{
	static const char *const want[] = {"single quoted", "double quoted",
	    "with \"escaped\" quotes", "back slash es", "a'b", "c\"d",
	    "mixedsqdqbare", "", "", "x\\y", "p\\q", "\"lone", "r\\s",
	    "unquoted", "$HOME", "a#b"};

	expect_words(
	    "'single quoted'   \"double quoted\" \"with \\\"escaped\\\" "
	    "quotes\" back\\ slash\\ es \"a'b\" 'c\"d' "
	    "mixed'sq'\"dq\"bare '' \"\" 'x\\y' \"p\\\\q\" \\\"lone "
	    "\"r\\s\" un\\quoted '$HOME' a#b",
	    want, sizeof(want) / sizeof(want[0]));
}
END_TEST

START_TEST(blanks_separate_words_and_runs_count_once)
{
	static const char *const want[] = {"a", "b", "c"};

	expect_words(" \t a  \tb\n\nc \t", want, 3);
}
END_TEST

START_TEST(empty_and_blank_input_give_no_words)
{
	expect_words("", NULL, 0);
	expect_words("  \t\n ", NULL, 0);
}
END_TEST

START_TEST(operators_and_globs_are_ordinary_characters)
{
	static const char *const want[] = {
	    "a;b", "|", "*", "$x", "&&", "`id`", "#c"};

	expect_words("a;b | * $x && `id` #c", want, 7);
}
END_TEST

START_TEST(double_quotes_escape_only_backslash_quote_dollar_backtick)
{
	static const char *const want[] = {"\\ \" $ ` \\n \\a"};

	expect_words("\"\\\\ \\\" \\$ \\` \\n \\a\"", want, 1);
}
END_TEST

START_TEST(backslash_newline_is_removed)
{
	static const char *const want[] = {"ab", "cd", "e"};

	expect_words("a\\\nb \"c\\\nd\" \\\n e", want, 3);
}
END_TEST

START_TEST(single_quotes_keep_backslashes_and_double_quotes)
{
	static const char *const want[] = {"\\\"\\\\"};

	expect_words("'\\\"\\\\'", want, 1);
}
END_TEST

START_TEST(unterminated_quotes_are_errors)
{
	ck_assert_str_eq(split_error("sh -c 'a"), "unterminated single quote");
	ck_assert_str_eq(split_error("echo \"a"), "unterminated double quote");
	ck_assert_str_eq(
	    split_error("echo \"a\\\""), "unterminated double quote");
	ck_assert_str_eq(split_error("'"), "unterminated single quote");
}
END_TEST

START_TEST(trailing_backslash_is_an_error)
{
	ck_assert_str_eq(split_error("echo a\\"), "backslash at the end");
	ck_assert_int_eq(errno, EINVAL);
}
END_TEST

START_TEST(result_is_one_allocation)
{
	const char *err;
	char **argv;
	size_t n;

	/* valgrind and ASan would see a leak if words were separate */
	ck_assert_int_eq(
	    words_split("one 'two three' four", &argv, &n, &err), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(argv[1], "two three");
	free(argv);
}
END_TEST

START_TEST(long_input_splits_whole)
{
	size_t len = 100000;
	char *s = malloc(len + 1);
	const char *err;
	char **argv;
	size_t n;

	ck_assert_ptr_nonnull(s);
	for (size_t i = 0; i < len; i++)
		s[i] = i % 10 == 9 ? ' ' : 'x';
	s[len] = '\0';
	ck_assert_int_eq(words_split(s, &argv, &n, &err), 0);
	ck_assert_uint_eq(n, len / 10);
	ck_assert_str_eq(argv[n - 1], "xxxxxxxxx");
	free(argv);
	free(s);
}
END_TEST

static Suite *
words_suite(void)
{
	Suite *s = suite_create("words");
	TCase *tc = tcase_create("words");

	tcase_add_test(tc, the_quoting_example_of_the_brief_splits_as_sh_does);
	tcase_add_test(tc, blanks_separate_words_and_runs_count_once);
	tcase_add_test(tc, empty_and_blank_input_give_no_words);
	tcase_add_test(tc, operators_and_globs_are_ordinary_characters);
	tcase_add_test(
	    tc, double_quotes_escape_only_backslash_quote_dollar_backtick);
	tcase_add_test(tc, backslash_newline_is_removed);
	tcase_add_test(tc, single_quotes_keep_backslashes_and_double_quotes);
	tcase_add_test(tc, unterminated_quotes_are_errors);
	tcase_add_test(tc, trailing_backslash_is_an_error);
	tcase_add_test(tc, result_is_one_allocation);
	tcase_add_test(tc, long_input_splits_whole);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return unit_main(words_suite());
}
