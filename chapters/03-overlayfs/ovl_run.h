/*
 * ovl_run.h - chapter 03: chapter 02's container, on an overlay of layers.
 *
 * Chapter 03's step in chapter 01's lifecycle (ns_lifecycle.h):
 *
 *	prepare      a mount namespace of our own; mount the layers plus an
 *	             upper directory; the merged tree becomes the rootfs
 *	after-exit   unmount; list what the container changed (the diff);
 *	             remove the upper unless it is kept
 */
#ifndef MC_OVL_RUN_H
#define MC_OVL_RUN_H

#include <limits.h>
#include <stdbool.h>

#include "mc_cli.h"
#include "ovl_overlay.h"
#include "cg_run.h"

#define OVL_MAX_LAYERS 512

struct ovl_run {
	const char *layers[OVL_MAX_LAYERS]; /* --layer, lowest first */
	size_t nlayer;
	const char *upper;   /* --upper: keep the writable layer here; NULL: a temporary one */
	const char *scratch; /* where to make the mount point; NULL: a new /tmp/mc-overlay-* */
	enum ovl_method method;
	struct ovl_diff *diff; /* if not NULL: filled with what the container changed */

	/* Filled in by the step. */
	char dir[PATH_MAX], upper_dir[PATH_MAX], work[PATH_MAX], merged[PATH_MAX];
	bool mounted;
};

/* --layer DIR (repeatable), --upper DIR; the target is a struct ovl_run. */
extern const struct mc_option ovl_options_table[];

/*
 * Add chapter 03's step: the container's root becomes the overlay of
 * run->layers.  The process that calls ns_run() moves into a mount namespace
 * of its own first, so that the overlay never appears on the host and
 * vanishes with it even if it is killed.  `run` must live until ns_run()
 * returns.
 */
int ovl_add_step(struct ns_config *cfg, struct ovl_run *run, struct mc_error *err);

/*
 * Move the calling process into a mount namespace of its own, every mount
 * in it private: what it mounts next is never seen outside and goes away
 * with it (the step above does this; so does chapter 06's build).
 */
int ovl_private_mounts(struct mc_error *err);

#endif
