/*
 * mc_lecture.c - the lecturer's view: traces made to be projected (100
 * columns, 12-hex ids, named paths, chosen chapters, a step mode that waits
 * for Enter on the terminal) and `explain`, checked against the kernel's own
 * facts (/proc/PID/ns, /proc/PID/status, /proc/PID/mountinfo).
 */
#define _GNU_SOURCE
#include "mc_test.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define WIDTH 100

/* ---- helpers ------------------------------------------------------------------------------- */

/* Columns of a UTF-8 line: every byte but the continuation bytes starts a character. */
static size_t columns(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

/* A run of exactly 64 hex digits: a full id. */
static const char *full_id_in(const char *s)
{
	for (const char *p = s; *p != '\0'; p++) {
		size_t n = 0;

		if (p > s && isalnum((unsigned char)p[-1]))
			continue;
		while (isxdigit((unsigned char)p[n]))
			n++;
		if (n == 64 && !isalnum((unsigned char)p[n]))
			return p;
	}
	return NULL;
}

/* Every line at most WIDTH columns and no 64-hex id; how many lines there were. */
static size_t expect_projectable(char *text, const char *what)
{
	char *lines[4096];
	size_t n = split_lines(text, lines, 4096);

	for (size_t i = 0; i < n; i++) {
		if (columns(lines[i]) > WIDTH)
			fail_msg("%s: line %zu has %zu columns (at most %d):\n%s", what, i + 1,
			         columns(lines[i]), WIDTH, lines[i]);
		if (full_id_in(lines[i]) != NULL)
			fail_msg("%s: line %zu shows a 64-hex id (12 hex digits are enough):\n%s",
			         what, i + 1, lines[i]);
	}
	return n;
}

/* `minicontainer ARGS` with its trace (stderr) in `trace`, its stdout in `out`. */
static int traced(char *out, size_t osize, char *trace, size_t tsize, const char *args)
{
	char path[PATH_MAX];
	int status;

	snprintf(path, sizeof(path), "%s/lecture-trace.err", mc_test_tmpdir());
	status = mc(out, osize, "%s 2>'%s'", args, path);
	read_text(path, trace, tsize);
	return status;
}

/* ---- traces ---------------------------------------------------------------------------------- */

static void test_trace_fits_a_projector(void **state)
{
	static char out[16384], trace[262144], copy[262144];
	size_t n;

	(void)state;
	MC_REQUIRE_ROOT();
	MC_REQUIRE_IMAGES();
	/* On a terminal the layout is the projector's; a file gets it when asked. */
	setenv("MC_TRACE_LAYOUT", "projector", 1);
	n = (size_t)traced(out, sizeof(out), trace, sizeof(trace), "--trace run --rm hello-world");
	unsetenv("MC_TRACE_LAYOUT");
	expect_status((int)n, 0, "--trace run --rm hello-world", out);
	expect_text(out, "Hello from minicontainer!", "the greeting, with --trace");
	snprintf(copy, sizeof(copy), "%s", trace);
	n = expect_projectable(copy, "--trace run --rm hello-world");
	if (n < 20)
		fail_msg("only %zu trace lines:\n%s", n, trace);
	/* The paths a lecturer reads aloud. */
	expect_text(trace, "[ch01] clone(", "chapter 01's clone");
	expect_text(trace, "\"$ROOTFS\"", "the root filesystem, named");
	expect_text(trace, "$CGROUP", "the cgroup, named");
	expect_text(trace, "$MC_ROOT/", "the state root, named");

	/* Into a file, by default: each event whole on one line, for grep. */
	expect_status(
	    traced(out, sizeof(out), trace, sizeof(trace), "--trace run --rm hello-world"), 0,
	    "--trace run --rm hello-world (into a file)", out);
	expect_text(trace, "SIGCHLD) = ", "clone()");
	expect_text(trace, "  -- the child is PID 1", "clone()'s why on the same line, in a file");
	if (strstr(trace, "$ROOTFS") != NULL || full_id_in(trace) == NULL)
		fail_msg("a trace into a file has named paths or no full id:\n%s", trace);
}

static void test_trace_chooses_chapters(void **state)
{
	static char out[16384], trace[262144];
	char *lines[4096];
	size_t n, shown = 0;

	(void)state;
	MC_REQUIRE_ROOT();
	MC_REQUIRE_IMAGES();
	expect_status(
	    traced(out, sizeof(out), trace, sizeof(trace), "--trace=ch02 run --rm hello-world"), 0,
	    "--trace=ch02 run --rm hello-world", out);
	expect_text(out, "Hello from minicontainer!", "the greeting, with --trace=ch02");
	n = split_lines(trace, lines, 4096);
	for (size_t i = 0; i < n; i++) {
		/* A wrapped line continues indented; every other line is chapter 02's. */
		if (lines[i][0] == ' ')
			continue;
		if (strncmp(lines[i], "[ch02] ", 7) != 0)
			fail_msg("--trace=ch02 showed another chapter's line %zu:\n%s", i + 1,
			         lines[i]);
		shown++;
	}
	if (shown < 3)
		fail_msg("--trace=ch02 showed %zu lines of chapter 02", shown);

	/* Two chapters: both, and only them. */
	expect_status(traced(out, sizeof(out), trace, sizeof(trace),
	                     "--trace=ch01,capstone run --rm hello-world"),
	              0, "--trace=ch01,capstone", out);
	expect_text(trace, "[ch01] clone(", "chapter 01 with --trace=ch01,capstone");
	expect_text(trace, "[capstone] ", "the capstone with --trace=ch01,capstone");
	if (strstr(trace, "[ch02]") != NULL || strstr(trace, "[ch03]") != NULL)
		fail_msg("--trace=ch01,capstone showed chapter 02 or 03:\n%s", trace);
}

static void test_trace_bad_chapters_refused(void **state)
{
	static const char *const bad[] = {"--trace=ch09", "--trace=ch01,nope",
	                                  "--trace=", "--trace=CH01"};
	char out[16384], before[65536], after[65536];

	(void)state;
	MC_REQUIRE_ROOT();
	MC_REQUIRE_IMAGES();
	snapshot(before, sizeof(before));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char args[128];

		snprintf(args, sizeof(args), "%s run --rm hello-world", bad[i]);
		expect_status(mc(out, sizeof(out), "%s", args), 125, args, out);
		if (strstr(out, "chapter") == NULL)
			fail_msg("%s: the error names no chapter:\n%s", args, out);
		if (strstr(out, "Hello from") != NULL)
			fail_msg("%s ran the container anyway:\n%s", args, out);
	}
	expect_text(out, "ch01", "the error lists the chapters to choose from");
	snapshot(after, sizeof(after));
	assert_string_equal(before, after);
}

/* Read what the terminal shows for `ms` milliseconds (less if it closes); false once closed. */
static bool watch(int master, char *buf, size_t size, size_t *len, int ms)
{
	struct pollfd p = {.fd = master, .events = POLLIN};

	while (poll(&p, 1, ms) > 0) {
		ssize_t n = read(master, buf + *len, size - *len - 1);

		if (n <= 0)
			return false;
		*len += (size_t)n;
		buf[*len] = '\0';
		if (*len + 1 >= size)
			*len = 0; /* keep reading; the end is what matters */
		ms = 50;
	}
	return true;
}

static void test_trace_step_waits_for_enter(void **state)
{
	static char buf[262144];
	const char *failed = NULL;
	size_t len = 0, enters = 0;
	int master, status = -1;
	pid_t pid;

	(void)state;
	MC_REQUIRE_ROOT();
	MC_REQUIRE_IMAGES();
	use_state_dirs();
	pid = forkpty(&master, NULL, NULL, NULL);
	assert_true(pid >= 0);
	if (pid == 0) {
		execl(mc_bin(), "minicontainer", "--trace-step", "run", "--rm", "hello-world",
		      (char *)NULL);
		_exit(127);
	}
	/* The first kernel call's line shows, and then nothing happens until Enter. */
	if (!read_until(master, buf, sizeof(buf), &len, " = ", 20)) {
		failed = "no traced kernel call within 20 s";
	} else {
		watch(master, buf, sizeof(buf), &len, 1500);
		if (strstr(buf, "Hello from") != NULL || waitpid(pid, &status, WNOHANG) != 0)
			failed = "it did not wait for Enter";
		else if (strstr(buf, "[ch01] clone(") != NULL)
			failed = "it ran on to clone() without an Enter";
	}
	/* Enter, again and again: each one lets one kernel call through. */
	while (failed == NULL && enters < 2000 && type_line(master, "") &&
	       watch(master, buf, sizeof(buf), &len, 200))
		enters++;
	for (int i = 0; i < 500 && status == -1 && waitpid(pid, &status, WNOHANG) == 0; i++)
		usleep(20000);
	close(master);
	if (status == -1) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	if (failed != NULL)
		fail_msg("--trace-step: %s; the terminal showed:\n%s", failed, buf);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("--trace-step run ended with status %#x after %zu Enters:\n%s", status,
		         enters, buf);
	if (enters < 10)
		fail_msg("only %zu Enters were needed: not one a kernel call", enters);
}

static void test_trace_step_needs_a_terminal(void **state)
{
	char path[PATH_MAX], out[16384];
	int status, fd;
	pid_t pid;

	(void)state;
	MC_REQUIRE_ROOT();
	MC_REQUIRE_IMAGES();
	use_state_dirs();
	snprintf(path, sizeof(path), "%s/lecture-step.out", mc_test_tmpdir());
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* A new session: no controlling terminal, so /dev/tty cannot be opened. */
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0 || setsid() < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(99);
		dup2(open("/dev/null", O_RDONLY), 0);
		execl(mc_bin(), "minicontainer", "--trace-step", "run", "--rm", "hello-world",
		      (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	read_text(path, out, sizeof(out));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 125)
		fail_msg("--trace-step without a terminal: status %#x, want exit 125:\n%s", status,
		         out);
	expect_text(out, "--trace-step", "the error names the flag");
	expect_text(out, "/dev/tty", "the error says what is missing");
	if (strstr(out, "Hello from") != NULL)
		fail_msg("the container ran anyway:\n%s", out);
}

/* ---- explain --------------------------------------------------------------------------------- */

static unsigned long ns_inode(pid_t pid, const char *name)
{
	char path[64], link[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, name);
	n = readlink(path, link, sizeof(link) - 1);
	assert_true(n > 0);
	link[n] = '\0';
	return strtoul(strchr(link, '[') + 1, NULL, 10);
}

/* The line of /proc/PID/status that starts with `key` ("CapEff:"), its value trimmed. */
static void status_field(pid_t pid, const char *key, char *value, size_t size)
{
	char path[64], text[8192], *p;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	read_text(path, text, sizeof(text));
	p = strstr(text, key);
	assert_non_null(p);
	p += strlen(key);
	p += strspn(p, " \t");
	snprintf(value, size, "%.*s", (int)strcspn(p, "\n"), p);
}

static void test_explain_shows_the_kernel_facts(void **state)
{
	static const char *const names[] = {"pid", "mnt", "uts", "ipc", "net"};
	static char out[65536], copy[65536];
	char id[65], pidtext[32], want[256], eff[32], seccomp[16];
	pid_t pid;

	(void)state;
	MC_REQUIRE_ROOT();
	MC_REQUIRE_IMAGES();
	run_detached(id, sizeof(id),
	             "--memory 64m --pids-limit 50 --cap-drop NET_RAW busybox "
	             "sleep 300");
	if (!eventually(id, "{{.State.Running}}", "true"))
		fail_msg("the container never ran");
	inspect(id, "{{.State.Pid}}", pidtext, sizeof(pidtext));
	pid = (pid_t)atoi(pidtext);
	assert_true(pid > 0);
	expect_status(mc(out, sizeof(out), "explain %s", id), 0, "explain", out);
	snprintf(copy, sizeof(copy), "%s", out);
	expect_projectable(copy, "explain");

	/* Its namespaces, by the kernel's inode numbers, beside the host's. */
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(want, sizeof(want), "%lu", ns_inode(pid, names[i]));
		expect_text(out, want, names[i]);
		snprintf(want, sizeof(want), "%lu", ns_inode(getpid(), names[i]));
		expect_text(out, want, "the host's namespace beside it");
	}
	expect_text(out, "[ch01] ", "chapter 01's lines");
	/* Its cgroup, with the limits asked for. */
	snprintf(want, sizeof(want), "[ch02] cgroup ");
	expect_text(out, want, "the cgroup line");
	snprintf(want, sizeof(want), "minicontainer/%.12s", id);
	expect_text(out, want, "the cgroup's path");
	expect_text(out, "limit 64.0 MiB", "the memory limit");
	expect_text(out, "limit 50", "the pids limit");
	/* Its upper directory: the container's writes, as mountinfo has it. */
	snprintf(want, sizeof(want), "containers/%.12s/upper", id);
	expect_text(out, want, "the upper directory");
	expect_text(out, "[ch03] ", "chapter 03's lines");
	expect_text(out, "lower 1", "the image layers");
	/* Its network. */
	expect_text(out, "[ch05] ", "chapter 05's lines");
	inspect(id, "{{.NetworkSettings.IPAddress}}", pidtext, sizeof(pidtext));
	expect_text(out, pidtext, "its address");
	/* Its capabilities and seccomp mode, as /proc/PID/status has them. */
	status_field(pid, "CapEff:", eff, sizeof(eff));
	expect_text(out, eff, "CapEff");
	expect_text(out, "CAP_CHOWN", "a capability it keeps, by name");
	if (strstr(out, "CAP_NET_RAW") != NULL || strstr(out, "CAP_SYS_ADMIN") != NULL)
		fail_msg("explain names a capability the container does not have:\n%s", out);
	status_field(pid, "Seccomp:", seccomp, sizeof(seccomp));
	assert_string_equal(seccomp, "2");
	expect_text(out, "Seccomp: 2", "the seccomp mode");
	expect_text(out, "[mc]", "the capstone's lines");
}

static void test_explain_refuses_what_does_not_run(void **state)
{
	char out[16384], id[128], before[65536], after[65536];

	(void)state;
	MC_REQUIRE_ROOT();
	MC_REQUIRE_IMAGES();
	expect_status(mc(id, sizeof(id), "create --name lecture-stopped busybox true"), 0, "create",
	              id);
	id[strcspn(id, "\n")] = '\0';
	remember(id);
	/* One that ran and exited, too. */
	expect_status(mc(out, sizeof(out), "run --name lecture-exited busybox true"), 0, "run",
	              out);
	inspect("lecture-exited", "{{.Id}}", id, sizeof(id));
	remember(id);
	snapshot(before, sizeof(before));
	expect_status(mc(out, sizeof(out), "explain lecture-exited"), 1, "explain (exited)", out);
	expect_text(out, "container lecture-exited is not running", "Docker's words");
	expect_status(mc(out, sizeof(out), "explain lecture-stopped"), 1, "explain (created)", out);
	expect_text(out, "container lecture-stopped is not running", "Docker's words");
	expect_status(mc(out, sizeof(out), "explain no-such-container"), 1, "explain (unknown)",
	              out);
	expect_text(out, "No such container: no-such-container", "Docker's words");
	expect_status(mc(out, sizeof(out), "explain"), 125, "explain without a container", out);
	expect_status(mc(out, sizeof(out), "explain --help"), 0, "explain --help", out);
	expect_text(out, "Usage:  minicontainer explain CONTAINER", "the usage line");
	snapshot(after, sizeof(after));
	assert_string_equal(before, after);
}

const struct CMUnitTest mc_lecture_tests[] = {
    cmocka_unit_test_teardown(test_trace_fits_a_projector, remove_containers),
    cmocka_unit_test_teardown(test_trace_chooses_chapters, remove_containers),
    cmocka_unit_test_teardown(test_trace_bad_chapters_refused, remove_containers),
    cmocka_unit_test_teardown(test_trace_step_waits_for_enter, remove_containers),
    cmocka_unit_test_teardown(test_trace_step_needs_a_terminal, remove_containers),
    cmocka_unit_test_teardown(test_explain_shows_the_kernel_facts, remove_containers),
    cmocka_unit_test_teardown(test_explain_refuses_what_does_not_run, remove_containers),
};
const size_t mc_lecture_count = sizeof(mc_lecture_tests) / sizeof(mc_lecture_tests[0]);
