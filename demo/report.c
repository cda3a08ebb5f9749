/*
 * demo/report.c: the live demo's report, demo-report.
 *
 *   demo-report LOAD_FILE [--marks FILE] [--svg FILE] [--title TEXT]
 *               [--steps]
 *
 * Reads demo-load's per-second lines (LOAD_FILE) and the events that
 * demo/run.sh marked (--marks: lines "EPOCH_MS LABEL"; LABEL one word),
 * and prints a table, one row a second (served, failed by kind, p50 and
 * p99 latency in ms, the events of that second), the totals, and the
 * lowest second's throughput against the median; with --svg, writes a
 * chart of throughput, failures and p99 latency over time with the
 * events marked (an SVG it writes itself: no plotting tool needed);
 * with --steps, a Markdown table of each step (from one event to the
 * next): its served and failed requests, lowest and median second.
 * Exit status 0 if no request failed, 1 if one did, 2 on bad input.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SECONDS 100000
#define MAX_MARKS 64
#define LABEL_MAX 32

enum col {
	C_SERVED,
	C_FAILED,
	C_REFUSED,
	C_RESET,
	C_TIMEOUT,
	C_WRONG,
	C_P50,
	C_P99,
	C_N
};

static const char *const keys[C_N] = {"served", "failed", "refused", "reset",
    "timeout", "wrong", "p50_us", "p99_us"};

struct row {
	unsigned long v[C_N];
};

struct mark {
	double t_s; /* seconds since the load's start */
	char label[LABEL_MAX];
};

struct report {
	struct row *rows; /* second i + 1 in rows[i] */
	long n;
	struct row total;
	bool have_total;
	long long start_ms;
	struct mark marks[MAX_MARKS];
	int nmarks;
};

static void
die(const char *fmt, const char *arg)
{
	fprintf(stderr, "demo-report: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	exit(2);
}

/* The key=value words of line into r; false if it has none of ours. */
static bool
parse_fields(const char *line, struct row *r)
{
	bool any = false;
	int c;

	for (c = 0; c < C_N; c++) {
		char pat[24];
		const char *p;

		snprintf(pat, sizeof(pat), " %s=", keys[c]);
		p = strstr(line, pat);
		if (p != NULL) {
			r->v[c] = strtoul(p + strlen(pat), NULL, 10);
			any = true;
		}
	}
	return any;
}

static void
read_load(struct report *rep, const char *path)
{
	FILE *f = fopen(path, "re");
	char line[1024];
	long cap = 0;

	if (f == NULL)
		die("%s: cannot open", path);
	while (fgets(line, sizeof(line), f) != NULL) {
		const char *p = strstr(line, "start_ms=");
		struct row r = {{0}};
		long sec;

		if (line[0] == '#') {
			if (p != NULL)
				rep->start_ms = strtoll(p + 9, NULL, 10);
			continue;
		}
		if (strncmp(line, "total ", 6) == 0) {
			rep->have_total = parse_fields(line + 5, &rep->total);
			continue;
		}
		if (sscanf(line, "sec=%ld", &sec) != 1 || sec != rep->n + 1 ||
		    sec > MAX_SECONDS || !parse_fields(line, &r))
			die("%s: not a line of demo-load's seconds", path);
		if (rep->n == cap) {
			struct row *v;

			cap = cap ? cap * 2 : 64;
			v = realloc(rep->rows, (size_t)cap * sizeof(*v));
			if (v == NULL)
				die("%s: out of memory", path);
			rep->rows = v;
		}
		rep->rows[rep->n++] = r;
	}
	fclose(f);
	if (rep->n == 0)
		die("%s: no second of load in it", path);
}

static void
read_marks(struct report *rep, const char *path)
{
	FILE *f = fopen(path, "re");
	char line[256];

	if (f == NULL)
		return; /* no event marked */
	while (
	    fgets(line, sizeof(line), f) != NULL && rep->nmarks < MAX_MARKS) {
		struct mark *m = &rep->marks[rep->nmarks];
		long long ms;

		if (sscanf(line, "%lld %31s", &ms, m->label) != 2)
			continue;
		m->t_s = (double)(ms - rep->start_ms) / 1000.0;
		if (m->t_s >= 0 && m->t_s <= (double)rep->n)
			rep->nmarks++;
	}
	fclose(f);
}

/* The events of second sec (1-based), joined by commas, or "-". */
static void
events_of(const struct report *rep, long sec, char *buf, size_t size)
{
	int i;

	buf[0] = '\0';
	for (i = 0; i < rep->nmarks; i++) {
		long in = (long)rep->marks[i].t_s + 1;
		size_t len = strlen(buf);

		if (in > rep->n)
			in = rep->n;
		if (in != sec)
			continue;
		snprintf(buf + len, size - len, "%s%s", len ? "," : "",
		    rep->marks[i].label);
	}
	if (buf[0] == '\0')
		snprintf(buf, size, "-");
}

static void
print_row(const char *first, const struct row *r, const char *events)
{
	printf("%7s  %6lu  %6lu  %7lu  %5lu  %7lu  %5lu  %6.2f  %6.2f  %s\n",
	    first, r->v[C_SERVED], r->v[C_FAILED], r->v[C_REFUSED],
	    r->v[C_RESET], r->v[C_TIMEOUT], r->v[C_WRONG],
	    (double)r->v[C_P50] / 1000.0, (double)r->v[C_P99] / 1000.0, events);
}

static int
cmp_ul(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a;
	unsigned long y = *(const unsigned long *)b;

	return (x > y) - (x < y);
}

static void
print_table(const struct report *rep)
{
	unsigned long *served = calloc((size_t)rep->n, sizeof(*served));
	unsigned long median;
	char ev[256];
	long low = 0;
	long i;

	if (served == NULL)
		die("%s", "out of memory");
	printf("%7s  %6s  %6s  %7s  %5s  %7s  %5s  %6s  %6s  %s\n", "second",
	    "served", "failed", "refused", "reset", "timeout", "wrong",
	    "p50_ms", "p99_ms", "event");
	for (i = 0; i < rep->n; i++) {
		char sec[24];

		snprintf(sec, sizeof(sec), "%ld", i + 1);
		events_of(rep, i + 1, ev, sizeof(ev));
		print_row(sec, &rep->rows[i], ev);
		served[i] = rep->rows[i].v[C_SERVED];
		if (served[i] < rep->rows[low].v[C_SERVED])
			low = i;
	}
	if (rep->have_total)
		print_row("total", &rep->total, "-");
	qsort(served, (size_t)rep->n, sizeof(*served), cmp_ul);
	median = served[rep->n / 2];
	if (rep->n % 2 == 0)
		median = (served[rep->n / 2 - 1] + served[rep->n / 2]) / 2;
	printf("\nlowest second: %lu served (second %ld), median %lu "
	       "(%.1f%% of the median)\n",
	    rep->rows[low].v[C_SERVED], low + 1, median,
	    median ? 100.0 * (double)rep->rows[low].v[C_SERVED] / (double)median
	           : 0.0);
	free(served);
}

/* The median of the served counts of seconds [from, to). */
static unsigned long
median_served(const struct report *rep, long from, long to)
{
	unsigned long *v;
	unsigned long m;
	long i;

	if (to <= from)
		return 0;
	v = calloc((size_t)(to - from), sizeof(*v));
	if (v == NULL)
		die("%s", "out of memory");
	for (i = from; i < to; i++)
		v[i - from] = rep->rows[i].v[C_SERVED];
	qsort(v, (size_t)(to - from), sizeof(*v), cmp_ul);
	m = v[(to - from) / 2];
	free(v);
	return m;
}

/* One row of --steps: seconds [from, to) as step name. */
static void
print_step(const struct report *rep, const char *name, long from, long to)
{
	struct row sum = {{0}};
	unsigned long low = 0;
	long i;
	int c;

	for (i = from; i < to; i++) {
		for (c = C_SERVED; c <= C_WRONG; c++)
			sum.v[c] += rep->rows[i].v[c];
		if (i == from || rep->rows[i].v[C_SERVED] < low)
			low = rep->rows[i].v[C_SERVED];
	}
	printf("| %s | %ld | %lu | %lu | %lu | %lu | %lu | %lu | %lu | %lu |\n",
	    name, to - from, sum.v[C_SERVED], low, median_served(rep, from, to),
	    sum.v[C_FAILED], sum.v[C_REFUSED], sum.v[C_RESET], sum.v[C_TIMEOUT],
	    sum.v[C_WRONG]);
}

/* --steps: the seconds from one event to the next, summed (a Markdown
 * table). A step begins with the second its event fell in. */
static void
print_steps(const struct report *rep)
{
	long from = 0;
	const char *name = "start";
	int i;

	printf("\n| step | seconds | served | lowest/s | median/s | failed "
	       "| refused | reset | timeout | wrong |\n"
	       "|---|---|---|---|---|---|---|---|---|---|\n");
	for (i = 0; i < rep->nmarks; i++) {
		long at = (long)rep->marks[i].t_s;

		if (at > from) {
			print_step(rep, name, from, at);
			from = at;
		}
		name = rep->marks[i].label;
	}
	print_step(rep, name, from, rep->n);
}

/* ------------------------------------------------------------ the chart */

#define W 960
#define H 440
#define ML 70
#define MR 70
#define MT 56
#define MB 56
#define PW (W - ML - MR)
#define PH (H - MT - MB)

/* A round number at or above v (1, 2, 5 times a power of ten). */
static double
nice_ceil(double v)
{
	double p = 1;

	if (v <= 0)
		return 1;
	while (p * 10 <= v)
		p *= 10;
	while (p > v * 10)
		p /= 10;
	if (v <= p)
		return p;
	if (v <= 2 * p)
		return 2 * p;
	if (v <= 5 * p)
		return 5 * p;
	return 10 * p;
}

static void
xml_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '<')
			fputs("&lt;", f);
		else if (*s == '>')
			fputs("&gt;", f);
		else if (*s == '&')
			fputs("&amp;", f);
		else if (*s == '"')
			fputs("&quot;", f);
		else
			fputc(*s, f);
	}
}

static double
x_of(const struct report *rep, double t_s)
{
	return ML + t_s * PW / (double)rep->n;
}

static void
polyline(
    FILE *f, const struct report *rep, int col, double max, const char *style)
{
	long i;

	fprintf(f, "<polyline fill=\"none\" %s points=\"", style);
	for (i = 0; i < rep->n; i++) {
		double v = (double)rep->rows[i].v[col];

		if (col == C_P99)
			v /= 1000.0;
		fprintf(f, "%s%.1f,%.1f", i ? " " : "",
		    x_of(rep, (double)i + 0.5), MT + PH - v * PH / max);
	}
	fputs("\"/>\n", f);
}

static void
axes(FILE *f, const struct report *rep, double ymax, double lmax)
{
	long step = (long)nice_ceil((double)rep->n / 10.0);
	long t;
	int k;

	fprintf(f,
	    "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
	    "fill=\"#fff\" stroke=\"#888\"/>\n",
	    ML, MT, PW, PH);
	for (k = 0; k <= 5; k++) {
		double y = MT + PH - k * PH / 5.0;

		fprintf(f,
		    "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" "
		    "stroke=\"#eee\"/>\n"
		    "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%g</text>\n"
		    "<text x=\"%d\" y=\"%.1f\">%g</text>\n",
		    ML + 1, y, ML + PW - 1, y, ML - 6, y + 4, ymax * k / 5,
		    ML + PW + 6, y + 4, lmax * k / 5);
	}
	for (t = 0; t <= rep->n; t += step)
		fprintf(f,
		    "<text x=\"%.1f\" y=\"%d\" "
		    "text-anchor=\"middle\">%ld</text>\n",
		    x_of(rep, (double)t), MT + PH + 18, t);
	fprintf(f,
	    "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">seconds</text>\n"
	    "<text x=\"16\" y=\"%d\" text-anchor=\"middle\" "
	    "transform=\"rotate(-90 16 %d)\">requests a second</text>\n"
	    "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" "
	    "transform=\"rotate(90 %d %d)\">p99 latency (ms)</text>\n",
	    ML + PW / 2, H - 12, MT + PH / 2, MT + PH / 2, W - 14, MT + PH / 2,
	    W - 14, MT + PH / 2);
}

static void
marks(FILE *f, const struct report *rep)
{
	int i;

	for (i = 0; i < rep->nmarks; i++) {
		double x = x_of(rep, rep->marks[i].t_s);

		fprintf(f,
		    "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" "
		    "stroke=\"#555\" stroke-dasharray=\"4 3\"/>\n"
		    "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" "
		    "fill=\"#333\">",
		    x, MT, x, MT + PH, x + 3, MT + 12 + (i % 4) * 13);
		xml_text(f, rep->marks[i].label);
		fputs("</text>\n", f);
	}
}

static void
legend(FILE *f, const char *title)
{
	fputs("<text x=\"70\" y=\"22\" font-size=\"15\" "
	      "font-weight=\"bold\">",
	    f);
	xml_text(f, title);
	fputs("</text>\n", f);
	fprintf(f,
	    "<g font-size=\"12\">"
	    "<line x1=\"%d\" y1=\"40\" x2=\"%d\" y2=\"40\" stroke=\"#1f77b4\" "
	    "stroke-width=\"2.5\"/><text x=\"%d\" y=\"44\">served/s</text>"
	    "<line x1=\"%d\" y1=\"40\" x2=\"%d\" y2=\"40\" stroke=\"#d62728\" "
	    "stroke-width=\"2.5\"/><text x=\"%d\" y=\"44\">failed/s</text>"
	    "<line x1=\"%d\" y1=\"40\" x2=\"%d\" y2=\"40\" stroke=\"#999\" "
	    "stroke-dasharray=\"3 2\"/><text x=\"%d\" y=\"44\">p99 ms "
	    "(right)</text></g>\n",
	    ML, ML + 24, ML + 28, ML + 110, ML + 134, ML + 138, ML + 220,
	    ML + 244, ML + 248);
}

static void
write_svg(const struct report *rep, const char *path, const char *title)
{
	FILE *f = fopen(path, "we");
	unsigned long top = 0;
	unsigned long ltop = 0;
	double ymax;
	double lmax;
	long i;

	if (f == NULL)
		die("%s: cannot write", path);
	for (i = 0; i < rep->n; i++) {
		const struct row *r = &rep->rows[i];

		if (r->v[C_SERVED] > top)
			top = r->v[C_SERVED];
		if (r->v[C_FAILED] > top)
			top = r->v[C_FAILED];
		if (r->v[C_P99] > ltop)
			ltop = r->v[C_P99];
	}
	ymax = nice_ceil((double)top * 1.1);
	lmax = nice_ceil((double)ltop / 1000.0 * 1.1);
	fprintf(f,
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
	    "height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" "
	    "font-size=\"12\">\n"
	    "<rect width=\"100%%\" height=\"100%%\" fill=\"#fafafa\"/>\n",
	    W, H, W, H);
	legend(f, title);
	axes(f, rep, ymax, lmax);
	marks(f, rep);
	polyline(f, rep, C_P99, lmax,
	    "stroke=\"#999\" stroke-width=\"1\" stroke-dasharray=\"3 2\"");
	polyline(
	    f, rep, C_SERVED, ymax, "stroke=\"#1f77b4\" stroke-width=\"2.5\"");
	polyline(
	    f, rep, C_FAILED, ymax, "stroke=\"#d62728\" stroke-width=\"2.5\"");
	fputs("</svg>\n", f);
	if (fclose(f) != 0)
		die("%s: cannot write", path);
}

static unsigned long
total_failed(const struct report *rep)
{
	unsigned long n = 0;
	long i;

	if (rep->have_total)
		return rep->total.v[C_FAILED];
	for (i = 0; i < rep->n; i++)
		n += rep->rows[i].v[C_FAILED];
	return n;
}

int
main(int argc, char **argv)
{
	struct report rep = {.n = 0};
	const char *load = NULL;
	const char *marks_path = NULL;
	const char *svg = NULL;
	const char *title = "tend: the live demo";
	static const struct option longopts[] = {
	    {"marks", required_argument, NULL, 'm'},
	    {"svg", required_argument, NULL, 's'},
	    {"title", required_argument, NULL, 't'},
	    {"steps", no_argument, NULL, 'p'}, {NULL, 0, NULL, 0}};
	bool steps = false;
	unsigned long failed;
	int c;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c == 'm')
			marks_path = optarg;
		else if (c == 's')
			svg = optarg;
		else if (c == 't')
			title = optarg;
		else if (c == 'p')
			steps = true;
		else
			optind = argc; /* usage below */
	}
	if (optind + 1 == argc)
		load = argv[optind];
	if (load == NULL)
		die("usage: demo-report LOAD_FILE [--marks FILE] [--svg FILE] "
		    "[--title TEXT] [--steps]%s",
		    "");
	read_load(&rep, load);
	if (marks_path != NULL)
		read_marks(&rep, marks_path);
	print_table(&rep);
	if (steps)
		print_steps(&rep);
	failed = total_failed(&rep);
	if (failed == 0)
		printf("no request failed\n");
	else
		printf("%lu requests failed in total (refused %lu, reset %lu, "
		       "timeout %lu, wrong %lu)\n",
		    failed, rep.total.v[C_REFUSED], rep.total.v[C_RESET],
		    rep.total.v[C_TIMEOUT], rep.total.v[C_WRONG]);
	if (svg != NULL) {
		write_svg(&rep, svg, title);
		printf("chart: %s\n", svg);
	}
	free(rep.rows);
	return failed == 0 ? 0 : 1;
}
