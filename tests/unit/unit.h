/*
 * unit.h: what every unit test program (tests/unit/test_NAME.c) shares:
 * its main.
 */
#ifndef TEND_UNIT_H
#define TEND_UNIT_H

#include <check.h>

/*
 * A unit test program's main: run every test of s (CK_NORMAL output),
 * then free it. Takes ownership of s. EXIT_SUCCESS if every test passed,
 * else EXIT_FAILURE.
 */
int unit_main(Suite *s);

#endif
