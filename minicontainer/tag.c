/* tag.c - `minicontainer tag SOURCE TARGET`: another name for an image. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mc.h"
#include "mc_events.h"

const struct mc_command mc_cmd_tag = {
    .name = "tag",
    .usage = "SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]",
    .summary = "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE",
    .min_args = 2,
    .max_args = 2,
};

int verb_tag(int argc, char **argv)
{
	struct img_store st;
	struct img_image img;
	struct img_ref target;
	struct mc_error err;
	size_t len;
	char *manifest;
	int rc, first;

	if ((rc = mc_parse_verb(&mc_cmd_tag, NULL, argc, argv, &first)) >= 0)
		return rc;
	argv += first - 1;
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
	if (rc == 0) {
		char name[600];

		mc_event_image("tag", img.config_digest,
		               img_ref_familiar(&target, name, sizeof(name)));
	}
	img_image_free(&img);
	img_store_close(&st);
	return rc < 0 ? mc_report(&err) : 0;
}
