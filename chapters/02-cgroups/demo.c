/*
 * demo.c - build/bin/ch02-cgroups: chapter 01's container, with limits.
 *
 *	ch02-cgroups [chapter 01 flags] [--memory SIZE] [--memory-swap SIZE]
 *	             [--cpus N] [--cpu-shares N] [--pids-limit N] --rootfs DIR -- CMD...
 *
 * When CMD has finished, prints what it used (peak memory, CPU time, peak
 * number of processes) and whether the OOM killer struck, on stderr.
 */
#include <stdio.h>

#include "cg_options.h"
#include "ns_options.h"

int main(int argc, char **argv)
{
	struct ns_options ns;
	struct cg_run run;
	const struct mc_option_group groups[] = {
	    {"Namespaces (chapter 01)", ns_options_table, &ns},
	    {"Confinement (chapter 01)", ns_confine_options_table, &ns},
	    {"Control groups (chapter 02)", cg_options_table, &run},
	    {NULL, NULL, NULL},
	};
	struct mc_error err;
	int command, code, rc;

	ns_options_init(&ns);
	cg_run_init(&run);
	rc = mc_parse_options(argc, argv, groups, &command, &err);
	if (rc == 1) {
		printf("Usage: ch02-cgroups [OPTIONS] --rootfs DIR -- CMD [ARG...]\n\n"
		       "Chapter 01's container, inside a cgroup with the limits given.\n"
		       "Prints the resources it used when CMD has finished.\n");
		mc_print_options(stdout, groups);
		return 0;
	}
	if (rc == 0)
		rc = ns_options_finish(&ns, argc, argv, command, &err);
	if (rc < 0) {
		fprintf(stderr, "ch02-cgroups: %s\nTry 'ch02-cgroups --help'.\n", err.msg);
		return NS_EXIT_SETUP_FAILED;
	}
	if (rc == 1) /* --print-seccomp */
		return 0;
	/* Chapter 01's lifecycle, with chapter 02's step in it; confinement last. */
	if (cg_add_step(&ns.cfg, &run, &err) < 0 || ns_options_confine(&ns, &err) < 0 ||
	    ns_run(&ns.cfg, &code, &err) < 0) {
		fprintf(stderr, "ch02-cgroups: %s\n", err.msg);
		ns_options_free(&ns);
		return code;
	}
	ns_options_free(&ns);
	fflush(stdout);
	cg_print_report(stderr, &run.stats);
	return code;
}
