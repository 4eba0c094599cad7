/* rm.c - `minicontainer rm [-f] [-v] CONTAINER...`: remove containers and all they left. */
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "mc_container.h"
#include "mc.h"
#include "mc_volume.h"

struct rm_opts {
	bool force, volumes;
};

static const struct mc_option rm_options[] = {
    {"force", 'f', NULL, "Force the removal of a running container (uses SIGKILL)", mc_opt_true,
     offsetof(struct rm_opts, force)},
    {"volumes", 'v', NULL, "Remove anonymous volumes associated with the container", mc_opt_true,
     offsetof(struct rm_opts, volumes)},
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

static int remove_one(struct mc_container *c, const char *what, void *arg, struct mc_error *err)
{
	const struct rm_opts *o = arg;

	if (strcmp(mc_state_status(c), "paused") == 0 && !o->force)
		/* moby's daemon/delete.go */
		return mc_fail(err, 0,
		               "You cannot remove a paused container %s. Unpause and then stop the "
		               "container before attempting removal or force remove",
		               c->id);
	if (strcmp(mc_state_status(c), "running") == 0 && !o->force)
		return mc_fail(err, 0,
		               "cannot remove container %s: container is running: stop the "
		               "container before removing or force remove",
		               what);
	/* (the cgroup's destruction kills a running container's processes) */
	if (mc_container_remove(c, err) < 0)
		return -1;
	/* -v: its anonymous volumes too, once no record mounts them (named ones stay). */
	if (o->volumes)
		mc_volumes_release(c->doc);
	return 0;
}

int verb_rm(int argc, char **argv)
{
	struct rm_opts o = {false};
	int first, status;

	if ((status = mc_parse_verb(&mc_cmd_rm, &o, argc, argv, &first)) >= 0)
		return status;
	return mc_each_container(first, argc, argv, remove_one, &o);
}
