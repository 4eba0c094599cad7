/*
 * fuzz_reference.c - libFuzzer harness: image references as a user (or an
 * image archive's manifest) spells them.  Any input must give a clean
 * error or a reference that prints back and parses again to the same thing.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "img_reference.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct img_ref ref, again;
	struct mc_error err;
	char text[1024], full[1200];

	if (size >= sizeof(text))
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (img_ref_parse(text, &ref, &err) < 0)
		return 0;
	/* What we print must be something we accept, meaning the same image. */
	img_ref_full(&ref, full, sizeof(full));
	if (img_ref_parse(full, &again, &err) < 0 || memcmp(&ref, &again, sizeof(ref)) != 0)
		__builtin_trap();
	return 0;
}
