/*
 * demo.c - build/bin/ch03-overlayfs: chapter 02's container, on layers.
 *
 *	ch03-overlayfs [chapter 01 and 02 flags] --layer DIR [--layer DIR]...
 *	               [--upper DIR] -- CMD [ARG...]
 *
 * Instead of --rootfs, the root is an overlay of the layers (lowest first)
 * with a writable layer on top.  When CMD has finished, prints what it
 * changed, like `docker diff`: A added, C changed, D deleted.
 */
#include <stdio.h>

#include "cg_options.h"
#include "ns_options.h"
#include "ovl_run.h"

static struct ovl_run layers; /* large: keep it off the stack */

int main(int argc, char **argv)
{
	struct ns_options ns;
	struct cg_run run;
	const struct mc_option_group groups[] = {
	    {"Namespaces (chapter 01)", ns_options_table, &ns},
	    {"Confinement (chapter 01)", ns_confine_options_table, &ns},
	    {"Control groups (chapter 02)", cg_options_table, &run},
	    {"Layers (chapter 03)", ovl_options_table, &layers},
	    {NULL, NULL, NULL},
	};
	struct ovl_diff diff = {0};
	struct mc_error err;
	int command, code, rc;

	ns_options_init(&ns);
	ns.need_rootfs = false;
	cg_run_init(&run);
	rc = mc_parse_options(argc, argv, groups, &command, &err);
	if (rc == 1) {
		printf("Usage: ch03-overlayfs [OPTIONS] --layer DIR... -- CMD [ARG...]\n\n"
		       "Chapter 02's container, with an overlay of the layers as its root.\n"
		       "Prints the resources used and the changes made when CMD has finished.\n");
		mc_print_options(stdout, groups);
		return 0;
	}
	if (rc == 0 && ns.cfg.rootfs != NULL)
		rc = mc_fail(&err, 0, "use --layer instead of --rootfs");
	if (rc == 0 && layers.nlayer == 0)
		rc = mc_fail(&err, 0, "at least one --layer DIR is required");
	if (rc == 0)
		rc = ns_options_finish(&ns, argc, argv, command, &err);
	if (rc < 0) {
		fprintf(stderr, "ch03-overlayfs: %s\nTry 'ch03-overlayfs --help'.\n", err.msg);
		return NS_EXIT_SETUP_FAILED;
	}
	if (rc == 1) /* --print-seccomp */
		return 0;
	/* The root first (chapter 03), then the cgroup (chapter 02), confinement last;
	 * undone in reverse. */
	layers.diff = &diff;
	if (ovl_add_step(&ns.cfg, &layers, &err) < 0 || cg_add_step(&ns.cfg, &run, &err) < 0 ||
	    ns_options_confine(&ns, &err) < 0 || ns_run(&ns.cfg, &code, &err) < 0) {
		fprintf(stderr, "ch03-overlayfs: %s\n", err.msg);
		ovl_diff_free(&diff);
		ns_options_free(&ns);
		return code;
	}
	ns_options_free(&ns);
	fflush(stdout);
	cg_print_report(stderr, &run.stats);
	fprintf(stderr, "--- changes (A added, C changed, D deleted)\n");
	for (size_t i = 0; i < diff.count; i++)
		fprintf(stderr, "%c %s\n", diff.changes[i].kind, diff.changes[i].path);
	ovl_diff_free(&diff);
	return code;
}
