/* run.c - see run.h.  The order matters: limits before the process, the
 * process in the cgroup before it runs a single instruction of the command. */
#define _GNU_SOURCE
#include "cg_run.h"

#include <inttypes.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "mc_trace.h"

void cg_run_init(struct cg_run *run)
{
	memset(run, 0, sizeof(*run));
	run->mount = CG_DEFAULT_MOUNT;
	run->parent = CG_DEFAULT_PARENT;
	cg_limits_init(&run->limits);
}

/* cg_setup_inside() in the child, then whatever hook the caller had set. */
struct chained {
	struct cgroup *cg;
	int (*next)(const char *rootfs, void *arg, struct mc_error *err);
	void *next_arg;
};

static int setup_then_next(const char *rootfs, void *arg, struct mc_error *err)
{
	struct chained *c = arg;

	if (cg_setup_inside(rootfs, c->cg, err) < 0)
		return -1;
	return c->next != NULL ? c->next(rootfs, c->next_arg, err) : 0;
}

/* Kill and reap a child that never got to run its command. */
static void abandon(struct ns_child *child)
{
	struct mc_error ignored;
	int code;

	kill(child->pid, SIGKILL);
	ns_start(child, &ignored); /* closes our ends of its pipes */
	ns_wait(child, &code, &ignored);
}

int cg_run_container(struct ns_config *cfg, const struct cg_run *run, int *exit_code,
                     struct cg_stats *stats, struct mc_error *err)
{
	struct mc_error ignored;
	struct ns_child child;
	struct chained chain;
	struct cgroup cg;
	char name[128];
	int rc;

	*exit_code = NS_EXIT_SETUP_FAILED;
	memset(stats, 0, sizeof(*stats));
	if (cg_check_limits(&run->limits, err) < 0)
		return -1;
	if (run->name == NULL)
		snprintf(name, sizeof(name), "run-%d", (int)getpid());
	else
		snprintf(name, sizeof(name), "%s", run->name);
	if (cg_create(&cg, run->mount, run->parent, name, err) < 0)
		return -1;
	if (cg_apply_limits(&cg, &run->limits, err) < 0)
		goto destroy;

	/* Our hook first, then the caller's, if it had one. */
	chain.cg = &cg;
	chain.next = cfg->before_pivot;
	chain.next_arg = cfg->hook_arg;
	cfg->before_pivot = setup_then_next;
	cfg->hook_arg = &chain;
	if (ns_spawn(cfg, &child, err) < 0)
		goto destroy;
	/* The child is waiting for our go: it has not run anything of its own yet. */
	if (cg_add_process(&cg, child.pid, err) < 0) {
		abandon(&child);
		goto destroy;
	}
	rc = ns_start(&child, err);
	if (rc < 0) {
		ns_wait(&child, exit_code, &ignored);
		cg_destroy(&cg, &ignored);
		return -1;
	}
	if (run->started != NULL)
		run->started(child.pid, &cg, run->started_arg);
	if (ns_wait(&child, exit_code, err) < 0)
		goto destroy;
	if (cg_read_stats(&cg, stats, err) < 0)
		goto destroy;
	return cg_destroy(&cg, err);

destroy:
	cg_destroy(&cg, &ignored);
	return -1;
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
