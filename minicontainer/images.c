/* images.c - `minicontainer images`: list the images in the store. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <fnmatch.h>
#include <stddef.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bld_cache.h"
#include "mc_file.h"
#include "mc.h"
#include "mc_container.h"

/* nftw(3) has no argument for its callback: the walk in progress. */
static struct {
	uint64_t total;
	struct {
		dev_t dev;
		ino_t ino;
	} seen[4096]; /* hard-linked files counted so far */
	size_t nseen;
} du;

static int add_size(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)path;
	(void)ftw;
	if (type != FTW_F && type != FTW_SL)
		return 0;
	if (st->st_nlink > 1 && type == FTW_F) {
		for (size_t i = 0; i < du.nseen; i++)
			if (du.seen[i].dev == st->st_dev && du.seen[i].ino == st->st_ino)
				return 0;
		if (du.nseen < sizeof(du.seen) / sizeof(du.seen[0])) {
			du.seen[du.nseen].dev = st->st_dev;
			du.seen[du.nseen++].ino = st->st_ino;
		}
	}
	du.total += (uint64_t)st->st_size;
	return 0;
}

uint64_t mc_dir_size(const char *path)
{
	du.total = 0;
	du.nseen = 0;
	if (nftw(path, add_size, 16, FTW_PHYS) != 0)
		return 0;
	return du.total;
}

uint64_t mc_layer_size(struct img_store *st, const struct img_layer *layer)
{
	int64_t recorded = img_layer_size(st, layer->diff_id);
	char path[PATH_MAX];
	struct mc_error ignored;
	struct stat sb;
	uint64_t bytes;

	/* Recorded when it was unpacked; a layer unpacked before that is counted once, here. */
	if (recorded >= 0)
		return (uint64_t)recorded;
	if (img_layer_path(st, layer->diff_id, path, sizeof(path), &ignored) == 0 &&
	    stat(path, &sb) == 0) {
		bytes = mc_dir_size(path);
		img_layer_record_size(st, layer->diff_id, bytes, &ignored);
		return bytes;
	}
	return layer->size; /* not unpacked: the compressed size */
}

/* The unpacked size of every layer, like Docker's SIZE column. */
uint64_t mc_image_size(struct img_store *st, const struct img_image *img)
{
	uint64_t total = 0;

	for (size_t i = 0; i < img->nlayer; i++)
		total += mc_layer_size(st, &img->layers[i]);
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

int mc_keep_build_cache(struct img_store *st, char ***keep, size_t *n, struct mc_error *err)
{
	struct bld_cache cache;
	char **roots, **more;
	size_t nroots;

	if (bld_cache_open(&cache, st, err) < 0 ||
	    bld_cache_roots(&cache, &roots, &nroots, err) < 0)
		return -1;
	more = realloc(*keep, (*n + nroots + 1) * sizeof(char *));
	if (more == NULL) {
		mc_strv_free(roots, nroots);
		return mc_fail(err, ENOMEM, "images");
	}
	if (nroots > 0)
		memcpy(more + *n, roots, nroots * sizeof(char *));
	*keep = more;
	*n += nroots;
	free(roots);
	return 0;
}

void mc_strv_free(char **v, size_t n)
{
	for (size_t i = 0; v != NULL && i < n; i++)
		free(v[i]);
	free(v);
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

struct images_opts {
	bool all, quiet, no_trunc, digests;
	const char *format;
	struct mc_list filters;
};

static int add_filter(void *field, const char *value, struct mc_error *err)
{
	static const char *const keys[] = {
	    "dangling=", "reference=", "label=", "before=", "since=", NULL};

	for (int k = 0; keys[k] != NULL; k++)
		if (strncmp(value, keys[k], strlen(keys[k])) == 0)
			return mc_opt_list(field, value, err);
	if (strchr(value, '=') == NULL)
		return mc_fail(err, 0, "bad format of filter (expected name=value)");
	return mc_fail(err, 0, "invalid filter '%.*s'", (int)strcspn(value, "="), value);
}

static const struct mc_option images_options[] = {
    {"all", 'a', NULL, "Show all images (default hides intermediate images; there are none here)",
     mc_opt_true, offsetof(struct images_opts, all)},
    {"digests", 0, NULL, "Show digests", mc_opt_true, offsetof(struct images_opts, digests)},
    {"filter", 'f', "filter",
     "Filter output based on conditions provided: dangling=, reference=, label=, before=, "
     "since=",
     add_filter, offsetof(struct images_opts, filters)},
    {"format", 0, "string", MC_FORMAT_HELP, mc_opt_string, offsetof(struct images_opts, format)},
    {"no-trunc", 0, NULL, "Don't truncate output", mc_opt_true,
     offsetof(struct images_opts, no_trunc)},
    {"quiet", 'q', NULL, "Only show image IDs", mc_opt_true, offsetof(struct images_opts, quiet)},
    {NULL, 0, NULL, NULL, NULL, 0},
};

const struct mc_command mc_cmd_images = {
    .name = "images",
    .usage = "[OPTIONS] [REPOSITORY[:TAG]]",
    .summary = "List images",
    .options = images_options,
    .min_args = 0,
    .max_args = 1,
};

static const struct mc_field_header images_headers[] = {
    {"ID", "IMAGE ID"},
    {"Repository", "REPOSITORY"},
    {"Tag", "TAG"},
    {"Digest", "DIGEST"},
    {"CreatedSince", "CREATED"},
    {"CreatedAt", "CREATED AT"},
    {"Size", "SIZE"},
    {"Containers", "CONTAINERS"},
    {"SharedSize", "SHARED SIZE"},
    {"UniqueSize", "UNIQUE SIZE"},
    {"VirtualSize", "VIRTUAL SIZE"},
    {NULL, NULL},
};

/* When an image was made: its config's "created". */
static time_t created_of(const struct img_image *img)
{
	json_t *config = json_loads(img->config_json, 0, NULL);
	time_t t = mc_parse_rfc3339(json_string_value(json_object_get(config, "created")));

	json_decref(config);
	return t;
}

/* The creation time of the image a before=/since= filter names. */
static int filter_time(struct img_store *st, const char *what, time_t *t, struct mc_error *err)
{
	struct img_image img;

	if (img_store_find(st, what, &img, err) < 0)
		return -1;
	*t = created_of(&img);
	img_image_free(&img);
	return 0;
}

/* label=KEY or label=KEY=VALUE, against the image's labels. */
static bool has_label(const struct img_image *img, const char *want)
{
	json_t *config = json_loads(img->config_json, 0, NULL);
	json_t *labels = json_object_get(json_object_get(config, "config"), "Labels");
	const char *eq = strchr(want, '=');
	json_t *have = eq ? json_object_getn(labels, want, (size_t)(eq - want))
	                  : json_object_get(labels, want);
	bool hit =
	    have != NULL &&
	    (eq == NULL || (json_is_string(have) && strcmp(json_string_value(have), eq + 1) == 0));

	json_decref(config);
	return hit;
}

/*
 * Docker's filters: each key narrows, several values of one key widen.
 * reference= is a glob on "name" and on "name:tag" (a '*' stops at '/').
 */
static int wanted(struct img_store *st, const struct images_opts *o, const struct img_ref *ref,
                  const struct img_image *img, bool *yes, struct mc_error *err)
{
	const char *keys[] = {"dangling=", "reference=", "label=", "before=", "since="};
	char name[600], full[800];
	time_t created = created_of(img);

	img_ref_familiar_name(ref, name, sizeof(name));
	snprintf(full, sizeof(full), "%s:%s", name, ref->tag);
	*yes = true;
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]) && *yes; k++) {
		bool any = false, given = false;

		for (size_t i = 0; i < o->filters.n; i++) {
			const char *v = o->filters.items[i];
			time_t t;

			if (strncmp(v, keys[k], strlen(keys[k])) != 0)
				continue;
			given = true;
			v += strlen(keys[k]);
			switch (k) {
			case 0: { /* every image here has a name: none is dangling */
				bool dangling;

				if (mc_parse_bool(v, &dangling, err) < 0)
					return mc_fail(err, 0, "invalid filter 'dangling=%s'", v);
				any |= !dangling;
				break;
			}
			case 1:
				any |= fnmatch(v, name, FNM_PATHNAME) == 0 ||
				       fnmatch(v, full, FNM_PATHNAME) == 0;
				break;
			case 2:
				any |= has_label(img, v);
				break;
			case 3:
			case 4:
				if (filter_time(st, v, &t, err) < 0)
					return -1;
				any |= k == 3 ? created < t : created > t;
				break;
			}
		}
		*yes = !given || any;
	}
	return 0;
}

int verb_images(int argc, char **argv)
{
	struct images_opts o = {false, false, false, false, NULL, {{NULL}, 0}};
	struct mc_listing *out = NULL;
	struct img_ref filter;
	const char *filter_text = NULL;
	struct img_store st;
	struct img_tag *tags;
	struct mc_error err;
	size_t n;
	int rc, first;

	if ((rc = mc_parse_verb(&mc_cmd_images, &o, argc, argv, &first)) >= 0)
		return rc;
	if (first < argc) {
		filter_text = argv[first];
		if (img_ref_parse(filter_text, &filter, &err) < 0)
			return mc_report(&err);
	}
	if (mc_open_store(&st, &err) < 0 || img_store_list(&st, &tags, &n, &err) < 0)
		return mc_report(&err);
	if (!o.quiet &&
	    mc_listing_open(&out, o.format,
	                    o.digests ? "table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t"
	                                "{{.CreatedSince}}\t{{.Size}}"
	                              : "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t"
	                                "{{.CreatedSince}}\t{{.Size}}",
	                    images_headers, &err) < 0) {
		free(tags);
		img_store_close(&st);
		return mc_report(&err);
	}
	rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		char repo[600], id[80], created[64], since[64], size[32];
		struct img_image img;
		struct img_ref ref;
		json_t *row;
		bool yes;

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
		if (wanted(&st, &o, &ref, &img, &yes, &err) < 0) {
			rc = mc_report(&err);
			img_image_free(&img);
			break;
		}
		if (!yes) {
			img_image_free(&img);
			continue;
		}
		snprintf(id, sizeof(id), "%s",
		         o.no_trunc ? img.config_digest : img_digest_hex(img.config_digest));
		if (!o.no_trunc)
			id[12] = '\0';
		if (o.quiet) {
			/* One line per image, however many names it has (as Docker prints). */
			if (!seen_before(tags, i, &st, img.config_digest))
				printf("%s\n", id);
			img_image_free(&img);
			continue;
		}
		mc_go_time(created_of(&img), created, sizeof(created));
		mc_human_ago(created_of(&img), time(NULL), since, sizeof(since));
		mc_human_size(mc_image_size(&st, &img), size, sizeof(size));
		row = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "ID", id,
		                "Repository", img_ref_familiar_name(&ref, repo, sizeof(repo)),
		                "Tag", ref.tag[0] ? ref.tag : "<none>", "Digest",
		                tags[i].manifest_digest, "CreatedSince", since, "CreatedAt",
		                created, "Size", size, "Containers", "N/A", "SharedSize", "N/A",
		                "UniqueSize", "N/A", "VirtualSize", size);
		if (mc_listing_row(out, row, &err) < 0)
			rc = mc_report(&err);
		json_decref(row);
		img_image_free(&img);
	}
	mc_listing_close(out);
	free(tags);
	img_store_close(&st);
	return rc;
}
