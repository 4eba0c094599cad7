/*
 * mc_lifecycle.c - detached containers and their monitors: run -d, logs,
 * wait, stop/kill/restart, restart policies, attach and detach keys, and
 * the error cases of each verb (Docker's message shape, exit code 125,
 * nothing changed).
 */
#define _GNU_SOURCE
#include "mc_test.h"

#include <errno.h>
#include <fcntl.h>
#include <pty.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- 1. run -d, logs, wait, stop --------------------------------------------------------------- */

static void test_detached_run_logs_wait(void **state)
{
	char id[128], out[65536], value[64];

	(void)state;
	MC_REQUIRE_ROOT();
	MC_REQUIRE_IMAGES();
	run_detached(id, sizeof(id),
	             "--name bg busybox sh -c 'echo to-out; echo to-err >&2; "
	             "sleep 0.5; exit 4'");
	expect_status(mc(out, sizeof(out), "wait bg"), 0, "wait bg", out);
	assert_string_equal(out, "4\n");
	/* stdout and stderr kept apart. */
	expect_status(mc(out, sizeof(out), "logs bg 2>/dev/null"), 0, "logs (stdout)", out);
	assert_string_equal(out, "to-out\n");
	expect_status(mc(out, sizeof(out), "logs bg 2>&1 >/dev/null"), 0, "logs (stderr)", out);
	assert_string_equal(out, "to-err\n");
	/* -t: an RFC 3339 time first. */
	expect_status(mc(out, sizeof(out), "logs -t bg 2>/dev/null"), 0, "logs -t", out);
	if (strlen(out) < 32 || out[4] != '-' || out[10] != 'T' ||
	    strstr(out, "Z to-out\n") == NULL)
		fail_msg("logs -t: %s", out);
	/* --since in the future: nothing; --until in the past: nothing. */
	expect_status(mc(out, sizeof(out), "logs --since 2100-01-01T00:00:00Z bg"), 0, "--since",
	              out);
	assert_string_equal(out, "");
	expect_status(mc(out, sizeof(out), "logs --until 2000-01-01 bg"), 0, "--until", out);
	assert_string_equal(out, "");

	/* logs of a container run in the foreground, as in Docker. */
	expect_status(mc(out, sizeof(out), "run --name fg busybox echo foreground"), 0, "run fg",
	              out);
	expect_status(mc(out, sizeof(out), "logs fg"), 0, "logs fg", out);
	assert_string_equal(out, "foreground\n");

	/* stop -t: SIGTERM ignored by PID 1, so SIGKILL after the grace time: 137. */
	run_detached(id, sizeof(id), "--name st busybox /probe sleep 60");
	expect_status(mc(out, sizeof(out), "stop -t 1 st"), 0, "stop -t 1", out);
	assert_string_equal(out, "st\n");
	inspect("st", "{{.State.Status}} {{.State.ExitCode}}", value, sizeof(value));
	assert_string_equal(value, "exited 137");
	/* --stop-signal: the container's own way out. */
	run_detached(id, sizeof(id),
	             "--name sig --stop-signal SIGUSR1 busybox sh -c 'trap \"echo got USR1; exit "
	             "7\" USR1; while true; do sleep 0.1; done'");
	expect_status(mc(out, sizeof(out), "stop sig"), 0, "stop sig", out);
	inspect("sig", "{{.State.ExitCode}}", value, sizeof(value));
	assert_string_equal(value, "7");
	expect_status(mc(out, sizeof(out), "logs sig"), 0, "logs sig", out);
	expect_text(out, "got USR1", "the stop signal reached the trap");
	/* kill -s: any signal. */
	run_detached(id, sizeof(id),
	             "--name ks busybox sh -c 'trap \"echo got HUP; exit 9\" HUP; while true; do "
	             "sleep 0.1; done'");
	expect_status(mc(out, sizeof(out), "kill -s HUP ks"), 0, "kill -s HUP", out);
	expect_status(mc(out, sizeof(out), "wait ks"), 0, "wait ks", out);
	assert_string_equal(out, "9\n");
}

/* ---- 2. the error cases: Docker's shape, 125, nothing changed ------------------------------------ */

static void test_lifecycle_errors_change_nothing(void **state)
{
	static const struct {
		const char *args, *message;
	} cases[] = {
	    {"logs nosuch", "No such container: nosuch"},
	    {"wait nosuch", "No such container: nosuch"},
	    {"stop nosuch", "No such container: nosuch"},
	    {"kill nosuch", "No such container: nosuch"},
	    {"restart nosuch", "No such container: nosuch"},
	    {"attach nosuch", "No such container: nosuch"},
	    {"kill stopped", "is not running"},
	    {"attach stopped", "You cannot attach to a stopped container"},
	    {"kill -s NOSUCHSIG stopped", "invalid signal: NOSUCHSIG"},
	    {"stop -t x stopped", "invalid argument \"x\""},
	    {"logs --tail x stopped", "invalid argument \"x\" for \"-n, --tail\" flag"},
	    {"logs --since yesterday stopped", "invalid value"},
	    {"run --restart sometimes busybox true", "invalid restart policy format"},
	    {"run --restart always:3 busybox true", "maximum retry count cannot be used"},
	    {"run --restart on-failure:x busybox true", "maximum retry count must be an integer"},
	    {"run --rm --restart always busybox true", "Conflicting options: --restart and --rm"},
	    {"run --log-opt max-size=big busybox true", "max-size"},
	    {"run --log-opt color=red busybox true", "unknown log opt"},
	    {"run --stop-signal NOSUCH busybox true", "invalid signal"},
	    {"run --detach-keys ctrl-9 busybox true", "Invalid detach keys"},
	    {"run --sig-proxy=maybe busybox true",
	     "invalid argument \"maybe\" for \"--sig-proxy\""},
	    {"logs", "requires exactly 1 argument"},
	    {"wait", "requires at least 1 argument"},
	};
	char before[8192], after[8192], out[16384], dir[PATH_MAX + 16];

	(void)state;
	MC_REQUIRE_ROOT();
	MC_REQUIRE_IMAGES();
	expect_status(mc(out, sizeof(out), "create --name stopped busybox true"), 0, "create", out);
	snprintf(dir, sizeof(dir), "%s/containers", root_dir);
	list_dir(dir, before, sizeof(before));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int status = mc(out, sizeof(out), "%s", cases[i].args);

		if (status != 125)
			fail_msg("%s: exit %d, expected 125:\n%s", cases[i].args, status, out);
		if (strstr(out, cases[i].message) == NULL)
			fail_msg("%s: expected \"%s\" in:\n%s", cases[i].args, cases[i].message,
			         out);
		list_dir(dir, after, sizeof(after));
		if (strcmp(before, after) != 0)
			fail_msg("%s changed the containers:\n%s\nvs\n%s", cases[i].args, before,
			         after);
	}
}

/* ---- 3. restart policies ------------------------------------------------------------------------- */

static void test_restart_policies(void **state)
{
	char id[128], out[65536], value[256], pid1[64], pid2[64];

	(void)state;
	MC_REQUIRE_ROOT();
	MC_REQUIRE_IMAGES();
	/* on-failure:3: exactly three restarts, then the last exit stays. */
	run_detached(id, sizeof(id),
	             "--name of3 --restart on-failure:3 busybox sh -c 'echo run; "
	             "exit 2'");
	if (!eventually("of3", "{{.State.Status}} {{.RestartCount}}", "exited 3"))
		fail_msg("on-failure:3 did not end as exited after 3 restarts");
	expect_status(mc(out, sizeof(out), "logs of3"), 0, "logs of3", out);
	assert_string_equal(out, "run\nrun\nrun\nrun\n");
	/* on-failure does not restart a success. */
	run_detached(id, sizeof(id), "--name of0 --restart on-failure busybox true");
	if (!eventually("of0", "{{.State.Status}} {{.RestartCount}}", "exited 0"))
		fail_msg("on-failure restarted a container that exited with 0");

	/* always: the process killed from outside (kill -9 on the host) comes back. */
	run_detached(id, sizeof(id), "--name alw --restart always busybox /probe sleep 60");
	if (!eventually("alw", "{{.State.Status}}", "running"))
		fail_msg("alw never ran");
	inspect("alw", "{{.State.Pid}}", pid1, sizeof(pid1));
	assert_int_equal(kill((pid_t)atoi(pid1), SIGKILL), 0);
	for (int i = 0; i < 500; i++) {
		inspect("alw", "{{.State.Status}} {{.State.Pid}}", value, sizeof(value));
		if (strncmp(value, "running ", 8) == 0 && strcmp(value + 8, pid1) != 0)
			break;
		usleep(20000);
	}
	inspect("alw", "{{.State.Status}} {{.RestartCount}}", value, sizeof(value));
	assert_string_equal(value, "running 1");
	inspect("alw", "{{.State.Pid}}", pid2, sizeof(pid2));
	if (strcmp(pid1, pid2) == 0)
		fail_msg("always: the killed process was not replaced");
	/* stop ends it for good: no restart afterwards. */
	expect_status(mc(out, sizeof(out), "stop -t 1 alw"), 0, "stop alw", out);
	usleep(500000);
	inspect("alw", "{{.State.Status}}", value, sizeof(value));
	assert_string_equal(value, "exited");
	/* restart: the policy back in place. */
	expect_status(mc(out, sizeof(out), "restart alw"), 0, "restart alw", out);
	if (!eventually("alw", "{{.State.Status}}", "running"))
		fail_msg("restart alw: not running again");
	/* ...so the process killed from outside comes back again (start clears "stopped by
	 * hand", as moby's does). */
	inspect("alw", "{{.State.Pid}}", pid1, sizeof(pid1));
	assert_int_equal(kill((pid_t)atoi(pid1), SIGKILL), 0);
	for (int i = 0; i < 500; i++) {
		inspect("alw", "{{.State.Status}} {{.State.Pid}}", value, sizeof(value));
		if (strncmp(value, "running ", 8) == 0 && strcmp(value + 8, pid1) != 0)
			break;
		usleep(20000);
	}
	if (strncmp(value, "running ", 8) != 0 || strcmp(value + 8, pid1) == 0)
		fail_msg("after restart, the policy did not bring alw back: %s", value);
	expect_status(mc(out, sizeof(out), "kill alw"), 0, "kill alw", out);
	usleep(500000);
	inspect("alw", "{{.State.Status}}", value, sizeof(value));
	assert_string_equal(value, "exited"); /* kill (SIGKILL) is a manual stop too */
}

/* ---- 4. a fast writer, and logs -f --------------------------------------------------------------- */

static void test_logs_follow_loses_nothing(void **state)
{
	char id[128], out[4096], path[PATH_MAX], line[64];
	long long lines = 0, expected = 0, bytes = 100LL << 20;
	FILE *f;

	(void)state;
	MC_REQUIRE_ROOT();
	MC_REQUIRE_IMAGES();
	/* 100 MB of numbered 1000-byte lines, followed from the start by logs -f. */
	run_detached(id, sizeof(id), "--name spew busybox /probe spew %lld 1000", bytes);
	snprintf(path, sizeof(path), "%s/followed", mc_test_tmpdir());
	expect_status(mc(out, sizeof(out), "logs -f spew | cut -c1-10 > '%s'", path), 0, "logs -f",
	              out);
	f = fopen(path, "re");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (atoll(line) != expected)
			fail_msg("logs -f: line %lld where %lld was due: a line went missing",
			         atoll(line), expected);
		expected++;
		lines++;
	}
	fclose(f);
	if (lines != (bytes + 999) / 1000)
		fail_msg("logs -f: %lld lines, expected %lld", lines, (bytes + 999) / 1000);
	/* --tail 10: the last ten, read from the end of the file. */
	expect_status(mc(out, sizeof(out), "logs --tail 10 spew | cut -c1-10 | tr '\\n' ' '"), 0,
	              "logs --tail 10", out);
	assert_string_equal(out,
	                    "0000104848 0000104849 0000104850 0000104851 0000104852 0000104853 "
	                    "0000104854 0000104855 0000104856 0000104857 ");
}

static void test_log_rotation(void **state)
{
	char id[128], out[65536], path[PATH_MAX + 300], value[128];
	struct stat st;

	(void)state;
	MC_REQUIRE_ROOT();
	MC_REQUIRE_IMAGES();
	run_detached(id, sizeof(id),
	             "--name rot --log-opt max-size=10k --log-opt max-file=3 busybox /probe spew "
	             "200000 100");
	expect_status(mc(out, sizeof(out), "wait rot"), 0, "wait rot", out);
	/* Three files at most, each about max-size. */
	for (int i = 0; i <= 3; i++) {
		if (i == 0)
			snprintf(path, sizeof(path), "%s/containers/%s/%s-json.log", root_dir, id,
			         id);
		else
			snprintf(path, sizeof(path), "%s/containers/%s/%s-json.log.%d", root_dir,
			         id, id, i);
		if (i < 3 && stat(path, &st) != 0)
			fail_msg("%s is missing", path);
		if (i < 3 && st.st_size > 12 * 1024)
			fail_msg("%s is %lld bytes, more than max-size allows", path,
			         (long long)st.st_size);
		if (i == 3 && stat(path, &st) == 0)
			fail_msg("%s: more than max-file=3 files", path);
	}
	/* What is kept ends with the last line, and is contiguous. */
	expect_status(mc(out, sizeof(out), "logs --tail 1 rot | cut -c1-10"), 0, "logs --tail 1",
	              out);
	assert_string_equal(out, "0000001999\n");
	expect_status(mc(out, sizeof(out),
	                 "logs rot | cut -c1-10 | awk 'NR>1 && $1 != p+1 {print \"gap\"} {p=$1}'"),
	              0, "logs rot", out);
	assert_string_equal(out, "");
	inspect("rot", "{{.HostConfig.LogConfig.Config}}", value, sizeof(value));
}

/* ---- 5. attach, detach keys, start -a -i --------------------------------------------------------- */

static void test_attach_and_detach(void **state)
{
	char id[128], out[65536], buf[65536], value[64];
	size_t len = 0;
	int master, status;
	pid_t pid;

	(void)state;
	MC_REQUIRE_ROOT();
	MC_REQUIRE_IMAGES();
	run_detached(id, sizeof(id), "-it --name shell busybox sh");
	pid = forkpty(&master, NULL, NULL, &(struct winsize){24, 80, 0, 0});
	assert_true(pid >= 0);
	if (pid == 0) {
		execl(mc_bin(), mc_bin(), "attach", "shell", (char *)NULL);
		_exit(127);
	}
	type_line(master, "echo attached-$((40+2))");
	if (!read_until(master, buf, sizeof(buf), &len, "attached-42", 10))
		fail_msg("no echo through attach:\n%.*s", (int)len, buf);
	/* Ctrl-P Ctrl-Q: attach returns 0, the container goes on. */
	if (write(master, "\x10\x11", 2) != 2)
		fail_msg("type the detach keys");
	for (int i = 0; i < 500 && waitpid(pid, &status, WNOHANG) == 0; i++)
		usleep(20000);
	if (kill(pid, 0) == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		fail_msg("attach did not detach on ctrl-p ctrl-q");
	}
	close(master);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	inspect("shell", "{{.State.Status}}", value, sizeof(value));
	assert_string_equal(value, "running");

	/* start -a -i: our stdin goes in, its output comes back, its code is ours. */
	expect_status(mc(out, sizeof(out), "create -i --name catter busybox sh -c 'cat; exit 5'"),
	              0, "create -i", out);
	{
		char input[PATH_MAX];
		FILE *f;

		snprintf(input, sizeof(input), "%s/stdin.txt", mc_test_tmpdir());
		f = fopen(input, "w");
		assert_non_null(f);
		fputs("through stdin\n", f);
		fclose(f);
		status = mc(out, sizeof(out), "start -a -i catter < '%s'", input);
	}
	expect_status(status, 5, "start -a -i", out);
	assert_string_equal(out, "through stdin\n");
}

/* ---- 6. many at once --------------------------------------------------------------------------------- */

#define N_DETACHED 100

static void test_hundred_detached(void **state)
{
	char out[262144], *lines[N_DETACHED + 8];
	size_t n;

	(void)state;
	MC_REQUIRE_ROOT();
	MC_REQUIRE_IMAGES();
	{
		char cmd[PATH_MAX + 256];

		use_state_dirs();
		snprintf(cmd, sizeof(cmd),
		         "for i in $(seq %d); do '%s' run -d busybox /probe sleep 900 >/dev/null & "
		         "done; wait",
		         N_DETACHED, mc_bin());
		if (system(cmd) != 0)
			fail_msg("%s failed", cmd);
	}
	expect_status(mc(out, sizeof(out), "ps -a --format '{{.Names}} {{.Status}}'"), 0, "ps -a",
	              out);
	n = split_lines(out, lines, N_DETACHED + 8);
	if (n != N_DETACHED)
		fail_msg("ps -a lists %zu containers, not %d:\n%s", n, N_DETACHED, lines[n - 1]);
	for (size_t i = 0; i < n; i++) {
		char *space = strchr(lines[i], ' ');

		if (space == NULL || strncmp(space + 1, "Up ", 3) != 0)
			fail_msg("not running: %s", lines[i]);
		*space = '\0';
		for (size_t j = 0; j < i; j++)
			if (strcmp(lines[i], lines[j]) == 0)
				fail_msg("two containers named %s", lines[i]);
	}
	expect_status(mc(out, sizeof(out), "rm -f $('%s' ps -a -q) >/dev/null", mc_bin()), 0,
	              "rm -f all", out);
	expect_status(mc(out, sizeof(out), "ps -a -q"), 0, "ps -a -q", out);
	assert_string_equal(out, "");
}

const struct CMUnitTest mc_lifecycle_tests[] = {
    cmocka_unit_test_teardown(test_detached_run_logs_wait, remove_containers),
    cmocka_unit_test_teardown(test_lifecycle_errors_change_nothing, remove_containers),
    cmocka_unit_test_teardown(test_restart_policies, remove_containers),
    cmocka_unit_test_teardown(test_logs_follow_loses_nothing, remove_containers),
    cmocka_unit_test_teardown(test_log_rotation, remove_containers),
    cmocka_unit_test_teardown(test_attach_and_detach, remove_containers),
    cmocka_unit_test_teardown(test_hundred_detached, remove_containers),
};
const size_t mc_lifecycle_count = sizeof(mc_lifecycle_tests) / sizeof(mc_lifecycle_tests[0]);
