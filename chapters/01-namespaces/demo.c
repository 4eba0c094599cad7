/*
 * demo.c - build/bin/ch01-namespaces: the container so far.
 *
 *	ch01-namespaces [--trace] [--hostname NAME] [--userns] [-e KEY=VALUE]...
 *	                [-u USER] [--cap-add CAP]... [--cap-drop CAP]... [--privileged]
 *	                [--security-opt OPT]... --rootfs DIR -- CMD [ARG...]
 *	ch01-namespaces [--cap-add CAP]... [--security-opt OPT]... --print-seccomp
 *
 * Runs CMD inside DIR in new PID, mount, UTS, IPC and network namespaces (and
 * a user namespace with --userns), confined as Docker confines a container
 * (its capabilities, a seccomp filter), and exits with CMD's exit code.
 */
#include <stdio.h>

#include "ns_options.h"

static void usage(void)
{
	static const char text[] =
	    "Usage: ch01-namespaces [OPTIONS] --rootfs DIR -- CMD [ARG...]\n"
	    "\n"
	    "Run CMD with DIR as its root, in new PID, mount, UTS, IPC and network\n"
	    "namespaces, with Docker's default capabilities and seccomp filter.\n"
	    "Exits with CMD's exit code (128+N if signal N killed it; 125 if the\n"
	    "container could not be set up, 126/127 if CMD cannot be run or does\n"
	    "not exist).\n";

	fputs(text, stdout);
}

int main(int argc, char **argv)
{
	struct ns_options ns;
	const struct mc_option_group groups[] = {
	    {"Namespaces (chapter 01)", ns_options_table, &ns},
	    {"Confinement (chapter 01)", ns_confine_options_table, &ns},
	    {NULL, NULL, NULL},
	};
	struct mc_error err;
	int command, code, rc;

	ns_options_init(&ns);
	rc = mc_parse_options(argc, argv, groups, &command, &err);
	if (rc == 1) {
		usage();
		mc_print_options(stdout, groups);
		return 0;
	}
	if (rc == 0)
		rc = ns_options_finish(&ns, argc, argv, command, &err);
	if (rc < 0) {
		fprintf(stderr, "ch01-namespaces: %s\nTry 'ch01-namespaces --help'.\n", err.msg);
		ns_options_free(&ns);
		return NS_EXIT_SETUP_FAILED;
	}
	code = 0;
	if (rc == 0 && (ns_options_confine(&ns, &err) < 0 || ns_run(&ns.cfg, &code, &err) < 0))
		fprintf(stderr, "ch01-namespaces: %s\n", err.msg);
	ns_options_free(&ns);
	return code;
}
