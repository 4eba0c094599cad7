/*
 * bld_layer.h - chapter 06: an upper directory becomes an image layer.
 *
 * Whatever a build step changed is in its overlay's upper directory
 * (chapter 03): new and changed files as they are, deletions as whiteouts,
 * replaced directories marked opaque.  A layer (chapter 04) says the same
 * thing as a tar archive, in the OCI image spec's words:
 *
 *	upper/                         layer.tar
 *	  app/          directory        app/
 *	  app/main.c    file             app/main.c
 *	  etc/motd      char dev 0/0     etc/.wh.motd
 *	  var/cache/    opaque dir       var/cache/  var/cache/.wh..wh..opq
 *
 * The archive is reproducible: entries in sorted order, only the metadata
 * that matters (numeric owner, mode, mtime in whole seconds, file
 * capabilities and user.* attributes), no user or group names, and - with
 * SOURCE_DATE_EPOCH - no mtime later than that.  The same upper always
 * gives the same bytes, so the same diff_id and the same digest.
 */
#ifndef MC_BLD_LAYER_H
#define MC_BLD_LAYER_H

#include <stdbool.h>
#include <stdint.h>

#include "img_store.h"

struct bld_layer_opts {
	bool zstd;          /* tar+zstd instead of tar+gzip */
	int64_t clamp_time; /* >= 0: SOURCE_DATE_EPOCH; later mtimes become this */
	bool keep_upper;    /* a live container's upper (commit): read it, touch nothing */
};

/*
 * Write `upper` as a compressed layer into the store: *layer gets its
 * digest, diff_id, size and media type.  The upper directory itself then
 * becomes the layer's unpacked directory (<store>/layers/<diff_id>), as
 * Docker's overlay2 driver keeps a build step's upper as the layer's "diff"
 * - it is exactly what the archive says.  With o->keep_upper the upper is
 * only read, and the layer unpacked from the archive instead.  *empty is set
 * (and nothing written) when the step changed nothing.  Call with the store
 * locked.
 */
int bld_layer_commit(struct img_store *st, const char *upper, const struct bld_layer_opts *o,
                     struct img_layer *layer, bool *empty, struct mc_error *err);

/* A layer's directory in the store (<store>/layers/<diff_id>), unpacked from its blob if missing. */
int bld_layer_unpack(struct img_store *st, const struct img_layer *layer, struct mc_error *err);

/* Just the archive: write `upper` as an uncompressed tar to fd (tests, commit). */
int bld_layer_write_tar(const char *upper, int fd, int64_t clamp_time, char *diff_id,
                        struct mc_error *err);

#endif
