/*
 * net_store.h - chapter 05: networks and who is on them, on disk.
 *
 *	$MC_ROOT/networks/<id>.json     one network, in Docker's own fields
 *	                                (`network inspect` shows it), plus
 *	                                "Endpoints": the containers attached
 *	                                to it and the address each one holds
 *	$MC_ROOT/networks/.lock         flock(2) around every change
 *	$MC_RUNDIR/networks/<id>.active held (flock) by the process that runs
 *	                                container <id>, for as long as it runs
 *
 * An endpoint - a container's place on a network - is made when the
 * container is created or connected, and holds its address until the
 * container is removed or disconnected: the IPAM entry *is* the endpoint.
 * The links, the published ports and the names in other containers'
 * /etc/hosts exist only while the container runs.
 *
 * "Is it running?" is asked of the kernel, not of a file: whoever runs a
 * container holds a lock on its .active file, and the kernel drops that
 * lock when the process ends, however it ends (kill -9 included).  So a
 * network's state can never claim a dead container is there.
 */
#ifndef MC_NET_STORE_H
#define MC_NET_STORE_H

#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "mc_error.h"
#include "net_ipam.h"

/* The default network: Docker calls it "bridge"; its Linux bridge is ours, mc0. */
#define NET_DEFAULT_NAME   "bridge"
#define NET_DEFAULT_BRIDGE "mc0"
/*
 * Docker's default is 172.17.0.0/16, podman's 10.88.0.0/16; Kubernetes
 * takes 10.96.0.0/12, 10.244.0.0/16 and 10.42-43; home routers 192.168.x
 * and 10.0.x.  10.213.0.0/16 is none of those, so it can live on a machine
 * that runs them too (the README says more).
 */
#define NET_DEFAULT_SUBNET "10.213.0.0/16"
/* User networks without --subnet get a /24 from here: 10.214.0.0/24, 10.214.1.0/24 ... */
#define NET_POOL       "10.214.0.0/16"
#define NET_POOL_SLICE 24

#define NET_MAX_NETWORKS 256

struct net_store {
	char dir[PATH_MAX];    /* $MC_ROOT/networks */
	char rundir[PATH_MAX]; /* $MC_RUNDIR/networks */
	int lock_fd;           /* >= 0 while locked */
};

struct net_network {
	json_t *doc;           /* the record (owned) */
	const char *id, *name; /* point into doc */
	char bridge[16];       /* the Linux bridge */
	struct net_cidr subnet;
	uint32_t gateway;
	bool internal;
	bool is_default; /* "bridge": predefined, no names resolved */
};

/*
 * Open the store under `root` and `rundir` (NULL: $MC_ROOT and $MC_RUNDIR,
 * else /var/lib/minicontainer and /run/minicontainer), making the default
 * network's record on first use, with `default_subnet` (NULL:
 * $MC_BRIDGE_SUBNET, else NET_DEFAULT_SUBNET).
 */
int net_store_open(struct net_store *st, const char *root, const char *rundir,
                   const char *default_subnet, struct mc_error *err);
int net_store_lock(struct net_store *st, struct mc_error *err);
void net_store_unlock(struct net_store *st);

/* Every network, sorted by name. */
int net_networks_load(struct net_store *st, struct net_network **list, size_t *count,
                      struct mc_error *err);
void net_networks_free(struct net_network *list, size_t count);
/* By name, full id, or unique id prefix; NULL (and err) if there is none. */
struct net_network *net_network_lookup(struct net_network *list, size_t count, const char *what,
                                       struct mc_error *err);
int net_network_save(struct net_store *st, const struct net_network *net, struct mc_error *err);

/*
 * A new network record (the caller holds the lock and has the list of all
 * networks).  `subnet` NULL picks a free /24 from NET_POOL that overlaps
 * neither another network nor one of the host's `routes`; `gateway` NULL
 * is the subnet's first address.  Does not touch the kernel.
 */
struct net_new {
	const char *name, *subnet, *gateway;
	bool internal;
	const struct net_cidr *routes; /* the host's, to stay clear of */
	size_t nroutes;
};
int net_network_create(struct net_store *st, const struct net_network *list, size_t count,
                       const struct net_new *spec, struct net_network *out, struct mc_error *err);
int net_network_delete(struct net_store *st, const struct net_network *net, struct mc_error *err);

/* 64 random hex digits: network ids, endpoint ids. */
void net_random_id(char out[65]);

/* Docker's rule for names: [a-zA-Z0-9][a-zA-Z0-9_.-]*, at most 64 characters. */
bool net_valid_name(const char *name);

/* The endpoints of a network: an object container id -> endpoint. */
json_t *net_endpoints(const struct net_network *net);
json_t *net_endpoint(const struct net_network *net, const char *container);

/* Is container `id` running (someone holds its .active lock)? */
bool net_container_active(const struct net_store *st, const char *id);
/* Hold it: *fd keeps the lock until it is closed (or the process ends). */
int net_container_hold(const struct net_store *st, const char *id, int *fd, struct mc_error *err);
/* Remove its .active file, unless it runs (the container is being removed). */
void net_container_forget(const struct net_store *st, const char *id);

#endif
