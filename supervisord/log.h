/*
 * log.h: tend's own messages, one line each on stderr:
 * "tend: LEVEL: message" (SPEC 2), naming a program or supervisor by its
 * path. A line is written whole with one write(2), so it never mixes with
 * a program's output mid-line.
 */
#ifndef TEND_LOG_H
#define TEND_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdnoreturn.h>
#include <time.h>

/* "2026-12-07T00:35:31.123+01:00" and its NUL fit in this. */
#define LOG_STAMP_MAX 32

/* Messages of this level and more severe are written. */
enum log_level {
	LOG_ERROR,
	LOG_WARNING,
	LOG_INFO,
};

void log_set_level(enum log_level lvl);

/* Whether each line begins with the time (RFC 3339, milliseconds, local
 * time with its offset) and a space. Off until this says otherwise. */
void log_set_timestamps(bool on);

/* Whether stderr is the journal's stream that journal_stream
 * ($JOURNAL_STREAM, "DEV:INODE") names: the journal stamps lines itself. */
bool log_stderr_is_journal(const char *journal_stream);

/* ts as "2026-12-07T00:35:31.123+01:00" into buf (size at least
 * LOG_STAMP_MAX): its length, or 0 (buf "") if it cannot be told. */
size_t log_timestamp(char *buf, size_t size, const struct timespec *ts);

/*
 * Where whole lines go (with their newline): by default one write(2) to
 * stderr; output.c installs a non-blocking, bounded writer once the loop
 * exists. NULL: back to the default.
 */
void log_set_writer(void (*writer)(const char *line, size_t len));

void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* log_warn and log_error append ": strerror(errno)"; the x forms don't. */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_errorx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Before the loop runs only: log an error and exit 1. */
noreturn void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
noreturn void fatalx(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

#endif
