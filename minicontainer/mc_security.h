/* security.h - capabilities and seccomp for a container (see security.c). */
#ifndef MC_SECURITY_H
#define MC_SECURITY_H

#include "mc_error.h"

/* Before the user switch: the bounding set down to Docker's default set. */
int mc_limit_bounding_set(struct mc_error *err);
/* After it: the process's own sets down to the same. */
int mc_drop_capabilities(struct mc_error *err);
int mc_install_seccomp(struct mc_error *err);

#endif
