/*
 * net_netlink.h - chapter 05: talking to the kernel's network stack with
 * rtnetlink, through libmnl.
 *
 * `ip link add`, `ip addr add` and `ip route add` are thin wrappers around
 * messages on a netlink socket (netlink(7), rtnetlink(7)): a 16-byte
 * header, a fixed struct for the kind of object (ifinfomsg for a link,
 * ifaddrmsg for an address, rtmsg for a route), then attributes - each a
 * 4-byte length and type, its value, padded to 4 bytes - some of them
 * nested.  Every request here asks for an acknowledgement (NLM_F_ACK) and
 * checks it: the kernel answers each one with an NLMSG_ERROR whose error
 * field is 0 or a negative errno.  With --trace every message is printed
 * decoded, and its result:
 *
 *	[ch05] RTM_NEWLINK ifname="mc0" linkinfo{kind="bridge"} (CREATE|EXCL) -> ok
 *
 * A socket belongs to the network namespace it was made in; net_nl_open()
 * can make one in a container's namespace (setns there and back), and then
 * every request on it acts inside the container.
 */
#ifndef MC_NET_NETLINK_H
#define MC_NET_NETLINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "mc_error.h"
#include "net_ipam.h"

struct mnl_socket;
struct nlmsghdr;

struct net_nl {
	struct mnl_socket *sock;
	unsigned int portid; /* our address on the socket, for checking replies */
	unsigned int seq;    /* the sequence number of the last request */
	const char *where;   /* "host" or "container", for --trace */
};

/* Also print every request's bytes in hex with --trace (the demo's --netlink-bytes). */
void net_nl_trace_bytes(bool on);

/*
 * Open a route netlink socket in the network namespace of process `pid`,
 * or in our own for pid 0.
 */
int net_nl_open(struct net_nl *nl, pid_t pid, struct mc_error *err);
void net_nl_close(struct net_nl *nl);

/* Links.  A missing link fails with ENODEV. */
int net_nl_link_get(struct net_nl *nl, const char *name, int *index, char *kind, size_t kind_size,
                    struct mc_error *err);
int net_nl_bridge_add(struct net_nl *nl, const char *name, struct mc_error *err);
/*
 * A veth pair: `name` here, `peer` with MAC address `peer_mac` at the other
 * end - made right in the network namespace of process `peer_pid` (0: here).
 */
int net_nl_veth_add(struct net_nl *nl, const char *name, const char *peer,
                    const unsigned char peer_mac[6], pid_t peer_pid, struct mc_error *err);
int net_nl_link_up(struct net_nl *nl, int index, struct mc_error *err);
int net_nl_link_set_master(struct net_nl *nl, int index, int master, struct mc_error *err);
int net_nl_link_del(struct net_nl *nl, const char *name, struct mc_error *err);

/* Addresses and routes (IPv4). */
int net_nl_addr_add(struct net_nl *nl, int index, uint32_t addr, unsigned prefix,
                    struct mc_error *err);
int net_nl_route_add_default(struct net_nl *nl, int index, uint32_t gateway, struct mc_error *err);
/* The IPv4 destinations of the main routing table (for subnet overlap checks). */
int net_nl_routes(struct net_nl *nl, struct net_cidr *routes, size_t max, size_t *count,
                  struct mc_error *err);

/*
 * Build RTM_NEWADDR for `addr`/`prefix` on link `index` in buf (at least
 * NET_NL_BUFSIZE bytes): the message `ip addr add ADDR/PREFIX dev IF`
 * sends.  Returns its header.
 */
#define NET_NL_BUFSIZE 8192
struct nlmsghdr *net_nl_build_newaddr(void *buf, int index, uint32_t addr, unsigned prefix);

/*
 * Decode the netlink messages in buf[0..len) into one line of text, as
 * --trace prints them.  Any bytes at all may be given (replies, garbage):
 * what does not parse is shown as such, never read past its end.
 */
const char *net_nl_describe(const void *buf, size_t len, char *out, size_t size);

#endif
