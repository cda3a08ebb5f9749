/*
 * control.h: the control socket (SPEC 6): who may connect, the bounds on
 * what they send, and the commands tendctl sends (SPEC 5), carried out on
 * the live tree. A client never blocks the loop: requests are read and
 * replies written without blocking, long replies are produced as the
 * socket drains, and an events subscriber that stops reading is dropped.
 */
#ifndef TEND_CONTROL_H
#define TEND_CONTROL_H

#include <sys/types.h>

#include <ev.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "events.h"
#include "tree.h"

/* At most this many clients at once (SPEC 6). */
#define CONTROL_MAX_CLIENTS 128
/* A request must arrive whole within this time (SPEC 6). */
#define CONTROL_REQUEST_MS 5000
/* An events subscriber may lag this far behind before it is dropped. */
#define CONTROL_STREAM_MAX (256 * 1024)

/*
 * Take the control socket: path (from -s, else NULL) or the [tend]
 * socket key, else $TEND_SOCKET, else the default of SPEC 5. Holds the
 * lock SOCKET.lock for tend's life; replaces a stale socket; creates the
 * socket with its final mode and group. 0, or -1 with a message in err
 * ("socket /run/tend.sock is in use by another tend (pid 42)").
 */
int control_open(
    const char *path, const struct tend_conf *tc, char *err, size_t errlen);

/*
 * Upgrade (upgrade.h). save: the socket, its lock and the asker's
 * connection (reply_fd, -1: none) into w. load, in the new tend instead
 * of control_open: take them over (before control_start). 0, or -1 and
 * err. control_answer_upgrade, once the state is loaded: tell the asker
 * the upgrade is done, or (failed) why it was not.
 */
struct state_w;
struct state_r;
void control_save(struct state_w *w, int reply_fd);
int control_load(
    struct state_r *r, const struct tend_conf *tc, char *err, size_t errlen);
void control_answer_upgrade(const char *failed);

/* An upgrade under way failed: answer its asker on fd (taken) with why. */
void control_upgrade_failed(int fd, const char *why);
/* Right before the exec: end every events and logs -f stream cleanly
 * (their clients are not handed over). */
void control_end_streams(void);

/* The socket's path (after control_open). */
const char *control_path(void);

/* Start serving on loop, for tree t (borrowed). */
void control_start(struct ev_loop *loop, struct tree *t);

/* After the tree's actions were carried out: finish waiting commands. */
void control_after_run(void);

/* Close every client and the socket; remove the socket and its lock. */
void control_close(void);

/* control.c's listener: events to `tendctl events` streams, output
 * lines to `tendctl logs -f` followers (main.c subscribes it). */
extern const struct events_subscriber control_events;

#endif
