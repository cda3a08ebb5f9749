/*
 * test_pidmap.c: the pid -> program hash keeps every entry findable
 * through inserts, removals (backward shift) and growth.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>

#include "pidmap.h"
#include "unit.h"

static void *
val(int i)
{
	return (void *)(uintptr_t)(i * 8 + 8);
}

START_TEST(put_get_take_round_trip)
{
	struct pidmap m;

	ck_assert_int_eq(pidmap_init(&m, 4), 0);
	ck_assert_int_eq(pidmap_put(&m, 42, val(1)), 0);
	ck_assert_ptr_eq(pidmap_get(&m, 42), val(1));
	ck_assert_ptr_null(pidmap_get(&m, 43));
	ck_assert_ptr_eq(pidmap_take(&m, 42), val(1));
	ck_assert_ptr_null(pidmap_get(&m, 42));
	ck_assert_ptr_null(pidmap_take(&m, 42));
	ck_assert_uint_eq(m.n, 0);
	pidmap_free(&m);
}
END_TEST

START_TEST(put_replaces_the_value_of_a_pid)
{
	struct pidmap m;

	ck_assert_int_eq(pidmap_init(&m, 4), 0);
	pidmap_put(&m, 7, val(1));
	pidmap_put(&m, 7, val(2));
	ck_assert_uint_eq(m.n, 1);
	ck_assert_ptr_eq(pidmap_get(&m, 7), val(2));
	pidmap_free(&m);
}
END_TEST

/* Random churn against a plain array as the model. */
START_TEST(churn_keeps_every_entry_findable)
{
	enum { MAXPID = 4096 };
	static void *model[MAXPID];
	struct pidmap m;
	int i, pid;

	srand(12345);
	ck_assert_int_eq(pidmap_init(&m, 16), 0); /* forces growth */
	for (i = 0; i < 200000; i++) {
		pid = 1 + rand() % (MAXPID - 1);
		if (rand() % 3 == 0) {
			ck_assert_ptr_eq(pidmap_take(&m, pid), model[pid]);
			model[pid] = NULL;
		} else if (model[pid] == NULL) {
			ck_assert_int_eq(pidmap_put(&m, pid, val(i)), 0);
			model[pid] = val(i);
		}
	}
	for (pid = 1; pid < MAXPID; pid++)
		ck_assert_ptr_eq(pidmap_get(&m, pid), model[pid]);
	pidmap_free(&m);
}
END_TEST

START_TEST(pids_that_wrap_around_the_table_are_removed_correctly)
{
	struct pidmap m;
	int pid, n = 0;

	ck_assert_int_eq(pidmap_init(&m, 8), 0); /* 16 slots */
	/* many keys sharing slots near the end force runs that wrap */
	for (pid = 1; pid < 2000 && n < 7; pid++)
		if ((((uint32_t)pid * 2654435769u) & 15) >= 14) {
			pidmap_put(&m, pid, val(pid));
			n++;
		}
	for (pid = 1; pid < 2000; pid++)
		if ((((uint32_t)pid * 2654435769u) & 15) >= 14 &&
		    pidmap_get(&m, pid) != NULL) {
			ck_assert_ptr_eq(pidmap_take(&m, pid), val(pid));
			break;
		}
	for (pid = 1; pid < 2000; pid++) {
		void *v = pidmap_get(&m, pid);

		if (v != NULL)
			ck_assert_ptr_eq(v, val(pid));
	}
	ck_assert_uint_eq(m.n, (size_t)n - 1);
	pidmap_free(&m);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("pidmap");
	TCase *tc = tcase_create("map");

	tcase_add_test(tc, put_get_take_round_trip);
	tcase_add_test(tc, put_replaces_the_value_of_a_pid);
	tcase_add_test(tc, churn_keeps_every_entry_findable);
	tcase_add_test(
	    tc, pids_that_wrap_around_the_table_are_removed_correctly);
	suite_add_tcase(s, tc);
	return unit_main(s);
}
