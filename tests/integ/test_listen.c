/*
 * test_listen.c: listening sockets (SPEC 7, `listen =`) through the real
 * tend: the descriptors and variables a program gets, clients never
 * refused through SIGKILLs of the server, two workers sharing one
 * address, an address in use, a program using libsystemd's
 * sd_listen_fds(), and an upgrade of tend under a client loop (the same
 * sockets, no client refused, none of tend's pidfds in a server started
 * after it). The server is lserver (TEND_LSERVER_BIN).
 */
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define DEADLINE_MS TH_DEADLINE_MS
#define ANSWER_MS 5000 /* a request's wait: catches a stall, no more */

/*
 * One request to 127.0.0.1:port (or the unix socket path): the answer's
 * pid and fd, or -errno of the failure (-ECONNREFUSED, -ETIMEDOUT for no
 * answer within ANSWER_MS, -ECONNRESET for a connection closed unanswered).
 */
static int
ask(int port, const char *path, int *fd_out)
{
	struct sockaddr_storage ss;
	socklen_t len;
	struct pollfd p;
	char buf[128];
	size_t got = 0;
	int fd, pid = 0, lfd = 0, r;

	memset(&ss, 0, sizeof(ss));
	if (path != NULL) {
		struct sockaddr_un *un = (struct sockaddr_un *)&ss;

		un->sun_family = AF_UNIX;
		snprintf(un->sun_path, sizeof(un->sun_path), "%s", path);
		len = sizeof(*un);
	} else {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;

		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof(*in);
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	if (connect(fd, (struct sockaddr *)&ss, len) == -1) {
		r = -errno;
		close(fd);
		return r;
	}
	p.fd = fd;
	p.events = POLLIN;
	for (;;) {
		ssize_t n;

		r = poll(&p, 1, ANSWER_MS);
		if (r == 0) {
			close(fd);
			return -ETIMEDOUT;
		}
		n = read(fd, buf + got, sizeof(buf) - 1 - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	if (sscanf(buf, "pong %d %d", &pid, &lfd) != 2)
		return -ECONNRESET;
	if (fd_out != NULL)
		*fd_out = lfd;
	return pid;
}

/* [program:NAME] running lserver on the given listen lines. */
static char *
server_conf(const char *name, const char *listens, const char *extra)
{
	static char buf[8192];

	snprintf(buf, sizeof(buf),
	    "[supervisor:root]\nintensity = 100\n"
	    "[program:%s]\ncommand = %s {D} %s\n%s%s",
	    name, getenv("TEND_LSERVER_BIN"), name, listens, extra);
	return buf;
}

/* D/name.env's line of pid (freed by the caller). */
static char *
env_line(struct th *t, const char *name, pid_t pid)
{
	char file[128], want[32], *all, *at, *end, *line;

	snprintf(file, sizeof(file), "%s.env", name);
	snprintf(want, sizeof(want), "pid=%d ", (int)pid);
	th_wait_file(t, file, want, DEADLINE_MS);
	all = th_read(t, file);
	at = strstr(all, want);
	end = strchr(at, '\n');
	line = strndup(at, end != NULL ? (size_t)(end - at) : strlen(at));
	free(all);
	return line;
}

START_TEST(a_program_gets_its_sockets_from_fd_3_with_the_systemd_variables)
{
	int port = th_free_port(), fd = 0;
	char listens[PATH_MAX + 512], path[PATH_MAX], *line;
	struct th *t = th_new("");
	struct th_run r;

	th_path(t, "srv.sock", path, sizeof(path));
	snprintf(listens, sizeof(listens),
	    "listen = tcp:127.0.0.1:%d\nlisten = unix:%s;name=ctl\n", port,
	    path);
	th_write(t, "tend.conf", server_conf("srv", listens, ""));
	th_launch(t);
	r = th_up(t, "srv", 1);
	line = env_line(t, "srv", r.pid);
	ck_assert_msg(strstr(line, " fds=2 names=srv:ctl pid_ok=1 ") != NULL,
	    "srv saw: %s", line);
	ck_assert_int_eq(ask(port, NULL, &fd), r.pid);
	ck_assert_int_eq(fd, 3);
	ck_assert_int_eq(ask(0, path, &fd), r.pid);
	ck_assert_int_eq(fd, 4);
	free(line);
	/* inspect lists its addresses */
	ck_assert_int_eq(th_ctl(t, &line, "inspect srv"), 0);
	snprintf(listens, sizeof(listens),
	    "LISTEN     tcp:127.0.0.1:%d, unix:%s\n", port, path);
	ck_assert_msg(strstr(line, listens) != NULL, "inspect: %s", line);
	free(line);
	ck_assert_int_eq(th_stop(t), 0);
	ck_assert_msg(access(path, F_OK) == -1,
	    "%s is left behind after tend exited", path);
}
END_TEST

START_TEST(clients_are_never_refused_through_20_kills_of_the_server)
{
	int port = th_free_port(), i, got;
	char listens[128];
	struct th *t;
	struct th_run r;

	snprintf(listens, sizeof(listens), "listen = tcp:127.0.0.1:%d\n", port);
	t = th_start(server_conf("srv", listens, ""));
	r = th_up(t, "srv", 1);
	ck_assert_int_eq(ask(port, NULL, NULL), r.pid);
	for (i = 2; i <= 21; i++) {
		ck_assert_int_eq(kill(r.pid, SIGKILL), 0);
		/* at once, while nothing accepts: the backlog holds it */
		got = ask(port, NULL, NULL);
		ck_assert_msg(got > 0 && got != r.pid,
		    "request after kill %d: %s (pid %d)", i - 1,
		    got < 0 ? strerror(-got) : "answered by the killed run",
		    got);
		r = th_up(t, "srv", i);
		ck_assert_int_eq(got, r.pid);
	}
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(two_workers_share_one_socket_and_one_serves_while_the_other_dies)
{
	int port = th_free_port(), i, got;
	char conf[16384], one[8192], listens[128], *l1, *l2;
	struct th *t;
	struct th_run w1, w2;

	snprintf(listens, sizeof(listens), "listen = tcp:127.0.0.1:%d\n", port);
	snprintf(one, sizeof(one), "%s", server_conf("w1", listens, ""));
	snprintf(conf, sizeof(conf), "%s[program:w2]\ncommand = %s {D} w2\n%s",
	    one, getenv("TEND_LSERVER_BIN"), listens);
	t = th_start(conf);
	w1 = th_up(t, "w1", 1);
	w2 = th_up(t, "w2", 1);
	l1 = env_line(t, "w1", w1.pid);
	l2 = env_line(t, "w2", w2.pid);
	ck_assert_msg(strcmp(strstr(l1, "fd3="), strstr(l2, "fd3=")) == 0,
	    "not one socket: w1 %s, w2 %s", l1, l2);
	for (i = 2; i <= 6; i++) {
		ck_assert_int_eq(kill(w1.pid, SIGKILL), 0);
		got = ask(port, NULL, NULL);
		ck_assert_msg(got == w2.pid || got > 0,
		    "request while w1 was down: %s", strerror(-got));
		w1 = th_up(t, "w1", i);
	}
	free(l1);
	free(l2);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(an_address_in_use_fails_the_start_naming_address_and_error)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	char listens[128], want[128], conf[16384];
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), port;
	struct th *t;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(fd, 1), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	port = ntohs(sa.sin_port);
	snprintf(listens, sizeof(listens), "listen = tcp:127.0.0.1:%d\n", port);
	snprintf(conf, sizeof(conf), "%s[program:other]\ncommand = {S:other}\n",
	    server_conf("srv", listens, "restart = temporary\n"));
	t = th_start(conf);
	th_up(t, "other", 1);
	snprintf(want, sizeof(want),
	    "srv: cannot start: listen on tcp:127.0.0.1:%d: Address already "
	    "in use",
	    port);
	th_wait_file(t, "tend.err", want, DEADLINE_MS);
	ck_assert_int_eq(th_pids(t, "srv", NULL, 0), 0);
	close(fd);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(a_program_using_sd_listen_fds_works_unchanged)
{
	int port = th_free_port();
	char listens[128], conf[16384];
	struct th *t;
	struct th_run r;
	char *line;

	if (getenv("TEND_LSERVER_SD") == NULL ||
	    strcmp(getenv("TEND_LSERVER_SD"), "1") != 0) {
		th_skip("sd_listen_fds", "lserver was built without libsystemd "
		                         "(libsystemd-dev: .ci/deps)");
		return;
	}
	snprintf(listens, sizeof(listens), "listen = tcp:127.0.0.1:%d\n", port);
	snprintf(conf, sizeof(conf), "%s", server_conf("srv", listens, ""));
	/* the same server, its sockets found by libsystemd */
	*strstr(conf, " srv\n") = '\0';
	strcat(conf, " srv --sd\n");
	strcat(conf, listens);
	t = th_start(conf);
	r = th_up(t, "srv", 1);
	line = env_line(t, "srv", r.pid);
	ck_assert_msg(strstr(line, " fds=1 ") != NULL, "srv saw: %s", line);
	ck_assert_int_eq(ask(port, NULL, NULL), r.pid);
	free(line);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

/* ----------------------------------------------------------- handover */

/* srv, ready by notify after ready_ms, a handover = start_first server
 * that serves stop_ms more after its SIGTERM; extra args and keys (its
 * start_timeout among them). */
static char *
handover_conf(
    int port, int ready_ms, int stop_ms, const char *args, const char *extra)
{
	static char buf[8192];

	snprintf(buf, sizeof(buf),
	    "[supervisor:root]\nintensity = 100\n"
	    "[program:srv]\ncommand = %s {D} srv --ready-after %d "
	    "--stop-delay %d %s\n"
	    "listen = tcp:127.0.0.1:%d\nready = notify\n"
	    "handover = start_first\n%s",
	    getenv("TEND_LSERVER_BIN"), ready_ms, stop_ms, args, port, extra);
	return buf;
}

/* A client loop in a child: one request after another to port until
 * D/clients.stop exists, each answer's pid (or ERR errno) a line of
 * D/clients. */
static pid_t
start_clients(struct th *t, int port)
{
	char path[PATH_MAX], stop[PATH_MAX];
	struct timespec pace = {0, 5L * 1000000};
	pid_t pid;

	th_path(t, "clients", path, sizeof(path));
	th_path(t, "clients.stop", stop, sizeof(stop));
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		FILE *f = fopen(path, "we");

		while (f != NULL && access(stop, F_OK) == -1) {
			int r = ask(port, NULL, NULL);

			if (r > 0)
				fprintf(f, "%d\n", r);
			else
				fprintf(f, "ERR %s\n", strerror(-r));
			fflush(f);
			nanosleep(&pace, NULL); /* a steady load, no wait */
		}
		_exit(f != NULL ? 0 : 1);
	}
	return pid;
}

/* Wait until the client loop has had an answer from pid (not its first:
 * the loop's first answers come from the instance serving before). */
static void
await_answer_from(struct th *t, pid_t pid)
{
	char want[32];

	snprintf(want, sizeof(want), "\n%d\n", (int)pid);
	th_wait_file(t, "clients", want, DEADLINE_MS);
}

/* Stop the client loop; the answers it got from pid a and from pid b in
 * *from_a and *from_b; fails on any failed request. */
static void
stop_clients(
    struct th *t, pid_t pid, pid_t a, pid_t b, int *from_a, int *from_b)
{
	int st, who;
	char *all, *line, *save = NULL;

	th_write(t, "clients.stop", "");
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "clients: %d", st);
	all = th_read(t, "clients");
	*from_a = *from_b = 0;
	for (line = strtok_r(all, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		ck_assert_msg(strncmp(line, "ERR", 3) != 0,
		    "a request failed during the handover: %s", line);
		who = atoi(line);
		*from_a += who == (int)a;
		*from_b += who == (int)b;
	}
	free(all);
}

START_TEST(a_start_first_restart_serves_every_request_from_old_then_new)
{
	int port = th_free_port(), from_old, from_new;
	struct th *t =
	    th_start(handover_conf(port, 600, 300, "", "start_timeout = 5s\n"));
	struct th_run old = th_up(t, "srv", 1), now;
	char *out;
	pid_t clients;

	th_wait_file(t, "tend.err", "srv: ready", DEADLINE_MS);
	clients = start_clients(t, port);
	ck_assert_int_eq(th_ctl(t, &out, "restart srv"), 0);
	free(out);
	now = th_up(t, "srv", 2);
	/* the new one was ready before the old one was asked to stop */
	th_wait_file(t, "tend.err", "handover: pid", DEADLINE_MS);
	th_wait_gone(t, old.pid, old.start, DEADLINE_MS);
	ck_assert(th_run_alive(&now));
	await_answer_from(t, now.pid);
	stop_clients(t, clients, old.pid, now.pid, &from_old, &from_new);
	ck_assert_msg(from_old > 0 && from_new > 0,
	    "answers: %d from the old instance, %d from the new", from_old,
	    from_new);
	ck_assert_int_eq(th_ctl(t, &out, "status srv"), 0);
	ck_assert_msg(strstr(out, " 0 ") != NULL, "restarts: %s", out);
	free(out);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

/* The line of out that has word in it, into buf; NULL if none. */
static const char *
line_with(const char *out, const char *word, char *buf, size_t size)
{
	const char *at = strstr(out, word), *start, *end;

	if (at == NULL)
		return NULL;
	for (start = at; start > out && start[-1] != '\n'; start--)
		;
	end = strchrnul(at, '\n');
	snprintf(buf, size, "%.*s", (int)(end - start), start);
	return buf;
}

START_TEST(status_shows_both_instances_while_the_old_one_stops)
{
	int port = th_free_port();
	struct th *t = th_start(
	    handover_conf(port, 200, 4000, "", "start_timeout = 5s\n"));
	struct th_run old = th_up(t, "srv", 1), now;
	char *out, oldpid[32], newpid[32], line_a[256], line_b[256];
	const char *a, *b;

	th_wait_file(t, "tend.err", "srv: ready", DEADLINE_MS);
	ck_assert_int_eq(th_ctl(t, &out, "restart srv"), 0);
	free(out);
	now = th_up(t, "srv", 2);
	ck_assert_int_eq(th_ctl(t, &out, "status"), 0);
	snprintf(oldpid, sizeof(oldpid), " %d ", (int)old.pid);
	snprintf(newpid, sizeof(newpid), " %d ", (int)now.pid);
	a = line_with(out, oldpid, line_a, sizeof(line_a));
	b = line_with(out, newpid, line_b, sizeof(line_b));
	ck_assert_msg(a != NULL && b != NULL, "both pids in: %s", out);
	/* the old one's line says stopping, the new one's running */
	ck_assert_msg(
	    strstr(a, "stopping") != NULL && strstr(b, "running") != NULL, "%s",
	    out);
	free(out);
	ck_assert_int_eq(th_ctl(t, &out, "--json status"), 0);
	snprintf(oldpid, sizeof(oldpid), "\"pid\":%d,", (int)old.pid);
	a = strstr(out, oldpid);
	ck_assert_msg(a != NULL && strstr(a, "\"instance\":\"aside\"") != NULL,
	    "%s", out);
	free(out);
	ck_assert_int_eq(th_ctl(t, &out, "pid srv"), 0);
	ck_assert_int_eq(atoi(out), now.pid);
	free(out);
	th_wait_gone(t, old.pid, old.start, DEADLINE_MS);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(a_new_instance_never_ready_is_stopped_and_the_old_one_serves)
{
	int port = th_free_port(), from_old, from_new;
	char args[PATH_MAX + 32], flag[PATH_MAX], *out;
	struct th *t = th_new("");
	char want[128];
	struct th_run old;
	pid_t clients, newpid;

	th_path(t, "noready", flag, sizeof(flag));
	snprintf(args, sizeof(args), "--noready-if %s", flag);
	th_write(t, "tend.conf",
	    handover_conf(port, 100, 0, args, "start_timeout = 1s\n"));
	th_launch(t);
	old = th_up(t, "srv", 1);
	th_wait_file(t, "tend.err", "srv: ready", DEADLINE_MS);
	th_write(t, "noready", "");
	clients = start_clients(t, port);
	ck_assert_int_eq(th_ctl(t, &out, "restart srv"), 1);
	ck_assert_msg(strstr(out, "not ready within start_timeout") != NULL,
	    "tendctl restart says: %s", out);
	free(out);
	/* started, not ready in time, stopped */
	newpid = th_pid(t, "srv", 2);
	snprintf(
	    want, sizeof(want), "srv: pid %d ended (handover)", (int)newpid);
	th_wait_file(t, "tend.err", want, DEADLINE_MS);
	ck_assert_msg(th_run_alive(&old), "the old instance was stopped");
	stop_clients(t, clients, old.pid, newpid, &from_old, &from_new);
	ck_assert_int_gt(from_old, 0);
	ck_assert_int_eq(th_ctl(t, &out, "pid srv"), 0);
	ck_assert_int_eq(atoi(out), old.pid);
	free(out);
	/* it is still supervised as before: a kill restarts it */
	ck_assert_int_eq(kill(old.pid, SIGKILL), 0);
	th_up(t, "srv", 3);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(a_reload_that_changes_the_command_hands_over)
{
	int port = th_free_port(), from_old, from_new;
	struct th *t = th_start(
	    handover_conf(port, 400, 200, "--tag v1", "start_timeout = 5s\n"));
	struct th_run old = th_up(t, "srv", 1), now;
	char *out;
	pid_t clients;

	th_wait_file(t, "tend.err", "srv: ready", DEADLINE_MS);
	clients = start_clients(t, port);
	th_write(t, "tend.conf",
	    handover_conf(port, 400, 200, "--tag v2", "start_timeout = 5s\n"));
	ck_assert_int_eq(th_ctl(t, &out, "reload"), 0);
	free(out);
	now = th_up(t, "srv", 2);
	th_wait_gone(t, old.pid, old.start, DEADLINE_MS);
	await_answer_from(t, now.pid);
	stop_clients(t, clients, old.pid, now.pid, &from_old, &from_new);
	ck_assert_msg(from_old > 0 && from_new > 0,
	    "answers: %d from v1, %d from v2", from_old, from_new);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(a_reload_whose_new_instance_is_never_ready_exits_1)
{
	int port = th_free_port();
	char args[PATH_MAX + 32], flag[PATH_MAX], want[128], *out;
	struct th *t = th_new("");
	struct th_run old;

	th_path(t, "noready", flag, sizeof(flag));
	snprintf(args, sizeof(args), "--noready-if %s", flag);
	th_write(t, "tend.conf",
	    handover_conf(port, 100, 0, args, "start_timeout = 1s\n"));
	th_launch(t);
	old = th_up(t, "srv", 1);
	th_wait_file(t, "tend.err", "srv: ready", DEADLINE_MS);
	th_write(t, "noready", "");
	snprintf(args, sizeof(args), "--noready-if %s --tag v2", flag);
	th_write(t, "tend.conf",
	    handover_conf(port, 100, 0, args, "start_timeout = 1s\n"));
	ck_assert_int_eq(th_ctl(t, &out, "reload"), 1);
	ck_assert_msg(strstr(out, "srv: handover failed: the new instance was "
	                          "not ready within start_timeout") != NULL,
	    "tendctl reload says: %s", out);
	free(out);
	/* the new instance accepts on the socket until it has ended */
	snprintf(want, sizeof(want), "srv: pid %d ended (handover)",
	    (int)th_pid(t, "srv", 2));
	th_wait_file(t, "tend.err", want, DEADLINE_MS);
	ck_assert_msg(th_run_alive(&old), "the old instance was stopped");
	ck_assert_int_eq(ask(port, NULL, NULL), old.pid);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

static void
unlink_noready(struct th *t)
{
	char path[PATH_MAX];

	th_path(t, "noready", path, sizeof(path));
	ck_assert_int_eq(unlink(path), 0);
}

/* A tend killed during a handover leaves two instances in two cgroups:
 * the next tend stops both before it starts its own. */
START_TEST(a_tend_killed_during_a_handover_leaves_no_instance_behind)
{
	int port = th_free_port();
	struct th *t = th_new("");
	struct th_run old, mid, now;
	char *out;
	const char *why;

	if (!th_cgroup_ok(&why)) {
		th_skip(__func__, "%s", why);
		th_stop(t);
		return;
	}
	th_write(t, "tend.conf",
	    handover_conf(port, 100, 0, "--noready-if {D}/noready",
	        "start_timeout = 60s\n"));
	th_launch(t);
	old = th_up(t, "srv", 1);
	th_wait_file(t, "tend.err", "srv: ready", DEADLINE_MS);
	th_write(t, "noready", ""); /* the new instance stays starting */
	ck_assert_int_eq(th_ctl(t, &out, "restart --no-wait srv"), 0);
	free(out);
	mid = th_up(t, "srv", 2);
	th_signal(t, SIGKILL);
	unlink_noready(t);
	th_relaunch(t);
	now = th_up(t, "srv", 3);
	th_wait_gone(t, old.pid, old.start, DEADLINE_MS);
	th_wait_gone(t, mid.pid, mid.start, DEADLINE_MS);
	th_wait_file(
	    t, "tend.err", "srv: killing the other instance", DEADLINE_MS);
	ck_assert(th_run_alive(&now));
	ck_assert_int_eq(ask(port, NULL, NULL), now.pid);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

/* Whether process pid has a descriptor whose link is link (a socket's
 * "socket:[INODE]", a pidfd's "anon_inode:[pidfd]"). */
static bool
has_fd_to(pid_t pid, const char *link)
{
	char dir[64], path[320], target[256];
	struct dirent *e;
	bool found = false;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	d = opendir(dir);
	ck_assert_ptr_nonnull(d);
	while (!found && (e = readdir(d)) != NULL) {
		ssize_t n;

		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		n = readlink(path, target, sizeof(target) - 1);
		target[n > 0 ? n : 0] = '\0';
		found = n > 0 && strcmp(target, link) == 0;
	}
	closedir(d);
	return found;
}

/* D/clients has more lines than *arg. */
static bool
more_answers(struct th *t, const void *arg)
{
	char *all = th_contents(t, "clients");
	int n = th_occurrences(all, "\n");

	free(all);
	return n > *(const int *)arg;
}

START_TEST(an_upgrade_keeps_the_sockets_and_refuses_no_client)
{
	int port = th_free_port();
	char listens[PATH_MAX + 256], path[PATH_MAX], *line, *line2, *out;
	const char *sock;
	char *all;
	int n, from_srv, from_none;
	pid_t clients;
	struct th *t = th_new("");
	struct th_run r, r2;
	pid_t tend;

	th_path(t, "srv.sock", path, sizeof(path));
	snprintf(listens, sizeof(listens),
	    "listen = tcp:127.0.0.1:%d\nlisten = unix:%s\n", port, path);
	/* idle's pidfd, which crosses the upgrade, is open in tend when
	 * srv starts again after it (fdset.h) */
	th_write(t, "tend.conf",
	    server_conf("srv", listens,
	        "[program:idle]\ncommand = sh -c 'echo $$ >> {D}/idle.pids; "
	        "exec sleep 1000'\n"));
	th_launch(t);
	tend = th_tend_pid(t);
	r = th_up(t, "srv", 1);
	(void)th_up(t, "idle", 1);
	line = env_line(t, "srv", r.pid);
	sock = strstr(line, "fd3=") + 4;
	ck_assert_msg(has_fd_to(tend, sock), "tend does not hold %s", sock);
	clients = start_clients(t, port);
	n = 0;
	th_wait(t, more_answers, &n, DEADLINE_MS, "a first answer");
	ck_assert_int_eq(th_ctl(t, &out, "upgrade"), 0);
	ck_assert_msg(
	    strstr(out, "upgraded: tend") != NULL, "upgrade: %s", out);
	free(out);
	all = th_contents(t, "clients");
	n = th_occurrences(all, "\n") + 5;
	free(all);
	th_wait(t, more_answers, &n, DEADLINE_MS, "answers after the upgrade");
	/* fails on any refused or unanswered request */
	stop_clients(t, clients, r.pid, 0, &from_srv, &from_none);
	ck_assert_int_gt(from_srv, n - 5);
	ck_assert_int_eq(th_tend_pid(t), tend);
	ck_assert_msg(th_run_alive(&r), "the server was restarted");
	ck_assert_int_eq(th_pids(t, "srv", NULL, 0), 1);
	ck_assert_msg(has_fd_to(tend, sock),
	    "the new tend does not hold %s (bound again?)", sock);
	ck_assert_int_eq(ask(0, path, NULL), r.pid);
	/* a restart after the upgrade gets the same sockets from it */
	ck_assert_int_eq(kill(r.pid, SIGKILL), 0);
	r2 = th_up(t, "srv", 2);
	line2 = env_line(t, "srv", r2.pid);
	ck_assert_msg(strstr(line2, " fds=2 ") != NULL &&
	                  strcmp(strstr(line2, "fd3=") + 4, sock) == 0,
	    "after the upgrade, a restart got: %s (first run: %s)", line2,
	    line);
	ck_assert_int_eq(ask(port, NULL, NULL), r2.pid);
	ck_assert_int_eq(ask(0, path, NULL), r2.pid);
	ck_assert_msg(!has_fd_to(r2.pid, "anon_inode:[pidfd]"),
	    "the server has one of tend's pidfds open");
	free(line);
	free(line2);
	ck_assert_int_eq(th_stop(t), 0);
	ck_assert_msg(access(path, F_OK) == -1,
	    "%s is left behind after tend exited", path);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("listen");
	TCase *tc = tcase_create("listen");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc,
	    a_program_gets_its_sockets_from_fd_3_with_the_systemd_variables);
	tcase_add_test(
	    tc, clients_are_never_refused_through_20_kills_of_the_server);
	tcase_add_test(tc,
	    two_workers_share_one_socket_and_one_serves_while_the_other_dies);
	tcase_add_test(
	    tc, an_address_in_use_fails_the_start_naming_address_and_error);
	tcase_add_test(tc, a_program_using_sd_listen_fds_works_unchanged);
	tcase_add_test(
	    tc, a_start_first_restart_serves_every_request_from_old_then_new);
	tcase_add_test(tc, status_shows_both_instances_while_the_old_one_stops);
	tcase_add_test(
	    tc, a_new_instance_never_ready_is_stopped_and_the_old_one_serves);
	tcase_add_test(tc, a_reload_that_changes_the_command_hands_over);
	tcase_add_test(tc, a_reload_whose_new_instance_is_never_ready_exits_1);
	tcase_add_test(
	    tc, a_tend_killed_during_a_handover_leaves_no_instance_behind);
	tcase_add_test(tc, an_upgrade_keeps_the_sockets_and_refuses_no_client);
	suite_add_tcase(s, tc);
	return th_main(s);
}
