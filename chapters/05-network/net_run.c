/* net_run.c - chapter 05's step in the container's lifecycle (see net_run.h). */
#define _GNU_SOURCE
#include "net_run.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mc_file.h"
#include "mc_resolve.h"
#include "mc_trace.h"
#include "net_etc.h"
#include "ns_namespaces.h"

#define CH "ch05"

static const char *const etc_files[] = {"hostname", "hosts", "resolv.conf"};
#define N_ETC (sizeof(etc_files) / sizeof(etc_files[0]))

void net_run_init(struct net_run *run)
{
	memset(run, 0, sizeof(*run));
	run->hold_fd = -1;
}

static void notify(const struct net_run *run, const char *text)
{
	if (run->notice != NULL)
		run->notice(text);
}

/* ---- the /etc files -------------------------------------------------------------------------- */

/* A new file (a new inode: an old one may still be another container's, see link_etc()). */
static int write_etc(const struct net_run *run, const char *name, const char *text,
                     struct mc_error *err)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8];
	FILE *f;

	if (mc_path_join(path, sizeof(path), run->etc_dir, name, err) < 0)
		return -1;
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	f = fopen(tmp, "we");
	if (f == NULL)
		return mc_fail(err, errno, "create %s", tmp);
	fputs(text, f);
	if (fclose(f) != 0)
		return mc_fail(err, errno, "write %s", tmp);
	if (rename(tmp, path) < 0)
		return mc_fail(err, errno, "rename %s", path);
	return 0;
}

/* The host's file, or NULL when it has none (or it cannot be read). */
static char *read_host_file(const char *path, char *buf, size_t size)
{
	struct mc_error ignored;

	return mc_read_file(path, buf, size, NULL, &ignored) < 0 ? NULL : buf;
}

/* hosts and resolv.conf as libnetwork writes them for this network mode (net_etc.h). */
static int write_hosts_and_resolv(const struct net_run *run, const struct net_etc *e, char *host,
                                  char *out, struct mc_error *err)
{
	bool host_network = run->mode == NET_MODE_HOST, fallback = false;
	const char *source = host_network ? NET_RESOLV_CONF : net_resolv_source(false);

	/* The host's own hosts file as it is - unless --add-host's must go in. */
	if (host_network && (e->extra_hosts == NULL || e->extra_hosts[0] == NULL)) {
		if (write_etc(run, "hosts", read_host_file("/etc/hosts", out, NET_ETC_MAX) ?: "",
		              err) < 0)
			return -1;
	} else if (net_hosts_text(e, out, NET_ETC_MAX, err) < 0 ||
	           write_etc(run, "hosts", out, err) < 0) {
		return -1;
	}
	if (net_resolv_conf(read_host_file(source, host, NET_ETC_MAX), source,
	                    run->mode == NET_MODE_NETWORK, e, out, NET_ETC_MAX, &fallback,
	                    err) < 0 ||
	    write_etc(run, "resolv.conf", out, err) < 0)
		return -1;
	if (fallback)
		notify(run, "the host's only DNS servers are on its loopback, unreachable from a "
		            "container: using " NET_FALLBACK_DNS_1 " and " NET_FALLBACK_DNS_2
		            " (set others with --dns)");
	return 0;
}

static int write_etc_files(const struct net_run *run, const uint32_t *addrs, size_t naddrs,
                           uint32_t gateway, struct mc_error *err)
{
	struct net_etc e = {run->hostname,
	                    addrs,
	                    naddrs,
	                    run->extra_hosts,
	                    gateway,
	                    run->dns,
	                    run->dns_search,
	                    run->dns_options,
	                    net_ipv6_loopback(run->mode == NET_MODE_HOST)};
	char *host = malloc(NET_ETC_MAX), *out = malloc(NET_ETC_MAX), name[300];
	int rc = -1;

	if (host == NULL || out == NULL) {
		mc_fail(err, ENOMEM, "/etc files");
		goto out;
	}
	snprintf(name, sizeof(name), "%s\n", run->hostname);
	if (mc_mkdir_p(run->etc_dir, 0700, err) < 0 || write_etc(run, "hostname", name, err) < 0 ||
	    write_hosts_and_resolv(run, &e, host, out, err) < 0)
		goto out;
	rc = 0;
out:
	free(host);
	free(out);
	return rc;
}

/*
 * --network container:ID shares that container's files, as Docker does: the
 * same inodes (hard links), so that its /etc/hosts, kept current in place,
 * is current here too.
 */
static int link_etc(const struct net_run *run, struct mc_error *err)
{
	char from[PATH_MAX], to[PATH_MAX];

	if (mc_mkdir_p(run->etc_dir, 0700, err) < 0)
		return -1;
	for (size_t i = 0; i < N_ETC; i++) {
		if (mc_path_join(from, sizeof(from), run->join_etc_dir, etc_files[i], err) < 0 ||
		    mc_path_join(to, sizeof(to), run->etc_dir, etc_files[i], err) < 0)
			return -1;
		if (unlink(to) < 0 && errno != ENOENT)
			return mc_fail(err, errno, "remove %s", to);
		if (link(from, to) < 0)
			return mc_fail(err, errno, "link %s to %s", to, from);
	}
	return 0;
}

/* ---- prepare: the host side ----------------------------------------------------------------- */

/* One endpoint: its network's bridge now; its pair after clone (move_in()). */
static int plumb(struct net_session *s, struct net_run *run, struct net_network *net, size_t index,
                 struct mc_error *err)
{
	struct net_link *l = &run->links[run->nlinks];
	json_t *ep = net_endpoint(net, run->container);
	bool forwarding = false;

	json_object_set_new(ep, "IfName", json_sprintf("eth%zu", index));
	/* Marked before it exists: whoever cleans up after us deletes the pair. */
	json_object_set_new(ep, "Up", json_true());
	net_session_changed(s, net);
	net_endpoint_link(net, run->container, l);
	/* Its first network routes for it (the main one - or, if that was disconnected, the
	 * next), as Docker gives the default gateway to one endpoint. */
	l->primary = index == 0;
	if (net_session_nat(s, err) < 0 || net_bridge_ensure(&s->nl, &s->nat, net, err) < 0)
		return -1;
	if (!net->internal && net_enable_forwarding(&forwarding, err) < 0)
		return -1;
	if (forwarding && !net->internal)
		notify(run, "IPv4 forwarding was off on this host; turned it on "
		            "(net.ipv4.ip_forward=1) so that containers can reach beyond it");
	run->nlinks++;
	return 0;
}

static int attach_now(struct net_session *s, struct net_run *run, struct mc_error *err)
{
	char hosts[PATH_MAX];
	struct net_network *net;
	struct net_attach a = {run->container, run->name, NULL, hosts, run->attach_ip, true};

	if (mc_path_join(hosts, sizeof(hosts), run->etc_dir, "hosts", err) < 0)
		return -1;
	net = net_network_lookup(s->list, s->count, run->attach_network, err);
	return net == NULL ? -1 : net_endpoint_add(s, net, &a, err);
}

/* "eth0 10.213.0.2/16 on bridge (mc0), gateway 10.213.0.1" per link, then the ports. */
static void summarize(struct net_run *run, struct net_network **nets, size_t n)
{
	struct net_port_entry entries[NET_MAX_PORTS];
	char addr[NET_ADDR_STRLEN], gw[NET_ADDR_STRLEN], ports[512];
	size_t used = 0, count;

	for (size_t i = 0; i < n && used < sizeof(run->summary); i++) {
		const struct net_link *l = &run->links[i];

		used += (size_t)snprintf(
		    run->summary + used, sizeof(run->summary) - used, "%s %s/%u on %s (%s)%s%s\n",
		    l->ifname, net_addr_str(l->addr, addr), l->prefix, nets[i]->name, l->bridge,
		    l->primary && !l->internal ? ", gateway " : "",
		    l->primary && !l->internal ? net_addr_str(l->gateway, gw) : "");
	}
	count = net_endpoint_ports(net_endpoint(nets[0], run->container), entries, NET_MAX_PORTS);
	if (count > 0 && used < sizeof(run->summary))
		snprintf(run->summary + used, sizeof(run->summary) - used, "published %s\n",
		         net_ports_display(entries, count, ports, sizeof(ports)));
}

static int prepare_network(struct net_run *run, struct mc_error *err)
{
	struct net_network *nets[NET_MAX_ENDPOINTS];
	uint32_t addrs[NET_MAX_ENDPOINTS];
	struct mc_error ignored;
	struct net_session s;
	size_t n;
	int rc = -1;

	run->nlinks = 0;
	if (net_session_begin(&s, run->store, err) < 0)
		return -1;
	if (run->attach_network != NULL && attach_now(&s, run, err) < 0)
		goto out;
	n = net_endpoints_of(&s, run->container, nets, NET_MAX_ENDPOINTS);
	if (n == 0) {
		mc_fail(err, 0, "container %.12s is on no network", run->container);
		goto out;
	}
	/* From here on the container counts as running: its peers will list it. */
	if (net_container_hold(run->store, run->container, &run->hold_fd, err) < 0)
		goto out;
	for (size_t i = 0; i < n; i++)
		if (plumb(&s, run, nets[i], i, err) < 0)
			goto out;
	if (net_publish(&s, nets[0], run->container, run->ports, run->nports, err) < 0)
		goto out;
	for (size_t i = 0; i < n; i++)
		addrs[i] = run->links[i].addr;
	summarize(run, nets, n);
	if (write_etc_files(run, addrs, n, nets[0]->gateway, err) < 0 ||
	    net_hosts_refresh(&s, run->container, true, err) < 0)
		goto out;
	rc = 0;
out:
	if (rc < 0) {
		/* Nothing half-made: links, ports, the hold, and an address taken just now. */
		net_endpoints_down(&s, run->container);
		if (run->hold_fd >= 0)
			close(run->hold_fd);
		run->hold_fd = -1;
		for (size_t i = 0; run->attach_network != NULL && i < s.count; i++)
			if (json_object_del(net_endpoints(&s.list[i]), run->container) == 0)
				net_session_changed(&s, &s.list[i]);
		run->nlinks = 0;
		net_session_end(&s, rc, &ignored);
		return -1;
	}
	return net_session_end(&s, rc, err);
}

/* The other container's namespace, remembered by device and inode: a reused pid is no match. */
static int prepare_join(struct ns_container *c, struct net_run *run, struct mc_error *err)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)run->join_pid);
	if (run->join_pid <= 0 || stat(path, &st) < 0)
		return mc_fail(err, 0,
		               "cannot join the network of a container that is not "
		               "running");
	run->join_dev = st.st_dev;
	run->join_ino = st.st_ino;
	/* No namespace of its own to make: before-pivot enters the other one. */
	c->cfg->host_network = true;
	return link_etc(run, err);
}

static int prepare(struct ns_container *c, void *arg, struct mc_error *err)
{
	struct net_run *run = arg;

	switch (run->mode) {
	case NET_MODE_NETWORK:
		return prepare_network(run, err);
	case NET_MODE_CONTAINER:
		return prepare_join(c, run, err);
	case NET_MODE_HOST:
		c->cfg->host_network = true;
		return write_etc_files(run, NULL, 0, 0, err);
	case NET_MODE_NONE:
		break;
	}
	return write_etc_files(run, NULL, 0, 0, err);
}

/* ---- after clone: into the child's namespace ------------------------------------------------ */

static int move_in(struct ns_container *c, void *arg, struct mc_error *err)
{
	struct net_run *run = arg;
	struct net_nl host;
	int rc = 0;

	if (run->nlinks == 0)
		return 0;
	if (net_nl_open(&host, 0, err) < 0)
		return -1;
	/* The child waits for "go": its eth0 is ready before it runs a single instruction. */
	for (size_t i = 0; i < run->nlinks && rc == 0; i++)
		rc = net_link_plug(&host, c->pid, &run->links[i], err);
	net_nl_close(&host);
	return rc;
}

/* ---- before pivot: in the child -------------------------------------------------------------- */

static int join_namespace(const struct net_run *run, struct mc_error *err)
{
	char path[64];
	struct stat st;
	int fd, rc;

	/* Before pivot_root the host's /proc is still this mount namespace's /proc, and it
	 * counts pids as the host does: the other container's pid means it there. */
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)run->join_pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return mc_fail(err, errno, "open %s", path);
	if (fstat(fd, &st) < 0 || st.st_dev != run->join_dev || st.st_ino != run->join_ino) {
		close(fd);
		return mc_fail(err, 0, "the container whose network we join has gone");
	}
	rc = setns(fd, CLONE_NEWNET);
	mc_trace_call(CH, rc, "the other container's interfaces, addresses and ports are ours",
	              "setns(%s, CLONE_NEWNET)", path);
	close(fd);
	if (rc < 0)
		return mc_fail(err, errno, "join the network namespace of process %d",
		               (int)run->join_pid);
	return 0;
}

/* Docker's /etc files are bind mounts over the image's, each resolved inside the root. */
static int bind_etc(int rootfd, const struct net_run *run, struct mc_error *err)
{
	for (size_t i = 0; i < N_ETC; i++) {
		char source[PATH_MAX], target[64];
		int fd, rc;

		snprintf(target, sizeof(target), "/etc/%s", etc_files[i]);
		if (mc_path_join(source, sizeof(source), run->etc_dir, etc_files[i], err) < 0)
			return -1;
		fd = mc_open_or_make_in_root(rootfd, target, false, err);
		if (fd < 0)
			return -1;
		rc = mc_mount_on_fd(
		    source, fd, NULL, MS_BIND, NULL, CH, target,
		    i == 0 ? "the container's own /etc files, kept outside its root" : NULL, err);
		close(fd);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int inside(struct ns_container *c, void *arg, struct mc_error *err)
{
	struct net_run *run = arg;

	if (run->mode == NET_MODE_CONTAINER && join_namespace(run, err) < 0)
		return -1;
	return run->etc_unmounted ? 0 : bind_etc(c->rootfd, run, err);
}

/* ---- after exit ------------------------------------------------------------------------------ */

static int tear_down(struct ns_container *c, void *arg, struct mc_error *err)
{
	struct net_run *run = arg;
	struct net_session s;

	(void)c;
	if (run->mode != NET_MODE_NETWORK)
		return 0;
	if (net_session_begin(&s, run->store, err) < 0)
		return -1;
	net_endpoints_down(&s, run->container);
	/* Not running any more: the peers' /etc/hosts lose its name. */
	close(run->hold_fd);
	run->hold_fd = -1;
	net_hosts_refresh(&s, run->container, true, err);
	for (size_t i = 0; run->attach_network != NULL && i < s.count; i++)
		if (json_object_del(net_endpoints(&s.list[i]), run->container) == 0) {
			net_session_changed(&s, &s.list[i]);
			mc_trace(CH, "IPAM: released the address on %s", s.list[i].name);
		}
	if (run->attach_network != NULL)
		net_container_forget(run->store, run->container);
	run->nlinks = 0;
	return net_session_end(&s, 0, err);
}

int net_add_step(struct ns_config *cfg, struct net_run *run, struct mc_error *err)
{
	const struct ns_step step = {
	    .chapter = CH,
	    .name = "network",
	    .prepare = prepare,
	    .after_clone = move_in,
	    .before_pivot = inside,
	    .after_exit = tear_down,
	    .arg = run,
	};

	return ns_add_step(cfg, &step, err);
}

/* ---- the demo's flags ------------------------------------------------------------------------ */

static int set_network(void *target, const char *value, struct mc_error *err)
{
	struct net_options *o = target;

	if (strncmp(value, "container:", 10) == 0)
		return mc_fail(err, 0, "--network container:ID is minicontainer's (no ids here)");
	o->network = value;
	return 0;
}

static int add_publish(void *target, const char *value, struct mc_error *err)
{
	struct net_run *run = &((struct net_options *)target)->run;
	size_t n;

	if (net_parse_publish(value, run->ports + run->nports, NET_MAX_PORTS - run->nports, &n,
	                      err) < 0)
		return -1;
	run->nports += n;
	return 0;
}

static int set_ip(void *target, const char *value, struct mc_error *err)
{
	return net_addr_parse(value, &((struct net_options *)target)->run.attach_ip, err);
}

static int add_dns(void *target, const char *value, struct mc_error *err)
{
	struct net_options *o = target;
	uint32_t a;

	if (net_addr_parse(value, &a, err) < 0)
		return -1;
	if (o->ndns == NET_MAX_LIST)
		return mc_fail(err, 0, "at most %d --dns", NET_MAX_LIST);
	o->run.dns[o->ndns++] = value;
	return 0;
}

static int add_host(void *target, const char *value, struct mc_error *err)
{
	struct net_options *o = target;
	char name[256];
	uint32_t a;

	if (net_parse_extra_host(value, name, sizeof(name), &a, err) < 0)
		return -1;
	if (o->nhosts == NET_MAX_LIST)
		return mc_fail(err, 0, "at most %d --add-host", NET_MAX_LIST);
	o->run.extra_hosts[o->nhosts++] = value;
	return 0;
}

static int set_bytes(void *target, const char *value, struct mc_error *err)
{
	(void)target;
	(void)value;
	(void)err;
	net_nl_trace_bytes(true);
	return 0;
}

const struct mc_option net_options_table[] = {
    {"network", 0, "NET", "none, host, bridge (default) or a network made with minicontainer",
     set_network, 0},
    {"publish", 'p', "SPEC", "publish a port: [IP:][HOSTPORT:]PORT[/udp] (repeatable)", add_publish,
     0},
    {"ip", 0, "ADDR", "this address on a user network", set_ip, 0},
    {"dns", 0, "ADDR", "a DNS server for /etc/resolv.conf (repeatable)", add_dns, 0},
    {"add-host", 0, "NAME:IP", "a line for /etc/hosts (repeatable)", add_host, 0},
    {"netlink-bytes", 0, NULL, "with --trace, also print every netlink request in hex", set_bytes,
     0},
    {NULL, 0, NULL, NULL, NULL, 0},
};

void net_options_init(struct net_options *o)
{
	memset(o, 0, sizeof(*o));
	net_run_init(&o->run);
	o->network = NET_DEFAULT_NAME;
}
