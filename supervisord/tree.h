/*
 * tree.h: the live tree of supervisors and programs, how it is built from
 * a config (treebuild.c), and the OTP decisions on it (tree.c; SPEC
 * section 4 and the supervision rules of section 11).
 *
 * tree.c is pure: it updates the in-memory tree (states, restart history,
 * the sequence each supervisor is carrying out) and appends to a plan what
 * must be done in the world (spawn, signal, arm a timer, exit). It makes no
 * system call and reads no clock: the time comes in as an argument.
 * supervise.c carries out the plan, in order, and reports back what
 * happened (a program was spawned, a program's instance has ended, a timer
 * fired) through the tree_on_* functions, which append further actions.
 *
 * The plan is a FIFO: the tree's state always describes the world as it
 * will be once every queued action has been carried out, so a decision
 * taken while actions are still queued stays consistent.
 */
#ifndef TEND_TREE_H
#define TEND_TREE_H

#include <sys/types.h>

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "listen.h"

enum node_kind {
	NODE_PROG,
	NODE_SUP,
};

/* SPEC 4 "States"; programs and supervisors use the subsets it names. */
enum state {
	ST_STOPPED,
	ST_STARTING,
	ST_RUNNING,
	ST_STOPPING,
	ST_BACKOFF, /* program: waiting to be started again */
	ST_EXITED,  /* program: ended, will not be restarted */
	ST_FAILED,  /* supervisor: gave up, will not be restarted */
};

/* How a child ended, as its supervisor judges it. */
enum exit_kind {
	EXIT_NORMAL,   /* by itself, status 0 (supervisor: auto_shutdown) */
	EXIT_ABNORMAL, /* by itself, anything else; a failed start */
	EXIT_SHUTDOWN, /* after a stop that tend began */
	EXIT_GAVE_UP,  /* supervisor only: restart intensity exceeded */
};

/* Why tend itself ended a program's instance as a failure (SPEC 11
 * LAST-EXIT: timeout, health, watchdog). */
enum fail_cause {
	FAIL_NONE,
	FAIL_TIMEOUT,  /* not ready within start_timeout */
	FAIL_HEALTH,   /* health_retries checks failed in a row */
	FAIL_WATCHDOG, /* no WATCHDOG=1 within watchdog */
};

/* Where a start failed (spawn.c). */
enum spawn_stage {
	STAGE_EXEC,
	STAGE_SETUP, /* setsid, descriptors, limits, priority */
	STAGE_IDS,   /* setgroups, setgid, setuid */
	STAGE_CHDIR,
	STAGE_USER,   /* the user or group could not be resolved */
	STAGE_OUTPUT, /* stdout or stderr: file:PATH could not be opened */
};

/* The end of a program's instance, as supervise.c saw it. */
struct exit_info {
	int wstatus;      /* from waitpid, when exec_errno == 0 */
	bool oom;         /* SIGKILL by the OOM killer in its memory cgroup */
	int exec_errno;   /* nonzero: the start failed before the program ran */
	bool before_exec; /* exec_errno came from a step before the exec */
	unsigned char stage;  /* a failed start: its enum spawn_stage + 1;
	                       * 0: not told */
	enum fail_cause fail; /* tend ended it for this (then it says so in
	                       * LAST-EXIT, whatever the status) */
	int64_t at_ms;        /* when it ended */
};

/*
 * Why a node is in its state (issue 19 "Why"): set by the tree when it
 * decides a start, a stop or a restart, carried by each ACT_NOTE into
 * events, tend's lines and status. With cause_from, the node whose end
 * set it off (see cause_describe). Plain data: one word on the wire
 * (cause_name), words for people (cause_describe).
 */
enum cause {
	CAUSE_NONE,          /* not started yet, or not known */
	CAUSE_BOOT,          /* tend's start: the root's first sequence */
	CAUSE_OPERATOR,      /* tendctl start, stop, restart (from: NULL) */
	CAUSE_DEPENDENTS,    /* tendctl stop/restart --with-dependents of
	                      * from (from itself: the node named) */
	CAUSE_KILL,          /* tendctl kill: its SIGKILL ended it */
	CAUSE_SELF,          /* it ended by itself (exit, crash, signal) */
	CAUSE_STRATEGY,      /* its supervisor's strategy after from ended
	                      * (from == itself: after its own end) */
	CAUSE_GAVE_UP,       /* from's supervisor gave up after from ended */
	CAUSE_AUTO_SHUTDOWN, /* from's supervisor shut down (auto_shutdown)
	                      * after from, significant, ended */
	CAUSE_SHUTDOWN,      /* tend's orderly shutdown */
	CAUSE_RELOAD,        /* a reload or a handover (SPEC 7) */
	CAUSE_START_TIMEOUT, /* killed: not ready within start_timeout */
	CAUSE_HEALTH,        /* killed: its health check failed */
	CAUSE_WATCHDOG,      /* killed: no WATCHDOG=1 in time */
};

struct sup;
struct capture;

/* A program's last ends, for inspect: a ring of PROG_PAST, oldest first. */
#define PROG_PAST 5
struct prog_past {
	struct exit_info v[PROG_PAST];
	int64_t up_ms[PROG_PAST]; /* how long that instance had run; -1:
	                           * it never ran (a failed start) */
	size_t head, n;
};

struct node {
	enum node_kind kind;
	enum state state;
	const char *name;   /* borrowed from the tree's config */
	char *path;         /* "root/back/db", owned */
	const char *shown;  /* path without "root/" ("back/db"); in path */
	struct sup *parent; /* NULL for the root */
	size_t pos;         /* position in parent->kids */
	size_t idx;         /* position in tree->nodes (pre-order) */
	size_t subtree_n;   /* nodes in its subtree, itself included: they
	                     * are tree->nodes[idx .. idx + subtree_n) */
	enum restart restart;
	bool significant;
	int64_t shutdown_ms; /* CONFIG_INFINITY, CONFIG_BRUTAL_KILL or >= 0 */

	/* Decided by the tree. */
	bool held;         /* stays stopped until an operator starts it */
	bool pending;      /* to be started by the parent's current sequence */
	bool to_stop;      /* to be stopped by the parent's current sequence */
	bool kill_sent;    /* SIGKILL asked for this instance/subtree */
	bool ended_sig;    /* significant, ended by itself, not restarted */
	bool start_failed; /* an operator's start failed (health, SPEC 11) */
	bool op_start;     /* start it once the stop under way is done */
	bool op_starting;  /* this start was an operator's: a failure is
	                    * reported, not restarted, and charges nothing */
	enum state after_stop; /* the state a stop in progress ends in */
	unsigned gen;          /* instance number: bumped at each start */
	unsigned restarts;     /* automatic restarts (SPEC 11: RESTARTS) */
	int64_t since_ms;      /* when it entered its current state */
	int64_t timer_at_ms;   /* when the tree timer fires; -1: not armed */
	int exit_code; /* shell-like status of its last end, for auto_shutdown
	                */
	enum exit_kind last_kind; /* how it last ended (health) */
	bool ended;           /* it has ended at least once (last_kind valid) */
	bool removed;         /* a reload removed it: stopped, then forgotten */
	enum cause cause;     /* why it is in its state (enum cause) */
	enum cause end_cause; /* what ends this instance if it ends without
	                       * a stop: CAUSE_KILL (tendctl kill), or a
	                       * readiness kill; CAUSE_NONE: by itself */
	/* the node whose end set cause off, or NULL; a node of this tree
	 * (a reload that frees nodes calls tree_forget_causes) */
	const struct node *cause_from;

	/* Carried out by supervise.c. */
	ev_timer timer_w;     /* the tree timer (backoff, delays, deadlines) */
	int cg_fd;            /* a supervisor's cgroup directory; -1: none */
	bool cg_made;         /* a program's cgroup directory exists */
	bool cg_killed;       /* cgroup.kill was used on it: make a new one */
	unsigned char cg_alt; /* a program's directory: its slot (enum
	                       * cgroup_slot, cgroup.h), p-NAME or o-NAME */
	bool limited;         /* cglimit.c: a limit of its is enforced in v2 */
	uint8_t v1_need; /* cglimit.c: the controllers (1 << enum controller)
	                  * of which it gets a v1 cgroup */
	uint8_t v1_made; /* cglimit.c: those whose v1 cgroup exists */
	uint8_t unenforced_told; /* cglimit.c: its limit keys (1 << enum
	                          * limit_key) reported as enforced nowhere */
};

/* A restart sequence or a stop of everything, carried out step by step. */
enum job_kind {
	JOB_NONE,
	JOB_START,     /* stop the children marked to_stop in reverse order,
	                * then start the pending ones in order */
	JOB_TERMINATE, /* stop every child in reverse order, then end */
};

enum term_reason {
	TERM_STOP,    /* asked: by the parent, an operator, a shutdown */
	TERM_GIVE_UP, /* restart intensity exceeded */
	TERM_AUTO,    /* auto_shutdown */
};

struct job {
	enum job_kind kind;
	bool stopping; /* in the stop phase (cursor going down) */
	size_t cursor; /* stop phase: kids[cursor - 1] is next; start
	                * phase: kids[cursor] is next */
	bool first;    /* the supervisor's own start (SPEC 11 first start) */
	bool counted;  /* starts of this sequence are automatic restarts */
	bool waiting;  /* start phase waits for the supervisor's timer */
	int64_t start_at_ms; /* start phase not before this (backoff) */
	enum term_reason reason;
	bool brutal;     /* the shutdown deadline passed: kill everything */
	bool killed_all; /* brutal: every child has been sent SIGKILL */
	int cause;       /* TERM_AUTO: the status that set it off */
	bool in_advance; /* re-entrancy guard of advance() */
	enum cause why;  /* why the children it stops or starts are */
	const struct node *why_from; /* stopped or started (enum cause) */
};

struct sup {
	struct node node;
	const struct sup_conf *conf; /* borrowed from the tree's config */
	enum strategy strategy;
	int64_t intensity; /* CONFIG_INFINITY or >= 0 */
	int64_t period_ms;
	enum auto_shutdown auto_shutdown;
	struct node **kids; /* owned array; the nodes are the tree's */
	size_t nkids;
	/* times of the restarts of the last period, oldest first (a ring) */
	int64_t *hist;
	size_t hist_head, hist_n, hist_cap;
	struct job job;
	bool gave_up; /* it has given up (and not started since) */
	/* the child whose restart was one too many; NULL: none known (a
	 * reload that frees nodes calls tree_forget_causes) */
	const struct node *gave_up_by;
};

struct prog {
	struct node node;
	const struct prog_conf *conf; /* borrowed from the tree's config */
	int64_t backoff_next_ms;      /* the next backoff delay; 0: MIN */
	bool has_last;                /* last is valid */
	unsigned char fail;           /* enum fail_cause of the stop under
	                               * way: its end is abnormal */
	bool fail_was_up; /* it had been running min_uptime when it failed */
	bool handing;     /* a start_first handover is under way: the new
	                   * instance starts, the outgoing one serves */
	unsigned char handover_failed; /* enum handover_end of the last
	                                * handover that gave back; 0: none */
	bool outgoing;         /* supervise.c: an earlier instance of it still
	                        * ends aside (no new handover until it has) */
	uint32_t ready_no;     /* its readiness, health and watchdog state in
	                        * ready.c (1-based; in padding: a plain program
	                        * costs nothing); 0: ready = start, none of them */
	struct exit_info last; /* its last end (LAST-EXIT) */

	/* Owned by supervise.c and spawn.c; the tree never reads these. */
	pid_t pid;            /* main process; 0 when none */
	pid_t pgid;           /* group of the live instance; 0 when all gone */
	pid_t inst_pid;       /* the pid its last instance had (events) */
	int cg_wd;            /* inotify watch on its cgroup.events; 0: none */
	unsigned retry_gen;   /* a start waiting for resources; 0: none */
	unsigned inst_gen;    /* gen of the live instance */
	bool stop_sent;       /* a stop signal went to this instance */
	bool paused;          /* its main process is stopped (SIGSTOP, ...) */
	bool cleanup;         /* main reaped, its group is being emptied */
	int wstatus;          /* main's status, kept while the group empties */
	int64_t started_ms;   /* when the live instance was spawned */
	uint64_t start_ticks; /* its /proc start time; 0: not read yet */
	ev_timer kill_w;      /* stop deadline, then SIGKILL */
	int pidfd;            /* main's, in supervise.c's fdset while it runs;
	                       * -1: none */
	struct prog *cleanup_next, *cleanup_prev;
	struct capture *cap; /* its output capture; owned by output.c */
	char **envp;         /* its final environment (SPEC 11) */
	const char *search;  /* PATH to look argv[0] up in; NULL: has a '/' */
	int64_t oom_base;    /* its memory cgroup's oom_kill count at its
	                      * start; -1: it has no memory cgroup */
	bool oom_end;        /* its main process was killed by the OOM
	                      * killer (known once it is reaped) */
	struct prog_past *past; /* its last ends; NULL until the first */
	char *listen_env; /* its LISTEN_FDS and LISTEN_FDNAMES (spawn.c) */
	struct listen_set lset; /* its listening sockets, once held */
};

/* Why a start_first handover gave back to the outgoing instance. */
enum handover_end {
	HANDOVER_OK,
	HANDOVER_TIMEOUT, /* not ready within start_timeout */
	HANDOVER_EXITED,  /* the new instance ended before it was ready */
	HANDOVER_FAILED,  /* the watchdog failed it before it was ready */
	HANDOVER_STOPPED, /* a stop came first */
};

/* Why a handover gave back, in words ("the new instance was not ready
 * within start_timeout"). */
const char *handover_end_words(enum handover_end why);

enum act_kind {
	ACT_START, /* spawn prog; then tree_on_spawned or tree_on_exit */
	ACT_STOP,  /* stop prog's instance gen: stop_signal (arg, if not 0,
	            * is the first signal instead), deadline */
	ACT_KILL,  /* SIGKILL prog's instance gen now */
	ACT_TIMER, /* arm node's timer at node->timer_at_ms (-1: disarm) */
	ACT_EXIT,  /* end tend with status arg */
	/* handover = start_first (SPEC 7): */
	ACT_HANDOVER, /* prog's live instance (gen) goes on running aside,
	               * as its outgoing instance; an ACT_START follows */
	ACT_RETIRE,   /* stop prog's outgoing instance (stop_signal,
	               * shutdown, SIGKILL), if it has one */
	ACT_HANDBACK, /* prog's new instance (gen) failed to become ready:
	               * stop it if it lives; the outgoing instance is the
	               * live one again (if it has ended meanwhile,
	               * tree_on_exit hears of that end) */
	ACT_NOTE,     /* something happened worth telling: note, node, arg */
};

enum note {
	NOTE_STATE,         /* node entered a state (arg: enum state) */
	NOTE_RESTART,       /* ended by itself, restarted now (arg: kind) */
	NOTE_RESTART_LATER, /* ... restarted after arg ms (backoff) */
	NOTE_GROUP_RESTART, /* ... its supervisor restarts its siblings too */
	NOTE_NO_RESTART,    /* ended by itself, not restarted (arg: kind) */
	NOTE_ENDED,         /* ended by itself while its supervisor stops */
	NOTE_TOO_MANY,      /* ended by itself: one restart too many */
	NOTE_GIVE_UP,       /* supervisor: intensity exceeded (arg: count) */
	NOTE_AUTO_SHUTDOWN, /* supervisor: a significant child ended */
};

struct action {
	enum act_kind kind;
	enum note note;
	struct node *node;
	int64_t arg;
	unsigned gen;
	/* node's cause when the action was queued (events, tend's lines) */
	enum cause cause;
	const struct node *cause_from;
};

/* A FIFO of actions: carried out from head. */
struct plan {
	struct action *v;
	size_t head, n, cap;
	bool lost; /* an action could not be queued (ENOMEM) */
};

struct tree {
	struct config cfg; /* owned */
	struct sup *root;
	struct node **nodes; /* every node in pre-order; root first; owned */
	size_t nnodes;
	/* the node of cfg.sups[i] and of cfg.progs[i]; owned arrays (and
	 * the nodes themselves: a node is freed through these) */
	struct sup **sups;
	struct prog **progs;
	int exit_status; /* latched: the first cause that ends tend; -1 */
	bool shutting_down;
	struct plan plan;
	/* A reload's removed nodes (the top of each removed subtree, in
	 * their old start order), stopped in reverse order one at a time;
	 * then the nodes it added start. They borrow from gone_cfg. */
	struct node **gone;
	size_t ngone, gone_cursor;
	struct node **deferred; /* added nodes to start once gone are */
	size_t ndeferred;
	struct config gone_cfg;
	bool reloading; /* gone or deferred are not done with */
	bool in_gone_next;
};

/* ---- treebuild.c: building, freeing, finding ---- */

/*
 * Build the tree of cfg, which must be valid (config_parse returned 0).
 * Takes ownership of cfg, even on failure (it is then freed). Every node
 * starts stopped; nothing is queued. NULL on ENOMEM. No side effect on
 * any other tree: a second tree can be built beside the live one.
 */
struct tree *tree_build(struct config *cfg);

/* Free the tree, its config and its plan. The caller has stopped every
 * libev watcher of its nodes. */
void tree_free(struct tree *t);

/*
 * Find a node by name or by path ("db", "back/db", "root/back/db"; "all"
 * and "root" are the root). NULL if there is none. O(1) in the number of
 * nodes: a lookup in the config's name index.
 */
struct node *tree_find(const struct tree *t, const char *name);

/* ---- treestate.c: the tree's part of an upgrade's state ---- */

struct state_w;
struct state_r;

/* Every node's state as the tree decided it (states, histories, jobs,
 * timers' deadlines, the queued plan) into w. */
void tree_save(const struct tree *t, struct state_w *w);

/*
 * Read what tree_save wrote into t, built from the same configuration
 * (each node is checked by path). 0, or -1 and err; t is then partly
 * loaded and must be freed. Pure: no system call.
 */
int tree_load(struct tree *t, struct state_r *r, char *err, size_t errlen);

/* A program's exit history (NULL: none) for supervise.c's part of the
 * state; loaded: malloc'd, or NULL for none (or r->failed). */
void prog_past_save(const struct prog_past *h, struct state_w *w);
struct prog_past *prog_past_load(struct state_r *r);
/*
 * For a reload (tree.c): a node of c, stopped and unwired (NULL on
 * ENOMEM); freeing one that is in no tree's tables.
 */
struct sup *tree_new_sup(const struct sup_conf *c);
struct prog *tree_new_prog(const struct prog_conf *c);
void tree_free_node(struct node *n);

/* ---- tree.c: the decisions ---- */

/* Start the root: its start sequence (SPEC 4 Start). */
void tree_start(struct tree *t, int64_t now_ms);

/* Orderly shutdown (TERM, INT, QUIT, tendctl shutdown): the root stops
 * everything in reverse start order, then ACT_EXIT with the latched
 * status (0 unless something ended tend first). */
void tree_shutdown(struct tree *t, int64_t now_ms);

/*
 * The program's instance gen was spawned (exec succeeded). With ready =
 * start it is running now; otherwise it stays starting, and its start
 * deadline (start_timeout) is armed on its tree timer.
 */
void tree_on_spawned(struct tree *t, struct prog *p, int64_t now_ms);

/*
 * The program's instance is ready (SPEC 4 Start): starting becomes
 * running and its supervisor's sequence moves on; an operator's start
 * has succeeded. Nothing unless it is starting. Every way of becoming
 * ready (ready = start at the spawn, READY=1, fd:N, exec:, tcp:) comes
 * through here, and every way of failing a start (an exit, the start
 * deadline) through tree_on_exit: "wait until this instance is ready or
 * its start failed" is a watch on these two.
 */
void tree_on_ready(struct tree *t, struct prog *p, int64_t now_ms);

/*
 * EXTEND_TIMEOUT_USEC (as systemd): a starting program's deadline is
 * moved to now + ms unless it is later already.
 */
void tree_on_extend(struct tree *t, struct prog *p, int64_t ms, int64_t now_ms);

/*
 * tend ends the program's instance as a failure (SPEC 4 Exit kinds: a
 * failed health check, the watchdog; the start deadline is the tree
 * timer's own): it is stopped as usual, the watchdog's first signal
 * being SIGABRT (as systemd's), and its end is an abnormal exit shown
 * as cause in LAST-EXIT. Nothing unless it is starting or running.
 */
void tree_on_failed(
    struct tree *t, struct prog *p, enum fail_cause cause, int64_t now_ms);

/*
 * A queued start was not carried out because a stop of the same instance
 * followed it before it ran: the instance counts as started and stopped.
 */
void tree_on_not_started(struct tree *t, struct prog *p, int64_t now_ms);

/*
 * The program's instance has ended: its main process was reaped and
 * nothing of its group is left, or its start failed (exec_errno). The
 * tree judges how (SPEC 4 Exit kinds) and decides what follows.
 */
void tree_on_exit(struct tree *t, struct prog *p, const struct exit_info *e);

/* The node's tree timer fired. */
void tree_on_timer(struct tree *t, struct node *n, int64_t now_ms);

/*
 * Operator actions (SPEC 4 "Operator actions" and SPEC 11): not crashes;
 * they charge no intensity and count no RESTARTS.
 *
 * stop: n stays stopped until an operator starts it (a supervisor: its
 * whole subtree; the root: each of its children, the root itself stays).
 * start: a stopped or exited program is started; a stopped or failed
 * supervisor runs its start sequence with a fresh restart history; a
 * running supervisor starts those of its children that are neither
 * running nor held. -1 with *blocker when a supervisor above n is not
 * running (SPEC 11: exit 1 naming it). A program whose operator start
 * fails is left stopped with start_failed set.
 * restart: stop, then start (the root: every running child, in order).
 */
void tree_op_stop(struct tree *t, struct node *n, int64_t now_ms);
int tree_op_start(
    struct tree *t, struct node *n, int64_t now_ms, struct node **blocker);
int tree_op_restart(
    struct tree *t, struct node *n, int64_t now_ms, struct node **blocker);

/*
 * With their dependents (issue 19): the siblings that n's supervisor's
 * strategy stops or restarts with n. stop: n and, under rest_for_one and
 * one_for_all, its running siblings after it, each held like an operator
 * stop, in reverse order. restart: as a crash of n would (rest_for_one:
 * n and those after it; one_for_all: every child), running siblings
 * stopped in reverse order, then n and those that were running (not the
 * temporary ones) started in order; uncharged (no intensity, RESTARTS,
 * backoff). Under one_for_one, or for the root, as tree_op_stop and
 * tree_op_restart. -1 with *blocker as tree_op_restart.
 */
void tree_op_stop_dependents(struct tree *t, struct node *n, int64_t now_ms);
int tree_op_restart_dependents(
    struct tree *t, struct node *n, int64_t now_ms, struct node **blocker);

/*
 * Whether c is one of n's dependents, now: a running sibling that
 * tree_op_stop_dependents (restart false) or tree_op_restart_dependents
 * (restart true: a temporary one is stopped, not started again) acts on.
 */
bool tree_is_dependent(
    const struct node *n, const struct node *c, bool restart);

/* tendctl kill sent SIGKILL to p's instance: when it ends, that is the
 * cause (CAUSE_KILL), though the exit is judged as any other (SPEC 11). */
void tree_op_kill(struct tree *t, struct prog *p);

/* A reload is about to free n: no node names it as its cause any more. */
void tree_forget_causes(struct tree *t, const struct node *n);

/* The first supervisor above n that is not running or starting. */
struct node *tree_blocker(const struct node *n);

/*
 * Health (SPEC 5, SPEC 11): whether n is as it should be; if not, *why
 * says so in a few words. *skip_kids: n's subtree need not be looked at
 * (a supervisor that is stopped, failed, or not running).
 */
bool tree_node_healthy(const struct node *n, const char **why, bool *skip_kids);

/*
 * Live change (SPEC 7 Reload, SPEC 11): why t cannot take a reload now
 * (a start or restart sequence is under way, the last reload has not
 * finished), or NULL. *who: the node concerned.
 */
const char *tree_reload_busy(const struct tree *t, const struct node **who);

struct diff;

/*
 * Bring t to nw (valid; df compares t->cfg with it) by difference: nodes
 * in both keep their state and history and take nw's keys; a program
 * whose process keys changed is stopped and started again, uncharged,
 * without its supervisor's strategy; removed and moved nodes (and those
 * whose kind changed) stop in reverse order, one at a time, then the
 * added ones (a moved node is removed and added) start in their
 * supervisor's order. Takes nw over on success. 0; or -1 (ENOMEM) and
 * nothing changed.
 */
int tree_reload(
    struct tree *t, struct config *nw, const struct diff *df, int64_t now_ms);

/* Whether a reload's removed nodes are all stopped and can be freed. */
bool tree_gone_done(const struct tree *t);

/* Free the removed nodes (each of t->gone and its subtree) and the
 * configuration they borrowed from. The caller has stopped their
 * watchers and dropped every other pointer to them. */
void tree_gone_free(struct tree *t);

/* Take the next action of the plan into *a: true, or false if empty. */
bool tree_next_action(struct tree *t, struct action *a);

/* Pure helpers, exported for tests and for display. */

/* Shell-like status of an end: N, 128+SIG, 127/126 for a failed exec. */
int exit_code(const struct exit_info *e);

/* How a program's self-inflicted end is judged: normal or abnormal. */
enum exit_kind exit_kind_of(const struct exit_info *e);

/* Whether a child with restart type r is restarted after an end of kind k. */
bool restart_wanted(enum node_kind kind, enum restart r, enum exit_kind k);

/* Whether one more restart at now would exceed the intensity of s. */
bool intensity_exceeded(const struct sup *s, int64_t now_ms);

/* When a program in backoff is due to start (its own timer, or its
 * supervisor's while a group restart waits), else -1. */
int64_t tree_next_start_ms(const struct node *n);

/*
 * LAST-EXIT as one token (SPEC 11): "exit:N", "signal:NAME",
 * "exec:ERRNO-NAME", "timeout", "health", "watchdog"; into buf, which is
 * returned.
 */
char *exit_token(const struct exit_info *e, char *buf, size_t size);

/* How many restarts s has counted within its period before now. */
size_t tree_restarts_within(const struct sup *s, int64_t now);

/* The same in words for tend's log: "exited with status 1", "killed by
 * signal TERM", "could not start: No such file or directory". */
char *exit_describe(const struct exit_info *e, char *buf, size_t size);

/* "exec", "chdir", ... for messages. */
const char *spawn_stage_name(enum spawn_stage stage);

/* What a start of p failed on at stage: its command, directory, user or
 * output file; "" for a stage with no object. */
const char *spawn_stage_object(const struct prog *p, enum spawn_stage stage);

/* The name of a state ("running"). */
const char *state_name(enum state st);

/* The name of a strategy ("one_for_one"). */
const char *strategy_name(enum strategy s);

/* The word of a cause on the wire and in JSON ("strategy"); "" for
 * CAUSE_NONE. */
const char *cause_name(enum cause c);

/*
 * Why n is in state st, in words, into buf (returned): "started by
 * operator", "restarted by the strategy of back after db's exit",
 * "stopped for tend's shutdown"; "" for CAUSE_NONE. verb NULL: the whole;
 * else *verb gets its verb ("restarted") and buf the rest ("by the
 * strategy of back after db's exit").
 */
char *cause_describe(const struct node *n, enum cause c,
    const struct node *from, enum state st, const char **verb, char *buf,
    size_t size);

#endif
