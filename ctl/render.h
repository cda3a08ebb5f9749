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
#include <stdio.h>

#include "proto.h"

#define RENDER_SCHEMA 1

struct render_opts {
	bool json;
	bool color;
};

/* NAME STATE PID UPTIME RESTARTS LAST-EXIT, one line per "prog" record. */
void render_status(
    FILE *out, const struct record *v, size_t n, const struct render_opts *o);

/* The tree, box-drawn, from "prog" and "sup" records in pre-order with
 * their depth. */
void render_tree(
    FILE *out, const struct record *v, size_t n, const struct render_opts *o);

/* health: "unhealthy" records. Returns true if healthy (none). */
bool render_health(
    FILE *out, const struct record *v, size_t n, const struct render_opts *o);

/* One "event" record, as one line. */
void render_event(
    FILE *out, const struct record *r, const struct render_opts *o);

/* A JSON string literal of s (UTF-8 passed through, controls escaped). */
void render_json_string(FILE *out, const char *s);

/* A compact duration for ms, or "-" when ms < 0, into buf. */
const char *render_duration(char *buf, size_t size, long long ms);

#endif
