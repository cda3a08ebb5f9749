/*
 * stats.h: the figures of a program (SPEC 9: CPU, memory, processes, and
 * what inspect shows of each process) read out of the text of cgroup and
 * /proc files. Pure: the caller reads the files; nothing here opens,
 * logs or keeps state. Shared by tend (figures.c) and the tests.
 */
#ifndef TEND_STATS_H
#define TEND_STATS_H

#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The number after "key " on a line of its own in text: cpu.stat's
 * usage_usec (cgroup v2; v1's cpu.stat on recent kernels too),
 * memory.events' oom_kill (v2), memory.oom_control's oom_kill (v1). 0, or
 * -1 if no line has it.
 */
int stats_keyed(const char *text, const char *key, uint64_t *v);

/*
 * A file of one number: memory.current, memory.usage_in_bytes,
 * pids.current, cpuacct.usage. "max" is UINT64_MAX. 0, or -1.
 */
int stats_number(const char *text, uint64_t *v);

/*
 * The pids of cgroup.procs text, one a line: how many there are; the
 * first max of them into pids (pids may be NULL with max 0, to count).
 */
size_t stats_pids(const char *text, pid_t *pids, size_t max);

/* What /proc/PID/stat says of a process. */
struct stats_proc {
	pid_t pid, ppid, pgrp;
	char state;         /* R, S, D, Z, T, ... */
	char comm[32];      /* its name, as the kernel keeps it (cut at 15) */
	uint64_t cpu_ticks; /* utime + stime, in clock ticks */
	uint64_t start;     /* clock ticks since boot */
	int64_t threads;
	int64_t rss_pages;
};

/*
 * Parse /proc/PID/stat text into st (its comm may hold spaces and
 * parentheses: the last ')' ends it). 0, or -1 if it is not such text.
 */
int stats_proc_stat(const char *text, struct stats_proc *st);

/*
 * /proc/PID/wchan text as shown: the symbol, or "-" for a running
 * process ("0" or empty). Into buf.
 */
const char *stats_wchan(const char *text, char *buf, size_t size);

/*
 * /proc/PID/cmdline (NUL-separated words, len bytes) as one line of
 * words separated by spaces, into buf (cut to fit). Empty for a kernel
 * thread or a zombie; the caller shows its comm then.
 */
const char *stats_cmdline(const char *raw, size_t len, char *buf, size_t size);

/*
 * CPU use between two readings of a cumulative CPU time, as a percentage
 * of one CPU (100 is one CPU): 0 when the time did not advance or the
 * reading went back (a new cgroup).
 */
double stats_cpu_percent(
    uint64_t usec0, uint64_t usec1, int64_t wall0_us, int64_t wall1_us);

#endif
