/* ns_options.c - see ns_options.h. */
#define _GNU_SOURCE
#include "ns_options.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mc_trace.h"

static int set_rootfs(void *target, const char *value, struct mc_error *err)
{
	(void)err;
	((struct ns_options *)target)->cfg.rootfs = value;
	return 0;
}

static int set_hostname(void *target, const char *value, struct mc_error *err)
{
	if (value[0] == '\0' || strlen(value) > 64)
		return mc_fail(err, 0, "a hostname has 1 to 64 characters");
	((struct ns_options *)target)->cfg.hostname = value;
	return 0;
}

static int set_userns(void *target, const char *value, struct mc_error *err)
{
	(void)value;
	(void)err;
	((struct ns_options *)target)->cfg.userns = true;
	return 0;
}

static int add_env(void *target, const char *value, struct mc_error *err)
{
	struct ns_options *o = target;

	if (strchr(value, '=') == NULL || value[0] == '=')
		return mc_fail(err, 0, "'%s' is not KEY=VALUE", value);
	if (o->nenv == NS_MAX_ENV)
		return mc_fail(err, 0, "at most %d variables", NS_MAX_ENV);
	o->env[o->nenv++] = (char *)value;
	return 0;
}

static int set_trace(void *target, const char *value, struct mc_error *err)
{
	(void)target;
	return mc_trace_flag("trace", value, err);
}

static int set_trace_step(void *target, const char *value, struct mc_error *err)
{
	(void)target;
	return mc_trace_flag("trace-step", value, err);
}

/* ---- confinement ---------------------------------------------------------------------------- */

static int set_user(void *target, const char *value, struct mc_error *err)
{
	(void)err;
	((struct ns_options *)target)->confine.user = value;
	return 0;
}

static int add_name(const char **list, size_t *n, const char *value, struct mc_error *err)
{
	ns_caps ignored;

	if (*n == NS_MAX_CAPS)
		return mc_fail(err, 0, "at most %d capabilities", NS_MAX_CAPS);
	if (ns_cap_from_name(value, &ignored, err) < 0)
		return -1;
	list[(*n)++] = value;
	list[*n] = NULL;
	return 0;
}

static int add_cap(void *target, const char *value, struct mc_error *err)
{
	struct ns_options *o = target;

	return add_name(o->cap_add, &o->ncap_add, value, err);
}

static int drop_cap(void *target, const char *value, struct mc_error *err)
{
	struct ns_options *o = target;

	return add_name(o->cap_drop, &o->ncap_drop, value, err);
}

static int set_privileged(void *target, const char *value, struct mc_error *err)
{
	(void)value;
	(void)err;
	((struct ns_options *)target)->confine.privileged = true;
	return 0;
}

static int set_security_opt(void *target, const char *value, struct mc_error *err)
{
	static const char *const none[] = {NULL};
	struct ns_options *o = target;
	struct ns_security_opt opt;

	if (ns_security_opt_parse(value, &opt, err) < 0)
		return -1;
	switch (opt.kind) {
	case NS_SECOPT_SECCOMP:
		free(o->seccomp_json); /* the last one wins */
		o->seccomp_json = opt.profile;
		o->confine.seccomp_profile = opt.profile;
		o->confine.seccomp_unconfined = false;
		break;
	case NS_SECOPT_SECCOMP_UNCONFINED:
		o->confine.seccomp_unconfined = true;
		break;
	case NS_SECOPT_NO_NEW_PRIVS:
		o->confine.no_new_privs = opt.enabled;
		break;
	case NS_SECOPT_SYSTEMPATHS:
		o->cfg.masked_paths = o->cfg.readonly_paths = none;
		break;
	case NS_SECOPT_LSM:
		break;
	}
	return 0;
}

static int set_print_seccomp(void *target, const char *value, struct mc_error *err)
{
	(void)value;
	(void)err;
	((struct ns_options *)target)->print_seccomp = true;
	return 0;
}

const struct mc_option ns_confine_options_table[] = {
    {"user", 'u', "USER", "run as USER[:GROUP] (names from the root's /etc/passwd)", set_user, 0},
    {"cap-add", 0, "CAP", "keep a capability besides Docker's 14, or ALL", add_cap, 0},
    {"cap-drop", 0, "CAP", "drop a capability, or ALL", drop_cap, 0},
    {"privileged", 0, NULL, "keep every capability, install no seccomp filter", set_privileged, 0},
    {"security-opt", 0, "OPT", "seccomp=unconfined|PROFILE.json, no-new-privileges, ...",
     set_security_opt, 0},
    {"print-seccomp", 0, NULL, "print the seccomp filter (libseccomp PFC) and exit",
     set_print_seccomp, 0},
    {NULL, 0, NULL, NULL, NULL, 0},
};

/* ---- chapter 01's own ----------------------------------------------------------------------- */

const struct mc_option ns_options_table[] = {
    {"rootfs", 0, "DIR", "directory that becomes / (required)", set_rootfs, 0},
    {"hostname", 0, "NAME", "hostname inside (default: minicontainer)", set_hostname, 0},
    {"userns", 0, NULL, "also a user namespace: root inside is uid 100000 outside", set_userns, 0},
    {"env", 'e', "KEY=VAL", "set an environment variable (repeatable)", add_env, 0},
    {"trace", 0, "[=CH,...]", "narrate every kernel call on stderr (only chapters CH,...)",
     set_trace, 0},
    {"trace-step", 0, NULL, "as --trace, and wait for Enter after each kernel call", set_trace_step,
     0},
    {NULL, 0, NULL, NULL, NULL, 0},
};

/* --print-seccomp: the filter these options make, as libseccomp pseudo-code (PFC). */
static int print_seccomp(struct ns_options *o, int fd, struct mc_error *err)
{
	struct ns_seccomp *sc = NULL;
	int rc;

	if (o->confine.privileged || o->confine.seccomp_unconfined) {
		dprintf(fd, "# no seccomp filter (%s)\n",
		        o->confine.privileged ? "--privileged" : "seccomp=unconfined");
		return 0;
	}
	if (ns_seccomp_compile(o->confine.seccomp_profile, o->confine.caps, &sc, err) < 0)
		return -1;
	if (sc == NULL) {
		dprintf(fd, "# no seccomp filter (the profile has no rules)\n");
		return 0;
	}
	rc = ns_seccomp_export_pfc(sc, fd, err);
	ns_seccomp_free(sc);
	return rc;
}

void ns_options_init(struct ns_options *o)
{
	memset(o, 0, sizeof(*o));
	ns_config_init(&o->cfg);
	o->cfg.hostname = "minicontainer";
	o->need_rootfs = true;
	ns_confine_init(&o->confine);
}

int ns_options_finish(struct ns_options *o, int argc, char **argv, int command,
                      struct mc_error *err)
{
	if (ns_caps_compute(ns_default_caps(), o->cap_add, o->cap_drop, &o->confine.caps, err) < 0)
		return -1;
	if (o->print_seccomp)
		return print_seccomp(o, STDOUT_FILENO, err) < 0 ? -1 : 1;
	if (o->need_rootfs && o->cfg.rootfs == NULL)
		return mc_fail(err, 0, "--rootfs DIR is required");
	if (command >= argc)
		return mc_fail(err, 0, "no command given (put it after --)");
	/* The variables given with -e come first, so they win over these defaults. */
	snprintf(o->hostname_env, sizeof(o->hostname_env), "HOSTNAME=%s", o->cfg.hostname);
	o->env[o->nenv++] = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	o->env[o->nenv++] = "HOME=/root";
	o->env[o->nenv++] = o->hostname_env;
	o->env[o->nenv] = NULL;
	o->cfg.envp = o->env;
	o->cfg.argv = argv + command;
	return 0;
}

int ns_options_confine(struct ns_options *o, struct mc_error *err)
{
	return ns_add_confine_step(&o->cfg, &o->confine, err);
}

void ns_options_free(struct ns_options *o)
{
	free(o->seccomp_json);
	o->seccomp_json = NULL;
}
