/*
 * test_proto.c: the control socket's wire format: escaping round-trips
 * any bytes, requests and records decode as encoded, and malformed,
 * truncated or oversized input is refused with a message, never a crash.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "unit.h"

static void
round_trip(const char *s, size_t len)
{
	struct buf b;
	char *out = malloc(4 * len + 8);
	size_t olen, i;

	buf_init(&b);
	proto_escape(&b, s, len);
	ck_assert(!b.failed);
	for (i = 0; i < b.len; i++) {
		ck_assert_msg(b.p[i] != ' ' && b.p[i] != '\n' && b.p[i] != '\r',
		    "an escaped field holds a framing byte");
		ck_assert_msg((unsigned char)b.p[i] >= 0x20, "a control byte");
	}
	ck_assert_int_eq(proto_unescape(b.p, b.len, out, &olen), 0);
	ck_assert_uint_eq(olen, len);
	ck_assert_mem_eq(out, s, len);
	free(out);
	buf_free(&b);
}

START_TEST(escaping_round_trips_every_byte)
{
	char all[256];
	int i;

	for (i = 0; i < 256; i++)
		all[i] = (char)i;
	round_trip(all, sizeof(all));
	round_trip("plain", 5);
	round_trip("", 0);
	round_trip("a b\nc\\d", 7);
	round_trip("é ü \xe2\x94\x9c", strlen("é ü \xe2\x94\x9c"));
}
END_TEST

START_TEST(an_empty_field_is_written_as_backslash_e)
{
	struct buf b;

	buf_init(&b);
	proto_escape(&b, "", 0);
	ck_assert_str_eq(b.p, "\\e");
	buf_free(&b);
}
END_TEST

START_TEST(bad_escapes_are_refused)
{
	char out[16];
	size_t len;

	ck_assert_int_eq(proto_unescape("a\\", 2, out, &len), -1);
	ck_assert_int_eq(proto_unescape("\\q", 2, out, &len), -1);
	ck_assert_int_eq(proto_unescape("\\x4", 3, out, &len), -1);
	ck_assert_int_eq(proto_unescape("\\xzz", 4, out, &len), -1);
	ck_assert_int_eq(proto_unescape("\\x41", 4, out, &len), 0);
	ck_assert_str_eq(out, "A");
}
END_TEST

START_TEST(a_request_decodes_as_encoded)
{
	struct buf b;
	struct request r;
	const char *err;
	const char *opts[] = {"timeout=5s", "wait=0"};
	char a0[] = "web", a1[] = "back/db", a2[] = "with space";
	char *args[] = {a0, a1, a2};

	buf_init(&b);
	proto_encode_request(&b, "stop", opts, 2, args, 3);
	ck_assert_str_eq(
	    b.p, "TEND/1 stop timeout=5s wait=0 web back/db with\\sspace\n");
	ck_assert_int_eq(proto_decode_request(b.p, b.len - 1, &r, &err), 0);
	ck_assert_str_eq(r.verb, "stop");
	ck_assert_uint_eq(r.nopts, 2);
	ck_assert_str_eq(request_opt(&r, "timeout"), "5s");
	ck_assert_str_eq(request_opt(&r, "wait"), "0");
	ck_assert_ptr_null(request_opt(&r, "other"));
	ck_assert_uint_eq(r.nargs, 3);
	ck_assert_str_eq(r.args[2], "with space");
	request_free(&r);
	buf_free(&b);
}
END_TEST

static const char *
refusal(const char *line, size_t len)
{
	struct request r;
	const char *err = NULL;

	ck_assert_int_eq(proto_decode_request(line, len, &r, &err), -1);
	ck_assert_ptr_nonnull(err);
	return err;
}

START_TEST(malformed_requests_are_refused_with_a_reason)
{
	ck_assert_str_eq(refusal("", 0), "empty line");
	ck_assert_str_eq(refusal("GET / HTTP/1.1", 14), "not a tend request");
	ck_assert_str_eq(
	    refusal("TEND/99 status", 14), "unsupported protocol version");
	ck_assert_str_eq(refusal("TEND/1", 6), "no command");
	ck_assert_str_eq(refusal("TEND/1  status", 14), "empty field");
	ck_assert_str_eq(refusal("TEND/1 status\\", 14), "bad escape");
	ck_assert_str_eq(
	    refusal("TEND/1 status a\\x00b", 20), "NUL byte in a field");
	ck_assert_str_eq(refusal("\0\0\0", 3), "not a tend request");
}
END_TEST

START_TEST(oversized_and_huge_field_counts_are_refused)
{
	size_t len = PROTO_MAX_REQUEST + 1, i;
	char *big = malloc(len);

	memcpy(big, "TEND/1 status ", 14);
	for (i = 14; i < len; i++)
		big[i] = 'x';
	ck_assert_str_eq(refusal(big, len), "request too long");
	for (i = 14; i < PROTO_MAX_REQUEST; i++)
		big[i] = (i % 2) ? ' ' : 'a';
	ck_assert_str_eq(refusal(big, PROTO_MAX_REQUEST), "too many fields");
	free(big);
}
END_TEST

/* A random line over the format's own bytes (space, backslash, escape
 * letters, '=', hex digits) and any other byte now and then. */
static size_t
random_line(char *line, size_t size)
{
	static const char alphabet[] = "   \\=snrtxe0fAz/";
	/* mostly short: a long line of random escapes is seldom valid */
	size_t len = (size_t)(rand() % (rand() % 4 == 0 ? (int)size : 48)), k;

	for (k = 0; k < len; k++)
		line[k] = rand() % 8 == 0
		              ? (char)rand()
		              : alphabet[rand() % (sizeof(alphabet) - 1)];
	if (rand() % 3 == 0 && len > 7)
		memcpy(line, "TEND/1 ", 7);
	return len;
}

/* A decoded request holds every field of its line: the magic, the verb,
 * its options (KEY=VALUE, KEY not empty) and then its arguments. */
static void
check_request(const struct request *r)
{
	size_t i;

	ck_assert_str_eq(r->f.v[0], PROTO_MAGIC);
	ck_assert_ptr_eq(r->verb, r->f.v[1]);
	ck_assert_uint_gt(strlen(r->verb), 0);
	ck_assert_uint_eq(2 + r->nopts + r->nargs, r->f.n);
	for (i = 0; i < r->nopts; i++) {
		ck_assert_uint_gt(strlen(r->opt_key[i]), 0);
		ck_assert_ptr_nonnull(request_opt(r, r->opt_key[i]));
	}
	ck_assert_ptr_eq(r->args, r->f.v + 2 + r->nopts);
}

/* A decoded record, its fields escaped again, decodes to the same type,
 * keys and values (values may hold any byte, NUL included). */
static void
check_record_again(const struct record *r)
{
	struct record r2;
	struct buf b;
	const char *err;
	size_t i;

	buf_init(&b);
	proto_escape(&b, r->type, r->f.len[0]);
	for (i = 0; i < r->n; i++) {
		size_t klen = strlen(r->key[i]);
		size_t vlen = r->f.len[i + 1] - klen - 1;

		buf_add(&b, " ", 1);
		proto_escape(&b, r->key[i], klen);
		buf_add(&b, "=", 1);
		if (vlen > 0) /* "key=" is not an empty field: no \e */
			proto_escape(&b, r->val[i], vlen);
	}
	ck_assert(!b.failed);
	ck_assert_int_eq(proto_decode_record(b.p, b.len, &r2, &err), 0);
	ck_assert_uint_eq(r2.f.len[0], r->f.len[0]);
	ck_assert_mem_eq(r2.type, r->type, r->f.len[0]);
	ck_assert_uint_eq(r2.n, r->n);
	for (i = 0; i < r->n; i++) {
		ck_assert_str_eq(r2.key[i], r->key[i]);
		ck_assert_uint_eq(r2.f.len[i + 1], r->f.len[i + 1]);
		ck_assert_mem_eq(r2.val[i], r->val[i],
		    r->f.len[i + 1] - strlen(r->key[i]) - 1);
	}
	record_free(&r2);
	buf_free(&b);
}

START_TEST(random_lines_are_refused_with_a_reason_or_decode_whole)
{
	char line[512];
	struct request r;
	struct record rec;
	const char *err;
	size_t len, requests = 0, records = 0;
	int i;

	srand(7);
	for (i = 0; i < 20000; i++) {
		len = random_line(line, sizeof(line));
		err = NULL;
		if (proto_decode_request(line, len, &r, &err) == 0) {
			check_request(&r);
			request_free(&r);
			requests++;
		} else {
			ck_assert_ptr_nonnull(err);
			ck_assert_uint_gt(strlen(err), 0);
		}
		err = NULL;
		if (proto_decode_record(line, len, &rec, &err) == 0) {
			check_record_again(&rec);
			record_free(&rec);
			records++;
		} else {
			ck_assert_ptr_nonnull(err);
			ck_assert_uint_gt(strlen(err), 0);
		}
	}
	/* the lines are not all refused: the checks above did run */
	ck_assert_uint_gt(requests, 100);
	ck_assert_uint_gt(records, 100);
}
END_TEST

START_TEST(a_record_decodes_as_encoded)
{
	struct buf b;
	struct record r;
	const char *err;

	buf_init(&b);
	rec_begin(&b, "prog");
	rec_str(&b, "path", "back/db");
	rec_int(&b, "pid", 4242);
	rec_str(&b, "last", "");
	rec_str(&b, "odd", "a=b c");
	rec_end(&b);
	ck_assert_int_eq(proto_decode_record(b.p, b.len - 1, &r, &err), 0);
	ck_assert_str_eq(r.type, "prog");
	ck_assert_str_eq(record_get(&r, "path"), "back/db");
	ck_assert_int_eq(record_int(&r, "pid", -1), 4242);
	ck_assert_str_eq(record_get(&r, "last"), "");
	ck_assert_str_eq(record_get(&r, "odd"), "a=b c");
	ck_assert_int_eq(record_int(&r, "missing", -7), -7);
	record_free(&r);
	buf_free(&b);
}
END_TEST

START_TEST(reply_headers_decode_ok_and_err)
{
	struct buf b;
	char *msg;
	int code;

	buf_init(&b);
	proto_reply_ok(&b);
	ck_assert_int_eq(proto_decode_header(b.p, b.len - 1, &code, &msg), 0);
	ck_assert_int_eq(code, 0);
	buf_reset(&b);
	proto_reply_err(&b, 3, "no such program: x y");
	ck_assert_int_eq(proto_decode_header(b.p, b.len - 1, &code, &msg), 1);
	ck_assert_int_eq(code, 3);
	ck_assert_str_eq(msg, "no such program: x y");
	free(msg);
	ck_assert_int_eq(
	    proto_decode_header("TEND/1 ERR x y", 14, &code, &msg), -1);
	ck_assert_int_eq(
	    proto_decode_header("TEND/1 MAYBE", 12, &code, &msg), -1);
	ck_assert_int_eq(
	    proto_decode_header("HTTP/1.1 200", 12, &code, &msg), -1);
	buf_free(&b);
}
END_TEST

START_TEST(socket_path_follows_the_rule_of_spec_5)
{
	char buf[128];
	bool fb;

	ck_assert_str_eq(proto_socket_path(buf, sizeof(buf), "/x/t.sock",
	                     "/run/user/5", 5, &fb),
	    "/x/t.sock");
	ck_assert(!fb);
	ck_assert_str_eq(
	    proto_socket_path(buf, sizeof(buf), NULL, "/run/u", 0, &fb),
	    "/run/tend.sock");
	ck_assert_str_eq(
	    proto_socket_path(buf, sizeof(buf), "", "/run/user/5", 5, &fb),
	    "/run/user/5/tend.sock");
	ck_assert_str_eq(
	    proto_socket_path(buf, sizeof(buf), NULL, NULL, 1000, &fb),
	    "/tmp/tend-1000/tend.sock");
	ck_assert(fb);
	ck_assert_ptr_null(
	    proto_socket_path(buf, 8, "/a/very/long/path", NULL, 0, &fb));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("proto");
	TCase *tc = tcase_create("wire");

	tcase_add_test(tc, escaping_round_trips_every_byte);
	tcase_add_test(tc, an_empty_field_is_written_as_backslash_e);
	tcase_add_test(tc, bad_escapes_are_refused);
	tcase_add_test(tc, a_request_decodes_as_encoded);
	tcase_add_test(tc, malformed_requests_are_refused_with_a_reason);
	tcase_add_test(tc, oversized_and_huge_field_counts_are_refused);
	tcase_add_test(
	    tc, random_lines_are_refused_with_a_reason_or_decode_whole);
	tcase_add_test(tc, a_record_decodes_as_encoded);
	tcase_add_test(tc, reply_headers_decode_ok_and_err);
	tcase_add_test(tc, socket_path_follows_the_rule_of_spec_5);
	suite_add_tcase(s, tc);
	return unit_main(s);
}
