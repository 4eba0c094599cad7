/*
 * archive.c - chapter 04: images in and out of the store as files.
 *
 * `load` reads what `docker save`, `podman save`, `skopeo copy` and `umoci`
 * write; `save` writes what they read; `import` turns a root filesystem
 * tarball into a one-layer image.  Whatever comes in is checked on the way:
 * every blob against its digest (img_blob_put_fd), every layer against the
 * config's diff_id (img_store_unpack), every name inside a tar against
 * escaping the directory it is unpacked into (unpack_tar).
 *
 * A load completes or leaves the store as it was: the store stays locked
 * throughout, the blobs and layers the load added are removed again if it
 * fails, and names are only written once every image is complete.
 */
#define _GNU_SOURCE
#include "img_archive.h"
#include "img_extract.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <jansson.h>

#include "mc_file.h"
#include "mc_trace.h"

#define CH "ch04"

/* Image configs and indexes name architectures the way Go does. */
#if defined(__aarch64__)
#define HOST_ARCH "arm64"
#elif defined(__arm__)
#define HOST_ARCH "arm"
#elif defined(__i386__)
#define HOST_ARCH "386"
#else
#define HOST_ARCH "amd64"
#endif

#define MAX_JSON_SIZE   (16 * 1024 * 1024) /* index.json, manifest.json, configs */
#define LAYOUT_TEXT     "{\"imageLayoutVersion\":\"1.0.0\"}"
#define NAME_ANNOTATION "io.containerd.image.name"
#define REF_ANNOTATION  "org.opencontainers.image.ref.name"

/* ---- small helpers ------------------------------------------------------------------- */

static int write_all(int fd, const void *data, size_t len)
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
static int archive_fail(struct mc_error *err, struct archive *a, const char *what, const char *path)
{
	const char *msg = archive_error_string(a);
	int errnum = archive_errno(a);

	if (errnum < 0 || errnum == EILSEQ || errnum == EINVAL)
		errnum = 0;
	return mc_fail(err, errnum, "%s %s: %s", what, path, msg ? msg : "unknown error");
}

/* Read a small file (a JSON document) into a malloc'd, NUL-terminated buffer. */
static int read_small_file(const char *path, char **data, size_t *len, struct mc_error *err)
{
	struct stat sb;

	*data = NULL;
	if (stat(path, &sb) < 0)
		return mc_fail(err, errno, "open %s", path);
	if (!S_ISREG(sb.st_mode) || sb.st_size > MAX_JSON_SIZE)
		return mc_fail(err, EFBIG, "%s: not a regular file of at most %d bytes", path,
		               MAX_JSON_SIZE);
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

static json_t *parse_json(const char *text, size_t len, const char *what, const char *name,
                          struct mc_error *err)
{
	json_error_t jerr;
	json_t *doc = json_loadb(text, len, 0, &jerr);

	if (doc == NULL)
		mc_fail(err, 0, "%s: %s: invalid JSON (%s)", what, name, jerr.text);
	return doc;
}

static int blob_size(const struct img_store *st, const char *digest, uint64_t *size,
                     struct mc_error *err)
{
	char path[PATH_MAX];
	struct stat sb;

	if (img_blob_path(st, digest, path, sizeof(path), err) < 0)
		return -1;
	if (stat(path, &sb) < 0)
		return mc_fail(err, errno, "blob %s", digest);
	*size = (uint64_t)sb.st_size;
	return 0;
}

/* A layer travels plain or compressed; its first bytes say which. */
static const char *layer_media_type(int fd)
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
 * diff_id - and copy it to `out` unless out is -1.
 */
static int read_uncompressed(int in, int out, char diff_id[IMG_DIGEST_LEN + 1], uint64_t *size,
                             struct mc_error *err)
{
	struct archive *a = archive_read_new();
	struct img_hasher *h = img_hasher_new();
	struct archive_entry *entry;
	uint64_t total = 0;
	char buf[65536];
	la_ssize_t n = 0;
	int rc = 0;

	if (a == NULL || h == NULL)
		rc = mc_fail(err, ENOMEM, "decompress");
	if (rc == 0)
		rc = img_archive_decompressors(a, err);
	if (rc == 0) {
		archive_read_support_format_raw(a);
		if (archive_read_open_fd(a, in, sizeof(buf)) != ARCHIVE_OK ||
		    archive_read_next_header(a, &entry) != ARCHIVE_OK)
			rc = archive_fail(err, a, "decompress", "layer");
	}
	while (rc == 0 && (n = archive_read_data(a, buf, sizeof(buf))) > 0) {
		img_hasher_update(h, buf, (size_t)n);
		total += (uint64_t)n;
		if (out >= 0 && write_all(out, buf, (size_t)n) < 0)
			rc = mc_fail(err, errno, "write the uncompressed layer");
	}
	if (rc == 0 && n < 0)
		rc = archive_fail(err, a, "decompress", "layer");
	if (h != NULL)
		img_hasher_finish(h, diff_id);
	archive_read_free(a);
	if (size != NULL)
		*size = total;
	return rc;
}

/* A private directory under the store's tmp/ (same filesystem: renames work). */
static int make_tmpdir(const struct img_store *st, const char *what, char *buf, size_t size,
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

static void remove_quietly(const char *path)
{
	struct mc_error ignored;

	mc_remove_tree(path, &ignored);
}

/* ---- unpacking a tar we do not trust ------------------------------------------------------ */

/*
 * Turn a name from an archive into a clean relative path: "./a//b/" gives
 * "a/b", and "./" gives "".  Absolute names are refused.  ".." is refused
 * too, unless `dotdot_pops` (for symlink targets): then it removes the
 * component before it, and is refused only where it would climb out.
 */
static int clean_relative(const char *name, bool dotdot_pops, char *out, size_t size)
{
	const char *p = name;
	size_t used = 0;

	if (name[0] == '/')
		return -1;
	while (*p != '\0') {
		size_t len = strcspn(p, "/");

		if (len == 2 && p[0] == '.' && p[1] == '.') {
			char *slash;

			if (!dotdot_pops || used == 0)
				return -1;
			out[used] = '\0';
			slash = strrchr(out, '/');
			used = slash ? (size_t)(slash - out) : 0;
		} else if (len > 0 && !(len == 1 && p[0] == '.')) {
			if (used + len + 2 > size)
				return -1;
			if (used > 0)
				out[used++] = '/';
			memcpy(out + used, p, len);
			used += len;
		}
		p += len;
		while (*p == '/')
			p++;
	}
	out[used] = '\0';
	return 0;
}

/* Links in the archive, made once every file is there (a link may come before its target). */
struct link_list {
	char **name;   /* where the link goes, relative to the directory */
	char **target; /* the file it names, relative to the directory */
	size_t n;
};

static int remember_link(struct link_list *links, const char *name, const char *target,
                         struct mc_error *err)
{
	char **names = realloc(links->name, (links->n + 1) * sizeof(char *));
	char **targets;

	if (names == NULL)
		return mc_fail(err, ENOMEM, "archive links");
	links->name = names;
	targets = realloc(links->target, (links->n + 1) * sizeof(char *));
	if (targets == NULL)
		return mc_fail(err, ENOMEM, "archive links");
	links->target = targets;
	links->name[links->n] = strdup(name);
	links->target[links->n] = strdup(target);
	if (links->name[links->n] == NULL || links->target[links->n] == NULL) {
		free(links->name[links->n]);
		free(links->target[links->n]);
		return mc_fail(err, ENOMEM, "archive links");
	}
	links->n++;
	return 0;
}

static void free_links(struct link_list *links)
{
	for (size_t i = 0; i < links->n; i++) {
		free(links->name[i]);
		free(links->target[i]);
	}
	free(links->name);
	free(links->target);
}

/*
 * A symlink or hard link names another file of the archive: docker-archives
 * use them for layers that appear twice (`docker save` links
 * <id>/layer.tar to ../<other id>/layer.tar).  We only ever need regular
 * files, so a link whose target stays inside the archive becomes a hard
 * link to that file; any other link is simply left out.  Nothing we create
 * is a symlink, so nothing later can be redirected through one.
 */
static int add_link(struct link_list *links, struct archive_entry *entry, const char *rel,
                    struct mc_error *err)
{
	const char *hardlink = archive_entry_hardlink(entry);
	const char *symlink = archive_entry_symlink(entry);
	char joined[PATH_MAX * 2], target[PATH_MAX];
	const char *slash = strrchr(rel, '/');

	if (hardlink != NULL) {
		/* A hard link's target is named from the top of the archive. */
		if (clean_relative(hardlink, false, target, sizeof(target)) < 0)
			return 0;
	} else {
		/* A symlink's target is relative to the directory the link is in. */
		if (symlink == NULL || symlink[0] == '/')
			return 0;
		if (slash != NULL)
			snprintf(joined, sizeof(joined), "%.*s/%s", (int)(slash - rel), rel,
			         symlink);
		else
			snprintf(joined, sizeof(joined), "%s", symlink);
		if (clean_relative(joined, true, target, sizeof(target)) < 0)
			return 0;
	}
	return remember_link(links, rel, target, err);
}

static int make_parent(const char *path, struct mc_error *err)
{
	char parent[PATH_MAX];
	char *slash;

	snprintf(parent, sizeof(parent), "%s", path);
	slash = strrchr(parent, '/');
	if (slash == NULL)
		return 0;
	*slash = '\0';
	return mc_mkdir_p(parent, 0700, err);
}

static void make_links(const char *dest, const struct link_list *links)
{
	char from[PATH_MAX], to[PATH_MAX];
	struct mc_error ignored;

	for (size_t i = 0; i < links->n; i++) {
		if (mc_path_join(from, sizeof(from), dest, links->target[i], &ignored) < 0 ||
		    mc_path_join(to, sizeof(to), dest, links->name[i], &ignored) < 0)
			continue;
		/* A target that is missing or a directory is left out (link(2)
		 * fails); link(2) never follows a symlink - and there are none. */
		if (make_parent(to, &ignored) == 0)
			link(from, to);
	}
}

static int write_entry(struct archive *a, const char *tar, const char *path, struct mc_error *err)
{
	char buf[65536];
	la_ssize_t n;
	int fd, rc = 0;

	if (make_parent(path, err) < 0)
		return -1;
	/* O_TRUNC: a file listed twice keeps its last copy, as with tar(1). */
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return mc_fail(err, errno, "create %s", path);
	while ((n = archive_read_data(a, buf, sizeof(buf))) > 0)
		if (write_all(fd, buf, (size_t)n) < 0) {
			rc = mc_fail(err, errno, "write %s", path);
			break;
		}
	if (rc == 0 && n < 0)
		rc = archive_fail(err, a, "read", tar);
	if (close(fd) < 0 && rc == 0)
		rc = mc_fail(err, errno, "write %s", path);
	return rc;
}

static int unpack_entry(struct archive *a, struct archive_entry *entry, const char *tar,
                        const char *dest, struct link_list *links, struct mc_error *err)
{
	const char *name = archive_entry_pathname(entry);
	char rel[PATH_MAX], path[PATH_MAX];

	if (name == NULL || clean_relative(name, false, rel, sizeof(rel)) < 0)
		return mc_fail(err, 0, "%s: refusing the entry '%s' (an absolute name, or \"..\")",
		               tar, name ? name : "");
	if (rel[0] == '\0')
		return 0; /* the archive's own "./" */
	if (mc_path_join(path, sizeof(path), dest, rel, err) < 0)
		return -1;
	if (archive_entry_hardlink(entry) != NULL || archive_entry_filetype(entry) == AE_IFLNK)
		return add_link(links, entry, rel, err);
	switch (archive_entry_filetype(entry)) {
	case AE_IFDIR:
		return mc_mkdir_p(path, 0700, err);
	case AE_IFREG:
		return write_entry(a, tar, path, err);
	default:
		return 0; /* devices, FIFOs: no image archive needs them, so none are made */
	}
}

/*
 * Unpack the tar `tar` into the empty directory `dest`.  The archive is a
 * file someone gave us: no name in it may lead outside dest (absolute names
 * and ".." are refused), and only directories and regular files are created
 * - never a symlink, device or FIFO.  *not_a_tar says whether it failed at
 * the very first header, i.e. the file is not a tar at all.
 */
static int unpack_tar(const char *tar, const char *dest, bool *not_a_tar, struct mc_error *err)
{
	struct archive *a = archive_read_new();
	struct link_list links = {0};
	struct archive_entry *entry;
	int r = ARCHIVE_OK, rc = 0;
	bool first = true;

	*not_a_tar = false;
	if (a == NULL)
		return mc_fail(err, ENOMEM, "read %s", tar);
	if (img_archive_decompressors(a, err) < 0) {
		archive_read_free(a);
		return -1;
	}
	archive_read_support_format_tar(a);
	/* Opening reads the first block already, to recognise the format. */
	if (archive_read_open_filename(a, tar, 65536) != ARCHIVE_OK) {
		*not_a_tar = archive_errno(a) == EILSEQ;
		rc = archive_fail(err, a, "open", tar);
	}
	while (rc == 0 &&
	       ((r = archive_read_next_header(a, &entry)) == ARCHIVE_OK || r == ARCHIVE_WARN)) {
		rc = unpack_entry(a, entry, tar, dest, &links, err);
		first = false;
	}
	if (rc == 0 && r != ARCHIVE_EOF) {
		*not_a_tar = first;
		rc = archive_fail(err, a, "read", tar);
	}
	if (rc == 0)
		make_links(dest, &links);
	free_links(&links);
	archive_read_free(a);
	return rc;
}

/* ---- load: what one load is doing, so that a failure can undo it ------------------------- */

/* A name to give an image once everything has been loaded. */
struct pending_tag {
	char name[512];                  /* full reference, "" to leave the image untagged */
	char digest[IMG_DIGEST_LEN + 1]; /* its manifest */
	uint64_t size;
};

struct load {
	struct img_store *st;
	const char *path;   /* what the user gave: for names and messages */
	char dir[PATH_MAX]; /* the OCI layout, or where the tar was unpacked */
	char tmp[PATH_MAX]; /* our temporary directory, "" when there is none */
	struct pending_tag *tags;
	size_t ntag;
	char **created; /* blobs and layer directories this load added */
	size_t ncreated;
};

static int add_pending(struct load *ld, const char *name, const char *digest, uint64_t size,
                       struct mc_error *err)
{
	struct pending_tag *tags = realloc(ld->tags, (ld->ntag + 1) * sizeof(*tags));

	if (tags == NULL)
		return mc_fail(err, ENOMEM, "load %s", ld->path);
	ld->tags = tags;
	snprintf(tags[ld->ntag].name, sizeof(tags[ld->ntag].name), "%s", name);
	snprintf(tags[ld->ntag].digest, sizeof(tags[ld->ntag].digest), "%s", digest);
	tags[ld->ntag].size = size;
	ld->ntag++;
	return 0;
}

/* Note a path this load is about to create, to remove it if the load fails. */
static int remember_created(struct load *ld, const char *path, struct mc_error *err)
{
	char **created = realloc(ld->created, (ld->ncreated + 1) * sizeof(char *));

	if (created == NULL)
		return mc_fail(err, ENOMEM, "load %s", ld->path);
	ld->created = created;
	created[ld->ncreated] = strdup(path);
	if (created[ld->ncreated] == NULL)
		return mc_fail(err, ENOMEM, "load %s", ld->path);
	ld->ncreated++;
	return 0;
}

static int remember_new_layers(struct load *ld, const struct img_image *img, struct mc_error *err)
{
	char path[PATH_MAX];

	for (size_t i = 0; i < img->nlayer; i++) {
		if (img_layer_path(ld->st, img->layers[i].diff_id, path, sizeof(path), err) < 0)
			return -1;
		if (access(path, F_OK) < 0 && remember_created(ld, path, err) < 0)
			return -1;
	}
	return 0;
}

static void undo_load(struct load *ld)
{
	for (size_t i = ld->ncreated; i-- > 0;)
		remove_quietly(ld->created[i]);
}

static void free_load(struct load *ld)
{
	for (size_t i = 0; i < ld->ncreated; i++)
		free(ld->created[i]);
	free(ld->created);
	free(ld->tags);
}

/*
 * Put `size` bytes from `fd` into the store as blob `digest` (checked),
 * unless the store has it already: same name, same bytes.
 */
static int put_new_blob(struct load *ld, int fd, uint64_t size, const char *digest,
                        struct mc_error *err)
{
	char path[PATH_MAX];

	if (img_blob_exists(ld->st, digest))
		return 0;
	if (img_blob_path(ld->st, digest, path, sizeof(path), err) < 0 ||
	    remember_created(ld, path, err) < 0)
		return -1;
	if (img_blob_put_fd(ld->st, fd, size, digest, NULL, NULL, err) < 0)
		return mc_fail_context(err, "%s", ld->path);
	return 0;
}

/* A name from index.json or manifest.json, as a path inside the unpacked archive. */
static int archive_path(const struct load *ld, const char *name, char *buf, size_t size,
                        struct mc_error *err)
{
	char rel[PATH_MAX];

	if (clean_relative(name, false, rel, sizeof(rel)) < 0 || rel[0] == '\0')
		return mc_fail(err, 0, "%s: refusing the file name '%s'", ld->path, name);
	return mc_path_join(buf, size, ld->dir, rel, err);
}

static json_t *load_json(const struct load *ld, const char *name, struct mc_error *err)
{
	char path[PATH_MAX], *text;
	size_t len;
	json_t *doc;

	if (archive_path(ld, name, path, sizeof(path), err) < 0 ||
	    read_small_file(path, &text, &len, err) < 0)
		return NULL;
	doc = parse_json(text, len, ld->path, name, err);
	free(text);
	return doc;
}

static bool has_file(const struct load *ld, const char *name)
{
	char path[PATH_MAX];
	struct stat sb;
	struct mc_error ignored;

	return archive_path(ld, name, path, sizeof(path), &ignored) == 0 && stat(path, &sb) == 0 &&
	       S_ISREG(sb.st_mode);
}

/* ---- load: OCI layouts (and OCI archives, once unpacked) ------------------------------- */

struct descriptor {
	char media_type[128];
	char digest[IMG_DIGEST_LEN + 1];
	uint64_t size;
};

static int parse_descriptor(const struct load *ld, json_t *j, struct descriptor *d,
                            struct mc_error *err)
{
	const char *mt = json_string_value(json_object_get(j, "mediaType"));
	const char *digest = json_string_value(json_object_get(j, "digest"));
	json_t *size = json_object_get(j, "size");

	if (!img_digest_valid(digest) || !json_is_integer(size) || json_integer_value(size) < 0)
		return mc_fail(err, 0, "%s: a descriptor without a sha256 digest and a size",
		               ld->path);
	snprintf(d->media_type, sizeof(d->media_type), "%s", mt ? mt : "");
	snprintf(d->digest, sizeof(d->digest), "%s", digest);
	d->size = (uint64_t)json_integer_value(size);
	return 0;
}

static bool is_index(const char *media_type)
{
	return strcmp(media_type, MT_OCI_INDEX) == 0 || strcmp(media_type, MT_DOCKER_LIST) == 0;
}

static bool is_manifest(const char *media_type)
{
	/* An empty media type is allowed: img_image_load checks what the blob says. */
	return media_type[0] == '\0' || strcmp(media_type, MT_OCI_MANIFEST) == 0 ||
	       strcmp(media_type, MT_DOCKER_MANIFEST) == 0;
}

static int layout_blob_path(const struct load *ld, const char *digest, char *buf, size_t size,
                            struct mc_error *err)
{
	char rel[128];

	/* digest was checked by parse_descriptor: 64 hex digits cannot climb out. */
	snprintf(rel, sizeof(rel), "blobs/sha256/%s", img_digest_hex(digest));
	return archive_path(ld, rel, buf, size, err);
}

/* Copy one blob from the layout into the store; img_blob_put_fd checks its digest. */
static int copy_blob(struct load *ld, const struct descriptor *d, struct mc_error *err)
{
	char path[PATH_MAX];
	int fd, rc;

	if (img_blob_exists(ld->st, d->digest))
		return 0;
	if (layout_blob_path(ld, d->digest, path, sizeof(path), err) < 0)
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return mc_fail(err, errno, "%s: blob %s", ld->path, d->digest);
	rc = put_new_blob(ld, fd, d->size, d->digest, err);
	close(fd);
	return rc;
}

/* An image: its manifest, then the config and layers the manifest names. */
static int copy_image(struct load *ld, const struct descriptor *manifest, struct mc_error *err)
{
	struct descriptor d;
	json_t *m, *layers;
	char *text;
	size_t len;
	int rc;

	if (copy_blob(ld, manifest, err) < 0 ||
	    img_blob_read(ld->st, manifest->digest, &text, &len, err) < 0)
		return -1;
	m = parse_json(text, len, ld->path, manifest->digest, err);
	free(text);
	if (m == NULL)
		return -1;
	rc = parse_descriptor(ld, json_object_get(m, "config"), &d, err);
	if (rc == 0)
		rc = copy_blob(ld, &d, err);
	layers = json_object_get(m, "layers");
	for (size_t i = 0; rc == 0 && i < json_array_size(layers); i++) {
		rc = parse_descriptor(ld, json_array_get(layers, i), &d, err);
		if (rc == 0)
			rc = copy_blob(ld, &d, err);
	}
	json_decref(m);
	return rc;
}

/* An index blob from the layout, read into memory and checked against its digest. */
static json_t *read_layout_index(const struct load *ld, const struct descriptor *d,
                                 struct mc_error *err)
{
	char path[PATH_MAX], digest[IMG_DIGEST_LEN + 1], *text;
	json_t *doc = NULL;
	size_t len;

	if (layout_blob_path(ld, d->digest, path, sizeof(path), err) < 0 ||
	    read_small_file(path, &text, &len, err) < 0)
		return NULL;
	img_digest_buffer(text, len, digest);
	if (strcmp(digest, d->digest) != 0)
		mc_fail(err, 0, "%s: blob %s: content has digest %s: refused", ld->path, d->digest,
		        digest);
	else
		doc = parse_json(text, len, ld->path, d->digest, err);
	free(text);
	return doc;
}

/*
 * A multi-platform index lists one manifest per platform: take this
 * machine's.  BuildKit also lists attestations (SBOMs, provenance) there,
 * as manifests for the platform "unknown/unknown" marked with
 * "vnd.docker.reference.type": they describe an image but are not one, so
 * they are never picked.  An entry without any platform is taken only if
 * nothing matches better.
 */
static int pick_platform(const struct load *ld, json_t *index, const char *index_digest,
                         struct descriptor *d, struct mc_error *err)
{
	json_t *list = json_object_get(index, "manifests"), *fallback = NULL;

	for (size_t i = 0; i < json_array_size(list); i++) {
		json_t *m = json_array_get(list, i);
		json_t *platform = json_object_get(m, "platform");
		const char *os = json_string_value(json_object_get(platform, "os"));
		const char *arch = json_string_value(json_object_get(platform, "architecture"));
		const char *type = json_string_value(json_object_get(
		    json_object_get(m, "annotations"), "vnd.docker.reference.type"));

		if ((type != NULL && strcmp(type, "attestation-manifest") == 0) ||
		    (os != NULL && strcmp(os, "linux") != 0))
			continue;
		if (arch != NULL && strcmp(arch, HOST_ARCH) == 0)
			return parse_descriptor(ld, m, d, err);
		if (platform == NULL && fallback == NULL)
			fallback = m;
	}
	if (fallback != NULL)
		return parse_descriptor(ld, fallback, d, err);
	return mc_fail(err, 0, "%s: the index %s has no image for linux/%s", ld->path, index_digest,
	               HOST_ARCH);
}

/* "/x/busybox.tar" -> "busybox": a repository name for an image the layout names only by tag. */
static void base_name(const char *path, char *out, size_t size)
{
	static const char *const suffixes[] = {".tar.gz", ".tgz", ".tar", ".oci"};
	char copy[PATH_MAX];
	const char *base;
	size_t len;

	/* "." or "dir/": the name of the directory itself. */
	if (realpath(path, copy) == NULL)
		snprintf(copy, sizeof(copy), "%s", path);
	for (len = strlen(copy); len > 1 && copy[len - 1] == '/'; len--)
		copy[len - 1] = '\0';
	base = strrchr(copy, '/') ? strrchr(copy, '/') + 1 : copy;
	snprintf(out, size, "%s", base);
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		size_t n = strlen(out), s = strlen(suffixes[i]);

		if (n > s && strcmp(out + n - s, suffixes[i]) == 0) {
			out[n - s] = '\0';
			break;
		}
	}
	if (out[0] == '\0')
		snprintf(out, size, "image");
	/* Repository names are lowercase letters, digits and separators. */
	for (char *p = out; *p != '\0'; p++) {
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
		else if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '.' ||
		           *p == '_' || *p == '-'))
			*p = '-';
	}
}

/*
 * The name an index.json entry gives its image: containerd's annotation
 * holds a full name; the OCI one holds either a full name (podman) or just
 * a tag (skopeo's oci:DIR:TAG, umoci), which we file under
 * localhost/<name of the file>.  No name at all: the image is untagged.
 */
static int entry_name(const struct load *ld, json_t *entry, char *name, size_t size,
                      struct mc_error *err)
{
	json_t *annotations = json_object_get(entry, "annotations");
	const char *full = json_string_value(json_object_get(annotations, NAME_ANNOTATION));
	const char *ref = json_string_value(json_object_get(annotations, REF_ANNOTATION));
	char text[1024], base[256];
	struct img_ref parsed;

	name[0] = '\0';
	if (full == NULL && ref != NULL && strpbrk(ref, "/:") != NULL)
		full = ref;
	if (full != NULL) {
		snprintf(text, sizeof(text), "%s", full);
	} else if (ref != NULL) {
		base_name(ld->path, base, sizeof(base));
		snprintf(text, sizeof(text), "localhost/%s:%s", base, ref);
	} else {
		return 0;
	}
	if (img_ref_parse(text, &parsed, err) < 0)
		return mc_fail_context(err, "%s: image name", ld->path);
	img_ref_full(&parsed, name, size);
	return 0;
}

/* One entry of index.json: an image, or an index of images for several platforms. */
static int read_index_entry(struct load *ld, json_t *entry, struct mc_error *err)
{
	struct descriptor d;
	char name[512];
	json_t *index;
	int rc;

	if (parse_descriptor(ld, entry, &d, err) < 0)
		return -1;
	if (is_index(d.media_type)) {
		index = read_layout_index(ld, &d, err);
		if (index == NULL)
			return -1;
		rc = pick_platform(ld, index, d.digest, &d, err);
		json_decref(index);
		if (rc < 0)
			return -1;
	}
	if (!is_manifest(d.media_type))
		return mc_fail(err, 0, "%s: %s has the media type %s, not an image", ld->path,
		               d.digest, d.media_type);
	if (copy_image(ld, &d, err) < 0 || entry_name(ld, entry, name, sizeof(name), err) < 0)
		return -1;
	return add_pending(ld, name, d.digest, d.size, err);
}

static int read_oci_layout(struct load *ld, struct mc_error *err)
{
	json_t *index = load_json(ld, "index.json", err), *list;
	int rc = 0;

	if (index == NULL)
		return -1;
	list = json_object_get(index, "manifests");
	if (json_array_size(list) == 0)
		rc = mc_fail(err, 0, "%s: index.json lists no images", ld->path);
	for (size_t i = 0; rc == 0 && i < json_array_size(list); i++)
		rc = read_index_entry(ld, json_array_get(list, i), err);
	json_decref(index);
	return rc;
}

/* ---- load: docker-archive ----------------------------------------------------------------- */

/*
 * Store a layer file as a blob, as it is (docker writes it uncompressed,
 * others may not: the media type follows the bytes).  The store's blob is
 * used if it has one with the same digest.
 */
static int store_layer_file(struct load *ld, const char *file, struct img_layer *layer,
                            struct mc_error *err)
{
	char path[PATH_MAX];
	int fd, rc;

	if (archive_path(ld, file, path, sizeof(path), err) < 0)
		return -1;
	if (img_digest_file(path, layer->digest, &layer->size, err) < 0)
		return mc_fail_context(err, "%s: layer %s", ld->path, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return mc_fail(err, errno, "%s: layer %s", ld->path, file);
	snprintf(layer->media_type, sizeof(layer->media_type), "%s", layer_media_type(fd));
	rc = put_new_blob(ld, fd, layer->size, layer->digest, err);
	close(fd);
	return rc;
}

/* The layers of one image: files named in manifest.json, diff_ids from the config. */
static int store_docker_layers(struct load *ld, const char *config, json_t *files,
                               struct img_image *img, struct mc_error *err)
{
	json_t *cfg = parse_json(config, strlen(config), ld->path, "image config", err);
	json_t *diff_ids = json_object_get(json_object_get(cfg, "rootfs"), "diff_ids");
	int rc = 0;

	if (cfg == NULL)
		return -1;
	img->nlayer = json_array_size(files);
	if (json_array_size(diff_ids) != img->nlayer)
		rc = mc_fail(err, 0, "%s: the config lists %zu diff_ids for %zu layers", ld->path,
		             json_array_size(diff_ids), img->nlayer);
	for (size_t i = 0; rc == 0 && i < img->nlayer; i++) {
		const char *file = json_string_value(json_array_get(files, i));
		const char *diff_id = json_string_value(json_array_get(diff_ids, i));

		if (file == NULL || !img_digest_valid(diff_id)) {
			rc = mc_fail(err, 0, "%s: layer %zu has no file or no valid diff_id",
			             ld->path, i);
			break;
		}
		snprintf(img->layers[i].diff_id, sizeof(img->layers[i].diff_id), "%s", diff_id);
		rc = store_layer_file(ld, file, &img->layers[i], err);
	}
	json_decref(cfg);
	return rc;
}

static int parse_repo_tag(const struct load *ld, json_t *tags, size_t i, char *full, size_t size,
                          struct mc_error *err)
{
	const char *text = json_string_value(json_array_get(tags, i));
	struct img_ref ref;

	if (text == NULL || img_ref_parse(text, &ref, err) < 0)
		return mc_fail(err, 0, "%s: manifest.json: invalid RepoTags entry %zu", ld->path,
		               i);
	img_ref_full(&ref, full, size);
	return 0;
}

/* Every name of the image in RepoTags, or none (null or []): an untagged image. */
static int pend_repo_tags(struct load *ld, json_t *tags, const char *digest, struct mc_error *err)
{
	uint64_t size = 0;
	char full[512];

	if (blob_size(ld->st, digest, &size, err) < 0)
		return -1;
	if (json_array_size(tags) == 0)
		return add_pending(ld, "", digest, size, err);
	for (size_t i = 0; i < json_array_size(tags); i++)
		if (parse_repo_tag(ld, tags, i, full, sizeof(full), err) < 0 ||
		    add_pending(ld, full, digest, size, err) < 0)
			return -1;
	return 0;
}

/* One entry of manifest.json: {"Config": FILE, "RepoTags": [NAME...], "Layers": [FILE...]}. */
static int read_docker_image(struct load *ld, json_t *entry, struct mc_error *err)
{
	const char *config_file = json_string_value(json_object_get(entry, "Config"));
	json_t *files = json_object_get(entry, "Layers");
	json_t *tags = json_object_get(entry, "RepoTags");
	char manifest[IMG_DIGEST_LEN + 1], config_digest[IMG_DIGEST_LEN + 1], path[PATH_MAX];
	char full[512], *config = NULL;
	struct img_image *img;
	size_t len;
	int rc = 0;

	if (config_file == NULL || !json_is_array(files) || json_array_size(files) > IMG_MAX_LAYERS)
		return mc_fail(err, 0, "%s: manifest.json: an entry without Config or Layers",
		               ld->path);
	/* Check the names first, so that a bad one fails before anything is stored. */
	for (size_t i = 0; rc == 0 && i < json_array_size(tags); i++)
		rc = parse_repo_tag(ld, tags, i, full, sizeof(full), err);
	img = calloc(1, sizeof(*img));
	if (rc == 0 && img == NULL)
		rc = mc_fail(err, ENOMEM, "load %s", ld->path);
	if (rc == 0)
		rc = archive_path(ld, config_file, path, sizeof(path), err);
	if (rc == 0)
		rc = read_small_file(path, &config, &len, err);
	if (rc == 0)
		rc = store_docker_layers(ld, config, files, img, err);
	/* Unpack before the manifest exists: a layer that does not match its
	 * diff_id must not leave an image behind. */
	if (rc == 0)
		rc = remember_new_layers(ld, img, err);
	if (rc == 0)
		rc = img_store_unpack(ld->st, img, err);
	if (rc == 0) {
		/* img_store_add_image stores the config; its digest is the image ID. */
		img_digest_buffer(config, strlen(config), config_digest);
		if (!img_blob_exists(ld->st, config_digest) &&
		    img_blob_path(ld->st, config_digest, path, sizeof(path), err) == 0)
			rc = remember_created(ld, path, err);
	}
	if (rc == 0)
		rc = img_store_add_image(ld->st, config, img->layers, img->nlayer, NULL, manifest,
		                         err);
	if (rc == 0)
		rc = pend_repo_tags(ld, tags, manifest, err);
	free(config);
	free(img);
	return rc;
}

static int read_docker_archive(struct load *ld, struct mc_error *err)
{
	json_t *list = load_json(ld, "manifest.json", err);
	int rc = 0;

	if (list == NULL)
		return -1;
	if (json_array_size(list) == 0)
		rc = mc_fail(err, 0, "%s: manifest.json lists no images", ld->path);
	for (size_t i = 0; rc == 0 && i < json_array_size(list); i++)
		rc = read_docker_image(ld, json_array_get(list, i), err);
	json_decref(list);
	return rc;
}

/* ---- load: putting it together ----------------------------------------------------------- */

static int not_an_image(const struct load *ld, struct mc_error *err)
{
	return mc_fail(err, 0, "%s is neither a docker-archive, an OCI archive nor an OCI layout",
	               ld->path);
}

/* A directory: an OCI layout has oci-layout; a docker-archive manifest.json. */
static int read_directory(struct load *ld, struct mc_error *err)
{
	if (has_file(ld, "oci-layout"))
		return read_oci_layout(ld, err);
	if (has_file(ld, "manifest.json"))
		return read_docker_archive(ld, err);
	return not_an_image(ld, err);
}

/* A tar: unpack it under the store's tmp/, then read it as a directory. */
static int read_tar(struct load *ld, struct mc_error *err)
{
	bool not_a_tar;

	if (make_tmpdir(ld->st, "load", ld->tmp, sizeof(ld->tmp), err) < 0)
		return -1;
	if (unpack_tar(ld->path, ld->tmp, &not_a_tar, err) < 0)
		return not_a_tar ? not_an_image(ld, err) : -1;
	snprintf(ld->dir, sizeof(ld->dir), "%s", ld->tmp);
	return read_directory(ld, err);
}

/* Unpack every image read (checking diff_ids), noting the layer directories that are new. */
static int unpack_images(struct load *ld, struct mc_error *err)
{
	struct img_image *img = calloc(1, sizeof(*img));
	int rc = img ? 0 : mc_fail(err, ENOMEM, "load %s", ld->path);

	for (size_t i = 0; rc == 0 && i < ld->ntag; i++) {
		rc = img_image_load(ld->st, ld->tags[i].digest, img, err);
		if (rc < 0)
			break;
		rc = remember_new_layers(ld, img, err);
		if (rc == 0)
			rc = img_store_unpack(ld->st, img, err);
		img_image_free(img);
	}
	free(img);
	return rc;
}

static int tag_images(struct load *ld, img_loaded_fn loaded, void *arg, struct mc_error *err)
{
	struct img_ref ref;

	for (size_t i = 0; i < ld->ntag; i++) {
		const struct pending_tag *t = &ld->tags[i];

		if (t->name[0] != '\0' &&
		    (img_ref_parse(t->name, &ref, err) < 0 ||
		     img_store_tag(ld->st, &ref, t->digest, t->size, err) < 0))
			return -1;
		mc_trace(CH, "loaded %s (%s)", t->name[0] ? t->name : "an untagged image",
		         t->digest);
		if (loaded != NULL)
			loaded(t->name, t->digest, arg);
	}
	return 0;
}

int img_load(struct img_store *st, const char *path, img_loaded_fn loaded, void *arg,
             struct mc_error *err)
{
	struct load ld = {.st = st, .path = path};
	struct stat sb;
	int rc;

	if (stat(path, &sb) < 0)
		return mc_fail(err, errno, "load %s", path);
	if (strlen(path) >= sizeof(ld.dir))
		return mc_fail(err, ENAMETOOLONG, "load %s", path);
	/* Exclusive for the whole load: undoing a failed load must not remove a
	 * blob that another process has started to rely on meanwhile, and a
	 * garbage collection must not sweep blobs that no tag names yet. */
	if (img_store_lock(st, true, err) < 0)
		return -1;
	if (S_ISDIR(sb.st_mode)) {
		snprintf(ld.dir, sizeof(ld.dir), "%s", path);
		rc = read_directory(&ld, err);
	} else {
		rc = read_tar(&ld, err);
	}
	if (rc == 0)
		rc = unpack_images(&ld, err);
	if (rc < 0)
		undo_load(&ld);
	else
		rc = tag_images(&ld, loaded, arg, err);
	if (ld.tmp[0] != '\0')
		remove_quietly(ld.tmp);
	img_store_unlock(st);
	free_load(&ld);
	return rc;
}

/* ---- save: where the files go -------------------------------------------------------------- */

/* A tar being written, or a directory being filled (an OCI layout). */
struct sink {
	struct archive *tar; /* NULL when writing into `dir` */
	const char *dir;
	time_t mtime;   /* of every entry: saving the same image twice gives the same tar */
	char **written; /* names written so far: a layer two images share goes in once */
	size_t nwritten;
};

/* Has `name` been written already?  If not, it is about to be. */
static bool sink_seen(struct sink *s, const char *name)
{
	char **written;

	for (size_t i = 0; i < s->nwritten; i++)
		if (strcmp(s->written[i], name) == 0)
			return true;
	written = realloc(s->written, (s->nwritten + 1) * sizeof(char *));
	if (written != NULL) {
		s->written = written;
		s->written[s->nwritten] = strdup(name);
		if (s->written[s->nwritten] != NULL)
			s->nwritten++;
	}
	return false;
}

static struct archive_entry *new_entry(const struct sink *s, const char *name, mode_t type,
                                       mode_t perm, uint64_t size)
{
	struct archive_entry *e = archive_entry_new();

	if (e == NULL)
		return NULL;
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, type);
	archive_entry_set_perm(e, perm);
	archive_entry_set_size(e, (la_int64_t)size);
	archive_entry_set_mtime(e, s->mtime, 0);
	return e;
}

static int sink_header(struct sink *s, const char *name, mode_t type, mode_t perm, uint64_t size,
                       struct mc_error *err)
{
	struct archive_entry *e = new_entry(s, name, type, perm, size);
	int r;

	if (e == NULL)
		return mc_fail(err, ENOMEM, "tar entry %s", name);
	r = archive_write_header(s->tar, e);
	archive_entry_free(e);
	if (r != ARCHIVE_OK)
		return archive_fail(err, s->tar, "write", name);
	return 0;
}

static int sink_dir(struct sink *s, const char *name, struct mc_error *err)
{
	char path[PATH_MAX];

	if (s->tar != NULL)
		return sink_header(s, name, AE_IFDIR, 0755, 0, err);
	if (mc_path_join(path, sizeof(path), s->dir, name, err) < 0)
		return -1;
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return mc_fail(err, errno, "mkdir %s", path);
	return 0;
}

/* Start the regular file `name` of `size` bytes; *out is its descriptor in a directory. */
static int sink_begin(struct sink *s, const char *name, uint64_t size, int *out,
                      struct mc_error *err)
{
	char path[PATH_MAX];

	*out = -1;
	if (s->tar != NULL)
		return sink_header(s, name, AE_IFREG, 0644, size, err);
	if (mc_path_join(path, sizeof(path), s->dir, name, err) < 0)
		return -1;
	*out = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (*out < 0)
		return mc_fail(err, errno, "create %s", path);
	return 0;
}

static int sink_write(struct sink *s, int out, const void *data, size_t len, const char *name,
                      struct mc_error *err)
{
	if (s->tar == NULL)
		return write_all(out, data, len) < 0 ? mc_fail(err, errno, "write %s", name) : 0;
	if (archive_write_data(s->tar, data, len) != (la_ssize_t)len)
		return archive_fail(err, s->tar, "write", name);
	return 0;
}

static int sink_end(struct sink *s, int out, int rc, const char *name, struct mc_error *err)
{
	if (s->tar != NULL) {
		if (archive_write_finish_entry(s->tar) != ARCHIVE_OK && rc == 0)
			rc = archive_fail(err, s->tar, "write", name);
		return rc;
	}
	if (close(out) < 0 && rc == 0)
		rc = mc_fail(err, errno, "write %s", name);
	return rc;
}

static int sink_buffer(struct sink *s, const char *name, const void *data, size_t len,
                       struct mc_error *err)
{
	int out, rc;

	if (sink_begin(s, name, len, &out, err) < 0)
		return -1;
	rc = sink_write(s, out, data, len, name, err);
	return sink_end(s, out, rc, name, err);
}

/* Copy `size` bytes of `in`, from its start, into the file `name`. */
static int sink_fd(struct sink *s, const char *name, int in, uint64_t size, struct mc_error *err)
{
	uint64_t left = size;
	char buf[65536];
	int out, rc = 0;

	if (lseek(in, 0, SEEK_SET) < 0)
		return mc_fail(err, errno, "seek %s", name);
	if (sink_begin(s, name, size, &out, err) < 0)
		return -1;
	while (rc == 0 && left > 0) {
		ssize_t n = read(in, buf, left < sizeof(buf) ? (size_t)left : sizeof(buf));

		if (n <= 0)
			rc = mc_fail(err, n < 0 ? errno : EIO, "read %s", name);
		else
			rc = sink_write(s, out, buf, (size_t)n, name, err);
		left -= n > 0 ? (uint64_t)n : 0;
	}
	return sink_end(s, out, rc, name, err);
}

static int sink_json(struct sink *s, const char *name, json_t *doc, struct mc_error *err)
{
	char *text = json_dumps(doc, JSON_COMPACT);
	int rc;

	if (text == NULL)
		return mc_fail(err, ENOMEM, "write %s", name);
	rc = sink_buffer(s, name, text, strlen(text), err);
	free(text);
	return rc;
}

/* A blob of the store, as it is, under `name` (once). */
static int sink_blob(const struct img_store *st, struct sink *s, const char *name,
                     const char *digest, struct mc_error *err)
{
	char path[PATH_MAX];
	struct stat sb;
	int fd, rc;

	if (sink_seen(s, name))
		return 0;
	if (img_blob_path(st, digest, path, sizeof(path), err) < 0)
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return mc_fail(err, errno, "blob %s", digest);
	rc = fstat(fd, &sb) < 0 ? mc_fail(err, errno, "blob %s", digest)
	                        : sink_fd(s, name, fd, (uint64_t)sb.st_size, err);
	close(fd);
	return rc;
}

/* The image's creation time, for reproducible archives (0 when it has none). */
static time_t created_time(const char *config_json)
{
	json_t *config = json_loads(config_json ? config_json : "", 0, NULL);
	const char *created = json_string_value(json_object_get(config, "created"));
	struct tm tm = {0};
	time_t t = 0;

	if (created != NULL && strptime(created, "%Y-%m-%dT%H:%M:%S", &tm) != NULL)
		t = timegm(&tm);
	json_decref(config);
	return t < 0 ? 0 : t;
}

/* ---- save: which images, under which names -------------------------------------------- */

struct save_item {
	struct img_image img;
	char (*names)[512]; /* full references it is saved under */
	size_t nname;
};

static int add_name(struct save_item *item, const char *full, struct mc_error *err)
{
	char(*names)[512];

	for (size_t i = 0; i < item->nname; i++)
		if (strcmp(item->names[i], full) == 0)
			return 0;
	names = realloc(item->names, (item->nname + 1) * sizeof(*names));
	if (names == NULL)
		return mc_fail(err, ENOMEM, "save");
	item->names = names;
	snprintf(names[item->nname++], sizeof(*names), "%s", full);
	return 0;
}

/*
 * The names to save an image under: the one the user typed, if it is one
 * of its tags; if the user gave an ID or a digest instead, every tag the
 * image has (possibly none).
 */
static int add_names(struct save_item *item, const char *what, const struct img_tag *tags,
                     size_t ntag, struct mc_error *err)
{
	struct mc_error ignored;
	struct img_ref ref;
	char full[600];

	if (img_ref_parse(what, &ref, &ignored) == 0 && ref.digest[0] == '\0') {
		img_ref_full(&ref, full, sizeof(full));
		for (size_t i = 0; i < ntag; i++)
			if (strcmp(tags[i].name, full) == 0 &&
			    strcmp(tags[i].manifest_digest, item->img.manifest_digest) == 0)
				return add_name(item, full, err);
	}
	for (size_t i = 0; i < ntag; i++)
		if (strcmp(tags[i].manifest_digest, item->img.manifest_digest) == 0 &&
		    tags[i].name[0] != '\0' && add_name(item, tags[i].name, err) < 0)
			return -1;
	return 0;
}

static void free_items(struct save_item *items, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		img_image_free(&items[i].img);
		free(items[i].names);
	}
	free(items);
}

/* Find every image; two names of the same image make one item with two names. */
static int resolve_names(struct img_store *st, const char *const *names, size_t nname,
                         struct save_item **items, size_t *nitem, struct mc_error *err)
{
	struct img_tag *tags;
	size_t ntag, n = 0;
	int rc = 0;

	*items = calloc(nname, sizeof(**items));
	if (*items == NULL)
		return mc_fail(err, ENOMEM, "save");
	if (img_store_list(st, &tags, &ntag, err) < 0)
		return -1;
	for (size_t i = 0; rc == 0 && i < nname; i++) {
		struct save_item *item = &(*items)[n];
		size_t j;

		rc = img_store_find(st, names[i], &item->img, err);
		if (rc < 0)
			break;
		for (j = 0; j < n; j++)
			if (strcmp((*items)[j].img.manifest_digest, item->img.manifest_digest) == 0)
				break;
		if (j < n)
			img_image_free(&item->img); /* seen already: add the name to that one */
		else
			n++;
		rc = add_names(&(*items)[j], names[i], tags, ntag, err);
	}
	free(tags);
	*nitem = n;
	return rc;
}

/* ---- save: docker-archive --------------------------------------------------------------------- */

/*
 * A docker-archive holds each layer uncompressed: `docker load` (before
 * Docker 25) takes layer.tar as the layer and its sha256 as the diff_id,
 * without looking for compression.  The store keeps layers as they came
 * (from a registry: gzip), so a compressed one is decompressed into an
 * unnamed temporary file first - a tar header needs the size before the
 * data - and checked against its diff_id on the way.
 */
static int decompress_to_tmpfile(const struct img_store *st, int in, const char *diff_id, int *out,
                                 uint64_t *size, struct mc_error *err)
{
	char path[PATH_MAX], digest[IMG_DIGEST_LEN + 1];
	int rc;

	if (mc_path_join(path, sizeof(path), st->root, "tmp/plain-XXXXXX", err) < 0)
		return -1;
	*out = mkostemp(path, O_CLOEXEC);
	if (*out < 0)
		return mc_fail(err, errno, "create %s", path);
	unlink(path); /* unnamed: it goes away with the descriptor, whatever happens */
	rc = read_uncompressed(in, *out, digest, size, err);
	if (rc == 0 && strcmp(digest, diff_id) != 0)
		rc = mc_fail(err, 0, "layer %s decompresses to %s", diff_id, digest);
	if (rc < 0) {
		close(*out);
		*out = -1;
	}
	return rc;
}

static int sink_plain_layer(const struct img_store *st, struct sink *s, const char *name,
                            const struct img_layer *layer, struct mc_error *err)
{
	char path[PATH_MAX];
	int fd, plain = -1, rc;
	uint64_t size;
	struct stat sb;

	if (img_blob_path(st, layer->digest, path, sizeof(path), err) < 0)
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return mc_fail(err, errno, "layer %s", layer->digest);
	if (strcmp(layer_media_type(fd), MT_OCI_LAYER) == 0) {
		rc = fstat(fd, &sb) < 0 ? mc_fail(err, errno, "layer %s", layer->digest)
		                        : sink_fd(s, name, fd, (uint64_t)sb.st_size, err);
	} else {
		rc = decompress_to_tmpfile(st, fd, layer->diff_id, &plain, &size, err);
		if (rc == 0)
			rc = sink_fd(s, name, plain, size, err);
		if (plain >= 0)
			close(plain);
	}
	close(fd);
	return rc;
}

/* "docker.io/library/busybox:latest" -> RepoTags "busybox:latest", repositories["busybox"]. */
static int add_repo_tag(const char *full, const struct img_image *img, json_t *repo_tags,
                        json_t *repositories, struct mc_error *err)
{
	char familiar[600], repo[600];
	struct img_ref ref;
	json_t *tags;

	if (img_ref_parse(full, &ref, err) < 0)
		return -1;
	json_array_append_new(repo_tags,
	                      json_string(img_ref_familiar(&ref, familiar, sizeof(familiar))));
	if (ref.tag[0] == '\0' || img->nlayer == 0)
		return 0;
	/* The legacy file maps each tag to its top layer's directory. */
	img_ref_familiar_name(&ref, repo, sizeof(repo));
	tags = json_object_get(repositories, repo);
	if (tags == NULL) {
		tags = json_object();
		json_object_set_new(repositories, repo, tags);
	}
	json_object_set_new(tags, ref.tag,
	                    json_string(img_digest_hex(img->layers[img->nlayer - 1].diff_id)));
	return 0;
}

static int write_docker_image(const struct img_store *st, struct sink *s,
                              const struct save_item *item, json_t *manifest, json_t *repositories,
                              struct mc_error *err)
{
	const struct img_image *img = &item->img;
	json_t *layers = json_array(), *repo_tags = json_array();
	char config_name[80], layer_name[80];
	int rc;

	snprintf(config_name, sizeof(config_name), "%s.json", img_digest_hex(img->config_digest));
	rc = sink_blob(st, s, config_name, img->config_digest, err);
	for (size_t i = 0; rc == 0 && i < img->nlayer; i++) {
		const char *hex = img_digest_hex(img->layers[i].diff_id);

		snprintf(layer_name, sizeof(layer_name), "%s/layer.tar", hex);
		json_array_append_new(layers, json_string(layer_name));
		if (sink_seen(s, layer_name))
			continue;
		rc = sink_dir(s, hex, err);
		if (rc == 0)
			rc = sink_plain_layer(st, s, layer_name, &img->layers[i], err);
	}
	for (size_t i = 0; rc == 0 && i < item->nname; i++)
		rc = add_repo_tag(item->names[i], img, repo_tags, repositories, err);
	if (rc < 0) {
		json_decref(layers);
		json_decref(repo_tags);
		return -1;
	}
	json_array_append_new(manifest, json_pack("{s:s, s:o, s:o}", "Config", config_name,
	                                          "RepoTags", repo_tags, "Layers", layers));
	return 0;
}

/*
 * A docker-archive, as `docker save` wrote it before Docker 25:
 *	<config hex>.json         the image config (its sha256 is the image ID)
 *	<diff_id hex>/layer.tar   each layer, uncompressed
 *	manifest.json             [{"Config", "RepoTags", "Layers"}], one per image
 *	repositories              {"busybox": {"latest": "<top layer>"}}, for old readers
 */
static int write_docker_archive(const struct img_store *st, struct sink *s,
                                const struct save_item *items, size_t n, struct mc_error *err)
{
	json_t *manifest = json_array(), *repositories = json_object();
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = write_docker_image(st, s, &items[i], manifest, repositories, err);
	if (rc == 0)
		rc = sink_json(s, "manifest.json", manifest, err);
	if (rc == 0)
		rc = sink_json(s, "repositories", repositories, err);
	json_decref(manifest);
	json_decref(repositories);
	return rc;
}

/* ---- save: OCI layout and OCI archive --------------------------------------------------- */

/* The index.json entry for an image under one name (or none). */
static json_t *index_entry(const struct descriptor *d, const char *full)
{
	json_t *entry = json_pack("{s:s, s:s, s:I}", "mediaType", d->media_type, "digest",
	                          d->digest, "size", (json_int_t)d->size);
	struct mc_error ignored;
	struct img_ref ref;

	/* skopeo and umoci look images up by the tag alone ("oci:DIR:latest"),
	 * containerd and podman by the full name: give both. */
	if (full != NULL && img_ref_parse(full, &ref, &ignored) == 0)
		json_object_set_new(entry, "annotations",
		                    json_pack("{s:s, s:s}", NAME_ANNOTATION, full, REF_ANNOTATION,
		                              ref.tag[0] ? ref.tag : full));
	return entry;
}

static int manifest_descriptor(const struct img_store *st, const char *digest, struct descriptor *d,
                               struct mc_error *err)
{
	json_t *m;
	char *text;
	size_t len;

	if (img_blob_read(st, digest, &text, &len, err) < 0)
		return -1;
	m = json_loadb(text, len, 0, NULL);
	snprintf(d->media_type, sizeof(d->media_type), "%s",
	         json_string_value(json_object_get(m, "mediaType")) ?: MT_OCI_MANIFEST);
	snprintf(d->digest, sizeof(d->digest), "%s", digest);
	d->size = len;
	json_decref(m);
	free(text);
	return 0;
}

static int sink_store_blob(const struct img_store *st, struct sink *s, const char *digest,
                           struct mc_error *err)
{
	char name[128];

	snprintf(name, sizeof(name), "blobs/sha256/%s", img_digest_hex(digest));
	return sink_blob(st, s, name, digest, err);
}

static int write_oci_image(const struct img_store *st, struct sink *s, const struct save_item *item,
                           json_t *manifests, struct mc_error *err)
{
	const struct img_image *img = &item->img;
	struct descriptor d;
	int rc;

	rc = manifest_descriptor(st, img->manifest_digest, &d, err);
	if (rc == 0)
		rc = sink_store_blob(st, s, img->manifest_digest, err);
	if (rc == 0)
		rc = sink_store_blob(st, s, img->config_digest, err);
	for (size_t i = 0; rc == 0 && i < img->nlayer; i++)
		rc = sink_store_blob(st, s, img->layers[i].digest, err);
	if (rc < 0)
		return -1;
	if (item->nname == 0)
		json_array_append_new(manifests, index_entry(&d, NULL));
	for (size_t i = 0; i < item->nname; i++)
		json_array_append_new(manifests, index_entry(&d, item->names[i]));
	return 0;
}

/*
 * An OCI image layout (image-spec, image-layout.md):
 *	oci-layout       {"imageLayoutVersion": "1.0.0"}
 *	blobs/sha256/    manifests, configs and layers, as the store has them
 *	index.json       one entry per name
 */
static int write_oci_layout(const struct img_store *st, struct sink *s,
                            const struct save_item *items, size_t n, struct mc_error *err)
{
	json_t *manifests = json_array(), *index;
	int rc;

	rc = sink_buffer(s, "oci-layout", LAYOUT_TEXT, strlen(LAYOUT_TEXT), err);
	if (rc == 0)
		rc = sink_dir(s, "blobs", err);
	if (rc == 0)
		rc = sink_dir(s, "blobs/sha256", err);
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = write_oci_image(st, s, &items[i], manifests, err);
	index = json_pack("{s:i, s:s, s:o}", "schemaVersion", 2, "mediaType", MT_OCI_INDEX,
	                  "manifests", manifests);
	if (rc == 0)
		rc = sink_json(s, "index.json", index, err);
	json_decref(index);
	return rc;
}

/* ---- save: putting it together --------------------------------------------------------------- */

/* An OCI layout goes into a new or empty directory, never among other files. */
static int check_layout_target(const char *out, struct mc_error *err)
{
	struct dirent *e;
	DIR *d = opendir(out);

	if (d == NULL)
		return errno == ENOENT ? 0 : mc_fail(err, errno, "save to %s", out);
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
			closedir(d);
			return mc_fail(err, ENOTEMPTY, "save to %s", out);
		}
	closedir(d);
	return 0;
}

static int sink_open(struct sink *s, enum img_format format, const char *tmp, struct mc_error *err)
{
	if (format == IMG_FORMAT_OCI_LAYOUT) {
		if (mkdir(tmp, 0755) < 0)
			return mc_fail(err, errno, "mkdir %s", tmp);
		s->dir = tmp;
		return 0;
	}
	s->tar = archive_write_new();
	if (s->tar == NULL)
		return mc_fail(err, ENOMEM, "create %s", tmp);
	/* pax_restricted: plain ustar headers, and pax extensions only for what
	 * ustar cannot hold (long names, sizes over 8 GiB). */
	if (archive_write_set_format_pax_restricted(s->tar) != ARCHIVE_OK ||
	    archive_write_open_filename(s->tar, tmp) != ARCHIVE_OK)
		return archive_fail(err, s->tar, "create", tmp);
	return 0;
}

static int sink_close(struct sink *s, int rc, const char *tmp, struct mc_error *err)
{
	if (s->tar != NULL) {
		if (archive_write_close(s->tar) != ARCHIVE_OK && rc == 0)
			rc = archive_fail(err, s->tar, "write", tmp);
		archive_write_free(s->tar);
	}
	for (size_t i = 0; i < s->nwritten; i++)
		free(s->written[i]);
	free(s->written);
	return rc;
}

static int write_format(const struct img_store *st, struct sink *s, enum img_format format,
                        const struct save_item *items, size_t n, struct mc_error *err)
{
	switch (format) {
	case IMG_FORMAT_DOCKER_ARCHIVE:
		return write_docker_archive(st, s, items, n, err);
	case IMG_FORMAT_OCI_ARCHIVE:
	case IMG_FORMAT_OCI_LAYOUT:
		return write_oci_layout(st, s, items, n, err);
	}
	return mc_fail(err, 0, "save: unknown format %d", (int)format);
}

int img_save(struct img_store *st, const char *const *names, size_t nname, const char *out_path,
             enum img_format format, struct mc_error *err)
{
	struct save_item *items = NULL;
	struct sink sink = {0};
	struct stat target;
	char tmp[PATH_MAX];
	size_t nitem = 0;
	int rc;

	if (nname == 0)
		return mc_fail(err, 0, "save: no image named");
	/* Write next to the target and rename at the end: a failure leaves no half file. */
	if (snprintf(tmp, sizeof(tmp), "%s.tmp-%d", out_path, (int)getpid()) >= (int)sizeof(tmp))
		return mc_fail(err, ENAMETOOLONG, "save to %s", out_path);
	if (format == IMG_FORMAT_OCI_LAYOUT && check_layout_target(out_path, err) < 0)
		return -1;
	/* The rename below replaces the target: only ever a regular file (never /dev/stdout). */
	if (format != IMG_FORMAT_OCI_LAYOUT && lstat(out_path, &target) == 0 &&
	    !S_ISREG(target.st_mode))
		return mc_fail(err, EEXIST,
		               "save to %s: not a regular file, refusing to replace it", out_path);
	/* Shared: a garbage collection must not remove blobs while we copy them. */
	if (img_store_lock(st, false, err) < 0)
		return -1;
	rc = resolve_names(st, names, nname, &items, &nitem, err);
	if (rc == 0) {
		sink.mtime = created_time(items[0].img.config_json);
		rc = sink_open(&sink, format, tmp, err);
		if (rc == 0)
			rc = write_format(st, &sink, format, items, nitem, err);
		rc = sink_close(&sink, rc, tmp, err);
	}
	if (rc == 0 && rename(tmp, out_path) < 0)
		rc = mc_fail(err, errno, "rename %s to %s", tmp, out_path);
	if (rc < 0)
		remove_quietly(tmp);
	else
		mc_trace(CH, "saved %zu image(s) to %s", nitem, out_path);
	img_store_unlock(st);
	free_items(items, nitem);
	return rc;
}

/* ---- import ---------------------------------------------------------------------------------- */

/* The tarball goes into the store as it is; its diff_id is the sha256 of its uncompressed stream. */
static int import_layer(struct img_store *st, int fd, const char *path, struct img_layer *layer,
                        struct mc_error *err)
{
	snprintf(layer->media_type, sizeof(layer->media_type), "%s", layer_media_type(fd));
	if (img_blob_put_fd(st, fd, UINT64_MAX, NULL, layer->digest, &layer->size, err) < 0)
		return mc_fail_context(err, "import %s", path);
	if (strcmp(layer->media_type, MT_OCI_LAYER) == 0) {
		snprintf(layer->diff_id, sizeof(layer->diff_id), "%s", layer->digest);
		return 0;
	}
	if (lseek(fd, 0, SEEK_SET) < 0)
		return mc_fail(err, errno, "import %s", path);
	if (read_uncompressed(fd, -1, layer->diff_id, NULL, err) < 0)
		return mc_fail_context(err, "import %s", path);
	return 0;
}

/* A config for an image nobody built: just the layer, and where it came from. */
static char *import_config(const char *diff_id, const char *created_by)
{
	time_t now = time(NULL);
	char created[32];
	json_t *config;
	struct tm tm;
	char *text;

	strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
	config = json_pack("{s:s, s:s, s:s, s:{}, s:{s:s, s:[s]}, s:[{s:s, s:s}]}", "architecture",
	                   HOST_ARCH, "os", "linux", "created", created, "config", "rootfs", "type",
	                   "layers", "diff_ids", diff_id, "history", "created", created,
	                   "created_by", created_by ? created_by : "minicontainer import");
	text = config ? json_dumps(config, JSON_COMPACT) : NULL;
	json_decref(config);
	return text;
}

int img_import(struct img_store *st, const char *tar_path, const struct img_ref *tag,
               const char *created_by, char *manifest_digest_out, struct mc_error *err)
{
	struct img_image *img = calloc(1, sizeof(*img));
	char digest[IMG_DIGEST_LEN + 1], *config = NULL;
	int fd, rc;

	if (img == NULL)
		return mc_fail(err, ENOMEM, "import %s", tar_path);
	fd = open(tar_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		free(img);
		return mc_fail(err, errno, "import %s", tar_path);
	}
	/* Exclusive: a garbage collection must not sweep the layer before the tag names it. */
	rc = img_store_lock(st, true, err);
	if (rc == 0) {
		rc = import_layer(st, fd, tar_path, &img->layers[0], err);
		img->nlayer = 1;
		/* Unpack before the image exists: a file that is not a tar fails
		 * here and no name points at a broken image.  (Its blob stays
		 * until the next garbage collection.) */
		if (rc == 0 && img_store_unpack(st, img, err) < 0)
			rc = mc_fail_context(err, "import %s", tar_path);
		if (rc == 0 && (config = import_config(img->layers[0].diff_id, created_by)) == NULL)
			rc = mc_fail(err, ENOMEM, "import %s", tar_path);
		if (rc == 0)
			rc = img_store_add_image(st, config, img->layers, 1, tag, digest, err);
		img_store_unlock(st);
	}
	if (rc == 0) {
		mc_trace(CH, "imported %s as %s", tar_path, digest);
		if (manifest_digest_out != NULL)
			memcpy(manifest_digest_out, digest, sizeof(digest));
	}
	free(config);
	free(img);
	close(fd);
	return rc;
}
