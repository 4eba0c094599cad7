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
#include <getopt.h>
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

const char mc_run_usage[] =
    "Options:\n"
    "      --name string          Assign a name to the container\n"
    "      --rm                   Automatically remove the container when it exits\n"
    "  -e, --env list             Set environment variables\n"
    "      --env-file list        Read in a file of environment variables\n"
    "  -w, --workdir string       Working directory inside the container\n"
    "  -u, --user string          Username or UID (format: <name|uid>[:<group|gid>])\n"
    "  -h, --hostname string      Container host name\n"
    "      --entrypoint string    Overwrite the default ENTRYPOINT of the image\n"
    "  -v, --volume list          Bind mount a volume (HOST:CONTAINER[:OPTIONS]: ro, rw, z, Z,\n"
    "                             a propagation mode); a missing HOST directory is created\n"
    "      --mount mount          type=bind,source=,target=[,readonly][,bind-propagation=]\n"
    "                             or type=tmpfs,target=[,tmpfs-size=][,tmpfs-mode=]\n"
    "      --tmpfs list           Mount a tmpfs directory (/path[:options])\n"
    "      --read-only            Mount the container's root filesystem as read only\n"
    "  -m, --memory bytes         Memory limit\n"
    "      --memory-swap bytes    Memory plus swap; -1 for unlimited swap\n"
    "      --cpus decimal         Number of CPUs\n"
    "  -c, --cpu-shares int       CPU shares (relative weight)\n"
    "      --pids-limit int       Tune container pids limit (-1 for unlimited)\n"
    "      --network string       bridge (default), none, host, container:ID or a network\n"
    "      --network-alias list   Another name on a user network (repeatable)\n"
    "      --ip string            IPv4 address on a user network (e.g. 10.214.0.10)\n"
    "  -p, --publish list         Publish a port: [IP:][HOSTPORT:]PORT[/tcp|udp]\n"
    "  -P, --publish-all          Publish every exposed port to a free host port\n"
    "      --expose list          Expose a port or a range of ports\n"
    "      --dns list             Set custom DNS servers\n"
    "      --dns-search list      Set custom DNS search domains\n"
    "      --dns-option list      Set DNS options\n"
    "      --add-host list        Add a custom host-to-IP mapping (host:ip)\n"
    "      --cgroupns string      Cgroup namespace to use (host|private): the default is\n"
    "                             private on cgroup v2, host on v1, as Docker's daemon\n"
    "      --privileged           Give extended privileges to this container: every\n"
    "                             capability, no seccomp filter, /proc and /sys as they are\n"
    "      --restart string       Restart policy to apply when a container exits: no,\n"
    "                             always, unless-stopped, on-failure[:max-retries]\n"
    "                             (default \"no\")\n"
    "      --log-opt list         Log driver options: max-size=SIZE, max-file=N\n"
    "      --stop-signal string   Signal to stop the container (default: the image's, SIGTERM)\n"
    "      --stop-timeout int     Timeout (in seconds) to stop a container (default 10)\n"
    "  -l, --label list           Set meta data on a container (KEY=VALUE)\n"
    "      --label-file list      Read in a line delimited file of labels\n"
    "      --cap-add list         Add Linux capabilities (NET_ADMIN, CAP_SYS_TIME, ALL ...)\n"
    "      --cap-drop list        Drop Linux capabilities\n"
    "      --group-add list       Add additional groups to join\n"
    "      --preserve-fds int     Pass N additional file descriptors (3 to N+2) to the\n"
    "                             container (runc's option; Docker has none)\n"
    "      --device list          Add a host device to the container (HOST[:CTR][:rwm])\n"
    "      --security-opt list    seccomp=unconfined|PROFILE.json, no-new-privileges,\n"
    "                             systempaths=unconfined\n"
    "      --pull string          Pull image before running (\"always\", \"missing\",\n"
    "                             \"never\") (default \"missing\")\n"
    "      --init                 Run an init inside the container that forwards signals\n"
    "                             and reaps processes\n"
    "  -d, --detach               Run container in background and print container ID\n"
    "      --detach-keys string   Override the key sequence for detaching a container\n"
    "      --sig-proxy bool       Proxy received signals to the process (default true)\n"
    "  -i, --interactive          Keep STDIN open even if not attached\n"
    "  -t, --tty                  Allocate a pseudo-TTY\n"
    "      --help                 Print usage\n";

enum {
	OPT_NAME = 1000,
	OPT_RM,
	OPT_ENV_FILE,
	OPT_ENTRYPOINT,
	OPT_MOUNT,
	OPT_TMPFS,
	OPT_READ_ONLY,
	OPT_MEMORY_SWAP,
	OPT_CPUS,
	OPT_PIDS,
	OPT_NETWORK,
	OPT_INIT,
	OPT_HELP,
	OPT_PRIVILEGED,
	OPT_CAP_ADD,
	OPT_CAP_DROP,
	OPT_GROUP_ADD,
	OPT_PRESERVE_FDS,
	OPT_DETACH_KEYS,
	OPT_SIG_PROXY,
	OPT_RESTART,
	OPT_LOG_OPT,
	OPT_LOG_DRIVER,
	OPT_STOP_SIGNAL,
	OPT_STOP_TIMEOUT,
	OPT_DEVICE,
	OPT_SECURITY_OPT,
	OPT_PULL,
	OPT_EXPOSE,
	OPT_IP,
	OPT_ALIAS,
	OPT_DNS,
	OPT_DNS_SEARCH,
	OPT_DNS_OPTION,
	OPT_ADD_HOST,
	OPT_LABEL_FILE,
	OPT_CGROUPNS,
};

static const struct option options[] = {
    {"name", required_argument, NULL, OPT_NAME},
    {"rm", no_argument, NULL, OPT_RM},
    {"env", required_argument, NULL, 'e'},
    {"env-file", required_argument, NULL, OPT_ENV_FILE},
    {"workdir", required_argument, NULL, 'w'},
    {"user", required_argument, NULL, 'u'},
    {"hostname", required_argument, NULL, 'h'},
    {"entrypoint", required_argument, NULL, OPT_ENTRYPOINT},
    {"volume", required_argument, NULL, 'v'},
    {"mount", required_argument, NULL, OPT_MOUNT},
    {"tmpfs", required_argument, NULL, OPT_TMPFS},
    {"read-only", no_argument, NULL, OPT_READ_ONLY},
    {"memory", required_argument, NULL, 'm'},
    {"memory-swap", required_argument, NULL, OPT_MEMORY_SWAP},
    {"cpus", required_argument, NULL, OPT_CPUS},
    {"cpu-shares", required_argument, NULL, 'c'},
    {"pids-limit", required_argument, NULL, OPT_PIDS},
    {"network", required_argument, NULL, OPT_NETWORK},
    {"net", required_argument, NULL, OPT_NETWORK},
    {"network-alias", required_argument, NULL, OPT_ALIAS},
    {"ip", required_argument, NULL, OPT_IP},
    {"publish", required_argument, NULL, 'p'},
    {"publish-all", no_argument, NULL, 'P'},
    {"expose", required_argument, NULL, OPT_EXPOSE},
    {"dns", required_argument, NULL, OPT_DNS},
    {"dns-search", required_argument, NULL, OPT_DNS_SEARCH},
    {"dns-option", required_argument, NULL, OPT_DNS_OPTION},
    {"add-host", required_argument, NULL, OPT_ADD_HOST},
    {"init", no_argument, NULL, OPT_INIT},
    {"privileged", no_argument, NULL, OPT_PRIVILEGED},
    {"cap-add", required_argument, NULL, OPT_CAP_ADD},
    {"cap-drop", required_argument, NULL, OPT_CAP_DROP},
    {"group-add", required_argument, NULL, OPT_GROUP_ADD},
    {"preserve-fds", required_argument, NULL, OPT_PRESERVE_FDS},
    {"detach-keys", required_argument, NULL, OPT_DETACH_KEYS},
    {"sig-proxy", required_argument, NULL, OPT_SIG_PROXY},
    {"restart", required_argument, NULL, OPT_RESTART},
    {"log-opt", required_argument, NULL, OPT_LOG_OPT},
    {"log-driver", required_argument, NULL, OPT_LOG_DRIVER},
    {"stop-signal", required_argument, NULL, OPT_STOP_SIGNAL},
    {"stop-timeout", required_argument, NULL, OPT_STOP_TIMEOUT},
    {"label", required_argument, NULL, 'l'},
    {"label-file", required_argument, NULL, OPT_LABEL_FILE},
    {"cgroupns", required_argument, NULL, OPT_CGROUPNS},
    {"detach", no_argument, NULL, 'd'},
    {"device", required_argument, NULL, OPT_DEVICE},
    {"security-opt", required_argument, NULL, OPT_SECURITY_OPT},
    {"pull", required_argument, NULL, OPT_PULL},
    {"interactive", no_argument, NULL, 'i'},
    {"tty", no_argument, NULL, 't'},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};

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

int mc_spec_parse(int argc, char **argv, struct mc_spec *s, struct mc_error *err)
{
	int opt;

	optind = 1;
	opterr = 0;
	/* '+': stop at the image name; what follows is the container's command. */
	while ((opt = getopt_long(argc, argv, "+e:w:u:h:v:m:c:itdl:p:P", options, NULL)) != -1) {
		int rc = 0;

		switch (opt) {
		case OPT_NAME:
			s->name = optarg;
			break;
		case OPT_RM:
			s->auto_remove = true;
			break;
		case 'e':
			if (mc_env_flag(s->env, optarg, err) < 0)
				rc = mc_fail_context(
				    err, "invalid argument \"%s\" for \"-e, --env\" flag", optarg);
			break;
		case OPT_ENV_FILE:
			json_array_append_new(s->env_files, json_string(optarg));
			break;
		case OPT_LABEL_FILE:
			json_array_append_new(s->label_files, json_string(optarg));
			break;
		case OPT_CGROUPNS:
			if (strcmp(optarg, "host") != 0 && strcmp(optarg, "private") != 0 &&
			    optarg[0] != '\0')
				rc = mc_fail(err, 0, "--cgroupns: invalid CGROUP mode");
			s->cgroupns = optarg[0] ? optarg : NULL;
			break;
		case 'w':
			if (optarg[0] != '/')
				rc = mc_fail(err, 0,
				             "the working directory '%s' is invalid, it needs "
				             "to be an absolute path",
				             optarg);
			s->workdir = optarg;
			break;
		case 'u':
			s->user = optarg;
			break;
		case 'h':
			s->hostname = optarg;
			break;
		case OPT_ENTRYPOINT:
			s->entrypoint = optarg;
			break;
		case 'v':
			rc = mc_mounts_volume_flag(s->binds, s->mounts, optarg, err);
			break;
		case OPT_MOUNT:
			rc = mc_mounts_mount_flag(s->mounts, s->tmpfs, optarg, err);
			break;
		case OPT_TMPFS:
			rc = mc_mounts_tmpfs_flag(s->tmpfs, optarg, err);
			break;
		case OPT_READ_ONLY:
			s->read_only = true;
			break;
		case 'm':
			rc = cg_parse_size(optarg, &s->limits.memory, err);
			break;
		case OPT_MEMORY_SWAP:
			if (strcmp(optarg, "-1") == 0)
				s->limits.memory_swap = -1;
			else
				rc = cg_parse_size(optarg, &s->limits.memory_swap, err);
			break;
		case OPT_CPUS:
			rc = cg_parse_cpus(optarg, &s->limits.cpus, err);
			break;
		case 'c':
			rc = parse_int(optarg, &s->limits.cpu_shares, err);
			break;
		case OPT_PIDS:
			rc = parse_int(optarg, &s->limits.pids, err);
			if (rc == 0 && s->limits.pids == 0)
				s->limits.pids = -1;
			break;
		case OPT_NETWORK:
			s->network = strcmp(optarg, "default") == 0 ? "bridge" : optarg;
			break;
		case 'p':
			rc = mc_net_add_publish(s->port_bindings, s->exposed, optarg, err);
			break;
		case 'P':
			s->publish_all = true;
			break;
		case OPT_EXPOSE:
			rc = mc_net_add_expose(s->exposed, optarg, err);
			break;
		case OPT_IP:
			s->ip = optarg;
			break;
		case OPT_ALIAS:
			json_array_append_new(s->aliases, json_string(optarg));
			break;
		case OPT_DNS:
		case OPT_DNS_SEARCH:
		case OPT_DNS_OPTION:
		case OPT_ADD_HOST:
			rc = mc_net_add_dns(opt == OPT_DNS          ? s->dns
			                    : opt == OPT_DNS_SEARCH ? s->dns_search
			                    : opt == OPT_DNS_OPTION ? s->dns_options
			                                            : s->extra_hosts,
			                    opt == OPT_DNS        ? "dns"
			                    : opt == OPT_ADD_HOST ? "add-host"
			                                          : "",
			                    optarg, err);
			break;
		case OPT_PRIVILEGED:
			s->privileged = true;
			break;
		case OPT_CAP_ADD:
			rc = mc_spec_add_cap(s->cap_add, optarg, err);
			break;
		case OPT_CAP_DROP:
			rc = mc_spec_add_cap(s->cap_drop, optarg, err);
			break;
		case OPT_GROUP_ADD:
			json_array_append_new(s->group_add, json_string(optarg));
			break;
		case OPT_PRESERVE_FDS: {
			int64_t n;

			rc = parse_int(optarg, &n, err);
			if (rc == 0 && (n < 0 || n > NS_MAX_KEEP_FDS))
				rc = mc_fail(err, 0, "--preserve-fds: %s is not between 0 and %d",
				             optarg, NS_MAX_KEEP_FDS);
			s->run.preserve_fds = (int)n;
			break;
		}
		case OPT_DEVICE:
			rc = add_device(s, optarg, err);
			break;
		case OPT_SECURITY_OPT:
			rc = mc_spec_add_security_opt(s, optarg, err);
			break;
		case OPT_PULL:
			if (strcmp(optarg, "missing") != 0 && strcmp(optarg, "always") != 0 &&
			    strcmp(optarg, "never") != 0)
				rc =
				    mc_fail(err, 0,
				            "invalid pull option: '%s': must be one of \"always\", "
				            "\"missing\" or \"never\"",
				            optarg);
			s->pull = optarg;
			break;
		case OPT_INIT:
			s->init = true;
			break;
		case 'i':
			s->interactive = true;
			break;
		case 'd':
			s->run.detach = true;
			break;
		case OPT_DETACH_KEYS: {
			char keys[16];
			size_t n;

			rc = mc_parse_detach_keys(optarg, keys, sizeof(keys), &n, err);
			s->run.detach_keys = optarg;
			break;
		}
		case OPT_RESTART:
			rc = check_restart(optarg, err);
			s->restart = optarg;
			break;
		case OPT_LOG_OPT: {
			int64_t size = 0;
			int files = 1;

			rc = mc_log_parse_opt(optarg, &size, &files, err);
			if (rc == 0)
				json_object_set_new(
				    s->log_config,
				    strncmp(optarg, "max-size=", 9) == 0 ? "max-size" : "max-file",
				    json_string(strchr(optarg, '=') + 1));
			break;
		}
		case OPT_LOG_DRIVER:
			if (strcmp(optarg, "json-file") != 0)
				rc = mc_fail(
				    err, 0,
				    "log driver %s is not supported (json-file is the only one)",
				    optarg);
			break;
		case OPT_STOP_SIGNAL:
			if (mc_parse_signal(optarg) == 0)
				rc = mc_fail(err, 0, "invalid signal: %s", optarg);
			s->stop_signal = optarg;
			break;
		case OPT_STOP_TIMEOUT: {
			int64_t t;

			/* Any int, as Docker's flag: below 0, stop waits for ever. */
			rc = parse_int(optarg, &t, err);
			if (rc == 0 && (t <= MC_UNSET || t > INT_MAX))
				rc = mc_fail(err, 0, "invalid --stop-timeout: %s", optarg);
			s->stop_timeout = (int)t;
			break;
		}
		case 'l': {
			const char *eq = strchr(optarg, '=');
			char *key = strndup(optarg, eq ? (size_t)(eq - optarg) : strlen(optarg));

			/* "KEY=VALUE", or "KEY" alone for an empty value. */
			if (check_label(optarg, err) < 0)
				rc = mc_fail_context(
				    err, "invalid argument \"%s\" for \"-l, --label\" flag",
				    optarg);
			else if (key != NULL)
				json_object_set_new(s->labels, key, json_string(eq ? eq + 1 : ""));
			free(key);
			break;
		}
		case OPT_SIG_PROXY:
			if (strcmp(optarg, "true") != 0 && strcmp(optarg, "false") != 0)
				rc = mc_fail(err, 0,
				             "invalid argument \"%s\" for \"--sig-proxy\" flag",
				             optarg);
			s->run.sig_proxy = strcmp(optarg, "true") == 0;
			break;
		case 't':
			s->tty = true;
			break;
		case OPT_HELP:
			s->help = true;
			return 0;
		default:
			return mc_fail(err, 0, "unknown flag or missing value: %s",
			               argv[optind - 1]);
		}
		if (rc < 0)
			return -1;
	}
	if (cg_check_limits(&s->limits, err) < 0 || read_files(s, err) < 0 ||
	    mc_mounts_check(s->mounts, s->tmpfs, err) < 0 || mc_net_check_spec(s, err) < 0)
		return -1;
	if (s->auto_remove && s->restart != NULL && strcmp(s->restart, "no") != 0)
		return mc_fail(err, 0, "Conflicting options: --restart and --rm");
	if (optind >= argc)
		return mc_fail(err, 0, "requires at least 1 argument (the image)");
	s->image = argv[optind];
	s->args = argv + optind + 1;
	s->nargs = argc - optind - 1;
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
