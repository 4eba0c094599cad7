/*
 * ns_options.h - chapter 01's command-line flags, shared by every demo from
 * this chapter on (see chapters/common/mc_cli.h).
 */
#ifndef MC_NS_OPTIONS_H
#define MC_NS_OPTIONS_H

#include "mc_cli.h"
#include "ns_namespaces.h"

#define NS_MAX_ENV 64

struct ns_options {
	struct ns_config cfg;
	char *env[NS_MAX_ENV + 4]; /* -e values, then the defaults, then NULL */
	int nenv;
	char hostname_env[128];
	bool need_rootfs; /* true unless a later chapter makes the root (overlay) */
};

/* --rootfs, --hostname, --userns, -e/--env, --trace */
extern const struct mc_option ns_options_table[];

void ns_options_init(struct ns_options *o);

/* After parsing: check what is required, set the command and its environment. */
int ns_options_finish(struct ns_options *o, int argc, char **argv, int command,
                      struct mc_error *err);

#endif
