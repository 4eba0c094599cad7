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
 * Find the image in the store, unpack its layers, and put their directories
 * into run->layers (lowest first).  rc gets the image's run defaults.
 * The layer paths are malloc'd: free them with img_release_layers().
 */
int img_prepare_layers(struct img_store *st, const char *name, struct ovl_run *run,
                       struct img_runconfig *rc, struct mc_error *err);
void img_release_layers(struct ovl_run *run);

#endif
