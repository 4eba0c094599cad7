/*
 * cg_run.h - chapter 02: chapter 01's container, now inside a cgroup.
 *
 * Chapter 02 plugs into chapter 01's lifecycle (ns_lifecycle.h) with one step:
 *
 *	prepare        create the cgroup, write the limits,   cg_create, cg_apply_limits,
 *	               the device policy                       cg_apply_devices
 *	after-clone    put the waiting child into it           cg_add_process
 *	before-pivot   a cgroup namespace, /sys/fs/cgroup       cg_setup_inside
 *	               (the host's namespace with host_cgroupns)
 *	after-exit     read the statistics, remove the cgroup   cg_read_stats, cg_destroy
 *
 * The order matters: limits before the process, the process in the cgroup
 * before it runs a single instruction of the command.
 */
#ifndef MC_CG_RUN_H
#define MC_CG_RUN_H

#include <stdio.h>

#include "cg_cgroups.h"
#include "cg_devices.h"
#include "ns_namespaces.h"

struct cg_run {
	const char *mount;  /* where the cgroup hierarchies are: CG_DEFAULT_MOUNT */
	const char *parent; /* CG_DEFAULT_PARENT, or --cgroup-parent */
	const char *name;   /* the container's cgroup; NULL makes one from our pid */
	struct cg_limits limits;
	/* Docker's device rules, --device, --privileged; prepare also hands the
	 * nodes of --device to chapter 01 (cfg->devices), which makes them. */
	struct cg_devices devices;
	/* Keep the host's cgroup namespace (docker run --cgroupns host): /proc/self/cgroup
	 * then shows the cgroup's full path, not "/". */
	bool host_cgroupns;

	/* Filled in by the step. */
	struct cgroup cg;      /* the container's cgroup, from prepare on */
	struct cg_stats stats; /* what the container used, after exit */
	char name_buf[128];
};

void cg_run_init(struct cg_run *run);

/* Add chapter 02's step to the lifecycle; `run` must live until ns_run() returns. */
int cg_add_step(struct ns_config *cfg, struct cg_run *run, struct mc_error *err);

/* The report the demo prints when the command has finished. */
void cg_print_report(FILE *out, const struct cg_stats *st);

#endif
