/* import.c - `minicontainer import FILE [REPOSITORY[:TAG]]`: a root filesystem as an image. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "archive.h"
#include "mc.h"

int verb_import(int argc, char **argv)
{
	static const struct option options[] = {
	    {"message", required_argument, NULL, 'm'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	char manifest[IMG_DIGEST_LEN + 1], created_by[512];
	const char *message = NULL;
	struct img_ref ref, *tag = NULL;
	struct img_store st;
	struct img_image img;
	struct mc_error err;
	int opt;

	while ((opt = getopt_long(argc, argv, "+m:h", options, NULL)) != -1) {
		if (opt == 'm')
			message = optarg;
		else if (opt == 'h') {
			printf("Usage:  minicontainer import [OPTIONS] file [REPOSITORY[:TAG]]\n\n"
			       "Import the contents from a tarball to create a filesystem image\n\n"
			       "Options:\n"
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
	if (mc_open_store(&st, &err) < 0 ||
	    img_import(&st, argv[optind], tag, created_by, manifest, &err) < 0 ||
	    img_image_load(&st, manifest, &img, &err) < 0)
		return mc_report(&err);
	/* Docker prints the new image's ID. */
	printf("%s\n", img.config_digest);
	img_image_free(&img);
	img_store_close(&st);
	return 0;
}
