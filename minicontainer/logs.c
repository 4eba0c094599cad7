/*
 * logs.c - `minicontainer logs [OPTIONS] CONTAINER`: what a container wrote
 * on stdout and stderr, from its log (mc_log.h), as `docker logs` shows it:
 * each stream back to where it came from, -t timestamps, --tail N, --since
 * and --until, -f to follow it until the container stops.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mc.h"
#include "mc_container.h"
#include "mc_log.h"

static const char usage[] =
    "Usage:  minicontainer logs [OPTIONS] CONTAINER\n\n"
    "Fetch the logs of a container\n\nOptions:\n"
    "  -f, --follow         Follow log output\n"
    "      --since string   Show logs since timestamp (e.g. \"2013-01-02T13:23:37Z\") or\n"
    "                       relative (e.g. \"42m\" for 42 minutes)\n"
    "  -n, --tail string    Number of lines to show from the end of the logs (default \"all\")\n"
    "  -t, --timestamps     Show timestamps\n"
    "      --until string   Show logs before a timestamp (e.g. \"2013-01-02T13:23:37Z\") or\n"
    "                       relative (e.g. \"42m\" for 42 minutes)\n";

int verb_logs(int argc, char **argv)
{
	static const struct option options[] = {
	    {"follow", no_argument, NULL, 'f'},
	    {"since", required_argument, NULL, 'S'},
	    {"tail", required_argument, NULL, 'n'},
	    {"timestamps", no_argument, NULL, 't'},
	    {"until", required_argument, NULL, 'U'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct mc_log_read r = {true, true, false, -1, 0, 0, false, 0, stdout, stderr};
	char path[PATH_MAX + 80], *end;
	struct mc_container c;
	struct mc_error err;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "fn:th", options, NULL)) != -1) {
		switch (opt) {
		case 'f':
			r.follow = true;
			break;
		case 't':
			r.timestamps = true;
			break;
		case 'n':
			if (strcmp(optarg, "all") == 0) {
				r.tail = -1;
				break;
			}
			r.tail = strtol(optarg, &end, 10);
			/* Docker takes a negative number as "all", anything else is an error. */
			if (*end != '\0' || end == optarg)
				return mc_usage_error("logs", "invalid value for \"tail\": %s",
				                      optarg);
			if (r.tail < 0)
				r.tail = -1;
			break;
		case 'S':
		case 'U':
			if (mc_log_parse_time(optarg, time(NULL),
			                      opt == 'S' ? &r.since_ns : &r.until_ns, &err) < 0)
				return mc_usage_error("logs", "%s", err.msg);
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			return mc_usage_error("logs", "unknown flag: %s", argv[optind - 1]);
		}
	}
	if (argc - optind != 1)
		return mc_usage_error("logs", "\"logs\" requires exactly 1 argument");
	if (mc_container_load(argv[optind], &c, &err) < 0)
		return mc_report(&err);
	mc_container_refresh(&c);
	snprintf(path, sizeof(path), "%s/%s-json.log", c.dir, c.id);
	r.monitor = mc_container_monitor(&c);
	mc_container_free(&c);
	rc = mc_log_print(path, &r, &err);
	return rc < 0 ? mc_report(&err) : 0;
}
