/*
 * save.c - chapter 04: `save`, images out of the store as files.
 *
 * `save` writes what `docker load`, `podman load`, `skopeo` and `umoci`
 * read: a docker-archive tar (layers uncompressed, as Docker's format
 * wants them), an OCI archive tar, or an OCI layout directory.  The file
 * appears only when it is complete: it is written next to its final name
 * and renamed at the end.
 */
#define _GNU_SOURCE
#include "img_archive.h"

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

#include "img_files.h"
#include "img_manifest.h"
#include "mc_file.h"
#include "mc_trace.h"

#define CH "ch04"

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
		return img_archive_fail(err, s->tar, "write", name);
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
		return img_write_all(out, data, len) < 0 ? mc_fail(err, errno, "write %s", name)
		                                         : 0;
	if (archive_write_data(s->tar, data, len) != (la_ssize_t)len)
		return img_archive_fail(err, s->tar, "write", name);
	return 0;
}

static int sink_end(struct sink *s, int out, int rc, const char *name, struct mc_error *err)
{
	if (s->tar != NULL) {
		if (archive_write_finish_entry(s->tar) != ARCHIVE_OK && rc == 0)
			rc = img_archive_fail(err, s->tar, "write", name);
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
	rc = img_read_uncompressed(in, *out, digest, size, err);
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
	if (strcmp(img_layer_media_type(fd), MT_OCI_LAYER) == 0) {
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
static json_t *index_entry(const struct img_descriptor *d, const char *full)
{
	json_t *entry = json_pack("{s:s, s:s, s:I}", "mediaType", d->media_type, "digest",
	                          d->digest, "size", (json_int_t)d->size);
	struct mc_error ignored;
	struct img_ref ref;

	/* skopeo and umoci look images up by the tag alone ("oci:DIR:latest"),
	 * containerd and podman by the full name: give both. */
	if (full != NULL && img_ref_parse(full, &ref, &ignored) == 0)
		json_object_set_new(entry, "annotations",
		                    json_pack("{s:s, s:s}", IMG_NAME_ANNOTATION, full,
		                              IMG_REF_ANNOTATION, ref.tag[0] ? ref.tag : full));
	return entry;
}

static int manifest_descriptor(const struct img_store *st, const char *digest,
                               struct img_descriptor *d, struct mc_error *err)
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
	struct img_descriptor d;
	int rc;

	rc = manifest_descriptor(st, img->platform_digest, &d, err);
	if (rc == 0)
		rc = sink_store_blob(st, s, img->platform_digest, err);
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

	rc = sink_buffer(s, "oci-layout", IMG_LAYOUT_TEXT, strlen(IMG_LAYOUT_TEXT), err);
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
		return img_archive_fail(err, s->tar, "create", tmp);
	return 0;
}

static int sink_close(struct sink *s, int rc, const char *tmp, struct mc_error *err)
{
	if (s->tar != NULL) {
		if (archive_write_close(s->tar) != ARCHIVE_OK && rc == 0)
			rc = img_archive_fail(err, s->tar, "write", tmp);
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
		img_remove_quietly(tmp);
	else
		mc_trace(CH, "saved %zu image(s) to %s", nitem, out_path);
	img_store_unlock(st);
	free_items(items, nitem);
	return rc;
}
