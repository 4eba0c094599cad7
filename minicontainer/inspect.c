/* inspect.c - `minicontainer inspect IMAGE...`: an image as Docker's JSON. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mc_container.h"
#include "mc.h"
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

/*
 * The small part of Go's text/template that `docker inspect --format` is
 * mostly used with: {{.Field.Sub}} and {{json .Field}}.
 */
static int render_value(FILE *out, json_t *v, bool as_json)
{
	char *text;

	if (!as_json && json_is_string(v)) {
		fputs(json_string_value(v), out);
		return 0;
	}
	if (!as_json && json_is_integer(v)) {
		fprintf(out, "%lld", (long long)json_integer_value(v));
		return 0;
	}
	if (!as_json && json_is_boolean(v)) {
		fputs(json_is_true(v) ? "true" : "false", out);
		return 0;
	}
	if (v == NULL) {
		fputs(as_json ? "null" : "<no value>", out);
		return 0;
	}
	text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);
	fputs(text ? text : "", out);
	free(text);
	return 0;
}

static int render_action(FILE *out, json_t *doc, const char *action, size_t len,
                         struct mc_error *err)
{
	char expr[256], *path;
	bool as_json = false;
	json_t *v = doc;

	snprintf(expr, sizeof(expr), "%.*s", (int)len, action);
	path = expr + strspn(expr, " ");
	if (strncmp(path, "json ", 5) == 0) {
		as_json = true;
		path += 5 + strspn(path + 5, " ");
	}
	path[strcspn(path, " ")] = '\0';
	if (path[0] != '.')
		return mc_fail(err, 0,
		               "template: unsupported action {{%s}} (use {{.Field}} or "
		               "{{json .Field}})",
		               expr);
	/* Walk .A.B.C through the objects. */
	for (char *field = strtok(path + 1, "."); field != NULL && v != NULL;
	     field = strtok(NULL, "."))
		v = json_object_get(v, field);
	if (v == NULL && strcmp(path, ".") != 0 && !as_json)
		return mc_fail(err, 0, "template: no such field %s", expr);
	return render_value(out, strcmp(path, ".") == 0 ? doc : v, as_json);
}

int mc_render_template(FILE *out, json_t *doc, const char *tmpl, struct mc_error *err)
{
	const char *p = tmpl;

	while (*p != '\0') {
		const char *open = strstr(p, "{{"), *close;

		if (open == NULL) {
			fputs(p, out);
			break;
		}
		fwrite(p, 1, (size_t)(open - p), out);
		close = strstr(open, "}}");
		if (close == NULL)
			return mc_fail(err, 0, "template: unclosed action in %s", tmpl);
		if (render_action(out, doc, open + 2, (size_t)(close - open - 2), err) < 0)
			return -1;
		p = close + 2;
	}
	fputc('\n', out);
	return 0;
}

/* A container as docker inspect shows it: the record, State refreshed, Mounts listed. */
static json_t *container_json(struct mc_container *c)
{
	json_t *doc = json_deep_copy(c->doc);
	json_t *mounts = json_object_get(json_object_get(c->doc, "HostConfig"), "Mounts");

	copy_or(doc, "Mounts", mounts, json_array());
	json_object_set_new(doc, "NetworkSettings", mc_net_settings(c));
	return doc;
}

int mc_inspect_one(json_t *all, json_t *one, const char *format, struct mc_error *err)
{
	int rc = format != NULL ? mc_render_template(stdout, one, format, err) : 0;

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

int verb_inspect(int argc, char **argv)
{
	static const struct option options[] = {
	    {"type", required_argument, NULL, 't'},
	    {"format", required_argument, NULL, 'f'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *type = NULL, *format = NULL;
	json_t *all = json_array();
	struct img_store st;
	struct mc_error err;
	int opt, status = 0;

	while ((opt = getopt_long(argc, argv, "+f:h", options, NULL)) != -1) {
		if (opt == 'h') {
			printf("Usage:  minicontainer inspect [OPTIONS] NAME|ID [NAME|ID...]\n\n"
			       "Return low-level information on containers and images\n\n"
			       "Options:\n"
			       "  -f, --format string   Format the output using a template: "
			       "{{.State.Pid}}, {{json .Config}}\n"
			       "      --type string     Return JSON for the specified type "
			       "(container or image)\n");
			return 0;
		} else if (opt == 'f') {
			format = optarg;
		} else if (opt == 't' &&
		           (strcmp(optarg, "image") == 0 || strcmp(optarg, "container") == 0)) {
			type = optarg;
		} else {
			return mc_usage_error("inspect", "unknown flag, or --type not container or "
			                                 "image");
		}
	}
	if (optind == argc)
		return mc_usage_error("inspect", "\"inspect\" requires at least 1 argument");
	if (mc_open_store(&st, &err) < 0)
		return mc_report(&err);
	for (int i = optind; i < argc; i++) {
		struct mc_container c;
		struct img_image img;
		json_t *one = NULL;

		/* A container first, as Docker looks them up; then an image. */
		if ((type == NULL || strcmp(type, "container") == 0) &&
		    mc_container_load(argv[i], &c, &err) == 0) {
			mc_container_refresh(&c);
			one = container_json(&c);
			mc_container_free(&c);
		} else if ((type == NULL || strcmp(type, "image") == 0) &&
		           img_store_find(&st, argv[i], &img, &err) == 0) {
			one = image_json(&st, &img);
			img_image_free(&img);
		} else {
			fprintf(stderr, "Error: No such object: %s\n", argv[i]);
			status = 1;
			continue;
		}
		if (mc_inspect_one(all, one, format, &err) < 0)
			status = mc_report(&err);
	}
	mc_inspect_print(all, format);
	img_store_close(&st);
	/* Docker prints what it found and still fails for what it did not. */
	return status == 0 ? 0 : 1;
}
