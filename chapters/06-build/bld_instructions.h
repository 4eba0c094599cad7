/*
 * bld_instructions.h - chapter 06: the instructions of a Dockerfile, checked.
 *
 * The second step of parsing (the first is bld_parse): every instruction
 * gets its kind and its flags, its arguments are counted and checked, and
 * the whole file is cut into stages at each FROM.  Whatever BuildKit
 * refuses before building, this refuses too, with BuildKit's words and the
 * line number:
 *
 *	Dockerfile:3: COPY requires at least two arguments, but only one was
 *	provided. Destination could not be determined
 *
 * Nothing is expanded here: variables depend on --build-arg values and on
 * the stage's environment, which only the build knows (build.c).
 */
#ifndef MC_BLD_INSTRUCTIONS_H
#define MC_BLD_INSTRUCTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "bld_dockerfile.h"

enum bld_kind {
	BLD_ADD,
	BLD_ARG,
	BLD_CMD,
	BLD_COPY,
	BLD_ENTRYPOINT,
	BLD_ENV,
	BLD_EXPOSE,
	BLD_FROM,
	BLD_HEALTHCHECK,
	BLD_LABEL,
	BLD_MAINTAINER,
	BLD_ONBUILD,
	BLD_RUN,
	BLD_SHELL,
	BLD_STOPSIGNAL,
	BLD_USER,
	BLD_VOLUME,
	BLD_WORKDIR,
};

/* The upper-case name of a kind: "COPY". */
const char *bld_kind_name(enum bld_kind kind);

/* The flags an instruction may have; NULL when not given. */
struct bld_flags {
	const char *from, *chown, *chmod, *platform, *network, *checksum, *security, *mount;
	bool link;
	/* HEALTHCHECK, already turned into nanoseconds (0: not given) */
	int64_t interval, timeout, start_period, start_interval;
	int retries;
};

struct bld_instr {
	enum bld_kind kind;
	const struct bld_node *node; /* its arguments are node->args */
	struct bld_flags flags;
};

struct bld_stage {
	char *name;                  /* FROM ... AS name, lower case; NULL if unnamed */
	const struct bld_node *from; /* the FROM line */
	struct bld_flags from_flags; /* --platform */
	struct bld_instr *instrs;    /* what follows, up to the next FROM */
	size_t ninstr;
};

struct bld_program {
	struct bld_instr *meta_args; /* the ARGs before the first FROM */
	size_t nmeta;
	struct bld_stage *stages;
	size_t nstages;
};

/*
 * Check every instruction of df and cut it into stages.  On failure *line
 * (may be NULL) gets the offending line; the message starts with "FILE:LINE:".
 */
int bld_check(const struct bld_dockerfile *df, struct bld_program *prog, int *line,
              struct mc_error *err);
void bld_program_free(struct bld_program *prog);

/* Check one instruction on its own (ONBUILD triggers when they fire). */
int bld_check_instr(const struct bld_node *node, struct bld_instr *out, struct mc_error *err);

/* Go's time.ParseDuration, in nanoseconds ("1m30s", "250ms"). */
int bld_parse_duration(const char *text, int64_t *ns, struct mc_error *err);

#endif
