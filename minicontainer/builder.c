/*
 * builder.c - `minicontainer builder prune`: forget the build cache, then
 * collect the layers nothing else uses (chapter 06's bld_cache_prune over
 * chapter 04's garbage collector - an image's layers are never touched).
 */
#include <stddef.h>
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

struct prune_flags {
	bool all, force;
};

static const struct mc_option prune_options[] = {
    {"all", 'a', NULL,
     "Remove all unused build cache (every cache record here is unused\ncache: the same as without "
     "-a)",
     mc_opt_true, offsetof(struct prune_flags, all)},
    {"force", 'f', NULL, "Do not prompt for confirmation", mc_opt_true,
     offsetof(struct prune_flags, force)},
    {NULL, 0, NULL, NULL, NULL, 0},
};

const struct mc_command mc_cmd_builder_prune = {
    .name = "prune",
    .usage = "[OPTIONS]",
    .summary = "Remove build cache",
    .options = prune_options,
    .min_args = 0,
    .max_args = 0,
};

int verb_builder_prune(int argc, char **argv)
{
	char **in_use = NULL, size[32];
	struct img_store st = {.lock_fd = -1};
	struct prune_flags f = {false, false};
	struct bld_cache cache;
	struct mc_error err;
	bool first = true;
	size_t nuse = 0, records;
	uint64_t freed;
	int status, arg;

	if ((status = mc_parse_verb(&mc_cmd_builder_prune, &f, argc, argv, &arg)) >= 0)
		return status;
	status = 0;
	if (!f.force && !mc_confirm("WARNING! This will remove all dangling build cache. Are you "
	                            "sure you want to continue?"))
		return 0;
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
