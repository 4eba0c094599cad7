/*
 * net_endpoint.h - chapter 05: containers on networks.
 *
 * Every operation here runs as one *session*: the store's lock taken, all
 * networks loaded, the kernel (rtnetlink, nftables) at hand, and at the
 * end the changed records saved and the lock dropped.  Under that one lock
 * two containers can never get the same address or the same host port, and
 * nobody sees a network half-changed.
 *
 * A session also tidies up first: an endpoint that still has published
 * ports although its container no longer runs (its minicontainer was killed
 * with -9) has them removed, and the names it had in other containers'
 * /etc/hosts go too.  (Its veth pair went with its network namespace.)
 */
#ifndef MC_NET_ENDPOINT_H
#define MC_NET_ENDPOINT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "mc_error.h"
#include "net_link.h"
#include "net_ports.h"
#include "net_store.h"

#define NET_MAX_ENDPOINTS 8 /* networks one container can be on */
#define NET_MAX_PORTS     256

struct net_session {
	struct net_store *st;
	struct net_network *list;
	size_t count;
	bool changed[NET_MAX_NETWORKS];
	struct net_nl nl; /* in our (the host's) network namespace */
	struct net_nat nat;
	bool nat_open, nat_checked;
};

/* Begin: lock, load, open rtnetlink, tidy up after dead containers. */
int net_session_begin(struct net_session *s, struct net_store *st, struct mc_error *err);
/* End: save what changed, unlock.  Returns -1 if saving failed (and rc was 0). */
int net_session_end(struct net_session *s, int rc, struct mc_error *err);
void net_session_changed(struct net_session *s, const struct net_network *net);
/*
 * nftables at hand, and our table there.  If it was not (`nft flush ruleset`
 * took it), it is made again with every network's elements and every
 * running container's published ports.
 */
int net_session_nat(struct net_session *s, struct mc_error *err);

/* Joining a network: what the endpoint records. */
struct net_attach {
	const char *container;      /* its id */
	const char *name;           /* its name (for other containers' /etc/hosts), or NULL */
	const char *const *aliases; /* --network-alias, NULL-terminated or NULL */
	const char *hosts_path;     /* its /etc/hosts, kept current while it runs */
	uint32_t ip;                /* --ip, or 0 */
	bool primary;               /* its main network */
};

/*
 * Give the container an address on `net` (IPAM only: no link yet).  As in
 * Docker, --ip and aliases are for user networks only.  Attaching twice is
 * an error.
 */
int net_endpoint_add(struct net_session *s, struct net_network *net, const struct net_attach *a,
                     struct mc_error *err);

/* The container's endpoints, its main network first; the pointers are into the session. */
size_t net_endpoints_of(struct net_session *s, const char *container, struct net_network **nets,
                        size_t max);

/* The link of the container's endpoint on `net`, ready for net_link_*(). */
void net_endpoint_link(const struct net_network *net, const char *container, struct net_link *l);

/*
 * Publish `bindings` for the container's endpoint on `net` (its address is
 * the DNAT target): host ports chosen (a free one where none was given),
 * checked against every other running container's and against the host's
 * own listeners, then one nftables map element each.  Recorded in the
 * endpoint's "Ports".  On failure nothing stays published.
 */
int net_publish(struct net_session *s, struct net_network *net, const char *container,
                const struct net_binding *bindings, size_t n, struct mc_error *err);
/* The ports an endpoint publishes (while its container runs), for ps, port and inspect. */
size_t net_endpoint_ports(json_t *ep, struct net_port_entry *out, size_t max);
/*
 * The container stopped (or never started): its published ports go, from every
 * network.  Its links went with its network namespace (endpoint.c says why we
 * do not wait for that).
 */
void net_endpoints_down(struct net_session *s, const char *container);

/*
 * Rewrite the peers section of the container's /etc/hosts, and (with
 * `peers_too`) of every running container that shares a user network with
 * it.  The default network resolves no names, as in Docker.
 */
int net_hosts_refresh(struct net_session *s, const char *container, bool peers_too,
                      struct mc_error *err);

/*
 * The verbs' work.  connect: attach, and if the container runs (pid > 0)
 * plug the new link into it at once.  disconnect: unplug, release the
 * address.  release: the container is being removed - every endpoint goes.
 */
int net_connect(struct net_store *st, const char *network, const struct net_attach *a, pid_t pid,
                struct mc_error *err);
int net_disconnect(struct net_store *st, const char *network, const char *container,
                   struct mc_error *err);
int net_release(struct net_store *st, const char *container, struct mc_error *err);

#endif
