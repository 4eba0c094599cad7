/*
 * main.c - minicontainer: a small, daemonless, Docker-compatible container tool
 * built from the chapters of this book.
 *
 *	minicontainer [--trace] VERB [OPTIONS] [ARGS...]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mc.h"
#include "mc_trace.h"

struct verb {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static const struct verb verbs[] = {
    {"create", verb_create, "Create a new container"},
    {"exec", verb_exec, "Execute a command in a running container"},
    {"history", verb_history, "Show the history of an image"},
    {"images", verb_images, "List images"},
    {"import", verb_import, "Import the contents from a tarball to create a filesystem image"},
    {"inspect", verb_inspect, "Return low-level information on containers and images"},
    {"kill", verb_kill, "Kill one or more running containers"},
    {"load", verb_load, "Load an image from a tar archive or an OCI layout"},
    {"logs", verb_logs, "Fetch the logs of a container started in the background"},
    {"network", verb_network, "Manage networks"},
    {"port", verb_port, "List port mappings or a specific mapping for the container"},
    {"ps", verb_ps, "List containers"},
    {"rm", verb_rm, "Remove one or more containers"},
    {"rmi", verb_rmi, "Remove one or more images"},
    {"run", verb_run, "Create and run a new container from an image"},
    {"save", verb_save, "Save one or more images to a tar archive"},
    {"start", verb_start, "Start a created container"},
    {"stop", verb_stop, "Stop one or more running containers"},
    {"tag", verb_tag, "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE"},
    {NULL, NULL, NULL},
};

static void usage(FILE *out)
{
	fprintf(out,
	        "Usage:  minicontainer [OPTIONS] COMMAND\n\n"
	        "A daemonless, Docker-compatible container tool, built chapter by chapter.\n\n"
	        "Options:\n"
	        "      --trace      narrate every kernel call, with the chapter it comes from\n"
	        "  -h, --help       print this help\n\n"
	        "Commands:\n");
	for (const struct verb *v = verbs; v->name != NULL; v++)
		fprintf(out, "  %-10s %s\n", v->name, v->summary);
	fprintf(out, "\nRun 'minicontainer COMMAND --help' for more information on a command.\n"
	             "State lives in $MC_ROOT (default /var/lib/minicontainer) and $MC_RUNDIR\n"
	             "(default /run/minicontainer).\n");
}

int main(int argc, char **argv)
{
	int i = 1;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--trace") == 0) {
			mc_trace_enable(STDERR_FILENO);
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr,
			        "minicontainer: unknown flag: %s\n"
			        "See 'minicontainer --help'.\n",
			        argv[i]);
			return MC_EXIT_FAILED;
		}
	}
	if (i == argc) {
		usage(stderr);
		return MC_EXIT_FAILED;
	}
	for (const struct verb *v = verbs; v->name != NULL; v++)
		if (strcmp(argv[i], v->name) == 0)
			return v->run(argc - i, argv + i);
	fprintf(stderr,
	        "minicontainer: '%s' is not a minicontainer command.\n"
	        "See 'minicontainer --help'.\n",
	        argv[i]);
	return MC_EXIT_FAILED;
}
