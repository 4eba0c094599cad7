/*
 * cli.h - command-line flags that chapters contribute to the demos.
 *
 * Each chapter's demo is "the container so far": chapter 02's demo takes
 * chapter 01's flags plus its own.  So each chapter describes its flags once,
 * as a table, and a demo parses the tables of every chapter it builds on:
 *
 *	struct mc_option_group groups[] = {
 *		{ "Namespaces (chapter 01)", ns_options_table, &ns },
 *		{ "Control groups (chapter 02)", cg_options_table, &cg },
 *		{ NULL, NULL, NULL },
 *	};
 *	mc_parse_options(argc, argv, groups, &first_command_arg, &err);
 */
#ifndef MC_CLI_H
#define MC_CLI_H

#include <stdio.h>

#include "mc_error.h"

struct mc_option {
	const char *name;     /* long name, used as --name */
	char short_name;      /* a one-letter alias, or 0 */
	const char *arg_name; /* "SIZE", "DIR" ...; NULL for a flag without a value */
	const char *help;
	/* Store the value in `target` (the group's target); return -1 and set err if it is bad. */
	int (*apply)(void *target, const char *value, struct mc_error *err);
};

struct mc_option_group {
	const char *title;               /* heading in --help */
	const struct mc_option *options; /* ends with an entry whose name is NULL */
	void *target;                    /* handed to every apply() of this group */
};

/*
 * Parse argv up to "--" or the first non-option.  --help is handled by the
 * caller (it returns 1 then); on success returns 0 and *command is the index
 * of the first word of the command (argc when there is none).
 */
int mc_parse_options(int argc, char **argv, const struct mc_option_group *groups, int *command,
                     struct mc_error *err);

/* Print the flags of every group, for --help. */
void mc_print_options(FILE *out, const struct mc_option_group *groups);

#endif
