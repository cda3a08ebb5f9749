/*
 * limitmap.c: cgroup limit keys onto cgroup files (see limitmap.h).
 */
#include "limitmap.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define V1_SHARES_PER_WEIGHT_100 1024

static const char *const key_names[LK_COUNT] = {
    [LK_MEMORY_MAX] = "memory_max",
    [LK_MEMORY_HIGH] = "memory_high",
    [LK_CPU_MAX] = "cpu_max",
    [LK_CPU_WEIGHT] = "cpu_weight",
    [LK_PIDS_MAX] = "pids_max",
};

const char *
limitmap_key_name(enum limit_key k)
{
	return (unsigned)k < LK_COUNT ? key_names[k] : "?";
}

enum controller
limitmap_controller(enum limit_key k)
{
	switch (k) {
	case LK_MEMORY_MAX:
	case LK_MEMORY_HIGH:
		return CTL_MEMORY;
	case LK_PIDS_MAX:
		return CTL_PIDS;
	default:
		return CTL_CPU;
	}
}

const char *
limitmap_controller_name(enum controller c)
{
	switch (c) {
	case CTL_CPU:
		return "cpu";
	case CTL_MEMORY:
		return "memory";
	default:
		return "pids";
	}
}

const char *
limitmap_home_name(enum limit_home h)
{
	switch (h) {
	case HOME_V2:
		return "v2";
	case HOME_V1:
		return "v1";
	default:
		return "not enforced";
	}
}

/* The field of l that k sets (cpu_max: its quota). */
static int64_t
value_of(const struct cg_limits *l, enum limit_key k)
{
	switch (k) {
	case LK_MEMORY_MAX:
		return l->memory_max;
	case LK_MEMORY_HIGH:
		return l->memory_high;
	case LK_CPU_MAX:
		return l->cpu_quota_us;
	case LK_CPU_WEIGHT:
		return l->cpu_weight;
	default:
		return l->pids_max;
	}
}

bool
limitmap_is_set(const struct cg_limits *l, enum limit_key k)
{
	return value_of(l, k) != -1;
}

static void
put(struct limit_write *w, const char *file, int64_t v)
{
	w->file = file;
	snprintf(w->text, sizeof(w->text), "%" PRId64, v);
}

/* cgroup v2: one file each; "max" lifts a limit. */
static size_t
v2_writes(int64_t v, int64_t period, enum limit_key k, struct limit_write *out)
{
	static const char *const files[LK_COUNT] = {
	    [LK_MEMORY_MAX] = "memory.max",
	    [LK_MEMORY_HIGH] = "memory.high",
	    [LK_CPU_MAX] = "cpu.max",
	    [LK_CPU_WEIGHT] = "cpu.weight",
	    [LK_PIDS_MAX] = "pids.max",
	};

	if (k == LK_CPU_WEIGHT) {
		put(out, files[k], v == -1 ? 100 : v);
	} else if (k == LK_CPU_MAX) {
		out->file = files[k];
		if (v == -1 || v == INT64_MAX)
			snprintf(out->text, sizeof(out->text), "max %" PRId64,
			    period);
		else
			snprintf(out->text, sizeof(out->text),
			    "%" PRId64 " %" PRId64, v, period);
	} else if (v == -1 || v == INT64_MAX) {
		out->file = files[k];
		snprintf(out->text, sizeof(out->text), "max");
	} else {
		put(out, files[k], v);
	}
	return 1;
}

/* cgroup v1: -1 lifts a memory or cpu limit, "max" a pids one. */
static size_t
v1_writes(int64_t v, int64_t period, enum limit_key k, struct limit_write *out)
{
	bool none = v == -1 || v == INT64_MAX;

	switch (k) {
	case LK_MEMORY_MAX:
		put(out, "memory.limit_in_bytes", none ? -1 : v);
		return 1;
	case LK_MEMORY_HIGH:
		put(out, "memory.soft_limit_in_bytes", none ? -1 : v);
		return 1;
	case LK_CPU_MAX: /* the period first: the quota is checked against it */
		put(&out[0], "cpu.cfs_period_us", period);
		put(&out[1], "cpu.cfs_quota_us", none ? -1 : v);
		return 2;
	case LK_CPU_WEIGHT:
		put(out, "cpu.shares",
		    (v == -1 ? 100 : v) * V1_SHARES_PER_WEIGHT_100 / 100);
		return 1;
	default:
		if (none) {
			out->file = "pids.max";
			snprintf(out->text, sizeof(out->text), "max");
			return 1;
		}
		put(out, "pids.max", v);
		return 1;
	}
}

size_t
limitmap_writes(const struct cg_limits *l, enum limit_key k, bool v1,
    struct limit_write out[2])
{
	int64_t period =
	    l->cpu_period_us > 0 ? l->cpu_period_us : CONF_CPU_PERIOD_DEFAULT;

	if (v1)
		return v1_writes(value_of(l, k), period, k, out);
	return v2_writes(value_of(l, k), period, k, out);
}

/* bytes as the largest unit that divides them: 64M, 1G, 1536K. */
static const char *
show_size(int64_t v, char *buf, size_t size)
{
	static const char units[] = "KMGT";
	int u = -1;

	while (u < 3 && v > 0 && v % 1024 == 0) {
		v /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(buf, size, "%" PRId64, v);
	else
		snprintf(buf, size, "%" PRId64 "%c", v, units[u]);
	return buf;
}

const char *
limitmap_show(
    const struct cg_limits *l, enum limit_key k, char *buf, size_t size)
{
	int64_t v = value_of(l, k);

	if (v == -1)
		snprintf(buf, size, "-");
	else if (v == INT64_MAX)
		snprintf(buf, size, "max");
	else if (k == LK_MEMORY_MAX || k == LK_MEMORY_HIGH)
		show_size(v, buf, size);
	else if (k == LK_CPU_MAX && l->cpu_period_us > 0 &&
	         (v * 100) % l->cpu_period_us == 0)
		snprintf(
		    buf, size, "%" PRId64 "%%", v * 100 / l->cpu_period_us);
	else if (k == LK_CPU_MAX)
		snprintf(
		    buf, size, "%" PRId64 "/%" PRId64, v, l->cpu_period_us);
	else
		snprintf(buf, size, "%" PRId64, v);
	return buf;
}
