/*
 * test_ctl.c: tendctl and the control socket (SPEC 5, 6 and 11) through
 * the real tend and tendctl: every command, option and exit status; the
 * socket's mode, group and peer checks; raw clients that send garbage,
 * too much, too little or nothing; a subscriber that never reads.
 *
 * Waits are on real pids, files and tendctl's own answers, with
 * deadlines that only catch a stall (harness.h); no timing is asserted.
 * The tests that need a second user (created as `tendtest` where there is
 * none) need root, and are left out, saying so, for anyone else.
 *
 * Here, not in the harness: running tendctl as another user, with extra
 * environment or a deadline of its own; reading a stream (events) as it
 * comes; raw socket clients; python3 (which meson needs anyway) to check
 * that --json output is JSON and to pick fields out of it.
 */
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

/* for anything to happen (th_up waits as long): catches a stall */
#define DEADLINE_MS TH_DEADLINE_MS
#define HOLD_MS 300    /* how long "nothing else happens" is watched */
#define PROMPT_MS 5000 /* a tendctl that must answer at once */
/* out of descriptors: programs, tend's open-files limit, idle clients */
#define NPROGS_FULL 60
#define NOFILE_FULL 50
#define RAW_FULL 8
#define MARKER "TEND_TEST_DIR"
#define TEST_USER "tendtest"
#define MISSING "/nonexistent/tend-test-missing"

/* Programs (tokens of harness.h are expanded in them). */

/* Takes 300 ms to stop after TERM: a stop that did not wait would
 * return while it still runs. */
#define SLOW_CMD                                                               \
	"sh -c 'trap \"sleep 0.3;exit 0\" TERM;echo $$ >>{D}/slow.pids;"       \
	"sleep 100000 & wait'"

/* Ignores TERM (and, with shutdown = 1h, stays stopping until killed). */
#define STUB_CMD                                                               \
	"sh -c 'trap \"\" TERM;echo $$ >>{D}/stub.pids;exec sleep 100000'"

/* Records each HUP and USR1 it gets in D/sig as "NAME hup", "NAME usr1". */
#define TRAPPER(name)                                                          \
	"sh -c 'trap \"echo " name " hup >>{D}/sig\" HUP;"                     \
	"trap \"echo " name " usr1 >>{D}/sig\" USR1;"                          \
	"echo $$ >>{D}/" name ".pids;sleep 100000 & while :;do wait;done'"

/* A program a, and a one_for_all pair db and web under back. */
#define TRIO_SECTIONS                                                          \
	"[supervisor:back]\n"                                                  \
	"strategy = one_for_all\n"                                             \
	"children = db web\n"                                                  \
	"[program:a]\n"                                                        \
	"command = {S:a}\n"                                                    \
	"[program:db]\n"                                                       \
	"command = {S:db}\n"                                                   \
	"[program:web]\n"                                                      \
	"command = {S:web}\n"

/* The trio, and a program that cannot start. */
static const char family_conf[] = "[supervisor:root]\n"
                                  "children = a back bad\n"
                                  "[program:bad]\n"
                                  "restart = temporary\n"
                                  "command = " MISSING "\n" TRIO_SECTIONS;

/* The trio alone, so that everything can start. */
static const char trio_conf[] = "[supervisor:root]\n"
                                "children = a back\n" TRIO_SECTIONS;

/* ------------------------------------------------------------ helpers */

static void
assert_has(const char *s, const char *needle, const char *what)
{
	ck_assert_msg(
	    strstr(s, needle) != NULL, "%s lacks \"%s\":\n%s", what, needle, s);
}

static void
assert_lacks(const char *s, const char *needle, const char *what)
{
	ck_assert_msg(
	    strstr(s, needle) == NULL, "%s has \"%s\":\n%s", what, needle, s);
}

static char *
path_of(struct th *t, const char *file)
{
	char *p;

	ck_assert_int_gt(asprintf(&p, "%s/%s", th_dir(t), file), 0);
	return p;
}

/* ---------------------------------------------- running other programs */

/* A word list for execvp. */
struct args {
	char *v[96];
	int n;
};

static void
args_add(struct args *a, const char *s)
{
	ck_assert_int_lt(a->n, 94);
	a->v[a->n] = strdup(s);
	ck_assert_ptr_nonnull(a->v[a->n]);
	a->v[++a->n] = NULL;
}

/* Add the words of s, split on spaces. */
static void
args_words(struct args *a, const char *s)
{
	char *copy = strdup(s), *save, *w;

	ck_assert_ptr_nonnull(copy);
	for (w = strtok_r(copy, " ", &save); w != NULL;
	     w = strtok_r(NULL, " ", &save))
		args_add(a, w);
	free(copy);
}

static void
args_free(struct args *a)
{
	int i;

	for (i = 0; i < a->n; i++)
		free(a->v[i]);
	a->n = 0;
}

/* Another identity for a child. */
struct cred {
	uid_t uid;
	gid_t gid;
	int ngroups;
	gid_t groups[4];
};

/*
 * Fork and exec a->v (looked up in PATH) with stdin from in, stdout and
 * stderr into out, TEND_TEST_DIR set (the harness's sweep then knows it
 * for the test's), env ("KEY=VALUE", or NULL) added, and cr's identity
 * (or NULL: ours).
 */
static pid_t
spawn(struct th *t, struct args *a, int in, int out, const struct cred *cr,
    const char *env)
{
	pid_t pid;

	pid = fork();
	ck_assert_msg(pid != -1, "fork: %s", strerror(errno));
	if (pid != 0)
		return pid;
	th_child_fds(in, out, out);
	(void)setenv(MARKER, th_dir(t), 1);
	if (env != NULL)
		(void)putenv(strdup(env));
	if (cr != NULL && (setgroups((size_t)cr->ngroups, cr->groups) == -1 ||
	                      setresgid(cr->gid, cr->gid, cr->gid) == -1 ||
	                      setresuid(cr->uid, cr->uid, cr->uid) == -1)) {
		dprintf(2, "cannot become uid %u: %s\n", (unsigned)cr->uid,
		    strerror(errno));
		_exit(126);
	}
	execvp(a->v[0], a->v);
	dprintf(2, "exec %s: %s\n", a->v[0], strerror(errno));
	_exit(127);
}

/* Read fd until end of file or deadline: what came (malloc'd); *eof
 * whether it ended. *lenp its length, if lenp is not NULL. */
static char *
drain(int fd, long long deadline, bool *eof, size_t *lenp)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	struct pollfd pfd = {fd, POLLIN, 0};
	ssize_t n;

	ck_assert_ptr_nonnull(buf);
	*eof = false;
	for (;;) {
		long long left = deadline - th_now_ms();

		if (left <= 0 || poll(&pfd, 1, (int)left) == 0)
			break;
		if (cap - len < 2) {
			cap *= 2;
			buf = realloc(buf, cap);
			ck_assert_ptr_nonnull(buf);
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n == -1 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0) {
			*eof = true; /* end of file, or reset: it is over */
			break;
		}
		len += (size_t)n;
	}
	buf[len] = '\0';
	if (lenp != NULL)
		*lenp = len;
	return buf;
}

static int
exit_code(int st)
{
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/*
 * Run a->v with stdin from the file input (NULL: /dev/null), output into
 * *out: its exit status (128+N if killed by signal N). Fails the test if
 * it has not finished within ms.
 */
static int
run(struct th *t, struct args *a, const char *input, const struct cred *cr,
    const char *env, int ms, char **out)
{
	int fds[2], in, st;
	bool done;
	pid_t pid;

	in = open(input != NULL ? input : "/dev/null", O_RDONLY | O_CLOEXEC);
	ck_assert_msg(in != -1, "%s: %s", input, strerror(errno));
	ck_assert_int_eq(pipe2(fds, O_CLOEXEC), 0);
	pid = spawn(t, a, in, fds[1], cr, env);
	close(in);
	close(fds[1]);
	*out = drain(fds[0], th_now_ms() + ms, &done, NULL);
	close(fds[0]);
	if (!done)
		(void)kill(pid, SIGKILL);
	while (waitpid(pid, &st, 0) == -1 && errno == EINTR)
		;
	ck_assert_msg(done, "%s did not finish within %d ms; it said:\n%s",
	    a->v[0], ms, *out);
	return exit_code(st);
}

/* How to run tendctl, beyond the harness's th_ctl. */
struct how {
	const char *bin;       /* NULL: $TENDCTL_BIN */
	const struct cred *cr; /* NULL: as the test */
	const char *env;       /* KEY=VALUE to add, or NULL */
	bool no_socket;        /* no "-s D/tend.sock" */
	int ms;                /* 0: DEADLINE_MS */
};

static int ctl_how(struct th *t, const struct how *h, char **out,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int
ctl_how(struct th *t, const struct how *h, char **out, const char *fmt, ...)
{
	struct args a = {0};
	char words[8192], *sock;
	va_list ap;
	int r;

	va_start(ap, fmt);
	vsnprintf(words, sizeof(words), fmt, ap);
	va_end(ap);
	args_add(&a, h->bin != NULL ? h->bin : getenv("TENDCTL_BIN"));
	ck_assert_msg(a.v[0] != NULL, "TENDCTL_BIN is not set");
	if (!h->no_socket) {
		sock = path_of(t, "tend.sock");
		args_add(&a, "-s");
		args_add(&a, sock);
		free(sock);
	}
	args_words(&a, words);
	r = run(
	    t, &a, NULL, h->cr, h->env, h->ms > 0 ? h->ms : DEADLINE_MS, out);
	args_free(&a);
	return r;
}

/* th_ctl that must exit want: its output (malloc'd). */
static char *ctl(struct th *t, int want, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static char *
ctl(struct th *t, int want, const char *fmt, ...)
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

static bool
status_works(struct th *t, const void *arg)
{
	char *out;
	int st = th_ctl(t, &out, "status");

	(void)arg;
	free(out);
	return st == 0;
}

/* Wait until tend answers (its socket is made before anything starts). */
static void
answering(struct th *t)
{
	th_wait(t, status_works, NULL, DEADLINE_MS, "tend answering");
}

/* tendctl status answers, exit 0, within PROMPT_MS. */
static void
status_answers_promptly(struct th *t)
{
	const struct how h = {.ms = PROMPT_MS};
	char *out;
	int st = ctl_how(t, &h, &out, "status");

	ck_assert_msg(st == 0, "tendctl status: exit %d:\n%s", st, out);
	assert_has(out, "NAME", "status");
	free(out);
	ck_assert_msg(!th_exited(t), "tend has exited");
}

/*
 * python3 script on doc: its exit status, its output in *out. python3
 * is there wherever meson is; it checks JSON without a C library.
 */
static int
py(struct th *t, const char *doc, const char *script, char **out)
{
	struct args a = {0};
	char *in = path_of(t, "py.in");
	FILE *f = fopen(in, "we");
	int r;

	ck_assert_ptr_nonnull(f);
	fputs(doc, f);
	ck_assert_int_eq(fclose(f), 0);
	args_add(&a, access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3"
	                                                   : "python3");
	args_add(&a, "-c");
	args_add(&a, script);
	r = run(t, &a, in, NULL, NULL, DEADLINE_MS, out);
	args_free(&a);
	free(in);
	return r;
}

/* What python3 script prints about doc; fails if the script fails (for
 * example when doc is not JSON). */
static char *
py_ok(struct th *t, const char *doc, const char *script)
{
	char *out;
	int st = py(t, doc, script, &out);

	ck_assert_msg(st == 0, "python3 failed (exit %d) on:\n%s\nit said:\n%s",
	    st, doc, out);
	return out;
}

static void
assert_json(struct th *t, const char *doc)
{
	free(py_ok(t, doc, "import json,sys\njson.load(sys.stdin)\n"));
}

/* `tendctl ARGS` must exit want and say needle. */
static void
assert_ctl_says(struct th *t, int want, const char *args, const char *needle)
{
	char *out = ctl(t, want, "%s", args);

	assert_has(out, needle, args);
	free(out);
}

/* What python3 script prints about the output of `tendctl ARGS`, which
 * must exit want. */
static char *
ctl_py(struct th *t, int want, const char *args, const char *script)
{
	char *out = ctl(t, want, "%s", args), *got = py_ok(t, out, script);

	free(out);
	return got;
}

/* family_conf's tend, once a, db and web run and bad has failed. */
struct family {
	struct th *t;
	struct th_run a, db, web;
};

static struct family
family_up(void)
{
	struct family f;

	f.t = th_start(family_conf);
	f.a = th_up(f.t, "a", 1);
	f.db = th_up(f.t, "db", 1);
	f.web = th_up(f.t, "web", 1);
	th_wait_file(f.t, "tend.err", "bad: could not start", DEADLINE_MS);
	return f;
}

/* ---------------------------------------------------------------- status */

#define COLS 6

/* One row of `tendctl status`. */
struct row {
	char f[COLS][512];
};

/*
 * Parse status output: the header must be the six columns, every row six
 * tokens separated by spaces, and no tab anywhere. Rows into rows (at
 * most max); how many there are.
 */
static int
parse_status(const char *out, struct row *rows, int max)
{
	static const char *const head[COLS] = {
	    "NAME", "STATE", "PID", "UPTIME", "RESTARTS", "LAST-EXIT"};
	char *copy = strdup(out), *line, *next, *save, *w;
	int n = -1, k;

	ck_assert_ptr_nonnull(copy);
	ck_assert_msg(strchr(out, '\t') == NULL, "a tab in:\n%s", out);
	for (line = copy; *line != '\0'; line = next) {
		struct row r;

		next = strchr(line, '\n');
		ck_assert_msg(next != NULL, "an unfinished line in:\n%s", out);
		*next++ = '\0';
		k = 0;
		for (w = strtok_r(line, " ", &save); w != NULL;
		     w = strtok_r(NULL, " ", &save)) {
			ck_assert_msg(k < COLS, "more than %d columns in:\n%s",
			    COLS, out);
			ck_assert_uint_lt(strlen(w), sizeof(r.f[k]));
			strcpy(r.f[k++], w);
		}
		ck_assert_msg(k == COLS, "a row of %d columns in:\n%s", k, out);
		if (n == -1) {
			for (k = 0; k < COLS; k++)
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
static struct row
row_of(struct th *t, const char *path)
{
	struct row rows[8];
	char *out = ctl(t, 0, "status %s", path);
	int n = parse_status(out, rows, 8), i;

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
static void
assert_row(struct th *t, const char *path, const char *want)
{
	struct row r = row_of(t, path), w;
	char *copy = strdup(want), *save, *tok;
	int k = 0;

	ck_assert_ptr_nonnull(copy);
	for (tok = strtok_r(copy, " ", &save); tok != NULL && k < COLS;
	     tok = strtok_r(NULL, " ", &save))
		snprintf(w.f[k++], sizeof(w.f[0]), "%s", tok);
	free(copy);
	ck_assert_int_eq(k, COLS);
	for (k = 0; k < COLS; k++)
		ck_assert_msg(
		    strcmp(w.f[k], "*") == 0 || strcmp(w.f[k], r.f[k]) == 0,
		    "%s: column %d is \"%s\", not \"%s\" (want \"%s\")", path,
		    k + 1, r.f[k], w.f[k], want);
}

/* `tendctl ARGS` (a status) lists exactly the paths of want ("a
 * back/web"), in that order. */
static void
assert_status_names(struct th *t, const char *args, const char *want)
{
	struct row rows[8];
	char *out = ctl(t, 0, "%s", args), got[8 * 513] = "";
	int n = parse_status(out, rows, 8), i;
	size_t len = 0;

	for (i = 0; i < n && i < 8; i++)
		len += (size_t)snprintf(got + len, sizeof(got) - len, "%s%s",
		    i > 0 ? " " : "", rows[i].f[0]);
	ck_assert_msg(n <= 8 && strcmp(got, want) == 0,
	    "%s lists \"%s\", not \"%s\":\n%s", args, got, want, out);
	free(out);
}

struct state_arg {
	const char *path, *state;
};

static bool
in_state(struct th *t, const void *arg)
{
	const struct state_arg *s = arg;
	struct row rows[8];
	bool found = false;
	char *out;
	int n, i;

	if (th_ctl(t, &out, "status %s", s->path) != 0) {
		free(out);
		return false;
	}
	n = parse_status(out, rows, 8);
	for (i = 0; i < n && i < 8; i++)
		found = found || (strcmp(rows[i].f[0], s->path) == 0 &&
		                     strcmp(rows[i].f[1], s->state) == 0);
	free(out);
	return found;
}

static void
wait_state(struct th *t, const char *path, const char *state)
{
	struct state_arg s = {path, state};
	char what[256];

	snprintf(what, sizeof(what), "%s %s", path, state);
	th_wait(t, in_state, &s, DEADLINE_MS, what);
}

/* `pid NAME` answers (exit 0): the pid. */
static pid_t
pid_of(struct th *t, const char *path)
{
	char *out = ctl(t, 0, "pid %s", path);
	pid_t pid = (pid_t)atoi(out);

	ck_assert_msg(pid > 0, "pid %s said: %s", path, out);
	free(out);
	return pid;
}

/* ------------------------------------------------------------ streams */

/* A tendctl that goes on writing (events), read as it comes. */
struct stream {
	pid_t pid;
	int fd;
	char *buf;
	size_t len, cap;
};

static void
stream_start(struct th *t, struct stream *s, const char *words)
{
	struct args a = {0};
	char *sock = path_of(t, "tend.sock");
	int fds[2], in;

	args_add(&a, getenv("TENDCTL_BIN"));
	args_add(&a, "-s");
	args_add(&a, sock);
	args_words(&a, words);
	in = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ck_assert_int_ne(in, -1);
	ck_assert_int_eq(pipe2(fds, O_CLOEXEC | O_NONBLOCK), 0);
	s->pid = spawn(t, &a, in, fds[1], NULL, NULL);
	close(in);
	close(fds[1]);
	s->fd = fds[0];
	s->cap = 65536;
	s->len = 0;
	s->buf = malloc(s->cap);
	ck_assert_ptr_nonnull(s->buf);
	s->buf[0] = '\0';
	args_free(&a);
	free(sock);
}

/* Take what the stream has written, waiting up to ms for something. */
static void
stream_read(struct stream *s, int ms)
{
	struct pollfd pfd = {s->fd, POLLIN, 0};
	ssize_t n;

	if (poll(&pfd, 1, ms) <= 0)
		return;
	for (;;) {
		if (s->cap - s->len < 4096) {
			s->cap *= 2;
			s->buf = realloc(s->buf, s->cap);
			ck_assert_ptr_nonnull(s->buf);
		}
		n = read(s->fd, s->buf + s->len, s->cap - s->len - 1);
		if (n <= 0)
			break;
		s->len += (size_t)n;
		s->buf[s->len] = '\0';
	}
}

/* Whether the stream's output from offset from holds needle within ms;
 * where it begins in *at. */
static bool
stream_has(
    struct stream *s, size_t from, const char *needle, int ms, size_t *at)
{
	long long deadline = th_now_ms() + ms;
	char *hit;

	for (;;) {
		hit = strstr(s->buf + from, needle);
		if (hit != NULL) {
			if (at != NULL)
				*at = (size_t)(hit - s->buf);
			return true;
		}
		if (th_now_ms() >= deadline)
			return false;
		stream_read(s, 20);
	}
}

static size_t
stream_find(struct stream *s, size_t from, const char *needle)
{
	size_t at;

	ck_assert_msg(stream_has(s, from, needle, DEADLINE_MS, &at),
	    "no \"%s\" in the stream (from %zu) within %d ms:\n%s", needle,
	    from, DEADLINE_MS, s->buf);
	return at;
}

/* SIGTERM it (an interrupt), reap it: its exit status. */
static int
stream_end(struct stream *s)
{
	int st;

	(void)kill(s->pid, SIGTERM);
	while (waitpid(s->pid, &st, 0) == -1 && errno == EINTR)
		;
	stream_read(s, 0);
	close(s->fd);
	return exit_code(st);
}

/* Wait up to ms for the stream's tendctl to end by itself: its exit
 * status. Fails the test (killing it) if it does not. */
static int
stream_finish(struct stream *s, int ms)
{
	long long deadline = th_now_ms() + ms;
	int st;

	while (waitpid(s->pid, &st, WNOHANG) != s->pid) {
		if (th_now_ms() >= deadline) {
			(void)kill(s->pid, SIGKILL);
			while (waitpid(s->pid, &st, 0) == -1 && errno == EINTR)
				;
			close(s->fd);
			ck_abort_msg(
			    "tendctl did not end within %d ms; it said:"
			    "\n%s",
			    ms, s->buf);
		}
		stream_read(s, 20);
	}
	stream_read(s, 0);
	close(s->fd);
	return exit_code(st);
}

/*
 * An events stream may subscribe after the first thing the test does:
 * restart prog until its lines (needle) show. Where the stream stands
 * then, for what comes next.
 */
static size_t
subscribed(struct th *t, struct stream *s, const char *prog, const char *needle)
{
	int i;

	for (i = 0; i < 50; i++) {
		free(ctl(t, 0, "restart %s", prog));
		if (stream_has(s, 0, needle, 200, NULL)) {
			stream_read(s, 50);
			return s->len;
		}
	}
	ck_abort_msg("the events stream never showed %s:\n%s", prog, s->buf);
	abort();
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

static int
raw_connect(struct th *t)
{
	char *sock = path_of(t, "tend.sock");
	int fd = connect_to(sock);

	free(sock);
	return fd;
}

/* Send what can be sent of p within ms (tend may close first): how much
 * was sent. */
static size_t
raw_send(int fd, const void *p, size_t n, int ms)
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
static bool
is_err_reply(const char *reply, int code)
{
	char want[32];

	snprintf(want, sizeof(want), "TEND/1 ERR %d ", code);
	return strncmp(reply, want, strlen(want)) == 0;
}

/* ------------------------------------------------------------- users */

/* The test user, made if it does not exist (root only). */
static void
test_user(struct th *t, uid_t *uid, gid_t *gid)
{
	struct passwd *pw = getpwnam(TEST_USER);
	struct args a = {0};
	char *out;

	if (pw == NULL) {
		args_add(&a, access("/usr/sbin/useradd", X_OK) == 0
		                 ? "/usr/sbin/useradd"
		                 : "useradd");
		args_words(&a, "--system --no-create-home --user-group "
		               "--shell /usr/sbin/nologin " TEST_USER);
		(void)run(t, &a, NULL, NULL, NULL, DEADLINE_MS, &out);
		args_free(&a);
		pw = getpwnam(TEST_USER); /* another test may have made it */
		ck_assert_msg(pw != NULL, "no user %s, and useradd said:\n%s",
		    TEST_USER, out);
		free(out);
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	ck_assert_int_ne(*uid, 0);
}

static gid_t
nogroup(void)
{
	struct group *gr = getgrnam("nogroup");

	return gr != NULL ? gr->gr_gid : 65534;
}

/*
 * Let another user reach D/tend.sock (D is 0700) and run a copy of
 * tendctl in D (the build directory may be closed to it): the copy's path.
 */
static char *
tendctl_for_others(struct th *t)
{
	char *copy = path_of(t, "tendctl"), *tmp = path_of(t, "tendctl.tmp");
	const char *bin = getenv("TENDCTL_BIN");
	char buf[65536];
	int in, out;
	ssize_t n;

	ck_assert_ptr_nonnull(bin);
	in = open(bin, O_RDONLY | O_CLOEXEC);
	ck_assert_msg(in != -1, "%s: %s", bin, strerror(errno));
	out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	ck_assert_int_ne(out, -1);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		ck_assert_int_eq(write(out, buf, (size_t)n), n);
	close(in);
	ck_assert_int_eq(fchmod(out, 0755), 0);
	ck_assert_int_eq(close(out), 0);
	ck_assert_int_eq(rename(tmp, copy), 0);
	ck_assert_int_eq(chmod(th_dir(t), 0755), 0);
	free(tmp);
	return copy;
}

/* ================================================================ status */

START_TEST(status_shows_each_program_by_path_with_its_real_pid)
{
	struct family f = family_up();
	struct th *t = f.t;
	struct row rows[8];
	char want[128], *out;
	int n;

	out = ctl(t, 0, "status");
	n = parse_status(out, rows, 8);
	ck_assert_msg(n == 4, "%d rows:\n%s", n, out);
	free(out);
	/* in tree order, each NAME its path without root/ */
	snprintf(want, sizeof(want), "a running %d * 0 -", (int)f.a.pid);
	assert_row(t, "a", want);
	snprintf(want, sizeof(want), "back/db running %d * 0 -", (int)f.db.pid);
	assert_row(t, "back/db", want);
	snprintf(
	    want, sizeof(want), "back/web running %d * 0 -", (int)f.web.pid);
	assert_row(t, "back/web", want);
	assert_row(t, "bad", "bad exited - - 0 exec:ENOENT");
	ck_assert_str_eq(rows[0].f[0], "a");
	ck_assert_str_eq(rows[1].f[0], "back/db");
	ck_assert_str_eq(rows[2].f[0], "back/web");
	ck_assert_str_eq(rows[3].f[0], "bad");
	/* an uptime is a duration */
	ck_assert_msg(rows[0].f[3][0] >= '0' && rows[0].f[3][0] <= '9',
	    "uptime %s", rows[0].f[3]);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(last_exit_is_one_token_for_every_kind_of_end)
{
	struct th *t = th_start("[program:code]\n"
	                        "restart = temporary\n"
	                        "command = sh -c 'exit 3'\n"
	                        "[program:sig]\n"
	                        "restart = temporary\n"
	                        "command = {S:sig}\n"
	                        "[program:enoent]\n"
	                        "restart = temporary\n"
	                        "command = " MISSING "\n"
	                        "[program:eacces]\n"
	                        "restart = temporary\n"
	                        "command = {D}/tend.conf\n"
	                        "[program:up]\n"
	                        "command = {S:up}\n");
	struct th_run s = th_up(t, "sig", 1);

	(void)th_up(t, "up", 1);
	ck_assert_int_eq(kill(s.pid, SIGUSR1), 0);
	wait_state(t, "sig", "exited");
	wait_state(t, "code", "exited");
	wait_state(t, "enoent", "exited");
	wait_state(t, "eacces", "exited");
	assert_row(t, "code", "code exited - - 0 exit:3");
	assert_row(t, "sig", "sig exited - - 0 signal:USR1");
	assert_row(t, "enoent", "enoent exited - - 0 exec:ENOENT");
	assert_row(t, "eacces", "eacces exited - - 0 exec:EACCES");
	assert_row(t, "up", "up running * * 0 -");
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(status_names_show_only_their_subtrees)
{
	struct th *t = th_start(family_conf);

	(void)th_up(t, "web", 1);
	assert_status_names(t, "status back", "back/db back/web");
	/* a bare name, a path from the root, a program of a subtree */
	assert_status_names(t, "status a root/back/web", "a back/web");
	assert_status_names(t, "status db", "back/db");
	assert_status_names(t, "status all", "a back/db back/web bad");
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(status_shows_a_long_path_whole)
{
	/* a 64-byte supervisor name: the path is 69 bytes */
	static const char name[] =
	    "s123456789012345678901234567890123456789012345678901234567890123";
	char conf[512], path[128], want[256];
	struct th *t;
	struct th_run p;

	ck_assert_uint_eq(strlen(name), 64);
	snprintf(conf, sizeof(conf),
	    "[supervisor:root]\n"
	    "children = %s\n"
	    "[supervisor:%s]\n"
	    "children = prog\n"
	    "[program:prog]\n"
	    "command = {S:prog}\n",
	    name, name);
	t = th_start(conf);
	p = th_up(t, "prog", 1);
	snprintf(path, sizeof(path), "%s/prog", name);
	snprintf(want, sizeof(want), "%s running %d * 0 -", path, (int)p.pid);
	assert_row(t, path, want);
	ck_assert_int_eq(pid_of(t, path), p.pid);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(json_status_has_the_documented_fields)
{
	static const char script[] =
	    "import json,sys\n"
	    "d=json.load(sys.stdin)\n"
	    "assert d['schema']==1,d\n"
	    "for p in d['programs']:\n"
	    "  print(p['path'],p['name'],p['supervisor'],p['state'],p['pid'],"
	    "type(p['uptime_ms']).__name__,p['restarts'],p['last_exit'])\n";
	struct family f = family_up();
	struct th *t = f.t;
	char want[512], *got;

	got = ctl_py(t, 0, "--json status", script);
	snprintf(want, sizeof(want),
	    "a a root running %d int 0 None\n"
	    "back/db db back running %d int 0 None\n"
	    "back/web web back running %d int 0 None\n"
	    "bad bad root exited None NoneType 0 exec:ENOENT\n",
	    (int)f.a.pid, (int)f.db.pid, (int)f.web.pid);
	ck_assert_str_eq(got, want);
	free(got);
	/* an option may come after the command */
	got = ctl_py(t, 0, "status back --json", script);
	assert_lacks(got, "bad", "status back --json");
	assert_has(got, "back/web web back running", "status back --json");
	free(got);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

/* ================================================================== tree */

START_TEST(tree_draws_supervisors_with_strategies_and_programs_with_states)
{
	struct family f = family_up();
	struct th *t = f.t;
	char want[1024], *out;

	out = ctl(t, 0, "tree");
	snprintf(want, sizeof(want),
	    "root  one_for_one  running\n"
	    "├─ a  running  pid %d\n"
	    "├─ back  one_for_all  running\n"
	    "│  ├─ db  running  pid %d\n"
	    "│  └─ web  running  pid %d\n"
	    "└─ bad  exited\n",
	    (int)f.a.pid, (int)f.db.pid, (int)f.web.pid);
	ck_assert_str_eq(out, want);
	free(out);
	free(ctl(t, 0, "stop back"));
	out = ctl(t, 0, "tree");
	snprintf(want, sizeof(want),
	    "root  one_for_one  running\n"
	    "├─ a  running  pid %d\n"
	    "├─ back  one_for_all  stopped\n"
	    "│  ├─ db  stopped\n"
	    "│  └─ web  stopped\n"
	    "└─ bad  exited\n",
	    (int)f.a.pid);
	ck_assert_str_eq(out, want);
	free(out);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(json_tree_nests_the_tree_with_the_documented_fields)
{
	static const char script[] =
	    "import json,sys\n"
	    "d=json.load(sys.stdin)\n"
	    "assert d['schema']==1,d\n"
	    "def f(n):\n"
	    "  if n['kind']=='supervisor':\n"
	    "    return '%s(%s,%s,%s)[%s]'%(n['name'],n['path'],n['strategy'],"
	    "n['state'],' '.join(f(c) for c in n['children']))\n"
	    "  assert n['kind']=='program',n\n"
	    "  return '%s(%s,%s,%s,%s)'%(n['name'],n['path'],n['state'],"
	    "n['pid'],n['restarts'])\n"
	    "print(f(d['tree']))\n";
	struct family f = family_up();
	struct th *t = f.t;
	char want[1024], *got;

	got = ctl_py(t, 0, "--json tree", script);
	snprintf(want, sizeof(want),
	    "root(root,one_for_one,running)[a(a,running,%d,0) "
	    "back(back,one_for_all,running)[db(back/db,running,%d,0) "
	    "web(back/web,running,%d,0)] bad(bad,exited,None,0)]\n",
	    (int)f.a.pid, (int)f.db.pid, (int)f.web.pid);
	ck_assert_str_eq(got, want);
	free(got);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(every_json_document_is_valid_json)
{
	static const char *const cmds[] = {"status", "tree", "health",
	    "health --alive", "pid a", "version", "stop a", "start a",
	    "restart a", "signal HUP back", "status nothing-here-at-all"};
	struct th *t = th_start(trio_conf);
	char *out, *got;
	size_t i;

	(void)th_up(t, "a", 1);
	(void)th_up(t, "web", 1);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		int st = th_ctl(t, &out, "--json %s", cmds[i]);

		if (st == 0)
			assert_json(t, out);
		else /* an error is said on stderr, not as JSON */
			ck_assert_msg(i == sizeof(cmds) / sizeof(cmds[0]) - 1,
			    "--json %s: exit %d:\n%s", cmds[i], st, out);
		free(out);
	}
	got = ctl_py(t, 0, "--json pid a",
	    "import json,sys\nd=json.load(sys.stdin)\n"
	    "print(d['schema'],d['path'],d['pid'])\n");
	out = NULL;
	ck_assert_int_gt(asprintf(&out, "1 a %d\n", (int)pid_of(t, "a")), 0);
	ck_assert_str_eq(got, out);
	free(got);
	free(out);
	got = ctl_py(t, 0, "--json stop a",
	    "import json,sys\nd=json.load(sys.stdin)\nprint(d['ok'])\n");
	ck_assert_str_eq(got, "True\n");
	free(got);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

/* ===================================================== start, stop, restart */

START_TEST(stop_returns_once_the_process_is_gone)
{
	struct th *t = th_start("[program:slow]\n"
	                        "command = " SLOW_CMD "\n");
	struct th_run s = th_up(t, "slow", 1);
	char *out;

	free(ctl(t, 0, "stop slow"));
	ck_assert_msg(!th_run_alive(&s), "slow still runs after stop returned");
	assert_row(t, "slow", "slow stopped - - 0 exit:0");
	/* a stopped program: stopping it again does nothing, exits 0 */
	out = ctl(t, 0, "stop slow");
	free(out);
	assert_row(t, "slow", "slow stopped - - 0 exit:0");
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(restart_returns_once_a_new_process_runs)
{
	struct th *t = th_start("[program:slow]\n"
	                        "command = " SLOW_CMD "\n");
	struct th_run old = th_up(t, "slow", 1), new;
	pid_t pid;
	char want[128];

	free(ctl(t, 0, "restart slow"));
	ck_assert_msg(
	    !th_run_alive(&old), "the old slow runs after restart returned");
	pid = pid_of(t, "slow");
	ck_assert_int_ne(pid, old.pid);
	snprintf(want, sizeof(want), "slow running %d * 0 exit:0", (int)pid);
	assert_row(t, "slow", want);
	new = th_up(t, "slow", 2);
	ck_assert_int_eq(new.pid, pid);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(start_returns_once_the_program_runs_and_does_nothing_if_it_runs)
{
	struct th *t = th_start("[program:x]\n"
	                        "autostart = no\n"
	                        "command = {S:x}\n");
	const struct th_run *none[2] = {NULL, NULL};
	struct th_run x;
	pid_t pid;
	char *out;

	answering(t);
	assert_row(t, "x", "x stopped - - 0 -");
	out = ctl(t, 1, "pid x");
	free(out);
	free(ctl(t, 0, "start x"));
	pid = pid_of(t, "x");
	ck_assert_msg(kill(pid, 0) == 0, "x (pid %d) is not there", (int)pid);
	assert_row(t, "x", "x running * * 0 -");
	x = th_up(t, "x", 1);
	ck_assert_int_eq(x.pid, pid);
	/* a running program: start does nothing */
	free(ctl(t, 0, "start x"));
	none[0] = &x;
	th_hold(t, th_all_alive, none, HOLD_MS, "x running");
	(void)th_up(t, "x", 1); /* and no second run */
	ck_assert_int_eq(pid_of(t, "x"), x.pid);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(start_brings_back_an_exited_program)
{
	struct th *t = th_start("[program:once]\n"
	                        "restart = temporary\n"
	                        "command = sh -c 'echo $$ >>{D}/once.pids;"
	                        "test -e {D}/once.again && exec sleep 100000;"
	                        "touch {D}/once.again;exit 3'\n");

	wait_state(t, "once", "exited");
	free(ctl(t, 0, "start once"));
	(void)th_up(t, "once", 2);
	assert_row(t, "once", "once running * * 0 exit:3");
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(stop_and_start_of_a_supervisor_act_on_its_subtree)
{
	struct th *t = th_start(trio_conf);
	struct th_run a = th_up(t, "a", 1), db = th_up(t, "db", 1),
	              web = th_up(t, "web", 1);
	const struct th_run *keep[2] = {&a, NULL};
	pid_t pdb, pweb;

	free(ctl(t, 0, "stop back"));
	ck_assert(!th_run_alive(&db));
	ck_assert(!th_run_alive(&web));
	ck_assert(th_run_alive(&a));
	assert_row(t, "back/db", "back/db stopped - - 0 *");
	assert_row(t, "back/web", "back/web stopped - - 0 *");
	free(ctl(t, 0, "start back"));
	pdb = pid_of(t, "back/db");
	pweb = pid_of(t, "web");
	ck_assert(kill(pdb, 0) == 0 && kill(pweb, 0) == 0);
	assert_row(t, "back/db", "back/db running * * 0 *");
	assert_row(t, "back/web", "back/web running * * 0 *");
	ck_assert_int_eq(th_up(t, "db", 2).pid, pdb);
	ck_assert_int_eq(th_up(t, "web", 2).pid, pweb);
	/* restart: both again */
	free(ctl(t, 0, "restart back"));
	ck_assert_int_eq(th_up(t, "db", 3).pid, pid_of(t, "db"));
	ck_assert_int_eq(th_up(t, "web", 3).pid, pid_of(t, "web"));
	assert_row(t, "back/db", "back/db running * * 0 *");
	th_hold(t, th_all_alive, keep, HOLD_MS, "a untouched");
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(stop_all_stops_every_program_and_tend_keeps_running)
{
	struct th *t = th_start(trio_conf);
	struct th_run a = th_up(t, "a", 1), db = th_up(t, "db", 1),
	              web = th_up(t, "web", 1);

	free(ctl(t, 0, "stop all"));
	ck_assert(
	    !th_run_alive(&a) && !th_run_alive(&db) && !th_run_alive(&web));
	ck_assert_msg(!th_exited(t), "tend exited after stop all");
	assert_row(t, "a", "a stopped - - 0 *");
	assert_row(t, "back/web", "back/web stopped - - 0 *");
	free(ctl(t, 0, "start all"));
	ck_assert_int_eq(th_up(t, "a", 2).pid, pid_of(t, "a"));
	ck_assert_int_eq(th_up(t, "db", 2).pid, pid_of(t, "db"));
	ck_assert_int_eq(th_up(t, "web", 2).pid, pid_of(t, "web"));
	free(ctl(t, 0, "restart all"));
	ck_assert_int_eq(th_up(t, "a", 3).pid, pid_of(t, "a"));
	ck_assert_int_eq(th_up(t, "db", 3).pid, pid_of(t, "db"));
	ck_assert_int_eq(th_up(t, "web", 3).pid, pid_of(t, "web"));
	assert_row(t, "a", "a running * * 0 *");
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

/* The stub: stop it for good (it ignores TERM for an hour). */
static void
end_stub(struct th *t)
{
	free(ctl(t, 0, "--no-wait stop stub"));
	free(ctl(t, 0, "kill stub"));
	wait_state(t, "stub", "stopped");
}

START_TEST(no_wait_returns_while_the_stop_is_still_going_on)
{
	struct th *t = th_start("[program:stub]\n"
	                        "shutdown = 1h\n"
	                        "command = " STUB_CMD "\n");
	struct th_run s = th_up(t, "stub", 1);
	char *out;

	out = ctl(t, 0, "--no-wait stop stub");
	free(out);
	ck_assert_msg(th_run_alive(&s), "stub is gone");
	assert_row(t, "stub", "stub stopping * * 0 -");
	/* a waiting stop waits: here until its timeout */
	out = ctl(t, 1, "--timeout 500ms stop stub");
	assert_has(out, "timed out", "stop --timeout");
	assert_has(out, "stub", "stop --timeout");
	free(out);
	ck_assert(th_run_alive(&s));
	free(ctl(t, 0, "kill stub"));
	th_wait_gone(t, s.pid, s.start, DEADLINE_MS);
	wait_state(t, "stub", "stopped");
	/* restart --no-wait: back at once, the old one still stopping */
	free(ctl(t, 0, "start stub"));
	s = th_up(t, "stub", 2);
	free(ctl(t, 0, "--no-wait restart stub"));
	ck_assert(th_run_alive(&s));
	assert_row(t, "stub", "stub stopping * * 0 *");
	free(ctl(t, 0, "kill stub"));
	(void)th_up(t, "stub", 3);
	wait_state(t, "stub", "running");
	end_stub(t);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(a_start_waits_for_the_start_sequence_or_times_out_with_exit_1)
{
	/*
	 * rest_for_one waits for gate before after (SPEC 11); gate cannot
	 * exec until the test writes {D}/gate.
	 */
	struct th *t = th_start("[supervisor:root]\n"
	                        "children = a gated\n"
	                        "[supervisor:gated]\n"
	                        "strategy = rest_for_one\n"
	                        "intensity = infinity\n"
	                        "children = gate after\n"
	                        "[program:a]\n"
	                        "command = {S:a}\n"
	                        "[program:gate]\n"
	                        "backoff = 100ms..100ms\n"
	                        "command = {D}/gate\n"
	                        "[program:after]\n"
	                        "command = {S:after}\n");
	char *out, *tmp, *gate;
	pid_t pids[4];
	FILE *f;

	(void)th_up(t, "a", 1);
	th_wait_file(t, "tend.err", "gate: cannot start", DEADLINE_MS);
	out = ctl(t, 1, "--timeout=1s start gated");
	assert_has(out, "timed out", "start --timeout");
	assert_has(out, "gated", "start --timeout");
	free(out);
	ck_assert_int_eq(th_pids(t, "after", pids, 4), 0);
	/* now gate can start: start returns once after runs */
	tmp = path_of(t, "gate.tmp");
	gate = path_of(t, "gate");
	f = fopen(tmp, "we");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "#!/bin/sh\necho $$ >>%s/gate.pids\nexec sleep 100000\n",
	    th_dir(t));
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(chmod(tmp, 0755), 0);
	ck_assert_int_eq(rename(tmp, gate), 0);
	free(ctl(t, 0, "start gated"));
	ck_assert_msg(kill(pid_of(t, "gated/after"), 0) == 0, "after is gone");
	assert_row(t, "gated/after", "gated/after running * * 0 -");
	(void)th_up(t, "after", 1);
	(void)th_up(t, "gate", 1);
	free(tmp);
	free(gate);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(several_names_with_one_unknown_exit_3_and_nothing_is_done)
{
	struct th *t = th_start("[program:a]\n"
	                        "command = {S:a}\n"
	                        "[program:b]\n"
	                        "command = {S:b}\n"
	                        "[program:x]\n"
	                        "autostart = no\n"
	                        "command = {S:x}\n");
	struct th_run a = th_up(t, "a", 1), b = th_up(t, "b", 1);
	const struct th_run *keep[3] = {&a, &b, NULL};
	static const char *const cmds[] = {"stop a nope b", "restart a b nope",
	    "kill nope a", "signal TERM a nope", "start x nope",
	    "status a nope"};
	size_t i;
	char *out;
	pid_t pids[4];

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		out = ctl(t, 3, "%s", cmds[i]);
		assert_has(out, "nope", cmds[i]);
		free(out);
	}
	th_hold(t, th_all_alive, keep, HOLD_MS, "a and b running");
	ck_assert_int_eq(th_pids(t, "a", pids, 4), 1);
	ck_assert_int_eq(th_pids(t, "b", pids, 4), 1);
	ck_assert_int_eq(th_pids(t, "x", pids, 4), 0);
	assert_row(t, "x", "x stopped - - 0 -");
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

/* ===================================================== kill, signal, charge */

START_TEST(kill_is_a_crash_the_strategy_answers_and_restarts_count_it)
{
	struct th *t = th_start(trio_conf);
	struct th_run a = th_up(t, "a", 1), db = th_up(t, "db", 1),
	              web = th_up(t, "web", 1);
	const struct th_run *keep[2] = {&a, NULL};
	char want[128];

	free(ctl(t, 0, "kill db"));
	th_wait_gone(t, db.pid, db.start, DEADLINE_MS);
	th_wait_gone(t, web.pid, web.start, DEADLINE_MS);
	db = th_up(t, "db", 2);
	web = th_up(t, "web", 2);
	wait_state(t, "back/web", "running");
	/* one_for_all: both restarted, both counted */
	snprintf(want, sizeof(want), "back/db running %d * 1 signal:KILL",
	    (int)db.pid);
	assert_row(t, "back/db", want);
	snprintf(want, sizeof(want), "back/web running %d * 1 signal:TERM",
	    (int)web.pid);
	assert_row(t, "back/web", want);
	snprintf(want, sizeof(want), "a running %d * 0 -", (int)a.pid);
	assert_row(t, "a", want);
	th_hold(t, th_all_alive, keep, HOLD_MS, "a untouched");
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(kill_is_charged_to_the_restart_intensity)
{
	struct th *t = th_start("[supervisor:root]\n"
	                        "intensity = 1\n"
	                        "period = 1h\n"
	                        "[program:a]\n"
	                        "command = {S:a}\n");

	(void)th_up(t, "a", 1);
	free(ctl(t, 0, "kill a"));
	(void)th_up(t, "a", 2);
	wait_state(t, "a", "running");
	assert_row(t, "a", "a running * * 1 signal:KILL");
	free(ctl(t, 0, "kill a"));
	ck_assert_int_eq(th_wait_exit(t, DEADLINE_MS), 3);
	th_assert_stderr_has(t, "root: giving up");
	ck_assert_int_eq(th_stop(t), 3);
}
END_TEST

START_TEST(operator_restarts_are_not_charged_and_not_counted)
{
	struct th *t = th_start("[supervisor:root]\n"
	                        "intensity = 1\n"
	                        "period = 1h\n"
	                        "[program:a]\n"
	                        "command = {S:a}\n"
	                        "[program:b]\n"
	                        "command = {S:b}\n");
	char *err;
	int i;

	(void)th_up(t, "a", 1);
	(void)th_up(t, "b", 1);
	for (i = 2; i <= 4; i++) {
		free(ctl(t, 0, "restart a"));
		(void)th_up(t, "a", i);
	}
	free(ctl(t, 0, "stop a b"));
	free(ctl(t, 0, "start a b"));
	(void)th_up(t, "a", 5);
	(void)th_up(t, "b", 2);
	ck_assert_msg(!th_exited(t), "tend exited");
	assert_row(t, "a", "a running * * 0 *");
	assert_row(t, "b", "b running * * 0 *");
	free(ctl(t, 0, "health"));
	err = th_stderr(t);
	assert_lacks(err, "giving up", "tend's stderr");
	free(err);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

static int
count_in_file(struct th *t, const char *file, const char *needle)
{
	char *s = th_read(t, file);
	int n = s != NULL ? th_occurrences(s, needle) : 0;

	free(s);
	return n;
}

struct count_arg {
	const char *file, *needle;
	int n;
};

static bool
file_count_is(struct th *t, const void *arg)
{
	const struct count_arg *c = arg;

	return count_in_file(t, c->file, c->needle) == c->n;
}

/* Send with tendctl, then wait until D/sig holds n lines "needle". */
static void
signal_and_see(struct th *t, const char *cmd, const char *needle, int n)
{
	struct count_arg c = {"sig", needle, n};
	char what[256];

	free(ctl(t, 0, "%s", cmd));
	snprintf(
	    what, sizeof(what), "%d \"%s\" in D/sig after %s", n, needle, cmd);
	th_wait(t, file_count_is, &c, DEADLINE_MS, what);
}

START_TEST(signal_sends_the_signal_to_the_main_process_and_nothing_else)
{
	struct th *t =
	    th_start("[supervisor:root]\n"
	             "children = h grp\n"
	             "[supervisor:grp]\n"
	             "children = h2 h3\n"
	             "[program:h]\n"
	             "command = " TRAPPER("h") "\n"
	                                       "[program:h2]\n"
	                                       "command = " TRAPPER(
	                                           "h2") "\n"
	                                                 "[program:h3]\n"
	                                                 "autostart = no\n"
	                                                 "command = " TRAPPER(
	                                                     "h3") "\n");
	struct th_run h = th_up(t, "h", 1), h2 = th_up(t, "h2", 1);
	const struct th_run *keep[3] = {&h, &h2, NULL};
	char cmd[64], *out;

	signal_and_see(t, "signal HUP h", "h hup\n", 1);
	signal_and_see(t, "signal -HUP h", "h hup\n", 2);
	signal_and_see(t, "signal SIGHUP h", "h hup\n", 3);
	snprintf(cmd, sizeof(cmd), "signal %d h", SIGHUP);
	signal_and_see(t, cmd, "h hup\n", 4);
	snprintf(cmd, sizeof(cmd), "signal -%d h", SIGUSR1);
	signal_and_see(t, cmd, "h usr1\n", 1);
	/* a supervisor: each running program of its subtree */
	signal_and_see(t, "signal USR1 grp", "h2 usr1\n", 1);
	ck_assert_int_eq(count_in_file(t, "sig", "h usr1\n"), 1);
	ck_assert_int_eq(count_in_file(t, "sig", "h3"), 0);
	/* a program that is not running */
	assert_ctl_says(t, 1, "signal HUP h3", "h3");
	out = ctl(t, 2, "signal NOSUCHSIGNAL h");
	free(out);
	th_hold(t, th_all_alive, keep, HOLD_MS, "h and h2 running");
	assert_row(t, "h", "h running * * 0 -");
	assert_row(t, "grp/h2", "grp/h2 running * * 0 -");
	(void)th_up(t, "h", 1);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(
    a_failed_operator_start_exits_1_leaves_it_stopped_and_charges_nothing)
{
	/* intensity 0: a single charged restart would end tend */
	struct th *t = th_start("[supervisor:root]\n"
	                        "intensity = 0\n"
	                        "[program:a]\n"
	                        "command = {S:a}\n"
	                        "[program:bad]\n"
	                        "autostart = no\n"
	                        "command = {D}/missing\n");
	struct th_run a = th_up(t, "a", 1);
	const struct th_run *keep[2] = {&a, NULL};

	assert_ctl_says(t, 1, "start bad", "bad");
	th_hold(t, th_all_alive, keep, HOLD_MS, "tend and a running");
	assert_row(t, "bad", "bad stopped - - 0 exec:ENOENT");
	/* unhealthy until it starts or is stopped again */
	assert_ctl_says(t, 1, "health", "bad");
	free(ctl(t, 0, "health --alive"));
	free(ctl(t, 0, "stop bad"));
	free(ctl(t, 0, "health"));
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(start_under_a_failed_supervisor_exits_1_and_start_sup_runs_it_anew)
{
	struct th *t = th_start("[supervisor:root]\n"
	                        "children = a sub\n"
	                        "[supervisor:sub]\n"
	                        "restart = transient\n"
	                        "intensity = 1\n"
	                        "period = 1h\n"
	                        "children = c\n"
	                        "[program:a]\n"
	                        "command = {S:a}\n"
	                        "[program:c]\n"
	                        "command = {S:c}\n");
	char *out;

	(void)th_up(t, "a", 1);
	(void)th_up(t, "c", 1);
	free(ctl(t, 0, "kill c"));
	(void)th_up(t, "c", 2);
	wait_state(t, "sub/c", "running");
	free(ctl(t, 0, "kill c"));
	th_wait_file(t, "tend.err", "sub: giving up", DEADLINE_MS);
	assert_ctl_says(t, 0, "tree", "sub  one_for_one  failed");
	out = ctl(t, 1, "start c");
	assert_has(out, "sub", "start c");
	assert_has(out, "failed", "start c");
	free(out);
	assert_ctl_says(t, 1, "health", "sub");
	assert_ctl_says(t, 1, "health --alive", "sub");
	/* start SUP: its start sequence, with a clear history */
	free(ctl(t, 0, "start sub"));
	(void)th_up(t, "c", 3);
	free(ctl(t, 0, "health --alive"));
	free(ctl(t, 0, "health"));
	free(ctl(t, 0, "kill c")); /* one restart allowed again */
	(void)th_up(t, "c", 4);
	wait_state(t, "sub/c", "running");
	assert_ctl_says(t, 0, "tree", "sub  one_for_one  running");
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

/* ==================================================================== pid */

START_TEST(pid_prints_the_main_pid_of_a_program_only)
{
	struct family f = family_up();
	struct th *t = f.t;

	ck_assert_int_eq(pid_of(t, "a"), f.a.pid);
	ck_assert_int_eq(pid_of(t, "back/db"), f.db.pid);
	ck_assert_int_eq(pid_of(t, "db"), f.db.pid);
	assert_ctl_says(t, 1, "pid back", "supervisor");
	free(ctl(t, 1, "pid bad"));
	free(ctl(t, 3, "pid nope"));
	free(ctl(t, 2, "pid"));
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

/* ================================================================= health */

START_TEST(health_is_0_when_everything_is_as_it_should_be)
{
	struct th *t = th_start("[program:a]\n"
	                        "command = {S:a}\n"
	                        "[program:idle]\n"
	                        "autostart = no\n"
	                        "command = {S:idle}\n"
	                        "[program:x]\n"
	                        "command = {S:x}\n"
	                        "[program:done]\n"
	                        "restart = transient\n"
	                        "command = true\n");
	char *out, *got;

	(void)th_up(t, "a", 1);
	(void)th_up(t, "x", 1);
	th_wait_file(t, "tend.err", "done: exited with status 0; not restarted",
	    DEADLINE_MS);
	free(ctl(t, 0, "stop x"));
	out = ctl(t, 0, "health");
	ck_assert_str_eq(out, "healthy\n");
	free(out);
	free(ctl(t, 0, "health --alive"));
	got = ctl_py(t, 0, "--json health",
	    "import json,sys\nd=json.load(sys.stdin)\n"
	    "print(d['schema'],d['healthy'],d['unhealthy'])\n");
	ck_assert_str_eq(got, "1 True []\n");
	free(got);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(health_is_1_naming_abnormal_exits_and_backoff_while_alive_is_0)
{
	struct th *t = th_start("[program:a]\n"
	                        "command = {S:a}\n"
	                        "[program:bad]\n"
	                        "restart = temporary\n"
	                        "command = " MISSING "\n"
	                        "[program:crash]\n"
	                        "backoff = 1h..1h\n"
	                        "command = sh -c 'exit 1'\n");
	char *out, *got;

	(void)th_up(t, "a", 1);
	wait_state(t, "bad", "exited");
	wait_state(t, "crash", "backoff");
	out = ctl(t, 1, "health");
	assert_has(out, "bad", "health");
	assert_has(out, "crash", "health");
	assert_lacks(out, "a:", "health");
	assert_lacks(out, "healthy\n", "health");
	free(out);
	free(ctl(t, 0, "health --alive"));
	got = ctl_py(t, 1, "--json health",
	    "import json,sys\nd=json.load(sys.stdin)\n"
	    "print(d['healthy'],' '.join(u['path']+':'+u['state'] for u in "
	    "d['unhealthy']))\n");
	ck_assert_str_eq(got, "False bad:exited crash:backoff\n");
	free(got);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(stopping_is_healthy_only_when_an_operator_asked_for_it)
{
	struct th *t = th_start("[supervisor:root]\n"
	                        "strategy = one_for_all\n"
	                        "children = stub b\n"
	                        "[program:stub]\n"
	                        "shutdown = 1h\n"
	                        "command = " STUB_CMD "\n"
	                        "[program:b]\n"
	                        "command = {S:b}\n");
	struct th_run s = th_up(t, "stub", 1), b = th_up(t, "b", 1);
	char *out;

	free(ctl(t, 0, "--no-wait stop stub"));
	assert_row(t, "stub", "stub stopping * * 0 *");
	out = ctl(t, 0, "health");
	ck_assert_str_eq(out, "healthy\n");
	free(out);
	free(ctl(t, 0, "kill stub"));
	wait_state(t, "stub", "stopped");
	free(ctl(t, 0, "start stub"));
	s = th_up(t, "stub", 2);
	/* a crash of b makes one_for_all stop stub: not an operator's stop */
	ck_assert_int_eq(kill(b.pid, SIGKILL), 0);
	wait_state(t, "stub", "stopping");
	assert_ctl_says(t, 1, "health", "stub");
	free(ctl(t, 0, "health --alive"));
	ck_assert(th_run_alive(&s));
	free(ctl(t, 0, "kill stub"));
	(void)th_up(t, "stub", 3);
	(void)th_up(t, "b", 2);
	wait_state(t, "stub", "running");
	end_stub(t);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(a_temporary_program_stopped_by_a_siblings_restart_is_healthy)
{
	struct th *t = th_start("[supervisor:root]\n"
	                        "strategy = one_for_all\n"
	                        "children = a tmp b\n"
	                        "[program:a]\n"
	                        "command = {S:a}\n"
	                        "[program:tmp]\n"
	                        "restart = temporary\n"
	                        "command = {S:tmp}\n"
	                        "[program:b]\n"
	                        "command = {S:b}\n");
	struct th_run tmp = th_up(t, "tmp", 1), b = th_up(t, "b", 1);
	char *out;

	(void)th_up(t, "a", 1);
	free(ctl(t, 0, "kill b"));
	th_wait_gone(t, b.pid, b.start, DEADLINE_MS);
	th_wait_gone(t, tmp.pid, tmp.start, DEADLINE_MS);
	(void)th_up(t, "a", 2);
	(void)th_up(t, "b", 2);
	wait_state(t, "b", "running");
	out = ctl(t, 0, "health");
	ck_assert_str_eq(out, "healthy\n");
	free(out);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

/* ================================================================= events */

START_TEST(events_show_a_kill_as_an_exit_then_a_new_start)
{
	struct th *t = th_start("[program:a]\n"
	                        "command = {S:a}\n"
	                        "[program:idle]\n"
	                        "command = {S:idle}\n");
	struct th_run a = th_up(t, "a", 1), a2;
	struct stream s;
	char needle[128];
	size_t from, exit_at, run_at;
	pid_t pid;

	(void)th_up(t, "idle", 1);
	stream_start(t, &s, "events");
	from = subscribed(t, &s, "idle", "  idle  running  pid ");
	free(ctl(t, 0, "kill a"));
	snprintf(needle, sizeof(needle), "  a  exited signal:KILL  pid %d\n",
	    (int)a.pid);
	exit_at = stream_find(&s, from, needle);
	run_at = stream_find(&s, exit_at, "  a  running  pid ");
	pid = (pid_t)atoi(s.buf + run_at + strlen("  a  running  pid "));
	a2 = th_up(t, "a", 2);
	ck_assert_int_eq(pid, a2.pid);
	/* each line: an ISO time, the path, what happened */
	ck_assert_msg(s.buf[exit_at - 1] == 'Z', "no time before:\n%s", s.buf);
	ck_assert_int_eq(stream_end(&s), 0); /* interrupted: exit 0 */
	free(s.buf);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(json_events_are_one_object_per_line)
{
	static const char script[] =
	    "import json,sys\n"
	    "for l in sys.stdin:\n"
	    "  e=json.loads(l)\n"
	    "  assert isinstance(e['time_ms'],int) and e['kind']=='prog',e\n"
	    "  if e['path']=='a':\n"
	    "    print(e['what'],e['state'],e.get('last'))\n";
	struct th *t = th_start("[program:a]\n"
	                        "command = {S:a}\n"
	                        "[program:idle]\n"
	                        "command = {S:idle}\n");
	struct stream s;
	size_t from;
	char *got, *lines;

	(void)th_up(t, "a", 1);
	(void)th_up(t, "idle", 1);
	stream_start(t, &s, "--json events");
	from = subscribed(t, &s, "idle", "\"path\":\"idle\"");
	free(ctl(t, 0, "kill a"));
	(void)th_up(t, "a", 2);
	(void)stream_find(&s, from,
	    "\"path\":\"a\",\"kind\":\"prog\","
	    "\"what\":\"state\",\"state\":\"running\"");
	ck_assert_int_eq(stream_end(&s), 0);
	lines = s.buf + from;
	got = py_ok(t, lines, script);
	assert_has(got, "exit ", "the JSON events");
	assert_has(got, "signal:KILL", "the JSON events");
	assert_has(got, "state running None", "the JSON events");
	ck_assert_msg(strstr(got, "signal:KILL") < strstr(got, "state running"),
	    "the exit comes after the new start:\n%s", got);
	free(got);
	free(s.buf);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

/* x prints two lines, then a third once D/go exists. */
#define LOGS_CONF                                                              \
	"[program:x]\n"                                                        \
	"command = sh -c 'echo one;echo \"two  \\\\ \\\"q\\\"\";"              \
	"echo $$ >>{D}/x.pids;until test -e {D}/go;do sleep 0.01;done;"        \
	"echo three;exec sleep 100000'\n"

START_TEST(json_logs_is_one_document_with_the_lines)
{
	static const char script[] =
	    "import json,sys\n"
	    "d=json.load(sys.stdin)\n"
	    "assert d['schema']==1,d\n"
	    "for l in d['lines']:\n"
	    "  assert isinstance(l['time_us'],int) and l['time_us']>0,l\n"
	    "  print(l['path']+'|'+l['text'])\n";
	struct th *t = th_start(LOGS_CONF);
	char *got;

	(void)th_up(t, "x", 1);
	th_wait_file(t, "tend.out", "x | two", DEADLINE_MS);
	got = ctl_py(t, 0, "--json logs x", script);
	ck_assert_str_eq(got, "x|one\nx|two  \\ \"q\"\n");
	free(got);
	got = ctl_py(t, 0, "logs x -n 1 --json", script);
	ck_assert_str_eq(got, "x|two  \\ \"q\"\n");
	free(got);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

/* SPEC 5: logs -f --json is one object a line, each as its line comes. */
START_TEST(json_logs_f_is_one_object_a_line_as_lines_come)
{
	static const char script[] =
	    "import json,sys\n"
	    "for l in sys.stdin:\n"
	    "  o=json.loads(l)\n"
	    "  assert set(o)=={'path','time_us','text'},o\n"
	    "  print(o['path']+'|'+o['text'])\n";
	struct th *t = th_start(LOGS_CONF);
	struct stream s;
	char *got;

	(void)th_up(t, "x", 1);
	th_wait_file(t, "tend.out", "x | two", DEADLINE_MS);
	stream_start(t, &s, "logs x -f --json");
	(void)stream_find(&s, 0, "\"text\":\"two  \\\\ \\\"q\\\"\"}\n");
	ck_assert_ptr_null(strstr(s.buf, "three"));
	th_write(t, "go", "");
	(void)stream_find(&s, 0, "\"text\":\"three\"}\n");
	ck_assert_int_eq(stream_end(&s), 0); /* interrupted: exit 0 */
	got = py_ok(t, s.buf, script);
	ck_assert_str_eq(got, "x|one\nx|two  \\ \"q\"\nx|three\n");
	free(got);
	free(s.buf);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

/* ============================================== version, help, shutdown */

START_TEST(version_names_tendctl_and_the_tend_it_reaches)
{
	struct th *t = th_start("[program:a]\n"
	                        "command = {S:a}\n");
	char want[128], *out, *got;

	answering(t);
	snprintf(
	    want, sizeof(want), "(pid %d, protocol 1)", (int)th_tend_pid(t));
	out = ctl(t, 0, "version");
	assert_has(out, "tendctl ", "version");
	assert_has(out, want, "version");
	free(out);
	out = ctl(t, 0, "--version");
	assert_has(out, want, "--version");
	free(out);
	got = ctl_py(t, 0, "--json version",
	    "import json,sys\nd=json.load(sys.stdin)\n"
	    "print(d['tend']['pid'],d['tend']['protocol'],"
	    "d['tend']['version']==d['tendctl'])\n");
	snprintf(want, sizeof(want), "%d 1 True\n", (int)th_tend_pid(t));
	ck_assert_str_eq(got, want);
	free(got);
	/* no tend: still exit 0, saying so */
	out = ctl(t, 0, "-s %s/none.sock version", th_dir(t));
	assert_has(out, "not reachable", "version without tend");
	free(out);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(help_prints_the_usage_with_every_command_and_exits_0)
{
	static const char *const words[] = {"status", "tree", "start", "stop",
	    "restart", "signal", "kill", "pid", "events", "health", "logs",
	    "shutdown", "version", "--timeout", "--json", "-s SOCKET"};
	static const char *const ways[] = {"help", "-h", "--help"};
	struct th *t = th_new("[program:a]\n"
	                      "command = {S:a}\n");
	size_t i, k;
	char *out;

	/* no tend needed */
	for (k = 0; k < sizeof(ways) / sizeof(ways[0]); k++) {
		out = ctl(t, 0, "%s", ways[k]);
		assert_has(out, "usage: tendctl", ways[k]);
		for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
			assert_has(out, words[i], ways[k]);
		free(out);
	}
	th_stop(t);
}
END_TEST

START_TEST(shutdown_ends_tend_with_status_0_and_leaves_no_program)
{
	struct th *t = th_start(trio_conf);
	char *out;

	(void)th_up(t, "a", 1);
	(void)th_up(t, "web", 1);
	free(ctl(t, 0, "shutdown"));
	ck_assert_int_eq(th_wait_exit(t, DEADLINE_MS), 0);
	ck_assert_int_eq(th_procs_alive(t), 0);
	/* and then nobody answers */
	out = ctl(t, 4, "status");
	free(out);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

/* ========================================================== exit statuses */

START_TEST(usage_errors_exit_2_and_do_nothing)
{
	static const char *const cmds[] = {"frobnicate", "--frobnicate status",
	    "--timeout soon start a", "start a --timeout",
	    "--timeout=", "start", "stop", "restart", "kill", "signal",
	    "signal HUP", "signal NOSUCHSIGNAL a", "pid", "pid a b", "logs", "",
	    "-s"};
	struct th *t = th_start("[program:a]\n"
	                        "command = {S:a}\n");
	struct th_run a = th_up(t, "a", 1);
	const struct th_run *keep[2] = {&a, NULL};
	size_t i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		free(ctl(t, 2, "%s", cmds[i]));
	th_hold(t, th_all_alive, keep, HOLD_MS, "a running");
	(void)th_up(t, "a", 1);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(unknown_names_exit_3)
{
	static const char *const cmds[] = {"status nope", "start nope",
	    "stop nope", "restart nope", "kill nope", "signal HUP nope",
	    "pid nope", "logs nope", "status root/nope", "status a/a",
	    "status back/a"};
	struct th *t = th_start(trio_conf);
	size_t i;
	char *out;

	(void)th_up(t, "web", 1);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		out = ctl(t, 3, "%s", cmds[i]);
		assert_has(out, "no such program or supervisor", cmds[i]);
		free(out);
	}
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(an_unreachable_tend_exits_4)
{
	struct th *t = th_new("[program:a]\n"
	                      "command = {S:a}\n");
	static const char *const cmds[] = {
	    "status", "health", "health --alive", "stop a", "events", "tree"};
	struct sockaddr_un sa;
	char *dead = path_of(t, "dead.sock"), *plain = path_of(t, "plain");
	const char *paths[4];
	size_t i, k;
	char *out;
	int fd;

	/* a socket file that nobody listens on, and a plain file */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", dead);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	fd = open(plain, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	ck_assert_int_ne(fd, -1);
	close(fd);
	paths[0] = "/nonexistent/tend.sock"; /* no tend at all */
	paths[1] = dead;
	paths[2] = plain;
	paths[3] = NULL;
	for (k = 0; paths[k] != NULL; k++)
		for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
			out = ctl(t, 4, "-s %s %s", paths[k], cmds[i]);
			assert_has(out, "tendctl: ", cmds[i]);
			free(out);
		}
	/* the harness's own socket, with no tend launched */
	out = ctl(t, 4, "status");
	free(out);
	free(dead);
	free(plain);
	th_stop(t);
}
END_TEST

START_TEST(the_socket_comes_from_s_then_tend_socket)
{
	struct th *t = th_start("[program:a]\n"
	                        "command = {S:a}\n");
	char env[256], *out;
	struct how h = {.no_socket = true, .env = env};

	(void)th_up(t, "a", 1);
	snprintf(env, sizeof(env), "TEND_SOCKET=%s/tend.sock", th_dir(t));
	ck_assert_int_eq(ctl_how(t, &h, &out, "status a"), 0);
	assert_has(out, "\na ", "status through $TEND_SOCKET");
	free(out);
	/* -s wins over $TEND_SOCKET */
	ck_assert_int_eq(
	    ctl_how(t, &h, &out, "-s %s/none.sock status", th_dir(t)), 4);
	free(out);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

/* ============================================================== the socket */

START_TEST(the_socket_is_born_0600_and_owned_by_tends_user)
{
	struct th *t = th_start("[program:a]\n"
	                        "command = {S:a}\n");
	char *sock = path_of(t, "tend.sock");
	struct stat st;

	(void)th_up(t, "a", 1);
	ck_assert_int_eq(stat(sock, &st), 0);
	ck_assert(S_ISSOCK(st.st_mode));
	ck_assert_msg((st.st_mode & 07777) == 0600, "mode %o",
	    (unsigned)(st.st_mode & 07777));
	ck_assert_int_eq(st.st_uid, geteuid());
	free(sock);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(socket_group_makes_it_0660_of_that_group_and_serves_its_members)
{
	struct th *t = th_new("[tend]\n"
	                      "socket_group = " TEST_USER "\n"
	                      "[program:a]\n"
	                      "command = {S:a}\n");
	char *sock = path_of(t, "tend.sock"), *bin, *out;
	struct cred member, primary, outsider;
	struct how h = {0};
	struct stat st;
	uid_t uid;
	gid_t gid;

	test_user(t, &uid, &gid); /* before tend looks the group up */
	th_launch(t);
	(void)th_up(t, "a", 1);
	ck_assert_int_eq(stat(sock, &st), 0);
	ck_assert_msg((st.st_mode & 07777) == 0660, "mode %o",
	    (unsigned)(st.st_mode & 07777));
	ck_assert_int_eq(st.st_gid, gid);
	bin = tendctl_for_others(t);
	h.bin = bin;
	/* a supplementary member, a primary one, and someone else */
	member = (struct cred){uid, nogroup(), 1, {gid}};
	primary = (struct cred){uid, gid, 0, {0}};
	outsider = (struct cred){uid, nogroup(), 0, {0}};
	h.cr = &member;
	ck_assert_int_eq(ctl_how(t, &h, &out, "status a"), 0);
	assert_has(out, "\na ", "status as a member");
	free(out);
	h.cr = &primary;
	ck_assert_int_eq(ctl_how(t, &h, &out, "status a"), 0);
	free(out);
	h.cr = &outsider;
	ck_assert_int_eq(ctl_how(t, &h, &out, "status a"), 4);
	assert_has(out, "permission denied", "status as an outsider");
	free(out);
	free(bin);
	free(sock);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(another_user_is_refused_by_the_sockets_mode_with_exit_4)
{
	struct th *t = th_start("[program:a]\n"
	                        "command = {S:a}\n");
	struct cred other;
	struct how h = {.cr = &other};
	char *bin, *out;
	uid_t uid;
	gid_t gid;

	test_user(t, &uid, &gid);
	other = (struct cred){uid, gid, 0, {0}};
	(void)th_up(t, "a", 1);
	bin = tendctl_for_others(t);
	h.bin = bin;
	ck_assert_int_eq(ctl_how(t, &h, &out, "status"), 4);
	assert_has(out, "permission denied", "status as another user");
	free(out);
	ck_assert_int_eq(ctl_how(t, &h, &out, "health --alive"), 4);
	free(out);
	free(bin);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(another_user_let_in_by_the_mode_is_refused_by_peercred_and_logged)
{
	struct th *t = th_start("[program:a]\n"
	                        "command = {S:a}\n");
	char *sock = path_of(t, "tend.sock"), *bin, *out;
	struct cred other;
	struct how h = {.cr = &other};
	char want[128];
	uid_t uid;
	gid_t gid;
	int i;

	test_user(t, &uid, &gid);
	other = (struct cred){uid, gid, 0, {0}};
	(void)th_up(t, "a", 1);
	bin = tendctl_for_others(t);
	h.bin = bin;
	ck_assert_int_eq(chmod(sock, 0666), 0);
	/* tend may close before tendctl has sent its request: it must
	 * still say why, every time */
	for (i = 0; i < 10; i++) {
		ck_assert_int_eq(ctl_how(t, &h, &out, "stop a"), 4);
		assert_has(out, "permission denied", "stop a as another user");
		free(out);
	}
	snprintf(want, sizeof(want), "refused a client: uid %u", (unsigned)uid);
	th_wait_file(t, "tend.err", want, DEADLINE_MS);
	assert_row(t, "a", "a running * * 0 -"); /* nothing done */
	free(bin);
	free(sock);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(tendctl_refuses_a_server_that_is_not_roots_or_its_own)
{
	struct th *t = th_new("[program:a]\n"
	                      "command = {S:a}\n");
	struct sockaddr_un sa;
	char *fake = path_of(t, "fake.sock"), *out;
	int fd, st;
	uid_t uid;
	gid_t gid;
	pid_t pid;

	test_user(t, &uid, &gid);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", fake);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		/* listen as the other user: its credentials are the peer's */
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
		alarm(30);
		if (setgroups(0, NULL) == -1 ||
		    setresgid(gid, gid, gid) == -1 ||
		    setresuid(uid, uid, uid) == -1 || listen(fd, 8) == -1)
			_exit(1);
		for (;;) {
			int c = accept(fd, NULL, NULL);

			if (c != -1) {
				(void)!write(c, "TEND/1 OK\n.\n", 12);
				close(c);
			}
		}
	}
	close(fd);
	out = ctl(t, 4, "-s %s status", fake);
	assert_has(out, "refusing", "status of a stranger's server");
	free(out);
	(void)kill(pid, SIGKILL);
	while (waitpid(pid, &st, 0) == -1 && errno == EINTR)
		;
	free(fake);
	th_stop(t);
}
END_TEST

START_TEST(a_second_tend_on_the_same_socket_exits_1_naming_it_and_the_first)
{
	struct th *t = th_start("[program:a]\n"
	                        "command = {S:a}\n");
	struct th_run a = th_up(t, "a", 1);
	const struct th_run *keep[2] = {&a, NULL};
	char want[256], *out;

	ck_assert_int_eq(th_tend(t, &out, "-c %s/tend.conf -s %s/tend.sock",
	                     th_dir(t), th_dir(t)),
	    1);
	snprintf(want, sizeof(want), "%s/tend.sock", th_dir(t));
	assert_has(out, want, "the second tend");
	snprintf(want, sizeof(want), "pid %d", (int)th_tend_pid(t));
	assert_has(out, want, "the second tend");
	free(out);
	/* the first goes on, undisturbed */
	th_hold(t, th_all_alive, keep, HOLD_MS, "a running");
	status_answers_promptly(t);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

static bool
exited(struct th *t, const void *arg)
{
	(void)arg;
	return th_exited(t);
}

START_TEST(a_stale_socket_left_by_a_killed_tend_is_replaced)
{
	struct th *t1 = th_start("[program:a]\n"
	                         "command = {S:a}\n");
	char conf[512], want[64], *sock = path_of(t1, "tend.sock"), *out;
	struct th *t2;
	struct stat st;

	(void)th_up(t1, "a", 1);
	th_signal(t1, SIGKILL);
	{
		long long deadline = th_now_ms() + DEADLINE_MS;

		while (!exited(t1, NULL) && th_now_ms() < deadline)
			(void)poll(NULL, 0, 10);
		ck_assert(th_exited(t1));
	}
	ck_assert_int_eq(stat(sock, &st), 0); /* left behind */
	snprintf(conf, sizeof(conf),
	    "[tend]\n"
	    "socket = %s\n"
	    "[program:b]\n"
	    "command = {S:b}\n",
	    sock);
	t2 = th_start(conf);
	(void)th_up(t2, "b", 1);
	snprintf(want, sizeof(want), "(pid %d, ", (int)th_tend_pid(t2));
	out = ctl(t1, 0, "version"); /* t1's socket path */
	assert_has(out, want, "version on the old path");
	free(out);
	out = ctl(t1, 0, "status");
	assert_has(out, "\nb ", "status on the old path");
	free(out);
	/* t1's orphaned program is ours (a subreaper's) now: t1's sweep
	 * takes it, before t2's stop counts what is left */
	(void)th_stop(t1);
	ck_assert_int_eq(th_stop(t2), 0);
	free(sock);
}
END_TEST

/* ============================================================ raw clients */

/* Send request on a fresh connection: tend's whole reply (it closes). */
static char *
exchange(struct th *t, const void *request, size_t len)
{
	int fd = raw_connect(t);
	bool eof;
	char *reply;

	(void)raw_send(fd, request, len, DEADLINE_MS);
	reply = drain(fd, th_now_ms() + DEADLINE_MS, &eof, NULL);
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
		ck_assert_msg(is_err_reply(reply, 2), "%s: reply \"%s\"",
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
	status_answers_promptly(t);
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
	fd = raw_connect(t);
	(void)raw_send(fd, junk, big, DEADLINE_MS);
	reply = drain(fd, th_now_ms() + DEADLINE_MS, &eof, NULL);
	ck_assert_msg(eof, "tend kept the connection open");
	ck_assert_msg(is_err_reply(reply, 2), "reply \"%s\"", reply);
	assert_has(reply, "too\\slong", "the reply");
	free(reply);
	close(fd);
	/* a line just over 64 KiB, with its newline */
	junk[64 * 1024 + 1] = '\n';
	reply = exchange(t, junk, 64 * 1024 + 2);
	ck_assert_msg(is_err_reply(reply, 2), "reply \"%.200s\"", reply);
	free(reply);
	free(junk);
	status_answers_promptly(t);
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
	silent = raw_connect(t);
	half = raw_connect(t);
	ck_assert_uint_eq(raw_send(half, "TEND/1 sta", 10, DEADLINE_MS), 10);
	/* not dropped at once; meanwhile tend serves others */
	status_answers_promptly(t);
	pfd[0] = (struct pollfd){silent, POLLIN, 0};
	pfd[1] = (struct pollfd){half, POLLIN, 0};
	if (th_now_ms() - began < 1000)
		ck_assert_int_eq(
		    poll(pfd, 2, 1000 - (int)(th_now_ms() - began)), 0);
	/* then told and dropped, around 5 s after connecting */
	reply[0] = drain(silent, began + 8000, &eof[0], NULL);
	reply[1] = drain(half, began + 8000, &eof[1], NULL);
	for (i = 0; i < 2; i++) {
		ck_assert_msg(eof[i], "client %d still connected after 8 s", i);
		ck_assert_msg(
		    is_err_reply(reply[i], 2), "reply \"%s\"", reply[i]);
		free(reply[i]);
	}
	close(silent);
	close(half);
	status_answers_promptly(t);
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
		fds[i] = raw_connect(t);
	/* 128 at once: the others are told so (tendctl's exit 4, tend
	 * cannot be reached) and closed */
	for (i = 128; i < 200; i++) {
		reply = drain(fds[i], th_now_ms() + 3000, &eof, NULL);
		turned += eof && is_err_reply(reply, 4);
		free(reply);
	}
	ck_assert_int_eq(turned, 72);
	th_hold(t, th_all_alive, keep, HOLD_MS, "tend and a running");
	for (i = 0; i < 200; i++)
		close(fds[i]);
	th_wait(t, status_works, NULL, DEADLINE_MS, "status answering");
	status_answers_promptly(t);
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
		fds[i] = raw_connect(t);
	ck_assert_int_eq(th_ctl(t, &out, "status"), 4);
	ck_assert_msg(strstr(out, "out of file descriptors") != NULL,
	    "tendctl said: %s", out);
	free(out);
	for (i = 0; i < RAW_FULL; i++)
		close(fds[i]);
	th_wait(t, status_works, NULL, DEADLINE_MS, "status answering");
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
	fd = raw_connect(t);
	ck_assert_uint_eq(raw_send(fd, "TEND/1 events\n", 14, DEADLINE_MS), 14);
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
	reply = drain(fd, th_now_ms() + DEADLINE_MS, &eof, &got);
	ck_assert_msg(eof, "the dropped client is still connected");
	ck_assert_msg(
	    strncmp(reply, "TEND/1 OK\n", 10) == 0, "reply %.100s", reply);
	ck_assert_msg(got < 4 * 1024 * 1024, "tend sent %zu bytes", got);
	free(reply);
	close(fd);
	ck_assert_msg(rss_max - rss0 < 8 * 1024,
	    "tend grew from %ld KiB to %ld KiB", rss0, rss_max);
	status_answers_promptly(t);
	/* calm the loop down, so that the test ends cleanly */
	calm = path_of(t, "calm");
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

/* ====================================================== found by these tests
 */

/*
 * Two requests that tend reads in one turn of its loop: tend is stopped
 * (SIGSTOP) while both connect and send, then continued. Their replies.
 */
static void
same_turn(
    struct th *t, const char *first, const char *second, char **r1, char **r2)
{
	int fd1, fd2;
	bool eof;

	th_signal(t, SIGSTOP);
	fd1 = raw_connect(t);
	(void)raw_send(fd1, first, strlen(first), DEADLINE_MS);
	fd2 = raw_connect(t);
	(void)raw_send(fd2, second, strlen(second), DEADLINE_MS);
	th_signal(t, SIGCONT);
	*r1 = drain(fd1, th_now_ms() + DEADLINE_MS, &eof, NULL);
	*r2 = drain(fd2, th_now_ms() + DEADLINE_MS, &eof, NULL);
	close(fd1);
	close(fd2);
}

START_TEST(a_stop_read_in_the_same_turn_as_a_start_stops_the_program)
{
	/*
	 * A start queues the program's spawn for the end of the loop's
	 * turn; a stop read in the same turn must still stop it, not leave
	 * it "stopping" with no process (which also hangs tend's shutdown).
	 * libev reads the later connection first: the start, then the stop.
	 */
	struct th *t = th_start("[program:a]\n"
	                        "command = {S:a}\n"
	                        "[program:x]\n"
	                        "autostart = no\n"
	                        "command = {S:x}\n");
	char *rstop, *rstart;

	(void)th_up(t, "a", 1);
	same_turn(t, "TEND/1 stop timeout=2000ms x\n",
	    "TEND/1 start wait=0 x\n", &rstop, &rstart);
	ck_assert_msg(strcmp(rstart, "TEND/1 OK\n.\n") == 0,
	    "the start's reply: %s", rstart);
	ck_assert_msg(
	    strstr(rstop, "stopping") == NULL, "the stop's reply: %s", rstop);
	free(rstop);
	free(rstart);
	/* whichever came first, x settles, and a stop stops it */
	free(ctl(t, 0, "--timeout 5s stop x"));
	assert_row(t, "x", "x stopped - - 0 *");
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(a_waiting_stop_ends_when_another_client_starts_the_program)
{
	/*
	 * As a waiting start ends with "stopped meanwhile", a waiting stop
	 * must end when someone else starts the program again, not wait
	 * out its --timeout (60 s by default).
	 */
	struct th *t = th_start("[program:stub]\n"
	                        "shutdown = 1h\n"
	                        "command = " STUB_CMD "\n");
	struct stream bg;
	int st;

	(void)th_up(t, "stub", 1);
	stream_start(t, &bg, "stop stub"); /* stub ignores TERM */
	wait_state(t, "stub", "stopping");
	free(ctl(t, 0, "--no-wait start stub"));
	free(ctl(t, 0, "kill stub"));
	(void)th_up(t, "stub", 2);
	wait_state(t, "stub", "running");
	st = stream_finish(&bg, DEADLINE_MS);
	ck_assert_msg(st == 0 || st == 1, "stop: exit %d:\n%s", st, bg.buf);
	assert_lacks(bg.buf, "timed out", "the stop's answer");
	free(bg.buf);
	end_stub(t);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

static Suite *
ctl_suite(void)
{
	Suite *s = suite_create("integ_ctl");
	TCase *tc = tcase_create("ctl");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, NULL, th_stop_all);
	/* status, tree, JSON */
	tcase_add_test(tc, status_shows_each_program_by_path_with_its_real_pid);
	tcase_add_test(tc, last_exit_is_one_token_for_every_kind_of_end);
	tcase_add_test(tc, status_names_show_only_their_subtrees);
	tcase_add_test(tc, status_shows_a_long_path_whole);
	tcase_add_test(tc, json_status_has_the_documented_fields);
	tcase_add_test(tc,
	    tree_draws_supervisors_with_strategies_and_programs_with_states);
	tcase_add_test(tc, json_tree_nests_the_tree_with_the_documented_fields);
	tcase_add_test(tc, every_json_document_is_valid_json);
	/* start, stop, restart */
	tcase_add_test(tc, stop_returns_once_the_process_is_gone);
	tcase_add_test(tc, restart_returns_once_a_new_process_runs);
	tcase_add_test(tc,
	    start_returns_once_the_program_runs_and_does_nothing_if_it_runs);
	tcase_add_test(tc, start_brings_back_an_exited_program);
	tcase_add_test(tc, stop_and_start_of_a_supervisor_act_on_its_subtree);
	tcase_add_test(tc, stop_all_stops_every_program_and_tend_keeps_running);
	tcase_add_test(tc, no_wait_returns_while_the_stop_is_still_going_on);
	tcase_add_test(
	    tc, a_start_waits_for_the_start_sequence_or_times_out_with_exit_1);
	tcase_add_test(
	    tc, several_names_with_one_unknown_exit_3_and_nothing_is_done);
	tcase_add_test(
	    tc, a_stop_read_in_the_same_turn_as_a_start_stops_the_program);
	tcase_add_test(
	    tc, a_waiting_stop_ends_when_another_client_starts_the_program);
	/* kill, signal, what is charged */
	tcase_add_test(
	    tc, kill_is_a_crash_the_strategy_answers_and_restarts_count_it);
	tcase_add_test(tc, kill_is_charged_to_the_restart_intensity);
	tcase_add_test(tc, operator_restarts_are_not_charged_and_not_counted);
	tcase_add_test(
	    tc, signal_sends_the_signal_to_the_main_process_and_nothing_else);
	tcase_add_test(tc,
	    a_failed_operator_start_exits_1_leaves_it_stopped_and_charges_nothing);
	tcase_add_test(tc,
	    start_under_a_failed_supervisor_exits_1_and_start_sup_runs_it_anew);
	/* pid, health, events, version, help, shutdown */
	tcase_add_test(tc, pid_prints_the_main_pid_of_a_program_only);
	tcase_add_test(tc, health_is_0_when_everything_is_as_it_should_be);
	tcase_add_test(
	    tc, health_is_1_naming_abnormal_exits_and_backoff_while_alive_is_0);
	tcase_add_test(
	    tc, stopping_is_healthy_only_when_an_operator_asked_for_it);
	tcase_add_test(
	    tc, a_temporary_program_stopped_by_a_siblings_restart_is_healthy);
	tcase_add_test(tc, events_show_a_kill_as_an_exit_then_a_new_start);
	tcase_add_test(tc, json_events_are_one_object_per_line);
	tcase_add_test(tc, json_logs_is_one_document_with_the_lines);
	tcase_add_test(tc, json_logs_f_is_one_object_a_line_as_lines_come);
	tcase_add_test(tc, version_names_tendctl_and_the_tend_it_reaches);
	tcase_add_test(
	    tc, help_prints_the_usage_with_every_command_and_exits_0);
	tcase_add_test(
	    tc, shutdown_ends_tend_with_status_0_and_leaves_no_program);
	/* exit statuses */
	tcase_add_test(tc, usage_errors_exit_2_and_do_nothing);
	tcase_add_test(tc, unknown_names_exit_3);
	tcase_add_test(tc, an_unreachable_tend_exits_4);
	tcase_add_test(tc, the_socket_comes_from_s_then_tend_socket);
	/* the socket */
	tcase_add_test(tc, the_socket_is_born_0600_and_owned_by_tends_user);
	if (geteuid() == 0) {
		tcase_add_test(tc,
		    socket_group_makes_it_0660_of_that_group_and_serves_its_members);
		tcase_add_test(tc,
		    another_user_is_refused_by_the_sockets_mode_with_exit_4);
		tcase_add_test(tc,
		    another_user_let_in_by_the_mode_is_refused_by_peercred_and_logged);
		tcase_add_test(
		    tc, tendctl_refuses_a_server_that_is_not_roots_or_its_own);
	} else {
		fprintf(stderr, "test_ctl: not root: the tests with a second "
		                "user are left out\n");
	}
	tcase_add_test(tc,
	    a_second_tend_on_the_same_socket_exits_1_naming_it_and_the_first);
	tcase_add_test(tc, a_stale_socket_left_by_a_killed_tend_is_replaced);
	/* raw clients */
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
	return th_main(ctl_suite());
}
