/*
 * pull.c - chapter 04: `docker pull`, step by step.
 *
 *  1. resolve: GET the manifest by tag, offering every media type we read;
 *     an index (multi-platform) leads, by digest, to this platform's
 *     manifest.  Docker Hub's mirrors are tried first, in order.
 *  2. check: a manifest of an image - a config and layers of media types
 *     this store unpacks - and a config whose diff_ids match the layers.
 *  3. download the layers the store lacks, three at a time, each streamed
 *     to disk and verified against its digest (img_registry_fetch_blobs);
 *  4. and unpack each layer as soon as it is stored, in a thread, checked
 *     against its diff_id, while the others still download.
 *  5. store the manifest (and index) and move the tag - only now does the
 *     image become visible.  Anything that fails before leaves no name, and
 *     no blob that was not verified.
 */
#define _GNU_SOURCE
#include "img_registry.h"

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mc_trace.h"

#define CH                 "ch04"
#define PARALLEL_DOWNLOADS 3 /* Docker's max-concurrent-downloads */
#define MT_SCHEMA1         "application/vnd.docker.distribution.manifest.v1"

/* One layer unpacked in a thread, while other layers still download. */
struct unpack_job {
	struct img_store *st;
	const struct img_layer *layer;
	sem_t *slots;
	pthread_t thread;
	bool started, fetched;
	int rc;
	struct mc_error err;
};

struct pull {
	struct img_store *st;
	const struct img_pull_opts *o;
	struct img_ref ref;
	char reference[160]; /* what the manifest is asked for by: the tag or the digest */
	struct img_platform platform;
	struct img_registry *r;
	struct img_fetched top;      /* what the reference names: an index, or a manifest */
	struct img_fetched manifest; /* the image's manifest (when top is an index) */
	bool have_index;
	struct img_manifest m;
	struct img_fetched config;
	struct img_layer *layers; /* m.layers with their diff_ids from the config */
	/* layers to download, and their progress */
	struct img_descriptor *missing;
	size_t nmissing;
	struct timespec *last_report;
	/* layers being unpacked, each in a thread of its own */
	struct unpack_job *jobs;
	sem_t slots; /* at most one unpacking thread per CPU at a time */
	bool have_slots;
};

static void report(const struct pull *p, const char *id, const char *status, uint64_t current,
                   uint64_t total)
{
	struct img_progress ev = {id, status, current, total};

	if (p->o->progress != NULL)
		p->o->progress(&ev, p->o->progress_arg);
}

/* Docker shows a layer by the first 12 hex digits of its digest. */
static const char *short_id(const char *digest, char buf[13])
{
	snprintf(buf, 13, "%.12s", img_digest_hex(digest));
	return buf;
}

/* ---- 1. resolve -------------------------------------------------------------------------------- */

/*
 * What the registry sent: its Content-Type decides (content negotiation);
 * a generic or missing one lets the document's own mediaType decide.  The
 * two must not contradict each other.
 */
static int kind_of(const struct img_fetched *f, json_t **doc, enum img_doc_kind *kind,
                   struct mc_error *err)
{
	const char *declared;

	if (strncmp(f->media_type, MT_SCHEMA1, strlen(MT_SCHEMA1)) == 0)
		return mc_fail(err, 0,
		               "%.19s is a Docker schema 1 manifest: not supported (Docker dropped "
		               "it too); push the image again with a current tool",
		               f->digest);
	*doc = img_json_parse(f->data, f->len, "manifest", err);
	if (*doc == NULL)
		return -1;
	*kind = img_doc_kind(*doc);
	declared = json_string_value(json_object_get(*doc, "mediaType"));
	if (img_is_index_type(f->media_type) || img_is_manifest_type(f->media_type)) {
		if (declared != NULL && strcmp(declared, f->media_type) != 0)
			return mc_fail(err, 0,
			               "the registry sent %s as %s, but it says it is %s: refused",
			               f->digest, f->media_type, declared);
		*kind = img_is_index_type(f->media_type) ? IMG_DOC_INDEX : IMG_DOC_MANIFEST;
	}
	if (*kind == IMG_DOC_OTHER)
		return mc_fail(err, 0, "%s is not an image manifest or index (media type %s)",
		               f->digest, f->media_type[0] ? f->media_type : "none");
	return 0;
}

/* An index: this platform's manifest, fetched by its digest (which checks it). */
static int follow_index(struct pull *p, json_t *index, struct mc_error *err)
{
	struct img_descriptor d;
	char name[100];

	if (img_index_pick(index, &p->platform, NULL, NULL, &d, err) < 0)
		return -1;
	mc_trace(CH, "index %.19s: %s is %.19s", p->top.digest,
	         img_platform_format(&p->platform, name, sizeof(name)), d.digest);
	if (img_is_index_type(d.media_type))
		return mc_fail(err, 0, "%s: an index inside an index is not supported", d.digest);
	if (img_registry_get_manifest(p->r, d.digest, &p->manifest, err) < 0)
		return -1;
	if (p->manifest.len != d.size)
		return mc_fail(err, 0, "manifest %s: %zu bytes, the index says %llu: refused",
		               d.digest, p->manifest.len, (unsigned long long)d.size);
	p->have_index = true;
	return 0;
}

static int resolve(struct pull *p, const struct img_endpoint *ep, struct mc_error *err)
{
	enum img_doc_kind kind = IMG_DOC_OTHER;
	json_t *doc = NULL;
	int rc = -1;

	if (img_registry_open(ep, p->ref.repository, false, &p->o->registry, &p->r, err) < 0 ||
	    img_registry_ping(p->r, err) < 0 ||
	    img_registry_get_manifest(p->r, p->reference, &p->top, err) < 0 ||
	    kind_of(&p->top, &doc, &kind, err) < 0)
		goto out;
	if (kind == IMG_DOC_INDEX) {
		rc = follow_index(p, doc, err);
		goto out;
	}
	/* A single manifest: the top is the image. */
	p->manifest = p->top;
	p->manifest.data = malloc(p->top.len + 1);
	if (p->manifest.data == NULL) {
		mc_fail(err, ENOMEM, "manifest");
		goto out;
	}
	memcpy(p->manifest.data, p->top.data, p->top.len);
	rc = 0;
out:
	json_decref(doc);
	return rc;
}

/* Every endpoint in turn (mirrors first) until one has the image. */
static int resolve_anywhere(struct pull *p, struct mc_error *err)
{
	struct img_endpoint *eps;
	size_t n;
	int rc = -1;

	if (img_endpoints(p->ref.registry, true, &p->o->registry, &eps, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (resolve(p, &eps[i], err) == 0) {
			rc = 0;
			break;
		}
		if (!eps[i].mirror)
			break;
		/* A mirror that is down, or does not have the image: the next one. */
		mc_trace(CH, "mirror %s: %s - trying the next endpoint", eps[i].url, err->msg);
		img_registry_close(p->r);
		p->r = NULL;
		img_fetched_free(&p->top);
		img_fetched_free(&p->manifest);
		p->have_index = false;
	}
	free(eps);
	return rc;
}

/* ---- 2. check -------------------------------------------------------------------------------- */

static bool is_config_type(const char *media_type)
{
	return media_type[0] == '\0' || strcmp(media_type, MT_OCI_CONFIG) == 0 ||
	       strcmp(media_type, MT_DOCKER_CONFIG) == 0;
}

/* A container image: an image config, and layers this store can unpack. */
static int check_manifest(struct pull *p, struct mc_error *err)
{
	if (img_manifest_parse(p->manifest.data, p->manifest.len, &p->m, err) < 0)
		return mc_fail_context(err, "%.19s", p->manifest.digest);
	if (!is_config_type(p->m.config.media_type))
		return mc_fail(err, 0, "%s is not a container image (its config is %s)",
		               p->reference, p->m.config.media_type);
	if (p->m.nlayer == 0)
		return mc_fail(err, 0, "%.19s: an image without layers", p->manifest.digest);
	for (size_t i = 0; i < p->m.nlayer; i++)
		if (!img_is_layer_type(p->m.layers[i].media_type))
			return mc_fail(err, 0,
			               "layer %zu has the media type '%s': not a layer this "
			               "store can unpack",
			               i, p->m.layers[i].media_type);
	return 0;
}

/* The config: from the store if it is there, else from the registry (checked). */
static int get_config(struct pull *p, struct mc_error *err)
{
	json_t *doc, *ids;
	int rc = -1;

	if (img_blob_exists(p->st, p->m.config.digest)) {
		if (img_blob_read(p->st, p->m.config.digest, &p->config.data, &p->config.len, err) <
		    0)
			return -1;
	} else if (img_registry_get_blob(p->r, &p->m.config, IMG_MAX_CONFIG_SIZE, &p->config, err) <
	           0) {
		return mc_fail_context(err, "config");
	}
	doc = json_loadb(p->config.data, p->config.len, 0, NULL);
	ids = json_object_get(json_object_get(doc, "rootfs"), "diff_ids");
	/* Checked before a single layer is downloaded. */
	if (json_array_size(ids) != p->m.nlayer) {
		mc_fail(err, 0, "config %.19s lists %zu diff_ids for %zu layers: refused",
		        p->m.config.digest, json_array_size(ids), p->m.nlayer);
		goto out;
	}
	p->layers = calloc(p->m.nlayer, sizeof(*p->layers));
	if (p->layers == NULL) {
		mc_fail(err, ENOMEM, "pull");
		goto out;
	}
	for (size_t i = 0; i < p->m.nlayer; i++) {
		const char *id = json_string_value(json_array_get(ids, i));
		struct img_layer *l = &p->layers[i];

		if (!img_digest_valid(id)) {
			mc_fail(err, 0, "config %.19s: diff_id %zu is not a digest",
			        p->m.config.digest, i);
			goto out;
		}
		snprintf(l->diff_id, sizeof(l->diff_id), "%s", id);
		snprintf(l->digest, sizeof(l->digest), "%s", p->m.layers[i].digest);
		snprintf(l->media_type, sizeof(l->media_type), "%s", p->m.layers[i].media_type);
		l->size = p->m.layers[i].size;
	}
	rc = 0;
out:
	json_decref(doc);
	return rc;
}

/* ---- 3. and 4. download, and unpack as soon as a layer is there ------------------------------ */

static void *unpack_thread(void *arg)
{
	struct unpack_job *job = arg;

	while (sem_wait(job->slots) < 0 && errno == EINTR)
		;
	job->rc = img_store_unpack_layer(job->st, job->layer, &job->err);
	sem_post(job->slots);
	return NULL;
}

/*
 * Layers are independent directories (overlayfs stacks them later), so
 * they can be unpacked in any order and at the same time: each layer starts
 * as soon as its blob is stored, while the others download.
 */
static void start_unpacking(struct pull *p, const char *digest, bool fetched)
{
	char id[13];

	for (size_t i = 0; i < p->m.nlayer; i++) {
		struct unpack_job *job = &p->jobs[i];

		if (job->started || strcmp(p->layers[i].digest, digest) != 0)
			continue;
		*job = (struct unpack_job){
		    .st = p->st, .layer = &p->layers[i], .slots = &p->slots, .fetched = fetched};
		if (fetched)
			report(p, short_id(digest, id), "Extracting", 0, 0);
		if (pthread_create(&job->thread, NULL, unpack_thread, job) == 0) {
			job->started = true;
		} else {
			/* No thread: unpack here, now. */
			job->rc = img_store_unpack_layer(p->st, job->layer, &job->err);
		}
	}
}

/* Wait for every unpacking thread; report in layer order; the first failure wins. */
static int finish_unpacking(struct pull *p, struct mc_error *err)
{
	char id[13];
	int rc = 0;

	for (size_t i = 0; p->jobs != NULL && i < p->m.nlayer; i++) {
		struct unpack_job *job = &p->jobs[i];

		if (job->started)
			pthread_join(job->thread, NULL);
		job->started = false;
		if (job->rc < 0 && rc == 0) {
			*err = job->err;
			rc = -1;
		}
		if (job->rc == 0 && job->fetched)
			report(p, short_id(p->layers[i].digest, id), "Pull complete", 0, 0);
		job->fetched = false; /* reported once */
	}
	return rc;
}

/* ---- 3. download ----------------------------------------------------------------------------- */

static double seconds_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t->tv_sec) + (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

/* Bytes of missing layer i arrived (or, UINT64_MAX, it is stored): at most 10 reports a second. */
static void on_blob_progress(size_t i, uint64_t bytes, void *arg)
{
	struct pull *p = arg;
	const struct img_descriptor *d = &p->missing[i];
	char id[13];

	short_id(d->digest, id);
	if (bytes == UINT64_MAX) {
		report(p, id, "Verifying Checksum", 0, 0);
		report(p, id, "Download complete", 0, 0);
		start_unpacking(p, d->digest, true);
		return;
	}
	if (bytes < d->size && seconds_since(&p->last_report[i]) < 0.1)
		return;
	clock_gettime(CLOCK_MONOTONIC, &p->last_report[i]);
	report(p, id, "Downloading", bytes, d->size);
}

static int start_jobs(struct pull *p, struct mc_error *err)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	p->jobs = calloc(p->m.nlayer, sizeof(*p->jobs));
	p->missing = calloc(p->m.nlayer, sizeof(*p->missing));
	p->last_report = calloc(p->m.nlayer, sizeof(*p->last_report));
	if (p->jobs == NULL || p->missing == NULL || p->last_report == NULL)
		return mc_fail(err, ENOMEM, "pull");
	if (sem_init(&p->slots, 0, cpus < 1 ? 1 : cpus > 8 ? 8 : (unsigned)cpus) < 0)
		return mc_fail(err, errno, "pull");
	p->have_slots = true;
	return 0;
}

static int download_and_unpack(struct pull *p, struct mc_error *err)
{
	struct mc_error unpack_err;
	char id[13];
	int rc;

	if (start_jobs(p, err) < 0)
		return -1;
	for (size_t i = 0; i < p->m.nlayer; i++) {
		const struct img_descriptor *d = &p->m.layers[i];
		bool again = false;

		/* The same layer twice in one image: fetched once. */
		for (size_t k = 0; k < p->nmissing; k++)
			again = again || strcmp(p->missing[k].digest, d->digest) == 0;
		if (img_blob_exists(p->st, d->digest)) {
			report(p, short_id(d->digest, id), "Already exists", 0, 0);
			start_unpacking(p, d->digest,
			                false); /* a no-op, unless it was never unpacked */
		} else if (!again) {
			report(p, short_id(d->digest, id), "Pulling fs layer", 0, 0);
			p->missing[p->nmissing++] = *d;
		}
	}
	rc = img_registry_fetch_blobs(p->r, p->st, p->missing, p->nmissing, PARALLEL_DOWNLOADS,
	                              on_blob_progress, p, err);
	/* Whatever happened, no thread outlives the download; a download error comes first. */
	if (finish_unpacking(p, &unpack_err) < 0 && rc == 0) {
		*err = unpack_err;
		rc = -1;
	}
	return rc;
}

/* ---- 5. name ------------------------------------------------------------------------------------ */

/* Put a document into the store unless it is there: its digest is checked on the way in. */
static int store_document(struct pull *p, const char *data, size_t len, const char *digest,
                          struct mc_error *err)
{
	if (img_blob_exists(p->st, digest))
		return 0;
	return img_blob_put_buffer(p->st, data, len, digest, NULL, err);
}

static int store_documents(struct pull *p, struct mc_error *err)
{
	if (store_document(p, p->config.data, p->config.len, p->m.config.digest, err) < 0 ||
	    store_document(p, p->manifest.data, p->manifest.len, p->manifest.digest, err) < 0)
		return -1;
	if (p->have_index && store_document(p, p->top.data, p->top.len, p->top.digest, err) < 0)
		return -1;
	return 0;
}

/* The image as the store will read it, from the manifest and config just fetched. */
static int load_image(struct pull *p, struct img_image *img, struct mc_error *err)
{
	if (store_documents(p, err) < 0)
		return -1;
	return img_image_load(p->st, p->manifest.digest, img, err);
}

/* Under the exclusive lock: everything still there (no gc ran meanwhile)?  Then the name. */
static int name_image(struct pull *p, const struct img_image *img, struct mc_error *err)
{
	int rc = -1;

	if (img_store_lock(p->st, true, err) < 0)
		return -1;
	if (store_documents(p, err) < 0 || img_store_unpack(p->st, img, err) < 0)
		goto out;
	for (size_t i = 0; i < img->nlayer; i++)
		if (!img_blob_exists(p->st, img->layers[i].digest)) {
			mc_fail(err, 0, "layer %s was removed during the pull: pull again",
			        img->layers[i].digest);
			goto out;
		}
	rc = img_store_tag(p->st, &p->ref, p->top.digest, p->top.len, err);
out:
	img_store_unlock(p->st);
	return rc;
}

/* Does the store have this very image under this name already? */
static bool up_to_date(struct pull *p)
{
	struct img_image *img = calloc(1, sizeof(*img));
	struct mc_error ignored;
	struct img_tag *tags;
	char full[600];
	size_t n;
	bool same = false;

	img_ref_full(&p->ref, full, sizeof(full));
	if (img == NULL || img_store_list(p->st, &tags, &n, &ignored) < 0) {
		free(img);
		return false;
	}
	for (size_t i = 0; i < n && !same; i++)
		same = strcmp(tags[i].name, full) == 0 &&
		       strcmp(tags[i].manifest_digest, p->top.digest) == 0;
	free(tags);
	/* ... for this platform (an index names several), and can it still read it? */
	if (same && img_image_load(p->st, p->top.digest, img, &ignored) == 0) {
		same = strcmp(img->platform_digest, p->manifest.digest) == 0 &&
		       img_store_unpack(p->st, img, &ignored) == 0;
		img_image_free(img);
	} else {
		same = false;
	}
	free(img);
	return same;
}

static void free_pull(struct pull *p)
{
	struct mc_error ignored;

	finish_unpacking(p, &ignored);
	if (p->have_slots)
		sem_destroy(&p->slots);
	free(p->jobs);
	free(p->layers);
	img_registry_close(p->r);
	img_fetched_free(&p->top);
	img_fetched_free(&p->manifest);
	img_fetched_free(&p->config);
	img_manifest_free(&p->m);
	free(p->missing);
	free(p->last_report);
}

static int start_pull(struct pull *p, const char *name, struct img_pull_result *res,
                      struct mc_error *err)
{
	if (img_ref_parse(name, &p->ref, err) < 0)
		return -1;
	snprintf(p->reference, sizeof(p->reference), "%s",
	         p->ref.digest[0] ? p->ref.digest : p->ref.tag);
	/* With a digest, the tag means nothing (as in Docker): the image is named by the digest. */
	if (p->ref.digest[0] != '\0')
		p->ref.tag[0] = '\0';
	img_ref_full(&p->ref, res->full_name, sizeof(res->full_name));
	if (p->o->platform != NULL)
		return img_platform_parse(p->o->platform, &p->platform, err);
	img_platform_host(&p->platform);
	return 0;
}

int img_pull(struct img_store *st, const char *name, const struct img_pull_opts *opts,
             struct img_pull_result *res, struct mc_error *err)
{
	struct pull p = {.st = st, .o = opts};
	struct img_image *img = calloc(1, sizeof(*img));
	bool locked = false;
	int rc = -1;

	memset(res, 0, sizeof(*res));
	if (img == NULL)
		return mc_fail(err, ENOMEM, "pull");
	if (start_pull(&p, name, res, err) < 0 || resolve_anywhere(&p, err) < 0)
		goto out;
	snprintf(res->digest, sizeof(res->digest), "%s", p.top.digest);
	if (up_to_date(&p)) {
		res->up_to_date = true;
		rc = 0;
		goto out;
	}
	if (check_manifest(&p, err) < 0 || get_config(&p, err) < 0)
		goto out;
	/* Shared: other pulls and runs go on; a garbage collection waits for us. */
	if (img_store_lock(st, false, err) < 0)
		goto out;
	locked = true;
	if (download_and_unpack(&p, err) < 0 || load_image(&p, img, err) < 0)
		goto out;
	img_store_unlock(st);
	locked = false;
	if (name_image(&p, img, err) < 0)
		goto out;
	mc_trace(CH, "pulled %s: %s", res->full_name, res->digest);
	rc = 0;
out:
	if (locked)
		img_store_unlock(st);
	img_image_free(img);
	free(img);
	free_pull(&p);
	return rc;
}
