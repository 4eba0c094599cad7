/*
 * fuzz_mount_spec.c - libFuzzer harness: the values of -v, --mount and
 * --tmpfs (the capstone's mounts.c).  The first byte picks the flag.  Any
 * text must give a mount or a clean error, every mount kept has absolute
 * paths, and the checks that run once all flags are in (duplicates, "/")
 * must not crash either.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mc_mounts.h"

static void check_mounts(json_t *mounts, json_t *tmpfs)
{
	const char *target;
	json_t *m, *value;
	size_t i;

	json_array_foreach(mounts, i, m)
	{
		const char *src = json_string_value(json_object_get(m, "Source"));
		const char *dst = json_string_value(json_object_get(m, "Destination"));

		if (src == NULL || dst == NULL || dst[0] != '/')
			__builtin_trap();
		/* (a bind's source is absolute; a volume's may be its name) */
		if (strcmp(json_string_value(json_object_get(m, "Type")) ?: "", "bind") == 0 &&
		    src[0] != '/')
			__builtin_trap();
	}
	json_object_foreach(tmpfs, target, value)
	{
		if (target[0] != '/' || !json_is_string(value))
			__builtin_trap();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *binds = json_array(), *mounts = json_array(), *tmpfs = json_object();
	struct mc_error err;
	char *text;
	int rc;

	if (size < 1)
		goto out;
	text = malloc(size);
	if (text == NULL)
		goto out;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	switch (data[0] % 3) {
	case 0:
		rc = mc_mounts_volume_flag(binds, mounts, text, &err);
		break;
	case 1:
		rc = mc_mounts_mount_flag(mounts, tmpfs, text, &err);
		break;
	default:
		rc = mc_mounts_tmpfs_flag(tmpfs, text, &err);
		break;
	}
	if (rc == 0) {
		check_mounts(mounts, tmpfs);
		mc_mounts_check(mounts, tmpfs, &err);
	}
	free(text);
out:
	json_decref(binds);
	json_decref(mounts);
	json_decref(tmpfs);
	return 0;
}
