/*
 * loop.h: the one event loop. libev watchers turn kernel events (a
 * signal, a child reaped, a timer) into calls of supervise.c; before each
 * wait the tree's queued actions are carried out, a bounded number of
 * spawns at a time so that nothing else waits long.
 */
#ifndef TEND_LOOP_H
#define TEND_LOOP_H

#include <ev.h>
#include <stdint.h>

/* Spawns carried out per loop turn before other events are served. */
#define LOOP_SPAWNS_PER_TURN 32

/*
 * Start every watcher on loop (signals of SPEC 2, the one ev_child on pid
 * 0, the queue runner, the idle guard). grace_ms is shutdown_grace.
 */
void loop_init(struct ev_loop *loop, int64_t grace_ms);

/* The tree said tend ends with status: sweep what is left, then break. */
void loop_on_tree_exit(int status);

/* After ev_run returned: tend's exit status. */
int loop_exit_status(void);

/* Stop every watcher of loop.c. */
void loop_fini(void);

#endif
