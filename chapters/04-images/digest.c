/* digest.c - see digest.h.  sha256 through OpenSSL's EVP interface. */
#include "img_digest.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct img_hasher {
	EVP_MD_CTX *ctx;
};

struct img_hasher *img_hasher_new(void)
{
	struct img_hasher *h = calloc(1, sizeof(*h));

	if (h == NULL)
		return NULL;
	h->ctx = EVP_MD_CTX_new();
	if (h->ctx == NULL || EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(h->ctx);
		free(h);
		return NULL;
	}
	return h;
}

void img_hasher_update(struct img_hasher *h, const void *data, size_t len)
{
	EVP_DigestUpdate(h->ctx, data, len);
}

void img_hasher_finish(struct img_hasher *h, char out[IMG_DIGEST_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	EVP_DigestFinal_ex(h->ctx, md, &len);
	strcpy(out, "sha256:");
	for (unsigned int i = 0; i < len && i < 32; i++)
		snprintf(out + 7 + 2 * i, 3, "%02x", md[i]);
	EVP_MD_CTX_free(h->ctx);
	free(h);
}

void img_digest_buffer(const void *data, size_t len, char out[IMG_DIGEST_LEN + 1])
{
	struct img_hasher *h = img_hasher_new();

	img_hasher_update(h, data, len);
	img_hasher_finish(h, out);
}

int img_digest_file(const char *path, char out[IMG_DIGEST_LEN + 1], uint64_t *size,
                    struct mc_error *err)
{
	struct img_hasher *h;
	char buf[65536];
	uint64_t total = 0;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return mc_fail(err, errno, "open %s", path);
	h = img_hasher_new();
	if (h == NULL) {
		close(fd);
		return mc_fail(err, ENOMEM, "sha256");
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		img_hasher_update(h, buf, (size_t)n);
		total += (uint64_t)n;
	}
	img_hasher_finish(h, out);
	close(fd);
	if (n < 0)
		return mc_fail(err, errno, "read %s", path);
	if (size != NULL)
		*size = total;
	return 0;
}

bool img_digest_valid(const char *text)
{
	/* EXERCISE 04.1 digest-valid (1 point): Recognise a digest
	 * Tests: test_digest_of_known_text test_reference_errors
	 *
	 * Return true only for "sha256:" followed by exactly 64 lowercase
	 * hexadecimal digits (IMG_DIGEST_LEN characters in all).  Anything
	 * else - NULL, another algorithm, upper case, too short or too long -
	 * is not a digest this store accepts.
	 */
	/* BEGIN SOLUTION */
	if (text == NULL || strncmp(text, "sha256:", 7) != 0 || strlen(text) != IMG_DIGEST_LEN)
		return false;
	for (const char *p = text + 7; *p != '\0'; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return true;
	/* END SOLUTION; skeleton: (void)text; return true; */
}

const char *img_digest_hex(const char *digest)
{
	return strncmp(digest, "sha256:", 7) == 0 ? digest + 7 : digest;
}
