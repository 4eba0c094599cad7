/*
 * run.c - `minicontainer run` and `minicontainer create`: make a container
 * record from an image and the options, and (run) start it in the foreground.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "mc_launch.h"
#include "mc.h"
#include "mc_net.h"
#include "mc_spec.h"

/* Resolve the image and write the record; on success *c is the new container. */
static int create_container(int argc, char **argv, const char *verb, struct mc_spec *spec,
                            struct mc_container *c)
{
	struct img_runconfig rc;
	struct img_store st;
	struct img_image img;
	struct mc_error err;
	json_t *doc;
	int status = 0;

	if (mc_spec_parse(argc, argv, spec, &err) < 0) {
		if (strstr(err.msg, "requires at least") != NULL)
			return mc_usage_error(verb, "\"%s\" %s", verb, err.msg);
		return mc_usage_error(verb, "%s", err.msg);
	}
	if (spec->help)
		return -1;
	if (mc_open_store(&st, &err) < 0)
		return mc_report(&err);
	if (img_store_find(&st, spec->image, &img, &err) < 0) {
		struct img_ref ref;
		char full[600];

		img_store_close(&st);
		if (img_ref_parse(spec->image, &ref, &err) < 0)
			return mc_report(&err);
		/* Docker's words; pulling arrives with the registry client (chapter 04, part 2). */
		fprintf(stderr, "Unable to find image '%s' locally\n",
		        img_ref_familiar(&ref, full, sizeof(full)));
		fprintf(stderr, "minicontainer: no registry client yet: load or import the image "
		                "first\n");
		return MC_EXIT_FAILED;
	}
	if (img_runconfig_parse(img.config_json, &rc, &err) < 0) {
		img_image_free(&img);
		img_store_close(&st);
		return mc_report(&err);
	}
	doc = mc_spec_record(spec, &img, &rc);
	img_runconfig_free(&rc);
	img_image_free(&img);
	img_store_close(&st);
	if (mc_container_create(spec->name, doc, c, &err) < 0) {
		mc_container_free(c);
		return mc_report(&err);
	}
	/* Its address on its network (chapter 05); without one there is no container. */
	if (mc_net_attach_created(c, spec, &err) < 0) {
		struct mc_error ignored;

		mc_container_remove(c, &ignored);
		mc_container_free(c);
		status = mc_report(&err);
	}
	return status;
}

/*
 * What run and create share: parse, resolve, record.  Returns 0 with *c
 * filled in, 1 when --help was printed, else the exit code of the failure.
 */
static int parse_and_create(int argc, char **argv, const char *verb, const char *what,
                            struct mc_container *c)
{
	struct mc_spec spec;
	int status;

	mc_spec_init(&spec);
	status = create_container(argc, argv, verb, &spec, c);
	if (spec.help) {
		printf("Usage:  minicontainer %s [OPTIONS] IMAGE [COMMAND] [ARG...]\n\n%s\n\n%s",
		       verb, what, mc_run_usage);
		status = 1;
	}
	mc_spec_free(&spec);
	return status;
}

int verb_run(int argc, char **argv)
{
	struct mc_container c;
	int status;

	status =
	    parse_and_create(argc, argv, "run", "Create and run a new container from an image", &c);
	if (status != 0)
		return status == 1 ? 0 : status;
	status = mc_launch(
	    &c, json_is_true(json_object_get(json_object_get(c.doc, "Config"), "OpenStdin")), NULL,
	    0);
	mc_container_free(&c);
	return status;
}

int verb_create(int argc, char **argv)
{
	struct mc_container c;
	int status;

	status = parse_and_create(argc, argv, "create", "Create a new container", &c);
	if (status != 0)
		return status == 1 ? 0 : status;
	printf("%s\n", c.id);
	mc_container_free(&c);
	return 0;
}
