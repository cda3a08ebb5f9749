/*
 * stats.c: figures out of cgroup and /proc text (see stats.h). No I/O.
 */
#include "stats.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A decimal number at s (no sign): its end, or NULL. */
static const char *
decimal(const char *s, uint64_t *v)
{
	uint64_t n = 0;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return NULL;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (n > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return NULL;
		n = n * 10 + (uint64_t)(*p - '0');
	}
	*v = n;
	return p;
}

int
stats_keyed(const char *text, const char *key, uint64_t *v)
{
	size_t klen = strlen(key);
	const char *line = text;

	while (line != NULL && *line != '\0') {
		if (strncmp(line, key, klen) == 0 && line[klen] == ' ') {
			const char *end = decimal(line + klen + 1, v);

			if (end != NULL && (*end == '\n' || *end == '\0'))
				return 0;
		}
		line = strchr(line, '\n');
		if (line != NULL)
			line++;
	}
	return -1;
}

int
stats_number(const char *text, uint64_t *v)
{
	const char *end;

	if (strncmp(text, "max", 3) == 0 &&
	    (text[3] == '\n' || text[3] == '\0')) {
		*v = UINT64_MAX;
		return 0;
	}
	end = decimal(text, v);
	return end != NULL && (*end == '\n' || *end == '\0') ? 0 : -1;
}

size_t
stats_pids(const char *text, pid_t *pids, size_t max)
{
	size_t n = 0;
	const char *p = text;
	uint64_t v;

	while (*p != '\0') {
		const char *end = decimal(p, &v);

		if (end != NULL && (*end == '\n' || *end == '\0') && v > 0 &&
		    v <= INT32_MAX) {
			if (n < max)
				pids[n] = (pid_t)v;
			n++;
		}
		p = strchrnul(p, '\n');
		if (*p == '\n')
			p++;
	}
	return n;
}

/* Fields 3 to 24 of /proc/PID/stat, after the comm. */
static int
stat_fields(const char *s, struct stats_proc *st)
{
	unsigned long long utime, stime, start;
	long long threads, rss;
	int ppid, pgrp;
	char state;

	/* state ppid pgrp session tty tpgid flags minflt cminflt majflt
	 * cmajflt utime stime cutime cstime priority nice threads
	 * itrealvalue starttime vsize rss */
	if (sscanf(s,
	        " %c %d %d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d "
	        "%*d %*d %lld %*d %llu %*u %lld",
	        &state, &ppid, &pgrp, &utime, &stime, &threads, &start,
	        &rss) != 8)
		return -1;
	st->state = state;
	st->ppid = ppid;
	st->pgrp = pgrp;
	st->cpu_ticks = (uint64_t)utime + (uint64_t)stime;
	st->threads = threads;
	st->start = (uint64_t)start;
	st->rss_pages = rss;
	return 0;
}

int
stats_proc_stat(const char *text, struct stats_proc *st)
{
	const char *open = strchr(text, '('), *close = strrchr(text, ')');
	size_t len;
	uint64_t pid;

	memset(st, 0, sizeof(*st));
	if (open == NULL || close == NULL || close < open ||
	    decimal(text, &pid) == NULL || pid == 0 || pid > INT32_MAX)
		return -1;
	st->pid = (pid_t)pid;
	len = (size_t)(close - open - 1);
	if (len >= sizeof(st->comm))
		len = sizeof(st->comm) - 1;
	memcpy(st->comm, open + 1, len);
	st->comm[len] = '\0';
	return stat_fields(close + 1, st);
}

const char *
stats_wchan(const char *text, char *buf, size_t size)
{
	size_t len = strcspn(text, "\n");

	if (len == 0 || (len == 1 && text[0] == '0'))
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, "%.*s", (int)len, text);
	return buf;
}

const char *
stats_cmdline(const char *raw, size_t len, char *buf, size_t size)
{
	size_t i, n = 0;

	if (size == 0)
		return buf;
	while (len > 0 && raw[len - 1] == '\0')
		len--; /* the last word's terminator */
	for (i = 0; i < len && n + 1 < size; i++) {
		char ch = raw[i];

		if (ch == '\0')
			ch = ' ';
		else if ((unsigned char)ch < 0x20)
			ch = '?';
		buf[n++] = ch;
	}
	buf[n] = '\0';
	return buf;
}

double
stats_cpu_percent(
    uint64_t usec0, uint64_t usec1, int64_t wall0_us, int64_t wall1_us)
{
	if (usec1 <= usec0 || wall1_us <= wall0_us)
		return 0.0;
	return (double)(usec1 - usec0) * 100.0 / (double)(wall1_us - wall0_us);
}
