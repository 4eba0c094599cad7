/*
 * logs.c - `minicontainer logs [OPTIONS] CONTAINER`: what a container wrote
 * on stdout and stderr, from its log (mc_log.h), as `docker logs` shows it:
 * each stream back to where it came from, -t timestamps, --tail N, --since
 * and --until, -f to follow it until the container stops.
 */
#define _GNU_SOURCE
#include <stddef.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mc.h"
#include "mc_container.h"
#include "mc_log.h"

static int opt_tail(void *field, const char *value, struct mc_error *err)
{
	long *tail = field;
	char *end;

	if (strcmp(value, "all") == 0) {
		*tail = -1;
		return 0;
	}
	*tail = strtol(value, &end, 10);
	/* Docker takes a negative number as "all", anything else is an error. */
	if (*end != '\0' || end == value)
		return mc_fail(err, 0, "not a number of lines, nor \"all\"");
	if (*tail < 0)
		*tail = -1;
	return 0;
}

static int opt_time(void *field, const char *value, struct mc_error *err)
{
	return mc_log_parse_time(value, time(NULL), field, err);
}

static const struct mc_option logs_options[] = {
    {"follow", 'f', NULL, "Follow log output", mc_opt_true, offsetof(struct mc_log_read, follow)},
    {"since", 0, "string",
     "Show logs since timestamp (e.g. \"2013-01-02T13:23:37Z\") or relative\n"
     "(e.g. \"42m\" for 42 minutes)",
     opt_time, offsetof(struct mc_log_read, since_ns)},
    {"tail", 'n', "string", "Number of lines to show from the end of the logs (default \"all\")",
     opt_tail, offsetof(struct mc_log_read, tail)},
    {"timestamps", 't', NULL, "Show timestamps", mc_opt_true,
     offsetof(struct mc_log_read, timestamps)},
    {"until", 0, "string",
     "Show logs before a timestamp (e.g. \"2013-01-02T13:23:37Z\") or relative\n"
     "(e.g. \"42m\" for 42 minutes)",
     opt_time, offsetof(struct mc_log_read, until_ns)},
    {NULL, 0, NULL, NULL, NULL, 0},
};

const struct mc_command mc_cmd_logs = {
    .name = "logs",
    .usage = "[OPTIONS] CONTAINER",
    .summary = "Fetch the logs of a container",
    .options = logs_options,
    .min_args = 1,
    .max_args = 1,
};

int verb_logs(int argc, char **argv)
{
	struct mc_log_read r = {true, true, false, -1, 0, 0, false, 0, stdout, stderr};
	char path[PATH_MAX + 80];
	struct mc_container c;
	struct mc_error err;
	int rc, first;

	if ((rc = mc_parse_verb(&mc_cmd_logs, &r, argc, argv, &first)) >= 0)
		return rc;
	if (mc_container_load(argv[first], &c, &err) < 0)
		return mc_report(&err);
	mc_container_refresh(&c);
	snprintf(path, sizeof(path), "%s/%s-json.log", c.dir, c.id);
	r.monitor = mc_container_monitor(&c);
	mc_container_free(&c);
	rc = mc_log_print(path, &r, &err);
	return rc < 0 ? mc_report(&err) : 0;
}
