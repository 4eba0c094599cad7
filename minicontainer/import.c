/* import.c - `minicontainer import FILE [REPOSITORY[:TAG]]`: a root filesystem as an image. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>
#include <jansson.h>

#include "bld_build.h"
#include "bld_config.h"
#include "img_archive.h"
#include "mc.h"
#include "mc_events.h"

/* Re-create the imported image with the changed config, under the same tag. */
static int apply_changes(struct img_store *st, char *manifest, const struct img_ref *tag,
                         char **changes, size_t n, struct mc_error *err)
{
	struct img_image img;
	json_t *doc;
	char *text;
	int rc = 0;

	if (img_image_load(st, manifest, &img, err) < 0)
		return -1;
	/* Chapter 06's code: the same instructions a Dockerfile has. */
	doc = json_loads(img.config_json, 0, NULL);
	rc = bld_apply_changes(doc, changes, n, err);
	text = rc == 0 ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	if (rc == 0)
		rc = img_store_add_image(st, text, img.layers, img.nlayer, tag, manifest, err);
	free(text);
	json_decref(doc);
	img_image_free(&img);
	return rc;
}

struct import_flags {
	struct mc_list changes;
	const char *message, *platform;
};

static const struct mc_option import_options[] = {
    {"change", 'c', "list", "Apply Dockerfile instruction to the created image", mc_opt_list,
     offsetof(struct import_flags, changes)},
    {"message", 'm', "string", "Set commit message for imported image", mc_opt_string,
     offsetof(struct import_flags, message)},
    {"platform", 0, "string",
     "Set platform if server is multi-platform capable (this "
     "machine's only)",
     mc_opt_string, offsetof(struct import_flags, platform)},
    {NULL, 0, NULL, NULL, NULL, 0},
};

const struct mc_command mc_cmd_import = {
    .name = "import",
    .usage = "[OPTIONS] file|URL|- [REPOSITORY[:TAG]]",
    .summary = "Import the contents from a tarball to create a filesystem image",
    .options = import_options,
    .min_args = 1,
    .max_args = 2,
};

/* `-`, a URL: into a temporary file first (`path` gets its name; unlink it when done). */
static int to_file(const char *what, char *path, size_t size, struct mc_error *err)
{
	int fd, rc;

	if (strcmp(what, "-") == 0)
		return mc_stdin_to_file(path, size, err);
	snprintf(path, size, "/tmp/mc-import-XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return mc_fail(err, errno, "mkstemp");
	rc = mc_fetch_url(what, fd, err);
	close(fd);
	if (rc < 0) {
		unlink(path);
		path[0] = '\0';
	}
	return rc;
}

int verb_import(int argc, char **argv)
{
	struct import_flags f = {{{NULL}, 0}, NULL, NULL};
	char manifest[IMG_DIGEST_LEN + 1], created_by[512], tmp[64] = "";
	const char *source;
	struct img_ref ref, *tag = NULL;
	struct img_store st;
	struct img_image img;
	struct mc_error err;
	int rc, first;

	if ((rc = mc_parse_verb(&mc_cmd_import, &f, argc, argv, &first)) >= 0)
		return rc;
	if (f.platform != NULL && strcmp(f.platform, bld_host_platform()) != 0)
		return mc_usage_error(mc_current_path, "--platform %s: only this machine's (%s)",
		                      f.platform, bld_host_platform());
	if (argc - first == 2) {
		if (img_ref_parse(argv[first + 1], &ref, &err) < 0)
			return mc_report(&err);
		tag = &ref;
	}
	snprintf(created_by, sizeof(created_by), "%s",
	         f.message ? f.message : "minicontainer import");
	source = argv[first];
	if (strcmp(source, "-") == 0 || strstr(source, "://") != NULL) {
		if (to_file(source, tmp, sizeof(tmp), &err) < 0)
			return mc_report(&err);
		source = tmp;
	}
	rc = mc_open_store(&st, &err);
	if (rc == 0)
		rc = img_import(&st, source, tag, created_by, manifest, &err);
	if (rc == 0 && f.changes.n > 0)
		rc = apply_changes(&st, manifest, tag, (char **)f.changes.items, f.changes.n, &err);
	if (rc == 0)
		rc = img_image_load(&st, manifest, &img, &err);
	if (tmp[0] != '\0')
		unlink(tmp);
	if (rc < 0) {
		img_store_close(&st);
		return mc_report(&err);
	}
	/* Docker prints the new image's ID. */
	printf("%s\n", img.config_digest);
	mc_event_image("import", img.config_digest, img.config_digest);
	img_image_free(&img);
	img_store_close(&st);
	return 0;
}
