/*
 * prune.c - `container prune`, `image prune` and `system prune`: remove
 * what nothing uses, and say how much space that gave back.
 *
 *	container prune   every container that does not run (created, exited)
 *	image prune       dangling images: in this store an image without a name
 *	                  is unreachable - exactly what chapter 04's garbage
 *	                  collector (img_store_gc) removes; with -a, also the
 *	                  names of images no container uses
 *	system prune      each of those in Docker's order (containers, networks,
 *	                  volumes, images, build cache), then the total
 *
 * Filters, as Docker's: until=TIMESTAMP|DURATION (made before), label=K[=V]
 * (has it), label!=K[=V] (has not).  Without -f, each asks first, as Docker
 * does, and does nothing unless the answer is y or yes.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bld_cache.h"
#include "mc.h"
#include "mc_container.h"
#include "mc_events.h"
#include "mc_log.h"
#include "mc_net.h"
#include "mc_volume.h"

struct prune_opts {
	bool force, all, volumes;
	struct mc_list filters; /* "until=...", "label=...", "label!=..." */
};

static int add_filter(void *field, const char *value, struct mc_error *err)
{
	static const char *const keys[] = {"until", "label", "label!", "dangling", "all", NULL};
	const char *eq = strchr(value, '=');

	if (eq == NULL)
		return mc_fail(err, 0, "bad format of filter (expected name=value)");
	for (int k = 0; keys[k] != NULL; k++)
		if (strlen(keys[k]) == (size_t)(eq - value) &&
		    strncmp(keys[k], value, (size_t)(eq - value)) == 0)
			return mc_opt_list(field, value, err);
	return mc_fail(err, 0, "invalid filter '%.*s'", (int)(eq - value), value);
}

#define FORCE_OPTION                                                                               \
	{                                                                                          \
		"force", 'f', NULL, "Do not prompt for confirmation", mc_opt_true,                 \
		    offsetof(struct prune_opts, force)                                             \
	}
#define FILTER_OPTION(example)                                                                     \
	{                                                                                          \
		"filter", 0, "filter", "Provide filter values (e.g. \"" example "\")", add_filter, \
		    offsetof(struct prune_opts, filters)                                           \
	}

static const struct mc_option container_options[] = {
    FILTER_OPTION("until=<timestamp>"),
    FORCE_OPTION,
    {NULL, 0, NULL, NULL, NULL, 0},
};

static const struct mc_option image_options[] = {
    {"all", 'a', NULL, "Remove all unused images, not just dangling ones", mc_opt_true,
     offsetof(struct prune_opts, all)},
    FILTER_OPTION("until=<timestamp>"),
    FORCE_OPTION,
    {NULL, 0, NULL, NULL, NULL, 0},
};

static const struct mc_option volume_options[] = {
    {"all", 'a', NULL, "Remove all unused volumes, not just anonymous ones", mc_opt_true,
     offsetof(struct prune_opts, all)},
    FILTER_OPTION("label=<label>"),
    FORCE_OPTION,
    {NULL, 0, NULL, NULL, NULL, 0},
};

static const struct mc_option system_options[] = {
    {"all", 'a', NULL, "Remove all unused images not just dangling ones", mc_opt_true,
     offsetof(struct prune_opts, all)},
    FILTER_OPTION("label=<key>=<value>"),
    FORCE_OPTION,
    {"volumes", 0, NULL, "Prune anonymous volumes", mc_opt_true,
     offsetof(struct prune_opts, volumes)},
    {NULL, 0, NULL, NULL, NULL, 0},
};

const struct mc_command mc_cmd_container_prune = {
    .name = "prune",
    .usage = "[OPTIONS]",
    .summary = "Remove all stopped containers",
    .options = container_options,
    .min_args = 0,
    .max_args = 0,
};

const struct mc_command mc_cmd_image_prune = {
    .name = "prune",
    .usage = "[OPTIONS]",
    .summary = "Remove unused images",
    .options = image_options,
    .min_args = 0,
    .max_args = 0,
};

const struct mc_command mc_cmd_volume_prune = {
    .name = "prune",
    .usage = "[OPTIONS]",
    .summary = "Remove unused local volumes",
    .options = volume_options,
    .min_args = 0,
    .max_args = 0,
};

const struct mc_command mc_cmd_system_prune = {
    .name = "prune",
    .usage = "[OPTIONS]",
    .summary = "Remove unused data",
    .options = system_options,
    .min_args = 0,
    .max_args = 0,
};

/* ---- filters ------------------------------------------------------------------------------- */

/* The values given for `key` ("until", "label", "label!"). */
static size_t values_of(const struct mc_list *f, const char *key, const char **out)
{
	size_t n = 0, len = strlen(key);

	for (size_t i = 0; i < f->n; i++)
		if (strncmp(f->items[i], key, len) == 0 && f->items[i][len] == '=')
			out[n++] = f->items[i] + len + 1;
	return n;
}

/* Docker's MatchKVList: every KEY or KEY=VALUE given is among the labels (true if none given). */
static bool all_labels(const struct mc_list *f, const char *key, json_t *labels)
{
	const char *v[MC_LIST_MAX];
	size_t n = values_of(f, key, v);

	for (size_t i = 0; i < n; i++) {
		const char *eq = strchr(v[i], '=');
		json_t *have = eq ? json_object_getn(labels, v[i], (size_t)(eq - v[i]))
		                  : json_object_get(labels, v[i]);

		if (have == NULL ||
		    (eq != NULL && strcmp(json_string_value(have) ?: "", eq + 1) != 0))
			return false;
	}
	return true;
}

static int check_filters(const struct prune_opts *o, int64_t *until, struct mc_error *err)
{
	const char *v[MC_LIST_MAX];
	size_t n = values_of(&o->filters, "until", v);

	*until = 0;
	if (n > 1)
		return mc_fail(err, 0, "more than one until filter specified");
	return n == 1 ? mc_log_parse_time(v[0], time(NULL), until, err) : 0;
}

/* moby's matchLabels and its until=: made before the time, labels as asked. */
static bool wanted(const struct prune_opts *o, int64_t until, time_t created, json_t *labels)
{
	if (until != 0 && (int64_t)created * 1000000000 >= until)
		return false;
	if (!all_labels(&o->filters, "label", labels))
		return false;
	/* label!= excludes only when all of its values match (MatchKVList is true without any). */
	{
		const char *v[MC_LIST_MAX];

		if (values_of(&o->filters, "label!", v) > 0 &&
		    all_labels(&o->filters, "label!", labels))
			return false;
	}
	return true;
}

/* ---- the pruners: each prints what it removed, and adds what that freed ---------------------- */

static int prune_containers(const struct prune_opts *o, uint64_t *freed, struct mc_error *err)
{
	struct mc_container *list;
	size_t n, removed = 0;
	int64_t until;
	int rc = 0;

	const char *v[MC_LIST_MAX];

	if (values_of(&o->filters, "dangling", v) > 0)
		return mc_fail(err, 0, "invalid filter 'dangling'");
	if (check_filters(o, &until, err) < 0 || mc_container_list(&list, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct mc_container *c = &list[i];
		char upper[600];
		uint64_t size;

		mc_container_refresh(c);
		if (mc_container_running(c) || strcmp(mc_state_status(c), "restarting") == 0 ||
		    mc_container_monitor(c) > 0 ||
		    !wanted(o, until,
		            mc_parse_rfc3339(json_string_value(json_object_get(c->doc, "Created"))),
		            json_object_get(json_object_get(c->doc, "Config"), "Labels")))
			continue;
		snprintf(upper, sizeof(upper), "%s/upper", c->dir);
		size = mc_dir_size(upper);
		if (mc_container_remove(c, err) < 0) {
			rc = -1;
			break;
		}
		printf("%s%s\n", removed++ == 0 ? "Deleted Containers:\n" : "", c->id);
		*freed += size;
	}
	if (removed > 0)
		printf("\n");
	for (size_t i = 0; i < n; i++)
		mc_container_free(&list[i]);
	free(list);
	return rc;
}

/*
 * The volumes no container's record mounts (mc_volume.h): without -a (or
 * the filter all=true) only anonymous ones, as Docker 23 and later.
 */
static int prune_volumes(const struct prune_opts *o, uint64_t *freed, struct mc_error *err)
{
	const char *v[MC_LIST_MAX];
	bool all = o->all;
	char **names;
	size_t n, removed = 0;

	if (values_of(&o->filters, "until", v) > 0 || values_of(&o->filters, "dangling", v) > 0)
		return mc_fail(err, 0, "invalid filter '%s'",
		               values_of(&o->filters, "until", v) > 0 ? "until" : "dangling");
	for (size_t i = 0, k = values_of(&o->filters, "all", v); i < k; i++)
		all |= strcmp(v[i], "true") == 0 || strcmp(v[i], "1") == 0;
	if (mc_volume_names(&names, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		json_t *vol = mc_volume_load(names[i], err), *users = mc_volume_users(names[i]);
		json_t *labels = json_object_get(vol, "Labels");
		uint64_t size = mc_volume_size(names[i]);
		struct mc_error ignored;

		if (vol != NULL && json_array_size(users) == 0 &&
		    (all || json_object_get(labels, MC_VOLUME_ANONYMOUS) != NULL) &&
		    wanted(o, 0, 0, labels) && mc_volume_remove(names[i], &ignored) == 0) {
			printf("%s%s\n", removed++ == 0 ? "Deleted Volumes:\n" : "", names[i]);
			*freed += size;
		}
		json_decref(vol);
		json_decref(users);
	}
	if (removed > 0)
		printf("\n");
	mc_strv_free(names, n);
	return 0;
}

/* system prune --volumes: anonymous ones only, even with -a (Docker 23 and later). */
static int prune_anonymous_volumes(const struct prune_opts *o, uint64_t *freed,
                                   struct mc_error *err)
{
	struct prune_opts anonymous = *o;

	anonymous.all = false;
	return prune_volumes(&anonymous, freed, err);
}

static bool in_list(char **list, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], s) == 0)
			return true;
	return false;
}

/* An image's creation time and labels, from its config. */
static bool image_wanted(const struct prune_opts *o, int64_t until, const struct img_image *img)
{
	json_t *config = json_loads(img->config_json, 0, NULL);
	bool yes = wanted(o, until,
	                  mc_parse_rfc3339(json_string_value(json_object_get(config, "created"))),
	                  json_object_get(json_object_get(config, "config"), "Labels"));

	json_decref(config);
	return yes;
}

/* -a: the names of images no container uses go first (those the filters pick). */
static int untag_unused(struct img_store *st, const struct prune_opts *o, int64_t until,
                        char **in_use, size_t nuse, size_t *printed, struct mc_error *err)
{
	struct img_tag *tags;
	size_t n;
	int rc = 0;

	if (img_store_list(st, &tags, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct img_image img;
		struct img_ref ref;
		char name[600];

		if (in_list(in_use, nuse, tags[i].manifest_digest) ||
		    img_image_load(st, tags[i].manifest_digest, &img, err) < 0)
			continue;
		if (image_wanted(o, until, &img) && img_ref_parse(tags[i].name, &ref, err) == 0) {
			rc = img_store_untag(st, &ref, err);
			if (rc == 0) {
				printf("%suntagged: %s\n",
				       (*printed)++ == 0 ? "Deleted Images:\n" : "",
				       img_ref_familiar(&ref, name, sizeof(name)));
				mc_event_image("untag", img.config_digest, img.config_digest);
			}
		}
		img_image_free(&img);
	}
	free(tags);
	return rc;
}

/*
 * The dangling images the filters pick are deleted by the garbage
 * collector; those they do not pick are added to what it keeps.
 */
static int prune_images(const struct prune_opts *o, uint64_t *freed, struct mc_error *err)
{
	char **keep = NULL, **dangling = NULL;
	size_t nkeep = 0, ndangling = 0, printed = 0;
	struct img_store st = {.lock_fd = -1};
	uint64_t bytes = 0;
	int64_t until;
	int lock = -1, rc = -1;

	if (check_filters(o, &until, err) < 0)
		return -1;
	/* As rmi: the containers' lock, then the store's, so no container takes an image meanwhile. */
	if (mc_containers_lock(&lock, err) < 0)
		return -1;
	if (mc_open_store(&st, err) < 0 || mc_images_in_use(&keep, &nkeep, err) < 0 ||
	    img_store_lock(&st, true, err) < 0)
		goto out;
	if (o->all && untag_unused(&st, o, until, keep, nkeep, &printed, err) < 0)
		goto unlock;
	if (mc_keep_build_cache(&st, &keep, &nkeep, err) < 0 ||
	    img_store_dangling(&st, (const char *const *)keep, nkeep, &dangling, &ndangling, err) <
	        0)
		goto unlock;
	for (size_t i = 0; i < ndangling; i++) {
		struct img_image img;
		struct mc_error ignored;
		char **more;

		if (img_image_load(&st, dangling[i], &img, &ignored) < 0)
			continue;
		if (image_wanted(o, until, &img)) {
			printf("%sdeleted: %s\n", printed++ == 0 ? "Deleted Images:\n" : "",
			       img.config_digest);
			mc_event_image("delete", img.config_digest, img.config_digest);
		} else if ((more = realloc(keep, (nkeep + 1) * sizeof(char *))) != NULL) {
			keep = more;
			keep[nkeep] = dangling[i];
			dangling[i] = NULL;
			nkeep++;
		}
		img_image_free(&img);
	}
	rc = img_store_gc(&st, (const char *const *)keep, nkeep, &bytes, err);
	if (rc == 0)
		*freed += bytes;
	if (printed > 0)
		printf("\n");
unlock:
	img_store_unlock(&st);
out:
	mc_containers_unlock(lock);
	mc_strv_free(keep, nkeep);
	mc_strv_free(dangling, ndangling);
	img_store_close(&st);
	return rc;
}

struct network_pick {
	const struct prune_opts *o;
	int64_t until;
};

static bool network_wanted(json_t *doc, void *arg)
{
	const struct network_pick *p = arg;

	return wanted(p->o, p->until,
	              mc_parse_rfc3339(json_string_value(json_object_get(doc, "Created"))),
	              json_object_get(doc, "Labels"));
}

/* Chapter 05's networks that no container uses, with the same filters. */
static int prune_networks(const struct prune_opts *o, uint64_t *freed, struct mc_error *err)
{
	struct network_pick p = {o, 0};
	size_t removed = 0;

	(void)freed;
	if (check_filters(o, &p.until, err) < 0 ||
	    mc_network_prune(network_wanted, &p, &removed, err) < 0)
		return -1;
	if (removed > 0)
		printf("\n");
	return 0;
}

static void print_cache_record(const char *key, void *arg)
{
	bool *first = arg;

	printf("%s%.25s\n", *first ? "Deleted build cache objects:\n" : "", key);
	*first = false;
}

/* Chapter 06's build cache: every record here is unused cache (no build runs meanwhile). */
static int prune_build_cache(const struct prune_opts *o, uint64_t *freed, struct mc_error *err)
{
	struct img_store st = {.lock_fd = -1};
	struct bld_cache cache;
	char **in_use = NULL;
	size_t nuse = 0, records;
	uint64_t bytes = 0;
	bool first = true;
	int rc = -1;

	/* Its records have no labels, and their age is not kept: a filter keeps them all. */
	if (o->filters.n > 0)
		return 0;
	if (mc_open_store(&st, err) == 0 && bld_cache_open(&cache, &st, err) == 0 &&
	    mc_images_in_use(&in_use, &nuse, err) == 0 &&
	    bld_cache_prune(&cache, (const char *const *)in_use, nuse, &records, &bytes,
	                    print_cache_record, &first, err) == 0) {
		*freed += bytes;
		rc = 0;
	}
	if (!first)
		printf("\n");
	mc_strv_free(in_use, nuse);
	img_store_close(&st);
	return rc;
}

/* ---- the verbs ----------------------------------------------------------------------------- */

static void print_total(uint64_t freed)
{
	char size[32];

	/* go-units' HumanSize: four significant digits. */
	printf("Total reclaimed space: %s\n", mc_human_size_digits(freed, 4, size, sizeof(size)));
}

static int run_one(const struct mc_command *cmd, const char *warning, const char *warning_all,
                   int (*prune)(const struct prune_opts *, uint64_t *, struct mc_error *), int argc,
                   char **argv)
{
	struct prune_opts o = {0};
	struct mc_error err;
	uint64_t freed = 0;
	int rc, first;

	if ((rc = mc_parse_verb(cmd, &o, argc, argv, &first)) >= 0)
		return rc;
	if (o.all && warning_all != NULL)
		warning = warning_all;
	if (!o.force && !mc_confirm(warning))
		return 0; /* Docker: cancelled is not an error */
	if (prune(&o, &freed, &err) < 0)
		return mc_report(&err);
	print_total(freed);
	return 0;
}

int verb_container_prune(int argc, char **argv)
{
	return run_one(
	    &mc_cmd_container_prune,
	    "WARNING! This will remove all stopped containers.\nAre you sure you want to "
	    "continue?",
	    NULL, prune_containers, argc, argv);
}

int verb_image_prune(int argc, char **argv)
{
	return run_one(&mc_cmd_image_prune,
	               "WARNING! This will remove all dangling images.\nAre you sure you want "
	               "to continue?",
	               "WARNING! This will remove all images without at least one container "
	               "associated to them.\nAre you sure you want to continue?",
	               prune_images, argc, argv);
}

int verb_volume_prune(int argc, char **argv)
{
	return run_one(&mc_cmd_volume_prune,
	               "WARNING! This will remove anonymous local volumes not used by at least "
	               "one container.\nAre you sure you want to continue?",
	               "WARNING! This will remove all local volumes not used by at least one "
	               "container.\nAre you sure you want to continue?",
	               prune_volumes, argc, argv);
}

/*
 * system prune: one pruner per kind of object, in Docker's order; volumes
 * only with --volumes.
 */
static const struct {
	const char *warning, *warning_all; /* the prompt's line; with -a */
	int (*prune)(const struct prune_opts *, uint64_t *, struct mc_error *);
	bool needs_volumes; /* only with --volumes */
} pruners[] = {
    {"all stopped containers", NULL, prune_containers, false},
    {"all networks not used by at least one container", NULL, prune_networks, false},
    {"all anonymous volumes not used by at least one container", NULL, prune_anonymous_volumes,
     true},
    {"all dangling images", "all images without at least one container associated to them",
     prune_images, false},
    {"unused build cache", "all build cache", prune_build_cache, false},
};

int verb_system_prune(int argc, char **argv)
{
	struct prune_opts o = {0};
	struct mc_error err;
	char warning[1024];
	uint64_t freed = 0;
	size_t used = 0;
	int rc, first;

	if ((rc = mc_parse_verb(&mc_cmd_system_prune, &o, argc, argv, &first)) >= 0)
		return rc;
	used += (size_t)snprintf(warning, sizeof(warning), "WARNING! This will remove:");
	for (size_t i = 0; i < sizeof(pruners) / sizeof(pruners[0]); i++)
		if (!pruners[i].needs_volumes || o.volumes)
			used += (size_t)snprintf(warning + used, sizeof(warning) - used, "\n  - %s",
			                         o.all && pruners[i].warning_all
			                             ? pruners[i].warning_all
			                             : pruners[i].warning);
	for (size_t i = 0; i < o.filters.n && used < sizeof(warning); i++)
		used += (size_t)snprintf(warning + used, sizeof(warning) - used, "%s\n  - %s",
		                         i == 0 ? "\n\n  Items to be pruned will be filtered with:"
		                                : "",
		                         o.filters.items[i]);
	if (used < sizeof(warning))
		snprintf(warning + used, sizeof(warning) - used,
		         "\n\nAre you sure you want to continue?");
	if (!o.force && !mc_confirm(warning))
		return 0;
	for (size_t i = 0; i < sizeof(pruners) / sizeof(pruners[0]); i++)
		if ((!pruners[i].needs_volumes || o.volumes) &&
		    pruners[i].prune(&o, &freed, &err) < 0)
			return mc_report(&err);
	print_total(freed);
	return 0;
}
