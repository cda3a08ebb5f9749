/*
 * proto.c: the control socket's wire format (see proto.h). Pure: no I/O;
 * allocation only for buffers and decoded fields, bounded by the input.
 */
#include "proto.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ buffers */

void
buf_init(struct buf *b)
{
	memset(b, 0, sizeof(*b));
}

void
buf_free(struct buf *b)
{
	free(b->p);
	buf_init(b);
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	b->failed = false;
}

bool
buf_reserve(struct buf *b, size_t more)
{
	size_t cap;
	char *p;

	if (b->len + more + 1 <= b->cap)
		return true;
	for (cap = b->cap ? b->cap : 256; cap < b->len + more + 1; cap *= 2)
		;
	p = realloc(b->p, cap);
	if (p == NULL) {
		b->failed = true;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

void
buf_add(struct buf *b, const void *data, size_t len)
{
	if (len == 0 || !buf_reserve(b, len))
		return;
	memcpy(b->p + b->len, data, len);
	b->len += len;
	b->p[b->len] = '\0';
}

void
buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void
buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	/* ap is started; clang-tidy 14 says otherwise only when one run checks
	 * several files (llvm-project#40656) */
	/* NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized) */
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n <= 0 || !buf_reserve(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void
buf_consume(struct buf *b, size_t n)
{
	if (n >= b->len) {
		b->len = 0;
		return;
	}
	memmove(b->p, b->p + n, b->len - n);
	b->len -= n;
	b->p[b->len] = '\0';
}

/* ----------------------------------------------------------- escaping */

void
proto_escape(struct buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, start = 0;

	if (len == 0) {
		buf_add(b, "\\e", 2);
		return;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[4];
		size_t elen = 2;

		if (c > ' ' && c != '\\' && c != 0x7f)
			continue;
		buf_add(b, s + start, i - start);
		start = i + 1;
		esc[0] = '\\';
		switch (c) {
		case '\\':
			esc[1] = '\\';
			break;
		case ' ':
			esc[1] = 's';
			break;
		case '\n':
			esc[1] = 'n';
			break;
		case '\r':
			esc[1] = 'r';
			break;
		case '\t':
			esc[1] = 't';
			break;
		default:
			esc[1] = 'x';
			esc[2] = hex[c >> 4];
			esc[3] = hex[c & 15];
			elen = 4;
		}
		buf_add(b, esc, elen);
	}
	buf_add(b, s + start, len - start);
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
proto_unescape(const char *f, size_t flen, char *out, size_t *outlen)
{
	size_t i, o = 0;

	if (flen == 2 && f[0] == '\\' && f[1] == 'e') {
		out[0] = '\0';
		*outlen = 0;
		return 0;
	}
	for (i = 0; i < flen; i++) {
		if (f[i] != '\\') {
			out[o++] = f[i];
			continue;
		}
		if (++i == flen)
			return -1;
		switch (f[i]) {
		case '\\':
			out[o++] = '\\';
			break;
		case 's':
			out[o++] = ' ';
			break;
		case 'n':
			out[o++] = '\n';
			break;
		case 'r':
			out[o++] = '\r';
			break;
		case 't':
			out[o++] = '\t';
			break;
		case 'x':
			if (i + 2 >= flen)
				return -1;
			if (hexval(f[i + 1]) < 0 || hexval(f[i + 2]) < 0)
				return -1;
			out[o++] =
			    (char)(hexval(f[i + 1]) * 16 + hexval(f[i + 2]));
			i += 2;
			break;
		default:
			return -1;
		}
	}
	out[o] = '\0';
	*outlen = o;
	return 0;
}

/* ------------------------------------------------------------- fields */

void
fields_free(struct fields *f)
{
	free(f->v);
	free(f->len);
	free(f->store);
	memset(f, 0, sizeof(*f));
}

int
proto_split(const char *line, size_t len, struct fields *f, const char **err)
{
	size_t i, n = 1, start, at = 0;

	memset(f, 0, sizeof(*f));
	if (len == 0) {
		*err = "empty line";
		return -1;
	}
	for (i = 0; i < len; i++)
		n += line[i] == ' ';
	if (n > PROTO_MAX_FIELDS) {
		*err = "too many fields";
		return -1;
	}
	f->v = calloc(n, sizeof(*f->v));
	f->len = calloc(n, sizeof(*f->len));
	f->store = malloc(len + n);
	if (f->v == NULL || f->len == NULL || f->store == NULL) {
		fields_free(f);
		*err = "out of memory";
		return -1;
	}
	for (start = 0, i = 0; i <= len; i++) {
		if (i < len && line[i] != ' ')
			continue;
		if (i == start || proto_unescape(line + start, i - start,
		                      f->store + at, &f->len[f->n]) == -1) {
			fields_free(f);
			*err = i == start ? "empty field" : "bad escape";
			return -1;
		}
		f->v[f->n++] = f->store + at;
		at += f->len[f->n - 1] + 1;
		start = i + 1;
	}
	return 0;
}

/* ----------------------------------------------------------- requests */

void
request_free(struct request *r)
{
	fields_free(&r->f);
	free(r->opt_key);
	free(r->opt_val);
	memset(r, 0, sizeof(*r));
}

static bool
has_nul(const struct fields *f, size_t i)
{
	return strlen(f->v[i]) != f->len[i];
}

int
proto_decode_request(
    const char *line, size_t len, struct request *r, const char **err)
{
	size_t i;

	memset(r, 0, sizeof(*r));
	if (len > PROTO_MAX_REQUEST) {
		*err = "request too long";
		return -1;
	}
	if (proto_split(line, len, &r->f, err) == -1)
		return -1;
	if (strncmp(r->f.v[0], "TEND/", 5) != 0) {
		*err = "not a tend request";
		goto fail;
	}
	if (strcmp(r->f.v[0], PROTO_MAGIC) != 0) {
		*err = "unsupported protocol version";
		goto fail;
	}
	if (r->f.n < 2 || r->f.len[1] == 0) {
		*err = "no command";
		goto fail;
	}
	for (i = 1; i < r->f.n; i++)
		if (has_nul(&r->f, i)) {
			*err = "NUL byte in a field";
			goto fail;
		}
	r->verb = r->f.v[1];
	r->opt_key = calloc(r->f.n, sizeof(*r->opt_key));
	r->opt_val = calloc(r->f.n, sizeof(*r->opt_val));
	if (r->opt_key == NULL || r->opt_val == NULL) {
		*err = "out of memory";
		goto fail;
	}
	for (i = 2; i < r->f.n; i++) {
		char *eq = strchr(r->f.v[i], '=');

		if (eq == NULL || eq == r->f.v[i])
			break;
		*eq = '\0';
		r->opt_key[r->nopts] = r->f.v[i];
		r->opt_val[r->nopts++] = eq + 1;
	}
	r->args = r->f.v + i;
	r->nargs = r->f.n - i;
	return 0;
fail:
	request_free(r);
	return -1;
}

const char *
request_opt(const struct request *r, const char *key)
{
	size_t i;

	for (i = 0; i < r->nopts; i++)
		if (strcmp(r->opt_key[i], key) == 0)
			return r->opt_val[i];
	return NULL;
}

void
proto_encode_request(struct buf *b, const char *verb, const char *const *opts,
    size_t nopts, char *const *args, size_t nargs)
{
	size_t i;

	buf_adds(b, PROTO_MAGIC " ");
	proto_escape(b, verb, strlen(verb));
	for (i = 0; i < nopts; i++) {
		buf_add(b, " ", 1);
		proto_escape(b, opts[i], strlen(opts[i]));
	}
	for (i = 0; i < nargs; i++) {
		buf_add(b, " ", 1);
		proto_escape(b, args[i], strlen(args[i]));
	}
	buf_add(b, "\n", 1);
}

/* ------------------------------------------------------------ replies */

void
proto_reply_ok(struct buf *b)
{
	buf_adds(b, PROTO_MAGIC " OK\n");
}

void
proto_reply_err(struct buf *b, int code, const char *msg)
{
	buf_addf(b, PROTO_MAGIC " ERR %d ", code);
	proto_escape(b, msg, strlen(msg));
	buf_add(b, "\n", 1);
}

void
proto_reply_end(struct buf *b)
{
	buf_add(b, ".\n", 2);
}

bool
proto_is_end(const char *line, size_t len)
{
	return len == 1 && line[0] == '.';
}

int
proto_decode_header(const char *line, size_t len, int *code, char **msg)
{
	struct fields f;
	const char *err;
	char *end;
	long c;
	int r = -1;

	*code = 0;
	*msg = NULL;
	if (proto_split(line, len, &f, &err) == -1)
		return -1;
	if (f.n < 2 || strcmp(f.v[0], PROTO_MAGIC) != 0)
		goto out;
	if (strcmp(f.v[1], "OK") == 0 && f.n == 2) {
		r = 0;
	} else if (strcmp(f.v[1], "ERR") == 0 && f.n == 4) {
		c = strtol(f.v[2], &end, 10);
		if (*end != '\0' || c < 1 || c > 125)
			goto out;
		*msg = strdup(f.v[3]);
		if (*msg == NULL)
			goto out;
		*code = (int)c;
		r = 1;
	}
out:
	fields_free(&f);
	return r;
}

/* ------------------------------------------------------------ records */

void
rec_begin(struct buf *b, const char *type)
{
	buf_adds(b, type);
}

void
rec_str(struct buf *b, const char *key, const char *val)
{
	buf_add(b, " ", 1);
	buf_adds(b, key);
	buf_add(b, "=", 1);
	if (*val != '\0') /* "key=" is not an empty field: no \e */
		proto_escape(b, val, strlen(val));
}

void
rec_strn(struct buf *b, const char *key, const char *val, size_t len)
{
	buf_add(b, " ", 1);
	buf_adds(b, key);
	buf_add(b, "=", 1);
	if (len > 0)
		proto_escape(b, val, len);
}

void
rec_int(struct buf *b, const char *key, int64_t val)
{
	buf_addf(b, " %s=%lld", key, (long long)val);
}

void
rec_end(struct buf *b)
{
	buf_add(b, "\n", 1);
}

void
record_free(struct record *r)
{
	fields_free(&r->f);
	free(r->key);
	free(r->val);
	memset(r, 0, sizeof(*r));
}

int
proto_decode_record(
    const char *line, size_t len, struct record *r, const char **err)
{
	size_t i;

	memset(r, 0, sizeof(*r));
	if (proto_split(line, len, &r->f, err) == -1)
		return -1;
	r->type = r->f.v[0];
	r->key = calloc(r->f.n, sizeof(*r->key));
	r->val = calloc(r->f.n, sizeof(*r->val));
	if (r->key == NULL || r->val == NULL) {
		*err = "out of memory";
		record_free(r);
		return -1;
	}
	for (i = 1; i < r->f.n; i++) {
		char *eq = strchr(r->f.v[i], '=');

		if (eq == NULL || eq == r->f.v[i]) {
			*err = "a record field is not KEY=VALUE";
			record_free(r);
			return -1;
		}
		*eq = '\0';
		r->key[r->n] = r->f.v[i];
		r->val[r->n++] = eq + 1;
	}
	return 0;
}

const char *
record_get(const struct record *r, const char *key)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (strcmp(r->key[i], key) == 0)
			return r->val[i];
	return NULL;
}

int64_t
record_int(const struct record *r, const char *key, int64_t def)
{
	const char *v = record_get(r, key);
	char *end;
	long long n;

	if (v == NULL || *v == '\0')
		return def;
	n = strtoll(v, &end, 10);
	return *end == '\0' ? (int64_t)n : def;
}

/* --------------------------------------------------------- socket path */

char *
proto_socket_path(char *buf, size_t size, const char *env_socket,
    const char *xdg_runtime_dir, unsigned uid, bool *fallback)
{
	int n;

	*fallback = false;
	if (env_socket != NULL && *env_socket != '\0')
		n = snprintf(buf, size, "%s", env_socket);
	else if (uid == 0)
		n = snprintf(buf, size, "/run/tend.sock");
	else if (xdg_runtime_dir != NULL && *xdg_runtime_dir == '/')
		n = snprintf(buf, size, "%s/tend.sock", xdg_runtime_dir);
	else {
		n = snprintf(buf, size, "/tmp/tend-%u/tend.sock", uid);
		*fallback = true;
	}
	return n > 0 && (size_t)n < size ? buf : NULL;
}
