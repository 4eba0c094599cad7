/*
 * shell.c - chapter 06: expanding variables in Dockerfile words (see bld_shell.h).
 *
 * One pass over the word, left to right, like a shell's lexer: a quote
 * starts a quoted part, "$" a parameter expansion, the escape character
 * takes the next character literally.  Two results are built at once: the
 * word with everything expanded (bld_expand), and the list of words a
 * shell would split it into (bld_expand_words) - where the value of an
 * unquoted $V is split at its spaces, but a quoted one is not.
 */
#define _GNU_SOURCE
#include "bld_shell.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bld_text.h"

/* The state of one expansion. */
struct lexer {
	const struct bld_lex *lx;
	bool raw_escapes; /* lx->raw_escapes, or forced on inside patterns */
	const char *s;    /* the word */
	size_t pos, len;
	char *const *env;
	struct mc_error *err;
};

/* The words being split off, as a shell would. */
struct words {
	struct bld_buf word;
	bool in_word;
	struct bld_list list;
};

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static void words_raw(struct words *w, const char *s, size_t len)
{
	bld_buf_add(&w->word, s, len);
	w->in_word = true;
}

static void words_end_word(struct words *w)
{
	if (w->word.len > 0)
		bld_list_pushn(&w->list, bld_buf_str(&w->word), w->word.len);
	bld_buf_reset(&w->word);
	w->in_word = false;
}

/* An unquoted character: white space ends the current word. */
static void words_char(struct words *w, char c)
{
	if (is_space(c)) {
		if (w->in_word)
			words_end_word(w);
		return;
	}
	words_raw(w, &c, 1);
}

/* The value of an unquoted expansion: split at its white space. */
static void words_split(struct words *w, const char *s)
{
	for (; *s != '\0'; s++)
		words_char(w, *s);
}

const char *bld_env_get(char *const *env, const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; env != NULL && env[i] != NULL; i++) {
		if (strncmp(env[i], name, n) != 0)
			continue;
		if (env[i][n] == '=')
			return env[i] + n + 1;
		if (env[i][n] == '\0')
			return "";
	}
	return NULL;
}

static bool at_end(const struct lexer *l)
{
	return l->pos >= l->len;
}

static char peek(const struct lexer *l)
{
	return at_end(l) ? '\0' : l->s[l->pos];
}

static int lex_fail(struct lexer *l, const char *msg)
{
	return mc_fail(l->err, 0, "%s", msg);
}

static int expand_until(struct lexer *l, const char *stops, struct bld_buf *out, struct words *w);

/* '...': everything up to the next ' as it is; nothing can be escaped. */
static int single_quoted(struct lexer *l, struct bld_buf *out)
{
	const char *end;

	l->pos++;
	end = memchr(l->s + l->pos, '\'', l->len - l->pos);
	if (end == NULL)
		return lex_fail(l, "unexpected end of statement while looking for matching "
		                   "single-quote");
	if (l->lx->raw_quotes)
		bld_buf_addc(out, '\'');
	bld_buf_add(out, l->s + l->pos, (size_t)(end - (l->s + l->pos)));
	if (l->lx->raw_quotes)
		bld_buf_addc(out, '\'');
	l->pos = (size_t)(end - l->s) + 1;
	return 0;
}

static int dollar(struct lexer *l, struct bld_buf *out);

/* "...": $ still expands; the escape character only escapes " $ and itself. */
static int double_quoted(struct lexer *l, struct bld_buf *out)
{
	char c;

	l->pos++;
	if (l->lx->raw_quotes)
		bld_buf_addc(out, '"');
	for (;;) {
		if (at_end(l))
			return lex_fail(l, "unexpected end of statement while looking for "
			                   "matching double-quote");
		c = peek(l);
		if (c == '"') {
			l->pos++;
			if (l->lx->raw_quotes)
				bld_buf_addc(out, '"');
			return 0;
		}
		if (c == '$') {
			if (dollar(l, out) < 0)
				return -1;
			continue;
		}
		l->pos++;
		if (c == l->lx->escape) {
			char next = peek(l);

			if (at_end(l))
				continue; /* an escape at the very end is dropped */
			if (next == '"' || next == '$' || next == l->lx->escape) {
				if (l->raw_escapes)
					bld_buf_addc(out, c);
				c = next;
				l->pos++;
			}
		}
		bld_buf_addc(out, c);
	}
}

/* A parameter name: a run of digits, one special character, or letters, digits and _. */
static size_t name_length(const struct lexer *l)
{
	const char *p = l->s + l->pos;
	size_t n = 0, max = l->len - l->pos;

	if (max == 0)
		return 0;
	if (p[0] >= '0' && p[0] <= '9') {
		while (n < max && p[n] >= '0' && p[n] <= '9')
			n++;
		return n;
	}
	if (strchr("@*#?-$!", p[0]) != NULL)
		return 1;
	/* Bytes of 0x80 and up are parts of UTF-8 letters: Go's unicode.IsLetter says yes. */
	while (n < max &&
	       (p[n] == '_' || (p[n] >= 'a' && p[n] <= 'z') || (p[n] >= 'A' && p[n] <= 'Z') ||
	        (p[n] >= '0' && p[n] <= '9') || (unsigned char)p[n] >= 0x80))
		n++;
	return n;
}

/* ---- shell patterns ------------------------------------------------------------------------ */

/* One UTF-8 character's length at s (1 for a stray byte). */
static size_t char_len(const char *s, size_t max)
{
	unsigned char c = (unsigned char)s[0];
	size_t n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;

	return n <= max ? n : 1;
}

/* [...] at p (p[0] == '['): does c match it?  *end gets the position after ']'; false if none. */
static bool class_match(const char *p, char c, const char **end, bool *matched)
{
	const char *q = p + 1;
	bool negate = false, found = false;

	if (*q == '!' || *q == '^') {
		negate = true;
		q++;
	}
	for (bool first = true; *q != '\0' && (first || *q != ']'); first = false) {
		char lo = *q, hi;

		if (lo == '\\' && q[1] != '\0')
			lo = *++q;
		hi = lo;
		q++;
		if (q[0] == '-' && q[1] != '\0' && q[1] != ']') {
			hi = q[1];
			if (hi == '\\' && q[2] != '\0') {
				hi = q[2];
				q++;
			}
			q += 2;
		}
		if ((unsigned char)c >= (unsigned char)lo && (unsigned char)c <= (unsigned char)hi)
			found = true;
	}
	if (*q != ']')
		return false; /* no closing bracket: "[" is an ordinary character */
	*end = q + 1;
	*matched = found != negate;
	return true;
}

/*
 * A Dockerfile is untrusted input, and a pattern of many stars on a long value makes
 * a backtracking matcher (and the search for the longest match around it)
 * take hours; nested replacements can multiply a value's length at every
 * level.  So one expansion gets a budget of matcher steps and a largest
 * value, and a word that needs more is an error, not a hang.
 */
#define MATCH_STEPS (50L * 1000 * 1000)
#define MAX_VALUE   (1024 * 1024)
static long match_steps_left = -1; /* -1: no expansion running, no limit */
static bool over_budget;

bool bld_pattern_match(const char *p, const char *s, size_t len)
{
	const char *star_p = NULL;
	size_t i = 0, star_i = 0;

	/* The classic backtracking matcher: remember the last *, retry it one longer. */
	while (i < len || *p != '\0') {
		if (match_steps_left == 0) {
			over_budget = true; /* (and it stays 0: every later match fails at once) */
			return false;
		}
		if (match_steps_left > 0)
			match_steps_left--;
		if (*p == '*') {
			star_p = ++p;
			star_i = i;
			continue;
		}
		if (i < len && *p != '\0') {
			const char *end;
			bool matched;

			if (*p == '?') {
				i += char_len(s + i, len - i);
				p++;
				continue;
			}
			if (*p == '[' && class_match(p, s[i], &end, &matched)) {
				if (matched) {
					i++;
					p = end;
					continue;
				}
			} else {
				char want = *p;
				size_t step = 1;

				if (want == '\\' && p[1] != '\0') {
					want = p[1];
					step = 2;
				}
				if (want == s[i]) {
					i++;
					p += step;
					continue;
				}
			}
		}
		if (star_p == NULL || star_i >= len)
			return false;
		p = star_p;
		i = ++star_i;
	}
	return true;
}

/* ${V#p} ${V##p}: the value without its shortest (or longest) prefix matching p. */
static char *trim_prefix(const char *pattern, const char *value, bool longest)
{
	size_t len = strlen(value);

	for (size_t k = 0; k <= len; k++) {
		size_t cut = longest ? len - k : k;

		if (bld_pattern_match(pattern, value, cut))
			return strdup(value + cut);
	}
	return strdup(value);
}

/* ${V%p} ${V%%p}: the value without its shortest (or longest) suffix matching p. */
static char *trim_suffix(const char *pattern, const char *value, bool longest)
{
	size_t len = strlen(value);

	for (size_t k = 0; k <= len; k++) {
		size_t cut = longest ? k : len - k;

		if (bld_pattern_match(pattern, value + cut, len - cut))
			return strndup(value, cut);
	}
	return strdup(value);
}

/* The leftmost match of pattern in value[from..], longest at that place. */
static bool find_match(const char *pattern, const char *value, size_t from, size_t *start,
                       size_t *end)
{
	size_t len = strlen(value);

	for (size_t i = from; i <= len && !over_budget; i++)
		for (size_t j = len + 1; j-- > i && !over_budget;)
			if (bld_pattern_match(pattern, value + i, j - i)) {
				*start = i;
				*end = j;
				return true;
			}
	return false;
}

/* ${V/p/r} (all: ${V//p/r}).  An empty match right after a match is skipped, as Go's regexp does. */
static char *replace(const char *pattern, const char *repl, const char *value, bool all)
{
	struct bld_buf out = {0};
	size_t pos = 0, len = strlen(value), start, end;
	bool matched_before = false;
	size_t last_end = 0;

	while (pos <= len && find_match(pattern, value, pos, &start, &end)) {
		if (start == end && matched_before && start == last_end) {
			if (start == len)
				break;
			bld_buf_add(&out, value + pos, start + 1 - pos);
			pos = start + 1;
			continue;
		}
		bld_buf_add(&out, value + pos, start - pos);
		bld_buf_adds(&out, repl);
		if (out.len > MAX_VALUE || over_budget) {
			over_budget = true;
			bld_buf_free(&out);
			return NULL;
		}
		matched_before = true;
		last_end = end;
		if (end == start) {
			if (start < len)
				bld_buf_addc(&out, value[start]);
			pos = start + 1;
		} else {
			pos = end;
		}
		if (!all)
			break;
	}
	if (pos < len)
		bld_buf_add(&out, value + pos, len - pos);
	return bld_buf_take(&out);
}

/* ---- parameter expansion -------------------------------------------------------------------- */

/*
 * ${name<op>word}, with the word already expanded.  `colon` is whether the
 * operator had a ":" in front ("${V:-w}"), which makes an empty value count
 * as unset.  *out gets the result (malloc'd); `set`/`value` describe V.
 */
static int apply_modifier(char op, bool colon, const char *name, const char *value, bool set,
                          const char *word, char **out, struct mc_error *err)
{
	/* EXERCISE 06.1 modifiers (3 points): Expand ${V-w}, ${V+w}, ${V?m}, ${V#p} and ${V%p}
	 * Tests: test_expand_modifiers test_expand_modifier_errors
	 *
	 * `op` is one of - + ? # %.  `empty_is_unset` below is what the colon
	 * means.  Set *out to a malloc'd string (strdup), or fail:
	 *
	 *   -  word if V is unset (or empty, with a colon); else value
	 *   +  "" if V is unset (or empty, with a colon); else word
	 *   ?  value; but if V is unset: mc_fail(err, 0, "%s: %s", name, message)
	 *      with message = word, or "is not allowed to be unset" when word is "";
	 *      if it is empty and there is a colon: the same with "is not allowed
	 *      to be empty"
	 *   #  trim_prefix(pattern, value, longest): the word is the pattern; a
	 *      second # in front of it ("${V##p}": word starts with '#') means
	 *      the longest match - skip that character
	 *   %  the same with trim_suffix() and '%'
	 *
	 * A failed strdup is mc_fail(err, ENOMEM, "expand"); anything else is
	 * mc_fail(err, 0, "unsupported modifier (%c) in substitution", op).
	 */
	/* TODO(exercise 06.1 modifiers): your code here. */
	(void)op; (void)colon; (void)name; (void)value; (void)set; (void)word; (void)trim_prefix; (void)trim_suffix; *out = NULL; return mc_fail(err, ENOSYS, "not implemented");
}

/* The rest of a ${...} up to one of `stops`, expanded; patterns keep their escapes. */
static int sub_word(struct lexer *l, const char *stops, bool raw_escapes, char **word,
                    const char *missing)
{
	struct bld_buf buf = {0};
	bool saved = l->raw_escapes;
	int rc;

	l->raw_escapes = l->raw_escapes || raw_escapes;
	rc = expand_until(l, stops, &buf, NULL);
	l->raw_escapes = saved;
	if (rc < 0) {
		bld_buf_free(&buf);
		if (at_end(l))
			return lex_fail(l, missing);
		return -1;
	}
	*word = bld_buf_take(&buf);
	if (*word == NULL)
		return mc_fail(l->err, ENOMEM, "expand");
	return 0;
}

/* ${V/p/r} and ${V//p/r}; we are just after the first '/'. */
static int braced_replace(struct lexer *l, const char *name, struct bld_buf *out)
{
	bool all = peek(l) == '/';
	char *pattern = NULL, *repl = NULL, *result;
	const char *value;
	int rc = -1;

	if (all)
		l->pos++;
	if (sub_word(l, "/", true, &pattern, "syntax error: missing '/' in ${}") < 0 ||
	    sub_word(l, "}", true, &repl, "syntax error: missing '}'") < 0)
		goto out;
	value = bld_env_get(l->env, name);
	if (value == NULL && l->lx->skip_unset) {
		bld_buf_printf(out, "${%s/%s%s/%s}", name, all ? "/" : "", pattern, repl);
		rc = 0;
		goto out;
	}
	result = replace(pattern, repl, value ? value : "", all);
	if (result == NULL) {
		if (over_budget)
			lex_fail(l, "substitution too large or too costly to match (at most 1 MiB, "
			            "and simpler patterns)");
		else
			mc_fail(l->err, ENOMEM, "expand");
		goto out;
	}
	bld_buf_adds(out, result);
	free(result);
	rc = 0;
out:
	free(pattern);
	free(repl);
	return rc;
}

/* ${...}: we are just after the '{'. */
static int braced(struct lexer *l, struct bld_buf *out)
{
	char name[256], op, ops[3] = "";
	char *word = NULL, *result = NULL;
	const char *value;
	bool colon = false;
	size_t n;
	int rc;

	if (at_end(l))
		return lex_fail(l, "syntax error: missing '}'");
	if (strchr("{}:", peek(l)) != NULL)
		return lex_fail(l, "syntax error: bad substitution");
	n = name_length(l);
	if (n >= sizeof(name))
		return lex_fail(l, "syntax error: bad substitution");
	memcpy(name, l->s + l->pos, n);
	name[n] = '\0';
	l->pos += n;
	if (at_end(l))
		return lex_fail(l, "syntax error: missing '}'");
	op = l->s[l->pos++];
	value = bld_env_get(l->env, name);
	if (op == '}') {
		if (value == NULL && l->lx->skip_unset)
			bld_buf_printf(out, "${%s}", name);
		else
			bld_buf_adds(out, value ? value : "");
		return 0;
	}
	if (op == '/')
		return braced_replace(l, name, out);
	if (op == ':') {
		colon = true;
		if (at_end(l))
			return lex_fail(l, "syntax error: missing '}'");
		op = l->s[l->pos++];
	}
	snprintf(ops, sizeof(ops), "%s%c", colon ? ":" : "", op);
	if (strchr("+-?#%", op) == NULL || (colon && (op == '#' || op == '%')))
		return mc_fail(l->err, 0, "unsupported modifier (%s) in substitution", ops);
	if (sub_word(l, "}", op == '#' || op == '%', &word, "syntax error: missing '}'") < 0)
		return -1;
	if (value == NULL && l->lx->skip_unset) {
		bld_buf_printf(out, "${%s%s%s}", name, ops, word);
		free(word);
		return 0;
	}
	rc = apply_modifier(op, colon, name, value ? value : "", value != NULL, word, &result,
	                    l->err);
	if (rc == 0)
		bld_buf_adds(out, result);
	free(word);
	free(result);
	return rc;
}

/* $NAME or ${...}; we are at the '$'.  A '$' followed by no name is just a '$'. */
static int dollar(struct lexer *l, struct bld_buf *out)
{
	const char *value;
	char name[256];
	size_t n;

	l->pos++;
	if (peek(l) == '{') {
		l->pos++;
		return braced(l, out);
	}
	n = name_length(l);
	if (n == 0) {
		bld_buf_addc(out, '$');
		return 0;
	}
	if (n >= sizeof(name))
		n = sizeof(name) - 1;
	memcpy(name, l->s + l->pos, n);
	name[n] = '\0';
	l->pos += name_length(l);
	value = bld_env_get(l->env, name);
	if (value == NULL && l->lx->skip_unset)
		bld_buf_printf(out, "$%s", name);
	else
		bld_buf_adds(out, value ? value : "");
	return 0;
}

/*
 * The main loop: expand up to the end, or up to (and past) one of `stops`.
 * `w` (may be NULL) collects the words.
 */
static int expand_until(struct lexer *l, const char *stops, struct bld_buf *out, struct words *w)
{
	while (!at_end(l)) {
		char c = peek(l);
		struct bld_buf part = {0};
		int rc;

		if (stops != NULL && strchr(stops, c) != NULL) {
			l->pos++;
			return 0;
		}
		if (((c == '\'' || c == '"') && !l->lx->literal_quotes) || c == '$') {
			rc = c == '\''  ? single_quoted(l, &part)
			     : c == '"' ? double_quoted(l, &part)
			                : dollar(l, &part);
			if (rc == 0) {
				bld_buf_add(out, bld_buf_str(&part), part.len);
				if (w != NULL && c == '$')
					words_split(w, bld_buf_str(&part));
				else if (w != NULL)
					words_raw(w, bld_buf_str(&part), part.len);
			}
			bld_buf_free(&part);
			if (rc < 0)
				return -1;
			if (out->len > MAX_VALUE) {
				over_budget = true;
				return lex_fail(l, "substitution too large or too costly to match "
				                   "(at most 1 MiB, and simpler patterns)");
			}
			continue;
		}
		l->pos++;
		if (c == l->lx->escape) {
			if (l->raw_escapes) {
				bld_buf_addc(out, c);
				if (w != NULL)
					words_raw(w, &c, 1);
			}
			if (at_end(l))
				break; /* an escape at the end escapes nothing */
			c = l->s[l->pos++];
			if (w != NULL)
				words_raw(w, &c, 1);
		} else if (w != NULL) {
			words_char(w, c);
		}
		bld_buf_addc(out, c);
	}
	if (stops != NULL)
		return mc_fail(l->err, 0,
		               "unexpected end of statement while looking for matching %s", stops);
	return 0;
}

void bld_lex_init(struct bld_lex *lx, char escape)
{
	memset(lx, 0, sizeof(*lx));
	lx->escape = escape;
}

static int run(const struct bld_lex *lx, const char *word, char *const *env, struct bld_buf *out,
               struct words *w, struct mc_error *err)
{
	struct lexer l = {lx, lx->raw_escapes, word, 0, strlen(word), env, err};
	int rc;

	match_steps_left = MATCH_STEPS;
	over_budget = false;
	rc = expand_until(&l, NULL, out, w);
	match_steps_left = -1;
	if (rc == 0 && (over_budget || out->len > MAX_VALUE))
		rc = lex_fail(&l, "substitution too large or too costly to match (at most 1 MiB, "
		                  "and simpler patterns)");
	if (rc < 0)
		return mc_fail_context(err, "failed to process \"%s\"", word);
	if (out->failed || (w != NULL && (w->word.failed || w->list.failed)))
		return mc_fail(err, ENOMEM, "failed to process \"%s\"", word);
	return 0;
}

int bld_expand(const struct bld_lex *lx, const char *word, char *const *env, char **out,
               struct mc_error *err)
{
	struct bld_buf buf = {0};

	*out = NULL;
	if (run(lx, word, env, &buf, NULL, err) < 0) {
		bld_buf_free(&buf);
		return -1;
	}
	*out = bld_buf_take(&buf);
	return *out != NULL ? 0 : mc_fail(err, ENOMEM, "expand");
}

int bld_expand_words(const struct bld_lex *lx, const char *word, char *const *env, char ***words,
                     size_t *count, struct mc_error *err)
{
	struct bld_buf buf = {0};
	struct words w = {0};
	int rc;

	*words = NULL;
	*count = 0;
	rc = run(lx, word, env, &buf, &w, err);
	bld_buf_free(&buf);
	if (rc == 0) {
		words_end_word(&w);
		if (w.list.failed)
			rc = mc_fail(err, ENOMEM, "expand");
	}
	bld_buf_free(&w.word);
	if (rc < 0) {
		bld_list_free(&w.list);
		return -1;
	}
	*words = w.list.v != NULL ? w.list.v : calloc(1, sizeof(char *));
	*count = w.list.n;
	return *words != NULL ? 0 : mc_fail(err, ENOMEM, "expand");
}
