/*
 * test_abuse.c: clients that misbehave, on the real tend's socket (SPEC 6
 * and 11): garbage, too much, too little or nothing; two hundred idle
 * ones; one tend has no descriptor for; a subscriber that never reads.
 * After each, tend answers on: a bad client is dropped, never fatal.
 */
#include <sys/wait.h>

#include <check.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctltest.h"

/* out of descriptors: programs, tend's open-files limit, idle clients */
#define NPROGS_FULL 60
#define NOFILE_FULL 50
#define RAW_FULL 8

/* ============================================================ raw clients */

/* Send request on a fresh connection: tend's whole reply (it closes). */
static char *
exchange(struct th *t, const void *request, size_t len)
{
	int fd = ct_raw_connect(t);
	bool eof;
	char *reply;

	(void)ct_raw_send(fd, request, len, DEADLINE_MS);
	reply = th_drain(fd, th_now_ms() + DEADLINE_MS, &eof, NULL);
	ck_assert_msg(eof, "tend did not close after replying: %s", reply);
	close(fd);
	return reply;
}

START_TEST(malformed_requests_get_an_error_and_tend_answers_on)
{
	static const struct {
		const char *what;
		const char *bytes;
		size_t len;
	} bad[] = {
#define B(what, s) {what, s, sizeof(s) - 1}
	    B("garbage", "\x01\xff\xfe garbage \x7f\x80\r\n"),
	    B("a NUL", "TEND/1 sta\0tus\n"),
	    B("an escaped NUL", "TEND/1 sta\\x00tus\n"),
	    B("a future version", "TEND/9 status\n"),
	    B("an empty line", "\n"),
	    B("no command", "TEND/1\n"),
	    B("a bad escape", "TEND/1 status \\q\n"),
	    B("an empty field", "TEND/1 status  a\n"),
	    B("an unknown verb", "TEND/1 frobnicate\n"),
	    B("HTTP", "GET / HTTP/1.1\r\nHost: tend\r\n\r\n"),
#undef B
	};
	struct th *t = th_start("[program:a]\n"
	                        "command = {S:a}\n");
	struct th_run a = th_up(t, "a", 1);
	const struct th_run *keep[2] = {&a, NULL};
	unsigned char noise[4096];
	unsigned x = 12345;
	size_t i;
	char *reply;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		reply = exchange(t, bad[i].bytes, bad[i].len);
		ck_assert_msg(ct_is_err_reply(reply, 2), "%s: reply \"%s\"",
		    bad[i].what, reply);
		free(reply);
	}
	/* noise, then a newline */
	for (i = 0; i < sizeof(noise); i++) {
		x = x * 1103515245 + 12345;
		noise[i] = (unsigned char)(x >> 16);
	}
	noise[sizeof(noise) - 1] = '\n';
	reply = exchange(t, noise, sizeof(noise));
	ck_assert_msg(
	    strncmp(reply, "TEND/1 ERR ", 11) == 0, "noise: \"%s\"", reply);
	free(reply);
	th_hold(t, th_all_alive, keep, HOLD_MS, "a running");
	ct_answers_promptly(t);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(an_oversized_request_is_refused_and_tend_answers_on)
{
	struct th *t = th_start("[program:a]\n"
	                        "command = {S:a}\n");
	size_t big = 1024 * 1024;
	char *junk = malloc(big), *reply;
	bool eof;
	int fd;

	ck_assert_ptr_nonnull(junk);
	(void)th_up(t, "a", 1);
	/* 1 MiB without a newline */
	memset(junk, 'x', big);
	memcpy(junk, "TEND/1 status ", 14);
	fd = ct_raw_connect(t);
	(void)ct_raw_send(fd, junk, big, DEADLINE_MS);
	reply = th_drain(fd, th_now_ms() + DEADLINE_MS, &eof, NULL);
	ck_assert_msg(eof, "tend kept the connection open");
	ck_assert_msg(ct_is_err_reply(reply, 2), "reply \"%s\"", reply);
	ct_has(reply, "too\\slong", "the reply");
	free(reply);
	close(fd);
	/* a line just over 64 KiB, with its newline */
	junk[64 * 1024 + 1] = '\n';
	reply = exchange(t, junk, 64 * 1024 + 2);
	ck_assert_msg(ct_is_err_reply(reply, 2), "reply \"%.200s\"", reply);
	free(reply);
	free(junk);
	ct_answers_promptly(t);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(a_client_that_does_not_finish_its_request_is_dropped_after_5s)
{
	struct th *t = th_start("[program:a]\n"
	                        "command = {S:a}\n");
	int silent, half, i;
	struct pollfd pfd[2];
	char *reply[2];
	bool eof[2];
	long long began;

	(void)th_up(t, "a", 1);
	began = th_now_ms();
	silent = ct_raw_connect(t);
	half = ct_raw_connect(t);
	ck_assert_uint_eq(ct_raw_send(half, "TEND/1 sta", 10, DEADLINE_MS), 10);
	/* not dropped at once; meanwhile tend serves others */
	ct_answers_promptly(t);
	pfd[0] = (struct pollfd){silent, POLLIN, 0};
	pfd[1] = (struct pollfd){half, POLLIN, 0};
	if (th_now_ms() - began < 1000)
		ck_assert_int_eq(
		    poll(pfd, 2, 1000 - (int)(th_now_ms() - began)), 0);
	/* then told and dropped, around 5 s after connecting */
	reply[0] = th_drain(silent, began + 8000, &eof[0], NULL);
	reply[1] = th_drain(half, began + 8000, &eof[1], NULL);
	for (i = 0; i < 2; i++) {
		ck_assert_msg(eof[i], "client %d still connected after 8 s", i);
		ck_assert_msg(
		    ct_is_err_reply(reply[i], 2), "reply \"%s\"", reply[i]);
		free(reply[i]);
	}
	close(silent);
	close(half);
	ct_answers_promptly(t);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(two_hundred_idle_clients_do_not_stop_tend)
{
	struct th *t = th_start("[program:a]\n"
	                        "command = {S:a}\n");
	struct th_run a = th_up(t, "a", 1);
	const struct th_run *keep[2] = {&a, NULL};
	int fds[200], i, turned = 0;
	char *reply;
	bool eof;

	for (i = 0; i < 200; i++)
		fds[i] = ct_raw_connect(t);
	/* 128 at once: the others are told so (tendctl's exit 4, tend
	 * cannot be reached) and closed */
	for (i = 128; i < 200; i++) {
		reply = th_drain(fds[i], th_now_ms() + 3000, &eof, NULL);
		turned += eof && ct_is_err_reply(reply, 4);
		free(reply);
	}
	ck_assert_int_eq(turned, 72);
	th_hold(t, th_all_alive, keep, HOLD_MS, "tend and a running");
	for (i = 0; i < 200; i++)
		close(fds[i]);
	th_wait(t, ct_status_works, NULL, DEADLINE_MS, "status answering");
	ct_answers_promptly(t);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

/*
 * tend out of descriptors (more programs than its open-files limit fits)
 * cannot accept a client: the client is told so (exit 4) at once rather
 * than left waiting, tend says so once and does not spin on the socket,
 * and once descriptors are free again clients are served.
 */
START_TEST(a_client_tend_has_no_descriptor_for_is_told_so_with_exit_4)
{
	char conf[NPROGS_FULL * 64], *p = conf, *out = NULL, *err;
	int fds[RAW_FULL], i;
	struct th *t;

	for (i = 0; i < NPROGS_FULL; i++)
		p += sprintf(p, "[program:p%d]\ncommand = {S:p%d}\n", i, i);
	t = th_new(conf);
	th_set_nofile(t, NOFILE_FULL);
	th_launch(t);
	th_wait_file(t, "tend.err", "retries such starts", DEADLINE_MS);
	/* these take what descriptors tend has left (they send nothing:
	 * tend holds them for its request timeout, 5 s) */
	for (i = 0; i < RAW_FULL; i++)
		fds[i] = ct_raw_connect(t);
	ck_assert_int_eq(th_ctl(t, &out, "status"), 4);
	ck_assert_msg(strstr(out, "out of file descriptors") != NULL,
	    "tendctl said: %s", out);
	free(out);
	for (i = 0; i < RAW_FULL; i++)
		close(fds[i]);
	th_wait(t, ct_status_works, NULL, DEADLINE_MS, "status answering");
	err = th_stderr(t);
	ck_assert_int_eq(th_occurrences(err, "out of file descriptors"), 1);
	ck_assert_msg(strstr(err, "accepting clients again") != NULL,
	    "tend's log: %s", err);
	free(err);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(an_events_subscriber_that_never_reads_is_dropped_with_bounded_memory)
{
	/*
	 * Four programs restart as fast as they can under a deep tree of
	 * long names (long event lines) until D/calm exists; a raw client
	 * asks for events and never reads. tend must drop it, holding a
	 * bounded amount for it meanwhile.
	 */
	char conf[8192], name[8][64];
	size_t len = 0, got = 0;
	long rss0, rss, rss_max;
	char *calm, *reply;
	struct th *t;
	bool eof;
	int i, fd;

	for (i = 0; i < 8; i++)
		snprintf(name[i], sizeof(name[i]),
		    "level%d-abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuv",
		    i);
	len += (size_t)snprintf(conf + len, sizeof(conf) - len,
	    "[supervisor:root]\nchildren = %s\n", name[0]);
	for (i = 0; i < 8; i++)
		len += (size_t)snprintf(conf + len, sizeof(conf) - len,
		    "[supervisor:%s]\nintensity = infinity\nchildren = %s\n",
		    name[i], i < 7 ? name[i + 1] : "p1 p2 p3 p4");
	for (i = 1; i <= 4; i++)
		len += (size_t)snprintf(conf + len, sizeof(conf) - len,
		    "[program:p%d]\n"
		    "command = sh -c 'test -e {D}/calm && echo $$ "
		    ">>{D}/p%d.pids "
		    "&& exec sleep 100000;exit 0'\n",
		    i, i);
	ck_assert_uint_lt(len, sizeof(conf) - 1);
	t = th_new(conf);
	/* ASan's quarantine would hide what tend itself holds */
	th_setenv(t, "ASAN_OPTIONS=abort_on_error=1:detect_leaks=1:"
	             "quarantine_size_mb=0:thread_local_quarantine_size_kb=0");
	th_launch(t);
	th_wait_file(
	    t, "tend.err", "p4: exited with status 0; restarting", DEADLINE_MS);
	rss0 = th_rss_kib(th_tend_pid(t));
	ck_assert_int_gt(rss0, 0);
	fd = ct_raw_connect(t);
	ck_assert_uint_eq(
	    ct_raw_send(fd, "TEND/1 events\n", 14, DEADLINE_MS), 14);
	rss_max = rss0;
	{
		long long deadline = th_now_ms() + 20000;

		while (
		    !th_file_has(t, "tend.err", "dropping a events client") &&
		    !th_file_has(t, "tend.err", "dropping an events client")) {
			ck_assert_msg(th_now_ms() < deadline && !th_exited(t),
			    "tend did not drop the client (RSS %ld KiB, "
			    "from %ld)",
			    rss_max, rss0);
			rss = th_rss_kib(th_tend_pid(t));
			rss_max = rss > rss_max ? rss : rss_max;
			(void)poll(NULL, 0, 10);
		}
	}
	/* what the client was sent: bounded, then the end */
	reply = th_drain(fd, th_now_ms() + DEADLINE_MS, &eof, &got);
	ck_assert_msg(eof, "the dropped client is still connected");
	ck_assert_msg(
	    strncmp(reply, "TEND/1 OK\n", 10) == 0, "reply %.100s", reply);
	ck_assert_msg(got < 4 * 1024 * 1024, "tend sent %zu bytes", got);
	free(reply);
	close(fd);
	ck_assert_msg(rss_max - rss0 < 8 * 1024,
	    "tend grew from %ld KiB to %ld KiB", rss0, rss_max);
	ct_answers_promptly(t);
	/* calm the loop down, so that the test ends cleanly */
	calm = ct_path(t, "calm");
	fd = open(calm, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	ck_assert_int_ne(fd, -1);
	close(fd);
	free(calm);
	for (i = 1; i <= 4; i++) {
		char p[8];

		snprintf(p, sizeof(p), "p%d", i);
		(void)th_up(t, p, 1);
	}
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

static Suite *
abuse_suite(void)
{
	Suite *s = suite_create("integ_abuse");
	TCase *tc = tcase_create("abuse");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, NULL, th_stop_all);
	tcase_add_test(tc, malformed_requests_get_an_error_and_tend_answers_on);
	tcase_add_test(tc, an_oversized_request_is_refused_and_tend_answers_on);
	tcase_add_test(
	    tc, a_client_that_does_not_finish_its_request_is_dropped_after_5s);
	tcase_add_test(tc, two_hundred_idle_clients_do_not_stop_tend);
	tcase_add_test(tc,
	    an_events_subscriber_that_never_reads_is_dropped_with_bounded_memory);
	tcase_add_test(
	    tc, a_client_tend_has_no_descriptor_for_is_told_so_with_exit_4);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return th_main(abuse_suite());
}
