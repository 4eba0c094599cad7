/* credentials.c - see img_credentials.h. */
#define _GNU_SOURCE
#include "img_credentials.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "mc_file.h"
#include "mc_trace.h"

#define CH      "ch04"
#define HUB_KEY "https://index.docker.io/v1/"
/* base64 of "user:password" at their longest, and a NUL. */
#define B64_SIZE 1800

const char *img_credentials_key(const char *registry)
{
	return strcmp(registry, "docker.io") == 0 ? HUB_KEY : registry;
}

/* "https://index.docker.io/v1/" -> "index.docker.io": keys may carry a scheme and a path. */
static void key_host(const char *key, char *out, size_t size)
{
	const char *p = strstr(key, "://");

	p = p ? p + 3 : key;
	snprintf(out, size, "%.*s", (int)strcspn(p, "/"), p);
}

static bool is_hub(const char *host)
{
	return strcmp(host, "docker.io") == 0 || strcmp(host, "index.docker.io") == 0 ||
	       strcmp(host, "registry-1.docker.io") == 0;
}

static bool same_registry(const char *key, const char *registry)
{
	char host[512];

	key_host(key, host, sizeof(host));
	return strcmp(host, registry) == 0 || (is_hub(host) && is_hub(registry));
}

int img_credentials_path(char *buf, size_t size, struct mc_error *err)
{
	const char *dir = getenv("DOCKER_CONFIG"), *home = getenv("HOME");
	struct passwd *pw;

	if (dir != NULL && dir[0] != '\0')
		return mc_path_join(buf, size, dir, "config.json", err);
	if (home == NULL || home[0] == '\0') {
		pw = getpwuid(geteuid());
		home = pw ? pw->pw_dir : NULL;
	}
	if (home == NULL)
		return mc_fail(err, ENOENT, "no home directory for the credentials file");
	if ((size_t)snprintf(buf, size, "%s/.docker/config.json", home) >= size)
		return mc_fail(err, ENAMETOOLONG, "credentials file");
	return 0;
}

/* podman's file: $REGISTRY_AUTH_FILE, or auth.json under the runtime directory. */
static void podman_path(char *buf, size_t size)
{
	const char *file = getenv("REGISTRY_AUTH_FILE"), *run = getenv("XDG_RUNTIME_DIR");

	if (file != NULL && file[0] != '\0')
		snprintf(buf, size, "%s", file);
	else if (run != NULL && run[0] != '\0')
		snprintf(buf, size, "%s/containers/auth.json", run);
	else
		snprintf(buf, size, "/run/containers/%u/auth.json", (unsigned)geteuid());
}

/* A JSON file that may not exist (NULL and no error then). */
static int load_file(const char *path, json_t **doc, struct mc_error *err)
{
	json_error_t jerr;

	*doc = NULL;
	if (access(path, F_OK) < 0)
		return errno == ENOENT ? 0 : mc_fail(err, errno, "%s", path);
	*doc = json_load_file(path, 0, &jerr);
	if (!json_is_object(*doc)) {
		json_decref(*doc);
		*doc = NULL;
		return mc_fail(err, 0, "%s: not a JSON object (%s)", path, jerr.text);
	}
	return 0;
}

/* "auth": base64("user:password") into cred.  Wipes what it decoded. */
static int decode_auth(const char *b64, struct img_credentials *cred, const char *path,
                       struct mc_error *err)
{
	size_t len = strlen(b64), pad = 0;
	unsigned char buf[2048];
	char *colon;
	int n;

	while (len > 0 && (b64[len - 1] == '\n' || b64[len - 1] == ' '))
		len--;
	if (len == 0 || len % 4 != 0 || len / 4 * 3 >= sizeof(buf))
		return mc_fail(err, 0, "%s: an \"auth\" entry that is not base64", path);
	n = EVP_DecodeBlock(buf, (const unsigned char *)b64, (int)len);
	pad = (b64[len - 1] == '=') + (b64[len - 2] == '=');
	if (n < 0 || (size_t)n < pad)
		return mc_fail(err, 0, "%s: an \"auth\" entry that is not base64", path);
	n -= (int)pad;
	buf[n] = '\0';
	colon = strchr((char *)buf, ':');
	memset(cred->username, 0, sizeof(cred->username));
	memset(cred->password, 0, sizeof(cred->password));
	if (colon == NULL || (size_t)(colon - (char *)buf) >= sizeof(cred->username) ||
	    strlen(colon + 1) >= sizeof(cred->password)) {
		explicit_bzero(buf, sizeof(buf));
		return mc_fail(err, 0, "%s: an \"auth\" entry that is not user:password", path);
	}
	memcpy(cred->username, buf, (size_t)(colon - (char *)buf));
	memcpy(cred->password, colon + 1, strlen(colon + 1));
	explicit_bzero(buf, sizeof(buf));
	cred->found = true;
	snprintf(cred->source, sizeof(cred->source), "%s", path);
	return 0;
}

/* Docker's keys are registries, maybe as URLs; podman's may also name a repository. */
static bool key_is_registry(const char *key)
{
	return strstr(key, "://") != NULL || strchr(key, '/') == NULL;
}

/*
 * The best entry of "auths" for registry/repository: the longest key that
 * names the repository or a namespace above it (podman's way), else the
 * registry's own.
 */
static json_t *best_entry(json_t *auths, const char *registry, const char *repository)
{
	json_t *best = NULL, *for_registry = NULL, *value;
	size_t best_len = 0;
	char full[600];
	const char *key;

	snprintf(full, sizeof(full), "%s/%s", registry, repository ? repository : "");
	json_object_foreach(auths, key, value)
	{
		size_t len = strlen(key);

		if (key_is_registry(key)) {
			if (for_registry == NULL && same_registry(key, registry))
				for_registry = value;
		} else if (repository != NULL && strncmp(full, key, len) == 0 &&
		           (full[len] == '/' || full[len] == '\0') && len > best_len) {
			best = value;
			best_len = len;
		}
	}
	return best ? best : for_registry;
}

static int find_in(const char *path, const char *registry, const char *repository,
                   struct img_credentials *cred, struct mc_error *err)
{
	json_t *doc, *entry;
	const char *auth;
	int rc = 0;

	if (load_file(path, &doc, err) < 0)
		return -1;
	entry = best_entry(json_object_get(doc, "auths"), registry, repository);
	auth = json_string_value(json_object_get(entry, "auth"));
	if (auth != NULL && auth[0] != '\0')
		rc = decode_auth(auth, cred, path, err);
	else if (entry == NULL && json_object_get(doc, "credsStore") != NULL)
		/* Credential helpers run a program per lookup; this client does not. */
		mc_trace(CH, "%s names a credential helper (credsStore): not used here", path);
	json_decref(doc);
	return rc;
}

int img_credentials_find(const char *registry, const char *repository, struct img_credentials *cred,
                         struct mc_error *err)
{
	char path[PATH_MAX];

	memset(cred, 0, sizeof(*cred));
	if (img_credentials_path(path, sizeof(path), err) < 0 ||
	    find_in(path, registry, repository, cred, err) < 0)
		return -1;
	if (cred->found)
		return 0;
	podman_path(path, sizeof(path));
	return find_in(path, registry, repository, cred, err);
}

void img_credentials_wipe(struct img_credentials *cred)
{
	explicit_bzero(cred, sizeof(*cred));
}

/* base64("user:password") into out (B64_SIZE bytes): HTTP Basic's form, and Docker's "auth". */
static void encode_pair(const char *username, const char *password, char *out)
{
	char pair[sizeof(((struct img_credentials *)0)->username) +
	          sizeof(((struct img_credentials *)0)->password) + 2];

	snprintf(pair, sizeof(pair), "%s:%s", username, password);
	EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)pair, (int)strlen(pair));
	explicit_bzero(pair, sizeof(pair));
}

char *img_credentials_basic(const struct img_credentials *cred)
{
	char b64[B64_SIZE], *header = NULL;

	encode_pair(cred->username, cred->password, b64);
	if (asprintf(&header, "Basic %s", b64) < 0)
		header = NULL;
	explicit_bzero(b64, sizeof(b64));
	return header;
}

/* Write the document next to its place, 0600, and rename it there. */
static int save_file(const char *path, json_t *doc, struct mc_error *err)
{
	char dir[PATH_MAX], tmp[PATH_MAX + 16], *text = json_dumps(doc, JSON_INDENT(8));
	int fd = -1, rc = -1;

	snprintf(dir, sizeof(dir), "%s", path);
	if (strrchr(dir, '/') != NULL)
		*strrchr(dir, '/') = '\0';
	if (text == NULL) {
		mc_fail(err, ENOMEM, "write %s", path);
		goto out;
	}
	if (mc_mkdir_p(dir, 0700, err) < 0)
		goto out;
	snprintf(tmp, sizeof(tmp), "%s.tmp-XXXXXX", path);
	fd = mkostemp(tmp, O_CLOEXEC); /* mode 0600, as the file must be */
	if (fd < 0) {
		mc_fail(err, errno, "create %s", tmp);
		goto out;
	}
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text) || write(fd, "\n", 1) != 1 ||
	    fsync(fd) < 0 || rename(tmp, path) < 0) {
		mc_fail(err, errno, "write %s", path);
		unlink(tmp);
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (text != NULL) {
		explicit_bzero(text, strlen(text));
		free(text);
	}
	return rc;
}

/* Remove every key of "auths" for this registry itself (any spelling of Docker Hub's). */
static bool remove_keys(json_t *auths, const char *registry)
{
	bool removed = false;
	const char *key;
	json_t *value;
	void *tmp;

	json_object_foreach_safe(auths, tmp, key, value)
	{
		(void)value;
		if (key_is_registry(key) && same_registry(key, registry)) {
			json_object_del(auths, key);
			removed = true;
		}
	}
	return removed;
}

int img_credentials_store(const char *registry, const char *username, const char *password,
                          struct mc_error *err)
{
	char path[PATH_MAX], b64[B64_SIZE];
	json_t *doc = NULL, *auths;
	int rc = -1;

	if (strchr(username, ':') != NULL)
		return mc_fail(err, 0, "a user name cannot contain ':'");
	if (strlen(username) >= sizeof(((struct img_credentials *)0)->username) ||
	    strlen(password) >= sizeof(((struct img_credentials *)0)->password))
		return mc_fail(err, 0, "user name or password too long");
	if (img_credentials_path(path, sizeof(path), err) < 0 || load_file(path, &doc, err) < 0)
		goto out;
	if (doc == NULL)
		doc = json_object();
	auths = json_object_get(doc, "auths");
	if (!json_is_object(auths)) {
		auths = json_object();
		json_object_set_new(doc, "auths", auths);
	}
	remove_keys(auths, registry);
	encode_pair(username, password, b64);
	json_object_set_new(auths, img_credentials_key(registry), json_pack("{s:s}", "auth", b64));
	rc = save_file(path, doc, err);
out:
	explicit_bzero(b64, sizeof(b64));
	json_decref(doc);
	return rc;
}

int img_credentials_erase(const char *registry, bool *removed, struct mc_error *err)
{
	char path[PATH_MAX];
	json_t *doc;
	int rc;

	*removed = false;
	if (img_credentials_path(path, sizeof(path), err) < 0 || load_file(path, &doc, err) < 0)
		return -1;
	if (doc == NULL)
		return 0;
	*removed = remove_keys(json_object_get(doc, "auths"), registry);
	rc = *removed ? save_file(path, doc, err) : 0;
	json_decref(doc);
	return rc;
}
