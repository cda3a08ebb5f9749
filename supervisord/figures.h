/*
 * figures.h: what a program uses, read when a request asks (SPEC 9: tend
 * samples nothing while nobody asks). From its cgroup where it has one
 * (v2 cpu.stat, which holds usage_usec even without the cpu controller;
 * memory from v1 memory.usage_in_bytes or v2 memory.current where a
 * memory controller is there, else the RSS of its processes; the
 * processes from cgroup.procs), else from /proc: its process group and
 * every descendant of it. Reads files; never blocks on anything but
 * them, keeps nothing between requests but one /proc listing for a
 * fraction of a second (without cgroups).
 */
#ifndef TEND_FIGURES_H
#define TEND_FIGURES_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include "stats.h"
#include "tree.h"

/* A program's figures now; -1 for what cannot be told. */
struct figures {
	int64_t cpu_usec;  /* CPU time of all its processes (its cgroup's,
	                    * since the cgroup was made) */
	int64_t mem_bytes; /* its memory (cgroup) or the sum of RSS */
	int64_t procs;     /* its processes (not threads) */
};

/* p's figures (all -1 when it runs nothing). */
void figures_read(const struct prog *p, struct figures *f);

/*
 * The pids of every process of p (its cgroup's, else its process group
 * and their descendants): a malloc'd array (free it), its length in *n;
 * NULL with *n 0 when it runs nothing or on ENOMEM.
 */
pid_t *figures_pids(const struct prog *p, size_t *n);

/* One process of a program, for inspect. */
struct figures_proc {
	struct stats_proc st;
	int depth;      /* 0: a root (the main process, or one whose parent
	                 * is not the program's) */
	int fds;        /* open descriptors; -1 if they cannot be counted */
	char wchan[64]; /* "-" while running */
	char cmd[256];  /* its command line, or [comm] */
};

/*
 * Every process of p, as a tree: each after its parent, deeper by one;
 * the main process first. malloc'd array (free it) and its length in *n;
 * NULL with *n 0 when it runs nothing or on ENOMEM.
 */
struct figures_proc *figures_procs(const struct prog *p, size_t *n);

/* The machine's load averages and memory (for top's header): 0, or -1. */
int figures_host(double load[3], int64_t *mem_total, int64_t *mem_avail);

/* Clock ticks per second, for the CPU times of /proc/PID/stat. */
long figures_hz(void);

#endif
