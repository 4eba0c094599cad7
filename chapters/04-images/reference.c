/* reference.c - see reference.h. */
#include "img_reference.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "img_digest.h"

static bool is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/*
 * A repository path component: lowercase letters and digits, with single
 * separators ".", "_", "__" or runs of "-" between them (the distribution
 * reference grammar).
 */
static bool valid_component(const char *s, size_t len)
{
	size_t i = 0;

	for (;;) {
		size_t start = i;

		/* a run of lowercase letters and digits ... */
		while (i < len && is_lower_alnum(s[i]))
			i++;
		if (i == start)
			return false;
		if (i == len)
			return true;
		/* ... then a separator: ".", "_", "__", or one or more "-" */
		if (s[i] == '.')
			i++;
		else if (s[i] == '_')
			i += (i + 1 < len && s[i + 1] == '_') ? 2 : 1;
		else if (s[i] == '-')
			while (i < len && s[i] == '-')
				i++;
		else
			return false;
	}
}

static bool valid_tag(const char *t)
{
	size_t len = strlen(t);

	if (len == 0 || len > 128 || t[0] == '.' || t[0] == '-')
		return false;
	for (const char *p = t; *p != '\0'; p++)
		if (!(is_lower_alnum(*p) || (*p >= 'A' && *p <= 'Z') || *p == '_' || *p == '.' ||
		      *p == '-'))
			return false;
	return true;
}

static bool looks_like_registry(const char *s, size_t len)
{
	return memchr(s, '.', len) != NULL || memchr(s, ':', len) != NULL ||
	       (len == 9 && strncmp(s, "localhost", 9) == 0);
}

static bool is_alnum(char c)
{
	return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

/*
 * A registry is a host name - labels of letters, digits and inner "-",
 * joined by "." - or an IPv6 address in brackets, then an optional ":PORT"
 * of digits.  Anything else (a space, a byte above 127, "a..b") cannot be
 * a host, and since the name ends up in URLs, it is refused here.
 */
static bool valid_registry(const char *s)
{
	const char *port = NULL, *p = s;

	if (*p == '[') {
		const char *close = strchr(p, ']');

		if (close == NULL || close == p + 1 ||
		    strspn(p + 1, "0123456789abcdefABCDEF:.") != (size_t)(close - p - 1))
			return false;
		p = close + 1;
		if (*p == ':')
			port = p + 1;
		else if (*p != '\0')
			return false;
	} else {
		for (;;) {
			const char *label = p;

			while (is_alnum(*p) || *p == '-')
				p++;
			if (p == label || label[0] == '-' || p[-1] == '-')
				return false;
			if (*p != '.')
				break;
			p++;
		}
		if (*p == ':')
			port = p + 1;
		else if (*p != '\0')
			return false;
	}
	return port == NULL ||
	       (port[0] != '\0' && strspn(port, "0123456789") == strlen(port) && strlen(port) <= 5);
}

int img_ref_parse(const char *text, struct img_ref *ref, struct mc_error *err)
{
	char name[512];
	const char *slash, *rest;
	char *at, *colon;

	memset(ref, 0, sizeof(*ref));
	if (text == NULL || text[0] == '\0' || strlen(text) >= sizeof(name))
		return mc_fail(err, 0, "invalid reference format: '%s'", text ? text : "");
	snprintf(name, sizeof(name), "%s", text);

	/* name[:tag][@digest]: the digest first, then a tag after the last '/'. */
	at = strchr(name, '@');
	if (at != NULL) {
		*at = '\0';
		if (!img_digest_valid(at + 1))
			return mc_fail(err, 0, "invalid reference format: bad digest in '%s'",
			               text);
		snprintf(ref->digest, sizeof(ref->digest), "%s", at + 1);
	}
	colon = strrchr(name, ':');
	if (colon != NULL && strchr(colon, '/') == NULL) {
		*colon = '\0';
		if (!valid_tag(colon + 1))
			return mc_fail(err, 0, "invalid reference format: bad tag in '%s'", text);
		snprintf(ref->tag, sizeof(ref->tag), "%s", colon + 1);
	}
	if (name[0] == '\0' || name[strlen(name) - 1] == '/')
		return mc_fail(err, 0, "invalid reference format: '%s'", text);
	if (ref->tag[0] == '\0' && ref->digest[0] == '\0')
		snprintf(ref->tag, sizeof(ref->tag), "latest");

	/* The first component is a registry only if it looks like a host name. */
	slash = strchr(name, '/');
	if (slash != NULL && looks_like_registry(name, (size_t)(slash - name))) {
		if ((size_t)(slash - name) >= sizeof(ref->registry))
			return mc_fail(err, 0, "invalid reference format: '%s' is too long", text);
		snprintf(ref->registry, sizeof(ref->registry), "%.*s", (int)(slash - name), name);
		rest = slash + 1;
		if (!valid_registry(ref->registry))
			return mc_fail(err, 0, "invalid reference format: bad registry in '%s'",
			               text);
		/* Docker Hub's old name is the same registry. */
		if (strcmp(ref->registry, "index.docker.io") == 0) {
			memset(ref->registry, 0, sizeof(ref->registry));
			snprintf(ref->registry, sizeof(ref->registry), "docker.io");
		}
	} else {
		snprintf(ref->registry, sizeof(ref->registry), "docker.io");
		rest = name;
	}
	if ((size_t)snprintf(ref->repository, sizeof(ref->repository), "%s%s",
	                     strcmp(ref->registry, "docker.io") == 0 && strchr(rest, '/') == NULL
	                         ? "library/"
	                         : "",
	                     rest) >= sizeof(ref->repository))
		return mc_fail(err, 0, "invalid reference format: '%s' is too long", text);

	/* The whole name, registry included, is at most 255 characters (as in
	 * the distribution project), so that it always fits when printed. */
	if (strlen(ref->registry) + 1 + strlen(ref->repository) > IMG_REF_NAME_MAX)
		return mc_fail(err, 0, "invalid reference format: '%s' is too long", text);
	/* Every path component must be valid ("Busybox" and "a//b" are not). */
	for (const char *p = ref->repository; *p != '\0';) {
		size_t len = strcspn(p, "/");

		if (!valid_component(p, len))
			return mc_fail(err, 0,
			               "invalid reference format: '%s' (repository names "
			               "are lowercase)",
			               text);
		p += len;
		if (*p == '/')
			p++;
	}
	return 0;
}

const char *img_ref_full(const struct img_ref *ref, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s%s%s%s%s", ref->registry, ref->repository, ref->tag[0] ? ":" : "",
	         ref->tag, ref->digest[0] ? "@" : "", ref->digest);
	return buf;
}

const char *img_ref_familiar_name(const struct img_ref *ref, char *buf, size_t size)
{
	if (strcmp(ref->registry, "docker.io") != 0)
		snprintf(buf, size, "%s/%s", ref->registry, ref->repository);
	else if (strncmp(ref->repository, "library/", 8) == 0)
		snprintf(buf, size, "%s", ref->repository + 8);
	else
		snprintf(buf, size, "%s", ref->repository);
	return buf;
}

const char *img_ref_familiar(const struct img_ref *ref, char *buf, size_t size)
{
	char name[600];

	img_ref_familiar_name(ref, name, sizeof(name));
	snprintf(buf, size, "%s%s%s%s%s", name, ref->tag[0] ? ":" : "", ref->tag,
	         ref->digest[0] ? "@" : "", ref->digest);
	return buf;
}
