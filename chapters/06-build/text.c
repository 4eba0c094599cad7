/* text.c - chapter 06: see bld_text.h. */
#include "bld_text.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool grow(struct bld_buf *b, size_t more)
{
	size_t cap;
	char *s;

	if (b->failed)
		return false;
	if (b->len + more + 1 <= b->cap)
		return true;
	cap = b->cap ? b->cap : 64;
	while (cap < b->len + more + 1)
		cap *= 2;
	s = realloc(b->s, cap);
	if (s == NULL) {
		b->failed = true;
		return false;
	}
	b->s = s;
	b->cap = cap;
	return true;
}

void bld_buf_add(struct bld_buf *b, const char *s, size_t len)
{
	if (!grow(b, len))
		return;
	memcpy(b->s + b->len, s, len);
	b->len += len;
	b->s[b->len] = '\0';
}

void bld_buf_adds(struct bld_buf *b, const char *s)
{
	bld_buf_add(b, s, strlen(s));
}

void bld_buf_addc(struct bld_buf *b, char c)
{
	bld_buf_add(b, &c, 1);
}

void bld_buf_printf(struct bld_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !grow(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

const char *bld_buf_str(const struct bld_buf *b)
{
	return b->s != NULL ? b->s : "";
}

char *bld_buf_take(struct bld_buf *b)
{
	char *s = b->failed ? NULL : b->s != NULL ? b->s : strdup("");

	if (b->failed)
		free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
	b->failed = false;
	return s;
}

void bld_buf_reset(struct bld_buf *b)
{
	b->len = 0;
	if (b->s != NULL)
		b->s[0] = '\0';
}

void bld_buf_free(struct bld_buf *b)
{
	free(b->s);
	memset(b, 0, sizeof(*b));
}

void bld_list_push_owned(struct bld_list *l, char *s)
{
	if (s == NULL || l->failed) {
		l->failed = true;
		free(s);
		return;
	}
	if (l->n + 2 > l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		char **v = realloc(l->v, cap * sizeof(*v));

		if (v == NULL) {
			l->failed = true;
			free(s);
			return;
		}
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = s;
	l->v[l->n] = NULL;
}

void bld_list_push(struct bld_list *l, const char *s)
{
	bld_list_push_owned(l, strdup(s));
}

void bld_list_pushn(struct bld_list *l, const char *s, size_t len)
{
	bld_list_push_owned(l, strndup(s, len));
}

void bld_list_free(struct bld_list *l)
{
	bld_strv_free(l->v);
	memset(l, 0, sizeof(*l));
}

void bld_strv_free(char **v)
{
	for (size_t i = 0; v != NULL && v[i] != NULL; i++)
		free(v[i]);
	free(v);
}
