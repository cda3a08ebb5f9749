/*
 * slowcheck.c: a new tend whose check of the state takes its time, for
 * test_upgrade. Run as `slowcheck --upgrade-check FD` (the check), it
 * writes its pid to $TEND_TEST_DIR/check.started, waits until
 * $TEND_TEST_DIR/check.go exists (30 s at most), then runs $TEND_BIN with
 * the same arguments: the real check. Run any other way (the upgrade's
 * exec), it runs $TEND_BIN at once, in the same process.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void
wait_for_go(const char *dir)
{
	struct timespec tick = {0, 10 * 1000 * 1000};
	char path[PATH_MAX];
	FILE *f;
	int i;

	snprintf(path, sizeof(path), "%s/check.started", dir);
	f = fopen(path, "we");
	if (f != NULL) {
		fprintf(f, "%d\n", (int)getpid());
		fclose(f);
	}
	snprintf(path, sizeof(path), "%s/check.go", dir);
	for (i = 0; i < 3000 && access(path, F_OK) != 0; i++)
		nanosleep(&tick, NULL);
}

int
main(int argc, char **argv)
{
	const char *dir = getenv("TEND_TEST_DIR"), *bin = getenv("TEND_BIN");

	if (bin == NULL) {
		fprintf(stderr, "slowcheck: TEND_BIN is not set\n");
		return 127;
	}
	if (argc > 1 && strcmp(argv[1], "--upgrade-check") == 0 && dir != NULL)
		wait_for_go(dir);
	execv(bin, argv);
	fprintf(stderr, "slowcheck: cannot run %s: %s\n", bin, strerror(errno));
	return 127;
}
