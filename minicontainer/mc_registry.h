/*
 * mc_registry.h - what pull, push, login and run's implicit pull share:
 * the registry options of the command line, and Docker-style progress.
 */
#ifndef MC_MC_REGISTRY_H
#define MC_MC_REGISTRY_H

#include <stdbool.h>
#include <stdio.h>

#include "img_registry.h"

/* Options every registry verb takes (getopt_long values). */
enum {
	OPT_TLS_VERIFY = 2000,
	OPT_CERT_DIR,
	OPT_PLATFORM,
};

/* --tls-verify[=true|false] and --cert-dir DIR; returns -1 (err set) for a bad value. */
int mc_registry_option(int opt, const char *arg, struct img_registry_opts *o, struct mc_error *err);

/*
 * The command line of pull and push: -q, --platform (if `with_platform`),
 * --tls-verify, --cert-dir, --help (prints `usage`, then the common
 * options), and exactly one image.  Returns 0 (optind is the image), 1 when
 * the help was printed, or the exit code of a usage error it reported.
 */
int mc_registry_args(int argc, char **argv, const char *verb, bool with_platform, const char *usage,
                     struct img_pull_opts *o, bool *quiet);

/*
 * Docker's progress display: on a terminal one line per layer, redrawn in
 * place ("a1b2c3d4e5f6: Downloading [=====>    ]  1.2MB/3.4MB"); otherwise
 * a plain line per change of status; nothing when quiet.
 */
struct mc_progress {
	FILE *out;
	bool tty, quiet;
	char (*ids)[13]; /* the layers shown so far, in order */
	size_t nid;
};

void mc_progress_init(struct mc_progress *p, FILE *out, bool quiet);
void mc_progress_line(struct mc_progress *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void mc_progress_event(const struct img_progress *ev, void *arg); /* an img_progress_fn */
void mc_progress_free(struct mc_progress *p);

#endif
