/*
 * nat.c - chapter 05: our nftables table, through libnftables (see net_nat.h).
 *
 * libnftables is the library behind the `nft` command: we hand it the same
 * text a user would type, it turns that into nf_tables netlink messages
 * (one transaction per call: all of it happens, or none).  Errors come back
 * as nft's own messages, which is what a user of `nft` would see too.
 */
#define _GNU_SOURCE
#include "net_nat.h"

#include <errno.h>
#include <netinet/in.h>
#include <nftables/libnftables.h>
#include <stdio.h>
#include <string.h>

#include "mc_trace.h"

#define CH "ch05"

/*
 * The table, made once.  Read it with the README's section on NAT:
 *
 * - prerouting (traffic from elsewhere) and output (traffic this host
 *   makes) send packets for one of this host's own addresses ("fib daddr
 *   type local", as Docker's "-m addrtype --dst-type LOCAL") through
 *   `published`, whose two map lookups DNAT a published port to its
 *   container; a port published on one address is looked up first.
 * - postrouting masquerades what leaves a network for the world, what
 *   the host sent from 127.0.0.1 to a container (localhost publishing,
 *   with route_localnet on the bridge), and what a container sent to a
 *   published port and comes back onto a bridge (else the reply would
 *   skip the DNAT on its way back).
 * - forward lets traffic stay on one network, keeps --internal networks
 *   in, and keeps networks apart (Docker's isolation chains).
 * - input drops what claims to come to 127.0.0.0/8 through a bridge: with
 *   route_localnet on, a container could otherwise reach services that
 *   listen on the host's loopback only (CVE-2020-8558).
 */
const char net_nat_ruleset[] =
    "table ip " NET_NFT_TABLE " {\n"
    "	set bridges { type ifname; }\n"
    "	set bridge_pairs { type ifname . ifname; }\n"
    "	set internal { type ifname; }\n"
    "	set masq_nets { type ipv4_addr; flags interval; }\n"
    "	map ports_any { type inet_proto . inet_service : ipv4_addr . inet_service; }\n"
    "	map ports_ip { type ipv4_addr . inet_proto . inet_service : ipv4_addr . inet_service; }\n"
    "	chain published {\n"
    "		dnat ip to ip daddr . meta l4proto . th dport map @ports_ip\n"
    "		dnat ip to meta l4proto . th dport map @ports_any\n"
    "	}\n"
    "	chain prerouting {\n"
    "		type nat hook prerouting priority dstnat; policy accept;\n"
    "		fib daddr type local jump published\n"
    "	}\n"
    "	chain output {\n"
    "		type nat hook output priority -100; policy accept;\n"
    "		fib daddr type local jump published\n"
    "	}\n"
    "	chain postrouting {\n"
    "		type nat hook postrouting priority srcnat; policy accept;\n"
    "		ip saddr @masq_nets oifname != @bridges masquerade\n"
    "		ip saddr 127.0.0.0/8 oifname @bridges masquerade\n"
    "		ct status dnat iifname @bridges oifname @bridges masquerade\n"
    "	}\n"
    "	chain forward {\n"
    "		type filter hook forward priority filter; policy accept;\n"
    "		iifname . oifname @bridge_pairs accept\n"
    "		iifname @internal drop\n"
    "		oifname @internal drop\n"
    "		iifname @bridges oifname @bridges drop\n"
    "	}\n"
    "	chain input {\n"
    "		type filter hook input priority filter; policy accept;\n"
    "		iifname @bridges ip daddr 127.0.0.0/8 ct state != { established, related } drop\n"
    "	}\n"
    "}\n";

int net_nat_open(struct net_nat *nat, struct mc_error *err)
{
	nat->ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	if (nat->ctx == NULL)
		return mc_fail(err, ENOMEM, "libnftables");
	/* Keep nft's output and errors for us, instead of letting it print them. */
	if (nft_ctx_buffer_output(nat->ctx) < 0 || nft_ctx_buffer_error(nat->ctx) < 0) {
		net_nat_close(nat);
		return mc_fail(err, ENOMEM, "libnftables buffers");
	}
	return 0;
}

void net_nat_close(struct net_nat *nat)
{
	if (nat->ctx != NULL)
		nft_ctx_free(nat->ctx);
	nat->ctx = NULL;
}

/* nft's error text, on one line, without the "Error: " and the caret lines. */
static void first_error_line(const char *text, char *out, size_t size)
{
	const char *line = strstr(text, "Error: ");

	line = line != NULL ? line + 7 : text;
	snprintf(out, size, "%.*s", (int)strcspn(line, "\n"), line);
}

/* For --trace: a short command whole, its lines joined by "; "; a long one by its first line. */
static void trace_command(const char *cmd, int rc)
{
	char text[600];
	size_t used = 0, lines = 0;

	for (const char *p = cmd; *p != '\0'; p++)
		lines += *p == '\n' || p[1] == '\0';
	if (lines > 4) {
		snprintf(text, sizeof(text), "%.*s ... (%zu lines)", (int)strcspn(cmd, "\n"), cmd,
		         lines);
	} else {
		text[0] = '\0';
		for (const char *line = cmd; *line != '\0' && used < sizeof(text);) {
			size_t len = strcspn(line, "\n");

			used += (size_t)snprintf(text + used, sizeof(text) - used, "%s%.*s",
			                         used ? "; " : "", (int)len, line);
			line += len + (line[len] == '\n');
		}
	}
	mc_trace(CH, "nft %s -> %s", text, rc == 0 ? "ok" : "failed");
}

int net_nat_run(struct net_nat *nat, const char *cmd, struct mc_error *err)
{
	char why[256];
	int rc;

	rc = nft_run_cmd_from_buffer(nat->ctx, cmd);
	if (mc_tracing())
		trace_command(cmd, rc);
	if (rc != 0) {
		first_error_line(nft_ctx_get_error_buffer(nat->ctx), why, sizeof(why));
		return mc_fail(err, 0, "nft %.*s: %s", (int)strcspn(cmd, "\n"), cmd, why);
	}
	return 0;
}

int net_nat_ensure_table(struct net_nat *nat, bool *created, struct mc_error *err)
{
	struct mc_error missing;

	/* `add rule` twice adds the rule twice: make the table only when it is not there. */
	*created = false;
	if (net_nat_run(nat, "list table ip " NET_NFT_TABLE, &missing) == 0)
		return 0;
	*created = true;
	mc_trace(CH, "nftables: making table ip %s (sets, maps, chains, rules: see nat.c)",
	         NET_NFT_TABLE);
	return net_nat_run(nat, net_nat_ruleset, err);
}

int net_nat_network(struct net_nat *nat, bool add, const char *bridge,
                    const struct net_cidr *subnet, bool internal, struct mc_error *err)
{
	char sets[3][16] = {"bridges", "bridge_pairs", ""}, members[3][64], cmd[512];
	char net[NET_CIDR_STRLEN];
	struct mc_error ignored;
	size_t used = 0;

	/* Interface names are ours ("mc0", "mc-<hex>"): quoting them is all they need. */
	snprintf(members[0], sizeof(members[0]), "\"%s\"", bridge);
	snprintf(members[1], sizeof(members[1]), "\"%s\" . \"%s\"", bridge, bridge);
	snprintf(sets[2], sizeof(sets[2]), "%s", internal ? "internal" : "masq_nets");
	snprintf(members[2], sizeof(members[2]), "%s",
	         internal ? members[0] : net_cidr_str(subnet, net));
	for (int i = 0; i < 3; i++) {
		if (add) {
			/* Adding: one transaction, all three or none. */
			used += (size_t)snprintf(cmd + used, sizeof(cmd) - used,
			                         "add element ip %s %s { %s }\n", NET_NFT_TABLE,
			                         sets[i], members[i]);
			continue;
		}
		/* Deleting: one by one, and what is not there (a failed start never added
		 * it) is what we wanted anyway. */
		snprintf(cmd, sizeof(cmd), "delete element ip %s %s { %s }", NET_NFT_TABLE, sets[i],
		         members[i]);
		net_nat_run(nat, cmd, &ignored);
	}
	return add ? net_nat_run(nat, cmd, err) : 0;
}

static const char *proto_name(int proto)
{
	return proto == IPPROTO_UDP ? "udp" : "tcp";
}

int net_nat_port_command(char *buf, size_t size, bool add, const struct net_port *p)
{
	/* EXERCISE 05.3 dnat-element (2 points): Write the DNAT map element
	 * Tests: test_dnat_element_text test_published_port_reaches_container
	 * Needs: 05.1 05.2
	 *
	 * A published port is one element of a map of our table (net_nat.h):
	 * with p->host_ip == 0 (any address of the host) it goes into ports_any,
	 * keyed "PROTO . HOSTPORT"; with a host address it goes into ports_ip,
	 * keyed "HOSTIP . PROTO . HOSTPORT".  The value is
	 * "CONTAINERIP . CONTAINERPORT".  Write into buf, for add,
	 *   add element ip minicontainer ports_any { tcp . 8080 : 10.213.0.2 . 80 }
	 * and for delete the same without the value (an element is found by its key):
	 *   delete element ip minicontainer ports_any { tcp . 8080 }
	 * PROTO is "tcp" or "udp" (proto_name()), addresses as net_addr_str()
	 * prints them.  Return 0, or -1 if it does not fit in size bytes.
	 */
	/* TODO(exercise 05.3 dnat-element): your code here. */
	(void)add; (void)p; (void)proto_name; snprintf(buf, size, "%s", ""); return 0;
}

int net_nat_port(struct net_nat *nat, bool add, const struct net_port *p, struct mc_error *err)
{
	char cmd[256];
	struct mc_error ignored;

	if (net_nat_port_command(cmd, sizeof(cmd), add, p) < 0)
		return mc_fail(err, ENAMETOOLONG, "nft command for port %u", p->host_port);
	if (!add) {
		net_nat_run(nat, cmd, &ignored);
		return 0;
	}
	return net_nat_run(nat, cmd, err);
}
