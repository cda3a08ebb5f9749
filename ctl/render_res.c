/*
 * render_res.c: tendctl's output of top and inspect (see render.h), the
 * part of render.c about what programs use. Pure: records in, text out.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "render.h"
#include "stats.h"

static const char *
str(const struct record *r, const char *key)
{
	const char *v = record_get(r, key);

	return v != NULL ? v : "";
}

const char *
render_size(char *buf, size_t size, long long bytes)
{
	static const char units[] = "KMGT";
	double v = (double)bytes;
	int u = -1;

	if (bytes < 0) {
		snprintf(buf, size, "-");
		return buf;
	}
	while (v >= 1024.0 && u < 3) {
		v /= 1024.0;
		u++;
	}
	if (u < 0)
		snprintf(buf, size, "%lldB", bytes);
	else
		snprintf(
		    buf, size, v < 10.0 ? "%.1f%c" : "%.0f%c", v, units[u]);
	return buf;
}

/* ----------------------------------------------------------------- top */

/* A program of the earlier reading, found by its path. */
struct earlier {
	const char *path;
	const struct record *r;
};

static int
by_path(const void *a, const void *b)
{
	const struct earlier *x = a, *y = b;

	return strcmp(x->path, y->path);
}

static enum top_sort sort_by;

static int
busiest_first(const void *a, const void *b)
{
	const struct top_row *x = a, *y = b;
	int64_t mx = record_int(x->r, "mem_bytes", -1);
	int64_t my = record_int(y->r, "mem_bytes", -1);

	if (sort_by == TOP_BY_CPU && x->cpu_pct != y->cpu_pct)
		return x->cpu_pct > y->cpu_pct ? -1 : 1;
	if (mx != my)
		return mx > my ? -1 : 1;
	if (x->cpu_pct != y->cpu_pct)
		return x->cpu_pct > y->cpu_pct ? -1 : 1;
	return strcmp(str(x->r, "path"), str(y->r, "path"));
}

size_t
render_top_rows(const struct record *prev, size_t nprev,
    const struct record *cur, size_t ncur, int64_t dt_us, enum top_sort by,
    struct top_row *rows)
{
	struct earlier *index = calloc(nprev ? nprev : 1, sizeof(*index));
	size_t i, k = 0, nidx = 0;

	for (i = 0; index != NULL && i < nprev; i++)
		if (strcmp(prev[i].type, "prog") == 0)
			index[nidx++] =
			    (struct earlier){str(&prev[i], "path"), &prev[i]};
	if (index != NULL)
		qsort(index, nidx, sizeof(*index), by_path);
	for (i = 0; i < ncur; i++) {
		const struct record *r = &cur[i];
		struct earlier key = {str(r, "path"), r}, *was = NULL;
		int64_t now = record_int(r, "cpu_usec", -1), then = -1;

		if (strcmp(r->type, "prog") != 0)
			continue;
		rows[k].r = r;
		rows[k].cpu_pct = -1.0;
		if (index != NULL)
			was =
			    bsearch(&key, index, nidx, sizeof(*index), by_path);
		if (was != NULL &&
		    record_int(was->r, "pid", 0) == record_int(r, "pid", 0))
			then = record_int(was->r, "cpu_usec", -1);
		if (now >= 0 && then >= 0)
			rows[k].cpu_pct = stats_cpu_percent(
			    (uint64_t)then, (uint64_t)now, 0, dt_us);
		else if (now >= 0 && record_int(r, "pid", 0) > 0)
			rows[k].cpu_pct = 0.0; /* started meanwhile */
		k++;
	}
	free(index);
	sort_by = by;
	qsort(rows, k, sizeof(*rows), busiest_first);
	return k;
}

static void
top_json(FILE *out, const struct top_row *rows, size_t n,
    const struct record *host, int64_t interval_ms)
{
	size_t i;

	fprintf(out,
	    "{\"schema\":%d,\"interval_ms\":%lld,\"host\":", RENDER_SCHEMA,
	    (long long)interval_ms);
	if (host != NULL) {
		fputs("{\"load\":", out);
		render_json_string(out, str(host, "load"));
		fprintf(out, ",\"mem_total\":%lld,\"mem_avail\":%lld}",
		    (long long)record_int(host, "mem_total", -1),
		    (long long)record_int(host, "mem_avail", -1));
	} else {
		fputs("null", out);
	}
	fputs(",\"programs\":[", out);
	for (i = 0; i < n; i++) {
		const struct record *r = rows[i].r;

		fputs(i ? ",\n{\"name\":" : "\n{\"name\":", out);
		render_json_string(out, str(r, "name"));
		fputs(",\"path\":", out);
		render_json_string(out, str(r, "path"));
		fputs(",\"state\":", out);
		render_json_string(out, str(r, "state"));
		fprintf(out, ",\"pid\":");
		if (record_int(r, "pid", 0) > 0)
			fprintf(
			    out, "%lld", (long long)record_int(r, "pid", 0));
		else
			fputs("null", out);
		if (rows[i].cpu_pct >= 0)
			fprintf(out, ",\"cpu_percent\":%.1f", rows[i].cpu_pct);
		else
			fputs(",\"cpu_percent\":null", out);
		fprintf(out,
		    ",\"cpu_usec\":%lld,\"mem_bytes\":%lld,\"procs\":%lld,"
		    "\"uptime_ms\":%lld,\"restarts\":%lld}",
		    (long long)record_int(r, "cpu_usec", -1),
		    (long long)record_int(r, "mem_bytes", -1),
		    (long long)record_int(r, "procs", 0),
		    (long long)record_int(r, "uptime_ms", -1),
		    (long long)record_int(r, "restarts", 0));
	}
	fputs("\n]}\n", out);
}

/* The cells of a top row. */
struct top_cells {
	const char *v[8];
	char bufs[6][32];
};

static void
top_cells(const struct top_row *row, struct top_cells *c)
{
	const struct record *r = row->r;
	long long pid = record_int(r, "pid", 0);

	c->v[0] = str(r, "path");
	c->v[1] = str(r, "state");
	snprintf(c->bufs[0], sizeof(c->bufs[0]), pid > 0 ? "%lld" : "-", pid);
	c->v[2] = c->bufs[0];
	if (row->cpu_pct >= 0)
		snprintf(c->bufs[1], sizeof(c->bufs[1]), "%.1f", row->cpu_pct);
	else
		snprintf(c->bufs[1], sizeof(c->bufs[1]), "-");
	c->v[3] = c->bufs[1];
	c->v[4] = render_size(
	    c->bufs[2], sizeof(c->bufs[2]), record_int(r, "mem_bytes", -1));
	snprintf(c->bufs[3], sizeof(c->bufs[3]), "%lld",
	    (long long)record_int(r, "procs", 0));
	c->v[5] = c->bufs[3];
	c->v[6] = render_duration(
	    c->bufs[4], sizeof(c->bufs[4]), record_int(r, "uptime_ms", -1));
	snprintf(c->bufs[5], sizeof(c->bufs[5]), "%lld",
	    (long long)record_int(r, "restarts", 0));
	c->v[7] = c->bufs[5];
}

static void
top_line(FILE *out, const char *const *cells, const size_t *width)
{
	size_t k;

	for (k = 0; k < 7; k++)
		fprintf(out, "%-*s  ", (int)width[k], cells[k]);
	fprintf(out, "%s\n", cells[7]);
}

void
render_top(FILE *out, const struct top_row *rows, size_t n,
    const struct record *host, int64_t interval_ms, enum top_sort by,
    const struct render_opts *o)
{
	static const char *const heads[8] = {"NAME", "STATE", "PID", "CPU%",
	    "MEM", "PROCS", "UPTIME", "RESTARTS"};
	size_t width[8], i, k;
	struct top_cells c;
	char total[32], avail[32];

	if (o->json) {
		top_json(out, rows, n, host, interval_ms);
		return;
	}
	for (k = 0; k < 8; k++)
		width[k] = strlen(heads[k]);
	for (i = 0; i < n; i++) {
		top_cells(&rows[i], &c);
		for (k = 0; k < 8; k++)
			if (strlen(c.v[k]) > width[k])
				width[k] = strlen(c.v[k]);
	}
	if (host != NULL)
		fprintf(out, "load %s  memory %s free of %s  by %s  (%zu)\n",
		    str(host, "load"),
		    render_size(avail, sizeof(avail),
		        record_int(host, "mem_avail", -1)),
		    render_size(total, sizeof(total),
		        record_int(host, "mem_total", -1)),
		    by == TOP_BY_CPU ? "cpu" : "memory", n);
	top_line(out, heads, width);
	for (i = 0; i < n; i++) {
		top_cells(&rows[i], &c);
		top_line(out, c.v, width);
	}
}

/* ------------------------------------------------------------- inspect */

/* Fields whose values stay strings in JSON even when they look like
 * numbers. */
static bool
is_text_field(const char *key)
{
	static const char *const text[] = {"cmd", "text", "name", "path",
	    "value", "user", "group", "command", "directory", "sup", "state",
	    "wchan", "last", "strategy", "kind", "key", "enforced", "on",
	    "status"};
	size_t i;

	for (i = 0; i < sizeof(text) / sizeof(*text); i++)
		if (strcmp(key, text[i]) == 0)
			return true;
	return false;
}

static void
json_fields(FILE *out, const struct record *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		const char *v = r->val[i];
		char *end;
		bool num;

		(void)strtoll(v, &end, 10);
		num = *v != '\0' && *end == '\0' && !is_text_field(r->key[i]);
		fputs(i ? "," : "", out);
		render_json_string(out, r->key[i]);
		fputc(':', out);
		if (num)
			fputs(v, out);
		else
			render_json_string(out, v);
	}
}

/* The records of type as a JSON array named key. */
static void
json_array(FILE *out, const char *key, const struct record *v, size_t n,
    const char *type)
{
	size_t i;
	bool first = true;

	fprintf(out, ",\"%s\":[", key);
	for (i = 0; i < n; i++) {
		if (strcmp(v[i].type, type) != 0)
			continue;
		fputs(first ? "{" : ",{", out);
		first = false;
		json_fields(out, &v[i]);
		fputs("}", out);
	}
	fputs("]", out);
}

static void
inspect_json(FILE *out, const struct record *v, size_t n)
{
	size_t i;

	fprintf(out, "{\"schema\":%d", RENDER_SCHEMA);
	for (i = 0; i < n; i++) {
		if (strcmp(v[i].type, "prog") == 0 ||
		    strcmp(v[i].type, "sup") == 0) {
			fprintf(out, ",\"kind\":\"%s\",",
			    strcmp(v[i].type, "sup") == 0 ? "supervisor"
			                                  : "program");
			json_fields(out, &v[i]);
		} else if (strcmp(v[i].type, "detail") == 0) {
			fputs(",\"detail\":{", out);
			json_fields(out, &v[i]);
			fputs("}", out);
		} else if (strcmp(v[i].type, "fds") == 0) {
			fprintf(out, ",\"fds\":%lld",
			    (long long)record_int(&v[i], "count", -1));
		}
	}
	json_array(out, "limits", v, n, "limit");
	json_array(out, "processes", v, n, "proc");
	json_array(out, "exits", v, n, "exit");
	json_array(out, "children", v, n, "child");
	json_array(out, "lines", v, n, "line");
	fputs("}\n", out);
}

/* "KEY        a, b, c": the record's value, one item a line, or none. */
static void
list_line(FILE *out, const char *key, const char *items)
{
	fprintf(out, "%-10s ", key);
	if (*items == '\0')
		fputs("none", out);
	for (; *items != '\0'; items++) {
		if (*items == '\n')
			fputs(", ", out);
		else
			putc(*items, out);
	}
	putc('\n', out);
}

static void
kv(FILE *out, const char *key, const char *val)
{
	fprintf(out, "%-10s %s\n", key, *val != '\0' ? val : "-");
}

static void
inspect_head(FILE *out, const struct record *r, const struct record *d)
{
	char up[32], cpu[32], mem[32];
	long long pid = record_int(r, "pid", 0);
	size_t i;

	kv(out, "NAME", str(r, "path"));
	if (strcmp(r->type, "sup") == 0) {
		fprintf(out, "%-10s %s  restarts %lld\n", "STATE",
		    str(r, "state"), (long long)record_int(r, "restarts", 0));
	} else {
		fprintf(out, "%-10s %s", "STATE", str(r, "state"));
		if (pid > 0)
			fprintf(out, "  pid %lld  up %s", pid,
			    render_duration(up, sizeof(up),
			        record_int(r, "uptime_ms", -1)));
		fprintf(out, "  restarts %lld  last exit %s\n",
		    (long long)record_int(r, "restarts", 0),
		    *str(r, "last") ? str(r, "last") : "-");
	}
	if (d == NULL)
		return;
	if (strcmp(r->type, "sup") == 0) {
		kv(out, "STRATEGY", str(d, "strategy"));
		fprintf(out,
		    "%-10s %s in %s, %lld restarts in the current window\n",
		    "INTENSITY", str(d, "intensity"),
		    render_duration(
		        up, sizeof(up), record_int(d, "period_ms", 0)),
		    (long long)record_int(d, "restarts_window", 0));
	} else {
		kv(out, "COMMAND", str(d, "command"));
		kv(out, "DIRECTORY", str(d, "directory"));
		fprintf(out, "%-10s %s  group %s\n", "USER", str(d, "user"),
		    str(d, "group"));
		list_line(out, "LISTEN", str(d, "listen"));
		fprintf(out, "%-10s cpu %s  memory %s  processes %lld\n",
		    "USES",
		    render_duration(cpu, sizeof(cpu),
		        record_int(d, "cpu_usec", -1) < 0
		            ? -1
		            : record_int(d, "cpu_usec", 0) / 1000),
		    render_size(
		        mem, sizeof(mem), record_int(d, "mem_bytes", -1)),
		    (long long)record_int(d, "procs", 0));
	}
	for (i = 0; i < d->n; i++)
		if (strncmp(d->key[i], "cgroup", 6) == 0)
			fprintf(out, "%-10s %s%s%s\n", "CGROUP",
			    d->key[i][6] == '_' ? d->key[i] + 7 : "",
			    d->key[i][6] == '_' ? " " : "", d->val[i]);
}

static void
inspect_limits(FILE *out, const struct record *v, size_t n)
{
	size_t i;
	bool any = false;

	for (i = 0; i < n; i++) {
		if (strcmp(v[i].type, "limit") != 0)
			continue;
		if (!any)
			fputs("\nLIMITS\n", out);
		any = true;
		fprintf(out, "  %-12s %-8s %s", str(&v[i], "key"),
		    str(&v[i], "value"), str(&v[i], "enforced"));
		if (record_get(&v[i], "on") != NULL &&
		    strcmp(str(&v[i], "on"), str(&v[0], "path")) != 0)
			fprintf(out, "  (on supervisor %s)", str(&v[i], "on"));
		fputc('\n', out);
	}
}

static void
inspect_procs(FILE *out, const struct record *v, size_t n)
{
	size_t i, wchan = 5;
	char cpu[32], rss[32];
	bool any = false;

	for (i = 0; i < n; i++)
		if (strcmp(v[i].type, "proc") == 0 &&
		    strlen(str(&v[i], "wchan")) > wchan)
			wchan = strlen(str(&v[i], "wchan"));
	for (i = 0; i < n; i++) {
		const struct record *r = &v[i];
		int depth = (int)record_int(r, "depth", 0);

		if (strcmp(r->type, "proc") != 0)
			continue;
		if (!any)
			fprintf(out,
			    "\nPROCESSES\n  %-12s %-5s %-*s %-7s %-7s %-7s "
			    "%-4s %s\n",
			    "PID", "STATE", (int)wchan, "WCHAN", "CPU", "RSS",
			    "THREADS", "FDS", "COMMAND");
		any = true;
		fprintf(out, "  %*s%-*s %-5s %-*s %-7s %-7s %-7lld %-4lld %s\n",
		    depth * 2, "", 12 - depth * 2 > 0 ? 12 - depth * 2 : 0,
		    str(r, "pid"), str(r, "state"), (int)wchan, str(r, "wchan"),
		    render_duration(
		        cpu, sizeof(cpu), record_int(r, "cpu_ms", -1)),
		    render_size(
		        rss, sizeof(rss), record_int(r, "rss_bytes", -1)),
		    (long long)record_int(r, "threads", 0),
		    (long long)record_int(r, "fds", -1), str(r, "cmd"));
	}
	if (!any && strcmp(v[0].type, "prog") == 0)
		fputs("\nPROCESSES  none\n", out);
}

static void
inspect_rest(FILE *out, const struct record *v, size_t n)
{
	char when[32], up[32];
	size_t i;
	bool exits = false, kids = false, lines = false;

	for (i = 0; i < n; i++) {
		const struct record *r = &v[i];

		if (strcmp(r->type, "fds") == 0) {
			fprintf(out, "  open descriptors: %lld\n",
			    (long long)record_int(r, "count", -1));
		} else if (strcmp(r->type, "exit") == 0) {
			time_t secs =
			    (time_t)(record_int(r, "time_ms", 0) / 1000);
			struct tm tm;

			if (!exits)
				fputs("\nRECENT EXITS\n", out);
			exits = true;
			gmtime_r(&secs, &tm);
			strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
			fprintf(out, "  %s  %-14s after %s\n", when,
			    str(r, "last"),
			    render_duration(
			        up, sizeof(up), record_int(r, "up_ms", -1)));
		} else if (strcmp(r->type, "child") == 0) {
			if (!kids)
				fputs("\nCHILDREN\n", out);
			kids = true;
			fprintf(out, "  %-20s %-10s %s\n", str(r, "name"),
			    str(r, "kind"), str(r, "state"));
		} else if (strcmp(r->type, "line") == 0) {
			if (!lines)
				fputs("\nLAST LINES\n", out);
			lines = true;
			fprintf(out, "  %s\n", str(r, "text"));
		}
	}
}

void
render_inspect(
    FILE *out, const struct record *v, size_t n, const struct render_opts *o)
{
	const struct record *detail = NULL;
	size_t i;

	if (o->json) {
		inspect_json(out, v, n);
		return;
	}
	if (n == 0)
		return;
	for (i = 0; i < n; i++)
		if (strcmp(v[i].type, "detail") == 0)
			detail = &v[i];
	inspect_head(out, &v[0], detail);
	inspect_limits(out, v, n);
	inspect_procs(out, v, n);
	inspect_rest(out, v, n);
}
