/* spec.h - the options of run and create (see spec.c). */
#ifndef MC_SPEC_H
#define MC_SPEC_H

#include <jansson.h>
#include <stdbool.h>

#include "cg_cgroups.h"
#include "img_config.h"
#include "img_store.h"
#include "mc_cli.h"

/* What `run` needs once the container exists. */
struct mc_run_opts {
	bool detach;             /* -d */
	const char *detach_keys; /* --detach-keys, default "ctrl-p,ctrl-q" */
	bool sig_proxy;          /* --sig-proxy, default true */
	int preserve_fds;        /* --preserve-fds N: fds 3..N+2 go in */
};

struct mc_spec {
	const char *name, *workdir, *user, *hostname, *entrypoint, *network, *image;
	const char *pull; /* --pull: "missing" (the default), "always" or "never" */
	json_t *env, *binds, *mounts, *tmpfs;
	json_t *security_opt;            /* --security-opt, as given (checked at parse time) */
	json_t *env_files, *label_files; /* --env-file, --label-file: read after the flags */
	json_t *cap_add, *cap_drop, *group_add; /* names, as given (checked at parse time) */
	json_t *labels;                         /* --label KEY=VALUE: an object */
	json_t *log_config;                     /* --log-opt: {"max-size": .., "max-file": ..} */
	const char *restart;     /* --restart no|always|unless-stopped|on-failure[:N] */
	const char *stop_signal; /* --stop-signal */
	int stop_timeout;        /* --stop-timeout; MC_UNSET if not given (-1 waits for ever) */
	const char *cgroupns;    /* --cgroupns host|private; NULL: the daemon's default */
	struct mc_run_opts run;
	json_t *devices;             /* --device: HostConfig.Devices */
	struct mc_list volumes_from; /* --volumes-from CONTAINER[:ro|:rw] (mc_volume.h) */
	/* chapter 05: -p, --expose, --dns*, --add-host, --network-alias, --ip, -P */
	json_t *port_bindings, *exposed, *dns, *dns_search, *dns_options, *extra_hosts, *aliases;
	const char *ip;
	bool publish_all;
	struct cg_limits limits;
	bool auto_remove, read_only, init, interactive, tty, privileged;
	char **args; /* the command after the image */
	int nargs;
};

#define MC_UNSET (-2147483647 - 1)

void mc_spec_init(struct mc_spec *s);
void mc_spec_free(struct mc_spec *s);
/*
 * run's and create's options, as tables (mc_cli.h) filling a struct
 * mc_spec; then mc_spec_finish() with the words from the image on: the
 * checks that need every flag, and the image and its command.
 */
#include "mc_cli.h"
extern const struct mc_option mc_run_options[], mc_create_options[];
int mc_spec_finish(int argc, char **argv, struct mc_spec *s, struct mc_error *err);

/* spec_parse.c: --security-opt's value, checked, added to the spec (any text: a value or
 * a clear error). */
int mc_spec_add_security_opt(struct mc_spec *s, const char *text, struct mc_error *err);
/* --cap-add/--cap-drop: a capability's name (checked) added to `list`. */
int mc_spec_add_cap(json_t *list, const char *name, struct mc_error *err);

/* The container record's Path, Args, Image, Config and HostConfig (Docker's rules). */
json_t *mc_spec_record(const struct mc_spec *s, const struct img_image *img,
                       const struct img_runconfig *rc);

#endif
