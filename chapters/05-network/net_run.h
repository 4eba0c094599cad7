/*
 * net_run.h - chapter 05: the container so far, on a network.
 *
 * Chapter 05's step in chapter 01's lifecycle (ns_lifecycle.h):
 *
 *	prepare       host: the address (IPAM), the bridge, published ports
 *	              (nftables), the container's /etc/hostname, /etc/hosts and
 *	              /etc/resolv.conf, and its name in its peers' /etc/hosts
 *	after-clone   host: a veth pair per network, one end on the bridge, the
 *	              other made in the child's new network namespace as eth0,
 *	              eth1 ..., its address, up, and the default route - before
 *	              the child runs anything
 *	before-pivot  child: the three /etc files bind-mounted into its root;
 *	              with --network container:ID, into that one's namespace
 *	after-exit    host: ports and names gone (the links went with the
 *	              namespace); the address stays held until the container
 *	              is removed (net_release)
 *
 * `--network none` keeps chapter 01's namespace with only lo; `host` no
 * namespace of its own; both still get the /etc files.
 */
#ifndef MC_NET_RUN_H
#define MC_NET_RUN_H

#include <stdbool.h>
#include <sys/types.h>

#include "mc_cli.h"
#include "net_endpoint.h"
#include "ns_lifecycle.h"

enum net_mode {
	NET_MODE_NONE,      /* a namespace with lo only */
	NET_MODE_HOST,      /* the host's namespace */
	NET_MODE_NETWORK,   /* bridge, or a user network: the endpoints of `container` */
	NET_MODE_CONTAINER, /* another container's namespace */
};

#define NET_MAX_LIST 16 /* --dns, --dns-search, --add-host ... each */

struct net_run {
	enum net_mode mode;
	struct net_store *store;
	const char *container; /* the container's id: 64 hex digits */
	const char *name;      /* its name, or NULL */
	const char *hostname;
	const char *etc_dir; /* hostname, hosts, resolv.conf are made here, then bind-mounted */
	bool etc_unmounted;  /* ...made, but the caller mounts them (a RUN step, the capstone) */
	struct net_binding ports[NET_MAX_PORTS]; /* -p, on the main network */
	size_t nports;
	const char *dns[NET_MAX_LIST + 1], *dns_search[NET_MAX_LIST + 1];
	const char *dns_options[NET_MAX_LIST + 1], *extra_hosts[NET_MAX_LIST + 1];
	/* NET_MODE_CONTAINER: the other container's first process and /etc files */
	pid_t join_pid;
	const char *join_etc_dir;
	/* Attach to this network in prepare, and release the address at exit (the demo). */
	const char *attach_network;
	uint32_t attach_ip;
	/* Things a user should hear about ("ip_forward was off: turned on"); may be NULL. */
	void (*notice)(const char *text);

	/* Filled in by prepare: one line per interface, then the published ports. */
	char summary[1024];

	/* The step's own. */
	int hold_fd;
	struct net_link links[NET_MAX_ENDPOINTS];
	size_t nlinks;
	dev_t join_dev;
	ino_t join_ino;
};

void net_run_init(struct net_run *run);
int net_add_step(struct ns_config *cfg, struct net_run *run, struct mc_error *err);

/* The demo's flags (--network, -p, --ip, --dns, --add-host, --netlink-bytes). */
struct net_options {
	struct net_run run;
	const char *network; /* "bridge" unless given */
	size_t ndns, nhosts;
};
extern const struct mc_option net_options_table[];
void net_options_init(struct net_options *o);

#endif
