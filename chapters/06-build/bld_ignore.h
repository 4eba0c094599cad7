/*
 * bld_ignore.h - chapter 06: .dockerignore, Docker's pattern rules.
 *
 *	# a comment
 *	*.log          a pattern, matched against the path from the context root
 *	**             as a path component: any number of directories (none too)
 *	!keep.log      an exception: matched files are sent after all
 *
 * Every line is a pattern; the LAST one that matches a path decides whether
 * it is excluded.  A pattern that matches a directory matches everything
 * below it.  Excluded files do not exist as far as COPY and ADD can tell;
 * the Dockerfile and .dockerignore are still read by the build itself.
 */
#ifndef MC_BLD_IGNORE_H
#define MC_BLD_IGNORE_H

#include <stdbool.h>
#include <stddef.h>

#include "mc_error.h"

struct bld_ignore_rule {
	char *pattern; /* cleaned: "a/b", never a leading "/" */
	bool exception;
};

struct bld_ignore {
	struct bld_ignore_rule *rules;
	size_t count;
	bool has_exceptions;
};

/* Parse the text of a .dockerignore (NULL or "" gives no rules). */
int bld_ignore_parse(const char *text, struct bld_ignore *ig, struct mc_error *err);
void bld_ignore_free(struct bld_ignore *ig);

/* Is `path` (relative to the context, "a/b/c") excluded? */
bool bld_ignored(const struct bld_ignore *ig, const char *path);

/* Could anything below the excluded directory `dir` be let back in by an exception? */
bool bld_ignore_may_reinclude(const struct bld_ignore *ig, const char *dir);

/* Match one Docker pattern against a whole path (exposed for the tests). */
bool bld_ignore_match(const char *pattern, const char *path);

/* "./a//b/../c/" -> "a/c", as Go's filepath.Clean, leading "/" and "../" dropped. */
void bld_clean_path(const char *in, char *out, size_t size);

#endif
