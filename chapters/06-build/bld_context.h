/*
 * bld_context.h - chapter 06: the build context, and the Dockerfile in it.
 *
 * `build DIR` sends the directory; `build - < archive.tar` a tar archive
 * (plain or compressed), unpacked here into a private directory with
 * chapter 04's extractor; `build - < Dockerfile` a Dockerfile alone, with an
 * empty context.  In every case the result is a directory, opened once, that
 * every source path of COPY and ADD is resolved inside.
 */
#ifndef MC_BLD_CONTEXT_H
#define MC_BLD_CONTEXT_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "bld_ignore.h"
#include "img_store.h"

#define BLD_MAX_DOCKERFILE (16 * 1024 * 1024)

struct bld_context {
	char dir[PATH_MAX];
	int fd;         /* O_PATH descriptor of dir */
	bool temporary; /* made by us (from a tar or nothing): removed by bld_context_close */
	struct bld_ignore ignore;
	char *dockerfile; /* its text */
	size_t dockerfile_len;
	char dockerfile_name[PATH_MAX]; /* as errors name it: "Dockerfile" */
};

/* A directory on the host. */
int bld_context_open_dir(struct bld_context *cx, const char *dir, struct mc_error *err);

/*
 * `build -`: a file that is a tar archive (unpacked under the store's tmp/)
 * or else a Dockerfile (the context is then empty).
 */
int bld_context_open_stdin_file(struct bld_context *cx, struct img_store *st, const char *path,
                                struct mc_error *err);

/*
 * Read the Dockerfile: `file` is -f's value - a path on the host, or "-"
 * for text already read into `text` - or NULL for "Dockerfile" in the
 * context.  Then .dockerignore: FILE.dockerignore next to it if there is
 * one, else .dockerignore in the context.
 */
int bld_context_load(struct bld_context *cx, const char *file, const char *text, size_t len,
                     struct mc_error *err);

void bld_context_close(struct bld_context *cx);

/* Read a Dockerfile (at most BLD_MAX_DOCKERFILE bytes) into *text, malloc'd. */
int bld_read_dockerfile(const char *path, char **text, size_t *len, struct mc_error *err);

#endif
