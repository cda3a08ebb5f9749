/*
 * precheck.c: what can be seen to fail before a start does (precheck.h).
 * It looks at the file system and the user database, never changes
 * anything, and reports as warnings: the file is valid, but a program
 * whose start would fail exhausts its supervisor's intensity within
 * milliseconds, and the operator should hear of it first.
 */
#include "precheck.h"

#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spawn.h"

#define DEFAULT_PATH                                                           \
	"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* The value of KEY= in a NULL-terminated environment, or NULL. */
static const char *
env_get(char *const *env, const char *key)
{
	size_t len = strlen(key);

	for (; env != NULL && *env != NULL; env++)
		if (strncmp(*env, key, len) == 0 && (*env)[len] == '=')
			return *env + len + 1;
	return NULL;
}

/* The PATH argv[0] of p is looked up in (SPEC 11): its own environment's,
 * else tend's, else the default. */
static const char *
search_path(const struct prog_conf *p, char *const *env)
{
	const char *s = env_get(p->env, "PATH");

	if (s == NULL)
		s = env_get(env, "PATH");
	return s != NULL ? s : DEFAULT_PATH;
}

static bool
in_groups(const struct spawn_ids *ids, gid_t gid)
{
	size_t i;

	if (ids->gid == gid)
		return true;
	for (i = 0; i < ids->ngroups; i++)
		if (ids->groups[i] == gid)
			return true;
	return false;
}

/* Whether the user of ids (tend's own when not set) may execute st. */
static bool
may_execute(const struct stat *st, const struct spawn_ids *ids)
{
	uid_t uid = ids->set_uid ? ids->uid : geteuid();

	if (uid == 0)
		return (st->st_mode & (S_IXUSR | S_IXGRP | S_IXOTH)) != 0;
	if (st->st_uid == uid)
		return (st->st_mode & S_IXUSR) != 0;
	if (ids->set_gid ? in_groups(ids, st->st_gid) : st->st_gid == getegid())
		return (st->st_mode & S_IXGRP) != 0;
	return (st->st_mode & S_IXOTH) != 0;
}

/*
 * Where argv[0] would be executed from: 0 and *st filled, or -1 with a
 * reason in why ("not found in PATH ...", "not executable by ...").
 */
static int
find_command(const struct prog_conf *p, char *const *env,
    const struct spawn_ids *ids, char *why, size_t whylen)
{
	const char *name = p->argv[0], *s, *end;
	char path[PATH_MAX];
	struct stat st;
	bool seen = false;

	if (strchr(name, '/') != NULL) {
		if (stat(name, &st) == -1) {
			snprintf(why, whylen, "command %s: %s", name,
			    strerror(errno));
			return -1;
		}
		seen = S_ISREG(st.st_mode);
		if (seen && may_execute(&st, ids))
			return 0;
		snprintf(why, whylen, "command %s: %s", name,
		    seen ? "not executable by the program's user"
		         : "not a regular file");
		return -1;
	}
	s = search_path(p, env);
	for (;; s = end + 1) {
		end = strchrnul(s, ':');
		if (snprintf(path, sizeof(path), "%.*s%s%s", (int)(end - s), s,
		        end == s ? "" : "/", name) < (int)sizeof(path) &&
		    stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			if (may_execute(&st, ids))
				return 0;
			seen = true;
		}
		if (*end == '\0')
			break;
	}
	snprintf(why, whylen, "command %s: %s PATH %s", name,
	    seen ? "not executable by the program's user in" : "not found in",
	    search_path(p, env));
	return -1;
}

static void
check_directory(const struct prog_conf *p, struct diags *w)
{
	struct stat st;

	if (p->directory == NULL)
		return;
	if (stat(p->directory, &st) == -1)
		diags_add(w, p->line, "[program:%s]: directory %s: %s", p->name,
		    p->directory, strerror(errno));
	else if (!S_ISDIR(st.st_mode))
		diags_add(w, p->line,
		    "[program:%s]: directory %s: not a directory", p->name,
		    p->directory);
}

static void
check_file_dir(const struct prog_conf *p, const char *key, const char *path,
    struct diags *w)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	struct stat st;

	if (slash == NULL)
		return; /* relative to the working directory, which exists */
	snprintf(dir, sizeof(dir), "%.*s",
	    slash == path ? 1 : (int)(slash - path), path);
	if (stat(dir, &st) == -1)
		diags_add(w, p->line,
		    "[program:%s]: %s = file:%s: directory %s: %s", p->name,
		    key, path, dir, strerror(errno));
	else if (!S_ISDIR(st.st_mode))
		diags_add(w, p->line,
		    "[program:%s]: %s = file:%s: %s is not a directory",
		    p->name, key, path, dir);
}

/* A backoff whose delays outlast the window never lets a crash loop
 * exceed intensity: it never escalates. */
static void
check_backoff(
    const struct config *cfg, const struct prog_conf *p, struct diags *w)
{
	const struct sup_conf *s = &cfg->sups[p->parent];

	if (p->backoff_max_ms <= 0 || s->intensity == CONFIG_INFINITY)
		return;
	if (p->backoff_max_ms > INT64_MAX / (s->intensity + 1) ||
	    p->backoff_max_ms * s->intensity > s->period_ms)
		diags_add(w, p->line,
		    "[program:%s]: backoff up to %lld ms times intensity %lld "
		    "of %s is more than its period (%lld ms): a crash loop "
		    "will never exceed the intensity and escalate",
		    p->name, (long long)p->backoff_max_ms,
		    (long long)s->intensity, s->name, (long long)s->period_ms);
}

void
precheck_config(const struct config *cfg, char *const *env, struct diags *w)
{
	struct spawn_ids ids;
	char why[PATH_MAX + 128];
	size_t i;

	for (i = 0; i < cfg->nprogs; i++) {
		const struct prog_conf *p = &cfg->progs[i];

		check_directory(p, w);
		if (spawn_resolve_ids(
		        p->user, p->group, &ids, why, sizeof(why)) == 0) {
			if (find_command(p, env, &ids, why, sizeof(why)) == -1)
				diags_add(w, p->line, "[program:%s]: %s",
				    p->name, why);
		}
		if (p->out == OUT_FILE)
			check_file_dir(p, "stdout", p->out_path, w);
		if (p->err == OUT_FILE)
			check_file_dir(p, "stderr", p->err_path, w);
		check_backoff(cfg, p, w);
	}
}
