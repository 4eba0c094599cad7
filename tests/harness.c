/* harness.c - see harness.h. */
#define _GNU_SOURCE
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <net/if.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char tmpdir[256];
static char rootfs[512];

bool mc_strict(void)
{
	const char *s = getenv("MC_TEST_STRICT");

	return s != NULL && strcmp(s, "1") == 0;
}

void mc_skip_message(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "[  SKIP    ] reason: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void remove_tmpdir(void)
{
	char cmd[300];

	/*
	 * A test that failed half-way might have left something mounted here;
	 * never let rm wander into it (it could be a bind mount of the host).
	 */
	if (mc_mountinfo_count(tmpdir) > 0) {
		fprintf(stderr, "harness: mounts remain under %s; not removing it\n", tmpdir);
		return;
	}
	snprintf(cmd, sizeof(cmd), "rm -rf --one-file-system '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "harness: could not remove %s\n", tmpdir);
}

static pid_t tmpdir_owner;

static void cleanup_at_exit(void)
{
	/* Forked children exit through here too; only the owner cleans up. */
	if (tmpdir[0] != '\0' && getpid() == tmpdir_owner)
		remove_tmpdir();
}

const char *mc_test_tmpdir(void)
{
	/* The grader makes each test's directory itself (an empty one, named
	 * like ours: the capstone's unix sockets leave little room in a path),
	 * so that it can remove it even when it had to kill the test. */
	const char *given = getenv("MC_TEST_TMPDIR");

	if (tmpdir[0] != '\0')
		return tmpdir;
	if (given != NULL && given[0] != '\0') {
		snprintf(tmpdir, sizeof(tmpdir), "%s", given);
	} else {
		snprintf(tmpdir, sizeof(tmpdir), "/tmp/mc-test-XXXXXX");
		if (mkdtemp(tmpdir) == NULL) {
			fprintf(stderr, "harness: mkdtemp: %s\n", strerror(errno));
			abort();
		}
	}
	/* mkdtemp gives 0700; the user-namespace tests run as uid 100000. */
	chmod(tmpdir, 0755);
	tmpdir_owner = getpid();
	atexit(cleanup_at_exit);
	return tmpdir;
}

const char *mc_test_rootfs(void)
{
	const char *src = getenv("MC_TEST_ROOTFS");
	char marker[600], cmd[1200];

	if (rootfs[0] != '\0')
		return rootfs;
	if (src == NULL)
		src = "build/rootfs";
	snprintf(marker, sizeof(marker), "%s/.complete", src);
	if (access(marker, F_OK) != 0) {
		fprintf(stderr, "harness: no test root filesystem at %s: run make rootfs\n", src);
		return NULL;
	}
	snprintf(rootfs, sizeof(rootfs), "%s/rootfs", mc_test_tmpdir());
	snprintf(cmd, sizeof(cmd), "cp -a '%s' '%s'", src, rootfs);
	if (system(cmd) != 0) {
		fprintf(stderr, "harness: %s failed\n", cmd);
		rootfs[0] = '\0';
		return NULL;
	}
	return rootfs;
}

bool mc_kv(const char *text, const char *key, int nth, char *value, size_t size)
{
	size_t klen = strlen(key);
	const char *line = text;

	while (line != NULL && *line != '\0') {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);

		if (len > klen && strncmp(line, key, klen) == 0 && line[klen] == '=' &&
		    nth-- == 0) {
			snprintf(value, size, "%.*s", (int)(len - klen - 1), line + klen + 1);
			return true;
		}
		line = end ? end + 1 : NULL;
	}
	return false;
}

int mc_kv_count(const char *text, const char *key)
{
	char value[8];
	int n = 0;

	while (mc_kv(text, key, n, value, sizeof(value)))
		n++;
	return n;
}

void mc_fail_at(const char *file, int line, const char *fmt, ...)
{
	char msg[8192];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	print_error("ERROR: %s\n", msg);
	_fail(file, line);
	abort(); /* _fail() does not return */
}

/* cmocka's fail_msg() at the caller's file and line. */
static void fail_at(const char *file, int line, const char *what, const char *actual,
                    const char *expected, const char *meaning, const char *out)
{
	print_error("ERROR: %s=%s, expected %s%s%s%s%s\n", what, actual, expected,
	            meaning != NULL ? ": " : "", meaning != NULL ? meaning : "",
	            out != NULL ? "; the probe's output was:\n" : "", out != NULL ? out : "");
	_fail(file, line);
}

void mc_assert_kv_at(const char *file, int line, const char *out, const char *key,
                     const char *expected, const char *meaning)
{
	char value[1024];

	if (!mc_kv(out, key, 0, value, sizeof(value)))
		fail_at(file, line, key, "(no such line)", expected, meaning, out);
	else if (strcmp(value, expected) != 0)
		fail_at(file, line, key, value, expected, meaning, NULL);
}

void mc_assert_int_at(const char *file, int line, const char *what, long long actual,
                      long long expected, const char *meaning)
{
	char a[32], e[32];

	if (actual == expected)
		return;
	snprintf(a, sizeof(a), "%lld", actual);
	snprintf(e, sizeof(e), "%lld", expected);
	fail_at(file, line, what, a, e, meaning, NULL);
}

void mc_assert_str_at(const char *file, int line, const char *what, const char *actual,
                      const char *expected, const char *meaning)
{
	char a[1024], e[1024];

	if (actual != NULL && expected != NULL && strcmp(actual, expected) == 0)
		return;
	snprintf(a, sizeof(a), "\"%s\"", actual != NULL ? actual : "(null)");
	snprintf(e, sizeof(e), "\"%s\"", expected != NULL ? expected : "(null)");
	fail_at(file, line, what, a, e, meaning, NULL);
}

int mc_mountinfo_count(const char *needle)
{
	char line[4096];
	FILE *f = fopen("/proc/self/mountinfo", "re");
	int n = 0;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (needle == NULL || strstr(line, needle) != NULL)
			n++;
	fclose(f);
	return n;
}

int mc_run_sh(int seconds, char *out, size_t size, const char *fmt, ...)
{
	char line[16384], runner[128], drain[4096];
	size_t used = 0, n;
	va_list ap;
	FILE *p;
	int status;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* The line travels in the environment: no quoting of it can go wrong. */
	setenv("MC_RUN_SH_LINE", line, 1);
	snprintf(runner, sizeof(runner), "timeout -k 5 %d sh -c \"$MC_RUN_SH_LINE\" 2>&1", seconds);
	p = popen(runner, "r");
	if (p == NULL)
		return -1;
	while (used + 1 < size && (n = fread(out + used, 1, size - used - 1, p)) > 0)
		used += n;
	if (size > 0)
		out[used] = '\0';
	while (fread(drain, 1, sizeof(drain), p) > 0)
		; /* the rest: read, or the command would block */
	status = pclose(p);
	unsetenv("MC_RUN_SH_LINE");
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int mc_test_private_network(char *why, size_t size)
{
	struct ifreq ifr = {0};
	int fd;

	if (geteuid() != 0) {
		snprintf(why, size, "needs root: run sudo make test");
		return -1;
	}
	if (unshare(CLONE_NEWNET | CLONE_NEWNS) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=755") < 0) {
		snprintf(why, size, "a private network and mount namespace: %s", strerror(errno));
		return -1;
	}
	/* lo is down in a new namespace; 127.0.0.1 is part of what the tests check. */
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (fd >= 0 && ioctl(fd, SIOCGIFFLAGS, &ifr) == 0)
		ifr.ifr_flags |= IFF_UP;
	if (fd < 0 || ioctl(fd, SIOCSIFFLAGS, &ifr) < 0) {
		snprintf(why, size, "bring up lo: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

int mc_test_main(int argc, char **argv, const char *group, const struct CMUnitTest *tests,
                 size_t count)
{
	/* Line by line, so that a failure's message and cmocka's report of it
	 * (on stderr) arrive in order when both go into one pipe. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 2 && strcmp(argv[1], "--list") == 0) {
		for (size_t i = 0; i < count; i++)
			printf("%s\n", tests[i].name);
		return 0;
	}
	/* --run A[,B...]: only those; --skip A[,B...]: all but those (the cgroup v2 VM, where
	 * every instruction is emulated, leaves out the slow tests that have nothing to do with
	 * cgroups). A name that is no test is an error, so a list cannot go stale unseen. */
	if (argc == 3 && (strcmp(argv[1], "--run") == 0 || strcmp(argv[1], "--skip") == 0)) {
		bool run = strcmp(argv[1], "--run") == 0;
		struct CMUnitTest *chosen = calloc(count, sizeof(*chosen));
		bool *named = calloc(count, sizeof(*named));
		char *list = strdup(argv[2]), *save = NULL;
		size_t n = 0;
		int rc = 2;

		if (chosen == NULL || named == NULL || list == NULL)
			goto out;
		for (char *name = strtok_r(list, ",", &save); name != NULL;
		     name = strtok_r(NULL, ",", &save)) {
			size_t i;

			for (i = 0; i < count && strcmp(tests[i].name, name) != 0; i++)
				;
			if (i == count) {
				fprintf(stderr, "%s: no test named %s\n", argv[0], name);
				goto out;
			}
			named[i] = true;
		}
		for (size_t i = 0; i < count; i++)
			if (named[i] == run)
				chosen[n++] = tests[i];
		rc = n == 0 ? 0 : _cmocka_run_group_tests(group, chosen, n, NULL, NULL) ? 1 : 0;
	out:
		free(list);
		free(named);
		free(chosen);
		return rc;
	}
	if (argc != 1) {
		fprintf(stderr,
		        "usage: %s [--list | --run TEST[,TEST...] | --skip TEST[,TEST...]]\n",
		        argv[0]);
		return 2;
	}
	return _cmocka_run_group_tests(group, tests, count, NULL, NULL) ? 1 : 0;
}

/*
 * Python's http.server on 127.0.0.1 (a port of its choosing), serving `dir`,
 * for two minutes at most; its pid, and the port in *port.  The caller stops
 * it, by that pid.
 */
pid_t mc_start_http_server(const char *dir, int *port)
{
	char line[256];
	int fds[2];
	pid_t pid;
	FILE *f;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(fds[1], STDOUT_FILENO);
		if (null >= 0)
			dup2(null, STDERR_FILENO); /* (its log of every request) */
		close(fds[0]);
		close(fds[1]);
		if (chdir(dir) == 0)
			/* (timeout: it stops by itself even if the test dies before stopping it) */
			execlp("timeout", "timeout", "120", "python3", "-u", "-m", "http.server",
			       "--bind", "127.0.0.1", "0", (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	f = fdopen(fds[0], "r");
	assert_non_null(f);
	/* "Serving HTTP on 127.0.0.1 port 41234 (http://127.0.0.1:41234/) ..." */
	*port = 0;
	if (fgets(line, sizeof(line), f) != NULL && strstr(line, " port ") != NULL)
		*port = atoi(strstr(line, " port ") + 6);
	fclose(f);
	if (*port == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		fail_msg("python3's http.server did not start: %s", line);
	}
	return pid;
}
