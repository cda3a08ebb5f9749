/*
 * leftover.h: restart after a crash (SPEC 7, SPEC 11 After a crash of
 * tend). While tend runs it records its running programs in SOCKET.state
 * (statefile.h), rewritten atomically (a temporary file, then rename)
 * when the set of running programs changes, never on a timer. A tend
 * started after its predecessor was killed finds what that predecessor
 * left, in programs' cgroups or else from that file by pid, process
 * group and start time (a reused pid is never taken for one), and stops
 * it cleanly (stop_signal, shutdown, SIGKILL), logging each, before it
 * starts its tree. It never adopts them.
 */
#ifndef TEND_LEFTOVER_H
#define TEND_LEFTOVER_H

#include <ev.h>
#include <stdbool.h>

#include "tree.h"

/*
 * Find what a killed predecessor left (t's programs' cgroups, the state
 * file beside socket_path) and stop it; then(), from the loop or at once
 * when nothing was left. Not as PID 1 (a PID namespace dies with its
 * PID 1: nothing can be left).
 */
void leftover_begin(struct ev_loop *loop, struct tree *t,
    const char *socket_path, void (*then)(void));

/* After an upgrade: keep the file beside socket_path up to date, with
 * nothing to look for (the programs are this tend's own). The old tend
 * wrote it last, just before its exec: it is not written again until
 * the set of running programs changes (some 3 ms with 10,000 programs,
 * which the first turn of the loop, restarts included, would wait for). */
void leftover_resume(const char *socket_path);

/* Whether leftovers are still being stopped (the tree not started). */
bool leftover_busy(void);

/* The set of running programs changed: the file is out of date. */
void leftover_changed(void);

/* Write the file if it is out of date; when now is false, only after
 * enough changes have piled up (a mass start writes it a few times, not
 * once a program). */
void leftover_flush(const struct tree *t, bool now);

/* tend ends with no program running: remove the file. */
void leftover_fini(void);

#endif
