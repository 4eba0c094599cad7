/*
 * mc_volumes.c - volumes (minicontainer/mc_volume.h): the volume verbs with
 * their error cases in Docker's words (nothing changed by a refusal), the
 * copy-up from the image (owners, modes, symlinks kept, and a symlink in
 * the image never leading out of its root), volumes in use, rm -v and
 * run --rm taking anonymous volumes only, --volumes-from, data that
 * outlives its container, and system df counting volumes.  The facts come
 * from the volumes' directories under the test's MC_ROOT and from inside
 * the containers.
 */
#define _GNU_SOURCE
#include "mc_test.h"

#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- helpers ------------------------------------------------------------------------------- */

/* Every test starts and ends without volumes (and without containers). */
static int remove_all(void **state)
{
	char out[16384];

	remove_containers(state);
	if (geteuid() == 0 && root_dir[0] != '\0')
		mc(out, sizeof(out), "volume prune -a -f");
	return 0;
}

static void data_path(const char *volume, const char *name, char *buf, size_t size)
{
	if ((size_t)snprintf(buf, size, "%s/volumes/%s/_data%s%s", root_dir, volume,
	                     name[0] ? "/" : "", name) >= size)
		fail_msg("volume %s: path too long", volume);
}

/* How many volumes `volume ls -q` lists. */
static size_t volume_count(void)
{
	char out[16384], *lines[256];

	expect_status(mc(out, sizeof(out), "volume ls -q"), 0, "volume ls -q", out);
	return split_lines(out, lines, 256);
}

/* `volume ls -q` prints exactly `want`. */
static void expect_volumes(const char *want)
{
	char out[16384];

	expect_status(mc(out, sizeof(out), "volume ls -q"), 0, "volume ls -q", out);
	assert_string_equal(out, want);
}

/* `run --rm --network none ARGS`, which must succeed; its output into out. */
static void run_ok(char *out, size_t size, const char *args)
{
	expect_status(mc(out, size, "run --rm --network none %s", args), 0, args, out);
}

static void expect_mode(const char *path, mode_t mode, uid_t uid, gid_t gid)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		fail_msg("%s: missing", path);
	if ((st.st_mode & 07777) != mode || st.st_uid != uid || st.st_gid != gid)
		fail_msg("%s: mode %o owner %u:%u, expected %o %u:%u", path, st.st_mode & 07777,
		         st.st_uid, st.st_gid, mode, uid, gid);
}

/* ---- the verbs ----------------------------------------------------------------------------- */

static void test_volume_create_ls_inspect(void **state)
{
	char out[16384], *lines[64];
	json_t *doc, *v;
	size_t n;

	(void)state;
	MC_REQUIRE_ROOT();
	MC_REQUIRE_IMAGES();
	expect_status(mc(out, sizeof(out), "volume create data"), 0, "create", out);
	assert_string_equal(out, "data\n");
	/* Again: Docker returns the volume that is there. */
	expect_status(mc(out, sizeof(out), "volume create data"), 0, "create again", out);
	assert_string_equal(out, "data\n");
	expect_status(mc(out, sizeof(out),
	                 "volume create --label b=2 --label a -o type=tmpfs "
	                 "-o device=tmpfs -o o=size=1m --driver local tmp"),
	              0, "create with labels and options", out);
	expect_status(mc(out, sizeof(out), "volume create"), 0, "create without a name", out);
	out[strcspn(out, "\n")] = '\0';
	if (!is_hex_id(out, 64))
		fail_msg("volume create printed \"%s\", not a 64-hex name", out);

	expect_status(mc(out, sizeof(out), "volume inspect tmp"), 0, "inspect", out);
	doc = json_loads(out, 0, NULL);
	assert_true(json_is_array(doc) && json_array_size(doc) == 1);
	v = json_array_get(doc, 0);
	assert_string_equal(json_string_value(json_object_get(v, "Name")), "tmp");
	assert_string_equal(json_string_value(json_object_get(v, "Driver")), "local");
	assert_string_equal(json_string_value(json_object_get(v, "Scope")), "local");
	assert_string_equal(json_string_value(json_object_get(json_object_get(v, "Labels"), "b")),
	                    "2");
	assert_string_equal(json_string_value(json_object_get(json_object_get(v, "Labels"), "a")),
	                    "");
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(v, "Options"), "device")), "tmpfs");
	{
		/* Docker's time, to the second: "2026-12-02T03:00:00Z". */
		const char *t = json_string_value(json_object_get(v, "CreatedAt"));

		assert_true(t != NULL && strlen(t) == 20 && t[10] == 'T' && t[19] == 'Z');
	}
	json_decref(doc);
	/* Docker's fields, in its order; a volume without labels has null ones. */
	expect_status(mc(out, sizeof(out), "volume inspect --format '{{json .}}' data"), 0,
	              "inspect --format", out);
	{
		char want[PATH_MAX * 2];
		const char *at = strstr(out, "\"Driver\"");

		snprintf(want, sizeof(want),
		         "\"Driver\":\"local\",\"Labels\":null,\"Mountpoint\":\"%s/volumes/data/"
		         "_data\",\"Name\":\"data\",\"Options\":null,\"Scope\":\"local\"}\n",
		         root_dir);
		if (strncmp(out, "{\"CreatedAt\":\"", 14) != 0 || at == NULL ||
		    strcmp(at, want) != 0)
			fail_msg("volume inspect: Docker's object expected, got\n%s", out);
	}

	expect_status(mc(out, sizeof(out), "volume ls"), 0, "ls", out);
	n = split_lines(out, lines, 64);
	assert_int_equal(n, 4);
	assert_string_equal(lines[0], "DRIVER    VOLUME NAME");
	expect_status(mc(out, sizeof(out), "volume ls -q --filter name=at"), 0, "name=", out);
	assert_string_equal(out, "data\n");
	expect_status(mc(out, sizeof(out), "volume ls -q -f label=b=2"), 0, "label=", out);
	assert_string_equal(out, "tmp\n");
	expect_status(mc(out, sizeof(out), "volume ls -q -f label=a -f label=b=3"), 0, "labels",
	              out);
	assert_string_equal(out, "");
	expect_status(mc(out, sizeof(out), "volume ls -q -f driver=local -f dangling=true"), 0,
	              "driver= dangling=", out);
	assert_int_equal(split_lines(out, lines, 64), 3);
	expect_status(
	    mc(out, sizeof(out), "volume ls --format '{{.Name}}|{{.Labels}}' -f name=tmp"), 0,
	    "--format", out);
	assert_string_equal(out, "tmp|a=,b=2\n");
	expect_status(mc(out, sizeof(out), "volume ls --format json -f name=data"), 0, "json", out);
	doc = json_loads(out, 0, NULL);
	assert_non_null(doc);
	assert_string_equal(json_string_value(json_object_get(doc, "Name")), "data");
	json_decref(doc);
	expect_status(mc(out, sizeof(out), "volume list -q -f name=data"), 0, "volume list", out);
	assert_string_equal(out, "data\n");

	/* The errors: Docker's words, 125, and no volume made or changed. */
	expect_refusal("volume create 'a/b'",
	               "create a/b: \"a/b\" includes invalid characters for "
	               "a local volume name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" "
	               "are allowed");
	expect_refusal("volume create -d nfs y", "error looking up volume plugin nfs: plugin "
	                                         "\"nfs\" not found");
	expect_refusal("volume create -o foo=1 y", "invalid option: \"foo\"");
	expect_refusal("volume create -o type=tmpfs y", "missing required option: \"device\"");
	expect_refusal("volume create -o size=1g y", "quota size requested but no quota support");
	expect_refusal("volume create --name y z", "conflicting options");
	expect_refusal("volume create a b", "requires at most 1 argument");
	expect_refusal("volume inspect nosuch", "get nosuch: no such volume");
	expect_refusal("volume ls -f bogus=1", "invalid filter 'bogus'");
	expect_refusal("volume ls -f dangling=maybe", "invalid filter 'dangling=maybe'");
	expect_refusal("volume ls --format '{{.Nope'", "unclosed action");
	expect_refusal("volume ls extra", "accepts no arguments");
	expect_refusal("volume rm", "requires at least 1 argument");

	/* The group in --help, and its names for the shell's completion. */
	expect_status(mc(out, sizeof(out), "--help"), 0, "--help", out);
	expect_text(out, "  volume      Manage volumes\n", "main --help");
	expect_status(mc(out, sizeof(out), "volume --help"), 0, "volume --help", out);
	expect_text(out,
	            "  create      Create a volume\n  inspect     Display detailed information on "
	            "one or more volumes\n  ls          List volumes\n  prune       Remove unused "
	            "local volumes\n  rm          Remove one or more volumes\n",
	            "the volume group");
	expect_status(mc(out, sizeof(out), "__complete volume rm da"), 0, "complete", out);
	assert_string_equal(out, "data\n");
	expect_status(mc(out, sizeof(out), "__complete volume inspect --f"), 0, "flags", out);
	expect_text(out, "--format", "volume inspect's flags");
}

/* rm: each name in turn, the others still go; 1 when one could not (docker/cli's). */
static void test_volume_rm_in_use(void **state)
{
	char out[16384], id[128], want[256];

	(void)state;
	MC_REQUIRE_ROOT();
	MC_REQUIRE_IMAGES();
	expect_status(
	    mc(out, sizeof(out), "volume create gone1 && %s volume create gone2", mc_bin()), 0,
	    "create", out);
	expect_status(mc(id, sizeof(id), "create --network none --name holder -v kept:/k busybox"),
	              0, "create holder", id);
	id[strcspn(id, "\n")] = '\0';
	remember(id);
	/* A refused create leaves no volume behind: not the named one, not the image's. */
	expect_refusal("create --network none --name holder -v fresh:/f -v /anon busybox",
	               "Conflict. The container name \"/holder\" is already in use");
	/* A stopped (never started) container holds its volume too. */
	snprintf(want, sizeof(want), "remove kept: volume is in use - [%s]", id);
	expect_refusal_status("volume rm kept", 1, want);
	expect_refusal_status("volume rm -f kept", 1, want);
	expect_status(mc(out, sizeof(out), "volume rm gone1 nosuch kept gone2"), 1, "rm some", out);
	expect_text(out, "gone1\n", "rm");
	expect_text(out, "get nosuch: no such volume", "rm of a missing one");
	expect_text(out, want, "rm of one in use");
	expect_text(out, "gone2\n", "rm goes on after an error");
	expect_volumes("kept\n");
	/* -f: a missing volume is no error. */
	expect_status(mc(out, sizeof(out), "volume rm -f nosuch"), 0, "rm -f", out);
	assert_string_equal(out, "");
	expect_status(mc(out, sizeof(out), "volume remove -f nosuch"), 0, "volume remove", out);
	/* The container gone, the volume can go. */
	expect_status(mc(out, sizeof(out), "rm holder"), 0, "rm holder", out);
	expect_status(mc(out, sizeof(out), "volume rm kept"), 0, "rm kept", out);
	assert_int_equal(volume_count(), 0);
	/* Docker's volume events: made once, removed once. */
	expect_status(mc(out, sizeof(out),
	                 "events --since 10m --until 0s --filter volume=gone1 --format "
	                 "'{{.Type}} {{.Action}} {{.Actor.Attributes.driver}}'"),
	              0, "events", out);
	assert_string_equal(out, "volume create local\nvolume destroy local\n");
}

/* ---- volumes in containers ------------------------------------------------------------------- */

/*
 * The image's files at the target go into an empty volume, with their
 * owners and modes; symlinks are copied as symlinks; and a target that is a
 * symlink in the image is resolved inside its root (its /etc, not ours).
 */
static void test_copy_up(void **state)
{
	char out[16384], path[PATH_MAX], link[PATH_MAX], image_passwd[4096], copied[4096];
	const char *dir;
	ssize_t n;

	(void)state;
	MC_REQUIRE_ROOT();
	MC_REQUIRE_IMAGES();
	dir = import_variant("volimg",
	                     "mkdir -p data/sub && chown 1234:5678 data && chmod 0750 data && "
	                     "echo secret > data/sub/f && chown 42:43 data/sub/f && chmod 0640 "
	                     "data/sub/f && chmod 1777 data/sub && ln -s /etc/passwd data/esc && "
	                     "ln -s ../../../../../../etc data/up && ln -s /etc out && "
	                     "ln -s ../../../../etc out2");
	run_ok(out, sizeof(out), "-v copied:/data volimg:latest cat /data/sub/f");
	assert_string_equal(out, "secret\n");
	data_path("copied", "", path, sizeof(path));
	expect_mode(path, 0750, 1234, 5678);
	data_path("copied", "sub", path, sizeof(path));
	expect_mode(path, 01777, 0, 0);
	data_path("copied", "sub/f", path, sizeof(path));
	expect_mode(path, 0640, 42, 43);
	data_path("copied", "esc", path, sizeof(path));
	n = readlink(path, link, sizeof(link) - 1);
	assert_true(n > 0);
	link[n] = '\0';
	assert_string_equal(link, "/etc/passwd"); /* a link, as the image has it */
	data_path("copied", "up", path, sizeof(path));
	n = readlink(path, link, sizeof(link) - 1);
	assert_true(n > 0);

	/* /out is a symlink to /etc in the image: its /etc is copied, never the host's. */
	snprintf(path, sizeof(path), "%s/etc/passwd", dir);
	read_text(path, image_passwd, sizeof(image_passwd));
	for (int i = 0; i < 2; i++) {
		char args[256];
		const char *name = i == 0 ? "escape" : "escape2";

		snprintf(args, sizeof(args), "-v %s:/%s volimg:latest true", name,
		         i == 0 ? "out" : "out2");
		run_ok(out, sizeof(out), args);
		data_path(name, "passwd", path, sizeof(path));
		read_text(path, copied, sizeof(copied));
		assert_string_equal(copied, image_passwd);
		data_path(name, "debian_version", path, sizeof(path));
		if (access(path, F_OK) == 0)
			fail_msg("the host's /etc was copied into volume %s", name);
	}

	/* A volume with files keeps them: nothing is copied over them. */
	run_ok(out, sizeof(out), "-v copied:/data volimg:latest sh -c 'rm /data/sub/f'");
	run_ok(out, sizeof(out), "-v copied:/data volimg:latest ls /data/sub");
	assert_string_equal(out, "");
	/* nocopy, -v's and --mount's: the volume stays empty. */
	run_ok(out, sizeof(out), "-v nc1:/data:nocopy volimg:latest ls -A /data");
	assert_string_equal(out, "");
	run_ok(
	    out, sizeof(out),
	    "--mount type=volume,source=nc2,target=/data,volume-nocopy volimg:latest ls -A /data");
	assert_string_equal(out, "");
	run_ok(out, sizeof(out),
	       "--mount type=volume,src=cp2,dst=/data volimg:latest ls /data/sub");
	assert_string_equal(out, "f\n");
}

/* What one container writes, the next one reads; ro stays read-only. */
static void test_persistence_and_volumes_from(void **state)
{
	char out[16384], id[128], value[PATH_MAX + 256];

	(void)state;
	MC_REQUIRE_ROOT();
	MC_REQUIRE_IMAGES();
	run_ok(out, sizeof(out), "-v shared:/s busybox sh -c 'echo first > /s/note'");
	run_ok(out, sizeof(out), "-v shared:/s:ro busybox sh -c 'cat /s/note; touch /s/x || true'");
	expect_text(out, "first\n", "the data of the first container");
	expect_text(out, "Read-only file system", "-v NAME:/path:ro");
	run_ok(out, sizeof(out),
	       "--mount type=volume,source=shared,target=/s,readonly busybox "
	       "sh -c 'touch /s/y || true'");
	expect_text(out, "Read-only file system", "--mount ...,readonly");

	expect_status(mc(id, sizeof(id),
	                 "run --network none --name src -v shared:/s -v /anon busybox sh -c "
	                 "'echo anon > /anon/a'"),
	              0, "src", id);
	inspect("src", "{{.Id}}", id, sizeof(id));
	remember(id);
	run_ok(out, sizeof(out), "--volumes-from src busybox cat /s/note /anon/a");
	assert_string_equal(out, "first\nanon\n");
	run_ok(out, sizeof(out), "--volumes-from src:ro busybox sh -c 'touch /anon/b || true'");
	expect_text(out, "Read-only file system", "--volumes-from src:ro");
	expect_refusal("run --rm --network none --volumes-from nosuch busybox true", "nosuch");
	expect_refusal("run --rm --network none --volumes-from src:rx busybox true",
	               "invalid mode for volumes-from: rx");

	/* inspect: Docker's MountPoint fields, nothing of ours. */
	inspect("src", "{{range .Mounts}}{{if eq .Type \"volume\"}}{{json .}}{{end}}{{end}}", out,
	        sizeof(out));
	snprintf(value, sizeof(value),
	         "{\"Type\":\"volume\",\"Name\":\"shared\",\"Source\":\"%s/volumes/shared/_data\","
	         "\"Destination\":\"/s\",\"Driver\":\"local\",\"Mode\":\"\",\"RW\":true,"
	         "\"Propagation\":\"\"}",
	         root_dir);
	expect_text(out, value, "inspect's Mounts");
	expect_text(out, "\"Destination\":\"/anon\",\"Driver\":\"local\"", "the anonymous one");
	/* ps --filter volume=: by name or by destination. */
	expect_status(mc(out, sizeof(out), "ps -a --filter volume=shared --format '{{.Names}}'"), 0,
	              "ps volume=", out);
	assert_string_equal(out, "src\n");
	expect_status(mc(out, sizeof(out), "ps -a --filter volume=/anon --format '{{.Names}}'"), 0,
	              "ps volume=/path", out);
	assert_string_equal(out, "src\n");
}

/* Anonymous volumes: the image's VOLUME and -v /path; rm -v and --rm take them, not named ones. */
static void test_anonymous_volumes(void **state)
{
	char out[16384], id[128], name[128], path[PATH_MAX];

	(void)state;
	MC_REQUIRE_ROOT();
	MC_REQUIRE_IMAGES();
	import_variant("volimg2", "mkdir -p vol && echo from-image > vol/f");
	{
		char tar[PATH_MAX + 32];

		snprintf(tar, sizeof(tar), "%s/variant-volimg2.tar", mc_test_tmpdir());
		expect_status(
		    mc(out, sizeof(out), "import --change 'VOLUME /vol' '%s' volimg2:latest", tar),
		    0, "import with VOLUME", out);
	}
	expect_status(
	    mc(id, sizeof(id), "create --network none --name anon -v named:/n volimg2 true"), 0,
	    "create", id);
	id[strcspn(id, "\n")] = '\0';
	remember(id);
	inspect("anon", "{{range .Mounts}}{{if eq .Destination \"/vol\"}}{{.Name}}{{end}}{{end}}",
	        name, sizeof(name));
	if (!is_hex_id(name, 64))
		fail_msg("the image's VOLUME /vol: an anonymous volume expected, got \"%s\"", name);
	expect_status(mc(out, sizeof(out), "volume inspect --format '{{json .Labels}}' %s", name),
	              0, "labels", out);
	assert_string_equal(out, "{\"com.docker.volume.anonymous\":\"\"}\n");
	expect_status(mc(out, sizeof(out), "start -a anon"), 0, "start", out);
	data_path(name, "f", path, sizeof(path));
	read_text(path, out, sizeof(out));
	assert_string_equal(out, "from-image\n");
	/* rm without -v keeps it; with -v the anonymous one goes and the named one stays. */
	expect_status(mc(out, sizeof(out), "rm anon"), 0, "rm", out);
	assert_int_equal(volume_count(), 2);
	expect_status(mc(out, sizeof(out), "volume prune -a -f"), 0, "prune", out);
	expect_status(mc(id, sizeof(id),
	                 "create --network none --name anon2 -v named:/n -v /x "
	                 "--mount type=volume,target=/y busybox true"),
	              0, "create", id);
	id[strcspn(id, "\n")] = '\0';
	remember(id);
	assert_int_equal(volume_count(), 3);
	inspect("anon2", "{{json .Config.Volumes}}", out, sizeof(out));
	assert_string_equal(out, "{\"/x\":{},\"/y\":{}}");
	inspect("anon2", "{{json .HostConfig.Mounts}}", out, sizeof(out));
	if (strstr(out, "Named") != NULL || strstr(out, "CopyData") != NULL)
		fail_msg("inspect shows fields of ours: %s", out);
	expect_status(mc(out, sizeof(out), "rm -v anon2"), 0, "rm -v", out);
	expect_volumes("named\n");
	/* run --rm: the same. */
	run_ok(out, sizeof(out), "-v named:/n -v /x volimg2 true");
	expect_volumes("named\n");

	/* -v's errors, in moby's words; nothing made. */
	expect_refusal("create --network none -v 'bad@name:/x' busybox",
	               "\"bad@name\" includes invalid characters for a local volume name");
	expect_refusal("create --network none -v relative busybox", "invalid volume specification");
	expect_refusal("create --network none -v vol:relative busybox",
	               "invalid mount config for type \"volume\"");
	expect_refusal("create --network none --mount type=volume,target=/x,tmpfs-size=1m busybox",
	               "field TmpfsOptions must not be specified");
	expect_refusal("create --network none --mount type=bind,source=/tmp,target=/x,"
	               "volume-nocopy busybox",
	               "field VolumeOptions must not be specified");
	expect_refusal("create --network none --mount type=nfs,target=/x busybox",
	               "invalid mount type: nfs");
	expect_refusal("create --network none -v aa:/x -v bb:/x busybox",
	               "Duplicate mount point: /x");
}

/* prune: anonymous volumes only unless -a, never one in use; system df counts them. */
static void test_prune_and_df(void **state)
{
	char out[16384], id[128], *lines[32];
	size_t n;

	(void)state;
	MC_REQUIRE_ROOT();
	MC_REQUIRE_IMAGES();
	expect_status(mc(out, sizeof(out),
	                 "volume create --label keep=1 lone && %s volume create "
	                 "other",
	                 mc_bin()),
	              0, "create", out);
	run_ok(out, sizeof(out), "-v lone:/l busybox sh -c 'head -c 2048 /probe > /l/f'");
	expect_status(
	    mc(id, sizeof(id), "create --network none --name user -v used:/u -v /a busybox"), 0,
	    "create", id);
	id[strcspn(id, "\n")] = '\0';
	remember(id);
	expect_status(mc(out, sizeof(out),
	                 "volume create --label com.docker.volume.anonymous= "
	                 "loose"),
	              0, "an anonymous-labelled one", out);

	expect_status(mc(out, sizeof(out),
	                 "system df --format '{{.Type}}|{{.TotalCount}}|"
	                 "{{.Active}}|{{.Size}}|{{.Reclaimable}}' | grep Volumes"),
	              0, "system df", out);
	assert_string_equal(out, "Local Volumes|5|2|2.048kB|2.048kB (100%)\n");
	expect_status(mc(out, sizeof(out), "system df -v"), 0, "system df -v", out);
	expect_text(out, "\nLocal Volumes space usage:\n\nVOLUME NAME", "df -v");
	expect_text(out, "\nlone ", "df -v's rows");

	/* Without -a: the unused anonymous one only (Docker 23 and later). */
	expect_status(mc(out, sizeof(out), "volume prune -f"), 0, "prune", out);
	assert_string_equal(out, "Deleted Volumes:\nloose\n\nTotal reclaimed space: 0B\n");
	expect_status(mc(out, sizeof(out), "volume prune -f --filter label=keep=1 -a"), 0,
	              "prune label=", out);
	assert_string_equal(out, "Deleted Volumes:\nlone\n\nTotal reclaimed space: 2.048kB\n");
	expect_refusal("volume prune -f --filter until=1h", "invalid filter 'until'");
	expect_refusal("volume prune -f --filter bogus=1", "invalid filter 'bogus'");
	/* No answer at the prompt: nothing goes. */
	expect_status(mc(out, sizeof(out), "volume prune -a </dev/null"), 0, "prompt", out);
	expect_text(out,
	            "WARNING! This will remove all local volumes not used by at least one "
	            "container.",
	            "the prompt");
	expect_status(mc(out, sizeof(out), "volume prune -af"), 0, "prune -a", out);
	assert_string_equal(out, "Deleted Volumes:\nother\n\nTotal reclaimed space: 0B\n");
	expect_status(mc(out, sizeof(out), "volume ls -q"), 0, "ls", out);
	n = split_lines(out, lines, 32);
	assert_int_equal(n, 2); /* the container's: used, and its anonymous one */
	/* system prune --volumes: the stopped container, then its anonymous volume; not "used". */
	expect_status(mc(out, sizeof(out), "system prune -f --volumes"), 0, "system prune", out);
	expect_text(out, "Deleted Volumes:\n", "system prune --volumes");
	expect_volumes("used\n");
}

const struct CMUnitTest mc_volumes_tests[] = {
    cmocka_unit_test_teardown(test_volume_create_ls_inspect, remove_all),
    cmocka_unit_test_teardown(test_volume_rm_in_use, remove_all),
    cmocka_unit_test_teardown(test_copy_up, remove_all),
    cmocka_unit_test_teardown(test_persistence_and_volumes_from, remove_all),
    cmocka_unit_test_teardown(test_anonymous_volumes, remove_all),
    cmocka_unit_test_teardown(test_prune_and_df, remove_all),
};
const size_t mc_volumes_count = sizeof(mc_volumes_tests) / sizeof(mc_volumes_tests[0]);
