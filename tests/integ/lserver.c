/*
 * lserver.c: a server for the listening-socket tests. It takes its
 * sockets as systemd passes them (LISTEN_FDS from fd 3, LISTEN_PID its
 * own pid; with --sd, through libsystemd's sd_listen_fds(), when built
 * with it), records what it got, and answers each connection on any of
 * them with "pong PID FD\n".
 *
 *   lserver DIR NAME [--sd] [--ready-after MS] [--noready-if FILE]
 *           [--stop-delay MS] [--tag TAG]
 *
 * Appends its pid to DIR/NAME.pids and one line to DIR/NAME.env:
 * "pid=PID fds=N names=LISTEN_FDNAMES pid_ok=0|1 fd3=INODE-LINK".
 * Exits 3 when it was given no socket.
 *
 * For handovers (SPEC 7): --ready-after sends READY=1 to NOTIFY_SOCKET
 * MS after its start (unless FILE of --noready-if exists then); on
 * SIGTERM, --stop-delay keeps it serving MS more before it exits 0; the
 * answer is "pong PID FD TAG".
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifdef HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>
#endif

static void
append(const char *dir, const char *name, const char *ext, const char *line)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.%s", dir, name, ext);
	f = fopen(path, "ae");
	if (f == NULL)
		exit(2);
	fputs(line, f);
	fclose(f);
}

static int
count_fds(int sd)
{
	const char *pid = getenv("LISTEN_PID"), *n = getenv("LISTEN_FDS");

	if (sd) {
#ifdef HAVE_LIBSYSTEMD
		return sd_listen_fds(0);
#else
		exit(4);
#endif
	}
	if (pid == NULL || n == NULL || atoi(pid) != (int)getpid())
		return 0;
	return atoi(n);
}

static struct {
	long ready_after, stop_delay; /* ms; -1: not asked */
	const char *noready_if, *tag;
} opt = {-1, -1, NULL, "-"};

static volatile sig_atomic_t stop_asked;

static void
on_term(int sig)
{
	(void)sig;
	stop_asked = 1;
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* READY=1 to NOTIFY_SOCKET (an abstract or a path address). */
static void
notify_ready(void)
{
	const char *at = getenv("NOTIFY_SOCKET");
	struct sockaddr_un un;
	int fd;

	if (at == NULL || strlen(at) >= sizeof(un.sun_path))
		return;
	memset(&un, 0, sizeof(un));
	un.sun_family = AF_UNIX;
	memcpy(un.sun_path, at, strlen(at));
	if (at[0] == '@')
		un.sun_path[0] = '\0';
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return;
	(void)sendto(fd, "READY=1", 7, 0, (struct sockaddr *)&un,
	    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(at)));
	close(fd);
}

/* How long poll may wait now: until READY=1 is due, or the end of a
 * stop's delay; -1: no limit. Exits once that delay is over. */
static int
next_wait(long long start, long long *stop_at)
{
	long long now = now_ms();

	if (stop_asked && *stop_at == 0)
		*stop_at = now + (opt.stop_delay > 0 ? opt.stop_delay : 0);
	if (*stop_at != 0 && now >= *stop_at)
		exit(0);
	if (opt.ready_after >= 0) {
		if (now >= start + opt.ready_after) {
			if (opt.noready_if == NULL ||
			    access(opt.noready_if, F_OK) == -1)
				notify_ready();
			opt.ready_after = -1;
		} else {
			return (int)(start + opt.ready_after - now);
		}
	}
	return *stop_at != 0 ? (int)(*stop_at - now) : -1;
}

static void
serve(const struct pollfd *fds, int n)
{
	struct pollfd p[64];
	char reply[128];
	long long start = now_ms(), stop_at = 0;
	int i;

	memcpy(p, fds, (size_t)n * sizeof(*p));
	for (;;) {
		if (poll(p, (nfds_t)n, next_wait(start, &stop_at)) == -1) {
			if (errno != EINTR)
				exit(2);
			continue;
		}
		for (i = 0; i < n; i++) {
			int c;

			if (!(p[i].revents & POLLIN))
				continue;
			c = accept4(p[i].fd, NULL, NULL, SOCK_CLOEXEC);
			if (c == -1)
				continue;
			snprintf(reply, sizeof(reply), "pong %d %d %s\n",
			    (int)getpid(), p[i].fd, opt.tag);
			(void)send(c, reply, strlen(reply), MSG_NOSIGNAL);
			close(c);
		}
	}
}

int
main(int argc, char **argv)
{
	struct pollfd fds[64];
	char line[512], link[256];
	const char *names = getenv("LISTEN_FDNAMES");
	const char *pid = getenv("LISTEN_PID");
	ssize_t len;
	int n, i;

	bool sd = false;

	if (argc < 3)
		return 2;
	for (i = 3; i < argc; i++) {
		if (strcmp(argv[i], "--sd") == 0)
			sd = true;
		else if (i + 1 == argc)
			return 2;
		else if (strcmp(argv[i], "--ready-after") == 0)
			opt.ready_after = atol(argv[++i]);
		else if (strcmp(argv[i], "--noready-if") == 0)
			opt.noready_if = argv[++i];
		else if (strcmp(argv[i], "--stop-delay") == 0)
			opt.stop_delay = atol(argv[++i]);
		else if (strcmp(argv[i], "--tag") == 0)
			opt.tag = argv[++i];
		else
			return 2;
	}
	if (opt.stop_delay >= 0)
		(void)signal(SIGTERM, on_term);
	snprintf(line, sizeof(line), "%d\n", (int)getpid());
	append(argv[1], argv[2], "pids", line);
	n = count_fds(sd);
	len = readlink("/proc/self/fd/3", link, sizeof(link) - 1);
	link[len > 0 ? len : 0] = '\0';
	snprintf(line, sizeof(line),
	    "pid=%d fds=%d names=%s pid_ok=%d fd3=%s\n", (int)getpid(), n,
	    names != NULL ? names : "-",
	    pid != NULL && atoi(pid) == (int)getpid(), link);
	append(argv[1], argv[2], "env", line);
	if (n < 1 || n > 64)
		return 3;
	for (i = 0; i < n; i++) {
		fds[i].fd = 3 + i;
		fds[i].events = POLLIN;
	}
	serve(fds, n);
	return 0;
}
