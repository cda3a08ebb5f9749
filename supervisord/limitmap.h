/*
 * limitmap.h: what each cgroup limit key (SPEC 3, SPEC 9) writes, and
 * where: its controller, its cgroup v2 file, and the cgroup v1 files it
 * maps onto on a hybrid host (memory_max to memory.limit_in_bytes,
 * memory_high to memory.soft_limit_in_bytes, cpu_max to cpu.cfs_period_us
 * and cpu.cfs_quota_us, cpu_weight to cpu.shares with weight 100 = 1024
 * shares, pids_max to pids.max). Pure: text out, nothing written here.
 */
#ifndef TEND_LIMITMAP_H
#define TEND_LIMITMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

enum limit_key {
	LK_MEMORY_MAX,
	LK_MEMORY_HIGH,
	LK_CPU_MAX,
	LK_CPU_WEIGHT,
	LK_PIDS_MAX,
	LK_COUNT,
};

enum controller {
	CTL_CPU,
	CTL_MEMORY,
	CTL_PIDS,
	CTL_COUNT,
};

/* Where a limit is enforced (inspect's v2, v1, not). */
enum limit_home {
	HOME_NONE,
	HOME_V2,
	HOME_V1,
};

/* One write of a limit: text into file, in this order. */
struct limit_write {
	const char *file;
	char text[48];
};

/* "memory_max", ... */
const char *limitmap_key_name(enum limit_key k);

/* The controller k needs. */
enum controller limitmap_controller(enum limit_key k);

/* "cpu", "memory", "pids": the controller's name in both versions. */
const char *limitmap_controller_name(enum controller c);

/* "v2", "v1", "not enforced". */
const char *limitmap_home_name(enum limit_home h);

/* Whether l sets k. */
bool limitmap_is_set(const struct cg_limits *l, enum limit_key k);

/*
 * The writes that give k its value in l in cgroup v2 (v1 false) or v1
 * (true); a k that l does not set gets the writes that lift the limit
 * (for a limit a reload removes). How many writes (1 or 2) into out.
 */
size_t limitmap_writes(const struct cg_limits *l, enum limit_key k, bool v1,
    struct limit_write out[2]);

/* k's value in l as written in a configuration ("64M", "50%", "max"),
 * into buf; "-" when not set. */
const char *limitmap_show(
    const struct cg_limits *l, enum limit_key k, char *buf, size_t size);

#endif
