/*
 * lifecycle.c - chapter 01: ns_run(), the one sequence that starts every
 * container, with the steps of later chapters at their points (see
 * ns_lifecycle.h for the picture).
 *
 * Chapter 01 alone has no steps: ns_run() is then spawn, start and wait.
 * Chapter 02 adds its cgroup, chapter 03 its overlay, chapter 05 its veth;
 * the capstone adds its volumes, its confinement and its records.  Each
 * demo, and minicontainer itself, builds the list and calls ns_run().
 */
#define _GNU_SOURCE
#include "ns_namespaces.h"

#include <errno.h>
#include <signal.h>
#include <stddef.h>

#include "mc_trace.h"

static const char *const point_names[] = {
    [NS_PREPARE] = "prepare",           [NS_AFTER_CLONE] = "after-clone",
    [NS_BEFORE_PIVOT] = "before-pivot", [NS_BEFORE_EXEC] = "before-exec",
    [NS_STARTED] = "started",           [NS_AFTER_EXIT] = "after-exit",
};

int ns_add_step(struct ns_config *cfg, const struct ns_step *step, struct mc_error *err)
{
	if (cfg->nsteps == NS_MAX_STEPS)
		return mc_fail(err, E2BIG, "more than %d lifecycle steps", NS_MAX_STEPS);
	cfg->steps[cfg->nsteps++] = *step;
	return 0;
}

static ns_hook hook_at(const struct ns_step *s, enum ns_point point)
{
	switch (point) {
	case NS_PREPARE:
		return s->prepare;
	case NS_AFTER_CLONE:
		return s->after_clone;
	case NS_BEFORE_PIVOT:
		return s->before_pivot;
	case NS_BEFORE_EXEC:
		return s->before_exec;
	case NS_STARTED:
		return s->started;
	case NS_AFTER_EXIT:
		return s->after_exit;
	}
	return NULL;
}

/* One step's hook at one point, announced for --trace. */
static int run_hook(struct ns_container *c, const struct ns_step *s, enum ns_point point,
                    struct mc_error *err)
{
	ns_hook hook = hook_at(s, point);

	if (hook == NULL)
		return 0;
	mc_trace(s->chapter, "%s: %s", point_names[point], s->name);
	return hook(c, s->arg, err);
}

int ns_run_hooks(struct ns_container *c, enum ns_point point, struct mc_error *err)
{
	for (size_t i = 0; i < c->cfg->nsteps; i++)
		if (run_hook(c, &c->cfg->steps[i], point, err) < 0)
			return -1;
	return 0;
}

/*
 * Undo: the after-exit hooks of the first `prepared` steps, last first.
 * Every one runs, whatever the others did; the first failure is kept in err
 * unless the run had failed already (then that is the error worth reporting).
 */
static int tear_down(struct ns_container *c, size_t prepared, int rc, struct mc_error *err)
{
	struct mc_error ignored;

	while (prepared-- > 0)
		if (run_hook(c, &c->cfg->steps[prepared], NS_AFTER_EXIT, rc < 0 ? &ignored : err) <
		    0)
			rc = -1;
	return rc;
}

int ns_run(struct ns_config *cfg, int *exit_code, struct mc_error *err)
{
	struct ns_container c = {
	    .cfg = cfg, .pid = -1, .rootfd = -1, .exit_code = NS_EXIT_SETUP_FAILED};
	struct mc_error ignored;
	struct ns_child child;
	size_t prepared;
	int rc = -1;

	*exit_code = NS_EXIT_SETUP_FAILED;
	/* Host side: make what the container needs, step by step. */
	for (prepared = 0; prepared < cfg->nsteps; prepared++)
		if (run_hook(&c, &cfg->steps[prepared], NS_PREPARE, err) < 0)
			goto out;

	/* The trace calls the root "$ROOTFS" from here on: a path a lecturer can read aloud. */
	mc_trace_abbreviate("$ROOTFS", cfg->rootfs);
	if (ns_spawn(cfg, &child, err) < 0)
		goto out;
	c.pid = child.pid;
	/* The child waits for our "go": it has not run a single instruction of its own. */
	if (ns_run_hooks(&c, NS_AFTER_CLONE, err) < 0) {
		ns_abandon(&child);
		goto out;
	}
	if (ns_start(&child, err) < 0) {
		/* It exits with the code it reported (125, 126 or 127). */
		ns_wait(&child, &c.exit_code, &ignored);
		goto out;
	}
	c.started = true;
	if (ns_run_hooks(&c, NS_STARTED, err) < 0) {
		/* Nobody may be left to see it to its end: stop it now. */
		kill(child.pid, SIGKILL);
		ns_wait(&child, &c.exit_code, &ignored);
		goto out;
	}
	rc = ns_wait(&child, &c.exit_code, err);
out:
	rc = tear_down(&c, prepared, rc, err);
	*exit_code = c.exit_code;
	return rc;
}
