/*
 * launch.h - start a created container and see it to its end: the capstone's
 * "run" sequence, each step from its chapter:
 *
 *	image layers unpacked ........................ chapter 04
 *	overlay of the layers + the container's upper  chapter 03
 *	cgroup with the limits, process placed in it .. chapter 02
 *	namespaces, /proc, /dev, pivot_root ........... chapter 01
 *	volumes, /etc/hosts..., --read-only, --user ... here (hooks of chapter 01)
 *	the pty of -t, signal forwarding, state ....... here
 */
#ifndef MC_LAUNCH_H
#define MC_LAUNCH_H

#include <stdbool.h>

#include "mc_container.h"

/*
 * Run the container in the foreground: its stdio is ours (or a pty relayed to
 * ours with -t).  Returns its exit code; 125/126/127 when it could not be
 * started (the error is printed).
 */
int mc_launch(struct mc_container *c, bool attach_stdin);

/*
 * In the container, after pivot_root: become "name", "uid", "name:group" or
 * "uid:gid", looked up in the container's own /etc/passwd and /etc/group.
 */
int mc_switch_user(const char *spec, struct mc_error *err);

/*
 * The last steps before a container's command (run, and exec too): its user,
 * then - unless privileged - Docker's default capabilities and the seccomp filter.
 */
int mc_confine(const char *user, bool privileged, struct mc_error *err);

#endif
