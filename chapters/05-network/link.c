/* link.c - chapter 05: bridges and veth pairs (see net_link.h). */
#define _GNU_SOURCE
#include "net_link.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "mc_file.h"
#include "mc_trace.h"

#define CH "ch05"

void net_link_names(struct net_link *l, const char *id, const char *net_id)
{
	snprintf(l->host_if, sizeof(l->host_if), "mcv%.8s%.4s", id, net_id);
}

/* A per-interface sysctl; /proc/sys/net shows the network namespace of whoever opens it. */
static int set_sysctl(const char *path, const char *value, const char *why, struct mc_error *err)
{
	int rc = mc_write_file(path, value, err);

	mc_trace_call(CH, rc, why, "write(%s, \"%s\")", path, value);
	return rc;
}

int net_enable_forwarding(bool *changed, struct mc_error *err)
{
	static const char path[] = "/proc/sys/net/ipv4/ip_forward";
	char value[8] = "";

	*changed = false;
	if (mc_read_file(path, value, sizeof(value), NULL, err) < 0)
		return -1;
	if (value[0] == '1')
		return 0;
	if (set_sysctl(path, "1", "the host now routes between its interfaces", err) < 0)
		return -1;
	*changed = true;
	return 0;
}

static int make_bridge(struct net_nl *nl, const struct net_network *net, struct mc_error *err)
{
	char path[128];
	int index;

	if (net_nl_bridge_add(nl, net->bridge, err) < 0 ||
	    net_nl_link_get(nl, net->bridge, &index, NULL, 0, err) < 0 ||
	    net_nl_addr_add(nl, index, net->gateway, net->subnet.prefix, err) < 0 ||
	    net_nl_link_up(nl, index, err) < 0)
		return -1;
	/*
	 * 127.0.0.1:PORT from the host itself is DNATed to a container; the
	 * packet then leaves through the bridge with source 127.0.0.1, which
	 * the kernel refuses to route ("martian") unless route_localnet is on
	 * for that interface.  Docker does the same without its userland proxy.
	 */
	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/route_localnet", net->bridge);
	return set_sysctl(path, "1", "127.0.0.1 may be routed to the containers", err);
}

int net_bridge_ensure(struct net_nl *nl, struct net_nat *nat, const struct net_network *net,
                      struct mc_error *err)
{
	char kind[32];
	struct mc_error ignored;
	int index;

	if (net_nl_link_get(nl, net->bridge, &index, kind, sizeof(kind), err) == 0) {
		if (strcmp(kind, "bridge") != 0)
			return mc_fail(err, 0, "%s exists and is not a bridge (it is a %s link)",
			               net->bridge, kind[0] ? kind : "plain");
		return 0;
	}
	if (err->errnum != ENODEV)
		return -1;
	mc_trace(CH, "network %s: its bridge %s is not there yet, making it", net->name,
	         net->bridge);
	if (make_bridge(nl, net, err) < 0 ||
	    net_nat_network(nat, true, net->bridge, &net->subnet, net->internal, err) < 0)
		goto undo;
	return 0;
undo:
	/* Nothing half-made: no bridge without its rules, next time starts afresh. */
	net_nl_link_del(nl, net->bridge, &ignored);
	return -1;
}

int net_bridge_remove(struct net_nl *nl, struct net_nat *nat, const struct net_network *net,
                      struct mc_error *err)
{
	net_nat_network(nat, false, net->bridge, &net->subnet, net->internal, err);
	if (net_nl_link_del(nl, net->bridge, err) < 0 && err->errnum != ENODEV)
		return -1;
	return 0;
}

/* The other end, inside: its address, up, and the default route on the main network. */
static int configure_inside(pid_t pid, const struct net_link *l, struct mc_error *err)
{
	struct net_nl inside;
	int index, rc = -1;

	if (net_nl_open(&inside, pid, err) < 0)
		return -1;
	if (net_nl_link_get(&inside, l->ifname, &index, NULL, 0, err) < 0 ||
	    net_nl_addr_add(&inside, index, l->addr, l->prefix, err) < 0 ||
	    net_nl_link_up(&inside, index, err) < 0)
		goto out;
	if (l->primary && !l->internal &&
	    net_nl_route_add_default(&inside, index, l->gateway, err) < 0)
		goto out;
	rc = 0;
out:
	net_nl_close(&inside);
	return rc;
}

int net_link_plug(struct net_nl *host, pid_t pid, const struct net_link *l, struct mc_error *err)
{
	unsigned char mac[6];
	struct mc_error ignored;
	int index, bridge;

	net_mac_of(l->addr, mac);
	if (net_nl_veth_add(host, l->host_if, l->ifname, mac, pid, err) < 0)
		return -1;
	if (net_nl_link_get(host, l->bridge, &bridge, NULL, 0, err) < 0 ||
	    net_nl_link_get(host, l->host_if, &index, NULL, 0, err) < 0 ||
	    net_nl_link_set_master(host, index, bridge, err) < 0 ||
	    net_nl_link_up(host, index, err) < 0 || configure_inside(pid, l, err) < 0) {
		net_nl_link_del(host, l->host_if, &ignored);
		return -1;
	}
	return 0;
}

int net_link_delete(struct net_nl *nl, const char *host_if, struct mc_error *err)
{
	if (net_nl_link_del(nl, host_if, err) < 0 && err->errnum != ENODEV)
		return -1;
	return 0;
}
