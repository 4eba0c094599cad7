/*
 * fuzz_publish.c - libFuzzer harness: `-p` specs and "80/tcp" port keys, as a
 * user types them.  Any input gives a clean error or bindings that make
 * sense - and each binding, written back as a spec, parses to itself.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "net_ipam.h"
#include "net_ports.h"

static void check_binding(const struct net_binding *b)
{
	struct net_binding again[2];
	char spec[96], ip[NET_ADDR_STRLEN], host[16] = "";
	struct mc_error err;
	size_t n;

	if (b->ctr_port == 0 || b->host_lo > b->host_hi || (b->host_lo == 0) != (b->host_hi == 0))
		__builtin_trap();
	if (b->host_lo != 0)
		snprintf(host, sizeof(host), b->host_lo == b->host_hi ? "%u" : "%u-%u", b->host_lo,
		         b->host_hi);
	snprintf(spec, sizeof(spec), "%s:%s:%u/%s", b->host_ip ? net_addr_str(b->host_ip, ip) : "",
	         host, b->ctr_port, net_proto_name(b->proto));
	if (net_parse_publish(spec, again, 2, &n, &err) < 0 || n != 1 ||
	    again[0].proto != b->proto || again[0].host_ip != b->host_ip ||
	    again[0].host_lo != b->host_lo || again[0].host_hi != b->host_hi ||
	    again[0].ctr_port != b->ctr_port)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct net_binding b[64];
	struct mc_error err;
	char text[256];
	uint16_t port;
	int proto;
	size_t n;

	if (size >= sizeof(text))
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (net_parse_publish(text, b, 64, &n, &err) == 0)
		for (size_t i = 0; i < n; i++)
			check_binding(&b[i]);
	if (net_parse_port_proto(text, &port, &proto, &err) == 0 && port == 0)
		__builtin_trap();
	return 0;
}
