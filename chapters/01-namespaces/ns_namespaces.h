/*
 * ns_namespaces.h - chapter 01: start a command in its own namespaces.
 *
 * The life of a container process, as this module sees it:
 *
 *	ns_spawn()   clone() the child into new namespaces; it waits on a pipe
 *	             (the parent writes the user namespace's uid/gid maps here,
 *	              and later chapters' after-clone hooks run now)
 *	ns_start()   let the child go: it builds its mounts, pivots into the
 *	             root filesystem and execs the command; an error in any of
 *	             those steps comes back to us through a second pipe
 *	ns_wait()    wait for it and turn its status into an exit code
 *
 * ns_run() (lifecycle.c) does all three, with the steps later chapters add
 * (ns_lifecycle.h) at their points in between.
 */
#ifndef MC_NAMESPACES_H
#define MC_NAMESPACES_H

#include <stdbool.h>
#include <sys/types.h>

#include "mc_error.h"
#include "ns_lifecycle.h"

#define NS_MAX_KEEP_FDS 64 /* at most this many descriptors passed to the command */

/* Exit codes as Docker uses them, for the failures that happen before the command runs. */
#define NS_EXIT_SETUP_FAILED 125 /* we failed: bad rootfs, a mount failed ... */
#define NS_EXIT_CANNOT_EXEC  126 /* the command exists but cannot be run */
#define NS_EXIT_NOT_FOUND    127 /* the command does not exist */

/*
 * A device node to make inside the container (docker run --device).
 * Chapter 02 fills it in from the host's node - and decides, in the
 * container's cgroup, whether it may be opened: making a node is not
 * permission to use it.
 */
struct ns_device {
	char path[256];      /* where, inside the container: "/dev/loop-control" */
	char host_path[256]; /* the host's node, bind-mounted where mknod is not allowed (userns) */
	mode_t mode;         /* S_IFCHR or S_IFBLK, and the permission bits */
	dev_t rdev;          /* its major and minor number */
	uid_t uid;           /* its owner */
	gid_t gid;
};

struct ns_config {
	const char *rootfs;   /* directory that becomes the container's / */
	const char *hostname; /* NULL keeps the copy of the host's name */
	char *const *argv;    /* the command; argv[0] is looked up in the PATH of envp */
	char *const *envp;    /* its environment; NULL means an empty one */
	bool userns;          /* also create a user namespace */
	uid_t map_uid;        /* userns: uid 0 inside is map_uid outside ... */
	gid_t map_gid;        /* ... and gid 0 inside is map_gid outside ... */
	unsigned map_count;   /* ... for this many ids */
	int stdio[3];         /* fds for the command's stdin/out/err; -1 inherits ours */
	const char *workdir;  /* working directory inside (created if missing); NULL: / */
	bool host_network;    /* keep the host's network namespace (docker run --network host) */
	bool init;            /* a tiny init as PID 1 reaps zombies, forwards signals (--init) */
	bool tty;             /* stdin is a terminal: a new session with it as controlling tty */
	/*
	 * >= 0: make a terminal inside the container (from its own /dev/ptmx),
	 * give it to the command as stdin/out/err and controlling tty, and send
	 * the master side through this unix socket (SCM_RIGHTS) to the parent.
	 */
	int console_socket;
	unsigned short console_rows, console_cols; /* its window size at the start; 0: unset */
	/*
	 * Descriptors the command inherits besides 0, 1 and 2 (runc's
	 * --preserve-fds).  Every other descriptor is closed in the child before
	 * it looks at a single path of the container: a leaked descriptor of a
	 * host directory would be a way out (CVE-2024-21626).
	 */
	const int *pass_fds;
	size_t npass_fds;
	/*
	 * /proc and /sys files that tell too much about the host or change it:
	 * masked (a file gets /dev/null over it, a directory an empty read-only
	 * tmpfs) and read-only.  NULL means Docker's lists (ns_masked_paths,
	 * ns_readonly_paths); an empty list (just NULL) means none, as with
	 * --privileged.
	 */
	const char *const *masked_paths;
	const char *const *readonly_paths;
	bool sysfs_rw; /* /sys read-write (--privileged); read-only otherwise */
	/*
	 * Device nodes made in the container after /dev (devices.c): those of
	 * --device, and with host_devices a copy of every node in the host's
	 * /dev, as Docker gives a --privileged container.
	 */
	const struct ns_device *devices;
	size_t ndevices;
	bool host_devices;

	/* The steps later chapters add (ns_add_step), in order. */
	struct ns_step steps[NS_MAX_STEPS];
	size_t nsteps;
};

struct ns_child {
	pid_t pid;  /* the container's PID 1, as the host sees it */
	int go_fd;  /* we write one byte here to let the child continue */
	int err_fd; /* the child writes its setup error here; EOF means exec worked */
};

/* Docker's masked and read-only paths (moby's oci.DefaultLinuxSpec), each list ending in NULL. */
extern const char *const ns_masked_paths[];
extern const char *const ns_readonly_paths[];

/* Fill in defaults: no steps, inherited stdio, userns map 0 -> 100000 for 65536 ids. */
void ns_config_init(struct ns_config *cfg);

int ns_clone_flags(const struct ns_config *cfg);
int ns_spawn(const struct ns_config *cfg, struct ns_child *child, struct mc_error *err);
int ns_start(struct ns_child *child, struct mc_error *err);
int ns_wait(struct ns_child *child, int *exit_code, struct mc_error *err);

/*
 * The whole lifecycle (lifecycle.c): prepare, spawn, after-clone, start,
 * started, wait, after-exit.  Returns 0 with *exit_code set to the command's
 * exit code (128+N if killed by signal N).  Returns -1 with err set when the
 * command could not be started, or a step failed; *exit_code is then 125, 126
 * or 127 as Docker would say (or the command's own code, if it ran).
 */
int ns_run(struct ns_config *cfg, int *exit_code, struct mc_error *err);

/* Kill a spawned child that has not been let go, and reap it. */
void ns_abandon(struct ns_child *child);

/* Turn a wait(2) status into a shell-style exit code. */
int ns_exit_code(int wait_status);

/* Write /proc/PID/uid_map, setgroups and gid_map for a child in a new user namespace. */
int ns_write_id_maps(pid_t pid, const struct ns_config *cfg, struct mc_error *err);

/*
 * In a process already inside the container: make a terminal from the
 * container's /dev/ptmx, make it our stdin/out/err and controlling tty, and
 * send its master side through the unix socket `sock` (SCM_RIGHTS).
 */
int ns_take_console(int sock, unsigned short rows, unsigned short cols, struct mc_error *err);

/*
 * Close every descriptor but 0-2, fd1 and fd2 (-1 for none), the trace and
 * `pass`: runs in the container's first process, and in `exec`'s.
 */
int ns_close_fds(int fd1, int fd2, const int *pass, size_t npass, struct mc_error *err);

/*
 * Inside the container: enter `workdir`, resolved with the container's root
 * as "/" (made first if `create`, as `run` does; `exec` does not).  Verified
 * afterwards to be under that root.
 */
int ns_enter_workdir(const char *workdir, bool create, struct mc_error *err);

/*
 * In the child, /dev already mounted: make cfg's device nodes inside the root
 * `rootfd` (devices.c).
 */
int ns_make_devices(int rootfd, const struct ns_config *cfg, struct mc_error *err);

/* Look up a command like execvp() does, but in the PATH of `envp`. */
int ns_find_command(const char *cmd, char *const *envp, char *out, size_t size);

#endif
