/*
 * spec.c - the options of `run` and `create`, turned into a container record.
 *
 * Docker's rules for combining the command line with the image's config:
 *  - arguments after the image replace the image's Cmd;
 *  - --entrypoint replaces the image's Entrypoint (and then the image's Cmd
 *    is dropped too: it belonged to the old entrypoint);
 *  - Env is the image's, with -e/--env-file overriding a variable of the same name;
 *  - -w and -u replace WorkingDir and User.
 */
#define _GNU_SOURCE
#include "mc_spec.h"

#include <errno.h>
#include <stddef.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cg_cgroups.h"
#include "cg_devices.h"
#include "img_config.h"
#include "mc.h"
#include "mc_env.h"
#include "mc_log.h"
#include "mc_mounts.h"
#include "mc_monitor.h"
#include "ns_confine.h"
#include "ns_namespaces.h"
#include "mc_net.h"

void mc_spec_init(struct mc_spec *s)
{
	memset(s, 0, sizeof(*s));
	s->env = json_array();
	s->binds = json_array();
	s->mounts = json_array();
	s->tmpfs = json_object();
	s->port_bindings = json_object();
	s->exposed = json_object();
	s->dns = json_array();
	s->dns_search = json_array();
	s->dns_options = json_array();
	s->extra_hosts = json_array();
	s->aliases = json_array();
	s->run.detach_keys = "ctrl-p,ctrl-q";
	s->labels = json_object();
	s->env_files = json_array();
	s->label_files = json_array();
	s->log_config = json_object();
	s->stop_timeout = MC_UNSET;
	s->run.sig_proxy = true;
	s->cap_add = json_array();
	s->cap_drop = json_array();
	s->group_add = json_array();
	s->devices = json_array();
	s->security_opt = json_array();
	cg_limits_init(&s->limits);
	s->network = "bridge";
	s->pull = "missing";
}

void mc_spec_free(struct mc_spec *s)
{
	json_decref(s->env);
	json_decref(s->binds);
	json_decref(s->mounts);
	json_decref(s->tmpfs);
	json_decref(s->cap_add);
	json_decref(s->cap_drop);
	json_decref(s->group_add);
	json_decref(s->labels);
	json_decref(s->env_files);
	json_decref(s->label_files);
	json_decref(s->log_config);
	json_decref(s->devices);
	json_decref(s->security_opt);
	json_decref(s->port_bindings);
	json_decref(s->exposed);
	json_decref(s->dns);
	json_decref(s->dns_search);
	json_decref(s->dns_options);
	json_decref(s->extra_hosts);
	json_decref(s->aliases);
}

/* Docker's --restart: "no", "always", "unless-stopped", "on-failure[:N]". */
static int check_restart(const char *text, struct mc_error *err)
{
	const char *colon = strchr(text, ':');
	size_t name = colon ? (size_t)(colon - text) : strlen(text);
	char *end;
	long n;

	if (colon == NULL &&
	    (strcmp(text, "no") == 0 || strcmp(text, "always") == 0 ||
	     strcmp(text, "unless-stopped") == 0 || strcmp(text, "on-failure") == 0))
		return 0;
	if (colon != NULL && name == 10 && strncmp(text, "on-failure", 10) == 0) {
		n = strtol(colon + 1, &end, 10);
		if (*end != '\0' || end == colon + 1 || n < 0)
			return mc_fail(err, 0,
			               "invalid restart policy format: maximum retry count must "
			               "be an integer");
		return 0;
	}
	if (colon != NULL &&
	    (strncmp(text, "always", name) == 0 || strncmp(text, "no", name) == 0 ||
	     strncmp(text, "unless-stopped", name) == 0))
		return mc_fail(err, 0,
		               "invalid restart policy format: maximum retry count cannot be used "
		               "with restart policy '%.*s'",
		               (int)name, text);
	return mc_fail(err, 0, "invalid restart policy format: no such policy: %s", text);
}

/*
 * --label KEY=VALUE: docker/cli's ValidateLabel - a name, without white
 * space (leading white space aside); the text itself is kept as given.
 */
static int check_label(const char *text, struct mc_error *err)
{
	size_t skip = strspn(text, " \t"), klen = strcspn(text + skip, "=");

	if (klen == 0)
		return mc_fail(err, 0, "invalid label '%s': empty name", text);
	if (strcspn(text + skip, " \t") < klen)
		return mc_fail(err, 0, "label '%.*s' contains whitespaces", (int)klen, text + skip);
	return 0;
}

/*
 * What the flags only name, read once they are all parsed: the env files'
 * variables come before every -e, and the label files' labels before every
 * --label (docker/cli's ReadKVEnvStrings and ReadKVStrings), the last of
 * one name winning.
 */
static int read_files(struct mc_spec *s, struct mc_error *err)
{
	json_t *env = json_array(), *lines = json_array(), *labels = json_object(), *item;
	size_t i;
	int rc = 0;

	json_array_foreach(s->env_files, i, item)
	{
		if (rc == 0)
			rc = mc_kvfile_read(json_string_value(item), true, env, err);
	}
	json_array_foreach(s->label_files, i, item)
	{
		if (rc == 0)
			rc = mc_kvfile_read(json_string_value(item), false, lines, err);
	}
	json_array_foreach(lines, i, item)
	{
		const char *text = json_string_value(item), *eq = strchr(text, '=');
		char *key = strndup(text, (size_t)(eq - text));

		if (key != NULL)
			json_object_set_new(labels, key, json_string(eq + 1));
		free(key);
	}
	json_array_extend(env, s->env);
	json_object_update(labels, s->labels);
	json_decref(s->env);
	json_decref(s->labels);
	s->env = env;
	s->labels = labels;
	json_decref(lines);
	return rc;
}

/* --device HOST[:CONTAINER][:PERMISSIONS]: checked now, the host's node looked up at start. */
static int add_device(struct mc_spec *s, const char *text, struct mc_error *err)
{
	struct cg_device_spec spec;

	if (cg_parse_device_spec(text, &spec, err) < 0)
		return -1;
	json_array_append_new(s->devices, json_pack("{s:s, s:s, s:s}", "PathOnHost", spec.host,
	                                            "PathInContainer", spec.container,
	                                            "CgroupPermissions", spec.access));
	return 0;
}

static int parse_int(const char *text, int64_t *out, struct mc_error *err)
{
	char *end;

	errno = 0;
	*out = strtoll(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0')
		return mc_fail(err, 0, "invalid number '%s'", text);
	return 0;
}

/* ---- the option table: each applier stores one flag's value ------------------------------ */

/* The appliers below get the spec itself (their offset is 0) or one of its fields. */
#define SPEC(target) ((struct mc_spec *)(target))

static int opt_env(void *t, const char *v, struct mc_error *err)
{
	return mc_env_flag(SPEC(t)->env, v, err);
}

/* --env-file, --label-file, --group-add, --network-alias: kept to be read (or used) later. */
static int opt_append(void *field, const char *v, struct mc_error *err)
{
	(void)err;
	json_array_append_new(*(json_t **)field, json_string(v));
	return 0;
}

static int opt_cgroupns(void *field, const char *v, struct mc_error *err)
{
	if (strcmp(v, "host") != 0 && strcmp(v, "private") != 0 && v[0] != '\0')
		return mc_fail(err, 0, "invalid CGROUP mode (host or private)");
	*(const char **)field = v[0] ? v : NULL;
	return 0;
}

static int opt_volume(void *t, const char *v, struct mc_error *err)
{
	return mc_mounts_volume_flag(SPEC(t)->binds, SPEC(t)->mounts, v, err);
}

static int opt_mount(void *t, const char *v, struct mc_error *err)
{
	return mc_mounts_mount_flag(SPEC(t)->mounts, SPEC(t)->tmpfs, v, err);
}

static int opt_tmpfs(void *t, const char *v, struct mc_error *err)
{
	return mc_mounts_tmpfs_flag(SPEC(t)->tmpfs, v, err);
}

static int opt_size(void *field, const char *v, struct mc_error *err)
{
	return cg_parse_size(v, field, err);
}

static int opt_memory_swap(void *field, const char *v, struct mc_error *err)
{
	if (strcmp(v, "-1") == 0) {
		*(int64_t *)field = -1;
		return 0;
	}
	return cg_parse_size(v, field, err);
}

static int opt_cpus(void *field, const char *v, struct mc_error *err)
{
	return cg_parse_cpus(v, field, err);
}

static int opt_int64(void *field, const char *v, struct mc_error *err)
{
	return parse_int(v, field, err);
}

static int opt_pids(void *field, const char *v, struct mc_error *err)
{
	if (parse_int(v, field, err) < 0)
		return -1;
	if (*(int64_t *)field == 0)
		*(int64_t *)field = -1; /* Docker: 0 and -1 both mean no limit */
	return 0;
}

static int opt_network(void *field, const char *v, struct mc_error *err)
{
	(void)err;
	*(const char **)field = strcmp(v, "default") == 0 ? "bridge" : v;
	return 0;
}

static int opt_publish(void *t, const char *v, struct mc_error *err)
{
	return mc_net_add_publish(SPEC(t)->port_bindings, SPEC(t)->exposed, v, err);
}

static int opt_expose(void *t, const char *v, struct mc_error *err)
{
	return mc_net_add_expose(SPEC(t)->exposed, v, err);
}

static int opt_dns(void *field, const char *v, struct mc_error *err)
{
	return mc_net_add_dns(*(json_t **)field, "dns", v, err);
}

static int opt_dns_other(void *field, const char *v, struct mc_error *err)
{
	return mc_net_add_dns(*(json_t **)field, "", v, err);
}

static int opt_add_host(void *field, const char *v, struct mc_error *err)
{
	return mc_net_add_dns(*(json_t **)field, "add-host", v, err);
}

static int opt_cap(void *field, const char *v, struct mc_error *err)
{
	return mc_spec_add_cap(*(json_t **)field, v, err);
}

static int opt_preserve_fds(void *field, const char *v, struct mc_error *err)
{
	int64_t n;

	if (parse_int(v, &n, err) < 0)
		return -1;
	if (n < 0 || n > NS_MAX_KEEP_FDS)
		return mc_fail(err, 0, "not between 0 and %d", NS_MAX_KEEP_FDS);
	*(int *)field = (int)n;
	return 0;
}

static int opt_device(void *t, const char *v, struct mc_error *err)
{
	return add_device(SPEC(t), v, err);
}

static int opt_security_opt(void *t, const char *v, struct mc_error *err)
{
	return mc_spec_add_security_opt(SPEC(t), v, err);
}

static int opt_pull(void *field, const char *v, struct mc_error *err)
{
	if (strcmp(v, "missing") != 0 && strcmp(v, "always") != 0 && strcmp(v, "never") != 0)
		return mc_fail(err, 0, "must be one of \"always\", \"missing\" or \"never\"");
	*(const char **)field = v;
	return 0;
}

static int opt_detach_keys(void *field, const char *v, struct mc_error *err)
{
	char keys[16];
	size_t n;

	if (mc_parse_detach_keys(v, keys, sizeof(keys), &n, err) < 0)
		return -1;
	*(const char **)field = v;
	return 0;
}

static int opt_restart(void *field, const char *v, struct mc_error *err)
{
	if (check_restart(v, err) < 0)
		return -1;
	*(const char **)field = v;
	return 0;
}

static int opt_log_opt(void *field, const char *v, struct mc_error *err)
{
	int64_t size = 0;
	int files = 1;

	if (mc_log_parse_opt(v, &size, &files, err) < 0)
		return -1;
	json_object_set_new(*(json_t **)field,
	                    strncmp(v, "max-size=", 9) == 0 ? "max-size" : "max-file",
	                    json_string(strchr(v, '=') + 1));
	return 0;
}

static int opt_log_driver(void *field, const char *v, struct mc_error *err)
{
	(void)field;
	if (strcmp(v, "json-file") != 0)
		return mc_fail(err, 0, "log driver %s is not supported (json-file is the only one)",
		               v);
	return 0;
}

static int opt_stop_signal(void *field, const char *v, struct mc_error *err)
{
	if (mc_parse_signal(v) == 0)
		return mc_fail(err, 0, "invalid signal: %s", v);
	*(const char **)field = v;
	return 0;
}

static int opt_stop_timeout(void *field, const char *v, struct mc_error *err)
{
	int64_t t;

	/* Any int, as Docker's flag: below 0, stop waits for ever. */
	if (parse_int(v, &t, err) < 0)
		return -1;
	if (t <= MC_UNSET || t > INT_MAX)
		return mc_fail(err, 0, "out of range");
	*(int *)field = (int)t;
	return 0;
}

/* -l KEY=VALUE, or KEY alone for an empty value. */
static int opt_label(void *field, const char *v, struct mc_error *err)
{
	const char *eq = strchr(v, '=');
	char *key;

	if (check_label(v, err) < 0)
		return -1;
	key = strndup(v, eq ? (size_t)(eq - v) : strlen(v));
	if (key == NULL)
		return mc_fail(err, ENOMEM, "label");
	json_object_set_new(*(json_t **)field, key, json_string(eq ? eq + 1 : ""));
	free(key);
	return 0;
}

#define F(field) offsetof(struct mc_spec, field)
/* What run and create both take (Docker's names and help). */
#define CONTAINER_OPTIONS                                                                           \
	{"add-host",    0, "list", "Add a custom host-to-IP mapping (host:ip)", opt_add_host,       \
	 F(extra_hosts)},                                                                           \
	    {"cap-add", 0,                                                                          \
	     "list",    "Add Linux capabilities (NET_ADMIN, CAP_SYS_TIME, ALL ...)",                \
	     opt_cap,   F(cap_add)},                                                                \
	    {"cap-drop", 0, "list", "Drop Linux capabilities", opt_cap, F(cap_drop)},               \
	    {"cgroupns",                                                                            \
	     0,                                                                                     \
	     "string",                                                                              \
	     "Cgroup namespace to use (host|private): the default is\nprivate on cgroup v2, host "  \
	     "on v1, as Docker's daemon",                                                           \
	     opt_cgroupns,                                                                          \
	     F(cgroupns)},                                                                          \
	    {"cpu-shares",        'c', "int", "CPU shares (relative weight)", opt_int64,            \
	     F(limits.cpu_shares)},                                                                 \
	    {"cpus", 0, "decimal", "Number of CPUs", opt_cpus, F(limits.cpus)},                     \
	    {"device",   0, "list", "Add a host device to the container (HOST[:CTR][:rwm])",        \
	     opt_device, 0},                                                                        \
	    {"dns", 0, "list", "Set custom DNS servers", opt_dns, F(dns)},                          \
	    {"dns-option", 0, "list", "Set DNS options", opt_dns_other, F(dns_options)},            \
	    {"dns-search", 0, "list", "Set custom DNS search domains", opt_dns_other,               \
	     F(dns_search)},                                                                        \
	    {"entrypoint",  0,                                                                      \
	     "string",      "Overwrite the default ENTRYPOINT of the image",                        \
	     mc_opt_string, F(entrypoint)},                                                         \
	    {"env", 'e', "list", "Set environment variables", opt_env, 0},                          \
	    {"env-file", 0,           "list", "Read in a file of environment variables",            \
	     opt_append, F(env_files)},                                                             \
	    {"expose", 0, "list", "Expose a port or a range of ports", opt_expose, 0},              \
	    {"group-add", 0, "list", "Add additional groups to join", opt_append, F(group_add)},    \
	    {"hostname", 'h', "string", "Container host name", mc_opt_string, F(hostname)},         \
	    {"init",                                                                                \
	     0,                                                                                     \
	     NULL,                                                                                  \
	     "Run an init inside the container that forwards signals\nand reaps processes",         \
	     mc_opt_true,                                                                           \
	     F(init)},                                                                              \
	    {"interactive", 'i',           NULL, "Keep STDIN open even if not attached",            \
	     mc_opt_true,   F(interactive)},                                                        \
	    {"ip",          0,    "string", "IPv4 address on a user network (e.g. 10.214.0.10)",    \
	     mc_opt_string, F(ip)},                                                                 \
	    {"label",   'l',      "list", "Set meta data on a container (KEY=VALUE)",               \
	     opt_label, F(labels)},                                                                 \
	    {"label-file",  0, "list", "Read in a line delimited file of labels", opt_append,       \
	     F(label_files)},                                                                       \
	    {"log-driver",   0, "string", "Logging driver for the container (json-file)",           \
	     opt_log_driver, 0},                                                                    \
	    {"log-opt",    0, "list", "Log driver options: max-size=SIZE, max-file=N", opt_log_opt, \
	     F(log_config)},                                                                        \
	    {"memory", 'm', "bytes", "Memory limit", opt_size, F(limits.memory)},                   \
	    {"memory-swap",   0,                                                                    \
	     "bytes",         "Memory plus swap; -1 for unlimited swap",                            \
	     opt_memory_swap, F(limits.memory_swap)},                                               \
	    {"mount",                                                                               \
	     0,                                                                                     \
	     "mount",                                                                               \
	     "type=bind,source=,target=[,readonly][,bind-propagation=]\nor "                        \
	     "type=tmpfs,target=[,tmpfs-size=][,tmpfs-mode=]",                                      \
	     opt_mount,                                                                             \
	     0},                                                                                    \
	    {"name", 0, "string", "Assign a name to the container", mc_opt_string, F(name)},        \
	    {"network",   0,                                                                        \
	     "string",    "bridge (default), none, host, container:ID or a network",                \
	     opt_network, F(network)},                                                              \
	    {"network-alias", 0,         "list", "Another name on a user network (repeatable)",     \
	     opt_append,      F(aliases)},                                                          \
	    {"pids-limit",  0, "int", "Tune container pids limit (-1 for unlimited)", opt_pids,     \
	     F(limits.pids)},                                                                       \
	    {"preserve-fds",                                                                        \
	     0,                                                                                     \
	     "int",                                                                                 \
	     "Pass N additional file descriptors (3 to N+2) to the\ncontainer (runc's option; "     \
	     "Docker has none)",                                                                    \
	     opt_preserve_fds,                                                                      \
	     F(run.preserve_fds)},                                                                  \
	    {"privileged",                                                                          \
	     0,                                                                                     \
	     NULL,                                                                                  \
	     "Give extended privileges to this container: every\ncapability, no seccomp filter, "   \
	     "/proc and /sys as they are",                                                          \
	     mc_opt_true,                                                                           \
	     F(privileged)},                                                                        \
	    {"publish",   'p', "list", "Publish a port: [IP:][HOSTPORT:]PORT[/tcp|udp]",            \
	     opt_publish, 0},                                                                       \
	    {"publish-all", 'P',           NULL, "Publish every exposed port to a free host port",  \
	     mc_opt_true,   F(publish_all)},                                                        \
	    {"pull",                                                                                \
	     0,                                                                                     \
	     "string",                                                                              \
	     "Pull image before running (\"always\", \"missing\",\n\"never\") (default "            \
	     "\"missing\")",                                                                        \
	     opt_pull,                                                                              \
	     F(pull)},                                                                              \
	    {"read-only", 0,           NULL, "Mount the container's root filesystem as read only",  \
	     mc_opt_true, F(read_only)},                                                            \
	    {"restart",                                                                             \
	     0,                                                                                     \
	     "string",                                                                              \
	     "Restart policy to apply when a container exits: no,\nalways, unless-stopped, "        \
	     "on-failure[:max-retries]\n(default \"no\")",                                          \
	     opt_restart,                                                                           \
	     F(restart)},                                                                           \
	    {"rm",        0,                                                                        \
	     NULL,        "Automatically remove the container when it exits",                       \
	     mc_opt_true, F(auto_remove)},                                                          \
	    {"security-opt",                                                                        \
	     0,                                                                                     \
	     "list",                                                                                \
	     "seccomp=unconfined|PROFILE.json, no-new-privileges,\nsystempaths=unconfined",         \
	     opt_security_opt,                                                                      \
	     0},                                                                                    \
	    {"stop-signal",   0,                                                                    \
	     "string",        "Signal to stop the container (default: the image's, SIGTERM)",       \
	     opt_stop_signal, F(stop_signal)},                                                      \
	    {"stop-timeout",                                                                        \
	     0,                                                                                     \
	     "int",                                                                                 \
	     "Timeout (in seconds) to stop a container (default 10)",                               \
	     opt_stop_timeout,                                                                      \
	     F(stop_timeout)},                                                                      \
	    {"tmpfs", 0, "list", "Mount a tmpfs directory (/path[:options])", opt_tmpfs, 0},        \
	    {"tty", 't', NULL, "Allocate a pseudo-TTY", mc_opt_true, F(tty)},                       \
	    {"user",        'u',    "string", "Username or UID (format: <name|uid>[:<group|gid>])", \
	     mc_opt_string, F(user)},                                                               \
	    {"volume",                                                                              \
	     'v',                                                                                   \
	     "list",                                                                                \
	     "Bind mount a volume (HOST:CONTAINER, VOLUME:CONTAINER or\nCONTAINER[:OPTIONS]: ro, "  \
	     "rw, z, Z, nocopy, a propagation\nmode); a missing HOST directory is created",         \
	     opt_volume,                                                                            \
	     0},                                                                                    \
	    {"volumes-from", 0,                                                                     \
	     "list",         "Mount volumes from the specified container(s)",                       \
	     mc_opt_list,    F(volumes_from)},                                                      \
	{                                                                                           \
		"workdir", 'w', "string", "Working directory inside the container", mc_opt_string,  \
		    F(workdir)                                                                      \
	}

const struct mc_option mc_run_options[] = {
    CONTAINER_OPTIONS,
    {"detach", 'd', NULL, "Run container in background and print container ID", mc_opt_true,
     F(run.detach)},
    {"detach-keys", 0, "string", "Override the key sequence for detaching a container",
     opt_detach_keys, F(run.detach_keys)},
    {"sig-proxy", 0, NULL, "Proxy received signals to the process (default true)", mc_opt_true,
     F(run.sig_proxy)},
    {NULL, 0, NULL, NULL, NULL, 0},
};

const struct mc_option mc_create_options[] = {
    CONTAINER_OPTIONS,
    {NULL, 0, NULL, NULL, NULL, 0},
};
#undef F

int mc_spec_finish(int argc, char **argv, struct mc_spec *s, struct mc_error *err)
{
	if (cg_check_limits(&s->limits, err) < 0 || read_files(s, err) < 0 ||
	    mc_mounts_check(s->mounts, s->tmpfs, err) < 0 || mc_net_check_spec(s, err) < 0)
		return -1;
	if (s->auto_remove && s->restart != NULL && strcmp(s->restart, "no") != 0)
		return mc_fail(err, 0, "Conflicting options: --restart and --rm");
	/* The daemon's check, with its words (moby's verifyContainerSettings), not a flag's. */
	if (s->workdir != NULL && s->workdir[0] != '\0' && s->workdir[0] != '/')
		return mc_fail(
		    err, 0,
		    "the working directory '%s' is invalid, it needs to be an absolute path",
		    s->workdir);
	s->image = argv[0];
	s->args = argv + 1;
	s->nargs = argc - 1;
	return 0;
}

static json_t *strv_json(char *const *v)
{
	json_t *a = json_array();

	for (size_t i = 0; v != NULL && v[i] != NULL; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

/* --cgroupns, or the daemon's default: private on a cgroup v2 host, host on v1 (moby's config). */
static const char *cgroupns_mode(const struct mc_spec *s)
{
	struct mc_error ignored;
	enum cg_mode mode;

	if (s->cgroupns != NULL)
		return s->cgroupns;
	return cg_detect_mode(CG_DEFAULT_MOUNT, &mode, &ignored) == 0 && mode == CG_UNIFIED
	           ? "private"
	           : "host";
}

/* -h; with --network host the host's own name, as dockerd sets it at create. */
static const char *hostname_of(const struct mc_spec *s, char *buf, size_t size)
{
	if (s->hostname != NULL)
		return s->hostname;
	if (strcmp(s->network, "host") == 0 && gethostname(buf, size) == 0)
		return buf;
	return ""; /* mc_container_create() makes it the id's first 12 digits */
}

/*
 * What Docker users expect from run's record besides the command:
 * labels (the image's, then --label), the stop signal (--stop-signal, else
 * the image's STOPSIGNAL), the restart policy, the log configuration.
 */
static void add_lifecycle_fields(json_t *doc, const struct mc_spec *s, const struct img_image *img)
{
	json_t *image = json_loads(img->config_json, 0, NULL);
	json_t *image_config = json_object_get(image, "config");
	json_t *config = json_object_get(doc, "Config"), *host = json_object_get(doc, "HostConfig");
	json_t *labels = json_object(), *policy;
	const char *stop = s->stop_signal, *restart = s->restart ? s->restart : "no";
	const char *colon = strchr(restart, ':');

	if (json_is_object(json_object_get(image_config, "Labels")))
		json_object_update(labels, json_object_get(image_config, "Labels"));
	json_object_update(labels, s->labels);
	json_object_set_new(config, "Labels", labels);
	if (stop == NULL)
		stop = json_string_value(json_object_get(image_config, "StopSignal"));
	if (stop != NULL)
		json_object_set_new(config, "StopSignal", json_string(stop));
	if (s->stop_timeout != MC_UNSET)
		json_object_set_new(config, "StopTimeout", json_integer(s->stop_timeout));
	policy = json_pack("{s:s#, s:i}", "Name", restart,
	                   (int)(colon ? colon - restart : (long)strlen(restart)),
	                   "MaximumRetryCount", colon ? atoi(colon + 1) : 0);
	json_object_set_new(host, "RestartPolicy", policy);
	json_object_set_new(host, "LogConfig",
	                    json_pack("{s:s, s:O}", "Type", "json-file", "Config", s->log_config));
	json_object_set_new(doc, "RestartCount", json_integer(0));
	json_decref(image);
}

json_t *mc_spec_record(const struct mc_spec *s, const struct img_image *img,
                       const struct img_runconfig *rc)
{
	json_t *cmd, *entrypoint, *env, *all, *doc;
	char hostname[256] = "";

	/* Entrypoint: --entrypoint (one word, as Docker takes it), else the image's. */
	if (s->entrypoint != NULL)
		entrypoint = s->entrypoint[0] ? json_pack("[s]", s->entrypoint) : json_array();
	else
		entrypoint = rc->entrypoint ? strv_json(rc->entrypoint) : json_array();
	/* Cmd: our arguments; else the image's, unless the entrypoint was replaced. */
	if (s->nargs > 0)
		cmd = strv_json(s->args);
	else if (s->entrypoint == NULL && rc->cmd != NULL)
		cmd = strv_json(rc->cmd);
	else
		cmd = json_array();
	/* Env: ours, then the image's for the names ours do not mention (PATH comes at start). */
	env = mc_env_record(s->env, rc->env);
	/* Path and Args, as docker inspect shows them: the first word and the rest. */
	all = json_array();
	json_array_extend(all, entrypoint);
	json_array_extend(all, cmd);

	doc = json_object();
	json_object_set_new(
	    doc, "Path",
	    json_string(json_array_size(all) > 0 ? json_string_value(json_array_get(all, 0)) : ""));
	json_array_remove(all, 0);
	json_object_set_new(doc, "Args", all);
	json_object_set_new(doc, "Image", json_string(img->config_digest));
	json_object_set_new(doc, "ImageManifest", json_string(img->manifest_digest));
	json_object_set_new(
	    doc, "Config",
	    json_pack("{s:s, s:s, s:o, s:o, s:o, s:s, s:s, s:b, s:b, s:o}", "Image", s->image,
	              "Hostname", hostname_of(s, hostname, sizeof(hostname)), "Cmd", cmd,
	              "Entrypoint", entrypoint, "Env", env, "WorkingDir",
	              s->workdir ? s->workdir : (rc->workdir ? rc->workdir : ""), "User",
	              s->user ? s->user : (rc->user ? rc->user : ""), "Tty", s->tty, "OpenStdin",
	              s->interactive, "ExposedPorts", mc_net_exposed_ports(s, img)));
	json_object_set_new(
	    doc, "HostConfig",
	    json_pack("{s:O, s:O, s:O, s:b, s:s, s:I, s:I, s:I, s:I, s:I, s:b, s:b, s:b}", "Binds",
	              s->binds, "Mounts", s->mounts, "Tmpfs", s->tmpfs, "ReadonlyRootfs",
	              s->read_only, "NetworkMode", s->network, "Memory",
	              (json_int_t)(s->limits.memory < 0 ? 0 : s->limits.memory), "MemorySwap",
	              (json_int_t)s->limits.memory_swap, "NanoCpus",
	              (json_int_t)(s->limits.cpus * 1e9), "CpuShares",
	              (json_int_t)s->limits.cpu_shares, "PidsLimit", (json_int_t)s->limits.pids,
	              "AutoRemove", s->auto_remove, "Init", s->init, "Privileged", s->privileged));
	json_object_set(json_object_get(doc, "HostConfig"), "CapAdd", s->cap_add);
	json_object_set(json_object_get(doc, "HostConfig"), "CapDrop", s->cap_drop);
	json_object_set(json_object_get(doc, "HostConfig"), "GroupAdd", s->group_add);
	json_object_set_new(json_object_get(doc, "HostConfig"), "CgroupnsMode",
	                    json_string(cgroupns_mode(s)));
	add_lifecycle_fields(doc, s, img);
	json_object_set(json_object_get(doc, "HostConfig"), "Devices", s->devices);
	json_object_set(json_object_get(doc, "HostConfig"), "SecurityOpt", s->security_opt);
	mc_net_record(s, json_object_get(doc, "HostConfig"), json_object_get(doc, "Config"));
	return doc;
}
