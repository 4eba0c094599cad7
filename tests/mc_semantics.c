/*
 * mc_semantics.c - Docker's semantics, exactly: each row of the table in
 * minicontainer/README.md ("Docker's semantics, exactly") is executed here.
 * What Docker does comes from its documentation and from the source of
 * docker/cli, moby and runc (the README names the function for each row);
 * the tests hold minicontainer to it, from inside the containers (the
 * probe's key=value lines, /proc/self/mountinfo) and from the records.
 */
#define _GNU_SOURCE
#include "mc_test.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- helpers ------------------------------------------------------------------------------- */

static void write_bytes(const char *path, const char *bytes, size_t len)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(bytes, 1, len, f), len);
	fclose(f);
}

/* A path in the test's temporary directory. */
static const char *tmp_path(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/%s", mc_test_tmpdir(), name);
	return buf;
}

/* A terminal's output has "\r\n": make it plain lines. */
static void strip_cr(char *text)
{
	char *out = text;

	for (const char *in = text; *in != '\0'; in++)
		if (*in != '\r')
			*out++ = *in;
	*out = '\0';
}

static void expect_line(const char *out, const char *line, const char *what)
{
	if (!has_line(out, line, true))
		fail_msg("%s: no line \"%s\" in:\n%s", what, line, out);
}

static void expect_no_line(const char *out, const char *prefix, const char *what)
{
	if (has_line(out, prefix, false))
		fail_msg("%s: a line starting \"%s\" should not be there:\n%s", what, prefix, out);
}

/* Docker's refusal of bad input: 125, its message, and no container record made or left. */
static void expect_refused(const char *args, const char *message)
{
	char out[16384], dir[PATH_MAX + 16], before[8192], after[8192];
	int status;

	snprintf(dir, sizeof(dir), "%s/containers", root_dir);
	list_dir(dir, before, sizeof(before));
	status = mc(out, sizeof(out), "%s", args);
	expect_status(status, 125, args, out);
	expect_text(out, message, args);
	list_dir(dir, after, sizeof(after));
	if (strcmp(before, after) != 0)
		fail_msg("%s changed the containers:\n%s\nvs\n%s", args, before, after);
}

/* The parts of /proc/self/mountinfo's line for `mountpoint` (the last one mounted there). */
struct mount_line {
	char options[256], fstype[64], source[256], super[512];
};

static bool find_mount(const char *mountinfo, const char *mountpoint, struct mount_line *m)
{
	char copy[65536], *save = NULL;
	bool found = false;

	snprintf(copy, sizeof(copy), "%s", mountinfo);
	for (char *line = strtok_r(copy, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		char point[512], options[256], *dash = strstr(line, " - ");

		if (dash == NULL ||
		    sscanf(line, "%*s %*s %*s %*s %511s %255s", point, options) != 2 ||
		    strcmp(point, mountpoint) != 0)
			continue;
		snprintf(m->options, sizeof(m->options), "%s", options);
		if (sscanf(dash + 3, "%63s %255s %511s", m->fstype, m->source, m->super) != 3)
			continue;
		found = true;
	}
	return found;
}

/* Is `option` one of the comma-separated `options`? */
static bool has_option(const char *options, const char *option)
{
	size_t len = strlen(option);

	for (const char *p = options; p != NULL; p = strchr(p, ','), p = p ? p + 1 : NULL)
		if (strncmp(p, option, len) == 0 && (p[len] == ',' || p[len] == '\0'))
			return true;
	return false;
}

/* `inspect --format '{{json FIELD}}'` parsed. */
static json_t *inspect_json(const char *what, const char *field)
{
	char format[256], out[16384];
	json_t *v;

	snprintf(format, sizeof(format), "{{json %s}}", field);
	inspect(what, format, out, sizeof(out));
	v = json_loads(out, JSON_DECODE_ANY, NULL);
	if (v == NULL)
		fail_msg("inspect %s %s: not JSON: %s", what, field, out);
	return v;
}

static void expect_json(const char *what, const char *field, const char *expected)
{
	json_t *got = inspect_json(what, field),
	       *want = json_loads(expected, JSON_DECODE_ANY, NULL);
	char *text = json_dumps(got, JSON_COMPACT | JSON_ENCODE_ANY);

	assert_non_null(want);
	if (!json_equal(got, want))
		fail_msg("inspect %s %s: %s, expected %s", what, field, text, expected);
	free(text);
	json_decref(got);
	json_decref(want);
}

/* The probe's env= lines, in order ("" past the last). */
static const char *env_line(const char *out, int nth, char *buf, size_t size)
{
	if (!mc_kv(out, "env", nth, buf, size))
		buf[0] = '\0';
	return buf;
}

/* ---- 1. --env and --env-file -------------------------------------------------------------- */

/* Every rule of docker/cli's pkg/kvfile in one file. */
static const char env_file_bytes[] = "\xef\xbb\xbf"
                                     "BOM=stripped\n"
                                     "# a comment\n"
                                     "\n"
                                     " \t \n"
                                     "  LEADING=spaces go\n"
                                     "TRAILING=spaces stay  \n"
                                     "WINDOWS=crlf\r\n"
                                     "QUOTED=\"kept\"\n"
                                     "EQUALS=a=b=c\n"
                                     "EMPTY=\n"
                                     "   # an indented comment\n"
                                     "NOT_A_COMMENT=x # y\n"
                                     "FROMHOST\n"
                                     "UNSETHOST\n"
                                     "OVERRIDDEN=by the file";

static void test_env_semantics(void **state)
{
	static const struct {
		const char *flags, *image; /* the command is the probe's env */
		const char *lines[3];      /* env lines that must be there */
		const char *absent[2];     /* prefixes of lines that must not */
		const char *config_env;    /* inspect's Config.Env, as JSON; NULL: not checked */
	} cases[] = {
	    {"-e 'SPACES=a b=c '", "busybox", {"env=SPACES=a b=c "}, {NULL}, "[\"SPACES=a b=c \"]"},
	    {"-e FROMHOST",
	     "busybox",
	     {"env=FROMHOST=host value"},
	     {NULL},
	     "[\"FROMHOST=host value\"]"},
	    /* Unset here: the bare name goes into the record, and takes the variable away. */
	    {"-e UNSETHOST", "busybox", {NULL}, {"env=UNSETHOST"}, "[\"UNSETHOST\"]"},
	    {"-e FROM_IMAGE",
	     "probe-img",
	     {"env=SHARED=image"},
	     {"env=FROM_IMAGE"},
	     "[\"FROM_IMAGE\", \"SHARED=image\"]"},
	    {"-e HOSTNAME",
	     "busybox",
	     {"env=PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
	     {"env=HOSTNAME="},
	     "[\"HOSTNAME\"]"},
	    /* moby looks bare names up among its defaults only: this one removes nothing. */
	    {"-e UNSETHOST=back -e UNSETHOST",
	     "busybox",
	     {"env=UNSETHOST=back"},
	     {NULL},
	     "[\"UNSETHOST=back\", \"UNSETHOST\"]"},
	    {"-e A=1 -e A=2", "busybox", {"env=A=2"}, {"env=A=1"}, "[\"A=1\", \"A=2\"]"},
	    {"-e 'WITH SPACE=1'", "busybox", {"env=WITH SPACE=1"}, {NULL}, NULL},
	    {"-e SHARED=cli",
	     "probe-img",
	     {"env=SHARED=cli", "env=FROM_IMAGE=1"},
	     {"env=SHARED=image"},
	     "[\"SHARED=cli\", \"FROM_IMAGE=1\"]"},
	    /* runc: an empty HOME counts as none; the user's home from the image's passwd. */
	    {"-e HOME=", "busybox", {"env=HOME=/root"}, {"env=HOME=\n"}, NULL},
	    {"-e HOME=/elsewhere", "busybox", {"env=HOME=/elsewhere"}, {"env=HOME=/root"}, NULL},
	    {"-u nobody", "busybox", {"env=HOME=/nonexistent"}, {NULL}, NULL},
	    {"-u 4321", "busybox", {"env=HOME=/"}, {NULL}, NULL},
	};
	char out[16384], what[512], file[PATH_MAX], line[512];

	(void)state;
	MC_REQUIRE_ROOT();
	MC_REQUIRE_IMAGES();
	setenv("FROMHOST", "host value", 1);
	unsetenv("A");
	unsetenv("UNSETHOST");
	unsetenv("HOSTNAME");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(what, sizeof(what), "create --name env-%zu %s %s %s", i, cases[i].flags,
		         cases[i].image,
		         strcmp(cases[i].image, "probe-img") == 0 ? "env" : "/probe env");
		expect_status(mc(out, sizeof(out), "%s", what), 0, what, out);
		snprintf(what, sizeof(what), "env-%zu", i);
		expect_status(mc(out, sizeof(out), "start -a %s", what), 0, what, out);
		for (size_t j = 0; j < 3 && cases[i].lines[j] != NULL; j++)
			expect_line(out, cases[i].lines[j], cases[i].flags);
		for (size_t j = 0; j < 2 && cases[i].absent[j] != NULL; j++)
			expect_no_line(out, cases[i].absent[j], cases[i].flags);
		if (cases[i].config_env != NULL)
			expect_json(what, ".Config.Env", cases[i].config_env);
	}

	/* Docker's order: PATH, HOSTNAME (replaced where they stand), the rest, HOME last. */
	expect_status(mc(out, sizeof(out), "run --rm -e Z=last -e PATH=/custom busybox /probe env"),
	              0, "run -e PATH=/custom", out);
	if (strcmp(env_line(out, 0, line, sizeof(line)), "PATH=/custom") != 0 ||
	    strncmp(env_line(out, 1, line, sizeof(line)), "HOSTNAME=", 9) != 0 ||
	    strcmp(env_line(out, 2, line, sizeof(line)), "Z=last") != 0 ||
	    strcmp(env_line(out, 3, line, sizeof(line)), "HOME=/root") != 0 ||
	    mc_kv_count(out, "env") != 4)
		fail_msg("the environment is not in Docker's order:\n%s", out);
	/* A terminal adds TERM=xterm, unless -e set one. */
	mc(out, sizeof(out), "run --rm -t busybox /probe env");
	strip_cr(out);
	expect_line(out, "env=TERM=xterm", "run -t");
	mc(out, sizeof(out), "run --rm -t -e TERM=vt100 busybox /probe env");
	strip_cr(out);
	expect_line(out, "env=TERM=vt100", "run -t -e TERM=vt100");
	expect_no_line(out, "env=TERM=xterm", "run -t -e TERM=vt100");

	/* The env file: each line's rule; -e wins, wherever it stands on the command line. */
	write_bytes(tmp_path(file, sizeof(file), "all.env"), env_file_bytes,
	            sizeof(env_file_bytes) - 1);
	expect_status(mc(out, sizeof(out),
	                 "create --name envfile -e 'OVERRIDDEN=by -e' --env-file '%s' busybox "
	                 "/probe env",
	                 file),
	              0, "create --env-file", out);
	expect_status(mc(out, sizeof(out), "start -a envfile"), 0, "start -a envfile", out);
	static const char *const file_lines[] = {
	    "env=BOM=stripped",     "env=LEADING=spaces go",   "env=TRAILING=spaces stay  ",
	    "env=WINDOWS=crlf",     "env=QUOTED=\"kept\"",     "env=EQUALS=a=b=c",
	    "env=EMPTY=",           "env=NOT_A_COMMENT=x # y", "env=FROMHOST=host value",
	    "env=OVERRIDDEN=by -e",
	};
	for (size_t i = 0; i < sizeof(file_lines) / sizeof(file_lines[0]); i++)
		expect_line(out, file_lines[i], "--env-file");
	expect_no_line(out, "env=UNSETHOST", "--env-file");
	expect_no_line(out, "env=OVERRIDDEN=by the file", "--env-file");
	expect_json("envfile", ".Config.Env",
	            "[\"BOM=stripped\", \"LEADING=spaces go\", \"TRAILING=spaces stay  \", "
	            "\"WINDOWS=crlf\", \"QUOTED=\\\"kept\\\"\", \"EQUALS=a=b=c\", \"EMPTY=\", "
	            "\"NOT_A_COMMENT=x # y\", \"FROMHOST=host value\", "
	            "\"OVERRIDDEN=by the file\", \"OVERRIDDEN=by -e\"]");

	/* exec: the daemon's defaults and the record's Env again, then exec's -e. */
	expect_status(mc(out, sizeof(out), "run -d --name envexec -e A=1 busybox sleep 60"), 0,
	              "run -d", out);
	expect_status(mc(out, sizeof(out), "exec -e B=2 -e A envexec /probe env"), 0, "exec", out);
	expect_line(out, "env=B=2", "exec -e B=2");
	expect_line(out, "env=PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
	            "exec");
	expect_no_line(out, "env=A=", "exec -e A (unset here)");

	/* Refused, with Docker's messages. */
	expect_refused(
	    "run --rm -e '' busybox true",
	    "invalid argument \"\" for \"-e, --env\" flag: invalid environment variable: ");
	expect_refused("run --rm -e =x busybox true",
	               "invalid argument \"=x\" for \"-e, --env\" flag: invalid environment "
	               "variable: =x");
	static const struct {
		const char *bytes, *message;
	} bad_files[] = {
	    {"OK=1\nA B=1\n", "variable 'A B' contains whitespaces"},
	    {"OK=1\n\tA\tB=1\n", "variable 'A\tB' contains whitespaces"},
	    {"=value\n", "no variable name on line '=value'"},
	    {"OK=1\nBAD=\xff\xfe\n", "invalid utf8 bytes at line 2: [66 65 68 61 255 254]"},
	};
	for (size_t i = 0; i < sizeof(bad_files) / sizeof(bad_files[0]); i++) {
		char args[PATH_MAX + 64], message[PATH_MAX + 256];

		write_bytes(tmp_path(file, sizeof(file), "bad.env"), bad_files[i].bytes,
		            strlen(bad_files[i].bytes));
		snprintf(args, sizeof(args), "run --rm --env-file '%s' busybox true", file);
		snprintf(message, sizeof(message), "invalid env file (%s): %s", file,
		         bad_files[i].message);
		expect_refused(args, message);
	}
	expect_refused("run --rm --env-file /nonexistent/env busybox true",
	               "open /nonexistent/env: No such file or directory");
	unsetenv("FROMHOST");
}

/* ---- 2. --tmpfs and --mount type=tmpfs ---------------------------------------------------- */

static void test_tmpfs_options(void **state)
{
	static const struct {
		const char *flags;
		const char *on[4];  /* per-mount or filesystem options that must be there */
		const char *off[4]; /* and must not */
		const char *mode;   /* the directory's permissions */
	} cases[] = {
	    /* Docker: noexec,nosuid,nodev; no size limit; the kernel's mode, 1777. */
	    {"--tmpfs /t", {"rw", "nosuid", "nodev", "noexec"}, {"size", "ro"}, "1777"},
	    /* The user's options after Docker's: the last of each kind wins. */
	    {"--tmpfs /t:exec,size=1m,mode=700",
	     {"nosuid", "nodev", "size=1024k", "mode=700"},
	     {"noexec"},
	     "0700"},
	    {"--tmpfs /t:ro,suid", {"ro", "nodev", "noexec"}, {"nosuid"}, "1777"},
	    {"--tmpfs /t:size=1m,size=2m", {"size=2048k", "noexec"}, {"size=1024k"}, "1777"},
	    {"--mount type=tmpfs,target=/t,tmpfs-size=2097152,tmpfs-mode=0750",
	     {"size=2048k", "mode=750", "noexec", "nosuid"},
	     {NULL},
	     "0750"},
	    {"--mount type=tmpfs,dst=/t,readonly", {"ro", "noexec"}, {NULL}, "1777"},
	};
	char out[65536], what[256];
	struct mount_line m;

	(void)state;
	MC_REQUIRE_ROOT();
	MC_REQUIRE_IMAGES();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char all[1024], entry[64];

		snprintf(what, sizeof(what),
		         "run --rm %s busybox sh -c 'cat /proc/self/mountinfo; "
		         "/probe ls /'",
		         cases[i].flags);
		expect_status(mc(out, sizeof(out), "%s", what), 0, what, out);
		if (!find_mount(out, "/t", &m) || strcmp(m.fstype, "tmpfs") != 0)
			fail_msg("%s: no tmpfs on /t:\n%s", cases[i].flags, out);
		snprintf(all, sizeof(all), "%s,%s", m.options, m.super);
		for (size_t j = 0; j < 4 && cases[i].on[j] != NULL; j++)
			if (!has_option(all, cases[i].on[j]))
				fail_msg("%s: no %s in %s", cases[i].flags, cases[i].on[j], all);
		for (size_t j = 0; j < 4 && cases[i].off[j] != NULL; j++) {
			bool prefix = strchr(cases[i].off[j], '=') == NULL &&
			              strcmp(cases[i].off[j], "ro") != 0;

			if (has_option(all, cases[i].off[j]) ||
			    (prefix && strstr(all, cases[i].off[j]) != NULL))
				fail_msg("%s: %s should not be in %s", cases[i].flags,
				         cases[i].off[j], all);
		}
		snprintf(entry, sizeof(entry), "entry=t d %s ", cases[i].mode);
		if (!has_line(out, entry, false))
			fail_msg("%s: /t is not a directory of mode %s:\n%s", cases[i].flags,
			         cases[i].mode, out);
	}
	/* noexec means it: a program copied there cannot run (126). */
	mc(out, sizeof(out),
	   "run --rm --tmpfs /t busybox sh -c 'cp /probe /t/p && /t/p pid'; "
	   "echo status=$?");
	expect_line(out, "status=126", "exec from --tmpfs /t");
	mc(out, sizeof(out), "run --rm --tmpfs /t:exec busybox sh -c 'cp /probe /t/p && /t/p pid'");
	if (!has_line(out, "pid=", false))
		fail_msg("--tmpfs /t:exec: the copied program did not run:\n%s", out);

	expect_refused("run --rm --tmpfs /t:foo busybox true", "Invalid tmpfs option [\"foo\"]");
	expect_refused("run --rm --tmpfs /t:size=1m,bogus=1 busybox true",
	               "Invalid tmpfs option [\"bogus\" \"1\"]");
	expect_refused("run --rm --tmpfs t busybox true",
	               "invalid mount path: 't' mount path must be absolute");
	expect_refused("run --rm --tmpfs / busybox true",
	               "invalid specification: destination can't be '/'");
	expect_refused(
	    "run --rm --mount type=tmpfs,source=/x,target=/t busybox true",
	    "invalid mount config for type \"tmpfs\": field Source must not be specified");
}

/* ---- 3. -v and --mount type=bind ---------------------------------------------------------- */

static void test_bind_mounts(void **state)
{
	char out[16384], dir[PATH_MAX], args[4 * PATH_MAX], rel[2 * PATH_MAX], cwd[PATH_MAX];
	struct stat st;

	(void)state;
	MC_REQUIRE_ROOT();
	MC_REQUIRE_IMAGES();
	tmp_path(dir, sizeof(dir), "binds");
	sh("rm -rf '%s' && mkdir -p '%s/a' '%s/b' && echo from-a > '%s/a/f' && echo from-b > "
	   "'%s/b/f'",
	   dir, dir, dir, dir, dir);

	/* -v creates a missing host directory (mode 0755) ... */
	expect_status(
	    mc(out, sizeof(out), "run --rm -v '%s/made/here':/data busybox /probe ls /data", dir),
	    0, "-v with a missing host directory", out);
	snprintf(args, sizeof(args), "%s/made/here", dir);
	if (stat(args, &st) < 0 || !S_ISDIR(st.st_mode) || (st.st_mode & 07777) != 0755)
		fail_msg("-v did not create %s as a directory of mode 0755", args);
	/* ... --mount refuses it, before any container exists. */
	snprintf(args, sizeof(args),
	         "run --rm --mount type=bind,source='%s/absent',target=/data "
	         "busybox true",
	         dir);
	snprintf(
	    rel, sizeof(rel),
	    "invalid mount config for type \"bind\": bind source path does not exist: %s/absent",
	    dir);
	expect_refused(args, rel);
	snprintf(args, sizeof(args), "%s/absent", dir);
	if (access(args, F_OK) == 0)
		fail_msg("--mount created %s", args);

	/* A host path starting with "." is the caller's working directory's. */
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	snprintf(rel, sizeof(rel), ".");
	for (const char *p = cwd; *p != '\0'; p++)
		if (*p == '/' && p[1] != '\0')
			strcat(rel, "/..");
	expect_status(mc(out, sizeof(out),
	                 "run --name relative -v '%s%s/a':/data busybox cat "
	                 "/data/f",
	                 rel, dir),
	              0, "-v ./relative", out);
	expect_line(out, "from-a", "-v ./relative");
	snprintf(args, sizeof(args), "[\"%s/a:/data\"]", dir);
	expect_json("relative", ".HostConfig.Binds", args);
	/* A source that is no path names a volume (tests/mc_volumes.c): one with a bad name. */
	expect_refused("run --rm -v 'rel@tive:/data' busybox true",
	               "includes invalid characters for a local volume name");

	/* The options: ro, rw, z (no SELinux here: nothing to relabel), Z, nocopy ... */
	static const struct {
		const char *mode;
		int status; /* of writing into the mount */
	} modes[] = {{"", 0}, {":rw", 0}, {":ro", 1}, {":z", 0}, {":Z,ro", 1}, {":ro,rprivate", 1}};
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		int status =
		    mc(out, sizeof(out), "run --rm -v '%s/b':/data%s busybox touch /data/x", dir,
		       modes[i].mode);

		if (status != modes[i].status)
			fail_msg("-v DIR:/data%s: touch exited %d, expected %d:\n%s", modes[i].mode,
			         status, modes[i].status, out);
	}
	snprintf(args, sizeof(args), "run --rm -v '%s/b':/data:ro,rw busybox true", dir);
	expect_refused(args, "invalid mode: ro,rw");
	snprintf(args, sizeof(args), "run --rm -v '%s/b':/data:bogus busybox true", dir);
	expect_refused(args, "invalid mode: bogus");
	expect_refused("run --rm -v /data:rw busybox true",
	               "invalid volume specification: '/data:rw'");
	snprintf(args, sizeof(args), "run --rm -v '%s/b':/data:nocopy busybox true", dir);
	expect_refused(args, "field VolumeOptions must not be specified");
	snprintf(args, sizeof(args), "run --rm -v '%s/b':data busybox true", dir);
	expect_refused(args, "invalid mount path: 'data' mount path must be absolute");
	snprintf(args, sizeof(args), "run --rm -v '%s/b':/ busybox true", dir);
	expect_refused(args, "invalid specification: destination can't be '/'");

	/* Two mounts on one place: refused, however they are spelled. */
	snprintf(args, sizeof(args), "run --rm -v '%s/a':/data -v '%s/b':/data/ busybox true", dir,
	         dir);
	expect_refused(args, "Duplicate mount point: /data");
	snprintf(args, sizeof(args), "run --rm -v '%s/a':/data --tmpfs /data busybox true", dir);
	expect_refused(args, "Duplicate mount point: /data");
	snprintf(args, sizeof(args),
	         "run --rm -v '%s/a':/data --mount type=bind,src='%s/b',dst=/data busybox true",
	         dir, dir);
	expect_refused(args, "Duplicate mount point: /data");

	/* Mounted by depth, not in the command line's order: /x/y stays visible under /x. */
	expect_status(mc(out, sizeof(out),
	                 "run --rm -v '%s/a':/x/y -v '%s/b':/x busybox sh -c 'cat /x/y/f /x/f'",
	                 dir, dir),
	              0, "nested mounts", out);
	if (strcmp(out, "from-a\nfrom-b\n") != 0)
		fail_msg("-v A:/x/y -v B:/x: expected from-a and from-b, got:\n%s", out);
}

/* ---- 4. /dev --------------------------------------------------------------------------------- */

static void test_dev_files_and_mounts(void **state)
{
	/* runc's default devices and links, moby's /dev mounts (oci.DefaultLinuxSpec). */
	static const char *const entries[] = {
	    "entry=fd l 0777 0:0 0:0 13 /proc/self/fd",
	    "entry=full c 0666 0:0 1:7 0",
	    "entry=mqueue d 1777 0:0 0:0 ",
	    "entry=null c 0666 0:0 1:3 0",
	    "entry=ptmx l 0777 0:0 0:0 8 pts/ptmx",
	    "entry=pts d 0755 0:0 0:0 ",
	    "entry=random c 0666 0:0 1:8 0",
	    "entry=shm d 1777 0:0 0:0 ",
	    "entry=stderr l 0777 0:0 0:0 15 /proc/self/fd/2",
	    "entry=stdin l 0777 0:0 0:0 15 /proc/self/fd/0",
	    "entry=stdout l 0777 0:0 0:0 15 /proc/self/fd/1",
	    "entry=tty c 0666 0:0 5:0 0",
	    "entry=urandom c 0666 0:0 1:9 0",
	    "entry=zero c 0666 0:0 1:5 0",
	};
	static const struct {
		const char *point, *fstype, *source, *options[4], *super[3];
	} mounts[] = {
	    {"/dev", "tmpfs", "tmpfs", {"rw", "nosuid"}, {"size=65536k", "mode=755"}},
	    {"/dev/pts",
	     "devpts",
	     "devpts",
	     {"rw", "nosuid", "noexec"},
	     {"gid=5", "mode=620", "ptmxmode=666"}},
	    {"/dev/shm", "tmpfs", "shm", {"rw", "nosuid", "nodev", "noexec"}, {"size=65536k"}},
	    {"/dev/mqueue", "mqueue", "mqueue", {"rw", "nosuid", "nodev", "noexec"}, {NULL}},
	};
	static const char *const bound[] = {"null",    "zero", "full", "random",
	                                    "urandom", "tty",  NULL};
	char out[65536], value[256];
	struct mount_line m;
	int expected;
	bool kcore;

	(void)state;
	MC_REQUIRE_ROOT();
	MC_REQUIRE_IMAGES();
	expect_status(mc(out, sizeof(out),
	                 "run --rm busybox sh -c '/probe ls /dev; /probe exists "
	                 "/proc/kcore; cat /proc/self/mountinfo'"),
	              0, "ls /dev", out);
	for (size_t i = 0; i < sizeof(entries) / sizeof(entries[0]); i++)
		if (!has_line(out, entries[i], false))
			fail_msg("/dev: no \"%s\" in:\n%s", entries[i], out);
	/* /dev/core is there exactly when the kernel has a /proc/kcore (runc's rule). */
	kcore = strcmp(probe_value(out, "exists", value, sizeof(value)), "1") == 0;
	if (has_line(out, "entry=core l 0777 0:0 0:0 11 /proc/kcore", true) != kcore)
		fail_msg("/dev/core %s, /proc/kcore %s", kcore ? "missing" : "there",
		         kcore ? "there" : "missing");
	expected = (int)(sizeof(entries) / sizeof(entries[0])) + kcore;
	snprintf(value, sizeof(value), "entry_count=%d", expected);
	expect_line(out, value, "the number of entries in /dev (no console without -t)");
	for (size_t i = 0; i < sizeof(mounts) / sizeof(mounts[0]); i++) {
		if (!find_mount(out, mounts[i].point, &m) ||
		    strcmp(m.fstype, mounts[i].fstype) != 0 ||
		    strcmp(m.source, mounts[i].source) != 0)
			fail_msg("%s: not %s from \"%s\":\n%s", mounts[i].point, mounts[i].fstype,
			         mounts[i].source, out);
		for (size_t j = 0; j < 4 && mounts[i].options[j] != NULL; j++)
			if (!has_option(m.options, mounts[i].options[j]))
				fail_msg("%s: no %s in %s", mounts[i].point, mounts[i].options[j],
				         m.options);
		for (size_t j = 0; j < 3 && mounts[i].super[j] != NULL; j++)
			if (!has_option(m.super, mounts[i].super[j]))
				fail_msg("%s: no %s in %s", mounts[i].point, mounts[i].super[j],
				         m.super);
	}
	/* Where we differ, by design (chapter 01): the six nodes are the host's, bound. */
	for (const char *const *node = bound; *node != NULL; node++) {
		char point[32];

		snprintf(point, sizeof(point), "/dev/%s", *node);
		if (!find_mount(out, point, &m))
			fail_msg("%s is no bind mount of the host's node:\n%s", point, out);
	}
	if (find_mount(out, "/dev/console", &m))
		fail_msg("a /dev/console without -t:\n%s", out);

	/* With -t: /dev/console is the container's terminal, bound from its devpts. */
	mc(out, sizeof(out),
	   "run --rm -t busybox sh -c '/probe ls /dev; cat /proc/self/mountinfo'");
	strip_cr(out);
	if (!has_line(out, "entry=console c 0620 0:5 136:", false))
		fail_msg("-t: /dev/console is not a terminal of group tty, mode 0620:\n%s", out);
	if (!find_mount(out, "/dev/console", &m) || strcmp(m.fstype, "devpts") != 0)
		fail_msg("-t: /dev/console is not mounted from the devpts:\n%s", out);
	snprintf(value, sizeof(value), "entry_count=%d", expected + 1);
	expect_line(out, value, "the number of entries in /dev with -t");
}

/* ---- 5. /etc/hostname, /etc/hosts, /etc/resolv.conf by network ------------------------------ */

/*
 * libnetwork's resolvconf: a header, the host file's nameserver, search and
 * options lines (and the lines it does not know, as they were), and a
 * summary.  Checked line by line against the host's file.
 */
static void expect_resolv_conf(const char *got, const char *host_path, const char *what)
{
	static const char header[] =
	    "# Generated by Docker Engine.\n"
	    "# This file can be edited; Docker Engine will not make further changes once it\n"
	    "# has been modified.\n\n";
	char host[16384], copy[16384], line[1100], *save = NULL;

	read_text(host_path, host, sizeof(host));
	if (strncmp(got, header, sizeof(header) - 1) != 0)
		fail_msg("%s: resolv.conf does not start with Docker's header:\n%s", what, got);
	/* moby names the file it read - and none, when the host has none. */
	snprintf(line, sizeof(line), "\n# Based on host file: '%s'\n",
	         access(host_path, F_OK) == 0 ? host_path : "");
	expect_text(got, line, what);
	expect_text(got, "# Overrides: []\n", what);
	snprintf(copy, sizeof(copy), "%s", host);
	for (char *l = strtok_r(copy, "\n", &save); l != NULL; l = strtok_r(NULL, "\n", &save)) {
		char word[64], rest[1024];

		if (sscanf(l, "%63s %1023[^\n]", word, rest) < 1 || word[0] == '#' ||
		    word[0] == ';')
			continue;
		if (strcmp(word, "nameserver") == 0 && sscanf(l, "%*s %1023s", rest) == 1)
			snprintf(line, sizeof(line), "nameserver %s", rest);
		else if (strcmp(word, "options") != 0 && strcmp(word, "search") != 0)
			snprintf(line, sizeof(line), "%s", l);
		else
			continue;
		expect_line(got, line, what);
	}
}

/*
 * The host file a container with a network of its own gets: systemd-resolved's
 * own list when 127.0.0.53, its stub, is the host's only nameserver.
 */
static const char *resolv_conf_source(void)
{
	char text[16384], *save = NULL;
	int stubs = 0, others = 0;

	read_text("/etc/resolv.conf", text, sizeof(text));
	for (char *l = strtok_r(text, "\n", &save); l != NULL; l = strtok_r(NULL, "\n", &save)) {
		char word[32], addr[64];

		if (sscanf(l, "%31s %63s", word, addr) == 2 && strcmp(word, "nameserver") == 0)
			*(strcmp(addr, "127.0.0.53") == 0 ? &stubs : &others) += 1;
	}
	return stubs == 1 && others == 0 ? "/run/systemd/resolve/resolv.conf" : "/etc/resolv.conf";
}

/* This test program's hostname, the host's. */
static const char *host_name(char *buf, size_t size)
{
	if (gethostname(buf, size) < 0)
		fail_msg("gethostname: %s", strerror(errno));
	return buf;
}

static void test_etc_files_by_network(void **state)
{
	char out[65536], hosts[65536], expected[PATH_MAX + 64], name[256], config[256], ipv6[4096];
	char dir[PATH_MAX];

	(void)state;
	MC_REQUIRE_ROOT();
	MC_REQUIRE_IMAGES();

	/* --network none: the hostname is the id's start; hosts has no line for it. */
	expect_status(mc(out, sizeof(out),
	                 "run --name netnone --network none busybox sh -c "
	                 "'cat /etc/hostname; hostname'"),
	              0, "--network none", out);
	inspect("netnone", "{{.Config.Hostname}} {{.Id}}", config, sizeof(config));
	snprintf(expected, sizeof(expected), "%.12s\n%.12s\n", config, config);
	if (strlen(config) != 12 + 1 + 64 || strncmp(config, config + 13, 12) != 0 ||
	    strcmp(out, expected) != 0)
		fail_msg("--network none: hostname and record disagree: %s / %s", config, out);
	expect_status(mc(hosts, sizeof(hosts), "run --rm --network none busybox cat /etc/hosts"), 0,
	              "cat /etc/hosts", hosts);
	/* IPv6's names exactly when the container's loopback has ::1. */
	mc(ipv6, sizeof(ipv6), "run --rm --network none busybox cat /proc/net/if_inet6");
	snprintf(expected, sizeof(expected), "127.0.0.1\tlocalhost\n%s",
	         strstr(ipv6, "00000000000000000000000000000001") != NULL
	             ? "::1\tlocalhost ip6-localhost ip6-loopback\nfe00::\tip6-localnet\n"
	               "ff00::\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n"
	             : "");
	if (strcmp(hosts, expected) != 0)
		fail_msg("--network none: /etc/hosts is\n%s\nexpected\n%s", hosts, expected);
	expect_status(mc(out, sizeof(out), "run --rm --network none busybox cat /etc/resolv.conf"),
	              0, "cat /etc/resolv.conf", out);
	expect_resolv_conf(out, resolv_conf_source(), "--network none");

	/* --network host: the host's name, a copy of its hosts file. */
	expect_status(mc(out, sizeof(out),
	                 "run --name nethost --network host busybox sh -c "
	                 "'cat /etc/hostname; hostname'"),
	              0, "--network host", out);
	host_name(name, sizeof(name));
	snprintf(expected, sizeof(expected), "%s\n%s\n", name, name);
	if (strcmp(out, expected) != 0)
		fail_msg("--network host: hostname %s, expected the host's, %s", out, name);
	inspect("nethost", "{{.Config.Hostname}}", config, sizeof(config));
	if (strcmp(config, name) != 0)
		fail_msg("--network host: Config.Hostname %s, expected %s", config, name);
	expect_status(mc(out, sizeof(out), "run --rm --network host busybox cat /etc/hosts"), 0,
	              "cat /etc/hosts", out);
	read_text("/etc/hosts", hosts, sizeof(hosts));
	if (strcmp(out, hosts) != 0)
		fail_msg("--network host: /etc/hosts is not the host's:\n%s", out);
	expect_status(mc(out, sizeof(out), "run --rm --network host busybox cat /etc/resolv.conf"),
	              0, "cat /etc/resolv.conf", out);
	expect_resolv_conf(out, "/etc/resolv.conf", "--network host");

	/* Over a user's /etc; replaced by a user's /etc/hosts; read-only with --read-only. */
	tmp_path(dir, sizeof(dir), "etc");
	sh("rm -rf '%s' && mkdir -p '%s/etc' && echo users-own > '%s/hosts'", dir, dir, dir);
	expect_status(mc(out, sizeof(out),
	                 "run --name etcdir -v '%s/etc':/etc busybox sh -c 'cat /etc/hostname'",
	                 dir),
	              0, "-v DIR:/etc", out);
	inspect("etcdir", "{{.Config.Hostname}}", config, sizeof(config));
	snprintf(expected, sizeof(expected), "%s\n", config);
	if (strcmp(out, expected) != 0)
		fail_msg("-v DIR:/etc hid Docker's /etc/hostname:\n%s", out);
	snprintf(expected, sizeof(expected), "%s/etc/hostname", dir);
	if (access(expected, F_OK) != 0)
		fail_msg("-v DIR:/etc: no mount point %s", expected);
	expect_status(
	    mc(out, sizeof(out), "run --rm -v '%s/hosts':/etc/hosts busybox cat /etc/hosts", dir),
	    0, "-v FILE:/etc/hosts", out);
	if (strcmp(out, "users-own\n") != 0)
		fail_msg("-v FILE:/etc/hosts: the container sees\n%s", out);
	static const char write_hosts[] = "busybox sh -c 'echo >> /etc/hosts'";
	expect_status(mc(out, sizeof(out), "run --rm %s", write_hosts), 0, "/etc/hosts writable",
	              out);
	expect_status(mc(out, sizeof(out), "run --rm --read-only %s", write_hosts), 1,
	              "/etc/hosts read-only with --read-only", out);

	/*
	 * --network bridge (chapter 05, on its way): moby adds "IP<TAB>hostname"
	 * after localhost's lines and takes loopback nameservers out
	 * (TransformForLegacyNw: "(legacy)").  These checks, and the user
	 * network's below, run as soon as this minicontainer has the networks.
	 */
	if (mc(out, sizeof(out), "run --rm --network bridge busybox true") == 0) {
		char ip[64] = "";

		expect_status(
		    mc(out, sizeof(out),
		       "run --rm --network bridge -h bridged busybox sh -c 'cat /etc/hosts; "
		       "ip -4 -o addr show eth0'"),
		    0, "--network bridge", out);
		if (sscanf(strstr(out, "inet ") ? strstr(out, "inet ") : "", "inet %63[0-9.]",
		           ip) != 1)
			fail_msg("--network bridge: no address on eth0:\n%s", out);
		snprintf(expected, sizeof(expected), "%s\tbridged", ip);
		expect_line(out, expected, "--network bridge: the container's own line");
		expect_status(
		    mc(out, sizeof(out), "run --rm --network bridge busybox cat /etc/resolv.conf"),
		    0, "--network bridge: resolv.conf", out);
		expect_text(out, "# Based on host file: '/etc/resolv.conf' (legacy)", "bridge");
		expect_no_line(out, "nameserver 127.", "--network bridge");
	}
	/*
	 * A user-defined network (chapter 05 too).  Docker points resolv.conf at
	 * its embedded DNS server, 127.0.0.11, which lives in its daemon; this
	 * minicontainer has no daemon and lists a network's containers in each
	 * other's /etc/hosts instead (chapter 05's README).  So resolv.conf is the
	 * default network's ("legacy": nobody serves DNS inside the namespace),
	 * and /etc/hosts is Docker's with the peers after a marker line.
	 */
	if (mc(out, sizeof(out), "network create semnet") == 0) {
		int status = mc(out, sizeof(out),
		                "run --rm --network semnet -h semhost busybox sh -c "
		                "'cat /etc/resolv.conf /etc/hosts'");

		mc(hosts, sizeof(hosts), "network rm semnet");
		expect_status(status, 0, "--network semnet", out);
		expect_no_line(out, "nameserver 127.", "a user-defined network");
		expect_text(out, "# Based on host file: '/etc/resolv.conf' (legacy)",
		            "a user-defined network");
		expect_text(out, "127.0.0.1\tlocalhost\n", "a user-defined network's hosts");
		expect_text(out, "\tsemhost\n", "a user-defined network's hosts");
	}
}

/* ---- 6. the cgroup namespace ------------------------------------------------------------- */

static void test_cgroup_namespace(void **state)
{
	char out[16384], id[128], mode[32], host_ns[64], value[512];
	bool v2 = access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0;
	ssize_t n;

	(void)state;
	MC_REQUIRE_ROOT();
	MC_REQUIRE_IMAGES();
	n = readlink("/proc/self/ns/cgroup", host_ns, sizeof(host_ns) - 1);
	assert_true(n > 0);
	host_ns[n] = '\0';
	/* Docker's daemon: private on a cgroup v2 host, the host's on v1 (and hybrid). */
	static const char *const flags[] = {"", "--cgroupns private", "--cgroupns host"};
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		const char *want = i == 0 ? (v2 ? "private" : "host") : flags[i] + 11;
		char name[32], ns_line[96];

		snprintf(name, sizeof(name), "cgns-%zu", i);
		expect_status(mc(out, sizeof(out),
		                 "run --name %s %s busybox sh -c '/probe cgroup; "
		                 "/probe ns'",
		                 name, flags[i]),
		              0, flags[i], out);
		inspect(name, "{{.HostConfig.CgroupnsMode}} {{.Id}}", id, sizeof(id));
		snprintf(mode, sizeof(mode), "%s ", want);
		if (strncmp(id, mode, strlen(mode)) != 0)
			fail_msg("%s: CgroupnsMode %s, expected %s", flags[i], id, want);
		snprintf(ns_line, sizeof(ns_line), "ns_cgroup=%s", strchr(host_ns, '[') + 1);
		ns_line[strlen(ns_line) - 1] = '\0';
		if (has_line(out, ns_line, true) != (strcmp(want, "host") == 0))
			fail_msg("%s: the cgroup namespace is %s the host's:\n%s", flags[i],
			         strcmp(want, "host") == 0 ? "not" : "still", out);
		/* /proc/self/cgroup: "/" from inside a private one, the full path from the host's. */
		for (int k = 0; mc_kv(out, "cgroup", k, value, sizeof(value)); k++) {
			const char *path = strrchr(value, ':') + 1;
			bool ours = strstr(path, strchr(id, ' ') + 1) != NULL;

			if (!v2 && strncmp(value, "0::", 3) == 0)
				continue; /* v1: the unified hierarchy holds no container */
			if (strstr(value, "name=systemd") != NULL ||
			    strstr(value, ":cpuset:") != NULL)
				continue; /* hierarchies we make no cgroup in */
			if (strcmp(want, "private") == 0 ? strcmp(path, "/") != 0 : !ours)
				fail_msg("%s: /proc/self/cgroup says %s", flags[i], value);
		}
	}
	expect_refused("run --rm --cgroupns nosuch busybox true",
	               "invalid argument \"nosuch\" for \"--cgroupns\" flag: invalid CGROUP mode");
}

/* ---- 7. --init --------------------------------------------------------------------------------- */

static void test_init(void **state)
{
	char out[16384], value[64];

	(void)state;
	MC_REQUIRE_ROOT();
	MC_REQUIRE_IMAGES();
	/* The command is PID 2, the init's child; PID 1 is the init. */
	expect_status(mc(out, sizeof(out), "run --name init --init busybox /probe pid"), 0,
	              "run --init", out);
	expect_line(out, "pid=2", "--init");
	expect_line(out, "ppid=1", "--init");
	/* Ours is chapter 01's init, in minicontainer itself; Docker's is tini, "docker-init". */
	expect_status(mc(out, sizeof(out), "run --rm --init busybox cat /proc/1/comm"), 0,
	              "PID 1's name", out);
	expect_text(out, "minicont", "--init: PID 1 is minicontainer's init");
	inspect("init", "{{.HostConfig.Init}}", value, sizeof(value));
	if (strcmp(value, "true") != 0)
		fail_msg("HostConfig.Init is %s", value);
	/* Without: the command is PID 1, and ignores SIGTERM it has no handler for. */
	expect_status(mc(out, sizeof(out), "run --rm busybox sh -c 'kill -TERM $$; echo survived'"),
	              0, "PID 1 and SIGTERM", out);
	expect_line(out, "survived", "PID 1 ignores SIGTERM");
	/* With: the signal's default action, 128+15; exit codes pass through. */
	expect_status(mc(out, sizeof(out), "run --rm --init busybox sh -c 'kill -TERM $$; echo x'"),
	              143, "--init and SIGTERM", out);
	expect_status(mc(out, sizeof(out), "run --rm --init busybox sh -c 'exit 7'"), 7,
	              "--init: the exit code", out);
	/* stop: the init passes the stop signal on to the command. */
	expect_status(mc(out, sizeof(out), "run -d --name initstop --init busybox /probe sleep 60"),
	              0, "run -d --init", out);
	expect_status(mc(out, sizeof(out), "stop -t 30 initstop"), 0, "stop", out);
	inspect("initstop", "{{.State.ExitCode}}", value, sizeof(value));
	if (strcmp(value, "143") != 0)
		fail_msg("--init: stop ended with %s, expected 143 (SIGTERM, passed on)", value);
	/* Orphans are reaped: no zombie after the orphan's exit. */
	expect_status(mc(out, sizeof(out),
	                 "run --rm --init busybox sh -c '(sleep 0.1 &); sleep 1; ps -o stat,comm'"),
	              0, "--init reaps", out);
	if (strstr(out, "\nZ") != NULL)
		fail_msg("--init left a zombie:\n%s", out);
}

/* ---- 8. labels ------------------------------------------------------------------------------- */

static void test_labels(void **state)
{
	char out[16384], file[PATH_MAX], tar[PATH_MAX], args[2 * PATH_MAX];

	(void)state;
	MC_REQUIRE_ROOT();
	MC_REQUIRE_IMAGES();
	expect_status(mc(out, sizeof(out),
	                 "import --change 'LABEL a=image b=image' '%s' labelled:latest",
	                 tmp_path(tar, sizeof(tar), "busybox.tar")),
	              0, "import with labels", out);
	expect_json("labelled", ".Config.Labels", "{\"a\": \"image\", \"b\": \"image\"}");
	/* Label files first, then every --label; yours over the image's; "KEY" alone is "". */
	static const char labels[] = "# labels\nfile=1\nb=file\nc=file\nbare\n";

	write_bytes(tmp_path(file, sizeof(file), "labels"), labels, sizeof(labels) - 1);
	snprintf(args, sizeof(args),
	         "create --name labels --label c=cli --label-file '%s' --label d --label e= "
	         "--label 'f=x=y' labelled true",
	         file);
	expect_status(mc(out, sizeof(out), "%s", args), 0, "create with labels", out);
	expect_json("labels", ".Config.Labels",
	            "{\"a\": \"image\", \"b\": \"file\", \"c\": \"cli\", \"d\": \"\", \"e\": \"\", "
	            "\"f\": \"x=y\", \"file\": \"1\"}");
	expect_refused("create --label =x busybox true",
	               "invalid argument \"=x\" for \"-l, --label\" flag: invalid label '=x': "
	               "empty name");
	expect_refused("create --label 'a b=1' busybox true", "label 'a b' contains whitespaces");
}

/* ---- 9. --stop-signal, STOPSIGNAL, --stop-timeout ------------------------------------------ */

static void test_stop_signal_and_timeout(void **state)
{
	/* The shell tells which signal stopped it: 11 USR1, 12 INT, 13 TERM. */
	static const char script[] = "sh -c 'trap \"exit 11\" USR1; trap \"exit 12\" INT; "
	                             "trap \"exit 13\" TERM; while :; do sleep 1; done'";
	static const struct {
		const char *flags, *image, *signal, *code;
	} cases[] = {
	    {"", "busybox", "", "13"},                           /* SIGTERM */
	    {"", "stopsig", "SIGUSR1", "11"},                    /* the image's STOPSIGNAL */
	    {"--stop-signal SIGINT", "stopsig", "SIGINT", "12"}, /* over the image's */
	    {"--stop-signal 10", "busybox", "10", "11"},         /* a number */
	};
	char out[16384], tar[PATH_MAX], value[64], name[32];
	const char *signal;
	json_t *config;

	(void)state;
	MC_REQUIRE_ROOT();
	MC_REQUIRE_IMAGES();
	expect_status(mc(out, sizeof(out),
	                 "import --change 'STOPSIGNAL SIGUSR1' '%s' stopsig:latest",
	                 tmp_path(tar, sizeof(tar), "busybox.tar")),
	              0, "import with STOPSIGNAL", out);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(name, sizeof(name), "stop-%zu", i);
		expect_status(mc(out, sizeof(out), "run -d --name %s %s %s %s", name,
		                 cases[i].flags, cases[i].image, script),
		              0, cases[i].flags, out);
		config = inspect_json(name, ".Config");
		signal = json_string_value(json_object_get(config, "StopSignal")) ?: "";
		if (strcmp(signal, cases[i].signal) != 0)
			fail_msg("%s: Config.StopSignal %s, expected %s", cases[i].flags, signal,
			         cases[i].signal);
		json_decref(config);
		expect_status(mc(out, sizeof(out), "stop %s", name), 0, "stop", out);
		inspect(name, "{{.State.ExitCode}}", value, sizeof(value));
		if (strcmp(value, cases[i].code) != 0)
			fail_msg("%s %s: stopped with %s, expected %s", cases[i].flags,
			         cases[i].image, value, cases[i].code);
	}
	/* --stop-timeout: recorded (-1: wait for ever), and how long stop waits before SIGKILL. */
	expect_status(mc(out, sizeof(out),
	                 "run -d --name patient --stop-timeout 1 busybox /probe "
	                 "sleep 60"),
	              0, "--stop-timeout 1", out);
	inspect("patient", "{{.Config.StopTimeout}}", value, sizeof(value));
	if (strcmp(value, "1") != 0)
		fail_msg("Config.StopTimeout %s, expected 1", value);
	/* PID 1 ignores SIGTERM: the timeout runs out and SIGKILL ends it, 137. */
	expect_status(mc(out, sizeof(out), "stop patient"), 0, "stop", out);
	inspect("patient", "{{.State.ExitCode}}", value, sizeof(value));
	if (strcmp(value, "137") != 0)
		fail_msg("--stop-timeout 1: stop ended it with %s, expected 137", value);
	expect_status(mc(out, sizeof(out), "create --name forever --stop-timeout -1 busybox true"),
	              0, "--stop-timeout -1", out);
	inspect("forever", "{{.Config.StopTimeout}}", value, sizeof(value));
	if (strcmp(value, "-1") != 0)
		fail_msg("--stop-timeout -1: Config.StopTimeout is %s", value);
	expect_status(mc(out, sizeof(out), "create --name unset busybox true"), 0, "create", out);
	config = inspect_json("unset", ".Config");
	if (json_object_get(config, "StopTimeout") != NULL)
		fail_msg("no --stop-timeout: Config.StopTimeout should not be there");
	json_decref(config);
	expect_refused("run --rm --stop-signal NOSUCH busybox true", "invalid signal: NOSUCH");
}

/* ---- 10. --user and --group-add ---------------------------------------------------------------- */

static void test_user_and_groups(void **state)
{
	/* The image "users": alice (1000) in staff and audio, bob (1001) in staff. */
	static const char changes[] =
	    "printf "
	    "'alice:x:1000:1000:Alice:/home/alice:/bin/sh\\nbob:x:1001:1001::/home/bob:/bin/sh\\n'"
	    " >> etc/passwd && printf 'alice:x:1000:\\nbob:x:1001:\\nstaff:x:50:alice,bob\\n"
	    "audio:x:29:alice\\n' >> etc/group";
	static const struct {
		const char *flags, *uid, *gid, *groups, *home; /* groups: sorted, as getgroups() */
	} cases[] = {
	    {"", "0", "0", "0", "/root"},
	    {"-u alice", "1000", "1000", "29,50,1000", "/home/alice"},
	    {"-u 1000", "1000", "1000", "29,50,1000", "/home/alice"}, /* an id finds its entry */
	    {"-u alice:staff", "1000", "50", "50", "/home/alice"},    /* a group: no others */
	    {"-u alice:29", "1000", "29", "29", "/home/alice"},
	    {"-u 1234", "1234", "0", "0", "/"}, /* no entry: gid 0, home / */
	    {"-u 1234:5678", "1234", "5678", "5678", "/"},
	    {"-u bob --group-add audio --group-add 4242", "1001", "1001", "29,50,1001,4242",
	     "/home/bob"},
	    {"--group-add staff", "0", "0", "0,50", "/root"},
	};
	static const struct {
		const char *flags, *message;
	} refused[] = {
	    {"-u nosuch", "unable to find user nosuch: no matching entries in passwd file"},
	    {"-u alice:nosuch", "unable to find group nosuch: no matching entries in group file"},
	    {"--group-add nosuch", "Unable to find group nosuch"},
	};
	char out[16384], what[256], line[64];

	(void)state;
	MC_REQUIRE_ROOT();
	MC_REQUIRE_IMAGES();
	import_variant("users", changes);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(what, sizeof(what),
		         "run --rm %s users sh -c '/probe ids; /probe groups; /probe env'",
		         cases[i].flags);
		expect_status(mc(out, sizeof(out), "%s", what), 0, what, out);
		snprintf(line, sizeof(line), "uid=%s", cases[i].uid);
		expect_line(out, line, what);
		snprintf(line, sizeof(line), "gid=%s", cases[i].gid);
		expect_line(out, line, what);
		snprintf(line, sizeof(line), "groups=%s", cases[i].groups);
		expect_line(out, line, what);
		snprintf(line, sizeof(line), "env=HOME=%s", cases[i].home);
		expect_line(out, line, what);
	}
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		snprintf(what, sizeof(what), "run --rm %s users true", refused[i].flags);
		expect_refused(what, refused[i].message);
	}
}

const struct CMUnitTest mc_semantics_tests[] = {
    cmocka_unit_test_teardown(test_env_semantics, remove_containers),
    cmocka_unit_test_teardown(test_tmpfs_options, remove_containers),
    cmocka_unit_test_teardown(test_bind_mounts, remove_containers),
    cmocka_unit_test_teardown(test_dev_files_and_mounts, remove_containers),
    cmocka_unit_test_teardown(test_etc_files_by_network, remove_containers),
    cmocka_unit_test_teardown(test_cgroup_namespace, remove_containers),
    cmocka_unit_test_teardown(test_init, remove_containers),
    cmocka_unit_test_teardown(test_labels, remove_containers),
    cmocka_unit_test_teardown(test_stop_signal_and_timeout, remove_containers),
    cmocka_unit_test_teardown(test_user_and_groups, remove_containers),
};
const size_t mc_semantics_count = sizeof(mc_semantics_tests) / sizeof(mc_semantics_tests[0]);
