/*
 * mountinfo.c: the cgroup2 mount in mountinfo text (see mountinfo.h). No
 * I/O beyond reading the FILE it is given.
 */
#include "mountinfo.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void
unescape_octal(char *s)
{
	char *o = s;

	for (; *s != '\0'; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '7' && s[2] >= '0' &&
		    s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 +
			              (s[3] - '0'));
			s += 3;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

/* Whether word is one of the comma-separated list. */
static bool
in_list(const char *list, const char *word)
{
	size_t len = strlen(word);

	for (const char *p = list; p != NULL; p = strchr(p, ',')) {
		if (*p == ',')
			p++;
		if (strncmp(p, word, len) == 0 &&
		    (p[len] == ',' || p[len] == '\0'))
			return true;
	}
	return false;
}

/*
 * The first line of f that mounts fstype (and, for cgroup, with the
 * controller among its super options): its mount point, root, and
 * whether it is mounted read-write. 0, or -1.
 */
static int
find_cgroup_mount(FILE *f, const char *fstype, const char *controller,
    char *mnt, size_t msize, char *root, size_t rsize, bool *writable)
{
	char *line = NULL;
	size_t cap = 0;
	int r = -1;

	while (getline(&line, &cap, f) != -1) {
		char *dash = strstr(line, " - ");
		char m[PATH_MAX], rt[PATH_MAX], type[64], opts[256], sopts[512];

		if (dash == NULL ||
		    sscanf(dash, " - %63s %*s %511s", type, sopts) < 1 ||
		    strcmp(type, fstype) != 0)
			continue;
		if (controller != NULL && !in_list(sopts, controller))
			continue;
		/* id parent major:minor root mountpoint options ... */
		if (sscanf(line, "%*s %*s %*s %4095s %4095s %255s", rt, m,
		        opts) != 3)
			continue;
		unescape_octal(m);
		unescape_octal(rt);
		if ((size_t)snprintf(mnt, msize, "%s", m) >= msize ||
		    (size_t)snprintf(root, rsize, "%s", rt) >= rsize)
			break;
		*writable = in_list(opts, "rw");
		r = 0;
		break;
	}
	free(line);
	return r;
}

int
mountinfo_cgroup2(FILE *f, char *mnt, size_t msize, char *root, size_t rsize)
{
	bool rw;

	return find_cgroup_mount(
	    f, "cgroup2", NULL, mnt, msize, root, rsize, &rw);
}

int
mountinfo_cgroup1(FILE *f, const char *controller, char *mnt, size_t msize,
    char *root, size_t rsize, bool *writable)
{
	return find_cgroup_mount(
	    f, "cgroup", controller, mnt, msize, root, rsize, writable);
}

int
mountinfo_proc_cgroup(FILE *f, const char *controller, char *out, size_t size)
{
	char *line = NULL, *ctls, *path;
	size_t cap = 0;
	int r = -1;

	while (getline(&line, &cap, f) != -1) {
		line[strcspn(line, "\n")] = '\0';
		/* ID:CONTROLLERS:PATH; v2 is "0::PATH" */
		ctls = strchr(line, ':');
		path = ctls != NULL ? strchr(ctls + 1, ':') : NULL;
		if (path == NULL)
			continue;
		*path++ = '\0';
		*ctls++ = '\0';
		if (controller == NULL ? strcmp(line, "0") != 0 || *ctls != '\0'
		                       : !in_list(ctls, controller))
			continue;
		if ((size_t)snprintf(out, size, "%s", path) < size)
			r = 0;
		break;
	}
	free(line);
	return r;
}

const char *
mountinfo_below(const char *root, const char *path)
{
	size_t len = strlen(root);

	if (strcmp(root, "/") != 0) {
		if (strncmp(path, root, len) != 0 ||
		    (path[len] != '\0' && path[len] != '/'))
			return NULL;
		path += len;
	}
	return strcmp(path, "/") == 0 ? "" : path;
}
