/* import.c - `minicontainer import FILE [REPOSITORY[:TAG]]`: a root filesystem as an image. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>
#include <jansson.h>

#include "bld_config.h"
#include "img_archive.h"
#include "mc.h"

/* Re-create the imported image with the changed config, under the same tag. */
static int apply_changes(struct img_store *st, char *manifest, const struct img_ref *tag,
                         char **changes, size_t n, struct mc_error *err)
{
	struct img_image img;
	json_t *doc;
	char *text;
	int rc = 0;

	if (img_image_load(st, manifest, &img, err) < 0)
		return -1;
	/* Chapter 06's code: the same instructions a Dockerfile has. */
	doc = json_loads(img.config_json, 0, NULL);
	rc = bld_apply_changes(doc, changes, n, err);
	text = rc == 0 ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	if (rc == 0)
		rc = img_store_add_image(st, text, img.layers, img.nlayer, tag, manifest, err);
	free(text);
	json_decref(doc);
	img_image_free(&img);
	return rc;
}

const struct mc_command mc_cmd_import = {
    .name = "import",
    .usage = "[OPTIONS] file|URL|- [REPOSITORY[:TAG]]",
    .summary = "Import the contents from a tarball to create a filesystem image",
    .min_args = 1,
    .max_args = 2,
};

int verb_import(int argc, char **argv)
{
	static const struct option options[] = {
	    {"message", required_argument, NULL, 'm'},
	    {"change", required_argument, NULL, 'c'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	char manifest[IMG_DIGEST_LEN + 1], created_by[512];
	const char *message = NULL;
	char *changes[32];
	size_t nchange = 0;
	char tmp[64] = "";
	int rc;
	struct img_ref ref, *tag = NULL;
	struct img_store st;
	struct img_image img;
	struct mc_error err;
	int opt;

	while ((opt = getopt_long(argc, argv, "+m:c:h", options, NULL)) != -1) {
		if (opt == 'm')
			message = optarg;
		else if (opt == 'c' && nchange < 32)
			changes[nchange++] = optarg;
		else if (opt == 'h') {
			printf(
			    "Usage:  minicontainer import [OPTIONS] file [REPOSITORY[:TAG]]\n\n"
			    "Import the contents from a tarball to create a filesystem image\n\n"
			    "Options:\n"
			    "  -c, --change list      Apply Dockerfile instruction to the created "
			    "image\n"
			    "  -m, --message string   Set commit message for imported image\n");
			return 0;
		} else
			return mc_usage_error("import", "unknown flag");
	}
	if (argc - optind < 1 || argc - optind > 2)
		return mc_usage_error("import", "\"import\" requires 1 or 2 arguments");
	if (argc - optind == 2) {
		if (img_ref_parse(argv[optind + 1], &ref, &err) < 0)
			return mc_report(&err);
		tag = &ref;
	}
	snprintf(created_by, sizeof(created_by), "%s", message ? message : "minicontainer import");
	if (strcmp(argv[optind], "-") == 0) {
		if (mc_stdin_to_file(tmp, sizeof(tmp), &err) < 0)
			return mc_report(&err);
		argv[optind] = tmp;
	}
	rc = mc_open_store(&st, &err);
	if (rc == 0)
		rc = img_import(&st, argv[optind], tag, created_by, manifest, &err);
	if (rc == 0 && nchange > 0)
		rc = apply_changes(&st, manifest, tag, changes, nchange, &err);
	if (rc == 0)
		rc = img_image_load(&st, manifest, &img, &err);
	if (tmp[0] != '\0')
		unlink(tmp);
	if (rc < 0)
		return mc_report(&err);
	/* Docker prints the new image's ID. */
	printf("%s\n", img.config_digest);
	img_image_free(&img);
	img_store_close(&st);
	return 0;
}
