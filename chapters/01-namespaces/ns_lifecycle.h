/*
 * ns_lifecycle.h - chapter 01: the one sequence every container is started by.
 *
 * Chapter 01 starts processes, so it owns the order in which a container
 * comes to life.  Later chapters do not wrap that order in their own: each
 * adds a *step* - a few functions, each run at a named point of the
 * sequence - and ns_run() (lifecycle.c) calls them there:
 *
 *	host    prepare        make what the container needs   cgroup (02), overlay (03)
 *	host    clone()        the child waits on the "go" pipe
 *	host    after-clone    the child exists, runs nothing   cgroup placement (02), veth (05)
 *	child   before-pivot   /proc, /dev, /sys are mounted    cgroupfs (02), volumes (capstone)
 *	child   before-exec    inside the new root, last step   user, capabilities, seccomp
 *	child   execve()
 *	host    started        the command runs                 the capstone records "running"
 *	host    after-exit     it ended (or never started)      statistics, unmount, remove
 *
 * The steps run in the order they were added; after-exit runs in the
 * reverse order, and only for steps whose prepare succeeded, so a failure
 * half-way undoes exactly what was done.  `--trace` names the point and the
 * step of every hook: "[ch02] after-clone: cgroup".
 */
#ifndef MC_NS_LIFECYCLE_H
#define MC_NS_LIFECYCLE_H

#include <stdbool.h>
#include <sys/types.h>

#include "mc_error.h"

struct ns_config;

/* The container as the hooks see it. */
struct ns_container {
	struct ns_config *cfg; /* a prepare hook may still change it (chapter 03 sets rootfs) */
	pid_t pid;             /* its first process, as the host sees it: from after-clone on */
	int rootfd; /* in the child: an O_PATH descriptor of the root filesystem (before-pivot) */
	int exit_code; /* after-exit: the command's exit code, or 125/126/127 if it never ran */
	bool started;  /* after-exit: did the command start? */
};

typedef int (*ns_hook)(struct ns_container *c, void *arg, struct mc_error *err);

/* One chapter's contribution: any of the hooks may be NULL. */
struct ns_step {
	const char *chapter; /* "ch02", for --trace */
	const char *name;    /* "cgroup" */
	ns_hook prepare;
	ns_hook after_clone;
	ns_hook before_pivot;
	ns_hook before_exec;
	ns_hook started;
	ns_hook after_exit; /* runs even when an earlier hook failed; its own failure is reported */
	void *arg;          /* handed to every hook of the step */
};

#define NS_MAX_STEPS 16

/* Add a step at the end of cfg's list. */
int ns_add_step(struct ns_config *cfg, const struct ns_step *step, struct mc_error *err);

/* The points, in the order they come. */
enum ns_point {
	NS_PREPARE,
	NS_AFTER_CLONE,
	NS_BEFORE_PIVOT,
	NS_BEFORE_EXEC,
	NS_STARTED,
	NS_AFTER_EXIT,
};

/*
 * Run every step's hook for `point`, in order, stopping at the first that
 * fails (the child's points run this; ns_run() the host's).
 */
int ns_run_hooks(struct ns_container *c, enum ns_point point, struct mc_error *err);

#endif
