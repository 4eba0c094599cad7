/* file.c - see file.h. */
#define _GNU_SOURCE
#include "mc_file.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int mc_write_file(const char *path, const char *data, struct mc_error *err)
{
	size_t len = strlen(data);
	ssize_t n;
	int fd;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return mc_fail(err, errno, "open %s", path);
	/*
	 * Files like uid_map and cgroup.procs take one write(2) and reject a
	 * second one, so a short write is an error, not something to retry.
	 */
	n = write(fd, data, len);
	if (n < 0 || (size_t)n != len) {
		int saved = n < 0 ? errno : EIO;

		close(fd);
		return mc_fail(err, saved, "write %s", path);
	}
	if (close(fd) < 0)
		return mc_fail(err, errno, "close %s", path);
	return 0;
}

int mc_create_file(const char *path, const char *text, struct mc_error *err)
{
	FILE *f = fopen(path, "we");

	if (f == NULL)
		return mc_fail(err, errno, "create %s", path);
	fputs(text, f);
	if (fclose(f) != 0)
		return mc_fail(err, errno, "write %s", path);
	return 0;
}

int mc_read_file(const char *path, char *buf, size_t size, size_t *len, struct mc_error *err)
{
	size_t used = 0;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return mc_fail(err, errno, "open %s", path);
	while (used + 1 < size && (n = read(fd, buf + used, size - 1 - used)) != 0) {
		if (n < 0) {
			int saved = errno;

			if (saved == EINTR)
				continue;
			close(fd);
			return mc_fail(err, saved, "read %s", path);
		}
		used += n;
	}
	close(fd);
	buf[used] = '\0';
	if (len != NULL)
		*len = used;
	return 0;
}

int mc_mkdir_p(const char *path, mode_t mode, struct mc_error *err)
{
	char buf[PATH_MAX];
	char *p;

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return mc_fail(err, ENAMETOOLONG, "mkdir %s", path);
	/* Create each parent in turn: "/a/b/c" makes "/a", "/a/b", then "/a/b/c". */
	for (p = buf + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return mc_fail(err, errno, "mkdir %s", buf);
		*p = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return mc_fail(err, errno, "mkdir %s", buf);
	return 0;
}

int mc_path_join(char *buf, size_t size, const char *dir, const char *name, struct mc_error *err)
{
	int n = snprintf(buf, size, "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= size)
		return mc_fail(err, ENAMETOOLONG, "path %s/%s", dir, name);
	return 0;
}

static dev_t remove_tree_dev;

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)type;
	(void)ftw;
	if (st->st_dev != remove_tree_dev) {
		errno = EXDEV; /* something is mounted here: stop, touch nothing of it */
		return -1;
	}
	/* Gone already (someone else cleaning up at the same time): fine. */
	if (remove(path) < 0 && errno != ENOENT)
		return -1;
	return 0;
}

int mc_remove_tree(const char *path, struct mc_error *err)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : mc_fail(err, errno, "remove %s", path);
	remove_tree_dev = st.st_dev;
	/* FTW_DEPTH: a directory after its contents; FTW_PHYS: never follow links;
	 * FTW_MOUNT: stay on this filesystem. */
	if (nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) < 0)
		return mc_fail(err, errno, "remove %s", path);
	return 0;
}

static int compare_ints(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

int mc_close_fds_except(const int *keep, size_t n, struct mc_error *err)
{
	int sorted[256];
	unsigned int from = 3;

	if (n > sizeof(sorted) / sizeof(sorted[0]))
		return mc_fail(err, E2BIG, "too many descriptors to keep");
	memcpy(sorted, keep, n * sizeof(int));
	qsort(sorted, n, sizeof(int), compare_ints);
	for (size_t i = 0; i <= n; i++) {
		unsigned int to = i < n ? (unsigned int)sorted[i] : ~0U;

		if (i < n && sorted[i] < 3)
			continue;
		if (to > from && close_range(from, to - 1, 0) < 0)
			return mc_fail(err, errno, "close descriptors %u to %u", from, to - 1);
		if (i < n)
			from = to + 1;
	}
	return 0;
}
