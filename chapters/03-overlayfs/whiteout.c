/*
 * whiteout.c - chapter 03: how overlayfs writes down a deletion.
 *
 * A read-only lower layer cannot lose a file, so deleting /etc/motd in the
 * container leaves a *whiteout* in the upper layer: a character device with
 * device number 0/0 named motd.  A directory that was removed and made again
 * must not show the lower layer's old contents: it is marked *opaque* with
 * the extended attribute trusted.overlay.opaque = "y".
 *
 * Image layers (chapter 04) spell the same things differently (.wh.motd and
 * .wh..wh..opq files) and are converted to these on extraction.
 */
#define _GNU_SOURCE
#include "ovl_overlay.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "mc_trace.h"

#define CH           "ch03"
#define OPAQUE_XATTR "trusted.overlay.opaque"

int ovl_make_whiteout(int dirfd, const char *name, struct mc_error *err)
{
	/* EXERCISE 03.2 whiteout (2 points): Create a whiteout
	 * Tests: test_whiteout_hides_a_lower_file
	 * Needs: 03.1
	 *
	 * Create `name` in the directory `dirfd` as a whiteout: a character
	 * device (S_IFCHR) with no permission bits and device number 0/0, made
	 * with mknodat(2) and makedev(0, 0).  Report a failure with
	 * mc_fail(err, errno, "whiteout %s", name).
	 */
	/* BEGIN SOLUTION */
	int rc = mknodat(dirfd, name, S_IFCHR | 0000, makedev(0, 0));

	mc_trace_call(CH, rc, "a whiteout: the lower file is hidden",
	              "mknodat(\"%s\", S_IFCHR, makedev(0, 0))", name);
	if (rc < 0)
		return mc_fail(err, errno, "whiteout %s", name);
	return 0;
	/* END SOLUTION; skeleton: (void)dirfd; (void)name; (void)err; return 0; */
}

int ovl_make_opaque(int dirfd, const char *name, struct mc_error *err)
{
	int fd, rc;

	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return mc_fail(err, errno, "open directory %s", name);
	rc = fsetxattr(fd, OPAQUE_XATTR, "y", 1, 0);
	mc_trace_call(CH, rc, "the lower layers' contents of this directory are hidden",
	              "fsetxattr(\"%s\", \"" OPAQUE_XATTR "\", \"y\")", name);
	close(fd);
	if (rc < 0)
		return mc_fail(err, errno,
		               "mark %s opaque (trusted.* xattrs need root and a "
		               "filesystem that stores them)",
		               name);
	return 0;
}

bool ovl_is_whiteout(const struct stat *st)
{
	return S_ISCHR(st->st_mode) && st->st_rdev == makedev(0, 0);
}

bool ovl_is_opaque(int dirfd, const char *name)
{
	char value[4];
	ssize_t n;
	int fd;

	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = fgetxattr(fd, OPAQUE_XATTR, value, sizeof(value));
	close(fd);
	return n == 1 && value[0] == 'y';
}
