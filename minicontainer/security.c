/*
 * security.c - what a container may still do once it runs: Docker's default
 * capabilities and a seccomp filter.  Applied in the child just before the
 * command starts (after the user switch), unless --privileged.
 *
 * Root in a container without a user namespace is root on the host, kept in
 * by namespaces and cgroups alone.  Capabilities take away the powers it
 * needs none of (loading kernel modules, mounting, changing the clock ...);
 * seccomp takes away system calls that have no business in a container even
 * for a process that had them back.
 */
#define _GNU_SOURCE
#include "mc_security.h"

#include <errno.h>
#include <seccomp.h>
#include <stddef.h>
#include <sys/capability.h>
#include <sys/prctl.h>

#include "mc_trace.h"

#define CH "capstone"

/* Docker's default set: enough to be root over one's own files and processes. */
static const cap_value_t default_caps[] = {
    CAP_CHOWN,   CAP_DAC_OVERRIDE, CAP_FSETID,           CAP_FOWNER,
    CAP_MKNOD,   CAP_NET_RAW,      CAP_SETGID,           CAP_SETUID,
    CAP_SETFCAP, CAP_SETPCAP,      CAP_NET_BIND_SERVICE, CAP_SYS_CHROOT,
    CAP_KILL,    CAP_AUDIT_WRITE,
};
#define N_DEFAULT (sizeof(default_caps) / sizeof(default_caps[0]))

static bool is_default(cap_value_t cap)
{
	for (size_t i = 0; i < N_DEFAULT; i++)
		if (default_caps[i] == cap)
			return true;
	return false;
}

int mc_limit_bounding_set(struct mc_error *err)
{
	/* A capability dropped from the bounding set can never come back, not even
	 * through a setuid-root or file-capability binary.  It takes CAP_SETPCAP,
	 * so this comes before the switch to the container's user. */
	for (cap_value_t cap = 0; cap <= CAP_LAST_CAP; cap++)
		if (!is_default(cap) && cap_drop_bound(cap) < 0 && errno != EINVAL)
			return mc_fail(err, errno, "drop capability %d from the bounding set",
			               (int)cap);
	return 0;
}

int mc_drop_capabilities(struct mc_error *err)
{
	cap_t caps;
	int rc;

	/* What the process holds now (nothing at all if it is no longer root):
	 * clearing capabilities needs no privilege. */
	caps = cap_get_proc();
	if (caps == NULL)
		return mc_fail(err, errno, "cap_get_proc");
	for (cap_value_t cap = 0; cap <= CAP_LAST_CAP; cap++) {
		if (is_default(cap))
			continue;
		cap_set_flag(caps, CAP_EFFECTIVE, 1, &cap, CAP_CLEAR);
		cap_set_flag(caps, CAP_PERMITTED, 1, &cap, CAP_CLEAR);
		cap_set_flag(caps, CAP_INHERITABLE, 1, &cap, CAP_CLEAR);
	}
	rc = cap_set_proc(caps);
	cap_free(caps);
	mc_trace_call(CH, rc, "Docker's 14 default capabilities, and no others",
	              "cap_set_proc(CHOWN, DAC_OVERRIDE, FOWNER, KILL, SETUID, ...)");
	if (rc < 0)
		return mc_fail(err, errno, "drop capabilities");
	return 0;
}

/*
 * Calls refused with EPERM: kernel modules and kexec, the clock, keyrings,
 * new mounts and namespaces, tracing other processes, swap, reboot, BPF,
 * perf.  (Docker's own profile is an allow-list of some 300 calls; a short
 * deny-list is easier to read and covers what matters most.)
 */
static const char *const denied[] = {
    "acct",
    "add_key",
    "bpf",
    "clock_adjtime",
    "clock_settime",
    "delete_module",
    "finit_module",
    "fsconfig",
    "fsmount",
    "fsopen",
    "fspick",
    "init_module",
    "ioperm",
    "iopl",
    "kexec_file_load",
    "kexec_load",
    "keyctl",
    "lookup_dcookie",
    "mount",
    "move_mount",
    "name_to_handle_at",
    "open_by_handle_at",
    "open_tree",
    "perf_event_open",
    "pivot_root",
    "process_vm_readv",
    "process_vm_writev",
    "ptrace",
    "quotactl",
    "reboot",
    "request_key",
    "setns",
    "settimeofday",
    "swapoff",
    "swapon",
    "syslog",
    "umount2",
    "unshare",
    "userfaultfd",
    "vhangup",
};

int mc_install_seccomp(struct mc_error *err)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	int rc = 0;

	if (ctx == NULL)
		return mc_fail(err, ENOMEM, "seccomp_init");
	for (size_t i = 0; rc == 0 && i < sizeof(denied) / sizeof(denied[0]); i++) {
		int nr = seccomp_syscall_resolve_name(denied[i]);

		/* A call this architecture does not have needs no rule. */
		if (nr != __NR_SCMP_ERROR)
			rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
	}
	if (rc == 0)
		rc = seccomp_load(ctx);
	seccomp_release(ctx);
	mc_trace_call(CH, rc, "40 system calls now fail with EPERM",
	              "seccomp(SECCOMP_SET_MODE_FILTER, deny mount, ptrace, kexec_load, ...)");
	if (rc < 0)
		return mc_fail(err, -rc, "install the seccomp filter");
	return 0;
}
