/*
 * parser.c - chapter 06: Dockerfile text -> instructions (see bld_dockerfile.h).
 *
 * The rules are BuildKit's (frontend/dockerfile/parser), followed closely
 * because a Dockerfile that builds with Docker must build here:
 *
 *  - A line whose first non-blank character is # is a comment.  At the very
 *    top, "# key=value" lines are parser directives: escape (\ or `),
 *    syntax and check.  The first line that is not one ends them.
 *  - The escape character at the end of a line (blanks after it allowed)
 *    joins the next line; comment lines and blank lines inside such a run
 *    are skipped.  Leading blanks are kept on continuation lines.
 *  - The first word is the instruction, in any case; then come flags
 *    (--name=value, up to the first word that does not start with "--");
 *    then the arguments, split by the instruction's own rule.
 *  - RUN, COPY and ADD may name heredocs ("<<EOF"): the lines after the
 *    instruction, up to the terminator, are their content.
 */
#define _GNU_SOURCE
#include "bld_dockerfile.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "bld_shell.h"
#include "bld_text.h"

/* ---- reading lines --------------------------------------------------------------------------- */

struct reader {
	const char *text;
	size_t len, pos;
	int line; /* number of the last line read */
};

/* The next physical line, its newline included (the last may have none). */
static bool next_line(struct reader *r, const char **start, size_t *len)
{
	const char *nl;

	if (r->pos >= r->len)
		return false;
	*start = r->text + r->pos;
	nl = memchr(*start, '\n', r->len - r->pos);
	*len = nl ? (size_t)(nl - *start) + 1 : r->len - r->pos;
	r->pos += *len;
	r->line++;
	return true;
}

/* Without its "\n" or "\r\n" (and any mix of them at the end). */
static size_t trim_newline(const char *s, size_t len)
{
	while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == '\r'))
		len--;
	return len;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r' || c == '\n';
}

static const char *skip_blanks(const char *s, size_t *len)
{
	while (*len > 0 && is_blank(*s)) {
		s++;
		(*len)--;
	}
	return s;
}

static bool is_comment(const char *s, size_t len)
{
	len = trim_newline(s, len);
	s = skip_blanks(s, &len);
	return len > 0 && s[0] == '#';
}

/* ---- parser directives --------------------------------------------------------------------- */

struct directives {
	char escape;
	bool done;
	bool seen_escape, seen_syntax, seen_check;
	char *syntax;
};

/*
 * "# name = value" with name a letter followed by letters or digits.  Only
 * before the first other line; an unknown name ends the directives too.
 */
static int directive(struct directives *d, const char *s, size_t len, struct mc_error *err)
{
	char name[32], value[256];
	size_t n = 0, v;
	bool *seen;

	if (d->done)
		return 0;
	if (len == 0 || s[0] != '#') {
		d->done = true;
		return 0;
	}
	s++, len--;
	s = skip_blanks(s, &len);
	while (n < len && n + 1 < sizeof(name) && isalnum((unsigned char)s[n]) &&
	       (n > 0 || isalpha((unsigned char)s[0]))) {
		name[n] = (char)tolower((unsigned char)s[n]);
		n++;
	}
	name[n] = '\0';
	s += n, len -= n;
	s = skip_blanks(s, &len);
	if (n == 0 || len == 0 || s[0] != '=') {
		d->done = true;
		return 0;
	}
	s++, len--;
	s = skip_blanks(s, &len);
	while (len > 0 && is_blank(s[len - 1]))
		len--;
	if (len == 0 || len >= sizeof(value)) {
		d->done = true;
		return 0;
	}
	v = len;
	memcpy(value, s, v);
	value[v] = '\0';
	seen = strcmp(name, "escape") == 0   ? &d->seen_escape
	       : strcmp(name, "syntax") == 0 ? &d->seen_syntax
	       : strcmp(name, "check") == 0  ? &d->seen_check
	                                     : NULL;
	if (seen == NULL) {
		d->done = true;
		return 0;
	}
	if (*seen)
		return mc_fail(err, 0, "only one %s parser directive can be used", name);
	*seen = true;
	if (seen == &d->seen_escape) {
		if (strcmp(value, "`") != 0 && strcmp(value, "\\") != 0)
			return mc_fail(err, 0, "invalid escape token '%s' does not match ` or \\",
			               value);
		d->escape = value[0];
	} else if (seen == &d->seen_syntax) {
		free(d->syntax);
		d->syntax = strdup(value);
	}
	return 0;
}

/*
 * One line as the parser sees it: without its newline, (on the first line of
 * an instruction) without leading blanks, and empty if it is a comment.  The
 * directives look at it before the comment is dropped.
 */
static int process_line(struct directives *d, const char **s, size_t *len, bool strip_left,
                        struct mc_error *err)
{
	*len = trim_newline(*s, *len);
	if (strip_left)
		*s = skip_blanks(*s, len);
	if (directive(d, *s, *len, err) < 0)
		return -1;
	if (*len > 0 && (*s)[0] == '#')
		*len = 0;
	return 0;
}

/*
 * Does the line continue on the next one?  It does if it ends with the
 * escape character (blanks after it allowed) - unless that character is
 * itself escaped ("\\" at the end is a literal backslash).  *len loses the
 * escape character and the blanks.
 */
static bool continues(char escape, const char *s, size_t *len)
{
	size_t n = *len;

	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n == 0 || s[n - 1] != escape)
		return false;
	if (n >= 2 && s[n - 2] == escape)
		return false;
	*len = n - 1;
	return true;
}

/* ---- splitting an instruction ----------------------------------------------------------------- */

static bool is_token_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r';
}

/*
 * The flags after the instruction: words starting with "--", quotes and
 * backslashes removed, up to the first word that is not one (or "--").
 * Returns where the arguments start.
 */
static const char *builder_flags(const char *line, struct bld_list *flags)
{
	struct bld_buf word = {0};
	const char *p = line;

	for (;;) {
		char quote = 0;
		bool any = false;

		while (*p != '\0' && is_blank(*p))
			p++;
		if (*p == '\0' || p[0] != '-' || p[1] != '-')
			break;
		bld_buf_reset(&word);
		for (; *p != '\0' && (quote || !is_blank(*p)); p++) {
			if (quote == 0 && (*p == '\'' || *p == '"')) {
				quote = *p;
				any = true;
				continue;
			}
			if (quote != 0 && *p == quote) {
				quote = 0;
				continue;
			}
			if (*p == '\\') {
				if (p[1] == '\0')
					continue;
				p++;
			}
			bld_buf_addc(&word, *p);
		}
		if (strcmp(bld_buf_str(&word), "--") == 0)
			break;
		if (word.len > 0 || any)
			bld_list_push(flags, bld_buf_str(&word));
	}
	bld_buf_free(&word);
	return p;
}

static char *trimmed(const char *s, size_t len)
{
	s = skip_blanks(s, &len);
	while (len > 0 && is_blank(s[len - 1]))
		len--;
	return strndup(s, len);
}

/* ---- the argument rules, one per kind of instruction ------------------------------------------ */

/* Words separated by blanks, as they are: FROM, EXPOSE, and COPY/ADD/VOLUME outside JSON. */
static void split_blanks(const char *rest, struct bld_list *args)
{
	const char *p = rest;

	if (*p == '\0')
		return;
	for (;;) {
		size_t n = strcspn(p, " \t\v\f\r");

		bld_list_pushn(args, p, n);
		p += n;
		if (*p == '\0')
			break;
		while (is_token_blank(*p))
			p++;
	}
}

/*
 * ["a", "b"]: a JSON array of strings (what follows it is ignored, as by
 * Go's decoder).  Returns 1 if rest is such an array, 0 if it is not JSON at
 * all (the caller falls back to the shell form), -1 if it is an array with
 * something else than strings - an error.
 */
static int json_form(const char *rest, struct bld_list *args, struct mc_error *err)
{
	json_t *a, *item;
	size_t i;

	while (is_blank(*rest))
		rest++;
	if (rest[0] != '[')
		return 0;
	a = json_loads(rest, JSON_DISABLE_EOF_CHECK, NULL);
	if (!json_is_array(a)) {
		json_decref(a);
		return 0;
	}
	json_array_foreach(a, i, item)
	{
		if (!json_is_string(item)) {
			json_decref(a);
			return mc_fail(err, 0,
			               "when using JSON array syntax, arrays must be comprised of "
			               "strings only");
		}
		bld_list_pushn(args, json_string_value(item), json_string_length(item));
	}
	json_decref(a);
	return 1;
}

/*
 * Words for ENV, LABEL and ARG: split at blanks outside quotes, the quotes
 * and escapes kept (they are removed when the words are expanded).
 */
static void quoted_words(const char *rest, char escape, struct bld_list *words)
{
	struct bld_buf word = {0};
	const char *p = rest;
	bool in_word = false, blank_ok = false;
	char quote = 0;

	for (;; p++) {
		if (*p == '\0') {
			if (in_word && (blank_ok || word.len > 0))
				bld_list_pushn(words, bld_buf_str(&word), word.len);
			break;
		}
		if (!in_word) {
			if (isspace((unsigned char)*p))
				continue;
			in_word = true;
		}
		if (quote == 0) {
			if (isspace((unsigned char)*p)) {
				if (blank_ok || word.len > 0)
					bld_list_pushn(words, bld_buf_str(&word), word.len);
				bld_buf_reset(&word);
				in_word = blank_ok = false;
				continue;
			}
			if (*p == '\'' || *p == '"') {
				quote = *p;
				blank_ok = true;
			} else if (*p == escape) {
				if (p[1] == '\0')
					continue; /* an escape at the end of the line is dropped */
				bld_buf_addc(&word, *p++);
			}
			bld_buf_addc(&word, *p);
			continue;
		}
		/* Inside quotes: the escape character escapes, except inside '...'. */
		if (*p == quote) {
			quote = 0;
		} else if (*p == escape && quote != '\'') {
			if (p[1] == '\0') {
				quote = 0;
				continue;
			}
			bld_buf_addc(&word, *p++);
		}
		bld_buf_addc(&word, *p);
	}
	bld_buf_free(&word);
}

/* ENV and LABEL: "KEY=VALUE ..." pairs, or the old "KEY VALUE" form. */
static int name_values(const char *rest, const char *what, char escape, struct bld_list *args,
                       struct mc_error *err)
{
	struct bld_list words = {0};
	int rc = 0;

	quoted_words(rest, escape, &words);
	if (words.n == 0)
		goto out;
	if (strchr(words.v[0], '=') == NULL) {
		/* Old form: the key, then everything after the first blanks. */
		size_t n = strcspn(rest, " \t\v\f\r");
		const char *value = rest + n;

		while (is_token_blank(*value))
			value++;
		if (rest[n] == '\0') {
			rc = mc_fail(err, 0, "%s must have two arguments", what);
			goto out;
		}
		bld_list_pushn(args, rest, n);
		bld_list_push(args, value);
		goto out;
	}
	for (size_t i = 0; i < words.n; i++) {
		char *eq = strchr(words.v[i], '=');

		if (eq == NULL) {
			rc = mc_fail(err, 0,
			             "Syntax error - can't find = in \"%s\". Must be of the form: "
			             "name=value",
			             words.v[i]);
			goto out;
		}
		bld_list_pushn(args, words.v[i], (size_t)(eq - words.v[i]));
		bld_list_push(args, eq + 1);
	}
out:
	bld_list_free(&words);
	return rc;
}

/* HEALTHCHECK: the type (CMD, NONE ...), then a command as for CMD. */
static int health(const char *rest, struct bld_list *args, bool *json, struct mc_error *err)
{
	size_t n = strcspn(rest, " \t\n\v\f\r");
	const char *cmd = rest + n;
	int rc;

	if (n == 0)
		return 0;
	bld_list_pushn(args, rest, n);
	while (is_blank(*cmd))
		cmd++;
	if (*cmd == '\0')
		return 0;
	rc = json_form(cmd, args, err);
	if (rc < 0)
		return -1;
	*json = rc == 1;
	if (rc == 0)
		bld_list_push(args, cmd);
	return 0;
}

enum rule {
	RULE_IGNORE,       /* an unknown instruction: no arguments (checked later) */
	RULE_STRING,       /* the rest, as one argument */
	RULE_WORDS,        /* words separated by blanks */
	RULE_MAYBE_JSON,   /* a JSON array, or the rest as one argument */
	RULE_JSON_OR_LIST, /* a JSON array, or words separated by blanks */
	RULE_NAME_VALUES,  /* ENV, LABEL */
	RULE_NAMES,        /* ARG: NAME or NAME=VALUE words */
	RULE_HEALTH,
	RULE_SUBCOMMAND, /* ONBUILD */
};

static const struct {
	const char *name;
	enum rule rule;
} rules[] = {
    {"add", RULE_JSON_OR_LIST},      {"arg", RULE_NAMES},
    {"cmd", RULE_MAYBE_JSON},        {"copy", RULE_JSON_OR_LIST},
    {"entrypoint", RULE_MAYBE_JSON}, {"env", RULE_NAME_VALUES},
    {"expose", RULE_WORDS},          {"from", RULE_WORDS},
    {"healthcheck", RULE_HEALTH},    {"label", RULE_NAME_VALUES},
    {"maintainer", RULE_STRING},     {"onbuild", RULE_SUBCOMMAND},
    {"run", RULE_MAYBE_JSON},        {"shell", RULE_MAYBE_JSON},
    {"stopsignal", RULE_STRING},     {"user", RULE_STRING},
    {"volume", RULE_JSON_OR_LIST},   {"workdir", RULE_STRING},
};

static enum rule rule_of(const char *cmd)
{
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (strcasecmp(cmd, rules[i].name) == 0)
			return rules[i].rule;
	return RULE_IGNORE;
}

static int split_args(struct bld_node *n, enum rule rule, const char *rest, char escape,
                      struct bld_list *args, struct mc_error *err)
{
	int rc;

	switch (rule) {
	case RULE_IGNORE:
		return 0;
	case RULE_STRING:
		if (rest[0] != '\0')
			bld_list_push(args, rest);
		return 0;
	case RULE_WORDS:
		split_blanks(rest, args);
		return 0;
	case RULE_MAYBE_JSON:
	case RULE_JSON_OR_LIST:
		if (rest[0] == '\0' && rule == RULE_MAYBE_JSON)
			return 0;
		rc = json_form(rest, args, err);
		if (rc != 0) {
			n->json = rc == 1;
			return rc < 0 ? -1 : 0;
		}
		if (rule == RULE_MAYBE_JSON)
			bld_list_push(args, rest);
		else
			split_blanks(rest, args);
		return 0;
	case RULE_NAME_VALUES:
		return name_values(rest, strcasecmp(n->cmd, "env") == 0 ? "ENV" : "LABEL", escape,
		                   args, err);
	case RULE_NAMES:
		quoted_words(rest, escape, args);
		return 0;
	case RULE_HEALTH:
		return health(rest, args, &n->json, err);
	case RULE_SUBCOMMAND:
		if (rest[0] == '\0')
			return 0;
		n->child = calloc(1, sizeof(*n->child));
		if (n->child == NULL)
			return mc_fail(err, ENOMEM, "parse");
		return bld_parse_line(rest, escape, n->child, err);
	}
	return 0;
}

int bld_parse_line(const char *line, char escape, struct bld_node *n, struct mc_error *err)
{
	struct bld_list flags = {0}, args = {0};
	char *start = NULL, *rest = NULL;
	const char *p = line;
	size_t len;
	int rc = -1;

	memset(n, 0, sizeof(*n));
	while (is_token_blank(*p) || *p == '\n')
		p++;
	len = strcspn(p, " \t\v\f\r\n");
	n->cmd = strndup(p, len);
	n->original = strdup(line);
	p += len;
	if (n->cmd == NULL || n->original == NULL) {
		mc_fail(err, ENOMEM, "parse");
		goto out;
	}
	while (is_token_blank(*p))
		p++;
	start = strdup(p);
	if (start == NULL) {
		mc_fail(err, ENOMEM, "parse");
		goto out;
	}
	p = builder_flags(start, &flags);
	rest = trimmed(p, strlen(p));
	if (rest == NULL) {
		mc_fail(err, ENOMEM, "parse");
		goto out;
	}
	if (split_args(n, rule_of(n->cmd), rest, escape, &args, err) < 0)
		goto out;
	if (flags.failed || args.failed) {
		mc_fail(err, ENOMEM, "parse");
		goto out;
	}
	n->flags = flags.v ? flags.v : calloc(1, sizeof(char *));
	n->nflags = flags.n;
	n->args = args.v ? args.v : calloc(1, sizeof(char *));
	n->nargs = args.n;
	flags.v = args.v = NULL;
	rc = n->flags && n->args ? 0 : mc_fail(err, ENOMEM, "parse");
out:
	bld_list_free(&flags);
	bld_list_free(&args);
	free(start);
	free(rest);
	return rc;
}

/* ---- heredocs ------------------------------------------------------------------------------ */

bool bld_heredoc_word(const char *word, struct bld_heredoc *h)
{
	struct bld_lex lx;
	struct mc_error ignored;
	char **plain = NULL, **raw = NULL;
	size_t nplain, nraw, qplain = 0, qraw = 0;
	const char *p = word;
	bool ok = false;

	memset(h, 0, sizeof(*h));
	while (*p >= '0' && *p <= '9')
		h->fd = h->fd * 10 + (unsigned)(*p++ - '0');
	if (p[0] != '<' || p[1] != '<')
		return false;
	p += 2;
	if (*p == '-') {
		h->chomp = true;
		p++;
	}
	if (*p == '\0' || strchr(p, '<') != NULL)
		return false;
	/* The name is one shell word; if quoting changed it, the content is not expanded. */
	bld_lex_init(&lx, '\\');
	lx.skip_unset = true;
	if (bld_expand_words(&lx, p, NULL, &plain, &nplain, &ignored) < 0 || nplain != 1)
		goto out;
	lx.raw_quotes = true;
	if (bld_expand_words(&lx, p, NULL, &raw, &nraw, &ignored) < 0 || nraw != 1)
		goto out;
	for (const char *c = plain[0]; *c; c++)
		qplain += *c == '\'' || *c == '"';
	for (const char *c = raw[0]; *c; c++)
		qraw += *c == '\'' || *c == '"';
	h->expand = qplain == qraw;
	h->name = strdup(plain[0]);
	ok = h->name != NULL;
out:
	bld_strv_free(plain);
	bld_strv_free(raw);
	return ok;
}

char *bld_heredoc_text(const struct bld_heredoc *h)
{
	struct bld_buf out = {0};
	bool line_start = true;

	if (!h->chomp)
		return strdup(h->content ? h->content : "");
	for (const char *p = h->content ? h->content : ""; *p != '\0'; p++) {
		if (line_start && *p == '\t')
			continue;
		line_start = *p == '\n';
		bld_buf_addc(&out, *p);
	}
	return bld_buf_take(&out);
}

/* RUN, COPY and ADD (also as an ONBUILD trigger) may have heredocs; the JSON form may not. */
static bool can_have_heredocs(const struct bld_node *n)
{
	if (strcasecmp(n->cmd, "onbuild") == 0 && n->child != NULL)
		n = n->child;
	if (n->json)
		return false;
	return strcasecmp(n->cmd, "run") == 0 || strcasecmp(n->cmd, "copy") == 0 ||
	       strcasecmp(n->cmd, "add") == 0;
}

/* The heredoc words of an instruction's line: split as a shell would, quotes kept. */
static int find_heredocs(const char *line, struct bld_heredoc **docs, size_t *n,
                         struct mc_error *err)
{
	struct bld_lex lx;
	struct mc_error ignored;
	char **words = NULL;
	size_t count = 0;

	*docs = NULL;
	*n = 0;
	bld_lex_init(&lx, '\\');
	lx.raw_quotes = lx.raw_escapes = lx.skip_unset = true;
	if (bld_expand_words(&lx, line, NULL, &words, &count, &ignored) < 0)
		return 0; /* not shell words: no heredocs either */
	for (size_t i = 0; i < count; i++) {
		struct bld_heredoc h, *more;

		if (!bld_heredoc_word(words[i], &h))
			continue;
		more = realloc(*docs, (*n + 1) * sizeof(**docs));
		if (more == NULL) {
			free(h.name);
			bld_strv_free(words);
			return mc_fail(err, ENOMEM, "heredoc");
		}
		*docs = more;
		(*docs)[(*n)++] = h;
	}
	bld_strv_free(words);
	return 0;
}

/* Read each heredoc's lines, up to its terminator. */
static int read_heredocs(struct reader *r, struct bld_node *node, struct mc_error *err)
{
	for (size_t i = 0; i < node->nheredocs; i++) {
		struct bld_heredoc *h = &node->heredocs[i];
		struct bld_buf content = {0};
		bool done = false;
		const char *s;
		size_t len;

		while (!done && next_line(r, &s, &len)) {
			size_t n = trim_newline(s, len);
			const char *t = s;

			if (h->chomp)
				while (n > 0 && *t == '\t')
					t++, n--;
			if (n == strlen(h->name) && memcmp(t, h->name, n) == 0)
				done = true;
			else
				bld_buf_add(&content, s, len);
		}
		if (!done) {
			bld_buf_free(&content);
			return mc_fail(err, 0, "unterminated heredoc");
		}
		h->content = bld_buf_take(&content);
		if (h->content == NULL)
			return mc_fail(err, ENOMEM, "heredoc");
	}
	return 0;
}

/* ---- the whole file ---------------------------------------------------------------------------- */

static int add_node(struct bld_dockerfile *df, struct bld_node *n, struct mc_error *err)
{
	struct bld_node *more = realloc(df->nodes, (df->count + 1) * sizeof(*more));

	if (more == NULL)
		return mc_fail(err, ENOMEM, "parse");
	df->nodes = more;
	df->nodes[df->count++] = *n;
	return 0;
}

/* One instruction: its first line is read already (s, len); join its continuation lines. */
static int join_lines(struct reader *r, struct directives *d, struct bld_buf *line,
                      bool *empty_continuation, struct mc_error *err)
{
	const char *s;
	size_t len;

	while (next_line(r, &s, &len)) {
		const char *raw = s;
		size_t raw_len = len;

		if (len > BLD_MAX_LINE)
			return mc_fail(err, 0,
			               "dockerfile line greater than max allowed size of %d",
			               BLD_MAX_LINE);
		if (process_line(d, &s, &len, false, err) < 0)
			return -1;
		if (is_comment(raw, raw_len))
			continue;
		if (skip_blanks(s, &len), len == 0) {
			*empty_continuation = true;
			continue;
		}
		len = trim_newline(raw, raw_len);
		s = raw;
		if (!continues(d->escape, s, &len)) {
			bld_buf_add(line, s, len);
			return 0;
		}
		bld_buf_add(line, s, len);
	}
	return 0;
}

static int parse_all(struct reader *r, struct directives *d, struct bld_dockerfile *df, int *at,
                     struct mc_error *err)
{
	struct bld_buf line = {0};
	struct bld_list warnings = {0};
	const char *s;
	size_t len;
	int rc = 0;

	while (rc == 0 && next_line(r, &s, &len)) {
		struct bld_node node;
		bool empty_continuation = false;
		int start;

		if (len > BLD_MAX_LINE) {
			rc = mc_fail(err, 0, "dockerfile line greater than max allowed size of %d",
			             BLD_MAX_LINE);
			break;
		}
		/* A byte-order mark in front of the first line is not part of it. */
		if (r->line == 1 && len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
			s += 3, len -= 3;
		*at = start = r->line;
		if (process_line(d, &s, &len, true, err) < 0) {
			rc = -1;
			break;
		}
		bld_buf_reset(&line);
		if (!continues(d->escape, s, &len)) {
			if (len == 0)
				continue;
			bld_buf_add(&line, s, len);
		} else {
			bld_buf_add(&line, s, len);
			if (join_lines(r, d, &line, &empty_continuation, err) < 0) {
				rc = -1;
				break;
			}
		}
		if (line.failed) {
			rc = mc_fail(err, ENOMEM, "parse");
			break;
		}
		if (empty_continuation)
			bld_list_push_owned(&warnings,
			                    strdup("[WARNING]: Empty continuation line found in:"));
		if (bld_parse_line(bld_buf_str(&line), d->escape, &node, err) < 0) {
			bld_node_free(&node);
			*at = start;
			rc = -1;
			break;
		}
		node.start_line = start;
		if (can_have_heredocs(&node) &&
		    (find_heredocs(bld_buf_str(&line), &node.heredocs, &node.nheredocs, err) < 0 ||
		     read_heredocs(r, &node, err) < 0)) {
			bld_node_free(&node);
			*at = start;
			rc = -1;
			break;
		}
		node.end_line = r->line;
		if (add_node(df, &node, err) < 0) {
			bld_node_free(&node);
			rc = -1;
		}
	}
	if (rc == 0 && df->count == 0) {
		*at = r->line;
		rc = mc_fail(err, 0, "file with no instructions");
	}
	bld_buf_free(&line);
	df->warnings = warnings.v;
	return rc;
}

int bld_parse(const char *text, size_t len, const char *file, struct bld_dockerfile *df, int *line,
              struct mc_error *err)
{
	struct reader r = {text, len, 0, 0};
	struct directives d = {.escape = '\\'};
	int at = 0, rc;

	memset(df, 0, sizeof(*df));
	df->file = strdup(file ? file : "Dockerfile");
	if (df->file == NULL)
		return mc_fail(err, ENOMEM, "parse");
	if (memchr(text, '\0', len) != NULL) {
		at = 1;
		rc = mc_fail(err, 0, "the file contains a NUL byte: not a Dockerfile");
	} else {
		rc = parse_all(&r, &d, df, &at, err);
	}
	df->escape = d.escape;
	df->syntax = d.syntax;
	if (line != NULL)
		*line = at;
	if (rc < 0) {
		mc_fail_context(err, "%s:%d", df->file, at);
		bld_dockerfile_free(df);
	}
	return rc;
}

void bld_node_free(struct bld_node *n)
{
	if (n->child != NULL) {
		bld_node_free(n->child);
		free(n->child);
	}
	for (size_t i = 0; i < n->nheredocs; i++) {
		free(n->heredocs[i].name);
		free(n->heredocs[i].content);
	}
	free(n->heredocs);
	bld_strv_free(n->flags);
	bld_strv_free(n->args);
	free(n->cmd);
	free(n->original);
	memset(n, 0, sizeof(*n));
}

void bld_dockerfile_free(struct bld_dockerfile *df)
{
	for (size_t i = 0; i < df->count; i++)
		bld_node_free(&df->nodes[i]);
	free(df->nodes);
	free(df->file);
	free(df->syntax);
	bld_strv_free(df->warnings);
	memset(df, 0, sizeof(*df));
}

/* ---- BuildKit's dump ------------------------------------------------------------------------ */

void bld_quote_go(struct bld_buf *b, const char *s)
{
	static const char named[] = "\a\b\f\n\r\t\v";
	static const char letters[] = "abfnrtv";

	bld_buf_addc(b, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		const char *e = strchr(named, *p);
		size_t n = *p >= 0xf0 ? 4 : *p >= 0xe0 ? 3 : *p >= 0xc2 ? 2 : 1;
		bool valid = n > 1;

		for (size_t k = 1; k < n && valid; k++)
			valid = (p[k] & 0xc0) == 0x80;
		if (*p == '"' || *p == '\\') {
			bld_buf_addc(b, '\\');
			bld_buf_addc(b, (char)*p);
		} else if (e != NULL) {
			bld_buf_addc(b, '\\');
			bld_buf_addc(b, letters[e - named]);
		} else if (*p < 0x20 || *p == 0x7f || (*p >= 0x80 && !valid)) {
			bld_buf_printf(b, "\\x%02x", *p);
		} else if (valid && n == 2 && p[0] == 0xc2 && p[1] < 0xa0) {
			bld_buf_printf(b, "\\u%04x", p[1]); /* C1 control characters */
		} else {
			bld_buf_add(b, (const char *)p, valid ? n : 1);
			p += valid ? n - 1 : 0;
		}
	}
	bld_buf_addc(b, '"');
}

static void go_quote(FILE *out, const char *s)
{
	struct bld_buf b = {0};

	bld_quote_go(&b, s);
	fputs(bld_buf_str(&b), out);
	bld_buf_free(&b);
}

void bld_dump_node(FILE *out, const struct bld_node *n)
{
	for (const char *c = n->cmd; *c; c++)
		fputc(tolower((unsigned char)*c), out);
	if (n->nflags > 0) {
		fputs(" [", out);
		for (size_t i = 0; i < n->nflags; i++) {
			if (i > 0)
				fputc(' ', out);
			go_quote(out, n->flags[i]);
		}
		fputc(']', out);
	}
	if (n->child != NULL) {
		fputs(" (", out);
		bld_dump_node(out, n->child);
		fputc(')', out);
	}
	for (size_t i = 0; i < n->nargs; i++) {
		fputc(' ', out);
		go_quote(out, n->args[i]);
	}
}

void bld_dump(FILE *out, const struct bld_dockerfile *df)
{
	for (size_t i = 0; i < df->count; i++) {
		fputc('(', out);
		bld_dump_node(out, &df->nodes[i]);
		fputs(")\n", out);
	}
}
