/*
 * fuzz_netlink.c - libFuzzer harness: the netlink decoder of --trace, on any
 * bytes (a reply, a truncated message, garbage).  It must describe them
 * without reading past the end, and always end its text.
 */
#include <stdint.h>
#include <string.h>

#include "net_netlink.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[1024];

	memset(text, 'x', sizeof(text));
	net_nl_describe(data, size, text, sizeof(text));
	if (memchr(text, '\0', sizeof(text)) == NULL)
		__builtin_trap();
	return 0;
}
