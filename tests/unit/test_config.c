/*
 * test_config.c: the configuration reader (config.c): values, sections,
 * the tree, diagnostics with their lines, and input that must not crash.
 */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "unit.h"

static struct config cfg;
static struct diags d;
static int r;

static int
parse_n(const char *text, size_t len)
{
	char *copy = malloc(len + 1);
	FILE *fp;

	ck_assert_ptr_nonnull(copy);
	memcpy(copy, text, len);
	fp = len > 0 ? fmemopen(copy, len, "r") : fopen("/dev/null", "re");
	ck_assert_ptr_nonnull(fp);
	config_free(&cfg);
	diags_free(&d);
	r = config_parse(fp, "test.conf", &cfg, &d);
	fclose(fp);
	free(copy);
	return r;
}

static int
parse(const char *text)
{
	return parse_n(text, strlen(text));
}

static void
teardown(void)
{
	config_free(&cfg);
	diags_free(&d);
}

/* Every diagnostic, one a line, for failure messages. */
static const char *
all(void)
{
	static char buf[8192];
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < d.n && off < sizeof(buf) - 1; i++) {
		int n = snprintf(buf + off, sizeof(buf) - off, "%d: %s\n",
		    d.v[i].line, d.v[i].msg);

		if (n < 0)
			break;
		off += (size_t)n;
	}
	return buf;
}

static bool
has(int line, const char *text)
{
	for (size_t i = 0; i < d.n; i++)
		if (d.v[i].line == line && strstr(d.v[i].msg, text) != NULL)
			return true;
	return false;
}

static size_t
count(const char *text)
{
	size_t n = 0;

	for (size_t i = 0; i < d.n; i++)
		if (strstr(d.v[i].msg, text) != NULL)
			n++;
	return n;
}

#define VALID()                                                                \
	ck_assert_msg(r == 0 && d.n == 0, "expected valid, got:\n%s", all())
#define ERROR(line, text)                                                      \
	ck_assert_msg(r == -1 && has((line), (text)),                          \
	    "expected line %d: %s\ngot:\n%s", (line), (text), all())

static const struct prog_conf *
prog(const char *name)
{
	long i = config_find_prog(&cfg, name);

	ck_assert_msg(i >= 0, "no program %s", name);
	return &cfg.progs[i];
}

static const struct sup_conf *
sup(const char *name)
{
	long i = config_find_sup(&cfg, name);

	ck_assert_msg(i >= 0, "no supervisor %s", name);
	return &cfg.sups[i];
}

/* The name of the k-th child of s. */
static const char *
kid(const struct sup_conf *s, size_t k)
{
	ck_assert_uint_lt(k, s->nkids);
	if (s->kids[k].is_sup)
		return cfg.sups[s->kids[k].index].name;
	return cfg.progs[s->kids[k].index].name;
}

/* ---- defaults ---- */

START_TEST(program_defaults_follow_the_contract)
{
	const struct prog_conf *p;

	parse("[program:a]\ncommand = /bin/true\n");
	VALID();
	p = prog("a");
	ck_assert_int_eq(p->line, 1);
	ck_assert(p->autostart);
	ck_assert_int_eq(p->restart, RESTART_PERMANENT);
	ck_assert_int_eq(p->shutdown_ms, 5000);
	ck_assert_int_eq(p->stop_signal, SIGTERM);
	ck_assert(!p->significant);
	ck_assert_int_eq(p->out, OUT_DEFAULT);
	ck_assert_int_eq(p->err, OUT_DEFAULT);
	ck_assert_int_eq(p->ready, READY_START);
	ck_assert_int_eq(prog_extra(p)->start_timeout_ms, 30000);
	ck_assert_int_eq(p->min_uptime_ms, 10000);
	ck_assert_int_eq(prog_extra(p)->health, HEALTH_NONE);
	ck_assert_int_eq(prog_extra(p)->health_interval_ms, 10000);
	ck_assert_int_eq(prog_extra(p)->health_timeout_ms, 5000);
	ck_assert_uint_eq(prog_extra(p)->health_retries, 3);
	ck_assert_int_eq(p->umask, -1);
	ck_assert_int_eq(p->backoff_min_ms, 0);
	ck_assert_int_eq(p->backoff_max_ms, 0);
	ck_assert_int_eq(prog_extra(p)->lim.memory_max, -1);
	ck_assert_int_eq(prog_extra(p)->lim.pids_max, -1);
	ck_assert(
	    !prog_extra(p)->has_nice && !prog_extra(p)->has_oom_score_adj);
	ck_assert(!prog_extra(p)->has_limit[LIMIT_NOFILE]);
	ck_assert_ptr_null(p->directory);
	ck_assert_ptr_null(p->user);
	ck_assert_ptr_null(p->env);
	/* the rarely set keys' defaults are shared, not carried */
	ck_assert_ptr_null(p->extra);
}
END_TEST

START_TEST(only_a_program_that_sets_a_rare_key_carries_its_own_extra)
{
	parse("[program:a]\ncommand = x\nnice = 5\n"
	      "[program:b]\ncommand = x\nready = start\n"
	      "[program:c]\ncommand = x\nlimit_core = 0\n"
	      "[program:d]\ncommand = x\n");
	VALID();
	ck_assert_ptr_nonnull(prog("a")->extra);
	ck_assert_int_eq(prog_extra(prog("a"))->nice, 5);
	/* its other extra keys keep their defaults */
	ck_assert_int_eq(prog_extra(prog("a"))->health_retries, 3);
	ck_assert_int_eq(prog_extra(prog("a"))->lim.memory_max, -1);
	ck_assert(!prog_extra(prog("a"))->has_limit[LIMIT_CORE]);
	ck_assert_ptr_null(prog("b")->extra);
	ck_assert(prog_extra(prog("c"))->has_limit[LIMIT_CORE]);
	ck_assert(!prog_extra(prog("c"))->has_nice);
	ck_assert_ptr_eq(prog_extra(prog("b")), prog_extra(prog("d")));
}
END_TEST

START_TEST(implicit_root_is_a_default_supervisor_at_line_0)
{
	const struct sup_conf *root;

	parse("[program:a]\ncommand = a\n");
	VALID();
	ck_assert_uint_eq(cfg.nsups, 1);
	root = &cfg.sups[0];
	ck_assert_str_eq(root->name, "root");
	ck_assert_int_eq(root->line, 0);
	ck_assert_int_eq(root->strategy, STRATEGY_ONE_FOR_ONE);
	ck_assert_int_eq(root->intensity, 5);
	ck_assert_int_eq(root->period_ms, 10000);
	ck_assert_int_eq(root->shutdown_ms, CONFIG_INFINITY);
	ck_assert_int_eq(root->auto_shutdown, AUTO_SHUTDOWN_NEVER);
	ck_assert_uint_eq(root->nkids, 1);
	ck_assert_str_eq(kid(root, 0), "a");
}
END_TEST

START_TEST(tend_defaults_follow_the_contract)
{
	parse("");
	VALID();
	ck_assert_int_eq(cfg.tend.log_max_size, 10 << 20);
	ck_assert_uint_eq(cfg.tend.log_keep, 5);
	ck_assert_int_eq(cfg.tend.log_ring, 64 << 10);
	ck_assert_int_eq(cfg.tend.shutdown_grace_ms, 5000);
	ck_assert_int_eq(cfg.tend.cgroups, CGROUPS_AUTO);
	ck_assert_ptr_null(cfg.tend.socket);
	ck_assert_uint_eq(cfg.nprogs, 0);
	ck_assert_uint_eq(cfg.nsups, 1);
}
END_TEST

START_TEST(supervisor_defaults_follow_the_contract)
{
	const struct sup_conf *s;

	parse("[supervisor:s]\n");
	VALID();
	s = sup("s");
	ck_assert_int_eq(s->strategy, STRATEGY_ONE_FOR_ONE);
	ck_assert_int_eq(s->intensity, 5);
	ck_assert_int_eq(s->period_ms, 10000);
	ck_assert_int_eq(s->restart, RESTART_PERMANENT);
	ck_assert_int_eq(s->shutdown_ms, CONFIG_INFINITY);
	ck_assert(!s->significant);
	ck_assert_int_eq(s->auto_shutdown, AUTO_SHUTDOWN_NEVER);
	ck_assert_uint_eq(s->parent, 0);
}
END_TEST

/* ---- a whole file ---- */

START_TEST(full_example_file_loads_with_every_value)
{
	char path[4096];
	const char *dir = getenv("TEND_TEST_DATA");
	const struct prog_conf *db, *cache;
	const struct sup_conf *root, *backend;

	snprintf(path, sizeof(path), "%s/config-full.conf",
	    dir != NULL ? dir : "tests/data");
	r = config_load(path, &cfg, &d);
	VALID();
	ck_assert_int_eq(cfg.tend.shutdown_grace_ms, 2000);
	root = &cfg.sups[0];
	ck_assert_int_eq(root->line, 7);
	ck_assert_int_eq(root->strategy, STRATEGY_ONE_FOR_ALL);
	ck_assert_int_eq(root->period_ms, 60000);
	ck_assert_int_eq(root->auto_shutdown, AUTO_SHUTDOWN_ANY);
	backend = sup("backend");
	ck_assert_int_eq(backend->intensity, CONFIG_INFINITY);
	ck_assert_int_eq(backend->shutdown_ms, CONFIG_BRUTAL_KILL);
	ck_assert_int_eq(backend->restart, RESTART_TRANSIENT);
	db = prog("db");
	ck_assert_uint_eq(db->argc, 4);
	ck_assert_str_eq(db->argv[1], "quoted arg");
	ck_assert_str_eq(db->argv[2], "double \"q\"");
	ck_assert_str_eq(db->argv[3], "back slash");
	ck_assert_str_eq(db->directory, "/var/lib/db");
	ck_assert_str_eq(db->user, "postgres");
	ck_assert_int_eq(db->user_line, 25);
	ck_assert_str_eq(db->group, "70");
	ck_assert_int_eq(db->group_line, 26);
	ck_assert_int_eq(db->umask, 027);
	ck_assert_uint_eq(db->envc, 3);
	ck_assert_str_eq(db->env[1], "LANG=C.UTF-8");
	ck_assert_str_eq(db->env[2], "EMPTY=");
	ck_assert(!db->autostart);
	ck_assert_int_eq(db->stop_signal, SIGINT);
	ck_assert_int_eq(db->backoff_min_ms, 100);
	ck_assert_int_eq(db->backoff_max_ms, 30000);
	ck_assert_int_eq(db->min_uptime_ms, 0);
	ck_assert_int_eq(prog_extra(db)->nice, -5);
	ck_assert_int_eq(prog_extra(db)->oom_score_adj, -1000);
	ck_assert(prog_extra(db)->limit[LIMIT_NOFILE] == 65536);
	ck_assert(prog_extra(db)->limit[LIMIT_CORE] == CONFIG_RLIM_INFINITY);
	ck_assert(prog_extra(db)->has_limit[LIMIT_NPROC] &&
	          prog_extra(db)->limit[LIMIT_NPROC] == 0);
	cache = prog("cache");
	ck_assert_uint_eq(cache->argc, 5);
	ck_assert_str_eq(cache->argv[2], "6379");
	ck_assert_str_eq(cache->argv[4], "");
	ck_assert_int_eq(cache->shutdown_ms, 0);
	ck_assert_int_eq(prog("web")->shutdown_ms, CONFIG_INFINITY);
	ck_assert_str_eq(prog("cron")->argv[0], "/usr/sbin/cron");
}
END_TEST

START_TEST(full_example_file_has_the_tree_of_its_children_lists)
{
	char path[4096];
	const char *dir = getenv("TEND_TEST_DATA");
	const struct sup_conf *root, *backend;

	snprintf(path, sizeof(path), "%s/config-full.conf",
	    dir != NULL ? dir : "tests/data");
	r = config_load(path, &cfg, &d);
	VALID();
	root = &cfg.sups[0];
	ck_assert_uint_eq(root->nkids, 3);
	ck_assert_str_eq(kid(root, 0), "backend");
	ck_assert_str_eq(kid(root, 1), "web");
	ck_assert_str_eq(kid(root, 2), "cron");
	backend = sup("backend");
	ck_assert_uint_eq(backend->nkids, 2);
	ck_assert_str_eq(kid(backend, 0), "db");
	ck_assert_str_eq(kid(backend, 1), "cache");
	ck_assert_uint_eq(
	    prog("cache")->parent, (size_t)config_find_sup(&cfg, "backend"));
	ck_assert_uint_eq(prog("cache")->position, 1);
	ck_assert_uint_eq(prog("cron")->parent, 0);
	ck_assert_uint_eq(prog("cron")->position, 2);
}
END_TEST

START_TEST(missing_file_is_a_line_0_diagnostic)
{
	r = config_load("/nonexistent/tend.conf", &cfg, &d);
	ck_assert_int_eq(r, -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_uint_eq(d.n, 1);
	ck_assert_int_eq(d.v[0].line, 0);
	ck_assert_str_eq(d.v[0].file, "/nonexistent/tend.conf");
	ck_assert_ptr_nonnull(strstr(d.v[0].msg, "No such file"));
}
END_TEST

START_TEST(diagnostics_carry_the_file_name)
{
	parse("[bogus]\n");
	ck_assert_int_eq(r, -1);
	ck_assert_uint_eq(d.n, 1);
	ck_assert_str_eq(d.v[0].file, "test.conf");
	ck_assert_int_eq(d.v[0].line, 1);
}
END_TEST

/* ---- sections ---- */

START_TEST(unknown_section_kinds_are_errors_at_their_line)
{
	parse("[foo]\n[tend:x]\n[programs:a]\n[ program:a]\n");
	ERROR(1, "unknown section [foo]");
	ERROR(2, "unknown section [tend:x]");
	ERROR(3, "unknown section [programs:a]");
	ERROR(4, "unknown section [ program:a]");
}
END_TEST

START_TEST(section_without_name_is_an_error)
{
	parse("[program:]\ncommand = x\n[supervisor]\n");
	ERROR(1, "[program:]: missing name");
	ERROR(3, "[supervisor]: missing name");
	ck_assert_uint_eq(cfg.nprogs, 0);
}
END_TEST

START_TEST(invalid_names_are_errors)
{
	parse("[program:.x]\ncommand = x\n[program:a b]\ncommand = x\n"
	      "[supervisor:a/b]\n");
	ERROR(1, "invalid name \".x\"");
	ERROR(3, "invalid name \"a b\"");
	ERROR(5, "invalid name \"a/b\"");
}
END_TEST

START_TEST(root_is_reserved_for_the_root_supervisor_and_all_always)
{
	parse("[program:root]\ncommand = x\n[program:all]\ncommand = x\n"
	      "[supervisor:all]\n[supervisor:root]\n");
	ERROR(1, "[program:root]: \"root\" is a reserved name");
	ERROR(3, "[program:all]: \"all\" is a reserved name");
	ERROR(5, "[supervisor:all]: \"all\" is a reserved name");
	ck_assert_uint_eq(d.n, 3);
}
END_TEST

START_TEST(section_given_twice_is_an_error_at_the_second)
{
	parse("[program:a]\ncommand = x\n[program:a]\ncommand = y\n"
	      "[supervisor:root]\n[supervisor:root]\n[tend]\n[tend]\n");
	ERROR(3, "[program:a] given twice (first at line 1)");
	ERROR(6, "[supervisor:root] given twice (first at line 5)");
	ERROR(8, "[tend] given twice (first at line 7)");
	ck_assert_uint_eq(cfg.nprogs, 1);
	ck_assert_str_eq(cfg.progs[0].argv[0], "x");
}
END_TEST

START_TEST(keys_of_a_duplicate_section_are_still_checked)
{
	parse("[program:a]\ncommand = x\n[program:a]\ncommand = 'y\n"
	      "period = 1s\n");
	ERROR(3, "given twice");
	ERROR(4, "command: unterminated single quote");
	ERROR(5, "unknown key \"period\" in [program:a]");
}
END_TEST

START_TEST(program_and_supervisor_cannot_share_a_name)
{
	parse("[program:a]\ncommand = x\n[supervisor:a]\n");
	ERROR(3, "the name \"a\" is taken by [program:a] at line 1");
}
END_TEST

START_TEST(section_names_longer_than_inih_keeps_are_whole)
{
	char name[65], text[256];
	const struct prog_conf *p;

	memset(name, 'n', 64);
	name[64] = '\0';
	snprintf(text, sizeof(text), "[program:%s]\ncommand = x\n", name);
	parse(text);
	VALID();
	p = prog(name);
	ck_assert_str_eq(p->name, name);
}
END_TEST

START_TEST(text_after_the_bracket_is_an_error_unless_a_comment)
{
	parse(
	    "[program:a] ; fine\ncommand = x\n[program:b] junk\ncommand = x\n");
	ck_assert_msg(!has(1, "after"), "%s", all());
	ERROR(3, "text after ']'");
}
END_TEST

START_TEST(section_header_without_bracket_is_an_error)
{
	parse("[program:a\ncommand = x\n");
	ERROR(1, "section header without ']'");
}
END_TEST

START_TEST(keys_before_any_section_are_errors)
{
	parse("command = x\n  continued\n[program:a]\ncommand = y\n");
	ERROR(1, "key \"command\" outside any section");
	ck_assert_uint_eq(d.n, 1);
	ck_assert_str_eq(prog("a")->argv[0], "y");
}
END_TEST

START_TEST(line_without_equals_is_an_error)
{
	parse("[program:a]\ncommand = x\njust words\n");
	ERROR(3, "expected KEY = VALUE");
}
END_TEST

START_TEST(colon_separates_like_equals)
{
	parse("[program:a]\ncommand: /bin/x a=b\n");
	VALID();
	ck_assert_str_eq(prog("a")->argv[1], "a=b");
}
END_TEST

START_TEST(byte_order_mark_is_skipped)
{
	parse("\xef\xbb\xbf[program:a]\ncommand = x\n");
	VALID();
}
END_TEST

/* ---- keys ---- */

START_TEST(unknown_key_names_the_key_and_the_section)
{
	parse("[program:a]\ncommand = x\ncolour = red\n[tend]\nsocket_mode = "
	      "1\n");
	ERROR(3, "unknown key \"colour\" in [program:a]");
	ERROR(5, "unknown key \"socket_mode\" in [tend]");
}
END_TEST

START_TEST(key_given_twice_is_an_error_at_the_second)
{
	parse("[program:a]\ncommand = x\nrestart = transient\n"
	      "restart = temporary\n");
	ERROR(4, "restart given twice in [program:a] (first at line 3)");
	ck_assert_int_eq(prog("a")->restart, RESTART_TRANSIENT);
}
END_TEST

START_TEST(listen_may_repeat)
{
	const struct prog_conf *p;

	parse("[program:a]\ncommand = x\nlisten = tcp:0.0.0.0:80\n"
	      "listen = unix:/run/a.sock\n");
	ck_assert_int_eq(r, 0);
	p = prog("a");
	ck_assert_uint_eq(prog_extra(p)->nlisten, 2);
	ck_assert_str_eq(prog_extra(p)->listen[1].addr, "unix:/run/a.sock");
	ck_assert_int_eq(prog_extra(p)->listen[1].line, 4);
}
END_TEST

START_TEST(listen_addresses_are_parsed_with_their_names)
{
	const struct listen_conf *l;
	static const unsigned char lo6[16] = {[15] = 1};

	parse("[program:a]\ncommand = x\nlisten = tcp:127.0.0.1:8080\n"
	      "listen = tcp6:[::1]:99;name=api\n"
	      "listen = unix:/run/a;b.sock;name=ctl\n"
	      "listen = tcp:*:80\nlisten = tcp:[::1]:81\n");
	ck_assert_msg(r == 0, "%s", all());
	l = prog_extra(prog("a"))->listen;
	ck_assert_int_eq(l[0].kind, LISTEN_TCP4);
	ck_assert_int_eq(l[0].port, 8080);
	ck_assert_mem_eq(l[0].ip, "\x7f\0\0\x01", 4);
	ck_assert_ptr_null(l[0].name);
	ck_assert_int_eq(l[1].kind, LISTEN_TCP6);
	ck_assert_mem_eq(l[1].ip, lo6, 16);
	ck_assert_int_eq(l[1].port, 99);
	ck_assert_str_eq(l[1].addr, "tcp6:[::1]:99");
	ck_assert_str_eq(l[1].name, "api");
	ck_assert_int_eq(l[2].kind, LISTEN_UNIX);
	ck_assert_str_eq(l[2].path, "/run/a;b.sock");
	ck_assert_str_eq(l[2].name, "ctl");
	ck_assert_mem_eq(l[3].ip, "\0\0\0\0", 4);
	ck_assert_int_eq(l[4].kind, LISTEN_TCP6);
}
END_TEST

START_TEST(bad_listen_addresses_say_what_is_wrong)
{
	parse("[program:a]\ncommand = x\nlisten = tcp6:127.0.0.1:80\n"
	      "listen = tcp:example.com:80\nlisten = tcp:1.2.3.4:0\n"
	      "listen = udp:1.2.3.4:5\nlisten = tcp:1.2.3.4:5;name=a:b\n");
	ERROR(3, "listen: invalid host");
	ERROR(4, "listen: invalid host");
	ERROR(5, "listen: invalid port");
	ERROR(6, "listen: invalid address");
	ERROR(7, "listen: invalid name");
}
END_TEST

START_TEST(empty_value_is_an_error)
{
	parse("[program:a]\ncommand = x\ndirectory =\nuser = ;comment\n");
	ERROR(3, "directory: empty value");
	ERROR(4, "user: empty value");
}
END_TEST

START_TEST(missing_key_name_is_an_error)
{
	parse("[program:a]\ncommand = x\n= value\n");
	ERROR(3, "missing key name");
}
END_TEST

START_TEST(missing_command_is_an_error_at_the_header)
{
	parse("[tend]\n\n[program:nocmd]\nrestart = transient\n");
	ERROR(3, "[program:nocmd]: missing command");
	ck_assert_uint_eq(d.n, 1);
}
END_TEST

START_TEST(root_rejects_restart_shutdown_and_significant)
{
	parse("[supervisor:root]\nrestart = transient\nshutdown = 5s\n"
	      "significant = yes\nstrategy = one_for_all\n");
	ERROR(2, "restart: not allowed in [supervisor:root]");
	ERROR(3, "shutdown: not allowed in [supervisor:root]");
	ERROR(4, "significant: not allowed in [supervisor:root]");
	ck_assert_uint_eq(d.n, 3);
	ck_assert_int_eq(cfg.sups[0].strategy, STRATEGY_ONE_FOR_ALL);
}
END_TEST

START_TEST(handover_takes_stop_first_or_start_first)
{
	parse("[tend]\nlog_keep = 3\n"
	      "[program:a]\ncommand = x\nhandover = whenever\n"
	      "watchdog = 2s\n"
	      "[program:b]\ncommand = x\nhandover = start_first\n");
	ERROR(5, "handover: invalid value \"whenever\" (stop_first or "
	         "start_first)");
	ck_assert_uint_eq(d.n, 1);
	ck_assert_int_eq(prog_extra(prog("a"))->watchdog_ms, 2000);
	ck_assert_int_eq(prog_extra(prog("b"))->handover, HANDOVER_START_FIRST);
}
END_TEST

START_TEST(every_key_of_the_contract_is_recognised)
{
	static const char *const tend_keys[] = {"socket", "socket_group",
	    "log_dir", "log_max_size", "log_keep", "log_ring", "shutdown_grace",
	    "cgroups"};
	static const char *const prog_keys[] = {"command", "directory", "user",
	    "group", "umask", "environment", "autostart", "restart", "shutdown",
	    "stop_signal", "significant", "stdout", "stderr", "ready",
	    "start_timeout", "backoff", "min_uptime", "health",
	    "health_interval", "health_timeout", "health_retries", "watchdog",
	    "listen", "handover", "memory_max", "memory_high", "cpu_max",
	    "cpu_weight", "pids_max", "nice", "oom_score_adj", "limit_nofile",
	    "limit_core", "limit_nproc", "limit_memlock"};
	static const char *const sup_keys[] = {"strategy", "intensity",
	    "period", "children", "restart", "shutdown", "significant",
	    "auto_shutdown", "memory_max", "memory_high", "cpu_max",
	    "cpu_weight", "pids_max"};
	char text[8192];
	size_t off = 0;

#define ADD(...)                                                               \
	off += (size_t)snprintf(text + off, sizeof(text) - off, __VA_ARGS__)
	ADD("[tend]\n");
	for (size_t i = 0; i < 8; i++)
		ADD("%s = ?\n", tend_keys[i]);
	ADD("[program:a]\n");
	for (size_t i = 0; i < sizeof(prog_keys) / sizeof(prog_keys[0]); i++)
		ADD("%s = ?\n", prog_keys[i]);
	ADD("[supervisor:s]\n");
	for (size_t i = 0; i < sizeof(sup_keys) / sizeof(sup_keys[0]); i++)
		ADD("%s = ?\n", sup_keys[i]);
#undef ADD
	parse(text);
	ck_assert_int_eq(r, -1);
	ck_assert_msg(count("unknown key") == 0, "%s", all());
}
END_TEST

/* ---- values ---- */

START_TEST(invalid_duration_names_the_key_and_the_value)
{
	parse("[supervisor:s]\nperiod = 7 fortnights\n");
	ERROR(2, "period: invalid duration \"7 fortnights\" (one whole number "
	         "with an optional unit ms, s, m or h, such as 90s or 250ms)");
	parse("[supervisor:s]\nperiod = 1m30s\n");
	ERROR(2, "period: invalid duration \"1m30s\" (one whole number");
}
END_TEST

START_TEST(period_must_be_more_than_zero)
{
	parse("[supervisor:s]\nperiod = 0\n");
	ERROR(2, "period: must be more than 0");
}
END_TEST

START_TEST(shutdown_takes_a_duration_brutal_kill_or_infinity)
{
	parse("[program:a]\ncommand = x\nshutdown = 0\n"
	      "[program:b]\ncommand = x\nshutdown = brutal_kill\n"
	      "[program:c]\ncommand = x\nshutdown = 250ms\n"
	      "[supervisor:s]\nshutdown = 2m\n"
	      "[program:e]\ncommand = x\nshutdown = soon\n");
	ERROR(14, "shutdown: invalid value \"soon\"");
	ck_assert_uint_eq(d.n, 1);
	ck_assert_int_eq(prog("a")->shutdown_ms, 0);
	ck_assert_int_eq(prog("b")->shutdown_ms, CONFIG_BRUTAL_KILL);
	ck_assert_int_eq(prog("c")->shutdown_ms, 250);
	ck_assert_int_eq(sup("s")->shutdown_ms, 120000);
}
END_TEST

START_TEST(intensity_is_a_number_or_infinity)
{
	parse("[supervisor:a]\nintensity = 0\n[supervisor:b]\nintensity = "
	      "infinity\n[supervisor:c]\nintensity = -1\n");
	ERROR(6, "intensity: invalid value \"-1\"");
	ck_assert_int_eq(sup("a")->intensity, 0);
	ck_assert_int_eq(sup("b")->intensity, CONFIG_INFINITY);
}
END_TEST

START_TEST(enums_list_their_values_when_wrong)
{
	parse("[supervisor:a]\nstrategy = one_for_none\n"
	      "auto_shutdown = sometimes\n");
	ERROR(2, "strategy: invalid value \"one_for_none\" (one_for_one, "
	         "one_for_all or rest_for_one)");
	ERROR(3, "auto_shutdown: invalid value \"sometimes\"");
}
END_TEST

START_TEST(booleans_and_signals_are_checked)
{
	parse("[program:a]\ncommand = x\nautostart = maybe\n"
	      "stop_signal = SIGFOO\n[program:b]\ncommand = x\n"
	      "autostart = off\nstop_signal = hup\n");
	ERROR(3, "autostart: invalid boolean \"maybe\"");
	ERROR(4, "stop_signal: unknown signal \"SIGFOO\"");
	ck_assert(!prog("b")->autostart);
	ck_assert_int_eq(prog("b")->stop_signal, SIGHUP);
}
END_TEST

START_TEST(umask_is_octal_up_to_0777)
{
	parse("[program:a]\ncommand = x\numask = 0027\n"
	      "[program:b]\ncommand = x\numask = 0\n"
	      "[program:c]\ncommand = x\numask = 8\n"
	      "[program:d]\ncommand = x\numask = 1000\n");
	ck_assert_int_eq(prog("a")->umask, 027);
	ck_assert_int_eq(prog("b")->umask, 0);
	ERROR(9, "umask: invalid umask \"8\"");
	ERROR(12, "umask: invalid umask \"1000\"");
}
END_TEST

START_TEST(directory_must_be_absolute)
{
	parse("[program:a]\ncommand = x\ndirectory = srv/a\n");
	ERROR(3, "directory: must be an absolute path, not \"srv/a\"");
}
END_TEST

START_TEST(environment_words_must_be_key_value)
{
	parse("[program:a]\ncommand = x\nenvironment = A=1 'B=two words' "
	      "NOEQ 1X=2 =3 _ok9=\n");
	ERROR(3, "environment: \"NOEQ\" is not KEY=VALUE");
	ERROR(3, "environment: invalid variable name in \"1X=2\"");
	ERROR(3, "environment: invalid variable name in \"=3\"");
	ck_assert_uint_eq(d.n, 3);
}
END_TEST

START_TEST(environment_values_keep_their_quoting)
{
	const struct prog_conf *p;

	parse("[program:a]\ncommand = x\nenvironment = A=1 'B=two words' "
	      "C=\"q\\\"q\" D=\n");
	VALID();
	p = prog("a");
	ck_assert_uint_eq(p->envc, 4);
	ck_assert_str_eq(p->env[1], "B=two words");
	ck_assert_str_eq(p->env[2], "C=q\"q");
	ck_assert_str_eq(p->env[3], "D=");
	ck_assert_ptr_null(p->env[4]);
}
END_TEST

START_TEST(backoff_is_min_dots_max_with_min_at_most_max)
{
	parse("[program:a]\ncommand = x\nbackoff = 1s..1s\n"
	      "[program:b]\ncommand = x\nbackoff = 2s..1s\n"
	      "[program:c]\ncommand = x\nbackoff = 0..1s\n"
	      "[program:d]\ncommand = x\nbackoff = 1s\n");
	ck_assert_int_eq(prog("a")->backoff_min_ms, 1000);
	ck_assert_int_eq(prog("a")->backoff_max_ms, 1000);
	ERROR(6, "backoff: MIN is more than MAX");
	ERROR(9, "backoff: must be more than 0");
	ERROR(12, "backoff: invalid value \"1s\" (MIN..MAX");
}
END_TEST

START_TEST(nice_and_oom_score_adj_have_kernel_ranges)
{
	parse("[program:a]\ncommand = x\nnice = 19\noom_score_adj = 1000\n"
	      "[program:b]\ncommand = x\nnice = -21\noom_score_adj = -1001\n");
	ck_assert(prog_extra(prog("a"))->has_nice);
	ck_assert_int_eq(prog_extra(prog("a"))->nice, 19);
	ck_assert_int_eq(prog_extra(prog("a"))->oom_score_adj, 1000);
	ERROR(7, "nice: must be a number from -20 to 19");
	ERROR(8, "oom_score_adj: must be a number from -1000 to 1000");
}
END_TEST

START_TEST(limits_are_numbers_or_infinity)
{
	parse(
	    "[program:a]\ncommand = x\nlimit_nofile = 1024\n"
	    "limit_memlock = infinity\nlimit_core = -1\nlimit_nproc = lots\n");
	ck_assert(prog_extra(prog("a"))->limit[LIMIT_NOFILE] == 1024);
	ck_assert(prog_extra(prog("a"))->limit[LIMIT_MEMLOCK] ==
	          CONFIG_RLIM_INFINITY);
	ERROR(5, "limit_core: invalid value \"-1\"");
	ERROR(6, "limit_nproc: invalid value \"lots\"");
}
END_TEST

START_TEST(every_ready_mode_is_read_with_its_argument)
{
	const struct prog_conf *p;

	parse("[program:a]\ncommand = x\nready = start\n"
	      "[program:b]\ncommand = x\nready = notify\n"
	      "[program:c]\ncommand = x\nready = fd:3\n"
	      "[program:d]\ncommand = x\nready = exec:check --now\n"
	      "[program:e]\ncommand = x\nready = tcp:8080\n");
	ck_assert_uint_eq(d.n, 0);
	ck_assert_int_eq(prog("b")->ready, READY_NOTIFY);
	p = prog("d");
	ck_assert_int_eq(p->ready, READY_EXEC);
	ck_assert_str_eq(prog_extra(p)->ready_argv[1], "--now");
	ck_assert_int_eq(prog_extra(prog("c"))->ready_fd, 3);
	ck_assert_int_eq(prog_extra(prog("e"))->ready_port, 8080);
}
END_TEST

START_TEST(ready_arguments_are_checked)
{
	parse("[program:a]\ncommand = x\nready = fd:2\n"
	      "[program:b]\ncommand = x\nready = tcp:0\n"
	      "[program:c]\ncommand = x\nready = exec:\n"
	      "[program:d]\ncommand = x\nready = when_ready\n");
	ERROR(3, "ready: invalid fd \"2\"");
	ERROR(6, "ready: invalid port \"0\"");
	ERROR(9, "ready: no command");
	ERROR(12, "ready: invalid value \"when_ready\"");
}
END_TEST

START_TEST(not_yet_supported_values_are_still_checked)
{
	parse("[program:a]\ncommand = x\nhealth = ping\nhealth_retries = 0\n"
	      "watchdog = 0\nlisten = tcp:80\nhandover = whenever\n"
	      "cpu_max = 0%\ncpu_weight = 10001\npids_max = 0\n"
	      "memory_high = lots\nlisten = unix:rel\nlisten = tcp:::1:80\n"
	      "stderr = file:rel\n[tend]\ncgroups = maybe\nlog_max_size = 0\n");
	ERROR(3, "health: invalid value \"ping\"");
	ERROR(4, "health_retries: must be a number from 1");
	ERROR(5, "watchdog: must be more than 0");
	ERROR(6, "listen: invalid address \"tcp:80\"");
	ERROR(7, "handover: invalid value \"whenever\"");
	ERROR(8, "cpu_max: invalid value \"0%\"");
	ERROR(9, "cpu_weight: must be a number from 1 to 10000");
	ERROR(10, "pids_max: invalid value \"0\"");
	ERROR(11, "memory_high: invalid value \"lots\"");
	ERROR(12, "listen: unix: needs an absolute path");
	ERROR(13, "listen: invalid host");
	ERROR(14, "stderr: file: needs an absolute path");
	ERROR(16, "cgroups: invalid value \"maybe\"");
	ERROR(17, "log_max_size: must be at least 1");
}
END_TEST

START_TEST(not_yet_supported_values_are_stored)
{
	const struct prog_conf *p;

	parse("[program:a]\ncommand = x\nhealth = tcp:80\ncpu_max = 150%\n"
	      "pids_max = max\nmemory_max = infinity\nstdout = file:/tmp/o\n"
	      "stderr = stdout\nlisten = tcp:[::1]:8080\nwatchdog = 3s\n");
	p = prog("a");
	ck_assert_int_eq(prog_extra(p)->health, HEALTH_TCP);
	ck_assert_int_eq(prog_extra(p)->health_port, 80);
	ck_assert_int_eq(prog_extra(p)->lim.cpu_quota_us, 150000);
	ck_assert_int_eq(prog_extra(p)->lim.cpu_period_us, 100000);
	ck_assert_int_eq(prog_extra(p)->lim.pids_max, INT64_MAX);
	ck_assert_int_eq(prog_extra(p)->lim.memory_max, INT64_MAX);
	ck_assert_int_eq(p->out, OUT_FILE);
	ck_assert_str_eq(p->out_path, "/tmp/o");
	ck_assert_int_eq(p->err, OUT_STDOUT);
	ck_assert_str_eq(prog_extra(p)->listen[0].addr, "tcp:[::1]:8080");
	ck_assert_int_eq(prog_extra(p)->watchdog_ms, 3000);
	/* stdout and stderr are supported since output capture landed, the
	 * cgroup limits since issue 18, listen since issue 16 */
	ck_assert_uint_eq(count("not supported yet"), 0);
	ck_assert_uint_eq(d.n, 0);
}
END_TEST

START_TEST(cgroup_limits_are_read_on_programs_and_supervisors)
{
	const struct cg_limits *p, *q, *g;

	parse("[supervisor:grp]\nchildren = p, q\nmemory_max = 256M\n"
	      "memory_high = 200M\ncpu_max = 150%\ncpu_weight = 50\n"
	      "pids_max = 200\n"
	      "[program:p]\ncommand = x\nmemory_max = 64M\ncpu_max = 50%\n"
	      "cpu_weight = 200\npids_max = 100\n"
	      "[program:q]\ncommand = x\ncpu_max = 25000/50000\n"
	      "cpu_weight = 10000\npids_max = 1\n");
	ck_assert_msg(r == 0, "%s", all());
	g = &sup("grp")->lim;
	p = &prog_extra(prog("p"))->lim;
	q = &prog_extra(prog("q"))->lim;
	ck_assert_int_eq(g->memory_max, INT64_C(256) << 20);
	ck_assert_int_eq(g->memory_high, INT64_C(200) << 20);
	ck_assert_int_eq(g->cpu_quota_us, 150000);
	ck_assert_int_eq(g->cpu_period_us, 100000);
	ck_assert_int_eq(g->cpu_weight, 50);
	ck_assert_int_eq(g->pids_max, 200);
	ck_assert_int_eq(p->memory_max, INT64_C(64) << 20);
	ck_assert_int_eq(p->memory_high, -1);
	ck_assert_int_eq(p->cpu_quota_us, 50000);
	ck_assert_int_eq(q->cpu_quota_us, 25000);
	ck_assert_int_eq(q->cpu_period_us, 50000);
	ck_assert_int_eq(q->cpu_weight, 10000);
	ck_assert_int_eq(q->memory_max, -1);
	ck_assert(cg_limits_any(g) && cg_limits_any(q));
	ck_assert(!cg_limits_any(&sup("root")->lim));
}
END_TEST

START_TEST(invalid_cgroup_limits_are_errors_at_their_lines)
{
	parse("[program:a]\ncommand = x\ncpu_max = 0%\nmemory_max = lots\n"
	      "pids_max = -1\ncpu_weight = 0\n"
	      "[supervisor:s]\ncpu_max = 100/100000\ncpu_weight = 10001\n"
	      "[program:b]\ncommand = x\ncpu_max = 50000/2000000\n"
	      "memory_high = 1X\ncpu_max = 5/\n"
	      "[program:c]\ncommand = x\ncpu_max = 4049149877457877084%\n");
	ERROR(3, "cpu_max: invalid value \"0%\"");
	ERROR(4, "memory_max: invalid value \"lots\"");
	ERROR(5, "pids_max: invalid value \"-1\"");
	ERROR(6, "cpu_weight: must be a number from 1 to 10000");
	ERROR(8, "cpu_max: invalid value \"100/100000\"");
	ERROR(9, "cpu_weight: must be a number from 1 to 10000");
	ERROR(12, "cpu_max: invalid value \"50000/2000000\"");
	ERROR(13, "memory_high: invalid value \"1X\"");
	ERROR(14, "cpu_max given twice");
	/* out of range, and no overflow computing its quota (fuzz_config) */
	ERROR(17, "cpu_max: invalid value \"4049149877457877084%\"");
	ck_assert_uint_eq(d.n, 10);
}
END_TEST

/* ---- command, quoting, comments and continuations ---- */

START_TEST(command_is_split_into_words)
{
	const struct prog_conf *p;

	parse("[program:a]\ncommand = sh -c 'exec \"$0\" a' x\\ y\n");
	VALID();
	p = prog("a");
	ck_assert_uint_eq(p->argc, 4);
	ck_assert_str_eq(p->argv[0], "sh");
	ck_assert_str_eq(p->argv[2], "exec \"$0\" a");
	ck_assert_str_eq(p->argv[3], "x y");
	ck_assert_ptr_null(p->argv[4]);
}
END_TEST

START_TEST(command_with_an_empty_program_name_is_an_error)
{
	parse("[program:a]\ncommand = '' x\n");
	ERROR(2, "command: the program name is empty");
}
END_TEST

START_TEST(unterminated_quote_is_an_error_at_its_line)
{
	parse("[program:a]\ncommand = sh -c 'echo\n");
	ERROR(2, "command: unterminated single quote");
	ck_assert_msg(!has(2, "note"), "%s", all());
	ck_assert(!has(1, "missing command"));
}
END_TEST

START_TEST(quote_cut_by_a_comment_says_why)
{
	parse("[program:a]\ncommand = sh -c 'a ; b'\n");
	ERROR(2, "command: unterminated single quote (note: ' ;' starts a "
	         "comment, even inside quotes)");
}
END_TEST

START_TEST(semicolon_without_space_before_is_not_a_comment)
{
	parse("[program:a]\ncommand = sh -c a;b\n");
	VALID();
	ck_assert_str_eq(prog("a")->argv[2], "a;b");
}
END_TEST

START_TEST(inline_comment_is_cut_from_the_value)
{
	parse("[program:a]\ncommand = /bin/x   ; run x\nrestart = "
	      "transient\t;why\n");
	VALID();
	ck_assert_uint_eq(prog("a")->argc, 1);
	ck_assert_int_eq(prog("a")->restart, RESTART_TRANSIENT);
}
END_TEST

START_TEST(continuation_lines_join_with_one_space)
{
	const struct prog_conf *p;

	parse("[program:a]\ncommand = /bin/x\n    --one\n\n\t--two   \n"
	      "restart = transient\n");
	VALID();
	p = prog("a");
	ck_assert_uint_eq(p->argc, 3);
	ck_assert_str_eq(p->argv[1], "--one");
	ck_assert_str_eq(p->argv[2], "--two");
}
END_TEST

START_TEST(continuation_continues_a_quoted_word)
{
	parse("[program:a]\ncommand = sh -c 'a\n  b'\n");
	VALID();
	ck_assert_str_eq(prog("a")->argv[2], "a b");
}
END_TEST

START_TEST(continuation_of_an_empty_value_is_the_value)
{
	parse("[program:a]\ncommand =\n  /bin/x y\n");
	VALID();
	ck_assert_str_eq(prog("a")->argv[0], "/bin/x");
}
END_TEST

START_TEST(continuation_comment_is_cut_too)
{
	parse("[program:a]\ncommand = /bin/x\n  --y ; comment\n");
	VALID();
	ck_assert_uint_eq(prog("a")->argc, 2);
}
END_TEST

START_TEST(indented_comment_is_not_a_continuation)
{
	parse(
	    "[program:a]\ncommand = /bin/x\n  ; --not-an-arg\n  # nor this\n");
	VALID();
	ck_assert_uint_eq(prog("a")->argc, 1);
}
END_TEST

START_TEST(indented_line_after_a_header_is_a_key)
{
	parse("[program:a]\n   command = /bin/x\n");
	VALID();
	ck_assert_str_eq(prog("a")->argv[0], "/bin/x");
}
END_TEST

START_TEST(continued_value_is_checked_whole_at_the_key_line)
{
	parse("[supervisor:s]\nperiod = 1\n  s\n[program:a]\ncommand = x\n"
	      "environment = A=1\n  B\n");
	ERROR(2, "period: invalid duration \"1 s\"");
	ERROR(6, "environment: \"B\" is not KEY=VALUE");
}
END_TEST

START_TEST(continuation_is_not_a_duplicate_key)
{
	parse("[program:a]\ncommand = x\n  y\n  z\n");
	VALID();
	ck_assert_uint_eq(prog("a")->argc, 3);
}
END_TEST

/* A command of n bytes: "/bin/echo " then words of 9 x's. */
static char *
long_command(size_t n)
{
	char *s = malloc(n + 1);

	ck_assert_ptr_nonnull(s);
	memcpy(s, "/bin/echo ", 10);
	for (size_t i = 10; i < n; i++)
		s[i] = (i - 10) % 10 == 9 ? ' ' : 'x';
	s[n] = '\0';
	return s;
}

START_TEST(long_command_line_parses_exactly)
{
	char *cmd = long_command(5000), *text = malloc(6000);
	const struct prog_conf *p;

	ck_assert_ptr_nonnull(text);
	snprintf(text, 6000,
	    "[program:a]\ncommand =  %s  ; comment\n"
	    "restart = transient\nbogus = 1\n",
	    cmd);
	parse(text);
	ERROR(4, "unknown key \"bogus\"");
	ck_assert_uint_eq(d.n, 1);
	p = prog("a");
	ck_assert_uint_eq(p->argc, 1 + 499);
	ck_assert_str_eq(p->argv[499], "xxxxxxxxx");
	ck_assert_int_eq(p->restart, RESTART_TRANSIENT);
	free(cmd);
	free(text);
}
END_TEST

START_TEST(long_continuation_line_joins_exactly)
{
	char *cmd = long_command(3000), *text = malloc(4000);

	ck_assert_ptr_nonnull(text);
	snprintf(text, 4000, "[program:a]\ncommand = /bin/x\n   %s ; c\n", cmd);
	parse(text);
	VALID();
	ck_assert_uint_eq(prog("a")->argc, 2 + 299);
	ck_assert_str_eq(prog("a")->argv[1], "/bin/echo");
	free(cmd);
	free(text);
}
END_TEST

START_TEST(long_quote_cut_by_a_comment_says_why)
{
	char *cmd = long_command(500), *text = malloc(1000);

	snprintf(text, 1000, "[program:a]\ncommand = sh -c '%s ; b'\n", cmd);
	parse(text);
	ERROR(2, "unterminated single quote (note: ' ;' starts a comment");
	free(cmd);
	free(text);
}
END_TEST

START_TEST(long_lines_of_every_kind_keep_their_line_numbers)
{
	char pad[400], text[4096];

	memset(pad, ' ', sizeof(pad) - 1);
	pad[sizeof(pad) - 1] = '\0';
	snprintf(text, sizeof(text),
	    "%s; a long comment\n"    /* 1 */
	    "[program:a]%s\n"         /* 2 */
	    "command = x%s\n"         /* 3 */
	    "%sbogus line\n"          /* 4: a continuation */
	    "[program:%s]\n"          /* 5 */
	    "%sno equals sign here\n" /* 6 */
	    "%scolour = red\n",       /* 7 */
	    pad, pad, pad, pad, "b", pad, pad);
	parse(text);
	ERROR(5, "[program:b]: missing command");
	ERROR(6, "expected KEY = VALUE");
	ERROR(7, "unknown key \"colour\"");
	ck_assert_uint_eq(d.n, 3);
	ck_assert_uint_eq(prog("a")->argc, 3);
	ck_assert_str_eq(prog("a")->argv[1], "bogus");
}
END_TEST

START_TEST(long_section_and_key_names_are_errors_not_crashes)
{
	char name[300], text[1024];

	memset(name, 'k', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	snprintf(text, sizeof(text),
	    "[program:%s]\ncommand = x\n"
	    "[program:a]\ncommand = x\n%s = 1\n",
	    name, name);
	parse(text);
	ERROR(1, "invalid name");
	ERROR(5, "unknown key \"kkkk");
	ck_assert_uint_eq(d.n, 2);
}
END_TEST

/* ---- the tree ---- */

START_TEST(root_takes_unlisted_nodes_after_its_own_list_in_file_order)
{
	const struct sup_conf *root;

	parse("[program:p1]\ncommand = x\n[supervisor:s1]\n"
	      "[program:p2]\ncommand = x\n[supervisor:root]\nchildren = p2\n"
	      "[supervisor:s2]\n");
	VALID();
	root = &cfg.sups[0];
	ck_assert_uint_eq(root->nkids, 4);
	ck_assert_str_eq(kid(root, 0), "p2");
	ck_assert_str_eq(kid(root, 1), "p1");
	ck_assert_str_eq(kid(root, 2), "s1");
	ck_assert_str_eq(kid(root, 3), "s2");
	ck_assert_uint_eq(prog("p1")->position, 1);
	ck_assert_uint_eq(sup("s2")->position, 3);
}
END_TEST

START_TEST(children_lists_take_commas_and_white_space)
{
	const struct sup_conf *s;

	parse("[supervisor:s]\nchildren = a,b , c\td,,\n[program:a]\ncommand = "
	      "x\n"
	      "[program:b]\ncommand = x\n[program:c]\ncommand = x\n"
	      "[program:d]\ncommand = x\n");
	VALID();
	s = sup("s");
	ck_assert_uint_eq(s->nkids, 4);
	ck_assert_str_eq(kid(s, 0), "a");
	ck_assert_str_eq(kid(s, 3), "d");
	ck_assert_uint_eq(
	    prog("c")->parent, (size_t)config_find_sup(&cfg, "s"));
	ck_assert_uint_eq(prog("c")->position, 2);
	ck_assert_uint_eq(cfg.sups[0].nkids, 1);
}
END_TEST

START_TEST(children_list_may_span_continuation_lines)
{
	parse("[supervisor:s]\nchildren = a\n  b\n[program:a]\ncommand = x\n"
	      "[program:b]\ncommand = x\n");
	VALID();
	ck_assert_uint_eq(sup("s")->nkids, 2);
}
END_TEST

START_TEST(nested_supervisors_resolve_their_parents)
{
	const struct sup_conf *outer, *inner;

	parse("[supervisor:outer]\nchildren = inner\n"
	      "[supervisor:inner]\nchildren = leaf\n"
	      "[program:leaf]\ncommand = x\n");
	VALID();
	outer = sup("outer");
	inner = sup("inner");
	ck_assert_uint_eq(outer->parent, 0);
	ck_assert_uint_eq(
	    inner->parent, (size_t)config_find_sup(&cfg, "outer"));
	ck_assert_uint_eq(
	    prog("leaf")->parent, (size_t)config_find_sup(&cfg, "inner"));
	ck_assert_uint_eq(cfg.sups[0].nkids, 1);
}
END_TEST

START_TEST(unknown_child_is_an_error_naming_it)
{
	parse(
	    "[supervisor:s]\nchildren = ghost, a\n[program:a]\ncommand = x\n");
	ERROR(2, "children: unknown program or supervisor \"ghost\"");
	ck_assert_uint_eq(d.n, 1);
	ck_assert_uint_eq(sup("s")->nkids, 1);
}
END_TEST

START_TEST(name_listed_twice_is_an_error_at_the_second_list)
{
	parse("[supervisor:s]\nchildren = a\n[supervisor:t]\nchildren = a\n"
	      "[program:a]\ncommand = x\n[supervisor:u]\nchildren = u2 u2\n"
	      "[supervisor:u2]\n");
	ERROR(4, "children: \"a\" already listed by [supervisor:s] at line 2");
	ERROR(8, "children: \"u2\" listed twice");
	ck_assert_uint_eq(d.n, 2);
	ck_assert_uint_eq(
	    prog("a")->parent, (size_t)config_find_sup(&cfg, "s"));
}
END_TEST

START_TEST(listing_the_root_or_itself_is_an_error)
{
	parse("[supervisor:s]\nchildren = root s\n");
	ERROR(2, "children: \"root\" is the root");
	ERROR(2, "children: supervisor \"s\" lists itself");
}
END_TEST

START_TEST(two_supervisors_listing_each_other_form_a_cycle)
{
	parse("[supervisor:x]\nchildren = y\n[supervisor:y]\nchildren = x\n");
	ERROR(2, "supervisors x and y form a cycle");
	ERROR(4, "supervisors x and y form a cycle");
	ck_assert_uint_eq(d.n, 2);
}
END_TEST

START_TEST(longer_cycle_is_named_in_listing_order)
{
	parse("[supervisor:a]\nchildren = b\n[supervisor:c]\nchildren = a\n"
	      "[supervisor:b]\nchildren = c, p\n[program:p]\ncommand = x\n");
	ERROR(2, "supervisors a, b and c form a cycle");
	ERROR(4, "supervisors a, b and c form a cycle");
	ERROR(6, "supervisors a, b and c form a cycle");
	ck_assert_uint_eq(d.n, 3);
}
END_TEST

START_TEST(significant_needs_a_transient_child_under_auto_shutdown)
{
	parse(
	    "[supervisor:root]\nauto_shutdown = any_significant\n"
	    "[program:a]\ncommand = x\nrestart = transient\nsignificant = yes\n"
	    "[program:b]\ncommand = x\nsignificant = yes\n"
	    "[supervisor:s]\nchildren = c\n"
	    "[program:c]\ncommand = x\nrestart = temporary\nsignificant = "
	    "true\n");
	ERROR(9, "significant: program b is permanent");
	ERROR(15, "significant: supervisor s, its parent, has auto_shutdown = "
	          "never");
	ck_assert_uint_eq(d.n, 2);
	ck_assert(prog("a")->significant);
}
END_TEST

START_TEST(significant_supervisor_is_checked_like_a_program)
{
	parse("[supervisor:s]\nsignificant = yes\n");
	ERROR(2, "significant: supervisor s is permanent");
	ERROR(2, "auto_shutdown = never");
}
END_TEST

START_TEST(config_find_looks_up_both_kinds)
{
	struct child_ref ref;

	parse("[program:a]\ncommand = x\n[supervisor:s]\n");
	VALID();
	ck_assert_int_eq(config_find_prog(&cfg, "a"), 0);
	ck_assert_int_eq(config_find_prog(&cfg, "s"), -1);
	ck_assert_int_eq(config_find_sup(&cfg, "s"), 1);
	ck_assert_int_eq(config_find_sup(&cfg, "root"), 0);
	ck_assert_int_eq(config_find_sup(&cfg, "a"), -1);
	ck_assert_int_eq(config_find_prog(&cfg, "nope"), -1);
	ck_assert(config_find(&cfg, "s", &ref));
	ck_assert(ref.is_sup);
	ck_assert_uint_eq(ref.index, 1);
	ck_assert(config_find(&cfg, "a", &ref));
	ck_assert(!ref.is_sup);
	ck_assert_uint_eq(ref.index, 0);
	ck_assert(!config_find(&cfg, "nope", &ref));
}
END_TEST

START_TEST(config_find_works_on_a_config_built_by_hand)
{
	struct prog_conf progs[2] = {
	    {.name = (char[]){"a"}}, {.name = (char[]){"b"}}};
	struct config hand = {.progs = progs, .nprogs = 2};
	struct child_ref ref;

	ck_assert_int_eq(config_find_prog(&hand, "b"), 1);
	ck_assert_int_eq(config_find_sup(&hand, "b"), -1);
	ck_assert(config_find(&hand, "a", &ref));
	ck_assert(!ref.is_sup);
	ck_assert_uint_eq(ref.index, 0);
	ck_assert(!config_find(&hand, "c", &ref));
}
END_TEST

START_TEST(ten_thousand_programs_parse_with_their_tree)
{
	size_t n = 10000, cap = n * 64 + 1024, off = 0;
	char *text = malloc(cap);

	ck_assert_ptr_nonnull(text);
	off += (size_t)snprintf(text, cap, "[supervisor:half]\nchildren =");
	for (size_t i = 0; i < n; i += 2)
		off += (size_t)snprintf(text + off, cap - off, " p%zu", i);
	off += (size_t)snprintf(text + off, cap - off, "\n");
	for (size_t i = 0; i < n; i++)
		off += (size_t)snprintf(text + off, cap - off,
		    "[program:p%zu]\ncommand = /bin/sleep %zu\n", i, i);
	parse(text);
	free(text);
	VALID();
	ck_assert_uint_eq(cfg.nprogs, n);
	ck_assert_uint_eq(sup("half")->nkids, n / 2);
	ck_assert_uint_eq(cfg.sups[0].nkids, 1 + n / 2);
	ck_assert_str_eq(kid(&cfg.sups[0], 1), "p1");
	ck_assert_uint_eq(prog("p9999")->position, n / 2);
	ck_assert_str_eq(prog("p4242")->argv[1], "4242");
}
END_TEST

/* ---- every problem, sorted ---- */

START_TEST(every_problem_is_reported_in_line_order)
{
	parse("[supervisor:s]\nchildren = ghost\nperiod = x\n"
	      "[program:a]\nrestart = sometimes\ncolour = red\n"
	      "[program:b]\ncommand = 'x\n");
	ck_assert_int_eq(r, -1);
	ck_assert_msg(d.n == 6, "%s", all());
	ck_assert_int_eq(d.v[0].line, 2); /* found while resolving, last */
	ck_assert_int_eq(d.v[1].line, 3);
	ck_assert_int_eq(d.v[2].line, 4); /* missing command */
	ck_assert_int_eq(d.v[3].line, 5);
	ck_assert_int_eq(d.v[4].line, 6);
	ck_assert_int_eq(d.v[5].line, 8);
	ck_assert(has(2, "ghost") && has(8, "unterminated"));
}
END_TEST

START_TEST(diags_sort_keeps_the_order_of_equal_lines)
{
	struct diags x = {0};

	diags_add(&x, 3, "c1");
	diags_add(&x, 1, "a");
	diags_add(&x, 3, "c2");
	diags_add(&x, 2, "b");
	diags_add(&x, 3, "c3");
	diags_sort(&x);
	ck_assert_str_eq(x.v[0].msg, "a");
	ck_assert_str_eq(x.v[1].msg, "b");
	ck_assert_str_eq(x.v[2].msg, "c1");
	ck_assert_str_eq(x.v[3].msg, "c2");
	ck_assert_str_eq(x.v[4].msg, "c3");
	diags_free(&x);
	ck_assert_uint_eq(x.n, 0);
	ck_assert_ptr_null(x.v);
}
END_TEST

/* ---- hostile input ---- */

START_TEST(nul_bytes_are_errors_not_crashes)
{
	static const char text[] = "[program:a]\ncommand = x\0y\n\0\n";

	parse_n(text, sizeof(text) - 1);
	ERROR(2, "NUL byte");
	ERROR(3, "NUL byte");
	ERROR(1, "missing command");
}
END_TEST

START_TEST(messages_escape_control_characters)
{
	parse("[program:a]\ncommand = x\nco\x1b[31mlour = 1\n");
	ERROR(3, "unknown key \"co\\x1b[31mlour\"");
}
END_TEST

/* Check the tree of a valid config: parents and positions agree. */
static void
check_tree_consistent(void)
{
	for (size_t s = 0; s < cfg.nsups; s++) {
		const struct sup_conf *sc = &cfg.sups[s];

		for (size_t k = 0; k < sc->nkids; k++) {
			struct child_ref ref = sc->kids[k];
			size_t parent = ref.is_sup
			                    ? cfg.sups[ref.index].parent
			                    : cfg.progs[ref.index].parent;
			size_t pos = ref.is_sup ? cfg.sups[ref.index].position
			                        : cfg.progs[ref.index].position;

			ck_assert_uint_eq(parent, s);
			ck_assert_uint_eq(pos, k);
		}
	}
}

START_TEST(random_input_never_crashes_and_valid_means_no_diagnostics)
{
	static const char *const atoms[] = {"[", "]", "=", ":", " ;", ";", " ",
	    "\t", "\n", "\n  ", "#", "'", "\"", "\\",
	    "program:", "supervisor:", "tend", "root", "all", "a", "b",
	    "command", "children", "restart", "significant", "yes", "transient",
	    "auto_shutdown", "any_significant", "listen", "tcp:1:2", "5s", ",",
	    "\xef\xbb\xbf", "x"};
	char text[2048];
	uint32_t seed = 12345;

	for (int iter = 0; iter < 3000; iter++) {
		size_t len = 0, atoms_n = 0;

		seed = seed * 1103515245 + 12345;
		atoms_n = (seed >> 16) % 200;
		for (size_t i = 0; i < atoms_n && len < sizeof(text) - 300;
		     i++) {
			seed = seed * 1103515245 + 12345;
			if ((seed >> 16) % 20 == 0) {
				text[len++] = (char)(seed >> 24);
				continue;
			}
			if ((seed >> 16) % 97 == 1) {
				memset(text + len, 'L', 250);
				len += 250;
				continue;
			}
			const char *a =
			    atoms[(seed >> 16) %
			          (sizeof(atoms) / sizeof(atoms[0]))];
			memcpy(text + len, a, strlen(a));
			len += strlen(a);
		}
		parse_n(text, len);
		ck_assert_msg((r == 0) == (d.n == 0), "iteration %d", iter);
		if (r == 0)
			check_tree_consistent();
	}
}
END_TEST

START_TEST(many_sections_and_keys_parse)
{
	size_t cap = 1 << 20, off = 0;
	char *text = malloc(cap);

	ck_assert_ptr_nonnull(text);
	for (size_t i = 0; i < 10000 && off < cap - 100; i++)
		off += (size_t)snprintf(text + off, cap - off,
		    "[supervisor:s%zu]\nk%zu = v\n", i, i);
	parse_n(text, off);
	free(text);
	ck_assert_int_eq(r, -1);
	ck_assert_uint_eq(count("unknown key"), 10000);
	ck_assert_uint_eq(cfg.nsups, 10001);
}
END_TEST

static Suite *
config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("config");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, program_defaults_follow_the_contract);
	tcase_add_test(
	    tc, only_a_program_that_sets_a_rare_key_carries_its_own_extra);
	tcase_add_test(tc, implicit_root_is_a_default_supervisor_at_line_0);
	tcase_add_test(tc, tend_defaults_follow_the_contract);
	tcase_add_test(tc, supervisor_defaults_follow_the_contract);
	tcase_add_test(tc, full_example_file_loads_with_every_value);
	tcase_add_test(
	    tc, full_example_file_has_the_tree_of_its_children_lists);
	tcase_add_test(tc, missing_file_is_a_line_0_diagnostic);
	tcase_add_test(tc, diagnostics_carry_the_file_name);
	tcase_add_test(tc, unknown_section_kinds_are_errors_at_their_line);
	tcase_add_test(tc, section_without_name_is_an_error);
	tcase_add_test(tc, invalid_names_are_errors);
	tcase_add_test(
	    tc, root_is_reserved_for_the_root_supervisor_and_all_always);
	tcase_add_test(tc, section_given_twice_is_an_error_at_the_second);
	tcase_add_test(tc, keys_of_a_duplicate_section_are_still_checked);
	tcase_add_test(tc, program_and_supervisor_cannot_share_a_name);
	tcase_add_test(tc, section_names_longer_than_inih_keeps_are_whole);
	tcase_add_test(tc, text_after_the_bracket_is_an_error_unless_a_comment);
	tcase_add_test(tc, section_header_without_bracket_is_an_error);
	tcase_add_test(tc, keys_before_any_section_are_errors);
	tcase_add_test(tc, line_without_equals_is_an_error);
	tcase_add_test(tc, colon_separates_like_equals);
	tcase_add_test(tc, byte_order_mark_is_skipped);
	tcase_add_test(tc, unknown_key_names_the_key_and_the_section);
	tcase_add_test(tc, key_given_twice_is_an_error_at_the_second);
	tcase_add_test(tc, listen_may_repeat);
	tcase_add_test(tc, listen_addresses_are_parsed_with_their_names);
	tcase_add_test(tc, bad_listen_addresses_say_what_is_wrong);
	tcase_add_test(tc, empty_value_is_an_error);
	tcase_add_test(tc, missing_key_name_is_an_error);
	tcase_add_test(tc, missing_command_is_an_error_at_the_header);
	tcase_add_test(tc, root_rejects_restart_shutdown_and_significant);
	tcase_add_test(tc, handover_takes_stop_first_or_start_first);
	tcase_add_test(tc, every_key_of_the_contract_is_recognised);
	tcase_add_test(tc, invalid_duration_names_the_key_and_the_value);
	tcase_add_test(tc, period_must_be_more_than_zero);
	tcase_add_test(tc, shutdown_takes_a_duration_brutal_kill_or_infinity);
	tcase_add_test(tc, intensity_is_a_number_or_infinity);
	tcase_add_test(tc, enums_list_their_values_when_wrong);
	tcase_add_test(tc, booleans_and_signals_are_checked);
	tcase_add_test(tc, umask_is_octal_up_to_0777);
	tcase_add_test(tc, directory_must_be_absolute);
	tcase_add_test(tc, environment_words_must_be_key_value);
	tcase_add_test(tc, environment_values_keep_their_quoting);
	tcase_add_test(tc, backoff_is_min_dots_max_with_min_at_most_max);
	tcase_add_test(tc, nice_and_oom_score_adj_have_kernel_ranges);
	tcase_add_test(tc, limits_are_numbers_or_infinity);
	tcase_add_test(tc, every_ready_mode_is_read_with_its_argument);
	tcase_add_test(tc, ready_arguments_are_checked);
	tcase_add_test(tc, not_yet_supported_values_are_still_checked);
	tcase_add_test(tc, not_yet_supported_values_are_stored);
	tcase_add_test(tc, cgroup_limits_are_read_on_programs_and_supervisors);
	tcase_add_test(tc, invalid_cgroup_limits_are_errors_at_their_lines);
	tcase_add_test(tc, command_is_split_into_words);
	tcase_add_test(tc, command_with_an_empty_program_name_is_an_error);
	tcase_add_test(tc, unterminated_quote_is_an_error_at_its_line);
	tcase_add_test(tc, quote_cut_by_a_comment_says_why);
	tcase_add_test(tc, semicolon_without_space_before_is_not_a_comment);
	tcase_add_test(tc, inline_comment_is_cut_from_the_value);
	tcase_add_test(tc, continuation_lines_join_with_one_space);
	tcase_add_test(tc, continuation_continues_a_quoted_word);
	tcase_add_test(tc, continuation_of_an_empty_value_is_the_value);
	tcase_add_test(tc, continuation_comment_is_cut_too);
	tcase_add_test(tc, indented_comment_is_not_a_continuation);
	tcase_add_test(tc, indented_line_after_a_header_is_a_key);
	tcase_add_test(tc, continued_value_is_checked_whole_at_the_key_line);
	tcase_add_test(tc, continuation_is_not_a_duplicate_key);
	tcase_add_test(tc, long_command_line_parses_exactly);
	tcase_add_test(tc, long_continuation_line_joins_exactly);
	tcase_add_test(tc, long_quote_cut_by_a_comment_says_why);
	tcase_add_test(tc, long_lines_of_every_kind_keep_their_line_numbers);
	tcase_add_test(tc, long_section_and_key_names_are_errors_not_crashes);
	tcase_add_test(
	    tc, root_takes_unlisted_nodes_after_its_own_list_in_file_order);
	tcase_add_test(tc, children_lists_take_commas_and_white_space);
	tcase_add_test(tc, children_list_may_span_continuation_lines);
	tcase_add_test(tc, nested_supervisors_resolve_their_parents);
	tcase_add_test(tc, unknown_child_is_an_error_naming_it);
	tcase_add_test(tc, name_listed_twice_is_an_error_at_the_second_list);
	tcase_add_test(tc, listing_the_root_or_itself_is_an_error);
	tcase_add_test(tc, two_supervisors_listing_each_other_form_a_cycle);
	tcase_add_test(tc, longer_cycle_is_named_in_listing_order);
	tcase_add_test(
	    tc, significant_needs_a_transient_child_under_auto_shutdown);
	tcase_add_test(tc, significant_supervisor_is_checked_like_a_program);
	tcase_add_test(tc, config_find_looks_up_both_kinds);
	tcase_add_test(tc, config_find_works_on_a_config_built_by_hand);
	tcase_add_test(tc, ten_thousand_programs_parse_with_their_tree);
	tcase_add_test(tc, every_problem_is_reported_in_line_order);
	tcase_add_test(tc, diags_sort_keeps_the_order_of_equal_lines);
	tcase_add_test(tc, nul_bytes_are_errors_not_crashes);
	tcase_add_test(tc, messages_escape_control_characters);
	tcase_add_test(
	    tc, random_input_never_crashes_and_valid_means_no_diagnostics);
	tcase_add_test(tc, many_sections_and_keys_parse);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return unit_main(config_suite());
}
