/*
 * cgroup.c: programs' cgroups (see cgroup.h). Directories are created on
 * a program's first start and kept open (one fd per program and per
 * supervisor); emptiness is watched with inotify on cgroup.events only
 * while an instance's leftovers are being waited for.
 */
#include "cgroup.h"

#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cglimit.h"
#include "log.h"
#include "mountinfo.h"
#include "pidmap.h"
#include "units.h"

#define DIR_NAME_MAX (UNITS_NAME_MAX + 3)

static void dir_name(const struct node *n, char *buf, size_t size);
static void slot_name(
    const struct node *n, unsigned slot, char *buf, size_t size);

static struct {
	bool enabled;
	struct ev_loop *loop;
	char orig[PATH_MAX]; /* the cgroup tend was started in */
	char base[PATH_MAX]; /* where tend's leaf and s-root live: orig, or
	                      * orig/tend-PID when another tend owns orig */
	char proc[PATH_MAX]; /* base as /proc/PID/cgroup shows it */
	int lock_fd;         /* flock on base: one tend per base */
	unsigned id_hash;    /* of the control socket's path */
	int ifd;             /* inotify */
	ev_io io;
	struct pidmap watches; /* inotify wd -> prog */
	void (*on_empty)(struct prog *p);
} cg = {.ifd = -1, .lock_fd = -1};

bool
cgroup_enabled(void)
{
	return cg.enabled;
}

/* The cgroup2 mount point and the cgroup path it shows (its root, "/"
 * unless only a subtree is mounted), from /proc/self/mountinfo. */
static int
find_mount(char *mnt, size_t msize, char *root, size_t rsize)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	int r;

	if (f == NULL)
		return -1;
	r = mountinfo_cgroup2(f, mnt, msize, root, rsize);
	fclose(f);
	return r;
}

/* tend's own cgroup v2 path ("0::/PATH" in /proc/self/cgroup). */
static int
own_cgroup(char *out, size_t size)
{
	FILE *f = fopen("/proc/self/cgroup", "re");
	char line[PATH_MAX + 8];
	int r = -1;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "0::", 3) != 0)
			continue;
		line[strcspn(line, "\n")] = '\0';
		if (strlen(line + 3) >= size)
			break;
		memcpy(out, line + 3, strlen(line + 3) + 1);
		r = 0;
		break;
	}
	fclose(f);
	return r;
}

static int
write_file_at(int dirfd, const char *name, const char *text)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CLOEXEC);
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

static void on_inotify(struct ev_loop *loop, ev_io *w, int revents);

/* Move tend into <base>/tend, where it can stay a leaf. */
static int
enter_leaf(char *err, size_t errlen)
{
	char path[PATH_MAX + 16];
	int dirfd;

	snprintf(path, sizeof(path), "%s/tend", cg.base);
	if (mkdir(path, 0755) == -1 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create cgroup %.300s: %s", path,
		    strerror(errno));
		return -1;
	}
	dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd == -1 || write_file_at(dirfd, "cgroup.procs", "0") == -1) {
		snprintf(err, errlen, "cannot move tend into cgroup %.300s: %s",
		    path, strerror(errno));
		if (dirfd != -1)
			close(dirfd);
		(void)rmdir(path);
		return -1;
	}
	close(dirfd);
	return 0;
}

/* Hold an exclusive lock on the directory path for tend's life. */
static int
lock_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd == -1)
		return -1;
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		int err = errno;

		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

int
cgroup_choose_base(const char *orig, char *base, size_t size, int *lock_fd,
    char *err, size_t errlen)
{
	*lock_fd = lock_dir(orig);
	if (*lock_fd != -1) {
		snprintf(base, size, "%s", orig);
		return 0;
	}
	if (errno != EWOULDBLOCK) {
		snprintf(
		    err, errlen, "cgroup %.300s: %s", orig, strerror(errno));
		return -1;
	}
	/* named after the socket, which only one live tend holds: a tend
	 * started again on it finds its predecessor's leftovers there */
	if ((size_t)snprintf(base, size, "%s/tend-%08x", orig, cg.id_hash) >=
	        size ||
	    (mkdir(base, 0755) == -1 && errno != EEXIST) ||
	    (*lock_fd = lock_dir(base)) == -1) {
		snprintf(err, errlen, "cannot create cgroup %.300s: %s", base,
		    strerror(errno));
		return -1;
	}
	log_info("another tend uses cgroup %s; this one uses %s", orig, base);
	return 0;
}

static int
setup(char *err, size_t errlen)
{
	char mnt[PATH_MAX], root[PATH_MAX], own[PATH_MAX];
	const char *rel;
	size_t len;
	bool in_leaf;

	if (find_mount(mnt, sizeof(mnt), root, sizeof(root)) == -1) {
		snprintf(err, errlen, "no cgroup v2 hierarchy is mounted");
		return -1;
	}
	if (own_cgroup(own, sizeof(own)) == -1) {
		snprintf(err, errlen,
		    "tend's cgroup v2 is unknown "
		    "(/proc/self/cgroup)");
		return -1;
	}
	/* already in a leaf named tend (a re-exec): its parent is ours */
	len = strlen(own);
	in_leaf = len >= 5 && strcmp(own + len - 5, "/tend") == 0;
	if (in_leaf)
		own[len - 5] = '\0';
	/* a mount of a subtree shows own below its root only */
	rel = mountinfo_below(root, own);
	if (rel == NULL) {
		snprintf(err, errlen,
		    "tend's cgroup %.200s is not "
		    "under the mounted %.200s",
		    own, root);
		return -1;
	}
	if ((size_t)snprintf(cg.orig, sizeof(cg.orig), "%s%s", mnt, rel) >=
	    sizeof(cg.orig)) {
		snprintf(err, errlen, "cgroup path too long");
		return -1;
	}
	if (access(cg.orig, W_OK) == -1) {
		snprintf(err, errlen, "cgroup %.300s is not writable: %s",
		    cg.orig, strerror(errno));
		return -1;
	}
	if (cgroup_choose_base(cg.orig, cg.base, sizeof(cg.base), &cg.lock_fd,
	        err, errlen) == -1)
		return -1;
	if ((size_t)snprintf(cg.proc, sizeof(cg.proc), "%s%s",
	        strcmp(own, "/") == 0 ? "" : own,
	        cg.base + strlen(cg.orig)) >= sizeof(cg.proc)) {
		snprintf(err, errlen, "cgroup path too long");
		return -1;
	}
	/* a re-exec (an upgrade) is in its leaf already: writing to
	 * cgroup.procs would cost a migration (tens of ms on this kind of
	 * machine) in the middle of the switch */
	if (in_leaf && strcmp(cg.base, cg.orig) == 0)
		return 0;
	return enter_leaf(err, errlen);
}

int
cgroup_init(struct ev_loop *loop, enum cgroups_mode mode, const char *id,
    void (*on_empty)(struct prog *p), char *err, size_t errlen)
{
	char why[512];

	cg.id_hash = 2166136261u; /* FNV-1a */
	for (; *id != '\0'; id++)
		cg.id_hash = (cg.id_hash ^ (unsigned char)*id) * 16777619u;
	cg.loop = loop;
	cg.on_empty = on_empty;
	if (mode == CGROUPS_NO) {
		log_info(
		    "cgroups = no: programs are tracked by process group "
		    "only; a descendant that leaves its group with setsid() "
		    "can outlive its program");
		return 0;
	}
	if (setup(why, sizeof(why)) == -1) {
		if (mode == CGROUPS_YES) {
			snprintf(err, errlen, "cgroups = yes: %s", why);
			return -1;
		}
		log_warnx("%s; programs are tracked by process group only: a "
		          "descendant that leaves its group with setsid() can "
		          "outlive its program",
		    why);
		return 0;
	}
	cg.ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (cg.ifd == -1 || pidmap_init(&cg.watches, 64) == -1) {
		snprintf(err, errlen, "inotify: %s", strerror(errno));
		return -1;
	}
	ev_io_init(&cg.io, on_inotify, cg.ifd, EV_READ);
	ev_io_start(loop, &cg.io);
	cg.enabled = true;
	log_info("cgroups: one per program below %s", cg.base);
	return 0;
}

/* ------------------------------------------------------------- dirs */

/*
 * Supervisors' cgroups are few and kept open (cg_fd); a program's is
 * reached by name from its supervisor's, "p-NAME/FILE", and opened only
 * for the moment of a spawn: tend holds no descriptor per program, which
 * every spawn would otherwise pay for.
 */

/* name/file relative to a supervisor's directory, for openat */
static const char *
in_dir(char *buf, size_t size, const struct node *n, const char *file)
{
	char name[DIR_NAME_MAX];

	dir_name(n, name, sizeof(name));
	snprintf(buf, size, "%s/%s", name, file);
	return buf;
}

static int
parent_fd(const struct node *n)
{
	return n->parent->node.cg_fd;
}

static bool
populated_at(int dirfd, const char *events)
{
	char buf[256];
	int fd = openat(dirfd, events, O_RDONLY | O_CLOEXEC);
	ssize_t n;
	const char *p;

	if (fd == -1)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	p = strstr(buf, "populated ");
	return p != NULL && p[10] == '1';
}

static bool
prog_populated(const struct node *n)
{
	char path[DIR_NAME_MAX + 32];

	return populated_at(
	    parent_fd(n), in_dir(path, sizeof(path), n, "cgroup.events"));
}

static int
prog_write(const struct node *n, const char *file, const char *text)
{
	char path[DIR_NAME_MAX + 32];

	return write_file_at(
	    parent_fd(n), in_dir(path, sizeof(path), n, file), text);
}

/*
 * A program's directory. One that exists (a predecessor's) is made anew
 * when empty; when not, what is in it is killed (SPEC 7: leftovers are
 * stopped, never adopted) and cg_killed set.
 */
static int
make_prog_dir(struct node *n)
{
	char name[DIR_NAME_MAX];
	int parent = parent_fd(n);
	bool fresh = true; /* made now, so nothing is in it */

	dir_name(n, name, sizeof(name));
	if (mkdirat(parent, name, 0755) == -1) {
		if (errno != EEXIST)
			return -1;
		if (unlinkat(parent, name, AT_REMOVEDIR) == -1)
			fresh = false; /* in use: see what is in it */
		else if (mkdirat(parent, name, 0755) == -1)
			return -1;
	}
	n->cg_made = true;
	if (n->limited) {
		int fd =
		    openat(parent, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (fd >= 0) {
			cglimit_v2_made(n, fd);
			close(fd);
		}
	}
	if (!fresh && prog_populated(n)) {
		log_warnx("%s: killing what a previous tend left in its "
		          "cgroup",
		    n->shown);
		if (prog_write(n, "cgroup.kill", "1") == 0)
			n->cg_killed = true;
	}
	return 0;
}

/* A supervisor's directory, made if needed and kept open. It never
 * holds processes and is never killed (see renew_dir). */
static int
ensure_sup_dir(struct node *n)
{
	char name[DIR_NAME_MAX];
	int parent;

	if (n->cg_fd >= 0)
		return n->cg_fd;
	if (n->parent == NULL)
		parent = open(cg.base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	else
		parent = ensure_sup_dir(&n->parent->node);
	if (parent == -1)
		return -1;
	dir_name(n, name, sizeof(name));
	if (mkdirat(parent, name, 0755) == -1 && errno != EEXIST)
		n->cg_fd = -1;
	else
		n->cg_fd =
		    openat(parent, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (n->cg_fd >= 0)
		cglimit_v2_made(n, n->cg_fd);
	if (n->parent == NULL)
		close(parent);
	return n->cg_fd;
}

/*
 * Linux (seen on 6.18) kills every process cloned with CLONE_INTO_CGROUP
 * into a cgroup that cgroup.kill was once written to, or to one of its
 * ancestors: so only programs' cgroups are ever killed, and a program's
 * next instance gets a new, empty cgroup.
 */
static void
renew_dir(struct node *n)
{
	char name[DIR_NAME_MAX];

	dir_name(n, name, sizeof(name));
	if (unlinkat(parent_fd(n), name, AT_REMOVEDIR) == -1)
		return; /* still in use: keep it; the child will move itself */
	n->cg_killed = false;
	n->cg_made = false;
}

int
cgroup_prepare(struct prog *p, bool *migrate)
{
	struct node *n = &p->node;
	char name[DIR_NAME_MAX];
	int fd;

	*migrate = false;
	if (!cg.enabled) {
		errno = 0;
		return -1;
	}
	if (ensure_sup_dir(&n->parent->node) == -1)
		return -1;
	if (n->cg_killed && n->cg_made)
		renew_dir(n);
	if (!n->cg_made && make_prog_dir(n) == -1)
		return -1;
	dir_name(n, name, sizeof(name));
	fd = openat(parent_fd(n), name, O_PATH | O_DIRECTORY | O_CLOEXEC);
	/* a cgroup that was killed and could not be renewed: the child
	 * moves itself instead of being cloned into it */
	*migrate = fd >= 0 && n->cg_killed;
	return fd;
}

bool
cgroup_find_leftover(struct prog *p)
{
	struct node *n = &p->node;

	bool in_p, in_o;

	if (!cg.enabled || n->cg_made || ensure_sup_dir(&n->parent->node) == -1)
		return false;
	/* a predecessor killed during a handover left both slots */
	n->cg_alt = CG_SLOT_O;
	in_o = prog_populated(n);
	n->cg_alt = CG_SLOT_P;
	in_p = prog_populated(n);
	if (in_o && in_p) {
		log_warnx("%s: killing the other instance a previous tend "
		          "left in its cgroup o-%s (a handover under way)",
		    n->shown, n->name);
		n->cg_alt = CG_SLOT_O;
		(void)prog_write(n, "cgroup.kill", "1");
		n->cg_alt = CG_SLOT_P;
	} else if (in_o) {
		n->cg_alt = CG_SLOT_O; /* stopped there, started anew there */
	}
	if (!in_p && !in_o)
		return false; /* none, or empty: made anew at its start */
	n->cg_made = true;
	return true;
}

void
cgroup_resume(struct prog *p)
{
	if (cg.enabled && p->node.cg_made)
		(void)ensure_sup_dir(&p->node.parent->node);
}

bool
cgroup_has(const struct prog *p)
{
	return cg.enabled && p->node.cg_made;
}

bool
cgroup_populated(const struct prog *p)
{
	return cgroup_has(p) && prog_populated(&p->node);
}

int
cgroup_kill(struct prog *p)
{
	if (!cgroup_has(p)) {
		errno = ENOENT;
		return -1;
	}
	if (prog_write(&p->node, "cgroup.kill", "1") == 0) {
		p->node.cg_killed = true;
		return 0;
	}
	cgroup_signal(p, SIGKILL); /* before Linux 5.14 */
	return 0;
}

void
cgroup_signal(const struct prog *p, int sig)
{
	char path[DIR_NAME_MAX + 32];
	int fd;
	FILE *f;
	int pid;

	if (!cgroup_has(p))
		return;
	fd = openat(parent_fd(&p->node),
	    in_dir(path, sizeof(path), &p->node, "cgroup.procs"),
	    O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return;
	f = fdopen(fd, "r");
	if (f == NULL) {
		close(fd);
		return;
	}
	while (fscanf(f, "%d", &pid) == 1)
		if (pid > 0)
			(void)kill(pid, sig);
	fclose(f);
}

/* ----------------------------------------------------------- watching */

void
cgroup_watch(struct prog *p)
{
	char path[64 + DIR_NAME_MAX];
	int wd;

	char name[DIR_NAME_MAX];

	if (!cgroup_has(p) || p->cg_wd > 0)
		return;
	dir_name(&p->node, name, sizeof(name));
	snprintf(path, sizeof(path), "/proc/self/fd/%d/%s/cgroup.events",
	    parent_fd(&p->node), name);
	wd = inotify_add_watch(cg.ifd, path, IN_MODIFY);
	if (wd == -1) {
		log_warn("%s: cannot watch its cgroup", p->node.shown);
		return;
	}
	p->cg_wd = wd;
	(void)pidmap_put(&cg.watches, wd, p);
}

void
cgroup_unwatch(struct prog *p)
{
	if (p->cg_wd <= 0)
		return;
	pidmap_take(&cg.watches, p->cg_wd);
	(void)inotify_rm_watch(cg.ifd, p->cg_wd);
	p->cg_wd = 0;
}

static void
on_inotify(struct ev_loop *loop, ev_io *w, int revents)
{
	char buf[4096]
	    __attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event *e;
	ssize_t n;
	char *at;

	(void)loop;
	(void)w;
	(void)revents;
	while ((n = read(cg.ifd, buf, sizeof(buf))) > 0) {
		for (at = buf; at < buf + n;
		     at += sizeof(struct inotify_event) + e->len) {
			struct prog *p;

			e = (const struct inotify_event *)(void *)at;
			p = pidmap_get(&cg.watches, e->wd);
			if (p == NULL || cgroup_populated(p))
				continue;
			cgroup_unwatch(p);
			cg.on_empty(p);
		}
	}
}

/* The cgroup v2 path of pid, as /proc/PID/cgroup shows it, into buf. */
static int
cgroup_of_pid(pid_t pid, char *buf, size_t size)
{
	char path[32], line[PATH_MAX + 8];
	FILE *f;
	int r = -1;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	f = fopen(path, "re");
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		size_t len = strcspn(line, "\n");

		if (strncmp(line, "0::", 3) != 0 || len - 3 >= size)
			continue;
		memcpy(buf, line + 3, len - 3);
		buf[len - 3] = '\0';
		r = 0;
		break;
	}
	fclose(f);
	return r;
}

struct prog *
cgroup_owner(struct tree *t, pid_t pid)
{
	char path[PATH_MAX], want[DIR_NAME_MAX];
	const struct node *n;
	struct node *found;
	const char *last;
	size_t blen = strlen(cg.proc), end;

	if (!cg.enabled || cgroup_of_pid(pid, path, sizeof(path)) == -1)
		return NULL;
	last = strrchr(path, '/');
	if (last == NULL || (strncmp(last + 1, "p-", 2) != 0 &&
	                        strncmp(last + 1, "o-", 2) != 0))
		return NULL;
	found = tree_find(t, last + 3);
	if (found == NULL || found->kind != NODE_PROG)
		return NULL;
	/* the whole path must be the program's: base, then each level */
	end = strlen(path);
	for (n = found; n != NULL; n = n->parent ? &n->parent->node : NULL) {
		size_t wl;

		dir_name(n, want, sizeof(want));
		wl = strlen(want);
		if (end < blen + wl + 1 ||
		    memcmp(path + end - wl, want, wl) != 0 ||
		    path[end - wl - 1] != '/')
			return NULL;
		end -= wl + 1;
	}
	if (end != blen || memcmp(path, cg.proc, blen) != 0)
		return NULL;
	return (struct prog *)found;
}

/* ----------------------------------------------------------- the end */

/* n's directory name; a program's in its slot (enum cgroup_slot). */
static void
slot_name(const struct node *n, unsigned slot, char *buf, size_t size)
{
	if (n->parent == NULL)
		snprintf(buf, size, "s-root");
	else
		snprintf(buf, size, "%s-%s",
		    n->kind == NODE_SUP ? "s"
		    : slot == CG_SLOT_O ? "o"
		                        : "p",
		    n->name);
}

static void
dir_name(const struct node *n, char *buf, size_t size)
{
	slot_name(n, n->cg_alt, buf, size);
}

void
cgroup_fini(struct tree *t)
{
	char name[DIR_NAME_MAX], path[PATH_MAX + 16];
	size_t i;
	int base, leaf;

	if (!cg.enabled)
		return;
	ev_io_stop(cg.loop, &cg.io);
	close(cg.ifd);
	pidmap_free(&cg.watches);
	base = open(cg.base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	/* children before their supervisors: reverse pre-order */
	for (i = t->nnodes; i-- > 0;) {
		struct node *n = t->nodes[i];
		int parent = n->parent != NULL ? n->parent->node.cg_fd : base;

		if (n->kind == NODE_PROG ? !n->cg_made : n->cg_fd < 0)
			continue;
		dir_name(n, name, sizeof(name));
		if (parent >= 0)
			(void)unlinkat(parent, name, AT_REMOVEDIR);
		if (n->cg_fd >= 0)
			close(n->cg_fd);
		n->cg_fd = -1;
		n->cg_made = false;
	}
	/* leave the leaf: back where tend came from, then remove it */
	snprintf(path, sizeof(path), "%s/tend", cg.base);
	if (base >= 0)
		close(base);
	base = open(cg.orig, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	leaf = base >= 0 && write_file_at(base, "cgroup.procs", "0") == 0;
	if (leaf)
		(void)rmdir(path);
	if (leaf && strcmp(cg.base, cg.orig) != 0)
		(void)rmdir(cg.base);
	if (base >= 0)
		close(base);
	if (cg.lock_fd != -1)
		close(cg.lock_fd);
	cg.lock_fd = -1;
	cg.enabled = false;
}

/* ----------------------------------------------------- for cglimit.c */

const char *
cgroup_base(void)
{
	return cg.enabled ? cg.base : NULL;
}

static const char *
rel_path(const struct node *n, bool slot, char *buf, size_t size)
{
	char name[DIR_NAME_MAX];
	size_t len;

	if (n->parent == NULL) {
		dir_name(n, buf, size);
		return buf;
	}
	rel_path(&n->parent->node, slot, buf, size);
	slot_name(n, slot ? n->cg_alt : CG_SLOT_P, name, sizeof(name));
	len = strlen(buf);
	snprintf(buf + len, size - len, "/%s", name);
	return buf;
}

const char *
cgroup_rel_path(const struct node *n, char *buf, size_t size)
{
	return rel_path(n, true, buf, size);
}

const char *
cgroup_rel_path_v1(const struct node *n, char *buf, size_t size)
{
	return rel_path(n, false, buf, size);
}

ssize_t
cgroup_read(const struct node *n, const char *file, char *buf, size_t size)
{
	char path[DIR_NAME_MAX + 64];
	int fd;
	ssize_t len;

	if (!cg.enabled || size == 0)
		return -1;
	if (n->kind == NODE_SUP)
		fd = n->cg_fd >= 0
		         ? openat(n->cg_fd, file, O_RDONLY | O_CLOEXEC)
		         : -1;
	else if (n->cg_made)
		fd = openat(parent_fd(n), in_dir(path, sizeof(path), n, file),
		    O_RDONLY | O_CLOEXEC);
	else
		fd = -1;
	if (fd == -1)
		return -1;
	len = 0;
	while ((size_t)len < size - 1) {
		ssize_t r = read(fd, buf + len, size - 1 - (size_t)len);

		if (r <= 0)
			break;
		len += r;
	}
	close(fd);
	buf[len] = '\0';
	return len;
}

void
cgroup_forget(struct node *n)
{
	char name[DIR_NAME_MAX];
	int parent;

	if (!cg.enabled || n->parent == NULL)
		return;
	parent = parent_fd(n);
	dir_name(n, name, sizeof(name));
	if (n->kind == NODE_PROG ? n->cg_made : n->cg_fd >= 0) {
		if (parent >= 0)
			(void)unlinkat(parent, name, AT_REMOVEDIR);
	}
	if (n->cg_fd >= 0)
		close(n->cg_fd);
	n->cg_fd = -1;
	n->cg_made = false;
}
