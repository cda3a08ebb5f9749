/*
 * floor.c: the least a supervisor can do on this machine (SPEC 10). It
 * posix_spawns N children, reaps them through a signalfd and spawns each
 * again at once; on TERM it sends TERM to every child, reaps them all and
 * exits. The bench drives it exactly as it drives tend and the peers
 * (kill a child, wait for its replacement's record), so its figures are
 * timed the same way.
 *
 *   floor [-n N] [-S] CHILD   serve N children named c0 .. cN-1; with
 *                             -S, stop them one after another (TERM the
 *                             last, reap it, TERM the one before), as
 *                             an OTP supervisor stops its children
 *   floor -l K CHILD          self-timed: K times SIGKILL the one child,
 *                             reap, posix_spawn; print one line per
 *                             kill: nanoseconds from kill() to the return
 *                             of posix_spawn (the child has exec'd)
 *
 * posix_spawn gets POSIX_SPAWN_SETSIGMASK (an empty mask: SIGCHLD is
 * blocked here for the signalfd) and POSIX_SPAWN_SETSID (a supervisor
 * needs its program in a group of its own), nothing else.
 */
#define _GNU_SOURCE
#include <sys/signalfd.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static const char *child_path;
static posix_spawnattr_t attr;
static char **names;  /* child i's name */
static pid_t *pid_of; /* child i's pid, 0 when none */
static int *index_of; /* pid -> child index + 1, 0 when not ours */
static long pid_max;
static bool one_by_one; /* -S */

static long long
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int
spawn(int i)
{
	char *argv[] = {(char *)child_path, names[i], NULL};
	pid_t pid;
	int err = posix_spawn(&pid, child_path, NULL, &attr, argv, environ);

	if (err != 0) {
		fprintf(stderr, "floor: posix_spawn %s: %s\n", child_path,
		    strerror(err));
		return -1;
	}
	pid_of[i] = pid;
	if (pid <= pid_max)
		index_of[pid] = i + 1;
	return 0;
}

static void
setup(int n)
{
	sigset_t none;
	FILE *f = fopen("/proc/sys/kernel/pid_max", "re");
	int i;

	if (f == NULL || fscanf(f, "%ld", &pid_max) != 1)
		pid_max = 4194304;
	if (f != NULL)
		fclose(f);
	names = calloc((size_t)n, sizeof(*names));
	pid_of = calloc((size_t)n, sizeof(*pid_of));
	index_of = calloc((size_t)pid_max + 1, sizeof(*index_of));
	if (names == NULL || pid_of == NULL || index_of == NULL) {
		perror("floor: calloc");
		exit(1);
	}
	for (i = 0; i < n; i++)
		if (asprintf(&names[i], "c%d", i) == -1)
			exit(1);
	sigemptyset(&none);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setflags(
	    &attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSID);
}

static int
signal_fd(void)
{
	sigset_t set;
	int fd;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	fd = signalfd(-1, &set, SFD_CLOEXEC);
	if (fd == -1) {
		perror("floor: signalfd");
		exit(1);
	}
	return fd;
}

static int
serve(int n)
{
	struct signalfd_siginfo si;
	int sfd = signal_fd(), i, live = 0, status;
	bool stopping = false;
	pid_t pid;

	for (i = 0; i < n; i++)
		if (spawn(i) == 0)
			live++;
	while (!stopping || live > 0) {
		if (read(sfd, &si, sizeof(si)) != sizeof(si)) {
			if (errno == EINTR)
				continue;
			perror("floor: read signalfd");
			return 1;
		}
		if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
			stopping = true;
			for (i = n; i-- > 0;)
				if (pid_of[i] != 0) {
					kill(pid_of[i], SIGTERM);
					if (one_by_one)
						break;
				}
			continue;
		}
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
			if (pid > pid_max || index_of[pid] == 0)
				continue; /* an orphan we reaped as subreaper */
			i = index_of[pid] - 1;
			index_of[pid] = 0;
			pid_of[i] = 0;
			live--;
			if (!stopping && spawn(i) == 0)
				live++;
		}
		if (stopping && one_by_one) /* the next one down */
			for (i = n; i-- > 0;)
				if (pid_of[i] != 0) {
					kill(pid_of[i], SIGTERM);
					break;
				}
	}
	return 0;
}

static int
self_loop(long kills)
{
	struct signalfd_siginfo si;
	int sfd = signal_fd(), status;
	long k;
	long long t0;

	if (spawn(0) == -1)
		return 1;
	usleep(100000);
	for (k = 0; k < kills; k++) {
		t0 = now_ns();
		kill(pid_of[0], SIGKILL);
		do {
			if (read(sfd, &si, sizeof(si)) != sizeof(si))
				return 1;
		} while (si.ssi_signo != SIGCHLD);
		while (waitpid(-1, &status, WNOHANG) > 0)
			;
		if (spawn(0) == -1)
			return 1;
		printf("%lld\n", now_ns() - t0);
		usleep(2000); /* let the child reach pause() */
	}
	kill(pid_of[0], SIGKILL);
	waitpid(pid_of[0], &status, 0);
	return 0;
}

int
main(int argc, char **argv)
{
	long n = 1, kills = 0;
	int c;

	while ((c = getopt(argc, argv, "n:l:S")) != -1) {
		switch (c) {
		case 'n':
			n = atol(optarg);
			break;
		case 'l':
			kills = atol(optarg);
			break;
		case 'S':
			one_by_one = true;
			break;
		default:
			fprintf(stderr,
			    "usage: floor [-n N [-S] | -l KILLS] CHILD\n");
			return 2;
		}
	}
	if (optind != argc - 1 || n < 1) {
		fprintf(stderr, "usage: floor [-n N [-S] | -l KILLS] CHILD\n");
		return 2;
	}
	child_path = argv[optind];
	setup(kills > 0 ? 1 : (int)n);
	return kills > 0 ? self_loop(kills) : serve((int)n);
}
