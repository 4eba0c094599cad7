/*
 * version.c - `minicontainer version` and `minicontainer info`.
 *
 * Docker's version has two halves: the client's and the daemon's ("Server").
 * minicontainer is daemonless - every command does its work itself, in the
 * process you started (plus one small monitor per running container) - so
 * there is no server to ask, and `version` says so instead of printing an
 * empty Server section.  What it reports instead are the facts that make
 * this build what it is: the version, the commit, the kernel it runs on and
 * the libraries it is linked with.
 *
 * `info` reports what Docker's daemon would: the containers by state, the
 * images, the storage driver (overlayfs, chapter 03) and the filesystem
 * under it, the cgroup driver and version (chapter 02), security options,
 * the host - all read from $MC_ROOT and the kernel just now.  Both take
 * --format with Go templates over the same JSON fields Docker's have.
 */
#define _GNU_SOURCE
#include <archive.h>
#include <ctype.h>
#include <dirent.h>
#include <gnu/libc-version.h>
#include <jansson.h>
#include <linux/magic.h>
#include <openssl/crypto.h>
#include <seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "cg_cgroups.h"
#include "mc.h"
#include "mc_build.h" /* MC_VERSION, MC_GIT_COMMIT, MC_BUILT, MC_LIBCAP_VERSION: the Makefile's */
#include "mc_container.h"

/* Linked only when the registry code is (chapter 04's pull): then its version is reported. */
extern char *curl_version(void) __attribute__((weak));

struct format_opts {
	const char *format;
};

static const struct mc_option format_options[] = {
    {"format", 'f', "string",
     "Format output using a custom template: 'json': Print in JSON format; 'TEMPLATE': Print "
     "output using the given Go template",
     mc_opt_string, offsetof(struct format_opts, format)},
    {NULL, 0, NULL, NULL, NULL, 0},
};

const struct mc_command mc_cmd_version = {
    .name = "version",
    .usage = "[OPTIONS]",
    .summary = "Show the minicontainer version information",
    .options = format_options,
    .min_args = 0,
    .max_args = 0,
};

const struct mc_command mc_cmd_info = {
    .name = "info",
    .usage = "[OPTIONS]",
    .summary = "Display system-wide information",
    .options = format_options,
    .min_args = 0,
    .max_args = 0,
};

/* Go's GOARCH for uname's machine: "x86_64" -> "amd64". */
static const char *go_arch(const char *machine)
{
	static const char *const names[][2] = {
	    {"x86_64", "amd64"}, {"aarch64", "arm64"},   {"i686", "386"},    {"i386", "386"},
	    {"armv7l", "arm"},   {"ppc64le", "ppc64le"}, {"s390x", "s390x"}, {"riscv64", "riscv64"},
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(names[i][0], machine) == 0)
			return names[i][1];
	return machine;
}

static json_t *library(const char *name, const char *version)
{
	return json_pack("{s:s, s:s}", "Name", name, "Version", version);
}

/* The libraries this binary runs with (their own word for it, where they have one). */
static json_t *libraries(void)
{
	const struct scmp_version *sv = seccomp_version();
	json_t *libs = json_array();
	char seccomp[32];

	snprintf(seccomp, sizeof(seccomp), "%u.%u.%u", sv ? sv->major : 0, sv ? sv->minor : 0,
	         sv ? sv->micro : 0);
	json_array_append_new(libs, library("glibc", gnu_get_libc_version()));
	json_array_append_new(libs, library("libseccomp", seccomp));
	json_array_append_new(libs, library("libcap", MC_LIBCAP_VERSION));
	json_array_append_new(libs, library("jansson", jansson_version_str()));
	json_array_append_new(
	    libs, library("libarchive", archive_version_string() + strlen("libarchive ")));
	json_array_append_new(libs, library("OpenSSL", OpenSSL_version(OPENSSL_VERSION_STRING)));
	if (curl_version != NULL)
		json_array_append_new(libs, library("libcurl", curl_version()));
	return libs;
}

static const char version_template[] =
    "{{with .Client -}}\n"
    "Client:{{if .Platform}} {{.Platform.Name}}{{end}}\n"
    " Version:\t{{.Version}}\n"
    " Git commit:\t{{.GitCommit}}\n"
    " Built:\t{{.BuildTime}}\n"
    " OS/Arch:\t{{.Os}}/{{.Arch}}\n"
    " Kernel:\t{{.KernelVersion}}\n"
    "{{- range .Libraries}}\n"
    " {{.Name}}:\t{{.Version}}\n"
    "{{- end}}\n"
    " Context:\t{{.Context}}\n"
    "{{- end}}\n"
    "\n"
    "Server: none - minicontainer has no daemon: each command does its own work";

/*
 * Run a template into a buffer, then, as Docker's version does, through Go's
 * tabwriter (minimum width 20, padding 1): "Version:\t0.6.0" lines up.
 */
static int print_tabbed(json_t *doc, const char *text, struct mc_error *err)
{
	struct mc_template *t;
	char *out = NULL, **lines = NULL, *p;
	size_t len = 0, n = 0;
	FILE *f;
	int rc;

	if (strcmp(text, "json") == 0)
		text = "{{json .}}";
	if (mc_template_parse(text, &t, err) < 0)
		return mc_fail_context(err, "template parsing error");
	f = open_memstream(&out, &len);
	if (f == NULL) {
		mc_template_free(t);
		return mc_fail(err, 0, "memory");
	}
	rc = mc_template_execute(t, doc, f, err);
	fputc('\n', f); /* Docker writes one more newline after the template */
	fclose(f);
	mc_template_free(t);
	lines = calloc(len + 1, sizeof(*lines));
	if (rc == 0 && lines != NULL) {
		/* Every line, the empty ones too: an empty line ends a block of aligned columns. */
		for (p = out; p != NULL && *p != '\0'; n++)
			lines[n] = strsep(&p, "\n");
		mc_tabwrite(stdout, lines, n, 20, 1);
	}
	free(lines);
	free(out);
	return rc;
}

static json_t *version_doc(void)
{
	struct utsname u;

	uname(&u);
	return json_pack("{s:{s:{s:s}, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:s}, s:n}", "Client",
	                 "Platform", "Name", "minicontainer", "Version", MC_VERSION, "GitCommit",
	                 MC_GIT_COMMIT, "BuildTime", MC_BUILT, "Os", "linux", "Arch",
	                 go_arch(u.machine), "KernelVersion", u.release, "Libraries", libraries(),
	                 "Context", "default", "Server");
}

int verb_version(int argc, char **argv)
{
	struct format_opts o = {NULL};
	struct mc_error err;
	json_t *doc;
	int rc, first;

	if ((rc = mc_parse_verb(&mc_cmd_version, &o, argc, argv, &first)) >= 0)
		return rc;
	doc = version_doc();
	rc = print_tabbed(doc, o.format && o.format[0] ? o.format : version_template, &err);
	json_decref(doc);
	return rc < 0 ? mc_report(&err) : 0;
}

/* ---- info -------------------------------------------------------------------------------- */

/* Docker's names for the filesystem under its store (pkg/fsutils, graphdriver's FsMagic). */
static const char *filesystem_name(const char *path)
{
	static const struct {
		unsigned long magic;
		const char *name;
	} names[] = {
	    {EXT4_SUPER_MAGIC, "extfs"},          {XFS_SUPER_MAGIC, "xfs"},
	    {BTRFS_SUPER_MAGIC, "btrfs"},         {TMPFS_MAGIC, "tmpfs"},
	    {OVERLAYFS_SUPER_MAGIC, "overlayfs"}, {0x2fc12fc1, "zfs"},
	    {F2FS_SUPER_MAGIC, "f2fs"},           {NFS_SUPER_MAGIC, "nfs"},
	};
	struct statfs fs;

	if (statfs(path, &fs) < 0)
		return "<unknown>";
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if ((unsigned long)fs.f_type == names[i].magic)
			return names[i].name;
	return "<unknown>";
}

/* overlayfs needs d_type from the filesystem under it: does readdir(3) give one? */
static bool supports_d_type(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	bool yes = false;

	while (d != NULL && (e = readdir(d)) != NULL && !yes)
		yes = e->d_type != DT_UNKNOWN;
	if (d != NULL)
		closedir(d);
	return yes;
}

/* "Debian GNU/Linux 12 (bookworm)" and "12", from /etc/os-release. */
static void os_release(char *name, size_t size, char *version, size_t vsize)
{
	char line[512];
	FILE *f = fopen("/etc/os-release", "re");

	snprintf(name, size, "Linux");
	version[0] = '\0';
	while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
		char *v = strchr(line, '=');

		if (v == NULL)
			continue;
		*v++ = '\0';
		v[strcspn(v, "\n")] = '\0';
		if (*v == '"') {
			v++;
			v[strcspn(v, "\"")] = '\0';
		}
		if (strcmp(line, "PRETTY_NAME") == 0)
			snprintf(name, size, "%s", v);
		else if (strcmp(line, "VERSION_ID") == 0)
			snprintf(version, vsize, "%s", v);
	}
	if (f != NULL)
		fclose(f);
}

/* The images: named ones (each image once), and those no name reaches. */
static size_t count_images(void)
{
	char **keep = NULL, **dangling = NULL, *seen[4096];
	size_t nkeep = 0, ndangling = 0, nseen = 0;
	struct img_store st;
	struct img_tag *tags;
	struct mc_error ignored;
	size_t n;

	if (mc_open_store(&st, &ignored) < 0)
		return 0;
	if (img_store_list(&st, &tags, &n, &ignored) == 0) {
		for (size_t i = 0; i < n; i++) {
			bool again = false;

			for (size_t k = 0; k < nseen && !again; k++)
				again = strcmp(seen[k], tags[i].manifest_digest) == 0;
			if (!again && nseen < 4096)
				seen[nseen++] = tags[i].manifest_digest;
		}
		if (mc_keep_build_cache(&st, &keep, &nkeep, &ignored) == 0 &&
		    img_store_dangling(&st, (const char *const *)keep, nkeep, &dangling, &ndangling,
		                       &ignored) == 0)
			nseen += ndangling;
		free(tags);
	}
	mc_strv_free(keep, nkeep);
	mc_strv_free(dangling, ndangling);
	img_store_close(&st);
	return nseen;
}

static json_t *info_doc(void)
{
	char os[256], os_version[64], host[256] = "";
	struct mc_container *list = NULL;
	struct mc_error ignored;
	struct utsname u;
	enum cg_mode mode = CG_UNIFIED;
	size_t n = 0, running = 0, paused = 0;
	long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
	json_t *doc, *security;

	uname(&u);
	gethostname(host, sizeof(host) - 1);
	os_release(os, sizeof(os), os_version, sizeof(os_version));
	cg_detect_mode(CG_DEFAULT_MOUNT, &mode, &ignored);
	if (mc_container_list(&list, &n, &ignored) == 0)
		for (size_t i = 0; i < n; i++) {
			mc_container_refresh(&list[i]);
			paused += strcmp(mc_state_status(&list[i]), "paused") == 0;
			running += strcmp(mc_state_status(&list[i]), "running") == 0 ||
			           strcmp(mc_state_status(&list[i]), "restarting") == 0;
			mc_container_free(&list[i]);
		}
	free(list);
	/* The default seccomp filter (chapter 01's) and, where containers get a cgroup namespace
	 * of their own by default (cgroup v2, as moby's daemon), cgroupns. */
	security = json_pack("[s]", "name=seccomp,profile=builtin");
	if (mode == CG_UNIFIED)
		json_array_append_new(security, json_string("name=cgroupns"));
	doc = json_pack(
	    "{s:s, s:i, s:i, s:i, s:i, s:i, s:s, s:[[s,s],[s,s]], s:s, s:s, s:s, s:s, s:s, s:s, "
	    "s:s, s:s, s:i, s:I, s:s, s:s, s:o, s:{s:s, s:s, s:b}}",
	    "Name", host, "Containers", (int)n, "ContainersRunning", (int)running,
	    "ContainersPaused", (int)paused, "ContainersStopped", (int)(n - running - paused),
	    "Images", (int)count_images(), "Driver", "overlay2", "DriverStatus",
	    "Backing Filesystem", filesystem_name(mc_root_dir()), "Supports d_type",
	    supports_d_type(mc_root_dir()) ? "true" : "false", "LoggingDriver", "json-file",
	    "CgroupDriver", "cgroupfs", "CgroupVersion", mode == CG_UNIFIED ? "2" : "1",
	    "KernelVersion", u.release, "OperatingSystem", os, "OSVersion", os_version, "OSType",
	    "linux", "Architecture", u.machine, "NCPU", (int)sysconf(_SC_NPROCESSORS_ONLN),
	    "MemTotal", (json_int_t)pages * page, "DockerRootDir", mc_root_dir(), "RunDir",
	    mc_run_dir(), "SecurityOptions", security, "ClientInfo", "Version", MC_VERSION,
	    "Context", "default", "Debug", 0);
	return doc;
}

static const char *str(json_t *doc, const char *key)
{
	return json_string_value(json_object_get(doc, key)) ?: "";
}

static long long num(json_t *doc, const char *key)
{
	return (long long)json_integer_value(json_object_get(doc, key));
}

/* docker/cli's layout of "name=seccomp,profile=builtin": the name, then each Key: value. */
static void print_security_options(json_t *options)
{
	json_t *item;
	size_t i;

	printf(" Security Options:\n");
	json_array_foreach(options, i, item)
	{
		char copy[256], *save = NULL;

		snprintf(copy, sizeof(copy), "%s", json_string_value(item) ?: "");
		for (char *kv = strtok_r(copy, ",", &save); kv != NULL;
		     kv = strtok_r(NULL, ",", &save)) {
			char *eq = strchr(kv, '=');

			if (eq == NULL)
				continue;
			*eq = '\0';
			if (strcmp(kv, "name") == 0)
				printf("  %s\n", eq + 1);
			else
				printf("   %c%s: %s\n", toupper((unsigned char)kv[0]), kv + 1,
				       eq + 1);
		}
	}
}

/* Docker's layout of `docker info`, line for line where the line means something here. */
static void print_info(json_t *doc)
{
	json_t *status = json_object_get(doc, "DriverStatus"), *item;
	char mem[32];
	size_t i;

	printf("Client: minicontainer\n Version:    %s\n Context:    default\n Debug Mode: "
	       "false\n\n",
	       MC_VERSION);
	printf("Server: none - minicontainer has no daemon; this host, and the state in %s:\n",
	       str(doc, "DockerRootDir"));
	printf(" Containers: %lld\n  Running: %lld\n  Paused: %lld\n  Stopped: %lld\n",
	       num(doc, "Containers"), num(doc, "ContainersRunning"), num(doc, "ContainersPaused"),
	       num(doc, "ContainersStopped"));
	printf(" Images: %lld\n Storage Driver: %s\n", num(doc, "Images"), str(doc, "Driver"));
	json_array_foreach(status, i, item)
	{
		printf("  %s: %s\n", json_string_value(json_array_get(item, 0)),
		       json_string_value(json_array_get(item, 1)));
	}
	printf(" Logging Driver: %s\n Cgroup Driver: %s\n Cgroup Version: %s\n",
	       str(doc, "LoggingDriver"), str(doc, "CgroupDriver"), str(doc, "CgroupVersion"));
	print_security_options(json_object_get(doc, "SecurityOptions"));
	printf(" Kernel Version: %s\n Operating System: %s\n OSType: %s\n Architecture: %s\n",
	       str(doc, "KernelVersion"), str(doc, "OperatingSystem"), str(doc, "OSType"),
	       str(doc, "Architecture"));
	printf(" CPUs: %lld\n Total Memory: %s\n Name: %s\n", num(doc, "NCPU"),
	       mc_bytes_size((uint64_t)num(doc, "MemTotal"), mem, sizeof(mem)), str(doc, "Name"));
	printf(" Root Dir: %s\n Run Dir: %s\n Debug Mode: false\n", str(doc, "DockerRootDir"),
	       str(doc, "RunDir"));
}

int verb_info(int argc, char **argv)
{
	struct format_opts o = {NULL};
	struct mc_error err;
	json_t *doc;
	int rc, first;

	if ((rc = mc_parse_verb(&mc_cmd_info, &o, argc, argv, &first)) >= 0)
		return rc;
	doc = info_doc();
	rc = 0;
	if (o.format != NULL && o.format[0] != '\0') {
		struct mc_template *t = NULL;

		rc = mc_template_parse(strcmp(o.format, "json") == 0 ? "{{json .}}" : o.format, &t,
		                       &err);
		if (rc < 0)
			mc_fail_context(&err, "template parsing error");
		else if ((rc = mc_template_execute(t, doc, stdout, &err)) == 0)
			putchar('\n');
		mc_template_free(t);
		if (rc < 0)
			mc_report(&err);
	} else {
		print_info(doc);
	}
	json_decref(doc);
	return rc < 0 ? MC_EXIT_FAILED : 0;
}
