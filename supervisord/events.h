/*
 * events.h: what happens to the tree, out to whoever listens. supervise.c
 * and output.c publish; subscribers register at start-up (control.c's
 * `tendctl events` and `logs -f` streams today; a metrics reader or an
 * upgrade's replay later). A publisher never knows who listens, and
 * nothing here calls up into a subscriber's module.
 */
#ifndef TEND_EVENTS_H
#define TEND_EVENTS_H

#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tree.h"

/* At most this many subscribers: control.c, and room for what comes
 * later (metrics, a dashboard, upgrade). Fixed: they register once. */
#define EVENTS_MAX_SUBSCRIBERS 4

enum event_kind {
	EVENT_STATE,         /* node entered state (pid: its process) */
	EVENT_EXIT,          /* a program's instance ended (pid, last) */
	EVENT_RESTART,       /* node restarts, now or after delay_ms */
	EVENT_GAVE_UP,       /* a supervisor's restart intensity ran out */
	EVENT_AUTO_SHUTDOWN, /* a supervisor shuts down (auto_shutdown) */
	EVENT_REMOVED,       /* a reload removed node, now stopped: it is
	                      * freed once every subscriber has seen this */
};

/*
 * What happened, for `tendctl events` (SPEC 5). Write one with designated
 * initializers: a field left out is zero, which reads as "none", so a
 * field added later costs the existing publishers nothing.
 */
struct event {
	enum event_kind kind;
	const struct node *node;       /* borrowed from the tree */
	enum state state;              /* the node's state when it happened */
	pid_t pid;                     /* 0 if none */
	const char *last;              /* LAST-EXIT token, or NULL */
	int64_t delay_ms;              /* EVENT_RESTART: its delay (0: now) */
	enum cause cause;              /* why (CAUSE_NONE: not known) */
	const struct node *cause_from; /* whose end set it off, or NULL */
};

/* Why it happened, in words (cause_describe of e's node, cause and
 * state), into buf: "" when the cause is not known. */
const char *event_reason(const struct event *e, char *buf, size_t size);

/* The word for kind on the wire: "state", "exit", "restart", ... */
const char *event_kind_name(enum event_kind kind);

/* One listener. Each callback may be NULL. Called in the loop, in the
 * order of subscription; a callback must not block. */
struct events_subscriber {
	/* A state change. */
	void (*on_event)(const struct event *e);
	/* A line of p's output read at time_us, without its newline. */
	void (*on_line)(const struct prog *p, int64_t time_us, const char *text,
	    size_t len);
	/* Whether on_line wants lines now (a line nobody wants is not
	 * even split out); NULL: whenever on_line is set. */
	bool (*following)(void);
};

/* Add s (borrowed: it must outlive tend's loop). 0, or -1 with errno
 * ENOSPC past EVENTS_MAX_SUBSCRIBERS. */
int events_subscribe(const struct events_subscriber *s);

/* Forget every subscriber. */
void events_unsubscribe_all(void);

/* Give e to every subscriber. Cheap when there is none. */
void events_publish(const struct event *e);

/* Whether any subscriber wants output lines now. */
bool events_following(void);

/* Give a line of p's output (read at time_us, len bytes, no newline) to
 * every subscriber that wants lines now. Cheap when there is none. */
void events_publish_line(
    const struct prog *p, int64_t time_us, const char *text, size_t len);

/* p's instance ended as e says: an EVENT_EXIT, and tend's own line if it
 * was being stopped ("db: stopped (killed by SIGTERM)"). */
void events_exit(const struct prog *p, const struct exit_info *e);

/* How n last ended, in words, with what a failed start failed on: "exec
 * /srv/api/bin/api: No such file or directory", "exited with status 1",
 * "gave up". Into buf, which is returned. */
char *events_end_reason(const struct node *n, char *buf, size_t size);

/* The tree noted something (an ACT_NOTE action): its event, and tend's
 * own line saying what happened and what the tree does about it. */
void events_report(const struct action *a);

#endif
