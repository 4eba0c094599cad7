/*
 * net_etc.h - chapter 05: a container's /etc/hostname, /etc/hosts and
 * /etc/resolv.conf.
 *
 * The image's own files would name the wrong machine and the wrong DNS
 * servers, so - as Docker does - each container gets three small files of
 * its own, kept outside its root and bind-mounted over the image's.
 *
 * /etc/hosts ends with a section that other containers' starts and stops
 * rewrite, in place, while the container runs: on a user network that is
 * how containers find each other by name (see the README for why a file
 * and not a DNS server):
 *
 *	127.0.0.1	localhost
 *	...
 *	10.214.0.2	3f2c9a1b7d4e
 *	# minicontainer: other containers on this container's networks, kept current
 *	10.214.0.3	db 8e1f0c2d5a6b database
 */
#ifndef MC_NET_ETC_H
#define MC_NET_ETC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mc_error.h"

#define NET_HOSTS_MARKER                                                                           \
	"# minicontainer: other containers on this container's networks, kept current"
#define NET_ETC_MAX 65536 /* the most we read of any of these files */

/* Docker's fallback when the host's only resolvers are on its loopback. */
#define NET_FALLBACK_DNS_1 "8.8.8.8"
#define NET_FALLBACK_DNS_2 "8.8.4.4"

struct net_etc {
	const char *hostname;
	const uint32_t *addrs; /* the container's own addresses, its main network's first */
	size_t naddrs;
	/* --add-host NAME:IP, already checked; an IP of 0 means host-gateway (the next field) */
	const char *const *extra_hosts;
	uint32_t host_gateway;
	/* --dns, --dns-search, --dns-option: NULL-terminated, or NULL for the host's */
	const char *const *dns;
	const char *const *dns_search;
	const char *const *dns_options;
};

/* Letters, digits, '-', '.' and '_', not starting with '-' or '.', at most 253: a name in
 * /etc/hosts (hostnames, --add-host names, container names and aliases). */
bool net_valid_hostname(const char *name);

/*
 * "db:10.0.0.5" (or Docker's newer "db=10.0.0.5"; "host-gateway" as the
 * address) -> name and address (0 for host-gateway).
 */
int net_parse_extra_host(const char *spec, char *name, size_t name_size, uint32_t *addr,
                         struct mc_error *err);

/* /etc/hosts of a container: localhost, --add-host, its own names, the peers marker. */
int net_hosts_text(const struct net_etc *e, char *buf, size_t size, struct mc_error *err);

/*
 * /etc/resolv.conf of a container from the host's (`host_text`): nameservers
 * on the host's loopback (systemd-resolved's 127.0.0.53, dnsmasq's
 * 127.0.0.1) mean nothing inside, so they are replaced - by the ones in
 * `upstream_text` (systemd-resolved's /run/systemd/resolve/resolv.conf,
 * NULL if there is none) if it has any, else by NET_FALLBACK_DNS_1/2, and
 * then *fallback is set.  --dns, --dns-search and --dns-option replace
 * their kind of line.
 */
int net_resolv_conf(const char *host_text, const char *upstream_text, const struct net_etc *e,
                    char *out, size_t size, bool *fallback, struct mc_error *err);

/*
 * Replace what follows the marker in the hosts file at `path` with `peers`
 * (lines "IP NAME..."), in place: the file is bind-mounted into a running
 * container, so it must stay the same file (a rename would leave the
 * container looking at the old one).
 */
int net_hosts_set_peers(const char *path, const char *peers, struct mc_error *err);

#endif
