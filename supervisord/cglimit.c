/*
 * cglimit.c: cgroup limits written where they are enforced (see cglimit.h).
 * Everything is decided at start (cglimit_init), and again at a reload
 * (cglimit_reload): which hierarchy holds each controller, and which nodes
 * get v1 cgroups; a spawn then only opens the cgroup.procs files of its
 * v1 cgroups, made on its first start (or by the reload that asked for
 * them, which moves the program's live processes there).
 */
#include "cglimit.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"
#include "figures.h"
#include "log.h"
#include "mountinfo.h"
#include "stats.h"

/* A v1 hierarchy that holds one of the controllers. */
struct v1h {
	bool usable;         /* mounted, writable, tend's cgroup known */
	char base[PATH_MAX]; /* tend's directory there */
	bool made_base;      /* base is a tend-HASH directory made here */
	int lock_fd;
};

static struct {
	bool on;                /* cgroups not turned off */
	bool v2_has[CTL_COUNT]; /* the controller can be used in cgroup v2 */
	uint8_t v2_used;        /* controllers (bits) some limit uses in v2 */
	uint8_t looked;         /* controllers already looked for */
	enum cgroups_mode mode; /* [tend] cgroups (a reload cannot change it) */
	struct v1h v1[CTL_COUNT];
} lm = {.v1 = {{.lock_fd = -1}, {.lock_fd = -1}, {.lock_fd = -1}}};

static const struct cg_limits no_limits = CG_LIMITS_NONE;

const struct cg_limits *
cglimit_of(const struct node *n)
{
	if (n->kind == NODE_PROG) {
		const struct prog *p = (const struct prog *)n;

		return p->conf != NULL ? &prog_extra(p->conf)->lim : &no_limits;
	}
	return ((const struct sup *)n)->conf != NULL
	           ? &((const struct sup *)n)->conf->lim
	           : &no_limits;
}

/* Write text to fd (an open cgroup file) and close it. 0, or -1. */
static int
write_fd(int fd, const char *text)
{
	ssize_t n;
	int err;

	if (fd == -1)
		return -1;
	n = write(fd, text, strlen(text));
	err = errno;
	close(fd);
	errno = err;
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* file of the directory dirfd. */
static int
write_at(int dirfd, const char *file, const char *text)
{
	return write_fd(openat(dirfd, file, O_WRONLY | O_CLOEXEC), text);
}

/* file of the directory dir. */
static int
write_in(const char *dir, const char *file, const char *text)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return write_fd(open(path, O_WRONLY | O_CLOEXEC), text);
}

static ssize_t
read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd == -1)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

/* ------------------------------------------------------------- finding */

/* Which controllers tend's cgroup v2 directory can hand down: those in
 * its cgroup.controllers that it could enable in cgroup.subtree_control
 * (the ones the limits use only). */
static void
find_v2(uint8_t wanted)
{
	const char *base = cgroup_base();
	char path[PATH_MAX + 32], buf[512], text[16];
	int c;

	if (base == NULL)
		return;
	snprintf(path, sizeof(path), "%s/cgroup.controllers", base);
	if (read_file(path, buf, sizeof(buf)) < 0)
		return;
	for (c = 0; c < CTL_COUNT; c++) {
		const char *name = limitmap_controller_name((enum controller)c);
		const char *at = strstr(buf, name);
		size_t len = strlen(name);

		if (at == NULL || (at != buf && at[-1] != ' ') ||
		    (at[len] != ' ' && at[len] != '\n' && at[len] != '\0'))
			continue;
		if (!(wanted & (1u << c))) {
			lm.v2_has[c] = true; /* not needed: nothing to enable */
			continue;
		}
		snprintf(text, sizeof(text), "+%s", name);
		if (write_in(base, "cgroup.subtree_control", text) == 0)
			lm.v2_has[c] = true;
		else
			log_warn("cannot enable the %s controller in %s", name,
			    base);
	}
}

/* tend's cgroup in the v1 hierarchy of c, and the directory it uses
 * there (as cgroup v2's, locked against another tend). */
static void
find_v1(enum controller c)
{
	const char *name = limitmap_controller_name(c);
	char mnt[PATH_MAX], root[PATH_MAX], own[PATH_MAX], orig[PATH_MAX],
	    err[512];
	const char *rel;
	bool rw = false;
	FILE *f;
	int r;

	f = fopen("/proc/self/mountinfo", "re");
	if (f == NULL)
		return;
	r = mountinfo_cgroup1(
	    f, name, mnt, sizeof(mnt), root, sizeof(root), &rw);
	fclose(f);
	if (r == -1 || !rw)
		return;
	f = fopen("/proc/self/cgroup", "re");
	if (f == NULL)
		return;
	r = mountinfo_proc_cgroup(f, name, own, sizeof(own));
	fclose(f);
	rel = r == 0 ? mountinfo_below(root, own) : NULL;
	if (rel == NULL ||
	    (size_t)snprintf(orig, sizeof(orig), "%s%s", mnt, rel) >=
	        sizeof(orig) ||
	    access(orig, W_OK) == -1)
		return;
	if (cgroup_choose_base(orig, lm.v1[c].base, sizeof(lm.v1[c].base),
	        &lm.v1[c].lock_fd, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		return;
	}
	lm.v1[c].made_base = strcmp(orig, lm.v1[c].base) != 0;
	lm.v1[c].usable = true;
}

static enum limit_home
home_of(enum controller c)
{
	if (!lm.on)
		return HOME_NONE;
	if (lm.v2_has[c] && cgroup_base() != NULL)
		return HOME_V2;
	return lm.v1[c].usable ? HOME_V1 : HOME_NONE;
}

enum limit_home
cglimit_home(const struct node *n, enum limit_key k)
{
	if (!limitmap_is_set(cglimit_of(n), k))
		return HOME_NONE;
	return home_of(limitmap_controller(k));
}

/* The controllers limits l use. */
static uint8_t
controllers_of(const struct cg_limits *l)
{
	uint8_t m = 0;
	int k;

	for (k = 0; k < LK_COUNT; k++)
		if (limitmap_is_set(l, (enum limit_key)k))
			m |= (uint8_t)(1u << limitmap_controller(
			                   (enum limit_key)k));
	return m;
}

/* The controllers n's own limits use. */
static uint8_t
used_by(const struct node *n)
{
	return controllers_of(cglimit_of(n));
}

/* The controllers t's limits use. */
static uint8_t
used_in(const struct tree *t)
{
	uint8_t used = 0;
	size_t i;

	for (i = 0; i < t->nnodes; i++)
		used |= used_by(t->nodes[i]);
	return used;
}

/* Say (once) that n's limit k is enforced nowhere: an error with
 * cgroups = yes. */
static int
unenforceable(const struct node *n, enum limit_key k, enum cgroups_mode mode,
    char *err, size_t errlen)
{
	const char *ctl = limitmap_controller_name(limitmap_controller(k));
	char why[256];

	if (!lm.on)
		snprintf(why, sizeof(why), "cgroups = no");
	else
		snprintf(why, sizeof(why),
		    "the %s controller is in neither cgroup v2 (%s) nor a "
		    "writable cgroup v1 hierarchy",
		    ctl, cgroup_base() ? cgroup_base() : "not in use");
	if (mode == CGROUPS_YES) {
		snprintf(err, errlen,
		    "cgroups = yes: %s: %s cannot be enforced: %s", n->shown,
		    limitmap_key_name(k), why);
		return -1;
	}
	log_warnx(
	    "%s: %s is not enforced: %s", n->shown, limitmap_key_name(k), why);
	return 0;
}

/* Decide for each node: v2 limits, v1 cgroups (its own limits' and its
 * ancestors'), reports. */
static int
plan(struct tree *t, enum cgroups_mode mode, char *err, size_t errlen)
{
	size_t i;
	int k;

	for (i = 0; i < t->nnodes; i++) {
		struct node *n = t->nodes[i];
		uint8_t inherited = n->parent ? n->parent->node.v1_need : 0;
		const struct cg_limits *l = cglimit_of(n);

		n->limited = false;
		/* a v1 cgroup once made stays (a lifted limit is written
		 * as "max" there) */
		n->v1_need = inherited | n->v1_made;
		for (k = 0; k < LK_COUNT; k++) {
			enum limit_key key = (enum limit_key)k;
			enum controller c = limitmap_controller(key);

			if (!limitmap_is_set(l, key))
				continue;
			switch (home_of(c)) {
			case HOME_V2:
				n->limited = true;
				break;
			case HOME_V1:
				n->v1_need |= (uint8_t)(1u << c);
				break;
			default:
				if (n->unenforced_told & (1u << key))
					break;
				if (unenforceable(n, key, mode, err, errlen) ==
				    -1)
					return -1;
				n->unenforced_told |= (uint8_t)(1u << key);
			}
		}
	}
	return 0;
}

/* Find the hierarchies of the controllers used (bits) that were not
 * looked for yet. */
static void
discover(uint8_t used)
{
	uint8_t fresh;
	int c;

	fresh = (uint8_t)(used & ~lm.looked);
	if (!lm.on || fresh == 0)
		return;
	lm.looked |= fresh;
	find_v2(fresh);
	for (c = 0; c < CTL_COUNT; c++) {
		if (!(fresh & (1u << c)))
			continue;
		if (!lm.v2_has[c])
			find_v1((enum controller)c);
		else if (cgroup_base() != NULL)
			lm.v2_used |= (uint8_t)(1u << c);
	}
}

int
cglimit_init(struct tree *t, enum cgroups_mode mode, char *err, size_t errlen)
{
	lm.on = mode != CGROUPS_NO;
	lm.mode = mode;
	discover(used_in(t));
	return plan(t, mode, err, errlen);
}

/* -------------------------------------------------------------- writing */

/* Write n's limits that live in v2 (v1 false) or in v1 hierarchy c into
 * the directory dirfd. Lifts those n does not set, so that
 * a reload can remove one. 0, or -1 (logged). */
static int
write_limits(const struct node *n, bool v1, int c, int dirfd)
{
	const struct cg_limits *l = cglimit_of(n);
	struct limit_write w[2];
	size_t j, nw;
	int k, r = 0;

	for (k = 0; k < LK_COUNT; k++) {
		enum limit_key key = (enum limit_key)k;
		enum controller ctl = limitmap_controller(key);

		if (v1 ? (int)ctl != c : home_of(ctl) != HOME_V2)
			continue;
		nw = limitmap_writes(l, key, v1, w);
		for (j = 0; j < nw; j++) {
			if (write_at(dirfd, w[j].file, w[j].text) == 0)
				continue;
			if (!limitmap_is_set(l, key))
				continue; /* lifting what was never set */
			log_warn("%s: %s = %s: cannot write %s to %s", n->shown,
			    limitmap_key_name(key),
			    limitmap_show(l, key, (char[32]){0}, 32), w[j].text,
			    w[j].file);
			r = -1;
		}
	}
	return r;
}

/* The same into the directory dir. */
static int
write_limits_in(const struct node *n, bool v1, int c, const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), r;

	if (fd == -1) {
		log_warn("%s: %s", n->shown, dir);
		return -1;
	}
	r = write_limits(n, v1, c, fd);
	close(fd);
	return r;
}

void
cglimit_v2_made(struct node *n, int dirfd)
{
	char text[64];
	int c;

	if (lm.v2_used == 0)
		return;
	if (n->kind == NODE_SUP) {
		for (c = 0; c < CTL_COUNT; c++) {
			if (!(lm.v2_used & (1u << c)))
				continue;
			snprintf(text, sizeof(text), "+%s",
			    limitmap_controller_name((enum controller)c));
			if (write_at(dirfd, "cgroup.subtree_control", text) ==
			    -1)
				log_warn("%s: cannot enable the %s controller "
				         "in its cgroup",
				    n->shown, text + 1);
		}
	}
	if (cg_limits_any(cglimit_of(n)))
		(void)write_limits(n, false, -1, dirfd);
}

const char *
cglimit_v1_dir(const struct node *n, enum controller c, char *buf, size_t size)
{
	char rel[PATH_MAX];
	size_t blen, rlen;

	if (!lm.v1[c].usable || !(n->v1_need & (1u << c)))
		return NULL;
	cgroup_rel_path_v1(n, rel, sizeof(rel));
	blen = strlen(lm.v1[c].base);
	rlen = strlen(rel);
	if (blen + 1 + rlen + 1 > size)
		return NULL;
	memcpy(buf, lm.v1[c].base, blen);
	buf[blen] = '/';
	memcpy(buf + blen + 1, rel, rlen + 1);
	return buf;
}

/* n's v1 cgroup of c, made with its limits if it is not yet (its
 * supervisors' first). 0, or -1 with errno. */
static int
ensure_v1(struct node *n, enum controller c)
{
	char dir[PATH_MAX];

	if (n->v1_made & (1u << c))
		return 0;
	if (n->parent != NULL && (n->parent->node.v1_need & (1u << c)) &&
	    ensure_v1(&n->parent->node, c) == -1)
		return -1;
	if (n->parent == NULL || !(n->parent->node.v1_need & (1u << c))) {
		/* the first of its line: its ancestors' directories carry
		 * no limit of c, but must exist */
		char rel[PATH_MAX], path[PATH_MAX + 8];
		char *slash;

		cgroup_rel_path_v1(n, rel, sizeof(rel));
		for (slash = strchr(rel, '/'); slash != NULL;
		     slash = strchr(slash + 1, '/')) {
			*slash = '\0';
			snprintf(
			    path, sizeof(path), "%s/%s", lm.v1[c].base, rel);
			*slash = '/';
			if (mkdir(path, 0755) == -1 && errno != EEXIST)
				return -1;
		}
	}
	if (cglimit_v1_dir(n, c, dir, sizeof(dir)) == NULL) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (mkdir(dir, 0755) == -1 && errno != EEXIST)
		return -1;
	(void)write_limits_in(n, true, (int)c, dir);
	n->v1_made |= (uint8_t)(1u << c);
	return 0;
}

int
cglimit_v1_prepare(struct prog *p, int fds[CGLIMIT_V1_MAX])
{
	char dir[PATH_MAX], path[PATH_MAX + 16];
	int c, n = 0, err;

	for (c = 0; c < CTL_COUNT; c++) {
		if (!(p->node.v1_need & (1u << c)))
			continue;
		if (ensure_v1(&p->node, (enum controller)c) == -1)
			goto fail;
		cglimit_v1_dir(&p->node, (enum controller)c, dir, sizeof(dir));
		snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
		fds[n] = open(path, O_WRONLY | O_CLOEXEC);
		if (fds[n] == -1)
			goto fail;
		n++;
	}
	return n;
fail:
	err = errno;
	while (n > 0)
		close(fds[--n]);
	errno = err;
	return -1;
}

int64_t
cglimit_oom_kills(const struct prog *p)
{
	char dir[PATH_MAX], path[PATH_MAX + 32], buf[512];
	uint64_t v;

	if (cglimit_v1_dir(&p->node, CTL_MEMORY, dir, sizeof(dir)) != NULL) {
		snprintf(path, sizeof(path), "%s/memory.oom_control", dir);
		if (read_file(path, buf, sizeof(buf)) < 0)
			return -1;
	} else if (lm.v2_used & (1u << CTL_MEMORY)) {
		if (cgroup_read(&p->node, "memory.events", buf, sizeof(buf)) <
		    0)
			return -1;
	} else {
		return -1;
	}
	return stats_keyed(buf, "oom_kill", &v) == 0 ? (int64_t)v : -1;
}

int
cglimit_apply(struct node *n, char *err, size_t errlen)
{
	char dir[PATH_MAX];
	int c, r = 0;

	if (n->cg_fd >= 0 && n->kind == NODE_SUP)
		r |= write_limits(n, false, -1, n->cg_fd);
	else if (n->kind == NODE_PROG && n->cg_made) {
		char rel[PATH_MAX], path[PATH_MAX * 2];

		if (cgroup_base() != NULL) {
			cgroup_rel_path(n, rel, sizeof(rel));
			snprintf(
			    path, sizeof(path), "%s/%s", cgroup_base(), rel);
			r |= write_limits_in(n, false, -1, path);
		}
	}
	for (c = 0; c < CTL_COUNT; c++) {
		if (!(n->v1_made & (1u << c)))
			continue;
		cglimit_v1_dir(n, (enum controller)c, dir, sizeof(dir));
		r |= write_limits_in(n, true, c, dir);
	}
	if (r != 0)
		snprintf(err, errlen,
		    "%s: some limits could not be written "
		    "(see tend's log)",
		    n->shown);
	return r == 0 ? 0 : -1;
}

/* Move every process of the running program p into its v1 cgroup of c
 * (made now): a reload gave it a limit of c. 0, or -1 (logged). */
static int
move_in(struct prog *p, enum controller c)
{
	char dir[PATH_MAX], path[PATH_MAX + 16], one[24];
	size_t n, i;
	pid_t *v;
	int fd, r = 0;

	if (ensure_v1(&p->node, c) == -1 ||
	    cglimit_v1_dir(&p->node, c, dir, sizeof(dir)) == NULL) {
		log_warn("%s: cannot make its %s cgroup", p->node.shown,
		    limitmap_controller_name(c));
		return -1;
	}
	if (p->pid == 0)
		return 0; /* it joins at its next start */
	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	v = fd != -1 ? figures_pids(p, &n) : NULL;
	if (v == NULL)
		n = 0;
	for (i = 0; i < n; i++) {
		int len = snprintf(one, sizeof(one), "%d", (int)v[i]);

		/* one pid a write; one that ended meanwhile is no error */
		if (write(fd, one, (size_t)len) != len && errno != ESRCH) {
			log_warn("%s: cannot move pid %d into %s",
			    p->node.shown, (int)v[i], dir);
			r = -1;
		}
	}
	free(v);
	if (fd == -1) {
		log_warn("%s: %s", p->node.shown, path);
		return -1;
	}
	close(fd);
	return r;
}

int
cglimit_reload(struct tree *t, char *err, size_t errlen)
{
	bool *had;
	size_t i;
	int c, r = 0;

	had = calloc(t->nnodes + 1, sizeof(*had));
	if (had == NULL) {
		snprintf(err, errlen, "reload: %s", strerror(ENOMEM));
		return -1;
	}
	for (i = 0; i < t->nnodes; i++)
		had[i] = t->nodes[i]->limited || t->nodes[i]->v1_made != 0;
	discover(used_in(t));
	/* cgroups = yes refused every unenforceable limit before the
	 * reload (cglimit_check): plan only warns here */
	(void)plan(t, CGROUPS_AUTO, err, errlen);
	for (i = 0; i < t->nnodes; i++) {
		struct node *n = t->nodes[i];
		uint8_t fresh = (uint8_t)(n->v1_need & ~n->v1_made);

		if (n->kind == NODE_SUP && n->cg_fd >= 0 && lm.v2_used != 0)
			cglimit_v2_made(n, n->cg_fd); /* controllers down */
		for (c = 0; c < CTL_COUNT && n->kind == NODE_PROG; c++)
			if (fresh & (1u << c) &&
			    move_in((struct prog *)n, (enum controller)c) == -1)
				r = -1;
		if ((had[i] || n->limited || n->v1_made != 0) &&
		    cglimit_apply(n, err, errlen) == -1)
			r = -1;
	}
	free(had);
	if (r == -1)
		snprintf(err, errlen,
		    "some limits could not be written (see tend's log)");
	return r;
}

int
cglimit_check(const struct config *cfg, char *err, size_t errlen)
{
	uint8_t used = 0;
	size_t i;
	int k;

	for (i = 0; i < cfg->nprogs; i++)
		used |= controllers_of(&prog_extra(&cfg->progs[i])->lim);
	for (i = 0; i < cfg->nsups; i++)
		used |= controllers_of(&cfg->sups[i].lim);
	discover(used);
	if (lm.mode != CGROUPS_YES)
		return 0;
	for (i = 0; i < cfg->nprogs + cfg->nsups; i++) {
		const struct cg_limits *l =
		    i < cfg->nprogs ? &prog_extra(&cfg->progs[i])->lim
		                    : &cfg->sups[i - cfg->nprogs].lim;
		const char *name = i < cfg->nprogs
		                       ? cfg->progs[i].name
		                       : cfg->sups[i - cfg->nprogs].name;

		for (k = 0; k < LK_COUNT; k++) {
			enum controller ctl =
			    limitmap_controller((enum limit_key)k);

			if (!limitmap_is_set(l, (enum limit_key)k) ||
			    home_of(ctl) != HOME_NONE)
				continue;
			snprintf(err, errlen,
			    "cgroups = yes: %s: %s cannot be enforced: the %s "
			    "controller is in neither cgroup v2 nor a writable "
			    "cgroup v1 hierarchy",
			    name, limitmap_key_name((enum limit_key)k),
			    limitmap_controller_name(ctl));
			return -1;
		}
	}
	return 0;
}

void
cglimit_fini(struct tree *t)
{
	char dir[PATH_MAX];
	size_t i;
	int c;

	for (c = 0; c < CTL_COUNT; c++) {
		if (!lm.v1[c].usable)
			continue;
		/* children before their supervisors: reverse pre-order */
		for (i = t->nnodes; i-- > 0;) {
			struct node *n = t->nodes[i];

			if (n->v1_need & (1u << c) &&
			    cglimit_v1_dir(n, (enum controller)c, dir,
			        sizeof(dir)) != NULL)
				(void)rmdir(dir);
			n->v1_made &= (uint8_t) ~(1u << c);
		}
		/* the directories made only to reach them: s-root and
		 * supervisors without a limit of c */
		for (i = t->nnodes; i-- > 0;) {
			struct node *n = t->nodes[i];

			if (n->kind == NODE_SUP) {
				char rel[PATH_MAX], path[2 * PATH_MAX + 2];

				cgroup_rel_path_v1(n, rel, sizeof(rel));
				snprintf(path, sizeof(path), "%s/%s",
				    lm.v1[c].base, rel);
				(void)rmdir(path);
			}
		}
		if (lm.v1[c].made_base)
			(void)rmdir(lm.v1[c].base);
		if (lm.v1[c].lock_fd != -1)
			close(lm.v1[c].lock_fd);
		lm.v1[c].lock_fd = -1;
		lm.v1[c].usable = false;
	}
}
