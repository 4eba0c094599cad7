/*
 * fuzz_token.c - libFuzzer harness: a token server's answer.  Any input
 * must give a clean error or a token that is safe to put into an HTTP
 * header (printable ASCII, no spaces) and a sane lifetime.
 */
#include <stdint.h>
#include <string.h>

#include "img_auth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct img_token t;
	struct mc_error err;

	if (img_token_parse((const char *)data, size, &t, &err) < 0)
		return 0;
	if (t.token == NULL || t.token[0] == '\0' || t.expires_in < 60)
		__builtin_trap();
	for (const char *p = t.token; *p != '\0'; p++)
		if (*p <= ' ' || *p > '~')
			__builtin_trap();
	img_token_free(&t);
	return 0;
}
