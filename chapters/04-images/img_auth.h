/*
 * img_auth.h - chapter 04: what a registry says when it wants credentials,
 * and what a token server answers.
 *
 * A registry that wants a client to authenticate answers 401 with a
 * challenge (RFC 7235) in its WWW-Authenticate header:
 *
 *	Bearer realm="https://auth.docker.io/token",service="registry.docker.io",
 *	       scope="repository:library/busybox:pull"
 *	Basic realm="Registry Realm"
 *
 * Bearer: ask the token server at `realm` for a token for `service` and
 * `scope`, then send "Authorization: Bearer TOKEN".  Basic: send the user
 * name and password with every request.  Both parsers here read text from
 * the network and are fuzzed (tests/fuzz/fuzz_www_authenticate.c,
 * fuzz_token.c).
 */
#ifndef MC_IMG_AUTH_H
#define MC_IMG_AUTH_H

#include <stddef.h>

#include "mc_error.h"

enum img_auth_scheme {
	IMG_AUTH_NONE,
	IMG_AUTH_BASIC,
	IMG_AUTH_BEARER,
};

struct img_challenge {
	enum img_auth_scheme scheme;
	char realm[1024]; /* Bearer: the token server's URL */
	char service[256];
	char scope[1024];
	char error[64]; /* "insufficient_scope", "invalid_token" ... */
};

/*
 * Parse a WWW-Authenticate value (one or several challenges, separated by
 * commas).  Bearer wins over Basic when both are offered; schemes we do not
 * know are passed over.  A value too long for its field is an error, never
 * cut short.
 */
int img_challenge_parse(const char *header, struct img_challenge *c, struct mc_error *err);

/* A token server's answer: {"token": "...", "access_token": "...", "expires_in": 300}. */
struct img_token {
	char *token;     /* malloc'd; safe to put into a header (printable ASCII, no spaces) */
	long expires_in; /* seconds (60 when the server says nothing, as the spec wants) */
};

int img_token_parse(const char *body, size_t len, struct img_token *t, struct mc_error *err);
/* Wipe and free the token. */
void img_token_free(struct img_token *t);

#endif
