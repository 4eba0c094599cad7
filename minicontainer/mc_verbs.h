/*
 * mc_verbs.h - every command minicontainer knows, in one table.
 *
 * Docker has two spellings for most commands: the management group
 * (`docker container ls`, `docker image rm`) and the short form from before
 * the groups existed (`docker ps`, `docker rmi`).  One row of the table is one
 * command, with all of its names; main() dispatches from it, --help lists it
 * grouped the way Docker's does, and the man pages and shell completion are
 * generated from it (manpages.c, completion.c), so that none of them can disagree.
 */
#ifndef MC_VERBS_H
#define MC_VERBS_H

#include <stdbool.h>
#include <stddef.h>

#include "mc_cli.h"

struct mc_verb {
	const char *group;    /* "container", "image", "volume", "network", "system", or NULL */
	const char *names;    /* "ls list ps": its name in the group, then other names there */
	const char *shortcut; /* the top-level name ("ps"), or NULL: only in its group */
	const struct mc_command *cmd; /* usage, summary, options: --help, man page, completion */
	int (*run)(int argc, char **argv);
	bool starts_processes; /* runs code in containers: from a sealed copy of ourselves */
	int common;            /* n > 0: n-th under "Common Commands" in --help */
};

/* The table, ending with a row whose cmd is NULL. */
extern const struct mc_verb mc_verbs[];

/* The management groups: "container" -> "Manage containers"; ends with NULL. */
struct mc_group {
	const char *name, *summary;
};
extern const struct mc_group mc_groups[];

/* Is `word` the name of a management group? */
bool mc_is_group(const char *word);

/*
 * Find the command that argv names ("ps", or "container" "ls"); *used is how
 * many words named it (1 or 2).  NULL when nothing matches.
 */
const struct mc_verb *mc_verb_find(int argc, char **argv, int *used);

/* All the spellings of a command: "minicontainer container ls, minicontainer ps". */
void mc_verb_aliases(const struct mc_verb *v, char *buf, size_t size);

/*
 * The command being run and how it was named ("container ls" or "ps"): main
 * sets them; --help and the error messages use them.
 */
extern const struct mc_verb *mc_current_verb;
extern char mc_current_path[64];

/* `minicontainer --help` and `minicontainer GROUP --help`. */
void mc_print_main_help(FILE *out);
void mc_print_group_help(FILE *out, const char *group);

#endif
