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

#include "img_extract.h"
#include "mc_file.h"
#include "img_run.h"
#include "mc.h"
#include "mc_security.h"
#include "mc_tty.h"
#include "mc_trace.h"

#define CH "capstone"

/* Everything one launch needs; one per process, so it can be static. */
static struct launch {
	struct mc_container *c;
	json_t *config, *host;
	char rundir[PATH_MAX];
	struct ovl_run layers;
	char **argv, **env;
	struct mc_tty tty; /* -t */
	bool stdin_open;
	volatile pid_t pid;
} L;

/* ---- /etc/hostname, /etc/hosts, /etc/resolv.conf --------------------------------------- */

static int write_text(const char *dir, const char *name, const char *text, struct mc_error *err)
{
	char path[PATH_MAX];
	FILE *f;

	if (mc_path_join(path, sizeof(path), dir, name, err) < 0)
		return -1;
	f = fopen(path, "we");
	if (f == NULL)
		return mc_fail(err, errno, "create %s", path);
	fputs(text, f);
	if (fclose(f) != 0)
		return mc_fail(err, errno, "write %s", path);
	return 0;
}

static int write_etc_files(const char *hostname, struct mc_error *err)
{
	char hosts[512], name[80], resolv[4096] = "";
	struct mc_error ignored;

	snprintf(name, sizeof(name), "%s\n", hostname);
	snprintf(hosts, sizeof(hosts),
	         "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
	         "127.0.1.1\t%s\n",
	         hostname);
	/* The host's resolver configuration, as Docker copies it. */
	mc_read_file("/etc/resolv.conf", resolv, sizeof(resolv), NULL, &ignored);
	if (mc_mkdir_p(L.rundir, 0700, err) < 0 ||
	    write_text(L.rundir, "hostname", name, err) < 0 ||
	    write_text(L.rundir, "hosts", hosts, err) < 0 ||
	    write_text(L.rundir, "resolv.conf", resolv, err) < 0)
		return -1;
	return 0;
}

/* ---- the hooks: in the child, before pivot_root and before exec -------------------------- */

/*
 * Open (creating it as a directory or an empty file) the mount point `target`
 * inside `rootfs`, resolved as if rootfs were "/": an image's symlink cannot
 * send a volume out of the container (chapter 04's resolver).
 */
static int open_mount_point(const char *rootfs, const char *target, bool dir, struct mc_error *err)
{
	const char *base;
	int rootfd, parent, fd;

	rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return mc_fail(err, errno, "open %s", rootfs);
	parent = img_open_parent_in_root(rootfd, target, &base, IMG_RESOLVE_AUTO, err);
	close(rootfd);
	if (parent < 0)
		return -1;
	if (dir)
		mkdirat(parent, base, 0755);
	else
		close(openat(parent, base, O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644));
	fd = openat(parent, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	close(parent);
	if (fd < 0)
		return mc_fail(err, errno, "mount point %s", target);
	return fd;
}

static int bind_into(const char *rootfs, const char *source, const char *target, bool read_only,
                     struct mc_error *err)
{
	char where[64];
	struct stat st;
	int fd, rc;

	if (stat(source, &st) < 0)
		return mc_fail(err, errno, "bind source %s", source);
	fd = open_mount_point(rootfs, target, S_ISDIR(st.st_mode), err);
	if (fd < 0)
		return -1;
	snprintf(where, sizeof(where), "/proc/self/fd/%d", fd);
	rc = mount(source, where, NULL, MS_BIND | MS_REC, NULL);
	mc_trace_call(CH, rc, NULL, "mount(\"%s\", \"%s\", MS_BIND)", source, target);
	close(fd);
	if (rc < 0)
		return mc_fail(err, errno, "mount %s on %s", source, target);
	if (!read_only)
		return 0;
	/* Our descriptor still names the directory under the new mount: resolve
	 * the path again to reach the mount itself, then make it read-only. */
	fd = open_mount_point(rootfs, target, S_ISDIR(st.st_mode), err);
	if (fd < 0)
		return -1;
	snprintf(where, sizeof(where), "/proc/self/fd/%d", fd);
	rc = mount(NULL, where, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL);
	close(fd);
	if (rc < 0)
		return mc_fail(err, errno, "make %s read-only", target);
	return 0;
}

static int mount_tmpfs(const char *rootfs, const char *target, const char *options,
                       struct mc_error *err)
{
	char where[64];
	int fd, rc;

	fd = open_mount_point(rootfs, target, true, err);
	if (fd < 0)
		return -1;
	snprintf(where, sizeof(where), "/proc/self/fd/%d", fd);
	rc = mount("tmpfs", where, "tmpfs", MS_NOSUID | MS_NODEV,
	           options && options[0] ? options : "mode=1777");
	mc_trace_call(CH, rc, NULL, "mount(\"tmpfs\", \"%s\", \"tmpfs\")", target);
	close(fd);
	if (rc < 0)
		return mc_fail(err, errno, "tmpfs on %s", target);
	return 0;
}

static int before_pivot(const char *rootfs, void *arg, struct mc_error *err)
{
	static const char *const etc[] = {"hostname", "hosts", "resolv.conf"};
	json_t *mounts = json_object_get(L.host, "Mounts"),
	       *tmpfs = json_object_get(L.host, "Tmpfs");
	const char *target, *options;
	json_t *m, *value;
	size_t i;

	(void)arg;
	/* Docker's files are bind mounts of files it keeps outside the image. */
	for (i = 0; i < sizeof(etc) / sizeof(etc[0]); i++) {
		char source[PATH_MAX], dest[64];

		snprintf(dest, sizeof(dest), "/etc/%s", etc[i]);
		if (mc_path_join(source, sizeof(source), L.rundir, etc[i], err) < 0 ||
		    bind_into(rootfs, source, dest, false, err) < 0)
			return -1;
	}
	json_array_foreach(mounts, i, m)
	{
		if (bind_into(rootfs, json_string_value(json_object_get(m, "Source")),
		              json_string_value(json_object_get(m, "Destination")),
		              !json_is_true(json_object_get(m, "RW")), err) < 0)
			return -1;
	}
	json_object_foreach(tmpfs, target, value)
	{
		options = json_string_value(value);
		if (mount_tmpfs(rootfs, target, options, err) < 0)
			return -1;
	}
	/* --read-only: the root mount alone becomes read-only; volumes keep their mode. */
	if (json_is_true(json_object_get(L.host, "ReadonlyRootfs")) &&
	    mount(NULL, rootfs, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) < 0)
		return mc_fail(err, errno, "make the root filesystem read-only");
	return 0;
}

/* "name", "uid", "name:group", "uid:gid", looked up in the container's own files. */
int mc_switch_user(const char *spec, struct mc_error *err)
{
	char user[256], *group;
	uid_t uid;
	gid_t gid = 0;
	struct passwd *pw = NULL;
	char *end;

	if (spec == NULL || spec[0] == '\0')
		return 0;
	snprintf(user, sizeof(user), "%s", spec);
	group = strchr(user, ':');
	if (group != NULL)
		*group++ = '\0';
	/* We are inside the new root now: getpwnam reads the image's /etc/passwd. */
	uid = (uid_t)strtoul(user, &end, 10);
	if (*end != '\0' || user[0] == '\0') {
		pw = getpwnam(user);
		if (pw == NULL)
			return mc_fail(err, 0,
			               "unable to find user %s: no matching entries in passwd "
			               "file",
			               user);
		uid = pw->pw_uid;
		gid = pw->pw_gid;
	} else if ((pw = getpwuid(uid)) != NULL) {
		gid = pw->pw_gid;
	}
	if (group != NULL) {
		struct group *gr;

		gid = (gid_t)strtoul(group, &end, 10);
		if (*end != '\0' || group[0] == '\0') {
			gr = getgrnam(group);
			if (gr == NULL)
				return mc_fail(err, 0,
				               "unable to find group %s: no matching entries "
				               "in group file",
				               group);
			gid = gr->gr_gid;
		}
	}
	/* Groups before the uid: once we are not root we may not change them. */
	if ((pw != NULL && group == NULL ? initgroups(pw->pw_name, gid) : setgroups(0, NULL)) < 0 ||
	    setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0)
		return mc_fail(err, errno, "switch to user %s", spec);
	mc_trace(CH, "setresgid(%u), setresuid(%u)  -- the command runs as %s", (unsigned)gid,
	         (unsigned)uid, spec);
	return 0;
}

/* The last steps before the command: its user, then what it may do. */
int mc_confine(const char *user, bool privileged, struct mc_error *err)
{
	/* The bounding set needs CAP_SETPCAP, so it goes before the user switch. */
	if (!privileged && mc_limit_bounding_set(err) < 0)
		return -1;
	if (mc_switch_user(user, err) < 0)
		return -1;
	if (privileged)
		return 0;
	if (mc_drop_capabilities(err) < 0)
		return -1;
	return mc_install_seccomp(err);
}

static int before_exec(void *arg, struct mc_error *err)
{
	(void)arg;
	return mc_confine(json_string_value(json_object_get(L.config, "User")),
	                  json_is_true(json_object_get(L.host, "Privileged")), err);
}

/* ---- signals ------------------------------------------------------------------------------ */

static void forward_signal(int sig)
{
	if (sig == SIGWINCH) {
		mc_tty_resize(&L.tty);
		return;
	}
	if (L.pid > 0)
		kill(L.pid, sig);
}

static void install_signal_forwarding(void)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};
	struct sigaction sa = {0};

	sa.sa_handler = forward_signal;
	sa.sa_flags = SA_RESTART;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

/* ---- the launch ---------------------------------------------------------------------------- */

static void started(pid_t pid, const struct cgroup *cg, void *arg)
{
	struct mc_error err;

	(void)cg;
	(void)arg;
	L.pid = pid;
	if (mc_container_set_running(L.c, pid, &err) < 0)
		mc_report(&err);
	/* The command runs: with -t, its terminal is waiting in the socket. */
	if (L.tty.console[0] >= 0 && mc_tty_attach(&L.tty, L.stdin_open, &err) < 0)
		mc_report(&err);
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

static bool env_has(json_t *env, const char *key)
{
	size_t klen = strlen(key), i;
	json_t *kv;

	json_array_foreach(env, i, kv)
	{
		const char *s = json_string_value(kv);

		if (s != NULL && strncmp(s, key, klen) == 0 && s[klen] == '=')
			return true;
	}
	return false;
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

int mc_launch(struct mc_container *c, bool attach_stdin)
{
	struct img_runconfig rc = {0};
	struct mc_error err;
	struct img_store st;
	struct cg_stats stats;
	struct ns_config cfg;
	struct cg_run cgr;
	char hostname[65];
	int code = MC_EXIT_FAILED, null_fd = -1;
	json_t *extra_env = NULL;
	const char *h;

	memset(&L, 0, sizeof(L));
	L.c = c;
	mc_tty_init(&L.tty);
	L.config = json_object_get(c->doc, "Config");
	L.host = json_object_get(c->doc, "HostConfig");
	snprintf(L.rundir, sizeof(L.rundir), "%s/%s", mc_run_dir(), c->id);
	h = json_string_value(json_object_get(L.config, "Hostname"));
	snprintf(hostname, sizeof(hostname), "%.*s", h && h[0] ? 64 : 12, h && h[0] ? h : c->id);

	/* chapter 04: the image's layers, unpacked once and shared. */
	if (mc_open_store(&st, &err) < 0 ||
	    img_prepare_layers(&st, json_string_value(json_object_get(c->doc, "ImageManifest")),
	                       &L.layers, &rc, &err) < 0)
		goto fail;
	img_runconfig_free(&rc); /* the record already holds the merged config */
	mc_trace(CH, "image %.19s: %zu layer(s) unpacked in the store",
	         json_string_value(json_object_get(c->doc, "Image")), L.layers.nlayer);
	if (write_etc_files(hostname, &err) < 0)
		goto fail;

	/* chapter 01's configuration, from the record. */
	ns_config_init(&cfg);
	L.argv = strv_of(json_object_get(L.config, "Entrypoint"), json_object_get(L.config, "Cmd"));
	/* HOSTNAME (and TERM for a terminal) are set at start, as Docker does. */
	extra_env = json_array();
	if (!env_has(json_object_get(L.config, "Env"), "HOSTNAME"))
		json_array_append_new(extra_env, json_pack("s+", "HOSTNAME=", hostname));
	if (json_is_true(json_object_get(L.config, "Tty")) &&
	    !env_has(json_object_get(L.config, "Env"), "TERM"))
		json_array_append_new(extra_env, json_string("TERM=xterm"));
	L.env = strv_of(json_object_get(L.config, "Env"), extra_env);
	if (L.argv == NULL || L.argv[0] == NULL) {
		mc_fail(&err, 0, "no command specified");
		goto fail;
	}
	cfg.argv = L.argv;
	cfg.envp = L.env;
	cfg.hostname = hostname;
	h = json_string_value(json_object_get(L.config, "WorkingDir"));
	cfg.workdir = h && h[0] ? h : NULL;
	cfg.host_network =
	    strcmp(json_string_value(json_object_get(L.host, "NetworkMode")) ?: "", "host") == 0;
	cfg.init = json_is_true(json_object_get(L.host, "Init"));
	cfg.before_pivot = before_pivot;
	cfg.before_exec = before_exec;
	if (json_is_true(json_object_get(L.config, "Tty"))) {
		if (mc_tty_prepare(&L.tty, &err) < 0)
			goto fail;
		cfg.console_socket = L.tty.console[1];
	} else if (!attach_stdin) {
		null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		cfg.stdio[0] = null_fd;
	}

	/* chapter 02's cgroup, named by the container's id. */
	cg_run_init(&cgr);
	cgr.name = c->id;
	limits_of(L.host, &cgr.limits);
	cgr.started = started;

	install_signal_forwarding();
	L.stdin_open = attach_stdin;
	{
		char upper[PATH_MAX];

		snprintf(upper, sizeof(upper), "%s/upper", c->dir);
		L.layers.upper = upper;
		L.layers.scratch = L.rundir; /* rm removes it, even after a kill -9 */
		/* chapter 03: the overlay; then 02 and 01 inside it. */
		if (ovl_run_container(&cfg, &cgr, &L.layers, &code, &stats, NULL, &err) < 0) {
			if (L.pid == 0 && code == MC_EXIT_FAILED)
				mc_fail_context(&err, "cannot start container %.12s", c->id);
			mc_tty_finish(&L.tty);
			mc_report(&err);
			mc_container_set_exited(c, code, false, err.msg, &err);
			goto out;
		}
	}
	mc_tty_finish(&L.tty);
	/* With --rm the record is about to go: no need to write its end. */
	if (!json_is_true(json_object_get(L.host, "AutoRemove")) &&
	    mc_container_set_exited(c, code, stats.oom_kills > 0, NULL, &err) < 0)
		mc_report(&err);
	goto out;
fail:
	mc_report(&err);
	mc_container_set_exited(c, MC_EXIT_FAILED, false, err.msg, &err);
out:
	if (null_fd >= 0)
		close(null_fd);
	mc_tty_finish(&L.tty);
	img_release_layers(&L.layers);
	free(L.argv);
	free(L.env);
	json_decref(extra_env);
	img_store_close(&st);
	if (json_is_true(json_object_get(L.host, "AutoRemove")) && mc_container_remove(c, &err) < 0)
		mc_report(&err);
	return code;
}
