/*
 * inspect.h: the records of `tendctl inspect NAME` (SPEC 5, SPEC 9).
 *
 * For a program: "detail" (command, directory, user, group, cgroup and
 * cgroup_CONTROLLER paths, listen, cpu_usec, mem_bytes, procs), a
 * "limit" per limit on it or a supervisor above it (key, value,
 * enforced: v2, v1 or "not enforced"; on: who sets it), a "proc" per
 * process in tree order (pid, ppid, depth, state, wchan, cpu_ms,
 * rss_bytes, threads, fds, cmd), "fds" (count), an "exit" per recent end
 * (time_ms since the epoch, last, up_ms), and its last output lines.
 * For a supervisor: "detail" (strategy, intensity, period_ms,
 * restarts_window, cgroup), its "limit"s and a "child" per child (name,
 * kind, state, pid).
 */
#ifndef TEND_INSPECT_H
#define TEND_INSPECT_H

#include <stdint.h>

#include "proto.h"
#include "tree.h"

/* Append n's records to b (the tree's time is now). */
void inspect_records(struct buf *b, const struct node *n, int64_t now);

#endif
