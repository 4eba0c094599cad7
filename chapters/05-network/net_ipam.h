/*
 * net_ipam.h - chapter 05: IPv4 addresses, subnets, and handing them out.
 *
 * IPAM ("IP address management") answers one question: which address does
 * the next container get?  A network is a subnet, 10.213.0.0/16 say; its
 * first usable address is the gateway (the bridge's own address, the
 * containers' way out), and every container gets one of the others - never
 * one that another container holds.  The functions here are pure
 * arithmetic on addresses; where the held addresses are kept, and the lock
 * around them, is store.c's business.
 *
 * Addresses are uint32_t in host byte order (10.213.0.1 is 0x0ad50001), so
 * that "the next address" is + 1; they become network byte order only at
 * the edge, in netlink messages.
 */
#ifndef MC_NET_IPAM_H
#define MC_NET_IPAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mc_error.h"

/* The shortest and longest prefixes a network may have: a /30 holds a gateway and one more. */
#define NET_MIN_PREFIX 8
#define NET_MAX_PREFIX 30

#define NET_ADDR_STRLEN 16 /* "255.255.255.255" and its NUL */
#define NET_CIDR_STRLEN 19 /* "255.255.255.255/32" and its NUL */

struct net_cidr {
	uint32_t addr;   /* the network address: host bits all zero */
	unsigned prefix; /* how many leading bits name the network */
};

/* "10.213.0.2" -> 0x0ad50002.  Four decimal numbers 0-255, nothing else. */
int net_addr_parse(const char *text, uint32_t *addr, struct mc_error *err);
const char *net_addr_str(uint32_t addr, char buf[NET_ADDR_STRLEN]);

/*
 * "10.213.0.0/16".  The host part must be zero (10.213.0.5/16 is an error
 * that names the network the user probably meant) and the prefix between
 * NET_MIN_PREFIX and NET_MAX_PREFIX.
 */
int net_cidr_parse(const char *text, struct net_cidr *cidr, struct mc_error *err);
const char *net_cidr_str(const struct net_cidr *cidr, char buf[NET_CIDR_STRLEN]);

uint32_t net_prefix_mask(unsigned prefix); /* 16 -> 0xffff0000 */
bool net_cidr_contains(const struct net_cidr *cidr, uint32_t addr);
bool net_cidr_overlap(const struct net_cidr *a, const struct net_cidr *b);
/* The broadcast address, the last of the subnet: never given to anyone. */
uint32_t net_cidr_last(const struct net_cidr *cidr);

/*
 * Choose an address in `subnet` for a new container: `requested` if it is
 * not 0 (--ip), else the lowest free one.  Free means: inside the subnet,
 * neither its first (the network) nor its last (broadcast) address, not
 * the gateway, and not one of the `nused` addresses in `used`.  Fails with
 * EADDRINUSE for a requested address that is taken, and ENOSPC when the
 * subnet is full.
 */
int net_ipam_pick(const struct net_cidr *subnet, uint32_t gateway, const uint32_t *used,
                  size_t nused, uint32_t requested, uint32_t *out, struct mc_error *err);

/*
 * The MAC address of the container's interface: 02:42 followed by the four
 * bytes of its IPv4 address, as Docker made them for years.  02 sets the
 * "locally administered" bit, so it never collides with a vendor's address;
 * deriving it from the address means a restarted container keeps its MAC.
 */
void net_mac_of(uint32_t addr, unsigned char mac[6]);
const char *net_mac_str(const unsigned char mac[6], char buf[18]);

#endif
