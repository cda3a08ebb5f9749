/*
 * pid1.h: tend as the reaper of last resort. Not PID 1, it makes itself a
 * child subreaper so that orphans of its programs become its children;
 * PID 1 or not, it reaps every child through the loop's one ev_child. At
 * the end it sweeps what is left (SPEC 11): as PID 1, TERM to every
 * process, as a subreaper TERM to its own remaining children only (never
 * kill(-1)); then up to shutdown_grace, then KILL, and reaps them all.
 */
#ifndef TEND_PID1_H
#define TEND_PID1_H

#include <ev.h>
#include <stdbool.h>
#include <stdint.h>

/* Become a child subreaper unless PID 1. 0, or -1 with errno. */
int pid1_setup(void);

/* Whether tend is PID 1 (of its PID namespace). */
bool pid1_is_init(void);

/*
 * Begin the final sweep; done() is called from the loop once no child is
 * left (at once if there is none).
 */
void pid1_sweep_start(
    struct ev_loop *loop, int64_t grace_ms, void (*done)(void));

/* Called after every reap while a sweep runs. */
void pid1_sweep_reaped(void);

/* Stop the sweep's watchers. */
void pid1_fini(void);

#endif
