/*
 * bld_copy.h - chapter 06: COPY and ADD.
 *
 * A COPY reads from one root and writes into another, and trusts neither:
 *
 *	the build context (or a stage's or an image's root)    the image's root
 *	  sources, resolved with the context as "/"     ->      the destination,
 *	  ("../x" and symlinks stay inside it),                 resolved with the
 *	  .dockerignore'd files invisible                       image root as "/"
 *
 * Docker's rules: a directory source copies its *contents*; a destination
 * ending in "/" is a directory; several sources need such a destination; a
 * file copied onto an existing directory goes inside it; missing parent
 * directories are made.  Files keep their mode and mtime and become
 * root's, or --chown's; --chmod sets the mode.  ADD also unpacks a local
 * tar archive (plain, gzip, bzip2, xz or zstd) into the destination, and
 * fetches http(s) URLs through a function the caller provides.
 *
 * bld_copy_prepare() finds the sources and adds them to the step's cache
 * key; only on a miss does bld_copy_apply() copy anything.
 */
#ifndef MC_BLD_COPY_H
#define MC_BLD_COPY_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "bld_cache.h"
#include "bld_ignore.h"

/* Fetch a URL for ADD into the file `fd`: the registry client's HTTP, when it is there. */
typedef int (*bld_fetch_fn)(void *arg, const char *url, int fd, struct mc_error *err);

enum bld_source_kind { BLD_SRC_PATH, BLD_SRC_INLINE, BLD_SRC_URL };

struct bld_source {
	enum bld_source_kind kind;
	char *path;     /* PATH: cleaned, relative to the source root ("" is the root) */
	char *name;     /* the name it gets in a destination directory */
	char *data;     /* INLINE (a heredoc): the content */
	int fd;         /* URL: the fetched file; PATH: an O_PATH descriptor; else -1 */
	struct stat st; /* what it is (symlinks followed, inside the root) */
	bool archive;   /* ADD: a tar archive, unpacked rather than copied */
};

struct bld_copy {
	/* Filled in by the caller. */
	int src_root;                    /* O_PATH directory the sources are in */
	const struct bld_ignore *ignore; /* the context's rules; NULL for --from */
	bool add;                        /* ADD rather than COPY */
	const char *dest;                /* absolute, expanded, WORKDIR applied */
	uid_t uid;                       /* --chown, 0 by default */
	gid_t gid;
	int chmod; /* --chmod, or -1 */
	bld_fetch_fn fetch;
	void *fetch_arg;
	const char *checksum; /* ADD --checksum=sha256:... */

	/* Filled in by bld_copy_add_*. */
	struct bld_source *src;
	size_t nsrc;
	bool wildcard; /* a source was a pattern */
	size_t nargs;  /* sources as written (a pattern counts once) */
	size_t nwritten;
};

void bld_copy_init(struct bld_copy *c);
void bld_copy_free(struct bld_copy *c);

/*
 * A source as written in the Dockerfile (expanded): a path, a pattern, or
 * (ADD) a URL.  Missing files are an error here, before anything runs.
 */
int bld_copy_add_source(struct bld_copy *c, const char *text, struct mc_error *err);
/* A heredoc source: a file called `name` holding `data`. */
int bld_copy_add_inline(struct bld_copy *c, const char *name, const char *data,
                        struct mc_error *err);

/* Put every source (everything below directories too) into the step's key. */
int bld_copy_key(struct bld_copy *c, struct bld_key *k, struct mc_error *err);

/* Copy into the root filesystem `dst_root` (an O_PATH directory). */
int bld_copy_apply(struct bld_copy *c, int dst_root, struct mc_error *err);

/* --chmod=0755 (octal only). */
int bld_parse_chmod(const char *text, int *mode, struct mc_error *err);

/*
 * Make the directory `path` inside `root` (and its missing parents, 0755,
 * owned by uid:gid) and open it.  Returns the descriptor or -1.
 */
int bld_mkdir_in_root(int root, const char *path, uid_t uid, gid_t gid, struct mc_error *err);

#endif
