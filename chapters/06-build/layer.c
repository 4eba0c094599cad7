/*
 * layer.c - chapter 06: writing a layer from an upper directory (see bld_layer.h).
 *
 * Two libarchive writers in a chain, so that the bytes are produced once:
 *
 *	walk(upper) -> [tar writer] -> sha256 (diff_id) -> [gzip/zstd writer] -> file
 *
 * The tar writer's output goes to write_tar_block(), which hashes it - the
 * diff_id is the digest of the *uncompressed* tar - and hands it to the
 * second writer, whose "raw" format only compresses.
 */
#define _GNU_SOURCE
#include "bld_layer.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "img_digest.h"
#include "mc_file.h"
#include "mc_trace.h"
#include "ovl_overlay.h"

#define CH "ch06"

/* The chain's state. */
struct layer_writer {
	struct archive *tar;  /* entries in */
	struct archive *pack; /* compressed bytes out; NULL: plain tar to out_fd */
	int out_fd;
	struct img_hasher *diff_id;
	int64_t clamp;
	bool read_only; /* the upper belongs to a live container: never change it */
	size_t entries;
	/* Hard links: the first name of each inode with several. */
	struct link {
		dev_t dev;
		ino_t ino;
		char *path;
	} * links;
	size_t nlinks;
	struct mc_error *err;
};

static la_ssize_t write_tar_block(struct archive *a, void *data, const void *buf, size_t len)
{
	struct layer_writer *w = data;

	(void)a;
	img_hasher_update(w->diff_id, buf, len);
	if (w->pack != NULL)
		return archive_write_data(w->pack, buf, len);
	for (size_t done = 0; done < len;) {
		ssize_t n = write(w->out_fd, (const char *)buf + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		done += (size_t)n;
	}
	return (la_ssize_t)len;
}

/* ---- metadata ------------------------------------------------------------------------------ */

/*
 * The attributes a layer carries: file capabilities and user.* ones.
 * trusted.overlay.* is overlayfs's bookkeeping - opaque becomes an entry
 * of its own; a redirect or metacopy would mean the file's data lives in a
 * lower layer, which a layer archive cannot say, so it is an error.
 */
static int add_xattrs(struct layer_writer *w, struct archive_entry *e, const char *path)
{
	char names[4096], value[4096];
	ssize_t len = llistxattr(path, names, sizeof(names));

	if (len < 0)
		return errno == ENOTSUP ? 0 : mc_fail(w->err, errno, "list attributes of %s", path);
	for (char *name = names; name < names + len; name += strlen(name) + 1) {
		ssize_t vlen;

		if (strcmp(name, "trusted.overlay.redirect") == 0 ||
		    strcmp(name, "trusted.overlay.metacopy") == 0)
			return mc_fail(w->err, 0,
			               "%s has %s: overlayfs's redirect_dir or metacopy is on, and "
			               "a layer cannot be written from such an upper directory",
			               path, name);
		if (strcmp(name, "security.capability") != 0 && strncmp(name, "user.", 5) != 0)
			continue;
		vlen = lgetxattr(path, name, value, sizeof(value));
		if (vlen < 0)
			return mc_fail(w->err, errno, "read attribute %s of %s", name, path);
		archive_entry_xattr_add_entry(e, name, value, (size_t)vlen);
	}
	return 0;
}

/* mtime in whole seconds, never later than SOURCE_DATE_EPOCH (if set). */
static time_t layer_mtime(const struct layer_writer *w, const struct stat *st)
{
	if (w->clamp >= 0 && st->st_mtim.tv_sec >= w->clamp)
		return (time_t)w->clamp;
	return st->st_mtim.tv_sec;
}

/*
 * The upper directory becomes the layer's directory: make it say exactly
 * what the archive says - the clamped mtime, and no overlay bookkeeping but
 * the opaque mark.
 */
static void normalize_in_place(const struct layer_writer *w, const char *path,
                               const struct stat *st)
{
	char names[4096];
	ssize_t len;

	if (w->clamp >= 0 && st->st_mtim.tv_sec >= w->clamp) {
		struct timespec t[2] = {{w->clamp, 0}, {w->clamp, 0}};

		utimensat(AT_FDCWD, path, t, AT_SYMLINK_NOFOLLOW);
	}
	len = llistxattr(path, names, sizeof(names));
	for (char *name = names; len > 0 && name < names + len; name += strlen(name) + 1)
		if (strncmp(name, "trusted.overlay.", 16) == 0 &&
		    strcmp(name, "trusted.overlay.opaque") != 0)
			lremovexattr(path, name);
}

static struct archive_entry *new_entry(const struct layer_writer *w, const char *name,
                                       const struct stat *st)
{
	struct archive_entry *e = archive_entry_new();

	if (e == NULL)
		return NULL;
	archive_entry_set_pathname(e, name);
	archive_entry_set_mode(e, st->st_mode);
	archive_entry_set_uid(e, st->st_uid);
	archive_entry_set_gid(e, st->st_gid);
	archive_entry_set_mtime(e, layer_mtime(w, st), 0);
	return e;
}

/* An empty regular file with a special name: a whiteout or the opaque marker. */
static int write_marker(struct layer_writer *w, const char *name, const struct stat *st)
{
	struct stat marker = *st;
	struct archive_entry *e;
	int r;

	marker.st_mode = S_IFREG | 0000;
	marker.st_uid = marker.st_gid = 0;
	e = new_entry(w, name, &marker);
	if (e == NULL)
		return mc_fail(w->err, ENOMEM, "layer entry");
	archive_entry_set_size(e, 0);
	r = archive_write_header(w->tar, e);
	archive_entry_free(e);
	if (r != ARCHIVE_OK)
		return mc_fail(w->err, 0, "write %s: %s", name, archive_error_string(w->tar));
	w->entries++;
	return 0;
}

static int copy_file_data(struct layer_writer *w, const char *path)
{
	char buf[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return mc_fail(w->err, errno, "open %s", path);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (archive_write_data(w->tar, buf, (size_t)n) != n) {
			close(fd);
			return mc_fail(w->err, 0, "write %s: %s", path,
			               archive_error_string(w->tar));
		}
	close(fd);
	return n < 0 ? mc_fail(w->err, errno, "read %s", path) : 0;
}

/* A second name of an inode already written: a hard link entry. */
static const char *first_name(struct layer_writer *w, const struct stat *st, const char *name)
{
	struct link *more;

	if (S_ISDIR(st->st_mode) || st->st_nlink < 2)
		return NULL;
	for (size_t i = 0; i < w->nlinks; i++)
		if (w->links[i].dev == st->st_dev && w->links[i].ino == st->st_ino)
			return w->links[i].path;
	more = realloc(w->links, (w->nlinks + 1) * sizeof(*more));
	if (more != NULL) {
		w->links = more;
		w->links[w->nlinks].dev = st->st_dev;
		w->links[w->nlinks].ino = st->st_ino;
		w->links[w->nlinks].path = strdup(name);
		if (w->links[w->nlinks].path != NULL)
			w->nlinks++;
	}
	return NULL;
}

/* One file, directory, link or device of the upper, as a tar entry. */
static int write_node(struct layer_writer *w, const char *path, const char *name,
                      const struct stat *st)
{
	struct archive_entry *e = new_entry(w, name, st);
	const char *link = first_name(w, st, name);
	char target[PATH_MAX];
	ssize_t n;
	int rc = 0;

	if (e == NULL)
		return mc_fail(w->err, ENOMEM, "layer entry");
	if (link != NULL) {
		archive_entry_set_hardlink(e, link);
		archive_entry_set_size(e, 0);
	} else if (S_ISREG(st->st_mode)) {
		archive_entry_set_size(e, st->st_size);
	} else if (S_ISLNK(st->st_mode)) {
		n = readlink(path, target, sizeof(target) - 1);
		if (n < 0)
			rc = mc_fail(w->err, errno, "readlink %s", path);
		target[n < 0 ? 0 : n] = '\0';
		archive_entry_set_symlink(e, target);
	} else if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode)) {
		archive_entry_set_rdevmajor(e, major(st->st_rdev));
		archive_entry_set_rdevminor(e, minor(st->st_rdev));
	}
	if (rc == 0 && !S_ISLNK(st->st_mode))
		rc = add_xattrs(w, e, path);
	if (rc == 0 && archive_write_header(w->tar, e) != ARCHIVE_OK)
		rc = mc_fail(w->err, 0, "write %s: %s", name, archive_error_string(w->tar));
	if (rc == 0 && link == NULL && S_ISREG(st->st_mode) && st->st_size > 0)
		rc = copy_file_data(w, path);
	archive_entry_free(e);
	w->entries++;
	return rc;
}

/* ---- the walk -------------------------------------------------------------------------------- */

static int walk(struct layer_writer *w, const char *dir, const char *rel);

/*
 * One entry of the upper directory: `path` is where it is, `name` its name
 * in the layer ("etc/motd", "app/" for a directory), `base` its last
 * component.
 */
static int add_upper_entry(struct layer_writer *w, const char *path, const char *rel,
                           const char *base, const struct stat *st)
{
	char name[PATH_MAX + 16];

	/* EXERCISE 06.3 whiteouts-out (3 points): Turn an upper directory's deletions into OCI whiteouts
	 * Tests: test_layer_from_upper_has_oci_whiteouts test_deleted_lower_file_is_hidden_in_the_image
	 *
	 * `rel` is the directory the entry is in, inside the layer ("" at the
	 * top, else "app/" with its slash); `base` the entry's name.
	 *
	 *  - An overlayfs whiteout (ovl_is_whiteout(st)) means base was
	 *    deleted: write the OCI marker "<rel>.wh.<base>" with
	 *    write_marker(w, name, st), and nothing else.
	 *  - Sockets are skipped (only a running program can make one).
	 *  - A directory is the entry "<rel><base>/" (write_node), then - if it
	 *    is opaque (ovl_is_opaque(AT_FDCWD, path)) - the marker
	 *    "<rel><base>/.wh..wh..opq", then its contents: walk(w, path,
	 *    "<rel><base>/").
	 *  - Anything else is the entry "<rel><base>" (write_node).
	 *
	 * Build names with snprintf into `name`; return -1 when a call fails.
	 */
	/* BEGIN SOLUTION */
	if (ovl_is_whiteout(st)) {
		snprintf(name, sizeof(name), "%s.wh.%s", rel, base);
		mc_trace(CH, "%s%s: whiteout -> %s", rel, base, name);
		return write_marker(w, name, st);
	}
	if (S_ISSOCK(st->st_mode))
		return 0;
	if (!S_ISDIR(st->st_mode)) {
		snprintf(name, sizeof(name), "%s%s", rel, base);
		return write_node(w, path, name, st);
	}
	snprintf(name, sizeof(name), "%s%s/", rel, base);
	if (write_node(w, path, name, st) < 0)
		return -1;
	if (ovl_is_opaque(AT_FDCWD, path)) {
		char marker[PATH_MAX + 32];

		snprintf(marker, sizeof(marker), "%s.wh..wh..opq", name);
		mc_trace(CH, "%s: opaque directory -> %s", name, marker);
		if (write_marker(w, marker, st) < 0)
			return -1;
	}
	return walk(w, path, name);
	/* END SOLUTION; skeleton: (void)w; (void)name; (void)write_marker; (void)write_node; (void)walk; (void)path; (void)rel; (void)base; (void)st; return 0; */
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in a directory, sorted: the archive must not depend on readdir's order. */
static int sorted_names(const char *dir, char ***names, size_t *n, struct mc_error *err)
{
	struct dirent *de;
	size_t cap = 0;
	DIR *d = opendir(dir);

	*names = NULL;
	*n = 0;
	if (d == NULL)
		return mc_fail(err, errno, "open %s", dir);
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (*n == cap) {
			char **more = realloc(*names, (cap = cap ? 2 * cap : 32) * sizeof(char *));

			if (more == NULL)
				break;
			*names = more;
		}
		if (((*names)[*n] = strdup(de->d_name)) == NULL)
			break;
		(*n)++;
	}
	closedir(d);
	if (de != NULL) {
		for (size_t i = 0; i < *n; i++)
			free((*names)[i]);
		free(*names);
		return mc_fail(err, ENOMEM, "read %s", dir);
	}
	if (*n > 1)
		qsort(*names, *n, sizeof(char *), by_name);
	return 0;
}

static int walk(struct layer_writer *w, const char *dir, const char *rel)
{
	char **names, path[PATH_MAX];
	size_t n;
	int rc = 0;

	if (sorted_names(dir, &names, &n, w->err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct stat st;

		if (rc == 0 && mc_path_join(path, sizeof(path), dir, names[i], w->err) < 0)
			rc = -1;
		if (rc == 0 && lstat(path, &st) < 0)
			rc = mc_fail(w->err, errno, "stat %s", path);
		if (rc == 0 && !ovl_is_whiteout(&st) && !w->read_only) {
			normalize_in_place(w, path, &st);
			lstat(path, &st);
		}
		if (rc == 0)
			rc = add_upper_entry(w, path, rel, names[i], &st);
		free(names[i]);
	}
	free(names);
	return rc;
}

/* ---- putting it together ---------------------------------------------------------------------- */

static int open_chain(struct layer_writer *w, int out_fd, bool compress, bool zstd)
{
	struct archive_entry *stream;

	w->out_fd = out_fd;
	w->diff_id = img_hasher_new();
	w->tar = archive_write_new();
	if (w->diff_id == NULL || w->tar == NULL)
		return mc_fail(w->err, ENOMEM, "layer writer");
	if (compress) {
		w->pack = archive_write_new();
		if (w->pack == NULL)
			return mc_fail(w->err, ENOMEM, "layer writer");
		archive_write_set_format_raw(w->pack);
		if ((zstd ? archive_write_add_filter_zstd(w->pack)
		          : archive_write_add_filter_gzip(w->pack)) != ARCHIVE_OK)
			return mc_fail(w->err, 0, "%s: %s", zstd ? "zstd" : "gzip",
			               archive_error_string(w->pack));
		/* gzip's header has a time stamp: leave it 0, or no two layers are alike. */
		if (!zstd)
			archive_write_set_filter_option(w->pack, "gzip", "timestamp", NULL);
		archive_write_set_bytes_in_last_block(w->pack, 1);
		stream = archive_entry_new();
		archive_entry_set_filetype(stream, AE_IFREG);
		archive_entry_set_pathname(stream, "layer.tar");
		if (archive_write_open_fd(w->pack, out_fd) != ARCHIVE_OK ||
		    archive_write_header(w->pack, stream) != ARCHIVE_OK) {
			archive_entry_free(stream);
			return mc_fail(w->err, 0, "layer: %s", archive_error_string(w->pack));
		}
		archive_entry_free(stream);
	}
	/* pax_restricted: plain ustar, pax records only for what ustar cannot hold. */
	archive_write_set_format_pax_restricted(w->tar);
	archive_write_set_bytes_per_block(w->tar, 512);
	archive_write_set_bytes_in_last_block(w->tar, 1);
	if (archive_write_open(w->tar, w, NULL, write_tar_block, NULL) != ARCHIVE_OK)
		return mc_fail(w->err, 0, "layer: %s", archive_error_string(w->tar));
	return 0;
}

/* Finish both writers; rc is what happened so far. */
static int close_chain(struct layer_writer *w, int rc, char *diff_id)
{
	if (w->tar != NULL && archive_write_close(w->tar) != ARCHIVE_OK && rc == 0)
		rc = mc_fail(w->err, 0, "layer: %s", archive_error_string(w->tar));
	if (w->pack != NULL && archive_write_close(w->pack) != ARCHIVE_OK && rc == 0)
		rc = mc_fail(w->err, 0, "layer: %s", archive_error_string(w->pack));
	if (w->tar != NULL)
		archive_write_free(w->tar);
	if (w->pack != NULL)
		archive_write_free(w->pack);
	if (w->diff_id != NULL)
		img_hasher_finish(w->diff_id, diff_id);
	for (size_t i = 0; i < w->nlinks; i++)
		free(w->links[i].path);
	free(w->links);
	return rc;
}

static int write_layer(const char *upper, int fd, bool compress, bool zstd, int64_t clamp,
                       bool read_only, char *diff_id, size_t *entries, struct mc_error *err)
{
	struct layer_writer w = {.clamp = clamp, .read_only = read_only, .err = err, .out_fd = -1};
	int rc = open_chain(&w, fd, compress, zstd);

	if (rc == 0)
		rc = walk(&w, upper, "");
	rc = close_chain(&w, rc, diff_id);
	*entries = w.entries;
	return rc;
}

int bld_layer_write_tar(const char *upper, int fd, int64_t clamp_time, char *diff_id,
                        struct mc_error *err)
{
	size_t entries;

	return write_layer(upper, fd, false, false, clamp_time, true, diff_id, &entries, err);
}

int bld_layer_unpack(struct img_store *st, const struct img_layer *layer, struct mc_error *err)
{
	struct img_image *one = calloc(1, sizeof(*one));
	int rc;

	if (one == NULL)
		return mc_fail(err, ENOMEM, "layer");
	one->nlayer = 1;
	one->layers[0] = *layer;
	rc = img_store_unpack(st, one, err);
	free(one);
	return rc;
}

int bld_layer_commit(struct img_store *st, const char *upper, const struct bld_layer_opts *o,
                     struct img_layer *layer, bool *empty, struct mc_error *err)
{
	char tmp[PATH_MAX], dir[PATH_MAX];
	struct mc_error ignored;
	size_t entries = 0;
	int fd, rc;

	memset(layer, 0, sizeof(*layer));
	*empty = false;
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s/tmp/layer-XXXXXX", st->root) >= sizeof(tmp))
		return mc_fail(err, ENAMETOOLONG, "layer");
	fd = mkstemp(tmp);
	if (fd < 0)
		return mc_fail(err, errno, "create %s", tmp);
	rc = write_layer(upper, fd, true, o->zstd, o->clamp_time, o->keep_upper, layer->diff_id,
	                 &entries, err);
	if (rc == 0 && entries == 0) {
		/* Nothing changed: no layer at all (history says empty_layer). */
		*empty = true;
		goto out;
	}
	if (rc == 0 && lseek(fd, 0, SEEK_SET) < 0)
		rc = mc_fail(err, errno, "rewind %s", tmp);
	if (rc == 0)
		rc = img_blob_put_fd(st, fd, UINT64_MAX, NULL, layer->digest, &layer->size, err);
	snprintf(layer->media_type, sizeof(layer->media_type), "%s",
	         o->zstd ? MT_OCI_LAYER_ZSTD : MT_OCI_LAYER_GZIP);
	/* The upper is the layer's directory now, unless the store has it already. */
	if (rc == 0 && !o->keep_upper &&
	    img_layer_path(st, layer->diff_id, dir, sizeof(dir), err) < 0)
		rc = -1;
	if (rc == 0 && !o->keep_upper && access(dir, F_OK) != 0 && rename(upper, dir) < 0)
		rc = mc_fail(err, errno, "rename %s to %s", upper, dir);
	if (rc == 0 && o->keep_upper)
		rc = bld_layer_unpack(st, layer, err);
	if (rc == 0)
		mc_trace(CH, "layer %.19s: %zu entries, %llu bytes (%s)", layer->diff_id, entries,
		         (unsigned long long)layer->size, o->zstd ? "zstd" : "gzip");
out:
	close(fd);
	unlink(tmp);
	if (!o->keep_upper)
		mc_remove_tree(upper, &ignored);
	return rc;
}
