/*
 * http.c - chapter 04: HTTP for the registry client (see img_http.h).
 *
 * libcurl does the HTTP and TLS; this file decides what is sent where:
 *
 *  - TLS is verified unless the registry is insecure, against the system's
 *    CAs plus the registry's own (the cert directory's *.crt, as Docker's
 *    /etc/docker/certs.d/HOST:PORT/);
 *  - proxies come from the environment (https_proxy, no_proxy - libcurl
 *    reads them), except for loopback addresses, which, as in Docker (Go's
 *    net/http), are never proxied;
 *  - redirects are followed here, not by libcurl: Authorization goes to the
 *    registry's origin (scheme, host, port) only;
 *  - a 401 is answered by fetching a token (Bearer) or by Basic
 *    credentials, and the request is sent once more.
 */
#define _GNU_SOURCE
#include "img_http.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mc_file.h"
#include "mc_trace.h"

#define CH             "ch04"
#define MAX_ERROR_BODY (64 * 1024)
#define MAX_REDIRECTS  10
#define MAX_CA_SIZE    (1024 * 1024)
#define TOKEN_MAX_BODY (64 * 1024)
#define USER_AGENT     "minicontainer (chapter 04)"

/* ---- URLs and origins ----------------------------------------------------------------- */

/* "https://h:1/x" -> scheme "https", authority "h:1" (lowercased host), the rest "/x". */
static bool split_url(const char *url, char *scheme, size_t ssize, char *authority, size_t asize)
{
	const char *sep = strstr(url, "://"), *host, *end;

	if (sep == NULL || (size_t)(sep - url) >= ssize)
		return false;
	snprintf(scheme, ssize, "%.*s", (int)(sep - url), url);
	host = sep + 3;
	end = host + strcspn(host, "/?#");
	if ((size_t)(end - host) >= asize || end == host)
		return false;
	snprintf(authority, asize, "%.*s", (int)(end - host), host);
	for (char *p = authority; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	for (char *p = scheme; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return true;
}

/* The port a URL means, written out: "h" with https is "h:443". */
static void full_authority(const char *scheme, const char *authority, char *out, size_t size)
{
	const char *close = strrchr(authority, ']'), *colon = strrchr(authority, ':');

	if (colon != NULL && (close == NULL || colon > close))
		snprintf(out, size, "%s", authority);
	else
		snprintf(out, size, "%s:%s", authority,
		         strcmp(scheme, "https") == 0 ? "443" : "80");
}

/* Same scheme, host and port: the only place the registry's Authorization may go. */
static bool same_origin(const char *a, const char *b)
{
	char sa[16], sb[16], ha[512], hb[512], fa[600], fb[600];

	if (!split_url(a, sa, sizeof(sa), ha, sizeof(ha)) ||
	    !split_url(b, sb, sizeof(sb), hb, sizeof(hb)))
		return false;
	full_authority(sa, ha, fa, sizeof(fa));
	full_authority(sb, hb, fb, sizeof(fb));
	return strcmp(sa, sb) == 0 && strcmp(fa, fb) == 0;
}

static bool http_scheme(const char *url)
{
	return strncasecmp(url, "http://", 7) == 0 || strncasecmp(url, "https://", 8) == 0;
}

/* localhost, 127.0.0.0/8 and ::1 - never sent through a proxy. */
static bool loopback_url(const char *url)
{
	char scheme[16], authority[512], host[512];

	if (!split_url(url, scheme, sizeof(scheme), authority, sizeof(authority)))
		return false;
	if (authority[0] == '[')
		snprintf(host, sizeof(host), "%.*s", (int)strcspn(authority + 1, "]"),
		         authority + 1);
	else
		snprintf(host, sizeof(host), "%.*s", (int)strcspn(authority, ":"), authority);
	return strcmp(host, "localhost") == 0 || strncmp(host, "127.", 4) == 0 ||
	       strcmp(host, "::1") == 0;
}

/* For --trace: the URL without its query (upload locations carry opaque state there). */
static const char *shown_url(const char *url, char *buf, size_t size)
{
	size_t len = strcspn(url, "?");

	/* A long URL is shown cut short: it is only for reading. */
	if (len > size - 8)
		len = size - 8;
	memcpy(buf, url, len);
	snprintf(buf + len, size - len, "%s", url[len] == '\0' ? "" : "?…");
	return buf;
}

/* ---- TLS material from the cert directory --------------------------------------------- */

static bool has_suffix(const char *name, const char *suffix)
{
	size_t n = strlen(name), s = strlen(suffix);

	return n > s && strcmp(name + n - s, suffix) == 0;
}

static int append_file(const char *path, char **buf, size_t *len, struct mc_error *err)
{
	char chunk[8192];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return mc_fail(err, errno, "open %s", path);
	while ((n = read(fd, chunk, sizeof(chunk))) > 0) {
		char *more =
		    *len + (size_t)n + 2 > MAX_CA_SIZE ? NULL : realloc(*buf, *len + (size_t)n + 2);

		if (more == NULL) {
			close(fd);
			return mc_fail(err, EFBIG, "CA certificates in %s", path);
		}
		*buf = more;
		memcpy(*buf + *len, chunk, (size_t)n);
		*len += (size_t)n;
	}
	close(fd);
	if (n < 0)
		return mc_fail(err, errno, "read %s", path);
	(*buf)[(*len)++] = '\n';
	(*buf)[*len] = '\0';
	return 0;
}

/*
 * Docker's layout of a registry's certificates (certs.d/HOST:PORT/):
 * *.crt are CAs to trust besides the system's; NAME.cert with NAME.key a
 * client certificate.  A missing directory is no error.
 */
static int load_cert_dir(struct img_http *h, const char *dir, struct mc_error *err)
{
	struct dirent *e;
	char path[PATH_MAX];
	DIR *d;
	int rc = 0;

	if (dir == NULL || (d = opendir(dir)) == NULL)
		return 0;
	while (rc == 0 && (e = readdir(d)) != NULL) {
		struct mc_error ignored;

		if (mc_path_join(path, sizeof(path), dir, e->d_name, &ignored) < 0)
			continue;
		if (has_suffix(e->d_name, ".crt")) {
			rc = append_file(path, &h->ca_pem, &h->ca_len, err);
		} else if (has_suffix(e->d_name, ".cert")) {
			snprintf(h->client_cert, sizeof(h->client_cert), "%s", path);
			snprintf(h->client_key, sizeof(h->client_key), "%.*s.key",
			         (int)(strlen(path) - 5), path);
			if (access(h->client_key, R_OK) < 0)
				rc = mc_fail(err, errno, "client certificate %s without its key %s",
				             path, h->client_key);
		}
	}
	closedir(d);
	if (rc == 0 && h->ca_pem != NULL)
		mc_trace(CH, "trusting the CA certificates in %s for %s", dir, h->name);
	return rc;
}

int img_http_init(struct img_http *h, const char *base, const char *name, bool verify,
                  const char *cert_dir, struct mc_error *err)
{
	memset(h, 0, sizeof(*h));
	snprintf(h->base, sizeof(h->base), "%s", base);
	snprintf(h->name, sizeof(h->name), "%s", name);
	h->verify = verify;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		return mc_fail(err, 0, "libcurl could not start%s%s",
		               img_curl_load_error() ? ": " : "", img_curl_load_error() ?: "");
	h->multi = curl_multi_init();
	if (h->multi == NULL) {
		curl_global_cleanup();
		return mc_fail(err, ENOMEM, "libcurl");
	}
	if (load_cert_dir(h, cert_dir, err) < 0) {
		img_http_cleanup(h);
		return -1;
	}
	return 0;
}

static void forget_authorization(struct img_http *h)
{
	if (h->authorization != NULL) {
		explicit_bzero(h->authorization, strlen(h->authorization));
		free(h->authorization);
		h->authorization = NULL;
	}
}

void img_http_cleanup(struct img_http *h)
{
	if (h->multi == NULL)
		return;
	forget_authorization(h);
	img_credentials_wipe(&h->cred);
	free(h->ca_pem);
	curl_multi_cleanup(h->multi);
	h->multi = NULL;
	curl_global_cleanup();
}

void img_http_set_base(struct img_http *h, const char *base)
{
	snprintf(h->base, sizeof(h->base), "%s", base);
}

/* ---- libcurl's callbacks ---------------------------------------------------------------- */

static void copy_value(char *dst, size_t size, const char *value, size_t len, bool *too_long)
{
	if (len >= size) {
		*too_long = true;
		len = size - 1;
	}
	memcpy(dst, value, len);
	dst[len] = '\0';
}

/* One header line of the answer: the status line, or "Name: value". */
static size_t on_header(char *line, size_t size, size_t nmemb, void *arg)
{
	struct img_request *q = arg;
	size_t len = size * nmemb, name_len, value_len;
	const char *colon, *value;

	if (len >= 5 && strncmp(line, "HTTP/", 5) == 0) {
		/* A new answer (after "100 Continue", or a proxy's CONNECT): forget the last. */
		const char *sp = memchr(line, ' ', len);

		q->status = sp ? strtol(sp + 1, NULL, 10) : 0;
		q->resp_type[0] = q->resp_digest[0] = q->location[0] = '\0';
		q->authenticate[0] = q->retry_after[0] = q->ratelimit[0] = '\0';
		return len;
	}
	colon = memchr(line, ':', len);
	if (colon == NULL)
		return len;
	name_len = (size_t)(colon - line);
	value = colon + 1;
	while (value < line + len && (*value == ' ' || *value == '\t'))
		value++;
	value_len = (size_t)(line + len - value);
	while (value_len > 0 && (value[value_len - 1] == '\r' || value[value_len - 1] == '\n' ||
	                         value[value_len - 1] == ' '))
		value_len--;
#define HEADER_IS(name) (name_len == strlen(name) && strncasecmp(line, name, name_len) == 0)
	if (HEADER_IS("Content-Type"))
		copy_value(q->resp_type, sizeof(q->resp_type), value, value_len, &q->header_error);
	else if (HEADER_IS("Docker-Content-Digest"))
		copy_value(q->resp_digest, sizeof(q->resp_digest), value, value_len,
		           &q->header_error);
	else if (HEADER_IS("Location"))
		copy_value(q->location, sizeof(q->location), value, value_len, &q->header_error);
	else if (HEADER_IS("WWW-Authenticate") && q->authenticate[0] == '\0')
		copy_value(q->authenticate, sizeof(q->authenticate), value, value_len,
		           &q->header_error);
	else if (HEADER_IS("Retry-After"))
		copy_value(q->retry_after, sizeof(q->retry_after), value, value_len,
		           &q->header_error);
	else if (HEADER_IS("RateLimit-Remaining"))
		copy_value(q->ratelimit, sizeof(q->ratelimit), value, value_len, &q->header_error);
#undef HEADER_IS
	return len;
}

static bool success(long status)
{
	return status >= 200 && status < 300;
}

/* Body bytes: a 2xx answer to the sink (if any), everything else into memory, bounded. */
static size_t on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct img_request *q = arg;
	size_t len = size * nmemb, max = q->max_body;
	char *more;

	if (success(q->status) && q->sink != NULL) {
		if (q->sink(q, data, len) < 0) {
			q->failed = true;
			return 0; /* libcurl stops the transfer: CURLE_WRITE_ERROR */
		}
		q->received += len;
		return len;
	}
	if (!success(q->status) || max == 0)
		max = MAX_ERROR_BODY;
	if (q->resp_len + len > max) {
		if (!success(q->status))
			return len; /* an error page: its start is enough */
		mc_fail(&q->err, EFBIG, "%s %s: the answer is larger than %zu bytes", q->method,
		        q->url, max);
		q->failed = true;
		return 0;
	}
	more = realloc(q->resp_body, q->resp_len + len + 1);
	if (more == NULL) {
		mc_fail(&q->err, ENOMEM, "%s %s", q->method, q->url);
		q->failed = true;
		return 0;
	}
	q->resp_body = more;
	memcpy(q->resp_body + q->resp_len, data, len);
	q->resp_len += len;
	q->resp_body[q->resp_len] = '\0';
	q->received += len;
	return len;
}

/* The request body, from memory or a file. */
static size_t on_read(char *out, size_t size, size_t nmemb, void *arg)
{
	struct img_body *b = arg;
	size_t want = size * nmemb;
	ssize_t n;

	if (want > b->len - b->sent)
		want = (size_t)(b->len - b->sent);
	if (want == 0)
		return 0;
	if (b->data != NULL) {
		memcpy(out, b->data + b->sent, want);
		n = (ssize_t)want;
	} else {
		n = pread(b->fd, out, want, (off_t)(b->offset + b->sent));
		if (n <= 0)
			return CURL_READFUNC_ABORT;
	}
	b->sent += (uint64_t)n;
	return (size_t)n;
}

/* ---- setting up a request ----------------------------------------------------------------- */

static void free_headers(struct img_request *q)
{
	/* The list may hold the Authorization header: wipe it before it is freed. */
	for (struct curl_slist *s = q->headers; s != NULL; s = s->next)
		explicit_bzero(s->data, strlen(s->data));
	curl_slist_free_all(q->headers);
	q->headers = NULL;
}

static int add_header(struct img_request *q, const char *name, const char *value)
{
	char line[4200];
	struct curl_slist *more;

	snprintf(line, sizeof(line), "%s: %s", name, value);
	more = curl_slist_append(q->headers, line);
	explicit_bzero(line, sizeof(line));
	if (more == NULL)
		return -1;
	q->headers = more;
	return 0;
}

static int set_headers(struct img_http *h, struct img_request *q)
{
	/* libcurl would otherwise ask for "100 Continue" before a large body. */
	struct curl_slist *more = curl_slist_append(NULL, "Expect:");

	if (more == NULL)
		return -1;
	q->headers = more;
	if ((q->accept && add_header(q, "Accept", q->accept) < 0) ||
	    (q->content_type && add_header(q, "Content-Type", q->content_type) < 0) ||
	    (q->range[0] && add_header(q, "Range", q->range) < 0) ||
	    (q->content_range[0] && add_header(q, "Content-Range", q->content_range) < 0))
		return -1;
	/* The registry's Authorization goes to the registry's origin, nowhere else. */
	if (h->authorization != NULL && same_origin(q->url, h->base) &&
	    add_header(q, "Authorization", h->authorization) < 0)
		return -1;
	return 0;
}

static void set_method(CURL *e, struct img_request *q)
{
	if (strcmp(q->method, "HEAD") == 0) {
		curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
	} else if (strcmp(q->method, "POST") == 0) {
		curl_easy_setopt(e, CURLOPT_POST, 1L);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
		                 (curl_off_t)(q->has_body ? q->body.len : 0));
	} else if (strcmp(q->method, "PUT") == 0 || strcmp(q->method, "PATCH") == 0) {
		curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE,
		                 (curl_off_t)(q->has_body ? q->body.len : 0));
		if (strcmp(q->method, "PATCH") == 0)
			curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, "PATCH");
	}
	if (q->has_body || strcmp(q->method, "GET") != 0) {
		q->body.sent = 0;
		curl_easy_setopt(e, CURLOPT_READFUNCTION, on_read);
		curl_easy_setopt(e, CURLOPT_READDATA, &q->body);
	}
}

/* TLS, proxy and time limits: the same for the registry and its token server. */
static void set_transport(struct img_http *h, CURL *e, const char *url)
{
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_USERAGENT, USER_AGENT);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, 30L);
	/* Never hang: less than 1 byte a second for a minute ends the transfer. */
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, 60L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, h->verify ? 1L : 0L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, h->verify ? 2L : 0L);
	if (h->ca_pem != NULL) {
		struct curl_blob blob = {h->ca_pem, h->ca_len, CURL_BLOB_COPY};

		/* The blob replaces the default CA file: keep the system's directory too. */
		curl_easy_setopt(e, CURLOPT_CAINFO_BLOB, &blob);
		if (access("/etc/ssl/certs", F_OK) == 0)
			curl_easy_setopt(e, CURLOPT_CAPATH, "/etc/ssl/certs");
	}
	if (h->client_cert[0] != '\0') {
		curl_easy_setopt(e, CURLOPT_SSLCERT, h->client_cert);
		curl_easy_setopt(e, CURLOPT_SSLKEY, h->client_key);
	}
	if (loopback_url(url))
		curl_easy_setopt(e, CURLOPT_PROXY, "");
}

static int setup(struct img_http *h, struct img_request *q, struct mc_error *err)
{
	char full[sizeof(q->url)];
	CURL *e;

	if (q->url[0] == '/') {
		if (strlen(h->base) + strlen(q->url) >= sizeof(full))
			return mc_fail(err, ENAMETOOLONG, "%s %s: URL too long", q->method, q->url);
		memcpy(full, h->base, strlen(h->base));
		memcpy(full + strlen(h->base), q->url, strlen(q->url) + 1);
		memcpy(q->url, full, sizeof(q->url));
	}
	if (q->easy == NULL && (q->easy = curl_easy_init()) == NULL)
		return mc_fail(err, ENOMEM, "libcurl");
	e = q->easy;
	curl_easy_reset(e);
	free_headers(q);
	free(q->resp_body);
	q->resp_body = NULL;
	q->resp_len = 0;
	q->received = 0;
	q->status = 0;
	q->header_error = false;
	q->curl_error[0] = '\0';
	q->http = h;
	q->auth_generation = h->auth_generation;
	set_transport(h, e, q->url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, q);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, q->curl_error);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, q);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, q);
	set_method(e, q);
	if (set_headers(h, q) < 0)
		return mc_fail(err, ENOMEM, "request headers");
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, q->headers);
	return 0;
}

void img_request_reset(struct img_request *q)
{
	free_headers(q);
	if (q->easy != NULL)
		curl_easy_cleanup(q->easy);
	q->easy = NULL;
	free(q->resp_body);
	q->resp_body = NULL;
	q->resp_len = 0;
}

/* ---- tokens ------------------------------------------------------------------------------ */

/* "?service=S&scope=A&scope=B", each part escaped. */
static int token_url(CURL *e, const struct img_challenge *c, const char *scopes, char *url,
                     size_t size)
{
	char scope_list[2048 + 1024], *save = NULL, *s;
	size_t used;
	char *esc;

	used = (size_t)snprintf(url, size, "%s", c->realm);
	if (c->service[0] != '\0') {
		esc = curl_easy_escape(e, c->service, 0);
		used += (size_t)snprintf(url + used, used < size ? size - used : 0, "%sservice=%s",
		                         strchr(url, '?') ? "&" : "?", esc ? esc : "");
		curl_free(esc);
	}
	/* Our scopes, and the challenge's if it asked for another. */
	snprintf(scope_list, sizeof(scope_list), "%s", scopes);
	if (c->scope[0] != '\0' && strstr(scopes, c->scope) == NULL)
		snprintf(scope_list + strlen(scope_list), sizeof(scope_list) - strlen(scope_list),
		         " %s", c->scope);
	for (s = strtok_r(scope_list, " ", &save); s != NULL; s = strtok_r(NULL, " ", &save)) {
		esc = curl_easy_escape(e, s, 0);
		used += (size_t)snprintf(url + used, used < size ? size - used : 0, "%sscope=%s",
		                         strchr(url, '?') ? "&" : "?", esc ? esc : "");
		curl_free(esc);
	}
	return used < size ? 0 : -1;
}

/*
 * GET a token from the realm (with Basic credentials when we have them):
 * the token protocol of the distribution project (docs/spec/auth/token.md).
 */
static int fetch_token(struct img_http *h, const struct img_challenge *c, struct mc_error *err)
{
	struct img_request q = {.method = "GET", .max_body = TOKEN_MAX_BODY, .no_auth = true};
	struct img_token token;
	char shown[600];
	CURL *e = curl_easy_init();
	CURLcode res;
	int rc = -1;

	if (e == NULL)
		return mc_fail(err, ENOMEM, "libcurl");
	if (!http_scheme(c->realm)) {
		mc_fail(err, 0, "%s: the token realm '%.100s' is not an http(s) URL", h->name,
		        c->realm);
		goto out;
	}
	if (token_url(e, c, h->scopes, q.url, sizeof(q.url)) < 0) {
		mc_fail(err, ENAMETOOLONG, "%s: token URL", h->name);
		goto out;
	}
	q.easy = e;
	set_transport(h, e, q.url);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, q.curl_error);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, &q);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, &q);
	if (h->cred.found) {
		curl_easy_setopt(e, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
		curl_easy_setopt(e, CURLOPT_USERNAME, h->cred.username);
		curl_easy_setopt(e, CURLOPT_PASSWORD, h->cred.password);
	}
	res = curl_easy_perform(e);
	mc_trace(CH, "GET %s (a token%s%s, %s) → %ld", shown_url(q.url, shown, sizeof(shown)),
	         h->scopes[0] ? " for " : "", h->scopes,
	         h->cred.found ? "with the credentials" : "anonymous", q.status);
	if (res != CURLE_OK) {
		mc_fail(err, 0, "%s: token server %s: %s", h->name, shown,
		        q.curl_error[0] ? q.curl_error : curl_easy_strerror(res));
		goto out;
	}
	if (q.status == 401 && h->cred.found) {
		mc_fail(err, 0, "%s: unauthorized: incorrect username or password (from %s)",
		        h->name, h->cred.source);
		goto out;
	}
	if (q.status != 200) {
		img_http_status_error(&q, "token server", err);
		goto out;
	}
	if (img_token_parse(q.resp_body ? q.resp_body : "", q.resp_len, &token, err) < 0) {
		mc_fail_context(err, "%s: token server", h->name);
		goto out;
	}
	forget_authorization(h);
	if (asprintf(&h->authorization, "Bearer %s", token.token) < 0)
		h->authorization = NULL;
	img_token_free(&token);
	if (h->authorization == NULL) {
		mc_fail(err, ENOMEM, "token");
		goto out;
	}
	h->auth_generation++;
	rc = 0;
out:
	if (q.resp_body != NULL)
		explicit_bzero(q.resp_body, q.resp_len);
	img_request_reset(&q);
	return rc;
}

static int use_basic(struct img_http *h, struct mc_error *err)
{
	if (!h->cred.found)
		return mc_fail(err, 0,
		               "%s: unauthorized: authentication required (log in first: "
		               "minicontainer login %s)",
		               h->name, h->name);
	forget_authorization(h);
	h->authorization = img_credentials_basic(&h->cred);
	if (h->authorization == NULL)
		return mc_fail(err, ENOMEM, "authorization");
	mc_trace(CH, "%s asks for Basic authentication: sending the credentials from %s", h->name,
	         h->cred.source);
	h->auth_generation++;
	return 0;
}

int img_http_authenticate(struct img_http *h, const char *challenge, struct mc_error *err)
{
	struct img_challenge c;

	if (img_challenge_parse(challenge, &c, err) < 0)
		return mc_fail_context(err, "%s", h->name);
	if (c.scheme == IMG_AUTH_BASIC)
		return use_basic(h, err);
	mc_trace(CH, "%s asks for a Bearer token: realm %s, service %s", h->name, c.realm,
	         c.service[0] ? c.service : "(none)");
	return fetch_token(h, &c, err);
}

/* ---- running requests ------------------------------------------------------------------- */

enum next {
	DONE,  /* finished: the caller judges the status */
	AGAIN, /* send again (redirected, or now with authorization) */
	FAILED,
};

static enum next follow_redirect(struct img_http *h, struct img_request *q)
{
	char *target = NULL, shown[600];

	curl_easy_getinfo(q->easy, CURLINFO_REDIRECT_URL, &target);
	if (target == NULL || !http_scheme(target)) {
		mc_fail(&q->err, 0, "%s %s: redirected to '%.100s', not an http(s) URL", q->method,
		        shown_url(q->url, shown, sizeof(shown)), target ? target : q->location);
		return FAILED;
	}
	if (++q->redirects > MAX_REDIRECTS) {
		mc_fail(&q->err, 0, "%s %s: more than %d redirects", q->method, shown,
		        MAX_REDIRECTS);
		return FAILED;
	}
	mc_trace(CH, "  → %ld: redirected to %s%s", q->status,
	         shown_url(target, shown, sizeof(shown)),
	         same_origin(target, h->base) ? ""
	                                      : " (another host: the Authorization header stays "
	                                        "behind)");
	snprintf(q->url, sizeof(q->url), "%s", target);
	if (q->status == 303)
		q->method = "GET";
	return AGAIN;
}

static enum next answer_401(struct img_http *h, struct img_request *q)
{
	if (q->no_auth || q->auth_tries++ > 0 || q->authenticate[0] == '\0')
		return DONE; /* the caller reports "unauthorized" */
	/* Another request refreshed the authorization meanwhile: just use it. */
	if (q->auth_generation != h->auth_generation)
		return AGAIN;
	if (img_http_authenticate(h, q->authenticate, &q->err) < 0)
		return FAILED;
	return AGAIN;
}

static enum next finished(struct img_http *h, struct img_request *q, CURLcode res)
{
	char shown[600];

	curl_easy_getinfo(q->easy, CURLINFO_RESPONSE_CODE, &q->status);
	shown_url(q->url, shown, sizeof(shown));
	if (q->failed)
		return FAILED; /* the sink or the body buffer said why */
	if (res != CURLE_OK) {
		mc_fail(&q->err, 0, "%s %s: %s", q->method, shown,
		        q->curl_error[0] ? q->curl_error : curl_easy_strerror(res));
		return FAILED;
	}
	if (q->header_error) {
		mc_fail(&q->err, 0, "%s %s: a header of the answer is too long", q->method, shown);
		return FAILED;
	}
	mc_trace(CH, "%s %s → %ld%s%s", q->method, shown, q->status, q->resp_type[0] ? " " : "",
	         q->resp_type);
	if (q->ratelimit[0] != '\0')
		mc_trace(CH, "  pulls left before the registry's rate limit: %s", q->ratelimit);
	if (q->status >= 300 && q->status < 400 && q->status != 304 && q->location[0] != '\0')
		return follow_redirect(h, q);
	if (q->status == 401)
		return answer_401(h, q);
	return DONE;
}

/* Stop every request still running: a run ends with its first failure. */
static void stop_all(struct img_http *h, struct img_request **reqs, size_t started)
{
	for (size_t i = 0; i < started; i++)
		if (reqs[i]->easy != NULL)
			curl_multi_remove_handle(h->multi, reqs[i]->easy);
}

static int start(struct img_http *h, struct img_request *q, struct mc_error *err)
{
	if (setup(h, q, err) < 0)
		return -1;
	if (curl_multi_add_handle(h->multi, q->easy) != CURLM_OK)
		return mc_fail(err, 0, "libcurl: cannot start %s %s", q->method, q->url);
	return 0;
}

/* A request has finished: send it again, or let its done() judge it. */
static int settle(struct img_http *h, struct img_request *q, CURLcode res, bool *again,
                  struct mc_error *err)
{
	enum next next;

	curl_multi_remove_handle(h->multi, q->easy);
	next = finished(h, q, res);
	*again = next == AGAIN;
	if (next == AGAIN)
		return start(h, q, err);
	if (next == FAILED) {
		*err = q->err;
		return -1;
	}
	if (q->done != NULL && q->done(q) < 0) {
		*err = q->err;
		return -1;
	}
	return 0;
}

int img_http_run(struct img_http *h, struct img_request **reqs, size_t n, size_t parallel,
                 void (*tick)(void *arg), void *tick_arg, struct mc_error *err)
{
	size_t started = 0, finished_count = 0, active = 0;
	int running, rc = -1;

	if (parallel == 0)
		parallel = 1;
	while (finished_count < n) {
		CURLMsg *msg;
		int left;

		while (active < parallel && started < n) {
			if (start(h, reqs[started], err) < 0)
				goto out;
			started++;
			active++;
		}
		if (curl_multi_perform(h->multi, &running) != CURLM_OK) {
			mc_fail(err, 0, "libcurl: transfer failed");
			goto out;
		}
		while ((msg = curl_multi_info_read(h->multi, &left)) != NULL) {
			struct img_request *q = NULL;
			bool again;

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&q);
			if (settle(h, q, msg->data.result, &again, err) < 0)
				goto out;
			if (!again) {
				active--;
				finished_count++;
			}
		}
		if (tick != NULL)
			tick(tick_arg);
		if (finished_count < n &&
		    curl_multi_poll(h->multi, NULL, 0, 100, NULL) != CURLM_OK) {
			mc_fail(err, 0, "libcurl: poll failed");
			goto out;
		}
	}
	rc = 0;
out:
	if (rc < 0)
		stop_all(h, reqs, started);
	return rc;
}

int img_http_do(struct img_http *h, struct img_request *q, struct mc_error *err)
{
	struct img_request *one[1] = {q};

	return img_http_run(h, one, 1, 1, NULL, NULL, err);
}

/* ---- errors the registry reports --------------------------------------------------------- */

/* {"errors": [{"code": "MANIFEST_UNKNOWN", "message": "manifest unknown"}]} -> "manifest unknown" */
void img_http_registry_message(const struct img_request *q, char *buf, size_t size)
{
	json_t *doc = q->resp_body ? json_loadb(q->resp_body, q->resp_len, 0, NULL) : NULL;
	json_t *first = json_array_get(json_object_get(doc, "errors"), 0);
	const char *code = json_string_value(json_object_get(first, "code"));
	const char *message = json_string_value(json_object_get(first, "message"));

	buf[0] = '\0';
	if (code != NULL || message != NULL)
		snprintf(buf, size, ": %s%s%.200s", code ? code : "", code && message ? ": " : "",
		         message ? message : "");
	/* Registry text goes to a terminal: no control characters. */
	for (char *p = buf; *p != '\0'; p++)
		if ((unsigned char)*p < ' ')
			*p = ' ';
	json_decref(doc);
}

int img_http_status_error(const struct img_request *q, const char *what, struct mc_error *err)
{
	char message[300];

	img_http_registry_message(q, message, sizeof(message));
	if (q->status == 429)
		return mc_fail(err, 0,
		               "%s: toomanyrequests: 429 Too Many Requests%s%s%s. The registry "
		               "limits pulls per address: wait, log in (a higher limit), or pull "
		               "through a mirror (registry-mirrors, MC_REGISTRY_MIRRORS)",
		               what, message, q->retry_after[0] ? ", retry after " : "",
		               q->retry_after);
	if (q->status == 401)
		return mc_fail(err, 0,
		               "%s: unauthorized: authentication required (log in first: "
		               "minicontainer login %s)",
		               what, q->http ? q->http->name : "REGISTRY");
	if (q->status == 403)
		return mc_fail(err, 0, "%s: denied: requested access to the resource is denied%s",
		               what, message);
	return mc_fail(err, 0, "%s: the registry answered %ld%s", what, q->status, message);
}
