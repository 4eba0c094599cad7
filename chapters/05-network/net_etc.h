/*
 * net_etc.h - chapter 05: a container's /etc/hostname, /etc/hosts and
 * /etc/resolv.conf.
 *
 * The image's own files would name the wrong machine and the wrong DNS
 * servers, so - as Docker does - each container gets three small files of
 * its own, kept outside its root and bind-mounted over the image's, in the
 * formats Docker's libnetwork writes (its etchosts and resolvconf packages):
 *
 *	                 a network          --network none      --network host
 *	/etc/hostname    the hostname       the hostname        the host's name
 *	/etc/hosts       localhost, IPv6's  localhost, IPv6's   the host's file (built
 *	                 names, --add-host, names, --add-host   as for none when there
 *	                 IP<TAB>hostname                        are --add-host's)
 *	/etc/resolv.conf the host's, with   the host's          the host's
 *	                 loopback servers
 *	                 gone ("legacy")
 *
 * resolv.conf is always rewritten (a header, the directives, comments on
 * where it came from); --dns, --dns-search and --dns-option replace their
 * kind of line.
 *
 * On a user network, /etc/hosts ends with a section that other containers'
 * starts and stops rewrite, in place, while the container runs: that is how
 * containers find each other by name (see the README for why a file and not
 * a DNS server, which Docker has):
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

#define NET_RESOLV_CONF "/etc/resolv.conf"
/* systemd-resolved's list of the servers its stub (127.0.0.53) forwards to */
#define NET_RESOLV_CONF_SYSTEMD "/run/systemd/resolve/resolv.conf"

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
	bool ipv6; /* its lo has ::1 (net_ipv6_loopback()): IPv6's names in /etc/hosts */
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

/*
 * Does a container's loopback have ::1?  Docker asks that to decide whether
 * /etc/hosts gets IPv6's names.  In a namespace of its own, it does exactly
 * when the kernel has IPv6; on the host's network, when the host's lo has it.
 */
bool net_ipv6_loopback(bool host_network);

/* /etc/hosts of a container (etchosts.Build): localhost, --add-host, its own names. */
int net_hosts_text(const struct net_etc *e, char *buf, size_t size, struct mc_error *err);

/*
 * The host file a container's resolv.conf is made from (resolvconf.Path()):
 * NET_RESOLV_CONF, except that for a container with a namespace of its own,
 * a host whose only nameserver is systemd-resolved's stub 127.0.0.53 -
 * unreachable from inside - sends us to NET_RESOLV_CONF_SYSTEMD.
 */
const char *net_resolv_source(bool host_network);

/*
 * /etc/resolv.conf of a container from the host's file `host_text` (NULL if
 * there is none), read from `source`: libnetwork's resolvconf package.  With
 * `legacy` (a container on a network: nobody serves DNS inside it), servers
 * on the host's loopback and IPv6 servers are left out, and if none is left
 * Docker's fallback NET_FALLBACK_DNS_1/2 is used and *fallback set.
 */
int net_resolv_conf(const char *host_text, const char *source, bool legacy, const struct net_etc *e,
                    char *out, size_t size, bool *fallback, struct mc_error *err);

/*
 * Replace what follows the marker in the hosts file at `path` with `peers`
 * (lines "IP NAME..."), in place: the file is bind-mounted into a running
 * container, so it must stay the same file (a rename would leave the
 * container looking at the old one).  A file without the marker gets it
 * when there are peers; without peers it is left as it is.
 */
int net_hosts_set_peers(const char *path, const char *peers, struct mc_error *err);

#endif
