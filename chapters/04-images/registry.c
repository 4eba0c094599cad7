/*
 * registry.c - chapter 04: the distribution protocol's requests, one
 * function each (see img_registry.h), and where they are sent: which
 * endpoint, over which scheme, trusting which certificates.
 */
#define _GNU_SOURCE
#include "img_registry.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "img_http.h"
#include "mc_file.h"
#include "mc_trace.h"

#define CH          "ch04"
#define HUB         "docker.io"
#define HUB_URL     "https://registry-1.docker.io"
#define CONFIG_FILE "/etc/minicontainer/daemon.json"
#define CERTS_DIR   "/etc/docker/certs.d"

/* Every kind of manifest this client reads, for content negotiation. */
#define ACCEPT_MANIFESTS                                                                           \
	MT_OCI_INDEX ", " MT_OCI_MANIFEST ", " MT_DOCKER_LIST ", " MT_DOCKER_MANIFEST

struct img_registry {
	struct img_endpoint ep;
	char repository[256];
	struct img_http http;
	bool pinged;
};

/* ---- endpoints: mirrors, insecure registries -------------------------------------------- */

static const char *config_path(void)
{
	const char *path = getenv("MC_CONFIG_FILE");

	return path != NULL && path[0] != '\0' ? path : CONFIG_FILE;
}

/* The configuration file, or an empty object when there is none. */
static json_t *load_config(struct mc_error *err)
{
	const char *path = config_path();
	json_error_t jerr;
	json_t *doc;

	if (access(path, F_OK) < 0)
		return json_object();
	doc = json_load_file(path, 0, &jerr);
	if (!json_is_object(doc)) {
		json_decref(doc);
		mc_fail(err, 0, "%s: not a JSON object (%s)", path, jerr.text);
		return NULL;
	}
	return doc;
}

/* "host:port" -> "host" ("[::1]:5000" -> "::1"). */
static void host_of(const char *name, char *out, size_t size)
{
	if (name[0] == '[')
		snprintf(out, size, "%.*s", (int)strcspn(name + 1, "]"), name + 1);
	else
		snprintf(out, size, "%.*s", (int)strcspn(name, ":/"), name);
}

/* Is the literal IPv4 address `host` inside "a.b.c.d/len"? */
static bool in_cidr(const char *host, const char *cidr)
{
	char net[64];
	struct in_addr a, n;
	const char *slash = strchr(cidr, '/');
	long bits;
	uint32_t mask;

	if (slash == NULL || (size_t)(slash - cidr) >= sizeof(net))
		return false;
	snprintf(net, sizeof(net), "%.*s", (int)(slash - cidr), cidr);
	bits = strtol(slash + 1, NULL, 10);
	if (bits < 0 || bits > 32 || inet_pton(AF_INET, host, &a) != 1 ||
	    inet_pton(AF_INET, net, &n) != 1)
		return false;
	mask = bits == 0 ? 0 : htonl(~0u << (32 - bits));
	return (a.s_addr & mask) == (n.s_addr & mask);
}

/*
 * Docker's rule: a registry is insecure - HTTPS without verification, then
 * plain HTTP - if it is on the loopback network (127.0.0.0/8, ::1,
 * localhost) or listed in "insecure-registries" (by name, or an address in
 * a CIDR range).  Names are not resolved to check a range.
 */
static bool is_insecure(const char *name, json_t *config)
{
	json_t *list = json_object_get(config, "insecure-registries");
	char host[256];

	host_of(name, host, sizeof(host));
	if (strcmp(host, "localhost") == 0 || strcmp(host, "::1") == 0 ||
	    in_cidr(host, "127.0.0.0/8"))
		return true;
	for (size_t i = 0; i < json_array_size(list); i++) {
		const char *entry = json_string_value(json_array_get(list, i));

		if (entry != NULL &&
		    (strcmp(entry, name) == 0 || strcmp(entry, host) == 0 || in_cidr(host, entry)))
			return true;
	}
	return false;
}

static int add_endpoint(struct img_endpoint **eps, size_t *n, const struct img_endpoint *ep,
                        struct mc_error *err)
{
	struct img_endpoint *more = realloc(*eps, (*n + 1) * sizeof(**eps));

	if (more == NULL)
		return mc_fail(err, ENOMEM, "endpoints");
	*eps = more;
	more[(*n)++] = *ep;
	return 0;
}

/* A mirror URL: "http(s)://host[:port]" (a path is refused, as by Docker). */
static int add_mirror(const char *url, json_t *config, int tls_verify, struct img_endpoint **eps,
                      size_t *n, struct mc_error *err)
{
	struct img_endpoint ep = {.mirror = true, .explicit_scheme = true};
	const char *host = strstr(url, "://");
	size_t len = strlen(url);

	while (len > 0 && url[len - 1] == '/')
		len--;
	if (host == NULL ||
	    (strncasecmp(url, "http://", 7) != 0 && strncasecmp(url, "https://", 8) != 0) ||
	    memchr(host + 3, '/', len - (size_t)(host + 3 - url)) != NULL || len >= sizeof(ep.url))
		return mc_fail(
		    err, 0, "registry mirror '%s': not a URL of the form https://HOST[:PORT]", url);
	snprintf(ep.url, sizeof(ep.url), "%.*s", (int)len, url);
	snprintf(ep.name, sizeof(ep.name), "%s", ep.url + (host - url) + 3);
	ep.insecure = tls_verify == 0 || (tls_verify < 0 && is_insecure(ep.name, config));
	return add_endpoint(eps, n, &ep, err);
}

static int add_mirrors(json_t *config, int tls_verify, struct img_endpoint **eps, size_t *n,
                       struct mc_error *err)
{
	const char *env = getenv("MC_REGISTRY_MIRRORS");
	json_t *list = json_object_get(config, "registry-mirrors");
	char buf[4096], *save = NULL, *url;

	snprintf(buf, sizeof(buf), "%s", env ? env : "");
	for (url = strtok_r(buf, ", ", &save); url != NULL; url = strtok_r(NULL, ", ", &save))
		if (add_mirror(url, config, tls_verify, eps, n, err) < 0)
			return -1;
	for (size_t i = 0; i < json_array_size(list); i++) {
		const char *s = json_string_value(json_array_get(list, i));

		if (s != NULL && add_mirror(s, config, tls_verify, eps, n, err) < 0)
			return mc_fail_context(err, "%s", config_path());
	}
	return 0;
}

int img_endpoints(const char *registry, bool with_mirrors, const struct img_registry_opts *opts,
                  struct img_endpoint **eps, size_t *n, struct mc_error *err)
{
	struct img_endpoint ep = {0};
	json_t *config = load_config(err);
	int rc = -1;

	*eps = NULL;
	*n = 0;
	if (config == NULL)
		return -1;
	if (strcmp(registry, HUB) == 0 && with_mirrors &&
	    add_mirrors(config, opts->tls_verify, eps, n, err) < 0)
		goto out;
	/* Docker Hub is called docker.io, but its API lives at registry-1.docker.io. */
	snprintf(ep.url, sizeof(ep.url), "%s", strcmp(registry, HUB) == 0 ? HUB_URL : "https://");
	if (strcmp(registry, HUB) != 0)
		snprintf(ep.url + 8, sizeof(ep.url) - 8, "%s", registry);
	snprintf(ep.name, sizeof(ep.name), "%s", registry);
	ep.insecure =
	    opts->tls_verify == 0 || (opts->tls_verify < 0 && is_insecure(registry, config));
	if (add_endpoint(eps, n, &ep, err) < 0)
		goto out;
	rc = 0;
out:
	json_decref(config);
	if (rc < 0) {
		free(*eps);
		*eps = NULL;
		*n = 0;
	}
	return rc;
}

/* ---- a session ------------------------------------------------------------------------------ */

/* --cert-dir, else $MC_CERTS_DIR/NAME, else Docker's /etc/docker/certs.d/NAME. */
static void cert_dir(const struct img_endpoint *ep, const struct img_registry_opts *opts, char *buf,
                     size_t size)
{
	const char *root = getenv("MC_CERTS_DIR");

	if (opts->cert_dir != NULL)
		snprintf(buf, size, "%s", opts->cert_dir);
	else
		snprintf(buf, size, "%s/%s", root && root[0] ? root : CERTS_DIR, ep->name);
}

static void set_scopes(struct img_registry *r, const char *actions)
{
	snprintf(r->http.scopes, sizeof(r->http.scopes), "repository:%s:%s", r->repository,
	         actions);
}

int img_registry_open(const struct img_endpoint *ep, const char *repository, bool push,
                      const struct img_registry_opts *opts, struct img_registry **out,
                      struct mc_error *err)
{
	struct img_registry *r = calloc(1, sizeof(*r));
	char certs[PATH_MAX];

	*out = NULL;
	if (r == NULL)
		return mc_fail(err, ENOMEM, "registry");
	r->ep = *ep;
	snprintf(r->repository, sizeof(r->repository), "%s", repository);
	cert_dir(ep, opts, certs, sizeof(certs));
	if (img_http_init(&r->http, ep->url, ep->name, !ep->insecure, certs, err) < 0) {
		free(r);
		return -1;
	}
	set_scopes(r, push ? "pull,push" : "pull");
	if (opts->username != NULL) {
		snprintf(r->http.cred.username, sizeof(r->http.cred.username), "%s",
		         opts->username);
		snprintf(r->http.cred.password, sizeof(r->http.cred.password), "%s",
		         opts->password ? opts->password : "");
		snprintf(r->http.cred.source, sizeof(r->http.cred.source), "the command line");
		r->http.cred.found = true;
	} else if (img_credentials_find(ep->name, repository, &r->http.cred, err) < 0) {
		img_registry_close(r);
		return -1;
	}
	if (r->http.cred.found)
		mc_trace(CH, "credentials for %s: from %s", ep->name, r->http.cred.source);
	*out = r;
	return 0;
}

void img_registry_close(struct img_registry *r)
{
	if (r == NULL)
		return;
	img_http_cleanup(&r->http);
	free(r);
}

void img_registry_add_scope(struct img_registry *r, const char *repository)
{
	size_t used = strlen(r->http.scopes);

	snprintf(r->http.scopes + used, sizeof(r->http.scopes) - used, " repository:%s:pull",
	         repository);
}

void img_fetched_free(struct img_fetched *f)
{
	free(f->data);
	memset(f, 0, sizeof(*f));
}

/* ---- GET /v2/ ----------------------------------------------------------------------------- */

static int ping_once(struct img_registry *r, struct mc_error *err)
{
	struct img_request q = {.method = "GET", .url = "/v2/"};
	int rc = -1;

	if (img_http_do(&r->http, &q, err) < 0)
		goto out;
	if (q.status == 200) {
		rc = 0;
		goto out;
	}
	if (q.status == 404)
		mc_fail(err, 0,
		        "%s is not a registry of the distribution protocol (GET /v2/ → 404)",
		        r->ep.name);
	else
		img_http_status_error(&q, r->ep.name, err);
out:
	img_request_reset(&q);
	return rc;
}

int img_registry_ping(struct img_registry *r, struct mc_error *err)
{
	char http[sizeof(r->ep.url)];

	if (r->pinged)
		return 0;
	mc_trace(CH, "%s: %s%s", r->ep.name, r->ep.url,
	         r->ep.insecure ? " (insecure: TLS not verified, plain HTTP allowed)" : "");
	if (ping_once(r, err) < 0) {
		/* Docker's fallback for an insecure registry: HTTPS failed, try HTTP. */
		if (!r->ep.insecure || r->ep.explicit_scheme ||
		    strncmp(r->ep.url, "https://", 8) != 0)
			return -1;
		mc_trace(CH, "  (%s) - an insecure registry: trying plain HTTP", err->msg);
		snprintf(http, sizeof(http), "http://%s", r->ep.url + 8);
		snprintf(r->ep.url, sizeof(r->ep.url), "%s", http);
		img_http_set_base(&r->http, http);
		if (ping_once(r, err) < 0)
			return -1;
	}
	r->pinged = true;
	return 0;
}

/* ---- manifests and small blobs ----------------------------------------------------------- */

/* "application/json; charset=utf-8" -> "application/json" */
static void media_type_of(const char *content_type, char *out, size_t size)
{
	size_t len = strcspn(content_type, "; ");

	snprintf(out, size, "%.*s", (int)(len < size ? len : size - 1), content_type);
}

static int get_small(struct img_registry *r, const char *path, const char *accept, size_t max,
                     struct img_request *q, struct mc_error *err)
{
	memset(q, 0, sizeof(*q));
	q->method = "GET";
	q->accept = accept;
	q->max_body = max;
	if ((size_t)snprintf(q->url, sizeof(q->url), "/v2/%s/%s", r->repository, path) >=
	    sizeof(q->url))
		return mc_fail(err, ENAMETOOLONG, "URL");
	return img_http_do(&r->http, q, err);
}

/* Keep the answer's bytes: they are checked against a digest before anything trusts them. */
static int take_body(struct img_request *q, struct img_fetched *out)
{
	out->data = q->resp_body ? q->resp_body : strdup("");
	out->len = q->resp_len;
	q->resp_body = NULL;
	q->resp_len = 0;
	if (out->data == NULL)
		return -1;
	media_type_of(q->resp_type, out->media_type, sizeof(out->media_type));
	img_digest_buffer(out->data, out->len, out->digest);
	return 0;
}

int img_registry_get_manifest(struct img_registry *r, const char *reference,
                              struct img_fetched *out, struct mc_error *err)
{
	char path[300], message[300];
	struct img_request q;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	snprintf(path, sizeof(path), "manifests/%s", reference);
	if (get_small(r, path, ACCEPT_MANIFESTS, IMG_MAX_MANIFEST_SIZE, &q, err) < 0)
		goto out;
	if (q.status == 404) {
		/* Docker's words: "manifest for busybox:nope not found: manifest unknown". */
		img_http_registry_message(&q, message, sizeof(message));
		mc_fail(err, 0, "manifest for %s/%s%s%s not found%s", r->ep.name, r->repository,
		        img_digest_valid(reference) ? "@" : ":", reference,
		        message[0] ? message : ": 404 Not Found");
		goto out;
	}
	if (q.status != 200) {
		img_http_status_error(&q, reference, err);
		goto out;
	}
	if (take_body(&q, out) < 0) {
		mc_fail(err, ENOMEM, "manifest");
		goto out;
	}
	/* A digest names exactly these bytes; a tag is only as good as the registry's word. */
	if (img_digest_valid(reference) && strcmp(out->digest, reference) != 0) {
		mc_fail(err, 0, "manifest %s: the registry sent content with digest %s: refused",
		        reference, out->digest);
		goto out;
	}
	if (img_digest_valid(q.resp_digest) && strcmp(q.resp_digest, out->digest) != 0) {
		mc_fail(err, 0,
		        "manifest %s: Docker-Content-Digest says %s, the content has %s: refused",
		        reference, q.resp_digest, out->digest);
		goto out;
	}
	rc = 0;
out:
	if (rc < 0)
		img_fetched_free(out);
	img_request_reset(&q);
	return rc;
}

int img_registry_get_blob(struct img_registry *r, const struct img_descriptor *d, size_t max,
                          struct img_fetched *out, struct mc_error *err)
{
	struct img_request q;
	char path[128];
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (d->size > max)
		return mc_fail(err, EFBIG, "blob %s: %llu bytes, more than the %zu allowed",
		               d->digest, (unsigned long long)d->size, max);
	snprintf(path, sizeof(path), "blobs/%s", d->digest);
	if (get_small(r, path, NULL, (size_t)d->size, &q, err) < 0)
		goto out;
	if (q.status != 200) {
		img_http_status_error(&q, d->digest, err);
		goto out;
	}
	if (take_body(&q, out) < 0) {
		mc_fail(err, ENOMEM, "blob");
		goto out;
	}
	if (strcmp(out->digest, d->digest) != 0 || out->len != d->size) {
		mc_fail(err, 0, "blob %s: content has digest %s (%zu bytes): refused", d->digest,
		        out->digest, out->len);
		goto out;
	}
	rc = 0;
out:
	if (rc < 0)
		img_fetched_free(out);
	img_request_reset(&q);
	return rc;
}

/* ---- layers, streamed into the store ------------------------------------------------------- */

struct blob_fetch {
	struct img_request q;
	struct img_blob_writer *w;
	const struct img_descriptor *d;
	struct img_store *st;
	uint64_t offset; /* bytes kept from an earlier attempt */
	size_t index;
	img_blob_progress_fn progress;
	void *arg;
	bool started; /* the first bytes of the answer have been seen */
};

/* A 200 to a Range request: the registry sends it all again, so start from scratch. */
static int restart_writer(struct blob_fetch *f, struct mc_error *err)
{
	img_blob_writer_abort(f->w, false);
	f->w = NULL;
	f->offset = 0;
	return img_blob_writer_open(f->st, f->d->digest, f->d->size, false, &f->w, err);
}

static int blob_sink(struct img_request *q, const char *data, size_t len)
{
	struct blob_fetch *f = q->arg;

	if (!f->started) {
		f->started = true;
		if (f->offset > 0 && q->status == 200 && restart_writer(f, &q->err) < 0)
			return -1;
		if (f->offset > 0 && q->status == 206)
			mc_trace(CH, "  resuming %.19s at byte %llu", f->d->digest,
			         (unsigned long long)f->offset);
	}
	if (img_blob_writer_write(f->w, data, len, &q->err) < 0)
		return -1;
	if (f->progress != NULL)
		f->progress(f->index, f->offset + q->received + len, f->arg);
	return 0;
}

static int blob_done(struct img_request *q)
{
	struct blob_fetch *f = q->arg;
	struct img_blob_writer *w = f->w;

	if (q->status != 200 && q->status != 206)
		return img_http_status_error(q, f->d->digest, &q->err);
	f->w = NULL;
	if (img_blob_writer_commit(w, NULL, NULL, &q->err) < 0)
		return -1;
	if (f->progress != NULL)
		f->progress(f->index, UINT64_MAX, f->arg);
	return 0;
}

static int prepare_fetch(struct img_registry *r, struct blob_fetch *f, struct mc_error *err)
{
	if (img_blob_writer_open(f->st, f->d->digest, f->d->size, true, &f->w, err) < 0)
		return -1;
	f->offset = img_blob_writer_offset(f->w);
	f->q.method = "GET";
	f->q.sink = blob_sink;
	f->q.done = blob_done;
	f->q.arg = f;
	if (f->offset > 0)
		snprintf(f->q.range, sizeof(f->q.range), "bytes=%llu-",
		         (unsigned long long)f->offset);
	snprintf(f->q.url, sizeof(f->q.url), "/v2/%s/blobs/%s", r->repository, f->d->digest);
	return 0;
}

int img_registry_fetch_blobs(struct img_registry *r, struct img_store *st,
                             const struct img_descriptor *blobs, size_t n, size_t parallel,
                             img_blob_progress_fn progress, void *arg, struct mc_error *err)
{
	struct blob_fetch *fetches = calloc(n + 1, sizeof(*fetches));
	struct img_request **reqs = calloc(n + 1, sizeof(*reqs));
	size_t nreq = 0;
	int rc = -1;

	if (fetches == NULL || reqs == NULL) {
		mc_fail(err, ENOMEM, "downloads");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		struct blob_fetch *f = &fetches[i];

		*f = (struct blob_fetch){
		    .d = &blobs[i], .st = st, .index = i, .progress = progress, .arg = arg};
		if (prepare_fetch(r, f, err) < 0)
			goto out;
		/* An earlier attempt got every byte, and died before the rename. */
		if (f->offset == blobs[i].size) {
			f->q.status = 200;
			if (blob_done(&f->q) < 0) {
				*err = f->q.err;
				goto out;
			}
			continue;
		}
		reqs[nreq++] = &f->q;
	}
	rc = img_http_run(&r->http, reqs, nreq, parallel, NULL, NULL, err);
out:
	/* Whatever did not finish keeps its bytes for the next pull. */
	for (size_t i = 0; fetches != NULL && i < n; i++) {
		img_blob_writer_abort(fetches[i].w, true);
		img_request_reset(&fetches[i].q);
	}
	free(fetches);
	free(reqs);
	return rc;
}

/* ---- pushing --------------------------------------------------------------------------------- */

int img_registry_blob_exists(struct img_registry *r, const char *digest, bool *exists,
                             struct mc_error *err)
{
	struct img_request q = {.method = "HEAD"};
	int rc = -1;

	snprintf(q.url, sizeof(q.url), "/v2/%s/blobs/%s", r->repository, digest);
	if (img_http_do(&r->http, &q, err) < 0)
		goto out;
	if (q.status != 200 && q.status != 404) {
		img_http_status_error(&q, digest, err);
		goto out;
	}
	*exists = q.status == 200;
	rc = 0;
out:
	img_request_reset(&q);
	return rc;
}

/* Where the next request of an upload goes: the Location the last answer gave. */
static int next_location(struct img_request *q, char *url, size_t size, struct mc_error *err)
{
	if (q->location[0] == '\0')
		return mc_fail(err, 0, "%s %s: the registry gave no Location for the upload",
		               q->method, q->url);
	if (strlen(q->location) >= size)
		return mc_fail(err, ENAMETOOLONG, "upload location");
	/* A path ("/v2/...") is on the registry; img_http resolves it. */
	memcpy(url, q->location, strlen(q->location) + 1);
	return 0;
}

struct upload {
	struct img_registry *r;
	const struct img_descriptor *d;
	int fd;
	char url[4096];
	uint64_t done; /* bytes the registry has */
	img_blob_progress_fn progress;
	void *arg;
	struct img_request *q; /* the request running, for the progress ticks */
};

static void upload_tick(void *arg)
{
	struct upload *u = arg;

	if (u->progress != NULL && u->q != NULL)
		u->progress(0, u->done + u->q->body.sent, u->arg);
}

/* One request of an upload, with bytes [offset, offset+len) of the blob as its body. */
static int upload_request(struct upload *u, const char *method, const char *query, uint64_t offset,
                          uint64_t len, long want, struct mc_error *err)
{
	struct img_request q = {.method = method};
	char what[100];
	int rc = -1;

	if ((size_t)snprintf(q.url, sizeof(q.url), "%s%s%s", u->url,
	                     query[0] == '\0'      ? ""
	                     : strchr(u->url, '?') ? "&"
	                                           : "?",
	                     query) >= sizeof(q.url)) {
		mc_fail(err, ENAMETOOLONG, "upload URL");
		goto out;
	}
	if (len > 0 || strcmp(method, "PATCH") == 0) {
		q.has_body = true;
		q.body = (struct img_body){.fd = u->fd, .offset = offset, .len = len};
		q.content_type = "application/octet-stream";
	}
	if (strcmp(method, "PATCH") == 0)
		snprintf(q.content_range, sizeof(q.content_range), "%llu-%llu",
		         (unsigned long long)offset, (unsigned long long)(offset + len - 1));
	u->q = &q;
	{
		struct img_request *one[1] = {&q};

		if (img_http_run(&u->r->http, one, 1, 1, upload_tick, u, err) < 0)
			goto out;
	}
	if (q.status != want) {
		snprintf(what, sizeof(what), "upload of %.19s (%s)", u->d->digest, method);
		img_http_status_error(&q, what, err);
		goto out;
	}
	if (want == 202 && next_location(&q, u->url, sizeof(u->url), err) < 0)
		goto out;
	u->done = offset + len;
	rc = 0;
out:
	u->q = NULL;
	img_request_reset(&q);
	return rc;
}

/* POST: start an upload, or (201) mount the blob from another repository of the registry. */
static int start_upload(struct upload *u, const char *mount_from, bool *mounted,
                        struct mc_error *err)
{
	struct img_request q = {.method = "POST"};
	int rc = -1;

	if (mount_from != NULL)
		snprintf(q.url, sizeof(q.url), "/v2/%s/blobs/uploads/?mount=%s&from=%s",
		         u->r->repository, u->d->digest, mount_from);
	else
		snprintf(q.url, sizeof(q.url), "/v2/%s/blobs/uploads/", u->r->repository);
	if (img_http_do(&u->r->http, &q, err) < 0)
		goto out;
	*mounted = mount_from != NULL && q.status == 201;
	if (*mounted) {
		rc = 0;
		goto out;
	}
	if (q.status != 202) {
		img_http_status_error(&q, "start an upload", err);
		goto out;
	}
	rc = next_location(&q, u->url, sizeof(u->url), err);
out:
	img_request_reset(&q);
	return rc;
}

int img_registry_upload_blob(struct img_registry *r, struct img_store *st,
                             const struct img_descriptor *d, const char *mount_from, bool *mounted,
                             img_blob_progress_fn progress, void *arg, struct mc_error *err)
{
	struct upload u = {.r = r, .d = d, .fd = -1, .progress = progress, .arg = arg};
	char path[PATH_MAX], query[100];
	int rc = -1;

	*mounted = false;
	if (img_blob_path(st, d->digest, path, sizeof(path), err) < 0)
		return -1;
	u.fd = open(path, O_RDONLY | O_CLOEXEC);
	if (u.fd < 0)
		return mc_fail(err, errno, "blob %s", d->digest);
	if (start_upload(&u, mount_from, mounted, err) < 0)
		goto out;
	if (*mounted) {
		rc = 0;
		goto out;
	}
	/*
	 * Small blobs go in one PUT (a "monolithic" upload).  Large ones in
	 * PATCHes of IMG_CHUNK_SIZE bytes, each saying with Content-Range where
	 * it belongs, then a PUT without a body that seals the upload.
	 */
	snprintf(query, sizeof(query), "digest=%s", d->digest);
	if (d->size <= IMG_CHUNK_SIZE) {
		rc = upload_request(&u, "PUT", query, 0, d->size, 201, err);
		goto out;
	}
	while (u.done < d->size) {
		uint64_t len =
		    d->size - u.done < IMG_CHUNK_SIZE ? d->size - u.done : IMG_CHUNK_SIZE;

		if (upload_request(&u, "PATCH", "", u.done, len, 202, err) < 0)
			goto out;
	}
	rc = upload_request(&u, "PUT", query, d->size, 0, 201, err);
out:
	close(u.fd);
	return rc;
}

int img_registry_put_manifest(struct img_registry *r, const char *reference, const char *media_type,
                              const char *data, size_t len, char digest_out[IMG_DIGEST_LEN + 1],
                              struct mc_error *err)
{
	struct img_request q = {.method = "PUT", .content_type = media_type, .has_body = true};
	char digest[IMG_DIGEST_LEN + 1];
	int rc = -1;

	q.body = (struct img_body){.data = data, .fd = -1, .len = len};
	snprintf(q.url, sizeof(q.url), "/v2/%s/manifests/%s", r->repository, reference);
	img_digest_buffer(data, len, digest);
	if (img_http_do(&r->http, &q, err) < 0)
		goto out;
	if (q.status != 201) {
		img_http_status_error(&q, "put the manifest", err);
		goto out;
	}
	if (q.resp_digest[0] != '\0' && strcmp(q.resp_digest, digest) != 0) {
		mc_fail(err, 0, "the registry stored the manifest as %s, not %s", q.resp_digest,
		        digest);
		goto out;
	}
	memcpy(digest_out, digest, sizeof(digest));
	rc = 0;
out:
	img_request_reset(&q);
	return rc;
}

/* ---- login ------------------------------------------------------------------------------------ */

int img_login(const char *registry, const struct img_registry_opts *opts, struct mc_error *err)
{
	struct img_endpoint *eps;
	struct img_registry *r = NULL;
	size_t n;
	int rc = -1;

	if (opts->username == NULL || opts->password == NULL)
		return mc_fail(err, 0, "login: a user name and a password are needed");
	if (img_endpoints(registry, false, opts, &eps, &n, err) < 0)
		return -1;
	/*
	 * GET /v2/ with the new credentials: a registry that wants them answers
	 * 401, and the answer to its challenge (a token from its realm, for
	 * which the token server checks them, or Basic) must then give 200.
	 * No repository: the token asked for says only who we are.
	 */
	if (img_registry_open(&eps[0], "", false, opts, &r, err) < 0)
		goto out;
	r->http.scopes[0] = '\0';
	if (img_registry_ping(r, err) < 0)
		goto out;
	if (img_credentials_store(registry, opts->username, opts->password, err) < 0)
		goto out;
	mc_trace(CH, "login to %s: stored in the credentials file", registry);
	rc = 0;
out:
	img_registry_close(r);
	free(eps);
	return rc;
}
