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
	/* TODO(exercise 02.3 detect-oom): your code here. */
	(void)events; (void)kills; (void)find_key; return -1;
}

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
	return 0;
}
