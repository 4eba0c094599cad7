/*
 * push.c - chapter 04: `docker push`, step by step.
 *
 *  1. the image: the store's, under exactly the name given;
 *  2. each layer, then the config: HEAD - does the repository have it?
 *     If not, and another repository of the same registry that this store
 *     pulled or pushed has it, a cross-repository mount (POST ?mount=&from=)
 *     costs no bytes; else upload it (POST, then PUT, with PATCHes first
 *     for a large blob);
 *  3. the manifest, PUT under the tag - last, so that the registry never
 *     holds a manifest naming blobs it does not have.
 */
#define _GNU_SOURCE
#include "img_registry.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mc_trace.h"

#define CH "ch04"

/* A repository of the same registry that holds an image of ours: a source for mounts. */
struct source {
	char repository[256];
	struct img_image *img;
};

struct push {
	struct img_store *st;
	const struct img_pull_opts *o;
	struct img_ref ref;
	struct img_image *img;
	struct img_registry *r;
	struct source *sources;
	size_t nsource;
	char id[13]; /* the layer being pushed, for progress */
	uint64_t total;
	struct timespec last;
};

static void report(const struct push *p, const char *id, const char *status, uint64_t current,
                   uint64_t total)
{
	struct img_progress ev = {id, status, current, total};

	if (p->o->progress != NULL)
		p->o->progress(&ev, p->o->progress_arg);
}

/* The image under exactly this name (Docker: "An image does not exist locally with the tag"). */
static int find_named(struct push *p, struct mc_error *err)
{
	struct img_tag *tags;
	char full[600], familiar[600];
	const char *digest = NULL;
	size_t n;
	int rc;

	img_ref_full(&p->ref, full, sizeof(full));
	if (img_store_list(p->st, &tags, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n && digest == NULL; i++)
		if (strcmp(tags[i].name, full) == 0)
			digest = tags[i].manifest_digest;
	if (digest == NULL)
		rc = mc_fail(err, 0, "An image does not exist locally with the tag: %s",
		             img_ref_familiar_name(&p->ref, familiar, sizeof(familiar)));
	else
		rc = img_image_load(p->st, digest, p->img, err);
	free(tags);
	return rc;
}

/* Images of other repositories on the same registry: where blobs might be mounted from. */
static void find_sources(struct push *p)
{
	struct mc_error ignored;
	struct img_tag *tags;
	struct img_ref ref;
	size_t n;

	if (img_store_list(p->st, &tags, &n, &ignored) < 0)
		return;
	p->sources = calloc(n + 1, sizeof(*p->sources));
	for (size_t i = 0; p->sources != NULL && i < n; i++) {
		struct source *s = &p->sources[p->nsource];

		if (img_ref_parse(tags[i].name, &ref, &ignored) < 0 ||
		    strcmp(ref.registry, p->ref.registry) != 0 ||
		    strcmp(ref.repository, p->ref.repository) == 0)
			continue;
		s->img = calloc(1, sizeof(*s->img));
		if (s->img == NULL ||
		    img_image_load(p->st, tags[i].manifest_digest, s->img, &ignored) < 0) {
			free(s->img);
			s->img = NULL;
			continue;
		}
		snprintf(s->repository, sizeof(s->repository), "%s", ref.repository);
		img_registry_add_scope(p->r, ref.repository);
		p->nsource++;
	}
	free(tags);
}

static const char *mount_source(const struct push *p, const char *digest)
{
	for (size_t i = 0; i < p->nsource; i++)
		for (size_t k = 0; k < p->sources[i].img->nlayer; k++)
			if (strcmp(p->sources[i].img->layers[k].digest, digest) == 0)
				return p->sources[i].repository;
	return NULL;
}

static void on_upload_progress(size_t i, uint64_t bytes, void *arg)
{
	struct push *p = arg;
	struct timespec now;

	(void)i;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if ((double)(now.tv_sec - p->last.tv_sec) + (double)(now.tv_nsec - p->last.tv_nsec) / 1e9 <
	    0.1)
		return;
	p->last = now;
	report(p, p->id, "Pushing", bytes, p->total);
}

/* One blob: there already, mounted, or uploaded.  `shown`: a layer, reported by id. */
static int push_blob(struct push *p, const struct img_descriptor *d, bool shown,
                     struct mc_error *err)
{
	const char *from = mount_source(p, d->digest);
	char status[300];
	bool exists, mounted;

	snprintf(p->id, sizeof(p->id), "%.12s", img_digest_hex(d->digest));
	if (img_registry_blob_exists(p->r, d->digest, &exists, err) < 0)
		return -1;
	if (exists) {
		if (shown)
			report(p, p->id, "Layer already exists", 0, 0);
		return 0;
	}
	p->total = d->size;
	if (img_registry_upload_blob(p->r, p->st, d, from, &mounted,
	                             shown ? on_upload_progress : NULL, p, err) < 0)
		return mc_fail_context(err, "push %.19s", d->digest);
	if (!shown)
		return 0;
	if (mounted)
		snprintf(status, sizeof(status), "Mounted from %s", from);
	report(p, p->id, mounted ? status : "Pushed", 0, 0);
	return 0;
}

static int push_blobs(struct push *p, struct mc_error *err)
{
	struct img_descriptor d;
	char id[13];

	/* Docker lists the layers top first. */
	for (size_t i = p->img->nlayer; i-- > 0;) {
		snprintf(id, sizeof(id), "%.12s", img_digest_hex(p->img->layers[i].digest));
		report(p, id, "Preparing", 0, 0);
	}
	for (size_t i = 0; i < p->img->nlayer; i++) {
		const struct img_layer *l = &p->img->layers[i];

		d = (struct img_descriptor){.size = l->size};
		snprintf(d.digest, sizeof(d.digest), "%s", l->digest);
		snprintf(d.media_type, sizeof(d.media_type), "%s", l->media_type);
		if (push_blob(p, &d, true, err) < 0)
			return -1;
	}
	d = (struct img_descriptor){.size = strlen(p->img->config_json)};
	snprintf(d.digest, sizeof(d.digest), "%s", p->img->config_digest);
	return push_blob(p, &d, false, err);
}

/* The manifest, byte for byte as the store has it, under the tag (or its digest). */
static int push_manifest(struct push *p, struct img_push_result *res, struct mc_error *err)
{
	char *text, media_type[128];
	json_t *doc;
	size_t len;
	int rc;

	if (img_blob_read(p->st, p->img->platform_digest, &text, &len, err) < 0)
		return -1;
	doc = json_loadb(text, len, 0, NULL);
	snprintf(media_type, sizeof(media_type), "%s",
	         json_string_value(json_object_get(doc, "mediaType")) ?: MT_OCI_MANIFEST);
	json_decref(doc);
	snprintf(res->reference, sizeof(res->reference), "%s",
	         p->ref.tag[0] ? p->ref.tag : p->img->platform_digest);
	rc = img_registry_put_manifest(p->r, res->reference, media_type, text, len, res->digest,
	                               err);
	res->size = len;
	free(text);
	return rc;
}

int img_push(struct img_store *st, const char *name, const struct img_pull_opts *opts,
             struct img_push_result *res, struct mc_error *err)
{
	struct push p = {.st = st, .o = opts};
	struct img_endpoint *eps = NULL;
	size_t n;
	int rc = -1;

	memset(res, 0, sizeof(*res));
	p.img = calloc(1, sizeof(*p.img));
	if (p.img == NULL)
		return mc_fail(err, ENOMEM, "push");
	if (img_ref_parse(name, &p.ref, err) < 0)
		goto out;
	snprintf(res->repository, sizeof(res->repository), "%s/%s", p.ref.registry,
	         p.ref.repository);
	/* Shared: a garbage collection must not take blobs away while they are sent. */
	if (img_store_lock(st, false, err) < 0)
		goto out;
	if (find_named(&p, err) < 0 ||
	    img_endpoints(p.ref.registry, false, &opts->registry, &eps, &n, err) < 0 ||
	    img_registry_open(&eps[0], p.ref.repository, true, &opts->registry, &p.r, err) < 0)
		goto unlock;
	find_sources(&p);
	if (img_registry_ping(p.r, err) < 0 || push_blobs(&p, err) < 0 ||
	    push_manifest(&p, res, err) < 0)
		goto unlock;
	mc_trace(CH, "pushed %s: %s", name, res->digest);
	rc = 0;
unlock:
	img_store_unlock(st);
out:
	for (size_t i = 0; i < p.nsource; i++) {
		img_image_free(p.sources[i].img);
		free(p.sources[i].img);
	}
	free(p.sources);
	img_registry_close(p.r);
	img_image_free(p.img);
	free(p.img);
	free(eps);
	return rc;
}
