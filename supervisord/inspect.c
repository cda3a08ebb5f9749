/*
 * inspect.c: the records of `tendctl inspect NAME` (SPEC 5, SPEC 9): one
 * program in depth (its definition, cgroups, limits and where each is
 * enforced, every process with its state and wait channel, its last ends,
 * its last lines), or one supervisor (strategy, intensity, restarts in
 * its window, children, limits). Reads /proc and cgroup files now; keeps
 * nothing.
 */
#include "inspect.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cglimit.h"
#include "cgroup.h"
#include "client.h"
#include "figures.h"
#include "listen.h"
#include "output.h"

#define INSPECT_LINES 10 /* of the ring */

/* A monotonic time of the tree as milliseconds since the epoch. */
static int64_t
wall_ms(int64_t mono_ms, int64_t now_ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 -
	       (now_ms - mono_ms);
}

/* n's cgroups: v2 and each v1 one it has. */
static void
rec_cgroups(struct buf *b, const struct node *n)
{
	char rel[PATH_MAX], path[PATH_MAX * 2];
	int c;

	if (cgroup_base() != NULL &&
	    (n->kind == NODE_SUP ? n->cg_fd >= 0 : n->cg_made)) {
		cgroup_rel_path(n, rel, sizeof(rel));
		snprintf(path, sizeof(path), "%s/%s", cgroup_base(), rel);
		rec_str(b, "cgroup", path);
	} else {
		rec_str(b, "cgroup", "-");
	}
	for (c = 0; c < CTL_COUNT; c++) {
		char key[32];

		if (!(n->v1_made & (1u << c)) ||
		    cglimit_v1_dir(n, (enum controller)c, path, sizeof(path)) ==
		        NULL)
			continue;
		snprintf(key, sizeof(key), "cgroup_%s",
		    limitmap_controller_name((enum controller)c));
		rec_str(b, key, path);
	}
}

/* A record per limit that n or a supervisor above it sets. */
static void
limit_records(struct buf *b, const struct node *n)
{
	const struct node *at;
	char val[32];
	int k;

	for (at = n; at != NULL;
	     at = at->parent != NULL ? &at->parent->node : NULL) {
		const struct cg_limits *l = cglimit_of(at);

		for (k = 0; k < LK_COUNT; k++) {
			enum limit_key key = (enum limit_key)k;

			if (!limitmap_is_set(l, key))
				continue;
			rec_begin(b, "limit");
			rec_str(b, "key", limitmap_key_name(key));
			rec_str(b, "value",
			    limitmap_show(l, key, val, sizeof(val)));
			rec_str(b, "enforced",
			    limitmap_home_name(cglimit_home(at, key)));
			rec_str(b, "on", at->shown);
			rec_end(b);
		}
	}
}

/* Whether word needs quotes to be read back as one word. */
static bool
needs_quotes(const char *word)
{
	if (*word == '\0')
		return true;
	for (; *word != '\0'; word++)
		if (strchr("_./:=@%+,-", *word) == NULL &&
		    !(*word >= 'a' && *word <= 'z') &&
		    !(*word >= 'A' && *word <= 'Z') &&
		    !(*word >= '0' && *word <= '9'))
			return true;
	return false;
}

/* argv as a shell would read it back: words with spaces or quotes in
 * single quotes (' as '\''), into buf (cut to fit). */
static void
join_words(char *const *argv, char *buf, size_t size)
{
	size_t off = 0;
	const char *c;

	buf[0] = '\0';
	for (; *argv != NULL && off + 1 < size; argv++) {
		if (off > 0)
			buf[off++] = ' ';
		if (!needs_quotes(*argv)) {
			off += (size_t)snprintf(
			    buf + off, size - off, "%s", *argv);
			continue;
		}
		buf[off++] = '\'';
		for (c = *argv; *c != '\0' && off + 5 < size; c++) {
			if (*c == '\'') {
				memcpy(buf + off, "'\\''", 4);
				off += 4;
			} else {
				buf[off++] = *c;
			}
		}
		if (off + 1 < size)
			buf[off++] = '\'';
		buf[off] = '\0';
	}
	if (off >= size)
		buf[size - 1] = '\0';
}

static void
proc_records(struct buf *b, const struct prog *p, int64_t *fds)
{
	struct figures_proc *v;
	size_t n, i;

	v = figures_procs(p, &n);
	*fds = n > 0 ? 0 : -1;
	for (i = 0; i < n; i++) {
		rec_begin(b, "proc");
		rec_int(b, "pid", v[i].st.pid);
		rec_int(b, "ppid", v[i].st.ppid);
		rec_int(b, "depth", v[i].depth);
		rec_strn(b, "state", &v[i].st.state, 1);
		rec_str(b, "wchan", v[i].wchan);
		rec_int(b, "cpu_ms",
		    (int64_t)(v[i].st.cpu_ticks * 1000 /
		              (uint64_t)figures_hz()));
		rec_int(
		    b, "rss_bytes", v[i].st.rss_pages * sysconf(_SC_PAGESIZE));
		rec_int(b, "threads", v[i].st.threads);
		rec_int(b, "fds", v[i].fds);
		rec_str(b, "cmd", v[i].cmd);
		rec_end(b);
		if (v[i].fds > 0)
			*fds += v[i].fds;
	}
	free(v);
}

static void
exit_records(struct buf *b, const struct prog *p, int64_t now)
{
	const struct prog_past *h = p->past;
	char tok[64];
	size_t i;

	for (i = 0; h != NULL && i < h->n; i++) {
		size_t at = (h->head + i) % PROG_PAST;

		rec_begin(b, "exit");
		rec_int(b, "time_ms", wall_ms(h->v[at].at_ms, now));
		rec_str(b, "last", exit_token(&h->v[at], tok, sizeof(tok)));
		rec_int(b, "up_ms", h->up_ms[at]);
		rec_end(b);
	}
}

struct lines_to {
	struct buf *b;
	const struct node *n;
};

static void
add_line(void *arg, int64_t t, const char *text, size_t len)
{
	const struct lines_to *to = arg;

	commands_line_record(to->b, to->n, t, text, len);
}

static void
prog_detail(struct buf *b, const struct prog *p, int64_t now)
{
	const struct prog_conf *c = p->conf;
	struct figures f;
	char cmd[4096], addrs[1024];
	int64_t fds;
	struct lines_to to = {b, &p->node};

	figures_read(p, &f);
	rec_begin(b, "detail");
	join_words(c->argv, cmd, sizeof(cmd));
	rec_str(b, "command", cmd);
	rec_str(b, "directory", c->directory ? c->directory : "-");
	rec_str(b, "user", c->user ? c->user : "-");
	rec_str(b, "group", c->group ? c->group : "-");
	rec_cgroups(b, &p->node);
	rec_str(b, "listen", listen_addrs(prog_extra(c), addrs, sizeof(addrs)));
	rec_int(b, "cpu_usec", f.cpu_usec);
	rec_int(b, "mem_bytes", f.mem_bytes);
	rec_int(b, "procs", f.procs);
	rec_end(b);
	limit_records(b, &p->node);
	proc_records(b, p, &fds);
	rec_begin(b, "fds");
	rec_int(b, "count", fds);
	rec_end(b);
	exit_records(b, p, now);
	(void)output_last(p, INSPECT_LINES, add_line, &to);
}

static void
sup_detail(struct buf *b, const struct sup *s, int64_t now)
{
	size_t i;

	rec_begin(b, "detail");
	rec_str(b, "strategy", strategy_name(s->strategy));
	rec_int(b, "intensity", s->intensity);
	rec_int(b, "period_ms", s->period_ms);
	rec_int(b, "restarts_window", (int64_t)tree_restarts_within(s, now));
	rec_cgroups(b, &s->node);
	rec_end(b);
	limit_records(b, &s->node);
	for (i = 0; i < s->nkids; i++) {
		const struct node *k = s->kids[i];

		rec_begin(b, "child");
		rec_str(b, "name", k->shown);
		rec_str(
		    b, "kind", k->kind == NODE_PROG ? "program" : "supervisor");
		rec_str(b, "state", state_name(k->state));
		rec_int(b, "pid",
		    k->kind == NODE_PROG ? ((const struct prog *)k)->pid : 0);
		rec_end(b);
	}
}

void
inspect_records(struct buf *b, const struct node *n, int64_t now)
{
	if (n->kind == NODE_PROG)
		prog_detail(b, (const struct prog *)n, now);
	else
		sup_detail(b, (const struct sup *)n, now);
}
