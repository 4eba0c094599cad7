/*
 * build.c - `minicontainer build [OPTIONS] PATH | -`: chapter 06's builder,
 * with Docker's flags, output and exit codes (1 when the build fails).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bld_build.h"
#include "bld_dockerfile.h"
#include "bld_text.h"
#include "mc.h"

#define USAGE                                                                                      \
	"Usage:  minicontainer build [OPTIONS] PATH | -\n\n"                                       \
	"Build an image from a Dockerfile\n\n"                                                     \
	"Options:\n"                                                                               \
	"      --build-arg list       Set build-time variables\n"                                  \
	"      --compression string   Layer compression: gzip (default) or zstd\n"                 \
	"  -f, --file string          Name of the Dockerfile (default: \"PATH/Dockerfile\")\n"     \
	"      --iidfile string       Write the image ID to the file\n"                            \
	"      --label list           Set metadata for an image\n"                                 \
	"      --network string       Networking mode for the RUN instructions during build\n"     \
	"                             (default, none or host)\n"                                   \
	"      --no-cache             Do not use cache when building the image\n"                  \
	"      --platform string      Set target platform for build (this machine's only)\n"       \
	"      --print-ast            Print the parsed Dockerfile (BuildKit's AST dump) and "      \
	"exit\n"                                                                                   \
	"      --progress string      Set type of progress output (auto, plain, tty, quiet)\n"     \
	"  -q, --quiet                Suppress the build output and print image ID on success\n"   \
	"  -t, --tag list             Name and optionally a tag in the \"name:tag\" format\n"      \
	"      --target string        Set the target build stage to build\n"

struct build_flags {
	struct bld_options o;
	struct bld_list tags, args, labels;
	const char *file, *iidfile, *progress;
	bool quiet, print_ast;
};

static int parse_flags(int argc, char **argv, struct build_flags *f, struct mc_error *err)
{
	static const struct option options[] = {
	    {"build-arg", required_argument, NULL, 'a'},
	    {"compression", required_argument, NULL, 'z'},
	    {"file", required_argument, NULL, 'f'},
	    {"iidfile", required_argument, NULL, 'i'},
	    {"label", required_argument, NULL, 'l'},
	    {"network", required_argument, NULL, 'N'},
	    {"no-cache", no_argument, NULL, 'n'},
	    {"platform", required_argument, NULL, 'P'},
	    {"print-ast", no_argument, NULL, 'A'},
	    {"progress", required_argument, NULL, 'p'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"tag", required_argument, NULL, 't'},
	    {"target", required_argument, NULL, 'T'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct img_ref ref;
	int opt;

	while ((opt = getopt_long(argc, argv, "+f:qt:h", options, NULL)) != -1) {
		switch (opt) {
		case 'a':
			bld_list_push(&f->args, optarg);
			break;
		case 'z':
			if (strcmp(optarg, "zstd") != 0 && strcmp(optarg, "gzip") != 0)
				return mc_fail(err, 0, "--compression: gzip or zstd, not \"%s\"",
				               optarg);
			f->o.zstd = strcmp(optarg, "zstd") == 0;
			break;
		case 'f':
			f->file = optarg;
			break;
		case 'i':
			f->iidfile = optarg;
			break;
		case 'l':
			bld_list_push(&f->labels, optarg);
			break;
		case 'N':
			if (bld_network_parse(optarg, &f->o.network, err) < 0)
				return -1;
			break;
		case 'n':
			f->o.no_cache = true;
			break;
		case 'P':
			f->o.platform = optarg;
			break;
		case 'A':
			f->print_ast = true;
			break;
		case 'p':
			f->progress = optarg;
			break;
		case 'q':
			f->quiet = true;
			break;
		case 't':
			if (img_ref_parse(optarg, &ref, err) < 0)
				return mc_fail_context(
				    err, "invalid argument \"%s\" for \"-t, --tag\" flag", optarg);
			bld_list_push(&f->tags, optarg);
			break;
		case 'T':
			f->o.target = optarg;
			break;
		case 'h':
			return 1;
		default:
			return mc_fail(err, 0, "unknown flag");
		}
	}
	if (argc - optind != 1)
		return mc_fail(err, 0, "\"build\" requires exactly 1 argument");
	return 0;
}

static enum bld_progress_mode progress_mode(const struct build_flags *f)
{
	if (f->quiet || (f->progress && strcmp(f->progress, "quiet") == 0))
		return BLD_PROGRESS_QUIET;
	if (f->progress && strcmp(f->progress, "plain") == 0)
		return BLD_PROGRESS_PLAIN;
	if (f->progress && strcmp(f->progress, "tty") == 0)
		return BLD_PROGRESS_TTY;
	return isatty(STDERR_FILENO) ? BLD_PROGRESS_TTY : BLD_PROGRESS_PLAIN;
}

/* A Dockerfile given on stdin: copied to a file, read back, the file removed. */
static int stdin_dockerfile(const char *tmp, struct bld_context *cx, struct mc_error *err)
{
	char *text;
	size_t len;
	int rc;

	if (bld_read_dockerfile(tmp, &text, &len, err) < 0)
		return -1;
	rc = bld_context_load(cx, "-", text, len, err);
	free(text);
	return rc;
}

/* The context: a directory, or "-" (stdin: a tar archive, or just a Dockerfile). */
static int open_context(const char *what, const char *file, struct img_store *st,
                        struct bld_context *cx, struct mc_error *err)
{
	bool from_stdin = strcmp(what, "-") == 0 || (file != NULL && strcmp(file, "-") == 0);
	char tmp[64] = "";
	int rc;

	if (from_stdin && mc_stdin_to_file(tmp, sizeof(tmp), err) < 0)
		return -1;
	if (strcmp(what, "-") != 0) {
		rc = bld_context_open_dir(cx, what, err);
		if (rc == 0 && tmp[0] != '\0')
			rc = stdin_dockerfile(tmp, cx, err); /* -f - */
		else if (rc == 0)
			rc = bld_context_load(cx, file, NULL, 0, err);
	} else {
		rc = bld_context_open_stdin_file(cx, st, tmp, err);
		if (rc == 1)
			rc =
			    stdin_dockerfile(tmp, cx, err); /* a Dockerfile: the context is empty */
		else if (rc == 0)
			rc = bld_context_load(cx, file, NULL, 0, err);
	}
	if (tmp[0] != '\0')
		unlink(tmp);
	return rc;
}

static int print_ast(const struct bld_context *cx)
{
	struct bld_dockerfile df;
	struct mc_error err;

	if (bld_parse(cx->dockerfile, cx->dockerfile_len, cx->dockerfile_name, &df, NULL, &err) <
	    0) {
		fprintf(stderr, "ERROR: %s\n", err.msg);
		return 1;
	}
	bld_dump(stdout, &df);
	bld_dockerfile_free(&df);
	return 0;
}

static int write_iidfile(const char *path, const char *id, struct mc_error *err)
{
	FILE *f = fopen(path, "we");

	if (f == NULL)
		return mc_fail(err, 0, "write %s", path);
	fputs(id, f);
	return fclose(f) == 0 ? 0 : mc_fail(err, 0, "write %s", path);
}

int verb_build(int argc, char **argv)
{
	struct build_flags f = {0};
	struct bld_progress progress;
	struct bld_context cx = {.fd = -1};
	struct bld_result res = {0};
	struct img_store st = {.lock_fd = -1};
	struct mc_error err;
	int rc, status = 1;

	rc = parse_flags(argc, argv, &f, &err);
	if (rc == 1) {
		printf(USAGE);
		return 0;
	}
	if (rc < 0) {
		status = mc_usage_error("build", "%s", err.msg);
		goto out;
	}
	if (mc_open_store(&st, &err) < 0 ||
	    open_context(argv[optind], f.file, &st, &cx, &err) < 0) {
		fprintf(stderr, "ERROR: %s\n", err.msg);
		goto out;
	}
	if (f.print_ast) {
		status = print_ast(&cx);
		goto out;
	}
	bld_progress_init(&progress, stderr, progress_mode(&f));
	f.o.context = &cx;
	f.o.tags = f.tags.v;
	f.o.build_args = f.args.v;
	f.o.labels = f.labels.v;
	f.o.progress = &progress;
	/* Pulling a missing base image arrives with the registry client: its pull goes here. */
	f.o.pull = NULL;
	f.o.fetch = NULL;
	rc = bld_build(&st, &f.o, &res, &err);
	bld_progress_free(&progress);
	if (rc < 0) {
		bld_print_failure(stderr, cx.dockerfile_name, cx.dockerfile, res.line, res.end_line,
		                  err.msg);
		goto out;
	}
	if (res.unused_args[0] != '\0')
		fprintf(stderr, "[Warning] One or more build-args [%s] were not consumed\n",
		        res.unused_args);
	if (f.iidfile != NULL && write_iidfile(f.iidfile, res.image_id, &err) < 0) {
		mc_report(&err);
		goto out;
	}
	if (progress_mode(&f) == BLD_PROGRESS_QUIET)
		printf("%s\n", res.image_id);
	status = 0;
out:
	bld_context_close(&cx);
	img_store_close(&st);
	bld_list_free(&f.tags);
	bld_list_free(&f.args);
	bld_list_free(&f.labels);
	return status;
}
