/*
 * child.c: the program every supervisor runs in bench/ (built static:
 * gcc -static -O2). It reads CLOCK_MONOTONIC first thing in main, sends
 * one record "ID PID NANOSECONDS\n" to the FIFO named by $BENCH_FIFO (one
 * write, shorter than PIPE_BUF, so records never interleave) and pauses.
 *
 * ID is argv[1], or else the name of the working directory (runsv and
 * s6-supervise exec ./run in the service directory, without arguments).
 * The ID also picks a role, so that no supervisor needs a shell:
 *   crash*  exits 1 at once (the crash loop of the isolation run);
 *   write*  writes $BENCH_WRITE_BYTES bytes of 100-byte lines to stdout
 *           in 64 KiB writes, records a second "ID-done PID NS" line, then
 *           pauses (the log capture run);
 *   any other name records and pauses until a signal ends it.
 * Under s6-supervise, a file notification-fd in the working directory
 * names the fd on which the child then signals readiness (a newline).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long long
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void
record(const char *id, const char *suffix, long long ns)
{
	const char *fifo = getenv("BENCH_FIFO");
	char line[PATH_MAX + 64];
	int fd, n;

	if (fifo == NULL)
		return;
	n = snprintf(line, sizeof(line), "%s%s %d %lld\n", id, suffix,
	    (int)getpid(), ns);
	if (n <= 0 || (size_t)n >= sizeof(line))
		return;
	fd = open(fifo, O_WRONLY | O_CLOEXEC);
	if (fd == -1)
		return;
	while (write(fd, line, (size_t)n) == -1 && errno == EINTR)
		;
	close(fd);
}

/* s6's readiness protocol: a newline on the fd that notification-fd names. */
static void
notify_ready(void)
{
	char buf[16];
	ssize_t n;
	int fd = open("notification-fd", O_RDONLY | O_CLOEXEC), nfd;

	if (fd == -1)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	nfd = atoi(buf);
	if (nfd > 2 && write(nfd, "\n", 1) == 1)
		close(nfd);
}

static void
write_lines(const char *id)
{
	static char chunk[65500]; /* 655 lines of 100 bytes */
	const char *env = getenv("BENCH_WRITE_BYTES");
	long long left = env != NULL ? atoll(env) : 0;
	size_t i;

	for (i = 0; i < sizeof(chunk); i++)
		chunk[i] = (i % 100 == 99) ? '\n' : (char)('a' + i % 26);
	while (left > 0) {
		size_t n = left < (long long)sizeof(chunk) ? (size_t)left
		                                           : sizeof(chunk);
		ssize_t w = write(1, chunk, n);

		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		left -= w;
	}
	record(id, "-done", now_ns());
}

int
main(int argc, char **argv)
{
	long long t = now_ns();
	char cwd[PATH_MAX];
	const char *id, *slash;

	if (argc > 1) {
		id = argv[1];
	} else if (getcwd(cwd, sizeof(cwd)) != NULL) {
		slash = strrchr(cwd, '/');
		id = slash != NULL ? slash + 1 : cwd;
	} else {
		id = "unknown";
	}
	if (strncmp(id, "crash", 5) == 0)
		return 1;
	record(id, "", t);
	notify_ready();
	if (strncmp(id, "write", 5) == 0)
		write_lines(id);
	for (;;)
		pause();
}
