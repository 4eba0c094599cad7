/*
 * seccomp_profile.c - chapter 01: Docker's seccomp profile format, read into
 * libseccomp rules (see seccomp.c for what a filter is).
 *
 *	defaultAction, defaultErrnoRet   the verdict for every call no rule names
 *	architectures | archMap          the ABIs the filter covers (x86_64 also
 *	                                 runs i386 and x32 programs)
 *	syscalls[]                       rules: names, action (errnoRet), args
 *	    includes / excludes          a rule applies only if the container
 *	                                 holds (does not hold) these capabilities,
 *	                                 runs on these architectures, or on a
 *	                                 kernel at least this new
 *
 * The semantics are moby's loader's and runc's.  A name this libseccomp does
 * not know is skipped, as Docker does: a profile names the calls of newer
 * kernels too.  Anything else that is not right is an error that names the
 * place ("syscalls[3].args[0]: unknown operator"), whatever the capabilities
 * of the container: a rule for others must be right too.
 */
#define _GNU_SOURCE
#include "ns_seccomp.h"

#include <errno.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#define MAX_ARGS   6  /* a system call has at most six arguments */
#define MAX_CONDS  32 /* comparisons in one rule (several may test one argument) */
#define MAX_ERRNO  4095
#define WHERE_SIZE 64

/* ---- the names the format uses --------------------------------------------------------------- */

struct named {
	const char *name;
	uint32_t value;
};

static const struct named actions[] = {
    {"SCMP_ACT_ALLOW", SCMP_ACT_ALLOW},
    {"SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0)}, /* | errnoRet */
    {"SCMP_ACT_KILL", SCMP_ACT_KILL},
    {"SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD},
    {"SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS},
    {"SCMP_ACT_TRAP", SCMP_ACT_TRAP},
    {"SCMP_ACT_TRACE", SCMP_ACT_TRACE(0)}, /* | errnoRet, handed to the tracer */
    {"SCMP_ACT_LOG", SCMP_ACT_LOG},
    {NULL, 0},
};

static const struct named operators[] = {
    {"SCMP_CMP_NE", SCMP_CMP_NE},
    {"SCMP_CMP_LT", SCMP_CMP_LT},
    {"SCMP_CMP_LE", SCMP_CMP_LE},
    {"SCMP_CMP_EQ", SCMP_CMP_EQ},
    {"SCMP_CMP_GE", SCMP_CMP_GE},
    {"SCMP_CMP_GT", SCMP_CMP_GT},
    {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
    {NULL, 0},
};

/* A flag of the profile: libseccomp's attribute, and the kernel's flag for seccomp(2). */
struct flag {
	const char *name;
	enum scmp_filter_attr attr;
	unsigned kernel;
};

static const struct flag filter_flags[] = {
    {"SECCOMP_FILTER_FLAG_TSYNC", SCMP_FLTATR_CTL_TSYNC, SECCOMP_FILTER_FLAG_TSYNC},
    {"SECCOMP_FILTER_FLAG_LOG", SCMP_FLTATR_CTL_LOG, SECCOMP_FILTER_FLAG_LOG},
    {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SCMP_FLTATR_CTL_SSB, SECCOMP_FILTER_FLAG_SPEC_ALLOW},
    {NULL, 0, 0},
};

/* An architecture: the profile's name, libseccomp's token, and the name includes.arches uses. */
struct arch {
	const char *name;
	uint32_t token;
	const char *short_name;
};

static const struct arch arches[] = {
    {"SCMP_ARCH_X86", SCMP_ARCH_X86, "x86"},
    {"SCMP_ARCH_X86_64", SCMP_ARCH_X86_64, "amd64"},
    {"SCMP_ARCH_X32", SCMP_ARCH_X32, "x32"},
    {"SCMP_ARCH_ARM", SCMP_ARCH_ARM, "arm"},
    {"SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64, "arm64"},
    {"SCMP_ARCH_MIPS", SCMP_ARCH_MIPS, "mips"},
    {"SCMP_ARCH_MIPS64", SCMP_ARCH_MIPS64, "mips64"},
    {"SCMP_ARCH_MIPS64N32", SCMP_ARCH_MIPS64N32, "mips64n32"},
    {"SCMP_ARCH_MIPSEL", SCMP_ARCH_MIPSEL, "mipsle"},
    {"SCMP_ARCH_MIPSEL64", SCMP_ARCH_MIPSEL64, "mipsel64"},
    {"SCMP_ARCH_MIPSEL64N32", SCMP_ARCH_MIPSEL64N32, "mips3l64n32"}, /* sic, as Docker */
    {"SCMP_ARCH_PPC", SCMP_ARCH_PPC, "ppc"},
    {"SCMP_ARCH_PPC64", SCMP_ARCH_PPC64, "ppc64"},
    {"SCMP_ARCH_PPC64LE", SCMP_ARCH_PPC64LE, "ppc64le"},
    {"SCMP_ARCH_S390", SCMP_ARCH_S390, "s390"},
    {"SCMP_ARCH_S390X", SCMP_ARCH_S390X, "s390x"},
    {"SCMP_ARCH_PARISC", SCMP_ARCH_PARISC, "parisc"},
    {"SCMP_ARCH_PARISC64", SCMP_ARCH_PARISC64, "parisc64"},
    {"SCMP_ARCH_RISCV64", SCMP_ARCH_RISCV64, "riscv64"},
    {NULL, 0, NULL},
};

static const struct named *find_named(const struct named *table, const char *name)
{
	for (; table->name != NULL; table++)
		if (strcmp(table->name, name) == 0)
			return table;
	return NULL;
}

static const struct arch *find_arch(const char *name, uint32_t token)
{
	for (const struct arch *a = arches; a->name != NULL; a++)
		if (name != NULL ? strcmp(a->name, name) == 0 : a->token == token)
			return a;
	return NULL;
}

/* ---- reading the profile --------------------------------------------------------------------- */

static int bad(struct mc_error *err, const char *where, const char *fmt, const char *what)
{
	char text[MC_ERROR_MAX / 2];

	snprintf(text, sizeof(text), fmt, what);
	return mc_fail(err, 0, "seccomp profile: %s%s%s", where, where[0] ? ": " : "", text);
}

/* A string field, or NULL if absent; -1 if present but not a string. */
static int get_string(json_t *obj, const char *key, const char **out, const char *where,
                      struct mc_error *err)
{
	json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return bad(err, where, "%s is not a string", key);
	*out = json_string_value(v);
	return 0;
}

/* An array of strings, or NULL if absent (Docker writes null for an empty list). */
static int get_strings(json_t *obj, const char *key, json_t **out, const char *where,
                       struct mc_error *err)
{
	json_t *v = json_object_get(obj, key), *item;
	size_t i;

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_array(v))
		return bad(err, where, "%s is not an array", key);
	json_array_foreach(v, i, item) if (!json_is_string(item)) return bad(
	    err, where, "%s holds something that is not a string", key);
	*out = v;
	return 0;
}

/* A whole number in [0, max], or `absent` when the field is missing. */
static int get_number(json_t *obj, const char *key, json_int_t max, json_int_t absent,
                      json_int_t *out, const char *where, struct mc_error *err)
{
	json_t *v = json_object_get(obj, key);

	*out = absent;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > max)
		return bad(err, where, "%s is not a whole number in range", key);
	*out = json_integer_value(v);
	return 0;
}

/* "5.10", "4.8.0", "6.1.0-13-amd64": major and minor; -1 if it is not a version. */
static int parse_kernel_version(const char *text, unsigned v[2])
{
	char *end;
	unsigned long major, minor;

	if (text[0] < '0' || text[0] > '9')
		return -1;
	major = strtoul(text, &end, 10);
	if (*end != '.' || end[1] < '0' || end[1] > '9')
		return -1;
	minor = strtoul(end + 1, &end, 10);
	if (major > 1000 || minor > 1000 || (*end != '\0' && *end != '.' && *end != '-'))
		return -1;
	v[0] = (unsigned)major;
	v[1] = (unsigned)minor;
	return 0;
}

/* An action name plus its errnoRet (-1: none given): libseccomp's action value. */
static int parse_action(const char *name, json_int_t ret, uint32_t *out, const char *where,
                        struct mc_error *err)
{
	const struct named *a;

	if (name == NULL)
		return bad(err, where, "%s is missing", "the action");
	if (strcmp(name, "SCMP_ACT_NOTIFY") == 0)
		return bad(err, where, "%s needs a listener, which minicontainer does not provide",
		           name);
	a = find_named(actions, name);
	if (a == NULL)
		return bad(err, where, "unknown action \"%s\"", name);
	*out = a->value;
	if (a->value == SCMP_ACT_ERRNO(0) && ret > MAX_ERRNO)
		return bad(err, where, "%s: errnoRet is not an errno value (0 to 4095)", name);
	if (a->value == SCMP_ACT_ERRNO(0)) /* EPERM unless the profile says otherwise */
		*out = SCMP_ACT_ERRNO(ret >= 0 ? ret : EPERM);
	else if (a->value == SCMP_ACT_TRACE(0))
		*out = SCMP_ACT_TRACE(ret >= 0 ? ret : EPERM);
	else if (ret >= 0)
		return bad(err, where, "%s takes no errnoRet", name);
	return 0;
}

/*
 * includes / excludes: the rule is for this container if every condition
 * of includes holds (each capability named, this architecture, this kernel
 * or newer) and none of excludes does (not one of its capabilities, ...).
 * A condition that is not there does not count.
 */
static int eval_filter(json_t *rule, bool includes, const struct ns_seccomp_target *t,
                       bool *applies, const char *where, struct mc_error *err)
{
	const char *key = includes ? "includes" : "excludes", *min_kernel;
	json_t *f = json_object_get(rule, key), *caps, *list, *item;
	bool all = true, any = false;
	size_t i;

	*applies = true;
	if (f == NULL || json_is_null(f))
		return 0;
	if (!json_is_object(f))
		return bad(err, where, "%s is not an object", key);
	if (get_strings(f, "caps", &caps, where, err) < 0 ||
	    get_strings(f, "arches", &list, where, err) < 0 ||
	    get_string(f, "minKernel", &min_kernel, where, err) < 0)
		return -1;
	json_array_foreach(caps, i, item)
	{
		/* Docker compares with the names of the bounding set: "CAP_SYS_ADMIN". */
		const char *name = json_string_value(item);
		struct mc_error ignored;
		ns_caps bit = 0;
		bool held = strncmp(name, "CAP_", 4) == 0 &&
		            ns_cap_from_name(name, &bit, &ignored) == 0 && (t->caps & bit) == bit;

		all = all && held;
		any = any || held;
	}
	if (list != NULL) {
		bool found = false;

		json_array_foreach(list, i, item) found =
		    found || strcmp(json_string_value(item), t->arch) == 0;
		all = all && found;
		any = any || found;
	}
	if (min_kernel != NULL && min_kernel[0] != '\0') {
		unsigned v[2];
		bool newer;

		if (parse_kernel_version(min_kernel, v) < 0)
			return bad(err, where, "minKernel \"%s\" is not a kernel version",
			           min_kernel);
		newer = t->kernel[0] > v[0] || (t->kernel[0] == v[0] && t->kernel[1] >= v[1]);
		all = all && newer;
		any = any || newer;
	}
	*applies = includes ? all : !any;
	return 0;
}

/* args[]: the comparisons; *split when one argument is tested twice (see add_rule). */
static int parse_args(json_t *rule, struct scmp_arg_cmp *conds, size_t *n, bool *split,
                      const char *where, struct mc_error *err)
{
	json_t *args = json_object_get(rule, "args"), *a;
	unsigned seen = 0;
	size_t i;

	*n = 0;
	*split = false;
	if (args == NULL || json_is_null(args))
		return 0;
	if (!json_is_array(args))
		return bad(err, where, "%s is not an array", "args");
	if (json_array_size(args) > MAX_CONDS)
		return bad(err, where, "%s: too many comparisons", "args");
	json_array_foreach(args, i, a)
	{
		json_int_t index, value, value_two;
		const struct named *op;
		const char *op_name;
		char at[WHERE_SIZE * 2];

		snprintf(at, sizeof(at), "%s.args[%zu]", where, i);
		if (!json_is_object(a))
			return bad(err, at, "%s", "not an object");
		if (get_number(a, "index", MAX_ARGS - 1, 0, &index, at, err) < 0 ||
		    get_number(a, "value", INT64_MAX, 0, &value, at, err) < 0 ||
		    get_number(a, "valueTwo", INT64_MAX, 0, &value_two, at, err) < 0 ||
		    get_string(a, "op", &op_name, at, err) < 0)
			return -1;
		op = op_name ? find_named(operators, op_name) : NULL;
		if (op == NULL)
			return bad(err, at, "unknown operator \"%s\"", op_name ? op_name : "");
		/* MASKED_EQ: (arg & value) == valueTwo. */
		conds[*n] = (struct scmp_arg_cmp){(unsigned)index, (enum scmp_compare)op->value,
		                                  (scmp_datum_t)value, (scmp_datum_t)value_two};
		(*n)++;
		if (seen & (1u << index))
			*split = true;
		seen |= 1u << index;
	}
	return 0;
}

/*
 * One system call, one rule.  libseccomp takes one comparison per argument
 * in a rule (all must hold); a profile that tests an argument twice means
 * "either" - runc adds one rule per comparison then, and so do we.
 */
static int add_rule(struct ns_seccomp *sc, const char *name, uint32_t action,
                    const struct scmp_arg_cmp *conds, size_t n, bool split, const char *where,
                    struct mc_error *err)
{
	int nr = seccomp_syscall_resolve_name(name), rc = 0;

	if (nr == __NR_SCMP_ERROR) {
		sc->unknown++;
		return 0;
	}
	if (!split)
		rc = seccomp_rule_add_array(sc->ctx, action, nr, (unsigned)n, conds);
	for (size_t i = 0; split && rc == 0 && i < n; i++)
		rc = seccomp_rule_add_array(sc->ctx, action, nr, 1, &conds[i]);
	if (rc < 0)
		return mc_fail(err, -rc, "seccomp profile: %s: the rule for %s", where, name);
	sc->rules += split ? (unsigned)n : 1;
	return 0;
}

/* One entry of syscalls[]: read all of it, then add it if it applies. */
static int read_rule(json_t *rule, size_t index, uint32_t default_action,
                     const struct ns_seccomp_target *t, struct mc_error *err)
{
	struct scmp_arg_cmp conds[MAX_CONDS];
	const char *name, *action_name;
	char where[WHERE_SIZE];
	bool split, included, not_excluded;
	json_int_t ret;
	json_t *names, *item;
	uint32_t action;
	size_t n, i;

	snprintf(where, sizeof(where), "syscalls[%zu]", index);
	if (!json_is_object(rule))
		return bad(err, where, "%s", "not an object");
	if (get_string(rule, "name", &name, where, err) < 0 ||
	    get_strings(rule, "names", &names, where, err) < 0 ||
	    get_string(rule, "action", &action_name, where, err) < 0 ||
	    get_number(rule, "errnoRet", 0xffff, -1, &ret, where, err) < 0 ||
	    parse_action(action_name, ret, &action, where, err) < 0 ||
	    parse_args(rule, conds, &n, &split, where, err) < 0 ||
	    eval_filter(rule, true, t, &included, where, err) < 0 ||
	    eval_filter(rule, false, t, &not_excluded, where, err) < 0)
		return -1;
	if (name != NULL && names != NULL)
		return bad(err, where, "%s", "both name and names: use one");
	if (name == NULL && names == NULL)
		return bad(err, where, "%s", "no name or names");
	/* Not for this container, or nothing to say beyond the default. */
	if (t->out == NULL || !included || !not_excluded || action == default_action)
		return 0;
	if (name != NULL)
		return add_rule(t->out, name, action, conds, n, split, where, err);
	json_array_foreach(names, i, item)
	{
		if (add_rule(t->out, json_string_value(item), action, conds, n, split, where, err) <
		    0)
			return -1;
	}
	return 0;
}

/* Add one architecture to the filter; the native one is there from the start. */
static int add_arch(struct ns_seccomp *sc, const char *name, const char *where,
                    struct mc_error *err)
{
	const struct arch *a = find_arch(name, 0);
	int rc;

	if (a == NULL)
		return bad(err, where, "unknown architecture \"%s\"", name);
	if (sc == NULL || seccomp_arch_exist(sc->ctx, a->token) == 0)
		return 0;
	rc = seccomp_arch_add(sc->ctx, a->token);
	if (rc < 0)
		return mc_fail(err, -rc,
		               "seccomp profile: %s: libseccomp cannot add %s to a filter "
		               "for this machine",
		               where, name);
	return 0;
}

/*
 * architectures: a plain list.  archMap: per native architecture, the ones
 * its programs may also use - only the entry of this machine counts.
 */
static int read_arches(json_t *doc, const struct ns_seccomp_target *t, struct mc_error *err)
{
	json_t *list, *map = json_object_get(doc, "archMap"), *entry, *sub, *item;
	const char *name;
	size_t i, j;

	if (get_strings(doc, "architectures", &list, "", err) < 0)
		return -1;
	if (list != NULL && json_array_size(list) > 0 && map != NULL && json_array_size(map) > 0)
		return bad(err, "", "%s", "both architectures and archMap: use one");
	json_array_foreach(list, i, item) if (add_arch(t->out, json_string_value(item),
	                                               "architectures", err) < 0) return -1;
	if (map == NULL || json_is_null(map))
		return 0;
	if (!json_is_array(map))
		return bad(err, "", "%s is not an array", "archMap");
	json_array_foreach(map, i, entry)
	{
		char where[WHERE_SIZE];
		const struct arch *a;

		snprintf(where, sizeof(where), "archMap[%zu]", i);
		if (!json_is_object(entry))
			return bad(err, where, "%s", "not an object");
		if (get_string(entry, "architecture", &name, where, err) < 0 ||
		    get_strings(entry, "subArchitectures", &sub, where, err) < 0)
			return -1;
		if (name == NULL)
			return bad(err, where, "%s is missing", "architecture");
		a = find_arch(name, 0);
		if (a == NULL || strcmp(a->short_name, t->arch) != 0)
			continue;
		json_array_foreach(sub, j, item) if (add_arch(t->out, json_string_value(item),
		                                              where, err) < 0) return -1;
	}
	return 0;
}

static int read_flags(json_t *doc, struct ns_seccomp *sc, struct mc_error *err)
{
	const char *listener;
	json_t *flags, *item;
	size_t i;

	if (get_string(doc, "listenerPath", &listener, "", err) < 0 ||
	    get_strings(doc, "flags", &flags, "", err) < 0)
		return -1;
	if (listener != NULL && listener[0] != '\0')
		return bad(err, "", "%s: minicontainer has no seccomp listener", "listenerPath");
	json_array_foreach(flags, i, item)
	{
		const struct flag *f = filter_flags;

		while (f->name != NULL && strcmp(f->name, json_string_value(item)) != 0)
			f++;
		if (f->name == NULL)
			return bad(err, "flags", "unknown flag \"%s\"", json_string_value(item));
		if (sc == NULL)
			continue;
		if (seccomp_attr_set(sc->ctx, f->attr, 1) < 0)
			return mc_fail(err, EINVAL, "seccomp: flag %s is not supported here",
			               f->name);
		sc->flags |= f->kernel;
	}
	return 0;
}

int ns_seccomp_target_init(ns_caps caps, struct ns_seccomp_target *t, struct mc_error *err)
{
	const struct arch *a = find_arch(NULL, seccomp_arch_native());
	struct utsname u;

	memset(t, 0, sizeof(*t));
	t->caps = caps;
	if (a == NULL)
		return mc_fail(err, ENOTSUP, "seccomp: this architecture is not supported");
	t->arch = a->short_name;
	if (uname(&u) < 0 || parse_kernel_version(u.release, t->kernel) < 0)
		return mc_fail(err, errno ? errno : EINVAL, "seccomp: the kernel's version");
	return 0;
}

/* The whole profile; out NULL only checks it.  *empty: a profile with no rules at all. */
int ns_seccomp_read_profile(json_t *doc, const struct ns_seccomp_target *t,
                            uint32_t *default_action, bool *empty, struct mc_error *err)
{
	const char *name;
	json_int_t ret;
	json_t *rules, *rule;
	size_t i;

	if (!json_is_object(doc))
		return bad(err, "", "%s", "not a JSON object");
	if (get_string(doc, "defaultAction", &name, "", err) < 0 ||
	    get_number(doc, "defaultErrnoRet", MAX_ERRNO, -1, &ret, "", err) < 0)
		return -1;
	rules = json_object_get(doc, "syscalls");
	if (rules != NULL && !json_is_null(rules) && !json_is_array(rules))
		return bad(err, "", "%s is not an array", "syscalls");
	/* Docker: no default action and no rules is no filter at all. */
	*empty = (name == NULL || name[0] == '\0') && json_array_size(rules) == 0;
	if (*empty)
		return 0;
	if (parse_action(name, ret, default_action, "defaultAction", err) < 0)
		return -1;
	if (read_arches(doc, t, err) < 0 || read_flags(doc, t->out, err) < 0)
		return -1;
	json_array_foreach(rules, i,
	                   rule) if (read_rule(rule, i, *default_action, t, err) < 0) return -1;
	return 0;
}
