/*
 * main.c - minicontainer: a small, daemonless, Docker-compatible container tool
 * built from the chapters of this book.
 *
 *	minicontainer [--trace] VERB [OPTIONS] [ARGS...]
 */
#include <signal.h>
#include <stdbool.h>
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
	bool starts_processes; /* runs code in containers: from a sealed copy of ourselves */
};

static const struct verb verbs[] = {
    {"attach", verb_attach,
     "Attach local standard input, output, and error streams to a running container", false},
    {"create", verb_create, "Create a new container", false},
    {"exec", verb_exec, "Execute a command in a running container", true},
    {"history", verb_history, "Show the history of an image", false},
    {"images", verb_images, "List images", false},
    {"import", verb_import, "Import the contents from a tarball to create a filesystem image",
     false},
    {"inspect", verb_inspect, "Return low-level information on containers and images", false},
    {"kill", verb_kill, "Kill one or more running containers", false},
    {"load", verb_load, "Load an image from a tar archive or an OCI layout", false},
    {"logs", verb_logs, "Fetch the logs of a container started in the background", false},
    {"ps", verb_ps, "List containers", false},
    {"restart", verb_restart, "Restart one or more containers", true},
    {"rm", verb_rm, "Remove one or more containers", false},
    {"rmi", verb_rmi, "Remove one or more images", false},
    {"run", verb_run, "Create and run a new container from an image", true},
    {"save", verb_save, "Save one or more images to a tar archive", false},
    {"start", verb_start, "Start a created container", true},
    {"stop", verb_stop, "Stop one or more running containers", false},
    {"tag", verb_tag, "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE", false},
    {"wait", verb_wait, "Block until one or more containers stop, then print their exit codes",
     false},
    {NULL, NULL, NULL, false},
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

	mc_note_inherited_fds();
	/*
	 * A closed pipe is an error to handle (EPIPE), not a reason to die half-way
	 * through a cleanup: `run -t ... | head` must still remove its cgroup.
	 * (The container's process gets the default back: chapter 01 resets it.)
	 */
	signal(SIGPIPE, SIG_IGN);

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
	for (const struct verb *v = verbs; v->name != NULL; v++) {
		struct mc_error err;

		if (strcmp(argv[i], v->name) != 0)
			continue;
		if (v->starts_processes && mc_reexec_sealed(argv, &err) < 0)
			return mc_report(&err);
		/* (After the re-execution, which must not lose the caller's descriptors.) */
		mc_close_fds_on_exec();
		return v->run(argc - i, argv + i);
	}
	fprintf(stderr,
	        "minicontainer: '%s' is not a minicontainer command.\n"
	        "See 'minicontainer --help'.\n",
	        argv[i]);
	return MC_EXIT_FAILED;
}
