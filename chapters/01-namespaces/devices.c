/*
 * devices.c - chapter 01: device nodes beyond the standard set of /dev.
 *
 * make_dev() (namespaces.c) gives every container the same few nodes: null,
 * zero, full, random, urandom, tty, and a devpts of its own.  Two things add
 * more, both made here in the child, after /dev is mounted and before
 * pivot_root():
 *
 *	--device HOST[:CTR]   one node, with the major and minor of the host's
 *	--privileged          a copy of every node in the host's /dev
 *
 * A node is only a name for a driver: whoever can open it talks to the
 * driver, whatever the container's namespaces.  So making one is not the
 * same as allowing it to be opened - chapter 02's device policy decides
 * that, in the container's cgroup.
 */
#define _GNU_SOURCE
#include "ns_namespaces.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "mc_resolve.h"
#include "mc_trace.h"

#define CH "ch01"

/* How deep --privileged looks into the host's /dev (/dev/dri/by-path/... is 3). */
#define MAX_DEPTH 4

/*
 * Inside a user namespace mknod(2) is refused (EPERM) whatever our
 * capabilities: a namespace's root must not mint device numbers.  The host's
 * node can still be bind-mounted, as runc does; a bind mount needs a file
 * to cover.
 */
static int bind_host_node(int dirfd, const char *name, const struct ns_device *d,
                          struct mc_error *err)
{
	int fd, rc;

	fd = openat(dirfd, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return mc_fail(err, errno, "create %s", d->path);
	close(fd);
	fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return mc_fail(err, errno, "open %s", d->path);
	rc = mc_mount_on_fd(d->host_path, fd, NULL, MS_BIND, NULL, CH, d->path,
	                    "mknod is not allowed in a user namespace", err);
	close(fd);
	return rc;
}

/* Make one node at d->path, resolved inside the root; one that exists is kept, as runc does. */
static int make_node(int rootfd, const struct ns_device *d, bool trace, struct mc_error *err)
{
	const char *name;
	int dirfd, rc;

	dirfd = mc_open_parent_in_root(rootfd, d->path, &name, true, MC_RESOLVE_AUTO, err);
	if (dirfd < 0)
		return mc_fail_context(err, "device %s", d->path);
	rc = mknodat(dirfd, name, d->mode, d->rdev);
	if (trace)
		mc_trace_call(CH, rc, NULL, "mknod(\"%s\", %s, %u:%u)", d->path,
		              S_ISBLK(d->mode) ? "S_IFBLK" : "S_IFCHR", major(d->rdev),
		              minor(d->rdev));
	if (rc == 0) {
		/* mknod's mode passed through our umask; the owner is root. Make both the host's. */
		if (fchmodat(dirfd, name, d->mode & 07777, 0) < 0 ||
		    fchownat(dirfd, name, d->uid, d->gid, AT_SYMLINK_NOFOLLOW) < 0)
			rc = mc_fail(err, errno, "set the mode of %s", d->path);
	} else if (errno == EEXIST) {
		rc = 0;
	} else if (errno == EPERM && d->host_path[0] != '\0') {
		rc = bind_host_node(dirfd, name, d, err);
	} else {
		rc = mc_fail(err, errno, "mknod %s", d->path);
	}
	close(dirfd);
	return rc;
}

/*
 * What containerd's HostDevices() leaves out of a privileged container:
 * the directories that hold mounts of their own, which make_dev() provides,
 * and the host's console.
 */
static bool skipped(const char *name, bool is_dir)
{
	static const char *const dirs[] = {"pts", ".lxc",   ".lxd-mounts", ".udev",
	                                   "shm", "mqueue", "fd"};

	if (!is_dir)
		return strcmp(name, "console") == 0;
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (strcmp(name, dirs[i]) == 0)
			return true;
	return false;
}

/* Copy every char and block node under the host's `dir` into the same place inside. */
static int copy_host_nodes(int rootfd, const char *dir, int depth, size_t *made,
                           struct mc_error *err)
{
	struct dirent *e;
	int rc = 0;
	DIR *d;

	d = opendir(dir);
	if (d == NULL)
		return mc_fail(err, errno, "open the host's %s", dir);
	while (rc == 0 && (e = readdir(d)) != NULL) {
		struct ns_device node = {0};
		struct stat st;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if ((size_t)snprintf(node.path, sizeof(node.path), "%s/%s", dir, e->d_name) >=
		        sizeof(node.path) ||
		    fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    skipped(e->d_name, S_ISDIR(st.st_mode)))
			continue; /* gone meanwhile, a name too long to copy, or one we leave out */
		if (S_ISDIR(st.st_mode) && depth < MAX_DEPTH) {
			rc = copy_host_nodes(rootfd, node.path, depth + 1, made, err);
			continue;
		}
		if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
			continue;
		memcpy(node.host_path, node.path, sizeof(node.path));
		node.mode = st.st_mode;
		node.rdev = st.st_rdev;
		node.uid = st.st_uid;
		node.gid = st.st_gid;
		rc = make_node(rootfd, &node, false, err);
		(*made)++;
	}
	closedir(d);
	return rc;
}

int ns_make_devices(int rootfd, const struct ns_config *cfg, struct mc_error *err)
{
	size_t made = 0;

	for (size_t i = 0; i < cfg->ndevices; i++)
		if (make_node(rootfd, &cfg->devices[i], true, err) < 0)
			return -1;
	if (!cfg->host_devices)
		return 0;
	/* Before pivot_root, "/dev" is still the host's. */
	if (copy_host_nodes(rootfd, "/dev", 1, &made, err) < 0)
		return -1;
	mc_trace(CH, "--privileged: %zu device nodes of the host's /dev made in the container's",
	         made);
	return 0;
}
