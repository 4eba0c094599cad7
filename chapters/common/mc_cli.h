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

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "mc_error.h"

struct mc_option {
	const char *name;     /* long name, used as --name */
	char short_name;      /* a one-letter alias, or 0 */
	const char *arg_name; /* "SIZE", "DIR" ...; NULL for a flag without a value;
	                         "[=LIST]": the value is optional (--trace or --trace=ch02) */
	const char *help;
	/*
	 * Store the value: apply() gets the group's target plus `offset` (0 when
	 * the option has its own apply(); offsetof(struct, field) with the
	 * generic appliers below).  Return -1 and set err if the value is bad.
	 */
	int (*apply)(void *target, const char *value, struct mc_error *err);
	size_t offset;
};

/*
 * Generic appliers, for `offset` tables: a bool (set by --flag, or
 * --flag=false: a verb's flags take a value, as Docker's do), a string, an
 * int, a list.
 */
#define MC_LIST_MAX 64
struct mc_list {
	const char *items[MC_LIST_MAX];
	size_t n;
};
int mc_opt_true(void *field, const char *value, struct mc_error *err);
int mc_parse_bool(const char *value, bool *out, struct mc_error *err); /* Go's ParseBool */
int mc_opt_string(void *field, const char *value, struct mc_error *err);
int mc_opt_int(void *field, const char *value, struct mc_error *err);
int mc_opt_list(void *field, const char *value, struct mc_error *err);

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

/*
 * The capstone's verbs, described the same way: Docker's shape of command,
 * with the options as a table, so that --help, the man pages and the shell
 * completion all come from one place.
 */
struct mc_command {
	const char *name;    /* "ps" */
	const char *usage;   /* what follows the name: "[OPTIONS] CONTAINER [CONTAINER...]" */
	const char *summary; /* "List containers" */
	const struct mc_option *options; /* ends with an entry whose name is NULL */
	int min_args, max_args;          /* max_args -1: any number */
	bool
	    command_follows; /* run, exec: options end at the first argument, the rest is a command */
	const char *aliases; /* "minicontainer container ls, minicontainer ps", or NULL */
};

/*
 * Parse a verb's argv (argv[0] is the verb): options anywhere (unless
 * command_follows), then the argument count.  Returns 0 with *first the
 * index of the first argument, 1 after printing --help to `out`, -1 with err
 * set, worded as Docker's CLI words it ("unknown flag: --foo",
 * "\"ps\" accepts no arguments.").
 */
int mc_parse_command(const char *program, const struct mc_command *cmd, void *target, int argc,
                     char **argv, int *first, FILE *out, struct mc_error *err);

/* The --help of a command, as Docker prints it: usage, summary, options. */
void mc_print_command_help(FILE *out, const char *program, const struct mc_command *cmd);

#endif
