/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * probe - a tiny static multi-call binary that the tests copy into container
 * root filesystems as /probe.  It reports what a process inside a container can
 * see (pid, hostname, mounts, namespaces, capabilities, ...) and does small
 * things on request (eat memory, fork, spin, try to escape a chroot, ...).
 *
 * Output: one fact per line on stdout, as "key=value", so a test can look a
 * line up by its prefix.  Errors: "probe: <subcommand>: <what>: <strerror>" on
 * stderr and exit status 1; usage errors exit with status 2.
 *
 * Run it as "probe SUBCOMMAND ARGS..." or through a link named after the
 * subcommand ("pid", "mounts", ...).  "probe help" lists the subcommands.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/sched.h>
#include <math.h>
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/msg.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/personality.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Marks a parameter that a subcommand does not need. */
#define UNUSED __attribute__((unused))

#define MIB (1024 * 1024)

extern char **environ;

/* One subcommand: its name, the function running it and its usage. */
struct command {
	const char *name;
	int (*run)(char **args); /* args: NULL-terminated, after the name */
	int min_args;
	int max_args;
	const char *args_usage;
	const char *help;
};

/* The subcommand being run, for error messages. */
static const struct command *current;

/* ---------------------------------------------------------------------------
 * Error reporting and argument parsing
 */

static void __attribute__((noreturn, format(printf, 1, 2))) die(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "probe: %s: ", current ? current->name : "main");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", strerror(err));
	exit(1);
}

static void __attribute__((noreturn, format(printf, 1, 2))) usage_die(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "probe: %s: ", current->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: probe %s%s%s\n", current->name, *current->args_usage ? " " : "",
	        current->args_usage);
	exit(2);
}

/* The symbolic name of an errno value, e.g. "EAGAIN"; "E<number>" if unknown. */
static const char *errno_name(int err)
{
#define E(x) [x] = #x
	static const char *const names[] = {
	    E(EPERM),  E(ENOENT),    E(ESRCH),      E(EINTR),   E(EIO),          E(EBADF),
	    E(ECHILD), E(EAGAIN),    E(ENOMEM),     E(EACCES),  E(EFAULT),       E(EBUSY),
	    E(EEXIST), E(EXDEV),     E(ENODEV),     E(ENOTDIR), E(EISDIR),       E(EINVAL),
	    E(ENFILE), E(EMFILE),    E(ENOSPC),     E(EROFS),   E(ENAMETOOLONG), E(ENOSYS),
	    E(ELOOP),  E(ENOTEMPTY), E(EOPNOTSUPP), E(ETXTBSY), E(ENXIO),        E(EAFNOSUPPORT),
	};
#undef E
	static char buf[16];

	if (err > 0 && err < (int)(sizeof(names) / sizeof(names[0])) && names[err])
		return names[err];
	snprintf(buf, sizeof(buf), "E%d", err);
	return buf;
}

/* Parse a whole string as an integer in [min, max]; base 0 allows "0x..". */
static long long parse_int(const char *s, int base, long long min, long long max)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, base);
	if (errno || end == s || *end != '\0' || v < min || v > max)
		usage_die("bad number '%s'", s);
	return v;
}

/* Parse a whole string as a number of seconds, from 0 to 1e9 (about 31 years). */
static double parse_seconds(const char *s)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end != '\0' || !isfinite(v) || v < 0 || v > 1e9)
		usage_die("bad number of seconds '%s'", s);
	return v;
}

/* An IPC key: decimal, or hexadecimal with a 0x prefix (never octal). */
static key_t parse_key(const char *s)
{
	bool hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');

	return (key_t)parse_int(s, hex ? 16 : 10, INT_MIN, UINT_MAX);
}

/* ---------------------------------------------------------------------------
 * Small helpers for files in /proc
 */

static FILE *open_or_die(const char *path)
{
	FILE *f = fopen(path, "re");

	if (!f)
		die("open %s", path);
	return f;
}

/* Print each line of a file as "key=LINE", optionally with blanks collapsed. */
static int print_lines(const char *path, const char *key, bool collapse)
{
	FILE *f = open_or_die(path);
	char *line = NULL, *save, *word;
	const char *sep;
	size_t cap = 0;

	while (getline(&line, &cap, f) > 0) {
		line[strcspn(line, "\n")] = '\0';
		if (!collapse) {
			printf("%s=%s\n", key, line);
			continue;
		}
		/* "         0          0 4294967295" becomes "0 0 4294967295" */
		printf("%s=", key);
		sep = "";
		for (word = strtok_r(line, " \t", &save); word;
		     word = strtok_r(NULL, " \t", &save)) {
			printf("%s%s", sep, word);
			sep = " ";
		}
		printf("\n");
	}
	free(line);
	fclose(f);
	return 0;
}

/* Print a /proc/self/status field name as a key: "NoNewPrivs" -> "no_new_privs". */
static void print_status_key(const char *field)
{
	for (const char *c = field; *c; c++) {
		if (c != field && isupper((unsigned char)*c) && c[-1] != '_')
			putchar('_');
		putchar(tolower((unsigned char)*c));
	}
}

/*
 * Print the fields of /proc/self/status named in a NULL-terminated list, e.g.
 * "CapEff:	000001ffffffffff" as "cap_eff=000001ffffffffff".  Fields that this
 * kernel does not have are left out.
 */
static int print_status(const char *const fields[])
{
	FILE *f = open_or_die("/proc/self/status");
	char *line = NULL, *colon, *value;
	size_t cap = 0;

	while (getline(&line, &cap, f) > 0) {
		colon = strchr(line, ':');
		if (!colon)
			continue;
		*colon = '\0';
		for (int i = 0; fields[i]; i++) {
			if (strcmp(line, fields[i]) != 0)
				continue;
			value = colon + 1 + strspn(colon + 1, " \t");
			value[strcspn(value, "\n")] = '\0';
			print_status_key(line);
			printf("=%s\n", value);
		}
	}
	free(line);
	fclose(f);
	return 0;
}

static double clock_seconds(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---------------------------------------------------------------------------
 * Subcommands that report facts
 */

static int cmd_pid(char **args UNUSED)
{
	printf("pid=%d\nppid=%d\n", (int)getpid(), (int)getppid());
	return 0;
}

static int cmd_hostname(char **args UNUSED)
{
	struct utsname u;

	if (uname(&u) < 0)
		die("uname");
	printf("hostname=%s\n", u.nodename);
	return 0;
}

static int cmd_uidmap(char **args UNUSED)
{
	return print_lines("/proc/self/uid_map", "uid_map", true);
}

static int cmd_gidmap(char **args UNUSED)
{
	return print_lines("/proc/self/gid_map", "gid_map", true);
}

static int cmd_ids(char **args UNUSED)
{
	printf("uid=%u\ngid=%u\neuid=%u\negid=%u\n", getuid(), getgid(), geteuid(), getegid());
	return 0;
}

/* The supplementary groups, as getgroups(2) gives them (the kernel keeps them sorted). */
static int cmd_groups(char **args UNUSED)
{
	gid_t groups[256];
	int n = getgroups(256, groups);

	if (n < 0)
		die("getgroups");
	printf("groups=");
	for (int i = 0; i < n; i++)
		printf("%s%u", i ? "," : "", groups[i]);
	printf("\n");
	return 0;
}

static int cmd_caps(char **args UNUSED)
{
	static const char *const fields[] = {
	    "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs", NULL,
	};

	return print_status(fields);
}

/* Seccomp: 0 disabled, 1 strict, 2 filter; Seccomp_filters: how many filters. */
static int cmd_seccomp(char **args UNUSED)
{
	static const char *const fields[] = {"Seccomp", "Seccomp_filters", NULL};

	return print_status(fields);
}

static int cmd_signals(char **args UNUSED)
{
	static const char *const fields[] = {"SigBlk", "SigIgn", "SigCgt", NULL};

	return print_status(fields);
}

/*
 * A mountinfo line looks like this (see proc(5)):
 *   36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
 *   (1)(2)(3)   (4)   (5)      (6)      (7...)  -  fstype source  super options
 * Print "mount=MOUNTPOINT FSTYPE SOURCE OPTIONS"; false if the line is malformed.
 */
static bool print_mount(char *line)
{
	char *field[6], *fstype = NULL, *source = NULL, *save = NULL, *tok;
	int n = 0;

	for (tok = strtok_r(line, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
		if (n < 6) {
			field[n++] = tok;
		} else if (strcmp(tok, "-") == 0) {
			fstype = strtok_r(NULL, " \n", &save);
			source = strtok_r(NULL, " \n", &save);
			break;
		}
	}
	if (n < 6 || !fstype || !source)
		return false;
	printf("mount=%s %s %s %s\n", field[4], fstype, source, field[5]);
	return true;
}

static int cmd_mounts(char **args UNUSED)
{
	FILE *f = open_or_die("/proc/self/mountinfo");
	char *line = NULL;
	size_t cap = 0;
	int count = 0;

	while (getline(&line, &cap, f) > 0)
		if (print_mount(line))
			count++;
	printf("mount_count=%d\n", count);
	free(line);
	fclose(f);
	return 0;
}

/* Print "ns_NAME=INODE" from a link like "pid:[4026531836]". */
static int cmd_ns(char **args UNUSED)
{
	static const char *const names[] = {
	    "cgroup", "ipc", "mnt", "net", "pid", "pid_for_children", "time", "user", "uts",
	};
	char path[64], link[128];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		ssize_t len;
		char *inode;

		snprintf(path, sizeof(path), "/proc/self/ns/%s", names[i]);
		len = readlink(path, link, sizeof(link) - 1);
		if (len < 0 && errno == ENOENT)
			continue; /* namespace type not supported by this kernel */
		if (len < 0)
			die("readlink %s", path);
		link[len] = '\0';
		inode = strchr(link, '[');
		if (inode)
			inode[strcspn(inode, "]")] = '\0';
		printf("ns_%s=%s\n", names[i], inode ? inode + 1 : link);
	}
	return 0;
}

/* Print "netif=NAME up|down" for one interface, asking the kernel for its flags. */
static void print_netif(int sock, const char *name)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(sock, SIOCGIFFLAGS, &ifr) < 0)
		die("SIOCGIFFLAGS %s", name);
	printf("netif=%s %s\n", name, (ifr.ifr_flags & IFF_UP) ? "up" : "down");
}

/* Fallback: the interface names are before the ':' on /proc/net/dev's lines 3+. */
static int netifs_from_proc(int sock)
{
	FILE *f = open_or_die("/proc/net/dev");
	char *line = NULL, *name, *colon;
	size_t cap = 0;
	int count = 0, lineno = 0;

	while (getline(&line, &cap, f) > 0) {
		colon = strchr(line, ':');
		if (++lineno <= 2 || !colon)
			continue;
		*colon = '\0';
		name = line + strspn(line, " ");
		print_netif(sock, name);
		count++;
	}
	free(line);
	fclose(f);
	return count;
}

static int cmd_netif(char **args UNUSED)
{
	struct if_nameindex *ifs, *i;
	int sock, count = 0;

	sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		die("socket");
	ifs = if_nameindex();
	if (ifs) {
		for (i = ifs; i->if_index != 0; i++, count++)
			print_netif(sock, i->if_name);
		if_freenameindex(ifs);
	} else {
		count = netifs_from_proc(sock);
	}
	printf("netif_count=%d\n", count);
	close(sock);
	return 0;
}

/* The processes this process can see: the numeric directories in /proc. */
static int cmd_procs(char **args UNUSED)
{
	DIR *dir = opendir("/proc");
	struct dirent *d;
	int count = 0;

	if (!dir)
		die("opendir /proc");
	while ((d = readdir(dir)) != NULL) {
		if (d->d_name[strspn(d->d_name, "0123456789")] != '\0')
			continue;
		printf("proc_pid=%s\n", d->d_name);
		count++;
	}
	closedir(dir);
	printf("procs=%d\n", count);
	return 0;
}

static int cmd_env(char **args UNUSED)
{
	for (char **e = environ; *e; e++)
		printf("env=%s\n", *e);
	return 0;
}

static int cmd_cwd(char **args UNUSED)
{
	char buf[PATH_MAX];

	if (!getcwd(buf, sizeof(buf)))
		die("getcwd");
	printf("cwd=%s\n", buf);
	return 0;
}

static int cmd_cgroup(char **args UNUSED)
{
	return print_lines("/proc/self/cgroup", "cgroup", false);
}

static int cmd_tty(char **args UNUSED)
{
	struct winsize ws;
	const char *name;

	printf("isatty0=%d\nisatty1=%d\n", isatty(0), isatty(1));
	if (!isatty(0))
		return 0;
	if (ioctl(0, TIOCGWINSZ, &ws) == 0)
		printf("winsize=%ux%u\n", ws.ws_row, ws.ws_col);
	name = ttyname(0);
	if (name)
		printf("ttyname=%s\n", name);
	return 0;
}

static void print_rlim_value(rlim_t value)
{
	if (value == RLIM_INFINITY)
		printf("unlimited");
	else
		printf("%llu", (unsigned long long)value);
}

/* Print "key=SOFT:HARD", with "unlimited" for RLIM_INFINITY. */
static void print_rlimit(const char *key, int resource)
{
	struct rlimit rl;

	if (getrlimit(resource, &rl) < 0)
		die("getrlimit %s", key);
	printf("%s=", key);
	print_rlim_value(rl.rlim_cur);
	putchar(':');
	print_rlim_value(rl.rlim_max);
	putchar('\n');
}

static int cmd_limits(char **args UNUSED)
{
	print_rlimit("rlimit_nofile", RLIMIT_NOFILE);
	print_rlimit("rlimit_nproc", RLIMIT_NPROC);
	return 0;
}

/* ---------------------------------------------------------------------------
 * Subcommands that use resources: memory, processes, CPU time, time
 */

/* Allocate and touch memory 1 MiB at a time, reporting progress as we go. */
static int cmd_eat(char **args)
{
	long long mib = parse_int(args[0], 10, 0, 1024 * 1024);
	char *chunk;

	if (args[1] && strcmp(args[1], "hold") != 0)
		usage_die("expected 'hold', not '%s'", args[1]);
	for (long long i = 1; i <= mib; i++) {
		chunk = malloc(MIB); /* deliberately never freed */
		if (!chunk)
			die("malloc after %lld MiB", i - 1);
		memset(chunk, 0x5a, MIB); /* touching each page makes it resident */
		printf("eaten=%lld\n", i);
		fflush(stdout); /* so that a test sees progress before an OOM kill */
	}
	printf("eat=done\n");
	fflush(stdout);
	while (args[1])
		pause();
	return 0;
}

/* Fork children that just wait, until N of them exist or fork fails. */
static int cmd_forkbomb(char **args)
{
	long long n = parse_int(args[0], 10, 0, 1000000);
	pid_t *pids = calloc(n ? n : 1, sizeof(*pids));
	long long forked = 0;
	int fork_errno = 0;

	if (!pids)
		die("calloc");
	fflush(stdout); /* children must not inherit buffered output */
	while (forked < n) {
		pid_t pid = fork();

		if (pid < 0) {
			fork_errno = errno;
			break;
		}
		if (pid == 0)
			for (;;)
				pause();
		pids[forked++] = pid;
	}
	printf("forked=%lld\nfork_error=%s\n", forked,
	       fork_errno ? errno_name(fork_errno) : "NONE");
	for (long long i = 0; i < forked; i++)
		kill(pids[i], SIGKILL);
	for (long long i = 0; i < forked; i++)
		waitpid(pids[i], NULL, 0);
	free(pids);
	return 0;
}

/* Burn CPU (no sleeping) for the given wall-clock time. */
static int cmd_spin(char **args)
{
	double seconds = parse_seconds(args[0]);
	double start = clock_seconds(CLOCK_MONOTONIC);
	double cpu_start = clock_seconds(CLOCK_PROCESS_CPUTIME_ID);
	double wall;

	do {
		wall = clock_seconds(CLOCK_MONOTONIC) - start;
	} while (wall < seconds);
	printf("wall=%.3f\ncpu=%.3f\n", wall, clock_seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu_start);
	return 0;
}

static int cmd_sleep(char **args)
{
	double seconds = parse_seconds(args[0]);
	struct timespec ts = {
	    .tv_sec = (time_t)seconds,
	    .tv_nsec = (long)((seconds - (time_t)seconds) * 1e9),
	};

	while (nanosleep(&ts, &ts) < 0)
		if (errno != EINTR)
			die("nanosleep");
	printf("slept=%s\n", args[0]);
	return 0;
}

/* ---------------------------------------------------------------------------
 * Subcommands that act: IPC, files, mounts, chroot, exit and signals
 */

static int cmd_ipc_create(char **args)
{
	key_t key = parse_key(args[0]);
	int id = msgget(key, IPC_CREAT | 0600);

	if (id < 0)
		die("msgget %s", args[0]);
	printf("ipc_id=%d\n", id);
	return 0;
}

static int cmd_ipc_exists(char **args)
{
	key_t key = parse_key(args[0]);

	/* EACCES: a queue with that key exists, but is not ours to open. */
	if (msgget(key, 0) >= 0 || errno == EACCES)
		printf("ipc_exists=1\n");
	else if (errno == ENOENT)
		printf("ipc_exists=0\n");
	else
		die("msgget %s", args[0]);
	return 0;
}

static int cmd_exists(char **args)
{
	struct stat st;

	if (lstat(args[0], &st) == 0)
		printf("exists=1\n");
	else if (errno == ENOENT || errno == ENOTDIR)
		printf("exists=0\n");
	else
		die("lstat %s", args[0]);
	return 0;
}

static int skip_dots(const struct dirent *e)
{
	return strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
}

/*
 * "entry=NAME TYPE MODE UID:GID MAJOR:MINOR SIZE [TARGET]" for each entry of
 * DIR, sorted: TYPE is c, b, d, l, f, p or s; MODE the permission bits in
 * octal; MAJOR:MINOR 0:0 for what is no device; TARGET a link's.
 */
static int cmd_ls(char **args)
{
	struct dirent **names;
	int n = scandir(args[0], &names, skip_dots, alphasort);

	if (n < 0)
		die("scandir %s", args[0]);
	for (int i = 0; i < n; i++) {
		char path[PATH_MAX], target[PATH_MAX] = "";
		struct stat st;
		char type;

		snprintf(path, sizeof(path), "%s/%s", args[0], names[i]->d_name);
		if (lstat(path, &st) < 0)
			die("lstat %s", path);
		type = S_ISCHR(st.st_mode)    ? 'c'
		       : S_ISBLK(st.st_mode)  ? 'b'
		       : S_ISDIR(st.st_mode)  ? 'd'
		       : S_ISLNK(st.st_mode)  ? 'l'
		       : S_ISFIFO(st.st_mode) ? 'p'
		       : S_ISSOCK(st.st_mode) ? 's'
		                              : 'f';
		if (type == 'l') {
			ssize_t len = readlink(path, target, sizeof(target) - 1);

			target[len > 0 ? len : 0] = '\0';
		}
		printf("entry=%s %c %04o %u:%u %u:%u %lld%s%s\n", names[i]->d_name, type,
		       (unsigned)(st.st_mode & 07777), st.st_uid, st.st_gid, major(st.st_rdev),
		       minor(st.st_rdev), (long long)st.st_size, target[0] ? " " : "", target);
		free(names[i]);
	}
	free(names);
	printf("entry_count=%d\n", n);
	return 0;
}

static int cmd_cat(char **args)
{
	int fd = open(args[0], O_RDONLY | O_CLOEXEC);
	char buf[65536];
	ssize_t n;

	if (fd < 0)
		die("open %s", args[0]);
	fflush(stdout);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (write(1, buf, n) != n)
			die("write stdout");
	if (n < 0)
		die("read %s", args[0]);
	close(fd);
	return 0;
}

static int cmd_write(char **args)
{
	int fd = open(args[0], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	struct stat st;

	if (fd < 0)
		die("open %s", args[0]);
	if (dprintf(fd, "%s\n", args[1]) < 0)
		die("write %s", args[0]);
	if (fstat(fd, &st) < 0)
		die("fstat %s", args[0]);
	if (close(fd) < 0)
		die("close %s", args[0]);
	printf("written=%s\nowner=%u:%u\n", args[0], st.st_uid, st.st_gid);
	return 0;
}

static void mkdir_or_die(const char *path)
{
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		die("mkdir %s", path);
}

/* Like "mkdir -p": create each missing directory along the path. */
static void mkdir_p(const char *path)
{
	char *copy = strdup(path);

	if (!copy)
		die("strdup");
	for (char *p = copy + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0'; /* cut the path after this component */
		mkdir_or_die(copy);
		*p = '/';
	}
	mkdir_or_die(copy);
	free(copy);
}

static int cmd_mount_tmpfs(char **args)
{
	mkdir_p(args[1]);
	if (mount(args[0], args[1], "tmpfs", 0, "size=1m") < 0)
		die("mount tmpfs on %s", args[1]);
	printf("mounted=%s\n", args[1]);
	return 0;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Print "breakout_root_entries=a,b,c": up to 30 sorted names in "/". */
static void print_root_entries(void)
{
	DIR *dir = opendir("/");
	char **names = NULL;
	size_t n = 0;
	struct dirent *d;

	printf("breakout_root_entries=");
	if (!dir) {
		printf("\n"); /* not worth failing the breakout report for */
		return;
	}
	while ((d = readdir(dir)) != NULL) {
		if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
			continue;
		names = realloc(names, (n + 1) * sizeof(*names));
		if (!names || !(names[n++] = strdup(d->d_name)))
			die("out of memory");
	}
	closedir(dir);
	qsort(names, n, sizeof(*names), compare_names);
	for (size_t i = 0; i < n; i++) {
		if (i < 30)
			printf("%s%s", i ? "," : "", names[i]);
		free(names[i]);
	}
	printf("\n");
	free(names);
}

/*
 * The classic chroot escape.  chroot() changes the root but not the current
 * directory, which is left outside the new root; ".." from there is never the
 * new root, so enough chdir("..") reach the real "/", and chroot(".") makes it
 * the root again.  It works with a plain chroot() and CAP_SYS_CHROOT; a
 * container set up with pivot_root() and the old root unmounted has no way
 * out.  The outcome is reported, never turned into a failing exit status.
 */
static int cmd_chroot_breakout(char **args)
{
	struct stat st;

	if (mkdir("/.breakout", 0700) < 0 && errno != EEXIST)
		printf("breakout_mkdir=%s\n", errno_name(errno));
	if (chroot("/.breakout") < 0)
		printf("breakout_chroot=%s\n", errno_name(errno));
	else
		printf("breakout_chroot=ok\n");
	for (int i = 0; i < 64; i++)
		if (chdir("..") < 0)
			break;
	if (chroot(".") < 0)
		printf("breakout_chroot2=%s\n", errno_name(errno));
	printf("breakout=%s\n", lstat(args[0], &st) == 0 ? "escaped" : "contained");
	print_root_entries();
	return 0;
}

/* "fd=N TARGET" for every descriptor this process has open (but the one reading the list). */
static int cmd_fds(char **args UNUSED)
{
	DIR *dir = opendir("/proc/self/fd");
	struct dirent *d;
	int count = 0;

	if (!dir)
		die("opendir /proc/self/fd");
	while ((d = readdir(dir)) != NULL) {
		char path[300], target[512];
		ssize_t n;

		if (d->d_name[0] == '.' || atoi(d->d_name) == dirfd(dir))
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%s", d->d_name);
		n = readlink(path, target, sizeof(target) - 1);
		target[n > 0 ? n : 0] = '\0';
		printf("fd=%s %s\n", d->d_name, target);
		count++;
	}
	closedir(dir);
	printf("fd_count=%d\n", count);
	return 0;
}

/* Make a device node: "mknod PATH c|b MAJOR MINOR" -> mknod=ok or the errno's name. */
static int cmd_mknod(char **args)
{
	mode_t type = strcmp(args[1], "b") == 0 ? S_IFBLK : S_IFCHR;
	unsigned maj = (unsigned)parse_int(args[2], 10, 0, 4095);
	unsigned min = (unsigned)parse_int(args[3], 10, 0, 1048575);

	if (strcmp(args[1], "b") != 0 && strcmp(args[1], "c") != 0)
		usage_die("type must be c or b, not '%s'", args[1]);
	if (mknod(args[0], type | 0600, makedev(maj, min)) < 0)
		printf("mknod=%s\n", errno_name(errno));
	else
		printf("mknod=ok\n");
	return 0;
}

/*
 * Try to open PATH for writing, and write nothing: "open_write=ok" or the
 * errno name.  (For kernel files whose writing would change the host: a
 * wrong result must not do any harm.)
 */
static int cmd_open_write(char **args)
{
	int fd = open(args[0], O_WRONLY | O_CLOEXEC);

	if (fd >= 0) {
		printf("open_write=ok\n");
		close(fd);
	} else {
		printf("open_write=%s\n", errno_name(errno));
	}
	return 0;
}

/* "bytes=N" read from PATH, or "read=ERRNO": whether a (masked) file shows anything. */
static int cmd_read_size(char **args)
{
	int fd = open(args[0], O_RDONLY | O_CLOEXEC);
	char buf[65536];
	long total = 0;
	ssize_t n;

	if (fd < 0) {
		printf("read=%s\n", errno_name(errno));
		return 0;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0 && total < (1L << 30))
		total += n;
	if (n < 0)
		printf("read=%s\n", errno_name(errno));
	else
		printf("bytes=%ld\n", total);
	close(fd);
	return 0;
}

/*
 * Open a device node for reading (r, the default), writing (w) or both (rw)
 * -> open=ok or the errno's name.  Nothing is read or written: opening is
 * what the device cgroup checks, and the test must not change any device.
 */
static int cmd_open_dev(char **args)
{
	const char *how = args[1] ? args[1] : "r";
	int flags = strcmp(how, "rw") == 0 ? O_RDWR : strcmp(how, "w") == 0 ? O_WRONLY : O_RDONLY;
	int fd;

	if (strcmp(how, "r") != 0 && strcmp(how, "w") != 0 && strcmp(how, "rw") != 0)
		usage_die("mode must be r, w or rw, not '%s'", how);
	fd = open(args[0], flags | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		printf("open=%s\n", errno_name(errno));
		return 0;
	}
	printf("open=ok\n");
	close(fd);
	return 0;
}

/*
 * Write BYTES bytes to stdout as numbered lines of LINELEN bytes each
 * ("0000000042 xxxx...\n"), so that a reader can tell if any went missing.
 */
static int cmd_spew(char **args)
{
	long long total = parse_int(args[0], 10, 1, 1LL << 40);
	long len = (long)parse_int(args[1], 10, 12, 1 << 20);
	char *line = malloc((size_t)len);
	long long written = 0, n = 0;

	if (!line)
		die("malloc");
	memset(line, 'x', (size_t)len);
	line[len - 1] = '\n';
	while (written < total) {
		char num[24];
		long chunk = total - written < len ? (long)(total - written) : len;

		snprintf(num, sizeof(num), "%010lld", n++);
		memcpy(line, num, 10);
		line[10] = ' ';
		if (chunk < len)
			line[chunk - 1] = '\n';
		if (fwrite(line, 1, (size_t)chunk, stdout) != (size_t)chunk)
			die("write stdout");
		written += chunk;
	}
	free(line);
	return fflush(stdout) == 0 ? 0 : 1;
}

/*
 * What the seccomp filter lets through: each call with arguments that the
 * kernel refuses with EINVAL (or EOPNOTSUPP) before doing anything, so that
 * an allowed call changes nothing either.  Prints NAME=ERRNO, or NAME=ok.
 */
static void report_call(const char *name, long rc)
{
	printf("%s=%s\n", name, rc < 0 ? errno_name(errno) : "ok");
}

static int cmd_syscalls(char **args UNUSED)
{
	long rc;

	/* A wrong magic number: EINVAL, after the capability check (EPERM). */
	report_call("reboot", syscall(SYS_reboot, 0, 0, 0, NULL));
	/* Unknown flags and too many segments: EINVAL. */
	report_call("kexec_load", syscall(SYS_kexec_load, 0UL, 1000UL, NULL, 0x8000UL));
	/* An operation that does not exist: EOPNOTSUPP. */
	report_call("keyctl", syscall(SYS_keyctl, 9999, 0, 0, 0, 0));
	/* CSIGNAL bits mean nothing to unshare: EINVAL. */
	report_call("unshare_newuser", syscall(SYS_unshare, CLONE_NEWUSER | 0x11));
	/* A new user namespace sharing our filesystem information cannot be: EINVAL. */
	rc = syscall(SYS_clone, CLONE_NEWUSER | CLONE_FS | SIGCHLD, NULL, NULL, NULL, NULL);
	if (rc == 0)
		_exit(0); /* cannot happen; never let a child run on */
	report_call("clone_newuser", rc);
	/* No arguments at all: EINVAL. */
	report_call("clone3", syscall(SYS_clone3, NULL, 0));
	/* A thread-style clone without namespaces stays allowed: fork. */
	rc = fork();
	if (rc == 0)
		_exit(0);
	if (rc > 0)
		waitpid((pid_t)rc, NULL, 0);
	report_call("fork", rc);
	/* The query is allowed; turning address space randomization off is not. */
	report_call("personality_query", personality(0xffffffff));
	report_call("personality_no_aslr", personality(PER_LINUX | ADDR_NO_RANDOMIZE));
	/* AF_VSOCK (40) talks to the hypervisor: refused by the filter. */
	rc = socket(40, SOCK_STREAM, 0);
	if (rc >= 0)
		close((int)rc);
	report_call("socket_vsock", rc);
	return 0;
}

static int cmd_exit(char **args)
{
	exit((int)parse_int(args[0], 10, 0, 255));
}

static int cmd_kill_self(char **args)
{
	int sig = (int)parse_int(args[0], 10, 1, SIGRTMAX);
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	fflush(stdout);
	if (sig == SIGKILL) {
		kill(getpid(), SIGKILL);
	} else {
		if (sig != SIGSTOP)
			signal(sig, SIG_DFL);
		raise(sig);
	}
	/* Still here: e.g. PID 1 of a PID namespace ignores its own signals. */
	fprintf(stderr, "probe: kill-self: still alive after signal %d\n", sig);
	return 1;
}

/* ---------------------------------------------------------------------------
 * Subcommands for the network: addresses, names, TCP and UDP
 */

/* "addr=eth0 10.213.0.2/16" for every IPv4 address, and "gateway=" of the default route. */
static int cmd_addr(char **args UNUSED)
{
	struct ifaddrs *ifs, *i;
	FILE *f;
	char line[256], ifname[32], text[INET_ADDRSTRLEN];
	unsigned dst, gw, flags;

	if (getifaddrs(&ifs) < 0)
		die("getifaddrs");
	for (i = ifs; i; i = i->ifa_next) {
		struct sockaddr_in *a = (struct sockaddr_in *)i->ifa_addr;
		struct sockaddr_in *m = (struct sockaddr_in *)i->ifa_netmask;

		if (!a || a->sin_family != AF_INET || !m)
			continue;
		inet_ntop(AF_INET, &a->sin_addr, text, sizeof(text));
		printf("addr=%s %s/%d\n", i->ifa_name, text,
		       __builtin_popcount(ntohl(m->sin_addr.s_addr)));
	}
	freeifaddrs(ifs);
	/* /proc/net/route: Iface Destination Gateway Flags ..., little-endian hex. */
	f = open_or_die("/proc/net/route");
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%31s %x %x %x", ifname, &dst, &gw, &flags) == 4 && dst == 0 &&
		    (flags & 2)) {
			struct in_addr g = {gw};

			printf("gateway=%s %s\n", inet_ntop(AF_INET, &g, text, sizeof(text)),
			       ifname);
		}
	fclose(f);
	return 0;
}

/*
 * NAME -> IPv4 address as the C library would find it in /etc/hosts; this
 * probe is static, so there is no NSS to ask (and no DNS: tests have none).
 */
static bool lookup_hosts(const char *name, struct in_addr *out)
{
	FILE *f = fopen("/etc/hosts", "re");
	char line[1024];
	bool found = false;

	if (inet_pton(AF_INET, name, out) == 1) {
		if (f)
			fclose(f);
		return true;
	}
	while (f && !found && fgets(line, sizeof(line), f)) {
		char *save = NULL, *addr = strtok_r(line, " \t\n", &save), *word;

		if (!addr || addr[0] == '#' || inet_pton(AF_INET, addr, out) != 1)
			continue;
		while (!found && (word = strtok_r(NULL, " \t\n", &save)) && word[0] != '#')
			found = strcasecmp(word, name) == 0;
	}
	if (f)
		fclose(f);
	return found;
}

static int cmd_resolve(char **args)
{
	struct in_addr a;
	char text[INET_ADDRSTRLEN];

	if (!lookup_hosts(args[0], &a)) {
		printf("resolved=\n");
		return 1;
	}
	printf("resolved=%s\n", inet_ntop(AF_INET, &a, text, sizeof(text)));
	return 0;
}

static int socket_type(const char *proto)
{
	if (!proto || strcmp(proto, "tcp") == 0)
		return SOCK_STREAM;
	if (strcmp(proto, "udp") == 0)
		return SOCK_DGRAM;
	usage_die("protocol '%s' is neither tcp nor udp", proto);
}

/*
 * serve PORT [tcp|udp] [COUNT]: answer COUNT clients (0: forever), each with
 * one line "reply=HOSTNAME from=CLIENT-ADDRESS GOT" where GOT is what the
 * client sent - so the client learns who answered and where it seemed to
 * come from (masquerade shows there).
 */
static int cmd_serve(char **args)
{
	int port = (int)parse_int(args[0], 10, 1, 65535), type = socket_type(args[1]);
	long long count = args[1] && args[2] ? parse_int(args[2], 10, 0, 1000000) : 1;
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0), one = 1;
	char host[256] = "?", from[INET_ADDRSTRLEN], buf[512], reply[1024];

	gethostname(host, sizeof(host) - 1);
	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die("bind port %d", port);
	if (type == SOCK_STREAM && listen(fd, 64) < 0)
		die("listen");
	printf("listening=%d\n", port);
	fflush(stdout);
	for (long long served = 0; count == 0 || served < count; served++) {
		struct sockaddr_in peer;
		socklen_t len = sizeof(peer);
		ssize_t n;
		int c = fd;

		if (type == SOCK_STREAM) {
			c = accept(fd, (struct sockaddr *)&peer, &len);
			if (c < 0)
				die("accept");
			n = read(c, buf, sizeof(buf) - 1);
		} else {
			n = recvfrom(fd, buf, sizeof(buf) - 1, 0, (struct sockaddr *)&peer, &len);
		}
		if (n < 0)
			die("read");
		buf[n] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		inet_ntop(AF_INET, &peer.sin_addr, from, sizeof(from));
		n = snprintf(reply, sizeof(reply), "reply=%s from=%s %s\n", host, from, buf);
		if (type == SOCK_STREAM) {
			if (write(c, reply, (size_t)n) < 0)
				die("write");
			close(c);
		} else if (sendto(fd, reply, (size_t)n, 0, (struct sockaddr *)&peer, len) < 0) {
			die("sendto");
		}
	}
	close(fd);
	return 0;
}

/*
 * connect HOST PORT [tcp|udp] [MESSAGE]: send MESSAGE (default "ping") and
 * print "connected=ADDRESS:PORT" and the server's one-line reply.  HOST is
 * an address or a name from /etc/hosts.  Gives up after 5 seconds with
 * "connect_error=ERRNO-NAME" and exit status 1.
 */
static int cmd_connect(char **args)
{
	int port = (int)parse_int(args[1], 10, 1, 65535), type = socket_type(args[2]);
	const char *message = args[2] && args[3] ? args[3] : "ping";
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
	struct timeval tv = {.tv_sec = 5};
	char text[INET_ADDRSTRLEN], buf[1024];
	int fd, tries = type == SOCK_DGRAM ? 5 : 1;
	ssize_t n = -1;

	if (!lookup_hosts(args[0], &sa.sin_addr)) {
		printf("connect_error=ENOENT (no address for %s)\n", args[0]);
		return 1;
	}
	fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket");
	if (type == SOCK_DGRAM)
		tv.tv_sec = 1; /* a lost datagram is sent again, 5 times */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		printf("connect_error=%s\n", errno_name(errno));
		return 1;
	}
	printf("connected=%s:%d\n", inet_ntop(AF_INET, &sa.sin_addr, text, sizeof(text)), port);
	snprintf(buf, sizeof(buf), "%s\n", message);
	while (tries-- > 0 && n < 0) {
		if (write(fd, buf, strlen(buf)) < 0) {
			printf("connect_error=%s\n", errno_name(errno));
			return 1;
		}
		n = read(fd, buf, sizeof(buf) - 1);
	}
	if (n <= 0) {
		printf("connect_error=%s\n", n == 0 ? "EOF" : errno_name(errno));
		return 1;
	}
	buf[n] = '\0';
	fputs(buf, stdout);
	close(fd);
	return 0;
}

/* ---------------------------------------------------------------------------
 * The table of subcommands, help and dispatch
 */

static const struct command commands[] = {
    {"pid", cmd_pid, 0, 0, "", "pid= and ppid="},
    {"hostname", cmd_hostname, 0, 0, "", "hostname= (uname nodename)"},
    {"ids", cmd_ids, 0, 0, "", "uid= gid= euid= egid="},
    {"groups", cmd_groups, 0, 0, "", "groups=G,G,... (supplementary groups)"},
    {"uidmap", cmd_uidmap, 0, 0, "", "uid_map= lines of /proc/self/uid_map"},
    {"gidmap", cmd_gidmap, 0, 0, "", "gid_map= lines of /proc/self/gid_map"},
    {"caps", cmd_caps, 0, 0, "", "cap_inh= cap_prm= cap_eff= cap_bnd= cap_amb= no_new_privs="},
    {"seccomp", cmd_seccomp, 0, 0, "", "seccomp= (0 off, 1 strict, 2 filter), seccomp_filters="},
    {"signals", cmd_signals, 0, 0, "", "sig_blk= sig_ign= sig_cgt= (hex masks)"},
    {"mounts", cmd_mounts, 0, 0, "", "mount=MOUNTPOINT FSTYPE SOURCE OPTIONS, mount_count="},
    {"ns", cmd_ns, 0, 0, "", "ns_NAME=INODE for each namespace type"},
    {"netif", cmd_netif, 0, 0, "", "netif=NAME up|down, netif_count="},
    {"procs", cmd_procs, 0, 0, "", "proc_pid= for each visible process, procs="},
    {"env", cmd_env, 0, 0, "", "env=KEY=VALUE for each variable"},
    {"cwd", cmd_cwd, 0, 0, "", "cwd="},
    {"cgroup", cmd_cgroup, 0, 0, "", "cgroup= lines of /proc/self/cgroup"},
    {"tty", cmd_tty, 0, 0, "", "isatty0= isatty1=, winsize=ROWSxCOLS and ttyname="},
    {"limits", cmd_limits, 0, 0, "", "rlimit_nofile=SOFT:HARD rlimit_nproc=SOFT:HARD"},
    {"eat", cmd_eat, 1, 2, "MIB [hold]", "allocate and touch MIB MiB, eaten=K, eat=done"},
    {"forkbomb", cmd_forkbomb, 1, 1, "N", "fork up to N children, forked= fork_error="},
    {"spin", cmd_spin, 1, 1, "SECONDS", "busy-loop, then wall= cpu="},
    {"sleep", cmd_sleep, 1, 1, "SECONDS", "sleep, then slept="},
    {"ipc-create", cmd_ipc_create, 1, 1, "KEY", "create a message queue, ipc_id="},
    {"ipc-exists", cmd_ipc_exists, 1, 1, "KEY", "ipc_exists=0|1"},
    {"exists", cmd_exists, 1, 1, "PATH", "exists=0|1 (lstat)"},
    {"cat", cmd_cat, 1, 1, "PATH", "copy PATH to stdout"},
    {"ls", cmd_ls, 1, 1, "DIR", "entry=NAME TYPE MODE UID:GID MAJ:MIN SIZE [TARGET], entry_count="},
    {"write", cmd_write, 2, 2, "PATH TEXT", "write TEXT to PATH, written= owner=UID:GID"},
    {"mount-tmpfs", cmd_mount_tmpfs, 2, 2, "SOURCE DIR", "mount a tmpfs on DIR, mounted="},
    {"chroot-breakout", cmd_chroot_breakout, 1, 1, "MARKER", "try the chroot escape, breakout="},
    {"fds", cmd_fds, 0, 0, "", "fd=N TARGET for each open descriptor, fd_count="},
    {"open-write", cmd_open_write, 1, 1, "PATH", "open PATH for writing (no write), open_write="},
    {"read-size", cmd_read_size, 1, 1, "PATH", "bytes= read from PATH, or read=ERRNO"},
    {"spew", cmd_spew, 2, 2, "BYTES LINELEN", "write BYTES of numbered lines of LINELEN bytes"},
    {"mknod", cmd_mknod, 4, 4, "PATH c|b MAJOR MINOR", "make a device node, mknod=ok|ERRNO"},
    {"open-dev", cmd_open_dev, 1, 2, "PATH [r|w|rw]", "open a device, open=ok|ERRNO"},
    {"syscalls", cmd_syscalls, 0, 0, "", "NAME=ERRNO for reboot, kexec_load, keyctl, clone3, ..."},
    {"addr", cmd_addr, 0, 0, "", "addr=IFACE A.B.C.D/N for each IPv4 address, gateway="},
    {"resolve", cmd_resolve, 1, 1, "NAME", "resolved=ADDRESS, from /etc/hosts (no NSS, no DNS)"},
    {"serve", cmd_serve, 1, 3, "PORT [tcp|udp] [COUNT]",
     "answer COUNT clients: reply=HOST from=IP"},
    {"connect", cmd_connect, 2, 4, "HOST PORT [tcp|udp] [MSG]", "connected=IP:PORT, the reply"},
    {"exit", cmd_exit, 1, 1, "N", "exit with status N"},
    {"kill-self", cmd_kill_self, 1, 1, "SIG", "raise signal number SIG"},
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void print_help(FILE *out)
{
	fprintf(out, "usage: probe SUBCOMMAND [ARGS...]\n\nsubcommands:\n");
	for (size_t i = 0; i < N_COMMANDS; i++) {
		char synopsis[64];

		snprintf(synopsis, sizeof(synopsis), "%s %s", commands[i].name,
		         commands[i].args_usage);
		fprintf(out, "  %-28s %s\n", synopsis, commands[i].help);
	}
}

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

int main(int argc, char **argv)
{
	const char *base = argv[0] ? strrchr(argv[0], '/') : NULL;
	int nargs, status;

	base = base ? base + 1 : (argv[0] ? argv[0] : "probe");
	/* Invoked through a link named after a subcommand, e.g. /bin/pid? */
	current = find_command(base);
	if (!current) {
		if (argc < 2) {
			print_help(stderr);
			return 2;
		}
		if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0) {
			print_help(stdout);
			return 0;
		}
		current = find_command(argv[1]);
		if (!current) {
			fprintf(stderr, "probe: unknown subcommand '%s'\n", argv[1]);
			print_help(stderr);
			return 2;
		}
		argc--;
		argv++;
	}
	nargs = argc - 1;
	if (nargs < current->min_args || nargs > current->max_args)
		usage_die("wrong number of arguments (%d)", nargs);
	status = current->run(argv + 1);
	if (fflush(stdout) != 0)
		die("write stdout");
	return status;
}
