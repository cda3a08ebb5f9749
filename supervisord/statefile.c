/*
 * statefile.c: the crash-restart state file's text (see statefile.h).
 * No I/O: leftover.c reads and writes the file.
 */
#include "statefile.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HEADER "tend-state 1\n"

const char *
statefile_header(void)
{
	return HEADER;
}

int
statefile_format(char *buf, size_t size, pid_t pid, pid_t pgid, uint64_t start,
    const char *path)
{
	int n;

	if (strchr(path, '\n') != NULL)
		return -1;
	n = snprintf(buf, size, "%d %d %" PRIu64 " %s\n", (int)pid, (int)pgid,
	    start, path);
	if (n < 0 || (size_t)n >= size)
		return -1;
	return n;
}

/* A decimal number of at most max, ending at a space: its end, or NULL. */
static const char *
number(const char *s, const char *end, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	const char *p = s;

	while (p < end && *p >= '0' && *p <= '9') {
		if (v > (max - (uint64_t)(*p - '0')) / 10)
			return NULL;
		v = v * 10 + (uint64_t)(*p - '0');
		p++;
	}
	if (p == s || p == end || *p != ' ')
		return NULL;
	*out = v;
	return p + 1;
}

static int
add(struct statefile *sf, const struct statefile_entry *e, const char *path,
    size_t len)
{
	struct statefile_entry *v;

	if (sf->n == sf->cap) {
		size_t cap = sf->cap ? sf->cap * 2 : 16;

		v = realloc(sf->v, cap * sizeof(*v));
		if (v == NULL)
			return -1;
		sf->v = v;
		sf->cap = cap;
	}
	v = &sf->v[sf->n];
	*v = *e;
	v->path = strndup(path, len);
	if (v->path == NULL)
		return -1;
	sf->n++;
	return 0;
}

/* One line (without its newline) into *sf. 0, or -1 and errno. */
static int
parse_line(const char *s, const char *end, struct statefile *sf)
{
	struct statefile_entry e;
	uint64_t pid = 0, pgid = 0, start = 0;

	memset(&e, 0, sizeof(e));
	s = number(s, end, INT32_MAX, &pid);
	if (s != NULL)
		s = number(s, end, INT32_MAX, &pgid);
	if (s != NULL)
		s = number(s, end, UINT64_MAX, &start);
	if (s == NULL || s == end || pid == 0 || pgid == 0) {
		errno = EINVAL;
		return -1;
	}
	e.pid = (pid_t)pid;
	e.pgid = (pid_t)pgid;
	e.start = start;
	return add(sf, &e, s, (size_t)(end - s));
}

int
statefile_parse(const char *text, size_t len, struct statefile *sf)
{
	size_t hlen = strlen(HEADER), before = sf->n;
	const char *s, *end = text + len;

	if (len < hlen || memcmp(text, HEADER, hlen) != 0) {
		errno = EINVAL;
		return -1;
	}
	for (s = text + hlen; s < end;) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));

		if (nl == NULL || parse_line(s, nl, sf) == -1) {
			int err = nl == NULL ? EINVAL : errno;

			while (sf->n > before)
				free(sf->v[--sf->n].path);
			errno = err;
			return -1;
		}
		s = nl + 1;
	}
	return 0;
}

void
statefile_free(struct statefile *sf)
{
	size_t i;

	for (i = 0; i < sf->n; i++)
		free(sf->v[i].path);
	free(sf->v);
	memset(sf, 0, sizeof(*sf));
}

int
statefile_parse_stat(
    const char *stat, uint64_t *start, pid_t *pgid, char *state)
{
	const char *p = strrchr(stat, ')');
	unsigned long long v = 0;
	int field, pg = 0;

	if (p == NULL || p[1] != ' ' || p[2] == '\0')
		return -1;
	*state = p[2];
	p += 3; /* field 4 begins */
	for (field = 4; field <= 22; field++) {
		char *end;

		while (*p == ' ')
			p++;
		if (*p == '\0')
			return -1;
		if (field == 5)
			pg = (int)strtol(p, &end, 10);
		else if (field == 22)
			v = strtoull(p, &end, 10);
		else
			end = strchr(p, ' ');
		if (end == NULL || end == p)
			return -1;
		p = end;
	}
	*start = v;
	*pgid = (pid_t)pg;
	return 0;
}
