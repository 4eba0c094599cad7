/*
 * ch06_builds.c - chapter 06's builds, for real: Dockerfiles built by
 * `minicontainer build` (and, where a test grades an exercise, by the
 * library in this process), the images run, the cache watched.  State goes
 * to this test program's temporary MC_ROOT and MC_RUNDIR; the base images
 * are the busybox test root filesystem, imported.
 */
#define _GNU_SOURCE
#include "harness.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bld_build.h"
#include "img_reference.h"
#include "img_store.h"
#include "mc_file.h"

#define LIMIT 180 /* seconds any one command may take */

static char out[65536];

/* ---- state and helpers -------------------------------------------------------------------------- */

static const char *mc_bin(void)
{
	const char *bin = getenv("MC_TEST_BIN");

	return bin != NULL && bin[0] != '\0' ? bin : "build/bin/minicontainer";
}

/* MC_ROOT and MC_RUNDIR in our temporary directory (for us and every command we run). */
static const char *state_root(void)
{
	static char root[PATH_MAX];
	char run[PATH_MAX + 8];

	if (root[0] == '\0') {
		snprintf(root, sizeof(root), "%s/mc-root", mc_test_tmpdir());
		snprintf(run, sizeof(run), "%s/mc-run", mc_test_tmpdir());
		setenv("MC_ROOT", root, 1);
		setenv("MC_RUNDIR", run, 1);
	}
	return root;
}

/* `minicontainer ARGS` (a shell fragment); its exit status, and its output in `out`. */
static int mc(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int mc(const char *fmt, ...)
{
	char args[8192];
	va_list ap;

	state_root();
	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	return mc_run_sh(LIMIT, out, sizeof(out), "'%s' %s", mc_bin(), args);
}

#define MC_OK(...)                                                                                 \
	do {                                                                                       \
		if (mc(__VA_ARGS__) != 0)                                                          \
			fail_msg("minicontainer failed:\n%s", out);                                \
	} while (0)

static void expect(const char *needle)
{
	if (strstr(out, needle) == NULL)
		fail_msg("expected \"%s\" in:\n%s", needle, out);
}

static void expect_not(const char *needle)
{
	if (strstr(out, needle) != NULL)
		fail_msg("did not expect \"%s\" in:\n%s", needle, out);
}

/* A build context: <tmp>/ctx-NAME, emptied; files are added with put(). */
static const char *context(const char *name)
{
	static char dir[PATH_MAX];
	struct mc_error err;

	snprintf(dir, sizeof(dir), "%s/ctx-%s", mc_test_tmpdir(), name);
	mc_remove_tree(dir, &err);
	if (mc_mkdir_p(dir, 0755, &err) < 0)
		fail_msg("%s", err.msg);
	return dir;
}

static void put(const char *dir, const char *name, const char *text)
{
	char path[PATH_MAX * 2], parent[PATH_MAX * 2];
	struct mc_error err;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(parent, sizeof(parent), "%s", path);
	*strrchr(parent, '/') = '\0';
	if (mc_mkdir_p(parent, 0755, &err) < 0)
		fail_msg("%s", err.msg);
	f = fopen(path, "w");
	if (f == NULL)
		fail_msg("create %s: %s", path, strerror(errno));
	fputs(text, f);
	fclose(f);
}

/*
 * The base images, once per program: busybox (with CMD ["sh"], like
 * Docker's) and bare (the same files, no CMD), from the test root filesystem.
 */
static void require_images(void)
{
	static bool done;

	if (done)
		return;
	if (mc_test_rootfs() == NULL)
		fail_msg("no test root filesystem: run make rootfs");
	state_root();
	if (mc_run_sh(
	        LIMIT, out, sizeof(out),
	        "tar -C '%s' --exclude=./.complete -c . | '%s' import --change 'CMD [\"sh\"]' "
	        "- busybox:latest && tar -C '%s' --exclude=./.complete -c . | '%s' import - "
	        "bare:latest",
	        mc_test_rootfs(), mc_bin(), mc_test_rootfs(), mc_bin()) != 0)
		fail_msg("import the base images:\n%s", out);
	done = true;
}

#define SETUP()                                                                                    \
	do {                                                                                       \
		MC_REQUIRE_ROOT();                                                                 \
		if (mc_test_rootfs() == NULL)                                                      \
			MC_SKIP("no test root filesystem: run make rootfs");                       \
		require_images();                                                                  \
	} while (0)

/* Build CONTEXT with plain progress; the extra flags as a shell fragment. */
static int build(const char *dir, const char *flags)
{
	return mc("build --progress plain %s '%s' </dev/null", flags, dir);
}

/*
 * Which steps ran and which came from the cache, from plain progress:
 * "R" or "C" per "[n/m]" step after FROM, in order ("RCC").
 */
static const char *steps_of(const char *text)
{
	static char result[64];
	size_t n = 0;

	for (const char *p = strstr(text, "\n#"); p != NULL && n + 1 < sizeof(result);
	     p = strstr(p + 1, "\n#")) {
		int id;
		char title[64], marker[80];

		/* "#4 [2/3] RUN ...", or "#4 [builder 2/3] ...", but not FROM nor "[internal]". */
		if (sscanf(p + 2, "%d [%63[^]]] ", &id, title) != 2 || strchr(title, '/') == NULL ||
		    strstr(p, "] FROM ") == strchr(p, ']'))
			continue;
		snprintf(marker, sizeof(marker), "\n#%d CACHED\n", id);
		result[n++] = strstr(text, marker) != NULL ? 'C' : 'R';
	}
	result[n] = '\0';
	return result;
}

/* ---- the in-process builder (the exercises are graded through it) ---------------------------------- */

static int fake_fetch(void *arg, const char *url, int fd, struct mc_error *err)
{
	(void)url;
	if (write(fd, arg, strlen(arg)) != (ssize_t)strlen(arg))
		return mc_fail(err, errno, "write");
	return 0;
}

/* bld_build() on DIR's Dockerfile into the shared store; ADD URLs get `payload`. */
static int build_here(const char *dir, const char *tag, const char *payload, struct bld_result *res,
                      struct mc_error *err)
{
	char *tags[] = {(char *)tag, NULL};
	struct bld_options o = {0};
	struct bld_context cx;
	struct img_store st;
	int rc;

	state_root();
	if (img_store_open(&st, NULL, err) < 0)
		return -1;
	rc = bld_context_open_dir(&cx, dir, err);
	if (rc == 0)
		rc = bld_context_load(&cx, NULL, NULL, 0, err);
	o.context = &cx;
	o.tags = tags;
	o.fetch = payload ? fake_fetch : NULL;
	o.fetch_arg = (void *)payload;
	if (rc == 0)
		rc = bld_build(&st, &o, res, err);
	bld_context_close(&cx);
	img_store_close(&st);
	return rc;
}

/* The entries of the top layer of an image: "NAME\n" each. */
static void top_layer_entries(const char *ref, char *list, size_t size)
{
	struct img_store st;
	struct img_image img;
	struct mc_error err;
	struct archive *a;
	struct archive_entry *e;
	char blob[PATH_MAX];
	size_t used = 0;

	assert_int_equal(img_store_open(&st, NULL, &err), 0);
	if (img_store_find(&st, ref, &img, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(
	    img_blob_path(&st, img.layers[img.nlayer - 1].digest, blob, sizeof(blob), &err), 0);
	img_image_free(&img);
	img_store_close(&st);
	a = archive_read_new();
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_zstd(a);
	archive_read_support_format_tar(a);
	assert_int_equal(archive_read_open_filename(a, blob, 65536), ARCHIVE_OK);
	list[0] = '\0';
	while (archive_read_next_header(a, &e) == ARCHIVE_OK)
		used +=
		    (size_t)snprintf(list + used, size - used, "%s\n", archive_entry_pathname(e));
	archive_read_free(a);
}

/* ---- the tests ----------------------------------------------------------------------------------- */

/* EXERCISE 06.3's test, end to end: a deletion in a RUN step hides the file in the image. */
static void test_deleted_lower_file_is_hidden_in_the_image(void **state)
{
	char list[16384], other[PATH_MAX], tar[PATH_MAX];
	const char *dir;
	struct bld_result res;
	struct mc_error err;

	(void)state;
	SETUP();
	dir = context("whiteout");
	put(dir, "Dockerfile",
	    "FROM busybox\nRUN rm /bin/vi && rm -rf /home && mkdir /home && touch /home/new\n");
	if (build_here(dir, "whiteout:1", NULL, &res, &err) < 0)
		fail_msg("build: %s", err.msg);
	/* The archive says so, in OCI's words ... */
	top_layer_entries("whiteout:1", list, sizeof(list));
	if (strstr(list, "bin/.wh.vi\n") == NULL || strstr(list, "home/.wh..wh..opq\n") == NULL ||
	    strstr(list, "home/new\n") == NULL)
		fail_msg("the layer lacks the whiteouts:\n%s", list);
	/* ... and a store that only has the archive (saved, loaded elsewhere) agrees. */
	snprintf(tar, sizeof(tar), "%s/whiteout.tar", mc_test_tmpdir());
	snprintf(other, sizeof(other), "%s/other-root", mc_test_tmpdir());
	MC_OK("save -o '%s' whiteout:1 && MC_ROOT='%s' '%s' load -i '%s'", tar, other, mc_bin(),
	      tar);
	if (mc("run --rm whiteout:1 ls /home; MC_ROOT='%s' '%s' run --rm whiteout:1 "
	       "sh -c 'ls /bin/vi; ls /home'",
	       other, mc_bin()) != 0)
		fail_msg(
		    "running the built image failed (here, and in a store that loaded it):\n%s",
		    out);
	expect("No such file or directory");
	assert_int_equal(mc_kv_count(out, "new"), 0); /* no key=value; count lines below */
	{
		size_t news = 0;

		for (const char *p = strstr(out, "new"); p != NULL; p = strstr(p + 1, "new"))
			news++;
		mc_assert_int("lines with \"new\"", news, 2,
		              "/home in both stores holds the new file, the old /home is hidden");
	}
	MC_OK("rmi whiteout:1");
}

/* Docker's table of how ENTRYPOINT and CMD combine, all nine cases, run. */
static void test_entrypoint_cmd_table_executed(void **state)
{
	static const char *const entrypoints[] = {NULL, "ENTRYPOINT echo e1",
	                                          "ENTRYPOINT [\"echo\", \"e1\"]"};
	static const char *const cmds[] = {NULL, "CMD [\"echo\", \"c1\"]", "CMD echo c1"};
	/* expected[entrypoint][cmd]: what the container prints (NULL: it cannot start). */
	static const char *const expected[3][3] = {
	    {NULL, "c1", "c1"},
	    {"e1", "e1", "e1"},
	    {"e1", "e1 echo c1", "e1 /bin/sh -c echo c1"},
	};
	static const char *const configs[3][3] = {
	    {"null null", "null [\"echo\",\"c1\"]", "null [\"/bin/sh\",\"-c\",\"echo c1\"]"},
	    {"[\"/bin/sh\",\"-c\",\"echo e1\"] null",
	     "[\"/bin/sh\",\"-c\",\"echo e1\"] [\"echo\",\"c1\"]",
	     "[\"/bin/sh\",\"-c\",\"echo e1\"] [\"/bin/sh\",\"-c\",\"echo c1\"]"},
	    {"[\"echo\",\"e1\"] null", "[\"echo\",\"e1\"] [\"echo\",\"c1\"]",
	     "[\"echo\",\"e1\"] [\"/bin/sh\",\"-c\",\"echo c1\"]"},
	};

	(void)state;
	SETUP();
	for (int e = 0; e < 3; e++)
		for (int c = 0; c < 3; c++) {
			const char *dir = context("table");
			char text[256], line[256];

			snprintf(text, sizeof(text), "FROM bare\n%s\n%s\n", cmds[c] ? cmds[c] : "",
			         entrypoints[e] ? entrypoints[e] : "");
			put(dir, "Dockerfile", text);
			if (build(dir, "-q -t table:x") != 0)
				fail_msg("build of\n%s\nfailed:\n%s", text, out);
			MC_OK("inspect --format '{{json .Config.Entrypoint}} {{json .Config.Cmd}}' "
			      "table:x");
			out[strcspn(out, "\n")] = '\0';
			if (strcmp(out, configs[e][c]) != 0)
				fail_msg("%s\nconfig: %s, expected %s", text, out, configs[e][c]);
			if (expected[e][c] == NULL) {
				assert_int_not_equal(mc("run --rm table:x"), 0);
				expect("no command specified");
				continue;
			}
			MC_OK("run --rm table:x");
			snprintf(line, sizeof(line), "%s\n", expected[e][c]);
			if (strcmp(out, line) != 0)
				fail_msg("%s\nprinted \"%s\", expected \"%s\"", text, out,
				         expected[e][c]);
		}
	MC_OK("rmi table:x");
}

static void test_cache_keeps_steps_when_only_mtimes_change(void **state)
{
	const char *dir;

	(void)state;
	SETUP();
	dir = context("mtime");
	put(dir, "a.txt", "mtime test a\n");
	put(dir, "b.txt", "mtime test b\n");
	put(dir, "Dockerfile",
	    "FROM busybox\nCOPY a.txt /a\nRUN cat /a > /from-a\nCOPY b.txt /b\n");
	assert_int_equal(build(dir, "-t mtime:1"), 0);
	assert_string_equal(steps_of(out), "RRR");
	assert_int_equal(build(dir, "-t mtime:1"), 0);
	assert_string_equal(steps_of(out), "CCC");
	/* A checkout or a touch changes times, not content: still all from the cache. */
	assert_int_equal(mc_run_sh(LIMIT, out, sizeof(out),
	                           "touch -d '2001-01-01' '%s/a.txt' "
	                           "'%s/b.txt'",
	                           dir, dir),
	                 0);
	assert_int_equal(build(dir, "-t mtime:1"), 0);
	assert_string_equal(steps_of(out), "CCC");
	MC_OK("rmi mtime:1");
}

static void test_cache_misses_from_a_changed_step_on(void **state)
{
	const char *dir;

	(void)state;
	SETUP();
	dir = context("miss");
	put(dir, "a.txt", "miss a\n");
	put(dir, "b.txt", "miss b\n");
	put(dir, "Dockerfile",
	    "FROM busybox\nCOPY a.txt /a\nRUN echo one > /one\nCOPY b.txt /b\n"
	    "RUN cat /b > /two\n");
	assert_int_equal(build(dir, "-t miss:1"), 0);
	assert_int_equal(build(dir, "-t miss:1"), 0);
	assert_string_equal(steps_of(out), "CCCC");
	/* New content in b.txt: its COPY and everything after it run again, not before. */
	put(dir, "b.txt", "miss b, changed\n");
	assert_int_equal(build(dir, "-t miss:1"), 0);
	assert_string_equal(steps_of(out), "CCRR");
	/* A mode change on a.txt: from the first step on. */
	assert_int_equal(chmod(strcat(strcpy(out, dir), "/a.txt"), 0600), 0);
	assert_int_equal(build(dir, "-t miss:1"), 0);
	assert_string_equal(steps_of(out), "RRRR");
	MC_OK("run --rm miss:1 cat /two");
	assert_string_equal(out, "miss b, changed\n");
	/* A changed instruction misses too (and so do the ones after it). */
	put(dir, "Dockerfile",
	    "FROM busybox\nCOPY a.txt /a\nRUN echo ONE > /one\nCOPY b.txt /b\n"
	    "RUN cat /b > /two\n");
	assert_int_equal(build(dir, "-t miss:1"), 0);
	assert_string_equal(steps_of(out), "CRRR");
	MC_OK("rmi miss:1");
}

static void test_cache_build_arg_misses_at_first_use(void **state)
{
	const char *dir;

	(void)state;
	SETUP();
	dir = context("arg");
	put(dir, "a.txt", "arg a\n");
	put(dir, "Dockerfile",
	    "FROM busybox\nCOPY a.txt /a\nRUN echo before > /before\nARG V=1\n"
	    "COPY a.txt /a2\nRUN echo \"v=$V\" > /v\n");
	assert_int_equal(build(dir, "-t arg:1 --build-arg V=1"), 0);
	assert_int_equal(build(dir, "-t arg:1 --build-arg V=1"), 0);
	assert_string_equal(steps_of(out), "CCCC");
	/* Another value: nothing before the ARG misses, nor the COPY that does not use it;
	 * the first RUN after it does (every RUN sees ARGs as its environment). */
	assert_int_equal(build(dir, "-t arg:1 --build-arg V=2"), 0);
	assert_string_equal(steps_of(out), "CCCR");
	MC_OK("run --rm arg:1 cat /v");
	assert_string_equal(out, "v=2\n");
	/* An unknown --build-arg is reported, as Docker does. */
	assert_int_equal(build(dir, "-t arg:1 --build-arg V=2 --build-arg NOPE=x"), 0);
	expect("[Warning] One or more build-args [NOPE] were not consumed");
	MC_OK("rmi arg:1");
}

/* The cache outlives the build and rmi; builder prune empties it - and keeps every image's layers. */
static void test_cache_survives_rmi_and_builder_prune_clears_it(void **state)
{
	const char *dir;

	(void)state;
	SETUP();
	dir = context("prune");
	put(dir, "p.txt", "prune me\n");
	put(dir, "Dockerfile", "FROM busybox\nCOPY p.txt /p\nRUN cat /p > /q\n");
	assert_int_equal(build(dir, "-t prune:1"), 0);
	assert_int_equal(build(dir, "-t prune:keep"), 0);
	MC_OK("rmi prune:1");
	assert_int_equal(build(dir, "-t prune:1"), 0);
	assert_string_equal(steps_of(out), "CC");
	MC_OK("builder prune -f");
	expect("Deleted build cache objects:");
	expect("Total reclaimed space:");
	/* Both images keep every layer they use. */
	MC_OK("run --rm prune:keep cat /q");
	assert_string_equal(out, "prune me\n");
	MC_OK("run --rm prune:1 cat /q");
	assert_string_equal(out, "prune me\n");
	assert_int_equal(build(dir, "-t prune:1"), 0);
	assert_string_equal(steps_of(out), "RR");
	/* --no-cache runs every step. */
	assert_int_equal(build(dir, "--no-cache -t prune:1"), 0);
	assert_string_equal(steps_of(out), "RR");
	MC_OK("rmi prune:1 prune:keep");
}

static void test_multistage_copy_from_and_target(void **state)
{
	const char *dir;

	(void)state;
	SETUP();
	dir = context("multi");
	put(dir, "Dockerfile",
	    "ARG BASE=busybox\n"
	    "FROM ${BASE} AS builder\n"
	    "RUN mkdir /out && echo built > /out/artifact && head -c 200000 /dev/zero > /out/big\n"
	    "FROM busybox AS unused\n"
	    "RUN exit 1\n"
	    "FROM scratch\n"
	    "COPY --from=builder /out/artifact /artifact\n"
	    "COPY --from=0 /bin/busybox /bin/busybox\n"
	    "COPY --from=bare /etc/passwd /etc/passwd\n"
	    "ENTRYPOINT [\"/bin/busybox\"]\n"
	    "CMD [\"cat\", \"/artifact\"]\n");
	/* The unused stage (which would fail) is never built. */
	if (build(dir, "-t multi:final") != 0)
		fail_msg("build failed:\n%s", out);
	expect("[builder 2/2] RUN mkdir /out");
	expect_not("RUN exit 1");
	MC_OK("run --rm multi:final");
	assert_string_equal(out, "built\n");
	MC_OK("run --rm multi:final sh -c 'ls /out 2>&1; ls /bin | wc -l'");
	expect("No such file or directory");
	/* --target stops at a stage: the builder's files, big one and all. */
	assert_int_equal(build(dir, "--target builder -t multi:builder"), 0);
	MC_OK("run --rm multi:builder wc -c /out/big");
	expect("200000 /out/big");
	assert_int_not_equal(build(dir, "--target nope -t multi:x"), 0);
	expect("target stage \"nope\" could not be found");
	/* A stage on top of an empty one (FROM scratch, no files yet). */
	put(dir, "Dockerfile",
	    "FROM scratch AS empty\nFROM empty AS filled\n"
	    "COPY --from=busybox /bin/busybox /bin/busybox\n"
	    "ENTRYPOINT [\"/bin/busybox\", \"echo\", \"from an empty stage\"]\n");
	if (build(dir, "-t multi:empty") != 0)
		fail_msg("%s", out);
	MC_OK("run --rm multi:empty");
	assert_string_equal(out, "from an empty stage\n");
	MC_OK("rmi multi:empty");
	MC_OK("rmi multi:final multi:builder");
}

static void test_dockerignore_hides_files_from_copy(void **state)
{
	const char *dir;

	(void)state;
	SETUP();
	dir = context("ignore");
	put(dir, ".dockerignore", "# test\n*.log\n!keep.log\nsecrets\n**/*.tmp\n");
	put(dir, "a.log", "x\n");
	put(dir, "keep.log", "x\n");
	put(dir, "secrets/key", "x\n");
	put(dir, "sub/x.tmp", "x\n");
	put(dir, "sub/deeper/y.tmp", "x\n");
	put(dir, "sub/y.txt", "x\n");
	put(dir, "Dockerfile", "FROM busybox\nCOPY . /ctx\nRUN cd /ctx && find . | sort\n");
	assert_int_equal(build(dir, "-t ignore:1"), 0);
	expect(" ./keep.log\n");
	expect(" ./sub/y.txt\n");
	expect(" ./Dockerfile\n");
	expect(" ./.dockerignore\n");
	expect_not("a.log");
	expect_not("secrets");
	expect_not(".tmp");
	/* Named directly, an excluded file is not there either. */
	put(dir, "Dockerfile", "FROM busybox\nCOPY secrets/key /k\n");
	assert_int_not_equal(build(dir, "-t ignore:2"), 0);
	expect("not found");
	MC_OK("rmi ignore:1");
}

/* Docker's COPY rules: contents of directories, trailing slashes, WORKDIR, owners, modes. */
static void test_copy_follows_dockers_rules(void **state)
{
	const char *dir;

	(void)state;
	SETUP();
	dir = context("copy");
	put(dir, "d/one", "1\n");
	put(dir, "d/sub/two", "2\n");
	put(dir, "f1", "f1\n");
	put(dir, "f2", "f2\n");
	put(dir, "x.txt", "x\n");
	put(dir, "y.txt", "y\n");
	put(dir, "Dockerfile",
	    "FROM busybox\n"
	    "RUN mkdir /existing\n"
	    "WORKDIR /w\n"
	    "COPY d /d1\n"
	    "COPY d/ /d2/\n"
	    "COPY f1 rel\n"
	    "COPY f1 f2 /multi/\n"
	    "COPY *.txt /glob/\n"
	    "COPY f1 /existing\n"
	    "COPY --chown=nobody:nogroup --chmod=0640 f1 /owned\n"
	    "COPY --chown=daemon f2 /daemon-owned\n"
	    "COPY [\"f1\", \"/json dest\"]\n"
	    "RUN cd / && stat -c '%n %a %u:%g %F' d1/one d1/sub/two d2/sub/two w/rel multi/f1 "
	    "multi/f2 glob/x.txt glob/y.txt existing/f1 owned daemon-owned 'json dest'\n");
	if (build(dir, "-t copy:1") != 0)
		fail_msg("%s", out);
	expect(" d1/one 644 0:0 regular file\n");
	expect(" d1/sub/two 644 0:0 regular file\n");
	expect(" d2/sub/two 644 0:0 regular file\n");
	expect(" w/rel 644 0:0 regular file\n");
	expect(" multi/f2 644 0:0 regular file\n");
	expect(" glob/y.txt 644 0:0 regular file\n");
	expect(" existing/f1 644 0:0 regular file\n");
	expect(" owned 640 65534:65534 regular file\n");
	expect(" daemon-owned 644 1:1 regular file\n"); /* a user alone: the group of that number */
	expect(" json dest 644 0:0 regular file\n");
	/* Several sources need a directory that ends in "/". */
	put(dir, "Dockerfile", "FROM busybox\nCOPY f1 f2 /notadir\n");
	assert_int_not_equal(build(dir, "-t copy:2"), 0);
	expect("the destination must be a directory and end with a /");
	put(dir, "Dockerfile", "FROM busybox\nCOPY --chown=nosuchuser f1 /x\n");
	assert_int_not_equal(build(dir, "-t copy:2"), 0);
	expect("nosuchuser");
	MC_OK("rmi copy:1");
}

/* A hostile context: nothing outside it is ever read, nothing blocks the build. */
static void test_copy_never_leaves_the_context(void **state)
{
	const char *dir;
	char outside[PATH_MAX];

	(void)state;
	SETUP();
	snprintf(outside, sizeof(outside), "%s/outside-secret", mc_test_tmpdir());
	put(mc_test_tmpdir(), "outside-secret", "HOST SECRET\n");
	dir = context("escape");
	put(dir, "Dockerfile", "FROM busybox\nCOPY ../outside-secret /x\n");
	assert_int_not_equal(build(dir, "-t escape:1"), 0);
	expect("not found");
	assert_int_equal(mc_run_sh(LIMIT, out, sizeof(out),
	                           "cd '%s' && ln -s ../outside-secret rel && ln -s '%s' abs && "
	                           "mkdir d && ln -s '%s' d/inner && mkfifo fifo && "
	                           "mknod null c 1 3",
	                           dir, outside, outside),
	                 0);
	put(dir, "Dockerfile", "FROM busybox\nCOPY rel /x\n");
	assert_int_not_equal(build(dir, "-t escape:1"), 0);
	expect("not found");
	put(dir, "Dockerfile", "FROM busybox\nCOPY abs /x\n");
	assert_int_not_equal(build(dir, "-t escape:1"), 0);
	expect("not found");
	/* Inside a directory, a symlink is copied as a symlink - never followed; a FIFO and
	 * a device are made again, never read (which would block, or read the host's). */
	put(dir, "Dockerfile",
	    "FROM busybox\nCOPY . /all\n"
	    "RUN readlink /all/d/inner; test -p /all/fifo && echo fifo-ok; "
	    "test -c /all/null && echo dev-ok; cat /all/d/inner || true\n");
	if (build(dir, "-t escape:2") != 0)
		fail_msg("%s", out);
	expect(outside);
	expect("fifo-ok");
	expect("dev-ok");
	expect_not("HOST SECRET");
	MC_OK("rmi escape:2");
}

static int count_entries(const char *path)
{
	struct dirent *e;
	DIR *d = opendir(path);
	int n = 0;

	while (d != NULL && (e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	if (d != NULL)
		closedir(d);
	return n;
}

static void test_failing_run_reports_and_stores_nothing(void **state)
{
	char blobs[PATH_MAX * 2], tmp[PATH_MAX * 2];
	const char *dir;
	int before;

	(void)state;
	SETUP();
	snprintf(blobs, sizeof(blobs), "%s/images/blobs/sha256", state_root());
	snprintf(tmp, sizeof(tmp), "%s/images/tmp", state_root());
	dir = context("fail");
	put(dir, "Dockerfile",
	    "FROM busybox\n\nRUN echo about to fail && \\\n  exit 7\n"
	    "RUN echo never\n");
	before = count_entries(blobs);
	assert_int_equal(build(dir, "-t fail:1"), 1);
	expect("about to fail");
	expect("ERROR: failed to solve: process \"/bin/sh -c echo about to fail &&   exit 7\" did "
	       "not complete successfully: exit code: 7");
	expect("Dockerfile:3\n");
	expect("   3 | >>> RUN echo about to fail && \\\n");
	expect("   4 | >>>   exit 7\n");
	expect_not("] RUN echo never"); /* the next step never started */
	assert_int_equal(count_entries(blobs), before);
	assert_int_equal(count_entries(tmp), 0);
	assert_int_not_equal(mc("inspect fail:1"), 0);
	/* Quotes in the command are escaped, as Go's %q does (BuildKit's message). */
	put(dir, "Dockerfile", "FROM busybox\nRUN echo \"q\" && false\n");
	assert_int_equal(build(dir, "-t fail:1"), 1);
	expect("process \"/bin/sh -c echo \\\"q\\\" && false\" did not complete");
}

static void test_bad_dockerfiles_are_refused_with_their_line(void **state)
{
	static const struct {
		const char *text, *error;
	} cases[] = {
	    {"FROM busybox\nRUN true\nCOPY onlyone\n",
	     "Dockerfile:3: COPY requires at least two arguments"},
	    {"FROM busybox\nFOO bar\n", "Dockerfile:2: unknown instruction: FOO"},
	    {"FROM busybox\nENV X ${\n", "failed to process"},
	    {"FROM busybox\nARG V\nENV X=\"${V:?must be set}\"\n", "V: must be set"},
	    /* (a registry on 127.0.0.1's port 1: nothing listens, no traffic leaves the host) */
	    {"FROM 127.0.0.1:1/nosuchimage:1\n", "failed to resolve source metadata for "
	                                         "127.0.0.1:1/nosuchimage:1"},
	    {"FROM busybox\nRUN --mount=type=cache,target=/x true\n",
	     "RUN --mount is not supported yet"},
	    {"FROM busybox\nRUN [\"/nonexistent\"]\n", "/nonexistent"},
	    {"FROM --platform=linux/s390x busybox\n", "no emulation"},
	    {"FROM busybox\nADD http://127.0.0.1:1/f /f\n", "ADD http://127.0.0.1:1/f: "},
	    {"FROM busybox\nSTOPSIGNAL SIGNOPE\n", "Invalid signal: SIGNOPE"},
	    {"FROM busybox\nEXPOSE 99999\n", "Invalid containerPort: 99999"},
	};
	const char *dir;

	(void)state;
	SETUP();
	dir = context("bad");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		put(dir, "Dockerfile", cases[i].text);
		if (build(dir, "-t bad:1") != 1)
			fail_msg("accepted, or not exit status 1:\n%s\n%s", cases[i].text, out);
		expect(cases[i].error);
		expect("ERROR: failed to solve: ");
	}
	/* Usage errors are the tool's: 125. */
	assert_int_equal(mc("build --bogus ."), 125);
	assert_int_equal(mc("build -t 'Bad:Name' ."), 125);
	expect("invalid reference format");
}

/* SOURCE_DATE_EPOCH: two builds from scratch give the same layers - and the same image. */
static void test_builds_are_reproducible(void **state)
{
	char first[sizeof(out)];
	const char *dir;

	(void)state;
	SETUP();
	dir = context("repro");
	put(dir, "app/main.txt", "the same\n");
	put(dir, "Dockerfile",
	    "FROM busybox\nCOPY app /app\nRUN echo built > /app/built && mkdir -p "
	    "/var/cache/x\nWORKDIR /data\n");
	assert_int_equal(
	    build(dir, "--no-cache -t repro:1 --build-arg SOURCE_DATE_EPOCH=1700000000"), 0);
	MC_OK("inspect --format '{{.Id}} {{json .RootFS.Layers}}' repro:1");
	snprintf(first, sizeof(first), "%s", out);
	/* A second later, the files made again (a RUN's mtimes are "now"): the same bytes. */
	sleep(1);
	assert_int_equal(mc_run_sh(LIMIT, out, sizeof(out), "touch '%s/app/main.txt'", dir), 0);
	assert_int_equal(mc("build --progress plain --no-cache -t repro:2 '%s' </dev/null", dir),
	                 0);
	/* (Without the epoch the RUN's files carry today's times: a different layer.) */
	MC_OK("inspect --format '{{.Id}} {{json .RootFS.Layers}}' repro:2");
	assert_string_not_equal(out, first);
	assert_int_equal(
	    build(dir, "--no-cache -t repro:3 --build-arg SOURCE_DATE_EPOCH=1700000000"), 0);
	MC_OK("inspect --format '{{.Id}} {{json .RootFS.Layers}}' repro:3");
	assert_string_equal(out, first);
	MC_OK("rmi repro:1 repro:2 repro:3");
}

static void test_context_from_stdin(void **state)
{
	const char *dir;

	(void)state;
	SETUP();
	dir = context("stdin");
	put(dir, "hello.txt", "from a tar\n");
	put(dir, "Dockerfile", "FROM busybox\nCOPY hello.txt /h\n");
	/* A (compressed) tar on stdin is the context. */
	if (mc_run_sh(LIMIT, out, sizeof(out),
	              "tar -C '%s' -czf - . | '%s' build -q -t stdin:tar -", dir, mc_bin()) != 0)
		fail_msg("%s", out);
	MC_OK("run --rm stdin:tar cat /h");
	assert_string_equal(out, "from a tar\n");
	/* A Dockerfile on stdin: no context at all. */
	MC_OK("build -q -t stdin:df - <<'EOF'\nFROM busybox\nRUN echo no context > /n\nEOF");
	MC_OK("run --rm stdin:df cat /n");
	assert_string_equal(out, "no context\n");
	assert_int_equal(mc("build -q -t stdin:x - <<'EOF'\nFROM busybox\nCOPY x /x\nEOF"), 1);
	expect("not found");
	/* -f -: the Dockerfile on stdin, the context a directory. */
	MC_OK("build -q -t stdin:f -f - '%s' <<'EOF'\nFROM busybox\nCOPY hello.txt /g\nEOF", dir);
	MC_OK("run --rm stdin:f cat /g");
	assert_string_equal(out, "from a tar\n");
	MC_OK("rmi stdin:tar stdin:df stdin:f");
}

static void test_heredocs_in_builds(void **state)
{
	const char *dir;

	(void)state;
	SETUP();
	dir = context("heredoc");
	put(dir, "Dockerfile",
	    "FROM busybox\n"
	    "RUN <<EOF\n"
	    "echo from heredoc > /h1\n"
	    "echo second line >> /h1\n"
	    "EOF\n"
	    "RUN <<EOF\n"
	    "#!/bin/sh\n"
	    "echo \"script $0\" > /h2\n"
	    "EOF\n"
	    "ARG WHO=world\n"
	    "COPY <<EOF /greeting\n"
	    "hello \"$WHO\"\n"
	    "EOF\n"
	    "COPY <<'EOF' /raw\n"
	    "hello $WHO\n"
	    "EOF\n"
	    "RUN cat <<EOF > /h3\n"
	    "inline $WHO\n"
	    "EOF\n");
	if (build(dir, "-t heredoc:1") != 0)
		fail_msg("%s", out);
	MC_OK("run --rm heredoc:1 cat /h1 /h2 /greeting /raw /h3");
	assert_string_equal(out, "from heredoc\nsecond line\nscript /dev/pipes/EOF\n"
	                         "hello \"world\"\nhello $WHO\ninline world\n");
	MC_OK("rmi heredoc:1");
}

static void test_add_unpacks_archives_and_fetches_urls(void **state)
{
	char sum[80], text[512];
	const char *dir;
	struct bld_result res;
	struct mc_error err;

	(void)state;
	SETUP();
	dir = context("add");
	put(dir, "src/one", "one\n");
	put(dir, "src/.wh.kept", "a plain file in a tarball\n");
	put(dir, "plain.txt", "plain\n");
	assert_int_equal(
	    mc_run_sh(LIMIT, out, sizeof(out),
	              "cd '%s' && tar -czf a.tar.gz -C src . && tar -cJf b.tar.xz -C src "
	              ". && rm -r src",
	              dir),
	    0);
	put(dir, "Dockerfile",
	    "FROM busybox\nADD a.tar.gz /gz/\nADD b.tar.xz /xz\n"
	    "ADD plain.txt /p\n");
	if (build(dir, "-t add:1") != 0)
		fail_msg("%s", out);
	MC_OK("run --rm add:1 sh -c 'cat /gz/one /xz/.wh.kept /p'");
	assert_string_equal(out, "one\na plain file in a tarball\nplain\n");
	/* A URL goes through the fetch function (the registry client's HTTP); --checksum holds. */
	img_digest_buffer("payload\n", 8, sum);
	snprintf(text, sizeof(text),
	         "FROM busybox\nADD --checksum=%s http://example.invalid/dir/file.bin?x=1 /dl/\n",
	         sum);
	put(dir, "Dockerfile", text);
	if (build_here(dir, "add:2", "payload\n", &res, &err) < 0)
		fail_msg("%s", err.msg);
	MC_OK("run --rm add:2 stat -c '%%a %%s %%n' /dl/file.bin");
	assert_string_equal(out, "600 8 /dl/file.bin\n");
	assert_int_equal(build_here(dir, "add:3", "tampered\n", &res, &err), -1);
	assert_non_null(strstr(err.msg, "digest mismatch"));
	MC_OK("rmi add:1 add:2");
}

/* The same through `minicontainer build`: chapter 04's HTTP fetches the URL itself. */
static void test_add_url_through_the_registry_client(void **state)
{
	char text[512], sum[80], www[PATH_MAX + 8];
	const char *dir;
	pid_t server;
	int port, rc;

	(void)state;
	SETUP();
	dir = context("addurl");
	put(dir, "www/file.bin", "served over http\n");
	img_digest_buffer("served over http\n", 17, sum);
	snprintf(www, sizeof(www), "%s/www", dir);
	server = mc_start_http_server(www, &port);
	snprintf(text, sizeof(text),
	         "FROM busybox\nADD --checksum=%s http://127.0.0.1:%d/file.bin /dl/\n"
	         "ADD http://127.0.0.1:%d/missing /m\n",
	         sum, port, port);
	put(dir, "Dockerfile", text);
	rc = build(dir, "-t addurl:1");
	/* (a missing file: the server's 404, as the build's error) */
	if (rc != 1 || strstr(out, "the server answered 404") == NULL)
		fail_msg("ADD of a missing URL: exit %d\n%s", rc, out);
	snprintf(text, sizeof(text),
	         "FROM busybox\nADD --checksum=%s http://127.0.0.1:%d/file.bin /dl/\n", sum, port);
	put(dir, "Dockerfile", text);
	rc = build(dir, "-t addurl:1");
	kill(server, SIGTERM);
	waitpid(server, NULL, 0);
	if (rc != 0)
		fail_msg("ADD of a URL: exit %d\n%s", rc, out);
	MC_OK("run --rm addurl:1 cat /dl/file.bin");
	assert_string_equal(out, "served over http\n");
	MC_OK("rmi addurl:1");
}

static void test_onbuild_triggers_run_in_the_next_build(void **state)
{
	const char *dir;

	(void)state;
	SETUP();
	dir = context("onbuild");
	put(dir, "Dockerfile",
	    "FROM busybox\nONBUILD COPY a.txt /from-child\n"
	    "ONBUILD RUN echo triggered > /t\n");
	assert_int_equal(build(dir, "-t onbuild:base"), 0);
	MC_OK("inspect --format '{{json .Config.OnBuild}}' onbuild:base");
	expect("[\"COPY a.txt /from-child\",\"RUN echo triggered > /t\"]");
	put(dir, "a.txt", "child's file\n");
	put(dir, "Dockerfile", "FROM onbuild:base\nRUN cat /t /from-child\n");
	assert_int_equal(build(dir, "-t onbuild:child"), 0);
	expect("triggered");
	expect("child's file");
	/* Triggers fire once: the child image has none of its own. */
	MC_OK("inspect --format '{{json .Config.OnBuild}}' onbuild:child");
	expect("null");
	MC_OK("rmi onbuild:base onbuild:child");
}

static void test_metadata_goes_into_config_and_history(void **state)
{
	struct img_store st;
	struct img_image img;
	struct mc_error err;
	json_t *doc, *cfg, *history;
	const char *dir;

	(void)state;
	SETUP();
	dir = context("meta");
	put(dir, "Dockerfile",
	    "FROM busybox\nLABEL org.example=\"yes it is\"\nENV A=1 B=\"two\"\n"
	    "EXPOSE 8080/udp\nVOLUME /data\nUSER nobody\nSTOPSIGNAL SIGINT\n"
	    "HEALTHCHECK --interval=30s CMD true\nSHELL [\"/bin/sh\", \"-ec\"]\n"
	    "WORKDIR /srv\nMAINTAINER someone\n");
	assert_int_equal(build(dir, "-t meta:1 --label extra=1"), 0);
	assert_int_equal(img_store_open(&st, NULL, &err), 0);
	assert_int_equal(img_store_find(&st, "meta:1", &img, &err), 0);
	doc = json_loads(img.config_json, 0, NULL);
	cfg = json_object_get(doc, "config");
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(cfg, "Labels"), "org.example")),
	    "yes it is");
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(cfg, "Labels"), "extra")), "1");
	assert_string_equal(json_string_value(json_array_get(json_object_get(cfg, "Env"), 2)),
	                    "B=two");
	assert_non_null(json_object_get(json_object_get(cfg, "ExposedPorts"), "8080/udp"));
	assert_non_null(json_object_get(json_object_get(cfg, "Volumes"), "/data"));
	assert_string_equal(json_string_value(json_object_get(cfg, "User")), "nobody");
	assert_string_equal(json_string_value(json_object_get(cfg, "StopSignal")), "SIGINT");
	assert_string_equal(json_string_value(json_object_get(cfg, "WorkingDir")), "/srv");
	assert_string_equal(json_string_value(json_object_get(doc, "author")), "someone");
	assert_int_equal(
	    json_integer_value(json_object_get(json_object_get(cfg, "Healthcheck"), "Interval")),
	    30000000000LL);
	/* History: one entry per instruction; only the WORKDIR made a layer (/srv). */
	history = json_object_get(doc, "history");
	assert_int_equal(img.nlayer, 2);
	for (size_t i = 1; i < json_array_size(history); i++) {
		json_t *h = json_array_get(history, i);
		const char *by = json_string_value(json_object_get(h, "created_by"));
		bool empty = json_is_true(json_object_get(h, "empty_layer"));

		assert_string_equal(json_string_value(json_object_get(h, "comment")),
		                    "buildkit.dockerfile.v0");
		if (empty == (strncmp(by, "WORKDIR", 7) == 0))
			fail_msg("history entry \"%s\": empty_layer %d", by, empty);
	}
	assert_int_equal(json_array_size(history), 11); /* the base's one, and ten */
	json_decref(doc);
	img_image_free(&img);
	img_store_close(&st);
	MC_OK("rmi meta:1");
}

static void test_commit_a_running_container(void **state)
{
	char id[80], upper[PATH_MAX * 2];
	const char *dir;

	(void)state;
	SETUP();
	dir = context("commit");
	(void)dir;
	MC_OK("create --name committed-box busybox sh -c 'echo data > /committed; sleep 60'");
	snprintf(id, sizeof(id), "%.64s", out);
	MC_OK("start committed-box");
	snprintf(upper, sizeof(upper), "%s/containers/%s/upper/committed", state_root(), id);
	for (int i = 0; i < 100 && access(upper, F_OK) != 0; i++)
		usleep(50000);
	assert_int_equal(access(upper, F_OK), 0);
	MC_OK("commit -m 'a message' -a tester -c 'CMD [\"cat\", \"/committed\"]' "
	      "-c 'ENV FROM_COMMIT=yes' committed-box committed:1");
	assert_true(strncmp(out, "sha256:", 7) == 0);
	/* Frozen for the commit only: it runs on. */
	MC_OK("inspect --format '{{.State.Status}}' committed-box");
	assert_string_equal(out, "running\n");
	MC_OK("run --rm committed:1");
	assert_string_equal(out, "data\n");
	MC_OK("run --rm committed:1 sh -c 'echo $FROM_COMMIT'");
	assert_string_equal(out, "yes\n");
	MC_OK("history --no-trunc committed:1");
	expect("a message");
	expect("sh -c echo data > /committed; sleep 60");
	MC_OK("rm -f committed-box");
	/* An exited container commits too; a bad --change is refused. */
	MC_OK("run --name exited-box busybox sh -c 'echo more > /more'");
	assert_int_not_equal(mc("commit -c 'RUN true' exited-box committed:2"), 0);
	expect("RUN is not a valid change command");
	MC_OK("commit exited-box committed:2 && '%s' run --rm committed:2 cat /more", mc_bin());
	expect("more");
	MC_OK("rm exited-box && '%s' rmi committed:1 committed:2", mc_bin());
}

static void test_progress_on_a_terminal(void **state)
{
	const char *dir;

	(void)state;
	SETUP();
	dir = context("tty");
	put(dir, "Dockerfile", "FROM busybox\nRUN echo building now\nRUN echo second\n");
	MC_OK("build --progress tty --no-cache -t tty:1 '%s'", dir);
	expect("[+] Building");
	expect(" => [2/3] RUN echo building now");
	expect("FINISHED");
	expect("\033["); /* the step's output, shown while it ran, rewound when it ended */
	MC_OK("build --progress tty -t tty:1 '%s'", dir);
	expect(" => CACHED [3/3] RUN echo second");
	MC_OK("rmi tty:1");
}

/* What a RUN sees: ARG and ENV as its environment, WORKDIR, USER, its network; proxies. */
static void test_run_sees_its_environment_user_and_network(void **state)
{
	char iid[PATH_MAX], id[128], list[4096];
	const char *dir;
	FILE *f;

	(void)state;
	SETUP();
	dir = context("runenv");
	put(dir, "Dockerfile",
	    "FROM busybox\nARG A=from-arg\nENV E=from-env\nWORKDIR /wd\n"
	    "USER nobody\n"
	    "RUN echo \"seen: $A $E $(pwd) $(id -u):$(id -g) proxy=$HTTP_PROXY\"\n"
	    "RUN echo \"interfaces: $(tail -n +3 /proc/net/dev | wc -l)\"; "
	    "ip -4 -o addr show eth0; ip route; "
	    "grep -v '^#' /etc/resolv.conf | grep nameserver\n"
	    "RUN --network=none echo \"none: $(tail -n +3 /proc/net/dev | wc -l)\"\n"
	    "RUN --network=host echo \"host: $(tail -n +3 /proc/net/dev | wc -l)\"\n");
	snprintf(iid, sizeof(iid), "%s/iid", mc_test_tmpdir());
	assert_int_equal(mc("build --progress plain -t runenv:1 --build-arg HTTP_PROXY=http://p:3 "
	                    "--iidfile '%s' '%s' </dev/null",
	                    iid, dir),
	                 0);
	expect("seen: from-arg from-env /wd 65534:65534 proxy=http://p:3\n");
	/* RUN's default network, as docker build's: the default bridge (chapter 05) - lo and
	 * eth0, an address of the bridge's subnet, the default route through its gateway,
	 * and nameservers it can reach (none on the host's loopback). */
	expect("interfaces: 2\n");
	expect(" eth0 ");
	expect("inet 10.213.0.");
	expect("default via 10.213.0.1 dev eth0");
	expect("nameserver ");
	expect_not("nameserver 127.");
	/* --network=none: loopback only; host: this program's namespace (lo, mc0, a veth). */
	expect("none: 1\n");
	expect_not("host: 1\n");
	/* The RUNs left the network: no address held, no endpoint left. */
	MC_OK("network inspect -f '{{json .Containers}}' bridge");
	expect("{}");
	/* Nothing of the build's own /etc files is left in a layer (busybox has neither). */
	top_layer_entries("runenv:1", list, sizeof(list));
	if (strstr(list, "etc") != NULL)
		fail_msg("the RUN's layer has /etc in it:\n%s", list);
	/* The proxy variable is seen, but neither recorded nor part of the cache key. */
	MC_OK("history --no-trunc runenv:1");
	expect_not("p:3");
	assert_int_equal(mc("build --progress plain -t runenv:1 --build-arg HTTP_PROXY=http://q:4 "
	                    "'%s' </dev/null",
	                    dir),
	                 0);
	assert_string_equal(steps_of(out), "CCCCC");
	/* --iidfile has the image's ID. */
	f = fopen(iid, "r");
	assert_non_null(f);
	assert_non_null(fgets(id, sizeof(id), f));
	fclose(f);
	MC_OK("inspect --format '{{.Id}}' runenv:1");
	out[strcspn(out, "\n")] = '\0';
	assert_string_equal(id, out);
	MC_OK("rmi runenv:1");
}

/* build/bin/ch06-build, next to the minicontainer under test. */
static const char *demo_bin(void)
{
	static char path[PATH_MAX];
	const char *slash = strrchr(mc_bin(), '/');

	snprintf(path, sizeof(path), "%.*sch06-build", slash ? (int)(slash - mc_bin() + 1) : 0,
	         mc_bin());
	return path;
}

/* The chapter's demo: the same builder, plain output, the image ID on stdout. */
static void test_demo_builds(void **state)
{
	const char *dir;

	(void)state;
	SETUP();
	dir = context("demo");
	put(dir, "Dockerfile", "FROM busybox\nRUN echo from the demo > /d\n");
	assert_int_equal(mc_run_sh(LIMIT, out, sizeof(out), "'%s' -t demo:1 '%s'", demo_bin(), dir),
	                 0);
	expect("#4 [2/2] RUN echo from the demo > /d");
	expect("\nsha256:");
	MC_OK("run --rm demo:1 cat /d");
	assert_string_equal(out, "from the demo\n");
	assert_int_equal(
	    mc_run_sh(LIMIT, out, sizeof(out), "'%s' --print-ast '%s'", demo_bin(), dir), 0);
	assert_string_equal(out, "(from \"busybox\")\n(run \"echo from the demo > /d\")\n");
	MC_OK("rmi demo:1");
}

static void test_print_ast(void **state)
{
	const char *dir;

	(void)state;
	state_root();
	dir = context("ast");
	put(dir, "Dockerfile",
	    "# syntax=docker/dockerfile:1\nFROM busybox AS b\n"
	    "COPY --from=x [\"a\", \"b\"]\nENV k=v\n");
	MC_OK("build --print-ast '%s'", dir);
	assert_string_equal(out,
	                    "(from \"busybox\" \"AS\" \"b\")\n(copy [\"--from=x\"] \"a\" \"b\")\n"
	                    "(env \"k\" \"v\")\n");
}

const struct CMUnitTest ch06_builds_tests[] = {
    cmocka_unit_test(test_deleted_lower_file_is_hidden_in_the_image),
    cmocka_unit_test(test_entrypoint_cmd_table_executed),
    cmocka_unit_test(test_cache_keeps_steps_when_only_mtimes_change),
    cmocka_unit_test(test_cache_misses_from_a_changed_step_on),
    cmocka_unit_test(test_cache_build_arg_misses_at_first_use),
    cmocka_unit_test(test_cache_survives_rmi_and_builder_prune_clears_it),
    cmocka_unit_test(test_multistage_copy_from_and_target),
    cmocka_unit_test(test_dockerignore_hides_files_from_copy),
    cmocka_unit_test(test_copy_follows_dockers_rules),
    cmocka_unit_test(test_copy_never_leaves_the_context),
    cmocka_unit_test(test_failing_run_reports_and_stores_nothing),
    cmocka_unit_test(test_bad_dockerfiles_are_refused_with_their_line),
    cmocka_unit_test(test_builds_are_reproducible),
    cmocka_unit_test(test_context_from_stdin),
    cmocka_unit_test(test_heredocs_in_builds),
    cmocka_unit_test(test_add_unpacks_archives_and_fetches_urls),
    cmocka_unit_test(test_add_url_through_the_registry_client),
    cmocka_unit_test(test_onbuild_triggers_run_in_the_next_build),
    cmocka_unit_test(test_metadata_goes_into_config_and_history),
    cmocka_unit_test(test_commit_a_running_container),
    cmocka_unit_test(test_progress_on_a_terminal),
    cmocka_unit_test(test_print_ast),
    cmocka_unit_test(test_run_sees_its_environment_user_and_network),
    cmocka_unit_test(test_demo_builds),
};
const size_t ch06_builds_test_count = sizeof(ch06_builds_tests) / sizeof(ch06_builds_tests[0]);
