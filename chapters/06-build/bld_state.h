/*
 * bld_state.h - chapter 06: the state of a build in progress, shared by
 * build.c (stages, arguments, metadata, the result) and steps.c (the
 * steps that make layers).  Not used outside this chapter.
 */
#ifndef MC_BLD_STATE_H
#define MC_BLD_STATE_H

#include <jansson.h>
#include <limits.h>

#include "bld_build.h"
#include "bld_cache.h"
#include "bld_dockerfile.h"
#include "bld_instructions.h"
#include "bld_shell.h"
#include "bld_text.h"

/* One stage while it is built. */
struct stage {
	const struct bld_stage *def;
	size_t index;
	bool needed, done;
	char label[80]; /* "[builder 2/5]" is label + step numbers; "" for a one-stage build */
	int step, nsteps;
	json_t *image; /* the config document so far */
	struct img_layer *layers;
	size_t nlayer;
	char fs_key[IMG_DIGEST_LEN + 1]; /* the cache chain: what the files are so far */
	struct bld_list args; /* ARGs in scope: "K=V", or "K" when declared without one */
	bool cmd_set;
	char created[40]; /* when the files last changed: history times for metadata steps */
	int mount_fd;     /* a read-only view of the files, for COPY --from (-1: none) */
	char mount_dir[PATH_MAX];
};

struct build {
	struct img_store *st;
	const struct bld_options *o;
	struct bld_result *res;
	struct bld_cache cache;
	struct bld_dockerfile df;
	struct bld_program prog;
	struct bld_lex lex;
	struct bld_list globals; /* ARGs before the first FROM, with their values */
	struct bld_list
	    proxies; /* --build-arg HTTP_PROXY & co: RUN sees them, nothing records them */
	struct stage *stages;
	size_t nstages;
	char work[PATH_MAX]; /* scratch space: <store>/tmp/build-XXXXXX */
	unsigned seq;
	int64_t epoch; /* SOURCE_DATE_EPOCH, or -1 */
	bool *arg_used;
	struct stage *images; /* COPY --from=IMAGE: images used as sources, read-only */
	size_t nimages;
};

/* ---- build.c ------------------------------------------------------------------------------- */

/* The environment words are expanded with: ENV first (it wins), then ARGs. */
char **bld_stage_env(struct build *b, struct stage *s);
/* The same, plus PATH if missing and the proxy --build-args: what RUN sees. */
char **bld_run_env(struct build *b, struct stage *s);
/* A time for history: SOURCE_DATE_EPOCH, or now (RFC 3339). */
void bld_now(struct build *b, char *buf, size_t size);
/* Append a history entry to the stage's config. */
void bld_history(struct stage *s, const char *created, const char *created_by, bool empty);
/* Find a stage by name or number, earlier than `before`. */
struct stage *bld_find_stage(struct build *b, const char *name, size_t before);
/* An image from the store (or pulled) as a read-only source stage. */
int bld_image_stage(struct build *b, const char *ref, struct stage **out, struct mc_error *err);
/* Load an image from the store into a stage: layers, config. */
int bld_load_image(struct build *b, struct stage *s, const char *ref, struct mc_error *err);

/* ---- steps.c -------------------------------------------------------------------------------- */

int bld_step_run(struct build *b, struct stage *s, const struct bld_instr *in,
                 struct mc_error *err);
int bld_step_copy(struct build *b, struct stage *s, const struct bld_instr *in,
                  struct mc_error *err);
int bld_step_workdir(struct build *b, struct stage *s, const struct bld_instr *in,
                     struct mc_error *err);
/* A read-only view of a stage's files, for COPY --from (mounted once). */
int bld_stage_root(struct build *b, struct stage *s, struct mc_error *err);
/* Unmount what bld_stage_root mounted. */
void bld_stage_unmount(struct stage *s);

#endif
