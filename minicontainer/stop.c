/*
 * stop.c - `minicontainer stop` and `minicontainer kill`: signals to a
 * running container's PID 1.  There is no daemon to ask: the record says
 * which process it is, and the process's start time says it is still the
 * same one (mc_container_refresh).  Whoever runs the container - the
 * foreground `run` or the monitor of `start` - sees it exit and records
 * the end.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "mc_container.h"
#include "mc.h"

/* "KILL", "SIGKILL", "9" -> 9; 0 if it is none of these. */
static int parse_signal(const char *text)
{
	char *end;
	long n = strtol(text, &end, 10);

	if (*end == '\0' && n > 0 && n < NSIG)
		return (int)n;
	if (strncasecmp(text, "SIG", 3) == 0)
		text += 3;
	for (int sig = 1; sig < NSIG; sig++) {
		const char *name = sigabbrev_np(sig);

		if (name != NULL && strcasecmp(name, text) == 0)
			return sig;
	}
	return 0;
}

/* Wait up to `seconds` for the container's process to be gone. */
static bool wait_gone(const char *id, double seconds)
{
	for (double waited = 0; waited < seconds; waited += 0.05) {
		struct mc_container c;
		struct mc_error ignored;
		bool running;

		if (mc_container_load(id, &c, &ignored) < 0)
			return true; /* removed (run --rm) */
		mc_container_refresh(&c);
		running = strcmp(mc_state_status(&c), "running") == 0;
		mc_container_free(&c);
		if (!running)
			return true;
		usleep(50000);
	}
	return false;
}

/* Through a pidfd: the very process the record names, never whoever has its pid now. */
static int send_signal(int pidfd, int sig, struct mc_error *err)
{
	if (syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0 && errno != ESRCH)
		return mc_fail(err, errno, "pidfd_send_signal(%s)", sigabbrev_np(sig) ?: "?");
	return 0;
}

static int signal_container(const char *what, int sig, double grace, struct mc_error *err)
{
	struct mc_container c;
	int pidfd = -1, rc = -1;

	if (mc_container_load(what, &c, err) < 0)
		return -1;
	mc_container_refresh(&c);
	if (strcmp(mc_state_status(&c), "running") != 0 ||
	    (pidfd = mc_container_pidfd(&c, err)) < 0) {
		/* Docker: stopping a stopped container is fine, killing one is an error. */
		rc = grace >= 0 ? 0 : mc_fail(err, 0, "container %s is not running", what);
		goto out;
	}
	if (send_signal(pidfd, sig, err) < 0)
		goto out;
	/* stop: SIGTERM, a grace period, then SIGKILL - which PID 1 cannot ignore. */
	if (grace >= 0 && !wait_gone(c.id, grace)) {
		if (send_signal(pidfd, SIGKILL, err) < 0)
			goto out;
		wait_gone(c.id, 10);
	}
	rc = 0;
out:
	if (pidfd >= 0)
		close(pidfd);
	mc_container_free(&c);
	return rc;
}

int verb_kill(int argc, char **argv)
{
	static const struct option options[] = {
	    {"signal", required_argument, NULL, 's'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int opt, sig = SIGKILL, status = 0;

	while ((opt = getopt_long(argc, argv, "+s:h", options, NULL)) != -1) {
		if (opt == 's') {
			sig = parse_signal(optarg);
			if (sig == 0)
				return mc_usage_error("kill", "invalid signal: %s", optarg);
		} else if (opt == 'h') {
			printf("Usage:  minicontainer kill [OPTIONS] CONTAINER [CONTAINER...]\n\n"
			       "Kill one or more running containers\n\nOptions:\n"
			       "  -s, --signal string   Signal to send to the container (default "
			       "\"KILL\")\n");
			return 0;
		} else {
			return mc_usage_error("kill", "unknown flag");
		}
	}
	if (optind == argc)
		return mc_usage_error("kill", "\"kill\" requires at least 1 argument");
	for (int i = optind; i < argc; i++) {
		struct mc_error err;

		if (signal_container(argv[i], sig, -1, &err) < 0)
			status = mc_report(&err);
		else
			printf("%s\n", argv[i]);
	}
	return status;
}

int verb_stop(int argc, char **argv)
{
	static const struct option options[] = {
	    {"time", required_argument, NULL, 't'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	double grace = 10;
	int opt, status = 0;
	char *end;

	while ((opt = getopt_long(argc, argv, "+t:h", options, NULL)) != -1) {
		if (opt == 't') {
			grace = strtod(optarg, &end);
			if (*end != '\0' || grace < 0)
				return mc_usage_error("stop", "invalid time: %s", optarg);
		} else if (opt == 'h') {
			printf(
			    "Usage:  minicontainer stop [OPTIONS] CONTAINER [CONTAINER...]\n\n"
			    "Stop one or more running containers: SIGTERM, then SIGKILL after a "
			    "grace period\n\nOptions:\n"
			    "  -t, --time int   Seconds to wait before killing it (default 10)\n");
			return 0;
		} else {
			return mc_usage_error("stop", "unknown flag");
		}
	}
	if (optind == argc)
		return mc_usage_error("stop", "\"stop\" requires at least 1 argument");
	for (int i = optind; i < argc; i++) {
		struct mc_error err;

		if (signal_container(argv[i], SIGTERM, grace, &err) < 0)
			status = mc_report(&err);
		else
			printf("%s\n", argv[i]);
	}
	return status;
}

/* `minicontainer logs`: what a container started without -a wrote. */
int verb_logs(int argc, char **argv)
{
	struct mc_container c;
	struct mc_error err;
	char path[600], buf[65536];
	FILE *f;
	size_t n;

	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		printf("Usage:  minicontainer logs CONTAINER\n\n"
		       "Fetch the output of a container started in the background\n");
		return 0;
	}
	if (argc != 2)
		return mc_usage_error("logs", "\"logs\" requires exactly 1 argument");
	if (mc_container_load(argv[1], &c, &err) < 0)
		return mc_report(&err);
	snprintf(path, sizeof(path), "%s/container.log", c.dir);
	mc_container_free(&c);
	f = fopen(path, "re");
	if (f == NULL)
		return 0; /* never started in the background: nothing was logged */
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, stdout);
	fclose(f);
	return 0;
}
