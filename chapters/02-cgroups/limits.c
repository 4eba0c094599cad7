/*
 * limits.c - chapter 02: Docker's resource flags, and the files they become.
 *
 *	flag              v1 file (per controller)               v2 file
 *	--memory          memory/memory.limit_in_bytes           memory.max
 *	--memory-swap     memory/memory.memsw.limit_in_bytes     memory.swap.max (= swap only)
 *	--cpus            cpu/cpu.cfs_quota_us + cfs_period_us   cpu.max "QUOTA PERIOD"
 *	--cpu-shares      cpu/cpu.shares                         cpu.weight (converted)
 *	--pids-limit      pids/pids.max                          pids.max
 *	--blkio-weight    blkio/blkio.weight (or bfq.weight)     io.weight (or io.bfq.weight)
 */
#define _GNU_SOURCE
#include "cg_cgroups.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The CFS period Docker uses: quotas are expressed per 100 ms. */
#define CPU_PERIOD_US 100000
/* Docker refuses memory limits below 6 MiB: the runtime itself would not fit. */
#define MIN_MEMORY (6 * 1024 * 1024)

void cg_limits_init(struct cg_limits *l)
{
	l->memory = -1;
	l->memory_swap = -2;
	l->cpus = 0;
	l->cpu_shares = 0;
	l->pids = 0;
	l->blkio_weight = 0;
}

int cg_parse_size(const char *text, int64_t *bytes, struct mc_error *err)
{
	/* EXERCISE 02.1 parse-size (2 points): Parse a size like Docker does
	 * Tests: test_parse_size_accepts_units test_parse_size_rejects_garbage
	 *
	 * Turn "512k", "64m", "1g", "2t", "100b" or a plain "4096" into bytes in
	 * *bytes (k = 1024, m = 1024k, ...; upper or lower case; an optional
	 * "b" may follow the unit, as in "64mb").  Anything else - empty text,
	 * a sign, spaces, an unknown unit, trailing characters, a value that
	 * overflows int64_t - is an error:
	 *   return mc_fail(err, 0, "invalid size '%s' (use a number with b, k, m or g, "
	 *                  "e.g. 64m)", text);
	 */
	/* BEGIN SOLUTION */
	static const char units[] = "bkmgt";
	const char *p = text;
	const char *unit;
	uint64_t value = 0;
	int shift = 0;

	if (!isdigit((unsigned char)*p))
		goto invalid;
	for (; isdigit((unsigned char)*p); p++) {
		if (value > (uint64_t)INT64_MAX / 10)
			goto invalid;
		value = value * 10 + (uint64_t)(*p - '0');
	}
	if (*p != '\0') {
		unit = strchr(units, tolower((unsigned char)*p));
		if (unit == NULL)
			goto invalid;
		shift = 10 * (int)(unit - units); /* b=0, k=10, m=20, g=30, t=40 */
		p++;
		if (shift > 0 && tolower((unsigned char)*p) == 'b')
			p++; /* "64mb" */
		if (*p != '\0')
			goto invalid;
	}
	if (value > ((uint64_t)INT64_MAX >> shift))
		goto invalid;
	*bytes = (int64_t)(value << shift);
	return 0;
invalid:
	return mc_fail(err, 0, "invalid size '%s' (use a number with b, k, m or g, e.g. 64m)",
	               text);
	/* END SOLUTION; skeleton: (void)text; (void)bytes; (void)err; return 0; */
}

int cg_parse_cpus(const char *text, double *cpus, struct mc_error *err)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(text, &end);
	if (errno != 0 || end == text || *end != '\0' || !isfinite(v) || v <= 0)
		return mc_fail(err, 0, "invalid number of CPUs '%s' (e.g. 0.5 or 2)", text);
	*cpus = v;
	return 0;
}

int cg_check_limits(const struct cg_limits *l, struct mc_error *err)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	if (l->memory != -1 && l->memory < MIN_MEMORY)
		return mc_fail(err, 0, "minimum memory limit allowed is 6MB");
	if (l->memory_swap != -2 && l->memory_swap != -1) {
		if (l->memory == -1)
			return mc_fail(err, 0, "--memory-swap needs --memory as well");
		if (l->memory_swap < l->memory)
			return mc_fail(err, 0,
			               "--memory-swap (memory plus swap) must be at "
			               "least --memory");
	}
	if (l->cpus != 0 && (l->cpus < 0.01 || l->cpus > (double)ncpu))
		return mc_fail(err, 0,
		               "range of CPUs is from 0.01 to %ld.00, as there are only "
		               "%ld CPUs available",
		               ncpu, ncpu);
	if (l->cpu_shares != 0 && (l->cpu_shares < 2 || l->cpu_shares > 262144))
		return mc_fail(err, 0, "--cpu-shares must be between 2 and 262144");
	if (l->pids < -1)
		return mc_fail(err, 0,
		               "--pids-limit must be a positive number, or -1 for no limit");
	if (l->blkio_weight != 0 && (l->blkio_weight < 10 || l->blkio_weight > 1000))
		return mc_fail(err, 0, "--blkio-weight must be between 10 and 1000");
	return 0;
}

uint64_t cg_shares_to_weight(uint64_t shares)
{
	/* EXERCISE 02.5 shares-to-weight (1 point): Convert cpu.shares to cpu.weight
	 * Tests: test_cpu_shares_to_weight
	 *
	 * v1's cpu.shares runs from 2 to 262144 (default 1024); v2's cpu.weight
	 * from 1 to 10000 (default 100).  Map one range linearly onto the
	 * other, as runc and crun do: weight = 1 + (shares - 2) * 9999 / 262142
	 * (integer arithmetic).  Note that the default 1024 becomes 39, not 100.
	 */
	/* BEGIN SOLUTION */
	if (shares < 2)
		shares = 2;
	if (shares > 262144)
		shares = 262144;
	return 1 + ((shares - 2) * 9999) / 262142;
	/* END SOLUTION; skeleton: return shares; */
}

/* Write a number, or "max"/"-1" for no limit. */
static int write_number(const struct cgroup *cg, const char *controller, const char *file,
                        int64_t value, const char *unlimited, struct mc_error *err)
{
	char buf[32];

	if (value < 0)
		snprintf(buf, sizeof(buf), "%s", unlimited);
	else
		snprintf(buf, sizeof(buf), "%" PRId64, value);
	return cg_write(cg, controller, file, buf, err);
}

static bool has_file(const struct cgroup *cg, const char *controller, const char *file)
{
	char path[PATH_MAX];
	struct mc_error ignored;

	if (cg_file(cg, controller, file, path, sizeof(path), &ignored) < 0)
		return false;
	return access(path, F_OK) == 0;
}

/*
 * Docker's rule for memory+swap: unset means "as much swap as memory"
 * (twice the memory in total), -1 means unlimited swap.
 */
static int64_t memory_plus_swap(const struct cg_limits *l)
{
	if (l->memory_swap == -2)
		return l->memory * 2;
	return l->memory_swap;
}

static int apply_v1(const struct cgroup *cg, const struct cg_limits *l, struct mc_error *err)
{
	if (l->memory != -1) {
		if (write_number(cg, "memory", "memory.limit_in_bytes", l->memory, "-1", err) < 0)
			return -1;
		/* memsw exists only with swap accounting (swapaccount=1); without it
		 * an explicit --memory-swap cannot be honoured. */
		if (has_file(cg, "memory", "memory.memsw.limit_in_bytes")) {
			if (write_number(cg, "memory", "memory.memsw.limit_in_bytes",
			                 memory_plus_swap(l), "-1", err) < 0)
				return -1;
		} else if (l->memory_swap != -2) {
			return mc_fail(err, 0, "--memory-swap: this kernel does not account swap");
		}
	}
	if (l->cpus != 0) {
		int64_t quota = (int64_t)llround(l->cpus * CPU_PERIOD_US);

		if (write_number(cg, "cpu", "cpu.cfs_period_us", CPU_PERIOD_US, "", err) < 0 ||
		    write_number(cg, "cpu", "cpu.cfs_quota_us", quota, "-1", err) < 0)
			return -1;
	}
	if (l->cpu_shares != 0 && write_number(cg, "cpu", "cpu.shares", l->cpu_shares, "", err) < 0)
		return -1;
	if (l->pids != 0 && write_number(cg, "pids", "pids.max", l->pids, "max", err) < 0)
		return -1;
	if (l->blkio_weight != 0) {
		/* Without CFQ (gone since 5.0) the weight lives in BFQ's file. */
		const char *file =
		    has_file(cg, "blkio", "blkio.weight") ? "blkio.weight" : "blkio.bfq.weight";

		if (!has_file(cg, "blkio", file))
			return mc_fail(err, 0,
			               "--blkio-weight: no weight-aware I/O scheduler "
			               "(blkio.weight, blkio.bfq.weight)");
		if (write_number(cg, "blkio", file, l->blkio_weight, "", err) < 0)
			return -1;
	}
	return 0;
}

static int apply_v2(const struct cgroup *cg, const struct cg_limits *l, struct mc_error *err)
{
	char buf[64];

	/* EXERCISE 02.2 v2-limits (3 points): Write the cgroup v2 limit files
	 * Tests: test_v2_files_hold_the_requested_values
	 * Needs: 02.5
	 *
	 * For each limit that is set (see struct cg_limits for the "unset"
	 * values), write the v2 file with cg_write(cg, "", FILE, VALUE, err):
	 *  - memory: memory.max = the bytes;
	 *  - memory.swap.max = memory_plus_swap(l) - memory, or "max" when
	 *    memory_plus_swap(l) is -1 (skip it when the file does not exist
	 *    and --memory-swap was not given: has_file(cg, "", "memory.swap.max"));
	 *  - cpus: cpu.max = "QUOTA 100000" where QUOTA = cpus * 100000, rounded;
	 *  - cpu_shares: cpu.weight = cg_shares_to_weight(shares);
	 *  - pids: pids.max = the number, or "max" for -1.
	 * (The block-IO weight is done for you below.)  Return -1 on the first
	 * failure.
	 */
	/* BEGIN SOLUTION */
	if (l->memory != -1) {
		int64_t total = memory_plus_swap(l);

		if (write_number(cg, "", "memory.max", l->memory, "max", err) < 0)
			return -1;
		if (has_file(cg, "", "memory.swap.max")) {
			if (write_number(cg, "", "memory.swap.max",
			                 total < 0 ? -1 : total - l->memory, "max", err) < 0)
				return -1;
		} else if (l->memory_swap != -2) {
			return mc_fail(err, 0, "--memory-swap: this kernel does not account swap");
		}
	}
	if (l->cpus != 0) {
		snprintf(buf, sizeof(buf), "%lld %d", llround(l->cpus * CPU_PERIOD_US),
		         CPU_PERIOD_US);
		if (cg_write(cg, "", "cpu.max", buf, err) < 0)
			return -1;
	}
	if (l->cpu_shares != 0 &&
	    write_number(cg, "", "cpu.weight", (int64_t)cg_shares_to_weight(l->cpu_shares), "",
	                 err) < 0)
		return -1;
	if (l->pids != 0 && write_number(cg, "", "pids.max", l->pids, "max", err) < 0)
		return -1;
	/* END SOLUTION; skeleton: (void)buf; (void)memory_plus_swap; */

	if (l->blkio_weight != 0) {
		if (has_file(cg, "", "io.weight")) {
			/* io.weight runs 1..10000 with default 100; map 10..1000 onto it. */
			snprintf(buf, sizeof(buf), "default %d",
			         1 + (l->blkio_weight - 10) * 9999 / 990);
			return cg_write(cg, "", "io.weight", buf, err);
		}
		if (has_file(cg, "", "io.bfq.weight"))
			return write_number(cg, "", "io.bfq.weight", l->blkio_weight, "", err);
		return mc_fail(err, 0,
		               "--blkio-weight: no weight-aware I/O controller "
		               "(io.weight, io.bfq.weight)");
	}
	return 0;
}

int cg_apply_limits(const struct cgroup *cg, const struct cg_limits *l, struct mc_error *err)
{
	if (cg_check_limits(l, err) < 0)
		return -1;
	if (cg->mode == CG_UNIFIED)
		return apply_v2(cg, l, err);
	return apply_v1(cg, l, err);
}
