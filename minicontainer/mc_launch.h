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
#include <stddef.h>

#include "mc_container.h"
#include "ns_confine.h"

/*
 * Run the container in the foreground: its stdio is ours (or a pty relayed to
 * ours with -t).  `pass_fds` are descriptors of ours it inherits
 * (--preserve-fds).  Returns its exit code; 125/126/127 when it could not be
 * started (the error is printed).
 */
int mc_launch(struct mc_container *c, bool attach_stdin, const int *pass_fds, size_t npass_fds);

/* The record's user, capabilities and security options, as chapter 01's confinement. */
struct mc_confinement {
	struct ns_confine conf;
	const char **cap_add, **cap_drop, **group_add; /* point into the record */
};
int mc_confinement_from_record(json_t *doc, struct mc_confinement *m, struct mc_error *err);
void mc_confinement_free(struct mc_confinement *m);

#endif
