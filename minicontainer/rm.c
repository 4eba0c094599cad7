/* rm.c - `minicontainer rm [-f] CONTAINER...`: remove containers and all they left. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "mc_container.h"
#include "mc.h"

int verb_rm(int argc, char **argv)
{
	static const struct option options[] = {
	    {"force", no_argument, NULL, 'f'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	bool force = false;
	int opt, status = 0;

	while ((opt = getopt_long(argc, argv, "+fh", options, NULL)) != -1) {
		if (opt == 'f')
			force = true;
		else if (opt == 'h') {
			printf("Usage:  minicontainer rm [OPTIONS] CONTAINER [CONTAINER...]\n\n"
			       "Remove one or more containers\n\nOptions:\n"
			       "  -f, --force   Force the removal of a running container (uses "
			       "SIGKILL)\n");
			return 0;
		} else
			return mc_usage_error("rm", "unknown flag");
	}
	if (optind == argc)
		return mc_usage_error("rm", "\"rm\" requires at least 1 argument");
	for (int i = optind; i < argc; i++) {
		struct mc_container c;
		struct mc_error err;

		if (mc_container_load(argv[i], &c, &err) < 0) {
			status = mc_report(&err);
			continue;
		}
		mc_container_refresh(&c);
		if (strcmp(mc_state_status(&c), "running") == 0 && !force) {
			fprintf(stderr,
			        "minicontainer: cannot remove container %s: container is "
			        "running: stop the container before removing or force remove\n",
			        argv[i]);
			status = MC_EXIT_FAILED;
		} else if (mc_container_remove(&c, &err) < 0) {
			/* (the cgroup's destruction kills a running container's processes) */
			status = mc_report(&err);
		} else {
			printf("%s\n", argv[i]);
		}
		mc_container_free(&c);
	}
	return status;
}
