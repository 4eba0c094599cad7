/*
 * confine.c - chapter 01: the last step before the command - its user, its
 * capabilities, its system calls (see ns_confine.h), in the one order that
 * works:
 *
 *	1. resolve the user in the image's files (we are still root, all caps)
 *	2. the bounding set                      (needs CAP_SETPCAP)
 *	3. the seccomp filter, unless no_new_privs is asked for: without it,
 *	   installing a filter needs CAP_SYS_ADMIN, which step 5 takes away
 *	4. groups, gid, uid                      (need CAP_SETGID, CAP_SETUID)
 *	5. the process's own capability sets     (after the switch)
 *	6. no_new_privs, if asked for, and then the filter: as late as possible
 *
 * (runc orders it the same way.)  The filter allows what steps 4-6 call.
 */
#define _GNU_SOURCE
#include "ns_confine.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "mc_file.h"
#include "mc_trace.h"
#include "ns_namespaces.h"

#define CH "ch01"

void ns_confine_init(struct ns_confine *c)
{
	memset(c, 0, sizeof(*c));
	c->caps = ns_default_caps();
}

static int switch_user(const struct ns_user *u, struct mc_error *err)
{
	/* Groups before the gid, the gid before the uid: once we are not root we may not. */
	if (setgroups(u->ngroups, u->groups) < 0)
		return mc_fail(err, errno, "setgroups");
	if (setresgid(u->gid, u->gid, u->gid) < 0)
		return mc_fail(err, errno, "setresgid(%u)", (unsigned)u->gid);
	if (setresuid(u->uid, u->uid, u->uid) < 0)
		return mc_fail(err, errno, "setresuid(%u)", (unsigned)u->uid);
	mc_trace(CH, "setgroups(%zu groups), setresgid(%u), setresuid(%u)", u->ngroups,
	         (unsigned)u->gid, (unsigned)u->uid);
	return 0;
}

/*
 * envp plus HOME=home at the end, unless it has a HOME with a value already:
 * runc's prepareEnv sets it only then (an empty HOME counts as none).
 */
static int add_home(char *const **envp, const char *home, struct mc_error *err)
{
	size_t n = 0, k = 0;
	char **env, *line;

	for (; *envp != NULL && (*envp)[n] != NULL; n++)
		if (strncmp((*envp)[n], "HOME=", 5) == 0 && (*envp)[n][5] != '\0')
			return 0;
	env = calloc(n + 2, sizeof(char *));
	if (env == NULL || asprintf(&line, "HOME=%s", home) < 0) {
		free(env);
		return mc_fail(err, ENOMEM, "environment");
	}
	for (size_t i = 0; i < n; i++)
		if (strcmp((*envp)[i], "HOME=") != 0)
			env[k++] = (*envp)[i];
	env[k] = line;
	*envp = env;
	return 0;
}

int ns_confine_now(struct ns_confine *c, char *const **envp, struct mc_error *err)
{
	ns_caps caps = c->privileged ? ns_all_caps() : c->caps;
	int rootfd, rc;

	rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return mc_fail(err, errno, "open /");
	rc = ns_user_resolve(rootfd, c->user, c->group_add, &c->resolved, err);
	close(rootfd);
	if (rc < 0 || add_home(envp, c->resolved.home, err) < 0)
		return -1;
	if (ns_caps_limit_bounding(caps, err) < 0)
		return -1;
	if (!c->no_new_privs && c->seccomp != NULL && ns_seccomp_load(c->seccomp, err) < 0)
		return -1;
	if (switch_user(&c->resolved, err) < 0 ||
	    ns_caps_apply(caps, c->resolved.uid == 0, err) < 0)
		return -1;
	if (!c->no_new_privs)
		return 0;
	rc = prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	mc_trace_call(CH, rc, "setuid binaries no longer raise privileges",
	              "prctl(PR_SET_NO_NEW_PRIVS, 1)");
	if (rc < 0)
		return mc_fail(err, errno, "no_new_privs");
	return c->seccomp != NULL ? ns_seccomp_load(c->seccomp, err) : 0;
}

void ns_confine_release(struct ns_confine *c)
{
	ns_seccomp_free(c->seccomp);
	c->seccomp = NULL;
}

/* Host side: compile the filter now, so that a bad profile fails before any container exists. */
static int prepare(struct ns_container *ct, void *arg, struct mc_error *err)
{
	struct ns_confine *c = arg;

	(void)ct;
	if (c->privileged || c->seccomp_unconfined)
		return 0;
	return ns_seccomp_compile_cached(c->seccomp_profile, c->caps, c->seccomp_cache, &c->seccomp,
	                                 err);
}

static int before_exec(struct ns_container *ct, void *arg, struct mc_error *err)
{
	return ns_confine_now(arg, (char *const **)&ct->cfg->envp, err);
}

static int release(struct ns_container *ct, void *arg, struct mc_error *err)
{
	(void)ct;
	(void)err;
	ns_confine_release(arg);
	return 0;
}

int ns_add_confine_step(struct ns_config *cfg, struct ns_confine *c, struct mc_error *err)
{
	const struct ns_step step = {
	    .chapter = CH,
	    .name = "confinement",
	    .prepare = prepare,
	    .before_exec = before_exec,
	    .after_exit = release,
	    .arg = c,
	};

	return ns_add_step(cfg, &step, err);
}

/* ---- --security-opt ------------------------------------------------------------------------- */

#define MAX_PROFILE (1 << 20) /* Docker's default profile is 20 KiB */

/* A profile file's text, checked: NUL bytes would hide the rest of it from the parser. */
static int read_profile_file(const char *path, char **text, struct mc_error *err)
{
	size_t len;
	char *buf = malloc(MAX_PROFILE + 1);

	*text = NULL;
	if (buf == NULL)
		return mc_fail(err, ENOMEM, "seccomp profile %s", path);
	if (mc_read_file(path, buf, MAX_PROFILE + 1, &len, err) < 0)
		goto fail;
	if (len == MAX_PROFILE) {
		mc_fail(err, EFBIG, "seccomp profile %s: bigger than %d bytes", path, MAX_PROFILE);
		goto fail;
	}
	if (strlen(buf) != len) {
		mc_fail(err, EINVAL, "seccomp profile %s: holds a NUL byte", path);
		goto fail;
	}
	if (ns_seccomp_check(buf, err) < 0) {
		mc_fail_context(err, "%s", path);
		goto fail;
	}
	*text = buf;
	return 0;
fail:
	free(buf);
	return -1;
}

/* Go's strconv.ParseBool, which Docker uses for no-new-privileges=BOOL. */
static int parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = {"1", "t", "T", "true", "TRUE", "True", NULL};
	static const char *const no[] = {"0", "f", "F", "false", "FALSE", "False", NULL};

	for (size_t i = 0; yes[i] != NULL; i++) {
		if (strcmp(s, yes[i]) == 0 || strcmp(s, no[i]) == 0) {
			*out = strcmp(s, yes[i]) == 0;
			return 0;
		}
	}
	return -1;
}

/* Is the part of `text` before '=' (len bytes) the key `key`? */
static bool key_is(const char *text, size_t len, const char *key)
{
	return len == strlen(key) && strncmp(text, key, len) == 0;
}

int ns_security_opt_parse(const char *text, struct ns_security_opt *opt, struct mc_error *err)
{
	/* key=value; only without any '=', the old key:value. */
	size_t klen = strcspn(text, strchr(text, '=') ? "=" : ":");
	const char *value = text[klen] ? text + klen + 1 : NULL;

	memset(opt, 0, sizeof(*opt));
	if (key_is(text, klen, "no-new-privileges")) {
		opt->kind = NS_SECOPT_NO_NEW_PRIVS;
		opt->enabled = true;
		if (value != NULL && parse_bool(value, &opt->enabled) < 0)
			return mc_fail(err, 0, "invalid --security-opt 2: \"%s\"", text);
		return 0;
	}
	if (value == NULL || value[0] == '\0')
		return mc_fail(err, 0, "invalid --security-opt: \"%s\"", text);
	if (key_is(text, klen, "seccomp") && strcmp(value, "unconfined") == 0) {
		opt->kind = NS_SECOPT_SECCOMP_UNCONFINED;
		return 0;
	}
	if (key_is(text, klen, "seccomp")) {
		opt->kind = NS_SECOPT_SECCOMP;
		return read_profile_file(value, &opt->profile, err);
	}
	if (key_is(text, klen, "systempaths") && strcmp(value, "unconfined") == 0) {
		opt->kind = NS_SECOPT_SYSTEMPATHS;
		return 0;
	}
	if (key_is(text, klen, "label") || key_is(text, klen, "apparmor")) {
		opt->kind = NS_SECOPT_LSM;
		return 0;
	}
	return mc_fail(err, 0, "invalid --security-opt: \"%s\"", text);
}
