/*
 * confread.c: the configuration file's lines -> sections and their
 * entries, as written: a line reader of our own feeds Debian's libinih,
 * and its handler keeps each KEY = VALUE, continuations joined. What a key
 * means is confkeys.c's business, not this file's. Pure: no I/O but
 * getline() on the FILE * it is given, prints nothing, and turns any input
 * (binary, NUL bytes, huge lines) into entries and diagnostics.
 */
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "confint.h"

/*
 * How lines are read. Debian 12's libinih (55) cuts lines at 199 bytes,
 * keeps 49 bytes of a section name and tells its handler no line numbers.
 * So read_line() reads whole lines with getline(), counts them, and
 * classifies each one the way inih does; it hands inih the line as it is,
 * or, when it does not fit inih's buffer, a stand-in that makes inih do
 * the same thing ("k=\1" for a key line, " \1" for a continuation, "[\1]"
 * for a section header, "" for anything else). The handler, which inih
 * calls right after the reader returned the line, knows the line's number
 * and kind from the reader, and swaps a stand-in's marker for the real
 * name and value. The rules, as inih applies them:
 *
 * - line 1 may begin with a UTF-8 byte order mark, which is skipped;
 * - white space (isspace) is trimmed at both ends of a line;
 * - an empty line, or one whose first non-blank is ';' or '#', is a
 *   comment, indented or not; it does not end a continuation;
 * - an indented line after a key line whose name is not empty, with no
 *   section header in between, continues that key's value; the pieces
 *   are joined with one space;
 * - "[TEXT]" is a section header (text after the ']' is an error here
 *   unless it is a ';' comment; inih ignores it);
 * - anything else is NAME = VALUE or NAME : VALUE, split at the first '='
 *   or ':'; NAME and VALUE are trimmed;
 * - in a value, a ';' after white space begins a comment, even inside
 *   quotes (SPEC 11). inih 55 does not cut comments from continuation
 *   lines; we do, so that the rule is the same on every line.
 *
 * A line with a NUL byte is an error and otherwise ignored.
 */
#define LONG_MARK "\001"
#define BOM "\xef\xbb\xbf"

static char *
rstrip(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

static char *
lskip(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return s;
}

/*
 * The index in s of the first character of chars (any, when chars is
 * NULL: none), or of a ';' after white space, or of the NUL: where inih
 * stops looking.
 */
static size_t
stop_at(const char *s, const char *chars)
{
	bool was_space = false;
	size_t i = 0;

	for (; s[i] != '\0'; i++) {
		const char *k;

		for (k = chars; k != NULL && *k != '\0' && *k != s[i]; k++)
			;
		if ((k != NULL && *k != '\0') || (was_space && s[i] == ';'))
			break;
		was_space = isspace((unsigned char)s[i]);
	}
	return i;
}

static void
new_section(struct ctx *c, const char *header)
{
	static const char *const kinds[] = {"supervisor", "program"};
	struct section *s;
	struct shown b;

	s = conf_reserve(c, c->secs, &c->secs_cap, c->nsecs, sizeof(*s));
	if (s == NULL)
		return;
	c->secs = s;
	s = &c->secs[c->nsecs];
	*s = (struct section){.line = c->rd.line, .first = c->nents};
	s->header = conf_check_alloc(c, strdup(header));
	if (s->header == NULL)
		return;
	c->nsecs++;
	if (strcmp(header, "tend") == 0) {
		s->kind = SEC_TEND;
		return;
	}
	for (size_t i = 0; i < 2; i++) {
		size_t n = strlen(kinds[i]);

		if (strncmp(header, kinds[i], n) == 0 &&
		    (header[n] == '\0' || header[n] == ':')) {
			s->kind = i == 0 ? SEC_SUP : SEC_PROG;
			s->name = header[n] != '\0' ? s->header + n + 1 : NULL;
			return;
		}
	}
	conf_error_at(c, s->line,
	    "unknown section [%s] (expected [tend], [supervisor:NAME] or "
	    "[program:NAME])",
	    conf_show_n(&b, header, strlen(header), false));
}

static void
section_line(struct ctx *c, char *s)
{
	struct reader *rd = &c->rd;
	size_t end = stop_at(s + 1, "]") + 1;
	char *rest;

	if (s[end] != ']') {
		conf_error_at(c, rd->line, "section header without ']'");
		rd->kind = L_BAD;
		return;
	}
	s[end] = '\0';
	rest = lskip(s + end + 1);
	if (*rest != '\0' && *rest != ';')
		conf_error_at(
		    c, rd->line, "text after ']' in a section header");
	rd->kind = L_SECTION;
	rd->have_prev = false;
	c->last_ok = false;
	new_section(c, s + 1);
}

static void
key_line(struct ctx *c, char *s)
{
	struct reader *rd = &c->rd;
	size_t end = stop_at(s, "=:");
	char *value;

	if (s[end] != '=' && s[end] != ':') {
		conf_error_at(c, rd->line,
		    "expected KEY = VALUE, a [section] or a comment");
		rd->kind = L_BAD;
		return;
	}
	s[end] = '\0';
	value = s + end + 1;
	end = stop_at(value, NULL);
	rd->cut = value[end] != '\0';
	value[end] = '\0';
	rd->kind = L_KEY;
	rd->name = rstrip(s);
	rd->value = rstrip(lskip(value));
	rd->have_prev = *rd->name != '\0';
}

/* Classify the line in rd->buf as inih will, and note sections. */
static void
classify(struct ctx *c)
{
	struct reader *rd = &c->rd;
	char *start = rd->buf, *s;

	if (rd->line == 1 && strncmp(start, BOM, 3) == 0)
		start += 3;
	s = lskip(rstrip(start));
	rd->cut = false;
	if (*s == '\0' || *s == ';' || *s == '#') {
		rd->kind = L_COMMENT;
	} else if (rd->have_prev && s > start) {
		rd->kind = L_CONT;
		rd->value = s;
	} else if (*s == '[') {
		section_line(c, s);
	} else {
		key_line(c, s);
	}
}

/* What inih gets for a line too long for its buffer. */
static void
stand_in(const struct reader *rd, char *str, int num)
{
	const char *text = "";

	if (rd->kind == L_SECTION)
		text = "[" LONG_MARK "]";
	else if (rd->kind == L_KEY)
		text = *rd->name != '\0' ? "k=" LONG_MARK : "=" LONG_MARK;
	else if (rd->kind == L_CONT)
		text = " " LONG_MARK;
	snprintf(str, (size_t)num, "%s\n", text);
}

/* inih's reader: one whole line per call, as inih expects from fgets. */
static char *
read_line(char *str, int num, void *stream)
{
	struct ctx *c = stream;
	struct reader *rd = &c->rd;
	ssize_t len;
	bool fits;

	if (rd->pending) /* inih skipped a line classify() passed: a bug */
		conf_error_at(c, rd->line, "internal error: line not read");
	rd->pending = false;
	errno = 0;
	len = getline(&rd->buf, &rd->cap, rd->fp);
	if (len == -1 || num < 8) {
		if (len != -1 || !feof(rd->fp))
			rd->err = errno != 0 ? errno : EIO;
		return NULL;
	}
	if (rd->line < INT_MAX)
		rd->line++;
	if (len > 0 && rd->buf[len - 1] == '\n')
		rd->buf[--len] = '\0';
	if (memchr(rd->buf, '\0', (size_t)len) != NULL) {
		conf_error_at(c, rd->line, "NUL byte in the line");
		str[0] = '\0';
		return str;
	}
	fits = (size_t)len + 2 <= (size_t)num;
	if (fits) {
		memcpy(str, rd->buf, (size_t)len);
		memcpy(str + len, "\n", 2);
	}
	classify(c);
	rd->is_long = !fits;
	rd->pending = rd->kind == L_KEY || rd->kind == L_CONT;
	if (!fits)
		stand_in(rd, str, num);
	return str;
}

static void
add_entry(struct ctx *c, const char *name, const char *value)
{
	struct section *s = c->nsecs > 0 ? &c->secs[c->nsecs - 1] : NULL;
	struct entry *e;
	struct shown b;

	c->last_ok = false;
	if (s == NULL) {
		conf_error_at(c, c->rd.line, "key %s outside any section",
		    conf_quote(&b, name));
		return;
	}
	if (c->oom) /* a section may be missing: keep nothing more */
		return;
	e = conf_reserve(c, c->ents, &c->ents_cap, c->nents, sizeof(*e));
	if (e == NULL)
		return;
	c->ents = e;
	e = &c->ents[c->nents];
	*e = (struct entry){.line = c->rd.line, .cut = c->rd.cut};
	e->key = conf_check_alloc(c, strdup(name));
	e->value = conf_check_alloc(c, strdup(value));
	if (e->key == NULL || e->value == NULL) {
		free(e->key);
		free(e->value);
		return;
	}
	e->len = strlen(value);
	e->cap = e->len + 1;
	c->nents++;
	s->n++;
	c->last_ok = true;
}

/* Append a continuation line to the last entry, cutting its comment. */
static void
continue_entry(struct ctx *c, const char *piece)
{
	size_t n = stop_at(piece, NULL);
	struct entry *e;
	char *v;

	if (!c->last_ok)
		return;             /* continues a key already reported */
	e = &c->ents[c->nents - 1]; /* the last section's last */
	if (piece[n] != '\0')
		e->cut = true;
	while (n > 0 && isspace((unsigned char)piece[n - 1]))
		n--;
	if (e->len + n + 2 > e->cap) {
		size_t cap = (e->len + n + 2) * 2;

		v = conf_check_alloc(c, realloc(e->value, cap));
		if (v == NULL)
			return;
		e->value = v;
		e->cap = cap;
	}
	if (e->len > 0 && n > 0)
		e->value[e->len++] = ' ';
	memcpy(e->value + e->len, piece, n);
	e->len += n;
	e->value[e->len] = '\0';
}

static int
on_pair(void *user, const char *section, const char *name, const char *value)
{
	struct ctx *c = user;
	struct reader *rd = &c->rd;

	(void)section; /* inih keeps 49 bytes of it; the reader has it all */
	if (!rd->pending)
		return 1; /* inih and classify() disagree: can't happen */
	rd->pending = false;
	if (rd->is_long) { /* inih saw the stand-in: take the real text */
		name = rd->name;
		value = rd->value;
	}
	if (rd->kind == L_CONT)
		continue_entry(c, value);
	else
		add_entry(c, name, value);
	return 1;
}

void
conf_read_sections(struct ctx *c, FILE *fp)
{
	c->rd.fp = fp;
	if (ini_parse_stream(read_line, c, on_pair, c) == -2)
		c->oom = true;
	if (c->rd.pending)
		conf_error_at(c, c->rd.line, "internal error: line not read");
	free(c->rd.buf);
	c->rd.buf = NULL;
	for (size_t i = 0; i < c->nsecs && c->ents != NULL; i++)
		c->secs[i].v = c->ents + c->secs[i].first; /* they stay now */
	if (c->rd.err != 0)
		conf_error_at(c, 0, "read error: %s", strerror(c->rd.err));
}
