/*
 * mc_template.c - the Go template engine behind every --format, as a table:
 * a template, a document, what Go's text/template (and so Docker) prints.
 */
#define _GNU_SOURCE
#include "mc_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mc_template.h"

static const char doc[] =
    "{\"Name\":\"/web\",\"State\":{\"Status\":\"running\",\"Pid\":42,\"Running\":true},"
    "\"Args\":[\"a\",\"b\"],\"Labels\":{\"z\":\"1\",\"a\":\"2\"},\"N\":3,\"Empty\":[],"
    "\"Mounts\":[{\"Source\":\"/x\",\"RW\":true},{\"Source\":\"/y\",\"RW\":false}],"
    "\"Nil\":null,\"Ratio\":1.5}";

/* Run one template on the document: what it printed, or "ERR: message". */
static void render(const char *tmpl, bool strict, char *out, size_t size)
{
	json_t *data = json_loads(doc, 0, NULL);
	struct mc_template *t;
	struct mc_error err;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(data);
	assert_non_null(f);
	if (mc_template_parse(tmpl, &t, &err) < 0) {
		fprintf(f, "ERR: %s", err.msg);
	} else {
		if (strict)
			mc_template_missing_key_error(t);
		if (mc_template_execute(t, data, f, &err) < 0)
			fprintf(f, "ERR: %s", err.msg);
		mc_template_free(t);
	}
	fclose(f);
	snprintf(out, size, "%s", buf);
	free(buf);
	json_decref(data);
}

static void test_go_template_table(void **state)
{
	static const struct {
		const char *tmpl, *want;
	} cases[] = {
	    /* fields, as docker inspect --format '{{.State.Status}}' */
	    {"{{.Name}}", "/web"},
	    {"{{.State.Status}} {{.State.Pid}} {{.State.Running}}", "running 42 true"},
	    {"{{.Missing}}", "<no value>"},
	    {"{{.Nil}}", "<nil>"},
	    {"{{.Ratio}} {{.N}}", "1.5 3"},
	    /* Go prints slices and maps, sorted by key */
	    {"{{.Args}} {{.Labels}} {{.Empty}}", "[a b] map[a:2 z:1] []"},
	    /* json, index, join, len, upper, lower, title, split */
	    {"{{json .Args}}", "[\"a\",\"b\"]"},
	    {"{{json .State}}", "{\"Status\":\"running\",\"Pid\":42,\"Running\":true}"},
	    {"{{json .Missing}}", "null"},
	    {"{{index .Labels \"a\"}}|{{index .Labels \"nope\"}}|{{index .Args 1}}", "2||b"},
	    {"{{join .Args \", \"}}", "a, b"},
	    {"{{len .Args}} {{len .Labels}} {{len .Name}}", "2 2 4"},
	    {"{{upper .State.Status}} {{lower \"MiXeD\"}} {{title \"hello world\"}}",
	     "RUNNING mixed Hello World"},
	    {"{{split \"a:b:c\" \":\"}}", "[a b c]"},
	    /* printf and pipelines */
	    {"{{printf \"%s has pid %d\" .Name .State.Pid}}", "/web has pid 42"},
	    {"{{printf \"%-6s|%4d|%q\" \"ab\" 7 \"x\"}}", "ab    |   7|\"x\""},
	    /* a width over a million is refused, as Go's fmt refuses it */
	    {"{{printf \"%5000000d\" 3}}", "%!(BADWIDTH)3"},
	    /* more digits than a width can hold (found by fuzz_template: they reached fprintf) */
	    {"{{printf \"%-11110000000000000000d|\" 5}}", "%!(BADWIDTH)5|"},
	    {"{{printf \"%1000001d|%3d\" 1 2}}", "%!(BADWIDTH)1|  2"},
	    {"{{.Name | upper | printf \"<%s>\"}}", "</WEB>"},
	    {"{{(index .Mounts 1).Source}}", "/y"},
	    /* control */
	    {"{{range .Mounts}}{{.Source}}:{{.RW}} {{end}}", "/x:true /y:false "},
	    {"{{range .Labels}}{{.}}{{end}}", "21"},
	    {"{{range .Empty}}x{{else}}none{{end}}", "none"},
	    {"{{if .State.Running}}up{{else}}down{{end}}", "up"},
	    {"{{if eq .N 1}}one{{else if eq .N 3}}three{{else}}many{{end}}", "three"},
	    {"{{if and .State.Running (eq .Name \"/web\")}}yes{{end}}", "yes"},
	    {"{{if or .Empty .Missing}}yes{{else}}no{{end}}", "no"},
	    {"{{if not .Empty}}empty{{end}}", "empty"},
	    {"{{if lt .N 5}}small{{end}} {{if ge .N 3}}big{{end}} {{if ne .Name \"x\"}}ne{{end}}",
	     "small big ne"},
	    {"{{with .State}}{{.Pid}}{{end}}", "42"},
	    {"{{range $.Args}}{{$.Name}}{{.}} {{end}}", "/weba /webb "},
	    /* whitespace trimming and comments */
	    {"a  {{- .N -}}  b", "a3b"},
	    {"a {{/* a comment */}}b", "a b"},
	    /* errors: where, and what */
	    {"{{.Name", "ERR: template: 1:1: unclosed action"},
	    {"x{{end}}", "ERR: template: 1:4: unexpected {{end}}"},
	    {"{{if .N}}x", "ERR: template: 1:11: unexpected EOF"},
	    {"{{nosuch .Name}}", "ERR: template: function \"nosuch\" not defined"},
	    {"{{.Name .N}}", "ERR: template: can't give argument to non-function"},
	    {"{{len .N}}", "ERR: template: error calling len: len of a value that has no length"},
	    {"{{index .Args 5}}", "ERR: template: error calling index: index out of range"},
	};
	char out[4096];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		render(cases[i].tmpl, false, out, sizeof(out));
		if (strcmp(out, cases[i].want) != 0)
			fail_msg("%s\n  printed: %s\n  Go prints: %s", cases[i].tmpl, out,
			         cases[i].want);
	}
	/* docker inspect's raw JSON fallback: a missing key is an error (missingkey=error). */
	render("{{.State.Nope}}", true, out, sizeof(out));
	assert_string_equal(out, "ERR: template: map has no entry for key \"Nope\"");
	/* and "table": the word, then the rest of the format */
	{
		const char *rest = NULL;

		assert_true(mc_format_is_table("table {{.ID}}\t{{.Names}}", &rest));
		assert_string_equal(rest, "{{.ID}}\t{{.Names}}");
		assert_true(mc_format_is_table("table", &rest));
		assert_false(mc_format_is_table("{{.ID}}", &rest));
		assert_false(mc_format_is_table("tablet", &rest));
	}
}

const struct CMUnitTest mc_template_tests[] = {
    cmocka_unit_test(test_go_template_table),
};
const size_t mc_template_count = sizeof(mc_template_tests) / sizeof(mc_template_tests[0]);
