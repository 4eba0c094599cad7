/*
 * df.c - `minicontainer system df [-v] [--format]`: the disk space the
 * images, the containers, the volumes and the build cache take, and how much of it
 * prune would give back - Docker's table:
 *
 *	TYPE            TOTAL     ACTIVE    SIZE      RECLAIMABLE
 *	Images          5         2         16.4MB    11.6MB (70%)
 *	Containers      2         1         212B      212B (100%)
 *	Local Volumes   2         1         36B       0B (0%)
 *	Build Cache     3         0         1.2MB     1.2MB
 *
 * One function per kind of object fills its row (and, for -v, its own
 * table): one more kind is one more function and one more entry in
 * `kinds`.  Sizes are Docker's: an image's layers as unpacked, a layer
 * shared by several images counted once in the total; a container's
 * writable (upper) layer; a volume's files.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "bld_cache.h"
#include "mc.h"
#include "mc_container.h"
#include "mc_volume.h"

struct df_opts {
	bool verbose;
	const char *format;
};

static const struct mc_option df_options[] = {
    {"format", 0, "string", MC_FORMAT_HELP, mc_opt_string, offsetof(struct df_opts, format)},
    {"verbose", 'v', NULL, "Show detailed information on space usage", mc_opt_true,
     offsetof(struct df_opts, verbose)},
    {NULL, 0, NULL, NULL, NULL, 0},
};

const struct mc_command mc_cmd_system_df = {
    .name = "df",
    .usage = "[OPTIONS]",
    .summary = "Show minicontainer disk usage",
    .options = df_options,
    .min_args = 0,
    .max_args = 0,
};

/* ---- what is there ------------------------------------------------------------------------- */

/* A layer, the bytes it holds unpacked, and how many images use it. */
struct layer_use {
	char diff_id[IMG_DIGEST_LEN + 1];
	uint64_t size;
	size_t images;
};

struct image_use {
	struct img_image img;
	char name[600]; /* one of its names, or "" */
	uint64_t size, unique;
	size_t containers;
};

struct df {
	struct img_store st;
	char **in_use; /* the image (manifest) of each container */
	size_t nuse;
	struct image_use *images;
	size_t nimages;
	struct layer_use *layers;
	size_t nlayers;
};

static struct layer_use *layer_of(struct df *d, const struct img_layer *l)
{
	struct layer_use *more;

	for (size_t i = 0; i < d->nlayers; i++)
		if (strcmp(d->layers[i].diff_id, l->diff_id) == 0)
			return &d->layers[i];
	more = realloc(d->layers, (d->nlayers + 1) * sizeof(*more));
	if (more == NULL)
		return NULL;
	d->layers = more;
	more = &d->layers[d->nlayers++];
	snprintf(more->diff_id, sizeof(more->diff_id), "%s", l->diff_id);
	/* Recorded when the layer was unpacked (chapter 04): no walk over its files. */
	more->size = mc_layer_size(&d->st, l);
	more->images = 0;
	return more;
}

/* Add an image (once) by manifest digest, with `name` if it has one. */
static int add_image(struct df *d, const char *manifest, const char *name, struct mc_error *err)
{
	struct image_use *more, *u;

	for (size_t i = 0; i < d->nimages; i++)
		if (strcmp(d->images[i].img.manifest_digest, manifest) == 0) {
			if (d->images[i].name[0] == '\0' && name != NULL)
				snprintf(d->images[i].name, sizeof(d->images[i].name), "%s", name);
			return 0;
		}
	more = realloc(d->images, (d->nimages + 1) * sizeof(*more));
	if (more == NULL)
		return mc_fail(err, ENOMEM, "df");
	d->images = more;
	u = &d->images[d->nimages];
	memset(u, 0, sizeof(*u));
	if (img_image_load(&d->st, manifest, &u->img, err) < 0)
		return -1;
	d->nimages++;
	snprintf(u->name, sizeof(u->name), "%s", name ? name : "");
	for (size_t i = 0; i < u->img.nlayer; i++) {
		struct layer_use *l = layer_of(d, &u->img.layers[i]);

		if (l == NULL)
			return mc_fail(err, ENOMEM, "df");
		l->images++;
		u->size += l->size;
	}
	for (size_t i = 0; i < d->nuse; i++)
		u->containers += strcmp(d->in_use[i], manifest) == 0;
	return 0;
}

/* Every image: named ones, those containers use, and dangling ones. */
static int load_images(struct df *d, struct mc_error *err)
{
	char **keep = NULL, **dangling = NULL;
	size_t nkeep = 0, ndangling = 0;
	struct img_tag *tags;
	size_t n;
	int rc = 0;

	if (img_store_list(&d->st, &tags, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = add_image(d, tags[i].manifest_digest, tags[i].name, err);
	free(tags);
	for (size_t i = 0; i < d->nuse && rc == 0; i++)
		rc = add_image(d, d->in_use[i], NULL, err);
	/* (The build cache's own records are not images: they are kept out of "dangling".) */
	if (rc == 0 && (mc_keep_build_cache(&d->st, &keep, &nkeep, err) < 0 ||
	                img_store_dangling(&d->st, (const char *const *)keep, nkeep, &dangling,
	                                   &ndangling, err) < 0))
		rc = -1;
	for (size_t i = 0; i < ndangling && rc == 0; i++)
		rc = add_image(d, dangling[i], NULL, err);
	mc_strv_free(keep, nkeep);
	mc_strv_free(dangling, ndangling);
	/* A layer no other image has is this image's own: its "unique size". */
	for (size_t i = 0; i < d->nimages; i++)
		for (size_t k = 0; k < d->images[i].img.nlayer; k++) {
			struct layer_use *l = layer_of(d, &d->images[i].img.layers[k]);

			if (l != NULL && l->images == 1)
				d->images[i].unique += l->size;
		}
	return rc;
}

static void free_df(struct df *d)
{
	for (size_t i = 0; i < d->nimages; i++)
		img_image_free(&d->images[i].img);
	free(d->images);
	free(d->layers);
	mc_strv_free(d->in_use, d->nuse);
	img_store_close(&d->st);
}

/* ---- the rows ------------------------------------------------------------------------------ */

struct df_row {
	const char *type;
	size_t total, active;
	uint64_t size, reclaimable;
	bool percent;    /* RECLAIMABLE shows the share of SIZE ("11.6MB (70%)") */
	json_t *details; /* -v: one object per image, container ... (owned) */
};

static const char *human(uint64_t bytes, char *buf, size_t size)
{
	return mc_human_size_digits(bytes, 4, buf, size); /* go-units' HumanSize */
}

static time_t image_created(const struct img_image *img)
{
	json_t *config = json_loads(img->config_json, 0, NULL);
	time_t t = mc_parse_rfc3339(json_string_value(json_object_get(config, "created")));

	json_decref(config);
	return t;
}

/* Images: Docker counts a layer shared by several images once, and reclaims all but the
 * unique layers of the images containers use. */
static int df_images(struct df *d, struct df_row *row, struct mc_error *err)
{
	uint64_t used = 0;

	(void)err;
	row->type = "Images";
	row->percent = true;
	row->details = json_array();
	row->total = d->nimages;
	for (size_t i = 0; i < d->nlayers; i++)
		row->size += d->layers[i].size;
	for (size_t i = 0; i < d->nimages; i++) {
		struct image_use *u = &d->images[i];
		char repo[600] = "<none>", tag[200] = "<none>", id[16], since[64], a[32], b[32],
		     c[32], count[16];
		struct img_ref ref;
		struct mc_error ignored;

		if (u->containers > 0) {
			row->active++;
			used += u->unique;
		}
		if (u->name[0] != '\0' && img_ref_parse(u->name, &ref, &ignored) == 0) {
			img_ref_familiar_name(&ref, repo, sizeof(repo));
			snprintf(tag, sizeof(tag), "%s", ref.tag[0] ? ref.tag : "<none>");
		}
		snprintf(id, sizeof(id), "%.12s", img_digest_hex(u->img.config_digest));
		mc_human_ago(image_created(&u->img), time(NULL), since, sizeof(since));
		snprintf(count, sizeof(count), "%zu", u->containers);
		json_array_append_new(
		    row->details,
		    json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "Repository", repo, "Tag",
		              tag, "ID", id, "CreatedSince", since, "Size",
		              mc_human_size(u->size, a, sizeof(a)), "SharedSize",
		              mc_human_size(u->size - u->unique, b, sizeof(b)), "UniqueSize",
		              mc_human_size(u->unique, c, sizeof(c)), "Containers", count));
	}
	row->reclaimable = row->size > used ? row->size - used : 0;
	return 0;
}

/* Containers: their writable layers; those that do not run could go. */
static int df_containers(struct df *d, struct df_row *row, struct mc_error *err)
{
	struct mc_container *list;
	size_t n;

	(void)d;
	row->type = "Containers";
	row->percent = true;
	row->details = json_array();
	if (mc_container_list(&list, &n, err) < 0)
		return -1;
	row->total = n;
	for (size_t i = 0; i < n; i++) {
		char upper[600], size[32];
		uint64_t bytes;
		bool active;
		json_t *r;

		mc_container_refresh(&list[i]);
		snprintf(upper, sizeof(upper), "%s/upper", list[i].dir);
		bytes = mc_dir_size(upper);
		active = mc_container_running(&list[i]) ||
		         strcmp(mc_state_status(&list[i]), "restarting") == 0;
		row->active += active;
		row->size += bytes;
		row->reclaimable += active ? 0 : bytes;
		r = mc_container_row(&list[i]);
		json_object_set_new(r, "Size",
		                    json_string(mc_human_size(bytes, size, sizeof(size))));
		json_array_append_new(row->details, r);
		mc_container_free(&list[i]);
	}
	free(list);
	return 0;
}

/* Local volumes (mc_volume.h): the bytes under each; those no container mounts could go. */
static int df_volumes(struct df *d, struct df_row *row, struct mc_error *err)
{
	char **names;
	size_t n;

	(void)d;
	row->type = "Local Volumes";
	row->percent = true;
	row->details = json_array();
	if (mc_volume_names(&names, &n, err) < 0)
		return -1;
	row->total = n;
	for (size_t i = 0; i < n; i++) {
		json_t *users = mc_volume_users(names[i]);
		uint64_t bytes = mc_volume_size(names[i]);
		char links[32], size[32];

		snprintf(links, sizeof(links), "%zu", json_array_size(users));
		row->active += json_array_size(users) > 0;
		row->size += bytes;
		row->reclaimable += json_array_size(users) > 0 ? 0 : bytes;
		json_array_append_new(row->details,
		                      json_pack("{s:s, s:s, s:s}", "Name", names[i], "Links", links,
		                                "Size", human(bytes, size, sizeof(size))));
		json_decref(users);
	}
	mc_strv_free(names, n);
	return 0;
}

/*
 * The build cache (chapter 06): a record per step, its layer kept in the
 * store.  As BuildKit counts it, a layer an image also has is "shared" and
 * not the cache's size; no build runs now, so nothing is in use.
 */
static int df_build_cache(struct df *d, struct df_row *row, struct mc_error *err)
{
	char **roots = NULL;
	size_t nroots = 0;

	row->type = "Build Cache";
	row->details = json_array();
	if (mc_keep_build_cache(&d->st, &roots, &nroots, err) < 0)
		return -1;
	for (size_t i = 0; i < nroots; i++) {
		struct img_image img;
		struct mc_error ignored;
		char path[PATH_MAX], since[64], size[32];
		struct stat sb;

		if (img_image_load(&d->st, roots[i], &img, &ignored) < 0)
			continue;
		for (size_t k = 0; k < img.nlayer; k++) {
			struct layer_use *l = layer_of(d, &img.layers[k]);
			bool shared = l == NULL || l->images > 0;
			uint64_t bytes = l ? l->size : 0;

			row->total++;
			row->size += shared ? 0 : bytes;
			since[0] = '\0';
			if (img_blob_path(&d->st, roots[i], path, sizeof(path), &ignored) == 0 &&
			    stat(path, &sb) == 0)
				mc_human_ago(sb.st_mtime, time(NULL), since, sizeof(since));
			json_array_append_new(row->details,
			                      json_pack("{s:s%, s:s, s:s, s:s, s:s, s:s, s:s}",
			                                "ID", img_digest_hex(img.layers[k].diff_id),
			                                (size_t)12, "CacheType", "regular", "Size",
			                                mc_human_size(bytes, size, sizeof(size)),
			                                "CreatedSince", since, "LastUsedSince",
			                                since, "UsageCount", "0", "Shared",
			                                shared ? "true" : "false"));
		}
		img_image_free(&img);
	}
	row->reclaimable = row->size;
	mc_strv_free(roots, nroots);
	return 0;
}

/* ---- printing ------------------------------------------------------------------------------ */

static const struct mc_field_header summary_headers[] = {
    {"Type", "TYPE"}, {"TotalCount", "TOTAL"},        {"Active", "ACTIVE"},
    {"Size", "SIZE"}, {"Reclaimable", "RECLAIMABLE"}, {NULL, NULL},
};

static const struct mc_field_header image_headers[] = {
    {"Repository", "REPOSITORY"},
    {"Tag", "TAG"},
    {"ID", "IMAGE ID"},
    {"CreatedSince", "CREATED"},
    {"Size", "SIZE"},
    {"SharedSize", "SHARED SIZE"},
    {"UniqueSize", "UNIQUE SIZE"},
    {"Containers", "CONTAINERS"},
    {NULL, NULL},
};

static const struct mc_field_header container_headers[] = {
    {"ID", "CONTAINER ID"}, {"Image", "IMAGE"},
    {"Command", "COMMAND"}, {"LocalVolumes", "LOCAL VOLUMES"},
    {"Size", "SIZE"},       {"RunningFor", "CREATED"},
    {"Status", "STATUS"},   {"Names", "NAMES"},
    {NULL, NULL},
};

static const struct mc_field_header volume_headers[] = {
    {"Name", "VOLUME NAME"},
    {"Links", "LINKS"},
    {"Size", "SIZE"},
    {NULL, NULL},
};

static const struct mc_field_header cache_headers[] = {
    {"ID", "CACHE ID"},
    {"CacheType", "CACHE TYPE"},
    {"Size", "SIZE"},
    {"CreatedSince", "CREATED"},
    {"LastUsedSince", "LAST USED"},
    {"UsageCount", "USAGE"},
    {"Shared", "SHARED"},
    {NULL, NULL},
};

/* The kinds, in Docker's order: the row, and for -v the title and table of its details. */
static const struct {
	int (*fill)(struct df *d, struct df_row *row, struct mc_error *err);
	const char *title, *key, *table;
	const struct mc_field_header *headers;
} kinds[] = {
    {df_images, "Images space usage:\n\n", "Images",
     "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}\t{{.SharedSize}}\t{{."
     "UniqueSize}}\t{{.Containers}}",
     image_headers},
    {df_containers, "\nContainers space usage:\n\n", "Containers",
     "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.LocalVolumes}}\t{{.Size}}\t{{.RunningFor}}\t{{."
     "Status}}\t{{.Names}}",
     container_headers},
    {df_volumes, "\nLocal Volumes space usage:\n\n", "Volumes",
     "table {{.Name}}\t{{.Links}}\t{{.Size}}", volume_headers},
    {df_build_cache, NULL, "BuildCache",
     "table {{.ID}}\t{{.CacheType}}\t{{.Size}}\t{{.CreatedSince}}\t{{.LastUsedSince}}\t{{."
     "UsageCount}}\t{{.Shared}}",
     cache_headers},
};
#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

static json_t *summary_row(const struct df_row *r)
{
	char total[32], active[32], size[32], reclaimable[64], a[32];

	snprintf(total, sizeof(total), "%zu", r->total);
	snprintf(active, sizeof(active), "%zu", r->active);
	human(r->size, size, sizeof(size));
	if (r->percent && r->size > 0)
		snprintf(reclaimable, sizeof(reclaimable), "%s (%llu%%)",
		         human(r->reclaimable, a, sizeof(a)),
		         (unsigned long long)(r->reclaimable * 100 / r->size));
	else
		human(r->reclaimable, reclaimable, sizeof(reclaimable));
	return json_pack("{s:s, s:s, s:s, s:s, s:s}", "Type", r->type, "TotalCount", total,
	                 "Active", active, "Size", size, "Reclaimable", reclaimable);
}

static int print_table(const char *format, const struct mc_field_header *headers, json_t *rows,
                       struct mc_error *err)
{
	struct mc_listing *l;
	json_t *row;
	size_t i;
	int rc = 0;

	if (mc_listing_open(&l, format, format, headers, err) < 0)
		return -1;
	json_array_foreach(rows, i, row)
	{
		if (rc == 0)
			rc = mc_listing_row(l, row, err);
	}
	mc_listing_close(l);
	return rc;
}

/* -v: each kind's table under its title (the build cache's title carries its size). */
static int print_verbose(const struct df_opts *o, struct df_row *rows, struct mc_error *err)
{
	json_t *all = json_object();
	int rc = 0;

	for (size_t i = 0; i < NKINDS; i++)
		json_object_set(all, kinds[i].key, rows[i].details);
	if (o->format != NULL && o->format[0] != '\0') {
		rc = mc_render_template(stdout, all,
		                        strcmp(o->format, "json") == 0 ? "{{json .}}" : o->format,
		                        false, err);
		json_decref(all);
		return rc;
	}
	json_decref(all);
	for (size_t i = 0; i < NKINDS && rc == 0; i++) {
		char size[32];

		if (kinds[i].title != NULL)
			fputs(kinds[i].title, stdout);
		else
			printf("\nBuild cache usage: %s\n\n",
			       human(rows[i].size, size, sizeof(size)));
		fflush(stdout);
		rc = print_table(kinds[i].table, kinds[i].headers, rows[i].details, err);
	}
	return rc;
}

int verb_system_df(int argc, char **argv)
{
	struct df_opts o = {false, NULL};
	struct df_row rows[NKINDS];
	struct df d = {.st = {.lock_fd = -1}};
	struct mc_error err;
	json_t *summary;
	int rc, first;

	if ((rc = mc_parse_verb(&mc_cmd_system_df, &o, argc, argv, &first)) >= 0)
		return rc;
	memset(rows, 0, sizeof(rows));
	rc = mc_open_store(&d.st, &err) < 0 || mc_images_in_use(&d.in_use, &d.nuse, &err) < 0 ||
	             load_images(&d, &err) < 0
	         ? -1
	         : 0;
	for (size_t i = 0; i < NKINDS && rc == 0; i++)
		rc = kinds[i].fill(&d, &rows[i], &err);
	if (rc == 0 && o.verbose) {
		rc = print_verbose(&o, rows, &err);
	} else if (rc == 0) {
		summary = json_array();
		for (size_t i = 0; i < NKINDS; i++)
			json_array_append_new(summary, summary_row(&rows[i]));
		rc = print_table(o.format && o.format[0] ? o.format
		                                         : "table {{.Type}}\t{{.TotalCount}}\t{{."
		                                           "Active}}\t{{.Size}}\t{{.Reclaimable}}",
		                 summary_headers, summary, &err);
		json_decref(summary);
	}
	for (size_t i = 0; i < NKINDS; i++)
		json_decref(rows[i].details);
	free_df(&d);
	return rc < 0 ? mc_report(&err) : 0;
}
