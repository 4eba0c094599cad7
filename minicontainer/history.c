/* history.c - `minicontainer history IMAGE`: how an image was built, newest first. */
#include <stddef.h>
#include <stdlib.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "mc.h"

struct history_opts {
	bool no_trunc, quiet, human;
	const char *format;
};

static const struct mc_option history_options[] = {
    {"format", 0, "string", MC_FORMAT_HELP, mc_opt_string, offsetof(struct history_opts, format)},
    {"human", 'H', NULL, "Print sizes and dates in human readable format (default true)",
     mc_opt_true, offsetof(struct history_opts, human)},
    {"no-trunc", 0, NULL, "Don't truncate output", mc_opt_true,
     offsetof(struct history_opts, no_trunc)},
    {"quiet", 'q', NULL, "Only show image IDs", mc_opt_true, offsetof(struct history_opts, quiet)},
    {NULL, 0, NULL, NULL, NULL, 0},
};

const struct mc_command mc_cmd_history = {
    .name = "history",
    .usage = "[OPTIONS] IMAGE",
    .summary = "Show the history of an image",
    .options = history_options,
    .min_args = 1,
    .max_args = 1,
};

static const struct mc_field_header history_headers[] = {
    {"ID", "IMAGE"},
    {"CreatedSince", "CREATED"},
    {"CreatedAt", "CREATED AT"},
    {"CreatedBy", "CREATED BY"},
    {"Size", "SIZE"},
    {"Comment", "COMMENT"},
    {NULL, NULL},
};

int verb_history(int argc, char **argv)
{
	struct history_opts o = {.human = true};
	struct mc_listing *out = NULL;
	struct img_store st;
	struct img_image img;
	struct mc_error err;
	json_t *config, *history;
	size_t layer;
	int rc, first;

	if ((rc = mc_parse_verb(&mc_cmd_history, &o, argc, argv, &first)) >= 0)
		return rc;
	if (mc_open_store(&st, &err) < 0 || img_store_find(&st, argv[first], &img, &err) < 0)
		return mc_report(&err);
	if (!o.quiet &&
	    mc_listing_open(
	        &out, o.format,
	        "table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}",
	        history_headers, &err) < 0) {
		img_image_free(&img);
		img_store_close(&st);
		return mc_report(&err);
	}
	config = json_loads(img.config_json, 0, NULL);
	history = json_object_get(config, "history");
	/* Entries with "empty_layer" made no layer; the others match layers in order. */
	layer = img.nlayer;
	rc = 0;
	for (size_t i = json_array_size(history); i-- > 0 && rc == 0;) {
		json_t *h = json_array_get(history, i), *row;
		bool empty = json_is_true(json_object_get(h, "empty_layer"));
		const char *by = json_string_value(json_object_get(h, "created_by")) ?: "";
		const char *when = json_string_value(json_object_get(h, "created")) ?: "";
		char id[80] = "<missing>", since[64], size[32], shown[64];
		uint64_t bytes = 0;

		if (!empty && layer > 0)
			bytes = mc_layer_size(&st, &img.layers[--layer]);
		if (i + 1 == json_array_size(history))
			snprintf(id, sizeof(id), "%s",
			         o.no_trunc ? img.config_digest
			                    : img_digest_hex(img.config_digest));
		if (!o.no_trunc && id[0] != '<')
			id[12] = '\0';
		if (o.quiet) {
			printf("%s\n", id);
			continue;
		}
		if (o.human) {
			mc_human_ago(mc_parse_rfc3339(when), time(NULL), since, sizeof(since));
			mc_human_size(bytes, size, sizeof(size));
		} else {
			snprintf(since, sizeof(since), "%s", when);
			snprintf(size, sizeof(size), "%llu", (unsigned long long)bytes);
		}
		snprintf(shown, sizeof(shown), "%s", by);
		if (!o.no_trunc && strlen(by) > 45)
			snprintf(shown, sizeof(shown), "%.44s…", by);
		row =
		    json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "ID", id, "CreatedSince", since,
		              "CreatedAt", when, "CreatedBy", o.no_trunc ? by : shown, "Size", size,
		              "Comment", json_string_value(json_object_get(h, "comment")) ?: "");
		if (mc_listing_row(out, row, &err) < 0)
			rc = mc_report(&err);
		json_decref(row);
	}
	mc_listing_close(out);
	json_decref(config);
	img_image_free(&img);
	img_store_close(&st);
	return rc;
}
