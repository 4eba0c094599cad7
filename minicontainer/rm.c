/* rm.c - `minicontainer rm [-f] CONTAINER...`: remove containers and all they left. */
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "mc_container.h"
#include "mc.h"

struct rm_opts {
	bool force;
};

static const struct mc_option rm_options[] = {
    {"force", 'f', NULL, "Force the removal of a running container (uses SIGKILL)", mc_opt_true,
     offsetof(struct rm_opts, force)},
    {NULL, 0, NULL, NULL, NULL, 0},
};

const struct mc_command mc_cmd_rm = {
    .name = "rm",
    .usage = "[OPTIONS] CONTAINER [CONTAINER...]",
    .summary = "Remove one or more containers",
    .options = rm_options,
    .min_args = 1,
    .max_args = -1,
};

int verb_rm(int argc, char **argv)
{
	struct rm_opts o = {false};
	int first, status = 0;

	if ((status = mc_parse_verb(&mc_cmd_rm, &o, argc, argv, &first)) >= 0)
		return status;
	status = 0;
	for (int i = first; i < argc; i++) {
		struct mc_container c;
		struct mc_error err;

		if (mc_container_load(argv[i], &c, &err) < 0) {
			status = mc_report(&err);
			continue;
		}
		mc_container_refresh(&c);
		if (strcmp(mc_state_status(&c), "running") == 0 && !o.force) {
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
