/*
 * tendctl.c: the client of tend's control socket (SPEC 5). The socket
 * lands with its own issue; until then every command that needs it says
 * so and exits 4, as when tend cannot be reached.
 */
#include <stdio.h>
#include <string.h>

static void
usage(FILE *to)
{
	fprintf(to, "usage: tendctl [-s SOCKET] [--json] [--timeout DURATION] "
		    "COMMAND [ARG...]\n"
		    "commands: status tree start stop restart signal kill pid "
		    "events health logs\n"
		    "          reload upgrade top inspect shutdown version help\n");
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "version") == 0 ||
	    strcmp(argv[1], "--version") == 0) {
		printf("tendctl %s\n", TEND_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "tendctl: %s: the control socket is not supported "
			"yet\n",
	    argv[1]);
	return 4;
}
