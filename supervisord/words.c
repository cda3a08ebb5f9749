/*
 * words.c: POSIX sh word splitting without expansion, for command,
 * environment and the CMD of exec: modes. It must stay a splitter: no
 * variables, no globbing, no operators, no comments; a program that needs
 * a shell names one. Pure: one allocation for the result, nothing else.
 */
#include "words.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/*
 * One pass over the input. With argv NULL it only counts words and the
 * bytes of their text; with argv and buf it also writes them (buf has room
 * for the counted bytes plus a NUL per word).
 */
struct split {
	const char *p;   /* the next input character */
	size_t nwords;   /* words begun so far */
	size_t nbytes;   /* text bytes so far */
	char **argv;     /* NULL while counting */
	char *buf;       /* the next output byte */
	const char *err; /* set on a syntax error */
};

static void
put(struct split *sp, char c)
{
	if (sp->argv != NULL)
		*sp->buf++ = c;
	sp->nbytes++;
}

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

/* After the opening quote: copy up to the closing one. */
static int
single_quoted(struct split *sp)
{
	for (; *sp->p != '\''; sp->p++) {
		if (*sp->p == '\0') {
			sp->err = "unterminated single quote";
			return -1;
		}
		put(sp, *sp->p);
	}
	sp->p++;
	return 0;
}

/*
 * After the opening quote. A backslash escapes \ " $ ` and removes a
 * newline; before anything else it stays, with the character after it.
 */
static int
double_quoted(struct split *sp)
{
	for (; *sp->p != '"'; sp->p++) {
		if (*sp->p == '\0')
			goto unterminated;
		if (*sp->p == '\\') {
			char c = sp->p[1];

			if (c == '\0')
				goto unterminated;
			if (c == '\n') {
				sp->p++;
				continue;
			}
			if (strchr("\\\"$`", c) != NULL)
				sp->p++;
		}
		put(sp, *sp->p);
	}
	sp->p++;
	return 0;
unterminated:
	sp->err = "unterminated double quote";
	return -1;
}

/* The character c of a word, and what it opens or escapes. */
static int
one_char(struct split *sp, char c)
{
	switch (c) {
	case '\'':
		return single_quoted(sp);
	case '"':
		return double_quoted(sp);
	case '\\':
		if (*sp->p == '\0') {
			sp->err = "backslash at the end";
			return -1;
		}
		put(sp, *sp->p++);
		return 0;
	default:
		put(sp, c);
		return 0;
	}
}

/*
 * One word from a non-blank character up to the next unquoted blank. A
 * backslash-newline before any text begins no word, as in sh.
 */
static int
word(struct split *sp)
{
	bool begun = false;

	while (*sp->p != '\0' && !is_blank(*sp->p)) {
		char c = *sp->p++;

		if (c == '\\' && *sp->p == '\n') {
			sp->p++;
			continue;
		}
		if (!begun && sp->argv != NULL)
			sp->argv[sp->nwords] = sp->buf;
		begun = true;
		if (one_char(sp, c) == -1)
			return -1;
	}
	if (begun) {
		put(sp, '\0');
		sp->nwords++;
	}
	return 0;
}

static int
scan(struct split *sp)
{
	for (;;) {
		while (is_blank(*sp->p))
			sp->p++;
		if (*sp->p == '\0')
			return 0;
		if (word(sp) == -1)
			return -1;
	}
}

int
words_split(const char *s, char ***out, size_t *n, const char **err)
{
	struct split sp = {.p = s};
	size_t ptrs;
	char **argv;

	if (scan(&sp) == -1) {
		*err = sp.err;
		errno = EINVAL;
		return -1;
	}
	ptrs = (sp.nwords + 1) * sizeof(char *);
	argv = malloc(ptrs + sp.nbytes);
	if (argv == NULL) {
		*err = "out of memory";
		errno = ENOMEM;
		return -1;
	}
	sp = (struct split){.p = s, .argv = argv, .buf = (char *)argv + ptrs};
	(void)scan(&sp); /* the same input, already accepted */
	argv[sp.nwords] = NULL;
	*out = argv;
	*n = sp.nwords;
	return 0;
}
