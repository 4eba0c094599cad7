/*
 * mc_template.h - the Go template language, the part of it Docker users write
 * in --format, over JSON documents: one engine for every verb.
 *
 *	{{.State.Status}}   {{json .Config}}   {{index .Config.Labels "app"}}
 *	{{range .Mounts}}{{.Source}} {{end}}   {{join .Args ","}}   {{upper .Name}}
 *	{{if eq .State.Status "running"}}up{{else}}down{{end}}
 *	{{printf "%s:%d" .Name 42}}   {{len .Env}}   {{.Name | lower}}   {{- trims -}}
 *
 * Functions: json, index, join, split, upper, lower, title, len, printf,
 * print, println, truncate, eq, ne, lt, le, gt, ge, not, and, or.
 * Control: if / else if / else, range (over arrays and objects, with else),
 * with; and comments (Go's slash-star inside the braces).  Values print as
 * Go prints them: a string as it is, an array as [a b], an object as
 * map[k:v], a missing field as <no value>.
 */
#ifndef MC_TEMPLATE_H
#define MC_TEMPLATE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "mc_error.h"

struct mc_template;

/* Parse `text`; a syntax error says where ("template: 1:12: unclosed action"). */
int mc_template_parse(const char *text, struct mc_template **out, struct mc_error *err);
/*
 * A field that is not there is an error instead of <no value> (Go's
 * missingkey=error, which `docker inspect` uses on its raw JSON).
 */
void mc_template_missing_key_error(struct mc_template *t);

/* Execute on `data`, printing to `out`; no newline is added. */
int mc_template_execute(const struct mc_template *t, json_t *data, FILE *out, struct mc_error *err);
void mc_template_free(struct mc_template *t);

/* Parse, execute, free; then a newline (`strict`: missing keys are errors, as in inspect). */
int mc_render_template(FILE *out, json_t *doc, const char *tmpl, bool strict, struct mc_error *err);

/*
 * --format "table {{.ID}}\t{{.Names}}": true if `format` starts with "table"
 * (the rest, after the word, in *rest), as Docker's CLI treats it: a header
 * line, then the rows, their tab-separated cells aligned in columns.
 */
bool mc_format_is_table(const char *format, const char **rest);

#endif
