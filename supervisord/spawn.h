/*
 * spawn.h: a program's instance from its struct prog: the only code that
 * runs in a child (SPEC 2 and the Processes rules of SPEC 11).
 *
 * The child is made by clone.h's primitive (CLONE_VM | CLONE_VFORK, on
 * a stack of its own, in its cgroup), so spawning costs no page-table
 * copy whatever tend's size, and the parent resumes only once the child
 * has exec'd or failed. The child keeps clone.h's contract: raw system
 * calls only, no libc state, no locks, no sanitizer hooks, no signal
 * handler of tend's can run in it. Its stages: setup (descriptor table,
 * dispositions, cgroup, session, stdin), limits, ids, output, chdir,
 * exec.
 *
 * More descriptors for the child (listening sockets as fds 3..) go the
 * way the readiness fd goes (struct spawn_extra, SLOT_READY): tend
 * dup3()s each into a slot below SLOT_END before the clone (a range of
 * slots that spawn_reserve_fds reserves), the struct child carries the
 * list of (slot, target) pairs, child_setup's close_range keeps them,
 * one step of the output stage dup3()s each to its target, and
 * clear_slots lets go of them after. Variables holding the child's own
 * pid (LISTEN_PID beside NOTIFY_SOCKET's WATCHDOG_PID) go through
 * spawn_extra's pid_var, a list of them if need be.
 */
#ifndef TEND_SPAWN_H
#define TEND_SPAWN_H

#include <sys/resource.h>
#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>

#include "output.h"
#include "tree.h"

/* enum spawn_stage, where a start failed, is tree.h's: a failed start's
 * exit_info carries it. */

/* Credentials of a start, resolved in tend (NSS is not async-signal-safe). */
struct spawn_ids {
	bool set_uid, set_gid;
	uid_t uid;
	gid_t gid;
	gid_t *groups; /* supplementary groups; owned by spawn.c */
	size_t ngroups;
};

/* What a start passes besides stdout and stderr (ready.c's). */
struct spawn_extra {
	char *pid_var; /* "NAME=...": the child writes its own pid as the
	                * value (room for it follows); NULL: none */
	int ready_fd;  /* given to the program as fd ready_n; -1: none */
	int ready_n;
	const int *v1_fds; /* cgroup.procs of its cgroup v1 cgroups, opened
	                    * for writing (cglimit_v1_prepare): it joins
	                    * them before the exec */
	int nv1;
};

/*
 * First thing at start-up, before any other descriptor is opened: reserve
 * the low descriptors a spawn passes to its child (3 to 10). 0, or -1.
 */
int spawn_reserve_fds(void);

/*
 * Once, before the first spawn and after every signal watcher is
 * started: note which signal dispositions children must reset, open
 * /dev/null for their stdin, allocate the child stack, and keep tend's
 * environment env without the variables meant for tend itself
 * (NOTIFY_SOCKET, LISTEN_FDS, LISTEN_PID, LISTEN_FDNAMES, WATCHDOG_USEC,
 * WATCHDOG_PID). nofile is the open-files limit tend was started with
 * (tend has since raised its own). 0, or -1 with errno.
 */
int spawn_init(const struct rlimit *nofile, char *const *env);

/* Undo spawn_init. */
void spawn_fini(void);

/*
 * Resolve user and group (names or numbers; either may be NULL) into ids.
 * 0, or -1 with a message in err ("unknown user bob").
 */
int spawn_resolve_ids(const char *user, const char *group,
    struct spawn_ids *ids, char *err, size_t errlen);

/*
 * Compute p's final environment (SPEC 11: pre, NULL or NULL-terminated
 * and borrowed, then tend's, minus the variables above, plus
 * `environment`) and the PATH its argv[0] is looked up in. 0, or -1 on
 * ENOMEM. spawn_release frees what it allocated.
 */
int spawn_prepare(struct prog *p, char *const *pre);
void spawn_release(struct prog *p);

/*
 * Whether tend reaps its programs through pidfds (Linux 5.4 and later):
 * each spawn then gives a pidfd that becomes readable when the program's
 * main process ends, and waitid() on it reaps that process alone, where
 * waitpid(-1) walks every child of tend's in the kernel (a millisecond
 * with ten thousand programs).
 */
bool spawn_has_pidfd(void);

/*
 * Reap the process of pidfd (WNOHANG unless block): its wait status, with
 * *pid its pid, or *pid 0 if it has not ended; -1 with errno.
 */
int spawn_wait_status(int pidfd, bool block, pid_t *pid);

/*
 * Start p in its own session with ids applied, fd1 and fd2 as its stdout
 * and stderr, more (NULL: nothing) applied, and in the cgroup cg_fd (-1:
 * tend's own): cloned into it,
 * or, with migrate, moving itself there before the exec. Returns the pid of the
 * child, which has exec'd; or -1 with errno (the exec's error included:
 * ENOENT for a missing program) and *stage saying where it failed. A
 * child that failed after clone has exited with 127; *failed_pid is its
 * pid (else 0), reaped here if it had a pidfd, else left for the
 * reaper. *pidfd: -1 asks for no pidfd, anything else for one if the
 * kernel has them; then the new process's pidfd (else -1), for the
 * caller to watch and close. Blocks only until the exec.
 */
pid_t spawn_program(const struct prog *p, const struct spawn_ids *ids,
    const struct out_fd *fd1, const struct out_fd *fd2,
    const struct spawn_extra *more, int cg_fd, bool migrate,
    enum spawn_stage *stage, pid_t *failed_pid, int *pidfd);

/*
 * Run a check command of p's (ready.c: exec:CMD): argv, argv[0] looked
 * up in the PATH of envp, with envp, in p's directory with its umask,
 * limits and ids (resolved by the caller), in a session of its own, its
 * stdin, stdout and stderr /dev/null. Unlike a program, it is made as
 * by fork(), with a copy of tend's memory: tend pays the copy of its
 * page tables (a fraction of a millisecond) but does not wait for the
 * child to be scheduled and exec, which on a busy machine takes
 * milliseconds, at each of the hundred checks a second that a thousand
 * health-checked programs make. So its exec's error is not known here:
 * the child exits 127 (the loop's wait sees it). Its pid, or -1 with
 * errno (no process could be made; *failed_pid is then 0).
 */
pid_t spawn_command(const struct prog *p, char *const *argv, char *const *envp,
    const struct spawn_ids *ids, pid_t *failed_pid);

#endif
