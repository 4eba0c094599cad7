/*
 * mounts.c - the user's mounts, made ready to mount (see mc_mounts.h).
 * The rules are moby's: volume/mounts (MountPoint.Setup creates a -v
 * source), daemon/oci_linux.go (the tmpfs defaults, mounts sorted by
 * depth) and pkg/mount's MergeTmpfsOptions.
 */
#define _GNU_SOURCE
#include "mc_mounts.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "mc_file.h"

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

int mc_mounts_prepare(json_t *host, struct mc_mounts *ms, struct mc_error *err)
{
	json_t *mounts = json_object_get(host, "Mounts"), *tmpfs = json_object_get(host, "Tmpfs");
	json_t *m, *value;
	const char *target;
	size_t i;

	ms->n = 0;
	ms->list = calloc(json_array_size(mounts) + json_object_size(tmpfs) + 1, sizeof(*ms->list));
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
	qsort(ms->list, ms->n, sizeof(*ms->list), by_depth);
	return 0;
}

void mc_mounts_free(struct mc_mounts *ms)
{
	free(ms->list);
	ms->list = NULL;
	ms->n = 0;
}
