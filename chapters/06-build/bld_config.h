/*
 * bld_config.h - chapter 06: instructions that only change the image config.
 *
 * ENV, LABEL, CMD, ENTRYPOINT, EXPOSE, VOLUME, USER, WORKDIR, STOPSIGNAL,
 * HEALTHCHECK, SHELL, ONBUILD and MAINTAINER change the image's config
 * document - the JSON that `run` reads its defaults from (chapter 04) - and
 * nothing on disk.  They make no layer; the history says "empty_layer".
 * `build` runs them in order; `commit --change` and `import --change` run
 * the same code on an existing config.
 */
#ifndef MC_BLD_CONFIG_H
#define MC_BLD_CONFIG_H

#include <jansson.h>
#include <stdbool.h>

#include "bld_instructions.h"
#include "bld_shell.h"

/* The PATH a RUN step gets when the image sets none (BuildKit's default), and as "PATH=...". */
#define BLD_DEFAULT_PATH_VALUE "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define BLD_DEFAULT_PATH       "PATH=" BLD_DEFAULT_PATH_VALUE

/*
 * Apply one metadata instruction to `image` (the whole config document;
 * the run defaults are its "config" object).  Words are expanded with `env`
 * (KEY=VALUE, NULL-terminated) where Docker expands them.  *cmd_set tracks
 * whether this stage set CMD: an ENTRYPOINT resets an inherited CMD, not
 * one set in the same stage.  *history (malloc'd) gets the history line.
 */
int bld_config_apply(json_t *image, const struct bld_instr *in, const struct bld_lex *lx,
                     char *const *env, bool *cmd_set, char **history, struct mc_error *err);

/* The config's Env as a NULL-terminated vector (malloc'd strings), for expansion. */
char **bld_config_env(json_t *image);

/* Set KEY=VALUE in the config's Env: replaced where it is, or added at the end. */
void bld_config_setenv(json_t *image, const char *key, const char *value);

/* The shell form's prefix: the config's Shell, or ["/bin/sh", "-c"]. */
char **bld_config_shell(json_t *image);

/*
 * `commit --change` / `import --change`: each of `changes` is one
 * Dockerfile instruction - CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD,
 * STOPSIGNAL, USER, VOLUME or WORKDIR - applied to `image`.
 */
int bld_apply_changes(json_t *image, char *const *changes, size_t n, struct mc_error *err);

#endif
