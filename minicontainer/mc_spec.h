/* spec.h - the options of run and create (see spec.c). */
#ifndef MC_SPEC_H
#define MC_SPEC_H

#include <jansson.h>
#include <stdbool.h>

#include "cg_cgroups.h"
#include "img_config.h"
#include "img_store.h"

struct mc_spec {
	const char *name, *workdir, *user, *hostname, *entrypoint, *network, *image;
	json_t *env, *binds, *mounts, *tmpfs;
	/* chapter 05: -p, --expose, --dns*, --add-host, --network-alias, --ip, -P */
	json_t *port_bindings, *exposed, *dns, *dns_search, *dns_options, *extra_hosts, *aliases;
	const char *ip;
	bool publish_all;
	struct cg_limits limits;
	bool auto_remove, read_only, init, interactive, tty, help, privileged;
	char **args; /* the command after the image */
	int nargs;
};

extern const char mc_run_usage[];

void mc_spec_init(struct mc_spec *s);
void mc_spec_free(struct mc_spec *s);
int mc_spec_parse(int argc, char **argv, struct mc_spec *s, struct mc_error *err);

/* The container record's Path, Args, Image, Config and HostConfig (Docker's rules). */
json_t *mc_spec_record(const struct mc_spec *s, const struct img_image *img,
                       const struct img_runconfig *rc);

#endif
