/* cg_run.c - chapter 02's step in the container's lifecycle (see cg_run.h). */
#define _GNU_SOURCE
#include "cg_run.h"

#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "mc_trace.h"

void cg_run_init(struct cg_run *run)
{
	memset(run, 0, sizeof(*run));
	run->mount = CG_DEFAULT_MOUNT;
	run->parent = CG_DEFAULT_PARENT;
	cg_limits_init(&run->limits);
	cg_devices_init(&run->devices);
}

static int prepare(struct ns_container *c, void *arg, struct mc_error *err)
{
	struct cg_run *run = arg;
	struct mc_error ignored;

	memset(&run->stats, 0, sizeof(run->stats));
	if (cg_check_limits(&run->limits, err) < 0)
		return -1;
	if (run->name == NULL) {
		snprintf(run->name_buf, sizeof(run->name_buf), "run-%d", (int)getpid());
		run->name = run->name_buf;
	}
	if (cg_create(&run->cg, run->mount, run->parent, run->name, err) < 0)
		return -1;
	/* Limits and device rules in force before any process is inside. */
	if (cg_apply_limits(&run->cg, &run->limits, err) < 0 ||
	    cg_apply_devices(&run->cg, &run->devices, err) < 0) {
		/* Our after-exit will not run for a prepare that failed: clean up here. */
		cg_destroy(&run->cg, &ignored);
		return -1;
	}
	/* The nodes of --device: chapter 01 makes them in the container's /dev. */
	c->cfg->devices = run->devices.nodes;
	c->cfg->ndevices = run->devices.nnodes;
	return 0;
}

/* The child is waiting for our go: it has not run anything of its own yet. */
static int place(struct ns_container *c, void *arg, struct mc_error *err)
{
	return cg_add_process(&((struct cg_run *)arg)->cg, c->pid, err);
}

static int inside(struct ns_container *c, void *arg, struct mc_error *err)
{
	struct cg_run *run = arg;

	return cg_setup_inside(c->rootfd, &run->cg, !run->host_cgroupns, err);
}

/* Statistics first (they go with the cgroup), then the cgroup and whatever is left in it. */
static int tear_down(struct ns_container *c, void *arg, struct mc_error *err)
{
	struct cg_run *run = arg;
	struct mc_error ignored;

	if (c->started && cg_read_stats(&run->cg, &run->stats, err) < 0) {
		cg_destroy(&run->cg, &ignored);
		return -1;
	}
	return cg_destroy(&run->cg, err);
}

int cg_add_step(struct ns_config *cfg, struct cg_run *run, struct mc_error *err)
{
	const struct ns_step step = {
	    .chapter = "ch02",
	    .name = "cgroup",
	    .prepare = prepare,
	    .after_clone = place,
	    .before_pivot = inside,
	    .after_exit = tear_down,
	    .arg = run,
	};

	memset(&run->cg, 0, sizeof(run->cg));
	return ns_add_step(cfg, &step, err);
}

static void print_bytes(FILE *out, const char *label, int64_t bytes)
{
	if (bytes < 0)
		fprintf(out, "%-14s n/a\n", label);
	else
		fprintf(out, "%-14s %.1f MiB\n", label, (double)bytes / (1024 * 1024));
}

void cg_print_report(FILE *out, const struct cg_stats *st)
{
	fprintf(out, "--- resources used\n");
	print_bytes(out, "memory peak:", st->memory_peak);
	fprintf(out, "%-14s %.3f s\n", "cpu time:", (double)st->cpu_usec / 1e6);
	if (st->pids_peak < 0)
		fprintf(out, "%-14s n/a\n", "pids peak:");
	else
		fprintf(out, "%-14s %" PRId64 "\n", "pids peak:", st->pids_peak);
	fprintf(out, "%-14s %s\n", "oom killed:", st->oom_kills > 0 ? "yes" : "no");
}
