/* cg_options.c - see cg_options.h. */
#include "cg_options.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int parse_integer(const char *text, int64_t *value, struct mc_error *err)
{
	char *end;

	errno = 0;
	*value = strtoll(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0')
		return mc_fail(err, 0, "'%s' is not a whole number", text);
	return 0;
}

static int set_memory(void *target, const char *value, struct mc_error *err)
{
	return cg_parse_size(value, &((struct cg_run *)target)->limits.memory, err);
}

static int set_memory_swap(void *target, const char *value, struct mc_error *err)
{
	struct cg_run *run = target;

	if (strcmp(value, "-1") == 0) { /* Docker: unlimited swap */
		run->limits.memory_swap = -1;
		return 0;
	}
	return cg_parse_size(value, &run->limits.memory_swap, err);
}

static int set_cpus(void *target, const char *value, struct mc_error *err)
{
	return cg_parse_cpus(value, &((struct cg_run *)target)->limits.cpus, err);
}

static int set_cpu_shares(void *target, const char *value, struct mc_error *err)
{
	return parse_integer(value, &((struct cg_run *)target)->limits.cpu_shares, err);
}

static int set_pids_limit(void *target, const char *value, struct mc_error *err)
{
	struct cg_run *run = target;

	if (parse_integer(value, &run->limits.pids, err) < 0)
		return -1;
	/* Docker: 0 and -1 both mean "no limit". */
	if (run->limits.pids == 0)
		run->limits.pids = -1;
	return 0;
}

static int set_blkio_weight(void *target, const char *value, struct mc_error *err)
{
	int64_t w;

	if (parse_integer(value, &w, err) < 0)
		return -1;
	if (w < 10 || w > 1000)
		return mc_fail(err, 0, "must be between 10 and 1000");
	((struct cg_run *)target)->limits.blkio_weight = (int)w;
	return 0;
}

static int set_parent(void *target, const char *value, struct mc_error *err)
{
	(void)err;
	((struct cg_run *)target)->parent = value;
	return 0;
}

static int add_device(void *target, const char *value, struct mc_error *err)
{
	return cg_devices_add_spec(&((struct cg_run *)target)->devices, value, err);
}

const struct mc_option cg_options_table[] = {
    {"memory", 'm', "SIZE", "memory limit (512k, 64m, 1g ...)", set_memory, 0},
    {"memory-swap", 0, "SIZE", "memory plus swap; -1 for unlimited swap", set_memory_swap, 0},
    {"cpus", 0, "N", "CPU time, in CPUs (0.5 = half of one CPU)", set_cpus, 0},
    {"cpu-shares", 0, "N", "relative CPU weight (default 1024)", set_cpu_shares, 0},
    {"pids-limit", 0, "N", "maximum number of processes (-1: unlimited)", set_pids_limit, 0},
    {"blkio-weight", 0, "N", "relative block-I/O weight, 10 to 1000", set_blkio_weight, 0},
    {"cgroup-parent", 0, "PATH", "parent cgroup (default: minicontainer)", set_parent, 0},
    {"device", 0, "DEV", "add a host device: HOST[:CTR][:rwm] (repeatable)", add_device, 0},
    {NULL, 0, NULL, NULL, NULL, 0},
};
