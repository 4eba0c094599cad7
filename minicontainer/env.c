/*
 * env.c - the environment of a container's processes, by Docker's rules
 * (mc_env.h): docker/cli's ValidateEnv for -e, dockerd's merge with the
 * image's Env (daemon/commit.go, merge) and its defaults at start
 * (container.CreateDaemonEnvironment, ReplaceOrAppendEnvValues), then
 * runc's prepareEnv for duplicates.
 */
#define _GNU_SOURCE
#include "mc_env.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The name of an entry: up to its '=', or all of a bare "NAME". */
static size_t key_len(const char *kv)
{
	return strcspn(kv, "=");
}

static bool same_key(const char *a, const char *b)
{
	size_t n = key_len(a);

	return n == key_len(b) && strncmp(a, b, n) == 0;
}

int mc_env_flag(json_t *env, const char *text, struct mc_error *err)
{
	size_t n = key_len(text);
	json_t *kv;
	char name[4096];
	const char *value;

	if (n == 0)
		return mc_fail(err, 0, "invalid environment variable: %s", text);
	if (text[n] == '=' || n >= sizeof(name)) {
		kv = json_string(text);
	} else {
		memcpy(name, text, n + 1);
		value = getenv(name);
		/* Unset here: "NAME" alone, and the daemon's rule removes NAME in the container. */
		kv = value != NULL ? json_sprintf("%s=%s", name, value) : json_string(name);
	}
	if (kv == NULL)
		return mc_fail(err, 0, "environment variable %.*s: not valid UTF-8", (int)n, text);
	json_array_append_new(env, kv);
	return 0;
}

json_t *mc_env_record(json_t *user, char *const *image)
{
	json_t *env = json_copy(user), *kv;
	size_t i;

	for (; image != NULL && *image != NULL; image++) {
		bool mentioned = false;

		json_array_foreach(user, i, kv) mentioned |=
		    same_key(json_string_value(kv), *image);
		if (!mentioned)
			json_array_append_new(env, json_string(*image));
	}
	return env;
}

/*
 * ReplaceOrAppendEnvValues: each of `overrides` replaces the entry of
 * `list` with its name, in place; a bare NAME removes it (a later NAME=VALUE
 * puts it back, in the same place); the others are appended.  Only the
 * names `list` had at the start are looked up, as in moby: two overrides of
 * a new name are both appended.  `list` has room for all of them.
 */
static void replace_or_append(char **list, size_t *n, json_t *overrides)
{
	size_t start = *n, i, k = 0;
	bool removed[start + 1];
	json_t *kv;

	memset(removed, 0, sizeof(removed));
	json_array_foreach(overrides, i, kv)
	{
		const char *text = json_string_value(kv);
		size_t j = start;

		if (text == NULL)
			continue;
		/* The last entry of that name, as moby's map of names remembers it. */
		while (j > 0 && !same_key(list[j - 1], text))
			j--;
		if (text[key_len(text)] != '=') {
			if (j > 0)
				removed[j - 1] = true;
		} else if (j > 0) {
			list[j - 1] = (char *)text;
			removed[j - 1] = false;
		} else {
			list[(*n)++] = (char *)text;
		}
	}
	for (i = 0; i < *n; i++)
		if (i >= start || !removed[i])
			list[k++] = list[i];
	*n = k;
}

/* runc's prepareEnv: of several entries with one name, the last, in its place. */
static void keep_last(char **list, size_t *n)
{
	size_t k = 0;

	for (size_t i = 0; i < *n; i++) {
		bool later = false;

		for (size_t j = i + 1; j < *n && !later; j++)
			later = same_key(list[i], list[j]);
		if (!later)
			list[k++] = list[i];
	}
	*n = k;
}

const char *mc_env_hostname(const struct mc_container *c, char *buf, size_t size)
{
	const char *h =
	    json_string_value(json_object_get(json_object_get(c->doc, "Config"), "Hostname"));

	snprintf(buf, size, "%.*s", h && h[0] ? 64 : 12, h && h[0] ? h : c->id);
	return buf;
}

char **mc_env_for_container(const struct mc_container *c, bool tty, json_t *extra)
{
	json_t *config_env = json_object_get(json_object_get(c->doc, "Config"), "Env");
	size_t n = 0, cap = json_array_size(config_env) + json_array_size(extra) + 4;
	char **list = calloc(cap, sizeof(char *)), **env = NULL;
	char hostname[65], host_kv[80];

	if (list == NULL)
		return NULL;
	/* The daemon's defaults, which the record's entries replace in place. */
	snprintf(host_kv, sizeof(host_kv), "HOSTNAME=%s",
	         mc_env_hostname(c, hostname, sizeof(hostname)));
	list[n++] = "PATH=" MC_DEFAULT_PATH;
	list[n++] = host_kv;
	if (tty)
		list[n++] = "TERM=xterm";
	replace_or_append(list, &n, config_env);
	if (extra != NULL)
		replace_or_append(list, &n, extra);
	keep_last(list, &n);
	env = calloc(n + 1, sizeof(char *));
	for (size_t i = 0; env != NULL && i < n; i++)
		if ((env[i] = strdup(list[i])) == NULL) {
			mc_env_free(env);
			env = NULL;
		}
	free(list);
	return env;
}

void mc_env_free(char **env)
{
	for (size_t i = 0; env != NULL && env[i] != NULL; i++)
		free(env[i]);
	free(env);
}
