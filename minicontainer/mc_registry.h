/*
 * mc_registry.h - what pull, push, login and run's implicit pull share:
 * the registry options of the command line, and Docker-style progress.
 */
#ifndef MC_MC_REGISTRY_H
#define MC_MC_REGISTRY_H

#include <stdbool.h>
#include <stdio.h>

#include "mc_error.h"

#include "img_registry.h"

/*
 * The options pull, push and login share, for their option tables:
 * --tls-verify[=BOOL] into an int (-1 unset, 0, 1), and the help texts.
 */
int mc_opt_tls_verify(void *field, const char *value, struct mc_error *err);
#define MC_TLS_VERIFY_HELP "Verify TLS (default: yes, except for insecure registries)"
#define MC_CERT_DIR_HELP   "CA certificates (*.crt) and client certificate for the registry"

/* pull and push: the registry options, -q, and (pull) --platform. */
struct mc_registry_flags {
	struct img_pull_opts o;
	bool quiet;
};

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
