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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cg_cgroups.h"
#include "img_config.h"
#include "mc.h"
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
    "  -v, --volume list          Bind mount a volume (HOST:CONTAINER[:ro|rw])\n"
    "      --mount mount          type=bind,source=,target=[,readonly] or type=tmpfs,target=\n"
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
    "      --privileged           Keep every capability and install no seccomp filter\n"
    "      --init                 Run an init inside the container that forwards signals\n"
    "                             and reaps processes\n"
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
	OPT_EXPOSE,
	OPT_IP,
	OPT_ALIAS,
	OPT_DNS,
	OPT_DNS_SEARCH,
	OPT_DNS_OPTION,
	OPT_ADD_HOST,
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
	cg_limits_init(&s->limits);
	s->network = "bridge";
}

void mc_spec_free(struct mc_spec *s)
{
	json_decref(s->env);
	json_decref(s->binds);
	json_decref(s->mounts);
	json_decref(s->tmpfs);
	json_decref(s->port_bindings);
	json_decref(s->exposed);
	json_decref(s->dns);
	json_decref(s->dns_search);
	json_decref(s->dns_options);
	json_decref(s->extra_hosts);
	json_decref(s->aliases);
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

static int add_env_file(struct mc_spec *s, const char *path, struct mc_error *err)
{
	char line[4096];
	FILE *f = fopen(path, "re");

	if (f == NULL)
		return mc_fail(err, errno, "open env file %s", path);
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0' || line[0] == '#')
			continue;
		/* "NAME" alone takes the value from our own environment, as Docker does. */
		if (strchr(line, '=') == NULL) {
			const char *v = getenv(line);

			if (v != NULL)
				env_set(s->env, json_sprintf("%s=%s", line, v));
			continue;
		}
		env_set(s->env, json_string(line));
	}
	fclose(f);
	return 0;
}

/* -v HOST:CONTAINER[:ro|rw] */
static int add_volume(struct mc_spec *s, const char *text, struct mc_error *err)
{
	char buf[4096], *host, *target, *mode;

	snprintf(buf, sizeof(buf), "%s", text);
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
static int add_mount(struct mc_spec *s, const char *text, struct mc_error *err)
{
	char buf[4096], *save = NULL, *kv;
	const char *type = "volume", *source = "", *target = NULL, *size = NULL;
	bool ro = false;

	snprintf(buf, sizeof(buf), "%s", text);
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

static int add_tmpfs(struct mc_spec *s, const char *text, struct mc_error *err)
{
	const char *colon = strchr(text, ':');
	char path[1024];

	snprintf(path, sizeof(path), "%.*s", colon ? (int)(colon - text) : (int)strlen(text), text);
	if (path[0] != '/')
		return mc_fail(err, 0, "invalid tmpfs mount '%s': the path must be absolute", text);
	json_object_set_new(s->tmpfs, path, json_string(colon ? colon + 1 : ""));
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
	while ((opt = getopt_long(argc, argv, "+e:w:u:h:v:m:c:itp:P", options, NULL)) != -1) {
		int rc = 0;

		switch (opt) {
		case OPT_NAME:
			s->name = optarg;
			break;
		case OPT_RM:
			s->auto_remove = true;
			break;
		case 'e':
			if (optarg[0] == '=' || optarg[0] == '\0')
				rc = mc_fail(err, 0, "invalid environment variable: %s", optarg);
			else if (strchr(optarg, '=') == NULL && getenv(optarg) != NULL)
				env_set(s->env, json_sprintf("%s=%s", optarg, getenv(optarg)));
			else if (strchr(optarg, '=') != NULL)
				env_set(s->env, json_string(optarg));
			break;
		case OPT_ENV_FILE:
			rc = add_env_file(s, optarg, err);
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
			rc = add_volume(s, optarg, err);
			break;
		case OPT_MOUNT:
			rc = add_mount(s, optarg, err);
			break;
		case OPT_TMPFS:
			rc = add_tmpfs(s, optarg, err);
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
		case OPT_INIT:
			s->init = true;
			break;
		case 'i':
			s->interactive = true;
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
	if (cg_check_limits(&s->limits, err) < 0 || mc_net_check_spec(s, err) < 0)
		return -1;
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

static bool has_path(char *const *env)
{
	for (size_t i = 0; env != NULL && env[i] != NULL; i++)
		if (strncmp(env[i], "PATH=", 5) == 0)
			return true;
	return false;
}

json_t *mc_spec_record(const struct mc_spec *s, const struct img_image *img,
                       const struct img_runconfig *rc)
{
	json_t *cmd, *entrypoint, *env, *user_env = json_array(), *all, *doc;
	char **merged, **user_strv;
	size_t n = json_array_size(s->env);

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
	/* Env: ours win over the image's. */
	user_strv = calloc(n + 1, sizeof(char *));
	for (size_t i = 0; user_strv != NULL && i < n; i++)
		user_strv[i] = (char *)json_string_value(json_array_get(s->env, i));
	merged = img_env_merge(user_strv, rc->env);
	env = strv_json(merged);
	/* Like Docker, a PATH when neither the image nor -e gave one. */
	if (!has_path(merged))
		json_array_append_new(
		    env, json_string(
		             "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"));
	img_strv_free(merged);
	free(user_strv);
	json_decref(user_env);
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
	json_object_set_new(doc, "Config",
	                    json_pack("{s:s, s:s, s:o, s:o, s:o, s:s, s:s, s:b, s:b, s:o}", "Image",
	                              s->image, "Hostname", s->hostname ? s->hostname : "", "Cmd",
	                              cmd, "Entrypoint", entrypoint, "Env", env, "WorkingDir",
	                              s->workdir ? s->workdir : (rc->workdir ? rc->workdir : ""),
	                              "User", s->user ? s->user : (rc->user ? rc->user : ""), "Tty",
	                              s->tty, "OpenStdin", s->interactive, "ExposedPorts",
	                              mc_net_exposed_ports(s, img)));
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
	mc_net_record(s, json_object_get(doc, "HostConfig"), json_object_get(doc, "Config"));
	return doc;
}
