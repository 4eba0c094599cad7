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

#include "mc_error.h"
#include "img_store.h"

#define MC_EXIT_FAILED 125

/* Print "minicontainer: MSG" (or "Error response: ..."-free, one line) and return 125. */
int mc_report(const struct mc_error *err);
int mc_usage_error(const char *verb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Copy stdin to a new temporary file; `path` gets its name (unlink it when done). */
int mc_stdin_to_file(char *path, size_t size, struct mc_error *err);

/* Open the image store in $MC_ROOT. */
int mc_open_store(struct img_store *st, struct mc_error *err);

/* $MC_ROOT (persistent state) and $MC_RUNDIR (runtime state), with defaults. */
const char *mc_root_dir(void);
const char *mc_run_dir(void);

/* format.c: Docker's human-readable sizes and durations. */
const char *mc_human_size(uint64_t bytes, char *buf, size_t size);         /* "4.26MB" */
const char *mc_human_ago(time_t then, time_t now, char *buf, size_t size); /* "2 weeks ago" */
time_t mc_parse_rfc3339(const char *text);                                 /* 0 if unparsable */
void mc_rfc3339_now(char *buf, size_t size);

/* A table printed the way Docker's tabwriter does: columns padded by 3, at least 10 wide. */
struct mc_table;
struct mc_table *mc_table_new(size_t ncol);
void mc_table_add(struct mc_table *t, const char *const *cells);
void mc_table_print(struct mc_table *t);
void mc_table_free(struct mc_table *t);

/* images.c: helpers other verbs use. */
uint64_t mc_image_size(struct img_store *st, const struct img_image *img);
/* The manifests containers are using (so that rmi refuses them and gc keeps them). */
int mc_images_in_use(char ***manifests, size_t *count, struct mc_error *err);

/* inspect.c: {{.A.B}} and {{json .A}} templates over a JSON document. */
#include <jansson.h>
int mc_render_template(FILE *out, json_t *doc, const char *tmpl, struct mc_error *err);
/* An inspected object: printed with --format now, or added to the array mc_inspect_print()
 * prints (and frees) at the end, as docker inspect does. */
int mc_inspect_one(json_t *all, json_t *one, const char *format, struct mc_error *err);
void mc_inspect_print(json_t *all, const char *format);

/* The verbs. */
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
int verb_history(int argc, char **argv);
int verb_network(int argc, char **argv); /* network.c, with verb_port */
int verb_port(int argc, char **argv);

#endif
