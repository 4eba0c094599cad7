/*
 * img_credentials.h - chapter 04: `login` and `logout`, and the credentials
 * a pull or push sends, kept where Docker keeps them.
 *
 *	$DOCKER_CONFIG/config.json (default ~/.docker/config.json)
 *	{"auths": {"127.0.0.1:5000": {"auth": base64("user:password")},
 *	           "https://index.docker.io/v1/": {...}}}   <- Docker Hub's key
 *
 * Reading also finds what `podman login` stored: $REGISTRY_AUTH_FILE, else
 * $XDG_RUNTIME_DIR/containers/auth.json (root: /run/containers/0/auth.json),
 * whose "auths" may also name a repository ("docker.io/library/busybox").
 * Credentials are secrets: nothing here traces or reports them, and they
 * are wiped from memory when done.
 */
#ifndef MC_IMG_CREDENTIALS_H
#define MC_IMG_CREDENTIALS_H

#include <stdbool.h>
#include <stddef.h>

#include "mc_error.h"

struct img_credentials {
	bool found;
	char username[256];
	char password[1024];
	char source[512]; /* the file they came from, for --trace (never the secret) */
};

/* The key of `registry` in "auths": Docker Hub's is "https://index.docker.io/v1/". */
const char *img_credentials_key(const char *registry);

/*
 * The credentials for `repository` on `registry`; cred->found is false when
 * there are none (not an error).  A file that cannot be read or parsed is
 * an error, as for Docker.
 */
int img_credentials_find(const char *registry, const char *repository, struct img_credentials *cred,
                         struct mc_error *err);

/* Store them in Docker's file (created 0600), keeping everything else in it. */
int img_credentials_store(const char *registry, const char *username, const char *password,
                          struct mc_error *err);

/* Remove them from Docker's file; *removed says whether there were any. */
int img_credentials_erase(const char *registry, bool *removed, struct mc_error *err);

/* The path of Docker's file ($DOCKER_CONFIG/config.json or ~/.docker/config.json). */
int img_credentials_path(char *buf, size_t size, struct mc_error *err);

void img_credentials_wipe(struct img_credentials *cred);

/* "Basic base64(user:password)", malloc'd (a secret: wipe it), or NULL when out of memory. */
char *img_credentials_basic(const struct img_credentials *cred);

#endif
