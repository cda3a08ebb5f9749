/*
 * clone.h: the process-creation primitive under spawn.c. A new process
 * that shares tend's memory and descriptor table until it execs or exits
 * (CLONE_VM | CLONE_VFORK | CLONE_FILES), runs a function of tend's on a
 * stack of its own, and is made directly in a given cgroup (clone3 with
 * CLONE_INTO_CGROUP). Spawning then costs no page-table copy whatever
 * tend's size, and a cgroup no extra system call.
 *
 * The child function's contract, because it runs in tend's address space
 * while tend is suspended:
 *  - raw system calls only (syscall(2), which sets errno and nothing
 *    else): no libc function that keeps state or takes a lock (malloc,
 *    stdio, getpw*, ...), since tend may have held one at the clone;
 *  - no sanitizer instrumentation (mark it and everything it calls with
 *    CLONE_CHILD_CODE): its shadow memory and runtime are tend's;
 *  - every signal is blocked when it starts (but the two glibc keeps
 *    for its threads, which a single-threaded tend never gets), and
 *    every handler is still tend's: it resets the dispositions it must
 *    before it unblocks any;
 *  - it shares tend's descriptor table: it unshares it (close_range with
 *    CLOSE_RANGE_UNSHARE, or unshare(CLONE_FILES)) before it changes a
 *    descriptor;
 *  - it may write tend's memory (that is how it reports back), and tend
 *    reads what it wrote once clone_vfork has returned;
 *  - it ends by execve or by _exit (SYS_exit_group); if it returns, the
 *    process exits with its return value;
 *  - it runs on the caller's stack (with a guard page, the caller's
 *    business), which the next child may reuse: tend is suspended until
 *    this one has exec'd or exited, so no two ever share it.
 */
#ifndef TEND_CLONE_H
#define TEND_CLONE_H

#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>

/* For the child function and every function it calls. */
#define CLONE_CHILD_CODE                                                       \
	__attribute__((no_sanitize("address", "undefined"), noinline))

struct clone_req {
	int (*fn)(void *); /* the child's function, given arg */
	void *arg;
	char *stack;      /* the child's stack: its lowest address, */
	size_t stack_len; /* its length (it grows down from stack + len) */
	int cgroup_fd;    /* a cgroup v2 directory to make it in; -1: tend's */
	bool want_pidfd;  /* and the kernel has them: see clone_has_pidfd */
	bool copy; /* instead: a copy of tend's memory and descriptors, as
	            * fork()'s child; tend pays the copy of its page tables
	            * but goes on at once, without waiting for the exec, and
	            * sees nothing the child writes. cgroup_fd must be -1 */
};

/*
 * Start r->fn(r->arg) in a new process (exit signal SIGCHLD, as a fork's
 * child) and wait until it has exec'd or exited (with r->copy: do not
 * wait; EINVAL with a cgroup_fd). Returns its pid, and in
 * *pidfd its pidfd if r->want_pidfd and the kernel has pidfds (else -1),
 * for the caller to watch, reap and close. The parent's signal mask is
 * as it was. -1 with errno if no process was made: the kernel's error
 * (EAGAIN, ENOMEM, EBADF for a cgroup_fd that is no cgroup, ...), or
 * ENOSYS if r->cgroup_fd >= 0 and this kernel cannot make a process in a
 * cgroup (no clone3 or no CLONE_INTO_CGROUP, Linux before 5.7, or not
 * x86-64): the caller then starts it with cgroup_fd -1 and lets it move
 * itself. Learnt once: later calls with a cgroup fail at once.
 */
pid_t clone_vfork(const struct clone_req *r, int *pidfd);

/*
 * Whether this kernel has everything reaping through pidfds needs:
 * CLONE_PIDFD, poll on a pidfd and waitid(P_PIDFD) (Linux 5.4). Probed
 * on the first call.
 */
bool clone_has_pidfd(void);

#endif
