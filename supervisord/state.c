/*
 * state.c: encode and check tend's state for an upgrade (see state.h).
 * No system calls.
 */
#include "state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAGIC "TENDSTAT"
#define NULL_LEN UINT32_MAX
#define MAX_LEN ((size_t)1 << 40)

/* ------------------------------------------------------------- writing */

static void
put(struct state_w *w, const void *p, size_t len)
{
	if (w->failed)
		return;
	if (w->len + len > w->cap) {
		size_t cap = w->cap ? w->cap : 4096;
		char *np;

		while (cap < w->len + len)
			cap *= 2;
		np = realloc(w->p, cap);
		if (np == NULL) {
			w->failed = true;
			return;
		}
		w->p = np;
		w->cap = cap;
	}
	memcpy(w->p + w->len, p, len);
	w->len += len;
}

void
state_w_reset(struct state_w *w)
{
	char zero[STATE_HEADER];

	w->len = w->nfds = 0;
	w->failed = false;
	memset(zero, 0, sizeof(zero));
	put(w, zero, sizeof(zero));
}

void
state_w_init(struct state_w *w)
{
	memset(w, 0, sizeof(*w));
	state_w_reset(w);
}

void
state_w_free(struct state_w *w)
{
	free(w->fds);
	free(w->p);
	memset(w, 0, sizeof(*w));
}

static void
le(unsigned char *b, uint64_t v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		b[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t
from_le(const unsigned char *b, size_t n)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < n; i++)
		v |= (uint64_t)b[i] << (8 * i);
	return v;
}

void
state_put_u8(struct state_w *w, uint8_t v)
{
	put(w, &v, 1);
}

void
state_put_u32(struct state_w *w, uint32_t v)
{
	unsigned char b[4];

	le(b, v, 4);
	put(w, b, 4);
}

void
state_put_u64(struct state_w *w, uint64_t v)
{
	unsigned char b[8];

	le(b, v, 8);
	put(w, b, 8);
}

void
state_put_i64(struct state_w *w, int64_t v)
{
	state_put_u64(w, (uint64_t)v);
}

void
state_put_bytes(struct state_w *w, const void *p, size_t len)
{
	if (p == NULL) {
		state_put_u32(w, NULL_LEN);
		return;
	}
	if (len >= NULL_LEN) {
		w->failed = true;
		return;
	}
	state_put_u32(w, (uint32_t)len);
	put(w, p, len);
}

void
state_put_str(struct state_w *w, const char *s)
{
	state_put_bytes(w, s, s != NULL ? strlen(s) : 0);
}

void
state_put_open_fd(struct state_w *w, int fd)
{
	state_put_i64(w, fd);
}

void
state_put_fd(struct state_w *w, int fd)
{
	state_put_i64(w, fd);
	if (fd < 0 || w->failed)
		return;
	if (w->nfds == w->fdcap) {
		size_t cap = w->fdcap ? w->fdcap * 2 : 64;
		int *v = realloc(w->fds, cap * sizeof(*v));

		if (v == NULL) {
			w->failed = true;
			return;
		}
		w->fds = v;
		w->fdcap = cap;
	}
	w->fds[w->nfds++] = fd;
}

size_t
state_begin_section(struct state_w *w, uint32_t tag)
{
	state_put_u32(w, tag);
	state_put_u32(w, 0);
	return w->len;
}

void
state_end_section(struct state_w *w, size_t at)
{
	size_t n = w->len - at;

	if (w->failed)
		return;
	if (n >= NULL_LEN) {
		w->failed = true;
		return;
	}
	le((unsigned char *)w->p + at - 4, n, 4);
}

/* Versions 1 and 2: FNV-1a 64, a byte at a time (3 ms for the 2.7 MB
 * of 10,000 programs, twice in an upgrade's stop of the loop). */
static uint64_t
checksum_bytes(const char *p, size_t len)
{
	uint64_t h = 14695981039346656037ULL;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ (unsigned char)p[i]) * 1099511628211ULL;
	return h;
}

/* One word into a lane: multiplied in, its high half folded down (a
 * change of any bit of w changes the lane). */
static uint64_t
mix(uint64_t h, uint64_t w)
{
	h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
	return h ^ (h >> 32);
}

/* From version 3: a word at a time, in four lanes that do not wait for
 * each other (a multiplication's latency), folded at the end. Words in
 * the machine's order: a state never leaves the machine it was written
 * on. */
static uint64_t
checksum_words(const char *p, size_t len)
{
	uint64_t h[4] = {14695981039346656037ULL ^ len, 1, 2, 3}, w[4];
	size_t i, k;

	for (i = 0; i + 32 <= len; i += 32) {
		memcpy(w, p + i, 32);
		for (k = 0; k < 4; k++)
			h[k] = mix(h[k], w[k]);
	}
	for (; i + 8 <= len; i += 8) {
		memcpy(w, p + i, 8);
		h[0] = mix(h[0], w[0]);
	}
	for (; i < len; i++)
		h[0] = (h[0] ^ (unsigned char)p[i]) * 1099511628211ULL;
	return mix(mix(mix(h[0], h[1]), h[2]), h[3]);
}

static uint64_t
checksum(uint32_t version, const char *p, size_t len)
{
	return version >= 3 ? checksum_words(p, len) : checksum_bytes(p, len);
}

int
state_finish(struct state_w *w)
{
	return state_finish_as(w, STATE_VERSION);
}

int
state_finish_as(struct state_w *w, uint32_t version)
{
	unsigned char *h = (unsigned char *)w->p;

	if (w->failed || w->len > MAX_LEN)
		return -1;
	for (size_t i = 0; i < 8; i++)
		h[i] = (unsigned char)MAGIC[i];
	le(h + 8, version, 4);
	le(h + 12, 0, 4);
	le(h + 16, w->len, 8);
	le(h + 24,
	    checksum(version, w->p + STATE_HEADER, w->len - STATE_HEADER), 8);
	return 0;
}

/* ------------------------------------------------------------- reading */

/* The sections from off on tile len exactly. */
static bool
sections_tile(const char *p, size_t off, size_t len)
{
	while (off < len) {
		uint64_t n;

		if (len - off < 8)
			return false;
		n = from_le((const unsigned char *)p + off + 4, 4);
		off += 8;
		if (n > len - off)
			return false;
		off += n;
	}
	return true;
}

int
state_open(
    struct state_r *r, const char *buf, size_t len, char *err, size_t errlen)
{
	const unsigned char *h = (const unsigned char *)buf;
	uint64_t total, sum;
	uint32_t version;

	memset(r, 0, sizeof(*r));
	if (len < STATE_HEADER || memcmp(buf, MAGIC, 8) != 0) {
		snprintf(err, errlen, "not a tend state (%zu bytes)", len);
		return -1;
	}
	version = (uint32_t)from_le(h + 8, 4);
	if (version == 0 || version > STATE_VERSION) {
		snprintf(err, errlen,
		    "state version %u is unknown to this tend (it reads "
		    "versions 1 to %d)",
		    version, STATE_VERSION);
		return -1;
	}
	if (from_le(h + 12, 4) != 0) {
		snprintf(
		    err, errlen, "state has flags this tend does not know");
		return -1;
	}
	total = from_le(h + 16, 8);
	if (total != len) {
		snprintf(err, errlen,
		    "state truncated or padded: %zu bytes, its header says "
		    "%llu",
		    len, (unsigned long long)total);
		return -1;
	}
	sum = from_le(h + 24, 8);
	if (sum != checksum(version, buf + STATE_HEADER, len - STATE_HEADER)) {
		snprintf(err, errlen, "state corrupt: checksum mismatch");
		return -1;
	}
	if (!sections_tile(buf, STATE_HEADER, len)) {
		snprintf(err, errlen, "state corrupt: bad section lengths");
		return -1;
	}
	r->p = buf;
	r->len = len;
	r->off = STATE_HEADER;
	r->version = version;
	return 0;
}

static const char *
take(struct state_r *r, size_t n)
{
	const char *at;

	if (r->failed || n > r->len - r->off) {
		r->failed = true;
		return NULL;
	}
	at = r->p + r->off;
	r->off += n;
	return at;
}

uint8_t
state_get_u8(struct state_r *r)
{
	const char *b = take(r, 1);

	return b != NULL ? (uint8_t)*b : 0;
}

uint32_t
state_get_u32(struct state_r *r)
{
	const char *b = take(r, 4);

	return b != NULL ? (uint32_t)from_le((const unsigned char *)b, 4) : 0;
}

uint64_t
state_get_u64(struct state_r *r)
{
	const char *b = take(r, 8);

	return b != NULL ? from_le((const unsigned char *)b, 8) : 0;
}

int64_t
state_get_i64(struct state_r *r)
{
	return (int64_t)state_get_u64(r);
}

bool
state_section(struct state_r *r, uint32_t tag, struct state_r *sub)
{
	size_t save = r->off;
	uint32_t t = state_get_u32(r), n = state_get_u32(r);
	const char *p = take(r, n);

	memset(sub, 0, sizeof(*sub));
	if (p == NULL || t != tag) {
		r->off = save;
		r->failed = true;
		sub->failed = true;
		return false;
	}
	sub->p = p;
	sub->len = n;
	sub->version = r->version;
	return true;
}

void
state_skip_to(struct state_r *r, uint32_t tag)
{
	while (!r->failed && r->len - r->off >= 8) {
		const unsigned char *h = (const unsigned char *)r->p + r->off;
		uint64_t n = from_le(h + 4, 4);

		if (from_le(h, 4) == tag || n > r->len - r->off - 8)
			return;
		r->off += 8 + (size_t)n;
	}
}

bool
state_done(const struct state_r *r)
{
	return !r->failed && r->off == r->len;
}

const char *
state_get_bytes(struct state_r *r, size_t *len)
{
	uint32_t n = state_get_u32(r);

	*len = 0;
	if (r->failed || n == NULL_LEN)
		return NULL;
	*len = n;
	return take(r, n);
}

char *
state_get_str(struct state_r *r)
{
	size_t len;
	const char *p = state_get_bytes(r, &len);
	char *s;

	if (p == NULL)
		return NULL;
	if (memchr(p, '\0', len) != NULL) {
		r->failed = true;
		return NULL;
	}
	s = strndup(p, len);
	if (s == NULL)
		r->failed = true;
	return s;
}

bool
state_get_bool(struct state_r *r)
{
	uint8_t v = state_get_u8(r);

	if (v > 1)
		r->failed = true;
	return v == 1;
}

size_t
state_get_count(struct state_r *r, size_t max)
{
	uint64_t v = state_get_u64(r);

	if (v > max) {
		r->failed = true;
		return 0;
	}
	return (size_t)v;
}

int
state_get_fd(struct state_r *r)
{
	int64_t v = state_get_i64(r);

	if (v < -1 || v > INT32_MAX) {
		r->failed = true;
		return -1;
	}
	return (int)v;
}
