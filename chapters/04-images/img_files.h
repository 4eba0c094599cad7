/*
 * img_files.h - chapter 04: what load, save and import share about image
 * files: writing everything, libarchive's errors, small JSON files, and
 * telling a layer's compression from its first bytes.
 */
#ifndef MC_IMG_FILES_H
#define MC_IMG_FILES_H

#include <stddef.h>
#include <stdint.h>

#include "img_store.h"

/* The files of an OCI image layout (image-spec, image-layout.md). */
#define IMG_LAYOUT_TEXT     "{\"imageLayoutVersion\":\"1.0.0\"}"
#define IMG_NAME_ANNOTATION "io.containerd.image.name"
#define IMG_REF_ANNOTATION  "org.opencontainers.image.ref.name"
/* index.json, manifest.json and configs in archives: no larger than this. */
#define IMG_MAX_JSON_SIZE (16 * 1024 * 1024)

struct archive;

/* write(2) until everything is written; -1 with errno on failure. */
int img_write_all(int fd, const void *data, size_t len);

/* Record libarchive's message for `what path` ("read x.tar: Truncated tar archive"). */
int img_archive_fail(struct mc_error *err, struct archive *a, const char *what, const char *path);

/* Read a regular file of at most IMG_MAX_JSON_SIZE bytes into a malloc'd, NUL-terminated buffer. */
int img_read_small_file(const char *path, char **data, size_t *len, struct mc_error *err);

/* A layer's media type from its first bytes: tar, tar+gzip or tar+zstd (OCI names). */
const char *img_layer_media_type(int fd);

/*
 * Decompress a layer read from `in` (plain, gzip or zstd), hash the
 * uncompressed stream - its diff_id - and copy it to `out` unless out is -1.
 */
int img_read_uncompressed(int in, int out, char diff_id[IMG_DIGEST_LEN + 1], uint64_t *size,
                          struct mc_error *err);

/* A new private directory <store>/tmp/WHAT-XXXXXX (same filesystem as the store: renames work). */
int img_make_tmpdir(const struct img_store *st, const char *what, char *buf, size_t size,
                    struct mc_error *err);

/* rm -rf, for cleaning up after a failure that is being reported already. */
void img_remove_quietly(const char *path);

#endif
