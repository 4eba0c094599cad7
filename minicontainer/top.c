/*
 * top.c - `minicontainer top CONTAINER [ps OPTIONS]`: the container's
 * processes, as Docker finds them.
 *
 * Docker runs the host's own ps(1) with the options given (default -ef) and
 * keeps the rows whose PID belongs to the container.  Which PIDs belong to
 * it is chapter 02's answer: the container's cgroup lists them in
 * cgroup.procs - its first process, everything that process started, and
 * what `exec` added (exec joins the cgroup too).  ps runs on the host, in
 * the host's PID namespace, so the PIDs shown are host PIDs, not the 1, 2, 3
 * the container sees; the user names are the host's names for the uids.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cg_cgroups.h"
#include "mc.h"
#include "mc_container.h"
#include "mc_events.h"
#include "mc_file.h"

static const struct mc_option no_options[] = {
    {NULL, 0, NULL, NULL, NULL, 0},
};

const struct mc_command mc_cmd_top = {
    .name = "top",
    .usage = "CONTAINER [ps OPTIONS]",
    .summary = "Display the running processes of a container",
    .options = no_options,
    .min_args = 1,
    .max_args = -1,
    .command_follows = true,
};

/* The PIDs in the container's cgroup (host PIDs). */
static int container_pids(const struct mc_container *c, pid_t **pids, size_t *n,
                          struct mc_error *err)
{
	char path[PATH_MAX], line[32];
	struct cgroup cg;
	size_t cap = 0;
	FILE *f;

	*pids = NULL;
	*n = 0;
	if (mc_container_cgroup(c, &cg, err) < 0 ||
	    cg_file(&cg, cg.mode == CG_UNIFIED ? "" : "pids", "cgroup.procs", path, sizeof(path),
	            err) < 0)
		return -1;
	f = fopen(path, "re");
	if (f == NULL)
		return mc_fail(err, errno, "open %s", path);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (*n == cap) {
			pid_t *p = realloc(*pids, (cap = cap ? 2 * cap : 64) * sizeof(*p));

			if (p == NULL) {
				fclose(f);
				return mc_fail(err, ENOMEM, "pids");
			}
			*pids = p;
		}
		(*pids)[(*n)++] = (pid_t)atoi(line);
	}
	fclose(f);
	return 0;
}

/* moby's validatePSArgs: a column renamed to PID would fool the search for the PID column. */
static int check_ps_args(const char *args, struct mc_error *err)
{
	static const char *const no_headers[] = {
	    "--no-header",   "--no-headers", "--no-heading",
	    "--no-headings", "--noheader",   "--noheaders",
	    "--noheading",   "--noheadings", NULL,
	};
	regmatch_t m[3];
	const char *p = args;
	regex_t re;

	if (regcomp(&re, "[[:space:]]+([^[:space:]]*)=[[:space:]]*(PID[^[:space:]]*)",
	            REG_EXTENDED) != 0)
		return mc_fail(err, 0, "regcomp");
	while (regexec(&re, p, 3, m, 0) == 0) {
		int klen = (int)(m[1].rm_eo - m[1].rm_so);

		if (klen != 3 || strncmp(p + m[1].rm_so, "pid", 3) != 0) {
			mc_fail(err, 0, "specifying \"%.*s=%.*s\" is not allowed", klen,
			        p + m[1].rm_so, (int)(m[2].rm_eo - m[2].rm_so), p + m[2].rm_so);
			regfree(&re);
			return -1;
		}
		p += m[0].rm_eo;
	}
	regfree(&re);
	/* Docker splits the arguments at single spaces: each word is one of ps's. */
	for (const char *w = args; *w != '\0'; w += strcspn(w, " "), w += *w == ' ')
		for (int i = 0; no_headers[i] != NULL; i++)
			if (strlen(no_headers[i]) == strcspn(w, " ") &&
			    strncmp(w, no_headers[i], strcspn(w, " ")) == 0)
				return mc_fail(err, 0, "option %s is not allowed", no_headers[i]);
	return 0;
}

/* Read all of fd into a new buffer. */
static char *slurp(int fd)
{
	size_t len = 0, cap = 65536;
	char *buf = malloc(cap);
	ssize_t n;

	while (buf != NULL && (n = read(fd, buf + len, cap - len - 1)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		len += (size_t)n;
		if (len + 1 == cap) {
			char *p = realloc(buf, cap *= 2);

			if (p == NULL) {
				free(buf);
				return NULL;
			}
			buf = p;
		}
	}
	if (buf != NULL)
		buf[len] = '\0';
	return buf;
}

/* Run the host's ps with `argv`: its output, or NULL with its first line of stderr in err. */
static char *run_ps(char **argv, struct mc_error *err)
{
	int out[2], errp[2], status;
	char *text, *why;
	pid_t pid;

	if (pipe2(out, O_CLOEXEC) < 0)
		return mc_fail(err, errno, "pipe"), NULL;
	if (pipe2(errp, O_CLOEXEC) < 0) {
		close(out[0]);
		close(out[1]);
		return mc_fail(err, errno, "pipe"), NULL;
	}
	pid = fork();
	if (pid == 0) {
		dup2(out[1], STDOUT_FILENO);
		dup2(errp[1], STDERR_FILENO);
		signal(SIGPIPE, SIG_DFL);
		execvp("ps", argv);
		fprintf(stderr, "exec: \"ps\": %s\n", strerror(errno));
		_exit(127);
	}
	close(out[1]);
	close(errp[1]);
	/* ps writes little to stderr: reading stdout to the end first cannot block it. */
	text = pid > 0 ? slurp(out[0]) : NULL;
	why = pid > 0 ? slurp(errp[0]) : NULL;
	close(out[0]);
	close(errp[0]);
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0 || text == NULL) {
		mc_fail(err, 0, "ps: %.*s", why ? (int)strcspn(why, "\n") : 0, why ? why : "");
		if (why == NULL || why[0] == '\0')
			mc_fail(err, 0, "ps: exit status %d",
			        WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		free(text);
		text = NULL;
	}
	free(why);
	return text;
}

struct ps_output {
	char **lines;
	size_t nlines;
	size_t ncol, pid_col;
	size_t start[128];                 /* where each column starts, in every line */
	size_t title[128], title_len[128]; /* the header's words */
};

static bool blank_at(char **lines, size_t n, size_t pos)
{
	for (size_t i = 1; i < n; i++)
		if (strlen(lines[i]) > pos && !isspace((unsigned char)lines[i][pos]))
			return false;
	return true;
}

/*
 * moby's parsePSOutput: the titles are the header's words; a column starts
 * where every line has a blank just left of its title (a command with
 * spaces in it, or a right-aligned number wider than its title, stays in
 * its column).
 */
static int find_columns(struct ps_output *ps, struct mc_error *err)
{
	const char *h = ps->lines[0];
	size_t pos = 0, end[128];

	ps->ncol = 0;
	ps->pid_col = SIZE_MAX;
	while (h[pos] != '\0' && ps->ncol < 128) {
		pos += strspn(h + pos, " \t");
		if (h[pos] == '\0')
			break;
		ps->start[ps->ncol] = ps->title[ps->ncol] = pos;
		end[ps->ncol] = pos + strcspn(h + pos, " \t");
		ps->title_len[ps->ncol] = end[ps->ncol] - pos;
		if (end[ps->ncol] - pos == 3 && strncmp(h + pos, "PID", 3) == 0 &&
		    ps->pid_col == SIZE_MAX)
			ps->pid_col = ps->ncol;
		pos = end[ps->ncol++];
	}
	if (ps->pid_col == SIZE_MAX)
		return mc_fail(err, 0, "Couldn't find PID field in ps output");
	ps->start[0] = 0;
	for (size_t i = 1; i < ps->ncol; i++) {
		size_t s = ps->start[i] - 1;

		while (s >= end[i - 1] && s > 0 && !blank_at(ps->lines, ps->nlines, s))
			s--;
		if (s >= end[i - 1] && blank_at(ps->lines, ps->nlines, s))
			ps->start[i] = s;
	}
	return 0;
}

/* Column `col` of line `line`, trimmed, into buf. */
static const char *field(const struct ps_output *ps, const char *line, size_t col, char *buf,
                         size_t size)
{
	size_t len = strlen(line), from = ps->start[col] < len ? ps->start[col] : len;
	size_t to = col + 1 < ps->ncol && ps->start[col + 1] < len ? ps->start[col + 1] : len;

	while (from < to && isspace((unsigned char)line[from]))
		from++;
	while (to > from && isspace((unsigned char)line[to - 1]))
		to--;
	snprintf(buf, size, "%.*s", (int)(to - from), line + from);
	return buf;
}

static bool has_pid(const pid_t *pids, size_t n, long pid)
{
	for (size_t i = 0; i < n; i++)
		if (pids[i] == pid)
			return true;
	return false;
}

/* The rows of our container: a row whose PID is "-" (a thread of -L) goes with the one above. */
static int print_rows(struct ps_output *ps, const pid_t *pids, size_t npid, struct mc_error *err)
{
	char **rows = calloc(ps->nlines, sizeof(*rows));
	size_t nrows = 0;
	bool previous = false;
	int rc = 0;

	if (rows == NULL)
		return mc_fail(err, ENOMEM, "top");
	for (size_t i = 0; i < ps->nlines && rc == 0; i++) {
		char pid[64], *end, *row = NULL;
		size_t len = 0;
		FILE *f;

		if (i > 0 && ps->lines[i][0] == '\0')
			continue;
		if (i > 0) {
			field(ps, ps->lines[i], ps->pid_col, pid, sizeof(pid));
			if (strcmp(pid, "-") != 0) {
				long p = strtol(pid, &end, 10);

				if (*end != '\0' || end == pid) {
					rc = mc_fail(err, 0, "Unexpected pid '%s': not a number",
					             pid);
					break;
				}
				previous = has_pid(pids, npid, p);
			}
			if (!previous)
				continue;
		}
		/* The header's titles and each row's cells, tab-separated for the tabwriter. */
		f = open_memstream(&row, &len);
		for (size_t c = 0; f != NULL && c < ps->ncol; c++) {
			char text[4096];

			if (i == 0)
				fprintf(f, "%s%.*s", c ? "\t" : "", (int)ps->title_len[c],
				        ps->lines[0] + ps->title[c]);
			else
				fprintf(f, "%s%s", c ? "\t" : "",
				        field(ps, ps->lines[i], c, text, sizeof(text)));
		}
		if (f != NULL)
			fclose(f);
		rows[nrows++] = row;
	}
	if (rc == 0)
		mc_tabwrite(stdout, rows, nrows, 20, 3);
	for (size_t i = 0; i < nrows; i++)
		free(rows[i]);
	free(rows);
	return rc;
}

/* ps ARGS -q PID,PID,... first; some options (f) refuse -q: then ARGS alone, as moby does. */
static char *ps_output(const char *args, const pid_t *pids, size_t npid, struct mc_error *err)
{
	char *copy = strdup(args), *argv[256], *list = NULL, *text;
	size_t argc = 0, len = 0;
	FILE *f = open_memstream(&list, &len);

	if (copy == NULL || f == NULL) {
		free(copy);
		if (f != NULL)
			fclose(f);
		free(list);
		return mc_fail(err, ENOMEM, "top"), NULL;
	}
	fprintf(f, "-q");
	for (size_t i = 0; i < npid; i++)
		fprintf(f, "%s%d", i ? "," : "", (int)pids[i]);
	fclose(f);
	argv[argc++] = "ps";
	for (char *w = copy, *sp; w != NULL && argc < 250; w = sp) {
		sp = strchr(w, ' ');
		if (sp != NULL)
			*sp++ = '\0';
		argv[argc++] = w;
	}
	argv[argc] = list;
	argv[argc + 1] = NULL;
	text = npid > 0 ? run_ps(argv, err) : NULL;
	if (text == NULL) {
		argv[argc] = NULL;
		text = run_ps(argv, err);
	}
	free(copy);
	free(list);
	return text;
}

static int top(const struct mc_container *c, const char *args, struct mc_error *err)
{
	struct ps_output ps = {0};
	pid_t *pids = NULL;
	size_t npid = 0;
	char *text = NULL;
	int rc = -1;

	if (!mc_container_running(c)) {
		mc_fail(err, 0, "container %s is not running", c->id);
		goto out;
	}
	if (container_pids(c, &pids, &npid, err) < 0 ||
	    (text = ps_output(args, pids, npid, err)) == NULL)
		goto out;
	ps.lines = calloc(strlen(text) + 2, sizeof(*ps.lines));
	if (ps.lines == NULL) {
		mc_fail(err, ENOMEM, "top");
		goto out;
	}
	for (char *save = NULL, *line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save))
		ps.lines[ps.nlines++] = line;
	if (ps.nlines == 0) {
		mc_fail(err, 0, "Couldn't find PID field in ps output");
		goto out;
	}
	if (find_columns(&ps, err) < 0 || print_rows(&ps, pids, npid, err) < 0)
		goto out;
	mc_event_container(c, "top", NULL, NULL);
	rc = 0;
out:
	free(ps.lines);
	free(text);
	free(pids);
	return rc;
}

int verb_top(int argc, char **argv)
{
	struct mc_container c;
	struct mc_error err;
	char *args = NULL;
	size_t len = 0;
	FILE *f;
	int rc, first;

	if ((rc = mc_parse_verb(&mc_cmd_top, NULL, argc, argv, &first)) >= 0)
		return rc;
	/* The ps options, joined with spaces as the API carries them; none: -ef. */
	f = open_memstream(&args, &len);
	if (f == NULL)
		return MC_EXIT_FAILED;
	for (int i = first + 1; i < argc; i++)
		fprintf(f, "%s%s", i > first + 1 ? " " : "", argv[i]);
	if (first + 1 == argc)
		fprintf(f, "-ef");
	fclose(f);
	rc = check_ps_args(args, &err);
	if (rc == 0 && (rc = mc_container_load(argv[first], &c, &err)) == 0) {
		mc_container_refresh(&c);
		rc = top(&c, args, &err);
		mc_container_free(&c);
	}
	free(args);
	return rc < 0 ? mc_report(&err) : 0;
}
