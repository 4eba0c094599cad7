/* store.c - chapter 05: network records and the lock around them (see net_store.h). */
#define _GNU_SOURCE
#include "net_store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mc_file.h"
#include "mc_trace.h"

/* ---- the store and its lock ---------------------------------------------------------------- */

void net_random_id(char out[65])
{
	unsigned char r[32];

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		for (size_t i = 0; i < sizeof(r); i++)
			r[i] = (unsigned char)rand();
	for (size_t i = 0; i < sizeof(r); i++)
		snprintf(out + 2 * i, 3, "%02x", r[i]);
}

static void now_rfc3339(char *buf, size_t size)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int net_store_lock(struct net_store *st, struct mc_error *err)
{
	char path[PATH_MAX];

	if (mc_path_join(path, sizeof(path), st->dir, ".lock", err) < 0)
		return -1;
	st->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (st->lock_fd < 0)
		return mc_fail(err, errno, "open %s", path);
	while (flock(st->lock_fd, LOCK_EX) < 0)
		if (errno != EINTR) {
			mc_fail(err, errno, "lock %s", path);
			close(st->lock_fd);
			st->lock_fd = -1;
			return -1;
		}
	return 0;
}

void net_store_unlock(struct net_store *st)
{
	if (st->lock_fd >= 0)
		close(st->lock_fd); /* the flock goes with the descriptor */
	st->lock_fd = -1;
}

static int record_path(const struct net_store *st, const char *id, char *path, size_t size,
                       struct mc_error *err)
{
	char name[80];

	snprintf(name, sizeof(name), "%s.json", id);
	return mc_path_join(path, size, st->dir, name, err);
}

int net_network_save(struct net_store *st, const struct net_network *net, struct mc_error *err)
{
	char path[PATH_MAX], tmp[PATH_MAX];

	if (record_path(st, net->id, path, sizeof(path), err) < 0 ||
	    mc_path_join(tmp, sizeof(tmp), st->dir, ".network.json.tmp", err) < 0)
		return -1;
	/* Whole, then renamed: a reader (ps, inspect) sees the old record or the new one. */
	if (json_dump_file(net->doc, tmp, JSON_INDENT(4) | JSON_PRESERVE_ORDER) < 0)
		return mc_fail(err, errno, "write %s", tmp);
	if (rename(tmp, path) < 0)
		return mc_fail(err, errno, "rename %s", path);
	return 0;
}

/* ---- records -> structs -------------------------------------------------------------------- */

static const char *config_field(json_t *doc, const char *key)
{
	json_t *config = json_array_get(json_object_get(json_object_get(doc, "IPAM"), "Config"), 0);

	return json_string_value(json_object_get(config, key));
}

/* Fill in the struct from its record; false if the record is not one of ours. */
static bool from_record(json_t *doc, struct net_network *net)
{
	const char *bridge = json_string_value(
	    json_object_get(json_object_get(doc, "Options"), "com.docker.network.bridge.name"));
	const char *subnet = config_field(doc, "Subnet"), *gateway = config_field(doc, "Gateway");
	struct mc_error ignored;

	memset(net, 0, sizeof(*net));
	net->doc = doc;
	net->id = json_string_value(json_object_get(doc, "Id"));
	net->name = json_string_value(json_object_get(doc, "Name"));
	if (net->id == NULL || net->name == NULL || bridge == NULL || strlen(bridge) >= 16 ||
	    subnet == NULL || gateway == NULL ||
	    net_cidr_parse(subnet, &net->subnet, &ignored) < 0 ||
	    net_addr_parse(gateway, &net->gateway, &ignored) < 0)
		return false;
	snprintf(net->bridge, sizeof(net->bridge), "%s", bridge);
	net->internal = json_is_true(json_object_get(doc, "Internal"));
	net->is_default = strcmp(net->name, NET_DEFAULT_NAME) == 0;
	if (!json_is_object(json_object_get(doc, "Endpoints")))
		json_object_set_new(doc, "Endpoints", json_object());
	return true;
}

/* Docker's network object, as `docker network inspect` prints it. */
static json_t *new_record(const char *id, const char *name, const char *bridge,
                          const struct net_cidr *subnet, uint32_t gateway, bool internal)
{
	char created[64], net[NET_CIDR_STRLEN], gw[NET_ADDR_STRLEN];

	now_rfc3339(created, sizeof(created));
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:{s:s, s:{}, s:[{s:s, s:s}]}, s:b, s:b, "
	                 "s:b, s:{s:s}, s:b, s:{}, s:{s:s}, s:{}, s:{}}",
	                 "Name", name, "Id", id, "Created", created, "Scope", "local", "Driver",
	                 "bridge", "EnableIPv6", 0, "IPAM", "Driver", "default", "Options",
	                 "Config", "Subnet", net_cidr_str(subnet, net), "Gateway",
	                 net_addr_str(gateway, gw), "Internal", internal, "Attachable", 0,
	                 "Ingress", 0, "ConfigFrom", "Network", "", "ConfigOnly", 0, "Containers",
	                 "Options", "com.docker.network.bridge.name", bridge, "Labels",
	                 "Endpoints");
}

/* The default network's record, made once (the caller holds the lock). */
static int make_default(struct net_store *st, const char *subnet_text, struct mc_error *err)
{
	struct net_network net;
	struct net_cidr subnet;
	char id[65];
	int rc;

	if (net_cidr_parse(subnet_text ? subnet_text : NET_DEFAULT_SUBNET, &subnet, err) < 0)
		return mc_fail_context(err, "the default network's subnet");
	net_random_id(id);
	if (!from_record(new_record(id, NET_DEFAULT_NAME, NET_DEFAULT_BRIDGE, &subnet,
	                            subnet.addr + 1, false),
	                 &net))
		return mc_fail(err, ENOMEM, "default network record");
	rc = net_network_save(st, &net, err);
	json_decref(net.doc);
	return rc;
}

static int load_dir(struct net_store *st, struct net_network **list, size_t *count,
                    struct mc_error *err)
{
	struct net_network *nets = calloc(NET_MAX_NETWORKS, sizeof(*nets));
	struct dirent *e;
	size_t n = 0;
	DIR *d;

	*list = NULL;
	*count = 0;
	if (nets == NULL)
		return mc_fail(err, ENOMEM, "networks");
	d = opendir(st->dir);
	if (d == NULL) {
		free(nets);
		return mc_fail(err, errno, "open %s", st->dir);
	}
	while ((e = readdir(d)) != NULL && n < NET_MAX_NETWORKS) {
		char path[PATH_MAX];
		size_t len = strlen(e->d_name);
		json_t *doc;

		if (len != 64 + 5 || strcmp(e->d_name + 64, ".json") != 0 ||
		    mc_path_join(path, sizeof(path), st->dir, e->d_name, err) < 0)
			continue;
		doc = json_load_file(path, 0, NULL);
		if (doc != NULL && from_record(doc, &nets[n]))
			n++;
		else
			json_decref(doc);
	}
	closedir(d);
	*list = nets;
	*count = n;
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct net_network *)a)->name, ((const struct net_network *)b)->name);
}

int net_networks_load(struct net_store *st, struct net_network **list, size_t *count,
                      struct mc_error *err)
{
	if (load_dir(st, list, count, err) < 0)
		return -1;
	if (*count > 1) /* (no networks: no list, and qsort wants one) */
		qsort(*list, *count, sizeof(**list), by_name);
	return 0;
}

void net_networks_free(struct net_network *list, size_t count)
{
	for (size_t i = 0; list != NULL && i < count; i++)
		json_decref(list[i].doc);
	free(list);
}

int net_store_open(struct net_store *st, const char *root, const char *rundir,
                   const char *default_subnet, struct mc_error *err)
{
	struct net_network *list;
	bool have_default = false;
	size_t n;
	int rc = -1;

	memset(st, 0, sizeof(*st));
	st->lock_fd = -1;
	/* The capstone's defaults and environment, as chapter 04's store has them. */
	if (root == NULL)
		root = getenv("MC_ROOT") && getenv("MC_ROOT")[0] ? getenv("MC_ROOT")
		                                                 : "/var/lib/minicontainer";
	if (rundir == NULL)
		rundir = getenv("MC_RUNDIR") && getenv("MC_RUNDIR")[0] ? getenv("MC_RUNDIR")
		                                                       : "/run/minicontainer";
	if (default_subnet == NULL)
		default_subnet = getenv("MC_BRIDGE_SUBNET");
	if (mc_path_join(st->dir, sizeof(st->dir), root, "networks", err) < 0 ||
	    mc_path_join(st->rundir, sizeof(st->rundir), rundir, "networks", err) < 0 ||
	    mc_mkdir_p(st->dir, 0700, err) < 0 || mc_mkdir_p(st->rundir, 0700, err) < 0)
		return -1;
	if (net_store_lock(st, err) < 0)
		return -1;
	if (net_networks_load(st, &list, &n, err) < 0)
		goto out;
	for (size_t i = 0; i < n; i++)
		have_default |= list[i].is_default;
	net_networks_free(list, n);
	rc = have_default ? 0 : make_default(st, default_subnet, err);
out:
	net_store_unlock(st);
	return rc;
}

struct net_network *net_network_lookup(struct net_network *list, size_t count, const char *what,
                                       struct mc_error *err)
{
	struct net_network *found = NULL;
	size_t matches = 0, len = strlen(what);

	for (size_t i = 0; i < count; i++)
		if (strcmp(list[i].name, what) == 0 || strcmp(list[i].id, what) == 0)
			return &list[i];
	for (size_t i = 0; i < count && len > 0; i++)
		if (strncmp(list[i].id, what, len) == 0) {
			found = &list[i];
			matches++;
		}
	if (matches == 1)
		return found;
	mc_fail(err, 0, "network %s not found", what);
	return NULL;
}

/* ---- a new network ------------------------------------------------------------------------- */

bool net_valid_name(const char *name)
{
	size_t len = strlen(name);

	return len > 0 && len <= 64 &&
	       strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") > 0 &&
	       strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") ==
	           len;
}

/* Is `subnet` free: no network of ours, and no route of the host's, overlaps it? */
static const char *subnet_conflict(const struct net_cidr *subnet, const struct net_network *list,
                                   size_t count, const struct net_new *spec)
{
	for (size_t i = 0; i < count; i++)
		if (net_cidr_overlap(subnet, &list[i].subnet))
			return list[i].name;
	for (size_t i = 0; i < spec->nroutes; i++)
		if (net_cidr_overlap(subnet, &spec->routes[i]))
			return "a route of this host";
	return NULL;
}

static int choose_subnet(const struct net_network *list, size_t count, const struct net_new *spec,
                         struct net_cidr *out, struct mc_error *err)
{
	struct net_cidr pool;
	const char *conflict;

	if (spec->subnet != NULL) {
		if (net_cidr_parse(spec->subnet, out, err) < 0)
			return -1;
		/* Docker's words for it. */
		conflict = subnet_conflict(out, list, count, spec);
		if (conflict != NULL)
			return mc_fail(err, 0,
			               "Pool overlaps with other one on this address space (%s "
			               "overlaps %s)",
			               spec->subnet, conflict);
		return 0;
	}
	net_cidr_parse(NET_POOL, &pool, err);
	for (uint32_t a = pool.addr; a <= net_cidr_last(&pool); a += 1u << (32 - NET_POOL_SLICE)) {
		out->addr = a;
		out->prefix = NET_POOL_SLICE;
		if (subnet_conflict(out, list, count, spec) == NULL)
			return 0;
	}
	return mc_fail(err, ENOSPC, "no free subnet left in %s: give one with --subnet", NET_POOL);
}

int net_network_create(struct net_store *st, const struct net_network *list, size_t count,
                       const struct net_new *spec, struct net_network *out, struct mc_error *err)
{
	char id[65], bridge[16], net[NET_CIDR_STRLEN];
	struct net_cidr subnet;
	uint32_t gateway;

	if (!net_valid_name(spec->name))
		return mc_fail(
		    err, 0,
		    "invalid network name \"%s\": only [a-zA-Z0-9][a-zA-Z0-9_.-], at most "
		    "64 characters",
		    spec->name);
	for (size_t i = 0; i < count; i++)
		if (strcmp(list[i].name, spec->name) == 0)
			return mc_fail(err, 0, "network with name %s already exists", spec->name);
	if (strcmp(spec->name, "host") == 0 || strcmp(spec->name, "none") == 0)
		return mc_fail(err, 0, "network with name %s already exists (predefined)",
		               spec->name);
	if (count >= NET_MAX_NETWORKS)
		return mc_fail(err, ENOSPC, "at most %d networks", NET_MAX_NETWORKS);
	if (choose_subnet(list, count, spec, &subnet, err) < 0)
		return -1;
	gateway = subnet.addr + 1;
	if (spec->gateway != NULL) {
		if (net_addr_parse(spec->gateway, &gateway, err) < 0)
			return -1;
		if (!net_cidr_contains(&subnet, gateway) || gateway == subnet.addr ||
		    gateway == net_cidr_last(&subnet))
			return mc_fail(err, 0, "gateway %s is not a usable address of %s",
			               spec->gateway, net_cidr_str(&subnet, net));
	}
	net_random_id(id);
	/* Docker names its bridges br-<12 hex>; interface names have at most 15 characters. */
	snprintf(bridge, sizeof(bridge), "mc-%.12s", id);
	if (!from_record(new_record(id, spec->name, bridge, &subnet, gateway, spec->internal), out))
		return mc_fail(err, ENOMEM, "network record");
	if (net_network_save(st, out, err) < 0) {
		json_decref(out->doc);
		return -1;
	}
	return 0;
}

int net_network_delete(struct net_store *st, const struct net_network *net, struct mc_error *err)
{
	char path[PATH_MAX];

	if (record_path(st, net->id, path, sizeof(path), err) < 0)
		return -1;
	if (unlink(path) < 0 && errno != ENOENT)
		return mc_fail(err, errno, "remove %s", path);
	return 0;
}

/* ---- endpoints and who is running ---------------------------------------------------------- */

json_t *net_endpoints(const struct net_network *net)
{
	return json_object_get(net->doc, "Endpoints");
}

json_t *net_endpoint(const struct net_network *net, const char *container)
{
	return json_object_get(net_endpoints(net), container);
}

static int active_path(const struct net_store *st, const char *id, char *path, size_t size,
                       struct mc_error *err)
{
	char name[96];

	if (strlen(id) > 64 || strchr(id, '/') != NULL || id[0] == '.')
		return mc_fail(err, 0, "bad container id %s", id);
	snprintf(name, sizeof(name), "%s.active", id);
	return mc_path_join(path, size, st->rundir, name, err);
}

bool net_container_active(const struct net_store *st, const char *id)
{
	char path[PATH_MAX];
	struct mc_error ignored;
	bool held;
	int fd;

	if (active_path(st, id, path, sizeof(path), &ignored) < 0)
		return false;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	/* If we can take it, nobody holds it: the container is not running. */
	held = flock(fd, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK;
	close(fd);
	return held;
}

int net_container_hold(const struct net_store *st, const char *id, int *fd, struct mc_error *err)
{
	char path[PATH_MAX];

	if (active_path(st, id, path, sizeof(path), err) < 0)
		return -1;
	*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (*fd < 0)
		return mc_fail(err, errno, "open %s", path);
	/* Someone who only checks holds it for an instant; anyone else runs the container. */
	for (int tries = 0; flock(*fd, LOCK_EX | LOCK_NB) < 0; tries++)
		if ((errno != EWOULDBLOCK && errno != EINTR) || tries == 2000) {
			mc_fail(err, errno == EWOULDBLOCK ? EBUSY : errno,
			        "container %.12s is running already", id);
			close(*fd);
			*fd = -1;
			return -1;
		} else {
			usleep(1000);
		}
	return 0;
}

void net_container_forget(const struct net_store *st, const char *id)
{
	char path[PATH_MAX];
	struct mc_error ignored;

	if (!net_container_active(st, id) && active_path(st, id, path, sizeof(path), &ignored) == 0)
		unlink(path);
}
