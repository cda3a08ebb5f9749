/*
 * state.h: the encoding of tend's state for an upgrade (SPEC 7 Upgrade,
 * SPEC 11 Live change). Pure: bytes in memory, no I/O.
 *
 * The state is a header and a list of sections, one per module that has
 * something to hand over (a module's *_save writes its section, its
 * *_load reads it), so that each later addition stays in its module:
 *
 *     "TENDSTAT" u32 version u32 flags u64 length u64 checksum
 *     section: u32 tag, u32 length, payload
 *
 * Numbers are little-endian (tend only ever hands its state to itself, on
 * the same machine). A reader checks everything before anything is used:
 * magic, a version it knows (an older one is read, a newer one refused),
 * the length, the checksum (over everything after the header: a word at
 * a time from version 3, FNV-1a 64 a byte at a time before)
 * and that the sections tile the rest exactly. Reads past a section's end
 * fail the reader (r->failed) rather than read anything.
 */
#ifndef TEND_STATE_H
#define TEND_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bumped when a section gains fields (a reader checks r->version before
 * it reads them, so that an older tend's state still loads). 2: listen
 * sockets (STATE_LISTEN), causes, gave_up, exit histories, oom_base, a
 * program's hold on its sockets. 3: the word-wise checksum, the set of
 * pidfds and of capture pipes (fdset.h), whose descriptors cross the
 * exec as they are; whether captures are paused. */
#define STATE_VERSION 3
#define STATE_HEADER 32

struct state_w {
	char *p;
	size_t len, cap;
	bool failed; /* out of memory: the state is unusable */
	int *fds;    /* the descriptors it names: kept across the exec */
	size_t nfds, fdcap;
};

struct state_r {
	const char *p;
	size_t len, off;
	uint32_t version; /* of the whole state */
	bool failed;      /* a read went past the end, or a bad value */
};

/* An empty state with its header reserved. */
void state_w_init(struct state_w *w);
void state_w_free(struct state_w *w);
/* Empty again (its header reserved), keeping the memory it has: an
 * upgrade writes its state twice, the second time with tend stopped. */
void state_w_reset(struct state_w *w);

void state_put_u8(struct state_w *w, uint8_t v);
void state_put_u32(struct state_w *w, uint32_t v);
void state_put_u64(struct state_w *w, uint64_t v);
void state_put_i64(struct state_w *w, int64_t v);
/* len bytes, after their length; a NULL string is told from "". */
void state_put_bytes(struct state_w *w, const void *p, size_t len);
void state_put_str(struct state_w *w, const char *s);
/* A descriptor's number (-1: none), noted in w->fds when >= 0. */
void state_put_fd(struct state_w *w, int fd);
/* A descriptor that is not close-on-exec (-1: none): its number alone,
 * not noted (it crosses the exec as it is). Read by state_get_fd. */
void state_put_open_fd(struct state_w *w, int fd);

/* Begin a section: what state_end_section needs. */
size_t state_begin_section(struct state_w *w, uint32_t tag);
void state_end_section(struct state_w *w, size_t at);

/* Fill the header in: 0, or -1 if w failed (ENOMEM) or is too long. */
int state_finish(struct state_w *w);
/* The same, as a tend of an older version would have (its checksum):
 * for tests of loading what an older tend wrote. */
int state_finish_as(struct state_w *w, uint32_t version);

/*
 * Check buf (len bytes) whole and set r up on it: 0, or -1 with err set
 * ("state version 9 is newer than this tend's 1", "state truncated").
 * Nothing is allocated; r points into buf.
 */
int state_open(
    struct state_r *r, const char *buf, size_t len, char *err, size_t errlen);

/*
 * The next section, which must be tag: *sub reads its payload alone.
 * false (and r->failed) if the next one is another or there is none.
 */
bool state_section(struct state_r *r, uint32_t tag, struct state_r *sub);

/* Skip sections until the next one is tag (or none is left). */
void state_skip_to(struct state_r *r, uint32_t tag);

/* Whether every byte of r was read and nothing failed. */
bool state_done(const struct state_r *r);

uint8_t state_get_u8(struct state_r *r);
uint32_t state_get_u32(struct state_r *r);
uint64_t state_get_u64(struct state_r *r);
int64_t state_get_i64(struct state_r *r);
/* A pointer into the buffer, *len set; NULL for a NULL string. */
const char *state_get_bytes(struct state_r *r, size_t *len);
/* A copy (malloc'd, NUL-terminated), or NULL for NULL (or failure). */
char *state_get_str(struct state_r *r);
/* A bool, a count at most max, an fd (>= 0 or -1): else r->failed. */
bool state_get_bool(struct state_r *r);
size_t state_get_count(struct state_r *r, size_t max);
int state_get_fd(struct state_r *r);

#endif
