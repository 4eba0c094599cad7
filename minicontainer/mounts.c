/*
 * mounts.c - the user's mounts, made ready to mount (see mc_mounts.h).
 * The rules are moby's: volume/mounts (MountPoint.Setup creates a -v
 * source), daemon/oci_linux.go (the tmpfs defaults, mounts sorted by
 * depth) and pkg/mount's MergeTmpfsOptions.
 */
#define _GNU_SOURCE
#include "mc_mounts.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cg_cgroups.h"

#include "mc_file.h"
#include "mc_volume.h"

/* ---- the flags: -v, --mount, --tmpfs (moby's volume/mounts and docker/cli's opts) --------- */

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
static void add_bind(json_t *mounts, const char *source, const char *target, bool ro,
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
	json_array_append_new(mounts, m);
}

/*
 * The record's entry for a volume (mc_volume.h): a name, or "" for an
 * anonymous one (named at create); its Source is filled in then too.
 */
static int add_volume(json_t *mounts, const char *name, const char *target, bool ro,
                      const char *mode, bool nocopy, struct mc_error *err)
{
	char dst[PATH_MAX];

	if (name[0] != '\0' && mc_volume_check_name(name, err) < 0)
		return -1;
	snprintf(dst, sizeof(dst), "%s", target);
	clean_path(dst);
	json_array_append_new(
	    mounts, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:s, s:b, s:b}", "Type",
	                      "volume", "Name", name, "Source", "", "Destination", dst, "Driver",
	                      "local", "Mode", mode, "RW", !ro, "Propagation", "", "Named",
	                      name[0] != '\0', "CopyData", !nocopy));
	return 0;
}

/*
 * -v HOST:CONTAINER[:OPTIONS], by docker/cli's and moby's rules: a host
 * path starting with "." is made absolute (the CLI does it, against its
 * working directory); a source that is not a path names a volume
 * (NAME:CONTAINER), and a lone path is an anonymous volume there.
 */
/* A record holds JSON, and JSON strings are UTF-8: other bytes are an error here, never a
 * mount silently left out of the record. */
static int check_utf8(const char *text, const char *flag, struct mc_error *err)
{
	json_t *probe = json_string(text);

	if (probe == NULL)
		return mc_fail(err, EINVAL, "%s: not valid UTF-8", flag);
	json_decref(probe);
	return 0;
}

int mc_mounts_volume_flag(json_t *binds, json_t *mounts, const char *text, struct mc_error *err)
{
	char buf[PATH_MAX], spec[2 * PATH_MAX], *field[4] = {NULL}, *save = buf;
	const char *mode = "", *propagation = NULL;
	bool ro = false, nocopy = false;
	size_t n = 0;

	if (check_utf8(text, "-v", err) < 0)
		return -1;
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
		return check_target(field[0], err) < 0
		           ? mc_fail_context(err, "invalid volume specification: '%s'", text)
		           : add_volume(mounts, "", field[0], false, "", false, err);
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
	if (field[0][0] != '/') {
		if (check_target(field[1], err) < 0)
			return mc_fail_context(err,
			                       "invalid volume specification: '%s': invalid mount "
			                       "config for type \"volume\"",
			                       text);
		json_array_append_new(binds, json_string(text));
		return add_volume(mounts, field[0], field[1], ro, mode, nocopy, err);
	}
	/* nocopy is for volumes, which copy the image's files in: a bind cannot. */
	if ((nocopy ? mc_fail(err, 0, "field VolumeOptions must not be specified")
	            : check_target(field[1], err)) < 0)
		return mc_fail_context(err,
		                       "invalid volume specification: '%s': invalid mount "
		                       "config for type \"bind\"",
		                       text);
	/* Binds keeps what was given, with the host path made absolute, as the CLI sends it. */
	json_array_append_new(
	    binds, json_sprintf("%s:%s%s%s", field[0], field[1], n == 3 ? ":" : "", mode));
	add_bind(mounts, field[0], field[1], ro, mode, propagation, false);
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
static int add_tmpfs_mount(json_t *tmpfs, const char *target, bool ro, const char *size,
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
	json_object_set_new(tmpfs, target, json_string(data));
	return 0;
}

/*
 * --mount type=bind,source=/a,target=/b[,readonly][,bind-propagation=P]
 *       | type=tmpfs,target=/t[,tmpfs-size=N][,tmpfs-mode=OCTAL][,readonly]
 * Unlike -v, a bind's source must exist now (moby validates it at create).
 */
int mc_mounts_mount_flag(json_t *mounts, json_t *tmpfs, const char *text, struct mc_error *err)
{
	char buf[4096], *save = NULL, *kv;
	const char *type = "volume", *source = "", *target = NULL, *size = NULL, *mode = NULL;
	const char *propagation = NULL;
	bool ro = false, nocopy = false;
	struct stat st;

	if (check_utf8(text, "--mount", err) < 0)
		return -1;
	/* (cut short, a value would mean something else: refused instead) */
	if (snprintf(buf, sizeof(buf), "%s", text) >= (int)sizeof(buf))
		return mc_fail(err, ENAMETOOLONG, "--mount %.64s...: too long", text);
	for (kv = strtok_r(buf, ",", &save); kv != NULL; kv = strtok_r(NULL, ",", &save)) {
		char *v = strchr(kv, '=');

		if (v != NULL)
			*v++ = '\0';
		if (strcmp(kv, "readonly") == 0 || strcmp(kv, "ro") == 0) {
			if (mount_bool(kv, v, &ro, err) < 0)
				return -1;
		} else if (strcmp(kv, "volume-nocopy") == 0) {
			if (mount_bool(kv, v, &nocopy, err) < 0)
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
	if (strcmp(type, "bind") != 0 && strcmp(type, "tmpfs") != 0 && strcmp(type, "volume") != 0)
		return mc_fail(err, 0, "invalid mount type: %s", type);
	if (check_target(target, err) < 0)
		goto config;
	if (nocopy && strcmp(type, "volume") != 0) {
		mc_fail(err, 0, "field VolumeOptions must not be specified");
		goto config;
	}
	if (strcmp(type, "volume") == 0) {
		if (propagation != NULL || size != NULL || mode != NULL) {
			mc_fail(err, 0, "field %s must not be specified",
			        propagation ? "BindOptions" : "TmpfsOptions");
			goto config;
		}
		return add_volume(mounts, source, target, ro, "", nocopy, err);
	}
	if (strcmp(type, "tmpfs") == 0) {
		if (source[0] != '\0') {
			mc_fail(err, 0, "field Source must not be specified");
			goto config;
		}
		return add_tmpfs_mount(tmpfs, target, ro, size, mode, err);
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
		add_bind(mounts, source, target, ro, "", propagation, true);
		return 0;
	}
config:
	return mc_fail_context(err, "invalid mount config for type \"%s\"", type);
}

/* --tmpfs /path[:options]; the options are checked at start, as the daemon does. */
int mc_mounts_tmpfs_flag(json_t *tmpfs, const char *text, struct mc_error *err)
{
	const char *colon = strchr(text, ':');
	char path[PATH_MAX];

	if (check_utf8(text, "--tmpfs", err) < 0)
		return -1;
	if ((size_t)(colon ? colon - text : (ptrdiff_t)strlen(text)) >= sizeof(path))
		return mc_fail(err, ENAMETOOLONG, "--tmpfs %.64s...: too long", text);
	snprintf(path, sizeof(path), "%.*s", colon ? (int)(colon - text) : (int)strlen(text), text);
	if (check_target(path, err) < 0)
		return -1;
	json_object_set_new(tmpfs, path, json_string(colon ? colon + 1 : ""));
	return 0;
}

/* Two mounts on one place: moby refuses the container ("Duplicate mount point"). */
int mc_mounts_check(json_t *mounts, json_t *tmpfs, struct mc_error *err)
{
	const char *dest, *other;
	json_t *m, *value;
	size_t i, j;

	json_array_foreach(mounts, i, m)
	{
		dest = json_string_value(json_object_get(m, "Destination"));
		for (j = i + 1; j < json_array_size(mounts); j++) {
			other = json_string_value(
			    json_object_get(json_array_get(mounts, j), "Destination"));
			if (strcmp(dest, other) == 0)
				return mc_fail(err, 0, "Duplicate mount point: %s", dest);
		}
		json_object_foreach(tmpfs, other, value)
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

/* ---- tmpfs options ------------------------------------------------------------------------- */

/* pkg/mount's table: an option that is a mount flag sets it, or clears it. */
static const struct {
	const char *name;
	bool clear;
	unsigned long flag;
} flags[] = {
    {"ro", false, MS_RDONLY},
    {"rw", true, MS_RDONLY},
    {"suid", true, MS_NOSUID},
    {"nosuid", false, MS_NOSUID},
    {"dev", true, MS_NODEV},
    {"nodev", false, MS_NODEV},
    {"exec", true, MS_NOEXEC},
    {"noexec", false, MS_NOEXEC},
    {"sync", false, MS_SYNCHRONOUS},
    {"async", true, MS_SYNCHRONOUS},
    {"dirsync", false, MS_DIRSYNC},
    {"remount", false, MS_REMOUNT},
    {"mand", false, MS_MANDLOCK},
    {"nomand", true, MS_MANDLOCK},
    {"atime", true, MS_NOATIME},
    {"noatime", false, MS_NOATIME},
    {"diratime", true, MS_NODIRATIME},
    {"nodiratime", false, MS_NODIRATIME},
    {"bind", false, MS_BIND},
    {"rbind", false, MS_BIND | MS_REC},
    {"unbindable", false, MS_UNBINDABLE},
    {"runbindable", false, MS_UNBINDABLE | MS_REC},
    {"private", false, MS_PRIVATE},
    {"rprivate", false, MS_PRIVATE | MS_REC},
    {"shared", false, MS_SHARED},
    {"rshared", false, MS_SHARED | MS_REC},
    {"slave", false, MS_SLAVE},
    {"rslave", false, MS_SLAVE | MS_REC},
    {"relatime", false, MS_RELATIME},
    {"norelatime", true, MS_RELATIME},
    {"strictatime", false, MS_STRICTATIME},
    {"nostrictatime", true, MS_STRICTATIME},
};
#define N_FLAGS (sizeof(flags) / sizeof(flags[0]))

/* Flags that say how a mount propagates, or that it is a bind: one kind, one key. */
#define PROPAGATION (MS_BIND | MS_UNBINDABLE | MS_PRIVATE | MS_SHARED | MS_SLAVE)

static int find_flag(const char *name)
{
	for (size_t i = 0; i < N_FLAGS; i++)
		if (strcmp(flags[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* The options pkg/mount lets through as a tmpfs's data ("key=value"). */
static bool valid_data_key(const char *opt, size_t klen)
{
	static const char *const keys[] = {"",    "size",      "mode",      "uid",
	                                   "gid", "nr_inodes", "nr_blocks", "mpol"};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strlen(keys[i]) == klen && strncmp(opt, keys[i], klen) == 0)
			return true;
	return false;
}

/* The collision key of an option: its flag (all propagation modes share one), or its name. */
static bool same_kind(const char *a, const char *b)
{
	int fa = find_flag(a), fb = find_flag(b);

	if (fa >= 0 || fb >= 0)
		return fa >= 0 && fb >= 0 &&
		       ((flags[fa].flag & PROPAGATION && flags[fb].flag & PROPAGATION) ||
		        (flags[fa].flag & ~MS_REC) == (flags[fb].flag & ~MS_REC));
	return strcspn(a, "=") == strcspn(b, "=") && strncmp(a, b, strcspn(a, "=")) == 0;
}

int mc_tmpfs_options(const char *given, unsigned long *mount_flags, char *data, size_t size,
                     struct mc_error *err)
{
	char buf[1024], *opt[128], *save = buf;
	size_t n = 0;

	/* daemon/oci_linux.go: Docker's own options first, so that the user's win. */
	opt[n++] = "noexec";
	opt[n++] = "nosuid";
	opt[n++] = "nodev";
	opt[n++] = "rprivate";
	snprintf(buf, sizeof(buf), "%s", given);
	while (given[0] != '\0' && save != NULL && n < 128)
		opt[n++] = strsep(&save, ",");
	/* Checked from the last, as MergeTmpfsOptions walks them: the last bad one is reported. */
	for (size_t i = n; i-- > 0;) {
		size_t klen = strcspn(opt[i], "=");

		if (find_flag(opt[i]) >= 0 || strcmp(opt[i], "defaults") == 0)
			continue;
		if (opt[i][klen] != '=')
			return mc_fail(err, 0, "Invalid tmpfs option [\"%s\"]", opt[i]);
		if (!valid_data_key(opt[i], klen))
			return mc_fail(err, 0, "Invalid tmpfs option [\"%.*s\" \"%s\"]", (int)klen,
			               opt[i], opt[i] + klen + 1);
	}
	*mount_flags = 0;
	data[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		int f = find_flag(opt[i]);
		bool later = false;

		if (strcmp(opt[i], "defaults") == 0)
			continue;
		/* MergeTmpfsOptions: of the options of one kind, the last one counts. */
		for (size_t j = i + 1; j < n && !later; j++)
			later = strcmp(opt[j], "defaults") != 0 && same_kind(opt[i], opt[j]);
		if (later)
			continue;
		if (f < 0)
			snprintf(data + strlen(data), size - strlen(data), "%s%s",
			         data[0] ? "," : "", opt[i]);
		else if (flags[f].clear)
			*mount_flags &= ~flags[f].flag;
		else
			*mount_flags |= flags[f].flag;
	}
	/* Our mount namespace is private already; a tmpfs is no bind and no remount. */
	*mount_flags &= ~(PROPAGATION | MS_REC | MS_REMOUNT);
	return 0;
}

/* ---- the list ---------------------------------------------------------------------------- */

static unsigned long propagation_flags(const char *mode)
{
	int f = mode != NULL ? find_flag(mode) : -1;

	return f >= 0 && (flags[f].flag & PROPAGATION) ? flags[f].flag : MS_PRIVATE | MS_REC;
}

/* How many names deep a path is: "/" 1, "/a" 2, "/a/b" 3 (moby splits the clean path at "/"). */
static size_t depth(const char *path)
{
	size_t n = 1;

	for (const char *p = path; *p != '\0'; p++)
		if (*p == '/' && p[1] != '\0' && p[1] != '/')
			n++;
	return n;
}

static int by_depth(const void *a, const void *b)
{
	const struct mc_mount *x = a, *y = b;
	size_t dx = depth(x->target), dy = depth(y->target);

	if (dx != dy)
		return dx < dy ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order; /* stable */
}

/*
 * Docker's /etc/hostname, /etc/hosts and /etc/resolv.conf, mounted in the
 * same order as the user's mounts (moby's NetworkMounts): on top of a
 * user's /etc, read-only with --read-only.  A user's own mount on one of
 * them takes its place instead (TrySetNetworkMount).
 */
static int add_etc_files(json_t *host, const char *etc_dir, struct mc_mounts *ms,
                         struct mc_error *err)
{
	static const char *const targets[] = {"/etc/resolv.conf", "/etc/hostname", "/etc/hosts"};

	for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
		struct mc_mount *e = &ms->list[ms->n];
		bool taken = false;

		for (size_t j = 0; j < ms->n && !taken; j++)
			taken = strcmp(ms->list[j].target, targets[i]) == 0;
		if (taken)
			continue;
		if ((size_t)snprintf(e->own_source, sizeof(e->own_source), "%s/%s", etc_dir,
		                     targets[i] + strlen("/etc/")) >= sizeof(e->own_source))
			return mc_fail(err, ENAMETOOLONG, "%s%s", etc_dir, targets[i]);
		e->order = ms->n++;
		e->target = targets[i];
		e->read_only = json_is_true(json_object_get(host, "ReadonlyRootfs"));
		e->propagation = MS_PRIVATE | MS_REC;
	}
	return 0;
}

/*
 * A volume: bound from its _data, filled from the image when empty - or,
 * made with --opt type=,device=,o= (the local driver's options), that
 * filesystem mounted in its place (moby mounts it on _data, on the host,
 * while a container uses it; here it is mounted in the container alone).
 */
static int volume_mount(json_t *m, struct mc_mount *b, struct mc_error *err)
{
	const char *name = json_string_value(json_object_get(m, "Name")) ?: "";
	json_t *vol = mc_volume_load(name, err), *opts;

	if (vol == NULL)
		return -1;
	opts = json_object_get(vol, "Options");
	b->copy_up = json_is_true(json_object_get(m, "CopyData"));
	if (json_object_get(opts, "type") != NULL) {
		snprintf(b->fstype, sizeof(b->fstype), "%s",
		         json_string_value(json_object_get(opts, "type")));
		snprintf(b->device, sizeof(b->device), "%s",
		         json_string_value(json_object_get(opts, "device")) ?: "");
		snprintf(b->data, sizeof(b->data), "%s",
		         json_string_value(json_object_get(opts, "o")) ?: "");
		b->flags = b->read_only ? MS_RDONLY : 0;
		b->source = NULL;
		b->copy_up = false;
	}
	json_decref(vol);
	return 0;
}

int mc_mounts_prepare(json_t *host, const char *etc_dir, struct mc_mounts *ms, struct mc_error *err)
{
	json_t *mounts = json_object_get(host, "Mounts"), *tmpfs = json_object_get(host, "Tmpfs");
	json_t *m, *value;
	const char *target;
	size_t i;

	ms->n = 0;
	ms->list = calloc(json_array_size(mounts) + json_object_size(tmpfs) + 3, sizeof(*ms->list));
	if (ms->list == NULL)
		return mc_fail(err, ENOMEM, "mounts");
	json_array_foreach(mounts, i, m)
	{
		struct mc_mount *b = &ms->list[ms->n];

		b->order = ms->n++;
		b->source = json_string_value(json_object_get(m, "Source"));
		b->target = json_string_value(json_object_get(m, "Destination"));
		b->read_only = !json_is_true(json_object_get(m, "RW"));
		b->propagation =
		    propagation_flags(json_string_value(json_object_get(m, "Propagation")));
		if (b->source == NULL || b->target == NULL)
			return mc_fail(err, EINVAL, "a mount without source or destination");
		/* A volume is there (made at create), and empty it takes the image's files. */
		if (strcmp(json_string_value(json_object_get(m, "Type")) ?: "", "volume") == 0) {
			if (volume_mount(m, b, err) < 0)
				return -1;
			continue;
		}
		/* -v creates what is missing; --mount was checked at create and creates nothing. */
		if (!json_is_true(json_object_get(m, "SkipMountpointCreation")) &&
		    mc_mkdir_p(b->source, 0755, err) < 0)
			return mc_fail_context(err, "error while creating mount source path '%s'",
			                       b->source);
	}
	json_object_foreach(tmpfs, target, value)
	{
		struct mc_mount *t = &ms->list[ms->n];

		t->order = ms->n++;
		t->target = target;
		if (mc_tmpfs_options(json_string_value(value) ?: "", &t->flags, t->data,
		                     sizeof(t->data), err) < 0)
			return -1;
	}
	if (add_etc_files(host, etc_dir, ms, err) < 0)
		return -1;
	qsort(ms->list, ms->n, sizeof(*ms->list), by_depth);
	/* Pointed to only now: the sort moved the entries, and their own_source with them. */
	for (i = 0; i < ms->n; i++)
		if (ms->list[i].own_source[0] != '\0')
			ms->list[i].source = ms->list[i].own_source;
	return 0;
}

void mc_mounts_free(struct mc_mounts *ms)
{
	free(ms->list);
	ms->list = NULL;
	ms->n = 0;
}
