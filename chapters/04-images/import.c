/*
 * import.c - chapter 04: `import`, a root filesystem tarball as a one-layer
 * image.  The tarball becomes the layer blob as it is (plain, gzip or
 * zstd); its diff_id is the sha256 of its uncompressed stream; the config
 * says no more than the architecture, the OS, the time and where the image
 * came from.
 */
#define _GNU_SOURCE
#include "img_archive.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "img_files.h"
#include "img_manifest.h"
#include "mc_trace.h"

#define CH "ch04"

/* The tarball goes into the store as it is; its diff_id is the sha256 of its uncompressed stream. */
static int import_layer(struct img_store *st, int fd, const char *path, struct img_layer *layer,
                        struct mc_error *err)
{
	snprintf(layer->media_type, sizeof(layer->media_type), "%s", img_layer_media_type(fd));
	if (img_blob_put_fd(st, fd, UINT64_MAX, NULL, layer->digest, &layer->size, err) < 0)
		return mc_fail_context(err, "import %s", path);
	if (strcmp(layer->media_type, MT_OCI_LAYER) == 0) {
		snprintf(layer->diff_id, sizeof(layer->diff_id), "%s", layer->digest);
		return 0;
	}
	if (lseek(fd, 0, SEEK_SET) < 0)
		return mc_fail(err, errno, "import %s", path);
	if (img_read_uncompressed(fd, -1, layer->diff_id, NULL, err) < 0)
		return mc_fail_context(err, "import %s", path);
	return 0;
}

/* A config for an image nobody built: just the layer, and where it came from. */
static char *import_config(const char *diff_id, const char *created_by)
{
	time_t now = time(NULL);
	struct img_platform host;
	char created[32];
	json_t *config;
	struct tm tm;
	char *text;

	img_platform_host(&host);
	strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
	config = json_pack("{s:s, s:s, s:s, s:{}, s:{s:s, s:[s]}, s:[{s:s, s:s}]}", "architecture",
	                   host.architecture, "os", host.os, "created", created, "config", "rootfs",
	                   "type", "layers", "diff_ids", diff_id, "history", "created", created,
	                   "created_by", created_by ? created_by : "minicontainer import");
	text = config ? json_dumps(config, JSON_COMPACT) : NULL;
	json_decref(config);
	return text;
}

int img_import(struct img_store *st, const char *tar_path, const struct img_ref *tag,
               const char *created_by, char *manifest_digest_out, struct mc_error *err)
{
	struct img_image *img = calloc(1, sizeof(*img));
	char digest[IMG_DIGEST_LEN + 1], *config = NULL;
	int fd, rc;

	if (img == NULL)
		return mc_fail(err, ENOMEM, "import %s", tar_path);
	fd = open(tar_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		free(img);
		return mc_fail(err, errno, "import %s", tar_path);
	}
	/* Exclusive: a garbage collection must not sweep the layer before the tag names it. */
	rc = img_store_lock(st, true, err);
	if (rc == 0) {
		rc = import_layer(st, fd, tar_path, &img->layers[0], err);
		img->nlayer = 1;
		/* Unpack before the image exists: a file that is not a tar fails
		 * here and no name points at a broken image.  (Its blob stays
		 * until the next garbage collection.) */
		if (rc == 0 && img_store_unpack(st, img, err) < 0)
			rc = mc_fail_context(err, "import %s", tar_path);
		if (rc == 0 && (config = import_config(img->layers[0].diff_id, created_by)) == NULL)
			rc = mc_fail(err, ENOMEM, "import %s", tar_path);
		if (rc == 0)
			rc = img_store_add_image(st, config, img->layers, 1, tag, digest, err);
		img_store_unlock(st);
	}
	if (rc == 0) {
		mc_trace(CH, "imported %s as %s", tar_path, digest);
		if (manifest_digest_out != NULL)
			memcpy(manifest_digest_out, digest, sizeof(digest));
	}
	free(config);
	free(img);
	close(fd);
	return rc;
}
