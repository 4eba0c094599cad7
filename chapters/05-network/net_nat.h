/*
 * net_nat.h - chapter 05: NAT and published ports with nftables.
 *
 * Everything lives in one table of our own, `ip minicontainer`, made once
 * with all its chains and rules; what changes as networks and containers
 * come and go are only the *elements* of its sets and maps:
 *
 *	set bridges       the bridges of our networks (mc0, mc-<id>)
 *	set bridge_pairs  "mc0" . "mc0" ...: traffic that stays on one network
 *	set internal      bridges of --internal networks: no way in or out
 *	set masq_nets     subnets whose traffic to the world is masqueraded
 *	map ports_any     proto . host port            -> container address . port
 *	map ports_ip      host address . proto . port  -> container address . port
 *
 * So publishing a port is adding one map element and unpublishing it is
 * deleting that element, by its key - there are no rule handles to
 * remember, nothing of anyone else's is touched, and `nft list table ip
 * minicontainer` shows the whole state.  The rules themselves are in
 * nat.c (net_nat_ruleset) and explained in the chapter's README.
 */
#ifndef MC_NET_NAT_H
#define MC_NET_NAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mc_error.h"
#include "net_ipam.h"

#define NET_NFT_TABLE "minicontainer"

struct nft_ctx;

struct net_nat {
	struct nft_ctx *ctx;
};

/* One published port: traffic to host_ip:host_port (host_ip 0: any local address). */
struct net_port {
	int proto; /* IPPROTO_TCP or IPPROTO_UDP */
	uint32_t host_ip;
	uint16_t host_port;
	uint32_t ctr_ip;
	uint16_t ctr_port;
};

/* The table's text, as `nft -f` would read it. */
extern const char net_nat_ruleset[];

int net_nat_open(struct net_nat *nat, struct mc_error *err);
void net_nat_close(struct net_nat *nat);

/* Make our table unless it is there already (then *created). */
int net_nat_ensure_table(struct net_nat *nat, bool *created, struct mc_error *err);

/* Add (or delete) a network's elements: its bridge, and its subnet unless it is internal. */
int net_nat_network(struct net_nat *nat, bool add, const char *bridge,
                    const struct net_cidr *subnet, bool internal, struct mc_error *err);

/*
 * The command that adds (or deletes) one published port's map element,
 * e.g. "add element ip minicontainer ports_any { tcp . 8080 : 10.213.0.2 . 80 }".
 */
int net_nat_port_command(char *buf, size_t size, bool add, const struct net_port *p);
/* Run it.  Deleting an element that is not there is not an error. */
int net_nat_port(struct net_nat *nat, bool add, const struct net_port *p, struct mc_error *err);

/* Run one nft command (traced); fails with nft's own message. */
int net_nat_run(struct net_nat *nat, const char *cmd, struct mc_error *err);

#endif
