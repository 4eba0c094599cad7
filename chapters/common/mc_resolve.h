/*
 * mc_resolve.h - paths inside a container's root, resolved with that root as "/".
 *
 * The rule of the whole project: no string path joined onto a root
 * filesystem is ever handed to open(2) or mount(2).  A path the image had a
 * say in - a layer's entry names, /proc, /dev, /sys, a volume's target,
 * /etc/hosts - is opened here, inside the root, and the caller works on the
 * descriptor: "..", absolute symlinks, chains of them and /proc/self/fd
 * links can never lead outside.
 *
 *	fd = mc_open_in_root(rootfd, "etc/hosts", O_RDONLY, 0, MC_RESOLVE_AUTO, &err);
 *	fd = mc_open_or_make_in_root(rootfd, "/data", true, &err);
 *	mc_mount_on_fd("proc", fd, "proc", MS_NOSUID, NULL, "ch01", "/proc", NULL, &err);
 */
#ifndef MC_RESOLVE_H
#define MC_RESOLVE_H

#include <stdbool.h>
#include <sys/types.h>

#include "mc_error.h"

/* How paths are resolved (tests force each one). */
enum mc_resolver {
	MC_RESOLVE_AUTO,    /* openat2(RESOLVE_IN_ROOT) when the kernel has it, else the fallback */
	MC_RESOLVE_OPENAT2, /* openat2(2) with RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS (Linux 5.6) */
	MC_RESOLVE_FALLBACK, /* component by component, O_NOFOLLOW, symlinks resolved by hand */
};

/*
 * Open `path` inside the directory `rootfd` as if rootfd were "/".  `flags`
 * as for openat(2); with O_CREAT the last component is created (never
 * through a symlink).  Returns a descriptor, or -1 with err set.
 */
int mc_open_in_root(int rootfd, const char *path, int flags, mode_t mode, enum mc_resolver resolver,
                    struct mc_error *err);

/*
 * Open the directory that contains `path`, inside rootfd - with `create`,
 * making missing parent directories (0755) on the way; *base points into
 * path at the last component.
 */
int mc_open_parent_in_root(int rootfd, const char *path, const char **base, bool create,
                           enum mc_resolver resolver, struct mc_error *err);

/*
 * An O_PATH descriptor of `path` inside rootfd - a mount point, a working
 * directory - made first if it is missing: a directory (dir) or an empty file
 * (a bind mount of a file needs a file to cover).  Symlinks on the way,
 * the last one too, are followed inside the root; the result must be of the
 * kind asked for.
 */
int mc_open_or_make_in_root(int rootfd, const char *path, bool dir, struct mc_error *err);

/*
 * mount(2) onto the place a descriptor names ("/proc/self/fd/N": the kernel
 * mounts on what the descriptor refers to, not on a path it would look up
 * again).  `what` names the target for --trace and errors ("/proc").
 */
int mc_mount_on_fd(const char *source, int fd, const char *fstype, unsigned long flags,
                   const char *data, const char *chapter, const char *what, const char *why,
                   struct mc_error *err);

#endif
