/*
 * img_http.h - chapter 04: HTTP for the registry client, on libcurl.
 *
 * One `struct img_http` talks to one registry: its base URL, its TLS
 * settings, and its authorization, which it obtains by itself when the
 * registry answers 401 (a token from the realm of a Bearer challenge, or
 * Basic credentials).  Requests run on one libcurl multi handle, several at
 * a time if asked; redirects are followed by hand, so that the
 * Authorization header only ever goes to the registry's own origin - never
 * to the blob storage a registry redirects to.
 */
#ifndef MC_IMG_HTTP_H
#define MC_IMG_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

#include "img_auth.h"
#include "img_credentials.h"
#include "img_digest.h"
#include "mc_error.h"

struct img_http {
	char base[600]; /* "https://127.0.0.1:5000": scheme, host and port of the registry */
	char name[256]; /* the registry's name, for messages */
	bool verify;    /* verify the server's TLS certificate */
	char *ca_pem;   /* extra CA certificates (PEM) from the cert directory, or NULL */
	size_t ca_len;
	char client_cert[4096], client_key[4096]; /* "" when none */
	struct img_credentials cred;
	char *authorization;      /* "Bearer ..." or "Basic ...": a secret */
	unsigned auth_generation; /* counts changes of authorization */
	char scopes[2048];        /* "repository:a/b:pull,push repository:c:pull" */
	CURLM *multi;
};

/* A request body comes from memory or from a range of a file. */
struct img_body {
	const char *data;
	int fd;
	uint64_t offset, len;
	uint64_t sent;
};

struct img_request;
/* Streams a 2xx response body somewhere; returns -1 (with q->err set) to stop the transfer. */
typedef int (*img_sink_fn)(struct img_request *q, const char *data, size_t len);
/* Called when a request has finished (any status); -1 stops every other request of the run. */
typedef int (*img_done_fn)(struct img_request *q);

struct img_request {
	/* what to send */
	const char *method; /* "GET", "HEAD", "POST", "PUT", "PATCH" */
	char url[4096];     /* absolute, or a path on the registry ("/v2/...") */
	const char *accept;
	const char *content_type;
	char range[64];         /* "bytes=N-", for a resumed download */
	char content_range[64]; /* "START-END", for a PATCH */
	struct img_body body;
	bool has_body;
	bool no_auth; /* never answer a 401 (the login check answers it itself) */
	/* where the answer goes */
	img_sink_fn sink; /* NULL: into resp_body, at most max_body bytes */
	size_t max_body;
	img_done_fn done;
	void *arg;
	/* the answer */
	long status;
	char resp_type[128];
	char resp_digest[IMG_DIGEST_LEN + 1]; /* Docker-Content-Digest */
	char location[4096];
	char authenticate[2048]; /* WWW-Authenticate */
	char retry_after[32];
	char ratelimit[64]; /* RateLimit-Remaining (Docker Hub's pull allowance) */
	char *resp_body;
	size_t resp_len;
	uint64_t received; /* body bytes of this response */
	struct mc_error err;
	bool failed; /* err says why */
	/* the engine's */
	CURL *easy;
	struct curl_slist *headers;
	struct img_http *http;
	int redirects, auth_tries;
	unsigned auth_generation;
	bool header_error;
	char curl_error[CURL_ERROR_SIZE];
};

int img_http_init(struct img_http *h, const char *base, const char *name, bool verify,
                  const char *cert_dir, struct mc_error *err);
void img_http_cleanup(struct img_http *h);

/* Change the scheme (insecure registries: https, then http). */
void img_http_set_base(struct img_http *h, const char *base);

/*
 * Run the requests, at most `parallel` at a time, until all have finished
 * or one failed (q->failed, or its done() said stop): then the others are
 * stopped and the run fails with that error.  Statuses are not judged here
 * - except 401, answered with authorization and one more try, and redirects,
 * followed.  `tick` (if not NULL) is called about ten times a second.
 */
int img_http_run(struct img_http *h, struct img_request **reqs, size_t n, size_t parallel,
                 void (*tick)(void *arg), void *tick_arg, struct mc_error *err);

/* One request: img_http_run of just it. */
int img_http_do(struct img_http *h, struct img_request *q, struct mc_error *err);

/* Forget the answer (and the engine's handles): a request can be reused or freed. */
void img_request_reset(struct img_request *q);

/*
 * An error for an answer that is not what was wanted: the status, the
 * registry's own error code and message ({"errors": [{"code", "message"}]}),
 * and for 429 what to do about it.  `what` says which request it was.
 */
int img_http_status_error(const struct img_request *q, const char *what, struct mc_error *err);

/* The registry's own error, ": CODE: message" (or "" when it sent none), safe to print. */
void img_http_registry_message(const struct img_request *q, char *buf, size_t size);

/* The authorization a 401 asked for, fetched now (login: to check credentials). */
int img_http_authenticate(struct img_http *h, const char *challenge, struct mc_error *err);

/* Why libcurl could not be loaded (curl_lazy.c loads it on first use), or NULL if it was. */
const char *img_curl_load_error(void);

#endif
