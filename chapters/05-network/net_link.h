/*
 * net_link.h - chapter 05: a network's bridge, and one container's veth pair.
 *
 *	host                                         container (its own netns)
 *	                     mc0  10.213.0.1/16
 *	                 +--------------------+
 *	 mcv3f2c9a1b0a1e-|  bridge            |     eth0  10.213.0.2/16
 *	      (veth)     +--------------------+       default via 10.213.0.1
 *	         \____________________________________/
 *	              one veth pair: what goes in one end comes out of the other
 *
 * The bridge is made once per network (and again after a reboot); a veth
 * pair per container and network.  Its host end joins the bridge, its
 * other end is made right inside the container's namespace as eth0 (eth1
 * ... for more networks), where it gets the address and the default route.
 */
#ifndef MC_NET_LINK_H
#define MC_NET_LINK_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "mc_error.h"
#include "net_nat.h"
#include "net_netlink.h"
#include "net_store.h"

/* One endpoint's link, as the step sets it up. */
struct net_link {
	char host_if[16]; /* the host's end: "mcv" + 8 hex of the container + 4 of the network */
	char ifname[16];  /* the other end, inside: eth0, eth1 ... */
	char bridge[16];
	uint32_t addr, gateway;
	unsigned prefix;
	bool primary;  /* the container's main network: the default route goes here */
	bool internal; /* no way out: no default route */
};

/* The host end's name for container `id` on network `net_id` (no kernel involved). */
void net_link_names(struct net_link *l, const char *id, const char *net_id);

/*
 * Make the network's bridge if it is not there - with its gateway address,
 * up, route_localnet on (localhost publishing) - and its nftables elements
 * (our table must be there: net_session_nat()).  An existing link of that
 * name that is not a bridge is an error.
 */
int net_bridge_ensure(struct net_nl *nl, struct net_nat *nat, const struct net_network *net,
                      struct mc_error *err);
/* Remove the network's bridge and its nftables elements (network rm). */
int net_bridge_remove(struct net_nl *nl, struct net_nat *nat, const struct net_network *net,
                      struct mc_error *err);

/*
 * Plug the container (its first process `pid`) into the bridge: the pair, its
 * host end on the bridge and up, its other end born in the container's
 * namespace as l->ifname and configured there - address, up, and (for the
 * main network) the default route.  On failure the pair is gone again.
 */
int net_link_plug(struct net_nl *host, pid_t pid, const struct net_link *l, struct mc_error *err);
/* Delete the pair (deleting one end deletes both).  A pair that is gone already is fine. */
int net_link_delete(struct net_nl *nl, const char *host_if, struct mc_error *err);

/*
 * net.ipv4.ip_forward = 1, if it is not: without it the host does not route
 * the containers' packets to the world.  *changed says we did it.
 */
int net_enable_forwarding(bool *changed, struct mc_error *err);

#endif
