/*
 * statefile.h: the small file tend keeps beside its control socket
 * (SOCKET.state) so that a tend started after its predecessor was killed
 * finds the programs that predecessor left (SPEC 7 Restart after a
 * crash, SPEC 11 After a crash of tend). One line per running program:
 *
 *     tend-state 1
 *     PID PGID STARTTIME PATH
 *
 * STARTTIME is field 22 of /proc/PID/stat (clock ticks since boot): with
 * the pid and the process group it tells the program from an unrelated
 * process that was given the same pid later. Pure: text in, text out.
 */
#ifndef TEND_STATEFILE_H
#define TEND_STATEFILE_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#define STATEFILE_VERSION 1

struct statefile_entry {
	pid_t pid;
	pid_t pgid;
	uint64_t start; /* /proc/PID/stat field 22 */
	char *path;     /* "root/back/db", owned */
};

struct statefile {
	struct statefile_entry *v;
	size_t n, cap;
};

/* The first line of the file, with its newline. */
const char *statefile_header(void);

/*
 * One entry's line (with its newline) into buf: its length, or -1 if it
 * does not fit or path holds a newline.
 */
int statefile_format(char *buf, size_t size, pid_t pid, pid_t pgid,
    uint64_t start, const char *path);

/*
 * Parse a whole file's text into *sf (zeroed by the caller; entries
 * appended). 0; -1 with errno EINVAL when the text is not such a file
 * (another version, a malformed line: nothing is appended then), ENOMEM.
 */
int statefile_parse(const char *text, size_t len, struct statefile *sf);

/* Free the entries of *sf and zero it. */
void statefile_free(struct statefile *sf);

/*
 * Field 22 (start time) and field 5 (process group) and the state letter
 * of a /proc/PID/stat text. 0, or -1 if it cannot be read (a comm holding
 * ") " is handled: the fields are counted from the last ')').
 */
int statefile_parse_stat(
    const char *stat, uint64_t *start, pid_t *pgid, char *state);

#endif
