/* ports.c - chapter 05: -p specs and the PORTS column (see net_ports.h). */
#include "net_ports.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net_ipam.h"

const char *net_proto_name(int proto)
{
	return proto == IPPROTO_UDP ? "udp" : "tcp";
}

/* "80" or "8000-8010": 1 to 65535, the end not before the start. */
static int parse_range(const char *text, size_t len, uint16_t *lo, uint16_t *hi)
{
	unsigned long v[2] = {0, 0};
	size_t i = 0;
	int part = 0;

	if (len == 0 || len > 11)
		return -1;
	for (; i < len; i++) {
		if (text[i] == '-' && part == 0 && i > 0) {
			part = 1;
			continue;
		}
		if (text[i] < '0' || text[i] > '9' || v[part] > 65535)
			return -1;
		v[part] = v[part] * 10 + (unsigned long)(text[i] - '0');
	}
	if (part == 0)
		v[1] = v[0];
	if (text[len - 1] == '-' || v[0] == 0 || v[0] > 65535 || v[1] > 65535 || v[1] < v[0])
		return -1;
	*lo = (uint16_t)v[0];
	*hi = (uint16_t)v[1];
	return 0;
}

static int parse_proto(const char *text, int *proto)
{
	if (strcmp(text, "tcp") == 0)
		*proto = IPPROTO_TCP;
	else if (strcmp(text, "udp") == 0)
		*proto = IPPROTO_UDP;
	else
		return -1;
	return 0;
}

int net_parse_port_proto(const char *text, uint16_t *port, int *proto, struct mc_error *err)
{
	const char *slash = strchr(text, '/');
	size_t len = slash ? (size_t)(slash - text) : strlen(text);
	uint16_t hi;

	*proto = IPPROTO_TCP;
	if (parse_range(text, len, port, &hi) < 0 || hi != *port)
		return mc_fail(err, 0, "invalid port: %s", text);
	if (slash != NULL && parse_proto(slash + 1, proto) < 0)
		return mc_fail(err, 0, "invalid proto: %s", slash + 1);
	return 0;
}

/* Split "[ip:][host:]container[/proto]" at its colons: Docker's splitParts(). */
static int split_spec(const char *spec, char *ip, char *host, char *ctr, struct mc_error *err)
{
	const char *last = strrchr(spec, ':'), *prev = NULL;

	ip[0] = host[0] = '\0';
	if (strlen(spec) >= 64)
		return mc_fail(err, 0, "invalid port specification: %.64s...", spec);
	if (last == NULL) {
		snprintf(ctr, 64, "%s", spec);
		return 0;
	}
	snprintf(ctr, 64, "%s", last + 1);
	for (const char *p = spec; p < last; p++)
		if (*p == ':')
			prev = p;
	if (prev == NULL) {
		snprintf(host, 64, "%.*s", (int)(last - spec), spec);
		return 0;
	}
	snprintf(host, 64, "%.*s", (int)(last - prev - 1), prev + 1);
	snprintf(ip, 64, "%.*s", (int)(prev - spec), spec);
	return 0;
}

int net_parse_publish(const char *spec, struct net_binding *out, size_t max, size_t *count,
                      struct mc_error *err)
{
	char ip[64], host[64], ctr[64], *slash;
	uint16_t clo, chi, hlo = 0, hhi = 0;
	uint32_t host_ip = 0;
	int proto = IPPROTO_TCP;

	*count = 0;
	if (split_spec(spec, ip, host, ctr, err) < 0)
		return -1;
	slash = strchr(ctr, '/');
	if (slash != NULL) {
		*slash = '\0';
		if (parse_proto(slash + 1, &proto) < 0)
			return mc_fail(err, 0, "invalid proto: %s", slash + 1);
	}
	if (ctr[0] == '\0')
		return mc_fail(err, 0, "no port specified: %s<empty>", spec);
	if (ip[0] == '[' || strchr(ip, ':') != NULL)
		return mc_fail(err, 0, "invalid IP address %s: only IPv4 is supported", ip);
	if (ip[0] != '\0' && net_addr_parse(ip, &host_ip, err) < 0)
		return mc_fail(err, 0, "invalid IP address: %s", ip);
	if (parse_range(ctr, strlen(ctr), &clo, &chi) < 0)
		return mc_fail(err, 0, "invalid containerPort: %s", ctr);
	if (host[0] != '\0' && parse_range(host, strlen(host), &hlo, &hhi) < 0)
		return mc_fail(err, 0, "invalid hostPort: %s", host);
	/* A host range must match a container range, unless there is one container port:
	 * then it is the range to choose the host port from. */
	if (host[0] != '\0' && hhi - hlo != chi - clo && chi != clo)
		return mc_fail(err, 0,
		               "invalid ranges specified for container and host Ports: %s and %s",
		               ctr, host);
	if ((size_t)(chi - clo) + 1 > max)
		return mc_fail(err, 0, "port range %s: more than %zu ports", ctr, max);
	for (unsigned p = clo; p <= chi; p++) {
		struct net_binding *b = &out[(*count)++];

		b->proto = proto;
		b->host_ip = host_ip;
		b->ctr_port = (uint16_t)p;
		if (chi != clo && hlo != 0)
			b->host_lo = b->host_hi = (uint16_t)(hlo + (p - clo));
		else {
			b->host_lo = hlo;
			b->host_hi = hhi;
		}
	}
	return 0;
}

/* Docker's order: by container port, then host address, host port, protocol. */
static int compare_entries(const void *pa, const void *pb)
{
	const struct net_port_entry *a = pa, *b = pb;

	if (a->ctr_port != b->ctr_port)
		return a->ctr_port < b->ctr_port ? -1 : 1;
	if (a->host_ip != b->host_ip)
		return a->host_ip < b->host_ip ? -1 : 1;
	if (a->host_port != b->host_port)
		return a->host_port < b->host_port ? -1 : 1;
	return a->proto - b->proto;
}

struct text {
	char *buf;
	size_t size, used;
};

static void append(struct text *t, const char *piece)
{
	int n = snprintf(t->buf + t->used, t->size - t->used, "%s%s", t->used ? ", " : "", piece);

	if (n > 0)
		t->used = t->used + (size_t)n < t->size ? t->used + (size_t)n : t->size - 1;
}

/* "0.0.0.0:8000-8002->8000-8002/tcp" or "9000-9001/udp": a group of consecutive ports. */
static void group_text(const struct net_port_entry *first, uint16_t last, char *out, size_t size)
{
	char range[16], ip[NET_ADDR_STRLEN];

	if (last != first->ctr_port)
		snprintf(range, sizeof(range), "%u-%u", first->ctr_port, last);
	else
		snprintf(range, sizeof(range), "%u", first->ctr_port);
	if (first->host_port != 0)
		snprintf(out, size, "%s:%s->%s/%s", net_addr_str(first->host_ip, ip), range, range,
		         net_proto_name(first->proto));
	else
		snprintf(out, size, "%s/%s", range, net_proto_name(first->proto));
}

/* Same kind of group: the same address and protocol, both exposed-only or both on their
 * own number. */
static bool same_group(const struct net_port_entry *a, const struct net_port_entry *b)
{
	return a->proto == b->proto && (a->host_port == 0) == (b->host_port == 0) &&
	       (a->host_port == 0 || a->host_ip == b->host_ip);
}

const char *net_ports_display(struct net_port_entry *ports, size_t n, char *buf, size_t size)
{
	struct text groups = {buf, size, 0};
	char mapped[2048] = "", piece[96], ip[NET_ADDR_STRLEN];
	struct text others = {mapped, sizeof(mapped), 0};
	bool *done = calloc(n ? n : 1, sizeof(*done));

	buf[0] = '\0';
	if (done == NULL)
		return buf;
	if (n > 1)
		qsort(ports, n, sizeof(*ports), compare_entries);
	for (size_t i = 0; i < n; i++) {
		const struct net_port_entry *p = &ports[i];
		uint16_t last = p->ctr_port;

		if (done[i])
			continue;
		/* Mapped to another number: listed one by one, after the groups (as Docker). */
		if (p->host_port != 0 && p->host_port != p->ctr_port) {
			snprintf(piece, sizeof(piece), "%s:%u->%u/%s", net_addr_str(p->host_ip, ip),
			         p->host_port, p->ctr_port, net_proto_name(p->proto));
			append(&others, piece);
			continue;
		}
		/* Extend the group with the next port numbers of the same kind. */
		for (size_t j = i + 1; j < n; j++)
			if (!done[j] && same_group(p, &ports[j]) &&
			    (ports[j].host_port == 0 || ports[j].host_port == ports[j].ctr_port) &&
			    ports[j].ctr_port == last + 1) {
				last = ports[j].ctr_port;
				done[j] = true;
			}
		group_text(p, last, piece, sizeof(piece));
		append(&groups, piece);
	}
	if (mapped[0] != '\0')
		append(&groups, mapped);
	free(done);
	return buf;
}
