/*
 * bld_shell.h - chapter 06: variables in a Dockerfile, as BuildKit expands them.
 *
 * A Dockerfile is not run by a shell, yet ENV, ARG, COPY, WORKDIR, USER,
 * LABEL, EXPOSE, VOLUME, STOPSIGNAL and FROM replace variables in their
 * arguments the way a POSIX shell would - no command substitution, no
 * globbing, just quotes, escapes and parameter expansion:
 *
 *	$V ${V}          the value ("" when unset)
 *	${V:-w} ${V-w}   w when V is unset or empty (":"), or only unset
 *	${V:+w} ${V+w}   w when V is set and not empty (":"), or set at all
 *	${V:?m} ${V?m}   an error saying m when V is unset or empty (":")
 *	${V#p} ${V##p}   V without the shortest / longest prefix matching p
 *	${V%p} ${V%%p}   V without the shortest / longest suffix matching p
 *	${V/p/r} ${V//p/r}  the first / every match of p replaced by r
 *	'...' "..." \x   quoting; the escape character is \ or ` (# escape=)
 *
 * The patterns p are shell patterns: * ? [...] and \ to take a character
 * literally.  Errors say what failed the way BuildKit does:
 * "failed to process "${V:?}": V: is not allowed to be empty".
 */
#ifndef MC_BLD_SHELL_H
#define MC_BLD_SHELL_H

#include <stdbool.h>
#include <stddef.h>

#include "mc_error.h"

struct bld_lex {
	char escape;      /* '\\', or '`' after "# escape=`" */
	bool raw_quotes;  /* keep the quote characters (the parser uses this for heredoc names) */
	bool raw_escapes; /* keep the escape characters too */
	bool skip_unset;  /* leave $V and ${V...} as written when V is unset */
	bool literal_quotes; /* ' and " are ordinary characters (the content of a heredoc) */
};

/* The default lexer: escape '\', quotes and escapes removed. */
void bld_lex_init(struct bld_lex *lx, char escape);

/*
 * Expand `word` with the variables in `env` ("KEY=VALUE" strings,
 * NULL-terminated; a "KEY" without "=" is set and empty; the first of a KEY
 * counts).  *out gets the result, malloc'd.
 */
int bld_expand(const struct bld_lex *lx, const char *word, char *const *env, char **out,
               struct mc_error *err);

/*
 * The same, then split into words at unquoted white space, as a shell splits
 * a command line ("a 'b c'" is two words: a, b c).  *words is NULL-terminated.
 */
int bld_expand_words(const struct bld_lex *lx, const char *word, char *const *env, char ***words,
                     size_t *count, struct mc_error *err);

/* Does the whole of s[0..len) match the shell pattern? */
bool bld_pattern_match(const char *pattern, const char *s, size_t len);

/* The value of `name` in env, or NULL when it is not set. */
const char *bld_env_get(char *const *env, const char *name);

#endif
