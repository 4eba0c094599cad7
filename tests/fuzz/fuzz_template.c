/*
 * fuzz_template.c - libFuzzer harness: --format templates, which users type
 * and scripts paste.  Any template must parse and run on a container-like
 * document with a clean error or output - no crash, no hang, bounded memory -
 * strict (inspect) and not.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mc_template.h"

static const char doc_text[] =
    "{\"Id\":\"0123456789abcdef\",\"Name\":\"/web\",\"Args\":[\"-c\",\"echo hi\"],"
    "\"State\":{\"Status\":\"running\",\"Pid\":42,\"Running\":true,\"ExitCode\":0},"
    "\"Config\":{\"Labels\":{\"a\":\"1\",\"b\":\"2\"},\"Env\":[\"A=1\"],\"Cmd\":null},"
    "\"Mounts\":[{\"Source\":\"/x\",\"RW\":true}],\"N\":3.5,\"Empty\":{}}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static json_t *doc;
	struct mc_template *t;
	struct mc_error err;
	char *text, *out = NULL;
	size_t len = 0;
	FILE *f;

	if (doc == NULL)
		doc = json_loads(doc_text, 0, NULL);
	if (size > 4096)
		return 0;
	text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	for (int strict = 0; strict < 2; strict++) {
		if (mc_template_parse(text, &t, &err) < 0)
			break;
		if (strict)
			mc_template_missing_key_error(t);
		f = open_memstream(&out, &len);
		if (f != NULL) {
			mc_template_execute(t, doc, f, &err);
			fclose(f);
			free(out);
			out = NULL;
		}
		mc_template_free(t);
	}
	free(text);
	return 0;
}
