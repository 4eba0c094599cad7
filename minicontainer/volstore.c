/*
 * volstore.c - the volumes under $MC_ROOT/volumes (see mc_volume.h), kept
 * as moby's local driver keeps them: one directory per volume, its files
 * in _data, its description next to it.
 *
 * A volume is made in a hidden directory (".new-XXXXXX") and renamed into
 * place in one step, so that a crash or an error never leaves half of one;
 * rename(2) also settles two creators racing for one name.  A removed one
 * is first renamed away (".rm-NAME"), then deleted: it disappears at once.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mc.h"
#include "mc_container.h"
#include "mc_events.h"
#include "mc_file.h"
#include "mc_trace.h"
#include "mc_volume.h"

bool mc_volume_valid_name(const char *name)
{
	size_t n = strlen(name);

	if (n < 2 || !((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= 'A' && name[0] <= 'Z') ||
	               (name[0] >= '0' && name[0] <= '9')))
		return false;
	return strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") ==
	       n;
}

static int volumes_dir(char *buf, size_t size, struct mc_error *err)
{
	if (mc_path_join(buf, size, mc_root_dir(), "volumes", err) < 0)
		return -1;
	return mc_mkdir_p(buf, 0701, err);
}

int mc_volume_check_name(const char *name, struct mc_error *err)
{
	if (!mc_volume_valid_name(name))
		return mc_fail(
		    err, 0,
		    "create %s: \"%s\" includes invalid characters for a local volume "
		    "name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended "
		    "to pass a host directory, use absolute path",
		    name, name);
	return 0;
}

static int volume_dir(const char *name, char *buf, size_t size, struct mc_error *err)
{
	char dir[PATH_MAX];

	if (mc_volume_check_name(name, err) < 0 || volumes_dir(dir, sizeof(dir), err) < 0)
		return -1;
	return mc_path_join(buf, size, dir, name, err);
}

int mc_volume_data_path(const char *name, char *buf, size_t size, struct mc_error *err)
{
	char dir[PATH_MAX];

	if (volume_dir(name, dir, sizeof(dir), err) < 0)
		return -1;
	return mc_path_join(buf, size, dir, "_data", err);
}

/* The new volume, whole, in a hidden directory of `dir`: _data and volume.json. */
static int make_hidden(const char *dir, json_t *labels, json_t *options, char *tmp, size_t size,
                       struct mc_error *err)
{
	char path[PATH_MAX], created[64];
	json_t *meta = NULL;
	int rc = -1;

	if (mc_path_join(tmp, size, dir, ".new-XXXXXX", err) < 0)
		return -1;
	if (mkdtemp(tmp) == NULL)
		return mc_fail(err, errno, "create a volume in %s", dir);
	if (chmod(tmp, 0701) < 0 || mc_path_join(path, sizeof(path), tmp, "_data", err) < 0 ||
	    mkdir(path, 0755) < 0) {
		mc_fail(err, errno, "create %s", path);
		goto out;
	}
	mc_rfc3339_now(created, sizeof(created));
	/* Docker shows the time to the second: "2026-12-02T03:00:00Z". */
	snprintf(created + 19, sizeof(created) - 19, "Z");
	meta = json_pack("{s:s, s:s, s:O, s:O}", "CreatedAt", created, "Driver", "local", "Labels",
	                 labels ? labels : json_null(), "Options", options ? options : json_null());
	if (mc_path_join(path, sizeof(path), tmp, "volume.json", err) < 0)
		goto out;
	if (json_dump_file(meta, path, JSON_INDENT(2)) < 0) {
		mc_fail(err, EIO, "write %s", path);
		goto out;
	}
	rc = 0;
out:
	json_decref(meta);
	if (rc < 0) {
		struct mc_error ignored;

		mc_remove_tree(tmp, &ignored);
	}
	return rc;
}

int mc_volume_create(const char *name, json_t *labels, json_t *options, char *out, bool *existed,
                     struct mc_error *err)
{
	char dir[PATH_MAX], tmp[PATH_MAX], final[PATH_MAX], chosen[MC_VOLUME_NAME_MAX + 1];
	struct mc_error ignored;

	*existed = false;
	if (name == NULL)
		mc_new_id(chosen);
	else
		snprintf(chosen, sizeof(chosen), "%s", name);
	/* (a directory's name: at most NAME_MAX bytes) */
	if (name != NULL && strlen(name) > MC_VOLUME_NAME_MAX)
		return mc_fail(err, ENAMETOOLONG, "create %.64s...: name too long", name);
	if (volume_dir(chosen, final, sizeof(final), err) < 0 ||
	    volumes_dir(dir, sizeof(dir), err) < 0)
		return -1;
	snprintf(out, MC_VOLUME_NAME_MAX + 1, "%s", chosen);
	if (access(final, F_OK) == 0) {
		*existed = true;
		return 0;
	}
	if (make_hidden(dir, labels, options, tmp, sizeof(tmp), err) < 0)
		return -1;
	mc_trace("capstone", "volume %s: made in %s, renamed to %s (all or nothing)", chosen, tmp,
	         final);
	if (rename(tmp, final) == 0) {
		mc_event_volume("create", chosen);
		return 0;
	}
	/* Someone made it meanwhile: theirs is the volume. */
	mc_remove_tree(tmp, &ignored);
	if (errno == EEXIST || errno == ENOTEMPTY) {
		*existed = true;
		return 0;
	}
	return mc_fail(err, errno, "create volume %s", chosen);
}

json_t *mc_volume_load(const char *name, struct mc_error *err)
{
	char dir[PATH_MAX], path[PATH_MAX];
	json_t *meta, *v;

	if (!mc_volume_valid_name(name) || volume_dir(name, dir, sizeof(dir), err) < 0 ||
	    access(dir, F_OK) < 0) {
		mc_fail(err, 0, "get %s: no such volume", name);
		return NULL;
	}
	if (mc_path_join(path, sizeof(path), dir, "volume.json", err) < 0)
		return NULL;
	meta = json_load_file(path, 0, NULL);
	if (meta == NULL) {
		mc_fail(err, EIO, "volume %s: cannot read %s", name, path);
		return NULL;
	}
	if (mc_path_join(path, sizeof(path), dir, "_data", err) < 0) {
		json_decref(meta);
		return NULL;
	}
	/* Docker's fields, in its order (its JSON is sorted by name). */
	v = json_pack("{s:O, s:O, s:O, s:s, s:s, s:O, s:s}", "CreatedAt",
	              json_object_get(meta, "CreatedAt"), "Driver", json_object_get(meta, "Driver"),
	              "Labels", json_object_get(meta, "Labels") ?: json_null(), "Mountpoint", path,
	              "Name", name, "Options", json_object_get(meta, "Options") ?: json_null(),
	              "Scope", "local");
	json_decref(meta);
	if (v == NULL)
		mc_fail(err, EINVAL, "volume %s: a broken volume.json", name);
	return v;
}

int mc_volume_names(char ***names, size_t *n, struct mc_error *err)
{
	char dir[PATH_MAX];
	struct dirent *e;
	DIR *d;

	*names = NULL;
	*n = 0;
	if (volumes_dir(dir, sizeof(dir), err) < 0)
		return -1;
	d = opendir(dir);
	if (d == NULL)
		return mc_fail(err, errno, "open %s", dir);
	while ((e = readdir(d)) != NULL) {
		char **more;

		/* (hidden: ".new-" and ".rm-" ones are being made or removed) */
		if (!mc_volume_valid_name(e->d_name))
			continue;
		more = realloc(*names, (*n + 1) * sizeof(**names));
		if (more == NULL)
			break;
		*names = more;
		(*names)[(*n)++] = strdup(e->d_name);
	}
	closedir(d);
	if (*n > 0) /* (qsort of no list is undefined, even with a count of 0) */
		qsort(*names, *n, sizeof(**names), mc_strcmp_ptr);
	return 0;
}

/* Does the record mount the volume? */
static bool mounts_volume(json_t *doc, const char *name)
{
	json_t *m;
	size_t i;

	json_array_foreach(json_object_get(json_object_get(doc, "HostConfig"), "Mounts"), i, m)
	{
		if (strcmp(json_string_value(json_object_get(m, "Type")) ?: "", "volume") == 0 &&
		    strcmp(json_string_value(json_object_get(m, "Name")) ?: "", name) == 0)
			return true;
	}
	return false;
}

json_t *mc_volume_users(const char *name)
{
	struct mc_container *list = NULL;
	struct mc_error ignored;
	json_t *ids = json_array();
	size_t n = 0;

	if (mc_container_list(&list, &n, &ignored) < 0)
		return ids;
	for (size_t i = 0; i < n; i++) {
		if (mounts_volume(list[i].doc, name))
			json_array_append_new(ids, json_string(list[i].id));
		mc_container_free(&list[i]);
	}
	free(list);
	return ids;
}

int mc_volume_remove(const char *name, struct mc_error *err)
{
	char dir[PATH_MAX], gone[PATH_MAX], parent[PATH_MAX];
	json_t *users = NULL;
	int lock = -1, rc = -1;

	if (!mc_volume_valid_name(name) || volume_dir(name, dir, sizeof(dir), err) < 0 ||
	    access(dir, F_OK) < 0)
		return mc_fail(err, 0, "get %s: no such volume", name);
	/* Under the containers' lock: no container record can start to use it meanwhile. */
	if (mc_containers_lock(&lock, err) < 0)
		return -1;
	users = mc_volume_users(name);
	if (json_array_size(users) > 0) {
		char list[4096] = "";
		size_t used = 0, i;
		json_t *id;

		json_array_foreach(users, i, id) used +=
		    (size_t)snprintf(list + used, used < sizeof(list) ? sizeof(list) - used : 0,
		                     "%s%s", i ? ", " : "", json_string_value(id));
		mc_fail(err, 0, "remove %s: volume is in use - [%s]", name, list);
		goto out;
	}
	if (volumes_dir(parent, sizeof(parent), err) < 0)
		goto out;
	if ((size_t)snprintf(gone, sizeof(gone), "%s/.rm-%s", parent, name) >= sizeof(gone) ||
	    rename(dir, gone) < 0) {
		mc_fail(err, errno, "remove %s", name);
		goto out;
	}
	mc_containers_unlock(lock);
	lock = -1;
	mc_event_volume("destroy", name);
	rc = mc_remove_tree(gone, err);
out:
	json_decref(users);
	mc_containers_unlock(lock);
	return rc;
}

uint64_t mc_volume_size(const char *name)
{
	char path[PATH_MAX];
	struct mc_error ignored;

	if (mc_volume_data_path(name, path, sizeof(path), &ignored) < 0)
		return 0;
	return mc_dir_size(path);
}

/* ---- a container's volumes ------------------------------------------------------------------ */

static bool has_destination(json_t *mounts, const char *dest)
{
	json_t *m;
	size_t i;

	json_array_foreach(mounts, i, m)
	{
		if (strcmp(json_string_value(json_object_get(m, "Destination")) ?: "", dest) == 0)
			return true;
	}
	return false;
}

/* The image's VOLUME lines: an anonymous volume each, where the user mounted nothing. */
static void add_image_volumes(json_t *mounts, const char *image_config_json)
{
	json_t *image = json_loads(image_config_json ?: "{}", 0, NULL);
	json_t *vols = json_object_get(json_object_get(image, "config"), "Volumes"), *value;
	const char *dest;

	json_object_foreach(vols, dest, value)
	{
		if (dest[0] == '/' && !has_destination(mounts, dest))
			json_array_append_new(
			    mounts,
			    json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:s, s:b, s:b}", "Type",
			              "volume", "Name", "", "Source", "", "Destination", dest,
			              "Driver", "local", "Mode", "", "RW", true, "Propagation", "",
			              "Named", false, "CopyData", true));
	}
	json_decref(image);
}

/*
 * --volumes-from CONTAINER[:ro|:rw]: its mounts, volumes and binds alike,
 * where ours are not (moby's parseVolumesFrom); ro or rw replaces their mode.
 */
static int add_volumes_from(json_t *mounts, const char *spec, struct mc_error *err)
{
	char name[256];
	const char *colon = strchr(spec, ':'), *mode = colon ? colon + 1 : NULL;
	struct mc_container c;
	json_t *m;
	size_t i;

	if (mode != NULL && strcmp(mode, "ro") != 0 && strcmp(mode, "rw") != 0)
		return mc_fail(err, 0, "invalid mode for volumes-from: %s", mode);
	snprintf(name, sizeof(name), "%.*s", colon ? (int)(colon - spec) : (int)strlen(spec), spec);
	if (mc_container_load(name, &c, err) < 0)
		return -1;
	json_array_foreach(json_object_get(json_object_get(c.doc, "HostConfig"), "Mounts"), i, m)
	{
		json_t *copy;

		if (has_destination(mounts, json_string_value(json_object_get(m, "Destination"))))
			continue;
		copy = json_deep_copy(m);
		if (mode != NULL)
			json_object_set_new(copy, "RW", json_boolean(strcmp(mode, "rw") == 0));
		/* Theirs: our rm -v must not take it away, and it has its content already. */
		json_object_set_new(copy, "Named", json_true());
		json_object_set_new(copy, "CopyData", json_false());
		json_array_append_new(mounts, copy);
	}
	mc_container_free(&c);
	return 0;
}

/* Name an anonymous volume, create a missing one (its name into `made`), and point the
 * mount at its _data. */
static int ensure_volume(json_t *m, json_t *made, struct mc_error *err)
{
	const char *given = json_string_value(json_object_get(m, "Name")) ?: "";
	json_t *labels = given[0] ? NULL : json_pack("{s:s}", MC_VOLUME_ANONYMOUS, "");
	char name[MC_VOLUME_NAME_MAX + 1], data[PATH_MAX];
	bool existed;
	int rc;

	rc = mc_volume_create(given[0] ? given : NULL, labels, NULL, name, &existed, err);
	json_decref(labels);
	if (rc < 0 || mc_volume_data_path(name, data, sizeof(data), err) < 0)
		return -1;
	if (!existed)
		json_array_append_new(made, json_string(name));
	json_object_set_new(m, "Name", json_string(name));
	json_object_set_new(m, "Source", json_string(data));
	return 0;
}

void mc_volumes_undo(json_t *made)
{
	json_t *name;
	size_t i;

	json_array_foreach(made, i, name)
	{
		struct mc_error ignored;

		mc_volume_remove(json_string_value(name), &ignored);
	}
	json_decref(made);
}

int mc_volumes_for_container(json_t *doc, const char *image_config_json,
                             const struct mc_list *volumes_from, json_t **made,
                             struct mc_error *err)
{
	json_t *mounts = json_object_get(json_object_get(doc, "HostConfig"), "Mounts"), *m;
	json_t *volumes = json_object();
	size_t i;

	*made = json_array();

	for (size_t k = 0; volumes_from != NULL && k < volumes_from->n; k++)
		if (add_volumes_from(mounts, volumes_from->items[k], err) < 0) {
			json_decref(volumes);
			json_decref(*made);
			*made = NULL;
			return -1;
		}
	add_image_volumes(mounts, image_config_json);
	json_array_foreach(mounts, i, m)
	{
		if (strcmp(json_string_value(json_object_get(m, "Type")) ?: "", "volume") != 0)
			continue;
		/* Config.Volumes lists the anonymous ones, as docker inspect shows them. */
		if (json_is_false(json_object_get(m, "Named")))
			json_object_set_new(volumes,
			                    json_string_value(json_object_get(m, "Destination")),
			                    json_object());
		if (ensure_volume(m, *made, err) < 0) {
			json_decref(volumes);
			mc_volumes_undo(*made);
			*made = NULL;
			return -1;
		}
	}
	if (json_object_size(volumes) > 0)
		json_object_set(json_object_get(doc, "Config"), "Volumes", volumes);
	json_decref(volumes);
	return 0;
}

void mc_volumes_release(json_t *doc)
{
	json_t *m;
	size_t i;

	json_array_foreach(json_object_get(json_object_get(doc, "HostConfig"), "Mounts"), i, m)
	{
		struct mc_error ignored;

		/* (one another container still uses stays, as Docker keeps it) */
		if (strcmp(json_string_value(json_object_get(m, "Type")) ?: "", "volume") == 0 &&
		    json_is_false(json_object_get(m, "Named")))
			mc_volume_remove(json_string_value(json_object_get(m, "Name")) ?: "",
			                 &ignored);
	}
}
