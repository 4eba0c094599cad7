/*
 * cgroups.c - chapter 02: the cgroup itself - finding the hierarchy,
 * creating, entering, freezing and destroying a container's cgroup.
 * Limits are in limits.c, statistics in stats.c.
 */
#define _GNU_SOURCE
#include "cg_cgroups.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "mc_file.h"
#include "mc_resolve.h"
#include "mc_trace.h"

#define CH "ch02"

/* The v1 hierarchies we use, one directory each.  cpuacct: CPU time; devices: devices.c. */
static const char *const v1_controllers[] = {"memory", "cpu",     "cpuacct", "pids",
                                             "blkio",  "freezer", "devices"};
#define N_V1 (sizeof(v1_controllers) / sizeof(v1_controllers[0]))

/* The v2 controllers a container's cgroup needs; enabled from the root down. */
static const char *const v2_controllers[] = {"cpu", "memory", "pids", "io"};
#define N_V2 (sizeof(v2_controllers) / sizeof(v2_controllers[0]))

const char *cg_mode_name(enum cg_mode mode)
{
	switch (mode) {
	case CG_UNIFIED:
		return "v2 (unified)";
	case CG_HYBRID:
		return "v1 (hybrid)";
	case CG_LEGACY:
		return "v1 (legacy)";
	}
	return "?";
}

int cg_detect_mode(const char *mount, enum cg_mode *mode, struct mc_error *err)
{
	char unified[PATH_MAX];
	struct statfs fs;

	/*
	 * The filesystem type tells: cgroup2 mounted at /sys/fs/cgroup itself
	 * is a pure v2 host; a tmpfs there holds one mount per v1 controller,
	 * and systemd's hybrid mode adds a cgroup2 at /sys/fs/cgroup/unified.
	 */
	if (statfs(mount, &fs) < 0)
		return mc_fail(err, errno, "statfs %s", mount);
	if (fs.f_type == CGROUP2_SUPER_MAGIC) {
		*mode = CG_UNIFIED;
		return 0;
	}
	if (fs.f_type != TMPFS_MAGIC)
		return mc_fail(err, 0, "%s is neither cgroup2 nor a tmpfs of v1 hierarchies",
		               mount);
	snprintf(unified, sizeof(unified), "%s/unified", mount);
	if (statfs(unified, &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC)
		*mode = CG_HYBRID;
	else
		*mode = CG_LEGACY;
	return 0;
}

int cg_dir(const struct cgroup *cg, const char *controller, char *buf, size_t size,
           struct mc_error *err)
{
	int n;

	if (cg->mode == CG_UNIFIED)
		n = snprintf(buf, size, "%s/%s", cg->mount, cg->path);
	else
		n = snprintf(buf, size, "%s/%s/%s", cg->mount, controller, cg->path);
	if (n < 0 || (size_t)n >= size)
		return mc_fail(err, ENAMETOOLONG, "cgroup path for %s", cg->path);
	return 0;
}

int cg_file(const struct cgroup *cg, const char *controller, const char *file, char *buf,
            size_t size, struct mc_error *err)
{
	char dir[PATH_MAX];

	if (cg_dir(cg, controller, dir, sizeof(dir), err) < 0)
		return -1;
	return mc_path_join(buf, size, dir, file, err);
}

/* Write a cgroup file of the container: "<cgroup dir of controller>/<file>". */
int cg_write(const struct cgroup *cg, const char *controller, const char *file, const char *value,
             struct mc_error *err)
{
	char path[PATH_MAX];
	int rc;

	if (cg_file(cg, controller, file, path, sizeof(path), err) < 0)
		return -1;
	rc = mc_write_file(path, value, err);
	mc_trace_call(CH, rc, NULL, "write %s \"%s\"", path, value);
	return rc;
}

/* On v2, a controller can only be used by a cgroup whose parent lists it in
 * cgroup.subtree_control; do that for each ancestor, from the root down. */
static int enable_v2_controllers(const char *dir, struct mc_error *err)
{
	char path[PATH_MAX], available[512], padded[520];
	int rc;

	if (mc_path_join(path, sizeof(path), dir, "cgroup.controllers", err) < 0 ||
	    mc_read_file(path, available, sizeof(available), NULL, err) < 0)
		return -1;
	/* cgroup.controllers is "cpuset cpu io memory pids": pad it to match whole words. */
	snprintf(padded, sizeof(padded), " %.*s ", (int)strcspn(available, "\n"), available);
	if (mc_path_join(path, sizeof(path), dir, "cgroup.subtree_control", err) < 0)
		return -1;
	for (size_t i = 0; i < N_V2; i++) {
		char word[32];

		snprintf(word, sizeof(word), " %s ", v2_controllers[i]);
		if (strstr(padded, word) == NULL)
			continue; /* not offered here (on hybrid hosts v1 holds most controllers) */
		snprintf(word, sizeof(word), "+%s", v2_controllers[i]);
		rc = mc_write_file(path, word, err);
		mc_trace_call(CH, rc, NULL, "write %s \"%s\"", path, word);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* mkdir each component of `rel` under `base`; on v2 enable controllers on the way down. */
static int make_path(const char *base, const char *rel, bool v2, struct mc_error *err)
{
	char dir[PATH_MAX];
	size_t len;
	const char *p = rel;

	len = (size_t)snprintf(dir, sizeof(dir), "%s", base);
	while (*p != '\0') {
		size_t part = strcspn(p, "/");

		if (v2 && enable_v2_controllers(dir, err) < 0)
			return -1;
		if (len + 1 + part >= sizeof(dir))
			return mc_fail(err, ENAMETOOLONG, "cgroup %s/%s", base, rel);
		len += (size_t)snprintf(dir + len, sizeof(dir) - len, "/%.*s", (int)part, p);
		if (mkdir(dir, 0755) == 0)
			mc_trace_call(CH, 0, NULL, "mkdir %s", dir);
		else if (errno != EEXIST)
			return mc_fail(err, errno, "mkdir %s", dir);
		p += part;
		while (*p == '/')
			p++;
	}
	return 0;
}

static bool valid_name(const char *s)
{
	/* No "..", no empty components, nothing that could leave the hierarchy. */
	if (s == NULL || *s == '\0' || *s == '/')
		return false;
	for (const char *p = s; *p != '\0'; p++)
		if (!(*p == '/' || *p == '-' || *p == '_' || *p == '.' ||
		      (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9')))
			return false;
	return strstr(s, "..") == NULL && strstr(s, "//") == NULL && s[strlen(s) - 1] != '/';
}

int cg_create(struct cgroup *cg, const char *mount, const char *parent, const char *name,
              struct mc_error *err)
{
	memset(cg, 0, sizeof(*cg));
	if (!valid_name(parent) || !valid_name(name) || strchr(name, '/') != NULL)
		return mc_fail(err, 0, "invalid cgroup name %s/%s", parent ? parent : "",
		               name ? name : "");
	if (cg_detect_mode(mount, &cg->mode, err) < 0)
		return -1;
	snprintf(cg->mount, sizeof(cg->mount), "%s", mount);
	if ((size_t)snprintf(cg->path, sizeof(cg->path), "%s/%s", parent, name) >= sizeof(cg->path))
		return mc_fail(err, ENAMETOOLONG, "cgroup name %s/%s", parent, name);
	mc_trace(CH, "cgroup %s, %s", cg->path, cg_mode_name(cg->mode));
	/* From here on the trace writes it $CGROUP: /sys/fs/cgroup/memory/$CGROUP on v1. */
	mc_trace_abbreviate("$CGROUP", cg->path);

	if (cg->mode == CG_UNIFIED) {
		if (make_path(mount, cg->path, true, err) < 0)
			return mc_fail_context(err, "create cgroup %s", cg->path);
		return 0;
	}
	for (size_t i = 0; i < N_V1; i++) {
		char base[PATH_MAX];

		snprintf(base, sizeof(base), "%s/%s", mount, v1_controllers[i]);
		if (make_path(base, cg->path, false, err) < 0) {
			struct mc_error ignored;

			cg_destroy(cg, &ignored); /* nothing half-made is left behind */
			return mc_fail_context(err, "create cgroup %s", cg->path);
		}
	}
	return 0;
}

int cg_add_process(const struct cgroup *cg, pid_t pid, struct mc_error *err)
{
	char value[32];

	snprintf(value, sizeof(value), "%d", (int)pid);
	/* EXERCISE 02.4 place-process (2 points): Put the container's process into its cgroup
	 * Tests: test_fork_bomb_is_held test_container_sees_its_own_cgroup
	 *        test_memory_hog_is_oom_killed
	 * Needs: 02.3
	 *
	 * Write the pid (already formatted in `value`) to the file cgroup.procs
	 * of the container's cgroup: once on v2 (cg->mode == CG_UNIFIED; the
	 * controller name does not matter there, pass "pids"), and once per
	 * controller on v1, for every name in v1_controllers[] (N_V1 of them).
	 * cg_write(cg, controller, file, value, err) does one write; return -1
	 * as soon as one fails.
	 */
	/* TODO(exercise 02.4 place-process): your code here. */
	(void)cg; (void)err; return 0;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* Poll `path` until it contains `want` (a substring), for at most ~2 seconds. */
static int wait_for_content(const char *path, const char *want, struct mc_error *err)
{
	char buf[512];

	for (int i = 0; i < 200; i++) {
		if (mc_read_file(path, buf, sizeof(buf), NULL, err) < 0)
			return -1;
		if (strstr(buf, want) != NULL)
			return 0;
		sleep_ms(10);
	}
	return mc_fail(err, ETIMEDOUT, "waiting for \"%s\" in %s", want, path);
}

int cg_freeze(const struct cgroup *cg, bool frozen, struct mc_error *err)
{
	char path[PATH_MAX];

	if (cg->mode == CG_UNIFIED) {
		if (cg_write(cg, "", "cgroup.freeze", frozen ? "1" : "0", err) < 0 ||
		    cg_file(cg, "", "cgroup.events", path, sizeof(path), err) < 0)
			return -1;
		/* The write only starts freezing; cgroup.events says when it is done. */
		return wait_for_content(path, frozen ? "frozen 1" : "frozen 0", err);
	}
	if (cg_write(cg, "freezer", "freezer.state", frozen ? "FROZEN" : "THAWED", err) < 0 ||
	    cg_file(cg, "freezer", "freezer.state", path, sizeof(path), err) < 0)
		return -1;
	return wait_for_content(path, frozen ? "FROZEN" : "THAWED", err);
}

/* SIGKILL every process listed in dir/cgroup.procs; returns how many were listed. */
static int kill_listed(const char *dir)
{
	char path[PATH_MAX], line[32];
	struct mc_error ignored;
	FILE *f;
	int n = 0;

	if (mc_path_join(path, sizeof(path), dir, "cgroup.procs", &ignored) < 0)
		return 0;
	f = fopen(path, "re");
	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		kill((pid_t)strtol(line, NULL, 10), SIGKILL);
		n++;
	}
	fclose(f);
	return n;
}

/*
 * Empty a cgroup directory and remove it.  rmdir fails with EBUSY while a
 * process is still inside - a killed process needs a moment to exit - so
 * kill, wait a little, and try again.
 */
static int remove_cgroup_dir(const char *dir, struct mc_error *err)
{
	for (int attempt = 0; attempt < 500; attempt++) {
		if (rmdir(dir) == 0) {
			mc_trace_call(CH, 0, NULL, "rmdir %s", dir);
			return 0;
		}
		if (errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			return mc_fail(err, errno, "rmdir %s", dir);
		kill_listed(dir);
		sleep_ms(10);
	}
	return mc_fail(err, EBUSY, "rmdir %s (processes would not leave)", dir);
}

int cg_destroy(const struct cgroup *cg, struct mc_error *err)
{
	char dir[PATH_MAX], path[PATH_MAX];
	int rc = 0;

	if (cg->path[0] == '\0')
		return 0;
	if (cg->mode == CG_UNIFIED) {
		if (cg_dir(cg, "", dir, sizeof(dir), err) < 0)
			return -1;
		/* cgroup.kill (Linux 5.14) kills everything inside in one write. */
		if (cg_file(cg, "", "cgroup.kill", path, sizeof(path), err) < 0)
			return -1;
		if (access(path, F_OK) == 0)
			mc_write_file(path, "1", err);
		else
			kill_listed(dir);
		return remove_cgroup_dir(dir, err);
	}
	/* A v1 frozen task cannot even die: thaw first (v2's cgroup.kill needs no thaw). */
	if (cg_file(cg, "freezer", "freezer.state", path, sizeof(path), err) == 0)
		mc_write_file(path, "THAWED", err);
	for (size_t i = 0; i < N_V1; i++) {
		if (cg_dir(cg, v1_controllers[i], dir, sizeof(dir), err) < 0)
			return -1;
		kill_listed(dir);
		if (remove_cgroup_dir(dir, err) < 0)
			rc = -1; /* go on: remove what can be removed, report the failure */
	}
	return rc;
}

int cg_remove_parent(const char *mount, const char *parent, struct mc_error *err)
{
	enum cg_mode mode;
	char dir[PATH_MAX];

	if (!valid_name(parent))
		return mc_fail(err, 0, "invalid cgroup parent %s", parent);
	if (cg_detect_mode(mount, &mode, err) < 0)
		return -1;
	for (size_t i = 0; i < (mode == CG_UNIFIED ? 1 : N_V1); i++) {
		if (mode == CG_UNIFIED)
			snprintf(dir, sizeof(dir), "%s/%s", mount, parent);
		else
			snprintf(dir, sizeof(dir), "%s/%s/%s", mount, v1_controllers[i], parent);
		if (rmdir(dir) < 0 && errno != ENOENT)
			return mc_fail(err, errno, "rmdir %s", dir);
	}
	return 0;
}

/* ---------------------------------------------------------------------------
 * Inside the container (called between clone() and pivot_root()).
 */

/* Mount on the directory `fd` names (what: its name inside the container, for --trace). */
static int mount_on(const char *source, int fd, const char *fstype, unsigned long flags,
                    const char *what, const char *why, struct mc_error *err)
{
	return mc_mount_on_fd(source, fd, fstype, flags, NULL, CH, what, why, err);
}

/* One v1 controller's directory, bound read-only at /sys/fs/cgroup/<name> (tmpfd). */
static int bind_controller(int tmpfd, const struct cgroup *cg, const char *name,
                           struct mc_error *err)
{
	const unsigned long ro = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;
	char source[PATH_MAX], what[64];
	int fd, rc;

	snprintf(what, sizeof(what), "/sys/fs/cgroup/%s", name);
	if (cg_dir(cg, name, source, sizeof(source), err) < 0)
		return -1;
	if (mkdirat(tmpfd, name, 0755) < 0 && errno != EEXIST)
		return mc_fail(err, errno, "mkdir %s", what);
	fd = openat(tmpfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return mc_fail(err, errno, "open %s", what);
	/* A read-only bind mount takes two calls: MS_RDONLY is ignored on the first. */
	rc = mc_mount_on_fd(source, fd, NULL, MS_BIND, NULL, CH, what, NULL, err);
	close(fd);
	if (rc < 0)
		return -1;
	/* Open it again: the descriptor named the directory now under the mount. */
	fd = openat(tmpfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return mc_fail(err, errno, "open %s", what);
	rc = mc_mount_on_fd(NULL, fd, NULL, MS_BIND | MS_REMOUNT | ro, NULL, CH, what,
	                    "the container may read its cgroup, not change it", err);
	close(fd);
	return rc;
}

int cg_setup_inside(int rootfd, const struct cgroup *cg, bool own_namespace, struct mc_error *err)
{
	const unsigned long ro = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;
	int fd = -1, tmpfd = -1, rc;

	/*
	 * The parent already put us into the container's cgroup, so a new
	 * cgroup namespace now takes that cgroup as its root: /proc/self/cgroup
	 * shows "/" instead of the host's path.  (With clone(CLONE_NEWCGROUP)
	 * the root would have been the parent's cgroup.)  Docker keeps the
	 * host's namespace on cgroup v1 hosts, by default.
	 */
	if (own_namespace) {
		rc = unshare(CLONE_NEWCGROUP);
		mc_trace_call(CH, rc, "our cgroup is the root of what we see",
		              "unshare(CLONE_NEWCGROUP)");
		if (rc < 0)
			return mc_fail(err, errno, "unshare(CLONE_NEWCGROUP)");
	}

	/* Chapter 01 mounted /sys; its fs/cgroup is where the hierarchy goes. */
	fd = mc_open_in_root(rootfd, "/sys/fs/cgroup", O_PATH | O_DIRECTORY | O_NOFOLLOW, 0,
	                     MC_RESOLVE_AUTO, err);
	if (fd < 0)
		return -1;
	if (cg->mode == CG_UNIFIED) {
		rc = mount_on("cgroup2", fd, "cgroup2", ro, "/sys/fs/cgroup",
		              "our own cgroup, seen from our cgroup namespace", err);
		goto out;
	}
	/* v1: a tmpfs with one read-only bind mount of each controller's directory. */
	rc = mount_on("tmpfs", fd, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "/sys/fs/cgroup",
	              NULL, err);
	if (rc < 0)
		goto out;
	/* The tmpfs itself, not the directory underneath it that fd still names. */
	tmpfd = mc_open_in_root(rootfd, "/sys/fs/cgroup", O_PATH | O_DIRECTORY | O_NOFOLLOW, 0,
	                        MC_RESOLVE_AUTO, err);
	rc = tmpfd < 0 ? -1 : 0;
	for (size_t i = 0; rc == 0 && i < N_V1; i++)
		rc = bind_controller(tmpfd, cg, v1_controllers[i], err);
	if (rc == 0)
		rc = mount_on(NULL, tmpfd, NULL, MS_REMOUNT | ro, "/sys/fs/cgroup", NULL, err);
out:
	if (tmpfd >= 0)
		close(tmpfd);
	close(fd);
	return rc;
}
