/*
 * fuzz_env_file.c - libFuzzer harness: --env-file's text (the capstone's
 * kvfile.c, docker/cli's pkg/kvfile rules), then -e with each line
 * (env.c).  Any bytes must give variables or a clean error; every variable
 * kept from the file is KEY=VALUE with a non-empty key without blanks.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mc_env.h"

static void check_file_env(json_t *env)
{
	size_t i;

	for (i = 0; i < json_array_size(env); i++) {
		const char *a = json_string_value(json_array_get(env, i));
		size_t klen;

		if (a == NULL || a[0] == '=' || strchr(a, '=') == NULL)
			__builtin_trap();
		klen = strcspn(a, "=");
		if (strcspn(a, " \t") < klen)
			__builtin_trap();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *file = json_array(), *flags = json_array();
	struct mc_error err;
	char *text = malloc(size + 1), *copy = malloc(size + 1), *save = NULL;

	if (text == NULL || copy == NULL) {
		free(text);
		free(copy);
		return 0;
	}
	memcpy(text, data, size);
	text[size] = '\0';
	memcpy(copy, text, size + 1);
	/* (lookup off: the fuzzer's own environment is not part of the input) */
	if (mc_kvfile_parse(text, size, false, file, &err) == 0)
		check_file_env(file);
	/* The same lines as -e values. */
	for (char *line = strtok_r(copy, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save))
		mc_env_flag(flags, line, &err);
	for (size_t i = 0; i < json_array_size(flags); i++)
		if (!json_is_string(json_array_get(flags, i)) ||
		    json_string_value(json_array_get(flags, i))[0] == '=')
			__builtin_trap();
	json_decref(file);
	json_decref(flags);
	free(text);
	free(copy);
	return 0;
}
