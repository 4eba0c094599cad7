/*
 * ignore.c - chapter 06: .dockerignore (see bld_ignore.h).  The rules are
 * those of moby's patternmatcher: filepath.Match-style patterns per path
 * component, plus "**" for any number of components.
 */
#define _GNU_SOURCE
#include "bld_ignore.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bld_text.h"

void bld_clean_path(const char *in, char *out, size_t size)
{
	size_t len = 0;
	const char *p = in;

	if (size == 0)
		return;
	out[0] = '\0';
	while (*p != '\0') {
		size_t n;

		p += strspn(p, "/");
		n = strcspn(p, "/");
		if (n == 0 || (n == 1 && p[0] == '.')) {
			p += n;
			continue;
		}
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			/* Up one, but never above the root. */
			while (len > 0 && out[len - 1] != '/')
				len--;
			if (len > 0)
				len--;
			out[len] = '\0';
			p += n;
			continue;
		}
		if (len + (len > 0) + n + 1 > size)
			break;
		if (len > 0)
			out[len++] = '/';
		memcpy(out + len, p, n);
		len += n;
		out[len] = '\0';
		p += n;
	}
}

/* One character class "[...]" at p: does c match?  *next is after the "]". */
static bool class_matches(const char *p, char c, const char **next)
{
	bool negate = false, found = false, first = true;

	p++;
	if (*p == '^' || *p == '!') {
		negate = true;
		p++;
	}
	for (; *p != '\0' && (first || *p != ']'); first = false) {
		char lo = *p == '\\' && p[1] ? *++p : *p, hi = lo;

		p++;
		if (p[0] == '-' && p[1] != '\0' && p[1] != ']') {
			hi = p[1] == '\\' && p[2] ? p[2] : p[1];
			p += p[1] == '\\' && p[2] ? 3 : 2;
		}
		if (c >= lo && c <= hi)
			found = true;
	}
	if (*p != ']') {
		*next = NULL;
		return false;
	}
	*next = p + 1;
	return found != negate;
}

/*
 * Match pattern p against the whole of s.  "*" and "?" never match "/";
 * "**" (with an optional "/" after it) matches any number of whole
 * components, or - at the end of the pattern - anything at all.
 */
bool bld_ignore_match(const char *p, const char *s)
{
	while (*p != '\0') {
		if (p[0] == '*' && p[1] == '*') {
			p += 2;
			if (*p == '/')
				p++;
			if (*p == '\0')
				return true;
			/* Any number of whole components, then the rest: at the start or after a "/". */
			for (const char *t = s;; t++) {
				if ((t == s || t[-1] == '/') && bld_ignore_match(p, t))
					return true;
				if (*t == '\0')
					return false;
			}
		}
		if (*p == '*') {
			p++;
			for (const char *t = s;; t++) {
				if (bld_ignore_match(p, t))
					return true;
				if (*t == '\0' || *t == '/')
					return false;
			}
		}
		if (*s == '\0')
			return false;
		if (*p == '?') {
			if (*s == '/')
				return false;
		} else if (*p == '[') {
			const char *next;

			if (*s == '/' || !class_matches(p, *s, &next))
				return false;
			p = next;
			s++;
			continue;
		} else {
			if (*p == '\\' && p[1] != '\0')
				p++;
			if (*p != *s)
				return false;
		}
		p++;
		s++;
	}
	return *s == '\0';
}

int bld_ignore_parse(const char *text, struct bld_ignore *ig, struct mc_error *err)
{
	const char *line = text ? text : "";

	memset(ig, 0, sizeof(*ig));
	while (*line != '\0') {
		size_t len = strcspn(line, "\n");
		char raw[4096], clean[4096];
		const char *p = raw;
		bool exception = false;
		struct bld_ignore_rule *more;

		snprintf(raw, sizeof(raw), "%.*s", (int)(len < sizeof(raw) ? len : sizeof(raw) - 1),
		         line);
		line += len + (line[len] == '\n');
		/* Trim blanks (and a Windows line end); comments start in column one. */
		raw[strcspn(raw, "\r")] = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		for (size_t n = strlen(p); n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'); n--)
			((char *)p)[n - 1] = '\0';
		if (raw[0] == '#' || *p == '\0')
			continue;
		if (*p == '!') {
			exception = true;
			p++;
			if (*p == '\0') {
				bld_ignore_free(ig);
				return mc_fail(err, 0, "illegal exclusion pattern: \"!\"");
			}
		}
		bld_clean_path(p, clean, sizeof(clean));
		if (clean[0] == '\0')
			snprintf(clean, sizeof(clean), ".");
		more = realloc(ig->rules, (ig->count + 1) * sizeof(*more));
		if (more == NULL) {
			bld_ignore_free(ig);
			return mc_fail(err, ENOMEM, ".dockerignore");
		}
		ig->rules = more;
		ig->rules[ig->count].pattern = strdup(clean);
		ig->rules[ig->count].exception = exception;
		if (ig->rules[ig->count++].pattern == NULL) {
			bld_ignore_free(ig);
			return mc_fail(err, ENOMEM, ".dockerignore");
		}
		ig->has_exceptions |= exception;
	}
	return 0;
}

void bld_ignore_free(struct bld_ignore *ig)
{
	for (size_t i = 0; i < ig->count; i++)
		free(ig->rules[i].pattern);
	free(ig->rules);
	memset(ig, 0, sizeof(*ig));
}

/* Does the pattern match the path, or one of its parent directories? */
static bool matches_or_parent(const char *pattern, const char *path)
{
	char prefix[4096];

	if (bld_ignore_match(pattern, path))
		return true;
	for (const char *slash = strchr(path, '/'); slash != NULL; slash = strchr(slash + 1, '/')) {
		snprintf(prefix, sizeof(prefix), "%.*s", (int)(slash - path), path);
		if (bld_ignore_match(pattern, prefix))
			return true;
	}
	return false;
}

bool bld_ignored(const struct bld_ignore *ig, const char *path)
{
	bool excluded = false;

	if (ig == NULL)
		return false;
	/* The last pattern that matches decides. */
	for (size_t i = 0; i < ig->count; i++) {
		const struct bld_ignore_rule *r = &ig->rules[i];

		if (r->exception != excluded)
			continue; /* it could not change the answer */
		if (matches_or_parent(r->pattern, path))
			excluded = !r->exception;
	}
	return excluded;
}

bool bld_ignore_may_reinclude(const struct bld_ignore *ig, const char *dir)
{
	size_t len = strlen(dir);

	if (ig == NULL || !ig->has_exceptions)
		return false;
	for (size_t i = 0; i < ig->count; i++) {
		const char *p = ig->rules[i].pattern;

		if (!ig->rules[i].exception)
			continue;
		/* An exception can only reach below dir if its fixed start allows it. */
		if (strncmp(p, dir, len) == 0 && p[len] == '/')
			return true;
		if (strpbrk(p, "*?[\\") != NULL)
			return true;
	}
	return false;
}
