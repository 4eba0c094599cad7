/*
 * test_ch02_cgroups.c - chapter 02, with real limits on the real kernel.
 *
 * On this build machine that is cgroup v1 (hybrid); `make test` runs the same
 * program again inside a throwaway VM with a pure cgroup v2 hierarchy
 * (tests/vm/).  Every cgroup is made under a per-run parent, mc-test-<pid>,
 * which is removed when the program exits.
 */
#define _GNU_SOURCE
#include "harness.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cg_cgroups.h"
#include "cg_devices.h"
#include "mc_file.h"
#include "cg_run.h"

static char *test_env[] = {"PATH=/bin:/sbin:/usr/bin:/usr/sbin", NULL};

#define PROBE(...) ((char *[]){"/probe", __VA_ARGS__, NULL})

static char parent[64];

static void remove_parent(void)
{
	struct mc_error err;

	if (cg_remove_parent(CG_DEFAULT_MOUNT, parent, &err) < 0)
		fprintf(stderr, "test: %s\n", err.msg);
}

/* The per-run parent cgroup, removed at exit. */
static const char *test_parent(void)
{
	if (parent[0] == '\0') {
		snprintf(parent, sizeof(parent), "mc-test-%d", (int)getpid());
		atexit(remove_parent);
	}
	return parent;
}

struct run {
	int rc;
	int exit_code;
	struct cg_stats stats;
	struct mc_error err;
	char out[16384];
};

#define SETUP_CONTAINER(cfg, run)                                                                  \
	do {                                                                                       \
		MC_REQUIRE_ROOT();                                                                 \
		if (mc_test_rootfs() == NULL)                                                      \
			MC_SKIP("no test root filesystem: run make rootfs");                       \
		ns_config_init(cfg);                                                               \
		(cfg)->rootfs = mc_test_rootfs();                                                  \
		(cfg)->envp = test_env;                                                            \
		cg_run_init(run);                                                                  \
		(run)->parent = test_parent();                                                     \
	} while (0)

/* Failures are reported at the test's line. */
#define run_container(cfg, cgr, r) run_container_at(__FILE__, __LINE__, (cfg), (cgr), (r))
static void run_container_at(const char *file, int line, struct ns_config *cfg, struct cg_run *cgr,
                             struct run *r)
{
	int fd = open(mc_test_tmpdir(), O_TMPFILE | O_RDWR, 0600);
	ssize_t n;

	assert_true(fd >= 0);
	cfg->stdio[1] = fd;
	memset(r, 0, sizeof(*r));
	r->rc = cg_add_step(cfg, cgr, &r->err);
	if (r->rc == 0)
		r->rc = ns_run(cfg, &r->exit_code, &r->err);
	r->stats = cgr->stats;
	n = pread(fd, r->out, sizeof(r->out) - 1, 0);
	r->out[n > 0 ? n : 0] = '\0';
	close(fd);
	if (r->rc != 0)
		mc_fail_at(file, line, "the container did not run: %s (exit code %d)", r->err.msg,
		           r->exit_code);
}

/* The probe's `nth` (0 = first) line "key=..." says `expected`. */
static void assert_kv_nth(const char *out, const char *key, int nth, const char *expected)
{
	char value[256];

	if (!mc_kv(out, key, nth, value, sizeof(value)))
		fail_msg("probe printed no %s= line number %d; output was:\n%s", key, nth + 1, out);
	if (strcmp(value, expected) != 0)
		fail_msg("%s= line number %d says %s, expected %s; output was:\n%s", key, nth + 1,
		         value, expected, out);
}

static void assert_kv(const char *out, const char *key, const char *expected)
{
	assert_kv_nth(out, key, 0, expected);
}

/* Count the cgroups left under our parent (in every hierarchy on v1). */
static int leftovers(void)
{
	static const char *const hierarchies[] = {"",     "memory", "cpu",     "cpuacct",
	                                          "pids", "blkio",  "freezer", "devices"};
	struct mc_error err;
	enum cg_mode mode;
	int n = 0;

	assert_int_equal(cg_detect_mode(CG_DEFAULT_MOUNT, &mode, &err), 0);
	for (size_t i = mode == CG_UNIFIED ? 0 : 1;
	     i < (mode == CG_UNIFIED ? 1 : sizeof(hierarchies) / sizeof(hierarchies[0])); i++) {
		char dir[PATH_MAX];
		struct dirent *e;
		DIR *d;

		snprintf(dir, sizeof(dir), "%s/%s/%s", CG_DEFAULT_MOUNT, hierarchies[i],
		         test_parent());
		d = opendir(dir);
		if (d == NULL)
			continue;
		while ((e = readdir(d)) != NULL)
			if (e->d_type == DT_DIR && e->d_name[0] != '.')
				n++;
		closedir(d);
	}
	return n;
}

static void read_cg_file(const struct cgroup *cg, const char *controller, const char *file,
                         char *buf, size_t size)
{
	char path[PATH_MAX];
	struct mc_error err;

	assert_int_equal(cg_file(cg, controller, file, path, sizeof(path), &err), 0);
	if (mc_read_file(path, buf, size, NULL, &err) < 0)
		fail_msg("%s", err.msg);
	buf[strcspn(buf, "\n")] = '\0';
}

/* --- 02.1 sizes ---------------------------------------------------------------------- */

static void test_parse_size_accepts_units(void **state)
{
	static const struct {
		const char *text;
		int64_t bytes;
	} cases[] = {
	    {"4096", 4096},    {"100b", 100},      {"512k", 512 * 1024}, {"64m", 64 << 20},
	    {"64M", 64 << 20}, {"64mb", 64 << 20}, {"1g", 1LL << 30},    {"1GB", 1LL << 30},
	    {"2t", 2LL << 40}, {"0", 0},
	};
	struct mc_error err;
	int64_t bytes;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bytes = -7;
		if (cg_parse_size(cases[i].text, &bytes, &err) != 0)
			fail_msg("'%s' was rejected: %s", cases[i].text, err.msg);
		if (bytes != cases[i].bytes)
			fail_msg("'%s' gave %lld bytes, expected %lld", cases[i].text,
			         (long long)bytes, (long long)cases[i].bytes);
	}
}

static void test_parse_size_rejects_garbage(void **state)
{
	static const char *const bad[] = {"",
	                                  "-1",
	                                  "64x",
	                                  "m",
	                                  " 64m",
	                                  "64m ",
	                                  "64mbb",
	                                  "6 4",
	                                  "1.5g",
	                                  "99999999999999999999",
	                                  "9999999999t",
	                                  "0x10",
	                                  "64k?"};
	struct mc_error err;
	int64_t bytes;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		mc_error_clear(&err);
		if (cg_parse_size(bad[i], &bytes, &err) != -1)
			fail_msg("'%s' was accepted (%lld bytes): it is not a size", bad[i],
			         (long long)bytes);
		if (strstr(err.msg, "invalid size") == NULL)
			fail_msg("'%s' was refused with \"%s\": the message should say \"invalid "
			         "size\"",
			         bad[i], err.msg);
	}
}

static void test_bad_limits_are_rejected(void **state)
{
	struct ns_config cfg;
	struct cg_limits l;
	struct mc_error err;
	struct cg_run cgr;
	double cpus;
	int code;

	(void)state;
	assert_int_equal(cg_parse_cpus("0", &cpus, &err), -1);
	assert_int_equal(cg_parse_cpus("-1", &cpus, &err), -1);
	assert_int_equal(cg_parse_cpus("half", &cpus, &err), -1);
	assert_int_equal(cg_parse_cpus("0.5", &cpus, &err), 0);

	cg_limits_init(&l);
	l.memory = 1024;
	assert_int_equal(cg_check_limits(&l, &err), -1);
	assert_string_equal(err.msg, "minimum memory limit allowed is 6MB");
	cg_limits_init(&l);
	l.memory = 64 << 20;
	l.memory_swap = 32 << 20;
	assert_int_equal(cg_check_limits(&l, &err), -1);
	cg_limits_init(&l);
	l.pids = -5;
	assert_int_equal(cg_check_limits(&l, &err), -1);
	cg_limits_init(&l);
	l.cpus = 1000;
	assert_int_equal(cg_check_limits(&l, &err), -1);
	assert_non_null(strstr(err.msg, "range of CPUs"));

	/* Through the whole path: refused before anything was created. */
	SETUP_CONTAINER(&cfg, &cgr);
	cfg.argv = PROBE("pid");
	cgr.limits.memory = 1024;
	assert_int_equal(cg_add_step(&cfg, &cgr, &err), 0);
	assert_int_equal(ns_run(&cfg, &code, &err), -1);
	assert_int_equal(code, 125);
	assert_int_equal(leftovers(), 0);
}

/* --- 02.2 / 02.5 the limit files ----------------------------------------------------- */

static void test_cpu_shares_to_weight(void **state)
{
	(void)state;
	mc_assert_int("cg_shares_to_weight(2)", cg_shares_to_weight(2), 1,
	              "the smallest cpu.shares is the smallest cpu.weight");
	mc_assert_int("cg_shares_to_weight(262144)", cg_shares_to_weight(262144), 10000,
	              "the largest cpu.shares is the largest cpu.weight");
	mc_assert_int("cg_shares_to_weight(1024)", cg_shares_to_weight(1024), 39,
	              "1 + (1024 - 2) * 9999 / 262142, in integers");
	mc_assert_int("cg_shares_to_weight(512)", cg_shares_to_weight(512), 20,
	              "1 + (512 - 2) * 9999 / 262142, in integers");
}

/*
 * The v2 backend's file contents, checked against a scratch directory laid out
 * like a v2 cgroup (this host is v1; the VM run checks the real files too).
 */
static void test_v2_files_hold_the_requested_values(void **state)
{
	static const char *const files[] = {"memory.max", "memory.swap.max", "cpu.max",
	                                    "cpu.weight", "pids.max"};
	struct cgroup cg = {.mode = CG_UNIFIED};
	struct cg_limits l;
	struct mc_error err;
	char path[PATH_MAX], buf[64];

	(void)state;
	snprintf(cg.mount, sizeof(cg.mount), "%s", mc_test_tmpdir());
	snprintf(cg.path, sizeof(cg.path), "fake-v2");
	snprintf(path, sizeof(path), "%s/fake-v2", cg.mount);
	mkdir(path, 0755);
	/* Empty files: unlike the kernel's, a regular file keeps old bytes past a short write. */
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/fake-v2/%s", cg.mount, files[i]);
		close(open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644));
	}
	cg_limits_init(&l);
	l.memory = 64 << 20;
	l.cpus = 0.5;
	l.cpu_shares = 512;
	l.pids = 100;
	if (cg_apply_limits(&cg, &l, &err) < 0)
		fail_msg("%s", err.msg);
	read_cg_file(&cg, "", "memory.max", buf, sizeof(buf));
	mc_assert_str("memory.max", buf, "67108864", "--memory 64m, in bytes");
	read_cg_file(&cg, "", "memory.swap.max", buf, sizeof(buf));
	mc_assert_str("memory.swap.max", buf, "67108864",
	              "with no --memory-swap, Docker allows as much swap as memory");
	read_cg_file(&cg, "", "cpu.max", buf, sizeof(buf));
	mc_assert_str("cpu.max", buf, "50000 100000",
	              "--cpus 0.5: a quota of 50000 us in every period of 100000 us");
	read_cg_file(&cg, "", "cpu.weight", buf, sizeof(buf));
	mc_assert_str("cpu.weight", buf, "20", "--cpu-shares 512 through cg_shares_to_weight()");
	read_cg_file(&cg, "", "pids.max", buf, sizeof(buf));
	mc_assert_str("pids.max", buf, "100", "--pids-limit 100");

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/fake-v2/%s", cg.mount, files[i]);
		close(open(path, O_TRUNC | O_WRONLY));
	}
	l.memory_swap = -1;
	l.pids = -1;
	if (cg_apply_limits(&cg, &l, &err) < 0)
		fail_msg("%s", err.msg);
	read_cg_file(&cg, "", "memory.swap.max", buf, sizeof(buf));
	mc_assert_str("memory.swap.max", buf, "max", "--memory-swap -1 means unlimited swap");
	read_cg_file(&cg, "", "pids.max", buf, sizeof(buf));
	mc_assert_str("pids.max", buf, "max", "--pids-limit -1 means no limit");
}

/* The real files of a real cgroup, whichever version this kernel runs. */
static void test_limit_files_hold_the_requested_values(void **state)
{
	struct cg_limits l;
	struct mc_error err;
	struct cgroup cg;
	char buf[64];

	(void)state;
	MC_REQUIRE_ROOT();
	if (cg_create(&cg, CG_DEFAULT_MOUNT, test_parent(), "limits", &err) < 0)
		fail_msg("%s", err.msg);
	cg_limits_init(&l);
	l.memory = 64 << 20;
	l.cpus = 0.5;
	l.cpu_shares = 512;
	l.pids = 100;
	if (cg_apply_limits(&cg, &l, &err) < 0) {
		cg_destroy(&cg, &err);
		fail_msg("%s", err.msg);
	}
	if (cg.mode == CG_UNIFIED) {
		read_cg_file(&cg, "", "memory.max", buf, sizeof(buf));
		assert_string_equal(buf, "67108864");
		read_cg_file(&cg, "", "cpu.max", buf, sizeof(buf));
		assert_string_equal(buf, "50000 100000");
		read_cg_file(&cg, "", "cpu.weight", buf, sizeof(buf));
		assert_string_equal(buf, "20");
		read_cg_file(&cg, "", "pids.max", buf, sizeof(buf));
		assert_string_equal(buf, "100");
	} else {
		read_cg_file(&cg, "memory", "memory.limit_in_bytes", buf, sizeof(buf));
		assert_string_equal(buf, "67108864");
		read_cg_file(&cg, "memory", "memory.memsw.limit_in_bytes", buf, sizeof(buf));
		assert_string_equal(buf, "134217728"); /* memory + as much swap */
		read_cg_file(&cg, "cpu", "cpu.cfs_quota_us", buf, sizeof(buf));
		assert_string_equal(buf, "50000");
		read_cg_file(&cg, "cpu", "cpu.cfs_period_us", buf, sizeof(buf));
		assert_string_equal(buf, "100000");
		read_cg_file(&cg, "cpu", "cpu.shares", buf, sizeof(buf));
		assert_string_equal(buf, "512");
		read_cg_file(&cg, "pids", "pids.max", buf, sizeof(buf));
		assert_string_equal(buf, "100");
	}
	assert_int_equal(cg_destroy(&cg, &err), 0);
	assert_int_equal(leftovers(), 0);
}

/* --- 02.3 / 02.4 limits at work -------------------------------------------------------- */

static void test_oom_kills_are_parsed(void **state)
{
	uint64_t kills = 99;

	(void)state;
	mc_assert_int("cg_parse_oom_kills(memory.events)",
	              cg_parse_oom_kills("low 0\nhigh 0\nmax 4\noom 1\noom_kill 1\n"
	                                 "oom_group_kill 0\n",
	                                 &kills),
	              0, "v2's memory.events has an oom_kill line: return 0");
	mc_assert_int("kills from memory.events", kills, 1,
	              "the value of the line oom_kill (not oom, not oom_group_kill)");
	mc_assert_int("cg_parse_oom_kills(memory.oom_control)",
	              cg_parse_oom_kills("oom_kill_disable 0\nunder_oom 0\noom_kill 2\n", &kills),
	              0, "v1's memory.oom_control has an oom_kill line: return 0");
	mc_assert_int("kills from memory.oom_control", kills, 2, "the value of the line oom_kill");
	mc_assert_int("cg_parse_oom_kills(no oom_kill line)",
	              cg_parse_oom_kills("oom_kill_disable 0\nunder_oom 0\n", &kills), -1,
	              "without an oom_kill line (older kernels), return -1");
}

static void test_memory_hog_is_oom_killed(void **state)
{
	struct ns_config cfg;
	struct cg_run cgr;
	struct run r;
	char value[32];

	(void)state;
	SETUP_CONTAINER(&cfg, &cgr);
	cfg.argv = PROBE("eat", "64");
	cgr.limits.memory = 32 << 20;
	run_container(&cfg, &cgr, &r);
	if (r.exit_code != 137)
		fail_msg("exit code %d, expected 137 (SIGKILL by the OOM killer); output:\n%s",
		         r.exit_code, r.out);
	if (r.stats.oom_kills == 0)
		fail_msg("oom_kills=0, expected at least 1: the container was killed, but no OOM "
		         "kill was read from the cgroup (cg_parse_oom_kills)");
	/* It got some way before the kill, but never to 64 MiB. */
	if (!mc_kv(r.out, "eaten", 0, value, sizeof(value)))
		fail_msg("the probe printed no eaten= line: it was killed before it started?\n%s",
		         r.out);
	if (strstr(r.out, "eat=done") != NULL)
		fail_msg("eat=done: the probe got all its 64 MiB past a 32 MiB limit");
	mc_assert_int("cgroups left", leftovers(), 0, "the container's cgroup is removed at exit");
}

static void test_fork_bomb_is_held(void **state)
{
	struct ns_config cfg;
	struct cg_run cgr;
	char value[32];
	struct run r;

	(void)state;
	SETUP_CONTAINER(&cfg, &cgr);
	cfg.argv = PROBE("forkbomb", "200");
	cgr.limits.pids = 20;
	run_container(&cfg, &cgr, &r);
	mc_assert_int("exit code", r.exit_code, 0, NULL);
	if (!mc_kv(r.out, "forked", 0, value, sizeof(value)))
		fail_msg("the probe printed no forked= line; output was:\n%s", r.out);
	/* 20 processes in all, the probe itself is one of them. */
	if (atoi(value) != 19)
		fail_msg("forked=%s, expected 19: with pids.max 20 the probe and 19 children fit "
		         "(is the container's process in its cgroup?)",
		         value);
	mc_assert_kv(r.out, "fork_error", "EAGAIN", "the 21st process is refused with EAGAIN");
	if (r.stats.pids_peak >= 0)
		mc_assert_int("pids.peak", r.stats.pids_peak, 20, "the cgroup held 20 at most");
}

static void test_cpu_quota_limits_cpu_time(void **state)
{
	struct ns_config cfg;
	struct cg_run cgr;
	char value[32];
	struct run r;
	double cpu;

	(void)state;
	SETUP_CONTAINER(&cfg, &cgr);
	cfg.argv = PROBE("spin", "1");
	cgr.limits.cpus = 0.5;
	run_container(&cfg, &cgr, &r);
	assert_int_equal(r.exit_code, 0);
	assert_true(mc_kv(r.out, "cpu", 0, value, sizeof(value)));
	cpu = atof(value);
	/* Half a CPU for one second of wall time: about 0.5 s; generous bounds. */
	if (cpu < 0.25 || cpu > 0.75)
		fail_msg("used %.3f s of CPU in 1 s with --cpus 0.5", cpu);
	assert_true(r.stats.cpu_usec >= 250000);
}

static void test_container_sees_its_own_cgroup(void **state)
{
	struct ns_config cfg;
	struct cg_run cgr;
	char value[256];
	struct run r;
	int i;

	(void)state;
	SETUP_CONTAINER(&cfg, &cgr);
	/* Its cgroup.procs lists PID 1: the cgroup mounted inside really is its own. */
	cfg.argv =
	    ((char *[]){"/bin/sh", "-c",
	                "/probe cgroup; /probe write /sys/fs/cgroup/x y 2>/dev/null; "
	                "echo write_status=$?; "
	                "for f in /sys/fs/cgroup/cgroup.procs /sys/fs/cgroup/pids/cgroup.procs; "
	                "do [ -e $f ] && sed 's/^/member=/' $f; done; true",
	                NULL});
	run_container(&cfg, &cgr, &r);
	mc_assert_int("exit code", r.exit_code, 0, NULL);
	for (i = 0; mc_kv(r.out, "cgroup", i, value, sizeof(value)); i++) {
		size_t len = strlen(value);

		if (len < 2 || strcmp(value + len - 2, ":/") != 0)
			fail_msg("inside, /proc/self/cgroup has '%s' (expected paths of /)", value);
	}
	if (i == 0 || strstr(r.out, "cgroup=0::/\n") == NULL)
		fail_msg(
		    "no cgroup=0::/ line: inside, /proc/self/cgroup should show the root of its "
		    "own cgroup namespace; output was:\n%s",
		    r.out);
	mc_assert_kv(r.out, "write_status", "1", "/sys/fs/cgroup is mounted read-only inside");
	mc_assert_kv(r.out, "member", "1",
	             "the container's cgroup.procs lists its PID 1: the process was put into the "
	             "cgroup (cg_add_process)");
}

static void test_nothing_left_after_exit(void **state)
{
	struct ns_config cfg;
	struct cg_run cgr;
	struct run r;

	(void)state;
	SETUP_CONTAINER(&cfg, &cgr);
	cfg.argv = ((char *[]){"/bin/sh", "-c", "/probe sleep 5 & /probe sleep 5 & exit 3", NULL});
	cgr.limits.memory = 64 << 20;
	run_container(&cfg, &cgr, &r);
	assert_int_equal(r.exit_code, 3);
	/* The two sleepers were still alive in the cgroup: destroy killed them. */
	assert_int_equal(leftovers(), 0);
}

static void test_freeze_and_thaw(void **state)
{
	struct ns_child child;
	struct ns_config cfg;
	struct mc_error err;
	struct cg_run cgr;
	struct cgroup cg;
	char buf[256];
	int code;

	(void)state;
	SETUP_CONTAINER(&cfg, &cgr);
	cfg.argv = PROBE("sleep", "30");
	assert_int_equal(cg_create(&cg, CG_DEFAULT_MOUNT, test_parent(), "freeze", &err), 0);
	assert_int_equal(ns_spawn(&cfg, &child, &err), 0);
	assert_int_equal(cg_add_process(&cg, child.pid, &err), 0);
	assert_int_equal(ns_start(&child, &err), 0);
	if (cg_freeze(&cg, true, &err) < 0)
		fail_msg("%s", err.msg);
	if (cg.mode == CG_UNIFIED) {
		read_cg_file(&cg, "", "cgroup.freeze", buf, sizeof(buf));
		assert_string_equal(buf, "1");
	} else {
		read_cg_file(&cg, "freezer", "freezer.state", buf, sizeof(buf));
		assert_string_equal(buf, "FROZEN");
	}
	assert_int_equal(cg_freeze(&cg, false, &err), 0);
	if (cg.mode == CG_UNIFIED) {
		read_cg_file(&cg, "", "cgroup.freeze", buf, sizeof(buf));
		assert_string_equal(buf, "0");
	} else {
		read_cg_file(&cg, "freezer", "freezer.state", buf, sizeof(buf));
		assert_string_equal(buf, "THAWED");
	}
	/* Destroying kills what is inside - even while frozen (pause, then rm -f);
	 * the container's PID 1 dies of SIGKILL. */
	assert_int_equal(cg_freeze(&cg, true, &err), 0);
	assert_int_equal(cg_destroy(&cg, &err), 0);
	assert_int_equal(ns_wait(&child, &code, &err), 0);
	assert_int_equal(code, 137);
	assert_int_equal(leftovers(), 0);
}

/* --blkio-weight lands in whichever weight file the kernel offers, or fails saying so. */
static void test_blkio_weight(void **state)
{
	static const char *const files[][2] = {{"blkio", "blkio.weight"},
	                                       {"blkio", "blkio.bfq.weight"},
	                                       {"", "io.weight"},
	                                       {"", "io.bfq.weight"}};
	char path[PATH_MAX], buf[64];
	struct cg_limits l;
	struct mc_error err;
	struct cgroup cg;
	int found = -1;

	(void)state;
	MC_REQUIRE_ROOT();
	if (cg_create(&cg, CG_DEFAULT_MOUNT, test_parent(), "blkio", &err) < 0)
		fail_msg("%s", err.msg);
	for (int i = 0; i < 4 && found < 0; i++)
		if ((cg.mode == CG_UNIFIED) == (files[i][0][0] == '\0') &&
		    cg_file(&cg, files[i][0], files[i][1], path, sizeof(path), &err) == 0 &&
		    access(path, F_OK) == 0)
			found = i;
	cg_limits_init(&l);
	l.blkio_weight = 500;
	if (found < 0) {
		assert_int_equal(cg_apply_limits(&cg, &l, &err), -1);
		assert_non_null(strstr(err.msg, "--blkio-weight"));
	} else {
		if (cg_apply_limits(&cg, &l, &err) < 0)
			fail_msg("%s", err.msg);
		read_cg_file(&cg, files[found][0], files[found][1], buf, sizeof(buf));
		/* io.weight reads "default N" and maps 10..1000 onto 1..10000 (500 -> 4950). */
		if (strcmp(files[found][1], "io.weight") == 0)
			assert_string_equal(buf, "default 4950");
		else
			assert_true(strcmp(buf, "500") == 0 || strcmp(buf, "default 500") == 0);
	}
	assert_int_equal(cg_destroy(&cg, &err), 0);
}

static void test_invalid_cgroup_names_are_refused(void **state)
{
	struct mc_error err;
	struct cgroup cg;

	(void)state;
	assert_int_equal(cg_create(&cg, CG_DEFAULT_MOUNT, "../escape", "x", &err), -1);
	assert_int_equal(cg_create(&cg, CG_DEFAULT_MOUNT, "ok", "a/b", &err), -1);
	assert_int_equal(cg_create(&cg, CG_DEFAULT_MOUNT, "/abs", "x", &err), -1);
	assert_non_null(strstr(err.msg, "invalid cgroup name"));
}

/* --- devices: what a container may open ---------------------------------------------------- */

static void test_device_permissions_are_parsed(void **state)
{
	static const char *const bad[] = {"", "x", "rwx", "rr", "R", "rw m", "mm"};
	struct mc_error err;
	unsigned access;

	(void)state;
	assert_int_equal(cg_parse_device_access("rwm", &access, &err), 0);
	assert_int_equal(access, CG_DEV_READ | CG_DEV_WRITE | CG_DEV_MKNOD);
	assert_int_equal(cg_parse_device_access("r", &access, &err), 0);
	assert_int_equal(access, CG_DEV_READ);
	assert_int_equal(cg_parse_device_access("mw", &access, &err), 0);
	assert_int_equal(access, CG_DEV_WRITE | CG_DEV_MKNOD);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (cg_parse_device_access(bad[i], &access, &err) != -1)
			fail_msg("permissions '%s' were accepted", bad[i]);
}

/* Docker's --device forms, and its reading of a second part as permissions or a path. */
static void test_device_specs_are_parsed(void **state)
{
	static const struct {
		const char *text, *host, *container, *access;
	} good[] = {
	    {"/dev/loop-control", "/dev/loop-control", "/dev/loop-control", "rwm"},
	    {"/dev/loop0:/dev/disk", "/dev/loop0", "/dev/disk", "rwm"},
	    {"/dev/loop0:r", "/dev/loop0", "/dev/loop0", "r"},
	    {"/dev/loop0:/dev/disk:rw", "/dev/loop0", "/dev/disk", "rw"},
	};
	static const struct {
		const char *text, *why;
	} bad[] = {
	    {"dev/null", "absolute"},           {"/dev/null:dev/null", "not an absolute path"},
	    {"/dev/null:rwx", "rwx"},           {"/dev/null:/dev/n:rwx", "bad permissions 'rwx'"},
	    {"/a:/b:rw:x", "HOST[:CONTAINER]"}, {"", "HOST[:CONTAINER]"},
	    {":/dev/null", "HOST[:CONTAINER]"},
	};
	struct cg_device_spec spec;
	struct mc_error err;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (cg_parse_device_spec(good[i].text, &spec, &err) < 0)
			fail_msg("'%s' was refused: %s", good[i].text, err.msg);
		assert_string_equal(spec.host, good[i].host);
		assert_string_equal(spec.container, good[i].container);
		assert_string_equal(spec.access, good[i].access);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		mc_error_clear(&err);
		if (cg_parse_device_spec(bad[i].text, &spec, &err) != -1)
			fail_msg("'%s' was accepted", bad[i].text);
		if (strstr(err.msg, bad[i].why) == NULL)
			fail_msg("'%s': the error \"%s\" does not say \"%s\"", bad[i].text, err.msg,
			         bad[i].why);
	}
}

static void test_device_rules_are_formatted(void **state)
{
	static const struct {
		struct cg_device_rule rule;
		const char *text;
	} cases[] = {
	    {{true, 'c', 1, 3, CG_DEV_ALL}, "c 1:3 rwm"},
	    {{true, 'b', CG_DEV_ANY, CG_DEV_ANY, CG_DEV_MKNOD}, "b *:* m"},
	    {{true, 'c', 136, CG_DEV_ANY, CG_DEV_ALL}, "c 136:* rwm"},
	    {{false, 'a', CG_DEV_ANY, CG_DEV_ANY, CG_DEV_ALL}, "a *:* rwm"},
	    {{true, 'b', 7, 0, CG_DEV_MKNOD | CG_DEV_READ}, "b 7:0 rm"},
	};
	struct mc_error err;
	char buf[64];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(cg_format_device_rule(&cases[i].rule, buf, sizeof(buf), &err), 0);
		assert_string_equal(buf, cases[i].text);
	}
}

/* A missing host device, a file that is no device: clear errors, before anything starts. */
static void test_odd_host_devices_are_refused(void **state)
{
	struct cg_devices d;
	struct mc_error err;

	(void)state;
	cg_devices_init(&d);
	assert_int_equal(cg_devices_add_spec(&d, "/dev/no-such-device", &err), -1);
	assert_int_equal(err.errnum, ENOENT);
	assert_non_null(strstr(err.msg, "\"/dev/no-such-device\""));
	assert_int_equal(cg_devices_add_spec(&d, "/etc/passwd", &err), -1);
	assert_non_null(strstr(err.msg, "not a device node"));
	assert_int_equal(cg_devices_add(&d, "/dev/null", "dev/null", "rwm", &err), -1);
	assert_int_equal(d.nnodes, 0);
	assert_int_equal(d.nrules, 0);
	/* A good one: the host's major and minor, and the permissions asked for. */
	assert_int_equal(cg_devices_add_spec(&d, "/dev/null:/dev/nothing:rw", &err), 0);
	assert_int_equal(d.nnodes, 1);
	assert_string_equal(d.nodes[0].path, "/dev/nothing");
	assert_true(S_ISCHR(d.nodes[0].mode));
	assert_int_equal(major(d.nodes[0].rdev), 1);
	assert_int_equal(minor(d.nodes[0].rdev), 3);
	assert_int_equal(d.rules[0].type, 'c');
	assert_int_equal(d.rules[0].access, CG_DEV_READ | CG_DEV_WRITE);
}

/*
 * A BPF interpreter for the few instructions the device program uses, so
 * that the program can be checked request by request on any machine.
 * Returns the program's answer, or -1 (and fails) on anything unexpected.
 */
static int run_device_program(const struct cg_bpf_program *p, int type, unsigned access,
                              unsigned maj, unsigned min)
{
	struct bpf_cgroup_dev_ctx ctx = {(access << 16) | (unsigned)type, maj, min};
	uint64_t r[11] = {0};
	size_t pc = 0;

	r[1] = (uintptr_t)&ctx;
	for (int steps = 0; steps < 10000 && pc < p->len; steps++) {
		const struct bpf_insn *in = &p->insns[pc++];
		uint64_t src = (in->code & BPF_X) ? r[in->src_reg] : (uint64_t)(int64_t)in->imm;

		switch (in->code) {
		case BPF_LDX | BPF_MEM | BPF_W:
			if (r[in->src_reg] != (uintptr_t)&ctx || in->off < 0 ||
			    (size_t)in->off + 4 > sizeof(ctx))
				fail_msg("instruction %zu loads outside the request", pc - 1);
			r[in->dst_reg] = *(uint32_t *)((char *)&ctx + in->off);
			break;
		case BPF_ALU | BPF_AND | BPF_K:
			r[in->dst_reg] = (uint32_t)(r[in->dst_reg] & (uint32_t)in->imm);
			break;
		case BPF_ALU | BPF_RSH | BPF_K:
			r[in->dst_reg] = (uint32_t)r[in->dst_reg] >> in->imm;
			break;
		case BPF_ALU | BPF_MOV | BPF_X:
			r[in->dst_reg] = (uint32_t)r[in->src_reg];
			break;
		case BPF_ALU64 | BPF_MOV | BPF_K:
			r[in->dst_reg] = (uint64_t)(int64_t)in->imm;
			break;
		case BPF_JMP | BPF_JNE | BPF_K:
		case BPF_JMP | BPF_JNE | BPF_X:
			if (r[in->dst_reg] != src)
				pc += (size_t)in->off;
			break;
		case BPF_JMP | BPF_EXIT:
			return (int)r[0];
		default:
			fail_msg("instruction %zu: unexpected opcode %#x", pc - 1, in->code);
		}
	}
	fail_msg("the program ran off its end or did not stop");
	return -1;
}

/* What the rules say, read the simple way: the last rule that matches decides. */
static int decide(const struct cg_device_rule *rules, size_t n, char type, unsigned access,
                  unsigned maj, unsigned min)
{
	for (size_t i = n; i-- > 0;) {
		const struct cg_device_rule *r = &rules[i];

		if ((r->type == 'a' || r->type == type) && (access & ~r->access) == 0 &&
		    (r->major == CG_DEV_ANY || r->major == maj) &&
		    (r->minor == CG_DEV_ANY || r->minor == min))
			return r->allow;
	}
	return 0;
}

static void test_device_program_decides_like_the_rules(void **state)
{
	static const struct {
		char type;
		unsigned maj, min;
		const char *access;
		int allowed;
	} facts[] = {
	    {'c', 1, 3, "rw", 1},    /* /dev/null */
	    {'c', 136, 7, "rw", 1},  /* a terminal of the container's devpts */
	    {'c', 10, 237, "r", 0},  /* /dev/loop-control, made inside ... */
	    {'c', 10, 237, "m", 1},  /* ... which is allowed, by "c *:* m" */
	    {'b', 7, 0, "r", 0},     /* the first loop device */
	    {'b', 254, 0, "rw", 0},  /* a disk */
	    {'b', 254, 0, "m", 1},   /* "b *:* m" */
	    {'c', 10, 229, "rw", 0}, /* /dev/fuse, denied by name */
	    {'b', 1, 3, "r", 0},     /* null's numbers, but a block device */
	    {'b', 7, 1, "r", 1},     /* the --device rule below: "b 7:1 r" ... */
	    {'b', 7, 1, "rw", 0},    /* ... not w */
	};
	static const char types[] = {'c', 'b'};
	static const unsigned numbers[] = {0, 1, 2, 3, 5, 7, 8, 9, 10, 136, 200, 229, 237, 254};
	struct cg_device_rule rules[64];
	struct cg_bpf_program p;
	struct cg_devices d;
	size_t n;

	(void)state;
	cg_devices_init(&d);
	d.rules[d.nrules++] = (struct cg_device_rule){true, 'b', 7, 1, CG_DEV_READ};
	n = cg_device_rules(&d, rules, 64);
	assert_int_equal(n, cg_n_default_device_rules + 1);
	cg_bpf_device_program(rules, n, &p);
	assert_false(p.overflow);
	for (size_t i = 0; i < sizeof(facts) / sizeof(facts[0]); i++) {
		unsigned access;
		struct mc_error err;
		int got;

		assert_int_equal(cg_parse_device_access(facts[i].access, &access, &err), 0);
		got = run_device_program(
		    &p, facts[i].type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR, access,
		    facts[i].maj, facts[i].min);
		if (got != facts[i].allowed)
			fail_msg("%c %u:%u %s: the program says %d, expected %d", facts[i].type,
			         facts[i].maj, facts[i].min, facts[i].access, got,
			         facts[i].allowed);
	}
	/* And every request of a grid, against the rules read the simple way. */
	for (size_t t = 0; t < 2; t++)
		for (size_t a = 1; a <= CG_DEV_ALL; a++)
			for (size_t i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++)
				for (size_t j = 0; j < sizeof(numbers) / sizeof(numbers[0]); j++) {
					int want = decide(rules, n, types[t], (unsigned)a,
					                  numbers[i], numbers[j]);
					int got =
					    run_device_program(&p,
					                       types[t] == 'b' ? BPF_DEVCG_DEV_BLOCK
					                                       : BPF_DEVCG_DEV_CHAR,
					                       (unsigned)a, numbers[i], numbers[j]);

					if (got != want)
						fail_msg(
						    "%c %u:%u access %zu: the program says %d, "
						    "the rules %d",
						    types[t], numbers[i], numbers[j], a, got, want);
				}
}

/* Where a cgroup2 hierarchy is: the host's own on v2, systemd's "unified" on a hybrid host. */
static const char *cgroup2_mount(void)
{
	enum cg_mode mode;
	struct mc_error err;

	if (cg_detect_mode(CG_DEFAULT_MOUNT, &mode, &err) < 0)
		return NULL;
	if (mode == CG_UNIFIED)
		return CG_DEFAULT_MOUNT;
	return mode == CG_HYBRID ? CG_DEFAULT_MOUNT "/unified" : NULL;
}

/*
 * In a child placed in `cg`: a private tmpfs (the test's /tmp may be nodev,
 * which would refuse every node), /dev/null's numbers and loop-control's made
 * on it, each opened.  The exit status says which opened: bit 0 null, bit 1
 * loop-control; 100 and up, a step failed.
 */
static int open_in_cgroup(const struct cgroup *cg)
{
	char dir[PATH_MAX], null[PATH_MAX + 8], loop[PATH_MAX + 8];
	struct mc_error err;
	int status;
	pid_t pid;

	snprintf(dir, sizeof(dir), "%s/devices", mc_test_tmpdir());
	mkdir(dir, 0755);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int opened = 0, fd;

		if (cg_add_process(cg, getpid(), &err) < 0 || unshare(CLONE_NEWNS) < 0 ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
		    mount("tmpfs", dir, "tmpfs", 0, "size=64k") < 0)
			_exit(100);
		snprintf(null, sizeof(null), "%s/null", dir);
		snprintf(loop, sizeof(loop), "%s/lc", dir);
		if (mknod(null, S_IFCHR | 0600, makedev(1, 3)) < 0 ||
		    mknod(loop, S_IFCHR | 0600, makedev(10, 237)) < 0)
			_exit(101);
		fd = open(null, O_RDWR | O_CLOEXEC);
		if (fd >= 0)
			opened |= 1;
		fd = open(loop, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (fd >= 0)
			opened |= 2;
		else if (errno != EPERM)
			_exit(102);
		_exit(opened);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/*
 * The v2 backend on the real kernel - on a hybrid host too, in its cgroup2
 * hierarchy: the program is attached, decides, and goes with the cgroup.
 */
static void test_device_program_in_the_kernel(void **state)
{
	const char *mount = cgroup2_mount();
	struct cg_devices d;
	struct mc_error err;
	struct cgroup cg;
	uint32_t ids[8];
	size_t n = 0;
	int opened;

	(void)state;
	MC_REQUIRE_ROOT();
	if (mount == NULL)
		MC_SKIP("no cgroup2 hierarchy on this host (cgroup v1 only)");
	cg_devices_init(&d);
	if (cg_create(&cg, mount, test_parent(), "bpf", &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(cg.mode, CG_UNIFIED);
	/* Without a program, both open. */
	mc_assert_int("opened without a program", open_in_cgroup(&cg), 3,
	              "a child in the cgroup opens /dev/null (1) and loop-control (2) while no "
	              "program is attached; 100 and up: a step failed (100: placing it in the "
	              "cgroup)");
	if (cg_apply_devices(&cg, &d, &err) < 0 || cg_bpf_query(&cg, ids, 8, &n, &err) < 0) {
		cg_destroy(&cg, &err);
		fail_msg("%s", err.msg);
	}
	mc_assert_int("device programs attached", n, 1,
	              "cg_apply_devices() attaches one BPF program to the cgroup");
	opened = open_in_cgroup(&cg);
	assert_int_equal(cg_destroy(&cg, &err), 0);
	assert_int_equal(cg_remove_parent(mount, test_parent(), &err), 0);
	if (opened != 1)
		fail_msg("in the cgroup: %s", opened == 0   ? "/dev/null was denied"
		                              : opened == 3 ? "loop-control was allowed"
		                                            : "a step of the child failed");
	/* The cgroup held the only reference: the program is freed (asynchronously) with it. */
	for (int i = 0; i < 500 && cg_bpf_program_exists(ids[0]); i++)
		usleep(10000);
	if (cg_bpf_program_exists(ids[0]))
		fail_msg("device program %u is still loaded after its cgroup was removed", ids[0]);
}

/* The default policy is in the cgroup itself: devices.list on v1, one program on v2. */
static void test_default_device_policy_is_in_the_cgroup(void **state)
{
	static const char *const expected[] = {"c 1:3 rwm", "c 1:5 rwm", "c *:* m",
	                                       "b *:* m",   "c 5:2 rwm", "c 136:* rwm"};
	struct cg_devices d;
	struct mc_error err;
	struct cgroup cg;
	char list[4096];

	(void)state;
	MC_REQUIRE_ROOT();
	cg_devices_init(&d);
	if (cg_create(&cg, CG_DEFAULT_MOUNT, test_parent(), "devices", &err) < 0)
		fail_msg("%s", err.msg);
	if (cg_apply_devices(&cg, &d, &err) < 0) {
		cg_destroy(&cg, &err);
		fail_msg("%s", err.msg);
	}
	if (cg.mode == CG_UNIFIED) {
		uint32_t ids[8];
		size_t n = 0;

		assert_int_equal(cg_bpf_query(&cg, ids, 8, &n, &err), 0);
		assert_int_equal(n, 1);
	} else {
		char path[PATH_MAX];

		assert_int_equal(cg_file(&cg, "devices", "devices.list", path, sizeof(path), &err),
		                 0);
		assert_int_equal(mc_read_file(path, list, sizeof(list), NULL, &err), 0);
		for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++)
			if (strstr(list, expected[i]) == NULL)
				fail_msg("devices.list lacks \"%s\":\n%s", expected[i], list);
		if (strstr(list, "a *:* rwm") != NULL || strstr(list, "10:237") != NULL)
			fail_msg("devices.list allows too much:\n%s", list);
	}
	assert_int_equal(cg_destroy(&cg, &err), 0);
	assert_int_equal(leftovers(), 0);
}

/* A prepare that fails after the cgroup was made (a bad rule) removes it again. */
static void test_failed_prepare_leaves_no_cgroup(void **state)
{
	struct ns_config cfg;
	struct mc_error err;
	struct cg_run cgr;
	int code;

	(void)state;
	SETUP_CONTAINER(&cfg, &cgr);
	cfg.argv = PROBE("pid");
	cgr.devices.rules[cgr.devices.nrules++] = (struct cg_device_rule){true, 'x', 1, 1, 0};
	assert_int_equal(cg_add_step(&cfg, &cgr, &err), 0);
	assert_int_equal(ns_run(&cfg, &code, &err), -1);
	assert_int_equal(code, 125);
	assert_non_null(strstr(err.msg, "invalid device rule"));
	assert_int_equal(leftovers(), 0);
}

/*
 * In a container (every device allowed, or the default policy): mknod 10:237
 * (loop-control) and b 7:0 (the first loop device), then open each; and /dev/null.
 */
static void open_made_devices(bool allow_all, struct run *r)
{
	struct ns_config cfg;
	struct cg_run cgr;

	SETUP_CONTAINER(&cfg, &cgr);
	cfg.argv = ((char *[]){
	    "/bin/sh", "-c",
	    "/probe mknod /dev/lc c 10 237; /probe open-dev /dev/lc; "
	    "/probe mknod /dev/l0 b 7 0; /probe open-dev /dev/l0; /probe open-dev /dev/null rw",
	    NULL});
	cgr.devices.allow_all = allow_all;
	run_container(&cfg, &cgr, r);
	assert_int_equal(r->exit_code, 0);
}

static void test_made_devices_cannot_be_opened(void **state)
{
	struct run r;

	(void)state;
	open_made_devices(false, &r);
	/* CAP_MKNOD: the nodes are made ... */
	assert_int_equal(mc_kv_count(r.out, "mknod"), 2);
	assert_kv_nth(r.out, "mknod", 0, "ok");
	assert_kv_nth(r.out, "mknod", 1, "ok");
	/* ... but the cgroup lets neither be opened; /dev/null still works. */
	assert_kv_nth(r.out, "open", 0, "EPERM");
	assert_kv_nth(r.out, "open", 1, "EPERM");
	assert_kv_nth(r.out, "open", 2, "ok");
	assert_int_equal(leftovers(), 0);
}

/* The same with every device allowed (--privileged): both open - so the test above can fail. */
static void test_privileged_opens_made_devices(void **state)
{
	struct run r;

	(void)state;
	open_made_devices(true, &r);
	for (int i = 0; i < 3; i++)
		assert_kv_nth(r.out, "open", i, "ok");
}

/*
 * --device: the node appears in the container (made from a node in our temp
 * directory - nodes only inside temp dirs and containers) and opens, with
 * the permissions given and no more.
 */
static void test_added_device_can_be_opened(void **state)
{
	struct ns_config cfg;
	struct cg_run cgr;
	char host[PATH_MAX], spec[PATH_MAX + 64];
	struct run r;

	(void)state;
	SETUP_CONTAINER(&cfg, &cgr);
	snprintf(host, sizeof(host), "%s/loop-control", mc_test_tmpdir());
	unlink(host);
	assert_int_equal(mknod(host, S_IFCHR | 0640, makedev(10, 237)), 0);
	snprintf(spec, sizeof(spec), "%s:/dev/loop-control:r", host);
	if (cg_devices_add_spec(&cgr.devices, spec, &r.err) < 0)
		fail_msg("%s", r.err.msg);
	cfg.argv = ((char *[]){"/bin/sh", "-c",
	                       "/probe open-dev /dev/loop-control r; "
	                       "/probe open-dev /dev/loop-control w; "
	                       "stat -c mode=%a /dev/loop-control",
	                       NULL});
	run_container(&cfg, &cgr, &r);
	unlink(host);
	assert_int_equal(r.exit_code, 0);
	assert_kv_nth(r.out, "open", 0, "ok");
	assert_kv_nth(r.out, "open", 1, "EPERM"); /* "r" only */
	assert_kv(r.out, "mode", "640");          /* the host node's mode */
}

int main(int argc, char **argv)
{
	static const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_size_accepts_units),
	    cmocka_unit_test(test_parse_size_rejects_garbage),
	    cmocka_unit_test(test_bad_limits_are_rejected),
	    cmocka_unit_test(test_cpu_shares_to_weight),
	    cmocka_unit_test(test_v2_files_hold_the_requested_values),
	    cmocka_unit_test(test_limit_files_hold_the_requested_values),
	    cmocka_unit_test(test_oom_kills_are_parsed),
	    cmocka_unit_test(test_memory_hog_is_oom_killed),
	    cmocka_unit_test(test_fork_bomb_is_held),
	    cmocka_unit_test(test_cpu_quota_limits_cpu_time),
	    cmocka_unit_test(test_container_sees_its_own_cgroup),
	    cmocka_unit_test(test_nothing_left_after_exit),
	    cmocka_unit_test(test_freeze_and_thaw),
	    cmocka_unit_test(test_blkio_weight),
	    cmocka_unit_test(test_invalid_cgroup_names_are_refused),
	    cmocka_unit_test(test_device_permissions_are_parsed),
	    cmocka_unit_test(test_device_specs_are_parsed),
	    cmocka_unit_test(test_device_rules_are_formatted),
	    cmocka_unit_test(test_odd_host_devices_are_refused),
	    cmocka_unit_test(test_device_program_decides_like_the_rules),
	    cmocka_unit_test(test_device_program_in_the_kernel),
	    cmocka_unit_test(test_default_device_policy_is_in_the_cgroup),
	    cmocka_unit_test(test_failed_prepare_leaves_no_cgroup),
	    cmocka_unit_test(test_made_devices_cannot_be_opened),
	    cmocka_unit_test(test_privileged_opens_made_devices),
	    cmocka_unit_test(test_added_device_can_be_opened),
	};

	return mc_test_main(argc, argv, "ch02-cgroups", tests, sizeof(tests) / sizeof(tests[0]));
}
