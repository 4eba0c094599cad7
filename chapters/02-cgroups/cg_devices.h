/*
 * cg_devices.h - chapter 02: which devices a container may open.
 *
 * Root in a container keeps CAP_MKNOD (Docker's default), so it can make a
 * node for any device - `mknod /x b 8 0` names the host's first disk.
 * Namespaces do not help: a device number is the same in every namespace.
 * What stops the container from *opening* such a node is its cgroup: on
 * every open(2) and mknod(2) of a device the kernel asks the cgroup, and a
 * container's cgroup allows only a short list.
 *
 *	v1  the devices controller: write "a" to devices.deny, then one rule per
 *	    line to devices.allow ("c 1:3 rwm")                  devices.c
 *	v2  no files at all: a small BPF program, attached to the cgroup,
 *	    answers each request                                 device_bpf.c
 *
 * The rules are Docker's: its default list (moby's DefaultLinuxSpec) plus
 * the ones runc adds to every container, then one rule per --device.
 * --privileged allows everything.
 */
#ifndef MC_CG_DEVICES_H
#define MC_CG_DEVICES_H

#include <linux/bpf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cg_cgroups.h"
#include "mc_error.h"
#include "ns_namespaces.h"

/* What a rule allows or denies; the values are the kernel's (BPF_DEVCG_ACC_*). */
#define CG_DEV_MKNOD 1 /* m: make a node */
#define CG_DEV_READ  2 /* r: open it for reading */
#define CG_DEV_WRITE 4 /* w: open it for writing */
#define CG_DEV_ALL   (CG_DEV_MKNOD | CG_DEV_READ | CG_DEV_WRITE)

#define CG_DEV_ANY -1 /* a major or minor number of "*" */

/* One rule, as the v1 files write it: "c 1:3 rwm", "b *:* m", "a" (everything). */
struct cg_device_rule {
	bool allow;      /* allow, or deny */
	char type;       /* 'c' character, 'b' block, 'a' both */
	int64_t major;   /* CG_DEV_ANY for "*" */
	int64_t minor;   /* CG_DEV_ANY for "*" */
	unsigned access; /* CG_DEV_READ | CG_DEV_WRITE | CG_DEV_MKNOD */
};

/* Docker's rules for every container, in order (the last rule that matches decides). */
extern const struct cg_device_rule cg_default_device_rules[];
extern const size_t cg_n_default_device_rules;

#define CG_MAX_DEVICES 32

/* A container's device policy: what struct cg_run carries. */
struct cg_devices {
	bool allow_all; /* --privileged: no rules at all */
	/* --device: a rule each, after the defaults, and the node chapter 01 makes. */
	struct cg_device_rule rules[CG_MAX_DEVICES];
	size_t nrules;
	struct ns_device nodes[CG_MAX_DEVICES];
	size_t nnodes;
};

/* --device HOST[:CONTAINER][:PERMISSIONS], split up and checked (Docker's rules). */
struct cg_device_spec {
	char host[256];
	char container[256];
	char access[4]; /* "rwm" unless given */
};

void cg_devices_init(struct cg_devices *d);

/* "rwm", "r", "mw" ... -> CG_DEV_* bits; anything else is an error. */
int cg_parse_device_access(const char *text, unsigned *access, struct mc_error *err);

/* "HOST", "HOST:CONTAINER", "HOST:PERMISSIONS", "HOST:CONTAINER:PERMISSIONS". */
int cg_parse_device_spec(const char *text, struct cg_device_spec *spec, struct mc_error *err);

/*
 * Add the host's device node `host` (a path, followed if a symlink) as
 * `container` inside (NULL: the same path), with the cgroup permissions
 * `access` (NULL: "rwm"): a node for chapter 01 and a rule for the cgroup.
 */
int cg_devices_add(struct cg_devices *d, const char *host, const char *container,
                   const char *access, struct mc_error *err);

/* The whole --device SPEC: parsed, then added. */
int cg_devices_add_spec(struct cg_devices *d, const char *text, struct mc_error *err);

/* A rule in the v1 files' format: "c 1:3 rwm", "b *:* m", "a *:* rwm". */
int cg_format_device_rule(const struct cg_device_rule *r, char *buf, size_t size,
                          struct mc_error *err);

/* Every rule of the policy, in order: the defaults, then d->rules. */
size_t cg_device_rules(const struct cg_devices *d, struct cg_device_rule *out, size_t max);

/* Put the policy into force for the cgroup `cg` (before any process is in it). */
int cg_apply_devices(const struct cgroup *cg, const struct cg_devices *d, struct mc_error *err);

/* ---- v2: the BPF program (device_bpf.c) ---------------------------------------------------- */

#define CG_BPF_MAX_INSNS 512

/* A BPF_PROG_TYPE_CGROUP_DEVICE program, assembled by hand. */
struct cg_bpf_program {
	struct bpf_insn insns[CG_BPF_MAX_INSNS];
	size_t len;
	bool overflow; /* more instructions than fit: an error when it is loaded */
};

/* Assemble the program for `rules` (nrules of them; the last that matches decides). */
void cg_bpf_device_program(const struct cg_device_rule *rules, size_t nrules,
                           struct cg_bpf_program *p);

/*
 * Assemble the program for `rules`, load it and attach it to the cgroup
 * `cg`: from then on the cgroup holds it, and it goes when the cgroup goes.
 */
int cg_bpf_install(const struct cgroup *cg, const struct cg_device_rule *rules, size_t nrules,
                   struct mc_error *err);

/* Load it into the kernel (bpf(BPF_PROG_LOAD)): a descriptor of the program, or -1. */
int cg_bpf_load(const struct cg_bpf_program *p, struct mc_error *err);

/* Attach a loaded program to the cgroup directory `cgroup_fd` (bpf(BPF_PROG_ATTACH)). */
int cg_bpf_attach(int cgroup_fd, int prog_fd, struct mc_error *err);

/* The ids of the device programs attached to the cgroup (bpf(BPF_PROG_QUERY)). */
int cg_bpf_query(const struct cgroup *cg, uint32_t *ids, size_t max, size_t *n,
                 struct mc_error *err);

/* Is the program with this id still loaded?  (It goes when its cgroup has gone.) */
bool cg_bpf_program_exists(uint32_t id);

/* One instruction in words, for --trace: "if r4 != 10 goto +3". */
const char *cg_bpf_describe(const struct bpf_insn *insn, char *buf, size_t size);

#endif
