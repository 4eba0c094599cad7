/*
 * bld_progress.h - chapter 06: what a build says while it runs.
 *
 * Two forms, as BuildKit's: plain lines (for logs and pipes),
 *
 *	#5 [2/4] RUN make
 *	#5 0.215 cc -o app main.c
 *	#5 DONE 0.4s
 *
 *	#6 [3/4] COPY . /src
 *	#6 CACHED
 *
 * and, on a terminal, one line per step that is rewritten when the step
 * ends (its output shown only while it runs, or when it fails):
 *
 *	[+] Building 1.3s (6/6) FINISHED
 *	 => [2/4] RUN make                                             0.4s
 *	 => CACHED [3/4] COPY . /src                                   0.0s
 *
 * `quiet` prints nothing (build -q prints only the image ID).  Every
 * function takes a NULL progress, and then does nothing.
 */
#ifndef MC_BLD_PROGRESS_H
#define MC_BLD_PROGRESS_H

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "bld_text.h"

enum bld_progress_mode { BLD_PROGRESS_PLAIN, BLD_PROGRESS_TTY, BLD_PROGRESS_QUIET };

struct bld_progress {
	FILE *out;
	enum bld_progress_mode mode;
	int width; /* the terminal's columns */
	struct timespec started;
	int next_id, steps, finished;
	/* The step being shown. */
	bool open;
	int id, shown_lines;
	char title[256];
	struct timespec step_started;
	struct bld_buf partial; /* output not ended by a newline yet */
};

void bld_progress_init(struct bld_progress *p, FILE *out, enum bld_progress_mode mode);

/* A step starts: "[2/4] RUN make". */
void bld_step_start(struct bld_progress *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* A line about the step ("transferring context: 2.1kB done"). */
void bld_step_note(struct bld_progress *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* What the step's command wrote (any bytes; split into lines here). */
void bld_step_output(struct bld_progress *p, const char *data, size_t len);
void bld_step_cached(struct bld_progress *p);
void bld_step_done(struct bld_progress *p);
void bld_step_error(struct bld_progress *p, const char *msg);

/* The build is over: the terminal form's summary line. */
void bld_progress_end(struct bld_progress *p, bool ok);
void bld_progress_free(struct bld_progress *p);

/*
 * A failed build's report, as BuildKit prints it: the Dockerfile's lines
 * around the failing instruction (line..end_line, 0 for none), the failing
 * one marked ">>>", then "ERROR: failed to solve: MSG".
 */
void bld_print_failure(FILE *out, const char *file, const char *text, int line, int end_line,
                       const char *msg);

#endif
