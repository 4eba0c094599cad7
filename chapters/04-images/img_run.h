/*
 * img_run.h - chapter 04: chapter 03's container, with an image's layers.
 */
#ifndef MC_IMG_RUN_H
#define MC_IMG_RUN_H

#include "mc_cli.h"
#include "img_config.h"
#include "ovl_run.h"
#include "img_store.h"

/* --image REF; the target is a struct img_choice. */
struct img_choice {
	const char *name; /* as the user typed it */
};
extern const struct mc_option img_options_table[];

/*
 * Chapter 04's step in chapter 01's lifecycle (ns_lifecycle.h), added before
 * chapter 03's overlay step, whose layers it fills in:
 *
 *	prepare      find the image, unpack each layer once, hand the layer
 *	             directories to chapter 03 (lowest first)
 *	after-exit   forget them
 *
 * The image's run defaults (Cmd, Env ...) are needed earlier, to build the
 * command: img_store_find() and img_runconfig_parse() give them.
 */
struct img_run {
	struct img_store *store;
	const char *image;      /* a name, or a manifest digest */
	struct ovl_run *layers; /* chapter 03's step */
};
int img_add_step(struct ns_config *cfg, struct img_run *run, struct mc_error *err);

/*
 * What the step does: find the image in the store, unpack its layers, and put
 * their directories into run->layers (lowest first).  The layer paths are
 * malloc'd: free them with img_release_layers().
 */
int img_prepare_layers(struct img_store *st, const char *name, struct ovl_run *run,
                       struct mc_error *err);
void img_release_layers(struct ovl_run *run);

#endif
