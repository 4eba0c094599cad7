/*
 * progress.c - Docker-style progress for pull and push (see mc_registry.h),
 * and the registry options the verbs share.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mc.h"
#include "mc_registry.h"

int mc_opt_tls_verify(void *field, const char *value, struct mc_error *err)
{
	bool on = true;

	if (value != NULL && mc_parse_bool(value, &on, err) < 0)
		return -1;
	*(int *)field = on ? 1 : 0;
	return 0;
}

void mc_progress_init(struct mc_progress *p, FILE *out, bool quiet)
{
	memset(p, 0, sizeof(*p));
	p->out = out;
	p->quiet = quiet;
	p->tty =
	    isatty(fileno(out)) && getenv("TERM") != NULL && strcmp(getenv("TERM"), "dumb") != 0;
}

void mc_progress_free(struct mc_progress *p)
{
	free(p->ids);
	p->ids = NULL;
	p->nid = 0;
}

void mc_progress_line(struct mc_progress *p, const char *fmt, ...)
{
	va_list ap;

	if (p->quiet)
		return;
	va_start(ap, fmt);
	vfprintf(p->out, fmt, ap);
	va_end(ap);
	fputc('\n', p->out);
	fflush(p->out);
}

/* "[=========>          ]  1.2MB/3.4MB": 50 columns, as Docker draws it. */
static void bar(const struct img_progress *ev, char *buf, size_t size)
{
	char cur[32], total[32], fill[52];
	size_t done = ev->total ? (size_t)(50.0 * (double)ev->current / (double)ev->total) : 0;

	if (done > 50)
		done = 50;
	memset(fill, '=', done);
	if (done < 50)
		fill[done++] = '>';
	memset(fill + done, ' ', 50 - done);
	fill[50] = '\0';
	/* Four significant digits in progress bars ("2.226MB"), as Docker prints them. */
	snprintf(buf, size, "[%s]  %s/%s", fill,
	         mc_human_size_digits(ev->current, 4, cur, sizeof(cur)),
	         mc_human_size_digits(ev->total, 4, total, sizeof(total)));
}

/* The line of `id`, which gets one if it is new; returns its index. */
static size_t line_of(struct mc_progress *p, const char *id, bool *is_new)
{
	char(*more)[13];

	*is_new = false;
	for (size_t i = 0; i < p->nid; i++)
		if (strcmp(p->ids[i], id) == 0)
			return i;
	more = realloc(p->ids, (p->nid + 1) * sizeof(*p->ids));
	if (more == NULL)
		return SIZE_MAX;
	p->ids = more;
	snprintf(p->ids[p->nid], sizeof(p->ids[p->nid]), "%s", id);
	*is_new = true;
	return p->nid++;
}

void mc_progress_event(const struct img_progress *ev, void *arg)
{
	struct mc_progress *p = arg;
	char progress[128] = "";
	size_t i, up;
	bool is_new;

	if (p->quiet)
		return;
	if (ev->id == NULL) {
		mc_progress_line(p, "%s", ev->status);
		return;
	}
	if (ev->total > 0)
		bar(ev, progress, sizeof(progress));
	if (!p->tty) {
		/* Plain output: a line per change of status, none for the bytes in between. */
		if (ev->total == 0 && strcmp(ev->status, "Extracting") != 0)
			mc_progress_line(p, "%s: %s", ev->id, ev->status);
		return;
	}
	i = line_of(p, ev->id, &is_new);
	if (i == SIZE_MAX)
		return;
	if (is_new) {
		fprintf(p->out, "%s: %s%s%s\n", ev->id, ev->status, progress[0] ? " " : "",
		        progress);
	} else {
		/* Up to the layer's line, rewrite it, and back down. */
		up = p->nid - i;
		fprintf(p->out, "\033[%zuA\r\033[2K%s: %s%s%s\033[%zuB\r", up, ev->id, ev->status,
		        progress[0] ? " " : "", progress, up);
	}
	fflush(p->out);
}
