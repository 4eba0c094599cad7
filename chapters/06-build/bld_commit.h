/*
 * bld_commit.h - chapter 06: `commit`, a container's changes as an image.
 *
 * A build makes each layer from a step's upper directory; commit does the
 * same with a container's upper directory, once, by hand.  The new image is
 * the container's image plus that one layer, with the container's config
 * (its Cmd, Env, WorkingDir ...) and the --change instructions on top.
 *
 * commit vs build: a build says *how* an image is made and can make it
 * again; a commit only says *what* one container did.
 */
#ifndef MC_BLD_COMMIT_H
#define MC_BLD_COMMIT_H

#include <jansson.h>
#include <stdbool.h>

#include "img_store.h"

struct bld_commit {
	const char *upper; /* the container's upper directory (only read) */
	const char *base;  /* its image: the manifest digest */
	json_t *config;    /* the container's config, Docker's names (Cmd, Env ...); may be NULL */
	const char *created_by; /* the container's command, for the history */
	char *const *changes;   /* -c "CMD [...]" ... */
	size_t nchanges;
	const char *author;  /* -a */
	const char *comment; /* -m */
	bool zstd;
	const struct img_ref *tag; /* may be NULL */
};

/* Write the layer and the image; image_id (config digest) and manifest (may be NULL) are set. */
int bld_commit(struct img_store *st, const struct bld_commit *c, char *image_id, char *manifest,
               struct mc_error *err);

#endif
