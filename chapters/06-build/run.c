/* run.c - chapter 06: RUN, as a container (see bld_run.h). */
#define _GNU_SOURCE
#include "bld_run.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cg_run.h"
#include "mc_file.h"
#include "mc_resolve.h"
#include "mc_trace.h"
#include "net_etc.h"
#include "net_run.h"
#include "ns_confine.h"
#include "ovl_overlay.h"
#include "ovl_run.h"

#define CH "ch06"

/* The hostname every build step sees (BuildKit's, so that scripts behave the same). */
#define BUILD_HOSTNAME "buildkitsandbox"

int bld_network_parse(const char *text, enum bld_network *net, struct mc_error *err)
{
	if (text == NULL || strcmp(text, "default") == 0 || text[0] == '\0')
		*net = BLD_NET_DEFAULT;
	else if (strcmp(text, "none") == 0)
		*net = BLD_NET_NONE;
	else if (strcmp(text, "host") == 0)
		*net = BLD_NET_HOST;
	else
		return mc_fail(
		    err, 0, "network mode \"%s\": only default, none and host are supported", text);
	return 0;
}

/* Everything one RUN needs while its container lives. */
struct run_state {
	const struct bld_run *r;
	struct ovl_run ovl;
	struct cg_run cg;
	struct ns_confine conf;
	/* BLD_NET_DEFAULT: chapter 05's step, on the default network, under an id of its own */
	struct net_store netstore;
	struct net_run net;
	char net_id[65], net_dir[PATH_MAX];
	char hosts[PATH_MAX], resolv[PATH_MAX];
	bool make_hosts, make_resolv; /* the image has no such file: ours must not stay */
	int pipe[2];
};

/* ---- the files only a build step sees ------------------------------------------------------- */

/* Does the image (its layers, top first) have `rel`, not deleted by a whiteout? */
static bool in_lowers(const struct bld_run *r, const char *rel)
{
	for (size_t i = r->nlower; i-- > 0;) {
		char path[PATH_MAX];
		struct stat st;

		snprintf(path, sizeof(path), "%s/%s", r->lowers[i], rel);
		if (lstat(path, &st) == 0)
			return !(S_ISCHR(st.st_mode) && st.st_rdev == 0);
	}
	return false;
}

static int prepare_files(struct run_state *s, struct mc_error *err)
{
	char resolv[4096] = "";
	struct mc_error ignored;

	if (mc_path_join(s->hosts, sizeof(s->hosts), s->r->scratch, "hosts", err) < 0 ||
	    mc_path_join(s->resolv, sizeof(s->resolv), s->r->scratch, "resolv.conf", err) < 0)
		return -1;
	mc_read_file(NET_RESOLV_CONF, resolv, sizeof(resolv), NULL, &ignored);
	if (mc_create_file(s->hosts,
	                   "127.0.0.1\tlocalhost " BUILD_HOSTNAME "\n::1\tlocalhost ip6-localhost "
	                   "ip6-loopback\n",
	                   err) < 0 ||
	    mc_create_file(s->resolv, resolv, err) < 0)
		return -1;
	/* On the bridge, chapter 05's resolv.conf: the host's, without the servers on its
	 * loopback, which a namespace of its own cannot reach (net_etc.h). */
	if (s->r->network == BLD_NET_DEFAULT &&
	    mc_path_join(s->resolv, sizeof(s->resolv), s->net_dir, "resolv.conf", err) < 0)
		return -1;
	/* Only an image with /etc gets them; one without keeps its shape. */
	s->make_hosts = !in_lowers(s->r, "etc/hosts");
	s->make_resolv = !in_lowers(s->r, "etc/resolv.conf");
	if (!in_lowers(s->r, "etc"))
		s->hosts[0] = s->resolv[0] = '\0';
	return 0;
}

static int bind_file(int rootfd, const char *source, const char *target, struct mc_error *err)
{
	int fd, rc;

	if (source[0] == '\0')
		return 0;
	fd = mc_open_or_make_in_root(rootfd, target, false, err);
	if (fd < 0)
		return -1;
	rc = mc_mount_on_fd(source, fd, NULL, MS_BIND, NULL, CH, target,
	                    "the build's own file, never part of the layer", err);
	close(fd);
	return rc;
}

/* In the child, before pivot_root: /etc files, and the heredoc script in /dev (a tmpfs). */
static int before_pivot(struct ns_container *c, void *arg, struct mc_error *err)
{
	struct run_state *s = arg;
	const struct bld_run *r = s->r;
	int dev, fd;
	size_t len;

	if (bind_file(c->rootfd, s->hosts, "/etc/hosts", err) < 0 ||
	    bind_file(c->rootfd, s->resolv, "/etc/resolv.conf", err) < 0)
		return -1;
	if (r->script == NULL)
		return 0;
	dev = mc_open_in_root(c->rootfd, "/dev", O_RDONLY | O_DIRECTORY, 0, MC_RESOLVE_AUTO, err);
	if (dev < 0)
		return -1;
	if (mkdirat(dev, "pipes", 0755) < 0 && errno != EEXIST) {
		close(dev);
		return mc_fail(err, errno, "mkdir /dev/pipes");
	}
	fd = openat(dev, "pipes", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	close(dev);
	if (fd < 0)
		return mc_fail(err, errno, "open /dev/pipes");
	dev = fd;
	fd =
	    openat(dev, r->script_name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0755);
	close(dev);
	if (fd < 0)
		return mc_fail(err, errno, "create /dev/pipes/%s", r->script_name);
	len = strlen(r->script);
	if (write(fd, r->script, len) != (ssize_t)len) {
		close(fd);
		return mc_fail(err, errno, "write /dev/pipes/%s", r->script_name);
	}
	fchmod(fd, 0755);
	close(fd);
	return 0;
}

/* The image's own /etc (top layer first), or false if none of its layers has one. */
static bool lower_etc(const struct bld_run *r, struct stat *st)
{
	for (size_t i = r->nlower; i-- > 0;) {
		char path[PATH_MAX];

		snprintf(path, sizeof(path), "%s/etc", r->lowers[i]);
		if (lstat(path, st) == 0)
			return S_ISDIR(st->st_mode);
	}
	return false;
}

/*
 * After the command: the empty files we bound onto are no part of what it
 * changed - nor is the copy of /etc that making them caused, if the
 * command left it empty and as it was.
 */
static void remove_placeholders(struct run_state *s)
{
	static const char *const names[] = {"etc/hosts", "etc/resolv.conf"};
	const bool made[] = {s->make_hosts && s->hosts[0], s->make_resolv && s->resolv[0]};
	struct stat up, low;
	char path[PATH_MAX];
	bool removed = false;

	for (size_t i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s", s->r->upper, names[i]);
		if (made[i] && lstat(path, &up) == 0 && S_ISREG(up.st_mode) && up.st_size == 0)
			removed |= unlink(path) == 0;
	}
	snprintf(path, sizeof(path), "%s/etc", s->r->upper);
	if (removed && lstat(path, &up) == 0 && S_ISDIR(up.st_mode) && lower_etc(s->r, &low) &&
	    up.st_mode == low.st_mode && up.st_uid == low.st_uid && up.st_gid == low.st_gid &&
	    !ovl_is_opaque(AT_FDCWD, path))
		rmdir(path); /* fails, as it should, if the command put anything there */
}

/* ---- the command's output -------------------------------------------------------------------- */

/*
 * The host side, once the command runs: pass on what it writes until every
 * writer is gone - our copy of the pipe's end first, or that never happens.
 * (No thread does this: glibc's setgroups() in the cloned child would wait
 * for every thread of ours to take part, and the child has none of them.)
 */
static int read_output(struct ns_container *c, void *arg, struct mc_error *err)
{
	struct run_state *s = arg;
	char buf[4096];
	ssize_t n;

	(void)c;
	(void)err;
	close(s->pipe[1]);
	s->pipe[1] = -1;
	while ((n = read(s->pipe[0], buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		if (s->r->output != NULL)
			s->r->output(s->r->output_arg, buf, (size_t)n);
	}
	return 0;
}

/* ---- the container ----------------------------------------------------------------------------- */

/*
 * Docker's default for RUN: the default bridge, as `run` has it - chapter
 * 05's step, under an id of the step's own (the address, the veth pair and
 * the lock are keyed by it), joined in prepare and left at exit.  Its /etc
 * files are made in the scratch directory; the build binds its own hosts.
 */
static int add_network_step(struct run_state *s, struct ns_config *cfg, struct mc_error *err)
{
	struct net_run *n = &s->net;

	net_run_init(n);
	if (s->r->network != BLD_NET_DEFAULT)
		return 0;
	if (net_store_open(&s->netstore, NULL, NULL, NULL, err) < 0)
		return -1;
	net_random_id(s->net_id);
	n->mode = NET_MODE_NETWORK;
	n->store = &s->netstore;
	n->container = s->net_id;
	n->hostname = BUILD_HOSTNAME;
	n->etc_dir = s->net_dir;
	n->etc_unmounted = true;
	n->attach_network = NET_DEFAULT_NAME;
	return net_add_step(cfg, n, err);
}

static int add_steps(struct run_state *s, struct ns_config *cfg, struct mc_error *err)
{
	static unsigned counter;
	const struct ns_step files = {
	    .chapter = CH,
	    .name = "build files",
	    .before_pivot = before_pivot,
	    .started = read_output,
	    .arg = s,
	};
	char name[64];

	for (size_t i = 0; i < s->r->nlower; i++)
		s->ovl.layers[s->ovl.nlayer++] = s->r->lowers[i];
	s->ovl.upper = s->r->upper;
	s->ovl.scratch = s->r->scratch;
	cg_run_init(&s->cg);
	snprintf(name, sizeof(name), "build-%d-%u", (int)getpid(), counter++);
	snprintf(s->cg.name_buf, sizeof(s->cg.name_buf), "%s", name);
	s->cg.name = s->cg.name_buf;
	ns_confine_init(&s->conf);
	s->conf.user = s->r->user;
	if (ovl_add_step(cfg, &s->ovl, err) < 0 || cg_add_step(cfg, &s->cg, err) < 0 ||
	    add_network_step(s, cfg, err) < 0 || ns_add_step(cfg, &files, err) < 0)
		return -1;
	/* The same confinement as `run`: the last step before exec. */
	return ns_add_confine_step(cfg, &s->conf, err);
}

int bld_run_container(const struct bld_run *r, int *exit_code, struct mc_error *err)
{
	struct run_state *s = calloc(1, sizeof(*s));
	struct ns_config cfg;
	int null_fd = -1, rc = -1;

	*exit_code = NS_EXIT_SETUP_FAILED;
	if (s == NULL)
		return mc_fail(err, ENOMEM, "RUN");
	s->r = r;
	s->pipe[0] = s->pipe[1] = -1;
	if (r->nlower > OVL_MAX_LAYERS) {
		mc_fail(err, E2BIG, "an image of %zu layers is more than overlayfs takes",
		        r->nlower);
		goto out;
	}
	ns_config_init(&cfg);
	cfg.argv = r->argv;
	cfg.envp = r->env;
	cfg.hostname = BUILD_HOSTNAME;
	cfg.workdir = r->workdir;
	cfg.host_network = r->network == BLD_NET_HOST;
	null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (null_fd < 0 || pipe2(s->pipe, O_CLOEXEC) < 0) {
		mc_fail(err, errno, "RUN: pipe");
		goto out;
	}
	cfg.stdio[0] = null_fd;
	cfg.stdio[1] = cfg.stdio[2] = s->pipe[1];
	if (mc_path_join(s->net_dir, sizeof(s->net_dir), r->scratch, "net", err) < 0 ||
	    prepare_files(s, err) < 0 || add_steps(s, &cfg, err) < 0)
		goto out;
	mc_trace(CH, "RUN as a container: %zu layer(s) below, upper %s", r->nlower, r->upper);
	rc = ns_run(&cfg, exit_code, err);
	remove_placeholders(s);
out:
	if (s->pipe[1] >= 0)
		close(s->pipe[1]);
	if (s->pipe[0] >= 0)
		close(s->pipe[0]);
	if (null_fd >= 0)
		close(null_fd);
	ns_confine_release(&s->conf);
	free(s);
	return rc;
}
