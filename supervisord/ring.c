/*
 * ring.c: a program's recent output (see ring.h). No system calls; memory
 * only when the first line arrives and when the ring grows toward max.
 */
#include "ring.h"

#include <stdlib.h>
#include <string.h>

#include "state.h"

void
ring_init(struct ring *r, size_t max)
{
	memset(r, 0, sizeof(*r));
	r->max = max;
}

void
ring_free(struct ring *r)
{
	free(r->buf);
	ring_init(r, r->max);
}

/* off wrapped into [0, cap): off is below 2 * cap everywhere here */
static size_t
wrap(const struct ring *r, size_t off)
{
	return off >= r->cap ? off - r->cap : off;
}

/* Copy len bytes into the ring at offset off. */
static void
put(struct ring *r, size_t off, const void *src, size_t len)
{
	size_t first;

	off = wrap(r, off);
	first = r->cap - off < len ? r->cap - off : len;
	memcpy(r->buf + off, src, first);
	memcpy(r->buf, (const char *)src + first, len - first);
}

/* Copy len bytes out of the ring from offset off. */
static void
get(const struct ring *r, size_t off, void *dst, size_t len)
{
	size_t first;

	off = wrap(r, off);
	first = r->cap - off < len ? r->cap - off : len;
	memcpy(dst, r->buf + off, first);
	memcpy((char *)dst + first, r->buf, len - first);
}

static uint32_t
entry_len(const struct ring *r, size_t off)
{
	uint32_t len;

	get(r, off, &len, sizeof(len));
	return len;
}

static void
drop_oldest(struct ring *r)
{
	size_t size = RING_HEADER + entry_len(r, r->head);

	r->head = wrap(r, r->head + size);
	r->used -= size;
	r->count--;
}

/* Grow (in place, unwrapping) toward need bytes, up to max. */
static int
grow(struct ring *r, size_t need)
{
	size_t cap = r->cap ? r->cap : RING_MIN_CAP;
	char *buf;

	while (cap < need && cap < r->max)
		cap *= 2;
	if (cap > r->max)
		cap = r->max;
	if (cap <= r->cap)
		return 0;
	buf = malloc(cap);
	if (buf == NULL)
		return -1;
	if (r->used > 0)
		get(r, r->head, buf, r->used);
	free(r->buf);
	r->buf = buf;
	r->cap = cap;
	r->head = 0;
	return 0;
}

int
ring_add(struct ring *r, int64_t time_us, const char *text, size_t len)
{
	uint32_t len32;

	if (r->max <= RING_HEADER)
		return 0;
	if (len > r->max - RING_HEADER) { /* keep the end of it */
		text += len - (r->max - RING_HEADER);
		len = r->max - RING_HEADER;
	}
	if (r->used + RING_HEADER + len > r->cap &&
	    grow(r, r->used + RING_HEADER + len) == -1 && r->cap == 0)
		return -1;
	if (RING_HEADER + len > r->cap)
		return -1; /* growing failed and it cannot fit */
	while (r->used + RING_HEADER + len > r->cap)
		drop_oldest(r);
	len32 = (uint32_t)len;
	put(r, r->head + r->used, &len32, sizeof(len32));
	put(r, r->head + r->used + 4, &time_us, sizeof(time_us));
	put(r, r->head + r->used + RING_HEADER, text, len);
	r->used += RING_HEADER + len;
	r->count++;
	return 0;
}

size_t
ring_room(const struct ring *r)
{
	return r->max > RING_HEADER ? r->max - RING_HEADER : 0;
}

/* The lines of the entry at off, after the first skip of them. */
static void
entry_lines(const struct ring *r, size_t off, uint32_t len, size_t skip,
    char *line, void (*fn)(void *, int64_t, const char *, size_t), void *arg)
{
	int64_t t;
	char *p, *end, *nl;

	get(r, off + 4, &t, sizeof(t));
	get(r, off + RING_HEADER, line, len);
	line[len] = '\0';
	for (p = line, end = line + len;; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		if (skip > 0)
			skip--;
		else
			fn(arg, t, p, (size_t)(nl - p));
		if (nl == end)
			break;
	}
}

static size_t
lines_of(const struct ring *r, size_t off, uint32_t len)
{
	size_t i, n = 1;
	size_t at = wrap(r, off + RING_HEADER);

	for (i = 0; i < len; i++, at = at + 1 == r->cap ? 0 : at + 1)
		n += r->buf[at] == '\n';
	return n;
}

int
ring_last(const struct ring *r, size_t n,
    void (*fn)(void *arg, int64_t time_us, const char *text, size_t len),
    void *arg)
{
	size_t total = 0, skip, off, i, k;
	char *line;

	if (r->count == 0)
		return 0;
	line = malloc(r->used + 1);
	if (line == NULL)
		return -1;
	for (i = 0, off = r->head; i < r->count; i++) {
		uint32_t len = entry_len(r, off);

		total += lines_of(r, off, len);
		off = wrap(r, off + RING_HEADER + len);
	}
	skip = total > n ? total - n : 0;
	for (i = 0, off = r->head; i < r->count; i++) {
		uint32_t len = entry_len(r, off);

		k = lines_of(r, off, len);
		if (skip >= k)
			skip -= k;
		else {
			entry_lines(r, off, len, skip, line, fn, arg);
			skip = 0;
		}
		off = wrap(r, off + RING_HEADER + len);
	}
	free(line);
	return 0;
}

void
ring_save(const struct ring *r, struct state_w *w)
{
	state_put_u64(w, r->max);
	state_put_u64(w, r->head);
	state_put_u64(w, r->used);
	state_put_u64(w, r->count);
	state_put_bytes(w, r->buf != NULL ? r->buf : "", r->cap);
}

int
ring_load(struct ring *r, struct state_r *rd)
{
	size_t max = (size_t)state_get_u64(rd),
	       head = (size_t)state_get_u64(rd);
	size_t used = (size_t)state_get_u64(rd),
	       count = (size_t)state_get_u64(rd);
	size_t cap;
	const char *buf = state_get_bytes(rd, &cap);

	if (rd->failed || buf == NULL || head > cap || used > cap ||
	    (cap > 0 && head == cap) || count > used) {
		rd->failed = true;
		return -1;
	}
	ring_free(r);
	r->max = max;
	if (cap > 0) {
		r->buf = malloc(cap);
		if (r->buf == NULL) {
			rd->failed = true;
			return -1;
		}
		memcpy(r->buf, buf, cap);
	}
	r->cap = cap;
	r->head = head;
	r->used = used;
	r->count = count;
	return 0;
}
