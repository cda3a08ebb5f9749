/*
 * notifier.c: test_ready's program that speaks sd_notify with raw
 * datagrams to $NOTIFY_SOCKET (a path, or @name in the abstract
 * namespace), step by step as its arguments say:
 *
 *   pid:FILE     append its pid to FILE
 *   env:FILE     write NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID, one
 *                "KEY=VALUE" line each ("KEY=" when absent), and its pid
 *                as "PID=N", to FILE (atomically)
 *   gate:FILE    wait until FILE exists
 *   sleep:MS     wait MS milliseconds
 *   send:TEXT    send TEXT, '|' standing for a newline (exit 3 if the
 *                send fails)
 *   ping:MS      send WATCHDOG=1 every MS milliseconds, for ever
 *   trap:FILE    from now on, append the name of each of ABRT, TERM,
 *                INT, HUP it gets to FILE and go on (a stop must then
 *                escalate to SIGKILL)
 *   exit:N       exit with status N
 *
 * After the last step it waits for ever.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *trap_file;

static void
sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static void
append(const char *file, const char *text)
{
	int fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);

	if (fd == -1)
		return;
	(void)!write(fd, text, strlen(text));
	close(fd);
}

static void
on_signal(int sig)
{
	const char *name = sig == SIGABRT   ? "ABRT\n"
	                   : sig == SIGTERM ? "TERM\n"
	                   : sig == SIGINT  ? "INT\n"
	                                    : "HUP\n";

	append(trap_file, name); /* open, write, close: safe here */
}

static int
send_text(const char *text)
{
	const char *addr = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa;
	char buf[4096];
	size_t i, alen;
	int fd, r;

	if (addr == NULL || strlen(addr) >= sizeof(sa.sun_path))
		return -1;
	for (i = 0; text[i] != '\0' && i < sizeof(buf); i++)
		buf[i] = text[i] == '|' ? '\n' : text[i];
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	alen = strlen(addr);
	memcpy(sa.sun_path, addr, alen);
	if (addr[0] == '@')
		sa.sun_path[0] = '\0';
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	r = (int)sendto(fd, buf, i, 0, (struct sockaddr *)&sa,
	    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + alen));
	close(fd);
	return r == -1 ? -1 : 0;
}

static void
write_env(const char *file)
{
	static const char *const keys[] = {
	    "NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"};
	char tmp[4096], text[4096];
	size_t i, len = 0;
	FILE *f;

	for (i = 0; i < 3; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len,
		    "%s=%s\n", keys[i], getenv(keys[i]) ? getenv(keys[i]) : "");
	snprintf(text + len, sizeof(text) - len, "PID=%d\n", (int)getpid());
	snprintf(tmp, sizeof(tmp), "%s.tmp", file);
	f = fopen(tmp, "we");
	if (f == NULL)
		exit(4);
	fputs(text, f);
	if (fclose(f) != 0 || rename(tmp, file) != 0)
		exit(4);
}

static void
step(const char *s)
{
	char line[32];

	if (strncmp(s, "pid:", 4) == 0) {
		snprintf(line, sizeof(line), "%d\n", (int)getpid());
		append(s + 4, line);
	} else if (strncmp(s, "env:", 4) == 0) {
		write_env(s + 4);
	} else if (strncmp(s, "gate:", 5) == 0) {
		while (access(s + 5, F_OK) == -1)
			sleep_ms(10);
	} else if (strncmp(s, "sleep:", 6) == 0) {
		sleep_ms(atol(s + 6));
	} else if (strncmp(s, "send:", 5) == 0) {
		if (send_text(s + 5) == -1)
			exit(3);
	} else if (strncmp(s, "ping:", 5) == 0) {
		for (;;) {
			(void)send_text("WATCHDOG=1");
			sleep_ms(atol(s + 5));
		}
	} else if (strncmp(s, "trap:", 5) == 0) {
		struct sigaction sa;

		trap_file = s + 5;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_signal;
		sigaction(SIGABRT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGHUP, &sa, NULL);
	} else if (strncmp(s, "exit:", 5) == 0) {
		exit(atoi(s + 5));
	} else {
		fprintf(stderr, "notifier: unknown step %s\n", s);
		exit(2);
	}
}

int
main(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		step(argv[i]);
	for (;;)
		pause();
}
