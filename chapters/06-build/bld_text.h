/*
 * bld_text.h - chapter 06: growing strings and string lists.
 *
 * A Dockerfile is text from start to end: lines are joined, words are cut
 * out of them, variables are replaced.  These two small types do the
 * bookkeeping so that the parser and the expander can read as what they do.
 * Allocation failure is sticky: the buffer remembers it, and the caller
 * checks once, at the end (bld_buf_failed).
 */
#ifndef MC_BLD_TEXT_H
#define MC_BLD_TEXT_H

#include <stdbool.h>
#include <stddef.h>

struct bld_buf {
	char *s;    /* NUL-terminated; NULL until the first append */
	size_t len; /* bytes used, without the NUL */
	size_t cap;
	bool failed; /* an allocation failed: the content is incomplete */
};

void bld_buf_add(struct bld_buf *b, const char *s, size_t len);
void bld_buf_adds(struct bld_buf *b, const char *s);
void bld_buf_addc(struct bld_buf *b, char c);
void bld_buf_printf(struct bld_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The string so far ("" when empty); it stays owned by the buffer. */
const char *bld_buf_str(const struct bld_buf *b);
/* Hand the string over to the caller (a malloc'd "" when empty, NULL on failure). */
char *bld_buf_take(struct bld_buf *b);
void bld_buf_reset(struct bld_buf *b);
void bld_buf_free(struct bld_buf *b);

/* A NULL-terminated list of malloc'd strings. */
struct bld_list {
	char **v; /* NULL until the first push */
	size_t n, cap;
	bool failed;
};

void bld_list_push(struct bld_list *l, const char *s); /* a copy */
void bld_list_push_owned(struct bld_list *l, char *s); /* takes s (NULL marks a failure) */
void bld_list_pushn(struct bld_list *l, const char *s, size_t len);
void bld_list_free(struct bld_list *l);
/* Free a NULL-terminated vector of malloc'd strings. */
void bld_strv_free(char **v);

#endif
