/*
 * ctltest.h: what the tests of tendctl and the control socket share
 * (test_ctl commands, test_sock socket and auth, test_abuse abusive
 * clients, test_events events and logs): tendctl's answers asserted,
 * status rows, python3 to check JSON, raw socket clients. Every program
 * runs through the harness's runner (th_run, th_ctl, th_stream_*).
 */
#ifndef TEND_CTLTEST_H
#define TEND_CTLTEST_H

#include <stdbool.h>
#include <stddef.h>

#include "harness.h"

/* for anything to happen (th_up waits as long): catches a stall */
#define DEADLINE_MS TH_DEADLINE_MS
#define HOLD_MS 300    /* how long "nothing else happens" is watched */
#define PROMPT_MS 5000 /* a tendctl that must answer at once */

/* s must hold needle (or must not), else the test fails naming what. */
void ct_has(const char *s, const char *needle, const char *what);
void ct_lacks(const char *s, const char *needle, const char *what);

/* D/file (malloc'd). */
char *ct_path(struct th *t, const char *file);

/* th_ctl that must exit want: its output (malloc'd). */
char *ct_ctl(struct th *t, int want, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A th_cond: `tendctl status` exits 0 (arg unused). */
bool ct_status_works(struct th *t, const void *arg);

/* Wait until tend answers (its socket is made before anything starts). */
void ct_answering(struct th *t);

/* tendctl status answers, exit 0, within PROMPT_MS; tend still runs. */
void ct_answers_promptly(struct th *t);

/* What python3 script prints about doc (its stdin); fails if the script
 * fails (when doc is not JSON, say). python3 is there wherever meson
 * is; it checks JSON without a C library. malloc'd. */
char *ct_py(struct th *t, const char *doc, const char *script);

/* ct_py on the output of `tendctl ARGS`, which must exit want. */
char *ct_ctl_py(struct th *t, int want, const char *args, const char *script);

/* One row of `tendctl status`. */
#define CT_COLS 6
struct ct_row {
	char f[CT_COLS][512];
};

/*
 * Parse status output: the header must be the six columns, every row six
 * tokens separated by spaces, and no tab anywhere. Rows into rows (at
 * most max); how many there are.
 */
int ct_parse_status(const char *out, struct ct_row *rows, int max);

/* The row of path (`status path`) is exactly want: "NAME STATE PID
 * UPTIME RESTARTS LAST"; a "*" in want matches any token. */
void ct_assert_row(struct th *t, const char *path, const char *want);

/* A client of D/tend.sock, connected (blocking, close-on-exec). */
int ct_raw_connect(struct th *t);

/* Send what can be sent of p within ms (tend may close first): how much
 * was sent. */
size_t ct_raw_send(int fd, const void *p, size_t n, int ms);

/* Whether a reply is "TEND/1 ERR CODE ..." */
bool ct_is_err_reply(const char *reply, int code);

#endif
