/*
 * endpoint.c - chapter 05: containers on networks - addresses, published
 * ports, names, and tidying up after the dead (see net_endpoint.h).
 */
#define _GNU_SOURCE
#include "net_endpoint.h"

#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mc_file.h"
#include "mc_trace.h"
#include "net_etc.h"

#define CH "ch05"

/* ---- reading endpoints --------------------------------------------------------------------- */

static uint32_t endpoint_addr(json_t *ep)
{
	struct mc_error ignored;
	uint32_t a = 0;

	net_addr_parse(json_string_value(json_object_get(ep, "IPv4Address")) ?: "", &a, &ignored);
	return a;
}

static const char *endpoint_str(json_t *ep, const char *key)
{
	return json_string_value(json_object_get(ep, key)) ?: "";
}

void net_endpoint_link(const struct net_network *net, const char *container, struct net_link *l)
{
	json_t *ep = net_endpoint(net, container);

	memset(l, 0, sizeof(*l));
	net_link_names(l, container, net->id);
	snprintf(l->ifname, sizeof(l->ifname), "%s",
	         endpoint_str(ep, "IfName")[0] ? endpoint_str(ep, "IfName") : "eth0");
	snprintf(l->bridge, sizeof(l->bridge), "%s", net->bridge);
	l->addr = endpoint_addr(ep);
	l->gateway = net->gateway;
	l->prefix = net->subnet.prefix;
	l->primary = json_is_true(json_object_get(ep, "Primary"));
	l->internal = net->internal;
}

size_t net_endpoints_of(struct net_session *s, const char *container, struct net_network **nets,
                        size_t max)
{
	size_t n = 0;

	/* The main network first: it gets eth0 and the default route. */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < s->count && n < max; i++) {
			json_t *ep = net_endpoint(&s->list[i], container);

			if (ep != NULL &&
			    json_is_true(json_object_get(ep, "Primary")) == (pass == 0))
				nets[n++] = &s->list[i];
		}
	return n;
}

void net_session_changed(struct net_session *s, const struct net_network *net)
{
	s->changed[net - s->list] = true;
}

/* ---- published ports ----------------------------------------------------------------------- */

/* Turn one entry of an endpoint's "Ports" into a net_port. */
static bool port_of(json_t *entry, uint32_t ctr_ip, struct net_port *p)
{
	struct mc_error ignored;

	p->proto = strcmp(endpoint_str(entry, "Proto"), "udp") == 0 ? IPPROTO_UDP : IPPROTO_TCP;
	p->host_port = (uint16_t)json_integer_value(json_object_get(entry, "HostPort"));
	p->ctr_port = (uint16_t)json_integer_value(json_object_get(entry, "ContainerPort"));
	p->ctr_ip = ctr_ip;
	return net_addr_parse(endpoint_str(entry, "HostIp"), &p->host_ip, &ignored) == 0 &&
	       p->host_port != 0;
}

size_t net_endpoint_ports(json_t *ep, struct net_port_entry *out, size_t max)
{
	json_t *entry;
	struct net_port p;
	size_t i, n = 0;

	json_array_foreach(json_object_get(ep, "Ports"), i, entry)
	{
		if (n < max && port_of(entry, 0, &p))
			out[n++] =
			    (struct net_port_entry){p.proto, p.ctr_port, p.host_ip, p.host_port};
	}
	return n;
}

static int open_nat(struct net_session *s, struct mc_error *err)
{
	if (s->nat_open)
		return 0;
	if (net_nat_open(&s->nat, err) < 0)
		return -1;
	s->nat_open = true;
	return 0;
}

int net_session_nat(struct net_session *s, struct mc_error *err)
{
	struct mc_error ignored;
	struct net_port p;
	const char *id;
	json_t *ep, *entry;
	bool created;
	size_t k;

	if (open_nat(s, err) < 0)
		return -1;
	if (s->nat_checked)
		return 0;
	if (net_nat_ensure_table(&s->nat, &created, err) < 0)
		return -1;
	s->nat_checked = true;
	for (size_t i = 0; created && i < s->count; i++) {
		net_nat_network(&s->nat, true, s->list[i].bridge, &s->list[i].subnet,
		                s->list[i].internal, &ignored);
		json_object_foreach(net_endpoints(&s->list[i]), id, ep)
		{
			if (!net_container_active(s->st, id))
				continue;
			json_array_foreach(json_object_get(ep, "Ports"), k, entry)
			{
				if (port_of(entry, endpoint_addr(ep), &p))
					net_nat_port(&s->nat, true, &p, &ignored);
			}
		}
	}
	return 0;
}

/* Remove an endpoint's published ports: their map elements, and the record of them. */
static void unpublish(struct net_session *s, json_t *ep)
{
	json_t *ports = json_object_get(ep, "Ports"), *entry;
	struct mc_error ignored;
	struct net_port p;
	size_t i;

	if (json_array_size(ports) > 0 && open_nat(s, &ignored) == 0)
		json_array_foreach(ports, i, entry)
		{
			if (port_of(entry, endpoint_addr(ep), &p))
				net_nat_port(&s->nat, false, &p, &ignored);
		}
	json_object_del(ep, "Ports");
}

/* Ports held by the running containers other than `except`. */
static size_t held_ports(struct net_session *s, const char *except, struct net_port *out,
                         size_t max)
{
	const char *id;
	json_t *ep, *entry;
	size_t n = 0, k;

	for (size_t i = 0; i < s->count; i++)
		json_object_foreach(net_endpoints(&s->list[i]), id, ep)
		{
			if (strcmp(id, except) == 0 || !net_container_active(s->st, id))
				continue;
			json_array_foreach(json_object_get(ep, "Ports"), k, entry)
			{
				if (n < max && port_of(entry, 0, &out[n]))
					n++;
			}
		}
	return n;
}

static bool clash(const struct net_port *a, int proto, uint32_t ip, uint16_t port)
{
	return a->proto == proto && a->host_port == port &&
	       (a->host_ip == 0 || ip == 0 || a->host_ip == ip);
}

/* Can we have `port` on the host?  A listener of the host's own would lose its traffic to us. */
static int host_port_free(int proto, uint32_t ip, uint16_t port, struct mc_error *err)
{
	struct sockaddr_in sa = {
	    .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(ip)};
	int fd, rc, one = 1, saved;
	char addr[NET_ADDR_STRLEN];

	fd = socket(AF_INET, (proto == IPPROTO_UDP ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return mc_fail(err, errno, "socket");
	/* TIME_WAIT leftovers are no listener; for UDP the option would allow a second bind. */
	if (proto == IPPROTO_TCP)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	saved = errno;
	close(fd);
	if (rc == 0)
		return 0;
	if (saved == EADDRNOTAVAIL)
		return mc_fail(err, saved,
		               "cannot publish on %s: it is not an address of this host",
		               net_addr_str(ip, addr));
	return mc_fail(err, saved, "Bind for %s:%u failed", net_addr_str(ip, addr), port);
}

/* The range Linux takes ephemeral ports from; Docker picks free host ports there too. */
static void ephemeral_range(uint16_t *lo, uint16_t *hi)
{
	char text[64] = "";
	unsigned a, b;
	struct mc_error ignored;

	*lo = 32768;
	*hi = 60999;
	if (mc_read_file("/proc/sys/net/ipv4/ip_local_port_range", text, sizeof(text), NULL,
	                 &ignored) == 0 &&
	    sscanf(text, "%u %u", &a, &b) == 2 && a > 0 && a <= b && b <= 65535) {
		*lo = (uint16_t)a;
		*hi = (uint16_t)b;
	}
}

/* Choose the host port of one binding; `taken` are the ports no one else may have. */
static int choose_port(const struct net_binding *b, const struct net_port *taken, size_t ntaken,
                       uint16_t *out, struct mc_error *err)
{
	char addr[NET_ADDR_STRLEN];
	uint16_t lo = b->host_lo, hi = b->host_hi;
	bool single = lo != 0 && lo == hi;

	if (lo == 0)
		ephemeral_range(&lo, &hi);
	for (unsigned p = lo; p <= hi; p++) {
		bool clashes = false;

		for (size_t i = 0; i < ntaken && !clashes; i++)
			clashes = clash(&taken[i], b->proto, b->host_ip, (uint16_t)p);
		if (clashes && single)
			return mc_fail(err, 0, "Bind for %s:%u failed: port is already allocated",
			               net_addr_str(b->host_ip, addr), p);
		if (clashes)
			continue;
		if (host_port_free(b->proto, b->host_ip, (uint16_t)p, err) == 0) {
			*out = (uint16_t)p;
			return 0;
		}
		if (single || err->errnum != EADDRINUSE)
			return -1;
	}
	return mc_fail(err, 0, "no free host port for %u/%s in %u-%u", b->ctr_port,
	               net_proto_name(b->proto), lo, hi);
}

int net_publish(struct net_session *s, struct net_network *net, const char *container,
                const struct net_binding *bindings, size_t n, struct mc_error *err)
{
	struct net_port *taken = calloc(NET_MAX_PORTS * 4, sizeof(*taken));
	json_t *ep = net_endpoint(net, container), *ports = json_array();
	char addr[NET_ADDR_STRLEN];
	size_t ntaken;
	int rc = -1;

	if (taken == NULL || ports == NULL) {
		mc_fail(err, ENOMEM, "ports");
		goto out;
	}
	json_object_set(ep, "Ports", ports);
	net_session_changed(s, net);
	if (n > 0 && net_session_nat(s, err) < 0)
		goto out;
	ntaken = held_ports(s, container, taken, NET_MAX_PORTS * 3);
	for (size_t i = 0; i < n; i++) {
		struct net_port *p = &taken[ntaken];

		if (choose_port(&bindings[i], taken, ntaken, &p->host_port, err) < 0)
			goto out;
		p->proto = bindings[i].proto;
		p->host_ip = bindings[i].host_ip;
		p->ctr_ip = endpoint_addr(ep);
		p->ctr_port = bindings[i].ctr_port;
		if (net_nat_port(&s->nat, true, p, err) < 0)
			goto out;
		/* Recorded at once: a failure further on takes back exactly these. */
		json_array_append_new(ports, json_pack("{s:s, s:s, s:i, s:i}", "Proto",
		                                       net_proto_name(p->proto), "HostIp",
		                                       net_addr_str(p->host_ip, addr), "HostPort",
		                                       p->host_port, "ContainerPort", p->ctr_port));
		ntaken++;
	}
	rc = 0;
out:
	if (rc < 0 && ep != NULL)
		unpublish(s, ep);
	json_decref(ports);
	free(taken);
	return rc;
}

/* ---- links down ---------------------------------------------------------------------------- */

/*
 * An endpoint's ports, and its link when `unplug` (from a container that goes on
 * running: network disconnect).  A container that ended needs no unplugging: its
 * network namespace went with its last process, and the kernel deletes the
 * interfaces of a namespace that goes - eth0, and with it the veth's other end
 * on the bridge.  Deleting it ourselves would only make us wait for the kernel
 * to let go of the device (a few RCU grace periods, tens of milliseconds: the
 * cost that made a `run --rm` on the bridge three times as slow).
 */
static void endpoint_down(struct net_session *s, struct net_network *net, const char *container,
                          bool unplug)
{
	json_t *ep = net_endpoint(net, container);
	struct mc_error ignored;
	struct net_link l;

	if (ep == NULL)
		return;
	unpublish(s, ep);
	if (unplug && json_is_true(json_object_get(ep, "Up"))) {
		net_endpoint_link(net, container, &l);
		net_link_delete(&s->nl, l.host_if, &ignored);
	}
	json_object_del(ep, "Up");
	json_object_del(ep, "IfName");
	net_session_changed(s, net);
}

void net_endpoints_down(struct net_session *s, const char *container)
{
	for (size_t i = 0; i < s->count; i++)
		endpoint_down(s, &s->list[i], container, false);
}

/* ---- /etc/hosts of the running containers -------------------------------------------------- */

/* Does `a` share a network that resolves names (not the default) with anything? */
static bool resolves_names(const struct net_network *net)
{
	return !net->is_default;
}

/* "10.214.0.3\tdb 8e1f0c2d5a6b database\n" for every running peer of `container`. */
static void peer_lines(struct net_session *s, const char *container, char *buf, size_t size)
{
	size_t used = 0;
	const char *id;
	json_t *ep, *alias;
	size_t k;

	buf[0] = '\0';
	for (size_t i = 0; i < s->count; i++) {
		if (!resolves_names(&s->list[i]) || net_endpoint(&s->list[i], container) == NULL)
			continue;
		json_object_foreach(net_endpoints(&s->list[i]), id, ep)
		{
			if (strcmp(id, container) == 0 || !net_container_active(s->st, id) ||
			    used >= size)
				continue;
			used += (size_t)snprintf(buf + used, size - used, "%s\t%s%s%.12s",
			                         endpoint_str(ep, "IPv4Address"),
			                         endpoint_str(ep, "Name"),
			                         endpoint_str(ep, "Name")[0] ? " " : "", id);
			json_array_foreach(json_object_get(ep, "Aliases"), k, alias)
			{
				if (used < size)
					used += (size_t)snprintf(buf + used, size - used, " %s",
					                         json_string_value(alias) ?: "");
			}
			if (used < size)
				used += (size_t)snprintf(buf + used, size - used, "\n");
		}
	}
}

static int refresh_one(struct net_session *s, const char *container, struct mc_error *err)
{
	struct net_network *nets[NET_MAX_ENDPOINTS];
	char *peers;
	const char *path;
	int rc;

	if (net_endpoints_of(s, container, nets, NET_MAX_ENDPOINTS) == 0 ||
	    !net_container_active(s->st, container))
		return 0;
	path = endpoint_str(net_endpoint(nets[0], container), "HostsPath");
	if (path[0] == '\0')
		return 0;
	peers = malloc(NET_ETC_MAX);
	if (peers == NULL)
		return mc_fail(err, ENOMEM, "hosts");
	peer_lines(s, container, peers, NET_ETC_MAX);
	rc = net_hosts_set_peers(path, peers, err);
	if (rc == 0)
		mc_trace(CH, "%s: peers section rewritten in place (%zu bytes)", path,
		         strlen(peers));
	free(peers);
	return rc;
}

int net_hosts_refresh(struct net_session *s, const char *container, bool peers_too,
                      struct mc_error *err)
{
	struct mc_error ignored;
	const char *id;
	json_t *ep;

	if (refresh_one(s, container, err) < 0)
		return -1;
	for (size_t i = 0; peers_too && i < s->count; i++) {
		if (!resolves_names(&s->list[i]) || net_endpoint(&s->list[i], container) == NULL)
			continue;
		/* A peer whose file cannot be written loses nothing but a name: go on. */
		json_object_foreach(net_endpoints(&s->list[i]), id, ep)
		{
			if (strcmp(id, container) != 0)
				refresh_one(s, id, &ignored);
		}
	}
	return 0;
}

/* ---- sessions ------------------------------------------------------------------------------ */

/*
 * After a kill -9 of the process that ran a container: its links are gone
 * with its namespace (mostly - the kernel takes a moment), but its map
 * elements and its names in other hosts files are not.  Remove them.
 */
static void tidy_up(struct net_session *s)
{
	struct mc_error ignored;
	const char *id;
	json_t *ep;

	for (size_t i = 0; i < s->count; i++)
		json_object_foreach(net_endpoints(&s->list[i]), id, ep)
		{
			if (!json_is_true(json_object_get(ep, "Up")) &&
			    json_array_size(json_object_get(ep, "Ports")) == 0)
				continue;
			if (net_container_active(s->st, id))
				continue;
			mc_trace(
			    CH,
			    "container %.12s is gone but left its published ports: removing them",
			    id);
			net_endpoints_down(s, id);
			net_hosts_refresh(s, id, true, &ignored);
		}
}

int net_session_begin(struct net_session *s, struct net_store *st, struct mc_error *err)
{
	memset(s, 0, sizeof(*s));
	s->st = st;
	if (net_store_lock(st, err) < 0)
		return -1;
	if (net_networks_load(st, &s->list, &s->count, err) < 0 ||
	    net_nl_open(&s->nl, 0, err) < 0) {
		net_networks_free(s->list, s->count);
		net_store_unlock(st);
		return -1;
	}
	tidy_up(s);
	return 0;
}

int net_session_end(struct net_session *s, int rc, struct mc_error *err)
{
	struct mc_error save_err;

	for (size_t i = 0; i < s->count; i++)
		if (s->changed[i] && net_network_save(s->st, &s->list[i], &save_err) < 0 &&
		    rc == 0) {
			*err = save_err;
			rc = -1;
		}
	if (s->nat_open)
		net_nat_close(&s->nat);
	net_nl_close(&s->nl);
	net_networks_free(s->list, s->count);
	net_store_unlock(s->st);
	return rc;
}

/* ---- attaching ----------------------------------------------------------------------------- */

int net_endpoint_add(struct net_session *s, struct net_network *net, const struct net_attach *a,
                     struct mc_error *err)
{
	uint32_t *used = calloc(json_object_size(net_endpoints(net)) + 1, sizeof(*used));
	char addr[NET_ADDR_STRLEN], mac_text[18], id[65];
	unsigned char mac[6];
	json_t *ep, *aliases = json_array();
	const char *key;
	size_t n = 0;
	uint32_t chosen;
	int rc = -1;

	if (used == NULL || aliases == NULL) {
		mc_fail(err, ENOMEM, "endpoint");
		goto out;
	}
	if (net_endpoint(net, a->container) != NULL) {
		mc_fail(err, 0, "endpoint with name %s already exists in network %s",
		        a->name ? a->name : a->container, net->name);
		goto out;
	}
	/* Docker's rules: a fixed address and aliases only where the user made the network. */
	if (net->is_default && a->ip != 0) {
		mc_fail(err, 0,
		        "user specified IP address is supported on user defined "
		        "networks only");
		goto out;
	}
	if (net->is_default && a->aliases != NULL && a->aliases[0] != NULL) {
		mc_fail(err, 0,
		        "network-scoped alias is supported only for containers in "
		        "user defined networks");
		goto out;
	}
	json_object_foreach(net_endpoints(net), key, ep) used[n++] = endpoint_addr(ep);
	if (net_ipam_pick(&net->subnet, net->gateway, used, n, a->ip, &chosen, err) < 0) {
		if (err->errnum == EADDRINUSE)
			mc_fail(err, 0, "Address already in use: %s on network %s",
			        net_addr_str(a->ip, addr), net->name);
		else if (err->errnum == ENOSPC)
			mc_fail_context(err, "network %s", net->name);
		goto out;
	}
	for (size_t i = 0; a->aliases != NULL && a->aliases[i] != NULL; i++) {
		/* Each becomes a word on a line of other containers' /etc/hosts. */
		if (!net_valid_hostname(a->aliases[i])) {
			mc_fail(err, 0, "invalid network alias \"%s\"", a->aliases[i]);
			goto out;
		}
		json_array_append_new(aliases, json_string(a->aliases[i]));
	}
	net_mac_of(chosen, mac);
	net_random_id(id);
	json_object_set_new(net_endpoints(net), a->container,
	                    json_pack("{s:s, s:s, s:s, s:s, s:O, s:s, s:b}", "Name",
	                              a->name ? a->name : "", "EndpointID", id, "MacAddress",
	                              net_mac_str(mac, mac_text), "IPv4Address",
	                              net_addr_str(chosen, addr), "Aliases", aliases, "HostsPath",
	                              a->hosts_path ? a->hosts_path : "", "Primary", a->primary));
	/* What the user asked for, as Docker's inspect shows it. */
	json_object_set_new(net_endpoint(net, a->container), "IPAMConfig",
	                    a->ip != 0 ? json_pack("{s:s}", "IPv4Address", addr) : json_null());
	net_session_changed(s, net);
	mc_trace(CH, "IPAM: %s gets %s on network %s (%s)", a->name ? a->name : a->container, addr,
	         net->name, net->bridge);
	rc = 0;
out:
	json_decref(aliases);
	free(used);
	return rc;
}

/* ---- the verbs' work ----------------------------------------------------------------------- */

/* The next free ethN inside a container that is on the given networks already. */
static void next_ifname(struct net_session *s, const char *container, char *out, size_t size)
{
	for (int n = 0;; n++) {
		bool taken = false;

		snprintf(out, size, "eth%d", n);
		for (size_t i = 0; i < s->count && !taken; i++)
			taken = strcmp(endpoint_str(net_endpoint(&s->list[i], container), "IfName"),
			               out) == 0;
		if (!taken)
			return;
	}
}

/* Plug a new endpoint into a running container: link, address, names. */
static int plug_running(struct net_session *s, struct net_network *net, const char *container,
                        pid_t pid, struct mc_error *err)
{
	json_t *ep = net_endpoint(net, container);
	struct net_link l;
	bool forwarding;

	next_ifname(s, container, l.ifname, sizeof(l.ifname));
	json_object_set_new(ep, "IfName", json_string(l.ifname));
	net_endpoint_link(net, container, &l);
	if (net_session_nat(s, err) < 0 || net_bridge_ensure(&s->nl, &s->nat, net, err) < 0 ||
	    (!net->internal && net_enable_forwarding(&forwarding, err) < 0) ||
	    net_link_plug(&s->nl, pid, &l, err) < 0)
		return -1;
	json_object_set_new(ep, "Up", json_true());
	return net_hosts_refresh(s, container, true, err);
}

int net_connect(struct net_store *st, const char *network, const struct net_attach *a, pid_t pid,
                struct mc_error *err)
{
	struct net_session s;
	struct net_network *net;
	int rc = -1;

	if (net_session_begin(&s, st, err) < 0)
		return -1;
	net = net_network_lookup(s.list, s.count, network, err);
	if (net == NULL || net_endpoint_add(&s, net, a, err) < 0)
		goto out;
	if (pid > 0 && net_container_active(st, a->container) &&
	    plug_running(&s, net, a->container, pid, err) < 0) {
		endpoint_down(&s, net, a->container, true);
		json_object_del(net_endpoints(net), a->container);
		goto out;
	}
	rc = 0;
out:
	return net_session_end(&s, rc, err);
}

/* Rewrite the hosts files of everyone on `net` but `container` (it just left). */
static void refresh_network(struct net_session *s, struct net_network *net, const char *container)
{
	struct mc_error ignored;
	const char *id;
	json_t *ep;

	json_object_foreach(net_endpoints(net), id, ep)
	{
		if (strcmp(id, container) != 0)
			refresh_one(s, id, &ignored);
	}
}

int net_disconnect(struct net_store *st, const char *network, const char *container,
                   struct mc_error *err)
{
	struct net_session s;
	struct net_network *net;
	struct mc_error ignored;
	int rc = -1;

	if (net_session_begin(&s, st, err) < 0)
		return -1;
	net = net_network_lookup(s.list, s.count, network, err);
	if (net == NULL)
		goto out;
	if (net_endpoint(net, container) == NULL) {
		mc_fail(err, 0, "container %.12s is not connected to network %s", container,
		        net->name);
		goto out;
	}
	endpoint_down(&s, net, container, net_container_active(st, container));
	json_object_del(net_endpoints(net), container);
	net_session_changed(&s, net);
	refresh_network(&s, net, container);
	refresh_one(&s, container, &ignored);
	rc = 0;
out:
	return net_session_end(&s, rc, err);
}

int net_release(struct net_store *st, const char *container, struct mc_error *err)
{
	struct net_session s;

	if (net_session_begin(&s, st, err) < 0)
		return -1;
	net_endpoints_down(&s, container);
	for (size_t i = 0; i < s.count; i++)
		if (net_endpoint(&s.list[i], container) != NULL) {
			json_object_del(net_endpoints(&s.list[i]), container);
			net_session_changed(&s, &s.list[i]);
			mc_trace(CH, "IPAM: container %.12s released its address on %s", container,
			         s.list[i].name);
			refresh_network(&s, &s.list[i], container);
		}
	net_container_forget(st, container);
	return net_session_end(&s, 0, err);
}
