/*
 * test_activation.c: the demo's service takes the sockets it is passed
 * the systemd way (LISTEN_FDS, LISTEN_PID, LISTEN_FDNAMES), says
 * READY=1 and STATUS= to $NOTIFY_SOCKET (an abstract address here), and
 * two workers on one held socket hand over cleanly: when one is told
 * to stop, the load on that socket sees no failed request.
 *
 *   test_activation DEMO_SERVICE DEMO_LOAD
 */
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "unit.h"

#define DEADLINE_MS 10000

static const char *service_bin;
static const char *load_bin;

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A listening TCP socket on 127.0.0.1 (a free port): its fd; *port set. */
static int
listener(int *port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(fd, SOMAXCONN), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	*port = ntohs(sa.sin_port);
	return fd;
}

/* An abstract datagram socket to receive notifications: its fd; its
 * name ("@...") in name. */
static int
notify_socket(char *name, size_t size)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	size_t len;

	ck_assert_int_ge(fd, 0);
	snprintf(
	    name, size, "@tend-demo-test-%ld-%lld", (long)getpid(), now_ms());
	len = strlen(name);
	memcpy(sa.sun_path, name, len);
	sa.sun_path[0] = '\0';
	ck_assert_int_eq(
	    bind(fd, (struct sockaddr *)&sa,
	        (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len)),
	    0);
	return fd;
}

/* Start the service with lfd as fd 3 (LISTEN_PID = its pid, or
 * pid_delta more) and NOTIFY_SOCKET=notify (NULL: none). */
static pid_t
start_service(int lfd, const char *notify, int pid_delta)
{
	pid_t pid = fork();
	char buf[32];

	ck_assert_int_ge(pid, 0);
	if (pid > 0)
		return pid;
	if (lfd == 3 ? fcntl(3, F_SETFD, 0) == -1 : dup2(lfd, 3) == -1)
		_exit(126);
	snprintf(buf, sizeof(buf), "%ld", (long)getpid() + pid_delta);
	setenv("LISTEN_PID", buf, 1);
	setenv("LISTEN_FDS", "1", 1);
	setenv("LISTEN_FDNAMES", "web", 1);
	if (notify != NULL)
		setenv("NOTIFY_SOCKET", notify, 1);
	else
		unsetenv("NOTIFY_SOCKET");
	execl(service_bin, service_bin, "--version", "7", (char *)NULL);
	_exit(127);
}

/* The next datagram on fd within the deadline, into buf. */
static void
receive(int fd, char *buf, size_t size)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	ssize_t n;

	ck_assert_msg(poll(&p, 1, DEADLINE_MS) == 1,
	    "no notification within %d ms", DEADLINE_MS);
	n = recv(fd, buf, size - 1, 0);
	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
}

/* The exit status of pid (as the shell gives it), within the deadline. */
static int
wait_exit(pid_t pid)
{
	long long end = now_ms() + DEADLINE_MS;
	int st;

	while (waitpid(pid, &st, WNOHANG) == 0) {
		struct timespec ts = {.tv_nsec = 10000000};

		if (now_ms() > end) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			ck_abort_msg("pid %ld did not exit in time", (long)pid);
		}
		nanosleep(&ts, NULL);
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* demo-load --get PATH ADDR, its stdout into out; its exit status. */
static int
run_get(const char *path, const char *addr, char *out, size_t size)
{
	int p[2];
	pid_t pid;
	size_t got = 0;
	ssize_t n;

	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(p[1], 1);
		execl(load_bin, load_bin, "--get", path, addr, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	while (
	    got + 1 < size && (n = read(p[0], out + got, size - 1 - got)) > 0)
		got += (size_t)n;
	out[got] = '\0';
	close(p[0]);
	return wait_exit(pid);
}

START_TEST(it_serves_on_fd_3_and_says_ready_then_stopping)
{
	char name[108];
	char msg[512];
	char addr[32];
	char body[256];
	char want[64];
	int port;
	int lfd = listener(&port);
	int nfd = notify_socket(name, sizeof(name));
	pid_t pid = start_service(lfd, name, 0);

	receive(nfd, msg, sizeof(msg));
	ck_assert_msg(strstr(msg, "READY=1") != NULL, "got '%s'", msg);
	ck_assert_msg(
	    strstr(msg, "STATUS=serving, version 7") != NULL, "got '%s'", msg);
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
	ck_assert_int_eq(run_get("/a", addr, body, sizeof(body)), 0);
	snprintf(want, sizeof(want), "a 7 %ld\n", (long)pid);
	ck_assert_str_eq(body, want);
	kill(pid, SIGTERM);
	receive(nfd, msg, sizeof(msg));
	ck_assert_str_eq(msg, "STOPPING=1");
	ck_assert_int_eq(wait_exit(pid), 0);
	close(lfd);
	close(nfd);
}
END_TEST

START_TEST(sockets_for_another_pid_are_not_taken)
{
	int port;
	int lfd = listener(&port);
	pid_t pid = start_service(lfd, NULL, 1);

	/* not its sockets, and no --listen: nothing to serve on */
	ck_assert_int_eq(wait_exit(pid), 1);
	close(lfd);
}
END_TEST

/* The count after "KEY=" on the line of text starting with "total ". */
static long
total(const char *text, const char *key)
{
	const char *line = strstr(text, "\ntotal ");
	char pat[32];
	const char *p;

	ck_assert_msg(line != NULL, "no totals in '%s'", text);
	snprintf(pat, sizeof(pat), " %s=", key);
	p = strstr(line, pat);
	ck_assert_msg(p != NULL, "no %s in '%s'", key, line);
	return strtol(p + strlen(pat), NULL, 10);
}

START_TEST(a_worker_stopping_on_a_held_socket_fails_no_request)
{
	char name[108];
	char msg[512];
	char addr[32];
	char out[4096] = "";
	int port;
	int lfd = listener(&port);
	int nfd = notify_socket(name, sizeof(name));
	pid_t a = start_service(lfd, name, 0);
	pid_t b;
	pid_t load;
	int p[2];
	size_t got = 0;
	ssize_t n;

	receive(nfd, msg, sizeof(msg));
	b = start_service(lfd, name, 0);
	receive(nfd, msg, sizeof(msg));
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
	/* load for 3 s; once its first second is out, a stops */
	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	load = fork();
	ck_assert_int_ge(load, 0);
	if (load == 0) {
		dup2(p[1], 1);
		execl(load_bin, load_bin, "--rate", "400", "--duration", "3",
		    addr, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	while (strstr(out, "\nsec=1 ") == NULL &&
	       (n = read(p[0], out + got, sizeof(out) - 1 - got)) > 0) {
		got += (size_t)n;
		out[got] = '\0';
	}
	ck_assert_msg(strstr(out, "\nsec=1 ") != NULL, "load: '%s'", out);
	kill(a, SIGTERM);
	ck_assert_int_eq(wait_exit(a), 0);
	while ((n = read(p[0], out + got, sizeof(out) - 1 - got)) > 0) {
		got += (size_t)n;
		out[got] = '\0';
	}
	close(p[0]);
	ck_assert_int_eq(wait_exit(load), 0);
	ck_assert_int_eq(total(out, "failed"), 0);
	ck_assert_int_eq(total(out, "served"), 1200);
	kill(b, SIGTERM);
	ck_assert_int_eq(wait_exit(b), 0);
	close(lfd);
	close(nfd);
}
END_TEST

int
main(int argc, char **argv)
{
	Suite *s = suite_create("activation");
	TCase *tc = tcase_create("activation");

	if (argc != 3) {
		fprintf(stderr, "usage: test_activation DEMO_SERVICE "
		                "DEMO_LOAD\n");
		return 2;
	}
	service_bin = argv[1];
	load_bin = argv[2];
	signal(SIGPIPE, SIG_IGN);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, it_serves_on_fd_3_and_says_ready_then_stopping);
	tcase_add_test(tc, sockets_for_another_pid_are_not_taken);
	tcase_add_test(tc, a_worker_stopping_on_a_held_socket_fails_no_request);
	suite_add_tcase(s, tc);
	return unit_main(s);
}
