/*
 * fdcost.c: what tend's open file descriptors cost each spawn. Opens K
 * close-on-exec descriptors (pipes), then times posix_spawn (CLONE_VM |
 * CLONE_VFORK: it returns once the child has exec'd) of CHILD REPS times.
 * The child's copy of the descriptor table (dup_fd) and its closing at
 * exec (do_close_on_exec) grow with K.
 *
 *   gcc -O2 -o fdcost fdcost.c && ./fdcost K REPS bench/.work/bin/child
 */
#define _GNU_SOURCE
#include <sys/wait.h>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
extern char **environ;
static double
now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}
int
main(int argc, char **argv)
{
	int k = atoi(argv[1]), reps = atoi(argv[2]);
	char *child = argv[3];
	for (int i = 0; i < k / 2; i++) {
		int p[2];
		if (pipe2(p, O_CLOEXEC)) {
			perror("pipe");
			return 1;
		}
	}
	char *av[] = {child, "x", NULL};
	double best = 1e9, sum = 0;
	for (int r = 0; r < reps; r++) {
		pid_t pid;
		double t0 = now();
		if (posix_spawn(&pid, child, NULL, NULL, av, environ)) {
			perror("spawn");
			return 1;
		}
		double t1 = now();
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		sum += t1 - t0;
		if (t1 - t0 < best)
			best = t1 - t0;
	}
	printf("fds %6d: posix_spawn (until exec done) mean %.3f ms, best %.3f "
	       "ms\n",
	    k, sum / reps * 1e3, best * 1e3);
}
