/*
 * run.c - `minicontainer run` and `minicontainer create`: make a container
 * record from an image and the options, and (run) start it in the foreground.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "mc_launch.h"
#include "mc_monitor.h"
#include "mc.h"
#include "mc_net.h"
#include "mc_spec.h"
#include "mc_volume.h"
#include "ns_namespaces.h"

const struct mc_command mc_cmd_run = {
    .name = "run",
    .usage = "[OPTIONS] IMAGE [COMMAND] [ARG...]",
    .summary = "Create and run a new container from an image",
    .options = mc_run_options,
    .min_args = 1,
    .max_args = -1,
    .command_follows = true,
};

const struct mc_command mc_cmd_create = {
    .name = "create",
    .usage = "[OPTIONS] IMAGE [COMMAND] [ARG...]",
    .summary = "Create a new container",
    .options = mc_create_options,
    .min_args = 1,
    .max_args = -1,
    .command_follows = true,
};

/* Resolve the image and write the record; on success *c is the new container. */
static int create_container(struct mc_spec *spec, struct mc_container *c)
{
	struct img_runconfig rc;
	struct img_store st;
	struct img_image img;
	struct mc_error err;
	json_t *doc, *made;

	if (mc_open_store(&st, &err) < 0)
		return mc_report(&err);
	/* "Unable to find image ... locally", and a pull, as --pull says (pull.c). */
	if (mc_pull_if_needed(&st, spec->image, spec->pull, &img, &err) < 0) {
		img_store_close(&st);
		return mc_report(&err);
	}
	if (img_runconfig_parse(img.config_json, &rc, &err) < 0) {
		img_image_free(&img);
		img_store_close(&st);
		return mc_report(&err);
	}
	doc = mc_spec_record(spec, &img, &rc);
	img_runconfig_free(&rc);
	/* Its volumes: the image's VOLUMEs, --volumes-from's, each made if it is new. */
	if (mc_volumes_for_container(doc, img.config_json, &spec->volumes_from, &made, &err) < 0) {
		json_decref(doc);
		img_image_free(&img);
		img_store_close(&st);
		return mc_report(&err);
	}
	img_image_free(&img);
	img_store_close(&st);
	if (mc_container_create(spec->name, doc, c, &err) < 0) {
		mc_volumes_undo(made); /* a refused create leaves no volume it made */
		mc_container_free(c);
		return mc_report(&err);
	}
	/* Its address on its network (chapter 05); without one there is no container. */
	if (mc_net_attach_created(c, spec, &err) < 0) {
		struct mc_error ignored;

		mc_container_remove(c, &ignored);
		mc_volumes_undo(made);
		mc_container_free(c);
		return mc_report(&err);
	}
	json_decref(made);
	return 0;
}

/*
 * What run and create share: parse, resolve, record.  Returns 0 with *c
 * filled in (and *run the options that matter once it exists), -1 when
 * --help was printed, else the exit code of the failure.
 */
static int parse_and_create(const struct mc_command *cmd, int argc, char **argv,
                            struct mc_container *c, struct mc_run_opts *run)
{
	struct mc_spec spec;
	struct mc_error err;
	int status, first;

	mc_spec_init(&spec);
	status = mc_parse_verb(cmd, &spec, argc, argv, &first);
	if (status == 0)
		status = -1; /* --help */
	else if (status < 0 && mc_spec_finish(argc - first, argv + first, &spec, &err) < 0)
		status = mc_usage_error(mc_current_path, "%s", err.msg);
	else if (status < 0)
		status = create_container(&spec, c);
	*run = spec.run;
	mc_spec_free(&spec);
	return status;
}

int verb_run(int argc, char **argv)
{
	int status, pass[NS_MAX_KEEP_FDS];
	struct mc_run_opts run;
	struct mc_container c;
	size_t npass = 0;

	status = parse_and_create(&mc_cmd_run, argc, argv, &c, &run);
	if (status != 0)
		return status < 0 ? 0 : status;
	/* runc's --preserve-fds: the caller's descriptors 3 .. 3+N-1, those it really passed us. */
	for (int fd = 3; fd < 3 + run.preserve_fds; fd++)
		if (mc_fd_inherited(fd))
			pass[npass++] = fd;
	/* Its monitor runs it; -d: we print the id, as Docker does; else we attach. */
	status = mc_monitor_spawn(&c, !run.detach, pass, npass);
	if (status == 0 && run.detach) {
		printf("%s\n", c.id);
	} else if (status == 0) {
		json_t *config = json_object_get(c.doc, "Config");
		struct mc_attach_opts o = {
		    .stdin = json_is_true(json_object_get(config, "OpenStdin")),
		    .tty = json_is_true(json_object_get(config, "Tty")),
		    .sig_proxy = run.sig_proxy && !json_is_true(json_object_get(config, "Tty")),
		    .detach_keys = run.detach_keys,
		};

		status = mc_attach_until_exit(&c, &o);
	}
	mc_container_free(&c);
	return status;
}

int verb_create(int argc, char **argv)
{
	struct mc_run_opts run;
	struct mc_container c;
	int status;

	status = parse_and_create(&mc_cmd_create, argc, argv, &c, &run);
	if (status != 0)
		return status < 0 ? 0 : status;
	printf("%s\n", c.id);
	mc_container_free(&c);
	return 0;
}
