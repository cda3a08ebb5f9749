/*
 * reload.h: a reload (SIGHUP, `tendctl reload`; SPEC 7 Reload): the file
 * is read and checked whole as at start, compared with the running
 * configuration (diff.c), and, unless it is a dry run, the live tree is
 * brought to it (tree_reload, supervise_reload). An invalid file, a key
 * that needs a restart of tend, an address that cannot be bound, or a
 * reload while a sequence runs changes nothing.
 */
#ifndef TEND_RELOAD_H
#define TEND_RELOAD_H

#include <stdbool.h>
#include <stddef.h>

#include "proto.h"

/* The file to read again (borrowed: main's -c). */
void reload_init(const char *conf_path);

/*
 * Reload (or, with dry_run, only compare). The plan goes to out as
 * records: "change" (path, name, action, key) for each name that changes,
 * then "counts" (started, stopped, restarted, updated, moved, unchanged,
 * dry_run). 0; or -1 and *why (malloc'd, freed by the caller) says why
 * nothing changed: the file's problems as FILE:LINE: message, one a
 * line, or the reason.
 */
int reload_run(bool dry_run, struct buf *out, char **why);

/* SIGHUP: reload, and say in tend's log what happened. */
void reload_on_signal(void);

#endif
