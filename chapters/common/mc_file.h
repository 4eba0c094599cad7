/*
 * file.h - small file helpers shared by the chapters (uid maps, cgroup files,
 * state files all boil down to "write this string to that file").
 */
#ifndef MC_FILE_H
#define MC_FILE_H

#include <stddef.h>
#include <sys/types.h>

#include "mc_error.h"

/* Write `data` to an existing file (no O_CREAT), in one write(2) as kernel files want. */
int mc_write_file(const char *path, const char *data, struct mc_error *err);

/* Create (or truncate) a regular file and write `text` to it. */
int mc_create_file(const char *path, const char *text, struct mc_error *err);

/* Read at most size-1 bytes of a file into buf, NUL-terminated; *len gets the length. */
int mc_read_file(const char *path, char *buf, size_t size, size_t *len, struct mc_error *err);

/* buf = "dir/name"; an error (ENAMETOOLONG) instead of a silently cut path. */
int mc_path_join(char *buf, size_t size, const char *dir, const char *name, struct mc_error *err);

/*
 * rm -rf: remove `path` and everything below it, without following symlinks
 * and without crossing into other filesystems (a mount point inside is an
 * error, never a thing to empty).  A missing path is fine.
 */
int mc_remove_tree(const char *path, struct mc_error *err);

/* mkdir -p: create `path` and missing parents with `mode`; existing directories are fine. */
int mc_mkdir_p(const char *path, mode_t mode, struct mc_error *err);

/*
 * Close every descriptor above 2 except the `n` in `keep` (in any order):
 * close_range(2) over the gaps between them.
 */
int mc_close_fds_except(const int *keep, size_t n, struct mc_error *err);

#endif
