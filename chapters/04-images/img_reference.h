/*
 * reference.h - chapter 04: image names as Docker reads them.
 *
 *	hello-world                  -> docker.io/library/hello-world:latest
 *	busybox:1.36                 -> docker.io/library/busybox:1.36
 *	quay.io/podman/hello         -> quay.io/podman/hello:latest
 *	localhost:5000/app@sha256:.. -> localhost:5000/app@sha256:...
 *
 * The first component is a registry only if it contains "." or ":" or is
 * "localhost"; otherwise the registry is docker.io, and a name without a
 * slash on docker.io lives in "library/".
 */
#ifndef MC_REFERENCE_H
#define MC_REFERENCE_H

#include "mc_error.h"

/* The longest name (registry "/" repository) a reference may have. */
#define IMG_REF_NAME_MAX 255

struct img_ref {
	char registry[256];   /* "docker.io" */
	char repository[256]; /* "library/hello-world" */
	char tag[129];        /* "latest"; empty when only a digest was given */
	char digest[72];      /* "sha256:<64 hex>" or empty */
};

int img_ref_parse(const char *text, struct img_ref *ref, struct mc_error *err);

/* The full name: "docker.io/library/hello-world:latest" (tag, digest or both). */
const char *img_ref_full(const struct img_ref *ref, char *buf, size_t size);

/* What Docker shows: "hello-world:latest", "quay.io/podman/hello:latest". */
const char *img_ref_familiar(const struct img_ref *ref, char *buf, size_t size);

/* Just the repository part as Docker shows it: "hello-world", "quay.io/podman/hello". */
const char *img_ref_familiar_name(const struct img_ref *ref, char *buf, size_t size);

#endif
