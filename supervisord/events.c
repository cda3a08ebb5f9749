/*
 * events.c: the tree's state changes and programs' output lines, out to
 * the subscribers registered at start-up (see events.h), and tend's own
 * line for each thing the tree noted. No I/O of its own but log.c's; it
 * never calls a subscriber's module but through its callbacks.
 */
#include "events.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "spawn.h"
#include "units.h"

static struct {
	const struct events_subscriber *v[EVENTS_MAX_SUBSCRIBERS];
	size_t n;
} subs;

const char *
event_kind_name(enum event_kind kind)
{
	switch (kind) {
	case EVENT_STATE:
		return "state";
	case EVENT_EXIT:
		return "exit";
	case EVENT_RESTART:
		return "restart";
	case EVENT_GAVE_UP:
		return "gave-up";
	case EVENT_AUTO_SHUTDOWN:
		return "auto-shutdown";
	case EVENT_REMOVED:
		return "removed";
	}
	return "?";
}

const char *
event_reason(const struct event *e, char *buf, size_t size)
{
	/* a restart is told in the words of its start */
	return cause_describe(e->node, e->cause, e->cause_from,
	    e->kind == EVENT_RESTART ? ST_STARTING : e->state, NULL, buf, size);
}

int
events_subscribe(const struct events_subscriber *s)
{
	if (subs.n == EVENTS_MAX_SUBSCRIBERS) {
		errno = ENOSPC;
		return -1;
	}
	subs.v[subs.n++] = s;
	return 0;
}

void
events_unsubscribe_all(void)
{
	subs.n = 0;
}

void
events_publish(const struct event *e)
{
	size_t i;

	for (i = 0; i < subs.n; i++)
		if (subs.v[i]->on_event != NULL)
			subs.v[i]->on_event(e);
}

static bool
wants_lines(const struct events_subscriber *s)
{
	return s->on_line != NULL && (s->following == NULL || s->following());
}

bool
events_following(void)
{
	size_t i;

	for (i = 0; i < subs.n; i++)
		if (wants_lines(subs.v[i]))
			return true;
	return false;
}

void
events_publish_line(
    const struct prog *p, int64_t time_us, const char *text, size_t len)
{
	size_t i;

	for (i = 0; i < subs.n; i++)
		if (wants_lines(subs.v[i]))
			subs.v[i]->on_line(p, time_us, text, len);
}

/* ------------------------------------------------- a program's end */

void
events_exit(const struct prog *p, const struct exit_info *e)
{
	const struct node *n = &p->node;
	bool stopped = n->state == ST_STOPPING;
	char tok[64], how[128], why[256];
	const char *verb;

	/* a stop ends for the stop's cause; anything else by itself, or
	 * by what killed it (tendctl kill, a readiness kill) */
	events_publish(&(struct event){
	    .kind = EVENT_EXIT,
	    .node = n,
	    .state = n->state,
	    .pid = p->inst_pid,
	    .last = exit_token(e, tok, sizeof(tok)),
	    .cause = stopped                      ? n->cause
	             : n->end_cause != CAUSE_NONE ? n->end_cause
	                                          : CAUSE_SELF,
	    .cause_from = stopped ? n->cause_from : NULL,
	});
	if (!stopped)
		return;
	cause_describe(
	    n, n->cause, n->cause_from, ST_STOPPING, &verb, why, sizeof(why));
	if (n->cause == CAUSE_NONE)
		log_info("%s: stopped (%s)", n->shown,
		    exit_describe(e, how, sizeof(how)));
	else
		log_info("%s: stopped (%s) %s", n->shown,
		    exit_describe(e, how, sizeof(how)), why);
}

/* ------------------------------------------------ what the tree noted */

static const char *
kind_words(enum exit_kind k)
{
	switch (k) {
	case EXIT_NORMAL:
		return "normal exit";
	case EXIT_ABNORMAL:
		return "abnormal exit";
	case EXIT_SHUTDOWN:
		return "shut down";
	case EXIT_GAVE_UP:
		return "gave up";
	}
	return "?";
}

/* How n last ended, in words: "exited with status 1", "gave up",
 * "killed by signal KILL (tendctl kill)"; why: the cause of that end. */
static const char *
how_ended(const struct node *n, enum cause why, char *buf, size_t size)
{
	const struct prog *p;
	size_t len;

	if (n->kind == NODE_SUP)
		return n->state == ST_FAILED || n->exit_code == 3
		           ? "gave up"
		           : "shut itself down";
	p = (const struct prog *)n;
	if (!p->has_last)
		return "ended";
	exit_describe(&p->last, buf, size);
	len = strlen(buf);
	if (why != CAUSE_NONE && why != CAUSE_SELF && len < size) {
		const char *verb;
		char words[160];

		cause_describe(
		    n, why, NULL, ST_EXITED, &verb, words, sizeof(words));
		snprintf(buf + len, size - len, " (%s)", words);
	}
	return buf;
}

char *
events_end_reason(const struct node *n, char *buf, size_t size)
{
	const struct prog *p = (const struct prog *)n;
	const struct exit_info *e = &p->last;

	if (n->kind == NODE_SUP)
		snprintf(buf, size, "%s", how_ended(n, CAUSE_NONE, buf, size));
	else if (!p->has_last)
		snprintf(buf, size, "ended");
	else if (e->exec_errno != 0 && e->stage != 0) {
		const char *obj =
		    spawn_stage_object(p, (enum spawn_stage)(e->stage - 1));

		snprintf(buf, size, "%s%s%s: %s",
		    spawn_stage_name((enum spawn_stage)(e->stage - 1)),
		    *obj != '\0' ? " " : "", obj, strerror(e->exec_errno));
	} else
		exit_describe(e, buf, size);
	return buf;
}

/* The children a group restart of s brings back, as "db, api, worker". */
static const char *
group_names(const struct sup *s, char *buf, size_t size)
{
	size_t i, len = 0;

	buf[0] = '\0';
	for (i = 0; i < s->nkids && len + 1 < size; i++) {
		if (!s->kids[i]->pending)
			continue;
		len += (size_t)snprintf(buf + len, size - len, "%s%s",
		    len > 0 ? ", " : "", s->kids[i]->name);
		if (len >= size)
			len = size - 1;
	}
	return buf;
}

/* The event a note makes, if any: false for notes only logged. */
static bool
note_event(const struct action *a, struct event *e)
{
	const struct node *n = a->node;

	*e = (struct event){.node = n,
	    .state = n->state,
	    .cause = a->cause,
	    .cause_from = a->cause_from};
	switch (a->note) {
	case NOTE_STATE:
		e->kind = EVENT_STATE;
		e->state = (enum state)a->arg;
		if (n->kind == NODE_PROG)
			e->pid = ((const struct prog *)n)->pid;
		return true;
	case NOTE_RESTART:
	case NOTE_RESTART_LATER:
	case NOTE_GROUP_RESTART:
		/* noted with the end that sets it off; restarted for this */
		e->kind = EVENT_RESTART;
		e->delay_ms = a->note == NOTE_RESTART_LATER ? a->arg : 0;
		e->cause = CAUSE_STRATEGY;
		e->cause_from = n;
		return true;
	case NOTE_GIVE_UP:
		e->kind = EVENT_GAVE_UP;
		return true;
	case NOTE_AUTO_SHUTDOWN:
		e->kind = EVENT_AUTO_SHUTDOWN;
		return true;
	default:
		return false;
	}
}

/* tend's own line for a note of a child's end. */
static void
log_child_end(const struct action *a)
{
	const struct node *n = a->node;
	char buf[256], names[256];
	const char *how = how_ended(n, a->cause, buf, sizeof(buf));

	switch (a->note) {
	case NOTE_RESTART:
		log_warnx("%s: %s; restarting", n->shown, how);
		break;
	case NOTE_RESTART_LATER:
		log_warnx("%s: %s; restarting in %lldms", n->shown, how,
		    (long long)a->arg);
		break;
	case NOTE_GROUP_RESTART:
		log_warnx("%s: %s; %s (%s) restarts %s", n->shown, how,
		    n->parent->node.shown, strategy_name(n->parent->strategy),
		    group_names(n->parent, names, sizeof(names)));
		break;
	case NOTE_NO_RESTART:
		log_info("%s: %s; not restarted (%s, %s)", n->shown, how,
		    n->restart == RESTART_TEMPORARY   ? "temporary"
		    : n->restart == RESTART_TRANSIENT ? "transient"
		                                      : "permanent",
		    kind_words((enum exit_kind)a->arg));
		break;
	case NOTE_ENDED:
		log_info("%s: %s while being stopped", n->shown, how);
		break;
	case NOTE_TOO_MANY:
		log_warnx("%s: %s; one restart too many for %s", n->shown, how,
		    n->parent->node.shown);
		break;
	default:
		break;
	}
}

/* "backend: giving up: more than 5 restarts within 10s; the last by api
 * (exec /srv/api/bin/api: No such file or directory)" */
static void
log_give_up(const struct sup *s)
{
	char period[64], why[512];
	const struct node *c = s->gave_up_by;

	units_format_duration(period, sizeof(period), s->period_ms);
	if (c == NULL) {
		log_errorx("%s: giving up: more than %lld restart%s within %s",
		    s->node.shown, (long long)s->intensity,
		    s->intensity == 1 ? "" : "s", period);
		return;
	}
	log_errorx("%s: giving up: more than %lld restart%s within %s; the "
	           "last by %s (%s)",
	    s->node.shown, (long long)s->intensity,
	    s->intensity == 1 ? "" : "s", period, c->name,
	    events_end_reason(c, why, sizeof(why)));
}

void
events_report(const struct action *a)
{
	const struct node *n = a->node;
	const struct sup *s = (const struct sup *)n;
	struct event e;

	if (note_event(a, &e))
		events_publish(&e);
	switch (a->note) {
	case NOTE_STATE:
		break;
	case NOTE_GIVE_UP:
		log_give_up(s);
		break;
	case NOTE_AUTO_SHUTDOWN:
		log_info("%s: a significant child ended (status %lld); "
		         "shutting down (auto_shutdown)",
		    n->shown, (long long)a->arg);
		break;
	default:
		log_child_end(a);
		break;
	}
}
