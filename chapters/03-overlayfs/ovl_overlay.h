/*
 * overlay.h - chapter 03: a copy-on-write root filesystem from layers.
 *
 * An image is a stack of read-only layer directories; a container adds one
 * writable directory on top.  overlayfs shows the stack as one tree:
 *
 *	merged/   what the container sees
 *	  upper/  the container's own writes (and whiteouts for deletions)
 *	  lower/  layer N ... layer 1: read-only, shared by every container
 *	work/     overlayfs's scratch space, same filesystem as upper/
 */
#ifndef MC_OVERLAY_H
#define MC_OVERLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include "mc_error.h"

/* How to pass the layers to the kernel (see ovl_mount in overlay.c). */
enum ovl_method {
	OVL_AUTO,        /* the first of the below that works */
	OVL_MOUNT_API,   /* fsopen/fsconfig, one "lowerdir+" per layer (Linux 6.8) */
	OVL_OPTIONS,     /* mount(2) with "lowerdir=a:b:c": limited to one page */
	OVL_SHORT_LINKS, /* mount(2) with short relative symlinks, like Docker's overlay2 l/ */
};

struct ovl_config {
	const char *const *lowers; /* layer directories, LOWEST first, as images list them */
	size_t nlower;
	const char *upper;  /* the writable layer */
	const char *work;   /* empty directory on the same filesystem as upper */
	const char *merged; /* mount point */
	enum ovl_method method;
};

/* Check that overlayfs exists and that upper and work can hold an upper layer. */
int ovl_check_support(const char *upper, const char *work, struct mc_error *err);

int ovl_mount(const struct ovl_config *cfg, struct mc_error *err);
int ovl_umount(const char *merged, struct mc_error *err);

/* Build "lowerdir=TOP:...:BOTTOM,upperdir=U,workdir=W" into buf (used by OVL_OPTIONS). */
int ovl_mount_options(const struct ovl_config *cfg, char *buf, size_t size, struct mc_error *err);

/* whiteout.c: how overlayfs records deletions in an upper (or image) layer. */
int ovl_make_whiteout(int dirfd, const char *name, struct mc_error *err);
int ovl_make_opaque(int dirfd, const char *name, struct mc_error *err);
bool ovl_is_whiteout(const struct stat *st);
bool ovl_is_opaque(int dirfd, const char *name);

/* diff.c: what a container changed, like `docker diff`. */
enum ovl_change_kind { OVL_ADDED = 'A', OVL_CHANGED = 'C', OVL_DELETED = 'D' };

struct ovl_change {
	char kind;  /* 'A', 'C' or 'D' */
	char *path; /* absolute, as seen inside the container: "/etc/hosts" */
};

struct ovl_diff {
	struct ovl_change *changes; /* sorted by path */
	size_t count;
	size_t capacity;
};

int ovl_diff(const char *upper, const char *const *lowers, size_t nlower, struct ovl_diff *diff,
             struct mc_error *err);
void ovl_diff_free(struct ovl_diff *diff);

#endif
