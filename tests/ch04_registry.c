/*
 * ch04_registry.c - chapter 04, part 2: the registry client.
 *
 * First the parsers, on their own (challenges, token answers, manifests,
 * indexes and platforms, credential files, resumable blobs).  Then the
 * client against a real registry: Debian's docker-registry (the
 * distribution project's), started by the test on 127.0.0.1 with storage
 * and configuration in the test's temporary directory, seeded with skopeo.
 * Around it, what surrounds registries in the world, from
 * tests/registry/servers.py: a token server, an HTTPS proxy, a slow relay,
 * a rate-limiting front, and the blob storage a registry redirects to.
 *
 * Safety: the test program moves into a network namespace of its own (only
 * a loopback interface) before the first server starts, so nothing can
 * reach beyond 127.0.0.1; every server is killed by its PID at the end of
 * its test (and dies with the test program, PR_SET_PDEATHSIG, or after its
 * lifetime); peers run in peer()'s sandbox.
 */
#define _GNU_SOURCE
#include "harness.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ch04_common.h"
#include "img_auth.h"
#include "img_credentials.h"
#include "img_manifest.h"
#include "img_registry.h"

#define SERVERS    "tests/registry/servers.py"
#define TEST_HOST  "registry.mc-test" /* a name only the test's hosts file (or proxy) knows */
#define USER       "alice"
#define PASSWORD   "s3cret-Pa55"
#define OTHER_ARCH (strcmp(host_platform()->architecture, "arm64") == 0 ? "amd64" : "arm64")

/* ---- the parsers ------------------------------------------------------------------------------ */

static void test_challenge_bearer(void **state)
{
	struct img_challenge c;
	struct mc_error err;

	(void)state;
	if (img_challenge_parse("Bearer realm=\"https://auth.docker.io/token\","
	                        "service=\"registry.docker.io\","
	                        "scope=\"repository:library/busybox:pull\"",
	                        &c, &err) != 0)
		fail_msg("Docker Hub's challenge was refused: %s", err.msg);
	mc_assert_int("scheme", c.scheme, IMG_AUTH_BEARER, "the challenge starts with Bearer");
	mc_assert_str("realm", c.realm, "https://auth.docker.io/token",
	              "a quoted value is what is between the quotes");
	mc_assert_str("service", c.service, "registry.docker.io", NULL);
	mc_assert_str("scope", c.scope, "repository:library/busybox:pull", NULL);
	/* Scheme and parameter names are case-insensitive; values may be tokens. */
	assert_int_equal(
	    img_challenge_parse("bEaReR REALM=\"https://a/t\" , Service = reg", &c, &err), 0);
	mc_assert_str("realm", c.realm, "https://a/t", NULL);
	mc_assert_str("service", c.service, "reg", NULL);
	assert_int_equal(img_challenge_parse("Basic realm=\"Registry Realm\"", &c, &err), 0);
	mc_assert_int("scheme", c.scheme, IMG_AUTH_BASIC, NULL);
	mc_assert_str("realm", c.realm, "Registry Realm", NULL);
	/* Several challenges: Bearer wins, and an unknown scheme's token68 is skipped. */
	assert_int_equal(img_challenge_parse("Negotiate abc==, Basic realm=\"r\", Bearer "
	                                     "realm=\"https://a/t\",service=\"s\"",
	                                     &c, &err),
	                 0);
	mc_assert_int("scheme", c.scheme, IMG_AUTH_BEARER, NULL);
	mc_assert_str("realm", c.realm, "https://a/t", NULL);
	assert_int_equal(img_challenge_parse("Bearer service=\"s\"", &c, &err), -1);
	assert_non_null(strstr(err.msg, "without a realm"));
	assert_int_equal(img_challenge_parse("Digest realm=\"x\", nonce=\"y\"", &c, &err), -1);
	assert_int_equal(img_challenge_parse("", &c, &err), -1);
}

static void test_challenge_quoting(void **state)
{
	char long_header[4096];
	struct img_challenge c;
	struct mc_error err;

	(void)state;
	/* A comma inside quotes is part of the value; \" and \\ stand for " and \. */
	if (img_challenge_parse("Bearer realm=\"https://a/t?x=1,2\",service=\"a "
	                        "\\\"quoted\\\" \\\\name\",error=insufficient_scope",
	                        &c, &err) != 0)
		fail_msg("a challenge with quoted commas and escapes was refused: %s", err.msg);
	mc_assert_str("realm", c.realm, "https://a/t?x=1,2",
	              "a comma inside quotes is part of the value");
	mc_assert_str("service", c.service, "a \"quoted\" \\name",
	              "inside quotes, \\\" stands for \" and \\\\ for \\");
	mc_assert_str("error", c.error, "insufficient_scope",
	              "an unquoted value (a token) ends at the comma or the end");
	/* Parameters we do not use are read past, whatever their value holds. */
	assert_int_equal(img_challenge_parse("Bearer foo=\"a,b=c\",realm=r", &c, &err), 0);
	mc_assert_str("realm", c.realm, "r", NULL);
	/* Malformed: an unterminated string, a lone backslash at the end. */
	assert_int_equal(img_challenge_parse("Bearer realm=\"https://a/t", &c, &err), -1);
	assert_int_equal(img_challenge_parse("Bearer realm=\"x\\", &c, &err), -1);
	/* Too long for its field: refused, never cut short. */
	snprintf(long_header, sizeof(long_header), "Bearer realm=\"https://a/%01500d\"", 0);
	assert_int_equal(img_challenge_parse(long_header, &c, &err), -1);
	snprintf(long_header, sizeof(long_header), "Bearer realm=\"https://a/t\",service=%0300d",
	         0);
	assert_int_equal(img_challenge_parse(long_header, &c, &err), -1);
}

static int parse_token(const char *body, struct img_token *t, struct mc_error *err)
{
	return img_token_parse(body, strlen(body), t, err);
}

static void test_token_response(void **state)
{
	struct img_token t;
	struct mc_error err;

	(void)state;
	assert_int_equal(parse_token("{\"token\":\"abc.def\"}", &t, &err), 0);
	assert_string_equal(t.token, "abc.def");
	assert_int_equal(t.expires_in, 60);
	img_token_free(&t);
	/* OAuth2's access_token is preferred, as Docker does. */
	assert_int_equal(
	    parse_token("{\"access_token\":\"x\",\"token\":\"y\",\"expires_in\":300}", &t, &err),
	    0);
	assert_string_equal(t.token, "x");
	assert_int_equal(t.expires_in, 300);
	img_token_free(&t);
	/* Nothing that could break out of a header line, nothing empty, nothing but an object. */
	assert_int_equal(parse_token("{\"token\":\"a\\r\\nX-Evil: 1\"}", &t, &err), -1);
	assert_int_equal(parse_token("{\"token\":\"a b\"}", &t, &err), -1);
	assert_int_equal(parse_token("{\"token\":\"\"}", &t, &err), -1);
	assert_int_equal(parse_token("[\"token\"]", &t, &err), -1);
	assert_int_equal(parse_token("{\"token\":\"a\",\"expires_in\":\"9\"}", &t, &err), 0);
	assert_int_equal(t.expires_in, 60);
	img_token_free(&t);
}

static const struct img_platform *host_platform(void)
{
	static struct img_platform host;

	img_platform_host(&host);
	return &host;
}

static json_t *entry(const char *digest_char, const char *os, const char *arch, const char *variant)
{
	char digest[IMG_DIGEST_LEN + 1] = "sha256:";
	json_t *e;

	memset(digest + 7, digest_char[0], 64);
	digest[IMG_DIGEST_LEN] = '\0';
	e = json_pack("{s:s, s:s, s:i}", "mediaType", MT_OCI_MANIFEST, "digest", digest, "size",
	              100);
	if (os != NULL)
		json_object_set_new(e, "platform",
		                    json_pack("{s:s, s:s}", "os", os, "architecture", arch));
	if (variant != NULL)
		json_object_set_new(json_object_get(e, "platform"), "variant",
		                    json_string(variant));
	return e;
}

/*
 * img_index_pick chose, for `want`, the entry whose digest starts with
 * `expected` ('-': none) - else fail at the test's line, naming both entries.
 */
#define assert_picked(index, want, expected)                                                       \
	assert_picked_at(__FILE__, __LINE__, (index), (want), (expected))

/* The digest character of what img_index_pick chose for `want` ('-': it failed). */
static char picked(json_t *index, const char *want)
{
	struct img_platform p;
	struct img_descriptor d;
	struct mc_error err;

	if (img_platform_parse(want, &p, &err) < 0)
		fail_msg("%s: %s", want, err.msg);
	if (img_index_pick(index, &p, NULL, NULL, &d, &err) < 0)
		return '-';
	return d.digest[7];
}

static void assert_picked_at(const char *file, int line, json_t *index, const char *want,
                             char expected)
{
	char got = picked(index, want);

	if (got != expected)
		mc_fail_at(
		    file, line,
		    "for %s the entry picked is %c, expected %c (entries are named a, b, ...; "
		    "- is none): %s",
		    want, got, expected,
		    expected == '-' ? "no entry is for this platform"
		                    : "the entry whose os, architecture and variant match");
}

static bool not_b(const char *digest, void *arg)
{
	(void)arg;
	return digest[7] != 'b';
}

static void test_index_picks_the_platform(void **state)
{
	json_t *index =
	    json_pack("{s:i, s:[o, o, o, o, o]}", "schemaVersion", 2, "manifests",
	              entry("a", "linux", "arm64", "v8"), entry("b", "linux", "amd64", NULL),
	              entry("c", "linux", "arm", "v7"), entry("d", "linux", "arm", "v6"),
	              entry("e", "windows", "amd64", NULL));
	struct img_platform p;
	struct img_descriptor d;
	struct mc_error err;

	(void)state;
	assert_picked(index, "linux/amd64", 'b');
	assert_picked(index, "linux/arm64", 'a');
	assert_picked(index, "linux/arm64/v8", 'a');
	assert_picked(index, "aarch64", 'a');
	assert_picked(index, "linux/arm/v7", 'c');
	assert_picked(index, "linux/arm/v6", 'd');
	assert_picked(index, "windows/amd64", 'e');
	assert_picked(index, "linux/s390x", '-');
	assert_int_equal(img_platform_parse("linux/s390x", &p, &err), 0);
	assert_int_equal(img_index_pick(index, &p, NULL, NULL, &d, &err), -1);
	assert_string_equal(err.msg,
	                    "no matching manifest for linux/s390x in the manifest list entries");
	/* Only what `usable` accepts (the store: what it holds). */
	assert_int_equal(img_platform_parse("linux/amd64", &p, &err), 0);
	assert_int_equal(img_index_pick(index, &p, not_b, NULL, &d, &err), -1);
	json_decref(index);
	/* An entry without a platform: only when nothing matches.  "x86_64" is amd64. */
	index =
	    json_pack("{s:[o, o, o]}", "manifests", entry("f", NULL, NULL, NULL),
	              entry("a", "linux", "aarch64", NULL), entry("b", "linux", "x86_64", NULL));
	assert_picked(index, "linux/arm64", 'a');
	assert_picked(index, "linux/amd64", 'b');
	assert_picked(index, "linux/386", 'f');
	json_decref(index);
	assert_int_equal(img_platform_parse("linux//v7", &p, &err), -1);
	assert_int_equal(img_platform_parse("Linux/AMD64", &p, &err), -1);
	assert_int_equal(img_platform_parse("linux/amd64/v2/x", &p, &err), -1);
}

static void test_index_skips_attestations(void **state)
{
	const struct img_platform *host = host_platform();
	json_t *attestation = entry("a", "unknown", "unknown", NULL);
	json_t *disguised = entry("b", host->os, host->architecture, NULL);
	json_t *index;
	char want[100];

	(void)state;
	/* BuildKit's: unknown/unknown; and one that claims our platform - the annotation counts. */
	json_object_set_new(
	    attestation, "annotations",
	    json_pack("{s:s}", "vnd.docker.reference.type", "attestation-manifest"));
	json_object_set_new(
	    disguised, "annotations",
	    json_pack("{s:s}", "vnd.docker.reference.type", "attestation-manifest"));
	index = json_pack("{s:[o, o, o]}", "manifests", attestation, disguised,
	                  entry("c", host->os, host->architecture, NULL));
	assert_picked(index, img_platform_format(host, want, sizeof(want)), 'c');
	assert_picked(index, "unknown/unknown", '-');
	json_decref(index);
}

static void test_manifest_parse_refuses_bad_documents(void **state)
{
	static const char *const bad[] = {
	    "not json",
	    "[]",
	    "{\"schemaVersion\":2,\"mediaType\":\"" MT_OCI_INDEX "\",\"manifests\":[]}",
	    "{\"schemaVersion\":1,\"config\":{\"digest\":\"sha256:%s\",\"size\":1},\"layers\":[]}",
	    "{\"config\":{\"digest\":\"sha256:%s\",\"size\":-1},\"layers\":[]}",
	    "{\"config\":{\"digest\":\"sha256:%s\",\"size\":\"1\"},\"layers\":[]}",
	    "{\"config\":{\"digest\":\"sha256:../../etc\",\"size\":1},\"layers\":[]}",
	    "{\"config\":{\"digest\":\"sha256:%s\",\"size\":1},\"layers\":{}}",
	    "{\"config\":{\"digest\":\"sha256:%s\",\"size\":1},\"layers\":[{\"digest\":\"md5:0\","
	    "\"size\":1}]}",
	    "{\"config\":{\"digest\":\"sha256:%s\",\"size\":1},\"config\":{},\"layers\":[]}",
	};
	char hex[65], text[1024], *big;
	struct img_manifest m;
	struct mc_error err;
	size_t used;

	(void)state;
	memset(hex, 'a', 64);
	hex[64] = '\0';
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), bad[i], hex);
		if (img_manifest_parse(text, strlen(text), &m, &err) == 0)
			fail_msg("accepted: %s", text);
	}
	snprintf(text, sizeof(text),
	         "{\"schemaVersion\":2,\"config\":{\"digest\":\"sha256:%s\",\"size\":7},"
	         "\"layers\":[{\"mediaType\":\"" MT_OCI_LAYER_ZSTD "\",\"digest\":\"sha256:%s\","
	         "\"size\":9}]}",
	         hex, hex);
	assert_int_equal(img_manifest_parse(text, strlen(text), &m, &err), 0);
	assert_int_equal(m.nlayer, 1);
	assert_int_equal(m.layers[0].size, 9);
	assert_string_equal(m.layers[0].media_type, MT_OCI_LAYER_ZSTD);
	img_manifest_free(&m);
	/* 257 layers: more than the store holds. */
	big = malloc(257 * 120 + 200);
	assert_non_null(big);
	used = (size_t)sprintf(
	    big, "{\"config\":{\"digest\":\"sha256:%s\",\"size\":1},\"layers\":[", hex);
	for (int i = 0; i < 257; i++)
		used += (size_t)sprintf(big + used, "%s{\"digest\":\"sha256:%s\",\"size\":1}",
		                        i ? "," : "", hex);
	sprintf(big + used, "]}");
	assert_int_equal(img_manifest_parse(big, strlen(big), &m, &err), -1);
	assert_non_null(strstr(err.msg, "at most 256"));
	free(big);
}

/* Run `body` with DOCKER_CONFIG and REGISTRY_AUTH_FILE in the test's directory. */
static void test_credentials_files(void **state)
{
	const char *dir = tpath("docker-config"), *podman = tpath("podman-auth.json");
	struct img_credentials cred;
	struct mc_error err;
	struct stat sb;
	char path[PATH_MAX], *text;
	bool removed;

	(void)state;
	remove_tree(dir);
	setenv("DOCKER_CONFIG", dir, 1);
	setenv("REGISTRY_AUTH_FILE", podman, 1);
	write_file(podman, "{\"auths\":{\"quay.io/team\":{\"auth\":\"Ym9iOmh1bnRlcjI=\"}}}");
	assert_int_equal(img_credentials_store("127.0.0.1:5000", "u", "p:w", &err), 0);
	assert_int_equal(img_credentials_store("docker.io", "hub", "pw", &err), 0);
	snprintf(path, sizeof(path), "%s/config.json", dir);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	text = read_whole(path);
	assert_non_null(strstr(text, "\"127.0.0.1:5000\""));
	assert_non_null(strstr(text, "\"dTpwOnc=\"")); /* base64("u:p:w") */
	assert_non_null(strstr(text, "\"https://index.docker.io/v1/\""));
	free(text);
	assert_int_equal(img_credentials_find("127.0.0.1:5000", "x/y", &cred, &err), 0);
	assert_true(cred.found);
	assert_string_equal(cred.username, "u");
	assert_string_equal(cred.password, "p:w");
	assert_int_equal(img_credentials_find("docker.io", "library/busybox", &cred, &err), 0);
	assert_string_equal(cred.username, "hub");
	/* podman's file, and its keys for a namespace of repositories. */
	assert_int_equal(img_credentials_find("quay.io", "team/app", &cred, &err), 0);
	assert_true(cred.found);
	assert_string_equal(cred.username, "bob");
	assert_string_equal(cred.password, "hunter2");
	assert_int_equal(img_credentials_find("quay.io", "other/app", &cred, &err), 0);
	assert_false(cred.found);
	assert_int_equal(img_credentials_erase("docker.io", &removed, &err), 0);
	assert_true(removed);
	assert_int_equal(img_credentials_find("docker.io", "library/busybox", &cred, &err), 0);
	assert_false(cred.found);
	assert_int_equal(img_credentials_erase("docker.io", &removed, &err), 0);
	assert_false(removed);
	/* What is not ours stays in the file. */
	text = read_whole(path);
	assert_non_null(strstr(text, "127.0.0.1:5000"));
	free(text);
	write_file(podman, "{\"auths\":{\"quay.io\":{\"auth\":\"!!!!\"}}}");
	assert_int_equal(img_credentials_find("quay.io", "a/b", &cred, &err), -1);
	img_credentials_wipe(&cred);
	unsetenv("DOCKER_CONFIG");
	unsetenv("REGISTRY_AUTH_FILE");
}

static int count_entries(const char *dir)
{
	return sh("ls -A '%s' | wc -l", dir) == 0 ? atoi(output) : -1;
}

static void test_blob_writer_resumes(void **state)
{
	char digest[IMG_DIGEST_LEN + 1], tmp[PATH_MAX];
	struct img_blob_writer *w;
	struct img_store st;
	struct mc_error err;

	(void)state;
	open_store(&st, "writer");
	snprintf(tmp, sizeof(tmp), "%s/tmp", st.root);
	img_digest_buffer("hello world", 11, digest);
	assert_int_equal(img_blob_writer_open(&st, digest, 11, true, &w, &err), 0);
	assert_int_equal(img_blob_writer_offset(w), 0);
	assert_int_equal(img_blob_writer_write(w, "hello ", 6, &err), 0);
	img_blob_writer_abort(w, true); /* interrupted: the bytes stay, out of sight */
	assert_false(img_blob_exists(&st, digest));
	assert_int_equal(count_entries(tmp), 1);
	assert_int_equal(img_blob_writer_open(&st, digest, 11, true, &w, &err), 0);
	assert_int_equal(img_blob_writer_offset(w), 6);
	/* More than the blob has: refused at once. */
	assert_int_equal(img_blob_writer_write(w, "world!", 6, &err), -1);
	assert_int_equal(img_blob_writer_write(w, "world", 5, &err), 0);
	assert_int_equal(img_blob_writer_commit(w, NULL, NULL, &err), 0);
	assert_true(img_blob_exists(&st, digest));
	assert_int_equal(count_entries(tmp), 0);
	/* A resumed blob that turns out wrong: nothing stored, nothing kept. */
	img_digest_buffer("other text!", 11, digest);
	assert_int_equal(img_blob_writer_open(&st, digest, 11, true, &w, &err), 0);
	assert_int_equal(img_blob_writer_write(w, "other ", 6, &err), 0);
	img_blob_writer_abort(w, true);
	assert_int_equal(img_blob_writer_open(&st, digest, 11, true, &w, &err), 0);
	assert_int_equal(img_blob_writer_write(w, "TEXT!", 5, &err), 0);
	assert_int_equal(img_blob_writer_commit(w, NULL, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "refused"));
	assert_false(img_blob_exists(&st, digest));
	assert_int_equal(count_entries(tmp), 0);
	img_store_close(&st);
}

/* ---- servers ------------------------------------------------------------------------------------ */

static pid_t servers[32];
static size_t nserver;
static int next_port = 5000; /* our own network namespace: every port is free */

/* Every server still running, killed by its PID (also a cmocka teardown). */
static int stop_servers(void **state)
{
	(void)state;
	for (size_t i = 0; i < nserver; i++)
		if (servers[i] > 0) {
			kill(servers[i], SIGKILL);
			waitpid(servers[i], NULL, 0);
		}
	nserver = 0;
	return 0;
}

static void stop_server(pid_t pid)
{
	for (size_t i = 0; i < nserver; i++)
		if (servers[i] == pid) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			servers[i] = 0;
		}
}

/* A network namespace with only "lo", up: nothing here can reach another machine. */
static void enter_network_namespace(void)
{
	static bool done;
	struct ifreq ifr = {0};
	int fd;

	if (done)
		return;
	if (unshare(CLONE_NEWNET) < 0)
		fail_msg("unshare(CLONE_NEWNET): %s", strerror(errno));
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	assert_int_equal(ioctl(fd, SIOCGIFFLAGS, &ifr), 0);
	ifr.ifr_flags |= IFF_UP;
	assert_int_equal(ioctl(fd, SIOCSIFFLAGS, &ifr), 0);
	close(fd);
	done = true;
}

/* Start `argv` with its output in `log`; it dies with this process (PR_SET_PDEATHSIG). */
static pid_t spawn(const char *log, char *const argv[])
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(126);
		execvp(argv[0], argv);
		_exit(127);
	}
	assert_true(nserver < sizeof(servers) / sizeof(servers[0]));
	servers[nserver++] = pid;
	return pid;
}

static void wait_for_port(int port, pid_t pid, const char *log)
{
	struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};

	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (int i = 0; i < 200; i++) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), rc;

		rc = connect(fd, (struct sockaddr *)&addr, sizeof(addr));
		close(fd);
		if (rc == 0)
			return;
		if (waitpid(pid, NULL, WNOHANG) == pid)
			break;
		usleep(50 * 1000);
	}
	sh("tail -20 '%s'", log);
	fail_msg("server on port %d did not start:\n%s", port, output);
}

/* servers.py KIND --port PORT --log LOG ARGS... (NULL-terminated) */
static pid_t start_helper(const char *kind, int port, const char *log, ...)
{
	char *argv[40], port_text[16];
	size_t n = 0;
	const char *arg;
	va_list ap;
	pid_t pid;

	snprintf(port_text, sizeof(port_text), "%d", port);
	argv[n++] = "python3";
	argv[n++] = SERVERS;
	argv[n++] = (char *)kind;
	argv[n++] = "--port";
	argv[n++] = port_text;
	argv[n++] = "--log";
	argv[n++] = (char *)log;
	argv[n++] = "--lifetime";
	argv[n++] = "300";
	va_start(ap, log);
	while ((arg = va_arg(ap, const char *)) != NULL && n < 39)
		argv[n++] = (char *)arg;
	va_end(ap);
	argv[n] = NULL;
	pid = spawn(log, argv);
	wait_for_port(port, pid, log);
	return pid;
}

/* ---- a registry, and the test's CA ------------------------------------------------------------- */

struct registry {
	int port;
	char dir[PATH_MAX / 2]; /* config, log */
	char data[PATH_MAX];    /* its storage */
	char name[64];          /* "127.0.0.1:PORT" */
	pid_t pid;
};

struct registry_opts {
	bool tls;
	bool htpasswd;
	int token_port;         /* token auth against this server (0: none) */
	const char *realm;      /* the realm to announce (default http://127.0.0.1:TOKEN/token) */
	const char *service;    /* default mc-test-registry */
	int redirect_port;      /* redirect blob GETs to 127.0.0.1:PORT */
	const char *share_data; /* the storage of another registry (to seed it first) */
};

/* The test's CA, a server certificate for every name the tests use, and a token key. */
static const char *pki(void)
{
	static char dir[PATH_MAX];

	if (dir[0] != '\0')
		return dir;
	tjoin(dir, "pki");
	if (sh("mkdir -p '%s/ca' && cd '%s' && "
	       "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=mc-test-ca "
	       "-keyout ca.key -out ca/ca.crt && "
	       "openssl req -new -newkey rsa:2048 -nodes -subj /CN=" TEST_HOST " "
	       "-addext subjectAltName=DNS:" TEST_HOST ",DNS:registry-1.docker.io,"
	       "DNS:auth.docker.io,IP:127.0.0.1 -keyout server.key -out server.csr && "
	       "openssl x509 -req -in server.csr -CA ca/ca.crt -CAkey ca.key -CAcreateserial "
	       "-days 2 -copy_extensions copy -out server.crt && "
	       "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=mc-test-token "
	       "-keyout token.key -out token.crt && "
	       "htpasswd -Bbn " USER " " PASSWORD " > htpasswd",
	       dir, dir) != 0) {
		dir[0] = '\0';
		fail_msg("make the test PKI: %s", output);
	}
	return dir;
}

/* The token server, signing with the test's token key; `tls`: on HTTPS, with the server certificate. */
static void start_token_server(int port, const char *log, const char *service, bool tls)
{
	char key[PATH_MAX], cert[PATH_MAX], tls_cert[PATH_MAX], tls_key[PATH_MAX];

	snprintf(key, sizeof(key), "%s/token.key", pki());
	snprintf(cert, sizeof(cert), "%s/token.crt", pki());
	snprintf(tls_cert, sizeof(tls_cert), "%s/server.crt", pki());
	snprintf(tls_key, sizeof(tls_key), "%s/server.key", pki());
	if (tls)
		start_helper("token", port, log, "--sign-key", key, "--sign-cert", cert,
		             "--service", service, "--user", USER ":" PASSWORD, "--tls-cert",
		             tls_cert, "--tls-key", tls_key, NULL);
	else
		start_helper("token", port, log, "--sign-key", key, "--sign-cert", cert,
		             "--service", service, "--user", USER ":" PASSWORD, NULL);
}

static void write_registry_config(const struct registry *r, const struct registry_opts *o)
{
	char path[PATH_MAX * 2], text[8192];
	size_t n;

	n = (size_t)snprintf(text, sizeof(text),
	                     "version: 0.1\nlog:\n  level: info\n"
	                     "storage:\n  filesystem:\n    rootdirectory: %s\n"
	                     "  delete:\n    enabled: true\n"
	                     "http:\n  addr: 127.0.0.1:%d\n  secret: mc-test\n",
	                     r->data, r->port);
	if (o->tls)
		n += (size_t)snprintf(
		    text + n, sizeof(text) - n,
		    "  tls:\n    certificate: %s/server.crt\n    key: %s/server.key\n", pki(),
		    pki());
	if (o->htpasswd)
		n += (size_t)snprintf(
		    text + n, sizeof(text) - n,
		    "auth:\n  htpasswd:\n    realm: mc-test\n    path: %s/htpasswd\n", pki());
	if (o->token_port != 0) {
		char realm[256];

		snprintf(realm, sizeof(realm), "http://127.0.0.1:%d/token", o->token_port);
		n += (size_t)snprintf(
		    text + n, sizeof(text) - n,
		    "auth:\n  token:\n    realm: %s\n    service: %s\n"
		    "    issuer: mc-test-issuer\n    rootcertbundle: %s/token.crt\n",
		    o->realm ? o->realm : realm, o->service ? o->service : "mc-test-registry",
		    pki());
	}
	if (o->redirect_port != 0)
		snprintf(text + n, sizeof(text) - n,
		         "middleware:\n  storage:\n    - name: redirect\n      options:\n"
		         "        baseurl: http://127.0.0.1:%d/\n",
		         o->redirect_port);
	snprintf(path, sizeof(path), "%s/config.yml", r->dir);
	write_file(path, text);
}

static const char *registry_binary(void)
{
	return have("docker-registry") ? "docker-registry" : "registry";
}

static void start_registry(struct registry *r, const struct registry_opts *o)
{
	char config[PATH_MAX * 2], log[PATH_MAX * 2];

	r->port = next_port++;
	snprintf(r->name, sizeof(r->name), "127.0.0.1:%d", r->port);
	snprintf(r->dir, sizeof(r->dir), "%s", tpath("registry-%d", r->port));
	remove_tree(r->dir);
	if (mkdir(r->dir, 0700) < 0)
		fail_msg("mkdir %s: %s", r->dir, strerror(errno));
	if (o->share_data != NULL)
		snprintf(r->data, sizeof(r->data), "%s", o->share_data);
	else
		snprintf(r->data, sizeof(r->data), "%s/data", r->dir);
	write_registry_config(r, o);
	snprintf(config, sizeof(config), "%s/config.yml", r->dir);
	snprintf(log, sizeof(log), "%s/log", r->dir);
	r->pid = spawn(log, (char *const[]){(char *)registry_binary(), "serve", config, NULL});
	wait_for_port(r->port, r->pid, log);
}

/* Again, on the same port and storage (after it was killed). */
static void restart_registry(struct registry *r)
{
	char config[PATH_MAX * 2], log[PATH_MAX * 2];

	snprintf(config, sizeof(config), "%s/config.yml", r->dir);
	snprintf(log, sizeof(log), "%s/log", r->dir);
	r->pid = spawn(log, (char *const[]){(char *)registry_binary(), "serve", config, NULL});
	wait_for_port(r->port, r->pid, log);
}

/* ---- images to seed registries with ---------------------------------------------------------- */

/* An OCI layout of the test image (busybox and the probe), tagged "latest"; made once. */
static const char *seed_layout(void)
{
	static char layout[PATH_MAX];
	struct img_store st;

	if (layout[0] != '\0')
		return layout;
	tjoin(layout, "seed-layout");
	open_store(&st, "seed");
	import_rootfs(&st, "busybox:latest", NULL);
	remove_tree(layout);
	save_one(&st, "busybox:latest", layout, IMG_FORMAT_OCI_LAYOUT);
	img_store_close(&st);
	return layout;
}

/* skopeo copy (sandboxed) from an OCI layout to the registry, as REPO:TAG. */
static void seed(const struct registry *r, const char *layout, const char *repo_tag,
                 const char *flags)
{
	PEER_OK("skopeo copy -q %s --dest-tls-verify=false oci:%s:latest docker://%s/%s", flags,
	        layout, r->name, repo_tag);
}

/* The digest skopeo sees for REPO:TAG. */
static void remote_digest(const char *name, const char *repo_tag, char *digest)
{
	PEER_OK("skopeo inspect --tls-verify=false --format '{{.Digest}}' docker://%s/%s", name,
	        repo_tag);
	snprintf(digest, IMG_DIGEST_LEN + 1, "%.*s", IMG_DIGEST_LEN, output);
}

/* Everything a registry test needs, or the reason it is skipped. */
#define REGISTRY_TEST()                                                                            \
	do {                                                                                       \
		MC_REQUIRE_ROOT();                                                                 \
		REQUIRE_ROOTFS();                                                                  \
		REQUIRE_TOOL("skopeo");                                                            \
		REQUIRE_TOOL("openssl");                                                           \
		REQUIRE_TOOL("htpasswd");                                                          \
		REQUIRE_TOOL("python3");                                                           \
		if (!have("docker-registry") && !have("registry"))                                 \
			MC_SKIP("needs docker-registry (the distribution registry): make deps");   \
		enter_network_namespace();                                                         \
	} while (0)

/* ---- minicontainer, as a user runs it --------------------------------------------------------- */

/* The state one test's minicontainer commands share: a store, Docker's config, certs.d. */
struct client {
	char root[PATH_MAX];   /* MC_ROOT */
	char docker[PATH_MAX]; /* DOCKER_CONFIG */
	char certs[PATH_MAX];  /* MC_CERTS_DIR */
	char config[PATH_MAX]; /* MC_CONFIG_FILE */
	char env[4096];        /* more VAR=value words */
};

static void new_client(struct client *c, const char *name)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->root, sizeof(c->root), "%s", tpath("client-%s/root", name));
	snprintf(c->docker, sizeof(c->docker), "%s", tpath("client-%s/docker", name));
	snprintf(c->certs, sizeof(c->certs), "%s", tpath("client-%s/certs.d", name));
	snprintf(c->config, sizeof(c->config), "%s", tpath("client-%s/daemon.json", name));
	remove_tree(tpath("client-%s", name));
	if (sh("mkdir -p '%s' '%s' '%s'", c->root, c->docker, c->certs) != 0)
		fail_msg("%s", output);
}

static const char *mc_binary(void)
{
	const char *bin = getenv("MC_TEST_BIN");

	return bin ? bin : "build/bin/minicontainer";
}

static int mc(const struct client *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* minicontainer ARGS with the client's environment; output (stdout and stderr) in `output`. */
static int mc(const struct client *c, const char *fmt, ...)
{
	char args[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	return sh("env MC_ROOT='%s' MC_RUNDIR='%s/run' DOCKER_CONFIG='%s' MC_CERTS_DIR='%s' "
	          "MC_CONFIG_FILE='%s' REGISTRY_AUTH_FILE='%s/podman.json' %s %s %s",
	          c->root, c->root, c->docker, c->certs, c->config, c->docker, c->env, mc_binary(),
	          args);
}

#define MC_OK(c, ...)                                                                              \
	do {                                                                                       \
		if (mc(c, __VA_ARGS__) != 0)                                                       \
			fail_msg("minicontainer failed:\n%s", output);                             \
	} while (0)

#define MC_FAILS(c, needle, ...)                                                                   \
	do {                                                                                       \
		int status_ = mc(c, __VA_ARGS__);                                                  \
		if (status_ != 125 || strstr(output, needle) == NULL)                              \
			fail_msg("expected status 125 and \"%s\", got %d:\n%s", needle, status_,   \
			         output);                                                          \
	} while (0)

static void assert_output_has(const char *needle)
{
	if (strstr(output, needle) == NULL)
		fail_msg("\"%s\" is not in the output:\n%s", needle, output);
}

/* How many times `needle` is in the output. */
static int output_count(const char *needle)
{
	int n = 0;

	for (const char *p = output; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

static void assert_output_lacks(const char *needle)
{
	if (strstr(output, needle) != NULL)
		fail_msg("\"%s\" must not be in the output:\n%s", needle, output);
}

/* The store, read by the library: its tags, and the image under a name. */
static void open_client_store(const struct client *c, struct img_store *st)
{
	struct mc_error err;

	if (img_store_open(st, c->root, &err) < 0)
		fail_msg("%s", err.msg);
}

/* The file's lines containing `needle`, counted. */
static int log_count(const char *log, const char *needle)
{
	return sh("grep -c -F -e '%s' '%s'", needle, log) <= 1 ? atoi(output) : -1;
}

/* ---- pulling ------------------------------------------------------------------------------------ */

static void test_pull_plain_http_and_run(void **state)
{
	struct registry r;
	struct client c;
	struct img_store st;
	struct img_image *img;
	char digest[IMG_DIGEST_LEN + 1], line[400];

	(void)state;
	REGISTRY_TEST();
	start_registry(&r, &(struct registry_opts){0});
	seed(&r, seed_layout(), "library/busybox:latest", "");
	remote_digest(r.name, "library/busybox:latest", digest);
	new_client(&c, "plain");
	MC_OK(&c, "pull %s/library/busybox", r.name);
	assert_output_has("Using default tag: latest\nlatest: Pulling from library/busybox\n");
	/* One layer: one line per step of it (no "Downloading" lines when not on a terminal). */
	assert_int_equal(output_count(": Pulling fs layer\n"), 1);
	assert_int_equal(output_count(": Pull complete\n"), 1);
	assert_int_equal(output_count("Downloading"), 0);
	snprintf(line, sizeof(line),
	         "Digest: %s\nStatus: Downloaded newer image for "
	         "%s/library/busybox:latest\n%s/library/busybox:latest\n",
	         digest, r.name, r.name);
	assert_output_has(line);
	/* The event log says so, as Docker's daemon would (`minicontainer events`). */
	MC_OK(&c,
	      "events --since 1h --until 0s --filter type=image --format '{{.Action}} {{.ID}}'");
	snprintf(line, sizeof(line), "pull %s/library/busybox:latest\n", r.name);
	assert_output_has(line);
	/* skopeo pushed the layer gzip'd: the store keeps it so, unpacked once. */
	open_client_store(&c, &st);
	img = find_image(&st, digest);
	assert_string_equal(img->manifest_digest, digest);
	assert_string_equal(img->layers[0].media_type, MT_OCI_LAYER_GZIP);
	free_image(img);
	img_store_close(&st);
	MC_OK(&c, "run --rm %s/library/busybox /probe pid", r.name);
	assert_output_has("pid=1\n");
	/* Again: nothing to fetch. */
	MC_OK(&c, "--trace pull %s/library/busybox:latest", r.name);
	assert_output_has("Status: Image is up to date for");
	assert_output_lacks("/blobs/");
	assert_output_has("GET http://127.0.0.1:");
	MC_OK(&c, "pull -q %s/library/busybox", r.name);
	snprintf(line, sizeof(line), "%s/library/busybox:latest\n", r.name);
	assert_string_equal(output, line);
	/* A tag the registry does not have: Docker's words, and nothing stored. */
	MC_FAILS(&c, "not found", "pull %s/library/busybox:nope", r.name);
	snprintf(
	    line, sizeof(line),
	    "manifest for %s/library/busybox:nope not found: MANIFEST_UNKNOWN: manifest unknown\n",
	    r.name);
	assert_output_has(line);
	stop_servers(NULL);
}

static void test_pull_by_digest(void **state)
{
	struct registry r;
	struct client c;
	char digest[IMG_DIGEST_LEN + 1], wrong[IMG_DIGEST_LEN + 1];

	(void)state;
	REGISTRY_TEST();
	start_registry(&r, &(struct registry_opts){0});
	seed(&r, seed_layout(), "library/busybox:latest", "");
	remote_digest(r.name, "library/busybox:latest", digest);
	new_client(&c, "digest");
	MC_OK(&c, "pull %s/library/busybox@%s", r.name, digest);
	assert_output_has(digest);
	MC_OK(&c, "run --rm %s/library/busybox@%s /probe pid", r.name, digest);
	assert_output_has("pid=1\n");
	/* A digest the registry does not have: not found, whatever the tag. */
	memcpy(wrong, digest, sizeof(wrong));
	wrong[IMG_DIGEST_LEN - 1] = wrong[IMG_DIGEST_LEN - 1] == '0' ? '1' : '0';
	MC_FAILS(&c, "not found", "pull %s/library/busybox@%s", r.name, wrong);
	stop_servers(NULL);
}

/* minicontainer where TEST_HOST is 127.0.0.1: a hosts file of its own, in a mount namespace. */
static int mc_with_hosts(const struct client *c, const char *args)
{
	const char *hosts = tpath("hosts");

	write_file(hosts, "127.0.0.1 localhost\n127.0.0.1 " TEST_HOST "\n");
	return sh("unshare --mount sh -c \"mount --bind %s /etc/hosts && exec env MC_ROOT=%s "
	          "MC_RUNDIR=%s/run DOCKER_CONFIG=%s MC_CERTS_DIR=%s %s %s\"",
	          hosts, c->root, c->root, c->docker, c->certs, mc_binary(), args);
}

static size_t blob_count(const struct client *c)
{
	return sh("ls -A '%s/images/blobs/sha256' | wc -l", c->root) == 0 ? (size_t)atoi(output)
	                                                                  : 999;
}

static void test_pull_https_needs_the_ca(void **state)
{
	struct registry r;
	struct client c;
	char args[512];

	(void)state;
	REGISTRY_TEST();
	start_registry(&r, &(struct registry_opts){.tls = true});
	seed(&r, seed_layout(), "library/busybox:latest", "");
	new_client(&c, "https");
	/* A name that is not a loopback address: TLS is verified, and our CA is unknown. */
	snprintf(args, sizeof(args), "pull " TEST_HOST ":%d/library/busybox", r.port);
	if (mc_with_hosts(&c, args) != 125 || strstr(output, "certificate") == NULL)
		fail_msg("pull without the CA did not fail on the certificate:\n%s", output);
	assert_int_equal(blob_count(&c), 0);
	/* With the CA: --cert-dir, or Docker's layout certs.d/HOST:PORT/ca.crt. */
	snprintf(args, sizeof(args), "pull --cert-dir %s/ca " TEST_HOST ":%d/library/busybox",
	         pki(), r.port);
	if (mc_with_hosts(&c, args) != 0)
		fail_msg("pull with --cert-dir failed:\n%s", output);
	new_client(&c, "https-certs-d");
	if (sh("mkdir -p '%s/" TEST_HOST ":%d' && cp %s/ca/ca.crt '%s/" TEST_HOST ":%d/'", c.certs,
	       r.port, pki(), c.certs, r.port) != 0)
		fail_msg("%s", output);
	snprintf(args, sizeof(args), "pull " TEST_HOST ":%d/library/busybox", r.port);
	if (mc_with_hosts(&c, args) != 0)
		fail_msg("pull with certs.d failed:\n%s", output);
	/* Without verification, on request. */
	new_client(&c, "https-no-verify");
	snprintf(args, sizeof(args), "pull --tls-verify=false " TEST_HOST ":%d/library/busybox",
	         r.port);
	if (mc_with_hosts(&c, args) != 0)
		fail_msg("pull --tls-verify=false failed:\n%s", output);
	/* 127.0.0.1 is insecure by default, as in Docker - unless verification is asked for. */
	new_client(&c, "https-loopback");
	MC_OK(&c, "pull %s/library/busybox", r.name);
	new_client(&c, "https-loopback-verify");
	MC_FAILS(&c, "certificate", "pull --tls-verify %s/library/busybox", r.name);
	MC_OK(&c, "pull --tls-verify --cert-dir %s/ca %s/library/busybox", pki(), r.name);
	stop_servers(NULL);
}

/* Seed a registry that wants credentials: through a twin without auth on the same storage. */
static void seed_through_twin(const char *data, const char *layout, const char *repo_tag,
                              const char *flags)
{
	struct registry twin;

	start_registry(&twin, &(struct registry_opts){.share_data = data});
	seed(&twin, layout, repo_tag, flags);
	stop_server(twin.pid);
}

static void test_basic_auth_login_logout(void **state)
{
	struct registry r;
	struct client c;
	char b64[64], path[PATH_MAX * 2];
	struct stat sb;

	(void)state;
	REGISTRY_TEST();
	start_registry(&r, &(struct registry_opts){.htpasswd = true});
	seed_through_twin(r.data, seed_layout(), "library/busybox:latest", "");
	new_client(&c, "basic");
	MC_FAILS(&c, "unauthorized", "pull %s/library/busybox", r.name);
	assert_output_has("minicontainer login");
	MC_FAILS(&c, "unauthorized", "login -u " USER " -p wrong %s", r.name);
	snprintf(path, sizeof(path), "%s/config.json", c.docker);
	assert_false(exists(path));
	write_file(tpath("password"), PASSWORD "\n");
	MC_OK(&c, "login -u " USER " --password-stdin %s < %s", r.name, tpath("password"));
	assert_output_has("Login Succeeded\n");
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	/* Docker's file: "auth" is base64(user:password). */
	if (sh("printf %%s '" USER ":" PASSWORD "' | base64") != 0)
		fail_msg("%s", output);
	snprintf(b64, sizeof(b64), "%.*s", (int)strcspn(output, "\n"), output);
	if (sh("grep -c '%s' '%s'", b64, path) != 0)
		fail_msg("config.json lacks the credentials:\n%s", output);
	/* Credentials never show, even with --trace. */
	MC_OK(&c, "--trace pull %s/library/busybox", r.name);
	assert_output_has("Basic authentication");
	assert_output_lacks(PASSWORD);
	assert_output_lacks(b64);
	MC_OK(&c, "run --rm %s/library/busybox /probe pid", r.name);
	MC_OK(&c, "logout %s", r.name);
	assert_output_has("Removing login credentials for 127.0.0.1:");
	MC_OK(&c, "logout %s", r.name);
	assert_output_has("Not logged in to");
	new_client(&c, "basic-again");
	MC_FAILS(&c, "unauthorized", "pull %s/library/busybox", r.name);
	stop_servers(NULL);
}

static void test_token_auth_pull_and_push(void **state)
{
	const char *token_log = tpath("token-%d.log", next_port);
	struct registry r;
	struct client c;
	char user[64];
	int token_port = next_port++;

	(void)state;
	REGISTRY_TEST();
	start_token_server(token_port, token_log, "mc-test-registry", false);
	start_registry(&r, &(struct registry_opts){.token_port = token_port});
	seed_through_twin(r.data, seed_layout(), "library/busybox:latest", "");
	new_client(&c, "token");
	/* Anonymous pull: the token server hands out pull tokens to anyone. */
	MC_OK(&c, "--trace pull %s/library/busybox", r.name);
	assert_output_has("asks for a Bearer token");
	assert_output_lacks("eyJ"); /* a JWT's first bytes: tokens are never shown */
	assert_int_equal(log_count(token_log, "scope=repository%3Alibrary%2Fbusybox%3Apull "
	                                      "user=anonymous"),
	                 1);
	/* Pushing needs credentials. */
	MC_OK(&c, "tag %s/library/busybox %s/" USER "/app:v1", r.name, r.name);
	MC_FAILS(&c, "unauthorized", "push %s/" USER "/app:v1", r.name);
	MC_FAILS(&c, "incorrect username or password", "login -u " USER " -p nope %s", r.name);
	MC_OK(&c, "login -u " USER " -p " PASSWORD " %s", r.name);
	MC_OK(&c, "--trace push %s/" USER "/app:v1", r.name);
	/* The layer came from library/busybox: mounted from there (the token says we may). */
	assert_output_has(": Mounted from library/busybox\n");
	assert_output_has("v1: digest: sha256:");
	assert_output_lacks(PASSWORD);
	assert_output_lacks("eyJ");
	snprintf(user, sizeof(user), "user=%s", USER);
	assert_true(log_count(token_log, "%2Fapp%3Apull%2Cpush") >= 1);
	assert_true(log_count(token_log, user) >= 2);
	stop_servers(NULL);
}

/* ---- what registries serve: indexes, Docker's formats, zstd ------------------------------------ */

static void add_blob(const char *layout, const char *text, char *digest)
{
	char path[PATH_MAX * 2];

	img_digest_buffer(text, strlen(text), digest);
	snprintf(path, sizeof(path), "%s/blobs/sha256/%s", layout, img_digest_hex(digest));
	write_file(path, text);
}

/* The test image under another architecture: the same layers, a config that says so. */
static void add_other_arch(struct img_store *st, const struct img_image *img, const char *name)
{
	json_t *config = json_loads(img->config_json, 0, NULL);
	struct img_ref ref;
	struct mc_error err;
	char *text;

	json_object_set_new(config, "architecture", json_string(OTHER_ARCH));
	text = json_dumps(config, JSON_COMPACT);
	json_decref(config);
	if (img_ref_parse(name, &ref, &err) < 0 ||
	    img_store_add_image(st, text, img->layers, img->nlayer, &ref, NULL, &err) < 0)
		fail_msg("%s", err.msg);
	free(text);
}

static json_t *index_entry_for(const char *digest, size_t size, const char *os, const char *arch)
{
	return json_pack("{s:s, s:s, s:I, s:{s:s, s:s}}", "mediaType", MT_OCI_MANIFEST, "digest",
	                 digest, "size", (json_int_t)size, "platform", "os", os, "architecture",
	                 arch);
}

/*
 * An OCI layout whose "latest" is an index: this machine's image, the
 * other architecture's, and an attestation manifest as BuildKit makes them
 * (an in-toto layer, platform unknown/unknown, annotated).
 */
static const char *index_layout(char *host_manifest, char *other_manifest, char *index_digest)
{
	const char *layout = tpath("index-layout");
	const char *names[] = {"multi:host", "multi:other"};
	char config[IMG_DIGEST_LEN + 1], layer[IMG_DIGEST_LEN + 1], att[IMG_DIGEST_LEN + 1];
	char text[4096], *doc, path[PATH_MAX * 2];
	struct img_image *host, *other;
	struct img_store st;
	struct mc_error err;
	json_t *index, *attestation;

	open_store(&st, "index-src");
	import_rootfs(&st, "multi:host", NULL);
	host = find_image(&st, "multi:host");
	add_other_arch(&st, host, "multi:other");
	other = find_image(&st, "multi:other");
	snprintf(host_manifest, IMG_DIGEST_LEN + 1, "%s", host->manifest_digest);
	snprintf(other_manifest, IMG_DIGEST_LEN + 1, "%s", other->manifest_digest);
	remove_tree(layout);
	if (img_save(&st, names, 2, layout, IMG_FORMAT_OCI_LAYOUT, &err) < 0)
		fail_msg("%s", err.msg);
	add_blob(layout, "{\"_type\":\"https://in-toto.io/Statement/v0.1\"}", layer);
	snprintf(text, sizeof(text),
	         "{\"architecture\":\"unknown\",\"os\":\"unknown\",\"config\":{},"
	         "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"%s\"]}}",
	         layer);
	add_blob(layout, text, config);
	snprintf(text, sizeof(text),
	         "{\"schemaVersion\":2,\"mediaType\":\"" MT_OCI_MANIFEST "\",\"config\":"
	         "{\"mediaType\":\"" MT_OCI_CONFIG "\",\"digest\":\"%s\",\"size\":%zu},"
	         "\"layers\":[{\"mediaType\":\"application/vnd.in-toto+json\",\"digest\":\"%s\","
	         "\"size\":%zu}]}",
	         config, strlen(text), layer,
	         strlen("{\"_type\":\"https://in-toto.io/Statement/v0.1\"}"));
	add_blob(layout, text, att);
	attestation = index_entry_for(att, strlen(text), "unknown", "unknown");
	json_object_set_new(attestation, "annotations",
	                    json_pack("{s:s, s:s}", "vnd.docker.reference.type",
	                              "attestation-manifest", "vnd.docker.reference.digest",
	                              host->manifest_digest));
	index = json_pack(
	    "{s:i, s:s, s:[o, o, o]}", "schemaVersion", 2, "mediaType", MT_OCI_INDEX, "manifests",
	    index_entry_for(other->manifest_digest, 0, "linux", OTHER_ARCH),
	    index_entry_for(host->manifest_digest, 0, "linux", host_platform()->architecture),
	    attestation);
	/* The sizes of the two images' manifests, from the layout. */
	for (size_t i = 0; i < 2; i++) {
		json_t *e = json_array_get(json_object_get(index, "manifests"), i);
		struct stat sb;

		snprintf(path, sizeof(path), "%s/blobs/sha256/%s", layout,
		         img_digest_hex(json_string_value(json_object_get(e, "digest"))));
		assert_int_equal(stat(path, &sb), 0);
		json_object_set_new(e, "size", json_integer(sb.st_size));
	}
	doc = json_dumps(index, JSON_COMPACT);
	json_decref(index);
	add_blob(layout, doc, index_digest);
	snprintf(text, sizeof(text),
	         "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"" MT_OCI_INDEX "\","
	         "\"digest\":\"%s\",\"size\":%zu,\"annotations\":"
	         "{\"org.opencontainers.image.ref.name\":\"latest\"}}]}",
	         index_digest, strlen(doc));
	free(doc);
	snprintf(path, sizeof(path), "%s/index.json", layout);
	write_file(path, text);
	free_image(host);
	free_image(other);
	img_store_close(&st);
	return layout;
}

static void test_pull_index_two_platforms_and_attestation(void **state)
{
	char host_manifest[IMG_DIGEST_LEN + 1], other_manifest[IMG_DIGEST_LEN + 1];
	char index_digest[IMG_DIGEST_LEN + 1], line[300], name[300];
	struct img_store st;
	struct img_image *img;
	struct registry r;
	struct client c;
	const char *layout;
	uint64_t freed;
	struct mc_error err;

	(void)state;
	REGISTRY_TEST();
	layout = index_layout(host_manifest, other_manifest, index_digest);
	start_registry(&r, &(struct registry_opts){0});
	/* --all: every image of the index, the attestation too; compression as it is. */
	seed(&r, layout, "library/multi:latest", "--all --preserve-digests");
	new_client(&c, "index");
	MC_OK(&c, "--trace pull %s/library/multi", r.name);
	snprintf(line, sizeof(line), "Digest: %s\n", index_digest);
	assert_output_has(line);
	assert_output_has("application/vnd.oci.image.index.v1+json");
	snprintf(line, sizeof(line), "is %.19s", host_manifest);
	assert_output_has(line);
	/* The tag names the index; the image is this machine's. */
	open_client_store(&c, &st);
	snprintf(name, sizeof(name), "%s/library/multi:latest", r.name);
	img = find_image(&st, name);
	assert_string_equal(img->manifest_digest, index_digest);
	assert_string_equal(img->platform_digest, host_manifest);
	assert_true(img_blob_exists(&st, index_digest));
	assert_false(img_blob_exists(&st, other_manifest));
	free_image(img);
	/* The garbage collector keeps an index's children. */
	assert_int_equal(img_store_gc(&st, NULL, 0, &freed, &err), 0);
	img = find_image(&st, name);
	free_image(img);
	img_store_close(&st);
	MC_OK(&c, "run --rm %s/library/multi /probe pid", r.name);
	/* Another platform, asked for: not "up to date", though the index is the same. */
	MC_OK(&c, "pull --platform linux/%s %s/library/multi", OTHER_ARCH, r.name);
	assert_output_has("Status: Downloaded newer image");
	new_client(&c, "index-other");
	MC_OK(&c, "pull --platform linux/%s %s/library/multi", OTHER_ARCH, r.name);
	open_client_store(&c, &st);
	img = find_image(&st, name);
	assert_string_equal(img->platform_digest, other_manifest);
	assert_non_null(strstr(img->config_json, OTHER_ARCH));
	free_image(img);
	img_store_close(&st);
	MC_FAILS(&c, "no matching manifest for linux/s390x",
	         "pull --platform linux/s390x %s/library/multi", r.name);
	stop_servers(NULL);
}

/* curl against the registry, for what skopeo cannot make. */
static void test_docker_schema2_and_manifest_list(void **state)
{
	char digest[IMG_DIGEST_LEN + 1], list_digest[IMG_DIGEST_LEN + 1], text[2048];
	const char *manifest = tpath("v2s2.json"), *list = tpath("list.json");
	struct registry r;
	struct client c;
	char *bytes;

	(void)state;
	REGISTRY_TEST();
	REQUIRE_TOOL("curl");
	start_registry(&r, &(struct registry_opts){0});
	seed(&r, seed_layout(), "library/v2s2:latest", "--format v2s2");
	new_client(&c, "v2s2");
	MC_OK(&c, "--trace pull %s/library/v2s2", r.name);
	assert_output_has(MT_DOCKER_MANIFEST);
	MC_OK(&c, "run --rm %s/library/v2s2 /probe pid", r.name);
	/* A Docker manifest list naming that manifest, PUT by hand. */
	if (sh("curl -sf -H 'Accept: " MT_DOCKER_MANIFEST "' -o '%s' "
	       "http://%s/v2/library/v2s2/manifests/latest",
	       manifest, r.name) != 0)
		fail_msg("curl: %s", output);
	bytes = read_whole(manifest);
	img_digest_buffer(bytes, strlen(bytes), digest);
	snprintf(text, sizeof(text),
	         "{\"schemaVersion\":2,\"mediaType\":\"" MT_DOCKER_LIST "\",\"manifests\":["
	         "{\"mediaType\":\"" MT_DOCKER_MANIFEST "\",\"digest\":\"%s\",\"size\":%zu,"
	         "\"platform\":{\"os\":\"linux\",\"architecture\":\"%s\"}}]}",
	         digest, strlen(bytes), host_platform()->architecture);
	free(bytes);
	write_file(list, text);
	img_digest_buffer(text, strlen(text), list_digest);
	if (sh("curl -sf -X PUT -H 'Content-Type: " MT_DOCKER_LIST "' --data-binary @%s "
	       "http://%s/v2/library/v2s2/manifests/list",
	       list, r.name) != 0)
		fail_msg("curl: %s", output);
	MC_OK(&c, "--trace pull %s/library/v2s2:list", r.name);
	assert_output_has(MT_DOCKER_LIST);
	assert_output_has(list_digest);
	MC_OK(&c, "run --rm %s/library/v2s2:list /probe pid", r.name);
	assert_output_has("pid=1\n");
	stop_servers(NULL);
}

static void test_pull_zstd_layers(void **state)
{
	struct img_store st;
	struct img_image *img;
	struct registry r;
	struct client c;
	char name[300];

	(void)state;
	REGISTRY_TEST();
	start_registry(&r, &(struct registry_opts){0});
	seed(&r, seed_layout(), "library/zstd:latest",
	     "--dest-compress --dest-compress-format zstd");
	new_client(&c, "zstd");
	MC_OK(&c, "pull %s/library/zstd", r.name);
	open_client_store(&c, &st);
	snprintf(name, sizeof(name), "%s/library/zstd", r.name);
	img = find_image(&st, name);
	assert_string_equal(img->layers[0].media_type, MT_OCI_LAYER_ZSTD);
	free_image(img);
	img_store_close(&st);
	MC_OK(&c, "run --rm %s/library/zstd /probe pid", r.name);
	assert_output_has("pid=1\n");
	stop_servers(NULL);
}

/* ---- failures: tampering, a dying registry, a rate limit, artifacts ---------------------------- */

static void test_tampered_blob_stores_nothing(void **state)
{
	struct registry r;
	struct client c;

	(void)state;
	REGISTRY_TEST();
	start_registry(&r, &(struct registry_opts){0});
	seed(&r, seed_layout(), "library/busybox:latest", "");
	/* Change one byte of the largest blob in the registry's storage: the layer. */
	if (sh("f=$(find '%s' -name data -size +100k | head -1) && test -n \"$f\" && "
	       "printf X | dd of=\"$f\" bs=1 seek=1000 conv=notrunc status=none",
	       r.data) != 0)
		fail_msg("tamper: %s", output);
	new_client(&c, "tampered");
	MC_FAILS(&c, "content has digest", "pull %s/library/busybox", r.name);
	assert_output_has("refused");
	assert_int_equal(blob_count(&c), 0);
	assert_int_equal(count_entries(tpath("client-tampered/root/images/tmp")), 0);
	assert_int_equal(sh("grep -c ref.name '%s/images/index.json'", c.root), 1);
	stop_servers(NULL);
}

/* An image with one large layer of random bytes (it does not compress), tagged big:latest. */
static const char *big_layout(int megabytes)
{
	const char *layout = tpath("big-layout-%d", megabytes),
	           *dir = tpath("big-rootfs-%d", megabytes);
	const char *tar = tpath("big-%d.tar", megabytes);
	struct img_store st;
	struct img_ref ref;
	struct mc_error err;

	if (exists(layout))
		return layout;
	if (sh("rm -rf '%s' && cp -a '%s' '%s' && head -c %dM /dev/urandom > '%s/random' && "
	       "tar --numeric-owner -C '%s' -cf '%s' .",
	       dir, mc_test_rootfs(), dir, megabytes, dir, dir, tar) != 0)
		fail_msg("%s", output);
	open_store(&st, "big");
	if (img_ref_parse("big:latest", &ref, &err) < 0 ||
	    img_import(&st, tar, &ref, NULL, NULL, &err) < 0)
		fail_msg("%s", err.msg);
	save_one(&st, "big:latest", tpath("big-layout-%d", megabytes), IMG_FORMAT_OCI_LAYOUT);
	img_store_close(&st);
	remove_tree(dir);
	return layout;
}

/* Wait until a partial download in the store's tmp/ has at least `bytes`. */
static void wait_for_partial(const struct client *c, long bytes, pid_t pull)
{
	for (int i = 0; i < 400; i++) {
		if (sh("stat -c %%s %s/images/tmp/partial-* 2>/dev/null | sort -n | tail -1",
		       c->root) == 0 &&
		    atol(output) >= bytes)
			return;
		if (waitpid(pull, NULL, WNOHANG) == pull)
			fail_msg("the pull ended before it was interrupted");
		usleep(25 * 1000);
	}
	fail_msg("no partial download appeared");
}

static void test_killed_registry_then_resume(void **state)
{
	const char *relay_log = tpath("relay.log"), *pull_log = tpath("interrupted-pull.log");
	char cmd[PATH_MAX * 6], relay_port_text[16], to[16], line[200];
	struct registry r;
	struct client c;
	int relay_port, status;
	pid_t pull;

	(void)state;
	REGISTRY_TEST();
	start_registry(&r, &(struct registry_opts){0});
	seed(&r, big_layout(6), "library/big:latest", "");
	/* A relay that sends 2 MB a second, so that the pull is still running when we strike. */
	relay_port = next_port++;
	snprintf(to, sizeof(to), "%d", r.port);
	start_helper("relay", relay_port, relay_log, "--to", to, "--rate", "2000000", NULL);
	new_client(&c, "resume");
	snprintf(relay_port_text, sizeof(relay_port_text), "%d", relay_port);
	snprintf(cmd, sizeof(cmd),
	         "env MC_ROOT=%s MC_RUNDIR=%s/run DOCKER_CONFIG=%s MC_CONFIG_FILE=%s %s pull "
	         "127.0.0.1:%s/library/big",
	         c.root, c.root, c.docker, c.config, mc_binary(), relay_port_text);
	pull = spawn(pull_log, (char *const[]){"sh", "-c", cmd, NULL});
	wait_for_partial(&c, 1000000, pull);
	stop_server(r.pid); /* kill -9 the registry, mid-layer */
	assert_int_equal(waitpid(pull, &status, 0), pull);
	read_output(pull_log);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 125)
		fail_msg("the interrupted pull did not fail cleanly (status %d):\n%s", status,
		         output);
	assert_output_has("minicontainer: ");
	/* Nothing visible: no name, no unverified blob; the partial bytes are kept aside. */
	assert_int_equal(sh("grep -c ref.name '%s/images/index.json'", c.root), 1);
	if (sh("ls %s/images/tmp/ | grep -c partial-", c.root) != 0)
		fail_msg("no partial download was kept:\n%s", output);
	/* The registry is back: the second pull asks only for the rest. */
	restart_registry(&r);
	MC_OK(&c, "pull 127.0.0.1:%d/library/big", relay_port);
	assert_output_has("Status: Downloaded newer image");
	if (sh("grep -E -i -c 'range: bytes=[1-9][0-9]*-' '%s'", relay_log) != 0)
		fail_msg("the second pull did not resume with a Range request:\n%s", output);
	assert_int_equal(count_entries(tpath("client-resume/root/images/tmp")), 0);
	MC_OK(&c, "run --rm 127.0.0.1:%d/library/big /probe pid", relay_port);
	snprintf(line, sizeof(line), "pid=1\n");
	assert_output_has(line);
	stop_servers(NULL);
}

static void test_rate_limit_says_what_to_do(void **state)
{
	struct client c;
	int port;

	(void)state;
	REGISTRY_TEST();
	port = next_port++;
	start_helper("ratelimit", port, tpath("ratelimit.log"), NULL);
	new_client(&c, "ratelimit");
	MC_FAILS(&c, "toomanyrequests", "--trace pull 127.0.0.1:%d/library/busybox", port);
	assert_output_has("pulls left before the registry's rate limit: 0;w=21600");
	assert_output_has("429");
	assert_output_has("retry after 3600");
	assert_output_has("mirror");
	assert_output_has("log in");
	stop_servers(NULL);
}

/* A blob uploaded with curl: POST, then PUT with its digest. */
static void curl_blob(const struct registry *r, const char *repo, const char *text, char *digest)
{
	const char *file = tpath("curl-blob");

	write_file(file, text);
	img_digest_buffer(text, strlen(text), digest);
	if (sh("loc=$(curl -sf -X POST -D - -o /dev/null http://%s/v2/%s/blobs/uploads/ | "
	       "tr -d '\\r' | sed -n 's/^[Ll]ocation: //p') && "
	       "case $loc in /*) loc=http://%s$loc;; esac && "
	       /* (a form's Content-Type would make the registry read the body as a form) */
	       "curl -sf -X PUT -H 'Content-Type: application/octet-stream' --data-binary @%s "
	       "\"$loc&digest=%s\"",
	       r->name, repo, r->name, file, digest) != 0)
		fail_msg("upload with curl: %s", output);
}

static void test_pull_refuses_artifacts(void **state)
{
	char config[IMG_DIGEST_LEN + 1], layer[IMG_DIGEST_LEN + 1], text[2048];
	const char *file = tpath("artifact.json");
	struct registry r;
	struct client c;

	(void)state;
	REGISTRY_TEST();
	REQUIRE_TOOL("curl");
	start_registry(&r, &(struct registry_opts){0});
	curl_blob(&r, "charts/app", "{\"name\":\"app\",\"version\":\"1.0.0\"}", config);
	curl_blob(&r, "charts/app", "not a tar at all", layer);
	/* A Helm chart, as an OCI artifact: a manifest, but not of a container image. */
	snprintf(text, sizeof(text),
	         "{\"schemaVersion\":2,\"mediaType\":\"" MT_OCI_MANIFEST "\",\"config\":"
	         "{\"mediaType\":\"application/vnd.cncf.helm.config.v1+json\",\"digest\":\"%s\","
	         "\"size\":33},\"layers\":[{\"mediaType\":"
	         "\"application/vnd.cncf.helm.chart.content.v1.tar+gzip\",\"digest\":\"%s\","
	         "\"size\":16}]}",
	         config, layer);
	write_file(file, text);
	if (sh("curl -sf -X PUT -H 'Content-Type: " MT_OCI_MANIFEST "' --data-binary @%s "
	       "http://%s/v2/charts/app/manifests/1.0.0",
	       file, r.name) != 0)
		fail_msg("curl: %s", output);
	new_client(&c, "artifact");
	MC_FAILS(&c, "not a container image", "pull %s/charts/app:1.0.0", r.name);
	assert_int_equal(blob_count(&c), 0);
	stop_servers(NULL);
}

/* ---- around registries: mirrors, proxies, redirects, Docker Hub ---------------------------------- */

static void test_pull_through_mirrors(void **state)
{
	struct registry empty, full;
	struct client c;
	char json[512], line[300];

	(void)state;
	REGISTRY_TEST();
	start_registry(&empty, &(struct registry_opts){0});
	start_registry(&full, &(struct registry_opts){0});
	seed(&full, seed_layout(), "library/busybox:latest", "");
	new_client(&c, "mirrors");
	/* Docker's daemon.json shape: the first mirror lacks the image, the second has it. */
	snprintf(json, sizeof(json), "{\"registry-mirrors\": [\"http://%s\", \"http://%s/\"]}",
	         empty.name, full.name);
	write_file(c.config, json);
	MC_OK(&c, "--trace pull busybox");
	snprintf(line, sizeof(line), "mirror http://%s: ", empty.name);
	assert_output_has(line);
	assert_output_has("trying the next endpoint");
	assert_output_has("Status: Downloaded newer image for busybox:latest\n"
	                  "docker.io/library/busybox:latest\n");
	assert_output_lacks("registry-1.docker.io");
	MC_OK(&c, "run --rm busybox /probe pid");
	assert_output_has("pid=1\n");
	/* The same with the environment variable, and a mirror that is down. */
	new_client(&c, "mirrors-env");
	snprintf(c.env, sizeof(c.env), "MC_REGISTRY_MIRRORS=http://127.0.0.1:%d,http://%s",
	         next_port++, full.name);
	MC_OK(&c, "pull busybox:latest");
	assert_output_has("docker.io/library/busybox:latest\n");
	stop_servers(NULL);
}

static void test_pull_through_https_proxy(void **state)
{
	const char *proxy_log = tpath("proxy-%d.log", next_port);
	struct registry r;
	struct client c;
	char map[128];
	int proxy;

	(void)state;
	REGISTRY_TEST();
	start_registry(&r, &(struct registry_opts){.tls = true});
	seed(&r, seed_layout(), "library/busybox:latest", "");
	proxy = next_port++;
	snprintf(map, sizeof(map), TEST_HOST ":%d=%d", r.port, r.port);
	start_helper("proxy", proxy, proxy_log, "--map", map, NULL);
	/* TEST_HOST resolves nowhere: only the proxy knows where it is. */
	new_client(&c, "proxy-none");
	MC_FAILS(&c, "resolve", "pull --cert-dir %s/ca " TEST_HOST ":%d/library/busybox", pki(),
	         r.port);
	new_client(&c, "proxy");
	snprintf(c.env, sizeof(c.env), "HTTPS_PROXY=http://127.0.0.1:%d", proxy);
	MC_OK(&c, "pull --cert-dir %s/ca " TEST_HOST ":%d/library/busybox", pki(), r.port);
	assert_true(log_count(proxy_log, "CONNECT " TEST_HOST) >= 1);
	/* NO_PROXY is honoured. */
	new_client(&c, "proxy-bypassed");
	snprintf(c.env, sizeof(c.env), "HTTPS_PROXY=http://127.0.0.1:%d NO_PROXY=" TEST_HOST,
	         proxy);
	MC_FAILS(&c, "resolve", "pull --cert-dir %s/ca " TEST_HOST ":%d/library/busybox", pki(),
	         r.port);
	stop_servers(NULL);
}

static void test_redirect_keeps_the_token_home(void **state)
{
	const char *files_log = tpath("files-%d.log", next_port), *token_log = tpath("token-r.log");
	int files = next_port++, token = next_port++;
	char root[PATH_MAX];
	struct registry r;
	struct client c;

	(void)state;
	REGISTRY_TEST();
	start_token_server(token, token_log, "mc-test-registry", false);
	start_registry(&r, &(struct registry_opts){.token_port = token, .redirect_port = files});
	seed_through_twin(r.data, seed_layout(), "library/busybox:latest", "");
	snprintf(root, sizeof(root), "%s", r.data);
	start_helper("files", files, files_log, "--root", root, NULL);
	new_client(&c, "redirect");
	MC_OK(&c, "--trace pull %s/library/busybox", r.name);
	assert_output_has("the Authorization header stays behind");
	/* The blob storage got the config and the layer, and never a token. */
	assert_int_equal(log_count(files_log, "authorization=no"), 2);
	assert_int_equal(log_count(files_log, "authorization=yes"), 0);
	MC_OK(&c, "run --rm %s/library/busybox /probe pid", r.name);
	stop_servers(NULL);
}

/* Docker Hub, played by local servers behind a proxy: registry-1.docker.io and auth.docker.io. */
static void test_docker_hub_defaults(void **state)
{
	const char *token_log = tpath("hub-token.log"), *proxy_log = tpath("hub-proxy.log");
	int token = next_port++, proxy = next_port++;
	char map1[64], map2[64];
	struct registry r;
	struct client c;

	(void)state;
	REGISTRY_TEST();
	start_token_server(token, token_log, "registry.docker.io", true);
	start_registry(&r, &(struct registry_opts){.tls = true,
	                                           .token_port = token,
	                                           .realm = "https://auth.docker.io/token",
	                                           .service = "registry.docker.io"});
	seed_through_twin(r.data, seed_layout(), "library/busybox:latest", "");
	snprintf(map1, sizeof(map1), "registry-1.docker.io:443=%d", r.port);
	snprintf(map2, sizeof(map2), "auth.docker.io:443=%d", token);
	start_helper("proxy", proxy, proxy_log, "--map", map1, "--map", map2, NULL);
	new_client(&c, "hub");
	snprintf(c.env, sizeof(c.env), "HTTPS_PROXY=http://127.0.0.1:%d", proxy);
	if (sh("mkdir -p '%s/docker.io' && cp %s/ca/ca.crt '%s/docker.io/'", c.certs, pki(),
	       c.certs) != 0)
		fail_msg("%s", output);
	MC_OK(&c, "pull busybox");
	assert_output_has("latest: Pulling from library/busybox\n");
	assert_output_has("docker.io/library/busybox:latest\n");
	assert_true(log_count(proxy_log, "CONNECT registry-1.docker.io:443") >= 1);
	assert_true(log_count(proxy_log, "CONNECT auth.docker.io:443") >= 1);
	assert_int_equal(
	    log_count(token_log,
	              "service=registry.docker.io&scope=repository%3Alibrary%2Fbusybox%3Apull"),
	    1);
	MC_OK(&c, "images");
	assert_output_has("busybox ");
	/* login without a server: Docker Hub, stored under its historical key. */
	write_file(tpath("hub-password"), PASSWORD "\n");
	MC_OK(&c, "login -u " USER " --password-stdin < %s", tpath("hub-password"));
	assert_output_has("Login Succeeded\n");
	if (sh("grep -c '\"https://index.docker.io/v1/\"' '%s/config.json'", c.docker) != 0)
		fail_msg("config.json lacks Docker Hub's key:\n%s", output);
	MC_OK(&c, "pull busybox");
	assert_true(log_count(token_log, "library%2Fbusybox%3Apull user=" USER) >= 1);
	MC_OK(&c, "logout");
	assert_output_has("Removing login credentials for https://index.docker.io/v1/\n");
	stop_servers(NULL);
}

/* ---- push, and run's implicit pull --------------------------------------------------------------- */

static void test_push_round_trip_and_podman(void **state)
{
	const char *pod = tpath("podman-push");
	char env[PATH_MAX * 3], cgroup[64], pushed[IMG_DIGEST_LEN + 1], remote[IMG_DIGEST_LEN + 1];
	char run_output[sizeof(output)], name[300];
	struct img_store st;
	struct img_image *mine, *back;
	struct registry r;
	struct client c, c2;
	const char *digest;
	int rc;

	(void)state;
	REGISTRY_TEST();
	REQUIRE_TOOL("podman");
	REQUIRE_TOOL("runc");
	start_registry(&r, &(struct registry_opts){0});
	new_client(&c, "push");
	/* 20 MB of random bytes: a layer larger than a chunk, sent in PATCHes. */
	MC_OK(&c, "load -i %s", big_layout(20));
	MC_OK(&c, "tag big:latest %s/team/app:v1", r.name);
	MC_OK(&c, "--trace push %s/team/app:v1", r.name);
	assert_output_has("The push refers to repository [");
	assert_output_has(": Pushed\n");
	assert_output_has("PATCH http://");
	digest = strstr(output, "v1: digest: ");
	assert_non_null(digest);
	snprintf(pushed, sizeof(pushed), "%.*s", IMG_DIGEST_LEN, digest + strlen("v1: digest: "));
	remote_digest(r.name, "team/app:v1", remote);
	assert_string_equal(remote, pushed);
	/* Again: everything is there. */
	MC_OK(&c, "push %s/team/app:v1", r.name);
	assert_output_has(": Layer already exists\n");
	/* Another repository of the same registry: mounted, not sent. */
	MC_OK(&c, "tag big:latest %s/team/copy:v1", r.name);
	MC_OK(&c, "push %s/team/copy:v1", r.name);
	assert_output_has(": Mounted from team/app\n");
	/* Pulled back into an empty store: the very same image. */
	new_client(&c2, "push-back");
	MC_OK(&c2, "pull %s/team/app:v1", r.name);
	open_client_store(&c, &st);
	mine = find_image(&st, "big:latest");
	img_store_close(&st);
	open_client_store(&c2, &st);
	snprintf(name, sizeof(name), "%s/team/app:v1", r.name);
	back = find_image(&st, name);
	img_store_close(&st);
	assert_string_equal(back->manifest_digest, pushed);
	assert_string_equal(back->manifest_digest, mine->manifest_digest);
	assert_string_equal(back->config_digest, mine->config_digest);
	free_image(mine);
	free_image(back);
	/* podman pulls what we pushed, and runs it. */
	remove_tree(pod);
	write_podman_config(pod);
	snprintf(
	    env, sizeof(env),
	    "export CONTAINERS_STORAGE_CONF=%s/storage.conf CONTAINERS_CONF=%s/containers.conf",
	    pod, pod);
	snprintf(cgroup, sizeof(cgroup), "mc-test-podman-%d", (int)getpid());
	rc = peer("%s; podman pull -q --tls-verify=false %s/team/app:v1 >/dev/null && "
	          "podman image inspect --format '{{.Digest}}' %s/team/app:v1 && "
	          "podman run --rm --network none --runtime runc --cgroup-manager cgroupfs "
	          "--cgroup-parent /%s %s/team/app:v1 /probe pid",
	          env, r.name, r.name, cgroup, r.name);
	memcpy(run_output, output, sizeof(output));
	peer("%s; podman system reset -f", env);
	remove_cgroup_parent(cgroup);
	sh("rm -rf --one-file-system '%s'", pod);
	if (rc != 0)
		fail_msg("podman pull/run failed (%d):\n%s", rc, run_output);
	assert_non_null(strstr(run_output, pushed));
	assert_non_null(strstr(run_output, "pid=1\n"));
	stop_servers(NULL);
}

static void test_run_pulls_a_missing_image(void **state)
{
	struct registry r;
	struct client c;
	char line[300];

	(void)state;
	REGISTRY_TEST();
	start_registry(&r, &(struct registry_opts){0});
	seed(&r, seed_layout(), "library/busybox:latest", "");
	new_client(&c, "run");
	MC_FAILS(&c, "No such image", "run --rm --pull never %s/library/busybox /probe pid",
	         r.name);
	MC_OK(&c, "run --rm %s/library/busybox /probe pid", r.name);
	snprintf(line, sizeof(line),
	         "Unable to find image '%s/library/busybox:latest' locally\n"
	         "latest: Pulling from library/busybox\n",
	         r.name);
	assert_output_has(line);
	assert_output_has("Status: Downloaded newer image for");
	assert_output_has("pid=1\n");
	/* Present now: no pull, unless always. */
	MC_OK(&c, "run --rm %s/library/busybox /probe pid", r.name);
	assert_output_lacks("Pulling");
	MC_OK(&c, "run --rm --pull always %s/library/busybox /probe pid", r.name);
	assert_output_has("Status: Image is up to date for");
	assert_output_lacks("Unable to find image");
	MC_OK(&c, "create --pull always %s/library/busybox /probe pid", r.name);
	stop_servers(NULL);
}

#define REGISTRY_CASE(t) cmocka_unit_test_teardown(t, stop_servers)

const struct CMUnitTest ch04_registry_tests[] = {
    cmocka_unit_test(test_challenge_bearer),
    cmocka_unit_test(test_challenge_quoting),
    cmocka_unit_test(test_token_response),
    cmocka_unit_test(test_index_picks_the_platform),
    cmocka_unit_test(test_index_skips_attestations),
    cmocka_unit_test(test_manifest_parse_refuses_bad_documents),
    cmocka_unit_test(test_credentials_files),
    cmocka_unit_test(test_blob_writer_resumes),
    REGISTRY_CASE(test_pull_plain_http_and_run),
    REGISTRY_CASE(test_pull_by_digest),
    REGISTRY_CASE(test_pull_https_needs_the_ca),
    REGISTRY_CASE(test_basic_auth_login_logout),
    REGISTRY_CASE(test_token_auth_pull_and_push),
    REGISTRY_CASE(test_pull_index_two_platforms_and_attestation),
    REGISTRY_CASE(test_docker_schema2_and_manifest_list),
    REGISTRY_CASE(test_pull_zstd_layers),
    REGISTRY_CASE(test_tampered_blob_stores_nothing),
    REGISTRY_CASE(test_killed_registry_then_resume),
    REGISTRY_CASE(test_rate_limit_says_what_to_do),
    REGISTRY_CASE(test_pull_refuses_artifacts),
    REGISTRY_CASE(test_pull_through_mirrors),
    REGISTRY_CASE(test_pull_through_https_proxy),
    REGISTRY_CASE(test_redirect_keeps_the_token_home),
    REGISTRY_CASE(test_docker_hub_defaults),
    REGISTRY_CASE(test_push_round_trip_and_podman),
    REGISTRY_CASE(test_run_pulls_a_missing_image),
};
const size_t ch04_registry_test_count =
    sizeof(ch04_registry_tests) / sizeof(ch04_registry_tests[0]);
