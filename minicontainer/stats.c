/*
 * stats.c - `minicontainer stats`: what each container uses, in Docker's
 * columns, read from its cgroup (chapter 02's cg_read_stats) and, for the
 * network, from its network namespace's /proc/PID/net/dev.
 *
 *	CPU %      CPU time the cgroup used between two samples, over the time
 *	           all CPUs had (/proc/stat), times the number of CPUs - so one
 *	           busy CPU out of two is 100%, as in Docker: two samples needed
 *	MEM USAGE  the cgroup's memory minus the page cache the kernel may drop
 *	  / LIMIT  (inactive_file), over its limit - or the host's memory
 *	NET I/O    bytes received / sent by its interfaces (not lo)
 *	BLOCK I/O  bytes read / written on block devices
 *	PIDS       processes and threads in the cgroup
 *
 * Streaming redraws the table in place every second, as Docker's does:
 * cursor home, each line ended by "erase to the end of line", then "erase
 * below".  --no-stream prints one table (from two samples a second apart).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cg_cgroups.h"
#include "mc.h"
#include "mc_container.h"
#include "mc_file.h"

struct stats_opts {
	bool all, no_stream, no_trunc;
	const char *format;
};

static const struct mc_option stats_options[] = {
    {"all", 'a', NULL, "Show all containers (default shows just running)", mc_opt_true,
     offsetof(struct stats_opts, all)},
    {"format", 0, "string", MC_FORMAT_HELP, mc_opt_string, offsetof(struct stats_opts, format)},
    {"no-stream", 0, NULL, "Disable streaming stats and only pull the first result", mc_opt_true,
     offsetof(struct stats_opts, no_stream)},
    {"no-trunc", 0, NULL, "Do not truncate output", mc_opt_true,
     offsetof(struct stats_opts, no_trunc)},
    {NULL, 0, NULL, NULL, NULL, 0},
};

const struct mc_command mc_cmd_stats = {
    .name = "stats",
    .usage = "[OPTIONS] [CONTAINER...]",
    .summary = "Display a live stream of container(s) resource usage statistics",
    .options = stats_options,
    .min_args = 0,
    .max_args = -1,
};

static const struct mc_field_header stats_headers[] = {
    {"Container", "CONTAINER"},
    {"Name", "NAME"},
    {"ID", "CONTAINER ID"},
    {"CPUPerc", "CPU %"},
    {"MemUsage", "MEM USAGE / LIMIT"},
    {"MemPerc", "MEM %"},
    {"NetIO", "NET I/O"},
    {"BlockIO", "BLOCK I/O"},
    {"PIDs", "PIDS"},
    {NULL, NULL},
};

static const char default_format[] = "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{."
                                     "MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}";

/* One container's sample. */
struct sample {
	char id[65], name[256], given[256]; /* given: as the user named it (the CONTAINER column) */
	bool valid;                         /* running, and its cgroup could be read */
	struct cg_stats cg;
	uint64_t system_ns; /* all CPUs' time at that moment */
	uint64_t net_rx, net_tx;
	uint64_t prev_cpu_usec, prev_system_ns; /* the sample before, for CPU % */
	bool has_prev;
};

/* Time every CPU has had since boot, in ns: /proc/stat's first line, as Docker sums it. */
static uint64_t system_cpu_ns(void)
{
	char buf[512];
	struct mc_error ignored;
	unsigned long long v[7] = {0};
	long hz = sysconf(_SC_CLK_TCK);
	uint64_t ticks = 0;

	if (mc_read_file("/proc/stat", buf, sizeof(buf), NULL, &ignored) < 0 ||
	    sscanf(buf, "cpu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4],
	           &v[5], &v[6]) != 7)
		return 0;
	for (int i = 0; i < 7; i++)
		ticks += v[i];
	return ticks * (1000000000ULL / (uint64_t)(hz > 0 ? hz : 100));
}

/* The host's memory: the limit of a container without one. */
static uint64_t host_memory(void)
{
	char buf[256];
	struct mc_error ignored;
	unsigned long long kb = 0;

	if (mc_read_file("/proc/meminfo", buf, sizeof(buf), NULL, &ignored) == 0)
		sscanf(buf, "MemTotal: %llu kB", &kb);
	return (uint64_t)kb * 1024;
}

/*
 * Bytes received and sent by the interfaces of the container's network
 * namespace, loopback left out (Docker counts its endpoints, never lo).
 * Read through /proc/PID of a process checked with a pidfd.
 */
static void network_bytes(const struct mc_container *c, struct sample *s)
{
	const char *mode = json_string_value(
	    json_object_get(json_object_get(c->doc, "HostConfig"), "NetworkMode"));
	char path[64], line[512];
	struct mc_error ignored;
	int pidfd;
	FILE *f;

	if (mode != NULL && strcmp(mode, "host") == 0)
		return; /* the host's interfaces are not the container's */
	pidfd = mc_container_pidfd(c, &ignored);
	if (pidfd < 0)
		return;
	snprintf(path, sizeof(path), "/proc/%d/net/dev", (int)mc_state_pid(c));
	f = fopen(path, "re");
	while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
		char name[64];
		unsigned long long rx, tx;

		/* "  eth0: RX-bytes packets errs drop fifo frame compressed multicast TX-bytes ..." */
		if (sscanf(line, " %63[^:]: %llu %*u %*u %*u %*u %*u %*u %*u %llu", name, &rx,
		           &tx) == 3 &&
		    strcmp(name, "lo") != 0) {
			s->net_rx += rx;
			s->net_tx += tx;
		}
	}
	if (f != NULL)
		fclose(f);
	close(pidfd);
}

static void take_sample(struct sample *s)
{
	struct mc_container c;
	struct mc_error ignored;
	struct cgroup cg;

	s->prev_cpu_usec = s->cg.cpu_usec;
	s->prev_system_ns = s->system_ns;
	s->has_prev = s->valid;
	s->valid = false;
	s->net_rx = s->net_tx = 0;
	memset(&s->cg, 0, sizeof(s->cg));
	if (mc_container_load(s->id, &c, &ignored) < 0)
		return;
	mc_container_refresh(&c);
	snprintf(s->name, sizeof(s->name), "%s", mc_container_name(&c));
	s->system_ns = system_cpu_ns();
	if (mc_container_running(&c) && mc_container_cgroup(&c, &cg, &ignored) == 0 &&
	    cg_read_stats(&cg, &s->cg, &ignored) == 0) {
		s->valid = true;
		network_bytes(&c, s);
	}
	if (!s->valid)
		s->has_prev = false;
	mc_container_free(&c);
}

/* Docker's calculateCPUPercentUnix. */
static double cpu_percent(const struct sample *s)
{
	double cpu = ((double)s->cg.cpu_usec - (double)s->prev_cpu_usec) * 1000.0;
	double system = (double)s->system_ns - (double)s->prev_system_ns;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (!s->has_prev || cpu <= 0 || system <= 0)
		return 0;
	return cpu / system * (double)(cpus > 0 ? cpus : 1) * 100.0;
}

static json_t *row_of(const struct sample *s, bool no_trunc, uint64_t host_mem)
{
	char cpu[32], mem[64], mem_pct[32], net[64], block[64], pids[32], a[32], b[32];
	uint64_t usage = 0, limit = 0;

	if (s->valid) {
		usage = s->cg.memory_current > 0 ? (uint64_t)s->cg.memory_current : 0;
		/* Docker leaves out the page cache the kernel may drop. */
		if (s->cg.memory_inactive_file > 0 && (uint64_t)s->cg.memory_inactive_file < usage)
			usage -= (uint64_t)s->cg.memory_inactive_file;
		limit = s->cg.memory_limit > 0 && (uint64_t)s->cg.memory_limit < host_mem
		            ? (uint64_t)s->cg.memory_limit
		            : host_mem;
	}
	snprintf(cpu, sizeof(cpu), "%.2f%%", cpu_percent(s));
	snprintf(mem, sizeof(mem), "%s / ", mc_bytes_size(usage, a, sizeof(a)));
	mc_bytes_size(limit, a, sizeof(a));
	strncat(mem, a, sizeof(mem) - strlen(mem) - 1);
	snprintf(mem_pct, sizeof(mem_pct), "%.2f%%",
	         limit ? (double)usage * 100.0 / (double)limit : 0.0);
	snprintf(net, sizeof(net), "%s / %s", mc_human_size(s->net_rx, a, sizeof(a)),
	         mc_human_size(s->net_tx, b, sizeof(b)));
	snprintf(block, sizeof(block), "%s / %s", mc_human_size(s->cg.io_read_bytes, a, sizeof(a)),
	         mc_human_size(s->cg.io_write_bytes, b, sizeof(b)));
	snprintf(pids, sizeof(pids), "%lld",
	         s->cg.pids_current > 0 ? (long long)s->cg.pids_current : 0LL);
	return json_pack("{s:s, s:s, s:s%, s:s, s:s, s:s, s:s, s:s, s:s}", "Container", s->given,
	                 "Name", s->name[0] ? s->name : "--", "ID", s->id,
	                 (size_t)(no_trunc ? 64 : 12), "CPUPerc", cpu, "MemUsage", mem, "MemPerc",
	                 mem_pct, "NetIO", net, "BlockIO", block, "PIDs", pids);
}

/* The table (or the --format lines) of one moment, into `out`. */
static int render(const struct stats_opts *o, struct sample *s, size_t n, FILE *out,
                  struct mc_error *err)
{
	struct mc_listing *l;
	uint64_t host_mem = host_memory();
	int rc = 0;

	if (mc_listing_open(&l, o->format, default_format, stats_headers, err) < 0)
		return -1;
	mc_listing_output(l, out);
	for (size_t i = 0; i < n && rc == 0; i++) {
		json_t *row = row_of(&s[i], o->no_trunc, host_mem);

		rc = mc_listing_row(l, row, err);
		json_decref(row);
	}
	mc_listing_close(l);
	return rc;
}

/*
 * Which containers: those named (each must exist), or every running one -
 * every one with -a - looked up again for each screen, so that new ones
 * appear and, without -a, stopped ones go.  Samples of containers seen
 * before keep their last numbers (CPU % needs them).
 */
static int choose(const struct stats_opts *o, char **names, int nnames, struct sample **s,
                  size_t *n, struct mc_error *err)
{
	struct sample *next;
	struct mc_container *list = NULL;
	size_t count = 0, k = 0;

	if (nnames > 0) {
		if (*s != NULL)
			return 0; /* named: the same ones all along */
		next = calloc((size_t)nnames, sizeof(*next));
		for (int i = 0; next != NULL && i < nnames; i++) {
			struct mc_container c;

			if (mc_container_load(names[i], &c, err) < 0) {
				free(next);
				return -1;
			}
			snprintf(next[i].id, sizeof(next[i].id), "%s", c.id);
			snprintf(next[i].given, sizeof(next[i].given), "%s", names[i]);
			mc_container_free(&c);
		}
		*s = next;
		*n = next ? (size_t)nnames : 0;
		return next ? 0 : mc_fail(err, ENOMEM, "stats");
	}
	if (mc_container_list(&list, &count, err) < 0)
		return -1;
	next = calloc(count + 1, sizeof(*next));
	for (size_t i = 0; next != NULL && i < count; i++) {
		mc_container_refresh(&list[i]);
		if (o->all || mc_container_running(&list[i])) {
			struct sample *old = NULL;

			for (size_t j = 0; j < *n && old == NULL; j++)
				if (strcmp((*s)[j].id, list[i].id) == 0)
					old = &(*s)[j];
			if (old != NULL)
				next[k] = *old;
			snprintf(next[k].id, sizeof(next[k].id), "%s", list[i].id);
			snprintf(next[k].given, sizeof(next[k].given), "%s", list[i].id);
			k++;
		}
	}
	for (size_t i = 0; i < count; i++)
		mc_container_free(&list[i]);
	free(list);
	if (next == NULL)
		return mc_fail(err, ENOMEM, "stats");
	free(*s);
	*s = next;
	*n = k;
	return 0;
}

static void sample_all(struct sample *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		take_sample(&s[i]);
}

/* One screen, drawn over the last one without flicker: Docker's escape sequences. */
static void draw(const char *text)
{
	const char *line = text;

	fputs("\033[H", stdout);
	while (*line != '\0') {
		size_t len = strcspn(line, "\n");

		printf("%.*s\033[K\n", (int)len, line);
		line += len + (line[len] == '\n');
	}
	fputs("\033[J", stdout);
	fflush(stdout);
}

int verb_stats(int argc, char **argv)
{
	struct stats_opts o = {false, false, false, NULL};
	struct sample *s = NULL;
	struct mc_error err;
	size_t n = 0;
	int rc, first;

	if ((rc = mc_parse_verb(&mc_cmd_stats, &o, argc, argv, &first)) >= 0)
		return rc;
	/* Two samples a second apart: the first frame's CPU % has something to compare. */
	if (choose(&o, argv + first, argc - first, &s, &n, &err) < 0)
		return mc_report(&err);
	sample_all(s, n);
	for (;;) {
		char *text = NULL;
		size_t len = 0;
		FILE *f;

		sleep(1);
		if (choose(&o, argv + first, argc - first, &s, &n, &err) < 0) {
			rc = mc_report(&err);
			break;
		}
		sample_all(s, n);
		if (o.no_stream) {
			rc = n == 0 && argc == first ? 0 : render(&o, s, n, stdout, &err);
			if (rc < 0)
				mc_report(&err);
			break;
		}
		f = open_memstream(&text, &len);
		if (f == NULL || render(&o, s, n, f, &err) < 0) {
			if (f != NULL)
				fclose(f);
			free(text);
			rc = mc_report(&err);
			break;
		}
		fclose(f);
		draw(text);
		free(text);
	}
	free(s);
	return rc < 0 ? MC_EXIT_FAILED : rc;
}
