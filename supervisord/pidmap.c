/*
 * pidmap.c: pid -> program hash (see pidmap.h). No system calls.
 */
#include "pidmap.h"

#include <stdint.h>
#include <stdlib.h>

static size_t
slot_of(const struct pidmap *m, pid_t pid)
{
	/* pids are dense and sequential: a multiplicative hash spreads them */
	return (size_t)((uint32_t)pid * 2654435769u) & (m->cap - 1);
}

int
pidmap_init(struct pidmap *m, size_t expect)
{
	size_t cap = 16;

	while (cap < expect * 2)
		cap *= 2;
	m->v = calloc(cap, sizeof(*m->v));
	if (m->v == NULL)
		return -1;
	m->cap = cap;
	m->n = 0;
	return 0;
}

void
pidmap_free(struct pidmap *m)
{
	free(m->v);
	m->v = NULL;
	m->cap = m->n = 0;
}

static void
insert(struct pidmap *m, pid_t pid, void *val)
{
	size_t i = slot_of(m, pid);

	while (m->v[i].pid != 0 && m->v[i].pid != pid)
		i = (i + 1) & (m->cap - 1);
	if (m->v[i].pid == 0)
		m->n++;
	m->v[i].pid = pid;
	m->v[i].val = val;
}

static int
grow(struct pidmap *m)
{
	struct pidmap old = *m;
	size_t i;

	m->v = calloc(old.cap * 2, sizeof(*m->v));
	if (m->v == NULL) {
		*m = old;
		return -1;
	}
	m->cap = old.cap * 2;
	m->n = 0;
	for (i = 0; i < old.cap; i++)
		if (old.v[i].pid != 0)
			insert(m, old.v[i].pid, old.v[i].val);
	free(old.v);
	return 0;
}

int
pidmap_put(struct pidmap *m, pid_t pid, void *val)
{
	if ((m->n + 1) * 2 > m->cap && grow(m) == -1)
		return -1;
	insert(m, pid, val);
	return 0;
}

void *
pidmap_get(const struct pidmap *m, pid_t pid)
{
	size_t i;

	if (m->cap == 0 || pid <= 0)
		return NULL;
	for (i = slot_of(m, pid); m->v[i].pid != 0; i = (i + 1) & (m->cap - 1))
		if (m->v[i].pid == pid)
			return m->v[i].val;
	return NULL;
}

void *
pidmap_take(struct pidmap *m, pid_t pid)
{
	size_t i, j, home;
	void *val;

	if (m->cap == 0 || pid <= 0)
		return NULL;
	for (i = slot_of(m, pid); m->v[i].pid != pid;
	     i = (i + 1) & (m->cap - 1))
		if (m->v[i].pid == 0)
			return NULL;
	val = m->v[i].val;
	/* backward shift: move later entries of the run into the hole */
	for (j = (i + 1) & (m->cap - 1); m->v[j].pid != 0;
	     j = (j + 1) & (m->cap - 1)) {
		home = slot_of(m, m->v[j].pid);
		/* j's entry may fill i unless its home lies in (i, j] */
		if ((j > i && (home <= i || home > j)) ||
		    (j < i && (home <= i && home > j))) {
			m->v[i] = m->v[j];
			i = j;
		}
	}
	m->v[i].pid = 0;
	m->v[i].val = NULL;
	m->n--;
	return val;
}
