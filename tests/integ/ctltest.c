/*
 * ctltest.c: what the tests of tendctl and the control socket share (see
 * ctltest.h).
 */
#include "ctltest.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <check.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ------------------------------------------------------------ helpers */

void
ct_has(const char *s, const char *needle, const char *what)
{
	ck_assert_msg(
	    strstr(s, needle) != NULL, "%s lacks \"%s\":\n%s", what, needle, s);
}

void
ct_lacks(const char *s, const char *needle, const char *what)
{
	ck_assert_msg(
	    strstr(s, needle) == NULL, "%s has \"%s\":\n%s", what, needle, s);
}

char *
ct_path(struct th *t, const char *file)
{
	char *p;

	ck_assert_int_gt(asprintf(&p, "%s/%s", th_dir(t), file), 0);
	return p;
}

char *
ct_ctl(struct th *t, int want, const char *fmt, ...)
{
	char words[8192], *out;
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(words, sizeof(words), fmt, ap);
	va_end(ap);
	st = th_ctl(t, &out, "%s", words);
	ck_assert_msg(st == want, "tendctl %s: exit %d, not %d; it said:\n%s",
	    words, st, want, out);
	return out;
}

bool
ct_status_works(struct th *t, const void *arg)
{
	char *out;
	int st = th_ctl(t, &out, "status");

	(void)arg;
	free(out);
	return st == 0;
}

void
ct_answering(struct th *t)
{
	th_wait(t, ct_status_works, NULL, DEADLINE_MS, "tend answering");
}

void
ct_answers_promptly(struct th *t)
{
	const struct th_how h = {.ms = PROMPT_MS};
	char *out;
	int st = th_ctl_how(t, &h, &out, "status");

	ck_assert_msg(st == 0, "tendctl status: exit %d:\n%s", st, out);
	ct_has(out, "NAME", "status");
	free(out);
	ck_assert_msg(!th_exited(t), "tend has exited");
}

char *
ct_py(struct th *t, const char *doc, const char *script)
{
	char *in = ct_path(t, "py.in"), *out;
	const struct th_how h = {.input = in};
	/* Debian's own, not a wrapper found first in PATH (pyenv's shim
	 * takes 0.3 s a run) */
	const char *argv[] = {access("/usr/bin/python3", X_OK) == 0
	                          ? "/usr/bin/python3"
	                          : "python3",
	    "-c", script, NULL};
	FILE *f = fopen(in, "we");
	int st;

	ck_assert_ptr_nonnull(f);
	fputs(doc, f);
	ck_assert_int_eq(fclose(f), 0);
	st = th_run(t, &h, argv, &out);
	ck_assert_msg(st == 0, "python3 failed (exit %d) on:\n%s\nit said:\n%s",
	    st, doc, out);
	free(in);
	return out;
}

char *
ct_ctl_py(struct th *t, int want, const char *args, const char *script)
{
	char *out = ct_ctl(t, want, "%s", args), *got = ct_py(t, out, script);

	free(out);
	return got;
}

/* ------------------------------------------------------------- status */

/*
 * Parse status output: the header must be the six columns, every row six
 * tokens separated by spaces, and no tab anywhere. Rows into rows (at
 * most max); how many there are.
 */
int
ct_parse_status(const char *out, struct ct_row *rows, int max)
{
	static const char *const head[CT_COLS] = {
	    "NAME", "STATE", "PID", "UPTIME", "RESTARTS", "LAST-EXIT"};
	char *copy = strdup(out), *line, *next, *save, *w;
	int n = -1, k;

	ck_assert_ptr_nonnull(copy);
	ck_assert_msg(strchr(out, '\t') == NULL, "a tab in:\n%s", out);
	for (line = copy; *line != '\0'; line = next) {
		struct ct_row r;

		next = strchr(line, '\n');
		ck_assert_msg(next != NULL, "an unfinished line in:\n%s", out);
		*next++ = '\0';
		k = 0;
		for (w = strtok_r(line, " ", &save); w != NULL;
		     w = strtok_r(NULL, " ", &save)) {
			ck_assert_msg(k < CT_COLS,
			    "more than %d columns in:\n%s", CT_COLS, out);
			ck_assert_uint_lt(strlen(w), sizeof(r.f[k]));
			strcpy(r.f[k++], w);
		}
		ck_assert_msg(
		    k == CT_COLS, "a row of %d columns in:\n%s", k, out);
		if (n == -1) {
			for (k = 0; k < CT_COLS; k++)
				ck_assert_msg(strcmp(r.f[k], head[k]) == 0,
				    "header column %d is %s, not %s", k + 1,
				    r.f[k], head[k]);
		} else if (n < max) {
			rows[n] = r;
		}
		n++;
	}
	free(copy);
	ck_assert_msg(n >= 0, "no header in:\n%s", out);
	return n;
}

/* The status row of path (`status path`); fails if there is none. */
static struct ct_row
row_of(struct th *t, const char *path)
{
	struct ct_row rows[8];
	char *out = ct_ctl(t, 0, "status %s", path);
	int n = ct_parse_status(out, rows, 8), i;

	for (i = 0; i < n && i < 8; i++)
		if (strcmp(rows[i].f[0], path) == 0) {
			free(out);
			return rows[i];
		}
	ck_abort_msg("no row for %s in:\n%s", path, out);
	abort();
}

/* The row of path is exactly want: "NAME STATE PID UPTIME RESTARTS LAST";
 * a "*" in want matches any token. */
void
ct_assert_row(struct th *t, const char *path, const char *want)
{
	struct ct_row r = row_of(t, path), w;
	char *copy = strdup(want), *save, *tok;
	int k = 0;

	ck_assert_ptr_nonnull(copy);
	for (tok = strtok_r(copy, " ", &save); tok != NULL && k < CT_COLS;
	     tok = strtok_r(NULL, " ", &save))
		snprintf(w.f[k++], sizeof(w.f[0]), "%s", tok);
	free(copy);
	ck_assert_int_eq(k, CT_COLS);
	for (k = 0; k < CT_COLS; k++)
		ck_assert_msg(
		    strcmp(w.f[k], "*") == 0 || strcmp(w.f[k], r.f[k]) == 0,
		    "%s: column %d is \"%s\", not \"%s\" (want \"%s\")", path,
		    k + 1, r.f[k], w.f[k], want);
}

/* -------------------------------------------------------- raw clients */

static int
connect_to(const char *path)
{
	struct sockaddr_un sa;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ne(fd, -1);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	ck_assert_msg(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0,
	    "connect %s: %s", path, strerror(errno));
	return fd;
}

int
ct_raw_connect(struct th *t)
{
	char *sock = ct_path(t, "tend.sock");
	int fd = connect_to(sock);

	free(sock);
	return fd;
}

/* Send what can be sent of p within ms (tend may close first): how much
 * was sent. */
size_t
ct_raw_send(int fd, const void *p, size_t n, int ms)
{
	long long deadline = th_now_ms() + ms;
	struct pollfd pfd = {fd, POLLOUT, 0};
	size_t off = 0;
	ssize_t r;

	while (off < n && th_now_ms() < deadline) {
		r = send(fd, (const char *)p + off, n - off,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (r > 0) {
			off += (size_t)r;
			continue;
		}
		if (r == -1 && errno != EAGAIN && errno != EINTR)
			break; /* tend closed it */
		(void)poll(&pfd, 1, 50);
	}
	return off;
}

/* Whether a reply is "TEND/1 ERR CODE ..." */
bool
ct_is_err_reply(const char *reply, int code)
{
	char want[32];

	snprintf(want, sizeof(want), "TEND/1 ERR %d ", code);
	return strncmp(reply, want, strlen(want)) == 0;
}
