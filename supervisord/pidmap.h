/*
 * pidmap.h: pid -> program, O(1). Open addressing with linear probing and
 * backward-shift deletion (no tombstones, so a long life of churn never
 * slows lookups). Pure: allocation only in pidmap_init and when the map
 * must grow past what it was sized for.
 */
#ifndef TEND_PIDMAP_H
#define TEND_PIDMAP_H

#include <sys/types.h>

#include <stddef.h>

struct pidmap_slot {
	pid_t pid; /* 0: empty */
	void *val;
};

struct pidmap {
	struct pidmap_slot *v;
	size_t cap; /* a power of two */
	size_t n;
};

/* Size m for about `expect` entries. 0, or -1 on ENOMEM. */
int pidmap_init(struct pidmap *m, size_t expect);

/* Free the slots; m is zeroed. */
void pidmap_free(struct pidmap *m);

/* Map pid (> 0) to val, replacing any previous value. 0 or -1 (ENOMEM). */
int pidmap_put(struct pidmap *m, pid_t pid, void *val);

/* The value of pid, or NULL. */
void *pidmap_get(const struct pidmap *m, pid_t pid);

/* Remove pid and return its value, or NULL if it was not there. */
void *pidmap_take(struct pidmap *m, pid_t pid);

#endif
