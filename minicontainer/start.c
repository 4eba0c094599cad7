/*
 * start.c - `minicontainer start [-a] CONTAINER`.  With -a the container runs
 * in the foreground, like run.  Without, there is no daemon to hand it to: a
 * monitor process of our own, detached from the terminal, runs it and
 * records its end; its output goes to the container's log file.
 */
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mc_launch.h"
#include "mc.h"

int mc_start_detached(struct mc_container *c)
{
	char log[600];
	pid_t pid;
	int status;

	snprintf(log, sizeof(log), "%s/container.log", c->dir);
	pid = fork();
	if (pid < 0)
		return MC_EXIT_FAILED;
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

		/* A second fork and a new session: the monitor is nobody's child here
		 * and survives our exit and the terminal's. */
		if (fd < 0 || null < 0 || setsid() < 0)
			_exit(1);
		if (fork() != 0)
			_exit(0);
		dup2(null, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		_exit(mc_launch(c, false, NULL, 0));
	}
	waitpid(pid, &status, 0);
	/* Wait until the monitor has recorded "running" (or failed). */
	for (int i = 0; i < 500; i++) {
		struct mc_container now;
		struct mc_error ignored;
		const char *s;

		if (mc_container_load(c->id, &now, &ignored) < 0)
			break;
		s = mc_state_status(&now);
		if (strcmp(s, "created") != 0) {
			int code =
			    strcmp(s, "exited") == 0 &&
			            json_integer_value(json_object_get(
			                json_object_get(now.doc, "State"), "ExitCode")) >= 125
			        ? MC_EXIT_FAILED
			        : 0;

			if (code != 0)
				fprintf(stderr, "minicontainer: %s\n",
				        json_string_value(json_object_get(
				            json_object_get(now.doc, "State"), "Error")));
			mc_container_free(&now);
			return code;
		}
		mc_container_free(&now);
		usleep(10000);
	}
	return 0;
}

int verb_start(int argc, char **argv)
{
	static const struct option options[] = {
	    {"attach", no_argument, NULL, 'a'},
	    {"interactive", no_argument, NULL, 'i'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	bool attach = false, interactive = false, running;
	struct mc_container c;
	struct mc_error err;
	int opt, status;

	while ((opt = getopt_long(argc, argv, "+aih", options, NULL)) != -1) {
		if (opt == 'a')
			attach = true;
		else if (opt == 'i')
			interactive = true;
		else if (opt == 'h') {
			printf(
			    "Usage:  minicontainer start [OPTIONS] CONTAINER\n\n"
			    "Start a created or stopped container\n\nOptions:\n"
			    "  -a, --attach        Attach STDOUT/STDERR (run in the foreground)\n"
			    "  -i, --interactive   Attach the container's STDIN\n");
			return 0;
		} else
			return mc_usage_error("start", "unknown flag");
	}
	if (argc - optind != 1)
		return mc_usage_error("start", "\"start\" requires exactly 1 argument");
	if (mc_container_load(argv[optind], &c, &err) < 0)
		return mc_report(&err);
	/* Ours, under the lock: a second `start` racing with this one gets an error. */
	if (mc_container_claim(&c, &running, &err) < 0) {
		mc_container_free(&c);
		return mc_report(&err);
	}
	if (running) {
		mc_container_free(&c);
		printf("%s\n", argv[optind]);
		return 0; /* Docker: starting a running container is not an error */
	}
	if (attach)
		status = mc_launch(&c, interactive, NULL, 0);
	else {
		status = mc_start_detached(&c);
		if (status == 0)
			printf("%s\n", argv[optind]);
	}
	mc_container_free(&c);
	return status;
}
