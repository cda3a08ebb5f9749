/*
 * confint.h: what config.c, confread.c, confkeys.c and conftree.c share
 * while they parse one file: the parse context, sections and entries as
 * read, and the helpers for messages and memory. Internal: included by
 * those four files only; everything else uses config.h. All of it is pure,
 * as config.h promises: no I/O but reading the FILE * that
 * conf_read_sections() is given, nothing printed.
 */
#ifndef TEND_CONFINT_H
#define TEND_CONFINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "config.h"

/* What a line is, as inih will take it. */
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

/* A [section] as read, with its entries in file order. */
struct section {
	enum sec_kind kind;
	char *header;     /* the text between the brackets */
	const char *name; /* into header, after "program:"; NULL if none */
	int line;
	struct entry *v; /* its n entries, c->ents[first...] once all read */
	size_t first, n;
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

/* confread.c's state: the line inih is being given, and what it is. */
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

/* One config_parse(): what it fills, reports to, and keeps meanwhile. */
struct ctx {
	struct config *cfg;
	struct diags *d;
	size_t errors;
	bool oom;
	struct reader rd;
	struct section *secs;
	size_t nsecs, secs_cap;
	/* every section's entries, in file order: one array rather than one
	 * per section (10,000 arrays of 8 took a third of the parse's
	 * memory, bench/README.md "Upgrade") */
	struct entry *ents;
	size_t nents, ents_cap;
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

/* ---- config.c: messages and memory ---- */

/* s (n bytes) escaped, cut after SHOW_MAX bytes, maybe quoted; in b. */
const char *conf_show_n(struct shown *b, const char *s, size_t n, bool quotes);
/* s escaped and quoted, as conf_show_n() does it; in b. */
const char *conf_quote(struct shown *b, const char *s);

/* A diagnostic at line (0: the whole file) that counts as an error. */
void conf_error_at(struct ctx *c, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* An error in e's value: "KEY: message", at e's line. */
void conf_key_error(struct ctx *c, const struct entry *e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* p, noting in c when it is NULL (out of memory). */
void *conf_check_alloc(struct ctx *c, void *p);
/* p's extra keys, allocated with their defaults on first use; NULL (and
 * c->oom) when out of memory. */
struct prog_extra *conf_prog_extra(struct ctx *c, struct prog_conf *p);
/* v with room for n + 1 elements of size (capacity *cap), or NULL. */
void *conf_reserve(struct ctx *c, void *v, size_t *cap, size_t n, size_t size);
/* Whether name (len bytes) names a node; if so, which, in *r. */
bool conf_index_find(const struct config *cfg, const char *name, size_t len,
    struct child_ref *r);
/* The node_info of node r. */
struct node_info *conf_info_of(struct ctx *c, struct child_ref r);

/* ---- confread.c: lines -> c->secs ---- */

/* Read fp to its end into c->secs, every entry as written. */
void conf_read_sections(struct ctx *c, FILE *fp);

/* ---- confkeys.c: entries -> fields ---- */

struct key;
struct table {
	const struct key *v;
	size_t n;
};

#define MAX_KEYS 48 /* of any table: the size of conf_check_keys()' seen[] */

/* The keys of [tend], [supervisor:NAME] and [program:NAME]. */
extern const struct table conf_tend_table, conf_sup_table, conf_prog_table;

/* The index in t of the key name, or t->n if there is none. */
size_t conf_find_key(const struct table *t, const char *name);
/*
 * Check every entry of s into obj, the struct of t's section; seen[k] is
 * the first line of key k. where names the section in messages; is_root:
 * s is [supervisor:root].
 */
void conf_check_keys(struct ctx *c, const struct section *s,
    const struct table *t, void *obj, const char *where, bool is_root,
    int *seen);

/* ---- conftree.c: nodes -> the tree ---- */

/* Give every node but the root its parent and position; report cycles. */
void conf_resolve(struct ctx *c);
/* Check what needs the tree: significant children. */
void conf_check_tree(struct ctx *c);

#endif
