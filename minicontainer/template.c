/*
 * template.c - Go templates over JSON documents (see mc_template.h).
 *
 * Two stages, as in Go's text/template: parse the text into a tree of nodes
 * (text, actions, if/range/with blocks), then walk the tree with "dot" - the
 * value the template is looking at - printing as it goes.  An action is a
 * pipeline: commands separated by '|', each either a value (.Field, "string",
 * 42, true, a parenthesized pipeline) or a function and its arguments; the
 * result of one command becomes the last argument of the next.
 */
#define _GNU_SOURCE
#include "mc_template.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- the tree ------------------------------------------------------------------------------------ */

enum arg_kind { A_FIELD, A_DOLLAR, A_STRING, A_NUMBER, A_BOOL, A_NIL, A_FUNC, A_PIPE };

struct pipe;

struct arg {
	enum arg_kind kind;
	char **path; /* A_FIELD, A_DOLLAR: ".A.B" -> {"A", "B"} */
	size_t npath;
	char *str; /* A_STRING: the text; A_FUNC: the name */
	/* (path: also the fields taken from an A_PIPE's result) */
	double num; /* A_NUMBER */
	bool is_int, bool_value;
	struct pipe *pipe; /* A_PIPE */
};

struct cmd {
	struct arg *args;
	size_t nargs;
};

struct pipe {
	struct cmd *cmds;
	size_t ncmds;
};

enum node_kind { N_TEXT, N_ACTION, N_IF, N_RANGE, N_WITH };

struct node {
	enum node_kind kind;
	char *text;              /* N_TEXT */
	struct pipe *pipe;       /* the others */
	struct node *body, *alt; /* blocks: the body, and what {{else}} leads to */
	struct node *next;
};

struct mc_template {
	struct node *root;
	bool missing_is_error;
};

/* ---- parsing ------------------------------------------------------------------------------------- */

struct parser {
	const char *text, *p;      /* the whole template, and where we are */
	const char *act, *act_end; /* inside an action: its text */
	struct mc_error *err;
	bool failed;
};

/* "template: LINE:COLUMN: message", as Go words its errors. */
static void *syntax(struct parser *ps, const char *at, const char *what)
{
	int line = 1, col = 1;

	for (const char *q = ps->text; q < at && *q != '\0'; q++, col++)
		if (*q == '\n')
			line++, col = 0;
	if (!ps->failed)
		mc_fail(ps->err, 0, "template: %d:%d: %s", line, col, what);
	ps->failed = true;
	return NULL;
}

static void skip_space(struct parser *ps)
{
	while (ps->p < ps->act_end && isspace((unsigned char)*ps->p))
		ps->p++;
}

static struct pipe *parse_pipe(struct parser *ps, bool in_parens);

static char *dup_range(const char *from, const char *to)
{
	return strndup(from, (size_t)(to - from));
}

/* ".A.B" (from the dot) or "$.A.B": the field names. */
static bool parse_path(struct parser *ps, struct arg *a)
{
	while (ps->p < ps->act_end && *ps->p == '.') {
		const char *start = ++ps->p;

		while (ps->p < ps->act_end && (isalnum((unsigned char)*ps->p) || *ps->p == '_'))
			ps->p++;
		if (ps->p == start) {
			if (a->npath == 0 &&
			    (ps->p >= ps->act_end || !isalpha((unsigned char)*ps->p)))
				return true; /* "." alone: dot itself */
			syntax(ps, ps->p, "bad field name");
			return false;
		}
		a->path = realloc(a->path, (a->npath + 1) * sizeof(char *));
		a->path[a->npath++] = dup_range(start, ps->p);
	}
	return true;
}

static bool parse_string(struct parser *ps, struct arg *a)
{
	char quote = *ps->p++, *out = malloc((size_t)(ps->act_end - ps->p) + 1);
	size_t n = 0;

	a->kind = A_STRING;
	a->str = out;
	while (ps->p < ps->act_end && *ps->p != quote) {
		char c = *ps->p++;

		if (c == '\\' && quote == '"' && ps->p < ps->act_end) {
			c = *ps->p++;
			c = c == 'n' ? '\n' : c == 't' ? '\t' : c == 'r' ? '\r' : c;
		}
		out[n++] = c;
	}
	out[n] = '\0';
	if (ps->p >= ps->act_end) {
		syntax(ps, ps->p, "unterminated quoted string");
		return false;
	}
	ps->p++;
	return true;
}

/* One operand of a command, or false at its end. */
static bool parse_arg(struct parser *ps, struct arg *a, bool *done)
{
	memset(a, 0, sizeof(*a));
	skip_space(ps);
	*done = ps->p >= ps->act_end || *ps->p == '|' || *ps->p == ')';
	if (*done)
		return true;
	if (*ps->p == '.') {
		a->kind = A_FIELD;
		return parse_path(ps, a);
	}
	if (*ps->p == '$') {
		ps->p++;
		a->kind = A_DOLLAR;
		return parse_path(ps, a);
	}
	if (*ps->p == '"' || *ps->p == '`')
		return parse_string(ps, a);
	if (*ps->p == '(') {
		ps->p++;
		a->kind = A_PIPE;
		a->pipe = parse_pipe(ps, true);
		/* (index .Mounts 1).Source: fields of what the pipeline gave */
		return a->pipe != NULL && parse_path(ps, a);
	}
	if (isdigit((unsigned char)*ps->p) || *ps->p == '-' || *ps->p == '+') {
		char *end;

		a->kind = A_NUMBER;
		a->num = strtod(ps->p, &end);
		a->is_int = strcspn(ps->p, ".eE") >= (size_t)(end - ps->p);
		if (end == ps->p || end > ps->act_end) {
			syntax(ps, ps->p, "bad number");
			return false;
		}
		ps->p = end;
		return true;
	}
	if (isalpha((unsigned char)*ps->p) || *ps->p == '_') {
		const char *start = ps->p;

		while (ps->p < ps->act_end && (isalnum((unsigned char)*ps->p) || *ps->p == '_'))
			ps->p++;
		a->str = dup_range(start, ps->p);
		if (strcmp(a->str, "true") == 0 || strcmp(a->str, "false") == 0) {
			a->kind = A_BOOL;
			a->bool_value = a->str[0] == 't';
		} else if (strcmp(a->str, "nil") == 0) {
			a->kind = A_NIL;
		} else {
			a->kind = A_FUNC;
		}
		return true;
	}
	syntax(ps, ps->p, "unexpected character in action");
	return false;
}

static void free_pipe(struct pipe *p);

/* On a syntax error, what was parsed so far goes (the error is already in ps). */
static struct pipe *drop(struct pipe *pipe, struct cmd *partial)
{
	if (partial != NULL && partial->nargs > 0) {
		pipe->cmds = realloc(pipe->cmds, (pipe->ncmds + 1) * sizeof(struct cmd));
		pipe->cmds[pipe->ncmds++] = *partial;
	} else if (partial != NULL) {
		free(partial->args);
	}
	free_pipe(pipe);
	return NULL;
}

static struct pipe *parse_pipe(struct parser *ps, bool in_parens)
{
	struct pipe *pipe = calloc(1, sizeof(*pipe));

	for (;;) {
		struct cmd cmd = {NULL, 0};
		struct arg a;
		bool done;

		while (parse_arg(ps, &a, &done) && !done) {
			cmd.args = realloc(cmd.args, (cmd.nargs + 1) * sizeof(struct arg));
			cmd.args[cmd.nargs++] = a;
		}
		if (ps->failed) {
			/* (the operand that failed may hold half its fields: it goes too) */
			cmd.args = realloc(cmd.args, (cmd.nargs + 1) * sizeof(struct arg));
			cmd.args[cmd.nargs++] = a;
			return drop(pipe, &cmd);
		}
		if (cmd.nargs == 0) {
			syntax(ps, ps->p, "missing value for command");
			return drop(pipe, &cmd);
		}
		pipe->cmds = realloc(pipe->cmds, (pipe->ncmds + 1) * sizeof(struct cmd));
		pipe->cmds[pipe->ncmds++] = cmd;
		if (ps->p < ps->act_end && *ps->p == '|') {
			ps->p++;
			continue;
		}
		if (in_parens) {
			if (ps->p >= ps->act_end || *ps->p != ')') {
				syntax(ps, ps->p, "unclosed left paren");
				return drop(pipe, NULL);
			}
			ps->p++;
		} else if (ps->p < ps->act_end && *ps->p == ')') {
			syntax(ps, ps->p, "unexpected right paren");
			return drop(pipe, NULL);
		}
		return pipe;
	}
}

/* The next action: its text between "{{" and "}}" (trim markers handled). */
struct action {
	const char *start, *end; /* inside the braces */
	const char *after;       /* where the template goes on */
	bool trim_after;
};

static bool next_action(struct parser *ps, const char **text_end, struct action *a)
{
	const char *open = strstr(ps->p, "{{"), *close;

	if (open == NULL) {
		*text_end = ps->p + strlen(ps->p);
		return false;
	}
	*text_end = open;
	a->start = open + 2;
	/* "{{- " trims the whitespace before the action */
	if (a->start[0] == '-' && isspace((unsigned char)a->start[1])) {
		while (*text_end > ps->p && isspace((unsigned char)(*text_end)[-1]))
			(*text_end)--;
		a->start += 2;
	}
	close = strstr(a->start, "}}");
	if (close == NULL) {
		syntax(ps, open, "unclosed action");
		return false;
	}
	a->end = close;
	a->trim_after =
	    close - 2 >= a->start && close[-1] == '-' && isspace((unsigned char)close[-2]);
	if (a->trim_after)
		a->end = close - 2;
	a->after = close + 2;
	return true;
}

/* What an action's first word is: a keyword that shapes the tree, or none. */
static const char *keyword(const struct action *a, const char **rest)
{
	static const char *const words[] = {"if", "else", "end", "range", "with"};
	const char *p = a->start;

	while (p < a->end && isspace((unsigned char)*p))
		p++;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		size_t n = strlen(words[i]);

		if ((size_t)(a->end - p) >= n && strncmp(p, words[i], n) == 0 &&
		    (p + n == a->end || !isalnum((unsigned char)p[n]))) {
			*rest = p + n;
			return words[i];
		}
	}
	*rest = p;
	return NULL;
}

static struct pipe *pipe_of(struct parser *ps, const char *from, const char *to)
{
	ps->p = from;
	ps->act_end = to;
	skip_space(ps);
	if (ps->p >= to)
		return syntax(ps, from, "missing value");
	return parse_pipe(ps, false);
}

static void free_nodes(struct node *n);

/*
 * Nodes until {{end}} or {{else ...}} (when `in_block`); *stop says which
 * ended the list ("end", "else", or NULL at the end of the template) and
 * *else_rest what followed an "else" (for "else if").
 */
static struct node *parse_list(struct parser *ps, bool in_block, const char **stop,
                               const char **else_rest)
{
	struct node *head = NULL, **tail = &head;

	*stop = NULL;
	for (;;) {
		const char *text_end, *rest, *kw;
		struct action a = {NULL, NULL, NULL, false};
		bool more = next_action(ps, &text_end, &a);
		struct node *n;

		if (ps->failed)
			goto fail;
		if (text_end > ps->p) {
			n = calloc(1, sizeof(*n));
			n->kind = N_TEXT;
			n->text = dup_range(ps->p, text_end);
			*tail = n;
			tail = &n->next;
		}
		if (!more) {
			ps->p = text_end;
			if (in_block) {
				syntax(ps, text_end, "unexpected EOF");
				goto fail;
			}
			return head;
		}
		/* Where the template continues, after "-}}" trims what follows. */
		ps->p = a.after;
		if (a.trim_after)
			while (isspace((unsigned char)*ps->p))
				ps->p++;
		{
			const char *s = a.start;

			while (s < a.end && isspace((unsigned char)*s))
				s++;
			if ((size_t)(a.end - s) >= 2 && strncmp(s, "/*", 2) == 0)
				continue; /* a comment */
		}
		kw = keyword(&a, &rest);
		if (kw != NULL && (strcmp(kw, "end") == 0 || strcmp(kw, "else") == 0)) {
			if (!in_block) {
				syntax(ps, a.start,
				       kw[0] == 'e' && kw[1] == 'n' ? "unexpected {{end}}"
				                                    : "unexpected {{else}}");
				goto fail;
			}
			*stop = kw;
			*else_rest = rest;
			/* (else's text is parsed by the caller, from the action's own bounds) */
			ps->act = rest;
			ps->act_end = a.end;
			return head;
		}
		n = calloc(1, sizeof(*n));
		*tail = n;
		tail = &n->next;
		if (kw == NULL) {
			n->kind = N_ACTION;
			n->pipe = pipe_of(ps, a.start, a.end);
			ps->p = a.after;
			if (a.trim_after)
				while (isspace((unsigned char)*ps->p))
					ps->p++;
			if (n->pipe == NULL)
				goto fail;
			continue;
		}
		n->kind = kw[0] == 'i' ? N_IF : kw[0] == 'r' ? N_RANGE : N_WITH;
		n->pipe = pipe_of(ps, rest, a.end);
		ps->p = a.after;
		if (a.trim_after)
			while (isspace((unsigned char)*ps->p))
				ps->p++;
		if (n->pipe == NULL)
			goto fail;
		/* The block: its body, then {{else}} (or {{else if ...}}), then {{end}}. */
		{
			const char *block_stop, *erest;
			struct node **alt = &n->alt, *cur = n;

			n->body = parse_list(ps, true, &block_stop, &erest);
			if (ps->failed)
				goto fail;
			while (block_stop != NULL && strcmp(block_stop, "else") == 0) {
				const char *e = erest, *eend = ps->act_end;

				while (e < eend && isspace((unsigned char)*e))
					e++;
				if (cur->kind == N_IF && (size_t)(eend - e) > 2 &&
				    strncmp(e, "if", 2) == 0 && isspace((unsigned char)e[2])) {
					/* {{else if P}}: a nested if in the else branch, one {{end}} for all */
					struct node *elif = calloc(1, sizeof(*elif));

					const char *resume = ps->p; /* after the else action */

					elif->kind = N_IF;
					elif->pipe = pipe_of(ps, e + 2, eend);
					ps->p = resume;
					*alt = elif;
					if (elif->pipe == NULL)
						goto fail;
					elif->body = parse_list(ps, true, &block_stop, &erest);
					alt = &elif->alt;
					cur = elif;
				} else {
					if (e < eend) {
						syntax(ps, e, "unexpected words after {{else}}");
						goto fail;
					}
					*alt = parse_list(ps, true, &block_stop, &erest);
					if (block_stop != NULL && strcmp(block_stop, "else") == 0) {
						syntax(ps, ps->p, "expected {{end}}");
						goto fail;
					}
				}
				if (ps->failed)
					goto fail;
			}
		}
	}
fail:
	free_nodes(head);
	return NULL;
}

int mc_template_parse(const char *text, struct mc_template **out, struct mc_error *err)
{
	struct parser ps = {text, text, NULL, NULL, err, false};
	const char *stop, *rest;
	struct node *root;

	*out = NULL;
	root = parse_list(&ps, false, &stop, &rest);
	if (ps.failed)
		return -1;
	*out = calloc(1, sizeof(**out));
	if (*out == NULL) {
		free_nodes(root);
		return mc_fail(err, ENOMEM, "template");
	}
	(*out)->root = root;
	return 0;
}

static void free_pipe(struct pipe *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->ncmds; i++) {
		for (size_t j = 0; j < p->cmds[i].nargs; j++) {
			struct arg *a = &p->cmds[i].args[j];

			for (size_t k = 0; k < a->npath; k++)
				free(a->path[k]);
			free(a->path);
			free(a->str);
			free_pipe(a->pipe);
		}
		free(p->cmds[i].args);
	}
	free(p->cmds);
	free(p);
}

static void free_nodes(struct node *n)
{
	while (n != NULL) {
		struct node *next = n->next;

		free(n->text);
		free_pipe(n->pipe);
		free_nodes(n->body);
		free_nodes(n->alt);
		free(n);
		n = next;
	}
}

void mc_template_free(struct mc_template *t)
{
	if (t == NULL)
		return;
	free_nodes(t->root);
	free(t);
}

/* ---- values -------------------------------------------------------------------------------------- */

/*
 * A value is a json_t with a reference of its own - or NULL, which is Go's
 * "<no value>": a field that is not there.
 */
static json_t *keep(json_t *v)
{
	return v == NULL ? NULL : json_incref(v);
}

static bool truth(json_t *v)
{
	if (v == NULL || json_is_null(v) || json_is_false(v))
		return false;
	if (json_is_integer(v))
		return json_integer_value(v) != 0;
	if (json_is_real(v))
		return json_real_value(v) != 0;
	if (json_is_string(v))
		return json_string_length(v) > 0;
	if (json_is_array(v))
		return json_array_size(v) > 0;
	if (json_is_object(v))
		return json_object_size(v) > 0;
	return true;
}

static int compare_keys(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* An object's keys, sorted: Go prints and ranges over maps in key order. */
static const char **sorted_keys(json_t *obj, size_t *n)
{
	const char **keys = calloc(json_object_size(obj) + 1, sizeof(char *)), *k;
	json_t *v;

	*n = 0;
	if (keys == NULL)
		return NULL;
	json_object_foreach(obj, k, v) keys[(*n)++] = k;
	qsort(keys, *n, sizeof(char *), compare_keys);
	return keys;
}

/* As Go's fmt prints a value with %v. */
static void print_value(FILE *out, json_t *v)
{
	if (v == NULL) {
		fputs("<no value>", out);
	} else if (json_is_string(v)) {
		fwrite(json_string_value(v), 1, json_string_length(v), out);
	} else if (json_is_integer(v)) {
		fprintf(out, "%lld", (long long)json_integer_value(v));
	} else if (json_is_real(v)) {
		double d = json_real_value(v);

		if (d == floor(d) && fabs(d) < 1e21)
			fprintf(out, "%.0f", d);
		else
			fprintf(out, "%g", d);
	} else if (json_is_boolean(v)) {
		fputs(json_is_true(v) ? "true" : "false", out);
	} else if (json_is_null(v)) {
		fputs("<nil>", out);
	} else if (json_is_array(v)) {
		size_t i;
		json_t *e;

		fputc('[', out);
		json_array_foreach(v, i, e)
		{
			if (i > 0)
				fputc(' ', out);
			print_value(out, e);
		}
		fputc(']', out);
	} else {
		size_t n;
		const char **keys = sorted_keys(v, &n);

		fputs("map[", out);
		for (size_t i = 0; i < n; i++) {
			fprintf(out, "%s%s:", i ? " " : "", keys[i]);
			print_value(out, json_object_get(v, keys[i]));
		}
		fputc(']', out);
		free(keys);
	}
}

/* print_value into a new string. */
static char *value_text(json_t *v)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (f == NULL)
		return NULL;
	print_value(f, v);
	fclose(f);
	return buf;
}

/* ---- functions ----------------------------------------------------------------------------------- */

struct call {
	json_t **args;
	size_t nargs;
	struct mc_error *err;
	const char *name;
};

static json_t *fail_call(struct call *c, const char *what)
{
	mc_fail(c->err, 0, "template: error calling %s: %s", c->name, what);
	return NULL;
}

static bool want(struct call *c, size_t min, size_t max)
{
	if (c->nargs >= min && c->nargs <= max)
		return true;
	mc_fail(c->err, 0, "template: wrong number of args for %s: want %zu got %zu", c->name, min,
	        c->nargs);
	return false;
}

/* Ordering for eq/lt: -2 when the two cannot be compared. */
static int compare(json_t *a, json_t *b)
{
	if (a == NULL || b == NULL || json_is_null(a) || json_is_null(b))
		return (a == NULL || json_is_null(a)) && (b == NULL || json_is_null(b)) ? 0 : -2;
	if (json_is_number(a) && json_is_number(b)) {
		double x = json_number_value(a), y = json_number_value(b);

		return x < y ? -1 : x > y;
	}
	if (json_is_string(a) && json_is_string(b)) {
		int r = strcmp(json_string_value(a), json_string_value(b));

		return r < 0 ? -1 : r > 0;
	}
	if (json_is_boolean(a) && json_is_boolean(b))
		return json_is_true(a) == json_is_true(b) ? 0 : -3;
	return -2;
}

static json_t *fn_compare(struct call *c)
{
	const char *n = c->name;
	int r;

	if (strcmp(n, "eq") == 0) {
		if (c->nargs < 2)
			return fail_call(c, "missing argument for comparison");
		for (size_t i = 1; i < c->nargs; i++)
			if (compare(c->args[0], c->args[i]) == 0)
				return json_true();
		return json_false();
	}
	if (!want(c, 2, 2))
		return NULL;
	r = compare(c->args[0], c->args[1]);
	if (strcmp(n, "ne") == 0)
		return json_boolean(r != 0);
	if (r == -2 || r == -3)
		return fail_call(c, "incompatible types for comparison");
	if (strcmp(n, "lt") == 0)
		return json_boolean(r < 0);
	if (strcmp(n, "le") == 0)
		return json_boolean(r <= 0);
	if (strcmp(n, "gt") == 0)
		return json_boolean(r > 0);
	return json_boolean(r >= 0); /* ge */
}

static json_t *fn_logic(struct call *c)
{
	if (strcmp(c->name, "not") == 0)
		return want(c, 1, 1) ? json_boolean(!truth(c->args[0])) : NULL;
	if (c->nargs < 1)
		return fail_call(c, "missing argument");
	/* and/or return the deciding argument itself, as Go's do. */
	for (size_t i = 0; i < c->nargs; i++) {
		bool t = truth(c->args[i]);

		if ((strcmp(c->name, "and") == 0 && !t) || (strcmp(c->name, "or") == 0 && t) ||
		    i == c->nargs - 1)
			return c->args[i] ? json_incref(c->args[i]) : json_null();
	}
	return json_null();
}

static json_t *fn_index(struct call *c)
{
	json_t *v;

	if (c->nargs < 1)
		return fail_call(c, "missing argument");
	v = c->args[0];
	for (size_t i = 1; i < c->nargs; i++) {
		json_t *k = c->args[i];

		if (json_is_object(v) && json_is_string(k)) {
			v = json_object_get(v, json_string_value(k));
			/* A map's zero value: Docker's label and option maps hold strings. */
			if (v == NULL)
				return json_string("");
		} else if (json_is_array(v) && json_is_integer(k)) {
			json_int_t at = json_integer_value(k);

			if (at < 0 || (size_t)at >= json_array_size(v))
				return fail_call(c, "index out of range");
			v = json_array_get(v, (size_t)at);
		} else {
			return fail_call(c, "can't index item");
		}
	}
	return keep(v);
}

static json_t *fn_strings(struct call *c)
{
	const char *n = c->name;
	char *text, *p;
	json_t *r;

	if (strcmp(n, "join") == 0) {
		char *buf = NULL;
		size_t len = 0, i;
		json_t *e;
		FILE *f;

		if (!want(c, 2, 2))
			return NULL;
		if (!json_is_array(c->args[0]))
			return fail_call(c, "join needs a list");
		f = open_memstream(&buf, &len);
		json_array_foreach(c->args[0], i, e)
		{
			if (i > 0)
				print_value(f, c->args[1]);
			print_value(f, e);
		}
		fclose(f);
		r = json_stringn(buf, len);
		free(buf);
		return r;
	}
	if (strcmp(n, "split") == 0) {
		const char *s, *sep;
		size_t seplen;

		if (!want(c, 2, 2) || !json_is_string(c->args[0]) || !json_is_string(c->args[1]))
			return c->err->msg[0] ? NULL : fail_call(c, "split needs two strings");
		s = json_string_value(c->args[0]);
		sep = json_string_value(c->args[1]);
		seplen = strlen(sep);
		r = json_array();
		while (seplen > 0 && (p = strstr(s, sep)) != NULL) {
			json_array_append_new(r, json_stringn(s, (size_t)(p - s)));
			s = p + seplen;
		}
		json_array_append_new(r, json_string(s));
		return r;
	}
	if (!want(c, strcmp(n, "truncate") == 0 ? 2 : 1, strcmp(n, "truncate") == 0 ? 2 : 1))
		return NULL;
	text = value_text(c->args[0]);
	if (text == NULL)
		return fail_call(c, "out of memory");
	if (strcmp(n, "truncate") == 0) {
		json_int_t max = json_integer_value(c->args[1]);

		if (max >= 0 && strlen(text) > (size_t)max)
			text[max] = '\0';
	}
	for (p = text; *p != '\0'; p++)
		if (strcmp(n, "upper") == 0)
			*p = (char)toupper((unsigned char)*p);
		else if (strcmp(n, "lower") == 0)
			*p = (char)tolower((unsigned char)*p);
		else if (strcmp(n, "title") == 0 && (p == text || isspace((unsigned char)p[-1])))
			*p = (char)toupper((unsigned char)*p);
	r = json_string(text);
	free(text);
	return r;
}

static json_t *fn_len(struct call *c)
{
	json_t *v;

	if (!want(c, 1, 1))
		return NULL;
	v = c->args[0];
	if (json_is_string(v))
		return json_integer((json_int_t)json_string_length(v));
	if (json_is_array(v))
		return json_integer((json_int_t)json_array_size(v));
	if (json_is_object(v))
		return json_integer((json_int_t)json_object_size(v));
	return fail_call(c, "len of a value that has no length");
}

static json_t *fn_json(struct call *c)
{
	char *text;
	json_t *r;

	if (!want(c, 1, 1))
		return NULL;
	text = c->args[0] == NULL
	           ? strdup("null")
	           : json_dumps(c->args[0], JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);
	r = json_string(text ? text : "");
	free(text);
	return r;
}

/* printf with Go's verbs: %s %v %d %q %x %%, with a width and '-'. */
static json_t *fn_printf(struct call *c)
{
	char *buf = NULL;
	size_t len = 0, next = 1;
	const char *f;
	json_t *r;
	FILE *out;

	if (c->nargs < 1 || !json_is_string(c->args[0]))
		return fail_call(c, "printf needs a format string");
	out = open_memstream(&buf, &len);
	for (f = json_string_value(c->args[0]); *f != '\0'; f++) {
		char spec[16] = "%", verb;
		size_t s = 1, width;
		json_t *arg;
		char *text;

		if (*f != '%') {
			fputc(*f, out);
			continue;
		}
		f++;
		/* The flags ('-' only), then the width: nothing else reaches fprintf's format. */
		while (*f == '-' && s < sizeof(spec) - 12)
			spec[s++] = *f++;
		width = s;
		while (isdigit((unsigned char)*f) && s < sizeof(spec) - 3)
			spec[s++] = *f++;
		spec[s] = '\0';
		/* Go refuses a width over a million ("%!(BADWIDTH)"): so do we - it
		 * would be that many bytes of output.  (Digits beyond what spec holds
		 * are a width over a million too.) */
		if (isdigit((unsigned char)*f) || strtoll(spec + width, NULL, 10) > 1000000) {
			fputs("%!(BADWIDTH)", out);
			while (isdigit((unsigned char)*f))
				f++;
			s = width;
			memset(spec + s, 0, sizeof(spec) - s); /* (the verb's letters follow) */
		}
		verb = *f;
		if (verb == '%') {
			fputc('%', out);
			continue;
		}
		if (verb == '\0')
			break;
		arg = next < c->nargs ? c->args[next++] : NULL;
		if (verb == 'd' && arg != NULL && json_is_integer(arg)) {
			spec[s++] = 'l', spec[s++] = 'l', spec[s++] = 'd';
			fprintf(out, spec, (long long)json_integer_value(arg));
		} else if (verb == 'x' && arg != NULL && json_is_integer(arg)) {
			spec[s++] = 'l', spec[s++] = 'l', spec[s++] = 'x';
			fprintf(out, spec, (long long)json_integer_value(arg));
		} else if (verb == 'q') {
			json_t *str;
			char *quoted;

			text = value_text(arg);
			str = json_string(text);
			quoted = json_dumps(str, JSON_ENCODE_ANY);
			fputs(quoted ? quoted : "\"\"", out);
			free(quoted);
			json_decref(str);
			free(text);
		} else {
			text = value_text(arg);
			spec[s++] = 's';
			fprintf(out, spec, text ? text : "");
			free(text);
		}
	}
	fclose(out);
	r = json_stringn(buf, len);
	free(buf);
	return r;
}

/* print and println: Go's Sprint(ln) - spaces between operands (println: always, and a newline). */
static json_t *fn_print(struct call *c)
{
	bool ln = strcmp(c->name, "println") == 0;
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	json_t *r;

	for (size_t i = 0; i < c->nargs; i++) {
		if (i > 0 &&
		    (ln || !(json_is_string(c->args[i - 1]) || json_is_string(c->args[i]))))
			fputc(' ', out);
		print_value(out, c->args[i]);
	}
	if (ln)
		fputc('\n', out);
	fclose(out);
	r = json_stringn(buf, len);
	free(buf);
	return r;
}

static const struct {
	const char *name;
	json_t *(*fn)(struct call *c);
} functions[] = {
    {"json", fn_json},     {"index", fn_index},   {"join", fn_strings},  {"split", fn_strings},
    {"upper", fn_strings}, {"lower", fn_strings}, {"title", fn_strings}, {"truncate", fn_strings},
    {"len", fn_len},       {"printf", fn_printf}, {"print", fn_print},   {"println", fn_print},
    {"eq", fn_compare},    {"ne", fn_compare},    {"lt", fn_compare},    {"le", fn_compare},
    {"gt", fn_compare},    {"ge", fn_compare},    {"not", fn_logic},     {"and", fn_logic},
    {"or", fn_logic},
};

/* ---- execution ----------------------------------------------------------------------------------- */

struct exec {
	json_t *root; /* $ */
	FILE *out;
	struct mc_error *err;
	bool failed;
	bool missing_is_error;
};

static json_t *eval_pipe(struct exec *x, const struct pipe *p, json_t *dot);

static json_t *walk(struct exec *x, json_t *v, char *const *path, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (v == NULL || json_is_null(v))
			return NULL;
		if (!json_is_object(v)) {
			mc_fail(x->err, 0,
			        "template: can't evaluate field %s in a value that has none",
			        path[i]);
			x->failed = true;
			return NULL;
		}
		v = json_object_get(v, path[i]);
		if (v == NULL && x->missing_is_error) {
			mc_fail(x->err, 0, "template: map has no entry for key \"%s\"", path[i]);
			x->failed = true;
			return NULL;
		}
	}
	return keep(v);
}

static json_t *eval_arg(struct exec *x, const struct arg *a, json_t *dot)
{
	switch (a->kind) {
	case A_FIELD:
		return walk(x, dot, a->path, a->npath);
	case A_DOLLAR:
		return walk(x, x->root, a->path, a->npath);
	case A_STRING:
		return json_string(a->str);
	case A_NUMBER:
		/* (an integer too big for 64 bits stays a float: converting it is undefined) */
		return a->is_int && a->num > -9.2e18 && a->num < 9.2e18
		           ? json_integer((json_int_t)a->num)
		           : json_real(a->num);
	case A_BOOL:
		return json_boolean(a->bool_value);
	case A_NIL:
		return json_null();
	case A_PIPE: {
		json_t *v = eval_pipe(x, a->pipe, dot), *field;

		if (a->npath == 0 || x->failed)
			return v;
		field = walk(x, v, a->path, a->npath);
		json_decref(v);
		return field;
	}
	case A_FUNC:
		break;
	}
	return NULL;
}

static json_t *eval_cmd(struct exec *x, const struct cmd *cmd, json_t *dot, json_t *piped,
                        bool has_piped)
{
	const struct arg *first = &cmd->args[0];
	struct call call = {NULL, 0, x->err, first->str};
	json_t *r = NULL;
	size_t i;

	if (first->kind != A_FUNC) {
		if (cmd->nargs > 1 || has_piped) {
			mc_fail(x->err, 0, "template: can't give argument to non-function");
			x->failed = true;
			return NULL;
		}
		return eval_arg(x, first, dot);
	}
	for (i = 0; i < sizeof(functions) / sizeof(functions[0]); i++)
		if (strcmp(functions[i].name, first->str) == 0)
			break;
	if (i == sizeof(functions) / sizeof(functions[0])) {
		mc_fail(x->err, 0, "template: function \"%s\" not defined", first->str);
		x->failed = true;
		return NULL;
	}
	call.args = calloc(cmd->nargs + 1, sizeof(json_t *));
	for (size_t j = 1; j < cmd->nargs && !x->failed; j++)
		call.args[call.nargs++] = eval_arg(x, &cmd->args[j], dot);
	if (has_piped)
		call.args[call.nargs++] = keep(piped);
	if (!x->failed) {
		r = functions[i].fn(&call);
		if (r == NULL && call.err->msg[0] != '\0' &&
		    strncmp(call.err->msg, "template:", 9) == 0)
			x->failed = true;
	}
	for (size_t j = 0; j < call.nargs; j++)
		json_decref(call.args[j]);
	free(call.args);
	return r;
}

static json_t *eval_pipe(struct exec *x, const struct pipe *p, json_t *dot)
{
	json_t *v = NULL;

	for (size_t i = 0; i < p->ncmds && !x->failed; i++) {
		json_t *next = eval_cmd(x, &p->cmds[i], dot, v, i > 0);

		json_decref(v);
		v = next;
	}
	if (x->failed) {
		json_decref(v);
		return NULL;
	}
	return v;
}

static void run_nodes(struct exec *x, const struct node *n, json_t *dot)
{
	for (; n != NULL && !x->failed; n = n->next) {
		json_t *v;

		if (n->kind == N_TEXT) {
			fputs(n->text, x->out);
			continue;
		}
		v = eval_pipe(x, n->pipe, dot);
		if (x->failed) {
			json_decref(v);
			return;
		}
		switch (n->kind) {
		case N_ACTION:
			print_value(x->out, v);
			break;
		case N_IF:
			run_nodes(x, truth(v) ? n->body : n->alt, dot);
			break;
		case N_WITH:
			run_nodes(x, truth(v) ? n->body : n->alt, truth(v) ? v : dot);
			break;
		case N_RANGE:
			if (!truth(v)) {
				run_nodes(x, n->alt, dot);
			} else if (json_is_array(v)) {
				size_t i;
				json_t *e;

				json_array_foreach(v, i, e) run_nodes(x, n->body, e);
			} else if (json_is_object(v)) {
				size_t count;
				const char **keys = sorted_keys(v, &count);

				for (size_t i = 0; i < count && !x->failed; i++)
					run_nodes(x, n->body, json_object_get(v, keys[i]));
				free(keys);
			} else {
				mc_fail(x->err, 0, "template: range can't iterate over this value");
				x->failed = true;
			}
			break;
		case N_TEXT:
			break;
		}
		json_decref(v);
	}
}

void mc_template_missing_key_error(struct mc_template *t)
{
	t->missing_is_error = true;
}

int mc_template_execute(const struct mc_template *t, json_t *data, FILE *out, struct mc_error *err)
{
	struct exec x = {data, out, err, false, t->missing_is_error};

	mc_error_clear(err);
	run_nodes(&x, t->root, data);
	return x.failed ? -1 : 0;
}

int mc_render_template(FILE *out, json_t *doc, const char *tmpl, bool strict, struct mc_error *err)
{
	struct mc_template *t;
	int rc;

	if (mc_template_parse(tmpl, &t, err) < 0)
		return -1;
	if (strict)
		mc_template_missing_key_error(t);
	rc = mc_template_execute(t, doc, out, err);
	mc_template_free(t);
	if (rc == 0)
		fputc('\n', out);
	return rc;
}

bool mc_format_is_table(const char *format, const char **rest)
{
	if (strncmp(format, "table", 5) != 0 ||
	    (format[5] != '\0' && !isspace((unsigned char)format[5])))
		return false;
	*rest = format + 5 + (format[5] != '\0');
	return true;
}
