/*
 * ring.h: a program's recent output (SPEC 8): the last `max` bytes of
 * lines, each with the time it was read. Pure. The buffer is allocated at
 * the first line and grows as output arrives, up to max, so a silent
 * program costs nothing but this struct.
 *
 * Each entry is a 4-byte length, an 8-byte time (microseconds) and one
 * or more lines read at that time, joined by newlines, stored
 * circularly; the oldest entries make room.
 */
#ifndef TEND_RING_H
#define TEND_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RING_MIN_CAP 1024
#define RING_HEADER 12

struct ring {
	char *buf;
	size_t cap;   /* allocated */
	size_t max;   /* the most it may hold (log_ring) */
	size_t head;  /* offset of the oldest entry */
	size_t used;  /* bytes in use */
	size_t count; /* entries */
};

/* An empty ring that will hold at most max bytes (0: keeps nothing). */
void ring_init(struct ring *r, size_t max);
void ring_free(struct ring *r);

/*
 * Keep text (one line, or lines joined by newlines, without the last
 * newline) read at time_us. Text longer than the ring can hold keeps its
 * last bytes. 0, or -1 on ENOMEM (it is dropped, the ring stays valid).
 */
int ring_add(struct ring *r, int64_t time_us, const char *text, size_t len);

/* The most text one entry can hold. */
size_t ring_room(const struct ring *r);

/*
 * Call fn for each of the last n lines, oldest first, with a contiguous
 * copy of the line (valid during the call only). 0, or -1 on ENOMEM.
 */
int ring_last(const struct ring *r, size_t n,
    void (*fn)(void *arg, int64_t time_us, const char *text, size_t len),
    void *arg);

/* Upgrade: the ring whole into w; load into an initialised empty ring
 * (its max is kept as saved). ring_load: 0, or -1 (r->failed). */
struct state_w;
struct state_r;
void ring_save(const struct ring *r, struct state_w *w);
int ring_load(struct ring *r, struct state_r *rd);

#endif
