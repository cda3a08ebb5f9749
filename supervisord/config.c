/*
 * config.c: the configuration file (SPEC 3 and 11) -> struct config plus
 * diagnostics. Four steps: read every line (libinih, fed by a line reader
 * of our own), check each section's keys against the tables below, resolve
 * the tree, then check what needs the tree. Pure: it reads only the FILE *
 * it is given (config_load() opens one), prints nothing, reports every
 * problem rather than the first, and must survive any input: binary, NUL
 * bytes, huge lines, ten thousand sections.
 */
#include "config.h"

#include <sys/un.h>

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "units.h"
#include "words.h"

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

/* Marks an error in a value whose line lost a " ;" comment. */
#define COMMENT_NOTE " (note: ' ;' starts a comment, even inside quotes)"

enum line_kind { L_COMMENT, L_SECTION, L_KEY, L_CONT, L_BAD };

/* One KEY = VALUE as read, with its continuations joined. */
struct entry {
	char *key;
	char *value;
	size_t len, cap; /* of value */
	int line;
	bool cut; /* a " ;" comment was cut from one of its lines */
};

enum sec_kind { SEC_BAD, SEC_TEND, SEC_SUP, SEC_PROG };

struct section {
	enum sec_kind kind;
	char *header;     /* the text between the brackets */
	const char *name; /* into header, after "program:"; NULL if none */
	int line;
	struct entry *v;
	size_t n, cap;
	bool made;             /* a node was made of it */
	struct child_ref node; /* which, when made */
};

/* What tree resolution needs to know of a node, beside its conf. */
struct node_info {
	const struct entry *children; /* supervisors: their list, or NULL */
	int significant_line;
	int listed_line; /* of the children list that took it; 0: none */
	size_t listed_by;
	size_t kids_cap;    /* supervisors: capacity of their kids */
	unsigned char mark; /* cycle search */
};

struct reader {
	FILE *fp;
	char *buf;
	size_t cap;
	int line;
	int err;        /* errno of a read error, or 0 */
	bool have_prev; /* inih's prev_name is set: indented lines continue */
	bool pending;   /* the current line still waits for the handler */
	bool is_long;   /* inih got a stand-in for it */
	enum line_kind kind;
	const char *name, *value; /* into buf, for key and continuation lines */
	bool cut;
};

/* A bucket of the name index: a node, or free when used is false. */
struct slot {
	bool used;
	struct child_ref ref;
};

struct config_index {
	struct slot *v;
	size_t cap; /* a power of two, or 0 */
	size_t n;
};

struct ctx {
	struct config *cfg;
	struct diags *d;
	size_t errors;
	bool oom;
	struct reader rd;
	struct section *secs;
	size_t nsecs, secs_cap;
	bool last_ok; /* the last entry of the last section may be continued */
	struct node_info *sinfo, *pinfo;
	size_t sups_cap, progs_cap;  /* of cfg's arrays */
	size_t sinfo_cap, pinfo_cap; /* of these */
	struct child_ref *order;     /* every node but the root, file order */
	size_t norder, order_cap;
	int tend_line;
	struct node_info *cur; /* of the section being checked */
};

/* Text of the input in a message: escaped, cut, and maybe quoted. */
#define SHOW_MAX 72
struct shown {
	char s[SHOW_MAX * 4 + 8];
};

static const char *
show_n(struct shown *b, const char *s, size_t n, bool quotes)
{
	char *o = b->s;

	if (quotes)
		*o++ = '"';
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (i == SHOW_MAX) {
			memcpy(o, "...", 3);
			o += 3;
			break;
		}
		if (ch == '"' || ch == '\\') {
			*o++ = '\\';
			*o++ = (char)ch;
		} else if (ch < 0x20 || ch == 0x7f) {
			static const char hex[] = "0123456789abcdef";

			*o++ = '\\';
			*o++ = 'x';
			*o++ = hex[ch >> 4];
			*o++ = hex[ch & 15];
		} else {
			*o++ = (char)ch;
		}
	}
	if (quotes)
		*o++ = '"';
	*o = '\0';
	return b->s;
}

static const char *
quote(struct shown *b, const char *s)
{
	return show_n(b, s, strlen(s), true);
}

/* ---- diagnostics ---- */

/* The message of a diagnostic that could not be allocated. */
static char lost_msg[] = "out of memory: a diagnostic was lost";

static int
diags_addv(struct diags *d, int line, const char *fmt, va_list ap)
{
	char *msg;

	/* Keep a slot spare, so that running out of memory still shows. */
	if (d->n + 1 >= d->cap) {
		size_t cap = d->cap != 0 ? d->cap * 2 : 16;
		struct diag *v = reallocarray(d->v, cap, sizeof(*v));

		if (v != NULL) {
			d->v = v;
			d->cap = cap;
		} else if (d->n == d->cap) {
			return -1;
		}
	}
	if (d->n + 1 == d->cap || vasprintf(&msg, fmt, ap) == -1)
		msg = lost_msg;
	d->v[d->n++] = (struct diag){.file = d->file, .line = line, .msg = msg};
	return msg == lost_msg ? -1 : 0;
}

int
diags_add(struct diags *d, int line, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = diags_addv(d, line, fmt, ap);
	va_end(ap);
	return r;
}

/* Merge the sorted runs v[0..h) and v[h..n) through tmp; stable. */
static void
merge(struct diag *v, struct diag *tmp, size_t h, size_t n)
{
	size_t i = 0, j = h, k = 0;

	while (i < h && j < n)
		tmp[k++] = v[j].line < v[i].line ? v[j++] : v[i++];
	while (i < h)
		tmp[k++] = v[i++];
	while (j < n)
		tmp[k++] = v[j++];
	memcpy(v, tmp, n * sizeof(*v));
}

/* Bottom-up: runs of 1, 2, 4... merged pairwise. */
static void
merge_sort(struct diag *v, struct diag *tmp, size_t n)
{
	for (size_t run = 1; run < n; run *= 2)
		for (size_t lo = 0; lo + run < n; lo += 2 * run)
			merge(v + lo, tmp, run,
			    n - lo < 2 * run ? n - lo : 2 * run);
}

/* Stable: a merge sort, or an insertion sort without memory. */
static void
sort_range(struct diag *v, size_t n)
{
	struct diag *tmp;

	if (n < 2)
		return;
	tmp = reallocarray(NULL, n, sizeof(*tmp));
	if (tmp != NULL) {
		merge_sort(v, tmp, n);
		free(tmp);
		return;
	}
	for (size_t i = 1; i < n; i++) {
		struct diag x = v[i];
		size_t j = i;

		for (; j > 0 && v[j - 1].line > x.line; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

void
diags_sort(struct diags *d)
{
	sort_range(d->v, d->n);
}

void
diags_free(struct diags *d)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].msg != lost_msg)
			free(d->v[i].msg);
	free(d->v);
	memset(d, 0, sizeof(*d));
}

static void error_at(struct ctx *c, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void key_error(struct ctx *c, const struct entry *e, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));

static void
error_at(struct ctx *c, int line, const char *fmt, ...)
{
	va_list ap;

	c->errors++;
	va_start(ap, fmt);
	(void)diags_addv(c->d, line, fmt, ap);
	va_end(ap);
}

/* An error in e's value: "KEY: message", at e's line. */
static void
key_error(struct ctx *c, const struct entry *e, const char *fmt, ...)
{
	va_list ap;
	char *msg;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (r == -1) {
		c->oom = true;
		error_at(c, e->line, "%s: out of memory", e->key);
		return;
	}
	error_at(c, e->line, "%s: %s", e->key, msg);
	free(msg);
}

static void *
check_alloc(struct ctx *c, void *p)
{
	if (p == NULL)
		c->oom = true;
	return p;
}

/* v with room for n + 1 elements of size (capacity *cap), or NULL. */
static void *
reserve(struct ctx *c, void *v, size_t *cap, size_t n, size_t size)
{
	size_t ncap;
	void *nv;

	if (n < *cap)
		return v;
	ncap = *cap != 0 ? *cap * 2 : 8;
	nv = check_alloc(c, reallocarray(v, ncap, size));
	if (nv != NULL)
		*cap = ncap;
	return nv;
}

/* ---- the name index: open addressing, FNV-1a ---- */

static size_t
hash_name(const char *s, size_t len)
{
	uint64_t h = UINT64_C(14695981039346656037);

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * UINT64_C(1099511628211);
	return (size_t)h;
}

static const char *
ref_name(const struct config *cfg, struct child_ref r)
{
	return r.is_sup ? cfg->sups[r.index].name : cfg->progs[r.index].name;
}

/* The slot of name (len bytes): used if the name is there, else free. */
static struct slot *
index_slot(const struct config *cfg, const char *name, size_t len)
{
	struct config_index *ix = cfg->index;
	size_t i = hash_name(name, len) & (ix->cap - 1);

	for (;; i = (i + 1) & (ix->cap - 1)) {
		struct slot *s = &ix->v[i];
		const char *n;

		if (!s->used)
			return s;
		n = ref_name(cfg, s->ref);
		if (strncmp(n, name, len) == 0 && n[len] == '\0')
			return s;
	}
}

static bool
index_find(
    const struct config *cfg, const char *name, size_t len, struct child_ref *r)
{
	struct slot *s;

	if (cfg->index == NULL || cfg->index->cap == 0)
		return false;
	s = index_slot(cfg, name, len);
	if (s->used)
		*r = s->ref;
	return s->used;
}

static int
index_grow(struct ctx *c)
{
	struct config_index *ix = c->cfg->index;
	struct slot *old = ix->v;
	size_t ocap = ix->cap, cap = ocap != 0 ? ocap * 2 : 64;

	ix->v = check_alloc(c, calloc(cap, sizeof(*ix->v)));
	if (ix->v == NULL) {
		ix->v = old;
		return -1;
	}
	ix->cap = cap;
	for (size_t i = 0; i < ocap; i++) {
		if (old[i].used) {
			const char *n = ref_name(c->cfg, old[i].ref);

			*index_slot(c->cfg, n, strlen(n)) = old[i];
		}
	}
	free(old);
	return 0;
}

/* Add r, whose name is not in the index yet. */
static void
index_add(struct ctx *c, struct child_ref r)
{
	struct config_index *ix = c->cfg->index;
	const char *n = ref_name(c->cfg, r);

	if ((ix->n + 1) * 2 > ix->cap && index_grow(c) == -1)
		return;
	*index_slot(c->cfg, n, strlen(n)) = (struct slot){true, r};
	ix->n++;
}

long
config_find_prog(const struct config *cfg, const char *name)
{
	struct child_ref r;

	if (cfg->index != NULL)
		return index_find(cfg, name, strlen(name), &r) && !r.is_sup
		           ? (long)r.index
		           : -1;
	for (size_t i = 0; i < cfg->nprogs; i++)
		if (cfg->progs[i].name && strcmp(cfg->progs[i].name, name) == 0)
			return (long)i;
	return -1;
}

long
config_find_sup(const struct config *cfg, const char *name)
{
	struct child_ref r;

	if (cfg->index != NULL)
		return index_find(cfg, name, strlen(name), &r) && r.is_sup
		           ? (long)r.index
		           : -1;
	for (size_t i = 0; i < cfg->nsups; i++)
		if (cfg->sups[i].name && strcmp(cfg->sups[i].name, name) == 0)
			return (long)i;
	return -1;
}

/* ---- reading ---- */

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
		if (chars != NULL && strchr(chars, s[i]) != NULL)
			break;
		if (was_space && s[i] == ';')
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

	s = reserve(c, c->secs, &c->secs_cap, c->nsecs, sizeof(*s));
	if (s == NULL)
		return;
	c->secs = s;
	s = &c->secs[c->nsecs];
	*s = (struct section){.line = c->rd.line};
	s->header = check_alloc(c, strdup(header));
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
	error_at(c, s->line,
	    "unknown section [%s] (expected [tend], [supervisor:NAME] or "
	    "[program:NAME])",
	    show_n(&b, header, strlen(header), false));
}

static void
section_line(struct ctx *c, char *s)
{
	struct reader *rd = &c->rd;
	size_t end = stop_at(s + 1, "]") + 1;
	char *rest;

	if (s[end] != ']') {
		error_at(c, rd->line, "section header without ']'");
		rd->kind = L_BAD;
		return;
	}
	s[end] = '\0';
	rest = lskip(s + end + 1);
	if (*rest != '\0' && *rest != ';')
		error_at(c, rd->line, "text after ']' in a section header");
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
		error_at(c, rd->line,
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
		error_at(c, rd->line, "internal error: line not read");
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
		error_at(c, rd->line, "NUL byte in the line");
		str[0] = '\0';
		return str;
	}
	fits = (size_t)len + 2 <= (size_t)num;
	if (fits)
		snprintf(str, (size_t)num, "%s\n", rd->buf);
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
		error_at(c, c->rd.line, "key %s outside any section",
		    quote(&b, name));
		return;
	}
	if (c->oom) /* a section may be missing: keep nothing more */
		return;
	e = reserve(c, s->v, &s->cap, s->n, sizeof(*e));
	if (e == NULL)
		return;
	s->v = e;
	e = &s->v[s->n];
	*e = (struct entry){.line = c->rd.line, .cut = c->rd.cut};
	e->key = check_alloc(c, strdup(name));
	e->value = check_alloc(c, strdup(value));
	if (e->key == NULL || e->value == NULL) {
		free(e->key);
		free(e->value);
		return;
	}
	e->len = strlen(value);
	e->cap = e->len + 1;
	s->n++;
	c->last_ok = true;
}

/* Append a continuation line to the last entry, cutting its comment. */
static void
continue_entry(struct ctx *c, const char *piece)
{
	size_t n = stop_at(piece, NULL);
	struct section *s;
	struct entry *e;
	char *v;

	if (!c->last_ok)
		return; /* continues a key already reported */
	s = &c->secs[c->nsecs - 1];
	e = &s->v[s->n - 1];
	if (piece[n] != '\0')
		e->cut = true;
	while (n > 0 && isspace((unsigned char)piece[n - 1]))
		n--;
	if (e->len + n + 2 > e->cap) {
		size_t cap = (e->len + n + 2) * 2;

		v = check_alloc(c, realloc(e->value, cap));
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

static void
read_sections(struct ctx *c, FILE *fp)
{
	c->rd.fp = fp;
	if (ini_parse_stream(read_line, c, on_pair, c) == -2)
		c->oom = true;
	if (c->rd.pending)
		error_at(c, c->rd.line, "internal error: line not read");
	free(c->rd.buf);
	c->rd.buf = NULL;
	if (c->rd.err != 0)
		error_at(c, 0, "read error: %s", strerror(c->rd.err));
}

/* ---- values ---- */

struct key;
typedef int parse_fn(
    struct ctx *c, const struct entry *e, const struct key *k, void *obj);

struct word {
	const char *text;
	int value;
};

enum { K_REPEAT = 1, K_NOT_ROOT = 2 };

/* A key of a section: how its value is read, and whether it works yet. */
struct key {
	const char *name;
	parse_fn *parse;
	size_t off;               /* of its field in the section's struct */
	bool supported;           /* false: checked, then "not supported yet" */
	int64_t min, max;         /* numbers: the range; limit_*: which one */
	const struct word *words; /* p_enum: the values, NULL-terminated */
	unsigned flags;
};

#define FIELD(obj, k, type) ((type *)(void *)((char *)(obj) + (k)->off))

static int
duration(struct ctx *c, const struct entry *e, const char *s, int64_t min,
    int64_t *ms)
{
	struct shown b;

	if (units_parse_duration(s, ms) == -1) {
		key_error(c, e, "%s %s",
		    errno == ERANGE ? "too long a duration"
		                    : "invalid duration",
		    quote(&b, s));
		return -1;
	}
	if (*ms < min) {
		key_error(c, e, "must be more than 0, not %s", quote(&b, s));
		return -1;
	}
	return 0;
}

static int
p_duration(struct ctx *c, const struct entry *e, const struct key *k, void *obj)
{
	int64_t ms;

	if (duration(c, e, e->value, k->min, &ms) == -1)
		return -1;
	*FIELD(obj, k, int64_t) = ms;
	return 0;
}

/* A duration, brutal_kill or infinity. */
static int
p_shutdown(struct ctx *c, const struct entry *e, const struct key *k, void *obj)
{
	struct shown b;
	int64_t ms;

	if (strcmp(e->value, "brutal_kill") == 0) {
		ms = CONFIG_BRUTAL_KILL;
	} else if (strcmp(e->value, "infinity") == 0) {
		ms = CONFIG_INFINITY;
	} else if (units_parse_duration(e->value, &ms) == -1) {
		key_error(c, e,
		    "invalid value %s (a duration, brutal_kill or infinity)",
		    quote(&b, e->value));
		return -1;
	}
	*FIELD(obj, k, int64_t) = ms;
	return 0;
}

/* A number of restarts, or infinity. */
static int
p_intensity(
    struct ctx *c, const struct entry *e, const struct key *k, void *obj)
{
	struct shown b;
	uint64_t n;

	if (strcmp(e->value, "infinity") == 0) {
		*FIELD(obj, k, int64_t) = CONFIG_INFINITY;
		return 0;
	}
	if (units_parse_uint(e->value, INT64_MAX, &n) == -1) {
		key_error(c, e, "invalid value %s (a number or infinity)",
		    quote(&b, e->value));
		return -1;
	}
	*FIELD(obj, k, int64_t) = (int64_t)n;
	return 0;
}

static int
p_enum(struct ctx *c, const struct entry *e, const struct key *k, void *obj)
{
	char list[256];
	size_t off = 0;
	struct shown b;

	for (const struct word *w = k->words; w->text != NULL; w++) {
		if (strcmp(w->text, e->value) == 0) {
			*FIELD(obj, k, int) = w->value;
			return 0;
		}
	}
	list[0] = '\0';
	for (const struct word *w = k->words; w->text != NULL; w++) {
		const char *sep = w == k->words       ? ""
		                  : w[1].text == NULL ? " or "
		                                      : ", ";
		int r = snprintf(
		    list + off, sizeof(list) - off, "%s%s", sep, w->text);

		if (r > 0 && (size_t)r < sizeof(list) - off)
			off += (size_t)r;
	}
	key_error(c, e, "invalid value %s (%s)", quote(&b, e->value), list);
	return -1;
}

static int
p_bool(struct ctx *c, const struct entry *e, const struct key *k, void *obj)
{
	struct shown b;

	if (units_parse_bool(e->value, FIELD(obj, k, bool)) == -1) {
		key_error(c, e, "invalid boolean %s (yes or no)",
		    quote(&b, e->value));
		return -1;
	}
	return 0;
}

static int
p_significant(
    struct ctx *c, const struct entry *e, const struct key *k, void *obj)
{
	if (p_bool(c, e, k, obj) == -1)
		return -1;
	c->cur->significant_line = e->line;
	return 0;
}

static int
p_signal(struct ctx *c, const struct entry *e, const struct key *k, void *obj)
{
	struct shown b;

	if (units_parse_signal(e->value, FIELD(obj, k, int)) == -1) {
		key_error(c, e, "unknown signal %s", quote(&b, e->value));
		return -1;
	}
	return 0;
}

static int
p_size(struct ctx *c, const struct entry *e, const struct key *k, void *obj)
{
	struct shown b;
	int64_t n;

	if (units_parse_size(e->value, &n) == -1) {
		key_error(c, e, "%s %s",
		    errno == ERANGE ? "too large a size" : "invalid size",
		    quote(&b, e->value));
		return -1;
	}
	if (n < k->min) {
		key_error(c, e, "must be at least %" PRId64 ", not %s", k->min,
		    quote(&b, e->value));
		return -1;
	}
	*FIELD(obj, k, int64_t) = n;
	return 0;
}

/* An integer within k's range. */
static int
number(struct ctx *c, const struct entry *e, const struct key *k, int64_t *n)
{
	struct shown b;

	if (units_parse_int(e->value, k->min, k->max, n) == -1) {
		key_error(c, e,
		    "must be a number from %" PRId64 " to %" PRId64 ", not %s",
		    k->min, k->max, quote(&b, e->value));
		return -1;
	}
	return 0;
}

static int
p_unsigned(struct ctx *c, const struct entry *e, const struct key *k, void *obj)
{
	int64_t n;

	if (number(c, e, k, &n) == -1)
		return -1;
	*FIELD(obj, k, unsigned) = (unsigned)n;
	return 0;
}

static int
p_int64(struct ctx *c, const struct entry *e, const struct key *k, void *obj)
{
	return number(c, e, k, FIELD(obj, k, int64_t));
}

static int
p_nice(struct ctx *c, const struct entry *e, const struct key *k, void *obj)
{
	struct prog_conf *p = obj;
	int64_t n;

	if (number(c, e, k, &n) == -1)
		return -1;
	p->nice = (int)n;
	p->has_nice = true;
	return 0;
}

static int
p_oom_score_adj(
    struct ctx *c, const struct entry *e, const struct key *k, void *obj)
{
	struct prog_conf *p = obj;
	int64_t n;

	if (number(c, e, k, &n) == -1)
		return -1;
	p->oom_score_adj = (int)n;
	p->has_oom_score_adj = true;
	return 0;
}

/* limit_*: a number or infinity; k->min says which limit. */
static int
p_limit(struct ctx *c, const struct entry *e, const struct key *k, void *obj)
{
	struct prog_conf *p = obj;
	struct shown b;
	uint64_t n = CONFIG_RLIM_INFINITY;

	if (strcmp(e->value, "infinity") != 0 &&
	    units_parse_uint(e->value, UINT64_MAX - 1, &n) == -1) {
		key_error(c, e, "invalid value %s (a number or infinity)",
		    quote(&b, e->value));
		return -1;
	}
	p->limit[k->min] = n;
	p->has_limit[k->min] = true;
	return 0;
}

static int
set_string(struct ctx *c, char **field, const char *s)
{
	char *copy = check_alloc(c, strdup(s));

	if (copy == NULL)
		return -1;
	free(*field);
	*field = copy;
	return 0;
}

static int
p_string(struct ctx *c, const struct entry *e, const struct key *k, void *obj)
{
	return set_string(c, FIELD(obj, k, char *), e->value);
}

static int
p_path(struct ctx *c, const struct entry *e, const struct key *k, void *obj)
{
	struct shown b;

	if (e->value[0] != '/') {
		key_error(c, e, "must be an absolute path, not %s",
		    quote(&b, e->value));
		return -1;
	}
	return p_string(c, e, k, obj);
}

static int
p_user(struct ctx *c, const struct entry *e, const struct key *k, void *obj)
{
	struct prog_conf *p = obj;

	p->user_line = e->line;
	return p_string(c, e, k, obj);
}

static int
p_group(struct ctx *c, const struct entry *e, const struct key *k, void *obj)
{
	struct prog_conf *p = obj;

	p->group_line = e->line;
	return p_string(c, e, k, obj);
}

static int
p_socket_group(struct ctx *c, const struct entry *e, const struct key *k,
    void *obj)
{
	struct tend_conf *t = obj;

	t->socket_group_line = e->line;
	return p_string(c, e, k, obj);
}

/* Octal, 0 to 0777: "022", "0027". */
static int
p_umask(struct ctx *c, const struct entry *e, const struct key *k, void *obj)
{
	struct prog_conf *p = obj;
	struct shown b;
	unsigned m = 0;

	(void)k;
	for (const char *s = e->value; *s != '\0'; s++) {
		if (*s < '0' || *s > '7' || m > 0777)
			goto bad;
		m = m * 8 + (unsigned)(*s - '0');
	}
	if (m > 0777)
		goto bad;
	p->umask = (int)m;
	return 0;
bad:
	key_error(
	    c, e, "invalid umask %s (octal, 0 to 0777)", quote(&b, e->value));
	return -1;
}

/*
 * Split s as command is split (words.h). With program set, the first
 * word names the program and must not be empty. The argv, or NULL after
 * reporting; a value that lost a " ;" comment says so, since that is the
 * likely cause of a dangling quote or backslash.
 */
static char **
split(struct ctx *c, const struct entry *e, const char *s, size_t *n,
    bool program)
{
	const char *err;
	char **argv;

	if (words_split(s, &argv, n, &err) == -1) {
		if (errno == ENOMEM)
			c->oom = true;
		key_error(c, e, "%s%s", err, e->cut ? COMMENT_NOTE : "");
		return NULL;
	}
	if (program && (*n == 0 || argv[0][0] == '\0')) {
		key_error(c, e, "%s",
		    *n == 0 ? "no command" : "the program name is empty");
		free(argv);
		return NULL;
	}
	return argv;
}

static int
p_command(struct ctx *c, const struct entry *e, const struct key *k, void *obj)
{
	struct prog_conf *p = obj;
	size_t n;
	char **argv = split(c, e, e->value, &n, true);

	(void)k;
	if (argv == NULL)
		return -1;
	free(p->argv);
	p->argv = argv;
	p->argc = n;
	return 0;
}

/* KEY=VALUE, KEY matching [A-Za-z_][A-Za-z0-9_]*. */
static bool
env_word_ok(struct ctx *c, const struct entry *e, const char *w)
{
	const char *eq = strchr(w, '=');
	struct shown b;

	if (eq == NULL) {
		key_error(c, e, "%s is not KEY=VALUE", quote(&b, w));
		return false;
	}
	for (const char *s = w; s < eq; s++) {
		if (*s == '_' ||
		    (isascii((unsigned char)*s) && isalpha((unsigned char)*s)))
			continue;
		if (s > w && isascii((unsigned char)*s) &&
		    isdigit((unsigned char)*s))
			continue;
		eq = w; /* a bad character: say so below */
		break;
	}
	if (eq == w) {
		key_error(c, e, "invalid variable name in %s", quote(&b, w));
		return false;
	}
	return true;
}

static int
p_environment(
    struct ctx *c, const struct entry *e, const struct key *k, void *obj)
{
	struct prog_conf *p = obj;
	bool ok = true;
	size_t n;
	char **env = split(c, e, e->value, &n, false);

	(void)k;
	if (env == NULL)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (!env_word_ok(c, e, env[i]))
			ok = false;
	if (!ok) {
		free(env);
		return -1;
	}
	free(p->env);
	p->env = env;
	p->envc = n;
	return 0;
}

/* stdout: log|inherit|null|file:PATH; stderr also takes stdout. */
static int
out_mode(struct ctx *c, const struct entry *e, bool is_err, enum out_mode *mode,
    char **path)
{
	static const struct word modes[] = {{"log", OUT_LOG},
	    {"inherit", OUT_INHERIT}, {"null", OUT_NULL},
	    {"stdout", OUT_STDOUT}, {NULL, 0}};
	const char *v = e->value;
	struct shown b;

	if (strncmp(v, "file:", 5) == 0) {
		if (v[5] != '/') {
			key_error(c, e, "file: needs an absolute path, not %s",
			    quote(&b, v + 5));
			return -1;
		}
		if (set_string(c, path, v + 5) == -1)
			return -1;
		*mode = OUT_FILE;
		return 0;
	}
	for (const struct word *w = modes; w->text != NULL; w++) {
		if (strcmp(v, w->text) == 0 &&
		    (is_err || w->value != OUT_STDOUT)) {
			*mode = (enum out_mode)w->value;
			return 0;
		}
	}
	key_error(c, e, "invalid value %s (%slog, inherit, null or file:PATH)",
	    quote(&b, v), is_err ? "stdout, " : "");
	return -1;
}

static int
p_stdout(struct ctx *c, const struct entry *e, const struct key *k, void *obj)
{
	struct prog_conf *p = obj;

	(void)k;
	return out_mode(c, e, false, &p->out, &p->out_path);
}

static int
p_stderr(struct ctx *c, const struct entry *e, const struct key *k, void *obj)
{
	struct prog_conf *p = obj;

	(void)k;
	return out_mode(c, e, true, &p->err, &p->err_path);
}

static int
port(struct ctx *c, const struct entry *e, const char *s, int *out)
{
	struct shown b;
	int64_t n;

	if (units_parse_int(s, 1, 65535, &n) == -1) {
		key_error(c, e, "invalid port %s (1 to 65535)", quote(&b, s));
		return -1;
	}
	*out = (int)n;
	return 0;
}

/*
 * The modes of ready and health. A mode whose text ends in ':' takes an
 * argument. A mode not supported yet is checked, then reported.
 */
struct mode {
	const char *text;
	int mode;
	bool supported;
};

static const struct mode ready_modes[] = {
    {"start", READY_START, true},
    {"notify", READY_NOTIFY, false},
    {"fd:", READY_FD, false},
    {"exec:", READY_EXEC, false},
    {"tcp:", READY_TCP, false},
    {NULL, 0, false},
};

static const struct mode health_modes[] = {
    {"exec:", HEALTH_EXEC, true},
    {"tcp:", HEALTH_TCP, true},
    {NULL, 0, false},
};

static const struct mode *
find_mode(const struct mode *m, const char *v)
{
	for (; m->text != NULL; m++) {
		size_t n = strlen(m->text);

		if (m->text[n - 1] == ':' ? strncmp(v, m->text, n) == 0
		                          : strcmp(v, m->text) == 0)
			return m;
	}
	return NULL;
}

/* The argument of exec:CMD, as an argv, or NULL after reporting. */
static char **
exec_argv(struct ctx *c, const struct entry *e, const char *cmd)
{
	size_t n;

	return split(c, e, cmd, &n, true);
}

static int
p_ready(struct ctx *c, const struct entry *e, const struct key *k, void *obj)
{
	struct prog_conf *p = obj;
	const struct mode *m = find_mode(ready_modes, e->value);
	struct shown b;
	const char *arg;
	int64_t fd;

	(void)k;
	if (m == NULL) {
		key_error(c, e,
		    "invalid value %s (start, notify, fd:N, exec:CMD or "
		    "tcp:PORT)",
		    quote(&b, e->value));
		return -1;
	}
	arg = e->value + strlen(m->text);
	if (m->mode == READY_FD &&
	    units_parse_int(arg, 3, INT_MAX, &fd) == -1) {
		key_error(c, e, "invalid fd %s (3 or more)", quote(&b, arg));
		return -1;
	}
	if (m->mode == READY_FD)
		p->ready_fd = (int)fd;
	if (m->mode == READY_EXEC) {
		char **argv = exec_argv(c, e, arg);

		if (argv == NULL)
			return -1;
		free(p->ready_argv);
		p->ready_argv = argv;
	}
	if (m->mode == READY_TCP && port(c, e, arg, &p->ready_port) == -1)
		return -1;
	p->ready = (enum ready_mode)m->mode;
	if (!m->supported)
		error_at(c, e->line, "ready = %.*s: not supported yet",
		    (int)strcspn(m->text, ":"), m->text);
	return 0;
}

static int
p_health(struct ctx *c, const struct entry *e, const struct key *k, void *obj)
{
	struct prog_conf *p = obj;
	const struct mode *m = find_mode(health_modes, e->value);
	struct shown b;
	const char *arg;

	(void)k;
	if (m == NULL) {
		key_error(c, e, "invalid value %s (exec:CMD or tcp:PORT)",
		    quote(&b, e->value));
		return -1;
	}
	arg = e->value + strlen(m->text);
	if (m->mode == HEALTH_EXEC) {
		char **argv = exec_argv(c, e, arg);

		if (argv == NULL)
			return -1;
		free(p->health_argv);
		p->health_argv = argv;
	}
	if (m->mode == HEALTH_TCP && port(c, e, arg, &p->health_port) == -1)
		return -1;
	p->health = (enum health_mode)m->mode;
	if (!m->supported)
		error_at(c, e->line, "health = %.*s: not supported yet",
		    (int)strcspn(m->text, ":"), m->text);
	return 0;
}

/* MIN..MAX, two durations, 0 < MIN <= MAX. */
static int
p_backoff(struct ctx *c, const struct entry *e, const struct key *k, void *obj)
{
	struct prog_conf *p = obj;
	const char *dots = strstr(e->value, "..");
	struct shown b;
	int64_t lo, hi;
	char *min;
	int r;

	(void)k;
	if (dots == NULL) {
		key_error(c, e, "invalid value %s (MIN..MAX, e.g. 100ms..30s)",
		    quote(&b, e->value));
		return -1;
	}
	min = check_alloc(c, strndup(e->value, (size_t)(dots - e->value)));
	if (min == NULL)
		return -1;
	r = duration(c, e, min, 1, &lo);
	free(min);
	if (r == -1 || duration(c, e, dots + 2, 1, &hi) == -1)
		return -1;
	if (lo > hi) {
		key_error(
		    c, e, "MIN is more than MAX in %s", quote(&b, e->value));
		return -1;
	}
	p->backoff_min_ms = lo;
	p->backoff_max_ms = hi;
	return 0;
}

/* tcp:HOST:PORT (an IPv6 HOST in brackets) or unix:ABSPATH. */
static int
check_listen(struct ctx *c, const struct entry *e)
{
	const char *v = e->value, *host = v + 4, *colon;
	struct shown b;
	size_t n;
	int unused;

	if (strncmp(v, "unix:", 5) == 0) {
		if (v[5] != '/') {
			key_error(c, e, "unix: needs an absolute path, not %s",
			    quote(&b, v + 5));
			return -1;
		}
		if (strlen(v + 5) >=
		    sizeof(((struct sockaddr_un *)0)->sun_path)) {
			key_error(c, e, "unix: path longer than %zu bytes",
			    sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
			return -1;
		}
		return 0;
	}
	if (strncmp(v, "tcp:", 4) != 0 ||
	    (colon = strrchr(host, ':')) == NULL || colon == host) {
		key_error(c, e,
		    "invalid address %s (tcp:HOST:PORT or unix:PATH)",
		    quote(&b, v));
		return -1;
	}
	n = (size_t)(colon - host);
	if (host[0] == '[' ? n < 3 || host[n - 1] != ']'
	                   : memchr(host, ':', n) != NULL) {
		key_error(c, e,
		    "invalid host in %s (an IPv6 address goes in "
		    "brackets: tcp:[::1]:PORT)",
		    quote(&b, v));
		return -1;
	}
	return port(c, e, colon + 1, &unused);
}

static int
p_listen(struct ctx *c, const struct entry *e, const struct key *k, void *obj)
{
	struct prog_conf *p = obj;
	struct listen_conf *l;
	char *addr;

	(void)k;
	if (check_listen(c, e) == -1)
		return -1;
	l = check_alloc(
	    c, reallocarray(p->listen, p->nlisten + 1, sizeof(*p->listen)));
	if (l == NULL)
		return -1;
	p->listen = l;
	addr = check_alloc(c, strdup(e->value));
	if (addr == NULL)
		return -1;
	p->listen[p->nlisten++] = (struct listen_conf){addr, e->line};
	return 0;
}

/* memory_max, memory_high: a size, or max or infinity (INT64_MAX). */
static int
p_memory(struct ctx *c, const struct entry *e, const struct key *k, void *obj)
{
	struct shown b;
	int64_t n = INT64_MAX;

	if (strcmp(e->value, "max") != 0 && strcmp(e->value, "infinity") != 0 &&
	    units_parse_size(e->value, &n) == -1) {
		key_error(c, e, "invalid value %s (a size, max or infinity)",
		    quote(&b, e->value));
		return -1;
	}
	*FIELD(obj, k, int64_t) = n;
	return 0;
}

/* N%, N >= 1: percent of one CPU. */
static int
p_cpu_max(struct ctx *c, const struct entry *e, const struct key *k, void *obj)
{
	size_t len = strlen(e->value);
	struct shown b;
	char *num;
	int r = -1;

	if (len >= 2 && e->value[len - 1] == '%') {
		num = check_alloc(c, strndup(e->value, len - 1));
		if (num == NULL)
			return -1;
		r = units_parse_int(
		    num, k->min, k->max, FIELD(obj, k, int64_t));
		free(num);
	}
	if (r == -1)
		key_error(c, e,
		    "invalid value %s (a percentage of one CPU, from 1%%, "
		    "e.g. 50%% or 200%%)",
		    quote(&b, e->value));
	return r;
}

/* A number from 1, or max (INT64_MAX). */
static int
p_pids_max(struct ctx *c, const struct entry *e, const struct key *k, void *obj)
{
	struct shown b;

	if (strcmp(e->value, "max") == 0) {
		*FIELD(obj, k, int64_t) = INT64_MAX;
		return 0;
	}
	if (units_parse_int(e->value, 1, INT64_MAX, FIELD(obj, k, int64_t)) ==
	    -1) {
		key_error(c, e, "invalid value %s (a number from 1, or max)",
		    quote(&b, e->value));
		return -1;
	}
	return 0;
}

/* Kept for resolve(), once every name is known. */
static int
p_children(struct ctx *c, const struct entry *e, const struct key *k, void *obj)
{
	(void)k;
	(void)obj;
	c->cur->children = e;
	return 0;
}

/* ---- the keys of each section ---- */

static const struct word strategies[] = {
    {"one_for_one", STRATEGY_ONE_FOR_ONE},
    {"one_for_all", STRATEGY_ONE_FOR_ALL},
    {"rest_for_one", STRATEGY_REST_FOR_ONE},
    {NULL, 0},
};

static const struct word restarts[] = {
    {"permanent", RESTART_PERMANENT},
    {"transient", RESTART_TRANSIENT},
    {"temporary", RESTART_TEMPORARY},
    {NULL, 0},
};

static const struct word auto_shutdowns[] = {
    {"never", AUTO_SHUTDOWN_NEVER},
    {"any_significant", AUTO_SHUTDOWN_ANY},
    {"all_significant", AUTO_SHUTDOWN_ALL},
    {NULL, 0},
};

static const struct word cgroups_modes[] = {
    {"auto", CGROUPS_AUTO},
    {"yes", CGROUPS_YES},
    {"no", CGROUPS_NO},
    {NULL, 0},
};

static const struct word handovers[] = {
    {"stop_first", HANDOVER_STOP_FIRST},
    {"start_first", HANDOVER_START_FIRST},
    {NULL, 0},
};

#define T(f) offsetof(struct tend_conf, f)
#define S(f) offsetof(struct sup_conf, f)
#define P(f) offsetof(struct prog_conf, f)
#define NOW true      /* supported */
#define NOT_YET false /* parsed and checked, then an error */

/*
 * name, parser, field, supported, min, max, words, flags. An issue that
 * implements a key flips its NOT_YET to NOW.
 */
static const struct key tend_keys[] = {
    {"socket", p_path, T(socket), NOW, 0, 0, NULL, 0},
    {"socket_group", p_socket_group, T(socket_group), NOW, 0, 0, NULL, 0},
    {"log_dir", p_path, T(log_dir), NOW, 0, 0, NULL, 0},
    {"log_max_size", p_size, T(log_max_size), NOW, 1, 0, NULL, 0},
    {"log_keep", p_unsigned, T(log_keep), NOW, 0, 1000, NULL, 0},
    {"log_ring", p_size, T(log_ring), NOW, 0, 0, NULL, 0},
    {"shutdown_grace", p_duration, T(shutdown_grace_ms), NOW, 0, 0, NULL, 0},
    {"cgroups", p_enum, T(cgroups), NOW, 0, 0, cgroups_modes, 0},
};

static const struct key sup_keys[] = {
    {"strategy", p_enum, S(strategy), NOW, 0, 0, strategies, 0},
    {"intensity", p_intensity, S(intensity), NOW, 0, 0, NULL, 0},
    {"period", p_duration, S(period_ms), NOW, 1, 0, NULL, 0},
    {"children", p_children, 0, NOW, 0, 0, NULL, 0},
    {"restart", p_enum, S(restart), NOW, 0, 0, restarts, K_NOT_ROOT},
    {"shutdown", p_shutdown, S(shutdown_ms), NOW, 0, 0, NULL, K_NOT_ROOT},
    {"significant", p_significant, S(significant), NOW, 0, 0, NULL, K_NOT_ROOT},
    {"auto_shutdown", p_enum, S(auto_shutdown), NOW, 0, 0, auto_shutdowns, 0},
};

static const struct key prog_keys[] = {
    {"command", p_command, 0, NOW, 0, 0, NULL, 0},
    {"directory", p_path, P(directory), NOW, 0, 0, NULL, 0},
    {"user", p_user, P(user), NOW, 0, 0, NULL, 0},
    {"group", p_group, P(group), NOW, 0, 0, NULL, 0},
    {"umask", p_umask, 0, NOW, 0, 0, NULL, 0},
    {"environment", p_environment, 0, NOW, 0, 0, NULL, 0},
    {"autostart", p_bool, P(autostart), NOW, 0, 0, NULL, 0},
    {"restart", p_enum, P(restart), NOW, 0, 0, restarts, 0},
    {"shutdown", p_shutdown, P(shutdown_ms), NOW, 0, 0, NULL, 0},
    {"stop_signal", p_signal, P(stop_signal), NOW, 0, 0, NULL, 0},
    {"significant", p_significant, P(significant), NOW, 0, 0, NULL, 0},
    {"stdout", p_stdout, 0, NOW, 0, 0, NULL, 0},
    {"stderr", p_stderr, 0, NOW, 0, 0, NULL, 0},
    /* ready = start works now; its other modes say so in ready_modes */
    {"ready", p_ready, 0, NOW, 0, 0, NULL, 0},
    {"start_timeout", p_duration, P(start_timeout_ms), NOT_YET, 1, 0, NULL, 0},
    {"backoff", p_backoff, 0, NOW, 0, 0, NULL, 0},
    {"min_uptime", p_duration, P(min_uptime_ms), NOW, 0, 0, NULL, 0},
    {"health", p_health, 0, NOT_YET, 0, 0, NULL, 0},
    {"health_interval", p_duration, P(health_interval_ms), NOT_YET, 1, 0, NULL,
        0},
    {"health_timeout", p_duration, P(health_timeout_ms), NOT_YET, 1, 0, NULL,
        0},
    {"health_retries", p_unsigned, P(health_retries), NOT_YET, 1, 1000000, NULL,
        0},
    {"watchdog", p_duration, P(watchdog_ms), NOT_YET, 1, 0, NULL, 0},
    {"listen", p_listen, 0, NOT_YET, 0, 0, NULL, K_REPEAT},
    {"handover", p_enum, P(handover), NOT_YET, 0, 0, handovers, 0},
    {"memory_max", p_memory, P(memory_max), NOT_YET, 0, 0, NULL, 0},
    {"memory_high", p_memory, P(memory_high), NOT_YET, 0, 0, NULL, 0},
    {"cpu_max", p_cpu_max, P(cpu_max_pct), NOT_YET, 1, 10000000, NULL, 0},
    {"cpu_weight", p_int64, P(cpu_weight), NOT_YET, 1, 10000, NULL, 0},
    {"pids_max", p_pids_max, P(pids_max), NOT_YET, 0, 0, NULL, 0},
    {"nice", p_nice, 0, NOW, -20, 19, NULL, 0},
    {"oom_score_adj", p_oom_score_adj, 0, NOW, -1000, 1000, NULL, 0},
    {"limit_nofile", p_limit, 0, NOW, LIMIT_NOFILE, 0, NULL, 0},
    {"limit_core", p_limit, 0, NOW, LIMIT_CORE, 0, NULL, 0},
    {"limit_nproc", p_limit, 0, NOW, LIMIT_NPROC, 0, NULL, 0},
    {"limit_memlock", p_limit, 0, NOW, LIMIT_MEMLOCK, 0, NULL, 0},
};

struct table {
	const struct key *v;
	size_t n;
};

#define TABLE(keys)                                                            \
	{                                                                      \
		(keys), sizeof(keys) / sizeof((keys)[0])                       \
	}
#define MAX_KEYS 48 /* of any table: the size of check_keys()' seen[] */

static const struct table tend_table = TABLE(tend_keys);
static const struct table sup_table = TABLE(sup_keys);
static const struct table prog_table = TABLE(prog_keys);

_Static_assert(
    sizeof(prog_keys) / sizeof(prog_keys[0]) <= MAX_KEYS, "MAX_KEYS too small");

static size_t
find_key(const struct table *t, const char *name)
{
	size_t i = 0;

	while (i < t->n && strcmp(t->v[i].name, name) != 0)
		i++;
	return i;
}

/* ---- sections ---- */

static void
check_key(struct ctx *c, const struct entry *e, const struct key *k, void *obj,
    const char *where, bool is_root, int *seen)
{
	if (*seen != 0 && !(k->flags & K_REPEAT)) {
		error_at(c, e->line, "%s given twice in %s (first at line %d)",
		    k->name, where, *seen);
		return;
	}
	if (*seen == 0)
		*seen = e->line;
	if (is_root && (k->flags & K_NOT_ROOT)) {
		error_at(c, e->line, "%s: not allowed in [supervisor:root]",
		    k->name);
		return;
	}
	if (!k->supported)
		error_at(c, e->line, "%s: not supported yet", k->name);
	if (e->len == 0) {
		key_error(c, e, "empty value");
		return;
	}
	(void)k->parse(c, e, k, obj);
}

/* Check every entry of s into obj; seen[k] is the first line of key k. */
static void
check_keys(struct ctx *c, const struct section *s, const struct table *t,
    void *obj, const char *where, bool is_root, int *seen)
{
	struct shown b;

	for (size_t i = 0; i < s->n; i++) {
		const struct entry *e = &s->v[i];
		size_t k = find_key(t, e->key);

		if (*e->key == '\0')
			error_at(c, e->line, "missing key name before '='");
		else if (k == t->n)
			error_at(c, e->line, "unknown key %s in %s",
			    quote(&b, e->key), where);
		else
			check_key(
			    c, e, &t->v[k], obj, where, is_root, &seen[k]);
	}
}

static void
tend_defaults(struct tend_conf *t)
{
	*t = (struct tend_conf){
	    .log_max_size = INT64_C(10) << 20,
	    .log_keep = 5,
	    .log_ring = INT64_C(64) << 10,
	    .shutdown_grace_ms = 5000,
	    .cgroups = CGROUPS_AUTO,
	};
}

static void
sup_defaults(struct sup_conf *s)
{
	*s = (struct sup_conf){
	    .strategy = STRATEGY_ONE_FOR_ONE,
	    .intensity = 5,
	    .period_ms = 10000,
	    .restart = RESTART_PERMANENT,
	    .shutdown_ms = CONFIG_INFINITY,
	    .auto_shutdown = AUTO_SHUTDOWN_NEVER,
	};
}

static void
prog_defaults(struct prog_conf *p)
{
	*p = (struct prog_conf){
	    .umask = -1,
	    .autostart = true,
	    .restart = RESTART_PERMANENT,
	    .shutdown_ms = 5000,
	    .stop_signal = SIGTERM,
	    .out = OUT_DEFAULT,
	    .err = OUT_DEFAULT,
	    .ready = READY_START,
	    .start_timeout_ms = 30000,
	    .min_uptime_ms = 10000,
	    .health = HEALTH_NONE,
	    .health_interval_ms = 10000,
	    .health_timeout_ms = 5000,
	    .health_retries = 3,
	    .handover = HANDOVER_STOP_FIRST,
	    .memory_max = -1,
	    .memory_high = -1,
	    .cpu_max_pct = -1,
	    .cpu_weight = -1,
	    .pids_max = -1,
	};
}

static void
tend_free(struct tend_conf *t)
{
	free(t->socket);
	free(t->socket_group);
	free(t->log_dir);
}

static void
sup_free(struct sup_conf *s)
{
	free(s->name);
	free(s->kids);
}

static void
prog_free(struct prog_conf *p)
{
	free(p->name);
	free(p->argv);
	free(p->directory);
	free(p->user);
	free(p->group);
	free(p->env);
	free(p->out_path);
	free(p->err_path);
	free(p->ready_argv);
	free(p->health_argv);
	for (size_t i = 0; i < p->nlisten; i++)
		free(p->listen[i].addr);
	free(p->listen);
}

/* "[program:NAME]" of s, escaped, for messages. */
static void
where_of(const struct section *s, char *where, size_t size)
{
	struct shown b;

	snprintf(where, size, "[%s]",
	    show_n(&b, s->header, strlen(s->header), false));
}

/* Room in every array for one more node; false when out of memory. */
static bool
room_for_node(struct ctx *c, bool is_sup)
{
	struct config *cfg = c->cfg;
	void *v;

	if (is_sup) {
		v = reserve(
		    c, cfg->sups, &c->sups_cap, cfg->nsups, sizeof(*cfg->sups));
		if (v == NULL)
			return false;
		cfg->sups = v;
		v = reserve(
		    c, c->sinfo, &c->sinfo_cap, cfg->nsups, sizeof(*c->sinfo));
		if (v == NULL)
			return false;
		c->sinfo = v;
	} else {
		v = reserve(c, cfg->progs, &c->progs_cap, cfg->nprogs,
		    sizeof(*cfg->progs));
		if (v == NULL)
			return false;
		cfg->progs = v;
		v = reserve(
		    c, c->pinfo, &c->pinfo_cap, cfg->nprogs, sizeof(*c->pinfo));
		if (v == NULL)
			return false;
		c->pinfo = v;
	}
	v = reserve(c, c->order, &c->order_cap, c->norder, sizeof(*c->order));
	if (v == NULL)
		return false;
	c->order = v;
	return true;
}

static struct node_info *
info_of(struct ctx *c, struct child_ref r)
{
	return r.is_sup ? &c->sinfo[r.index] : &c->pinfo[r.index];
}

static int
node_line(const struct config *cfg, struct child_ref r)
{
	return r.is_sup ? cfg->sups[r.index].line : cfg->progs[r.index].line;
}

/*
 * May s, a program or supervisor section, make a node? Its name must be
 * valid, not reserved (root only as [supervisor:root], all never), and
 * new in the namespace that programs and supervisors share.
 */
static bool
name_ok(struct ctx *c, const struct section *s, bool is_sup, const char *where)
{
	const char *kind = is_sup ? "supervisor" : "program";
	const char *name = s->name;
	struct child_ref r;
	struct shown b;

	if (name == NULL || *name == '\0') {
		error_at(c, s->line, "%s: missing name (write [%s:NAME])",
		    where, kind);
		return false;
	}
	if (!units_name_valid(name)) {
		error_at(c, s->line,
		    "%s: invalid name %s (1 to 64 of A-Z a-z 0-9 _ . -, "
		    "not beginning with '.')",
		    where, quote(&b, name));
		return false;
	}
	if (strcmp(name, "all") == 0 ||
	    (!is_sup && strcmp(name, "root") == 0)) {
		error_at(c, s->line, "%s: \"%s\" is a reserved name%s", where,
		    name, is_sup ? "" : " (the root is [supervisor:root])");
		return false;
	}
	if (!index_find(c->cfg, name, strlen(name), &r))
		return true;
	if (r.is_sup && r.index == 0 && c->cfg->sups[0].line == 0)
		return true; /* the first [supervisor:root] */
	if (r.is_sup == is_sup)
		error_at(c, s->line, "%s given twice (first at line %d)", where,
		    node_line(c->cfg, r));
	else
		error_at(c, s->line,
		    "%s: the name \"%s\" is taken by [%s:%s] at line %d", where,
		    name, r.is_sup ? "supervisor" : "program", name,
		    node_line(c->cfg, r));
	return false;
}

/* The node of s, with its defaults, indexed and in the file order. */
static void *
new_node(struct ctx *c, struct section *s, bool is_sup)
{
	struct config *cfg = c->cfg;
	struct child_ref r = {is_sup, is_sup ? cfg->nsups : cfg->nprogs};
	char *name;

	if (!room_for_node(c, is_sup))
		return NULL;
	name = check_alloc(c, strdup(s->name));
	if (name == NULL)
		return NULL;
	if (is_sup) {
		sup_defaults(&cfg->sups[r.index]);
		cfg->sups[r.index].name = name;
		cfg->sups[r.index].line = s->line;
		cfg->nsups++;
	} else {
		prog_defaults(&cfg->progs[r.index]);
		cfg->progs[r.index].name = name;
		cfg->progs[r.index].line = s->line;
		cfg->nprogs++;
	}
	*info_of(c, r) = (struct node_info){0};
	c->order[c->norder++] = r;
	index_add(c, r);
	s->made = true;
	s->node = r;
	if (is_sup)
		return &cfg->sups[r.index];
	return &cfg->progs[r.index];
}

static void
build_tend(struct ctx *c, const struct section *s)
{
	struct tend_conf spare, *t = &c->cfg->tend;
	int seen[MAX_KEYS] = {0};

	if (c->tend_line != 0) {
		error_at(c, s->line, "[tend] given twice (first at line %d)",
		    c->tend_line);
		tend_defaults(&spare);
		t = &spare;
	} else {
		c->tend_line = s->line;
	}
	check_keys(c, s, &tend_table, t, "[tend]", false, seen);
	if (t == &spare)
		tend_free(&spare);
}

/*
 * A section whose header is wrong still has its keys checked, into a
 * spare struct that is then dropped, so that one run shows every error.
 */
static void
build_sup(struct ctx *c, struct section *s)
{
	char where[sizeof(struct shown) + 2];
	struct node_info spare_info = {0};
	struct sup_conf spare, *sup = NULL;
	int seen[MAX_KEYS] = {0};
	bool is_root = false;

	where_of(s, where, sizeof(where));
	if (name_ok(c, s, true, where)) {
		is_root = strcmp(s->name, "root") == 0;
		if (is_root) {
			sup = &c->cfg->sups[0];
			sup->line = s->line;
			s->made = true;
			s->node = (struct child_ref){true, 0};
		} else {
			sup = new_node(c, s, true);
		}
	}
	if (sup == NULL) {
		sup_defaults(&spare);
		sup = &spare;
	}
	c->cur = s->made ? &c->sinfo[s->node.index] : &spare_info;
	check_keys(c, s, &sup_table, sup, where, is_root, seen);
	c->cur = NULL;
	if (sup == &spare)
		sup_free(&spare);
}

static void
build_prog(struct ctx *c, struct section *s)
{
	char where[sizeof(struct shown) + 2];
	struct node_info spare_info = {0};
	struct prog_conf spare, *p = NULL;
	int seen[MAX_KEYS] = {0};

	where_of(s, where, sizeof(where));
	if (name_ok(c, s, false, where))
		p = new_node(c, s, false);
	if (p == NULL) {
		prog_defaults(&spare);
		p = &spare;
	}
	c->cur = s->made ? &c->pinfo[s->node.index] : &spare_info;
	check_keys(c, s, &prog_table, p, where, false, seen);
	c->cur = NULL;
	if (p->argv == NULL && seen[find_key(&prog_table, "command")] == 0)
		error_at(c, s->line, "%s: missing command", where);
	if (p == &spare)
		prog_free(&spare);
}

static void
build(struct ctx *c)
{
	for (size_t i = 0; i < c->nsecs; i++) {
		struct section *s = &c->secs[i];

		if (s->kind == SEC_TEND)
			build_tend(c, s);
		else if (s->kind == SEC_SUP)
			build_sup(c, s);
		else if (s->kind == SEC_PROG)
			build_prog(c, s);
	}
}

/* ---- the tree ---- */

static void
add_kid(struct ctx *c, size_t si, struct child_ref r)
{
	struct sup_conf *sup = &c->cfg->sups[si];
	struct child_ref *kids = reserve(
	    c, sup->kids, &c->sinfo[si].kids_cap, sup->nkids, sizeof(*kids));

	if (kids == NULL)
		return;
	sup->kids = kids;
	if (r.is_sup) {
		c->cfg->sups[r.index].parent = si;
		c->cfg->sups[r.index].position = sup->nkids;
	} else {
		c->cfg->progs[r.index].parent = si;
		c->cfg->progs[r.index].position = sup->nkids;
	}
	sup->kids[sup->nkids++] = r;
}

/* Supervisor si lists name (len bytes) in its children entry e. */
static void
take_child(struct ctx *c, size_t si, const struct entry *e, const char *name,
    size_t len)
{
	struct node_info *in;
	struct child_ref r;
	struct shown b;

	show_n(&b, name, len, true);
	if (!index_find(c->cfg, name, len, &r)) {
		key_error(c, e, "unknown program or supervisor %s", b.s);
	} else if (r.is_sup && r.index == 0) {
		key_error(c, e, "%s is the root; it cannot be a child", b.s);
	} else if (r.is_sup && r.index == si) {
		key_error(c, e, "supervisor %s lists itself", b.s);
	} else if ((in = info_of(c, r))->listed_line != 0) {
		if (in->listed_by == si)
			key_error(c, e, "%s listed twice", b.s);
		else
			key_error(c, e,
			    "%s already listed by [supervisor:%s] at line %d",
			    b.s, c->cfg->sups[in->listed_by].name,
			    in->listed_line);
	} else {
		in->listed_line = e->line;
		in->listed_by = si;
		add_kid(c, si, r);
	}
}

/* Names separated by commas and/or white space. */
static void
take_children(struct ctx *c, size_t si)
{
	const struct entry *e = c->sinfo[si].children;
	const char *p = e->value;

	for (;;) {
		size_t n;

		while (*p == ',' || isspace((unsigned char)*p))
			p++;
		if (*p == '\0')
			return;
		n = strcspn(p, ", \t\n\v\f\r");
		take_child(c, si, e, p, n);
		p += n;
	}
}

enum { M_NEW, M_REACHED, M_PATH, M_DONE };

/* Mark the supervisors reachable from the root (queue: nsups slots). */
static void
mark_reached(struct ctx *c, size_t *queue)
{
	size_t head = 0, tail = 0;

	c->sinfo[0].mark = M_REACHED;
	queue[tail++] = 0;
	while (head < tail) {
		const struct sup_conf *s = &c->cfg->sups[queue[head++]];

		for (size_t k = 0; k < s->nkids; k++) {
			struct child_ref r = s->kids[k];

			if (r.is_sup && c->sinfo[r.index].mark == M_NEW) {
				c->sinfo[r.index].mark = M_REACHED;
				queue[tail++] = r.index;
			}
		}
	}
}

/*
 * m[0..k) is a cycle, each the parent of the one before. Name it from the
 * member first in the file, each followed by the one it lists, and report
 * it at every member's children line.
 */
static void
report_cycle(struct ctx *c, const size_t *m, size_t k)
{
	char names[4 * (UNITS_NAME_MAX + 8) + 32];
	size_t first = 0, off = 0, shown = k > 4 ? 3 : k;

	for (size_t i = 1; i < k; i++)
		if (m[i] < m[first])
			first = i;
	names[0] = '\0';
	for (size_t j = 0; j < shown; j++) {
		const char *sep = j == 0                         ? ""
		                  : j + 1 == shown && shown == k ? " and "
		                                                 : ", ";
		int r = snprintf(names + off, sizeof(names) - off, "%s%s", sep,
		    c->cfg->sups[m[(first + k - j) % k]].name);

		if (r > 0 && (size_t)r < sizeof(names) - off)
			off += (size_t)r;
	}
	if (shown < k)
		snprintf(names + off, sizeof(names) - off, " and %zu more",
		    k - shown);
	for (size_t j = 0; j < k; j++) {
		const struct entry *e = c->sinfo[m[j]].children;

		error_at(c, e != NULL ? e->line : c->cfg->sups[m[j]].line,
		    "supervisors %s form a cycle", names);
	}
}

/*
 * A supervisor the root does not reach is in a cycle or below one. Every
 * node has one parent, so following parents from it must loop.
 */
static void
find_cycles(struct ctx *c)
{
	size_t n = c->cfg->nsups;
	size_t *path = check_alloc(c, reallocarray(NULL, n, sizeof(*path)));

	if (path == NULL)
		return;
	mark_reached(c, path);
	for (size_t i = 1; i < n; i++) {
		size_t len = 0, x = i, from;

		while (c->sinfo[x].mark == M_NEW) {
			c->sinfo[x].mark = M_PATH;
			path[len++] = x;
			x = c->cfg->sups[x].parent;
		}
		if (c->sinfo[x].mark == M_PATH) {
			for (from = len; path[from - 1] != x; from--)
				;
			report_cycle(c, path + from - 1, len - from + 1);
		}
		for (size_t j = 0; j < len; j++)
			c->sinfo[path[j]].mark = M_DONE;
	}
	free(path);
}

/*
 * Every node but the root gets one parent: the supervisor whose children
 * list names it (lists are taken in file order, so the second listing is
 * the error), else the root, which takes the unlisted ones after its own
 * list, in file order.
 */
static void
resolve(struct ctx *c)
{
	for (size_t i = 0; i < c->nsecs; i++) {
		const struct section *s = &c->secs[i];

		if (s->made && s->node.is_sup &&
		    c->sinfo[s->node.index].children != NULL)
			take_children(c, s->node.index);
	}
	for (size_t i = 0; i < c->norder; i++)
		if (info_of(c, c->order[i])->listed_line == 0)
			add_kid(c, 0, c->order[i]);
	find_cycles(c);
}

/* significant = yes: only on a transient or temporary child of a
 * supervisor whose auto_shutdown is not never (as OTP checks). */
static void
check_significant(struct ctx *c, const char *kind, const char *name,
    enum restart restart, size_t parent, int line)
{
	const struct sup_conf *p = &c->cfg->sups[parent];

	if (restart == RESTART_PERMANENT)
		error_at(c, line,
		    "significant: %s %s is permanent; only a transient or "
		    "temporary child can be significant",
		    kind, name);
	if (p->auto_shutdown == AUTO_SHUTDOWN_NEVER)
		error_at(c, line,
		    "significant: supervisor %s, its parent, has "
		    "auto_shutdown = never",
		    p->name);
}

static void
check_tree(struct ctx *c)
{
	const struct config *cfg = c->cfg;

	for (size_t i = 0; i < cfg->nprogs; i++) {
		const struct prog_conf *p = &cfg->progs[i];

		if (p->significant)
			check_significant(c, "program", p->name, p->restart,
			    p->parent, c->pinfo[i].significant_line);
	}
	for (size_t i = 1; i < cfg->nsups; i++) {
		const struct sup_conf *s = &cfg->sups[i];

		if (s->significant)
			check_significant(c, "supervisor", s->name, s->restart,
			    s->parent, c->sinfo[i].significant_line);
	}
}

/* ---- the whole file ---- */

static int
make_root(struct ctx *c)
{
	struct config *cfg = c->cfg;

	cfg->index = check_alloc(c, calloc(1, sizeof(*cfg->index)));
	if (cfg->index == NULL || !room_for_node(c, true))
		return -1;
	sup_defaults(&cfg->sups[0]);
	cfg->sups[0].name = check_alloc(c, strdup("root"));
	if (cfg->sups[0].name == NULL)
		return -1;
	c->sinfo[0] = (struct node_info){0};
	cfg->nsups = 1;
	index_add(c, (struct child_ref){true, 0});
	return 0;
}

static void
ctx_free(struct ctx *c)
{
	for (size_t i = 0; i < c->nsecs; i++) {
		struct section *s = &c->secs[i];

		for (size_t j = 0; j < s->n; j++) {
			free(s->v[j].key);
			free(s->v[j].value);
		}
		free(s->v);
		free(s->header);
	}
	free(c->secs);
	free(c->sinfo);
	free(c->pinfo);
	free(c->order);
}

int
config_parse(FILE *fp, const char *file, struct config *cfg, struct diags *d)
{
	struct ctx c = {.cfg = cfg, .d = d};
	size_t first = d->n;
	int err = EINVAL;

	memset(cfg, 0, sizeof(*cfg));
	tend_defaults(&cfg->tend);
	if (file == NULL)
		file = "-";
	cfg->file = check_alloc(&c, strdup(file));
	d->file = cfg->file != NULL ? cfg->file : file;
	if (cfg->file != NULL && make_root(&c) == 0) {
		read_sections(&c, fp);
		build(&c);
		if (!c.oom) {
			resolve(&c);
			check_tree(&c);
		}
	}
	if (c.oom) {
		error_at(&c, 0, "out of memory");
		err = ENOMEM;
	} else if (c.rd.err != 0) {
		err = c.rd.err;
	}
	ctx_free(&c);
	if (d->n > first)
		sort_range(d->v + first, d->n - first);
	if (c.errors == 0)
		return 0;
	errno = err;
	return -1;
}

int
config_load(const char *path, struct config *cfg, struct diags *d)
{
	FILE *fp = fopen(path, "re");
	int r, err;

	if (fp == NULL) {
		err = errno;
		memset(cfg, 0, sizeof(*cfg));
		cfg->file = strdup(path);
		d->file = cfg->file != NULL ? cfg->file : path;
		diags_add(d, 0, "cannot open: %s", strerror(err));
		errno = err;
		return -1;
	}
	r = config_parse(fp, path, cfg, d);
	err = errno;
	fclose(fp);
	errno = err;
	return r;
}

void
config_free(struct config *cfg)
{
	free(cfg->file);
	tend_free(&cfg->tend);
	for (size_t i = 0; i < cfg->nsups; i++)
		sup_free(&cfg->sups[i]);
	free(cfg->sups);
	for (size_t i = 0; i < cfg->nprogs; i++)
		prog_free(&cfg->progs[i]);
	free(cfg->progs);
	if (cfg->index != NULL)
		free(cfg->index->v);
	free(cfg->index);
	memset(cfg, 0, sizeof(*cfg));
}
