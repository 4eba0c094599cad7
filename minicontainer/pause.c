/*
 * pause.c - `minicontainer pause` and `unpause`: chapter 02's freezer.  Every
 * process of the container stops where it is (it cannot even notice: no
 * signal is sent) until the cgroup is thawed.  The record says "paused" in
 * between, as Docker's does; ps shows "Up 5 minutes (Paused)".
 */
#include <stdio.h>

#include "mc.h"
#include "mc_container.h"

static const struct mc_option no_options[] = {
    {NULL, 0, NULL, NULL, NULL, 0},
};

const struct mc_command mc_cmd_pause = {
    .name = "pause",
    .usage = "CONTAINER [CONTAINER...]",
    .summary = "Pause all processes within one or more containers",
    .options = no_options,
    .min_args = 1,
    .max_args = -1,
};

const struct mc_command mc_cmd_unpause = {
    .name = "unpause",
    .usage = "CONTAINER [CONTAINER...]",
    .summary = "Unpause all processes within one or more containers",
    .options = no_options,
    .min_args = 1,
    .max_args = -1,
};

static int set_paused(struct mc_container *c, const char *what, void *arg, struct mc_error *err)
{
	(void)what;
	return mc_container_set_paused(c, *(bool *)arg, err);
}

static int pause_all(const struct mc_command *cmd, bool paused, int argc, char **argv)
{
	int first, status;

	if ((status = mc_parse_verb(cmd, NULL, argc, argv, &first)) >= 0)
		return status;
	return mc_each_container(first, argc, argv, set_paused, &paused);
}

int verb_pause(int argc, char **argv)
{
	return pause_all(&mc_cmd_pause, true, argc, argv);
}

int verb_unpause(int argc, char **argv)
{
	return pause_all(&mc_cmd_unpause, false, argc, argv);
}
