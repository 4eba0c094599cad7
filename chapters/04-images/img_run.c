/* img_run.c - see img_run.h. */
#include "img_run.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mc_trace.h"

static int set_image(void *target, const char *value, struct mc_error *err)
{
	struct img_ref ref;

	if (img_ref_parse(value, &ref, err) < 0)
		return -1;
	((struct img_choice *)target)->name = value;
	return 0;
}

const struct mc_option img_options_table[] = {
    {"image", 0, "REF", "run on this image's layers, from the store in $MC_ROOT", set_image, 0},
    {NULL, 0, NULL, NULL, NULL, 0},
};

int img_prepare_layers(struct img_store *st, const char *name, struct ovl_run *run,
                       struct mc_error *err)
{
	struct img_image img;

	if (img_store_find(st, name, &img, err) < 0)
		return -1;
	if (img.nlayer == 0 || img.nlayer > OVL_MAX_LAYERS) {
		img_image_free(&img);
		return mc_fail(err, 0, "image %s has %zu layers", name, img.nlayer);
	}
	/* Unpacked once per layer, whichever image needed it first. */
	if (img_store_unpack(st, &img, err) < 0) {
		img_image_free(&img);
		return -1;
	}
	run->nlayer = 0;
	for (size_t i = 0; i < img.nlayer; i++) {
		char path[PATH_MAX];

		if (img_layer_path(st, img.layers[i].diff_id, path, sizeof(path), err) < 0)
			break;
		run->layers[run->nlayer++] = strdup(path);
	}
	img_image_free(&img);
	if (run->nlayer != img.nlayer) {
		img_release_layers(run);
		return -1;
	}
	mc_trace("ch04", "image %s: %zu layer(s), unpacked in the store", name, run->nlayer);
	return 0;
}

void img_release_layers(struct ovl_run *run)
{
	for (size_t i = 0; i < run->nlayer; i++)
		free((char *)run->layers[i]);
	run->nlayer = 0;
}

static int prepare(struct ns_container *c, void *arg, struct mc_error *err)
{
	struct img_run *run = arg;

	(void)c;
	return img_prepare_layers(run->store, run->image, run->layers, err);
}

static int release(struct ns_container *c, void *arg, struct mc_error *err)
{
	(void)c;
	(void)err;
	img_release_layers(((struct img_run *)arg)->layers);
	return 0;
}

int img_add_step(struct ns_config *cfg, struct img_run *run, struct mc_error *err)
{
	const struct ns_step step = {
	    .chapter = "ch04",
	    .name = "image layers",
	    .prepare = prepare,
	    .after_exit = release,
	    .arg = run,
	};

	return ns_add_step(cfg, &step, err);
}
