/*
 * commit.c - `minicontainer commit [OPTIONS] CONTAINER [REPOSITORY[:TAG]]`:
 * a container's changes as a new image (chapter 06's bld_commit).  A
 * running container is frozen meanwhile (chapter 02's freezer), so that
 * the upper directory does not change while it is written out.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bld_cache.h"
#include "bld_commit.h"
#include "cg_cgroups.h"
#include "mc.h"
#include "mc_container.h"
#include "mc_trace.h"

struct commit_flags {
	const char *author, *message;
	struct mc_list changes;
	bool pause;
};

static const struct mc_option commit_options[] = {
    {"author", 'a', "string", "Author (e.g., \"John Hannibal Smith <hannibal@a-team.com>\")",
     mc_opt_string, offsetof(struct commit_flags, author)},
    {"change", 'c', "list", "Apply Dockerfile instruction to the created image", mc_opt_list,
     offsetof(struct commit_flags, changes)},
    {"message", 'm', "string", "Commit message", mc_opt_string,
     offsetof(struct commit_flags, message)},
    {"pause", 'p', NULL, "Pause container during commit (default true)", mc_opt_true,
     offsetof(struct commit_flags, pause)},
    {NULL, 0, NULL, NULL, NULL, 0},
};

const struct mc_command mc_cmd_commit = {
    .name = "commit",
    .usage = "[OPTIONS] CONTAINER [REPOSITORY[:TAG]]",
    .summary = "Create a new image from a container's changes",
    .options = commit_options,
    .min_args = 1,
    .max_args = 2,
};

/* The container's cgroup, by its id (chapter 02 named it so at start). */
static int freeze(const struct mc_container *c, bool frozen, struct mc_error *err)
{
	struct cgroup cg = {0};

	if (cg_detect_mode(CG_DEFAULT_MOUNT, &cg.mode, err) < 0)
		return -1;
	snprintf(cg.mount, sizeof(cg.mount), "%s", CG_DEFAULT_MOUNT);
	snprintf(cg.path, sizeof(cg.path), "%s/%s", CG_DEFAULT_PARENT, c->id);
	mc_trace("capstone", "%s container %.12s for the commit", frozen ? "freeze" : "thaw",
	         c->id);
	return cg_freeze(&cg, frozen, err);
}

/* "Path Args...": what the history says the container ran. */
static char *command_line(json_t *doc)
{
	size_t len = 0, i;
	json_t *a;
	char *s;

	len += strlen(json_string_value(json_object_get(doc, "Path")) ?: "") + 1;
	json_array_foreach(json_object_get(doc, "Args"), i, a) len +=
	    strlen(json_string_value(a) ?: "") + 1;
	s = calloc(len + 1, 1);
	if (s == NULL)
		return NULL;
	strcat(s, json_string_value(json_object_get(doc, "Path")) ?: "");
	json_array_foreach(json_object_get(doc, "Args"), i, a)
	{
		strcat(s, " ");
		strcat(s, json_string_value(a) ?: "");
	}
	return s;
}

int verb_commit(int argc, char **argv)
{
	char *changes[MC_LIST_MAX], upper[600], id[IMG_DIGEST_LEN + 1],
	    manifest[IMG_DIGEST_LEN + 1];
	struct bld_commit bc = {0};
	struct mc_container c = {0};
	struct img_ref ref;
	struct img_store st = {.lock_fd = -1};
	struct bld_cache cache;
	struct mc_error err, ignored;
	struct commit_flags f = {.pause = true};
	bool frozen = false;
	size_t nchange = 0;
	int first, status;

	if ((status = mc_parse_verb(&mc_cmd_commit, &f, argc, argv, &first)) >= 0)
		return status;
	status = MC_EXIT_FAILED;
	bc.author = f.author;
	bc.comment = f.message;
	for (size_t i = 0; i < f.changes.n; i++)
		changes[nchange++] = (char *)f.changes.items[i];
	if (argc - first == 2) {
		if (img_ref_parse(argv[first + 1], &ref, &err) < 0)
			return mc_report(&err);
		bc.tag = &ref;
	}
	if (mc_container_load(argv[first], &c, &err) < 0 || mc_open_store(&st, &err) < 0)
		goto fail;
	mc_container_refresh(&c);
	snprintf(upper, sizeof(upper), "%s/upper", c.dir);
	bc.upper = upper;
	bc.base = json_string_value(json_object_get(c.doc, "ImageManifest"));
	bc.config = json_object_get(c.doc, "Config");
	bc.created_by = command_line(c.doc);
	bc.changes = changes;
	bc.nchanges = nchange;
	if (bc.base == NULL) {
		mc_fail(&err, 0, "container %.12s has no image", c.id);
		goto fail;
	}
	if (f.pause && strcmp(mc_state_status(&c), "running") == 0) {
		if (freeze(&c, true, &err) < 0)
			goto fail;
		frozen = true;
	}
	if (bld_commit(&st, &bc, id, manifest, &err) < 0)
		goto fail;
	/* Untagged, it would be collected: the build cache keeps it, as Docker keeps dangling images. */
	if (bc.tag == NULL && (bld_cache_open(&cache, &st, &err) < 0 ||
	                       bld_cache_keep_image(&cache, manifest, &err) < 0))
		goto fail;
	printf("%s\n", id);
	status = 0;
	goto out;
fail:
	mc_report(&err);
out:
	if (frozen && freeze(&c, false, &ignored) < 0)
		mc_report(&ignored);
	free((char *)bc.created_by);
	mc_container_free(&c);
	img_store_close(&st);
	return status;
}
