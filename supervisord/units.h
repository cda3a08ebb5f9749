/*
 * units.h: durations, sizes, booleans, signal names and name rules, as the
 * configuration and the wire protocol write them (SPEC section 3). Pure:
 * no I/O, no allocation, no global state. Shared by tend and tendctl.
 */
#ifndef TEND_UNITS_H
#define TEND_UNITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* The longest name of a program or supervisor. */
#define UNITS_NAME_MAX 64

/*
 * A duration: one integer with an optional unit ms, s, m or h; a bare
 * number is seconds. "250ms", "5s", "2m", "1h", "30". Units are lower
 * case; no sign, no fraction, no space anywhere. The result must fit in
 * int64 milliseconds. 0 and *ms set, or -1 (errno EINVAL or ERANGE).
 */
int units_parse_duration(const char *s, int64_t *ms);

/* What units_parse_duration accepts, in words, for error messages. */
#define UNITS_DURATION_FORMS                                                   \
	"one whole number with an optional unit ms, s, m or h, such as 90s "   \
	"or 250ms"

/*
 * A size: an integer with an optional suffix K, M or G (powers of 1024,
 * upper or lower case, an optional trailing B or iB is not accepted).
 * 0 and *bytes set, or -1 (errno EINVAL or ERANGE).
 */
int units_parse_size(const char *s, int64_t *bytes);

/* yes/no/true/false/on/off/1/0, case-insensitive. 0 and *b, or -1. */
int units_parse_bool(const char *s, bool *b);

/*
 * A signal: a name with or without "SIG" (case-insensitive: TERM, SIGTERM,
 * term; the aliases IOT, POLL and CLD too), RTMIN, RTMIN+N, RTMAX or
 * RTMAX-N within the realtime range, or a number from 1 to 64. 0 and *sig,
 * or -1 (errno EINVAL).
 */
int units_parse_signal(const char *s, int *sig);

/*
 * The name of sig without "SIG" ("TERM"; "RTMIN+3" for a realtime one), or
 * NULL for a number that has none (0, 32, 33, 65...). Static storage.
 */
const char *units_signal_name(int sig);

/* A non-negative decimal integer no larger than max. 0 and *v, or -1. */
int units_parse_uint(const char *s, uint64_t max, uint64_t *v);

/* A decimal integer, optionally negative, within [min, max]. 0 or -1. */
int units_parse_int(const char *s, int64_t min, int64_t max, int64_t *v);

/*
 * A name of a program or supervisor: [A-Za-z0-9_.-]{1,64}, not beginning
 * with '.'. Reserved words (root, all) are the caller's business.
 */
bool units_name_valid(const char *name);

/*
 * Write ms as a short human duration into buf ("0s", "450ms", "12s",
 * "3m05s", "2h07m", "3d04h"): at most two units, the smaller one truncated;
 * from 100000 days on, days only; a negative ms gets a '-'. Returns buf.
 * size 16 is always enough (snprintf cuts a smaller buf).
 */
char *units_format_duration(char *buf, size_t size, int64_t ms);

/* The longest units_format_time, with its NUL. */
#define UNITS_TIME_MAX 32

/*
 * A broken-down local time (localtime_r's, with its tm_gmtoff) and its
 * milliseconds as RFC 3339: "2026-12-07T10:35:31.123+01:00", into buf
 * (UNITS_TIME_MAX bytes hold it), which is returned.
 */
char *units_format_time(char *buf, size_t size, const struct tm *tm, long ms);

/* The symbolic name of an errno value ("ENOENT"), or NULL if unknown. */
const char *units_errno_name(int err);

#endif
