/*
 * leftover.c: the crash-restart state file and the stop of what a killed
 * predecessor left (see leftover.h).
 */
#include "leftover.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"
#include "log.h"
#include "statefile.h"
#include "supervise.h"
#include "units.h"

#define POLL_MS 20
#define FLUSH_AFTER 256 /* changes that force a write during a mass start */
#define UNKNOWN_SHUTDOWN_MS 5000 /* a leftover no longer in the config */

struct leftover {
	struct prog *p;   /* NULL: no longer in the configuration */
	const char *name; /* as logged */
	pid_t pid, pgid;  /* by state file; pid 0: by cgroup */
	uint64_t start;
	int64_t kill_at_ms; /* -1: never */
	bool killed, gone;
};

static struct {
	struct ev_loop *loop;
	void (*then)(void);
	const struct tree *tree;
	char path[4096]; /* SOCKET.state; "" until leftover_begin */
	unsigned changes;
	struct statefile sf; /* what was read: names for unknown leftovers */
	struct leftover *v;
	size_t n, left;
	ev_timer poll_w;
} lo;

/* ------------------------------------------------------------ the file */

static int
read_stat(pid_t pid, uint64_t *start, pid_t *pgid, char *state)
{
	char path[64], buf[1024];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return statefile_parse_stat(buf, start, pgid, state);
}

bool
leftover_busy(void)
{
	return lo.left > 0;
}

void
leftover_changed(void)
{
	lo.changes++;
}

static int
write_entries(FILE *f, const struct tree *t)
{
	char line[4200];
	size_t i;

	if (fputs(statefile_header(), f) == EOF)
		return -1;
	for (i = 0; i < t->cfg.nprogs; i++) {
		struct prog *p = t->progs[i];
		pid_t pgid;
		char st;
		int len;

		if (p->pgid == 0 || p->pid == 0)
			continue;
		if (p->start_ticks == 0 &&
		    read_stat(p->pid, &p->start_ticks, &pgid, &st) == -1)
			continue; /* gone already: its end is on its way */
		len = statefile_format(line, sizeof(line), p->pid, p->pgid,
		    p->start_ticks, p->node.path);
		if (len > 0 && fwrite(line, 1, (size_t)len, f) != (size_t)len)
			return -1;
	}
	return fflush(f) == EOF ? -1 : 0;
}

static int
write_file(const struct tree *t)
{
	char tmp[sizeof(lo.path) + 8];
	FILE *f;
	int fd, err;

	snprintf(tmp, sizeof(tmp), "%s.new", lo.path);
	fd = open(
	    tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd == -1)
		return -1;
	f = fdopen(fd, "w");
	if (f == NULL) {
		err = errno;
		close(fd);
		goto fail_unlink;
	}
	if (write_entries(f, t) == -1) {
		err = errno;
		fclose(f);
		goto fail_unlink;
	}
	if (fclose(f) == EOF) {
		err = errno;
		goto fail_unlink;
	}
	if (rename(tmp, lo.path) == -1) {
		err = errno;
		goto fail_unlink;
	}
	return 0;
fail_unlink:
	(void)unlink(tmp);
	errno = err;
	return -1;
}

void
leftover_flush(const struct tree *t, bool now)
{
	static bool warned;

	if (lo.path[0] == '\0' || lo.changes == 0)
		return;
	if (!now && lo.changes < FLUSH_AFTER)
		return;
	lo.changes = 0;
	if (write_file(t) == 0) {
		warned = false;
		return;
	}
	if (!warned)
		log_warn("cannot write %s: after a crash of tend, programs it "
		         "leaves may not be found",
		    lo.path);
	warned = true;
}

void
leftover_fini(void)
{
	if (lo.path[0] != '\0')
		(void)unlink(lo.path);
	lo.path[0] = '\0';
	statefile_free(&lo.sf);
	free(lo.v);
	lo.v = NULL;
	lo.n = lo.left = 0;
}

/* ------------------------------------------------------------- finding */

static int
read_text(const char *path, char **out, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	ssize_t r;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd == -1 || buf == NULL)
		goto fail;
	while ((r = read(fd, buf + n, cap - n)) > 0) {
		n += (size_t)r;
		if (n == cap) {
			char *more = realloc(buf, cap * 2);

			if (more == NULL)
				goto fail;
			buf = more;
			cap *= 2;
		}
	}
	if (r == -1)
		goto fail;
	close(fd);
	*out = buf;
	*len = n;
	return 0;
fail:
	if (fd != -1)
		close(fd);
	free(buf);
	return -1;
}

/* The state file's entry e names a process that is still the one it
 * recorded: same pid, start time and process group, not a zombie. */
static bool
entry_alive(pid_t pid, pid_t pgid, uint64_t start)
{
	uint64_t s;
	pid_t g;
	char st;

	return read_stat(pid, &s, &g, &st) == 0 && s == start && g == pgid &&
	       st != 'Z' && st != 'X';
}

static struct leftover *
add(void)
{
	struct leftover *v = realloc(lo.v, (lo.n + 1) * sizeof(*v));

	if (v == NULL)
		return NULL;
	lo.v = v;
	v = &lo.v[lo.n++];
	memset(v, 0, sizeof(*v));
	return v;
}

static void
find_in_cgroups(struct tree *t)
{
	size_t i;

	for (i = 0; cgroup_enabled() && i < t->cfg.nprogs; i++) {
		struct prog *p = t->progs[i];
		struct leftover *l;

		if (!cgroup_find_leftover(p) || (l = add()) == NULL)
			continue;
		l->p = p;
		l->name = p->node.shown;
	}
}

static bool
found_by_cgroup(const struct prog *p)
{
	size_t i;

	for (i = 0; i < lo.n; i++)
		if (lo.v[i].p == p && lo.v[i].pid == 0)
			return true;
	return false;
}

static void
find_in_file(struct tree *t)
{
	char *text;
	size_t len, i;

	if (read_text(lo.path, &text, &len) == -1) {
		if (errno != ENOENT)
			log_warn("cannot read %s", lo.path);
		return;
	}
	if (statefile_parse(text, len, &lo.sf) == -1)
		log_warnx(
		    "%s: not a state file tend can read; ignored", lo.path);
	free(text);
	for (i = 0; i < lo.sf.n; i++) {
		const struct statefile_entry *e = &lo.sf.v[i];
		struct node *n = tree_find(t, e->path);
		struct prog *p =
		    n != NULL && n->kind == NODE_PROG ? (struct prog *)n : NULL;
		struct leftover *l;

		if ((p != NULL && found_by_cgroup(p)) ||
		    !entry_alive(e->pid, e->pgid, e->start) ||
		    (l = add()) == NULL)
			continue;
		l->p = p;
		l->name = p != NULL
		              ? p->node.shown
		              : (strncmp(e->path, "root/", 5) == 0 ? e->path + 5
		                                                   : e->path);
		l->pid = e->pid;
		l->pgid = e->pgid;
		l->start = e->start;
	}
}

/* ------------------------------------------------------------ stopping */

static void
send_sig(struct leftover *l, int sig)
{
	if (l->pid == 0) {
		cgroup_signal(l->p, sig);
		return;
	}
	if (entry_alive(l->pid, l->pgid, l->start))
		(void)kill(-l->pgid, sig);
}

static void
kill_it(struct leftover *l)
{
	l->killed = true;
	log_warnx("%s: what a previous tend left is still running after its "
	          "stop signal; killing it",
	    l->name);
	if (l->pid == 0)
		(void)cgroup_kill(l->p);
	else
		send_sig(l, SIGKILL);
}

static bool
is_gone(const struct leftover *l)
{
	if (l->pid == 0)
		return !cgroup_populated(l->p);
	return !entry_alive(l->pid, l->pgid, l->start);
}

static void
stop_one(struct leftover *l, int64_t now_ms)
{
	int sig = l->p != NULL ? l->p->conf->stop_signal : SIGTERM;
	int64_t ms =
	    l->p != NULL ? l->p->conf->shutdown_ms : UNKNOWN_SHUTDOWN_MS;
	const char *name = units_signal_name(sig);

	if (l->pid != 0)
		log_warnx("%s: stopping what a previous tend left (pid %d, "
		          "signal %s)",
		    l->name, (int)l->pid, name != NULL ? name : "?");
	else
		log_warnx("%s: stopping what a previous tend left in its "
		          "cgroup (signal %s)",
		    l->name, name != NULL ? name : "?");
	if (ms == CONFIG_BRUTAL_KILL) {
		kill_it(l);
		return;
	}
	send_sig(l, sig);
	if (sig != SIGKILL && sig != SIGCONT)
		send_sig(l, SIGCONT);
	l->kill_at_ms = ms == CONFIG_INFINITY ? -1 : now_ms + ms;
}

/* After its main process, what is left of a leftover's group: the pid
 * is still held (a zombie) or the group still has members, so -pgid is
 * still that group. */
static void
finish_group(const struct leftover *l)
{
	if (l->pid != 0 && kill(-l->pgid, 0) == 0)
		(void)kill(-l->pgid, SIGKILL);
}

static void
on_poll(struct ev_loop *loop, ev_timer *w, int revents)
{
	int64_t now = supervise_now_ms();
	size_t i;

	(void)revents;
	for (i = 0; i < lo.n; i++) {
		struct leftover *l = &lo.v[i];

		if (l->gone)
			continue;
		if (is_gone(l)) {
			finish_group(l);
			l->gone = true;
			lo.left--;
			log_info(
			    "%s: what a previous tend left is gone", l->name);
		} else if (!l->killed && l->kill_at_ms >= 0 &&
		           now >= l->kill_at_ms) {
			kill_it(l);
		}
	}
	if (lo.left > 0)
		return;
	ev_timer_stop(loop, w);
	lo.changes = 1; /* the file now says: nothing runs */
	leftover_flush(lo.tree, true);
	lo.then();
}

void
leftover_resume(const char *socket_path)
{
	if ((size_t)snprintf(lo.path, sizeof(lo.path), "%s.state",
	        socket_path) >= sizeof(lo.path))
		lo.path[0] = '\0';
}

void
leftover_begin(struct ev_loop *loop, struct tree *t, const char *socket_path,
    void (*then)(void))
{
	int64_t now = supervise_now_ms();
	size_t i;

	lo.loop = loop;
	lo.then = then;
	if ((size_t)snprintf(lo.path, sizeof(lo.path), "%s.state",
	        socket_path) >= sizeof(lo.path))
		lo.path[0] = '\0';
	if (getpid() != 1) {
		find_in_cgroups(t);
		if (lo.path[0] != '\0')
			find_in_file(t);
	}
	lo.tree = t;
	if (lo.n == 0) {
		lo.changes = 1; /* the file now says: nothing runs */
		leftover_flush(t, true);
		then();
		return;
	}
	lo.left = lo.n;
	log_warnx("a previous tend was killed and left %zu program%s "
	          "running: stopping %s before starting",
	    lo.n, lo.n == 1 ? "" : "s", lo.n == 1 ? "it" : "them");
	for (i = 0; i < lo.n; i++)
		stop_one(&lo.v[i], now);
	ev_timer_init(&lo.poll_w, on_poll, POLL_MS / 1000.0, POLL_MS / 1000.0);
	ev_timer_start(loop, &lo.poll_w);
}
