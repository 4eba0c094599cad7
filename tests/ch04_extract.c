/*
 * ch04_extract.c - chapter 04: extracting layers, and refusing hostile ones.
 *
 * Every layer here is written by the test itself with libarchive's writer,
 * so each test says exactly what its archive holds.  The malicious corpus
 * (test_malicious_layers_*) runs each hostile layer next to a "canary"
 * directory and checks, byte for byte, that nothing outside the layer
 * directory changed - whichever of the two path resolvers is used.
 */
#define _GNU_SOURCE
#include "harness.h"

/* The chapter's own archive.h comes first on the include path: see extract.c. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "img_extract.h"
#include "mc_file.h"
#include "ovl_overlay.h"

#include "ch04_common.h"

/* ---- small helpers ------------------------------------------------------------------------ */

static const char *join(const char *dir, const char *name)
{
	static char bufs[8][PATH_MAX];
	static int next;
	char *buf = bufs[next++ % 8];

	if (snprintf(buf, PATH_MAX, "%s/%s", dir, name) >= PATH_MAX)
		fail_msg("test bug: path too long: %s/%s", dir, name);
	return buf;
}

static void mkdirs(const char *path)
{
	struct mc_error err;

	if (mc_mkdir_p(path, 0755, &err) < 0)
		fail_msg("%s", err.msg);
}

/* An empty directory at `path` (whatever was there is removed first). */
static void fresh_dir(const char *path)
{
	struct mc_error err;

	if (mc_remove_tree(path, &err) < 0)
		fail_msg("%s", err.msg);
	mkdirs(path);
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		fail_msg("create %s: %s", path, strerror(errno));
	fputs(text, f);
	fclose(f);
}

/* "sha256:<hex>" of a file, computed here independently of extract.c. */
static void sha256_file(const char *path, char out[72])
{
	unsigned char buf[65536], md[EVP_MAX_MD_SIZE];
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int len;
	size_t n;
	FILE *f = fopen(path, "rb");

	if (f == NULL)
		fail_msg("open %s: %s", path, strerror(errno));
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		EVP_DigestUpdate(ctx, buf, n);
	fclose(f);
	EVP_DigestFinal_ex(ctx, md, &len);
	EVP_MD_CTX_free(ctx);
	strcpy(out, "sha256:");
	for (unsigned int i = 0; i < len; i++)
		sprintf(out + 7 + 2 * i, "%02x", md[i]);
}

/* ---- writing test layers ------------------------------------------------------------------ */

/* One entry of a test layer. */
struct ent {
	char type;        /* 'f' file, 'd' dir, 'l' symlink, 'h' hard link, 'p' FIFO, 'c' chardev */
	const char *name; /* may use the placeholders of expand() */
	const char *data; /* file contents, or the link's target */
	unsigned mode;    /* permission bits; 0 gives 0644, 0755 for directories, 0777 symlinks */
	int uid, gid;
	time_t mtime; /* 0 gives T0 */
	unsigned major, minor;
	const char *xattr; /* "name=value" */
};

/* The usual entries, in tables: F("name", "contents"), D("dir"), L("link", "target"), H(...). */
/* clang-format off */
#define F(n, d) {.type = 'f', .name = (n), .data = (d)}
#define D(n)    {.type = 'd', .name = (n)}
#define L(n, t) {.type = 'l', .name = (n), .data = (t)}
#define H(n, t) {.type = 'h', .name = (n), .data = (t)}
/* clang-format on */

#define T0 1500000000 /* 2017-07-14: any fixed time that is not "now" */

enum filter { PLAIN, GZIP, ZSTD };

/*
 * Places outside the layer directory: the canary directory of the running
 * malicious case ("@CANARY@") and the whiteout test's victim ("@VICTIM@").
 */
static char canary_path[PATH_MAX], victim_path[PATH_MAX];

/*
 * Placeholders: "@CANARY@..." is the canary directory's absolute path (a
 * place outside the layer), "@VICTIM@" another one, "@LONG_NAME@" a
 * 300-byte name (NAME_MAX is 255), "@LONG_PATH@" one longer than PATH_MAX.
 */
static const char *expand(const char *text)
{
	static char bufs[2][2 * PATH_MAX];
	static int next;
	char *buf = bufs[next++ % 2];
	size_t i;

	if (text == NULL)
		return NULL;
	if (strncmp(text, "@CANARY@", 8) == 0) {
		snprintf(buf, sizeof(bufs[0]), "%s%s", canary_path, text + 8);
	} else if (strcmp(text, "@VICTIM@") == 0) {
		snprintf(buf, sizeof(bufs[0]), "%s", victim_path);
	} else if (strcmp(text, "@LONG_NAME@") == 0) {
		memset(buf, 'n', 300);
		buf[300] = '\0';
	} else if (strcmp(text, "@LONG_PATH@") == 0) {
		for (i = 0; i + 2 < PATH_MAX + 100; i += 2)
			memcpy(buf + i, "d/", 2);
		strcpy(buf + i, "x");
	} else {
		return text;
	}
	return buf;
}

static void add_entry(struct archive *a, const struct ent *e)
{
	struct archive_entry *entry = archive_entry_new();
	const char *data = expand(e->data);
	size_t size = e->type == 'f' && data != NULL ? strlen(data) : 0;

	archive_entry_set_pathname(entry, expand(e->name));
	archive_entry_set_uid(entry, e->uid);
	archive_entry_set_gid(entry, e->gid);
	archive_entry_set_mtime(entry, e->mtime ? e->mtime : T0, 0);
	switch (e->type) {
	case 'f':
	case 'h':
		archive_entry_set_filetype(entry, AE_IFREG);
		archive_entry_set_perm(entry, e->mode ? e->mode : 0644);
		if (e->type == 'h')
			archive_entry_set_hardlink(entry, data);
		break;
	case 'd':
		archive_entry_set_filetype(entry, AE_IFDIR);
		archive_entry_set_perm(entry, e->mode ? e->mode : 0755);
		break;
	case 'l':
		archive_entry_set_filetype(entry, AE_IFLNK);
		archive_entry_set_perm(entry, 0777);
		archive_entry_set_symlink(entry, data);
		break;
	case 'p':
	case 'c':
		archive_entry_set_filetype(entry, e->type == 'p' ? AE_IFIFO : AE_IFCHR);
		archive_entry_set_perm(entry, e->mode ? e->mode : 0644);
		archive_entry_set_rdevmajor(entry, e->major);
		archive_entry_set_rdevminor(entry, e->minor);
		break;
	default:
		fail_msg("test bug: entry type '%c'", e->type);
	}
	archive_entry_set_size(entry, (la_int64_t)size);
	if (e->xattr != NULL) {
		const char *eq = strchr(e->xattr, '=');
		char name[64];

		snprintf(name, sizeof(name), "%.*s", (int)(eq - e->xattr), e->xattr);
		archive_entry_xattr_add_entry(entry, name, eq + 1, strlen(eq + 1));
	}
	if (archive_write_header(a, entry) != ARCHIVE_OK)
		fail_msg("write header %s: %s", e->name, archive_error_string(a));
	if (size > 0 && archive_write_data(a, data, size) != (la_ssize_t)size)
		fail_msg("write data %s: %s", e->name, archive_error_string(a));
	archive_entry_free(entry);
}

/* Write the entries up to the one with type 0 as a pax tar, compressed with `filter`. */
static void write_layer(const char *path, enum filter filter, const struct ent *ents)
{
	struct archive *a = archive_write_new();

	archive_write_set_format_pax_restricted(a);
	if (filter == GZIP)
		archive_write_add_filter_gzip(a);
	else if (filter == ZSTD)
		archive_write_add_filter_zstd(a);
	/* No padding to 10 KiB blocks: the three forms then hold the very same tar stream. */
	archive_write_set_bytes_in_last_block(a, 1);
	if (archive_write_open_filename(a, path) != ARCHIVE_OK)
		fail_msg("create %s: %s", path, archive_error_string(a));
	for (; ents->type != 0; ents++)
		add_entry(a, ents);
	if (archive_write_close(a) != ARCHIVE_OK)
		fail_msg("close %s: %s", path, archive_error_string(a));
	archive_write_free(a);
}

static int extract(const char *layer, const char *dest, enum mc_resolver resolver, bool devices,
                   char diff_id[72], struct mc_error *err)
{
	struct img_extract_opts opts = {
	    .resolver = resolver,
	    .allow_devices = devices,
	    .keep_ownership = true,
	};
	int rc;

	mc_error_clear(err);
	rc = img_extract_layer(layer, dest, &opts, err);
	if (diff_id != NULL)
		strcpy(diff_id, opts.diff_id);
	return rc;
}

/* ---- snapshots of a tree: "nothing here changed" ------------------------------------------ */

struct snapshot {
	char **lines;
	size_t count, capacity;
};

/* nftw(3) has no argument for its callback: the snapshot being taken. */
static struct snapshot *snap;
static const char *snap_top, *snap_skip;

static void hex_of(const void *data, size_t len, char *out)
{
	for (size_t i = 0; i < len && i < 64; i++)
		sprintf(out + 2 * i, "%02x", ((const unsigned char *)data)[i]);
}

/* The names and values of a file's extended attributes, as one string. */
static void xattrs_of(const char *path, char *out, size_t size)
{
	char names[1024], value[64], hex[130];
	ssize_t len = llistxattr(path, names, sizeof(names));
	size_t used = 0;

	out[0] = '\0';
	for (char *name = names; len > 0 && name < names + len; name += strlen(name) + 1) {
		ssize_t n = lgetxattr(path, name, value, sizeof(value));

		hex[0] = '\0';
		if (n > 0)
			hex_of(value, (size_t)n, hex);
		used += (size_t)snprintf(out + used, size - used, "%s=%s,", name, hex);
		if (size <= used)
			break;
	}
}

static int snap_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	char content[PATH_MAX + 72] = "", xattrs[512], line[3 * PATH_MAX];

	(void)flag;
	(void)ftw;
	if (snap_skip != NULL && strcmp(path, snap_skip) == 0)
		return FTW_SKIP_SUBTREE;
	if (S_ISREG(st->st_mode)) {
		sha256_file(path, content);
	} else if (S_ISLNK(st->st_mode)) {
		ssize_t n = readlink(path, content, PATH_MAX);

		content[n > 0 ? n : 0] = '\0';
	}
	xattrs_of(path, xattrs, sizeof(xattrs));
	snprintf(line, sizeof(line),
	         "%s mode=%o owner=%u:%u size=%lld nlink=%lu rdev=%lx mtime=%lld.%09ld [%s] "
	         "xattrs=%s",
	         path[strlen(snap_top)] ? path + strlen(snap_top) + 1 : ".", st->st_mode,
	         st->st_uid, st->st_gid, (long long)st->st_size, (unsigned long)st->st_nlink,
	         (unsigned long)st->st_rdev, (long long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec,
	         content, xattrs);
	if (snap->count == snap->capacity) {
		snap->capacity = snap->capacity ? 2 * snap->capacity : 64;
		snap->lines = realloc(snap->lines, snap->capacity * sizeof(char *));
		assert_non_null(snap->lines);
	}
	snap->lines[snap->count++] = strdup(line);
	return FTW_CONTINUE;
}

static int compare_lines(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every file under `top` (but not under `skip`): name, type, mode, owner, size, times, data. */
static void take_snapshot(struct snapshot *s, const char *top, const char *skip)
{
	memset(s, 0, sizeof(*s));
	snap = s;
	snap_top = top;
	snap_skip = skip;
	if (nftw(top, snap_one, 16, FTW_PHYS | FTW_ACTIONRETVAL) != 0)
		fail_msg("walk %s: %s", top, strerror(errno));
	qsort(s->lines, s->count, sizeof(char *), compare_lines);
}

static void free_snapshot(struct snapshot *s)
{
	for (size_t i = 0; i < s->count; i++)
		free(s->lines[i]);
	free(s->lines);
}

/* Fail with the first difference, naming `what` (the case). */
static void assert_same_snapshot(const struct snapshot *a, const struct snapshot *b,
                                 const char *what)
{
	size_t i;

	for (i = 0; i < a->count && i < b->count; i++)
		if (strcmp(a->lines[i], b->lines[i]) != 0)
			fail_msg("%s: changed:\n  before: %s\n  after:  %s", what, a->lines[i],
			         b->lines[i]);
	if (a->count != b->count)
		fail_msg("%s: %zu files before, %zu after; first extra: %s", what, a->count,
		         b->count, i < a->count ? a->lines[i] : b->lines[i]);
}

/* ---- every file type, every piece of metadata ------------------------------------------- */

static const struct ent every_type[] = {
    {.type = 'd', .name = "./", .mode = 0751, .mtime = T0 + 50},
    {.type = 'd', .name = "dir", .mode = 0750, .uid = 1234, .gid = 1234, .mtime = T0 + 1},
    {.type = 'f',
     .name = "dir/file",
     .data = "hello\n",
     .mode = 0640,
     .uid = 1234,
     .gid = 1234,
     .mtime = T0 + 2,
     .xattr = "user.test=value"},
    {.type = 'l', .name = "dir/link", .data = "file", .uid = 1234, .gid = 1234, .mtime = T0 + 3},
    H("dir/hard", "dir/file"),
    {.type = 'p', .name = "dir/fifo", .mode = 0600, .mtime = T0 + 4},
    {.type = 'c', .name = "dir/null", .mode = 0666, .major = 1, .minor = 3, .mtime = T0 + 5},
    {.type = 'd', .name = "dir/sub", .mode = 0700, .mtime = T0 + 6},
    {.type = 'f', .name = "dir/sub/deep", .data = "deep\n", .mtime = T0 + 7},
    {.type = 'f',
     .name = "suid",
     .data = "#!/bin/sh\n",
     .mode = 04755,
     .uid = 1234,
     .gid = 1234,
     .mtime = T0 + 8},
    {.type = 'f', .name = "/absolute", .data = "made relative\n", .mtime = T0 + 9},
    {0},
};

static void assert_stat(const char *root, const char *name, mode_t type, mode_t perm, uid_t uid,
                        time_t mtime)
{
	struct stat st;

	if (lstat(join(root, name), &st) < 0)
		fail_msg("%s: %s", name, strerror(errno));
	if ((st.st_mode & S_IFMT) != type)
		fail_msg("%s: type 0%o, expected 0%o", name, st.st_mode & S_IFMT, type);
	if (perm != (mode_t)-1 && (st.st_mode & 07777) != perm)
		fail_msg("%s: mode %04o, expected %04o", name, st.st_mode & 07777, perm);
	if (st.st_uid != uid)
		fail_msg("%s: owner %u, expected %u", name, st.st_uid, uid);
	if (st.st_mtim.tv_sec != mtime || st.st_mtim.tv_nsec != 0)
		fail_msg("%s: mtime %lld.%09ld, expected %lld", name, (long long)st.st_mtim.tv_sec,
		         st.st_mtim.tv_nsec, (long long)mtime);
}

static void test_extracts_every_file_type(void **state)
{
	const char *plain = tpath("every.tar"), *gz = tpath("every.tar.gz");
	const char *root = tpath("every");
	char diff_id[72], expected[72], target[16], value[16];
	struct mc_error err;
	struct stat file, hard, dev;
	ssize_t n;

	(void)state;
	MC_REQUIRE_ROOT();
	write_layer(plain, PLAIN, every_type);
	write_layer(gz, GZIP, every_type);
	fresh_dir(root);
	if (extract(gz, root, MC_RESOLVE_AUTO, true, diff_id, &err) < 0)
		fail_msg("%s", err.msg);

	assert_stat(root, ".", S_IFDIR, 0751, 0, T0 + 50);
	/* Files were made in dir after it: its mtime is still the archive's. */
	assert_stat(root, "dir", S_IFDIR, 0750, 1234, T0 + 1);
	assert_stat(root, "dir/file", S_IFREG, 0640, 1234, T0 + 2);
	assert_stat(root, "dir/link", S_IFLNK, (mode_t)-1, 1234, T0 + 3);
	assert_stat(root, "dir/fifo", S_IFIFO, 0600, 0, T0 + 4);
	assert_stat(root, "dir/null", S_IFCHR, 0666, 0, T0 + 5);
	assert_stat(root, "dir/sub", S_IFDIR, 0700, 0, T0 + 6);
	assert_stat(root, "dir/sub/deep", S_IFREG, 0644, 0, T0 + 7);
	/* Owner first, then mode: chown would have cleared the setuid bit. */
	assert_stat(root, "suid", S_IFREG, 04755, 1234, T0 + 8);
	assert_stat(root, "absolute", S_IFREG, 0644, 0, T0 + 9);

	assert_int_equal(lstat(join(root, "dir/file"), &file), 0);
	assert_int_equal(lstat(join(root, "dir/hard"), &hard), 0);
	assert_int_equal(file.st_ino, hard.st_ino);
	assert_int_equal(file.st_nlink, 2);
	assert_int_equal(file.st_size, 6);
	n = readlink(join(root, "dir/link"), target, sizeof(target) - 1);
	assert_int_equal(n, 4);
	target[n] = '\0';
	assert_string_equal(target, "file");
	assert_int_equal(lstat(join(root, "dir/null"), &dev), 0);
	assert_true(dev.st_rdev == makedev(1, 3));

	n = getxattr(join(root, "dir/file"), "user.test", value, sizeof(value) - 1);
	if (n < 0)
		fail_msg("user.test on dir/file: %s", strerror(errno));
	value[n] = '\0';
	assert_string_equal(value, "value");

	sha256_file(plain, expected);
	assert_string_equal(diff_id, expected);
}

/* ---- compression -------------------------------------------------------------------------- */

static const struct ent small_tree[] = {
    {.type = 'd', .name = "./", .mtime = T0},
    {.type = 'd', .name = "etc", .mtime = T0 + 1},
    {.type = 'f', .name = "etc/hostname", .data = "layer\n", .mtime = T0 + 2},
    {.type = 'l', .name = "etc/mtab", .data = "/proc/mounts", .mtime = T0 + 3},
    {.type = 'd', .name = "bin", .mode = 0555, .mtime = T0 + 4},
    {.type = 'f',
     .name = "bin/tool",
     .data = "#!/bin/sh\necho tool\n",
     .mode = 0755,
     .mtime = T0 + 5},
    H("bin/alias", "bin/tool"),
    {0},
};

static void test_gzip_and_zstd_layers(void **state)
{
	static const struct {
		enum filter filter;
		const char *name;
	} forms[] = {{PLAIN, "small.tar"}, {GZIP, "small.tar.gz"}, {ZSTD, "small.tar.zst"}};
	struct snapshot trees[3];
	char diff_ids[3][72], expected[72];
	struct mc_error err;

	(void)state;
	MC_REQUIRE_ROOT();
	for (int i = 0; i < 3; i++) {
		const char *layer = tpath("%s", forms[i].name);
		const char *root = tpath("%s.d", forms[i].name);

		write_layer(layer, forms[i].filter, small_tree);
		fresh_dir(root);
		if (extract(layer, root, MC_RESOLVE_AUTO, false, diff_ids[i], &err) < 0)
			fail_msg("%s: %s", forms[i].name, err.msg);
		take_snapshot(&trees[i], root, NULL);
	}
	sha256_file(tpath("small.tar"), expected);
	for (int i = 0; i < 3; i++) {
		if (strcmp(diff_ids[i], expected) != 0)
			fail_msg("%s: diff_id %s, expected %s", forms[i].name, diff_ids[i],
			         expected);
		assert_same_snapshot(&trees[0], &trees[i], forms[i].name);
	}
	for (int i = 0; i < 3; i++)
		free_snapshot(&trees[i]);
}

/* ---- whiteouts ---------------------------------------------------------------------------- */

static bool is_whiteout_at(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 && ovl_is_whiteout(&st);
}

static bool is_opaque_at(const char *root, const char *name)
{
	int fd = open(root, O_PATH | O_DIRECTORY);
	bool opaque = fd >= 0 && ovl_is_opaque(fd, name);

	if (fd >= 0)
		close(fd);
	return opaque;
}

static int find_wh_name(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	return strncmp(path + ftw->base, ".wh.", 4) == 0;
}

static void test_whiteouts_become_overlay_whiteouts(void **state)
{
	static const struct ent layer[] = {
	    F("keep", "kept\n"),
	    F(".wh.gone", ""),
	    /* The opaque marker after its siblings: they belong to this layer and stay. */
	    D("dir"),
	    F("dir/sibling", "s\n"),
	    D("dir/sub"),
	    F("dir/.wh..wh..opq", ""),
	    /* ... and before them, in a directory that has no entry of its own. */
	    F("dir2/.wh..wh..opq", ""),
	    F("dir2/after", "a\n"),
	    /* A whiteout replaces what this layer had under that name, even a tree. */
	    F("old", "o\n"),
	    F(".wh.old", ""),
	    D("tree"),
	    F("tree/x", "x\n"),
	    F(".wh.tree", ""),
	    F("deep/er/.wh.y", ""),
	    /* aufs bookkeeping means nothing to overlayfs. */
	    F(".wh..wh.plnk", ""),
	    /* Whiteouts never reach outside: through a symlink up, or of a symlink out. */
	    L("up", ".."),
	    F("up/.wh.upgone", ""),
	    L("out", "@VICTIM@"),
	    F(".wh.out", ""),
	    D("tree2"),
	    L("tree2/out", "@VICTIM@"),
	    F(".wh.tree2", ""),
	    {0},
	};
	const char *path = tpath("whiteouts.tar.gz"), *root = tpath("whiteouts");
	const char *victim = tpath("whiteouts-victim");
	struct mc_error err;

	(void)state;
	MC_REQUIRE_ROOT();
	fresh_dir(victim);
	write_text(join(victim, "keep"), "not in the layer\n");
	snprintf(victim_path, sizeof(victim_path), "%s", victim);
	write_layer(path, GZIP, layer);
	fresh_dir(root);
	if (extract(path, root, MC_RESOLVE_AUTO, false, NULL, &err) < 0)
		fail_msg("%s", err.msg);

	if (!is_whiteout_at(join(root, "gone")))
		fail_msg(".wh.gone did not become a 0/0 character device \"gone\"");
	if (!is_opaque_at(root, "dir"))
		fail_msg("dir has no trusted.overlay.opaque=y");
	if (!is_opaque_at(root, "dir2"))
		fail_msg("dir2 has no trusted.overlay.opaque=y");
	if (access(join(root, "dir/sibling"), F_OK) < 0 || access(join(root, "dir/sub"), F_OK) < 0)
		fail_msg("the opaque marker removed entries of its own layer");
	if (access(join(root, "dir2/after"), F_OK) < 0)
		fail_msg("dir2/after is missing: an opaque marker hides lower layers, not its own");
	if (access(join(root, "keep"), F_OK) < 0)
		fail_msg("keep is missing: only what a whiteout names goes");
	if (!is_whiteout_at(join(root, "old")))
		fail_msg("old is not a whiteout: .wh.old replaces what this layer had there");
	if (!is_whiteout_at(join(root, "tree")))
		fail_msg("tree is not a whiteout: .wh.tree replaces this layer's directory tree");
	if (!is_whiteout_at(join(root, "deep/er/y")))
		fail_msg(
		    "deep/er/y is not a whiteout: a whiteout's directories are made as needed");
	if (is_opaque_at(root, "deep"))
		fail_msg("deep is opaque: only .wh..wh..opq makes a directory opaque");
	if (nftw(root, find_wh_name, 16, FTW_PHYS) != 0)
		fail_msg("a .wh. name was extracted as it is");
	if (!is_whiteout_at(join(root, "upgone")) || !is_whiteout_at(join(root, "out")) ||
	    !is_whiteout_at(join(root, "tree2")))
		fail_msg("upgone, out or tree2 is not a whiteout: a whiteout is made in the layer, "
		         "never through a symlink, and replaces a symlink itself");
	if (access(join(victim, "keep"), F_OK) < 0 || access(tpath("upgone"), F_OK) == 0)
		fail_msg("a whiteout reached outside the layer");
}

static void test_invalid_whiteout_names_are_rejected(void **state)
{
	static const char *const names[] = {".wh.", "dir/.wh.", ".wh..", ".wh...", "a/b/.wh..."};
	/* (No "whiteout" in these paths: the message must say it by itself.) */
	const char *path = tpath("bad-wh.tar"), *root = tpath("bad-wh");
	struct mc_error err;

	(void)state;
	MC_REQUIRE_ROOT();
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const struct ent layer[] = {D("dir"), F(names[i], ""), {0}};

		write_layer(path, PLAIN, layer);
		fresh_dir(root);
		if (extract(path, root, MC_RESOLVE_AUTO, false, NULL, &err) == 0)
			fail_msg("\"%s\" was accepted as a whiteout", names[i]);
		if (strstr(err.msg, "whiteout") == NULL)
			fail_msg("\"%s\": the message does not say \"whiteout\": %s", names[i],
			         err.msg);
	}
}

/* ---- broken archives -------------------------------------------------------------------- */

/* A layer with 256 KiB of noise in it: compression cannot make it small. */
static void write_noisy_layer(const char *path, enum filter filter)
{
	static char noise[256 * 1024 + 1];
	uint32_t x = 2463534242u;
	struct ent layer[] = {D("big"), F("big/noise", noise), {0}};

	for (size_t i = 0; i + 1 < sizeof(noise); i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		noise[i] = (char)('!' + x % 90); /* printable: the writer takes a C string */
	}
	write_layer(path, filter, layer);
}

static void cut_in_half(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(truncate(path, st.st_size / 2), 0);
}

static void test_truncated_layer_fails_cleanly(void **state)
{
	static const struct {
		const char *name;
		enum filter filter;
		bool cut;
		const char *contents; /* instead of a layer */
	} cases[] = {
	    {"cut.tar.gz", GZIP, true, NULL},
	    {"cut.tar.zst", ZSTD, true, NULL},
	    {"cut.tar", PLAIN, true, NULL},
	    {"empty.tar", PLAIN, false, ""},
	    {"garbage.tar", PLAIN, false, "this is not a tar archive, not even close\n"},
	};
	struct mc_error err;
	char diff_id[72];

	(void)state;
	MC_REQUIRE_ROOT();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *path = tpath("broken-%s", cases[i].name);
		const char *root = tpath("broken-%zu", i);

		if (cases[i].contents != NULL)
			write_text(path, cases[i].contents);
		else
			write_noisy_layer(path, cases[i].filter);
		if (cases[i].cut)
			cut_in_half(path);
		fresh_dir(root);
		if (extract(path, root, MC_RESOLVE_AUTO, false, diff_id, &err) == 0)
			fail_msg("%s: a broken layer was extracted", cases[i].name);
		if (strstr(err.msg, path) == NULL || strlen(err.msg) <= strlen(path) + 4)
			fail_msg("%s: unclear message: \"%s\"", cases[i].name, err.msg);
		if (diff_id[0] != '\0')
			fail_msg("%s: a diff_id for a broken layer: %s", cases[i].name, diff_id);
	}
}

/* ---- the malicious corpus ----------------------------------------------------------------- */

enum outcome { SUCCEEDS, FAILS, EITHER };

struct hostile {
	const char *what;
	enum outcome outcome;
	/*
	 * What must be true inside the layer directory after a success: "f:path"
	 * a file, "d:" a directory, "l:" a symlink, "p:" a FIFO, "w:" an overlay
	 * whiteout, "o:" an opaque directory, "-:" nothing there.
	 */
	const char *after[4];
	struct ent ents[6];
};

/*
 * Every way out of the layer directory we know of.  The layer directory is
 * case-N/root; case-N/canary holds files that must not change.  Payloads are
 * named "pwned", so that an escape leaves a file we can look for.
 */
static const struct hostile corpus[] = {
    {"dotdot", FAILS, {NULL}, {F("../pwned", "x")}},
    {"dotdot inside", FAILS, {NULL}, {D("a"), F("a/../../pwned", "x")}},
    {"dot then dotdot", FAILS, {NULL}, {F("x/./../../pwned", "x")}},
    {"dotdot after dirs", FAILS, {NULL}, {F("a/b/c/../../../../pwned", "x")}},
    {"absolute name", SUCCEEDS, {"f:abs/pwned"}, {F("/abs/pwned", "x")}},
    {"dot slashes", SUCCEEDS, {"f:x"}, {F("./././x", "x")}},
    {"double slashes", SUCCEEDS, {"f:a/b/c"}, {F("a//b///c", "x")}},
    {"symlink up then file",
     SUCCEEDS,
     {"l:up", "f:pwned"},
     {L("up", "../../.."), F("up/pwned", "x")}},
    {"symlink to / then file",
     SUCCEEDS,
     {"l:abs", "f:etc/pwned"},
     {L("abs", "/"), F("abs/etc/pwned", "x")}},
    {"symlink chain",
     SUCCEEDS,
     {"f:pwned"},
     {L("a", "b"), L("b", "c"), L("c", "../.."), F("a/pwned", "x")}},
    {"symlink named .", FAILS, {NULL}, {L(".", "/tmp"), F("pwned", "x")}},
    {"symlink named ./", FAILS, {NULL}, {L("./", "@CANARY@"), F("pwned", "x")}},
    {"hard link named through a symlink out",
     FAILS,
     {NULL},
     {L("d", "@CANARY@"), F("f", "x"), H("d/pwned", "f")}},
    {"hard link to ../", FAILS, {NULL}, {H("pwned", "../canary/secret")}},
    {"hard link to /etc/passwd", FAILS, {NULL}, {H("pwned", "/etc/passwd")}},
    {"hard link to /etc/passwd of the layer",
     SUCCEEDS,
     {"f:h", "f:etc/passwd"},
     {D("etc"), F("etc/passwd", "root:x:0:0::/:/bin/sh\n"), H("h", "/etc/passwd")}},
    {"hard link through a relative symlink",
     FAILS,
     {NULL},
     {L("d", "../canary"), H("pwned", "d/secret")}},
    {"hard link through an absolute symlink",
     FAILS,
     {NULL},
     {L("d", "@CANARY@"), H("pwned", "d/secret")}},
    {"hard link to a directory", FAILS, {NULL}, {D("d"), H("h", "d")}},
    {"hard link named through a symlink up",
     SUCCEEDS,
     {"f:h"},
     {F("f", "x"), L("d", "../.."), H("d/h", "f")}},
    {"whiteout through a symlink out", FAILS, {NULL}, {L("d", "@CANARY@"), F("d/.wh.secret", "")}},
    /*
     * Whether these make the right whiteouts is for the whiteout tests
     * (exercise 04.4) to say; here, only that nothing outside changes.
     */
    {"whiteout through a symlink up", EITHER, {NULL}, {L("d", "../.."), F("d/.wh.secret", "")}},
    {"opaque marker through a symlink out",
     FAILS,
     {NULL},
     {L("d", "@CANARY@"), F("d/.wh..wh..opq", "")}},
    {"opaque marker through a symlink up",
     EITHER,
     {NULL},
     {L("d", "../.."), F("d/.wh..wh..opq", "")}},
    {"whiteout named ..", EITHER, {NULL}, {F("a/.wh...", "")}},
    {"whiteout named .. at the top", EITHER, {NULL}, {F(".wh...", "")}},
    {"whiteout named .", EITHER, {NULL}, {D("d"), F("d/f", "x"), F("d/.wh..", "")}},
    {"whiteout replaces a symlink out", EITHER, {NULL}, {L("d", "@CANARY@"), F(".wh.d", "")}},
    {"whiteout of a tree holding a symlink out",
     EITHER,
     {NULL},
     {D("d"), F("d/f", "x"), L("d/out", "@CANARY@"), F(".wh.d", "")}},
    {"symlink replaces a directory",
     SUCCEEDS,
     {"l:d", "f:canary/pwned"},
     {D("canary"), D("d"), L("d", "../canary"), F("d/pwned", "x")}},
    {"symlink out replaces a directory",
     FAILS,
     {NULL},
     {D("d"), L("d", "@CANARY@"), F("d/pwned", "x")}},
    {"file replaces an absolute symlink",
     SUCCEEDS,
     {"f:f"},
     {L("f", "@CANARY@/secret"), F("f", "pwned")}},
    {"file replaces a relative symlink",
     SUCCEEDS,
     {"f:f"},
     {L("f", "../canary/secret"), F("f", "pwned")}},
    {"directory replaces a symlink out",
     SUCCEEDS,
     {"d:d"},
     {L("d", "@CANARY@"), {.type = 'd', .name = "d", .mode = 0777, .mtime = 1}}},
    {"owner and times of a symlink out",
     SUCCEEDS,
     {"l:s"},
     {{.type = 'l', .name = "s", .data = "@CANARY@/secret", .uid = 1234, .mtime = 1}}},
    {"hard link to a symlink out",
     SUCCEEDS,
     {"l:s", "l:h"},
     {L("s", "@CANARY@/secret"), H("h", "s")}},
    {"hard link to a symlink, then a file",
     SUCCEEDS,
     {"l:s", "f:h"},
     {L("s", "@CANARY@/secret"), H("h", "s"), F("h", "pwned")}},
    {"etc, then etc -> /etc, then etc/pwned",
     FAILS,
     {NULL},
     {D("etc"), L("etc", "/etc"), F("etc/pwned", "x")}},
    {"directory through a dangling symlink", FAILS, {NULL}, {L("d", "../canary"), D("d/sub")}},
    {"device node without allow_devices",
     SUCCEEDS,
     {"-:null"},
     {{.type = 'c', .name = "null", .major = 1, .minor = 3}}},
    {"FIFO through a symlink up",
     SUCCEEDS,
     {"p:pwned"},
     {L("up", "../../.."), {.type = 'p', .name = "up/pwned"}}},
    {"name longer than NAME_MAX", FAILS, {NULL}, {F("@LONG_NAME@", "x")}},
    {"name longer than PATH_MAX", FAILS, {NULL}, {F("@LONG_PATH@", "x")}},
    {"newline in a name", SUCCEEDS, {"f:new\nline"}, {F("new\nline", "x")}},
    {"symlink loop", FAILS, {NULL}, {L("a", "b"), L("b", "a"), F("a/pwned", "x")}},
    {"absolute symlink resolved inside",
     SUCCEEDS,
     {"l:link", "f:abs/pwned"},
     {D("abs"), L("link", "/abs"), F("link/pwned", "x")}},
    {"symlink with .. inside its target",
     SUCCEEDS,
     {"f:pwned"},
     {D("a"), L("x", "a/../../../.."), F("x/pwned", "x")}},
    {"file as the layer directory", FAILS, {NULL}, {F("./", "x")}},
    {"mode of the layer directory", SUCCEEDS, {"d:."}, {{.type = 'd', .name = "./", .mode = 0700}}},
};

/*
 * Where an escaped payload would land; none of them may exist.  One that
 * does was made by the case that just ran (they were checked before it):
 * it is removed before failing, so that a broken extractor does not leave
 * files on the host.
 */
static void assert_no_escape(const char *sandbox, const char *casedir, const char *what, bool after)
{
	const char *places[] = {"/pwned",
	                        "/etc/pwned",
	                        "/tmp/pwned",
	                        "/abs/pwned",
	                        join(mc_test_tmpdir(), "pwned"),
	                        join(sandbox, "pwned"),
	                        join(casedir, "pwned"),
	                        join(canary_path, "pwned")};
	struct stat st;

	for (size_t i = 0; i < sizeof(places) / sizeof(places[0]); i++) {
		if (lstat(places[i], &st) < 0)
			continue;
		if (!after)
			fail_msg("%s exists before the tests: remove it", places[i]);
		unlink(places[i]);
		if (strcmp(places[i], "/abs/pwned") == 0)
			rmdir("/abs");
		fail_msg("%s: escaped: %s was created (now removed)", what, places[i]);
	}
}

static void assert_after(const char *root, const char *check, const char *what)
{
	const char *path = join(root, check + 2);
	struct stat st;
	bool ok = false;

	if (check[0] == '-') {
		if (lstat(path, &st) == 0)
			fail_msg("%s: %s should not exist", what, check + 2);
		return;
	}
	if (lstat(path, &st) < 0)
		fail_msg("%s: %s: %s", what, check + 2, strerror(errno));
	switch (check[0]) {
	case 'f':
		ok = S_ISREG(st.st_mode);
		break;
	case 'd':
		ok = S_ISDIR(st.st_mode);
		break;
	case 'l':
		ok = S_ISLNK(st.st_mode);
		break;
	case 'p':
		ok = S_ISFIFO(st.st_mode);
		break;
	case 'w':
		ok = ovl_is_whiteout(&st);
		break;
	case 'o':
		ok = is_opaque_at(root, check + 2);
		break;
	default:
		fail_msg("test bug: check \"%s\"", check);
	}
	if (!ok)
		fail_msg("%s: %s is not what it should be (mode 0%o)", what, check, st.st_mode);
}

static void make_canary(const char *canary)
{
	mkdirs(join(canary, "dir"));
	write_text(join(canary, "secret"), "the host's secret\n");
	chmod(join(canary, "secret"), 0600);
	write_text(join(canary, "dir/file"), "another\n");
	if (symlink("secret", join(canary, "link")) < 0)
		fail_msg("symlink: %s", strerror(errno));
}

static void run_hostile(const struct hostile *c, size_t i, const char *sandbox,
                        enum mc_resolver resolver, struct stat *passwd)
{
	char dir[PATH_MAX - 64], root[PATH_MAX], layer[PATH_MAX], what[128];
	struct snapshot before, after;
	struct mc_error err;
	struct stat now;
	int rc;

	snprintf(what, sizeof(what), "case %zu \"%s\"", i, c->what);
	snprintf(dir, sizeof(dir), "%s/case-%02zu", sandbox, i);
	snprintf(root, sizeof(root), "%s/root", dir);
	snprintf(layer, sizeof(layer), "%s/layer.tar", dir);
	snprintf(canary_path, sizeof(canary_path), "%s/canary", dir);
	mkdirs(root);
	make_canary(canary_path);
	write_layer(layer, PLAIN, c->ents);
	assert_no_escape(sandbox, dir, what, false);

	take_snapshot(&before, sandbox, root);
	rc = extract(layer, root, resolver, false, NULL, &err);
	assert_no_escape(sandbox, dir, what, true);
	take_snapshot(&after, sandbox, root);

	assert_same_snapshot(&before, &after, what);
	free_snapshot(&before);
	free_snapshot(&after);
	assert_int_equal(stat("/etc/passwd", &now), 0);
	if (now.st_ino != passwd->st_ino || now.st_nlink != passwd->st_nlink ||
	    now.st_size != passwd->st_size || now.st_mtim.tv_sec != passwd->st_mtim.tv_sec)
		fail_msg("%s: the host's /etc/passwd changed", what);

	if (rc < 0 && err.msg[0] == '\0')
		fail_msg("%s: failed without a message", what);
	if (c->outcome == SUCCEEDS && rc < 0)
		fail_msg("%s: should succeed, inside the layer; failed: %s", what, err.msg);
	if (c->outcome == FAILS && rc == 0)
		fail_msg("%s: should have been refused", what);
	for (size_t k = 0; rc == 0 && k < 4 && c->after[k] != NULL; k++)
		assert_after(root, c->after[k], what);
}

static void run_corpus(const char *name, enum mc_resolver resolver)
{
	const char *sandbox = tpath("%s", name);
	struct stat passwd;

	assert_true(sizeof(corpus) / sizeof(corpus[0]) >= 25);
	fresh_dir(sandbox);
	assert_int_equal(stat("/etc/passwd", &passwd), 0);
	for (size_t i = 0; i < sizeof(corpus) / sizeof(corpus[0]); i++)
		run_hostile(&corpus[i], i, sandbox, resolver, &passwd);
}

static bool have_openat2(void)
{
	struct mc_error err;
	int fd = mc_open_in_root(AT_FDCWD, "/", O_PATH, 0, MC_RESOLVE_OPENAT2, &err);

	if (fd >= 0)
		close(fd);
	return fd >= 0 || err.errnum != ENOSYS;
}

static void test_malicious_layers_openat2(void **state)
{
	(void)state;
	MC_REQUIRE_ROOT();
	if (!have_openat2())
		MC_SKIP("needs openat2(2), Linux 5.6 or later");
	run_corpus("malicious-openat2", MC_RESOLVE_OPENAT2);
}

static void test_malicious_layers_fallback(void **state)
{
	(void)state;
	MC_REQUIRE_ROOT();
	run_corpus("malicious-fallback", MC_RESOLVE_FALLBACK);
}

/* ---- the resolvers, directly -------------------------------------------------------------- */

/* The same tree for both resolvers: links in every direction. */
static void make_resolve_tree(const char *root, const char *outside)
{
	static const char *const links[][2] = {
	    {"abs", "/etc"},       {"rel", "../../../../etc"},
	    {"dir/up", ".."},      {"dotlink", "."},
	    {"loop1", "loop2"},    {"loop2", "loop1"},
	    {"dangling", "/none"}, {"slash", "/"},
	    {"etcslash", "etc/"},  {"dir/toetc", "/etc"},
	};
	char name[32], target[32];

	fresh_dir(root);
	mkdirs(join(root, "etc"));
	mkdirs(join(root, "dir"));
	mkdirs(outside);
	write_text(join(root, "etc/passwd"), "the layer's passwd\n");
	write_text(join(root, "file"), "a file\n");
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		assert_int_equal(symlink(links[i][1], join(root, links[i][0])), 0);
	assert_int_equal(symlink(outside, join(root, "out")), 0);
	/* chain0 -> chain1 -> ... -> chain40 -> etc: chain1 takes 40 links, chain0 41. */
	for (int i = 0; i <= 40; i++) {
		snprintf(name, sizeof(name), "chain%d", i);
		snprintf(target, sizeof(target), i == 40 ? "etc" : "chain%d", i + 1);
		assert_int_equal(symlink(target, join(root, name)), 0);
	}
}

struct resolve_case {
	const char *path;
	int flags;
	const char *expect; /* what it must open, relative to root; NULL: it fails */
	int errnum;         /* ... with this errno */
};

static const struct resolve_case resolve_cases[] = {
    {"../../etc/passwd", O_RDONLY, "etc/passwd", 0},
    {"/etc/passwd", O_RDONLY, "etc/passwd", 0},
    {"./etc/./passwd", O_RDONLY, "etc/passwd", 0},
    {"abs/passwd", O_RDONLY, "etc/passwd", 0},
    {"rel/passwd", O_RDONLY, "etc/passwd", 0},
    {"dir/up/dir/up/etc/passwd", O_RDONLY, "etc/passwd", 0},
    {"dir/up/up/etc/passwd", O_RDONLY, NULL, ENOENT},
    {"dotlink/dotlink/etc/passwd", O_RDONLY, "etc/passwd", 0},
    {"slash/slash/../etc/passwd", O_RDONLY, "etc/passwd", 0},
    {"etcslash/passwd", O_RDONLY, "etc/passwd", 0},
    {"dir/toetc/passwd", O_RDONLY, "etc/passwd", 0},
    {"..", O_PATH, ".", 0},
    {"../..", O_PATH, ".", 0},
    {"dir/../..", O_PATH, ".", 0},
    {"/", O_PATH, ".", 0},
    {"", O_PATH, ".", 0},
    {"dir/up", O_PATH, ".", 0},
    {"abs", O_PATH | O_DIRECTORY, "etc", 0},
    {"abs/", O_PATH, "etc", 0},
    {"abs", O_PATH | O_NOFOLLOW, "abs", 0},
    {"chain1", O_PATH, "etc", 0},
    {"chain0", O_PATH, NULL, ELOOP},
    {"loop1", O_PATH, NULL, ELOOP},
    {"loop1/x", O_PATH, NULL, ELOOP},
    {"abs", O_RDONLY | O_NOFOLLOW, NULL, ELOOP},
    {"dangling", O_PATH, NULL, ENOENT},
    {"dangling", O_WRONLY | O_CREAT, NULL, ELOOP},
    {"missing/x", O_PATH, NULL, ENOENT},
    {"file/", O_PATH, NULL, ENOTDIR},
    {"file/x", O_PATH, NULL, ENOTDIR},
    {"abs/passwd/", O_RDONLY, NULL, ENOTDIR},
    {"out/x", O_PATH, NULL, ENOENT},
};

/* Open `c` with `resolver` and check the answer; returns the inode opened (0 if none). */
static ino_t check_resolve(const char *root, int rootfd, const struct resolve_case *c,
                           enum mc_resolver resolver, const char *name)
{
	struct stat got, want;
	struct mc_error err;
	int fd;

	fd = mc_open_in_root(rootfd, c->path, c->flags, 0644, resolver, &err);
	if (c->expect == NULL) {
		if (fd >= 0)
			fail_msg("%s: \"%s\" opened, expected errno %d", name, c->path, c->errnum);
		if (err.errnum != c->errnum)
			fail_msg("%s: \"%s\": %s; expected errno %d", name, c->path, err.msg,
			         c->errnum);
		return 0;
	}
	if (fd < 0)
		fail_msg("%s: \"%s\": %s", name, c->path, err.msg);
	assert_int_equal(fstat(fd, &got), 0);
	close(fd);
	assert_int_equal(lstat(join(root, c->expect), &want), 0);
	if (got.st_ino != want.st_ino || got.st_dev != want.st_dev)
		fail_msg("%s: \"%s\" did not open %s inside the root", name, c->path, c->expect);
	return got.st_ino;
}

static void test_fallback_resolver_stays_inside(void **state)
{
	const char *root = tpath("resolve/root"), *outside = tpath("resolve/outside");
	bool openat2 = have_openat2();
	struct stat host, made, want;
	char inside[PATH_MAX];
	struct mc_error err;
	const char *base;
	int rootfd, fd;

	(void)state;
	make_resolve_tree(root, outside);
	rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(rootfd >= 0);
	for (size_t i = 0; i < sizeof(resolve_cases) / sizeof(resolve_cases[0]); i++) {
		const struct resolve_case *c = &resolve_cases[i];
		ino_t fallback = check_resolve(root, rootfd, c, MC_RESOLVE_FALLBACK, "fallback");

		/* Both resolvers give the same answers. */
		if (openat2 &&
		    check_resolve(root, rootfd, c, MC_RESOLVE_OPENAT2, "openat2") != fallback)
			fail_msg("\"%s\": the resolvers disagree", c->path);
	}
	/* Not the host's /etc/passwd, and nothing was created through "dangling". */
	assert_int_equal(stat("/etc/passwd", &host), 0);
	assert_int_equal(lstat(join(root, "etc/passwd"), &want), 0);
	assert_true(host.st_ino != want.st_ino);
	assert_int_equal(access(join(root, "none"), F_OK), -1);

	/* O_CREAT makes the file where the path leads, inside. */
	fd = mc_open_in_root(rootfd, "abs/../dir/new", O_WRONLY | O_CREAT | O_EXCL, 0600,
	                     MC_RESOLVE_FALLBACK, &err);
	if (fd < 0)
		fail_msg("create abs/../dir/new: %s", err.msg);
	close(fd);
	assert_int_equal(access(join(root, "dir/new"), F_OK), 0);

	/*
	 * Missing parents are made inside the root, also below an absolute
	 * symlink "out" (once what it names exists inside the root); a dangling
	 * symlink in the way is an error, as for tar.
	 */
	snprintf(inside, sizeof(inside), "%s%s", root, outside);
	mkdirs(inside);
	snprintf(inside, sizeof(inside), "%s%s/newdir", root, outside);
	for (int r = 0; r < 2; r++) {
		enum mc_resolver resolver = r == 0 ? MC_RESOLVE_FALLBACK : MC_RESOLVE_OPENAT2;

		if (resolver == MC_RESOLVE_OPENAT2 && !openat2)
			continue;
		fd = mc_open_parent_in_root(rootfd, "a/b/c/file", &base, true, resolver, &err);
		if (fd < 0)
			fail_msg("parent of a/b/c/file: %s", err.msg);
		assert_string_equal(base, "file");
		assert_int_equal(fstat(fd, &made), 0);
		close(fd);
		assert_int_equal(lstat(join(root, "a/b/c"), &want), 0);
		assert_true(S_ISDIR(want.st_mode) && made.st_ino == want.st_ino);

		fd = mc_open_parent_in_root(rootfd, "out/newdir/x", &base, true, resolver, &err);
		if (fd < 0)
			fail_msg("parent of out/newdir/x: %s", err.msg);
		close(fd);
		if (access(join(outside, "newdir"), F_OK) == 0)
			fail_msg("a directory was made outside the root: %s/newdir", outside);
		if (access(inside, F_OK) < 0)
			fail_msg("%s was not made: %s", inside, strerror(errno));

		fd = mc_open_parent_in_root(rootfd, "dangling/x/y", &base, true, resolver, &err);
		if (fd >= 0)
			fail_msg("parent of dangling/x/y was made (dangling -> /none)");
		assert_int_equal(access(join(root, "none"), F_OK), -1);
	}
	close(rootfd);
}

const struct CMUnitTest ch04_extract_tests[] = {
    cmocka_unit_test(test_extracts_every_file_type),
    cmocka_unit_test(test_gzip_and_zstd_layers),
    cmocka_unit_test(test_whiteouts_become_overlay_whiteouts),
    cmocka_unit_test(test_invalid_whiteout_names_are_rejected),
    cmocka_unit_test(test_truncated_layer_fails_cleanly),
    cmocka_unit_test(test_malicious_layers_openat2),
    cmocka_unit_test(test_malicious_layers_fallback),
    cmocka_unit_test(test_fallback_resolver_stays_inside),
};
const size_t ch04_extract_test_count = sizeof(ch04_extract_tests) / sizeof(ch04_extract_tests[0]);
