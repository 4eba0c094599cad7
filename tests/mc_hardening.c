/*
 * mc_hardening.c - a default container keeps the host out of its reach
 * (issue "safe by default"): descriptors, the working directory, /proc and
 * /sys, images whose system directories are symlinks, the host's binary, and
 * an image's NSS modules.  Each attack is tried for real from inside a
 * container; where the attack's success would not show on its own, a control
 * run proves that the test can see it.
 */
#define _GNU_SOURCE
#include "mc_test.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- helpers ---------------------------------------------------------------------------- */

/* Compile C source text into `out` with extra cc flags. */
static void compile(const char *source, const char *out, const char *flags)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s.c", out);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(source, f);
	fclose(f);
	sh("cc %s -o '%s' '%s' 2>&1", flags, out, path);
}

/* A host file to watch: created with known content, compared at the end. */
static void make_canary(const char *path)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs("canary: the host's own file\n", f);
	fclose(f);
}

static void expect_canary(const char *path)
{
	char text[256];

	read_text(path, text, sizeof(text));
	if (strcmp(text, "canary: the host's own file\n") != 0)
		fail_msg("%s changed: \"%s\"", path, text);
}

/* ---- 1. descriptors and the working directory --------------------------------------------- */

static void test_no_descriptor_reaches_the_container(void **state)
{
	char out[16384], value[64], marker[PATH_MAX];

	(void)state;
	MC_REQUIRE_ROOT();
	MC_REQUIRE_IMAGES();
	/* The caller holds 3..20 open (inherited by minicontainer), on the host's "/" and a file. */
	for (int fd = 3; fd <= 20; fd++) {
		int opened = open(fd % 2 ? "/" : "/etc/hostname", O_RDONLY);

		assert_true(opened >= 0);
		if (opened != fd) {
			assert_int_equal(dup2(opened, fd), fd);
			close(opened);
		}
	}
	expect_status(mc(out, sizeof(out), "run --rm busybox /probe fds"), 0,
	              "run with 18 descriptors open", out);
	if (strcmp(probe_value(out, "fd_count", value, sizeof(value)), "3") != 0)
		fail_msg("fd_count=%s, expected 3: only stdin, stdout and stderr may reach the "
		         "container:\n%s",
		         value, out);

	/* --preserve-fds 2: exactly 3 and 4 go in (runc's option). */
	expect_status(mc(out, sizeof(out), "run --rm --preserve-fds 2 busybox /probe fds"), 0,
	              "run --preserve-fds 2", out);
	if (strcmp(probe_value(out, "fd_count", value, sizeof(value)), "5") != 0 ||
	    !has_line(out, "fd=3 ", false) || !has_line(out, "fd=4 ", false))
		fail_msg("--preserve-fds 2: expected fds 0-4 and no more:\n%s", out);

	/*
	 * CVE-2024-21626: -w /proc/self/fd/N, with N the caller's descriptor of
	 * the host's "/".  Refused, or inside: a host file must not be reachable
	 * through a relative path from the working directory.
	 */
	snprintf(marker, sizeof(marker), "%s/host-marker", mc_test_tmpdir());
	make_canary(marker);
	for (int fd = 3; fd <= 20; fd++) {
		int status =
		    mc(out, sizeof(out), "run --rm -w /proc/self/fd/%d busybox /probe exists '%s'",
		       fd, marker + 1);

		if (status != 125 && !(status == 0 && has_line(out, "exists=0", true)))
			fail_msg("-w /proc/self/fd/%d: exit %d; a host file is reachable from the "
			         "working directory:\n%s",
			         fd, status, out);
	}
	for (int fd = 3; fd <= 20; fd++)
		close(fd);
}

/* ---- 2. /proc and /sys ----------------------------------------------------------------------- */

static void test_system_paths_masked_and_read_only(void **state)
{
	char out[16384], value[256];

	(void)state;
	MC_REQUIRE_ROOT();
	MC_REQUIRE_IMAGES();
	/* Open only, never write: a wrong result must not change the host. */
	expect_status(mc(out, sizeof(out),
	                 "run --rm busybox sh -c '/probe read-size /proc/keys; "
	                 "/probe open-write /proc/sys/kernel/core_pattern; "
	                 "/probe open-write /proc/sysrq-trigger; /probe mounts'"),
	              0, "default run", out);
	if (!has_line(out, "bytes=0", true))
		fail_msg("/proc/keys shows the host's keys:\n%s", out);
	if (!mc_kv(out, "open_write", 0, value, sizeof(value)) || strcmp(value, "EROFS") != 0)
		fail_msg("/proc/sys/kernel/core_pattern opens for writing (%s): a |program there "
		         "runs as root on the host",
		         value);
	/* (Kernels without CONFIG_MAGIC_SYSRQ have no sysrq-trigger to protect.) */
	if (!mc_kv(out, "open_write", 1, value, sizeof(value)) ||
	    (strcmp(value, "EROFS") != 0 &&
	     !(strcmp(value, "ENOENT") == 0 && access("/proc/sysrq-trigger", F_OK) < 0)))
		fail_msg("/proc/sysrq-trigger opens for writing (%s)", value);
	for (int i = 0; mc_kv(out, "mount", i, value, sizeof(value)); i++)
		if (strncmp(value, "/sys sysfs ", 11) == 0 && strstr(value, " ro,") == NULL &&
		    strstr(value, " ro") == NULL)
			fail_msg("/sys is not read-only: %s", value);
	if (access("/proc/kcore", F_OK) == 0) {
		expect_status(mc(out, sizeof(out), "run --rm busybox /probe read-size /proc/kcore"),
		              0, "read /proc/kcore", out);
		expect_text(out, "bytes=0", "/proc/kcore is masked");
	}

	/* The control: --privileged leaves them as they are (opened, never written). */
	expect_status(mc(out, sizeof(out),
	                 "run --rm --privileged busybox sh -c "
	                 "'/probe open-write /proc/sys/kernel/core_pattern; /probe read-size "
	                 "/proc/keys'"),
	              0, "--privileged", out);
	expect_text(out, "open_write=ok", "--privileged: /proc/sys writable");
}

/* ---- 3. images whose system directories are symlinks ------------------------------------------ */

static void test_symlinked_system_paths_stay_inside(void **state)
{
	static const struct {
		const char *name, *changes, *run;
		int status; /* 125: refused; 0: ran, inside */
	} cases[] = {
	    {"proc-abs", "rm -rf proc && ln -s /etc proc", "/probe pid", 125},
	    {"proc-rel", "rm -rf proc && ln -s ../../../../../../../etc proc", "/probe pid", 125},
	    {"dev-abs", "rm -rf dev && ln -s /tmp dev", "/probe pid", 125},
	    {"sys-dotdot", "rm -rf sys && ln -s ../../../../../.. sys", "/probe pid", 125},
	    /* CANARY: the host canary's absolute path without its first "/". */
	    {"hosts-rel", "ln -sfn ../../../../../../../CANARY etc/hosts", "cat /etc/hosts", 0},
	    {"hosts-abs", "ln -sfn /CANARY etc/hosts", "cat /etc/hosts", 0},
	};
	char out[16384], canary[PATH_MAX], changes[2 * PATH_MAX], *at;
	int mounts_before = mc_mountinfo_count(NULL);

	(void)state;
	MC_REQUIRE_ROOT();
	MC_REQUIRE_IMAGES();
	snprintf(canary, sizeof(canary), "%s/canary", mc_test_tmpdir());
	make_canary(canary);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int status;

		snprintf(changes, sizeof(changes), "%s", cases[i].changes);
		at = strstr(changes, "CANARY");
		if (at != NULL)
			snprintf(at, sizeof(changes) - (size_t)(at - changes), "%s%s", canary + 1,
			         strstr(cases[i].changes, "CANARY") + 6);
		import_variant(cases[i].name, changes);
		status = mc(out, sizeof(out), "run --rm %s:latest %s", cases[i].name, cases[i].run);
		if (status != cases[i].status)
			fail_msg("%s: exit %d, expected %d:\n%s", cases[i].name, status,
			         cases[i].status, out);
		expect_canary(canary);
		if (mc_mountinfo_count(NULL) != mounts_before)
			fail_msg("%s: the host's mount table changed", cases[i].name);
	}

	/* A volume whose target is a symlink out of the image lands inside it. */
	{
		char dir[PATH_MAX / 4], source[PATH_MAX / 4], path[PATH_MAX];

		snprintf(dir, sizeof(dir), "%s/outside-dir", mc_test_tmpdir());
		snprintf(source, sizeof(source), "%s/volume-source", mc_test_tmpdir());
		sh("mkdir -p '%s' '%s'", dir, source);
		snprintf(changes, sizeof(changes),
		         "ln -sfn '%s' link && ln -sfn ../../../../..%s rel", dir, dir);
		import_variant("volume-link", changes);
		expect_status(mc(out, sizeof(out),
		                 "run --rm -v '%s:/link' -v '%s:/rel' volume-link:latest sh -c "
		                 "'echo x > /link/written && echo y > /rel/written2'",
		                 source, source),
		              0, "volume on a symlink", out);
		snprintf(path, sizeof(path), "%s/written", dir);
		if (access(path, F_OK) == 0)
			fail_msg("the volume was mounted on the host's %s", dir);
		snprintf(path, sizeof(path), "%s/written", source);
		if (access(path, F_OK) != 0)
			fail_msg("the volume did not receive the write (%s)", path);
		if (mc_mountinfo_count(NULL) != mounts_before)
			fail_msg("volume-link: the host's mount table changed");
	}
}

/* ---- 4. the host's binary (CVE-2019-5736) ------------------------------------------------------- */

/*
 * Runs inside the container in the process that exec'd /bin/sh, which the
 * image made a symlink to /proc/self/exe - so that process runs the file
 * that exec'd it: minicontainer.  It reports what that file is.
 */
static const char payload[] =
    "#include <errno.h>\n#include <fcntl.h>\n#include <stdio.h>\n#include <string.h>\n"
    "#include <sys/stat.h>\n#include <unistd.h>\n"
    "__attribute__((constructor)) static void payload(void)\n{\n"
    "\tchar link[512] = \"\";\n\tstruct stat st;\n\tint w;\n"
    "\tif (stat(\"/proc/self/exe\", &st) < 0) _exit(3);\n"
    "\tif (readlink(\"/proc/self/exe\", link, sizeof(link) - 1) < 0) _exit(4);\n"
    "\tw = open(\"/proc/self/exe\", O_WRONLY);\n"
    "\tprintf(\"exe_dev=%lu\\nexe_ino=%lu\\nexe_link=%s\\nexe_write=%s\\n\",\n"
    "\t       (unsigned long)st.st_dev, (unsigned long)st.st_ino, link,\n"
    "\t       w >= 0 ? \"ok\" : strerror(errno));\n"
    "\tfflush(stdout);\n\t_exit(0);\n}\n";

static void expect_sealed_copy(const char *out, const struct stat *host, const char *what)
{
	char dev[64], ino[64], link[512];

	if (!mc_kv(out, "exe_ino", 0, ino, sizeof(ino)) ||
	    !mc_kv(out, "exe_dev", 0, dev, sizeof(dev)) ||
	    !mc_kv(out, "exe_link", 0, link, sizeof(link)))
		fail_msg("%s: the payload did not run (the test proves nothing):\n%s", what, out);
	if (strtoul(ino, NULL, 10) == host->st_ino && strtoul(dev, NULL, 10) == host->st_dev)
		fail_msg("%s: the container runs the host's minicontainer binary itself:\n%s", what,
		         out);
	if (strncmp(link, "/memfd:minicontainer", 20) != 0)
		fail_msg("%s: /proc/self/exe is %s, not the sealed copy", what, link);
	if (has_line(out, "exe_write=ok", true))
		fail_msg("%s: the copy opens for writing", what);
}

static void test_host_binary_out_of_reach(void **state)
{
	char out[16384], dir[PATH_MAX], changes[8 * PATH_MAX], evil[PATH_MAX], *before, *after;
	char bin[PATH_MAX];
	struct stat host;
	size_t size;
	FILE *f;

	(void)state;
	MC_REQUIRE_ROOT();
	MC_REQUIRE_IMAGES();
	assert_non_null(realpath(mc_bin(), bin));
	assert_int_equal(stat(bin, &host), 0);
	size = (size_t)host.st_size;
	before = malloc(size + 1);
	after = malloc(size + 1);
	assert_non_null(before);
	assert_non_null(after);
	f = fopen(mc_bin(), "re");
	assert_non_null(f);
	assert_int_equal(fread(before, 1, size, f), size);
	fclose(f);

	/* The image: /bin/sh -> /proc/self/exe, with the libraries our binary needs. */
	snprintf(evil, sizeof(evil), "%s/evil.so", mc_test_tmpdir());
	compile(payload, evil, "-shared -fPIC");
	snprintf(changes, sizeof(changes),
	         "ldd '%s' | grep -o '/[^ ]*' | xargs -I{} cp -L --parents {} . && cp '%s' "
	         "evil.so && rm -f bin/sh && ln -s /proc/self/exe bin/sh",
	         bin, evil);
	snprintf(dir, sizeof(dir), "%s", import_variant("selfexe", changes));

	/* (ASAN_OPTIONS: under `make asan` the payload is preloaded before ASan's runtime, which
	 * ASan refuses unless told not to check; other builds ignore the variable.) */
	expect_status(mc(out, sizeof(out),
	                 "run --rm -e LD_PRELOAD=/evil.so -e ASAN_OPTIONS=verify_asan_link_order=0 "
	                 "selfexe:latest /bin/sh"),
	              0, "run selfexe /bin/sh", out);
	expect_sealed_copy(out, &host, "run");

	expect_status(mc(out, sizeof(out), "run -d --name selfexe selfexe:latest /probe sleep 30"),
	              0, "run -d selfexe", out);
	expect_status(mc(out, sizeof(out),
	                 "exec -e LD_PRELOAD=/evil.so "
	                 "-e ASAN_OPTIONS=verify_asan_link_order=0 selfexe /bin/sh"),
	              0, "exec selfexe /bin/sh", out);
	expect_sealed_copy(out, &host, "exec");

	/* And the file itself is byte for byte what it was. */
	f = fopen(mc_bin(), "re");
	assert_non_null(f);
	assert_int_equal(fread(after, 1, size, f), size);
	fclose(f);
	if (memcmp(before, after, size) != 0)
		fail_msg("the host's %s changed", mc_bin());
	free(before);
	free(after);
}

/* ---- 5. an image's NSS modules (CVE-2019-14271) -------------------------------------------------- */

static const char nss_module[] = "#include <unistd.h>\n"
                                 "__attribute__((constructor)) static void ran(void)\n"
                                 "{\n\twrite(2, \"nss-module-ran\\n\", 15);\n}\n"
                                 "int _nss_x_getpwnam_r(void) { return 0; }\n";

static const char getpw[] = "#include <pwd.h>\n#include <stdio.h>\n"
                            "int main(int argc, char **argv)\n{\n"
                            "\tstruct passwd *pw = getpwnam(argc > 1 ? argv[1] : \"alice\");\n"
                            "\tprintf(\"getpwnam=%s\\n\", pw ? \"found\" : \"none\");\n"
                            "\treturn 0;\n}\n";

static void test_image_nss_module_never_runs(void **state)
{
	char out[16384], module[PATH_MAX], prog[PATH_MAX], changes[4 * PATH_MAX];

	(void)state;
	MC_REQUIRE_ROOT();
	MC_REQUIRE_IMAGES();
	snprintf(module, sizeof(module), "%s/libnss_x.so.2", mc_test_tmpdir());
	snprintf(prog, sizeof(prog), "%s/getpw", mc_test_tmpdir());
	compile(nss_module, module, "-shared -fPIC");
	compile(getpw, prog, "");
	snprintf(changes, sizeof(changes),
	         "ldd '%s' | grep -o '/[^ ]*' | xargs -I{} cp -L --parents {} . && "
	         "mkdir -p lib/x86_64-linux-gnu lib64 && cp '%s' lib/x86_64-linux-gnu/ && "
	         "cp '%s' getpw && printf 'passwd: x files\\ngroup: x files\\n' > "
	         "etc/nsswitch.conf && echo 'alice:x:4242:4343:Alice:/home/alice:/bin/sh' >> "
	         "etc/passwd",
	         prog, module, prog);
	import_variant("nss", changes);

	/* The control: a program that does use NSS in this image runs the module. */
	expect_status(mc(out, sizeof(out), "run --rm nss:latest /getpw alice"), 0, "getpw", out);
	expect_text(out, "nss-module-ran", "the control: glibc's NSS loads the image's module");

	/* -u alice: resolved from /etc/passwd by minicontainer itself; the module never runs. */
	expect_status(mc(out, sizeof(out), "run --rm -u alice nss:latest /probe ids"), 0,
	              "run -u alice", out);
	if (strstr(out, "nss-module-ran") != NULL)
		fail_msg("the image's NSS module ran while resolving -u:\n%s", out);
	expect_text(out, "uid=4242", "alice's uid from the image's /etc/passwd");
	expect_text(out, "gid=4343", "alice's gid");
	expect_status(mc(out, sizeof(out), "run --rm -u alice nss:latest sh -c 'echo HOME=$HOME'"),
	              0, "HOME of alice", out);
	expect_text(out, "HOME=/home/alice", "HOME from passwd");
}

/* ---- 6. two starts of one container: one wins ------------------------------------------------- */

static void test_concurrent_starts_one_wins(void **state)
{
	char out[16384], dir[PATH_MAX], log[PATH_MAX + 16], text[4096];

	(void)state;
	MC_REQUIRE_ROOT();
	MC_REQUIRE_IMAGES();
	snprintf(dir, sizeof(dir), "%s/starts", mc_test_tmpdir());
	sh("rm -rf '%s' && mkdir -p '%s'", dir, dir);
	snprintf(log, sizeof(log), "%s/log", dir);
	expect_status(
	    mc(out, sizeof(out),
	       "create --name racer -v '%s:/out' busybox sh -c 'echo started >> /out/log; "
	       "sleep 2'",
	       dir),
	    0, "create racer", out);
	for (int round = 0; round < 5; round++) {
		int status;

		sh("rm -f '%s'", log);
		/* Two at once; each either starts it, finds it running, or says it is busy. */
		status =
		    mc(out, sizeof(out),
		       "start racer > %s/a 2>&1 & '%s' start racer > %s/b 2>&1; wait; cat %s/a "
		       "%s/b",
		       dir, mc_bin(), dir, dir, dir);
		(void)status;
		if (strstr(out, "minicontainer:") != NULL &&
		    strstr(out, "another minicontainer") == NULL)
			fail_msg("round %d: an unclear error:\n%s", round, out);
		mc(out, sizeof(out), "wait racer");
		read_text(log, text, sizeof(text));
		if (strcmp(text, "started\n") != 0)
			fail_msg("round %d: the container ran %s times:\n%s", round,
			         strcmp(text, "") == 0 ? "0" : "more than 1", text);
	}
}

/* ---- 7. a child that dies before "go" leaves nothing behind ------------------------------------ */

static void test_run_t_into_a_closed_pipe_cleans_up(void **state)
{
	char out[16384], id[256], where[PATH_MAX];

	(void)state;
	MC_REQUIRE_ROOT();
	MC_REQUIRE_IMAGES();
	/* Our output goes nowhere after one line: minicontainer must still see it to its end. */
	mc(out, sizeof(out),
	   "run -t --name piped busybox sh -c 'i=0; while [ $i -lt 3000 ]; do echo line $i; "
	   "i=$((i+1)); done; exit 3' | head -n 1");
	inspect("piped", "{{.State.Status}} {{.State.ExitCode}} {{.Id}}", out, sizeof(out));
	if (strncmp(out, "exited 3 ", 9) != 0)
		fail_msg("after run -t | head: %s (expected exited 3)", out);
	snprintf(id, sizeof(id), "%.64s", out + 9);
	if (cgroup_left(id, where, sizeof(where)))
		fail_msg("run -t | head left its cgroup %s", where);
}

const struct CMUnitTest mc_hardening_tests[] = {
    cmocka_unit_test_teardown(test_no_descriptor_reaches_the_container, remove_containers),
    cmocka_unit_test_teardown(test_system_paths_masked_and_read_only, remove_containers),
    cmocka_unit_test_teardown(test_symlinked_system_paths_stay_inside, remove_containers),
    cmocka_unit_test_teardown(test_host_binary_out_of_reach, remove_containers),
    cmocka_unit_test_teardown(test_image_nss_module_never_runs, remove_containers),
    cmocka_unit_test_teardown(test_concurrent_starts_one_wins, remove_containers),
    cmocka_unit_test_teardown(test_run_t_into_a_closed_pipe_cleans_up, remove_containers),
};
const size_t mc_hardening_count = sizeof(mc_hardening_tests) / sizeof(mc_hardening_tests[0]);
