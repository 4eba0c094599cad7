/*
 * fuzz_manifest.c - libFuzzer harness: manifests and indexes as a registry
 * or an archive hands them over.  Any input must give a clean error, or
 * descriptors whose digests are valid (they become file names) and a layer
 * list the store can hold; an index must give a valid descriptor or a
 * clean error for every platform asked of it.
 */
#include <stdint.h>
#include <string.h>

#include "img_manifest.h"

static void check_descriptor(const struct img_descriptor *d)
{
	if (!img_digest_valid(d->digest) ||
	    memchr(d->media_type, '\0', sizeof(d->media_type)) == NULL)
		__builtin_trap();
}

static void check_index(const char *text, size_t len)
{
	static const char *const wanted[] = {"linux/amd64", "linux/arm64", "linux/arm/v7",
	                                     "unknown/unknown"};
	struct img_descriptor d;
	struct img_platform p;
	struct mc_error err;
	json_t *doc = img_json_parse(text, len, "index", &err);

	if (doc == NULL)
		return;
	for (size_t i = 0; i < sizeof(wanted) / sizeof(wanted[0]); i++) {
		if (img_platform_parse(wanted[i], &p, &err) < 0)
			__builtin_trap();
		if (img_index_pick(doc, &p, NULL, NULL, &d, &err) == 0)
			check_descriptor(&d);
	}
	(void)img_doc_kind(doc);
	json_decref(doc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct img_manifest m;
	struct img_platform p;
	struct mc_error err;
	char platform[64];

	if (img_manifest_parse(text, size, &m, &err) == 0) {
		if (m.nlayer > IMG_MAX_LAYERS)
			__builtin_trap();
		check_descriptor(&m.config);
		for (size_t i = 0; i < m.nlayer; i++)
			check_descriptor(&m.layers[i]);
		img_manifest_free(&m);
	}
	check_index(text, size);
	/* The first bytes as a --platform value, too. */
	if (size < sizeof(platform)) {
		memcpy(platform, data, size);
		platform[size] = '\0';
		if (img_platform_parse(platform, &p, &err) == 0 &&
		    (p.os[0] == '\0' || p.architecture[0] == '\0'))
			__builtin_trap();
	}
	return 0;
}
