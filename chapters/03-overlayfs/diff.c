/*
 * diff.c - chapter 03: what did the container change?  (`docker diff`)
 *
 * Everything a container wrote is in its upper directory, so the changes
 * are a walk over it:
 *
 *	a whiteout                     D  deleted
 *	an entry no lower layer has    A  added (and everything below it)
 *	an entry a lower layer has     C  changed (copied up, then modified)
 *	an opaque directory            C, plus D for each lower entry it hides
 *
 * "A lower layer has it" means it is visible in the merged view of the
 * lowers alone: not hidden by a whiteout or an opaque directory in a layer
 * above.  Chapter 06 turns exactly this walk into a new image layer.
 */
#define _GNU_SOURCE
#include "ovl_overlay.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mc_file.h"

static int add_change(struct ovl_diff *diff, char kind, const char *path, struct mc_error *err)
{
	if (diff->count == diff->capacity) {
		size_t cap = diff->capacity ? diff->capacity * 2 : 64;
		struct ovl_change *c = realloc(diff->changes, cap * sizeof(*c));

		if (c == NULL)
			return mc_fail(err, ENOMEM, "diff");
		diff->changes = c;
		diff->capacity = cap;
	}
	diff->changes[diff->count].kind = kind;
	diff->changes[diff->count].path = strdup(path);
	if (diff->changes[diff->count].path == NULL)
		return mc_fail(err, ENOMEM, "diff");
	diff->count++;
	return 0;
}

/*
 * Does `layer` hide the layers beneath it at `rel`, although it does not
 * have `rel` itself?  It does if an ancestor of `rel` in it is a whiteout,
 * not a directory, or an opaque directory.
 */
static bool layer_hides_below(const char *layer, const char *rel)
{
	char path[PATH_MAX];
	size_t base = strlen(layer);
	struct stat st;

	snprintf(path, sizeof(path), "%s%s", layer, rel);
	/* Look at "/a", then "/a/b", ... : each proper ancestor of rel, top down. */
	for (char *p = strchr(path + base + 1, '/'); p != NULL; p = strchr(p + 1, '/')) {
		bool hides;

		*p = '\0';
		if (lstat(path, &st) < 0) {
			*p = '/';
			return false; /* this layer has nothing at or below here */
		}
		hides =
		    ovl_is_whiteout(&st) || !S_ISDIR(st.st_mode) || ovl_is_opaque(AT_FDCWD, path);
		*p = '/';
		if (hides)
			return true;
	}
	return false;
}

/*
 * Is `rel` ("/etc/motd") visible in the merged view of the lowers?  Walk
 * down from the top layer: the first layer that has it decides (a whiteout
 * there means deleted), unless a layer hides everything beneath it first.
 */
static bool visible_in_lowers(const char *const *lowers, size_t nlower, const char *rel)
{
	for (size_t i = nlower; i-- > 0;) {
		char path[PATH_MAX];
		struct stat st;

		snprintf(path, sizeof(path), "%s%s", lowers[i], rel);
		if (lstat(path, &st) == 0)
			return !ovl_is_whiteout(&st);
		if (layer_hides_below(lowers[i], rel))
			return false;
	}
	return false;
}

static bool in_upper(int dirfd, const char *name)
{
	struct stat st;

	return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/* An opaque directory hides what the lowers had there: report those as deleted. */
static int report_hidden(const char *const *lowers, size_t nlower, const char *rel, int dirfd,
                         struct ovl_diff *diff, struct mc_error *err)
{
	for (size_t i = 0; i < nlower; i++) {
		char path[PATH_MAX], child[PATH_MAX];
		struct dirent *e;
		DIR *d;

		snprintf(path, sizeof(path), "%s%s", lowers[i], rel);
		d = opendir(path);
		if (d == NULL)
			continue;
		while ((e = readdir(d)) != NULL) {
			bool seen = false;

			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
			    in_upper(dirfd, e->d_name))
				continue;
			if (mc_path_join(child, sizeof(child), rel, e->d_name, err) < 0) {
				closedir(d);
				return -1;
			}
			if (!visible_in_lowers(lowers, nlower, child))
				continue;
			/* Several layers may have it; report it once. */
			for (size_t k = 0; k < diff->count && !seen; k++)
				seen = diff->changes[k].kind == OVL_DELETED &&
				       strcmp(diff->changes[k].path, child) == 0;
			if (!seen && add_change(diff, OVL_DELETED, child, err) < 0) {
				closedir(d);
				return -1;
			}
		}
		closedir(d);
	}
	return 0;
}

static int walk(int dirfd, const char *rel, const char *const *lowers, size_t nlower,
                bool below_added, struct ovl_diff *diff, struct mc_error *err)
{
	DIR *d = fdopendir(dirfd);
	struct dirent *e;
	int rc = 0;

	if (d == NULL) {
		close(dirfd);
		return mc_fail(err, errno, "read upper directory %s", rel[0] ? rel : "/");
	}
	while (rc == 0 && (e = readdir(d)) != NULL) {
		char path[PATH_MAX];
		struct stat st;
		bool in_lower;
		int sub;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (mc_path_join(path, sizeof(path), rel, e->d_name, err) < 0) {
			rc = -1;
			break;
		}
		if (fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			rc = mc_fail(err, errno, "stat %s", path);
			break;
		}
		if (ovl_is_whiteout(&st)) {
			rc = add_change(diff, OVL_DELETED, path, err);
			continue;
		}
		in_lower = !below_added && visible_in_lowers(lowers, nlower, path);
		rc = add_change(diff, in_lower ? OVL_CHANGED : OVL_ADDED, path, err);
		if (rc < 0 || !S_ISDIR(st.st_mode))
			continue;
		sub = openat(dirfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub >= 0 && in_lower && ovl_is_opaque(dirfd, e->d_name) &&
		    report_hidden(lowers, nlower, path, sub, diff, err) < 0) {
			close(sub);
			rc = -1;
			break;
		}
		if (sub < 0)
			rc = mc_fail(err, errno, "open %s", path);
		else
			rc = walk(sub, path, lowers, nlower, !in_lower, diff, err);
	}
	closedir(d); /* closes dirfd too */
	return rc;
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct ovl_change *)a)->path, ((const struct ovl_change *)b)->path);
}

int ovl_diff(const char *upper, const char *const *lowers, size_t nlower, struct ovl_diff *diff,
             struct mc_error *err)
{
	int fd;

	/* EXERCISE 03.3 diff (3 points): List what a container changed
	 * Tests: test_diff_lists_exactly_the_changes test_diff_of_a_replaced_directory
	 * Needs: 03.1
	 *
	 * Open `upper` as a directory (O_RDONLY | O_DIRECTORY | O_CLOEXEC) and
	 * call walk(fd, "", lowers, nlower, false, diff, err) - it closes the
	 * descriptor.  Then sort diff->changes by path with qsort(3) and the
	 * comparison function by_path(), so the output is in the order
	 * `docker diff` prints.  Return -1 if opening or walking fails.
	 */
	/* BEGIN SOLUTION */
	fd = open(upper, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return mc_fail(err, errno, "open upper directory %s", upper);
	if (walk(fd, "", lowers, nlower, false, diff, err) < 0)
		return -1;
	if (diff->count > 0) /* no changes: no array, and qsort() wants one */
		qsort(diff->changes, diff->count, sizeof(diff->changes[0]), by_path);
	return 0;
	/* END SOLUTION; skeleton: (void)fd; (void)upper; (void)lowers; (void)nlower; (void)diff; (void)err; (void)walk; (void)by_path; return 0; */
}

void ovl_diff_free(struct ovl_diff *diff)
{
	for (size_t i = 0; i < diff->count; i++)
		free(diff->changes[i].path);
	free(diff->changes);
	diff->changes = NULL;
	diff->count = diff->capacity = 0;
}
