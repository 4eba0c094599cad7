/*
 * devices.c - what the device policy adds to a container's start.
 *
 *	sudo build/bench/devices [RUNS]
 *
 * Creates a cgroup, applies Docker's device rules (chapter 02's
 * cg_apply_devices()) and removes the cgroup, RUNS times (default 300), and
 * prints the median, 10th and 90th percentile of the apply step alone, in
 * microseconds: the v1 writes where this host has v1 controllers, the v2
 * program's load and attach where it has a cgroup2 hierarchy (on a hybrid
 * host, the one at /sys/fs/cgroup/unified).  Its cgroups live under
 * mc-bench-<pid>, removed at the end.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "cg_devices.h"

static double now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int compare(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Time cg_apply_devices() `runs` times in fresh cgroups under `mount`; 0 or -1. */
static int measure(const char *mount, int runs, struct mc_error *err)
{
	struct cg_devices policy;
	struct cgroup cg = {0};
	char parent[64];
	double *t = calloc((size_t)runs, sizeof(*t));
	int rc = -1;

	if (t == NULL)
		return mc_fail(err, 0, "out of memory");
	cg_devices_init(&policy);
	snprintf(parent, sizeof(parent), "mc-bench-%d", (int)getpid());
	for (int i = 0; i < runs; i++) {
		char name[32];
		double start;

		snprintf(name, sizeof(name), "run-%d", i);
		if (cg_create(&cg, mount, parent, name, err) < 0)
			goto out;
		start = now_us();
		if (cg_apply_devices(&cg, &policy, err) < 0) {
			struct mc_error ignored;

			cg_destroy(&cg, &ignored);
			goto out;
		}
		t[i] = now_us() - start;
		if (cg_destroy(&cg, err) < 0)
			goto out;
	}
	qsort(t, (size_t)runs, sizeof(*t), compare);
	printf("%-24s %-13s %6.0f %6.0f %6.0f   %d runs\n", mount, cg_mode_name(cg.mode),
	       t[runs / 2], t[runs / 10], t[runs * 9 / 10], runs);
	rc = 0;
out:
	free(t);
	if (cg_remove_parent(mount, parent, rc < 0 ? &(struct mc_error){0} : err) < 0)
		rc = -1;
	return rc;
}

int main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : 300;
	struct mc_error err;
	enum cg_mode mode;
	int rc = 0;

	if (runs < 10) {
		fprintf(stderr, "usage: %s [RUNS (at least 10)]\n", argv[0]);
		return 2;
	}
	if (cg_detect_mode(CG_DEFAULT_MOUNT, &mode, &err) < 0) {
		fprintf(stderr, "devices: %s\n", err.msg);
		return 1;
	}
	printf("%-24s %-13s %6s %6s %6s   (microseconds to apply the rules)\n", "hierarchy",
	       "backend", "median", "p10", "p90");
	rc |= measure(CG_DEFAULT_MOUNT, runs, &err);
	if (rc == 0 && mode == CG_HYBRID)
		rc |= measure(CG_DEFAULT_MOUNT "/unified", runs, &err);
	if (rc < 0)
		fprintf(stderr, "devices: %s\n", err.msg);
	return rc < 0 ? 1 : 0;
}
