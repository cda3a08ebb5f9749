/*
 * spawn.c: struct prog -> a running process (see spawn.h): the exec
 * context. The parent side prepares everything the child needs
 * (environment, credentials, limits, descriptors, the candidate paths of
 * argv[0]) so that the child only makes system calls. The child side,
 * child_main(), is started by clone.c's primitive and runs on its own
 * stack in tend's address space until it execs: it writes nothing of
 * tend's but its struct child and errno (syscall() sets it; tend,
 * suspended by CLONE_VFORK until the exec, reads it no more), calls no
 * libc function that keeps state, and takes no lock.
 */
#include "spawn.h"

#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cglimit.h"
#include "clone.h"
#include "listen.h"
#include "units.h"

#define CHILD_STACK_SIZE ((size_t)64 * 1024)

#ifndef CLOSE_RANGE_UNSHARE
#define CLOSE_RANGE_UNSHARE (1U << 1)
#endif

/*
 * The child's descriptor table is a copy of these few slots only: its
 * first call unshares the table it shares with tend (CLONE_FILES),
 * keeping descriptors below SLOT_END, so a spawn costs the same however
 * many descriptors tend holds (the kernel neither copies nor closes them
 * at the exec). tend reserves the slots at start-up and fills them just
 * before a spawn.
 */
enum {
	SLOT_IN = 3,    /* /dev/null, for its stdin */
	SLOT_OUT = 4,   /* what becomes its fd 1 */
	SLOT_ERR = 5,   /* what becomes its fd 2 */
	SLOT_CG = 6,    /* its cgroup, when it moves itself there */
	SLOT_READY = 7, /* ready = fd:N: what becomes its fd N */
	SLOT_V1 = 8, /* cgroup.procs of its v1 cgroups (cglimit.h), to join */
	SLOT_END = SLOT_V1 + CGLIMIT_V1_MAX,
};
#define DEFAULT_PATH                                                           \
	"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define MAX_LIMITS (LIMIT_COUNT + 1)

static const char *const tend_only_vars[] = {
    "NOTIFY_SOCKET",
    "LISTEN_FDS",
    "LISTEN_PID",
    "LISTEN_FDNAMES",
    "WATCHDOG_USEC",
    "WATCHDOG_PID",
};

static const int limit_resource[LIMIT_COUNT] = {
    [LIMIT_NOFILE] = RLIMIT_NOFILE,
    [LIMIT_CORE] = RLIMIT_CORE,
    [LIMIT_NPROC] = RLIMIT_NPROC,
    [LIMIT_MEMLOCK] = RLIMIT_MEMLOCK,
};

struct kernel_rlimit {
	uint64_t cur, max;
};

/* Everything the child reads, and the two things it writes back. */
struct child {
	char *const *argv;
	char *const *envp;
	char *const *paths; /* candidates for argv[0], NULL-terminated */
	const char *dir;
	int umask;
	const int *reset; /* signals to reset to SIG_DFL */
	int nreset;
	int nlimits;
	int limit_res[MAX_LIMITS];
	struct kernel_rlimit limit[MAX_LIMITS];
	bool set_nice;
	int nice;
	bool set_oom;
	char oom[16];
	size_t oom_len;
	const struct spawn_ids *ids;
	struct out_fd fd1, fd2; /* as the child sees them (slots) */
	int ready_n;            /* SLOT_READY becomes this fd; -1: none */
	char *pid_var;          /* "NAME=": its value becomes the child's pid */
	const int *lfds;        /* listening sockets: become fds 3, 4, ... */
	int nlisten;
	char *listen_pid;       /* "LISTEN_PID=": becomes the child's pid too */
	int cg_fd;              /* its cgroup, when clone3 could not place it */
	int nv1;                /* v1 cgroups to join: slots SLOT_V1.. */
	int err;                /* written by the child */
	enum spawn_stage stage; /* written by the child */
};

static struct {
	char *stack; /* the mapping, guard page first */
	size_t stack_len;
	int reset[_NSIG];
	int nreset;
	struct rlimit nofile;
	bool nofile_raised; /* tend's own differs from nofile */
	char **base;        /* tend's environment for programs */
	/* scratch reused by every spawn */
	char *pathbuf;
	size_t pathbuf_cap;
	char **paths;
	size_t paths_cap;
	/* listening sockets of a spawn, and LISTEN_PID (SPEC 11: the
	 * program's own pid, written by the child into the environment) */
	int *lfds;
	size_t lfds_cap;
	char listen_pid[32];
	/* credentials scratch */
	char *pwbuf;
	size_t pwbuf_cap;
	gid_t *groups;
	int groups_cap;
} sp;

/* ------------------------------------------------------ the child side */

/* The child's code runs on sp's stack, sharing tend's memory until exec,
 * under clone.h's contract: CHILD_CODE, raw system calls only. */
#define CHILD_CODE CLONE_CHILD_CODE

CHILD_CODE static bool
exec_error_is_final(int err)
{
	switch (err) {
	case ENOENT:
	case ENOTDIR:
	case EACCES:
	case ESTALE:
	case ENODEV:
	case ETIMEDOUT:
		return false; /* try the next directory of PATH, as execvp */
	default:
		return true;
	}
}

/* Make target (1 or 2) what f says. 0, or -1 with errno. */
CHILD_CODE static int
child_fd(const struct out_fd *f, int target)
{
	long fd;

	switch (f->kind) {
	case FD_KEEP:
		return 0;
	case FD_PASS:
		return syscall(SYS_dup3, f->fd, target, 0) == -1 ? -1 : 0;
	case FD_SAME_1:
		return syscall(SYS_dup3, 1, target, 0) == -1 ? -1 : 0;
	case FD_FILE:
		fd = syscall(SYS_openat, AT_FDCWD, f->path,
		    O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644);
		if (fd == -1)
			return -1;
		if (syscall(SYS_dup3, fd, target, 0) == -1)
			return -1;
		syscall(SYS_close, fd);
		return 0;
	}
	return 0;
}

/* Its own fd table, default dispositions, its cgroup, a session, stdin.
 * 0, or -1 with errno. */
CHILD_CODE static int
child_setup(const struct child *c)
{
	unsigned long dfl[4] = {0, 0, 0, 0}; /* SIG_DFL in any layout */
	int i;
	long fd;

	/* listening sockets are anywhere in tend's table: copy it whole,
	 * and let the exec close all of it but what is moved below (the
	 * descriptors of fdset.h are not close-on-exec) */
	if (c->nlisten > 0 ? syscall(SYS_unshare, CLONE_FILES) == -1 ||
	                         syscall(SYS_close_range, SLOT_END, ~0U,
	                             CLOSE_RANGE_CLOEXEC) == -1
	                   : syscall(SYS_close_range, SLOT_END, ~0U,
	                         CLOSE_RANGE_UNSHARE) == -1 &&
	                         syscall(SYS_unshare, CLONE_FILES) == -1)
		return -1;
	for (i = 0; i < c->nreset; i++)
		syscall(SYS_rt_sigaction, c->reset[i], dfl, NULL, 8);
	if (c->cg_fd >= 0) { /* "0" moves the writer itself */
		fd = syscall(
		    SYS_openat, c->cg_fd, "cgroup.procs", O_WRONLY | O_CLOEXEC);
		if (fd == -1 || syscall(SYS_write, fd, "0", 1) != 1)
			return -1;
		syscall(SYS_close, fd);
	}
	/* v1 has no CLONE_INTO_CGROUP: it joins them itself, before exec */
	for (i = 0; i < c->nv1; i++)
		if (syscall(SYS_write, SLOT_V1 + i, "0", 1) != 1)
			return -1;
	if (syscall(SYS_setsid) == -1)
		return -1;
	return syscall(SYS_dup3, SLOT_IN, 0, 0) == -1 ? -1 : 0;
}

/* Resource limits, nice, oom_score_adj, umask. 0, or -1 with errno. */
CHILD_CODE static int
child_limits(const struct child *c)
{
	int i;
	long fd;

	for (i = 0; i < c->nlimits; i++)
		if (syscall(SYS_prlimit64, 0, c->limit_res[i], &c->limit[i],
		        NULL) == -1)
			return -1;
	if (c->set_nice &&
	    syscall(SYS_setpriority, PRIO_PROCESS, 0, c->nice) == -1)
		return -1;
	if (c->set_oom) {
		fd = syscall(SYS_openat, AT_FDCWD, "/proc/self/oom_score_adj",
		    O_WRONLY | O_CLOEXEC);
		if (fd == -1)
			return -1;
		if (syscall(SYS_write, fd, c->oom, c->oom_len) == -1)
			return -1;
		syscall(SYS_close, fd);
	}
	if (c->umask >= 0)
		syscall(SYS_umask, c->umask);
	return 0;
}

/* Groups, then group, then user. 0, or -1 with errno. */
CHILD_CODE static int
child_ids(const struct child *c)
{
	if (c->ids->set_gid) {
		if (syscall(SYS_setgroups, c->ids->ngroups, c->ids->groups) ==
		    -1)
			return -1;
		if (syscall(SYS_setresgid, c->ids->gid, c->ids->gid,
		        c->ids->gid) == -1)
			return -1;
	}
	if (c->ids->set_uid &&
	    syscall(SYS_setresuid, c->ids->uid, c->ids->uid, c->ids->uid) == -1)
		return -1;
	return 0;
}

/* execve along the path list, as execvp would; returns only on failure,
 * with errno the error that says most (EACCES if any directory had a
 * file it may not run and none had one it may). */
CHILD_CODE static void
child_exec(const struct child *c)
{
	unsigned long nomask = 0;
	char *const *path;
	bool eacces = false;
	int err = ENOENT;

	syscall(SYS_rt_sigprocmask, SIG_SETMASK, &nomask, NULL, 8);
	for (path = c->paths; *path != NULL; path++) {
		syscall(SYS_execve, *path, c->argv, c->envp);
		err = errno;
		if (exec_error_is_final(err))
			break;
		if (err == EACCES)
			eacces = true;
	}
	errno = !exec_error_is_final(err) && eacces ? EACCES : err;
}

/* Write our pid as the value of "NAME=..." (its buffer has room for
 * it): the environment is built before the pid is known (SPEC 11). */
CHILD_CODE static void
child_pid_var(char *var)
{
	long pid = syscall(SYS_getpid);
	char digits[24];
	int n = 0;

	while (*var != '=')
		var++;
	var++;
	do {
		digits[n++] = (char)('0' + pid % 10);
		pid /= 10;
	} while (pid > 0);
	while (n > 0)
		*var++ = digits[--n];
	*var = '\0';
}

/* ready = fd:N: the pipe's write end becomes fd N, kept across exec. */
CHILD_CODE static int
child_ready_fd(const struct child *c)
{
	if (c->ready_n < 0)
		return 0;
	if (c->ready_n == SLOT_READY)
		return syscall(SYS_fcntl, SLOT_READY, F_SETFD, 0) == -1 ? -1
		                                                        : 0;
	return syscall(SYS_dup3, SLOT_READY, c->ready_n, 0) == -1 ? -1 : 0;
}

/*
 * The listening sockets as fds 3, 4, ... (copied above that range first,
 * close-on-exec, so that none is overwritten before it is moved; the
 * copies go at the exec), and LISTEN_PID set to its own pid. 0, or -1
 * with errno.
 */
CHILD_CODE static int
child_listen(const struct child *c)
{
	long tmp[64];
	int i, n = c->nlisten, low = 3 + n;

	if (n == 0)
		return 0;
	if (n > 64) {
		errno = EMFILE;
		return -1;
	}
	for (i = 0; i < n; i++)
		if ((tmp[i] = syscall(SYS_fcntl, c->lfds[i], F_DUPFD_CLOEXEC,
		         low < SLOT_END ? SLOT_END : low)) == -1)
			return -1;
	for (i = 0; i < n; i++)
		if (syscall(SYS_dup3, tmp[i], 3 + i, 0) == -1)
			return -1;
	child_pid_var(c->listen_pid);
	return 0;
}

CHILD_CODE static int
child_main(void *arg)
{
	struct child *c = arg;

	/* first of all: a table of our own, before any fd changes */
	c->stage = STAGE_SETUP;
	if (child_setup(c) == -1 || child_limits(c) == -1)
		goto fail;
	if (c->pid_var != NULL)
		child_pid_var(c->pid_var);
	c->stage = STAGE_IDS;
	if (child_ids(c) == -1)
		goto fail;
	/* file:PATH is opened with the program's own credentials, so a
	 * symlink it could plant never opens a file it could not */
	c->stage = STAGE_OUTPUT;
	if (child_fd(&c->fd1, 1) == -1 || child_fd(&c->fd2, 2) == -1)
		goto fail;
	c->stage = STAGE_SETUP;
	if (child_ready_fd(c) == -1 || child_listen(c) == -1)
		goto fail;
	c->stage = STAGE_CHDIR;
	if (c->dir != NULL && syscall(SYS_chdir, c->dir) == -1)
		goto fail;
	c->stage = STAGE_EXEC;
	child_exec(c);
fail:
	c->err = errno != 0 ? errno : EINVAL;
	syscall(SYS_exit_group, 127);
	return 127;
}

/* --------------------------------------------------- making the child */

/* Start child_main(c) through the primitive, in cgroup cg_fd if >= 0:
 * made there, or, with migrate or where the kernel cannot, moving itself
 * there first thing (its fd in SLOT_CG). With pidfds, *pidfd is the
 * child's. Without share, the child gets a copy of tend's memory and
 * descriptors, as from fork(), and tend goes on at once instead of
 * waiting for its exec (see spawn_command). */
static pid_t
start_child(struct child *c, int cg_fd, bool migrate, bool want_pidfd,
    int *pidfd, bool share)
{
	struct clone_req r = {
	    .fn = child_main,
	    .arg = c,
	    .stack = sp.stack,
	    .stack_len = sp.stack_len,
	    .cgroup_fd = migrate ? -1 : cg_fd,
	    .want_pidfd = want_pidfd,
	    .copy = !share,
	};
	pid_t pid;

	if (r.cgroup_fd >= 0) {
		pid = clone_vfork(&r, pidfd);
		if (pid != -1 || errno != ENOSYS)
			return pid;
		r.cgroup_fd = -1;
	}
	if (cg_fd >= 0) {
		if (dup3(cg_fd, SLOT_CG, O_CLOEXEC) == -1)
			return -1;
		c->cg_fd = SLOT_CG;
	}
	return clone_vfork(&r, pidfd);
}

bool
spawn_has_pidfd(void)
{
	return clone_has_pidfd();
}

int
spawn_wait_status(int pidfd, bool block, pid_t *pid)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	while (waitid(P_PIDFD, (id_t)pidfd, &si,
	           WEXITED | __WALL | (block ? 0 : WNOHANG)) == -1)
		if (errno != EINTR)
			return -1;
	*pid = si.si_pid;
	if (si.si_pid == 0)
		return 0;
	switch (si.si_code) {
	case CLD_EXITED:
		return W_EXITCODE(si.si_status, 0);
	case CLD_DUMPED:
		return si.si_status | WCOREFLAG;
	default: /* CLD_KILLED */
		return si.si_status;
	}
}

/* ----------------------------------------------------- the parent side */

static bool
is_tend_only(const char *kv)
{
	size_t i, len;

	for (i = 0; i < sizeof(tend_only_vars) / sizeof(*tend_only_vars); i++) {
		len = strlen(tend_only_vars[i]);
		if (strncmp(kv, tend_only_vars[i], len) == 0 && kv[len] == '=')
			return true;
	}
	return false;
}

static int
base_env(char *const *env)
{
	size_t n = 0, i;

	while (env != NULL && env[n] != NULL)
		n++;
	sp.base = calloc(n + 1, sizeof(*sp.base));
	if (sp.base == NULL)
		return -1;
	for (i = 0, n = 0; env != NULL && env[i] != NULL; i++)
		if (!is_tend_only(env[i]))
			sp.base[n++] = env[i];
	return 0;
}

static void
note_signals_to_reset(void)
{
	struct sigaction sa;
	int sig;

	sp.nreset = 0;
	for (sig = 1; sig < _NSIG; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		if (sigaction(sig, NULL, &sa) == -1)
			continue; /* glibc's own signals */
		if (sa.sa_handler != SIG_DFL)
			sp.reset[sp.nreset++] = sig;
	}
}

int
spawn_init(const struct rlimit *nofile, char *const *env)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	struct rlimit now;

	sp.nofile = *nofile;
	snprintf(sp.listen_pid, sizeof(sp.listen_pid), "LISTEN_PID=");
	sp.nofile_raised = getrlimit(RLIMIT_NOFILE, &now) == -1 ||
	                   now.rlim_cur != nofile->rlim_cur ||
	                   now.rlim_max != nofile->rlim_max;
	note_signals_to_reset();
	if (base_env(env) == -1)
		return -1;
	sp.stack_len = CHILD_STACK_SIZE + page;
	sp.stack = mmap(NULL, sp.stack_len, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (sp.stack == MAP_FAILED) {
		sp.stack = NULL;
		return -1;
	}
	(void)mprotect(sp.stack, page, PROT_NONE); /* guard */
	return 0;
}

void
spawn_fini(void)
{
	if (sp.stack != NULL)
		munmap(sp.stack, sp.stack_len);
	free(sp.base);
	free(sp.pathbuf);
	free(sp.paths);
	free(sp.pwbuf);
	free(sp.groups);
	free(sp.lfds);
	memset(&sp, 0, sizeof(sp));
}

static bool
env_overrides(const char *kv, char *const *add)
{
	size_t len = strcspn(kv, "=");

	for (; *add != NULL; add++)
		if (strncmp(*add, kv, len) == 0 && (*add)[len] == '=')
			return true;
	return false;
}

/* The PATH of envp, else the default (SPEC 11). */
static const char *
path_of(char *const *envp)
{
	const char *path = DEFAULT_PATH;
	size_t i;

	for (i = 0; envp[i] != NULL; i++)
		if (strncmp(envp[i], "PATH=", 5) == 0)
			path = envp[i] + 5;
	return path;
}

/*
 * "LISTEN_FDS=N" and "LISTEN_FDNAMES=a:b" of p's listen lines in one
 * allocation (the second string follows the first); NULL on ENOMEM.
 */
static char *
listen_vars(const struct prog_conf *c)
{
	const struct prog_extra *x = prog_extra(c);
	size_t len = 64, i, off;
	char *b;

	for (i = 0; i < x->nlisten; i++)
		len += strlen(x->listen[i].name != NULL ? x->listen[i].name
		                                        : c->name) +
		       1;
	b = malloc(len);
	if (b == NULL)
		return NULL;
	off = (size_t)snprintf(b, len, "LISTEN_FDS=%zu", x->nlisten) + 1;
	off += (size_t)snprintf(b + off, len - off, "LISTEN_FDNAMES=");
	for (i = 0; i < x->nlisten; i++)
		off += (size_t)snprintf(b + off, len - off, "%s%s",
		    i > 0 ? ":" : "",
		    x->listen[i].name != NULL ? x->listen[i].name : c->name);
	return b;
}

int
spawn_prepare(struct prog *p, char *const *pre)
{
	const struct prog_conf *c = p->conf;
	size_t n = 0, i, npre = 0, nl = prog_extra(c)->nlisten;
	char **envp;

	while (pre != NULL && pre[npre] != NULL)
		npre++;
	p->listen_env = NULL;
	if (nl > 0 && (p->listen_env = listen_vars(c)) == NULL)
		return -1;
	if (c->envc == 0 && npre == 0 && nl == 0) {
		envp = sp.base;
	} else {
		while (sp.base[n] != NULL)
			n++;
		envp = calloc(npre + 3 + n + c->envc + 1, sizeof(*envp));
		if (envp == NULL) {
			free(p->listen_env);
			p->listen_env = NULL;
			return -1;
		}
		for (n = 0; n < npre; n++)
			envp[n] = pre[n];
		if (nl > 0) {
			envp[n++] = p->listen_env;
			envp[n++] = p->listen_env + strlen(p->listen_env) + 1;
			envp[n++] = sp.listen_pid;
		}
		for (i = 0; sp.base[i] != NULL; i++)
			if (c->envc == 0 || !env_overrides(sp.base[i], c->env))
				envp[n++] = sp.base[i];
		for (i = 0; i < c->envc; i++)
			envp[n++] = c->env[i];
	}
	p->envp = envp;
	p->search = strchr(c->argv[0], '/') == NULL ? path_of(envp) : NULL;
	return 0;
}

void
spawn_release(struct prog *p)
{
	if (p->envp != sp.base)
		free(p->envp);
	p->envp = NULL;
	free(p->listen_env);
	p->listen_env = NULL;
}

/* The candidates for name: every "dir/name" of search (a PATH), into
 * scratch; name alone if search is NULL or name has a '/'. */
static char *const *
candidates(char *name, const char *search)
{
	const char *s, *end;
	size_t nlen = strlen(name), need, n = 1, off = 0, i;

	if (search == NULL || strchr(name, '/') != NULL) {
		static char *one[2];

		one[0] = name;
		one[1] = NULL;
		return one;
	}
	for (s = search; *s != '\0'; s++)
		n += *s == ':';
	need = strlen(search) + n * (nlen + 3);
	if (need > sp.pathbuf_cap) {
		char *b = realloc(sp.pathbuf, need);

		if (b == NULL)
			return NULL;
		sp.pathbuf = b;
		sp.pathbuf_cap = need;
	}
	if (n + 1 > sp.paths_cap) {
		char **v = realloc(sp.paths, (n + 1) * sizeof(*v));

		if (v == NULL)
			return NULL;
		sp.paths = v;
		sp.paths_cap = n + 1;
	}
	for (s = search, i = 0;; s = end + 1) {
		end = strchrnul(s, ':');
		sp.paths[i++] = sp.pathbuf + off;
		if (end == s) /* an empty entry is the working directory */
			off +=
			    (size_t)sprintf(sp.pathbuf + off, "%s", name) + 1;
		else
			off += (size_t)sprintf(sp.pathbuf + off, "%.*s/%s",
			           (int)(end - s), s, name) +
			       1;
		if (*end == '\0')
			break;
	}
	sp.paths[i] = NULL;
	return sp.paths;
}

static void
add_limit(struct child *c, int res, uint64_t soft, uint64_t hard)
{
	c->limit_res[c->nlimits] = res;
	c->limit[c->nlimits].cur = soft;
	c->limit[c->nlimits].max = hard;
	c->nlimits++;
}

static void
fill_limits(struct child *c, const struct prog_extra *conf)
{
	int i;

	for (i = 0; i < LIMIT_COUNT; i++) {
		uint64_t v = conf->limit[i] == CONFIG_RLIM_INFINITY
		                 ? (uint64_t)RLIM_INFINITY
		                 : conf->limit[i];

		if (conf->has_limit[i])
			add_limit(c, limit_resource[i], v, v);
	}
	/* SPEC 11: the open-files limit tend was started with */
	if (!conf->has_limit[LIMIT_NOFILE] && sp.nofile_raised)
		add_limit(
		    c, RLIMIT_NOFILE, sp.nofile.rlim_cur, sp.nofile.rlim_max);
}

/* The child's view of f: a passed descriptor goes through slot. */
static int
slot_fd(const struct out_fd *f, int slot, struct out_fd *out)
{
	*out = *f;
	if (f->kind != FD_PASS)
		return 0;
	if (dup3(f->fd, slot, O_CLOEXEC) == -1)
		return -1;
	out->fd = slot;
	return 0;
}

/* Let go of what the slots held for the child (a pipe must see its end
 * when its own writers are gone). */
static void
clear_slots(const struct out_fd *f1, const struct out_fd *f2, int cg,
    int ready_n, int nv1)
{
	int i;

	for (i = 0; i < nv1; i++)
		(void)dup3(SLOT_IN, SLOT_V1 + i, O_CLOEXEC);
	if (f1->kind == FD_PASS)
		(void)dup3(SLOT_IN, SLOT_OUT, O_CLOEXEC);
	if (f2->kind == FD_PASS)
		(void)dup3(SLOT_IN, SLOT_ERR, O_CLOEXEC);
	if (cg >= 0)
		(void)dup3(SLOT_IN, SLOT_CG, O_CLOEXEC);
	if (ready_n >= 0)
		(void)dup3(SLOT_IN, SLOT_READY, O_CLOEXEC);
}

int
spawn_reserve_fds(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC), slot;

	if (fd == -1)
		return -1;
	for (slot = SLOT_IN; slot < SLOT_END; slot++)
		if (fd != slot && dup3(fd, slot, O_CLOEXEC) == -1)
			return -1;
	if (fd >= SLOT_END)
		close(fd);
	return 0;
}

/* The listening sockets p holds, for the child. 0, or -1 (ENOMEM). */
static int
fill_listen(struct child *c, const struct prog *p)
{
	size_t i;

	if (p->lset.n > sp.lfds_cap) {
		int *v = reallocarray(sp.lfds, p->lset.n, sizeof(*v));

		if (v == NULL)
			return -1;
		sp.lfds = v;
		sp.lfds_cap = p->lset.n;
	}
	for (i = 0; i < p->lset.n; i++)
		sp.lfds[i] = listen_fd(&p->lset, i);
	c->lfds = sp.lfds;
	c->nlisten = (int)p->lset.n;
	c->listen_pid = sp.listen_pid;
	return 0;
}

/* What every start of p's shares: directory, umask, limits, ids. */
static void
fill_context(struct child *c, const struct prog *p, const struct spawn_ids *ids)
{
	const struct prog_extra *x = prog_extra(p->conf);

	c->dir = p->conf->directory;
	c->umask = p->conf->umask;
	c->reset = sp.reset;
	c->nreset = sp.nreset;
	fill_limits(c, x);
	c->set_nice = x->has_nice;
	c->nice = x->nice;
	c->set_oom = x->has_oom_score_adj;
	if (c->set_oom)
		c->oom_len = (size_t)snprintf(
		    c->oom, sizeof(c->oom), "%d\n", x->oom_score_adj);
	c->ids = ids;
	c->ready_n = -1;
	c->cg_fd = -1;
	c->stage = STAGE_SETUP;
}

/* Clone c's child with its descriptors in their slots; see spawn_program
 * (share) and spawn_command (not). */
static pid_t
launch(struct child *c, const struct out_fd *fd1, const struct out_fd *fd2,
    const struct spawn_extra *more, int cg_fd, bool migrate, bool share,
    enum spawn_stage *stage, pid_t *failed_pid, int *pidfd)
{
	pid_t pid;
	int err;
	bool want_pidfd = *pidfd != -1;

	*failed_pid = 0;
	*pidfd = -1;
	*stage = STAGE_SETUP;
	if (slot_fd(fd1, SLOT_OUT, &c->fd1) == -1 ||
	    slot_fd(fd2, SLOT_ERR, &c->fd2) == -1)
		return -1;
	c->pid_var = more != NULL ? more->pid_var : NULL;
	if (more != NULL && more->ready_fd >= 0) {
		if (dup3(more->ready_fd, SLOT_READY, O_CLOEXEC) == -1) {
			clear_slots(&c->fd1, &c->fd2, -1, -1, 0);
			return -1;
		}
		c->ready_n = more->ready_n;
	}
	for (c->nv1 = 0;
	     more != NULL && c->nv1 < more->nv1 && c->nv1 < CGLIMIT_V1_MAX;
	     c->nv1++) {
		if (dup3(more->v1_fds[c->nv1], SLOT_V1 + c->nv1, O_CLOEXEC) ==
		    -1) {
			err = errno;
			clear_slots(&c->fd1, &c->fd2, -1, c->ready_n, c->nv1);
			errno = err;
			return -1;
		}
	}

	pid = start_child(c, cg_fd, migrate, want_pidfd, pidfd, share);
	err = errno;
	clear_slots(&c->fd1, &c->fd2, c->cg_fd, c->ready_n, c->nv1);
	if (pid == -1) {
		errno = err;
		return -1;
	}
	if (c->err != 0) {
		*failed_pid = pid;
		*stage = c->stage;
		if (*pidfd >= 0) {
			/* reap it now: it is past its exec (CLONE_VFORK), only
			 * its exit remains, and its pidfd is here */
			pid_t gone;

			(void)spawn_wait_status(*pidfd, true, &gone);
			close(*pidfd);
			*pidfd = -1;
		}
		errno = c->err;
		return -1;
	}
	return pid;
}

pid_t
spawn_program(const struct prog *p, const struct spawn_ids *ids,
    const struct out_fd *fd1, const struct out_fd *fd2,
    const struct spawn_extra *more, int cg_fd, bool migrate,
    enum spawn_stage *stage, pid_t *failed_pid, int *pidfd)
{
	struct child c;

	memset(&c, 0, sizeof(c));
	c.argv = p->conf->argv;
	c.envp = p->envp;
	c.paths = candidates(p->conf->argv[0], p->search);
	if (c.paths == NULL) {
		*stage = STAGE_SETUP;
		*failed_pid = 0;
		*pidfd = -1;
		return -1;
	}
	fill_context(&c, p, ids);
	if (fill_listen(&c, p) == -1) {
		*stage = STAGE_SETUP;
		*failed_pid = 0;
		*pidfd = -1;
		return -1;
	}
	return launch(
	    &c, fd1, fd2, more, cg_fd, migrate, true, stage, failed_pid, pidfd);
}

pid_t
spawn_command(const struct prog *p, char *const *argv, char *const *envp,
    const struct spawn_ids *ids, pid_t *failed_pid)
{
	static const struct out_fd null_out = {FD_FILE, -1, "/dev/null"};
	enum spawn_stage stage;
	struct child c;
	int pidfd = -1;

	memset(&c, 0, sizeof(c));
	c.argv = argv;
	c.envp = envp;
	c.paths = candidates(argv[0], path_of(envp));
	if (c.paths == NULL) {
		*failed_pid = 0;
		return -1;
	}
	fill_context(&c, p, ids);
	return launch(&c, &null_out, &null_out, NULL, -1, false, false, &stage,
	    failed_pid, &pidfd);
}

/* -------------------------------------------------------- credentials */

static int
grow_pwbuf(void)
{
	size_t cap = sp.pwbuf_cap ? sp.pwbuf_cap * 2 : 4096;
	char *b = realloc(sp.pwbuf, cap);

	if (b == NULL)
		return -1;
	sp.pwbuf = b;
	sp.pwbuf_cap = cap;
	return 0;
}

/* getpwnam_r or getpwuid_r into pw; 1 found, 0 not found, -1 error */
static int
lookup_user(const char *user, bool numeric, uid_t uid, struct passwd *pw)
{
	struct passwd *res = NULL;
	int r;

	for (;;) {
		if (sp.pwbuf_cap == 0 && grow_pwbuf() == -1)
			return -1;
		r = numeric
		        ? getpwuid_r(uid, pw, sp.pwbuf, sp.pwbuf_cap, &res)
		        : getpwnam_r(user, pw, sp.pwbuf, sp.pwbuf_cap, &res);
		if (r != ERANGE)
			break;
		if (grow_pwbuf() == -1)
			return -1;
	}
	if (r != 0) {
		errno = r;
		return -1;
	}
	return res != NULL;
}

static int
lookup_group(const char *group, gid_t *gid)
{
	struct group gr, *res = NULL;
	char *buf = NULL;
	size_t cap = 4096;
	int r;

	for (;;) {
		char *b = realloc(buf, cap);

		if (b == NULL) {
			free(buf);
			return -1;
		}
		buf = b;
		r = getgrnam_r(group, &gr, buf, cap, &res);
		if (r != ERANGE)
			break;
		cap *= 2;
	}
	if (res != NULL)
		*gid = gr.gr_gid;
	free(buf);
	if (r != 0) {
		errno = r;
		return -1;
	}
	return res != NULL;
}

static int
user_groups(const char *name, gid_t gid, struct spawn_ids *ids)
{
	int n = sp.groups_cap;

	for (;;) {
		if (n > sp.groups_cap || sp.groups == NULL) {
			gid_t *g = realloc(
			    sp.groups, (size_t)(n > 16 ? n : 16) * sizeof(*g));

			if (g == NULL)
				return -1;
			sp.groups = g;
			sp.groups_cap = n > 16 ? n : 16;
			n = sp.groups_cap;
		}
		if (getgrouplist(name, gid, sp.groups, &n) != -1)
			break;
		if (n <= sp.groups_cap)
			n = sp.groups_cap * 2;
	}
	ids->groups = sp.groups;
	ids->ngroups = (size_t)n;
	return 0;
}

static int
only_group(gid_t gid, struct spawn_ids *ids)
{
	if (sp.groups == NULL) {
		sp.groups = malloc(16 * sizeof(*sp.groups));
		if (sp.groups == NULL)
			return -1;
		sp.groups_cap = 16;
	}
	sp.groups[0] = gid;
	ids->groups = sp.groups;
	ids->ngroups = 1;
	return 0;
}

/* group, a name or a number, into *gid; -1 with err set if unknown. */
static int
resolve_group(const char *group, gid_t *gid, char *err, size_t errlen)
{
	uint64_t num;
	int r;

	if (units_parse_uint(group, UINT32_MAX - 1, &num) == 0) {
		*gid = (gid_t)num;
		return 0;
	}
	r = lookup_group(group, gid);
	if (r == 1)
		return 0;
	if (r == 0)
		snprintf(err, errlen, "unknown group %s", group);
	else
		snprintf(err, errlen, "group %s: %s", group, strerror(errno));
	return -1;
}

int
spawn_resolve_ids(const char *user, const char *group, struct spawn_ids *ids,
    char *err, size_t errlen)
{
	struct passwd pw;
	uint64_t num;
	bool user_numeric = false, have_pw = false;
	gid_t gid = 0;
	int r;

	memset(ids, 0, sizeof(*ids));
	if (user == NULL && group == NULL)
		return 0;
	if (user != NULL) {
		user_numeric =
		    units_parse_uint(user, UINT32_MAX - 1, &num) == 0;
		r = lookup_user(user, user_numeric, (uid_t)num, &pw);
		if (r == -1) {
			snprintf(
			    err, errlen, "user %s: %s", user, strerror(errno));
			return -1;
		}
		if (r == 0 && !user_numeric) {
			snprintf(err, errlen, "unknown user %s", user);
			return -1;
		}
		have_pw = r == 1;
		ids->set_uid = true;
		ids->uid = have_pw ? pw.pw_uid : (uid_t)num;
		gid = have_pw ? pw.pw_gid : (gid_t)num;
	}
	if (group != NULL && resolve_group(group, &gid, err, errlen) == -1)
		return -1;
	ids->set_gid = true;
	ids->gid = gid;
	if (have_pw ? user_groups(pw.pw_name, gid, ids) == -1
	            : only_group(gid, ids) == -1) {
		snprintf(err, errlen, "groups of %s: %s", user ? user : group,
		    strerror(errno));
		return -1;
	}
	return 0;
}
