/*
 * start.c - `minicontainer start [-a [-i]] CONTAINER...`: hand created or
 * stopped containers to a monitor of their own (monitor.c); with -a, stay
 * attached to one until it exits, as `docker start -a` does.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "mc.h"
#include "mc_events.h"
#include "mc_monitor.h"

int mc_attach_until_exit(struct mc_container *c, const struct mc_attach_opts *o)
{
	struct mc_error err;
	int code, rc;

	mc_event_container(c, "attach", NULL, NULL);
	rc = mc_attach(c, o, &code, &err);
	if (rc < 0)
		return mc_report(&err);
	if (rc == 1) {
		mc_event_container(c, "detach", NULL, NULL);
		return 0; /* detached: the container goes on */
	}
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
	mc_container_refresh(&c);
	if (strcmp(mc_state_status(&c), "paused") == 0) {
		mc_container_free(&c);
		fprintf(stderr,
		        "minicontainer: cannot start a paused container, try unpause instead\n");
		return MC_EXIT_FAILED;
	}
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

struct start_opts {
	bool attach, interactive;
	const char *detach_keys;
};

static const struct mc_option start_options[] = {
    {"attach", 'a', NULL, "Attach STDOUT/STDERR and forward signals", mc_opt_true,
     offsetof(struct start_opts, attach)},
    {"detach-keys", 0, "string", "Override the key sequence for detaching a container",
     mc_opt_string, offsetof(struct start_opts, detach_keys)},
    {"interactive", 'i', NULL, "Attach container's STDIN", mc_opt_true,
     offsetof(struct start_opts, interactive)},
    {NULL, 0, NULL, NULL, NULL, 0},
};

const struct mc_command mc_cmd_start = {
    .name = "start",
    .usage = "[OPTIONS] CONTAINER [CONTAINER...]",
    .summary = "Start one or more stopped containers",
    .options = start_options,
    .min_args = 1,
    .max_args = -1,
};

int verb_start(int argc, char **argv)
{
	struct start_opts o = {false, false, "ctrl-p,ctrl-q"};
	int first, status;

	if ((status = mc_parse_verb(&mc_cmd_start, &o, argc, argv, &first)) >= 0)
		return status;
	status = 0;
	if ((o.attach || o.interactive) && argc - first > 1)
		return mc_usage_error(mc_current_path,
		                      "you cannot start and attach multiple containers at once");
	for (int i = first; i < argc; i++) {
		int rc =
		    start_one(argv[i], o.attach || o.interactive, o.interactive, o.detach_keys);

		if (rc != 0)
			status = rc;
	}
	return status;
}
