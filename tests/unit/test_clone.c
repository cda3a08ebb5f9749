/*
 * test_clone.c: the process-creation primitive (supervisord/clone.c, the
 * object tend links, built -O2 like tend) runs the child's function with
 * its argument, whichever registers the compiler gave them, both through
 * glibc's clone() and through clone3's inline assembly (a cgroup given);
 * the parent gets the pid, the exit code, what the child wrote and a
 * pidfd that is readable once the child has ended; a descriptor that is
 * no cgroup fails before any process is made.
 */
#include <sys/mman.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <sys/wait.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clone.h"
#include "unit.h"

#define STACK_LEN ((size_t)64 * 1024)
#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

/* What the child reads and writes: tend's struct child in small. */
struct shared {
	long in;       /* the argument's value */
	int pipe_w;    /* the child writes in there */
	long out;      /* mix() of in's derivatives, computed by the child */
	long pid;      /* its getpid() */
	uint64_t mask; /* its signal mask as it started */
	bool read_cgroup;
	char cgroup[512]; /* its /proc/self/cgroup */
	long cgroup_len;
};

/* Not inlined, so that the child's function makes calls and keeps many
 * values live across them: the compiler then needs callee-saved
 * registers, rbp among them, in the child's code as in the primitive. */
CLONE_CHILD_CODE static long
mix(long a, long b)
{
	return a * 31 + (b ^ 0x5a5a);
}

CLONE_CHILD_CODE static long
mix8(long a)
{
	long b = a + 1, c = a * 3, d = a ^ 0x77, e = a - 7, f = a << 2,
	     g = a | 1, h = a / 3 + 5;
	long x = mix(a, b), y = mix(c, d), z = mix(e, f), w = mix(g, h);

	return mix(mix(x, y), mix(z, w)) + a + b + c + d + e + f + g + h;
}

/* The exit code the child derives from its argument: 1 to 90. */
CLONE_CHILD_CODE static int
code_of(long in)
{
	return (int)((in % 90 + 90) % 90) + 1;
}

CLONE_CHILD_CODE static int
child(void *arg)
{
	struct shared *s = arg;
	long fd;

	syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &s->mask, 8);
	s->pid = syscall(SYS_getpid);
	s->out = mix8(s->in);
	if (syscall(SYS_write, s->pipe_w, &s->in, sizeof(s->in)) !=
	    (long)sizeof(s->in))
		return 99;
	if (s->read_cgroup) {
		fd = syscall(SYS_openat, AT_FDCWD, "/proc/self/cgroup",
		    O_RDONLY | O_CLOEXEC);
		if (fd == -1)
			return 98;
		s->cgroup_len =
		    syscall(SYS_read, fd, s->cgroup, sizeof(s->cgroup) - 1);
		syscall(SYS_close, fd);
	}
	return code_of(s->in);
}

static char *stack;
static int pipe_fds[2];

static void
setup(void)
{
	stack = mmap(NULL, STACK_LEN, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	ck_assert_ptr_ne(stack, MAP_FAILED);
	ck_assert_int_eq(pipe2(pipe_fds, O_CLOEXEC), 0);
}

static void
teardown(void)
{
	munmap(stack, STACK_LEN);
	close(pipe_fds[0]);
	close(pipe_fds[1]);
}

static struct clone_req
req(struct shared *s, long in, int cgroup_fd, bool want_pidfd)
{
	struct clone_req r = {
	    .fn = child,
	    .arg = s,
	    .stack = stack,
	    .stack_len = STACK_LEN,
	    .cgroup_fd = cgroup_fd,
	    .want_pidfd = want_pidfd,
	};

	memset(s, 0, sizeof(*s));
	s->in = in;
	s->pipe_w = pipe_fds[1];
	return r;
}

/* The child of s ran child() with s: assert all it left behind. */
static void
assert_ran(const struct shared *s, pid_t pid)
{
	long got = 0;
	uint64_t blockable;
	sigset_t all;

	ck_assert_int_gt(pid, 0);
	ck_assert_int_eq(s->pid, pid);
	ck_assert_int_eq(s->out, mix8(s->in));
	ck_assert_int_eq(read(pipe_fds[0], &got, sizeof(got)), sizeof(got));
	ck_assert_int_eq(got, s->in);
	/* every signal blocked that libc lets a program block */
	sigfillset(&all);
	memcpy(&blockable, &all, sizeof(blockable));
	blockable &= ~((1ULL << (SIGKILL - 1)) | (1ULL << (SIGSTOP - 1)));
	ck_assert_uint_eq(s->mask & blockable, blockable);
}

/* Reap pid by waitpid, or through pidfd if >= 0 once it polls readable;
 * its exit code. */
static int
reap(pid_t pid, int pidfd)
{
	struct pollfd pfd = {.fd = pidfd, .events = POLLIN};
	siginfo_t si;
	int status;

	if (pidfd < 0) {
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		ck_assert(WIFEXITED(status));
		return WEXITSTATUS(status);
	}
	ck_assert_int_eq(poll(&pfd, 1, 30000), 1);
	ck_assert(pfd.revents & POLLIN);
	memset(&si, 0, sizeof(si));
	ck_assert_int_eq(waitid(P_PIDFD, (id_t)pidfd, &si, WEXITED), 0);
	ck_assert_int_eq(si.si_pid, pid);
	ck_assert_int_eq(si.si_code, CLD_EXITED);
	close(pidfd);
	return si.si_status;
}

static const long inputs[] = {1, 42, 1000, -5, 123456789};
#define NINPUTS (sizeof(inputs) / sizeof(*inputs))

START_TEST(a_child_runs_its_function_with_its_argument)
{
	struct shared s;
	struct clone_req r;
	size_t i;
	int pidfd;
	pid_t pid;

	for (i = 0; i < NINPUTS; i++) {
		r = req(&s, inputs[i], -1, false);
		pid = clone_vfork(&r, &pidfd);
		ck_assert_int_eq(pidfd, -1);
		assert_ran(&s, pid);
		ck_assert_int_eq(reap(pid, -1), code_of(inputs[i]));
	}
}
END_TEST

START_TEST(a_pidfd_is_readable_once_the_child_has_ended)
{
	struct shared s;
	struct clone_req r;
	int pidfd;
	pid_t pid;

	ck_assert(clone_has_pidfd()); /* Linux 5.4 and later */
	r = req(&s, 77, -1, true);
	pid = clone_vfork(&r, &pidfd);
	assert_ran(&s, pid);
	ck_assert_int_ge(pidfd, 0);
	ck_assert_int_eq(reap(pid, pidfd), 78);
}
END_TEST

START_TEST(the_parents_signal_mask_is_as_it_was)
{
	struct shared s;
	struct clone_req r;
	sigset_t mask, after;
	int pidfd;
	pid_t pid;

	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);
	ck_assert_int_eq(sigprocmask(SIG_SETMASK, &mask, NULL), 0);
	r = req(&s, 3, -1, false);
	pid = clone_vfork(&r, &pidfd);
	assert_ran(&s, pid);
	ck_assert_int_eq(sigprocmask(SIG_SETMASK, NULL, &after), 0);
	ck_assert(sigismember(&after, SIGUSR1));
	ck_assert(!sigismember(&after, SIGUSR2));
	ck_assert(!sigismember(&after, SIGTERM));
	sigemptyset(&mask);
	ck_assert_int_eq(sigprocmask(SIG_SETMASK, &mask, NULL), 0);
	ck_assert_int_eq(reap(pid, -1), 4);
}
END_TEST

/* A cgroup v2 directory to make children in (the test's own, or one
 * made for the tests in it when it may make one), and the line
 * /proc/self/cgroup shows in there; "" if no cgroup v2 is mounted where
 * systemd or a container puts it. Made and removed by the runner's
 * process, so that a failed test leaves no directory behind. */
static char cg_dir[700], cg_line[700];
static bool cg_made;

static bool
own_cgroup(char *rel, size_t rel_len, char *mount, size_t mount_len)
{
	static const char *const mounts[] = {
	    "/sys/fs/cgroup", "/sys/fs/cgroup/unified"};
	char line[512];
	struct statfs fs;
	FILE *f;
	size_t i;
	bool found = false;

	f = fopen("/proc/self/cgroup", "re");
	if (f == NULL)
		return false;
	while (!found && fgets(line, sizeof(line), f) != NULL)
		found = strncmp(line, "0::", 3) == 0;
	fclose(f);
	if (!found)
		return false;
	line[strcspn(line, "\n")] = '\0';
	snprintf(
	    rel, rel_len, "%s", strcmp(line + 3, "/") == 0 ? "" : line + 3);
	for (i = 0; i < sizeof(mounts) / sizeof(*mounts); i++) {
		if (statfs(mounts[i], &fs) == 0 &&
		    fs.f_type == CGROUP2_SUPER_MAGIC) {
			snprintf(mount, mount_len, "%s", mounts[i]);
			return true;
		}
	}
	return false;
}

static void
cgroup_setup(void)
{
	char rel[512], mount[64];

	cg_dir[0] = '\0';
	if (!own_cgroup(rel, sizeof(rel), mount, sizeof(mount)))
		return;
	snprintf(cg_dir, sizeof(cg_dir), "%s%s/tend-test-clone.%d", mount, rel,
	    (int)getpid());
	snprintf(cg_line, sizeof(cg_line), "0::%s/tend-test-clone.%d\n", rel,
	    (int)getpid());
	cg_made = mkdir(cg_dir, 0755) == 0;
	if (!cg_made) {
		snprintf(cg_dir, sizeof(cg_dir), "%s%s", mount, rel);
		snprintf(cg_line, sizeof(cg_line), "0::%s\n", *rel ? rel : "/");
	}
}

static void
cgroup_teardown(void)
{
	if (cg_made)
		(void)rmdir(cg_dir);
}

START_TEST(a_child_made_in_a_cgroup_runs_its_function_with_its_argument)
{
	struct shared s;
	struct clone_req r;
	size_t i;
	int cg, pidfd;
	pid_t pid;

	if (cg_dir[0] == '\0') {
		printf("no cgroup v2 here: clone3's path is not run\n");
		return;
	}
	cg = open(cg_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(cg, 0);
	for (i = 0; i < NINPUTS; i++) {
		r = req(&s, inputs[i], cg, i % 2 == 0);
		s.read_cgroup = true;
		pid = clone_vfork(&r, &pidfd);
		assert_ran(&s, pid);
		ck_assert_int_gt(s.cgroup_len, 0);
		ck_assert_msg(strstr(s.cgroup, cg_line) != NULL,
		    "child's cgroups: %s, not %s", s.cgroup, cg_line);
		ck_assert_int_eq(i % 2 == 0, pidfd >= 0);
		ck_assert_int_eq(reap(pid, pidfd), code_of(inputs[i]));
	}
	close(cg);
}
END_TEST

START_TEST(a_descriptor_that_is_no_cgroup_makes_no_process)
{
	struct shared s;
	struct clone_req r;
	int fd, pidfd;

	if (cg_dir[0] == '\0') {
		printf("no cgroup v2 here: clone3's path is not run\n");
		return;
	}
	fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	r = req(&s, 5, fd, true);
	errno = 0;
	ck_assert_int_eq(clone_vfork(&r, &pidfd), -1);
	ck_assert_int_eq(errno, EBADF);
	ck_assert_int_eq(pidfd, -1);
	close(fd);
	r = req(&s, 5, fd, false); /* now closed */
	ck_assert_int_eq(clone_vfork(&r, &pidfd), -1);
	ck_assert_int_eq(errno, EBADF);
	ck_assert_int_eq(s.pid, 0); /* the function never ran */
	ck_assert_int_eq(waitpid(-1, NULL, WNOHANG), -1);
	ck_assert_int_eq(errno, ECHILD);
}
END_TEST

static Suite *
clone_suite(void)
{
	Suite *s = suite_create("clone");
	TCase *tc = tcase_create("clone");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, a_child_runs_its_function_with_its_argument);
	tcase_add_test(tc, a_pidfd_is_readable_once_the_child_has_ended);
	tcase_add_test(tc, the_parents_signal_mask_is_as_it_was);
	suite_add_tcase(s, tc);
	tc = tcase_create("cgroup");
	tcase_add_unchecked_fixture(tc, cgroup_setup, cgroup_teardown);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(
	    tc, a_child_made_in_a_cgroup_runs_its_function_with_its_argument);
	tcase_add_test(tc, a_descriptor_that_is_no_cgroup_makes_no_process);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return unit_main(clone_suite());
}
