/*
 * mc_net.h - the capstone's side of chapter 05: networks in container
 * records, in `run`'s flags, in ps, port and inspect, and the `network`
 * verb.  The networks themselves - addresses, links, ports, names - are
 * chapter 05's (chapters/05-network/).
 *
 * A container's record keeps what the user asked for, in Docker's fields:
 * HostConfig.NetworkMode, PortBindings, PublishAllPorts, Dns, DnsSearch,
 * DnsOptions, ExtraHosts and Config.ExposedPorts.  What it *has* - its
 * addresses, its published host ports - is in the network store, and
 * inspect and ps read it from there.
 */
#ifndef MC_MC_NET_H
#define MC_MC_NET_H

#include <jansson.h>
#include <stddef.h>

#include "mc_container.h"
#include "mc_spec.h"
#include "net_run.h"

/* netconfig.c: run's flags, into the record. */
int mc_net_add_publish(json_t *bindings, json_t *exposed, const char *spec, struct mc_error *err);
int mc_net_add_expose(json_t *exposed, const char *text, struct mc_error *err);
/* --dns ("dns"), --add-host ("add-host"), --dns-search and --dns-option (""): checked, added. */
int mc_net_add_dns(json_t *list, const char *kind, const char *value, struct mc_error *err);
/* The combinations Docker refuses (-p with --network none, -h with container:ID ...). */
int mc_net_check_spec(struct mc_spec *s, struct mc_error *err);
/* The image's ExposedPorts and the command line's, together (a new reference). */
json_t *mc_net_exposed_ports(const struct mc_spec *s, const struct img_image *img);
/* HostConfig's network fields (and the host's hostname with --network host). */
void mc_net_record(const struct mc_spec *s, json_t *host_config, json_t *config);

/* The network store of $MC_ROOT and $MC_RUNDIR. */
int mc_net_store(struct net_store *st, struct mc_error *err);
/* create: the new container's place on its network (its address), or its container:ID. */
int mc_net_attach_created(struct mc_container *c, const struct mc_spec *s, struct mc_error *err);
/* start: chapter 05's step, from the record; `rundir` holds the container's /etc files. */
int mc_net_configure(struct mc_container *c, const char *rundir, const char *hostname,
                     struct net_store *st, struct net_run *run, struct mc_error *err);
/* rm: every address it held, and whatever a killed run left. */
int mc_net_release(const struct mc_container *c, struct mc_error *err);

/*
 * network prune: remove the networks no container uses (and `pick`, if not
 * NULL, accepts: it gets each network's record), printing Docker's
 * "Deleted Networks:" and the names; how many in *removed.
 */
int mc_network_prune(bool (*pick)(json_t *doc, void *arg), void *arg, size_t *removed,
                     struct mc_error *err);

/* network.c: what ps, inspect and port show. */
const char *mc_net_ports(const struct mc_container *c, char *buf, size_t size);
json_t *mc_net_settings(const struct mc_container *c);

#endif
