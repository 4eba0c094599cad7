/*
 * ch06_peers.c - chapter 06's images, read by other tools: podman loads and
 * runs one (whiteouts, entrypoint and all), skopeo inspects it, umoci
 * unpacks it - with gzip layers, and skopeo with zstd ones.  The peers run
 * in a mount namespace of their own with empty /run, /var/lib and /var/tmp,
 * their storage in this program's temporary directory (--root, --runroot):
 * nothing of theirs lands on the host.
 */
#define _GNU_SOURCE
#include "harness.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mc_file.h"

#define LIMIT 300

static char out[65536];

/* minicontainer, as an absolute path: the commands below change directory. */
static const char *bin(void)
{
	static char path[PATH_MAX];
	const char *b = getenv("MC_TEST_BIN");

	if (path[0] == '\0' &&
	    realpath(b != NULL && b[0] != '\0' ? b : "build/bin/minicontainer", path) == NULL)
		fail_msg("no minicontainer binary: make");
	return path;
}

/* A path in the temporary directory: one of eight buffers in turn (copy it to keep it). */
static const char *tmp_path(const char *name)
{
	static char paths[8][PATH_MAX];
	static int next;
	char *p = paths[next++ % 8];

	snprintf(p, PATH_MAX, "%s/%s", mc_test_tmpdir(), name);
	return p;
}

/* A shell command line, as root in the test's state (MC_ROOT, MC_RUNDIR under the temp dir). */
static int sh(const char *line)
{
	char root[PATH_MAX], run[PATH_MAX];

	snprintf(root, sizeof(root), "%s/peer-root", mc_test_tmpdir());
	snprintf(run, sizeof(run), "%s/peer-run", mc_test_tmpdir());
	setenv("MC_ROOT", root, 1);
	setenv("MC_RUNDIR", run, 1);
	return mc_run_sh(LIMIT, out, sizeof(out), "%s", line);
}

/* The same, for a peer tool: private mounts, empty state directories, HOME in our temp dir. */
static int peer(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int peer(const char *fmt, ...)
{
	char line[8192], wrapped[10000];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	snprintf(wrapped, sizeof(wrapped),
	         "mkdir -p '%s' '%s' && unshare --mount --propagation private sh -c '"
	         "for d in /run /var/lib /var/tmp; do mount -t tmpfs mc-peer $d || exit 125; done; "
	         "export HOME=%s TMPDIR=%s; %s'",
	         tmp_path("peer-home"), tmp_path("peer-tmp"), tmp_path("peer-home"),
	         tmp_path("peer-tmp"), line);
	return sh(wrapped);
}

static bool have(const char *tool)
{
	char line[256];

	snprintf(line, sizeof(line), "command -v %s", tool);
	return sh(line) == 0;
}

#define NEED(tool)                                                                                 \
	do {                                                                                       \
		if (!have(tool))                                                                   \
			MC_SKIP("needs " tool ": make deps");                                      \
	} while (0)

/* Build a small image with three layers - a file, a deletion, a replaced directory. */
static void build_image(const char *tag, const char *flags)
{
	char line[8192], *dir = strdup(tmp_path("peer-ctx"));
	struct mc_error err;

	if (mc_test_rootfs() == NULL)
		fail_msg("no test root filesystem: run make rootfs");
	mc_remove_tree(dir, &err);
	assert_int_equal(mc_mkdir_p(dir, 0755, &err), 0);
	snprintf(
	    line, sizeof(line),
	    "cd '%s' && echo peer-file > f.txt && printf '%%s\\n' 'FROM busybox' "
	    "'COPY f.txt /srv/f.txt' 'RUN rm /bin/vi && rm -rf /home && mkdir /home && touch "
	    "/home/only' 'ENTRYPOINT [\"/bin/sh\", \"-c\"]' 'CMD [\"cat /srv/f.txt; ls /home; "
	    "ls /bin/vi || echo vi-gone\"]' > Dockerfile && "
	    "('%s' inspect busybox >/dev/null 2>&1 || tar -C '%s' --exclude=./.complete -c . | "
	    "'%s' import --change 'CMD [\"sh\"]' - busybox) && '%s' build -q %s -t %s .",
	    dir, bin(), mc_test_rootfs(), bin(), bin(), flags, tag);
	if (sh(line) != 0)
		fail_msg("build: %s", out);
	free(dir);
}

static void expect_output(const char *needle)
{
	if (strstr(out, needle) == NULL)
		fail_msg("expected \"%s\" in:\n%s", needle, out);
}

static void test_built_image_runs_in_podman(void **state)
{
	char tar[PATH_MAX], store[PATH_MAX], cgroup[64], line[PATH_MAX * 3], result[sizeof(out)];
	int rc;

	(void)state;
	snprintf(tar, sizeof(tar), "%s", tmp_path("peer-podman.tar"));
	snprintf(store, sizeof(store), "%s", tmp_path("peer-podman"));
	MC_REQUIRE_ROOT();
	NEED("podman");
	NEED("runc");
	build_image("peer:podman", "");
	snprintf(line, sizeof(line), "'%s' save -o '%s' peer:podman", bin(), tar);
	assert_int_equal(sh(line), 0);
	/* runc (crun refuses hybrid cgroups); a cgroup parent of our own, removed afterwards;
	 * ulimits under root's hard limits (it lacks CAP_SYS_RESOURCE here). */
	snprintf(cgroup, sizeof(cgroup), "mc-test-ch06-%d", (int)getpid());
	rc = peer("P=\"podman --root %s/root --runroot %s/runroot --storage-driver vfs "
	          "--cgroup-manager cgroupfs --events-backend file --runtime runc\"; "
	          "$P load -q -i %s && $P run --rm --network none --ulimit nofile=1024:1024 "
	          "--ulimit nproc=1024:1024 --cgroup-parent /%s peer:podman; "
	          "s=$?; $P system reset -f >/dev/null 2>&1; exit $s",
	          store, store, tar, cgroup);
	memcpy(result, out, sizeof(out));
	snprintf(line, sizeof(line),
	         "for d in /sys/fs/cgroup/*/%s; do [ -d \"$d\" ] && find \"$d\" -depth -type d "
	         "-exec rmdir {} \\; ; done; rm -rf --one-file-system '%s'; true",
	         cgroup, store);
	sh(line);
	memcpy(out, result, sizeof(out));
	if (rc != 0)
		fail_msg("podman: %s", out);
	/* Its ENTRYPOINT and CMD, its layers, its whiteouts: all as we wrote them. */
	expect_output("peer-file\nonly\n");
	expect_output("vi-gone");
	snprintf(line, sizeof(line), "'%s' rmi peer:podman", bin());
	assert_int_equal(sh(line), 0);
}

static void test_built_image_passes_skopeo_and_umoci(void **state)
{
	char layout[PATH_MAX], bundle[PATH_MAX], line[PATH_MAX * 5];

	(void)state;
	snprintf(layout, sizeof(layout), "%s", tmp_path("peer-layout"));
	snprintf(bundle, sizeof(bundle), "%s", tmp_path("peer-bundle"));
	MC_REQUIRE_ROOT();
	NEED("skopeo");
	NEED("umoci");
	build_image("peer:oci", "");
	snprintf(line, sizeof(line),
	         "rm -rf '%s' '%s' && '%s' save --format oci-dir -o '%s' peer:oci", layout, bundle,
	         bin(), layout);
	assert_int_equal(sh(line), 0);
	if (peer("skopeo inspect oci:%s:oci", layout) != 0)
		fail_msg("skopeo inspect: %s", out);
	expect_output("\"Os\": \"linux\"");
	if (peer("skopeo inspect --raw oci:%s:oci", layout) != 0)
		fail_msg("skopeo inspect --raw: %s", out);
	expect_output("application/vnd.oci.image.layer.v1.tar+gzip");
	if (peer(
	        "umoci unpack --image %s:oci %s && cat %s/rootfs/srv/f.txt && ls %s/rootfs/home && "
	        "(ls %s/rootfs/bin/vi 2>/dev/null || echo vi-gone)",
	        layout, bundle, bundle, bundle, bundle) != 0)
		fail_msg("umoci unpack: %s", out);
	expect_output("peer-file\nonly\nvi-gone\n");
	/* zstd layers (--compression zstd): skopeo reads them too. */
	build_image("peer:zstd", "--compression zstd");
	snprintf(line, sizeof(line), "rm -rf '%s' && '%s' save --format oci-dir -o '%s' peer:zstd",
	         layout, bin(), layout);
	assert_int_equal(sh(line), 0);
	if (peer("skopeo inspect --raw oci:%s:zstd", layout) != 0)
		fail_msg("skopeo inspect: %s", out);
	expect_output("application/vnd.oci.image.layer.v1.tar+zstd");
	snprintf(line, sizeof(line), "rm -rf '%s' '%s'; '%s' rmi peer:oci peer:zstd", layout,
	         bundle, bin());
	assert_int_equal(sh(line), 0);
}

const struct CMUnitTest ch06_peers_tests[] = {
    cmocka_unit_test(test_built_image_runs_in_podman),
    cmocka_unit_test(test_built_image_passes_skopeo_and_umoci),
};
const size_t ch06_peers_test_count = sizeof(ch06_peers_tests) / sizeof(ch06_peers_tests[0]);
