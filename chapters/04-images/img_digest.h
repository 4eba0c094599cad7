/*
 * digest.h - chapter 04: content addressing.  Everything in an image is
 * named by the sha256 of its bytes: "sha256:" followed by 64 hex digits.
 */
#ifndef MC_DIGEST_H
#define MC_DIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mc_error.h"

#define IMG_DIGEST_LEN 71 /* "sha256:" + 64 hex digits */

struct img_hasher;

struct img_hasher *img_hasher_new(void);
void img_hasher_update(struct img_hasher *h, const void *data, size_t len);
/* Finish: out gets "sha256:<hex>" (IMG_DIGEST_LEN + 1 bytes); the hasher is freed. */
void img_hasher_finish(struct img_hasher *h, char out[IMG_DIGEST_LEN + 1]);

/* Digest of a buffer. */
void img_digest_buffer(const void *data, size_t len, char out[IMG_DIGEST_LEN + 1]);

/* Digest of a file; *size gets its length. */
int img_digest_file(const char *path, char out[IMG_DIGEST_LEN + 1], uint64_t *size,
                    struct mc_error *err);

/* Is `text` exactly "sha256:" and 64 lowercase hex digits? */
bool img_digest_valid(const char *text);

/* The 64 hex digits of a valid digest. */
const char *img_digest_hex(const char *digest);

#endif
