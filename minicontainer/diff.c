/*
 * diff.c - `minicontainer diff CONTAINER`: chapter 03's ovl_diff over the
 * container's upper layer and its image's layers, printed as `docker diff`
 * prints it: "A /new", "C /changed", "D /deleted", sorted by path.
 *
 * What the runtime itself put into the upper layer is left out, as Docker
 * leaves out its "init layer": the mount points of /etc/hosts, /etc/hostname
 * and /etc/resolv.conf (and of /dev, /proc, /sys when an image lacks them),
 * and a directory that changed only because of them.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "img_store.h"
#include "mc.h"
#include "mc_container.h"
#include "ovl_overlay.h"

static const struct mc_option no_options[] = {
    {NULL, 0, NULL, NULL, NULL, 0},
};

const struct mc_command mc_cmd_diff = {
    .name = "diff",
    .usage = "CONTAINER",
    .summary = "Inspect changes to files or directories on a container's filesystem",
    .options = no_options,
    .min_args = 1,
    .max_args = 1,
};

/* Docker's init layer: what every container gets, not a change it made. */
static const char *const init_paths[] = {
    "/etc/hosts", "/etc/hostname", "/etc/resolv.conf", "/etc/mtab", "/dev",
    "/dev/pts",   "/dev/shm",      "/dev/console",     "/proc",     "/sys",
    NULL,
};

static bool is_init_path(const char *path)
{
	for (int i = 0; init_paths[i] != NULL; i++)
		if (strcmp(init_paths[i], path) == 0)
			return true;
	return false;
}

/* Is `dir` a proper ancestor of `path`? */
static bool below(const char *dir, const char *path)
{
	size_t len = strlen(dir);

	return strncmp(dir, path, len) == 0 && path[len] == '/';
}

/* A proper ancestor of an init path ("/etc", "/dev"). */
static bool holds_init_path(const char *dir)
{
	for (int i = 0; init_paths[i] != NULL; i++)
		if (below(dir, init_paths[i]))
			return true;
	return false;
}

/* A directory listed only because an init path was made in it: nothing else below it. */
static bool only_for_init(const struct ovl_diff *d, size_t i)
{
	const char *dir = d->changes[i].path;
	bool init_below = false;

	if (!holds_init_path(dir))
		return false;
	for (size_t k = 0; k < d->count; k++) {
		const char *p = d->changes[k].path;

		if (!below(dir, p))
			continue;
		if (!is_init_path(p) && !holds_init_path(p))
			return false;
		init_below |= is_init_path(p);
	}
	return init_below;
}

/* The image's layer directories, lowest first (what ovl_diff compares against). */
static size_t image_layers(const struct mc_container *c, char **lowers, size_t max)
{
	const char *manifest = json_string_value(json_object_get(c->doc, "ImageManifest"));
	struct img_store st;
	struct img_image img;
	struct mc_error ignored;
	size_t n = 0;

	if (manifest == NULL || mc_open_store(&st, &ignored) < 0)
		return 0;
	if (img_store_find(&st, manifest, &img, &ignored) == 0) {
		for (size_t i = 0; i < img.nlayer && n < max; i++) {
			char path[PATH_MAX];

			if (img_layer_path(&st, img.layers[i].diff_id, path, sizeof(path),
			                   &ignored) == 0 &&
			    (lowers[n] = strdup(path)) != NULL)
				n++;
		}
		img_image_free(&img);
	}
	img_store_close(&st);
	return n;
}

int verb_diff(int argc, char **argv)
{
	struct ovl_diff d = {0};
	struct mc_container c;
	struct mc_error err;
	char upper[PATH_MAX], *lowers[IMG_MAX_LAYERS];
	struct stat sb;
	size_t n = 0;
	int rc, first;

	if ((rc = mc_parse_verb(&mc_cmd_diff, NULL, argc, argv, &first)) >= 0)
		return rc;
	if (mc_container_load(argv[first], &c, &err) < 0)
		return mc_report(&err);
	rc = 0;
	snprintf(upper, sizeof(upper), "%s/upper", c.dir);
	/* Created and never started: no upper layer yet, no changes. */
	if (stat(upper, &sb) == 0) {
		n = image_layers(&c, lowers, IMG_MAX_LAYERS);
		if (ovl_diff(upper, (const char *const *)lowers, n, &d, &err) < 0)
			rc = mc_report(&err);
	}
	for (size_t i = 0; rc == 0 && i < d.count; i++)
		if (!is_init_path(d.changes[i].path) && !only_for_init(&d, i))
			printf("%c %s\n", d.changes[i].kind, d.changes[i].path);
	ovl_diff_free(&d);
	for (size_t i = 0; i < n; i++)
		free(lowers[i]);
	mc_container_free(&c);
	return rc;
}
