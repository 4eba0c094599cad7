/*
 * ns_options.h - chapter 01's command-line flags, shared by every demo from
 * this chapter on (see chapters/common/mc_cli.h).
 */
#ifndef MC_NS_OPTIONS_H
#define MC_NS_OPTIONS_H

#include "mc_cli.h"
#include "ns_confine.h"
#include "ns_namespaces.h"

#define NS_MAX_ENV  64
#define NS_MAX_CAPS 64

struct ns_options {
	struct ns_config cfg;
	char *env[NS_MAX_ENV + 4]; /* -e values, then the defaults, then NULL */
	int nenv;
	char hostname_env[128];
	bool need_rootfs; /* true unless a later chapter makes the root (overlay) */
	/* Confinement: what the command may still do (see ns_confine.h). */
	struct ns_confine confine;
	const char *cap_add[NS_MAX_CAPS + 1], *cap_drop[NS_MAX_CAPS + 1];
	size_t ncap_add, ncap_drop;
	char *seccomp_json; /* --security-opt seccomp=FILE, read in */
	bool print_seccomp; /* --print-seccomp: show the filter, run nothing */
};

/* --rootfs, --hostname, --userns, -e/--env, --trace */
extern const struct mc_option ns_options_table[];
/* -u/--user, --cap-add, --cap-drop, --privileged, --security-opt, --print-seccomp */
extern const struct mc_option ns_confine_options_table[];

void ns_options_init(struct ns_options *o);

/*
 * After parsing: check what is required, set the command and its
 * environment, and work out the capabilities.  Returns 1 when there is
 * nothing to run: --print-seccomp printed the filter on stdout (the one
 * place this flag code prints, for the lecture).
 */
int ns_options_finish(struct ns_options *o, int argc, char **argv, int command,
                      struct mc_error *err);

/* Add the confinement step: after every other chapter's step, so that it comes last. */
int ns_options_confine(struct ns_options *o, struct mc_error *err);

/* Free what parsing allocated. */
void ns_options_free(struct ns_options *o);

#endif
