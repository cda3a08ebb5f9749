/*
 * sdnotify_lib.c: test_ready's program linked with libsystemd, saying
 * it is ready with sd_notify() exactly as a systemd service does.
 *
 * usage: sdnotify_lib PIDS GATE RESULT
 * Appends its pid to PIDS, waits until GATE exists, calls
 * sd_notify(0, "READY=1\nSTATUS=via-libsystemd"), writes what it
 * returned (1: sent) and a newline to RESULT, then waits for ever.
 */
#include <stdio.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	struct timespec pause_ts = {0, 20 * 1000 * 1000};
	FILE *f;
	int r;

	if (argc != 4)
		return 2;
	f = fopen(argv[1], "ae");
	if (f == NULL)
		return 2;
	fprintf(f, "%d\n", (int)getpid());
	fclose(f);
	while (access(argv[2], F_OK) == -1)
		nanosleep(&pause_ts, NULL);
	r = sd_notify(0, "READY=1\nSTATUS=via-libsystemd");
	f = fopen(argv[3], "we");
	if (f == NULL)
		return 2;
	fprintf(f, "%d\n", r);
	fclose(f);
	for (;;)
		pause();
}
