/* cli.c - see cli.h.  A thin layer over getopt_long(3). */
#define _GNU_SOURCE
#include "mc_cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#define MAX_OPTIONS 64

/* getopt_long returns 1000 + index for options without a one-letter alias. */
#define LONG_ONLY_BASE 1000

struct flat_option {
	const struct mc_option *opt;
	void *target;
};

static int flatten(const struct mc_option_group *groups, struct flat_option *flat,
                   struct option *longopts, char *shortopts, struct mc_error *err)
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
			    o->name, o->arg_name ? required_argument : no_argument, NULL,
			    o->short_name ? o->short_name : LONG_ONLY_BASE + (int)n};
			if (o->short_name) {
				shortopts[s++] = o->short_name;
				if (o->arg_name)
					shortopts[s++] = ':';
			}
			n++;
		}
	}
	longopts[n++] = (struct option){"help", no_argument, NULL, 'h'};
	longopts[n] = (struct option){NULL, 0, NULL, 0};
	flat[n - 1].opt = NULL;
	shortopts[s++] = 'h';
	shortopts[s] = '\0';
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

	if (flatten(groups, flat, longopts, shortopts, err) < 0)
		return -1;
	opterr = 0; /* we report errors ourselves, in one line */
	optind = 1;
	while ((code = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		const struct flat_option *f;

		if (code == 'h')
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
		if (f->opt->apply(f->target, optarg, err) < 0)
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

			if (o->short_name)
				snprintf(left, sizeof(left), "-%c, --%s %s", o->short_name, o->name,
				         arg);
			else
				snprintf(left, sizeof(left), "    --%s %s", o->name, arg);
			fprintf(out, "  %-24s %s\n", left, o->help);
		}
	}
	fprintf(out, "\n  %-24s %s\n", "-h, --help", "show this help");
}
