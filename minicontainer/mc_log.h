/*
 * mc_log.h - a container's log: what it wrote on stdout and stderr, one
 * record per line, in Docker's json-file format:
 *
 *	{"log":"hello\n","stream":"stdout","time":"2026-12-01T10:00:00.123456789Z"}
 *
 * Written by the process that watches the container (monitor.c), read by
 * `logs`.  Each record is one write(2) to a file opened O_APPEND, so a reader
 * never sees half of one - except the very last, if the writer died in the
 * middle of it: a reader takes only lines that end in '\n'.  A line longer
 * than MC_LOG_CHUNK is cut into records whose "log" does not end in '\n'
 * (Docker's partial messages); a reader joins them again.
 *
 * Rotation (--log-opt max-size=10m,max-file=3): when the file passes
 * max-size it becomes FILE.1 (FILE.1 becomes FILE.2 ...), and a new FILE
 * starts; at most max-file files are kept.
 */
#ifndef MC_LOG_H
#define MC_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>

#include "mc_error.h"

#define MC_LOG_CHUNK 16384

enum mc_stream { MC_STDOUT = 1, MC_STDERR = 2 };

struct mc_log {
	char path[4096];
	int fd;
	int64_t max_size; /* bytes; 0: no rotation */
	int max_file;     /* files kept, the current one included */
	off_t size;
	char partial[3][MC_LOG_CHUNK]; /* a line not ended yet, per stream */
	size_t npartial[3];
};

/* --log-opt max-size=SIZE (k, m, g) and max-file=N, as Docker's json-file driver takes them. */
int mc_log_parse_opt(const char *opt, int64_t *max_size, int *max_file, struct mc_error *err);

int mc_log_open(struct mc_log *log, const char *path, int64_t max_size, int max_file,
                struct mc_error *err);
/* Data from the container's stream: whole lines become records at once. */
int mc_log_write(struct mc_log *log, enum mc_stream stream, const char *buf, size_t len,
                 struct mc_error *err);
/* The container ended: what is left of its lines becomes records too. */
int mc_log_flush(struct mc_log *log, struct mc_error *err);
void mc_log_close(struct mc_log *log);

/* ---- reading ---------------------------------------------------------------------------------- */

struct mc_log_read {
	bool stdout_wanted, stderr_wanted;
	bool timestamps;            /* -t: each line starts with its time */
	long tail;                  /* --tail N: the last N lines; -1 all */
	int64_t since_ns, until_ns; /* --since/--until: 0 for none */
	bool follow;                /* -f: keep reading until the container stops */
	pid_t monitor;   /* -f: stop when this process (the container's monitor) is gone; 0 none */
	FILE *out, *err; /* where stdout's and stderr's lines go */
};

/* Print the log at `path` (and its rotated files) as `docker logs` does. */
int mc_log_print(const char *path, const struct mc_log_read *r, struct mc_error *err);

/* "2026-12-01T10:00:00Z", "2026-12-01", "1733047200.5", "10m", "1h30m" -> ns since the epoch. */
int mc_log_parse_time(const char *text, time_t now, int64_t *ns, struct mc_error *err);
/* The same with `now` in ns: "0s" is this very moment, not the start of its second. */
int mc_log_parse_time_ns(const char *text, int64_t now, int64_t *ns, struct mc_error *err);

#endif
