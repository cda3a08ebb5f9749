/*
 * upgrade.c: the exec dance of an upgrade (see upgrade.h); the state's
 * encoding is state.c's, each module saves and loads its own part.
 *
 * The check runs while tend goes on. upgrade_start writes the state
 * into a memfd, starts the new binary's --upgrade-check on it in a child
 * and returns; tend's loop keeps serving (programs restart, output is
 * written, clients are answered) until the child ends, which the loop's
 * SIGCHLD reaper tells upgrade_reaped (CHECK_MS at most: then SIGKILL).
 * Only then, from a timer of the loop, the state is written again and
 * executed at once: the state the new tend loads is exact at the exec
 * (nothing runs between the write and the fexecve), where the one the
 * check read is out of date as soon as a program restarts or writes a
 * line during the check. Re-writing is right, and
 * freezing changes would not be: what the check judges is whether this
 * binary can read this tend's state format and its configuration, and
 * builds the same tree from it (node by node); values are written by the
 * same code each time. Both stay as they were while the check runs: a
 * reload is refused meanwhile (upgrade_busy), and so is a second
 * upgrade; a shutdown begun meanwhile ends the upgrade. Freezing instead
 * would hold every restart for as long as the check runs (SPEC 10's
 * isolation bound), which is what this avoids.
 */
#include "upgrade.h"

#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <errno.h>
#include <ev.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "control.h"
#include "leftover.h"
#include "listen.h"
#include "log.h"
#include "output.h"
#include "ready.h"
#include "supervise.h"

#define CHECK_MS 10000 /* the new binary's check of the state, at most */
#define CHECK_SAY 512  /* what it says when it refuses, at most */

extern char **environ;

static struct {
	int self_fd; /* tend's own binary, opened at start */
	char self_path[PATH_MAX];
	const char *conf_file, *conf_text;
	size_t conf_len;
	char *conf_owned; /* a reload's text (conf_text then); NULL */
	int64_t upgraded_at;
	uint64_t upgrades;
	/* while loading */
	int state_fd, old_exe_fd;
	char *map;
	size_t map_len;
	struct state_r r;
} up = {.self_fd = -1, .state_fd = -1, .old_exe_fd = -1};

/* An upgrade whose check runs (pid != 0). */
static struct {
	struct ev_loop *loop;
	struct tree *tree;
	pid_t pid;    /* the check's child */
	int wstatus;  /* its status, once reaped */
	int bin;      /* the new binary, opened once */
	int said;     /* the read end of the child's stderr */
	int reply_fd; /* a copy of the asker's socket; -1: SIGUSR2 */
	int state;    /* the memfd the check reads, written over at the exec */
	struct state_w w; /* its encoding, whose memory serves again */
	char path[PATH_MAX];
	ev_timer limit_w; /* CHECK_MS, then SIGKILL */
	ev_timer go_w;    /* reaped: go on from the loop */
} chk = {.bin = -1, .said = -1, .reply_fd = -1, .state = -1};

void
upgrade_init(const char *conf_file, const char *conf_text, size_t conf_len)
{
	ssize_t n;

	up.conf_file = conf_file;
	up.conf_text = conf_text;
	up.conf_len = conf_len;
	if (up.self_fd == -1)
		up.self_fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	n = readlink("/proc/self/exe", up.self_path, sizeof(up.self_path) - 1);
	up.self_path[n > 0 ? n : 0] = '\0';
}

void
upgrade_set_conf(char *text, size_t len)
{
	free(up.conf_owned);
	up.conf_owned = text;
	up.conf_text = text;
	up.conf_len = len;
}

void
upgrade_fini(void)
{
	free(up.conf_owned);
	up.conf_owned = NULL;
	up.conf_text = NULL;
	up.conf_len = 0;
}

int64_t
upgrade_last(uint64_t *count)
{
	*count = up.upgrades;
	return up.upgraded_at;
}

/* ---------------------------------------------------------- old side */

/* Open path once, without following a symlink, and check it (SPEC 11). */
static int
open_binary(const char *path, char *err, size_t errlen)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd == -1) {
		snprintf(err, errlen, "cannot open %s: %s%s", path,
		    strerror(errno),
		    errno == ELOOP ? " (a symbolic link is refused)" : "");
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode))
		snprintf(err, errlen, "%s is not a regular file", path);
	else if (st.st_uid != 0 && st.st_uid != geteuid())
		snprintf(err, errlen,
		    "%s is owned by uid %u: refused (it must be owned by root "
		    "or tend's user)",
		    path, (unsigned)st.st_uid);
	else if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
		snprintf(err, errlen,
		    "%s is writable by its group or others (mode %03o): "
		    "refused as unsafe",
		    path, (unsigned)(st.st_mode & 0777));
	else if ((st.st_mode & S_IXUSR) == 0)
		snprintf(err, errlen, "%s is not executable", path);
	else
		return fd;
	close(fd);
	return -1;
}

static void
save_tend(struct state_w *w)
{
	size_t at = state_begin_section(w, STATE_TEND);

	state_put_str(w, TEND_VERSION);
	state_put_str(w, up.conf_file);
	state_put_bytes(w, up.conf_text, up.conf_len);
	state_put_i64(w, (int64_t)time(NULL));
	state_put_u64(w, up.upgrades + 1);
	state_put_fd(w, up.self_fd);
	state_put_str(w, NULL); /* no failure */
	state_end_section(w, at);
}

static void
save_fds(struct state_w *w)
{
	size_t at = state_begin_section(w, STATE_FDS), i, n = w->nfds;

	state_put_u64(w, n);
	for (i = 0; i < n; i++)
		state_put_i64(w, w->fds[i]);
	state_end_section(w, at);
}

/* The descriptors the state names (the STATE_FDS section of r, which
 * must come next), kept across an exec or not. -1 if it is bad. */
static int
keep_fds(struct state_r *r, bool keep)
{
	struct state_r s;
	size_t n, i;

	if (!state_section(r, STATE_FDS, &s))
		return -1;
	n = state_get_count(&s, s.len / 8);
	for (i = 0; i < n && !s.failed; i++) {
		int fd = state_get_fd(&s);

		if (fd >= 0)
			(void)fcntl(fd, F_SETFD, keep ? 0 : FD_CLOEXEC);
	}
	return state_done(&s) ? 0 : -1;
}

/* The whole state, encoded in w (empty), into the memfd *fd (made if
 * -1, else written over: its pages, like w's memory, are there already,
 * which halves the second write with 10,000 programs). 0, or -1 and
 * err. */
static int
write_state(struct tree *t, int reply_fd, struct state_w *w, int *fd, char *err,
    size_t errlen)
{
	size_t at;

	save_tend(w);
	control_save(w, reply_fd);
	ready_save_socket(w);
	at = state_begin_section(w, STATE_TREE);
	tree_save(t, w);
	state_end_section(w, at);
	listen_save(w);
	supervise_save(w);
	output_save(w);
	ready_save(w);
	save_fds(w);
	if (state_finish(w) == -1) {
		snprintf(err, errlen, "cannot encode the state: out of memory");
		return -1;
	}
	if (*fd == -1)
		*fd = (int)syscall(SYS_memfd_create, "tend-state", MFD_CLOEXEC);
	if (*fd == -1 || pwrite(*fd, w->p, w->len, 0) != (ssize_t)w->len ||
	    ftruncate(*fd, (off_t)w->len) == -1) {
		snprintf(
		    err, errlen, "cannot write the state: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* In the check's child: never returns. */
static void
check_child(int bin, int state, int out, const char *path)
{
	static char opt[] = "--upgrade-check";
	char num[16], name[PATH_MAX], *argv[4];

	/* a fork: tend's descriptors, its pidfds too (not close-on-exec,
	 * fdset.h), are the check's to drop */
	(void)close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
	(void)dup2(out, 2);
	if (fcntl(state, F_SETFD, 0) == -1)
		_exit(126);
	snprintf(num, sizeof(num), "%d", state);
	snprintf(name, sizeof(name), "%s", path);
	argv[0] = name;
	argv[1] = opt;
	argv[2] = num;
	argv[3] = NULL;
	fexecve(bin, argv, environ);
	dprintf(2, "cannot run %s: %s", path, strerror(errno));
	_exit(127);
}

/* What the check's child said, and its status, as a reason: 0 if it
 * accepted the state, else -1 and err. */
static int
judge_check(
    int wstatus, int said_fd, const char *path, char *err, size_t errlen)
{
	char said[CHECK_SAY];
	ssize_t n = read(said_fd, said, sizeof(said) - 1); /* it has ended */

	said[n > 0 ? n : 0] = '\0';
	said[strcspn(said, "\n")] = '\0';
	if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0)
		return 0;
	if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 127)
		snprintf(err, errlen, "%s", said);
	else if (WIFSIGNALED(wstatus))
		snprintf(err, errlen,
		    "%s --upgrade-check was killed by signal %d%s%s%s", path,
		    WTERMSIG(wstatus),
		    WTERMSIG(wstatus) == SIGKILL ? " (no answer in time)" : "",
		    said[0] ? ": " : "", said);
	else
		snprintf(err, errlen,
		    "%s refused the state (--upgrade-check exited %d)%s%s",
		    path, WEXITSTATUS(wstatus), said[0] ? ": " : "", said);
	return -1;
}

/* Start the new binary's check of the state in a child: its pid (and
 * the read end of its stderr in *said), or -1 and err. */
static pid_t
start_check(
    int bin, int state, const char *path, int *said, char *err, size_t errlen)
{
	int fds[2];
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) == -1 || lseek(state, 0, SEEK_SET) == -1) {
		snprintf(err, errlen, "cannot check: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid == 0)
		check_child(bin, state, fds[1], path);
	close(fds[1]);
	if (pid == -1) {
		close(fds[0]);
		snprintf(err, errlen, "cannot fork: %s", strerror(errno));
		return -1;
	}
	*said = fds[0];
	return pid;
}

static void
set_cloexec(const int *fds, size_t n, bool on)
{
	size_t i;

	for (i = 0; i < n; i++)
		(void)fcntl(fds[i], F_SETFD, on ? FD_CLOEXEC : 0);
}

/* Execute bin in this process with the state: returns only on failure. */
static void
exec_with(int bin, const char *name, int state, const int *keep, size_t nkeep,
    const char *failed)
{
	static char from[] = "--upgrade-from", why[] = "--upgrade-failed";
	char num[16], self[PATH_MAX], said[512], *argv[6];
	int i = 0;

	snprintf(num, sizeof(num), "%d", state);
	snprintf(self, sizeof(self), "%s", name);
	argv[i++] = self;
	argv[i++] = from;
	argv[i++] = num;
	if (failed != NULL) {
		snprintf(said, sizeof(said), "%s", failed);
		argv[i++] = why;
		argv[i++] = said;
	}
	argv[i] = NULL;
	set_cloexec(keep, nkeep, false);
	(void)fcntl(state, F_SETFD, 0);
	(void)lseek(state, 0, SEEK_SET);
	fexecve(bin, argv, environ);
	i = errno;
	set_cloexec(keep, nkeep, true);
	(void)fcntl(state, F_SETFD, FD_CLOEXEC);
	errno = i;
}

/* Why tend cannot hand its state over now (when an upgrade begins, and
 * again at the exec: the check ran meanwhile), or NULL. */
static const char *
not_now(const struct tree *t)
{
	if (t->shutting_down || t->exit_status != -1)
		return "tend is shutting down";
	if (supervise_handing())
		return "a handover is under way; try again once it has ended";
	if (leftover_busy())
		return "tend is still stopping what a previous tend left";
	return NULL;
}

/* The upgrade under way is over (it failed, or tend is shutting down):
 * tell the asker why, let everything go. */
static void
check_over(const char *why)
{
	log_warnx("upgrade: %s; going on", why);
	if (chk.reply_fd >= 0)
		control_upgrade_failed(chk.reply_fd, why);
	chk.reply_fd = -1;
	if (chk.said >= 0)
		close(chk.said);
	if (chk.bin >= 0)
		close(chk.bin);
	if (chk.state >= 0)
		close(chk.state);
	state_w_free(&chk.w);
	chk.said = chk.bin = chk.state = -1;
	chk.pid = 0;
}

/* The check accepted the state: write it again, now, and execute the
 * new binary with it. Returns only if the old tend goes on. */
static void
exec_new(char *err, size_t errlen)
{
	leftover_flush(chk.tree, true); /* the new tend does not (leftover.h) */
	state_w_reset(&chk.w);
	if (write_state(
	        chk.tree, chk.reply_fd, &chk.w, &chk.state, err, errlen) == -1)
		return;
	output_freeze(true); /* what is unwritten now is in the state */
	control_end_streams();
	exec_with(chk.bin, chk.path, chk.state, chk.w.fds, chk.w.nfds, NULL);
	snprintf(
	    err, errlen, "cannot execute %s: %s", chk.path, strerror(errno));
	output_freeze(false);
}

static void
on_check_done(struct ev_loop *loop, ev_timer *w, int revents)
{
	char err[PATH_MAX + CHECK_SAY + 128];
	const struct tree *t = chk.tree;

	(void)loop;
	(void)w;
	(void)revents;
	if (judge_check(chk.wstatus, chk.said, chk.path, err, sizeof(err)) ==
	    0) {
		const char *why = not_now(t);

		if (why != NULL)
			snprintf(err, sizeof(err), "%s", why);
		else
			exec_new(err, sizeof(err));
	}
	check_over(err);
}

static void
on_check_limit(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
	if (chk.pid > 0)
		(void)kill(chk.pid, SIGKILL); /* reaped as any child */
}

void
upgrade_watch(struct ev_loop *loop)
{
	chk.loop = loop;
	ev_timer_init(&chk.limit_w, on_check_limit, CHECK_MS / 1000.0, 0.0);
	ev_timer_init(&chk.go_w, on_check_done, 0.0, 0.0);
}

bool
upgrade_reaped(pid_t pid, int wstatus)
{
	if (chk.pid <= 0 || pid != chk.pid)
		return false;
	chk.pid = -1; /* reaped; the upgrade goes on from go_w */
	chk.wstatus = wstatus;
	ev_timer_stop(chk.loop, &chk.limit_w);
	ev_timer_start(chk.loop, &chk.go_w);
	return true;
}

bool
upgrade_busy(void)
{
	return chk.pid != 0;
}

/* Whether an upgrade may begin now: else err says why. */
static bool
may_begin(const struct tree *t, char *err, size_t errlen)
{
	const char *why = not_now(t);

	if (chk.pid != 0)
		snprintf(err, errlen,
		    "an upgrade is under way (its check runs); try again "
		    "once it has ended");
	else if (why != NULL)
		snprintf(err, errlen, "%s", why);
	else
		return true;
	return false;
}

int
upgrade_start(
    struct tree *t, const char *path, int reply_fd, char *err, size_t errlen)
{
	int bin;
	pid_t pid = -1;

	if (!may_begin(t, err, errlen))
		return -1;
	if (path == NULL)
		path = up.self_path;
	bin = open_binary(path, err, errlen);
	if (bin == -1)
		return -1;
	state_w_init(&chk.w);
	if (write_state(t, -1, &chk.w, &chk.state, err, errlen) == 0)
		pid = start_check(bin, chk.state, path, &chk.said, err, errlen);
	if (pid == -1) {
		close(bin);
		if (chk.state >= 0)
			close(chk.state);
		chk.state = -1;
		state_w_free(&chk.w);
		return -1;
	}
	chk.reply_fd = reply_fd >= 0 ? fcntl(reply_fd, F_DUPFD_CLOEXEC, 3) : -1;
	chk.tree = t;
	chk.pid = pid;
	chk.bin = bin;
	snprintf(chk.path, sizeof(chk.path), "%s", path);
	ev_timer_start(chk.loop, &chk.limit_w);
	log_info("upgrade: to %s (it checks the state first; tend goes on "
	         "meanwhile)",
	    path);
	return 0;
}

void
upgrade_stop(void)
{
	int wstatus;

	if (chk.pid > 0) {
		(void)kill(chk.pid, SIGKILL);
		(void)waitpid(chk.pid, &wstatus, 0);
	}
	if (chk.loop != NULL) {
		ev_timer_stop(chk.loop, &chk.limit_w);
		ev_timer_stop(chk.loop, &chk.go_w);
	}
	if (chk.reply_fd >= 0) /* the control socket is gone: no answer */
		close(chk.reply_fd);
	chk.reply_fd = -1;
	if (chk.pid != 0)
		check_over("tend is exiting");
}

/* ---------------------------------------------------------- new side */

static int
map_state(int fd, char *err, size_t errlen)
{
	struct stat st;

	if (fstat(fd, &st) == -1 || st.st_size <= 0) {
		snprintf(err, errlen, "cannot read the state (fd %d): %s", fd,
		    strerror(errno ? errno : EINVAL));
		return -1;
	}
	up.map_len = (size_t)st.st_size;
	/* populated at once: read whole right away (the checksum) */
	up.map = mmap(
	    NULL, up.map_len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
	if (up.map == MAP_FAILED) {
		up.map = NULL;
		snprintf(
		    err, errlen, "cannot map the state: %s", strerror(errno));
		return -1;
	}
	up.state_fd = fd;
	return state_open(&up.r, up.map, up.map_len, err, errlen);
}

static int
load_tend(struct upgrade_from *f, char *err, size_t errlen)
{
	struct state_r s;
	const char *text;

	memset(f, 0, sizeof(*f));
	f->old_exe_fd = -1;
	if (!state_section(&up.r, STATE_TEND, &s)) {
		snprintf(err, errlen, "state: no tend section");
		return -1;
	}
	f->prev_version = state_get_str(&s);
	f->conf_file = state_get_str(&s);
	text = state_get_bytes(&s, &f->conf_len);
	f->upgraded_at = state_get_i64(&s);
	f->upgrades = state_get_u64(&s);
	f->old_exe_fd = state_get_fd(&s);
	up.old_exe_fd = f->old_exe_fd;
	f->failed = state_get_str(&s);
	if (!state_done(&s) || text == NULL || f->conf_file == NULL ||
	    (f->conf_text = malloc(f->conf_len + 1)) == NULL) {
		snprintf(err, errlen, "state: bad tend section");
		return -1;
	}
	memcpy(f->conf_text, text, f->conf_len);
	f->conf_text[f->conf_len] = '\0';
	up.upgraded_at = f->upgraded_at;
	up.upgrades = f->upgrades;
	return 0;
}

int
upgrade_open(int fd, struct upgrade_from *from, char *err, size_t errlen)
{
	if (map_state(fd, err, errlen) == -1)
		return -1;
	return load_tend(from, err, errlen);
}

int
upgrade_load_control(const struct tend_conf *tc, char *err, size_t errlen)
{
	if (control_load(&up.r, tc, err, errlen) == -1)
		return -1;
	return ready_take_socket(&up.r, err, errlen);
}

int
upgrade_load(struct tree *t, char *err, size_t errlen)
{
	struct state_r s, fds = up.r;

	/* close-on-exec again first: a version 2 state names its pidfds
	 * and capture pipes among them, which supervise.c and output.c
	 * then keep open (fdset.h) */
	state_skip_to(&fds, STATE_FDS);
	if (keep_fds(&fds, false) == -1 || !state_done(&fds)) {
		snprintf(err, errlen, "state: bad descriptors section");
		return -1;
	}
	if (!state_section(&up.r, STATE_TREE, &s) ||
	    tree_load(t, &s, err, errlen) == -1)
		return -1;
	if (up.r.version >= 2 && listen_load(&up.r, err, errlen) == -1)
		return -1;
	if (supervise_load(&up.r, err, errlen) == -1)
		return -1;
	listen_settle();
	if (output_load(&up.r, err, errlen) == -1 ||
	    ready_load(&up.r, err, errlen) == -1)
		return -1;
	if (!state_section(&up.r, STATE_FDS, &s) || !state_done(&up.r)) {
		snprintf(err, errlen, "state: unknown sections at its end");
		return -1;
	}
	return 0;
}

void
upgrade_from_free(struct upgrade_from *f)
{
	free(f->conf_file);
	free(f->conf_text);
	free(f->prev_version);
	free(f->failed);
	memset(f, 0, sizeof(*f));
	f->old_exe_fd = -1;
}

/* The tree the state's configuration makes, with the state's tree
 * section loaded into it: 0, or -1 and err. */
static int
check_tree(const struct upgrade_from *f, char *err, size_t errlen)
{
	struct config cfg;
	struct diags d;
	struct tree *t = NULL;
	struct state_r s;
	int r = -1;

	memset(&cfg, 0, sizeof(cfg));
	memset(&d, 0, sizeof(d));
	if (config_parse_text(
	        f->conf_text, f->conf_len, f->conf_file, &cfg, &d) == -1) {
		snprintf(err, errlen,
		    "its configuration is invalid to this "
		    "tend");
		config_free(&cfg);
	} else if ((t = tree_build(&cfg)) == NULL) {
		snprintf(err, errlen, "cannot build the tree: out of memory");
	} else if (state_section(&up.r, STATE_CONTROL, &s) &&
	           (state_skip_to(&up.r, STATE_TREE), true) &&
	           state_section(&up.r, STATE_TREE, &s)) {
		r = tree_load(t, &s, err, errlen);
	} else {
		snprintf(err, errlen, "state: sections missing");
	}
	diags_free(&d);
	if (t != NULL)
		tree_free(t);
	return r;
}

int
upgrade_check(int fd)
{
	struct upgrade_from f;
	char err[512] = "";
	int r;

	memset(&f, 0, sizeof(f));
	r = upgrade_open(fd, &f, err, sizeof(err));
	if (r == 0)
		r = check_tree(&f, err, sizeof(err));
	upgrade_from_free(&f);
	upgrade_done();
	if (r == 0)
		return 0;
	fprintf(stderr, "tend %s refuses the state: %s\n", TEND_VERSION,
	    err[0] ? err : "unknown reason");
	return 1;
}

void
upgrade_go_back(const char *why)
{
	struct upgrade_from f;
	struct state_r r;
	char err[128];
	int fd = -1;

	log_errorx("upgrade: cannot load the state: %s; going back to the "
	           "previous tend",
	    why);
	/* the old binary's fd is in the tend section, the descriptors to
	 * keep in the last one: read them again */
	if (up.map != NULL &&
	    state_open(&r, up.map, up.map_len, err, sizeof(err)) == 0) {
		up.r = r;
		if (load_tend(&f, err, sizeof(err)) == 0)
			fd = f.old_exe_fd;
		upgrade_from_free(&f);
		state_skip_to(&up.r, STATE_FDS);
		if (keep_fds(&up.r, true) == -1)
			fd = -1;
	}
	if (fd < 0 || up.state_fd < 0)
		return;
	exec_with(fd, "tend", up.state_fd, NULL, 0, why);
	log_error("upgrade: cannot execute the previous tend");
}

void
upgrade_done(void)
{
	if (up.old_exe_fd >= 0 && up.old_exe_fd != up.self_fd)
		close(up.old_exe_fd);
	up.old_exe_fd = -1;
	if (up.map != NULL)
		munmap(up.map, up.map_len);
	up.map = NULL;
	if (up.state_fd != -1)
		close(up.state_fd);
	up.state_fd = -1;
}
