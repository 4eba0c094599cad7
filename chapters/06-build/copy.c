/*
 * copy.c - chapter 06: COPY and ADD (see bld_copy.h).
 *
 * Every path is opened relative to a descriptor: a source through
 * mc_open_in_root() with the context as "/", its contents with *at() calls
 * and O_NOFOLLOW below that, the destination through bld_mkdir_in_root()
 * with the image's root as "/".  Only regular files are ever read - a FIFO
 * or a device in a hostile context would block the build or read the
 * host's hardware - the others are re-created, not opened.
 */
#define _GNU_SOURCE
#include "bld_copy.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "img_digest.h"
#include "img_extract.h"
#include "mc_file.h"
#include "mc_resolve.h"
#include "mc_trace.h"

#define CH "ch06"

void bld_copy_init(struct bld_copy *c)
{
	memset(c, 0, sizeof(*c));
	c->src_root = -1;
	c->chmod = -1;
}

void bld_copy_free(struct bld_copy *c)
{
	for (size_t i = 0; i < c->nsrc; i++) {
		free(c->src[i].path);
		free(c->src[i].name);
		free(c->src[i].data);
		if (c->src[i].fd >= 0)
			close(c->src[i].fd);
	}
	free(c->src);
	c->src = NULL;
	c->nsrc = 0;
}

int bld_parse_chmod(const char *text, int *mode, struct mc_error *err)
{
	char *end;
	long m;

	errno = 0;
	m = strtol(text, &end, 8);
	if (text[0] == '\0' || *end != '\0' || errno != 0 || m < 0 || m > 07777)
		return mc_fail(err, 0, "invalid chmod parameter: '%s' (an octal mode such as 0755)",
		               text);
	*mode = (int)m;
	return 0;
}

/* /proc/self/fd/N: a path that means exactly the open file (for APIs that want a path). */
static const char *fd_path(int fd, char *buf, size_t size)
{
	snprintf(buf, size, "/proc/self/fd/%d", fd);
	return buf;
}

static bool ends_with_slash(const char *s);

static struct bld_source *new_source(struct bld_copy *c, enum bld_source_kind kind,
                                     struct mc_error *err)
{
	struct bld_source *more = realloc(c->src, (c->nsrc + 1) * sizeof(*more));

	if (more == NULL) {
		mc_fail(err, ENOMEM, "copy");
		return NULL;
	}
	c->src = more;
	memset(&c->src[c->nsrc], 0, sizeof(c->src[0]));
	c->src[c->nsrc].kind = kind;
	c->src[c->nsrc].fd = -1;
	return &c->src[c->nsrc++];
}

/* ---- local sources ------------------------------------------------------------------------- */

/* A tar archive, perhaps compressed?  (Only ADD asks.) */
static bool is_archive(int fd)
{
	struct archive_entry *e;
	struct archive *a = archive_read_new();
	char path[64];
	bool yes;

	if (a == NULL)
		return false;
	/* Filters that libarchive runs in-process only: never an external program. */
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_bzip2(a);
	archive_read_support_filter_xz(a);
	archive_read_support_filter_zstd(a);
	archive_read_support_format_tar(a);
	yes = archive_read_open_filename(a, fd_path(fd, path, sizeof(path)), 65536) == ARCHIVE_OK &&
	      archive_read_next_header(a, &e) == ARCHIVE_OK;
	archive_read_free(a);
	return yes;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* One existing path inside the source root (clean, relative). */
static int add_path(struct bld_copy *c, const char *path, struct mc_error *err)
{
	struct bld_source *s;
	int fd;

	if (path[0] != '\0' && bld_ignored(c->ignore, path))
		return mc_fail(err, ENOENT, "\"/%s\": not found (excluded by .dockerignore)", path);
	fd = mc_open_in_root(c->src_root, path[0] ? path : ".", O_PATH, 0, MC_RESOLVE_AUTO, err);
	if (fd < 0)
		return err->errnum == ENOENT ? mc_fail(err, ENOENT, "\"/%s\": not found", path)
		                             : -1;
	s = new_source(c, BLD_SRC_PATH, err);
	if (s == NULL) {
		close(fd);
		return -1;
	}
	s->fd = fd;
	s->path = strdup(path);
	s->name = strdup(path[0] ? base_name(path) : ".");
	if (s->path == NULL || s->name == NULL)
		return mc_fail(err, ENOMEM, "copy");
	if (fstat(fd, &s->st) < 0)
		return mc_fail(err, errno, "stat %s", path);
	s->archive = c->add && S_ISREG(s->st.st_mode) && is_archive(fd);
	return 0;
}

static bool has_wildcard(const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' && s[1] != '\0')
			s++;
		else if (*s == '*' || *s == '?' || *s == '[')
			return true;
	}
	return false;
}

static int by_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Expand a pattern one component at a time ("src/[a-z]*.c": the directory
 * src, then its entries matching [a-z]*.c), inside the root.  Go's filepath.Match and
 * fnmatch(3) without flags agree: * matches dot files too.
 */
static int glob_from(struct bld_copy *c, const char *prefix, char **comps, size_t i, size_t n,
                     struct mc_error *err)
{
	char next[PATH_MAX], **names = NULL;
	size_t count = 0, cap = 0;
	struct dirent *de;
	DIR *d;
	int fd, rc = 0;

	if (i == n)
		return prefix[0] && bld_ignored(c->ignore, prefix) ? 0 : add_path(c, prefix, err);
	if (!has_wildcard(comps[i])) {
		struct mc_error ignored;

		snprintf(next, sizeof(next), "%s%s%s", prefix, prefix[0] ? "/" : "", comps[i]);
		fd = mc_open_in_root(c->src_root, next, O_PATH, 0, MC_RESOLVE_AUTO, &ignored);
		if (fd < 0)
			return 0;
		close(fd);
		return glob_from(c, next, comps, i + 1, n, err);
	}
	fd = mc_open_in_root(c->src_root, prefix[0] ? prefix : ".", O_RDONLY | O_DIRECTORY, 0,
	                     MC_RESOLVE_AUTO, err);
	if (fd < 0) {
		mc_error_clear(err);
		return 0; /* not a directory: nothing below it matches */
	}
	d = fdopendir(fd);
	if (d == NULL) {
		close(fd);
		return mc_fail(err, errno, "read %s", prefix);
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
		    fnmatch(comps[i], de->d_name, 0) != 0)
			continue;
		if (count == cap) {
			char **more = realloc(names, (cap = cap ? 2 * cap : 16) * sizeof(char *));

			if (more == NULL)
				break;
			names = more;
		}
		if ((names[count] = strdup(de->d_name)) != NULL)
			count++;
	}
	closedir(d);
	if (count > 1)
		qsort(names, count, sizeof(char *), by_str);
	for (size_t k = 0; k < count; k++) {
		snprintf(next, sizeof(next), "%s%s%s", prefix, prefix[0] ? "/" : "", names[k]);
		if (rc == 0)
			rc = glob_from(c, next, comps, i + 1, n, err);
		free(names[k]);
	}
	free(names);
	return rc;
}

static int add_pattern(struct bld_copy *c, const char *clean, struct mc_error *err)
{
	char copy[PATH_MAX], *comps[256], *save = NULL;
	size_t n = 0, before = c->nsrc;

	snprintf(copy, sizeof(copy), "%s", clean);
	for (char *p = strtok_r(copy, "/", &save); p != NULL && n < 256;
	     p = strtok_r(NULL, "/", &save))
		comps[n++] = p;
	c->wildcard = true;
	if (glob_from(c, "", comps, 0, n, err) < 0)
		return -1;
	if (c->nsrc == before)
		return mc_fail(err, ENOENT, "\"%s\": no source files were specified", clean);
	return 0;
}

/* ---- URLs (ADD) -------------------------------------------------------------------------------- */

static int check_checksum(int fd, const char *want, struct mc_error *err)
{
	struct img_hasher *h = img_hasher_new();
	char got[IMG_DIGEST_LEN + 1], buf[65536];
	ssize_t n;

	if (h == NULL)
		return mc_fail(err, ENOMEM, "checksum");
	lseek(fd, 0, SEEK_SET);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		img_hasher_update(h, buf, (size_t)n);
	img_hasher_finish(h, got);
	lseek(fd, 0, SEEK_SET);
	if (n < 0)
		return mc_fail(err, errno, "read the downloaded file");
	if (strcmp(got, want) != 0)
		return mc_fail(err, 0, "digest mismatch %s: %s", got, want);
	return 0;
}

static int add_url(struct bld_copy *c, const char *url, struct mc_error *err)
{
	char name[256];
	const char *path = strchr(url + strlen("https://") - 1, '/');
	struct bld_source *s;

	if (!c->add)
		return mc_fail(err, 0, "source can't be a URL for COPY");
	if (c->fetch == NULL)
		return mc_fail(err, ENOSYS,
		               "ADD %s: downloading needs the registry client's HTTP, which this "
		               "build of minicontainer does not have yet",
		               url);
	/* The file's name is the last component of the URL's path, without a query. */
	snprintf(name, sizeof(name), "%s", path ? base_name(path) : "");
	name[strcspn(name, "?#")] = '\0';
	if (name[0] == '\0')
		snprintf(name, sizeof(name), "__unnamed__");
	s = new_source(c, BLD_SRC_URL, err);
	if (s == NULL)
		return -1;
	s->name = strdup(name);
	s->path = strdup(url);
	s->fd = memfd_create("add-url", MFD_CLOEXEC);
	if (s->name == NULL || s->path == NULL || s->fd < 0)
		return mc_fail(err, errno ? errno : ENOMEM, "ADD %s", url);
	if (c->fetch(c->fetch_arg, url, s->fd, err) < 0)
		return mc_fail_context(err, "ADD %s", url);
	if (c->checksum != NULL && check_checksum(s->fd, c->checksum, err) < 0)
		return -1;
	if (fstat(s->fd, &s->st) < 0)
		return mc_fail(err, errno, "ADD %s", url);
	/* A downloaded file is 0600, as in Docker; it is never unpacked. */
	s->st.st_mode = S_IFREG | 0600;
	s->st.st_uid = s->st.st_gid = 0;
	return 0;
}

int bld_copy_add_source(struct bld_copy *c, const char *text, struct mc_error *err)
{
	char clean[PATH_MAX];

	c->nargs++;
	if (strncmp(text, "http://", 7) == 0 || strncmp(text, "https://", 8) == 0)
		return add_url(c, text, err);
	if (c->checksum != NULL)
		return mc_fail(err, 0, "checksum can't be specified for non-HTTP(S) sources");
	if (strncmp(text, "git@", 4) == 0 || strstr(text, ".git#") != NULL)
		return mc_fail(err, 0, "ADD %s: git sources are not supported", text);
	bld_clean_path(text, clean, sizeof(clean));
	if (has_wildcard(clean))
		return add_pattern(c, clean, err);
	return add_path(c, clean, err);
}

int bld_copy_add_inline(struct bld_copy *c, const char *name, const char *data,
                        struct mc_error *err)
{
	struct bld_source *s = new_source(c, BLD_SRC_INLINE, err);

	c->nargs++;
	if (s == NULL)
		return -1;
	s->name = strdup(name);
	s->path = strdup(name);
	s->data = strdup(data);
	if (s->name == NULL || s->path == NULL || s->data == NULL)
		return mc_fail(err, ENOMEM, "copy");
	s->st.st_mode = S_IFREG | 0644;
	s->st.st_size = (off_t)strlen(data);
	return 0;
}

/* ---- the cache key ---------------------------------------------------------------------------- */

static int digest_fd(int fd, char out[IMG_DIGEST_LEN + 1], struct mc_error *err)
{
	struct img_hasher *h = img_hasher_new();
	char buf[65536];
	ssize_t n;

	if (h == NULL)
		return mc_fail(err, ENOMEM, "hash");
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		img_hasher_update(h, buf, (size_t)n);
	img_hasher_finish(h, out);
	return n < 0 ? mc_fail(err, errno, "read") : 0;
}

/* A regular file, opened without following anything, and checked to be one. */
static int open_regular(int dirfd, const char *name, const struct stat *st, struct mc_error *err)
{
	struct stat now;
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return mc_fail(err, errno, "open %s", name);
	if (fstat(fd, &now) < 0 || !S_ISREG(now.st_mode) || now.st_ino != st->st_ino) {
		close(fd);
		return mc_fail(err, EAGAIN, "%s changed while it was being copied", name);
	}
	return fd;
}

/* What a file holds, for the key: its data's digest, or a symlink's target. */
static int content_of(int dirfd, const char *name, const struct stat *st, char *out, size_t size,
                      struct mc_error *err)
{
	ssize_t n;
	int fd;

	out[0] = '\0';
	if (S_ISLNK(st->st_mode)) {
		n = readlinkat(dirfd, name, out, size - 1);
		if (n < 0)
			return mc_fail(err, errno, "readlink %s", name);
		out[n] = '\0';
		return 0;
	}
	if (!S_ISREG(st->st_mode))
		return 0;
	fd = open_regular(dirfd, name, st, err);
	if (fd < 0)
		return -1;
	n = digest_fd(fd, out, err);
	close(fd);
	return (int)n;
}

static void join(char *buf, size_t size, const char *a, const char *b)
{
	snprintf(buf, size, "%s%s%s", a, a[0] && b[0] ? "/" : "", b);
}

/* Everything below a source directory, in order, as the copy will see it. */
static int key_tree(struct bld_copy *c, struct bld_key *k, int dirfd, const char *ctx_path,
                    const char *rel, struct mc_error *err)
{
	struct dirent **list;
	int n, rc = 0, fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return mc_fail(err, errno, "open %s", ctx_path);
	n = scandirat(fd, ".", &list, NULL, alphasort);
	if (n < 0) {
		close(fd);
		return mc_fail(err, errno, "read %s", ctx_path);
	}
	for (int i = 0; i < n; i++) {
		char path[PATH_MAX], sub[PATH_MAX], content[PATH_MAX];
		const char *name = list[i]->d_name;
		struct stat st;

		if (rc < 0 || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
			goto next;
		join(path, sizeof(path), ctx_path, name);
		join(sub, sizeof(sub), rel, name);
		if (c->ignore != NULL && bld_ignored(c->ignore, path) &&
		    !(S_ISDIR(DTTOIF(list[i]->d_type)) &&
		      bld_ignore_may_reinclude(c->ignore, path)))
			goto next;
		if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			rc = mc_fail(err, errno, "stat %s", path);
			goto next;
		}
		if (S_ISSOCK(st.st_mode))
			goto next;
		if (!(c->ignore != NULL && bld_ignored(c->ignore, path))) {
			rc = content_of(fd, name, &st, content, sizeof(content), err);
			if (rc == 0)
				bld_key_file(k, sub, &st, content[0] ? content : NULL);
		}
		if (rc == 0 && S_ISDIR(st.st_mode)) {
			int sfd = openat(fd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

			rc = sfd < 0 ? mc_fail(err, errno, "open %s", path)
			             : key_tree(c, k, sfd, path, sub, err);
			if (sfd >= 0)
				close(sfd);
		}
	next:
		free(list[i]);
	}
	free(list);
	close(fd);
	return rc;
}

int bld_copy_key(struct bld_copy *c, struct bld_key *k, struct mc_error *err)
{
	char content[PATH_MAX], path[64];

	if (c->nargs > 1 && !ends_with_slash(c->dest))
		return mc_fail(err, 0,
		               "When using %s with more than one source file, the destination must "
		               "be a directory and end with a /",
		               c->add ? "ADD" : "COPY");

	for (size_t i = 0; i < c->nsrc; i++) {
		struct bld_source *s = &c->src[i];
		int fd;

		bld_key_str(k, "source", s->path);
		bld_key_str(k, "unpack", s->archive ? "yes" : "no");
		if (s->kind == BLD_SRC_INLINE) {
			bld_key_str(k, "inline", s->data);
			continue;
		}
		if (s->kind == BLD_SRC_URL) {
			lseek(s->fd, 0, SEEK_SET);
			if (digest_fd(s->fd, content, err) < 0)
				return -1;
			lseek(s->fd, 0, SEEK_SET);
			bld_key_file(k, s->name, &s->st, content);
			continue;
		}
		content[0] = '\0';
		if (S_ISREG(s->st.st_mode)) {
			fd = open(fd_path(s->fd, path, sizeof(path)), O_RDONLY | O_CLOEXEC);
			if (fd < 0 || digest_fd(fd, content, err) < 0) {
				if (fd >= 0)
					close(fd);
				return fd < 0 ? mc_fail(err, errno, "open %s", s->path) : -1;
			}
			close(fd);
		}
		bld_key_file(k, s->name, &s->st, content[0] ? content : NULL);
		if (S_ISDIR(s->st.st_mode) && key_tree(c, k, s->fd, s->path, "", err) < 0)
			return -1;
	}
	return 0;
}

/* ---- the destination ------------------------------------------------------------------------- */

int bld_mkdir_in_root(int root, const char *path, uid_t uid, gid_t gid, struct mc_error *err)
{
	char clean[PATH_MAX], prefix[PATH_MAX] = "";
	int fd = mc_open_in_root(root, ".", O_RDONLY | O_DIRECTORY, 0, MC_RESOLVE_AUTO, err);

	bld_clean_path(path, clean, sizeof(clean));
	for (char *p = clean, *end; fd >= 0 && *p != '\0'; p = *end ? end + 1 : end) {
		int next;

		end = p + strcspn(p, "/");
		snprintf(prefix + strlen(prefix), sizeof(prefix) - strlen(prefix), "%s%.*s",
		         prefix[0] ? "/" : "", (int)(end - p), p);
		next =
		    mc_open_in_root(root, prefix, O_RDONLY | O_DIRECTORY, 0, MC_RESOLVE_AUTO, err);
		if (next < 0 && err->errnum == ENOENT) {
			char name[NAME_MAX + 1];

			/* Missing: make it in its parent (fd, already resolved inside the root). */
			snprintf(name, sizeof(name), "%.*s", (int)(end - p), p);
			if (mkdirat(fd, name, 0755) < 0 && errno != EEXIST) {
				mc_fail(err, errno, "mkdir %s", prefix);
			} else {
				fchownat(fd, name, uid, gid, AT_SYMLINK_NOFOLLOW);
				mc_error_clear(err);
				next = mc_open_in_root(root, prefix, O_RDONLY | O_DIRECTORY, 0,
				                       MC_RESOLVE_AUTO, err);
			}
		}
		close(fd);
		fd = next;
	}
	if (fd < 0)
		mc_fail_context(err, "destination %s", path);
	return fd;
}

/* Make room for a new entry: remove what is there (a whole tree, if a directory). */
static int make_room(int dirfd, const char *name, struct mc_error *err)
{
	char path[PATH_MAX];
	struct stat st;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(dirfd, name, 0) < 0 ? mc_fail(err, errno, "remove %s", name) : 0;
	/* /proc/self/fd/N/name: the directory we hold, then a name that is not followed. */
	snprintf(path, sizeof(path), "/proc/self/fd/%d/%s", dirfd, name);
	return mc_remove_tree(path, err);
}

/* Owner, mode and times of a new entry (the mode from --chmod if given). */
static int finish_entry(struct bld_copy *c, int dirfd, const char *name, const struct stat *src,
                        struct mc_error *err)
{
	struct timespec t[2] = {src->st_mtim, src->st_mtim};
	mode_t mode = c->chmod >= 0 ? (mode_t)c->chmod : src->st_mode & 07777;

	if (fchownat(dirfd, name, c->uid, c->gid, AT_SYMLINK_NOFOLLOW) < 0)
		return mc_fail(err, errno, "chown %s", name);
	if (!S_ISLNK(src->st_mode) && fchmodat(dirfd, name, mode, 0) < 0)
		return mc_fail(err, errno, "chmod %s", name);
	if (utimensat(dirfd, name, t, AT_SYMLINK_NOFOLLOW) < 0)
		return mc_fail(err, errno, "set the times of %s", name);
	c->nwritten++;
	return 0;
}

static int copy_data(int in, int out, struct mc_error *err)
{
	for (;;) {
		ssize_t n = sendfile(out, in, NULL, 1 << 30);

		if (n == 0)
			return 0;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return mc_fail(err, errno, "copy");
	}
}

static int write_new_file(int dirfd, const char *name, int in, const char *data, size_t len,
                          struct mc_error *err)
{
	int out = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	int rc = 0;

	if (out < 0)
		return mc_fail(err, errno, "create %s", name);
	if (in >= 0)
		rc = copy_data(in, out, err);
	else if (write(out, data, len) != (ssize_t)len)
		rc = mc_fail(err, errno, "write %s", name);
	close(out);
	return rc;
}

static int copy_tree(struct bld_copy *c, int src_dir, const char *ctx_path, int dst_dir,
                     struct mc_error *err);

/* One entry of a source tree: src_dir/name -> dst_dir/name. */
static int copy_entry(struct bld_copy *c, int src_dir, const char *name, const char *ctx_path,
                      int dst_dir, struct mc_error *err)
{
	char target[PATH_MAX];
	struct stat st, there;
	ssize_t n;
	int in, sub, dsub, rc;

	if (fstatat(src_dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return mc_fail(err, errno, "stat %s", ctx_path);
	switch (st.st_mode & S_IFMT) {
	case S_IFDIR:
		/* An existing directory is merged into, and keeps its own metadata. */
		if (fstatat(dst_dir, name, &there, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISDIR(there.st_mode)) {
			st.st_nlink = 0; /* mark: not new */
		} else {
			if (make_room(dst_dir, name, err) < 0)
				return -1;
			if (mkdirat(dst_dir, name, 0700) < 0)
				return mc_fail(err, errno, "mkdir %s", ctx_path);
		}
		sub = openat(src_dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		dsub = openat(dst_dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		rc = sub < 0 || dsub < 0 ? mc_fail(err, errno, "open %s", ctx_path)
		                         : copy_tree(c, sub, ctx_path, dsub, err);
		if (sub >= 0)
			close(sub);
		if (dsub >= 0)
			close(dsub);
		if (rc == 0 && st.st_nlink != 0)
			rc = finish_entry(c, dst_dir, name, &st, err);
		return rc;
	case S_IFREG:
		in = open_regular(src_dir, name, &st, err);
		if (in < 0)
			return -1;
		rc = make_room(dst_dir, name, err);
		if (rc == 0)
			rc = write_new_file(dst_dir, name, in, NULL, 0, err);
		close(in);
		break;
	case S_IFLNK:
		n = readlinkat(src_dir, name, target, sizeof(target) - 1);
		if (n < 0)
			return mc_fail(err, errno, "readlink %s", ctx_path);
		target[n] = '\0';
		rc = make_room(dst_dir, name, err);
		if (rc == 0 && symlinkat(target, dst_dir, name) < 0)
			rc = mc_fail(err, errno, "symlink %s", ctx_path);
		break;
	case S_IFIFO:
	case S_IFCHR:
	case S_IFBLK:
		rc = make_room(dst_dir, name, err);
		if (rc == 0 && mknodat(dst_dir, name, st.st_mode & (S_IFMT | 0600), st.st_rdev) < 0)
			rc = mc_fail(err, errno, "mknod %s", ctx_path);
		break;
	default:
		return 0; /* a socket: only a running program can make one */
	}
	return rc < 0 ? -1 : finish_entry(c, dst_dir, name, &st, err);
}

static int copy_tree(struct bld_copy *c, int src_dir, const char *ctx_path, int dst_dir,
                     struct mc_error *err)
{
	struct dirent **list;
	int n = scandirat(src_dir, ".", &list, NULL, alphasort), rc = 0;

	if (n < 0)
		return mc_fail(err, errno, "read %s", ctx_path);
	for (int i = 0; i < n; i++) {
		const char *name = list[i]->d_name;
		char path[PATH_MAX];

		join(path, sizeof(path), ctx_path, name);
		if (rc == 0 && strcmp(name, ".") != 0 && strcmp(name, "..") != 0 &&
		    !(c->ignore != NULL && bld_ignored(c->ignore, path) &&
		      !(list[i]->d_type == DT_DIR && bld_ignore_may_reinclude(c->ignore, path))))
			rc = copy_entry(c, src_dir, name, path, dst_dir, err);
		free(list[i]);
	}
	free(list);
	return rc;
}

/*
 * Layers are plain, gzip or zstd, and chapter 04's extractor reads only
 * those; ADD also takes bzip2 and xz.  Those are decompressed first, into
 * an anonymous file (memfd), with libarchive's in-process filters.
 */
static int plain_copy(int fd, int *out, struct mc_error *err)
{
	struct archive_entry *e;
	struct archive *a = archive_read_new();
	char path[64], buf[65536];
	la_ssize_t n = 0;
	int code;

	*out = -1;
	if (a == NULL)
		return mc_fail(err, ENOMEM, "ADD");
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_bzip2(a);
	archive_read_support_filter_xz(a);
	archive_read_support_filter_zstd(a);
	archive_read_support_format_raw(a);
	if (archive_read_open_filename(a, fd_path(fd, path, sizeof(path)), 65536) != ARCHIVE_OK ||
	    archive_read_next_header(a, &e) != ARCHIVE_OK) {
		mc_fail(err, 0, "%s", archive_error_string(a));
		archive_read_free(a);
		return -1;
	}
	code = archive_filter_code(a, 0);
	if (code == ARCHIVE_FILTER_BZIP2 || code == ARCHIVE_FILTER_XZ) {
		*out = memfd_create("add-archive", MFD_CLOEXEC);
		while (*out >= 0 && (n = archive_read_data(a, buf, sizeof(buf))) > 0)
			if (write(*out, buf, (size_t)n) != n)
				n = -1;
		if (*out < 0 || n < 0) {
			mc_fail(err, errno, "decompress: %s", archive_error_string(a));
			if (*out >= 0)
				close(*out);
			*out = -1;
			archive_read_free(a);
			return -1;
		}
	}
	archive_read_free(a);
	return 0;
}

/* ADD x.tar.gz /dir: unpack it there (chapter 04's extractor, with dir as its root). */
static int unpack(struct bld_copy *c, struct bld_source *s, int dst_dir, struct mc_error *err)
{
	struct img_extract_opts opts = {0};
	char src[64], dst[64];
	int plain, rc;

	if (plain_copy(s->fd, &plain, err) < 0)
		return mc_fail_context(err, "ADD %s", s->path);
	opts.plain_whiteouts = true; /* a tarball is not a layer: .wh. files are files */
	opts.allow_devices = true;
	opts.keep_ownership = geteuid() == 0;
	rc = img_extract_layer(fd_path(plain >= 0 ? plain : s->fd, src, sizeof(src)),
	                       fd_path(dst_dir, dst, sizeof(dst)), &opts, err);
	if (plain >= 0)
		close(plain);
	if (rc < 0)
		return mc_fail_context(err, "ADD %s", s->path);
	c->nwritten++;
	return 0;
}

/* A file source: into dir/name. */
static int copy_file_source(struct bld_copy *c, struct bld_source *s, int dir, const char *name,
                            struct mc_error *err)
{
	char path[64];
	int in, rc;

	if (s->kind == BLD_SRC_INLINE) {
		rc = make_room(dir, name, err);
		if (rc == 0)
			rc = write_new_file(dir, name, -1, s->data, strlen(s->data), err);
		return rc < 0 ? -1 : finish_entry(c, dir, name, &s->st, err);
	}
	if (s->kind == BLD_SRC_URL) {
		lseek(s->fd, 0, SEEK_SET);
		rc = make_room(dir, name, err);
		if (rc == 0)
			rc = write_new_file(dir, name, s->fd, NULL, 0, err);
		return rc < 0 ? -1 : finish_entry(c, dir, name, &s->st, err);
	}
	/* A path: the descriptor is O_PATH; copy_entry wants a parent and a name. */
	if (!S_ISREG(s->st.st_mode)) {
		int parent;
		const char *base;

		parent = mc_open_parent_in_root(c->src_root, s->path, &base, false, MC_RESOLVE_AUTO,
		                                err);
		if (parent < 0)
			return -1;
		rc = copy_entry(c, parent, base, s->path, dir, err);
		close(parent);
		return rc;
	}
	in = open(fd_path(s->fd, path, sizeof(path)), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (in < 0)
		return mc_fail(err, errno, "open %s", s->path);
	rc = make_room(dir, name, err);
	if (rc == 0)
		rc = write_new_file(dir, name, in, NULL, 0, err);
	close(in);
	return rc < 0 ? -1 : finish_entry(c, dir, name, &s->st, err);
}

static bool ends_with_slash(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && (s[n - 1] == '/' || (n >= 2 && strcmp(s + n - 2, "/.") == 0));
}

/* Split "/a/b/c" into the directory "/a/b" and the name "c". */
static int split(const char *path, char *dir, size_t size, char *name, size_t nsize,
                 struct mc_error *err)
{
	char clean[PATH_MAX];
	const char *slash, *base;

	bld_clean_path(path, clean, sizeof(clean));
	slash = strrchr(clean, '/');
	base = slash ? slash + 1 : clean;
	if (strlen(base) >= nsize)
		return mc_fail(err, ENAMETOOLONG, "destination %s", path);
	snprintf(dir, size, "%.*s", slash ? (int)(slash - clean) : 0, clean);
	memcpy(name, base, strlen(base) + 1);
	return 0;
}

static int apply_one(struct bld_copy *c, struct bld_source *s, int dst_root, bool into_dir,
                     struct mc_error *err)
{
	char dir[PATH_MAX], name[NAME_MAX + 1];
	int fd, rc;

	/* A directory's contents, or an archive's, go into the destination directory. */
	if ((s->kind == BLD_SRC_PATH && S_ISDIR(s->st.st_mode)) || s->archive) {
		fd = bld_mkdir_in_root(dst_root, c->dest, c->uid, c->gid, err);
		if (fd < 0)
			return -1;
		if (s->archive) {
			rc = unpack(c, s, fd, err);
		} else {
			int src = open(fd_path(s->fd, dir, sizeof(dir)),
			               O_RDONLY | O_DIRECTORY | O_CLOEXEC);

			rc = src < 0 ? mc_fail(err, errno, "open %s", s->path)
			             : copy_tree(c, src, s->path, fd, err);
			if (src >= 0)
				close(src);
		}
		close(fd);
		return rc;
	}
	/* A file: into the destination if it is a directory, else as the destination. */
	if (!into_dir) {
		fd = mc_open_in_root(dst_root, c->dest, O_PATH | O_DIRECTORY, 0, MC_RESOLVE_AUTO,
		                     err);
		if (fd >= 0) {
			close(fd);
			into_dir = true;
		}
		mc_error_clear(err);
	}
	if (into_dir) {
		snprintf(dir, sizeof(dir), "%s", c->dest);
		snprintf(name, sizeof(name), "%s", s->name);
	} else if (split(c->dest, dir, sizeof(dir), name, sizeof(name), err) < 0) {
		return -1;
	}
	fd = bld_mkdir_in_root(dst_root, dir, c->uid, c->gid, err);
	if (fd < 0)
		return -1;
	rc = copy_file_source(c, s, fd, name, err);
	close(fd);
	return rc;
}

int bld_copy_apply(struct bld_copy *c, int dst_root, struct mc_error *err)
{
	/* Several sources (a pattern may match several files) go into a directory. */
	bool into_dir = ends_with_slash(c->dest) || c->nsrc > 1;

	for (size_t i = 0; i < c->nsrc; i++)
		if (apply_one(c, &c->src[i], dst_root, into_dir, err) < 0)
			return -1;
	mc_trace(CH, "copied %zu entries to %s", c->nwritten, c->dest);
	return 0;
}
