/*
 * monitor.c - the process that watches a container (see mc_monitor.h).
 *
 * One process, one thread, one poll(2) loop.  The lifecycle (chapter 01's
 * ns_run, via mc_launch) calls back once the command runs; from then on the
 * loop serves the container until its first process is gone - its pidfd
 * becomes readable - and every byte it wrote has been read:
 *
 *	container stdout/stderr (pipes) or its terminal's master
 *	        -> the log (mc_log.h) and every attached client
 *	clients -> the container's stdin or terminal, window sizes, signals
 *	new clients on the attach socket, at any time
 *
 * Between two runs of a restart policy the loop goes on serving clients
 * (they see nothing) while it waits out the back-off.
 */
#define _GNU_SOURCE
#include "mc_monitor.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "mc.h"
#include "mc_file.h"
#include "mc_launch.h"
#include "mc_log.h"
#include "mc_trace.h"
#include "mc_tty.h"
#include "mc_volume.h"
#include "ns_namespaces.h"

#define MAX_CLIENTS 32

struct client {
	int fd;
	bool wants_stdin, wants_output;
};

static struct monitor {
	struct mc_container *c;
	struct mc_log log;
	bool logging;
	int listen_fd, sig_fd;
	struct client clients[MAX_CLIENTS];
	size_t nclients;
	bool tty, open_stdin;
	unsigned short rows, cols; /* the last size a client gave */
	/* This run of the container. */
	int out_fd, err_fd, in_fd, master, console[2], pidfd;
	int child_ends[3]; /* our copies of the container's ends of its pipes */
	bool stop_requested;
} M;

/* ---- frames ------------------------------------------------------------------------------------ */

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int read_all(int fd, void *data, size_t len)
{
	char *p = data;

	while (len > 0) {
		ssize_t n = read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n == 0 && p == (char *)data ? 0 : -1;
		p += n;
		len -= (size_t)n;
	}
	return 1;
}

int mc_frame_send(int fd, char type, const void *data, uint32_t len)
{
	char head[5];

	head[0] = type;
	memcpy(head + 1, &len, 4);
	if (write_all(fd, head, sizeof(head)) < 0 || write_all(fd, data, len) < 0)
		return -1;
	return 0;
}

int mc_frame_recv(int fd, char *type, void *buf, uint32_t size, uint32_t *len)
{
	char head[5];
	int rc = read_all(fd, head, sizeof(head));

	if (rc <= 0)
		return rc;
	*type = head[0];
	memcpy(len, head + 1, 4);
	if (*len > size)
		return -1; /* not a frame of ours */
	if (*len > 0 && read_all(fd, buf, *len) <= 0)
		return -1;
	return 1;
}

int mc_attach_sockaddr(const struct mc_container *c, struct sockaddr_un *addr, int *dirfd,
                       struct mc_error *err)
{
	char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s/%s", mc_run_dir(), c->id);
	*dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (*dirfd < 0)
		return mc_fail(err, errno, "open %s", dir);
	memset(addr, 0, sizeof(*addr));
	addr->sun_family = AF_UNIX;
	snprintf(addr->sun_path, sizeof(addr->sun_path), "/proc/self/fd/%d/attach.sock", *dirfd);
	return 0;
}

/* ---- clients ------------------------------------------------------------------------------------ */

static void drop_client(size_t i)
{
	close(M.clients[i].fd);
	M.clients[i] = M.clients[--M.nclients];
}

/* Output to every client that wants it; one that cannot keep up for 5 s is dropped. */
static void broadcast(char type, const void *data, uint32_t len)
{
	for (size_t i = 0; i < M.nclients;)
		if (M.clients[i].wants_output &&
		    mc_frame_send(M.clients[i].fd, type, data, len) < 0)
			drop_client(i);
		else
			i++;
}

static void accept_client(void)
{
	struct timeval slow = {5, 0};
	int fd = accept4(M.listen_fd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	if (M.nclients == MAX_CLIENTS) {
		close(fd);
		return;
	}
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &slow, sizeof(slow));
	M.clients[M.nclients++] = (struct client){fd, false, false};
}

static void set_window(void)
{
	struct winsize ws = {.ws_row = M.rows, .ws_col = M.cols};

	if (M.master >= 0 && M.rows > 0 && M.cols > 0)
		ioctl(M.master, TIOCSWINSZ, &ws);
}

/* One frame from client i; false when the client is gone. */
static bool client_frame(size_t i)
{
	char buf[MC_LOG_CHUNK], type;
	uint32_t len;
	struct mc_hello hello;
	int sig;

	if (mc_frame_recv(M.clients[i].fd, &type, buf, sizeof(buf), &len) <= 0)
		return false;
	switch (type) {
	case 'h':
		if (len != sizeof(hello))
			return false;
		memcpy(&hello, buf, sizeof(hello));
		M.clients[i].wants_stdin = hello.wants_stdin;
		M.clients[i].wants_output = hello.wants_output;
		if (hello.rows > 0 && hello.cols > 0) {
			M.rows = hello.rows;
			M.cols = hello.cols;
			set_window();
		}
		break;
	case 'i': /* to the terminal, or to the stdin pipe */
		if (M.clients[i].wants_stdin && M.tty && M.master >= 0)
			write_all(M.master, buf, len);
		else if (M.clients[i].wants_stdin && M.in_fd >= 0 &&
		         write_all(M.in_fd, buf, len) < 0) {
			close(M.in_fd);
			M.in_fd = -1;
		}
		break;
	case 'c': /* the attached stdin ended: so does the container's (not a terminal's) */
		if (M.clients[i].wants_stdin && !M.tty && M.in_fd >= 0) {
			close(M.in_fd);
			M.in_fd = -1;
		}
		break;
	case 'w':
		if (len == 4) {
			memcpy(&M.rows, buf, 2);
			memcpy(&M.cols, buf + 2, 2);
			set_window();
		}
		break;
	case 's':
		if (len == sizeof(sig) && M.pidfd >= 0) {
			memcpy(&sig, buf, sizeof(sig));
			if (sig > 0 && sig < NSIG)
				syscall(SYS_pidfd_send_signal, M.pidfd, sig, NULL, 0);
		}
		break;
	default:
		return false;
	}
	return true;
}

/* ---- the loop ----------------------------------------------------------------------------------- */

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Container output: to the log and to the clients.  false at EOF (or EIO of a terminal). */
static bool container_output(int *fd, enum mc_stream stream)
{
	char buf[MC_LOG_CHUNK];
	struct mc_error err;
	ssize_t n = read(*fd, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0) {
		close(*fd);
		*fd = -1;
		return false;
	}
	if (M.logging && mc_log_write(&M.log, stream, buf, (size_t)n, &err) < 0)
		M.logging = false; /* a full disk must not stop the container: the log stops */
	broadcast(stream == MC_STDERR ? 'e' : 'o', buf, (uint32_t)n);
	return true;
}

static void handle_signals(void)
{
	struct signalfd_siginfo si;

	while (read(M.sig_fd, &si, sizeof(si)) == sizeof(si))
		if (si.ssi_signo == SIGUSR1 || si.ssi_signo == SIGTERM)
			M.stop_requested = true;
}

/*
 * Serve until the container is done (timeout_ms < 0) or for timeout_ms (the
 * back-off of a restart, ended early by a stop request).
 */
static void serve_loop(int timeout_ms)
{
	struct timespec start, now;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		struct pollfd p[MAX_CLIENTS + 6];
		size_t n = 0, first_client;
		int left = -1;

		if (timeout_ms >= 0) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			left = timeout_ms - (int)((now.tv_sec - start.tv_sec) * 1000 +
			                          (now.tv_nsec - start.tv_nsec) / 1000000);
			if (left <= 0 || M.stop_requested)
				return;
		} else if (M.out_fd < 0 && M.err_fd < 0 && M.master < 0 && M.pidfd < 0) {
			return; /* every byte read, and the process gone */
		}
		p[n++] = (struct pollfd){M.out_fd >= 0 ? M.out_fd : M.master, POLLIN, 0};
		p[n++] = (struct pollfd){M.err_fd, POLLIN, 0};
		p[n++] = (struct pollfd){M.pidfd, POLLIN, 0};
		p[n++] = (struct pollfd){M.listen_fd, POLLIN, 0};
		p[n++] = (struct pollfd){M.sig_fd, POLLIN, 0};
		first_client = n;
		for (size_t i = 0; i < M.nclients; i++)
			p[n++] = (struct pollfd){M.clients[i].fd, POLLIN, 0};
		if (poll(p, n, left) < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		if (p[0].revents && M.out_fd >= 0)
			container_output(&M.out_fd, MC_STDOUT);
		else if (p[0].revents && M.master >= 0)
			container_output(&M.master, MC_STDOUT);
		if (p[1].revents && M.err_fd >= 0)
			container_output(&M.err_fd, MC_STDERR);
		/* The first process ended; output may still be on its way (read until EOF). */
		if (p[2].revents && M.pidfd >= 0) {
			close(M.pidfd);
			M.pidfd = -1;
		}
		if (p[3].revents)
			accept_client();
		if (p[4].revents)
			handle_signals();
		/* Clients last, and from the end: dropping one moves the last into its place. */
		for (size_t i = n - first_client; i-- > 0;)
			if (p[first_client + i].revents && !client_frame(i))
				drop_client(i);
	}
}

/* mc_launch's callback once the command runs: its terminal arrives, then we serve it. */
static int serve(pid_t pid, void *arg, struct mc_error *err)
{
	(void)arg;
	/* The container has its ends now: ours go, or its EOF would never reach us. */
	for (int i = 0; i < 3; i++)
		close_fd(&M.child_ends[i]);
	M.pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (M.pidfd < 0)
		return mc_fail(err, errno, "pidfd_open(%d)", (int)pid);
	if (M.tty) {
		M.master = mc_receive_fd(M.console[0], err);
		if (M.master < 0)
			return -1;
		set_window();
	}
	serve_loop(-1);
	return 0;
}

/* ---- one run of the container ------------------------------------------------------------------- */

static int run_once(const int *pass_fds, size_t npass_fds)
{
	struct mc_launch_io io = {{-1, -1, -1}, -1, 0, 0, serve, NULL};
	int out[2] = {-1, -1}, errp[2] = {-1, -1}, in[2] = {-1, -1}, code;

	M.out_fd = M.err_fd = M.in_fd = M.master = M.pidfd = -1;
	M.console[0] = M.console[1] = -1;
	if (M.tty) {
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, M.console) < 0)
			return MC_EXIT_FAILED;
		io.console_socket = M.console[1];
		io.rows = M.rows;
		io.cols = M.cols;
	} else {
		if (pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0)
			return MC_EXIT_FAILED;
		io.stdio[1] = out[1];
		io.stdio[2] = errp[1];
		M.out_fd = out[0];
		M.err_fd = errp[0];
	}
	/* stdin: a pipe the clients write to (-i), else /dev/null. */
	if (M.open_stdin && !M.tty) {
		if (pipe2(in, O_CLOEXEC) < 0)
			return MC_EXIT_FAILED;
		io.stdio[0] = in[0];
		M.in_fd = in[1];
	} else if (!M.tty) {
		in[0] = open("/dev/null", O_RDONLY | O_CLOEXEC);
		io.stdio[0] = in[0];
	}
	M.child_ends[0] = in[0];
	M.child_ends[1] = out[1];
	M.child_ends[2] = errp[1];
	code = mc_launch(M.c, &io, pass_fds, npass_fds);
	/* (If it never started, serve() did not run: they go now.) */
	for (int i = 0; i < 3; i++)
		close_fd(&M.child_ends[i]);
	close_fd(&M.console[1]);
	serve_loop(-1); /* anything left (a container that failed to start wrote nothing) */
	close_fd(&M.out_fd);
	close_fd(&M.err_fd);
	close_fd(&M.in_fd);
	close_fd(&M.master);
	close_fd(&M.console[0]);
	close_fd(&M.pidfd);
	return code;
}

/* ---- the restart policy ------------------------------------------------------------------------- */

/*
 * Docker's rules: "no" never; "always" and "unless-stopped" whenever it
 * ended, unless it was stopped by hand; "on-failure[:N]" when it ended with
 * a non-zero code, at most N times.
 */
static bool should_restart(int code, int restarts)
{
	json_t *policy = json_object_get(json_object_get(M.c->doc, "HostConfig"), "RestartPolicy");
	const char *name = json_string_value(json_object_get(policy, "Name"));
	json_int_t max = json_integer_value(json_object_get(policy, "MaximumRetryCount"));
	struct mc_container now;
	struct mc_error ignored;
	bool manual = false;

	if (name == NULL || name[0] == '\0' || strcmp(name, "no") == 0)
		return false;
	/* `stop`, `kill` or `rm -f` may have spoken meanwhile: the record says so. */
	if (mc_container_load(M.c->id, &now, &ignored) < 0)
		return false;
	manual =
	    json_is_true(json_object_get(json_object_get(now.doc, "State"), "ManuallyStopped"));
	mc_container_free(&now);
	if (manual || M.stop_requested)
		return false;
	if (strcmp(name, "on-failure") == 0)
		return code != 0 && (max <= 0 || restarts < max);
	return strcmp(name, "always") == 0 || strcmp(name, "unless-stopped") == 0;
}

/*
 * Something a user should hear about while the container starts (a DNS
 * fallback, ip_forward turned on): the monitor's own stderr is /dev/null,
 * so it goes to the attached clients, which print it on theirs.  A
 * detached container's notice goes nowhere, as a daemon's log line would.
 */
void mc_monitor_notice(const char *text)
{
	broadcast('n', text, (uint32_t)strlen(text));
}

/* ---- the monitor process ------------------------------------------------------------------------ */

static int listen_on(const struct mc_container *c, struct mc_error *err)
{
	struct sockaddr_un addr;
	int fd, dirfd;

	if (mc_attach_sockaddr(c, &addr, &dirfd, err) < 0)
		return -1;
	unlinkat(dirfd, "attach.sock", 0);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		close(dirfd);
		return mc_fail(err, errno, "socket");
	}
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(fd, 16) < 0) {
		mc_fail(err, errno, "listen on %s/%s/attach.sock", mc_run_dir(), c->id);
		close(fd);
		fd = -1;
	}
	close(dirfd);
	return fd;
}

/* Wait until a client said hello (run, start -a), at most 60 s. */
static void wait_for_hello(void)
{
	struct timespec start, now;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		struct pollfd p[MAX_CLIENTS + 1];
		size_t n = 0;

		for (size_t i = 0; i < M.nclients; i++)
			if (M.clients[i].wants_output || M.clients[i].wants_stdin)
				return;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec > 60)
			return; /* the client died before it connected: run anyway, as `start` would */
		p[n++] = (struct pollfd){M.listen_fd, POLLIN, 0};
		for (size_t i = 0; i < M.nclients; i++)
			p[n++] = (struct pollfd){M.clients[i].fd, POLLIN, 0};
		if (poll(p, n, 1000) < 0 && errno != EINTR)
			return;
		if (p[0].revents)
			accept_client();
		for (size_t i = n - 1; i-- > 0;)
			if (p[1 + i].revents && !client_frame(i))
				drop_client(i);
	}
}

/* --log-opt max-size and max-file, from the record (checked when it was made). */
static void log_options(json_t *host, int64_t *max_size, int *max_file)
{
	json_t *lc = json_object_get(json_object_get(host, "LogConfig"), "Config");
	static const char *const keys[] = {"max-size", "max-file"};
	struct mc_error ignored;

	for (size_t i = 0; i < 2; i++) {
		const char *v = json_string_value(json_object_get(lc, keys[i]));
		char opt[128];

		if (v == NULL)
			continue;
		snprintf(opt, sizeof(opt), "%s=%s", keys[i], v);
		mc_log_parse_opt(opt, max_size, max_file, &ignored);
	}
}

/* Everything the monitor does, start to end; the process exits with the container's code. */
static int monitor_main(struct mc_container *c, int ready_fd, bool wait_for_attach,
                        const int *pass_fds, size_t npass_fds)
{
	json_t *config = json_object_get(c->doc, "Config"),
	       *host = json_object_get(c->doc, "HostConfig");
	char sock[PATH_MAX + 16], logpath[PATH_MAX + 32], dir[PATH_MAX];
	struct mc_error err;
	int64_t delay_ms = 100, max_size = 0;
	int code = MC_EXIT_FAILED, restarts = 0, max_file = 1;
	sigset_t sigs;

	memset(&M, 0, sizeof(M));
	M.c = c;
	M.listen_fd = M.sig_fd = -1;
	M.tty = json_is_true(json_object_get(config, "Tty"));
	M.open_stdin = json_is_true(json_object_get(config, "OpenStdin"));
	/* SIGTERM (stop during a back-off) and SIGUSR1 wake us through a signalfd. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGUSR1);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	M.sig_fd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
	signal(SIGHUP, SIG_IGN);
	signal(SIGINT, SIG_IGN);

	snprintf(dir, sizeof(dir), "%s/%s", mc_run_dir(), c->id);
	snprintf(sock, sizeof(sock), "%s/attach.sock", dir);
	snprintf(logpath, sizeof(logpath), "%s/%s-json.log", c->dir, c->id);
	log_options(host, &max_size, &max_file);
	if (mc_mkdir_p(dir, 0700, &err) < 0 || (M.listen_fd = listen_on(c, &err)) < 0 ||
	    mc_log_open(&M.log, logpath, max_size, max_file, &err) < 0) {
		mc_container_set_exited(c, MC_EXIT_FAILED, false, err.msg, &err);
		if (write(ready_fd, "f", 1) < 0)
			return MC_EXIT_FAILED;
		return MC_EXIT_FAILED;
	}
	M.logging = true;
	if (write(ready_fd, "r", 1) < 0)
		return MC_EXIT_FAILED;
	close(ready_fd);
	if (wait_for_attach)
		wait_for_hello();

	for (;;) {
		struct timespec began, ended;

		clock_gettime(CLOCK_MONOTONIC, &began);
		code = run_once(pass_fds, npass_fds);
		clock_gettime(CLOCK_MONOTONIC, &ended);
		mc_log_flush(&M.log, &err);
		if (!should_restart(code, restarts))
			break;
		/* Docker's back-off: 100 ms, doubled each time, at most a minute; back to
		 * 100 ms once a run lasted 10 s. */
		if (ended.tv_sec - began.tv_sec >= 10)
			delay_ms = 100;
		restarts++;
		mc_trace("capstone", "restart %d of %.12s in %lld ms (exit code %d)", restarts,
		         c->id, (long long)delay_ms, code);
		if (mc_container_set_restarting(c, code, restarts, &err) < 0)
			break;
		serve_loop((int)delay_ms);
		delay_ms = delay_ms * 2 > 60000 ? 60000 : delay_ms * 2;
		if (!should_restart(code, restarts - 1)) {
			mc_container_set_exited(c, code, false, NULL, &err);
			break;
		}
	}
	mc_log_close(&M.log);
	/* Why it could not start, for the attached client to print (as `docker run` does). */
	if (code == MC_EXIT_FAILED || code == 126 || code == 127) {
		struct mc_container now;
		const char *why;

		if (mc_container_load(c->id, &now, &err) == 0) {
			why = json_string_value(
			    json_object_get(json_object_get(now.doc, "State"), "Error"));
			if (why != NULL && why[0] != '\0')
				broadcast('r', why, (uint32_t)strlen(why));
			mc_container_free(&now);
		}
	}
	/* --rm: gone before the client hears the end, as `docker run --rm` waits for it. */
	if (json_is_true(json_object_get(host, "AutoRemove"))) {
		if (mc_container_remove(c, &err) < 0)
			broadcast('r', err.msg, (uint32_t)strlen(err.msg));
		else /* and its anonymous volumes, as `docker run --rm` removes them */
			mc_volumes_release(c->doc);
	}
	broadcast('x', &code, sizeof(code));
	while (M.nclients > 0)
		drop_client(0);
	close(M.listen_fd);
	unlink(sock);
	return code;
}

int mc_monitor_spawn(struct mc_container *c, bool wait_for_attach, const int *pass_fds,
                     size_t npass_fds)
{
	int ready[2], status, keep[NS_MAX_KEEP_FDS + 3];
	struct mc_error err;
	size_t nkeep = 0;
	char byte = 0;
	pid_t pid;

	if (pipe2(ready, O_CLOEXEC) < 0)
		return mc_report(&(struct mc_error){errno, "pipe"});
	pid = fork();
	if (pid < 0)
		return mc_report(&(struct mc_error){errno, "fork"});
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);

		close(ready[0]);
		/* A session of our own, and a second fork: the monitor is nobody's child
		 * here, and neither our end nor the terminal's can reach it. */
		if (null < 0 || setsid() < 0)
			_exit(MC_EXIT_FAILED);
		if (fork() != 0)
			_exit(0);
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		/* Nothing of the caller's stays open in us (a pipe `run -d | cat` waits on) -
		 * but the descriptors it passes to the container, and the trace if attached. */
		keep[nkeep++] = ready[1];
		for (size_t i = 0; i < npass_fds; i++)
			keep[nkeep++] = pass_fds[i];
		if (wait_for_attach && mc_trace_fd() >= 0)
			keep[nkeep++] = mc_trace_fd();
		if (wait_for_attach && mc_trace_step_fd() >= 0)
			keep[nkeep++] = mc_trace_step_fd();
		mc_close_fds_except(keep, nkeep, &err);
		_exit(monitor_main(c, ready[1], wait_for_attach, pass_fds, npass_fds));
	}
	close(ready[1]);
	waitpid(pid, &status, 0);
	/* The monitor listens (or failed to: then it recorded why). */
	if (read(ready[0], &byte, 1) != 1 || byte != 'r') {
		close(ready[0]);
		mc_fail(&err, 0, "cannot start container %.12s: its monitor failed", c->id);
		return mc_report(&err);
	}
	close(ready[0]);
	if (wait_for_attach)
		return 0;
	/* Detached: wait until the monitor has recorded "running" (or the failure). */
	for (int i = 0; i < 3000; i++) {
		struct mc_container now;
		const char *s;

		if (mc_container_load(c->id, &now, &err) < 0)
			return 0; /* already gone (--rm) */
		s = mc_state_status(&now);
		if (strcmp(s, "created") != 0) {
			json_t *state = json_object_get(now.doc, "State");
			int rc =
			    strcmp(s, "exited") == 0 &&
			            json_integer_value(json_object_get(state, "ExitCode")) >= 125 &&
			            json_string_value(json_object_get(state, "Error"))[0] != '\0'
			        ? MC_EXIT_FAILED
			        : 0;

			if (rc != 0)
				fprintf(stderr, "minicontainer: %s\n",
				        json_string_value(json_object_get(state, "Error")));
			mc_container_free(&now);
			return rc;
		}
		mc_container_free(&now);
		usleep(2000);
	}
	return 0;
}
