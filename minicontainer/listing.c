/*
 * listing.c - what ps, images, volume ls ... print, the way Docker's CLI
 * prints it (mc.h: mc_listing_*).
 *
 * Docker's default output is itself a format: `ps` is
 * "table {{.ID}}\t{{.Image}}\t...".  So a listing is always a template run
 * once per row; "table" adds a header line (the same template run on the
 * headers of the fields: {{.ID}} -> "CONTAINER ID") and lines the cells up
 * the way Go's tabwriter does: at least 10 wide, 3 spaces between.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mc.h"
#include "mc_template.h"

struct mc_listing {
	FILE *out; /* stdout, unless mc_listing_output() said otherwise */
	struct mc_template *tmpl;
	bool table;
	char **lines; /* a table's rendered lines, header first, aligned at the end */
	size_t nline, cap;
};

/* Keep one rendered line of a table. */
static int keep(struct mc_listing *l, char *line, struct mc_error *err)
{
	if (l->nline == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;
		char **p = realloc(l->lines, cap * sizeof(*p));

		if (p == NULL) {
			free(line);
			return mc_fail(err, ENOMEM, "listing");
		}
		l->lines = p;
		l->cap = cap;
	}
	l->lines[l->nline++] = line;
	return 0;
}

/* Run the template on `data` into a new string (NULL and err set on failure). */
static char *render(const struct mc_template *t, json_t *data, struct mc_error *err)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int rc;

	if (f == NULL) {
		mc_fail(err, errno, "listing");
		return NULL;
	}
	rc = mc_template_execute(t, data, f, err);
	fclose(f);
	if (rc < 0) {
		free(text);
		return NULL;
	}
	return text;
}

int mc_listing_open(struct mc_listing **out, const char *format, const char *default_format,
                    const struct mc_field_header *headers, struct mc_error *err)
{
	struct mc_listing *l = calloc(1, sizeof(*l));
	const char *body = NULL;
	char *text;
	size_t j = 0;

	if (l == NULL)
		return mc_fail(err, ENOMEM, "listing");
	l->out = stdout;
	if (format == NULL || format[0] == '\0' || strcmp(format, "table") == 0)
		format = default_format;
	else if (strcmp(format, "json") == 0)
		format = "{{json .}}";
	l->table = mc_format_is_table(format, &body);
	if (!l->table)
		body = format;
	/* As Docker's CLI: spaces around are dropped, and \t and \n typed in the shell count. */
	text = malloc(strlen(body) + 1);
	if (text == NULL) {
		free(l);
		return mc_fail(err, ENOMEM, "listing");
	}
	body += strspn(body, " ");
	for (size_t i = 0; body[i] != '\0'; i++) {
		if (body[i] == '\\' && (body[i + 1] == 't' || body[i + 1] == 'n')) {
			text[j++] = body[++i] == 't' ? '\t' : '\n';
			continue;
		}
		text[j++] = body[i];
	}
	while (j > 0 && text[j - 1] == ' ')
		j--;
	text[j] = '\0';
	if (mc_template_parse(text, &l->tmpl, err) < 0) {
		free(text);
		free(l);
		return -1;
	}
	free(text);
	if (l->table) {
		json_t *names = json_object();
		char *line;

		for (const struct mc_field_header *h = headers; h != NULL && h->field != NULL; h++)
			json_object_set_new(names, h->field, json_string(h->header));
		line = render(l->tmpl, names, err);
		json_decref(names);
		if (line == NULL || keep(l, line, err) < 0) {
			mc_listing_close(l);
			return -1;
		}
	}
	*out = l;
	return 0;
}

int mc_listing_row(struct mc_listing *l, json_t *row, struct mc_error *err)
{
	char *line;

	if (!l->table)
		return mc_template_execute(l->tmpl, row, l->out, err) < 0 ||
		               fputc('\n', l->out) == EOF
		           ? -1
		           : 0;
	line = render(l->tmpl, row, err);
	return line == NULL ? -1 : keep(l, line, err);
}

/* Width on screen: UTF-8 continuation bytes (10xxxxxx) take no column ("…" is one). */
static size_t columns(const char *s, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			n++;
	return n;
}

/* ---- Go's text/tabwriter ------------------------------------------------------------------- */

struct tabwriter {
	FILE *out;
	char *const *lines;
	size_t minwidth, padding;
	size_t widths[64], depth; /* the widths of the columns left of the one being laid out */
};

/* How many cells a line has: one per tab, and the text after the last one. */
static size_t cells(const char *line)
{
	size_t n = 1;

	for (; *line != '\0'; line++)
		n += *line == '\t';
	return n;
}

/* Cell j of a line, and its length. */
static const char *cell(const char *line, size_t j, size_t *len)
{
	for (; j > 0; j--)
		line = strchr(line, '\t') + 1;
	*len = strcspn(line, "\t");
	return line;
}

static void write_lines(struct tabwriter *t, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++) {
		size_t n = cells(t->lines[i]);

		for (size_t j = 0; j < n; j++) {
			size_t len;
			const char *text = cell(t->lines[i], j, &len);

			fwrite(text, 1, len, t->out);
			/* A cell of a column laid out so far is padded; the text after the
			 * last tab never is. */
			for (size_t w = columns(text, len); j < t->depth && w < t->widths[j]; w++)
				fputc(' ', t->out);
		}
		fputc('\n', t->out);
	}
}

/*
 * tabwriter's format(): a column is aligned over a block of consecutive
 * lines that all have a cell in it - a line with fewer cells ends the block -
 * and inside each block the next column likewise.  So sections separated by
 * a line without tabs are aligned each on its own, as Go does it.
 */
static void format_block(struct tabwriter *t, size_t line0, size_t line1)
{
	size_t column = t->depth;

	for (size_t this = line0; this < line1; this ++) {
		size_t width = t->minwidth;

		if (column + 1 >= cells(t->lines[this]))
			continue;
		write_lines(t, line0, this);
		line0 = this;
		for (; this < line1 && column + 1 < cells(t->lines[this]); this ++) {
			size_t len;
			const char *text = cell(t->lines[this], column, &len);

			if (columns(text, len) + t->padding > width)
				width = columns(text, len) + t->padding;
		}
		if (t->depth < sizeof(t->widths) / sizeof(t->widths[0])) {
			t->widths[t->depth++] = width;
			format_block(t, line0, this);
			t->depth--;
		} else {
			write_lines(t, line0, this);
		}
		line0 = this;
		if (this == line1)
			break;
	}
	write_lines(t, line0, line1);
}

void mc_tabwrite(FILE *out, char *const *lines, size_t n, size_t minwidth, size_t padding)
{
	struct tabwriter t = {out, lines, minwidth, padding, {0}, 0};

	format_block(&t, 0, n);
}

void mc_listing_output(struct mc_listing *l, FILE *out)
{
	l->out = out;
}

void mc_listing_close(struct mc_listing *l)
{
	if (l == NULL)
		return;
	if (l->table)
		mc_tabwrite(l->out, l->lines, l->nline, 10, 3);
	for (size_t i = 0; i < l->nline; i++)
		free(l->lines[i]);
	free(l->lines);
	mc_template_free(l->tmpl);
	free(l);
}
