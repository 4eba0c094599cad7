/*
 * main.c - minicontainer: a small, daemonless, Docker-compatible container tool
 * built from the chapters of this book.
 *
 *	minicontainer [--trace[=CHAPTERS]] [--trace-step] COMMAND [OPTIONS] [ARGS...]
 *	minicontainer [--trace[=CHAPTERS]] [--trace-step] GROUP COMMAND [OPTIONS] [ARGS...]
 *
 * The commands are the rows of one table (verbs.c).
 */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mc.h"
#include "mc_trace.h"
#include "mc_verbs.h"

static int not_a_command(const char *what, const char *help)
{
	fprintf(stderr,
	        "minicontainer: '%s' is not a minicontainer command.\n"
	        "See 'minicontainer%s --help'.\n",
	        what, help);
	return MC_EXIT_FAILED;
}

int main(int argc, char **argv)
{
	const struct mc_verb *v;
	struct mc_error err;
	int i = 1, used;

	mc_note_inherited_fds();
	/*
	 * A closed pipe is an error to handle (EPIPE), not a reason to die half-way
	 * through a cleanup: `run -t ... | head` must still remove its cgroup.
	 * (The container's process gets the default back: chapter 01 resets it.)
	 */
	signal(SIGPIPE, SIG_IGN);

	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *eq = strchr(argv[i], '=');
		size_t name_len = eq ? (size_t)(eq - argv[i]) : strlen(argv[i]);

		if ((name_len == 7 && strncmp(argv[i], "--trace", 7) == 0) ||
		    (name_len == 12 && strncmp(argv[i], "--trace-step", 12) == 0)) {
			char flag[16];

			snprintf(flag, sizeof(flag), "%.*s", (int)name_len - 2, argv[i] + 2);
			if (mc_trace_flag(flag, eq ? eq + 1 : NULL, &err) < 0) {
				mc_fail_context(&err, "%s", argv[i]);
				return mc_report(&err);
			}
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			mc_print_main_help(stdout);
			return 0;
		} else {
			fprintf(stderr,
			        "unknown flag: %s\n"
			        "See 'minicontainer --help'.\n",
			        argv[i]);
			return MC_EXIT_FAILED;
		}
	}
	/* Paths a lecturer can read aloud: $MC_ROOT/containers/ID, not /var/lib/... */
	mc_trace_abbreviate("$MC_ROOT", mc_root_dir());
	mc_trace_abbreviate("$RUNDIR", mc_run_dir());
	if (i == argc) {
		mc_print_main_help(stderr);
		return MC_EXIT_FAILED;
	}
	/* `minicontainer container` and `minicontainer container --help`: the group's commands. */
	if (mc_is_group(argv[i]) && (i + 1 == argc || strcmp(argv[i + 1], "--help") == 0 ||
	                             strcmp(argv[i + 1], "-h") == 0)) {
		mc_print_group_help(stdout, argv[i]);
		return 0;
	}
	v = mc_verb_find(argc - i, argv + i, &used);
	if (v == NULL) {
		char what[256], help[64] = "";

		if (mc_is_group(argv[i])) {
			snprintf(what, sizeof(what), "%s %s", argv[i], argv[i + 1]);
			snprintf(help, sizeof(help), " %s", argv[i]);
		} else {
			snprintf(what, sizeof(what), "%s", argv[i]);
		}
		return not_a_command(what, help);
	}
	if (v->starts_processes && mc_reexec_sealed(argv, &err) < 0)
		return mc_report(&err);
	/* (After the re-execution, which must not lose the caller's descriptors.) */
	mc_close_fds_on_exec();
	mc_current_verb = v;
	/* Help and errors name the command as Docker does: "container list" is "container ls". */
	if (used == 2)
		snprintf(mc_current_path, sizeof(mc_current_path), "%s %.*s", v->group,
		         (int)strcspn(v->names, " "), v->names);
	else
		snprintf(mc_current_path, sizeof(mc_current_path), "%s", argv[i]);
	return v->run(argc - i - used + 1, argv + i + used - 1);
}
