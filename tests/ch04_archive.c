/*
 * ch04_archive.c - chapter 04: images in and out of the store as files
 * (load, save, import), checked against the peers that read and write the
 * same formats: skopeo, umoci and podman.
 *
 * Input images are built offline: a tarball of the test root filesystem
 * (busybox and the probe), and layouts made with umoci.  Each test has a
 * store of its own under the test's temporary directory.
 *
 * The peers run in a sandbox (see peer()) so that they leave nothing on the
 * host: no blob cache in /var/lib/containers, no state in /run, no podman
 * storage outside the temporary directory, no cgroup left behind.
 */
#define _GNU_SOURCE
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

/* libarchive's archive.h, not the chapter's (see archive.c). */
#include <archive.h>
#include <archive_entry.h>
#include <jansson.h>

#include "img_archive.h"
#include "img_digest.h"
#include "mc_file.h"
#include "ovl_overlay.h"
#include "img_reference.h"
#include "img_store.h"

#include "ch04_common.h"

/* What img_load reported, for the assertions. */
struct loaded {
	char name[8][512];
	char digest[8][IMG_DIGEST_LEN + 1];
	int n;
};

static void on_loaded(const char *full_name, const char *manifest_digest, void *arg)
{
	struct loaded *l = arg;

	if (l->n < 8) {
		snprintf(l->name[l->n], sizeof(l->name[0]), "%s", full_name);
		snprintf(l->digest[l->n], sizeof(l->digest[0]), "%s", manifest_digest);
		l->n++;
	}
}

static void load_ok(struct img_store *st, const char *path, struct loaded *l)
{
	struct mc_error err;

	memset(l, 0, sizeof(*l));
	if (img_load(st, path, on_loaded, l, &err) < 0)
		fail_msg("load %s: %s", path, err.msg);
}

static bool was_loaded(const struct loaded *l, const char *full)
{
	for (int i = 0; i < l->n; i++)
		if (strcmp(l->name[i], full) == 0)
			return true;
	return false;
}

static const char *layer_dir(struct img_store *st, const struct img_layer *layer)
{
	static char path[PATH_MAX];
	struct mc_error err;

	if (img_layer_path(st, layer->diff_id, path, sizeof(path), &err) < 0)
		fail_msg("%s", err.msg);
	return path;
}

/* A file inside an unpacked layer. */
static const char *in_layer(struct img_store *st, const struct img_layer *layer, const char *name)
{
	static char path[PATH_MAX * 2];

	snprintf(path, sizeof(path), "%s/%s", layer_dir(st, layer), name);
	return path;
}

/* ---- comparing trees -------------------------------------------------------------------------- */

static char **lines;
static size_t nlines;
static size_t root_len;

/* One line per file: "path mode size link-target-or-content-digest" (no times, no owners). */
static int list_entry(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	char line[PATH_MAX * 2 + 200], extra[PATH_MAX] = "";
	struct mc_error err;
	char **more;
	ssize_t n;

	(void)type;
	if (ftw->level == 0)
		return 0;
	if (S_ISLNK(sb->st_mode) && (n = readlink(path, extra, sizeof(extra) - 1)) >= 0)
		extra[n] = '\0';
	if (S_ISREG(sb->st_mode) && img_digest_file(path, extra, NULL, &err) < 0)
		snprintf(extra, sizeof(extra), "unreadable");
	if (S_ISCHR(sb->st_mode) || S_ISBLK(sb->st_mode))
		snprintf(extra, sizeof(extra), "%u:%u", major(sb->st_rdev), minor(sb->st_rdev));
	snprintf(line, sizeof(line), "%s %o %lld %s", path + root_len, (unsigned)sb->st_mode,
	         S_ISDIR(sb->st_mode) ? 0LL : (long long)sb->st_size, extra);
	more = realloc(lines, (nlines + 1) * sizeof(char *));
	if (more == NULL)
		return -1;
	lines = more;
	lines[nlines++] = strdup(line);
	return 0;
}

static int compare_lines(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every file below `root`, one line each, sorted: a malloc'd string. */
static char *tree_listing(const char *root)
{
	size_t len = 1;
	char *text;

	lines = NULL;
	nlines = 0;
	root_len = strlen(root);
	if (nftw(root, list_entry, 32, FTW_PHYS) < 0)
		fail_msg("walk %s: %s", root, strerror(errno));
	qsort(lines, nlines, sizeof(char *), compare_lines);
	for (size_t i = 0; i < nlines; i++)
		len += strlen(lines[i]) + 1;
	text = calloc(1, len);
	assert_non_null(text);
	for (size_t i = 0; i < nlines; i++) {
		strcat(text, lines[i]);
		strcat(text, "\n");
		free(lines[i]);
	}
	free(lines);
	return text;
}

/* Two listings must be equal; on failure, show the first line that differs. */
static void assert_same_listing(const char *expected, const char *actual, const char *what)
{
	const char *e = expected, *a = actual;

	while (*e != '\0' && *a != '\0') {
		size_t le = strcspn(e, "\n"), la = strcspn(a, "\n");

		if (le != la || strncmp(e, a, le) != 0)
			fail_msg("%s differ:\n  expected: %.*s\n  actual:   %.*s", what, (int)le, e,
			         (int)la, a);
		e += le + (e[le] != '\0');
		a += la + (a[la] != '\0');
	}
	if (*e != '\0' || *a != '\0')
		fail_msg("%s differ:\n  expected: %.*s\n  actual:   %.*s", what,
		         (int)strcspn(e, "\n"), *e ? e : "(nothing more)", (int)strcspn(a, "\n"),
		         *a ? a : "(nothing more)");
}

static void assert_same_tree(const char *expected_root, const char *actual_root)
{
	char *expected = tree_listing(expected_root), *actual = tree_listing(actual_root);
	char what[PATH_MAX * 2 + 32];

	assert_true(strlen(expected) > 0);
	snprintf(what, sizeof(what), "%s and %s", expected_root, actual_root);
	assert_same_listing(expected, actual, what);
	free(expected);
	free(actual);
}

/* ---- import ------------------------------------------------------------------------------------- */

static void test_import_makes_a_one_layer_image(void **state)
{
	struct img_store st;
	struct img_image *img;
	char digest[IMG_DIGEST_LEN + 1];

	(void)state;
	REQUIRE_ROOTFS();
	open_store(&st, "import");
	import_rootfs(&st, "imported:v1", digest);
	assert_true(img_digest_valid(digest));
	assert_true(has_tag(&st, "docker.io/library/imported:v1"));

	img = find_image(&st, "imported:v1");
	assert_string_equal(img->manifest_digest, digest);
	assert_int_equal(img->nlayer, 1);
	/* A plain tarball is stored as it is: the blob is the uncompressed layer. */
	assert_string_equal(img->layers[0].digest, img->layers[0].diff_id);
	assert_non_null(strstr(img->config_json, "\"created_by\":\"minicontainer import\""));
	assert_true(exists(in_layer(&st, &img->layers[0], "probe")));
	assert_true(exists(in_layer(&st, &img->layers[0], "bin/busybox")));
	free_image(img);
	img_store_close(&st);
}

/* ---- docker-archive ------------------------------------------------------------------------------ */

static void test_load_docker_archive_from_skopeo(void **state)
{
	const char *ours = tpath("skopeo-ours.tar"), *theirs = tpath("skopeo-theirs.tar");
	const char *layout = tpath("skopeo-layout");
	struct img_store st, st2;
	struct img_image *img;
	struct loaded l;

	(void)state;
	MC_REQUIRE_ROOT();
	REQUIRE_ROOTFS();
	REQUIRE_TOOL("skopeo");
	open_store(&st, "skopeo-a");
	import_rootfs(&st, "imported:v1", NULL);
	save_one(&st, "imported:v1", ours, IMG_FORMAT_DOCKER_ARCHIVE);

	/* The peer reads ours, and writes its own docker-archive of it. */
	remove_tree(layout);
	remove_tree(theirs);
	PEER_OK("skopeo --insecure-policy copy docker-archive:%s oci:%s:x", ours, layout);
	PEER_OK("skopeo --insecure-policy copy oci:%s:x docker-archive:%s:peer/img:v2", layout,
	        theirs);

	open_store(&st2, "skopeo-b");
	load_ok(&st2, theirs, &l);
	assert_int_equal(l.n, 1);
	assert_true(was_loaded(&l, "docker.io/peer/img:v2"));
	assert_true(has_tag(&st2, "docker.io/peer/img:v2"));
	img = find_image(&st2, "peer/img:v2");
	assert_int_equal(img->nlayer, 1);
	assert_same_tree(mc_test_rootfs(), layer_dir(&st2, &img->layers[0]));
	free_image(img);
	img_store_close(&st);
	img_store_close(&st2);
}

/* Everything in the store, file by file: to check that a failed load changed nothing. */
static char *store_listing(struct img_store *st)
{
	return tree_listing(st->root);
}

static void test_truncated_archive_fails_cleanly(void **state)
{
	const char *full = tpath("truncated-full.tar"), *half = tpath("truncated-half.tar");
	struct img_store src, st;
	char *before, *after;
	struct mc_error err;
	struct stat sb;

	(void)state;
	REQUIRE_ROOTFS();
	open_store(&src, "truncated-src");
	import_rootfs(&src, "truncated:v1", NULL);
	save_one(&src, "truncated:v1", full, IMG_FORMAT_DOCKER_ARCHIVE);
	assert_int_equal(stat(full, &sb), 0);
	assert_int_equal(sh("head -c %lld '%s' >'%s'", (long long)sb.st_size / 2, full, half), 0);

	open_store(&st, "truncated");
	before = store_listing(&st);
	assert_int_equal(img_load(&st, half, NULL, NULL, &err), -1);
	print_message("load of half an archive: %s\n", err.msg);
	assert_non_null(strstr(err.msg, half));
	assert_non_null(strcasestr(err.msg, "truncated"));
	after = store_listing(&st);
	assert_same_listing(before, after, "the store before and after the failed load");
	assert_int_equal(tag_count(&st), 0);
	free(before);
	free(after);
	img_store_close(&src);
	img_store_close(&st);
}

static void test_load_rejects_what_is_not_an_image(void **state)
{
	const char *text = tpath("not-an-image.txt"), *dir = tpath("not-an-image-dir");
	struct img_store st;
	struct mc_error err;

	(void)state;
	open_store(&st, "not-an-image");
	assert_int_equal(sh("echo hello >'%s' && mkdir -p '%s'", text, dir), 0);
	assert_int_equal(img_load(&st, text, NULL, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "is neither a docker-archive, an OCI archive nor an OCI"));
	assert_int_equal(img_load(&st, dir, NULL, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "is neither a docker-archive"));
	assert_int_equal(img_load(&st, tpath("does-not-exist"), NULL, NULL, &err), -1);
	assert_int_equal(err.errnum, ENOENT);
	img_store_close(&st);
}

/* A tar with a manifest.json and an entry named "../<escape>". */
static void write_evil_tar(const char *path, const char *escape)
{
	static const char manifest[] = "[]";
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	char name[PATH_MAX];

	assert_non_null(a);
	assert_non_null(e);
	archive_write_set_format_pax_restricted(a);
	assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
	archive_entry_set_pathname(e, "manifest.json");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, sizeof(manifest) - 1);
	assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
	archive_write_data(a, manifest, sizeof(manifest) - 1);
	archive_entry_clear(e);
	snprintf(name, sizeof(name), "../%s", escape);
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, 4);
	assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
	archive_write_data(a, "evil", 4);
	archive_entry_free(e);
	archive_write_close(a);
	archive_write_free(a);
}

static void test_load_refuses_names_escaping_the_archive(void **state)
{
	const char *evil = tpath("evil.tar");
	struct img_store st;
	char *before, *after, escaped[PATH_MAX];
	struct mc_error err;

	(void)state;
	open_store(&st, "evil");
	write_evil_tar(evil, "escaped-by-evil");
	before = store_listing(&st);
	assert_int_equal(img_load(&st, evil, NULL, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "refusing"));
	/* The store's tmp/ is where the tar is unpacked: "../" would land in the store. */
	snprintf(escaped, sizeof(escaped), "%s/escaped-by-evil", st.root);
	assert_false(exists(escaped));
	snprintf(escaped, sizeof(escaped), "%s/tmp/escaped-by-evil", st.root);
	assert_false(exists(escaped));
	after = store_listing(&st);
	assert_same_listing(before, after, "the store before and after the refused load");
	free(before);
	free(after);
	img_store_close(&st);
}

/* ---- OCI layouts and archives ------------------------------------------------------------- */

/* Rewrite a layout's index.json without any annotations: its images have no names. */
static void strip_index_annotations(const char *layout)
{
	assert_int_equal(sh("sed -i 's/,\"annotations\":{[^}]*}//g' '%s/index.json'", layout), 0);
	if (strstr(output, "annotations") != NULL)
		fail_msg("sed: %s", output);
}

static void test_load_oci_layout_from_umoci(void **state)
{
	const char *layout = tpath("umoci-layout"), *bundle = tpath("umoci-bundle");
	const char *tar = tpath("umoci-archive.tar"), *bare = tpath("umoci-bare");
	const char *tar2 = tpath("umoci-docker.tar");
	struct img_store st, st2, st3;
	struct img_image *img, *img3;
	struct loaded l;

	(void)state;
	MC_REQUIRE_ROOT();
	REQUIRE_TOOL("umoci");
	remove_tree(layout);
	remove_tree(bundle);
	/* One image, one layer with a file, named "t" (a bare tag) and "localhost/full:1". */
	PEER_OK("umoci init --layout %s && umoci new --image %s:t && "
	        "umoci unpack --image %s:t %s && echo hello >%s/rootfs/greeting && "
	        "umoci repack --image %s:t %s && umoci tag --image %s:t localhost/full:1",
	        layout, layout, layout, bundle, bundle, layout, bundle, layout);

	/* The directory: a bare tag is filed under localhost/<directory name>. */
	open_store(&st, "umoci-dir");
	load_ok(&st, layout, &l);
	assert_int_equal(l.n, 2);
	assert_true(was_loaded(&l, "localhost/umoci-layout:t"));
	assert_true(was_loaded(&l, "localhost/full:1"));
	assert_true(has_tag(&st, "localhost/umoci-layout:t"));
	assert_true(has_tag(&st, "localhost/full:1"));
	img = find_image(&st, "localhost/umoci-layout:t");
	assert_int_equal(img->nlayer, 1);
	assert_true(exists(in_layer(&st, &img->layers[0], "greeting")));
	free_image(img);

	/* The same layout as a tar (an OCI archive): named after the file. */
	assert_int_equal(sh("tar -C '%s' -cf '%s' .", layout, tar), 0);
	open_store(&st2, "umoci-tar");
	load_ok(&st2, tar, &l);
	assert_true(was_loaded(&l, "localhost/umoci-archive:t"));
	assert_true(has_tag(&st2, "localhost/umoci-archive:t"));
	assert_true(has_tag(&st2, "localhost/full:1"));

	/* umoci's layers are gzip: saving them as a docker-archive decompresses
	 * them, and loading that gives the same image ID and the same files. */
	save_one(&st2, "localhost/full:1", tar2, IMG_FORMAT_DOCKER_ARCHIVE);
	open_store(&st3, "umoci-docker");
	load_ok(&st3, tar2, &l);
	assert_true(was_loaded(&l, "localhost/full:1"));
	img = find_image(&st2, "localhost/full:1");
	img3 = find_image(&st3, "localhost/full:1");
	assert_string_equal(img->config_digest, img3->config_digest);
	assert_string_equal(img->layers[0].media_type, MT_OCI_LAYER_GZIP);
	assert_string_equal(img3->layers[0].media_type, MT_OCI_LAYER);
	assert_same_tree(layer_dir(&st2, &img->layers[0]), layer_dir(&st3, &img3->layers[0]));
	free_image(img);
	free_image(img3);
	img_store_close(&st3);

	/* Without names, the image is loaded untagged and reported with the name "". */
	remove_tree(bare);
	assert_int_equal(sh("cp -a '%s' '%s'", layout, bare), 0);
	strip_index_annotations(bare);
	open_store(&st3, "umoci-bare");
	load_ok(&st3, bare, &l);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.name[0], "");
	assert_true(img_digest_valid(l.digest[0]));
	assert_int_equal(tag_count(&st3), 0);
	img = find_image(&st2, l.digest[0]); /* the same manifest as in the named load */
	assert_string_equal(img->manifest_digest, l.digest[0]);
	free_image(img);
	img_store_close(&st);
	img_store_close(&st2);
	img_store_close(&st3);
}

/* The architecture as image indexes name it (see archive.c). */
#if defined(__aarch64__)
#define HOST_ARCH  "arm64"
#define OTHER_ARCH "amd64"
#else
#define HOST_ARCH  "amd64"
#define OTHER_ARCH "arm64"
#endif

static json_t *platform_entry(const char *digest, json_int_t size, const char *os, const char *arch)
{
	return json_pack("{s:s, s:s, s:I, s:{s:s, s:s}}", "mediaType", MT_OCI_MANIFEST, "digest",
	                 digest, "size", size, "platform", "architecture", arch, "os", os);
}

static void test_load_picks_this_platform_from_an_index(void **state)
{
	static const char bogus[] =
	    "sha256:1111111111111111111111111111111111111111111111111111111111111111";
	const char *layout = tpath("index-layout");
	char index_digest[IMG_DIGEST_LEN + 1], path[PATH_MAX * 2], *manifest, *text;
	struct img_store src, st;
	struct img_image *img;
	json_t *list, *attestation, *index;
	struct mc_error err;
	struct loaded l;
	size_t len;

	(void)state;
	REQUIRE_ROOTFS();
	open_store(&src, "index-src");
	import_rootfs(&src, "multi:v1", NULL);
	remove_tree(layout);
	save_one(&src, "multi:v1", layout, IMG_FORMAT_OCI_LAYOUT);
	img = find_image(&src, "multi:v1");
	if (img_blob_read(&src, img->manifest_digest, &manifest, &len, &err) < 0)
		fail_msg("%s", err.msg);
	free(manifest);

	/*
	 * A multi-platform index as BuildKit writes them: an attestation for
	 * "unknown/unknown", another architecture, another OS, and ours last.
	 * The others name blobs that do not exist: picking one fails the load.
	 */
	attestation = platform_entry(bogus, 100, "unknown", "unknown");
	json_object_set_new(
	    attestation, "annotations",
	    json_pack("{s:s}", "vnd.docker.reference.type", "attestation-manifest"));
	list =
	    json_pack("[o, o, o, o]", attestation, platform_entry(bogus, 100, "linux", OTHER_ARCH),
	              platform_entry(bogus, 100, "windows", HOST_ARCH),
	              platform_entry(img->manifest_digest, (json_int_t)len, "linux", HOST_ARCH));
	index = json_pack("{s:i, s:s, s:o}", "schemaVersion", 2, "mediaType", MT_OCI_INDEX,
	                  "manifests", list);
	text = json_dumps(index, JSON_COMPACT);
	json_decref(index);
	img_digest_buffer(text, strlen(text), index_digest);
	snprintf(path, sizeof(path), "%s/blobs/sha256/%s", layout, img_digest_hex(index_digest));
	write_file(path, text);
	index = json_pack("{s:i, s:[{s:s, s:s, s:I, s:{s:s}}]}", "schemaVersion", 2, "manifests",
	                  "mediaType", MT_OCI_INDEX, "digest", index_digest, "size",
	                  (json_int_t)strlen(text), "annotations",
	                  "org.opencontainers.image.ref.name", "example.com/multi:2");
	free(text);
	snprintf(path, sizeof(path), "%s/index.json", layout);
	assert_int_equal(json_dump_file(index, path, JSON_COMPACT), 0);
	json_decref(index);

	open_store(&st, "index");
	load_ok(&st, layout, &l);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.name[0], "example.com/multi:2");
	assert_string_equal(l.digest[0], img->manifest_digest);
	assert_true(has_tag(&st, "example.com/multi:2"));
	free_image(img);
	img_store_close(&src);
	img_store_close(&st);
}

static void test_save_oci_passes_skopeo_and_umoci(void **state)
{
	const char *tar = tpath("save-oci.tar"), *dir = tpath("save-oci");
	const char *layout = tpath("save-layout"), *bundle = tpath("save-bundle");
	struct img_store st;
	struct img_image *img;
	char rootfs[PATH_MAX];

	(void)state;
	MC_REQUIRE_ROOT();
	REQUIRE_ROOTFS();
	REQUIRE_TOOL("skopeo");
	REQUIRE_TOOL("umoci");
	open_store(&st, "save-oci");
	import_rootfs(&st, "saved:latest", NULL);
	img = find_image(&st, "saved");

	save_one(&st, "saved:latest", tar, IMG_FORMAT_OCI_ARCHIVE);
	remove_tree(dir);
	assert_int_equal(sh("mkdir '%s' && tar -C '%s' -xf '%s'", dir, dir, tar), 0);
	PEER_OK("skopeo inspect oci:%s:latest", dir);
	assert_non_null(strstr(output, img->layers[0].digest));
	remove_tree(bundle);
	PEER_OK("umoci unpack --image %s:latest %s", dir, bundle);
	snprintf(rootfs, sizeof(rootfs), "%s/rootfs", bundle);
	assert_same_tree(layer_dir(&st, &img->layers[0]), rootfs);

	/* The same as a directory, which must be new (or empty). */
	remove_tree(layout);
	save_one(&st, "saved:latest", layout, IMG_FORMAT_OCI_LAYOUT);
	PEER_OK("skopeo inspect oci:%s:latest", layout);
	assert_non_null(strstr(output, img->layers[0].digest));
	{
		const char *names[] = {"saved:latest"};
		struct mc_error err;

		assert_int_equal(img_save(&st, names, 1, layout, IMG_FORMAT_OCI_LAYOUT, &err), -1);
		assert_int_equal(err.errnum, ENOTEMPTY);
	}
	free_image(img);
	img_store_close(&st);
}

static void test_corrupt_blob_is_rejected(void **state)
{
	const char *layout = tpath("corrupt-layout");
	struct img_store src, st;
	struct img_image *img;
	char blob[PATH_MAX], *before, *after;
	struct mc_error err;
	unsigned char byte;
	struct stat sb;
	int fd;

	(void)state;
	REQUIRE_ROOTFS();
	open_store(&src, "corrupt-src");
	import_rootfs(&src, "corrupt:v1", NULL);
	remove_tree(layout);
	save_one(&src, "corrupt:v1", layout, IMG_FORMAT_OCI_LAYOUT);
	img = find_image(&src, "corrupt:v1");

	/* Change one byte in the middle of the layer blob: same size, other digest. */
	snprintf(blob, sizeof(blob), "%s/blobs/sha256/%s", layout,
	         img_digest_hex(img->layers[0].digest));
	fd = open(blob, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &sb), 0);
	assert_int_equal(pread(fd, &byte, 1, sb.st_size / 2), 1);
	byte ^= 0xff;
	assert_int_equal(pwrite(fd, &byte, 1, sb.st_size / 2), 1);
	close(fd);

	open_store(&st, "corrupt");
	before = store_listing(&st);
	assert_int_equal(img_load(&st, layout, NULL, NULL, &err), -1);
	print_message("load with a corrupt layer: %s\n", err.msg);
	assert_non_null(strstr(err.msg, img->layers[0].digest));
	/* Nothing of the image is left: no manifest, no config, no layer, no tag. */
	assert_false(img_blob_exists(&st, img->manifest_digest));
	assert_false(img_blob_exists(&st, img->config_digest));
	assert_false(img_blob_exists(&st, img->layers[0].digest));
	assert_int_equal(tag_count(&st), 0);
	after = store_listing(&st);
	assert_same_listing(before, after, "the store before and after the failed load");
	free(before);
	free(after);
	free_image(img);
	img_store_close(&src);
	img_store_close(&st);
}

/* ---- podman ----------------------------------------------------------------------------------- */

static void test_save_loads_into_podman(void **state)
{
	const char *tar = tpath("podman.tar"), *dir = tpath("podman");
	char env[PATH_MAX * 2 + 100], cgroup[64], run_output[sizeof(output)], pid[16];
	struct img_store st;
	int rc;

	(void)state;
	MC_REQUIRE_ROOT();
	REQUIRE_ROOTFS();
	REQUIRE_TOOL("podman");
	REQUIRE_TOOL("runc");
	open_store(&st, "podman");
	import_rootfs(&st, "mc-podman-test:v1", NULL);
	save_one(&st, "mc-podman-test:v1", tar, IMG_FORMAT_DOCKER_ARCHIVE);

	remove_tree(dir);
	write_podman_config(dir);
	snprintf(env, sizeof(env),
	         "export CONTAINERS_STORAGE_CONF=%s/storage.conf "
	         "CONTAINERS_CONF=%s/containers.conf",
	         dir, dir);
	snprintf(cgroup, sizeof(cgroup), "mc-test-podman-%d", (int)getpid());
	/* crun 1.8 refuses this host's hybrid cgroups: runc.  A cgroup parent of
	 * our own, so that it can be removed afterwards. */
	/* RepoTags say "mc-podman-test:v1", as docker save writes it; podman files
	 * such short names under localhost/ and finds them by the short name. */
	rc = peer("%s; podman load -i %s && podman image inspect mc-podman-test:v1 >/dev/null && "
	          "podman run --rm --network none --runtime runc --cgroup-manager cgroupfs "
	          "--cgroup-parent /%s mc-podman-test:v1 /probe pid",
	          env, tar, cgroup);
	memcpy(run_output, output, sizeof(output));
	/* Clean up before asserting: podman's storage and cgroups must not stay. */
	peer("%s; podman system reset -f", env);
	remove_cgroup_parent(cgroup);
	sh("rm -rf --one-file-system '%s'", dir);
	if (rc != 0)
		fail_msg("podman load/run failed (%d):\n%s", rc, run_output);
	assert_true(mc_kv(run_output, "pid", 0, pid, sizeof(pid)));
	assert_string_equal(pid, "1");
	img_store_close(&st);
}

/* ---- several layers, whiteouts --------------------------------------------------------------- */

/*
 * Mount the image's layers as one overlay (chapter 03) and write the
 * listing of what it shows to `out`.  In a child with a mount namespace of
 * its own: the mount disappears with it, whatever happens.
 */
static void merged_listing(struct img_store *st, const struct img_image *img, const char *out)
{
	const char *lowers[IMG_MAX_LAYERS];
	struct ovl_config cfg = {0};
	char dirs[IMG_MAX_LAYERS][PATH_MAX], area[PATH_MAX], upper[PATH_MAX], work[PATH_MAX];
	char merged[PATH_MAX];
	struct mc_error err;
	int status;
	pid_t pid;

	for (size_t i = 0; i < img->nlayer; i++) {
		snprintf(dirs[i], sizeof(dirs[i]), "%s", layer_dir(st, &img->layers[i]));
		lowers[i] = dirs[i];
	}
	cfg.lowers = lowers;
	cfg.nlower = img->nlayer;
	cfg.upper = tjoin(upper, "merged-area/upper");
	cfg.work = tjoin(work, "merged-area/work");
	cfg.merged = tjoin(merged, "merged-area/merged");
	remove_tree(tjoin(area, "merged-area"));
	if (mc_mkdir_p(cfg.upper, 0755, &err) < 0 || mc_mkdir_p(cfg.work, 0755, &err) < 0 ||
	    mc_mkdir_p(cfg.merged, 0755, &err) < 0)
		fail_msg("%s", err.msg);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		FILE *f = fopen(out, "we");
		char *listing;

		if (f == NULL)
			_exit(3);
		if (unshare(CLONE_NEWNS) < 0 ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
			fprintf(f, "private mount namespace: %s\n", strerror(errno));
			_exit(2);
		}
		if (ovl_mount(&cfg, &err) < 0) {
			fprintf(f, "overlay mount: %s\n", err.msg);
			_exit(2);
		}
		listing = tree_listing(cfg.merged);
		fputs(listing, f);
		_exit(fclose(f) == 0 ? 0 : 3);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		sh("cat '%s'", out);
		fail_msg("the merged view could not be listed: %s", output);
	}
	remove_tree(area);
}

static void test_multi_layer_whiteouts_match_umoci(void **state)
{
	const char *layout = tpath("whiteout-layout"), *bundle = tpath("whiteout-bundle");
	const char *expected = tpath("whiteout-expected"), *list = tpath("whiteout-merged.list");
	char rootfs[PATH_MAX], *want, *got;
	struct img_store st;
	struct img_image *img;
	struct loaded l;
	struct stat sb;

	(void)state;
	MC_REQUIRE_ROOT();
	REQUIRE_TOOL("umoci");
	remove_tree(layout);
	remove_tree(bundle);
	remove_tree(expected);
	/*
	 * Layer 1: dir/a, dir/b, f.  Layer 2: f deleted (a whiteout), dir
	 * removed and made again with only c in it.  Layer 3: f again.  Each
	 * step unpacks the image so far, changes the tree, and repacks it.
	 */
	PEER_OK("set -e; L=%s; B=%s; umoci init --layout $L; umoci new --image $L:t; "
	        "umoci unpack --image $L:t $B; mkdir $B/rootfs/dir; echo a >$B/rootfs/dir/a; "
	        "echo b >$B/rootfs/dir/b; echo f1 >$B/rootfs/f; umoci repack --image $L:t $B; "
	        "rm -rf $B; umoci unpack --image $L:t $B; rm $B/rootfs/f; rm -rf $B/rootfs/dir; "
	        "mkdir $B/rootfs/dir; echo c >$B/rootfs/dir/c; umoci repack --image $L:t $B; "
	        "rm -rf $B; umoci unpack --image $L:t $B; echo f3 >$B/rootfs/f; "
	        "umoci repack --image $L:t $B; rm -rf $B; umoci unpack --image $L:t %s",
	        layout, bundle, expected);

	open_store(&st, "whiteout");
	load_ok(&st, layout, &l);
	assert_true(was_loaded(&l, "localhost/whiteout-layout:t"));
	img = find_image(&st, "localhost/whiteout-layout:t");
	assert_int_equal(img->nlayer, 3);
	/* Layer 2 records the deletion of f as an overlayfs whiteout (chapter 03). */
	assert_int_equal(lstat(in_layer(&st, &img->layers[1], "f"), &sb), 0);
	assert_true(S_ISCHR(sb.st_mode) && sb.st_rdev == makedev(0, 0));

	merged_listing(&st, img, list);
	snprintf(rootfs, sizeof(rootfs), "%s/rootfs", expected);
	want = tree_listing(rootfs);
	got = read_whole(list);
	assert_non_null(strstr(want, "/dir/c "));
	assert_null(strstr(want, "/dir/a "));
	assert_same_listing(want, got, "umoci's rootfs and our merged layers");
	free(want);
	free(got);
	free_image(img);
	img_store_close(&st);
}

const struct CMUnitTest ch04_archive_tests[] = {
    cmocka_unit_test(test_import_makes_a_one_layer_image),
    cmocka_unit_test(test_load_docker_archive_from_skopeo),
    cmocka_unit_test(test_load_oci_layout_from_umoci),
    cmocka_unit_test(test_load_picks_this_platform_from_an_index),
    cmocka_unit_test(test_save_oci_passes_skopeo_and_umoci),
    cmocka_unit_test(test_save_loads_into_podman),
    cmocka_unit_test(test_multi_layer_whiteouts_match_umoci),
    cmocka_unit_test(test_corrupt_blob_is_rejected),
    cmocka_unit_test(test_truncated_archive_fails_cleanly),
    cmocka_unit_test(test_load_rejects_what_is_not_an_image),
    cmocka_unit_test(test_load_refuses_names_escaping_the_archive),
};
const size_t ch04_archive_test_count = sizeof(ch04_archive_tests) / sizeof(ch04_archive_tests[0]);
