/* save.c - `minicontainer save -o FILE IMAGE...`: images out of the store. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "img_archive.h"
#include "mc.h"

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

int verb_save(int argc, char **argv)
{
	static const struct option options[] = {
	    {"output", required_argument, NULL, 'o'},
	    {"format", required_argument, NULL, 'f'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	enum img_format format = IMG_FORMAT_DOCKER_ARCHIVE;
	const char *output = NULL;
	struct img_store st;
	struct mc_error err;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "+o:h", options, NULL)) != -1) {
		if (opt == 'o') {
			output = optarg;
		} else if (opt == 'f') {
			if (strcmp(optarg, "docker-archive") == 0)
				format = IMG_FORMAT_DOCKER_ARCHIVE;
			else if (strcmp(optarg, "oci-archive") == 0)
				format = IMG_FORMAT_OCI_ARCHIVE;
			else if (strcmp(optarg, "oci-dir") == 0)
				format = IMG_FORMAT_OCI_LAYOUT;
			else
				return mc_usage_error("save",
				                      "unknown format '%s' (docker-archive, "
				                      "oci-archive, oci-dir)",
				                      optarg);
		} else if (opt == 'h') {
			printf("Usage:  minicontainer save [OPTIONS] IMAGE [IMAGE...]\n\n"
			       "Save one or more images to a tar archive (streamed to STDOUT by "
			       "default)\n\nOptions:\n"
			       "  -o, --output string   Write to a file, instead of STDOUT\n"
			       "      --format string   docker-archive (default), oci-archive, or "
			       "oci-dir\n");
			return 0;
		} else {
			return mc_usage_error("save", "unknown flag");
		}
	}
	if (optind == argc)
		return mc_usage_error("save", "\"save\" requires at least 1 argument");
	if (output == NULL && isatty(STDOUT_FILENO))
		return mc_usage_error("save", "cowardly refusing to save to a terminal. Use the -o "
		                              "flag or redirect");
	if (format == IMG_FORMAT_OCI_LAYOUT && output == NULL)
		return mc_usage_error("save", "--format oci-dir needs -o DIRECTORY");
	if (mc_open_store(&st, &err) < 0)
		return mc_report(&err);
	if (output != NULL) {
		rc = img_save(&st, (const char *const *)argv + optind, (size_t)(argc - optind),
		              output, format, &err);
	} else {
		/* img_save() writes a file and renames it into place; for STDOUT, write a
		 * temporary file and stream it (never rename anything over /dev/stdout). */
		char tmp[] = "/tmp/mc-save-XXXXXX";
		int fd = mkstemp(tmp);

		rc = fd < 0 ? mc_fail(&err, errno, "mkstemp") : 0;
		if (fd >= 0)
			close(fd);
		if (rc == 0)
			rc = img_save(&st, (const char *const *)argv + optind,
			              (size_t)(argc - optind), tmp, format, &err);
		if (rc == 0)
			rc = copy_to_stdout(tmp, &err);
		if (fd >= 0)
			unlink(tmp);
	}
	img_store_close(&st);
	return rc < 0 ? mc_report(&err) : 0;
}
