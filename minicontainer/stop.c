/*
 * stop.c - `minicontainer stop`, `kill` and `restart`: signals to a
 * container's first process.  There is no daemon to ask: the record says
 * which process it is (checked through a pidfd, so a reused pid is never
 * hit), and the container's monitor sees it exit and records the end.
 *
 * A restart policy must not undo a stop: the record says "stopped by hand"
 * before the signal goes (Docker's HasBeenManuallyStopped), and a monitor
 * waiting out a back-off is woken to give up.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "mc.h"
#include "mc_container.h"
#include "mc_events.h"
#include "mc_monitor.h"

int mc_parse_signal(const char *text)
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

/* The container's stop signal: --stop-signal, or the image's STOPSIGNAL, or SIGTERM. */
static int stop_signal_of(const struct mc_container *c)
{
	const char *s =
	    json_string_value(json_object_get(json_object_get(c->doc, "Config"), "StopSignal"));
	int sig = s != NULL ? mc_parse_signal(s) : 0;

	return sig > 0 ? sig : SIGTERM;
}

/* Seconds `stop` waits: -t, else --stop-timeout, else 10. */
static int stop_timeout_of(const struct mc_container *c, int given)
{
	json_t *t = json_object_get(json_object_get(c->doc, "Config"), "StopTimeout");

	if (given >= 0)
		return given;
	return json_is_integer(t) ? (int)json_integer_value(t) : 10;
}

/*
 * Wait up to `seconds` (-1: for ever) until nobody watches the container any
 * more: its monitor records the end and exits.  true when it is done.
 */
static bool wait_done(const char *id, int seconds)
{
	struct timespec start, now;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		struct mc_container c;
		struct mc_error ignored;
		pid_t monitor;
		int fd, left;

		if (mc_container_load(id, &c, &ignored) < 0)
			return true; /* removed (--rm) */
		mc_container_refresh(&c);
		monitor = mc_container_monitor(&c);
		if (monitor <= 0 && !mc_container_running(&c)) {
			mc_container_free(&c);
			return true;
		}
		mc_container_free(&c);
		clock_gettime(CLOCK_MONOTONIC, &now);
		left = seconds < 0
		           ? 1000
		           : seconds * 1000 - (int)((now.tv_sec - start.tv_sec) * 1000 +
		                                    (now.tv_nsec - start.tv_nsec) / 1000000);
		if (left <= 0)
			return false;
		fd = monitor > 0 ? (int)syscall(SYS_pidfd_open, monitor, 0) : -1;
		if (fd >= 0) {
			struct pollfd p = {fd, POLLIN, 0};

			poll(&p, 1, left > 1000 ? 1000 : left);
			close(fd);
		} else {
			usleep(20000);
		}
	}
}

/*
 * One signal, and the "kill" event Docker records for it.  A paused
 * container cannot act on it (a frozen process does not even die of
 * SIGKILL on cgroup v1): for SIGKILL and its stop signal - the ones that
 * end it - it is thawed right after, as moby does; others wait for unpause.
 */
static int send_signal(struct mc_container *c, int pidfd, int sig, struct mc_error *err)
{
	char number[16];

	if (syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0 && errno != ESRCH)
		return mc_fail(err, errno, "pidfd_send_signal(%s)", sigabbrev_np(sig) ?: "?");
	snprintf(number, sizeof(number), "%d", sig);
	mc_event_container(c, "kill", "signal", number);
	if (strcmp(mc_state_status(c), "paused") == 0 &&
	    (sig == SIGKILL || sig == stop_signal_of(c)) &&
	    mc_container_set_paused(c, false, err) < 0) {
		struct mc_error ignored;
		int fd = mc_container_pidfd(c, &ignored);

		/* Gone already (newer kernels let a frozen process die of SIGKILL): nothing to thaw. */
		if (fd < 0)
			return 0;
		close(fd);
		return -1;
	}
	return 0;
}

/* A monitor waiting out a restart back-off: wake it, it gives up (the record says why). */
static void wake_monitor(const struct mc_container *c)
{
	pid_t monitor = mc_container_monitor(c);
	int fd = monitor > 0 ? (int)syscall(SYS_pidfd_open, monitor, 0) : -1;

	if (fd >= 0) {
		syscall(SYS_pidfd_send_signal, fd, SIGUSR1, NULL, 0);
		close(fd);
	}
}

/*
 * stop: the stop signal, `seconds` to go, then SIGKILL - which PID 1 cannot
 * ignore.  Stopping a stopped container is fine, as in Docker.
 */
static int stop_container(const char *what, int given_timeout, int given_signal,
                          struct mc_error *err)
{
	struct mc_container c;
	int pidfd = -1, rc = -1, sig, seconds;

	if (mc_container_load(what, &c, err) < 0)
		return -1;
	mc_container_refresh(&c);
	sig = given_signal > 0 ? given_signal : stop_signal_of(&c);
	seconds = stop_timeout_of(&c, given_timeout);
	if (mc_container_set_stopped_by_hand(&c, true, err) < 0)
		goto out;
	if (strcmp(mc_state_status(&c), "restarting") == 0) {
		wake_monitor(&c);
		wait_done(c.id, 10);
		rc = 0;
		goto out;
	}
	if (!mc_container_running(&c) || (pidfd = mc_container_pidfd(&c, err)) < 0) {
		rc = 0;
		goto out;
	}
	if (send_signal(&c, pidfd, sig, err) < 0)
		goto out;
	if (!wait_done(c.id, seconds)) {
		if (send_signal(&c, pidfd, SIGKILL, err) < 0)
			goto out;
		wait_done(c.id, 10);
	}
	mc_event_container(&c, "stop", NULL, NULL);
	rc = 0;
out:
	if (pidfd >= 0)
		close(pidfd);
	mc_container_free(&c);
	return rc;
}

/*
 * kill: one signal.  SIGKILL and the container's stop signal end it for good
 * (its restart policy waits for the next start); others, such as SIGUSR1,
 * leave the policy in place - Docker's rule.
 */
static int kill_container(const char *what, int sig, struct mc_error *err)
{
	struct mc_container c;
	int pidfd = -1, rc = -1;

	if (mc_container_load(what, &c, err) < 0)
		return -1;
	mc_container_refresh(&c);
	if (strcmp(mc_state_status(&c), "restarting") == 0) {
		rc = mc_fail(err, 0,
		             "Container %s is restarting, wait until the container is running",
		             what);
		goto out;
	}
	if (!mc_container_running(&c) || (pidfd = mc_container_pidfd(&c, err)) < 0) {
		rc = mc_fail(err, 0, "Cannot kill container: %s: container %.12s is not running",
		             what, c.id);
		goto out;
	}
	if ((sig == SIGKILL || sig == stop_signal_of(&c)) &&
	    mc_container_set_stopped_by_hand(&c, true, err) < 0)
		goto out;
	rc = send_signal(&c, pidfd, sig, err);
out:
	if (pidfd >= 0)
		close(pidfd);
	mc_container_free(&c);
	return rc;
}

struct kill_opts {
	int signal;
};

static int opt_signal(void *field, const char *value, struct mc_error *err)
{
	int sig = mc_parse_signal(value);

	if (sig == 0)
		return mc_fail(err, 0, "invalid signal: %s", value);
	*(int *)field = sig;
	return 0;
}

static const struct mc_option kill_options[] = {
    {"signal", 's', "string", "Signal to send to the container (default \"KILL\")", opt_signal,
     offsetof(struct kill_opts, signal)},
    {NULL, 0, NULL, NULL, NULL, 0},
};

const struct mc_command mc_cmd_kill = {
    .name = "kill",
    .usage = "[OPTIONS] CONTAINER [CONTAINER...]",
    .summary = "Kill one or more running containers",
    .options = kill_options,
    .min_args = 1,
    .max_args = -1,
};

int verb_kill(int argc, char **argv)
{
	struct kill_opts o = {SIGKILL};
	int first, status;

	if ((status = mc_parse_verb(&mc_cmd_kill, &o, argc, argv, &first)) >= 0)
		return status;
	status = 0;
	for (int i = first; i < argc; i++) {
		struct mc_error err;

		if (kill_container(argv[i], o.signal, &err) < 0)
			status = mc_report(&err);
		else
			printf("%s\n", argv[i]);
	}
	return status;
}

/* stop and restart share -t/--time and -s/--signal. */
struct stop_opts {
	int seconds; /* -1: the container's own stop timeout */
	int signal;  /* 0: the container's own stop signal */
};

static int opt_time(void *field, const char *value, struct mc_error *err)
{
	char *end;
	long t = strtol(value, &end, 10);

	/* Docker: -1 waits for ever; anything else below 0 is an error. */
	if (*end != '\0' || end == value || t < -1 || t > 1000000)
		return mc_fail(err, 0, "not a number of seconds (-1: wait for ever)");
	*(int *)field = t == -1 ? 1000000 : (int)t;
	return 0;
}

static const struct mc_option stop_options[] = {
    {"signal", 's', "string", "Signal to send to the container (default: its stop signal)",
     opt_signal, offsetof(struct stop_opts, signal)},
    {"time", 't', "int",
     "Seconds to wait before killing the container (default: its stop timeout, 10)", opt_time,
     offsetof(struct stop_opts, seconds)},
    {"timeout", 0, "int", "The same as --time (its older name)", opt_time,
     offsetof(struct stop_opts, seconds)},
    {NULL, 0, NULL, NULL, NULL, 0},
};

const struct mc_command mc_cmd_stop = {
    .name = "stop",
    .usage = "[OPTIONS] CONTAINER [CONTAINER...]",
    .summary = "Stop one or more running containers",
    .options = stop_options,
    .min_args = 1,
    .max_args = -1,
};

const struct mc_command mc_cmd_restart = {
    .name = "restart",
    .usage = "[OPTIONS] CONTAINER [CONTAINER...]",
    .summary = "Restart one or more containers",
    .options = stop_options,
    .min_args = 1,
    .max_args = -1,
};

int verb_stop(int argc, char **argv)
{
	struct stop_opts o = {-1, 0};
	int first, status;

	if ((status = mc_parse_verb(&mc_cmd_stop, &o, argc, argv, &first)) >= 0)
		return status;
	status = 0;
	for (int i = first; i < argc; i++) {
		struct mc_error err;

		if (stop_container(argv[i], o.seconds, o.signal, &err) < 0)
			status = mc_report(&err);
		else
			printf("%s\n", argv[i]);
	}
	return status;
}

/* restart: stop, then start again in the background (its policy back in place). */
int verb_restart(int argc, char **argv)
{
	struct stop_opts o = {-1, 0};
	int first, status;

	if ((status = mc_parse_verb(&mc_cmd_restart, &o, argc, argv, &first)) >= 0)
		return status;
	status = 0;
	for (int i = first; i < argc; i++) {
		struct mc_container c;
		struct mc_error err;
		bool running;

		if (stop_container(argv[i], o.seconds, o.signal, &err) < 0 ||
		    mc_container_load(argv[i], &c, &err) < 0) {
			status = mc_report(&err);
			continue;
		}
		if (mc_container_claim(&c, &running, &err) < 0)
			status = mc_report(&err);
		else if (!running && mc_monitor_spawn(&c, false, NULL, 0) != 0)
			status = MC_EXIT_FAILED;
		else {
			mc_event_container(&c, "restart", NULL, NULL);
			printf("%s\n", argv[i]);
		}
		mc_container_free(&c);
	}
	return status;
}
