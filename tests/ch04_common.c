/* ch04_common.c - see ch04_common.h. */
#define _GNU_SOURCE
#include "ch04_common.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "img_reference.h"
#include "mc_file.h"

/* ---- paths, commands and peers -------------------------------------------------------------- */

/* A path inside the test's temporary directory (a few rotating buffers). */
const char *tpath(const char *fmt, ...)
{
	static char bufs[16][PATH_MAX];
	static int next;
	char rel[PATH_MAX - 64];
	char *buf = bufs[next++ % 16];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	snprintf(buf, PATH_MAX, "%s/%s", mc_test_tmpdir(), rel);
	return buf;
}

/* The same into a buffer of the caller's (PATH_MAX bytes): for helpers, which must
 * not use up the rotating buffers the test itself holds on to. */
const char *tjoin(char *buf, const char *name)
{
	snprintf(buf, PATH_MAX, "%s/%s", mc_test_tmpdir(), name);
	return buf;
}

void remove_tree(const char *path)
{
	struct mc_error err;

	if (mc_remove_tree(path, &err) < 0)
		fail_msg("%s", err.msg);
}

bool exists(const char *path)
{
	struct stat sb;

	return lstat(path, &sb) == 0;
}

void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/* The output of the last command run by sh() (its last 6000 bytes). */
char output[6000];

void read_output(const char *log)
{
	FILE *f = fopen(log, "re");
	long size;
	size_t n = 0;

	output[0] = '\0';
	if (f == NULL)
		return;
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	if (size > (long)sizeof(output) - 1)
		fseek(f, size - (long)sizeof(output) + 1, SEEK_SET);
	else
		fseek(f, 0, SEEK_SET);
	n = fread(output, 1, sizeof(output) - 1, f);
	output[n] = '\0';
	fclose(f);
}

/* Run a shell command line; its output goes to `output`.  Returns the exit status. */
int sh(const char *fmt, ...)
{
	char line[8192], cmd[8192 + PATH_MAX + 64], log_buf[PATH_MAX];
	const char *log = tjoin(log_buf, "command.log");
	va_list ap;
	int status;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "( %s ) >'%s' 2>&1 </dev/null", line, log);
	status = system(cmd);
	read_output(log);
	if (status < 0 || !WIFEXITED(status))
		return 128;
	return WEXITSTATUS(status);
}

/*
 * Run a command line with a peer tool in a sandbox: a mount namespace of
 * its own where /run, /var/lib and /var/tmp are empty tmpfs, with HOME and
 * TMPDIR in the test's directory.  Run as root, skopeo and podman keep a
 * blob cache in /var/lib/containers/cache, podman and runc keep state in
 * /run/containers and /run/runc, and podman's config goes to ~/.config:
 * none of that may land on the host.  The command line must not contain
 * single quotes.
 */
int peer(const char *fmt, ...)
{
	char line[7000], home_buf[PATH_MAX], tmp_buf[PATH_MAX];
	const char *home = tjoin(home_buf, "peer-home"), *tmp = tjoin(tmp_buf, "peer-tmp");
	struct mc_error err;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (mc_mkdir_p(home, 0700, &err) < 0 || mc_mkdir_p(tmp, 0700, &err) < 0)
		fail_msg("%s", err.msg);
	return sh(
	    "unshare --mount --propagation private sh -c '"
	    "for d in /run /var/lib /var/tmp; do mount -t tmpfs mc-peer $d || exit 125; done; "
	    "export HOME=%s TMPDIR=%s; %s'",
	    home, tmp, line);
}

bool have(const char *tool)
{
	return sh("command -v %s", tool) == 0;
}

/* ---- the store and its images --------------------------------------------------------------- */

/* A fresh, empty store for one test: <tmp>/root-<name>/images. */
void open_store(struct img_store *st, const char *name)
{
	char root[PATH_MAX], rel[256];
	struct mc_error err;

	snprintf(rel, sizeof(rel), "root-%s", name);
	tjoin(root, rel);
	remove_tree(root);
	if (img_store_open(st, root, &err) < 0)
		fail_msg("open the store %s: %s", root, err.msg);
}

/* The test root filesystem as a plain tarball (made once). */
const char *rootfs_tar(void)
{
	static char path[PATH_MAX];
	const char *rootfs = mc_test_rootfs();

	if (path[0] != '\0' || rootfs == NULL)
		return rootfs ? path : NULL;
	tjoin(path, "rootfs.tar");
	if (sh("tar --numeric-owner -C '%s' -cf '%s' .", rootfs, path) != 0)
		fail_msg("tar the test root filesystem: %s", output);
	return path;
}

void import_rootfs(struct img_store *st, const char *name, char *digest)
{
	struct mc_error err;
	struct img_ref ref;

	if (img_ref_parse(name, &ref, &err) < 0)
		fail_msg("%s", err.msg);
	if (img_import(st, rootfs_tar(), &ref, NULL, digest, &err) < 0)
		fail_msg("import %s: %s", name, err.msg);
}

void save_one(struct img_store *st, const char *name, const char *out, enum img_format format)
{
	const char *names[] = {name};
	struct mc_error err;

	if (img_save(st, names, 1, out, format, &err) < 0)
		fail_msg("save %s to %s: %s", name, out, err.msg);
}

bool has_tag(struct img_store *st, const char *full)
{
	struct img_tag *tags;
	struct mc_error err;
	bool found = false;
	size_t n;

	if (img_store_list(st, &tags, &n, &err) < 0)
		fail_msg("%s", err.msg);
	for (size_t i = 0; i < n; i++)
		found = found || strcmp(tags[i].name, full) == 0;
	free(tags);
	return found;
}

size_t tag_count(struct img_store *st)
{
	struct img_tag *tags;
	struct mc_error err;
	size_t n;

	if (img_store_list(st, &tags, &n, &err) < 0)
		fail_msg("%s", err.msg);
	free(tags);
	return n;
}

/* img_store_find, on the heap (an img_image is large). */
struct img_image *find_image(struct img_store *st, const char *what)
{
	struct img_image *img = calloc(1, sizeof(*img));
	struct mc_error err;

	assert_non_null(img);
	if (img_store_find(st, what, img, &err) < 0)
		fail_msg("find %s: %s", what, err.msg);
	return img;
}

void free_image(struct img_image *img)
{
	img_image_free(img);
	free(img);
}

/* podman storage and configuration of its own, under `dir`. */
void write_podman_config(const char *dir)
{
	char text[4096], path[PATH_MAX];
	struct mc_error err;

	if (mc_mkdir_p(dir, 0700, &err) < 0)
		fail_msg("%s", err.msg);
	/* vfs: plain copies, no overlay on top of overlay; roots in the temporary directory. */
	snprintf(text, sizeof(text),
	         "[storage]\ndriver = \"vfs\"\ngraphroot = \"%s/graph\"\nrunroot = \"%s/run\"\n",
	         dir, dir);
	if (mc_path_join(path, sizeof(path), dir, "storage.conf", &err) < 0)
		fail_msg("%s", err.msg);
	write_file(path, text);
	/*
	 * No systemd here: cgroupfs, and events to a file.  root lacks
	 * CAP_SYS_RESOURCE on the test machines, so the default ulimits
	 * (nofile 1048576) cannot be set; these fit under the hard limits.
	 */
	snprintf(text, sizeof(text),
	         "[containers]\n"
	         "default_ulimits = [\"nofile=20000:20000\", \"nproc=32768:32768\"]\n"
	         "netns = \"none\"\n"
	         "[engine]\n"
	         "cgroup_manager = \"cgroupfs\"\n"
	         "events_logger = \"file\"\n"
	         "tmp_dir = \"%s/libpod\"\n",
	         dir);
	if (mc_path_join(path, sizeof(path), dir, "containers.conf", &err) < 0)
		fail_msg("%s", err.msg);
	write_file(path, text);
}

/* podman leaves the cgroup parent it was given (with conmon's cgroup in it) behind. */
void remove_cgroup_parent(const char *name)
{
	sh("for d in /sys/fs/cgroup/%s /sys/fs/cgroup/*/%s; do "
	   "[ -d \"$d\" ] && find \"$d\" -depth -type d -exec rmdir {} \\; ; done; true",
	   name, name);
}

char *read_whole(const char *path)
{
	struct stat sb;
	struct mc_error err;
	char *text;

	assert_int_equal(stat(path, &sb), 0);
	text = malloc((size_t)sb.st_size + 1);
	assert_non_null(text);
	if (mc_read_file(path, text, (size_t)sb.st_size + 1, NULL, &err) < 0)
		fail_msg("%s", err.msg);
	return text;
}
