/*
 * test_ch06_build.c - chapter 06: the Dockerfile parser, variable expansion,
 * .dockerignore, cache keys, layers written from an upper directory and the
 * config rules - the parts that can be checked without a container.  The
 * builds themselves (ch06_builds.c) and the cross-checks with podman,
 * skopeo and umoci (ch06_peers.c) are gathered here by main().
 */
#define _GNU_SOURCE
#include "harness.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "bld_cache.h"
#include "bld_config.h"
#include "bld_dockerfile.h"
#include "bld_ignore.h"
#include "bld_instructions.h"
#include "bld_layer.h"
#include "bld_shell.h"
#include "mc_file.h"

extern const struct CMUnitTest ch06_builds_tests[];
extern const size_t ch06_builds_test_count;
extern const struct CMUnitTest ch06_peers_tests[];
extern const size_t ch06_peers_test_count;

/* ---- the parser ------------------------------------------------------------------------------- */

/* Parse `text` and return its AST dump (static buffer), or fail the test. */
static const char *dump_of(const char *text)
{
	static char out[16384];
	struct bld_dockerfile df;
	struct mc_error err;
	FILE *f;

	if (bld_parse(text, strlen(text), "Dockerfile", &df, NULL, &err) < 0)
		fail_msg("parse of:\n%s\nfailed: %s", text, err.msg);
	f = fmemopen(out, sizeof(out), "w");
	assert_non_null(f);
	bld_dump(f, &df);
	fclose(f);
	bld_dockerfile_free(&df);
	return out;
}

struct parse_case {
	const char *text, *dump;
};

static void check_dumps(const struct parse_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *got = dump_of(cases[i].text);

		if (strcmp(got, cases[i].dump) != 0)
			fail_msg("case %zu:\n%s\nexpected:\n%s\ngot:\n%s", i, cases[i].text,
			         cases[i].dump, got);
	}
}

/* Every instruction's argument rule, as BuildKit's parser applies it. */
static void test_parse_instruction_forms(void **state)
{
	static const struct parse_case cases[] = {
	    /* Instructions in any case; the dump lower-cases them. */
	    {"from busybox\nFrOm alpine AS Build\n",
	     "(from \"busybox\")\n(from \"alpine\" \"AS\" \"Build\")\n"},
	    /* JSON (exec) form versus shell form. */
	    {"RUN [\"echo\", \"a b\"]\nRUN echo a  b\nCMD [ \"x\" ]\nENTRYPOINT top -b\n",
	     "(run \"echo\" \"a b\")\n(run \"echo a  b\")\n(cmd \"x\")\n(entrypoint \"top -b\")\n"},
	    /* Not JSON after all: the shell form, as written. */
	    {"CMD [\"unterminated\"\nRUN [echo]\n",
	     "(cmd \"[\\\"unterminated\\\"\")\n(run \"[echo]\")\n"},
	    /* ENV and LABEL: KEY=VALUE pairs keep their quotes; the old KEY VALUE form. */
	    {"ENV A=1 B=\"two words\" C=a\\ b\nENV D  the rest  of it\nLABEL \"k\"=v x=\"y z\"\n",
	     "(env \"A\" \"1\" \"B\" \"\\\"two words\\\"\" \"C\" \"a\\\\ b\")\n"
	     "(env \"D\" \"the rest  of it\")\n"
	     "(label \"\\\"k\\\"\" \"v\" \"x\" \"\\\"y z\\\"\")\n"},
	    /* ARG: names, or name=value words. */
	    {"ARG A\nARG B=1 C=\"x y\"\n", "(arg \"A\")\n(arg \"B=1\" \"C=\\\"x y\\\"\")\n"},
	    /* Flags come before the arguments, quotes and backslashes removed. */
	    {"COPY --from=build --chown=\"1:2\" /a /b\nADD --link x y/\n"
	     "RUN --network=none true\n",
	     "(copy [\"--from=build\" \"--chown=1:2\"] \"/a\" \"/b\")\n"
	     "(add [\"--link\"] \"x\" \"y/\")\n(run [\"--network=none\"] \"true\")\n"},
	    /* COPY, ADD, VOLUME: JSON, or words. */
	    {"COPY [\"a b\", \"/c d/\"]\nVOLUME /a /b\nVOLUME [\"/c\"]\n",
	     "(copy \"a b\" \"/c d/\")\n(volume \"/a\" \"/b\")\n(volume \"/c\")\n"},
	    /* The rest of the line, as one argument. */
	    {"WORKDIR /a b\nUSER nobody:nogroup\nSTOPSIGNAL SIGKILL\nMAINTAINER Ann <a@b>\n",
	     "(workdir \"/a b\")\n(user \"nobody:nogroup\")\n(stopsignal \"SIGKILL\")\n"
	     "(maintainer \"Ann <a@b>\")\n"},
	    {"EXPOSE 80 443/tcp\t53/udp\n", "(expose \"80\" \"443/tcp\" \"53/udp\")\n"},
	    /* ONBUILD holds an instruction, flags and all. */
	    {"ONBUILD COPY --from=x a b\nONBUILD RUN [\"make\"]\n",
	     "(onbuild (copy [\"--from=x\"] \"a\" \"b\"))\n(onbuild (run \"make\"))\n"},
	    {"SHELL [\"/bin/bash\", \"-c\"]\n", "(shell \"/bin/bash\" \"-c\")\n"},
	    /* Unknown instructions are kept by this step (the next one refuses them). */
	    {"FOO bar\n", "(foo)\n"},
	    /* Non-ASCII text is kept; control characters are escaped as Go does. */
	    {"LABEL x=\"é\"\nRUN a\tb\n", "(label \"x\" \"\\\"é\\\"\")\n(run \"a\\tb\")\n"},
	};

	(void)state;
	check_dumps(cases, sizeof(cases) / sizeof(cases[0]));
}

/* Comments, blank lines, continuations - and how lines join. */
static void test_parse_lines_and_continuations(void **state)
{
	static const struct parse_case cases[] = {
	    /* Continuation lines keep their leading blanks; comments inside are skipped. */
	    {"RUN apt-get install \\\n\tgcc \\\n# a comment\n    make\n",
	     "(run \"apt-get install \\tgcc     make\")\n"},
	    /* A blank line inside a continuation is skipped too (with a warning). */
	    {"RUN a \\\n\n  b\n", "(run \"a   b\")\n"},
	    /* Blanks after the escape character still continue the line. */
	    {"RUN a \\  \t\nb\n", "(run \"a b\")\n"},
	    /* An escaped escape character at the end is a literal one, not a continuation. */
	    {"RUN echo a\\\\\nRUN b\n", "(run \"echo a\\\\\\\\\")\n(run \"b\")\n"},
	    /* Leading blanks, CRLF line ends, a byte-order mark. */
	    {"\xef\xbb\xbf  FROM a\r\n\t# comment\r\n\r\n   RUN b\r\n",
	     "(from \"a\")\n(run \"b\")\n"},
	    /* A # inside an instruction is not a comment. */
	    {"RUN echo # not a comment\n", "(run \"echo # not a comment\")\n"},
	    /* The last line needs no newline; a continuation may run into the end. */
	    {"FROM a\nRUN b \\", "(from \"a\")\n(run \"b\")\n"},
	    /* BuildKit's testfiles/health, equivalent: every HEALTHCHECK form. */
	    {"HEALTHCHECK\nHEALTHCHECK --interval=5s --timeout=3s --retries=3 \\\n  CMD "
	     "/app/check.sh --quiet\nHEALTHCHECK CMD\nHEALTHCHECK   CMD   a b\n"
	     "HEALTHCHECK --timeout=3s CMD [\"foo\"]\nHEALTHCHECK CONNECT TCP 7000\n",
	     "(healthcheck)\n"
	     "(healthcheck [\"--interval=5s\" \"--timeout=3s\" \"--retries=3\"] \"CMD\" "
	     "\"/app/check.sh --quiet\")\n"
	     "(healthcheck \"CMD\")\n(healthcheck \"CMD\" \"a b\")\n"
	     "(healthcheck [\"--timeout=3s\"] \"CMD\" \"foo\")\n"
	     "(healthcheck \"CONNECT\" \"TCP 7000\")\n"},
	    /* BuildKit's testfiles/docker, equivalent: tabs as separators, a LABEL in the
	     * old form, ENV continued over indented lines, escaped text kept as written. */
	    {"FROM\tubuntu:14.04\nLABEL\tmaintainer\tAnn <a@b> (@ann)\n"
	     "ENV\tPLATFORMS\t\\\n\tlinux/386 linux/arm \\\n\tdarwin/amd64\n"
	     "RUN\t/bin/echo -e '[x]\\nkey=$KEY' > /cfg\nENTRYPOINT\t[\"hack/dind\"]\n"
	     "COPY\t.\t/src\n",
	     "(from \"ubuntu:14.04\")\n(label \"maintainer\" \"Ann <a@b> (@ann)\")\n"
	     "(env \"PLATFORMS\" \"linux/386 linux/arm \\tdarwin/amd64\")\n"
	     "(run \"/bin/echo -e '[x]\\\\nkey=$KEY' > /cfg\")\n(entrypoint \"hack/dind\")\n"
	     "(copy \".\" \"/src\")\n"},
	};

	(void)state;
	check_dumps(cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_parse_directives(void **state)
{
	struct bld_dockerfile df;
	struct mc_error err;
	const char *text;

	(void)state;
	/* escape=` makes ` the escape (and continuation) character; \ is then plain text. */
	assert_string_equal(dump_of("# escape=`\nFROM a\nRUN dir c:\\ `\n  /b\n"),
	                    "(from \"a\")\n(run \"dir c:\\\\   /b\")\n");
	text = "#syntax = docker/dockerfile:1\n# escape = `\nFROM a\n";
	assert_int_equal(bld_parse(text, strlen(text), "Dockerfile", &df, NULL, &err), 0);
	assert_int_equal(df.escape, '`');
	assert_string_equal(df.syntax, "docker/dockerfile:1");
	bld_dockerfile_free(&df);
	/* Only at the very top: after a comment, an instruction or a blank line, it is a comment. */
	text = "# hello\n# escape=`\nFROM a\nRUN b \\\nc\n";
	assert_int_equal(bld_parse(text, strlen(text), "Dockerfile", &df, NULL, &err), 0);
	assert_int_equal(df.escape, '\\');
	bld_dockerfile_free(&df);
	assert_string_equal(dump_of("\n# escape=`\nRUN b \\\nc\n"), "(run \"b c\")\n");
	/* An unknown directive ends the directives. */
	assert_string_equal(dump_of("# foo=bar\n# escape=`\nRUN b \\\nc\n"), "(run \"b c\")\n");
}

static void test_parse_heredocs(void **state)
{
	static const char text[] = "FROM a\n"
	                           "RUN <<EOF\n"
	                           "echo $HOME\n"
	                           "EOF\n"
	                           "RUN <<-'END' cat >/x && 3<<\"X\" true\n"
	                           "\t\tkeep tabs? no\n"
	                           "\tEND\n"
	                           "in x\n"
	                           "X\n"
	                           "COPY <<A <<B /dir/\n"
	                           "a\n"
	                           "A\n"
	                           "b\n"
	                           "B\n"
	                           "RUN [\"<<EOF\"]\n"
	                           "CMD <<EOF\n";
	struct bld_dockerfile df;
	struct mc_error err;
	const struct bld_node *n;
	char *chomped;

	(void)state;
	assert_int_equal(bld_parse(text, strlen(text), "Dockerfile", &df, NULL, &err), 0);
	assert_int_equal(df.count, 6);
	n = &df.nodes[1];
	assert_int_equal(n->nheredocs, 1);
	assert_string_equal(n->heredocs[0].name, "EOF");
	assert_true(n->heredocs[0].expand);
	assert_false(n->heredocs[0].chomp);
	assert_string_equal(n->heredocs[0].content, "echo $HOME\n");
	assert_int_equal(n->start_line, 2);
	assert_int_equal(n->end_line, 4);
	/* <<- removes leading tabs (of the terminator too); quotes stop expansion; 3<< is fd 3. */
	n = &df.nodes[2];
	assert_int_equal(n->nheredocs, 2);
	assert_string_equal(n->heredocs[0].name, "END");
	assert_false(n->heredocs[0].expand);
	assert_true(n->heredocs[0].chomp);
	chomped = bld_heredoc_text(&n->heredocs[0]);
	assert_string_equal(chomped, "keep tabs? no\n");
	free(chomped);
	assert_string_equal(n->heredocs[1].name, "X");
	assert_int_equal(n->heredocs[1].fd, 3);
	assert_false(n->heredocs[1].expand);
	assert_string_equal(n->heredocs[1].content, "in x\n");
	/* Two documents for one COPY; none for the JSON form or for CMD. */
	n = &df.nodes[3];
	assert_int_equal(n->nheredocs, 2);
	assert_string_equal(n->heredocs[1].content, "b\n");
	assert_int_equal(df.nodes[4].nheredocs, 0);
	assert_int_equal(df.nodes[5].nheredocs, 0);
	assert_int_equal(df.nodes[5].start_line, 16);
	bld_dockerfile_free(&df);
}

/* A Dockerfile that must be refused: the message and its line. */
struct bad_case {
	const char *text, *error;
};

/* Parse and check; the first error (with "Dockerfile:LINE: ") must contain `error`. */
static void check_refused(const struct bad_case *c)
{
	struct bld_dockerfile df;
	struct bld_program prog;
	struct mc_error err;
	int line = 0;

	if (bld_parse(c->text, strlen(c->text), "Dockerfile", &df, &line, &err) == 0) {
		int rc = bld_check(&df, &prog, &line, &err);

		if (rc == 0)
			bld_program_free(&prog);
		bld_dockerfile_free(&df);
		if (rc == 0)
			fail_msg("accepted:\n%s", c->text);
	}
	if (strstr(err.msg, c->error) == NULL)
		fail_msg("for:\n%s\nexpected \"%s\", got \"%s\"", c->text, c->error, err.msg);
	assert_true(line > 0);
}

static void test_parse_errors_have_lines(void **state)
{
	static const struct bad_case cases[] = {
	    {"FROM a\n\nRUNN x\n", "Dockerfile:3: unknown instruction: RUNN (did you mean RUN?)"},
	    {"FROM a\nFROBNICATE\n", "Dockerfile:2: unknown instruction: FROBNICATE"},
	    {"RUN x\n", "Dockerfile:1: no build stage in current context"},
	    {"FROM a b\n", "Dockerfile:1: FROM requires either one or three arguments"},
	    {"FROM a AS 1x\n", "invalid name for build stage: \"1x\""},
	    {"FROM a\nCOPY x\n", "Dockerfile:2: COPY requires at least two arguments"},
	    {"FROM a\nCOPY x <<EOF\nEOF\n", "COPY cannot accept a heredoc as a destination"},
	    {"FROM a\nENV\n", "ENV requires at least one argument"},
	    {"FROM a\nENV A=1 B\n", "Syntax error - can't find = in \"B\""},
	    {"FROM a\nENV A\n", "ENV must have two arguments"},
	    {"FROM a\nLABEL =v\n", "LABEL names can not be blank"},
	    {"FROM a\nARG =v\n", "ARG names can not be blank"},
	    {"FROM a\nWORKDIR\n", "WORKDIR requires exactly one argument"},
	    {"FROM a\nUSER\n", "USER requires exactly one argument"},
	    {"FROM a\nSHELL /bin/sh -c\n", "SHELL requires the arguments to be in JSON form"},
	    {"FROM a\nCMD [\"a\", 1]\n", "arrays must be comprised of strings only"},
	    {"FROM a\nEXPOSE\n", "EXPOSE requires at least one argument"},
	    {"FROM a\nONBUILD ONBUILD RUN x\n",
	     "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed"},
	    {"FROM a\nONBUILD FROM b\n", "FROM isn't allowed as an ONBUILD trigger"},
	    {"FROM a\nHEALTHCHECK CMD\n", "Missing command after HEALTHCHECK CMD"},
	    {"FROM a\nHEALTHCHECK CONNECT x\n", "Unknown type \"CONNECT\" in HEALTHCHECK"},
	    {"FROM a\nHEALTHCHECK --retries=0 CMD x\n", "--retries must be at least 1 (not 0)"},
	    {"FROM a\nHEALTHCHECK --interval=5 CMD x\n", "missing unit in duration"},
	    {"FROM a\nHEALTHCHECK NONE x\n", "HEALTHCHECK NONE takes no arguments"},
	    {"FROM a\nCOPY --bogus=1 a b\n", "Dockerfile:2: unknown flag: bogus"},
	    {"FROM a\nCOPY --from a b\n", "missing a value on flag: from"},
	    {"FROM a\nCOPY --from=x --from=y a b\n", "duplicate flag specified: from"},
	    {"FROM a\nCOPY --link=maybe a b\n", "expecting boolean value for flag link"},
	    {"FROM a\nRUN <<EOF\nno end\n", "Dockerfile:2: unterminated heredoc"},
	    {"# escape=x\nFROM a\n", "Dockerfile:1: invalid escape token 'x'"},
	    {"# escape=`\n# escape=\\\nFROM a\n", "only one escape parser directive can be used"},
	    {"# just a comment\n\n", "file with no instructions"},
	};

	static const char nul[] = "FROM a\nRUN x\0y\n";
	struct bld_dockerfile df;
	struct mc_error err;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_refused(&cases[i]);
	/* A NUL byte: not text at all. */
	assert_int_equal(bld_parse(nul, sizeof(nul) - 1, "Dockerfile", &df, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "NUL byte"));
}

/* Stages, and what goes where. */
static void test_check_cuts_stages(void **state)
{
	static const char text[] = "ARG BASE=busybox\nARG V\nFROM $BASE AS Builder\nRUN make\n"
	                           "FROM scratch\nCOPY --from=builder --chmod=0755 /out /\n";
	struct bld_dockerfile df;
	struct bld_program prog;
	struct mc_error err;

	(void)state;
	assert_int_equal(bld_parse(text, strlen(text), "Dockerfile", &df, NULL, &err), 0);
	if (bld_check(&df, &prog, NULL, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(prog.nmeta, 2);
	assert_int_equal(prog.nstages, 2);
	assert_string_equal(prog.stages[0].name, "builder"); /* stage names are lower case */
	assert_null(prog.stages[1].name);
	assert_int_equal(prog.stages[1].ninstr, 1);
	assert_int_equal(prog.stages[1].instrs[0].kind, BLD_COPY);
	assert_string_equal(prog.stages[1].instrs[0].flags.from, "builder");
	assert_string_equal(prog.stages[1].instrs[0].flags.chmod, "0755");
	bld_program_free(&prog);
	bld_dockerfile_free(&df);
}

/* ---- variable expansion ------------------------------------------------------------------------- */

static char *const test_env[] = {
    "PWD=/home", "EMPTY=", "V=a/b/c.tar.gz", "S=hello world", "NAME", "KOREAN=한국어", NULL};

struct expand_case {
	const char *in, *out; /* out NULL: an error */
};

static void check_expansions(const struct expand_case *cases, size_t n, char escape)
{
	struct bld_lex lx;
	struct mc_error err;
	char *out;

	bld_lex_init(&lx, escape);
	for (size_t i = 0; i < n; i++) {
		int rc = bld_expand(&lx, cases[i].in, test_env, &out, &err);

		if (cases[i].out == NULL && rc == 0)
			fail_msg("\"%s\" expanded to \"%s\", expected an error", cases[i].in, out);
		if (cases[i].out != NULL && rc < 0)
			fail_msg("\"%s\": %s", cases[i].in, err.msg);
		if (cases[i].out != NULL && strcmp(out, cases[i].out) != 0)
			fail_msg("\"%s\" expanded to \"%s\", expected \"%s\"", cases[i].in, out,
			         cases[i].out);
		if (rc == 0)
			free(out);
	}
}

/* Quotes, escapes and plain references (BuildKit's shell lexer, envVarTest's rules). */
static void test_expand_table(void **state)
{
	static const struct expand_case cases[] = {
	    {"hello", "hello"},
	    {"$PWD", "/home"},
	    {"${PWD}", "/home"},
	    {"x${PWD}y", "x/homey"},
	    {"$PWDx", ""}, /* the name is PWDx */
	    {"${PWD}x", "/homex"},
	    {"$NOPE", ""},
	    {"$NAME|", "|"}, /* set, without a value */
	    {"$", "$"},
	    {"a$", "a$"},
	    {"$.", "$."},
	    {"\\$PWD", "$PWD"},
	    {"\\\\$PWD", "\\/home"},
	    {"'$PWD'", "$PWD"},
	    {"\"$PWD\"", "/home"},
	    {"\"'$PWD'\"", "'/home'"},
	    {"'\"$PWD\"'", "\"$PWD\""},
	    {"\"a\\\"b\"", "a\"b"},
	    {"\"a\\b\"", "a\\b"}, /* in "...", \ only escapes " $ and \ */
	    {"\"\\$PWD\"", "$PWD"},
	    {"a\\ b", "a b"},
	    {"abc\\", "abc"}, /* an escape at the end escapes nothing */
	    {"$KOREAN", "한국어"},
	    {"${KOREAN}x", "한국어x"},
	    {"'unterminated", NULL},
	    {"\"unterminated", NULL},
	    {"${PWD", NULL},
	    {"${}", NULL},
	    {"${:-x}", NULL},
	    {"${{x}", NULL},
	};

	(void)state;
	check_expansions(cases, sizeof(cases) / sizeof(cases[0]), '\\');
}

/* EXERCISE 06.1's tests. */
static void test_expand_modifiers(void **state)
{
	static const struct expand_case cases[] = {
	    {"${NOPE:-def}", "def"},
	    {"${EMPTY:-def}", "def"},
	    {"${PWD:-def}", "/home"},
	    {"${NOPE-def}", "def"},
	    {"${EMPTY-def}", ""},
	    {"${PWD-def}", "/home"},
	    {"${NOPE:+alt}", ""},
	    {"${EMPTY:+alt}", ""},
	    {"${PWD:+alt}", "alt"},
	    {"${NOPE+alt}", ""},
	    {"${EMPTY+alt}", "alt"},
	    {"${PWD+alt}", "alt"},
	    {"${PWD:?msg}", "/home"},
	    {"${EMPTY?msg}", ""},
	    {"${V#*/}", "b/c.tar.gz"},
	    {"${V##*/}", "c.tar.gz"},
	    {"${V%.*}", "a/b/c.tar"},
	    {"${V%%.*}", "a/b/c"},
	    {"${V#x}", "a/b/c.tar.gz"},
	    {"${V%/*}", "a/b"},
	    {"${V%%/*}", "a"},
	    {"${V#a/\\b}", "/c.tar.gz"},
	    {"${NOPE:-$PWD/x}", "/home/x"},
	    {"${NOPE:-'${PWD}'}", "${PWD}"},
	    {"${V##*\\/}", "c.tar.gz"},
	    {"pre${EMPTY:-${NOPE:-deep}}post", "predeeppost"},
	};

	(void)state;
	check_expansions(cases, sizeof(cases) / sizeof(cases[0]), '\\');
}

/* EXERCISE 06.1's tests: the errors, with BuildKit's messages. */
/*
 * A Dockerfile is untrusted: a substitution that would take hours to match,
 * or that multiplies a value at every level of nesting, is an error in well
 * under a second - not a hang, not gigabytes.
 */
static void test_expand_refuses_runaway_substitutions(void **state)
{
	char long_value[8 + 4000], *env[] = {long_value, "A=aaaaaaaaaaaaaaaa", NULL}, *out, *word;
	struct bld_lex lx;
	struct mc_error err;
	size_t n;

	(void)state;
	bld_lex_init(&lx, '\\');
	n = (size_t)snprintf(long_value, sizeof(long_value), "LONG=");
	memset(long_value + n, 'a', sizeof(long_value) - n - 1);
	long_value[sizeof(long_value) - 1] = '\0';
	/* backtracking: many stars, no match anywhere, on 4000 bytes */
	if (bld_expand(&lx, "${LONG//*a*a*a*a*a*a*a*a*b/x}", env, &out, &err) == 0)
		fail_msg("the costly pattern expanded (%zu bytes)", strlen(out));
	if (strstr(err.msg, "too costly") == NULL)
		fail_msg("costly pattern: \"%s\"", err.msg);
	/* growth: each level replaces every character by the level below (16^6 bytes) */
	word = "${A//?/${A//?/${A//?/${A//?/${A//?/${A//?/x}}}}}}";
	if (bld_expand(&lx, word, env, &out, &err) == 0)
		fail_msg("the nested substitution expanded (%zu bytes)", strlen(out));
	if (strstr(err.msg, "too large") == NULL)
		fail_msg("nested substitution: \"%s\"", err.msg);
	/* and what stays within bounds still works: 16^3 = 4096 characters */
	assert_int_equal(bld_expand(&lx, "${A//?/${A//?/${A//?/x}}}", env, &out, &err), 0);
	assert_int_equal(strlen(out), 4096);
	free(out);
}

static void test_expand_modifier_errors(void **state)
{
	static const struct {
		const char *in, *error;
	} cases[] = {
	    {"${NOPE?}", "NOPE: is not allowed to be unset"},
	    {"${NOPE:?}", "NOPE: is not allowed to be unset"},
	    {"${EMPTY:?}", "EMPTY: is not allowed to be empty"},
	    {"${NOPE?give it}", "NOPE: give it"},
	    {"${EMPTY:?give it}", "EMPTY: give it"},
	    {"${PWD:#x}", "unsupported modifier (:#) in substitution"},
	    {"${PWD:%x}", "unsupported modifier (:%) in substitution"},
	    {"${PWD:1}", "unsupported modifier (:1) in substitution"},
	    {"${PWD^}", "unsupported modifier (^) in substitution"},
	};
	struct bld_lex lx;
	struct mc_error err;
	char *out;

	(void)state;
	bld_lex_init(&lx, '\\');
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (bld_expand(&lx, cases[i].in, test_env, &out, &err) == 0)
			fail_msg("\"%s\" expanded to \"%s\", expected an error", cases[i].in, out);
		if (strstr(err.msg, cases[i].error) == NULL ||
		    strstr(err.msg, "failed to process") == NULL)
			fail_msg("\"%s\": \"%s\", expected \"%s\"", cases[i].in, err.msg,
			         cases[i].error);
	}
}

static void test_expand_replace_and_words(void **state)
{
	static const struct expand_case cases[] = {
	    {"${V/\\//_}", "a_b/c.tar.gz"}, {"${V//\\//_}", "a_b_c.tar.gz"},
	    {"${S/o/0}", "hell0 world"},    {"${S//o/0}", "hell0 w0rld"},
	    {"${S//l*/L}", "heL"},          {"${S/#/x}", "hello world"},
	    {"${NOPE//a/b}", ""},           {"${V/", NULL},
	};
	static const struct {
		const char *in;
		const char *words[4];
	} word_cases[] = {
	    {"a b  c", {"a", "b", "c"}},
	    {"$S", {"hello", "world"}},           /* an unquoted value splits */
	    {"\"$S\"", {"hello world"}},          /* a quoted one does not */
	    {"x$S'y z'", {"xhello", "worldy z"}}, /* quotes join what touches them */
	    {"a\\ b c", {"a b", "c"}},
	    {"'' a", {"a"}}, /* an empty word disappears, as in BuildKit */
	};
	struct bld_lex lx;
	struct mc_error err;
	char **words;
	size_t n;

	(void)state;
	check_expansions(cases, sizeof(cases) / sizeof(cases[0]), '\\');
	bld_lex_init(&lx, '\\');
	for (size_t i = 0; i < sizeof(word_cases) / sizeof(word_cases[0]); i++) {
		size_t want = 0;

		while (want < 4 && word_cases[i].words[want] != NULL)
			want++;
		assert_int_equal(
		    bld_expand_words(&lx, word_cases[i].in, test_env, &words, &n, &err), 0);
		if (n != want)
			fail_msg("\"%s\": %zu words, expected %zu", word_cases[i].in, n, want);
		for (size_t k = 0; k < n; k++)
			assert_string_equal(words[k], word_cases[i].words[k]);
		for (size_t k = 0; k < n; k++)
			free(words[k]);
		free(words);
	}
	/* The backtick escape: \ is then an ordinary character. */
	{
		static const struct expand_case tick[] = {{"c:\\dir`$PWD", "c:\\dir$PWD"},
		                                          {"\"a`\"b\"", "a\"b"}};

		check_expansions(tick, 2, '`');
	}
}

/* ---- .dockerignore ----------------------------------------------------------------------------- */

static void test_dockerignore_rules(void **state)
{
	static const char rules[] = "# comment\n"
	                            "*.log\n"
	                            "!keep.log\n"
	                            "**/secret*\n"
	                            "/build\n"
	                            "docs/**/*.tmp\n"
	                            "  spaced  \n"
	                            "node_modules\n"
	                            "!node_modules/x\n"
	                            "a?c\n"
	                            "[st]mp\n";
	static const struct {
		const char *path;
		bool ignored;
	} cases[] = {
	    {"app.log", true},
	    {"keep.log", false},    /* the exception, later, wins */
	    {"dir/app.log", false}, /* * does not match / */
	    {"secret.txt", true},   /* ** matches no directory at all, too */
	    {"a/b/c/secret-key", true},
	    {"build", true},
	    {"build/out/x.o", true}, /* below an excluded directory */
	    {"src/build", false},
	    {"docs/x.tmp", true},
	    {"docs/a/b/x.tmp", true},
	    {"docs/x.txt", false},
	    {"spaced", true},
	    {"node_modules/y/z", true},
	    {"node_modules/x", false},
	    {"node_modules/x/deep", false}, /* the exception covers what is below it */
	    {"abc", true},
	    {"a/c", false},
	    {"smp", true},
	    {"Dockerfile", false},
	};
	struct bld_ignore ig;
	struct mc_error err;

	(void)state;
	assert_int_equal(bld_ignore_parse(rules, &ig, &err), 0);
	assert_true(ig.has_exceptions);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (bld_ignored(&ig, cases[i].path) != cases[i].ignored)
			fail_msg("%s: %s, expected %s", cases[i].path,
			         cases[i].ignored ? "sent" : "ignored",
			         cases[i].ignored ? "ignored" : "sent");
	assert_true(bld_ignore_may_reinclude(&ig, "node_modules"));
	bld_ignore_free(&ig);
	assert_int_equal(bld_ignore_parse("!\n", &ig, &err), -1);
	assert_non_null(strstr(err.msg, "illegal exclusion pattern"));
}

/* ---- cache keys (EXERCISE 06.2's tests) --------------------------------------------------------- */

static void key_of(const char *path, const struct stat *st, const char *content, char *out)
{
	struct bld_key k;
	struct mc_error err;

	assert_int_equal(bld_key_begin(&k, "COPY", "sha256:parent", &err), 0);
	bld_key_file(&k, path, st, content);
	bld_key_end(&k, out);
}

static struct stat a_file(void)
{
	struct stat st;

	memset(&st, 0, sizeof(st));
	st.st_mode = S_IFREG | 0644;
	st.st_uid = 1000;
	st.st_gid = 1000;
	st.st_size = 5;
	st.st_ino = 42;
	st.st_dev = makedev(8, 1);
	st.st_mtim.tv_sec = 1700000000;
	st.st_atim.tv_sec = 1700000001;
	st.st_ctim.tv_sec = 1700000002;
	return st;
}

/* Two cache keys differ, since `what` differed; else say so (at the test's line). */
#define assert_key_differs(a, b, what)                                                             \
	do {                                                                                       \
		if (strcmp((a), (b)) == 0)                                                         \
			fail_msg("the cache key is %s both times, but %s differed: it must go "    \
			         "into the key",                                                   \
			         (a), (what));                                                     \
	} while (0)

static void test_cache_key_ignores_mtime(void **state)
{
	char a[IMG_DIGEST_LEN + 1], b[IMG_DIGEST_LEN + 1], empty[IMG_DIGEST_LEN + 1];
	struct stat st = a_file(), touched = st;
	struct bld_key k;
	struct mc_error err;

	(void)state;
	key_of("app/main.c", &st, "sha256:content", a);
	/* A touch, a copy elsewhere, a checkout: times, inode, device. */
	touched.st_mtim.tv_sec += 3600;
	touched.st_mtim.tv_nsec = 123;
	touched.st_atim.tv_sec += 7200;
	touched.st_ctim.tv_sec += 9000;
	touched.st_ino = 4242;
	touched.st_dev = makedev(9, 9);
	key_of("app/main.c", &touched, "sha256:content", b);
	mc_assert_str("the key after a touch", b, a,
	              "only the file's times, inode and device changed: they stay out of the key");
	/* ... and the file did go into the key. */
	assert_int_equal(bld_key_begin(&k, "COPY", "sha256:parent", &err), 0);
	bld_key_end(&k, empty);
	assert_key_differs(a, empty, "a file was added to one key only");
}

static void test_cache_key_sees_content_mode_owner(void **state)
{
	char base[IMG_DIGEST_LEN + 1], other[IMG_DIGEST_LEN + 1];
	struct stat st = a_file(), changed;

	(void)state;
	key_of("app/main.c", &st, "sha256:content", base);
	key_of("app/main.c", &st, "sha256:other", other);
	assert_key_differs(base, other, "the file's content");
	key_of("app/main.c", &st, NULL, other);
	assert_key_differs(base, other, "the content (none the second time)");
	key_of("app/other.c", &st, "sha256:content", other);
	assert_key_differs(base, other, "the file's path");
	changed = st;
	changed.st_mode = S_IFREG | 0755;
	key_of("app/main.c", &changed, "sha256:content", other);
	assert_key_differs(base, other, "the file's permissions");
	changed = st;
	changed.st_uid = 0;
	key_of("app/main.c", &changed, "sha256:content", other);
	assert_key_differs(base, other, "the file's owner");
	changed = st;
	changed.st_gid = 0;
	key_of("app/main.c", &changed, "sha256:content", other);
	assert_key_differs(base, other, "the file's group");
	changed = st;
	changed.st_mode = S_IFLNK | 0644;
	key_of("app/main.c", &changed, "sha256:content", other);
	assert_key_differs(base, other, "the file's type");
}

/* ---- layers from an upper directory (EXERCISE 06.3's tests) -------------------------------------- */

static void make_file(const char *dir, const char *name, const char *text)
{
	char path[PATH_MAX + 256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* The entries of an uncompressed tar, one "NAME TYPE" per line (TYPE: f, d, l, h). */
static void tar_listing(const char *path, char *out, size_t size)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	size_t used = 0;

	archive_read_support_format_tar(a);
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_zstd(a);
	assert_int_equal(archive_read_open_filename(a, path, 65536), ARCHIVE_OK);
	out[0] = '\0';
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		char type = archive_entry_hardlink(e)               ? 'h'
		            : archive_entry_filetype(e) == AE_IFDIR ? 'd'
		            : archive_entry_filetype(e) == AE_IFLNK ? 'l'
		                                                    : 'f';

		used += (size_t)snprintf(out + used, size - used, "%s %c\n",
		                         archive_entry_pathname(e), type);
	}
	archive_read_free(a);
}

/* An upper directory as a container leaves it: new files, a deletion, a replaced directory. */
static const char *make_upper(const char *name)
{
	static char upper[PATH_MAX / 2];
	char path[PATH_MAX], other[PATH_MAX];
	struct mc_error err;

	snprintf(upper, sizeof(upper), "%s/%s", mc_test_tmpdir(), name);
	mc_remove_tree(upper, &err);
	snprintf(path, sizeof(path), "%s/etc/cache", upper);
	assert_int_equal(mc_mkdir_p(path, 0755, &err), 0);
	make_file(upper, "zz-last", "z\n");
	make_file(upper, "etc/hostname", "box\n");
	make_file(upper, "etc/cache/new", "n\n");
	snprintf(path, sizeof(path), "%s/etc/motd", upper);
	assert_int_equal(mknod(path, S_IFCHR | 0000, makedev(0, 0)), 0); /* a whiteout */
	snprintf(path, sizeof(path), "%s/etc/cache", upper);
	assert_int_equal(setxattr(path, "trusted.overlay.opaque", "y", 1, 0), 0);
	snprintf(path, sizeof(path), "%s/etc/hostname", upper);
	snprintf(other, sizeof(other), "%s/etc/hostname2", upper);
	assert_int_equal(link(path, other), 0);
	snprintf(path, sizeof(path), "%s/link", upper);
	assert_int_equal(symlink("etc/hostname", path), 0);
	return upper;
}

static void test_layer_from_upper_has_oci_whiteouts(void **state)
{
	char tar[PATH_MAX], listing[4096], diff_id[IMG_DIGEST_LEN + 1];
	const char *upper;
	struct mc_error err;
	int fd;

	(void)state;
	MC_REQUIRE_ROOT(); /* whiteouts are device nodes; opaque marks are trusted.* attributes */
	upper = make_upper("upper-whiteouts");
	snprintf(tar, sizeof(tar), "%s/layer.tar", mc_test_tmpdir());
	fd = open(tar, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	if (bld_layer_write_tar(upper, fd, -1, diff_id, &err) < 0)
		fail_msg("%s", err.msg);
	close(fd);
	tar_listing(tar, listing, sizeof(listing));
	/* Sorted; a deletion is a .wh. file, the opaque directory gets its marker first. */
	mc_assert_str("the layer's entries", listing,
	              "etc/ d\n"
	              "etc/cache/ d\n"
	              "etc/cache/.wh..wh..opq f\n"
	              "etc/cache/new f\n"
	              "etc/hostname f\n"
	              "etc/hostname2 h\n"
	              "etc/.wh.motd f\n"
	              "link l\n"
	              "zz-last f\n",
	              "sorted; a deleted file becomes an empty .wh.NAME file, an opaque directory "
	              "gets a .wh..wh..opq first");
	assert_true(img_digest_valid(diff_id));
}

static void test_layer_is_reproducible(void **state)
{
	char a[IMG_DIGEST_LEN + 1], b[IMG_DIGEST_LEN + 1], c[IMG_DIGEST_LEN + 1], path[PATH_MAX];
	struct timespec later[2] = {{2000000000, 0}, {2000000000, 0}};
	const char *upper;
	struct mc_error err;
	int fd = open("/dev/null", O_WRONLY);

	(void)state;
	MC_REQUIRE_ROOT();
	upper = make_upper("upper-repro");
	assert_int_equal(bld_layer_write_tar(upper, fd, 1000000000, a, &err), 0);
	/* Other mtimes, all after SOURCE_DATE_EPOCH: clamped, the same bytes. */
	snprintf(path, sizeof(path), "%s/zz-last", upper);
	assert_int_equal(utimensat(AT_FDCWD, path, later, 0), 0);
	assert_int_equal(bld_layer_write_tar(upper, fd, 1000000000, b, &err), 0);
	assert_string_equal(a, b);
	/* Without the clamp the time shows. */
	assert_int_equal(bld_layer_write_tar(upper, fd, -1, c, &err), 0);
	assert_string_not_equal(a, c);
	close(fd);
}

/* ---- the config rules ----------------------------------------------------------------------------- */

static void apply(json_t *image, const char *line, bool *cmd_set)
{
	struct bld_dockerfile df;
	struct bld_instr in;
	struct bld_lex lx;
	struct mc_error err;
	char **env = bld_config_env(image), *hist;

	bld_lex_init(&lx, '\\');
	assert_int_equal(bld_parse(line, strlen(line), "Dockerfile", &df, NULL, &err), 0);
	assert_int_equal(bld_check_instr(&df.nodes[0], &in, &err), 0);
	if (bld_config_apply(image, &in, &lx, env, cmd_set, &hist, &err) < 0)
		fail_msg("%s: %s", line, err.msg);
	free(hist);
	for (size_t i = 0; env[i] != NULL; i++)
		free(env[i]);
	free(env);
	bld_dockerfile_free(&df);
}

static const char *config_json(json_t *image, const char *field)
{
	static char text[1024];
	char *s = json_dumps(json_object_get(json_object_get(image, "config"), field),
	                     JSON_COMPACT | JSON_ENCODE_ANY | JSON_SORT_KEYS);

	snprintf(text, sizeof(text), "%s", s ? s : "(none)");
	free(s);
	return text;
}

static void test_config_instructions(void **state)
{
	json_t *image =
	    json_loads("{\"config\": {\"Cmd\": [\"sh\"], \"Env\": [\"PATH=/bin\"]}}", 0, NULL);
	bool cmd_set = false;

	(void)state;
	/* An ENTRYPOINT clears a CMD the base had ... */
	apply(image, "ENTRYPOINT [\"/e\"]", &cmd_set);
	assert_string_equal(config_json(image, "Cmd"), "null");
	/* ... but not one this stage set. */
	apply(image, "CMD [\"c\"]", &cmd_set);
	apply(image, "ENTRYPOINT /e2 x", &cmd_set);
	assert_string_equal(config_json(image, "Cmd"), "[\"c\"]");
	assert_string_equal(config_json(image, "Entrypoint"), "[\"/bin/sh\",\"-c\",\"/e2 x\"]");
	/* SHELL changes what the shell form means. */
	apply(image, "SHELL [\"/bin/bash\", \"-eu\", \"-c\"]", &cmd_set);
	apply(image, "CMD echo $X", &cmd_set);
	assert_string_equal(config_json(image, "Cmd"),
	                    "[\"/bin/bash\",\"-eu\",\"-c\",\"echo $X\"]");
	/* ENV: every pair sees the environment from before the line; a key is replaced in place. */
	apply(image, "ENV A=1", &cmd_set);
	apply(image, "ENV A=2 B=$A PATH=$PATH:/x", &cmd_set);
	assert_string_equal(config_json(image, "Env"), "[\"PATH=/bin:/x\",\"A=2\",\"B=1\"]");
	apply(image, "LABEL a=\"$A b\" 'c d'=e", &cmd_set);
	assert_string_equal(config_json(image, "Labels"), "{\"a\":\"2 b\",\"c d\":\"e\"}");
	apply(image, "EXPOSE 80 53/UDP 8000-8001", &cmd_set);
	assert_string_equal(config_json(image, "ExposedPorts"),
	                    "{\"53/udp\":{},\"80/tcp\":{},\"8000/tcp\":{},\"8001/tcp\":{}}");
	apply(image, "VOLUME [\"/data\", \"/$A\"]", &cmd_set);
	assert_string_equal(config_json(image, "Volumes"), "{\"/2\":{},\"/data\":{}}");
	apply(image, "WORKDIR /app", &cmd_set);
	apply(image, "WORKDIR sub/../src", &cmd_set);
	assert_string_equal(config_json(image, "WorkingDir"), "\"/app/src\"");
	apply(image, "USER ${A}:${B}", &cmd_set);
	assert_string_equal(config_json(image, "User"), "\"2:1\"");
	apply(image, "STOPSIGNAL SIGUSR1", &cmd_set);
	assert_string_equal(config_json(image, "StopSignal"), "\"SIGUSR1\"");
	apply(image, "HEALTHCHECK --interval=1m30s --retries=2 CMD curl -f x", &cmd_set);
	assert_string_equal(config_json(image, "Healthcheck"),
	                    "{\"Interval\":90000000000,\"Retries\":2,"
	                    "\"Test\":[\"CMD-SHELL\",\"curl -f x\"]}");
	apply(image, "ONBUILD RUN make", &cmd_set);
	assert_string_equal(config_json(image, "OnBuild"), "[\"RUN make\"]");
	json_decref(image);
}

int main(int argc, char **argv)
{
	static const struct CMUnitTest own[] = {
	    cmocka_unit_test(test_parse_instruction_forms),
	    cmocka_unit_test(test_parse_lines_and_continuations),
	    cmocka_unit_test(test_parse_directives),
	    cmocka_unit_test(test_parse_heredocs),
	    cmocka_unit_test(test_parse_errors_have_lines),
	    cmocka_unit_test(test_check_cuts_stages),
	    cmocka_unit_test(test_expand_table),
	    cmocka_unit_test(test_expand_modifiers),
	    cmocka_unit_test(test_expand_modifier_errors),
	    cmocka_unit_test(test_expand_refuses_runaway_substitutions),
	    cmocka_unit_test(test_expand_replace_and_words),
	    cmocka_unit_test(test_dockerignore_rules),
	    cmocka_unit_test(test_cache_key_ignores_mtime),
	    cmocka_unit_test(test_cache_key_sees_content_mode_owner),
	    cmocka_unit_test(test_layer_from_upper_has_oci_whiteouts),
	    cmocka_unit_test(test_layer_is_reproducible),
	    cmocka_unit_test(test_config_instructions),
	};
	size_t n_own = sizeof(own) / sizeof(own[0]);
	size_t n = n_own + ch06_builds_test_count + ch06_peers_test_count;
	struct CMUnitTest *all = calloc(n, sizeof(*all));
	char why[256];

	memcpy(all, own, sizeof(own));
	memcpy(all + n_own, ch06_builds_tests, ch06_builds_test_count * sizeof(*all));
	memcpy(all + n_own + ch06_builds_test_count, ch06_peers_tests,
	       ch06_peers_test_count * sizeof(*all));
	/* RUN joins the default bridge (chapter 05): its links, nftables rules and ip_forward
	 * belong in a namespace of this program's own, never the host's. */
	if (geteuid() == 0 && !(argc == 2 && strcmp(argv[1], "--list") == 0) &&
	    mc_test_private_network(why, sizeof(why)) < 0) {
		fprintf(stderr, "test-ch06: %s\n", why);
		return 1;
	}
	int rc = mc_test_main(argc, argv, "ch06-build", all, n);

	free(all);
	return rc;
}
