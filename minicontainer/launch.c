/* launch.c - see launch.h. */
#define _GNU_SOURCE
#include "mc_launch.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "mc_file.h"
#include "mc_resolve.h"
#include "img_run.h"
#include "mc.h"
#include "mc_net.h"
#include "mc_env.h"
#include "mc_mounts.h"
#include "mc_volume.h"
#include "mc_tty.h"
#include "mc_trace.h"

#define CH "capstone"

/* Everything one launch needs; one per process, so it can be static. */
static struct launch {
	struct mc_container *c;
	json_t *config, *host;
	char rundir[PATH_MAX], upper[PATH_MAX];
	struct img_run image;  /* chapter 04's step */
	struct ovl_run layers; /* chapter 03's */
	struct cg_run cgroup;  /* chapter 02's */
	struct net_run net;    /* chapter 05's */
	struct net_store netstore;
	struct mc_confinement confinement; /* chapter 01's */
	struct mc_mounts mounts;           /* -v, --mount, --tmpfs, in the order to mount them */
	char **argv, **env;
	const int *pass_fds; /* --preserve-fds */
	size_t npass_fds;
	const struct mc_launch_io *io; /* the container's stdio, from the monitor */
	pid_t pid;
} L;

/* ---- the capstone's step: in the child, before pivot_root --------------------------------- */

/*
 * Every target is the image's or the user's path: resolved inside the root
 * (chapters/common/resolve.c), so that an image's symlink cannot send a
 * volume, a tmpfs or /etc/hosts out of the container.
 */
static int bind_into(int rootfd, const char *source, const char *target, bool read_only,
                     unsigned long propagation, struct mc_error *err)
{
	struct stat st;
	int fd, rc;

	if (stat(source, &st) < 0)
		return mc_fail(err, errno, "bind source %s", source);
	fd = mc_open_or_make_in_root(rootfd, target, S_ISDIR(st.st_mode), err);
	if (fd < 0)
		return -1;
	rc = mc_mount_on_fd(source, fd, NULL, MS_BIND | MS_REC, NULL, CH, target, NULL, err);
	close(fd);
	if (rc < 0)
		return rc;
	/* Our descriptor still names the directory under the new mount: resolve
	 * the path again to reach the mount itself, then set its propagation
	 * (-v's private, slave or shared) and make it read-only. */
	fd = mc_open_or_make_in_root(rootfd, target, S_ISDIR(st.st_mode), err);
	if (fd < 0)
		return -1;
	rc = mc_mount_on_fd(NULL, fd, NULL, propagation, NULL, CH, target, NULL, err);
	if (rc == 0 && read_only)
		rc = mc_mount_on_fd(NULL, fd, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL, CH,
		                    target, NULL, err);
	close(fd);
	return rc;
}

static int mount_tmpfs(int rootfd, const struct mc_mount *t, struct mc_error *err)
{
	int fd, rc;

	fd = mc_open_or_make_in_root(rootfd, t->target, true, err);
	if (fd < 0)
		return -1;
	/* (a tmpfs, or a volume's own filesystem: --opt type=,device=,o=) */
	rc = mc_mount_on_fd(t->fstype[0] ? t->device : "tmpfs", fd,
	                    t->fstype[0] ? t->fstype : "tmpfs", t->flags,
	                    t->data[0] ? t->data : NULL, CH, t->target, NULL, err);
	close(fd);
	return rc;
}

/* Host side: -v's missing sources, the tmpfs options, the order (mc_mounts.h). */
static int prepare_mounts(struct ns_container *ct, void *arg, struct mc_error *err)
{
	(void)ct;
	(void)arg;
	return mc_mounts_prepare(L.host, L.rundir, &L.mounts, err);
}

/*
 * Docker's copy-up (mc_volume.h): an empty volume gets the image's files at
 * its target.  A step of its own, before chapter 05's: the root is the
 * image's and the container's only, without the /etc files the network
 * step mounts in it.
 */
static int copy_up_volumes(struct ns_container *ct, void *arg, struct mc_error *err)
{
	(void)arg;
	for (size_t i = 0; i < L.mounts.n; i++) {
		const struct mc_mount *m = &L.mounts.list[i];

		if (m->copy_up && mc_volume_copy_up(ct->rootfd, m->target, m->source, err) < 0)
			return -1;
	}
	return 0;
}

static int mount_volumes(struct ns_container *ct, void *arg, struct mc_error *err)
{
	(void)arg;
	/* Docker's /etc files (bind mounts of files it keeps outside the image) among them. */
	for (size_t i = 0; i < L.mounts.n; i++) {
		const struct mc_mount *m = &L.mounts.list[i];

		if ((m->source != NULL ? bind_into(ct->rootfd, m->source, m->target, m->read_only,
		                                   m->propagation, err)
		                       : mount_tmpfs(ct->rootfd, m, err)) < 0)
			return -1;
	}
	/* --read-only: the root mount alone becomes read-only; volumes keep their mode. */
	if (json_is_true(json_object_get(L.host, "ReadonlyRootfs")))
		return mc_mount_on_fd(NULL, ct->rootfd, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY,
		                      NULL, CH, "/", "--read-only", err);
	return 0;
}

/* ---- the launch ---------------------------------------------------------------------------- */

/* The command runs: record it, then let the caller serve its I/O until it ends. */
static int started(struct ns_container *ct, void *arg, struct mc_error *err)
{
	(void)arg;
	L.pid = ct->pid;
	if (mc_container_set_running(L.c, ct->pid, err) < 0)
		return -1;
	return L.io->serve != NULL ? L.io->serve(ct->pid, L.io->serve_arg, err) : 0;
}

static char **strv_of(json_t *a, json_t *b)
{
	size_t n = json_array_size(a) + json_array_size(b), k = 0;
	char **v = calloc(n + 1, sizeof(*v));
	json_t *item;
	size_t i;

	if (v == NULL)
		return NULL;
	json_array_foreach(a, i, item) v[k++] = (char *)json_string_value(item);
	json_array_foreach(b, i, item) v[k++] = (char *)json_string_value(item);
	return v;
}

static void limits_of(json_t *host, struct cg_limits *l)
{
	cg_limits_init(l);
	if (json_integer_value(json_object_get(host, "Memory")) > 0)
		l->memory = json_integer_value(json_object_get(host, "Memory"));
	l->memory_swap = json_integer_value(json_object_get(host, "MemorySwap"));
	if (l->memory_swap == 0)
		l->memory_swap = -2;
	l->cpus = (double)json_integer_value(json_object_get(host, "NanoCpus")) / 1e9;
	l->cpu_shares = json_integer_value(json_object_get(host, "CpuShares"));
	l->pids = json_integer_value(json_object_get(host, "PidsLimit"));
}

/*
 * The device policy: Docker's rules, a rule and a node for each --device;
 * --privileged allows every device and copies the host's nodes (configure()).
 * The host's nodes are looked up now, at start, as Docker does.
 */
static int devices_of(json_t *host, struct cg_devices *d, struct mc_error *err)
{
	json_t *dev;
	size_t i;

	d->allow_all = json_is_true(json_object_get(host, "Privileged"));
	json_array_foreach(json_object_get(host, "Devices"), i, dev)
	{
		if (cg_devices_add(d, json_string_value(json_object_get(dev, "PathOnHost")) ?: "",
		                   json_string_value(json_object_get(dev, "PathInContainer")),
		                   json_string_value(json_object_get(dev, "CgroupPermissions")),
		                   err) < 0)
			return -1;
	}
	return 0;
}

/* JSON array of strings -> NULL-terminated array (the strings stay the document's). */
static const char **names_of(json_t *array)
{
	const char **v = calloc(json_array_size(array) + 1, sizeof(*v));
	json_t *item;
	size_t i, k = 0;

	if (v == NULL)
		return NULL;
	json_array_foreach(array, i, item) if (json_is_string(item)) v[k++] =
	    json_string_value(item);
	return v;
}

int mc_confinement_from_record(json_t *doc, struct mc_confinement *m, struct mc_error *err)
{
	json_t *config = json_object_get(doc, "Config"), *host = json_object_get(doc, "HostConfig");
	json_t *opt;
	size_t i;
	int rc = -1;

	memset(m, 0, sizeof(*m));
	ns_confine_init(&m->conf);
	m->cap_add = names_of(json_object_get(host, "CapAdd"));
	m->cap_drop = names_of(json_object_get(host, "CapDrop"));
	m->group_add = names_of(json_object_get(host, "GroupAdd"));
	if (m->cap_add == NULL || m->cap_drop == NULL || m->group_add == NULL) {
		mc_fail(err, ENOMEM, "capabilities");
		goto out;
	}
	m->conf.user = json_string_value(json_object_get(config, "User"));
	m->conf.group_add = m->group_add;
	m->conf.privileged = json_is_true(json_object_get(host, "Privileged"));
	/* Building a seccomp filter takes longer than starting a container: keep them. */
	snprintf(m->seccomp_cache, sizeof(m->seccomp_cache), "%s/seccomp", mc_run_dir());
	m->conf.seccomp_cache = m->seccomp_cache;
	if (ns_caps_compute(ns_default_caps(), m->cap_add, m->cap_drop, &m->conf.caps, err) < 0)
		goto out;
	/* Docker keeps the profile's text in the record: the file may change or go. */
	json_array_foreach(json_object_get(host, "SecurityOpt"), i, opt)
	{
		const char *o = json_string_value(opt);

		if (o == NULL)
			continue;
		if (strcmp(o, "no-new-privileges") == 0 || strcmp(o, "no-new-privileges=true") == 0)
			m->conf.no_new_privs = true;
		else if (strcmp(o, "seccomp=unconfined") == 0)
			m->conf.seccomp_unconfined = true;
		else if (strncmp(o, "seccomp=", 8) == 0)
			m->conf.seccomp_profile = o + 8;
	}
	rc = 0;
out:
	if (rc < 0)
		mc_confinement_free(m);
	return rc;
}

void mc_confinement_free(struct mc_confinement *m)
{
	ns_confine_release(&m->conf);
	free(m->cap_add);
	free(m->cap_drop);
	free(m->group_add);
	m->cap_add = m->cap_drop = m->group_add = NULL;
}

/* Docker's --security-opt systempaths=unconfined and --privileged: /proc and /sys as they are. */
static bool system_paths_unconfined(void)
{
	json_t *opt;
	size_t i;

	if (json_is_true(json_object_get(L.host, "Privileged")))
		return true;
	json_array_foreach(json_object_get(L.host, "SecurityOpt"), i, opt)
	{
		if (strcmp(json_string_value(opt) ?: "", "systempaths=unconfined") == 0)
			return true;
	}
	return false;
}

/* The command, its environment and its place, from the record. */
static int configure(struct ns_config *cfg, const char *hostname, struct mc_error *err)
{
	static const char *const none[] = {NULL};
	const char *h;

	L.argv = strv_of(json_object_get(L.config, "Entrypoint"), json_object_get(L.config, "Cmd"));
	/* PATH, HOSTNAME (and TERM for a terminal) under the record's Env, as Docker does. */
	L.env = mc_env_for_container(L.c, json_is_true(json_object_get(L.config, "Tty")), NULL);
	if (L.argv == NULL || L.argv[0] == NULL || L.env == NULL)
		return mc_fail(err, 0, "no command specified");
	cfg->argv = L.argv;
	cfg->envp = L.env;
	cfg->hostname = hostname;
	h = json_string_value(json_object_get(L.config, "WorkingDir"));
	cfg->workdir = h && h[0] ? h : NULL;
	cfg->init = json_is_true(json_object_get(L.host, "Init"));
	cfg->pass_fds = L.pass_fds;
	cfg->npass_fds = L.npass_fds;
	if (system_paths_unconfined())
		cfg->masked_paths = cfg->readonly_paths = none;
	cfg->sysfs_rw = json_is_true(json_object_get(L.host, "Privileged"));
	for (int i = 0; i < 3; i++)
		cfg->stdio[i] = L.io->stdio[i];
	cfg->console_socket = L.io->console_socket;
	cfg->console_rows = L.io->rows;
	cfg->console_cols = L.io->cols;
	cfg->host_devices = json_is_true(json_object_get(L.host, "Privileged"));
	return 0;
}

/*
 * The container's lifecycle (chapter 01's ns_run), with every chapter's step
 * in it, in this order - and torn down in the reverse order:
 *
 *	ch04  image layers   find the image, unpack its layers once
 *	ch03  overlay        the layers + the container's upper layer = its root
 *	ch02  cgroup         limits; the process placed before it runs
 *	here  copy-up        empty volumes filled from the image (mc_volume.h)
 *	ch05  network        address, veth, ports, /etc/hosts & co (mc_net_configure)
 *	here  volumes        -v, --tmpfs, --read-only; "running"
 *	ch01  confinement    user, capabilities, seccomp: the last before-exec hook
 */
static int add_steps(struct ns_config *cfg, struct img_store *st, const char *hostname,
                     struct mc_error *err)
{
	const struct ns_step copy_up = {
	    .chapter = CH,
	    .name = "volumes: copy-up",
	    .prepare = prepare_mounts,
	    .before_pivot = copy_up_volumes,
	};
	const struct ns_step capstone = {
	    .chapter = CH,
	    .name = "volumes and state",
	    .before_pivot = mount_volumes,
	    .started = started,
	};

	L.image = (struct img_run){
	    st, json_string_value(json_object_get(L.c->doc, "ImageManifest")), &L.layers};
	snprintf(L.upper, sizeof(L.upper), "%s/upper", L.c->dir);
	L.layers.upper = L.upper;
	L.layers.scratch = L.rundir; /* rm removes it, even after a kill -9 */
	cg_run_init(&L.cgroup);
	L.cgroup.name = L.c->id;
	/* Docker's default: the host's cgroup namespace on v1, a private one on v2 (spec.c). */
	L.cgroup.host_cgroupns =
	    strcmp(json_string_value(json_object_get(L.host, "CgroupnsMode")) ?: "", "host") == 0;
	limits_of(L.host, &L.cgroup.limits);
	if (devices_of(L.host, &L.cgroup.devices, err) < 0)
		return -1;
	if (img_add_step(cfg, &L.image, err) < 0 || ovl_add_step(cfg, &L.layers, err) < 0 ||
	    cg_add_step(cfg, &L.cgroup, err) < 0 || ns_add_step(cfg, &copy_up, err) < 0 ||
	    mc_net_configure(L.c, L.rundir, hostname, &L.netstore, &L.net, err) < 0)
		return -1;
	/* Chapter 05 writes the /etc files; the capstone mounts them among the user's mounts,
	 * in Docker's order, read-only with --read-only, or not where a -v takes their place
	 * (mounts.c). */
	L.net.etc_unmounted = true;
	if (net_add_step(cfg, &L.net, err) < 0 || ns_add_step(cfg, &capstone, err) < 0 ||
	    mc_confinement_from_record(L.c->doc, &L.confinement, err) < 0)
		return -1;
	return ns_add_confine_step(cfg, &L.confinement.conf, err);
}

int mc_launch(struct mc_container *c, const struct mc_launch_io *io, const int *pass_fds,
              size_t npass_fds)
{
	struct mc_error err;
	struct img_store st;
	struct ns_config cfg;
	char hostname[65];
	int code = MC_EXIT_FAILED;

	memset(&L, 0, sizeof(L));
	L.c = c;
	L.io = io;
	L.pass_fds = pass_fds;
	L.npass_fds = npass_fds;
	L.config = json_object_get(c->doc, "Config");
	L.host = json_object_get(c->doc, "HostConfig");
	snprintf(L.rundir, sizeof(L.rundir), "%s/%s", mc_run_dir(), c->id);
	mc_env_hostname(c, hostname, sizeof(hostname));
	st.lock_fd = -1;

	ns_config_init(&cfg);
	if (mc_open_store(&st, &err) < 0 || configure(&cfg, hostname, &err) < 0 ||
	    add_steps(&cfg, &st, hostname, &err) < 0) {
		mc_container_set_exited(c, MC_EXIT_FAILED, false, err.msg, &err);
		goto out;
	}
	if (ns_run(&cfg, &code, &err) < 0) {
		if (L.pid == 0 && code == MC_EXIT_FAILED)
			mc_fail_context(&err, "cannot start container %.12s", c->id);
		mc_container_set_exited(c, code, false, err.msg, &err);
		goto out;
	}
	if (mc_container_set_exited(c, code, L.cgroup.stats.oom_kills > 0, NULL, &err) < 0)
		mc_report(&err);
out:
	mc_confinement_free(&L.confinement);
	free(L.argv);
	mc_env_free(L.env);
	mc_mounts_free(&L.mounts);
	img_store_close(&st);
	return code;
}
