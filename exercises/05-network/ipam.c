/* ipam.c - chapter 05: addresses, subnets and choosing one (see net_ipam.h). */
#include "net_ipam.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* One decimal number 0-255 at *p, advancing p; no sign, no leading zeros ("010" is not 10). */
static int parse_octet(const char **p, uint32_t *value)
{
	const char *s = *p;
	uint32_t v = 0;
	size_t n = 0;

	while (s[n] >= '0' && s[n] <= '9' && n < 3)
		v = v * 10 + (uint32_t)(s[n++] - '0');
	if (n == 0 || v > 255 || (n > 1 && s[0] == '0') || (s[n] >= '0' && s[n] <= '9'))
		return -1;
	*p = s + n;
	*value = v;
	return 0;
}

/* Four octets at *p, advancing p to what follows them. */
static int parse_quad(const char **p, uint32_t *addr)
{
	uint32_t octet, a = 0;

	for (int i = 0; i < 4; i++) {
		if (i > 0 && *(*p)++ != '.')
			return -1;
		if (parse_octet(p, &octet) < 0)
			return -1;
		a = a << 8 | octet;
	}
	*addr = a;
	return 0;
}

int net_addr_parse(const char *text, uint32_t *addr, struct mc_error *err)
{
	const char *p = text;

	if (parse_quad(&p, addr) < 0 || *p != '\0')
		return mc_fail(err, 0, "invalid IPv4 address '%s'", text);
	return 0;
}

const char *net_addr_str(uint32_t addr, char buf[NET_ADDR_STRLEN])
{
	snprintf(buf, NET_ADDR_STRLEN, "%u.%u.%u.%u", addr >> 24, addr >> 16 & 0xff,
	         addr >> 8 & 0xff, addr & 0xff);
	return buf;
}

uint32_t net_prefix_mask(unsigned prefix)
{
	/* A shift by 32 is undefined in C: /0 is its own case. */
	return prefix == 0 ? 0 : 0xffffffffu << (32 - prefix);
}

int net_cidr_parse(const char *text, struct net_cidr *cidr, struct mc_error *err)
{
	const char *p = text;
	uint32_t addr, prefix = 0;
	char net[NET_CIDR_STRLEN];
	size_t n = 0;

	if (parse_quad(&p, &addr) < 0 || *p++ != '/')
		return mc_fail(err, 0, "invalid subnet '%s' (expected A.B.C.D/N)", text);
	while (p[n] >= '0' && p[n] <= '9' && n < 3)
		prefix = prefix * 10 + (uint32_t)(p[n++] - '0');
	if (n == 0 || p[n] != '\0' || (n > 1 && p[0] == '0'))
		return mc_fail(err, 0, "invalid subnet '%s' (expected A.B.C.D/N)", text);
	if (prefix < NET_MIN_PREFIX || prefix > NET_MAX_PREFIX)
		return mc_fail(err, 0, "subnet %s: the prefix must be between /%d and /%d", text,
		               NET_MIN_PREFIX, NET_MAX_PREFIX);
	cidr->addr = addr & net_prefix_mask(prefix);
	cidr->prefix = prefix;
	if (cidr->addr != addr)
		return mc_fail(err, 0, "subnet %s has host bits set (did you mean %s?)", text,
		               net_cidr_str(cidr, net));
	return 0;
}

const char *net_cidr_str(const struct net_cidr *cidr, char buf[NET_CIDR_STRLEN])
{
	char addr[NET_ADDR_STRLEN];

	snprintf(buf, NET_CIDR_STRLEN, "%s/%u", net_addr_str(cidr->addr, addr), cidr->prefix);
	return buf;
}

bool net_cidr_contains(const struct net_cidr *cidr, uint32_t addr)
{
	return (addr & net_prefix_mask(cidr->prefix)) == cidr->addr;
}

bool net_cidr_overlap(const struct net_cidr *a, const struct net_cidr *b)
{
	/* Two prefixes overlap exactly when the shorter one contains the other's start. */
	unsigned shorter = a->prefix < b->prefix ? a->prefix : b->prefix;
	uint32_t mask = net_prefix_mask(shorter);

	return (a->addr & mask) == (b->addr & mask);
}

uint32_t net_cidr_last(const struct net_cidr *cidr)
{
	return cidr->addr | ~net_prefix_mask(cidr->prefix);
}

static bool is_used(uint32_t addr, const uint32_t *used, size_t nused)
{
	for (size_t i = 0; i < nused; i++)
		if (used[i] == addr)
			return true;
	return false;
}

int net_ipam_pick(const struct net_cidr *subnet, uint32_t gateway, const uint32_t *used,
                  size_t nused, uint32_t requested, uint32_t *out, struct mc_error *err)
{
	/* EXERCISE 05.2 ipam-pick (2 points): Choose a container's address
	 * Tests: test_ipam_picks_lowest_free test_ipam_requested_and_exhausted
	 *
	 * The usable addresses of `subnet` run from its network address + 1 to
	 * net_cidr_last(subnet) - 1 (the first is the network itself, the last
	 * is broadcast).  The gateway and every address in used[0..nused) are
	 * taken.  With `requested` != 0, check that one address: outside the
	 * subnet or not usable is EINVAL, taken is EADDRINUSE (Docker says
	 * "Address already in use").  Otherwise put the lowest free address in
	 * *out; if there is none, fail with ENOSPC and say which subnet is full.
	 */
	/* TODO(exercise 05.2 ipam-pick): your code here. */
	(void)subnet; (void)gateway; (void)used; (void)nused; (void)requested; (void)out; (void)is_used; return mc_fail(err, ENOSYS, "exercise 05.2: not done yet");
}

void net_mac_of(uint32_t addr, unsigned char mac[6])
{
	mac[0] = 0x02;
	mac[1] = 0x42;
	mac[2] = (unsigned char)(addr >> 24);
	mac[3] = (unsigned char)(addr >> 16);
	mac[4] = (unsigned char)(addr >> 8);
	mac[5] = (unsigned char)addr;
}

const char *net_mac_str(const unsigned char mac[6], char buf[18])
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
	         mac[5]);
	return buf;
}
