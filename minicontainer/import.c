/* import.c - `minicontainer import FILE [REPOSITORY[:TAG]]`: a root filesystem as an image. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>
#include <strings.h>
#include <jansson.h>

#include "img_archive.h"
#include "mc.h"

/*
 * LABEL key=value ...: words split at blanks, a value in double quotes may
 * hold blanks (the quotes go).
 */
static int add_labels(json_t *config, const char *arg, struct mc_error *err)
{
	json_t *labels = json_object_get(config, "Labels");
	char word[1024];

	if (!json_is_object(labels)) {
		labels = json_object();
		json_object_set_new(config, "Labels", labels);
	}
	while (*(arg += strspn(arg, " \t")) != '\0') {
		size_t n = 0;
		bool quoted = false;
		char *eq;

		for (; *arg != '\0' && (quoted || (*arg != ' ' && *arg != '\t')); arg++)
			if (*arg == '"')
				quoted = !quoted;
			else if (n + 1 < sizeof(word))
				word[n++] = *arg;
		word[n] = '\0';
		eq = strchr(word, '=');
		if (eq == NULL || eq == word)
			return mc_fail(err, 0, "LABEL %s: not KEY=VALUE", word);
		*eq = '\0';
		json_object_set_new(labels, word, json_string(eq + 1));
	}
	return 0;
}

/*
 * --change 'CMD ["/hello"]': Dockerfile instructions applied to the new
 * image's config - CMD and ENTRYPOINT (JSON or shell form), ENV, WORKDIR,
 * USER, LABEL, STOPSIGNAL.
 */
static int apply_change(json_t *config, const char *change, struct mc_error *err)
{
	char word[16];
	const char *arg;
	json_t *value;

	if (sscanf(change, "%15s", word) != 1)
		return mc_fail(err, 0, "empty --change");
	arg = change + strlen(word);
	arg += strspn(arg, " \t");
	if (strcasecmp(word, "CMD") == 0 || strcasecmp(word, "ENTRYPOINT") == 0) {
		value = arg[0] == '[' ? json_loads(arg, 0, NULL)
		                      : json_pack("[s, s, s]", "/bin/sh", "-c", arg);
		if (!json_is_array(value)) {
			json_decref(value);
			return mc_fail(err, 0, "--change %s: not a JSON array of strings", change);
		}
		json_object_set_new(config, strcasecmp(word, "CMD") == 0 ? "Cmd" : "Entrypoint",
		                    value);
	} else if (strcasecmp(word, "ENV") == 0 && strchr(arg, '=') != NULL) {
		if (!json_is_array(json_object_get(config, "Env")))
			json_object_set_new(config, "Env", json_array());
		json_array_append_new(json_object_get(config, "Env"), json_string(arg));
	} else if (strcasecmp(word, "WORKDIR") == 0 && arg[0] == '/') {
		json_object_set_new(config, "WorkingDir", json_string(arg));
	} else if (strcasecmp(word, "USER") == 0 && arg[0] != '\0') {
		json_object_set_new(config, "User", json_string(arg));
	} else if (strcasecmp(word, "STOPSIGNAL") == 0 && arg[0] != '\0') {
		json_object_set_new(config, "StopSignal", json_string(arg));
	} else if (strcasecmp(word, "LABEL") == 0 && strchr(arg, '=') != NULL) {
		return add_labels(config, arg, err);
	} else {
		return mc_fail(err, 0,
		               "--change %s: only CMD, ENTRYPOINT, ENV, WORKDIR, USER, LABEL and "
		               "STOPSIGNAL are supported",
		               change);
	}
	return 0;
}

/* Re-create the imported image with the changed config, under the same tag. */
static int apply_changes(struct img_store *st, char *manifest, const struct img_ref *tag,
                         char **changes, size_t n, struct mc_error *err)
{
	struct img_image img;
	json_t *doc, *config;
	char *text;
	int rc = 0;

	if (img_image_load(st, manifest, &img, err) < 0)
		return -1;
	doc = json_loads(img.config_json, 0, NULL);
	config = json_object_get(doc, "config");
	if (!json_is_object(config)) {
		config = json_object();
		json_object_set_new(doc, "config", config);
	}
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = apply_change(config, changes[i], err);
	text = rc == 0 ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	if (rc == 0)
		rc = img_store_add_image(st, text, img.layers, img.nlayer, tag, manifest, err);
	free(text);
	json_decref(doc);
	img_image_free(&img);
	return rc;
}

int verb_import(int argc, char **argv)
{
	static const struct option options[] = {
	    {"message", required_argument, NULL, 'm'},
	    {"change", required_argument, NULL, 'c'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	char manifest[IMG_DIGEST_LEN + 1], created_by[512];
	const char *message = NULL;
	char *changes[32];
	size_t nchange = 0;
	char tmp[64] = "";
	int rc;
	struct img_ref ref, *tag = NULL;
	struct img_store st;
	struct img_image img;
	struct mc_error err;
	int opt;

	while ((opt = getopt_long(argc, argv, "+m:c:h", options, NULL)) != -1) {
		if (opt == 'm')
			message = optarg;
		else if (opt == 'c' && nchange < 32)
			changes[nchange++] = optarg;
		else if (opt == 'h') {
			printf(
			    "Usage:  minicontainer import [OPTIONS] file [REPOSITORY[:TAG]]\n\n"
			    "Import the contents from a tarball to create a filesystem image\n\n"
			    "Options:\n"
			    "  -c, --change list      Apply Dockerfile instructions to the image: "
			    "CMD, ENTRYPOINT, ENV, WORKDIR, USER, LABEL,\n"
			    "                         STOPSIGNAL\n"
			    "  -m, --message string   Set commit message for imported image\n");
			return 0;
		} else
			return mc_usage_error("import", "unknown flag");
	}
	if (argc - optind < 1 || argc - optind > 2)
		return mc_usage_error("import", "\"import\" requires 1 or 2 arguments");
	if (argc - optind == 2) {
		if (img_ref_parse(argv[optind + 1], &ref, &err) < 0)
			return mc_report(&err);
		tag = &ref;
	}
	snprintf(created_by, sizeof(created_by), "%s", message ? message : "minicontainer import");
	if (strcmp(argv[optind], "-") == 0) {
		if (mc_stdin_to_file(tmp, sizeof(tmp), &err) < 0)
			return mc_report(&err);
		argv[optind] = tmp;
	}
	rc = mc_open_store(&st, &err);
	if (rc == 0)
		rc = img_import(&st, argv[optind], tag, created_by, manifest, &err);
	if (rc == 0 && nchange > 0)
		rc = apply_changes(&st, manifest, tag, changes, nchange, &err);
	if (rc == 0)
		rc = img_image_load(&st, manifest, &img, &err);
	if (tmp[0] != '\0')
		unlink(tmp);
	if (rc < 0)
		return mc_report(&err);
	/* Docker prints the new image's ID. */
	printf("%s\n", img.config_digest);
	img_image_free(&img);
	img_store_close(&st);
	return 0;
}
