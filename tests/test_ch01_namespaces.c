/*
 * test_ch01_namespaces.c - chapter 01, tested from the outside.
 *
 * Each test starts /probe (tests/probe/probe.c) inside a container made by
 * chapters/01-namespaces and asserts on the facts it prints.  The same tests
 * grade the student's copy in exercises/01-namespaces (make grade CH=01).
 */
#define _GNU_SOURCE
#include "harness.h"

#include <errno.h>
#include <net/if.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/msg.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ns_namespaces.h"

/* Confinement (capabilities, users, seccomp) is tested in ch01_confine.c. */
extern const struct CMUnitTest ch01_confine_tests[];
extern const size_t ch01_confine_test_count;

static char *test_env[] = {"PATH=/bin:/sbin:/usr/bin:/usr/sbin", "HOME=/root", NULL};

#define PROBE(...) ((char *[]){"/probe", __VA_ARGS__, NULL})

struct run {
	int rc;        /* what ns_run() returned */
	int exit_code; /* the container's exit code */
	struct mc_error err;
	char out[65536]; /* everything the command wrote to stdout */
};

/*
 * Prepare a config for the test root filesystem, or skip the test with the
 * reason.  The test sets cfg.argv afterwards, in its own scope: a compound
 * literal made inside this macro's block would be gone after it.
 */
#define SETUP_CONTAINER(cfg)                                                                       \
	do {                                                                                       \
		MC_REQUIRE_ROOT();                                                                 \
		if (mc_test_rootfs() == NULL)                                                      \
			MC_SKIP("no test root filesystem: run make rootfs");                       \
		ns_config_init(cfg);                                                               \
		(cfg)->rootfs = mc_test_rootfs();                                                  \
		(cfg)->hostname = "mc-test";                                                       \
		(cfg)->envp = test_env;                                                            \
	} while (0)

/* Run the container with its stdout captured in r->out. */
static void run_container(struct ns_config *cfg, struct run *r)
{
	int fd = open(mc_test_tmpdir(), O_TMPFILE | O_RDWR, 0600);
	ssize_t n;

	assert_true(fd >= 0);
	cfg->stdio[1] = fd;
	memset(r, 0, sizeof(*r));
	r->rc = ns_run(cfg, &r->exit_code, &r->err);
	n = pread(fd, r->out, sizeof(r->out) - 1, 0);
	r->out[n > 0 ? n : 0] = '\0';
	close(fd);
	if (r->rc != 0)
		print_message("container failed: %s (exit %d)\n", r->err.msg, r->exit_code);
}

/* Run and insist that it worked and exited 0, with a message a student can act on
 * (reported at the test's line). */
#define run_ok(cfg, r) run_ok_at(__FILE__, __LINE__, (cfg), (r))
static void run_ok_at(const char *file, int line, struct ns_config *cfg, struct run *r)
{
	run_container(cfg, r);
	if (r->rc != 0)
		mc_fail_at(file, line, "the container did not start: %s (exit code %d)", r->err.msg,
		           r->exit_code);
	if (r->exit_code != 0)
		mc_fail_at(file, line, "the command exited with %d, expected 0; its output:\n%s",
		           r->exit_code, r->out);
}

/* The probe's line key=... says expected (see mc_assert_kv for one that says why). */
#define assert_kv(out, key, expected)      mc_assert_kv((out), (key), (expected), NULL)
#define assert_exit_code(actual, expected) mc_assert_int("exit code", (actual), (expected), NULL)

static const char *host_marker(void)
{
	static char path[512];

	snprintf(path, sizeof(path), "%s/host-marker", mc_test_tmpdir());
	close(open(path, O_CREAT | O_WRONLY, 0644));
	return path;
}

/* --- 01.1 the namespaces themselves --------------------------------------------- */

static void test_pid_is_one(void **state)
{
	struct ns_config cfg;
	struct run r;

	(void)state;
	SETUP_CONTAINER(&cfg);
	cfg.argv = PROBE("pid");
	run_ok(&cfg, &r);
	mc_assert_kv(r.out, "pid", "1",
	             "the command should be process 1 of a new PID namespace (CLONE_NEWPID)");
	mc_assert_kv(r.out, "ppid", "0",
	             "its parent lives outside the PID namespace, so it has no number inside");
}

static void test_host_processes_invisible(void **state)
{
	struct ns_config cfg;
	struct run r;

	(void)state;
	SETUP_CONTAINER(&cfg);
	cfg.argv = PROBE("procs");
	run_ok(&cfg, &r);
	mc_assert_kv(r.out, "procs", "1",
	             "the container's /proc should show its own process only, not the host's "
	             "(a new PID namespace, and /proc mounted inside)");
	mc_assert_kv(r.out, "proc_pid", "1", "/proc/self inside should be process 1");
}

static void test_hostname_is_private(void **state)
{
	char before[256], after[256];
	struct ns_config cfg;
	struct run r;

	(void)state;
	SETUP_CONTAINER(&cfg);
	cfg.argv = PROBE("hostname");
	cfg.hostname = "inside-only";
	assert_int_equal(gethostname(before, sizeof(before)), 0);
	assert_string_not_equal(before, "inside-only");
	run_ok(&cfg, &r);
	mc_assert_kv(r.out, "hostname", "inside-only",
	             "the container should have the hostname it was given, in a new UTS namespace "
	             "(CLONE_NEWUTS)");
	assert_int_equal(gethostname(after, sizeof(after)), 0);
	mc_assert_str("the host's hostname afterwards", after, before,
	              "setting the container's hostname must not change the host's (CLONE_NEWUTS)");
}

static void test_only_loopback_up(void **state)
{
	struct ns_config cfg;
	struct run r;

	(void)state;
	SETUP_CONTAINER(&cfg);
	cfg.argv = PROBE("netif");
	run_ok(&cfg, &r);
	mc_assert_kv(r.out, "netif_count", "1",
	             "only lo should exist in a new network namespace (CLONE_NEWNET)");
	mc_assert_kv(r.out, "netif", "lo up", "the container's loopback should be up");
}

static void test_ipc_is_private(void **state)
{
	/* Keys picked from the pid so parallel runs do not collide. */
	key_t inside_key = 0x4d430000 + (getpid() & 0xffff);
	key_t host_key = inside_key + 0x10000;
	char key_arg[32], host_key_arg[32];
	struct ns_config cfg;
	struct run r;
	int host_id;

	(void)state;
	snprintf(key_arg, sizeof(key_arg), "%d", inside_key);
	snprintf(host_key_arg, sizeof(host_key_arg), "%d", host_key);
	SETUP_CONTAINER(&cfg);
	cfg.argv = ((char *[]){"/bin/sh", "-c", "/probe ipc-create $0 && /probe ipc-exists $1",
	                       key_arg, host_key_arg, NULL});
	host_id = msgget(host_key, IPC_CREAT | 0600);
	assert_true(host_id >= 0);
	run_container(&cfg, &r);
	msgctl(host_id, IPC_RMID, NULL);
	if (r.rc != 0)
		fail_msg("the container did not start: %s (exit code %d)", r.err.msg, r.exit_code);
	if (r.exit_code != 0)
		fail_msg("the command exited with %d, expected 0; its output:\n%s", r.exit_code,
		         r.out);
	/* The container made its queue, and could not see ours ... */
	mc_assert_int("ipc_id lines", mc_kv_count(r.out, "ipc_id"), 1,
	              "the probe should have made one message queue inside");
	mc_assert_kv(r.out, "ipc_exists", "0",
	             "a message queue of the host's must not be visible inside: a new IPC "
	             "namespace (CLONE_NEWIPC)");
	/* ... and its queue died with its IPC namespace, never visible here. */
	if (msgget(inside_key, 0) != -1 || errno != ENOENT)
		fail_msg("the container's message queue is visible on the host: it should have "
		         "lived and died in the container's own IPC namespace (CLONE_NEWIPC)");
}

/* --- 01.2 pivot_root --------------------------------------------------------------- */

static void test_root_is_the_rootfs(void **state)
{
	char marker[600];
	struct ns_config cfg;
	struct run r;

	(void)state;
	SETUP_CONTAINER(&cfg);
	cfg.argv =
	    ((char *[]){"/bin/sh", "-c", "/probe exists /etc/rootfs-marker; /probe cwd", NULL});
	snprintf(marker, sizeof(marker), "%s/etc/rootfs-marker", cfg.rootfs);
	close(open(marker, O_CREAT | O_WRONLY, 0644));
	run_ok(&cfg, &r);
	mc_assert_kv(r.out, "exists", "1",
	             "a file put into the root filesystem should be there inside, under /");
	mc_assert_kv(r.out, "cwd", "/", "the command should start in the new root, /");
}

static void test_old_root_is_gone(void **state)
{
	struct ns_config cfg;
	struct run r;
	char value[512];

	(void)state;
	SETUP_CONTAINER(&cfg);
	cfg.argv = ((char *[]){"/bin/sh", "-c", "/probe exists $0; /probe mounts",
	                       (char *)host_marker(), NULL});
	run_ok(&cfg, &r);
	/* The host's files are not reachable by their host paths ... */
	mc_assert_kv(r.out, "exists", "0",
	             "a host file must not be reachable inside by its host path: the old root "
	             "has to be unmounted after pivot_root");
	/* ... and none of the host's mounts is left in the container's table. */
	for (int i = 0; mc_kv(r.out, "mount", i, value, sizeof(value)); i++) {
		if (strstr(value, mc_test_tmpdir()) != NULL)
			fail_msg(
			    "mount=%s: the host's path of the root filesystem shows inside: the "
			    "old root is still mounted",
			    value);
		if (!(strncmp(value, "/ ", 2) == 0 || strncmp(value, "/proc", 5) == 0 ||
		      strncmp(value, "/dev", 4) == 0 || strncmp(value, "/sys", 4) == 0))
			fail_msg("mount=%s: only /, /proc, /dev and /sys should be mounted inside",
			         value);
	}
}

/* The control experiment: a plain chroot is escaped by the same probe. */
static void run_breakout_in_chroot(const char *rootfs, const char *marker, char *out, size_t size)
{
	int fd = open(mc_test_tmpdir(), O_TMPFILE | O_RDWR, 0600);
	int status;
	ssize_t n;
	pid_t pid;

	assert_true(fd >= 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (chroot(rootfs) < 0 || chdir("/") < 0 || dup2(fd, 1) < 0)
			_exit(99);
		execl("/probe", "probe", "chroot-breakout", marker, (char *)NULL);
		_exit(98);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	n = pread(fd, out, size - 1, 0);
	out[n > 0 ? n : 0] = '\0';
	close(fd);
}

static void test_chroot_breakout_fails(void **state)
{
	const char *marker;
	struct ns_config cfg;
	char out[4096];
	struct run r;

	(void)state;
	marker = host_marker();
	SETUP_CONTAINER(&cfg);
	cfg.argv = PROBE("chroot-breakout", (char *)marker);
	run_breakout_in_chroot(cfg.rootfs, marker, out, sizeof(out));
	assert_kv(out, "breakout", "escaped"); /* chroot alone is not a jail */
	run_ok(&cfg, &r);
	mc_assert_kv(r.out, "breakout_chroot", "ok", "the probe could not even try its escape");
	mc_assert_kv(r.out, "breakout", "contained",
	             "the classic chroot escape reached the host: use pivot_root and unmount the "
	             "old root, a chroot is not a jail");
}

static void test_mounts_stay_inside(void **state)
{
	char source[64], line[256];
	struct ns_child child;
	struct ns_config cfg;
	struct mc_error err;
	int in[2], out[2], code;
	FILE *f;

	(void)state;
	snprintf(source, sizeof(source), "mc-leak-check-%d", (int)getpid());
	SETUP_CONTAINER(&cfg);
	cfg.argv = ((char *[]){"/bin/sh", "-c", "/probe mount-tmpfs $0 /tmp/leak && read x", source,
	                       NULL});
	assert_int_equal(pipe(out), 0);
	assert_int_equal(pipe(in), 0);
	cfg.stdio[0] = in[0];
	cfg.stdio[1] = out[1];
	assert_int_equal(ns_spawn(&cfg, &child, &err), 0);
	assert_int_equal(ns_start(&child, &err), 0);
	close(out[1]);
	close(in[0]);
	/* While the container is alive and its tmpfs mounted, the host sees nothing of it. */
	f = fdopen(out[0], "r");
	assert_non_null(fgets(line, sizeof(line), f));
	assert_string_equal(line, "mounted=/tmp/leak\n");
	assert_int_equal(mc_mountinfo_count(source), 0);
	assert_int_equal(mc_mountinfo_count(cfg.rootfs), 0);
	assert_int_equal(write(in[1], "\n", 1), 1);
	close(in[1]);
	assert_int_equal(ns_wait(&child, &code, &err), 0);
	assert_int_equal(code, 0);
	fclose(f);
	assert_int_equal(mc_mountinfo_count(source), 0);
}

/* --- 01.3 /dev ------------------------------------------------------------------------ */

static void test_dev_has_the_basic_nodes(void **state)
{
	static const char *const nodes[] = {
	    "/dev/null",  "/dev/zero",   "/dev/full",     "/dev/random", "/dev/urandom",
	    "/dev/tty",   "/dev/ptmx",   "/dev/pts/ptmx", "/dev/shm",    "/dev/fd",
	    "/dev/stdin", "/dev/stdout", "/dev/stderr"};
	const size_t count = sizeof(nodes) / sizeof(nodes[0]);
	char script[1024] = "";
	struct ns_config cfg;
	char value[64];
	struct run r;

	(void)state;
	for (size_t i = 0; i < count; i++) {
		strcat(script, "/probe exists ");
		strcat(script, nodes[i]);
		strcat(script, "; ");
	}
	/* /dev/zero must read as zeroes and /dev/null must swallow writes. */
	strcat(script, "/probe write /dev/null x >/dev/null && echo null_ok=1; "
	               "echo zero_bytes=$(head -c 8 /dev/zero | tr -d '\\000' | wc -c)");
	SETUP_CONTAINER(&cfg);
	cfg.argv = ((char *[]){"/bin/sh", "-c", script, NULL});
	run_ok(&cfg, &r);
	for (size_t i = 0; i < count; i++) {
		if (!mc_kv(r.out, "exists", (int)i, value, sizeof(value)))
			fail_msg("the probe printed no exists= line for %s; output was:\n%s",
			         nodes[i], r.out);
		if (strcmp(value, "1") != 0)
			fail_msg("exists=%s for %s, expected 1: it is missing inside the container",
			         value, nodes[i]);
	}
	mc_assert_kv(r.out, "null_ok", "1", "writing to /dev/null inside should work");
	mc_assert_kv(r.out, "zero_bytes", "0",
	             "/dev/zero inside should read as zero bytes (bound from the host's)");
}

/* --- 01.4 user namespace ---------------------------------------------------------- */

static void test_userns_maps_root(void **state)
{
	struct ns_config cfg;
	char path[600];
	struct stat st;
	struct run r;

	(void)state;
	SETUP_CONTAINER(&cfg);
	cfg.argv = ((char *[]){"/bin/sh", "-c",
	                       "/probe uidmap; /probe gidmap; /probe ids; "
	                       "/probe write /tmp/owned-by-container hi",
	                       NULL});
	cfg.userns = true;
	run_ok(&cfg, &r);
	mc_assert_kv(r.out, "uid_map", "0 100000 65536",
	             "/proc/self/uid_map inside: uid 0 inside is 100000 outside, for 65536 ids");
	mc_assert_kv(r.out, "gid_map", "0 100000 65536",
	             "/proc/self/gid_map inside: gid 0 inside is 100000 outside, for 65536 ids");
	mc_assert_kv(r.out, "uid", "0", "the command should run as root inside");
	mc_assert_kv(r.out, "gid", "0", "the command should run as group root inside");
	mc_assert_kv(r.out, "owner", "0:0", "a file it makes should be root's, seen from inside");
	/* Root inside, but the file it made belongs to an unprivileged uid outside. */
	snprintf(path, sizeof(path), "%s/tmp/owned-by-container", cfg.rootfs);
	assert_int_equal(stat(path, &st), 0);
	mc_assert_int("its owner seen from the host", st.st_uid, 100000,
	              "root inside must be an unprivileged user outside");
	mc_assert_int("its group seen from the host", st.st_gid, 100000,
	              "root's group inside must be an unprivileged group outside");
	unlink(path);
}

/* --- 01.5 exit codes ------------------------------------------------------------------ */

static void test_exit_code_propagates(void **state)
{
	struct ns_config cfg;
	struct run r;

	(void)state;
	mc_assert_int("ns_exit_code(status of exit(42))", ns_exit_code(0x2a00), 42,
	              "a process that exited has its exit status as its code");
	SETUP_CONTAINER(&cfg);
	cfg.argv = PROBE("exit", "42");
	run_container(&cfg, &r);
	if (r.rc != 0)
		fail_msg("the container did not start: %s (exit code %d)", r.err.msg, r.exit_code);
	mc_assert_int("exit code", r.exit_code, 42, "the container's command ran exit 42");
}

static void test_signal_gives_128_plus_n(void **state)
{
	struct ns_child child;
	struct ns_config cfg;
	struct mc_error err;
	int code;

	(void)state;
	mc_assert_int("ns_exit_code(status of a SIGTERM death)", ns_exit_code(SIGTERM),
	              128 + SIGTERM, "a process killed by signal N has the code 128 + N");
	SETUP_CONTAINER(&cfg);
	cfg.argv = PROBE("sleep", "30");
	assert_int_equal(ns_spawn(&cfg, &child, &err), 0);
	assert_int_equal(ns_start(&child, &err), 0);
	/* PID 1 ignores signals it has no handler for, except SIGKILL from outside. */
	assert_int_equal(kill(child.pid, SIGKILL), 0);
	assert_int_equal(ns_wait(&child, &code, &err), 0);
	mc_assert_int("exit code", code, 137, "a container killed by SIGKILL (9) exits 128 + 9");
}

/* --- --init and --network host ------------------------------------------------------ */

static void test_init_forwards_signals_and_reaps(void **state)
{
	struct ns_child child;
	struct ns_config cfg;
	struct mc_error err;
	struct run r;
	int code;

	(void)state;
	SETUP_CONTAINER(&cfg);
	cfg.init = true;
	cfg.argv = PROBE("pid");
	run_ok(&cfg, &r);
	assert_kv(r.out, "pid", "2"); /* the command runs under init, PID 1 */
	/* SIGTERM to PID 1 reaches the command, which dies of it: 128 + 15. */
	cfg.argv = PROBE("sleep", "30");
	cfg.stdio[1] = -1;
	assert_int_equal(ns_spawn(&cfg, &child, &err), 0);
	assert_int_equal(ns_start(&child, &err), 0);
	usleep(200 * 1000);
	assert_int_equal(kill(child.pid, SIGTERM), 0);
	assert_int_equal(ns_wait(&child, &code, &err), 0);
	assert_exit_code(code, 143);
	/* A command that is not there is still 127, with init in between. */
	cfg.argv = ((char *[]){"no-such-command", NULL});
	run_container(&cfg, &r);
	assert_int_equal(r.rc, -1);
	assert_exit_code(r.exit_code, 127);
}

static void test_host_network_keeps_the_hosts_interfaces(void **state)
{
	struct if_nameindex *ifs = if_nameindex();
	struct ns_config cfg;
	char expected[16];
	struct run r;
	int n = 0;

	(void)state;
	assert_non_null(ifs);
	while (ifs[n].if_index != 0)
		n++;
	if_freenameindex(ifs);
	snprintf(expected, sizeof(expected), "%d", n);
	SETUP_CONTAINER(&cfg);
	cfg.host_network = true;
	cfg.argv = PROBE("netif");
	run_ok(&cfg, &r);
	assert_kv(r.out, "netif_count", expected);
}

/* --- bad input ---------------------------------------------------------------------- */

static void assert_one_line(const char *msg)
{
	assert_true(msg[0] != '\0');
	assert_null(strchr(msg, '\n'));
}

static void test_command_not_found_is_127(void **state)
{
	struct ns_config cfg;
	struct run r;
	int mounts_before;

	(void)state;
	SETUP_CONTAINER(&cfg);
	cfg.argv = ((char *[]){"no-such-command", NULL});
	mounts_before = mc_mountinfo_count(NULL);
	run_container(&cfg, &r);
	assert_int_equal(r.rc, -1);
	assert_exit_code(r.exit_code, 127);
	assert_string_equal(r.err.msg, "exec no-such-command: No such file or directory");
	assert_int_equal(mc_mountinfo_count(NULL), mounts_before);
}

static void test_command_not_executable_is_126(void **state)
{
	struct ns_config cfg;
	char path[600];
	struct run r;

	(void)state;
	SETUP_CONTAINER(&cfg);
	cfg.argv = ((char *[]){"/etc/passwd", NULL});
	snprintf(path, sizeof(path), "%s/etc/passwd", cfg.rootfs);
	run_container(&cfg, &r);
	assert_int_equal(r.rc, -1);
	assert_exit_code(r.exit_code, 126);
	assert_string_equal(r.err.msg, "exec /etc/passwd: Permission denied");
}

static void test_missing_rootfs_is_a_clear_error(void **state)
{
	struct ns_config cfg;
	struct run r;
	int mounts_before;

	(void)state;
	SETUP_CONTAINER(&cfg);
	cfg.argv = PROBE("pid");
	cfg.rootfs = "/nonexistent/rootfs";
	mounts_before = mc_mountinfo_count(NULL);
	run_container(&cfg, &r);
	assert_int_equal(r.rc, -1);
	assert_exit_code(r.exit_code, 125);
	assert_string_equal(r.err.msg,
	                    "root filesystem /nonexistent/rootfs: No such file or directory");
	assert_one_line(r.err.msg);
	assert_int_equal(mc_mountinfo_count(NULL), mounts_before);
}

static int failing_hook(struct ns_container *c, void *arg, struct mc_error *err)
{
	(void)c;
	(void)arg;
	return mc_fail(err, EIO, "hook failed on purpose");
}

static void test_setup_failure_leaves_nothing_mounted(void **state)
{
	struct ns_config cfg;
	struct run r;
	int mounts_before;

	(void)state;
	SETUP_CONTAINER(&cfg);
	cfg.argv = PROBE("pid");
	/* Fail after /proc and /dev were mounted inside: they must vanish with the child. */
	assert_int_equal(ns_add_step(&cfg,
	                             &(struct ns_step){.chapter = "test",
	                                               .name = "failing step",
	                                               .before_pivot = failing_hook},
	                             &r.err),
	                 0);
	mounts_before = mc_mountinfo_count(NULL);
	run_container(&cfg, &r);
	assert_int_equal(r.rc, -1);
	assert_exit_code(r.exit_code, 125);
	assert_string_equal(r.err.msg, "hook failed on purpose: Input/output error");
	assert_int_equal(mc_mountinfo_count(NULL), mounts_before);
	assert_int_equal(mc_mountinfo_count(cfg.rootfs), 0);
	assert_string_equal(r.out, "");
}

static void test_not_root_is_refused(void **state)
{
	struct ns_config cfg;
	int status;
	pid_t pid;

	(void)state;
	SETUP_CONTAINER(&cfg);
	cfg.argv = PROBE("pid");
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct mc_error err;
		int code;

		if (setresgid(65534, 65534, 65534) < 0 || setresuid(65534, 65534, 65534) < 0)
			_exit(3);
		if (ns_run(&cfg, &code, &err) == 0)
			_exit(1);
		_exit(strstr(err.msg, "needs root") != NULL && code == 125 ? 0 : 2);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_env_and_args_reach_the_command(void **state)
{
	char *env[] = {"PATH=/bin", "GREETING=hello world", NULL};
	struct ns_config cfg;
	struct run r;

	(void)state;
	SETUP_CONTAINER(&cfg);
	cfg.argv = ((char *[]){"sh", "-c", "/probe env; echo arg=$0", "x y", NULL});
	cfg.envp = env;
	run_ok(&cfg, &r);
	assert_non_null(strstr(r.out, "env=PATH=/bin\n"));
	assert_non_null(strstr(r.out, "env=GREETING=hello world\n"));
	/* Nothing of the test program's own environment leaks in. */
	assert_null(strstr(r.out, "env=HOME="));
	assert_null(strstr(r.out, "env=MC_TEST"));
	assert_kv(r.out, "arg", "x y");
}

static void test_find_command_uses_the_container_path(void **state)
{
	char *env[] = {"PATH=/nonexistent:/bin", NULL};
	char path[256];

	(void)state;
	assert_int_equal(ns_find_command("sh", env, path, sizeof(path)), 0);
	assert_string_equal(path, "/bin/sh");
	assert_int_equal(ns_find_command("no-such-cmd", env, path, sizeof(path)), -ENOENT);
	assert_int_equal(ns_find_command("/a/b", env, path, sizeof(path)), 0);
	assert_string_equal(path, "/a/b");
}

int main(int argc, char **argv)
{
	static const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pid_is_one),
	    cmocka_unit_test(test_host_processes_invisible),
	    cmocka_unit_test(test_hostname_is_private),
	    cmocka_unit_test(test_only_loopback_up),
	    cmocka_unit_test(test_ipc_is_private),
	    cmocka_unit_test(test_root_is_the_rootfs),
	    cmocka_unit_test(test_old_root_is_gone),
	    cmocka_unit_test(test_chroot_breakout_fails),
	    cmocka_unit_test(test_mounts_stay_inside),
	    cmocka_unit_test(test_dev_has_the_basic_nodes),
	    cmocka_unit_test(test_userns_maps_root),
	    cmocka_unit_test(test_exit_code_propagates),
	    cmocka_unit_test(test_signal_gives_128_plus_n),
	    cmocka_unit_test(test_init_forwards_signals_and_reaps),
	    cmocka_unit_test(test_host_network_keeps_the_hosts_interfaces),
	    cmocka_unit_test(test_command_not_found_is_127),
	    cmocka_unit_test(test_command_not_executable_is_126),
	    cmocka_unit_test(test_missing_rootfs_is_a_clear_error),
	    cmocka_unit_test(test_setup_failure_leaves_nothing_mounted),
	    cmocka_unit_test(test_not_root_is_refused),
	    cmocka_unit_test(test_env_and_args_reach_the_command),
	    cmocka_unit_test(test_find_command_uses_the_container_path),
	};
	size_t n_own = sizeof(tests) / sizeof(tests[0]), n = n_own + ch01_confine_test_count;
	struct CMUnitTest *all = calloc(n, sizeof(*all));

	if (all == NULL)
		return 1;
	memcpy(all, tests, sizeof(tests));
	memcpy(all + n_own, ch01_confine_tests, ch01_confine_test_count * sizeof(*all));
	int rc = mc_test_main(argc, argv, "ch01-namespaces", all, n);

	free(all);
	return rc;
}
