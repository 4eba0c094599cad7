/* logfile.c - a container's log in Docker's json-file format (see mc_log.h). */
#define _GNU_SOURCE
#include "mc_log.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cg_cgroups.h"

static const char *const stream_names[] = {"", "stdout", "stderr"};

/* ---- options ----------------------------------------------------------------------------------- */

int mc_log_parse_opt(const char *opt, int64_t *max_size, int *max_file, struct mc_error *err)
{
	const char *eq = strchr(opt, '=');
	char *end;
	long n;

	if (eq == NULL)
		return mc_fail(err, 0, "invalid log option %s: expected KEY=VALUE", opt);
	if (strncmp(opt, "max-size=", 9) == 0) {
		if (cg_parse_size(eq + 1, max_size, err) < 0)
			return mc_fail_context(err, "--log-opt max-size");
		if (*max_size <= 0)
			return mc_fail(err, 0, "--log-opt max-size must be positive");
		return 0;
	}
	if (strncmp(opt, "max-file=", 9) == 0) {
		errno = 0;
		n = strtol(eq + 1, &end, 10);
		if (errno != 0 || *end != '\0' || end == eq + 1 || n < 1 || n > 1000)
			return mc_fail(err, 0, "invalid value for max-file: %s", eq + 1);
		*max_file = (int)n;
		return 0;
	}
	return mc_fail(err, 0, "unknown log opt '%.*s' for json-file log driver", (int)(eq - opt),
	               opt);
}

/* ---- writing ------------------------------------------------------------------------------------ */

int mc_log_open(struct mc_log *log, const char *path, int64_t max_size, int max_file,
                struct mc_error *err)
{
	struct stat st;

	memset(log, 0, sizeof(*log));
	snprintf(log->path, sizeof(log->path), "%s", path);
	log->max_size = max_size;
	log->max_file = max_file < 1 ? 1 : max_file;
	log->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (log->fd < 0)
		return mc_fail(err, errno, "open the log %s", path);
	if (fstat(log->fd, &st) == 0)
		log->size = st.st_size;
	return 0;
}

/* FILE.(n-2) -> FILE.(n-1), ..., FILE -> FILE.1, and a new FILE. */
static int rotate(struct mc_log *log, struct mc_error *err)
{
	char from[PATH_MAX + 16], to[PATH_MAX + 16];

	close(log->fd);
	for (int i = log->max_file - 1; i >= 1; i--) {
		if (i == 1)
			snprintf(from, sizeof(from), "%s", log->path);
		else
			snprintf(from, sizeof(from), "%s.%d", log->path, i - 1);
		snprintf(to, sizeof(to), "%s.%d", log->path, i);
		if (rename(from, to) < 0 && errno != ENOENT)
			return mc_fail(err, errno, "rotate %s", from);
	}
	if (log->max_file == 1 && unlink(log->path) < 0 && errno != ENOENT)
		return mc_fail(err, errno, "rotate %s", log->path);
	log->fd = open(log->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (log->fd < 0)
		return mc_fail(err, errno, "open the log %s", log->path);
	log->size = 0;
	return 0;
}

/* "2026-12-01T10:00:00.123456789Z": RFC 3339 with nanoseconds, in UTC. */
static size_t format_now(char *buf, size_t size)
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
	return n + (size_t)snprintf(buf + n, size - n, ".%09ldZ", ts.tv_nsec);
}

/* JSON string escaping of `len` bytes (bytes >= 0x80 pass as they are). */
static size_t escape(char *out, const char *in, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];

		if (c == '"' || c == '\\') {
			out[n++] = '\\';
			out[n++] = (char)c;
		} else if (c == '\n') {
			out[n++] = '\\';
			out[n++] = 'n';
		} else if (c == '\t') {
			out[n++] = '\\';
			out[n++] = 't';
		} else if (c == '\r') {
			out[n++] = '\\';
			out[n++] = 'r';
		} else if (c < 0x20) {
			memcpy(out + n, "\\u00", 4);
			out[n + 4] = hex[c >> 4];
			out[n + 5] = hex[c & 15];
			n += 6;
		} else {
			out[n++] = (char)c;
		}
	}
	return n;
}

/* One record, in one write(2): readers see all of it or (after a crash) an unterminated line. */
static int emit(struct mc_log *log, enum mc_stream stream, const char *data, size_t len,
                struct mc_error *err)
{
	static char record[MC_LOG_CHUNK * 6 + 128];
	char now[64];
	size_t n;

	if (log->max_size > 0 && log->size >= log->max_size && rotate(log, err) < 0)
		return -1;
	n = (size_t)snprintf(record, sizeof(record), "{\"log\":\"");
	n += escape(record + n, data, len);
	format_now(now, sizeof(now));
	n += (size_t)snprintf(record + n, sizeof(record) - n,
	                      "\",\"stream\":\"%s\",\"time\":\"%s\"}\n", stream_names[stream], now);
	if (write(log->fd, record, n) != (ssize_t)n)
		return mc_fail(err, errno ? errno : EIO, "write the log %s", log->path);
	log->size += (off_t)n;
	return 0;
}

int mc_log_write(struct mc_log *log, enum mc_stream stream, const char *buf, size_t len,
                 struct mc_error *err)
{
	char *part = log->partial[stream];
	size_t *np = &log->npartial[stream];

	for (size_t i = 0; i < len; i++) {
		part[(*np)++] = buf[i];
		/* A whole line, or as much of one as a record holds. */
		if (buf[i] == '\n' || *np == MC_LOG_CHUNK) {
			if (emit(log, stream, part, *np, err) < 0)
				return -1;
			*np = 0;
		}
	}
	return 0;
}

int mc_log_flush(struct mc_log *log, struct mc_error *err)
{
	for (int s = MC_STDOUT; s <= MC_STDERR; s++)
		if (log->npartial[s] > 0) {
			if (emit(log, (enum mc_stream)s, log->partial[s], log->npartial[s], err) <
			    0)
				return -1;
			log->npartial[s] = 0;
		}
	return 0;
}

void mc_log_close(struct mc_log *log)
{
	if (log->fd >= 0)
		close(log->fd);
	log->fd = -1;
}

/* ---- times --------------------------------------------------------------------------------------- */

/* RFC 3339 ("2026-12-01T10:00:00.5Z", "...+01:00", "2026-12-01"); 0 if it is not one. */
static int parse_rfc3339(const char *s, int64_t *ns)
{
	struct tm tm = {0};
	int64_t frac = 0, scale = 1000000000;
	const char *p;
	time_t t;

	p = strptime(s, "%Y-%m-%d", &tm);
	if (p == NULL)
		return 0;
	if (*p == 'T') {
		p = strptime(p + 1, "%H:%M", &tm);
		if (p == NULL)
			return 0;
		if (*p == ':' && (p = strptime(p + 1, "%S", &tm)) == NULL)
			return 0;
		if (*p == '.')
			for (p++; isdigit((unsigned char)*p); p++)
				if (scale > 1) {
					scale /= 10;
					frac += (*p - '0') * scale;
				}
	}
	t = timegm(&tm);
	if (*p == 'Z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int hh, mm;

		if (sscanf(p + 1, "%2d:%2d", &hh, &mm) != 2)
			return 0;
		t -= (*p == '+' ? 1 : -1) * (hh * 3600 + mm * 60);
		p += 6;
	}
	if (*p != '\0')
		return 0;
	*ns = (int64_t)t * 1000000000 + frac;
	return 1;
}

int mc_log_parse_time(const char *text, time_t now, int64_t *ns, struct mc_error *err)
{
	return mc_log_parse_time_ns(text, (int64_t)now * 1000000000, ns, err);
}

int mc_log_parse_time_ns(const char *text, int64_t now, int64_t *ns, struct mc_error *err)
{
	double seconds = 0;
	const char *p = text;
	char *end;

	if (parse_rfc3339(text, ns))
		return 0;
	/* A Unix timestamp, "1733047200" or "1733047200.5". */
	errno = 0;
	seconds = strtod(text, &end);
	if (errno == 0 && end != text && *end == '\0') {
		*ns = (int64_t)(seconds * 1e9);
		return 0;
	}
	/* A duration before now, as Go writes them: "10m", "1h30m", "45s", "1.5h". */
	seconds = 0;
	while (*p != '\0') {
		double v = strtod(p, &end);
		double unit = 0;

		if (end == p)
			goto bad;
		if (strncmp(end, "ms", 2) == 0)
			unit = 0.001, end += 2;
		else if (*end == 'h')
			unit = 3600, end++;
		else if (*end == 'm')
			unit = 60, end++;
		else if (*end == 's')
			unit = 1, end++;
		else
			goto bad;
		seconds += v * unit;
		p = end;
	}
	if (p == text)
		goto bad;
	*ns = now - (int64_t)(seconds * 1e9);
	return 0;
bad:
	return mc_fail(err, 0,
	               "invalid value for \"since\"/\"until\": %s (use an RFC 3339 time, a Unix "
	               "timestamp or a duration such as 10m)",
	               text);
}

/* ---- reading ------------------------------------------------------------------------------------- */

/* A record, parsed: its log text (unescaped), its stream and its time. */
struct record {
	char *text;
	size_t len;
	enum mc_stream stream;
	int64_t ns;
	char time[64];
};

/* The string value after "key": in `line`, unescaped into out; its length, or -1. */
static long string_field(const char *line, const char *key, char *out, size_t size)
{
	const char *p = strstr(line, key);
	size_t n = 0;

	if (p == NULL)
		return -1;
	p += strlen(key);
	while (*p == ' ' || *p == ':')
		p++;
	if (*p++ != '"')
		return -1;
	while (*p != '"' && *p != '\0' && n + 1 < size) {
		char c = *p++;

		if (c == '\\') {
			c = *p++;
			switch (c) {
			case 'n':
				c = '\n';
				break;
			case 't':
				c = '\t';
				break;
			case 'r':
				c = '\r';
				break;
			case 'b':
				c = '\b';
				break;
			case 'f':
				c = '\f';
				break;
			case 'u': {
				unsigned v = 0;

				if (sscanf(p, "%4x", &v) != 1)
					return -1;
				p += 4;
				c = (char)(v < 0x80 ? v : '?');
				break;
			}
			case '\0':
				return -1;
			default:
				break; /* \" \\ \/ */
			}
		}
		out[n++] = c;
	}
	if (*p != '"')
		return -1;
	out[n] = '\0';
	return (long)n;
}

static bool parse_record(const char *line, struct record *r, char *buf, size_t size)
{
	char stream[16];
	long n = string_field(line, "\"log\"", buf, size);

	if (n < 0 || string_field(line, "\"stream\"", stream, sizeof(stream)) < 0 ||
	    string_field(line, "\"time\"", r->time, sizeof(r->time)) < 0 ||
	    !parse_rfc3339(r->time, &r->ns))
		return false;
	r->text = buf;
	r->len = (size_t)n;
	r->stream = strcmp(stream, "stderr") == 0 ? MC_STDERR : MC_STDOUT;
	return true;
}

static void print_record(const struct mc_log_read *rd, const struct record *r, bool *at_line_start)
{
	FILE *f = r->stream == MC_STDERR ? rd->err : rd->out;

	if ((r->stream == MC_STDERR && !rd->stderr_wanted) ||
	    (r->stream == MC_STDOUT && !rd->stdout_wanted))
		return;
	if ((rd->since_ns != 0 && r->ns < rd->since_ns) ||
	    (rd->until_ns != 0 && r->ns > rd->until_ns))
		return;
	if (rd->timestamps && at_line_start[r->stream])
		fprintf(f, "%s ", r->time);
	fwrite(r->text, 1, r->len, f);
	at_line_start[r->stream] = r->len > 0 && r->text[r->len - 1] == '\n';
}

/* Print the whole records in fd from `offset` on; returns the offset after the last one. */
static off_t print_from(int fd, off_t offset, const struct mc_log_read *rd, bool *at_line_start)
{
	static char buf[MC_LOG_CHUNK * 6 + 4096], text[MC_LOG_CHUNK + 16];
	size_t have = 0;
	ssize_t n;

	while ((n = pread(fd, buf + have, sizeof(buf) - 1 - have, offset + (off_t)have)) > 0) {
		char *line = buf, *nl;

		have += (size_t)n;
		buf[have] = '\0';
		while ((nl = memchr(line, '\n', have - (size_t)(line - buf))) != NULL) {
			struct record r;

			*nl = '\0';
			if (parse_record(line, &r, text, sizeof(text)))
				print_record(rd, &r, at_line_start);
			line = nl + 1;
		}
		/* Keep the unterminated rest for the next read (or, at the end, a crash's half line). */
		offset += line - buf;
		have -= (size_t)(line - buf);
		memmove(buf, line, have);
		if (have == sizeof(buf) - 1) { /* not a record of ours: skip it */
			offset += (off_t)have;
			have = 0;
		}
	}
	fflush(rd->out);
	fflush(rd->err);
	return offset;
}

/*
 * --tail N: where the last N records start, counting back from the end of
 * the newest file into older ones.  Reads only the end of each file: as fast
 * for a 100 MB log as for a small one.
 */
static int find_tail(char files[][PATH_MAX + 16], int nfiles, long want, int *file, off_t *offset)
{
	static char buf[65536];
	struct stat st;

	*file = 0;
	*offset = 0;
	if (want < 0)
		return 0;
	if (want == 0) { /* nothing: start at the very end */
		*file = nfiles - 1;
		*offset = stat(files[nfiles - 1], &st) == 0 ? st.st_size : 0;
		return 0;
	}
	for (int f = nfiles - 1; f >= 0; f--) {
		int fd = open(files[f], O_RDONLY | O_CLOEXEC);
		bool first = true;
		off_t end;

		if (fd < 0 || fstat(fd, &st) < 0) {
			if (fd >= 0)
				close(fd);
			continue;
		}
		end = st.st_size;
		while (end > 0) {
			size_t chunk = end > (off_t)sizeof(buf) ? sizeof(buf) : (size_t)end;
			ssize_t n = pread(fd, buf, chunk, end - (off_t)chunk);

			if (n != (ssize_t)chunk)
				break;
			for (ssize_t i = n - 1; i >= 0; i--) {
				if (buf[i] != '\n')
					continue;
				/* The last newline ends the last whole record: it starts none.
				 * (After it there is nothing - or half a record a crash left.) */
				if (first) {
					first = false;
					continue;
				}
				if (--want == 0) {
					close(fd);
					*file = f;
					*offset = end - (off_t)chunk + i + 1;
					return 0;
				}
			}
			end -= (off_t)chunk;
		}
		close(fd);
		/* The file's first record starts at 0: it counts as one more. */
		if (!first && --want == 0) {
			*file = f;
			*offset = 0;
			return 0;
		}
	}
	return 0;
}

static bool process_alive(pid_t pid)
{
	char path[64], stat[512], *paren;
	FILE *f;

	if (pid <= 0)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (f == NULL)
		return false;
	if (fgets(stat, sizeof(stat), f) == NULL)
		stat[0] = '\0';
	fclose(f);
	paren = strrchr(stat, ')');
	return paren != NULL && paren[1] == ' ' && paren[2] != 'Z' && paren[2] != 'X';
}

/* -f: the newest file from `offset` on, until the monitor is gone; across rotations. */
static int follow(const char *path, off_t offset, const struct mc_log_read *rd, bool *at_line_start,
                  struct mc_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), ino, pidfd;
	struct stat now, open_st;
	int rc = 0;

	if (fd < 0)
		return mc_fail(err, errno, "open the log %s", path);
	ino = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	pidfd = rd->monitor > 0 ? (int)syscall(SYS_pidfd_open, rd->monitor, 0) : -1;
	if (ino >= 0)
		inotify_add_watch(ino, path, IN_MODIFY | IN_MOVE_SELF | IN_DELETE_SELF);
	for (;;) {
		struct pollfd p[2] = {{ino, POLLIN, 0}, {pidfd, POLLIN, 0}};
		char events[4096];
		bool gone;

		offset = print_from(fd, offset, rd, at_line_start);
		/* Rotated: finish the old file (done above), then the new one from its start. */
		if (stat(path, &now) == 0 && fstat(fd, &open_st) == 0 &&
		    now.st_ino != open_st.st_ino) {
			close(fd);
			fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd < 0) {
				rc = mc_fail(err, errno, "open the log %s", path);
				break;
			}
			offset = 0;
			if (ino >= 0)
				inotify_add_watch(ino, path,
				                  IN_MODIFY | IN_MOVE_SELF | IN_DELETE_SELF);
			continue;
		}
		gone = rd->monitor <= 0 || !process_alive(rd->monitor);
		if (gone) {
			print_from(fd, offset, rd, at_line_start); /* what it wrote last */
			break;
		}
		/* Wake on a write, a rotation or the monitor's end; at worst every second. */
		poll(p, 2, 1000);
		if (ino >= 0)
			while (read(ino, events, sizeof(events)) > 0)
				;
	}
	if (fd >= 0)
		close(fd);
	if (ino >= 0)
		close(ino);
	if (pidfd >= 0)
		close(pidfd);
	return rc;
}

int mc_log_print(const char *path, const struct mc_log_read *rd, struct mc_error *err)
{
	char files[1001][PATH_MAX + 16];
	bool at_line_start[3] = {true, true, true};
	int nfiles = 0, start;
	off_t offset = 0;

	/* Oldest first: FILE.N ... FILE.1, FILE. */
	for (int i = 1000; i >= 1; i--) {
		snprintf(files[nfiles], sizeof(files[0]), "%s.%d", path, i);
		if (access(files[nfiles], F_OK) == 0)
			nfiles++;
	}
	snprintf(files[nfiles++], sizeof(files[0]), "%s", path);
	if (access(path, F_OK) < 0 && !rd->follow)
		return 0; /* nothing was ever written */
	find_tail(files, nfiles, rd->tail, &start, &offset);
	for (int f = start; f < nfiles; f++) {
		int fd = open(files[f], O_RDONLY | O_CLOEXEC);
		off_t end;

		if (fd < 0)
			continue;
		end = print_from(fd, f == start ? offset : 0, rd, at_line_start);
		close(fd);
		if (f == nfiles - 1)
			offset = end;
	}
	if (rd->follow)
		return follow(path, offset, rd, at_line_start, err);
	return 0;
}
