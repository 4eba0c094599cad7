/*
 * fuzz_www_authenticate.c - libFuzzer harness: the WWW-Authenticate header
 * of a registry's 401.  Any input must give a clean error or a challenge
 * whose fields are NUL-terminated within their buffers, and a Bearer
 * challenge always has a realm.
 */
#include <stdint.h>
#include <string.h>

#include "img_auth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct img_challenge c;
	struct mc_error err;
	char text[8192];

	if (size >= sizeof(text))
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (img_challenge_parse(text, &c, &err) < 0)
		return 0;
	if (memchr(c.realm, '\0', sizeof(c.realm)) == NULL ||
	    memchr(c.service, '\0', sizeof(c.service)) == NULL ||
	    memchr(c.scope, '\0', sizeof(c.scope)) == NULL ||
	    memchr(c.error, '\0', sizeof(c.error)) == NULL)
		__builtin_trap();
	if (c.scheme == IMG_AUTH_BEARER && c.realm[0] == '\0')
		__builtin_trap();
	if (c.scheme != IMG_AUTH_BEARER && c.scheme != IMG_AUTH_BASIC)
		__builtin_trap();
	return 0;
}
