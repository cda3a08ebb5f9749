/*
 * render.h: tendctl's output, from the records of a reply (SPEC 5). Pure:
 * it writes to the FILE it is given and reads nothing else. Plain output
 * is stable, tab-free columns; colour only when asked (stdout is a tty).
 * JSON output is one document (one object per line for events), schema
 * version RENDER_SCHEMA.
 */
#ifndef TEND_RENDER_H
#define TEND_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "proto.h"

#define RENDER_SCHEMA 1

struct render_opts {
	bool json;
	bool color;
	bool timestamps; /* logs: each line begins with its time (RFC 3339) */
	bool all;        /* status --all: supervisors' rows, and why */
};

/*
 * One function per command's output, text and JSON alike; tendctl.c only
 * reads the reply and calls them. JSON documents start with
 * {"schema":RENDER_SCHEMA, and end with a newline.
 */

/* A plain command's whole reply: cmd is the command as typed ("status",
 * "tree", "health", "pid", "inspect", or one that only answers done: start,
 * stop, restart, signal, kill, shutdown). Returns false when the reply says
 * things are not as asked (health found a problem), else true. */
bool render_reply(FILE *out, const char *cmd, const struct record *v, size_t n,
    const struct render_opts *o);

/* reload [--dry-run]: each "change" record as PATH ACTION (KEY), then
 * the "counts" record as "1 started, 2 restarted, ..."; JSON: the plan as
 * {"schema":1,"dry_run":..,"changes":[...],"counts":{...}}. */
void render_reload(
    FILE *out, const struct record *v, size_t n, const struct render_opts *o);

/* status: NAME STATE PID UPTIME RESTARTS LAST-EXIT, one line per "prog"
 * record; with o->all, one per "sup" record too, and STRATEGY WINDOW NEXT
 * REASON (JSON: every program has its cause and reason; with o->all, a
 * "supervisors" array). */
void render_status(
    FILE *out, const struct record *v, size_t n, const struct render_opts *o);

/* tree: box-drawn, from "prog" and "sup" records in pre-order with their
 * depth. */
void render_tree(
    FILE *out, const struct record *v, size_t n, const struct render_opts *o);

/* health: "unhealthy" records. Returns true if healthy (none). */
bool render_health(
    FILE *out, const struct record *v, size_t n, const struct render_opts *o);

/* pid NAME: the "pid" record's pid alone; in JSON with its path. */
void render_pid(FILE *out, const struct record *r, const struct render_opts *o);

/* upgrade: the new tend's "version" record: "upgraded: tend 0.2.0 (pid
 * 42)"; in JSON {"schema":N,"upgraded":true,"tend":{"version":..,"pid":N}}. */
void render_upgraded(
    FILE *out, const struct record *r, const struct render_opts *o);

/* A command that answers only done: nothing, or {"ok":true} in JSON. */
void render_done(FILE *out, const struct render_opts *o);

/* version: tendctl's (ctl_version), then tend's from its "version" record
 * r (fields tend, pid, protocol, and upgraded, upgrades once it was
 * upgraded); r NULL or without "tend": tend is not reachable, for the
 * reason why. */
void render_version(FILE *out, const char *ctl_version, const struct record *r,
    const char *why, const struct render_opts *o);

/* events: one "event" record, as one line (one JSON object a line). */
void render_event(
    FILE *out, const struct record *r, const struct render_opts *o);

/*
 * logs NAME [-f]: "line" records (path, time_us, text) as they arrive.
 * A program's lines are bare; a subtree's (NAME a supervisor, or any
 * NAME given as a path) carry their program's path, "PATH | text". JSON
 * is one document {"schema":1,"lines":[...]}, or with -f one object a
 * line. Call begin, then line for each record, then end.
 */
struct render_logs {
	const char *name; /* as asked; borrowed */
	bool follow;
	bool seen_path; /* a record with a path has been seen */
	bool with_path; /* lines carry their program's path */
	size_t n;       /* lines rendered */
};

void render_logs_begin(FILE *out, struct render_logs *l, const char *name,
    bool follow, const struct render_opts *o);
void render_logs_line(FILE *out, struct render_logs *l, const struct record *r,
    const struct render_opts *o);
void render_logs_end(
    FILE *out, const struct render_logs *l, const struct render_opts *o);

/* ---- top and inspect (render_res.c) ---- */

enum top_sort {
	TOP_BY_CPU, /* CPU, then memory */
	TOP_BY_MEM, /* memory, then CPU */
};

/* A program's row in top: its record of the later reading, and its CPU
 * use between the two readings (percent of one CPU; -1: unknown). */
struct top_row {
	const struct record *r;
	double cpu_pct;
};

/*
 * Pair the "prog" records of two readings of top (fields path, pid,
 * cpu_usec, mem_bytes, ...) taken dt_us apart, by path, into rows (room
 * for ncur), busiest first by the sort asked for. How many rows. A
 * program whose pid changed between the readings counts from 0.
 */
size_t render_top_rows(const struct record *prev, size_t nprev,
    const struct record *cur, size_t ncur, int64_t dt_us, enum top_sort by,
    struct top_row *rows);

/*
 * top: with host (a "host" record: load, mem_total, mem_avail; may be
 * NULL), a header line; then NAME STATE PID CPU% MEM PROCS UPTIME
 * RESTARTS, one line per row. JSON: {"schema", "interval_ms", "host",
 * "programs": [{name, path, state, pid, cpu_percent, cpu_usec,
 * mem_bytes, procs, uptime_ms, restarts}]}.
 */
void render_top(FILE *out, const struct top_row *rows, size_t n,
    const struct record *host, int64_t interval_ms, enum top_sort by,
    const struct render_opts *o);

/* inspect NAME: the records of inspect.h, as sections of text or one
 * JSON document. */
void render_inspect(
    FILE *out, const struct record *v, size_t n, const struct render_opts *o);

/* bytes as 512B, 1.5K, 48M (powers of 1024), "-" when < 0, into buf. */
const char *render_size(char *buf, size_t size, long long bytes);

/* A JSON string literal of s (UTF-8 passed through, controls escaped). */
void render_json_string(FILE *out, const char *s);

/* A compact duration for ms, or "-" when ms < 0, into buf. */
const char *render_duration(char *buf, size_t size, long long ms);

#endif
