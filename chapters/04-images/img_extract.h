/*
 * extract.h - chapter 04: unpack an image layer, safely, whatever it contains.
 *
 * A layer is a tar archive (plain, gzip or zstd) of the files one build step
 * added or changed, with OCI whiteouts for what it deleted:
 *
 *	.wh.NAME        NAME was deleted      -> an overlayfs whiteout (chapter 03)
 *	.wh..wh..opq    the directory was replaced: hide what lower layers had
 *	                                       -> an opaque directory (chapter 03)
 *
 * The archive comes from the network: every name in it is treated as hostile.
 * Nothing may be created, changed or linked outside the layer directory,
 * whether through "..", absolute names, symlinks (a symlink named "." or a
 * chain of them), hard links, or whiteouts.
 */
#ifndef MC_EXTRACT_H
#define MC_EXTRACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "mc_error.h"
#include "mc_resolve.h"

struct img_extract_opts {
	enum mc_resolver resolver; /* how names are resolved inside dest (mc_resolve.h) */
	bool allow_devices;        /* create character/block devices (images may ship /dev nodes) */
	bool keep_ownership;       /* chown to the archive's uid/gid (needs root) */
	bool plain_whiteouts; /* ".wh." names are ordinary files: a tarball, not a layer (ADD) */
	/* For `cp` into a directory that already has files (img_extract_stream): */
	bool keep_kinds; /* a directory is never replaced by a non-directory, nor the reverse */
	bool chown_to;   /* chown everything to uid:gid (instead of keep_ownership) */
	uid_t uid;
	gid_t gid;
	const char *prefix; /* names are under this directory of the root (NULL: the root) */
	char diff_id[72];   /* out: "sha256:<hex>" of the uncompressed tar stream */
	uint64_t size;      /* out: bytes of its files and symlinks (a hard-linked file once) */
};

/*
 * Extract the layer archive at `archive_path` into the existing, empty
 * directory `dest`.  On failure the caller removes `dest`: a half-extracted
 * layer is never used.  opts->diff_id receives the digest of the
 * uncompressed stream, which the caller compares with the image config's
 * rootfs.diff_ids.
 */
int img_extract_layer(const char *archive_path, const char *dest, struct img_extract_opts *opts,
                      struct mc_error *err);

/*
 * Extract a tar stream (plain or compressed) read from `fd` into the
 * directory `rootfd` - under opts->prefix, resolved inside it, when given -
 * over what is there already: `cp` into a container (its root is rootfd, its
 * destination directory the prefix) or into a host directory.  Every name
 * stays inside rootfd, as in img_extract_layer.
 */
int img_extract_stream(int fd, int rootfd, struct img_extract_opts *opts, struct mc_error *err);

/*
 * Enable the decompressors that run inside our process (gzip, zstd, xz,
 * bzip2) on a libarchive reader - and no filter that would spawn a program.
 */
struct archive;
int img_archive_decompressors(struct archive *a, struct mc_error *err);

#endif
