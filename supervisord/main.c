/*
 * main.c: tend's table of contents. Read the arguments, read and check
 * the configuration, set the process up, build the tree, run the loop,
 * exit with the status the tree decided (SPEC 2).
 */
#include <sys/resource.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cglimit.h"
#include "cgroup.h"
#include "config.h"
#include "control.h"
#include "events.h"
#include "leftover.h"
#include "listen.h"
#include "log.h"
#include "loop.h"
#include "output.h"
#include "pid1.h"
#include "precheck.h"
#include "reload.h"
#include "spawn.h"
#include "supervise.h"
#include "tree.h"
#include "upgrade.h"

#define DEFAULT_CONFIG "/etc/tend/tend.conf"
#define EXIT_USAGE 2

extern char **environ;

struct options {
	const char *conf;
	const char *socket;
	bool check;
	bool strict;
	int upgrade_from;           /* the state's fd (an upgrade); -1 */
	int upgrade_check;          /* check the state on this fd, exit; -1 */
	const char *upgrade_failed; /* came back: why the new tend failed */
};

/* The configuration as read: its file, text and what was parsed. */
struct loaded {
	const char *file;
	char *text;
	size_t len;
	struct config cfg;
};

static void
usage(FILE *to)
{
	fprintf(to,
	    "usage: tend [-c FILE] [--check [--strict]] [-s SOCKET] "
	    "[--version] "
	    "[-h]\n"
	    "  -c, --config FILE  the configuration (default %s)\n"
	    "      --check        validate FILE, print every problem, exit\n"
	    "      --strict       with --check: warnings are errors too\n"
	    "  -s, --socket PATH  the control socket\n"
	    "      --version      print the version and exit\n"
	    "  -h, --help         print this help and exit\n",
	    DEFAULT_CONFIG);
}

static void
parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longs[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"check", no_argument, NULL, 'C'},
	    {"strict", no_argument, NULL, 'S'},
	    {"socket", required_argument, NULL, 's'},
	    {"version", no_argument, NULL, 'V'},
	    {"help", no_argument, NULL, 'h'},
	    /* internal: an upgrade's two steps (upgrade.h) */
	    {"upgrade-check", required_argument, NULL, 'K'},
	    {"upgrade-from", required_argument, NULL, 'U'},
	    {"upgrade-failed", required_argument, NULL, 'F'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	o->conf = DEFAULT_CONFIG;
	o->upgrade_from = o->upgrade_check = -1;
	while ((c = getopt_long(argc, argv, "+c:s:h", longs, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->conf = optarg;
			break;
		case 'C':
			o->check = true;
			break;
		case 'S':
			o->strict = true;
			break;
		case 's':
			o->socket = optarg;
			break;
		case 'V':
			printf("tend %s\n", TEND_VERSION);
			exit(0);
		case 'K':
			o->upgrade_check = atoi(optarg);
			break;
		case 'U':
			o->upgrade_from = atoi(optarg);
			break;
		case 'F':
			o->upgrade_failed = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(EXIT_USAGE);
		}
	}
	if (o->strict && !o->check) {
		fprintf(stderr, "tend: --strict goes with --check\n");
		usage(stderr);
		exit(EXIT_USAGE);
	}
	if (optind < argc) {
		fprintf(
		    stderr, "tend: unexpected argument: %s\n", argv[optind]);
		usage(stderr);
		exit(EXIT_USAGE);
	}
}

/* Each diagnostic as "PREFIXFILE:LINE: KINDmessage". */
static void
print_diags(const struct diags *d, const char *prefix, const char *kind)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		if (d->v[i].line > 0)
			fprintf(stderr, "%s%s:%d: %s%s\n", prefix, d->v[i].file,
			    d->v[i].line, kind, d->v[i].msg);
		else
			fprintf(stderr, "%s%s: %s%s\n", prefix, d->v[i].file,
			    kind, d->v[i].msg);
	}
	fflush(stderr);
}

/* --check also resolves users and groups, as a start would (SPEC 11). */
static void
check_users(const struct config *cfg, struct diags *d)
{
	struct spawn_ids ids;
	char err[256];
	size_t i;

	if (cfg->tend.socket_group != NULL &&
	    spawn_resolve_ids(
	        NULL, cfg->tend.socket_group, &ids, err, sizeof(err)) == -1)
		diags_add(
		    d, cfg->tend.socket_group_line, "socket_group: %s", err);
	for (i = 0; i < cfg->nprogs; i++) {
		const struct prog_conf *p = &cfg->progs[i];

		if (p->user == NULL && p->group == NULL)
			continue;
		if (spawn_resolve_ids(
		        p->user, p->group, &ids, err, sizeof(err)) == -1)
			diags_add(d,
			    strstr(err, "group") != NULL && p->group != NULL
			        ? p->group_line
			        : p->user_line,
			    "[program:%s]: %s", p->name, err);
	}
}

/* --check: errors, then warnings (errors too with --strict). */
static int
check_only(const char *file, bool strict)
{
	struct config cfg;
	struct diags d, w;
	int r;

	memset(&cfg, 0, sizeof(cfg));
	memset(&d, 0, sizeof(d));
	memset(&w, 0, sizeof(w));
	r = config_load(file, &cfg, &d);
	if (r == 0)
		check_users(&cfg, &d);
	diags_sort(&d);
	print_diags(&d, "", "");
	if (d.n == 0) {
		w.file = cfg.file;
		precheck_config(&cfg, environ, &w);
		print_diags(&w, "", strict ? "" : "warning: ");
	}
	if (d.n == 0 && (w.n == 0 || !strict))
		printf("%s: valid: %zu program%s, %zu supervisor%s; %zu "
		       "warning%s\n",
		    file, cfg.nprogs, cfg.nprogs == 1 ? "" : "s", cfg.nsups,
		    cfg.nsups == 1 ? "" : "s", w.n, w.n == 1 ? "" : "s");
	r = d.n == 0 && (w.n == 0 || !strict) ? 0 : 1;
	diags_free(&w);
	diags_free(&d);
	config_free(&cfg);
	return r;
}

/* At start: what --check warns about, in tend's log. */
static void
warn_ahead(const struct config *cfg)
{
	struct diags w;
	size_t i;

	memset(&w, 0, sizeof(w));
	w.file = cfg->file;
	precheck_config(cfg, environ, &w);
	for (i = 0; i < w.n; i++)
		log_warnx("%s:%d: %s", w.v[i].file, w.v[i].line, w.v[i].msg);
	diags_free(&w);
}

/* Parse l->text: 0, or -1 with every problem printed. */
static int
parse_text(struct loaded *l)
{
	struct diags d;

	memset(&d, 0, sizeof(d));
	if (config_parse_text(l->text, l->len, l->file, &l->cfg, &d) == 0 &&
	    d.n == 0) {
		diags_free(&d);
		return 0;
	}
	diags_sort(&d);
	print_diags(&d, "tend: error: ", "");
	diags_free(&d);
	return -1;
}

/* Read the file once and parse that text (kept for an upgrade). */
static void
load_or_exit(const char *file, struct loaded *l)
{
	memset(l, 0, sizeof(*l));
	l->file = file;
	l->text = config_read(file, &l->len);
	if (l->text == NULL) {
		fprintf(stderr, "tend: error: %s: cannot open: %s\n", file,
		    strerror(errno));
		exit(1);
	}
	if (parse_text(l) == 0)
		return;
	fprintf(stderr,
	    "tend: error: %s: invalid configuration; not "
	    "starting\n",
	    file);
	config_free(&l->cfg);
	exit(1);
}

/* An upgrade's new tend: the configuration from the state. */
static void
load_upgraded(int fd, struct upgrade_from *from, struct loaded *l)
{
	char err[512];

	memset(l, 0, sizeof(*l));
	if (upgrade_open(fd, from, err, sizeof(err)) == -1) {
		upgrade_go_back(err);
		fatalx("upgrade: %s", err);
	}
	l->file = from->conf_file;
	l->text = from->conf_text;
	l->len = from->conf_len;
	if (parse_text(l) == -1) {
		upgrade_go_back("its configuration is invalid to this tend");
		fatalx("upgrade: the configuration is invalid to this tend");
	}
}

/* fds 0-2 open; every inherited fd close-on-exec (but after an upgrade,
 * whose state says which to keep, fdset.h); SIGPIPE ignored; the
 * open-files limit raised to fit need descriptors if tend may (*nofile:
 * the limit it was started with, which its programs get back). */
static void
prepare_process(struct rlimit *nofile, size_t need, bool upgraded)
{
	struct rlimit raised;
	int fd;

	for (fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) == -1 &&
		    open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY) == -1)
			fatal("open /dev/null");
	if (!upgraded && close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) == -1)
		for (fd = 3; fd < 1024; fd++)
			(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	signal(SIGPIPE, SIG_IGN); /* programs get the default back */
	if (getrlimit(RLIMIT_NOFILE, nofile) == -1)
		fatal("getrlimit");
	raised = *nofile;
	raised.rlim_cur = raised.rlim_max;
	if (raised.rlim_max != RLIM_INFINITY && need > raised.rlim_max) {
		/* above the hard limit takes CAP_SYS_RESOURCE (and stays
		 * within fs.nr_open); without it, the hard limit */
		struct rlimit up = {need, need};

		if (setrlimit(RLIMIT_NOFILE, &up) == 0) {
			log_info("open-files limit raised from %llu to %zu for "
			         "the programs' descriptors",
			    (unsigned long long)nofile->rlim_max, need);
			return;
		}
	}
	if (setrlimit(RLIMIT_NOFILE, &raised) == -1)
		log_warn("cannot raise the open-files limit");
}

/* After the tree is built: take the upgrade's state over, or stop what
 * a killed predecessor left, then start. */
static void
take_over_or_start(struct ev_loop *loop, struct tree *t,
    const struct options *opt, const struct upgrade_from *from)
{
	char err[512];

	if (opt->upgrade_from < 0) {
		log_info("tend %s starting: %zu program%s, %zu supervisor%s "
		         "(pid %d)",
		    TEND_VERSION, t->cfg.nprogs, t->cfg.nprogs == 1 ? "" : "s",
		    t->cfg.nsups, t->cfg.nsups == 1 ? "" : "s", (int)getpid());
		leftover_begin(loop, t, control_path(), supervise_start);
		return;
	}
	if (upgrade_load(t, err, sizeof(err)) == -1) {
		if (opt->upgrade_failed == NULL)
			upgrade_go_back(err);
		fatalx("upgrade: %s", err);
	}
	upgrade_done();
	leftover_resume(control_path());
	if (opt->upgrade_failed != NULL)
		log_warnx("upgrade failed (%s): tend %s goes on (pid %d)",
		    opt->upgrade_failed, TEND_VERSION, (int)getpid());
	else
		log_info("tend %s: upgraded from tend %s in place (pid %d): "
		         "%zu program%s kept",
		    TEND_VERSION, from->prev_version ? from->prev_version : "?",
		    (int)getpid(), t->cfg.nprogs,
		    t->cfg.nprogs == 1 ? "" : "s");
	control_answer_upgrade(opt->upgrade_failed);
	loop_reap_now(); /* an exit during the switch */
}

static void
open_control(const struct options *opt, struct loaded *l)
{
	char err[512];
	int r;

	if (opt->upgrade_from >= 0)
		r = upgrade_load_control(&l->cfg.tend, err, sizeof(err));
	else
		r = control_open(opt->socket, &l->cfg.tend, err, sizeof(err));
	if (r == 0)
		return;
	if (opt->upgrade_from >= 0 && opt->upgrade_failed == NULL)
		upgrade_go_back(err);
	fprintf(stderr, "tend: error: %s\n", err);
	config_free(&l->cfg);
	exit(1);
}

int
main(int argc, char **argv)
{
	struct options opt = {0};
	struct upgrade_from from;
	struct loaded l;
	struct rlimit nofile;
	struct ev_loop *loop;
	struct tree *t;
	int64_t grace_ms;
	char err[512];
	int status;

	parse_args(argc, argv, &opt);
	log_set_timestamps(!log_stderr_is_journal(getenv("JOURNAL_STREAM")));
	if (opt.check)
		return check_only(opt.conf, opt.strict);
	if (opt.upgrade_check >= 0)
		return upgrade_check(opt.upgrade_check);
	if (spawn_reserve_fds() == -1)
		fatal("cannot reserve descriptors 3 to 10");
	memset(&from, 0, sizeof(from));
	from.old_exe_fd = -1;
	if (opt.upgrade_from >= 0)
		load_upgraded(opt.upgrade_from, &from, &l);
	else
		load_or_exit(opt.conf, &l);
	upgrade_init(l.file, l.text, l.len);
	if (l.cfg.tend.log_timestamps_set)
		log_set_timestamps(l.cfg.tend.log_timestamps);
	if (opt.upgrade_from < 0)
		warn_ahead(&l.cfg);
	grace_ms = l.cfg.tend.shutdown_grace_ms;
	open_control(&opt, &l);
	atexit(control_close); /* a fatal error from here on leaves no socket */
	prepare_process(&nofile, supervise_fd_need(l.cfg.nprogs, l.cfg.nsups),
	    opt.upgrade_from >= 0);
	if (pid1_setup() == -1)
		log_warn("cannot become a child subreaper; orphans of programs "
		         "will not be reaped by tend");
	/* not the default loop: that one reaps every child itself */
	loop = ev_loop_new(EVBACKEND_EPOLL | EVFLAG_SIGNALFD | EVFLAG_NOENV);
	if (loop == NULL)
		fatalx("cannot create the event loop");
	if (loop_init(loop, grace_ms) == -1)
		fatal("cannot watch SIGCHLD");
	upgrade_watch(loop);
	if (output_init(loop, &l.cfg.tend, err, sizeof(err)) == -1)
		fatalx("%s", err);
	if (cgroup_init(loop, l.cfg.tend.cgroups, control_path(),
	        supervise_on_cgroup_empty, err, sizeof(err)) == -1)
		fatalx("%s", err);
	if (spawn_init(&nofile, environ) == -1)
		fatal("cannot prepare spawning");
	t = tree_build(&l.cfg);
	if (t == NULL)
		fatal("cannot build the tree");
	else if (cglimit_init(t, t->cfg.tend.cgroups, err, sizeof(err)) == -1)
		fatalx("%s", err);
	if (supervise_init(loop, t, loop_on_tree_exit) == -1)
		fatal("cannot prepare the programs");
	control_start(loop, t);
	if (events_subscribe(&control_events) == -1)
		fatal("cannot subscribe the control socket to events");
	reload_init(l.file); /* after an upgrade: the file named at start */
	take_over_or_start(loop, t, &opt, &from);
	ev_run(loop, 0);
	status = loop_exit_status();
	log_info("exiting with status %d", status);
	upgrade_stop();
	control_close();
	leftover_fini();
	loop_fini();
	pid1_fini();
	cglimit_fini(t);
	cgroup_fini(t);
	supervise_fini();
	listen_fini();
	output_fini(1000);
	spawn_fini();
	tree_free(t);
	ev_loop_destroy(loop);
	upgrade_fini();
	free(l.text); /* from.conf_text after an upgrade */
	from.conf_text = NULL;
	upgrade_from_free(&from);
	return status;
}
