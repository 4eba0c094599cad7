/*
 * etcfiles.c - /etc/hostname, /etc/hosts and /etc/resolv.conf, as moby's
 * libnetwork writes them (mc_etc.h): etchosts.Build for the hosts file,
 * and the resolvconf package, which reads the host's resolv.conf and
 * writes it out again, with a header and a summary of what it did.
 */
#define _GNU_SOURCE
#include "mc_etc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mc_file.h"

#define MAX_TEXT (256 * 1024) /* room for the host's hosts and resolv.conf */

/* Write `text` to dir/name, mode 0644 whatever our umask, as moby does. */
static int write_file(const char *dir, const char *name, const char *text, struct mc_error *err)
{
	char path[PATH_MAX];
	size_t len = strlen(text);
	int fd, rc = 0;

	if (mc_path_join(path, sizeof(path), dir, name, err) < 0)
		return -1;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return mc_fail(err, errno, "create %s", path);
	if (fchmod(fd, 0644) < 0 || write(fd, text, len) != (ssize_t)len)
		rc = mc_fail(err, errno, "write %s", path);
	if (close(fd) < 0 && rc == 0)
		rc = mc_fail(err, errno, "write %s", path);
	return rc;
}

/* A whole host file ("" when it is missing or unreadable: moby copies nothing then). */
static char *read_host_file(const char *path)
{
	char *buf = calloc(1, MAX_TEXT);
	struct mc_error ignored;

	if (buf != NULL && mc_read_file(path, buf, MAX_TEXT, NULL, &ignored) < 0)
		buf[0] = '\0';
	return buf;
}

/*
 * Does the container have IPv6?  moby asks whether its loopback interface
 * has an address - on the host for host networking (IsV6Listenable), and
 * in a new network namespace lo gets ::1 exactly when the kernel has IPv6
 * (a new namespace starts from IPv6's defaults, not from the host's
 * settings: net.core.devconf_inherit_init_net).
 */
static bool has_ipv6(bool host_network)
{
	struct sockaddr_in6 lo = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
	int fd, rc;

	if (!host_network)
		return access("/proc/net/if_inet6", F_OK) == 0;
	fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	rc = bind(fd, (struct sockaddr *)&lo, sizeof(lo));
	close(fd);
	return rc == 0;
}

/* etchosts.Build (BuildNoIPv6 without IPv6): no line for the hostname, which has no address. */
static int write_hosts(const char *dir, bool host_network, struct mc_error *err)
{
	static const char ipv4[] = "127.0.0.1\tlocalhost\n";
	static const char ipv6[] = "::1\tlocalhost ip6-localhost ip6-loopback\n"
	                           "fe00::\tip6-localnet\n"
	                           "ff00::\tip6-mcastprefix\n"
	                           "ff02::1\tip6-allnodes\n"
	                           "ff02::2\tip6-allrouters\n";
	char text[sizeof(ipv4) + sizeof(ipv6)], *copy;
	int rc;

	if (host_network) {
		/* The host's own file, copied as it is. */
		copy = read_host_file("/etc/hosts");
		if (copy == NULL)
			return mc_fail(err, ENOMEM, "read /etc/hosts");
		rc = write_file(dir, "hosts", copy, err);
		free(copy);
		return rc;
	}
	snprintf(text, sizeof(text), "%s%s", ipv4, has_ipv6(false) ? ipv6 : "");
	return write_file(dir, "hosts", text, err);
}

/* ---- resolv.conf ------------------------------------------------------------------------ */

/* What the resolvconf package keeps of the host's file. */
struct resolv {
	char nameservers[4096], search[1024], options[1024], other[8192], invalid[1024];
	bool ndots; /* an "ndots" option came from the host */
};

static void append(char *buf, size_t size, const char *sep, const char *text)
{
	size_t used = strlen(buf);

	snprintf(buf + used, size - used, "%s%s", used > 0 ? sep : "", text);
}

/*
 * netip.ParseAddr and Addr.String(): an IPv4 or IPv6 address (with an IPv6
 * zone), written back in its canonical form; false if it is none.
 */
static bool canonical_address(const char *text, char *out, size_t size)
{
	unsigned char addr[sizeof(struct in6_addr)];
	char plain[INET6_ADDRSTRLEN + 1];
	const char *zone = strchr(text, '%');
	size_t len = zone ? (size_t)(zone - text) : strlen(text);

	if (zone == NULL && inet_pton(AF_INET, text, addr) == 1)
		return inet_ntop(AF_INET, addr, out, (socklen_t)size) != NULL;
	if (len >= sizeof(plain) || (zone != NULL && zone[1] == '\0'))
		return false;
	memcpy(plain, text, len);
	plain[len] = '\0';
	if (inet_pton(AF_INET6, plain, addr) != 1 ||
	    !inet_ntop(AF_INET6, addr, out, (socklen_t)size))
		return false;
	if (zone != NULL)
		append(out, size, "", zone);
	return true;
}

/* One line of the host's file (processLine in the resolvconf package). */
static void parse_resolv_line(char *line, struct resolv *rc)
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
		char addr[INET6_ADDRSTRLEN + 64];

		if (n < 2)
			return;
		if (canonical_address(field[1], addr, sizeof(addr)))
			append(rc->nameservers, sizeof(rc->nameservers), "\n", addr);
		else
			append(rc->invalid, sizeof(rc->invalid), " ", field[1]);
	} else if (strcmp(field[0], "search") == 0 || strcmp(field[0], "domain") == 0) {
		if (n < 2)
			return;
		rc->search[0] = '\0'; /* the last one counts */
		for (size_t i = 1; i < n; i++)
			append(rc->search, sizeof(rc->search), " ", field[i]);
	} else if (strcmp(field[0], "options") == 0) {
		for (size_t i = 1; i < n; i++) {
			append(rc->options, sizeof(rc->options), " ", field[i]);
			if (strncmp(field[i], "ndots", 5) == 0 &&
			    (field[i][5] == '\0' || field[i][5] == ':'))
				rc->ndots = true;
		}
	} else {
		append(rc->other, sizeof(rc->other), "\n", line);
	}
}

/*
 * Which host file: /etc/resolv.conf, except that for a container with a
 * network of its own, a host whose only nameserver is systemd-resolved's
 * 127.0.0.53 sends moby to the file that stub forwards to (resolvconf.Path).
 */
static const char *host_resolv_conf(bool host_network)
{
	struct resolv rc = {0};
	char *text, *save = NULL;
	const char *path = "/etc/resolv.conf";

	if (host_network || (text = read_host_file(path)) == NULL)
		return path;
	for (char *line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save))
		parse_resolv_line(line, &rc);
	if (strcmp(rc.nameservers, "127.0.0.53") == 0)
		path = "/run/systemd/resolve/resolv.conf";
	free(text);
	return path;
}

/* The file the resolvconf package's Generate(comments=true) writes. */
static int write_resolv_conf(const char *dir, bool host_network, struct mc_error *err)
{
	const char *path = host_resolv_conf(host_network);
	struct resolv *rc = calloc(1, sizeof(*rc));
	char *text = read_host_file(path), *out = malloc(MAX_TEXT), *save = NULL, *p;
	int ret = -1;

	if (rc == NULL || text == NULL || out == NULL) {
		mc_fail(err, ENOMEM, "resolv.conf");
		goto out;
	}
	/* A line at a time, as bufio.Scanner reads it. */
	for (char *line = text; line != NULL; line = save) {
		size_t len;

		save = strchr(line, '\n');
		if (save != NULL)
			*save++ = '\0';
		len = strlen(line);
		if (len > 0 && line[len - 1] == '\r')
			line[len - 1] = '\0';
		parse_resolv_line(line, rc);
	}
	p = out;
	p += sprintf(p, "# Generated by Docker Engine.\n"
	                "# This file can be edited; Docker Engine will not make further changes "
	                "once it\n# has been modified.\n\n");
	for (char *ns = strtok_r(rc->nameservers, "\n", &save); ns != NULL;
	     ns = strtok_r(NULL, "\n", &save))
		p += sprintf(p, "nameserver %s\n", ns);
	if (rc->search[0] != '\0')
		p += sprintf(p, "search %s\n", rc->search);
	if (rc->options[0] != '\0')
		p += sprintf(p, "options %s\n", rc->options);
	if (rc->other[0] != '\0')
		p += sprintf(p, "%s\n", rc->other);
	/* A host without the file: moby goes on with an empty one, named ''. */
	p += sprintf(p, "\n# Based on host file: '%s'\n", access(path, F_OK) == 0 ? path : "");
	if (rc->invalid[0] != '\0')
		p += sprintf(p, "# Invalid nameservers: [%s]\n", rc->invalid);
	p += sprintf(p, "# Overrides: []\n");
	if (rc->ndots)
		sprintf(p, "# Option ndots from: host\n");
	ret = write_file(dir, "resolv.conf", out, err);
out:
	free(rc);
	free(text);
	free(out);
	return ret;
}

int mc_etc_write(const char *dir, const char *hostname, const char *network, struct mc_error *err)
{
	bool host_network = strcmp(network, "host") == 0;
	char name[80];

	snprintf(name, sizeof(name), "%s\n", hostname);
	if (mc_mkdir_p(dir, 0700, err) < 0 || write_file(dir, "hostname", name, err) < 0 ||
	    write_hosts(dir, host_network, err) < 0 ||
	    write_resolv_conf(dir, host_network, err) < 0)
		return -1;
	return 0;
}
