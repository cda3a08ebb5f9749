/*
 * orphans.c: a program for test_pid1 that makes orphans for PID 1.
 *
 *   orphans N PIDS DONE
 *
 * Appends its pid to PIDS, then makes N orphans by double fork: each
 * intermediate child forks a grandchild and exits at once (waited for
 * here), so the grandchild's parent becomes PID 1 (or the nearest
 * subreaper). The grandchildren block reading a pipe until all N exist;
 * then this process closes the pipe's last write end and they all exit
 * at the same moment, leaving N zombies that only PID 1 can reap. It
 * writes "made=N" to DONE (atomically: DONE.tmp, then rename) and sleeps
 * until a signal ends it. Exits 1 with a message if it cannot.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void
die(const char *what)
{
	fprintf(stderr, "orphans: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* The grandchild: wait for the release, then exit. */
static void
orphan(int rfd, int wfd)
{
	char c;

	close(wfd);
	while (read(rfd, &c, 1) == -1 && errno == EINTR)
		;
	_exit(0);
}

/* One double fork; whether it made an orphan. */
static int
make_one(int rfd, int wfd)
{
	pid_t mid;
	int st;

	mid = fork();
	if (mid == -1)
		return 0;
	if (mid == 0) {
		pid_t gc = fork();

		if (gc == 0)
			orphan(rfd, wfd);
		_exit(gc == -1 ? 1 : 0);
	}
	while (waitpid(mid, &st, 0) == -1)
		if (errno != EINTR)
			return 0;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

static void
append(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);

	if (fd == -1)
		die(path);
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		die(path);
	close(fd);
}

int
main(int argc, char **argv)
{
	char line[64], tmp[4096];
	int fds[2], n, i, made = 0;

	if (argc != 4 || (n = atoi(argv[1])) <= 0) {
		fprintf(stderr, "usage: orphans N PIDS DONE\n");
		return 2;
	}
	snprintf(line, sizeof(line), "%d\n", (int)getpid());
	append(argv[2], line);
	if (pipe2(fds, O_CLOEXEC) == -1)
		die("pipe2");
	for (i = 0; i < n; i++)
		made += make_one(fds[0], fds[1]);
	close(fds[1]); /* the release: every orphan reads end of file */
	close(fds[0]);
	snprintf(line, sizeof(line), "made=%d\n", made);
	snprintf(tmp, sizeof(tmp), "%s.tmp", argv[3]);
	append(tmp, line);
	if (rename(tmp, argv[3]) == -1)
		die(argv[3]);
	for (;;)
		pause();
}
