/*
 * demo.c - build/bin/ch04-images: chapter 03's container, from an image.
 *
 *	ch04-images [chapter 01-03 flags] --image REF [-- CMD [ARG...]]
 *
 * Takes the image from the local store ($MC_ROOT, loaded with
 * `minicontainer load` or `import`), mounts its layers with a writable layer
 * on top, and runs CMD - or, without one, the image's Entrypoint and Cmd -
 * with the image's environment.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cg_options.h"
#include "img_run.h"
#include "ns_options.h"

static struct ovl_run layers; /* large: keep it off the stack */

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

int main(int argc, char **argv)
{
	struct img_choice image = {NULL};
	struct img_runconfig rc = {0};
	struct ns_options ns;
	struct cg_run run;
	const struct mc_option_group groups[] = {
	    {"Namespaces (chapter 01)", ns_options_table, &ns},
	    {"Confinement (chapter 01)", ns_confine_options_table, &ns},
	    {"Control groups (chapter 02)", cg_options_table, &run},
	    {"Layers (chapter 03)", ovl_options_table, &layers},
	    {"Images (chapter 04)", img_options_table, &image},
	    {NULL, NULL, NULL},
	};
	struct ovl_diff diff = {0};
	struct img_store store;
	struct img_image img;
	struct img_run image_step;
	struct mc_error err;
	char **command = NULL, **env = NULL;
	char **with_image, *user[NS_MAX_ENV + 1];
	int first, code = 125, rc_parse, user_env;

	ns_options_init(&ns);
	ns.need_rootfs = false;
	cg_run_init(&run);
	rc_parse = mc_parse_options(argc, argv, groups, &first, &err);
	if (rc_parse == 1) {
		printf("Usage: ch04-images [OPTIONS] --image REF [-- CMD [ARG...]]\n\n"
		       "Chapter 03's container, on the layers of an image from the local store.\n");
		mc_print_options(stdout, groups);
		return 0;
	}
	if (rc_parse == 0 && image.name == NULL)
		rc_parse = mc_fail(&err, 0, "--image REF is required");
	if (rc_parse == 0 && (layers.nlayer > 0 || ns.cfg.rootfs != NULL))
		rc_parse = mc_fail(&err, 0, "--image replaces --layer and --rootfs");
	if (rc_parse < 0) {
		fprintf(stderr, "ch04-images: %s\nTry 'ch04-images --help'.\n", err.msg);
		return 125;
	}
	/* The image's defaults first: they decide the command and its environment. */
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
	/* The image's user, unless -u says otherwise. */
	if (ns.confine.user == NULL)
		ns.confine.user = rc.user;
	rc_parse = ns_options_finish(&ns, (int)img_strv_len(command), command, 0, &err);
	if (rc_parse < 0)
		goto fail;
	if (rc_parse == 1) { /* --print-seccomp */
		code = 0;
		goto out;
	}
	/* -e first, then the image's Env, then the defaults: the first of a KEY wins. */
	for (int i = 0; i < user_env; i++)
		user[i] = ns.env[i];
	user[user_env] = NULL;
	with_image = img_env_merge(user, rc.env);
	env = img_env_merge(with_image, ns.env + user_env);
	img_strv_free(with_image);
	ns.cfg.envp = env;
	if (rc.workdir != NULL)
		ns.cfg.workdir = rc.workdir;
	/* The image's layers (chapter 04), the overlay of them (03), the cgroup (02),
	 * and chapter 01's confinement last. */
	image_step = (struct img_run){&store, image.name, &layers};
	layers.diff = &diff;
	if (img_add_step(&ns.cfg, &image_step, &err) < 0 ||
	    ovl_add_step(&ns.cfg, &layers, &err) < 0 || cg_add_step(&ns.cfg, &run, &err) < 0 ||
	    ns_options_confine(&ns, &err) < 0 || ns_run(&ns.cfg, &code, &err) < 0)
		goto fail;
	fflush(stdout);
	cg_print_report(stderr, &run.stats);
	goto out;
fail:
	fprintf(stderr, "ch04-images: %s\n", err.msg);
out:
	ns_options_free(&ns);
	free(command);
	img_strv_free(env);
	img_runconfig_free(&rc);
	ovl_diff_free(&diff);
	img_store_close(&store);
	return code;
}
