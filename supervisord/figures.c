/*
 * figures.c: a program's CPU, memory and processes, read on request (see
 * figures.h).
 */
#include "figures.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cglimit.h"
#include "cgroup.h"

#define SCAN_KEEP_MS 250 /* a /proc listing serves a request this long */

/* Every process of /proc, for programs without a cgroup. */
static struct {
	struct stats_proc *v;
	size_t n;
	int64_t at_ms;
} scan;

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long
figures_hz(void)
{
	static long hz;

	if (hz <= 0)
		hz = sysconf(_SC_CLK_TCK);
	return hz > 0 ? hz : 100;
}

/* The whole of a small file into buf: its length, or -1. */
static ssize_t
read_small(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n, len = 0;

	if (fd == -1)
		return -1;
	while ((size_t)len < size - 1 &&
	       (n = read(fd, buf + len, size - 1 - (size_t)len)) > 0)
		len += n;
	close(fd);
	buf[len] = '\0';
	return len;
}

static int
proc_stat(pid_t pid, struct stats_proc *st)
{
	char path[64], buf[1024];

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (read_small(path, buf, sizeof(buf)) <= 0)
		return -1;
	return stats_proc_stat(buf, st);
}

/* ------------------------------------------------------ without cgroup */

static void
refresh_scan(void)
{
	DIR *d;
	struct dirent *e;
	size_t cap = 0;

	if (scan.v != NULL && mono_ms() - scan.at_ms < SCAN_KEEP_MS)
		return;
	scan.n = 0;
	d = opendir("/proc");
	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);

		if (*end != '\0' || pid <= 0)
			continue;
		if (scan.n == cap || scan.v == NULL) {
			size_t ncap = cap ? cap * 2 : 256;
			struct stats_proc *v =
			    realloc(scan.v, ncap * sizeof(*v));

			if (v == NULL)
				break;
			scan.v = v;
			cap = ncap;
		}
		if (proc_stat((pid_t)pid, &scan.v[scan.n]) == 0)
			scan.n++;
	}
	closedir(d);
	scan.at_ms = mono_ms();
}

static bool
has_pid(const pid_t *v, size_t n, pid_t pid)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i] == pid)
			return true;
	return false;
}

/* p's process group and every descendant of it, from the scan: their
 * pids into a malloc'd array, how many in *n. */
static pid_t *
scan_members(const struct prog *p, size_t *n)
{
	pid_t *v = NULL;
	size_t cap = 0, i;
	bool grew = true;

	*n = 0;
	refresh_scan();
	while (grew) {
		grew = false;
		for (i = 0; i < scan.n; i++) {
			const struct stats_proc *s = &scan.v[i];

			if (has_pid(v, *n, s->pid) ||
			    !(s->pgrp == p->pgid || s->pid == p->pid ||
			        has_pid(v, *n, s->ppid)))
				continue;
			if (*n == cap) {
				pid_t *nv = realloc(
				    v, (cap ? cap * 2 : 8) * sizeof(*nv));

				if (nv == NULL)
					return v;
				v = nv;
				cap = cap ? cap * 2 : 8;
			}
			v[(*n)++] = s->pid;
			grew = true;
		}
	}
	return v;
}

/* --------------------------------------------------------- with cgroup */

/* The pids of p's cgroup.procs: malloc'd, how many in *n. */
static pid_t *
cgroup_members(const struct prog *p, size_t *n)
{
	size_t size = 4096, count;
	char *buf = NULL;
	pid_t *v;
	ssize_t len;

	*n = 0;
	for (;;) {
		char *b = realloc(buf, size);

		if (b == NULL) {
			free(buf);
			return NULL;
		}
		buf = b;
		len = cgroup_read(&p->node, "cgroup.procs", buf, size);
		if (len < 0 || (size_t)len < size - 1)
			break;
		size *= 4;
	}
	if (len < 0) {
		free(buf);
		return NULL;
	}
	count = stats_pids(buf, NULL, 0);
	v = malloc((count ? count : 1) * sizeof(*v));
	if (v != NULL)
		*n = stats_pids(buf, v, count);
	free(buf);
	return v;
}

pid_t *
figures_pids(const struct prog *p, size_t *n)
{
	*n = 0;
	if (p->pgid == 0 && p->pid == 0)
		return NULL;
	if (cgroup_has(p))
		return cgroup_members(p, n);
	return scan_members(p, n);
}

/* What the cgroup knows: CPU, and memory where a memory controller
 * counts it. */
static void
cgroup_figures(const struct prog *p, struct figures *f)
{
	char buf[1024], dir[PATH_MAX], path[PATH_MAX + 32];
	uint64_t v;

	if (cgroup_read(&p->node, "cpu.stat", buf, sizeof(buf)) > 0 &&
	    stats_keyed(buf, "usage_usec", &v) == 0)
		f->cpu_usec = (int64_t)v;
	if (cglimit_v1_dir(&p->node, CTL_MEMORY, dir, sizeof(dir)) != NULL) {
		snprintf(path, sizeof(path), "%s/memory.usage_in_bytes", dir);
		if (read_small(path, buf, sizeof(buf)) > 0 &&
		    stats_number(buf, &v) == 0)
			f->mem_bytes = (int64_t)v;
	} else if (cgroup_read(&p->node, "memory.current", buf, sizeof(buf)) >
	               0 &&
	           stats_number(buf, &v) == 0) {
		f->mem_bytes = (int64_t)v;
	}
}

void
figures_read(const struct prog *p, struct figures *f)
{
	static long page;
	struct stats_proc st;
	int64_t ticks = 0, rss = 0;
	size_t n, i;
	pid_t *v;

	f->cpu_usec = f->mem_bytes = -1;
	f->procs = 0;
	if (p->pgid == 0 && p->pid == 0)
		return;
	if (page <= 0)
		page = sysconf(_SC_PAGESIZE);
	if (cgroup_has(p))
		cgroup_figures(p, f);
	v = figures_pids(p, &n);
	f->procs = (int64_t)n;
	if (f->cpu_usec >= 0 && f->mem_bytes >= 0) {
		free(v);
		return;
	}
	for (i = 0; i < n; i++) {
		if (proc_stat(v[i], &st) == -1)
			continue;
		ticks += (int64_t)st.cpu_ticks;
		rss += st.rss_pages * page;
	}
	free(v);
	if (f->cpu_usec < 0)
		f->cpu_usec = ticks * 1000000 / figures_hz();
	if (f->mem_bytes < 0)
		f->mem_bytes = rss;
}

/* -------------------------------------------------------------- inspect */

static int
count_fds(pid_t pid)
{
	char path[64];
	DIR *d;
	struct dirent *e;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	d = opendir(path);
	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static void
describe_proc(struct figures_proc *fp)
{
	char path[64], buf[4096];
	ssize_t len;

	snprintf(path, sizeof(path), "/proc/%d/wchan", (int)fp->st.pid);
	len = read_small(path, buf, sizeof(buf));
	stats_wchan(len > 0 ? buf : "", fp->wchan, sizeof(fp->wchan));
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)fp->st.pid);
	{
		int fd = open(path, O_RDONLY | O_CLOEXEC);

		len = fd >= 0 ? read(fd, buf, sizeof(buf)) : -1;
		if (fd >= 0)
			close(fd);
	}
	stats_cmdline(buf, len > 0 ? (size_t)len : 0, fp->cmd, sizeof(fp->cmd));
	if (fp->cmd[0] == '\0')
		snprintf(fp->cmd, sizeof(fp->cmd), "[%s]", fp->st.comm);
	fp->fds = count_fds(fp->st.pid);
}

/* Append into out, after its parent, every process of all whose parent
 * is pid (and theirs), at depth. */
static void
place_children(const struct figures_proc *all, size_t n, bool *placed,
    pid_t pid, int depth, struct figures_proc *out, size_t *k)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (placed[i] || all[i].st.ppid != pid)
			continue;
		placed[i] = true;
		out[*k] = all[i];
		out[(*k)++].depth = depth;
		place_children(
		    all, n, placed, all[i].st.pid, depth + 1, out, k);
	}
}

/* The processes in tree order: the main process and its descendants,
 * then every other root (one whose parent is not the program's) and its
 * own. */
static struct figures_proc *
as_tree(const struct prog *p, struct figures_proc *all, size_t n)
{
	struct figures_proc *out = calloc(n ? n : 1, sizeof(*out));
	bool *placed = calloc(n ? n : 1, sizeof(*placed));
	size_t k = 0, i, pass;

	if (out == NULL || placed == NULL) {
		free(out);
		free(placed);
		return NULL;
	}
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < n; i++) {
			bool root;
			size_t j;

			if (placed[i])
				continue;
			root = pass == 0 ? all[i].st.pid == p->pid : true;
			for (j = 0; pass == 1 && j < n && root; j++)
				root = all[j].st.pid != all[i].st.ppid ||
				       placed[j];
			if (!root)
				continue;
			placed[i] = true;
			out[k] = all[i];
			out[k++].depth = 0;
			place_children(
			    all, n, placed, all[i].st.pid, 1, out, &k);
		}
	}
	free(placed);
	return out;
}

struct figures_proc *
figures_procs(const struct prog *p, size_t *n)
{
	struct figures_proc *all, *tree;
	size_t count, i, k = 0;
	pid_t *v = figures_pids(p, &count);

	*n = 0;
	if (v == NULL)
		return NULL;
	all = calloc(count ? count : 1, sizeof(*all));
	if (all == NULL) {
		free(v);
		return NULL;
	}
	for (i = 0; i < count; i++) {
		if (proc_stat(v[i], &all[k].st) == -1)
			continue; /* gone meanwhile */
		describe_proc(&all[k]);
		k++;
	}
	free(v);
	tree = as_tree(p, all, k);
	free(all);
	if (tree != NULL)
		*n = k;
	return tree;
}

int
figures_host(double load[3], int64_t *mem_total, int64_t *mem_avail)
{
	char buf[4096];
	const char *at;

	if (read_small("/proc/loadavg", buf, sizeof(buf)) <= 0 ||
	    sscanf(buf, "%lf %lf %lf", &load[0], &load[1], &load[2]) != 3)
		return -1;
	if (read_small("/proc/meminfo", buf, sizeof(buf)) <= 0)
		return -1;
	at = strstr(buf, "MemTotal:");
	*mem_total = at != NULL ? strtoll(at + 9, NULL, 10) * 1024 : -1;
	at = strstr(buf, "MemAvailable:");
	*mem_avail = at != NULL ? strtoll(at + 13, NULL, 10) * 1024 : -1;
	return 0;
}
