/*
 * proto.h: the control socket's wire format (SPEC 6), shared by tend and
 * tendctl. Pure: encoding and decoding only, no I/O.
 *
 * Everything is lines of fields separated by one space. A field is
 * escaped so that nothing can break framing: a backslash, a space, a
 * control byte or DEL is written \\, \s, \n, \r, \t or \xHH; an empty
 * field is \e. Any other byte (UTF-8 included) is itself.
 *
 * Request, one line, at most PROTO_MAX_REQUEST bytes:
 *     TEND/1 VERB [KEY=VALUE...] [ARG...]
 * Fields holding '=' before any ARG are options (names never hold '=').
 *
 * Reply: a header line, then records, then a line holding only ".":
 *     TEND/1 OK
 *     TEND/1 ERR CODE MESSAGE   (CODE is tendctl's exit status)
 *     TYPE KEY=VALUE ...        (a record)
 *     .
 * A streaming reply (events) sends records until the client leaves.
 */
#ifndef TEND_PROTO_H
#define TEND_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROTO_VERSION 1
#define PROTO_MAGIC "TEND/1"
#define PROTO_MAX_REQUEST 65536 /* 64 KiB */
#define PROTO_MAX_FIELDS 8192
#define PROTO_MAX_LINE 262144 /* 256 KiB: a reply line, for the client */

/* A growable byte buffer. */
struct buf {
	char *p;
	size_t len, cap;
	bool failed; /* an append ran out of memory; len stays valid */
};

void buf_init(struct buf *b);
void buf_free(struct buf *b);
void buf_reset(struct buf *b);
/* Make room for more bytes (and a NUL) after len: true, or false on
 * ENOMEM (b->failed is set). */
bool buf_reserve(struct buf *b, size_t more);
void buf_add(struct buf *b, const void *data, size_t len);
void buf_adds(struct buf *b, const char *s);
void buf_addf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Drop the first n bytes. */
void buf_consume(struct buf *b, size_t n);

/* Append s (len bytes) escaped as one field. */
void proto_escape(struct buf *b, const char *s, size_t len);

/*
 * Unescape the field f (flen bytes, no spaces) into out (which has room
 * for flen + 1 bytes), NUL-terminated; *outlen its length. A \x00 byte is
 * kept (the length tells). 0, or -1 for a malformed escape.
 */
int proto_unescape(const char *f, size_t flen, char *out, size_t *outlen);

/* A decoded line: fields unescaped, pointing into storage it owns. */
struct fields {
	char **v;
	size_t *len;
	size_t n;
	char *store;
};

/*
 * Split one line (without its newline) into unescaped fields. 0, or -1
 * with *err a static message (empty line, bad escape, too many fields,
 * out of memory). fields_free frees.
 */
int proto_split(
    const char *line, size_t len, struct fields *f, const char **err);
void fields_free(struct fields *f);

struct request {
	struct fields f;
	const char *verb;
	size_t nopts;
	const char **opt_key; /* point into f */
	const char **opt_val;
	size_t nargs;
	char **args; /* point into f */
};

/*
 * Decode a request line (without its newline). 0, or -1 with *err a
 * static message ("not a tend request", "unsupported protocol version",
 * "request too long", ...). request_free frees.
 */
int proto_decode_request(
    const char *line, size_t len, struct request *r, const char **err);
void request_free(struct request *r);

/* The value of option key, or NULL. */
const char *request_opt(const struct request *r, const char *key);

/* Append a request line (with its newline). */
void proto_encode_request(struct buf *b, const char *verb,
    const char *const *opts, size_t nopts, char *const *args, size_t nargs);

/* Append a reply header line. */
void proto_reply_ok(struct buf *b);
void proto_reply_err(struct buf *b, int code, const char *msg);

/*
 * Decode a reply header. 0 for OK (*code 0), 1 for ERR (*code and
 * *msg, malloc'd), -1 if malformed.
 */
int proto_decode_header(const char *line, size_t len, int *code, char **msg);

/* Records: begin with the type, then add fields, then end the line. */
void rec_begin(struct buf *b, const char *type);
void rec_str(struct buf *b, const char *key, const char *val);
/* A value of len bytes, which may hold any byte (NUL included). */
void rec_strn(struct buf *b, const char *key, const char *val, size_t len);
void rec_int(struct buf *b, const char *key, int64_t val);
void rec_end(struct buf *b);
/* The end of a reply. */
void proto_reply_end(struct buf *b);

/* A decoded record: its type and its KEY=VALUE fields. */
struct record {
	struct fields f;
	const char *type;
	size_t n;
	const char **key;
	const char **val;
};

/* Decode a record line. 0, or -1 with *err. record_free frees. */
int proto_decode_record(
    const char *line, size_t len, struct record *r, const char **err);
void record_free(struct record *r);
/* A field's value, or NULL. */
const char *record_get(const struct record *r, const char *key);
/* A field's value as an integer, or def. */
int64_t record_int(const struct record *r, const char *key, int64_t def);

/* Whether line is the end-of-reply line ".". */
bool proto_is_end(const char *line, size_t len);

/*
 * The socket path by SPEC 5's rule, after -s and (for tend) [tend]
 * socket: $TEND_SOCKET (env_socket), else /run/tend.sock for root, else
 * $XDG_RUNTIME_DIR/tend.sock, else /tmp/tend-UID/tend.sock. Writes into
 * buf; returns buf, or NULL if it does not fit. *fallback tells whether
 * the /tmp/tend-UID directory was chosen (its owner must be checked).
 */
char *proto_socket_path(char *buf, size_t size, const char *env_socket,
    const char *xdg_runtime_dir, unsigned uid, bool *fallback);

#endif
