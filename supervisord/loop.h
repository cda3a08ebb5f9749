/*
 * loop.h: the one event loop. libev watchers turn kernel events (a
 * signal, a child ended, a timer) into calls of supervise.c; before each
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
 * A SIGCHLD that came from a program reaped through its pidfd may have
 * hidden another child's end (signals merge while one is pending): tend
 * waits over all its children this long after it.
 */
#define LOOP_SCAN_AFTER_MS 10

/*
 * Start every watcher on loop, which must not be libev's default loop
 * (that one reaps every child itself): signals of SPEC 2, SIGCHLD on a
 * signalfd of its own (blocked from here on), the queue runner, the idle
 * guard. grace_ms is shutdown_grace. 0, or -1 with errno.
 */
int loop_init(struct ev_loop *loop, int64_t grace_ms);

/* A reload's new shutdown_grace. */
void loop_set_grace(int64_t grace_ms);

/* The tree said tend ends with status: sweep what is left, then break. */
void loop_on_tree_exit(int status);

/* After ev_run returned: tend's exit status. */
int loop_exit_status(void);

/* After an upgrade: reap at once every child that ended during the
 * switch (SPEC 11: a SIGCHLD may have come meanwhile). */
void loop_reap_now(void);

/* Stop every watcher of loop.c. */
void loop_fini(void);

#endif
