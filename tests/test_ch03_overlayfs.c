/*
 * test_ch03_overlayfs.c - chapter 03: overlay mounts, whiteouts, diffs.
 *
 * The whole program runs in a mount namespace of its own (see main), so no
 * overlay it mounts can ever appear on the host.  Layers, uppers and mount
 * points live in the test's temporary directory.
 */
#define _GNU_SOURCE
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "mc_file.h"
#include "ovl_overlay.h"
#include "ovl_run.h"

static bool private_ns_ok;

/* ---- small helpers ------------------------------------------------------------------------ */

static const char *tpath(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A path inside the test's temporary directory (a few rotating buffers). */
static const char *tpath(const char *fmt, ...)
{
	static char bufs[8][PATH_MAX];
	static int next;
	char rel[PATH_MAX - 64];
	va_list ap;
	char *buf = bufs[next++ % 8];

	va_start(ap, fmt);
	vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	snprintf(buf, PATH_MAX, "%s/%s", mc_test_tmpdir(), rel);
	return buf;
}

/* A copy of a path that lives as long as the program (so no leak to report under ASan). */
static const char *keep(const char *path)
{
	static char pool[512][PATH_MAX];
	static unsigned next;

	return strcpy(pool[next++ % 512], path);
}

static void mkdirs(const char *path)
{
	struct mc_error err;

	if (mc_mkdir_p(path, 0755, &err) < 0)
		fail_msg("%s", err.msg);
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static char *read_text(const char *path)
{
	static char buf[256];
	struct mc_error err;

	if (mc_read_file(path, buf, sizeof(buf), NULL, &err) < 0)
		return NULL;
	return buf;
}

static bool exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

#define REQUIRE_PRIVATE_NS()                                                                       \
	do {                                                                                       \
		MC_REQUIRE_ROOT();                                                                 \
		if (!private_ns_ok)                                                                \
			MC_SKIP("could not make a private mount namespace for the test");          \
	} while (0)

/* A fresh test area: NAME/{upper,work,merged}. */
static struct ovl_config area(const char *name, const char *const *lowers, size_t n)
{
	struct ovl_config c = {0};
	char rm[PATH_MAX];
	struct mc_error err;

	snprintf(rm, sizeof(rm), "%s", tpath("%s", name));
	mc_remove_tree(rm, &err);
	mkdirs(tpath("%s/upper", name));
	mkdirs(tpath("%s/work", name));
	mkdirs(tpath("%s/merged", name));
	c.lowers = lowers;
	c.nlower = n;
	c.upper = keep(tpath("%s/upper", name));
	c.work = keep(tpath("%s/work", name));
	c.merged = keep(tpath("%s/merged", name));
	return c;
}

/* Failures are reported at the test's line. */
#define mount_ok(c) mount_ok_at(__FILE__, __LINE__, (c))
static void mount_ok_at(const char *file, int line, const struct ovl_config *c)
{
	struct mc_error err;

	if (ovl_mount(c, &err) < 0)
		mc_fail_at(file, line, "the overlay could not be mounted: %s", err.msg);
}

static void umount_ok(const struct ovl_config *c)
{
	struct mc_error err;

	if (ovl_umount(c->merged, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(mc_mountinfo_count(c->merged), 0);
}

/* Three layers: each has f (its number) and only-N; layer 1 also has dir/{a,b}. */
static const char *const *three_layers(void)
{
	static const char *layers[3];

	for (int i = 0; i < 3; i++) {
		char num[8];

		snprintf(num, sizeof(num), "%d", i + 1);
		layers[i] = keep(tpath("layers/l%d", i + 1));
		mkdirs(layers[i]);
		write_text(tpath("layers/l%d/f", i + 1), num);
		write_text(tpath("layers/l%d/only-%d", i + 1, i + 1), num);
	}
	mkdirs(tpath("layers/l1/dir/sub"));
	write_text(tpath("layers/l1/dir/a"), "a");
	write_text(tpath("layers/l1/dir/b"), "b");
	write_text(tpath("layers/l1/dir/sub/c"), "c");
	write_text(tpath("layers/l1/keep"), "keep");
	return layers;
}

static void in_merged(const char *name, const char *script)
{
	char cmd[2 * PATH_MAX];

	snprintf(cmd, sizeof(cmd), "cd '%s' && %s", tpath("%s/merged", name), script);
	if (system(cmd) != 0)
		fail_msg("failed: %s", script);
}

/* ---- 03.1 mount options, stacking ------------------------------------------------------- */

static void test_mount_options_are_built_top_first(void **state)
{
	const char *lowers[] = {"/l1", "/l2", "/l3"};
	const char *dups[] = {"/a", "/b", "/a"};
	const char *bad[] = {"/a:b"};
	struct ovl_config c = {lowers, 3, "/u", "/w", "/m", OVL_AUTO};
	struct mc_error err;
	char buf[128];

	(void)state;
	mc_assert_int("ovl_mount_options(lowers /l1 /l2 /l3)",
	              ovl_mount_options(&c, buf, sizeof(buf), &err), 0, NULL);
	mc_assert_str("the options", buf, "lowerdir=/l3:/l2:/l1,upperdir=/u,workdir=/w",
	              "overlayfs wants the topmost layer first; the array lists the lowest first");
	/* The same layer twice: only its topmost place counts. */
	c.lowers = dups;
	mc_assert_int("ovl_mount_options(lowers /a /b /a)",
	              ovl_mount_options(&c, buf, sizeof(buf), &err), 0, NULL);
	mc_assert_str("the options", buf, "lowerdir=/a:/b,upperdir=/u,workdir=/w",
	              "a layer listed twice appears once, at its topmost place");
	c.lowers = bad;
	c.nlower = 1;
	mc_assert_int("ovl_mount_options(lower /a:b)",
	              ovl_mount_options(&c, buf, sizeof(buf), &err), -1,
	              "a path with ':' or ',' cannot be written into the options: refuse it");
	c.lowers = lowers;
	c.nlower = 3;
	mc_assert_int("ovl_mount_options(buffer of 20 bytes)", ovl_mount_options(&c, buf, 20, &err),
	              -1, "options that do not fit the buffer are an error");
	mc_assert_int("err.errnum", err.errnum, E2BIG, "options that do not fit: E2BIG");
}

static void check_stacking(enum ovl_method method, const char *name)
{
	const char *const *layers = three_layers();
	struct ovl_config c = area(name, layers, 3);

	c.method = method;
	mount_ok(&c);
	/* The highest layer wins; every layer's own files show through. */
	mc_assert_str("merged/f", read_text(tpath("%s/merged/f", name)), "3",
	              "every layer has f; the topmost one's (3) wins");
	for (int i = 1; i <= 3; i++)
		if (!exists(tpath("%s/merged/only-%d", name, i)))
			fail_msg("merged/only-%d is missing: every layer's own files show through",
			         i);
	mc_assert_str("merged/dir/a", read_text(tpath("%s/merged/dir/a", name)), "a",
	              "directories of several layers merge");
	umount_ok(&c);
}

static void test_layers_stack_in_order(void **state)
{
	(void)state;
	REQUIRE_PRIVATE_NS();
	check_stacking(OVL_OPTIONS, "stack-options");
	check_stacking(OVL_MOUNT_API, "stack-api");
	check_stacking(OVL_SHORT_LINKS, "stack-links");
}

static void test_writes_land_in_upper(void **state)
{
	const char *const *layers;
	struct ovl_config c;

	(void)state;
	REQUIRE_PRIVATE_NS();
	layers = three_layers();
	c = area("writes", layers, 3);
	mount_ok(&c);
	write_text(tpath("writes/merged/new"), "new");
	write_text(tpath("writes/merged/dir/a"), "changed");
	umount_ok(&c);
	assert_string_equal(read_text(tpath("writes/upper/new")), "new");
	assert_string_equal(read_text(tpath("writes/upper/dir/a")), "changed");
	/* The lower layer is untouched: copy-up made a private copy first. */
	assert_string_equal(read_text(tpath("layers/l1/dir/a")), "a");
	assert_false(exists(tpath("layers/l3/new")));
}

/* ---- 03.2 whiteouts and opaque directories ---------------------------------------------- */

static void test_whiteout_hides_a_lower_file(void **state)
{
	const char *const *layers;
	struct ovl_config c;
	struct mc_error err;
	struct stat st;
	int fd;

	(void)state;
	REQUIRE_PRIVATE_NS();
	layers = three_layers();
	/* Made by hand, before mounting: the way chapter 04 applies image layers. */
	c = area("whiteout", layers, 3);
	fd = open(c.upper, O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0);
	if (ovl_make_whiteout(fd, "only-1", &err) < 0)
		fail_msg("ovl_make_whiteout(upper, \"only-1\") failed: %s", err.msg);
	close(fd);
	if (lstat(tpath("whiteout/upper/only-1"), &st) < 0)
		fail_msg("upper/only-1 does not exist after ovl_make_whiteout(): %s",
		         strerror(errno));
	if (!ovl_is_whiteout(&st))
		fail_msg("upper/only-1 has mode 0%o and device %u:%u: a whiteout is a character "
		         "device 0:0",
		         (unsigned)st.st_mode, major(st.st_rdev), minor(st.st_rdev));
	mount_ok(&c);
	if (exists(tpath("whiteout/merged/only-1")))
		fail_msg("merged/only-1 is still visible: the whiteout in upper should hide it");
	/* Made by the kernel: deleting a lower file through the merged view. */
	assert_int_equal(unlink(tpath("whiteout/merged/keep")), 0);
	umount_ok(&c);
	assert_int_equal(lstat(tpath("whiteout/upper/keep"), &st), 0);
	assert_true(ovl_is_whiteout(&st));
	assert_true(exists(tpath("layers/l1/keep")));
}

static void test_recreated_directory_is_opaque(void **state)
{
	const char *const *layers;
	struct ovl_config c;
	int fd;

	(void)state;
	REQUIRE_PRIVATE_NS();
	layers = three_layers();
	c = area("opaque", layers, 3);
	mount_ok(&c);
	in_merged("opaque", "rm -rf dir && mkdir dir");
	assert_false(exists(tpath("opaque/merged/dir/a")));
	umount_ok(&c);
	fd = open(tpath("opaque/upper"), O_RDONLY | O_DIRECTORY);
	assert_true(ovl_is_opaque(fd, "dir"));
	close(fd);
}

static void test_make_opaque_hides_lower_contents(void **state)
{
	const char *const *layers;
	struct ovl_config c;
	struct mc_error err;
	int fd;

	(void)state;
	REQUIRE_PRIVATE_NS();
	layers = three_layers();
	c = area("mkopaque", layers, 3);
	mkdirs(tpath("mkopaque/upper/dir"));
	write_text(tpath("mkopaque/upper/dir/fresh"), "x");
	fd = open(c.upper, O_RDONLY | O_DIRECTORY);
	if (ovl_make_opaque(fd, "dir", &err) < 0)
		fail_msg("%s", err.msg);
	close(fd);
	mount_ok(&c);
	assert_true(exists(tpath("mkopaque/merged/dir/fresh")));
	assert_false(exists(tpath("mkopaque/merged/dir/a")));
	umount_ok(&c);
}

static void test_two_containers_share_lowers(void **state)
{
	const char *const *layers;
	struct ovl_config a, b;

	(void)state;
	REQUIRE_PRIVATE_NS();
	layers = three_layers();
	a = area("share-a", layers, 3);
	b = area("share-b", layers, 3);
	mount_ok(&a);
	mount_ok(&b);
	write_text(tpath("share-a/merged/f"), "written by a");
	assert_int_equal(unlink(tpath("share-a/merged/only-2")), 0);
	assert_string_equal(read_text(tpath("share-b/merged/f")), "3");
	assert_true(exists(tpath("share-b/merged/only-2")));
	umount_ok(&a);
	umount_ok(&b);
}

static void test_128_layers_mount(void **state)
{
	static const char *layers[128];
	struct ovl_config c;
	struct mc_error err;
	char opts[4096];

	(void)state;
	REQUIRE_PRIVATE_NS();
	/* Long names, like a real image store's: far more than one page of options. */
	for (int i = 0; i < 128; i++) {
		layers[i] = keep(tpath("many/sha256-%064d", i));
		mkdirs(layers[i]);
		write_text(tpath("many/sha256-%064d/file-%d", i, i), "x");
	}
	c = area("many-area", layers, 128);
	assert_int_equal(ovl_mount_options(&c, opts, sizeof(opts), &err), -1);
	assert_int_equal(err.errnum, E2BIG);

	for (int m = 0; m < 2; m++) {
		c.method = m == 0 ? OVL_AUTO : OVL_SHORT_LINKS;
		mount_ok(&c);
		for (int i = 0; i < 128; i++)
			if (!exists(tpath("many-area/merged/file-%d", i)))
				fail_msg("layer %d is missing (method %d)", i, m);
		umount_ok(&c);
	}
	/* The short links were temporary. */
	{
		glob_t g;

		assert_int_equal(glob("/tmp/mc-ovl-links-*", 0, NULL, &g), GLOB_NOMATCH);
	}
	c.method = OVL_OPTIONS;
	assert_int_equal(ovl_mount(&c, &err), -1);
	assert_int_equal(err.errnum, E2BIG);
}

static void test_unsupported_upper_is_reported(void **state)
{
	const char *const *layers;
	struct ovl_config c, nested;
	struct mc_error err;

	(void)state;
	REQUIRE_PRIVATE_NS();
	layers = three_layers();
	c = area("unsupported", layers, 3);
	mount_ok(&c);
	/* An upper on an overlay. */
	mkdirs(tpath("unsupported/merged/up"));
	mkdirs(tpath("unsupported/merged/wk"));
	nested = area("nested", layers, 3);
	nested.upper = keep(tpath("unsupported/merged/up"));
	nested.work = keep(tpath("unsupported/merged/wk"));
	assert_int_equal(ovl_mount(&nested, &err), -1);
	assert_non_null(strstr(err.msg, "is on overlayfs"));
	/* Upper and work on different filesystems. */
	nested.upper = keep(tpath("nested/upper"));
	assert_int_equal(ovl_mount(&nested, &err), -1);
	assert_non_null(strstr(err.msg, "same filesystem"));
	umount_ok(&c);
	/* No layers at all. */
	c.nlower = 0;
	assert_int_equal(ovl_mount(&c, &err), -1);
}

/* ---- 03.3 diff --------------------------------------------------------------------------- */

static void diff_text(const struct ovl_config *c, char *out, size_t size)
{
	struct ovl_diff d = {0};
	struct mc_error err;
	size_t used = 0;

	if (ovl_diff(c->upper, c->lowers, c->nlower, &d, &err) < 0)
		fail_msg("%s", err.msg);
	out[0] = '\0';
	for (size_t i = 0; i < d.count; i++)
		used += (size_t)snprintf(out + used, size - used, "%c %s\n", d.changes[i].kind,
		                         d.changes[i].path);
	ovl_diff_free(&d);
}

static void test_diff_lists_exactly_the_changes(void **state)
{
	const char *const *layers;
	struct ovl_config c;
	char out[4096];

	(void)state;
	REQUIRE_PRIVATE_NS();
	layers = three_layers();
	c = area("diff", layers, 3);
	mount_ok(&c);
	/* One change of every kind, as a container would make them. */
	in_merged("diff", "echo new > added"                                       /* a new file */
	                  " && mkdir -p newdir/deeper && echo x > newdir/deeper/x" /* new tree */
	                  " && echo more >> only-2" /* content change */
	                  " && chmod 600 only-3"    /* permission-only change */
	                  " && rm only-1"           /* deletion */
	                  " && rm -r dir/sub"       /* directory deletion */
	                  " && ln -s f link"        /* a new symlink */
	                  " && ln added hardlink"   /* a hardlink to a new file */
	                  " && mv dir moved");      /* rename of a lower directory */
	umount_ok(&c);
	diff_text(&c, out, sizeof(out));
	/* A lower directory cannot be renamed in place (EXDEV without redirect_dir):
	 * mv copies it and deletes the original - so: A for the copy, D for the old. */
	mc_assert_str("the diff", out,
	              "A /added\n"
	              "D /dir\n"
	              "A /hardlink\n"
	              "A /link\n"
	              "A /moved\n"
	              "A /moved/a\n"
	              "A /moved/b\n"
	              "A /newdir\n"
	              "A /newdir/deeper\n"
	              "A /newdir/deeper/x\n"
	              "D /only-1\n"
	              "C /only-2\n"
	              "C /only-3\n",
	              "every change once, A(dded), C(hanged) or D(eleted), sorted by path");
}

static void test_diff_of_a_replaced_directory(void **state)
{
	const char *const *layers;
	struct ovl_config c;
	char out[4096];

	(void)state;
	REQUIRE_PRIVATE_NS();
	layers = three_layers();
	c = area("replaced", layers, 3);
	mount_ok(&c);
	in_merged("replaced", "rm -rf dir && mkdir dir && echo new > dir/c && echo a2 > dir/a");
	umount_ok(&c);
	diff_text(&c, out, sizeof(out));
	mc_assert_str("the diff", out,
	              "C /dir\n"
	              "C /dir/a\n"
	              "D /dir/b\n"
	              "A /dir/c\n"
	              "D /dir/sub\n",
	              "a directory deleted and made again is opaque: the lower entries it lost are "
	              "deletions");
}

/* ---- the demo's path: a container on an overlay root ----------------------------------- */

static void test_container_runs_on_layers(void **state)
{
	static struct ovl_run run;
	char *env[] = {"PATH=/bin", NULL};
	struct ovl_diff d = {0};
	struct ns_config cfg;
	struct cg_run cgr;
	struct mc_error err;
	char path[PATH_MAX];
	int code, found = 0;

	(void)state;
	REQUIRE_PRIVATE_NS();
	if (mc_test_rootfs() == NULL)
		MC_SKIP("no test root filesystem: run make rootfs");
	mkdirs(tpath("top/etc"));
	write_text(tpath("top/etc/from-top"), "top");
	ns_config_init(&cfg);
	cfg.envp = env;
	cfg.argv = ((char *[]){"/bin/sh", "-c",
	                       "test -e /etc/from-top && echo hi > /tmp/x && rm /etc/group", NULL});
	cg_run_init(&cgr);
	snprintf(path, sizeof(path), "mc-test-%d", (int)getpid());
	cgr.parent = keep(path);
	run.layers[0] = mc_test_rootfs();
	run.layers[1] = keep(tpath("top"));
	run.nlayer = 2;
	run.upper = keep(tpath("kept-upper"));
	run.diff = &d;
	if (ovl_add_step(&cfg, &run, &err) < 0 || cg_add_step(&cfg, &cgr, &err) < 0 ||
	    ns_run(&cfg, &code, &err) < 0)
		fail_msg("%s", err.msg);
	cg_remove_parent(CG_DEFAULT_MOUNT, cgr.parent, &err);
	assert_int_equal(code, 0);
	for (size_t i = 0; i < d.count; i++)
		found += (d.changes[i].kind == 'A' && strcmp(d.changes[i].path, "/tmp/x") == 0) +
		         (d.changes[i].kind == 'D' && strcmp(d.changes[i].path, "/etc/group") == 0);
	ovl_diff_free(&d);
	assert_int_equal(found, 2);
	/* The kept upper holds the container's writes; the layers are untouched. */
	assert_string_equal(read_text(tpath("kept-upper/tmp/x")), "hi\n");
	snprintf(path, sizeof(path), "%s/etc/group", mc_test_rootfs());
	assert_true(exists(path));
}

int main(int argc, char **argv)
{
	static const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mount_options_are_built_top_first),
	    cmocka_unit_test(test_layers_stack_in_order),
	    cmocka_unit_test(test_writes_land_in_upper),
	    cmocka_unit_test(test_whiteout_hides_a_lower_file),
	    cmocka_unit_test(test_recreated_directory_is_opaque),
	    cmocka_unit_test(test_make_opaque_hides_lower_contents),
	    cmocka_unit_test(test_two_containers_share_lowers),
	    cmocka_unit_test(test_128_layers_mount),
	    cmocka_unit_test(test_unsupported_upper_is_reported),
	    cmocka_unit_test(test_diff_lists_exactly_the_changes),
	    cmocka_unit_test(test_diff_of_a_replaced_directory),
	    cmocka_unit_test(test_container_runs_on_layers),
	};

	/* Everything this program mounts stays in its own mount namespace. */
	if (geteuid() == 0 && unshare(CLONE_NEWNS) == 0 &&
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0)
		private_ns_ok = true;
	return mc_test_main(argc, argv, "ch03-overlayfs", tests, sizeof(tests) / sizeof(tests[0]));
}
