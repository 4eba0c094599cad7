/*
 * ch01_confine.c - chapter 01's confinement: capabilities (exercise 01.6),
 * users from the image's own passwd and group, the seccomp profile loader,
 * --security-opt, and a confined container seen from inside by the probe.
 *
 * Gathered into test-ch01 by test_ch01_namespaces.c's main().
 */
#define _GNU_SOURCE
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ns_confine.h"
#include "ns_namespaces.h"
#include "ns_seccomp.h"

#define BIT(cap)   ((ns_caps)1 << (cap))
#define NAMES(...) ((const char *const[]){__VA_ARGS__, NULL})

/* ---- capabilities: exercise 01.6 -------------------------------------------------------------- */

struct caps_case {
	const char *what;
	const char *const *add, *const *drop;
	ns_caps want; /* with base = Docker's default set */
	bool all_but; /* want is "every capability except want" */
};

static void check_caps_cases(const struct caps_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct caps_case *c = &cases[i];
		struct mc_error err;
		ns_caps got = 0, want = c->all_but ? ns_all_caps() & ~c->want : c->want;

		if (ns_caps_compute(ns_default_caps(), c->add, c->drop, &got, &err) < 0)
			fail_msg("%s: unexpected error: %s", c->what, err.msg);
		if (got != want)
			fail_msg("%s: got %#llx, expected %#llx", c->what, (unsigned long long)got,
			         (unsigned long long)want);
	}
}

static void test_caps_add_and_drop(void **state)
{
	const ns_caps def = ns_default_caps();
	const struct caps_case cases[] = {
	    {"nothing added or dropped", NULL, NULL, def, false},
	    {"add only", NAMES("NET_ADMIN"), NULL, def | BIT(CAP_NET_ADMIN), false},
	    {"drop only", NULL, NAMES("CHOWN", "NET_RAW"),
	     def & ~BIT(CAP_CHOWN) & ~BIT(CAP_NET_RAW), false},
	    {"both", NAMES("SYS_ADMIN"), NAMES("MKNOD"),
	     (def | BIT(CAP_SYS_ADMIN)) & ~BIT(CAP_MKNOD), false},
	    {"added and dropped: the add wins", NAMES("SYS_TIME"), NAMES("SYS_TIME"),
	     def | BIT(CAP_SYS_TIME), false},
	    {"adding one already there", NAMES("KILL"), NULL, def, false},
	    {"dropping one not there", NULL, NAMES("SYS_MODULE"), def, false},
	};

	(void)state;
	check_caps_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_caps_all_rules(void **state)
{
	const ns_caps def = ns_default_caps();
	const struct caps_case cases[] = {
	    {"ALL added, one dropped", NAMES("ALL"), NAMES("SYS_ADMIN"), BIT(CAP_SYS_ADMIN), true},
	    {"ALL added, nothing dropped", NAMES("ALL"), NULL, 0, true},
	    {"ALL added beside another", NAMES("NET_ADMIN", "ALL"), NAMES("CHOWN"), BIT(CAP_CHOWN),
	     true},
	    {"ALL dropped, two added", NAMES("CHOWN", "KILL"), NAMES("ALL"),
	     BIT(CAP_CHOWN) | BIT(CAP_KILL), false},
	    {"ALL dropped, nothing added", NULL, NAMES("ALL"), 0, false},
	    {"all in lower case", NAMES("all"), NULL, 0, true},
	    {"CAP_ prefix", NAMES("CAP_NET_ADMIN"), NAMES("CAP_CHOWN"),
	     (def | BIT(CAP_NET_ADMIN)) & ~BIT(CAP_CHOWN), false},
	    {"lower case, with and without cap_", NAMES("cap_sys_ptrace", "net_admin"),
	     NAMES("kill"), (def | BIT(CAP_SYS_PTRACE) | BIT(CAP_NET_ADMIN)) & ~BIT(CAP_KILL),
	     false},
	};
	static const char *const unknown[] = {"NOT_A_CAP",  "CAP_",     "",   "CAP_ALL",
	                                      "SYS_ADMIN2", "SYS_ADMI", "12", "CAP_12"};
	struct mc_error err;
	ns_caps got;

	(void)state;
	check_caps_cases(cases, sizeof(cases) / sizeof(cases[0]));
	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		const char *add[] = {unknown[i], NULL};

		if (ns_caps_compute(def, add, NULL, &got, &err) == 0)
			fail_msg("--cap-add \"%s\" was taken", unknown[i]);
		if (strstr(err.msg, "unknown capability") == NULL)
			fail_msg("--cap-add \"%s\": unclear error: %s", unknown[i], err.msg);
		if (ns_caps_compute(def, NULL, add, &got, &err) == 0)
			fail_msg("--cap-drop \"%s\" was taken", unknown[i]);
	}
}

/* ---- users and groups, from the text of passwd and group ------------------------------------- */

static const char passwd[] = "root:x:0:0:root:/root:/bin/sh\n"
                             "# a comment\n"
                             "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
                             "alice:x:1000:1000:Alice:/home/alice:/bin/sh\n"
                             "bob:x:1001:1001::/home/bob:/bin/sh\n"
                             "nohome:x:1002:1002:::/bin/sh\n"
                             "broken:x:notanumber:1:::\n";
static const char group[] = "root:x:0:\n"
                            "wheel:x:10:alice,bob\n"
                            "staff:x:50:alice\n"
                            "alice:x:1000:\n"
                            "docker:x:999:bob\n"
                            "alicent:x:60:alicent\n";

struct user_case {
	const char *spec;
	const char *const *group_add;
	bool no_files;      /* resolve without passwd and group */
	const char *error;  /* expected in the message; NULL: must succeed */
	unsigned uid, gid;  /* then: these */
	const char *groups; /* the supplementary groups, "10,50" */
	const char *home;
};

static void groups_text(const struct ns_user *u, char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < u->ngroups && used < size; i++)
		used += (size_t)snprintf(buf + used, size - used, "%s%u", i ? "," : "",
		                         (unsigned)u->groups[i]);
}

static void test_user_resolve_text(void **state)
{
	/* runc's GetExecUser cases, and Docker's --group-add; the primary group leads the
	 * supplementary ones, as moby's getUser() sets AdditionalGids. */
	const struct user_case cases[] = {
	    {"", NULL, false, NULL, 0, 0, "0", "/root"},
	    {"root", NULL, false, NULL, 0, 0, "0", "/root"},
	    {"alice", NULL, false, NULL, 1000, 1000, "1000,10,50", "/home/alice"},
	    {"1000", NULL, false, NULL, 1000, 1000, "1000,10,50", "/home/alice"},
	    {"bob", NULL, false, NULL, 1001, 1001, "1001,10,999", "/home/bob"},
	    {"4242", NULL, false, NULL, 4242, 0, "0", "/"},
	    {"alice:staff", NULL, false, NULL, 1000, 50, "50", "/home/alice"},
	    {"alice:4242", NULL, false, NULL, 1000, 4242, "4242", "/home/alice"},
	    {"1000:10", NULL, false, NULL, 1000, 10, "10", "/home/alice"},
	    {"4242:4343", NULL, false, NULL, 4242, 4343, "4343", "/"},
	    {"nohome", NULL, false, NULL, 1002, 1002, "1002", "/"},
	    {"alice", NAMES("docker", "4000"), false, NULL, 1000, 1000, "1000,10,50,999,4000",
	     "/home/alice"},
	    {"alice", NAMES("wheel"), false, NULL, 1000, 1000, "1000,10,50", "/home/alice"},
	    {"", NAMES("50"), false, NULL, 0, 0, "0,50", "/root"},
	    {"nosuch", NULL, false, "unable to find user nosuch", 0, 0, NULL, NULL},
	    {"alice:nosuch", NULL, false, "unable to find group nosuch", 0, 0, NULL, NULL},
	    {":10", NULL, false, "no user before", 0, 0, NULL, NULL},
	    {"alice", NAMES("nosuchgroup"), false, "Unable to find group nosuchgroup", 0, 0, NULL,
	     NULL},
	    {"broken", NULL, false, "unable to find user broken", 0, 0, NULL, NULL},
	    {"-1", NULL, false, "unable to find user -1", 0, 0, NULL, NULL},
	    {"99999999999", NULL, false, "unable to find user", 0, 0, NULL, NULL},
	    /* An image without the files: numbers work, names do not. */
	    {"", NULL, true, NULL, 0, 0, "0", "/"},
	    {"1000:1000", NULL, true, NULL, 1000, 1000, "1000", "/"},
	    {"alice", NULL, true, "unable to find user alice", 0, 0, NULL, NULL},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct user_case *c = &cases[i];
		struct ns_user u;
		struct mc_error err;
		char got[256];
		int rc;

		rc = ns_user_resolve_text(c->no_files ? NULL : passwd, c->no_files ? NULL : group,
		                          c->spec, c->group_add, &u, &err);
		if (c->error != NULL) {
			if (rc == 0)
				fail_msg("-u \"%s\": resolved, expected an error", c->spec);
			if (strstr(err.msg, c->error) == NULL)
				fail_msg("-u \"%s\": \"%s\", expected \"%s\"", c->spec, err.msg,
				         c->error);
			continue;
		}
		if (rc < 0)
			fail_msg("-u \"%s\": %s", c->spec, err.msg);
		groups_text(&u, got, sizeof(got));
		if (u.uid != c->uid || u.gid != c->gid || strcmp(got, c->groups) != 0 ||
		    strcmp(u.home, c->home) != 0)
			fail_msg("-u \"%s\": uid %u gid %u groups \"%s\" home %s; expected %u %u "
			         "\"%s\" %s",
			         c->spec, (unsigned)u.uid, (unsigned)u.gid, got, u.home, c->uid,
			         c->gid, c->groups, c->home);
	}
}

/* ---- the seccomp profile loader ---------------------------------------------------------------- */

static void test_seccomp_profile_errors(void **state)
{
	static const struct {
		const char *profile, *error;
	} cases[] = {
	    {"", "line 1"},
	    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\"", "line 1"},
	    {"{} trailing", "end of file expected"},
	    {"[]", "not a JSON object"},
	    {"{\"defaultAction\": \"SCMP_ACT_FOO\"}", "unknown action \"SCMP_ACT_FOO\""},
	    {"{\"defaultAction\": 1}", "defaultAction is not a string"},
	    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"defaultErrnoRet\": 1}",
	     "SCMP_ACT_ALLOW takes no errnoRet"},
	    {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": -1}",
	     "defaultErrnoRet is not a whole number"},
	    {"{\"syscalls\": [{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\"}]}",
	     "defaultAction: the action is missing"},
	    {"{\"defaultAction\": \"SCMP_ACT_NOTIFY\"}", "needs a listener"},
	    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"/x\"}",
	     "no seccomp listener"},
	    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": {}}",
	     "syscalls is not an array"},
	    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [1]}",
	     "syscalls[0]: not an object"},
	    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"action\": "
	     "\"SCMP_ACT_ERRNO\"}]}",
	     "syscalls[0]: no name or names"},
	    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"name\": \"a\", \"names\": "
	     "[\"b\"], \"action\": \"SCMP_ACT_ERRNO\"}]}",
	     "both name and names"},
	    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [1], \"action\": "
	     "\"SCMP_ACT_ERRNO\"}]}",
	     "names holds something that is not a string"},
	    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": \"mkdir\", "
	     "\"action\": \"SCMP_ACT_ERRNO\"}]}",
	     "names is not an array"},
	    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"mkdir\"]}]}",
	     "syscalls[0]: the action is missing"},
	    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{}, {\"names\": [\"mkdir\"], "
	     "\"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 5000}]}",
	     "syscalls[0]: the action is missing"},
	    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"mkdir\"], "
	     "\"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 5000}]}",
	     "errnoRet is not an errno value"},
	    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"mkdir\"], "
	     "\"action\": \"SCMP_ACT_KILL\", \"errnoRet\": 1}]}",
	     "SCMP_ACT_KILL takes no errnoRet"},
	    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"mkdir\"], "
	     "\"action\": \"SCMP_ACT_ERRNO\", \"args\": {}}]}",
	     "args is not an array"},
	    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"mkdir\"], "
	     "\"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 0, \"value\": 1, \"op\": "
	     "\"SCMP_CMP_ALMOST\"}]}]}",
	     "syscalls[0].args[0]: unknown operator \"SCMP_CMP_ALMOST\""},
	    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"mkdir\"], "
	     "\"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 0, \"value\": 1}]}]}",
	     "unknown operator \"\""},
	    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"mkdir\"], "
	     "\"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 6, \"value\": 1, \"op\": "
	     "\"SCMP_CMP_EQ\"}]}]}",
	     "index is not a whole number in range"},
	    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"mkdir\"], "
	     "\"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 0, \"value\": -1, \"op\": "
	     "\"SCMP_CMP_EQ\"}]}]}",
	     "value is not a whole number in range"},
	    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"mkdir\"], "
	     "\"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 0, \"value\": 1.5, \"op\": "
	     "\"SCMP_CMP_EQ\"}]}]}",
	     "value is not a whole number in range"},
	    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"mkdir\"], "
	     "\"action\": \"SCMP_ACT_ERRNO\", \"includes\": []}]}",
	     "includes is not an object"},
	    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"mkdir\"], "
	     "\"action\": \"SCMP_ACT_ERRNO\", \"excludes\": {\"caps\": \"CAP_SYS_ADMIN\"}}]}",
	     "caps is not an array"},
	    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"mkdir\"], "
	     "\"action\": \"SCMP_ACT_ERRNO\", \"includes\": {\"minKernel\": \"four\"}}]}",
	     "minKernel \"four\" is not a kernel version"},
	    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"mkdir\"], "
	     "\"action\": \"SCMP_ACT_ERRNO\", \"excludes\": {\"minKernel\": \"4\"}}]}",
	     "minKernel \"4\" is not a kernel version"},
	    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": [\"SCMP_ARCH_NOPE\"]}",
	     "unknown architecture \"SCMP_ARCH_NOPE\""},
	    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": [\"SCMP_ARCH_X86\"], "
	     "\"archMap\": [{\"architecture\": \"SCMP_ARCH_X86_64\"}]}",
	     "both architectures and archMap"},
	    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"archMap\": [{\"subArchitectures\": []}]}",
	     "archMap[0]: architecture is missing"},
	    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"archMap\": {}}", "archMap is not an array"},
	    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"flags\": [\"SECCOMP_FILTER_FLAG_NOPE\"]}",
	     "unknown flag \"SECCOMP_FILTER_FLAG_NOPE\""},
	    /* Found by fuzzing: a big-endian ABI cannot join a filter for a little-endian machine. */
	    {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"architectures\": [\"SCMP_ARCH_MIPS64\", "
	     "\"SCMP_ARCH_X86\"]}",
	     "libseccomp cannot add SCMP_ARCH_MIPS64"},
	};
	struct ns_seccomp *sc;
	struct mc_error err;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		/* Whatever the capabilities: a rule for other ones must be right too. */
		if (ns_seccomp_compile(cases[i].profile, 0, &sc, &err) == 0)
			fail_msg("taken: %s", cases[i].profile);
		if (strstr(err.msg, cases[i].error) == NULL || strstr(err.msg, "seccomp") == NULL)
			fail_msg("%s\n  gave \"%s\"\n  expected \"%s\"", cases[i].profile, err.msg,
			         cases[i].error);
		if (ns_seccomp_check(cases[i].profile, &err) == 0)
			fail_msg("ns_seccomp_check took: %s", cases[i].profile);
		assert_null(sc);
	}
}

/*
 * In a child: install the filter compiled from `profile` for `caps`, make
 * the calls below and report each one's errno ("0" when it worked), one
 * line each.  The calls change nothing: they fail or only read.
 */
static void run_filtered_cached(const char *profile, ns_caps caps, const char *cache, char *out,
                                size_t size)
{
	int fds[2];
	pid_t pid;
	ssize_t n;
	size_t used = 0;
	int status;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct ns_seccomp *sc;
		struct mc_error err;
		char line[256];
		int e[5];

		close(fds[0]);
		if (ns_seccomp_compile_cached(profile, caps, cache, &sc, &err) < 0 ||
		    (sc != NULL && ns_seccomp_load(sc, &err) < 0)) {
			dprintf(fds[1], "error=%s\n", err.msg);
			_exit(1);
		}
		errno = 0;
		e[0] = mkdir("/nonexistent-mc-test/x", 0700) < 0 ? errno : 0;
		errno = 0;
		e[1] = rmdir("/nonexistent-mc-test/x") < 0 ? errno : 0;
		errno = 0;
		e[2] = getpriority(PRIO_PROCESS, 0) == -1 && errno ? errno : 0;
		errno = 0;
		e[3] = getpriority(PRIO_PGRP, 0) == -1 && errno ? errno : 0;
		errno = 0;
		e[4] = getpriority(PRIO_USER, 0) == -1 && errno ? errno : 0;
		snprintf(line, sizeof(line),
		         "mkdir=%d\nrmdir=%d\nprio_process=%d\nprio_pgrp=%d\n"
		         "prio_user=%d\n",
		         e[0], e[1], e[2], e[3], e[4]);
		if (write(fds[1], line, strlen(line)) < 0)
			_exit(2);
		_exit(0);
	}
	close(fds[1]);
	while (used + 1 < size && (n = read(fds[0], out + used, size - 1 - used)) > 0)
		used += (size_t)n;
	out[used] = '\0';
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("the filtered child failed: %s", out);
}

static void run_filtered(const char *profile, ns_caps caps, char *out, size_t size)
{
	run_filtered_cached(profile, caps, NULL, out, size);
}

static void expect_errno(const char *out, const char *call, int want, const char *what)
{
	char value[32], text[32];

	snprintf(text, sizeof(text), "%d", want);
	if (!mc_kv(out, call, 0, value, sizeof(value)) || strcmp(value, text) != 0)
		fail_msg("%s: %s gave errno %s, expected %d\n%s", what, call, value, want, out);
}

#define ALLOW_BUT(rules) "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [" rules "]}"

static void test_seccomp_profile_rules(void **state)
{
	/* The native architecture under its Docker name, whichever it is, and one it is not. */
	static const char arches[] = "[\"amd64\", \"arm64\", \"ppc64le\", \"s390x\", \"riscv64\", "
	                             "\"x86\", \"arm\", \"mips64\"]";
	char out[1024], profile[2048];

	(void)state;
	/* Nothing denied: the calls reach the kernel. */
	run_filtered(ALLOW_BUT(""), 0, out, sizeof(out));
	expect_errno(out, "mkdir", ENOENT, "no rules");
	expect_errno(out, "prio_user", 0, "no rules");

	/* names, name, errnoRet, the EPERM default, unknown names skipped. */
	run_filtered(
	    ALLOW_BUT("{\"names\": [\"no_such_call\", \"mkdir\", \"mkdirat\"], \"action\": "
	              "\"SCMP_ACT_ERRNO\", \"errnoRet\": 13},"
	              "{\"name\": \"rmdir\", \"action\": \"SCMP_ACT_ERRNO\"}"),
	    0, out, sizeof(out));
	expect_errno(out, "mkdir", EACCES, "errnoRet 13");
	expect_errno(out, "rmdir", EPERM, "no errnoRet");

	/* An argument comparison: only getpriority(PRIO_USER, ...) is refused. */
	run_filtered(
	    ALLOW_BUT("{\"names\": [\"getpriority\"], \"action\": \"SCMP_ACT_ERRNO\", "
	              "\"args\": [{\"index\": 0, \"value\": 2, \"op\": \"SCMP_CMP_EQ\"}]}"),
	    0, out, sizeof(out));
	expect_errno(out, "prio_user", EPERM, "arg0 == 2");
	expect_errno(out, "prio_process", 0, "arg0 == 2");

	/* Two comparisons of one argument mean either (one rule each, as runc). */
	run_filtered(ALLOW_BUT("{\"names\": [\"getpriority\"], \"action\": \"SCMP_ACT_ERRNO\", "
	                       "\"args\": [{\"index\": 0, \"value\": 0, \"op\": \"SCMP_CMP_EQ\"},"
	                       "{\"index\": 0, \"value\": 2, \"op\": \"SCMP_CMP_EQ\"}]}"),
	             0, out, sizeof(out));
	expect_errno(out, "prio_process", EPERM, "arg0 == 0 or 2");
	expect_errno(out, "prio_pgrp", 0, "arg0 == 0 or 2");
	expect_errno(out, "prio_user", EPERM, "arg0 == 0 or 2");

	/* MASKED_EQ: (arg & value) == valueTwo; and two arguments at once (both must hold). */
	run_filtered(ALLOW_BUT("{\"names\": [\"getpriority\"], \"action\": \"SCMP_ACT_ERRNO\", "
	                       "\"args\": [{\"index\": 0, \"value\": 1, \"valueTwo\": 1, \"op\": "
	                       "\"SCMP_CMP_MASKED_EQ\"}, {\"index\": 1, \"value\": 0, \"op\": "
	                       "\"SCMP_CMP_EQ\"}]}"),
	             0, out, sizeof(out));
	expect_errno(out, "prio_pgrp", EPERM, "arg0 & 1 == 1");
	expect_errno(out, "prio_process", 0, "arg0 & 1 == 1");
	expect_errno(out, "prio_user", 0, "arg0 & 1 == 1");

	/* includes.caps: only for a container that holds all of them. */
	snprintf(profile, sizeof(profile),
	         ALLOW_BUT("{\"names\": [\"mkdir\"], \"action\": \"SCMP_ACT_ERRNO\", "
	                   "\"includes\": {\"caps\": [\"CAP_SYS_ADMIN\", \"CAP_NET_ADMIN\"]}}"));
	run_filtered(profile, BIT(CAP_SYS_ADMIN), out, sizeof(out));
	expect_errno(out, "mkdir", ENOENT, "includes two caps, one held");
	run_filtered(profile, BIT(CAP_SYS_ADMIN) | BIT(CAP_NET_ADMIN), out, sizeof(out));
	expect_errno(out, "mkdir", EPERM, "includes two caps, both held");

	/* excludes.caps: not for a container that holds any of them. */
	snprintf(profile, sizeof(profile),
	         ALLOW_BUT("{\"names\": [\"mkdir\"], \"action\": \"SCMP_ACT_ERRNO\", "
	                   "\"excludes\": {\"caps\": [\"CAP_SYS_ADMIN\", \"CAP_NET_ADMIN\"]}}"));
	run_filtered(profile, BIT(CAP_NET_ADMIN), out, sizeof(out));
	expect_errno(out, "mkdir", ENOENT, "excludes two caps, one held");
	run_filtered(profile, ns_default_caps(), out, sizeof(out));
	expect_errno(out, "mkdir", EPERM, "excludes two caps, none held");

	/* Architectures and kernel versions. */
	snprintf(profile, sizeof(profile),
	         ALLOW_BUT("{\"names\": [\"mkdir\"], \"action\": \"SCMP_ACT_ERRNO\", \"includes\": "
	                   "{\"arches\": %s, \"minKernel\": \"3.0\"}},"
	                   "{\"names\": [\"rmdir\"], \"action\": \"SCMP_ACT_ERRNO\", \"includes\": "
	                   "{\"minKernel\": \"99.0\"}},"
	                   "{\"names\": [\"getpriority\"], \"action\": \"SCMP_ACT_ERRNO\", "
	                   "\"excludes\": {\"minKernel\": \"3.0\"}}"),
	         arches);
	run_filtered(profile, 0, out, sizeof(out));
	expect_errno(out, "mkdir", EPERM, "this architecture, kernel 3.0 or newer");
	expect_errno(out, "rmdir", ENOENT, "kernel 99.0 or newer");
	expect_errno(out, "prio_user", 0, "excluded from kernel 3.0 on");
	snprintf(profile, sizeof(profile),
	         ALLOW_BUT("{\"names\": [\"mkdir\"], \"action\": \"SCMP_ACT_ERRNO\", \"includes\": "
	                   "{\"arches\": [\"mips64\"]}}"));
	run_filtered(profile, 0, out, sizeof(out));
	expect_errno(out, "mkdir", ENOENT, "another architecture");

	/* The default action with its errno; a rule that says the same is no rule. */
	run_filtered("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"archMap\": [{\"architecture\": "
	             "\"SCMP_ARCH_X86_64\", \"subArchitectures\": [\"SCMP_ARCH_X86\"]}], "
	             "\"syscalls\": [{\"names\": [\"mkdir\"], \"action\": \"SCMP_ACT_ALLOW\"}]}",
	             0, out, sizeof(out));
	expect_errno(out, "mkdir", ENOENT, "a rule like the default");

	/* Docker's rule: no default action and no rules is no filter at all. */
	{
		struct ns_seccomp *sc = (struct ns_seccomp *)&sc;
		struct mc_error err;

		assert_int_equal(ns_seccomp_compile("{}", ns_default_caps(), &sc, &err), 0);
		assert_null(sc);
	}
}

static void test_seccomp_default_profile(void **state)
{
	struct ns_seccomp *none, *def, *all;
	struct mc_error err;
	char pfc[64];
	int fd;

	(void)state;
	/* The built-in text is the file's. */
	assert_non_null(
	    strstr(ns_seccomp_default_profile(), "\"defaultAction\": \"SCMP_ACT_ERRNO\""));
	assert_int_equal(ns_seccomp_check(NULL, &err), 0);
	/* More capabilities, more rules (mount, unshare, reboot, ... come with theirs). */
	assert_int_equal(ns_seccomp_compile(NULL, 0, &none, &err), 0);
	assert_int_equal(ns_seccomp_compile(NULL, ns_default_caps(), &def, &err), 0);
	assert_int_equal(ns_seccomp_compile(NULL, ns_all_caps(), &all, &err), 0);
	if (!(ns_seccomp_rules(none) < ns_seccomp_rules(def) &&
	      ns_seccomp_rules(def) < ns_seccomp_rules(all)))
		fail_msg("rules: %u without capabilities, %u with the default ones, %u with all",
		         ns_seccomp_rules(none), ns_seccomp_rules(def), ns_seccomp_rules(all));
	/* The readable form names the calls and the verdict for the rest. */
	fd = memfd_create("pfc", MFD_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(ns_seccomp_export_pfc(def, fd, &err), 0);
	{
		char *text = calloc(1, 1 << 20);
		ssize_t n = pread(fd, text, (1 << 20) - 1, 0);

		assert_true(n > 0);
		snprintf(pfc, sizeof(pfc), "action ERRNO(%d)", EPERM);
		assert_non_null(strstr(text, pfc));
		assert_non_null(strstr(text, "\"chroot\"")); /* CAP_SYS_CHROOT: Docker's */
		assert_null(strstr(text, "\"reboot\""));     /* CAP_SYS_BOOT: not */
		assert_non_null(strstr(text, "ERRNO(38)"));  /* clone3 */
		free(text);
	}
	close(fd);
	ns_seccomp_free(none);
	ns_seccomp_free(def);
	ns_seccomp_free(all);
}

/* How many files in `dir` (0 when it does not exist). */
static int count_files(const char *dir)
{
	char cmd[PATH_MAX + 64], out[32] = "";
	FILE *p;

	snprintf(cmd, sizeof(cmd), "ls -A '%s' 2>/dev/null | wc -l", dir);
	p = popen(cmd, "r");
	assert_non_null(p);
	if (fgets(out, sizeof(out), p) == NULL)
		out[0] = '\0';
	pclose(p);
	return atoi(out);
}

static void test_seccomp_cache(void **state)
{
	static const char profile[] = ALLOW_BUT("{\"names\": [\"mkdir\"], \"action\": "
	                                        "\"SCMP_ACT_ERRNO\", \"errnoRet\": 13}");
	struct ns_seccomp *built, *cached, *again;
	struct mc_error err;
	char dir[PATH_MAX], cmd[PATH_MAX + 64], out[1024];

	(void)state;
	snprintf(dir, sizeof(dir), "%s/seccomp-cache", mc_test_tmpdir());
	/* The first time, built by libseccomp - and kept. */
	assert_int_equal(ns_seccomp_compile_cached(profile, 0, dir, &built, &err), 0);
	assert_non_null(built->ctx);
	assert_int_equal(count_files(dir), 1);
	/* The second time, read back: the same program, no libseccomp rules behind it. */
	assert_int_equal(ns_seccomp_compile_cached(profile, 0, dir, &cached, &err), 0);
	assert_null(cached->ctx);
	assert_int_equal(cached->bpf_len, built->bpf_len);
	assert_memory_equal(cached->bpf, built->bpf, built->bpf_len);
	assert_int_equal(cached->rules, built->rules);
	assert_int_equal(ns_seccomp_export_pfc(cached, 1, &err), -1);
	/* ... and it works, loaded from the cache. */
	run_filtered_cached(profile, 0, dir, out, sizeof(out));
	expect_errno(out, "mkdir", EACCES, "a filter from the cache");
	/* Other capabilities or another profile: another program. */
	assert_int_equal(ns_seccomp_compile_cached(profile, ns_default_caps(), dir, &again, &err),
	                 0);
	assert_non_null(again->ctx);
	ns_seccomp_free(again);
	assert_int_equal(count_files(dir), 2);
	/* A damaged file is not used: built again, and replaced. */
	snprintf(cmd, sizeof(cmd), "for f in '%s'/*; do truncate -s 100 \"$f\"; done", dir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(ns_seccomp_compile_cached(profile, 0, dir, &again, &err), 0);
	assert_non_null(again->ctx);
	ns_seccomp_free(again);
	assert_int_equal(ns_seccomp_compile_cached(profile, 0, dir, &again, &err), 0);
	assert_null(again->ctx);
	ns_seccomp_free(again);
	ns_seccomp_free(built);
	ns_seccomp_free(cached);
	/* A bad profile is an error with a cache too; an empty one is no filter. */
	assert_int_equal(ns_seccomp_compile_cached("{\"defaultAction\": 1}", 0, dir, &again, &err),
	                 -1);
	assert_int_equal(ns_seccomp_compile_cached("{}", 0, dir, &again, &err), 0);
	assert_null(again);
}

/* ---- --security-opt ------------------------------------------------------------------------------ */

static void write_text(const char *path, const char *text, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
}

static void test_security_opt_parse(void **state)
{
	static const struct {
		const char *text;
		int kind; /* -1: an error, with `error` in its message */
		bool enabled;
		const char *error;
	} cases[] = {
	    {"seccomp=unconfined", NS_SECOPT_SECCOMP_UNCONFINED, false, NULL},
	    {"seccomp:unconfined", NS_SECOPT_SECCOMP_UNCONFINED, false, NULL},
	    {"no-new-privileges", NS_SECOPT_NO_NEW_PRIVS, true, NULL},
	    {"no-new-privileges=true", NS_SECOPT_NO_NEW_PRIVS, true, NULL},
	    {"no-new-privileges=false", NS_SECOPT_NO_NEW_PRIVS, false, NULL},
	    {"no-new-privileges:1", NS_SECOPT_NO_NEW_PRIVS, true, NULL},
	    {"systempaths=unconfined", NS_SECOPT_SYSTEMPATHS, false, NULL},
	    {"label=disable", NS_SECOPT_LSM, false, NULL},
	    {"apparmor=unconfined", NS_SECOPT_LSM, false, NULL},
	    {"no-new-privileges=maybe", -1, false, "invalid --security-opt 2"},
	    {"systempaths=confined", -1, false, "invalid --security-opt"},
	    {"seccomp", -1, false, "invalid --security-opt"},
	    {"seccomp=", -1, false, "invalid --security-opt"},
	    {"bogus=1", -1, false, "invalid --security-opt"},
	    {"seccomp=/nonexistent/profile.json", -1, false, "/nonexistent/profile.json"},
	};
	struct ns_security_opt opt;
	struct mc_error err;
	char good[PATH_MAX], bad[PATH_MAX], nul[PATH_MAX], text[PATH_MAX + 16];
	static const char nul_profile[] = "{}\0{\"defaultAction\": \"SCMP_ACT_BOGUS\"}";

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = ns_security_opt_parse(cases[i].text, &opt, &err);

		if (cases[i].kind < 0) {
			if (rc == 0 || strstr(err.msg, cases[i].error) == NULL)
				fail_msg("%s: rc %d \"%s\", expected an error with \"%s\"",
				         cases[i].text, rc, rc ? err.msg : "", cases[i].error);
			continue;
		}
		if (rc < 0)
			fail_msg("%s: %s", cases[i].text, err.msg);
		assert_int_equal(opt.kind, cases[i].kind);
		assert_int_equal(opt.enabled, cases[i].enabled);
		assert_null(opt.profile);
	}
	/* seccomp=FILE: read and checked now; the text handed back. */
	snprintf(good, sizeof(good), "%s/good.json", mc_test_tmpdir());
	snprintf(bad, sizeof(bad), "%s/bad.json", mc_test_tmpdir());
	snprintf(nul, sizeof(nul), "%s/nul.json", mc_test_tmpdir());
	write_text(good, ALLOW_BUT(""), strlen(ALLOW_BUT("")));
	write_text(bad, "{\"defaultAction\": \"SCMP_ACT_NOPE\"}",
	           strlen("{\"defaultAction\": \"SCMP_ACT_NOPE\"}"));
	write_text(nul, nul_profile, sizeof(nul_profile) - 1);
	snprintf(text, sizeof(text), "seccomp=%s", good);
	assert_int_equal(ns_security_opt_parse(text, &opt, &err), 0);
	assert_int_equal(opt.kind, NS_SECOPT_SECCOMP);
	assert_string_equal(opt.profile, ALLOW_BUT(""));
	free(opt.profile);
	snprintf(text, sizeof(text), "seccomp=%s", bad);
	assert_int_equal(ns_security_opt_parse(text, &opt, &err), -1);
	assert_non_null(strstr(err.msg, "unknown action \"SCMP_ACT_NOPE\""));
	assert_non_null(strstr(err.msg, bad));
	/* A NUL byte would end the text early and hide the rest: refused. */
	snprintf(text, sizeof(text), "seccomp=%s", nul);
	assert_int_equal(ns_security_opt_parse(text, &opt, &err), -1);
	assert_non_null(strstr(err.msg, "NUL"));
}

/* ---- a confined container ------------------------------------------------------------------------ */

static char *probe_env[] = {"PATH=/bin:/sbin", NULL};

/* Run `argv` in a container confined by `c`; its stdout in out. */
static void run_confined(struct ns_confine *c, char **argv, char *out, size_t size)
{
	struct ns_config cfg;
	struct mc_error err;
	int fd, code, rc;
	ssize_t n;

	ns_config_init(&cfg);
	cfg.rootfs = mc_test_rootfs();
	cfg.hostname = "confined";
	cfg.envp = probe_env;
	cfg.argv = argv;
	fd = open(mc_test_tmpdir(), O_TMPFILE | O_RDWR, 0600);
	assert_true(fd >= 0);
	cfg.stdio[1] = fd;
	if (ns_add_confine_step(&cfg, c, &err) < 0)
		fail_msg("%s", err.msg);
	rc = ns_run(&cfg, &code, &err);
	n = pread(fd, out, size - 1, 0);
	out[n > 0 ? n : 0] = '\0';
	close(fd);
	ns_confine_release(c);
	if (rc < 0 || code != 0)
		fail_msg("the container failed: %s (exit %d)\n%s", rc < 0 ? err.msg : "", code,
		         out);
}

static void expect_kv(const char *out, const char *key, const char *want, const char *what)
{
	char value[128];

	if (!mc_kv(out, key, 0, value, sizeof(value)))
		fail_msg("%s: no %s= line in\n%s", what, key, out);
	if (strcmp(value, want) != 0)
		fail_msg("%s: %s=%s, expected %s", what, key, value, want);
}

#define REQUIRE_ROOTFS()                                                                           \
	do {                                                                                       \
		MC_REQUIRE_ROOT();                                                                 \
		if (mc_test_rootfs() == NULL)                                                      \
			MC_SKIP("no test root filesystem: run make rootfs");                       \
	} while (0)

static char *facts[] = {"sh", "-c", "/probe caps; /probe seccomp; /probe syscalls", NULL};

static void test_default_confinement(void **state)
{
	struct ns_confine c;
	char out[8192];

	(void)state;
	REQUIRE_ROOTFS();
	ns_confine_init(&c);
	run_confined(&c, facts, out, sizeof(out));
	/* Docker's 14 capabilities, nothing to pass on, the filter, no_new_privs off. */
	expect_kv(out, "cap_bnd", "00000000a80425fb", "default");
	expect_kv(out, "cap_eff", "00000000a80425fb", "default");
	expect_kv(out, "cap_inh", "0000000000000000", "default");
	expect_kv(out, "cap_amb", "0000000000000000", "default");
	expect_kv(out, "no_new_privs", "0", "default");
	expect_kv(out, "seccomp", "2", "default");
	expect_kv(out, "reboot", "EPERM", "default");
	expect_kv(out, "kexec_load", "EPERM", "default");
	expect_kv(out, "keyctl", "EPERM", "default");
	expect_kv(out, "unshare_newuser", "EPERM", "default");
	expect_kv(out, "clone_newuser", "EPERM", "default");
	expect_kv(out, "clone3", "ENOSYS", "default");
	expect_kv(out, "fork", "ok", "default");
	expect_kv(out, "personality_query", "ok", "default");
	expect_kv(out, "personality_no_aslr", "EPERM", "default");
	expect_kv(out, "socket_vsock", "EPERM", "default");
}

static void test_confinement_overrides(void **state)
{
	struct ns_confine c;
	char out[8192];

	(void)state;
	REQUIRE_ROOTFS();
	/* CAP_SYS_ADMIN brings its rules: clone and unshare with namespaces, clone3. */
	ns_confine_init(&c);
	c.caps = ns_default_caps() | BIT(CAP_SYS_ADMIN);
	run_confined(&c, facts, out, sizeof(out));
	expect_kv(out, "cap_bnd", "00000000a82425fb", "CAP_SYS_ADMIN");
	expect_kv(out, "seccomp", "2", "CAP_SYS_ADMIN");
	expect_kv(out, "clone_newuser", "EINVAL", "CAP_SYS_ADMIN");
	expect_kv(out, "unshare_newuser", "EINVAL", "CAP_SYS_ADMIN");
	expect_kv(out, "clone3", "EINVAL", "CAP_SYS_ADMIN");
	expect_kv(out, "reboot", "EPERM", "CAP_SYS_ADMIN");
	/* seccomp=unconfined: the same capabilities, no filter. */
	ns_confine_init(&c);
	c.seccomp_unconfined = true;
	run_confined(&c, facts, out, sizeof(out));
	expect_kv(out, "seccomp", "0", "unconfined");
	expect_kv(out, "cap_bnd", "00000000a80425fb", "unconfined");
	expect_kv(out, "keyctl", "EOPNOTSUPP", "unconfined");
	expect_kv(out, "clone3", "EINVAL", "unconfined");
	expect_kv(out, "personality_no_aslr", "ok", "unconfined");
	/* --privileged: every capability, no filter. */
	ns_confine_init(&c);
	c.privileged = true;
	run_confined(&c, facts, out, sizeof(out));
	expect_kv(out, "seccomp", "0", "privileged");
	expect_kv(out, "reboot", "EINVAL", "privileged");
	/* no-new-privileges: the filter still, and no_new_privs set. */
	ns_confine_init(&c);
	c.no_new_privs = true;
	run_confined(&c, facts, out, sizeof(out));
	expect_kv(out, "no_new_privs", "1", "no-new-privileges");
	expect_kv(out, "seccomp", "2", "no-new-privileges");
	expect_kv(out, "clone3", "ENOSYS", "no-new-privileges");
	/* A profile of one's own: mkdir refused with EACCES, the rest allowed. */
	ns_confine_init(&c);
	c.seccomp_profile = ALLOW_BUT("{\"names\": [\"mkdir\", \"mkdirat\"], \"action\": "
	                              "\"SCMP_ACT_ERRNO\", \"errnoRet\": 13}");
	run_confined(
	    &c, (char *[]){"sh", "-c", "/probe syscalls; mkdir /tmp/x; echo mkdir_status=$?", NULL},
	    out, sizeof(out));
	expect_kv(out, "mkdir_status", "1", "a profile that denies mkdir");
	expect_kv(out, "keyctl", "EOPNOTSUPP", "a profile that denies mkdir");
}

static void test_user_switch_and_home(void **state)
{
	struct ns_confine c;
	char out[8192];

	(void)state;
	REQUIRE_ROOTFS();
	/* Another user: no capabilities left, the bounding set still Docker's; HOME from passwd. */
	ns_confine_init(&c);
	c.user = "nobody";
	run_confined(&c, (char *[]){"sh", "-c", "/probe ids; /probe caps; /probe env", NULL}, out,
	             sizeof(out));
	expect_kv(out, "uid", "65534", "-u nobody");
	expect_kv(out, "gid", "65534", "-u nobody");
	expect_kv(out, "cap_eff", "0000000000000000", "-u nobody");
	expect_kv(out, "cap_prm", "0000000000000000", "-u nobody");
	expect_kv(out, "cap_bnd", "00000000a80425fb", "-u nobody");
	if (strstr(out, "env=HOME=/nonexistent\n") == NULL)
		fail_msg("-u nobody: no HOME from passwd in\n%s", out);
	/* A uid without an entry: gid 0 and HOME=/. */
	ns_confine_init(&c);
	c.user = "4242";
	run_confined(&c, (char *[]){"sh", "-c", "/probe ids; /probe env", NULL}, out, sizeof(out));
	expect_kv(out, "uid", "4242", "-u 4242");
	expect_kv(out, "gid", "0", "-u 4242");
	if (strstr(out, "env=HOME=/\n") == NULL)
		fail_msg("-u 4242: HOME is not / in\n%s", out);
}

const struct CMUnitTest ch01_confine_tests[] = {
    cmocka_unit_test(test_caps_add_and_drop),     cmocka_unit_test(test_caps_all_rules),
    cmocka_unit_test(test_user_resolve_text),     cmocka_unit_test(test_seccomp_profile_errors),
    cmocka_unit_test(test_seccomp_profile_rules), cmocka_unit_test(test_seccomp_default_profile),
    cmocka_unit_test(test_seccomp_cache),         cmocka_unit_test(test_security_opt_parse),
    cmocka_unit_test(test_default_confinement),   cmocka_unit_test(test_confinement_overrides),
    cmocka_unit_test(test_user_switch_and_home),
};
const size_t ch01_confine_test_count = sizeof(ch01_confine_tests) / sizeof(ch01_confine_tests[0]);
