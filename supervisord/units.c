/*
 * units.c: the value syntaxes shared by the configuration and the wire
 * protocol: durations, sizes, booleans, integers, signal and errno names,
 * the name rule, and the short duration format of tendctl's tables.
 * Pure: no I/O, no allocation, no state; errno is the only thing written
 * besides the caller's out-parameters.
 */
#include "units.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define MS_PER_SEC INT64_C(1000)
#define MS_PER_MIN (60 * MS_PER_SEC)
#define MS_PER_HOUR (60 * MS_PER_MIN)
#define MS_PER_DAY (24 * MS_PER_HOUR)

/* The end of the run of decimal digits that starts at s. */
static const char *
skip_digits(const char *s)
{
	while (*s >= '0' && *s <= '9')
		s++;
	return s;
}

/*
 * The digits s[0..len) as a number no larger than max. The caller has
 * checked that they are digits and that len > 0.
 */
static int
digits_value(const char *s, size_t len, uint64_t max, uint64_t *v)
{
	uint64_t n = 0;

	for (size_t i = 0; i < len; i++) {
		uint64_t d = (uint64_t)(s[i] - '0');

		if (d > max || n > (max - d) / 10) {
			errno = ERANGE;
			return -1;
		}
		n = n * 10 + d;
	}
	*v = n;
	return 0;
}

/*
 * A number followed by one of the suffixes of units[] (each with its
 * multiplier), the result no larger than INT64_MAX. The empty suffix must
 * be in units[] for a bare number to be accepted.
 */
struct suffix {
	const char *text;
	int64_t mult;
	bool fold; /* compare case-insensitively */
};

static int
parse_scaled(
    const char *s, const struct suffix *units, size_t nunits, int64_t *out)
{
	const char *end;
	uint64_t n;

	if (s == NULL)
		goto invalid;
	end = skip_digits(s);
	if (end == s)
		goto invalid;
	for (size_t i = 0; i < nunits; i++) {
		const struct suffix *u = &units[i];
		int diff =
		    u->fold ? strcasecmp(end, u->text) : strcmp(end, u->text);

		if (diff != 0)
			continue;
		if (digits_value(s, (size_t)(end - s),
		        (uint64_t)(INT64_MAX / u->mult), &n) == -1)
			return -1;
		*out = (int64_t)n * u->mult;
		return 0;
	}
invalid:
	errno = EINVAL;
	return -1;
}

int
units_parse_duration(const char *s, int64_t *ms)
{
	static const struct suffix units[] = {
	    {"", MS_PER_SEC, false},
	    {"ms", 1, false},
	    {"s", MS_PER_SEC, false},
	    {"m", MS_PER_MIN, false},
	    {"h", MS_PER_HOUR, false},
	};

	return parse_scaled(s, units, sizeof(units) / sizeof(units[0]), ms);
}

int
units_parse_size(const char *s, int64_t *bytes)
{
	static const struct suffix units[] = {
	    {"", 1, false},
	    {"K", INT64_C(1) << 10, true},
	    {"M", INT64_C(1) << 20, true},
	    {"G", INT64_C(1) << 30, true},
	};

	return parse_scaled(s, units, sizeof(units) / sizeof(units[0]), bytes);
}

int
units_parse_bool(const char *s, bool *b)
{
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};

	for (size_t i = 0; s != NULL && i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*b = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*b = false;
			return 0;
		}
	}
	errno = EINVAL;
	return -1;
}

int
units_parse_uint(const char *s, uint64_t max, uint64_t *v)
{
	const char *end;

	if (s == NULL || (end = skip_digits(s)) == s || *end != '\0') {
		errno = EINVAL;
		return -1;
	}
	return digits_value(s, (size_t)(end - s), max, v);
}

int
units_parse_int(const char *s, int64_t min, int64_t max, int64_t *v)
{
	bool neg = s != NULL && *s == '-';
	uint64_t mag;

	/* The magnitude of INT64_MIN is INT64_MAX + 1. */
	if (units_parse_uint(s == NULL ? NULL : s + neg,
	        (uint64_t)INT64_MAX + 1, &mag) == -1)
		return -1;
	if (!neg && mag > (uint64_t)INT64_MAX) {
		errno = ERANGE;
		return -1;
	}
	int64_t n = neg ? (int64_t)(0 - mag) : (int64_t)mag;
	if (n < min || n > max) {
		errno = ERANGE;
		return -1;
	}
	*v = n;
	return 0;
}

/*
 * Linux's standard signals. The first name of a number is its name; the
 * aliases IOT, POLL and CLD come last so that they are only read.
 */
static const struct {
	const char *name;
	int sig;
} signals[] = {
    {"HUP", SIGHUP},
    {"INT", SIGINT},
    {"QUIT", SIGQUIT},
    {"ILL", SIGILL},
    {"TRAP", SIGTRAP},
    {"ABRT", SIGABRT},
    {"BUS", SIGBUS},
    {"FPE", SIGFPE},
    {"KILL", SIGKILL},
    {"USR1", SIGUSR1},
    {"SEGV", SIGSEGV},
    {"USR2", SIGUSR2},
    {"PIPE", SIGPIPE},
    {"ALRM", SIGALRM},
    {"TERM", SIGTERM},
    {"STKFLT", SIGSTKFLT},
    {"CHLD", SIGCHLD},
    {"CONT", SIGCONT},
    {"STOP", SIGSTOP},
    {"TSTP", SIGTSTP},
    {"TTIN", SIGTTIN},
    {"TTOU", SIGTTOU},
    {"URG", SIGURG},
    {"XCPU", SIGXCPU},
    {"XFSZ", SIGXFSZ},
    {"VTALRM", SIGVTALRM},
    {"PROF", SIGPROF},
    {"WINCH", SIGWINCH},
    {"IO", SIGIO},
    {"PWR", SIGPWR},
    {"SYS", SIGSYS},
    {"IOT", SIGABRT},
    {"POLL", SIGIO},
    {"CLD", SIGCHLD},
};

#define NSIGNALS (sizeof(signals) / sizeof(signals[0]))
#define SIG_NUMBER_MAX 64

/* Names of the realtime signals, SIGRTMIN + index. */
static const char *const rt_names[] = {"RTMIN", "RTMIN+1", "RTMIN+2", "RTMIN+3",
    "RTMIN+4", "RTMIN+5", "RTMIN+6", "RTMIN+7", "RTMIN+8", "RTMIN+9",
    "RTMIN+10", "RTMIN+11", "RTMIN+12", "RTMIN+13", "RTMIN+14", "RTMIN+15",
    "RTMIN+16", "RTMIN+17", "RTMIN+18", "RTMIN+19", "RTMIN+20", "RTMIN+21",
    "RTMIN+22", "RTMIN+23", "RTMIN+24", "RTMIN+25", "RTMIN+26", "RTMIN+27",
    "RTMIN+28", "RTMIN+29", "RTMIN+30", "RTMIN+31", "RTMIN+32"};

/*
 * "RTMIN", "RTMIN+N", "RTMAX", "RTMAX-N" (case-insensitive), within
 * SIGRTMIN..SIGRTMAX.
 */
static int
parse_rt_signal(const char *s, int *sig)
{
	int base, dir;
	uint64_t off = 0;

	if (strncasecmp(s, "RTMIN", 5) == 0) {
		base = SIGRTMIN;
		dir = 1;
	} else if (strncasecmp(s, "RTMAX", 5) == 0) {
		base = SIGRTMAX;
		dir = -1;
	} else {
		return -1;
	}
	s += 5;
	if (*s != '\0') {
		if (*s != (dir > 0 ? '+' : '-'))
			return -1;
		if (units_parse_uint(s + 1, SIG_NUMBER_MAX, &off) == -1)
			return -1;
	}
	int n = base + dir * (int)off;
	if (n < SIGRTMIN || n > SIGRTMAX)
		return -1;
	*sig = n;
	return 0;
}

int
units_parse_signal(const char *s, int *sig)
{
	uint64_t n;

	if (s == NULL)
		goto invalid;
	if (units_parse_uint(s, SIG_NUMBER_MAX, &n) == 0) {
		if (n == 0)
			goto invalid;
		*sig = (int)n;
		return 0;
	}
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (size_t i = 0; i < NSIGNALS; i++) {
		if (strcasecmp(s, signals[i].name) == 0) {
			*sig = signals[i].sig;
			return 0;
		}
	}
	if (parse_rt_signal(s, sig) == 0)
		return 0;
invalid:
	errno = EINVAL;
	return -1;
}

const char *
units_signal_name(int sig)
{
	for (size_t i = 0; i < NSIGNALS; i++)
		if (signals[i].sig == sig)
			return signals[i].name;
	if (sig >= SIGRTMIN && sig <= SIGRTMAX &&
	    (size_t)(sig - SIGRTMIN) < sizeof(rt_names) / sizeof(rt_names[0]))
		return rt_names[sig - SIGRTMIN];
	return NULL;
}

bool
units_name_valid(const char *name)
{
	size_t len = 0;

	if (name == NULL || name[0] == '.')
		return false;
	for (; name[len] != '\0'; len++) {
		unsigned char c = (unsigned char)name[len];

		if (len >= UNITS_NAME_MAX)
			return false;
		if (!isascii(c) ||
		    !(isalnum(c) || c == '_' || c == '.' || c == '-'))
			return false;
	}
	return len > 0;
}

char *
units_format_duration(char *buf, size_t size, int64_t ms)
{
	const char *sign = ms < 0 ? "-" : "";
	/* The magnitude, computed unsigned so that INT64_MIN has one. */
	uint64_t u = ms < 0 ? 0 - (uint64_t)ms : (uint64_t)ms;
	uint64_t day = (uint64_t)MS_PER_DAY, hour = (uint64_t)MS_PER_HOUR,
	         min = (uint64_t)MS_PER_MIN, sec = (uint64_t)MS_PER_SEC;

	if (u == 0)
		snprintf(buf, size, "0s");
	else if (u < sec)
		snprintf(buf, size, "%s%" PRIu64 "ms", sign, u);
	else if (u < min)
		snprintf(buf, size, "%s%" PRIu64 "s", sign, u / sec);
	else if (u < hour)
		snprintf(buf, size, "%s%" PRIu64 "m%02" PRIu64 "s", sign,
		    u / min, u % min / sec);
	else if (u < day)
		snprintf(buf, size, "%s%" PRIu64 "h%02" PRIu64 "m", sign,
		    u / hour, u % hour / min);
	else if (u / day < 100000)
		snprintf(buf, size, "%s%" PRIu64 "d%02" PRIu64 "h", sign,
		    u / day, u % day / hour);
	else /* so that 16 bytes hold even INT64_MIN: "-106751991167d" */
		snprintf(buf, size, "%s%" PRIu64 "d", sign, u / day);
	return buf;
}

char *
units_format_time(char *buf, size_t size, const struct tm *tm, long ms)
{
	long off = tm->tm_gmtoff;
	char sign = off < 0 ? '-' : '+';

	if (off < 0)
		off = -off;
	snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03ld%c%02ld:%02ld",
	    tm->tm_year + 1900, tm->tm_mon + 1, tm->tm_mday, tm->tm_hour,
	    tm->tm_min, tm->tm_sec, ms, sign, off / 3600, off % 3600 / 60);
	return buf;
}

#define E(name)                                                                \
	{                                                                      \
		name, #name                                                    \
	}

static const struct {
	int err;
	const char *name;
} errnos[] = {
    E(EPERM),
    E(ENOENT),
    E(ESRCH),
    E(EINTR),
    E(EIO),
    E(ENXIO),
    E(E2BIG),
    E(ENOEXEC),
    E(EBADF),
    E(ECHILD),
    E(EAGAIN),
    E(ENOMEM),
    E(EACCES),
    E(EFAULT),
    E(EBUSY),
    E(EEXIST),
    E(EXDEV),
    E(ENODEV),
    E(ENOTDIR),
    E(EISDIR),
    E(EINVAL),
    E(ENFILE),
    E(EMFILE),
    E(ENOTTY),
    E(ETXTBSY),
    E(EFBIG),
    E(ENOSPC),
    E(ESPIPE),
    E(EROFS),
    E(EMLINK),
    E(EPIPE),
    E(ERANGE),
    E(EDEADLK),
    E(ENAMETOOLONG),
    E(ENOLCK),
    E(ENOSYS),
    E(ENOTEMPTY),
    E(ELOOP),
    E(ENOLINK),
    E(EPROTO),
    E(EOVERFLOW),
    E(ELIBBAD),
    E(ELIBACC),
    E(EILSEQ),
    E(EUSERS),
    E(ENOTSOCK),
    E(EADDRINUSE),
    E(EADDRNOTAVAIL),
    E(ENETDOWN),
    E(ENETUNREACH),
    E(ECONNABORTED),
    E(ECONNRESET),
    E(ENOBUFS),
    E(EISCONN),
    E(ENOTCONN),
    E(ETIMEDOUT),
    E(ECONNREFUSED),
    E(EHOSTUNREACH),
    E(EALREADY),
    E(EINPROGRESS),
    E(ESTALE),
    E(EDQUOT),
    E(ECANCELED),
    E(EOPNOTSUPP),
    E(EAFNOSUPPORT),
    E(EPROTONOSUPPORT),
    E(EMSGSIZE),
    E(EOWNERDEAD),
    E(ENOTRECOVERABLE),
    E(ENOMEDIUM),
    E(EKEYREJECTED),
};

const char *
units_errno_name(int err)
{
	for (size_t i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
		if (errnos[i].err == err)
			return errnos[i].name;
	return NULL;
}
