/* cli.c - see cli.h.  A thin layer over getopt_long(3). */
#define _GNU_SOURCE
#include "mc_cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define MAX_OPTIONS 96

/* getopt_long returns 1000 + index for options without a one-letter alias. */
#define LONG_ONLY_BASE 1000
/* ... and this for --help (and -h, unless an option has it: run's -h is --hostname). */
#define HELP_CODE (LONG_ONLY_BASE - 1)

struct flat_option {
	const struct mc_option *opt;
	void *target;
};

/* `bool_values`: a flag takes --flag=false too (Docker's flags all do). */
static int flatten(const struct mc_option_group *groups, struct flat_option *flat,
                   struct option *longopts, char *shortopts, bool bool_values, struct mc_error *err)
{
	size_t n = 0, s = 0;

	/* '+': stop at the first non-option, so the command's own flags are left alone. */
	shortopts[s++] = '+';
	for (; groups->options != NULL; groups++) {
		for (const struct mc_option *o = groups->options; o->name != NULL; o++) {
			if (n == MAX_OPTIONS - 2)
				return mc_fail(err, E2BIG, "too many options");
			flat[n] = (struct flat_option){o, groups->target};
			longopts[n] = (struct option){
			    o->name,
			    o->arg_name && o->arg_name[0] == '[' ? optional_argument
			    : o->arg_name                        ? required_argument
			    : bool_values                        ? optional_argument
			                                         : no_argument,
			    NULL, o->short_name ? o->short_name : LONG_ONLY_BASE + (int)n};
			if (o->short_name) {
				shortopts[s++] = o->short_name;
				if (o->arg_name)
					shortopts[s++] = ':';
			}
			n++;
		}
	}
	longopts[n++] = (struct option){"help", no_argument, NULL, HELP_CODE};
	longopts[n] = (struct option){NULL, 0, NULL, 0};
	flat[n - 1].opt = NULL;
	shortopts[s] = '\0';
	if (strchr(shortopts, 'h') == NULL) {
		shortopts[s++] = 'h';
		shortopts[s] = '\0';
	}
	return 0;
}

static const struct flat_option *find(const struct flat_option *flat, int code)
{
	for (size_t i = 0; flat[i].opt != NULL; i++)
		if (code ==
		    (flat[i].opt->short_name ? flat[i].opt->short_name : LONG_ONLY_BASE + (int)i))
			return &flat[i];
	return NULL;
}

int mc_parse_options(int argc, char **argv, const struct mc_option_group *groups, int *command,
                     struct mc_error *err)
{
	struct flat_option flat[MAX_OPTIONS];
	struct option longopts[MAX_OPTIONS];
	char shortopts[2 * MAX_OPTIONS + 3];
	int code;

	if (flatten(groups, flat, longopts, shortopts, false, err) < 0)
		return -1;
	opterr = 0; /* we report errors ourselves, in one line */
	optind = 1;
	while ((code = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		const struct flat_option *f;

		if (code == HELP_CODE || (code == 'h' && find(flat, 'h') == NULL))
			return 1;
		if (code == '?' || code == ':') {
			if (optopt != 0 && optopt < LONG_ONLY_BASE && optopt != '?')
				return mc_fail(err, 0, "unknown option or missing value: -%c",
				               optopt);
			return mc_fail(err, 0, "unknown option or missing value: %s",
			               argv[optind - 1]);
		}
		f = find(flat, code);
		if (f == NULL)
			return mc_fail(err, 0, "unknown option: %s", argv[optind - 1]);
		if (f->opt->apply((char *)f->target + f->opt->offset, optarg, err) < 0)
			return mc_fail_context(err, "--%s", f->opt->name);
	}
	*command = optind;
	return 0;
}

void mc_print_options(FILE *out, const struct mc_option_group *groups)
{
	for (; groups->options != NULL; groups++) {
		fprintf(out, "\n%s:\n", groups->title);
		for (const struct mc_option *o = groups->options; o->name != NULL; o++) {
			const char *arg = o->arg_name ? o->arg_name : "";
			char left[64];

			/* An optional value ("[=LIST]") is written against the name. */
			const char *gap = arg[0] == '[' ? "" : " ";

			if (o->short_name)
				snprintf(left, sizeof(left), "-%c, --%s%s%s", o->short_name,
				         o->name, gap, arg);
			else
				snprintf(left, sizeof(left), "    --%s%s%s", o->name, gap, arg);
			fprintf(out, "  %-24s %s\n", left, o->help);
		}
	}
	fprintf(out, "\n  %-24s %s\n", "-h, --help", "show this help");
}

/* ---- generic appliers ------------------------------------------------------------------ */

int mc_parse_bool(const char *value, bool *out, struct mc_error *err)
{
	/* Go's strconv.ParseBool, which Docker's flags use. */
	static const char *const yes[] = {"1", "t", "T", "true", "TRUE", "True", NULL};
	static const char *const no[] = {"0", "f", "F", "false", "FALSE", "False", NULL};

	for (int i = 0; yes[i] != NULL; i++)
		if (strcmp(value, yes[i]) == 0) {
			*out = true;
			return 0;
		}
	for (int i = 0; no[i] != NULL; i++)
		if (strcmp(value, no[i]) == 0) {
			*out = false;
			return 0;
		}
	return mc_fail(err, 0, "not true or false");
}

int mc_opt_true(void *field, const char *value, struct mc_error *err)
{
	if (value == NULL) {
		*(bool *)field = true;
		return 0;
	}
	return mc_parse_bool(value, field, err);
}

int mc_opt_string(void *field, const char *value, struct mc_error *err)
{
	(void)err;
	*(const char **)field = value;
	return 0;
}

int mc_opt_int(void *field, const char *value, struct mc_error *err)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(value, &end, 10);
	if (errno != 0 || end == value || *end != '\0' || n < -2147483647 || n > 2147483647)
		return mc_fail(err, 0, "invalid argument \"%s\": not a whole number", value);
	*(int *)field = (int)n;
	return 0;
}

int mc_opt_list(void *field, const char *value, struct mc_error *err)
{
	struct mc_list *list = field;

	if (list->n == MC_LIST_MAX)
		return mc_fail(err, E2BIG, "at most %d values", MC_LIST_MAX);
	list->items[list->n++] = value;
	return 0;
}

/* ---- commands: Docker's shape ------------------------------------------------------------ */

/* "-a, --all" or "    --since", plus the value's type: the left column of --help. */
static void option_left(const struct mc_option *o, char *buf, size_t size)
{
	snprintf(buf, size, "%s%c%s--%s%s%s", o->short_name ? "-" : " ",
	         o->short_name ? o->short_name : ' ', o->short_name ? ", " : "  ", o->name,
	         o->arg_name ? " " : "", o->arg_name ? o->arg_name : "");
}

void mc_print_command_help(FILE *out, const char *program, const struct mc_command *cmd)
{
	size_t width = 0;
	char left[128];

	fprintf(out, "Usage:  %s %s%s%s\n\n%s\n", program, cmd->name, cmd->usage[0] ? " " : "",
	        cmd->usage, cmd->summary);
	if (cmd->aliases != NULL)
		fprintf(out, "\nAliases:\n  %s\n", cmd->aliases);
	for (const struct mc_option *o = cmd->options; o != NULL && o->name != NULL; o++) {
		option_left(o, left, sizeof(left));
		if (strlen(left) > width)
			width = strlen(left);
	}
	if (width == 0)
		return;
	fprintf(out, "\nOptions:\n");
	for (const struct mc_option *o = cmd->options; o->name != NULL; o++) {
		/* A help text's second line starts under its first. */
		option_left(o, left, sizeof(left));
		fprintf(out, "  %-*s   ", (int)width, left);
		for (const char *h = o->help; *h != '\0'; h++)
			if (*h == '\n')
				fprintf(out, "\n  %-*s   ", (int)width, "");
			else
				fputc(*h, out);
		fputc('\n', out);
	}
}

static const char *plural(int n)
{
	return n == 1 ? "" : "s";
}

int mc_parse_command(const char *program, const struct mc_command *cmd, void *target, int argc,
                     char **argv, int *first, FILE *out, struct mc_error *err)
{
	const struct mc_option_group groups[] = {{cmd->name, cmd->options, target},
	                                         {NULL, NULL, NULL}};
	struct flat_option flat[MAX_OPTIONS];
	struct option longopts[MAX_OPTIONS];
	char shortopts[2 * MAX_OPTIONS + 3], letters[2 * MAX_OPTIONS + 4];
	int code, nargs;

	if (flatten(cmd->options ? groups : groups + 1, flat, longopts, shortopts, true, err) < 0)
		return -1;
	/* Docker's CLI takes flags after the arguments too (rm c1 -f), except where a
	 * command follows: run IMAGE ls -l must leave -l to ls.  Without '+',
	 * getopt_long(3) moves the arguments to the end for us.  The ':' makes
	 * it tell a missing value (':') from an unknown flag ('?'). */
	snprintf(letters, sizeof(letters), "%s%s", cmd->command_follows ? "+:" : ":",
	         shortopts + 1 /* flatten's '+' */);
	opterr = 0;
	optind = 1;
	while ((code = getopt_long(argc, argv, letters, longopts, NULL)) != -1) {
		const struct flat_option *f;
		const char *word = argv[optind - 1];

		if (code == HELP_CODE || (code == 'h' && find(flat, 'h') == NULL)) {
			mc_print_command_help(out, program, cmd);
			return 1;
		}
		if (code == ':')
			return optopt != 0 && optopt < LONG_ONLY_BASE
			           ? mc_fail(err, 0, "flag needs an argument: '%c' in -%c", optopt,
			                     optopt)
			           : mc_fail(err, 0, "flag needs an argument: %s", word);
		if (code == '?')
			return optopt != 0 && optopt < LONG_ONLY_BASE
			           ? mc_fail(err, 0, "unknown shorthand flag: '%c' in -%c", optopt,
			                     optopt)
			           : mc_fail(err, 0, "unknown flag: %s", word);
		f = find(flat, code);
		if (f == NULL)
			return mc_fail(err, 0, "unknown flag: %s", argv[optind - 1]);
		/* -e=A=1 is -e A=1 to Docker's flag library (a shorthand's value after '='). */
		if (optarg != NULL && optarg == word + 2 && word[0] == '-' && word[1] == code &&
		    word[2] == '=')
			optarg++;
		if (f->opt->apply((char *)f->target + f->opt->offset, optarg, err) < 0) {
			/* Docker: invalid argument "x" for "-t, --time" flag: <why> */
			char why[sizeof(err->msg)], left[128];

			snprintf(why, sizeof(why), "%s", err->msg);
			option_left(f->opt, left, sizeof(left));
			*strchrnul(left + 4, ' ') = '\0';
			/* (a long value cut short: the reason must fit after it) */
			return mc_fail(err, 0, "invalid argument \"%.80s%s\" for \"%s\" flag: %s",
			               optarg ? optarg : "",
			               optarg && strlen(optarg) > 80 ? "..." : "",
			               left + (left[0] == ' ' ? 4 : 0), why);
		}
	}
	*first = optind;
	nargs = argc - optind;
	if (cmd->min_args == cmd->max_args && nargs != cmd->min_args)
		return cmd->min_args == 0
		           ? mc_fail(err, 0, "\"%s %s\" accepts no arguments.", program, cmd->name)
		           : mc_fail(err, 0, "\"%s %s\" requires exactly %d argument%s.", program,
		                     cmd->name, cmd->min_args, plural(cmd->min_args));
	if (nargs < cmd->min_args)
		return mc_fail(err, 0, "\"%s %s\" requires at least %d argument%s.", program,
		               cmd->name, cmd->min_args, plural(cmd->min_args));
	if (cmd->max_args >= 0 && nargs > cmd->max_args)
		return mc_fail(err, 0, "\"%s %s\" requires at most %d argument%s.", program,
		               cmd->name, cmd->max_args, plural(cmd->max_args));
	return 0;
}
