/*
 * load.c - chapter 04: `load`, images into the store from files.
 *
 * `load` reads what `docker save`, `podman save`, `skopeo copy` and `umoci`
 * write: a docker-archive tar, an OCI archive tar, or an OCI layout
 * directory.  Whatever comes in is checked on the way: every blob against
 * its digest (img_blob_put_fd), every layer against the config's diff_id
 * (img_store_unpack), every name inside a tar against escaping the
 * directory it is unpacked into (unpack_tar).
 *
 * A load completes or leaves the store as it was: the store stays locked
 * throughout, the blobs and layers the load added are removed again if it
 * fails, and names are only written once every image is complete.
 */
#define _GNU_SOURCE
#include "img_archive.h"
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
#include <jansson.h>

#include "img_files.h"
#include "img_manifest.h"
#include "mc_file.h"
#include "mc_trace.h"

#define CH "ch04"

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
		if (img_write_all(fd, buf, (size_t)n) < 0) {
			rc = mc_fail(err, errno, "write %s", path);
			break;
		}
	if (rc == 0 && n < 0)
		rc = img_archive_fail(err, a, "read", tar);
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
	/* `docker save | gzip` is common; only in-process decompressors, never a program. */
	if (img_archive_decompressors(a, err) < 0) {
		archive_read_free(a);
		return -1;
	}
	archive_read_support_format_tar(a);
	/* Opening reads the first block already, to recognise the format. */
	if (archive_read_open_filename(a, tar, 65536) != ARCHIVE_OK) {
		*not_a_tar = archive_errno(a) == EILSEQ;
		rc = img_archive_fail(err, a, "open", tar);
	}
	while (rc == 0 &&
	       ((r = archive_read_next_header(a, &entry)) == ARCHIVE_OK || r == ARCHIVE_WARN)) {
		rc = unpack_entry(a, entry, tar, dest, &links, err);
		first = false;
	}
	if (rc == 0 && r != ARCHIVE_EOF) {
		*not_a_tar = first;
		rc = img_archive_fail(err, a, "read", tar);
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
		img_remove_quietly(ld->created[i]);
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
	    img_read_small_file(path, &text, &len, err) < 0)
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

static int layout_blob_path(const struct load *ld, const char *digest, char *buf, size_t size,
                            struct mc_error *err)
{
	char rel[128];

	/* digest was checked by img_descriptor_parse: 64 hex digits cannot climb out. */
	snprintf(rel, sizeof(rel), "blobs/sha256/%s", img_digest_hex(digest));
	return archive_path(ld, rel, buf, size, err);
}

/* Copy one blob from the layout into the store; img_blob_put_fd checks its digest. */
static int copy_blob(struct load *ld, const struct img_descriptor *d, struct mc_error *err)
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
static int copy_image(struct load *ld, const struct img_descriptor *manifest, struct mc_error *err)
{
	struct img_manifest m;
	char *text;
	size_t len;
	int rc = -1;

	if (copy_blob(ld, manifest, err) < 0 ||
	    img_blob_read(ld->st, manifest->digest, &text, &len, err) < 0)
		return -1;
	if (img_manifest_parse(text, len, &m, err) < 0) {
		free(text);
		return mc_fail_context(err, "%s: %s", ld->path, manifest->digest);
	}
	free(text);
	if (copy_blob(ld, &m.config, err) < 0)
		goto out;
	for (size_t i = 0; i < m.nlayer; i++)
		if (copy_blob(ld, &m.layers[i], err) < 0)
			goto out;
	rc = 0;
out:
	img_manifest_free(&m);
	return rc;
}

/* An index blob from the layout, read into memory and checked against its digest. */
static json_t *read_layout_index(const struct load *ld, const struct img_descriptor *d,
                                 struct mc_error *err)
{
	char path[PATH_MAX], digest[IMG_DIGEST_LEN + 1], *text;
	json_t *doc = NULL;
	size_t len;

	if (layout_blob_path(ld, d->digest, path, sizeof(path), err) < 0 ||
	    img_read_small_file(path, &text, &len, err) < 0)
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
 * machine's (img_index_pick, in manifest.c, skips attestations and other
 * platforms).
 */
static int pick_platform(const struct load *ld, json_t *index, const char *index_digest,
                         struct img_descriptor *d, struct mc_error *err)
{
	struct img_platform host;

	img_platform_host(&host);
	if (img_index_pick(index, &host, NULL, NULL, d, err) < 0)
		return mc_fail_context(err, "%s: index %s", ld->path, index_digest);
	return 0;
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
	const char *full = json_string_value(json_object_get(annotations, IMG_NAME_ANNOTATION));
	const char *ref = json_string_value(json_object_get(annotations, IMG_REF_ANNOTATION));
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
	struct img_descriptor d;
	char name[512];
	json_t *index;
	int rc;

	if (img_descriptor_parse(entry, &d, err) < 0)
		return mc_fail_context(err, "%s: index.json", ld->path);
	if (img_is_index_type(d.media_type)) {
		index = read_layout_index(ld, &d, err);
		if (index == NULL)
			return -1;
		rc = pick_platform(ld, index, d.digest, &d, err);
		json_decref(index);
		if (rc < 0)
			return -1;
	}
	/* An empty media type is allowed: the manifest itself says what it is. */
	if (d.media_type[0] != '\0' && !img_is_manifest_type(d.media_type))
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
	snprintf(layer->media_type, sizeof(layer->media_type), "%s", img_layer_media_type(fd));
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
		rc = img_read_small_file(path, &config, &len, err);
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

	if (img_make_tmpdir(ld->st, "load", ld->tmp, sizeof(ld->tmp), err) < 0)
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
		img_remove_quietly(ld.tmp);
	img_store_unlock(st);
	free_load(&ld);
	return rc;
}
