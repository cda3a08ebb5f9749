/*
 * clone.c: a new process sharing tend's memory until its exec, or with
 * a copy of it (see clone.h): clone3 with CLONE_INTO_CGROUP through a
 * few lines of inline assembly, glibc's clone() otherwise, and the pidfd
 * probe. It knows nothing of programs: what the child does is the
 * caller's function.
 */
#include "clone.h"

#include <sys/pidfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

#define CLONE_FLAGS (CLONE_VM | CLONE_VFORK | CLONE_FILES)

static struct {
	int pidfd_mode; /* 0 unknown, 1 pidfds, -1 SIGCHLD only */
	bool no_clone3; /* the kernel refused clone3 into a cgroup once */
} cl;

/* The kernel's struct clone_args (version 2, with cgroup). */
struct clone3_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack,
	    stack_size, tls, set_tid, set_tid_size, cgroup;
};

#if defined(__x86_64__)
/*
 * clone3 with CLONE_VM needs the child to start on its new stack without
 * returning through C: this is the whole of it. The child calls fn(arg)
 * and exits with its value. Returns the child's pid, or -errno.
 */
static long
clone3_call(struct clone3_args *ca, int (*fn)(void *), void *arg)
{
	/* fn and arg in registers the syscall keeps and the asm names, so
	 * that zeroing rbp (the end of the child's frame chain) cannot hit
	 * one of them, as an "r" operand could (gcc chose rbp at -O2:
	 * every child then jumped to address 0) */
	register int (*fn_r8)(void *) __asm__("r8") = fn;
	long ret;

	__asm__ volatile("syscall\n\t"
	                 "testq %%rax, %%rax\n\t"
	                 "jnz 1f\n\t"
	                 "movq %%rdx, %%rdi\n\t"
	                 "xorl %%ebp, %%ebp\n\t"
	                 "callq *%%r8\n\t"
	                 "movq %%rax, %%rdi\n\t"
	                 "movl $60, %%eax\n\t" /* exit */
	                 "syscall\n\t"
	                 "hlt\n"
	                 "1:"
	                 : "=a"(ret)
	                 : "0"((long)SYS_clone3), "D"(ca), "S"(sizeof(*ca)),
	                 "d"(arg), "r"(fn_r8)
	                 : "rcx", "r11", "memory");
	return ret;
}

/* r's child in its cgroup; -1 with errno (ENOSYS: clone3 cannot). */
static pid_t
clone_into_cgroup(const struct clone_req *r, bool with_pidfd, int *pidfd)
{
	struct clone3_args ca;
	long ret;

	memset(&ca, 0, sizeof(ca));
	ca.flags = CLONE_FLAGS | CLONE_INTO_CGROUP;
	if (with_pidfd) {
		ca.flags |= CLONE_PIDFD;
		ca.pidfd = (uint64_t)(uintptr_t)pidfd;
	}
	ca.exit_signal = SIGCHLD;
	ca.stack = (uint64_t)(uintptr_t)r->stack;
	ca.stack_size = r->stack_len;
	ca.cgroup = (uint64_t)r->cgroup_fd;
	ret = clone3_call(&ca, r->fn, r->arg);
	if (ret > 0)
		return (pid_t)ret;
	if (ret == -ENOSYS || ret == -E2BIG || ret == -EINVAL) {
		cl.no_clone3 = true;
		ret = -ENOSYS;
	}
	errno = (int)-ret;
	return -1;
}
#else
static pid_t
clone_into_cgroup(const struct clone_req *r, bool with_pidfd, int *pidfd)
{
	(void)r;
	(void)with_pidfd;
	(void)pidfd;
	cl.no_clone3 = true;
	errno = ENOSYS;
	return -1;
}
#endif

pid_t
clone_vfork(const struct clone_req *r, int *pidfd)
{
	bool with_pidfd = r->want_pidfd && clone_has_pidfd();
	int flags = (r->copy ? 0 : CLONE_FLAGS) | SIGCHLD;
	sigset_t all, old;
	pid_t pid;
	int err;

	*pidfd = -1;
	if (r->copy && r->cgroup_fd >= 0) {
		errno = EINVAL;
		return -1;
	}
	if (r->cgroup_fd >= 0 && cl.no_clone3) {
		errno = ENOSYS;
		return -1;
	}
	if (with_pidfd)
		flags |= CLONE_PIDFD;
	/* no handler of tend's may run in the child before it resets them */
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	if (r->cgroup_fd >= 0)
		pid = clone_into_cgroup(r, with_pidfd, pidfd);
	else
		pid =
		    clone(r->fn, r->stack + r->stack_len, flags, r->arg, pidfd);
	err = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (pid == -1)
		*pidfd = -1; /* the kernel may have written one it took back */
	errno = err;
	return pid;
}

/* Probed once: a pidfd of tend itself, waited on, must say "not a
 * child". */
bool
clone_has_pidfd(void)
{
	siginfo_t si;
	int fd;

	if (cl.pidfd_mode != 0)
		return cl.pidfd_mode > 0;
	cl.pidfd_mode = -1;
	fd = pidfd_open(getpid(), 0);
	if (fd == -1)
		return false;
	if (waitid(P_PIDFD, (id_t)fd, &si, WEXITED | WNOHANG) == -1 &&
	    errno == ECHILD)
		cl.pidfd_mode = 1;
	close(fd);
	return cl.pidfd_mode > 0;
}
