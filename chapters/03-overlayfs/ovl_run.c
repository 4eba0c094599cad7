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
    {"layer", 0, "DIR", "a read-only layer, lowest first (repeatable)", add_layer},
    {"upper", 0, "DIR", "keep the container's writable layer in DIR", set_upper},
    {NULL, 0, NULL, NULL, NULL},
};

static int private_mount_namespace(struct mc_error *err)
{
	int rc = unshare(CLONE_NEWNS);

	mc_trace_call(CH, rc, "our mounts are ours alone, and die with us", "unshare(CLONE_NEWNS)");
	if (rc < 0)
		return mc_fail(err, errno, "unshare(CLONE_NEWNS)");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return mc_fail(err, errno, "make mounts private");
	return 0;
}

int ovl_run_container(struct ns_config *cfg, const struct cg_run *cgr, const struct ovl_run *run,
                      int *exit_code, struct cg_stats *stats, struct ovl_diff *diff,
                      struct mc_error *err)
{
	char dir[PATH_MAX] = "/tmp/mc-overlay-XXXXXX";
	char upper[PATH_MAX], work[PATH_MAX], merged[PATH_MAX];
	struct ovl_config ovl = {0};
	struct mc_error ignored;
	int rc = -1;

	*exit_code = NS_EXIT_SETUP_FAILED;
	if (run->nlayer == 0)
		return mc_fail(err, 0, "no layers given (--layer DIR)");
	if (private_mount_namespace(err) < 0)
		return -1;
	/* A caller that keeps state elsewhere (the capstone: $MC_RUNDIR/<id>) names the place,
	 * so that it can clean up after us even if we are killed. */
	if (run->scratch != NULL) {
		snprintf(dir, sizeof(dir), "%s", run->scratch);
		if (mc_mkdir_p(dir, 0700, err) < 0)
			return -1;
	} else if (mkdtemp(dir) == NULL) {
		return mc_fail(err, errno, "mkdtemp %s", dir);
	}
	/* work/ must be on upper's filesystem: next to a kept upper, else in our directory. */
	if (run->upper != NULL)
		snprintf(work, sizeof(work), "%s.work", run->upper);
	else
		snprintf(work, sizeof(work), "%s/work", dir);
	snprintf(merged, sizeof(merged), "%s/merged", dir);
	if (run->upper != NULL)
		snprintf(upper, sizeof(upper), "%s", run->upper);
	else
		snprintf(upper, sizeof(upper), "%s/upper", dir);
	if (mc_mkdir_p(upper, 0755, err) < 0 || mc_mkdir_p(work, 0700, err) < 0 ||
	    mc_mkdir_p(merged, 0755, err) < 0)
		goto out;

	ovl.lowers = run->layers;
	ovl.nlower = run->nlayer;
	ovl.upper = upper;
	ovl.work = work;
	ovl.merged = merged;
	ovl.method = run->method;
	if (ovl_mount(&ovl, err) < 0)
		goto out;
	cfg->rootfs = merged;
	rc = cg_run_container(cfg, cgr, exit_code, stats, err);
	if (ovl_umount(merged, rc == 0 ? err : &ignored) < 0)
		rc = -1;
	if (rc == 0 && diff != NULL)
		rc = ovl_diff(upper, run->layers, run->nlayer, diff, err);
out:
	/* A kept upper stays; everything else we made goes. */
	if (run->upper == NULL)
		mc_remove_tree(upper, &ignored);
	mc_remove_tree(work, &ignored);
	rmdir(merged);
	if (run->scratch == NULL)
		rmdir(dir);
	return rc;
}
