/*
 * reaper.c: the minimal PID 1 of the orphan run (SPEC 10): spawn the
 * command, then reap whatever the kernel hands us through a signalfd,
 * WNOHANG until nothing is left each time. TERM and INT are passed on to
 * the command; when the command exits, so does the reaper, with its
 * status (as tini and dumb-init do).
 *
 *   reaper COMMAND [ARG...]
 */
#define _GNU_SOURCE
#include <sys/signalfd.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

int
main(int argc, char **argv)
{
	struct signalfd_siginfo si;
	posix_spawnattr_t attr;
	sigset_t set, none;
	pid_t main_pid, pid;
	int sfd, status, err;

	if (argc < 2) {
		fprintf(stderr, "usage: reaper COMMAND [ARG...]\n");
		return 2;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sfd == -1) {
		perror("reaper: signalfd");
		return 1;
	}
	sigemptyset(&none);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
	err = posix_spawnp(&main_pid, argv[1], NULL, &attr, argv + 1, environ);
	if (err != 0) {
		fprintf(stderr, "reaper: %s: %s\n", argv[1], strerror(err));
		return 127;
	}
	for (;;) {
		if (read(sfd, &si, sizeof(si)) != sizeof(si)) {
			if (errno == EINTR)
				continue;
			return 1;
		}
		if (si.ssi_signo != SIGCHLD) {
			kill(main_pid, (int)si.ssi_signo);
			continue;
		}
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
			if (pid == main_pid)
				return WIFEXITED(status)
				           ? WEXITSTATUS(status)
				           : 128 + WTERMSIG(status);
	}
}
