/*
 * namespaces.c - chapter 01: a process with its own view of the system.
 *
 * Read this file top to bottom: the parent's side first (ns_spawn, ns_start,
 * ns_wait), then what the child does between clone() and execve(), in the
 * order it does it.  Every kernel call is reported with mc_trace_call() so
 * that `--trace` narrates the whole sequence.
 */
#define _GNU_SOURCE
#include "ns_namespaces.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mc_file.h"
#include "mc_resolve.h"
#include "mc_trace.h"

#define CH "ch01"

static const struct mc_flag_name clone_flag_names[] = {
    {CLONE_NEWPID, "CLONE_NEWPID"},
    {CLONE_NEWNS, "CLONE_NEWNS"},
    {CLONE_NEWUTS, "CLONE_NEWUTS"},
    {CLONE_NEWIPC, "CLONE_NEWIPC"},
    {CLONE_NEWNET, "CLONE_NEWNET"},
    {CLONE_NEWUSER, "CLONE_NEWUSER"},
    {CLONE_NEWCGROUP, "CLONE_NEWCGROUP"},
    {SIGCHLD, "SIGCHLD"},
    {0, NULL},
};

/* What the child sends back through the error pipe when a step fails. */
struct child_report {
	int exit_code;
	struct mc_error err;
};

/*
 * Docker's lists (moby's oci.DefaultLinuxSpec).  Masked: what tells too much
 * about the host (kcore is its memory, keys its keyrings, timer_list and
 * sched_debug its other processes) or lets a process poke hardware.
 * Read-only: what changes the host's kernel for everyone - /proc/sys holds
 * kernel.core_pattern, whose "|program" form runs a program as root on the
 * host; sysrq-trigger can reboot it.
 */
const char *const ns_masked_paths[] = {
    "/proc/asound",
    "/proc/acpi",
    "/proc/interrupts",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/proc/sched_debug",
    "/proc/scsi",
    "/sys/firmware",
    "/sys/devices/virtual/powercap",
    NULL,
};
const char *const ns_readonly_paths[] = {
    "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL,
};

void ns_config_init(struct ns_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	/*
	 * 100000 is where /etc/subuid ranges conventionally start, so these ids
	 * belong to nobody on the host: root in the container is nobody outside.
	 */
	cfg->map_uid = 100000;
	cfg->map_gid = 100000;
	cfg->map_count = 65536;
	cfg->stdio[0] = cfg->stdio[1] = cfg->stdio[2] = -1;
	cfg->console_socket = -1;
}

int ns_clone_flags(const struct ns_config *cfg)
{
	int flags;

	/* EXERCISE 01.1 clone-flags (3 points): Choose the clone flags
	 * Tests: test_pid_is_one test_host_processes_invisible test_hostname_is_private
	 *        test_only_loopback_up test_ipc_is_private
	 * Needs: 01.2
	 *
	 * Set `flags` to the CLONE_NEW* flags that give the child its own PID,
	 * mount, UTS (hostname), IPC and network namespaces, and additionally a
	 * user namespace when cfg->userns is true.  See clone(2) and
	 * namespaces(7).
	 */
	/* BEGIN SOLUTION */
	flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET;
	if (cfg->userns)
		flags |= CLONE_NEWUSER;
	/* END SOLUTION; skeleton: flags = 0; */
	if (cfg->host_network)
		flags &= ~CLONE_NEWNET;
	return flags;
}

/* ---------------------------------------------------------------------------
 * The parent's side.
 */

/*
 * The inode of our mount namespace.  "/proc/self", not "/proc/<getpid()>":
 * in the child getpid() is 1, and the /proc still mounted is the host's,
 * where 1 is the host's init.
 */
static ino_t mount_namespace_inode(void)
{
	struct stat st;

	if (stat("/proc/self/ns/mnt", &st) < 0)
		return 0;
	return st.st_ino;
}

static void child_main(const struct ns_config *cfg, int go_fd, int err_fd, ino_t host_mnt_ns)
    __attribute__((noreturn));

/*
 * clone() without a new stack: with a NULL stack the kernel gives the child a
 * copy of ours, exactly like fork(), so the child simply returns here with 0.
 * (glibc's clone() wrapper insists on a separate stack and a function.)
 */
static pid_t clone_like_fork(int flags)
{
	return (pid_t)syscall(SYS_clone, (unsigned long)flags | SIGCHLD, NULL, NULL, NULL, 0);
}

static int check_config(const struct ns_config *cfg, struct mc_error *err)
{
	struct stat st;

	if (geteuid() != 0)
		return mc_fail(err, 0,
		               "needs root: creating namespaces and mounts requires "
		               "CAP_SYS_ADMIN (run with sudo)");
	if (cfg->argv == NULL || cfg->argv[0] == NULL || cfg->argv[0][0] == '\0')
		return mc_fail(err, 0, "no command given");
	if (cfg->rootfs == NULL)
		return mc_fail(err, 0, "no root filesystem given");
	if (stat(cfg->rootfs, &st) < 0)
		return mc_fail(err, errno, "root filesystem %s", cfg->rootfs);
	if (!S_ISDIR(st.st_mode))
		return mc_fail(err, ENOTDIR, "root filesystem %s", cfg->rootfs);
	if (cfg->hostname != NULL && strlen(cfg->hostname) > 64)
		return mc_fail(err, 0, "hostname '%s' is longer than 64 characters", cfg->hostname);
	return 0;
}

int ns_write_id_maps(pid_t pid, const struct ns_config *cfg, struct mc_error *err)
{
	/* EXERCISE 01.4 id-maps (2 points): Map root in the container to an unprivileged user
	 * Tests: test_userns_maps_root
	 * Needs: 01.1 01.2
	 *
	 * The child was cloned into a new user namespace and waits until its
	 * uid and gid maps exist.  Write the line `0 UID COUNT\n` (UID is
	 * cfg->map_uid, COUNT is cfg->map_count) to `/proc/PID/uid_map`, and the
	 * same with cfg->map_gid to `/proc/PID/gid_map`
	 * (mc_write_file() in chapters/common/mc_file.h does one write(2), which is
	 * what these files require).  See user_namespaces(7), "User and group
	 * ID mappings".
	 */
	/* BEGIN SOLUTION */
	char path[64];
	char line[64];

	snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)pid);
	snprintf(line, sizeof(line), "0 %u %u\n", (unsigned)cfg->map_uid, cfg->map_count);
	if (mc_write_file(path, line, err) < 0)
		return -1;
	mc_trace(CH, "write %s: \"0 %u %u\"  -- uid 0 inside is uid %u outside", path,
	         (unsigned)cfg->map_uid, cfg->map_count, (unsigned)cfg->map_uid);
	/*
	 * An unprivileged writer must first write "deny" to /proc/PID/setgroups;
	 * we are root in the parent namespace, so the gid map may be written
	 * directly and the container keeps a working setgroups(2).
	 */
	snprintf(path, sizeof(path), "/proc/%d/gid_map", (int)pid);
	snprintf(line, sizeof(line), "0 %u %u\n", (unsigned)cfg->map_gid, cfg->map_count);
	if (mc_write_file(path, line, err) < 0)
		return -1;
	mc_trace(CH, "write %s: \"0 %u %u\"  -- gid 0 inside is gid %u outside", path,
	         (unsigned)cfg->map_gid, cfg->map_count, (unsigned)cfg->map_gid);
	return 0;
	/* END SOLUTION; skeleton: (void)pid; (void)cfg; (void)err; return 0; */
}

static void close_fds(int a, int b)
{
	if (a >= 0)
		close(a);
	if (b >= 0)
		close(b);
}

int ns_spawn(const struct ns_config *cfg, struct ns_child *child, struct mc_error *err)
{
	int go[2], report[2];
	ino_t host_mnt_ns;
	char names[256];
	int flags;

	child->pid = -1;
	child->go_fd = child->err_fd = -1;
	if (check_config(cfg, err) < 0)
		return -1;
	host_mnt_ns = mount_namespace_inode();
	/* Close-on-exec on both pipes: the command must not inherit them, and the
	 * error pipe reaching EOF is how we learn that execve() succeeded. */
	if (pipe2(go, O_CLOEXEC) < 0)
		return mc_fail(err, errno, "pipe");
	if (pipe2(report, O_CLOEXEC) < 0) {
		close_fds(go[0], go[1]);
		return mc_fail(err, errno, "pipe");
	}

	flags = ns_clone_flags(cfg);
	child->pid = clone_like_fork(flags);
	if (child->pid == 0) {
		close(go[1]);
		close(report[0]);
		child_main(cfg, go[0], report[1], host_mnt_ns);
	}
	mc_trace_call(
	    CH, child->pid, "the child is PID 1 in its new PID namespace", "clone(%s)",
	    mc_flag_names((unsigned long)flags | SIGCHLD, clone_flag_names, names, sizeof(names)));
	close_fds(go[0], report[1]);
	if (child->pid < 0) {
		close_fds(go[1], report[0]);
		return mc_fail(err, errno, "clone(%s)", names);
	}
	child->go_fd = go[1];
	child->err_fd = report[0];

	if (cfg->userns && ns_write_id_maps(child->pid, cfg, err) < 0) {
		kill(child->pid, SIGKILL);
		close_fds(child->go_fd, child->err_fd);
		waitpid(child->pid, NULL, 0);
		child->pid = -1;
		return mc_fail_context(err, "user namespace");
	}
	return 0;
}

int ns_start(struct ns_child *child, struct mc_error *err)
{
	struct child_report report;
	ssize_t n;

	/* One byte tells the child "your maps (and, later, your cgroup) are ready". */
	if (write(child->go_fd, "g", 1) != 1) {
		mc_fail(err, errno, "signal the container process");
		close_fds(child->go_fd, child->err_fd);
		child->go_fd = child->err_fd = -1;
		return -1;
	}
	close(child->go_fd);
	child->go_fd = -1;

	do
		n = read(child->err_fd, &report, sizeof(report));
	while (n < 0 && errno == EINTR);
	close(child->err_fd);
	child->err_fd = -1;
	if (n == 0)
		return 0; /* EOF: execve() succeeded and closed the pipe for us */
	if (n != (ssize_t)sizeof(report))
		return mc_fail(err, EPROTO, "read the container's setup report");
	*err = report.err;
	return -1;
}

int ns_exit_code(int wait_status)
{
	/* EXERCISE 01.5 exit-code (2 points): Turn a wait status into an exit code
	 * Tests: test_exit_code_propagates test_signal_gives_128_plus_n
	 * Needs: 01.1 01.2
	 *
	 * Return what a shell would put in $?: the exit status if the process
	 * exited (WIFEXITED/WEXITSTATUS), 128 + the signal number if a signal
	 * killed it (WIFSIGNALED/WTERMSIG), and 125 for anything else.
	 */
	/* BEGIN SOLUTION */
	if (WIFEXITED(wait_status))
		return WEXITSTATUS(wait_status);
	if (WIFSIGNALED(wait_status))
		return 128 + WTERMSIG(wait_status);
	return NS_EXIT_SETUP_FAILED;
	/* END SOLUTION; skeleton: (void)wait_status; return 0; */
}

int ns_wait(struct ns_child *child, int *exit_code, struct mc_error *err)
{
	int status;
	pid_t r;

	do
		r = waitpid(child->pid, &status, 0);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return mc_fail(err, errno, "wait for process %d", (int)child->pid);
	*exit_code = ns_exit_code(status);
	if (mc_tracing()) {
		char why[64];

		if (WIFSIGNALED(status))
			snprintf(why, sizeof(why), "killed by signal %d: exit code %d",
			         WTERMSIG(status), *exit_code);
		else
			snprintf(why, sizeof(why), "exited: exit code %d", *exit_code);
		mc_trace_call(CH, r, why, "wait4(%d)", (int)child->pid);
	}
	child->pid = -1;
	return 0;
}

void ns_abandon(struct ns_child *child)
{
	struct mc_error ignored;
	int code;

	kill(child->pid, SIGKILL);
	ns_start(child, &ignored); /* closes our ends of its pipes */
	ns_wait(child, &code, &ignored);
}

/* ---------------------------------------------------------------------------
 * The child's side, in the order it runs.  Any failure is sent to the parent
 * through the error pipe and ends the child; nothing here returns to main().
 */

static __attribute__((noreturn)) void report_and_exit(int err_fd, int exit_code,
                                                      const struct mc_error *err)
{
	struct child_report report;

	memset(&report, 0, sizeof(report));
	report.exit_code = exit_code;
	report.err = *err;
	/* The pipe holds far more than one report, so this write does not block. */
	if (write(err_fd, &report, sizeof(report)) < 0)
		_exit(exit_code);
	_exit(exit_code);
}

/*
 * The command starts with every signal at its default and none blocked:
 * an ignored signal survives execve(2), and the tool that started us may
 * ignore SIGPIPE for itself.
 */
static void reset_signals(void)
{
	sigset_t none;

	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL); /* fails harmlessly for SIGKILL, SIGSTOP and glibc's own */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

static int wait_for_parent(int go_fd, struct mc_error *err)
{
	char c;
	ssize_t n;

	do
		n = read(go_fd, &c, 1);
	while (n < 0 && errno == EINTR);
	close(go_fd);
	if (n != 1)
		return mc_fail(err, n < 0 ? errno : EPIPE, "wait for the parent");
	return 0;
}

static int become_root_in_userns(struct mc_error *err)
{
	/*
	 * Right after clone() our ids are unmapped (we show up as 65534).  Now
	 * that the parent wrote the maps, switch to uid/gid 0 inside, which is
	 * map_uid/map_gid outside.  Group first: after setresuid() we would no
	 * longer be allowed to change it.
	 */
	if (setresgid(0, 0, 0) < 0)
		return mc_fail(err, errno, "setresgid(0) in the user namespace");
	if (setresuid(0, 0, 0) < 0)
		return mc_fail(err, errno, "setresuid(0) in the user namespace");
	mc_trace(CH, "setresgid(0, 0, 0), setresuid(0, 0, 0)  -- root inside the user namespace");
	return 0;
}

static int redirect_stdio(const struct ns_config *cfg, struct mc_error *err)
{
	for (int i = 0; i < 3; i++) {
		if (cfg->stdio[i] < 0 || cfg->stdio[i] == i)
			continue;
		if (dup2(cfg->stdio[i], i) < 0)
			return mc_fail(err, errno, "dup2(%d, %d)", cfg->stdio[i], i);
	}
	return 0;
}

/*
 * A safety net, not a feature: if clone() did not give us a new mount
 * namespace (an unfinished exercise 01.1), everything below would change the
 * host's own mounts.  Refuse instead.
 */
static int check_new_mount_namespace(ino_t host_mnt_ns, struct mc_error *err)
{
	if (host_mnt_ns != 0 && mount_namespace_inode() == host_mnt_ns)
		return mc_fail(err, 0,
		               "refusing to continue: the child shares the host's mount "
		               "namespace (is CLONE_NEWNS in the clone flags?)");
	return 0;
}

static int do_mount(const char *source, const char *target, const char *fstype, unsigned long flags,
                    const char *data, const char *why, struct mc_error *err)
{
	char names[256];
	int rc;

	rc = mount(source, target, fstype, flags, data);
	mc_trace_call(CH, rc, why, "mount(%s%s%s, \"%s\", %s%s%s, %s, %s%s%s)", source ? "\"" : "",
	              source ? source : "NULL", source ? "\"" : "", target, fstype ? "\"" : "",
	              fstype ? fstype : "NULL", fstype ? "\"" : "",
	              mc_flag_names(flags, mc_mount_flags, names, sizeof(names)), data ? "\"" : "",
	              data ? data : "NULL", data ? "\"" : "");
	if (rc < 0)
		return mc_fail(err, errno, "mount %s on %s", source ? source : fstype, target);
	return 0;
}

static int make_mounts_private(struct mc_error *err)
{
	/*
	 * On systemd hosts / is a shared mount (mount_namespaces(7)): a mount
	 * we make would propagate back to the host, and pivot_root(2) fails
	 * with EINVAL while the new root's parent is shared.  MS_PRIVATE turns
	 * propagation off for every mount we just got a copy of.
	 */
	return do_mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL,
	                "mount events no longer travel between host and container", err);
}

static int bind_rootfs(const char *rootfs, struct mc_error *err)
{
	/* pivot_root(2) needs the new root to be a mount point; a bind mount onto
	 * itself makes any directory one. */
	return do_mount(rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL,
	                "the root filesystem is now a mount point", err);
}

/*
 * From here on every path inside the root comes from the image, and an image
 * can make /proc a symlink to /etc, or /dev one to "../../..".  So nothing is
 * joined onto the rootfs as a string: each place is opened inside the root
 * with the root as "/" (chapters/common/resolve.c), and we mount onto the
 * descriptor.  The three system directories must moreover be real
 * directories, as runc requires: a symlink there is refused, not followed.
 */
static int open_system_dir(int rootfd, const char *name, mode_t mode, struct mc_error *err)
{
	struct stat st;
	int fd;

	if (fstatat(rootfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno != ENOENT)
			return mc_fail(err, errno, "stat /%s", name);
		if (mkdirat(rootfd, name, mode) < 0 && errno != EEXIST)
			return mc_fail(err, errno, "mkdir /%s", name);
	} else if (!S_ISDIR(st.st_mode)) {
		return mc_fail(err, ENOTDIR, "the image's /%s is not a directory (%s)", name,
		               S_ISLNK(st.st_mode) ? "a symlink" : "a file");
	}
	fd = openat(rootfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return mc_fail(err, errno, "open /%s", name);
	return fd;
}

/* Mount a filesystem on the system directory `name` of the root (proc, sys). */
static int mount_system_dir(int rootfd, const char *name, const char *fstype, unsigned long flags,
                            const char *why, struct mc_error *err)
{
	char what[16];
	int fd, rc;

	fd = open_system_dir(rootfd, name, 0555, err);
	if (fd < 0)
		return -1;
	snprintf(what, sizeof(what), "/%s", name);
	rc = mc_mount_on_fd(fstype, fd, fstype, flags, NULL, CH, what, why, err);
	close(fd);
	return rc;
}

static int mount_proc(int rootfd, struct mc_error *err)
{
	/*
	 * A proc filesystem shows the PID namespace of the process that mounts
	 * it.  The host's /proc would still list every host process, so the
	 * container gets a fresh one.
	 */
	return mount_system_dir(rootfd, "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
	                        "ps inside sees only the container's processes", err);
}

static int mount_sys(int rootfd, bool read_write, struct mc_error *err)
{
	/* sysfs shows the devices of the host; read-only, as in Docker, so that
	 * none of its knobs can be turned from inside. */
	return mount_system_dir(
	    rootfd, "sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC | (read_write ? 0 : MS_RDONLY),
	    read_write ? "--privileged: /sys read-write" : "a read-only /sys", err);
}

/*
 * Hide one path of /proc or /sys: a directory under an empty read-only
 * tmpfs, a file under /dev/null.  A path this kernel does not have needs no
 * hiding.
 */
static int mask_path(int rootfd, const char *path, struct mc_error *err)
{
	struct stat st;
	int fd, rc;

	fd = mc_open_in_root(rootfd, path, O_PATH | O_NOFOLLOW, 0, MC_RESOLVE_AUTO, err);
	if (fd < 0)
		return err->errnum == ENOENT ? 0 : -1;
	rc = 1;
	if (fstat(fd, &st) < 0)
		rc = mc_fail(err, errno, "stat %s", path);
	else if (S_ISDIR(st.st_mode))
		rc = mc_mount_on_fd("tmpfs", fd, "tmpfs",
		                    MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, CH, path,
		                    NULL, err);
	else
		rc = mc_mount_on_fd("/dev/null", fd, NULL, MS_BIND, NULL, CH, path, NULL, err);
	close(fd);
	return rc;
}

/* Make one path read-only: bind it onto itself, then remount the bind read-only. */
static int make_read_only(int rootfd, const char *path, struct mc_error *err)
{
	int fd, rc;

	fd = mc_open_in_root(rootfd, path, O_PATH | O_NOFOLLOW, 0, MC_RESOLVE_AUTO, err);
	if (fd < 0)
		return err->errnum == ENOENT ? 0 : -1;
	rc = mc_mount_on_fd(NULL, fd, NULL, MS_BIND | MS_REC, NULL, CH, path, NULL, err);
	close(fd);
	if (rc < 0)
		return -1;
	/* Open it again: the descriptor we had names what is now underneath the new mount. */
	fd = mc_open_in_root(rootfd, path, O_PATH | O_NOFOLLOW, 0, MC_RESOLVE_AUTO, err);
	if (fd < 0)
		return -1;
	rc = mc_mount_on_fd(NULL, fd, NULL,
	                    MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
	                    NULL, CH, path, NULL, err);
	close(fd);
	return rc < 0 ? -1 : 1;
}

static int hide_system_paths(int rootfd, const struct ns_config *cfg, struct mc_error *err)
{
	const char *const *masked = cfg->masked_paths ? cfg->masked_paths : ns_masked_paths;
	const char *const *readonly = cfg->readonly_paths ? cfg->readonly_paths : ns_readonly_paths;
	int n, nmasked = 0, nreadonly = 0;

	/* Each returns 1 when it hid the path, 0 when this kernel has no such path. */
	for (; *masked != NULL; masked++, nmasked += n)
		if ((n = mask_path(rootfd, *masked, err)) < 0)
			return -1;
	for (; *readonly != NULL; readonly++, nreadonly += n)
		if ((n = make_read_only(rootfd, *readonly, err)) < 0)
			return -1;
	if (nmasked + nreadonly > 0)
		mc_trace(CH, "%d paths of /proc and /sys masked, %d read-only", nmasked, nreadonly);
	return 0;
}

static int bind_device(int devfd, const char *name, struct mc_error *err)
{
	char host[64], what[64];
	int fd, rc;

	snprintf(host, sizeof(host), "/dev/%s", name);
	snprintf(what, sizeof(what), "/dev/%s", name);
	/* A bind mount needs something to cover: an empty regular file will do. */
	fd = openat(devfd, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0666);
	if (fd < 0)
		return mc_fail(err, errno, "create %s", what);
	close(fd);
	fd = openat(devfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return mc_fail(err, errno, "open %s", what);
	rc = mc_mount_on_fd(host, fd, NULL, MS_BIND, NULL, CH, what, NULL, err);
	close(fd);
	return rc;
}

static int populate_dev(int devfd, struct mc_error *err)
{
	/* EXERCISE 01.3 dev-nodes (2 points): Give the container its device nodes
	 * Tests: test_dev_has_the_basic_nodes
	 * Needs: 01.1 01.2
	 *
	 * devfd is the container's /dev, an empty tmpfs.  Make /dev/null, zero,
	 * full, random, urandom and tty work inside the container by
	 * bind-mounting the host's nodes onto it: call bind_device(devfd, NAME,
	 * err) for each of the six names and return -1 as soon as one fails.
	 * (mknod(2) would work for root on the host, but not inside a user
	 * namespace; a bind mount works in both.)
	 */
	/* BEGIN SOLUTION */
	static const char *const nodes[] = {"null", "zero", "full", "random", "urandom", "tty"};

	for (size_t i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++)
		if (bind_device(devfd, nodes[i], err) < 0)
			return -1;
	mc_trace(CH, "bind-mounted /dev/{null,zero,full,random,urandom,tty} from the host");
	return 0;
	/* END SOLUTION; skeleton: (void)devfd; (void)err; (void)bind_device; return 0; */
}

static int dev_symlink(int devfd, const char *target, const char *name, struct mc_error *err)
{
	if (symlinkat(target, devfd, name) < 0)
		return mc_fail(err, errno, "symlink /dev/%s -> %s", name, target);
	return 0;
}

/* A directory of /dev with a filesystem on it: pts, shm, mqueue (source: mountinfo's name). */
static int dev_mount(int devfd, const char *name, mode_t mode, const char *source,
                     const char *fstype, unsigned long flags, const char *data, const char *why,
                     struct mc_error *err)
{
	char what[32];
	int fd, rc;

	snprintf(what, sizeof(what), "/dev/%s", name);
	if (mkdirat(devfd, name, mode) < 0)
		return mc_fail(err, errno, "mkdir %s", what);
	fd = openat(devfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return mc_fail(err, errno, "open %s", what);
	rc = mc_mount_on_fd(source, fd, fstype, flags, data, CH, what, why, err);
	close(fd);
	return rc;
}

static int make_dev(int rootfd, struct mc_error *err)
{
	int dirfd, devfd = -1, rc = -1;
	struct stat st;

	dirfd = open_system_dir(rootfd, "dev", 0755, err);
	if (dirfd < 0)
		return -1;
	/* A private tmpfs, so that nothing the host has in /dev shows through. */
	if (mc_mount_on_fd("tmpfs", dirfd, "tmpfs", MS_NOSUID | MS_STRICTATIME,
	                   "mode=755,size=65536k", CH, "/dev", "an empty /dev of our own", err) < 0)
		goto out;
	/* The descriptor names the directory under the tmpfs: open the tmpfs itself. */
	devfd = openat(rootfd, "dev", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (devfd < 0) {
		mc_fail(err, errno, "open /dev");
		goto out;
	}
	if (populate_dev(devfd, err) < 0)
		goto out;
	/* newinstance: a devpts of our own, so the container cannot reach the
	 * host's terminals (devpts(5)); ptmx then points into it.  Its
	 * terminals belong to group 5, "tty", as Docker's do. */
	if (dev_mount(devfd, "pts", 0755, "devpts", "devpts", MS_NOSUID | MS_NOEXEC,
	              "newinstance,ptmxmode=0666,mode=0620,gid=5", "private pseudo-terminals",
	              err) < 0 ||
	    dev_symlink(devfd, "pts/ptmx", "ptmx", err) < 0)
		goto out;
	/* POSIX shared memory (shm_open) and message queues (mq_open) live here;
	 * the queues this mqueue shows are those of the container's IPC namespace. */
	if (dev_mount(devfd, "shm", 01777, "shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
	              "mode=1777,size=65536k", NULL, err) < 0 ||
	    dev_mount(devfd, "mqueue", 01777, "mqueue", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC,
	              NULL, NULL, err) < 0)
		goto out;
	/* The conventional links into /proc/self/fd; core only where the kernel has a
	 * /proc/kcore (CONFIG_PROC_KCORE), as runc does. */
	if (dev_symlink(devfd, "/proc/self/fd", "fd", err) < 0 ||
	    dev_symlink(devfd, "/proc/self/fd/0", "stdin", err) < 0 ||
	    dev_symlink(devfd, "/proc/self/fd/1", "stdout", err) < 0 ||
	    dev_symlink(devfd, "/proc/self/fd/2", "stderr", err) < 0 ||
	    (fstatat(rootfd, "proc/kcore", &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	     dev_symlink(devfd, "/proc/kcore", "core", err) < 0))
		goto out;
	mc_trace(CH, "created /dev/{ptmx,fd,stdin,stdout,stderr%s} symlinks",
	         fstatat(devfd, "core", &st, AT_SYMLINK_NOFOLLOW) == 0 ? ",core" : "");
	rc = 0;
out:
	if (devfd >= 0)
		close(devfd);
	close(dirfd);
	return rc;
}

static int set_hostname(const char *hostname, struct mc_error *err)
{
	int rc;

	if (hostname == NULL)
		return 0;
	rc = sethostname(hostname, strlen(hostname));
	mc_trace_call(CH, rc, "only this UTS namespace sees the new name", "sethostname(\"%s\")",
	              hostname);
	if (rc < 0)
		return mc_fail(err, errno, "sethostname %s", hostname);
	return 0;
}

static int bring_up_loopback(struct mc_error *err)
{
	struct ifreq ifr;
	int fd, rc;

	/*
	 * A new network namespace has one interface, lo, and it is down.  The
	 * classic ioctl interface is enough to switch it on; chapter 05 uses
	 * rtnetlink for everything else.
	 */
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return mc_fail(err, errno, "socket");
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) {
		close(fd);
		return mc_fail(err, errno, "read the flags of lo");
	}
	ifr.ifr_flags |= IFF_UP;
	rc = ioctl(fd, SIOCSIFFLAGS, &ifr);
	mc_trace_call(CH, rc, "127.0.0.1 works inside", "ioctl(SIOCSIFFLAGS, \"lo\", IFF_UP)");
	close(fd);
	if (rc < 0)
		return mc_fail(err, errno, "bring up lo");
	return 0;
}

static int enter_rootfs(const char *rootfs, struct mc_error *err)
{
	/* EXERCISE 01.2 pivot-root (3 points): Make the root filesystem the container's /
	 * Tests: test_root_is_the_rootfs test_old_root_is_gone test_chroot_breakout_fails
	 * Needs: 01.1
	 *
	 * chdir() into rootfs, then call pivot_root(".", ".") (there is no glibc
	 * wrapper: use syscall(SYS_pivot_root, ".", ".")).  That stacks the old
	 * root on top of the new one; detach it with umount2(".", MNT_DETACH)
	 * so that no path leads back to the host, and finally chdir("/").
	 * Report each failure with mc_fail(err, errno, "...").  pivot_root(2)
	 * explains why "." twice is allowed.
	 */
	/* BEGIN SOLUTION */
	int rc;

	if (chdir(rootfs) < 0)
		return mc_fail(err, errno, "chdir %s", rootfs);
	/*
	 * pivot_root(".", "."): the man page documents this form; the old root
	 * ends up mounted on top of the new one, at the same place, which saves
	 * us a directory to put it in.
	 */
	rc = (int)syscall(SYS_pivot_root, ".", ".");
	mc_trace_call(CH, rc, "the root filesystem is now /", "pivot_root(\".\", \".\")");
	if (rc < 0)
		return mc_fail(err, errno, "pivot_root into %s", rootfs);
	/* MNT_DETACH: the host's tree is still busy (we hold references to it),
	 * so detach it lazily; it disappears once nothing uses it. */
	rc = umount2(".", MNT_DETACH);
	mc_trace_call(CH, rc, "the host's root is unreachable", "umount2(\".\", MNT_DETACH)");
	if (rc < 0)
		return mc_fail(err, errno, "detach the old root");
	if (chdir("/") < 0)
		return mc_fail(err, errno, "chdir /");
	return 0;
	/* END SOLUTION; skeleton: (void)rootfs; (void)err; return 0; */
}

static const char *env_path(char *const *envp)
{
	for (; envp != NULL && *envp != NULL; envp++)
		if (strncmp(*envp, "PATH=", 5) == 0)
			return *envp + 5;
	/* Docker's default when the image sets none. */
	return "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
}

int ns_find_command(const char *cmd, char *const *envp, char *out, size_t size)
{
	const char *dir = env_path(envp);
	int found_but_not_executable = 0;

	/* A name with a slash is a path: it is used as it is. */
	if (strchr(cmd, '/') != NULL) {
		if (snprintf(out, size, "%s", cmd) >= (int)size)
			return -ENAMETOOLONG;
		return 0;
	}
	/*
	 * execvp() would search the PATH of *our* environment; the container's
	 * command must be found in the PATH of *its* environment.
	 */
	while (*dir != '\0') {
		size_t len = strcspn(dir, ":");
		struct stat st;

		if (snprintf(out, size, "%.*s/%s", (int)(len ? len : 1), len ? dir : ".", cmd) <
		        (int)size &&
		    stat(out, &st) == 0 && S_ISREG(st.st_mode)) {
			if (access(out, X_OK) == 0)
				return 0;
			found_but_not_executable = 1;
		}
		dir += len;
		if (*dir == ':')
			dir++;
	}
	return found_but_not_executable ? -EACCES : -ENOENT;
}

static __attribute__((noreturn)) void exec_command(const struct ns_config *cfg, int err_fd)
{
	static char *const empty_env[] = {NULL};
	char *const *envp = cfg->envp != NULL ? cfg->envp : empty_env;
	struct mc_error err;
	char path[PATH_MAX];
	int rc;

	rc = ns_find_command(cfg->argv[0], envp, path, sizeof(path));
	if (rc == 0) {
		mc_trace(CH, "execve(\"%s\", ...)  -- the command replaces us as PID 1", path);
		execve(path, cfg->argv, envp);
		rc = -errno;
	}
	mc_fail(&err, -rc, "exec %s", cfg->argv[0]);
	/* Docker's convention: 127 when the command is not there, 126 when it is
	 * there but cannot be run (permissions, not an executable format ...). */
	report_and_exit(err_fd, rc == -ENOENT ? NS_EXIT_NOT_FOUND : NS_EXIT_CANNOT_EXEC, &err);
}

/*
 * For an interactive container (-t): a session of its own, with the pty on
 * stdin as its controlling terminal, so that Ctrl-C reaches the shell as
 * SIGINT and job control works.
 */
static int take_terminal(struct mc_error *err)
{
	if (setsid() < 0)
		return mc_fail(err, errno, "setsid");
	if (ioctl(STDIN_FILENO, TIOCSCTTY, 0) < 0)
		return mc_fail(err, errno, "make stdin the controlling terminal");
	return 0;
}

/*
 * The tiny init of --init.  As PID 1 the command would get no default signal
 * handling (SIGTERM is ignored unless it installs a handler) and would
 * inherit every orphan of the container.  So PID 1 becomes this loop: start
 * the command as PID 2, pass on every signal we get, reap every child, and
 * exit with the command's status - which ends the PID namespace and kills
 * whatever is left.
 */
static __attribute__((noreturn)) void run_init(const struct ns_config *cfg, int err_fd)
{
	sigset_t all, old;
	pid_t command;

	/* Blocked before fork, so no signal is lost; the command unblocks them. */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	command = fork();
	if (command == 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		exec_command(cfg, err_fd);
	}
	if (command < 0) {
		struct mc_error err;

		mc_fail(&err, errno, "fork the command under --init");
		report_and_exit(err_fd, NS_EXIT_SETUP_FAILED, &err);
	}
	/* The parent learns of the exec through the command's copy of the pipe alone. */
	close(err_fd);
	/*
	 * This process is a copy of the host's minicontainer binary, running
	 * inside the container.  Not dumpable: the container's processes cannot
	 * ptrace it or open its /proc/1/exe (the lesson of runc's CVE-2019-5736).
	 */
	prctl(PR_SET_DUMPABLE, 0);
	/* Run from a sealed memfd copy, it would be called "memfd:minicont..." in ps. */
	prctl(PR_SET_NAME, "minicontainer");
	mc_trace(CH, "init: PID 1 forwards signals to the command (PID %d) and reaps orphans",
	         (int)command);
	for (;;) {
		int sig = sigwaitinfo(&all, NULL), status;
		pid_t pid;

		if (sig != SIGCHLD) {
			if (sig > 0)
				kill(command, sig);
			continue;
		}
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
			if (pid == command)
				_exit(ns_exit_code(status));
	}
}

/* Send a descriptor over a unix socket: the only way to hand one to another process. */
static int send_fd(int sock, int fd, struct mc_error *err)
{
	char data = 't', control[CMSG_SPACE(sizeof(int))] = {0};
	struct iovec iov = {&data, 1};
	struct msghdr msg = {0};
	struct cmsghdr *cmsg;

	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = control;
	msg.msg_controllen = sizeof(control);
	cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	if (sendmsg(sock, &msg, 0) < 0)
		return mc_fail(err, errno, "send the terminal to the parent");
	return 0;
}

/*
 * The container's terminal, made inside it: /dev/ptmx here is the
 * container's own devpts instance (chapter 01's newinstance), so the slave is
 * /dev/pts/0 *in the container* and `tty` can name it.  (A pty opened on the
 * host would work, but its name would mean nothing inside.)  The master goes
 * to the parent, which relays it to the user's terminal.
 */
int ns_take_console(int sock, unsigned short rows, unsigned short cols, struct mc_error *err)
{
	char name[64];
	int master, slave;

	master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		return mc_fail(err, errno, "open /dev/ptmx");
	if (grantpt(master) < 0 || unlockpt(master) < 0 ||
	    ptsname_r(master, name, sizeof(name)) != 0) {
		close(master);
		return mc_fail(err, errno, "set up the terminal");
	}
	slave = open(name, O_RDWR | O_NOCTTY);
	if (slave < 0) {
		close(master);
		return mc_fail(err, errno, "open %s", name);
	}
	/* The size the user's terminal has now, before the command can ask for it
	 * (later changes come from the parent, through the master). */
	if (rows > 0 && cols > 0) {
		struct winsize ws = {.ws_row = rows, .ws_col = cols};

		ioctl(slave, TIOCSWINSZ, &ws);
	}
	mc_trace(CH, "opened %s in the container's devpts; the master goes to the parent", name);
	if (setsid() < 0 || ioctl(slave, TIOCSCTTY, 0) < 0 || dup2(slave, STDIN_FILENO) < 0 ||
	    dup2(slave, STDOUT_FILENO) < 0 || dup2(slave, STDERR_FILENO) < 0) {
		close(master);
		return mc_fail(err, errno, "make %s the controlling terminal", name);
	}
	if (slave > STDERR_FILENO)
		close(slave);
	if (send_fd(sock, master, err) < 0) {
		close(master);
		return -1;
	}
	close(master);
	close(sock);
	return 0;
}

/*
 * With a terminal, /dev/console is that terminal, bind-mounted over an empty
 * file, as runc's mountConsole() does: programs that write to the console
 * reach the user.  (We are inside the new root; /dev is our own tmpfs.)
 */
static int mount_console(struct mc_error *err)
{
	char name[64];
	int fd, rc;

	if (ttyname_r(STDIN_FILENO, name, sizeof(name)) != 0)
		return mc_fail(err, errno, "the terminal's name");
	fd = open("/dev/console", O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0666);
	if (fd < 0 || fchmod(fd, 0666) < 0)
		rc = mc_fail(err, errno, "create /dev/console");
	else
		rc = 0;
	if (fd >= 0)
		close(fd);
	fd = rc == 0 ? open("/dev/console", O_PATH | O_NOFOLLOW | O_CLOEXEC) : -1;
	if (rc == 0 && fd < 0)
		rc = mc_fail(err, errno, "open /dev/console");
	if (rc == 0)
		rc = mc_mount_on_fd(name, fd, NULL, MS_BIND, NULL, CH, "/dev/console",
		                    "the console is the container's terminal", err);
	if (fd >= 0)
		close(fd);
	return rc;
}

/*
 * Docker creates a missing working directory rather than failing.  The path
 * is the image's or the user's: resolved inside the new root (a symlink or a
 * /proc/self/fd/N link cannot lead out), entered by descriptor, then checked:
 * getcwd(3) fails for a directory that is not under our root.
 */
int ns_enter_workdir(const char *workdir, bool create, struct mc_error *err)
{
	char cwd[PATH_MAX];
	int rootfd, fd, rc;

	if (workdir == NULL)
		return 0;
	rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return mc_fail(err, errno, "open /");
	if (create)
		fd = mc_open_or_make_in_root(rootfd, workdir, true, err);
	else
		fd =
		    mc_open_in_root(rootfd, workdir, O_PATH | O_DIRECTORY, 0, MC_RESOLVE_AUTO, err);
	close(rootfd);
	if (fd < 0)
		return mc_fail_context(err, "working directory %s", workdir);
	rc = fchdir(fd);
	close(fd);
	if (rc < 0)
		return mc_fail(err, errno, "working directory %s", workdir);
	if (getcwd(cwd, sizeof(cwd)) == NULL || cwd[0] != '/')
		return mc_fail(err, EPERM, "working directory %s is outside the container",
		               workdir);
	return 0;
}

/*
 * Close every descriptor the child inherited except the ones it needs: the
 * error pipe, the console socket, the trace, and those passed on purpose.
 * A runtime that leaves one open - the caller's, or one of its own - hands
 * the container a way out: runc's CVE-2024-21626 was a leaked descriptor of
 * the host's /sys/fs/cgroup, reachable as /proc/self/fd/N from inside.
 */
int ns_close_fds(int fd1, int fd2, const int *pass, size_t npass, struct mc_error *err)
{
	int keep[NS_MAX_KEEP_FDS + 4];
	size_t n = 0;

	if (npass > NS_MAX_KEEP_FDS)
		return mc_fail(err, E2BIG, "more than %d descriptors to pass", NS_MAX_KEEP_FDS);
	if (fd1 >= 0)
		keep[n++] = fd1;
	if (fd2 >= 0)
		keep[n++] = fd2;
	if (mc_trace_fd() >= 0)
		keep[n++] = mc_trace_fd();
	if (mc_trace_step_fd() >= 0)
		keep[n++] = mc_trace_step_fd();
	for (size_t i = 0; i < npass; i++)
		keep[n++] = pass[i];
	if (mc_close_fds_except(keep, n, err) < 0)
		return -1;
	/* Those passed on purpose must survive execve(2). */
	for (size_t i = 0; i < npass; i++)
		if (fcntl(pass[i], F_SETFD, 0) < 0)
			return mc_fail(err, errno, "pass descriptor %d", pass[i]);
	return 0;
}

/* Everything between clone() and execve(), step by step. */
static int setup_container(struct ns_container *c, int go_fd, int err_fd, ino_t host_mnt_ns,
                           struct mc_error *err)
{
	const struct ns_config *cfg = c->cfg;

	if (wait_for_parent(go_fd, err) < 0)
		return -1;
	if (redirect_stdio(cfg, err) < 0)
		return -1;
	if (ns_close_fds(err_fd, cfg->console_socket, cfg->pass_fds, cfg->npass_fds, err) < 0)
		return -1;
	if (cfg->tty && take_terminal(err) < 0)
		return -1;
	if (cfg->userns && become_root_in_userns(err) < 0)
		return -1;
	if (check_new_mount_namespace(host_mnt_ns, err) < 0)
		return -1;
	if (make_mounts_private(err) < 0)
		return -1;
	if (bind_rootfs(cfg->rootfs, err) < 0)
		return -1;
	c->rootfd = open(cfg->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (c->rootfd < 0)
		return mc_fail(err, errno, "open %s", cfg->rootfs);
	if (mount_proc(c->rootfd, err) < 0)
		return -1;
	if (make_dev(c->rootfd, err) < 0)
		return -1;
	if (ns_make_devices(c->rootfd, cfg, err) < 0)
		return -1;
	if (mount_sys(c->rootfd, cfg->sysfs_rw, err) < 0)
		return -1;
	if (hide_system_paths(c->rootfd, cfg, err) < 0)
		return -1;
	if (ns_run_hooks(c, NS_BEFORE_PIVOT, err) < 0)
		return -1;
	close(c->rootfd);
	c->rootfd = -1;
	if (set_hostname(cfg->hostname, err) < 0)
		return -1;
	if (!cfg->host_network && bring_up_loopback(err) < 0)
		return -1;
	if (enter_rootfs(cfg->rootfs, err) < 0)
		return -1;
	if (ns_enter_workdir(cfg->workdir, true, err) < 0)
		return -1;
	if (cfg->console_socket >= 0 &&
	    (ns_take_console(cfg->console_socket, cfg->console_rows, cfg->console_cols, err) < 0 ||
	     mount_console(err) < 0))
		return -1;
	return ns_run_hooks(c, NS_BEFORE_EXEC, err);
}

static void child_main(const struct ns_config *cfg, int go_fd, int err_fd, ino_t host_mnt_ns)
{
	/* Our own copy of the configuration (clone copied the memory): hooks may write to it. */
	struct ns_container c = {.cfg = (struct ns_config *)cfg, .pid = 1, .rootfd = -1};
	struct mc_error err;

	mc_error_clear(&err);
	reset_signals();
	/* If the parent dies, so do we: a half-made container is not left behind. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (setup_container(&c, go_fd, err_fd, host_mnt_ns, &err) < 0)
		report_and_exit(err_fd, NS_EXIT_SETUP_FAILED, &err);
	if (cfg->init)
		run_init(cfg, err_fd);
	exec_command(cfg, err_fd);
}
