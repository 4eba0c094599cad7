/*
 * fetch.c - one URL's body into a file, with chapter 04's HTTP client: the
 * same TLS checks, proxies from the environment and redirects as a pull,
 * and no credentials.  For `build`'s ADD of a URL and `import URL`.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "img_files.h"
#include "img_http.h"
#include "mc.h"

/* The body, straight into the file. */
static int to_fd(struct img_request *q, const char *data, size_t len)
{
	if (img_write_all(*(int *)q->arg, data, len) < 0) {
		mc_fail(&q->err, errno, "write what %s sent", q->url);
		q->failed = true;
		return -1;
	}
	return 0;
}

int mc_fetch_url(const char *url, int fd, struct mc_error *err)
{
	const char *host = strstr(url, "://");
	struct img_request q = {0};
	struct img_http h;
	char base[600];
	int rc;

	if (host == NULL || (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0))
		return mc_fail(err, 0, "%s: only http and https URLs", url);
	/* The client's base is the origin: scheme, host and port. */
	snprintf(base, sizeof(base), "%.*s", (int)(host + 3 - url + strcspn(host + 3, "/?#")), url);
	if (img_http_init(&h, base, base, true, NULL, err) < 0)
		return -1;
	q.method = "GET";
	snprintf(q.url, sizeof(q.url), "%s", url);
	q.no_auth = true;
	q.sink = to_fd;
	q.arg = &fd;
	rc = img_http_do(&h, &q, err);
	if (rc == 0 && (q.status < 200 || q.status > 299))
		rc = mc_fail(err, 0, "%s: the server answered %ld", url, q.status);
	img_request_reset(&q);
	img_http_cleanup(&h);
	return rc;
}
