/*
 * bld_cache.h - chapter 06: the build cache.
 *
 * A step is skipped when a step with the same key ran before.  The key is a
 * sha256 over everything the step's result depends on:
 *
 *	the filesystem it starts from   the key of the step before (a chain),
 *	                                or the base image's layers
 *	RUN                             the command, the shell, the environment
 *	                                it sees (ENV and ARG), user, workdir, network
 *	COPY, ADD                       each source's path, content, mode and
 *	                                ownership - never its mtime - the
 *	                                destination, --chown, --chmod
 *
 * Because each key includes the one before, a miss changes every key after
 * it: the rest of the build runs again.  ENV, LABEL, CMD and other steps
 * that only change the image config are not in the chain - they cost
 * nothing to redo - but RUN sees the environment, so a changed ARG or ENV
 * misses at the first RUN that sees it, and not before.
 *
 * The cache lives in $MC_ROOT/build-cache/, one small JSON record per key.
 * A record's layer is kept alive in the image store by a one-layer
 * manifest that image GC treats as a root (bld_cache_roots): `rmi` never
 * empties the cache, `builder prune` does - and neither ever removes a
 * layer that a tagged image uses, because GC marks those first.
 */
#ifndef MC_BLD_CACHE_H
#define MC_BLD_CACHE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "img_store.h"

/* ---- keys --------------------------------------------------------------------------------------- */

struct bld_key {
	struct img_hasher *h;
};

/* Start a key: the step's kind and the key of the filesystem it starts from. */
int bld_key_begin(struct bld_key *k, const char *kind, const char *parent, struct mc_error *err);
/* Add a named value (NULL is not the same as ""). */
void bld_key_str(struct bld_key *k, const char *name, const char *value);
/* Add a NULL-terminated vector. */
void bld_key_strv(struct bld_key *k, const char *name, char *const *v);
/*
 * Add one file that a COPY or ADD copies: its path (relative to what is
 * copied), type, permission bits, owner and what it holds - `content` is
 * the sha256 of a regular file's data, or a symlink's target; NULL for
 * anything else.  Never its times: touching a file keeps the cache.
 */
void bld_key_file(struct bld_key *k, const char *path, const struct stat *st, const char *content);
void bld_key_end(struct bld_key *k, char out[IMG_DIGEST_LEN + 1]);
/* Free a key that will not be finished (after an error). */
void bld_key_abort(struct bld_key *k);

/* ---- records ------------------------------------------------------------------------------------- */

struct bld_cache {
	char dir[512]; /* $MC_ROOT/build-cache */
	struct img_store *st;
};

/* What a step made: a layer, or nothing at all (empty). */
struct bld_cache_entry {
	bool empty;
	struct img_layer layer;
	char created[40]; /* when it was first made: history uses it, so a rebuild is identical */
};

int bld_cache_open(struct bld_cache *c, struct img_store *st, struct mc_error *err);

/* Look a key up: true and *e filled when the record and its layer are all there. */
bool bld_cache_get(struct bld_cache *c, const char *key, struct bld_cache_entry *e);

/* Record a step's result (call with the store locked: its layer must not be swept meanwhile). */
int bld_cache_put(struct bld_cache *c, const char *key, const struct bld_cache_entry *e,
                  const char *step, struct mc_error *err);

/* Keep a finished build's image, tagged or not, until the cache is pruned. */
int bld_cache_keep_image(struct bld_cache *c, const char *manifest_digest, struct mc_error *err);

/* The manifests the cache keeps alive, for image GC's keep list (strings malloc'd). */
int bld_cache_roots(struct bld_cache *c, char ***manifests, size_t *count, struct mc_error *err);

/*
 * `builder prune`: forget every record, then collect garbage, keeping the
 * manifests in `keep` (images containers use).  *records gets the number of
 * records removed, *freed the bytes.  `removed` (may be NULL) is called with
 * each record's key.
 */
int bld_cache_prune(struct bld_cache *c, const char *const *keep, size_t nkeep, size_t *records,
                    uint64_t *freed, void (*removed)(const char *key, void *arg), void *arg,
                    struct mc_error *err);

#endif
