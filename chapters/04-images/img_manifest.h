/*
 * img_manifest.h - chapter 04: the documents that describe an image.
 *
 *	descriptor   {"mediaType", "digest", "size"}: what a reference to a
 *	             blob says about it before it is fetched
 *	manifest     a config descriptor and layer descriptors, lowest first
 *	index        descriptors of manifests, one per platform (OCI index,
 *	             or Docker's "manifest list")
 *	platform     os/architecture[/variant], as Go names them: linux/amd64,
 *	             linux/arm64/v8, linux/arm/v7
 *
 * Everything here reads documents that came from outside (a registry, an
 * archive): every digest is checked for form, every size for sign, every
 * list for length, before anything else uses them.  The store, load, save
 * and the registry client all share these parsers.
 */
#ifndef MC_IMG_MANIFEST_H
#define MC_IMG_MANIFEST_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "img_digest.h"
#include "mc_error.h"

#define MT_OCI_INDEX          "application/vnd.oci.image.index.v1+json"
#define MT_OCI_MANIFEST       "application/vnd.oci.image.manifest.v1+json"
#define MT_OCI_CONFIG         "application/vnd.oci.image.config.v1+json"
#define MT_OCI_LAYER          "application/vnd.oci.image.layer.v1.tar"
#define MT_OCI_LAYER_GZIP     "application/vnd.oci.image.layer.v1.tar+gzip"
#define MT_OCI_LAYER_ZSTD     "application/vnd.oci.image.layer.v1.tar+zstd"
#define MT_DOCKER_MANIFEST    "application/vnd.docker.distribution.manifest.v2+json"
#define MT_DOCKER_LIST        "application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_DOCKER_CONFIG      "application/vnd.docker.container.image.v1+json"
#define MT_DOCKER_LAYER_GZIP  "application/vnd.docker.image.rootfs.diff.tar.gzip"
#define MT_DOCKER_LAYER_PLAIN "application/vnd.docker.image.rootfs.diff.tar"

#define IMG_MAX_LAYERS 256
/* Larger manifests and indexes are refused (the distribution registry's own limit is 4 MiB). */
#define IMG_MAX_MANIFEST_SIZE (4 * 1024 * 1024)
/* Image configs: history and environment can grow, but not without bound. */
#define IMG_MAX_CONFIG_SIZE (16 * 1024 * 1024)

struct img_descriptor {
	char media_type[128]; /* "" when the document gave none */
	char digest[IMG_DIGEST_LEN + 1];
	uint64_t size;
};

/* A descriptor object: a valid sha256 digest and a size >= 0 are required. */
int img_descriptor_parse(json_t *j, struct img_descriptor *d, struct mc_error *err);

bool img_is_index_type(const char *media_type);
bool img_is_manifest_type(const char *media_type);
/* tar, tar+gzip or tar+zstd, OCI or Docker: a layer this store can unpack. */
bool img_is_layer_type(const char *media_type);

/* What a document is: by its mediaType, or - when it has none - by its shape. */
enum img_doc_kind {
	IMG_DOC_OTHER,
	IMG_DOC_MANIFEST,
	IMG_DOC_INDEX,
};
enum img_doc_kind img_doc_kind(json_t *doc);

/* A parsed image manifest. */
struct img_manifest {
	char media_type[128]; /* the document's own, "" if it has none */
	struct img_descriptor config;
	size_t nlayer;
	struct img_descriptor *layers; /* malloc'd, lowest first */
};

/* Parse and check a manifest document (free it with img_manifest_free). */
int img_manifest_parse(const char *text, size_t len, struct img_manifest *m, struct mc_error *err);
void img_manifest_free(struct img_manifest *m);

/* Parse a JSON document of at most IMG_MAX_MANIFEST_SIZE bytes ("what" names it in errors). */
json_t *img_json_parse(const char *text, size_t len, const char *what, struct mc_error *err);

struct img_platform {
	char os[32];           /* "linux" */
	char architecture[32]; /* "amd64", "arm64", "arm", "386", ... */
	char variant[16];      /* "v8", "v7", or "" */
};

/* The platform this program was built for: linux/amd64, linux/arm64/v8 ... */
void img_platform_host(struct img_platform *p);
/* "linux/arm64", "linux/arm/v7", "arm64" (linux is implied); aarch64 and x86_64 are understood. */
int img_platform_parse(const char *text, struct img_platform *p, struct mc_error *err);
const char *img_platform_format(const struct img_platform *p, char *buf, size_t size);

/* May the manifest `digest` be chosen?  (The store: only manifests it holds.) */
typedef bool (*img_usable_fn)(const char *digest, void *arg);

/*
 * Choose the manifest for `want` from an index: the first entry of that
 * platform that `usable` accepts (NULL: any), never an attestation; an
 * entry without a platform only if nothing matches.  *out gets its
 * descriptor.  Fails with Docker's "no matching manifest for ..." when
 * there is none.
 */
int img_index_pick(json_t *index, const struct img_platform *want, img_usable_fn usable, void *arg,
                   struct img_descriptor *out, struct mc_error *err);

#endif
