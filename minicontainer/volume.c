/*
 * volume.c - `minicontainer volume create|ls|inspect|rm` as docker/cli has
 * them (prune is with the other prunes, in prune.c); the store is
 * volstore.c (mc_volume.h).
 */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mc.h"
#include "mc_volume.h"

/* ---- create ---------------------------------------------------------------------------------- */

struct create_flags {
	const char *driver, *name;
	struct mc_list labels, opts;
};

static const struct mc_option create_options[] = {
    {"driver", 'd', "string", "Specify volume driver name (default \"local\")", mc_opt_string,
     offsetof(struct create_flags, driver)},
    {"label", 0, "list", "Set metadata for a volume", mc_opt_list,
     offsetof(struct create_flags, labels)},
    {"name", 0, "string", "Specify volume name", mc_opt_string,
     offsetof(struct create_flags, name)},
    {"opt", 'o', "map", "Set driver specific options (type, device, o)", mc_opt_list,
     offsetof(struct create_flags, opts)},
    {NULL, 0, NULL, NULL, NULL, 0},
};

const struct mc_command mc_cmd_volume_create = {
    .name = "create",
    .usage = "[OPTIONS] [VOLUME]",
    .summary = "Create a volume",
    .options = create_options,
    .min_args = 0,
    .max_args = 1,
};

/* "KEY=VALUE" (or "KEY": an empty value) of each item, into an object; NULL when none. */
static json_t *map_of(const struct mc_list *l)
{
	json_t *map = l->n ? json_object() : NULL;
	const char *sorted[MC_LIST_MAX];

	/* In the order of their keys, as Go prints a map. */
	memcpy(sorted, l->items, l->n * sizeof(sorted[0]));
	qsort(sorted, l->n, sizeof(sorted[0]), mc_strcmp_ptr);
	for (size_t i = 0; i < l->n; i++) {
		const char *eq = strchr(sorted[i], '=');

		json_object_setn_new_nocheck(map, sorted[i],
		                             eq ? (size_t)(eq - sorted[i]) : strlen(sorted[i]),
		                             json_string(eq ? eq + 1 : ""));
	}
	return map;
}

/* The local driver's options (moby's validateOpts): type, device, o; size needs quotas. */
static int check_options(json_t *opts, struct mc_error *err)
{
	static const char *const needs[][3] = {
	    {"device", "type", NULL}, {"type", "device", NULL}, {"o", "device", "type"}};
	const char *key;
	json_t *value;

	json_object_foreach(opts, key, value)
	{
		if (strcmp(key, "size") == 0)
			return mc_fail(err, 0, "quota size requested but no quota support");
		if (strcmp(key, "type") != 0 && strcmp(key, "device") != 0 && strcmp(key, "o") != 0)
			return mc_fail(err, 0, "invalid option: \"%s\"", key);
	}
	for (size_t i = 0; i < 3; i++)
		for (size_t k = 1; k < 3 && json_object_get(opts, needs[i][0]) != NULL; k++)
			if (needs[i][k] != NULL && json_object_get(opts, needs[i][k]) == NULL)
				return mc_fail(err, 0, "missing required option: \"%s\"",
				               needs[i][k]);
	return 0;
}

int verb_volume_create(int argc, char **argv)
{
	struct create_flags f = {"local", NULL, {{NULL}, 0}, {{NULL}, 0}};
	json_t *labels = NULL, *opts = NULL;
	struct mc_error err;
	char name[MC_VOLUME_NAME_MAX + 1];
	bool existed;
	int rc, first;

	if ((rc = mc_parse_verb(&mc_cmd_volume_create, &f, argc, argv, &first)) >= 0)
		return rc;
	if (first < argc && f.name != NULL && strcmp(f.name, argv[first]) != 0)
		return mc_usage_error(mc_current_path,
		                      "conflicting options: cannot specify a volume-name through "
		                      "both --name and as a positional arg");
	if (first < argc)
		f.name = argv[first];
	labels = map_of(&f.labels);
	opts = map_of(&f.opts);
	if (strcmp(f.driver, "local") != 0)
		rc =
		    mc_fail(&err, 0,
		            "create %s: error looking up volume plugin %s: plugin \"%s\" not found",
		            f.name ? f.name : "", f.driver, f.driver);
	else if (f.name != NULL && f.name[0] == '\0')
		rc = mc_fail(&err, 0, "create: a volume's name cannot be empty");
	else
		rc = check_options(opts, &err);
	if (rc == 0)
		rc = mc_volume_create(f.name, labels, opts, name, &existed, &err);
	json_decref(labels);
	json_decref(opts);
	if (rc < 0)
		return mc_report(&err);
	printf("%s\n", name);
	return 0;
}

/* ---- ls -------------------------------------------------------------------------------------- */

struct ls_flags {
	bool quiet;
	const char *format;
	struct mc_list filters;
};

static int add_filter(void *field, const char *value, struct mc_error *err)
{
	static const char *const keys[] = {"dangling=", "name=", "label=", "driver=", NULL};

	for (int k = 0; keys[k] != NULL; k++)
		if (strncmp(value, keys[k], strlen(keys[k])) == 0)
			return mc_opt_list(field, value, err);
	if (strchr(value, '=') == NULL)
		return mc_fail(err, 0, "bad format of filter (expected name=value)");
	return mc_fail(err, 0, "invalid filter '%.*s'", (int)strcspn(value, "="), value);
}

static const struct mc_option ls_options[] = {
    {"filter", 'f', "filter",
     "Provide filter values (e.g. \"dangling=true\"): dangling=, name=, label=, driver=",
     add_filter, offsetof(struct ls_flags, filters)},
    {"format", 0, "string", MC_FORMAT_HELP, mc_opt_string, offsetof(struct ls_flags, format)},
    {"quiet", 'q', NULL, "Only display volume names", mc_opt_true,
     offsetof(struct ls_flags, quiet)},
    {NULL, 0, NULL, NULL, NULL, 0},
};

const struct mc_command mc_cmd_volume_ls = {
    .name = "ls",
    .usage = "[OPTIONS]",
    .summary = "List volumes",
    .options = ls_options,
    .min_args = 0,
    .max_args = 0,
};

static const struct mc_field_header ls_headers[] = {
    {"Driver", "DRIVER"},
    {"Name", "VOLUME NAME"},
    {"Scope", "SCOPE"},
    {"Mountpoint", "MOUNTPOINT"},
    {"Labels", "LABELS"},
    {"Links", "LINKS"},
    {"Size", "SIZE"},
    {"CreatedAt", "CREATED"},
    {"Availability", "AVAILABILITY"},
    {"Group", "GROUP"},
    {"Status", "STATUS"},
    {NULL, NULL},
};

/* dangling= must be a boolean (moby's volume list): "true"/"1" or "false"/"0". */
static int check_dangling(const struct ls_flags *f, struct mc_error *err)
{
	for (size_t i = 0; i < f->filters.n; i++) {
		const char *v = f->filters.items[i];

		if (strncmp(v, "dangling=", 9) == 0 && strcmp(v + 9, "true") != 0 &&
		    strcmp(v + 9, "1") != 0 && strcmp(v + 9, "false") != 0 &&
		    strcmp(v + 9, "0") != 0)
			return mc_fail(err, 0, "invalid filter 'dangling=%s'", v + 9);
	}
	return 0;
}

/* One filter key's verdict: true when the key is not given, or one of its values matches. */
static bool key_matches(const struct ls_flags *f, const char *key, json_t *vol, bool dangling)
{
	size_t len = strlen(key);
	bool given = false, any = false;

	for (size_t i = 0; i < f->filters.n; i++) {
		const char *v = f->filters.items[i], *eq;
		json_t *labels = json_object_get(vol, "Labels"), *have;

		if (strncmp(v, key, len) != 0 || v[len] != '=')
			continue;
		given = true;
		v += len + 1;
		if (strcmp(key, "name") == 0)
			any |= strstr(json_string_value(json_object_get(vol, "Name")), v) != NULL;
		else if (strcmp(key, "driver") == 0)
			any |= strcmp(json_string_value(json_object_get(vol, "Driver")), v) == 0;
		else if (strcmp(key, "dangling") == 0)
			any |= dangling == (strcmp(v, "true") == 0 || strcmp(v, "1") == 0);
		else {
			eq = strchr(v, '=');
			have = eq ? json_object_getn(labels, v, (size_t)(eq - v))
			          : json_object_get(labels, v);
			any |= have != NULL &&
			       (eq == NULL || strcmp(json_string_value(have) ?: "", eq + 1) == 0);
		}
	}
	return !given || any;
}

/* "k=v,k2=v2", as Docker's volume formatter prints Labels. */
static void labels_text(json_t *labels, char *buf, size_t size)
{
	const char *key;
	json_t *value;
	size_t used = 0;

	buf[0] = '\0';
	json_object_foreach(labels, key, value)
	{
		if (used < size)
			used += (size_t)snprintf(buf + used, size - used, "%s%s=%s",
			                         used ? "," : "", key, json_string_value(value));
	}
}

static int ls_row(struct mc_listing *out, const struct ls_flags *f, json_t *vol,
                  struct mc_error *err)
{
	json_t *users = mc_volume_users(json_string_value(json_object_get(vol, "Name")));
	bool dangling = json_array_size(users) == 0;
	char labels[4096];
	json_t *row;
	int rc;

	json_decref(users);
	/* Every key given must match (labels: every one of them), as moby's filters. */
	if (!key_matches(f, "name", vol, dangling) || !key_matches(f, "driver", vol, dangling) ||
	    !key_matches(f, "dangling", vol, dangling))
		return 0;
	for (size_t i = 0; i < f->filters.n; i++)
		if (strncmp(f->filters.items[i], "label=", 6) == 0) {
			struct ls_flags one = {false, NULL, {{f->filters.items[i]}, 1}};

			if (!key_matches(&one, "label", vol, dangling))
				return 0;
		}
	if (f->quiet) {
		printf("%s\n", json_string_value(json_object_get(vol, "Name")));
		return 0;
	}
	labels_text(json_object_get(vol, "Labels"), labels, sizeof(labels));
	row = json_pack("{s:s, s:O, s:O, s:O, s:s, s:s, s:s, s:O, s:s, s:s, s:s}", "Availability",
	                "N/A", "CreatedAt", json_object_get(vol, "CreatedAt"), "Driver",
	                json_object_get(vol, "Driver"), "Mountpoint",
	                json_object_get(vol, "Mountpoint"), "Group", "N/A", "Labels", labels,
	                "Links", "N/A", "Name", json_object_get(vol, "Name"), "Scope", "local",
	                "Size", "N/A", "Status", "N/A");
	rc = mc_listing_row(out, row, err);
	json_decref(row);
	return rc;
}

int verb_volume_ls(int argc, char **argv)
{
	struct ls_flags f = {false, NULL, {{NULL}, 0}};
	struct mc_listing *out = NULL;
	struct mc_error err;
	char **names = NULL;
	size_t n = 0;
	int rc, first;

	if ((rc = mc_parse_verb(&mc_cmd_volume_ls, &f, argc, argv, &first)) >= 0)
		return rc;
	if (check_dangling(&f, &err) < 0 || mc_volume_names(&names, &n, &err) < 0)
		return mc_report(&err);
	if (!f.quiet &&
	    mc_listing_open(&out, f.format, "table {{.Driver}}\t{{.Name}}", ls_headers, &err) < 0) {
		mc_strv_free(names, n);
		return mc_report(&err);
	}
	rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		json_t *vol = mc_volume_load(names[i], &err);

		if (vol != NULL)
			rc = ls_row(out, &f, vol, &err);
		json_decref(vol);
	}
	if (out != NULL)
		mc_listing_close(out);
	mc_strv_free(names, n);
	return rc < 0 ? mc_report(&err) : 0;
}

/* ---- inspect, rm ------------------------------------------------------------------------------ */

struct inspect_flags {
	const char *format;
};

static const struct mc_option inspect_options[] = {
    {"format", 'f', "string", MC_FORMAT_HELP, mc_opt_string,
     offsetof(struct inspect_flags, format)},
    {NULL, 0, NULL, NULL, NULL, 0},
};

const struct mc_command mc_cmd_volume_inspect = {
    .name = "inspect",
    .usage = "[OPTIONS] VOLUME [VOLUME...]",
    .summary = "Display detailed information on one or more volumes",
    .options = inspect_options,
    .min_args = 1,
    .max_args = -1,
};

int verb_volume_inspect(int argc, char **argv)
{
	struct inspect_flags f = {NULL};
	json_t *all = json_array();
	int rc, first, status = 0;

	if ((rc = mc_parse_verb(&mc_cmd_volume_inspect, &f, argc, argv, &first)) >= 0) {
		json_decref(all);
		return rc;
	}
	for (int i = first; i < argc; i++) {
		struct mc_error err;
		json_t *vol = mc_volume_load(argv[i], &err);

		if (vol == NULL || mc_inspect_one(all, vol, f.format, &err) < 0)
			status = mc_report(&err);
	}
	mc_inspect_print(all, f.format);
	return status;
}

struct rm_flags {
	bool force;
};

static const struct mc_option rm_options[] = {
    {"force", 'f', NULL, "Force the removal of one or more volumes", mc_opt_true,
     offsetof(struct rm_flags, force)},
    {NULL, 0, NULL, NULL, NULL, 0},
};

const struct mc_command mc_cmd_volume_rm = {
    .name = "rm",
    .usage = "[OPTIONS] VOLUME [VOLUME...]",
    .summary = "Remove one or more volumes",
    .options = rm_options,
    .min_args = 1,
    .max_args = -1,
};

/*
 * Each name in turn: one that cannot go is reported and the others still
 * go; the status is then 1, as docker/cli's volume rm returns it.  -f
 * forgives a missing volume only - one in use stays, even forced.
 */
int verb_volume_rm(int argc, char **argv)
{
	struct rm_flags f = {false};
	int rc, first, status = 0;

	if ((rc = mc_parse_verb(&mc_cmd_volume_rm, &f, argc, argv, &first)) >= 0)
		return rc;
	for (int i = first; i < argc; i++) {
		struct mc_error err;
		json_t *vol = mc_volume_load(argv[i], &err);

		if (vol == NULL && f.force)
			continue;
		json_decref(vol);
		if (vol == NULL || mc_volume_remove(argv[i], &err) < 0) {
			mc_report(&err);
			status = 1;
			continue;
		}
		printf("%s\n", argv[i]);
	}
	return status;
}
