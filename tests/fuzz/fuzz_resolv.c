/*
 * fuzz_resolv.c - libFuzzer harness: the host's /etc/resolv.conf as a
 * container's (moby's resolvconf rules), and --add-host values.  Whatever the
 * host's file holds, a container on a network ("legacy": nobody serves DNS in
 * it) gets no nameserver on the host's loopback and no IPv6 one, and has at
 * least one nameserver (the fallback when none is left); with host networking
 * the file's servers stay.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "net_etc.h"

static void check(const char *out, bool legacy)
{
	int servers = 0;

	for (const char *line = out; *line != '\0';) {
		size_t len = strcspn(line, "\n");

		if (strncmp(line, "nameserver ", 11) == 0) {
			servers++;
			if (legacy && (strncmp(line + 11, "127.", 4) == 0 ||
			               memchr(line + 11, ':', len - 11) != NULL))
				__builtin_trap();
		}
		line += len + (line[len] == '\n');
	}
	if (legacy && servers == 0)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char host[4096], out[8192], name[256];
	bool legacy;
	struct net_etc e = {0};
	struct mc_error err;
	bool fallback;
	uint32_t addr;

	if (size >= sizeof(host))
		return 0;
	memcpy(host, data, size);
	host[size] = '\0';
	/* The first byte chooses the mode; the rest is the host's file. */
	legacy = size > 0 && (data[0] & 1);
	if (net_resolv_conf(size > 0 ? host + 1 : host, "/etc/resolv.conf", legacy, &e, out,
	                    sizeof(out), &fallback, &err) == 0)
		check(out, legacy);
	if (net_parse_extra_host(host, name, sizeof(name), &addr, &err) == 0 &&
	    (name[0] == '\0' || strpbrk(name, " \t\n:=") != NULL))
		__builtin_trap();
	return 0;
}
