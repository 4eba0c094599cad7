/*
 * seccomp.c - chapter 01: which system calls the container may make.
 *
 * A seccomp filter is a small BPF program that the kernel runs on every
 * system call the process makes from now on - and that its children inherit
 * and can never remove.  The program sees the call's number, its
 * architecture and its six arguments (the values, not the memory they point
 * to) and returns a verdict: allow, fail with an errno, kill, trap.
 *
 * We do not write the BPF by hand.  The rules are data, in the JSON format
 * Docker's `--security-opt seccomp=PROFILE.json` takes (seccomp_profile.c
 * reads it; seccomp-default.json beside this file is our default, built into
 * the program by seccomp-profile.S), and libseccomp turns them into BPF.
 *
 * That last step is slow: for Docker's profile - some 370 rules, for the
 * three x86 ABIs - libseccomp takes about 10 ms of CPU, more than all the
 * rest of a container's start.  So a caller may give a cache directory
 * (the capstone does): the program is kept there under the sha256 of all it
 * depends on - the profile's text, the capabilities, the kernel, libseccomp -
 * and the next container with the same confinement loads it as it is.
 */
#define _GNU_SOURCE
#include "ns_seccomp.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "mc_file.h"
#include "mc_trace.h"

#define CH "ch01"

#define MAX_PROGRAM (BPF_MAXINSNS * sizeof(struct sock_filter)) /* the kernel's limit */

/* seccomp-default.json, built into the program by seccomp-profile.S. */
extern const char ns_seccomp_default_json[];

const char *ns_seccomp_default_profile(void)
{
	return ns_seccomp_default_json;
}

/* The JSON text of a profile, parsed: NULL (and err set) when it is not JSON. */
static json_t *parse_json(const char *json, struct mc_error *err)
{
	json_error_t jerr;
	json_t *doc = json_loads(json ? json : ns_seccomp_default_json, 0, &jerr);

	if (doc == NULL)
		mc_fail(err, 0, "seccomp profile: line %d, column %d: %s", jerr.line, jerr.column,
		        jerr.text);
	return doc;
}

/*
 * Reading a profile checks every rule, whatever the capabilities; libseccomp
 * has the last word on what it can build (architectures that cannot share a
 * filter, say), so build it too: with no capabilities and with all of them,
 * so that every rule that depends on one is built once.
 */
int ns_seccomp_check(const char *json, struct mc_error *err)
{
	struct ns_seccomp *sc = NULL;

	if (ns_seccomp_compile(json, 0, &sc, err) < 0)
		return -1;
	ns_seccomp_free(sc);
	if (ns_seccomp_compile(json, ns_all_caps(), &sc, err) < 0)
		return -1;
	ns_seccomp_free(sc);
	return 0;
}

int ns_seccomp_compile(const char *json, ns_caps caps, struct ns_seccomp **out,
                       struct mc_error *err)
{
	struct ns_seccomp *sc = NULL;
	struct ns_seccomp_target t;
	json_t *doc;
	uint32_t default_action = SCMP_ACT_ALLOW;
	bool empty;
	int rc = -1;

	*out = NULL;
	if (ns_seccomp_target_init(caps, &t, err) < 0)
		return -1;
	doc = parse_json(json, err);
	if (doc == NULL)
		return -1;
	/* Read it once to check all of it - rules for other capabilities too - then build. */
	if (ns_seccomp_read_profile(doc, &t, &default_action, &empty, err) < 0)
		goto out;
	if (empty) {
		mc_trace(CH, "the seccomp profile has no rules: no filter");
		rc = 0;
		goto out;
	}
	sc = calloc(1, sizeof(*sc));
	if (sc == NULL) {
		mc_fail(err, ENOMEM, "seccomp");
		goto out;
	}
	sc->ctx = seccomp_init(default_action);
	if (sc->ctx == NULL) {
		mc_fail(err, ENOMEM, "seccomp_init");
		goto out;
	}
	/* no_new_privs is the caller's choice (--security-opt no-new-privileges), not ours. */
	if (seccomp_attr_set(sc->ctx, SCMP_FLTATR_CTL_NNP, 0) < 0) {
		mc_fail(err, EINVAL, "seccomp: leave no_new_privs alone");
		goto out;
	}
	t.out = sc;
	if (ns_seccomp_read_profile(doc, &t, &default_action, &empty, err) < 0)
		goto out;
	mc_trace(CH,
	         "seccomp profile: %u rules for this container; %u names unknown to "
	         "libseccomp %u.%u.%u skipped",
	         sc->rules, sc->unknown, seccomp_version()->major, seccomp_version()->minor,
	         seccomp_version()->micro);
	*out = sc;
	sc = NULL;
	rc = 0;
out:
	ns_seccomp_free(sc);
	json_decref(doc);
	return rc;
}

unsigned ns_seccomp_rules(const struct ns_seccomp *sc)
{
	return sc ? sc->rules : 0;
}

/* The BPF program, as the kernel takes it: libseccomp writes it to a file, we read it back. */
static int build_bpf(struct ns_seccomp *sc, struct mc_error *err)
{
	struct stat st;
	int fd, rc = -1;

	if (sc->bpf != NULL)
		return 0;
	fd = memfd_create("seccomp-bpf", MFD_CLOEXEC);
	if (fd < 0)
		return mc_fail(err, errno, "seccomp: memfd_create");
	rc = seccomp_export_bpf(sc->ctx, fd);
	if (rc < 0) {
		mc_fail(err, -rc, "seccomp: build the BPF program");
		goto out;
	}
	rc = -1;
	if (fstat(fd, &st) < 0 || st.st_size <= 0 || (size_t)st.st_size > MAX_PROGRAM) {
		mc_fail(err, E2BIG, "seccomp: the BPF program is empty or too long for the kernel");
		goto out;
	}
	sc->bpf = malloc((size_t)st.st_size);
	if (sc->bpf == NULL || pread(fd, sc->bpf, (size_t)st.st_size, 0) != st.st_size) {
		mc_fail(err, errno ? errno : EIO, "seccomp: read the BPF program");
		goto out;
	}
	sc->bpf_len = (size_t)st.st_size;
	rc = 0;
out:
	close(fd);
	return rc;
}

/* ---- the cache of built programs ------------------------------------------------------------- */

/* A cached program: this header, then bpf_len bytes of struct sock_filter. */
struct cache_header {
	char magic[8]; /* "mcbpf01" */
	uint32_t flags, rules, unknown, bpf_len;
};

static const char cache_magic[8] = "mcbpf01";

/* <dir>/<sha256 of everything the program depends on>.bpf */
static int cache_path(const char *dir, const char *json, ns_caps caps, char *path, size_t size,
                      struct mc_error *err)
{
	const struct scmp_version *v = seccomp_version();
	unsigned char md[EVP_MAX_MD_SIZE];
	char what[512], hex[2 * EVP_MAX_MD_SIZE + 1];
	unsigned int len = 0;
	struct utsname u;
	EVP_MD_CTX *ctx;
	int ok;

	if (uname(&u) < 0)
		return mc_fail(err, errno, "uname");
	snprintf(what, sizeof(what),
	         "minicontainer seccomp 1\nlibseccomp %u.%u.%u\n%s %s %s\n%016llx\n", v->major,
	         v->minor, v->micro, u.release, u.version, u.machine, (unsigned long long)caps);
	ctx = EVP_MD_CTX_new();
	ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) &&
	     EVP_DigestUpdate(ctx, what, strlen(what)) &&
	     EVP_DigestUpdate(ctx, json, strlen(json)) && EVP_DigestFinal_ex(ctx, md, &len);
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return mc_fail(err, EINVAL, "seccomp: sha256");
	for (unsigned int i = 0; i < len; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	if (snprintf(path, size, "%s/%s.bpf", dir, hex) >= (int)size)
		return mc_fail(err, ENAMETOOLONG, "seccomp cache %s", dir);
	return 0;
}

/* A program from the cache, or NULL when there is none (or none that is whole). */
static struct ns_seccomp *cache_read(const char *path)
{
	struct ns_seccomp *sc = NULL;
	struct cache_header h;
	struct stat st;
	int fd;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || read(fd, &h, sizeof(h)) != sizeof(h) ||
	    memcmp(h.magic, cache_magic, sizeof(h.magic)) != 0 || h.bpf_len == 0 ||
	    h.bpf_len > MAX_PROGRAM || h.bpf_len % sizeof(struct sock_filter) != 0 ||
	    (size_t)st.st_size != sizeof(h) + h.bpf_len)
		goto out;
	sc = calloc(1, sizeof(*sc));
	if (sc == NULL || (sc->bpf = malloc(h.bpf_len)) == NULL ||
	    read(fd, sc->bpf, h.bpf_len) != (ssize_t)h.bpf_len) {
		ns_seccomp_free(sc);
		sc = NULL;
		goto out;
	}
	sc->bpf_len = h.bpf_len;
	sc->flags = h.flags;
	sc->rules = h.rules;
	sc->unknown = h.unknown;
out:
	close(fd);
	return sc;
}

/* Keep the program for next time: written aside, then renamed into place.  Best effort. */
static void cache_write(const char *dir, const char *path, const struct ns_seccomp *sc)
{
	struct cache_header h = {.flags = sc->flags,
	                         .rules = sc->rules,
	                         .unknown = sc->unknown,
	                         .bpf_len = (uint32_t)sc->bpf_len};
	struct mc_error err;
	char tmp[PATH_MAX];
	int fd, ok;

	memcpy(h.magic, cache_magic, sizeof(h.magic));
	if (mc_mkdir_p(dir, 0700, &err) < 0 ||
	    snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp))
		return;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return;
	ok = write(fd, &h, sizeof(h)) == sizeof(h) &&
	     write(fd, sc->bpf, sc->bpf_len) == (ssize_t)sc->bpf_len;
	close(fd);
	if (!ok || rename(tmp, path) < 0)
		unlink(tmp);
}

int ns_seccomp_compile_cached(const char *json, ns_caps caps, const char *cache_dir,
                              struct ns_seccomp **out, struct mc_error *err)
{
	char path[PATH_MAX];

	*out = NULL;
	if (json == NULL)
		json = ns_seccomp_default_json;
	if (cache_dir == NULL)
		return ns_seccomp_compile(json, caps, out, err);
	if (cache_path(cache_dir, json, caps, path, sizeof(path), err) < 0)
		return -1;
	*out = cache_read(path);
	if (*out != NULL) {
		mc_trace(CH, "seccomp filter: %u rules, built before (%s)", (*out)->rules, path);
		return 0;
	}
	if (ns_seccomp_compile(json, caps, out, err) < 0)
		return -1;
	if (*out == NULL) /* no filter at all */
		return 0;
	if (build_bpf(*out, err) < 0) {
		ns_seccomp_free(*out);
		*out = NULL;
		return -1;
	}
	cache_write(cache_dir, path, *out);
	return 0;
}

/* ---- installing it ----------------------------------------------------------------------------- */

int ns_seccomp_load(struct ns_seccomp *sc, struct mc_error *err)
{
	struct sock_fprog prog;
	long rc;

	/* Without no_new_privs this takes CAP_SYS_ADMIN, which the caller still has. */
	if (build_bpf(sc, err) < 0)
		return -1;
	prog.len = (unsigned short)(sc->bpf_len / sizeof(struct sock_filter));
	prog.filter = sc->bpf;
	rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, sc->flags, &prog);
	mc_trace_call(CH, rc, "system calls are filtered from now on",
	              "seccomp(SECCOMP_SET_MODE_FILTER, %u rules, %u BPF instructions)", sc->rules,
	              (unsigned)prog.len);
	if (rc < 0)
		return mc_fail(err, errno, "install the seccomp filter");
	return 0;
}

int ns_seccomp_export_pfc(struct ns_seccomp *sc, int fd, struct mc_error *err)
{
	int rc;

	if (sc->ctx == NULL)
		return mc_fail(err, EINVAL, "a filter from the cache has no rules to show");
	rc = seccomp_export_pfc(sc->ctx, fd);
	if (rc < 0)
		return mc_fail(err, -rc, "export the seccomp filter");
	return 0;
}

void ns_seccomp_free(struct ns_seccomp *sc)
{
	if (sc == NULL)
		return;
	if (sc->ctx != NULL)
		seccomp_release(sc->ctx);
	free(sc->bpf);
	free(sc);
}
