/*
 * manifest.c - chapter 04: descriptors, manifests, indexes and platforms
 * (see img_manifest.h).
 *
 * A registry, an archive or a layout hands us JSON that names blobs by
 * digest and size.  Those names become file names in the store and the
 * sizes limit how much we read, so nothing is taken on trust: a digest must
 * be "sha256:" and 64 lowercase hex digits, a size a JSON integer >= 0, a
 * list no longer than the store can hold.
 */
#include "img_manifest.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Image configs and indexes name architectures the way Go does (GOARCH). */
#if defined(__aarch64__)
#define HOST_ARCH    "arm64"
#define HOST_VARIANT "v8"
#elif defined(__arm__)
#define HOST_ARCH    "arm"
#define HOST_VARIANT "v7"
#elif defined(__i386__)
#define HOST_ARCH    "386"
#define HOST_VARIANT ""
#else
#define HOST_ARCH    "amd64"
#define HOST_VARIANT ""
#endif

/* ---- descriptors and media types ------------------------------------------------------ */

int img_descriptor_parse(json_t *j, struct img_descriptor *d, struct mc_error *err)
{
	const char *mt = json_string_value(json_object_get(j, "mediaType"));
	const char *digest = json_string_value(json_object_get(j, "digest"));
	json_t *size = json_object_get(j, "size");

	memset(d, 0, sizeof(*d));
	if (!json_is_object(j))
		return mc_fail(err, 0, "a descriptor is not a JSON object");
	if (!img_digest_valid(digest))
		return mc_fail(err, 0, "a descriptor without a valid sha256 digest");
	if (!json_is_integer(size) || json_integer_value(size) < 0)
		return mc_fail(err, 0, "descriptor %s: no valid size", digest);
	if (mt != NULL && strlen(mt) >= sizeof(d->media_type))
		return mc_fail(err, 0, "descriptor %s: media type too long", digest);
	snprintf(d->media_type, sizeof(d->media_type), "%s", mt ? mt : "");
	snprintf(d->digest, sizeof(d->digest), "%s", digest);
	d->size = (uint64_t)json_integer_value(size);
	return 0;
}

bool img_is_index_type(const char *media_type)
{
	return media_type != NULL &&
	       (strcmp(media_type, MT_OCI_INDEX) == 0 || strcmp(media_type, MT_DOCKER_LIST) == 0);
}

bool img_is_manifest_type(const char *media_type)
{
	return media_type != NULL && (strcmp(media_type, MT_OCI_MANIFEST) == 0 ||
	                              strcmp(media_type, MT_DOCKER_MANIFEST) == 0);
}

bool img_is_layer_type(const char *media_type)
{
	static const char *const types[] = {MT_OCI_LAYER, MT_OCI_LAYER_GZIP, MT_OCI_LAYER_ZSTD,
	                                    MT_DOCKER_LAYER_GZIP, MT_DOCKER_LAYER_PLAIN};

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (media_type != NULL && strcmp(media_type, types[i]) == 0)
			return true;
	return false;
}

enum img_doc_kind img_doc_kind(json_t *doc)
{
	const char *mt = json_string_value(json_object_get(doc, "mediaType"));

	if (!json_is_object(doc))
		return IMG_DOC_OTHER;
	if (mt != NULL)
		return img_is_index_type(mt)      ? IMG_DOC_INDEX
		       : img_is_manifest_type(mt) ? IMG_DOC_MANIFEST
		                                  : IMG_DOC_OTHER;
	/* mediaType is optional in OCI documents: "manifests" makes an index, "config" a manifest. */
	if (json_is_array(json_object_get(doc, "manifests")))
		return IMG_DOC_INDEX;
	if (json_is_object(json_object_get(doc, "config")))
		return IMG_DOC_MANIFEST;
	return IMG_DOC_OTHER;
}

json_t *img_json_parse(const char *text, size_t len, const char *what, struct mc_error *err)
{
	json_error_t jerr;
	json_t *doc;

	if (len > IMG_MAX_MANIFEST_SIZE) {
		mc_fail(err, EFBIG, "%s: larger than %d bytes", what, IMG_MAX_MANIFEST_SIZE);
		return NULL;
	}
	/* JSON_REJECT_DUPLICATES: a key given twice could be read one way here and another
	 * way by the tool that checked the document. */
	doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (doc == NULL)
		mc_fail(err, 0, "%s: invalid JSON (%s)", what, jerr.text);
	return doc;
}

/* ---- manifests ------------------------------------------------------------------------ */

void img_manifest_free(struct img_manifest *m)
{
	free(m->layers);
	m->layers = NULL;
	m->nlayer = 0;
}

static int parse_layers(json_t *layers, struct img_manifest *m, struct mc_error *err)
{
	size_t n = json_array_size(layers);

	if (n > IMG_MAX_LAYERS)
		return mc_fail(err, E2BIG, "%zu layers, at most %d are supported", n,
		               IMG_MAX_LAYERS);
	m->layers = calloc(n + 1, sizeof(*m->layers));
	if (m->layers == NULL)
		return mc_fail(err, ENOMEM, "manifest layers");
	for (size_t i = 0; i < n; i++) {
		if (img_descriptor_parse(json_array_get(layers, i), &m->layers[i], err) < 0)
			return mc_fail_context(err, "layer %zu", i);
		m->nlayer++;
	}
	return 0;
}

int img_manifest_parse(const char *text, size_t len, struct img_manifest *m, struct mc_error *err)
{
	json_t *doc = img_json_parse(text, len, "manifest", err), *version;
	const char *mt;
	int rc = -1;

	memset(m, 0, sizeof(*m));
	if (doc == NULL)
		return -1;
	mt = json_string_value(json_object_get(doc, "mediaType"));
	version = json_object_get(doc, "schemaVersion");
	if (img_doc_kind(doc) != IMG_DOC_MANIFEST) {
		mc_fail(err, 0, "not an image manifest (media type %s)", mt ? mt : "none");
		goto out;
	}
	if (version != NULL && json_integer_value(version) != 2) {
		mc_fail(err, 0, "manifest schemaVersion %lld: only 2 is supported",
		        (long long)json_integer_value(version));
		goto out;
	}
	if (!json_is_array(json_object_get(doc, "layers"))) {
		mc_fail(err, 0, "manifest without a list of layers");
		goto out;
	}
	snprintf(m->media_type, sizeof(m->media_type), "%s", mt ? mt : "");
	if (img_descriptor_parse(json_object_get(doc, "config"), &m->config, err) < 0) {
		mc_fail_context(err, "manifest config");
		goto out;
	}
	if (parse_layers(json_object_get(doc, "layers"), m, err) < 0)
		goto out;
	rc = 0;
out:
	if (rc < 0)
		img_manifest_free(m);
	json_decref(doc);
	return rc;
}

/* ---- platforms ------------------------------------------------------------------------ */

void img_platform_host(struct img_platform *p)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->os, sizeof(p->os), "linux");
	snprintf(p->architecture, sizeof(p->architecture), "%s", HOST_ARCH);
	snprintf(p->variant, sizeof(p->variant), "%s", HOST_VARIANT);
}

/* uname's and Debian's names for Go's: what users type after --platform. */
static void normalize_arch(struct img_platform *p)
{
	static const struct {
		const char *alias, *arch, *variant;
	} aliases[] = {
	    {"x86_64", "amd64", ""}, {"x86-64", "amd64", ""}, {"aarch64", "arm64", ""},
	    {"armhf", "arm", "v7"},  {"armel", "arm", "v6"},  {"i386", "386", ""},
	    {"i686", "386", ""},
	};

	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (strcmp(p->architecture, aliases[i].alias) == 0) {
			snprintf(p->architecture, sizeof(p->architecture), "%s", aliases[i].arch);
			if (p->variant[0] == '\0')
				snprintf(p->variant, sizeof(p->variant), "%s", aliases[i].variant);
		}
	/* arm64 has one variant, and most indexes leave it out. */
	if (strcmp(p->architecture, "arm64") == 0 && strcmp(p->variant, "v8") == 0)
		p->variant[0] = '\0';
}

static bool platform_word(const char *s, size_t len)
{
	if (len == 0 || len >= 32)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
		      s[i] == '-'))
			return false;
	return true;
}

int img_platform_parse(const char *text, struct img_platform *p, struct mc_error *err)
{
	const char *part[3] = {NULL, NULL, NULL};
	size_t len[3] = {0, 0, 0}, n = 0;
	const char *s = text;

	memset(p, 0, sizeof(*p));
	while (n < 3) {
		part[n] = s;
		len[n] = strcspn(s, "/");
		if (!platform_word(s, len[n]))
			return mc_fail(err, 0, "invalid platform '%s' (os/arch[/variant])", text);
		s += len[n++];
		if (*s != '/')
			break;
		s++;
	}
	if (*s != '\0')
		return mc_fail(err, 0, "invalid platform '%s' (os/arch[/variant])", text);
	if (n == 1) {
		/* "arm64": the OS is linux, the only one this program runs containers on. */
		snprintf(p->os, sizeof(p->os), "linux");
		snprintf(p->architecture, sizeof(p->architecture), "%.*s", (int)len[0], part[0]);
	} else {
		snprintf(p->os, sizeof(p->os), "%.*s", (int)len[0], part[0]);
		snprintf(p->architecture, sizeof(p->architecture), "%.*s", (int)len[1], part[1]);
		if (n == 3)
			snprintf(p->variant, sizeof(p->variant), "%.*s", (int)len[2], part[2]);
	}
	normalize_arch(p);
	return 0;
}

const char *img_platform_format(const struct img_platform *p, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s%s%s", p->os, p->architecture, p->variant[0] ? "/" : "",
	         p->variant);
	return buf;
}

/* ---- choosing from an index ----------------------------------------------------------- */

enum match {
	MATCH_NO,          /* another platform, or not an image at all */
	MATCH_YES,         /* this platform */
	MATCH_NO_PLATFORM, /* an image that does not say its platform: a last resort */
};

static enum match entry_matches(json_t *entry, const struct img_platform *want)
{
	/* EXERCISE 04.5 pick-platform (2 points): Choose this machine's image from an index
	 * Tests: test_index_picks_the_platform test_index_skips_attestations
	 *
	 * `entry` is one element of an index's "manifests": a descriptor, maybe
	 * with "platform": {"os", "architecture", "variant"} and "annotations".
	 * Return
	 *   MATCH_NO           for an attestation (BuildKit marks them with the
	 *                      annotation "vnd.docker.reference.type":
	 *                      "attestation-manifest"), and for an entry whose
	 *                      os or architecture differs from `want`'s, or
	 *                      whose variant differs when both `want` and the
	 *                      entry give one (normalize the entry's platform
	 *                      with normalize_arch() first: "aarch64" is arm64);
	 *   MATCH_NO_PLATFORM  for an entry without a "platform" object;
	 *   MATCH_YES          otherwise.
	 */
	/* BEGIN SOLUTION */
	json_t *platform = json_object_get(entry, "platform");
	const char *type = json_string_value(
	    json_object_get(json_object_get(entry, "annotations"), "vnd.docker.reference.type"));
	const char *os, *arch, *variant;
	struct img_platform have;

	if (type != NULL && strcmp(type, "attestation-manifest") == 0)
		return MATCH_NO;
	if (!json_is_object(platform))
		return MATCH_NO_PLATFORM;
	os = json_string_value(json_object_get(platform, "os"));
	arch = json_string_value(json_object_get(platform, "architecture"));
	variant = json_string_value(json_object_get(platform, "variant"));
	if (os == NULL || arch == NULL)
		return MATCH_NO;
	snprintf(have.os, sizeof(have.os), "%s", os);
	snprintf(have.architecture, sizeof(have.architecture), "%s", arch);
	snprintf(have.variant, sizeof(have.variant), "%s", variant ? variant : "");
	normalize_arch(&have);
	if (strcmp(have.os, want->os) != 0 || strcmp(have.architecture, want->architecture) != 0)
		return MATCH_NO;
	if (want->variant[0] != '\0' && have.variant[0] != '\0' &&
	    strcmp(want->variant, have.variant) != 0)
		return MATCH_NO;
	return MATCH_YES;
	/* END SOLUTION; skeleton: (void)entry; (void)want; (void)normalize_arch; return MATCH_YES; */
}

int img_index_pick(json_t *index, const struct img_platform *want, img_usable_fn usable, void *arg,
                   struct img_descriptor *out, struct mc_error *err)
{
	json_t *list = json_object_get(index, "manifests"), *fallback = NULL;
	char name[100];

	if (!json_is_array(list))
		return mc_fail(err, 0, "an index without a list of manifests");
	for (size_t i = 0; i < json_array_size(list); i++) {
		json_t *entry = json_array_get(list, i);
		const char *digest = json_string_value(json_object_get(entry, "digest"));
		enum match m = entry_matches(entry, want);

		if (m == MATCH_NO || (usable != NULL && !usable(digest, arg)))
			continue;
		if (m == MATCH_YES)
			return img_descriptor_parse(entry, out, err);
		if (fallback == NULL)
			fallback = entry;
	}
	if (fallback != NULL)
		return img_descriptor_parse(fallback, out, err);
	/* Docker's words, so that what users search for finds the answer. */
	return mc_fail(err, 0, "no matching manifest for %s in the manifest list entries",
	               img_platform_format(want, name, sizeof(name)));
}
