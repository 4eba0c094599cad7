/*
 * fuzz_mount_spec.c - libFuzzer harness: the values of -v, --mount and
 * --tmpfs (the capstone's spec_parse.c).  The first byte picks the flag.
 * Any text must give a mount or a clean error, and every mount kept has
 * absolute paths.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mc_spec.h"

static void check_mounts(const struct mc_spec *s)
{
	const char *target;
	json_t *m, *value;
	size_t i;

	json_array_foreach(s->mounts, i, m)
	{
		const char *src = json_string_value(json_object_get(m, "Source"));
		const char *dst = json_string_value(json_object_get(m, "Destination"));

		if (src == NULL || dst == NULL || src[0] != '/' || dst[0] != '/')
			__builtin_trap();
	}
	json_object_foreach(s->tmpfs, target, value)
	{
		if (target[0] != '/' || !json_is_string(value))
			__builtin_trap();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mc_spec s;
	struct mc_error err;
	char *text;

	if (size < 1)
		return 0;
	text = malloc(size);
	if (text == NULL)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	mc_spec_init(&s);
	switch (data[0] % 3) {
	case 0:
		mc_spec_add_volume(&s, text, &err);
		break;
	case 1:
		mc_spec_add_mount(&s, text, &err);
		break;
	default:
		mc_spec_add_tmpfs(&s, text, &err);
		break;
	}
	check_mounts(&s);
	mc_spec_free(&s);
	free(text);
	return 0;
}
