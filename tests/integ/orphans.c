/*
 * orphans.c: a program for the integration tests that makes orphans for
 * tend to reap (as PID 1 or as a subreaper).
 *
 *   orphans N PIDS DONE
 *   orphans N PIDS DONE GO
 *
 * Appends its pid to PIDS, then makes N orphans by double fork: each
 * intermediate child forks a grandchild and exits at once (waited for
 * here), so the grandchild's parent becomes PID 1 (or the nearest
 * subreaper). It writes "made=N" to DONE (atomically: DONE.tmp, then
 * rename).
 *
 * Without GO, the grandchildren block reading a pipe until all N exist;
 * then this process closes the pipe's last write end, they all exit at
 * the same moment, leaving N zombies that only PID 1 can reap, and this
 * process sleeps until a signal ends it.
 *
 * With GO (a FIFO), this process waits until someone opens GO for
 * writing, then exits 0; each grandchild waits for this process's end
 * (its pidfd) and exits right after it, so that their SIGCHLDs follow
 * this process's own. Exits 1 with a message if it cannot.
 */
#include <sys/pidfd.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
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

/*
 * The grandchild: wait for the release (end of file on rfd), or with
 * maker_fd >= 0 for the maker's end; then exit.
 */
static void
orphan(int rfd, int wfd, int maker_fd)
{
	struct pollfd pfd = {maker_fd, POLLIN, 0};
	char c;

	close(wfd);
	if (maker_fd >= 0)
		while (poll(&pfd, 1, -1) == -1 && errno == EINTR)
			;
	else
		while (read(rfd, &c, 1) == -1 && errno == EINTR)
			;
	_exit(0);
}

/* One double fork; whether it made an orphan. */
static int
make_one(int rfd, int wfd, int maker_fd)
{
	pid_t mid;
	int st;

	mid = fork();
	if (mid == -1)
		return 0;
	if (mid == 0) {
		pid_t gc = fork();

		if (gc == 0)
			orphan(rfd, wfd, maker_fd);
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
	int fds[2], n, i, made = 0, maker_fd = -1, go;

	if ((argc != 4 && argc != 5) || (n = atoi(argv[1])) <= 0) {
		fprintf(stderr, "usage: orphans N PIDS DONE [GO]\n");
		return 2;
	}
	snprintf(line, sizeof(line), "%d\n", (int)getpid());
	append(argv[2], line);
	if (pipe2(fds, O_CLOEXEC) == -1)
		die("pipe2");
	if (argc == 5 && (maker_fd = pidfd_open(getpid(), 0)) == -1)
		die("pidfd_open");
	for (i = 0; i < n; i++)
		made += make_one(fds[0], fds[1], maker_fd);
	close(fds[1]); /* without GO, the release: end of file for them */
	close(fds[0]);
	snprintf(line, sizeof(line), "made=%d\n", made);
	snprintf(tmp, sizeof(tmp), "%s.tmp", argv[3]);
	append(tmp, line);
	if (rename(tmp, argv[3]) == -1)
		die(argv[3]);
	if (argc == 5) {
		go = open(argv[4], O_RDONLY | O_CLOEXEC);
		if (go == -1)
			die(argv[4]);
		return 0; /* the release: they see this process end */
	}
	for (;;)
		pause();
}
