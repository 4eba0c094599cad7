/*
 * run.h - chapter 02: chapter 01's container, now inside a cgroup.
 */
#ifndef MC_CG_RUN_H
#define MC_CG_RUN_H

#include <stdio.h>

#include "cg_cgroups.h"
#include "ns_namespaces.h"

struct cg_run {
	const char *mount;  /* where the cgroup hierarchies are: CG_DEFAULT_MOUNT */
	const char *parent; /* CG_DEFAULT_PARENT, or --cgroup-parent */
	const char *name;   /* the container's cgroup; NULL makes one from our pid */
	struct cg_limits limits;
	/* Called once the command runs (its pid, its cgroup): the capstone records them. */
	void (*started)(pid_t pid, const struct cgroup *cg, void *arg);
	void *started_arg;
};

void cg_run_init(struct cg_run *run);

/*
 * Create the cgroup and set its limits, start cfg's command in new namespaces
 * with its process placed in the cgroup before it execs, wait, collect the
 * statistics into *stats, and remove the cgroup.  Returns like ns_run().
 */
int cg_run_container(struct ns_config *cfg, const struct cg_run *run, int *exit_code,
                     struct cg_stats *stats, struct mc_error *err);

/* The report the demo prints when the command has finished. */
void cg_print_report(FILE *out, const struct cg_stats *st);

#endif
