/* load.c - `minicontainer load -i FILE`: images from an archive into the store. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "img_archive.h"
#include "mc.h"

static void report_loaded(const char *full_name, const char *manifest_digest, void *arg)
{
	struct img_ref ref;
	struct mc_error ignored;
	char familiar[600];

	if (*(bool *)arg)
		return;
	if (full_name[0] != '\0' && img_ref_parse(full_name, &ref, &ignored) == 0)
		printf("Loaded image: %s\n", img_ref_familiar(&ref, familiar, sizeof(familiar)));
	else
		printf("Loaded image ID: %s\n", manifest_digest);
}

int verb_load(int argc, char **argv)
{
	static const struct option options[] = {
	    {"input", required_argument, NULL, 'i'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *input = NULL;
	char tmp[64] = "";
	struct img_store st;
	struct mc_error err;
	bool quiet = false;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "+i:qh", options, NULL)) != -1) {
		if (opt == 'i')
			input = optarg;
		else if (opt == 'q')
			quiet = true;
		else if (opt == 'h') {
			printf("Usage:  minicontainer load [OPTIONS]\n\n"
			       "Load an image from a tar archive (docker-archive or OCI archive)\n"
			       "or an OCI layout directory, or from STDIN\n\nOptions:\n"
			       "  -i, --input string   Read from this file or directory instead of "
			       "STDIN\n"
			       "  -q, --quiet          Suppress the load output\n");
			return 0;
		} else
			return mc_usage_error("load", "unknown flag");
	}
	if (optind != argc)
		return mc_usage_error("load", "\"load\" accepts no arguments");
	if (input == NULL) {
		if (isatty(STDIN_FILENO))
			return mc_usage_error("load", "requested load from stdin, but stdin is "
			                              "empty (use -i FILE)");
		if (mc_stdin_to_file(tmp, sizeof(tmp), &err) < 0)
			return mc_report(&err);
		input = tmp;
	}
	if (mc_open_store(&st, &err) < 0)
		return mc_report(&err);
	rc = img_load(&st, input, report_loaded, &quiet, &err);
	if (tmp[0] != '\0')
		unlink(tmp);
	img_store_close(&st);
	return rc < 0 ? mc_report(&err) : 0;
}
