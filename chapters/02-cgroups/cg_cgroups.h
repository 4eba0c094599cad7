/*
 * cgroups.h - chapter 02: limit what a container may use.
 *
 * One interface, two backends.  On a cgroup v2 host ("unified") a container
 * gets one directory, /sys/fs/cgroup/<parent>/<name>, holding every
 * controller's files.  On a v1 host ("legacy", or "hybrid" like many older
 * systemd machines) each controller has its own hierarchy, so the container
 * gets one directory per controller: /sys/fs/cgroup/memory/<parent>/<name>,
 * /sys/fs/cgroup/pids/<parent>/<name>, ...
 *
 *	cg_create()       make the directories (v2: enable controllers on the way)
 *	cg_apply_limits() write the limit files, Docker's flag semantics
 *	cg_add_process()  move the container's process in, before it execs
 *	cg_read_stats()   memory, CPU time, pids, OOM kills
 *	cg_destroy()      kill what is left and remove the directories
 */
#ifndef MC_CGROUPS_H
#define MC_CGROUPS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "mc_error.h"

#define CG_DEFAULT_MOUNT  "/sys/fs/cgroup"
#define CG_DEFAULT_PARENT "minicontainer"

enum cg_mode {
	CG_UNIFIED, /* cgroup2 at /sys/fs/cgroup: the v2 backend */
	CG_HYBRID,  /* v1 controllers, plus an empty cgroup2 at .../unified: the v1 backend */
	CG_LEGACY,  /* v1 controllers only: the v1 backend */
};

struct cgroup {
	enum cg_mode mode;
	char mount[256]; /* where the hierarchies are mounted, normally /sys/fs/cgroup */
	char path[256];  /* the container's cgroup inside each hierarchy, "minicontainer/<name>" */
};

/* What Docker's flags ask for.  Every field has an "unset" value: then nothing is written. */
struct cg_limits {
	int64_t memory;      /* --memory, bytes; -1 unset */
	int64_t memory_swap; /* --memory-swap, memory+swap in bytes; -1 unlimited, -2 unset */
	double cpus;         /* --cpus, number of CPUs; 0 unset */
	int64_t cpu_shares;  /* --cpu-shares, relative weight (2..262144); 0 unset */
	int64_t pids;        /* --pids-limit; 0 unset, -1 unlimited */
	int blkio_weight;    /* --blkio-weight, 10..1000; 0 unset */
};

struct cg_stats {
	int64_t memory_current; /* bytes; -1 when the kernel does not say */
	int64_t memory_peak;
	uint64_t cpu_usec; /* CPU time used, user + system */
	int64_t pids_current;
	int64_t pids_peak;
	uint64_t oom_kills; /* processes the OOM killer killed in this cgroup */
	/* For `stats`, Docker's columns: */
	int64_t memory_limit;         /* bytes; -1: no limit */
	int64_t memory_inactive_file; /* page cache the kernel may drop; -1 unknown */
	uint64_t io_read_bytes, io_write_bytes;
};

const char *cg_mode_name(enum cg_mode mode);
int cg_detect_mode(const char *mount, enum cg_mode *mode, struct mc_error *err);

/* The directory of the cgroup for one controller (v2: the controller is ignored). */
int cg_dir(const struct cgroup *cg, const char *controller, char *buf, size_t size,
           struct mc_error *err);

/* The path of one file of the container's cgroup: "<cg_dir of controller>/<file>". */
int cg_file(const struct cgroup *cg, const char *controller, const char *file, char *buf,
            size_t size, struct mc_error *err);

/* Write `value` to the file `file` of the container's cgroup for `controller`. */
int cg_write(const struct cgroup *cg, const char *controller, const char *file, const char *value,
             struct mc_error *err);

/* Create <mount>/<parent>/<name> (per controller on v1).  parent may be nested: "a/b". */
int cg_create(struct cgroup *cg, const char *mount, const char *parent, const char *name,
              struct mc_error *err);
int cg_add_process(const struct cgroup *cg, pid_t pid, struct mc_error *err);
int cg_freeze(const struct cgroup *cg, bool frozen, struct mc_error *err);
int cg_destroy(const struct cgroup *cg, struct mc_error *err);

/* Remove an (empty) parent such as "minicontainer" from every hierarchy; tests use it. */
int cg_remove_parent(const char *mount, const char *parent, struct mc_error *err);

/*
 * Runs in the container (chapter 02's before-pivot hook): a new cgroup
 * namespace rooted at the container's cgroup (unless `own_namespace` is
 * false: Docker's --cgroupns host), and the container's own cgroup
 * read-only at /sys/fs/cgroup (resolved inside the root `rootfd`), so
 * /proc/self/cgroup says "0::/".
 */
int cg_setup_inside(int rootfd, const struct cgroup *cg, bool own_namespace, struct mc_error *err);

/* limits.c */
void cg_limits_init(struct cg_limits *l);
int cg_parse_size(const char *text, int64_t *bytes, struct mc_error *err);
int cg_parse_cpus(const char *text, double *cpus, struct mc_error *err);
int cg_check_limits(const struct cg_limits *l, struct mc_error *err);
uint64_t cg_shares_to_weight(uint64_t shares);
int cg_apply_limits(const struct cgroup *cg, const struct cg_limits *l, struct mc_error *err);

/* stats.c */
int cg_read_stats(const struct cgroup *cg, struct cg_stats *st, struct mc_error *err);
int cg_parse_oom_kills(const char *events, uint64_t *kills);

#endif
