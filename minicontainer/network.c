/*
 * network.c - `minicontainer network` and `minicontainer port`, and the
 * network parts of ps and inspect, as Docker prints them (see mc_net.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "img_digest.h"
#include "mc.h"
#include "mc_net.h"

/* ---- reading the store (ps and inspect read; they take no lock) ----------------------------- */

static struct net_network *networks;
static size_t nnetworks;
static bool loaded;

static void load_networks(void)
{
	struct net_store st;
	struct mc_error ignored;

	if (loaded)
		return;
	loaded = true;
	if (mc_net_store(&st, &ignored) < 0 ||
	    net_networks_load(&st, &networks, &nnetworks, &ignored) < 0)
		nnetworks = 0;
}

static bool running(const struct mc_container *c)
{
	return strcmp(mc_state_status(c), "running") == 0;
}

/* The container's main endpoint (the one with its published ports), or NULL. */
static json_t *main_endpoint(const struct mc_container *c)
{
	load_networks();
	for (size_t i = 0; i < nnetworks; i++) {
		json_t *ep = net_endpoint(&networks[i], c->id);

		if (ep != NULL && json_is_true(json_object_get(ep, "Primary")))
			return ep;
	}
	return NULL;
}

/* Published ports of a running container, plus its exposed ports that are not. */
static size_t port_entries(const struct mc_container *c, struct net_port_entry *out, size_t max)
{
	json_t *exposed = json_object_get(json_object_get(c->doc, "Config"), "ExposedPorts");
	struct mc_error ignored;
	const char *key;
	json_t *value;
	size_t n;

	if (!running(c))
		return 0;
	n = net_endpoint_ports(main_endpoint(c), out, max);
	json_object_foreach(exposed, key, value)
	{
		struct net_port_entry e = {0};
		bool published = false;

		if (net_parse_port_proto(key, &e.ctr_port, &e.proto, &ignored) < 0)
			continue;
		for (size_t i = 0; i < n && !published; i++)
			published = out[i].ctr_port == e.ctr_port && out[i].proto == e.proto &&
			            out[i].host_port != 0;
		if (!published && n < max)
			out[n++] = e;
	}
	return n;
}

const char *mc_net_ports(const struct mc_container *c, char *buf, size_t size)
{
	struct net_port_entry entries[NET_MAX_PORTS];
	size_t n = port_entries(c, entries, NET_MAX_PORTS);

	return net_ports_display(entries, n, buf, size);
}

/* ---- inspect: NetworkSettings ---------------------------------------------------------------- */

/* One network's entry in NetworkSettings.Networks, as Docker's EndpointSettings. */
static json_t *endpoint_settings(const struct mc_container *c, const struct net_network *net,
                                 json_t *ep)
{
	char gw[NET_ADDR_STRLEN], id12[13];
	bool up = running(c) && ep != NULL;
	json_t *aliases = json_object_get(ep, "Aliases"), *names = json_null();

	snprintf(id12, sizeof(id12), "%.12s", c->id);
	/* Docker resolves name, short id and aliases on user networks: DNSNames lists them. */
	if (net != NULL && !net->is_default) {
		names = json_pack("[s, s]", mc_container_name(c), id12);
		json_array_extend(names, aliases);
	}
	return json_pack("{s:O, s:n, s:O, s:s, s:n, s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:i, s:o}",
	                 "IPAMConfig", json_object_get(ep, "IPAMConfig") ?: json_null(), "Links",
	                 "Aliases", json_array_size(aliases) ? aliases : json_null(), "MacAddress",
	                 up ? json_string_value(json_object_get(ep, "MacAddress")) : "",
	                 "DriverOpts", "NetworkID", net ? net->id : "", "EndpointID",
	                 up ? json_string_value(json_object_get(ep, "EndpointID")) : "", "Gateway",
	                 up ? net_addr_str(net->gateway, gw) : "", "IPAddress",
	                 up ? json_string_value(json_object_get(ep, "IPv4Address")) : "",
	                 "IPPrefixLen", up ? (int)net->subnet.prefix : 0, "IPv6Gateway", "",
	                 "GlobalIPv6Address", "", "GlobalIPv6PrefixLen", 0, "DNSNames", names);
}

/* "80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8080"}], or null for a port only exposed. */
static json_t *ports_settings(const struct mc_container *c)
{
	struct net_port_entry e[NET_MAX_PORTS];
	size_t n = port_entries(c, e, NET_MAX_PORTS);
	char key[32], ip[NET_ADDR_STRLEN], port[8];
	json_t *ports = json_object();

	for (size_t i = 0; i < n; i++) {
		json_t *list;

		snprintf(key, sizeof(key), "%u/%s", e[i].ctr_port, net_proto_name(e[i].proto));
		if (e[i].host_port == 0) {
			if (json_object_get(ports, key) == NULL)
				json_object_set_new(ports, key, json_null());
			continue;
		}
		list = json_object_get(ports, key);
		if (!json_is_array(list)) {
			list = json_array();
			json_object_set_new(ports, key, list);
		}
		snprintf(port, sizeof(port), "%u", e[i].host_port);
		json_array_append_new(list,
		                      json_pack("{s:s, s:s}", "HostIp",
		                                net_addr_str(e[i].host_ip, ip), "HostPort", port));
	}
	return ports;
}

json_t *mc_net_settings(const struct mc_container *c)
{
	const char *mode = json_string_value(
	    json_object_get(json_object_get(c->doc, "HostConfig"), "NetworkMode"));
	json_t *nets = json_object(), *settings, *bridge = NULL;
	char key[64];

	load_networks();
	for (size_t i = 0; i < nnetworks; i++) {
		json_t *ep = net_endpoint(&networks[i], c->id);

		if (ep == NULL)
			continue;
		json_object_set_new(nets, networks[i].name, endpoint_settings(c, &networks[i], ep));
		if (networks[i].is_default)
			bridge = json_object_get(nets, networks[i].name);
	}
	if (mode != NULL && (strcmp(mode, "host") == 0 || strcmp(mode, "none") == 0))
		json_object_set_new(nets, mode, endpoint_settings(c, NULL, NULL));
	snprintf(key, sizeof(key), "/proc/%d/ns/net", (int)mc_state_pid(c));
	settings =
	    json_pack("{s:s, s:s, s:s, s:o, s:b, s:s, s:i, s:n, s:n}", "Bridge", "", "SandboxID",
	              "", "SandboxKey", running(c) ? key : "", "Ports", ports_settings(c),
	              "HairpinMode", 0, "LinkLocalIPv6Address", "", "LinkLocalIPv6PrefixLen", 0,
	              "SecondaryIPAddresses", "SecondaryIPv6Addresses");
	/* The old top-level fields: Docker fills them for the default network only. */
	static const char *const top[] = {"EndpointID",          "Gateway",   "GlobalIPv6Address",
	                                  "GlobalIPv6PrefixLen", "IPAddress", "IPPrefixLen",
	                                  "IPv6Gateway",         "MacAddress"};
	for (size_t i = 0; i < sizeof(top) / sizeof(top[0]); i++) {
		json_t *v = json_object_get(bridge, top[i]);

		json_object_set_new(
		    settings, top[i],
		    v ? json_copy(v)
		      : (strstr(top[i], "PrefixLen") ? json_integer(0) : json_string("")));
	}
	json_object_set_new(settings, "Networks", nets);
	return settings;
}

/* ---- port ------------------------------------------------------------------------------------ */

const struct mc_command mc_cmd_port = {
    .name = "port",
    .usage = "CONTAINER [PRIVATE_PORT[/PROTO]]",
    .summary = "List port mappings or a specific mapping for the container",
    .min_args = 1,
    .max_args = 2,
};

int verb_port(int argc, char **argv)
{
	struct net_port_entry e[NET_MAX_PORTS];
	uint16_t want_port = 0;
	int want_proto = 0, status, first;
	struct mc_container c;
	struct mc_error err;
	char ip[NET_ADDR_STRLEN];
	size_t n, shown = 0;

	if ((status = mc_parse_verb(&mc_cmd_port, NULL, argc, argv, &first)) >= 0)
		return status;
	status = 0;
	argv += first - 1;
	argc -= first - 1;
	if (argc == 3 && net_parse_port_proto(argv[2], &want_port, &want_proto, &err) < 0)
		return mc_report(&err);
	if (mc_container_load(argv[1], &c, &err) < 0)
		return mc_report(&err);
	mc_container_refresh(&c);
	n = port_entries(&c, e, NET_MAX_PORTS);
	for (size_t i = 0; i < n; i++) {
		if (e[i].host_port == 0 ||
		    (want_port != 0 && (e[i].ctr_port != want_port || e[i].proto != want_proto)))
			continue;
		if (want_port == 0)
			printf("%u/%s -> ", e[i].ctr_port, net_proto_name(e[i].proto));
		printf("%s:%u\n", net_addr_str(e[i].host_ip, ip), e[i].host_port);
		shown++;
	}
	if (want_port != 0 && shown == 0) {
		fprintf(stderr, "Error: No public port '%u/%s' published for %s\n", want_port,
		        net_proto_name(want_proto), argv[1]);
		status = 1;
	}
	mc_container_free(&c);
	return status;
}

/* ---- network --------------------------------------------------------------------------------- */

/* host and none are no records of ours: Docker shows them as networks all the same. */
static const char *pseudo_id(const char *name, char *buf)
{
	char digest[IMG_DIGEST_LEN + 1];

	img_digest_buffer(name, strlen(name), digest);
	snprintf(buf, 65, "%s", img_digest_hex(digest));
	return buf;
}

struct create_flags {
	const char *subnet, *gateway, *driver;
	bool internal;
};

static const struct mc_option create_options[] = {
    {"driver", 'd', "string", "Driver to manage the Network (bridge)", mc_opt_string,
     offsetof(struct create_flags, driver)},
    {"gateway", 0, "string", "IPv4 Gateway for the master subnet", mc_opt_string,
     offsetof(struct create_flags, gateway)},
    {"internal", 0, NULL, "Restrict external access to the network", mc_opt_true,
     offsetof(struct create_flags, internal)},
    {"subnet", 0, "string", "Subnet in CIDR format that represents a network segment",
     mc_opt_string, offsetof(struct create_flags, subnet)},
    {NULL, 0, NULL, NULL, NULL, 0},
};

const struct mc_command mc_cmd_network_create = {
    .name = "create",
    .usage = "[OPTIONS] NETWORK",
    .summary = "Create a network",
    .options = create_options,
    .min_args = 1,
    .max_args = 1,
};

int verb_network_create(int argc, char **argv)
{
	struct create_flags f = {NULL, NULL, NULL, false};
	struct net_cidr routes[256];
	struct net_new spec = {NULL, NULL, NULL, false, routes, 0};
	struct net_session s;
	struct net_store st;
	struct net_network net;
	struct mc_error err;
	int rc, first;

	if ((rc = mc_parse_verb(&mc_cmd_network_create, &f, argc, argv, &first)) >= 0)
		return rc;
	if (f.driver != NULL && strcmp(f.driver, "bridge") != 0)
		return mc_usage_error(mc_current_path, "driver %s: only bridge", f.driver);
	spec.name = argv[first];
	spec.subnet = f.subnet;
	spec.gateway = f.gateway;
	spec.internal = f.internal;
	if (spec.gateway != NULL && spec.subnet == NULL)
		return mc_usage_error(mc_current_path, "--gateway needs --subnet");
	if (mc_net_store(&st, &err) < 0 || net_session_begin(&s, &st, &err) < 0)
		return mc_report(&err);
	/* Stay clear of the host's own routes (not of our bridges': our networks are checked). */
	rc = net_nl_routes(&s.nl, routes, sizeof(routes) / sizeof(routes[0]), &spec.nroutes, &err);
	for (size_t i = 0; rc == 0 && i < spec.nroutes; i++)
		for (size_t k = 0; k < s.count; k++)
			if (net_cidr_overlap(&routes[i], &s.list[k].subnet))
				routes[i] = routes[--spec.nroutes], i--, k = s.count;
	if (rc == 0)
		rc = net_network_create(&st, s.list, s.count, &spec, &net, &err);
	if (net_session_end(&s, rc, &err) < 0)
		return mc_report(&err);
	printf("%s\n", net.id);
	json_decref(net.doc);
	return 0;
}

struct ls_flags {
	bool quiet, no_trunc;
	const char *format;
	struct mc_list filters;
};

static int add_filter(void *field, const char *value, struct mc_error *err)
{
	static const char *const keys[] = {"name=", "id=", "driver=", NULL};

	for (int k = 0; keys[k] != NULL; k++)
		if (strncmp(value, keys[k], strlen(keys[k])) == 0)
			return mc_opt_list(field, value, err);
	if (strchr(value, '=') == NULL)
		return mc_fail(err, 0, "bad format of filter (expected name=value)");
	return mc_fail(err, 0, "invalid filter '%.*s'", (int)strcspn(value, "="), value);
}

static const struct mc_option ls_options[] = {
    {"filter", 'f', "filter", "Provide filter values (e.g. \"driver=bridge\"): name=, id=, driver=",
     add_filter, offsetof(struct ls_flags, filters)},
    {"format", 0, "string", MC_FORMAT_HELP, mc_opt_string, offsetof(struct ls_flags, format)},
    {"no-trunc", 0, NULL, "Do not truncate the output", mc_opt_true,
     offsetof(struct ls_flags, no_trunc)},
    {"quiet", 'q', NULL, "Only display network IDs", mc_opt_true, offsetof(struct ls_flags, quiet)},
    {NULL, 0, NULL, NULL, NULL, 0},
};

const struct mc_command mc_cmd_network_ls = {
    .name = "ls",
    .usage = "[OPTIONS]",
    .summary = "List networks",
    .options = ls_options,
    .min_args = 0,
    .max_args = 0,
};

static const struct mc_field_header ls_headers[] = {
    {"ID", "NETWORK ID"}, {"Name", "NAME"},
    {"Driver", "DRIVER"}, {"Scope", "SCOPE"},
    {"IPv6", "IPV6"},     {"Internal", "INTERNAL"},
    {"Labels", "LABELS"}, {"CreatedAt", "CREATED AT"},
    {NULL, NULL},
};

/* Docker's filters: name= and id= match a part (name) or a prefix (id); driver= exactly. */
static bool listed(const struct ls_flags *f, const char *id, const char *name, const char *driver)
{
	static const char *const keys[] = {"name=", "id=", "driver="};

	for (size_t k = 0; k < 3; k++) {
		bool given = false, any = false;

		for (size_t i = 0; i < f->filters.n; i++) {
			const char *v = f->filters.items[i];

			if (strncmp(v, keys[k], strlen(keys[k])) != 0)
				continue;
			given = true;
			v += strlen(keys[k]);
			any |= k == 0   ? strstr(name, v) != NULL
			       : k == 1 ? strncmp(id, v, strlen(v)) == 0
			                : strcmp(driver, v) == 0;
		}
		if (given && !any)
			return false;
	}
	return true;
}

/* One row of `network ls`; quiet: the id alone. */
static int ls_row(struct mc_listing *out, const struct ls_flags *f, const char *id,
                  const char *name, const char *driver, bool internal, struct mc_error *err)
{
	char shown[65];
	json_t *row;
	int rc;

	if (!listed(f, id, name, driver))
		return 0;
	snprintf(shown, sizeof(shown), "%.*s", f->no_trunc ? 64 : 12, id);
	if (f->quiet) {
		printf("%s\n", shown);
		return 0;
	}
	row = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "ID", shown, "Name", name,
	                "Driver", driver, "Scope", "local", "IPv6", "false", "Internal",
	                internal ? "true" : "false", "Labels", "", "CreatedAt", "");
	rc = mc_listing_row(out, row, err);
	json_decref(row);
	return rc;
}

int verb_network_ls(int argc, char **argv)
{
	struct ls_flags f = {false, false, NULL, {{NULL}, 0}};
	bool host = false, none = false;
	struct mc_listing *out = NULL;
	struct mc_error err;
	char id[65];
	int rc, first;

	if ((rc = mc_parse_verb(&mc_cmd_network_ls, &f, argc, argv, &first)) >= 0)
		return rc;
	if (!f.quiet &&
	    mc_listing_open(&out, f.format, "table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}",
	                    ls_headers, &err) < 0)
		return mc_report(&err);
	load_networks();
	rc = 0;
	/* Sorted by name, host and none among them, as Docker lists them. */
	for (size_t i = 0; i <= nnetworks && rc == 0; i++) {
		const char *next = i < nnetworks ? networks[i].name : "\x7f";

		if (!host && strcmp("host", next) < 0) {
			host = true;
			rc = ls_row(out, &f, pseudo_id("host", id), "host", "host", false, &err);
		}
		if (rc == 0 && !none && strcmp("none", next) < 0) {
			none = true;
			rc = ls_row(out, &f, pseudo_id("none", id), "none", "null", false, &err);
		}
		if (rc == 0 && i < nnetworks)
			rc = ls_row(out, &f, networks[i].id, networks[i].name, "bridge",
			            json_is_true(json_object_get(networks[i].doc, "Internal")),
			            &err);
	}
	mc_listing_close(out);
	return rc < 0 ? mc_report(&err) : 0;
}

/* Docker's network object: the record without our endpoints, with its running containers. */
static json_t *network_json(const struct net_network *net)
{
	json_t *doc = json_deep_copy(net->doc), *containers = json_object(), *ep;
	struct net_store st;
	struct mc_error ignored;
	const char *id;
	char addr[40];

	json_object_del(doc, "Endpoints");
	if (mc_net_store(&st, &ignored) == 0)
		json_object_foreach(net_endpoints(net), id, ep)
		{
			if (!net_container_active(&st, id))
				continue;
			snprintf(addr, sizeof(addr), "%s/%u",
			         json_string_value(json_object_get(ep, "IPv4Address")) ?: "",
			         net->subnet.prefix);
			json_object_set_new(containers, id,
			                    json_pack("{s:O, s:O, s:O, s:s, s:s}", "Name",
			                              json_object_get(ep, "Name"), "EndpointID",
			                              json_object_get(ep, "EndpointID"),
			                              "MacAddress",
			                              json_object_get(ep, "MacAddress"),
			                              "IPv4Address", addr, "IPv6Address", ""));
		}
	json_object_set_new(doc, "Containers", containers);
	return doc;
}

static json_t *pseudo_json(const char *name)
{
	char id[65];

	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:{s:s, s:n, s:[]}, s:b, s:b, s:b, s:{}, "
	                 "s:{}, s:{}}",
	                 "Name", name, "Id", pseudo_id(name, id), "Created", "", "Scope", "local",
	                 "Driver", strcmp(name, "host") == 0 ? "host" : "null", "EnableIPv6", 0,
	                 "IPAM", "Driver", "default", "Options", "Config", "Internal", 0,
	                 "Attachable", 0, "Ingress", 0, "Containers", "Options", "Labels");
}

struct inspect_flags {
	const char *format;
};

static const struct mc_option inspect_options[] = {
    {"format", 'f', "string", "Format output using a custom template: 'json', or a Go template",
     mc_opt_string, offsetof(struct inspect_flags, format)},
    {NULL, 0, NULL, NULL, NULL, 0},
};

const struct mc_command mc_cmd_network_inspect = {
    .name = "inspect",
    .usage = "[OPTIONS] NETWORK [NETWORK...]",
    .summary = "Display detailed information on one or more networks",
    .options = inspect_options,
    .min_args = 1,
    .max_args = -1,
};

int verb_network_inspect(int argc, char **argv)
{
	struct inspect_flags f = {NULL};
	const char *format;
	json_t *all;
	struct mc_error err;
	int status, first;

	if ((status = mc_parse_verb(&mc_cmd_network_inspect, &f, argc, argv, &first)) >= 0)
		return status;
	status = 0;
	format = f.format;
	all = json_array();
	load_networks();
	for (int i = first; i < argc; i++) {
		struct net_network *net = net_network_lookup(networks, nnetworks, argv[i], &err);
		json_t *one;

		if (net != NULL)
			one = network_json(net);
		else if (strcmp(argv[i], "host") == 0 || strcmp(argv[i], "none") == 0)
			one = pseudo_json(argv[i]);
		else {
			fprintf(stderr, "Error: No such network: %s\n", argv[i]);
			status = 1;
			continue;
		}
		if (mc_inspect_one(all, one, format, &err) < 0)
			status = mc_report(&err);
	}
	mc_inspect_print(all, format);
	return status == 0 ? 0 : 1;
}

/* Remove one network (the caller holds the session): only a user network nobody is on. */
static int remove_network(struct net_session *s, struct net_network *net, struct mc_error *err)
{
	if (net->is_default)
		return mc_fail(err, 0, "%s is a pre-defined network and cannot be removed",
		               net->name);
	if (json_object_size(net_endpoints(net)) > 0)
		return mc_fail(
		    err, 0, "error while removing network: network %s id %s has active endpoints",
		    net->name, net->id);
	if (!s->nat_open && net_nat_open(&s->nat, err) < 0)
		return -1;
	s->nat_open = true;
	if (net_bridge_remove(&s->nl, &s->nat, net, err) < 0)
		return -1;
	return net_network_delete(s->st, net, err);
}

const struct mc_command mc_cmd_network_rm = {
    .name = "rm",
    .usage = "NETWORK [NETWORK...]",
    .summary = "Remove one or more networks",
    .min_args = 1,
    .max_args = -1,
};

int verb_network_rm(int argc, char **argv)
{
	struct net_session s;
	struct net_store st;
	struct mc_error err;
	int status, first;

	if ((status = mc_parse_verb(&mc_cmd_network_rm, NULL, argc, argv, &first)) >= 0)
		return status;
	status = 0;
	if (mc_net_store(&st, &err) < 0 || net_session_begin(&s, &st, &err) < 0)
		return mc_report(&err);
	for (int i = first; i < argc; i++) {
		struct net_network *net = net_network_lookup(s.list, s.count, argv[i], &err);

		if (net == NULL && (strcmp(argv[i], "host") == 0 || strcmp(argv[i], "none") == 0))
			mc_fail(&err, 0, "%s is a pre-defined network and cannot be removed",
			        argv[i]);
		if (net == NULL || remove_network(&s, net, &err) < 0)
			status = mc_report(&err);
		else
			printf("%s\n", argv[i]);
	}
	net_session_end(&s, 0, &err);
	return status;
}

struct prune_flags {
	bool force;
};

static const struct mc_option prune_options[] = {
    {"force", 'f', NULL, "Do not prompt for confirmation", mc_opt_true,
     offsetof(struct prune_flags, force)},
    {NULL, 0, NULL, NULL, NULL, 0},
};

const struct mc_command mc_cmd_network_prune = {
    .name = "prune",
    .usage = "[OPTIONS]",
    .summary = "Remove all unused networks",
    .options = prune_options,
    .min_args = 0,
    .max_args = 0,
};

int mc_network_prune(bool (*pick)(json_t *doc, void *arg), void *arg, size_t *removed,
                     struct mc_error *err)
{
	struct net_session s;
	struct net_store st;

	*removed = 0;
	if (mc_net_store(&st, err) < 0 || net_session_begin(&s, &st, err) < 0)
		return -1;
	for (size_t i = 0; i < s.count; i++) {
		struct mc_error ignored;

		if (s.list[i].is_default || json_object_size(net_endpoints(&s.list[i])) > 0 ||
		    (pick != NULL && !pick(s.list[i].doc, arg)) ||
		    remove_network(&s, &s.list[i], &ignored) < 0)
			continue;
		printf("%s%s\n", (*removed)++ == 0 ? "Deleted Networks:\n" : "", s.list[i].name);
	}
	net_session_end(&s, 0, err);
	return 0;
}

int verb_network_prune(int argc, char **argv)
{
	struct prune_flags f = {false};
	struct mc_error err;
	size_t removed;
	int rc, first;

	if ((rc = mc_parse_verb(&mc_cmd_network_prune, &f, argc, argv, &first)) >= 0)
		return rc;
	if (!f.force && !mc_confirm("WARNING! This will remove all custom networks not used by at "
	                            "least one container.\nAre you sure you want to continue?"))
		return 0;
	return mc_network_prune(NULL, NULL, &removed, &err) < 0 ? mc_report(&err) : 0;
}

struct connect_flags {
	const char *ip;
	struct mc_list aliases;
	bool force;
};

static const struct mc_option connect_options[] = {
    {"alias", 0, "strings", "Add network-scoped alias for the container", mc_opt_list,
     offsetof(struct connect_flags, aliases)},
    {"ip", 0, "string", "IPv4 address (e.g., \"10.214.0.10\")", mc_opt_string,
     offsetof(struct connect_flags, ip)},
    {NULL, 0, NULL, NULL, NULL, 0},
};

static const struct mc_option disconnect_options[] = {
    {"force", 'f', NULL, "Force the container to disconnect from a network", mc_opt_true,
     offsetof(struct connect_flags, force)},
    {NULL, 0, NULL, NULL, NULL, 0},
};

const struct mc_command mc_cmd_network_connect = {
    .name = "connect",
    .usage = "[OPTIONS] NETWORK CONTAINER",
    .summary = "Connect a container to a network",
    .options = connect_options,
    .min_args = 2,
    .max_args = 2,
};

const struct mc_command mc_cmd_network_disconnect = {
    .name = "disconnect",
    .usage = "[OPTIONS] NETWORK CONTAINER",
    .summary = "Disconnect a container from a network",
    .options = disconnect_options,
    .min_args = 2,
    .max_args = 2,
};

static int network_connect(int argc, char **argv, bool connect)
{
	struct connect_flags f = {NULL, {{NULL}, 0}, false};
	const char *aliases[NET_MAX_LIST + 1] = {NULL}, *ip, *mode;
	struct mc_container c;
	struct net_store st;
	struct mc_error err;
	char hosts[4200];
	int rc, optind;

	if ((rc = mc_parse_verb(connect ? &mc_cmd_network_connect : &mc_cmd_network_disconnect, &f,
	                        argc, argv, &optind)) >= 0)
		return rc;
	if (f.aliases.n > NET_MAX_LIST)
		return mc_usage_error(mc_current_path, "at most %d aliases", NET_MAX_LIST);
	for (size_t i = 0; i < f.aliases.n; i++)
		aliases[i] = f.aliases.items[i];
	ip = f.ip;
	if (mc_container_load(argv[optind + 1], &c, &err) < 0)
		return mc_report(&err);
	mc_container_refresh(&c);
	mode =
	    json_string_value(json_object_get(json_object_get(c.doc, "HostConfig"), "NetworkMode"))
	        ?: "none";
	if (strcmp(mode, "host") == 0 || strcmp(argv[optind], "host") == 0)
		rc = mc_fail(&err, 0,
		             "container cannot be disconnected from host network or "
		             "connected to host network");
	else if (strcmp(mode, "none") == 0 || strncmp(mode, "container:", 10) == 0 ||
	         strcmp(argv[optind], "none") == 0)
		rc = mc_fail(&err, 0,
		             "container %s uses --network %s: it cannot join or leave "
		             "networks",
		             argv[optind + 1], mode);
	else if (mc_net_store(&st, &err) < 0)
		rc = -1;
	else if (!connect)
		rc = net_disconnect(&st, argv[optind], c.id, &err);
	else {
		struct net_attach a = {c.id, mc_container_name(&c), aliases, hosts, 0, false};

		snprintf(hosts, sizeof(hosts), "%s/%s/hosts", mc_run_dir(), c.id);
		rc = ip != NULL ? net_addr_parse(ip, &a.ip, &err) : 0;
		if (rc == 0)
			rc = net_connect(
			    &st, argv[optind], &a,
			    strcmp(mc_state_status(&c), "running") == 0 ? mc_state_pid(&c) : 0,
			    &err);
	}
	mc_container_free(&c);
	return rc < 0 ? mc_report(&err) : 0;
}

int verb_network_connect(int argc, char **argv)
{
	return network_connect(argc, argv, true);
}

int verb_network_disconnect(int argc, char **argv)
{
	return network_connect(argc, argv, false);
}
