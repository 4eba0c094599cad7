/*
 * auth.c - chapter 04: parsing authentication challenges and token
 * responses (see img_auth.h).
 *
 * The grammar of a challenge, from RFC 7235 section 2.1 (tokens are
 * letters, digits and !#$%&'*+-.^_`|~):
 *
 *	challenge   = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
 *	auth-param  = token BWS "=" BWS ( token / quoted-string )
 *	quoted-string: "..." where \x stands for x
 *
 * Several challenges may share one header, separated by commas, so a comma
 * ends either a parameter or a challenge: what follows decides (a token
 * followed by "=" is a parameter, a token followed by a space or the end
 * is the next scheme).
 */
#define _GNU_SOURCE
#include "img_auth.h"

#include <errno.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_TOKEN_SIZE (64 * 1024)

static bool is_tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static const char *skip_space(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* A token at p; *len gets its length (0 when there is none). */
static const char *read_token(const char *p, size_t *len)
{
	const char *start = p;

	while (is_tchar(*p))
		p++;
	*len = (size_t)(p - start);
	return start;
}

/*
 * The value of a parameter: a token, or a quoted-string with its escapes
 * undone, into out (size bytes).  Returns the position after it, or NULL
 * when the value is malformed or does not fit.
 */
static const char *read_value(const char *p, char *out, size_t size)
{
	/* EXERCISE 04.6 auth-param (2 points): Read a challenge parameter's value
	 * Tests: test_challenge_bearer test_challenge_quoting
	 *
	 * `p` points at the value of one auth-param, just after "=" (and any
	 * spaces).  It is either a token (read_token() finds its end) or a
	 * quoted-string: '"', then characters up to the closing '"', where a
	 * backslash means "take the next character as it is" (\" is a quote,
	 * \\ a backslash).  Copy the value - without quotes and backslashes -
	 * to `out`, NUL-terminated, and return the position just after it.
	 * Return NULL for an empty token, a quoted-string that never closes
	 * (or ends in a lone backslash), or a value that does not fit in
	 * `size` bytes: never cut a value short.
	 */
	/* BEGIN SOLUTION */
	size_t used = 0, len;

	if (*p != '"') {
		read_token(p, &len);
		if (len == 0 || len >= size)
			return NULL;
		memcpy(out, p, len);
		out[len] = '\0';
		return p + len;
	}
	for (p++; *p != '"'; p++) {
		if (*p == '\\')
			p++;
		if (*p == '\0' || used + 1 >= size)
			return NULL;
		out[used++] = *p;
	}
	out[used] = '\0';
	return p + 1;
	/* END SOLUTION; skeleton: (void)p; (void)out; (void)size; return NULL; */
}

/* Where the value of a parameter goes: realm, service, scope, error - or nowhere. */
static char *param_field(struct img_challenge *c, const char *name, size_t len, size_t *size)
{
	static const struct {
		const char *name;
		size_t offset, size;
	} fields[] = {
	    {"realm", offsetof(struct img_challenge, realm),
	     sizeof(((struct img_challenge *)0)->realm)},
	    {"service", offsetof(struct img_challenge, service),
	     sizeof(((struct img_challenge *)0)->service)},
	    {"scope", offsetof(struct img_challenge, scope),
	     sizeof(((struct img_challenge *)0)->scope)},
	    {"error", offsetof(struct img_challenge, error),
	     sizeof(((struct img_challenge *)0)->error)},
	};

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (strlen(fields[i].name) == len && strncasecmp(fields[i].name, name, len) == 0) {
			*size = fields[i].size;
			return (char *)c + fields[i].offset;
		}
	return NULL;
}

/*
 * The parameters of one challenge, from p up to the next scheme or the
 * end.  Values go into c.  Returns where the next challenge starts, or
 * NULL (err set) for a malformed value.
 */
static const char *read_params(const char *p, struct img_challenge *c, struct mc_error *err)
{
	for (;;) {
		const char *name, *after, *q;
		size_t len, size = 0;
		char *field, scratch[1024];

		p = skip_space(p);
		while (*p == ',')
			p = skip_space(p + 1);
		name = read_token(p, &len);
		after = skip_space(p + len);
		if (len == 0 || *after != '=')
			return p; /* the end, or the next scheme */
		/* "abc==" followed by nothing or a comma: a token68 (Negotiate's form), skipped. */
		for (q = after; *q == '='; q++)
			;
		q = skip_space(q);
		if (*q == '\0' || *q == ',') {
			p = q;
			continue;
		}
		field = param_field(c, name, len, &size);
		if (field == NULL) {
			field = scratch; /* a parameter we do not use: read, then forgotten */
			size = sizeof(scratch);
		}
		p = read_value(skip_space(after + 1), field, size);
		if (p == NULL) {
			mc_fail(err, 0, "WWW-Authenticate: bad value of the parameter '%.*s'",
			        (int)(len < 32 ? len : 32), name);
			return NULL;
		}
	}
}

int img_challenge_parse(const char *header, struct img_challenge *c, struct mc_error *err)
{
	struct img_challenge basic, bearer, other;
	bool have_basic = false, have_bearer = false;
	const char *p = header;

	memset(c, 0, sizeof(*c));
	memset(&basic, 0, sizeof(basic));
	memset(&bearer, 0, sizeof(bearer));
	while (*(p = skip_space(p)) != '\0') {
		struct img_challenge *into = &other;
		const char *scheme;
		size_t len;

		if (*p == ',') {
			p++;
			continue;
		}
		scheme = read_token(p, &len);
		if (len == 0) {
			/* Not something we can read: skip to the next challenge. */
			p += strcspn(p, ",");
			continue;
		}
		if (len == 6 && strncasecmp(scheme, "bearer", 6) == 0 && !have_bearer) {
			into = &bearer;
			have_bearer = true;
		} else if (len == 5 && strncasecmp(scheme, "basic", 5) == 0 && !have_basic) {
			into = &basic;
			have_basic = true;
		} else {
			memset(&other, 0,
			       sizeof(other)); /* parsed for its syntax, then forgotten */
		}
		p = read_params(scheme + len, into, err);
		if (p == NULL)
			return -1;
	}
	if (have_bearer && bearer.realm[0] == '\0')
		return mc_fail(err, 0, "WWW-Authenticate: a Bearer challenge without a realm");
	if (have_bearer) {
		*c = bearer;
		c->scheme = IMG_AUTH_BEARER;
	} else if (have_basic) {
		*c = basic;
		c->scheme = IMG_AUTH_BASIC;
	} else {
		return mc_fail(err, 0, "WWW-Authenticate: no Bearer or Basic challenge in '%.60s'",
		               header);
	}
	return 0;
}

/* ---- token responses --------------------------------------------------------------- */

/* The token goes into an HTTP header: no control characters, no spaces, nothing beyond ASCII. */
static bool header_safe(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s <= ' ' || *s > '~')
			return false;
	return true;
}

int img_token_parse(const char *body, size_t len, struct img_token *t, struct mc_error *err)
{
	json_t *doc, *expires;
	const char *token;
	int rc = -1;

	memset(t, 0, sizeof(*t));
	if (len > MAX_TOKEN_SIZE)
		return mc_fail(err, EFBIG, "token response larger than %d bytes", MAX_TOKEN_SIZE);
	doc = json_loadb(body, len, 0, NULL);
	if (!json_is_object(doc)) {
		mc_fail(err, 0, "token response is not a JSON object");
		goto out;
	}
	/* OAuth2's "access_token" if there is one (Docker's order), else "token". */
	token = json_string_value(json_object_get(doc, "access_token"));
	if (token == NULL || token[0] == '\0')
		token = json_string_value(json_object_get(doc, "token"));
	if (token == NULL || token[0] == '\0') {
		mc_fail(err, 0, "token response without a token");
		goto out;
	}
	if (!header_safe(token)) {
		mc_fail(err, 0, "token response: the token has characters a header cannot carry");
		goto out;
	}
	t->token = strdup(token);
	if (t->token == NULL) {
		mc_fail(err, ENOMEM, "token");
		goto out;
	}
	/* "expires_in" is optional; without it, or below 60, a token lasts 60 seconds. */
	expires = json_object_get(doc, "expires_in");
	t->expires_in = json_is_integer(expires) && json_integer_value(expires) > 60 &&
	                        json_integer_value(expires) < 86400 * 365
	                    ? (long)json_integer_value(expires)
	                    : 60;
	rc = 0;
out:
	json_decref(doc);
	return rc;
}

void img_token_free(struct img_token *t)
{
	if (t->token != NULL) {
		explicit_bzero(t->token, strlen(t->token));
		free(t->token);
	}
	t->token = NULL;
}
