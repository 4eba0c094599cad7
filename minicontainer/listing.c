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
		return mc_template_execute(l->tmpl, row, stdout, err) < 0 || putchar('\n') == EOF
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

/*
 * Go's tabwriter, the way Docker configures it: a cell ends at a tab; a
 * column is as wide as its widest cell plus 3, and at least 10; the text
 * after the last tab of a line is not a cell and is printed as it is.
 */
static void print_aligned(char **lines, size_t n)
{
	enum { MAX_COLS = 32 };
	size_t width[MAX_COLS] = {0};

	for (size_t i = 0; i < n; i++) {
		const char *p = lines[i], *tab;

		for (size_t c = 0; c < MAX_COLS && (tab = strchr(p, '\t')) != NULL; c++) {
			size_t w = columns(p, (size_t)(tab - p)) + 3;

			if (w > width[c])
				width[c] = w < 10 ? 10 : w;
			p = tab + 1;
		}
	}
	for (size_t i = 0; i < n; i++) {
		const char *p = lines[i], *tab;

		for (size_t c = 0; c < MAX_COLS && (tab = strchr(p, '\t')) != NULL; c++) {
			size_t len = (size_t)(tab - p);

			fwrite(p, 1, len, stdout);
			for (size_t pad = columns(p, len); pad < width[c]; pad++)
				putchar(' ');
			p = tab + 1;
		}
		printf("%s\n", p);
	}
}

void mc_listing_close(struct mc_listing *l)
{
	if (l == NULL)
		return;
	if (l->table)
		print_aligned(l->lines, l->nline);
	for (size_t i = 0; i < l->nline; i++)
		free(l->lines[i]);
	free(l->lines);
	mc_template_free(l->tmpl);
	free(l);
}
