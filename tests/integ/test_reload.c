/*
 * test_reload.c: a reload (SPEC 7 Reload, SPEC 11 Live change) through
 * the real tend and tendctl, pids checked: what must keep its process
 * keeps its pid, what must restart has exactly one new run, removed
 * programs stop in reverse order and are forgotten, an invalid or refused
 * file changes nothing, a dry run changes nothing, SIGHUP reloads, and a
 * reload during a start sequence is refused with a message.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#define DEADLINE_MS TH_DEADLINE_MS
#define HOLD_MS 500 /* how long "nothing else happens" is watched */

struct expect {
	const char *name;
	int n;           /* runs recorded */
	struct th_run r; /* the run that must be alive */
};

static bool
as_expected(struct th *t, const void *arg)
{
	const struct expect *e;
	pid_t pids[TH_MAX_PIDS];

	for (e = arg; e->name != NULL; e++)
		if (th_pids(t, e->name, pids, TH_MAX_PIDS) != e->n ||
		    !th_alive(e->r.pid, e->r.start))
			return false;
	return true;
}

/* `tendctl ARGS` exits want; its output (freed by the caller). */
static char *
ctl_expect(struct th *t, int want, const char *args)
{
	char *out;
	int rc = th_ctl(t, &out, "%s", args);

	ck_assert_msg(rc == want, "tendctl %s exited %d (not %d): %s", args, rc,
	    want, out);
	return out;
}

static void
reload_to(struct th *t, const char *conf)
{
	th_write(t, "tend.conf", conf);
	free(ctl_expect(t, 0, "reload"));
}

/* The line of out that names name as its first word, or NULL. */
static const char *
line_of(const char *out, const char *name)
{
	size_t len = strlen(name);
	const char *p;

	for (p = out; p != NULL && *p != '\0';
	     p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (strncmp(p, name, len) == 0 && p[len] == ' ')
			return p;
	return NULL;
}

#define V1                                                                     \
	"[supervisor:root]\n"                                                  \
	"strategy = rest_for_one\n"                                            \
	"intensity = 0\n"                                                      \
	"children = first, cmd, env, last\n"                                   \
	"[program:first]\ncommand = {S:first}\n"                               \
	"[program:cmd]\n"                                                      \
	"command = sh -c 'echo $$ >> {D}/cmd.pids; exec sleep 100001'\n"       \
	"[program:env]\ncommand = {S:env}\nenvironment = MARK=1\n"             \
	"[program:last]\ncommand = {S:last}\nshutdown = 3s\n"

START_TEST(process_keys_restart_that_program_alone_uncharged)
{
	struct th *t = th_start(V1);
	struct th_run first = th_up(t, "first", 1), last = th_up(t, "last", 1);
	char *conf = strdup(V1), *at;
	struct expect after[5];

	th_up(t, "cmd", 1);
	th_up(t, "env", 1);
	*strstr(conf, "100001") = '\0';
	at = strstr(V1, "100001") + 6;
	{
		char text[4096];

		snprintf(text, sizeof(text), "%s100002%s", conf, at);
		*strstr(text, "MARK=1") = '\0';
		strcat(text, "MARK=2\n[program:last]\ncommand = {S:last}\n"
		             "shutdown = 3s\n");
		reload_to(t, text);
	}
	free(conf);
	/* intensity 0: a charged restart would make the root give up */
	after[0] = (struct expect){"cmd", 2, th_up(t, "cmd", 2)};
	after[1] = (struct expect){"env", 2, th_up(t, "env", 2)};
	after[2] = (struct expect){"first", 1, first};
	after[3] = (struct expect){"last", 1, last};
	after[4] = (struct expect){NULL, 0, {0, 0}};
	th_hold(t, as_expected, after, HOLD_MS,
	    "cmd and env restarted once, first and last untouched");
	ck_assert(!th_exited(t));
	{
		char *out = ctl_expect(t, 0, "--json status");

		ck_assert_msg(strstr(out, "\"restarts\":1") == NULL,
		    "a reload's restart was counted: %s", out);
		free(out);
	}
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(supervision_keys_change_in_place_and_take_effect)
{
	const char *v1 = "[supervisor:root]\nintensity = 20\n"
	                 "[supervisor:s]\nstrategy = one_for_one\n"
	                 "children = a, b\n"
	                 "[program:a]\ncommand = {S:a}\n"
	                 "[program:b]\ncommand = {S:b}\nshutdown = 5s\n";
	const char *v2 = "[supervisor:root]\nintensity = 30\n"
	                 "[supervisor:s]\nstrategy = one_for_all\n"
	                 "children = a, b\n"
	                 "[program:a]\ncommand = {S:a}\n"
	                 "[program:b]\ncommand = {S:b}\nshutdown = 2s\n";
	struct th *t = th_start(v1);
	struct th_run a = th_up(t, "a", 1), b = th_up(t, "b", 1);
	struct expect same[3] = {{"a", 1, a}, {"b", 1, b}, {NULL, 0, {0, 0}}};

	reload_to(t, v2);
	th_hold(t, as_expected, same, HOLD_MS, "a and b untouched");
	/* one_for_all now: a's crash restarts b too */
	ck_assert_int_eq(kill(a.pid, SIGKILL), 0);
	th_up(t, "a", 2);
	th_up(t, "b", 2);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(added_removed_renamed_and_moved_nodes)
{
	const char *v1 = "[supervisor:root]\nintensity = 20\n"
	                 "children = keep, gone1, sg, mover, old, s\n"
	                 "[supervisor:sg]\nchildren = g1, g2\n"
	                 "[supervisor:s]\nstrategy = one_for_all\n"
	                 "children = x\n"
	                 "[program:keep]\ncommand = {S:keep}\n"
	                 "[program:gone1]\ncommand = {T:gone1}\n"
	                 "[program:g1]\ncommand = {T:g1}\n"
	                 "[program:g2]\ncommand = {T:g2}\n"
	                 "[program:mover]\ncommand = {S:mover}\n"
	                 "[program:old]\ncommand = {S:rn}\n"
	                 "[program:x]\ncommand = {S:x}\n";
	const char *v2 = "[supervisor:root]\nintensity = 20\n"
	                 "children = keep, new, s, added\n"
	                 "[supervisor:s]\nstrategy = one_for_all\n"
	                 "children = x, mover\n"
	                 "[program:keep]\ncommand = {S:keep}\n"
	                 "[program:mover]\ncommand = {S:mover}\n"
	                 "[program:new]\ncommand = {S:rn}\n"
	                 "[program:x]\ncommand = {S:x}\n"
	                 "[program:added]\ncommand = {S:added}\n";
	struct th *t = th_start(v1);
	struct th_run keep = th_up(t, "keep", 1), x = th_up(t, "x", 1);
	struct expect after[6];
	char *out, *st;

	th_up(t, "gone1", 1);
	th_up(t, "g1", 1);
	th_up(t, "g2", 1);
	th_up(t, "mover", 1);
	th_up(t, "rn", 1);
	th_write(t, "tend.conf", v2);
	out = ctl_expect(t, 0, "reload");
	ck_assert_msg(line_of(out, "gone1") && line_of(out, "sg") &&
	                  line_of(out, "old") && line_of(out, "new") &&
	                  line_of(out, "added") && line_of(out, "s/mover"),
	    "the reload does not name every change: %s", out);
	ck_assert_ptr_nonnull(strstr(line_of(out, "s/mover"), "moved"));
	ck_assert_ptr_nonnull(strstr(line_of(out, "added"), "started"));
	ck_assert_ptr_nonnull(strstr(line_of(out, "gone1"), "stopped"));
	ck_assert_msg(strstr(out, "2 started, 5 stopped, 0 restarted, 0 "
	                          "updated in place, 1 moved") != NULL,
	    "%s", out);
	free(out);
	after[0] = (struct expect){"keep", 1, keep};
	after[1] = (struct expect){"x", 1, x};
	after[2] = (struct expect){"mover", 2, th_up(t, "mover", 2)};
	after[3] = (struct expect){"rn", 2, th_up(t, "rn", 2)};
	after[4] = (struct expect){"added", 1, th_up(t, "added", 1)};
	after[5] = (struct expect){NULL, 0, {0, 0}};
	th_hold(t, as_expected, after, HOLD_MS, "one new run of each");
	th_assert_file(t, "stopped", "g2\ng1\ngone1\n");
	st = ctl_expect(t, 0, "status");
	ck_assert_msg(!line_of(st, "gone1") && !line_of(st, "sg/g1") &&
	                  !line_of(st, "old") && line_of(st, "new"),
	    "status: %s", st);
	free(st);
	free(ctl_expect(t, 3, "status g1"));
	/* mover is s's child now: x's crash restarts it (one_for_all) */
	ck_assert_int_eq(kill(x.pid, SIGKILL), 0);
	th_up(t, "mover", 3);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(an_invalid_or_refused_file_changes_nothing)
{
	const char *v1 = "[program:keep]\ncommand = {S:keep}\n";
	struct th *t = th_start(v1);
	struct th_run keep = th_up(t, "keep", 1);
	struct expect same[2] = {{"keep", 1, keep}, {NULL, 0, {0, 0}}};
	char *out;

	th_write(t, "tend.conf",
	    "[program:keep]\ncommand = {S:keep}\n"
	    "[program:added]\ncommand = {S:added}\nrestart = sometimes\n");
	out = ctl_expect(t, 1, "reload");
	ck_assert_msg(strstr(out, "tend.conf:5: restart") != NULL, "%s", out);
	free(out);
	th_write(t, "tend.conf",
	    "[tend]\ncgroups = no\n[program:keep]\ncommand = {S:keep}\n"
	    "[program:added]\ncommand = {S:added}\n");
	out = ctl_expect(t, 1, "reload");
	ck_assert_msg(strstr(out, "cgroups") && strstr(out, "needs a restart"),
	    "%s", out);
	free(out);
	th_write(t, "tend.conf",
	    "[program:keep]\ncommand = {S:keep}\nrestart = transient\n"
	    "significant = yes\n[program:added]\ncommand = {S:added}\n");
	out = ctl_expect(t, 1, "reload");
	ck_assert_msg(strstr(out, "tend.conf:4") != NULL, "%s", out);
	free(out);
	th_hold(t, as_expected, same, HOLD_MS, "keep untouched");
	ck_assert_int_eq(th_pids(t, "added", NULL, 0), 0);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(a_dry_run_prints_the_plan_and_changes_nothing)
{
	struct th *t = th_start("[program:keep]\ncommand = {S:keep}\n");
	struct th_run keep = th_up(t, "keep", 1);
	struct expect same[2] = {{"keep", 1, keep}, {NULL, 0, {0, 0}}};
	char *out;

	th_write(t, "tend.conf",
	    "[program:keep]\ncommand = {S:keep}\nshutdown = 1s\n"
	    "[program:added]\ncommand = {S:added}\n");
	out = ctl_expect(t, 0, "reload --dry-run");
	ck_assert_msg(strstr(out, "dry run") && line_of(out, "added") &&
	                  strstr(line_of(out, "keep"), "updated in place"),
	    "%s", out);
	free(out);
	out = ctl_expect(t, 0, "--json reload --dry-run");
	ck_assert_msg(strstr(out, "\"dry_run\":true") &&
	                  strstr(out, "{\"name\":\"added\",\"path\":\"added\","
	                              "\"kind\":\"program\",\"action\":"
	                              "\"started\",\"key\":null}"),
	    "%s", out);
	free(out);
	th_hold(t, as_expected, same, HOLD_MS, "keep untouched");
	ck_assert_int_eq(th_pids(t, "added", NULL, 0), 0);
	/* SIGHUP then does it */
	th_signal(t, SIGHUP);
	th_up(t, "added", 1);
	th_hold(t, as_expected, same, HOLD_MS, "keep still untouched");
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(a_reload_during_a_start_sequence_is_refused_saying_why)
{
	/* rest_for_one waits for its first child, whose start fails (no
	 * such command) and which waits out its backoff: the root's start
	 * sequence goes on meanwhile (SPEC 11 First start) */
	const char *v1 = "[supervisor:root]\nstrategy = rest_for_one\n"
	                 "intensity = infinity\nchildren = bad, next\n"
	                 "[program:bad]\n"
	                 "command = {D}/no-such-command\n"
	                 "backoff = 1h..1h\nmin_uptime = 1h\n"
	                 "[program:next]\ncommand = {S:next}\n";
	struct th *t = th_start(v1);
	char conf[2048], *out;

	th_wait_file(t, "tend.err", "bad: cannot start", DEADLINE_MS);
	snprintf(
	    conf, sizeof(conf), "%s[program:late]\ncommand = {S:late}\n", v1);
	th_write(t, "tend.conf", conf);
	out = ctl_expect(t, 1, "reload");
	ck_assert_msg(
	    strstr(out, "start sequence is under way") != NULL, "%s", out);
	free(out);
	ck_assert_int_eq(th_pids(t, "late", NULL, 0), 0);
	ck_assert_int_eq(th_pids(t, "next", NULL, 0), 0);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(an_added_program_that_cannot_start_sets_off_no_strategy)
{
	const char *v1 = "[supervisor:root]\nstrategy = rest_for_one\n"
	                 "children = a, b\n"
	                 "[program:a]\ncommand = {S:a}\n"
	                 "[program:b]\ncommand = {S:b}\n";
	const char *v2 = "[supervisor:root]\nstrategy = rest_for_one\n"
	                 "children = a, bad, b\n"
	                 "[program:a]\ncommand = {S:a}\n"
	                 "[program:bad]\ncommand = {D}/no-such-command\n"
	                 "[program:b]\ncommand = {S:b}\n";
	struct th *t = th_start(v1);
	struct th_run a = th_up(t, "a", 1), b = th_up(t, "b", 1);
	struct expect same[3] = {{"a", 1, a}, {"b", 1, b}, {NULL, 0, {0, 0}}};
	char *st;

	reload_to(t, v2);
	th_wait_file(t, "tend.err", "bad: cannot start", DEADLINE_MS);
	th_hold(t, as_expected, same, HOLD_MS,
	    "a and b untouched (b comes after bad under rest_for_one)");
	st = ctl_expect(t, 0, "status bad");
	ck_assert_msg(strstr(st, "stopped") != NULL, "%s", st);
	free(st);
	ck_assert(!th_exited(t));
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(a_new_ready_mode_restarts_the_program_with_its_socket)
{
	const char *cmd =
	    "[program:r]\ncommand = sh -c 'echo $$ >> {D}/r.pids; "
	    "echo ${NOTIFY_SOCKET:-none} >> {D}/r.env; "
	    "exec sleep 100000'\n";
	char v2[1024];
	struct th *t = th_start(cmd);
	char *env;

	th_up(t, "r", 1);
	th_wait_file(t, "r.env", "none", DEADLINE_MS);
	snprintf(v2, sizeof(v2), "%sready = notify\n", cmd);
	reload_to(t, v2);
	th_up(t, "r", 2);
	th_wait_file(t, "r.env", "@", DEADLINE_MS);
	env = th_read(t, "r.env");
	ck_assert_msg(strncmp(env, "none\n@", 6) == 0,
	    "the new run should have NOTIFY_SOCKET: %s", env);
	free(env);
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

START_TEST(log_keys_change_in_place)
{
	const char *v1 = "[tend]\nlog_dir = {D}/logs1\n"
	                 "[program:p]\ncommand = sh -c 'echo $$ >> {D}/p.pids; "
	                 "while :; do echo line; sleep 0.05; done'\n";
	const char *v2 = "[tend]\nlog_dir = {D}/logs2\nshutdown_grace = 1s\n"
	                 "log_keep = 2\n"
	                 "[program:p]\ncommand = sh -c 'echo $$ >> {D}/p.pids; "
	                 "while :; do echo line; sleep 0.05; done'\n";
	struct th *t = th_start(v1);
	struct th_run p = th_up(t, "p", 1);
	struct expect same[2] = {{"p", 1, p}, {NULL, 0, {0, 0}}};

	th_wait_file(t, "logs1/p.log", "line", DEADLINE_MS);
	reload_to(t, v2);
	th_wait_file(t, "logs2/p.log", "line", DEADLINE_MS);
	th_hold(t, as_expected, same, HOLD_MS, "p untouched");
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

static bool
refused(int port)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), r;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	return r == -1 && errno == ECONNREFUSED;
}

static bool
is_refused(struct th *t, const void *arg)
{
	(void)t;
	return refused(*(const int *)arg);
}

START_TEST(a_changed_listen_keeps_what_stays_and_closes_what_goes)
{
	int a = th_free_port(), b = th_free_port(), c = th_free_port();
	char v1[2048], v2[2048];
	const char *bin = getenv("TEND_LSERVER_BIN");
	struct th *t;

	snprintf(v1, sizeof(v1),
	    "[program:srv]\ncommand = %s {D} srv\n"
	    "listen = tcp:127.0.0.1:%d\nlisten = tcp:127.0.0.1:%d\n",
	    bin, a, b);
	snprintf(v2, sizeof(v2),
	    "[program:srv]\ncommand = %s {D} srv\n"
	    "listen = tcp:127.0.0.1:%d\nlisten = tcp:127.0.0.1:%d\n",
	    bin, a, c);
	t = th_start(v1);
	th_up(t, "srv", 1);
	reload_to(t, v2);
	th_up(t, "srv", 2);
	ck_assert(!refused(a));
	ck_assert(!refused(c));
	th_wait(t, is_refused, &b, DEADLINE_MS, "the dropped address to close");
	ck_assert_int_eq(th_stop(t), 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("reload");
	TCase *tc = tcase_create("reload");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, process_keys_restart_that_program_alone_uncharged);
	tcase_add_test(tc, supervision_keys_change_in_place_and_take_effect);
	tcase_add_test(tc, added_removed_renamed_and_moved_nodes);
	tcase_add_test(tc, an_invalid_or_refused_file_changes_nothing);
	tcase_add_test(tc, a_dry_run_prints_the_plan_and_changes_nothing);
	tcase_add_test(
	    tc, a_reload_during_a_start_sequence_is_refused_saying_why);
	tcase_add_test(
	    tc, a_changed_listen_keeps_what_stays_and_closes_what_goes);
	tcase_add_test(tc, log_keys_change_in_place);
	tcase_add_test(
	    tc, a_new_ready_mode_restarts_the_program_with_its_socket);
	tcase_add_test(
	    tc, an_added_program_that_cannot_start_sets_off_no_strategy);
	suite_add_tcase(s, tc);
	return th_main(s);
}
