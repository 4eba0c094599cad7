/*
 * img_registry.h - chapter 04: talking to a registry (the OCI distribution
 * protocol over HTTP), and pulling and pushing images with it.
 *
 *	GET  /v2/                                 are you a registry? (and: how do I log in?)
 *	GET  /v2/NAME/manifests/REFERENCE         a manifest or an index, by tag or digest
 *	GET  /v2/NAME/blobs/DIGEST                a config or a layer (maybe a redirect)
 *	HEAD /v2/NAME/blobs/DIGEST                do you have it?
 *	POST /v2/NAME/blobs/uploads/[?mount=&from=]  start an upload (or mount from another repository)
 *	PATCH, PUT LOCATION[?digest=DIGEST]       send the bytes, then seal them under their digest
 *	PUT  /v2/NAME/manifests/TAG               name the image
 *
 * Library code: nothing here prints.  Progress is reported through a
 * callback, every request is narrated by --trace (mc_trace), and no
 * credential or token ever appears in a trace line or an error message.
 */
#ifndef MC_IMG_REGISTRY_H
#define MC_IMG_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "img_manifest.h"
#include "img_reference.h"
#include "img_store.h"

/* Where requests for a registry go: the registry itself, or a mirror of Docker Hub. */
struct img_endpoint {
	char url[512];        /* "https://registry-1.docker.io", "http://127.0.0.1:5000" */
	char name[256];       /* the registry's name: credentials and certs.d are looked up by it */
	bool mirror;          /* a pull-through cache: on any failure, the next endpoint is tried */
	bool insecure;        /* TLS without verification, then plain HTTP, are allowed */
	bool explicit_scheme; /* the URL said http:// or https://: no fallback */
};

/* How to talk to registries: the command line's options and the configuration. */
struct img_registry_opts {
	int tls_verify; /* -1: Docker's rules; 0: --tls-verify=false; 1: --tls-verify=true */
	const char
	    *cert_dir; /* --cert-dir: CA certificates NAME.crt, client NAME.cert + NAME.key */
	const char *username; /* login: these instead of the credentials file */
	const char *password;
};

/*
 * The endpoints for `registry`, in the order to try them: for docker.io the
 * configured mirrors, then registry-1.docker.io; for any other registry just
 * itself.  Mirrors and insecure registries come from the configuration file
 * ($MC_CONFIG_FILE, default /etc/minicontainer/daemon.json, in the shape of
 * Docker's daemon.json: "registry-mirrors", "insecure-registries") and
 * $MC_REGISTRY_MIRRORS (comma-separated URLs, before the file's).
 * `with_mirrors` false: the registry only (push never goes to a mirror).
 */
int img_endpoints(const char *registry, bool with_mirrors, const struct img_registry_opts *opts,
                  struct img_endpoint **eps, size_t *n, struct mc_error *err);

/* ---- a session with one repository of one endpoint ------------------------------------- */

struct img_registry;

int img_registry_open(const struct img_endpoint *ep, const char *repository, bool push,
                      const struct img_registry_opts *opts, struct img_registry **r,
                      struct mc_error *err);
void img_registry_close(struct img_registry *r);

/* Also ask for pull access to another repository (a cross-repository mount's source). */
void img_registry_add_scope(struct img_registry *r, const char *repository);

/* GET /v2/: is it a registry, which scheme (https, or http for an insecure one), which auth. */
int img_registry_ping(struct img_registry *r, struct mc_error *err);

/* A small document (manifest, index, config) fetched into memory. */
struct img_fetched {
	char *data; /* malloc'd */
	size_t len;
	char media_type[128];            /* the Content-Type the registry sent */
	char digest[IMG_DIGEST_LEN + 1]; /* sha256 of data */
};
void img_fetched_free(struct img_fetched *f);

/*
 * GET a manifest or index by tag or digest, offering every media type this
 * client reads.  By digest, the bytes must have that digest; by tag, a
 * Docker-Content-Digest header must agree with them.
 */
int img_registry_get_manifest(struct img_registry *r, const char *reference,
                              struct img_fetched *out, struct mc_error *err);

/* GET a small blob (a config) into memory: at most `max` bytes, checked against its digest. */
int img_registry_get_blob(struct img_registry *r, const struct img_descriptor *d, size_t max,
                          struct img_fetched *out, struct mc_error *err);

/*
 * GET blobs into the store, `parallel` at a time, each streamed through an
 * img_blob_writer (verified, resumable).  `progress(i, bytes)` is called as
 * bytes of blob i arrive and with bytes == UINT64_MAX when it is stored.
 */
typedef void (*img_blob_progress_fn)(size_t i, uint64_t bytes, void *arg);
int img_registry_fetch_blobs(struct img_registry *r, struct img_store *st,
                             const struct img_descriptor *blobs, size_t n, size_t parallel,
                             img_blob_progress_fn progress, void *arg, struct mc_error *err);

/* HEAD a blob: *exists says whether the repository has it. */
int img_registry_blob_exists(struct img_registry *r, const char *digest, bool *exists,
                             struct mc_error *err);

/*
 * Upload a blob of the store: a cross-repository mount from `mount_from`
 * first if it is not NULL (*mounted says whether that did it), else POST and
 * PUT - with PATCHes of IMG_CHUNK_SIZE bytes in between for a large blob.
 */
#define IMG_CHUNK_SIZE (16 * 1024 * 1024)
int img_registry_upload_blob(struct img_registry *r, struct img_store *st,
                             const struct img_descriptor *d, const char *mount_from, bool *mounted,
                             img_blob_progress_fn progress, void *arg, struct mc_error *err);

/* PUT a manifest under `reference` (a tag or its digest); digest_out gets what the registry says. */
int img_registry_put_manifest(struct img_registry *r, const char *reference, const char *media_type,
                              const char *data, size_t len, char digest_out[IMG_DIGEST_LEN + 1],
                              struct mc_error *err);

/* ---- pull, push, login ------------------------------------------------------------------ */

/*
 * Progress, Docker's way: `id` is a layer's short digest (12 hex digits) or
 * NULL for a line of its own; `status` is "Pulling fs layer", "Downloading",
 * "Download complete", "Extracting", "Pull complete", "Already exists",
 * "Pushing", "Pushed", "Layer already exists", "Mounted from NAME" ...;
 * current/total are bytes (total 0: unknown).
 */
struct img_progress {
	const char *id;
	const char *status;
	uint64_t current, total;
};
typedef void (*img_progress_fn)(const struct img_progress *p, void *arg);

struct img_pull_opts {
	struct img_registry_opts registry;
	const char *platform; /* "linux/arm64"; NULL: this machine's */
	img_progress_fn progress;
	void *progress_arg;
};

struct img_pull_result {
	char full_name[600];             /* "docker.io/library/busybox:latest" */
	char digest[IMG_DIGEST_LEN + 1]; /* what the tag names: the index or the manifest */
	bool up_to_date;                 /* the store had this image already */
};

/* `docker pull NAME`: fetch, verify, store, unpack, tag.  All or nothing. */
int img_pull(struct img_store *st, const char *name, const struct img_pull_opts *opts,
             struct img_pull_result *res, struct mc_error *err);

struct img_push_result {
	char repository[600];            /* "127.0.0.1:5000/busybox", as Docker prints it */
	char reference[160];             /* the tag (or digest) pushed */
	char digest[IMG_DIGEST_LEN + 1]; /* the pushed manifest's digest */
	uint64_t size;                   /* and its size */
};

/* `docker push NAME`: the image's blobs the registry lacks, then its manifest. */
int img_push(struct img_store *st, const char *name, const struct img_pull_opts *opts,
             struct img_push_result *res, struct mc_error *err);

/*
 * `docker login`: check the credentials against the registry (GET /v2/,
 * answering its challenge), then store them.  opts->username and password
 * must be set.
 */
int img_login(const char *registry, const struct img_registry_opts *opts, struct mc_error *err);

#endif
