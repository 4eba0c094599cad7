/*
 * spec_parse.c - the values of run's and create's options that have a
 * syntax of their own: -e, --env-file, -v, --mount, --tmpfs, --security-opt.
 *
 * They are untrusted text (an env file may come with a project someone
 * cloned), so each is a small function of its own that the fuzzers call
 * directly (tests/fuzz/fuzz_env_file.c, fuzz_mount_spec.c): any input gives
 * a value or a clear error.  JSON strings must be UTF-8, so text that is not
 * is refused here rather than lost on the way into the record.
 */
#define _GNU_SOURCE
#include "mc_spec.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cg_cgroups.h"
#include "ns_confine.h"

#define MAX_SPEC     4096      /* a -v, --mount or --tmpfs value */
#define MAX_LINE     65536     /* an env file's line, as Docker's scanner allows */
#define MAX_ENV_FILE (1 << 24) /* an env file */

/* A JSON string of `text`, or NULL with an error when it is not UTF-8. */
static json_t *text_json(const char *text, const char *what, struct mc_error *err)
{
	json_t *s = json_string(text);

	if (s == NULL)
		mc_fail(err, EINVAL, "%s: not valid UTF-8", what);
	return s;
}

/* Add KEY=VALUE (consumed), replacing an earlier KEY: as with Docker, the last -e wins. */
static void env_set(json_t *env, json_t *kv)
{
	const char *text = json_string_value(kv);
	size_t klen = strcspn(text, "=");

	for (size_t i = json_array_size(env); i-- > 0;) {
		const char *old = json_string_value(json_array_get(env, i));

		if (strncmp(old, text, klen) == 0 && old[klen] == '=')
			json_array_remove(env, i);
	}
	json_array_append_new(env, kv);
}

/* "NAME" alone takes the value from our own environment, as Docker does (or nothing). */
static int env_from_ours(struct mc_spec *s, const char *name, struct mc_error *err)
{
	const char *v = getenv(name);
	json_t *kv;

	if (v == NULL)
		return 0;
	kv = json_sprintf("%s=%s", name, v);
	if (kv == NULL)
		return mc_fail(err, EINVAL, "environment variable %s: not valid UTF-8", name);
	env_set(s->env, kv);
	return 0;
}

int mc_spec_add_env(struct mc_spec *s, const char *text, struct mc_error *err)
{
	json_t *kv;

	if (text[0] == '=' || text[0] == '\0')
		return mc_fail(err, 0, "invalid environment variable: %s", text);
	if (strchr(text, '=') == NULL)
		return env_from_ours(s, text, err);
	kv = text_json(text, "environment variable", err);
	if (kv == NULL)
		return -1;
	env_set(s->env, kv);
	return 0;
}

/*
 * One line of an env file, Docker's rules: leading white space goes, empty
 * lines and # comments are skipped, the name before '=' must be there and
 * hold no white space.
 */
static int env_line(struct mc_spec *s, char *line, const char *name, size_t number,
                    struct mc_error *err)
{
	size_t klen, len;
	json_t *kv;

	len = strlen(line);
	if (len > 0 && line[len - 1] == '\r') /* a CRLF line end */
		line[len - 1] = '\0';
	line += strspn(line, " \t\v\f\r");
	if (line[0] == '\0' || line[0] == '#')
		return 0;
	klen = strcspn(line, "=");
	if (klen == 0)
		return mc_fail(err, 0, "env file %s, line %zu: no variable name", name, number);
	if (strcspn(line, " \t") < klen)
		return mc_fail(err, 0, "env file %s, line %zu: variable name holds white space",
		               name, number);
	if (line[klen] == '\0')
		return env_from_ours(s, line, err);
	kv = json_string(line);
	if (kv == NULL)
		return mc_fail(err, EINVAL, "env file %s, line %zu: not valid UTF-8", name, number);
	env_set(s->env, kv);
	return 0;
}

int mc_spec_add_env_text(struct mc_spec *s, const char *text, size_t len, const char *name,
                         struct mc_error *err)
{
	static const char bom[] = "\xef\xbb\xbf";
	size_t pos = 0, number = 0;
	char *line;
	int rc = 0;

	if (len >= 3 && memcmp(text, bom, 3) == 0)
		pos = 3; /* a UTF-8 byte order mark, as editors on Windows write */
	line = malloc(MAX_LINE + 1);
	if (line == NULL)
		return mc_fail(err, ENOMEM, "env file %s", name);
	while (rc == 0 && pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;

		number++;
		if (n > MAX_LINE)
			rc = mc_fail(err, E2BIG, "env file %s, line %zu: longer than %d bytes",
			             name, number, MAX_LINE);
		else if (memchr(text + pos, '\0', n) != NULL)
			rc = mc_fail(err, EINVAL, "env file %s, line %zu: holds a NUL byte", name,
			             number);
		if (rc < 0)
			break;
		memcpy(line, text + pos, n);
		line[n] = '\0';
		rc = env_line(s, line, name, number, err);
		pos += n + 1;
	}
	free(line);
	return rc;
}

int mc_spec_add_env_file(struct mc_spec *s, const char *path, struct mc_error *err)
{
	size_t len = 0;
	ssize_t n;
	char *text;
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return mc_fail(err, errno, "open env file %s", path);
	text = malloc(MAX_ENV_FILE);
	while (text != NULL && len < MAX_ENV_FILE &&
	       (n = read(fd, text + len, MAX_ENV_FILE - len)) > 0)
		len += (size_t)n;
	close(fd);
	if (text == NULL)
		return mc_fail(err, ENOMEM, "env file %s", path);
	if (len == MAX_ENV_FILE)
		rc = mc_fail(err, EFBIG, "env file %s: too big", path);
	else
		rc = mc_spec_add_env_text(s, text, len, path, err);
	free(text);
	return rc;
}

/* ---- -v, --mount, --tmpfs -------------------------------------------------------------------- */

/* A copy of a spec to cut up: an error instead of a silently shortened one. */
static int copy_spec(char *buf, size_t size, const char *text, const char *flag,
                     struct mc_error *err)
{
	json_t *check;

	if (strlen(text) >= size)
		return mc_fail(err, E2BIG, "%s: the value is longer than %zu bytes", flag,
		               size - 1);
	check = text_json(text, flag, err);
	if (check == NULL)
		return -1;
	json_decref(check);
	memcpy(buf, text, strlen(text) + 1);
	return 0;
}

/* -v HOST:CONTAINER[:ro|rw] */
int mc_spec_add_volume(struct mc_spec *s, const char *text, struct mc_error *err)
{
	char buf[MAX_SPEC], *host, *target, *mode;

	if (copy_spec(buf, sizeof(buf), text, "-v", err) < 0)
		return -1;
	host = buf;
	target = strchr(host, ':');
	if (target == NULL)
		return mc_fail(err, 0,
		               "invalid volume specification: '%s' (named volumes are not "
		               "supported yet: use HOST_PATH:CONTAINER_PATH)",
		               text);
	*target++ = '\0';
	mode = strchr(target, ':');
	if (mode != NULL)
		*mode++ = '\0';
	if (host[0] != '/' || target[0] != '/' ||
	    (mode != NULL && strcmp(mode, "ro") != 0 && strcmp(mode, "rw") != 0))
		return mc_fail(err, 0, "invalid volume specification: '%s'", text);
	json_array_append_new(s->binds, json_string(text));
	json_array_append_new(s->mounts, json_pack("{s:s, s:s, s:s, s:b}", "Type", "bind", "Source",
	                                           host, "Destination", target, "RW",
	                                           mode == NULL || strcmp(mode, "rw") == 0));
	return 0;
}

/* --mount type=bind,source=/a,target=/b[,readonly] | type=tmpfs,target=/t[,tmpfs-size=N] */
int mc_spec_add_mount(struct mc_spec *s, const char *text, struct mc_error *err)
{
	char buf[MAX_SPEC], *save = NULL, *kv;
	const char *type = "volume", *source = "", *target = NULL, *size = NULL;
	bool ro = false;

	if (copy_spec(buf, sizeof(buf), text, "--mount", err) < 0)
		return -1;
	for (kv = strtok_r(buf, ",", &save); kv != NULL; kv = strtok_r(NULL, ",", &save)) {
		char *v = strchr(kv, '=');

		if (v != NULL)
			*v++ = '\0';
		if (strcmp(kv, "type") == 0 && v)
			type = v;
		else if ((strcmp(kv, "source") == 0 || strcmp(kv, "src") == 0) && v)
			source = v;
		else if ((strcmp(kv, "target") == 0 || strcmp(kv, "destination") == 0 ||
		          strcmp(kv, "dst") == 0) &&
		         v)
			target = v;
		else if (strcmp(kv, "readonly") == 0 || strcmp(kv, "ro") == 0)
			ro = v == NULL || strcmp(v, "true") == 0 || strcmp(v, "1") == 0;
		else if (strcmp(kv, "tmpfs-size") == 0 && v)
			size = v;
		else
			return mc_fail(err, 0, "invalid field '%s' in --mount %s", kv, text);
	}
	if (target == NULL || target[0] != '/')
		return mc_fail(err, 0, "--mount %s: target must be an absolute path", text);
	if (strcmp(type, "bind") == 0) {
		if (source[0] != '/')
			return mc_fail(err, 0, "--mount %s: source must be an absolute path", text);
		json_array_append_new(s->mounts,
		                      json_pack("{s:s, s:s, s:s, s:b}", "Type", "bind", "Source",
		                                source, "Destination", target, "RW", !ro));
		return 0;
	}
	if (strcmp(type, "tmpfs") == 0) {
		int64_t bytes = 0;

		if (size != NULL && cg_parse_size(size, &bytes, err) < 0)
			return -1;
		json_object_set_new(s->tmpfs, target,
		                    size ? json_sprintf("size=%lld", (long long)bytes)
		                         : json_string(""));
		return 0;
	}
	return mc_fail(err, 0, "--mount %s: type must be bind or tmpfs", text);
}

/* --tmpfs /path[:options] */
int mc_spec_add_tmpfs(struct mc_spec *s, const char *text, struct mc_error *err)
{
	char buf[MAX_SPEC], *options;

	if (copy_spec(buf, sizeof(buf), text, "--tmpfs", err) < 0)
		return -1;
	options = strchr(buf, ':');
	if (options != NULL)
		*options++ = '\0';
	if (buf[0] != '/')
		return mc_fail(err, 0, "invalid tmpfs mount '%s': the path must be absolute", text);
	json_object_set_new(s->tmpfs, buf, json_string(options ? options : ""));
	return 0;
}

/* ---- --security-opt ---------------------------------------------------------------------------- */

/*
 * Docker's CLI reads a seccomp profile's file and keeps its text in the
 * record (compacted), so the container does not depend on the file later.
 * The other options are kept in one spelling, the one launch.c reads.
 */
int mc_spec_add_security_opt(struct mc_spec *s, const char *text, struct mc_error *err)
{
	struct ns_security_opt opt;
	json_t *doc = NULL, *value = NULL;
	char *compact = NULL;

	if (ns_security_opt_parse(text, &opt, err) < 0)
		return -1;
	switch (opt.kind) {
	case NS_SECOPT_SECCOMP:
		doc = json_loads(opt.profile, 0, NULL);
		compact = doc ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
		value = compact ? json_sprintf("seccomp=%s", compact) : NULL;
		break;
	case NS_SECOPT_SECCOMP_UNCONFINED:
		value = json_string("seccomp=unconfined");
		break;
	case NS_SECOPT_NO_NEW_PRIVS:
		value = json_string(opt.enabled ? "no-new-privileges" : "no-new-privileges=false");
		break;
	case NS_SECOPT_SYSTEMPATHS:
		value = json_string("systempaths=unconfined");
		break;
	case NS_SECOPT_LSM:
		value = json_string(text);
		break;
	}
	free(compact);
	json_decref(doc);
	free(opt.profile);
	if (value == NULL)
		return mc_fail(err, EINVAL, "--security-opt %.64s: not valid UTF-8 text", text);
	json_array_append_new(s->security_opt, value);
	return 0;
}

int mc_spec_add_cap(json_t *list, const char *name, struct mc_error *err)
{
	ns_caps ignored;

	if (ns_cap_from_name(name, &ignored, err) < 0)
		return -1;
	json_array_append_new(list, json_string(name));
	return 0;
}
