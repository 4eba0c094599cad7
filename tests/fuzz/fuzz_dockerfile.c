/*
 * fuzz_dockerfile.c - libFuzzer harness: a Dockerfile is untrusted input.
 * Any bytes must give a clean error or a parse whose every instruction
 * checks or is refused cleanly, whose line numbers make sense, and whose
 * dump can be written - never a crash, a hang or a leak.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bld_dockerfile.h"
#include "bld_instructions.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bld_dockerfile df;
	struct bld_program prog;
	struct mc_error err;
	FILE *null;
	int line = 0, last = 0;

	if (bld_parse((const char *)data, size, "Dockerfile", &df, &line, &err) < 0) {
		/* An error always names a line of the file. */
		if (strncmp(err.msg, "Dockerfile:", 11) != 0)
			__builtin_trap();
		return 0;
	}
	for (size_t i = 0; i < df.count; i++) {
		/* Instructions come in order, each on lines of its own. */
		if (df.nodes[i].start_line <= last || df.nodes[i].end_line < df.nodes[i].start_line)
			__builtin_trap();
		last = df.nodes[i].end_line;
	}
	null = fopen("/dev/null", "w");
	if (null != NULL) {
		bld_dump(null, &df);
		fclose(null);
	}
	if (bld_check(&df, &prog, &line, &err) == 0)
		bld_program_free(&prog);
	else if (line < 1 || line > last)
		__builtin_trap();
	bld_dockerfile_free(&df);
	return 0;
}
