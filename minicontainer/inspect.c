/* inspect.c - `minicontainer inspect IMAGE...`: an image as Docker's JSON. */
#include <stddef.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mc_container.h"
#include "mc.h"
#include "mc_template.h"
#include "mc_net.h"

/* out[key] = value, or `fallback` when value is missing (the fallback is consumed either way). */
static void copy_or(json_t *out, const char *key, json_t *value, json_t *fallback)
{
	if (value != NULL) {
		json_object_set(out, key, value);
		json_decref(fallback);
	} else {
		json_object_set_new(out, key, fallback);
	}
}

/* Docker's image object: the config, plus what only the store knows (tags, size). */
/*
 * Docker's Config always has these fields, null or empty when the image sets
 * none: {{json .Config.Entrypoint}} is "null", never a missing key.
 */
static void fill_config(json_t *c)
{
	static const char *const empty_strings[] = {"Hostname", "Domainname", "User",
	                                            "Image",    "WorkingDir", NULL};
	static const char *const falses[] = {
	    "AttachStdin", "AttachStdout", "AttachStderr", "Tty", "OpenStdin", "StdinOnce", NULL};
	static const char *const nulls[] = {"Env",     "Cmd",    "Volumes", "Entrypoint",
	                                    "OnBuild", "Labels", NULL};

	for (int i = 0; empty_strings[i] != NULL; i++)
		if (json_object_get(c, empty_strings[i]) == NULL)
			json_object_set_new(c, empty_strings[i], json_string(""));
	for (int i = 0; falses[i] != NULL; i++)
		if (json_object_get(c, falses[i]) == NULL)
			json_object_set_new(c, falses[i], json_false());
	for (int i = 0; nulls[i] != NULL; i++)
		if (json_object_get(c, nulls[i]) == NULL)
			json_object_set_new(c, nulls[i], json_null());
}

static json_t *image_json(struct img_store *st, const struct img_image *img)
{
	json_t *config = json_loads(img->config_json, 0, NULL);
	json_t *out = json_object(), *tags = json_array(), *layers = json_array();
	struct img_tag *all;
	struct mc_error ignored;
	size_t n;

	if (img_store_list(st, &all, &n, &ignored) == 0) {
		for (size_t i = 0; i < n; i++) {
			struct img_ref ref;
			char familiar[600];

			if (strcmp(all[i].manifest_digest, img->manifest_digest) == 0 &&
			    img_ref_parse(all[i].name, &ref, &ignored) == 0)
				json_array_append_new(tags, json_string(img_ref_familiar(
				                                &ref, familiar, sizeof(familiar))));
		}
		free(all);
	}
	for (size_t i = 0; i < img->nlayer; i++)
		json_array_append_new(layers, json_string(img->layers[i].diff_id));
	json_object_set_new(out, "Id", json_string(img->config_digest));
	json_object_set_new(out, "RepoTags", tags);
	json_object_set_new(out, "RepoDigests", json_array());
	copy_or(out, "Created", json_object_get(config, "created"), json_string(""));
	copy_or(out, "Author", json_object_get(config, "author"), json_string(""));
	copy_or(out, "Config", json_object_get(config, "config"), json_object());
	fill_config(json_object_get(out, "Config"));
	json_object_set(out, "Architecture", json_object_get(config, "architecture"));
	json_object_set(out, "Os", json_object_get(config, "os"));
	json_object_set_new(out, "Size", json_integer((json_int_t)mc_image_size(st, img)));
	json_object_set_new(out, "RootFS",
	                    json_pack("{s:s, s:o}", "Type", "layers", "Layers", layers));
	json_object_set_new(out, "Metadata",
	                    json_pack("{s:s}", "ManifestDigest", img->manifest_digest));
	json_decref(config);
	return out;
}

/* A container as docker inspect shows it: the record, State refreshed, Mounts listed. */
static json_t *container_json(struct mc_container *c)
{
	json_t *doc = json_deep_copy(c->doc);
	json_t *mounts = json_object_get(json_object_get(doc, "HostConfig"), "Mounts"), *m;
	size_t i;

	/* Docker's MountPoint fields only: Named and CopyData are ours (mc_volume.h). */
	json_array_foreach(mounts, i, m)
	{
		json_object_del(m, "Named");
		json_object_del(m, "CopyData");
	}
	copy_or(doc, "Mounts", mounts, json_array());
	json_object_set_new(doc, "NetworkSettings", mc_net_settings(c));
	return doc;
}

int mc_inspect_one(json_t *all, json_t *one, const char *format, struct mc_error *err)
{
	/* "json" is {{json .}}; a field that is not there is an error (Go's missingkey=error). */
	int rc = 0;

	if (format != NULL)
		rc = mc_render_template(
		    stdout, one, strcmp(format, "json") == 0 ? "{{json .}}" : format, true, err);
	json_array_append_new(all, one);
	return rc;
}

void mc_inspect_print(json_t *all, const char *format)
{
	char *text;

	if (format == NULL) {
		text = json_dumps(all, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
		printf("%s\n", text ? text : "[]");
		free(text);
	}
	json_decref(all);
}

struct inspect_opts {
	const char *format, *type;
	bool size;
};

static const struct mc_option inspect_options[] = {
    {"format", 'f', "string",
     "Format output using a custom template: 'json', or a Go template ({{.State.Pid}})",
     mc_opt_string, offsetof(struct inspect_opts, format)},
    {"size", 's', NULL, "Display total file sizes if the type is container", mc_opt_true,
     offsetof(struct inspect_opts, size)},
    {"type", 0, "string", "Only search for objects of this type: container or image", mc_opt_string,
     offsetof(struct inspect_opts, type)},
    {NULL, 0, NULL, NULL, NULL, 0},
};

const struct mc_command mc_cmd_inspect = {
    .name = "inspect",
    .usage = "[OPTIONS] NAME|ID [NAME|ID...]",
    .summary = "Return low-level information on containers and images",
    .options = inspect_options,
    .min_args = 1,
    .max_args = -1,
};

static const struct mc_option container_inspect_options[] = {
    {"format", 'f', "string",
     "Format output using a custom template: 'json', or a Go template ({{.State.Pid}})",
     mc_opt_string, offsetof(struct inspect_opts, format)},
    {"size", 's', NULL, "Display total file sizes", mc_opt_true,
     offsetof(struct inspect_opts, size)},
    {NULL, 0, NULL, NULL, NULL, 0},
};

const struct mc_command mc_cmd_container_inspect = {
    .name = "inspect",
    .usage = "[OPTIONS] CONTAINER [CONTAINER...]",
    .summary = "Display detailed information on one or more containers",
    .options = container_inspect_options,
    .min_args = 1,
    .max_args = -1,
};

const struct mc_command mc_cmd_image_inspect = {
    .name = "inspect",
    .usage = "[OPTIONS] IMAGE [IMAGE...]",
    .summary = "Display detailed information on one or more images",
    .options = container_inspect_options, /* (-s does nothing for images, as in Docker) */
    .min_args = 1,
    .max_args = -1,
};

/* The writable layer's size and, with the image, the whole root's: Docker's -s. */
static void add_sizes(json_t *doc, const struct mc_container *c, struct img_store *st)
{
	char upper[600];
	struct img_image img;
	struct mc_error ignored;
	uint64_t rw, image = 0;

	snprintf(upper, sizeof(upper), "%s/upper", c->dir);
	rw = mc_dir_size(upper);
	if (img_store_find(st, json_string_value(json_object_get(c->doc, "ImageManifest")) ?: "",
	                   &img, &ignored) == 0) {
		image = mc_image_size(st, &img);
		img_image_free(&img);
	}
	json_object_set_new(doc, "SizeRw", json_integer((json_int_t)rw));
	json_object_set_new(doc, "SizeRootFs", json_integer((json_int_t)(rw + image)));
}

static int inspect(const struct mc_command *cmd, const char *only, int argc, char **argv)
{
	struct inspect_opts o = {NULL, NULL, false};
	const char *noun = "object";
	json_t *all;
	struct img_store st;
	struct mc_error err;
	int first, status;

	if ((status = mc_parse_verb(cmd, &o, argc, argv, &first)) >= 0)
		return status;
	status = 0;
	if (o.type != NULL && strcmp(o.type, "container") != 0 && strcmp(o.type, "image") != 0)
		return mc_usage_error(mc_current_path, "\"%s\" is not a valid value for --type",
		                      o.type);
	if (only != NULL) {
		o.type = only;
		noun = only;
	}
	if (mc_open_store(&st, &err) < 0)
		return mc_report(&err);
	all = json_array();
	for (int i = first; i < argc; i++) {
		struct mc_container c;
		struct img_image img;
		json_t *one = NULL;

		/* A container first, as Docker looks them up; then an image. */
		if ((o.type == NULL || strcmp(o.type, "container") == 0) &&
		    mc_container_load(argv[i], &c, &err) == 0) {
			mc_container_refresh(&c);
			one = container_json(&c);
			if (o.size)
				add_sizes(one, &c, &st);
			mc_container_free(&c);
		} else if ((o.type == NULL || strcmp(o.type, "image") == 0) &&
		           img_store_find(&st, argv[i], &img, &err) == 0) {
			one = image_json(&st, &img);
			img_image_free(&img);
		} else {
			fprintf(stderr, "Error: No such %s: %s\n", noun, argv[i]);
			status = 1;
			continue;
		}
		if (mc_inspect_one(all, one, o.format, &err) < 0)
			status = mc_report(&err);
	}
	mc_inspect_print(all, o.format);
	img_store_close(&st);
	/* Docker prints what it found and still fails for what it did not. */
	return status == 0 ? 0 : 1;
}

int verb_inspect(int argc, char **argv)
{
	return inspect(&mc_cmd_inspect, NULL, argc, argv);
}

int verb_container_inspect(int argc, char **argv)
{
	return inspect(&mc_cmd_container_inspect, "container", argc, argv);
}

int verb_image_inspect(int argc, char **argv)
{
	return inspect(&mc_cmd_image_inspect, "image", argc, argv);
}
