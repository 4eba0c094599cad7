/*
 * test_ch05_network.c - chapter 05: netlink messages, IPAM, DNAT elements,
 * -p specs and /etc files as units; then bridges, veth pairs, published
 * ports, masquerade, names and the network verbs with real containers.
 *
 * Everything that touches the network runs inside a private network and
 * mount namespace that main() makes before the first test
 * (mc_test_private_network): that namespace is "the host" - its bridge, its
 * nftables table, its ip_forward - and "the outside world" is one more
 * namespace the tests make and connect to it.  The real host's links,
 * addresses, routes and rules are never touched.  State is in this
 * program's temporary directory.
 */
#define _GNU_SOURCE
#include "harness.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <ifaddrs.h>
#include <jansson.h>
#include <libmnl/libmnl.h>
#include <limits.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "net_etc.h"
#include "net_ipam.h"
#include "net_nat.h"
#include "net_netlink.h"
#include "net_ports.h"

#define PROBE     "build/probe/probe"
#define TIMEOUT_S 120

static bool sandboxed;
static char sandbox_why[256];

/* Root, and the private "host" namespace made in main(). */
#define REQUIRE_SANDBOX()                                                                          \
	do {                                                                                       \
		MC_REQUIRE_ROOT();                                                                 \
		if (!sandboxed)                                                                    \
			MC_SKIP("no private network namespace: %s", sandbox_why);                  \
	} while (0)

/* ---- running things ------------------------------------------------------------------------ */

/*
 * BUILD/bin/NAME, next to this program's BUILD/tests/: the binaries built from
 * the same sources as the test - the student's, when grading.
 */
static const char *built(const char *name, char *path, size_t size)
{
	char self[PATH_MAX - 16];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	self[n > 0 ? n : 0] = '\0';
	slash = strrchr(self, '/');
	if (slash != NULL)
		*slash = '\0';
	snprintf(path, size, "%s/../bin/%s", self, name);
	if (access(path, X_OK) != 0)
		snprintf(path, size, "build/bin/%s", name);
	return path;
}

static const char *mc_bin(void)
{
	static char path[PATH_MAX];

	return path[0] ? path : built("minicontainer", path, sizeof(path));
}

/* Run a shell command line; its stdout and stderr in `out`, its exit status returned. */
static int sh(char *out, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int sh(char *out, size_t size, const char *fmt, ...)
{
	char cmd[8192], drain[4096];
	size_t used = 0, n;
	va_list ap;
	FILE *p;
	int status;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	p = popen(cmd, "r");
	assert_non_null(p);
	while (used + 1 < size && (n = fread(out + used, 1, size - used - 1, p)) > 0)
		used += n;
	out[used] = '\0';
	while (fread(drain, 1, sizeof(drain), p) > 0)
		;
	status = pclose(p);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* minicontainer ARGS (a shell fragment), stdout and stderr together, under a timeout. */
static int mc(char *out, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int mc(char *out, size_t size, const char *fmt, ...)
{
	char args[6144];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	return sh(out, size, "{ timeout -k 5 %d '%s' %s ; } </dev/null 2>&1", TIMEOUT_S, mc_bin(),
	          args);
}

static void expect_status(int got, int want, const char *what, const char *out)
{
	if (got != want)
		fail_msg("%s: exit status %d, expected %d; output:\n%s", what, got, want, out);
}

static void expect_text(const char *out, const char *needle, const char *what)
{
	if (strstr(out, needle) == NULL)
		fail_msg("%s: expected \"%s\" in:\n%s", what, needle, out);
}

static void expect_no_text(const char *out, const char *needle, const char *what)
{
	if (strstr(out, needle) != NULL)
		fail_msg("%s: did not expect \"%s\" in:\n%s", what, needle, out);
}

/* `inspect --format FORMAT WHAT`, without its newline. */
static void inspect(const char *what, const char *format, char *out, size_t size)
{
	int status = mc(out, size, "inspect --format '%s' '%s'", format, what);

	if (status != 0)
		fail_msg("inspect %s %s: exit %d:\n%s", format, what, status, out);
	out[strcspn(out, "\n")] = '\0';
}

/* A process of ours in the background (a server in the outside namespace, a demo). */
static pid_t spawn(const char *cmd)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		setpgid(0, 0);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	return pid;
}

static void stop(pid_t pid)
{
	if (pid > 0) {
		kill(-pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
}

/* ---- images and cleanup -------------------------------------------------------------------- */

static bool images_imported;

static void require_images(void)
{
	char out[8192], tar[PATH_MAX], cmd[2 * PATH_MAX];

	if (images_imported)
		return;
	if (access(mc_bin(), X_OK) != 0 || mc_test_rootfs() == NULL)
		fail_msg(
		    "needs build/bin/minicontainer and the test root filesystem (make rootfs)");
	snprintf(tar, sizeof(tar), "%s/busybox.tar", mc_test_tmpdir());
	snprintf(cmd, sizeof(cmd), "tar -C '%s' -cf '%s' .", mc_test_rootfs(), tar);
	if (system(cmd) != 0)
		fail_msg("%s failed", cmd);
	expect_status(
	    mc(out, sizeof(out), "import --change 'CMD [\"sh\"]' - busybox:latest <'%s'", tar), 0,
	    "import busybox", out);
	images_imported = true;
}

#define REQUIRE_CONTAINERS()                                                                       \
	do {                                                                                       \
		REQUIRE_SANDBOX();                                                                 \
		require_images();                                                                  \
	} while (0)

/* Teardown of every test: every container and user network goes, whatever happened. */
static int cleanup(void **state)
{
	char out[65536];

	(void)state;
	if (!sandboxed)
		return 0;
	if (mc(out, sizeof(out), "ps -a -q --no-trunc") == 0 && out[0] != '\0') {
		for (char *save = NULL, *id = strtok_r(out, "\n", &save); id != NULL;
		     id = strtok_r(NULL, "\n", &save)) {
			char rm[4096];

			mc(rm, sizeof(rm), "rm -f %s", id);
		}
	}
	mc(out, sizeof(out), "network prune -f");
	return 0;
}

/* ---- looking at the "host" ------------------------------------------------------------------- */

static char *read_all(const char *path)
{
	static char buf[262144];
	FILE *f = fopen(path, "re");
	size_t n = 0;

	if (f != NULL) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	return buf;
}

/* How many links of the host namespace have names starting with `prefix`. */
static int links_named(const char *prefix)
{
	struct ifaddrs *ifs, *i;
	char seen[4096] = "";
	int n = 0;

	assert_int_equal(getifaddrs(&ifs), 0);
	for (i = ifs; i != NULL; i = i->ifa_next) {
		char name[64];

		snprintf(name, sizeof(name), "|%s|", i->ifa_name);
		if (strncmp(i->ifa_name, prefix, strlen(prefix)) != 0 || strstr(seen, name))
			continue;
		strncat(seen, name, sizeof(seen) - strlen(seen) - 1);
		n++;
	}
	freeifaddrs(ifs);
	return n;
}

/* Does the host have `addr` (dotted) on link `ifname`? */
static bool host_has_address(const char *ifname, const char *addr)
{
	struct ifaddrs *ifs, *i;
	char text[INET_ADDRSTRLEN];
	bool found = false;

	assert_int_equal(getifaddrs(&ifs), 0);
	for (i = ifs; i != NULL && !found; i = i->ifa_next)
		if (i->ifa_addr != NULL && i->ifa_addr->sa_family == AF_INET &&
		    strcmp(i->ifa_name, ifname) == 0)
			found = strcmp(inet_ntop(AF_INET,
			                         &((struct sockaddr_in *)i->ifa_addr)->sin_addr,
			                         text, sizeof(text)),
			               addr) == 0;
	freeifaddrs(ifs);
	return found;
}

/* The elements of our nftables maps (empty text when there are none). */
static void nft_elements(char *out, size_t size)
{
	char all[16384];

	out[0] = '\0';
	sh(all, sizeof(all),
	   "nft list map ip minicontainer ports_any 2>&1; "
	   "nft list map ip minicontainer ports_ip 2>&1");
	for (char *save = NULL, *line = strtok_r(all, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save))
		if (strstr(line, "elements") != NULL)
			strncat(out, line, size - strlen(out) - 1);
}

/* Addresses held in the IPAM records of every network. */
static int ipam_entries(void)
{
	char out[65536];

	sh(out, sizeof(out), "cat '%s'/networks/*.json 2>/dev/null | grep -c '\"IPv4Address\"'",
	   getenv("MC_ROOT"));
	return atoi(out);
}

/*
 * After every container is gone: no veth, no map element, no address, no .active
 * file.  The kernel deletes a dead container's veth pair with its network
 * namespace, a moment after its last process ended: wait for that (20 s at most:
 * in the emulated VM a moment is longer).
 */
static void expect_nothing_left(const char *when)
{
	char elements[16384], active[4096];

	for (int i = 0; i < 400 && links_named("mcv") != 0; i++)
		usleep(50000);
	if (links_named("mcv") != 0) {
		sh(active, sizeof(active), "ip -o link");
		fail_msg("%s: veth links are left:\n%s", when, active);
	}
	nft_elements(elements, sizeof(elements));
	if (elements[0] != '\0')
		fail_msg("%s: nftables elements are left: %s", when, elements);
	if (ipam_entries() != 0)
		fail_msg("%s: %d addresses are still held", when, ipam_entries());
	sh(active, sizeof(active), "ls '%s/networks' | grep -c active", getenv("MC_RUNDIR"));
	if (atoi(active) != 0)
		fail_msg("%s: %s .active files are left", when, active);
}

/* The probe's value for `key` in `out`, or "". */
static const char *kv(const char *out, const char *key, char *value, size_t size)
{
	if (!mc_kv(out, key, 0, value, size))
		value[0] = '\0';
	return value;
}

/* A server container: `/probe serve PORT PROTO 0` (forever), started in the background. */
static void start_server(const char *name, const char *flags, int port, const char *proto)
{
	char out[8192];

	expect_status(mc(out, sizeof(out), "create --name %s %s busybox /probe serve %d %s 0", name,
	                 flags, port, proto),
	              0, "create a server", out);
	expect_status(mc(out, sizeof(out), "start %s", name), 0, "start a server", out);
}

/* The container's address on `network`. */
static void address_of(const char *name, const char *network, char *ip, size_t size)
{
	char format[128];

	snprintf(format, sizeof(format), "{{.NetworkSettings.Networks.%s.IPAddress}}", network);
	inspect(name, format, ip, size);
	if (ip[0] == '\0')
		fail_msg("%s has no address on %s", name, network);
}

/* Connect from the host with the probe, retrying while a server starts; the output. */
static int host_connect(const char *host, int port, const char *proto, const char *msg, char *out,
                        size_t size)
{
	int status = -1;

	for (int i = 0; i < 50; i++) {
		status = sh(out, size, PROBE " connect %s %d %s %s 2>&1", host, port, proto, msg);
		if (status == 0)
			break;
		usleep(100000);
	}
	return status;
}

/* ---- 05.1: a netlink request, byte by byte ---------------------------------------------------- */

static void test_newaddr_message_layout(void **state)
{
	char buf[NET_NL_BUFSIZE], text[512];
	const struct ifaddrmsg *ifa;
	const struct nlattr *a;
	struct nlmsghdr *nlh;
	uint32_t local = 0, address = 0;
	int attrs = 0;

	(void)state;
	memset(buf, 0xa5, sizeof(buf));
	nlh = net_nl_build_newaddr(buf, 7, 0x0ad50002, 16);
	assert_int_equal(nlh->nlmsg_type, RTM_NEWADDR);
	assert_int_equal(nlh->nlmsg_flags & (NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL),
	                 NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL);
	/* 16 bytes of header, 8 of ifaddrmsg, two attributes of 4 + 4 bytes. */
	assert_int_equal(nlh->nlmsg_len, 16 + 8 + 8 + 8);
	ifa = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(ifa->ifa_family, AF_INET);
	assert_int_equal(ifa->ifa_prefixlen, 16);
	assert_int_equal(ifa->ifa_index, 7);
	assert_int_equal(ifa->ifa_scope, RT_SCOPE_UNIVERSE);
	mnl_attr_for_each(a, nlh, sizeof(*ifa))
	{
		attrs++;
		assert_int_equal(mnl_attr_get_payload_len(a), 4);
		if (mnl_attr_get_type(a) == IFA_LOCAL)
			local = mnl_attr_get_u32(a);
		else if (mnl_attr_get_type(a) == IFA_ADDRESS)
			address = mnl_attr_get_u32(a);
	}
	assert_int_equal(attrs, 2);
	/* Network byte order on the wire: 10.213.0.2 is the bytes 0a d5 00 02. */
	assert_int_equal(local, htonl(0x0ad50002));
	assert_int_equal(address, htonl(0x0ad50002));
	net_nl_describe(nlh, nlh->nlmsg_len, text, sizeof(text));
	assert_string_equal(text, "RTM_NEWADDR prefixlen=16 index=7 local=10.213.0.2 "
	                          "address=10.213.0.2 (CREATE|EXCL)");
}

static void test_address_appears_on_the_link(void **state)
{
	struct net_nl nl;
	struct mc_error err;
	char kind[32];
	int index;

	(void)state;
	REQUIRE_SANDBOX();
	assert_int_equal(net_nl_open(&nl, 0, &err), 0);
	if (net_nl_bridge_add(&nl, "mctest0", &err) < 0 ||
	    net_nl_link_get(&nl, "mctest0", &index, kind, sizeof(kind), &err) < 0 ||
	    net_nl_addr_add(&nl, index, 0xc0000201, 24, &err) < 0)
		fail_msg("%s", err.msg);
	assert_string_equal(kind, "bridge");
	assert_true(host_has_address("mctest0", "192.0.2.1"));
	/* The same address again: the kernel says EEXIST, and we hear it. */
	assert_int_equal(net_nl_addr_add(&nl, index, 0xc0000201, 24, &err), -1);
	assert_int_equal(err.errnum, EEXIST);
	assert_int_equal(net_nl_link_del(&nl, "mctest0", &err), 0);
	assert_int_equal(net_nl_link_get(&nl, "mctest0", &index, NULL, 0, &err), -1);
	assert_int_equal(err.errnum, ENODEV);
	net_nl_close(&nl);
}

static void test_netlink_describe_any_bytes(void **state)
{
	unsigned char buf[256];
	char text[600];
	unsigned int seed = 5;

	(void)state;
	/* Random bytes and cut-off messages: text, never a read past the end. */
	for (int round = 0; round < 20000; round++) {
		size_t len = (size_t)rand_r(&seed) % sizeof(buf);

		for (size_t i = 0; i < len; i++)
			buf[i] = (unsigned char)rand_r(&seed);
		if (len >= 16 && round % 2 == 0) {
			struct nlmsghdr *nlh = (struct nlmsghdr *)buf;

			nlh->nlmsg_len = (uint32_t)len;
			nlh->nlmsg_type = (uint16_t)(RTM_NEWLINK + rand_r(&seed) % 12);
		}
		net_nl_describe(buf, len, text, sizeof(text));
		assert_true(strlen(text) < sizeof(text));
	}
}

/* ---- 05.2: IPAM ------------------------------------------------------------------------------- */

static void test_ipam_picks_lowest_free(void **state)
{
	struct net_cidr net;
	struct mc_error err;
	uint32_t used[8], got;

	(void)state;
	assert_int_equal(net_cidr_parse("10.213.0.0/29", &net, &err), 0);
	/* .0 is the network, .1 the gateway, .7 broadcast: .2 comes first. */
	assert_int_equal(net_ipam_pick(&net, 0x0ad50001, NULL, 0, 0, &got, &err), 0);
	assert_int_equal(got, 0x0ad50002);
	used[0] = 0x0ad50002;
	used[1] = 0x0ad50004;
	assert_int_equal(net_ipam_pick(&net, 0x0ad50001, used, 2, 0, &got, &err), 0);
	assert_int_equal(got, 0x0ad50003);
	/* A gateway elsewhere frees .1 for a container. */
	assert_int_equal(net_ipam_pick(&net, 0x0ad50006, used, 2, 0, &got, &err), 0);
	assert_int_equal(got, 0x0ad50001);
	used[2] = 0x0ad50003;
	used[3] = 0x0ad50005;
	assert_int_equal(net_ipam_pick(&net, 0x0ad50001, used, 4, 0, &got, &err), 0);
	assert_int_equal(got, 0x0ad50006);
}

static void test_ipam_requested_and_exhausted(void **state)
{
	struct net_cidr net;
	struct mc_error err;
	uint32_t used[4] = {0x0ad50002}, got = 0;

	(void)state;
	assert_int_equal(net_cidr_parse("10.213.0.0/29", &net, &err), 0);
	assert_int_equal(net_ipam_pick(&net, 0x0ad50001, used, 1, 0x0ad50005, &got, &err), 0);
	assert_int_equal(got, 0x0ad50005);
	/* Held, the gateway, outside, the network address, broadcast. */
	assert_int_equal(net_ipam_pick(&net, 0x0ad50001, used, 1, 0x0ad50002, &got, &err), -1);
	assert_int_equal(err.errnum, EADDRINUSE);
	assert_int_equal(net_ipam_pick(&net, 0x0ad50001, used, 1, 0x0ad50001, &got, &err), -1);
	assert_int_equal(err.errnum, EADDRINUSE);
	assert_int_equal(net_ipam_pick(&net, 0x0ad50001, used, 1, 0x0ad50102, &got, &err), -1);
	assert_int_equal(err.errnum, EINVAL);
	assert_int_equal(net_ipam_pick(&net, 0x0ad50001, used, 1, 0x0ad50000, &got, &err), -1);
	assert_int_equal(net_ipam_pick(&net, 0x0ad50001, used, 1, 0x0ad50007, &got, &err), -1);
	/* A /30 holds a gateway and one container. */
	assert_int_equal(net_cidr_parse("10.213.0.0/30", &net, &err), 0);
	assert_int_equal(net_ipam_pick(&net, 0x0ad50001, used, 1, 0, &got, &err), -1);
	assert_int_equal(err.errnum, ENOSPC);
	expect_text(err.msg, "10.213.0.0/30", "the full subnet is named");
}

static void test_cidr_parse_and_overlap(void **state)
{
	static const char *const bad[] = {"10.0.0.0",     "10.0.0.0/",    "10.0.0/8",
	                                  "10.0.0.0/33",  "10.0.0.0/7",   "10.0.0.0/31",
	                                  "10.0.0.1/24",  "256.0.0.0/8",  "10.0.0.0/24x",
	                                  " 10.0.0.0/24", "10.00.0.0/24", "10.0.0.0/024"};
	struct net_cidr a, b;
	struct mc_error err;
	char text[NET_CIDR_STRLEN];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (net_cidr_parse(bad[i], &a, &err) == 0)
			fail_msg("'%s' was accepted", bad[i]);
	assert_int_equal(net_cidr_parse("10.0.0.1/24", &a, &err), -1);
	expect_text(err.msg, "did you mean 10.0.0.0/24?", "the hint");
	assert_int_equal(net_cidr_parse("10.213.0.0/16", &a, &err), 0);
	assert_string_equal(net_cidr_str(&a, text), "10.213.0.0/16");
	assert_int_equal(net_cidr_parse("10.213.7.0/24", &b, &err), 0);
	assert_true(net_cidr_overlap(&a, &b) && net_cidr_overlap(&b, &a));
	assert_int_equal(net_cidr_parse("10.214.0.0/24", &b, &err), 0);
	assert_false(net_cidr_overlap(&a, &b));
	assert_true(net_cidr_contains(&a, 0x0ad5ffff));
	assert_int_equal(net_cidr_last(&a), 0x0ad5ffff);
}

/* ---- 05.3: the DNAT element --------------------------------------------------------------------- */

static void test_dnat_element_text(void **state)
{
	struct net_port any = {IPPROTO_TCP, 0, 8080, 0x0ad50002, 80};
	struct net_port one = {IPPROTO_UDP, 0x7f000001, 5353, 0x0ad50003, 53};
	char buf[256];

	(void)state;
	assert_int_equal(net_nat_port_command(buf, sizeof(buf), true, &any), 0);
	assert_string_equal(buf, "add element ip minicontainer ports_any "
	                         "{ tcp . 8080 : 10.213.0.2 . 80 }");
	assert_int_equal(net_nat_port_command(buf, sizeof(buf), false, &any), 0);
	assert_string_equal(buf, "delete element ip minicontainer ports_any { tcp . 8080 }");
	assert_int_equal(net_nat_port_command(buf, sizeof(buf), true, &one), 0);
	assert_string_equal(buf, "add element ip minicontainer ports_ip "
	                         "{ 127.0.0.1 . udp . 5353 : 10.213.0.3 . 53 }");
	assert_int_equal(net_nat_port_command(buf, sizeof(buf), false, &one), 0);
	assert_string_equal(buf, "delete element ip minicontainer ports_ip "
	                         "{ 127.0.0.1 . udp . 5353 }");
	assert_int_equal(net_nat_port_command(buf, 20, true, &one), -1);
}

/* ---- -p, PORTS, /etc files ---------------------------------------------------------------------- */

static void test_publish_specs(void **state)
{
	static const struct {
		const char *spec;
		size_t n;
		int proto;
		uint32_t ip;
		uint16_t lo, hi, ctr;
	} good[] = {
	    {"8080:80", 1, IPPROTO_TCP, 0, 8080, 8080, 80},
	    {"127.0.0.1:8080:80", 1, IPPROTO_TCP, 0x7f000001, 8080, 8080, 80},
	    {"8080:80/udp", 1, IPPROTO_UDP, 0, 8080, 8080, 80},
	    {"80", 1, IPPROTO_TCP, 0, 0, 0, 80},
	    {"127.0.0.1::80/tcp", 1, IPPROTO_TCP, 0x7f000001, 0, 0, 80},
	    {"9000-9100:80", 1, IPPROTO_TCP, 0, 9000, 9100, 80},
	    {"8000-8002:80-82", 3, IPPROTO_TCP, 0, 8000, 8000, 80},
	    {"80-81/udp", 2, IPPROTO_UDP, 0, 0, 0, 80},
	};
	static const struct {
		const char *spec, *message;
	} bad[] = {
	    {"", "no port specified"},          {"8080:", "no port specified"},
	    {"x", "invalid containerPort: x"},  {"0", "invalid containerPort: 0"},
	    {"65536", "invalid containerPort"}, {"80/sctpx", "invalid proto: sctpx"},
	    {"y:80", "invalid hostPort: y"},    {"1.2.3:8080:80", "invalid IP address: 1.2.3"},
	    {"[::1]:8080:80", "only IPv4"},     {"8000-8002:80-81", "invalid ranges specified"},
	    {"82-80", "invalid containerPort"}, {"1:2:3:4:5", "invalid IP address"},
	};
	struct net_binding b[8];
	struct mc_error err;
	size_t n;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (net_parse_publish(good[i].spec, b, 8, &n, &err) < 0)
			fail_msg("'%s': %s", good[i].spec, err.msg);
		assert_int_equal(n, good[i].n);
		assert_int_equal(b[0].proto, good[i].proto);
		assert_int_equal(b[0].host_ip, good[i].ip);
		assert_int_equal(b[0].host_lo, good[i].lo);
		assert_int_equal(b[0].host_hi, good[i].hi);
		assert_int_equal(b[0].ctr_port, good[i].ctr);
	}
	assert_int_equal(net_parse_publish("8000-8002:80-82", b, 8, &n, &err), 0);
	assert_int_equal(b[2].host_lo, 8002);
	assert_int_equal(b[2].ctr_port, 82);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (net_parse_publish(bad[i].spec, b, 8, &n, &err) == 0)
			fail_msg("'%s' was accepted", bad[i].spec);
		expect_text(err.msg, bad[i].message, bad[i].spec);
	}
	assert_int_equal(net_parse_publish("1-100", b, 8, &n, &err), -1);
}

static void test_ports_display(void **state)
{
	struct net_port_entry p[] = {
	    {IPPROTO_TCP, 100, 0, 32768}, {IPPROTO_UDP, 90, 0x7f000001, 9090},
	    {IPPROTO_TCP, 80, 0, 8080},   {IPPROTO_TCP, 443, 0, 0},
	    {IPPROTO_TCP, 444, 0, 0},     {IPPROTO_TCP, 8000, 0, 8000},
	    {IPPROTO_TCP, 8001, 0, 8001},
	};
	char buf[512];

	(void)state;
	assert_string_equal(net_ports_display(p, sizeof(p) / sizeof(p[0]), buf, sizeof(buf)),
	                    "443-444/tcp, 0.0.0.0:8000-8001->8000-8001/tcp, 0.0.0.0:8080->80/tcp, "
	                    "127.0.0.1:9090->90/udp, 0.0.0.0:32768->100/tcp");
	assert_string_equal(net_ports_display(p, 0, buf, sizeof(buf)), "");
}

static void test_resolv_conf_replaces_loopback(void **state)
{
	static const char host[] = "# made by systemd-resolved\nnameserver 127.0.0.53\n"
	                           "options edns0 trust-ad\nsearch corp.example\n";
	static const char upstream[] = "nameserver 192.0.2.53\nnameserver ::1\n"
	                               "nameserver 2001:db8::53\nnameserver 127.0.0.1\n";
	const char *dns[] = {"192.0.2.99", NULL}, *search[] = {"a.example", "b.example", NULL};
	const char *none[] = {".", NULL}, *options[] = {"ndots:2", NULL};
	struct net_etc e = {0};
	struct mc_error err;
	char out[1024];
	bool fallback;

	(void)state;
	assert_int_equal(net_resolv_conf(host, upstream, &e, out, sizeof(out), &fallback, &err), 0);
	assert_string_equal(out, "search corp.example\nnameserver 192.0.2.53\n"
	                         "options edns0 trust-ad\n");
	assert_false(fallback);
	/* Nothing reachable anywhere: Docker's public fallback, and we are told. */
	assert_int_equal(net_resolv_conf(host, NULL, &e, out, sizeof(out), &fallback, &err), 0);
	assert_string_equal(out, "search corp.example\nnameserver 8.8.8.8\nnameserver 8.8.4.4\n"
	                         "options edns0 trust-ad\n");
	assert_true(fallback);
	/* A host with a real resolver keeps it. */
	assert_int_equal(
	    net_resolv_conf("nameserver 192.0.2.1\n", NULL, &e, out, sizeof(out), &fallback, &err),
	    0);
	assert_string_equal(out, "nameserver 192.0.2.1\n");
	e.dns = dns;
	e.dns_search = search;
	e.dns_options = options;
	assert_int_equal(net_resolv_conf(host, NULL, &e, out, sizeof(out), &fallback, &err), 0);
	assert_string_equal(out, "search a.example b.example\nnameserver 192.0.2.99\n"
	                         "options ndots:2\n");
	e.dns_search = none;
	assert_int_equal(net_resolv_conf(host, NULL, &e, out, sizeof(out), &fallback, &err), 0);
	expect_no_text(out, "search", "--dns-search . removes the search line");
}

static void test_hosts_file_kept_in_place(void **state)
{
	const char *extra[] = {"db:192.0.2.7", "gw:host-gateway", NULL};
	uint32_t own[] = {0x0ad60002};
	struct net_etc e = {"web", own, 1, extra, 0x0ad60001, NULL, NULL, NULL};
	static const char *const bad[] = {"db",         "db:",         ":1.2.3.4", "db:1.2.3",
	                                  "-x:1.2.3.4", "a b:1.2.3.4", "db:::1"};
	char text[4096], path[PATH_MAX], name[64];
	struct mc_error err;
	struct stat before, after;
	uint32_t addr;
	FILE *f;

	(void)state;
	assert_int_equal(net_hosts_text(&e, text, sizeof(text), &err), 0);
	expect_text(text, "127.0.0.1\tlocalhost\n", "localhost");
	expect_text(text, "192.0.2.7\tdb\n10.214.0.1\tgw\n10.214.0.2\tweb\n" NET_HOSTS_MARKER "\n",
	            "--add-host, host-gateway, its own name, the marker");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (net_parse_extra_host(bad[i], name, sizeof(name), &addr, &err) == 0)
			fail_msg("--add-host '%s' was accepted", bad[i]);
	/* The peers section changes in place: same inode, the head untouched. */
	snprintf(path, sizeof(path), "%s/hosts", mc_test_tmpdir());
	f = fopen(path, "we");
	assert_non_null(f);
	fputs(text, f);
	fputs("10.214.0.9\told\n", f);
	fclose(f);
	assert_int_equal(stat(path, &before), 0);
	assert_int_equal(net_hosts_set_peers(path, "10.214.0.3\tdb2 0123456789ab\n", &err), 0);
	assert_int_equal(stat(path, &after), 0);
	assert_int_equal(before.st_ino, after.st_ino);
	expect_text(read_all(path), NET_HOSTS_MARKER "\n10.214.0.3\tdb2 0123456789ab\n", "peers");
	expect_no_text(read_all(path), "old", "the old peers are gone");
	expect_text(read_all(path), "10.214.0.2\tweb\n", "the head stays");
	assert_int_equal(net_hosts_set_peers(path, "", &err), 0);
	assert_int_equal(strlen(read_all(path)), strlen(text));
}

/* ---- containers on the default bridge ----------------------------------------------------------- */

static void test_bridge_address_and_default_route(void **state)
{
	char out[16384], value[128];

	(void)state;
	REQUIRE_CONTAINERS();
	expect_status(mc(out, sizeof(out), "run --rm busybox /probe addr"), 0, "run addr", out);
	assert_true(strncmp(kv(out, "gateway", value, sizeof(value)), "10.213.0.1 eth0", 15) == 0);
	assert_true(mc_kv(out, "addr", 1, value, sizeof(value)));
	if (strncmp(value, "eth0 10.213.0.", 14) != 0 || strstr(value, "/16") == NULL)
		fail_msg("eth0's address: %s", value);
	/* The host's side: the bridge, with the gateway address, and route_localnet on. */
	assert_true(host_has_address("mc0", "10.213.0.1"));
	assert_string_equal(read_all("/proc/sys/net/ipv4/conf/mc0/route_localnet"), "1\n");
	assert_string_equal(read_all("/proc/sys/net/ipv4/ip_forward"), "1\n");
	expect_nothing_left("after run --rm");
}

static void test_ping_and_tcp_between_containers(void **state)
{
	char out[16384], ip[64], value[256];

	(void)state;
	REQUIRE_CONTAINERS();
	start_server("srv", "", 80, "tcp");
	address_of("srv", "bridge", ip, sizeof(ip));
	expect_status(mc(out, sizeof(out), "run --rm busybox ping -c 1 -W 5 %s", ip), 0,
	              "ping between containers", out);
	expect_text(out, "1 packets received", "ping");
	expect_status(mc(out, sizeof(out), "run --rm busybox /probe connect %s 80 tcp hello", ip),
	              0, "tcp between containers", out);
	kv(out, "reply", value, sizeof(value));
	if (strstr(value, " from=10.213.0.") == NULL || strstr(value, " hello") == NULL)
		fail_msg("reply: %s", out);
}

static void test_published_port_reaches_container(void **state)
{
	char out[16384], id[80], value[256];

	(void)state;
	REQUIRE_CONTAINERS();
	start_server("web", "-p 8080:80 -p 127.0.0.1:9090:80", 80, "tcp");
	start_server("dns", "-p 5353:53/udp", 53, "udp");
	inspect("web", "{{.Id}}", id, sizeof(id));
	/* From the host itself, to 127.0.0.1 (route_localnet + masquerade) and to the bridge. */
	expect_status(host_connect("127.0.0.1", 8080, "tcp", "lo", out, sizeof(out)), 0,
	              "tcp 127.0.0.1:8080", out);
	kv(out, "reply", value, sizeof(value));
	if (strncmp(value, id, 12) != 0 || strstr(value, "from=10.213.0.1 lo") == NULL)
		fail_msg("127.0.0.1:8080 answered: %s", out);
	expect_status(host_connect("10.213.0.1", 8080, "tcp", "br", out, sizeof(out)), 0,
	              "tcp 10.213.0.1:8080", out);
	expect_text(out, "from=10.213.0.1 br", "through the bridge address");
	expect_status(host_connect("127.0.0.1", 5353, "udp", "u", out, sizeof(out)), 0,
	              "udp 127.0.0.1:5353", out);
	expect_text(out, "from=10.213.0.1 u", "udp");
	expect_status(host_connect("10.213.0.1", 5353, "udp", "u2", out, sizeof(out)), 0,
	              "udp 10.213.0.1:5353", out);
	/* Published on 127.0.0.1 only: not on the bridge's address. */
	expect_status(host_connect("127.0.0.1", 9090, "tcp", "x", out, sizeof(out)), 0,
	              "127.0.0.1:9090", out);
	assert_int_not_equal(sh(out, sizeof(out), PROBE " connect 10.213.0.1 9090 tcp x 2>&1"), 0);
	/* As Docker prints them. */
	expect_status(mc(out, sizeof(out), "port web"), 0, "port web", out);
	assert_string_equal(out, "80/tcp -> 0.0.0.0:8080\n80/tcp -> 127.0.0.1:9090\n");
	expect_status(mc(out, sizeof(out), "port dns 53/udp"), 0, "port dns 53/udp", out);
	assert_string_equal(out, "0.0.0.0:5353\n");
	assert_int_equal(mc(out, sizeof(out), "port dns 54/udp"), 1);
	expect_text(out, "No public port '54/udp' published for dns", "port of nothing");
	expect_status(mc(out, sizeof(out), "ps"), 0, "ps", out);
	expect_text(out, "0.0.0.0:8080->80/tcp, 127.0.0.1:9090->80/tcp", "ps PORTS of web");
	expect_text(out, "0.0.0.0:5353->53/udp", "ps PORTS of dns");
	inspect("web", "{{json .NetworkSettings.Ports}}", out, sizeof(out));
	assert_string_equal(out, "{\"80/tcp\":[{\"HostIp\":\"0.0.0.0\",\"HostPort\":\"8080\"},"
	                         "{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"9090\"}]}");
	inspect("web", "{{json .HostConfig.PortBindings}}", out, sizeof(out));
	assert_string_equal(out, "{\"80/tcp\":[{\"HostIp\":\"\",\"HostPort\":\"8080\"},"
	                         "{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"9090\"}]}");
}

static void test_random_host_port_and_publish_all(void **state)
{
	char out[16384], port[64];

	(void)state;
	REQUIRE_CONTAINERS();
	start_server("any", "-p 80", 80, "tcp");
	expect_status(mc(out, sizeof(out), "port any 80"), 0, "port any 80", out);
	assert_true(strncmp(out, "0.0.0.0:", 8) == 0);
	snprintf(port, sizeof(port), "%d", atoi(out + 8));
	assert_true(atoi(port) >= 1024);
	expect_status(host_connect("127.0.0.1", atoi(port), "tcp", "r", out, sizeof(out)), 0,
	              "the chosen port", out);
	/* -P: every exposed port, each to a free host port of its own. */
	start_server("all", "-P --expose 80 --expose 81/udp", 80, "tcp");
	expect_status(mc(out, sizeof(out), "port all"), 0, "port all", out);
	expect_text(out, "80/tcp -> 0.0.0.0:", "80 published");
	expect_text(out, "81/udp -> 0.0.0.0:", "81/udp published");
	/* (the same number on udp is another port: only tcp's must differ) */
	snprintf(port, sizeof(port), "80/tcp -> 0.0.0.0:%d\n", atoi(port));
	expect_no_text(out, port, "a port is not given twice");
}

static void test_table_comes_back_after_flush(void **state)
{
	char out[16384];

	(void)state;
	REQUIRE_CONTAINERS();
	start_server("kept", "-p 8585:80", 80, "tcp");
	expect_status(host_connect("127.0.0.1", 8585, "tcp", "a", out, sizeof(out)), 0, "up", out);
	/* Someone flushes the whole ruleset (a firewall reload, a script): our table is gone. */
	expect_status(sh(out, sizeof(out), "nft flush ruleset 2>&1"), 0, "flush", out);
	assert_int_not_equal(sh(out, sizeof(out), PROBE " connect 127.0.0.1 8585 tcp b 2>&1"), 0);
	/* The next container start makes it again, with the running containers' ports. */
	expect_status(mc(out, sizeof(out), "run --rm busybox true"), 0, "another container", out);
	expect_status(host_connect("127.0.0.1", 8585, "tcp", "c", out, sizeof(out)), 0,
	              "the port is back", out);
	expect_text(out, " c", "reply");
}

/* The outside world: a namespace behind the host, 192.0.2.2, reached through 192.0.2.1. */
static void make_outside(void)
{
	char out[4096];

	if (access("/run/netns/outside", F_OK) == 0)
		return;
	if (sh(out, sizeof(out),
	       "ip netns add outside && ip link add mcx-out type veth peer name eth0 netns "
	       "outside && ip addr add 192.0.2.1/24 dev mcx-out && ip link set mcx-out up && "
	       "ip -n outside addr add 192.0.2.2/24 dev eth0 && ip -n outside link set eth0 up && "
	       "ip -n outside link set lo up 2>&1") != 0)
		fail_msg("making the outside namespace: %s", out);
}

static void test_masquerade_to_the_outside(void **state)
{
	char out[16384];
	pid_t server;

	(void)state;
	REQUIRE_CONTAINERS();
	make_outside();
	server = spawn("exec ip netns exec outside " PROBE " serve 9000 tcp 0 >/dev/null 2>&1");
	/* The outside knows no route to 10.213.0.0/16: only masquerade brings the reply back. */
	expect_status(mc(out, sizeof(out),
	                 "run --rm busybox sh -c 'for i in 1 2 3 4 5 6 7 8 9 10; do "
	                 "/probe connect 192.0.2.2 9000 tcp masq && break; sleep 0.2; done'"),
	              0, "container -> outside", out);
	expect_text(out, "from=192.0.2.1 masq", "the outside saw the host's address");
	/* An --internal network has no way out. */
	expect_status(mc(out, sizeof(out), "network create --internal sealed"), 0, "create", out);
	assert_int_not_equal(
	    mc(out, sizeof(out), "run --rm --network sealed busybox /probe connect 192.0.2.2 9000"),
	    0);
	expect_text(out, "connect_error=", "internal");
	stop(server);
}

/* ---- user networks ------------------------------------------------------------------------------- */

static void test_names_resolve_on_user_network(void **state)
{
	char out[16384], ip_a[64], ip_c[64], value[256];

	(void)state;
	REQUIRE_CONTAINERS();
	expect_status(mc(out, sizeof(out), "network create apps"), 0, "network create", out);
	start_server("a", "--network apps --network-alias alpha", 80, "tcp");
	address_of("a", "apps", ip_a, sizeof(ip_a));
	start_server("b", "--network apps", 81, "tcp");
	/* b resolves a by name and by alias, and reaches it by name. */
	expect_status(mc(out, sizeof(out), "exec b /probe resolve a"), 0, "resolve a", out);
	assert_string_equal(kv(out, "resolved", value, sizeof(value)), ip_a);
	expect_status(mc(out, sizeof(out), "exec b /probe resolve alpha"), 0, "alias", out);
	assert_string_equal(kv(out, "resolved", value, sizeof(value)), ip_a);
	expect_status(mc(out, sizeof(out), "exec b /probe connect a 80 tcp by-name"), 0,
	              "connect by name", out);
	expect_text(out, " by-name", "reply");
	/* c starts after b: b learns its name while it runs. */
	start_server("c", "--network apps", 80, "tcp");
	address_of("c", "apps", ip_c, sizeof(ip_c));
	expect_status(mc(out, sizeof(out), "exec b /probe resolve c"), 0, "a later one", out);
	assert_string_equal(kv(out, "resolved", value, sizeof(value)), ip_c);
	/* Removed: gone from b's /etc/hosts. */
	expect_status(mc(out, sizeof(out), "rm -f c"), 0, "rm -f c", out);
	assert_int_not_equal(mc(out, sizeof(out), "exec b /probe resolve c"), 0);
	/* Stopped: gone too; started again: back. */
	expect_status(mc(out, sizeof(out), "stop -t 1 a"), 0, "stop a", out);
	assert_int_not_equal(mc(out, sizeof(out), "exec b /probe resolve a"), 0);
	expect_status(mc(out, sizeof(out), "start a"), 0, "start a", out);
	expect_status(mc(out, sizeof(out), "exec b /probe resolve alpha"), 0, "alpha again", out);
	assert_string_equal(kv(out, "resolved", value, sizeof(value)), ip_a);
	/* The default bridge resolves no names, as in Docker. */
	start_server("x", "", 80, "tcp");
	expect_status(mc(out, sizeof(out), "run --rm busybox /probe resolve x"), 1,
	              "no names on the default bridge", out);
	inspect("a", "{{json .NetworkSettings.Networks.apps.DNSNames}}", out, sizeof(out));
	expect_text(out, "[\"a\",", "DNSNames");
	expect_text(out, "\"alpha\"]", "DNSNames has the alias");
}

static void test_network_connect_second_network(void **state)
{
	char out[16384], ip[64], value[256];

	(void)state;
	REQUIRE_CONTAINERS();
	expect_status(mc(out, sizeof(out), "network create --subnet 10.99.7.0/24 front"), 0,
	              "create front", out);
	expect_status(mc(out, sizeof(out), "network create back"), 0, "create back", out);
	start_server("api", "--network front", 80, "tcp");
	start_server("db", "--network back", 5432, "tcp");
	assert_int_not_equal(mc(out, sizeof(out), "exec api /probe resolve db"), 0);
	expect_status(mc(out, sizeof(out), "network connect --alias database back api"), 0,
	              "network connect", out);
	/* A second interface, an address of back's, and db's name - at once, while it runs. */
	expect_status(mc(out, sizeof(out), "exec api /probe addr"), 0, "addr", out);
	assert_true(mc_kv(out, "addr", 2, value, sizeof(value)));
	assert_true(strncmp(value, "eth1 10.214.", 12) == 0);
	expect_text(out, "addr=eth0 10.99.7.2/24", "eth0 stays on front");
	expect_status(mc(out, sizeof(out), "exec api /probe connect db 5432 tcp x"), 0,
	              "api -> db by name", out);
	expect_status(mc(out, sizeof(out), "exec db /probe resolve database"), 0, "alias", out);
	address_of("api", "back", ip, sizeof(ip));
	assert_string_equal(kv(out, "resolved", value, sizeof(value)), ip);
	expect_status(mc(out, sizeof(out), "network inspect -f '{{json .Containers}}' back"), 0,
	              "inspect back", out);
	expect_text(out, "\"Name\":\"api\"", "api is on back");
	expect_status(mc(out, sizeof(out), "network disconnect back api"), 0, "disconnect", out);
	expect_status(mc(out, sizeof(out), "exec api /probe addr"), 0, "addr", out);
	expect_no_text(out, "eth1", "eth1 is gone");
	assert_int_not_equal(mc(out, sizeof(out), "exec api /probe resolve db"), 0);
	/* Connecting a stopped container takes effect when it starts. */
	expect_status(
	    mc(out, sizeof(out), "create --name later --network front busybox /probe addr"), 0,
	    "create later", out);
	expect_status(mc(out, sizeof(out), "network connect back later"), 0, "connect later", out);
	expect_status(mc(out, sizeof(out), "start -a later"), 0, "start later", out);
	expect_text(out, "addr=eth1 10.214.", "later has both");
	/* Without its first network, the one left routes for it. */
	expect_status(mc(out, sizeof(out), "network disconnect front later"), 0, "disconnect", out);
	expect_status(mc(out, sizeof(out), "start -a later"), 0, "start later again", out);
	expect_text(out, "addr=eth0 10.214.", "back is eth0 now");
	expect_text(out, "gateway=10.214.", "and its gateway is the default route");
}

static void test_fifty_containers_at_once(void **state)
{
	char out[65536], script[3 * PATH_MAX], ips[50][64], value[256];
	size_t used = 0;

	(void)state;
	REQUIRE_CONTAINERS();
	/* Created and started all at once: IPAM and the bridge under contention. */
	used += (size_t)snprintf(script, sizeof(script), "for i in $(seq 1 50); do ( ");
	used += (size_t)snprintf(script + used, sizeof(script) - used,
	                         "'%s' create --name f$i busybox /probe serve 80 tcp 0 >/dev/null "
	                         "&& '%s' start f$i >/dev/null || echo FAILED f$i ) & done; wait",
	                         mc_bin(), mc_bin());
	expect_status(sh(out, sizeof(out), "%s 2>&1", script), 0, "50 at once", out);
	expect_no_text(out, "FAILED", "every container started");
	for (int i = 0; i < 50; i++) {
		char name[16];

		snprintf(name, sizeof(name), "f%d", i + 1);
		address_of(name, "bridge", ips[i], sizeof(ips[i]));
		for (int j = 0; j < i; j++)
			if (strcmp(ips[i], ips[j]) == 0)
				fail_msg("f%d and f%d both have %s", i + 1, j + 1, ips[i]);
		/* Reachable, and it is the one that answers. */
		expect_status(host_connect(ips[i], 80, "tcp", name, out, sizeof(out)), 0,
		              "reach one of fifty", out);
		kv(out, "reply", value, sizeof(value));
		snprintf(script, sizeof(script), " %s", name);
		expect_text(value, script, "the right container answered");
	}
	assert_int_equal(links_named("mcv"), 50);
	expect_status(sh(out, sizeof(out), "'%s' rm -f $('%s' ps -q) 2>&1", mc_bin(), mc_bin()), 0,
	              "rm -f all", out);
	expect_nothing_left("after removing fifty");
}

static void test_nothing_left_after_rm_and_kill_9(void **state)
{
	char out[16384], cmd[2 * PATH_MAX], pid_text[32], elements[16384];
	pid_t run, container;

	(void)state;
	REQUIRE_CONTAINERS();
	expect_status(mc(out, sizeof(out), "network create kept"), 0, "network", out);
	start_server("p", "--network kept -p 8181:80", 80, "tcp");
	expect_status(host_connect("127.0.0.1", 8181, "tcp", "x", out, sizeof(out)), 0, "up", out);
	assert_int_equal(links_named("mcv"), 1);
	expect_status(mc(out, sizeof(out), "rm -f p"), 0, "rm -f", out);
	expect_nothing_left("after rm -f");

	/* Now the hard way: the process that runs the container is killed with -9. */
	snprintf(cmd, sizeof(cmd),
	         "exec '%s' run --name k --network kept -p 8181:80 busybox "
	         "/probe serve 80 tcp 0 >/dev/null 2>&1",
	         mc_bin());
	run = spawn(cmd);
	expect_status(host_connect("127.0.0.1", 8181, "tcp", "k", out, sizeof(out)), 0, "k up",
	              out);
	inspect("k", "{{.State.Pid}}", pid_text, sizeof(pid_text));
	container = atoi(pid_text);
	/* (the process that runs it is its monitor: `run` only watches, and its death
	 * would leave the container running, as Docker's does) */
	inspect("k", "{{.State.MonitorPid}}", pid_text, sizeof(pid_text));
	kill(atoi(pid_text), SIGKILL);
	kill(run, SIGKILL);
	waitpid(run, NULL, 0);
	/* The container dies with it; its map element stays behind for now. */
	for (int i = 0; i < 100 && kill(container, 0) == 0; i++)
		usleep(50000);
	assert_int_not_equal(kill(container, 0), 0);
	nft_elements(elements, sizeof(elements));
	expect_text(elements, "8181", "a killed run leaves its port element");
	/* Another container may have the port: the dead one's claim is cleaned up. */
	expect_status(mc(out, sizeof(out), "run --rm -p 8181:80 busybox true"), 0,
	              "the port of a dead container", out);
	expect_status(mc(out, sizeof(out), "rm -f k"), 0, "rm -f k", out);
	expect_nothing_left("after kill -9 and rm -f");
	expect_status(mc(out, sizeof(out), "network rm kept"), 0, "network rm", out);
}

static void test_bad_network_input(void **state)
{
	static const struct {
		const char *args, *message;
	} bad[] = {
	    {"run --rm -p 80:x busybox true", "invalid containerPort: x"},
	    {"run --rm -p 1.2.3.4.5:80:80 busybox true", "invalid IP address"},
	    {"run --rm -p 8000-8001:80-82 busybox true", "invalid ranges"},
	    {"run --rm -p 80/sctp busybox true", "invalid proto: sctp"},
	    {"run --rm --network nosuch busybox true", "network nosuch not found"},
	    {"run --rm --network container:nosuch busybox true", "No such container: nosuch"},
	    {"run --rm --network none -p 80 busybox true", "conflicting options"},
	    {"run --rm --network container:x -h h busybox true", "conflicting options"},
	    {"run --rm --ip 10.213.0.50 busybox true", "user defined networks only"},
	    {"run --rm --network-alias a busybox true", "user defined networks"},
	    {"run --rm --dns 999.1.1.1 busybox true", "not an IPv4 address"},
	    {"run --rm --dns-search 'a b' busybox true", "invalid DNS search"},
	    {"run --rm --add-host nocolon busybox true", "--add-host"},
	    {"run --rm -h 'a\nb' busybox true", "invalid hostname"},
	    {"run --rm --network bridge --network-alias 'x y' busybox true",
	     "invalid network alias"},
	    {"run --rm --expose 1:2 busybox true", "invalid port format for --expose"},
	    {"run --rm -p 192.0.2.200:80:80 busybox true", "not an address of this host"},
	    {"network create --subnet 10.213.5.0/24 clash", "Pool overlaps"},
	    {"network create --subnet 10.1.2.3/24 hostbits", "did you mean 10.1.2.0/24?"},
	    {"network create --subnet 10.50.0.0/24 --gateway 10.51.0.1 gw", "gateway"},
	    {"network create 'bad name'", "invalid network name"},
	    {"network create bridge", "already exists"},
	    {"network create host", "already exists"},
	    {"network rm bridge", "pre-defined network"},
	    {"network rm none", "pre-defined network"},
	    {"network rm nosuch", "network nosuch not found"},
	    {"network connect nosuch nosuch", "No such container"},
	    {"network inspect nosuch", "No such network"},
	};
	char out[16384], cmd[4096];

	(void)state;
	REQUIRE_CONTAINERS();
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int status = mc(out, sizeof(out), "%s", bad[i].args);

		if (status == 0)
			fail_msg("'%s' succeeded:\n%s", bad[i].args, out);
		expect_text(out, bad[i].message, bad[i].args);
	}
	/* A port already published. */
	start_server("holder", "-p 8282:80", 80, "tcp");
	expect_status(mc(out, sizeof(out), "run --rm -p 8282:81 busybox true"), 125,
	              "a port already published", out);
	expect_text(out, "Bind for 0.0.0.0:8282 failed: port is already allocated", "message");
	expect_status(mc(out, sizeof(out), "run --rm -p 127.0.0.1:8282:81/udp busybox true"), 0,
	              "the same number on udp is another port", out);
	/* A port the host itself listens on. */
	snprintf(cmd, sizeof(cmd), "exec " PROBE " serve 8383 tcp 0 >/dev/null 2>&1");
	pid_t listener = spawn(cmd);
	expect_status(host_connect("127.0.0.1", 8383, "tcp", "l", out, sizeof(out)), 0,
	              "the host's listener", out);
	expect_status(mc(out, sizeof(out), "run --rm -p 8383:80 busybox true"), 125,
	              "a port the host uses", out);
	expect_text(out, "Bind for 0.0.0.0:8383 failed", "message");
	stop(listener);
	/* Addresses: taken, outside the subnet, none left. */
	expect_status(mc(out, sizeof(out), "network create --subnet 10.77.0.0/30 tiny"), 0, "tiny",
	              out);
	expect_status(
	    mc(out, sizeof(out), "create --name t1 --network tiny --ip 10.77.0.2 busybox"), 0, "t1",
	    out);
	expect_status(mc(out, sizeof(out), "create --network tiny busybox"), 125, "full", out);
	expect_text(out, "no free address left in 10.77.0.0/30", "exhaustion");
	expect_status(mc(out, sizeof(out), "create --network tiny --ip 10.77.0.2 busybox"), 125,
	              "taken", out);
	expect_text(out, "Address already in use", "taken");
	expect_status(mc(out, sizeof(out), "create --network tiny --ip 10.78.0.2 busybox"), 125,
	              "outside", out);
	/* A network in use cannot go. */
	expect_status(mc(out, sizeof(out), "network rm tiny"), 125, "rm in use", out);
	expect_text(out, "has active endpoints", "in use");
	expect_status(mc(out, sizeof(out), "network connect tiny holder"), 125, "full again", out);
	expect_status(mc(out, sizeof(out), "rm t1"), 0, "rm t1", out);
	expect_status(mc(out, sizeof(out), "network rm tiny"), 0, "rm tiny", out);
	/* Nothing half-made by any of it. */
	expect_status(mc(out, sizeof(out), "rm -f holder"), 0, "rm holder", out);
	expect_nothing_left("after the bad input");
}

/* ---- /etc files, modes, verbs, trace ------------------------------------------------------------ */

static void test_etc_files_in_container(void **state)
{
	char out[16384], fake[PATH_MAX], ip[64];
	FILE *f;

	(void)state;
	REQUIRE_CONTAINERS();
	/* This mount namespace is ours: a resolv.conf of systemd-resolved's kind over the host's. */
	snprintf(fake, sizeof(fake), "%s/resolv.conf", mc_test_tmpdir());
	f = fopen(fake, "we");
	assert_non_null(f);
	fputs("nameserver 127.0.0.53\noptions edns0 trust-ad\nsearch corp.example\n", f);
	fclose(f);
	/* A symlink (to systemd's stub file, say) points into our empty /run: make its target. */
	if (access("/etc/resolv.conf", F_OK) != 0)
		assert_int_equal(
		    system("t=$(readlink -m /etc/resolv.conf) && mkdir -p \"${t%/*}\" && "
		           ": > \"$t\""),
		    0);
	assert_int_equal(mount(fake, "/etc/resolv.conf", NULL, MS_BIND, NULL), 0);
	assert_int_equal(system("mkdir -p /run/systemd/resolve && printf 'nameserver 192.0.2.53\\n"
	                        "nameserver 127.0.0.1\\n' > /run/systemd/resolve/resolv.conf"),
	                 0);
	expect_status(mc(out, sizeof(out), "run --rm busybox cat /etc/resolv.conf 2>/dev/null"), 0,
	              "resolv", out);
	assert_string_equal(out, "search corp.example\nnameserver 192.0.2.53\n"
	                         "options edns0 trust-ad\n");
	unlink("/run/systemd/resolve/resolv.conf");
	expect_status(mc(out, sizeof(out), "run --rm busybox cat /etc/resolv.conf"), 0, "fallback",
	              out);
	expect_text(out, "nameserver 8.8.8.8\nnameserver 8.8.4.4\n", "Docker's fallback");
	expect_text(out, "using 8.8.8.8 and 8.8.4.4", "and a notice");
	expect_status(mc(out, sizeof(out),
	                 "run --rm --dns 192.0.2.99 --dns-search a.example --dns-option ndots:2 "
	                 "busybox cat /etc/resolv.conf 2>/dev/null"),
	              0, "--dns", out);
	assert_string_equal(out, "search a.example\nnameserver 192.0.2.99\noptions ndots:2\n");
	umount2("/etc/resolv.conf", MNT_DETACH);
	/* --hostname, --add-host, host-gateway. */
	start_server("named",
	             "--hostname myhost --add-host db:192.0.2.7 --add-host gw:host-gateway", 80,
	             "tcp");
	address_of("named", "bridge", ip, sizeof(ip));
	expect_status(mc(out, sizeof(out), "exec named cat /etc/hosts /etc/hostname"), 0, "hosts",
	              out);
	expect_text(out, "192.0.2.7\tdb\n10.213.0.1\tgw\n", "--add-host");
	snprintf(fake, sizeof(fake), "%s\tmyhost\n", ip);
	expect_text(out, fake, "its own name");
	expect_text(out, "\nmyhost\n", "/etc/hostname");
	expect_status(mc(out, sizeof(out), "exec named /probe hostname"), 0, "hostname", out);
	expect_text(out, "hostname=myhost", "uname");
	/* --network host: the host's own files. */
	expect_status(mc(out, sizeof(out), "run --rm --network host busybox cat /etc/hosts"), 0,
	              "host", out);
	assert_string_equal(out, read_all("/etc/hosts"));
}

static void test_network_modes(void **state)
{
	char out[16384], own[128], value[128], target[128];

	(void)state;
	REQUIRE_CONTAINERS();
	expect_status(mc(out, sizeof(out), "run --rm --network none busybox /probe netif"), 0,
	              "none", out);
	expect_text(out, "netif=lo up\nnetif_count=1\n", "none: lo alone");
	/* host: our own namespace (this test program's). */
	sh(own, sizeof(own), "readlink /proc/self/ns/net | tr -dc 0-9");
	expect_status(mc(out, sizeof(out), "run --rm --network host busybox /probe ns"), 0, "host",
	              out);
	assert_string_equal(kv(out, "ns_net", value, sizeof(value)), own);
	/* container:NAME: the other one's namespace, its eth0, its 127.0.0.1. */
	start_server("base", "", 7000, "tcp");
	expect_status(mc(out, sizeof(out), "exec base /probe ns"), 0, "base ns", out);
	kv(out, "ns_net", target, sizeof(target));
	expect_status(mc(out, sizeof(out),
	                 "run --rm --network container:base busybox sh -c '/probe ns; /probe "
	                 "connect 127.0.0.1 7000 tcp shared; cat /etc/hosts'"),
	              0, "container:base", out);
	assert_string_equal(kv(out, "ns_net", value, sizeof(value)), target);
	expect_text(out, " shared", "its 127.0.0.1 is base's");
	expect_status(mc(out, sizeof(out), "stop -t 1 base"), 0, "stop base", out);
	expect_status(mc(out, sizeof(out), "run --rm --network container:base busybox true"), 125,
	              "a stopped one", out);
	expect_text(out, "not running", "message");
}

static void test_network_verbs_output(void **state)
{
	char out[16384], value[256], *lines[16], *save = NULL;
	size_t n = 0;

	(void)state;
	REQUIRE_CONTAINERS();
	expect_status(mc(out, sizeof(out),
	                 "network create --subnet 10.88.100.0/24 --gateway "
	                 "10.88.100.254 zeta"),
	              0, "create zeta", out);
	assert_true(strlen(out) == 65);
	expect_status(mc(out, sizeof(out), "network create alpha"), 0, "create alpha", out);
	expect_status(mc(out, sizeof(out), "network ls"), 0, "ls", out);
	for (char *l = strtok_r(out, "\n", &save); l != NULL && n < 16;
	     l = strtok_r(NULL, "\n", &save))
		lines[n++] = l;
	assert_int_equal(n, 6);
	assert_string_equal(lines[0], "NETWORK ID     NAME      DRIVER    SCOPE");
	/* Sorted by name, host and none among them. */
	static const char *const order[] = {"alpha ", "bridge ", "host ", "none ", "zeta "};
	for (size_t i = 0; i < 5; i++)
		if (strncmp(lines[i + 1] + 15, order[i], strlen(order[i])) != 0)
			fail_msg("line %zu of network ls: %s", i + 1, lines[i + 1]);
	expect_status(mc(out, sizeof(out),
	                 "network inspect -f "
	                 "'{{.Name}} {{.Driver}} {{json .IPAM.Config}} "
	                 "{{.Internal}} {{json .Options}}' zeta"),
	              0, "inspect", out);
	expect_text(out,
	            "zeta bridge [{\"Subnet\":\"10.88.100.0/24\",\"Gateway\":"
	            "\"10.88.100.254\"}] false {\"com.docker.network.bridge.name\":\"mc-",
	            "network inspect");
	start_server("z", "--network zeta --ip 10.88.100.9", 80, "tcp");
	expect_status(mc(out, sizeof(out), "network inspect zeta"), 0, "inspect json", out);
	expect_text(out, "\"IPv4Address\": \"10.88.100.9/24\"", "Containers lists z");
	inspect("z",
	        "{{.NetworkSettings.Networks.zeta.IPAddress}} "
	        "{{.NetworkSettings.Networks.zeta.Gateway}} "
	        "{{.NetworkSettings.Networks.zeta.MacAddress}} {{.NetworkSettings.IPAddress}}|"
	        "{{json .NetworkSettings.Networks.zeta.IPAMConfig}}",
	        value, sizeof(value));
	assert_string_equal(value, "10.88.100.9 10.88.100.254 02:42:0a:58:64:09 |"
	                           "{\"IPv4Address\":\"10.88.100.9\"}");
	expect_status(mc(out, sizeof(out), "network prune -f"), 0, "prune", out);
	assert_string_equal(out, "Deleted Networks:\nalpha\n");
	expect_status(mc(out, sizeof(out), "network ls -q"), 0, "ls -q", out);
	/* bridge, host, none and zeta (z uses it): four ids of 12 digits. */
	assert_int_equal(strlen(out), 4 * 13);
}

static void test_trace_decodes_netlink(void **state)
{
	char out[262144];

	(void)state;
	REQUIRE_CONTAINERS();
	expect_status(mc(out, sizeof(out), "--trace run --rm busybox true"), 0, "--trace", out);
	expect_text(out, "[ch05] RTM_NEWLINK ifname=\"mcv", "the veth pair");
	expect_text(out, "kind=\"veth\" data{ peer{ ifname=\"eth0\" address=02:42:0a:d5:",
	            "its peer, nested");
	expect_text(out, " net_ns_pid=", "made in the container's namespace");
	expect_text(out, "[ch05] (in the container) RTM_NEWADDR prefixlen=16", "its address");
	expect_text(out, "[ch05] (in the container) RTM_NEWROUTE dst_len=0", "its route");
	/* The pair goes with the container's namespace: nobody waits to delete it. */
	expect_no_text(out, "RTM_DELLINK", "no deletion at the end");
	/* Every request that makes something was acknowledged. */
	for (char *save = NULL, *l = strtok_r(out, "\n", &save); l != NULL;
	     l = strtok_r(NULL, "\n", &save))
		if (strstr(l, "RTM_NEW") != NULL && strstr(l, "-> ok") == NULL)
			fail_msg("not acknowledged: %s", l);
}

static void test_demo_publishes_a_port(void **state)
{
	char out[16384], cmd[3 * PATH_MAX], log[PATH_MAX], demo_bin[PATH_MAX];
	int status;
	pid_t demo;

	(void)state;
	REQUIRE_CONTAINERS();
	snprintf(log, sizeof(log), "%s/demo.log", mc_test_tmpdir());
	snprintf(cmd, sizeof(cmd),
	         "exec '%s' --image busybox --hostname demo -p 8484:80 -- "
	         "/probe serve 80 tcp 1 >'%s' 2>&1",
	         built("ch05-network", demo_bin, sizeof(demo_bin)), log);
	demo = spawn(cmd);
	expect_status(host_connect("127.0.0.1", 8484, "tcp", "d", out, sizeof(out)), 0,
	              "the demo's published port", out);
	expect_text(out, "reply=demo from=10.213.0.1 d", "the demo's container answered");
	assert_int_equal(waitpid(demo, &status, 0), demo);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	expect_text(read_all(log), "--- network\neth0 10.213.0.", "the demo's report");
	expect_text(read_all(log), "published 0.0.0.0:8484->80/tcp", "the published port");
	expect_nothing_left("after the demo");
}

/* ---- main --------------------------------------------------------------------------------------- */

static void remove_parent_cgroups(void)
{
	static const char *const dirs[] = {"memory", "cpu", "cpuacct", "pids", "blkio", "freezer"};
	char path[PATH_MAX];

	rmdir("/sys/fs/cgroup/minicontainer");
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, sizeof(path), "/sys/fs/cgroup/%s/minicontainer", dirs[i]);
		rmdir(path);
	}
}

int main(int argc, char **argv)
{
	static const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_newaddr_message_layout),
	    cmocka_unit_test(test_netlink_describe_any_bytes),
	    cmocka_unit_test(test_ipam_picks_lowest_free),
	    cmocka_unit_test(test_ipam_requested_and_exhausted),
	    cmocka_unit_test(test_cidr_parse_and_overlap),
	    cmocka_unit_test(test_dnat_element_text),
	    cmocka_unit_test(test_publish_specs),
	    cmocka_unit_test(test_ports_display),
	    cmocka_unit_test(test_resolv_conf_replaces_loopback),
	    cmocka_unit_test(test_hosts_file_kept_in_place),
	    cmocka_unit_test(test_address_appears_on_the_link),
	    cmocka_unit_test_teardown(test_bridge_address_and_default_route, cleanup),
	    cmocka_unit_test_teardown(test_ping_and_tcp_between_containers, cleanup),
	    cmocka_unit_test_teardown(test_published_port_reaches_container, cleanup),
	    cmocka_unit_test_teardown(test_random_host_port_and_publish_all, cleanup),
	    cmocka_unit_test_teardown(test_table_comes_back_after_flush, cleanup),
	    cmocka_unit_test_teardown(test_masquerade_to_the_outside, cleanup),
	    cmocka_unit_test_teardown(test_names_resolve_on_user_network, cleanup),
	    cmocka_unit_test_teardown(test_network_connect_second_network, cleanup),
	    cmocka_unit_test_teardown(test_fifty_containers_at_once, cleanup),
	    cmocka_unit_test_teardown(test_nothing_left_after_rm_and_kill_9, cleanup),
	    cmocka_unit_test_teardown(test_bad_network_input, cleanup),
	    cmocka_unit_test_teardown(test_etc_files_in_container, cleanup),
	    cmocka_unit_test_teardown(test_network_modes, cleanup),
	    cmocka_unit_test_teardown(test_network_verbs_output, cleanup),
	    cmocka_unit_test_teardown(test_trace_decodes_netlink, cleanup),
	    cmocka_unit_test_teardown(test_demo_publishes_a_port, cleanup),
	};
	char root[PATH_MAX], run[PATH_MAX];

	/* --list must not need root; everything else runs in a "host" of its own. */
	if (!(argc == 2 && strcmp(argv[1], "--list") == 0)) {
		sandboxed = mc_test_private_network(sandbox_why, sizeof(sandbox_why)) == 0;
		snprintf(root, sizeof(root), "%s/root", mc_test_tmpdir());
		snprintf(run, sizeof(run), "%s/run", mc_test_tmpdir());
		setenv("MC_ROOT", root, 1);
		setenv("MC_RUNDIR", run, 1);
		if (geteuid() == 0)
			atexit(remove_parent_cgroups);
	}
	return mc_test_main(argc, argv, "ch05-network", tests, sizeof(tests) / sizeof(tests[0]));
}
