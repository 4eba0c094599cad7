/*
 * mc_test.c - what the capstone's end-to-end tests share (mc_test.h): running
 * minicontainer the way a user does, looking at its output, and cleaning up
 * after every test.
 */
#define _GNU_SOURCE
#include "mc_test.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

pid_t main_pid;

/* ---- running minicontainer ---------------------------------------------------------------- */

const char *mc_bin(void)
{
	const char *bin = getenv("MC_TEST_BIN");

	return bin != NULL && bin[0] != '\0' ? bin : "build/bin/minicontainer";
}

char root_dir[PATH_MAX], run_dir[PATH_MAX];

/* MC_ROOT and MC_RUNDIR in our temporary directory, for us and every child we start. */
void use_state_dirs(void)
{
	if (root_dir[0] != '\0')
		return;
	snprintf(root_dir, sizeof(root_dir), "%s/root", mc_test_tmpdir());
	snprintf(run_dir, sizeof(run_dir), "%s/run", mc_test_tmpdir());
	setenv("MC_ROOT", root_dir, 1);
	setenv("MC_RUNDIR", run_dir, 1);
}

/*
 * Run minicontainer with `fmt` (a shell fragment: quote what needs quoting)
 * and return its exit status; its stdout and stderr together go to `out`.
 */
int mc(char *out, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int mc(char *out, size_t size, const char *fmt, ...)
{
	char args[4096], cmd[8192], drain[4096];
	size_t used = 0, n;
	va_list ap;
	FILE *p;
	int status;

	use_state_dirs();
	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "{ timeout -k 5 %d '%s' %s ; } </dev/null 2>&1",
	         MC_TIMEOUT_SECONDS, mc_bin(), args);
	p = popen(cmd, "r");
	assert_non_null(p);
	while (used + 1 < size && (n = fread(out + used, 1, size - used - 1, p)) > 0)
		used += n;
	out[used] = '\0';
	while (fread(drain, 1, sizeof(drain), p) > 0)
		; /* what did not fit: read it anyway, or the command would block */
	status = pclose(p);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* `inspect --format FORMAT WHAT`, without the final newline. */
void inspect(const char *what, const char *format, char *out, size_t size)
{
	int status = mc(out, size, "inspect --format '%s' '%s'", format, what);

	if (status != 0)
		fail_msg("inspect --format '%s' %s: exit status %d:\n%s", format, what, status,
		         out);
	out[strcspn(out, "\n")] = '\0';
}

/* `run -d ...`: the new container's id (remembered for the teardown). */
void run_detached(char *id, size_t size, const char *fmt, ...)
{
	char args[4096], out[16384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	expect_status(mc(out, sizeof(out), "run -d %s", args), 0, args, out);
	out[strcspn(out, "\n")] = '\0';
	if (!is_hex_id(out, 64))
		fail_msg("run -d %s printed \"%s\", not a 64-hex id", args, out);
	snprintf(id, size, "%.64s", out);
	remember(id);
}

/* inspect FORMAT, until it prints `want` (at most ~10 s); false if it never does. */
bool eventually(const char *what, const char *format, const char *want)
{
	char out[4096];

	for (int i = 0; i < 500; i++) {
		if (mc(out, sizeof(out), "inspect --format '%s' %s", format, what) == 0) {
			out[strcspn(out, "\n")] = '\0';
			if (strcmp(out, want) == 0)
				return true;
		}
		usleep(20000);
	}
	return false;
}

/* Remove the line `line` from `text`, if it is there. */
static void drop_line(char *text, const char *line)
{
	size_t len = strlen(line);

	for (char *p = text; *p != '\0'; p += strcspn(p, "\n") + (p[strcspn(p, "\n")] != '\0'))
		if (strncmp(p, line, len) == 0 && (p[len] == '\n' || p[len] == '\0')) {
			memmove(p, p + len + (p[len] == '\n'),
			        strlen(p + len + (p[len] == '\n')) + 1);
			return;
		}
}

/* What a failed command must not change: the containers, the images, the state directories. */
void snapshot(char *buf, size_t size)
{
	char ps[4096], images[4096], containers[8192], rundir[4096], volumes[8192];
	char path[PATH_MAX + 16];

	expect_status(mc(ps, sizeof(ps), "ps -a -q --no-trunc"), 0, "ps", ps);
	expect_status(mc(images, sizeof(images), "images -q --no-trunc"), 0, "images", images);
	snprintf(path, sizeof(path), "%s/containers", root_dir);
	list_dir(path, containers, sizeof(containers));
	list_dir(run_dir, rundir, sizeof(rundir));
	snprintf(path, sizeof(path), "%s/volumes", root_dir);
	list_dir(path, volumes, sizeof(volumes));
	/* (seccomp/ is a cache of compiled filters the first run makes and every later one
	 * reads: not state a run may leave behind) */
	drop_line(rundir, "seccomp");
	snprintf(buf, size, "ps:\n%simages:\n%scontainers/:\n%s%s:\n%svolumes/:\n%s", ps, images,
	         containers, run_dir, rundir, volumes);
}

/* A command that must fail with `want` and `message`, and change nothing. */
void expect_refusal_status(const char *args, int want, const char *message)
{
	char before[32768], after[32768], out[16384];
	int status;

	snapshot(before, sizeof(before));
	status = mc(out, sizeof(out), "%s", args);
	if (status != want)
		fail_msg("%s: exit %d, expected %d:\n%s", args, status, want, out);
	if (strstr(out, message) == NULL)
		fail_msg("%s: expected \"%s\" in:\n%s", args, message, out);
	snapshot(after, sizeof(after));
	if (strcmp(before, after) != 0)
		fail_msg("%s changed something:\n%s\nvs\n%s", args, before, after);
}

void expect_refusal(const char *args, const char *message)
{
	expect_refusal_status(args, 125, message);
}

/* ---- looking at output -------------------------------------------------------------------- */

/* Does `text` have a line that starts with `prefix` (exactly `prefix`, if whole)? */
bool has_line(const char *text, const char *prefix, bool whole)
{
	size_t len = strlen(prefix);

	for (const char *line = text; line != NULL && *line != '\0';) {
		const char *end = strchr(line, '\n');
		size_t line_len = end ? (size_t)(end - line) : strlen(line);

		if (line_len >= len && strncmp(line, prefix, len) == 0 &&
		    (!whole || line_len == len))
			return true;
		line = end ? end + 1 : NULL;
	}
	return false;
}

void expect_status(int got, int want, const char *what, const char *out)
{
	if (got != want)
		fail_msg("%s: exit status %d, expected %d; output:\n%s", what, got, want, out);
}

void expect_text(const char *out, const char *needle, const char *what)
{
	if (strstr(out, needle) == NULL)
		fail_msg("%s: expected \"%s\" in the output:\n%s", what, needle, out);
}

/* The probe's value for `key` ("" when it printed none). */
const char *probe_value(const char *out, const char *key, char *value, size_t size)
{
	if (!mc_kv(out, key, 0, value, size))
		value[0] = '\0';
	return value;
}

bool is_hex_id(const char *s, size_t len)
{
	return strlen(s) == len && strspn(s, "0123456789abcdef") == len;
}

/* Split `text` into its lines (in place); returns how many. */
size_t split_lines(char *text, char **lines, size_t max)
{
	size_t n = 0;

	for (char *save = NULL, *line = strtok_r(text, "\n", &save); line != NULL && n < max;
	     line = strtok_r(NULL, "\n", &save))
		lines[n++] = line;
	return n;
}

/* The line of `ps -a` whose NAMES column (the last) is `name`; false if there is none. */
bool ps_line(const char *name, char *line, size_t size)
{
	char out[16384], *lines[256];
	size_t n;

	if (mc(out, sizeof(out), "ps -a") != 0)
		fail_msg("ps -a failed:\n%s", out);
	n = split_lines(out, lines, 256);
	for (size_t i = 1; i < n; i++) {
		const char *last = strrchr(lines[i], ' ');

		if (strcmp(last ? last + 1 : lines[i], name) == 0) {
			snprintf(line, size, "%s", lines[i]);
			return true;
		}
	}
	return false;
}

static int not_hidden(const struct dirent *e)
{
	return e->d_name[0] != '.';
}

/*
 * The names in a directory, sorted, one a line, for "nothing changed"
 * comparisons: hidden ones (".lock") left out, a missing directory empty.
 */
void list_dir(const char *path, char *buf, size_t size)
{
	struct dirent **names;
	int n = scandir(path, &names, not_hidden, alphasort);
	size_t used = 0;

	buf[0] = '\0';
	for (int i = 0; i < n; i++) {
		if (used < size)
			used += (size_t)snprintf(buf + used, size - used, "%s\n", names[i]->d_name);
		free(names[i]);
	}
	if (n >= 0)
		free(names);
}

void read_text(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "re");
	size_t n = 0;

	if (f != NULL) {
		n = fread(buf, 1, size - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
}

/* Is `pid` a live process (not gone, not a zombie)? */
bool pid_alive(pid_t pid)
{
	char path[64], stat[512], *paren;

	if (pid <= 0)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	read_text(path, stat, sizeof(stat));
	paren = strrchr(stat, ')');
	return paren != NULL && paren[1] == ' ' && paren[2] != 'Z' && paren[2] != 'X';
}

/* ---- cgroups ------------------------------------------------------------------------------ */

static const char *const v1_hierarchies[] = {"memory", "cpu",     "cpuacct", "pids",
                                             "blkio",  "freezer", "devices"};
#define N_V1 (sizeof(v1_hierarchies) / sizeof(v1_hierarchies[0]))

/* The directories that hold the containers' cgroups: one on v2, one per controller on v1. */
size_t parent_cgroups(char dirs[][PATH_MAX])
{
	if (access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0) {
		snprintf(dirs[0], PATH_MAX, "/sys/fs/cgroup/minicontainer");
		return 1;
	}
	for (size_t i = 0; i < N_V1; i++)
		snprintf(dirs[i], PATH_MAX, "/sys/fs/cgroup/%s/minicontainer", v1_hierarchies[i]);
	return N_V1;
}

/*
 * A cgroup directory left for container `id`: one named by the id, or by a
 * prefix of it (at least 12 long - a truncated name is still its cgroup).
 */
bool cgroup_left(const char *id, char *where, size_t size)
{
	char dirs[N_V1][PATH_MAX];
	size_t n = parent_cgroups(dirs);

	for (size_t i = 0; i < n; i++) {
		DIR *d = opendir(dirs[i]);
		struct dirent *e;

		while (d != NULL && (e = readdir(d)) != NULL) {
			size_t len = strlen(e->d_name);

			if (e->d_type == DT_DIR && len >= 12 && strncmp(id, e->d_name, len) == 0) {
				snprintf(where, size, "%s/%s", dirs[i], e->d_name);
				closedir(d);
				return true;
			}
		}
		if (d != NULL)
			closedir(d);
	}
	return false;
}

/* After a failure (or a bug): kill what still runs in the container's cgroups, remove them. */
void remove_cgroups_of(const char *id)
{
	char where[PATH_MAX], path[PATH_MAX + 16], procs[4096];

	for (int tries = 0; tries < 200 && cgroup_left(id, where, sizeof(where)); tries++) {
		snprintf(path, sizeof(path), "%s/cgroup.procs", where);
		read_text(path, procs, sizeof(procs));
		for (char *save = NULL, *p = strtok_r(procs, "\n", &save); p != NULL;
		     p = strtok_r(NULL, "\n", &save))
			kill((pid_t)atoi(p), SIGKILL);
		if (rmdir(where) < 0)
			usleep(20000);
	}
}

/* At exit: the `minicontainer` parents, if nobody else uses them. */
void remove_parent_cgroups(void)
{
	char dirs[N_V1][PATH_MAX];
	size_t n;

	if (getpid() != main_pid || geteuid() != 0)
		return;
	n = parent_cgroups(dirs);
	for (size_t i = 0; i < n; i++)
		if (rmdir(dirs[i]) < 0 && errno != ENOENT && errno != EBUSY && errno != ENOTEMPTY)
			fprintf(stderr, "test-minicontainer: rmdir %s: %s\n", dirs[i],
			        strerror(errno));
}

/* ---- images and cleanup ------------------------------------------------------------------- */

/* The containers a test has seen: the teardown cleans up after them, record or not. */
char seen_ids[64][65];
size_t n_seen;

void remember(const char *id)
{
	for (size_t i = 0; i < n_seen; i++)
		if (strcmp(seen_ids[i], id) == 0)
			return;
	if (n_seen < 64)
		snprintf(seen_ids[n_seen++], sizeof(seen_ids[0]), "%s", id);
}

/* The teardown of every test: `rm -f` every container, then whatever a bug left behind. */
int remove_containers(void **state)
{
	char out[16384], *ids[256];
	size_t n;

	(void)state;
	if (geteuid() != 0 || root_dir[0] == '\0')
		return 0;
	if (mc(out, sizeof(out), "ps -a -q --no-trunc") == 0) {
		n = split_lines(out, ids, 256);
		for (size_t i = 0; i < n; i++)
			remember(ids[i]);
	}
	for (size_t i = 0; i < n_seen; i++) {
		char rm[4096];

		mc(rm, sizeof(rm), "rm -f %s", seen_ids[i]);
		remove_cgroups_of(seen_ids[i]);
	}
	n_seen = 0;
	return 0;
}

bool test_files_present(void)
{
	return access(mc_bin(), X_OK) == 0 && mc_test_rootfs() != NULL &&
	       access(HELLO_TAR, F_OK) == 0;
}

static bool images_imported;

/*
 * Once per test program: busybox:latest (the test root filesystem, /probe
 * included), hello-world:latest, and probe-img:latest - the busybox files
 * with a config that exercises Docker's override rules.
 */
void import_images(void)
{
	char out[8192], tar[PATH_MAX], cmd[2 * PATH_MAX];

	if (images_imported)
		return;
	snprintf(tar, sizeof(tar), "%s/busybox.tar", mc_test_tmpdir());
	snprintf(cmd, sizeof(cmd), "tar -C '%s' -cf '%s' .", mc_test_rootfs(), tar);
	if (system(cmd) != 0)
		fail_msg("%s failed", cmd);
	expect_status(mc(out, sizeof(out), "import - busybox:latest <'%s'", tar), 0,
	              "import busybox", out);
	expect_status(mc(out, sizeof(out),
	                 "import --change 'CMD [\"/hello\"]' " HELLO_TAR " hello-world:latest"),
	              0, "import hello-world", out);
	expect_status(mc(out, sizeof(out),
	                 "import --change 'ENTRYPOINT [\"/probe\"]' --change 'CMD [\"pid\"]' "
	                 "--change 'ENV FROM_IMAGE=1' --change 'ENV SHARED=image' "
	                 "--change 'WORKDIR /tmp' --change 'USER nobody' '%s' probe-img:latest",
	                 tar),
	              0, "import probe-img", out);
	images_imported = true;
}

/* ---- fixtures ----------------------------------------------------------------------------- */

/* Run a shell command (for test fixtures); fail the test if it fails. */
void sh(const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (system(cmd) != 0)
		fail_msg("fixture command failed: %s", cmd);
}

/*
 * The image NAME:latest: a copy of the test root filesystem changed by the
 * shell commands `changes` (run inside the copy), imported.  Returns the copy's path.
 */
const char *import_variant(const char *name, const char *changes)
{
	static char dir[PATH_MAX];
	char out[8192];

	snprintf(dir, sizeof(dir), "%s/variant-%s", mc_test_tmpdir(), name);
	sh("rm -rf '%s' && cp -a '%s' '%s' && rm -f '%s/.complete' && cd '%s' && %s", dir,
	   mc_test_rootfs(), dir, dir, dir, changes);
	sh("tar -C '%s' -cf '%s.tar' .", dir, dir);
	expect_status(mc(out, sizeof(out), "import '%s.tar' %s:latest", dir, name), 0, "import",
	              out);
	return dir;
}

/* ---- terminals ---------------------------------------------------------------------------- */

bool read_until(int fd, char *buf, size_t size, size_t *len, const char *needle, int seconds)
{
	time_t deadline = time(NULL) + seconds;

	while (needle == NULL || strstr(buf, needle) == NULL) {
		struct pollfd p = {fd, POLLIN, 0};
		int left = (int)(deadline - time(NULL));
		ssize_t n;

		if (left <= 0 || poll(&p, 1, left * 1000) <= 0)
			return false;
		n = read(fd, buf + *len, size - *len - 1);
		if (n <= 0)
			return needle == NULL; /* EIO: every process closed the slave side */
		*len += (size_t)n;
		buf[*len] = '\0';
	}
	return true;
}

/* Type a line on the terminal, Enter included. */
bool type_line(int fd, const char *text)
{
	char line[256];
	size_t len = (size_t)snprintf(line, sizeof(line), "%s\r", text);

	return write(fd, line, len) == (ssize_t)len;
}
