/*
 * mc.h - the minicontainer command: what every verb shares.
 *
 * Each verb lives in a file of its own (images.c, load.c, ...) and is a
 * function `int verb_NAME(int argc, char **argv)` returning the process's
 * exit code: 0, 125 when minicontainer itself failed (Docker's convention),
 * or - for run and start - the container's own status.
 */
#ifndef MC_MC_H
#define MC_MC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <jansson.h>

#include "mc_error.h"
#include "img_store.h"

#define MC_EXIT_FAILED 125

/* Print "minicontainer: MSG" (or "Error response: ..."-free, one line) and return 125. */
int mc_report(const struct mc_error *err);
int mc_usage_error(const char *verb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Parse a verb's options and arguments (mc_cli.h) - -1: go on, with *first the
 * first argument; otherwise the exit status to return at once: 0 after
 * --help, 125 after a usage error printed in Docker's shape.
 *
 *	if ((rc = mc_parse_verb(&mc_cmd_ps, &o, argc, argv, &first)) >= 0)
 *		return rc;
 */
#include "mc_cli.h"
#include "mc_verbs.h"
int mc_parse_verb(const struct mc_command *cmd, void *target, int argc, char **argv, int *first);

/*
 * Descriptors: first thing at start-up, remember which of 3..63 the caller
 * handed us (mc_fd_inherited(fd) tells later); then mark every descriptor
 * above 2 close-on-exec, so that none reaches a program we run by accident.
 */
void mc_note_inherited_fds(void);
void mc_close_fds_on_exec(void);
bool mc_fd_inherited(int fd);

/*
 * selfclone.c: re-execute from a sealed in-memory copy of our binary, unless
 * this process already is one (CVE-2019-5736).  Returns only on failure, or
 * with 0 when nothing had to be done.
 */
int mc_reexec_sealed(char **argv, struct mc_error *err);

/* fetch.c: GET an http(s) URL into `fd` (build's ADD, import URL); no credentials. */
int mc_fetch_url(const char *url, int fd, struct mc_error *err);

/*
 * The verbs that act on each container named (pause, rm ...): load it,
 * bring its state up to date, act(); its name as typed is printed when that
 * worked, the error otherwise.  Returns 0, or 125 if any failed.
 */
struct mc_container;
int mc_each_container(int first, int argc, char **argv,
                      int (*act)(struct mc_container *c, const char *what, void *arg,
                                 struct mc_error *err),
                      void *arg);

/* Docker's prompt: "QUESTION [y/N] " on stdout, true if stdin answers y or yes. */
bool mc_confirm(const char *question);

/* Copy stdin to a new temporary file; `path` gets its name (unlink it when done). */
int mc_stdin_to_file(char *path, size_t size, struct mc_error *err);

/* Open the image store in $MC_ROOT. */
int mc_open_store(struct img_store *st, struct mc_error *err);

/* $MC_ROOT (persistent state) and $MC_RUNDIR (runtime state), with defaults. */
const char *mc_root_dir(void);
const char *mc_run_dir(void);

/* format.c: Docker's human-readable sizes and durations. */
const char *mc_human_size(uint64_t bytes, char *buf, size_t size); /* "4.26MB" */
/* go-units' HumanSizeWithPrecision ("Total reclaimed space": 4 digits) and BytesSize ("1.5MiB"). */
const char *mc_human_size_digits(uint64_t bytes, int digits, char *buf, size_t size);
const char *mc_bytes_size(uint64_t bytes, char *buf, size_t size);
const char *mc_human_ago(time_t then, time_t now, char *buf, size_t size); /* "2 weeks ago" */
time_t mc_parse_rfc3339(const char *text);                                 /* 0 if unparsable */
void mc_rfc3339_now(char *buf, size_t size); /* "2026-12-01T10:00:00.123456789Z" */
/* "2024-05-01 12:00:00 +0000 UTC": Go's time.Time.String(), Docker's CreatedAt. */
void mc_go_time(time_t t, char *buf, size_t size);

/* A table printed the way Docker's tabwriter does: columns padded by 3, at least 10 wide. */
struct mc_table;
struct mc_table *mc_table_new(size_t ncol);
void mc_table_add(struct mc_table *t, const char *const *cells);
void mc_table_print(struct mc_table *t);
void mc_table_free(struct mc_table *t);

/*
 * listing.c: what ps, images, volume ls ... print, as Docker's CLI does.  A
 * verb gives its default format ("table {{.ID}}\t{{.Names}}"), the headers
 * of its fields ({"ID", "CONTAINER ID"}, ..., {NULL, NULL}), then one JSON
 * object per row; --format may be a template, "table TEMPLATE" or "json".
 * close prints a table (a header line, the cells in columns) and frees.
 */
#define MC_FORMAT_HELP                                                                             \
	"Format output using a custom template: 'table', 'table TEMPLATE', 'json', or a Go "       \
	"template"
struct mc_field_header {
	const char *field, *header;
};
struct mc_listing;
int mc_listing_open(struct mc_listing **l, const char *format, const char *default_format,
                    const struct mc_field_header *headers, struct mc_error *err);
int mc_listing_row(struct mc_listing *l, json_t *row, struct mc_error *err);
/* Print to `out` instead of stdout (stats renders each screen into a buffer). */
void mc_listing_output(struct mc_listing *l, FILE *out);
void mc_listing_close(struct mc_listing *l);
/*
 * Go's text/tabwriter, as Docker configures it (listings: minwidth 10,
 * padding 3; top: 20 and 3; version: 20 and 1): tab-separated cells lined up
 * in columns, block by block.
 */
void mc_tabwrite(FILE *out, char *const *lines, size_t n, size_t minwidth, size_t padding);

/* The bytes of the files under `path` (a hard-linked file once), as Docker counts SIZE. */
uint64_t mc_dir_size(const char *path);
/* qsort(3) comparison of two `const char *`. */
int mc_strcmp_ptr(const void *a, const void *b);
/* ps.c: "Up 5 seconds", "Exited (0) 2 minutes ago", "Created". */
struct mc_container;
void mc_status_text(const struct mc_container *c, char *buf, size_t size);
/* ps's row for a container ({{.ID}}, {{.Image}}, {{.Command}} ...), truncated, without sizes. */
json_t *mc_container_row(struct mc_container *c);

/* images.c: helpers other verbs use. */
uint64_t mc_image_size(struct img_store *st, const struct img_image *img);
uint64_t mc_layer_size(struct img_store *st, const struct img_layer *layer); /* unpacked */
/* The manifests containers are using (so that rmi refuses them and gc keeps them). */
int mc_images_in_use(char ***manifests, size_t *count, struct mc_error *err);
/* Add the build cache's images (chapter 06) to what garbage collection keeps. */
int mc_keep_build_cache(struct img_store *st, char ***keep, size_t *n, struct mc_error *err);
void mc_strv_free(char **v, size_t n);

/* template.c: Go templates over JSON documents (mc_template.h). */
#include "mc_template.h"
/* inspect.c: an inspected object - printed with --format now, or added to the array
 * mc_inspect_print() prints (and frees) at the end, as docker inspect does. */
int mc_inspect_one(json_t *all, json_t *one, const char *format, struct mc_error *err);
void mc_inspect_print(json_t *all, const char *format);

/* The verbs. */
/*
 * The commands: each file describes its command (mc_cmd_*: usage, summary,
 * options) and runs it (verb_*); verbs.c puts them in one table.
 */
extern const struct mc_command mc_cmd_run, mc_cmd_create, mc_cmd_start, mc_cmd_ps, mc_cmd_rm,
    mc_cmd_stop, mc_cmd_kill, mc_cmd_logs, mc_cmd_exec, mc_cmd_images, mc_cmd_load, mc_cmd_save,
    mc_cmd_import, mc_cmd_tag, mc_cmd_rmi, mc_cmd_inspect, mc_cmd_container_inspect,
    mc_cmd_image_inspect, mc_cmd_history, mc_cmd_wait, mc_cmd_restart, mc_cmd_attach,
    mc_cmd_completion, mc_cmd___complete, mc_cmd___man, mc_cmd_build, mc_cmd_builder_prune,
    mc_cmd_commit, mc_cmd_pull, mc_cmd_push, mc_cmd_login, mc_cmd_logout;
/* The small verbs (issue 14). */
extern const struct mc_command mc_cmd_explain;
extern const struct mc_command mc_cmd_top, mc_cmd_stats, mc_cmd_cp, mc_cmd_diff, mc_cmd_rename,
    mc_cmd_pause, mc_cmd_unpause, mc_cmd_container_prune, mc_cmd_image_prune, mc_cmd_system_prune,
    mc_cmd_system_df, mc_cmd_events, mc_cmd_version, mc_cmd_info;
int verb_run(int argc, char **argv);
int verb_create(int argc, char **argv);
int verb_start(int argc, char **argv);
int verb_ps(int argc, char **argv);
int verb_rm(int argc, char **argv);
int verb_stop(int argc, char **argv);
int verb_kill(int argc, char **argv);
int verb_logs(int argc, char **argv);
int verb_exec(int argc, char **argv);
int verb_images(int argc, char **argv);
int verb_load(int argc, char **argv);
int verb_save(int argc, char **argv);
int verb_import(int argc, char **argv);
int verb_tag(int argc, char **argv);
int verb_rmi(int argc, char **argv);
int verb_inspect(int argc, char **argv);
int verb_container_inspect(int argc, char **argv);
int verb_image_inspect(int argc, char **argv);
int verb_history(int argc, char **argv);
int verb_wait(int argc, char **argv);
int verb_restart(int argc, char **argv);
int verb_attach(int argc, char **argv);
int verb_completion(int argc, char **argv);
int verb___complete(int argc, char **argv);
int verb___man(int argc, char **argv);
int verb_build(int argc, char **argv);
int verb_builder_prune(int argc, char **argv);
int verb_commit(int argc, char **argv);
int verb_top(int argc, char **argv);
int verb_explain(int argc, char **argv);
int verb_stats(int argc, char **argv);
int verb_cp(int argc, char **argv);
int verb_diff(int argc, char **argv);
int verb_rename(int argc, char **argv);
int verb_pause(int argc, char **argv);
int verb_unpause(int argc, char **argv);
int verb_container_prune(int argc, char **argv);
int verb_image_prune(int argc, char **argv);
int verb_system_prune(int argc, char **argv);
int verb_system_df(int argc, char **argv);
int verb_events(int argc, char **argv);
int verb_version(int argc, char **argv);
int verb_info(int argc, char **argv);

/* stop.c: "KILL", "SIGKILL", "9" -> 9; 0 if it is none of these. */
int mc_parse_signal(const char *text);
int verb_pull(int argc, char **argv);
int verb_push(int argc, char **argv);
int verb_login(int argc, char **argv);
int verb_logout(int argc, char **argv);

/*
 * pull.c: run and create find their image, pulled first as `policy`
 * (--pull) says: "missing" (NULL), "always" or "never".  Fills *img.
 */
int mc_pull_if_needed(struct img_store *st, const char *image, const char *policy,
                      struct img_image *img, struct mc_error *err);
/* network.c: the network group, and port */
extern const struct mc_command mc_cmd_network_create, mc_cmd_network_ls, mc_cmd_network_inspect,
    mc_cmd_network_rm, mc_cmd_network_prune, mc_cmd_network_connect, mc_cmd_network_disconnect,
    mc_cmd_port;
int verb_network_create(int argc, char **argv);
int verb_network_ls(int argc, char **argv);
int verb_network_inspect(int argc, char **argv);
int verb_network_rm(int argc, char **argv);
int verb_network_prune(int argc, char **argv);
int verb_network_connect(int argc, char **argv);
int verb_network_disconnect(int argc, char **argv);
int verb_port(int argc, char **argv);
/* volume.c (and prune.c's volume prune): the volume group (mc_volume.h) */
extern const struct mc_command mc_cmd_volume_create, mc_cmd_volume_ls, mc_cmd_volume_inspect,
    mc_cmd_volume_rm, mc_cmd_volume_prune;
int verb_volume_create(int argc, char **argv);
int verb_volume_ls(int argc, char **argv);
int verb_volume_inspect(int argc, char **argv);
int verb_volume_rm(int argc, char **argv);
int verb_volume_prune(int argc, char **argv);

#endif
