/*
 * fuzz_resolv.c - libFuzzer harness: the host's /etc/resolv.conf (and
 * systemd-resolved's) as a container's, and --add-host values.  Whatever
 * the host's file holds, the container's has only search, nameserver and
 * options lines, and no nameserver on the host's loopback.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "net_etc.h"

static void check(const char *out)
{
	for (const char *line = out; *line != '\0';) {
		size_t len = strcspn(line, "\n");

		if (strncmp(line, "search ", 7) != 0 && strncmp(line, "options ", 8) != 0 &&
		    strncmp(line, "nameserver ", 11) != 0)
			__builtin_trap();
		if (strncmp(line, "nameserver 127.", 15) == 0 ||
		    strncmp(line, "nameserver ::1", 14) == 0)
			__builtin_trap();
		line += len + (line[len] == '\n');
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char host[4096], out[8192], name[256];
	const char *upstream;
	struct net_etc e = {0};
	struct mc_error err;
	bool fallback;
	uint32_t addr;

	if (size >= sizeof(host))
		return 0;
	memcpy(host, data, size);
	host[size] = '\0';
	/* The second half, after a NUL, is the upstream file (if there is one). */
	upstream = strlen(host) < size ? host + strlen(host) + 1 : NULL;
	if (net_resolv_conf(host, upstream, &e, out, sizeof(out), &fallback, &err) == 0)
		check(out);
	if (net_parse_extra_host(host, name, sizeof(name), &addr, &err) == 0 &&
	    (name[0] == '\0' || strpbrk(name, " \t\n:=") != NULL))
		__builtin_trap();
	return 0;
}
