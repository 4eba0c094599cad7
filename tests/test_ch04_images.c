/*
 * test_ch04_images.c - chapter 04: references, digests, the store, and the
 * image verbs of minicontainer.  Extraction tests are in ch04_extract.c,
 * load/save round trips with real peers in ch04_archive.c, the registry
 * client in ch04_registry.c; this file's main() runs them all.
 */
#define _GNU_SOURCE
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "img_archive.h"
#include "img_config.h"
#include "img_digest.h"
#include "mc_file.h"
#include "img_reference.h"
#include "img_store.h"

extern const struct CMUnitTest ch04_extract_tests[];
extern const size_t ch04_extract_test_count;
extern const struct CMUnitTest ch04_archive_tests[];
extern const size_t ch04_archive_test_count;
extern const struct CMUnitTest ch04_registry_tests[];
extern const size_t ch04_registry_test_count;

/* ---- references ----------------------------------------------------------------------- */

static void test_reference_normalisation(void **state)
{
	static const struct {
		const char *in, *full, *familiar;
	} cases[] = {
	    {"hello-world", "docker.io/library/hello-world:latest", "hello-world:latest"},
	    {"busybox:1.36", "docker.io/library/busybox:1.36", "busybox:1.36"},
	    {"library/busybox", "docker.io/library/busybox:latest", "busybox:latest"},
	    {"docker.io/library/busybox", "docker.io/library/busybox:latest", "busybox:latest"},
	    {"someone/tool", "docker.io/someone/tool:latest", "someone/tool:latest"},
	    {"quay.io/podman/hello", "quay.io/podman/hello:latest", "quay.io/podman/hello:latest"},
	    {"localhost/app:v2", "localhost/app:v2", "localhost/app:v2"},
	    {"localhost:5000/a/b_c__d-e.f:T-1", "localhost:5000/a/b_c__d-e.f:T-1",
	     "localhost:5000/a/b_c__d-e.f:T-1"},
	    {"index.docker.io/someone/tool", "docker.io/someone/tool:latest",
	     "someone/tool:latest"},
	    {"index.docker.io/busybox", "docker.io/library/busybox:latest", "busybox:latest"},
	    {"[::1]:5000/app", "[::1]:5000/app:latest", "[::1]:5000/app:latest"},
	    {"Registry.Example-1.com/app", "Registry.Example-1.com/app:latest",
	     "Registry.Example-1.com/app:latest"},
	    {"busybox@sha256:"
	     "0000000000000000000000000000000000000000000000000000000000000001",
	     "docker.io/library/busybox@sha256:"
	     "0000000000000000000000000000000000000000000000000000000000000001",
	     "busybox@sha256:0000000000000000000000000000000000000000000000000000000000000001"},
	};
	char full[600], familiar[600];
	struct img_ref ref;
	struct mc_error err;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (img_ref_parse(cases[i].in, &ref, &err) < 0)
			fail_msg("'%s' rejected: %s", cases[i].in, err.msg);
		assert_string_equal(img_ref_full(&ref, full, sizeof(full)), cases[i].full);
		assert_string_equal(img_ref_familiar(&ref, familiar, sizeof(familiar)),
		                    cases[i].familiar);
	}
}

static void test_reference_errors(void **state)
{
	static const char *const bad[] = {
	    "", "Busybox", "a//b", "busybox:", ":tag", "x:-tag", "busybox@sha256:abc", "/abs", "a/",
	    "a b", "x:tag/y", "x@md5:00", "a..b/c", "-a.com/c", "a-.com/c", "a.com:/c",
	    "a.com:123456/c", "a b.com/c", "\xff.com/c", "[::1/c", "[]:5/c",
	    /* a registry of 300 characters: refused, never cut short */
	    "r123456789.r123456789.r123456789.r123456789.r123456789.r123456789.r123456789."
	    "r123456789.r123456789.r123456789.r123456789.r123456789.r123456789.r123456789."
	    "r123456789.r123456789.r123456789.r123456789.r123456789.r123456789.r123456789."
	    "r123456789.r123456789.r123456789.r123456789.r123456789.r123456789.com/c"};
	struct img_ref ref;
	struct mc_error err;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (img_ref_parse(bad[i], &ref, &err) == 0)
			fail_msg("'%s' was accepted", bad[i]);
		assert_non_null(strstr(err.msg, "invalid reference format"));
	}
}

/* ---- digests and blobs ---------------------------------------------------------------- */

static void test_digest_of_known_text(void **state)
{
	char d[IMG_DIGEST_LEN + 1];

	(void)state;
	img_digest_buffer("abc", 3, d);
	assert_string_equal(
	    d, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	mc_assert_int("img_digest_valid(sha256 of \"abc\")", img_digest_valid(d), true,
	              "\"sha256:\" and 64 lower-case hex digits is a digest");
	mc_assert_int("img_digest_valid(\"sha256:BA78\")", img_digest_valid("sha256:BA78"), false,
	              "too short, and upper case: not a digest");
	mc_assert_int(
	    "img_digest_valid(\"sha512:...\")",
	    img_digest_valid(
	        "sha512:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
	    false, "only sha256 digests are accepted");
	assert_string_equal(img_digest_hex(d), d + 7);
}

static void open_store(struct img_store *st, const char *name)
{
	char root[PATH_MAX];
	struct mc_error err;

	snprintf(root, sizeof(root), "%s/%s", mc_test_tmpdir(), name);
	if (img_store_open(st, root, &err) < 0)
		fail_msg("%s", err.msg);
}

static int count_files(const char *dir)
{
	char cmd[PATH_MAX + 64], out[32];
	FILE *p;

	snprintf(cmd, sizeof(cmd), "find '%s' -type f | wc -l", dir);
	p = popen(cmd, "r");
	assert_non_null(fgets(out, sizeof(out), p));
	pclose(p);
	return atoi(out);
}

static void test_blob_with_wrong_digest_is_refused(void **state)
{
	static const char good[] =
	    "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
	char path[PATH_MAX], digest[IMG_DIGEST_LEN + 1];
	struct img_store st;
	struct mc_error err;

	(void)state;
	open_store(&st, "store-blobs");
	mc_assert_int("img_blob_put_buffer(\"abd\", the digest of \"abc\")",
	              img_blob_put_buffer(&st, "abd", 3, good, digest, &err), -1,
	              "content whose sha256 is not the digest it claims must be refused");
	if (strstr(err.msg, "refused") == NULL)
		fail_msg("the error \"%s\" should say the blob was refused", err.msg);
	if (img_blob_exists(&st, good))
		fail_msg("the store has a blob %s after refusing it", good);
	/* Nothing half-written is left anywhere in the store. */
	snprintf(path, sizeof(path), "%s/tmp", st.root);
	mc_assert_int("files in the store's tmp/", count_files(path), 0,
	              "a refused blob's temporary file is removed");
	snprintf(path, sizeof(path), "%s/blobs", st.root);
	mc_assert_int("files in the store's blobs/", count_files(path), 0,
	              "nothing unverified is ever renamed into blobs/");
	if (img_blob_put_buffer(&st, "abc", 3, good, digest, &err) != 0)
		fail_msg("the right content for %s was refused: %s", good, err.msg);
	assert_string_equal(digest, good);
	assert_true(img_blob_exists(&st, good));
	img_store_close(&st);
}

/* ---- the store: tags, lookup, garbage collection --------------------------------------- */

/* A one-layer image from the test root filesystem, tagged `name`. */
static void import_rootfs(struct img_store *st, const char *name, char *manifest)
{
	char tar[PATH_MAX], cmd[2 * PATH_MAX];
	struct img_ref ref;
	struct mc_error err;

	if (mc_test_rootfs() == NULL)
		fail_msg("no test root filesystem: run make rootfs");
	snprintf(tar, sizeof(tar), "%s/rootfs.tar", mc_test_tmpdir());
	if (access(tar, F_OK) != 0) {
		snprintf(cmd, sizeof(cmd), "tar -C '%s' -cf '%s' .", mc_test_rootfs(), tar);
		assert_int_equal(system(cmd), 0);
	}
	assert_int_equal(img_ref_parse(name, &ref, &err), 0);
	if (img_import(st, tar, &ref, NULL, manifest, &err) < 0)
		fail_msg("import: %s", err.msg);
}

static void test_find_by_name_id_and_digest(void **state)
{
	char manifest[IMG_DIGEST_LEN + 1], shortid[16];
	struct img_store st;
	struct img_image img, again;
	struct mc_error err;

	(void)state;
	MC_REQUIRE_ROOT();
	open_store(&st, "store-find");
	import_rootfs(&st, "imported:v1", manifest);
	assert_int_equal(img_store_find(&st, "imported:v1", &img, &err), 0);
	assert_string_equal(img.manifest_digest, manifest);
	assert_int_equal(img.nlayer, 1);
	snprintf(shortid, sizeof(shortid), "%.12s", img_digest_hex(img.config_digest));
	assert_int_equal(img_store_find(&st, shortid, &again, &err), 0);
	assert_string_equal(again.manifest_digest, manifest);
	img_image_free(&again);
	assert_int_equal(img_store_find(&st, manifest, &again, &err), 0);
	img_image_free(&again);
	assert_int_equal(img_store_find(&st, "imported:v2", &again, &err), -1);
	assert_string_equal(err.msg, "No such image: imported:v2");
	img_image_free(&img);
	img_store_close(&st);
}

static void test_gc_removes_only_unreachable(void **state)
{
	char manifest[IMG_DIGEST_LEN + 1], layer[PATH_MAX];
	const char *keep[1];
	struct img_store st;
	struct img_image img;
	struct img_ref ref;
	struct mc_error err;
	uint64_t freed;

	(void)state;
	MC_REQUIRE_ROOT();
	open_store(&st, "store-gc");
	import_rootfs(&st, "gc-me", manifest);
	assert_int_equal(img_store_find(&st, "gc-me", &img, &err), 0);
	assert_int_equal(img_layer_path(&st, img.layers[0].diff_id, layer, sizeof(layer), &err), 0);
	assert_int_equal(access(layer, F_OK), 0);
	assert_int_equal(img_ref_parse("gc-me", &ref, &err), 0);
	assert_int_equal(img_store_untag(&st, &ref, &err), 0);
	/* A container still uses it: kept. */
	keep[0] = manifest;
	assert_int_equal(img_store_gc(&st, keep, 1, &freed, &err), 0);
	assert_true(img_blob_exists(&st, manifest));
	assert_int_equal(access(layer, F_OK), 0);
	/* Nobody does: everything goes. */
	assert_int_equal(img_store_gc(&st, NULL, 0, &freed, &err), 0);
	assert_false(img_blob_exists(&st, manifest));
	assert_false(img_blob_exists(&st, img.config_digest));
	assert_int_equal(access(layer, F_OK), -1);
	assert_true(freed > 0);
	img_image_free(&img);
	img_store_close(&st);
}

static void test_image_config_and_env_merge(void **state)
{
	struct img_runconfig rc;
	struct mc_error err;
	char **env;

	(void)state;
	assert_int_equal(img_runconfig_parse("{\"config\":{\"Entrypoint\":[\"/bin/sh\",\"-c\"],"
	                                     "\"Cmd\":[\"echo hi\"],\"Env\":[\"PATH=/x\",\"A=1\"],"
	                                     "\"WorkingDir\":\"/w\",\"User\":\"nobody\"}}",
	                                     &rc, &err),
	                 0);
	assert_string_equal(rc.entrypoint[1], "-c");
	assert_string_equal(rc.cmd[0], "echo hi");
	assert_string_equal(rc.workdir, "/w");
	assert_string_equal(rc.user, "nobody");
	env = img_env_merge((char *[]){"A=2", "B=3", NULL}, rc.env);
	assert_string_equal(env[0], "A=2");
	assert_string_equal(env[1], "B=3");
	assert_string_equal(env[2], "PATH=/x");
	assert_null(env[3]);
	img_strv_free(env);
	img_runconfig_free(&rc);
	/* No config at all: an empty environment, no command. */
	assert_int_equal(img_runconfig_parse("{}", &rc, &err), 0);
	assert_null(rc.cmd);
	assert_null(rc.env[0]);
	img_runconfig_free(&rc);
}

/* ---- the minicontainer verbs ------------------------------------------------------------ */

/* Run build/bin/minicontainer with MC_ROOT in the test directory; capture stdout+stderr. */
static int mc(char *out, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int mc(char *out, size_t size, const char *fmt, ...)
{
	char args[2048], cmd[4096];
	const char *bin = getenv("MC_TEST_BIN");
	size_t used = 0;
	va_list ap;
	FILE *p;
	int status;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "MC_ROOT='%s/cli-root' MC_RUNDIR='%s/cli-run' '%s' %s 2>&1",
	         mc_test_tmpdir(), mc_test_tmpdir(), bin ? bin : "build/bin/minicontainer", args);
	p = popen(cmd, "r");
	assert_non_null(p);
	out[0] = '\0';
	while (used + 1 < size && fgets(out + used, (int)(size - used), p) != NULL)
		used = strlen(out);
	status = pclose(p);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void test_cli_images_tag_inspect_history_rmi(void **state)
{
	char out[16384], tar[PATH_MAX], cmd[2 * PATH_MAX], id[80];
	json_t *doc;

	(void)state;
	MC_REQUIRE_ROOT();
	if (mc_test_rootfs() == NULL)
		MC_SKIP("no test root filesystem: run make rootfs");
	snprintf(tar, sizeof(tar), "%s/cli-rootfs.tar.gz", mc_test_tmpdir());
	snprintf(cmd, sizeof(cmd), "tar -C '%s' -czf '%s' .", mc_test_rootfs(), tar);
	assert_int_equal(system(cmd), 0);

	assert_int_equal(mc(out, sizeof(out), "import -m 'from a test' '%s' tools:1.0", tar), 0);
	assert_true(strncmp(out, "sha256:", 7) == 0);
	snprintf(id, sizeof(id), "%.12s", out + 7);

	assert_int_equal(mc(out, sizeof(out), "tag tools:1.0 example.com/team/tools:stable"), 0);
	assert_int_equal(mc(out, sizeof(out), "images"), 0);
	assert_true(strncmp(out, "REPOSITORY", 10) == 0);
	assert_non_null(strstr(out, "tools "));
	assert_non_null(strstr(out, "example.com/team/tools"));
	assert_non_null(strstr(out, id));
	/* "Less than a second ago", "1 second ago", "2 seconds ago": a busy machine may take a while. */
	assert_non_null(strstr(out, " second"));
	/* Two names, one image: -q lists it once, as Docker does. */
	assert_int_equal(mc(out, sizeof(out), "images -q"), 0);
	assert_int_equal(strlen(out), 13);
	assert_int_equal(strncmp(out, id, 12), 0);

	assert_int_equal(mc(out, sizeof(out), "inspect tools:1.0"), 0);
	doc = json_loads(out, 0, NULL);
	assert_non_null(doc);
	assert_int_equal(json_array_size(json_object_get(json_array_get(doc, 0), "RepoTags")), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(doc, 0), "Os")),
	                    "linux");
	json_decref(doc);

	assert_int_equal(mc(out, sizeof(out), "history tools:1.0"), 0);
	assert_non_null(strstr(out, "from a test"));
	assert_non_null(strstr(out, id));

	/* Removing by ID with two names needs -f; by name removes just that name. */
	assert_int_equal(mc(out, sizeof(out), "rmi %s", id), 125);
	assert_non_null(strstr(out, "must be forced"));
	assert_int_equal(mc(out, sizeof(out), "rmi example.com/team/tools:stable"), 0);
	assert_string_equal(out, "Untagged: example.com/team/tools:stable\n");

	/* An image a container uses is refused. */
#define C1 "c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1"
	snprintf(cmd, sizeof(cmd), "mkdir -p %s/cli-root/containers/" C1, mc_test_tmpdir());
	assert_int_equal(system(cmd), 0);
	{
		char manifest[200], path[PATH_MAX];
		FILE *f;

		assert_int_equal(mc(manifest, sizeof(manifest),
		                    "inspect --type image tools:1.0 | sed -n "
		                    "'s/.*\"ManifestDigest\": \"\\(.*\\)\".*/\\1/p'"),
		                 0);
		manifest[strcspn(manifest, "\n")] = '\0';
		snprintf(path, sizeof(path), "%s/cli-root/containers/" C1 "/config.json",
		         mc_test_tmpdir());
		f = fopen(path, "w");
		fprintf(f, "{\"ImageManifest\": \"%s\"}\n", manifest);
		fclose(f);
	}
	assert_int_equal(mc(out, sizeof(out), "rmi tools:1.0"), 125);
	assert_non_null(strstr(out, "being used by a container"));
	/* A record that cannot be read: nothing may be collected, nothing removed. */
	{
		char path[PATH_MAX];
		FILE *f;

		snprintf(path, sizeof(path), "%s/cli-root/containers/" C1 "/config.json",
		         mc_test_tmpdir());
		f = fopen(path, "w");
		assert_non_null(f);
		fputs("{ not json", f);
		fclose(f);
	}
	assert_int_equal(mc(out, sizeof(out), "rmi tools:1.0"), 125);
	assert_non_null(strstr(out, "unreadable container record"));
	assert_int_equal(mc(out, sizeof(out), "images -q"), 0);
	assert_string_not_equal(out, "");
	snprintf(cmd, sizeof(cmd), "rm -rf %s/cli-root/containers/" C1, mc_test_tmpdir());
	assert_int_equal(system(cmd), 0);
	assert_int_equal(mc(out, sizeof(out), "rmi tools:1.0"), 0);
	assert_non_null(strstr(out, "Deleted: sha256:"));
	assert_int_equal(mc(out, sizeof(out), "images -q"), 0);
	assert_string_equal(out, "");
	/* Every blob and layer went with it. */
	snprintf(cmd, sizeof(cmd), "%s/cli-root/images/blobs", mc_test_tmpdir());
	assert_int_equal(count_files(cmd), 0);
}

/* Without -o the archive goes to stdout - streamed, never renamed over /dev/stdout. */
static void test_cli_save_to_stdout(void **state)
{
	char out[4096], tar[PATH_MAX], cmd[2 * PATH_MAX];
	struct stat st;

	(void)state;
	MC_REQUIRE_ROOT();
	if (mc_test_rootfs() == NULL)
		MC_SKIP("no test root filesystem: run make rootfs");
	snprintf(tar, sizeof(tar), "%s/stdout-rootfs.tar", mc_test_tmpdir());
	snprintf(cmd, sizeof(cmd), "tar -C '%s' -cf '%s' .", mc_test_rootfs(), tar);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(mc(out, sizeof(out), "import '%s' streamed:1", tar), 0);
	snprintf(tar, sizeof(tar), "%s/streamed.tar", mc_test_tmpdir());
	assert_int_equal(mc(out, sizeof(out), "save streamed:1 > '%s'", tar), 0);
	snprintf(cmd, sizeof(cmd), "tar -tf '%s' | grep -qx manifest.json", tar);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(lstat("/dev/stdout", &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(mc(out, sizeof(out), "save -o /dev/null streamed:1"), 125);
	assert_non_null(strstr(out, "not a regular file"));
	assert_int_equal(mc(out, sizeof(out), "rmi streamed:1"), 0);
}

static void test_cli_bad_input(void **state)
{
	char out[4096];

	(void)state;
	assert_int_equal(mc(out, sizeof(out), "no-such-verb"), 125);
	assert_non_null(strstr(out, "is not a minicontainer command"));
	assert_int_equal(mc(out, sizeof(out), "rmi nothing-here"), 125);
	assert_non_null(strstr(out, "No such image: nothing-here"));
	assert_int_equal(mc(out, sizeof(out), "tag a"), 125);
	assert_int_equal(mc(out, sizeof(out), "load -i /nonexistent"), 125);
	assert_int_equal(mc(out, sizeof(out), "images --bogus"), 125);
	assert_int_equal(mc(out, sizeof(out), "tag busybox Bad:Name"), 125);
	assert_non_null(strstr(out, "invalid reference format"));
	assert_int_equal(mc(out, sizeof(out), "images --help"), 0);
	assert_non_null(strstr(out, "Usage:"));
}

int main(int argc, char **argv)
{
	static const struct CMUnitTest own[] = {
	    cmocka_unit_test(test_reference_normalisation),
	    cmocka_unit_test(test_reference_errors),
	    cmocka_unit_test(test_digest_of_known_text),
	    cmocka_unit_test(test_blob_with_wrong_digest_is_refused),
	    cmocka_unit_test(test_find_by_name_id_and_digest),
	    cmocka_unit_test(test_gc_removes_only_unreachable),
	    cmocka_unit_test(test_image_config_and_env_merge),
	    cmocka_unit_test(test_cli_images_tag_inspect_history_rmi),
	    cmocka_unit_test(test_cli_save_to_stdout),
	    cmocka_unit_test(test_cli_bad_input),
	};
	size_t n_own = sizeof(own) / sizeof(own[0]);
	size_t n =
	    n_own + ch04_extract_test_count + ch04_archive_test_count + ch04_registry_test_count;
	struct CMUnitTest *all = calloc(n, sizeof(*all));

	memcpy(all, own, sizeof(own));
	memcpy(all + n_own, ch04_extract_tests, ch04_extract_test_count * sizeof(*all));
	memcpy(all + n_own + ch04_extract_test_count, ch04_archive_tests,
	       ch04_archive_test_count * sizeof(*all));
	memcpy(all + n_own + ch04_extract_test_count + ch04_archive_test_count, ch04_registry_tests,
	       ch04_registry_test_count * sizeof(*all));
	int rc = mc_test_main(argc, argv, "ch04-images", all, n);

	free(all);
	return rc;
}
