/* config.c - see config.h. */
#include "img_config.h"

#include <errno.h>
#include <stdbool.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

size_t img_strv_len(char *const *v)
{
	size_t n = 0;

	while (v != NULL && v[n] != NULL)
		n++;
	return n;
}

void img_strv_free(char **v)
{
	for (size_t i = 0; v != NULL && v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

char **img_strv_dup(char *const *v)
{
	size_t n = img_strv_len(v);
	char **out = calloc(n + 1, sizeof(*out));

	for (size_t i = 0; out != NULL && i < n; i++) {
		out[i] = strdup(v[i]);
		if (out[i] == NULL) {
			img_strv_free(out);
			return NULL;
		}
	}
	return out;
}

/* A JSON array of strings as a NULL-terminated vector; NULL for null or missing. */
static char **strings_of(json_t *array, int *failed)
{
	char **v;

	if (!json_is_array(array))
		return NULL;
	v = calloc(json_array_size(array) + 1, sizeof(*v));
	for (size_t i = 0; v != NULL && i < json_array_size(array); i++) {
		const char *s = json_string_value(json_array_get(array, i));

		v[i] = strdup(s != NULL ? s : "");
		if (v[i] == NULL) {
			img_strv_free(v);
			v = NULL;
		}
	}
	if (v == NULL)
		*failed = 1;
	return v;
}

static char *string_of(json_t *value)
{
	const char *s = json_string_value(value);

	return s != NULL && s[0] != '\0' ? strdup(s) : NULL;
}

int img_runconfig_parse(const char *config_json, struct img_runconfig *rc, struct mc_error *err)
{
	json_error_t jerr;
	json_t *doc, *c;
	int failed = 0;

	memset(rc, 0, sizeof(*rc));
	doc = json_loads(config_json, 0, &jerr);
	if (doc == NULL)
		return mc_fail(err, 0, "image config: invalid JSON (%s)", jerr.text);
	/* Docker's configs say "config"; some old ones only "container_config". */
	c = json_object_get(doc, "config");
	rc->entrypoint = strings_of(json_object_get(c, "Entrypoint"), &failed);
	rc->cmd = strings_of(json_object_get(c, "Cmd"), &failed);
	rc->env = strings_of(json_object_get(c, "Env"), &failed);
	if (rc->env == NULL && !failed)
		rc->env = calloc(1, sizeof(char *));
	rc->workdir = string_of(json_object_get(c, "WorkingDir"));
	rc->user = string_of(json_object_get(c, "User"));
	json_decref(doc);
	if (failed || rc->env == NULL) {
		img_runconfig_free(rc);
		return mc_fail(err, ENOMEM, "image config");
	}
	return 0;
}

void img_runconfig_free(struct img_runconfig *rc)
{
	img_strv_free(rc->entrypoint);
	img_strv_free(rc->cmd);
	img_strv_free(rc->env);
	free(rc->workdir);
	free(rc->user);
	memset(rc, 0, sizeof(*rc));
}

static bool has_key(char *const *env, const char *kv)
{
	size_t klen = strcspn(kv, "=");

	for (size_t i = 0; env != NULL && env[i] != NULL; i++)
		if (strncmp(env[i], kv, klen) == 0 && (env[i][klen] == '=' || env[i][klen] == '\0'))
			return true;
	return false;
}

char **img_env_merge(char *const *first, char *const *second)
{
	size_t n = 0, cap = img_strv_len(first) + img_strv_len(second) + 1;
	char **out = calloc(cap, sizeof(*out));

	for (size_t i = 0; out != NULL && first != NULL && first[i] != NULL; i++)
		if (!has_key(out, first[i]))
			out[n++] = strdup(first[i]);
	for (size_t i = 0; out != NULL && second != NULL && second[i] != NULL; i++)
		if (!has_key(out, second[i]))
			out[n++] = strdup(second[i]);
	for (size_t i = 0; out != NULL && i < n; i++)
		if (out[i] == NULL) {
			img_strv_free(out);
			return NULL;
		}
	return out;
}
