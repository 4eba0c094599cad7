/* images.c - `minicontainer images`: list the images in the store. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mc_file.h"
#include "mc.h"
#include "mc_container.h"

static uint64_t du_total;

static int add_size(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)path;
	(void)ftw;
	if (type == FTW_F || type == FTW_SL)
		du_total += (uint64_t)st->st_size;
	return 0;
}

/* The unpacked size of every layer, like Docker's SIZE column. */
uint64_t mc_image_size(struct img_store *st, const struct img_image *img)
{
	uint64_t total = 0;

	for (size_t i = 0; i < img->nlayer; i++) {
		char path[PATH_MAX];
		struct mc_error ignored;

		du_total = 0;
		if (img_layer_path(st, img->layers[i].diff_id, path, sizeof(path), &ignored) == 0 &&
		    nftw(path, add_size, 16, FTW_PHYS) == 0)
			total += du_total;
		else
			total += img->layers[i].size; /* not unpacked: the compressed size */
	}
	return total;
}

/*
 * Every container record's image.  A record that cannot be read is an error,
 * not something to skip: garbage collection would then delete the image its
 * container needs.  (Callers hold the containers' lock, so no record is
 * half-written.)
 */
int mc_images_in_use(char ***manifests, size_t *count, struct mc_error *err)
{
	struct mc_container *all;
	size_t n;

	*manifests = NULL;
	*count = 0;
	if (mc_container_list_strict(&all, &n, err) < 0)
		return -1;
	*manifests = calloc(n + 1, sizeof(char *));
	for (size_t i = 0; *manifests != NULL && i < n; i++) {
		const char *m = json_string_value(json_object_get(all[i].doc, "ImageManifest"));

		if (m != NULL && ((*manifests)[(*count)++] = strdup(m)) == NULL)
			break;
	}
	for (size_t i = 0; i < n; i++)
		mc_container_free(&all[i]);
	free(all);
	if (*manifests == NULL || (*count > 0 && (*manifests)[*count - 1] == NULL)) {
		for (size_t i = 0; *manifests != NULL && i < *count; i++)
			free((*manifests)[i]);
		free(*manifests);
		*manifests = NULL;
		*count = 0;
		return mc_fail(err, ENOMEM, "containers");
	}
	return 0;
}

/* Does a tag before tags[i] name an image with the same config (the same image ID)? */
static bool seen_before(struct img_tag *tags, size_t i, struct img_store *st, const char *config)
{
	for (size_t k = 0; k < i; k++) {
		struct img_image other;
		struct mc_error ignored;
		bool same;

		if (img_image_load(st, tags[k].manifest_digest, &other, &ignored) < 0)
			continue;
		same = strcmp(other.config_digest, config) == 0;
		img_image_free(&other);
		if (same)
			return true;
	}
	return false;
}

static const char usage[] = "Usage:  minicontainer images [OPTIONS] [REPOSITORY[:TAG]]\n\n"
                            "List images\n\n"
                            "Options:\n"
                            "  -a, --all        Show all images (there are no intermediate ones)\n"
                            "      --no-trunc   Don't truncate output\n"
                            "  -q, --quiet      Only show image IDs\n";

int verb_images(int argc, char **argv)
{
	static const struct option options[] = {
	    {"all", no_argument, NULL, 'a'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"no-trunc", no_argument, NULL, 'T'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	bool quiet = false, no_trunc = false;
	struct img_ref filter;
	const char *filter_text = NULL;
	struct img_store st;
	struct img_tag *tags;
	struct mc_error err;
	struct mc_table *table;
	size_t n;
	int opt;

	while ((opt = getopt_long(argc, argv, "+aqh", options, NULL)) != -1) {
		switch (opt) {
		case 'a':
			break;
		case 'q':
			quiet = true;
			break;
		case 'T':
			no_trunc = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			return mc_usage_error("images", "unknown flag");
		}
	}
	if (argc - optind > 1)
		return mc_usage_error("images", "\"images\" requires at most 1 argument");
	if (optind < argc) {
		filter_text = argv[optind];
		if (img_ref_parse(filter_text, &filter, &err) < 0)
			return mc_report(&err);
	}
	if (mc_open_store(&st, &err) < 0 || img_store_list(&st, &tags, &n, &err) < 0)
		return mc_report(&err);

	table = mc_table_new(5);
	if (!quiet)
		mc_table_add(table,
		             (const char *[]){"REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"});
	for (size_t i = 0; i < n; i++) {
		char repo[600], id[80], created[64], size[32];
		struct img_image img;
		struct img_ref ref;
		json_t *config;

		if (img_ref_parse(tags[i].name, &ref, &err) < 0 ||
		    img_image_load(&st, tags[i].manifest_digest, &img, &err) < 0)
			continue;
		if (filter_text != NULL &&
		    (strcmp(ref.registry, filter.registry) != 0 ||
		     strcmp(ref.repository, filter.repository) != 0 ||
		     (strchr(filter_text, ':') != NULL && strcmp(ref.tag, filter.tag) != 0))) {
			img_image_free(&img);
			continue;
		}
		snprintf(id, sizeof(id), "%s",
		         no_trunc ? img.config_digest : img_digest_hex(img.config_digest));
		if (!no_trunc)
			id[12] = '\0';
		if (quiet) {
			/* One line per image, however many names it has (as Docker prints). */
			if (!seen_before(tags, i, &st, img.config_digest))
				printf("%s\n", id);
			img_image_free(&img);
			continue;
		}
		config = json_loads(img.config_json, 0, NULL);
		mc_human_ago(
		    mc_parse_rfc3339(json_string_value(json_object_get(config, "created"))),
		    time(NULL), created, sizeof(created));
		json_decref(config);
		mc_human_size(mc_image_size(&st, &img), size, sizeof(size));
		mc_table_add(table,
		             (const char *[]){img_ref_familiar_name(&ref, repo, sizeof(repo)),
		                              ref.tag[0] ? ref.tag : "<none>", id, created, size});
		img_image_free(&img);
	}
	mc_table_print(table);
	mc_table_free(table);
	free(tags);
	img_store_close(&st);
	return 0;
}
