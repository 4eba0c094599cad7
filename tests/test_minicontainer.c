/*
 * test_minicontainer.c - the capstone, end to end (see mc_test.h): the first
 * groups of tests, and main(), which gathers the groups of tests/mc_*.c.
 */
#define _GNU_SOURCE
#include "mc_test.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

/* ---- 1. hello-world ----------------------------------------------------------------------- */

static void test_hello_world_greets(void **state)
{
	char out[16384];

	(void)state;
	MC_REQUIRE_ROOT();
	MC_REQUIRE_IMAGES();
	expect_status(mc(out, sizeof(out), "run --rm hello-world"), 0, "run --rm hello-world", out);
	expect_text(out, "Hello from minicontainer!", "the greeting");
	expect_text(out, "my PID:              1 (", "PID 1 in its own PID namespace");
	/* v2: its own cgroup namespace; v1: the host's, whose unified hierarchy holds no container. */
	expect_text(out, "my cgroup:           0::/\n", "the cgroup line");
	expect_status(mc(out, sizeof(out), "ps -a -q"), 0, "ps -a -q", out);
	if (out[0] != '\0')
		fail_msg("--rm left a container behind:\n%s", out);
}

/* ---- 2. Docker's rules: the command line over the image's config --------------------------- */

static void test_override_rules(void **state)
{
	/* probe-img: Entrypoint ["/probe"], Cmd ["pid"], Env FROM_IMAGE=1 SHARED=image,
	 * WorkingDir /tmp, User nobody. */
	static const struct {
		const char *flags, *args; /* before and after the image */
		const char *lines[4];     /* lines the probe must print */
		const char *not_line;     /* a line it must not print */
		const char *config; /* Cmd Entrypoint WorkingDir User, as inspect shows them */
	} cases[] = {
	    {"", "", {"pid=1", "ppid=0"}, NULL, "[\"pid\"] [\"/probe\"] /tmp nobody"},
	    {"",
	     "env",
	     {"env=FROM_IMAGE=1", "env=SHARED=image",
	      "env=PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
	     "pid=1",
	     "[\"env\"] [\"/probe\"] /tmp nobody"},
	    {"-e SHARED=cli -e ADDED=yes",
	     "env",
	     {"env=SHARED=cli", "env=FROM_IMAGE=1", "env=ADDED=yes"},
	     "env=SHARED=image",
	     "[\"env\"] [\"/probe\"] /tmp nobody"},
	    {"--entrypoint /probe",
	     "cwd",
	     {"cwd=/tmp"},
	     NULL,
	     "[\"cwd\"] [\"/probe\"] /tmp nobody"},
	    {"-w /root", "cwd", {"cwd=/root"}, NULL, "[\"cwd\"] [\"/probe\"] /root nobody"},
	    {"", "ids", {"uid=65534", "gid=65534"}, NULL, "[\"ids\"] [\"/probe\"] /tmp nobody"},
	    {"-u 0", "ids", {"uid=0", "gid=0", "euid=0"}, NULL, "[\"ids\"] [\"/probe\"] /tmp 0"},
	    {"-u 1234:5678",
	     "ids",
	     {"uid=1234", "gid=5678", "euid=1234", "egid=5678"},
	     NULL,
	     "[\"ids\"] [\"/probe\"] /tmp 1234:5678"},
	    /* A new entrypoint drops the image's Cmd; the arguments are its own. */
	    {"--entrypoint /bin/sh",
	     "-c 'echo \"shell=$FROM_IMAGE,$SHARED,$(pwd)\"'",
	     {"shell=1,image,/tmp"},
	     NULL,
	     "[\"-c\",\"echo \\\"shell=$FROM_IMAGE,$SHARED,$(pwd)\\\"\"] [\"/bin/sh\"] /tmp "
	     "nobody"},
	};
	char out[16384], what[256], name[64], config[1024];

	(void)state;
	MC_REQUIRE_ROOT();
	MC_REQUIRE_IMAGES();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(what, sizeof(what), "run --rm %s probe-img %s", cases[i].flags,
		         cases[i].args);
		expect_status(mc(out, sizeof(out), "%s", what), 0, what, out);
		for (size_t j = 0; j < 4 && cases[i].lines[j] != NULL; j++)
			if (!has_line(out, cases[i].lines[j], true))
				fail_msg("%s: no line \"%s\" in:\n%s", what, cases[i].lines[j],
				         out);
		if (cases[i].not_line != NULL && has_line(out, cases[i].not_line, true))
			fail_msg("%s: \"%s\" should be gone:\n%s", what, cases[i].not_line, out);

		/* The record says the same. */
		snprintf(name, sizeof(name), "override-%zu", i);
		expect_status(mc(out, sizeof(out), "create --name %s %s probe-img %s", name,
		                 cases[i].flags, cases[i].args),
		              0, "create", out);
		inspect(name,
		        "{{json .Config.Cmd}} {{json .Config.Entrypoint}} {{.Config.WorkingDir}} "
		        "{{.Config.User}}",
		        config, sizeof(config));
		if (strcmp(config, cases[i].config) != 0)
			fail_msg("%s: inspect shows\n  %s\nexpected\n  %s", what, config,
			         cases[i].config);
		expect_status(mc(out, sizeof(out), "rm %s", name), 0, "rm", out);
	}

	/* --entrypoint alone: no Cmd at all (Docker shows null; an empty list says the same). */
	expect_status(
	    mc(out, sizeof(out), "create --name override-ep --entrypoint /probe probe-img"), 0,
	    "create --entrypoint /probe", out);
	inspect("override-ep", "{{json .Config.Cmd}} {{json .Config.Entrypoint}}", config,
	        sizeof(config));
	if (strcmp(config, "null [\"/probe\"]") != 0 && strcmp(config, "[] [\"/probe\"]") != 0)
		fail_msg("--entrypoint /probe without arguments: inspect shows %s", config);
}

/* ---- 3. volumes --------------------------------------------------------------------------- */

/* An image whose root has symlinks pointing out of it: "abs" -> /tmp, "rel" -> ../../../../tmp,
 * "gone" -> an absolute host directory that the image does not have. */
static void import_symlink_image(const char *host_target)
{
	char links[PATH_MAX], tar[PATH_MAX], cmd[8 * PATH_MAX], out[4096];

	snprintf(links, sizeof(links), "%s/links", mc_test_tmpdir());
	snprintf(tar, sizeof(tar), "%s/links.tar", mc_test_tmpdir());
	snprintf(
	    cmd, sizeof(cmd),
	    "mkdir -p '%s' && cd '%s' && ln -sfn /tmp abs && ln -sfn ../../../../../../tmp rel "
	    "&& ln -sfn '%s' gone && cp '%s/busybox.tar' '%s' && tar -C '%s' -rf '%s' ./abs "
	    "./rel ./gone",
	    links, links, host_target, mc_test_tmpdir(), tar, links, tar);
	if (system(cmd) != 0)
		fail_msg("%s failed", cmd);
	expect_status(mc(out, sizeof(out), "import '%s' links:latest", tar), 0, "import links",
	              out);
}

static void test_volumes_ro_and_rw(void **state)
{
	char dir[PATH_MAX], path[PATH_MAX + 32], text[256], out[16384], what[2 * PATH_MAX + 400];
	char outside[PATH_MAX], escape[64];
	FILE *f;

	(void)state;
	MC_REQUIRE_ROOT();
	MC_REQUIRE_IMAGES();
	snprintf(dir, sizeof(dir), "%s/volume", mc_test_tmpdir());
	mkdir(dir, 0755);
	snprintf(path, sizeof(path), "%s/in.txt", dir);
	f = fopen(path, "we");
	assert_non_null(f);
	fputs("from the host\n", f);
	fclose(f);

	/* Read-write: the container reads the host's file and its new file appears on the host. */
	expect_status(
	    mc(out, sizeof(out), "run --rm -v '%s:/data' busybox /probe cat /data/in.txt", dir), 0,
	    "-v DIR:/data, cat", out);
	expect_text(out, "from the host", "-v DIR:/data, cat");
	expect_status(
	    mc(out, sizeof(out),
	       "run --rm -v '%s:/data' busybox /probe write /data/out.txt from-the-container", dir),
	    0, "-v DIR:/data, write", out);
	snprintf(path, sizeof(path), "%s/out.txt", dir);
	read_text(path, text, sizeof(text));
	if (strcmp(text, "from-the-container\n") != 0)
		fail_msg("the container's file on the host holds \"%s\"", text);

	/* Read-only, both spellings: writing fails, reading works, the host is unchanged. */
	static const char *const readonly[] = {
	    "-v '%s:/data:ro'", "--mount type=bind,source='%s',target=/data,readonly"};
	for (size_t i = 0; i < 2; i++) {
		char flag[PATH_MAX + 100];

		snprintf(flag, sizeof(flag), readonly[i], dir);
		snprintf(what, sizeof(what), "run --rm %s busybox /probe write /data/ro.txt x",
		         flag);
		expect_status(mc(out, sizeof(out), "%s", what), 1, what, out);
		expect_text(out, "Read-only file system", what);
		snprintf(path, sizeof(path), "%s/ro.txt", dir);
		if (access(path, F_OK) == 0)
			fail_msg("%s: %s appeared on the host", what, path);
		expect_status(
		    mc(out, sizeof(out), "run --rm %s busybox /probe cat /data/in.txt", flag), 0,
		    "read through a read-only volume", out);
		expect_text(out, "from the host", flag);
	}
	expect_status(mc(out, sizeof(out),
	                 "run --rm --mount type=bind,source='%s',target=/m busybox /probe write "
	                 "/m/mount.txt yes",
	                 dir),
	              0, "--mount without readonly is writable", out);
	snprintf(path, sizeof(path), "%s/mount.txt", dir);
	if (access(path, F_OK) != 0)
		fail_msg("--mount type=bind: the container's file is not on the host");

	/* --tmpfs: a writable tmpfs of the container's own. */
	expect_status(mc(out, sizeof(out),
	                 "run --rm --tmpfs /scratch busybox sh -c '/probe write /scratch/f x && "
	                 "/probe mounts'"),
	              0, "--tmpfs /scratch", out);
	if (!has_line(out, "mount=/scratch tmpfs ", false))
		fail_msg("no tmpfs on /scratch:\n%s", out);

	/*
	 * An image's symlinks must not take a volume out of the container: /abs/x
	 * is the container's /tmp/x, never the host's /tmp/x.
	 */
	snprintf(outside, sizeof(outside), "%s/outside", mc_test_tmpdir());
	mkdir(outside, 0755);
	import_symlink_image(outside);
	static const char *const through[] = {"/abs", "/rel"};
	for (size_t i = 0; i < 2; i++) {
		snprintf(escape, sizeof(escape), "/tmp/mc-escape-%d-%zu", (int)getpid(), i);
		snprintf(what, sizeof(what),
		         "run --rm -v '%s:%s%s' links sh -c '/probe cat %s/in.txt && /probe exists "
		         "%s/in.txt'",
		         dir, through[i], escape + 4, escape, escape);
		expect_status(mc(out, sizeof(out), "%s", what), 0, what, out);
		expect_text(out, "from the host", what);
		expect_text(out, "exists=1", what);
		if (access(escape, F_OK) == 0) {
			rmdir(escape);
			fail_msg("%s: the mount point %s was made on the host", what, escape);
		}
	}
	/* "gone" points at a host directory the image lacks: created inside, or refused. */
	snprintf(what, sizeof(what), "run --rm -v '%s:/gone/m' links /probe cat /gone/m/in.txt",
	         dir);
	int status = mc(out, sizeof(out), "%s", what);
	snprintf(path, sizeof(path), "%s/m", outside);
	if (access(path, F_OK) == 0) {
		rmdir(path);
		fail_msg("%s: the mount point %s was made on the host", what, path);
	}
	if (status != 0 && status != 125)
		fail_msg("%s: exit status %d, expected 0 or 125:\n%s", what, status, out);
	if (status == 0)
		expect_text(out, "from the host", what);
	if (mc_mountinfo_count(mc_test_tmpdir()) != 0)
		fail_msg("a mount under %s is visible on the host", mc_test_tmpdir());
}

/* ---- 4. --read-only ------------------------------------------------------------------------ */

static void test_read_only_root(void **state)
{
	char out[8192], dir[PATH_MAX];

	(void)state;
	MC_REQUIRE_ROOT();
	MC_REQUIRE_IMAGES();
	expect_status(mc(out, sizeof(out), "run --rm --read-only busybox /probe write /file x"), 1,
	              "--read-only, write /file", out);
	expect_text(out, "Read-only file system", "--read-only, write /file");
	expect_status(mc(out, sizeof(out), "run --rm --read-only busybox /probe write /etc/file x"),
	              1, "--read-only, write /etc/file", out);
	expect_status(mc(out, sizeof(out),
	                 "run --rm --read-only --tmpfs /tmp busybox /probe write /tmp/file x"),
	              0, "--read-only --tmpfs /tmp, write /tmp/file", out);
	expect_text(out, "written=/tmp/file", "--read-only --tmpfs /tmp");
	/* Volumes keep their own mode. */
	snprintf(dir, sizeof(dir), "%s/ro-root-volume", mc_test_tmpdir());
	mkdir(dir, 0755);
	expect_status(mc(out, sizeof(out),
	                 "run --rm --read-only -v '%s:/data' busybox /probe write /data/file x",
	                 dir),
	              0, "--read-only -v DIR:/data, write /data/file", out);
}

/* ---- 5. -it: a pty, the window size, the terminal restored ---------------------------------- */

/* Read from the pty into buf until `needle` appears (NULL: until the other side closes). */
static void test_tty_through_a_pty(void **state)
{
	struct winsize ws = {.ws_row = 33, .ws_col = 101};
	char script[PATH_MAX + 200], buf[65536] = "";
	const char *failed = NULL, *after;
	size_t len = 0;
	int master, status = -1;
	pid_t pid;

	(void)state;
	MC_REQUIRE_ROOT();
	MC_REQUIRE_IMAGES();
	/* The terminal is ours: after the container, stty shows what minicontainer left of it. */
	snprintf(script, sizeof(script),
	         "'%s' run -it --rm busybox sh; echo \"mc-status=$?\"; stty -a", mc_bin());
	pid = forkpty(&master, NULL, NULL, &ws);
	assert_true(pid >= 0);
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", script, (char *)NULL);
		_exit(127);
	}
	if (!read_until(master, buf, sizeof(buf), &len, "# ", 10)) {
		failed = "no shell prompt within 10 s";
	} else if (!type_line(master, "stty size; tty; echo typed-$((6*7))") ||
	           !read_until(master, buf, sizeof(buf), &len, "typed-42", 10)) {
		failed = "the typed command did not run";
	} else if (!type_line(master, "exit 5") ||
	           !read_until(master, buf, sizeof(buf), &len, "mc-status=", 10) ||
	           !read_until(master, buf, sizeof(buf), &len, NULL, 10)) {
		failed = "minicontainer did not end after `exit 5`";
	}
	/* Closing the master hangs up whatever still runs on the slave side. */
	close(master);
	for (int i = 0; i < 500 && waitpid(pid, &status, WNOHANG) == 0; i++)
		usleep(20000);
	if (status == -1) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	if (failed != NULL)
		fail_msg("%s; the terminal showed:\n%s", failed, buf);
	expect_text(buf, "33 101", "stty size inside the container");
	/* The terminal was made inside: its name means something there. */
	expect_text(buf, "/dev/pts/0", "tty inside the container");
	expect_text(buf, "mc-status=5", "the exit status of `exit 5`");
	after = strstr(buf, "mc-status=");
	if (strstr(after, " icanon") == NULL || strstr(after, "-icanon") != NULL ||
	    strstr(after, " echo ") == NULL || strstr(after, "-echo ") != NULL)
		fail_msg("the terminal was not restored (want icanon and echo):\n%s", after);
	expect_status(mc(buf, sizeof(buf), "ps -a -q"), 0, "ps -a -q", buf);
	if (buf[0] != '\0')
		fail_msg("run -it --rm left a container behind:\n%s", buf);
}

/* ---- 6. exit codes, and bad input that changes nothing -------------------------------------- */

static void test_exit_code_table(void **state)
{
	static const struct {
		const char *args;
		int status;
		const char *text; /* in the output, or NULL */
	} cases[] = {
	    {"run --rm busybox sh -c 'exit 3'", 3, NULL},
	    {"run --rm busybox /probe exit 0", 0, NULL},
	    /* A signal: 128 + its number (the shell reports its child's; --init its own). */
	    {"run --rm busybox sh -c '/probe kill-self 9 & wait $!'", 137, NULL},
	    {"run --rm --init busybox /probe kill-self 9", 137, NULL},
	    {"run --rm --init busybox /probe kill-self 15", 143, NULL},
	    {"run --rm busybox /no/such/command", 127, NULL},
	    {"run --rm busybox /etc/passwd", 126, NULL},
	    /* minicontainer's own failures: 125, and nothing is left. */
	    /* --pull never: an image that is not in the store is not looked for on Docker Hub. */
	    {"run --rm --pull never no-such-image:v9", 125, "No such image: no-such-image:v9"},
	    {"run --rm --pull sometimes busybox true", 125,
	     "invalid argument \"sometimes\" for \"--pull\" flag: must be one of"},
	    {"run --rm --no-such-flag busybox true", 125, "--no-such-flag"},
	    {"run --rm -v no-colon busybox true", 125, "invalid volume specification"},
	    /* A source without a '/' names a volume (moby's parser): a bad name is refused. */
	    {"run --rm -v 'a!b:/x' busybox true", 125,
	     "includes invalid characters for a local volume name"},
	    {"run --rm -v /tmp:/x:rx busybox true", 125, "invalid mode: rx"},
	    {"run --rm --name ec-dup busybox true", 125, "already in use"},
	    {"run --rm --memory 1k busybox true", 125, NULL},
	    {"run --rm -w relative busybox true", 125, NULL},
	    {"run --rm --name 'bad name' busybox true", 125, "Invalid container name"},
	    {"run --rm busybox", 125, NULL}, /* no command: the image has none */
	    {"run", 125, NULL},
	    {"create --name ec-dup busybox true", 125, "already in use"},
	};
	char out[16384], before[32768], after[32768];

	(void)state;
	MC_REQUIRE_ROOT();
	MC_REQUIRE_IMAGES();
	expect_status(mc(out, sizeof(out), "create --name ec-dup busybox true"), 0, "create ec-dup",
	              out);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snapshot(before, sizeof(before));
		expect_status(mc(out, sizeof(out), "%s", cases[i].args), cases[i].status,
		              cases[i].args, out);
		if (cases[i].text != NULL)
			expect_text(out, cases[i].text, cases[i].args);
		/* With --rm or refused, a run leaves everything as it was. */
		snapshot(after, sizeof(after));
		if (strcmp(before, after) != 0)
			fail_msg("%s changed the state: before\n%s\nafter\n%s", cases[i].args,
			         before, after);
	}
}

/* ---- 7. create, start, ps, inspect, rm ------------------------------------------------------ */

static void test_ps_inspect_rm_lifecycle(void **state)
{
	char out[16384], line[1024], id[128], pidtext[64], where[PATH_MAX], path[2 * PATH_MAX];
	char *lines[64];
	bool alive = true, cgroup = true;
	json_t *doc;
	pid_t pid;
	size_t n;

	(void)state;
	MC_REQUIRE_ROOT();
	MC_REQUIRE_IMAGES();
	expect_status(mc(out, sizeof(out), "create --name c-created busybox /probe sleep 30"), 0,
	              "create", out);
	out[strcspn(out, "\n")] = '\0';
	if (!is_hex_id(out, 64))
		fail_msg("create printed \"%s\", not a 64-hex id", out);
	snprintf(id, sizeof(id), "%.64s", out);
	remember(id);
	if (!ps_line("c-created", line, sizeof(line)) || strstr(line, "   Created   ") == NULL)
		fail_msg("ps -a does not show c-created as Created: %s", line);
	expect_text(line, "\"/probe sleep 30\"", "ps -a COMMAND");

	/* start: detached; it runs. */
	expect_status(mc(out, sizeof(out), "start c-created"), 0, "start c-created", out);
	if (!ps_line("c-created", line, sizeof(line)) || strstr(line, "   Up ") == NULL)
		fail_msg("ps -a does not show c-created Up: %s", line);
	expect_status(mc(out, sizeof(out), "ps -q"), 0, "ps -q", out);
	if (strncmp(out, id, 12) != 0)
		fail_msg("ps -q does not list the running container: %s", out);
	inspect("c-created", "{{.State.Pid}}", pidtext, sizeof(pidtext));
	pid = (pid_t)atoi(pidtext);
	if (pid <= 0 || !pid_alive(pid))
		fail_msg("State.Pid %s is not a live process on the host", pidtext);
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	read_text(path, out, sizeof(out));
	if (strcmp(out, "/probe") != 0)
		fail_msg("State.Pid %d is %s, not /probe", (int)pid, out);

	/* rm refuses a running container; rm -f removes it and all it left. */
	expect_status(mc(out, sizeof(out), "rm c-created"), 125, "rm c-created (running)", out);
	expect_text(out, "container is running", "rm c-created");
	expect_status(mc(out, sizeof(out), "rm -f c-created"), 0, "rm -f c-created", out);
	for (int i = 0; i < 250 && (alive || cgroup); i++) {
		alive = pid_alive(pid);
		cgroup = cgroup_left(id, where, sizeof(where));
		usleep(20000);
	}
	if (alive)
		fail_msg("rm -f c-created: its process %d still runs (cgroup left: %s)", (int)pid,
		         cgroup ? where : "none");
	if (cgroup)
		fail_msg("rm -f c-created: its cgroup %s is left", where);
	snprintf(path, sizeof(path), "%s/containers/%s", root_dir, id);
	if (access(path, F_OK) == 0)
		fail_msg("rm -f c-created: %s is left", path);
	snprintf(path, sizeof(path), "%s/%s", run_dir, id);
	if (access(path, F_OK) == 0)
		fail_msg("rm -f c-created: %s is left", path);
	expect_status(mc(out, sizeof(out), "inspect c-created"), 1, "inspect a removed container",
	              out);

	/* Exited containers: ps and inspect. */
	expect_status(mc(out, sizeof(out), "run --name lc-exited0 busybox /probe exit 0"), 0,
	              "run lc-exited0", out);
	expect_status(mc(out, sizeof(out), "run --name lc-exited3 busybox /probe exit 3"), 3,
	              "run lc-exited3", out);
	expect_status(mc(out, sizeof(out), "create --name lc-created busybox true"), 0,
	              "create lc-created", out);
	if (!ps_line("lc-exited0", line, sizeof(line)) || strstr(line, "Exited (0) ") == NULL)
		fail_msg("ps -a does not show lc-exited0 as Exited (0): %s", line);
	if (!ps_line("lc-exited3", line, sizeof(line)) || strstr(line, "Exited (3) ") == NULL)
		fail_msg("ps -a does not show lc-exited3 as Exited (3): %s", line);
	inspect("lc-exited0", "{{.State.ExitCode}} {{.State.Status}}", out, sizeof(out));
	assert_string_equal(out, "0 exited");
	inspect("lc-exited3", "{{.State.ExitCode}} {{.State.Status}} {{.State.Running}}", out,
	        sizeof(out));
	assert_string_equal(out, "3 exited false");
	inspect("lc-exited0", "{{json .State}}", out, sizeof(out));
	doc = json_loads(out, 0, NULL);
	if (doc == NULL)
		fail_msg("{{json .State}} is not JSON: %s", out);
	if (!json_is_string(json_object_get(doc, "Status")) ||
	    !json_is_integer(json_object_get(doc, "Pid")) ||
	    !json_is_integer(json_object_get(doc, "ExitCode")) ||
	    !json_is_boolean(json_object_get(doc, "OOMKilled")) ||
	    !json_is_string(json_object_get(doc, "StartedAt")) ||
	    !json_is_string(json_object_get(doc, "FinishedAt")))
		fail_msg("{{json .State}} lacks Status, Pid, ExitCode, OOMKilled, StartedAt or "
		         "FinishedAt: %s",
		         out);
	json_decref(doc);

	/* Filters, -q and --no-trunc. */
	expect_status(mc(out, sizeof(out), "ps -a --filter name=lc-exited0"), 0, "ps --filter",
	              out);
	n = split_lines(out, lines, 64);
	if (n != 2 || strstr(lines[1], "lc-exited0") == NULL)
		fail_msg("ps -a --filter name=lc-exited0 shows %zu lines", n);
	expect_status(mc(out, sizeof(out), "ps -a --filter name=lc-exited"), 0, "ps --filter", out);
	if (split_lines(out, lines, 64) != 3)
		fail_msg("ps -a --filter name=lc-exited: expected 2 containers");
	expect_status(mc(out, sizeof(out), "ps -a -q --filter status=exited"), 0, "ps --filter",
	              out);
	n = split_lines(out, lines, 64);
	if (n != 2 || !is_hex_id(lines[0], 12) || !is_hex_id(lines[1], 12))
		fail_msg("ps -a -q --filter status=exited: expected 2 short ids, got %zu lines", n);
	expect_status(mc(out, sizeof(out), "ps -q --filter status=created"), 0, "ps --filter", out);
	if (split_lines(out, lines, 64) != 1)
		fail_msg("ps -q --filter status=created: expected lc-created alone");
	expect_status(mc(out, sizeof(out), "ps -q"), 0, "ps -q", out);
	if (out[0] != '\0')
		fail_msg("ps -q lists stopped containers:\n%s", out);
	expect_status(mc(out, sizeof(out), "ps -a -q --no-trunc"), 0, "ps --no-trunc", out);
	n = split_lines(out, lines, 64);
	if (n != 3)
		fail_msg("ps -a -q --no-trunc: expected 3 ids, got %zu", n);
	for (size_t i = 0; i < n; i++)
		if (!is_hex_id(lines[i], 64))
			fail_msg("ps -a -q --no-trunc: \"%s\" is not a 64-hex id", lines[i]);
	expect_status(mc(out, sizeof(out), "ps -a --filter bogus=1"), 125, "ps --filter bogus=1",
	              out);
	expect_status(mc(out, sizeof(out), "rm lc-exited0 lc-exited3 lc-created"), 0, "rm", out);
	expect_status(mc(out, sizeof(out), "rm lc-exited0"), 125, "rm a removed container", out);
	expect_text(out, "No such container", "rm a removed container");
}

/* ---- 8. parallel runs ---------------------------------------------------------------------- */

#define N_PARALLEL 20

static void test_parallel_runs_are_unique(void **state)
{
	char out[32768], path[PATH_MAX], *lines[64];
	pid_t pids[N_PARALLEL];
	int go[2], status[N_PARALLEL];
	size_t n;

	(void)state;
	MC_REQUIRE_ROOT();
	MC_REQUIRE_IMAGES();
	assert_int_equal(pipe(go), 0);
	for (int i = 0; i < N_PARALLEL; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			char c;
			int fd;

			close(go[1]);
			/* Everyone waits for the same moment: the parent closes the pipe. */
			if (read(go[0], &c, 1) < 0)
				_exit(126);
			snprintf(path, sizeof(path), "%s/parallel-%d.out", mc_test_tmpdir(), i);
			fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
			execl(mc_bin(), mc_bin(), "run", "busybox", "/probe", "pid", (char *)NULL);
			_exit(127);
		}
	}
	close(go[0]);
	close(go[1]);
	for (int i = 0; i < N_PARALLEL; i++) {
		status[i] = -1;
		for (int t = 0; t < MC_TIMEOUT_SECONDS * 50 && status[i] == -1; t++)
			if (waitpid(pids[i], &status[i], WNOHANG) == 0) {
				status[i] = -1;
				usleep(20000);
			}
		if (status[i] == -1) {
			kill(pids[i], SIGKILL);
			waitpid(pids[i], &status[i], 0);
		}
	}
	for (int i = 0; i < N_PARALLEL; i++) {
		snprintf(path, sizeof(path), "%s/parallel-%d.out", mc_test_tmpdir(), i);
		read_text(path, out, sizeof(out));
		if (!WIFEXITED(status[i]) || WEXITSTATUS(status[i]) != 0 ||
		    !has_line(out, "pid=1", true))
			fail_msg("parallel run %d: wait status 0x%x, output:\n%s", i, status[i],
			         out);
	}

	/* 20 records, 20 ids, 20 names. */
	expect_status(mc(out, sizeof(out), "ps -a --no-trunc -q"), 0, "ps", out);
	n = split_lines(out, lines, 64);
	if (n != N_PARALLEL)
		fail_msg("ps -a lists %zu containers, expected %d", n, N_PARALLEL);
	for (size_t i = 0; i < n; i++) {
		if (!is_hex_id(lines[i], 64))
			fail_msg("\"%s\" is not a 64-hex id", lines[i]);
		remember(lines[i]);
		for (size_t j = 0; j < i; j++)
			if (strcmp(lines[i], lines[j]) == 0)
				fail_msg("two containers share the id %s", lines[i]);
	}
	expect_status(mc(out, sizeof(out), "ps -a"), 0, "ps", out);
	n = split_lines(out, lines, 64);
	if (n != N_PARALLEL + 1)
		fail_msg("ps -a shows %zu rows, expected %d", n - 1, N_PARALLEL);
	for (size_t i = 1; i < n; i++) {
		char *name = strrchr(lines[i], ' ') + 1;

		if (strstr(lines[i], "Exited (0) ") == NULL)
			fail_msg("not exited with 0: %s", lines[i]);
		lines[i] = name;
		for (size_t j = 1; j < i; j++)
			if (strcmp(lines[i], lines[j]) == 0)
				fail_msg("two containers share the name %s", name);
	}

	/* Each cleaned up its own cgroup; rm removes every record. */
	for (size_t i = 0; i < n_seen; i++) {
		char where[PATH_MAX];

		if (cgroup_left(seen_ids[i], where, sizeof(where)))
			fail_msg("an exited container's cgroup is left: %s", where);
	}
	expect_status(mc(out, sizeof(out), "rm $('%s' ps -a -q)", mc_bin()), 0, "rm all", out);
	expect_status(mc(out, sizeof(out), "ps -a -q"), 0, "ps", out);
	if (out[0] != '\0')
		fail_msg("rm left containers:\n%s", out);
}

/* ---- 9. minicontainer killed: rm -f still cleans up ------------------------------------------ */

static void test_kill_minicontainer_then_rm_f(void **state)
{
	char out[16384], status[64], id[128], where[PATH_MAX], path[2 * PATH_MAX], line[1024];
	char pidtext[64];
	pid_t runner, pid;
	int wstatus;

	(void)state;
	MC_REQUIRE_ROOT();
	MC_REQUIRE_IMAGES();
	use_state_dirs();
	runner = fork();
	assert_true(runner >= 0);
	if (runner == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);

		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		execl(mc_bin(), mc_bin(), "run", "--name", "victim", "busybox", "/probe", "sleep",
		      "60", (char *)NULL);
		_exit(127);
	}
	status[0] = '\0';
	for (int i = 0; i < 500 && strcmp(status, "running") != 0; i++) {
		if (mc(status, sizeof(status), "inspect --format '{{.State.Status}}' victim") != 0)
			status[0] = '\0';
		status[strcspn(status, "\n")] = '\0';
		if (strcmp(status, "running") != 0)
			usleep(20000);
	}
	if (strcmp(status, "running") != 0) {
		kill(runner, SIGKILL);
		waitpid(runner, &wstatus, 0);
		fail_msg("victim never ran (status \"%s\")", status);
	}
	inspect("victim", "{{.Id}}", id, sizeof(id));
	remember(id);
	inspect("victim", "{{.State.Pid}}", pidtext, sizeof(pidtext));
	pid = (pid_t)atoi(pidtext);

	/* As with Docker, the container outlives the `run` that started it: its monitor has it. */
	assert_int_equal(kill(runner, SIGKILL), 0);
	waitpid(runner, &wstatus, 0);
	usleep(200000);
	if (!pid_alive(pid))
		fail_msg("the container's process %d died with the minicontainer that started it",
		         (int)pid);
	expect_status(mc(out, sizeof(out), "exec victim /probe pid"), 0, "exec after kill -9", out);
	expect_status(mc(out, sizeof(out), "logs victim"), 0, "logs after kill -9", out);

	/* The monitor itself killed: no daemon, so the container goes with it, and the record
	 * must not say "running" for ever. */
	inspect("victim", "{{.State.MonitorPid}}", pidtext, sizeof(pidtext));
	assert_int_equal(kill((pid_t)atoi(pidtext), SIGKILL), 0);
	for (int i = 0; i < 250 && pid_alive(pid); i++)
		usleep(20000);
	if (pid_alive(pid))
		fail_msg("the container's process %d outlived its monitor", (int)pid);
	if (!ps_line("victim", line, sizeof(line)) || strstr(line, "Exited (") == NULL)
		fail_msg("ps -a does not show victim as exited: %s", line);
	inspect("victim", "{{.State.Status}} {{.State.Running}}", out, sizeof(out));
	assert_string_equal(out, "exited false");

	expect_status(mc(out, sizeof(out), "rm -f victim"), 0, "rm -f victim", out);
	if (mc_mountinfo_count(id) != 0 || mc_mountinfo_count(root_dir) != 0 ||
	    mc_mountinfo_count(run_dir) != 0)
		fail_msg("a mount of the container is left on the host");
	if (cgroup_left(id, where, sizeof(where)))
		fail_msg("rm -f victim: its cgroup %s is left", where);
	snprintf(path, sizeof(path), "%s/containers/%s", root_dir, id);
	if (access(path, F_OK) == 0)
		fail_msg("rm -f victim: %s is left", path);
	snprintf(path, sizeof(path), "%s/%s", run_dir, id);
	if (access(path, F_OK) == 0)
		fail_msg("rm -f victim: %s is left", path);
}

/* ---- 10. --init ---------------------------------------------------------------------------- */

static void test_init_reaps(void **state)
{
	char out[16384], value[64];

	(void)state;
	MC_REQUIRE_ROOT();
	MC_REQUIRE_IMAGES();
	expect_status(mc(out, sizeof(out), "run --rm --init busybox /probe pid"), 0, "--init", out);
	assert_string_equal(probe_value(out, "pid", value, sizeof(value)), "2");
	assert_string_equal(probe_value(out, "ppid", value, sizeof(value)), "1");
	/* An orphan is adopted by PID 1, the init, which must reap it: no zombie is left. */
	expect_status(mc(out, sizeof(out),
	                 "run --rm --init busybox sh -c '(/probe exit 0 &); /probe sleep 0.5; "
	                 "cat /proc/[0-9]*/stat'"),
	              0, "--init with an orphan", out);
	if (strstr(out, ") Z ") != NULL)
		fail_msg("a zombie is left in the container:\n%s", out);
}

/* ---- stop, kill, logs ------------------------------------------------------------------------ */

static void test_stop_kill_logs(void **state)
{
	char out[16384], value[128];

	(void)state;
	MC_REQUIRE_ROOT();
	MC_REQUIRE_IMAGES();
	/* A shell as PID 1 ignores SIGTERM: stop waits its grace period, then SIGKILL. */
	expect_status(mc(out, sizeof(out),
	                 "create --name sk-shell busybox sh -c 'echo to-the-log; sleep 30'"),
	              0, "create", out);
	expect_status(mc(out, sizeof(out), "start sk-shell"), 0, "start", out);
	for (int i = 0; i < 100; i++) {
		mc(out, sizeof(out), "logs sk-shell");
		if (strstr(out, "to-the-log") != NULL)
			break;
		usleep(50000);
	}
	expect_text(out, "to-the-log", "logs of a background container");
	expect_status(mc(out, sizeof(out), "stop -t 1 sk-shell"), 0, "stop", out);
	inspect("sk-shell", "{{.State.Status}} {{.State.ExitCode}}", value, sizeof(value));
	assert_string_equal(value, "exited 137");
	/* With --init, SIGTERM reaches the command: 128 + 15. */
	expect_status(mc(out, sizeof(out), "create --name sk-init --init busybox /probe sleep 30"),
	              0, "create", out);
	expect_status(mc(out, sizeof(out), "start sk-init"), 0, "start", out);
	expect_status(mc(out, sizeof(out), "stop sk-init"), 0, "stop", out);
	inspect("sk-init", "{{.State.ExitCode}}", value, sizeof(value));
	assert_string_equal(value, "143");
	/* kill: a chosen signal; a stopped container is an error, stopping it again is not. */
	expect_status(mc(out, sizeof(out), "start sk-init"), 0, "start again", out);
	expect_status(mc(out, sizeof(out), "kill -s USR1 sk-init"), 0, "kill -s USR1", out);
	for (int i = 0; i < 100; i++) {
		inspect("sk-init", "{{.State.Status}}", value, sizeof(value));
		if (strcmp(value, "exited") == 0)
			break;
		usleep(50000);
	}
	inspect("sk-init", "{{.State.ExitCode}}", value, sizeof(value));
	assert_string_equal(value, "138"); /* SIGUSR1 = 10 */
	expect_status(mc(out, sizeof(out), "kill sk-init"), 125, "kill a stopped container", out);
	expect_text(out, "is not running", "kill a stopped container");
	expect_status(mc(out, sizeof(out), "stop sk-init"), 0, "stop a stopped container", out);
	expect_status(mc(out, sizeof(out), "kill -s NOSUCH sk-init"), 125, "bad signal", out);
	expect_status(mc(out, sizeof(out), "rm sk-shell sk-init"), 0, "rm", out);
}

/* ---- exec: a second process in a running container ----------------------------------------- */

static void test_exec_joins_the_container(void **state)
{
	struct winsize ws = {.ws_row = 40, .ws_col = 120};
	char out[16384], value[128], host_ns[128], link[200], buf[8192] = "", cmd[PATH_MAX + 64];
	size_t len = 0;
	int master, status;
	ssize_t n;
	pid_t pid;

	(void)state;
	MC_REQUIRE_ROOT();
	MC_REQUIRE_IMAGES();
	expect_status(
	    mc(out, sizeof(out),
	       "create --name ex -e FROM_RUN=1 -w /tmp -h exhost busybox /probe sleep 60"),
	    0, "create", out);
	/* Not running yet: refused. */
	expect_status(mc(out, sizeof(out), "exec ex true"), 125, "exec into a created container",
	              out);
	expect_text(out, "is not running", "exec into a created container");
	expect_status(mc(out, sizeof(out), "start ex"), 0, "start", out);
	/* The same PID namespace as the container's PID 1, as the host sees it. */
	inspect("ex", "{{.State.Pid}}", value, sizeof(value));
	snprintf(link, sizeof(link), "/proc/%s/ns/pid", value);
	n = readlink(link, host_ns, sizeof(host_ns) - 1);
	assert_true(n > 0);
	host_ns[n] = '\0';
	expect_status(mc(out, sizeof(out), "exec ex /probe pid"), 0, "exec /probe pid", out);
	assert_string_not_equal(probe_value(out, "pid", value, sizeof(value)), "1");
	expect_status(mc(out, sizeof(out), "exec ex /probe ns"), 0, "exec /probe ns", out);
	snprintf(cmd, sizeof(cmd), "pid:[%s]", probe_value(out, "ns_pid", value, sizeof(value)));
	assert_string_equal(cmd, host_ns);
	/* The container's environment, working directory, hostname, cgroup; -e, -w, -u. */
	expect_status(mc(out, sizeof(out),
	                 "exec -e EXTRA=2 ex sh -c 'echo env=$FROM_RUN$EXTRA; echo cwd=$(pwd); "
	                 "echo host=$(hostname); tail -n 1 /proc/self/cgroup'"),
	              0, "exec sh", out);
	expect_text(out, "env=12", "environment");
	expect_text(out, "cwd=/tmp", "working directory");
	expect_text(out, "host=exhost", "hostname");
	expect_text(out, "0::/", "cgroup namespace");
	expect_status(mc(out, sizeof(out), "exec -u nobody -w / ex /probe ids"), 0, "-u", out);
	assert_string_equal(probe_value(out, "uid", value, sizeof(value)), "65534");
	expect_status(mc(out, sizeof(out), "exec ex /probe caps"), 0, "caps", out);
	assert_string_equal(probe_value(out, "cap_eff", value, sizeof(value)), "00000000a80425fb");
	/* Exit codes as run's. */
	expect_status(mc(out, sizeof(out), "exec ex sh -c 'exit 3'"), 3, "exit 3", out);
	expect_status(mc(out, sizeof(out), "exec ex no-such-command"), 127, "not found", out);
	/* -it: a terminal made inside the container. */
	snprintf(cmd, sizeof(cmd), "'%s' exec -it ex sh -c 'stty size; tty; exit 4'", mc_bin());
	pid = forkpty(&master, NULL, NULL, &ws);
	assert_true(pid >= 0);
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	read_until(master, buf, sizeof(buf), &len, NULL, 10);
	close(master);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	expect_status(WIFEXITED(status) ? WEXITSTATUS(status) : -1, 4, "exec -it", buf);
	expect_text(buf, "40 120", "exec -it window size");
	expect_text(buf, "/dev/pts/", "exec -it tty");
	expect_status(mc(out, sizeof(out), "rm -f ex"), 0, "rm -f", out);
	expect_status(mc(out, sizeof(out), "exec ex true"), 125, "exec into a removed container",
	              out);
}

/* ---- hardening: Docker's default capabilities and a seccomp filter ------------------------- */

static void test_default_hardening(void **state)
{
	char out[16384], value[64];

	(void)state;
	MC_REQUIRE_ROOT();
	MC_REQUIRE_IMAGES();
	/* Root in the container keeps Docker's 14 capabilities (0xa80425fb), no more. */
	expect_status(mc(out, sizeof(out),
	                 "run --rm busybox sh -c '/probe caps; /probe seccomp; "
	                 "mount -t tmpfs none /mnt 2>/dev/null; echo mount_status=$?'"),
	              0, "default run", out);
	assert_string_equal(probe_value(out, "cap_eff", value, sizeof(value)), "00000000a80425fb");
	assert_string_equal(probe_value(out, "cap_bnd", value, sizeof(value)), "00000000a80425fb");
	assert_string_equal(probe_value(out, "seccomp", value, sizeof(value)), "2");
	assert_string_not_equal(probe_value(out, "mount_status", value, sizeof(value)), "0");
	/* Another user: no capabilities at all, and none to regain (bounding set). */
	expect_status(mc(out, sizeof(out), "run --rm -u nobody busybox /probe caps"), 0,
	              "-u nobody", out);
	assert_string_equal(probe_value(out, "cap_eff", value, sizeof(value)), "0000000000000000");
	assert_string_equal(probe_value(out, "cap_bnd", value, sizeof(value)), "00000000a80425fb");
	/* --privileged: everything root has, no filter. */
	expect_status(mc(out, sizeof(out),
	                 "run --rm --privileged busybox sh -c '/probe caps; /probe seccomp'"),
	              0, "--privileged", out);
	assert_string_not_equal(probe_value(out, "cap_eff", value, sizeof(value)),
	                        "00000000a80425fb");
	assert_string_equal(probe_value(out, "seccomp", value, sizeof(value)), "0");
}

/* ---- hardening: Docker's default seccomp profile, and the options that change it ------------ */

/* run --rm OPTIONS busybox, the probe's caps, seccomp and syscalls reports in out. */
static void probe_facts(const char *options, char *out, size_t size)
{
	expect_status(mc(out, size,
	                 "run --rm %s busybox sh -c '/probe caps; /probe seccomp; /probe syscalls'",
	                 options),
	              0, options, out);
}

static void expect_fact(const char *out, const char *key, const char *want, const char *what)
{
	char value[128];

	if (strcmp(probe_value(out, key, value, sizeof(value)), want) != 0)
		fail_msg("%s: %s=%s, expected %s; output:\n%s", what, key, value, want, out);
}

static void test_seccomp_profile_and_options(void **state)
{
	char out[16384], path[PATH_MAX], before[4096], after[4096];
	FILE *f;

	(void)state;
	MC_REQUIRE_ROOT();
	MC_REQUIRE_IMAGES();
	/* The default: Docker's capabilities and profile, no_new_privs off. */
	probe_facts("", out, sizeof(out));
	expect_fact(out, "cap_bnd", "00000000a80425fb", "default");
	expect_fact(out, "cap_amb", "0000000000000000", "default");
	expect_fact(out, "seccomp", "2", "default");
	expect_fact(out, "no_new_privs", "0", "default");
	expect_fact(out, "reboot", "EPERM", "default");
	expect_fact(out, "kexec_load", "EPERM", "default");
	expect_fact(out, "keyctl", "EPERM", "default");
	expect_fact(out, "unshare_newuser", "EPERM", "default");
	expect_fact(out, "clone_newuser", "EPERM", "default");
	expect_fact(out, "clone3", "ENOSYS", "default");
	expect_fact(out, "fork", "ok", "default");
	expect_fact(out, "personality_no_aslr", "EPERM", "default");
	expect_fact(out, "socket_vsock", "EPERM", "default");
	/* seccomp=unconfined: the calls reach the kernel, which refuses them itself. */
	probe_facts("--security-opt seccomp=unconfined", out, sizeof(out));
	expect_fact(out, "seccomp", "0", "seccomp=unconfined");
	expect_fact(out, "keyctl", "EOPNOTSUPP", "seccomp=unconfined");
	expect_fact(out, "clone3", "EINVAL", "seccomp=unconfined");
	expect_fact(out, "reboot", "EPERM", "seccomp=unconfined (no CAP_SYS_BOOT)");
	/* --privileged: no filter, every capability: reboot reaches its argument check. */
	probe_facts("--privileged", out, sizeof(out));
	expect_fact(out, "seccomp", "0", "--privileged");
	expect_fact(out, "reboot", "EINVAL", "--privileged");
	/* --cap-add SYS_ADMIN: the profile's rules for it - clone with namespaces, clone3, unshare. */
	probe_facts("--cap-add SYS_ADMIN", out, sizeof(out));
	expect_fact(out, "cap_bnd", "00000000a82425fb", "--cap-add SYS_ADMIN");
	expect_fact(out, "seccomp", "2", "--cap-add SYS_ADMIN");
	expect_fact(out, "clone_newuser", "EINVAL", "--cap-add SYS_ADMIN");
	expect_fact(out, "unshare_newuser", "EINVAL", "--cap-add SYS_ADMIN");
	expect_fact(out, "clone3", "EINVAL", "--cap-add SYS_ADMIN");
	expect_fact(out, "keyctl", "EPERM", "--cap-add SYS_ADMIN");
	/* no-new-privileges: the same filter, and the flag set. */
	probe_facts("--security-opt no-new-privileges", out, sizeof(out));
	expect_fact(out, "no_new_privs", "1", "no-new-privileges");
	expect_fact(out, "seccomp", "2", "no-new-privileges");
	expect_fact(out, "clone3", "ENOSYS", "no-new-privileges");

	/* A profile of one's own: its text is kept in the record, so the file may go. */
	snprintf(path, sizeof(path), "%s/no-mkdir.json", mc_test_tmpdir());
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"mkdir\", "
	      "\"mkdirat\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 13}]}",
	      f);
	fclose(f);
	expect_status(mc(out, sizeof(out),
	                 "create --name nomkdir --security-opt seccomp='%s' busybox sh -c "
	                 "'mkdir /tmp/x; echo mkdir_status=$?; /probe syscalls'",
	                 path),
	              0, "create with a profile", out);
	remember(out);
	unlink(path);
	expect_status(mc(out, sizeof(out), "start -a nomkdir"), 0, "start a profile's container",
	              out);
	expect_text(out, "Permission denied", "mkdir under a profile that denies it");
	expect_fact(out, "mkdir_status", "1", "a profile that denies mkdir");
	expect_fact(out, "keyctl", "EOPNOTSUPP", "a profile that allows the rest");

	/* A malformed profile: a clear error, exit 125, and no container. */
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], "
	      "\"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 9, \"value\": 0, "
	      "\"op\": \"SCMP_CMP_EQ\"}]}]}",
	      f);
	fclose(f);
	expect_status(mc(before, sizeof(before), "ps -a -q --no-trunc"), 0, "ps -a", before);
	expect_status(mc(out, sizeof(out), "create --security-opt seccomp='%s' busybox true", path),
	              125, "create with a malformed profile", out);
	expect_text(out, "syscalls[0].args[0]: index is not a whole number in range",
	            "the malformed profile's error");
	expect_status(mc(out, sizeof(out),
	                 "run --rm --security-opt seccomp=/nonexistent.json "
	                 "busybox true"),
	              125, "run with a missing profile", out);
	expect_text(out, "/nonexistent.json", "the missing profile's error");
	expect_status(mc(out, sizeof(out), "run --rm --security-opt bogus=1 busybox true"), 125,
	              "an unknown --security-opt", out);
	expect_status(mc(after, sizeof(after), "ps -a -q --no-trunc"), 0, "ps -a", after);
	assert_string_equal(before, after);
	expect_status(mc(out, sizeof(out), "rm nomkdir"), 0, "rm", out);
}

/* ---- the values with a syntax: untrusted text gives an error, never a crash ----------------- */

static void test_env_and_mount_values(void **state)
{
	char out[16384], path[PATH_MAX], value[4400], long_value[4300];
	FILE *f;

	(void)state;
	MC_REQUIRE_ROOT();
	MC_REQUIRE_IMAGES();
	/* Docker's env file rules: a byte order mark, leading blanks, comments, NAME alone. */
	snprintf(path, sizeof(path), "%s/env", mc_test_tmpdir());
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("\xef\xbb\xbf"
	      "FIRST=1\n  # a comment\n\n   INDENTED=yes\r\nFROM_US\nNOT_SET_ANYWHERE\n",
	      f);
	/* A line longer than a 4096-byte buffer stays one variable: its tail does not
	 * become a variable of its own (fgets() into such a buffer did that). */
	memset(long_value, 'v', 4090);
	long_value[4090] = '\0';
	fprintf(f, "LONG=%sINJECTED=1\n", long_value);
	fclose(f);
	expect_status(mc(out, sizeof(out), "run --rm --env-file '%s' busybox /probe env", path), 0,
	              "--env-file", out);
	expect_text(out, "env=FIRST=1\n", "a byte order mark is not part of the name");
	expect_text(out, "env=INDENTED=yes\n", "leading blanks and CR go");
	if (strstr(out, "NOT_SET_ANYWHERE") != NULL || strstr(out, "env=INJECTED") != NULL)
		fail_msg("unexpected variables:\n%s", out);
	snprintf(value, sizeof(value), "env=LONG=%sINJECTED=1\n", long_value);
	expect_text(out, value, "a long line");
	/* A name with a blank in it is an error, as in Docker. */
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("GOOD=1\nBAD NAME=2\n", f);
	fclose(f);
	expect_status(mc(out, sizeof(out), "run --rm --env-file '%s' busybox true", path), 125,
	              "a blank in a name", out);
	/* (docker/cli's pkg/kvfile words it so, naming the file but not the line) */
	expect_text(out, "variable 'BAD NAME' contains whitespaces", "the env file's error");
	/* Not UTF-8: JSON cannot hold it - an error (it crashed before). */
	expect_status(mc(out, sizeof(out), "run --rm -e \"$(printf 'A=\\377')\" busybox true"), 125,
	              "-e with a byte that is not UTF-8", out);
	expect_text(out, "UTF-8", "-e not UTF-8");
	expect_status(mc(out, sizeof(out), "run --rm -v \"$(printf '/tmp:/x\\377')\" busybox true"),
	              125, "-v not UTF-8", out);
	/* An over-long value is an error, not a shortened path (passed from a file: too long
	 * for our own command buffer). */
	memset(long_value, 'a', 4200);
	long_value[0] = '/';
	long_value[4200] = '\0';
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "/tmp:%s", long_value);
	fclose(f);
	expect_status(mc(out, sizeof(out), "run --rm -v \"$(cat '%s')\" busybox true", path), 125,
	              "an over-long -v", out);
	expect_text(out, "File name too long", "an over-long -v");
}

/* ---- hardening: the device policy ----------------------------------------------------------- */

/* Make 10:237 (loop-control) and b 7:0 (the first loop device) in /dev, and open each. */
#define OPEN_MADE_DEVICES                                                                          \
	"/probe mknod /dev/lc c 10 237; /probe open-dev /dev/lc; "                                 \
	"/probe mknod /dev/l0 b 7 0; /probe open-dev /dev/l0"

static void expect_opens(const char *out, const char *first, const char *second, const char *what)
{
	char value[64];

	if (!mc_kv(out, "open", 0, value, sizeof(value)) || strcmp(value, first) != 0 ||
	    !mc_kv(out, "open", 1, value, sizeof(value)) || strcmp(value, second) != 0)
		fail_msg("%s: expected open=%s and open=%s; output:\n%s", what, first, second, out);
}

static void test_device_policy(void **state)
{
	char out[16384], value[1024], host[PATH_MAX], disk[PATH_MAX];

	(void)state;
	MC_REQUIRE_ROOT();
	MC_REQUIRE_IMAGES();
	/* Root keeps CAP_MKNOD: the nodes are made, on the image's root too; none opens. */
	expect_status(mc(out, sizeof(out),
	                 "run --rm busybox sh -c '" OPEN_MADE_DEVICES
	                 "; /probe mknod /x c 10 237; /probe open-dev /x'"),
	              0, "default run", out);
	assert_int_equal(mc_kv_count(out, "mknod"), 3);
	if (has_line(out, "mknod=", false) && !has_line(out, "mknod=ok", true))
		fail_msg("mknod failed:\n%s", out);
	expect_opens(out, "EPERM", "EPERM", "default run");
	assert_true(mc_kv(out, "open", 2, value, sizeof(value)));
	assert_string_equal(value, "EPERM");
	/* --privileged allows every device: the same nodes open. */
	expect_status(
	    mc(out, sizeof(out), "run --rm --privileged busybox sh -c '" OPEN_MADE_DEVICES "'"), 0,
	    "--privileged", out);
	expect_opens(out, "ok", "ok", "--privileged");
	/*
	 * --device: a node appears, and opens - as far as its permissions go
	 * (10:237 with rwm, b 7:0 with r alone).  The host's nodes are copies
	 * in our temporary directory: device nodes only in temp dirs.
	 */
	snprintf(host, sizeof(host), "%s/loop-control", mc_test_tmpdir());
	snprintf(disk, sizeof(disk), "%s/loop0", mc_test_tmpdir());
	unlink(host);
	unlink(disk);
	assert_int_equal(mknod(host, S_IFCHR | 0600, makedev(10, 237)), 0);
	assert_int_equal(mknod(disk, S_IFBLK | 0600, makedev(7, 0)), 0);
	expect_status(
	    mc(out, sizeof(out),
	       "run --name devs --device '%s:/dev/loop-control' --device '%s:/dev/disk:r' "
	       "busybox sh -c '/probe open-dev /dev/loop-control rw; "
	       "/probe open-dev /dev/disk w; /probe open-dev /dev/disk r'",
	       host, disk),
	    0, "--device", out);
	expect_opens(out, "ok", "EPERM", "--device");
	assert_true(mc_kv(out, "open", 2, value, sizeof(value)));
	assert_string_equal(value, "ok");
	inspect("devs", "{{json .HostConfig.Devices}}", value, sizeof(value));
	snprintf(out, sizeof(out),
	         "[{\"PathOnHost\":\"%s\",\"PathInContainer\":\"/dev/loop-control\","
	         "\"CgroupPermissions\":\"rwm\"},{\"PathOnHost\":\"%s\","
	         "\"PathInContainer\":\"/dev/disk\",\"CgroupPermissions\":\"r\"}]",
	         host, disk);
	assert_string_equal(value, out);
	expect_status(mc(out, sizeof(out), "rm devs"), 0, "rm devs", out);
	/* exec joins the container's cgroup, and its device policy with it. */
	expect_status(mc(out, sizeof(out), "create --name devx busybox /probe sleep 60"), 0,
	              "create", out);
	expect_status(mc(out, sizeof(out), "start devx"), 0, "start", out);
	expect_status(mc(out, sizeof(out), "exec devx sh -c '" OPEN_MADE_DEVICES "'"), 0, "exec",
	              out);
	expect_opens(out, "EPERM", "EPERM", "exec");
	expect_status(mc(out, sizeof(out), "rm -f devx"), 0, "rm -f", out);
	/* Clear errors: a missing device, bad permissions, a relative path. */
	expect_status(mc(out, sizeof(out), "run --rm --device /dev/no-such-device busybox true"),
	              125, "a missing device", out);
	expect_text(out, "error gathering device information while adding custom device",
	            "a missing device");
	expect_text(out, "No such file or directory", "a missing device");
	expect_status(
	    mc(out, sizeof(out), "run --rm --device /dev/null:/dev/null:rwx busybox true"), 125,
	    "bad permissions", out);
	expect_text(out, "bad permissions 'rwx'", "bad permissions");
	expect_status(mc(out, sizeof(out), "run --rm --device dev/null busybox true"), 125,
	              "a relative path", out);
	expect_text(out, "must be absolute", "a relative path");
	unlink(host);
	unlink(disk);
}

/* ---- 11. the OOM killer -------------------------------------------------------------------- */

static void test_oom_killed_reported(void **state)
{
	char out[16384], value[64], id[128], where[PATH_MAX];

	(void)state;
	MC_REQUIRE_ROOT();
	MC_REQUIRE_IMAGES();
	expect_status(mc(out, sizeof(out), "run --name oom -m 32m busybox /probe eat 64"), 137,
	              "-m 32m, eat 64 MiB", out);
	if (!has_line(out, "eaten=", false) || has_line(out, "eat=done", true))
		fail_msg("the probe was not stopped half-way:\n%s", out);
	inspect("oom", "{{.Id}}", id, sizeof(id));
	remember(id);
	inspect("oom", "{{.State.OOMKilled}} {{.State.ExitCode}} {{.HostConfig.Memory}}", value,
	        sizeof(value));
	assert_string_equal(value, "true 137 33554432");
	expect_status(mc(out, sizeof(out), "rm oom"), 0, "rm oom", out);
	if (cgroup_left(id, where, sizeof(where)))
		fail_msg("the cgroup %s is left", where);
}

/* ---- 12. --trace ---------------------------------------------------------------------------- */

static void test_trace_narrates(void **state)
{
	char out[16384], trace[262144], path[PATH_MAX];

	(void)state;
	MC_REQUIRE_ROOT();
	MC_REQUIRE_IMAGES();
	snprintf(path, sizeof(path), "%s/trace.err", mc_test_tmpdir());
	expect_status(mc(out, sizeof(out), "--trace run --rm hello-world 2>'%s'", path), 0,
	              "--trace run --rm hello-world", out);
	expect_text(out, "Hello from minicontainer!", "the greeting, with --trace");
	read_text(path, trace, sizeof(trace));
	static const char *const starts[] = {"[ch01] clone(", "[ch02] ", "[ch03] "};
	for (size_t i = 0; i < sizeof(starts) / sizeof(starts[0]); i++)
		if (!has_line(trace, starts[i], false))
			fail_msg("no line starting \"%s\" in the trace:\n%s", starts[i], trace);
	if (strstr(trace, "Hello from minicontainer!") != NULL)
		fail_msg("the container's output went into the trace");
}

int main(int argc, char **argv)
{
	static const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(test_hello_world_greets, remove_containers),
	    cmocka_unit_test_teardown(test_override_rules, remove_containers),
	    cmocka_unit_test_teardown(test_volumes_ro_and_rw, remove_containers),
	    cmocka_unit_test_teardown(test_read_only_root, remove_containers),
	    cmocka_unit_test_teardown(test_tty_through_a_pty, remove_containers),
	    cmocka_unit_test_teardown(test_exit_code_table, remove_containers),
	    cmocka_unit_test_teardown(test_ps_inspect_rm_lifecycle, remove_containers),
	    cmocka_unit_test_teardown(test_parallel_runs_are_unique, remove_containers),
	    cmocka_unit_test_teardown(test_kill_minicontainer_then_rm_f, remove_containers),
	    cmocka_unit_test_teardown(test_init_reaps, remove_containers),
	    cmocka_unit_test_teardown(test_oom_killed_reported, remove_containers),
	    cmocka_unit_test_teardown(test_trace_narrates, remove_containers),
	    cmocka_unit_test_teardown(test_default_hardening, remove_containers),
	    cmocka_unit_test_teardown(test_device_policy, remove_containers),
	    cmocka_unit_test_teardown(test_seccomp_profile_and_options, remove_containers),
	    cmocka_unit_test_teardown(test_env_and_mount_values, remove_containers),
	    cmocka_unit_test_teardown(test_stop_kill_logs, remove_containers),
	    cmocka_unit_test_teardown(test_exec_joins_the_container, remove_containers),
	};

	/* This file's tests, then each group of tests/mc_*.c (one a line). */
	/* clang-format off */
	const struct {
		const struct CMUnitTest *tests;
		size_t count;
	} groups[] = {
	    {tests, sizeof(tests) / sizeof(tests[0])},
	    {mc_hardening_tests, mc_hardening_count},
	    {mc_lifecycle_tests, mc_lifecycle_count},
	    {mc_template_tests, mc_template_count},
	    {mc_verbs_tests, mc_verbs_count},
	    {mc_cli_tests, mc_cli_count},
	    {mc_semantics_tests, mc_semantics_count},
	    {mc_volumes_tests, mc_volumes_count},
	    {mc_lecture_tests, mc_lecture_count},
	};
	/* clang-format on */
	struct CMUnitTest *all;
	char why[256];
	size_t n = 0;
	int rc;

	for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++)
		n += groups[g].count;
	all = calloc(n, sizeof(*all));
	if (all == NULL)
		return 1;
	n = 0;
	for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++)
		for (size_t i = 0; i < groups[g].count; i++)
			all[n++] = groups[g].tests[i];

	main_pid = getpid();
	/* Containers join the default bridge (chapter 05): their links, nftables rules and
	 * ip_forward belong in a namespace of this program's own, never the host's. */
	if (geteuid() == 0 && !(argc == 2 && strcmp(argv[1], "--list") == 0) &&
	    mc_test_private_network(why, sizeof(why)) < 0) {
		fprintf(stderr, "test-minicontainer: %s\n", why);
		return 1;
	}
	atexit(remove_parent_cgroups);
	rc = mc_test_main(argc, argv, "minicontainer", all, n);
	free(all);
	return rc;
}
