/*
 * devices.c - chapter 02: the device policy - Docker's rules, --device, and
 * the v1 devices controller.  The v2 program is in device_bpf.c.
 */
#define _GNU_SOURCE
#include "cg_devices.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "mc_trace.h"

#define CH "ch02"

/*
 * Docker's default rules (moby's oci.DefaultLinuxSpec), then those runc
 * appends to every container's (its specconv.AllowedDevices), in the order
 * runc applies them.  Everything not allowed here is denied.
 */
const struct cg_device_rule cg_default_device_rules[] = {
    {true, 'c', 1, 5, CG_DEV_ALL},                     /* /dev/zero */
    {true, 'c', 1, 3, CG_DEV_ALL},                     /* /dev/null */
    {true, 'c', 1, 9, CG_DEV_ALL},                     /* /dev/urandom */
    {true, 'c', 1, 8, CG_DEV_ALL},                     /* /dev/random */
    {true, 'c', 5, 0, CG_DEV_ALL},                     /* /dev/tty */
    {true, 'c', 5, 1, CG_DEV_ALL},                     /* /dev/console */
    {false, 'c', 10, 229, CG_DEV_ALL},                 /* /dev/fuse: Docker denies it by name */
    {true, 'c', CG_DEV_ANY, CG_DEV_ANY, CG_DEV_MKNOD}, /* mknod of any node ... */
    {true, 'b', CG_DEV_ANY, CG_DEV_ANY, CG_DEV_MKNOD}, /* ... but not opening it */
    {true, 'c', 1, 7, CG_DEV_ALL},                     /* /dev/full */
    {true, 'c', 136, CG_DEV_ANY, CG_DEV_ALL},          /* /dev/pts/N: the container's terminals */
    {true, 'c', 5, 2, CG_DEV_ALL},                     /* /dev/ptmx */
    /* /dev/net/tun: runc removed it in 1.2.0-rc1 and put it back for the
     * users that broke; making an interface with it still needs CAP_NET_ADMIN. */
    {true, 'c', 10, 200, CG_DEV_ALL},
};
const size_t cg_n_default_device_rules =
    sizeof(cg_default_device_rules) / sizeof(cg_default_device_rules[0]);

void cg_devices_init(struct cg_devices *d)
{
	memset(d, 0, sizeof(*d));
}

/* Docker's validDeviceMode: r, w and m, each at most once, at least one. */
static bool valid_access(const char *text, unsigned *access)
{
	*access = 0;
	for (const char *p = text; *p != '\0'; p++) {
		unsigned bit = *p == 'r'   ? CG_DEV_READ
		               : *p == 'w' ? CG_DEV_WRITE
		               : *p == 'm' ? CG_DEV_MKNOD
		                           : 0;

		if (bit == 0 || (*access & bit) != 0)
			return false;
		*access |= bit;
	}
	return *access != 0;
}

int cg_parse_device_access(const char *text, unsigned *access, struct mc_error *err)
{
	if (!valid_access(text, access))
		return mc_fail(err, 0, "bad device permissions '%s' (r, w and m, e.g. rwm)", text);
	return 0;
}

static int copy_path(char *dst, size_t size, const char *src, const char *spec,
                     struct mc_error *err)
{
	if ((size_t)snprintf(dst, size, "%s", src) >= size)
		return mc_fail(err, ENAMETOOLONG, "invalid device '%s'", spec);
	return 0;
}

int cg_parse_device_spec(const char *text, struct cg_device_spec *spec, struct mc_error *err)
{
	const char *host, *container = NULL, *access = "rwm";
	char buf[1024], *parts[4];
	size_t n = 0;
	unsigned bits;

	memset(spec, 0, sizeof(*spec));
	if (copy_path(buf, sizeof(buf), text, text, err) < 0)
		return -1;
	/* At most three parts: a fourth means a colon too many. */
	for (char *p = buf, *colon; n < 4; p = colon + 1) {
		parts[n++] = p;
		colon = strchr(p, ':');
		if (colon == NULL)
			break;
		*colon = '\0';
	}
	if (n > 3 || parts[0][0] == '\0')
		return mc_fail(err, 0, "invalid device '%s': use HOST[:CONTAINER][:PERMISSIONS]",
		               text);
	host = parts[0];
	/* Docker: a second part that reads as permissions is permissions, else a path. */
	if (n == 2 && valid_access(parts[1], &bits))
		access = parts[1];
	else if (n >= 2)
		container = parts[1];
	if (n == 3)
		access = parts[2];
	if (!valid_access(access, &bits))
		return mc_fail(err, 0, "invalid device '%s': bad permissions '%s' (r, w and m)",
		               text, access);
	if (host[0] != '/')
		return mc_fail(err, 0, "invalid device '%s': the host's path must be absolute",
		               text);
	if (container != NULL && container[0] != '/')
		return mc_fail(err, 0, "invalid device '%s': %s is not an absolute path", text,
		               container);
	if (copy_path(spec->host, sizeof(spec->host), host, text, err) < 0 ||
	    copy_path(spec->container, sizeof(spec->container), container ? container : host, text,
	              err) < 0)
		return -1;
	snprintf(spec->access, sizeof(spec->access), "%s", access);
	return 0;
}

int cg_devices_add(struct cg_devices *d, const char *host, const char *container,
                   const char *access, struct mc_error *err)
{
	struct cg_device_rule *rule;
	struct ns_device *node;
	struct stat st;
	unsigned bits;

	if (container == NULL)
		container = host;
	if (host[0] != '/' || container[0] != '/')
		return mc_fail(err, 0, "device %s:%s: paths must be absolute", host, container);
	if (cg_parse_device_access(access ? access : "rwm", &bits, err) < 0)
		return -1;
	if (d->nnodes == CG_MAX_DEVICES || d->nrules == CG_MAX_DEVICES)
		return mc_fail(err, E2BIG, "more than %d devices", CG_MAX_DEVICES);
	/* stat(2) follows a symlink, as Docker does: /dev/disk/by-id/... names the disk. */
	if (stat(host, &st) < 0)
		return mc_fail(err, errno,
		               "error gathering device information while adding custom "
		               "device \"%s\"",
		               host);
	if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
		return mc_fail(err, 0,
		               "error gathering device information while adding custom "
		               "device \"%s\": not a device node",
		               host);
	node = &d->nodes[d->nnodes];
	rule = &d->rules[d->nrules];
	memset(node, 0, sizeof(*node));
	if (copy_path(node->path, sizeof(node->path), container, container, err) < 0 ||
	    copy_path(node->host_path, sizeof(node->host_path), host, host, err) < 0)
		return -1;
	node->mode = st.st_mode;
	node->rdev = st.st_rdev;
	node->uid = st.st_uid;
	node->gid = st.st_gid;
	*rule = (struct cg_device_rule){true, S_ISBLK(st.st_mode) ? 'b' : 'c', major(st.st_rdev),
	                                minor(st.st_rdev), bits};
	d->nnodes++;
	d->nrules++;
	return 0;
}

int cg_devices_add_spec(struct cg_devices *d, const char *text, struct mc_error *err)
{
	struct cg_device_spec spec;

	if (cg_parse_device_spec(text, &spec, err) < 0)
		return -1;
	return cg_devices_add(d, spec.host, spec.container, spec.access, err);
}

static void format_number(char *buf, size_t size, int64_t n)
{
	if (n == CG_DEV_ANY)
		snprintf(buf, size, "*");
	else
		snprintf(buf, size, "%lld", (long long)n);
}

int cg_format_device_rule(const struct cg_device_rule *r, char *buf, size_t size,
                          struct mc_error *err)
{
	char major[24], minor[24], access[4];
	size_t k = 0;

	/* The kernel's order of the letters: r, w, m. */
	if (r->access & CG_DEV_READ)
		access[k++] = 'r';
	if (r->access & CG_DEV_WRITE)
		access[k++] = 'w';
	if (r->access & CG_DEV_MKNOD)
		access[k++] = 'm';
	access[k] = '\0';
	if (k == 0 || (r->type != 'a' && r->type != 'b' && r->type != 'c'))
		return mc_fail(err, EINVAL, "invalid device rule");
	format_number(major, sizeof(major), r->major);
	format_number(minor, sizeof(minor), r->minor);
	if ((size_t)snprintf(buf, size, "%c %s:%s %s", r->type, major, minor, access) >= size)
		return mc_fail(err, ENAMETOOLONG, "device rule");
	return 0;
}

size_t cg_device_rules(const struct cg_devices *d, struct cg_device_rule *out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < cg_n_default_device_rules && n < max; i++)
		out[n++] = cg_default_device_rules[i];
	for (size_t i = 0; i < d->nrules && n < max; i++)
		out[n++] = d->rules[i];
	return n;
}

/*
 * v1: a new devices cgroup starts as a copy of its parent's list - on a
 * normal host, "a *:* rwm", everything.  Writing "a" to devices.deny empties
 * it and turns the default to deny; every devices.allow line after that is
 * one exception.  (A deny line removes an exception again.)
 */
static int apply_v1(const struct cgroup *cg, const struct cg_device_rule *rules, size_t n,
                    struct mc_error *err)
{
	char line[64];

	if (cg_write(cg, "devices", "devices.deny", "a", err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (cg_format_device_rule(&rules[i], line, sizeof(line), err) < 0 ||
		    cg_write(cg, "devices", rules[i].allow ? "devices.allow" : "devices.deny", line,
		             err) < 0)
			return -1;
	return 0;
}

int cg_apply_devices(const struct cgroup *cg, const struct cg_devices *d, struct mc_error *err)
{
	struct cg_device_rule rules[32 + CG_MAX_DEVICES];
	size_t n;

	if (d->allow_all) {
		/* No rule to write: the cgroup keeps its parent's "everything". */
		mc_trace(CH, "--privileged: every device may be opened; no device rules");
		return 0;
	}
	n = cg_device_rules(d, rules, sizeof(rules) / sizeof(rules[0]));
	/* Every rule must make sense as a v1 line, whichever backend gets it. */
	for (size_t i = 0; i < n; i++) {
		char line[64];

		if (cg_format_device_rule(&rules[i], line, sizeof(line), err) < 0)
			return -1;
	}
	if (cg->mode == CG_UNIFIED)
		return cg_bpf_install(cg, rules, n, err);
	return apply_v1(cg, rules, n, err);
}
