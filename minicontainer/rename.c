/* rename.c - `minicontainer rename CONTAINER NEW_NAME`: a new name in the record, under its lock. */
#include <stdio.h>
#include <string.h>

#include "mc.h"
#include "mc_container.h"

static const struct mc_option no_options[] = {
    {NULL, 0, NULL, NULL, NULL, 0},
};

const struct mc_command mc_cmd_rename = {
    .name = "rename",
    .usage = "CONTAINER NEW_NAME",
    .summary = "Rename a container",
    .options = no_options,
    .min_args = 2,
    .max_args = 2,
};

int verb_rename(int argc, char **argv)
{
	struct mc_container c;
	struct mc_error err;
	int first, rc;

	if ((rc = mc_parse_verb(&mc_cmd_rename, NULL, argc, argv, &first)) >= 0)
		return rc;
	/* docker/cli's words: the new name is checked first, then the daemon's answers wrapped. */
	if (argv[first + 1][0] == '\0') {
		fprintf(stderr, "minicontainer: new name cannot be blank\n");
		return MC_EXIT_FAILED;
	}
	rc = mc_container_load(argv[first], &c, &err);
	if (rc == 0) {
		rc = mc_container_rename(&c, argv[first + 1], &err);
		mc_container_free(&c);
	}
	if (rc < 0) {
		mc_fail_context(&err, "failed to rename container");
		return mc_report(&err);
	}
	return 0;
}
