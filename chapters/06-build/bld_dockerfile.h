/*
 * bld_dockerfile.h - chapter 06: a Dockerfile, parsed the way BuildKit parses it.
 *
 * Parsing happens in two steps, as in BuildKit:
 *
 *  1. bld_parse(): text -> instructions.  Lines are joined at the escape
 *     character, comments and blank lines dropped, parser directives
 *     (# syntax=, # escape=) read from the top, heredocs collected, and each
 *     instruction's arguments split by that instruction's own rule (JSON or
 *     not, KEY=VALUE pairs, whitespace-separated words ...).  No variable is
 *     expanded yet.  bld_dump() prints the result in BuildKit's AST format:
 *
 *	    (from "busybox")
 *	    (copy ["--from=build"] "/out" "/app")
 *	    (env "A" "b")
 *
 *  2. bld_check() (instructions.c): every instruction checked - flags,
 *     number of arguments, values - and grouped into stages.
 *
 * Every error names the file and the line: "Dockerfile:7: unknown
 * instruction: RUNN (did you mean RUN?)".
 */
#ifndef MC_BLD_DOCKERFILE_H
#define MC_BLD_DOCKERFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "mc_error.h"

#define BLD_MAX_LINE 65535 /* BuildKit's longest line (bufio.Scanner's limit) */

/* RUN <<EOF ... EOF: a document that follows the instruction's line. */
struct bld_heredoc {
	char *name;    /* the terminator word, quotes removed: "EOF" */
	bool expand;   /* unquoted name: variables in the content are expanded */
	bool chomp;    /* <<-EOF: leading tabs are removed */
	unsigned fd;   /* 3<<EOF */
	char *content; /* every line up to the terminator, newlines included */
};

/* One instruction, as the first step leaves it. */
struct bld_node {
	char *cmd;    /* as written, "run" or "RUN" (compare without case) */
	char **flags; /* "--from=build", NULL-terminated */
	char **args;  /* the arguments, split by the instruction's rule, NULL-terminated */
	size_t nflags, nargs;
	bool json;              /* written as a JSON array (exec form) */
	struct bld_node *child; /* ONBUILD's instruction */
	struct bld_heredoc *heredocs;
	size_t nheredocs;
	char *original; /* the whole instruction, continuation lines joined */
	int start_line, end_line;
};

struct bld_dockerfile {
	char *file; /* the name errors use: "Dockerfile" */
	char escape;
	char *syntax; /* "# syntax=..." if given (not acted on) */
	struct bld_node *nodes;
	size_t count;
	char **warnings; /* NULL-terminated, may be NULL */
};

/*
 * Parse `len` bytes of Dockerfile text; `file` is the name errors carry.
 * On failure *line (may be NULL) gets the line the error is on.
 */
int bld_parse(const char *text, size_t len, const char *file, struct bld_dockerfile *df, int *line,
              struct mc_error *err);
void bld_dockerfile_free(struct bld_dockerfile *df);
void bld_node_free(struct bld_node *n);

/* Parse one instruction on its own (ONBUILD triggers, commit --change). */
int bld_parse_line(const char *line, char escape, struct bld_node *node, struct mc_error *err);

/* BuildKit's AST dump: one "(cmd ...)" line per instruction. */
void bld_dump(FILE *out, const struct bld_dockerfile *df);
void bld_dump_node(FILE *out, const struct bld_node *n);

/* A string quoted as Go's strconv.Quote does it (the dump's and the history's quoting). */
struct bld_buf;
void bld_quote_go(struct bld_buf *b, const char *s);

/* Does a heredoc word ("<<EOF", "<<-'EOF'", "3<<EOF") start here?  Fills *h (name malloc'd). */
bool bld_heredoc_word(const char *word, struct bld_heredoc *h);

/* The content of a heredoc, with leading tabs removed if it is <<- (malloc'd). */
char *bld_heredoc_text(const struct bld_heredoc *h);

#endif
