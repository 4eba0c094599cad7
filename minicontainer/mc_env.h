/*
 * mc_env.h - a container's environment, by Docker's rules (env.c), and the
 * key=value files of --env-file and --label-file (kvfile.c).
 *
 * Three programs decide the environment of a Docker container, in turn:
 *
 *	docker/cli  -e NAME=VALUE as given; -e NAME takes NAME from the
 *	            caller's environment, or stays a bare "NAME" if it has
 *	            none; --env-file's lines first, then every -e
 *	dockerd     the record: those, then the image's Env for each name they
 *	            do not mention (a bare NAME mentions it too); at start:
 *	            PATH, HOSTNAME (and TERM with -t), each replaced in place
 *	            by the record's entry of the same name, a bare NAME
 *	            removing it, the rest appended
 *	runc        of two entries with one name the last wins; HOME from the
 *	            user's passwd entry when there is none (ns_confine_now())
 */
#ifndef MC_ENV_H
#define MC_ENV_H

#include <jansson.h>
#include <stdbool.h>

#include "mc_container.h"
#include "mc_error.h"

/* Docker's PATH when the image and the command line set none. */
#define MC_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/*
 * One -e/--env: "NAME=VALUE" as it is; "NAME" gets our own value of NAME, or
 * stays "NAME" (which unsets NAME in the container).  An empty name is an
 * error.  Appended to `env`.
 */
int mc_env_flag(json_t *env, const char *text, struct mc_error *err);

/*
 * The record's Config.Env: `user` (files, then -e, as given), then each of
 * the image's entries whose name `user` does not mention.  A new array.
 */
json_t *mc_env_record(json_t *user, char *const *image);

/*
 * The environment container `c`'s processes start with: Docker's defaults,
 * the record's Env over them, then `extra` (exec -e; may be NULL), and
 * runc's rule for duplicates.  NULL-terminated; the strings are malloc'd:
 * free with mc_env_free().  NULL when out of memory.
 */
char **mc_env_for_container(const struct mc_container *c, bool tty, json_t *extra);
void mc_env_free(char **env);

/*
 * The container's hostname: Config.Hostname, or (a record older than that
 * rule) the first 12 digits of its id.
 */
const char *mc_env_hostname(const struct mc_container *c, char *buf, size_t size);

/*
 * Read a key=value file as docker/cli's pkg/kvfile does, appending each
 * "KEY=VALUE" to `out`: UTF-8 only, a BOM at the start dropped, leading
 * whitespace dropped, blank lines and lines starting with '#' skipped, the
 * value taken as it is (trailing spaces and quotes included; a CR before the
 * newline is not part of it).  A line "KEY" alone takes KEY from our
 * environment when `lookup` is set, and is left out otherwise (or when we
 * have no KEY).  A key with a space or a tab in it, or none, is an error.
 */
int mc_kvfile_read(const char *path, bool lookup, json_t *out, struct mc_error *err);
/* The same on text in memory (`text` is changed: lines are cut in place). */
int mc_kvfile_parse(char *text, size_t len, bool lookup, json_t *out, struct mc_error *err);

#endif
