/* history.c - `minicontainer history IMAGE`: how an image was built, newest first. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "mc.h"

int verb_history(int argc, char **argv)
{
	static const struct option options[] = {
	    {"no-trunc", no_argument, NULL, 'T'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	bool no_trunc = false, quiet = false;
	struct mc_table *table;
	struct img_store st;
	struct img_image img;
	struct mc_error err;
	json_t *config, *history;
	size_t layer;
	int opt;

	while ((opt = getopt_long(argc, argv, "+qh", options, NULL)) != -1) {
		if (opt == 'T')
			no_trunc = true;
		else if (opt == 'q')
			quiet = true;
		else if (opt == 'h') {
			printf("Usage:  minicontainer history [OPTIONS] IMAGE\n\n"
			       "Show the history of an image\n\nOptions:\n"
			       "      --no-trunc   Don't truncate output\n"
			       "  -q, --quiet      Only show image IDs\n");
			return 0;
		} else
			return mc_usage_error("history", "unknown flag");
	}
	if (argc - optind != 1)
		return mc_usage_error("history", "\"history\" requires exactly 1 argument");
	if (mc_open_store(&st, &err) < 0 || img_store_find(&st, argv[optind], &img, &err) < 0)
		return mc_report(&err);
	config = json_loads(img.config_json, 0, NULL);
	history = json_object_get(config, "history");
	table = mc_table_new(5);
	if (!quiet)
		mc_table_add(table,
		             (const char *[]){"IMAGE", "CREATED", "CREATED BY", "SIZE", "COMMENT"});
	/* Entries with "empty_layer" made no layer; the others match layers in order. */
	layer = img.nlayer;
	for (size_t i = json_array_size(history); i-- > 0;) {
		json_t *h = json_array_get(history, i);
		bool empty = json_is_true(json_object_get(h, "empty_layer"));
		const char *by = json_string_value(json_object_get(h, "created_by"));
		char id[80] = "<missing>", created[64], size[32], shown[64];

		if (!empty && layer > 0)
			layer--;
		if (i + 1 == json_array_size(history))
			snprintf(id, sizeof(id), "%.12s", img_digest_hex(img.config_digest));
		if (quiet) {
			printf("%s\n", id);
			continue;
		}
		mc_human_ago(mc_parse_rfc3339(json_string_value(json_object_get(h, "created"))),
		             time(NULL), created, sizeof(created));
		mc_human_size(empty ? 0 : img.layers[layer].size, size, sizeof(size));
		snprintf(shown, sizeof(shown), "%s", by ? by : "");
		if (!no_trunc && by != NULL && strlen(by) > 45)
			snprintf(shown, sizeof(shown), "%.44s…", by);
		mc_table_add(table, (const char *[]){
		                        id, created, no_trunc && by ? by : shown, size,
		                        json_string_value(json_object_get(h, "comment")) ?: ""});
	}
	mc_table_print(table);
	mc_table_free(table);
	json_decref(config);
	img_image_free(&img);
	img_store_close(&st);
	return 0;
}
