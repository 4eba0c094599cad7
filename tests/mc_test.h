/*
 * mc_test.h - the capstone's end-to-end tests: build/bin/minicontainer (or
 * $MC_TEST_BIN) run the way a user runs it, with its state (MC_ROOT and
 * MC_RUNDIR) in the test program's temporary directory.  The tests live in
 * test_minicontainer.c and tests/mc_*.c; the helpers they share are here.
 *
 * The facts come from inside the containers (the probe's key=value lines) and
 * from the records (inspect, ps), never from timing.  Every test's containers
 * are removed by a teardown that runs even when the test failed, and at exit
 * the `minicontainer` parent cgroups are removed if they are empty.
 */
#ifndef MC_TEST_H
#define MC_TEST_H

#include "harness.h"

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <unistd.h>

/* Longest a single minicontainer command may take before the test calls it hung. */
#define MC_TIMEOUT_SECONDS 120
#define HELLO_TAR          "build/hello/hello-world.tar"

extern pid_t main_pid;
extern char root_dir[PATH_MAX], run_dir[PATH_MAX];

const char *mc_bin(void);
/* MC_ROOT and MC_RUNDIR in our temporary directory, for us and every child we start. */
void use_state_dirs(void);
/*
 * Run minicontainer with `fmt` (a shell fragment: quote what needs quoting)
 * and return its exit status; its stdout and stderr together go to `out`.
 */
int mc(char *out, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* `run -d ...`: the new container's id (remembered for the teardown). */
void run_detached(char *id, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* inspect FORMAT, until it prints `want` (at most ~10 s); false if it never does. */
bool eventually(const char *what, const char *format, const char *want);
/* What a failed command must not change: the containers, the images, the state directories. */
void snapshot(char *buf, size_t size);
/* A command that must fail with exit status `want` (expect_refusal: 125) and `message`,
 * and change nothing (the snapshot before and after are the same). */
void expect_refusal_status(const char *args, int want, const char *message);
void expect_refusal(const char *args, const char *message);
/* `inspect --format FORMAT WHAT`, without the final newline. */
void inspect(const char *what, const char *format, char *out, size_t size);

/* Does `text` have a line that starts with `prefix` (exactly `prefix`, if whole)? */
bool has_line(const char *text, const char *prefix, bool whole);
void expect_status(int got, int want, const char *what, const char *out);
void expect_text(const char *out, const char *needle, const char *what);
/* The probe's value for `key` ("" when it printed none). */
const char *probe_value(const char *out, const char *key, char *value, size_t size);
bool is_hex_id(const char *s, size_t len);
/* Split `text` into its lines (in place); returns how many. */
size_t split_lines(char *text, char **lines, size_t max);
/* The line of `ps -a` whose NAMES column (the last) is `name`; false if there is none. */
bool ps_line(const char *name, char *line, size_t size);
/* The names in a directory, sorted, one a line (hidden ones left out). */
void list_dir(const char *path, char *buf, size_t size);
void read_text(const char *path, char *buf, size_t size);
/* Is `pid` a live process (not gone, not a zombie)? */
bool pid_alive(pid_t pid);

/* The directories that hold the containers' cgroups: one on v2, one per controller on v1. */
size_t parent_cgroups(char dirs[][PATH_MAX]);
/* A cgroup directory left for container `id` (named by the id or a 12+ prefix of it). */
bool cgroup_left(const char *id, char *where, size_t size);
void remove_cgroups_of(const char *id);
/* At exit: the `minicontainer` parents, if nobody else uses them. */
void remove_parent_cgroups(void);

/* The containers a test has seen: the teardown cleans up after them, record or not. */
extern char seen_ids[64][65];
extern size_t n_seen;
void remember(const char *id);
/* The teardown of every test: `rm -f` every container, then whatever a bug left behind. */
int remove_containers(void **state);

/* Read from fd (a pty's master) until `needle` shows up, for at most `seconds`. */
bool read_until(int fd, char *buf, size_t size, size_t *len, const char *needle, int seconds);
/* Type `text` into a terminal (a pty's master). */
bool type_line(int fd, const char *text);

bool test_files_present(void);
/*
 * Once per test program: busybox:latest (the test root filesystem, /probe
 * included), hello-world:latest, and probe-img:latest.
 */
void import_images(void);

/* Run a shell command (for test fixtures); fail the test if it fails. */
void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * The image NAME:latest: a copy of the test root filesystem changed by the
 * shell commands `changes` (run inside the copy), imported.  Returns the copy's path.
 */
const char *import_variant(const char *name, const char *changes);

/* At the start of every test, after MC_REQUIRE_ROOT(). */
#define MC_REQUIRE_IMAGES()                                                                        \
	do {                                                                                       \
		if (!test_files_present())                                                         \
			MC_SKIP("needs the binary, the test root filesystem and hello-world: run " \
			        "make build/bin/minicontainer rootfs " HELLO_TAR);                 \
		import_images();                                                                   \
	} while (0)

/* The test groups of the other files, gathered by test_minicontainer.c's main(). */
extern const struct CMUnitTest mc_hardening_tests[];
extern const size_t mc_hardening_count;
extern const struct CMUnitTest mc_lifecycle_tests[];
extern const size_t mc_lifecycle_count;
extern const struct CMUnitTest mc_cli_tests[];
extern const size_t mc_cli_count;
extern const struct CMUnitTest mc_verbs_tests[];
extern const size_t mc_verbs_count;
extern const struct CMUnitTest mc_template_tests[];
extern const size_t mc_template_count;
extern const struct CMUnitTest mc_semantics_tests[];
extern const size_t mc_semantics_count;
extern const struct CMUnitTest mc_volumes_tests[];
extern const size_t mc_volumes_count;
extern const struct CMUnitTest mc_lecture_tests[];
extern const size_t mc_lecture_count;

#endif
