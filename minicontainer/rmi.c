/*
 * rmi.c - `minicontainer rmi IMAGE...`: remove names, then whatever no
 * name and no container reaches any more.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bld_cache.h"
#include "mc.h"
#include "mc_container.h"
#include "mc_events.h"

static bool in_list(char **list, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], s) == 0)
			return true;
	return false;
}

/* The names (tags) in the store that point at `manifest`. */
static size_t names_of(struct img_tag *tags, size_t n, const char *manifest, struct img_tag **out)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		if (strcmp(tags[i].manifest_digest, manifest) == 0)
			out[k++] = &tags[i];
	return k;
}

/* The tag named exactly like `what` ("busybox" -> docker.io/library/busybox:latest), or NULL. */
static const struct img_tag *tag_named(struct img_tag *tags, size_t n, const char *what)
{
	struct img_ref ref;
	struct mc_error ignored;
	char full[600];

	if (img_ref_parse(what, &ref, &ignored) < 0)
		return NULL;
	img_ref_full(&ref, full, sizeof(full));
	for (size_t i = 0; i < n; i++)
		if (strcmp(tags[i].name, full) == 0)
			return &tags[i];
	return NULL;
}

static int untag(struct img_store *st, const char *full, const char *id, struct mc_error *err)
{
	char familiar[600];
	struct img_ref ref;

	if (img_ref_parse(full, &ref, err) < 0 || img_store_untag(st, &ref, err) < 0)
		return -1;
	printf("Untagged: %s\n", img_ref_familiar(&ref, familiar, sizeof(familiar)));
	/* moby names the image by its ID in both attributes of an untag event. */
	mc_event_image("untag", id, id);
	return 0;
}

/*
 * Docker's rules: a name removes that name; an ID removes every name of the
 * image, but only with -f if there are several.  Removing the last name of an
 * image a container uses needs -f too.
 */
static int remove_one(struct img_store *st, const char *what, bool force, char **in_use,
                      size_t nuse, struct mc_error *err)
{
	const struct img_tag *named;
	struct img_tag *tags, **mine;
	struct img_image img;
	size_t n, k;
	bool last;
	int rc = 0;

	if (img_store_find(st, what, &img, err) < 0)
		return -1;
	if (img_store_list(st, &tags, &n, err) < 0) {
		img_image_free(&img);
		return -1;
	}
	mine = calloc(n + 1, sizeof(*mine));
	k = names_of(tags, n, img.manifest_digest, mine);
	named = tag_named(tags, n, what);
	last = named == NULL || k <= 1;
	if (named == NULL && k > 1 && !force)
		rc = mc_fail(err, 0,
		             "conflict: unable to delete %.12s (must be forced) - image is "
		             "referenced in multiple repositories",
		             img_digest_hex(img.config_digest));
	else if (last && in_list(in_use, nuse, img.manifest_digest) && !force)
		rc = mc_fail(err, 0,
		             "conflict: unable to remove %s: image is being used by a "
		             "container (remove the container first, or use -f)",
		             what);
	else if (named != NULL)
		rc = untag(st, named->name, img.config_digest, err);
	else
		for (size_t i = 0; rc == 0 && i < k; i++)
			rc = untag(st, mine[i]->name, img.config_digest, err);
	if (rc == 0 && last) {
		printf("Deleted: %s\n", img.config_digest);
		mc_event_image("delete", img.config_digest, img.config_digest);
	}
	free(mine);
	free(tags);
	img_image_free(&img);
	return rc;
}

struct rmi_opts {
	bool force;
};

static const struct mc_option rmi_options[] = {
    {"force", 'f', NULL, "Force removal of the image", mc_opt_true,
     offsetof(struct rmi_opts, force)},
    {NULL, 0, NULL, NULL, NULL, 0},
};

const struct mc_command mc_cmd_rmi = {
    .name = "rmi",
    .usage = "[OPTIONS] IMAGE [IMAGE...]",
    .summary = "Remove one or more images",
    .options = rmi_options,
    .min_args = 1,
    .max_args = -1,
};

int verb_rmi(int argc, char **argv)
{
	char **in_use = NULL;
	struct img_store st;
	struct mc_error err;
	size_t nuse = 0;
	uint64_t freed;
	struct rmi_opts o = {false};
	int first, status = 0, lock = -1;

	if ((status = mc_parse_verb(&mc_cmd_rmi, &o, argc, argv, &first)) >= 0)
		return status;
	status = 0;
	/* The containers' lock, then the store's: no container can take an image
	 * between the moment we see which are in use and the sweep. */
	if (mc_containers_lock(&lock, &err) < 0)
		return mc_report(&err);
	if (mc_open_store(&st, &err) < 0 || mc_images_in_use(&in_use, &nuse, &err) < 0 ||
	    img_store_lock(&st, true, &err) < 0) {
		mc_containers_unlock(lock);
		img_store_close(&st);
		return mc_report(&err);
	}
	for (int i = first; i < argc; i++)
		if (remove_one(&st, argv[i], o.force, in_use, nuse, &err) < 0)
			status = mc_report(&err);
	/* Blobs and unpacked layers nothing reaches any more go now - not the build cache's. */
	if (mc_keep_build_cache(&st, &in_use, &nuse, &err) < 0 ||
	    img_store_gc(&st, (const char *const *)in_use, nuse, &freed, &err) < 0)
		status = mc_report(&err);
	img_store_unlock(&st);
	mc_containers_unlock(lock);
	for (size_t i = 0; i < nuse; i++)
		free(in_use[i]);
	free(in_use);
	img_store_close(&st);
	return status;
}
