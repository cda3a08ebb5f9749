/*
 * fuzz_config.c: libFuzzer target for the configuration reader. Any bytes
 * go to config_parse() as a file; whatever it returns must keep its
 * promises (config.h): -1 exactly when there are diagnostics, sorted by
 * line, each naming the file, with the file's text escaped in them; a
 * valid file is a consistent tree that tree_build() accepts. Everything is
 * freed, so that leaks show.
 */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "tree.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* fmemopen() wants a buffer of at least one byte. */
static FILE *
open_input(char *copy, size_t size)
{
	if (size == 0)
		return fopen("/dev/null", "re");
	return fmemopen(copy, size, "r");
}

static void
check_diags(const struct config *cfg, const struct diags *d, int r)
{
	assert((r == 0) == (d->n == 0));
	for (size_t i = 0; i < d->n; i++) {
		assert(d->v[i].msg != NULL);
		assert(d->v[i].line >= 0);
		assert(d->v[i].file == cfg->file);
		assert(i == 0 || d->v[i - 1].line <= d->v[i].line);
		/* text from the file is shown escaped: a message is safe to
		 * print on a terminal */
		for (const char *m = d->v[i].msg; *m != '\0'; m++)
			assert((unsigned char)*m >= 0x20 && *m != 0x7f);
	}
}

/* Every node is its parent's kid at its position, and found by name. */
static void
check_tree(const struct config *cfg)
{
	assert(cfg->nsups >= 1 && strcmp(cfg->sups[0].name, "root") == 0);
	for (size_t s = 0; s < cfg->nsups; s++) {
		const struct sup_conf *sc = &cfg->sups[s];

		assert(config_find_sup(cfg, sc->name) == (long)s);
		if (s > 0) {
			const struct sup_conf *p = &cfg->sups[sc->parent];

			assert(sc->position < p->nkids);
			assert(p->kids[sc->position].is_sup);
			assert(p->kids[sc->position].index == s);
		}
	}
	for (size_t i = 0; i < cfg->nprogs; i++) {
		const struct prog_conf *pc = &cfg->progs[i];
		const struct sup_conf *p = &cfg->sups[pc->parent];

		assert(config_find_prog(cfg, pc->name) == (long)i);
		assert(pc->argv != NULL && pc->argc >= 1);
		assert(pc->argv[pc->argc] == NULL);
		assert(pc->position < p->nkids);
		assert(!p->kids[pc->position].is_sup);
		assert(p->kids[pc->position].index == i);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config cfg;
	struct diags d = {0};
	struct tree *t;
	char *copy = malloc(size + 1);
	FILE *fp;
	int r;

	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	fp = open_input(copy, size);
	if (fp == NULL) {
		free(copy);
		return 0;
	}
	r = config_parse(fp, "fuzz.conf", &cfg, &d);
	fclose(fp);
	free(copy);
	check_diags(&cfg, &d, r);
	diags_free(&d);
	if (r == -1) {
		config_free(&cfg);
		return 0;
	}
	check_tree(&cfg);
	t = tree_build(&cfg); /* takes cfg, even on failure */
	if (t != NULL) {
		for (size_t i = 1; i < t->nnodes; i++) {
			assert(tree_find(t, t->nodes[i]->name) == t->nodes[i]);
			assert(tree_find(t, t->nodes[i]->path) == t->nodes[i]);
		}
		tree_free(t);
	}
	return 0;
}
