/*
 * upgrade.h: tend replaces itself in place (SPEC 7 Upgrade, SPEC 11
 * Control socket `upgrade` and Live change: Upgrade).
 *
 * The old tend opens the new binary once (O_NOFOLLOW) and checks it (a
 * regular file owned by root or tend's user, not writable by group or
 * others), writes its whole state into a memfd (state.h: each module its
 * section), has the new binary check that state in a child
 * (`--upgrade-check FD`), then executes it in its own process by fexecve
 * of that same descriptor, with `--upgrade-from FD`. The descriptors the
 * state names (pipes, pidfds, sockets) are the only ones kept across the
 * exec. If the check or the exec fails, the old tend goes on; if the new
 * tend cannot load the state, it executes the old binary again (a
 * descriptor of it, opened at start) with the same state and the reason,
 * and that one goes on and tells the asker.
 */
#ifndef TEND_UPGRADE_H
#define TEND_UPGRADE_H

#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "state.h"
#include "tree.h"

/* Section tags, in the order they come. */
enum {
	STATE_TEND = 1,
	STATE_CONTROL,
	STATE_NOTIFY, /* ready.c's notify socket, taken before ready_init */
	STATE_TREE,
	STATE_SUPERVISE,
	STATE_OUTPUT,
	STATE_READY,
	STATE_FDS,    /* every descriptor the others name */
	STATE_LISTEN, /* version 2 on: listen.c's sockets, after STATE_TREE */
};

/* What the tend section carries: read before the tree is built. */
struct upgrade_from {
	char *conf_file; /* the configuration's path */
	char *conf_text; /* its text, as loaded at start */
	size_t conf_len;
	int64_t upgraded_at; /* realtime, seconds */
	uint64_t upgrades;   /* how many so far */
	char *prev_version;  /* the tend that handed over */
	int old_exe_fd;      /* its binary, to go back to; -1 */
	char *failed;        /* set when it came back: why the load failed */
};

/* At start: keep a descriptor of tend's own binary and its path; and
 * the configuration's text as loaded (borrowed until exit). */
void upgrade_init(
    const char *conf_file, const char *conf_text, size_t conf_len);

/* A reload applied text (len bytes, taken: freed by the next one or by
 * upgrade_fini): an upgrade hands that text over, the configuration the
 * running tree reflects, not the file's text at start nor the file as
 * edited since. */
void upgrade_set_conf(char *text, size_t len);

/* tend's exit: a reload's text is let go. */
void upgrade_fini(void);

/* The loop an upgrade's check is watched from (before any upgrade). */
struct ev_loop;
void upgrade_watch(struct ev_loop *loop);

/*
 * Upgrade to path (NULL: the file tend was started from): start the new
 * binary's check of the state, and return while it runs (tend goes on
 * serving meanwhile; see upgrade.c). 0: under way, with a copy of the
 * asker's socket (reply_fd, -1 for SIGUSR2): the new tend answers it, or
 * this one if the upgrade fails later (control_upgrade_failed), and the
 * caller lets its own go without a word. -1 and err: it cannot begin.
 */
int upgrade_start(
    struct tree *t, const char *path, int reply_fd, char *err, size_t errlen);

/* The loop reaped pid: whether it was the check's child (then the
 * upgrade goes on, from the loop). */
bool upgrade_reaped(pid_t pid, int wstatus);

/* Whether an upgrade's check runs (a reload is refused meanwhile: the
 * configuration checked must be the one handed over). */
bool upgrade_busy(void);

/* tend's exit: a check under way is killed and its asker let go. */
void upgrade_stop(void);

/* `tend --upgrade-check FD`: whether this binary can load that state:
 * an exit status (0 yes; 1, and why on stderr). */
int upgrade_check(int fd);

/*
 * `tend --upgrade-from FD`: read and check the state, and its tend
 * section into *from. The state stays mapped for upgrade_load. 0, or -1
 * and err (the caller goes back: upgrade_go_back).
 */
int upgrade_open(int fd, struct upgrade_from *from, char *err, size_t errlen);

/* The control section (before control_start): control_load. */
struct tend_conf;
int upgrade_load_control(const struct tend_conf *tc, char *err, size_t errlen);

/* Free what upgrade_open put in *from. */
void upgrade_from_free(struct upgrade_from *from);

/* Load the other sections into t and the modules (after supervise_init
 * and control_start). 0, or -1 and err. */
int upgrade_load(struct tree *t, char *err, size_t errlen);

/* A load failed: execute the old binary again with the same state and
 * why. Returns only if even that failed. */
void upgrade_go_back(const char *why);

/* The upgrade is done: the state is released. */
void upgrade_done(void);

/* For `tendctl version`: when tend was last upgraded (realtime seconds,
 * 0: never) and how many times. */
int64_t upgrade_last(uint64_t *count);

#endif
