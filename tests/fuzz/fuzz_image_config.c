/*
 * fuzz_image_config.c - libFuzzer harness: an image's config JSON (chapter
 * 04's img_runconfig_parse) and what is made of it: the environment merged
 * with a user's, copies of the argument vectors.  Any text must give a
 * config or a clean error, and the config's vectors must be well formed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "img_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *user_env[] = {"PATH=/bin", "HOME=/root", "EMPTY=", NULL};
	struct img_runconfig rc;
	struct mc_error err;
	char **merged, **copy;
	char *text = malloc(size + 1);

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (img_runconfig_parse(text, &rc, &err) == 0) {
		if (rc.env == NULL)
			__builtin_trap();
		merged = img_env_merge(user_env, rc.env);
		/* The user's three come first and stay. */
		if (merged == NULL || img_strv_len(merged) < 3 ||
		    strcmp(merged[0], "PATH=/bin") != 0)
			__builtin_trap();
		copy = img_strv_dup(rc.cmd);
		if (img_strv_len(copy) != img_strv_len(rc.cmd))
			__builtin_trap();
		img_strv_free(copy);
		copy = img_strv_dup(rc.entrypoint);
		img_strv_free(copy);
		img_strv_free(merged);
		img_runconfig_free(&rc);
	}
	free(text);
	return 0;
}
