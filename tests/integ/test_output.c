/*
 * test_output.c: programs' output (SPEC 8; SPEC 11 "Names and output")
 * through the real tend and tendctl: capture and prefixing on tend's
 * stdout, the stdout and stderr keys, over-long lines, rotation, the ring
 * and `tendctl logs` (-n, -f, a supervisor), a crash's last lines,
 * SIGUSR1, a flood, a full log filesystem, and tend's own stdout not
 * being read.
 *
 * Each test waits on what the programs wrote reaching a file, a pipe or
 * tendctl (never a fixed sleep). The only timings asserted are the
 * generous ones of the issue: `tendctl status` answering within
 * PROMPT_MS during a flood. Programs that must write at a moment the test
 * chooses wait for a file ("go") that the test creates.
 */
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

/* for anything to happen (th_up waits as long): catches a stall */
#define DEADLINE_MS TH_DEADLINE_MS
#define HOLD_MS 500            /* how long "nothing else happens" is watched */
#define PROMPT_MS 2000         /* `tendctl status` during a flood */
#define FLOOD_MS 5000          /* how long the flood lasts */
#define RSS_MAX_KB (32 * 1024) /* tend's VmRSS during the flood */
#define LINE_MAX_OUT 8192      /* tend's bound on a line (tend(8): 8 KiB) */

#if defined(__SANITIZE_ADDRESS__)
#define TEND_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEND_ASAN 1
#endif
#endif

/* ------------------------------------------------------------ helpers */

static bool
exists(struct th *t, const char *file)
{
	char path[PATH_MAX];
	struct stat st;

	th_path(t, file, path, sizeof(path));
	return lstat(path, &st) == 0;
}

/* th_cond: D/arg exists. */
static bool
is_there(struct th *t, const void *arg)
{
	return exists(t, arg);
}

static long long
size_of(struct th *t, const char *file)
{
	char path[PATH_MAX];
	struct stat st;

	th_path(t, file, path, sizeof(path));
	return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

/* Wait until D/file holds want's last line (what is written last); then
 * D/file must be want, whole. */
static void
wait_file_is(struct th *t, const char *file, const char *want)
{
	const char *last = want + strlen(want);

	if (last > want)
		last--; /* want's final newline */
	while (last > want && last[-1] != '\n')
		last--;
	th_wait_file(t, file, last, DEADLINE_MS);
	th_assert_file(t, file, want);
}

/* Create D/file (the "go" of a waiting program). */
static void
touch(struct th *t, const char *file)
{
	char path[PATH_MAX];
	int fd;

	th_path(t, file, path, sizeof(path));
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	ck_assert_msg(fd != -1, "%s: %s", path, strerror(errno));
	close(fd);
}

/* What pid's fd refers to (readlink of /proc/PID/fd/FD). */
static void
fd_target(pid_t pid, int fd, char *buf, size_t size)
{
	char path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)pid, fd);
	n = readlink(path, buf, size - 1);
	ck_assert_msg(n > 0, "%s: %s", path, strerror(errno));
	buf[n] = '\0';
}

/* `tendctl ARGS` must exit 0; its output (freed by the caller). */
static char *
ctl_ok(struct th *t, const char *args)
{
	char *out;
	int rc = th_ctl(t, &out, "%s", args);

	ck_assert_msg(rc == 0, "tendctl %s exited %d: %s", args, rc, out);
	return out;
}

/* `tendctl status` answers with NAME's line, within PROMPT_MS. */
static void
assert_status_prompt(struct th *t, const char *name)
{
	long long t0 = th_now_ms(), took;
	char *out;
	int rc;

	rc = th_ctl(t, &out, "status");
	took = th_now_ms() - t0;
	ck_assert_msg(rc == 0, "tendctl status exited %d: %s", rc, out);
	ck_assert_msg(
	    strstr(out, name) != NULL, "no %s in status: %s", name, out);
	ck_assert_msg(took <= PROMPT_MS,
	    "tendctl status took %lld ms (more than %d)", took, PROMPT_MS);
	free(out);
}

/* /proc/PID/io's wchar: bytes a process has written. */
static long long
wchar_of(pid_t pid)
{
	char path[64], line[256];
	long long n = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/io", (int)pid);
	f = fopen(path, "re");
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "wchar:", 6) == 0)
			n = strtoll(line + 6, NULL, 10);
	fclose(f);
	return n;
}

/* A growing string. */
struct text {
	char *p;
	size_t len, cap;
};

static void
text_add(struct text *x, const char *p, size_t len)
{
	if (x->cap - x->len < len + 1) {
		size_t cap = x->cap ? x->cap : 4096;

		while (cap - x->len < len + 1)
			cap *= 2;
		x->p = realloc(x->p, cap);
		ck_assert_ptr_nonnull(x->p);
		x->cap = cap;
	}
	memcpy(x->p + x->len, p, len);
	x->len += len;
	x->p[x->len] = '\0';
}

/* ------------------------------------------- processes of our own */

/* Wait up to ms for pid to exit; whether it did (then it is reaped). */
static bool
reap_within(pid_t pid, int *status, int ms)
{
	long long deadline = th_now_ms() + ms;
	pid_t r;

	for (;;) {
		r = waitpid(pid, status, WNOHANG);
		if (r == pid)
			return true;
		if (r == -1 && errno != EINTR)
			return false;
		if (th_now_ms() >= deadline)
			return false;
		(void)poll(NULL, 0, 10);
	}
}

/* tend, when its stdout must be a pipe: read with poll and a deadline
 * (a tendctl that goes on writing is a th_stream). */
struct reader {
	pid_t pid;
	int fd;
	struct text got;
};

/* Read what is there, waiting at most ms: false at end of file. */
static bool
reader_read(struct reader *r, int ms)
{
	struct pollfd pfd = {r->fd, POLLIN, 0};
	char buf[65536];
	ssize_t n;

	if (poll(&pfd, 1, ms) <= 0)
		return true;
	n = read(r->fd, buf, sizeof(buf));
	if (n == -1 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0)
		return false;
	text_add(&r->got, buf, (size_t)n);
	return true;
}

/* Read until text has come, at most deadline_ms: whether it came. */
static bool
reader_until(struct reader *r, const char *text, int deadline_ms)
{
	long long deadline = th_now_ms() + deadline_ms;

	while (r->got.p == NULL || strstr(r->got.p, text) == NULL) {
		long long left = deadline - th_now_ms();

		if (left <= 0 || !reader_read(r, (int)left))
			return r->got.p != NULL && strstr(r->got.p, text);
	}
	return true;
}

/*
 * A shell loop printing lines 1 to n with fmt, one write(2) a line (the
 * shell's printf is a builtin): whole lines however tend reads them.
 * (seq and other stdio writers write 4 KiB blocks that end mid-line,
 * even under stdbuf -oL.)
 */
#define WHOLE_LINES(n, fmt)                                                    \
	"i=0;while [ $i -lt " #n " ];do i=$((i+1));printf \"" fmt              \
	"\\n\" $i;done"

/* ----------------------------------------- without log_dir: tend.out */

START_TEST(lines_go_to_tends_stdout_as_name_bar_line)
{
	struct th *t = th_start(
	    "[program:a]\n"
	    "command = sh -c 'echo hello from a;echo \"  second, indented\";"
	    "echo $$ >>{D}/a.pids;exec sleep 100000'\n");

	(void)th_up(t, "a", 1);
	wait_file_is(
	    t, "tend.out", "a | hello from a\na |   second, indented\n");
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

/*
 * Each of two programs writes 20 lines of 6 KiB in 64-byte write()s
 * at the same time. A piece of program X is "X", the line number (2
 * digits), the piece number (3 digits) and X as filler: a line of
 * tend's stdout that holds another program's byte is a mix.
 */
#define X8(x) x x x x x x x x
#define PIECES_CMD(x)                                                          \
	"sh -c 'f=" X8(x) X8(x) X8(x) X8(x) X8(x) X8(x) X8(x) x x              \
	    ";"                                                                \
	    "until test -e {D}/go;do sleep 0.01;done;"                         \
	    "for l in $(seq 10 29);do for p in $(seq 100 195);"                \
	    "do printf " x "$l$p$f;done;echo;done;"                            \
	    "echo " x "-end;echo $$ >>{D}/" x ".pids;exec sleep 100000'\n"
#define PIECES_LINES 20
#define PIECES_LINE_LEN (96 * 64)

/* Line l (10 to 29) of program x, without its newline, into buf. */
static void
pieces_line(char x, int l, char *buf)
{
	char head[32];
	int p;

	for (p = 100; p <= 195; p++) {
		snprintf(head, sizeof(head), "%c%d%d", x, l, p);
		memcpy(buf, head, 6);
		memset(buf + 6, x, 58);
		buf += 64;
	}
}

START_TEST(two_programs_long_lines_in_small_writes_arrive_whole_and_unmixed)
{
	struct th *t =
	    th_start("[program:a]\n"
	             "command = " PIECES_CMD("a") "[program:b]\n"
	                                          "command = " PIECES_CMD("b"));
	static char want[PIECES_LINE_LEN];
	char *out, *line, *next;
	int i, nlines[2] = {0, 0};

	/* both are waiting for go: they write at the same time */
	th_wait_file(t, "tend.err", "a: started", DEADLINE_MS);
	th_wait_file(t, "tend.err", "b: started", DEADLINE_MS);
	touch(t, "go");
	th_wait_file(t, "tend.out", "a | a-end\n", DEADLINE_MS);
	th_wait_file(t, "tend.out", "b | b-end\n", DEADLINE_MS);
	out = th_contents(t, "tend.out");
	for (line = out; *line != '\0'; line = next + 1) {
		const char *text;
		char x;
		size_t len;

		next = strchr(line, '\n');
		ck_assert_msg(next != NULL, "tend.out ends mid-line");
		*next = '\0';
		x = line[0];
		ck_assert_msg(
		    (x == 'a' || x == 'b') && strncmp(line + 1, " | ", 3) == 0,
		    "a line of tend.out without a program's prefix: \"%.80s\"",
		    line);
		i = x == 'b';
		text = line + 4;
		if (strcmp(text, i ? "b-end" : "a-end") == 0)
			continue;
		len = strlen(text);
		ck_assert_msg(
		    strspn(text, i ? "b0123456789" : "a0123456789") == len,
		    "%c's line of tend.out holds another program's bytes: "
		    "\"%.100s\"",
		    x, text);
		/* whole: the next line it wrote, as it wrote it */
		ck_assert_msg(
		    nlines[i] < PIECES_LINES, "%c: too many lines", x);
		pieces_line(x, 10 + nlines[i], want);
		ck_assert_msg(
		    len == PIECES_LINE_LEN && memcmp(text, want, len) == 0,
		    "%c's line %d on tend.out is not the line it wrote "
		    "(%zu bytes, not %d): \"%.40s...\"",
		    x, nlines[i] + 1, len, PIECES_LINE_LEN, text);
		nlines[i]++;
	}
	ck_assert_int_eq(nlines[0], PIECES_LINES);
	ck_assert_int_eq(nlines[1], PIECES_LINES);
	free(out);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(a_partial_line_is_passed_on_without_its_newline)
{
	struct th *t = th_start("[program:p]\n"
	                        "command = sh -c 'printf \"prompt> \";"
	                        "echo $$ >>{D}/p.pids;exec sleep 100000'\n");

	(void)th_up(t, "p", 1);
	wait_file_is(t, "tend.out", "p | prompt> \n");
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

/*
 * A block-buffered writer (stdio into a pipe: seq, awk, python...)
 * writes 4 KiB blocks that end mid-line, and may pause between them:
 * here, 1000 lines of 11 bytes in a 4096-byte block (which ends 4 bytes
 * into line 373), a pause, then the rest. Each line must still reach
 * tend's stdout whole, once, as "x | line-NNNNN".
 */
START_TEST(a_line_cut_by_a_block_buffered_write_reaches_tends_stdout_whole)
{
	struct th *t =
	    th_start("[program:x]\n"
	             "command = sh -c 'seq -f line-%05g 1 1000 >{D}/lines;"
	             "head -c 4096 {D}/lines;sleep 0.2;tail -c +4097 {D}/lines;"
	             "echo $$ >>{D}/x.pids;exec sleep 100000'\n");
	struct text want = {0};
	char line[32];
	char *out;
	int i;

	for (i = 1; i <= 1000; i++) {
		snprintf(line, sizeof(line), "x | line-%05d\n", i);
		text_add(&want, line, strlen(line));
	}
	(void)th_up(t, "x", 1);
	th_wait_file(t, "tend.out", "line-01000\n", DEADLINE_MS);
	out = th_contents(t, "tend.out");
	ck_assert_msg(strcmp(out, want.p) == 0,
	    "tend.out does not hold 1000 whole lines; around the cut:\n%.120s",
	    strlen(out) > 4096 ? out + 372 * 15 - 30 : out);
	free(out);
	free(want.p);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(stdout_inherit_goes_to_tends_stdout_unprefixed)
{
	struct th *t = th_start("[program:i]\n"
	                        "stdout = inherit\n"
	                        "command = sh -c 'echo inherited line;"
	                        "echo $$ >>{D}/i.pids;exec sleep 100000'\n"
	                        "[program:c]\n"
	                        "command = sh -c 'echo captured line;"
	                        "echo $$ >>{D}/c.pids;exec sleep 100000'\n");
	char *out;

	(void)th_up(t, "i", 1);
	(void)th_up(t, "c", 1);
	th_wait_file(t, "tend.out", "c | captured line\n", DEADLINE_MS);
	th_wait_file(t, "tend.out", "inherited line\n", DEADLINE_MS);
	out = th_contents(t, "tend.out");
	ck_assert_msg(
	    strcmp(out, "inherited line\nc | captured line\n") == 0 ||
	        strcmp(out, "c | captured line\ninherited line\n") == 0,
	    "tend.out: \"%s\"", out);
	free(out);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

/* ------------------------------------------------- with log_dir */

START_TEST(with_log_dir_output_goes_to_name_log_and_not_to_tends_stdout)
{
	struct th *t = th_start("[tend]\n"
	                        "log_dir = {D}/logs\n"
	                        "[program:w]\n"
	                        "command = sh -c 'echo one;echo two;"
	                        "echo $$ >>{D}/w.pids;exec sleep 100000'\n");

	(void)th_up(t, "w", 1);
	wait_file_is(t, "logs/w.log", "one\ntwo\n");
	th_assert_file(t, "tend.out", "");
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(stderr_defaults_to_stdout_and_merges_in_order)
{
	struct th *t =
	    th_start("[tend]\n"
	             "log_dir = {D}/logs\n"
	             "[program:m]\n"
	             "command = sh -c 'echo o1;echo e1 >&2;echo o2;"
	             "echo e2 >&2;echo $$ >>{D}/m.pids;exec sleep 100000'\n");
	struct th_run m = th_up(t, "m", 1);
	char fd1[256], fd2[256];

	wait_file_is(t, "logs/m.log", "o1\ne1\no2\ne2\n");
	/* one pipe for both */
	fd_target(m.pid, 1, fd1, sizeof(fd1));
	fd_target(m.pid, 2, fd2, sizeof(fd2));
	ck_assert_msg(strncmp(fd1, "pipe:", 5) == 0, "fd 1 is %s", fd1);
	ck_assert_str_eq(fd1, fd2);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(stdout_null_sends_both_streams_to_dev_null)
{
	struct th *t =
	    th_start("[tend]\n"
	             "log_dir = {D}/logs\n"
	             "[program:n]\n"
	             "stdout = null\n"
	             "command = sh -c 'echo to-null;echo to-null >&2;"
	             "echo $$ >>{D}/n.pids;exec sleep 100000'\n");
	struct th_run n = th_up(t, "n", 1);
	char fd[256];

	fd_target(n.pid, 1, fd, sizeof(fd));
	ck_assert_str_eq(fd, "/dev/null");
	fd_target(n.pid, 2, fd, sizeof(fd));
	ck_assert_str_eq(fd, "/dev/null");
	ck_assert_msg(!exists(t, "logs/n.log"), "logs/n.log exists");
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(stdout_null_with_stderr_log_captures_only_stderr)
{
	struct th *t = th_start("[tend]\n"
	                        "log_dir = {D}/logs\n"
	                        "[program:n]\n"
	                        "stdout = null\n"
	                        "stderr = log\n"
	                        "command = sh -c 'echo to-null;echo to-log >&2;"
	                        "echo $$ >>{D}/n.pids;exec sleep 100000'\n");

	(void)th_up(t, "n", 1);
	wait_file_is(t, "logs/n.log", "to-log\n");
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(stderr_null_drops_stderr_and_keeps_stdout)
{
	struct th *t = th_start("[tend]\n"
	                        "log_dir = {D}/logs\n"
	                        "[program:e]\n"
	                        "stderr = null\n"
	                        "command = sh -c 'echo to-null >&2;echo to-log;"
	                        "echo $$ >>{D}/e.pids;exec sleep 100000'\n");
	struct th_run e = th_up(t, "e", 1);
	char fd[256];

	wait_file_is(t, "logs/e.log", "to-log\n");
	fd_target(e.pid, 2, fd, sizeof(fd));
	ck_assert_str_eq(fd, "/dev/null");
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(stdout_file_appends_and_keeps_the_old_content)
{
	struct th *t = th_new("[tend]\n"
	                      "log_dir = {D}/logs\n"
	                      "[program:f]\n"
	                      "stdout = file:{D}/f.out\n"
	                      "command = sh -c 'echo new-out;echo new-err >&2;"
	                      "echo $$ >>{D}/f.pids;exec sleep 100000'\n");
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/f.out", th_dir(t));
	f = fopen(path, "we");
	ck_assert_ptr_nonnull(f);
	fputs("old content\n", f);
	ck_assert_int_eq(fclose(f), 0);
	th_launch(t);
	(void)th_up(t, "f", 1);
	/* stderr follows stdout into the file */
	wait_file_is(t, "f.out", "old content\nnew-out\nnew-err\n");
	ck_assert_msg(!exists(t, "logs/f.log"), "logs/f.log exists");
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(stderr_log_with_stdout_to_a_file_captures_stderr_alone)
{
	struct th *t =
	    th_start("[tend]\n"
	             "log_dir = {D}/logs\n"
	             "[program:f]\n"
	             "stdout = file:{D}/f.out\n"
	             "stderr = log\n"
	             "command = sh -c 'echo new-out;echo new-err >&2;"
	             "echo $$ >>{D}/f.pids;exec sleep 100000'\n");

	(void)th_up(t, "f", 1);
	wait_file_is(t, "logs/f.log", "new-err\n");
	th_assert_file(t, "f.out", "new-out\n");
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(stdout_inherit_with_log_dir_goes_to_tends_stdout)
{
	struct th *t = th_start("[tend]\n"
	                        "log_dir = {D}/logs\n"
	                        "[program:i]\n"
	                        "stdout = inherit\n"
	                        "command = sh -c 'echo inherited;"
	                        "echo $$ >>{D}/i.pids;exec sleep 100000'\n");

	(void)th_up(t, "i", 1);
	wait_file_is(t, "tend.out", "inherited\n");
	ck_assert_msg(!exists(t, "logs/i.log"), "logs/i.log exists");
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

/* ------------------------------------------------- long lines */

/* seq 1 50000 joined, its first LONG_BYTES: no two 8 KiB cuts alike. */
#define LONG_BYTES 200000

static char *
long_expected(void)
{
	struct text x = {0};
	char num[16];
	int i, n;

	for (i = 1; x.len < LONG_BYTES; i++) {
		n = snprintf(num, sizeof(num), "%d", i);
		text_add(&x, num, (size_t)n);
	}
	x.p[LONG_BYTES] = '\0';
	return x.p;
}

START_TEST(an_over_long_line_is_cut_and_continued_with_every_byte_kept)
{
	struct th *t = th_start(
	    "[tend]\n"
	    "log_dir = {D}/logs\n"
	    "[program:long]\n"
	    "command = sh -c 'seq -s \"\" 1 50000 | head -c 200000 >{D}/long;"
	    "cat {D}/long;echo;echo after-long;echo $$ >>{D}/long.pids;"
	    "exec sleep 100000'\n");
	char *want = long_expected(), *log, *line, *next, *end;
	struct text got = {0};
	int pieces = 0;

	(void)th_up(t, "long", 1);
	th_wait_file(t, "logs/long.log", "\nafter-long\n", DEADLINE_MS);
	log = th_contents(t, "logs/long.log");
	end = strstr(log, "\nafter-long\n");
	ck_assert_ptr_nonnull(end);
	end[1] = '\0';
	for (line = log; *line != '\0'; line = next + 1) {
		next = strchr(line, '\n');
		ck_assert_msg((size_t)(next - line) <= LINE_MAX_OUT,
		    "a piece of %zu bytes, more than %d", (size_t)(next - line),
		    LINE_MAX_OUT);
		text_add(&got, line, (size_t)(next - line));
		pieces++;
	}
	ck_assert_int_ge(pieces, LONG_BYTES / LINE_MAX_OUT + 1);
	ck_assert_msg(
	    got.len == LONG_BYTES && memcmp(got.p, want, got.len) == 0,
	    "the pieces hold %zu bytes that are not the %d written", got.len,
	    LONG_BYTES);
	free(got.p);
	free(log);
	free(want);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

/* ------------------------------------------------- rotation */

/* Numbered lines "line-NNNNN", consecutive: the first's number; -1 if
 * they are not. Where they end is *last. */
static int
consecutive(const char *s, int *last)
{
	int first = -1, prev = -1, n;
	const char *p;

	for (p = s; *p != '\0'; p = strchr(p, '\n') + 1) {
		if (strncmp(p, "line-", 5) != 0 || strchr(p, '\n') == NULL ||
		    strchr(p, '\n') - p != 10)
			return -1;
		n = atoi(p + 5);
		if (prev != -1 && n != prev + 1)
			return -1;
		if (first == -1)
			first = n;
		prev = n;
	}
	*last = prev;
	return first;
}

START_TEST(rotation_keeps_log_keep_files_of_consecutive_lines)
{
	struct th *t = th_start(
	    "[tend]\n"
	    "log_dir = {D}/logs\n"
	    "log_max_size = 4K\n"
	    "log_keep = 2\n"
	    "[program:r]\n"
	    "command = sh -c '" WHOLE_LINES(
	        2000, "line-%05d") ";"
	                           "echo $$ >>{D}/r.pids;exec sleep 100000'\n");
	static const char *const files[] = {
	    "logs/r.log.2", "logs/r.log.1", "logs/r.log"};
	struct text all = {0};
	int i, first, last;
	long long size;
	char *s;

	(void)th_up(t, "r", 1);
	th_wait_file(t, "logs/r.log", "line-02000\n", DEADLINE_MS);
	ck_assert_msg(!exists(t, "logs/r.log.3"), "logs/r.log.3 exists");
	for (i = 0; i < 3; i++) {
		ck_assert_msg(exists(t, files[i]), "%s is missing", files[i]);
		size = size_of(t, files[i]);
		if (i < 2) /* rotated at the size, not before; one read more */
			ck_assert_msg(size >= 4096 && size <= 4096 + 65536,
			    "%s has %lld bytes", files[i], size);
		s = th_contents(t, files[i]);
		ck_assert_msg(consecutive(s, &last) != -1,
		    "%s does not hold consecutive whole lines", files[i]);
		text_add(&all, s, strlen(s));
		free(s);
	}
	first = consecutive(all.p, &last);
	ck_assert_msg(first != -1, "the kept files do not follow each other");
	ck_assert_int_gt(first, 1); /* older files were dropped */
	ck_assert_int_eq(last, 2000);
	free(all.p);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

/* ------------------------------------------------- the ring, logs */

START_TEST(logs_n_gives_the_last_lines_in_order)
{
	struct th *t = th_start("[program:x]\n"
	                        "command = sh -c 'seq -f line-%02g 1 20;"
	                        "echo $$ >>{D}/x.pids;exec sleep 100000'\n");
	char *out;

	(void)th_up(t, "x", 1);
	th_wait_file(t, "tend.out", "x | line-20\n", DEADLINE_MS);
	out = ctl_ok(t, "logs x -n 5");
	ck_assert_str_eq(out, "line-16\nline-17\nline-18\nline-19\nline-20\n");
	free(out);
	out = ctl_ok(t, "logs x"); /* 10 by default */
	ck_assert_str_eq(out, "line-11\nline-12\nline-13\nline-14\nline-15\n"
	                      "line-16\nline-17\nline-18\nline-19\nline-20\n");
	free(out);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(the_ring_holds_only_the_newest_whole_lines_that_fit_log_ring)
{
	/* 100 lines of 99 digits: the number, zero-padded */
	struct th *t =
	    th_start("[tend]\n"
	             "log_ring = 1K\n"
	             "[program:r]\n"
	             "command = sh -c '" WHOLE_LINES(100,
	                 "%099d") ";"
	                          "echo $$ >>{D}/r.pids;exec sleep 100000'\n");
	char *out, *line, *next, want[128];
	int n = 0, i, first;

	(void)th_up(t, "r", 1);
	snprintf(want, sizeof(want), "r | %099d\n", 100);
	th_wait_file(t, "tend.out", want, DEADLINE_MS);
	out = ctl_ok(t, "logs r -n 100");
	for (line = out; *line != '\0'; line = next + 1, n++) {
		next = strchr(line, '\n');
		ck_assert_ptr_nonnull(next);
	}
	ck_assert_msg(n >= 1 && n * 100 <= 1024,
	    "%d lines of 100 bytes from a ring of 1K:\n%.300s", n, out);
	first = 100 - n + 1;
	for (line = out, i = first; i <= 100; i++) {
		snprintf(want, sizeof(want), "%099d\n", i);
		ck_assert_msg(strncmp(line, want, 100) == 0,
		    "line %d of the ring is not %d: %.100s", i - first + 1, i,
		    line);
		line += 100;
	}
	free(out);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(logs_of_a_program_that_wrote_nothing_is_empty)
{
	struct th *t = th_start("[supervisor:back]\n"
	                        "children = quiet\n"
	                        "[program:quiet]\n"
	                        "command = {S:quiet}\n");
	char *out;

	(void)th_up(t, "quiet", 1);
	out = ctl_ok(t, "logs quiet");
	ck_assert_str_eq(out, "");
	free(out);
	out = ctl_ok(t, "logs back");
	ck_assert_str_eq(out, "");
	free(out);
	assert_status_prompt(t, "quiet");
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(logs_of_a_supervisor_shows_each_programs_lines_with_its_path)
{
	struct th *t = th_start("[supervisor:back]\n"
	                        "children = pa pb\n"
	                        "[program:pa]\n"
	                        "command = sh -c 'echo pa-1;echo pa-2;"
	                        "echo $$ >>{D}/pa.pids;exec sleep 100000'\n"
	                        "[program:pb]\n"
	                        "command = sh -c 'echo pb-1;echo pb-2;"
	                        "echo $$ >>{D}/pb.pids;exec sleep 100000'\n");
	char *out, *a1, *a2, *b1, *b2;

	(void)th_up(t, "pa", 1);
	(void)th_up(t, "pb", 1);
	th_wait_file(t, "tend.out", "pa | pa-2\n", DEADLINE_MS);
	th_wait_file(t, "tend.out", "pb | pb-2\n", DEADLINE_MS);
	out = ctl_ok(t, "logs back");
	a1 = strstr(out, "back/pa | pa-1\n");
	a2 = strstr(out, "back/pa | pa-2\n");
	b1 = strstr(out, "back/pb | pb-1\n");
	b2 = strstr(out, "back/pb | pb-2\n");
	ck_assert_msg(a1 != NULL && a2 != NULL && b1 != NULL && b2 != NULL &&
	                  a1 < a2 && b1 < b2 && strlen(out) == 4 * 15,
	    "logs back:\n%s", out);
	free(out);
	out = ctl_ok(t, "logs pa");
	ck_assert_str_eq(out, "pa-1\npa-2\n");
	free(out);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(logs_f_prints_the_ring_then_each_new_line_as_it_comes)
{
	struct th *t =
	    th_start("[program:x]\n"
	             "command = sh -c 'echo one;echo two;echo $$ >>{D}/x.pids;"
	             "until test -e {D}/go;do sleep 0.01;done;echo three;"
	             "until test -e {D}/go2;do sleep 0.01;done;echo four;"
	             "exec sleep 100000'\n");
	struct th_stream s;

	(void)th_up(t, "x", 1);
	th_wait_file(t, "tend.out", "x | two\n", DEADLINE_MS);
	th_stream_ctl(t, &s, "logs x -f");
	(void)th_stream_wait(&s, 0, "one\ntwo\n", DEADLINE_MS);
	touch(t, "go");
	(void)th_stream_wait(&s, 0, "three\n", DEADLINE_MS);
	touch(t, "go2");
	(void)th_stream_wait(&s, 0, "four\n", DEADLINE_MS);
	ck_assert_int_eq(th_stream_end(&s), 0); /* interrupted: exit 0 */
	ck_assert_str_eq(s.buf, "one\ntwo\nthree\nfour\n");
	free(s.buf);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

/* ------------------------------------------------- crashes, USR1 */

/* Remove tend's "--- tend: NAME started, pid N ---" lines from s. */
static void
cut_markers(char *s)
{
	char *line = s, *out = s, *nl;

	for (; *line != '\0'; line = nl) {
		nl = strchr(line, '\n');
		nl = nl != NULL ? nl + 1 : line + strlen(line);
		if (strncmp(line, "--- tend: ", 10) == 0)
			continue;
		memmove(out, line, (size_t)(nl - line));
		out += nl - line;
	}
	*out = '\0';
}

START_TEST(a_crashed_runs_last_lines_come_before_the_next_runs_first)
{
	char *log;
	/* runs 1 to 3 end with a line without a newline and exit 1; the
	 * 4th stays up */
	struct th *t = th_start(
	    "[tend]\n"
	    "log_dir = {D}/logs\n"
	    "[program:c]\n"
	    "command = sh -c 'n=$(cat {D}/c.n 2>/dev/null || echo 0);"
	    "n=$((n+1));echo $n >{D}/c.n;echo first-$n;echo middle-$n;"
	    "test $n -ge 4 && { echo last-words-$n;echo $$ >>{D}/c.pids;"
	    "exec sleep 100000;};printf last-words-$n;exit 1'\n");

	(void)th_up(t, "c", 1);
	th_wait_file(t, "logs/c.log", "last-words-4\n", DEADLINE_MS);
	log = th_contents(t, "logs/c.log");
	ck_assert_int_eq(th_occurrences(log, "\n--- tend: c started, pid "), 3);
	cut_markers(log);
	ck_assert_str_eq(log, "first-1\nmiddle-1\nlast-words-1\n"
	                      "first-2\nmiddle-2\nlast-words-2\n"
	                      "first-3\nmiddle-3\nlast-words-3\n"
	                      "first-4\nmiddle-4\nlast-words-4\n");
	free(log);
	th_assert_stderr_has(t, "c: exited with status 1; restarting");
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(usr1_reopens_log_files)
{
	struct th *t =
	    th_start("[tend]\n"
	             "log_dir = {D}/logs\n"
	             "[program:u]\n"
	             "command = sh -c 'echo before;echo $$ >>{D}/u.pids;"
	             "until test -e {D}/go;do sleep 0.01;done;echo after;"
	             "exec sleep 100000'\n");
	char from[PATH_MAX], to[PATH_MAX];

	(void)th_up(t, "u", 1);
	th_wait_file(t, "logs/u.log", "before\n", DEADLINE_MS);
	snprintf(from, sizeof(from), "%s/logs/u.log", th_dir(t));
	snprintf(to, sizeof(to), "%s/logs/u.log.old", th_dir(t));
	ck_assert_int_eq(rename(from, to), 0);
	th_signal(t, SIGUSR1);
	th_wait_file(t, "tend.err", "log files reopened", DEADLINE_MS);
	touch(t, "go");
	wait_file_is(t, "logs/u.log", "after\n");
	th_assert_file(t, "logs/u.log.old", "before\n");
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

/* ------------------------------------------------- floods */

START_TEST(a_yes_flood_leaves_tend_small_prompt_and_supervising)
{
	struct th *t = th_start("[tend]\n"
	                        "log_dir = {D}/logs\n"
	                        "log_max_size = 1M\n"
	                        "log_keep = 1\n"
	                        "[program:sib]\n"
	                        "command = {S:sib}\n"
	                        "[program:flood]\n"
	                        "command = sh -c 'echo $$ >>{D}/flood.pids;"
	                        "exec yes a line of the flood'\n");
	struct th_run sib = th_up(t, "sib", 1), flood = th_up(t, "flood", 1);
	long long t0, written;
	long base, rss, max_rss = 0;
	bool killed = false;
	char *out;

	base = th_rss_kib(th_tend_pid(t));
	t0 = th_now_ms();
	while (th_now_ms() - t0 < FLOOD_MS) {
		assert_status_prompt(t, "flood");
		rss = th_rss_kib(th_tend_pid(t));
		if (rss > max_rss)
			max_rss = rss;
		if (!killed && th_now_ms() - t0 >= 1000) {
			ck_assert_int_eq(kill(sib.pid, SIGKILL), 0);
			killed = true;
		}
		(void)poll(NULL, 0, 500);
	}
	ck_assert(killed);
	(void)th_up(t, "sib", 2);
	ck_assert_msg(th_alive(flood.pid, flood.start), "the flood died");
	written = wchar_of(flood.pid);
	out = ctl_ok(t, "stop flood");
	free(out);
	fprintf(stderr,
	    "flood: %lld MiB written in %d ms; tend's VmRSS %ld KiB before, "
	    "%ld KiB at most\n",
	    written >> 20, FLOOD_MS, base, max_rss);
	/* it was a flood: tend read at least some tens of MiB */
	ck_assert_msg(
	    written >= 32LL << 20, "the flood wrote %lld bytes", written);
	ck_assert_msg(exists(t, "logs/flood.log.1"), "no rotation happened");
	ck_assert_msg(!exists(t, "logs/flood.log.2"), "logs/flood.log.2");
	ck_assert_msg(size_of(t, "logs/flood.log.1") <= (1 << 20) + 65536,
	    "flood.log.1 has %lld bytes", size_of(t, "logs/flood.log.1"));
#ifdef TEND_ASAN
	/* ASan's shadow and quarantine: bound the growth instead */
	ck_assert_msg(max_rss - base <= RSS_MAX_KB,
	    "tend's VmRSS grew from %ld to %ld KiB", base, max_rss);
#else
	ck_assert_msg(
	    max_rss <= RSS_MAX_KB, "tend's VmRSS reached %ld KiB", max_rss);
#endif
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

/*
 * A log_dir on a 256 KiB tmpfs, mounted in a mount namespace of this
 * test process alone (tend, started after, shares it): if the test
 * fails, the mount dies with the namespace's last process, and the
 * harness's guard, which runs in the original namespace, removes the
 * directory. Returns false (the test is skipped) if it cannot be had.
 */
static bool
mount_tiny_fs(struct th *t, const char *test, char *dir, size_t size)
{
	snprintf(dir, size, "%s/logs", th_dir(t));
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	if (unshare(CLONE_NEWNS) == -1) {
		th_skip(test, "a full log filesystem: unshare: %s",
		    strerror(errno));
		return false;
	}
	/* "none": ignored for MS_PRIVATE, but valgrind wants strings */
	if (mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) == -1 ||
	    mount("tmpfs", dir, "tmpfs", 0, "size=256k") == -1) {
		th_skip(
		    test, "a full log filesystem: mount: %s", strerror(errno));
		return false;
	}
	return true;
}

START_TEST(a_full_log_filesystem_is_reported_once_and_supervision_goes_on)
{
	struct th *t =
	    th_new("[tend]\n"
	           "log_dir = {D}/logs\n"
	           "[program:sib]\n"
	           "command = {S:sib}\n"
	           "[program:filler]\n"
	           "command = sh -c 'echo $$ >>{D}/filler.pids;"
	           "yes a line that fills the little disk | head -c 2000000;"
	           "touch {D}/filled;until test -e {D}/go;do sleep 0.01;done;"
	           "echo after-truncate;exec sleep 100000'\n");
	char dir[PATH_MAX], path[PATH_MAX + 16];
	struct th_run sib;
	char *err, *out;
	int n;

	if (!mount_tiny_fs(t, __func__, dir, sizeof(dir))) {
		th_stop(t);
		return;
	}
	th_launch(t);
	sib = th_up(t, "sib", 1);
	(void)th_up(t, "filler", 1);
	th_wait_file(t, "tend.err", "filler: cannot write", DEADLINE_MS);
	th_wait(t, is_there, "filled", DEADLINE_MS, "the filler done");
	out = ctl_ok(t, "status");
	ck_assert_msg(strstr(out, "filler") != NULL, "status: %s", out);
	free(out);
	ck_assert_int_eq(kill(sib.pid, SIGKILL), 0);
	(void)th_up(t, "sib", 2);
	err = th_stderr(t);
	n = th_occurrences(err, "cannot write");
	ck_assert_msg(n >= 1 && n <= 3,
	    "the write error was reported %d times:\n%.1000s", n, err);
	free(err);
	/* room again: the next line gets in */
	snprintf(path, sizeof(path), "%s/filler.log", dir);
	ck_assert_msg(truncate(path, 0) == 0, "%s: %s", path, strerror(errno));
	touch(t, "go");
	th_wait_file(t, "logs/filler.log", "after-truncate\n", DEADLINE_MS);
	th_wait_file(t, "tend.err", "filler: writing", DEADLINE_MS);
	assert_status_prompt(t, "filler");
	/* detach before th_stop removes the directory */
	ck_assert_int_eq(umount2(dir, MNT_DETACH), 0);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

/* -------------------------------------- tend's stdout not being read */

/*
 * Launch tend as th_launch does (harness.h), but with its stdout to a
 * pipe whose read end we keep: *rfd. The harness does not know this
 * tend's pid; its guard finds it by TEND_TEST_DIR if the test dies.
 */
static pid_t
launch_to_pipe(struct th *t, int *rfd)
{
	const char *bin = getenv("TEND_BIN");
	char conf[PATH_MAX], errpath[PATH_MAX];
	int fds[2], in, err;
	pid_t pid;

	ck_assert_msg(bin != NULL, "TEND_BIN is not set");
	th_path(t, "tend.conf", conf, sizeof(conf));
	th_path(t, "tend.err", errpath, sizeof(errpath));
	ck_assert_int_eq(pipe2(fds, O_CLOEXEC), 0);
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		(void)setpgid(0, 0);
		in = open("/dev/null", O_RDONLY);
		err = open(
		    errpath, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
		if (in == -1 || err == -1)
			_exit(127);
		th_child_setup(t, in, fds[1], err);
		th_enter_cgroup(t);
		execl(bin, "tend", "-c", conf, (char *)NULL);
		_exit(127);
	}
	(void)setpgid(pid, pid);
	close(fds[1]);
	*rfd = fds[0];
	return pid;
}

/* th_cond: the run arg is blocked in a write to a pipe (its pipe full). */
static bool
blocked_writing(struct th *t, const void *arg)
{
	const struct th_run *r = arg;
	char path[64], buf[128] = "";
	struct th_stat st;
	ssize_t n;
	int fd;

	(void)t;
	if (th_stat(r->pid, &st) == -1 || st.start != r->start ||
	    st.state != 'S')
		return false;
	snprintf(path, sizeof(path), "/proc/%d/wchan", (int)r->pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	n = fd != -1 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (fd != -1)
		close(fd);
	if (n > 0) {
		buf[n] = '\0';
		if (strcmp(buf, "0") != 0) /* "0": wchan hidden */
			return strstr(buf, "pipe_write") != NULL;
	}
	/* no wchan: in the write system call, at least */
	snprintf(path, sizeof(path), "/proc/%d/syscall", (int)r->pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	n = fd != -1 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (fd != -1)
		close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	return atol(buf) == SYS_write;
}

/* th_cond: the flood is held back: blocked writing, not done. */
static bool
held_back(struct th *t, const void *arg)
{
	return blocked_writing(t, arg) && !exists(t, "flood.done");
}

#define PIPE_LINES 200000

START_TEST(an_unread_stdout_slows_the_writer_but_not_tend_and_loses_nothing)
{
	struct th *t =
	    th_new("[program:sib]\n"
	           "command = {S:sib}\n"
	           "[program:flood]\n"
	           "command = sh -c 'echo $$ >>{D}/flood.pids;" WHOLE_LINES(
	               200000, "%d") ";touch {D}/flood.done;"
	                             "exec sleep 100000'\n");
	struct reader r = {0};
	struct th_run sib, flood;
	char want[64], *line, *next;
	int st, n, expect = 1;

	r.pid = launch_to_pipe(t, &r.fd);
	sib = th_up(t, "sib", 1);
	flood = th_up(t, "flood", 1);
	/* tend fills the pipe, then its buffer, then stops reading */
	th_wait(t, blocked_writing, &flood, DEADLINE_MS,
	    "the flood blocked writing to its full pipe");
	th_hold(t, held_back, &flood, 2 * HOLD_MS,
	    "the flood held back by its full pipe");
	ck_assert_msg(ioctl(r.fd, FIONREAD, &n) == 0 && n > 0,
	    "tend's stdout pipe is empty");
	assert_status_prompt(t, "flood");
	ck_assert_int_eq(kill(sib.pid, SIGKILL), 0);
	(void)th_up(t, "sib", 2);
	assert_status_prompt(t, "sib");
	/* now read: every line comes, whole and in order */
	snprintf(want, sizeof(want), "flood | %d\n", PIPE_LINES);
	ck_assert_msg(reader_until(&r, want, 30000),
	    "tend's stdout ended after %zu bytes", r.got.len);
	th_wait(t, is_there, "flood.done", DEADLINE_MS, "the flood done");
	for (line = r.got.p; *line != '\0'; line = next + 1) {
		next = strchr(line, '\n');
		ck_assert_msg(next != NULL, "tend's stdout ends mid-line");
		ck_assert_msg(strncmp(line, "flood | ", 8) == 0,
		    "a line that is not the flood's: \"%.*s\"",
		    (int)(next - line), line);
		n = atoi(line + 8);
		ck_assert_msg(n == expect, "line %d of the flood is \"%.*s\"",
		    expect, (int)(next - line), line);
		expect++;
	}
	ck_assert_int_eq(expect, PIPE_LINES + 1);
	/* an orderly end, with its stdout read */
	ck_assert_int_eq(kill(r.pid, SIGTERM), 0);
	while (reader_read(&r, 100))
		;
	ck_assert_msg(reap_within(r.pid, &st, DEADLINE_MS),
	    "tend did not exit after TERM");
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "tend ended with wait status %#x", st);
	r.pid = 0;
	close(r.fd);
	free(r.got.p);
	th_stop(t);
}
END_TEST

static Suite *
output_suite(void)
{
	Suite *s = suite_create("integ_output");
	TCase *tc = tcase_create("output");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, NULL, th_stop_all);
	tcase_add_test(tc, lines_go_to_tends_stdout_as_name_bar_line);
	tcase_add_test(tc,
	    two_programs_long_lines_in_small_writes_arrive_whole_and_unmixed);
	tcase_add_test(tc, a_partial_line_is_passed_on_without_its_newline);
	tcase_add_test(tc,
	    a_line_cut_by_a_block_buffered_write_reaches_tends_stdout_whole);
	tcase_add_test(tc, stdout_inherit_goes_to_tends_stdout_unprefixed);
	tcase_add_test(
	    tc, with_log_dir_output_goes_to_name_log_and_not_to_tends_stdout);
	tcase_add_test(tc, stderr_defaults_to_stdout_and_merges_in_order);
	tcase_add_test(tc, stdout_null_sends_both_streams_to_dev_null);
	tcase_add_test(tc, stdout_null_with_stderr_log_captures_only_stderr);
	tcase_add_test(tc, stderr_null_drops_stderr_and_keeps_stdout);
	tcase_add_test(tc, stdout_file_appends_and_keeps_the_old_content);
	tcase_add_test(
	    tc, stderr_log_with_stdout_to_a_file_captures_stderr_alone);
	tcase_add_test(tc, stdout_inherit_with_log_dir_goes_to_tends_stdout);
	tcase_add_test(
	    tc, an_over_long_line_is_cut_and_continued_with_every_byte_kept);
	tcase_add_test(tc, rotation_keeps_log_keep_files_of_consecutive_lines);
	tcase_add_test(tc, logs_n_gives_the_last_lines_in_order);
	tcase_add_test(
	    tc, the_ring_holds_only_the_newest_whole_lines_that_fit_log_ring);
	tcase_add_test(tc, logs_of_a_program_that_wrote_nothing_is_empty);
	tcase_add_test(
	    tc, logs_of_a_supervisor_shows_each_programs_lines_with_its_path);
	tcase_add_test(
	    tc, logs_f_prints_the_ring_then_each_new_line_as_it_comes);
	tcase_add_test(
	    tc, a_crashed_runs_last_lines_come_before_the_next_runs_first);
	tcase_add_test(tc, usr1_reopens_log_files);
	tcase_add_test(
	    tc, a_yes_flood_leaves_tend_small_prompt_and_supervising);
	tcase_add_test(
	    tc, a_full_log_filesystem_is_reported_once_and_supervision_goes_on);
	tcase_add_test(tc,
	    an_unread_stdout_slows_the_writer_but_not_tend_and_loses_nothing);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return th_main(output_suite());
}
