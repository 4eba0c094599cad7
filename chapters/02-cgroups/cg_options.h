/* cg_options.h - chapter 02's command-line flags (see chapters/common/mc_cli.h). */
#ifndef MC_CG_OPTIONS_H
#define MC_CG_OPTIONS_H

#include "mc_cli.h"
#include "cg_run.h"

/* --memory, --memory-swap, --cpus, --cpu-shares, --pids-limit, --blkio-weight,
 * --cgroup-parent, --device; the target is a struct cg_run. */
extern const struct mc_option cg_options_table[];

#endif
