/*
 * test_events.c: events reach every subscriber in the order they
 * subscribed, output lines only those that follow now, and a program's
 * end or a note of the tree becomes the event and tend's own line it
 * always did (the wire words and the log text are the contract).
 */
#include <sys/wait.h>

#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "events.h"
#include "log.h"
#include "unit.h"

/* ---- what the subscribers and tend's log saw, in order */

static char seen[32][160];
static size_t nseen;
static struct event got[8];
static size_t ngot;

static char got_last[8][64]; /* what got[i].last said, while it was valid */

static void __attribute__((format(printf, 1, 2))) saw(const char *fmt, ...)
{
	va_list ap;

	ck_assert_uint_lt(nseen, 32);
	va_start(ap, fmt);
	vsnprintf(seen[nseen++], sizeof(seen[0]), fmt, ap);
	va_end(ap);
}

static void
on_event_a(const struct event *e)
{
	ck_assert_uint_lt(ngot, 8);
	snprintf(got_last[ngot], sizeof(got_last[0]), "%s",
	    e->last != NULL ? e->last : "-");
	got[ngot++] = *e;
	saw("a:%s %s", event_kind_name(e->kind), e->node->shown);
}

static void
on_event_b(const struct event *e)
{
	saw("b:%s %s", event_kind_name(e->kind), e->node->shown);
}

static void
on_line_a(const struct prog *p, int64_t time_us, const char *text, size_t len)
{
	char line[64];

	ck_assert_uint_lt(len, sizeof(line));
	memcpy(line, text, len);
	line[len] = '\0';
	ck_assert_int_eq(time_us, 42);
	saw("line-a:%s %s", p->node.shown, line);
}

static void
on_line_b(const struct prog *p, int64_t time_us, const char *text, size_t len)
{
	(void)time_us;
	(void)text;
	(void)len;
	saw("line-b:%s", p->node.shown);
}

static bool b_follows;

static bool
following_b(void)
{
	return b_follows;
}

static void
log_line(const char *line, size_t len)
{
	char s[160];

	ck_assert_uint_lt(len, sizeof(s));
	memcpy(s, line, len);
	s[len - 1] = '\0'; /* its newline */
	saw("%s", s);
}

static const struct events_subscriber sub_a = {
    .on_event = on_event_a,
    .on_line = on_line_a, /* no predicate: always wants lines */
};
static const struct events_subscriber sub_b = {
    .on_event = on_event_b,
    .on_line = on_line_b,
    .following = following_b,
};
static const struct events_subscriber sub_lines_only = {
    .on_line = on_line_b,
    .following = following_b,
};

static void
setup(void)
{
	events_unsubscribe_all();
	log_set_writer(log_line);
	log_set_level(LOG_INFO);
	log_set_timestamps(false); /* the lines are compared whole */
	nseen = ngot = 0;
	b_follows = false;
}

static void
teardown(void)
{
	events_unsubscribe_all();
	log_set_writer(NULL);
}

/* ---- a small tree by hand: root (one_for_all) with db and api */

static struct sup root;
static struct prog db, api;
static struct node *kids[2];

static void
tree_setup(void)
{
	setup();
	memset(&root, 0, sizeof(root));
	memset(&db, 0, sizeof(db));
	memset(&api, 0, sizeof(api));
	root.node = (struct node){.kind = NODE_SUP,
	    .name = "root",
	    .shown = "root",
	    .state = ST_RUNNING};
	root.strategy = STRATEGY_ONE_FOR_ALL;
	root.intensity = 3;
	root.period_ms = 5000;
	root.kids = kids;
	root.nkids = 2;
	db.node = (struct node){.kind = NODE_PROG,
	    .name = "db",
	    .shown = "db",
	    .parent = &root,
	    .restart = RESTART_PERMANENT};
	api.node = (struct node){.kind = NODE_PROG,
	    .name = "api",
	    .shown = "api",
	    .parent = &root,
	    .restart = RESTART_TRANSIENT};
	kids[0] = &db.node;
	kids[1] = &api.node;
}

static void
ended_with(struct prog *p, int wstatus)
{
	p->has_last = true;
	p->last = (struct exit_info){.wstatus = wstatus};
}

static struct action
note(struct node *n, enum note what, int64_t arg)
{
	return (struct action){
	    .kind = ACT_NOTE, .note = what, .node = n, .arg = arg};
}

/* ---- subscribers */

START_TEST(events_reach_every_subscriber_in_order)
{
	const struct event e = {.kind = EVENT_GAVE_UP, .node = &db.node};

	ck_assert_int_eq(events_subscribe(&sub_a), 0);
	ck_assert_int_eq(events_subscribe(&sub_lines_only), 0);
	ck_assert_int_eq(events_subscribe(&sub_b), 0);
	events_publish(&e);
	ck_assert_uint_eq(nseen, 2);
	ck_assert_str_eq(seen[0], "a:gave-up db");
	ck_assert_str_eq(seen[1], "b:gave-up db");
}
END_TEST

START_TEST(with_no_subscriber_nothing_is_published_or_followed)
{
	const struct event e = {.kind = EVENT_STATE, .node = &db.node};

	events_publish(&e);
	events_publish_line(&db, 42, "x", 1);
	ck_assert(!events_following());
	ck_assert_uint_eq(nseen, 0);
}
END_TEST

START_TEST(subscribers_are_bounded)
{
	size_t i;

	for (i = 0; i < EVENTS_MAX_SUBSCRIBERS; i++)
		ck_assert_int_eq(events_subscribe(&sub_b), 0);
	errno = 0;
	ck_assert_int_eq(events_subscribe(&sub_a), -1);
	ck_assert_int_eq(errno, ENOSPC);
	events_publish(&(struct event){.kind = EVENT_EXIT, .node = &db.node});
	ck_assert_uint_eq(nseen, EVENTS_MAX_SUBSCRIBERS);
	ck_assert_str_eq(seen[0], "b:exit db");
}
END_TEST

START_TEST(lines_go_only_to_subscribers_that_follow_now)
{
	ck_assert_int_eq(events_subscribe(&sub_lines_only), 0);
	ck_assert(!events_following());
	events_publish_line(&db, 42, "hello", 5);
	ck_assert_uint_eq(nseen, 0);

	b_follows = true;
	ck_assert(events_following());
	events_publish_line(&db, 42, "hello", 5);
	ck_assert_uint_eq(nseen, 1);
	ck_assert_str_eq(seen[0], "line-b:db");

	/* one without a predicate always follows, and gets the line whole */
	b_follows = false;
	ck_assert_int_eq(events_subscribe(&sub_a), 0);
	ck_assert(events_following());
	events_publish_line(&db, 42, "hello world", 5);
	ck_assert_uint_eq(nseen, 2);
	ck_assert_str_eq(seen[1], "line-a:db hello");
}
END_TEST

START_TEST(every_kind_has_its_wire_word)
{
	ck_assert_str_eq(event_kind_name(EVENT_STATE), "state");
	ck_assert_str_eq(event_kind_name(EVENT_EXIT), "exit");
	ck_assert_str_eq(event_kind_name(EVENT_RESTART), "restart");
	ck_assert_str_eq(event_kind_name(EVENT_GAVE_UP), "gave-up");
	ck_assert_str_eq(event_kind_name(EVENT_AUTO_SHUTDOWN), "auto-shutdown");
	ck_assert_str_eq(event_kind_name(EVENT_REMOVED), "removed");
}
END_TEST

/* ---- a program's end */

START_TEST(an_end_is_an_exit_event_with_its_token)
{
	struct exit_info e = {.wstatus = 3 << 8};

	ck_assert_int_eq(events_subscribe(&sub_a), 0);
	db.node.state = ST_RUNNING;
	db.inst_pid = 1234;
	events_exit(&db, &e);
	ck_assert_uint_eq(ngot, 1);
	ck_assert_int_eq(got[0].kind, EVENT_EXIT);
	ck_assert_ptr_eq(got[0].node, &db.node);
	ck_assert_int_eq(got[0].state, ST_RUNNING);
	ck_assert_int_eq(got[0].pid, 1234);
	ck_assert_str_eq(got_last[0], "exit:3");
	ck_assert_uint_eq(nseen, 1); /* no line of tend's own: not stopping */
	ck_assert_str_eq(seen[0], "a:exit db");
}
END_TEST

START_TEST(an_end_while_stopping_says_how_it_stopped)
{
	struct exit_info e = {.wstatus = SIGTERM};

	ck_assert_int_eq(events_subscribe(&sub_a), 0);
	db.node.state = ST_STOPPING;
	events_exit(&db, &e);
	ck_assert_uint_eq(nseen, 2);
	ck_assert_str_eq(seen[0], "a:exit db");
	ck_assert_str_eq(
	    seen[1], "tend: info: db: stopped (killed by signal TERM)");
}
END_TEST

START_TEST(a_failed_start_is_an_exit_event_with_its_errno)
{
	struct exit_info e = {.exec_errno = ENOENT};

	ck_assert_int_eq(events_subscribe(&sub_a), 0);
	db.node.state = ST_STARTING;
	events_exit(&db, &e);
	ck_assert_uint_eq(ngot, 1);
	ck_assert_int_eq(got[0].pid, 0);
	ck_assert_str_eq(got_last[0], "exec:ENOENT");
	ck_assert_uint_eq(nseen, 1);
}
END_TEST

/* ---- what the tree noted */

START_TEST(a_state_note_is_an_event_and_no_line)
{
	struct action a = note(&db.node, NOTE_STATE, ST_RUNNING);

	ck_assert_int_eq(events_subscribe(&sub_a), 0);
	db.node.state = ST_STARTING;
	db.pid = 99;
	events_report(&a);
	ck_assert_uint_eq(ngot, 1);
	ck_assert_int_eq(got[0].kind, EVENT_STATE);
	ck_assert_int_eq(got[0].state, ST_RUNNING); /* the one entered */
	ck_assert_int_eq(got[0].pid, 99);
	ck_assert_str_eq(got_last[0], "-");
	ck_assert_uint_eq(nseen, 1);

	a = note(&root.node, NOTE_STATE, ST_STOPPING);
	events_report(&a);
	ck_assert_int_eq(got[1].pid, 0); /* a supervisor has none */
}
END_TEST

START_TEST(a_restart_later_says_its_delay)
{
	struct action a = note(&db.node, NOTE_RESTART_LATER, 500);

	ck_assert_int_eq(events_subscribe(&sub_a), 0);
	db.node.state = ST_BACKOFF;
	ended_with(&db, 1 << 8);
	events_report(&a);
	ck_assert_uint_eq(ngot, 1);
	ck_assert_int_eq(got[0].kind, EVENT_RESTART);
	ck_assert_int_eq(got[0].delay_ms, 500);
	ck_assert_int_eq(got[0].state, ST_BACKOFF);
	ck_assert_uint_eq(nseen, 2);
	ck_assert_str_eq(seen[1],
	    "tend: warning: db: exited with status 1; restarting in 500ms");

	a = note(&db.node, NOTE_RESTART, EXIT_ABNORMAL);
	events_report(&a);
	ck_assert_int_eq(got[1].delay_ms, 0);
	ck_assert_str_eq(
	    seen[3], "tend: warning: db: exited with status 1; restarting");
}
END_TEST

START_TEST(a_group_restart_names_who_comes_back)
{
	struct action a = note(&db.node, NOTE_GROUP_RESTART, EXIT_ABNORMAL);

	ck_assert_int_eq(events_subscribe(&sub_a), 0);
	ended_with(&db, SIGKILL);
	db.node.pending = api.node.pending = true;
	events_report(&a);
	ck_assert_int_eq(got[0].kind, EVENT_RESTART);
	ck_assert_str_eq(seen[1],
	    "tend: warning: db: killed by signal KILL; root (one_for_all) "
	    "restarts db, api");
}
END_TEST

START_TEST(an_end_not_restarted_is_a_line_and_no_event)
{
	struct action a = note(&api.node, NOTE_NO_RESTART, EXIT_NORMAL);

	ck_assert_int_eq(events_subscribe(&sub_a), 0);
	ended_with(&api, 0);
	events_report(&a);
	ck_assert_uint_eq(ngot, 0);
	ck_assert_uint_eq(nseen, 1);
	ck_assert_str_eq(seen[0], "tend: info: api: exited with status 0; not "
	                          "restarted (transient, normal exit)");

	a = note(&api.node, NOTE_ENDED, EXIT_NORMAL);
	api.has_last = false;
	events_report(&a);
	ck_assert_str_eq(seen[1], "tend: info: api: ended while being stopped");

	a = note(&db.node, NOTE_TOO_MANY, EXIT_ABNORMAL);
	ended_with(&db, 2 << 8);
	events_report(&a);
	ck_assert_uint_eq(ngot, 0);
	ck_assert_str_eq(seen[2], "tend: warning: db: exited with status 2; "
	                          "one restart too many for root");
}
END_TEST

START_TEST(a_supervisor_giving_up_is_an_event_and_an_error)
{
	struct action a = note(&root.node, NOTE_GIVE_UP, 4);

	ck_assert_int_eq(events_subscribe(&sub_a), 0);
	root.node.state = ST_STOPPING;
	events_report(&a);
	ck_assert_int_eq(got[0].kind, EVENT_GAVE_UP);
	ck_assert_int_eq(got[0].state, ST_STOPPING);
	ck_assert_str_eq(seen[1],
	    "tend: error: root: giving up: more than 3 restarts within 5s");

	a = note(&root.node, NOTE_AUTO_SHUTDOWN, 1);
	events_report(&a);
	ck_assert_int_eq(got[1].kind, EVENT_AUTO_SHUTDOWN);
	ck_assert_str_eq(seen[3],
	    "tend: info: root: a significant child ended (status 1); "
	    "shutting down (auto_shutdown)");
}
END_TEST

START_TEST(giving_up_names_the_child_and_why_it_last_ended)
{
	static char cmd[] = "/srv/api/bin/api", name[] = "api";
	static char *argv[] = {cmd, NULL};
	static struct prog_conf conf = {.name = name, .argv = argv};
	struct action a = note(&root.node, NOTE_GIVE_UP, 4);

	api.conf = &conf;
	api.has_last = true;
	api.last =
	    (struct exit_info){.exec_errno = ENOENT, .stage = STAGE_EXEC + 1};
	root.gave_up = true;
	root.gave_up_by = &api.node;
	events_report(&a);
	ck_assert_str_eq(seen[0],
	    "tend: error: root: giving up: more than 3 restarts within 5s; "
	    "the last by api (exec /srv/api/bin/api: No such file or "
	    "directory)");
	/* a crash says how it ended; one restart is one */
	ended_with(&api, 256);
	root.intensity = 1;
	events_report(&a);
	ck_assert_str_eq(seen[1],
	    "tend: error: root: giving up: more than 1 restart within 5s; "
	    "the last by api (exited with status 1)");
	/* a stage with no object: no space before its colon */
	api.last =
	    (struct exit_info){.exec_errno = EMFILE, .stage = STAGE_SETUP + 1};
	events_report(&a);
	ck_assert_str_eq(seen[2],
	    "tend: error: root: giving up: more than 1 restart within 5s; "
	    "the last by api (set up the process: Too many open files)");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("events");
	TCase *subs = tcase_create("subscribers");
	TCase *ends = tcase_create("ends");

	tcase_add_checked_fixture(subs, tree_setup, teardown);
	tcase_add_test(subs, events_reach_every_subscriber_in_order);
	tcase_add_test(
	    subs, with_no_subscriber_nothing_is_published_or_followed);
	tcase_add_test(subs, subscribers_are_bounded);
	tcase_add_test(subs, lines_go_only_to_subscribers_that_follow_now);
	tcase_add_test(subs, every_kind_has_its_wire_word);
	suite_add_tcase(s, subs);

	tcase_add_checked_fixture(ends, tree_setup, teardown);
	tcase_add_test(ends, an_end_is_an_exit_event_with_its_token);
	tcase_add_test(ends, an_end_while_stopping_says_how_it_stopped);
	tcase_add_test(ends, a_failed_start_is_an_exit_event_with_its_errno);
	tcase_add_test(ends, a_state_note_is_an_event_and_no_line);
	tcase_add_test(ends, a_restart_later_says_its_delay);
	tcase_add_test(ends, a_group_restart_names_who_comes_back);
	tcase_add_test(ends, an_end_not_restarted_is_a_line_and_no_event);
	tcase_add_test(ends, a_supervisor_giving_up_is_an_event_and_an_error);
	tcase_add_test(ends, giving_up_names_the_child_and_why_it_last_ended);
	suite_add_tcase(s, ends);
	return unit_main(s);
}
