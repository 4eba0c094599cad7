/*
 * netconfig.c - networks in the container's record: run's flags on the way
 * in, chapter 05's step on the way out (see mc_net.h).
 */
#define _GNU_SOURCE
#include "mc_monitor.h"
#include "mc_net.h"

#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mc.h"
#include "net_etc.h"

/* ---- run's flags ----------------------------------------------------------------------------- */

static void port_key(const struct net_binding *b, char *key, size_t size)
{
	snprintf(key, size, "%u/%s", b->ctr_port, net_proto_name(b->proto));
}

int mc_net_add_publish(json_t *bindings, json_t *exposed, const char *spec, struct mc_error *err)
{
	struct net_binding b[NET_MAX_PORTS];
	char key[32], host_ip[NET_ADDR_STRLEN], host_port[16];
	size_t n;

	if (net_parse_publish(spec, b, NET_MAX_PORTS, &n, err) < 0)
		return -1;
	/* Docker's HostConfig.PortBindings: "80/tcp": [{"HostIp": "", "HostPort": "8080"}]. */
	for (size_t i = 0; i < n; i++) {
		json_t *list;

		port_key(&b[i], key, sizeof(key));
		if (b[i].host_lo == 0)
			host_port[0] = '\0';
		else if (b[i].host_lo == b[i].host_hi)
			snprintf(host_port, sizeof(host_port), "%u", b[i].host_lo);
		else
			snprintf(host_port, sizeof(host_port), "%u-%u", b[i].host_lo, b[i].host_hi);
		list = json_object_get(bindings, key);
		if (list == NULL) {
			list = json_array();
			json_object_set_new(bindings, key, list);
		}
		json_array_append_new(
		    list, json_pack("{s:s, s:s}", "HostIp",
		                    b[i].host_ip ? net_addr_str(b[i].host_ip, host_ip) : "",
		                    "HostPort", host_port));
		json_object_set_new(exposed, key, json_object());
	}
	return 0;
}

int mc_net_add_expose(json_t *exposed, const char *text, struct mc_error *err)
{
	struct net_binding b[NET_MAX_PORTS];
	char key[32];
	size_t n;

	if (strchr(text, ':') != NULL)
		return mc_fail(err, 0, "invalid port format for --expose: %s", text);
	if (net_parse_publish(text, b, NET_MAX_PORTS, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		port_key(&b[i], key, sizeof(key));
		json_object_set_new(exposed, key, json_object());
	}
	return 0;
}

/* A word for resolv.conf: printable, no blanks - a newline would smuggle in a line. */
static bool plain_word(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (*s <= ' ' || *s >= 0x7f)
			return false;
	return true;
}

int mc_net_add_dns(json_t *list, const char *kind, const char *value, struct mc_error *err)
{
	char name[256];
	uint32_t addr;

	if (json_array_size(list) >= NET_MAX_LIST)
		return mc_fail(err, 0,
		               "at most %d values for each of --dns, --dns-search, "
		               "--dns-option and --add-host",
		               NET_MAX_LIST);
	if (strcmp(kind, "dns") == 0 && net_addr_parse(value, &addr, err) < 0)
		return mc_fail(err, 0, "%s is not an IPv4 address (--dns)", value);
	if (strcmp(kind, "add-host") == 0 &&
	    net_parse_extra_host(value, name, sizeof(name), &addr, err) < 0)
		return -1;
	if (kind[0] == '\0' && !plain_word(value))
		return mc_fail(err, 0, "invalid DNS search domain or option: \"%s\"", value);
	json_array_append_new(list, json_string(value));
	return 0;
}

static bool is_mode(const struct mc_spec *s, const char *mode)
{
	return strcmp(s->network, mode) == 0;
}

int mc_net_check_spec(struct mc_spec *s, struct mc_error *err)
{
	bool container = strncmp(s->network, "container:", 10) == 0;
	bool ports = json_object_size(s->port_bindings) > 0 || s->publish_all;

	if (s->network[0] == '\0' || (container && s->network[10] == '\0'))
		return mc_fail(err, 0, "invalid --network \"%s\"", s->network);
	/* Docker's "conflicting options" errors. */
	if (container && s->hostname != NULL)
		return mc_fail(err, 0, "conflicting options: hostname and the network mode");
	if (container && (json_array_size(s->dns) || json_array_size(s->dns_search) ||
	                  json_array_size(s->dns_options)))
		return mc_fail(err, 0, "conflicting options: dns and the network mode");
	if (container && json_array_size(s->extra_hosts))
		return mc_fail(
		    err, 0, "conflicting options: custom host-to-IP mapping and the network mode");
	if ((container || is_mode(s, "none")) && ports)
		return mc_fail(
		    err, 0,
		    "conflicting options: port publishing and the container type network "
		    "mode");
	if ((container || is_mode(s, "none") || is_mode(s, "host")) &&
	    (s->ip != NULL || json_array_size(s->aliases) > 0))
		return mc_fail(err, 0, "--ip and --network-alias need a user defined network");
	if (s->hostname != NULL && !net_valid_hostname(s->hostname))
		return mc_fail(err, 0, "invalid hostname \"%s\"", s->hostname);
	for (size_t i = 0; i < json_array_size(s->aliases); i++)
		if (!net_valid_hostname(json_string_value(json_array_get(s->aliases, i))))
			return mc_fail(err, 0, "invalid network alias \"%s\"",
			               json_string_value(json_array_get(s->aliases, i)));
	if (s->ip != NULL) {
		uint32_t a;

		if (net_addr_parse(s->ip, &a, err) < 0)
			return -1;
	}
	if (is_mode(s, "host") && ports) {
		/* Docker's warning, and what it does: the host's ports are the container's. */
		fprintf(stderr,
		        "WARNING: Published ports are discarded when using host network mode\n");
		json_object_clear(s->port_bindings);
		s->publish_all = false;
	}
	return 0;
}

json_t *mc_net_exposed_ports(const struct mc_spec *s, const struct img_image *img)
{
	json_t *config = json_loads(img->config_json, 0, NULL), *out = json_object();
	json_t *image_ports = json_object_get(json_object_get(config, "config"), "ExposedPorts");

	if (json_is_object(image_ports))
		json_object_update(out, image_ports);
	json_object_update(out, s->exposed);
	json_decref(config);
	return out;
}

void mc_net_record(const struct mc_spec *s, json_t *host_config, json_t *config)
{
	char name[65];

	json_object_set_new(host_config, "PortBindings", json_deep_copy(s->port_bindings));
	json_object_set_new(host_config, "PublishAllPorts", json_boolean(s->publish_all));
	json_object_set_new(host_config, "Dns", json_deep_copy(s->dns));
	json_object_set_new(host_config, "DnsSearch", json_deep_copy(s->dns_search));
	json_object_set_new(host_config, "DnsOptions", json_deep_copy(s->dns_options));
	json_object_set_new(host_config, "ExtraHosts", json_deep_copy(s->extra_hosts));
	/* The host's network is the host's name too, as Docker has it. */
	if (is_mode(s, "host") && s->hostname == NULL && gethostname(name, sizeof(name)) == 0) {
		name[sizeof(name) - 1] = '\0';
		json_object_set_new(config, "Hostname", json_string(name));
	}
}

/* ---- create, start, rm ------------------------------------------------------------------------ */

int mc_net_store(struct net_store *st, struct mc_error *err)
{
	return net_store_open(st, mc_root_dir(), mc_run_dir(), getenv("MC_BRIDGE_SUBNET"), err);
}

static const char *mode_of(const struct mc_container *c)
{
	return json_string_value(
	           json_object_get(json_object_get(c->doc, "HostConfig"), "NetworkMode"))
	           ?: "none";
}

/* container:NAME becomes container:<its id> in the record: names can change hands. */
static int resolve_container_mode(struct mc_container *c, struct mc_error *err)
{
	struct mc_container other;
	char mode[80];

	if (mc_container_load(mode_of(c) + 10, &other, err) < 0)
		return -1;
	snprintf(mode, sizeof(mode), "container:%s", other.id);
	mc_container_free(&other);
	json_object_set_new(json_object_get(c->doc, "HostConfig"), "NetworkMode",
	                    json_string(mode));
	return mc_container_save(c, err);
}

int mc_net_attach_created(struct mc_container *c, const struct mc_spec *s, struct mc_error *err)
{
	const char *mode = mode_of(c);
	const char *aliases[NET_MAX_LIST + 1] = {NULL};
	char hosts[PATH_MAX];
	struct net_store st;
	struct net_attach a = {c->id, mc_container_name(c), aliases, hosts, 0, true};

	if (strcmp(mode, "none") == 0 || strcmp(mode, "host") == 0)
		return 0;
	if (strncmp(mode, "container:", 10) == 0)
		return resolve_container_mode(c, err);
	for (size_t i = 0; i < json_array_size(s->aliases) && i < NET_MAX_LIST; i++)
		aliases[i] = json_string_value(json_array_get(s->aliases, i));
	if (s->ip != NULL && net_addr_parse(s->ip, &a.ip, err) < 0)
		return -1;
	snprintf(hosts, sizeof(hosts), "%s/%s/hosts", mc_run_dir(), c->id);
	if (mc_net_store(&st, err) < 0)
		return -1;
	return net_connect(&st, mode, &a, 0, err);
}

int mc_net_release(const struct mc_container *c, struct mc_error *err)
{
	struct net_store st;

	if (mc_net_store(&st, err) < 0)
		return -1;
	return net_release(&st, c->id, err);
}

/* NULL-terminated pointers to the strings of a JSON array (they stay the record's). */
static void strings_of(json_t *array, const char **out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < json_array_size(array) && n < max; i++)
		if (json_is_string(json_array_get(array, i)))
			out[n++] = json_string_value(json_array_get(array, i));
	out[n] = NULL;
}

/* PortBindings (and with PublishAllPorts every other exposed port) -> chapter 05's bindings. */
static int bindings_of(json_t *host, json_t *config, struct net_run *run, struct mc_error *err)
{
	json_t *bindings = json_object_get(host, "PortBindings"), *list, *b;
	const char *key;
	size_t i, n;

	json_object_foreach(bindings, key, list)
	{
		json_array_foreach(list, i, b)
		{
			char spec[96];

			/* The same text -p took: the parser is the one place that reads it. */
			snprintf(spec, sizeof(spec), "%s:%s:%s",
			         json_string_value(json_object_get(b, "HostIp")) ?: "",
			         json_string_value(json_object_get(b, "HostPort")) ?: "", key);
			if (net_parse_publish(spec, run->ports + run->nports,
			                      NET_MAX_PORTS - run->nports, &n, err) < 0)
				return -1;
			run->nports += n;
		}
	}
	if (!json_is_true(json_object_get(host, "PublishAllPorts")))
		return 0;
	json_object_foreach(json_object_get(config, "ExposedPorts"), key, list)
	{
		if (json_object_get(bindings, key) != NULL)
			continue;
		if (net_parse_publish(key, run->ports + run->nports, NET_MAX_PORTS - run->nports,
		                      &n, err) < 0)
			return -1;
		run->nports += n;
	}
	return 0;
}

/* (netconfig runs in the container's monitor: its notices go to the attached clients) */
static void notice(const char *text)
{
	mc_monitor_notice(text);
}

int mc_net_configure(struct mc_container *c, const char *rundir, const char *hostname,
                     struct net_store *st, struct net_run *run, struct mc_error *err)
{
	json_t *host = json_object_get(c->doc, "HostConfig");
	const char *mode = mode_of(c);

	net_run_init(run);
	run->container = c->id;
	run->name = mc_container_name(c);
	run->hostname = hostname;
	run->etc_dir = rundir;
	run->notice = notice;
	strings_of(json_object_get(host, "Dns"), run->dns, NET_MAX_LIST);
	strings_of(json_object_get(host, "DnsSearch"), run->dns_search, NET_MAX_LIST);
	strings_of(json_object_get(host, "DnsOptions"), run->dns_options, NET_MAX_LIST);
	strings_of(json_object_get(host, "ExtraHosts"), run->extra_hosts, NET_MAX_LIST);
	if (strcmp(mode, "none") == 0) {
		run->mode = NET_MODE_NONE;
	} else if (strcmp(mode, "host") == 0) {
		run->mode = NET_MODE_HOST;
	} else if (strncmp(mode, "container:", 10) == 0) {
		static char etc[PATH_MAX];
		struct mc_container other;

		if (mc_container_load(mode + 10, &other, err) < 0)
			return -1;
		mc_container_refresh(&other);
		run->mode = NET_MODE_CONTAINER;
		run->join_pid =
		    strcmp(mc_state_status(&other), "running") == 0 ? mc_state_pid(&other) : 0;
		snprintf(etc, sizeof(etc), "%s/%s", mc_run_dir(), other.id);
		run->join_etc_dir = etc;
		mc_container_free(&other);
	} else {
		run->mode = NET_MODE_NETWORK;
		run->store = st;
		if (mc_net_store(st, err) < 0 ||
		    bindings_of(host, json_object_get(c->doc, "Config"), run, err) < 0)
			return -1;
	}
	return 0;
}
