/*
 * volcopy.c - Docker's copy-up: an empty volume mounted where the image has
 * files gets a copy of them first (moby's copyExistingContents and
 * copyOwnership), so that `-v data:/var/lib/app` starts with what the image
 * put there instead of hiding it under an empty directory.
 *
 * The image's side is the container's root: its path is resolved inside
 * that root (chapters/common/resolve.c), and below it every name is opened
 * relative to its directory with O_NOFOLLOW - a symlink is copied as a
 * symlink, never followed, so an image's link to /etc or ../../.. copies the
 * link and reads nothing outside.  Owners, modes, times and extended
 * attributes are kept, as Docker's fs.CopyDir keeps them.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "mc_resolve.h"
#include "mc_trace.h"
#include "mc_volume.h"

static int copy_tree(int src, int dst, struct mc_error *err);

/* The extended attributes of `src` onto `dst` (both open; user.* and security.* alike). */
static void copy_xattrs(int src, int dst)
{
	char names[4096], value[4096];
	ssize_t len = flistxattr(src, names, sizeof(names));

	for (ssize_t i = 0; i < len; i += (ssize_t)strlen(names + i) + 1) {
		ssize_t vlen = fgetxattr(src, names + i, value, sizeof(value));

		if (vlen >= 0)
			fsetxattr(dst, names + i, value, (size_t)vlen, 0);
	}
}

/* Owner, mode (after chown, which clears set-id bits) and times. */
static int copy_meta(int dst, const struct stat *st, const char *name, struct mc_error *err)
{
	struct timespec times[2] = {st->st_atim, st->st_mtim};

	if (fchown(dst, st->st_uid, st->st_gid) < 0 || fchmod(dst, st->st_mode & 07777) < 0 ||
	    futimens(dst, times) < 0)
		return mc_fail(err, errno, "copy-up: %s", name);
	return 0;
}

static int copy_file(int dirfd, const char *name, int dstdir, const struct stat *st,
                     struct mc_error *err)
{
	int in = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), out = -1, rc = -1;
	off_t left = st->st_size;

	if (in < 0)
		return mc_fail(err, errno, "copy-up: open %s", name);
	out = openat(dstdir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0) {
		mc_fail(err, errno, "copy-up: create %s", name);
		goto out;
	}
	while (left > 0) {
		ssize_t n = sendfile(out, in, NULL, (size_t)left);

		if (n <= 0) {
			mc_fail(err, n < 0 ? errno : EIO, "copy-up: copy %s", name);
			goto out;
		}
		left -= n;
	}
	copy_xattrs(in, out);
	rc = copy_meta(out, st, name, err);
out:
	if (out >= 0)
		close(out);
	close(in);
	return rc;
}

static int copy_symlink(int dirfd, const char *name, int dstdir, const struct stat *st,
                        struct mc_error *err)
{
	char target[PATH_MAX];
	struct timespec times[2] = {st->st_atim, st->st_mtim};
	ssize_t n = readlinkat(dirfd, name, target, sizeof(target) - 1);

	if (n < 0)
		return mc_fail(err, errno, "copy-up: readlink %s", name);
	target[n] = '\0';
	/* The link itself, as the image has it: it is resolved later, in the container. */
	if (symlinkat(target, dstdir, name) < 0 ||
	    fchownat(dstdir, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0 ||
	    utimensat(dstdir, name, times, AT_SYMLINK_NOFOLLOW) < 0)
		return mc_fail(err, errno, "copy-up: symlink %s", name);
	return 0;
}

static int copy_dir(int dirfd, const char *name, int dstdir, const struct stat *st,
                    struct mc_error *err)
{
	int src = -1, dst = -1, rc = -1;

	src = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (src < 0 || mkdirat(dstdir, name, 0700) < 0) {
		mc_fail(err, errno, "copy-up: %s", name);
		goto out;
	}
	dst = openat(dstdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dst < 0) {
		mc_fail(err, errno, "copy-up: %s", name);
		goto out;
	}
	if (copy_tree(src, dst, err) < 0)
		goto out;
	copy_xattrs(src, dst);
	rc = copy_meta(dst, st, name, err); /* last: its times after its children */
out:
	if (dst >= 0)
		close(dst);
	if (src >= 0)
		close(src);
	return rc;
}

/* One entry; devices and fifos are made anew, sockets left out (as fs.CopyDir). */
static int copy_entry(int src, const char *name, int dst, struct mc_error *err)
{
	struct stat st;

	if (fstatat(src, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return mc_fail(err, errno, "copy-up: stat %s", name);
	switch (st.st_mode & S_IFMT) {
	case S_IFDIR:
		return copy_dir(src, name, dst, &st, err);
	case S_IFREG:
		return copy_file(src, name, dst, &st, err);
	case S_IFLNK:
		return copy_symlink(src, name, dst, &st, err);
	case S_IFCHR:
	case S_IFBLK:
	case S_IFIFO:
		if (mknodat(dst, name, st.st_mode, st.st_rdev) < 0 ||
		    fchownat(dst, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
			return mc_fail(err, errno, "copy-up: mknod %s", name);
		return 0;
	default:
		return 0;
	}
}

static int copy_tree(int src, int dst, struct mc_error *err)
{
	int fd = dup(src), rc = 0;
	struct dirent *e;
	DIR *d;

	if (fd < 0 || (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return mc_fail(err, errno, "copy-up: read a directory");
	}
	rewinddir(d); /* (a dup shares its offset: another reader may have moved it) */
	while (rc == 0 && (e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			rc = copy_entry(src, e->d_name, dst, err);
	closedir(d);
	return rc;
}

/* Does the directory hold anything? */
static bool is_empty(int dirfd)
{
	int fd = dup(dirfd);
	struct dirent *e;
	bool empty = true;
	DIR *d;

	if (fd < 0 || (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return false;
	}
	rewinddir(d);
	while (empty && (e = readdir(d)) != NULL)
		empty = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
	closedir(d);
	return empty;
}

int mc_volume_copy_up(int rootfd, const char *target, const char *data, struct mc_error *err)
{
	struct mc_error missing;
	struct stat st;
	int src, dst = -1, rc = -1;

	/* Nothing in the image there (or not a directory): nothing to copy (Docker's rule). */
	src = mc_open_in_root(rootfd, target, O_RDONLY | O_DIRECTORY, 0, MC_RESOLVE_AUTO, &missing);
	if (src < 0)
		return 0;
	dst = open(data, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dst < 0 || fstat(src, &st) < 0) {
		mc_fail(err, errno, "copy-up: %s", data);
		goto out;
	}
	/* A volume with files keeps them: the image's are copied into an empty one only. */
	if (!is_empty(dst)) {
		rc = 0;
		goto out;
	}
	mc_trace("capstone", "volume %s is empty: the image's %s copied in (owners, modes kept)",
	         data, target);
	if (!is_empty(src) && copy_tree(src, dst, err) < 0)
		goto out;
	rc = copy_meta(dst, &st, target, err);
out:
	if (dst >= 0)
		close(dst);
	close(src);
	return rc;
}
