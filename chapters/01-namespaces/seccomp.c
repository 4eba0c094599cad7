/*
 * seccomp.c - chapter 01: a filter on the container's system calls.
 *
 * (Interim: a deny-list of the calls that matter most; Docker's default
 * profile, an allow-list in its JSON format, replaces it.)
 */
#define _GNU_SOURCE
#include "ns_confine.h"

#include <errno.h>
#include <seccomp.h>
#include <stdlib.h>

#include "mc_trace.h"

#define CH "ch01"

struct ns_seccomp {
	scmp_filter_ctx ctx;
};

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

int ns_seccomp_compile(const char *json, ns_caps caps, struct ns_seccomp **out,
                       struct mc_error *err)
{
	struct ns_seccomp *sc;
	int rc = 0;

	(void)caps;
	*out = NULL;
	if (json != NULL)
		return mc_fail(err, ENOTSUP, "seccomp profiles are not read yet");
	sc = calloc(1, sizeof(*sc));
	if (sc == NULL)
		return mc_fail(err, ENOMEM, "seccomp");
	sc->ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (sc->ctx == NULL) {
		free(sc);
		return mc_fail(err, ENOMEM, "seccomp_init");
	}
	/* no_new_privs is the caller's choice (--security-opt no-new-privileges), not ours. */
	rc = seccomp_attr_set(sc->ctx, SCMP_FLTATR_CTL_NNP, 0);
	for (size_t i = 0; rc == 0 && i < sizeof(denied) / sizeof(denied[0]); i++) {
		int nr = seccomp_syscall_resolve_name(denied[i]);

		if (nr != __NR_SCMP_ERROR)
			rc = seccomp_rule_add(sc->ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
	}
	if (rc < 0) {
		ns_seccomp_free(sc);
		return mc_fail(err, -rc, "build the seccomp filter");
	}
	*out = sc;
	return 0;
}

int ns_seccomp_load(struct ns_seccomp *sc, struct mc_error *err)
{
	int rc = seccomp_load(sc->ctx);

	mc_trace_call(CH, rc, "system calls are filtered from now on",
	              "seccomp(SECCOMP_SET_MODE_FILTER, ...)");
	if (rc < 0)
		return mc_fail(err, -rc, "install the seccomp filter");
	return 0;
}

void ns_seccomp_free(struct ns_seccomp *sc)
{
	if (sc == NULL)
		return;
	seccomp_release(sc->ctx);
	free(sc);
}
