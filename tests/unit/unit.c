/*
 * unit.c: the main shared by the unit test programs (see unit.h).
 */
#include "unit.h"

#include <check.h>
#include <stdlib.h>

int
unit_main(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
