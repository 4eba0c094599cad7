/*
 * bld_build.h - chapter 06: building an image from a Dockerfile.
 *
 * A Dockerfile is a program, and this is its interpreter.  Each stage
 * starts from an image (FROM) and runs its instructions in order:
 *
 *	FROM       the base image's layers and config; or scratch; or an earlier stage
 *	RUN        a container on the image so far (chapters 01-03): its upper
 *	           directory's changes become a new layer
 *	COPY, ADD  files from the context (or a stage, or an image) into an
 *	           overlay of the image so far: a new layer
 *	WORKDIR    the directory is made (a layer, if it was missing)
 *	the rest   only the config changes (bld_config.h)
 *
 * Each step that changes files is looked up in the cache first
 * (bld_cache.h) and skipped when it ran before.  The last stage (or
 * --target) becomes the image: its layers, its config, its history - put
 * into chapter 04's store and tagged.
 */
#ifndef MC_BLD_BUILD_H
#define MC_BLD_BUILD_H

#include <stdbool.h>

#include "bld_context.h"
#include "bld_copy.h"
#include "bld_progress.h"
#include "bld_run.h"
#include "img_store.h"

/*
 * Make `ref` available in the store - the registry client's pull, when the
 * capstone has one.  NULL: an image that is not in the store is an error,
 * in Docker's words.
 */
typedef int (*bld_pull_fn)(void *arg, struct img_store *st, const char *ref, struct mc_error *err);

struct bld_options {
	struct bld_context *context; /* opened, Dockerfile loaded */
	char *const *tags;           /* -t, NULL-terminated; may be NULL (an untagged image) */
	const char *target;          /* --target STAGE; NULL: the last stage */
	char *const *build_args;     /* --build-arg K=V, or K (its value from our environment) */
	char *const *labels;         /* --label K=V */
	bool no_cache;
	bool zstd;                /* layers as tar+zstd */
	enum bld_network network; /* --network: RUN's default */
	const char *platform;     /* --platform; NULL: this machine's */
	struct bld_progress *progress;
	bld_pull_fn pull;
	void *pull_arg;
	bld_fetch_fn fetch; /* ADD of a URL */
	void *fetch_arg;
};

struct bld_result {
	char image_id[IMG_DIGEST_LEN + 1]; /* the config's digest, Docker's image ID */
	char manifest[IMG_DIGEST_LEN + 1];
	int line, end_line;    /* the instruction that failed (0: none) */
	int exit_code;         /* a RUN that failed: its status */
	size_t steps, cached;  /* filesystem steps, and how many came from the cache */
	char unused_args[512]; /* --build-arg names no ARG declared */
};

int bld_build(struct img_store *st, const struct bld_options *o, struct bld_result *res,
              struct mc_error *err);

/* "linux/amd64": the platform images are built for here. */
const char *bld_host_platform(void);

#endif
