/* files.c - see img_files.h. */
#define _GNU_SOURCE
#include "img_files.h"
#include "img_extract.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "mc_file.h"

int img_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * libarchive keeps its own message ("Truncated tar archive"); its errno is
 * only worth adding when it is a real system error, not one of the codes
 * it uses for "bad format" (EILSEQ), "misuse" (EINVAL) or "other" (-1).
 */
int img_archive_fail(struct mc_error *err, struct archive *a, const char *what, const char *path)
{
	const char *msg = archive_error_string(a);
	int errnum = archive_errno(a);

	if (errnum < 0 || errnum == EILSEQ || errnum == EINVAL)
		errnum = 0;
	return mc_fail(err, errnum, "%s %s: %s", what, path, msg ? msg : "unknown error");
}

/* Read a small file (a JSON document) into a malloc'd, NUL-terminated buffer. */
int img_read_small_file(const char *path, char **data, size_t *len, struct mc_error *err)
{
	struct stat sb;

	*data = NULL;
	if (stat(path, &sb) < 0)
		return mc_fail(err, errno, "open %s", path);
	if (!S_ISREG(sb.st_mode) || sb.st_size > IMG_MAX_JSON_SIZE)
		return mc_fail(err, EFBIG, "%s: not a regular file of at most %d bytes", path,
		               IMG_MAX_JSON_SIZE);
	*data = malloc((size_t)sb.st_size + 1);
	if (*data == NULL)
		return mc_fail(err, ENOMEM, "read %s", path);
	if (mc_read_file(path, *data, (size_t)sb.st_size + 1, len, err) < 0) {
		free(*data);
		*data = NULL;
		return -1;
	}
	return 0;
}

/* A layer travels plain or compressed; its first bytes say which. */
const char *img_layer_media_type(int fd)
{
	unsigned char magic[4] = {0};
	ssize_t n = pread(fd, magic, sizeof(magic), 0);

	if (n >= 2 && magic[0] == 0x1f && magic[1] == 0x8b)
		return MT_OCI_LAYER_GZIP;
	if (n >= 4 && memcmp(magic, "\x28\xb5\x2f\xfd", 4) == 0)
		return MT_OCI_LAYER_ZSTD;
	return MT_OCI_LAYER;
}

/*
 * Read the uncompressed stream of a layer from `in` (plain, gzip or zstd:
 * libarchive's filters tell them apart, and its "raw" format hands over the
 * bytes without reading them as a tar), hash it - that hash is the layer's
 * diff_id - and copy it to `out` unless out is -1.  Only the gzip and zstd
 * filters are enabled: for some others libarchive runs an external program.
 */
int img_read_uncompressed(int in, int out, char diff_id[IMG_DIGEST_LEN + 1], uint64_t *size,
                          struct mc_error *err)
{
	struct archive *a = archive_read_new();
	struct img_hasher *h = img_hasher_new();
	struct archive_entry *entry;
	uint64_t total = 0;
	char buf[65536];
	la_ssize_t n;
	int rc = -1;

	if (a == NULL || h == NULL) {
		mc_fail(err, ENOMEM, "decompress");
		goto out;
	}
	if (img_archive_decompressors(a, err) < 0)
		goto out;
	archive_read_support_format_raw(a);
	if (archive_read_open_fd(a, in, sizeof(buf)) != ARCHIVE_OK ||
	    archive_read_next_header(a, &entry) != ARCHIVE_OK) {
		img_archive_fail(err, a, "decompress", "layer");
		goto out;
	}
	while ((n = archive_read_data(a, buf, sizeof(buf))) > 0) {
		img_hasher_update(h, buf, (size_t)n);
		total += (uint64_t)n;
		if (out >= 0 && img_write_all(out, buf, (size_t)n) < 0) {
			mc_fail(err, errno, "write the uncompressed layer");
			goto out;
		}
	}
	if (n < 0) {
		img_archive_fail(err, a, "decompress", "layer");
		goto out;
	}
	rc = 0;
out:
	if (h != NULL)
		img_hasher_finish(h, diff_id);
	archive_read_free(a);
	if (size != NULL)
		*size = total;
	return rc;
}

/* A private directory under the store's tmp/ (same filesystem: renames work). */
int img_make_tmpdir(const struct img_store *st, const char *what, char *buf, size_t size,
                    struct mc_error *err)
{
	char name[64];

	snprintf(name, sizeof(name), "tmp/%s-XXXXXX", what);
	if (mc_path_join(buf, size, st->root, name, err) < 0)
		return -1;
	if (mkdtemp(buf) == NULL)
		return mc_fail(err, errno, "mkdtemp %s", buf);
	return 0;
}

void img_remove_quietly(const char *path)
{
	struct mc_error ignored;

	mc_remove_tree(path, &ignored);
}