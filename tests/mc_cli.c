/*
 * mc_cli.c - Docker's command line: the management groups and their
 * aliases, the help and error shapes, ps and images with their filters and
 * formats, the man pages and the shell completion - all from one table
 * (minicontainer/verbs.c).
 */
#define _GNU_SOURCE
#include "mc_test.h"

#include <jansson.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

/* `cmd` through sh, stdout and stderr into `out`; its exit status. */
static int run_sh(char *out, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int run_sh(char *out, size_t size, const char *fmt, ...)
{
	char cmd[8192];
	size_t used = 0, n;
	va_list ap;
	FILE *p;
	int status;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	use_state_dirs();
	p = popen(cmd, "r");
	assert_non_null(p);
	while (used + 1 < size && (n = fread(out + used, 1, size - used - 1, p)) > 0)
		used += n;
	out[used] = '\0';
	status = pclose(p);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* ---- 1. the shape of the command line --------------------------------------------------- */

static void test_groups_and_aliases(void **state)
{
	static const char *const same[][2] = {
	    {"ps -a -q --no-trunc", "container ls -a -q --no-trunc"},
	    {"ps -a -q --no-trunc", "container list -a -q --no-trunc"},
	    {"ps -a -q --no-trunc", "container ps -a -q --no-trunc"},
	    {"images -q", "image ls -q"},
	    {"images -q", "image list -q"},
	    {"history -q busybox", "image history -q busybox"},
	    {"inspect --format '{{.Name}}' named", "container inspect --format '{{.Name}}' named"},
	    {"inspect --format '{{.Id}}' busybox", "image inspect --format '{{.Id}}' busybox"},
	};
	char a[8192], b[8192], out[8192];

	(void)state;
	MC_REQUIRE_ROOT();
	MC_REQUIRE_IMAGES();
	expect_status(mc(out, sizeof(out), "container create --name named busybox true"), 0,
	              "container create", out);
	remember(strtok(out, "\n"));
	for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		expect_status(mc(a, sizeof(a), "%s", same[i][0]), 0, same[i][0], a);
		expect_status(mc(b, sizeof(b), "%s", same[i][1]), 0, same[i][1], b);
		if (strcmp(a, b) != 0)
			fail_msg("'%s' and '%s' differ:\n%s\nvs\n%s", same[i][0], same[i][1], a, b);
	}
	/* The group commands are restricted to their kind, as Docker's. */
	expect_status(mc(out, sizeof(out), "container inspect busybox"), 1, "container inspect",
	              out);
	expect_text(out, "Error: No such container: busybox", "container inspect of an image");
	expect_status(mc(out, sizeof(out), "image inspect named"), 1, "image inspect", out);
	expect_text(out, "Error: No such image: named", "image inspect of a container");
	expect_status(mc(out, sizeof(out), "inspect --type volume named"), 125, "--type", out);
	expect_text(out, "\"volume\" is not a valid value for --type", "--type volume");
	/* rm through the group, and the container is gone */
	expect_status(mc(out, sizeof(out), "container rm named"), 0, "container rm", out);
	expect_status(mc(out, sizeof(out), "container inspect named"), 1, "inspect after rm", out);
}

static void test_help_and_errors(void **state)
{
	static const struct {
		const char *args;
		int status;
		const char *expect[3];
	} cases[] = {
	    {"--help",
	     0,
	     {"Common Commands:", "Management Commands:", "  container   Manage containers"}},
	    {"container --help",
	     0,
	     {"Usage:  minicontainer container COMMAND", "  ls          List containers", NULL}},
	    {"image",
	     0,
	     {"Usage:  minicontainer image COMMAND", "  rm          Remove one or more images",
	      NULL}},
	    {"container ls --help",
	     0,
	     {"Usage:  minicontainer container ls [OPTIONS]",
	      "Aliases:\n  minicontainer container ls, minicontainer container list, minicontainer "
	      "container ps, minicontainer ps",
	      "  -a, --all "}},
	    {"ps --help", 0, {"Usage:  minicontainer ps [OPTIONS]", "  -n, --last int ", NULL}},
	    {"ps --nope",
	     125,
	     {"unknown flag: --nope\nSee 'minicontainer ps --help'.", NULL, NULL}},
	    {"ps -Z", 125, {"unknown shorthand flag: 'Z' in -Z", NULL, NULL}},
	    {"container ls extra",
	     125,
	     {"\"minicontainer container ls\" accepts no arguments.\nSee 'minicontainer container "
	      "ls --help'.",
	      "Usage:  minicontainer container ls [OPTIONS]", NULL}},
	    {"rm", 125, {"\"minicontainer rm\" requires at least 1 argument.", NULL, NULL}},
	    {"tag a", 125, {"\"minicontainer tag\" requires exactly 2 arguments.", NULL, NULL}},
	    {"ps --format", 125, {"flag needs an argument: --format", NULL, NULL}},
	    {"ps -n x", 125, {"invalid argument \"x\" for \"-n, --last\" flag", NULL, NULL}},
	    {"ps --all=maybe",
	     125,
	     {"invalid argument \"maybe\" for \"-a, --all\" flag", NULL, NULL}},
	    {"ps --filter bogus", 125, {"bad format of filter (expected name=value)", NULL, NULL}},
	    {"ps --filter color=red", 125, {"invalid filter 'color'", NULL, NULL}},
	    {"ps --filter status=sleeping", 125, {"invalid filter 'status=sleeping'", NULL, NULL}},
	    {"ps --format '{{.Names'", 125, {"template", NULL, NULL}},
	    {"images --filter size=1", 125, {"invalid filter 'size'", NULL, NULL}},
	    {"frobnicate",
	     125,
	     {"minicontainer: 'frobnicate' is not a minicontainer command.", NULL, NULL}},
	    {"container frobnicate",
	     125,
	     {"'container frobnicate' is not a minicontainer command.\nSee 'minicontainer "
	      "container --help'.",
	      NULL, NULL}},
	    {"completion fish", 125, {"unsupported shell \"fish\"", NULL, NULL}},
	};
	char out[16384];

	(void)state;
	MC_REQUIRE_ROOT();
	MC_REQUIRE_IMAGES();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		expect_status(mc(out, sizeof(out), "%s", cases[i].args), cases[i].status,
		              cases[i].args, out);
		for (int k = 0; k < 3 && cases[i].expect[k] != NULL; k++)
			expect_text(out, cases[i].expect[k], cases[i].args);
	}
	/* A bool flag takes =false: --all=false is no --all. */
	{
		char a[8192], b[8192];

		expect_status(mc(a, sizeof(a), "ps -q --all=false"), 0, "ps --all=false", a);
		expect_status(mc(b, sizeof(b), "ps -q"), 0, "ps -q", b);
		assert_string_equal(a, b);
		/* A shorthand's value may follow '=', as pflag reads it: -e=A=1 is -e A=1. */
		expect_status(
		    mc(a, sizeof(a), "run --rm --network none -e=A=1 busybox sh -c 'echo $A'"), 0,
		    "run -e=A=1", a);
		assert_string_equal(a, "1\n");
	}
}

/* ---- 2. ps: filters and formats ---------------------------------------------------------- */

static int by_text(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names ps prints with these flags, sorted into one line ("a b c"). */
static void ps_names(const char *flags, char *names, size_t size)
{
	char out[16384], *lines[256];
	size_t n, used = 0;

	expect_status(mc(out, sizeof(out), "ps %s --format '{{.Names}}'", flags), 0, flags, out);
	n = split_lines(out, lines, 256);
	qsort(lines, n, sizeof(lines[0]), by_text);
	names[0] = '\0';
	for (size_t i = 0; i < n && used < size; i++)
		used += (size_t)snprintf(names + used, size - used, "%s%s", i ? " " : "", lines[i]);
}

static void expect_names(const char *flags, const char *want)
{
	char names[4096];

	ps_names(flags, names, sizeof(names));
	if (strcmp(names, want) != 0)
		fail_msg("ps %s: got \"%s\", expected \"%s\"", flags, names, want);
}

static void test_ps_filters_and_formats(void **state)
{
	char out[16384], dir[PATH_MAX + 16], *lines[64];
	json_t *row;
	size_t n;

	(void)state;
	MC_REQUIRE_ROOT();
	MC_REQUIRE_IMAGES();
	snprintf(dir, sizeof(dir), "%s/ps-data", root_dir);
	mkdir(dir, 0755);
	/* Four containers, oldest first: created, exited 3, running (with a mount), exited 0. */
	expect_status(mc(out, sizeof(out), "create --name c1 --label tier=web busybox true"), 0,
	              "create c1", out);
	expect_status(mc(out, sizeof(out), "run --name c2 --label tier=db busybox sh -c 'exit 3'"),
	              3, "run c2", out);
	expect_status(mc(out, sizeof(out),
	                 "run -d --name c3 --label tier=web -v '%s:/data' busybox sleep 60", dir),
	              0, "run c3", out);
	expect_status(mc(out, sizeof(out), "run --name c4 hello-world"), 0, "run c4", out);

	expect_names("", "c3");
	expect_names("-a", "c1 c2 c3 c4");
	/* status= looks past the running ones by itself; exited= does not (moby's foldFilter). */
	expect_names("--filter status=exited", "c2 c4");
	expect_names("--filter status=created", "c1");
	expect_names("--filter status=running --filter status=created", "c1 c3");
	expect_names("--filter exited=3", "");
	expect_names("-a --filter exited=3", "c2");
	expect_names("-a --filter exited=0 --filter exited=3", "c2 c4");
	/* name= and id= are regular expressions, as Docker's */
	expect_names("-a --filter 'name=c[12]'", "c1 c2");
	expect_names("-a --filter name=^/c4$", "c4");
	/* label=KEY and label=KEY=VALUE; two filters of different keys both apply */
	expect_names("-a --filter label=tier", "c1 c2 c3");
	expect_names("-a --filter label=tier=web", "c1 c3");
	expect_names("-a --filter label=tier=web --filter status=running", "c3");
	expect_names("-a --filter ancestor=hello-world", "c4");
	expect_names("-a --filter ancestor=busybox:latest", "c1 c2 c3");
	expect_names("-a --filter ancestor=no-such-image", "");
	/* before= and since= by creation; they, -n and -l look at every container */
	expect_names("--filter before=c3", "c1 c2");
	expect_names("--filter since=c2", "c3 c4");
	expect_names("-n 2", "c3 c4");
	expect_names("-l", "c4");
	expect_names("-a --filter volume=/data", "c3");
	expect_names("-a --filter volume=/nowhere", "");
	expect_status(mc(out, sizeof(out), "ps --filter before=nosuch"), 125, "before=nosuch", out);
	expect_text(out, "No such container: nosuch", "before=nosuch");

	/* COMMAND as docker/cli shows it: moby's line (an argument with a space in single quotes),
	 * cut to 20 characters, then Go-quoted ('"' becomes '\\"'). */
	expect_status(mc(out, sizeof(out), "ps -a --filter name=c2 --format '{{.Command}}'"), 0,
	              "ps .Command", out);
	assert_string_equal(out, "\"sh -c 'exit 3'\"\n");
	expect_status(mc(out, sizeof(out),
	                 "create --name c5 busybox sh -c 'echo \"a quoted word\" > /dev/null'"),
	              0, "create c5", out);
	expect_status(mc(out, sizeof(out), "ps -a --filter name=c5 --format '{{.Command}}'"), 0,
	              "ps .Command cut", out);
	assert_string_equal(out, "\"sh -c 'echo \\\"a quot…\"\n");
	expect_status(mc(out, sizeof(out), "rm c5"), 0, "rm c5", out);

	/* -q: short ids; --no-trunc: whole ones */
	expect_status(mc(out, sizeof(out), "ps -a -q"), 0, "ps -a -q", out);
	n = split_lines(out, lines, 64);
	assert_int_equal(n, 4);
	for (size_t i = 0; i < n; i++)
		assert_true(is_hex_id(lines[i], 12));
	expect_status(mc(out, sizeof(out), "ps -q --no-trunc"), 0, "ps -q --no-trunc", out);
	out[strcspn(out, "\n")] = '\0';
	assert_true(is_hex_id(out, 64));

	/* table TEMPLATE: a header from the fields' names, columns at least 10 wide */
	expect_status(mc(out, sizeof(out),
	                 "ps -a --filter name=c2 --format 'table {{.Names}}\\t{{.Status}}'"),
	              0, "table format", out);
	expect_text(out, "NAMES     STATUS\nc2        Exited (3) ", "table format");
	/* the default is Docker's table; "table" alone is the default too */
	{
		char def[16384];

		expect_status(mc(def, sizeof(def), "ps -a --filter name=c4"), 0, "ps default", def);
		expect_status(mc(out, sizeof(out), "ps -a --filter name=c4 --format table"), 0,
		              "--format table", out);
		assert_string_equal(def, out);
		expect_text(def, "CONTAINER ID   IMAGE         COMMAND    CREATED", "the header");
	}
	/* json: one object a line, with Docker's fields */
	expect_status(mc(out, sizeof(out), "ps -a --no-trunc --filter name=c2 --format json"), 0,
	              "--format json", out);
	row = json_loads(out, JSON_DISABLE_EOF_CHECK, NULL);
	assert_non_null(row);
	assert_string_equal(json_string_value(json_object_get(row, "Names")), "c2");
	assert_string_equal(json_string_value(json_object_get(row, "Labels")), "tier=db");
	assert_string_equal(json_string_value(json_object_get(row, "State")), "exited");
	assert_string_equal(json_string_value(json_object_get(row, "Command")),
	                    "\"sh -c 'exit 3'\"");
	assert_string_equal(json_string_value(json_object_get(row, "Image")), "busybox");
	json_decref(row);
	/* -s: the writable layer, and the image under it */
	expect_status(mc(out, sizeof(out), "exec c3 sh -c 'head -c 3000 /dev/zero > /big'"), 0,
	              "exec", out);
	expect_status(mc(out, sizeof(out), "ps -s --format '{{.Size}}'"), 0, "ps -s", out);
	expect_text(out, "3kB (virtual ", "ps -s");
	expect_status(mc(out, sizeof(out), "ps -s"), 0, "ps -s table", out);
	expect_text(out, "   SIZE\n", "ps -s adds the SIZE column");
	expect_status(mc(out, sizeof(out), "ps -a --filter name=c3 --format '{{.Mounts}}'"), 0,
	              "Mounts", out);
	expect_text(out, "/", "Mounts names the bind's source");
}

/* ---- 3. images, history ------------------------------------------------------------------ */

static void test_images_filters_and_formats(void **state)
{
	char out[16384], tar[PATH_MAX];

	(void)state;
	MC_REQUIRE_ROOT();
	MC_REQUIRE_IMAGES();
	snprintf(tar, sizeof(tar), "%s", HELLO_TAR);
	expect_status(mc(out, sizeof(out), "import --change 'LABEL team=blue' '%s' labeled:1", tar),
	              0, "import labeled:1", out);
	sleep(1); /* (creation times are to the second) */
	expect_status(mc(out, sizeof(out), "import --change 'LABEL team=red' '%s' labeled:2", tar),
	              0, "import labeled:2", out);
	expect_status(mc(out, sizeof(out), "tag busybox localhost/mybox:1.0"), 0, "tag", out);

	expect_status(mc(out, sizeof(out),
	                 "images --filter reference=labeled --format '{{.Repository}}:{{.Tag}}'"),
	              0, "reference=", out);
	expect_text(out, "labeled:1\n", "reference=labeled");
	expect_text(out, "labeled:2\n", "reference=labeled");
	expect_status(
	    mc(out, sizeof(out), "images --filter 'reference=*box' --format '{{.Repository}}'"), 0,
	    "reference=*box", out);
	assert_string_equal(out, "busybox\n"); /* a '*' does not cross '/' (localhost/mybox) */
	expect_status(mc(out, sizeof(out),
	                 "images --filter 'reference=localhost/*:1.*' --format '{{.Repository}}'"),
	              0, "reference=localhost/*", out);
	assert_string_equal(out, "localhost/mybox\n");
	expect_status(mc(out, sizeof(out),
	                 "images --filter label=team=red --format '{{.Repository}}:{{.Tag}}'"),
	              0, "label=", out);
	assert_string_equal(out, "labeled:2\n");
	expect_status(mc(out, sizeof(out),
	                 "images --filter since=labeled:1 --format '{{.Repository}}:{{.Tag}}'"),
	              0, "since=", out);
	assert_string_equal(out, "labeled:2\n");
	expect_status(mc(out, sizeof(out),
	                 "images --filter before=labeled:2 --filter reference=labeled "
	                 "--format '{{.Repository}}:{{.Tag}}'"),
	              0, "before=", out);
	assert_string_equal(out, "labeled:1\n");
	expect_status(mc(out, sizeof(out), "images --filter dangling=true -q"), 0, "dangling", out);
	assert_string_equal(out, "");
	expect_status(mc(out, sizeof(out), "images --filter dangling=maybe"), 125, "dangling=?",
	              out);
	expect_status(mc(out, sizeof(out), "images --filter since=nosuch"), 125, "since=nosuch",
	              out);
	/* the default table, and --digests adds a column */
	expect_status(mc(out, sizeof(out), "images labeled"), 0, "images REPO", out);
	expect_text(out, "REPOSITORY   TAG       IMAGE ID       CREATED", "images header");
	expect_status(mc(out, sizeof(out), "images --digests labeled"), 0, "--digests", out);
	expect_text(out, "REPOSITORY   TAG       DIGEST", "--digests header");
	expect_text(out, "sha256:", "--digests");
	expect_status(mc(out, sizeof(out), "image ls --format json labeled:2"), 0, "json", out);
	{
		json_t *row = json_loads(out, JSON_DISABLE_EOF_CHECK, NULL);

		assert_non_null(row);
		assert_string_equal(json_string_value(json_object_get(row, "Tag")), "2");
		assert_true(is_hex_id(json_string_value(json_object_get(row, "ID")), 12));
		json_decref(row);
	}
	/* history: --format, --no-trunc, -H=false */
	expect_status(mc(out, sizeof(out), "history --format '{{.ID}}|{{.CreatedBy}}' labeled:2"),
	              0, "history --format", out);
	expect_text(out, "|", "history --format");
	expect_status(mc(out, sizeof(out), "history --human=false --format '{{.Size}}' labeled:2"),
	              0, "history -H=false", out);
	assert_true(out[0] >= '0' && out[0] <= '9' && strstr(out, "B") == NULL);
	expect_status(mc(out, sizeof(out), "history -q --no-trunc labeled:2"), 0, "history -q",
	              out);
	expect_text(out, "sha256:", "history --no-trunc");
	expect_status(mc(out, sizeof(out), "rmi labeled:1 labeled:2 localhost/mybox:1.0"), 0, "rmi",
	              out);
	/* import from a URL: a server of our own on 127.0.0.1 */
	{
		char www[PATH_MAX + 8];
		pid_t server;
		int port, rc;

		snprintf(www, sizeof(www), "%s/www", root_dir);
		expect_status(run_sh(out, sizeof(out), "mkdir -p '%s' && cp '%s' '%s/hello.tar'",
		                     www, tar, www),
		              0, "copy", out);
		server = mc_start_http_server(www, &port);
		rc =
		    mc(out, sizeof(out),
		       "import --change 'CMD [\"/hello\"]' http://127.0.0.1:%d/hello.tar fromurl:1",
		       port);
		if (rc == 0)
			rc = mc(out, sizeof(out), "run --rm fromurl:1");
		kill(server, SIGTERM);
		waitpid(server, NULL, 0);
		expect_status(rc, 0, "import URL, run", out);
		expect_text(out, "Hello from minicontainer", "import URL");
		expect_status(mc(out, sizeof(out), "import http://127.0.0.1:1/none.tar nothing:1"),
		              125, "import of a URL nothing serves", out);
		expect_status(mc(out, sizeof(out), "rmi fromurl:1"), 0, "rmi", out);
	}
}

/* ---- 4. man pages and completion ---------------------------------------------------------- */

/*
 * Every command has a page, under each of its spellings; the options the page
 * lists are exactly the ones --help lists, with the same words.
 */
static void test_man_pages_match_help(void **state)
{
	static const char *const commands[] = {
	    "ps",   "container ls", "images",        "image ls", "run",  "container run", "stop",
	    "logs", "inspect",      "image inspect", "history",  "save", "completion",
	};
	char dir[PATH_MAX + 16], out[32768], help[32768];

	(void)state;
	MC_REQUIRE_ROOT();
	use_state_dirs();
	snprintf(dir, sizeof(dir), "%s/man", root_dir);
	expect_status(mc(out, sizeof(out), "__man '%s/man1'", dir), 0, "__man", out);
	/* groff finds nothing to warn about in any page */
	expect_status(run_sh(out, sizeof(out),
	                     "cd '%s' && for p in man1/*.1; do groff -man -ww -z \"$p\" || echo "
	                     "\"$p\"; done 2>&1",
	                     dir),
	              0, "groff", out);
	assert_string_equal(out, "");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		char page[256], *lines[256];
		size_t n;

		snprintf(page, sizeof(page), "minicontainer-%s", commands[i]);
		for (char *p = page; *p != '\0'; p++)
			if (*p == ' ')
				*p = '-';
		/* the page, as man shows it, one option per paragraph on very long lines */
		expect_status(
		    run_sh(out, sizeof(out),
		           "MANPATH='%s' MANWIDTH=1000 MANROFFSEQ= man -P cat %s 2>&1 | col -b",
		           dir, page),
		    0, page, out);
		expect_status(mc(help, sizeof(help), "%s --help", commands[i]), 0, commands[i],
		              help);
		/* each "  -a, --all   Show all ..." of --help: its flags and its words in the page */
		n = split_lines(help, lines, 256);
		for (size_t k = 0; k < n; k++) {
			char *left = lines[k] + strspn(lines[k], " "), *words, first[24];

			if (left[0] != '-' || (words = strstr(left, "   ")) == NULL)
				continue;
			*words = '\0';
			words += strspn(words + 1, " ") + 1;
			snprintf(first, sizeof(first), "%s", words);
			if (strstr(out, left) == NULL || strstr(out, first) == NULL)
				fail_msg("%s: \"%s\" (\"%s\") is in --help, not in the page:\n%s",
				         page, left, first, out);
		}
		/* ...and the count of options is the same */
		{
			char count_help[64], count_man[64];

			expect_status(
			    run_sh(
			        count_man, sizeof(count_man),
			        "MANPATH='%s' MANWIDTH=1000 man -P cat %s 2>/dev/null | col -b | "
			        "sed -n '/^OPTIONS/,/^SEE ALSO/p' | grep -c '^       -' || true",
			        dir, page),
			    0, "count man", count_man);
			expect_status(
			    run_sh(count_help, sizeof(count_help),
			           "'%s' %s --help | sed -n '/^Options:/,$p' | grep -c '^  "
			           "-\\|^      --' || true",
			           mc_bin(), commands[i]),
			    0, "count help", count_help);
			/* (--help's list leaves -h out; the page lists it) */
			if (atoi(count_man) != atoi(count_help) + 1)
				fail_msg("%s: %d options in the page, %d in --help", page,
				         atoi(count_man), atoi(count_help));
		}
	}
}

static void test_completion(void **state)
{
	static const struct {
		const char *words; /* after "minicontainer", the last is being completed */
		const char *expect, *absent;
	} cases[] = {
	    {"con", "container\n", "images\n"},
	    {"container l", "logs\nls\nlist\n", "ps\n"},
	    {"ps --fo", "--format\n", "--all\n"},
	    {"ps -", "-a\n", NULL},
	    {"stop ", "comp-up\n", "comp-created\n"},
	    {"start ", "comp-created\n", "comp-up\n"},
	    {"rm ", "comp-created\n", NULL},
	    {"rm ", "comp-up\n", NULL},
	    {"rmi busy", "busybox:latest\n", NULL},
	    {"run ", "hello-world:latest\n", "comp-up\n"},
	    {"run busybox ", "", "busybox:latest\n"}, /* the rest is the container's command */
	    {"inspect comp-c", "comp-created\n", NULL},
	    {"image ", "ls\n", "ps\n"},
	    {"image ", "rm\n", "exec\n"},
	};
	char out[16384], script[PATH_MAX + 32];

	(void)state;
	MC_REQUIRE_ROOT();
	MC_REQUIRE_IMAGES();
	expect_status(mc(out, sizeof(out), "create --name comp-created busybox true"), 0, "create",
	              out);
	expect_status(mc(out, sizeof(out), "run -d --name comp-up busybox sleep 60"), 0, "run -d",
	              out);
	/* __complete itself: what the scripts print, one candidate a line (and its description) */
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char cmd[512], *p;

		snprintf(cmd, sizeof(cmd), "%s", cases[i].words);
		/* the word being completed may be empty: pass it as '' */
		p = cmd + strlen(cmd);
		expect_status(mc(out, sizeof(out), "__complete %s%s | cut -f1", cmd,
		                 p > cmd && p[-1] == ' ' ? "''" : ""),
		              0, cases[i].words, out);
		if (strstr(out, cases[i].expect) == NULL)
			fail_msg("complete '%s': expected \"%s\" in:\n%s", cases[i].words,
			         cases[i].expect, out);
		if (cases[i].absent != NULL && strstr(out, cases[i].absent) != NULL)
			fail_msg("complete '%s': \"%s\" should not be offered:\n%s", cases[i].words,
			         cases[i].absent, out);
	}
	/* bash: the script registers itself; a scripted TAB fills COMPREPLY */
	snprintf(script, sizeof(script), "%s/completion.bash", root_dir);
	expect_status(mc(out, sizeof(out), "completion bash > '%s'", script), 0, "completion bash",
	              out);
	expect_status(run_sh(out, sizeof(out),
	                     "bash -c 'source \"%s\"; complete -p minicontainer; "
	                     "COMP_WORDS=(\"%s\" container l); COMP_CWORD=2; _minicontainer; "
	                     "printf \"<%%s>\\n\" \"${COMPREPLY[@]}\"; "
	                     "COMP_WORDS=(\"%s\" stop \"\"); COMP_CWORD=2; _minicontainer; "
	                     "printf \"<%%s>\\n\" \"${COMPREPLY[@]}\"' 2>&1",
	                     script, mc_bin(), mc_bin()),
	              0, "bash completion", out);
	expect_text(out, "complete -o default -F _minicontainer minicontainer", "complete -p");
	expect_text(out, "<logs>\n<ls>\n<list>\n", "bash: container l<TAB>");
	expect_text(out, "<comp-up>\n", "bash: stop <TAB>");
	/* zsh: the script, with zsh's completion functions replaced by ones that print */
	snprintf(script, sizeof(script), "%s/_minicontainer", root_dir);
	expect_status(mc(out, sizeof(out), "completion zsh > '%s'", script), 0, "completion zsh",
	              out);
	expect_status(
	    run_sh(out, sizeof(out),
	           "zsh -f -c 'compdef() { print \"compdef $*\" }; "
	           "_describe() { print -l -- ${(P)2} }; _files() { print files }; "
	           "source \"%s\"; words=(\"%s\" container l); CURRENT=3; _minicontainer; "
	           "words=(\"%s\" run -v \"\"); CURRENT=4; _minicontainer' 2>&1",
	           script, mc_bin(), mc_bin()),
	    0, "zsh completion", out);
	expect_text(out, "compdef _minicontainer minicontainer", "zsh registers");
	expect_text(out, "ls:List containers\n", "zsh: container l<TAB>");
	expect_text(out, "files\n", "zsh: a flag's value is a file");
}

const struct CMUnitTest mc_cli_tests[] = {
    cmocka_unit_test_teardown(test_groups_and_aliases, remove_containers),
    cmocka_unit_test_teardown(test_help_and_errors, remove_containers),
    cmocka_unit_test_teardown(test_ps_filters_and_formats, remove_containers),
    cmocka_unit_test_teardown(test_images_filters_and_formats, remove_containers),
    cmocka_unit_test_teardown(test_man_pages_match_help, remove_containers),
    cmocka_unit_test_teardown(test_completion, remove_containers),
};
const size_t mc_cli_count = sizeof(mc_cli_tests) / sizeof(mc_cli_tests[0]);
