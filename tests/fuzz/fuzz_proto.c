/*
 * fuzz_proto.c: libFuzzer target for the wire format (proto.h), both
 * sides. The input is split into lines as tend and tendctl split what
 * they read; each line is decoded as a request (tend), a reply header and
 * a record (tendctl), and every record goes through tendctl's renderer.
 * What decodes must encode and decode back to the same thing; escaping
 * must round-trip any bytes. Everything is freed, so that leaks show.
 */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "render.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_RECORDS 64

/* The request line b holds (one, newline-ended) decodes to r again. */
static void
check_request_again(const struct buf *b, const struct request *r)
{
	struct request r2;
	const char *err;

	assert(b->len >= 1 && b->p[b->len - 1] == '\n');
	assert(memchr(b->p, '\n', b->len - 1) == NULL);
	if (b->len - 1 > PROTO_MAX_REQUEST)
		return; /* raw control bytes grew when escaped */
	if (proto_decode_request(b->p, b->len - 1, &r2, &err) == -1)
		abort(); /* an encoded request must decode */
	assert(strcmp(r2.verb, r->verb) == 0);
	assert(r2.nopts == r->nopts && r2.nargs == r->nargs);
	for (size_t i = 0; i < r->nopts; i++) {
		assert(strcmp(r2.opt_key[i], r->opt_key[i]) == 0);
		assert(strcmp(r2.opt_val[i], r->opt_val[i]) == 0);
	}
	for (size_t i = 0; i < r->nargs; i++)
		assert(strcmp(r2.args[i], r->args[i]) == 0);
	request_free(&r2);
}

static void
fuzz_request(const char *line, size_t len)
{
	struct request r;
	struct buf b, opt;
	const char **opts;
	const char *err;

	if (proto_decode_request(line, len, &r, &err) == -1) {
		assert(err != NULL && r.f.v == NULL);
		return;
	}
	assert(r.verb != NULL && *r.verb != '\0');
	for (size_t i = 0; i < r.nopts; i++)
		assert(request_opt(&r, r.opt_key[i]) != NULL);
	opts = calloc(r.nopts + 1, sizeof(*opts));
	buf_init(&b);
	buf_init(&opt);
	assert(opts != NULL);
	/* KEY=VALUE again, each a string of its own in opt */
	for (size_t i = 0; i < r.nopts; i++)
		buf_addf(&opt, "%s=%s%c", r.opt_key[i], r.opt_val[i], '\0');
	for (size_t i = 0, at = 0; i < r.nopts; i++) {
		opts[i] = opt.p + at;
		at += strlen(opts[i]) + 1;
	}
	proto_encode_request(&b, r.verb, opts, r.nopts, r.args, r.nargs);
	assert(!b.failed && !opt.failed);
	check_request_again(&b, &r);
	buf_free(&b);
	buf_free(&opt);
	free(opts);
	request_free(&r);
}

static void
fuzz_header(const char *line, size_t len)
{
	struct buf b;
	char *msg, *msg2;
	int code, code2, r, r2;

	r = proto_decode_header(line, len, &code, &msg);
	if (r == -1) {
		assert(msg == NULL);
		return;
	}
	buf_init(&b);
	if (r == 0)
		proto_reply_ok(&b);
	else
		proto_reply_err(&b, code, msg);
	assert(!b.failed && b.len >= 1 && b.p[b.len - 1] == '\n');
	r2 = proto_decode_header(b.p, b.len - 1, &code2, &msg2);
	assert(r2 == r && code2 == code);
	assert((msg == NULL) == (msg2 == NULL));
	assert(msg == NULL || strcmp(msg, msg2) == 0);
	free(msg);
	free(msg2);
	buf_free(&b);
}

/* Whether s can go on the wire unescaped, as rec_begin() and rec_str()
 * write types and keys. */
static bool
is_plain(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= ' ' || *s == '\\' || *s == 0x7f ||
		    *s == '=')
			return false;
	return true;
}

/* The length of field i's value (which may hold NUL bytes). */
static size_t
val_len(const struct record *r, size_t i)
{
	const char *field = r->key[i];

	return r->f.len[i + 1] - (size_t)(r->val[i] - field);
}

static void
check_record_again(const struct record *r)
{
	struct record r2;
	const char *err;
	struct buf b;

	if (!is_plain(r->type))
		return;
	for (size_t i = 0; i < r->n; i++)
		if (!is_plain(r->key[i]) ||
		    strlen(r->key[i]) + 1 != (size_t)(r->val[i] - r->key[i]))
			return; /* a NUL byte in the key */
	buf_init(&b);
	rec_begin(&b, r->type);
	for (size_t i = 0; i < r->n; i++)
		rec_strn(&b, r->key[i], r->val[i], val_len(r, i));
	rec_end(&b);
	assert(!b.failed);
	assert(memchr(b.p, '\n', b.len - 1) == NULL);
	if (proto_decode_record(b.p, b.len - 1, &r2, &err) == -1)
		abort(); /* an encoded record must decode */
	assert(strcmp(r2.type, r->type) == 0 && r2.n == r->n);
	for (size_t i = 0; i < r->n; i++) {
		assert(strcmp(r2.key[i], r->key[i]) == 0);
		assert(val_len(&r2, i) == val_len(r, i));
		assert(memcmp(r2.val[i], r->val[i], val_len(r, i)) == 0);
	}
	record_free(&r2);
	buf_free(&b);
}

/* Decode line as a record into *r; true if it did. */
static bool
fuzz_record(const char *line, size_t len, struct record *r)
{
	const char *err;

	if (proto_decode_record(line, len, r, &err) == -1) {
		assert(err != NULL && r->f.v == NULL);
		return false;
	}
	assert(r->type != NULL);
	for (size_t i = 0; i < r->n; i++) {
		assert(record_get(r, r->key[i]) != NULL);
		(void)record_int(r, r->key[i], 0);
	}
	check_record_again(r);
	return true;
}

/* Any bytes, escaped, are one field that unescapes to them. */
static void
fuzz_escape(const char *data, size_t len)
{
	struct fields f;
	const char *err;
	struct buf b;

	buf_init(&b);
	proto_escape(&b, data, len);
	assert(!b.failed && b.len >= 1);
	assert(memchr(b.p, ' ', b.len) == NULL);
	assert(memchr(b.p, '\n', b.len) == NULL);
	if (proto_split(b.p, b.len, &f, &err) == -1)
		abort(); /* an escaped field must split */
	assert(f.n == 1 && f.len[0] == len);
	assert(memcmp(f.v[0], data, len) == 0);
	fields_free(&f);
	buf_free(&b);
}

static void
render_all(FILE *out, const struct record *v, size_t n)
{
	for (int k = 0; k < 4; k++) {
		struct render_opts o = {.json = k & 1, .color = k & 2};

		render_status(out, v, n, &o);
		render_tree(out, v, n, &o);
		(void)render_health(out, v, n, &o);
		for (size_t i = 0; i < n; i++)
			render_event(out, &v[i], &o);
	}
}

/* One line, in a buffer of its own (so that ASan sees a read past it). */
static void
fuzz_line(const char *p, size_t len, struct record *recs, size_t *n)
{
	char *line = malloc(len > 0 ? len : 1);

	if (line == NULL)
		return;
	memcpy(line, p, len);
	fuzz_request(line, len);
	fuzz_header(line, len);
	if (*n < MAX_RECORDS && fuzz_record(line, len, &recs[*n]))
		++*n;
	(void)proto_is_end(line, len);
	free(line);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *out;
	struct record recs[MAX_RECORDS];
	const char *text = (const char *)data;
	size_t n = 0, start = 0;

	if (out == NULL)
		out = fopen("/dev/null", "we");
	assert(out != NULL);
	fuzz_escape(text, size);
	/* lines as tend and tendctl cut them: at '\n', which is not kept */
	for (size_t i = 0; i <= size; i++) {
		if (i < size && text[i] != '\n')
			continue;
		if (i == size && i == start && size > 0)
			break; /* nothing after the last newline */
		fuzz_line(text + start, i - start, recs, &n);
		start = i + 1;
	}
	render_all(out, recs, n);
	for (size_t i = 0; i < n; i++)
		record_free(&recs[i]);
	return 0;
}
