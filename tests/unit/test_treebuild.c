/*
 * test_treebuild.c: building a tree from a config (treebuild.c): the
 * nodes, their order, kids and paths; finding a node by name or path
 * through the config's name index; two trees side by side, as reload
 * will hold them, each untouched by the other.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "tree.h"
#include "unit.h"

static struct tree *
build(const char *ini)
{
	struct config cfg;
	struct diags d;
	FILE *f = fmemopen((void *)(uintptr_t)ini, strlen(ini), "r");
	struct tree *t;
	size_t i;
	int r;

	memset(&cfg, 0, sizeof(cfg));
	memset(&d, 0, sizeof(d));
	ck_assert_ptr_nonnull(f);
	r = config_parse(f, "test.conf", &cfg, &d);
	fclose(f);
	for (i = 0; i < d.n; i++)
		fprintf(stderr, "test.conf:%d: %s\n", d.v[i].line, d.v[i].msg);
	ck_assert_int_eq(r, 0);
	diags_free(&d);
	t = tree_build(&cfg);
	ck_assert_ptr_nonnull(t);
	ck_assert_ptr_null(cfg.progs); /* taken over */
	return t;
}

/* Start t, carrying its plan out as if every spawn succeeded. */
static void
start_all(struct tree *t, int64_t now)
{
	struct action a;

	tree_start(t, now);
	while (tree_next_action(t, &a))
		if (a.kind == ACT_START)
			tree_on_spawned(t, (struct prog *)a.node, now);
}

#define NESTED                                                                 \
	"[supervisor:root]\nchildren = web, back\n"                            \
	"[supervisor:back]\nchildren = db, cache\n"                            \
	"[program:db]\ncommand = d\n"                                          \
	"[program:cache]\ncommand = c\n"                                       \
	"[program:web]\ncommand = w\n"

START_TEST(nodes_are_in_pre_order_with_kids_and_paths)
{
	struct tree *t = build(NESTED);
	static const char *const paths[] = {
	    "root", "root/web", "root/back", "root/back/db", "root/back/cache"};
	struct sup *back;
	size_t i;

	ck_assert_uint_eq(t->nnodes, 5);
	for (i = 0; i < t->nnodes; i++) {
		ck_assert_str_eq(t->nodes[i]->path, paths[i]);
		ck_assert_uint_eq(t->nodes[i]->idx, i);
		ck_assert_int_eq(t->nodes[i]->state, ST_STOPPED);
	}
	ck_assert_ptr_eq(t->nodes[0], &t->root->node);
	ck_assert_uint_eq(t->root->node.subtree_n, 5);
	ck_assert_ptr_null(t->root->node.parent);
	back = (struct sup *)t->nodes[2];
	ck_assert_uint_eq(back->node.subtree_n, 3);
	ck_assert_uint_eq(back->nkids, 2);
	ck_assert_str_eq(back->kids[0]->name, "db");
	ck_assert_str_eq(back->kids[1]->name, "cache");
	ck_assert_uint_eq(back->kids[1]->pos, 1);
	ck_assert_ptr_eq(back->kids[1]->parent, back);
	ck_assert_str_eq(back->kids[0]->shown, "back/db");
	ck_assert_str_eq(t->root->node.shown, "root");
	ck_assert_uint_eq(t->plan.n, 0);
	tree_free(t);
}
END_TEST

START_TEST(each_config_entry_has_its_node_at_the_same_index)
{
	struct tree *t = build(NESTED);
	size_t i;

	for (i = 0; i < t->cfg.nsups; i++) {
		ck_assert_ptr_eq(t->sups[i]->conf, &t->cfg.sups[i]);
		ck_assert_ptr_eq(t->sups[i]->node.name, t->cfg.sups[i].name);
	}
	for (i = 0; i < t->cfg.nprogs; i++) {
		ck_assert_ptr_eq(t->progs[i]->conf, &t->cfg.progs[i]);
		ck_assert_ptr_eq(t->progs[i]->node.name, t->cfg.progs[i].name);
	}
	ck_assert_ptr_eq(t->sups[0], t->root);
	tree_free(t);
}
END_TEST

START_TEST(find_accepts_names_and_paths_and_nothing_else)
{
	struct tree *t = build(NESTED "[program:d]\ncommand = d\n"
	                              "[program:dbx]\ncommand = d\n");
	struct node *db = tree_find(t, "db");

	ck_assert_ptr_nonnull(db);
	ck_assert_str_eq(db->path, "root/back/db");
	ck_assert_ptr_eq(tree_find(t, "back/db"), db);
	ck_assert_ptr_eq(tree_find(t, "root/back/db"), db);
	ck_assert_ptr_eq(tree_find(t, "back"), t->nodes[2]);
	ck_assert_ptr_eq(tree_find(t, "root/back"), t->nodes[2]);
	ck_assert_ptr_eq(tree_find(t, "web"), tree_find(t, "root/web"));
	ck_assert_ptr_eq(tree_find(t, "all"), &t->root->node);
	ck_assert_ptr_eq(tree_find(t, "root"), &t->root->node);
	/* names that share a prefix are different names */
	ck_assert_str_eq(tree_find(t, "d")->name, "d");
	ck_assert_str_eq(tree_find(t, "dbx")->name, "dbx");
	ck_assert_ptr_null(tree_find(t, "dbxy"));
	/* a path must be the node's own */
	ck_assert_ptr_null(tree_find(t, "web/db"));
	ck_assert_ptr_null(tree_find(t, "root/db"));
	ck_assert_ptr_null(tree_find(t, "x/back/db"));
	ck_assert_ptr_null(tree_find(t, "back/db/"));
	ck_assert_ptr_null(tree_find(t, "/db"));
	ck_assert_ptr_null(tree_find(t, ""));
	ck_assert_ptr_null(tree_find(t, "nope"));
	tree_free(t);
}
END_TEST

/*
 * 1,500 names in config's index (4,096 slots): by the birthday bound
 * hundreds of them share a home slot with another, so lookups walk past
 * other names' entries. Every node is found by its name and its paths.
 */
START_TEST(every_node_of_a_large_tree_is_found_by_name_and_path)
{
	enum { NSUPS = 30, NPROGS = 1470 };
	size_t size = 64 * (NSUPS + NPROGS) + 64, len = 0, i;
	char *ini = malloc(size);
	struct tree *t;

	ck_assert_ptr_nonnull(ini);
	for (i = 0; i < NSUPS; i++)
		len += (size_t)snprintf(
		    ini + len, size - len, "[supervisor:s%zu]\n", i);
	for (i = 0; i < NPROGS; i++)
		len += (size_t)snprintf(
		    ini + len, size - len, "[program:p%zu]\ncommand = x\n", i);
	ck_assert_uint_lt(len, size);
	t = build(ini);
	free(ini);
	ck_assert_uint_eq(t->nnodes, 1 + NSUPS + NPROGS);
	for (i = 0; i < t->nnodes; i++) {
		struct node *n = t->nodes[i];

		ck_assert_ptr_eq(tree_find(t, n->name), n);
		ck_assert_ptr_eq(tree_find(t, n->path), n);
		ck_assert_ptr_eq(tree_find(t, n->shown), n);
	}
	ck_assert_ptr_null(tree_find(t, "p1470"));
	ck_assert_ptr_null(tree_find(t, "s30"));
	tree_free(t);
}
END_TEST

START_TEST(two_trees_side_by_side_share_nothing)
{
	struct tree *live = build(NESTED);
	struct tree *next;
	size_t i;

	start_all(live, 1000);
	ck_assert_int_eq(tree_find(live, "db")->state, ST_RUNNING);
	/* the same names, another shape: db moves up to the root */
	next = build("[supervisor:root]\nchildren = db, back\n"
	             "[supervisor:back]\nchildren = cache\n"
	             "[program:db]\ncommand = d2\n"
	             "[program:cache]\ncommand = c\n");
	/* building next left live as it was */
	for (i = 0; i < live->nnodes; i++)
		ck_assert_int_eq(live->nodes[i]->state, ST_RUNNING);
	ck_assert_uint_eq(live->plan.n, 0);
	ck_assert_str_eq(tree_find(live, "db")->path, "root/back/db");
	ck_assert_ptr_nonnull(tree_find(live, "web"));
	/* each tree finds its own nodes */
	ck_assert_str_eq(tree_find(next, "db")->path, "root/db");
	ck_assert_ptr_null(tree_find(next, "back/db"));
	ck_assert_ptr_null(tree_find(next, "web"));
	ck_assert_str_eq(
	    ((struct prog *)tree_find(next, "db"))->conf->argv[0], "d2");
	for (i = 0; i < next->nnodes; i++) {
		ck_assert_int_eq(next->nodes[i]->state, ST_STOPPED);
		ck_assert_ptr_ne(
		    tree_find(live, next->nodes[i]->name), next->nodes[i]);
	}
	/* starting one does not start the other */
	start_all(next, 2000);
	ck_assert_int_eq(tree_find(next, "db")->state, ST_RUNNING);
	ck_assert_int_eq(tree_find(live, "db")->since_ms, 1000);
	/* freeing one leaves the other whole (ASan would see a use) */
	tree_free(live);
	ck_assert_str_eq(tree_find(next, "cache")->path, "root/back/cache");
	ck_assert_int_eq(tree_find(next, "cache")->state, ST_RUNNING);
	tree_free(next);
}
END_TEST

static Suite *
treebuild_suite(void)
{
	Suite *s = suite_create("treebuild");
	TCase *tc = tcase_create("build");

	tcase_add_test(tc, nodes_are_in_pre_order_with_kids_and_paths);
	tcase_add_test(tc, each_config_entry_has_its_node_at_the_same_index);
	tcase_add_test(tc, find_accepts_names_and_paths_and_nothing_else);
	tcase_add_test(
	    tc, every_node_of_a_large_tree_is_found_by_name_and_path);
	tcase_add_test(tc, two_trees_side_by_side_share_nothing);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return unit_main(treebuild_suite());
}
