/* save.c - `minicontainer save -o FILE IMAGE...`: images out of the store. */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "img_archive.h"
#include "mc.h"
#include "mc_events.h"

static int copy_to_stdout(const char *path, struct mc_error *err)
{
	char buf[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return mc_fail(err, errno, "open %s", path);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (write(STDOUT_FILENO, buf, (size_t)n) != n) {
			n = -1;
			break;
		}
	close(fd);
	return n < 0 ? mc_fail(err, errno, "write the archive to stdout") : 0;
}

struct save_opts {
	const char *output;
	enum img_format format;
};

static int opt_format(void *field, const char *value, struct mc_error *err)
{
	enum img_format *format = field;

	if (strcmp(value, "docker-archive") == 0)
		*format = IMG_FORMAT_DOCKER_ARCHIVE;
	else if (strcmp(value, "oci-archive") == 0)
		*format = IMG_FORMAT_OCI_ARCHIVE;
	else if (strcmp(value, "oci-dir") == 0)
		*format = IMG_FORMAT_OCI_LAYOUT;
	else
		return mc_fail(err, 0, "not docker-archive, oci-archive or oci-dir");
	return 0;
}

static const struct mc_option save_options[] = {
    {"format", 0, "string", "docker-archive (default), oci-archive, or oci-dir", opt_format,
     offsetof(struct save_opts, format)},
    {"output", 'o', "string", "Write to a file, instead of STDOUT", mc_opt_string,
     offsetof(struct save_opts, output)},
    {NULL, 0, NULL, NULL, NULL, 0},
};

const struct mc_command mc_cmd_save = {
    .name = "save",
    .usage = "[OPTIONS] IMAGE [IMAGE...]",
    .summary = "Save one or more images to a tar archive (streamed to STDOUT by default)",
    .options = save_options,
    .min_args = 1,
    .max_args = -1,
};

int verb_save(int argc, char **argv)
{
	struct save_opts o = {NULL, IMG_FORMAT_DOCKER_ARCHIVE};
	struct img_store st;
	struct mc_error err;
	int rc, first;

	if ((rc = mc_parse_verb(&mc_cmd_save, &o, argc, argv, &first)) >= 0)
		return rc;
	if (o.output == NULL && isatty(STDOUT_FILENO))
		return mc_usage_error(mc_current_path,
		                      "cowardly refusing to save to a terminal. Use the -o "
		                      "flag or redirect");
	if (o.format == IMG_FORMAT_OCI_LAYOUT && o.output == NULL)
		return mc_usage_error(mc_current_path, "--format oci-dir needs -o DIRECTORY");
	if (mc_open_store(&st, &err) < 0)
		return mc_report(&err);
	if (o.output != NULL) {
		rc = img_save(&st, (const char *const *)argv + first, (size_t)(argc - first),
		              o.output, o.format, &err);
	} else {
		/* img_save() writes a file and renames it into place; for STDOUT, write a
		 * temporary file and stream it (never rename anything over /dev/stdout). */
		char tmp[] = "/tmp/mc-save-XXXXXX";
		int fd = mkstemp(tmp);

		rc = fd < 0 ? mc_fail(&err, errno, "mkstemp") : 0;
		if (fd >= 0)
			close(fd);
		if (rc == 0)
			rc = img_save(&st, (const char *const *)argv + first,
			              (size_t)(argc - first), tmp, o.format, &err);
		if (rc == 0)
			rc = copy_to_stdout(tmp, &err);
		if (fd >= 0)
			unlink(tmp);
	}
	for (int i = first; rc == 0 && i < argc; i++) {
		struct img_image img;
		struct mc_error ignored;

		if (img_store_find(&st, argv[i], &img, &ignored) == 0) {
			mc_event_image("save", img.config_digest, img.config_digest);
			img_image_free(&img);
		}
	}
	img_store_close(&st);
	return rc < 0 ? mc_report(&err) : 0;
}
