/*
 * mountinfo.h: where the cgroup v2 hierarchy is mounted, as
 * /proc/PID/mountinfo says, and where a cgroup lies below that mount.
 * Shared by tend (cgroup.c) and the integration tests' harness. Pure: the
 * caller opens the file; nothing here opens, logs or keeps state.
 */
#ifndef TEND_MOUNTINFO_H
#define TEND_MOUNTINFO_H

#include <stddef.h>
#include <stdio.h>

/*
 * Read mountinfo lines from f up to the first cgroup2 mount: its mount
 * point into mnt and the cgroup path it shows as its root ("/" unless
 * only a subtree is mounted) into root, both with mountinfo's \ooo
 * escapes undone. 0, or -1 if f holds no cgroup2 mount or the first one
 * does not fit msize or rsize.
 */
int mountinfo_cgroup2(
    FILE *f, char *mnt, size_t msize, char *root, size_t rsize);

/*
 * The cgroup path (as /proc/PID/cgroup writes it: "/a/b") relative to a
 * mount whose root is root: "" for the root itself, "/b" for path
 * "/a/b" under root "/a"; NULL if path is not at or below root. Points
 * into path.
 */
const char *mountinfo_below(const char *root, const char *path);

#endif
