/*
 * net_ports.h - chapter 05: published ports as users write them.
 *
 *	-p 8080:80              host port 8080, any address -> container port 80, tcp
 *	-p 127.0.0.1:8080:80    only on the host's 127.0.0.1
 *	-p 8080:80/udp          udp
 *	-p 80                   a free host port, chosen when the container starts
 *	-p 127.0.0.1::80        the same, on one address
 *	-p 8000-8002:80-82      ranges, of the same length
 *	-p 9000-9100:80         one port from a range of host ports
 *
 * These are Docker's forms (its go-connections/nat parser), and its error
 * messages.  A spec becomes one net_binding per container port; the host
 * port, when it is left to us, is chosen at start (ports.c).
 */
#ifndef MC_NET_PORTS_H
#define MC_NET_PORTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mc_error.h"

struct net_binding {
	int proto;         /* IPPROTO_TCP or IPPROTO_UDP */
	uint32_t host_ip;  /* 0: every address of the host */
	uint16_t host_lo;  /* the host port, or the range to choose from; 0: any free port */
	uint16_t host_hi;  /* == host_lo for one port */
	uint16_t ctr_port; /* the container's port */
};

/*
 * Parse one -p value into at most `max` bindings (*count of them).  A range
 * of container ports gives one binding each.
 */
int net_parse_publish(const char *spec, struct net_binding *out, size_t max, size_t *count,
                      struct mc_error *err);

/* "80/tcp", "53/udp", "80" (tcp) -> port and protocol: the keys of Docker's port maps. */
int net_parse_port_proto(const char *text, uint16_t *port, int *proto, struct mc_error *err);
const char *net_proto_name(int proto);

/* One port of a running container, as `ps`, `port` and `inspect` show it. */
struct net_port_entry {
	int proto;
	uint16_t ctr_port;
	uint32_t host_ip;   /* when published */
	uint16_t host_port; /* 0: exposed, not published */
};

/*
 * Docker's PORTS column: "0.0.0.0:8080->80/tcp, 9000/udp"; ports published
 * on the same number (or only exposed) and consecutive become one range,
 * "0.0.0.0:8000-8002->8000-8002/tcp".  Sorts `ports` in place.
 */
const char *net_ports_display(struct net_port_entry *ports, size_t n, char *buf, size_t size);

#endif
