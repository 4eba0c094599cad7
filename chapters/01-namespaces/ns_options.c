/* ns_options.c - see ns_options.h. */
#define _GNU_SOURCE
#include "ns_options.h"

#include <stdio.h>
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
	(void)value;
	(void)err;
	mc_trace_enable(STDERR_FILENO);
	return 0;
}

const struct mc_option ns_options_table[] = {
    {"rootfs", 0, "DIR", "directory that becomes / (required)", set_rootfs, 0},
    {"hostname", 0, "NAME", "hostname inside (default: minicontainer)", set_hostname, 0},
    {"userns", 0, NULL, "also a user namespace: root inside is uid 100000 outside", set_userns, 0},
    {"env", 'e', "KEY=VAL", "set an environment variable (repeatable)", add_env, 0},
    {"trace", 0, NULL, "narrate every kernel call on stderr", set_trace, 0},
    {NULL, 0, NULL, NULL, NULL, 0},
};

void ns_options_init(struct ns_options *o)
{
	memset(o, 0, sizeof(*o));
	ns_config_init(&o->cfg);
	o->cfg.hostname = "minicontainer";
	o->need_rootfs = true;
}

int ns_options_finish(struct ns_options *o, int argc, char **argv, int command,
                      struct mc_error *err)
{
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
