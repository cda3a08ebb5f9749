/*
 * test_sock.c: the control socket (SPEC 5 and 11) through the real tend
 * and tendctl: where tendctl looks for it and what it does when nobody
 * answers (exit 4); its mode, group and peer checks, both ways; a second
 * tend on it, and the one a killed tend left.
 *
 * The tests that need a second user (created as `tendtest` where there is
 * none) need root, and are left out, saying so, for anyone else. They run
 * tendctl as that user through the harness's runner (th_ctl_how).
 */
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctltest.h"

#define TEST_USER "tendtest"

/* ------------------------------------------------------------- users */

/* The test user, made if it does not exist (root only). */
static void
test_user(struct th *t, uid_t *uid, gid_t *gid)
{
	const char *argv[] = {access("/usr/sbin/useradd", X_OK) == 0
	                          ? "/usr/sbin/useradd"
	                          : "useradd",
	    "--system", "--no-create-home", "--user-group", "--shell",
	    "/usr/sbin/nologin", TEST_USER, NULL};
	struct passwd *pw = getpwnam(TEST_USER);
	char *out;

	if (pw == NULL) {
		(void)th_run(t, NULL, argv, &out);
		pw = getpwnam(TEST_USER); /* another test may have made it */
		ck_assert_msg(pw != NULL, "no user %s, and useradd said:\n%s",
		    TEST_USER, out);
		free(out);
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	ck_assert_int_ne(*uid, 0);
}

static gid_t
nogroup(void)
{
	struct group *gr = getgrnam("nogroup");

	return gr != NULL ? gr->gr_gid : 65534;
}

/*
 * Let another user reach D/tend.sock (D is 0700) and run a copy of
 * tendctl in D (the build directory may be closed to it): the copy's path.
 */
static char *
tendctl_for_others(struct th *t)
{
	char *copy = ct_path(t, "tendctl"), *tmp = ct_path(t, "tendctl.tmp");
	const char *bin = getenv("TENDCTL_BIN");
	char buf[65536];
	int in, out;
	ssize_t n;

	ck_assert_ptr_nonnull(bin);
	in = open(bin, O_RDONLY | O_CLOEXEC);
	ck_assert_msg(in != -1, "%s: %s", bin, strerror(errno));
	out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	ck_assert_int_ne(out, -1);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		ck_assert_int_eq(write(out, buf, (size_t)n), n);
	close(in);
	ck_assert_int_eq(fchmod(out, 0755), 0);
	ck_assert_int_eq(close(out), 0);
	ck_assert_int_eq(rename(tmp, copy), 0);
	ck_assert_int_eq(chmod(th_dir(t), 0755), 0);
	free(tmp);
	return copy;
}

START_TEST(an_unreachable_tend_exits_4)
{
	struct th *t = th_new("[program:a]\n"
	                      "command = {S:a}\n");
	static const char *const cmds[] = {
	    "status", "health", "health --alive", "stop a", "events", "tree"};
	struct sockaddr_un sa;
	char *dead = ct_path(t, "dead.sock"), *plain = ct_path(t, "plain");
	const char *paths[4];
	size_t i, k;
	char *out;
	int fd;

	/* a socket file that nobody listens on, and a plain file */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", dead);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	fd = open(plain, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	ck_assert_int_ne(fd, -1);
	close(fd);
	paths[0] = "/nonexistent/tend.sock"; /* no tend at all */
	paths[1] = dead;
	paths[2] = plain;
	paths[3] = NULL;
	for (k = 0; paths[k] != NULL; k++)
		for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
			out = ct_ctl(t, 4, "-s %s %s", paths[k], cmds[i]);
			ct_has(out, "tendctl: ", cmds[i]);
			free(out);
		}
	/* the harness's own socket, with no tend launched */
	out = ct_ctl(t, 4, "status");
	free(out);
	free(dead);
	free(plain);
	th_stop(t);
}
END_TEST

START_TEST(the_socket_comes_from_s_then_tend_socket)
{
	struct th *t = th_start("[program:a]\n"
	                        "command = {S:a}\n");
	char env[256], *out;
	struct th_how h = {.no_socket = true, .env = env};

	(void)th_up(t, "a", 1);
	snprintf(env, sizeof(env), "TEND_SOCKET=%s/tend.sock", th_dir(t));
	ck_assert_int_eq(th_ctl_how(t, &h, &out, "status a"), 0);
	ct_has(out, "\na ", "status through $TEND_SOCKET");
	free(out);
	/* -s wins over $TEND_SOCKET */
	ck_assert_int_eq(
	    th_ctl_how(t, &h, &out, "-s %s/none.sock status", th_dir(t)), 4);
	free(out);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

/* ============================================================== the socket */

START_TEST(the_socket_is_born_0600_and_owned_by_tends_user)
{
	struct th *t = th_start("[program:a]\n"
	                        "command = {S:a}\n");
	char *sock = ct_path(t, "tend.sock");
	struct stat st;

	(void)th_up(t, "a", 1);
	ck_assert_int_eq(stat(sock, &st), 0);
	ck_assert(S_ISSOCK(st.st_mode));
	ck_assert_msg((st.st_mode & 07777) == 0600, "mode %o",
	    (unsigned)(st.st_mode & 07777));
	ck_assert_int_eq(st.st_uid, geteuid());
	free(sock);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(socket_group_makes_it_0660_of_that_group_and_serves_its_members)
{
	struct th *t = th_new("[tend]\n"
	                      "socket_group = " TEST_USER "\n"
	                      "[program:a]\n"
	                      "command = {S:a}\n");
	char *sock = ct_path(t, "tend.sock"), *bin, *out;
	struct th_cred member, primary, outsider;
	struct th_how h = {0};
	struct stat st;
	uid_t uid;
	gid_t gid;

	test_user(t, &uid, &gid); /* before tend looks the group up */
	th_launch(t);
	(void)th_up(t, "a", 1);
	ck_assert_int_eq(stat(sock, &st), 0);
	ck_assert_msg((st.st_mode & 07777) == 0660, "mode %o",
	    (unsigned)(st.st_mode & 07777));
	ck_assert_int_eq(st.st_gid, gid);
	bin = tendctl_for_others(t);
	h.bin = bin;
	/* a supplementary member, a primary one, and someone else */
	member = (struct th_cred){uid, nogroup(), 1, {gid}};
	primary = (struct th_cred){uid, gid, 0, {0}};
	outsider = (struct th_cred){uid, nogroup(), 0, {0}};
	h.cr = &member;
	ck_assert_int_eq(th_ctl_how(t, &h, &out, "status a"), 0);
	ct_has(out, "\na ", "status as a member");
	free(out);
	h.cr = &primary;
	ck_assert_int_eq(th_ctl_how(t, &h, &out, "status a"), 0);
	free(out);
	h.cr = &outsider;
	ck_assert_int_eq(th_ctl_how(t, &h, &out, "status a"), 4);
	ct_has(out, "permission denied", "status as an outsider");
	free(out);
	free(bin);
	free(sock);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(another_user_is_refused_by_the_sockets_mode_with_exit_4)
{
	struct th *t = th_start("[program:a]\n"
	                        "command = {S:a}\n");
	struct th_cred other;
	struct th_how h = {.cr = &other};
	char *bin, *out;
	uid_t uid;
	gid_t gid;

	test_user(t, &uid, &gid);
	other = (struct th_cred){uid, gid, 0, {0}};
	(void)th_up(t, "a", 1);
	bin = tendctl_for_others(t);
	h.bin = bin;
	ck_assert_int_eq(th_ctl_how(t, &h, &out, "status"), 4);
	ct_has(out, "permission denied", "status as another user");
	free(out);
	ck_assert_int_eq(th_ctl_how(t, &h, &out, "health --alive"), 4);
	free(out);
	free(bin);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(another_user_let_in_by_the_mode_is_refused_by_peercred_and_logged)
{
	struct th *t = th_start("[program:a]\n"
	                        "command = {S:a}\n");
	char *sock = ct_path(t, "tend.sock"), *bin, *out;
	struct th_cred other;
	struct th_how h = {.cr = &other};
	char want[128];
	uid_t uid;
	gid_t gid;
	int i;

	test_user(t, &uid, &gid);
	other = (struct th_cred){uid, gid, 0, {0}};
	(void)th_up(t, "a", 1);
	bin = tendctl_for_others(t);
	h.bin = bin;
	ck_assert_int_eq(chmod(sock, 0666), 0);
	/* tend may close before tendctl has sent its request: it must
	 * still say why, every time */
	for (i = 0; i < 10; i++) {
		ck_assert_int_eq(th_ctl_how(t, &h, &out, "stop a"), 4);
		ct_has(out, "permission denied", "stop a as another user");
		free(out);
	}
	snprintf(want, sizeof(want), "refused a client: uid %u", (unsigned)uid);
	th_wait_file(t, "tend.err", want, DEADLINE_MS);
	ct_assert_row(t, "a", "a running * * 0 -"); /* nothing done */
	free(bin);
	free(sock);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(tendctl_refuses_a_server_that_is_not_roots_or_its_own)
{
	struct th *t = th_new("[program:a]\n"
	                      "command = {S:a}\n");
	struct sockaddr_un sa;
	char *fake = ct_path(t, "fake.sock"), *out, ready;
	int fd, st, sync[2];
	struct pollfd pf;
	uid_t uid;
	gid_t gid;
	pid_t pid;

	test_user(t, &uid, &gid);
	ck_assert_int_eq(pipe2(sync, O_CLOEXEC), 0);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", fake);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		/* listen as the other user: its credentials are the peer's */
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
		alarm(30);
		if (setgroups(0, NULL) == -1 ||
		    setresgid(gid, gid, gid) == -1 ||
		    setresuid(uid, uid, uid) == -1 || listen(fd, 8) == -1)
			_exit(1);
		/* listening now: the parent may connect */
		(void)!write(sync[1], "L", 1);
		for (;;) {
			int c = accept(fd, NULL, NULL);

			if (c != -1) {
				(void)!write(c, "TEND/1 OK\n.\n", 12);
				close(c);
			}
		}
	}
	close(fd);
	close(sync[1]);
	/* a connect before the child's listen() would be refused, and
	 * listen() must be the other user's: wait for it to say so */
	pf = (struct pollfd){.fd = sync[0], .events = POLLIN};
	ck_assert_msg(
	    poll(&pf, 1, DEADLINE_MS) == 1 && read(sync[0], &ready, 1) == 1,
	    "the stranger's server did not start listening");
	close(sync[0]);
	out = ct_ctl(t, 4, "-s %s status", fake);
	ct_has(out, "refusing", "status of a stranger's server");
	free(out);
	(void)kill(pid, SIGKILL);
	while (waitpid(pid, &st, 0) == -1 && errno == EINTR)
		;
	free(fake);
	th_stop(t);
}
END_TEST

START_TEST(a_second_tend_on_the_same_socket_exits_1_naming_it_and_the_first)
{
	struct th *t = th_start("[program:a]\n"
	                        "command = {S:a}\n");
	struct th_run a = th_up(t, "a", 1);
	const struct th_run *keep[2] = {&a, NULL};
	char want[256], *out;

	ck_assert_int_eq(th_tend(t, &out, "-c %s/tend.conf -s %s/tend.sock",
	                     th_dir(t), th_dir(t)),
	    1);
	snprintf(want, sizeof(want), "%s/tend.sock", th_dir(t));
	ct_has(out, want, "the second tend");
	snprintf(want, sizeof(want), "pid %d", (int)th_tend_pid(t));
	ct_has(out, want, "the second tend");
	free(out);
	/* the first goes on, undisturbed */
	th_hold(t, th_all_alive, keep, HOLD_MS, "a running");
	ct_answers_promptly(t);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

static bool
exited(struct th *t, const void *arg)
{
	(void)arg;
	return th_exited(t);
}

START_TEST(a_stale_socket_left_by_a_killed_tend_is_replaced)
{
	struct th *t1 = th_start("[program:a]\n"
	                         "command = {S:a}\n");
	char conf[512], want[64], *sock = ct_path(t1, "tend.sock"), *out;
	struct th *t2;
	struct stat st;

	(void)th_up(t1, "a", 1);
	th_signal(t1, SIGKILL);
	{
		long long deadline = th_now_ms() + DEADLINE_MS;

		while (!exited(t1, NULL) && th_now_ms() < deadline)
			(void)poll(NULL, 0, 10);
		ck_assert(th_exited(t1));
	}
	ck_assert_int_eq(stat(sock, &st), 0); /* left behind */
	snprintf(conf, sizeof(conf),
	    "[tend]\n"
	    "socket = %s\n"
	    "[program:b]\n"
	    "command = {S:b}\n",
	    sock);
	t2 = th_start(conf);
	(void)th_up(t2, "b", 1);
	snprintf(want, sizeof(want), "(pid %d, ", (int)th_tend_pid(t2));
	out = ct_ctl(t1, 0, "version"); /* t1's socket path */
	ct_has(out, want, "version on the old path");
	free(out);
	out = ct_ctl(t1, 0, "status");
	ct_has(out, "\nb ", "status on the old path");
	free(out);
	/* t1's orphaned program is ours (a subreaper's) now: t1's sweep
	 * takes it, before t2's stop counts what is left */
	(void)th_stop(t1);
	ck_assert_int_eq(th_stop(t2), 0);
	free(sock);
}
END_TEST

static Suite *
sock_suite(void)
{
	Suite *s = suite_create("integ_sock");
	TCase *tc = tcase_create("sock");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, NULL, th_stop_all);
	tcase_add_test(tc, an_unreachable_tend_exits_4);
	tcase_add_test(tc, the_socket_comes_from_s_then_tend_socket);
	tcase_add_test(tc, the_socket_is_born_0600_and_owned_by_tends_user);
	if (geteuid() == 0) {
		tcase_add_test(tc,
		    socket_group_makes_it_0660_of_that_group_and_serves_its_members);
		tcase_add_test(tc,
		    another_user_is_refused_by_the_sockets_mode_with_exit_4);
		tcase_add_test(tc,
		    another_user_let_in_by_the_mode_is_refused_by_peercred_and_logged);
		tcase_add_test(
		    tc, tendctl_refuses_a_server_that_is_not_roots_or_its_own);
	} else {
		fprintf(stderr, "test_sock: not root: the tests with a second "
		                "user are left out\n");
	}
	tcase_add_test(tc,
	    a_second_tend_on_the_same_socket_exits_1_naming_it_and_the_first);
	tcase_add_test(tc, a_stale_socket_left_by_a_killed_tend_is_replaced);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return th_main(sock_suite());
}
