/*
 * cp.c - `minicontainer cp`: files between a container and the host, as
 * Docker copies them.
 *
 *	cp [OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-
 *	cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH
 *
 * Like Docker's, a copy is a tar stream from one side to the other: the
 * source is written as a tar archive (by a child process, into a pipe), the
 * destination extracts it - with chapter 04's extractor, which resolves
 * every name inside the directory it extracts into.  "-" is that stream on
 * stdin or stdout.
 *
 * The container's side is its root filesystem, and every path in it is
 * resolved with that root as "/" (chapters/common/mc_resolve.h): a symlink
 * in the container that points to /etc/passwd or ../../.. leads to the
 * container's /etc/passwd, never the host's.
 *
 *	running     the root its process sees: /proc/PID/root, opened through a
 *	            pid checked with a pidfd (its volumes are there too)
 *	not running its overlay (chapter 03: the image's layers and its upper
 *	            layer), mounted in a child process's own mount namespace:
 *	            nothing is mounted on the host, and the mount dies with the
 *	            child; the container cannot start meanwhile
 *
 * Docker's rules for what lands where (moby's archive.PrepareArchiveCopy):
 * a destination directory receives the source under its own name (or its
 * contents, for SRC_PATH/.); a destination that does not exist is created
 * with the source's content; a file is overwritten by a file, never by a
 * directory.  Ownership, as Docker does it (not as its documentation says):
 * into a container the files keep the uid and gid they have (-a: they get
 * the container's user's instead); onto the host they belong to the user
 * running cp.
 */
#define _GNU_SOURCE
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "img_extract.h"
#include "img_run.h"
#include "mc.h"
#include "mc_container.h"
#include "mc_events.h"
#include "mc_file.h"
#include "mc_resolve.h"
#include "ns_confine.h"
#include "ovl_overlay.h"
#include "ovl_run.h"

struct cp_opts {
	bool follow, archive, quiet;
};

static const struct mc_option cp_options[] = {
    {"archive", 'a', NULL, "Archive mode (copy all uid/gid information)", mc_opt_true,
     offsetof(struct cp_opts, archive)},
    {"follow-link", 'L', NULL, "Always follow symbol link in SRC_PATH", mc_opt_true,
     offsetof(struct cp_opts, follow)},
    {"quiet", 'q', NULL,
     "Suppress progress output during copy. Progress output is automatically suppressed if no "
     "terminal is attached",
     mc_opt_true, offsetof(struct cp_opts, quiet)},
    {NULL, 0, NULL, NULL, NULL, 0},
};

const struct mc_command mc_cmd_cp = {
    .name = "cp",
    .usage = "[OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n\tminicontainer cp [OPTIONS] SRC_PATH|- "
             "CONTAINER:DEST_PATH",
    .summary = "Copy files/folders between a container and the local filesystem",
    .options = cp_options,
    .min_args = 2,
    .max_args = 2,
};

/* ---- paths --------------------------------------------------------------------------------- */

/* One side of the copy. */
struct side {
	const char *container; /* NULL: the host */
	char path[PATH_MAX];   /* cleaned; in the container, absolute */
	bool slash, dot; /* it ended in "/" (asserts a directory), or in "/." (its contents) */
	char parent[PATH_MAX], base[NAME_MAX + 1];
};

/*
 * docker/cli's splitCpArg: "name:path" is in a container - unless the word
 * is an absolute path or starts with ".", which names a local file even
 * with a colon in it ("./a:b").
 */
static void split_arg(const char *arg, const char **container, const char **path, char *buf,
                      size_t size)
{
	const char *colon = strchr(arg, ':');

	*container = NULL;
	*path = arg;
	if (arg[0] == '/' || arg[0] == '.' || colon == NULL)
		return;
	snprintf(buf, size, "%.*s", (int)(colon - arg), arg);
	*container = buf;
	*path = colon + 1;
}

/*
 * Go's filepath.Clean, keeping what the last component says (a trailing "/"
 * or "/."): ".." never climbs above the root.  Container paths are
 * absolute ("/" first); host paths are made absolute against the current
 * directory, as docker/cli does.
 */
static int clean_path(const char *in, bool container, struct side *s, struct mc_error *err)
{
	char joined[PATH_MAX * 2], cwd[PATH_MAX];
	size_t len = 0, n;
	const char *p;

	if (in[0] == '/' || container)
		snprintf(joined, sizeof(joined), "/%s", in);
	else if (getcwd(cwd, sizeof(cwd)) == NULL)
		return mc_fail(err, errno, "getcwd");
	else
		snprintf(joined, sizeof(joined), "%s/%s", cwd, in);
	n = strlen(in);
	s->slash = n > 0 && in[n - 1] == '/';
	s->dot = (n >= 2 && strcmp(in + n - 2, "/.") == 0) || strcmp(in, ".") == 0;
	s->path[0] = '\0';
	for (p = joined; *p != '\0';) {
		size_t part;

		p += strspn(p, "/");
		part = strcspn(p, "/");
		if (part == 0 || (part == 1 && p[0] == '.')) {
			p += part;
			continue;
		}
		if (part == 2 && p[0] == '.' && p[1] == '.') {
			while (len > 0 && s->path[len - 1] != '/')
				len--;
			if (len > 0)
				len--;
			s->path[len] = '\0';
		} else {
			if (len + 1 + part >= sizeof(s->path))
				return mc_fail(err, ENAMETOOLONG, "path %.64s...", in);
			s->path[len++] = '/';
			memcpy(s->path + len, p, part);
			len += part;
			s->path[len] = '\0';
		}
		p += part;
	}
	if (len == 0)
		snprintf(s->path, sizeof(s->path), "/");
	/* The parent directory and the last component ("/" has none: its base is "."). */
	p = strrchr(s->path, '/');
	snprintf(s->base, sizeof(s->base), "%s", p[1] != '\0' ? p + 1 : ".");
	snprintf(s->parent, sizeof(s->parent), "%.*s", p == s->path ? 1 : (int)(p - s->path),
	         s->path);
	return 0;
}

/* Is the filesystem of `fd` one a container's kernel interfaces live on (Docker copies none)? */
static bool kernel_filesystem(int fd)
{
	static const unsigned long types[] = {
	    PROC_SUPER_MAGIC,   SYSFS_MAGIC,      CGROUP_SUPER_MAGIC, CGROUP2_SUPER_MAGIC,
	    DEVPTS_SUPER_MAGIC, SECURITYFS_MAGIC, DEBUGFS_MAGIC,      BPF_FS_MAGIC};
	struct statfs fs;

	if (fstatfs(fd, &fs) < 0)
		return false;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if ((unsigned long)fs.f_type == types[i])
			return true;
	return false;
}

/* ---- the source: a tar stream of one file or tree ------------------------------------------ */

struct writer {
	struct archive *a;
	struct archive_entry_linkresolver *links; /* a hard-linked file is stored once */
	char buf[65536];
	struct mc_error *err;
};

static int write_header(struct writer *w, struct archive_entry *e)
{
	struct archive_entry *sparse = NULL;

	archive_entry_linkify(w->links, &e, &sparse);
	if (e != NULL && archive_write_header(w->a, e) != ARCHIVE_OK)
		return mc_fail(w->err, 0, "tar: %s", archive_error_string(w->a));
	return 0;
}

/* A regular file's data, from `fd`, exactly the size its header said. */
static int write_data(struct writer *w, int fd, int64_t size, const char *name)
{
	int64_t left = size;

	while (left > 0) {
		ssize_t n = read(fd, w->buf,
		                 left < (int64_t)sizeof(w->buf) ? (size_t)left : sizeof(w->buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (archive_write_data(w->a, w->buf, (size_t)n) != n)
			return mc_fail(w->err, 0, "tar: %s", archive_error_string(w->a));
		left -= n;
	}
	/* A file that shrank meanwhile is padded: the archive stays whole. */
	memset(w->buf, 0, sizeof(w->buf));
	while (left > 0) {
		size_t n = left < (int64_t)sizeof(w->buf) ? (size_t)left : sizeof(w->buf);

		if (archive_write_data(w->a, w->buf, n) != (ssize_t)n)
			return mc_fail(w->err, 0, "tar: %s %s", name, archive_error_string(w->a));
		left -= (int64_t)n;
	}
	return 0;
}

static int write_tree(struct writer *w, int fd, const struct stat *st, const char *name);

/* A directory's entries, each opened from it with O_NOFOLLOW: nothing here leaves the tree. */
static int write_children(struct writer *w, int dirfd, const char *name)
{
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = 0;
	struct dirent *e;
	DIR *d;

	if (fd < 0 || (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return mc_fail(w->err, errno, "read directory %s", name);
	}
	/* Docker copies nothing of /proc, /sys and their kind: only what the container wrote. */
	if (kernel_filesystem(dirfd)) {
		closedir(d);
		return 0;
	}
	while (rc == 0 && (e = readdir(d)) != NULL) {
		char child[PATH_MAX];
		struct stat st;
		int cfd;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if ((size_t)snprintf(child, sizeof(child), "%s/%s", name, e->d_name) >=
		    sizeof(child)) {
			rc = mc_fail(w->err, ENAMETOOLONG, "%s/%s", name, e->d_name);
			break;
		}
		cfd = openat(dirfd, e->d_name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (cfd < 0 || fstat(cfd, &st) < 0) {
			if (cfd >= 0)
				close(cfd);
			continue; /* gone meanwhile (a running container) */
		}
		rc = write_tree(w, cfd, &st, child);
		close(cfd);
	}
	closedir(d);
	return rc;
}

/* Re-open an O_PATH descriptor for reading: /proc/self/fd/N is that very inode, not a path. */
static int reopen(int fd, int flags)
{
	char proc[64];

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	return open(proc, flags | O_CLOEXEC);
}

/* One object (O_PATH `fd`) as `name`, and what is below it. */
static int write_tree(struct writer *w, int fd, const struct stat *st, const char *name)
{
	struct archive_entry *e = archive_entry_new();
	char target[PATH_MAX];
	int rc = 0, data = -1;

	archive_entry_set_pathname(e, name);
	archive_entry_copy_stat(e, st);
	if (S_ISLNK(st->st_mode)) {
		ssize_t n = readlinkat(fd, "", target, sizeof(target) - 1);

		target[n > 0 ? n : 0] = '\0';
		archive_entry_set_symlink(e, target);
	} else if (S_ISREG(st->st_mode)) {
		data = reopen(fd, O_RDONLY);
		if (data < 0)
			rc = mc_fail(w->err, errno, "open %s", name);
	} else if (S_ISSOCK(st->st_mode)) {
		archive_entry_free(e);
		return 0; /* a socket is a running program's, not a file to copy */
	}
	if (!S_ISREG(st->st_mode))
		archive_entry_set_size(e, 0);
	if (rc == 0)
		rc = write_header(w, e);
	/* (The link resolver stores a hard link's data once: its header then says size 0.) */
	if (rc == 0 && data >= 0 && archive_entry_size(e) > 0)
		rc = write_data(w, data, archive_entry_size(e), name);
	if (data >= 0)
		close(data);
	if (rc == 0 && S_ISDIR(st->st_mode)) {
		int dir = reopen(fd, O_RDONLY | O_DIRECTORY);

		rc = dir < 0 ? mc_fail(w->err, errno, "open %s", name)
		             : write_children(w, dir, name);
		if (dir >= 0)
			close(dir);
	}
	archive_entry_free(e);
	return rc;
}

/*
 * Write `obj` (an O_PATH descriptor) as a tar archive to `out`, under the
 * name `name` - or, with name ".", only what the directory holds (SRC/.).
 */
static int write_archive(int obj, const char *name, int out, struct mc_error *err)
{
	struct writer *w = calloc(1, sizeof(*w));
	struct stat st;
	int rc = -1;

	if (w == NULL)
		return mc_fail(err, ENOMEM, "cp");
	w->err = err;
	w->a = archive_write_new();
	w->links = archive_entry_linkresolver_new();
	if (w->a == NULL || w->links == NULL ||
	    archive_write_set_format_pax_restricted(w->a) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(w->a, 1) != ARCHIVE_OK ||
	    archive_write_open_fd(w->a, out) != ARCHIVE_OK) {
		mc_fail(err, 0, "tar: %s", w->a ? archive_error_string(w->a) : "no memory");
		goto out;
	}
	archive_entry_linkresolver_set_strategy(w->links, archive_format(w->a));
	if (fstat(obj, &st) < 0) {
		mc_fail(err, errno, "stat %s", name);
	} else if (strcmp(name, ".") == 0) {
		int dir = reopen(obj, O_RDONLY | O_DIRECTORY);

		rc = dir < 0 ? mc_fail(err, errno, "open") : write_children(w, dir, ".");
		if (dir >= 0)
			close(dir);
	} else {
		rc = write_tree(w, obj, &st, name);
	}
	if (rc == 0 && archive_write_close(w->a) != ARCHIVE_OK)
		rc = mc_fail(err, 0, "tar: %s", archive_error_string(w->a));
out:
	if (w->a != NULL)
		archive_write_free(w->a);
	if (w->links != NULL)
		archive_entry_linkresolver_free(w->links);
	free(w);
	return rc;
}

/*
 * Run write_archive in a child that writes into a pipe; *reader is its other
 * end.  The child goes when the stream is written (or the reader is gone).
 */
static pid_t start_writer(int obj, const char *name, int *reader, struct mc_error *err)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return mc_fail(err, errno, "pipe");
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return mc_fail(err, errno, "fork");
	}
	if (pid == 0) {
		struct mc_error werr;

		close(p[0]);
		/* (A reader that stopped reading has its own error to tell: a broken pipe is not one.) */
		_exit(write_archive(obj, name, p[1], &werr) < 0 && werr.errnum != EPIPE
		          ? mc_report(&werr)
		          : 0);
	}
	close(p[1]);
	*reader = p[0];
	return pid;
}

/* The writer's end: an error of ours wins over its own (it saw only a closed pipe). */
static int finish_writer(pid_t pid, int rc, struct mc_error *err)
{
	int status = 0;

	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (rc == 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
		return mc_fail(err, 0, "cp: writing the archive failed");
	return rc;
}

/* ---- the container's root ---------------------------------------------------------------- */

/* What a copy does once it has the container's root. */
struct copy {
	const struct cp_opts *o;
	struct mc_container *c;
	struct side src, dst;
	const char *arg_src, *arg_dst; /* as typed, for messages */
	int (*run)(struct copy *cp, int rootfd, struct mc_error *err);
};

/* A running container: its process's root, checked to be that process's (pidfd). */
static int running_root(const struct mc_container *c, struct mc_error *err)
{
	char path[64];
	int pidfd = mc_container_pidfd(c, err), fd;

	if (pidfd < 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/root", (int)mc_state_pid(c));
	fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	/* Still the same process after the open: the pid was not reused under us. */
	if (fd >= 0 && syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) < 0) {
		close(fd);
		fd = -1;
		errno = ESRCH;
	}
	if (fd < 0)
		mc_fail(err, errno, "open %s", path);
	close(pidfd);
	return fd;
}

/*
 * A container that does not run: in a child of our own, in a mount
 * namespace of its own, mount its overlay (chapter 03) on a scratch
 * directory and copy there.  When the child exits, its namespace and the
 * mount with it are gone - also if it is killed.  Returns the child's status.
 */
static int stopped_root(struct copy *cp, struct mc_error *err)
{
	char upper[PATH_MAX], work[PATH_MAX], merged[PATH_MAX];
	const char *manifest = json_string_value(json_object_get(cp->c->doc, "ImageManifest"));
	int status = MC_EXIT_FAILED;
	pid_t pid;

	if (mc_path_join(upper, sizeof(upper), cp->c->dir, "upper", err) < 0 ||
	    (size_t)snprintf(work, sizeof(work), "%s.work", upper) >= sizeof(work) ||
	    (size_t)snprintf(merged, sizeof(merged), "%s/cp-XXXXXX", mc_run_dir()) >=
	        sizeof(merged) ||
	    mc_mkdir_p(mc_run_dir(), 0700, err) < 0 || mc_mkdir_p(upper, 0755, err) < 0 ||
	    mc_mkdir_p(work, 0700, err) < 0)
		return mc_report(err);
	if (mkdtemp(merged) == NULL)
		return mc_report(&(struct mc_error){errno, "mkdtemp"});
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		struct img_store st;
		struct ovl_run layers = {0};
		struct ovl_config ovl = {0};
		int rootfd;

		if (mc_open_store(&st, err) < 0 || ovl_private_mounts(err) < 0 ||
		    img_prepare_layers(&st, manifest ? manifest : "", &layers, err) < 0)
			_exit(mc_report(err));
		ovl.lowers = layers.layers;
		ovl.nlower = layers.nlayer;
		ovl.upper = upper;
		ovl.work = work;
		ovl.merged = merged;
		if (ovl_mount(&ovl, err) < 0)
			_exit(mc_report(err));
		rootfd = open(merged, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (rootfd < 0)
			_exit(mc_report(&(struct mc_error){errno, "open the container's root"}));
		_exit(cp->run(cp, rootfd, err) < 0 ? mc_report(err) : 0);
	}
	if (pid > 0)
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	rmdir(merged);
	if (pid < 0)
		return mc_report(&(struct mc_error){errno, "fork"});
	return WIFEXITED(status) ? WEXITSTATUS(status) : MC_EXIT_FAILED;
}

static int with_root(struct copy *cp)
{
	struct mc_error err;
	bool running;
	int lock, rootfd, rc;

	if (mc_container_hold_root(cp->c, &lock, &running, &err) < 0)
		return mc_report(&err);
	if (!running) {
		rc = stopped_root(cp, &err);
		close(lock);
		return rc;
	}
	rootfd = running_root(cp->c, &err);
	if (rootfd < 0)
		return mc_report(&err);
	rc = cp->run(cp, rootfd, &err);
	close(rootfd);
	return rc < 0 ? mc_report(&err) : 0;
}

/* ---- one side's object ---------------------------------------------------------------------- */

/*
 * The object a path names inside `rootfd` (O_PATH): its last component a
 * symlink itself unless `follow` (-L, or a path ending in "/" or "/."),
 * every other component followed inside the root.  ENOENT when missing.
 */
static int open_object(int rootfd, const struct side *s, bool follow, struct mc_error *err)
{
	const char *base;
	int parent, fd;

	if (follow || strcmp(s->path, "/") == 0)
		return mc_open_in_root(rootfd, s->path, O_PATH, 0, MC_RESOLVE_AUTO, err);
	parent = mc_open_parent_in_root(rootfd, s->path, &base, false, MC_RESOLVE_AUTO, err);
	if (parent < 0)
		return -1;
	fd = openat(parent, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		mc_fail(err, errno, "%s", s->path);
	close(parent);
	return fd;
}

/*
 * moby's PrepareArchiveCopy: given what the source is and whether (and as
 * what) the destination exists, the directory to extract into and the name
 * the source's top entry must have there.
 */
static int plan(const struct side *src, bool src_dir, const struct side *dst, bool exists,
                bool dst_dir, char *into, size_t size, char *top, size_t tsize,
                struct mc_error *err)
{
	if (exists && dst_dir) {
		snprintf(into, size, "%s", dst->path);
		/* SRC/. : what the directory holds, not the directory itself */
		snprintf(top, tsize, "%s", src_dir && src->dot ? "." : src->base);
		return 0;
	}
	if (exists && src_dir)
		return mc_fail(err, 0, "cannot copy directory");
	if (!exists && !src_dir && dst->slash)
		return mc_fail(err, 0, "no such directory");
	snprintf(into, size, "%s", dst->parent);
	snprintf(top, tsize, "%s", dst->base);
	return 0;
}

/*
 * docker/cli's way with a destination that is a symlink: the copy goes to
 * what it points to - in the container, read inside its root (where "/"
 * and ".." stop at the container's root); on the host, the user's own link.
 */
static int follow_destination(struct side *s, int rootfd, struct mc_error *err)
{
	for (int i = 0; i < 10; i++) {
		char target[PATH_MAX], next[PATH_MAX * 2];
		const char *base = s->base;
		struct stat st;
		int dirfd = AT_FDCWD, parent = -1;
		ssize_t n;

		if (rootfd >= 0) {
			parent = mc_open_parent_in_root(rootfd, s->path, &base, false,
			                                MC_RESOLVE_AUTO, err);
			if (parent < 0)
				return 0; /* no parent: the copy's own error says so */
			dirfd = parent;
		}
		n = fstatat(dirfd, rootfd >= 0 ? base : s->path, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		            !S_ISLNK(st.st_mode)
		        ? -1
		        : readlinkat(dirfd, rootfd >= 0 ? base : s->path, target,
		                     sizeof(target) - 1);
		if (parent >= 0)
			close(parent);
		if (n < 0)
			return 0;
		target[n] = '\0';
		snprintf(next, sizeof(next), "%s/%s", target[0] == '/' ? "" : s->parent, target);
		if (clean_path(next, rootfd >= 0, s, err) < 0)
			return -1;
	}
	return 0;
}

/* ---- container -> host --------------------------------------------------------------------- */

/* Docker's line after a copy, when stdout is a terminal (and not -q). */
static void report_copied(const struct cp_opts *o, uint64_t bytes, const char *where)
{
	char size[32];

	if (!o->quiet && isatty(STDOUT_FILENO))
		fprintf(stderr, "Successfully copied %s to %s\n",
		        mc_human_size(bytes, size, sizeof(size)), where);
}

/* The source (`obj`, O_PATH) onto the host, as cp->dst says. */
static int copy_to_host(struct copy *cp, int obj, const struct stat *st, struct mc_error *err)
{
	char into[PATH_MAX], top[NAME_MAX + 1];
	struct img_extract_opts x = {.keep_kinds = true};
	struct stat dst;
	bool exists;
	int dirfd, reader = -1, rc = -1;
	pid_t writer;

	if (follow_destination(&cp->dst, -1, err) < 0)
		return -1;
	exists = stat(cp->dst.path, &dst) == 0;
	if (exists && !S_ISDIR(dst.st_mode) && !S_ISREG(dst.st_mode))
		return mc_fail(err, 0,
		               "invalid output path: \"%s\" must be a directory or a regular file",
		               cp->dst.path);
	if (plan(&cp->src, S_ISDIR(st->st_mode), &cp->dst, exists, exists && S_ISDIR(dst.st_mode),
	         into, sizeof(into), top, sizeof(top), err) < 0)
		return -1;
	/* Extracted into the host directory as its root: nothing the container wrote - a
	 * symlink to /etc, say - can send a file outside it. */
	dirfd = open(into, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return mc_fail(err, errno, "invalid output path: directory \"%s\" does not exist",
		               into);
	writer = start_writer(obj, top, &reader, err);
	if (writer > 0) {
		rc = img_extract_stream(reader, dirfd, &x, err);
		close(reader);
		rc = finish_writer(writer, rc, err);
	}
	close(dirfd);
	if (rc == 0)
		report_copied(cp->o, x.size, cp->dst.path);
	return rc;
}

static int from_container(struct copy *cp, int rootfd, struct mc_error *err)
{
	bool follow = cp->o->follow || cp->src.slash || cp->src.dot;
	struct stat st;
	int obj, rc = -1;

	obj = open_object(rootfd, &cp->src, follow, err);
	if (obj < 0 || fstat(obj, &st) < 0 || kernel_filesystem(obj)) {
		mc_fail(err, 0, "Could not find the file %s in container %s", cp->src.path,
		        cp->c->id);
		goto out;
	}
	if (cp->src.dot && !S_ISDIR(st.st_mode)) {
		mc_fail(err, ENOTDIR, "%s", cp->src.path);
		goto out;
	}
	mc_event_container(cp->c, "archive-path", "path", cp->src.path);
	/* To stdout: the stream itself, its entry named as the source is. */
	if (strcmp(cp->arg_dst, "-") == 0)
		rc = write_archive(obj, cp->src.base, STDOUT_FILENO, err);
	else
		rc = copy_to_host(cp, obj, &st, err);
out:
	if (obj >= 0)
		close(obj);
	return rc;
}

/* ---- host -> container --------------------------------------------------------------------- */

/* -a: the container's user, from its own /etc/passwd and /etc/group. */
static int archive_owner(struct copy *cp, int rootfd, struct img_extract_opts *x,
                         struct mc_error *err)
{
	const char *user =
	    json_string_value(json_object_get(json_object_get(cp->c->doc, "Config"), "User"));
	struct ns_user u;

	if (!cp->o->archive || user == NULL || user[0] == '\0')
		return 0; /* no user: the files keep their own */
	if (ns_user_resolve(rootfd, user, NULL, &u, err) < 0)
		return -1;
	x->chown_to = true;
	x->keep_ownership = false;
	x->uid = u.uid;
	x->gid = u.gid;
	return 0;
}

static int to_container(struct copy *cp, int rootfd, struct mc_error *err)
{
	struct img_extract_opts x = {
	    .allow_devices = true, .keep_kinds = true, .keep_ownership = true};
	char into[PATH_MAX], top[NAME_MAX + 1], where[PATH_MAX + 300];
	bool exists, src_dir = false;
	struct stat st, dst;
	int obj = -1, dstfd, reader = STDIN_FILENO, rc = -1;
	pid_t writer = 0;

	snprintf(where, sizeof(where), "%s:%s", cp->dst.container,
	         cp->arg_dst + strlen(cp->dst.container) + 1);
	/* The destination, followed inside the container (a symlink to a directory is that
	 * directory; to /etc, the container's /etc). */
	if (follow_destination(&cp->dst, rootfd, err) < 0)
		return -1;
	dstfd = mc_open_in_root(rootfd, cp->dst.path, O_PATH, 0, MC_RESOLVE_AUTO, err);
	exists = dstfd >= 0 && fstat(dstfd, &dst) == 0;
	if (dstfd >= 0)
		close(dstfd);
	if (exists && !S_ISDIR(dst.st_mode) && !S_ISREG(dst.st_mode))
		return mc_fail(err, 0, "destination \"%s\" must be a directory or a regular file",
		               where);
	if (strcmp(cp->arg_src, "-") == 0) {
		if (!exists || !S_ISDIR(dst.st_mode))
			return mc_fail(err, 0, "destination \"%s\" must be a directory", where);
		snprintf(into, sizeof(into), "%s", cp->dst.path);
	} else {
		/* The source: the host's own file, its last component followed only with -L. */
		obj = open(cp->src.path,
		           O_PATH | O_CLOEXEC |
		               (cp->o->follow || cp->src.slash || cp->src.dot ? 0 : O_NOFOLLOW));
		if (obj < 0 || fstat(obj, &st) < 0) {
			rc = mc_fail(err, errno, "lstat %s", cp->src.path);
			goto out;
		}
		src_dir = S_ISDIR(st.st_mode);
		if (plan(&cp->src, src_dir, &cp->dst, exists, exists && S_ISDIR(dst.st_mode), into,
		         sizeof(into), top, sizeof(top), err) < 0)
			goto out;
	}
	/* The directory to extract into must be there, inside the container. */
	dstfd = mc_open_in_root(rootfd, into, O_PATH | O_DIRECTORY, 0, MC_RESOLVE_AUTO, err);
	if (dstfd < 0) {
		rc = mc_fail(err, 0, "Could not find the file %s in container %s", into, cp->c->id);
		goto out;
	}
	close(dstfd);
	if (archive_owner(cp, rootfd, &x, err) < 0)
		goto out;
	if (obj >= 0 && (writer = start_writer(obj, top, &reader, err)) < 0)
		goto out;
	mc_event_container(cp->c, "extract-to-dir", "path", into);
	x.prefix = into;
	rc = img_extract_stream(reader, rootfd, &x, err);
	if (writer > 0) {
		close(reader);
		rc = finish_writer(writer, rc, err);
	}
	if (rc == 0)
		report_copied(cp->o, x.size, where);
out:
	if (obj >= 0)
		close(obj);
	return rc;
}

/* ---- the verb ------------------------------------------------------------------------------- */

int verb_cp(int argc, char **argv)
{
	char src_name[256], dst_name[256];
	const char *src_path, *dst_path;
	struct cp_opts o = {false, false, false};
	struct mc_container c;
	struct copy cp = {0};
	struct mc_error err;
	int rc, first;

	if ((rc = mc_parse_verb(&mc_cmd_cp, &o, argc, argv, &first)) >= 0)
		return rc;
	cp.o = &o;
	cp.arg_src = argv[first];
	cp.arg_dst = argv[first + 1];
	if (cp.arg_src[0] == '\0' || cp.arg_dst[0] == '\0') {
		fprintf(stderr, "minicontainer: %s can not be empty\n",
		        cp.arg_src[0] == '\0' ? "source" : "destination");
		return MC_EXIT_FAILED;
	}
	split_arg(cp.arg_src, &cp.src.container, &src_path, src_name, sizeof(src_name));
	split_arg(cp.arg_dst, &cp.dst.container, &dst_path, dst_name, sizeof(dst_name));
	if (cp.src.container != NULL && cp.dst.container != NULL) {
		fprintf(stderr, "minicontainer: copying between containers is not supported\n");
		return MC_EXIT_FAILED;
	}
	if (cp.src.container == NULL && cp.dst.container == NULL) {
		fprintf(stderr, "minicontainer: must specify at least one container source\n");
		return MC_EXIT_FAILED;
	}
	if ((strcmp(src_path, "-") != 0 &&
	     clean_path(src_path, cp.src.container != NULL, &cp.src, &err) < 0) ||
	    (strcmp(dst_path, "-") != 0 &&
	     clean_path(dst_path, cp.dst.container != NULL, &cp.dst, &err) < 0))
		return mc_report(&err);
	/* docker/cli's ValidateOutputPath: the host directory to copy into must exist. */
	if (cp.src.container != NULL && strcmp(dst_path, "-") != 0 &&
	    access(cp.dst.parent, F_OK) < 0) {
		fprintf(stderr,
		        "minicontainer: invalid output path: directory \"%s\" does not exist\n",
		        cp.dst.parent);
		return MC_EXIT_FAILED;
	}
	if (mc_container_load(cp.src.container ? cp.src.container : cp.dst.container, &c, &err) < 0)
		return mc_report(&err);
	cp.c = &c;
	cp.run = cp.src.container != NULL ? from_container : to_container;
	rc = with_root(&cp);
	mc_container_free(&c);
	return rc;
}
