/*
 * config.h - chapter 04: what an image says about how to run it.
 *
 * The image config's "config" object holds Docker's defaults for a
 * container: Entrypoint, Cmd, Env, WorkingDir, User.  (The rest of the
 * config - rootfs.diff_ids, history - describes the layers.)
 */
#ifndef MC_IMG_CONFIG_H
#define MC_IMG_CONFIG_H

#include "mc_error.h"

struct img_runconfig {
	char **entrypoint; /* NULL-terminated, or NULL */
	char **cmd;        /* NULL-terminated, or NULL */
	char **env;        /* "KEY=VALUE" strings, NULL-terminated (never NULL) */
	char *workdir;     /* NULL if unset */
	char *user;        /* NULL if unset */
};

int img_runconfig_parse(const char *config_json, struct img_runconfig *rc, struct mc_error *err);
void img_runconfig_free(struct img_runconfig *rc);

/*
 * Merge two environments, Docker's way: every KEY=VALUE of `first`, then
 * those of `second` whose KEY `first` does not set.  A new vector.
 */
char **img_env_merge(char *const *first, char *const *second);

/* A NULL-terminated copy of a JSON array of strings (helper for the above and for callers). */
char **img_strv_dup(char *const *v);
void img_strv_free(char **v);
size_t img_strv_len(char *const *v);

#endif
