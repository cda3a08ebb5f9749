/*
 * demo/loadstats.c: the load client's bookkeeping (loadstats.h). Pure:
 * no I/O, no clock.
 */
#include "loadstats.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const outcome_names[OUT_N] = {
    "served", "refused", "reset", "timeout", "wrong"};

const char *
outcome_name(enum outcome o)
{
	return o < OUT_N ? outcome_names[o] : "?";
}

enum outcome
outcome_of_errno(int err, bool connecting)
{
	if (err == ETIMEDOUT)
		return OUT_TIMEOUT;
	if (err == ECONNRESET || err == EPIPE || err == ECONNABORTED)
		return OUT_RESET;
	return connecting ? OUT_REFUSED : OUT_RESET;
}

/* The value of header name (case-insensitive) in head[0..len), or NULL. */
static const char *
header(const char *head, size_t len, const char *name)
{
	size_t nlen = strlen(name);
	const char *p = head;
	const char *end = head + len;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));

		if (eol == NULL)
			return NULL;
		if ((size_t)(eol - p) > nlen &&
		    strncasecmp(p, name, nlen) == 0 && p[nlen] == ':')
			return p + nlen + 1;
		p = eol + 1;
	}
	return NULL;
}

bool
answer_parse(const char *buf, size_t len, struct http_answer *out)
{
	const char *sep = memmem(buf, len, "\r\n\r\n", 4);
	const char *cl;
	size_t head_len;
	unsigned long body_len;
	int status;

	if (sep == NULL)
		return false;
	head_len = (size_t)(sep - buf) + 4;
	*out = (struct http_answer){.status = 0, .body = sep + 4};
	if (len < 12 || memcmp(buf, "HTTP/1.", 7) != 0 ||
	    sscanf(buf + 9, "%3d", &status) != 1)
		return true;
	cl = header(buf, head_len, "Content-Length");
	if (cl == NULL || sscanf(cl, " %lu", &body_len) != 1)
		return true;
	if (len - head_len < body_len)
		return false;
	out->status = status;
	out->body_len = body_len;
	return true;
}

enum answer
answer_check(const char *buf, size_t len, const char *name)
{
	struct http_answer a;
	size_t nlen = strlen(name);

	if (!answer_parse(buf, len, &a))
		return ANSWER_PARTIAL;
	if (a.status == 200 && a.body_len > nlen &&
	    memcmp(a.body, name, nlen) == 0 && a.body[nlen] == ' ')
		return ANSWER_RIGHT;
	return ANSWER_WRONG;
}

int
stats_init(struct stats *s, long hint)
{
	*s = (struct stats){.nsec = 0};
	if (hint < 1)
		hint = 1;
	s->v = calloc((size_t)hint, sizeof(*s->v));
	if (s->v == NULL)
		return -1;
	s->cap = hint;
	return 0;
}

void
stats_free(struct stats *s)
{
	long i;

	for (i = 0; i < s->nsec; i++)
		free(s->v[i].lat_us);
	free(s->v);
	*s = (struct stats){.nsec = 0};
}

/* A slot for second sec: 0, or -1 (ENOMEM). */
static int
grow(struct stats *s, long sec)
{
	if (sec >= s->cap) {
		long cap = s->cap * 2 > sec + 1 ? s->cap * 2 : sec + 1;
		struct second *v = realloc(s->v, (size_t)cap * sizeof(*v));

		if (v == NULL)
			return -1;
		memset(v + s->cap, 0, (size_t)(cap - s->cap) * sizeof(*v));
		s->v = v;
		s->cap = cap;
	}
	if (sec >= s->nsec)
		s->nsec = sec + 1;
	return 0;
}

static int
add_latency(struct second *x, int64_t lat_us)
{
	if (x->nlat == x->cap) {
		size_t cap = x->cap ? x->cap * 2 : 256;
		uint32_t *v = realloc(x->lat_us, cap * sizeof(*v));

		if (v == NULL)
			return -1;
		x->lat_us = v;
		x->cap = cap;
	}
	if (lat_us < 0)
		lat_us = 0;
	x->lat_us[x->nlat++] =
	    lat_us > UINT32_MAX ? UINT32_MAX : (uint32_t)lat_us;
	return 0;
}

int
stats_add(struct stats *s, long sec, enum outcome o, int64_t lat_us)
{
	struct second *x;

	if (sec < 0)
		sec = 0;
	if (grow(s, sec) == -1)
		return -1;
	x = &s->v[sec];
	x->n[o]++;
	return o == OUT_SERVED ? add_latency(x, lat_us) : 0;
}

void
stats_fold(struct stats *s, long last)
{
	long i;
	int k;

	if (last < 0 || grow(s, last) == -1)
		return;
	for (i = last + 1; i < s->nsec; i++) {
		struct second *x = &s->v[i];
		size_t j;

		for (k = 0; k < OUT_N; k++)
			s->v[last].n[k] += x->n[k];
		for (j = 0; j < x->nlat; j++)
			add_latency(&s->v[last], x->lat_us[j]);
		free(x->lat_us);
		*x = (struct second){.nlat = 0};
	}
	s->nsec = last + 1;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a;
	uint32_t y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* The p-th percentile (nearest rank) of n sorted values. */
static unsigned long
percentile(const uint32_t *v, size_t n, unsigned p)
{
	size_t rank;

	if (n == 0)
		return 0;
	rank = (n * p + 99) / 100;
	return v[rank > 0 ? rank - 1 : 0];
}

static void
figures_of(
    const unsigned long n[OUT_N], uint32_t *lat, size_t nlat, struct figures *f)
{
	int k;

	*f = (struct figures){.failed = 0};
	for (k = 0; k < OUT_N; k++) {
		f->n[k] = n[k];
		if (k != OUT_SERVED)
			f->failed += n[k];
	}
	if (nlat > 0)
		qsort(lat, nlat, sizeof(*lat), cmp_u32);
	f->p50_us = percentile(lat, nlat, 50);
	f->p99_us = percentile(lat, nlat, 99);
}

void
stats_second(struct stats *s, long sec, struct figures *f)
{
	static const unsigned long zero[OUT_N];

	if (sec < 0 || sec >= s->nsec) {
		figures_of(zero, NULL, 0, f);
		return;
	}
	figures_of(s->v[sec].n, s->v[sec].lat_us, s->v[sec].nlat, f);
}

void
stats_total(struct stats *s, struct figures *f)
{
	unsigned long n[OUT_N] = {0};
	uint32_t *all;
	size_t nlat = 0;
	long i;
	int k;

	for (i = 0; i < s->nsec; i++) {
		for (k = 0; k < OUT_N; k++)
			n[k] += s->v[i].n[k];
		nlat += s->v[i].nlat;
	}
	all = malloc((nlat ? nlat : 1) * sizeof(*all));
	nlat = 0;
	for (i = 0; all != NULL && i < s->nsec; i++) {
		if (s->v[i].nlat == 0)
			continue;
		memcpy(all + nlat, s->v[i].lat_us, s->v[i].nlat * sizeof(*all));
		nlat += s->v[i].nlat;
	}
	figures_of(n, all, nlat, f);
	free(all);
}

void
figures_format(const struct figures *f, char *buf, size_t size)
{
	snprintf(buf, size,
	    "done=%lu served=%lu failed=%lu refused=%lu reset=%lu "
	    "timeout=%lu wrong=%lu p50_us=%lu p99_us=%lu",
	    f->n[OUT_SERVED] + f->failed, f->n[OUT_SERVED], f->failed,
	    f->n[OUT_REFUSED], f->n[OUT_RESET], f->n[OUT_TIMEOUT],
	    f->n[OUT_WRONG], f->p50_us, f->p99_us);
}
