/*
 * demo.c - build/bin/ch06-build: chapters 01-05's container, now as the
 * steps of a Dockerfile.
 *
 *	ch06-build [--trace[=CH,...]] [--trace-step] [-f FILE] [-t NAME]...
 *	           [--build-arg K=V]... [--no-cache]
 *	           [--target STAGE] [--print-ast] CONTEXT
 *
 * Builds CONTEXT's Dockerfile into the image store in $MC_ROOT (run the
 * result with ch04-images --image NAME, or minicontainer run NAME).  The
 * output is the plain progress form; --trace adds every kernel call.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bld_build.h"
#include "bld_dockerfile.h"
#include "bld_text.h"
#include "mc_trace.h"

static void usage(FILE *out)
{
	fprintf(out,
	        "Usage: ch06-build [OPTIONS] CONTEXT\n\n"
	        "Build the Dockerfile in CONTEXT into the image store in $MC_ROOT.\n\n"
	        "  -f FILE              the Dockerfile (default: CONTEXT/Dockerfile)\n"
	        "  -t NAME              name the image (repeatable)\n"
	        "      --build-arg K=V  set a build argument (repeatable)\n"
	        "      --target STAGE   build up to this stage\n"
	        "      --no-cache       do not use the build cache\n"
	        "      --print-ast      print the parsed Dockerfile (BuildKit's dump) and stop\n"
	        "      --trace[=CH,...] narrate every kernel call (only chapters CH,...)\n"
	        "      --trace-step     as --trace, and wait for Enter after each kernel call\n");
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
	    {"file", required_argument, NULL, 'f'},
	    {"tag", required_argument, NULL, 't'},
	    {"build-arg", required_argument, NULL, 'a'},
	    {"target", required_argument, NULL, 'T'},
	    {"no-cache", no_argument, NULL, 'n'},
	    {"print-ast", no_argument, NULL, 'p'},
	    {"trace", optional_argument, NULL, 'x'},
	    {"trace-step", no_argument, NULL, 's'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct bld_list tags = {0}, args = {0};
	struct bld_options o = {0};
	struct bld_result res;
	struct bld_progress progress;
	struct bld_context cx;
	struct bld_dockerfile df;
	struct img_store st;
	struct mc_error err;
	const char *file = NULL;
	bool ast = false;
	int opt, code = 1;

	while ((opt = getopt_long(argc, argv, "f:t:h", options, NULL)) != -1) {
		switch (opt) {
		case 'f':
			file = optarg;
			break;
		case 't':
			bld_list_push(&tags, optarg);
			break;
		case 'a':
			bld_list_push(&args, optarg);
			break;
		case 'T':
			o.target = optarg;
			break;
		case 'n':
			o.no_cache = true;
			break;
		case 'p':
			ast = true;
			break;
		case 'x':
		case 's':
			if (mc_trace_flag(opt == 'x' ? "trace" : "trace-step", optarg, &err) < 0) {
				fprintf(stderr, "ch06-build: --%s: %s\n",
				        opt == 'x' ? "trace" : "trace-step", err.msg);
				return 125;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 125;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 125;
	}
	if (bld_context_open_dir(&cx, argv[optind], &err) < 0 ||
	    bld_context_load(&cx, file, NULL, 0, &err) < 0) {
		fprintf(stderr, "ch06-build: %s\n", err.msg);
		return 125;
	}
	if (ast) {
		if (bld_parse(cx.dockerfile, cx.dockerfile_len, cx.dockerfile_name, &df, NULL,
		              &err) < 0) {
			fprintf(stderr, "ch06-build: %s\n", err.msg);
			return 1;
		}
		bld_dump(stdout, &df);
		bld_dockerfile_free(&df);
		bld_context_close(&cx);
		return 0;
	}
	bld_progress_init(&progress, stderr, BLD_PROGRESS_PLAIN);
	o.context = &cx;
	o.tags = tags.v;
	o.build_args = args.v;
	o.progress = &progress;
	if (img_store_open(&st, NULL, &err) < 0 || bld_build(&st, &o, &res, &err) < 0) {
		if (res.line > 0)
			fprintf(stderr, "ch06-build: %s:%d: %s\n", cx.dockerfile_name, res.line,
			        err.msg);
		else
			fprintf(stderr, "ch06-build: %s\n", err.msg);
	} else {
		printf("%s\n", res.image_id);
		code = 0;
	}
	bld_progress_free(&progress);
	bld_context_close(&cx);
	bld_list_free(&tags);
	bld_list_free(&args);
	return code;
}
