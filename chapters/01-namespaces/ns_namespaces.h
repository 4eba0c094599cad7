/*
 * namespaces.h - chapter 01: start a command in its own namespaces.
 *
 * The life of a container process, as this module sees it:
 *
 *	ns_spawn()   clone() the child into new namespaces; it waits on a pipe
 *	             (the parent writes the user namespace's uid/gid maps here,
 *	              and later chapters put the child into its cgroup)
 *	ns_start()   let the child go: it builds its mounts, pivots into the
 *	             root filesystem and execs the command; an error in any of
 *	             those steps comes back to us through a second pipe
 *	ns_wait()    wait for it and turn its status into an exit code
 *
 * ns_run() does all three for callers that need nothing in between.
 */
#ifndef MC_NAMESPACES_H
#define MC_NAMESPACES_H

#include <stdbool.h>
#include <sys/types.h>

#include "mc_error.h"

/* Exit codes as Docker uses them, for the failures that happen before the command runs. */
#define NS_EXIT_SETUP_FAILED 125 /* we failed: bad rootfs, a mount failed ... */
#define NS_EXIT_CANNOT_EXEC  126 /* the command exists but cannot be run */
#define NS_EXIT_NOT_FOUND    127 /* the command does not exist */

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

	/* Hooks for later chapters; all may be zero/NULL. */
	int extra_clone_flags; /* e.g. CLONE_NEWCGROUP (chapter 02) */
	/* Runs in the child after /proc and /dev are ready, before pivot_root. */
	int (*before_pivot)(const char *rootfs, void *arg, struct mc_error *err);
	/* Runs in the child inside the new root, just before the command (user, capabilities). */
	int (*before_exec)(void *arg, struct mc_error *err);
	void *hook_arg; /* for before_pivot */
	void *exec_arg; /* for before_exec */
};

struct ns_child {
	pid_t pid;  /* the container's PID 1, as the host sees it */
	int go_fd;  /* we write one byte here to let the child continue */
	int err_fd; /* the child writes its setup error here; EOF means exec worked */
};

/* Fill in defaults: no hooks, inherited stdio, userns map 0 -> 100000 for 65536 ids. */
void ns_config_init(struct ns_config *cfg);

int ns_clone_flags(const struct ns_config *cfg);
int ns_spawn(const struct ns_config *cfg, struct ns_child *child, struct mc_error *err);
int ns_start(struct ns_child *child, struct mc_error *err);
int ns_wait(struct ns_child *child, int *exit_code, struct mc_error *err);

/*
 * Spawn, start and wait.  Returns 0 with *exit_code set to the command's exit
 * code (128+N if killed by signal N).  Returns -1 with err set when the command
 * could not be started; *exit_code is then 125, 126 or 127 as Docker would say.
 */
int ns_run(const struct ns_config *cfg, int *exit_code, struct mc_error *err);

/* Turn a wait(2) status into a shell-style exit code. */
int ns_exit_code(int wait_status);

/* Write /proc/PID/uid_map, setgroups and gid_map for a child in a new user namespace. */
int ns_write_id_maps(pid_t pid, const struct ns_config *cfg, struct mc_error *err);

/*
 * In a process already inside the container: make a terminal from the
 * container's /dev/ptmx, make it our stdin/out/err and controlling tty, and
 * send its master side through the unix socket `sock` (SCM_RIGHTS).
 */
int ns_take_console(int sock, struct mc_error *err);

/* Look up a command like execvp() does, but in the PATH of `envp`. */
int ns_find_command(const char *cmd, char *const *envp, char *out, size_t size);

#endif
