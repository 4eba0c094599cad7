/*
 * harness.h - what every test program shares: strict-mode skips, a private
 * copy of the test root filesystem, reading the probe's key=value output, and
 * a main() that can list and run single tests (the grader runs each test in
 * its own process).
 */
#ifndef MC_HARNESS_H
#define MC_HARNESS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <cmocka.h>

/*
 * Skip the current test, saying why.  With MC_TEST_STRICT=1 (CI, grading) a
 * skip is a failure: a green run must mean every test really ran.
 */
#define MC_SKIP(...)                                                                               \
	do {                                                                                       \
		mc_skip_message(__VA_ARGS__);                                                      \
		if (mc_strict())                                                                   \
			fail_msg("skipped in strict mode (MC_TEST_STRICT=1)");                     \
		skip();                                                                            \
		return;                                                                            \
	} while (0)

bool mc_strict(void);
void mc_skip_message(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Skip unless running as root. */
#define MC_REQUIRE_ROOT()                                                                          \
	do {                                                                                       \
		if (geteuid() != 0)                                                                \
			MC_SKIP("needs root: run sudo make test");                                 \
	} while (0)

/* A temporary directory for this test program, removed at exit:
 * /tmp/mc-test-XXXXXX, or $MC_TEST_TMPDIR (made by the grader for the test). */
const char *mc_test_tmpdir(void);

/*
 * A private copy of the test root filesystem (MC_TEST_ROOTFS, default
 * build/rootfs), made once per test program inside mc_test_tmpdir().
 * Returns NULL (and prints why) when there is none: run make rootfs.
 */
const char *mc_test_rootfs(void);

/*
 * Find "key=value" at the start of a line in `text` and copy the value; the
 * nth match (0 = first).  Returns false when there is no such line.
 */
bool mc_kv(const char *text, const char *key, int nth, char *value, size_t size);
/* How many lines start with "key=". */
int mc_kv_count(const char *text, const char *key);

/*
 * Assertions whose failure a student can act on: they name what was checked,
 * its value, what was expected and what that means, and they fail at the
 * test's own line (not inside a helper):
 *
 *   mc_assert_kv(out, "netif_count", "1", "only lo should exist in a new network namespace");
 *     -> netif_count=4, expected 1: only lo should exist in a new network namespace
 *
 * mc_assert_kv: the probe's first line "key=value" in `out` says `expected`.
 * mc_assert_int, mc_assert_str: `actual` is `expected`; `what` names it.
 * `meaning` may be NULL.
 */
#define mc_assert_kv(out, key, expected, meaning)                                                  \
	mc_assert_kv_at(__FILE__, __LINE__, (out), (key), (expected), (meaning))
#define mc_assert_int(what, actual, expected, meaning)                                             \
	mc_assert_int_at(__FILE__, __LINE__, (what), (long long)(actual), (long long)(expected),   \
	                 (meaning))
#define mc_assert_str(what, actual, expected, meaning)                                             \
	mc_assert_str_at(__FILE__, __LINE__, (what), (actual), (expected), (meaning))

/* fail_msg() for a helper: the failure is reported at `file`:`line`, its caller's. */
void mc_fail_at(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4), noreturn));
void mc_assert_kv_at(const char *file, int line, const char *out, const char *key,
                     const char *expected, const char *meaning);
void mc_assert_int_at(const char *file, int line, const char *what, long long actual,
                      long long expected, const char *meaning);
void mc_assert_str_at(const char *file, int line, const char *what, const char *actual,
                      const char *expected, const char *meaning);

/* Number of lines of /proc/self/mountinfo that contain `needle` (all lines if NULL). */
int mc_mountinfo_count(const char *needle);

/*
 * Run a shell command line (sh -c) with a time limit of `seconds`; its
 * stdout and stderr together go to `out` (cut to `size`).  Returns its exit
 * status, or -1 if it did not exit (killed, timed out: then 124 or 137).
 */
int mc_run_sh(int seconds, char *out, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/*
 * Make this test program a "host" of its own before any test runs: a new
 * network namespace (only lo, up) and a private mount namespace with a
 * tmpfs on /run.  Whatever the tests do to links, addresses, routes,
 * nftables and sysctls like ip_forward then happens in there, never on the
 * real host, and is gone when the program exits.  Returns 0, or -1 (with the
 * reason in `why`) when it cannot be done - not root - so that the tests
 * that need it skip.
 */
int mc_test_private_network(char *why, size_t size);

/* Run the tests: `--list` prints their names, `--run NAME` runs one, no argument runs all. */
int mc_test_main(int argc, char **argv, const char *group, const struct CMUnitTest *tests,
                 size_t count);

/*
 * Python's http.server on 127.0.0.1 (a port of its choosing), serving `dir`,
 * for two minutes at most; its pid, and the port in *port.  The caller stops
 * it, by that pid (kill, then waitpid).
 */
pid_t mc_start_http_server(const char *dir, int *port);

#endif
