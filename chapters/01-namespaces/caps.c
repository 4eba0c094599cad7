/*
 * caps.c - chapter 01: root's powers, split into capabilities(7), and the
 * few a container keeps.
 *
 * Root in a container without a user namespace is root on the host's
 * kernel.  What keeps it in is the namespaces - and the capabilities it no
 * longer has: CAP_SYS_ADMIN would let it mount the host's disk,
 * CAP_SYS_MODULE load a kernel module, CAP_SYS_PTRACE read other
 * processes' memory, CAP_NET_ADMIN reconfigure the network, CAP_SYS_TIME set
 * the host's clock.  Docker keeps 14, each for something ordinary root in a
 * container does: own files (CHOWN, DAC_OVERRIDE, FOWNER, FSETID), become
 * another user (SETUID, SETGID), pass capabilities on (SETPCAP, SETFCAP),
 * make device nodes (MKNOD; opening them is what the device cgroup
 * decides), ping (NET_RAW), listen on port 80 (NET_BIND_SERVICE),
 * chroot (SYS_CHROOT), signal its own processes (KILL), and write audit
 * records (AUDIT_WRITE, for login programs).
 */
#define _GNU_SOURCE
#include "ns_confine.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/capability.h>
#include <sys/prctl.h>

#include "mc_trace.h"

#define CH "ch01"

#define BIT(cap) ((ns_caps)1 << (cap))

ns_caps ns_default_caps(void)
{
	return BIT(CAP_CHOWN) | BIT(CAP_DAC_OVERRIDE) | BIT(CAP_FSETID) | BIT(CAP_FOWNER) |
	       BIT(CAP_MKNOD) | BIT(CAP_NET_RAW) | BIT(CAP_SETGID) | BIT(CAP_SETUID) |
	       BIT(CAP_SETFCAP) | BIT(CAP_SETPCAP) | BIT(CAP_NET_BIND_SERVICE) |
	       BIT(CAP_SYS_CHROOT) | BIT(CAP_KILL) | BIT(CAP_AUDIT_WRITE);
}

/* The highest capability the running kernel knows: /proc/sys/kernel/cap_last_cap. */
static cap_value_t last_cap(void)
{
	static cap_value_t last = -1;

	if (last < 0) {
		/* libcap asks the kernel (and falls back to what it was built with). */
		last = (cap_value_t)cap_max_bits() - 1;
		if (last < 0 || last > 63)
			last = CAP_LAST_CAP;
	}
	return last;
}

ns_caps ns_all_caps(void)
{
	cap_value_t last = last_cap();

	return last >= 63 ? ~(ns_caps)0 : (BIT(last + 1) - 1);
}

/* Is `name` ("cap_chown") exactly libcap's name of `cap`? */
static bool same_name(cap_value_t cap, const char *name)
{
	char *known = cap_to_name(cap);
	bool same = known != NULL && strcmp(known, name) == 0;

	cap_free(known);
	return same;
}

int ns_cap_from_name(const char *name, ns_caps *set, struct mc_error *err)
{
	char full[64];
	cap_value_t cap;

	if (strcasecmp(name, "ALL") == 0) {
		*set = ns_all_caps();
		return 0;
	}
	/* Docker takes "NET_ADMIN" and "CAP_NET_ADMIN", in any case; libcap wants "cap_net_admin". */
	snprintf(full, sizeof(full), "%s%s", strncasecmp(name, "CAP_", 4) == 0 ? "" : "cap_", name);
	for (char *p = full; *p != '\0'; p++)
		*p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
	/* libcap reads only as far as a name it knows ("cap_kill2" is CAP_KILL to it):
	 * the name must come back the same. */
	if (cap_from_name(full, &cap) < 0 || cap < 0 || cap > 63 || !same_name(cap, full))
		return mc_fail(err, 0, "unknown capability: \"%s\"", name);
	*set = BIT(cap);
	return 0;
}

const char *ns_caps_names(ns_caps set, char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (cap_value_t cap = 0; cap <= 63; cap++) {
		char *name;

		if (!(set & BIT(cap)))
			continue;
		name = cap_to_name(cap);
		if (name == NULL)
			continue;
		for (char *p = name; *p != '\0'; p++)
			*p = (char)(*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p);
		if (used < size)
			used += (size_t)snprintf(buf + used, size - used, "%s%s", used ? "," : "",
			                         name);
		cap_free(name);
	}
	return buf;
}

/* The union of the sets named in a NULL-terminated list. */
static int union_of(const char *const *names, ns_caps *out, struct mc_error *err)
{
	*out = 0;
	for (; names != NULL && *names != NULL; names++) {
		ns_caps one;

		if (ns_cap_from_name(*names, &one, err) < 0)
			return -1;
		*out |= one;
	}
	return 0;
}

static bool names_all(const char *const *names)
{
	for (; names != NULL && *names != NULL; names++)
		if (strcasecmp(*names, "ALL") == 0)
			return true;
	return false;
}

int ns_caps_compute(ns_caps base, const char *const *add, const char *const *drop, ns_caps *out,
                    struct mc_error *err)
{
	ns_caps adds, drops;

	if (union_of(add, &adds, err) < 0 || union_of(drop, &drops, err) < 0)
		return -1;
	/* EXERCISE 01.6 cap-sets (2 points): Combine --cap-add and --cap-drop as Docker does
	 * Tests: test_caps_add_and_drop test_caps_all_rules
	 *
	 * `adds` and `drops` are the sets named by --cap-add and --cap-drop
	 * (bit N is capability N; "ALL" already became every bit).  Set *out as
	 * Docker's TweakCapabilities does, in this order of precedence:
	 *
	 *   "ALL" among the adds (names_all(add)):  every capability
	 *                         (ns_all_caps()) except the dropped ones;
	 *   "ALL" among the drops (names_all(drop)): only the added ones;
	 *   otherwise:            `base` without the drops, plus the adds.
	 *
	 * A capability both added and dropped: the add wins, except under
	 * "ALL" adds.  Return 0.
	 */
	/* BEGIN SOLUTION */
	if (names_all(add))
		*out = ns_all_caps() & ~drops;
	else if (names_all(drop))
		*out = adds;
	else
		*out = (base & ~drops) | adds;
	return 0;
	/* END SOLUTION; skeleton: (void)base; (void)adds; (void)drops; (void)names_all; *out = 0; return 0; */
}

int ns_caps_limit_bounding(ns_caps set, struct mc_error *err)
{
	/* A capability dropped from the bounding set can never come back, not even
	 * through a setuid-root or file-capability binary.  It takes CAP_SETPCAP,
	 * so this comes before the switch to the container's user. */
	for (cap_value_t cap = 0; cap <= last_cap(); cap++)
		if (!(set & BIT(cap)) && cap_drop_bound(cap) < 0 && errno != EINVAL)
			return mc_fail(err, errno, "drop capability %d from the bounding set",
			               (int)cap);
	return 0;
}

/* The capabilities this process holds now: nobody can hand out more than that. */
static ns_caps permitted_now(void)
{
	cap_t now = cap_get_proc();
	ns_caps set = 0;

	for (cap_value_t cap = 0; now != NULL && cap <= last_cap(); cap++) {
		cap_flag_value_t v = CAP_CLEAR;

		if (cap_get_flag(now, cap, CAP_PERMITTED, &v) == 0 && v == CAP_SET)
			set |= BIT(cap);
	}
	cap_free(now);
	return set;
}

int ns_caps_apply(ns_caps set, bool is_root, struct mc_error *err)
{
	char names[1024];
	cap_t caps;
	int rc;

	/* --privileged asks for all of them; a root without some (a container
	 * running us, say) passes on what it has. */
	set &= permitted_now();

	/*
	 * Permitted and effective: the set, for root; nothing for another user
	 * (the kernel clears them on setuid away from 0 anyway).  Inheritable and
	 * ambient stay empty: a capability in the inheritable set survives an
	 * execve into a file with that file capability, which is how Docker's
	 * CVE-2022-24769 let a non-root process regain one.
	 */
	caps = cap_init();
	if (caps == NULL)
		return mc_fail(err, errno, "cap_init");
	for (cap_value_t cap = 0; is_root && cap <= last_cap(); cap++) {
		if (!(set & BIT(cap)))
			continue;
		cap_set_flag(caps, CAP_EFFECTIVE, 1, &cap, CAP_SET);
		cap_set_flag(caps, CAP_PERMITTED, 1, &cap, CAP_SET);
	}
	rc = cap_set_proc(caps);
	cap_free(caps);
	if (rc == 0)
		rc = cap_reset_ambient();
	mc_trace_call(CH, rc, is_root ? ns_caps_names(set, names, sizeof(names)) : "none: not root",
	              "capset(permitted = effective)");
	if (rc < 0)
		return mc_fail(err, errno, "set capabilities");
	return 0;
}
