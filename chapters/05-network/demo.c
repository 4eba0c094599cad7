/*
 * demo.c - build/bin/ch05-network: chapter 04's container, on a network.
 *
 *	ch05-network [chapter 01-04 flags] --image REF [--network NET] [-p SPEC]... [-- CMD...]
 *
 * The container gets an address on the default network's bridge, mc0 (or
 * on --network NET, made with `minicontainer network create`), a veth
 * pair whose far end is its eth0, a default route, its own /etc/hosts and
 * /etc/resolv.conf, and the ports given with -p published on the host.
 * The address is released when it ends.  Networks and addresses live in
 * $MC_ROOT/networks, as minicontainer's do.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cg_options.h"
#include "img_run.h"
#include "mc_file.h"
#include "net_run.h"
#include "ns_options.h"

static struct ovl_run layers; /* large: keep them off the stack */
static struct net_options net;

/* Entrypoint + Cmd, or the command line's command (which replaces Cmd). */
static char **command_of(const struct img_runconfig *rc, char **args, int nargs)
{
	size_t ne = img_strv_len(rc->entrypoint),
	       nc = nargs > 0 ? (size_t)nargs : img_strv_len(rc->cmd);
	char **argv = calloc(ne + nc + 1, sizeof(*argv));

	for (size_t i = 0; argv != NULL && i < ne; i++)
		argv[i] = rc->entrypoint[i];
	for (size_t i = 0; argv != NULL && i < nc; i++)
		argv[ne + i] = nargs > 0 ? args[i] : rc->cmd[i];
	return argv;
}

static void notice(const char *text)
{
	fprintf(stderr, "ch05-network: %s\n", text);
}

/* The network part: a name for this run, its /etc files' directory, the mode. */
static int network_of(struct net_store *store, char *id, char *etc_dir, size_t size,
                      struct mc_error *err)
{
	const char *rundir = getenv("MC_RUNDIR");

	/* An id of our own: the address, the veth names and the lock are keyed by it. */
	net_random_id(id);
	snprintf(etc_dir, size, "%s/ch05-%.12s",
	         rundir && rundir[0] ? rundir : "/run/minicontainer", id);
	net.run.container = id;
	net.run.etc_dir = etc_dir;
	net.run.notice = notice;
	if (strcmp(net.network, "none") == 0) {
		net.run.mode = NET_MODE_NONE;
	} else if (strcmp(net.network, "host") == 0) {
		net.run.mode = NET_MODE_HOST;
	} else {
		net.run.mode = NET_MODE_NETWORK;
		net.run.store = store;
		net.run.attach_network = net.network;
		if (net_store_open(store, NULL, NULL, NULL, err) < 0)
			return -1;
	}
	if (net.run.nports > 0 && net.run.mode != NET_MODE_NETWORK)
		return mc_fail(err, 0, "-p needs a network (not --network %s)", net.network);
	return 0;
}

int main(int argc, char **argv)
{
	struct img_choice image = {NULL};
	struct img_runconfig rc = {0};
	struct ns_options ns;
	struct cg_run run;
	const struct mc_option_group groups[] = {
	    {"Namespaces (chapter 01)", ns_options_table, &ns},
	    {"Control groups (chapter 02)", cg_options_table, &run},
	    {"Layers (chapter 03)", ovl_options_table, &layers},
	    {"Images (chapter 04)", img_options_table, &image},
	    {"Network (chapter 05)", net_options_table, &net},
	    {NULL, NULL, NULL},
	};
	char id[65], etc_dir[4096], **command = NULL, **env = NULL, **with_image;
	char *user[NS_MAX_ENV + 1];
	struct ovl_diff diff = {0};
	struct net_store netstore;
	struct img_store store;
	struct img_image img;
	struct img_run image_step;
	struct mc_error err, ignored;
	int first, code = 125, rc_parse, user_env;

	ns_options_init(&ns);
	ns.need_rootfs = false;
	cg_run_init(&run);
	net_options_init(&net);
	etc_dir[0] = '\0';
	rc_parse = mc_parse_options(argc, argv, groups, &first, &err);
	if (rc_parse == 1) {
		printf(
		    "Usage: ch05-network [OPTIONS] --image REF [-- CMD [ARG...]]\n\n"
		    "Chapter 04's container, with an address on a bridge and published ports.\n");
		mc_print_options(stdout, groups);
		return 0;
	}
	if (rc_parse == 0 && image.name == NULL)
		rc_parse = mc_fail(&err, 0, "--image REF is required");
	if (rc_parse == 0 && (layers.nlayer > 0 || ns.cfg.rootfs != NULL))
		rc_parse = mc_fail(&err, 0, "--image replaces --layer and --rootfs");
	if (rc_parse < 0) {
		fprintf(stderr, "ch05-network: %s\nTry 'ch05-network --help'.\n", err.msg);
		return 125;
	}
	if (img_store_open(&store, NULL, &err) < 0 ||
	    img_store_find(&store, image.name, &img, &err) < 0)
		goto fail;
	rc_parse = img_runconfig_parse(img.config_json, &rc, &err);
	img_image_free(&img);
	if (rc_parse < 0)
		goto fail;
	command = command_of(&rc, argv + first, argc - first);
	if (command == NULL || command[0] == NULL) {
		mc_fail(&err, 0, "no command given, and the image has no Entrypoint or Cmd");
		goto fail;
	}
	user_env = ns.nenv;
	if (ns_options_finish(&ns, (int)img_strv_len(command), command, 0, &err) < 0)
		goto fail;
	for (int i = 0; i < user_env; i++)
		user[i] = ns.env[i];
	user[user_env] = NULL;
	with_image = img_env_merge(user, rc.env);
	env = img_env_merge(with_image, ns.env + user_env);
	img_strv_free(with_image);
	ns.cfg.envp = env;
	if (rc.workdir != NULL)
		ns.cfg.workdir = rc.workdir;
	net.run.hostname = ns.cfg.hostname;
	if (network_of(&netstore, id, etc_dir, sizeof(etc_dir), &err) < 0)
		goto fail;
	/* Image (04), overlay (03), cgroup (02), network (05): torn down the other way round. */
	image_step = (struct img_run){&store, image.name, &layers};
	layers.diff = &diff;
	if (img_add_step(&ns.cfg, &image_step, &err) < 0 ||
	    ovl_add_step(&ns.cfg, &layers, &err) < 0 || cg_add_step(&ns.cfg, &run, &err) < 0 ||
	    net_add_step(&ns.cfg, &net.run, &err) < 0 || ns_run(&ns.cfg, &code, &err) < 0)
		goto fail;
	fflush(stdout);
	cg_print_report(stderr, &run.stats);
	if (net.run.summary[0] != '\0')
		fprintf(stderr, "--- network\n%s", net.run.summary);
	goto out;
fail:
	fprintf(stderr, "ch05-network: %s\n", err.msg);
out:
	if (etc_dir[0] != '\0')
		mc_remove_tree(etc_dir, &ignored);
	free(command);
	img_strv_free(env);
	img_runconfig_free(&rc);
	ovl_diff_free(&diff);
	img_store_close(&store);
	return code;
}
