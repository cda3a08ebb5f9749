/*
 * orphans.c: the orphan maker of the PID 1 run (SPEC 10, measurement 8).
 * Run as the one program of an init under unshare --pid --fork
 * --mount-proc:
 *
 *   orphans N IDLE_SECONDS RESULT_FILE
 *
 * An intermediate child forks N grandchildren that block reading a pipe,
 * then exits: the N become orphans of PID 1 at once. When all of them are
 * asleep, the maker closes the pipe's last write end: every orphan exits
 * at the same moment, and PID 1 must reap them. A pid that kill(pid, 0)
 * still finds is not reaped yet (a zombie answers too); the maker polls
 * them every 0.5 ms, stopping at the first one still there, so the poll
 * costs one system call per turn and each pid once overall. It writes
 * one line of JSON to RESULT_FILE: orphans made, seconds from release
 * until the last was reaped, how many were still there after 60 s, and
 * how many zombies the namespace held 0.5 s after the last reap. Then it
 * sleeps IDLE_SECONDS (the bench counts PID 1's wake-ups meanwhile) and
 * exits 0.
 */
#define _GNU_SOURCE
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char
state_of(pid_t pid)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p != NULL && p[1] == ' ' ? p[2] : 0;
}

/* Zombies in this pid namespace (its /proc is ours after --mount-proc). */
static int
count_zombies(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] >= '1' && e->d_name[0] <= '9' &&
		    state_of(atoi(e->d_name)) == 'Z')
			n++;
	closedir(d);
	return n;
}

int
main(int argc, char **argv)
{
	int release[2], pidp[2], n, idle, made = 0, i, status;
	pid_t mid, *pids;
	double t0, t_done = -1, deadline;
	FILE *out;
	long left;

	if (argc != 4) {
		fprintf(stderr, "usage: orphans N IDLE_SECONDS RESULT_FILE\n");
		return 2;
	}
	n = atoi(argv[1]);
	idle = atoi(argv[2]);
	pids = calloc((size_t)n, sizeof(*pids));
	if (pids == NULL || pipe(release) == -1 || pipe(pidp) == -1)
		return 1;
	mid = fork();
	if (mid == -1)
		return 1;
	if (mid == 0) {
		close(pidp[0]);
		for (i = 0; i < n; i++) {
			pid_t pid = fork();

			if (pid == -1)
				break;
			if (pid == 0) {
				char b;

				close(release[1]);
				close(pidp[1]);
				while (read(release[0], &b, 1) == -1 &&
				       errno == EINTR)
					;
				_exit(0);
			}
			if (write(pidp[1], &pid, sizeof(pid)) != sizeof(pid))
				break;
		}
		_exit(0);
	}
	close(pidp[1]);
	close(release[0]);
	while (made < n && read(pidp[0], &pids[made], sizeof(*pids)) ==
	                       (ssize_t)sizeof(*pids))
		made++;
	waitpid(mid, &status, 0);
	/* every orphan asleep on the pipe, so that all wake at once */
	deadline = now_s() + 60;
	for (i = 0; i < made && now_s() < deadline;)
		if (state_of(pids[i]) == 'S')
			i++;
		else
			usleep(1000);
	t0 = now_s();
	close(release[1]);
	left = made;
	deadline = t0 + 60;
	while (left > 0 && now_s() < deadline) {
		while (
		    left > 0 && kill(pids[left - 1], 0) == -1 && errno == ESRCH)
			left--;
		if (left > 0)
			usleep(500);
	}
	if (left == 0)
		t_done = now_s();
	usleep(500000);
	out = fopen(argv[3], "we");
	if (out != NULL) {
		fprintf(out,
		    "{\"orphans\": %d, \"reap_s\": %.6f, \"not_reaped\": %ld, "
		    "\"zombies_after\": %d}\n",
		    made, t_done < 0 ? -1.0 : t_done - t0, left,
		    count_zombies());
		fclose(out);
	}
	sleep((unsigned)idle);
	return 0;
}
