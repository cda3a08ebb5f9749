/*
 * mountinfo.c: the cgroup2 mount in mountinfo text (see mountinfo.h). No
 * I/O beyond reading the FILE it is given.
 */
#include "mountinfo.h"

#include <limits.h>
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

int
mountinfo_cgroup2(FILE *f, char *mnt, size_t msize, char *root, size_t rsize)
{
	char *line = NULL;
	size_t cap = 0;
	int r = -1;

	while (getline(&line, &cap, f) != -1) {
		char *dash = strstr(line, " - ");
		char m[PATH_MAX], rt[PATH_MAX], fstype[64];

		if (dash == NULL || sscanf(dash, " - %63s", fstype) != 1 ||
		    strcmp(fstype, "cgroup2") != 0)
			continue;
		/* id parent major:minor root mountpoint ... */
		if (sscanf(line, "%*s %*s %*s %4095s %4095s", rt, m) != 2)
			continue;
		unescape_octal(m);
		unescape_octal(rt);
		if ((size_t)snprintf(mnt, msize, "%s", m) >= msize ||
		    (size_t)snprintf(root, rsize, "%s", rt) >= rsize)
			break;
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
