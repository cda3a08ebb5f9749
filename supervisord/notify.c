/*
 * notify.c: an sd_notify datagram -> struct notify_msg (see notify.h).
 * Pure: it reads the bytes it is given and nothing else.
 */
#include "notify.h"

#include <errno.h>
#include <string.h>

/* Whether the line [s, s + len) is KEY=... ; *val is then what follows. */
static bool
is_key(
    const char *s, size_t len, const char *key, const char **val, size_t *vlen)
{
	size_t k = strlen(key);

	if (len <= k || memcmp(s, key, k) != 0 || s[k] != '=')
		return false;
	*val = s + k + 1;
	*vlen = len - k - 1;
	return true;
}

static bool
is_one(const char *v, size_t len)
{
	return len == 1 && v[0] == '1';
}

/* A decimal number without sign or spaces, within max. */
static bool
number(const char *v, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t n = 0;
	size_t i;

	if (len == 0 || len > 20)
		return false;
	for (i = 0; i < len; i++) {
		unsigned d = (unsigned char)v[i] - '0';

		if (d > 9 || n > (max - d) / 10)
			return false;
		n = n * 10 + d;
	}
	*out = n;
	return true;
}

static void
flag(const char *s, size_t len, const char *key, bool *out)
{
	const char *v;
	size_t vlen;

	if (is_key(s, len, key, &v, &vlen) && is_one(v, vlen))
		*out = true;
}

static void
line(const char *s, size_t len, struct notify_msg *m)
{
	const char *v;
	size_t vlen;
	uint64_t n;

	flag(s, len, "READY", &m->ready);
	flag(s, len, "STOPPING", &m->stopping);
	flag(s, len, "RELOADING", &m->reloading);
	flag(s, len, "BARRIER", &m->barrier);
	if (is_key(s, len, "WATCHDOG", &v, &vlen)) {
		if (is_one(v, vlen))
			m->watchdog = true;
		else if (vlen == 7 && memcmp(v, "trigger", 7) == 0)
			m->watchdog_trigger = true;
	} else if (is_key(s, len, "STATUS", &v, &vlen)) {
		m->has_status = true;
		m->status = v;
		m->status_len = vlen;
	} else if (is_key(s, len, "MAINPID", &v, &vlen)) {
		if (number(v, vlen, INT32_MAX, &n) && n > 0)
			m->mainpid = (pid_t)n;
	} else if (is_key(s, len, "EXTEND_TIMEOUT_USEC", &v, &vlen)) {
		if (number(v, vlen, UINT64_MAX, &n)) {
			m->has_extend = true;
			m->extend_usec = n;
		}
	}
}

int
notify_parse(const char *buf, size_t len, struct notify_msg *m)
{
	const char *s = buf, *end = buf + len;

	memset(m, 0, sizeof(*m));
	if (len == 0 || memchr(buf, '\0', len) != NULL) {
		errno = EINVAL;
		return -1;
	}
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		const char *e = nl != NULL ? nl : end;

		line(s, (size_t)(e - s), m);
		s = e + 1;
	}
	return 0;
}
