/*
 * notify.h: one datagram of systemd's sd_notify protocol, read into a
 * struct (SPEC 11 Notify). Pure: no system call, no allocation; the
 * socket, its credentials and its descriptors are ready.c's.
 *
 * A datagram is lines of KEY=VALUE. Known: READY=1, STATUS=TEXT,
 * WATCHDOG=1 (WATCHDOG=trigger: fail at once), STOPPING=1, RELOADING=1,
 * MAINPID=N, EXTEND_TIMEOUT_USEC=N, BARRIER=1. Anything else, a known
 * key with a value it does not take included, is ignored, as systemd
 * does.
 */
#ifndef TEND_NOTIFY_H
#define TEND_NOTIFY_H

#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A datagram longer than this is cut (systemd's bound, PIPE_BUF). */
#define NOTIFY_MAX 4096

struct notify_msg {
	bool ready;            /* READY=1 */
	bool watchdog;         /* WATCHDOG=1 */
	bool watchdog_trigger; /* WATCHDOG=trigger */
	bool stopping;         /* STOPPING=1 */
	bool reloading;        /* RELOADING=1 */
	bool barrier;          /* BARRIER=1 */
	bool has_status;
	const char *status; /* STATUS=: points into the datagram; not
	                     * terminated, status_len bytes */
	size_t status_len;
	pid_t mainpid; /* MAINPID=; 0: not given */
	bool has_extend;
	uint64_t extend_usec; /* EXTEND_TIMEOUT_USEC= */
};

/*
 * Read the datagram buf (len bytes) into m. A key given twice counts
 * the last time. 0, or -1 (errno EINVAL) for a datagram systemd refuses
 * too: empty, or holding a NUL byte.
 */
int notify_parse(const char *buf, size_t len, struct notify_msg *m);

#endif
