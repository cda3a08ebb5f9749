/*
 * client.h: what the control socket's two halves share, and nothing
 * else includes: control.c (the socket, its clients, their buffers and
 * bounds) and commands.c (what each command of tendctl does to the tree).
 */
#ifndef TEND_CLIENT_H
#define TEND_CLIENT_H

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"
#include "tree.h"

/* A long reply is produced this much at a go. */
#define REPLY_CHUNK (16 * 1024)
/* How long start, stop and restart wait without timeout=. */
#define DEFAULT_WAIT_MS 60000
/* Lines `tendctl logs` serves by default, and at most. */
#define CONTROL_LOG_LINES 10
#define CONTROL_LOG_LINES_MAX 100000
/* Recent events kept for `tendctl events -n N`: their records, this many
 * bytes at most (the oldest make room). */
#define CONTROL_EVENTS_KEPT ((size_t)64 * 1024)

enum cstate {
	C_READING,
	C_REPLYING,
	C_WAITING,
	C_STREAMING,
};

enum producer {
	PROD_NONE,
	PROD_STATUS,
	PROD_STATUS_ALL, /* status --all: supervisors too */
	PROD_TREE,
	PROD_FIGURES, /* status with what each program uses (top) */
};

enum opkind {
	OP_START,
	OP_STOP,
	OP_RESTART,
};

struct target {
	struct node *n;
	unsigned gen0;
};

struct client {
	int fd;
	enum cstate state;
	ev_io io;
	ev_timer timer_w; /* the request deadline, then a wait's timeout */
	struct buf in, out;
	bool closing; /* close once out is written */
	/* a reply produced as the socket drains */
	enum producer prod;
	struct node **sel; /* the nodes to describe; NULL: every node */
	size_t nsel, cursor;
	/* streaming: events, or the output lines of nodes[lo..hi) */
	bool logs;
	size_t lo, hi;
	/* a waiting start, stop or restart */
	enum opkind op;
	bool with_dependents; /* stop or restart --with-dependents */
	struct target *targets;
	size_t ntargets;
	bool queued; /* a reload's reply is in out already: only its end
	              * (or, when a handover failed, an error) follows */
	struct client *prev, *next;
};

/* ---- control.c, for commands.c ---- */

/* Reply with an error (CODE is tendctl's exit status); close after. */
void client_reply_error(struct client *c, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Close c once it is safe, saying nothing (an upgrade holds a copy of
 * its socket, to answer it). */
void client_let_go(struct client *c);

/* What c->out holds is the whole reply: end it, send it, close. If a
 * record could not be added to it (out of memory), an error instead. */
void client_reply_done(struct client *c);

/* The header is queued; c->prod produces the rest as the socket drains. */
void client_reply_produced(struct client *c);

/* Wait (a start, stop or restart) until commands_check_op says done, or
 * timeout_ms. */
void client_wait(struct client *c, int64_t timeout_ms);

/* The wait is over: the reply follows. */
void client_unwait(struct client *c);

/* Stream to c: events, or (logs) the lines of nodes[lo..hi). */
void client_stream(struct client *c, bool logs, size_t lo, size_t hi);

/* Queue the last n events kept (oldest first) into c->out, as records. */
void client_recent_events(struct client *c, size_t n);

/* ---- commands.c, for control.c ---- */

/* The tree the commands act on. */
void commands_init(struct tree *t);

/* Carry out request r of client c; c replies, waits or streams. */
void commands_dispatch(struct client *c, struct request *r);

/* Answer the asker of an upgrade, in the new tend: done (failed NULL)
 * with the new tend's version, or why not. */
void commands_upgraded(struct client *c, const char *failed);

/* Queue more of a produced reply; true once it is all queued. */
bool commands_produce(struct client *c);

/* A waiting client: reply if its targets have settled (or timed out). */
bool commands_check_op(struct client *c, bool timed_out);

/* A "line" record: one line of a program's output. */
void commands_line_record(struct buf *b, const struct node *n, int64_t t,
    const char *text, size_t len);

#endif
