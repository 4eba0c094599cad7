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
#include <sys/stat.h>
#include <unistd.h>

#include "cg_cgroups.h"
#include "cg_devices.h"
#include "img_config.h"
#include "mc.h"
#include "mc_env.h"
#include "mc_log.h"
#include "mc_monitor.h"
#include "ns_confine.h"
#include "ns_namespaces.h"

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
    "      --network string       none (default) or host; bridge comes with chapter 05\n"
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
	cg_limits_init(&s->limits);
	s->network = "none";
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

/* --cap-add/--cap-drop: a known capability (or ALL), kept as the user wrote it, as Docker does. */
static int add_capability(json_t *list, const char *name, struct mc_error *err)
{
	ns_caps one;

	if (ns_cap_from_name(name, &one, err) < 0)
		return -1;
	json_array_append_new(list, json_string(name));
	return 0;
}

/*
 * Go's path.Clean for an absolute path, in place: no "//", no "." and no
 * "..", no trailing "/".  Docker cleans both ends of every mount this way.
 */
static void clean_path(char *p)
{
	char *out = p + 1;
	const char *in = p;

	while (*in != '\0') {
		size_t len;

		in += strspn(in, "/");
		len = strcspn(in, "/");
		if (len == 0 || (len == 1 && in[0] == '.')) {
			/* nothing */
		} else if (len == 2 && in[0] == '.' && in[1] == '.') {
			while (out > p + 1 && *--out != '/')
				;
		} else {
			if (out > p + 1)
				*out++ = '/';
			memmove(out, in, len);
			out += len;
		}
		in += len;
	}
	*out = '\0';
}

/* Where a mount goes: absolute, and not "/" (moby's linuxValidateAbsolute, ...NotRoot). */
static int check_target(const char *target, struct mc_error *err)
{
	char clean[PATH_MAX];

	if (target[0] != '/')
		return mc_fail(err, 0, "invalid mount path: '%s' mount path must be absolute",
		               target);
	snprintf(clean, sizeof(clean), "%s", target);
	clean_path(clean);
	if (strcmp(clean, "/") == 0)
		return mc_fail(err, 0, "invalid specification: destination can't be '/'");
	return 0;
}

static const char *const propagations[] = {"private", "rprivate", "slave",
                                           "rslave",  "shared",   "rshared"};

static bool is_propagation(const char *mode)
{
	for (size_t i = 0; i < sizeof(propagations) / sizeof(propagations[0]); i++)
		if (strcmp(mode, propagations[i]) == 0)
			return true;
	return false;
}

/*
 * The options after -v's second colon (moby's linuxValidMountMode): at most
 * one of each kind - ro|rw, z|Z (SELinux labels), a propagation mode, nocopy,
 * consistent|cached|delegated (Docker Desktop's) - separated by commas.
 */
static bool valid_mode(const char *mode, const char **propagation, bool *ro, bool *nocopy)
{
	static const char *const kinds[][7] = {
	    {"ro", "rw"},
	    {"z", "Z"},
	    {"private", "rprivate", "slave", "rslave", "shared", "rshared"},
	    {"nocopy"},
	    {"consistent", "cached", "delegated"},
	};
	int count[5] = {0};
	char buf[256], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", mode);
	for (char *o = strtok_r(buf, ",", &save); o != NULL; o = strtok_r(NULL, ",", &save)) {
		bool known = false;

		for (size_t k = 0; k < 5 && !known; k++)
			for (size_t i = 0; i < 7 && kinds[k][i] != NULL && !known; i++)
				if (strcmp(o, kinds[k][i]) == 0) {
					known = true;
					count[k]++;
					if (k == 0)
						*ro = i == 0;
					else if (k == 2)
						*propagation = kinds[k][i];
					else if (k == 3)
						*nocopy = true;
				}
		if (!known || count[0] > 1 || count[1] > 1 || count[2] > 1 || count[3] > 1 ||
		    count[4] > 1)
			return false;
	}
	return mode[0] == '\0' || mode[strlen(mode) - 1] != ',';
}

/* The record's entry for a bind mount: Docker's MountPoint fields. */
static void add_bind(struct mc_spec *s, const char *source, const char *target, bool ro,
                     const char *mode, const char *propagation, bool from_mount_flag)
{
	char src[PATH_MAX], dst[PATH_MAX];
	json_t *m;

	snprintf(src, sizeof(src), "%s", source);
	snprintf(dst, sizeof(dst), "%s", target);
	clean_path(src);
	clean_path(dst);
	m = json_pack("{s:s, s:s, s:s, s:s, s:b, s:s}", "Type", "bind", "Source", src,
	              "Destination", dst, "Mode", mode, "RW", !ro, "Propagation",
	              propagation ? propagation : "rprivate");
	/* --mount never creates its source (moby's SkipMountpointCreation); -v does. */
	if (from_mount_flag)
		json_object_set_new(m, "SkipMountpointCreation", json_true());
	json_array_append_new(s->mounts, m);
}

/*
 * -v HOST:CONTAINER[:OPTIONS], by docker/cli's and moby's rules: a host
 * path starting with "." is made absolute (the CLI does it, against its
 * working directory); a name that is not a path would be a named volume,
 * which we do not have yet.
 */
static int add_volume(struct mc_spec *s, const char *text, struct mc_error *err)
{
	char buf[PATH_MAX], spec[2 * PATH_MAX], *field[4] = {NULL}, *save = buf;
	const char *mode = "", *propagation = NULL;
	bool ro = false, nocopy = false;
	size_t n = 0;

	if (snprintf(buf, sizeof(buf), "%s", text) >= (int)sizeof(buf))
		return mc_fail(err, ENAMETOOLONG, "invalid volume specification: '%.64s...'", text);
	while (n < 3 && (field[n] = strsep(&save, ":")) != NULL)
		n++;
	if (save != NULL)
		field[n++] = save;
	if (n == 0 || field[0][0] == '\0' || n == 4 ||
	    (n == 2 && valid_mode(field[1], &propagation, &ro, &nocopy)))
		return mc_fail(err, 0, "invalid volume specification: '%s'", text);
	if (n == 1)
		return mc_fail(err, 0,
		               "invalid volume specification: '%s' (anonymous volumes are not "
		               "supported yet: use HOST_PATH:CONTAINER_PATH)",
		               text);
	if (n == 3)
		mode = field[2];
	if (!valid_mode(mode, &propagation, &ro, &nocopy))
		return mc_fail(err, 0, "invalid mode: %s", mode);
	if (field[0][0] == '.') {
		char cwd[PATH_MAX];

		if (getcwd(cwd, sizeof(cwd)) == NULL)
			return mc_fail(err, errno, "getcwd");
		/* filepath.Abs: the working directory joined and cleaned. */
		snprintf(spec, sizeof(spec), "%s/%s", cwd, field[0]);
		if (strlen(spec) >= PATH_MAX)
			return mc_fail(err, ENAMETOOLONG, "volume %s", field[0]);
		clean_path(spec);
		field[0] = spec;
	}
	if (field[0][0] != '/')
		return mc_fail(err, 0,
		               "invalid volume specification: '%s' (named volumes are not "
		               "supported yet: use an absolute or ./relative host path)",
		               text);
	/* nocopy is for volumes, which copy the image's files in: a bind cannot. */
	if ((nocopy ? mc_fail(err, 0, "field VolumeOptions must not be specified")
	            : check_target(field[1], err)) < 0)
		return mc_fail_context(err,
		                       "invalid volume specification: '%s': invalid mount "
		                       "config for type \"bind\"",
		                       text);
	/* Binds keeps what was given, with the host path made absolute, as the CLI sends it. */
	json_array_append_new(
	    s->binds, json_sprintf("%s:%s%s%s", field[0], field[1], n == 3 ? ":" : "", mode));
	add_bind(s, field[0], field[1], ro, mode, propagation, false);
	return 0;
}

/* A --mount boolean: strconv.ParseBool's spellings; a key alone is true. */
static int mount_bool(const char *key, const char *v, bool *out, struct mc_error *err)
{
	static const char *const yes[] = {"1", "t", "T", "TRUE", "true", "True"};
	static const char *const no[] = {"0", "f", "F", "FALSE", "false", "False"};

	for (size_t i = 0; i < 6; i++)
		if (v == NULL || strcmp(v, yes[i]) == 0 || strcmp(v, no[i]) == 0) {
			*out = v == NULL || strcmp(v, yes[i]) == 0;
			return 0;
		}
	return mc_fail(err, 0, "invalid value for %s: %s", key, v);
}

/* --mount type=tmpfs: moby's ConvertTmpfsOptions makes its options text. */
static int add_tmpfs_mount(struct mc_spec *s, const char *target, bool ro, const char *size,
                           const char *mode, struct mc_error *err)
{
	char data[128] = "";
	int64_t bytes = 0;
	unsigned long perm = 0;
	char *end;

	if (mode != NULL) {
		errno = 0;
		perm = strtoul(mode, &end, 8);
		if (errno != 0 || end == mode || *end != '\0' || perm > 0xffffffffUL)
			return mc_fail(err, 0, "invalid value for tmpfs-mode: %s", mode);
	}
	if (size != NULL && cg_parse_size(size, &bytes, err) < 0)
		return -1;
	if (ro)
		strcat(data, "ro");
	if (perm != 0)
		snprintf(data + strlen(data), sizeof(data) - strlen(data), "%smode=%lo",
		         data[0] ? "," : "", perm);
	if (bytes != 0) {
		/* The largest unit that divides the size, as moby writes it. */
		const char *suffix = bytes % (1 << 30) == 0   ? "g"
		                     : bytes % (1 << 20) == 0 ? "m"
		                     : bytes % (1 << 10) == 0 ? "k"
		                                              : "";
		long long v = bytes / (suffix[0] == 'g'   ? 1 << 30
		                       : suffix[0] == 'm' ? 1 << 20
		                       : suffix[0] == 'k' ? 1 << 10
		                                          : 1);

		snprintf(data + strlen(data), sizeof(data) - strlen(data), "%ssize=%lld%s",
		         data[0] ? "," : "", v, suffix);
	}
	json_object_set_new(s->tmpfs, target, json_string(data));
	return 0;
}

/*
 * --mount type=bind,source=/a,target=/b[,readonly][,bind-propagation=P]
 *       | type=tmpfs,target=/t[,tmpfs-size=N][,tmpfs-mode=OCTAL][,readonly]
 * Unlike -v, a bind's source must exist now (moby validates it at create).
 */
static int add_mount(struct mc_spec *s, const char *text, struct mc_error *err)
{
	char buf[4096], *save = NULL, *kv;
	const char *type = "volume", *source = "", *target = NULL, *size = NULL, *mode = NULL;
	const char *propagation = NULL;
	bool ro = false;
	struct stat st;

	snprintf(buf, sizeof(buf), "%s", text);
	for (kv = strtok_r(buf, ",", &save); kv != NULL; kv = strtok_r(NULL, ",", &save)) {
		char *v = strchr(kv, '=');

		if (v != NULL)
			*v++ = '\0';
		if (strcmp(kv, "readonly") == 0 || strcmp(kv, "ro") == 0) {
			if (mount_bool(kv, v, &ro, err) < 0)
				return -1;
		} else if (v == NULL) {
			return mc_fail(err, 0, "invalid field '%s' must be a key=value pair", kv);
		} else if (strcmp(kv, "type") == 0) {
			type = v;
		} else if (strcmp(kv, "source") == 0 || strcmp(kv, "src") == 0) {
			source = v;
		} else if (strcmp(kv, "target") == 0 || strcmp(kv, "destination") == 0 ||
		           strcmp(kv, "dst") == 0) {
			target = v;
		} else if (strcmp(kv, "bind-propagation") == 0) {
			propagation = v;
		} else if (strcmp(kv, "tmpfs-size") == 0) {
			size = v;
		} else if (strcmp(kv, "tmpfs-mode") == 0) {
			mode = v;
		} else {
			return mc_fail(err, 0, "unexpected key '%s' in '%s'", kv, text);
		}
	}
	if (target == NULL)
		return mc_fail(err, 0, "target is required");
	if (strcmp(type, "bind") != 0 && strcmp(type, "tmpfs") != 0)
		return mc_fail(err, 0,
		               "--mount %s: type must be bind or tmpfs (volumes come later)", text);
	if (check_target(target, err) < 0)
		goto config;
	if (strcmp(type, "tmpfs") == 0) {
		if (source[0] != '\0') {
			mc_fail(err, 0, "field Source must not be specified");
			goto config;
		}
		return add_tmpfs_mount(s, target, ro, size, mode, err);
	}
	if (propagation != NULL && !is_propagation(propagation)) {
		mc_fail(err, 0, "invalid propagation mode: %s", propagation);
		goto config;
	}
	if (source[0] == '\0')
		mc_fail(err, 0, "field Source must not be empty");
	else if (source[0] != '/')
		mc_fail(err, 0, "invalid mount path: '%s' mount path must be absolute", source);
	else if (stat(source, &st) < 0)
		mc_fail(err, 0, "bind source path does not exist: %s", source);
	else {
		add_bind(s, source, target, ro, "", propagation, true);
		return 0;
	}
config:
	return mc_fail_context(err, "invalid mount config for type \"%s\"", type);
}

/* --tmpfs /path[:options]; the options are checked at start, as the daemon does. */
static int add_tmpfs(struct mc_spec *s, const char *text, struct mc_error *err)
{
	const char *colon = strchr(text, ':');
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%.*s", colon ? (int)(colon - text) : (int)strlen(text), text);
	if (check_target(path, err) < 0)
		return -1;
	json_object_set_new(s->tmpfs, path, json_string(colon ? colon + 1 : ""));
	return 0;
}

/* Two mounts on one place: moby refuses the container ("Duplicate mount point"). */
static int check_duplicates(const struct mc_spec *s, struct mc_error *err)
{
	const char *dest, *other;
	json_t *m, *value;
	size_t i, j;

	json_array_foreach(s->mounts, i, m)
	{
		dest = json_string_value(json_object_get(m, "Destination"));
		for (j = i + 1; j < json_array_size(s->mounts); j++) {
			other = json_string_value(
			    json_object_get(json_array_get(s->mounts, j), "Destination"));
			if (strcmp(dest, other) == 0)
				return mc_fail(err, 0, "Duplicate mount point: %s", dest);
		}
		json_object_foreach(s->tmpfs, other, value)
		{
			char clean[PATH_MAX];

			snprintf(clean, sizeof(clean), "%s", other);
			clean_path(clean);
			if (strcmp(dest, clean) == 0)
				return mc_fail(err, 0, "Duplicate mount point: %s", dest);
		}
	}
	return 0;
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
	while ((opt = getopt_long(argc, argv, "+e:w:u:h:v:m:c:itdl:", options, NULL)) != -1) {
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
			if (strcmp(optarg, "none") != 0 && strcmp(optarg, "host") != 0)
				rc = mc_fail(err, 0,
				             "network %s not found (none and host exist; "
				             "bridge networking arrives with chapter 05)",
				             optarg);
			s->network = optarg;
			break;
		case OPT_PRIVILEGED:
			s->privileged = true;
			break;
		case OPT_CAP_ADD:
			rc = add_capability(s->cap_add, optarg, err);
			break;
		case OPT_CAP_DROP:
			rc = add_capability(s->cap_drop, optarg, err);
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
	    check_duplicates(s, err) < 0)
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
	json_object_set_new(doc, "Config",
	                    json_pack("{s:s, s:s, s:o, s:o, s:o, s:s, s:s, s:b, s:b}", "Image",
	                              s->image, "Hostname",
	                              hostname_of(s, hostname, sizeof(hostname)), "Cmd", cmd,
	                              "Entrypoint", entrypoint, "Env", env, "WorkingDir",
	                              s->workdir ? s->workdir : (rc->workdir ? rc->workdir : ""),
	                              "User", s->user ? s->user : (rc->user ? rc->user : ""), "Tty",
	                              s->tty, "OpenStdin", s->interactive));
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
	return doc;
}
