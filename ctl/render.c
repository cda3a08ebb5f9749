/*
 * render.c: tendctl's output (see render.h). Pure: records in, text out.
 */
#include "render.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "units.h"

#define C_RESET "\033[0m"
#define C_GREEN "\033[32m"
#define C_YELLOW "\033[33m"
#define C_RED "\033[31m"
#define C_DIM "\033[2m"
#define C_BOLD "\033[1m"

static const char *
str(const struct record *r, const char *key)
{
	const char *v = record_get(r, key);

	return v != NULL ? v : "";
}

static const char *
state_color(const char *state)
{
	if (strcmp(state, "running") == 0)
		return C_GREEN;
	if (strcmp(state, "failed") == 0)
		return C_RED;
	if (strcmp(state, "starting") == 0 || strcmp(state, "backoff") == 0 ||
	    strcmp(state, "stopping") == 0)
		return C_YELLOW;
	return C_DIM;
}

const char *
render_duration(char *buf, size_t size, long long ms)
{
	if (ms < 0) {
		snprintf(buf, size, "-");
		return buf;
	}
	return units_format_duration(buf, size, ms);
}

void
render_json_string(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', out);
	for (; *p != '\0'; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", out);
			break;
		case '\\':
			fputs("\\\\", out);
			break;
		case '\n':
			fputs("\\n", out);
			break;
		case '\r':
			fputs("\\r", out);
			break;
		case '\t':
			fputs("\\t", out);
			break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(out, "\\u%04x", *p);
			else
				fputc(*p, out);
		}
	}
	fputc('"', out);
}

/* An integer field, or null when it is absent or says "none" (< 0, or a
 * pid of 0). */
static void
json_int(FILE *out, const struct record *r, const char *key, bool zero_null)
{
	int64_t v = record_int(r, key, -1);

	if (v < 0 || (zero_null && v == 0))
		fputs("null", out);
	else
		fprintf(out, "%lld", (long long)v);
}

/* -------------------------------------------------------------- status */

struct cols {
	const char *head;
	size_t width;
};

/* The cells of a status row, by column: NAME STATE PID UPTIME RESTARTS
 * LAST-EXIT, then STATUS (the last STATUS= text), STRATEGY, WINDOW, NEXT,
 * REASON. The path, LAST-EXIT, STATUS and REASON point into the record
 * (they have no length bound); the rest are written to bufs. */
enum { COL_STATUS = 6, COL_REASON = 10, NCELLS };

struct cells {
	const char *v[NCELLS];
	char bufs[6][32];
};

/* The columns shown: plain status, with STATUS when a program has a
 * STATUS= text; --all, with those of supervisors and REASON last (the
 * STATUS= text is in plain status and JSON). */
static const size_t plain_cols[] = {0, 1, 2, 3, 4, 5, COL_STATUS};
static const size_t all_cols[] = {0, 1, 2, 3, 4, 5, 7, 8, 9, COL_REASON};

static bool
is_sup(const struct record *r)
{
	return strcmp(r->type, "sup") == 0;
}

/* What status shows: programs, and with --all supervisors. */
static bool
shown_in_status(const struct record *r, const struct render_opts *o)
{
	return strcmp(r->type, "prog") == 0 || (o->all && is_sup(r));
}

/* WINDOW: restarts within the period against intensity ("2/5"). */
static const char *
window_cell(const struct record *r, char *buf, size_t size)
{
	long long intensity = record_int(r, "intensity", -1);

	if (!is_sup(r))
		snprintf(buf, size, "-");
	else if (intensity < 0)
		snprintf(buf, size, "%lld/inf",
		    (long long)record_int(r, "window", 0));
	else
		snprintf(buf, size, "%lld/%lld",
		    (long long)record_int(r, "window", 0), intensity);
	return buf;
}

static const char *
nonempty(const struct record *r, const char *key)
{
	const char *v = record_get(r, key);

	return v != NULL && *v != '\0' ? v : "-";
}

static void
status_cells(const struct record *r, struct cells *c)
{
	long long pid = record_int(r, "pid", 0);

	c->v[0] = str(r, "path");
	c->v[1] = str(r, "state");
	if (pid > 0)
		snprintf(c->bufs[0], sizeof(c->bufs[0]), "%lld", pid);
	else
		snprintf(c->bufs[0], sizeof(c->bufs[0]), "-");
	c->v[2] = c->bufs[0];
	c->v[3] = render_duration(
	    c->bufs[1], sizeof(c->bufs[1]), record_int(r, "uptime_ms", -1));
	snprintf(c->bufs[2], sizeof(c->bufs[2]), "%lld",
	    (long long)record_int(r, "restarts", 0));
	c->v[4] = c->bufs[2];
	c->v[5] = nonempty(r, "last");
	c->v[COL_STATUS] = str(r, "status"); /* the last STATUS= text, or "" */
	c->v[7] = nonempty(r, "strategy");
	c->v[8] = window_cell(r, c->bufs[3], sizeof(c->bufs[3]));
	c->v[9] = render_duration(
	    c->bufs[4], sizeof(c->bufs[4]), record_int(r, "next_start_ms", -1));
	c->v[COL_REASON] = nonempty(r, "reason");
}

/* A string field, or null when it is absent or empty. */
static void
json_str(FILE *out, const struct record *r, const char *key)
{
	const char *v = record_get(r, key);

	if (v == NULL || *v == '\0' || strcmp(v, "-") == 0)
		fputs("null", out);
	else
		render_json_string(out, v);
}

/* The fields every status entry has, after its name: path, supervisor,
 * state. */
static void
json_entry_head(FILE *out, const struct record *r)
{
	fputs("{\"name\":", out);
	render_json_string(out, str(r, "name"));
	fputs(",\"path\":", out);
	render_json_string(out, str(r, "path"));
	fputs(",\"supervisor\":", out);
	json_str(out, r, "sup");
	fputs(",\"state\":", out);
	render_json_string(out, str(r, "state"));
}

/* Why it is in its state: cause (a word), after (whose end set it off),
 * reason (in words). */
static void
json_cause(FILE *out, const struct record *r)
{
	fputs(",\"cause\":", out);
	json_str(out, r, "cause");
	fputs(",\"after\":", out);
	json_str(out, r, "after");
	fputs(",\"reason\":", out);
	json_str(out, r, "reason");
}

/* ,"listen":["tcp:...",...] of a program with listening sockets (its
 * record's "listen": the addresses, one a line); else nothing. */
static void
json_listen(FILE *out, const char *addrs)
{
	const char *end;
	bool first = true;

	if (*addrs == '\0')
		return;
	fputs(",\"listen\":[", out);
	for (; *addrs != '\0'; addrs = *end != '\0' ? end + 1 : end) {
		char *one;

		end = strchrnul(addrs, '\n');
		one = strndup(addrs, (size_t)(end - addrs));
		if (one == NULL)
			continue;
		fputs(first ? "" : ",", out);
		first = false;
		render_json_string(out, one);
		free(one);
	}
	fputs("]", out);
}

static void
status_json_prog(FILE *out, const struct record *r)
{
	json_entry_head(out, r);
	fputs(",\"pid\":", out);
	json_int(out, r, "pid", true);
	fputs(",\"uptime_ms\":", out);
	json_int(out, r, "uptime_ms", false);
	fputs(",\"restarts\":", out);
	json_int(out, r, "restarts", false);
	fputs(",\"last_exit\":", out);
	json_str(out, r, "last");
	fputs(",\"status_text\":", out);
	if (record_get(r, "status") != NULL)
		render_json_string(out, str(r, "status"));
	else
		fputs("null", out);
	fputs(",\"health_fail_streak\":", out);
	json_int(out, r, "health_fails", false);
	if (record_get(r, "cpu_usec") != NULL) {
		fputs(",\"cpu_usec\":", out);
		json_int(out, r, "cpu_usec", false);
		fputs(",\"mem_bytes\":", out);
		json_int(out, r, "mem_bytes", false);
		fputs(",\"procs\":", out);
		json_int(out, r, "procs", false);
	}
	json_listen(out, str(r, "listen"));
	json_cause(out, r);
	fputs(",\"next_start_ms\":", out);
	json_int(out, r, "next_start_ms", false);
	fputs(",\"instance\":", out);
	json_str(out, r, "instance");
	fputs("}", out);
}

/* A supervisor's record in status --json: with --all each one, else one
 * that gave up (gave_up_by: the child whose restart was one too many,
 * gave_up_why: how it last ended). */
static void
status_json_sup(FILE *out, const struct record *r)
{
	static const char *const keys[] = {
	    "name", "path", "state", "strategy", "gave_up_by", "gave_up_why"};
	size_t k;

	for (k = 0; k < sizeof(keys) / sizeof(*keys); k++) {
		fprintf(out, "%s\"%s\":", k == 0 ? "{" : ",", keys[k]);
		if (record_get(r, keys[k]) != NULL)
			render_json_string(out, record_get(r, keys[k]));
		else
			fputs("null", out);
	}
	fputs(",\"supervisor\":", out);
	json_str(out, r, "sup");
	fputs(",\"uptime_ms\":", out);
	json_int(out, r, "uptime_ms", false);
	fputs(",\"restarts\":", out);
	json_int(out, r, "restarts", false);
	fputs(",\"window\":", out);
	json_int(out, r, "window", false);
	fputs(",\"intensity\":", out);
	json_int(out, r, "intensity", false);
	fputs(",\"period_ms\":", out);
	json_int(out, r, "period_ms", false);
	json_cause(out, r);
	fputs("}", out);
}

static void
status_json(
    FILE *out, const struct record *v, size_t n, const struct render_opts *o)
{
	size_t i;
	bool first = true;

	fprintf(out, "{\"schema\":%d,\"programs\":[", RENDER_SCHEMA);
	for (i = 0; i < n; i++) {
		if (strcmp(v[i].type, "prog") != 0)
			continue;
		fputs(first ? "\n" : ",\n", out);
		first = false;
		status_json_prog(out, &v[i]);
	}
	fputs("\n]", out);
	first = true;
	for (i = 0; i < n; i++) /* --all: each; else those that gave up */
		if (is_sup(&v[i])) {
			fputs(first ? ",\"supervisors\":[\n" : ",\n", out);
			first = false;
			status_json_sup(out, &v[i]);
		}
	if (o->all && first)
		fputs(",\"supervisors\":[", out);
	fputs(first && !o->all ? "}\n" : "\n]}\n", out);
}

/* cols: the ncols columns shown, their widths in w. */
static void
status_row(FILE *out, const struct cells *c, const size_t *cols,
    const struct cols *w, size_t ncols, const struct render_opts *o)
{
	const char *on = o->color ? state_color(c->v[1]) : "";
	size_t k;

	if (cols[ncols - 1] == COL_STATUS && *c->v[COL_STATUS] == '\0')
		ncols--; /* no trailing blanks */
	for (k = 0; k + 1 < ncols; k++)
		fprintf(out, "%s%-*s%s  ", k == 1 ? on : "",
		    (int)w[cols[k]].width, c->v[cols[k]],
		    k == 1 && *on != '\0' ? C_RESET : "");
	fprintf(out, "%s\n", c->v[cols[ncols - 1]]);
}

void
render_status(
    FILE *out, const struct record *v, size_t n, const struct render_opts *o)
{
	struct cols w[NCELLS] = {{"NAME", 4}, {"STATE", 5}, {"PID", 3},
	    {"UPTIME", 6}, {"RESTARTS", 8}, {"LAST-EXIT", 9}, {"STATUS", 6},
	    {"STRATEGY", 8}, {"WINDOW", 6}, {"NEXT", 4}, {"REASON", 6}};
	const size_t *cols = o->all ? all_cols : plain_cols;
	size_t ncols = o->all ? sizeof(all_cols) / sizeof(*all_cols) : 6;
	struct cells cells;
	size_t i, k;

	if (o->json) {
		status_json(out, v, n, o);
		return;
	}
	for (i = 0; i < n; i++) {
		if (!shown_in_status(&v[i], o))
			continue;
		status_cells(&v[i], &cells);
		for (k = 0; k < NCELLS; k++)
			if (strlen(cells.v[k]) > w[k].width)
				w[k].width = strlen(cells.v[k]);
		if (!o->all && record_get(&v[i], "status") != NULL)
			ncols = sizeof(plain_cols) / sizeof(*plain_cols);
	}
	for (k = 0; k + 1 < ncols; k++)
		fprintf(out, "%-*s  ", (int)w[cols[k]].width, w[cols[k]].head);
	fprintf(out, "%s\n", w[cols[ncols - 1]].head);
	for (i = 0; i < n; i++) {
		if (!shown_in_status(&v[i], o))
			continue;
		status_cells(&v[i], &cells);
		status_row(out, &cells, cols, w, ncols, o);
	}
}

/* ---------------------------------------------------------------- tree */

/* Whether v[i] has a later sibling (a record at its depth before any
 * record shallower than it). */
static bool
has_next_sibling(const struct record *v, size_t n, size_t i)
{
	int64_t d = record_int(&v[i], "depth", 0);
	size_t k;

	for (k = i + 1; k < n; k++) {
		int64_t dk = record_int(&v[k], "depth", 0);

		if (dk < d)
			return false;
		if (dk == d)
			return true;
	}
	return false;
}

static void
tree_line(FILE *out, const struct record *r, const char *prefix,
    const char *branch, const struct render_opts *o)
{
	const char *state = str(r, "state");
	const char *on = o->color ? state_color(state) : "";
	const char *off = o->color ? C_RESET : "";
	long long pid = record_int(r, "pid", 0);

	fprintf(out, "%s%s", prefix, branch);
	if (strcmp(r->type, "sup") == 0) {
		fprintf(out, "%s%s%s  %s  %s%s%s\n", o->color ? C_BOLD : "",
		    str(r, "name"), off, str(r, "strategy"), on, state, off);
		return;
	}
	fprintf(out, "%s  %s%s%s", str(r, "name"), on, state, off);
	if (pid > 0)
		fprintf(out, "  pid %lld", pid);
	fputc('\n', out);
}

static void
tree_json(FILE *out, const struct record *v, size_t n)
{
	int64_t open = 0, d;
	bool comma = false;
	size_t i;

	fprintf(out, "{\"schema\":%d,\"tree\":", RENDER_SCHEMA);
	for (i = 0; i < n; i++) {
		const struct record *r = &v[i];
		bool sup = strcmp(r->type, "sup") == 0;

		d = record_int(r, "depth", 0);
		if (d < 0) /* as in the plain tree: a top-level node */
			d = 0;
		for (; open > d; open--) {
			fputs("]}", out);
			comma = true;
		}
		fputs(comma ? ",{\"name\":" : "{\"name\":", out);
		render_json_string(out, str(r, "name"));
		fputs(",\"path\":", out);
		render_json_string(out, str(r, "path"));
		fprintf(out, ",\"kind\":\"%s\",\"state\":",
		    sup ? "supervisor" : "program");
		render_json_string(out, str(r, "state"));
		if (sup) {
			fputs(",\"strategy\":", out);
			render_json_string(out, str(r, "strategy"));
			fputs(",\"children\":[", out);
			open++;
			comma = false;
		} else {
			fputs(",\"pid\":", out);
			json_int(out, r, "pid", true);
			fputs(",\"restarts\":", out);
			json_int(out, r, "restarts", false);
			fputs("}", out);
			comma = true;
		}
	}
	for (; open > 0; open--)
		fputs("]}", out);
	fputs(n == 0 ? "null}\n" : "}\n", out);
}

void
render_tree(
    FILE *out, const struct record *v, size_t n, const struct render_opts *o)
{
	/* prefix grows by 3 bytes of box drawing (up to 3 UTF-8 bytes
	 * each) per level */
	char prefix[4096];
	size_t plen[256] = {0}; /* a depth a reply skipped reads as 0 */
	size_t i;

	if (o->json) {
		tree_json(out, v, n);
		return;
	}
	prefix[0] = '\0';
	plen[0] = 0;
	for (i = 0; i < n; i++) {
		int64_t d = record_int(&v[i], "depth", 0);
		bool more = has_next_sibling(v, n, i);

		if (d <= 0) {
			tree_line(out, &v[i], "", "", o);
			continue;
		}
		if (d >= 256)
			d = 255;
		prefix[plen[d - 1]] = '\0';
		tree_line(out, &v[i], prefix, more ? "├─ " : "└─ ", o);
		if (plen[d - 1] + 8 < sizeof(prefix)) {
			size_t len = strlen(prefix);

			snprintf(prefix + len, sizeof(prefix) - len, "%s",
			    more ? "│  " : "   ");
			plen[d] = strlen(prefix);
		} else {
			plen[d] = plen[d - 1];
		}
	}
}

/* -------------------------------------------------------------- health */

bool
render_health(
    FILE *out, const struct record *v, size_t n, const struct render_opts *o)
{
	size_t i, bad = 0;
	bool first = true;

	for (i = 0; i < n; i++)
		bad += strcmp(v[i].type, "unhealthy") == 0;
	if (o->json) {
		fprintf(out, "{\"schema\":%d,\"healthy\":%s,\"unhealthy\":[",
		    RENDER_SCHEMA, bad ? "false" : "true");
		for (i = 0; i < n; i++) {
			if (strcmp(v[i].type, "unhealthy") != 0)
				continue;
			fputs(first ? "{\"path\":" : ",{\"path\":", out);
			first = false;
			render_json_string(out, str(&v[i], "path"));
			fputs(",\"state\":", out);
			render_json_string(out, str(&v[i], "state"));
			fputs(",\"why\":", out);
			render_json_string(out, str(&v[i], "why"));
			fputs("}", out);
		}
		fputs("]}\n", out);
		return bad == 0;
	}
	if (bad == 0) {
		fputs("healthy\n", out);
		return true;
	}
	for (i = 0; i < n; i++)
		if (strcmp(v[i].type, "unhealthy") == 0)
			fprintf(out, "unhealthy: %s: %s (%s)\n",
			    str(&v[i], "path"), str(&v[i], "why"),
			    str(&v[i], "state"));
	return false;
}

/* ----------------------------------------------------------------- pid */

void
render_pid(FILE *out, const struct record *r, const struct render_opts *o)
{
	if (o->json) {
		fprintf(out, "{\"schema\":%d,\"path\":", RENDER_SCHEMA);
		render_json_string(out, str(r, "path"));
		fprintf(out, ",\"pid\":%lld}\n",
		    (long long)record_int(r, "pid", 0));
	} else {
		fprintf(out, "%lld\n", (long long)record_int(r, "pid", 0));
	}
}

/* ---------------------------------------------------------------- done */

void
render_done(FILE *out, const struct render_opts *o)
{
	if (o->json)
		fprintf(out, "{\"schema\":%d,\"ok\":true}\n", RENDER_SCHEMA);
}

/* ------------------------------------------------------------- version */

/* "2026-12-07T01:02:03Z" of realtime seconds, into buf. */
static const char *
utc_time(long long secs, char *buf, size_t size)
{
	time_t t = (time_t)secs;
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, size, "%lld", secs);
	return buf;
}

void
render_version(FILE *out, const char *ctl_version, const struct record *r,
    const char *why, const struct render_opts *o)
{
	const char *tend = r != NULL ? record_get(r, "tend") : NULL;
	long long pid = tend != NULL ? record_int(r, "pid", 0) : 0;
	long long protocol = tend != NULL ? record_int(r, "protocol", 0) : 0;
	long long upgraded = tend != NULL ? record_int(r, "upgraded", 0) : 0;
	long long upgrades = tend != NULL ? record_int(r, "upgrades", 0) : 0;
	char when[64];

	if (!o->json) {
		fprintf(out, "tendctl %s\n", ctl_version);
		if (tend == NULL)
			fprintf(out, "tend: not reachable (%s)\n", why);
		else if (upgraded > 0)
			fprintf(out,
			    "tend %s (pid %lld, protocol %lld), upgraded %s "
			    "(%lld upgrade%s)\n",
			    tend, pid, protocol,
			    utc_time(upgraded, when, sizeof(when)), upgrades,
			    upgrades == 1 ? "" : "s");
		else
			fprintf(out, "tend %s (pid %lld, protocol %lld)\n",
			    tend, pid, protocol);
		return;
	}
	fprintf(out, "{\"schema\":%d,\"tendctl\":", RENDER_SCHEMA);
	render_json_string(out, ctl_version);
	fputs(",\"tend\":", out);
	if (tend == NULL) {
		fputs("null}\n", out);
		return;
	}
	fputs("{\"version\":", out);
	render_json_string(out, tend);
	fprintf(out, ",\"pid\":%lld,\"protocol\":%lld", pid, protocol);
	if (upgraded > 0)
		fprintf(out, ",\"upgraded\":\"%s\",\"upgrades\":%lld",
		    utc_time(upgraded, when, sizeof(when)), upgrades);
	fputs("}}\n", out);
}

void
render_upgraded(FILE *out, const struct record *r, const struct render_opts *o)
{
	const char *tend = record_get(r, "tend");
	long long pid = record_int(r, "pid", 0);

	if (!o->json) {
		fprintf(out, "upgraded: tend %s (pid %lld)\n",
		    tend != NULL ? tend : "?", pid);
		return;
	}
	fprintf(out, "{\"schema\":%d,\"upgraded\":true,\"tend\":{\"version\":",
	    RENDER_SCHEMA);
	render_json_string(out, tend != NULL ? tend : "?");
	fprintf(out, ",\"pid\":%lld}}\n", pid);
}

/* -------------------------------------------------------------- events */

/* Whether the text line of an event of kind what shows field key in its
 * own words already. */
static bool
event_field_shown(const char *key, const char *what)
{
	static const char *const always[] = {"time_ms", "path", "what", "pid"};
	size_t i;

	for (i = 0; i < sizeof(always) / sizeof(*always); i++)
		if (strcmp(key, always[i]) == 0)
			return true;
	return (strcmp(what, "state") == 0 && strcmp(key, "state") == 0) ||
	       (strcmp(what, "exit") == 0 && strcmp(key, "last") == 0) ||
	       (strcmp(what, "restart") == 0 && strcmp(key, "delay_ms") == 0);
}

void
render_event(FILE *out, const struct record *r, const struct render_opts *o)
{
	int64_t t = record_int(r, "time_ms", 0);
	time_t secs = (time_t)(t / 1000);
	const char *what = str(r, "what");
	long long pid = record_int(r, "pid", 0);
	long long delay = record_int(r, "delay_ms", -1);
	struct tm tm;
	char when[32], d[32];
	size_t i;

	if (o->json) {
		fputs("{", out);
		for (i = 0; i < r->n; i++) {
			bool num = strcmp(r->key[i], "time_ms") == 0 ||
			           strcmp(r->key[i], "pid") == 0 ||
			           strcmp(r->key[i], "delay_ms") == 0;

			fputs(i ? "," : "", out);
			render_json_string(out, r->key[i]);
			fputc(':', out);
			if (num)
				fprintf(out, "%lld",
				    (long long)record_int(r, r->key[i], 0));
			else
				render_json_string(out, r->val[i]);
		}
		fputs("}\n", out);
		return;
	}
	if (localtime_r(&secs, &tm) != NULL)
		units_format_time(when, sizeof(when), &tm, (long)(t % 1000));
	else
		snprintf(when, sizeof(when), "%lld", (long long)t);
	fprintf(out, "%s  %s  ", when, str(r, "path"));
	if (strcmp(what, "state") == 0)
		fprintf(out, "%s", str(r, "state"));
	else if (strcmp(what, "exit") == 0)
		fprintf(out, "exited %s", str(r, "last"));
	else if (strcmp(what, "restart") == 0)
		fprintf(out, "restarting%s%s", delay > 0 ? " in " : "",
		    delay > 0 ? render_duration(d, sizeof(d), delay) : "");
	else
		fprintf(out, "%s", what);
	if (pid > 0)
		fprintf(out, "  pid %lld", pid);
	/* every other field the JSON has, as KEY=VALUE */
	for (i = 0; i < r->n; i++)
		if (!event_field_shown(r->key[i], what))
			fprintf(out, "  %s=%s", r->key[i], r->val[i]);
	fputc('\n', out);
	(void)o;
}

/* ---------------------------------------------------------------- logs */

/* Whether logs NAME shows paths, given the first line's path: not for
 * one program asked by its name (the path itself, or its last part). */
static bool
logs_with_path(const char *name, const char *first)
{
	const char *base = strrchr(first, '/');

	if (strcmp(first, name) == 0)
		return false;
	return base == NULL || strcmp(base + 1, name) != 0;
}

/* time_us (the realtime clock) as RFC 3339 local time, in a static
 * buffer. */
static const char *
format_time_us(long long time_us)
{
	static char buf[UNITS_TIME_MAX];
	time_t sec = (time_t)(time_us / 1000000);
	struct tm tm;

	if (localtime_r(&sec, &tm) == NULL)
		return "-";
	return units_format_time(
	    buf, sizeof(buf), &tm, (long)(time_us % 1000000 / 1000));
}

void
render_logs_begin(FILE *out, struct render_logs *l, const char *name,
    bool follow, const struct render_opts *o)
{
	memset(l, 0, sizeof(*l));
	l->name = name;
	l->follow = follow;
	l->with_path = strchr(name, '/') != NULL;
	if (o->json && !follow)
		fprintf(out, "{\"schema\":%d,\"lines\":[", RENDER_SCHEMA);
}

void
render_logs_line(FILE *out, struct render_logs *l, const struct record *r,
    const struct render_opts *o)
{
	const char *path = record_get(r, "path");

	if (!l->seen_path && path != NULL) {
		l->seen_path = true;
		l->with_path = l->with_path || logs_with_path(l->name, path);
	}
	if (o->json) {
		fputs(
		    l->n > 0 && !l->follow ? ",{\"path\":" : "{\"path\":", out);
		render_json_string(out, str(r, "path"));
		fprintf(out, ",\"time_us\":%lld,\"text\":",
		    (long long)record_int(r, "time_us", 0));
		render_json_string(out, str(r, "text"));
		fputs(l->follow ? "}\n" : "}", out);
	} else {
		if (o->timestamps)
			fprintf(out, "%s ",
			    format_time_us(record_int(r, "time_us", 0)));
		if (l->with_path)
			fprintf(out, "%s | ", path != NULL ? path : "?");
		fprintf(out, "%s\n", str(r, "text"));
	}
	l->n++;
}

void
render_logs_end(
    FILE *out, const struct render_logs *l, const struct render_opts *o)
{
	if (o->json && !l->follow)
		fputs("]}\n", out);
}

/* -------------------------------------------------------------- reload */

static const char *const count_words[][2] = {
    {"started", "started"},
    {"stopped", "stopped"},
    {"restarted", "restarted"},
    {"updated", "updated in place"},
    {"moved", "moved"},
    {"unchanged", "unchanged"},
};
#define NCOUNTS (sizeof(count_words) / sizeof(count_words[0]))

static void
reload_json(FILE *out, const struct record *v, size_t n)
{
	const struct record *counts = NULL;
	bool first = true;
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i].type, "counts") == 0)
			counts = &v[i];
	fprintf(out, "{\"schema\":%d,\"dry_run\":%s,\"changes\":[",
	    RENDER_SCHEMA,
	    counts != NULL && record_int(counts, "dry_run", 0) ? "true"
	                                                       : "false");
	for (i = 0; i < n; i++) {
		static const char *const keys[] = {
		    "name", "path", "kind", "action", "key"};

		if (strcmp(v[i].type, "change") != 0)
			continue;
		fputs(first ? "\n{" : ",\n{", out);
		first = false;
		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
			fprintf(out, "%s\"%s\":", k > 0 ? "," : "", keys[k]);
			if (k == 4 && *str(&v[i], keys[k]) == '\0')
				fputs("null", out);
			else
				render_json_string(out, str(&v[i], keys[k]));
		}
		fputs("}", out);
	}
	fputs("\n],\"counts\":{", out);
	for (i = 0; i < NCOUNTS; i++)
		fprintf(out, "%s\"%s\":%lld", i > 0 ? "," : "",
		    count_words[i][0],
		    counts != NULL
		        ? (long long)record_int(counts, count_words[i][0], 0)
		        : 0LL);
	fputs("}}\n", out);
}

void
render_reload(
    FILE *out, const struct record *v, size_t n, const struct render_opts *o)
{
	const struct record *counts = NULL;
	size_t i, width = 4;

	if (o->json) {
		reload_json(out, v, n);
		return;
	}
	for (i = 0; i < n; i++) {
		if (strcmp(v[i].type, "counts") == 0)
			counts = &v[i];
		else if (strlen(str(&v[i], "path")) > width)
			width = strlen(str(&v[i], "path"));
	}
	if (counts != NULL && record_int(counts, "dry_run", 0))
		fputs("dry run: nothing was changed; a reload would do this\n",
		    out);
	for (i = 0; i < n; i++) {
		const char *key = str(&v[i], "key");

		if (strcmp(v[i].type, "change") != 0)
			continue;
		fprintf(out, "%-*s  %s%s%s%s\n", (int)width, str(&v[i], "path"),
		    str(&v[i], "action"), *key != '\0' ? " (" : "", key,
		    *key != '\0' ? ")" : "");
	}
	for (i = 0; counts != NULL && i < NCOUNTS; i++)
		fprintf(out, "%lld %s%s",
		    (long long)record_int(counts, count_words[i][0], 0),
		    count_words[i][1], i + 1 < NCOUNTS ? ", " : "\n");
}

/* --------------------------------------------------------------- reply */

bool
render_reply(FILE *out, const char *cmd, const struct record *v, size_t n,
    const struct render_opts *o)
{
	if (strcmp(cmd, "status") == 0)
		render_status(out, v, n, o);
	else if (strcmp(cmd, "tree") == 0)
		render_tree(out, v, n, o);
	else if (strcmp(cmd, "health") == 0)
		return render_health(out, v, n, o);
	else if (strcmp(cmd, "inspect") == 0)
		render_inspect(out, v, n, o);
	else if (strcmp(cmd, "reload") == 0)
		render_reload(out, v, n, o);
	else if (strcmp(cmd, "pid") == 0) {
		if (n == 1)
			render_pid(out, &v[0], o);
	} else if (strcmp(cmd, "upgrade") == 0 && n == 1)
		render_upgraded(out, &v[0], o);
	else
		render_done(out, o);
	return true;
}
