/*
 * demo.c - build/bin/ch01-namespaces: the container so far.
 *
 *	ch01-namespaces [--trace] [--hostname NAME] [--userns] [-e KEY=VALUE]...
 *	                --rootfs DIR -- CMD [ARG...]
 *
 * Runs CMD inside DIR in new PID, mount, UTS, IPC and network namespaces (and
 * a user namespace with --userns), and exits with CMD's exit code.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "namespaces.h"
#include "trace.h"

#define MAX_ENV 64

static const char usage[] =
    "Usage: ch01-namespaces [OPTIONS] --rootfs DIR -- CMD [ARG...]\n"
    "\n"
    "Run CMD with DIR as its root, in new PID, mount, UTS, IPC and network\n"
    "namespaces.  Exits with CMD's exit code (128+N if signal N killed it;\n"
    "125 if the container could not be set up, 126/127 if CMD cannot be run\n"
    "or does not exist).\n"
    "\n"
    "Options:\n"
    "  --rootfs DIR        directory that becomes / (required)\n"
    "  --hostname NAME     hostname inside (default: minicontainer)\n"
    "  --userns            also a user namespace: root inside is uid 100000 outside\n"
    "  -e, --env KEY=VAL   set an environment variable (repeatable)\n"
    "  --trace             narrate every kernel call on stderr\n"
    "  -h, --help          show this help\n";

static int fail_usage(const char *msg)
{
	fprintf(stderr, "ch01-namespaces: %s\n", msg);
	fprintf(stderr, "Try 'ch01-namespaces --help'.\n");
	return NS_EXIT_SETUP_FAILED;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
	    {"rootfs", required_argument, NULL, 'r'},
	    {"hostname", required_argument, NULL, 'H'},
	    {"userns", no_argument, NULL, 'U'},
	    {"env", required_argument, NULL, 'e'},
	    {"trace", no_argument, NULL, 'T'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	char *env[MAX_ENV + 4];
	char hostname_env[128];
	struct ns_config cfg;
	struct mc_error err;
	int nenv = 0, opt, code;

	ns_config_init(&cfg);
	cfg.hostname = "minicontainer";
	/* '+': stop at the first non-option, so CMD's own flags are left alone. */
	while ((opt = getopt_long(argc, argv, "+he:", options, NULL)) != -1) {
		switch (opt) {
		case 'r':
			cfg.rootfs = optarg;
			break;
		case 'H':
			cfg.hostname = optarg;
			break;
		case 'U':
			cfg.userns = true;
			break;
		case 'e':
			if (strchr(optarg, '=') == NULL)
				return fail_usage("--env wants KEY=VALUE");
			if (nenv == MAX_ENV)
				return fail_usage("too many --env options");
			env[nenv++] = optarg;
			break;
		case 'T':
			mc_trace_enable(STDERR_FILENO);
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			return fail_usage("unknown option");
		}
	}
	if (cfg.rootfs == NULL)
		return fail_usage("--rootfs DIR is required");
	if (optind >= argc)
		return fail_usage("no command given (put it after --)");

	snprintf(hostname_env, sizeof(hostname_env), "HOSTNAME=%s", cfg.hostname);
	env[nenv++] = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	env[nenv++] = "HOME=/root";
	env[nenv++] = hostname_env;
	env[nenv] = NULL;
	cfg.envp = env;
	cfg.argv = argv + optind;

	if (ns_run(&cfg, &code, &err) < 0)
		fprintf(stderr, "ch01-namespaces: %s\n", err.msg);
	return code;
}
