/*
 * ovl_run.h - chapter 03: chapter 02's container, on an overlay of layers.
 */
#ifndef MC_OVL_RUN_H
#define MC_OVL_RUN_H

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
};

/* --layer DIR (repeatable), --upper DIR; the target is a struct ovl_run. */
extern const struct mc_option ovl_options_table[];

/*
 * Mount the layers plus an upper directory, run the container on the merged
 * tree (chapter 02's cg_run_container), unmount, and fill *diff with what the
 * container changed (unless diff is NULL).
 *
 * This moves the calling process into a mount namespace of its own first,
 * so that the overlay never appears on the host and vanishes with us even
 * if we are killed.
 */
int ovl_run_container(struct ns_config *cfg, const struct cg_run *cgr, const struct ovl_run *run,
                      int *exit_code, struct cg_stats *stats, struct ovl_diff *diff,
                      struct mc_error *err);

#endif
