/* context.c - chapter 06: the build context (see bld_context.h). */
#define _GNU_SOURCE
#include "bld_context.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "img_extract.h"
#include "mc_file.h"
#include "mc_resolve.h"
#include "mc_trace.h"

#define CH "ch06"

static void init(struct bld_context *cx)
{
	memset(cx, 0, sizeof(*cx));
	cx->fd = -1;
}

int bld_context_open_dir(struct bld_context *cx, const char *dir, struct mc_error *err)
{
	init(cx);
	if (realpath(dir, cx->dir) == NULL)
		return mc_fail(err, errno, "unable to prepare context: path \"%s\" not found", dir);
	cx->fd = open(cx->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (cx->fd < 0)
		return mc_fail(err, errno, "unable to prepare context: %s", dir);
	return 0;
}

/* Is the file a tar archive (perhaps compressed)? */
static bool looks_like_tar(const char *path)
{
	struct archive_entry *e;
	struct archive *a = archive_read_new();
	bool yes;

	archive_read_support_filter_gzip(a);
	archive_read_support_filter_bzip2(a);
	archive_read_support_filter_xz(a);
	archive_read_support_filter_zstd(a);
	archive_read_support_format_tar(a);
	yes = archive_read_open_filename(a, path, 65536) == ARCHIVE_OK &&
	      archive_read_next_header(a, &e) == ARCHIVE_OK;
	archive_read_free(a);
	return yes;
}

/* A context tar in bzip2 or xz: decompress it first (the extractor reads gzip and zstd). */
static int plain_tar(const char *path, const char *out, struct mc_error *err)
{
	struct archive_entry *e;
	struct archive *a = archive_read_new();
	char buf[65536];
	la_ssize_t n = 0;
	int fd;

	/* In-process filters only: libarchive's others would run external programs. */
	archive_read_support_filter_bzip2(a);
	archive_read_support_filter_xz(a);
	archive_read_support_format_raw(a);
	if (archive_read_open_filename(a, path, 65536) != ARCHIVE_OK ||
	    archive_read_next_header(a, &e) != ARCHIVE_OK) {
		mc_fail(err, 0, "%s", archive_error_string(a));
		archive_read_free(a);
		return -1;
	}
	fd = open(out, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	while (fd >= 0 && (n = archive_read_data(a, buf, sizeof(buf))) > 0)
		if (write(fd, buf, (size_t)n) != n)
			n = -1;
	if (fd < 0 || n < 0)
		mc_fail(err, errno, "decompress the context");
	if (fd >= 0)
		close(fd);
	archive_read_free(a);
	return fd < 0 || n < 0 ? -1 : 0;
}

int bld_context_open_stdin_file(struct bld_context *cx, struct img_store *st, const char *path,
                                struct mc_error *err)
{
	struct img_extract_opts opts = {0};
	char plain[PATH_MAX + 8];
	int rc;

	init(cx);
	if ((size_t)snprintf(cx->dir, sizeof(cx->dir), "%s/tmp/context-XXXXXX", st->root) >=
	    sizeof(cx->dir))
		return mc_fail(err, ENAMETOOLONG, "context");
	if (mkdtemp(cx->dir) == NULL)
		return mc_fail(err, errno, "mkdtemp %s", cx->dir);
	cx->temporary = true;
	chmod(cx->dir, 0755);
	cx->fd = open(cx->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (cx->fd < 0)
		return mc_fail(err, errno, "open %s", cx->dir);
	if (!looks_like_tar(path))
		return 1; /* a Dockerfile: the caller reads it */
	/* A context is not a layer: ".wh." files are files, and nothing is deleted. */
	opts.plain_whiteouts = true;
	opts.keep_ownership = geteuid() == 0;
	snprintf(plain, sizeof(plain), "%s.tar", cx->dir);
	rc = img_extract_layer(path, cx->dir, &opts, err);
	if (rc < 0 && plain_tar(path, plain, err) == 0) {
		mc_error_clear(err);
		rc = img_extract_layer(plain, cx->dir, &opts, err);
	}
	unlink(plain);
	if (rc < 0)
		return mc_fail_context(err, "unpack the build context");
	mc_trace(CH, "context: a tar archive, unpacked in %s", cx->dir);
	return 0;
}

/* Read a whole (small) file from a descriptor. */
static int slurp(int fd, char **text, size_t *len, const char *name, struct mc_error *err)
{
	struct stat st;
	ssize_t n;

	if (fstat(fd, &st) < 0)
		return mc_fail(err, errno, "%s", name);
	if (!S_ISREG(st.st_mode))
		return mc_fail(err, EINVAL, "%s: not a regular file", name);
	if (st.st_size > BLD_MAX_DOCKERFILE)
		return mc_fail(err, EFBIG, "%s: larger than %d bytes", name, BLD_MAX_DOCKERFILE);
	*text = malloc((size_t)st.st_size + 1);
	if (*text == NULL)
		return mc_fail(err, ENOMEM, "%s", name);
	*len = 0;
	while ((n = read(fd, *text + *len, (size_t)st.st_size - *len)) > 0)
		*len += (size_t)n;
	(*text)[*len] = '\0';
	return n < 0 ? mc_fail(err, errno, "read %s", name) : 0;
}

int bld_read_dockerfile(const char *path, char **text, size_t *len, struct mc_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc;

	*text = NULL;
	if (fd < 0)
		return mc_fail(err, errno, "open %s", path);
	rc = slurp(fd, text, len, path, err);
	close(fd);
	return rc;
}

static int read_ignore_file(struct bld_context *cx, const char *host_path, struct mc_error *err)
{
	char *text = NULL;
	size_t len;
	int fd, rc;

	if (host_path != NULL)
		fd = open(host_path, O_RDONLY | O_CLOEXEC);
	else
		fd = mc_open_in_root(cx->fd, ".dockerignore", O_RDONLY, 0, MC_RESOLVE_AUTO, err);
	if (fd < 0) {
		mc_error_clear(err);
		return 1; /* none */
	}
	rc = slurp(fd, &text, &len, ".dockerignore", err);
	close(fd);
	if (rc == 0)
		rc = bld_ignore_parse(text, &cx->ignore, err);
	free(text);
	return rc;
}

int bld_context_load(struct bld_context *cx, const char *file, const char *text, size_t len,
                     struct mc_error *err)
{
	char ignore_path[PATH_MAX + 16];
	int fd, rc;

	if (file != NULL && strcmp(file, "-") == 0) {
		cx->dockerfile = malloc(len + 1);
		if (cx->dockerfile == NULL)
			return mc_fail(err, ENOMEM, "Dockerfile");
		memcpy(cx->dockerfile, text, len);
		cx->dockerfile[len] = '\0';
		cx->dockerfile_len = len;
		snprintf(cx->dockerfile_name, sizeof(cx->dockerfile_name), "Dockerfile");
	} else {
		/* -f is a path on the host; by default, "Dockerfile" inside the context. */
		if (file != NULL)
			fd = open(file, O_RDONLY | O_CLOEXEC);
		else
			fd = mc_open_in_root(cx->fd, "Dockerfile", O_RDONLY, 0, MC_RESOLVE_AUTO,
			                     err);
		if (fd < 0)
			return mc_fail(
			    err, errno ? errno : err->errnum,
			    "failed to read dockerfile: open %s: no such file or directory",
			    file ? file : "Dockerfile");
		snprintf(cx->dockerfile_name, sizeof(cx->dockerfile_name), "%s",
		         file ? file : "Dockerfile");
		rc = slurp(fd, &cx->dockerfile, &cx->dockerfile_len, cx->dockerfile_name, err);
		close(fd);
		if (rc < 0)
			return -1;
	}
	if (file != NULL && strcmp(file, "-") != 0) {
		snprintf(ignore_path, sizeof(ignore_path), "%s.dockerignore", file);
		rc = read_ignore_file(cx, ignore_path, err);
		if (rc <= 0)
			return rc;
	}
	return read_ignore_file(cx, NULL, err) < 0 ? -1 : 0;
}

void bld_context_close(struct bld_context *cx)
{
	struct mc_error ignored;

	if (cx->fd >= 0)
		close(cx->fd);
	if (cx->temporary)
		mc_remove_tree(cx->dir, &ignored);
	bld_ignore_free(&cx->ignore);
	free(cx->dockerfile);
	init(cx);
}
