/*
 * demo/loadstats.h: the load client's bookkeeping, pure: how a request
 * ended, whether an answer is whole and right, and the figures of each
 * second (counts by outcome, latency percentiles). No I/O, no clock:
 * times come in as arguments. Used by demo-load and its unit test.
 */
#ifndef DEMO_LOADSTATS_H
#define DEMO_LOADSTATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum outcome {
	OUT_SERVED,  /* a whole, right answer */
	OUT_REFUSED, /* no connection (ECONNREFUSED, or connect failed) */
	OUT_RESET,   /* broke or closed before a whole answer */
	OUT_TIMEOUT, /* no whole answer in time */
	OUT_WRONG,   /* an answer, not the right one */
	OUT_N
};

/* "served", "refused", "reset", "timeout", "wrong". */
const char *outcome_name(enum outcome o);

/* The outcome of a request whose socket failed with err: while
 * connecting (the connection was never made) everything but a reset
 * or a time-out is "refused"; after, everything but a time-out is
 * "reset". */
enum outcome outcome_of_errno(int err, bool connecting);

enum answer { ANSWER_PARTIAL, ANSWER_RIGHT, ANSWER_WRONG };

struct http_answer {
	int status;       /* 200, ... */
	const char *body; /* inside the buffer given */
	size_t body_len;
};

/* Parse the len bytes of an HTTP/1.x answer in buf: true and *out set
 * once the head and its Content-Length of body are all there; false
 * while more is needed. A head that is not HTTP, or that has no
 * Content-Length, gives status 0 once it is whole. */
bool answer_parse(const char *buf, size_t len, struct http_answer *out);

/* Whether the len bytes in buf are a whole right answer to the request
 * named name (status 200, body "NAME ..."), a whole wrong one, or not
 * whole yet. */
enum answer answer_check(const char *buf, size_t len, const char *name);

/* Latencies of one second, and its counts. */
struct second {
	unsigned long n[OUT_N];
	uint32_t *lat_us; /* of its served requests; owned */
	size_t nlat;
	size_t cap;
};

/* Seconds since the start, growing as requests end later. */
struct stats {
	struct second *v; /* owned */
	long nsec;        /* seconds that have a slot */
	long cap;
};

/* What a second (or the whole run) amounts to. */
struct figures {
	unsigned long n[OUT_N];
	unsigned long failed;         /* all but served */
	unsigned long p50_us, p99_us; /* of the served; 0 without */
};

/* Empty, with room for hint seconds. 0, or -1 (ENOMEM). */
int stats_init(struct stats *s, long hint);
void stats_free(struct stats *s);

/* Count a request that ended in second sec (from 0) as o, after lat_us
 * (counted in the percentiles when served). 0, or -1 (ENOMEM; then it
 * is counted, without its latency). */
int stats_add(struct stats *s, long sec, enum outcome o, int64_t lat_us);

/* Move what ended after second last into it (the stragglers of the
 * last second of sending). */
void stats_fold(struct stats *s, long last);

/* The figures of second sec (zeros for a second without a slot), or
 * of all seconds. Sorts the latencies they hold. */
void stats_second(struct stats *s, long sec, struct figures *f);
void stats_total(struct stats *s, struct figures *f);

/* "done=N served=N failed=N refused=N reset=N timeout=N wrong=N
 * p50_us=N p99_us=N" into buf (always NUL-terminated). */
void figures_format(const struct figures *f, char *buf, size_t size);

#endif
