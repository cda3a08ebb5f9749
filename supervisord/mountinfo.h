/*
 * mountinfo.h: where the cgroup hierarchies (v2, and v1 by controller)
 * are mounted, as /proc/PID/mountinfo says, which cgroup a process is in
 * (/proc/PID/cgroup), and where a cgroup lies below a mount.
 * Shared by tend (cgroup.c) and the integration tests' harness. Pure: the
 * caller opens the file; nothing here opens, logs or keeps state.
 */
#ifndef TEND_MOUNTINFO_H
#define TEND_MOUNTINFO_H

#include <stdbool.h>
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
 * The same for the first cgroup v1 mount whose hierarchy holds controller
 * ("cpu", "memory", "pids"), and whether it is mounted read-write
 * (*writable). 0, or -1 if there is none.
 */
int mountinfo_cgroup1(FILE *f, const char *controller, char *mnt, size_t msize,
    char *root, size_t rsize, bool *writable);

/*
 * From /proc/PID/cgroup text in f: the cgroup path of the hierarchy that
 * holds controller (NULL: cgroup v2's "0::" line) into out. 0, or -1 if
 * no line has it or it does not fit size.
 */
int mountinfo_proc_cgroup(
    FILE *f, const char *controller, char *out, size_t size);

/*
 * The cgroup path (as /proc/PID/cgroup writes it: "/a/b") relative to a
 * mount whose root is root: "" for the root itself, "/b" for path
 * "/a/b" under root "/a"; NULL if path is not at or below root. Points
 * into path.
 */
const char *mountinfo_below(const char *root, const char *path);

#endif
