/*
 * launch.h - start a created container and see it to its end: the capstone's
 * "run" sequence, each step from its chapter:
 *
 *	image layers unpacked ........................ chapter 04
 *	overlay of the layers + the container's upper  chapter 03
 *	cgroup with the limits, process placed in it .. chapter 02
 *	namespaces, /proc, /dev, pivot_root ........... chapter 01
 *	address, veth, ports, /etc/hosts... ........... chapter 05
 *	volumes, --read-only .......................... here (a step of chapter 01's lifecycle)
 *	user, capabilities, seccomp ................... chapter 01 (its confinement step)
 *	the pty of -t, signal forwarding, state ....... here
 */
#ifndef MC_LAUNCH_H
#define MC_LAUNCH_H

#include <stdbool.h>

#include <jansson.h>
#include <limits.h>
#include <stddef.h>

#include "mc_container.h"
#include "ns_confine.h"

/* The container's stdio, as the process that watches it (monitor.c) sets it up. */
struct mc_launch_io {
	int stdio[3];              /* its stdin, stdout and stderr; -1: inherit ours */
	int console_socket;        /* -t: the terminal it makes comes back through this; else -1 */
	unsigned short rows, cols; /* -t: the terminal's size at the start */
	/* Once the command runs: serve its I/O until it has ended (its pid is the one given). */
	int (*serve)(pid_t pid, void *arg, struct mc_error *err);
	void *serve_arg;
};

/*
 * Run the container once, to its end, recording "running" and then its exit
 * (with the error, if it could not start).  `pass_fds` are descriptors of ours
 * it inherits (--preserve-fds).  Returns its exit code: 125/126/127 when it
 * could not be started.
 */
int mc_launch(struct mc_container *c, const struct mc_launch_io *io, const int *pass_fds,
              size_t npass_fds);

/* The record's user, capabilities and security options, as chapter 01's confinement. */
struct mc_confinement {
	struct ns_confine conf;
	const char **cap_add, **cap_drop, **group_add; /* point into the record */
	char seccomp_cache[PATH_MAX];                  /* built filters, under MC_RUNDIR */
};
int mc_confinement_from_record(json_t *doc, struct mc_confinement *m, struct mc_error *err);
void mc_confinement_free(struct mc_confinement *m);

#endif
