/*
 * builder.c - `minicontainer builder prune`: forget the build cache, then
 * collect the layers nothing else uses (chapter 06's bld_cache_prune over
 * chapter 04's garbage collector - an image's layers are never touched).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bld_cache.h"
#include "mc.h"

static void print_removed(const char *key, void *arg)
{
	bool *first = arg;

	if (*first)
		printf("Deleted build cache objects:\n");
	*first = false;
	printf("%.25s\n", key);
}

static int prune(int argc, char **argv)
{
	static const struct option options[] = {
	    {"all", no_argument, NULL, 'a'},
	    {"force", no_argument, NULL, 'f'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	char **in_use = NULL, size[32], answer[16] = "";
	struct img_store st = {.lock_fd = -1};
	struct bld_cache cache;
	struct mc_error err;
	bool force = false, first = true;
	size_t nuse = 0, records;
	uint64_t freed;
	int opt, status = 0;

	while ((opt = getopt_long(argc, argv, "+afh", options, NULL)) != -1) {
		if (opt == 'f')
			force = true;
		else if (opt == 'h') {
			printf("Usage:  minicontainer builder prune [OPTIONS]\n\n"
			       "Remove build cache\n\nOptions:\n"
			       "  -a, --all     Remove all unused build cache, not just dangling "
			       "ones\n"
			       "  -f, --force   Do not prompt for confirmation\n");
			return 0;
		} else if (opt != 'a')
			return mc_usage_error("builder prune", "unknown flag");
	}
	if (!force) {
		printf(
		    "WARNING! This will remove all dangling build cache. Are you sure you want to "
		    "continue? [y/N] ");
		fflush(stdout);
		if (fgets(answer, sizeof(answer), stdin) == NULL ||
		    (answer[0] != 'y' && answer[0] != 'Y'))
			return 0;
	}
	if (mc_open_store(&st, &err) < 0 || bld_cache_open(&cache, &st, &err) < 0 ||
	    mc_images_in_use(&in_use, &nuse, &err) < 0 ||
	    bld_cache_prune(&cache, (const char *const *)in_use, nuse, &records, &freed,
	                    print_removed, &first, &err) < 0)
		status = mc_report(&err);
	if (status == 0)
		printf("%sTotal reclaimed space: %s\n", first ? "" : "\n",
		       mc_human_size(freed, size, sizeof(size)));
	for (size_t i = 0; i < nuse; i++)
		free(in_use[i]);
	free(in_use);
	img_store_close(&st);
	return status;
}

int verb_builder(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "prune") == 0)
		return prune(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "--help") != 0 && strcmp(argv[1], "-h") != 0)
		return mc_usage_error("builder", "unknown command \"%s\"", argv[1]);
	printf("Usage:  minicontainer builder COMMAND\n\nManage builds\n\nCommands:\n"
	       "  prune       Remove build cache\n");
	return argc >= 2 ? 0 : MC_EXIT_FAILED;
}
