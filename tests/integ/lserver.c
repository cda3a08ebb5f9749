/*
 * lserver.c: a server for the listening-socket tests. It takes its
 * sockets as systemd passes them (LISTEN_FDS from fd 3, LISTEN_PID its
 * own pid; with --sd, through libsystemd's sd_listen_fds(), when built
 * with it), records what it got, and answers each connection on any of
 * them with "pong PID FD\n".
 *
 *   lserver DIR NAME [--sd]
 *
 * Appends its pid to DIR/NAME.pids and one line to DIR/NAME.env:
 * "pid=PID fds=N names=LISTEN_FDNAMES pid_ok=0|1 fd3=INODE-LINK".
 * Exits 3 when it was given no socket.
 */
#include <sys/socket.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

static void
serve(const struct pollfd *fds, int n)
{
	struct pollfd p[64];
	char reply[64];
	int i;

	memcpy(p, fds, (size_t)n * sizeof(*p));
	for (;;) {
		if (poll(p, (nfds_t)n, -1) == -1 && errno != EINTR)
			exit(2);
		for (i = 0; i < n; i++) {
			int c;

			if (!(p[i].revents & POLLIN))
				continue;
			c = accept4(p[i].fd, NULL, NULL, SOCK_CLOEXEC);
			if (c == -1)
				continue;
			snprintf(reply, sizeof(reply), "pong %d %d\n",
			    (int)getpid(), p[i].fd);
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

	if (argc < 3)
		return 2;
	snprintf(line, sizeof(line), "%d\n", (int)getpid());
	append(argv[1], argv[2], "pids", line);
	n = count_fds(argc > 3 && strcmp(argv[3], "--sd") == 0);
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
