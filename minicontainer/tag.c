/* tag.c - `minicontainer tag SOURCE TARGET`: another name for an image. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mc.h"

int verb_tag(int argc, char **argv)
{
	struct img_store st;
	struct img_image img;
	struct img_ref target;
	struct mc_error err;
	size_t len;
	char *manifest;
	int rc;

	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		printf("Usage:  minicontainer tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]\n\n"
		       "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE\n");
		return 0;
	}
	if (argc != 3)
		return mc_usage_error("tag", "\"tag\" requires exactly 2 arguments");
	if (img_ref_parse(argv[2], &target, &err) < 0)
		return mc_report(&err);
	if (target.digest[0] != '\0')
		return mc_usage_error("tag", "a tag cannot name a digest: %s", argv[2]);
	if (mc_open_store(&st, &err) < 0 || img_store_find(&st, argv[1], &img, &err) < 0)
		return mc_report(&err);
	rc = img_blob_read(&st, img.manifest_digest, &manifest, &len, &err);
	if (rc == 0) {
		rc = img_store_tag(&st, &target, img.manifest_digest, len, &err);
		free(manifest);
	}
	img_image_free(&img);
	img_store_close(&st);
	return rc < 0 ? mc_report(&err) : 0;
}
