/*
 * fuzz_expand.c - libFuzzer harness: Dockerfile variable expansion ($V,
 * ${V:-w}, ${V#p}, ${V//p/r}, quotes, escapes).  The first byte picks the
 * escape character and the lexer's options; the rest is the word.  The
 * word and its split into words must agree on whether it is valid, and
 * nothing may crash, hang or leak - patterns included.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bld_ignore.h"
#include "bld_shell.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *const env[] = {"A=value",     "EMPTY=",      "P=a/b/c.tar.gz",
	                            "S=two words", "UNSET_VALUE", NULL};
	struct bld_lex lx;
	struct mc_error err;
	char word[4096], *out = NULL, **words = NULL;
	size_t n = 0;
	int rc1, rc2;

	if (size < 1 || size >= sizeof(word))
		return 0;
	memcpy(word, data + 1, size - 1);
	word[size - 1] = '\0';
	bld_lex_init(&lx, data[0] & 1 ? '`' : '\\');
	lx.raw_quotes = data[0] & 2;
	lx.raw_escapes = data[0] & 4;
	lx.skip_unset = data[0] & 8;
	lx.literal_quotes = data[0] & 16;
	rc1 = bld_expand(&lx, word, env, &out, &err);
	rc2 = bld_expand_words(&lx, word, env, &words, &n, &err);
	if ((rc1 == 0) != (rc2 == 0))
		__builtin_trap();
	for (size_t i = 0; rc2 == 0 && i < n; i++) {
		if (words[i] == NULL || words[i][0] == '\0')
			__builtin_trap();
		free(words[i]);
	}
	free(words);
	free(out);
	/* The same bytes as a shell pattern and as a .dockerignore pattern. */
	(void)bld_pattern_match(word, "a/b/c.tar.gz", 12);
	(void)bld_ignore_match(word, "a/b/c.tar.gz");
	return 0;
}
