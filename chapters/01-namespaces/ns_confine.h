/*
 * ns_confine.h - chapter 01: what the container's process may still do.
 *
 * Namespaces decide what a process can *see*.  Root in a container without
 * a user namespace is still root on the host's kernel, so three more things
 * decide what it can *do*; all three are applied in the child, last thing
 * before execve(), as the step that ns_add_confine_step() adds:
 *
 *	its user         uid, gid and groups from the image's own /etc/passwd
 *	                 and /etc/group, read by us (user.c) - never by NSS
 *	its capabilities Docker's 14 of root's 41 powers, adjusted by
 *	                 --cap-add/--cap-drop (caps.c)
 *	its system calls a seccomp filter: Docker's default profile
 *	                 (seccomp.c, seccomp_profile.c, seccomp-default.json)
 *
 * `run`, `exec` and chapter 06's RUN steps all go through here, so a
 * build step is exactly as confined as a container.
 */
#ifndef MC_NS_CONFINE_H
#define MC_NS_CONFINE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "mc_error.h"
#include "ns_lifecycle.h"

/* ---- users (user.c) ------------------------------------------------------------------------- */

#define NS_MAX_GROUPS 64

struct ns_user {
	uid_t uid;
	gid_t gid;
	gid_t groups[NS_MAX_GROUPS]; /* supplementary groups */
	size_t ngroups;
	char home[256]; /* from passwd; "/" when the user has no entry */
};

/*
 * Resolve a Docker --user spec ("", "name", "uid", "name:group", "uid:gid",
 * ...) against the passwd and group files inside `rootfd` (which may lack
 * them), plus the --group-add names or ids in `group_add` (NULL-terminated,
 * may be NULL).  runc's rules: a name must exist, a number need not; the
 * supplementary groups are the user's memberships unless a group is given.
 */
int ns_user_resolve(int rootfd, const char *spec, const char *const *group_add,
                    struct ns_user *user, struct mc_error *err);

/* The same, from the text of passwd and group (either may be NULL): what the tests use. */
int ns_user_resolve_text(const char *passwd, const char *group, const char *spec,
                         const char *const *group_add, struct ns_user *user, struct mc_error *err);

/* ---- capabilities (caps.c) ------------------------------------------------------------------ */

/* A set of capabilities: bit N is capability N (CAP_CHOWN is 0). */
typedef uint64_t ns_caps;

/* Docker's default set: CHOWN, DAC_OVERRIDE, FSETID, FOWNER, MKNOD, NET_RAW, ... */
ns_caps ns_default_caps(void);
/* Every capability this kernel knows (what --privileged keeps). */
ns_caps ns_all_caps(void);

/* "NET_ADMIN", "cap_net_admin", "ALL" -> a set; an unknown name is an error. */
int ns_cap_from_name(const char *name, ns_caps *set, struct mc_error *err);
/* "CAP_CHOWN,CAP_KILL" for --trace and inspect. */
const char *ns_caps_names(ns_caps set, char *buf, size_t size);

/*
 * Docker's rule for --cap-add and --cap-drop (NULL-terminated lists of
 * names, either may be NULL): start from `base`; drop, then add; "ALL" in the
 * adds means every capability but the dropped ones, "ALL" in the drops means
 * only the added ones.
 */
int ns_caps_compute(ns_caps base, const char *const *add, const char *const *drop, ns_caps *out,
                    struct mc_error *err);

/*
 * Limit this process to `set`: the bounding set (needs CAP_SETPCAP, so before
 * the user switch), then - after it - the permitted, effective and
 * inheritable sets.  A process that is not uid 0 keeps no effective or
 * permitted capabilities at all, as in Docker.
 */
int ns_caps_limit_bounding(ns_caps set, struct mc_error *err);
int ns_caps_apply(ns_caps set, bool is_root, struct mc_error *err);

/* ---- seccomp (seccomp.c) -------------------------------------------------------------------- */

struct ns_seccomp; /* a compiled filter, ready to load */

/*
 * Compile a profile: Docker's JSON format (`json`), for the capabilities the
 * process will have (some rules depend on them).  NULL json means the
 * default profile.  Done on the host side, so that a bad profile is an error
 * before any container exists.  A profile with neither a default action nor
 * rules means no filter, as in Docker: *out is NULL then.
 */
int ns_seccomp_compile(const char *json, ns_caps caps, struct ns_seccomp **out,
                       struct mc_error *err);
/*
 * The same, through a cache of built programs in `cache_dir` (NULL: none):
 * a filter built before for the same profile text, capabilities, kernel and
 * libseccomp is read back instead of built again (see seccomp.c).
 */
int ns_seccomp_compile_cached(const char *json, ns_caps caps, const char *cache_dir,
                              struct ns_seccomp **out, struct mc_error *err);
/* In the process to confine: install the filter (from now on, for good). */
int ns_seccomp_load(struct ns_seccomp *sc, struct mc_error *err);
void ns_seccomp_free(struct ns_seccomp *sc);

/* The default profile's JSON text (seccomp-default.json, built into the program). */
const char *ns_seccomp_default_profile(void);
/* How many rules the compiled filter holds (for --trace and the lecture). */
unsigned ns_seccomp_rules(const struct ns_seccomp *sc);
/* Write the filter as libseccomp's readable pseudo-code (PFC) to `fd`. */
int ns_seccomp_export_pfc(struct ns_seccomp *sc, int fd, struct mc_error *err);
/* Check a profile without building a filter: 0 if ns_seccomp_compile would take it. */
int ns_seccomp_check(const char *json, struct mc_error *err);

/* ---- Docker's --security-opt (confine.c) ---------------------------------------------------- */

enum ns_security_opt_kind {
	NS_SECOPT_SECCOMP,            /* seccomp=PROFILE.json */
	NS_SECOPT_SECCOMP_UNCONFINED, /* seccomp=unconfined */
	NS_SECOPT_NO_NEW_PRIVS,       /* no-new-privileges[=BOOL] */
	NS_SECOPT_SYSTEMPATHS,        /* systempaths=unconfined: /proc and /sys unmasked */
	NS_SECOPT_LSM,                /* label=..., apparmor=...: there is no LSM profile to
	                                 change here; accepted, as Docker does on such a host */
};

struct ns_security_opt {
	enum ns_security_opt_kind kind;
	bool enabled;  /* no-new-privileges: true, or the BOOL given */
	char *profile; /* seccomp=FILE: the file's text, checked (malloc'd; the caller frees) */
};

/*
 * Parse one --security-opt as Docker spells it ("key=value"; the old
 * "key:value" too).  seccomp=FILE reads the file and checks the profile, so
 * that a bad one is an error now.
 */
int ns_security_opt_parse(const char *text, struct ns_security_opt *opt, struct mc_error *err);

/* ---- the step ------------------------------------------------------------------------------- */

struct ns_confine {
	const char *user;             /* --user; NULL or "" is the image's default, root */
	const char *const *group_add; /* --group-add, NULL-terminated; may be NULL */
	ns_caps caps;                 /* the capabilities the command keeps */
	bool privileged;              /* --privileged: every capability, no seccomp */
	bool no_new_privs;            /* --security-opt no-new-privileges */
	const char *seccomp_profile;  /* JSON text; NULL: the default profile */
	bool seccomp_unconfined;      /* --security-opt seccomp=unconfined */
	const char *seccomp_cache;    /* a directory for built filters; NULL: build every time */
	/* Filled in. */
	struct ns_seccomp *seccomp;
	struct ns_user resolved;
};

/* Defaults as in Docker: root, the default capabilities, the default seccomp profile. */
void ns_confine_init(struct ns_confine *c);

/* Add the step: prepare compiles the seccomp filter, before-exec applies everything. */
int ns_add_confine_step(struct ns_config *cfg, struct ns_confine *c, struct mc_error *err);

/*
 * The confinement itself, in the process that will exec the command, inside
 * the container's root (`exec` calls this directly).  *envp gets HOME when it
 * has none (a new array, malloc'd; the strings are shared).
 */
int ns_confine_now(struct ns_confine *c, char *const **envp, struct mc_error *err);

/* After ns_run(): free what prepare made. */
void ns_confine_release(struct ns_confine *c);

#endif
