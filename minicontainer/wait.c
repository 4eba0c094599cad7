/*
 * wait.c - `minicontainer wait CONTAINER...`: block until each container
 * stops, then print its exit code, as `docker wait` does.
 *
 * No daemon tells us when a container ends.  The process that watches it
 * (the foreground `run`, or the monitor of a detached one) records the end
 * and then exits, so we wait for *that* process: poll(2) on its pidfd says
 * when it is gone, with no polling of files and no missed wake-up.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "mc.h"
#include "mc_container.h"

/* Wait until nobody watches the container any more; the record then holds its end. */
static int wait_one(const char *what, int *exit_code, struct mc_error *err)
{
	struct mc_container c;
	pid_t monitor;
	int fd;

	for (;;) {
		if (mc_container_load(what, &c, err) < 0)
			return -1;
		mc_container_refresh(&c);
		monitor = mc_container_monitor(&c);
		if (monitor <= 0 ||
		    (!mc_container_running(&c) && strcmp(mc_state_status(&c), "restarting") != 0 &&
		     strcmp(mc_state_status(&c), "created") != 0)) {
			*exit_code = (int)json_integer_value(
			    json_object_get(json_object_get(c.doc, "State"), "ExitCode"));
			mc_container_free(&c);
			return 0;
		}
		mc_container_free(&c);
		fd = (int)syscall(SYS_pidfd_open, monitor, 0);
		if (fd >= 0) {
			struct pollfd p = {fd, POLLIN, 0};

			while (poll(&p, 1, -1) < 0 && errno == EINTR)
				;
			close(fd);
		}
		/* The monitor is gone (or the pid already was): read the record again. */
	}
}

const struct mc_command mc_cmd_wait = {
    .name = "wait",
    .usage = "CONTAINER [CONTAINER...]",
    .summary = "Block until one or more containers stop, then print their exit codes",
    .min_args = 1,
    .max_args = -1,
};

int verb_wait(int argc, char **argv)
{
	int first, status;

	if ((status = mc_parse_verb(&mc_cmd_wait, NULL, argc, argv, &first)) >= 0)
		return status;
	status = 0;
	for (int i = first; i < argc; i++) {
		struct mc_error err;
		int code;

		if (wait_one(argv[i], &code, &err) < 0)
			status = mc_report(&err);
		else
			printf("%d\n", code);
		fflush(stdout);
	}
	return status;
}
