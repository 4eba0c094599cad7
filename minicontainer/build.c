/*
 * build.c - `minicontainer build [OPTIONS] PATH | -`: chapter 06's builder,
 * with Docker's flags, output and exit codes (1 when the build fails).
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bld_build.h"
#include "bld_dockerfile.h"
#include "bld_text.h"
#include "mc.h"

struct build_flags {
	struct bld_options o;
	struct bld_list tags, args, labels;
	const char *file, *iidfile, *progress;
	bool quiet, print_ast;
};

static int push(void *field, const char *value, struct mc_error *err)
{
	(void)err;
	bld_list_push(field, value);
	return 0;
}

static int opt_tag(void *field, const char *value, struct mc_error *err)
{
	struct img_ref ref;

	if (img_ref_parse(value, &ref, err) < 0)
		return -1;
	return push(field, value, err);
}

static int opt_compression(void *field, const char *value, struct mc_error *err)
{
	if (strcmp(value, "zstd") != 0 && strcmp(value, "gzip") != 0)
		return mc_fail(err, 0, "gzip or zstd");
	*(bool *)field = strcmp(value, "zstd") == 0;
	return 0;
}

static int opt_network(void *field, const char *value, struct mc_error *err)
{
	return bld_network_parse(value, field, err);
}

#define F(field) offsetof(struct build_flags, field)
static const struct mc_option build_options[] = {
    {"build-arg", 0, "list", "Set build-time variables", push, F(args)},
    {"compression", 0, "string", "Layer compression: gzip (default) or zstd", opt_compression,
     F(o.zstd)},
    {"file", 'f', "string", "Name of the Dockerfile (default: \"PATH/Dockerfile\")", mc_opt_string,
     F(file)},
    {"iidfile", 0, "string", "Write the image ID to the file", mc_opt_string, F(iidfile)},
    {"label", 0, "list", "Set metadata for an image", push, F(labels)},
    {"network", 0, "string",
     "Networking mode for the RUN instructions during build\n(default, none or host)", opt_network,
     F(o.network)},
    {"no-cache", 0, NULL, "Do not use cache when building the image", mc_opt_true, F(o.no_cache)},
    {"platform", 0, "string", "Set target platform for build (this machine's only)", mc_opt_string,
     F(o.platform)},
    {"print-ast", 0, NULL, "Print the parsed Dockerfile (BuildKit's AST dump) and exit",
     mc_opt_true, F(print_ast)},
    {"progress", 0, "string", "Set type of progress output (auto, plain, tty, quiet)",
     mc_opt_string, F(progress)},
    {"quiet", 'q', NULL, "Suppress the build output and print image ID on success", mc_opt_true,
     F(quiet)},
    {"tag", 't', "list", "Name and optionally a tag in the \"name:tag\" format", opt_tag, F(tags)},
    {"target", 0, "string", "Set the target build stage to build", mc_opt_string, F(o.target)},
    {NULL, 0, NULL, NULL, NULL, 0},
};
#undef F

const struct mc_command mc_cmd_build = {
    .name = "build",
    .usage = "[OPTIONS] PATH | -",
    .summary = "Build an image from a Dockerfile",
    .options = build_options,
    .min_args = 1,
    .max_args = 1,
};

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

/* FROM an image the store lacks: pulled first, as run pulls it (its progress on stderr). */
static int pull_base(void *arg, struct img_store *st, const char *ref, struct mc_error *err)
{
	struct img_image img;
	struct mc_error ignored;
	struct img_ref r;
	char full[600];

	(void)arg;
	if (mc_pull_if_needed(st, ref, "missing", &img, err) < 0) {
		if (img_ref_parse(ref, &r, &ignored) == 0)
			ref = img_ref_full(&r, full, sizeof(full));
		return mc_fail_context(err, "failed to resolve source metadata for %s", ref);
	}
	img_image_free(&img);
	return 0;
}

/* ADD http(s)://...: fetched as `import URL` fetches (fetch.c). */
static int fetch_url(void *arg, const char *url, int fd, struct mc_error *err)
{
	(void)arg;
	return mc_fetch_url(url, fd, err);
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
	int rc, status = 1, first;

	if ((rc = mc_parse_verb(&mc_cmd_build, &f, argc, argv, &first)) >= 0) {
		status = rc;
		goto out;
	}
	if (mc_open_store(&st, &err) < 0 || open_context(argv[first], f.file, &st, &cx, &err) < 0) {
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
	/* FROM an image the store lacks, and ADD of a URL: chapter 04's registry client. */
	f.o.pull = pull_base;
	f.o.fetch = fetch_url;
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
