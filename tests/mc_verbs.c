/*
 * mc_verbs.c - the small verbs: top, stats, cp, diff, rename, pause and
 * unpause, the prunes, system df, events, version and info - each with the
 * facts behind it (the cgroup's PIDs, the freezer's state, files inside the
 * container's root, the records) and its error cases in Docker's words,
 * exit status 125 and nothing changed.
 */
#define _GNU_SOURCE
#include "mc_test.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- helpers ------------------------------------------------------------------------------- */

/* The file `name` of the container's cgroup: v2's one directory, or v1's pids/freezer one. */
static void cgroup_file(const char *id, const char *v1_controller, const char *name, char *path,
                        size_t size)
{
	if (access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0)
		snprintf(path, size, "/sys/fs/cgroup/minicontainer/%s/%s", id, name);
	else
		snprintf(path, size, "/sys/fs/cgroup/%s/minicontainer/%s/%s", v1_controller, id,
		         name);
}

static bool cgroup_v2(void)
{
	return access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0;
}

/* The n-th whitespace-separated word of `line` into buf ("" when there is none). */
static const char *word(const char *line, int n, char *buf, size_t size)
{
	const char *p = line;

	for (int i = 0; i <= n; i++) {
		size_t len;

		p += strspn(p, " \t");
		len = strcspn(p, " \t\n");
		if (len == 0) {
			buf[0] = '\0';
			return buf;
		}
		if (i == n) {
			snprintf(buf, size, "%.*s", (int)len, p);
			return buf;
		}
		p += len;
	}
	return buf;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* `create --name NAME ARGS`: the new container's id (remembered for the teardown). */
static void create_container(const char *name, const char *args, char *id, size_t size)
{
	char out[4096];

	expect_status(mc(out, sizeof(out), "create --name %s %s", name, args), 0, name, out);
	out[strcspn(out, "\n")] = '\0';
	if (!is_hex_id(out, 64))
		fail_msg("create --name %s printed \"%s\", not a 64-hex id", name, out);
	snprintf(id, size, "%.64s", out);
	remember(id);
}

/* A table's line with each run of two or more spaces made one "|": its cells, comparable. */
static const char *squeeze(const char *line, char *buf, size_t size)
{
	size_t n = 0;

	for (const char *p = line; *p != '\0' && *p != '\n' && n + 1 < size; p++) {
		if (p[0] == ' ' && p[1] == ' ') {
			p += strspn(p, " ") - 1;
			if (p[1] != '\0' && p[1] != '\n')
				buf[n++] = '|';
			continue;
		}
		buf[n++] = *p;
	}
	buf[n] = '\0';
	return buf;
}

/* ---- 1. top: host ps, the rows of the container's cgroup ------------------------------------- */

static void test_top(void **state)
{
	char id[128], out[16384], path[PATH_MAX], procs[4096], pid[32], header[256], *lines[64];
	size_t n;

	(void)state;
	MC_REQUIRE_ROOT();
	MC_REQUIRE_IMAGES();
	run_detached(id, sizeof(id), "--name tp busybox sh -c '/probe sleep 600 & wait'");
	if (!eventually("tp", "{{.State.Status}}", "running"))
		fail_msg("tp never ran");
	/* Wait for the second process, then the rows must be exactly the cgroup's PIDs. */
	cgroup_file(id, "pids", "cgroup.procs", path, sizeof(path));
	for (int i = 0; i < 250; i++) {
		read_text(path, procs, sizeof(procs));
		if (strchr(procs, '\n') != NULL && strchr(procs, '\n')[1] != '\0')
			break;
		usleep(20000);
	}
	expect_status(mc(out, sizeof(out), "top tp"), 0, "top tp", out);
	if (strncmp(out, "UID                 PID                 PPID", 44) != 0 ||
	    strcmp(squeeze(out, header, sizeof(header)), "UID|PID|PPID|C|STIME|TTY|TIME|CMD") != 0)
		fail_msg("top: not ps -ef's columns, 20 wide:\n%s", out);
	n = split_lines(out, lines, 64);
	if (n != 3)
		fail_msg("top: expected the header and 2 processes, got %zu lines", n);
	for (size_t i = 1; i < n; i++)
		if (!has_line(procs, word(lines[i], 1, pid, sizeof(pid)), true))
			fail_msg("top shows PID %s, not in the cgroup's %s:\n%s", pid, procs, out);
	inspect("tp", "{{.State.Pid}}", pid, sizeof(pid));
	expect_status(mc(out, sizeof(out), "top tp -o pid,comm"), 0, "top -o pid,comm", out);
	if (!has_line(out, "PID                 COMMAND", true))
		fail_msg("top -o pid,comm: header:\n%s", out);
	expect_text(out, "probe", "top -o pid,comm");
	/* Host PIDs: the first is the one the record names (1 inside). */
	if (strstr(out, pid) == NULL)
		fail_msg("top -o pid,comm does not show the host PID %s:\n%s", pid, out);
	expect_status(mc(out, sizeof(out), "container top tp aux"), 0, "top aux", out);
	expect_text(out, "%CPU", "top aux");

	expect_refusal("top tp -o user=PID", "specifying \"user=PID\" is not allowed");
	expect_refusal("top tp --no-headers", "option --no-headers is not allowed");
	expect_refusal("top tp -o comm", "Couldn't find PID field in ps output");
	expect_refusal("top tp --no-such-ps-option", "ps: ");
	expect_refusal("top nosuch", "No such container: nosuch");
	expect_refusal("top", "requires at least 1 argument");
	expect_status(mc(out, sizeof(out), "create --name tp-stopped busybox true"), 0, "create",
	              out);
	expect_refusal("top tp-stopped", "is not running");
}

/* ---- 2. stats ------------------------------------------------------------------------------ */

static void test_stats(void **state)
{
	char id[128], stopped[128], out[16384], *lines[16], cell[128];
	double cpu;
	size_t n;

	(void)state;
	MC_REQUIRE_ROOT();
	MC_REQUIRE_IMAGES();
	run_detached(id, sizeof(id), "--name st-busy -m 64m busybox /probe spin 600");
	create_container("st-stopped", "busybox true", stopped, sizeof(stopped));

	/* One sample pair: Docker's header and columns; a busy loop uses CPU; -m is the limit. */
	expect_status(mc(out, sizeof(out), "stats --no-stream"), 0, "stats --no-stream", out);
	n = split_lines(out, lines, 16);
	if (n != 2 ||
	    strcmp(squeeze(lines[0], cell, sizeof(cell)),
	           "CONTAINER ID|NAME|CPU %|MEM USAGE / LIMIT|MEM %|NET I/O|BLOCK I/O|PIDS") != 0)
		fail_msg("stats --no-stream: expected the header and st-busy only:\n%s", out);
	if (strncmp(lines[1], id, 12) != 0 || strstr(lines[1], " st-busy ") == NULL ||
	    strstr(lines[1], "/ 64MiB") == NULL || strstr(lines[1], "0B / 0B") == NULL)
		fail_msg("stats: the row of st-busy:\n%s", lines[1]);
	cpu = atof(word(lines[1], 2, cell, sizeof(cell)));
	if (cpu <= 0.5)
		fail_msg("stats: a busy loop shows %s CPU", cell);

	/* -a, --no-trunc, --format: a stopped container's numbers are zeros. */
	expect_status(mc(out, sizeof(out),
	                 "stats -a --no-stream --no-trunc --format '{{.ID}} {{.Name}} {{.CPUPerc}} "
	                 "{{.MemUsage}} {{.PIDs}}'"),
	              0, "stats -a --format", out);
	snprintf(cell, sizeof(cell), "%.64s st-stopped 0.00%% 0B / 0B 0", stopped);
	if (!has_line(out, cell, true) || !has_line(out, id, false))
		fail_msg("stats -a --no-trunc --format: expected \"%s\" and st-busy in:\n%s", cell,
		         out);
	expect_status(mc(out, sizeof(out), "stats --no-stream --format '{{.Container}}' st-busy"),
	              0, "stats NAME", out);
	assert_string_equal(out, "st-busy\n");

	/* Streaming: each screen drawn over the last, as Docker's escape sequences do. */
	expect_status(mc(out, sizeof(out), "stats st-busy & sleep 2.5; kill $!"), 0, "stats", out);
	if (strstr(out, "\033[H") == NULL || strstr(strstr(out, "\033[H") + 1, "\033[H") == NULL ||
	    strstr(out, "\033[K") == NULL || strstr(out, "\033[J") == NULL)
		fail_msg("stats (streaming): expected two screens with \\033[H ... \\033[J:\n%s",
		         out);

	expect_refusal("stats --no-stream nosuch", "No such container: nosuch");
	expect_refusal("stats --no-stream --format '{{.Nope' st-busy", "template");
	expect_refusal("stats --bogus", "unknown flag: --bogus");
}

/* ---- 3. cp -------------------------------------------------------------------------------- */

/*
 * An image whose symlinks lead out of the root, if they were followed on the
 * host: /lp -> /etc/passwd, /up -> ../../.., /etcd -> /etc; and a file of
 * its own, /etc/mc-image-file.
 */
static void import_cp_image(void)
{
	static bool done;
	char dir[PATH_MAX], tar[PATH_MAX], cmd[8 * PATH_MAX], out[4096];

	if (done)
		return;
	snprintf(dir, sizeof(dir), "%s/cplinks", mc_test_tmpdir());
	snprintf(tar, sizeof(tar), "%s/cplinks.tar", mc_test_tmpdir());
	snprintf(cmd, sizeof(cmd),
	         "mkdir -p '%s/etc' && cd '%s' && ln -sfn /etc/passwd lp && ln -sfn ../../.. up && "
	         "ln -sfn /etc etcd && echo image-file > etc/mc-image-file && cp '%s/busybox.tar' "
	         "'%s' && tar -rf '%s' ./lp ./up ./etcd ./etc/mc-image-file",
	         dir, dir, mc_test_tmpdir(), tar, tar);
	if (system(cmd) != 0)
		fail_msg("%s failed", cmd);
	expect_status(mc(out, sizeof(out), "import '%s' cplinks:latest", tar), 0, "import", out);
	done = true;
}

/* The host has no `path` (cp wrote through a link to it?): removed if it has. */
static void expect_not_on_host(const char *path, const char *what)
{
	if (access(path, F_OK) == 0) {
		unlink(path);
		fail_msg("%s wrote %s on the host", what, path);
	}
}

/*
 * The symlinks stay inside, both ways: reading through them gives the
 * container's files, writing through them lands in the container - never on
 * the host.  `c` is a container of cplinks (running or not).
 */
static void check_links_stay_inside(const char *c)
{
	char host[PATH_MAX], file[PATH_MAX + 128], text[4096], expected[4096], out[16384],
	    escape[64], where[4 * PATH_MAX];

	snprintf(host, sizeof(host), "%s/cp-%s", mc_test_tmpdir(), c);
	mkdir(host, 0755);
	/* -L through /lp: the container's passwd (busybox's), not the host's. */
	snprintf(file, sizeof(file), "%s/passwd", host);
	expect_status(mc(out, sizeof(out), "cp -L %s:/lp '%s'", c, file), 0, "cp -L :/lp", out);
	read_text(file, text, sizeof(text));
	snprintf(where, sizeof(where), "%s/etc/passwd", mc_test_rootfs());
	read_text(where, expected, sizeof(expected));
	if (strcmp(text, expected) != 0)
		fail_msg("cp -L %s:/lp gave another file than the container's /etc/passwd:\n%s", c,
		         text);
	/* ../../.. is the container's root: its /etc/mc-image-file. */
	snprintf(file, sizeof(file), "%s/f", host);
	expect_status(mc(out, sizeof(out), "cp %s:/up/etc/mc-image-file '%s'", c, file), 0,
	              "cp :/up/etc/...", out);
	read_text(file, text, sizeof(text));
	assert_string_equal(text, "image-file\n");
	/* Without -L the link is copied as a link. */
	snprintf(file, sizeof(file), "%s/lp", host);
	expect_status(mc(out, sizeof(out), "cp %s:/lp '%s'", c, file), 0, "cp :/lp", out);
	assert_int_equal(readlink(file, text, sizeof(text) - 1), 11);

	/* Into the container through /etcd and /up: the container's /etc and /tmp. */
	snprintf(escape, sizeof(escape), "mc-cp-escape-%d", (int)getpid());
	snprintf(file, sizeof(file), "%s/%s", host, escape);
	write_file(file, "from the host\n");
	expect_status(mc(out, sizeof(out), "cp '%s' %s:/etcd/", file, c), 0, "cp into :/etcd/",
	              out);
	expect_status(mc(out, sizeof(out), "cp '%s' %s:/up/up/tmp/", file, c), 0,
	              "cp into :/up/tmp", out);
	snprintf(where, sizeof(where), "/etc/%s", escape);
	expect_not_on_host(where, "cp into a container");
	snprintf(where, sizeof(where), "/tmp/%s", escape);
	expect_not_on_host(where, "cp into a container");
	/* ... and they are in the container (read back through its own paths). */
	expect_status(mc(out, sizeof(out), "cp %s:/etc/%s - | tar -xOf -", c, escape), 0,
	              "cp back :/etc", out);
	assert_string_equal(out, "from the host\n");
	expect_status(mc(out, sizeof(out), "cp %s:/tmp/%s - | tar -xOf -", c, escape), 0,
	              "cp back :/tmp", out);
	assert_string_equal(out, "from the host\n");
	/* A tar on stdin with a symlink to /tmp and a file under it: the container's /tmp. */
	snprintf(
	    where, sizeof(where),
	    "cd '%s' && rm -rf t && mkdir t && ln -s /tmp t/evil && tar -cf t.tar -C t evil && "
	    "mkdir -p u/evil && echo tar > u/evil/%s-2 && tar -rf t.tar -C u evil/%s-2",
	    host, escape, escape);
	if (system(where) != 0)
		fail_msg("%s failed", where);
	expect_status(mc(out, sizeof(out), "cp - %s:/ <'%s/t.tar'", c, host), 0, "cp - :/", out);
	snprintf(where, sizeof(where), "/tmp/%s-2", escape);
	expect_not_on_host(where, "cp - into a container");
	expect_status(mc(out, sizeof(out), "cp %s:/tmp/%s-2 - | tar -xOf -", c, escape), 0,
	              "the tar's file in the container's /tmp", out);
	assert_string_equal(out, "tar\n");
}

static void test_cp_stays_inside(void **state)
{
	char id[128], out[16384];

	(void)state;
	MC_REQUIRE_ROOT();
	MC_REQUIRE_IMAGES();
	import_cp_image();
	/* Stopped: mounted in a child's mount namespace, never on the host. */
	create_container("cps", "cplinks true", id, sizeof(id));
	check_links_stay_inside("cps");
	if (mc_mountinfo_count(mc_test_tmpdir()) != 0)
		fail_msg("cp left a mount under %s", mc_test_tmpdir());
	list_dir(run_dir, out, sizeof(out));
	if (strstr(out, "cp-") != NULL)
		fail_msg("cp left its mount point in %s:\n%s", run_dir, out);
	/* Running: through its process's root. */
	run_detached(id, sizeof(id), "--name cpr cplinks /probe sleep 600");
	if (!eventually("cpr", "{{.State.Status}}", "running"))
		fail_msg("cpr never ran");
	check_links_stay_inside("cpr");
}

static void test_cp_rules(void **state)
{
	char id[128], host[PATH_MAX], path[PATH_MAX + 64], text[4096], out[16384],
	    fifo[PATH_MAX + 16], cmd[4 * PATH_MAX];
	struct stat st;

	(void)state;
	MC_REQUIRE_ROOT();
	MC_REQUIRE_IMAGES();
	run_detached(id, sizeof(id),
	             "--name cpx busybox sh -c 'mkdir -p /data/sub && echo inside > /data/sub/f && "
	             "touch /data/file && chown 1234:5678 /data/sub/f && /probe sleep 600'");
	if (!eventually("cpx", "{{.State.Status}}", "running"))
		fail_msg("cpx never ran");
	for (int i = 0; i < 250 && mc(out, sizeof(out), "cp cpx:/data/sub/f - >/dev/null") != 0;
	     i++)
		usleep(20000);
	snprintf(host, sizeof(host), "%s/cp-rules", mc_test_tmpdir());
	mkdir(host, 0755);

	/* A missing destination becomes the source's copy; a directory receives it by name. */
	expect_status(mc(out, sizeof(out), "cp -q cpx:/data '%s/new'", host), 0, "cp dir to new",
	              out);
	assert_string_equal(out, "");
	snprintf(path, sizeof(path), "%s/new/sub/f", host);
	read_text(path, text, sizeof(text));
	assert_string_equal(text, "inside\n");
	/* Onto the host the files are the user's (Docker's NoLchown), with -a too. */
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_uid, 0);
	expect_status(mc(out, sizeof(out), "cp -a cpx:/data '%s/new'", host), 0, "cp to dir", out);
	snprintf(path, sizeof(path), "%s/new/data/sub/f", host);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_uid, 0);
	/* SRC/. : the contents. */
	snprintf(path, sizeof(path), "%s/dot", host);
	mkdir(path, 0755);
	expect_status(mc(out, sizeof(out), "cp cpx:/data/. '%s'", path), 0, "cp SRC/.", out);
	list_dir(path, text, sizeof(text));
	assert_string_equal(text, "file\nsub\n");
	/* A file over a file; a file into a directory keeps its name. */
	snprintf(path, sizeof(path), "%s/over", host);
	write_file(path, "old\n");
	expect_status(mc(out, sizeof(out), "cp cpx:/data/sub/f '%s'", path), 0, "cp over", out);
	read_text(path, text, sizeof(text));
	assert_string_equal(text, "inside\n");

	/* Into the container: the file keeps its owner; with -a, the container's user's. */
	snprintf(path, sizeof(path), "%s/owned", host);
	write_file(path, "owned\n");
	assert_int_equal(chown(path, 2345, 6789), 0);
	expect_status(mc(out, sizeof(out), "cp '%s' cpx:/tmp/", path), 0, "cp into", out);
	expect_status(mc(out, sizeof(out), "exec cpx stat -c %%u:%%g /tmp/owned"), 0, "stat", out);
	assert_string_equal(out, "2345:6789\n");
	expect_status(mc(out, sizeof(out), "create --name cpu probe-img"), 0, "create probe-img",
	              out);
	expect_status(mc(out, sizeof(out), "cp -a '%s' cpu:/tmp/", path), 0, "cp -a", out);
	expect_status(mc(out, sizeof(out), "cp cpu:/tmp/owned - | tar -tvf - | cut -c1-30"), 0,
	              "owner", out);
	expect_text(out, "65534/65534", "cp -a into a container of user nobody");

	/* Streams: a tar out on stdout, a tar in from stdin. */
	expect_status(mc(out, sizeof(out), "cp cpx:/data - | tar -tf - | sort"), 0, "cp -", out);
	assert_string_equal(out, "data/\ndata/file\ndata/sub/\ndata/sub/f\n");
	snprintf(cmd, sizeof(cmd), "tar -C '%s' -cf '%s/new.tar' new", host, host);
	assert_int_equal(system(cmd), 0);
	expect_status(mc(out, sizeof(out), "cp - cpx:/tmp <'%s/new.tar'", host), 0, "cp - :/tmp",
	              out);
	expect_status(mc(out, sizeof(out), "exec cpx cat /tmp/new/sub/f"), 0, "cat", out);
	assert_string_equal(out, "inside\n");

	/* A stopped container's root is held while cp has it mounted: start waits for nobody. */
	expect_status(mc(out, sizeof(out), "create --name cph busybox true"), 0, "create cph", out);
	snprintf(fifo, sizeof(fifo), "%s/cp.fifo", host);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	snprintf(cmd, sizeof(cmd), "'%s' cp - cph:/tmp <'%s' >'%s/cph.out' 2>&1 &", mc_bin(), fifo,
	         host);
	assert_int_equal(system(cmd), 0);
	{
		int fd = open(fifo, O_WRONLY | O_CLOEXEC); /* cp is reading now */
		bool mounted = false;

		assert_true(fd >= 0);
		for (int i = 0; i < 500 && !mounted; i++) {
			list_dir(run_dir, text, sizeof(text));
			mounted = strstr(text, "cp-") != NULL;
			if (!mounted)
				usleep(20000);
		}
		assert_true(mounted);
		expect_refusal("start cph", "a copy (cp) into or out of it is in progress");
		snprintf(cmd, sizeof(cmd), "tar -C '%s' -cf - owned", host);
		{
			FILE *tar = popen(cmd, "r");
			char buf[65536];
			size_t n;

			assert_non_null(tar);
			while ((n = fread(buf, 1, sizeof(buf), tar)) > 0)
				assert_int_equal(write(fd, buf, n), (ssize_t)n);
			pclose(tar);
		}
		close(fd);
	}
	for (int i = 0; i < 500; i++) {
		list_dir(run_dir, text, sizeof(text));
		if (strstr(text, "cp-") == NULL)
			break;
		usleep(20000);
	}
	expect_status(mc(out, sizeof(out), "cp cph:/tmp/owned -  | tar -xOf -"), 0, "cph", out);
	assert_string_equal(out, "owned\n");

	/* Errors: Docker's words, 125, nothing changed. */
	snprintf(cmd, sizeof(cmd), "cp cpx:/data '%s/over'", host);
	expect_refusal(cmd, "cannot copy directory");
	snprintf(cmd, sizeof(cmd), "cp cpx:/data/sub/f '%s/nodir/x'", host);
	expect_refusal(cmd, "invalid output path: directory");
	snprintf(cmd, sizeof(cmd), "cp cpx:/data/sub/f '%s/nodir/'", host);
	expect_refusal(cmd, "no such directory");
	snprintf(cmd, sizeof(cmd), "cp '%s/owned' cpx:/nodir/", host);
	expect_refusal(cmd, "no such directory");
	snprintf(cmd, sizeof(cmd), "cp '%s/dot' cpx:/data/file", host);
	expect_refusal(cmd, "cannot copy directory");
	/* What is a directory in the container stays one (Docker's NoOverwriteDirNonDir). */
	snprintf(path, sizeof(path), "%s/kinds", host);
	mkdir(path, 0755);
	strcat(path, "/sub");
	write_file(path, "a file where the container has a directory\n");
	snprintf(cmd, sizeof(cmd), "cp '%s/kinds/.' cpx:/data", host);
	expect_refusal(cmd, "cannot overwrite directory \"/data/sub\" with non-directory");
	expect_refusal("cp - cpx:/data/file </dev/null", "destination \"cpx:/data/file\" must be a "
	                                                 "directory");
	expect_refusal("cp cpx:/nope /tmp", "Could not find the file /nope in container");
	expect_refusal("cp /no/such/file cpx:/tmp", "lstat /no/such/file: ");
	expect_refusal("cp nosuch:/x /tmp", "No such container: nosuch");
	expect_refusal("cp cpx:/a cph:/b", "copying between containers is not supported");
	expect_refusal("cp /tmp /var", "must specify at least one container source");
	expect_refusal("cp '' cpx:/tmp", "source can not be empty");
	expect_refusal("cp cpx:/tmp", "requires exactly 2 arguments");
}

/* ---- 4. diff ------------------------------------------------------------------------------- */

static void test_diff(void **state)
{
	char out[16384];

	(void)state;
	MC_REQUIRE_ROOT();
	MC_REQUIRE_IMAGES();
	expect_status(mc(out, sizeof(out), "create --name df0 busybox true"), 0, "create", out);
	expect_status(mc(out, sizeof(out), "diff df0"), 0, "diff of a created container", out);
	assert_string_equal(out, "");
	expect_status(mc(out, sizeof(out),
	                 "run --name df1 busybox sh -c 'echo x > /tmp/new && rm /bin/ls && mkdir "
	                 "/added && echo y >> /etc/passwd'"),
	              0, "run df1", out);
	/* Docker's lines, sorted; /etc/hosts & co, the runtime's, are not the container's. */
	expect_status(mc(out, sizeof(out), "container diff df1"), 0, "diff df1", out);
	assert_string_equal(out, "A /added\nC /bin\nD /bin/ls\nC /etc\nC /etc/passwd\nC /tmp\nA "
	                         "/tmp/new\n");
	expect_refusal("diff nosuch", "No such container: nosuch");
	expect_refusal("diff df0 df1", "requires exactly 1 argument");
}

/* ---- 5. rename ---------------------------------------------------------------------------- */

static void test_rename(void **state)
{
	char id[128], out[16384], name[128], line[4096];

	(void)state;
	MC_REQUIRE_ROOT();
	MC_REQUIRE_IMAGES();
	run_detached(id, sizeof(id), "--name rn-a busybox /probe sleep 600");
	expect_status(mc(out, sizeof(out), "create --name rn-b busybox true"), 0, "create", out);
	expect_status(mc(out, sizeof(out), "rename rn-a rn-c"), 0, "rename", out);
	assert_string_equal(out, "");
	inspect(id, "{{.Name}}", name, sizeof(name));
	assert_string_equal(name, "/rn-c");
	if (!ps_line("rn-c", line, sizeof(line)) || ps_line("rn-a", line, sizeof(line)))
		fail_msg("ps does not show the new name");
	/* The running container's monitor keeps the new name when it records the end. */
	expect_status(mc(out, sizeof(out), "stop -t 0 rn-c"), 0, "stop", out);
	inspect(id, "{{.Name}} {{.State.Status}}", name, sizeof(name));
	assert_string_equal(name, "/rn-c exited");
	expect_status(mc(out, sizeof(out), "container rename %.12s rn-a", id), 0, "rename by id",
	              out);

	expect_refusal("rename rn-a rn-b",
	               "failed to rename container: Error when allocating new "
	               "name: Conflict. The container name \"/rn-b\" is already "
	               "in use by container \"");
	expect_refusal("rename rn-a 'bad name'",
	               "failed to rename container: Invalid container name (bad name), only "
	               "[a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
	expect_refusal("rename rn-a rn-a", "Renaming a container with the same name as its current "
	                                   "name");
	expect_refusal("rename nosuch x", "failed to rename container: No such container: nosuch");
	expect_refusal("rename rn-a ''", "new name cannot be blank");
	expect_refusal("rename rn-a", "requires exactly 2 arguments");
}

/* ---- 6. pause, unpause -------------------------------------------------------------------- */

static void test_pause(void **state)
{
	char id[128], out[16384], value[256], path[PATH_MAX], frozen[256], line[4096];

	(void)state;
	MC_REQUIRE_ROOT();
	MC_REQUIRE_IMAGES();
	run_detached(id, sizeof(id), "--name pz busybox /probe sleep 600");
	expect_status(mc(out, sizeof(out), "pause pz"), 0, "pause", out);
	assert_string_equal(out, "pz\n");
	/* The freezer says frozen; the record says paused; ps shows it without -a. */
	if (cgroup_v2())
		cgroup_file(id, "", "cgroup.events", path, sizeof(path));
	else
		cgroup_file(id, "freezer", "freezer.state", path, sizeof(path));
	read_text(path, frozen, sizeof(frozen));
	if (strstr(frozen, cgroup_v2() ? "frozen 1" : "FROZEN") == NULL)
		fail_msg("after pause, %s says:\n%s", path, frozen);
	inspect("pz", "{{.State.Status}} {{.State.Paused}} {{.State.Running}}", value,
	        sizeof(value));
	assert_string_equal(value, "paused true true");
	expect_status(mc(out, sizeof(out), "ps --format '{{.Names}} {{.State}} {{.Status}}'"), 0,
	              "ps", out);
	if (!has_line(out, "pz paused Up ", false) || strstr(out, "(Paused)") == NULL)
		fail_msg("ps does not show the paused container:\n%s", out);
	expect_status(mc(out, sizeof(out), "ps -q --filter status=paused"), 0, "ps --filter", out);
	if (strncmp(out, id, 12) != 0)
		fail_msg("ps --filter status=paused: %s", out);
	/* wait blocks on a paused container (it has not exited). */
	expect_status(mc(out, sizeof(out), "wait pz & sleep 1; kill $! && echo still-waiting"), 0,
	              "wait", out);
	expect_text(out, "still-waiting", "wait on a paused container");

	expect_refusal("pause pz", "is already paused");
	expect_refusal("exec pz true", "is paused, unpause the container before exec");
	expect_refusal("attach pz", "You cannot attach to a paused container, unpause it first");
	expect_refusal("start pz", "cannot start a paused container, try unpause instead");
	expect_refusal("rm pz", "You cannot remove a paused container");
	expect_refusal("pause nosuch", "No such container: nosuch");
	expect_refusal("unpause", "requires at least 1 argument");

	expect_status(mc(out, sizeof(out), "container unpause pz"), 0, "unpause", out);
	read_text(path, frozen, sizeof(frozen));
	if (strstr(frozen, cgroup_v2() ? "frozen 0" : "THAWED") == NULL)
		fail_msg("after unpause, %s says:\n%s", path, frozen);
	inspect("pz", "{{.State.Status}} {{.State.Paused}}", value, sizeof(value));
	assert_string_equal(value, "running false");
	expect_refusal("unpause pz", "is not paused");

	/* stop thaws after its signal, as moby does: a frozen process could not even die. */
	expect_status(mc(out, sizeof(out), "pause pz"), 0, "pause again", out);
	expect_status(mc(out, sizeof(out), "stop -t 1 pz"), 0, "stop a paused container", out);
	inspect("pz", "{{.State.Status}} {{.State.ExitCode}} {{.State.Paused}}", value,
	        sizeof(value));
	assert_string_equal(value, "exited 137 false");
	expect_refusal("pause pz", "is not running");
	expect_refusal("unpause pz", "is not paused");
	/* kill, likewise. */
	run_detached(id, sizeof(id), "--name pk busybox /probe sleep 600");
	expect_status(mc(out, sizeof(out), "pause pk"), 0, "pause pk", out);
	expect_status(mc(out, sizeof(out), "kill pk && '%s' wait pk", mc_bin()), 0,
	              "kill a paused container", out);
	assert_string_equal(out, "pk\n137\n");
	if (ps_line("pk", line, sizeof(line)) && strstr(line, "Paused") != NULL)
		fail_msg("ps after kill: %s", line);
}

/* ---- 7. prune ------------------------------------------------------------------------------ */

static void test_prune(void **state)
{
	char id[128], out[16384], keep[128], old[128], img[128], used[128], tar[PATH_MAX];

	(void)state;
	MC_REQUIRE_ROOT();
	MC_REQUIRE_IMAGES();
	run_detached(id, sizeof(id), "--name pr-run busybox /probe sleep 600");
	create_container("pr-keep", "--label keep=1 busybox true", keep, sizeof(keep));
	expect_status(mc(out, sizeof(out), "run --name pr-old busybox true"), 0, "run", out);
	inspect("pr-old", "{{.Id}}", old, sizeof(old));
	remember(old);

	/* Without -f: Docker's question; anything but y or yes keeps everything. */
	expect_status(mc(out, sizeof(out), "container prune"), 0, "prune, no answer", out);
	assert_string_equal(out, "WARNING! This will remove all stopped containers.\nAre you sure "
	                         "you want to continue? [y/N] ");
	expect_status(mc(out, sizeof(out), "ps -a -q | wc -l"), 0, "ps", out);
	assert_string_equal(out, "3\n");
	/* Filters: label!= spares pr-keep; until= in the past spares all. */
	expect_status(
	    mc(out, sizeof(out), "container prune -f --filter until=2000-01-01T00:00:00Z"), 0,
	    "until", out);
	assert_string_equal(out, "Total reclaimed space: 0B\n");
	snprintf(tar, sizeof(tar), "%s/yes", mc_test_tmpdir());
	write_file(tar, "y\n");
	expect_status(mc(out, sizeof(out), "container prune --filter label!=keep <'%s'", tar), 0,
	              "prune label!=", out);
	snprintf(tar, sizeof(tar),
	         "WARNING! This will remove all stopped containers.\nAre you sure you want to "
	         "continue? [y/N] Deleted Containers:\n%s\n\nTotal reclaimed space: ",
	         old);
	if (strncmp(out, tar, strlen(tar)) != 0)
		fail_msg("container prune --filter label!=keep:\n%s", out);
	expect_status(mc(out, sizeof(out), "ps -a --format '{{.Names}}' | sort"), 0, "ps", out);
	assert_string_equal(out, "pr-keep\npr-run\n");
	expect_refusal("container prune -f --filter foo=bar", "invalid filter 'foo'");
	expect_refusal("container prune -f --filter until=yesterday", "invalid value");
	expect_refusal("container prune -f --filter dangling=true", "invalid filter 'dangling'");
	expect_refusal("container prune -f extra", "accepts no arguments");

	/* A name moved to a new image leaves the old one without a name: dangling.  (Each image
	 * differs by a label: two imports in the same second would otherwise be one image.) */
	snprintf(tar, sizeof(tar), "%s/busybox.tar", mc_test_tmpdir());
	expect_status(mc(out, sizeof(out), "import --change 'LABEL prunable=yes' '%s' pr:1", tar),
	              0, "import", out);
	inspect("pr:1", "{{.Id}}", img, sizeof(img));
	expect_status(
	    mc(out, sizeof(out), "import --change 'LABEL prunable=yes round=2' '%s' pr:1", tar), 0,
	    "import again", out);
	expect_status(mc(out, sizeof(out), "image prune -f --filter label=prunable=yes"), 0,
	              "image prune", out);
	snprintf(tar, sizeof(tar), "Deleted Images:\ndeleted: %s\n\nTotal reclaimed space: ", img);
	if (strncmp(out, tar, strlen(tar)) != 0)
		fail_msg("image prune (dangling):\n%s", out);
	expect_status(mc(out, sizeof(out), "images -q --no-trunc"), 0, "images", out);
	if (strstr(out, img) != NULL)
		fail_msg("the dangling image is still there");
	/* -a: names no container uses, here those the label picks; pr:2 is in use and stays. */
	snprintf(tar, sizeof(tar), "%s/busybox.tar", mc_test_tmpdir());
	expect_status(
	    mc(out, sizeof(out), "import --change 'LABEL prunable=yes round=3' '%s' pr:2", tar), 0,
	    "import pr:2", out);
	inspect("pr:2", "{{.Id}}", used, sizeof(used));
	expect_status(mc(out, sizeof(out), "create --name pr-user pr:2 true"), 0, "create", out);
	inspect("pr:1", "{{.Id}}", img, sizeof(img));
	expect_status(mc(out, sizeof(out), "image prune -a -f --filter label=prunable=yes"), 0,
	              "prune -a", out);
	snprintf(tar, sizeof(tar),
	         "Deleted Images:\nuntagged: pr:1\ndeleted: %s\n\nTotal reclaimed space: ", img);
	if (strncmp(out, tar, strlen(tar)) != 0)
		fail_msg("image prune -a --filter label=prunable=yes:\n%s", out);
	expect_status(mc(out, sizeof(out), "images --format '{{.Repository}}:{{.Tag}}' | sort"), 0,
	              "images", out);
	if (has_line(out, "pr:1", true) || !has_line(out, "pr:2", true) ||
	    !has_line(out, "busybox:latest", true))
		fail_msg("image prune -a --filter: what is left is not right:\n%s", out);
	expect_refusal("image prune -f --filter bogus=1", "invalid filter 'bogus'");

	/* system prune: containers, networks, images, the build cache; the total. */
	expect_status(mc(out, sizeof(out), "system prune </dev/null"), 0, "system prune, no", out);
	assert_string_equal(out, "WARNING! This will remove:\n  - all stopped containers\n  - all "
	                         "networks not used by at least one container\n  - all dangling "
	                         "images\n  - unused build cache\n\nAre you sure you want to "
	                         "continue? [y/N] ");
	expect_status(mc(out, sizeof(out), "system prune -a --filter label=keep=1 </dev/null"), 0,
	              "system prune -a --filter, no", out);
	expect_text(out,
	            "  - all images without at least one container associated to them\n  - all "
	            "build cache\n\n  Items to be pruned will be filtered with:\n  - "
	            "label=keep=1\n\nAre you sure",
	            "system prune -a --filter's question");
	/* A network no container uses: its labels (none) keep it from label=keep=1. */
	expect_status(mc(out, sizeof(out), "network create pr-net"), 0, "network create", out);
	expect_status(mc(out, sizeof(out), "system prune -f --filter label=keep=1"), 0,
	              "system prune -f", out);
	snprintf(tar, sizeof(tar), "Deleted Containers:\n%s\n\nTotal reclaimed space: ", keep);
	if (strncmp(out, tar, strlen(tar)) != 0)
		fail_msg("system prune -f --filter label=keep=1:\n%s", out);
	expect_status(mc(out, sizeof(out), "ps -a --format '{{.Names}}' | sort"), 0, "ps", out);
	assert_string_equal(out, "pr-run\npr-user\n");
	expect_refusal("system prune -f --filter until=x", "invalid value");
	/* --volumes: no volumes here yet, so nothing more to ask or to remove. */
	expect_status(mc(out, sizeof(out), "system prune -f --volumes"), 0, "--volumes", out);
	expect_text(out, "Deleted Networks:\npr-net\n\n", "system prune removes the network");
	expect_text(out, "Total reclaimed space: ", "system prune --volumes");
	expect_status(mc(out, sizeof(out), "network ls --format '{{.Name}}' | sort"), 0, "ls", out);
	assert_string_equal(out, "bridge\nhost\nnone\n");
}

/* ---- 8. system df ------------------------------------------------------------------------- */

static void test_system_df(void **state)
{
	char id[128], out[16384], *lines[16], path[PATH_MAX + 128], hex[80], recorded[64],
	    value[64];
	size_t n;

	(void)state;
	MC_REQUIRE_ROOT();
	MC_REQUIRE_IMAGES();
	run_detached(id, sizeof(id), "--name du-run busybox /probe sleep 600");
	expect_status(mc(out, sizeof(out),
	                 "run --name du-big busybox sh -c 'head -c 1000000 /dev/zero >/big'"),
	              0, "run du-big", out);
	/* A dangling image: its manifest and its config are in no name's reach (a config is
	 * not a manifest, though both have a "config"). */
	snprintf(path, sizeof(path), "%s/busybox.tar", mc_test_tmpdir());
	expect_status(mc(out, sizeof(out),
	                 "import --change 'LABEL round=1' '%s' du:1 >/dev/null && '%s' import "
	                 "--change 'LABEL round=2' '%s' du:1",
	                 path, mc_bin(), path),
	              0, "import twice", out);
	expect_status(mc(out, sizeof(out), "system df"), 0, "system df", out);
	n = split_lines(out, lines, 16);
	if (n != 5 ||
	    strcmp(squeeze(lines[0], value, sizeof(value)), "TYPE|TOTAL|ACTIVE|SIZE|RECLAIMABLE") !=
	        0 ||
	    strncmp(lines[1], "Images ", 7) != 0 || strncmp(lines[2], "Containers ", 11) != 0 ||
	    strncmp(lines[3], "Local Volumes ", 14) != 0 ||
	    strncmp(lines[4], "Build Cache ", 12) != 0)
		fail_msg("system df: Docker's table expected:\n%s", out);
	/* Two containers, one active; du-big's megabyte is reclaimable. */
	expect_status(mc(out, sizeof(out),
	                 "system df --format '{{.Type}}|{{.TotalCount}}|{{.Active}}|{{.Size}}|{{."
	                 "Reclaimable}}' | grep Containers"),
	              0, "system df --format", out);
	if (strncmp(out, "Containers|2|1|1", 16) != 0 ||
	    (strstr(out, "MB (99%)") == NULL && strstr(out, "MB (100%)") == NULL))
		fail_msg("system df, containers: %s", out);
	expect_status(mc(out, sizeof(out), "system df --format json | head -1"), 0, "json", out);
	{
		json_t *row = json_loads(out, 0, NULL);

		assert_non_null(row);
		assert_string_equal(json_string_value(json_object_get(row, "Type")), "Images");
		assert_non_null(json_object_get(row, "Reclaimable"));
		json_decref(row);
	}
	expect_status(mc(out, sizeof(out), "system df -v"), 0, "system df -v", out);
	expect_text(out, "Images space usage:\n\nREPOSITORY ", "df -v");
	expect_text(out, "\nContainers space usage:\n\nCONTAINER ID ", "df -v");
	expect_text(out, "\nBuild cache usage: ", "df -v");
	if (!has_line(out, "busybox ", false))
		fail_msg("df -v: no busybox row:\n%s", out);

	/* Each layer's size is recorded when it is unpacked; a missing record is counted again. */
	inspect("busybox", "{{index .RootFS.Layers 0}}", hex, sizeof(hex));
	snprintf(path, sizeof(path), "%s/images/layer-sizes/%s", root_dir, hex + 7);
	read_text(path, recorded, sizeof(recorded));
	if (atoll(recorded) <= 0)
		fail_msg("no size recorded in %s", path);
	expect_status(mc(value, sizeof(value), "images --format '{{.Size}}' busybox"), 0, "images",
	              value);
	unlink(path);
	expect_status(mc(out, sizeof(out), "images --format '{{.Size}}' busybox"), 0, "images",
	              out);
	assert_string_equal(out, value);
	read_text(path, out, sizeof(out));
	assert_string_equal(out, recorded);
	expect_refusal("system df extra", "accepts no arguments");
	expect_refusal("system df --format '{{.Nope'", "template");
}

/* ---- 9. events ---------------------------------------------------------------------------- */

static void test_events(void **state)
{
	char out[65536], since[32], until[32], path[PATH_MAX + 64], *lines[64];
	struct timespec ts;
	json_t *ev;
	size_t n;
	FILE *f;

	(void)state;
	MC_REQUIRE_ROOT();
	MC_REQUIRE_IMAGES();
	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(since, sizeof(since), "%lld.%09ld", (long long)ts.tv_sec, ts.tv_nsec);
	expect_status(
	    mc(out, sizeof(out), "run --rm --name ev1 --label team=a busybox sh -c 'exit 3'"), 3,
	    "run", out);
	expect_status(mc(out, sizeof(out), "tag busybox ev-tag:1 && '%s' rmi ev-tag:1", mc_bin()),
	              0, "tag", out);
	/* What happened, in order, as Docker prints it. */
	expect_status(
	    mc(out, sizeof(out), "events --since %s --until 0s --filter container=ev1", since), 0,
	    "events", out);
	n = split_lines(out, lines, 64);
	static const char *const actions[] = {"create", "attach", "start", "die", "destroy"};
	if (n != 5)
		fail_msg("events of ev1: expected 5 lines:\n%s", out);
	for (size_t i = 0; i < n; i++) {
		char want[128];

		snprintf(want, sizeof(want), " container %s ", actions[i]);
		if (strlen(lines[i]) < 31 || lines[i][4] != '-' || lines[i][10] != 'T' ||
		    strstr(lines[i], want) == NULL)
			fail_msg("event %zu: expected \"%s\": %s", i, want, lines[i]);
	}
	expect_text(lines[3], "(exitCode=3, image=busybox, name=ev1, team=a)", "die's attributes");
	/* --format: Go's names; json: the API's. */
	expect_status(mc(out, sizeof(out),
	                 "events --since %s --until 0s --filter event=die --format "
	                 "'{{.Type}} {{.Status}} {{.Actor.Attributes.exitCode}} {{.From}}'",
	                 since),
	              0, "events --format", out);
	assert_string_equal(out, "container die 3 busybox\n");
	expect_status(mc(out, sizeof(out),
	                 "events --since %s --until 0s --filter type=image --format json", since),
	              0, "events json", out);
	n = split_lines(out, lines, 64);
	assert_int_equal(n, 2);
	ev = json_loads(lines[0], 0, NULL);
	assert_non_null(ev);
	assert_string_equal(json_string_value(json_object_get(ev, "Action")), "tag");
	assert_string_equal(
	    json_string_value(json_object_get(
	        json_object_get(json_object_get(ev, "Actor"), "Attributes"), "name")),
	    "ev-tag:1");
	assert_true(json_integer_value(json_object_get(ev, "timeNano")) >
	            json_integer_value(json_object_get(ev, "time")));
	json_decref(ev);
	expect_text(lines[1], "\"Action\":\"untag\"", "rmi's untag");
	expect_status(mc(out, sizeof(out),
	                 "events --since %s --until 0s --filter label=team=a --filter event=start "
	                 "--filter image=busybox --format '{{.Action}}'",
	                 since),
	              0, "filters", out);
	assert_string_equal(out, "start\n");

	/* Following: until a time to come, what happens meanwhile. */
	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(until, sizeof(until), "%lld", (long long)ts.tv_sec + 3);
	expect_status(
	    mc(out, sizeof(out),
	       "events --since %lld.%09ld --until %s --format '{{.Action}} "
	       "{{.Actor.Attributes.name}}' & sleep 1; '%s' create --name ev2 busybox true "
	       ">/dev/null; wait",
	       (long long)ts.tv_sec, ts.tv_nsec, until, mc_bin()),
	    0, "events, following", out);
	assert_string_equal(out, "create ev2\n");

	/* Bounded: past the limit the file is rotated, and both parts are read. */
	snprintf(path, sizeof(path), "%s/events/events.log", root_dir);
	f = fopen(path, "ae");
	assert_non_null(f);
	for (int i = 0; i < 9000; i++)
		fprintf(f,
		        "{\"Type\":\"container\",\"Action\":\"filler\",\"Actor\":{\"ID\":\"x\","
		        "\"Attributes\":{}},\"scope\":\"local\",\"time\":1,\"timeNano\":1%09d}\n",
		        i);
	fclose(f);
	expect_status(mc(out, sizeof(out), "create --name ev3 busybox true"), 0, "create ev3", out);
	strcat(path, ".1");
	assert_int_equal(access(path, F_OK), 0);
	expect_status(mc(out, sizeof(out),
	                 "events --since %s --until 0s --filter event=create --format '{{.Actor."
	                 "Attributes.name}}'",
	                 since),
	              0, "events across the rotation", out);
	assert_string_equal(out, "ev1\nev2\nev3\n");

	expect_refusal("events --filter foo=bar", "invalid filter 'foo'");
	expect_refusal("events --filter nonsense", "bad format of filter");
	expect_refusal("events --since yesterday", "invalid value");
	expect_refusal("events --since 10s --until 20s", "since time cannot be after until time");
	expect_refusal("system events --until 0s --format '{{.Nope'", "template");
}

/* ---- 10. version and info ------------------------------------------------------------------- */

static void test_version_info(void **state)
{
	char out[16384], value[PATH_MAX + 128], id[128];
	json_t *doc;

	(void)state;
	MC_REQUIRE_ROOT();
	MC_REQUIRE_IMAGES();
	expect_status(mc(out, sizeof(out), "version"), 0, "version", out);
	if (strncmp(out, "Client: minicontainer\n Version:           ", 42) != 0)
		fail_msg("version: Docker's layout (20-wide keys):\n%s", out);
	static const char *const keys[] = {
	    " Git commit: ", " OS/Arch: ",    " Kernel: ",  " libseccomp: ",    " libcap: ",
	    " jansson: ",    " libarchive: ", " Context: ", "\nServer: none - "};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		expect_text(out, keys[i], "version");
	expect_status(mc(out, sizeof(out), "version --format json"), 0, "version json", out);
	doc = json_loads(out, 0, NULL);
	assert_non_null(doc);
	assert_true(json_is_null(json_object_get(doc, "Server")));
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(doc, "Client"), "Os")), "linux");
	json_decref(doc);
	expect_status(mc(out, sizeof(out), "version -f '{{.Client.Platform.Name}}'"), 0, "-f", out);
	assert_string_equal(out, "minicontainer\n");

	run_detached(id, sizeof(id), "--name in-run busybox /probe sleep 600");
	create_container("in-stopped", "busybox true", value, sizeof(value));
	expect_status(mc(out, sizeof(out), "pause in-run"), 0, "pause", out);
	expect_status(
	    mc(out, sizeof(out),
	       "info --format '{{.Containers}} {{.ContainersRunning}} {{.ContainersPaused}} "
	       "{{.ContainersStopped}} {{.Driver}} {{.CgroupVersion}} {{.DockerRootDir}}'"),
	    0, "info --format", out);
	snprintf(value, sizeof(value), "2 0 1 1 overlay2 %s %s\n", cgroup_v2() ? "2" : "1",
	         root_dir);
	assert_string_equal(out, value);
	expect_status(mc(out, sizeof(out), "system info"), 0, "system info", out);
	static const char *const lines[] = {
	    " Containers: 2\n  Running: 0\n  Paused: 1\n  Stopped: 1\n",
	    " Storage Driver: overlay2\n  Backing Filesystem: ",
	    " Logging Driver: json-file\n Cgroup Driver: cgroupfs\n Cgroup Version: ",
	    " Security Options:\n  seccomp\n   Profile: builtin\n",
	    " OSType: linux\n",
	};
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		expect_text(out, lines[i], "info");
	snprintf(value, sizeof(value), " Root Dir: %s\n", root_dir);
	expect_text(out, value, "info");
	expect_status(mc(out, sizeof(out), "info --format '{{json .SecurityOptions}}'"), 0, "json",
	              out);
	/* cgroupns where it is the default for containers: on cgroup v2, as moby's daemon. */
	assert_string_equal(out, cgroup_v2()
	                             ? "[\"name=seccomp,profile=builtin\",\"name=cgroupns\"]\n"
	                             : "[\"name=seccomp,profile=builtin\"]\n");
	expect_status(mc(out, sizeof(out), "info"), 0, "info", out);
	expect_text(out,
	            cgroup_v2()
	                ? " Security Options:\n  seccomp\n   Profile: builtin\n  cgroupns\n "
	                : " Security Options:\n  seccomp\n   Profile: builtin\n Kernel",
	            "info's security options");
	expect_status(mc(out, sizeof(out), "unpause in-run"), 0, "unpause", out);

	expect_refusal("version --format '{{.Nope'", "template parsing error");
	expect_refusal("info --format '{{.Nope'", "template parsing error");
	expect_refusal("version extra", "accepts no arguments");
	expect_refusal("info --bogus", "unknown flag: --bogus");
	expect_status(mc(out, sizeof(out), "system --help"), 0, "system --help", out);
	expect_text(out,
	            "  df          Show minicontainer disk usage\n  events      Get real time "
	            "events from the server\n  info        Display system-wide information\n"
	            "  prune       Remove unused data\n",
	            "the system group");
}

const struct CMUnitTest mc_verbs_tests[] = {
    cmocka_unit_test_teardown(test_top, remove_containers),
    cmocka_unit_test_teardown(test_stats, remove_containers),
    cmocka_unit_test_teardown(test_cp_stays_inside, remove_containers),
    cmocka_unit_test_teardown(test_cp_rules, remove_containers),
    cmocka_unit_test_teardown(test_diff, remove_containers),
    cmocka_unit_test_teardown(test_rename, remove_containers),
    cmocka_unit_test_teardown(test_pause, remove_containers),
    cmocka_unit_test_teardown(test_prune, remove_containers),
    cmocka_unit_test_teardown(test_system_df, remove_containers),
    cmocka_unit_test_teardown(test_events, remove_containers),
    cmocka_unit_test_teardown(test_version_info, remove_containers),
};
const size_t mc_verbs_count = sizeof(mc_verbs_tests) / sizeof(mc_verbs_tests[0]);
