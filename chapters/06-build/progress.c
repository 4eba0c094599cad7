/* progress.c - chapter 06: build output (see bld_progress.h). */
#define _GNU_SOURCE
#include "bld_progress.h"

#include <stdarg.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static double since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t->tv_sec) + (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

void bld_progress_init(struct bld_progress *p, FILE *out, enum bld_progress_mode mode)
{
	struct winsize ws;

	memset(p, 0, sizeof(*p));
	p->out = out;
	p->mode = mode;
	p->width = 80;
	p->next_id = 1;
	if (mode == BLD_PROGRESS_TTY && ioctl(fileno(out), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20)
		p->width = ws.ws_col;
	clock_gettime(CLOCK_MONOTONIC, &p->started);
	if (mode == BLD_PROGRESS_TTY)
		fprintf(out, "[+] Building\n");
}

/* The terminal form's line for a step: " => TITLE ........ 0.4s", cut to the width. */
static void tty_line(struct bld_progress *p, const char *prefix, double seconds)
{
	char time[32];
	int room;

	snprintf(time, sizeof(time), "%.1fs", seconds);
	room = p->width - (int)strlen(time) - 5 - (int)strlen(prefix);
	if (room < 10)
		room = 10;
	fprintf(p->out, " => %s%-*.*s %s\n", prefix, room, room, p->title, time);
}

void bld_step_start(struct bld_progress *p, const char *fmt, ...)
{
	va_list ap;

	if (p == NULL)
		return;

	va_start(ap, fmt);
	vsnprintf(p->title, sizeof(p->title), fmt, ap);
	va_end(ap);
	p->open = true;
	p->id = p->next_id++;
	p->steps++;
	p->shown_lines = 0;
	bld_buf_reset(&p->partial);
	clock_gettime(CLOCK_MONOTONIC, &p->step_started);
	if (p->mode == BLD_PROGRESS_PLAIN)
		fprintf(p->out, "#%d %s\n", p->id, p->title);
	else if (p->mode == BLD_PROGRESS_TTY) {
		fprintf(p->out, " => %s\n", p->title);
		p->shown_lines = 1;
	}
	fflush(p->out);
}

void bld_step_note(struct bld_progress *p, const char *fmt, ...)
{
	char text[512];
	va_list ap;

	if (p == NULL)
		return;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (p->mode == BLD_PROGRESS_PLAIN)
		fprintf(p->out, "#%d %s\n", p->id, text);
	else if (p->mode == BLD_PROGRESS_TTY) {
		fprintf(p->out, " => => %.*s\n", p->width - 7, text);
		p->shown_lines++;
	}
	fflush(p->out);
}

/* One whole line of the command's output. */
static void output_line(struct bld_progress *p, const char *line, size_t len)
{
	if (p->mode == BLD_PROGRESS_PLAIN) {
		fprintf(p->out, "#%d %.3f %.*s\n", p->id, since(&p->step_started), (int)len, line);
	} else if (p->mode == BLD_PROGRESS_TTY) {
		int room = p->width - 9;

		/* Dim, and cut to one terminal line, so that rewinding over it is exact. */
		fprintf(p->out, "\033[2m => => # %.*s\033[0m\n",
		        (int)(len < (size_t)room ? len : (size_t)room), line);
		p->shown_lines++;
	}
}

void bld_step_output(struct bld_progress *p, const char *data, size_t len)
{
	if (p == NULL || p->mode == BLD_PROGRESS_QUIET)
		return;
	for (size_t i = 0; i < len; i++) {
		if (data[i] == '\n') {
			output_line(p, bld_buf_str(&p->partial), p->partial.len);
			bld_buf_reset(&p->partial);
		} else if (data[i] != '\r') {
			bld_buf_addc(&p->partial, data[i]);
		}
	}
	fflush(p->out);
}

static void flush_partial(struct bld_progress *p)
{
	if (p->partial.len > 0)
		output_line(p, bld_buf_str(&p->partial), p->partial.len);
	bld_buf_reset(&p->partial);
}

/* Terminal: go back over the step's lines and clear them, to print its final line. */
static void rewind_step(struct bld_progress *p)
{
	if (p->shown_lines > 0)
		fprintf(p->out, "\033[%dA\r\033[J", p->shown_lines);
	p->shown_lines = 0;
}

static void close_step(struct bld_progress *p, const char *plain_end, const char *tty_prefix)
{
	if (p == NULL)
		return;
	if (!p->open)
		return;
	flush_partial(p);
	if (p->mode == BLD_PROGRESS_PLAIN) {
		if (plain_end != NULL)
			fprintf(p->out, "#%d %s\n\n", p->id, plain_end);
		else
			fprintf(p->out, "#%d DONE %.1fs\n\n", p->id, since(&p->step_started));
	} else if (p->mode == BLD_PROGRESS_TTY) {
		rewind_step(p);
		tty_line(p, tty_prefix, since(&p->step_started));
	}
	p->finished++;
	p->open = false;
	fflush(p->out);
}

void bld_step_cached(struct bld_progress *p)
{
	close_step(p, "CACHED", "CACHED ");
}

void bld_step_done(struct bld_progress *p)
{
	close_step(p, NULL, "");
}

void bld_step_error(struct bld_progress *p, const char *msg)
{
	char line[600];

	if (p == NULL)
		return;

	if (!p->open)
		return;
	flush_partial(p);
	snprintf(line, sizeof(line), "ERROR: %s", msg);
	if (p->mode == BLD_PROGRESS_TTY) {
		/* The output stays on the screen: it says why. */
		fprintf(p->out, " => ERROR %s\n", p->title);
		p->open = false;
		fflush(p->out);
		return;
	}
	close_step(p, line, "ERROR ");
}

void bld_progress_end(struct bld_progress *p, bool ok)
{
	if (p == NULL)
		return;
	if (p->mode == BLD_PROGRESS_TTY)
		fprintf(p->out, "[+] Building %.1fs (%d/%d) %s\n", since(&p->started), p->finished,
		        p->steps, ok ? "FINISHED" : "FAILED");
	fflush(p->out);
}

void bld_progress_free(struct bld_progress *p)
{
	if (p == NULL)
		return;
	bld_buf_free(&p->partial);
}

void bld_print_failure(FILE *out, const char *file, const char *text, int line, int end_line,
                       const char *msg)
{
	const char *p = text;
	int n = 1;

	if (line > 0 && text != NULL) {
		if (end_line < line)
			end_line = line;
		fprintf(out, "%s:%d\n--------------------\n", file, line);
		for (; *p != '\0' && n <= end_line + 1; n++) {
			size_t len = strcspn(p, "\n");

			if (n >= line - 2)
				fprintf(out, " %3d | %s %.*s\n", n,
				        n >= line && n <= end_line ? ">>>" : "   ", (int)len, p);
			p += len + (p[len] == '\n');
		}
		fprintf(out, "--------------------\n");
	}
	fprintf(out, "ERROR: failed to solve: %s\n", msg);
}
