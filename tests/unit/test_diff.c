/*
 * test_diff.c: the plan of a reload (diff.c), one row of SPEC 7's
 * classification a test: two configurations in, what happens to each name
 * out. Keys that the parser does not take yet are set in the parsed
 * configuration directly.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "diff.h"
#include "unit.h"

static struct config OLD, NEW;
static struct diff DF;
static struct diags D;

static void
parse_into(const char *text, struct config *cfg)
{
	struct diags d;
	FILE *fp = fmemopen((void *)(uintptr_t)text, strlen(text), "r");
	size_t i;
	int r;

	ck_assert_ptr_nonnull(fp);
	memset(&d, 0, sizeof(d));
	config_free(cfg);
	r = config_parse(fp, "test.conf", cfg, &d);
	fclose(fp);
	for (i = 0; i < d.n; i++)
		fprintf(stderr, "test.conf:%d: %s\n", d.v[i].line, d.v[i].msg);
	ck_assert_int_eq(r, 0);
	diags_free(&d);
}

static void
load(const char *old, const char *nw)
{
	parse_into(old, &OLD);
	parse_into(nw, &NEW);
}

static int
compare(void)
{
	diff_free(&DF);
	diags_free(&D);
	return diff_configs(&OLD, &NEW, &DF, &D);
}

static void
teardown(void)
{
	diff_free(&DF);
	diags_free(&D);
	config_free(&OLD);
	config_free(&NEW);
}

/* The item of name (the last one, for a name removed and added). */
static const struct diff_item *
item(const char *name)
{
	const struct diff_item *found = NULL;
	size_t i;

	for (i = 0; i < DF.n; i++)
		if (strcmp(DF.v[i].name, name) == 0)
			found = &DF.v[i];
	ck_assert_msg(found != NULL, "no item for %s", name);
	return found;
}

static size_t
position(const char *name, enum diff_kind k)
{
	size_t i;

	for (i = 0; i < DF.n; i++)
		if (strcmp(DF.v[i].name, name) == 0 && DF.v[i].kind == k)
			return i;
	ck_abort_msg("no %s item for %s", diff_kind_name(k), name);
	return 0;
}

/* The configuration's program name, with its extra keys made its own. */
static struct prog_extra *
extra(struct config *cfg, const char *name)
{
	long i = config_find_prog(cfg, name);
	struct prog_conf *p;

	ck_assert_int_ge(i, 0);
	p = &cfg->progs[i];
	if (p->extra == NULL) {
		struct prog_extra *x = malloc(sizeof(*x));

		ck_assert_ptr_nonnull(x);
		*x = *prog_extra(p);
		p->extra = x;
	}
	return p->extra;
}

#define BASE                                                                   \
	"[supervisor:root]\n"                                                  \
	"children = a, s, b\n"                                                 \
	"[supervisor:s]\n"                                                     \
	"strategy = one_for_all\n"                                             \
	"children = c, d\n"                                                    \
	"[program:a]\ncommand = sleep 1\n"                                     \
	"[program:b]\ncommand = sleep 2\nshutdown = 3s\n"                      \
	"[program:c]\ncommand = sleep 3\n"                                     \
	"[program:d]\ncommand = sleep 4\n"

/* The same file with line `from` of BASE replaced by `to`. */
static char *
edit(const char *from, const char *to)
{
	static char buf[4096];
	const char *at = strstr(BASE, from);

	ck_assert_ptr_nonnull(at);
	snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(at - BASE), BASE, to,
	    at + strlen(from));
	return buf;
}

static void
expect_kind(const char *name, enum diff_kind k, unsigned keys, const char *key)
{
	const struct diff_item *it;

	ck_assert_int_eq(compare(), 0);
	it = item(name);
	ck_assert_msg(it->kind == k, "%s: %s, expected %s", name,
	    diff_kind_name(it->kind), diff_kind_name(k));
	ck_assert_uint_eq(it->keys & keys, keys);
	if (key != NULL)
		ck_assert_str_eq(it->key, key);
}

/* A program's key in `from` becomes `to`; only that program changes. */
static void
expect_restart(const char *from, const char *to, const char *key)
{
	load(BASE, edit(from, to));
	expect_kind("b", DIFF_RESTART, DIFF_K_PROCESS, key);
	ck_assert_uint_eq(DF.count[DIFF_RESTART], 1);
	ck_assert_uint_eq(DF.count[DIFF_UNCHANGED], DF.n - 1);
}

static void
expect_in_place(const char *from, const char *to, const char *key)
{
	load(BASE, edit(from, to));
	expect_kind("b", DIFF_UPDATE, DIFF_K_SUPERVISION, key);
	ck_assert_uint_eq(DF.count[DIFF_UPDATE], 1);
	ck_assert_uint_eq(DF.count[DIFF_UNCHANGED], DF.n - 1);
}

START_TEST(a_file_written_otherwise_changes_nothing)
{
	load(BASE, "# the same tree\n"
	           "[program:d]\ncommand = sleep 4\n"
	           "[program:c]\ncommand = sleep 3\n"
	           "[supervisor:s]\nchildren = c, d\nstrategy = one_for_all\n"
	           "[program:b]\nshutdown = 3s\ncommand = sleep 2\n"
	           "[program:a]\ncommand = 'sleep' 1\n"
	           "[supervisor:root]\nchildren = a, s, b\n");
	ck_assert_int_eq(compare(), 0);
	ck_assert_uint_eq(DF.n, 6); /* five nodes and the root */
	ck_assert_uint_eq(DF.count[DIFF_UNCHANGED], 6);
	ck_assert(!diff_changes(&DF));
}
END_TEST

START_TEST(a_new_command_restarts_that_program_alone)
{
	expect_restart("sleep 2", "sleep 22", "command");
}
END_TEST

START_TEST(a_new_directory_restarts_it)
{
	expect_restart(
	    "shutdown = 3s", "shutdown = 3s\ndirectory = /tmp", "directory");
}
END_TEST

START_TEST(a_new_user_or_group_restarts_it)
{
	expect_restart("shutdown = 3s", "shutdown = 3s\nuser = nobody", "user");
	expect_restart(
	    "shutdown = 3s", "shutdown = 3s\ngroup = nogroup", "group");
}
END_TEST

START_TEST(a_new_umask_restarts_it)
{
	expect_restart("shutdown = 3s", "shutdown = 3s\numask = 077", "umask");
}
END_TEST

START_TEST(a_new_environment_restarts_it)
{
	expect_restart(
	    "shutdown = 3s", "shutdown = 3s\nenvironment = A=1", "environment");
}
END_TEST

START_TEST(new_output_modes_restart_it)
{
	expect_restart(
	    "shutdown = 3s", "shutdown = 3s\nstdout = null", "stdout");
	expect_restart(
	    "shutdown = 3s", "shutdown = 3s\nstderr = null", "stderr");
	expect_restart(
	    "shutdown = 3s", "shutdown = 3s\nstdout = file:/tmp/x", "stdout");
}
END_TEST

START_TEST(output_defaults_written_out_change_nothing)
{
	load(BASE, edit("shutdown = 3s",
	               "shutdown = 3s\nstdout = log\nstderr = stdout"));
	ck_assert_int_eq(compare(), 0);
	ck_assert_int_eq(item("b")->kind, DIFF_UNCHANGED);
}
END_TEST

START_TEST(process_keys_of_the_extra_part_restart_it)
{
	expect_restart("shutdown = 3s", "shutdown = 3s\nnice = 5", "nice");
	expect_restart("shutdown = 3s", "shutdown = 3s\noom_score_adj = 100",
	    "oom_score_adj");
	expect_restart(
	    "shutdown = 3s", "shutdown = 3s\nlimit_nofile = 100", "limit_*");
	expect_restart(
	    "shutdown = 3s", "shutdown = 3s\nlimit_core = 0", "limit_*");
}
END_TEST

START_TEST(a_new_ready_mode_restarts_it)
{
	load(BASE, BASE);
	NEW.progs[config_find_prog(&NEW, "b")].ready = READY_NOTIFY;
	expect_kind("b", DIFF_RESTART, DIFF_K_PROCESS, "ready");
}
END_TEST

START_TEST(new_listen_addresses_restart_it_and_say_so)
{
	struct prog_extra *x;
	static char addr[] = "tcp:127.0.0.1:8080";
	static struct listen_conf l = {.addr = addr, .line = 1};

	load(BASE, BASE);
	x = extra(&NEW, "b");
	x->listen = &l;
	x->nlisten = 1;
	expect_kind(
	    "b", DIFF_RESTART, DIFF_K_PROCESS | DIFF_K_LISTEN, "listen");
	x->listen = NULL; /* not the parser's: not config_free's */
	x->nlisten = 0;
}
END_TEST

START_TEST(supervision_keys_of_a_program_change_in_place)
{
	expect_in_place("shutdown = 3s", "shutdown = 4s", "shutdown");
	expect_in_place(
	    "shutdown = 3s", "shutdown = 3s\nrestart = temporary", "restart");
	expect_in_place(
	    "shutdown = 3s", "shutdown = 3s\nstop_signal = INT", "stop_signal");
	expect_in_place(
	    "shutdown = 3s", "shutdown = 3s\nbackoff = 1s..2s", "backoff");
	expect_in_place(
	    "shutdown = 3s", "shutdown = 3s\nmin_uptime = 20s", "min_uptime");
	expect_in_place(
	    "shutdown = 3s", "shutdown = 3s\nautostart = no", "autostart");
}
END_TEST

START_TEST(significant_changes_in_place)
{
	const char *v1 = "[supervisor:root]\nauto_shutdown = any_significant\n"
	                 "[program:w]\ncommand = true\nrestart = transient\n";
	const char *v2 = "[supervisor:root]\nauto_shutdown = any_significant\n"
	                 "[program:w]\ncommand = true\nrestart = transient\n"
	                 "significant = yes\n";

	load(v1, v2);
	expect_kind("w", DIFF_UPDATE, DIFF_K_SUPERVISION, "significant");
}
END_TEST

START_TEST(readiness_health_watchdog_and_handover_change_in_place)
{
	static const char *const keys[] = {
	    "start_timeout", "health", "watchdog", "handover"};
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		struct prog_extra *x;

		load(BASE, BASE);
		x = extra(&NEW, "b");
		switch (i) {
		case 0:
			x->start_timeout_ms = 1000;
			break;
		case 1:
			x->health = HEALTH_TCP;
			x->health_port = 80;
			break;
		case 2:
			x->watchdog_ms = 1000;
			break;
		default:
			x->handover = HANDOVER_START_FIRST;
			break;
		}
		expect_kind("b", DIFF_UPDATE, DIFF_K_SUPERVISION, keys[i]);
	}
}
END_TEST

START_TEST(cgroup_limits_are_written_live)
{
	load(BASE, BASE);
	extra(&NEW, "b")->lim.memory_max = 1 << 20;
	expect_kind("b", DIFF_UPDATE, DIFF_K_LIMITS, "memory_max");
	ck_assert_uint_eq(item("b")->keys & DIFF_K_PROCESS, 0);
	load(BASE, BASE);
	extra(&NEW, "b")->lim.pids_max = 10;
	expect_kind("b", DIFF_UPDATE, DIFF_K_LIMITS, "pids_max");
}
END_TEST

START_TEST(a_process_key_wins_over_in_place_keys)
{
	load(BASE, edit("command = sleep 2\nshutdown = 3s",
	               "command = sleep 5\nshutdown = 4s"));
	expect_kind(
	    "b", DIFF_RESTART, DIFF_K_PROCESS | DIFF_K_SUPERVISION, "command");
}
END_TEST

START_TEST(supervisor_keys_change_in_place)
{
	load(BASE, edit("strategy = one_for_all", "strategy = rest_for_one"));
	expect_kind("s", DIFF_UPDATE, DIFF_K_SUPERVISION, "strategy");
	load(BASE, edit("strategy = one_for_all",
	               "strategy = one_for_all\nintensity = 0"));
	expect_kind("s", DIFF_UPDATE, DIFF_K_SUPERVISION, "intensity");
	load(BASE, edit("strategy = one_for_all",
	               "strategy = one_for_all\nperiod = 1m"));
	expect_kind("s", DIFF_UPDATE, DIFF_K_SUPERVISION, "period");
	load(BASE,
	    edit("strategy = one_for_all",
	        "strategy = one_for_all\nauto_shutdown = any_significant"));
	expect_kind("s", DIFF_UPDATE, DIFF_K_SUPERVISION, "auto_shutdown");
	load(BASE, edit("strategy = one_for_all",
	               "strategy = one_for_all\nshutdown = 1s"));
	expect_kind("s", DIFF_UPDATE, DIFF_K_SUPERVISION, "shutdown");
	ck_assert_uint_eq(DF.count[DIFF_UNCHANGED], DF.n - 1);
}
END_TEST

START_TEST(the_roots_keys_change_in_place)
{
	load(BASE,
	    edit("children = a, s, b", "children = a, s, b\nintensity = 9"));
	expect_kind("root", DIFF_UPDATE, DIFF_K_SUPERVISION, "intensity");
	ck_assert_uint_eq(position("root", DIFF_UPDATE), DF.n - 1);
}
END_TEST

START_TEST(a_new_children_order_changes_in_place)
{
	load(BASE, edit("children = c, d", "children = d, c"));
	expect_kind("s", DIFF_UPDATE, DIFF_K_ORDER, "children");
	ck_assert_int_eq(item("c")->kind, DIFF_UNCHANGED);
	ck_assert_int_eq(item("d")->kind, DIFF_UNCHANGED);
}
END_TEST

START_TEST(added_nodes_come_in_start_order)
{
	char text[4096];

	snprintf(text, sizeof(text), "%s%s",
	    edit("children = a, s, b", "children = a, x, s, b, y"),
	    "[program:x]\ncommand = true\n"
	    "[supervisor:y]\nchildren = z\n"
	    "[program:z]\ncommand = true\n");
	load(BASE, text);
	ck_assert_int_eq(compare(), 0);
	ck_assert_int_eq(item("x")->kind, DIFF_ADD);
	ck_assert_int_eq(item("y")->kind, DIFF_ADD);
	ck_assert_int_eq(item("z")->kind, DIFF_ADD);
	ck_assert(item("y")->is_sup);
	ck_assert_uint_lt(
	    position("x", DIFF_ADD), position("c", DIFF_UNCHANGED));
	ck_assert_uint_lt(
	    position("b", DIFF_UNCHANGED), position("y", DIFF_ADD));
	ck_assert_uint_lt(position("y", DIFF_ADD), position("z", DIFF_ADD));
	ck_assert_uint_eq(DF.count[DIFF_ADD], 3);
	/* the others' order is the same: nothing else changes */
	ck_assert_int_eq(item("root")->kind, DIFF_UNCHANGED);
}
END_TEST

START_TEST(removed_nodes_come_first_children_first_in_reverse_order)
{
	load(BASE, "[supervisor:root]\nchildren = a\n"
	           "[program:a]\ncommand = sleep 1\n");
	ck_assert_int_eq(compare(), 0);
	ck_assert_uint_eq(DF.count[DIFF_REMOVE], 4);
	ck_assert_uint_eq(position("b", DIFF_REMOVE), 0);
	ck_assert_uint_eq(position("d", DIFF_REMOVE), 1);
	ck_assert_uint_eq(position("c", DIFF_REMOVE), 2);
	ck_assert_uint_eq(position("s", DIFF_REMOVE), 3);
	ck_assert_int_eq(item("s")->new_index, -1);
	ck_assert_int_eq(item("a")->kind, DIFF_UNCHANGED);
}
END_TEST

START_TEST(a_node_under_another_parent_is_moved)
{
	/* a leaves the root's list: it is s's now */
	load(BASE, "[supervisor:root]\nchildren = s, b\n"
	           "[supervisor:s]\nstrategy = one_for_all\n"
	           "children = c, d, a\n"
	           "[program:a]\ncommand = sleep 1\n"
	           "[program:b]\ncommand = sleep 2\nshutdown = 3s\n"
	           "[program:c]\ncommand = sleep 3\n"
	           "[program:d]\ncommand = sleep 4\n");
	expect_kind("a", DIFF_MOVE, DIFF_K_PARENT, NULL);
	/* the rest of s and the root keep their order: no other change */
	ck_assert_int_eq(item("s")->kind, DIFF_UNCHANGED);
	ck_assert_int_eq(item("root")->kind, DIFF_UNCHANGED);
	ck_assert_uint_eq(DF.count[DIFF_MOVE], 1);
}
END_TEST

START_TEST(children_of_a_moved_supervisor_move_with_it)
{
	load("[supervisor:root]\nchildren = t\n[supervisor:t]\nchildren = s\n"
	     "[supervisor:s]\nchildren = c\n[program:c]\ncommand = true\n",
	    "[supervisor:root]\nchildren = t, s\n[supervisor:t]\n"
	    "[supervisor:s]\nchildren = c\n[program:c]\ncommand = true\n");
	expect_kind("s", DIFF_MOVE, DIFF_K_PARENT, NULL);
	ck_assert_int_eq(item("c")->kind, DIFF_UNCHANGED);
}
END_TEST

START_TEST(a_rename_is_a_removal_and_an_addition)
{
	load("[program:keep]\ncommand = true\n[program:old]\ncommand = true\n",
	    "[program:keep]\ncommand = true\n[program:new]\ncommand = true\n");
	ck_assert_int_eq(compare(), 0);
	ck_assert_int_eq(item("old")->kind, DIFF_REMOVE);
	ck_assert_int_eq(item("new")->kind, DIFF_ADD);
	ck_assert_int_eq(item("keep")->kind, DIFF_UNCHANGED);
	ck_assert_uint_lt(
	    position("old", DIFF_REMOVE), position("new", DIFF_ADD));
}
END_TEST

START_TEST(a_program_that_becomes_a_supervisor_is_removed_and_added)
{
	load("[program:x]\ncommand = true\n",
	    "[supervisor:x]\nchildren = y\n[program:y]\ncommand = true\n");
	ck_assert_int_eq(compare(), 0);
	ck_assert_uint_lt(position("x", DIFF_REMOVE), position("x", DIFF_ADD));
	ck_assert(!DF.v[position("x", DIFF_REMOVE)].is_sup);
	ck_assert(DF.v[position("x", DIFF_ADD)].is_sup);
}
END_TEST

static void
expect_refused(const char *old, const char *nw, const char *key)
{
	size_t i;
	bool named = false;

	load(old, nw);
	errno = 0;
	ck_assert_int_eq(compare(), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_uint_ge(D.n, 1);
	for (i = 0; i < D.n; i++)
		if (strstr(D.v[i].msg, key) != NULL &&
		    strstr(D.v[i].msg, "needs a restart of tend") != NULL)
			named = true;
	ck_assert_msg(named, "no diagnostic names %s: %s", key, D.v[0].msg);
	ck_assert_uint_eq(DF.n, 0);
}

START_TEST(tend_keys_that_need_a_restart_are_refused)
{
	expect_refused("[tend]\nsocket = /a\n[program:p]\ncommand = true\n",
	    "[tend]\nsocket = /b\n[program:p]\ncommand = true\n", "socket");
	expect_refused("[program:p]\ncommand = true\n",
	    "[tend]\nsocket_group = root\n[program:p]\ncommand = true\n",
	    "socket_group");
	expect_refused("[tend]\ncgroups = auto\n[program:p]\ncommand = true\n",
	    "[tend]\ncgroups = no\n[program:p]\ncommand = true\n", "cgroups");
}
END_TEST

START_TEST(log_keys_and_shutdown_grace_change_in_place)
{
	load("[program:p]\ncommand = true\n",
	    "[tend]\nlog_keep = 2\nshutdown_grace = 1s\n"
	    "[program:p]\ncommand = true\n");
	ck_assert_int_eq(compare(), 0);
	ck_assert(DF.tend_changed);
	ck_assert(diff_changes(&DF));
	ck_assert_int_eq(item("p")->kind, DIFF_UNCHANGED);
}
END_TEST

START_TEST(every_kind_has_a_name)
{
	ck_assert_str_eq(diff_kind_name(DIFF_ADD), "started");
	ck_assert_str_eq(diff_kind_name(DIFF_REMOVE), "stopped");
	ck_assert_str_eq(diff_kind_name(DIFF_RESTART), "restarted");
	ck_assert_str_eq(diff_kind_name(DIFF_UPDATE), "updated in place");
	ck_assert_str_eq(diff_kind_name(DIFF_MOVE), "moved");
	ck_assert_str_eq(diff_kind_name(DIFF_UNCHANGED), "unchanged");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("diff");
	TCase *tc = tcase_create("diff");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, a_file_written_otherwise_changes_nothing);
	tcase_add_test(tc, a_new_command_restarts_that_program_alone);
	tcase_add_test(tc, a_new_directory_restarts_it);
	tcase_add_test(tc, a_new_user_or_group_restarts_it);
	tcase_add_test(tc, a_new_umask_restarts_it);
	tcase_add_test(tc, a_new_environment_restarts_it);
	tcase_add_test(tc, new_output_modes_restart_it);
	tcase_add_test(tc, output_defaults_written_out_change_nothing);
	tcase_add_test(tc, process_keys_of_the_extra_part_restart_it);
	tcase_add_test(tc, a_new_ready_mode_restarts_it);
	tcase_add_test(tc, new_listen_addresses_restart_it_and_say_so);
	tcase_add_test(tc, supervision_keys_of_a_program_change_in_place);
	tcase_add_test(tc, significant_changes_in_place);
	tcase_add_test(
	    tc, readiness_health_watchdog_and_handover_change_in_place);
	tcase_add_test(tc, cgroup_limits_are_written_live);
	tcase_add_test(tc, a_process_key_wins_over_in_place_keys);
	tcase_add_test(tc, supervisor_keys_change_in_place);
	tcase_add_test(tc, the_roots_keys_change_in_place);
	tcase_add_test(tc, a_new_children_order_changes_in_place);
	tcase_add_test(tc, added_nodes_come_in_start_order);
	tcase_add_test(
	    tc, removed_nodes_come_first_children_first_in_reverse_order);
	tcase_add_test(tc, a_node_under_another_parent_is_moved);
	tcase_add_test(tc, children_of_a_moved_supervisor_move_with_it);
	tcase_add_test(tc, a_rename_is_a_removal_and_an_addition);
	tcase_add_test(
	    tc, a_program_that_becomes_a_supervisor_is_removed_and_added);
	tcase_add_test(tc, tend_keys_that_need_a_restart_are_refused);
	tcase_add_test(tc, log_keys_and_shutdown_grace_change_in_place);
	tcase_add_test(tc, every_kind_has_a_name);
	suite_add_tcase(s, tc);
	return unit_main(s);
}
