/*
 * supervise.c: carries out the tree's plans (see supervise.h).
 *
 * A program's instance lives from its spawn until its main process has
 * been reaped and nothing of its process group is left. Only then does
 * the tree hear of its end, so that two instances never overlap (SPEC 4
 * Stop). Lookups by pid go through a hash; an exit costs O(1) plus one
 * kill(-pgid, 0) per instance whose group is still being emptied.
 *
 * Nothing here blocks but the spawn itself (until the child's exec).
 */
#include "supervise.h"

#include <sys/resource.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cglimit.h"
#include "cgroup.h"
#include "diff.h"
#include "events.h"
#include "fdset.h"
#include "leftover.h"
#include "listen.h"
#include "log.h"
#include "output.h"
#include "pid1.h"
#include "pidmap.h"
#include "probe.h"
#include "ready.h"
#include "spawn.h"
#include "state.h"
#include "units.h"
#include "upgrade.h"

#define container_of(ptr, type, member)                                        \
	((type *)(void *)((char *)(ptr)-offsetof(type, member)))

static struct {
	struct ev_loop *loop;
	struct tree *tree;
	struct pidmap pids;
	struct prog *cleanups; /* instances whose group is being emptied */
	struct spawn_ids ids;
	void (*on_exit)(int status);
	bool exiting;
	/* starts waiting for resources tend ran short of */
	struct prog **retry;
	size_t nretry, retry_cap;
	ev_timer retry_w;
	int64_t short_since; /* when the shortage began; 0: none */
	/* pidfds held, and how many the open-files limit leaves room for
	 * beside what every program needs (supervise_fd_need) */
	size_t npidfds, pidfd_room;
	struct fdset pidfds; /* every pidfd held, watched together */
	/* instances set aside by handovers (see "handover" below) */
	struct aside *asides;
	size_t nasides, asides_cap;
	bool exit_pending; /* tend ends once they have ended */
	int exit_status;
} sv;

struct aside;
static struct aside *aside_of(const struct prog *inst);
static void aside_ended(struct aside *a, const struct exit_info *e);

int
supervise_signal(struct prog *p, int sig)
{
	if (p->pid == 0) {
		errno = ESRCH;
		return -1;
	}
	return kill(p->pid, sig);
}

struct tree *
supervise_tree(void)
{
	return sv.tree;
}

int64_t
supervise_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct prog *
prog_of(struct node *n)
{
	return (struct prog *)n;
}

/* ------------------------------------------------------------ signals */

static void
signal_instance(struct prog *p, int sig)
{
	if (p->pgid != 0 && kill(-p->pgid, sig) == -1 && errno != ESRCH)
		log_warn("%s: kill -%s %d", p->node.shown,
		    units_signal_name(sig) ? units_signal_name(sig) : "?",
		    -p->pgid);
	/* the main process may have left its group */
	if (p->pid != 0 && p->pid != p->pgid)
		(void)kill(p->pid, sig);
}

/* Whether anything of p's instance lives: its cgroup where it has one
 * (setsid() escapees included), else its process group. */
static bool
group_alive(const struct prog *p)
{
	if (cgroup_has(p))
		return cgroup_populated(p);
	return kill(-p->pgid, 0) == 0 || errno == EPERM;
}

static void
arm_kill(struct prog *p, int64_t after_ms)
{
	ev_timer_stop(sv.loop, &p->kill_w);
	if (after_ms < 0)
		return; /* infinity: never escalate */
	ev_timer_set(&p->kill_w, (double)after_ms / 1000.0, 0.0);
	ev_timer_start(sv.loop, &p->kill_w);
}

static void
kill_now(struct prog *p)
{
	ev_timer_stop(sv.loop, &p->kill_w);
	p->stop_sent = true;
	signal_instance(p, SIGKILL);
	if (cgroup_has(p) && cgroup_kill(p) == -1)
		log_warn("%s: cgroup.kill", p->node.shown);
}

/* Send the program's stop signal (SPEC 4 Stop), or first instead of it,
 * then arm its deadline. */
static void
stop_instance(struct prog *p, int first)
{
	int sig = first != 0 ? first : p->conf->stop_signal;

	if (p->conf->shutdown_ms == CONFIG_BRUTAL_KILL) {
		kill_now(p);
		return;
	}
	p->stop_sent = true;
	signal_instance(p, sig);
	if (p->pid == 0 && cgroup_has(p))
		cgroup_signal(p, sig); /* leftovers, wherever they went */
	if (sig != SIGKILL && sig != SIGCONT) {
		signal_instance(p, SIGCONT); /* a stopped process can act */
		if (p->pid == 0 && cgroup_has(p))
			cgroup_signal(p, SIGCONT);
	}
	arm_kill(p, p->conf->shutdown_ms == CONFIG_INFINITY
	                ? -1
	                : p->conf->shutdown_ms);
}

/* Stop p's instance: its stop signal (or first), or SIGKILL when asked or
 * when its main process has ended already (SPEC 4: what is left of it is
 * killed at once). */
static void
end_instance(struct prog *p, bool kill_it, int first)
{
	if (kill_it || p->pid == 0)
		kill_now(p);
	else
		stop_instance(p, first);
}

static void
on_kill_deadline(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct prog *p = container_of(w, struct prog, kill_w);

	(void)loop;
	(void)revents;
	if (p->pgid == 0)
		return;
	log_warnx("%s: still running %s after its stop signal; killing it",
	    p->node.shown, p->pid != 0 ? "(main process)" : "(leftovers)");
	kill_now(p);
}

/* ------------------------------------------------------ instance ends */

static void
cleanup_add(struct prog *p)
{
	p->cleanup = true;
	p->cleanup_prev = NULL;
	p->cleanup_next = sv.cleanups;
	if (sv.cleanups != NULL)
		sv.cleanups->cleanup_prev = p;
	sv.cleanups = p;
}

static void
cleanup_remove(struct prog *p)
{
	if (!p->cleanup)
		return;
	if (p->cleanup_prev != NULL)
		p->cleanup_prev->cleanup_next = p->cleanup_next;
	else
		sv.cleanups = p->cleanup_next;
	if (p->cleanup_next != NULL)
		p->cleanup_next->cleanup_prev = p->cleanup_prev;
	p->cleanup = false;
	p->cleanup_next = p->cleanup_prev = NULL;
}

/* Keep e in p's history of ends (inspect); nothing if out of memory. */
static void
remember_end(struct prog *p, const struct exit_info *e)
{
	struct prog_past *h = p->past;
	size_t at;

	if (h == NULL) {
		h = p->past = calloc(1, sizeof(*h));
		if (h == NULL)
			return;
	}
	at = (h->head + h->n) % PROG_PAST;
	if (h->n == PROG_PAST)
		h->head = (h->head + 1) % PROG_PAST;
	else
		h->n++;
	h->v[at] = *e;
	h->up_ms[at] = e->exec_errno != 0 ? -1 : e->at_ms - p->started_ms;
}

/* Whether p's main process, ended with wstatus, was killed by the OOM
 * killer: a SIGKILL tend did not send, and one more oom_kill in its
 * memory cgroup than at its start (SPEC 9). */
static bool
killed_by_oom(const struct prog *p, int wstatus)
{
	if (!WIFSIGNALED(wstatus) || WTERMSIG(wstatus) != SIGKILL ||
	    p->stop_sent || p->oom_base < 0)
		return false;
	return cglimit_oom_kills(p) > p->oom_base;
}

/* Nothing of the instance is left: the tree may decide. */
static void
instance_ended(struct prog *p)
{
	struct exit_info e;

	cleanup_remove(p);
	cgroup_unwatch(p);
	ev_timer_stop(sv.loop, &p->kill_w);
	output_instance_ended(p);
	p->pgid = 0;
	leftover_changed();
	p->stop_sent = false;
	memset(&e, 0, sizeof(e));
	e.wstatus = p->wstatus;
	e.fail =
	    p->node.state == ST_STOPPING ? (enum fail_cause)p->fail : FAIL_NONE;
	e.oom = p->oom_end;
	e.at_ms = supervise_now_ms();
	if (aside_of(p) != NULL) {
		aside_ended(aside_of(p), &e);
		return;
	}
	remember_end(p, &e);
	events_exit(p, &e);
	tree_on_exit(sv.tree, p, &e);
}

/* Actions carried out at once when the notify socket had news before an
 * exit: a READY=1 is shown before the exit that followed it. */
#define NEWS_SPAWNS 32

static void
main_exited(struct prog *p, int wstatus)
{
	p->oom_end = killed_by_oom(p, wstatus);
	if (p->oom_end)
		log_warnx("%s: killed by the OOM killer (out of memory in its "
		          "cgroup)",
		    p->node.shown);
	if (ready_main_exited(p))
		(void)supervise_run(NEWS_SPAWNS);
	p->pid = 0;
	p->wstatus = wstatus;
	if (!group_alive(p)) {
		instance_ended(p);
		return;
	}
	cleanup_add(p);
	cgroup_watch(p);
	if (p->stop_sent) {
		kill_now(p); /* SPEC 4: what is left is killed at once */
	} else {
		/* it ended by itself: its leftovers get a stop, then KILL */
		stop_instance(p, 0);
	}
}

static void
check_cleanups(void)
{
	struct prog *p, *next;

	for (p = sv.cleanups; p != NULL; p = next) {
		next = p->cleanup_next;
		if (!group_alive(p))
			instance_ended(p);
	}
}

/* cgroup.c saw p's cgroup become empty. */
static void
on_cgroup_empty(struct prog *p)
{
	if (p->cleanup && !group_alive(p))
		instance_ended(p);
}

/* p's main process is reaped: its pidfd, if it has one, is done with. */
static void
drop_pidfd(struct prog *p)
{
	if (p->pidfd < 0)
		return;
	fdset_del(&sv.pidfds, p->pidfd);
	close(p->pidfd);
	p->pidfd = -1;
	sv.npidfds--;
}

void
supervise_reaped(pid_t pid, int wstatus)
{
	struct prog *p = pidmap_take(&sv.pids, pid);

	if (p != NULL) {
		drop_pidfd(p);
		main_exited(p, wstatus);
	} else {
		(void)probe_reaped(pid, wstatus);
	}
	/* SPEC 11: a pending group kill re-checks after every reap */
	check_cleanups();
}

void
supervise_paused(pid_t pid, bool paused)
{
	struct prog *p = pidmap_get(&sv.pids, pid);

	if (p != NULL)
		p->paused = paused;
}

bool
supervise_reaps_alone(pid_t pid)
{
	struct prog *p = pidmap_get(&sv.pids, pid);

	return p != NULL && p->pidfd >= 0;
}

/* p's main process has pidfd (-1: none), which the set watches: added
 * to it, or in it already (in_set: carried by an upgrade). If it cannot
 * be (ENOMEM), it is closed, and the end is found by a wait over all
 * children. */
static void
hold_pidfd(struct prog *p, int pidfd, bool in_set)
{
	if (pidfd >= 0 && (in_set ? fdset_own(&sv.pidfds, pidfd, p)
	                          : fdset_add(&sv.pidfds, pidfd, p)) == -1) {
		log_warn("%s: cannot watch its pidfd (its end is found by a "
		         "wait over all children)",
		    p->node.shown);
		close(pidfd);
		pidfd = -1;
	}
	p->pidfd = pidfd;
	if (pidfd >= 0)
		sv.npidfds++;
}

/* The pidfd of p's main process is readable: it has ended. */
static void
on_main_exit(void *owner)
{
	struct prog *p = owner;
	pid_t pid;
	int wstatus;

	if (p->pidfd < 0)
		return; /* reaped by a wait over all children meanwhile */
	wstatus = spawn_wait_status(p->pidfd, false, &pid);
	if (wstatus == -1) {
		/* a wait over all children would have closed this pidfd:
		 * not possible but for a bug; say so, count it as killed */
		log_warn(
		    "internal error: %s: waitid on its pidfd", p->node.shown);
		pid = p->pid;
		wstatus = SIGKILL;
	} else if (pid == 0) {
		return; /* not ended after all */
	}
	supervise_reaped(pid, wstatus);
	pid1_sweep_reaped();
}

/* ------------------------------------------------------------ actions */

/* p's start failed with err at stage (-1: not at a stage of the child). */
static void
start_failed(struct prog *p, int err, int stage)
{
	struct exit_info e;

	memset(&e, 0, sizeof(e));
	e.exec_errno = err != 0 ? err : EINVAL;
	e.before_exec = stage != STAGE_EXEC;
	e.stage = (unsigned char)(stage + 1);
	e.at_ms = supervise_now_ms();
	p->inst_pid = 0;
	remember_end(p, &e);
	events_exit(p, &e);
	tree_on_exit(sv.tree, p, &e);
}

/*
 * tend ran short of something it needs to start a program (descriptors,
 * processes, memory): that is no failure of the program, so its start is
 * not charged; it is tried again a moment later, and one line says so
 * until starts succeed again. False if errno is no such shortage.
 */
static bool
short_of(struct prog *p, const char *what)
{
	if (errno != EMFILE && errno != ENFILE && errno != EAGAIN &&
	    errno != ENOMEM && errno != ENOSPC)
		return false;
	if (sv.short_since == 0) {
		sv.short_since = supervise_now_ms();
		log_warn("%s: cannot make %s; tend retries such starts every "
		         "%d ms",
		    p->node.shown, what, SUPERVISE_RETRY_MS);
	}
	if (p->retry_gen == 0 && sv.nretry < sv.retry_cap)
		sv.retry[sv.nretry++] = p;
	p->retry_gen = p->node.gen;
	if (!ev_is_active(&sv.retry_w)) {
		/* set each time: a timer that ran out restarts at once */
		ev_timer_set(&sv.retry_w, SUPERVISE_RETRY_MS / 1000.0, 0.0);
		ev_timer_start(sv.loop, &sv.retry_w);
	}
	return true;
}

/* What a start needs could not be made: a shortage, or a failed start. */
static void
not_prepared(struct prog *p, const char *what)
{
	if (short_of(p, what))
		return;
	log_warn("%s: cannot start: %s", p->node.shown, what);
	start_failed(p, errno, -1);
}

/* ------------------------------------------------------------ handover */

/*
 * A start_first handover (SPEC 7) keeps an instance of a program aside
 * while another is its live one: the outgoing instance, which serves
 * until the new one is ready, or a new one that failed, while it stops.
 * An instance aside is a copy of its program's struct prog that owns the
 * instance: pid, process group, pidfd, stop deadline, cgroup (its
 * slot, cgroup.h) and capture pipe (output_set_aside). It ends as any
 * instance does (stop signal, deadline, SIGKILL, reap, group emptied),
 * but its end is not the tree's to judge: it is logged, published, and
 * let go; only an outgoing instance that ended before the handover gave
 * back is handed to the tree then, as the live instance's end.
 */
struct aside {
	struct prog *inst; /* the copy that owns the instance */
	struct prog *of;   /* its program */
	bool outgoing;     /* serving while the new one starts; false: it
	                    * is being stopped (retired or discarded) */
	bool ended;        /* it ended while outgoing; end says how */
	struct exit_info end;
};

static struct aside *
aside_of(const struct prog *inst)
{
	size_t i;

	for (i = 0; i < sv.nasides; i++)
		if (sv.asides[i].inst == inst)
			return &sv.asides[i];
	return NULL;
}

static struct aside *
outgoing_of(const struct prog *p)
{
	size_t i;

	for (i = 0; i < sv.nasides; i++)
		if (sv.asides[i].of == p && sv.asides[i].outgoing)
			return &sv.asides[i];
	return NULL;
}

/* Whether p has an instance aside (the tree starts no handover then). */
static bool
has_aside(const struct prog *p)
{
	size_t i;

	for (i = 0; i < sv.nasides; i++)
		if (sv.asides[i].of == p)
			return true;
	return false;
}

/* A copy of p to own an instance set aside, registered; NULL (ENOMEM). */
static struct prog *
new_aside(struct prog *p, bool outgoing)
{
	struct prog *inst;

	if (sv.nasides == sv.asides_cap) {
		size_t cap = sv.asides_cap ? sv.asides_cap * 2 : 4;
		struct aside *v = reallocarray(sv.asides, cap, sizeof(*v));

		if (v == NULL)
			return NULL;
		sv.asides = v;
		sv.asides_cap = cap;
	}
	inst = malloc(sizeof(*inst));
	if (inst == NULL)
		return NULL;
	*inst = *p; /* what it is: its conf, node, names (borrowed) */
	inst->ready_no = 0;
	inst->cap = NULL;
	inst->past = NULL;
	inst->envp = NULL;
	inst->listen_env = NULL;
	memset(&inst->lset, 0, sizeof(inst->lset));
	inst->pid = inst->pgid = 0;
	inst->cleanup = false;
	inst->cleanup_next = inst->cleanup_prev = NULL;
	inst->cg_wd = 0;
	inst->retry_gen = 0;
	inst->node.cg_made = inst->node.cg_killed = false;
	ev_timer_init(&inst->kill_w, on_kill_deadline, 0.0, 0.0);
	inst->pidfd = -1;
	sv.asides[sv.nasides++] =
	    (struct aside){.inst = inst, .of = p, .outgoing = outgoing};
	return inst;
}

/* Unregister and free a: its instance is over (or back with its
 * program); its cgroup directory, if it still has one, and its capture
 * are let go. */
static void
drop_aside(struct aside *a)
{
	struct prog *of = a->of;

	cgroup_forget(&a->inst->node);
	output_release(a->inst);
	drop_pidfd(a->inst);
	ev_timer_stop(sv.loop, &a->inst->kill_w);
	free(a->inst);
	*a = sv.asides[--sv.nasides];
	of->outgoing = has_aside(of);
	if (sv.nasides == 0 && sv.exit_pending) {
		sv.exit_pending = false;
		sv.on_exit(sv.exit_status);
	}
}

/* Move the live instance of from (pids, watchers, cgroup, stop under
 * way) to to; from has none after. */
static void
move_instance(struct prog *to, struct prog *from)
{
	bool cleaning = from->cleanup, watched = from->cg_wd > 0;
	bool timing = ev_is_active(&from->kill_w);
	int pidfd = from->pidfd;
	double left = timing ? ev_timer_remaining(sv.loop, &from->kill_w) : 0;

	cleanup_remove(from);
	cgroup_unwatch(from);
	ev_timer_stop(sv.loop, &from->kill_w);
	from->pidfd = -1;
	to->pid = from->pid;
	to->pgid = from->pgid;
	to->inst_pid = from->inst_pid;
	to->inst_gen = from->inst_gen;
	to->stop_sent = from->stop_sent;
	to->paused = from->paused;
	to->wstatus = from->wstatus;
	to->started_ms = from->started_ms;
	to->start_ticks = from->start_ticks;
	to->oom_base = from->oom_base;
	to->oom_end = from->oom_end;
	to->node.cg_made = from->node.cg_made;
	to->node.cg_killed = from->node.cg_killed;
	to->node.cg_alt = from->node.cg_alt;
	from->pid = from->pgid = 0;
	from->stop_sent = from->paused = false;
	from->node.cg_made = from->node.cg_killed = false;
	/* its next instance's cgroup: the other slot (enum cgroup_slot) */
	from->node.cg_alt = to->node.cg_alt ^ 1u;
	if (to->pid != 0) {
		(void)pidmap_take(&sv.pids, to->pid);
		(void)pidmap_put(&sv.pids, to->pid, to); /* the room freed */
	}
	to->pidfd = pidfd;
	if (pidfd >= 0) /* in the table already: cannot fail */
		(void)fdset_own(&sv.pidfds, pidfd, to);
	if (timing) {
		ev_timer_set(&to->kill_w, left > 0 ? left : 0.0, 0.0);
		ev_timer_start(sv.loop, &to->kill_w);
	}
	if (cleaning)
		cleanup_add(to);
	if (watched)
		cgroup_watch(to);
}

/* ACT_HANDOVER: p's live instance (gen) goes aside, serving. */
static void
do_handover(struct prog *p, unsigned gen)
{
	struct prog *inst;
	int err_no;

	if (p->pgid == 0 || p->inst_gen != gen)
		return; /* it has ended: the start that follows is plain */
	inst = new_aside(p, true);
	if (inst == NULL || output_set_aside(p, inst) == -1)
		goto fail;
	move_instance(inst, p);
	ready_set_aside(p);
	p->outgoing = true;
	log_info("%s: handover: starting a new instance while pid %d serves",
	    p->node.shown, (int)inst->pid);
	return;
fail:
	err_no = errno != 0 ? errno : ENOMEM;
	if (inst != NULL)
		drop_aside(aside_of(inst));
	log_warnx("%s: handover: cannot set the live instance aside: %s",
	    p->node.shown, strerror(err_no));
	start_failed(p, err_no, -1); /* the tree gives back to it */
}

/* ACT_RETIRE: the new instance is ready (or p stops): the outgoing one
 * is stopped. */
static void
do_retire(struct prog *p)
{
	struct aside *a = outgoing_of(p);

	if (a == NULL)
		return;
	a->outgoing = false;
	if (a->ended) {
		drop_aside(a);
		return;
	}
	if (p->pid != 0 && p->node.state == ST_RUNNING)
		log_info("%s: handover: pid %d is ready; stopping pid %d",
		    p->node.shown, (int)p->pid, (int)a->inst->pid);
	end_instance(a->inst, false, 0);
}

/* ACT_HANDBACK: the new instance (gen) failed: it is stopped, and the
 * outgoing one is p's live instance again. */
static void
do_handback(struct prog *p, unsigned gen)
{
	struct aside *a = outgoing_of(p);
	struct prog *old = a != NULL ? a->inst : NULL, *d;
	struct exit_info end;

	if (p->pgid != 0 && p->inst_gen == gen) {
		d = new_aside(p, false);
		a = old != NULL ? aside_of(old) : NULL; /* sv.asides moved */
		if (d == NULL) {
			log_warn("%s: handover: cannot set the new instance "
			         "aside; killing it",
			    p->node.shown);
			kill_now(p);
			return; /* its end goes to the tree */
		}
		ready_set_aside(p);
		output_swap(p, old != NULL ? old : d);
		if (old != NULL)
			output_give(old, d);
		move_instance(d, p);
		end_instance(d, false, 0);
	} else if (old != NULL) {
		output_swap(p, old);
	}
	if (a == NULL || old == NULL)
		return;
	log_warnx("%s: handover failed: %s; pid %d goes on", p->node.shown,
	    handover_end_words((enum handover_end)p->handover_failed),
	    (int)old->pid);
	if (a->ended) {
		end = a->end;
		drop_aside(a);
		remember_end(p, &end);
		events_exit(p, &end);
		tree_on_exit(sv.tree, p, &end);
		return;
	}
	move_instance(p, old);
	p->inst_gen = p->node.gen; /* the tree's stops name this gen */
	drop_aside(a);
	ready_spawned(p); /* running: its checks and watchdog again */
}

/* An instance aside has ended (instance_ended). */
static void
aside_ended(struct aside *a, const struct exit_info *e)
{
	struct prog *inst = a->inst;

	events_exit(inst, e);
	if (a->outgoing) {
		log_warnx("%s: the outgoing instance (pid %d) ended during "
		          "the handover",
		    inst->node.shown, (int)inst->inst_pid);
		a->ended = true;
		a->end = *e;
		return;
	}
	log_info("%s: pid %d ended (handover)", inst->node.shown,
	    (int)inst->inst_pid);
	drop_aside(a);
}

size_t
supervise_asides(
    const struct prog *p, const struct prog **v, bool *serving, size_t max)
{
	size_t i, n = 0;

	for (i = 0; i < sv.nasides && n < max; i++) {
		if (sv.asides[i].of != p || sv.asides[i].ended)
			continue;
		serving[n] = sv.asides[i].outgoing;
		v[n++] = sv.asides[i].inst;
	}
	return n;
}

bool
supervise_handing(void)
{
	return sv.nasides > 0;
}

static void do_start(struct prog *p, unsigned gen);

/*
 * p's listening sockets, bound at its first start and kept across its
 * restarts. 0; or -1 when one cannot be bound: the start has failed.
 */
static int
hold_sockets(struct prog *p)
{
	const struct prog_extra *x = prog_extra(p->conf);
	char err[256];
	int e;

	if (x->nlisten == 0 || p->lset.n > 0)
		return 0;
	if (listen_hold(x->listen, x->nlisten, &p->lset, err, sizeof(err)) == 0)
		return 0;
	if (short_of(p, "a listening socket"))
		return -1;
	e = errno;
	log_warnx("%s: cannot start: %s", p->node.shown, err);
	start_failed(p, e, -1); /* tend's side, before any process */
	return -1;
}

static void
on_retry(struct ev_loop *loop, ev_timer *w, int revents)
{
	size_t i, n = sv.nretry;

	(void)loop;
	(void)w;
	(void)revents;
	sv.nretry = 0; /* a start short again puts itself back */
	for (i = 0; i < n; i++) {
		struct prog *p = sv.retry[i];
		unsigned gen = p->retry_gen;

		p->retry_gen = 0;
		do_start(p, gen);
	}
}

/*
 * What p's spawn passes besides stdout and stderr: its readiness pipe,
 * the cgroup v1 cgroups it joins (their cgroup.procs into v1). 0, or -1
 * having said what could not be prepared and let go of the rest (the
 * capture pipe's child ends, cg_fd).
 */
static int
prepare_extra(struct prog *p, struct spawn_extra *more, int *v1, int cg_fd)
{
	const char *what = NULL;
	int err_no;

	more->pid_var = ready_pid_var(p);
	more->ready_fd = ready_before_spawn(p, &more->ready_n);
	more->v1_fds = v1;
	more->nv1 = 0;
	if (more->ready_fd == -1 && errno != 0)
		what = "its readiness pipe";
	else if ((more->nv1 = cglimit_v1_prepare(p, v1)) == -1)
		what = "its cgroup v1 cgroups";
	if (what == NULL)
		return 0;
	err_no = errno;
	output_spawned(p);
	if (cg_fd >= 0)
		close(cg_fd);
	if (more->nv1 == -1)
		ready_spawn_failed(p);
	errno = err_no;
	not_prepared(p, what);
	return -1;
}

/* "back/db: started, pid 12 (restarted by the strategy of back ...)" */
static void
log_started(const struct node *n, pid_t pid)
{
	char why[256];

	if (n->cause == CAUSE_NONE) {
		log_info("%s: started, pid %d", n->shown, (int)pid);
		return;
	}
	log_info("%s: started, pid %d (%s)", n->shown, (int)pid,
	    cause_describe(
	        n, n->cause, n->cause_from, n->state, NULL, why, sizeof(why)));
}

static void
do_start(struct prog *p, unsigned gen)
{
	struct node *n = &p->node;
	enum spawn_stage stage;
	struct out_fd fd1, fd2;
	struct spawn_extra more;
	char err[256];
	pid_t pid, failed;
	bool migrate;
	int cg_fd, err_no, pidfd, v1[CGLIMIT_V1_MAX];

	if (n->gen != gen)
		return; /* a later start of it is queued */
	if (n->state == ST_STOPPING && p->pgid == 0) {
		/* a stop was queued behind this start: nothing to start */
		tree_on_not_started(sv.tree, p, supervise_now_ms());
		return;
	}
	if (n->state != ST_STARTING)
		return; /* (a handover that gave back before its start) */
	if (p->pgid != 0) {
		log_warnx("internal error: %s: start while an instance lives",
		    n->shown);
		return;
	}
	if (spawn_resolve_ids(p->conf->user, p->conf->group, &sv.ids, err,
	        sizeof(err)) == -1) {
		log_warnx("%s: cannot start: %s", n->shown, err);
		start_failed(p, ESRCH, STAGE_USER);
		return;
	}
	if (hold_sockets(p) == -1)
		return;
	if (output_prepare(p, &fd1, &fd2) == -1) {
		not_prepared(p, "its capture pipe");
		return;
	}
	cg_fd = cgroup_prepare(p, &migrate);
	if (cg_fd == -1 && errno != 0) {
		err_no = errno;
		output_spawned(p);
		errno = err_no;
		not_prepared(p, "its cgroup");
		return;
	}
	if (prepare_extra(p, &more, v1, cg_fd) == -1)
		return;
	p->oom_base = cglimit_oom_kills(p);
	pidfd = sv.npidfds < sv.pidfd_room ? 0 : -1; /* -1: none wanted */
	pid = spawn_program(p, &sv.ids, &fd1, &fd2, &more, cg_fd, migrate,
	    &stage, &failed, &pidfd);
	err_no = errno;
	output_spawned(p);
	if (cg_fd >= 0)
		close(cg_fd);
	while (more.nv1 > 0)
		close(v1[--more.nv1]);
	if (pid == -1)
		ready_spawn_failed(p);
	errno = err_no;
	if (pid == -1) {
		/* the parent's side failing is tend's shortage; the child's
		 * (failed is its pid) is the program's failed start */
		if (failed == 0 && short_of(p, "a new process"))
			return;
		log_warn("%s: cannot start: %s %s", n->shown,
		    spawn_stage_name(stage), spawn_stage_object(p, stage));
		start_failed(p, errno, (int)stage);
		return;
	}
	if (sv.short_since != 0) {
		log_info("starting programs again after %lldms short of "
		         "resources",
		    (long long)(supervise_now_ms() - sv.short_since));
		sv.short_since = 0;
	}
	if (pidmap_put(&sv.pids, pid, p) == -1) {
		log_error("%s: cannot track pid %d; killing it", n->shown, pid);
		(void)kill(-pid, SIGKILL);
		if (pidfd >= 0) {
			(void)spawn_wait_status(pidfd, true, &failed);
			close(pidfd);
		}
		ready_spawn_failed(p);
		start_failed(p, ENOMEM, -1);
		return;
	}
	hold_pidfd(p, pidfd, false);
	p->pid = p->pgid = p->inst_pid = pid;
	p->inst_gen = gen;
	p->stop_sent = false;
	p->paused = false;
	p->started_ms = supervise_now_ms();
	p->start_ticks = 0;
	leftover_changed();
	log_started(n, pid);
	output_started(p);
	tree_on_spawned(sv.tree, p, p->started_ms);
	ready_spawned(p);
}

static void
do_stop(struct prog *p, unsigned gen, bool kill_it, int first)
{
	if (p->pgid == 0 || p->inst_gen != gen)
		return; /* that instance is gone already */
	ready_stopping(p);
	end_instance(p, kill_it, first);
}

static void
do_timer(struct node *n)
{
	double after;

	ev_timer_stop(sv.loop, &n->timer_w);
	if (n->timer_at_ms < 0)
		return;
	after = (double)(n->timer_at_ms - supervise_now_ms()) / 1000.0;
	ev_timer_set(&n->timer_w, after > 0 ? after : 0.0, 0.0);
	ev_timer_start(sv.loop, &n->timer_w);
}

static void
on_tree_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct node *n = container_of(w, struct node, timer_w);

	(void)loop;
	(void)revents;
	tree_on_timer(sv.tree, n, supervise_now_ms());
}

static void
begin_exit(int status)
{
	if (sv.exiting)
		return;
	sv.exiting = true;
	if (sv.nasides > 0) { /* an instance aside still ends */
		sv.exit_pending = true;
		sv.exit_status = status;
		return;
	}
	sv.on_exit(status);
}

/* What p holds that tend's end or p's removal lets go. */
static void
release_prog(struct prog *p)
{
	ev_timer_stop(sv.loop, &p->kill_w);
	drop_pidfd(p);
	spawn_release(p);
	output_release(p);
	free(p->past);
	p->past = NULL;
	listen_release(&p->lset);
}

/* A node a reload removed, now stopped: everything of it let go. */
static void
forget_node(struct node *n)
{
	size_t i;

	if (n->kind == NODE_SUP)
		for (i = 0; i < ((struct sup *)n)->nkids; i++)
			forget_node(((struct sup *)n)->kids[i]);
	events_publish(&(struct event){
	    .kind = EVENT_REMOVED, .node = n, .state = n->state});
	ev_timer_stop(sv.loop, &n->timer_w);
	cgroup_forget(n);
	if (n->kind != NODE_PROG)
		return;
	struct prog *p = prog_of(n);

	for (i = 0; i < sv.nretry; i++)
		if (sv.retry[i] == p)
			sv.retry[i] = sv.retry[--sv.nretry];
	cleanup_remove(p);
	if (p->pid != 0)
		(void)pidmap_take(&sv.pids, p->pid);
	ready_forget(p);
	release_prog(p);
}

static void
forget_gone(void)
{
	size_t i;

	for (i = 0; i < sv.tree->ngone; i++)
		forget_node(sv.tree->gone[i]);
	tree_gone_free(sv.tree);
}

bool
supervise_run(int max_spawns)
{
	struct action a;
	int spawns = 0;

	while (spawns < max_spawns && tree_next_action(sv.tree, &a)) {
		switch (a.kind) {
		case ACT_START:
			do_start(prog_of(a.node), a.gen);
			spawns++;
			break;
		case ACT_STOP:
			do_stop(prog_of(a.node), a.gen, false, (int)a.arg);
			break;
		case ACT_KILL:
			do_stop(prog_of(a.node), a.gen, true, 0);
			break;
		case ACT_TIMER:
			do_timer(a.node);
			break;
		case ACT_EXIT:
			begin_exit((int)a.arg);
			break;
		case ACT_HANDOVER:
			do_handover(prog_of(a.node), a.gen);
			break;
		case ACT_RETIRE:
			do_retire(prog_of(a.node));
			break;
		case ACT_HANDBACK:
			do_handback(prog_of(a.node), a.gen);
			break;
		case ACT_NOTE:
			events_report(&a);
			break;
		}
	}
	if (tree_gone_done(sv.tree) && sv.tree->plan.n == 0)
		forget_gone();
	if (sv.tree->plan.lost) {
		sv.tree->plan.lost = false;
		log_errorx("internal error: out of memory: the tree lost an "
		           "action");
	}
	leftover_flush(sv.tree, sv.tree->plan.n == 0);
	return sv.tree->plan.n > 0;
}

void
supervise_on_cgroup_empty(struct prog *p)
{
	on_cgroup_empty(p);
}

/* ------------------------------------------------------------ upgrade */

static void
save_prog(struct prog *p, struct state_w *w, int64_t now)
{
	state_put_i64(w, p->pid);
	state_put_i64(w, p->pgid);
	state_put_i64(w, p->inst_pid);
	state_put_u32(w, p->inst_gen);
	state_put_u32(w, p->retry_gen);
	state_put_u8(w, p->stop_sent);
	state_put_u8(w, p->paused);
	state_put_u8(w, p->cleanup);
	state_put_i64(w, p->wstatus);
	state_put_i64(w, p->started_ms);
	state_put_u64(w, p->start_ticks);
	state_put_i64(
	    w, ev_is_active(&p->kill_w)
	           ? now + (int64_t)(ev_timer_remaining(sv.loop, &p->kill_w) *
	                             1000.0)
	           : -1);
	state_put_open_fd(w, p->pidfd); /* version 3 on: not noted */
	state_put_u8(w, p->lset.n > 0); /* version 2 on */
	state_put_i64(w, p->oom_base);
	prog_past_save(p->past, w);
}

void
supervise_save(struct state_w *w)
{
	size_t at = state_begin_section(w, STATE_SUPERVISE), i;
	int64_t now = supervise_now_ms();

	state_put_fd(w, fdset_fd(&sv.pidfds)); /* version 3 on */
	state_put_i64(w, sv.short_since);
	state_put_u64(w, sv.tree->cfg.nprogs);
	for (i = 0; i < sv.tree->cfg.nprogs; i++)
		save_prog(sv.tree->progs[i], w, now);
	state_end_section(w, at);
}

/* Take p's instance over as the old tend left it. */
static void
adopt_instance(
    struct prog *p, int64_t kill_at, int pidfd, bool in_set, int64_t now)
{
	if (p->pid != 0 && pidmap_put(&sv.pids, p->pid, p) == -1)
		log_error("%s: cannot track pid %d", p->node.shown, p->pid);
	hold_pidfd(p, pidfd, in_set);
	cgroup_resume(p);
	if (p->cleanup) {
		p->cleanup = false;
		cleanup_add(p);
		cgroup_watch(p);
	}
	if (kill_at >= 0)
		arm_kill(p, kill_at > now ? kill_at - now : 0);
	if (p->retry_gen != 0 && sv.nretry < sv.retry_cap) {
		sv.retry[sv.nretry++] = p;
		if (!ev_is_active(&sv.retry_w))
			ev_timer_start(sv.loop, &sv.retry_w);
	}
}

static void
load_prog(
    struct prog *p, struct state_r *r, int64_t now, char *err, size_t errlen)
{
	int64_t kill_at;
	bool holds = false;
	int pidfd;

	p->pid = (pid_t)state_get_i64(r);
	p->pgid = (pid_t)state_get_i64(r);
	p->inst_pid = (pid_t)state_get_i64(r);
	p->inst_gen = state_get_u32(r);
	p->retry_gen = state_get_u32(r);
	p->stop_sent = state_get_bool(r);
	p->paused = state_get_bool(r);
	p->cleanup = state_get_bool(r);
	p->wstatus = (int)state_get_i64(r);
	p->started_ms = state_get_i64(r);
	p->start_ticks = state_get_u64(r);
	kill_at = state_get_i64(r);
	pidfd = state_get_fd(r);
	if (r->version >= 2) {
		holds = state_get_bool(r);
		p->oom_base = state_get_i64(r);
		p->past = prog_past_load(r);
	}
	if (p->pid < 0 || p->pgid < 0)
		r->failed = true;
	if (!r->failed) /* pidfds are in the set carried from version 3 */
		adopt_instance(p, kill_at, pidfd, r->version >= 3, now);
	/* its sockets, which listen_load took back, found by address */
	if (holds && !r->failed &&
	    listen_hold(prog_extra(p->conf)->listen,
	        prog_extra(p->conf)->nlisten, &p->lset, err, errlen) == -1)
		r->failed = true;
}

/* The set of pidfds the old tend carried (fdset.h). */
static int
take_set(struct state_r *s)
{
	int fd = state_get_fd(s);

	if (fd < 0 || s->failed)
		return -1;
	fdset_take(&sv.pidfds, fd);
	return 0;
}

int
supervise_load(struct state_r *r, char *err, size_t errlen)
{
	struct state_r s;
	int64_t now = supervise_now_ms();
	size_t i, n;

	err[0] = '\0';
	if (state_section(r, STATE_SUPERVISE, &s)) {
		if (s.version >= 3 && take_set(&s) == -1)
			s.failed = true;
		sv.short_since = state_get_i64(&s);
		n = state_get_count(&s, SIZE_MAX);
		if (n != sv.tree->cfg.nprogs)
			s.failed = true;
		for (i = 0; i < n && !s.failed; i++)
			load_prog(sv.tree->progs[i], &s, now, err, errlen);
	}
	if (!state_done(&s)) {
		if (err[0] == '\0')
			snprintf(err, errlen, "state: bad supervise section");
		return -1;
	}
	for (i = 0; i < sv.tree->nnodes; i++)
		if (sv.tree->nodes[i]->timer_at_ms >= 0)
			do_timer(sv.tree->nodes[i]);
	return 0;
}

/* ------------------------------------------------------------ reload */

const struct config *
supervise_config(void)
{
	return &sv.tree->cfg;
}

const char *
supervise_reload_busy(char *err, size_t errlen)
{
	const struct node *who;
	const char *why = tree_reload_busy(sv.tree, &who);

	if (why == NULL && sv.nasides > 0) {
		why = "a handover is under way";
		who = &sv.asides[0].of->node;
	}
	if (why == NULL)
		return NULL;
	snprintf(err, errlen,
	    "reload refused: %s (%s); nothing changed, "
	    "try again once it has ended",
	    why, who->shown);
	return err;
}

/* Whether item it (a program) needs its listening sockets bound now: a
 * new program, or one whose addresses changed. */
static bool
binds_now(const struct diff_item *it, const struct config *nw)
{
	if (it->is_sup || it->new_index < 0 ||
	    prog_extra(&nw->progs[it->new_index])->nlisten == 0)
		return false;
	return it->kind == DIFF_ADD || it->kind == DIFF_MOVE ||
	       (it->kind == DIFF_RESTART && (it->keys & DIFF_K_LISTEN));
}

/* Bind what the new file names (sets[i] for df->v[i]). 0, or -1 with
 * every set released and err saying which address. */
static int
bind_new(const struct config *nw, const struct diff *df,
    struct listen_set *sets, char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < df->n; i++) {
		const struct prog_extra *x;

		if (!binds_now(&df->v[i], nw))
			continue;
		x = prog_extra(&nw->progs[df->v[i].new_index]);
		if (listen_hold(x->listen, x->nlisten, &sets[i], err, errlen) ==
		    -1) {
			size_t e = strlen(err);

			snprintf(err + e, errlen - e,
			    " ([program:%s]); reload refused, nothing changed",
			    df->v[i].name);
			while (i-- > 0)
				listen_release(&sets[i]);
			return -1;
		}
	}
	return 0;
}

/* Watchers of nodes a reload made; every program's environment again
 * (it borrows from the configuration). */
static int
prepare_nodes(void)
{
	size_t i;

	for (i = 0; i < sv.tree->nnodes; i++) {
		struct node *n = sv.tree->nodes[i];

		if (n->timer_w.cb == NULL)
			ev_timer_init(&n->timer_w, on_tree_timer, 0.0, 0.0);
		if (n->kind != NODE_PROG)
			continue;
		if (prog_of(n)->kill_w.cb == NULL)
			ev_timer_init(
			    &prog_of(n)->kill_w, on_kill_deadline, 0.0, 0.0);
		spawn_release(prog_of(n));
		if (spawn_prepare(prog_of(n), ready_env(prog_of(n))) == -1)
			return -1;
	}
	return 0;
}

int
supervise_reload(
    struct config *nw, const struct diff *df, char *err, size_t errlen)
{
	struct listen_set *sets = calloc(df->n + 1, sizeof(*sets));
	struct prog **retry;
	size_t i;

	/* an array of pointers: sizeof(void *) */
	retry = sets != NULL
	            ? reallocarray(sv.retry, nw->nprogs + 1, sizeof(void *))
	            : NULL;
	if (retry == NULL) {
		free(sets);
		snprintf(err, errlen, "reload: %s", strerror(ENOMEM));
		return -1;
	}
	sv.retry = retry;
	if (cglimit_check(nw, err, errlen) == -1 ||
	    bind_new(nw, df, sets, err, errlen) == -1) {
		free(sets);
		return -1;
	}
	if (tree_reload(sv.tree, nw, df, supervise_now_ms()) == -1) {
		for (i = 0; i < df->n; i++)
			listen_release(&sets[i]);
		free(sets);
		snprintf(err, errlen, "reload: %s", strerror(ENOMEM));
		return -1;
	}
	if (cglimit_reload(sv.tree, err, errlen) == -1)
		log_warnx("reload: %s", err);
	sv.retry_cap = sv.tree->cfg.nprogs + 1;
	for (i = 0; i < df->n; i++) {
		struct node *n;

		if (sets[i].n == 0)
			continue;
		n = tree_find(sv.tree, df->v[i].name);
		if (n == NULL || n->kind != NODE_PROG) {
			listen_release(&sets[i]);
			continue;
		}
		listen_release(&prog_of(n)->lset);
		prog_of(n)->lset = sets[i];
	}
	free(sets);
	if (ready_reload(sv.tree) == -1)
		log_warn("reload: cannot prepare the programs' readiness");
	if (prepare_nodes() == -1)
		log_warn("reload: cannot prepare the programs' environment");
	log_info("reloaded: %zu started, %zu stopped, %zu restarted, %zu "
	         "updated in place, %zu moved, %zu unchanged",
	    df->count[DIFF_ADD], df->count[DIFF_REMOVE],
	    df->count[DIFF_RESTART], df->count[DIFF_UPDATE],
	    df->count[DIFF_MOVE], df->count[DIFF_UNCHANGED]);
	return 0;
}

/* ---------------------------------------------------------- lifecycle */

/* Descriptors every program needs (its capture pipe), each supervisor
 * (its cgroup) and tend itself (loop, socket, clients, log files). */
static size_t
fd_need_base(size_t nprogs, size_t nsups)
{
	return nprogs + nsups + 64;
}

size_t
supervise_fd_need(size_t nprogs, size_t nsups)
{
	return fd_need_base(nprogs, nsups) + (spawn_has_pidfd() ? nprogs : 0);
}

/*
 * SPEC 11: ten thousand programs work or fail with a clear message. A
 * pidfd a program is a speed-up, not a need: those beyond the limit's
 * room end through SIGCHLD and a wait over all children.
 */
static void
check_budget(const struct tree *t)
{
	struct rlimit rl;
	size_t base = fd_need_base(t->cfg.nprogs, t->cfg.nsups);

	sv.pidfd_room = spawn_has_pidfd() ? SIZE_MAX : 0;
	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur == RLIM_INFINITY)
		return;
	if (base > rl.rlim_cur) {
		log_warnx(
		    "%zu programs need about %zu descriptors, but tend may "
		    "open only %llu: raise its open-files limit (ulimit "
		    "-n, LimitNOFILE=); until then some starts wait for "
		    "descriptors",
		    t->cfg.nprogs, base, (unsigned long long)rl.rlim_cur);
		sv.pidfd_room = 0;
		return;
	}
	if (sv.pidfd_room > rl.rlim_cur - base)
		sv.pidfd_room = rl.rlim_cur - base;
	if (spawn_has_pidfd() && sv.pidfd_room < t->cfg.nprogs)
		log_info("the open-files limit (%llu) leaves room for %zu of "
		         "%zu pidfds: the other programs' ends are found by "
		         "waiting over all children, which is slower",
		    (unsigned long long)rl.rlim_cur, sv.pidfd_room,
		    t->cfg.nprogs);
}

int
supervise_init(
    struct ev_loop *loop, struct tree *t, void (*on_exit)(int status))
{
	size_t i;

	memset(&sv, 0, sizeof(sv));
	sv.loop = loop;
	sv.tree = t;
	sv.on_exit = on_exit;
	if (pidmap_init(&sv.pids, t->cfg.nprogs) == -1)
		return -1;
	check_budget(t);
	sv.retry_cap = t->cfg.nprogs;
	sv.retry =
	    calloc(sv.retry_cap ? sv.retry_cap : 1, sizeof(struct prog *));
	if (sv.retry == NULL)
		return -1;
	ev_timer_init(&sv.retry_w, on_retry, SUPERVISE_RETRY_MS / 1000.0, 0.0);
	if (ready_init(loop, t) == -1 ||
	    fdset_init(&sv.pidfds, loop, on_main_exit) == -1)
		return -1;
	for (i = 0; i < t->nnodes; i++) {
		struct node *n = t->nodes[i];

		ev_timer_init(&n->timer_w, on_tree_timer, 0.0, 0.0);
		if (n->kind != NODE_PROG)
			continue;
		ev_timer_init(&prog_of(n)->kill_w, on_kill_deadline, 0.0, 0.0);
		if (spawn_prepare(prog_of(n), ready_env(prog_of(n))) == -1)
			return -1;
	}
	return 0;
}

void
supervise_fini(void)
{
	size_t i;

	for (i = 0; sv.tree != NULL && i < sv.tree->nnodes; i++) {
		struct node *n = sv.tree->nodes[i];

		ev_timer_stop(sv.loop, &n->timer_w);
		if (n->kind != NODE_PROG)
			continue;
		release_prog(prog_of(n));
	}
	while (sv.nasides > 0) {
		sv.exit_pending = false;
		drop_aside(&sv.asides[0]);
	}
	free(sv.asides);
	ready_fini();
	fdset_fini(&sv.pidfds);
	pidmap_free(&sv.pids);
	ev_timer_stop(sv.loop, &sv.retry_w);
	free(sv.retry);
	memset(&sv, 0, sizeof(sv));
}

void
supervise_start(void)
{
	tree_start(sv.tree, supervise_now_ms());
}

void
supervise_shutdown(void)
{
	if (!sv.tree->shutting_down)
		log_info("shutting down");
	tree_shutdown(sv.tree, supervise_now_ms());
}
