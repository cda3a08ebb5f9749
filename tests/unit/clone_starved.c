/*
 * clone_starved.c: supervisord/clone.c as it is, built by
 * tests/unit/meson.build with most registers taken away (see there).
 */
#include "clone.c"
