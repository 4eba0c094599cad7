/*
 * fuzz_subnet.c - libFuzzer harness: --subnet, --gateway and --ip values.
 * What parses prints back as itself, a subnet's host bits are zero, and
 * overlap is symmetric.
 */
#include <stdint.h>
#include <string.h>

#include "net_ipam.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct net_cidr last = {0x0ad50000, 16};
	char text[64], back[NET_CIDR_STRLEN];
	struct net_cidr c, again;
	struct mc_error err;
	uint32_t a, b;

	if (size >= sizeof(text))
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (net_cidr_parse(text, &c, &err) == 0) {
		if ((c.addr & ~net_prefix_mask(c.prefix)) != 0 ||
		    strcmp(net_cidr_str(&c, back), text) != 0 ||
		    net_cidr_parse(back, &again, &err) < 0 || memcmp(&c, &again, sizeof(c)) != 0 ||
		    net_cidr_overlap(&c, &last) != net_cidr_overlap(&last, &c) ||
		    !net_cidr_contains(&c, net_cidr_last(&c)))
			__builtin_trap();
		last = c;
	}
	if (net_addr_parse(text, &a, &err) == 0 &&
	    (net_addr_parse(net_addr_str(a, back), &b, &err) < 0 || a != b ||
	     strcmp(back, text) != 0))
		__builtin_trap();
	return 0;
}
