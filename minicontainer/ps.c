/* ps.c - `minicontainer ps` (`container ls`): the containers, as Docker lists them. */
#define _GNU_SOURCE
#include <regex.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bld_dockerfile.h"
#include "bld_text.h"
#include "mc_container.h"
#include "mc.h"
#include "mc_net.h"

/* "Up 5 seconds", "Exited (0) 2 minutes ago", "Restarting (1) 3 seconds ago", "Created". */
void mc_status_text(const struct mc_container *c, char *buf, size_t size)
{
	json_t *state = json_object_get(c->doc, "State");
	const char *status = mc_state_status(c);
	char ago[64];

	if (strcmp(status, "running") == 0 || strcmp(status, "paused") == 0) {
		mc_human_ago(
		    mc_parse_rfc3339(json_string_value(json_object_get(state, "StartedAt"))),
		    time(NULL), ago, sizeof(ago));
		/* Docker says "Up 5 seconds": the same words without "ago". */
		if (strlen(ago) > 4 && strcmp(ago + strlen(ago) - 4, " ago") == 0)
			ago[strlen(ago) - 4] = '\0';
		snprintf(buf, size, "Up %s%s", ago,
		         json_is_true(json_object_get(state, "Paused")) ? " (Paused)" : "");
	} else if (strcmp(status, "restarting") == 0 || strcmp(status, "exited") == 0) {
		mc_human_ago(
		    mc_parse_rfc3339(json_string_value(json_object_get(state, "FinishedAt"))),
		    time(NULL), ago, sizeof(ago));
		snprintf(buf, size, "%s (%lld) %s", status[0] == 'r' ? "Restarting" : "Exited",
		         (long long)json_integer_value(json_object_get(state, "ExitCode")), ago);
	} else {
		snprintf(buf, size, "%c%s", status[0] - 'a' + 'A', status + 1);
	}
}

/* "\"/bin/sh -c 'echo…\"": the command line (an argument with a space in single quotes, as
 * moby lists it), cut to 20 characters with an ellipsis (docker/cli's Ellipsis), quoted. */
static void command_text(const struct mc_container *c, bool no_trunc, char *buf, size_t size)
{
	struct bld_buf quoted = {0};
	char line[1024];
	size_t used, chars = 0;
	json_t *arg;
	size_t i;

	used = (size_t)snprintf(line, sizeof(line), "%s",
	                        json_string_value(json_object_get(c->doc, "Path")) ?: "");
	json_array_foreach(json_object_get(c->doc, "Args"), i, arg)
	{
		const char *a = json_string_value(arg) ?: "";
		const char *q = strchr(a, ' ') != NULL ? "'" : "";

		if (used < sizeof(line))
			used +=
			    (size_t)snprintf(line + used, sizeof(line) - used, " %s%s%s", q, a, q);
	}
	/* Count characters, not bytes: cut after the 19th when there are more than 20. */
	for (i = 0; line[i] != '\0'; i++)
		if (((unsigned char)line[i] & 0xc0) != 0x80)
			chars++;
	if (!no_trunc && chars > 20) {
		for (i = 0, chars = 0; line[i] != '\0'; i++)
			if (((unsigned char)line[i] & 0xc0) != 0x80 && ++chars == 20)
				break;
		snprintf(line + i, sizeof(line) - i, "…");
	}
	/* Go's strconv.Quote, as docker/cli prints it: chapter 06 has it for BuildKit's dump. */
	bld_quote_go(&quoted, line);
	snprintf(buf, size, "%s", quoted.failed ? "\"\"" : bld_buf_str(&quoted));
	bld_buf_free(&quoted);
}

/* ---- filters ---------------------------------------------------------------------------- */

/*
 * Docker's --filter: KEY=VALUE, as often as wanted; values of one key
 * widen (any may match), different keys narrow (all must).
 */
static const char *const filter_keys[] = {"id",     "name",     "label",  "status",
                                          "exited", "ancestor", "before", "since",
                                          "volume", "network",  NULL};

struct filters {
	struct mc_list by[10]; /* values, per key, in filter_keys' order */
};

static int key_index(const char *key, size_t len)
{
	for (int k = 0; filter_keys[k] != NULL; k++)
		if (strlen(filter_keys[k]) == len && strncmp(filter_keys[k], key, len) == 0)
			return k;
	return -1;
}

enum {
	F_ID,
	F_NAME,
	F_LABEL,
	F_STATUS,
	F_EXITED,
	F_ANCESTOR,
	F_BEFORE,
	F_SINCE,
	F_VOLUME,
	F_NETWORK
};

static int add_filter(void *field, const char *text, struct mc_error *err)
{
	struct filters *f = field;
	const char *eq = strchr(text, '=');
	int k;

	if (eq == NULL)
		return mc_fail(err, 0, "bad format of filter (expected name=value)");
	k = key_index(text, (size_t)(eq - text));
	if (k < 0)
		return mc_fail(err, 0, "invalid filter '%.*s'", (int)(eq - text), text);
	return mc_opt_list(&f->by[k], eq + 1, err);
}

/* Go's regexp.MatchString, near enough: an extended POSIX regex, anywhere in the text. */
static bool regex_match(const char *pattern, const char *text)
{
	regex_t re;
	bool hit;

	if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) != 0)
		return false;
	hit = regexec(&re, text, 0, NULL, 0) == 0;
	regfree(&re);
	return hit;
}

/* label=KEY or label=KEY=VALUE against the container's labels. */
static bool label_match(const char *want, json_t *labels)
{
	const char *eq = strchr(want, '=');
	json_t *have;

	if (eq == NULL)
		return json_object_get(labels, want) != NULL;
	have = json_object_getn(labels, want, (size_t)(eq - want));
	return json_is_string(have) && strcmp(json_string_value(have), eq + 1) == 0;
}

/* Anything in `list` (names of mounts, networks) that is `want`? */
static bool any_is(const char *const *list, size_t n, const char *want)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], want) == 0)
			return true;
	return false;
}

struct ps_opts {
	bool all, quiet, no_trunc, size, latest;
	int last;
	const char *format;
	struct filters filters;
};

static const struct mc_option ps_options[] = {
    {"all", 'a', NULL, "Show all containers (default shows just running)", mc_opt_true,
     offsetof(struct ps_opts, all)},
    {"filter", 'f', "filter", "Filter output based on conditions provided", add_filter,
     offsetof(struct ps_opts, filters)},
    {"format", 0, "string", MC_FORMAT_HELP, mc_opt_string, offsetof(struct ps_opts, format)},
    {"last", 'n', "int", "Show n last created containers (includes all states)", mc_opt_int,
     offsetof(struct ps_opts, last)},
    {"latest", 'l', NULL, "Show the latest created container (includes all states)", mc_opt_true,
     offsetof(struct ps_opts, latest)},
    {"no-trunc", 0, NULL, "Don't truncate output", mc_opt_true, offsetof(struct ps_opts, no_trunc)},
    {"quiet", 'q', NULL, "Only display container IDs", mc_opt_true,
     offsetof(struct ps_opts, quiet)},
    {"size", 's', NULL, "Display total file sizes", mc_opt_true, offsetof(struct ps_opts, size)},
    {NULL, 0, NULL, NULL, NULL, 0},
};

const struct mc_command mc_cmd_ps = {
    .name = "ps",
    .usage = "[OPTIONS]",
    .summary = "List containers",
    .options = ps_options,
    .min_args = 0,
    .max_args = 0,
};

static const struct mc_field_header ps_headers[] = {
    {"ID", "CONTAINER ID"},
    {"Image", "IMAGE"},
    {"Command", "COMMAND"},
    {"CreatedAt", "CREATED AT"},
    {"RunningFor", "CREATED"},
    {"Ports", "PORTS"},
    {"State", "STATE"},
    {"Status", "STATUS"},
    {"Size", "SIZE"},
    {"Names", "NAMES"},
    {"Labels", "LABELS"},
    {"Mounts", "MOUNTS"},
    {"Networks", "NETWORKS"},
    {"LocalVolumes", "LOCAL VOLUMES"},
    {NULL, NULL},
};

static const char default_format[] =
    "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}";
static const char sized_format[] = /* -s: the SIZE column too, as Docker's */
    "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}"
    "\t{{.Size}}";

/* The names of a container's mounts (a volume's name, or the source) and of its networks. */
static size_t mount_names(const struct mc_container *c, const char **out, size_t max)
{
	json_t *mounts = json_object_get(json_object_get(c->doc, "HostConfig"), "Mounts"), *m;
	size_t i, n = 0;

	json_array_foreach(mounts, i, m)
	{
		const char *name = json_string_value(json_object_get(m, "Name"));

		if (name == NULL || name[0] == '\0')
			name = json_string_value(json_object_get(m, "Source"));
		if (name != NULL && n < max)
			out[n++] = name;
	}
	return n;
}

static size_t mount_targets(const struct mc_container *c, const char **out, size_t max)
{
	json_t *mounts = json_object_get(json_object_get(c->doc, "HostConfig"), "Mounts"), *m;
	size_t i, n = 0;

	json_array_foreach(mounts, i, m)
	{
		/* (Docker's record says Destination; its API's HostConfig.Mounts, Target) */
		const char *target = json_string_value(json_object_get(m, "Destination"))
		                         ?: json_string_value(json_object_get(m, "Target"));

		if (target != NULL && n < max)
			out[n++] = target;
	}
	return n;
}

/* The networks a container is on (chapter 05's record of it), or its mode: "host", "none". */
static size_t network_names(const struct mc_container *c, char names[][128], size_t max)
{
	json_t *settings = mc_net_settings(c), *networks, *v;
	const char *name, *mode;
	size_t n = 0;

	networks = json_object_get(settings, "Networks");
	json_object_foreach(networks, name, v)
	{
		if (n < max)
			snprintf(names[n++], 128, "%s", name);
	}
	json_decref(settings);
	if (n == 0 && max > 0 &&
	    (mode = json_string_value(
	         json_object_get(json_object_get(c->doc, "HostConfig"), "NetworkMode"))) != NULL)
		snprintf(names[n++], 128, "%s", mode);
	return n;
}

/* ", "-joined (`sep`), each cut to `cut` characters with "…" (0: not cut). */
static void join(const char *const *items, size_t n, const char *sep, size_t cut, char *buf,
                 size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && used < size; i++) {
		if (cut > 0 && strlen(items[i]) > cut)
			used += (size_t)snprintf(buf + used, size - used, "%s%.*s…", i ? sep : "",
			                         (int)cut - 1, items[i]);
		else
			used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? sep : "",
			                         items[i]);
	}
}

/* Docker's "k=v,k2=v2", in key order. */
static void labels_text(json_t *labels, char *buf, size_t size)
{
	const char *keys[256], *key;
	char items[256][512];
	const char *ptrs[256];
	size_t n = 0;
	json_t *v;

	json_object_foreach(labels, key, v)
	{
		if (n < 256)
			keys[n++] = key;
	}
	qsort(keys, n, sizeof(keys[0]), mc_strcmp_ptr);
	for (size_t i = 0; i < n; i++) {
		snprintf(items[i], sizeof(items[i]), "%s=%s", keys[i],
		         json_string_value(json_object_get(labels, keys[i])) ?: "");
		ptrs[i] = items[i];
	}
	join(ptrs, n, ",", 0, buf, size);
}

static bool wanted(const struct mc_container *c, const struct filters *f, const char *image_ids[],
                   size_t nimage)
{
	const struct mc_list *by = f->by;
	const char *status = mc_state_status(c), *names[64];
	json_t *labels = json_object_get(json_object_get(c->doc, "Config"), "Labels");
	char name[300];
	bool ok;
	size_t n;

	snprintf(name, sizeof(name), "/%s", mc_container_name(c));
	if (by[F_NAME].n) {
		ok = false;
		for (size_t i = 0; i < by[F_NAME].n; i++)
			ok |= regex_match(by[F_NAME].items[i], name);
		if (!ok)
			return false;
	}
	if (by[F_ID].n) {
		ok = false;
		for (size_t i = 0; i < by[F_ID].n; i++)
			ok |= regex_match(by[F_ID].items[i], c->id);
		if (!ok)
			return false;
	}
	for (size_t i = 0; i < by[F_LABEL].n; i++) /* every label given must be there */
		if (!label_match(by[F_LABEL].items[i], labels))
			return false;
	if (by[F_STATUS].n) {
		ok = false;
		for (size_t i = 0; i < by[F_STATUS].n; i++)
			ok |= strcmp(by[F_STATUS].items[i], status) == 0;
		if (!ok)
			return false;
	}
	if (by[F_EXITED].n) {
		long long code = json_integer_value(
		    json_object_get(json_object_get(c->doc, "State"), "ExitCode"));

		ok = false;
		for (size_t i = 0; i < by[F_EXITED].n; i++)
			ok |= strcmp(status, "exited") == 0 && atoll(by[F_EXITED].items[i]) == code;
		if (!ok)
			return false;
	}
	if (by[F_ANCESTOR].n) {
		const char *image = json_string_value(json_object_get(c->doc, "Image")) ?: "";

		ok = false;
		for (size_t i = 0; i < nimage; i++)
			ok |= strcmp(image_ids[i], image) == 0;
		if (!ok)
			return false;
	}
	if (by[F_VOLUME].n) {
		const char *targets[64];
		size_t nt = mount_targets(c, targets, 64);

		n = mount_names(c, names, 64);
		ok = false;
		for (size_t i = 0; i < by[F_VOLUME].n; i++)
			ok |= any_is(names, n, by[F_VOLUME].items[i]) ||
			      any_is(targets, nt, by[F_VOLUME].items[i]);
		if (!ok)
			return false;
	}
	if (by[F_NETWORK].n) {
		char nets[16][128];
		const char *ptrs[16];

		n = network_names(c, nets, 16);
		for (size_t i = 0; i < n; i++)
			ptrs[i] = nets[i];
		ok = false;
		for (size_t i = 0; i < by[F_NETWORK].n; i++)
			ok |= any_is(ptrs, n, by[F_NETWORK].items[i]);
		if (!ok)
			return false;
	}
	return true;
}

/* Docker's row for a container: what {{.ID}}, {{.Names}} ... name. */
static json_t *row_of(struct mc_container *c, const struct ps_opts *o, struct img_store *st)
{
	json_t *config = json_object_get(c->doc, "Config"), *row;
	char id[65], command[1100], created[64], running_for[64], status[128], size[96],
	    labels[4096], mounts[2048], networks[512], volumes[16], ports[1024];
	const char *names[64];
	time_t when = mc_parse_rfc3339(json_string_value(json_object_get(c->doc, "Created")));
	size_t n, nlocal = 0;
	json_t *m;

	snprintf(id, sizeof(id), "%.*s", o->no_trunc ? 64 : 12, c->id);
	command_text(c, o->no_trunc, command, sizeof(command));
	mc_go_time(when, created, sizeof(created));
	mc_human_ago(when, time(NULL), running_for, sizeof(running_for));
	mc_status_text(c, status, sizeof(status));
	labels_text(json_object_get(config, "Labels"), labels, sizeof(labels));
	n = mount_names(c, names, 64);
	join(names, n, ",", o->no_trunc ? 0 : 15, mounts, sizeof(mounts));
	json_array_foreach(json_object_get(json_object_get(c->doc, "HostConfig"), "Mounts"), n, m)
	{
		nlocal += json_string_value(json_object_get(m, "Type")) != NULL &&
		          strcmp(json_string_value(json_object_get(m, "Type")), "volume") == 0;
	}
	snprintf(volumes, sizeof(volumes), "%zu", nlocal);
	{
		char nets[16][128];
		const char *ptrs[16];

		n = network_names(c, nets, 16);
		for (size_t i = 0; i < n; i++)
			ptrs[i] = nets[i];
		join(ptrs, n, ",", 0, networks, sizeof(networks));
	}
	size[0] = '\0';
	if (o->size) {
		/* The writable layer, and with the image under it ("virtual"). */
		char upper[600], rw[32], virt[32];
		uint64_t image_size = 0;
		struct img_image img;
		struct mc_error ignored;
		uint64_t bytes;

		snprintf(upper, sizeof(upper), "%s/upper", c->dir);
		bytes = mc_dir_size(upper);
		if (st != NULL &&
		    img_store_find(
		        st, json_string_value(json_object_get(c->doc, "ImageManifest")) ?: "", &img,
		        &ignored) == 0) {
			image_size = mc_image_size(st, &img);
			img_image_free(&img);
		}
		snprintf(size, sizeof(size), "%s (virtual %s)",
		         mc_human_size(bytes, rw, sizeof(rw)),
		         mc_human_size(bytes + image_size, virt, sizeof(virt)));
	}
	mc_net_ports(c, ports, sizeof(ports));
	row = json_pack(
	    "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "ID", id,
	    "Image", json_string_value(json_object_get(config, "Image")) ?: "", "Command", command,
	    "CreatedAt", created, "RunningFor", running_for, "Ports", ports, "State",
	    mc_state_status(c), "Status", status, "Size", size, "Names", mc_container_name(c),
	    "Labels", labels, "Mounts", mounts, "Networks", networks, "LocalVolumes", volumes);
	return row;
}

json_t *mc_container_row(struct mc_container *c)
{
	struct ps_opts o = {.last = -1};

	return row_of(c, &o, NULL);
}

/* The images an ancestor= filter names (config digests); an unknown one matches nothing. */
static size_t ancestors(const struct mc_list *wanted_images, struct img_store *st, char ids[][80],
                        size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < wanted_images->n && n < max; i++) {
		struct img_image img;
		struct mc_error ignored;

		if (img_store_find(st, wanted_images->items[i], &img, &ignored) == 0) {
			snprintf(ids[n++], 80, "%s", img.config_digest);
			img_image_free(&img);
		}
	}
	return n;
}

/* Index of the container named by a before=/since= filter, in the newest-first list. */
static int position_of(const char *what, struct mc_container *list, size_t n, size_t *at)
{
	struct mc_container c;
	struct mc_error err;

	if (mc_container_load(what, &c, &err) < 0)
		return mc_report(&err);
	for (*at = 0; *at < n && strcmp(list[*at].id, c.id) != 0; (*at)++)
		;
	mc_container_free(&c);
	return 0;
}

int verb_ps(int argc, char **argv)
{
	struct ps_opts o = {.last = -1};
	struct mc_container *list = NULL;
	struct mc_listing *out = NULL;
	struct img_store st, *store = NULL;
	char image_ids[64][80];
	const char *image_ptrs[64];
	size_t n = 0, nimage = 0, from = 0, to, shown = 0;
	struct mc_error err;
	int rc, first;

	if ((rc = mc_parse_verb(&mc_cmd_ps, &o, argc, argv, &first)) >= 0)
		return rc;
	for (size_t i = 0; i < o.filters.by[F_STATUS].n; i++) {
		static const char *const states[] = {"created", "restarting", "running", "removing",
		                                     "paused",  "exited",     "dead",    NULL};
		bool known = false;

		for (int s = 0; states[s] != NULL; s++)
			known |= strcmp(states[s], o.filters.by[F_STATUS].items[i]) == 0;
		if (!known)
			return mc_usage_error(mc_current_path, "invalid filter 'status=%s'",
			                      o.filters.by[F_STATUS].items[i]);
	}
	for (size_t i = 0; i < o.filters.by[F_EXITED].n; i++) {
		const char *v = o.filters.by[F_EXITED].items[i];

		if (v[strspn(v, "-0123456789")] != '\0' || v[0] == '\0')
			return mc_usage_error(mc_current_path, "invalid filter 'exited=%s'", v);
	}
	if (o.latest)
		o.last = 1;
	/* As Docker: a status filter, -n, before= and since= all look past the running ones. */
	if (o.filters.by[F_STATUS].n || o.last > 0 || o.filters.by[F_BEFORE].n ||
	    o.filters.by[F_SINCE].n)
		o.all = true;
	if (o.size || o.filters.by[F_ANCESTOR].n) {
		if (mc_open_store(&st, &err) < 0)
			return mc_report(&err);
		store = &st;
		nimage = ancestors(&o.filters.by[F_ANCESTOR], store, image_ids, 64);
		for (size_t i = 0; i < nimage; i++)
			image_ptrs[i] = image_ids[i];
	}
	rc = 0;
	if (mc_container_list(&list, &n, &err) < 0 ||
	    (!o.quiet && mc_listing_open(&out, o.format, o.size ? sized_format : default_format,
	                                 ps_headers, &err) < 0)) {
		rc = mc_report(&err);
		goto out;
	}
	to = n;
	/* before=X: only those created before X; since=X: only those after (the list is newest first). */
	for (size_t i = 0; i < o.filters.by[F_BEFORE].n && rc == 0; i++)
		if ((rc = position_of(o.filters.by[F_BEFORE].items[i], list, n, &from)) == 0)
			from++;
	for (size_t i = 0; i < o.filters.by[F_SINCE].n && rc == 0; i++)
		rc = position_of(o.filters.by[F_SINCE].items[i], list, n, &to);
	for (size_t i = from; i < to && rc == 0; i++) {
		json_t *row;

		if (o.last > 0 && shown == (size_t)o.last)
			break;
		mc_container_refresh(&list[i]);
		if (!o.all && !mc_container_running(&list[i]) &&
		    strcmp(mc_state_status(&list[i]), "restarting") != 0)
			continue;
		if (!wanted(&list[i], &o.filters, image_ptrs, nimage))
			continue;
		shown++;
		if (o.quiet) {
			printf("%.*s\n", o.no_trunc ? 64 : 12, list[i].id);
			continue;
		}
		row = row_of(&list[i], &o, store);
		if (mc_listing_row(out, row, &err) < 0)
			rc = mc_report(&err);
		json_decref(row);
	}
out:
	mc_listing_close(out);
	for (size_t i = 0; i < n; i++)
		mc_container_free(&list[i]);
	free(list);
	if (store != NULL)
		img_store_close(store);
	return rc;
}
