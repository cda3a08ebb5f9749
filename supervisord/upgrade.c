/*
 * upgrade.c: the exec dance of an upgrade (see upgrade.h); the state's
 * encoding is state.c's, each module saves and loads its own part.
 */
#include "upgrade.h"

#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
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

/* The whole state into a memfd: its descriptor, or -1 and err. */
static int
write_state(
    struct tree *t, int reply_fd, struct state_w *w, char *err, size_t errlen)
{
	size_t at;
	int fd;

	state_w_init(w);
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
	fd = (int)syscall(SYS_memfd_create, "tend-state", MFD_CLOEXEC);
	if (fd == -1 || write(fd, w->p, w->len) != (ssize_t)w->len) {
		snprintf(
		    err, errlen, "cannot write the state: %s", strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	return fd;
}

/* In the check's child: never returns. */
static void
check_child(int bin, int state, int out, const char *path)
{
	static char opt[] = "--upgrade-check";
	char num[16], name[PATH_MAX], *argv[4];

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

/* Wait for the check's child (up to CHECK_MS): its wait status, or -1. */
static int
wait_check(pid_t pid)
{
	int pfd = (int)syscall(SYS_pidfd_open, pid, 0), wstatus;
	struct pollfd p = {pfd, POLLIN, 0};

	if (pfd >= 0) {
		if (poll(&p, 1, CHECK_MS) == 0)
			(void)kill(pid, SIGKILL);
		close(pfd);
	}
	while (waitpid(pid, &wstatus, 0) == -1)
		if (errno != EINTR)
			return -1;
	return wstatus;
}

/* The new binary checks the state: 0, or -1 and err says why not. */
static int
run_check(int bin, int state, const char *path, char *err, size_t errlen)
{
	char said[CHECK_SAY];
	int fds[2], wstatus;
	ssize_t n;
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
	wstatus = wait_check(pid);
	n = read(fds[0], said, sizeof(said) - 1); /* it has ended: no wait */
	close(fds[0]);
	said[n > 0 ? n : 0] = '\0';
	said[strcspn(said, "\n")] = '\0';
	if (wstatus != -1 && WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0)
		return 0;
	if (wstatus != -1 && WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 127)
		snprintf(err, errlen, "%s", said);
	else if (wstatus != -1 && WIFSIGNALED(wstatus))
		snprintf(err, errlen,
		    "%s --upgrade-check was killed by signal %d%s%s", path,
		    WTERMSIG(wstatus), said[0] ? ": " : "", said);
	else
		snprintf(err, errlen,
		    "%s refused the state (--upgrade-check exited %d)%s%s",
		    path, wstatus != -1 ? WEXITSTATUS(wstatus) : -1,
		    said[0] ? ": " : "", said);
	return -1;
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

int
upgrade_start(
    struct tree *t, const char *path, int reply_fd, char *err, size_t errlen)
{
	struct state_w w;
	int bin, state;

	if (t->shutting_down || t->exit_status != -1) {
		snprintf(err, errlen, "tend is shutting down");
		return -1;
	}
	if (supervise_handing()) {
		snprintf(err, errlen,
		    "a handover is under way; try again once it has ended");
		return -1;
	}
	if (leftover_busy()) {
		snprintf(err, errlen,
		    "tend is still stopping what a previous tend left");
		return -1;
	}
	if (path == NULL)
		path = up.self_path;
	bin = open_binary(path, err, errlen);
	if (bin == -1)
		return -1;
	log_info("upgrade: to %s (it checks the state first)", path);
	state = write_state(t, reply_fd, &w, err, errlen);
	if (state == -1)
		goto fail_bin;
	output_freeze(true); /* what is unwritten now is in the state */
	if (run_check(bin, state, path, err, errlen) == -1)
		goto fail_state;
	control_end_streams();
	exec_with(bin, path, state, w.fds, w.nfds, NULL);
	snprintf(err, errlen, "cannot execute %s: %s", path, strerror(errno));
fail_state:
	output_freeze(false);
	close(state);
fail_bin:
	close(bin);
	state_w_free(&w);
	return -1;
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
	up.map = mmap(NULL, up.map_len, PROT_READ, MAP_PRIVATE, fd, 0);
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
	struct state_r s;

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
	if (keep_fds(&up.r, false) == -1 || !state_done(&up.r)) {
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
