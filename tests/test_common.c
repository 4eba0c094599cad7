/* test_common.c - unit tests for the helpers every chapter shares (chapters/common). */
#define _GNU_SOURCE
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mc_error.h"
#include "mc_file.h"
#include "mc_trace.h"

static void test_fail_formats_message_and_errno(void **state)
{
	struct mc_error err;

	(void)state;
	assert_int_equal(mc_fail(&err, ENOENT, "open %s", "/x"), -1);
	assert_int_equal(err.errnum, ENOENT);
	assert_string_equal(err.msg, "open /x: No such file or directory");
	assert_int_equal(mc_fail(&err, 0, "no command given"), -1);
	assert_int_equal(err.errnum, 0);
	assert_string_equal(err.msg, "no command given");
}

static void test_fail_context_prefixes(void **state)
{
	struct mc_error err;

	(void)state;
	mc_fail(&err, EACCES, "write %s", "uid_map");
	assert_int_equal(mc_fail_context(&err, "user namespace"), -1);
	assert_string_equal(err.msg, "user namespace: write uid_map: Permission denied");
	assert_int_equal(err.errnum, EACCES);
}

static void test_fail_truncates_long_messages(void **state)
{
	char longname[2000];
	struct mc_error err;

	(void)state;
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	mc_fail(&err, EIO, "%s", longname);
	assert_int_equal(strlen(err.msg), MC_ERROR_MAX - 1);
}

static void test_write_and_read_file(void **state)
{
	char path[512], buf[64];
	struct mc_error err;
	size_t len;
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "%s/f", mc_test_tmpdir());
	/* mc_write_file never creates: kernel files always exist. */
	assert_int_equal(mc_write_file(path, "x", &err), -1);
	assert_int_equal(err.errnum, ENOENT);
	assert_non_null(strstr(err.msg, path));
	fd = open(path, O_CREAT | O_WRONLY, 0644);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(mc_write_file(path, "0 100000 65536\n", &err), 0);
	assert_int_equal(mc_read_file(path, buf, sizeof(buf), &len, &err), 0);
	assert_string_equal(buf, "0 100000 65536\n");
	assert_int_equal(len, 15);
	/* A small buffer gets a truncated, terminated prefix. */
	assert_int_equal(mc_read_file(path, buf, 4, &len, &err), 0);
	assert_string_equal(buf, "0 1");
}

static void test_mkdir_p(void **state)
{
	char path[512];
	struct mc_error err;
	struct stat st;

	(void)state;
	snprintf(path, sizeof(path), "%s/a/b/c", mc_test_tmpdir());
	assert_int_equal(mc_mkdir_p(path, 0755, &err), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(mc_mkdir_p(path, 0755, &err), 0); /* existing is fine */
	snprintf(path, sizeof(path), "%s/a/b/c/file", mc_test_tmpdir());
	close(open(path, O_CREAT | O_WRONLY, 0644));
	snprintf(path, sizeof(path), "%s/a/b/c/file/d", mc_test_tmpdir());
	assert_int_equal(mc_mkdir_p(path, 0755, &err), -1);
	assert_int_equal(err.errnum, ENOTDIR);
}

static void test_path_join(void **state)
{
	struct mc_error err;
	char buf[16];

	(void)state;
	assert_int_equal(mc_path_join(buf, sizeof(buf), "/sys", "fs", &err), 0);
	assert_string_equal(buf, "/sys/fs");
	assert_int_equal(mc_path_join(buf, sizeof(buf), "/sys/fs/cgroup", "memory", &err), -1);
	assert_int_equal(err.errnum, ENAMETOOLONG);
}

static void test_flag_names(void **state)
{
	static const struct mc_flag_name names[] = {
	    {MS_REC, "MS_REC"}, {MS_PRIVATE, "MS_PRIVATE"}, {0, NULL}};
	char buf[128];

	(void)state;
	assert_string_equal(mc_flag_names(MS_REC | MS_PRIVATE, names, buf, sizeof(buf)),
	                    "MS_REC|MS_PRIVATE");
	assert_string_equal(mc_flag_names(MS_PRIVATE | 0x1, names, buf, sizeof(buf)),
	                    "MS_PRIVATE|0x1");
	assert_string_equal(mc_flag_names(0, names, buf, sizeof(buf)), "0");
}

static void test_trace_goes_to_its_fd(void **state)
{
	char buf[512];
	ssize_t n;
	int fds[2];

	(void)state;
	assert_int_equal(pipe(fds), 0);
	assert_false(mc_tracing());
	mc_trace_call("ch01", 0, "ignored while tracing is off", "nothing()");
	mc_trace_enable(fds[1]);
	assert_true(mc_tracing());
	errno = EINVAL;
	mc_trace_call("ch01", -1, "why", "pivot_root(\"%s\", \"%s\")", ".", ".");
	assert_int_equal(errno, EINVAL); /* tracing never changes errno */
	mc_trace_call("ch01", 0, "why", "sethostname(\"x\")");
	close(fds[1]);
	n = read(fds[0], buf, sizeof(buf) - 1);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_string_equal(buf, "[ch01] pivot_root(\".\", \".\") = -1 EINVAL (Invalid argument)\n"
	                         "[ch01] sethostname(\"x\") = 0  -- why\n");
	close(fds[0]);
}

/* Every line of `text` at most 100 columns (all ASCII here). */
static void assert_fits(const char *text)
{
	for (const char *l = text; *l != '\0'; l += strcspn(l, "\n") + (l[strcspn(l, "\n")] != 0))
		if (strcspn(l, "\n") > MC_TRACE_WIDTH)
			fail_msg("a line of %zu columns:\n%s", strcspn(l, "\n"), text);
}

static void test_trace_projector_layout(void **state)
{
	static const char id[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	char text[1024], out[4096], buf[4096];
	struct mc_error err;
	ssize_t n;
	int fds[2];

	(void)state;
	/* The longest registered path wins; a path matches only as whole names. */
	mc_trace_abbreviate("$RUNDIR", "/run/mc/");
	mc_trace_abbreviate("$ROOTFS", "/run/mc/abc/merged");
	mc_trace_abbreviate("$ROOTFS", "/run/mc/xyz/merged"); /* a name again: the new path */
	mc_trace_layout("[t] ",
	                "\"/run/mc/xyz/merged\" /run/mc/abc/merged /run/mc/xyz/hosts /run/mcx", out,
	                sizeof(out));
	assert_string_equal(out, "[t] \"$ROOTFS\" $RUNDIR/abc/merged $RUNDIR/xyz/hosts /run/mcx\n");
	/* A 64-hex id becomes the 12 digits `ps` shows; 63 or 65 digits are no id. */
	snprintf(text, sizeof(text), "c/%s/x sha256:%s", id, id);
	mc_trace_layout("", text, out, sizeof(out));
	snprintf(text, sizeof(text), "c/%.12s/x sha256:%.12s\n", id, id);
	assert_string_equal(out, text);
	snprintf(text, sizeof(text), "%s0", id);
	mc_trace_layout("", text, out, sizeof(out));
	assert_int_equal(strlen(out), 66);
	snprintf(text, sizeof(text), "%.63s", id);
	mc_trace_layout("", text, out, sizeof(out));
	assert_int_equal(strlen(out), 64);

	/* A long call wraps at its commas, keeps its result at the end, the why on its own. */
	assert_int_equal(pipe(fds), 0);
	setenv("MC_TRACE_LAYOUT", "projector", 1);
	mc_trace_enable(fds[1]);
	unsetenv("MC_TRACE_LAYOUT");
	mc_trace_call("ch01", 0, "the why, which is a sentence of some length, long enough to wrap",
	              "mount(%s, %s, %s, %s)", "\"/run/mc/xyz/merged\"",
	              "\"/a/rather/long/path/that/goes/on/and/on/and/on\"", "\"overlay\"",
	              "\"lowerdir=/one/layer:/two/layer:/three/layer,upperdir=/up,workdir=/work\"");
	/* Only the chosen chapters. */
	assert_int_equal(mc_trace_flag("trace", "ch02,capstone", &err), 0);
	assert_false(mc_trace_shows("ch01"));
	assert_true(mc_trace_shows("capstone"));
	mc_trace("ch01", "not shown");
	mc_trace("ch02", "shown");
	assert_int_equal(mc_trace_flag("trace", "ch02,ch9", &err), -1);
	assert_non_null(strstr(err.msg, "unknown chapter \"ch9\""));
	assert_int_equal(
	    mc_trace_flag("trace", "ch01,ch02,ch03,ch04,ch05,ch06,capstone,common", &err), 0);
	close(fds[1]);
	n = read(fds[0], buf, sizeof(buf) - 1);
	assert_true(n > 0);
	buf[n] = '\0';
	close(fds[0]);
	assert_fits(buf);
	assert_string_equal(
	    buf, "[ch01] mount(\"$ROOTFS\", \"/a/rather/long/path/that/goes/on/and/on/and/on\", "
	         "\"overlay\",\n"
	         "           \"lowerdir=/one/layer:/two/layer:/three/layer,upperdir=/up,"
	         "workdir=/work\") = 0\n"
	         "       -- the why, which is a sentence of some length, long enough to "
	         "wrap\n"
	         "[ch02] shown\n");
}

static void test_kv_parser(void **state)
{
	const char *out = "pid=1\nppid=0\nnetif=lo up\nnetif=eth0 down\n";
	char v[64];

	(void)state;
	assert_true(mc_kv(out, "pid", 0, v, sizeof(v)));
	assert_string_equal(v, "1");
	assert_true(mc_kv(out, "netif", 1, v, sizeof(v)));
	assert_string_equal(v, "eth0 down");
	assert_false(mc_kv(out, "netif", 2, v, sizeof(v)));
	assert_false(mc_kv(out, "pi", 0, v, sizeof(v)));
	assert_int_equal(mc_kv_count(out, "netif"), 2);
}

int main(int argc, char **argv)
{
	static const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fail_formats_message_and_errno),
	    cmocka_unit_test(test_fail_context_prefixes),
	    cmocka_unit_test(test_fail_truncates_long_messages),
	    cmocka_unit_test(test_write_and_read_file),
	    cmocka_unit_test(test_mkdir_p),
	    cmocka_unit_test(test_path_join),
	    cmocka_unit_test(test_flag_names),
	    cmocka_unit_test(test_trace_goes_to_its_fd),
	    cmocka_unit_test(test_trace_projector_layout),
	    cmocka_unit_test(test_kv_parser),
	};

	return mc_test_main(argc, argv, "common", tests, sizeof(tests) / sizeof(tests[0]));
}
