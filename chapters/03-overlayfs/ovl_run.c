/* ovl_run.c - see ovl_run.h. */
#define _GNU_SOURCE
#include "ovl_run.h"

#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mc_file.h"
#include "mc_trace.h"

#define CH "ch03"

static int add_layer(void *target, const char *value, struct mc_error *err)
{
	struct ovl_run *run = target;
	struct stat st;

	if (stat(value, &st) < 0)
		return mc_fail(err, errno, "layer %s", value);
	if (!S_ISDIR(st.st_mode))
		return mc_fail(err, ENOTDIR, "layer %s", value);
	if (run->nlayer == OVL_MAX_LAYERS)
		return mc_fail(err, E2BIG, "at most %d layers", OVL_MAX_LAYERS);
	run->layers[run->nlayer++] = value;
	return 0;
}

static int set_upper(void *target, const char *value, struct mc_error *err)
{
	(void)err;
	((struct ovl_run *)target)->upper = value;
	return 0;
}

const struct mc_option ovl_options_table[] = {
    {"layer", 0, "DIR", "a read-only layer, lowest first (repeatable)", add_layer, 0},
    {"upper", 0, "DIR", "keep the container's writable layer in DIR", set_upper, 0},
    {NULL, 0, NULL, NULL, NULL, 0},
};

int ovl_private_mounts(struct mc_error *err)
{
	int rc = unshare(CLONE_NEWNS);

	mc_trace_call(CH, rc, "our mounts are ours alone, and die with us", "unshare(CLONE_NEWNS)");
	if (rc < 0)
		return mc_fail(err, errno, "unshare(CLONE_NEWNS)");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return mc_fail(err, errno, "make mounts private");
	return 0;
}

/* Where the overlay's directories go: a caller's scratch place, or a new temporary one. */
static int make_dirs(struct ovl_run *run, struct mc_error *err)
{
	/* A caller that keeps state elsewhere (the capstone: $MC_RUNDIR/<id>) names the place,
	 * so that it can clean up after us even if we are killed. */
	if (run->scratch != NULL) {
		snprintf(run->dir, sizeof(run->dir), "%s", run->scratch);
		if (mc_mkdir_p(run->dir, 0700, err) < 0)
			return -1;
	} else {
		snprintf(run->dir, sizeof(run->dir), "/tmp/mc-overlay-XXXXXX");
		if (mkdtemp(run->dir) == NULL)
			return mc_fail(err, errno, "mkdtemp %s", run->dir);
	}
	/* work/ must be on upper's filesystem: next to a kept upper, else in our directory. */
	if (run->upper != NULL) {
		if ((size_t)snprintf(run->work, sizeof(run->work), "%s.work", run->upper) >=
		    sizeof(run->work))
			return mc_fail(err, ENAMETOOLONG, "upper %s", run->upper);
		snprintf(run->upper_dir, sizeof(run->upper_dir), "%s", run->upper);
	} else if (mc_path_join(run->work, sizeof(run->work), run->dir, "work", err) < 0 ||
	           mc_path_join(run->upper_dir, sizeof(run->upper_dir), run->dir, "upper", err) <
	               0) {
		return -1;
	}
	if (mc_path_join(run->merged, sizeof(run->merged), run->dir, "merged", err) < 0 ||
	    mc_mkdir_p(run->upper_dir, 0755, err) < 0 || mc_mkdir_p(run->work, 0700, err) < 0 ||
	    mc_mkdir_p(run->merged, 0755, err) < 0)
		return -1;
	return 0;
}

static int tear_down(struct ns_container *c, void *arg, struct mc_error *err);

static int prepare(struct ns_container *c, void *arg, struct mc_error *err)
{
	struct ovl_run *run = arg;
	struct ovl_config ovl = {0};
	struct mc_error ignored;

	run->mounted = false;
	run->dir[0] = '\0';
	if (run->nlayer == 0)
		return mc_fail(err, 0, "no layers given (--layer DIR)");
	if (ovl_private_mounts(err) < 0 || make_dirs(run, err) < 0)
		goto fail;
	mc_trace_abbreviate("$ROOTFS", run->merged);
	ovl.lowers = run->layers;
	ovl.nlower = run->nlayer;
	ovl.upper = run->upper_dir;
	ovl.work = run->work;
	ovl.merged = run->merged;
	ovl.method = run->method;
	if (ovl_mount(&ovl, err) < 0)
		goto fail;
	run->mounted = true;
	c->cfg->rootfs = run->merged;
	return 0;
fail:
	/* A prepare that fails has no after-exit: what it made goes now. */
	tear_down(c, run, &ignored);
	return -1;
}

static int tear_down(struct ns_container *c, void *arg, struct mc_error *err)
{
	struct ovl_run *run = arg;
	struct mc_error ignored;
	int rc = 0;

	if (run->mounted && ovl_umount(run->merged, err) < 0)
		rc = -1;
	if (rc == 0 && c->started && run->diff != NULL)
		rc = ovl_diff(run->upper_dir, run->layers, run->nlayer, run->diff, err);
	if (run->dir[0] == '\0')
		return rc;
	/* A kept upper stays; everything else we made goes. */
	if (run->upper == NULL)
		mc_remove_tree(run->upper_dir, &ignored);
	mc_remove_tree(run->work, &ignored);
	rmdir(run->merged);
	if (run->scratch == NULL)
		rmdir(run->dir);
	return rc;
}

int ovl_add_step(struct ns_config *cfg, struct ovl_run *run, struct mc_error *err)
{
	const struct ns_step step = {
	    .chapter = "ch03",
	    .name = "overlay",
	    .prepare = prepare,
	    .after_exit = tear_down,
	    .arg = run,
	};

	run->dir[0] = '\0';
	run->mounted = false;
	return ns_add_step(cfg, &step, err);
}
