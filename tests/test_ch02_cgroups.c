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
#include <sys/stat.h>
#include <unistd.h>

#include "cg_cgroups.h"
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

static void run_container(struct ns_config *cfg, struct cg_run *cgr, struct run *r)
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
		fail_msg("the container did not run: %s (exit code %d)", r->err.msg, r->exit_code);
}

static void assert_kv(const char *out, const char *key, const char *expected)
{
	char value[256];

	if (!mc_kv(out, key, 0, value, sizeof(value)))
		fail_msg("probe printed no %s= line; output was:\n%s", key, out);
	assert_string_equal(value, expected);
}

/* Count the cgroups left under our parent (in every hierarchy on v1). */
static int leftovers(void)
{
	static const char *const hierarchies[] = {"",     "memory", "cpu",    "cpuacct",
	                                          "pids", "blkio",  "freezer"};
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
			fail_msg("'%s' was accepted (%lld bytes)", bad[i], (long long)bytes);
		assert_non_null(strstr(err.msg, "invalid size"));
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
	assert_int_equal(cg_shares_to_weight(2), 1);
	assert_int_equal(cg_shares_to_weight(262144), 10000);
	assert_int_equal(cg_shares_to_weight(1024), 39);
	assert_int_equal(cg_shares_to_weight(512), 20);
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
	assert_string_equal(buf, "67108864");
	read_cg_file(&cg, "", "memory.swap.max", buf, sizeof(buf));
	assert_string_equal(buf, "67108864"); /* Docker: as much swap as memory */
	read_cg_file(&cg, "", "cpu.max", buf, sizeof(buf));
	assert_string_equal(buf, "50000 100000");
	read_cg_file(&cg, "", "cpu.weight", buf, sizeof(buf));
	assert_string_equal(buf, "20");
	read_cg_file(&cg, "", "pids.max", buf, sizeof(buf));
	assert_string_equal(buf, "100");

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/fake-v2/%s", cg.mount, files[i]);
		close(open(path, O_TRUNC | O_WRONLY));
	}
	l.memory_swap = -1;
	l.pids = -1;
	if (cg_apply_limits(&cg, &l, &err) < 0)
		fail_msg("%s", err.msg);
	read_cg_file(&cg, "", "memory.swap.max", buf, sizeof(buf));
	assert_string_equal(buf, "max");
	read_cg_file(&cg, "", "pids.max", buf, sizeof(buf));
	assert_string_equal(buf, "max");
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
	assert_int_equal(cg_parse_oom_kills("low 0\nhigh 0\nmax 4\noom 1\noom_kill 1\n"
	                                    "oom_group_kill 0\n",
	                                    &kills),
	                 0);
	assert_int_equal(kills, 1);
	assert_int_equal(
	    cg_parse_oom_kills("oom_kill_disable 0\nunder_oom 0\noom_kill 2\n", &kills), 0);
	assert_int_equal(kills, 2);
	assert_int_equal(cg_parse_oom_kills("oom_kill_disable 0\nunder_oom 0\n", &kills), -1);
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
		fail_msg("no OOM kill was recorded");
	/* It got some way before the kill, but never to 64 MiB. */
	assert_true(mc_kv(r.out, "eaten", 0, value, sizeof(value)));
	assert_null(strstr(r.out, "eat=done"));
	assert_int_equal(leftovers(), 0);
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
	assert_int_equal(r.exit_code, 0);
	assert_true(mc_kv(r.out, "forked", 0, value, sizeof(value)));
	/* 20 processes in all, the probe itself is one of them. */
	if (atoi(value) != 19)
		fail_msg("forked %s children, expected 19 (pids.max 20)", value);
	assert_kv(r.out, "fork_error", "EAGAIN");
	if (r.stats.pids_peak >= 0)
		assert_int_equal(r.stats.pids_peak, 20);
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
	assert_int_equal(r.exit_code, 0);
	for (i = 0; mc_kv(r.out, "cgroup", i, value, sizeof(value)); i++) {
		size_t len = strlen(value);

		if (len < 2 || strcmp(value + len - 2, ":/") != 0)
			fail_msg("inside, /proc/self/cgroup has '%s' (expected paths of /)", value);
	}
	assert_true(i > 0);
	assert_non_null(strstr(r.out, "cgroup=0::/\n"));
	assert_kv(r.out, "write_status", "1"); /* mounted read-only */
	assert_kv(r.out, "member", "1");
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
	};

	return mc_test_main(argc, argv, "ch02-cgroups", tests, sizeof(tests) / sizeof(tests[0]));
}
