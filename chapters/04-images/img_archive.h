/*
 * img_archive.h - chapter 04: images in and out of the store as files.
 *
 *	docker-archive   a tar as written by `docker save` / `podman save`:
 *	                 manifest.json (Config, RepoTags, Layers), the config
 *	                 JSON, one uncompressed layer.tar per layer
 *	OCI layout       a directory: oci-layout, index.json, blobs/sha256/...
 *	OCI archive      a tar of an OCI layout
 *	rootfs tarball   `import`: a plain (or gzip/zstd) tar of a root
 *	                 filesystem becomes a one-layer image
 */
#ifndef MC_ARCHIVE_H
#define MC_ARCHIVE_H

#include "img_store.h"

enum img_format {
	IMG_FORMAT_DOCKER_ARCHIVE,
	IMG_FORMAT_OCI_ARCHIVE,
	IMG_FORMAT_OCI_LAYOUT,
};

/* Called once per image name loaded ("docker.io/library/busybox:latest"). */
typedef void (*img_loaded_fn)(const char *full_name, const char *manifest_digest, void *arg);

/*
 * Load every image in `path` - a docker-archive tar, an OCI archive tar or
 * an OCI layout directory, told apart by their contents - into the store,
 * verifying every digest and unpacking the layers.  Nothing is tagged unless
 * everything it needs is in the store.
 */
int img_load(struct img_store *st, const char *path, img_loaded_fn loaded, void *arg,
             struct mc_error *err);

/* Write the named images (as users type them) to `out_path` in `format`. */
int img_save(struct img_store *st, const char *const *names, size_t nname, const char *out_path,
             enum img_format format, struct mc_error *err);

/*
 * `docker import`: make a one-layer image from a root filesystem tarball and
 * tag it.  `created_by` goes into the image history (NULL: "minicontainer
 * import").  The new manifest digest is written to manifest_digest_out
 * (IMG_DIGEST_LEN + 1 bytes) if it is not NULL.
 */
int img_import(struct img_store *st, const char *tar_path, const struct img_ref *tag,
               const char *created_by, char *manifest_digest_out, struct mc_error *err);

#endif
