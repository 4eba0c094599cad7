/*
 * fuzz_seccomp_profile.c - libFuzzer harness: seccomp profiles in Docker's
 * JSON format (--security-opt seccomp=PROFILE.json), chapter 01's loader.
 * Any text must give a filter or a clean error; the check that create and
 * run make (ns_seccomp_check) must agree with the compiler on which it is.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ns_confine.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int null_fd = -1;
	struct ns_seccomp *sc = NULL;
	struct mc_error err;
	ns_caps caps;
	char *text;
	int checked, compiled;

	/* The first byte picks the capabilities: rules depend on them.  The check
	 * builds the filter for none and for all of them. */
	if (size < 1)
		return 0;
	caps = data[0] & 1 ? ns_all_caps() : 0;
	text = malloc(size);
	if (text == NULL)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	checked = ns_seccomp_check(text, &err);
	compiled = ns_seccomp_compile(text, caps, &sc, &err);
	if (checked != compiled)
		__builtin_trap();
	if (compiled == 0 && sc != NULL) {
		/* Generating the program must work for whatever was accepted. */
		if (null_fd < 0)
			null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
		if (ns_seccomp_export_pfc(sc, null_fd, &err) < 0)
			__builtin_trap();
	}
	ns_seccomp_free(sc);
	free(text);
	return 0;
}
