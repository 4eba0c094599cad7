/* etc.c - chapter 05: the container's /etc/hosts and /etc/resolv.conf (see net_etc.h). */
#define _GNU_SOURCE
#include "net_etc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mc_file.h"
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

/* ---- hosts ----------------------------------------------------------------------------------- */

bool net_ipv6_loopback(bool host_network)
{
	struct sockaddr_in6 lo = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
	int fd, rc;

	/* A new namespace starts from IPv6's compiled-in defaults, not from the host's
	 * settings (net.core.devconf_inherit_init_net is 0): its lo has ::1 exactly when
	 * the kernel has IPv6.  The host's own lo may have had it switched off. */
	if (!host_network)
		return access("/proc/net/if_inet6", F_OK) == 0;
	fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	rc = bind(fd, (struct sockaddr *)&lo, sizeof(lo));
	close(fd);
	return rc == 0;
}

int net_hosts_text(const struct net_etc *e, char *buf, size_t size, struct mc_error *err)
{
	struct text t = {buf, size, 0, false};
	char addr[NET_ADDR_STRLEN], name[256];
	size_t dot;

	/* It becomes a line of the file: a newline in it would be a line of its own. */
	if (!net_valid_hostname(e->hostname))
		return mc_fail(err, 0, "invalid hostname \"%s\"", e->hostname);
	/* libnetwork's etchosts.Build; without IPv6, BuildNoIPv6 (no IPv6 lines at all). */
	put(&t, "127.0.0.1\tlocalhost\n");
	if (e->ipv6)
		put(&t,
		    "::1\tlocalhost ip6-localhost ip6-loopback\nfe00::\tip6-localnet\n"
		    "ff00::\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n");
	for (size_t i = 0; e->extra_hosts != NULL && e->extra_hosts[i] != NULL; i++) {
		uint32_t a;

		if (net_parse_extra_host(e->extra_hosts[i], name, sizeof(name), &a, err) < 0)
			return -1;
		put(&t, "%s\t%s\n", net_addr_str(a != 0 ? a : e->host_gateway, addr), name);
	}
	/* Its own name on each of its addresses; a name with a domain, and its first label
	 * (makeHostsRecs). */
	dot = strcspn(e->hostname, ".");
	for (size_t i = 0; i < e->naddrs; i++) {
		put(&t, "%s\t%s", net_addr_str(e->addrs[i], addr), e->hostname);
		if (e->hostname[dot] == '.')
			put(&t, " %.*s", (int)dot, e->hostname);
		put(&t, "\n");
	}
	if (t.full)
		return mc_fail(err, 0, "/etc/hosts: more than %zu bytes", size);
	return 0;
}

/* ---- resolv.conf ----------------------------------------------------------------------------- */

const char *net_resolv_source(bool host_network)
{
	char *text = malloc(NET_ETC_MAX), *save = NULL;
	const char *path = NET_RESOLV_CONF;
	struct mc_error ignored;
	int stubs = 0, others = 0;

	/* The host's own namespace reaches 127.0.0.53: its file works as it is. */
	if (host_network || text == NULL ||
	    mc_read_file(path, text, NET_ETC_MAX, NULL, &ignored) < 0)
		goto out;
	for (char *l = strtok_r(text, "\n", &save); l != NULL; l = strtok_r(NULL, "\n", &save)) {
		char word[32], addr[64];

		if (sscanf(l, "%31s %63s", word, addr) == 2 && strcmp(word, "nameserver") == 0)
			*(strcmp(addr, "127.0.0.53") == 0 ? &stubs : &others) += 1;
	}
	if (stubs == 1 && others == 0)
		path = NET_RESOLV_CONF_SYSTEMD;
out:
	free(text);
	return path;
}

/* What libnetwork's resolvconf package keeps of a resolv.conf. */
struct resolv {
	char servers[16][INET6_ADDRSTRLEN + 32];
	size_t nservers;
	char search[1024], options[1024], invalid[1024];
	char *other; /* unknown lines, as they were: NET_ETC_MAX */
	const char *ndots_from, *transform, *warning;
	bool ns_override, search_override, options_override;
};

static void append(char *buf, size_t size, const char *sep, const char *word)
{
	size_t used = strlen(buf);

	if (used < size)
		snprintf(buf + used, size - used, "%s%s", used > 0 ? sep : "", word);
}

/*
 * Go's netip.ParseAddr and Addr.String(): an IPv4 or IPv6 address (an IPv6
 * one may have a %zone), in its canonical form; false if it is neither.
 */
static bool canonical_address(const char *text, char *out, size_t size)
{
	unsigned char bin[sizeof(struct in6_addr)];
	char plain[INET6_ADDRSTRLEN + 1];
	const char *zone = strchr(text, '%');
	size_t len = zone ? (size_t)(zone - text) : strlen(text);

	if (zone == NULL && inet_pton(AF_INET, text, bin) == 1)
		return inet_ntop(AF_INET, bin, out, (socklen_t)size) != NULL;
	if (len >= sizeof(plain) || (zone != NULL && zone[1] == '\0'))
		return false;
	memcpy(plain, text, len);
	plain[len] = '\0';
	if (inet_pton(AF_INET6, plain, bin) != 1 || !inet_ntop(AF_INET6, bin, out, (socklen_t)size))
		return false;
	if (zone != NULL)
		append(out, size, "", zone);
	return true;
}

static bool has_ndots(const char *options)
{
	for (const char *p = options; (p = strstr(p, "ndots")) != NULL; p += 5)
		if ((p == options || p[-1] == ' ') && (p[5] == '\0' || p[5] == ':' || p[5] == ' '))
			return true;
	return false;
}

/* One line (processLine): blank lines and comments go, unknown directives stay as they are. */
static void parse_line(const char *line, struct resolv *r)
{
	char copy[1024], *field[64], *save = NULL;
	size_t n = 0;

	snprintf(copy, sizeof(copy), "%s", line);
	for (char *f = strtok_r(copy, " \t\r\v\f", &save); f != NULL && n < 64;
	     f = strtok_r(NULL, " \t\r\v\f", &save))
		field[n++] = f;
	if (n == 0 || field[0][0] == '#' || field[0][0] == ';')
		return;
	if (strcmp(field[0], "nameserver") == 0) {
		if (n < 2)
			return;
		if (r->nservers < 16 &&
		    canonical_address(field[1], r->servers[r->nservers], sizeof(r->servers[0])))
			r->nservers++;
		else
			append(r->invalid, sizeof(r->invalid), " ", field[1]);
	} else if (strcmp(field[0], "search") == 0 || strcmp(field[0], "domain") == 0) {
		if (n < 2)
			return;
		r->search[0] = '\0'; /* only the last one counts */
		for (size_t i = 1; i < n; i++)
			append(r->search, sizeof(r->search), " ", field[i]);
	} else if (strcmp(field[0], "options") == 0) {
		for (size_t i = 1; i < n; i++)
			append(r->options, sizeof(r->options), " ", field[i]);
	} else {
		append(r->other, NET_ETC_MAX, "\n", line);
	}
}

static void parse_resolv(const char *text, struct resolv *r)
{
	while (text != NULL && *text != '\0') {
		size_t len = strcspn(text, "\n");
		char line[1024];

		/* A line at a time, as bufio.Scanner reads it (a CR before the LF goes). */
		snprintf(line, sizeof(line), "%.*s", (int)(len < sizeof(line) ? len : 0), text);
		if (len > 0 && len < sizeof(line) && line[len - 1] == '\r')
			line[len - 1] = '\0';
		parse_line(line, r);
		text = text[len] != '\0' ? text + len + 1 : NULL;
	}
	if (has_ndots(r->options))
		r->ndots_from = "host";
}

/* --dns, --dns-search, --dns-option (loadResolvConf's overrides). */
static void override(struct resolv *r, const struct net_etc *e)
{
	if (e->dns != NULL && e->dns[0] != NULL) {
		r->nservers = 0;
		for (size_t i = 0; e->dns[i] != NULL && r->nservers < 16; i++)
			if (canonical_address(e->dns[i], r->servers[r->nservers],
			                      sizeof(r->servers[0])))
				r->nservers++;
		r->ns_override = true;
	}
	if (e->dns_search != NULL && e->dns_search[0] != NULL) {
		/* "." means: no search domains at all. */
		r->search[0] = '\0';
		for (size_t i = 0; e->dns_search[i] != NULL; i++)
			if (strcmp(e->dns_search[i], ".") != 0)
				append(r->search, sizeof(r->search), " ", e->dns_search[i]);
		r->search_override = true;
	}
	if (e->dns_options != NULL && e->dns_options[0] != NULL) {
		r->options[0] = '\0';
		for (size_t i = 0; e->dns_options[i] != NULL; i++)
			append(r->options, sizeof(r->options), " ", e->dns_options[i]);
		r->ndots_from = has_ndots(r->options) ? "override" : NULL;
		r->options_override = true;
	}
}

static bool is_loopback(const char *addr)
{
	return strncmp(addr, "127.", 4) == 0 || strcmp(addr, "::1") == 0;
}

/*
 * TransformForLegacyNw: a network without a resolver of its own.  Servers on
 * the host's loopback (dnsmasq's 127.0.0.1) are unreachable from the
 * container's namespace, and our networks have no IPv6: both go, unless
 * --dns named them.  Nothing left: Docker's public fallback.
 */
static void transform_legacy(struct resolv *r)
{
	size_t k = 0;

	r->transform = "legacy";
	if (r->ns_override)
		return;
	for (size_t i = 0; i < r->nservers; i++)
		if (!is_loopback(r->servers[i]) && strchr(r->servers[i], ':') == NULL)
			memmove(r->servers[k++], r->servers[i], sizeof(r->servers[0]));
	r->nservers = k;
	if (r->nservers == 0) {
		snprintf(r->servers[0], sizeof(r->servers[0]), NET_FALLBACK_DNS_1);
		snprintf(r->servers[1], sizeof(r->servers[1]), NET_FALLBACK_DNS_2);
		r->nservers = 2;
		r->warning = "Used default nameservers.";
	}
}

/* Generate(comments=true): the header, the directives, and how the file was made. */
static void generate(const struct resolv *r, const char *source, struct text *t)
{
	put(t, "# Generated by Docker Engine.\n"
	       "# This file can be edited; Docker Engine will not make further changes once it\n"
	       "# has been modified.\n\n");
	for (size_t i = 0; i < r->nservers; i++)
		put(t, "nameserver %s\n", r->servers[i]);
	if (r->search[0] != '\0')
		put(t, "search %s\n", r->search);
	if (r->options[0] != '\0')
		put(t, "options %s\n", r->options);
	if (r->other[0] != '\0')
		put(t, "%s\n", r->other);
	put(t, "\n# Based on host file: '%s'", source);
	if (r->transform != NULL)
		put(t, " (%s)", r->transform);
	put(t, "\n");
	if (r->warning != NULL)
		put(t, "# %s\n", r->warning);
	if (r->invalid[0] != '\0')
		put(t, "# Invalid nameservers: [%s]\n", r->invalid);
	put(t, "# Overrides: [%s%s%s%s%s]\n", r->ns_override ? "nameservers" : "",
	    r->ns_override && r->search_override ? " " : "", r->search_override ? "search" : "",
	    (r->ns_override || r->search_override) && r->options_override ? " " : "",
	    r->options_override ? "options" : "");
	if (r->ndots_from != NULL)
		put(t, "# Option ndots from: %s\n", r->ndots_from);
}

int net_resolv_conf(const char *host_text, const char *source, bool legacy, const struct net_etc *e,
                    char *out, size_t size, bool *fallback, struct mc_error *err)
{
	struct text t = {out, size, 0, false};
	struct resolv *r = calloc(1, sizeof(*r));
	int rc = -1;

	*fallback = false;
	if (r == NULL || (r->other = calloc(1, NET_ETC_MAX)) == NULL) {
		mc_fail(err, ENOMEM, "resolv.conf");
		goto out;
	}
	/* No such file on the host: an empty one, named '' (moby goes on the same way). */
	parse_resolv(host_text, r);
	override(r, e);
	if (legacy)
		transform_legacy(r);
	*fallback = r->warning != NULL;
	generate(r, host_text != NULL ? source : "", &t);
	if (t.full) {
		mc_fail(err, 0, "/etc/resolv.conf: more than %zu bytes", size);
		goto out;
	}
	rc = 0;
out:
	if (r != NULL)
		free(r->other);
	free(r);
	return rc;
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
	 * edited it (its hosts file is its own).  No marker: it goes at the end - when
	 * there are peers to list, so that a container without any has Docker's file. */
	marker = strstr(buf, NET_HOSTS_MARKER "\n");
	if (marker == NULL && plen == 0) {
		rc = 0;
		goto out;
	}
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
