/*
 * stats.c - chapter 02: what the container used, and whether the OOM killer
 * struck.
 *
 *	                v1 file                              v2 file
 *	memory now      memory/memory.usage_in_bytes         memory.current
 *	memory peak     memory/memory.max_usage_in_bytes     memory.peak (Linux 5.19)
 *	CPU time        cpuacct/cpuacct.usage (ns)           cpu.stat usage_usec
 *	pids now/peak   pids/pids.current, pids.peak         pids.current, pids.peak
 *	OOM kills       memory/memory.oom_control oom_kill   memory.events oom_kill
 *	memory limit    memory/memory.limit_in_bytes         memory.max
 *	page cache      memory/memory.stat total_inactive_file  memory.stat inactive_file
 *	bytes read and  blkio/blkio.throttle.io_service_      io.stat rbytes= wbytes=
 *	  written         bytes_recursive Read, Write
 */
#define _GNU_SOURCE
#include "cg_cgroups.h"
#include "mc_file.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Read a file of the container's cgroup holding one number; -1 if it does not exist. */
static int64_t read_number(const struct cgroup *cg, const char *controller, const char *file)
{
	char path[PATH_MAX], buf[64];
	struct mc_error ignored;

	if (cg_file(cg, controller, file, path, sizeof(path), &ignored) < 0 ||
	    mc_read_file(path, buf, sizeof(buf), NULL, &ignored) < 0)
		return -1;
	return strtoll(buf, NULL, 10);
}

/* Find "key N" in a flat-keyed file like cpu.stat; false if the key is absent. */
static bool find_key(const char *text, const char *key, uint64_t *value)
{
	size_t klen = strlen(key);

	for (const char *line = text; line != NULL && *line != '\0';) {
		if (strncmp(line, key, klen) == 0 && line[klen] == ' ') {
			*value = strtoull(line + klen + 1, NULL, 10);
			return true;
		}
		line = strchr(line, '\n');
		if (line != NULL)
			line++;
	}
	return false;
}

int cg_parse_oom_kills(const char *events, uint64_t *kills)
{
	/* EXERCISE 02.3 detect-oom (2 points): Find out whether the OOM killer struck
	 * Tests: test_oom_kills_are_parsed test_memory_hog_is_oom_killed
	 * Needs: 02.4
	 *
	 * `events` is the text of memory.events (v2) or memory.oom_control
	 * (v1): lines of "key value".  Set *kills to the value of the line whose
	 * key is exactly "oom_kill" (not "oom_kill_disable", not "oom_group_kill")
	 * and return 0; return -1 when there is no such line.  find_key() above
	 * does the matching.
	 */
	/* BEGIN SOLUTION */
	return find_key(events, "oom_kill", kills) ? 0 : -1;
	/* END SOLUTION; skeleton: (void)events; (void)kills; (void)find_key; return -1; */
}

static void read_usage(const struct cgroup *cg, struct cg_stats *st);

int cg_read_stats(const struct cgroup *cg, struct cg_stats *st, struct mc_error *err)
{
	char path[PATH_MAX], buf[4096];
	bool v2 = cg->mode == CG_UNIFIED;
	const char *mem = v2 ? "" : "memory";
	uint64_t usec = 0;

	memset(st, 0, sizeof(*st));
	st->memory_current = read_number(cg, mem, v2 ? "memory.current" : "memory.usage_in_bytes");
	st->memory_peak = read_number(cg, mem, v2 ? "memory.peak" : "memory.max_usage_in_bytes");
	st->pids_current = read_number(cg, v2 ? "" : "pids", "pids.current");
	st->pids_peak = read_number(cg, v2 ? "" : "pids", "pids.peak");

	if (v2) {
		if (cg_file(cg, "", "cpu.stat", path, sizeof(path), err) < 0 ||
		    mc_read_file(path, buf, sizeof(buf), NULL, err) < 0)
			return -1;
		find_key(buf, "usage_usec", &usec);
		st->cpu_usec = usec;
	} else {
		int64_t ns = read_number(cg, "cpuacct", "cpuacct.usage");

		st->cpu_usec = ns > 0 ? (uint64_t)ns / 1000 : 0;
	}

	if (cg_file(cg, mem, v2 ? "memory.events" : "memory.oom_control", path, sizeof(path), err) <
	        0 ||
	    mc_read_file(path, buf, sizeof(buf), NULL, err) < 0)
		return -1;
	if (cg_parse_oom_kills(buf, &st->oom_kills) < 0)
		return mc_fail(err, 0, "no oom_kill count in %s", path);
	read_usage(cg, st);
	return 0;
}

/*
 * What `docker stats` shows besides: the memory limit (v1 writes "no limit"
 * as a huge number, v2 as "max"), the page cache Docker leaves out of the
 * usage, and the bytes read and written on block devices, summed over them.
 */
static void read_usage(const struct cgroup *cg, struct cg_stats *st)
{
	bool v2 = cg->mode == CG_UNIFIED;
	char path[PATH_MAX], buf[16384];
	struct mc_error ignored;
	uint64_t value;

	st->memory_limit = -1;
	st->memory_inactive_file = -1;
	if (cg_file(cg, v2 ? "" : "memory", v2 ? "memory.max" : "memory.limit_in_bytes", path,
	            sizeof(path), &ignored) == 0 &&
	    mc_read_file(path, buf, sizeof(buf), NULL, &ignored) == 0 && buf[0] >= '0' &&
	    buf[0] <= '9' && (value = strtoull(buf, NULL, 10)) < (1ULL << 62))
		st->memory_limit = (int64_t)value;
	if (cg_file(cg, v2 ? "" : "memory", "memory.stat", path, sizeof(path), &ignored) == 0 &&
	    mc_read_file(path, buf, sizeof(buf), NULL, &ignored) == 0 &&
	    find_key(buf, v2 ? "inactive_file" : "total_inactive_file", &value))
		st->memory_inactive_file = (int64_t)value;
	if (cg_file(cg, v2 ? "" : "blkio",
	            v2 ? "io.stat" : "blkio.throttle.io_service_bytes_recursive", path,
	            sizeof(path), &ignored) < 0 ||
	    mc_read_file(path, buf, sizeof(buf), NULL, &ignored) < 0)
		return;
	/* v2: "8:0 rbytes=1 wbytes=2 ..."; v1: "8:0 Read 1", "8:0 Write 2", ... */
	for (char *line = buf; *line != '\0'; line += strcspn(line, "\n"), line += *line == '\n') {
		char *r = strstr(line, "rbytes="), *w = strstr(line, "wbytes=");
		char dev[32], op[16];
		unsigned long long n;

		if (v2) {
			if (r != NULL && r < line + strcspn(line, "\n"))
				st->io_read_bytes += strtoull(r + 7, NULL, 10);
			if (w != NULL && w < line + strcspn(line, "\n"))
				st->io_write_bytes += strtoull(w + 7, NULL, 10);
		} else if (sscanf(line, "%31s %15s %llu", dev, op, &n) == 3) {
			if (strcmp(op, "Read") == 0)
				st->io_read_bytes += n;
			else if (strcmp(op, "Write") == 0)
				st->io_write_bytes += n;
		}
	}
}
