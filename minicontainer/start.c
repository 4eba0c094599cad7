/*
 * start.c - `minicontainer start [-a [-i]] CONTAINER...`: hand created or
 * stopped containers to a monitor of their own (monitor.c); with -a, stay
 * attached to one until it exits, as `docker start -a` does.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "mc.h"
#include "mc_monitor.h"

int mc_attach_until_exit(struct mc_container *c, const struct mc_attach_opts *o)
{
	struct mc_error err;
	int code, rc = mc_attach(c, o, &code, &err);

	if (rc < 0)
		return mc_report(&err);
	if (rc == 1)
		return 0; /* detached: the container goes on */
	if (code < 0) {
		/* The monitor went without a word (killed): the record has the end, if any. */
		struct mc_container now;

		if (mc_container_load(c->id, &now, &err) < 0)
			return MC_EXIT_FAILED;
		mc_container_refresh(&now);
		code = (int)json_integer_value(
		    json_object_get(json_object_get(now.doc, "State"), "ExitCode"));
		mc_container_free(&now);
	}
	return code;
}

static int start_one(const char *what, bool attach, bool interactive, const char *detach_keys)
{
	struct mc_container c;
	struct mc_error err;
	bool running;
	int status;

	if (mc_container_load(what, &c, &err) < 0)
		return mc_report(&err);
	/* Ours, under the lock: a second `start` racing with this one gets an error. */
	if (mc_container_claim(&c, &running, &err) < 0) {
		mc_container_free(&c);
		return mc_report(&err);
	}
	if (running) {
		mc_container_free(&c);
		if (!attach)
			printf("%s\n", what);
		return 0; /* Docker: starting a running container is not an error */
	}
	status = mc_monitor_spawn(&c, attach, NULL, 0);
	if (status == 0 && attach) {
		json_t *config = json_object_get(c.doc, "Config");
		struct mc_attach_opts o = {
		    .stdin = interactive && json_is_true(json_object_get(config, "OpenStdin")),
		    .tty = json_is_true(json_object_get(config, "Tty")),
		    .sig_proxy = !json_is_true(json_object_get(config, "Tty")),
		    .detach_keys = detach_keys,
		};

		status = mc_attach_until_exit(&c, &o);
	} else if (status == 0) {
		printf("%s\n", what);
	}
	mc_container_free(&c);
	return status;
}

int verb_start(int argc, char **argv)
{
	static const struct option options[] = {
	    {"attach", no_argument, NULL, 'a'},
	    {"interactive", no_argument, NULL, 'i'},
	    {"detach-keys", required_argument, NULL, 'k'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *detach_keys = "ctrl-p,ctrl-q";
	bool attach = false, interactive = false;
	int opt, status = 0;

	while ((opt = getopt_long(argc, argv, "aih", options, NULL)) != -1) {
		if (opt == 'a')
			attach = true;
		else if (opt == 'i')
			interactive = true;
		else if (opt == 'k')
			detach_keys = optarg;
		else if (opt == 'h') {
			printf("Usage:  minicontainer start [OPTIONS] CONTAINER [CONTAINER...]\n\n"
			       "Start one or more stopped containers\n\nOptions:\n"
			       "  -a, --attach               Attach STDOUT/STDERR and forward "
			       "signals\n"
			       "      --detach-keys string   Override the key sequence for "
			       "detaching a "
			       "container\n"
			       "  -i, --interactive          Attach container's STDIN\n");
			return 0;
		} else
			return mc_usage_error("start", "unknown flag: %s", argv[optind - 1]);
	}
	if (optind == argc)
		return mc_usage_error("start", "\"start\" requires at least 1 argument");
	if ((attach || interactive) && argc - optind > 1)
		return mc_usage_error("start", "you cannot start and attach multiple containers at "
		                               "once");
	for (int i = optind; i < argc; i++) {
		int rc = start_one(argv[i], attach || interactive, interactive, detach_keys);

		if (rc != 0)
			status = rc;
	}
	return status;
}
