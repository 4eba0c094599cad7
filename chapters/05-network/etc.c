/* etc.c - chapter 05: the container's /etc/hosts and /etc/resolv.conf (see net_etc.h). */
#define _GNU_SOURCE
#include "net_etc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net_ipam.h"

struct text {
	char *buf;
	size_t size, used;
	bool full;
};

static void put(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(t->buf + t->used, t->size - t->used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= t->size - t->used)
		t->full = true;
	else
		t->used += (size_t)n;
}

/* A hostname as RFC 952/1123 allow it (and '_', which Docker's names have): 1 to 253 characters. */
static bool valid_host_name(const char *name, size_t len)
{
	if (len == 0 || len > 253 || name[0] == '-' || name[0] == '.')
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= 'A' && name[i] <= 'Z') ||
		      (name[i] >= '0' && name[i] <= '9') || name[i] == '-' || name[i] == '.' ||
		      name[i] == '_'))
			return false;
	return true;
}

bool net_valid_hostname(const char *name)
{
	return valid_host_name(name, strlen(name));
}

int net_parse_extra_host(const char *spec, char *name, size_t name_size, uint32_t *addr,
                         struct mc_error *err)
{
	size_t len = strcspn(spec, ":=");

	if (spec[len] == '\0' || !valid_host_name(spec, len) || len >= name_size)
		return mc_fail(err, 0, "invalid argument \"%s\" for --add-host: expected NAME:IP",
		               spec);
	snprintf(name, name_size, "%.*s", (int)len, spec);
	if (strcmp(spec + len + 1, "host-gateway") == 0) {
		*addr = 0;
		return 0;
	}
	if (net_addr_parse(spec + len + 1, addr, err) < 0)
		return mc_fail(err, 0, "invalid IP address in --add-host %s (IPv4 only)", spec);
	return 0;
}

int net_hosts_text(const struct net_etc *e, char *buf, size_t size, struct mc_error *err)
{
	struct text t = {buf, size, 0, false};
	char addr[NET_ADDR_STRLEN], name[256];

	/* It becomes a line of the file: a newline in it would be a line of its own. */
	if (!net_valid_hostname(e->hostname))
		return mc_fail(err, 0, "invalid hostname \"%s\"", e->hostname);
	/* The same lines Docker writes (libnetwork's etchosts). */
	put(&t, "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
	        "fe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\n"
	        "ff02::2\tip6-allrouters\n");
	for (size_t i = 0; e->extra_hosts != NULL && e->extra_hosts[i] != NULL; i++) {
		uint32_t a;

		if (net_parse_extra_host(e->extra_hosts[i], name, sizeof(name), &a, err) < 0)
			return -1;
		put(&t, "%s\t%s\n", net_addr_str(a != 0 ? a : e->host_gateway, addr), name);
	}
	for (size_t i = 0; i < e->naddrs; i++)
		put(&t, "%s\t%s\n", net_addr_str(e->addrs[i], addr), e->hostname);
	put(&t, "%s\n", NET_HOSTS_MARKER);
	if (t.full)
		return mc_fail(err, 0, "/etc/hosts: more than %zu bytes", size);
	return 0;
}

/* ---- resolv.conf --------------------------------------------------------------------------- */

/* 127.0.0.0/8 and ::1: a resolver on the host's own loopback, unreachable from inside. */
static bool is_loopback(const char *server)
{
	return strncmp(server, "127.", 4) == 0 || strcmp(server, "::1") == 0;
}

struct resolv {
	char servers[8][64];
	size_t nservers;
	char search[1024];
	char options[1024];
};

/* The nameservers, search and options lines of a resolv.conf; the rest is left out. */
static void parse_resolv(const char *text, struct resolv *r)
{
	memset(r, 0, sizeof(*r));
	for (const char *line = text; line != NULL && *line != '\0';) {
		size_t len = strcspn(line, "\n");
		char copy[1024], word[64];
		int off = 0;

		snprintf(copy, sizeof(copy), "%.*s", (int)(len < sizeof(copy) ? len : 0), line);
		line = line[len] ? line + len + 1 : NULL;
		if (sscanf(copy, "%63s %n", word, &off) < 1)
			continue;
		if (strcmp(word, "nameserver") == 0 && r->nservers < 8 &&
		    sscanf(copy + off, "%63s", r->servers[r->nservers]) == 1)
			r->nservers++;
		else if (strcmp(word, "search") == 0 || strcmp(word, "domain") == 0)
			snprintf(r->search, sizeof(r->search), "%s", copy + off);
		else if (strcmp(word, "options") == 0)
			snprintf(r->options, sizeof(r->options), "%s", copy + off);
	}
}

/* Keep the nameservers a container can reach: not loopback, and IPv4 (no IPv6 here). */
static void drop_unreachable(struct resolv *r)
{
	size_t k = 0;

	for (size_t i = 0; i < r->nservers; i++)
		if (!is_loopback(r->servers[i]) && strchr(r->servers[i], ':') == NULL)
			memmove(r->servers[k++], r->servers[i], sizeof(r->servers[0]));
	r->nservers = k;
}

static void join_words(char *out, size_t size, const char *const *words)
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; words[i] != NULL && used < size; i++)
		used += (size_t)snprintf(out + used, size - used, "%s%s", i ? " " : "", words[i]);
}

int net_resolv_conf(const char *host_text, const char *upstream_text, const struct net_etc *e,
                    char *out, size_t size, bool *fallback, struct mc_error *err)
{
	struct text t = {out, size, 0, false};
	struct resolv r, upstream;

	*fallback = false;
	parse_resolv(host_text ? host_text : "", &r);
	drop_unreachable(&r);
	if (r.nservers == 0 && upstream_text != NULL) {
		/* systemd-resolved's own list: what 127.0.0.53 forwards to. */
		parse_resolv(upstream_text, &upstream);
		drop_unreachable(&upstream);
		memcpy(r.servers, upstream.servers, sizeof(r.servers));
		r.nservers = upstream.nservers;
	}
	if (e->dns != NULL && e->dns[0] != NULL) {
		r.nservers = 0;
		for (size_t i = 0; e->dns[i] != NULL && r.nservers < 8; i++)
			snprintf(r.servers[r.nservers++], sizeof(r.servers[0]), "%s", e->dns[i]);
	} else if (r.nservers == 0) {
		snprintf(r.servers[0], sizeof(r.servers[0]), NET_FALLBACK_DNS_1);
		snprintf(r.servers[1], sizeof(r.servers[1]), NET_FALLBACK_DNS_2);
		r.nservers = 2;
		*fallback = true;
	}
	/* --dns-search . means: no search domains at all. */
	if (e->dns_search != NULL && e->dns_search[0] != NULL)
		join_words(r.search, sizeof(r.search),
		           strcmp(e->dns_search[0], ".") == 0 ? (const char *const[]){NULL}
		                                              : e->dns_search);
	if (e->dns_options != NULL && e->dns_options[0] != NULL)
		join_words(r.options, sizeof(r.options), e->dns_options);
	if (r.search[0] != '\0')
		put(&t, "search %s\n", r.search);
	for (size_t i = 0; i < r.nservers; i++)
		put(&t, "nameserver %s\n", r.servers[i]);
	if (r.options[0] != '\0')
		put(&t, "options %s\n", r.options);
	if (t.full)
		return mc_fail(err, 0, "/etc/resolv.conf: more than %zu bytes", size);
	return 0;
}

/* ---- keeping /etc/hosts current ------------------------------------------------------------ */

int net_hosts_set_peers(const char *path, const char *peers, struct mc_error *err)
{
	char *buf = malloc(2 * NET_ETC_MAX + 2);
	size_t len = 0, keep, plen = strlen(peers);
	const char *marker;
	ssize_t n;
	int fd, rc = -1;

	if (buf == NULL)
		return mc_fail(err, ENOMEM, "%s", path);
	fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		mc_fail(err, errno, "open %s", path);
		goto out;
	}
	while (len < NET_ETC_MAX && (n = pread(fd, buf + len, NET_ETC_MAX - len, (off_t)len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	/* Everything up to the end of the marker line stays; the container may have
	 * edited it (its hosts file is its own).  No marker: it goes at the end. */
	marker = strstr(buf, NET_HOSTS_MARKER "\n");
	if (marker != NULL) {
		keep = (size_t)(marker - buf) + strlen(NET_HOSTS_MARKER) + 1;
	} else {
		keep = len;
		if (keep > 0 && buf[keep - 1] != '\n')
			buf[keep++] = '\n';
		memcpy(buf + keep, NET_HOSTS_MARKER "\n", strlen(NET_HOSTS_MARKER) + 1);
		keep += strlen(NET_HOSTS_MARKER) + 1;
	}
	if (plen > NET_ETC_MAX) {
		mc_fail(err, 0, "%s: too many peers", path);
		goto out;
	}
	memcpy(buf + keep, peers, plen);
	/* Written from the start, then cut to length: the file stays the same inode. */
	if (pwrite(fd, buf, keep + plen, 0) != (ssize_t)(keep + plen) ||
	    ftruncate(fd, (off_t)(keep + plen)) < 0) {
		mc_fail(err, errno, "write %s", path);
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return rc;
}
