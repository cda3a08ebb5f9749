/*
 * log.c: tend's own lines on stderr (see log.h). Each line is formatted
 * into one buffer and written with one write(2); an over-long message is
 * cut, never split.
 */
#include "log.h"

#include <sys/stat.h>

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "units.h"

#define LOG_LINE_MAX 2048

static enum log_level max_level = LOG_INFO;

static const char *const level_names[] = {
    [LOG_ERROR] = "error",
    [LOG_WARNING] = "warning",
    [LOG_INFO] = "info",
};

static void (*line_writer)(const char *line, size_t len);
static bool stamped;

void
log_set_timestamps(bool on)
{
	stamped = on;
}

bool
log_stderr_is_journal(const char *journal_stream)
{
	unsigned long long dev, ino;
	struct stat st;
	char tail;

	if (journal_stream == NULL ||
	    sscanf(journal_stream, "%llu:%llu%c", &dev, &ino, &tail) != 2 ||
	    fstat(STDERR_FILENO, &st) == -1)
		return false;
	return (unsigned long long)st.st_dev == dev &&
	       (unsigned long long)st.st_ino == ino;
}

size_t
log_timestamp(char *buf, size_t size, const struct timespec *ts)
{
	struct tm tm;

	if (size < LOG_STAMP_MAX || localtime_r(&ts->tv_sec, &tm) == NULL) {
		if (size > 0)
			buf[0] = '\0';
		return 0;
	}
	return strlen(units_format_time(buf, size, &tm, ts->tv_nsec / 1000000));
}

void
log_set_level(enum log_level lvl)
{
	max_level = lvl;
}

void
log_set_writer(void (*writer)(const char *line, size_t len))
{
	line_writer = writer;
}

static void
vlog(enum log_level lvl, int err, const char *fmt, va_list ap)
{
	char buf[LOG_LINE_MAX];
	size_t len;
	int n;

	if (lvl > max_level)
		return;
	len = 0;
	if (stamped) {
		struct timespec now;

		clock_gettime(CLOCK_REALTIME, &now);
		len = log_timestamp(buf, sizeof(buf), &now);
		buf[len++] = ' ';
	}
	n = snprintf(
	    buf + len, sizeof(buf) - len, "tend: %s: ", level_names[lvl]);
	len += (size_t)n;
	/* ap is started; clang-tidy 14 says otherwise only when one run checks
	 * several files (llvm-project#40656) */
	/* NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized) */
	n = vsnprintf(buf + len, sizeof(buf) - len, fmt, ap);
	if (n > 0)
		len += (size_t)n < sizeof(buf) - len ? (size_t)n
		                                     : sizeof(buf) - len - 1;
	if (err != 0 && len < sizeof(buf) - 1) {
		n = snprintf(
		    buf + len, sizeof(buf) - len, ": %s", strerror(err));
		if (n > 0)
			len += (size_t)n < sizeof(buf) - len
			           ? (size_t)n
			           : sizeof(buf) - len - 1;
	}
	if (len > sizeof(buf) - 2)
		len = sizeof(buf) - 2;
	buf[len++] = '\n';
	if (line_writer != NULL) {
		line_writer(buf, len);
		return;
	}
	/* best effort: a closed or full stderr must not stop supervision */
	while (write(STDERR_FILENO, buf, len) == -1 && errno == EINTR)
		;
}

#define DEFINE_LOG(fn, lvl, with_errno)                                        \
	void fn(const char *fmt, ...)                                          \
	{                                                                      \
		int err = (with_errno) ? errno : 0;                            \
		va_list ap;                                                    \
                                                                               \
		va_start(ap, fmt);                                             \
		vlog(lvl, err, fmt, ap);                                       \
		va_end(ap);                                                    \
		errno = err ? err : errno;                                     \
	}

DEFINE_LOG(log_info, LOG_INFO, 0)
DEFINE_LOG(log_warn, LOG_WARNING, 1)
DEFINE_LOG(log_warnx, LOG_WARNING, 0)
DEFINE_LOG(log_error, LOG_ERROR, 1)
DEFINE_LOG(log_errorx, LOG_ERROR, 0)

void
fatal(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_ERROR, err, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_ERROR, 0, fmt, ap);
	va_end(ap);
	exit(1);
}
