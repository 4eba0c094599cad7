/* load.c - `minicontainer load -i FILE`: images from an archive into the store. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "img_archive.h"
#include "mc.h"
#include "mc_events.h"

struct load_opts {
	const char *input;
	bool quiet;
	struct img_store *st;
};

static void report_loaded(const char *full_name, const char *manifest_digest, void *arg)
{
	struct load_opts *o = arg;
	struct img_ref ref;
	struct img_image img;
	struct mc_error ignored;
	char familiar[600];

	/* The event names the image by its ID, as moby's does. */
	if (img_image_load(o->st, manifest_digest, &img, &ignored) == 0) {
		mc_event_image("load", img.config_digest, img.config_digest);
		img_image_free(&img);
	}
	if (o->quiet)
		return;
	if (full_name[0] != '\0' && img_ref_parse(full_name, &ref, &ignored) == 0)
		printf("Loaded image: %s\n", img_ref_familiar(&ref, familiar, sizeof(familiar)));
	else
		printf("Loaded image ID: %s\n", manifest_digest);
}

static const struct mc_option load_options[] = {
    {"input", 'i', "string",
     "Read from a tar archive file or an OCI layout directory, instead of STDIN", mc_opt_string,
     offsetof(struct load_opts, input)},
    {"quiet", 'q', NULL, "Suppress the load output", mc_opt_true,
     offsetof(struct load_opts, quiet)},
    {NULL, 0, NULL, NULL, NULL, 0},
};

const struct mc_command mc_cmd_load = {
    .name = "load",
    .usage = "[OPTIONS]",
    .summary = "Load an image from a tar archive or STDIN",
    .options = load_options,
    .min_args = 0,
    .max_args = 0,
};

int verb_load(int argc, char **argv)
{
	struct load_opts o = {NULL, false, NULL};
	const char *input;
	char tmp[64] = "";
	struct img_store st;
	struct mc_error err;
	int rc, first;

	if ((rc = mc_parse_verb(&mc_cmd_load, &o, argc, argv, &first)) >= 0)
		return rc;
	input = o.input;
	if (input == NULL) {
		if (isatty(STDIN_FILENO))
			return mc_usage_error(mc_current_path,
			                      "requested load from stdin, but stdin is "
			                      "empty (use -i FILE)");
		if (mc_stdin_to_file(tmp, sizeof(tmp), &err) < 0)
			return mc_report(&err);
		input = tmp;
	}
	if (mc_open_store(&st, &err) < 0)
		return mc_report(&err);
	o.st = &st;
	rc = img_load(&st, input, report_loaded, &o, &err);
	if (tmp[0] != '\0')
		unlink(tmp);
	img_store_close(&st);
	return rc < 0 ? mc_report(&err) : 0;
}
