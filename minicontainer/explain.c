/*
 * explain.c - `minicontainer explain CONTAINER`: a running container, the way
 * the book explains it, on one screen.
 *
 * Every line is read from the kernel or from the record the chapter that made
 * it keeps, never recomputed from the flags, and is tagged with that chapter:
 *
 *	[ch01] namespaces   /proc/PID/ns/NAME beside /proc/self/ns/NAME (inode numbers)
 *	[ch02] cgroup       its path, the limits asked for, the usage (cg_read_stats)
 *	[ch03] overlay      lowerdir/upperdir/workdir of its root, from /proc/PID/mountinfo
 *	[chNN] mounts       the rest of its mount table, each with the chapter that mounts it
 *	[ch05] network      bridge, veth pair, address, published ports (the network's record)
 *	[ch01] confinement  CapEff/CapBnd and Seccomp from /proc/PID/status
 *	[mc]   the record   the capstone's own: name, image, command, PID
 *
 * Paths are shortened as --trace shortens them ($MC_ROOT, $RUNDIR, $CGROUP),
 * and every line fits 100 columns: made for a projector.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cg_cgroups.h"
#include "mc.h"
#include "mc_container.h"
#include "mc_net.h"
#include "mc_trace.h"
#include "net_link.h"
#include "net_store.h"
#include "ns_confine.h"

static const struct mc_option no_options[] = {
    {NULL, 0, NULL, NULL, NULL, 0},
};

const struct mc_command mc_cmd_explain = {
    .name = "explain",
    .usage = "CONTAINER",
    .summary = "Show a running container as the book explains it, chapter by chapter",
    .options = no_options,
    .min_args = 1,
    .max_args = 1,
};

#define LABEL 16 /* "cgroup          ": the width of the first column */

/*
 * One line (or more, wrapped): "[tag]  label           text".  A text whose
 * first LABEL columns end in two spaces has a label: lines it wraps onto start
 * under its text, not under the label.
 */
static void say(const char *tag, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(const char *tag, const char *fmt, ...)
{
	char text[4096], bracket[16], head[64], out[8192];
	size_t label = 0;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (strlen(text) > LABEL && text[LABEL - 1] == ' ' && text[LABEL - 2] == ' ')
		label = LABEL;
	snprintf(bracket, sizeof(bracket), "[%s]", tag);
	/* "[mc]" lines up with "[ch01]". */
	snprintf(head, sizeof(head), "%-7s%.*s", bracket, (int)label, text);
	fputs(mc_trace_layout(head, text + label, out, sizeof(out)), stdout);
}

static const char *json_str(json_t *doc, const char *path1, const char *path2)
{
	json_t *v = json_object_get(doc, path1);

	if (path2 != NULL)
		v = json_object_get(v, path2);
	return json_is_string(v) ? json_string_value(v) : "";
}

/* ---- chapter 01: namespaces ---------------------------------------------------------------- */

/* The inode number of /proc/PID/ns/NAME ("net:[4026532008]"), 0 if it cannot be read. */
static unsigned long ns_inode(const char *pid, const char *name)
{
	char path[64], link[64], *open;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%s/ns/%s", pid, name);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return 0;
	link[n] = '\0';
	open = strchr(link, '[');
	return open != NULL ? strtoul(open + 1, NULL, 10) : 0;
}

static void explain_namespaces(pid_t pid)
{
	static const char *const names[] = {"pid", "mnt",  "uts",    "ipc",
	                                    "net", "user", "cgroup", "time"};
	char p[16];

	snprintf(p, sizeof(p), "%d", (int)pid);
	say("ch01", "namespaces      container    host (this shell)");
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		unsigned long in = ns_inode(p, names[i]), out = ns_inode("self", names[i]);

		say("ch01", "  %-7s       %-12lu %-12lu %s", names[i], in, out,
		    in == out ? "shared with the host" : "its own");
	}
}

/* ---- chapter 02: the cgroup ------------------------------------------------------------------ */

static void print_bytes(char *buf, size_t size, int64_t bytes)
{
	if (bytes < 0)
		snprintf(buf, size, "?");
	else if (bytes >= 1 << 20)
		snprintf(buf, size, "%.1f MiB", (double)bytes / (1 << 20));
	else
		snprintf(buf, size, "%.1f KiB", (double)bytes / 1024);
}

static void explain_cgroup(const struct mc_container *c)
{
	json_t *hc = json_object_get(c->doc, "HostConfig");
	int64_t memory = json_integer_value(json_object_get(hc, "Memory"));
	int64_t pids = json_integer_value(json_object_get(hc, "PidsLimit"));
	int64_t nano = json_integer_value(json_object_get(hc, "NanoCpus"));
	int64_t shares = json_integer_value(json_object_get(hc, "CpuShares"));
	char used[32], peak[32], limit[64], dir[PATH_MAX];
	struct cg_stats st;
	struct cgroup cg;
	struct mc_error err;

	if (mc_container_cgroup(c, &cg, &err) < 0) {
		say("ch02", "cgroup: %s", err.msg);
		return;
	}
	if (cg.mode == CG_UNIFIED)
		snprintf(dir, sizeof(dir), "%s/%s", cg.mount, cg.path);
	else /* one directory per controller: memory/, cpu/, pids/ ... */
		snprintf(dir, sizeof(dir), "%s/{memory,cpu,pids,...}/%s", cg.mount, cg.path);
	say("ch02", "cgroup          %s, %s", dir, cg_mode_name(cg.mode));
	if (cg_read_stats(&cg, &st, &err) < 0) {
		say("ch02", "  usage: %s", err.msg);
		return;
	}
	print_bytes(used, sizeof(used), st.memory_current);
	print_bytes(peak, sizeof(peak), st.memory_peak);
	if (memory > 0)
		print_bytes(limit, sizeof(limit), memory);
	else
		snprintf(limit, sizeof(limit), "none");
	say("ch02", "  memory        %s used, peak %s, limit %s (--memory)", used, peak, limit);
	if (pids > 0)
		snprintf(limit, sizeof(limit), "%" PRId64, pids);
	else
		snprintf(limit, sizeof(limit), "none");
	say("ch02", "  pids          %" PRId64 " now, limit %s (--pids-limit)", st.pids_current,
	    limit);
	if (nano > 0)
		snprintf(limit, sizeof(limit), "%.2f CPUs (--cpus)", (double)nano / 1e9);
	else if (shares > 0)
		snprintf(limit, sizeof(limit), "weight %" PRId64 " (--cpu-shares)", shares);
	else
		snprintf(limit, sizeof(limit), "none");
	say("ch02", "  cpu           %.3f s used, limit %s", (double)st.cpu_usec / 1e6, limit);
	if (st.oom_kills > 0)
		say("ch02", "  oom kills     %" PRIu64, st.oom_kills);
}

/* ---- chapter 03 and the mounts: /proc/PID/mountinfo ----------------------------------------- */

/* Which chapter mounts `target` in a container (volumes: the capstone). */
static const char *mount_chapter(const struct mc_container *c, const char *target)
{
	json_t *m;
	size_t i;

	json_array_foreach(json_object_get(c->doc, "Mounts"), i,
	                   m) if (strcmp(json_str(m, "Destination", NULL), target) ==
	                          0) return "mc";
	if (strcmp(target, "/") == 0)
		return "ch03";
	if (strncmp(target, "/sys/fs/cgroup", 14) == 0)
		return "ch02";
	if (strcmp(target, "/etc/hosts") == 0 || strcmp(target, "/etc/hostname") == 0 ||
	    strcmp(target, "/etc/resolv.conf") == 0)
		return "ch05";
	return "ch01";
}

/* The value of `key=` in overlay's comma-separated options, into buf. */
static const char *option(const char *options, const char *key, char *buf, size_t size)
{
	size_t klen = strlen(key);

	buf[0] = '\0';
	for (const char *o = options; o != NULL && *o != '\0';
	     o = strchr(o, ',') ? strchr(o, ',') + 1 : NULL)
		if (strncmp(o, key, klen) == 0 && o[klen] == '=') {
			snprintf(buf, size, "%.*s", (int)strcspn(o + klen + 1, ","), o + klen + 1);
			break;
		}
	return buf;
}

static void explain_overlay(const char *super_options)
{
	char lower[4096], upper[PATH_MAX], work[PATH_MAX];
	size_t n = 0;

	option(super_options, "lowerdir", lower, sizeof(lower));
	option(super_options, "upperdir", upper, sizeof(upper));
	option(super_options, "workdir", work, sizeof(work));
	say("ch03", "overlay root    upper (the container's writes): %s", upper);
	say("ch03", "                work: %s", work);
	/* lowerdir lists the layers topmost first. */
	for (char *save = NULL, *l = strtok_r(lower, ":", &save); l != NULL;
	     l = strtok_r(NULL, ":", &save)) {
		n++;
		say("ch03", "                lower %zu (image layer%s): %s", n,
		    n == 1 ? ", top" : "", l);
	}
}

/* Is `target` a word of the space-separated `list` already (a place mounted over twice)? */
static bool listed(const char *list, const char *target)
{
	size_t len = strlen(target);

	for (const char *w = list; *w != '\0'; w += strcspn(w, " "), w += *w == ' ')
		if (strncmp(w, target, len) == 0 &&
		    (w[len] == ' ' || w[len] == '(' || w[len] == '\0'))
			return true;
	return false;
}

static void explain_mounts(const struct mc_container *c, pid_t pid)
{
	static const char *const tags[] = {"ch01", "ch02", "ch05", "mc"};
	char path[64], *line = NULL, list[4][4096] = {{0}}, overlay[8192] = "";
	size_t cap = 0, used[4] = {0};
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/mountinfo", (int)pid);
	f = fopen(path, "re");
	if (f == NULL) {
		say("ch01", "mounts: cannot read %s: %s", path, strerror(errno));
		return;
	}
	/* "36 35 98:0 /root /mnt rw,noatime master:1 - ext3 /dev/root rw,errors=continue" */
	while (getline(&line, &cap, f) > 0) {
		char root[PATH_MAX], target[PATH_MAX], opts[256], fstype[64], source[PATH_MAX];
		char super[8192];
		const char *dash = strstr(line, " - "), *tag;

		if (dash == NULL ||
		    sscanf(line, "%*s %*s %*s %4095s %4095s %255s", root, target, opts) != 3 ||
		    sscanf(dash + 3, "%63s %4095s %8191s", fstype, source, super) != 3)
			continue;
		tag = mount_chapter(c, target);
		if (strcmp(target, "/") == 0) {
			if (strcmp(fstype, "overlay") == 0)
				snprintf(overlay, sizeof(overlay), "%s", super);
			continue;
		}
		for (size_t t = 0; t < 4; t++)
			if (strcmp(tag, tags[t]) == 0 && used[t] < sizeof(list[t]) &&
			    !listed(list[t], target))
				used[t] +=
				    (size_t)snprintf(list[t] + used[t], sizeof(list[t]) - used[t],
				                     "%s%s%s", used[t] ? " " : "", target,
				                     strncmp(opts, "ro", 2) == 0 ? "(ro)" : "");
	}
	free(line);
	fclose(f);
	if (overlay[0] != '\0')
		explain_overlay(overlay);
	else
		say("ch03",
		    "root            not an overlay (a root filesystem given as a directory)");
	for (size_t t = 0; t < 4; t++)
		if (used[t] > 0)
			say(tags[t], "mounts          %s", list[t]);
}

/* ---- chapter 05: the network ------------------------------------------------------------------ */

static void explain_ports(json_t *ports)
{
	char text[2048] = "";
	size_t used = 0;
	const char *port;
	json_t *binds, *b;
	size_t i;

	json_object_foreach(ports, port, binds)
	    json_array_foreach(binds, i, b) if (used < sizeof(text)) used += (size_t)snprintf(
	        text + used, sizeof(text) - used, "%s%s:%s -> %s", used ? ", " : "",
	        json_str(b, "HostIp", NULL)[0] ? json_str(b, "HostIp", NULL) : "0.0.0.0",
	        json_str(b, "HostPort", NULL), port);
	if (used > 0)
		say("ch05", "  published     %s (nftables DNAT on the host)", text);
}

static void explain_network(const struct mc_container *c)
{
	/* Chapter 05's records, as `inspect` shows them (NetworkSettings). */
	json_t *ns = mc_net_settings(c);
	const char *mode = json_str(c->doc, "HostConfig", "NetworkMode");
	struct net_network *list = NULL;
	struct net_store st;
	struct mc_error err;
	size_t count = 0, i;
	const char *name;
	json_t *ep;

	if (strcmp(mode, "none") == 0 || strcmp(mode, "host") == 0 ||
	    strncmp(mode, "container:", 10) == 0) {
		say("ch05", "network         --network %s: no interface of its own but lo", mode);
		json_decref(ns);
		return;
	}
	if (net_store_open(&st, NULL, NULL, NULL, &err) < 0 ||
	    net_networks_load(&st, &list, &count, &err) < 0) {
		say("ch05", "network: %s", err.msg);
		json_decref(ns);
		return;
	}
	json_object_foreach(json_object_get(ns, "Networks"), name, ep)
	{
		struct net_network *net = net_network_lookup(list, count, name, &err);
		struct net_link link;

		if (net == NULL) {
			say("ch05", "network %s: %s", name, err.msg);
			continue;
		}
		net_link_names(&link, c->id, net->id);
		say("ch05", "network         \"%s\": bridge %s, gateway %s", name, net->bridge,
		    json_str(ep, "Gateway", NULL));
		say("ch05", "  veth pair     %s (host) <-> eth0 (container)", link.host_if);
		say("ch05", "  address       %s/%d, MAC %s", json_str(ep, "IPAddress", NULL),
		    (int)json_integer_value(json_object_get(ep, "IPPrefixLen")),
		    json_str(ep, "MacAddress", NULL));
	}
	explain_ports(json_object_get(ns, "Ports"));
	(void)i;
	net_networks_free(list, count);
	json_decref(ns);
}

/* ---- confinement: /proc/PID/status ------------------------------------------------------------ */

static void explain_confinement(pid_t pid)
{
	char path[64], line[256], names[2048];
	unsigned long long eff = 0, bnd = 0;
	int seccomp = -1, nnp = -1;
	static const char *const modes[] = {"0: disabled", "1: strict", "2: filter"};
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (f == NULL) {
		say("ch01", "confinement: cannot read %s: %s", path, strerror(errno));
		return;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		sscanf(line, "CapEff: %llx", &eff);
		sscanf(line, "CapBnd: %llx", &bnd);
		sscanf(line, "Seccomp: %d", &seccomp);
		sscanf(line, "NoNewPrivs: %d", &nnp);
	}
	fclose(f);
	say("ch01", "capabilities    CapEff %016llx, %d of %d: %s", eff, __builtin_popcountll(eff),
	    __builtin_popcountll(ns_all_caps()), ns_caps_names(eff, names, sizeof(names)));
	if (bnd == eff)
		say("ch01", "  bounding set  CapBnd %016llx: the same (none can come back by exec)",
		    bnd);
	else
		say("ch01", "  bounding set  CapBnd %016llx: %s", bnd,
		    ns_caps_names(bnd, names, sizeof(names)));
	say("ch01", "seccomp         Seccomp: %s%s, NoNewPrivs: %d",
	    seccomp >= 0 && seccomp <= 2 ? modes[seccomp] : "?",
	    seccomp == 2 ? " (system calls checked by a BPF filter)" : "", nnp);
}

/* ---- the verb ---------------------------------------------------------------------------------- */

int verb_explain(int argc, char **argv)
{
	struct mc_container c;
	struct mc_error err;
	json_t *args;
	char cmd[1024] = "";
	size_t used = 0, i;
	json_t *a;
	pid_t pid;
	int rc, first;

	if ((rc = mc_parse_verb(&mc_cmd_explain, NULL, argc, argv, &first)) >= 0)
		return rc;
	/* Docker's daemon errors (no such container, not running) exit 1, as `docker top` does. */
	if (mc_container_load(argv[first], &c, &err) < 0) {
		mc_report(&err);
		return 1;
	}
	mc_container_refresh(&c);
	if (!mc_container_running(&c)) {
		fprintf(stderr, "minicontainer: container %s is not running\n", argv[first]);
		mc_container_free(&c);
		return 1;
	}
	pid = (pid_t)json_integer_value(json_object_get(json_object_get(c.doc, "State"), "Pid"));
	mc_trace_abbreviate("$MC_ROOT", mc_root_dir());
	mc_trace_abbreviate("$RUNDIR", mc_run_dir());
	used += (size_t)snprintf(cmd, sizeof(cmd), "%s", json_str(c.doc, "Path", NULL));
	args = json_object_get(c.doc, "Args");
	json_array_foreach(args, i, a) if (used < sizeof(cmd)) used +=
	    (size_t)snprintf(cmd + used, sizeof(cmd) - used, " %s", json_string_value(a));
	say("mc", "container       %.12s \"%s\", image %s, %s: PID %d on the host", c.id,
	    mc_container_name(&c), json_str(c.doc, "Config", "Image"), mc_state_status(&c),
	    (int)pid);
	say("mc", "  command       %s  (record: %s/config.json)", cmd, c.dir);
	explain_namespaces(pid);
	explain_cgroup(&c);
	explain_mounts(&c, pid);
	explain_network(&c);
	explain_confinement(pid);
	mc_container_free(&c);
	return 0;
}
