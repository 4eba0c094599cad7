/* commit.c - chapter 06: a container's changes as a new image (see bld_commit.h). */
#define _GNU_SOURCE
#include "bld_commit.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bld_config.h"
#include "bld_layer.h"
#include "mc_trace.h"

#define CH "ch06"

/* The run defaults a container record carries, as they go into an image config. */
static const char *const run_fields[] = {"Cmd",        "Entrypoint",  "Env",          "WorkingDir",
                                         "User",       "Labels",      "ExposedPorts", "Volumes",
                                         "StopSignal", "Healthcheck", "Shell"};

static void take_container_config(json_t *image, json_t *container)
{
	json_t *cfg = json_object_get(image, "config");

	if (!json_is_object(cfg)) {
		cfg = json_object();
		json_object_set_new(image, "config", cfg);
	}
	for (size_t i = 0; i < sizeof(run_fields) / sizeof(run_fields[0]); i++) {
		json_t *v = json_object_get(container, run_fields[i]);

		if (v != NULL && !json_is_null(v))
			json_object_set(cfg, run_fields[i], v);
	}
}

int bld_commit(struct img_store *st, const struct bld_commit *c, char *image_id, char *manifest,
               struct mc_error *err)
{
	struct bld_layer_opts lo = {.zstd = c->zstd, .clamp_time = -1, .keep_upper = true};
	struct img_image *img = calloc(1, sizeof(*img));
	char created[40], out[IMG_DIGEST_LEN + 1];
	json_t *doc = NULL, *entry;
	struct img_layer layer;
	char *text = NULL;
	time_t now = time(NULL);
	struct tm tm;
	bool empty;
	int rc = -1;

	if (img == NULL)
		return mc_fail(err, ENOMEM, "commit");
	if (img_image_load(st, c->base, img, err) < 0)
		goto out;
	doc = json_loads(img->config_json, 0, NULL);
	if (doc == NULL) {
		mc_fail(err, 0, "image %s: its config is not JSON", c->base);
		goto out;
	}
	if (c->config != NULL)
		take_container_config(doc, c->config);
	if (bld_apply_changes(doc, c->changes, c->nchanges, err) < 0)
		goto out;
	/* The store's lock: the new layer must not be collected before the image names it. */
	if (img_store_lock(st, true, err) < 0)
		goto out;
	rc = bld_layer_commit(st, c->upper, &lo, &layer, &empty, err);
	if (rc == 0 && !empty && img->nlayer < IMG_MAX_LAYERS)
		img->layers[img->nlayer++] = layer;
	if (rc == 0) {
		json_t *ids = json_array(), *history = json_object_get(doc, "history");

		strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
		for (size_t i = 0; i < img->nlayer; i++)
			json_array_append_new(ids, json_string(img->layers[i].diff_id));
		json_object_set_new(doc, "rootfs",
		                    json_pack("{s:s, s:o}", "type", "layers", "diff_ids", ids));
		json_object_set_new(doc, "created", json_string(created));
		if (c->author != NULL)
			json_object_set_new(doc, "author", json_string(c->author));
		entry = json_pack("{s:s, s:s}", "created", created, "created_by",
		                  c->created_by ? c->created_by : "");
		if (c->comment != NULL)
			json_object_set_new(entry, "comment", json_string(c->comment));
		if (c->author != NULL)
			json_object_set_new(entry, "author", json_string(c->author));
		if (empty)
			json_object_set_new(entry, "empty_layer", json_true());
		if (!json_is_array(history)) {
			history = json_array();
			json_object_set_new(doc, "history", history);
		}
		json_array_append_new(history, entry);
		text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
		rc = text
		         ? img_store_add_image(st, text, img->layers, img->nlayer, c->tag, out, err)
		         : mc_fail(err, ENOMEM, "commit");
	}
	img_store_unlock(st);
	if (rc == 0) {
		img_digest_buffer(text, strlen(text), image_id);
		if (manifest != NULL)
			memcpy(manifest, out, sizeof(out));
		mc_trace(CH, "committed %s as %s (%s)", c->upper, image_id,
		         empty ? "no changes: no new layer" : "one new layer");
	}
out:
	free(text);
	json_decref(doc);
	img_image_free(img);
	free(img);
	return rc;
}
