/*
 * fuzz_env_file.c - libFuzzer harness: --env-file's text (the capstone's
 * mc_spec_add_env_text), then -e with each line.  Any bytes must give
 * variables or a clean error; every variable kept is KEY=VALUE with a
 * non-empty key, and a key appears once.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mc_spec.h"

static void check_env(json_t *env)
{
	size_t i, j;

	for (i = 0; i < json_array_size(env); i++) {
		const char *a = json_string_value(json_array_get(env, i));
		size_t klen;

		if (a == NULL || a[0] == '=' || strchr(a, '=') == NULL)
			__builtin_trap();
		klen = strcspn(a, "=");
		for (j = i + 1; j < json_array_size(env); j++) {
			const char *b = json_string_value(json_array_get(env, j));

			if (strncmp(a, b, klen + 1) == 0)
				__builtin_trap();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mc_spec s;
	struct mc_error err;
	char *text = malloc(size + 1), *save = NULL;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	mc_spec_init(&s);
	mc_spec_add_env_text(&s, text, size, "fuzz", &err);
	check_env(s.env);
	/* The same lines as -e values. */
	for (char *line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save))
		mc_spec_add_env(&s, line, &err);
	check_env(s.env);
	mc_spec_free(&s);
	free(text);
	return 0;
}
