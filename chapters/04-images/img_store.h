/*
 * store.h - chapter 04: the local image store, content-addressed.
 *
 * The store under MC_ROOT/images is itself an OCI image layout, so any OCI
 * tool can read it (`skopeo inspect oci:$MC_ROOT/images:NAME`):
 *
 *	oci-layout               {"imageLayoutVersion": "1.0.0"}
 *	index.json               one entry per tag: a manifest digest, and the
 *	                         full name in "org.opencontainers.image.ref.name"
 *	blobs/sha256/<hex>       manifests, configs and layer archives
 *	layers/<hex of diff_id>/ each layer unpacked once, shared by every image
 *	                         (chapter 03 mounts them as lower directories)
 *	layer-sizes/<hex>        the bytes each unpacked layer holds
 *	tmp/                     blobs being written; renamed into place when verified
 *	lock                     flock(2)ed while the store changes
 */
#ifndef MC_STORE_H
#define MC_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "img_digest.h"
#include "img_manifest.h"
#include "mc_error.h"
#include "img_reference.h"

struct img_store {
	char root[512]; /* MC_ROOT/images */
	int lock_fd;    /* the lock file, open while the store is open */
	int lock_depth; /* img_store_lock() calls not yet undone */
};

/* A parsed image: its manifest, and the parts of its config we use. */
struct img_layer {
	char digest[IMG_DIGEST_LEN + 1];  /* of the (compressed) blob */
	char diff_id[IMG_DIGEST_LEN + 1]; /* of the uncompressed tar, from the config */
	char media_type[128];
	uint64_t size;
};

struct img_image {
	/* What names the image in the store: its manifest, or - for an image
	 * pulled by a multi-platform tag - the index that lists it. */
	char manifest_digest[IMG_DIGEST_LEN + 1];
	/* The manifest of the image itself (this platform's, from the index). */
	char platform_digest[IMG_DIGEST_LEN + 1];
	char config_digest[IMG_DIGEST_LEN + 1]; /* Docker's "IMAGE ID" */
	size_t nlayer;
	struct img_layer layers[IMG_MAX_LAYERS]; /* lowest first */
	char *config_json;                       /* the whole config document (malloc'd) */
};

/* Open (creating if needed) the store under `mc_root` (NULL: $MC_ROOT or /var/lib/minicontainer). */
int img_store_open(struct img_store *st, const char *mc_root, struct mc_error *err);
void img_store_close(struct img_store *st);
/* flock the store for a change (exclusive) or a consistent read (shared). */
int img_store_lock(struct img_store *st, bool exclusive, struct mc_error *err);
void img_store_unlock(struct img_store *st);

/* The path of a blob: <root>/blobs/sha256/<hex>. */
int img_blob_path(const struct img_store *st, const char *digest, char *buf, size_t size,
                  struct mc_error *err);
bool img_blob_exists(const struct img_store *st, const char *digest);

/*
 * Copy `size` bytes (or to EOF if size is UINT64_MAX) from `in` into the store,
 * hashing as it goes.  The blob becomes visible only once its digest is known
 * and - if `expected` is not NULL - equals it: written to tmp/, fsync'ed,
 * renamed.  A mismatch leaves nothing behind.  `digest_out` may be NULL.
 */
int img_blob_put_fd(struct img_store *st, int in, uint64_t size, const char *expected,
                    char *digest_out, uint64_t *size_out, struct mc_error *err);
int img_blob_put_buffer(struct img_store *st, const void *data, size_t len, const char *expected,
                        char *digest_out, struct mc_error *err);
/*
 * A blob written piece by piece, as it arrives from the network: hashed on
 * the way, renamed into blobs/ by img_blob_writer_commit() only if it is
 * `expected` (NULL: any digest) of `expect_size` bytes (UINT64_MAX: any
 * size).  With `resume` (and an expected digest), the bytes an earlier,
 * interrupted attempt kept in tmp/partial-<hex> are taken up again:
 * img_blob_writer_offset() says how many, so that the caller can ask for
 * the rest only (an HTTP Range request).  commit and abort free the writer;
 * abort with keep_partial leaves a resumable file for the next attempt.
 */
struct img_blob_writer;
int img_blob_writer_open(struct img_store *st, const char *expected, uint64_t expect_size,
                         bool resume, struct img_blob_writer **w, struct mc_error *err);
uint64_t img_blob_writer_offset(const struct img_blob_writer *w);
int img_blob_writer_write(struct img_blob_writer *w, const void *data, size_t len,
                          struct mc_error *err);
int img_blob_writer_commit(struct img_blob_writer *w, char *digest_out, uint64_t *size_out,
                           struct mc_error *err);
void img_blob_writer_abort(struct img_blob_writer *w, bool keep_partial);

/* Read a (small, JSON) blob into a malloc'd, NUL-terminated buffer. */
int img_blob_read(const struct img_store *st, const char *digest, char **data, size_t *len,
                  struct mc_error *err);

/* Names: tag ref -> manifest digest, kept in index.json. */
int img_store_tag(struct img_store *st, const struct img_ref *ref, const char *manifest_digest,
                  uint64_t manifest_size, struct mc_error *err);
int img_store_untag(struct img_store *st, const struct img_ref *ref, struct mc_error *err);

/*
 * Find an image by what a user types: a name ("busybox", "busybox:1.36"), a
 * full or short image ID (the config digest, "sha256:ab12..." or "ab12..."),
 * or a manifest digest.  Fills *img (free with img_image_free).
 */
int img_store_find(struct img_store *st, const char *what, struct img_image *img,
                   struct mc_error *err);
void img_image_free(struct img_image *img);

/*
 * Parse a manifest blob already in the store (and its config) into *img.
 * An index is followed to the manifest it lists for this machine's platform
 * - or, failing that, for any platform - that the store holds.
 */
int img_image_load(struct img_store *st, const char *manifest_digest, struct img_image *img,
                   struct mc_error *err);

/* Every tag in the store. */
struct img_tag {
	char name[512]; /* full reference, "docker.io/library/busybox:latest" */
	char manifest_digest[IMG_DIGEST_LEN + 1];
};
int img_store_list(struct img_store *st, struct img_tag **tags, size_t *count,
                   struct mc_error *err);

/* Unpack every layer of the image that is not unpacked yet, checking diff_ids. */
int img_store_unpack(struct img_store *st, const struct img_image *img, struct mc_error *err);
/* Unpack one layer (its blob is in the store) unless it is unpacked already. */
int img_store_unpack_layer(struct img_store *st, const struct img_layer *layer,
                           struct mc_error *err);
/* The directory of an unpacked layer: <root>/layers/<hex of diff_id>. */
int img_layer_path(const struct img_store *st, const char *diff_id, char *buf, size_t size,
                   struct mc_error *err);

/*
 * The bytes of an unpacked layer's files and symlinks (a hard-linked file
 * once), as recorded when it was unpacked; -1 when none was recorded (the
 * caller counts, and may record it).
 */
int64_t img_layer_size(const struct img_store *st, const char *diff_id);
int img_layer_record_size(const struct img_store *st, const char *diff_id, uint64_t bytes,
                          struct mc_error *err);

/*
 * Delete blobs and unpacked layers no tag reaches any more (after rmi).
 * `keep` lists extra manifest digests to keep alive (images containers use);
 * *freed gets the number of bytes removed.
 */
int img_store_gc(struct img_store *st, const char *const *keep, size_t nkeep, uint64_t *freed,
                 struct mc_error *err);

/*
 * The images img_store_gc would delete: manifests no tag and nothing in
 * `keep` reaches.  An image without a name is unreachable here, so these are
 * exactly Docker's "dangling" images.  `manifests` (malloc'd strings).
 */
int img_store_dangling(struct img_store *st, const char *const *keep, size_t nkeep,
                       char ***manifests, size_t *count, struct mc_error *err);

/*
 * Store a new image from its parts: the config document and layer blobs
 * already in the store (lowest first).  Writes the OCI manifest, tags it.
 * Used by import, docker-archive load and (chapter 06) build and commit.
 */
int img_store_add_image(struct img_store *st, const char *config_json,
                        const struct img_layer *layers, size_t nlayer, const struct img_ref *tag,
                        char *manifest_digest_out, struct mc_error *err);

#endif
