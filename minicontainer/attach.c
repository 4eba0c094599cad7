/*
 * attach.c - the client side of a container's monitor (mc_monitor.h): `run`
 * in the foreground, `start -a`, and `attach` all relay through here.
 *
 *	our stdin   -> 'i' frames (watching for the detach keys on the way)
 *	'o' / 'e'   -> our stdout / stderr
 *	our signals -> 's' frames (without a terminal: with one, Ctrl-C is a key)
 *	our window  -> 'w' frames, on SIGWINCH
 *	'x'         -> the container's exit code: we are done
 */
#define _GNU_SOURCE
#include "mc_monitor.h"

#include <errno.h>
#include <stddef.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "mc.h"
#include "mc_log.h"

/* ---- detach keys ---------------------------------------------------------------------------------- */

int mc_parse_detach_keys(const char *text, char *keys, size_t size, size_t *len,
                         struct mc_error *err)
{
	char copy[256], *save = NULL;

	*len = 0;
	snprintf(copy, sizeof(copy), "%s", text);
	for (char *k = strtok_r(copy, ",", &save); k != NULL; k = strtok_r(NULL, ",", &save)) {
		char c;

		/* Docker's forms: a single character, or ctrl-X for X in a-z, @, [, \, ], ^, _. */
		if (strlen(k) == 1)
			c = k[0];
		else if (strncmp(k, "ctrl-", 5) == 0 && strlen(k) == 6 &&
		         ((k[5] >= 'a' && k[5] <= 'z') || strchr("@[\\]^_", k[5]) != NULL))
			c = (char)(k[5] >= 'a' && k[5] <= 'z' ? k[5] - 'a' + 1 : k[5] - '@');
		else
			return mc_fail(err, 0, "Invalid detach keys (%s) provided", text);
		if (*len == size)
			return mc_fail(err, 0, "Invalid detach keys (%s) provided: too long", text);
		keys[(*len)++] = c;
	}
	return 0;
}

/* ---- the terminal ---------------------------------------------------------------------------------- */

static struct termios saved;
static bool raw;

static void restore_terminal(void)
{
	if (raw)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	raw = false;
}

/* Raw: every key goes to the container as typed; its terminal echoes and makes Ctrl-C a signal. */
static void make_raw(void)
{
	struct termios t;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved) < 0)
		return;
	t = saved;
	cfmakeraw(&t);
	if (tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0) {
		raw = true;
		atexit(restore_terminal);
	}
}

static void window_size(uint16_t *rows, uint16_t *cols)
{
	struct winsize ws;

	*rows = *cols = 0;
	if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0) {
		*rows = ws.ws_row;
		*cols = ws.ws_col;
	}
}

static int connect_to(const struct mc_container *c, struct mc_error *err)
{
	struct sockaddr_un addr;
	int fd, dirfd;

	if (mc_attach_sockaddr(c, &addr, &dirfd, err) < 0)
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		mc_fail(err, errno, "socket");
	} else if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		mc_fail(err, errno, "attach to container %.12s", c->id);
		close(fd);
		fd = -1;
	}
	close(dirfd);
	return fd;
}

/* ---- the relay --------------------------------------------------------------------------------------- */

struct relay {
	int sock, sig_fd;
	bool stdin_open;
	char keys[16];
	size_t nkeys, matched; /* detach keys, and how many of them were just typed */
};

/*
 * Our stdin to the container, watching for the detach keys.  Bytes that
 * start the sequence are held back until it is clear whether it completes
 * (then we detach) or not (then they go after all).  Returns 1 on detach.
 */
static int forward_stdin(struct relay *r)
{
	char buf[4096], out[4096 + 16];
	size_t n_out = 0;
	ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));

	if (n <= 0) {
		r->stdin_open = false;
		mc_frame_send(r->sock, 'c', NULL, 0);
		return 0;
	}
	for (ssize_t i = 0; i < n; i++) {
		if (r->nkeys > 0 && buf[i] == r->keys[r->matched]) {
			if (++r->matched == r->nkeys)
				return 1;
			continue;
		}
		/* Not the sequence after all: what was held back goes first. */
		memcpy(out + n_out, r->keys, r->matched);
		n_out += r->matched;
		r->matched = 0;
		if (r->nkeys > 0 && buf[i] == r->keys[0]) {
			r->matched = 1;
			continue;
		}
		out[n_out++] = buf[i];
		if (n_out >= sizeof(buf)) {
			mc_frame_send(r->sock, 'i', out, (uint32_t)n_out);
			n_out = 0;
		}
	}
	if (n_out > 0)
		mc_frame_send(r->sock, 'i', out, (uint32_t)n_out);
	return 0;
}

/* A signal for us: the window changed, or one to pass on. */
static void forward_signal(struct relay *r)
{
	struct signalfd_siginfo si;

	while (read(r->sig_fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGWINCH) {
			uint16_t size[2];

			window_size(&size[0], &size[1]);
			mc_frame_send(r->sock, 'w', size, sizeof(size));
		} else {
			int sig = (int)si.ssi_signo;

			mc_frame_send(r->sock, 's', &sig, sizeof(sig));
		}
	}
}

/* A frame from the monitor: 1 when the container's end came, 0 to go on, -1 if it is gone. */
static int monitor_frame(struct relay *r, int *exit_code)
{
	static char buf[MC_LOG_CHUNK + 1];
	uint32_t len;
	char type;
	int rc = mc_frame_recv(r->sock, &type, buf, sizeof(buf) - 1, &len);

	if (rc <= 0)
		return -1;
	if (type == 'o' && write(STDOUT_FILENO, buf, len) < 0 && errno == EPIPE)
		return 0; /* nobody reads our output: the container goes on regardless */
	if (type == 'e' && write(STDERR_FILENO, buf, len) < 0)
		return 0;
	if (type == 'r') {
		buf[len] = '\0';
		restore_terminal();
		fprintf(stderr, "minicontainer: %s\n", buf);
	}
	if (type == 'n') { /* a notice: the session goes on (a raw terminal needs its \r) */
		buf[len] = '\0';
		fprintf(stderr, "minicontainer: %s%s", buf, raw ? "\r\n" : "\n");
	}
	if (type == 'x' && len == sizeof(int)) {
		memcpy(exit_code, buf, sizeof(int));
		return 1;
	}
	return 0;
}

int mc_attach(const struct mc_container *c, const struct mc_attach_opts *o, int *exit_code,
              struct mc_error *err)
{
	static const int proxied[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
	struct relay r = {.sock = -1, .sig_fd = -1, .stdin_open = o->stdin};
	struct mc_hello hello = {o->stdin, 1, 0, 0};
	int rc = -1;
	sigset_t sigs;

	*exit_code = MC_EXIT_FAILED;
	if (o->detach_keys != NULL &&
	    mc_parse_detach_keys(o->detach_keys, r.keys, sizeof(r.keys), &r.nkeys, err) < 0)
		return -1;
	/* Only a terminal types detach keys (Docker: only with -t, or -i on a terminal). */
	if (!isatty(STDIN_FILENO) || !o->stdin)
		r.nkeys = 0;
	r.sock = connect_to(c, err);
	if (r.sock < 0)
		return -1;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGWINCH);
	for (size_t i = 0; o->sig_proxy && i < sizeof(proxied) / sizeof(proxied[0]); i++)
		sigaddset(&sigs, proxied[i]);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	r.sig_fd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
	if (o->tty) {
		window_size(&hello.rows, &hello.cols);
		if (o->stdin)
			make_raw();
	}
	if (mc_frame_send(r.sock, 'h', &hello, sizeof(hello)) < 0) {
		mc_fail(err, errno, "attach to container %.12s", c->id);
		goto out;
	}
	for (;;) {
		struct pollfd p[3] = {{r.sock, POLLIN, 0},
		                      {r.sig_fd, POLLIN, 0},
		                      {r.stdin_open ? STDIN_FILENO : -1, POLLIN, 0}};
		int f;

		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[0].revents) {
			f = monitor_frame(&r, exit_code);
			if (f != 0) {
				/* -1: the monitor went without a word (killed): the record tells the rest. */
				rc = 0;
				if (f < 0)
					*exit_code = -1;
				break;
			}
		}
		if (p[1].revents)
			forward_signal(&r);
		if (p[2].revents && forward_stdin(&r) == 1) {
			rc = 1; /* detached: the container goes on */
			break;
		}
	}
out:
	restore_terminal();
	sigprocmask(SIG_UNBLOCK, &sigs, NULL);
	if (r.sig_fd >= 0)
		close(r.sig_fd);
	close(r.sock);
	return rc;
}

struct attach_flags {
	bool no_stdin, sig_proxy;
	const char *detach_keys;
};

static const struct mc_option attach_options[] = {
    {"detach-keys", 0, "string", "Override the key sequence for detaching a container",
     mc_opt_string, offsetof(struct attach_flags, detach_keys)},
    {"no-stdin", 0, NULL, "Do not attach STDIN", mc_opt_true,
     offsetof(struct attach_flags, no_stdin)},
    {"sig-proxy", 0, NULL, "Proxy all received signals to the process (default true)", mc_opt_true,
     offsetof(struct attach_flags, sig_proxy)},
    {NULL, 0, NULL, NULL, NULL, 0},
};

const struct mc_command mc_cmd_attach = {
    .name = "attach",
    .usage = "[OPTIONS] CONTAINER",
    .summary = "Attach local standard input, output, and error streams to a running container",
    .options = attach_options,
    .min_args = 1,
    .max_args = 1,
};

int verb_attach(int argc, char **argv)
{
	struct attach_flags f = {false, true, "ctrl-p,ctrl-q"};
	struct mc_attach_opts o;
	struct mc_container c;
	struct mc_error err;
	json_t *config;
	int first, status;

	if ((status = mc_parse_verb(&mc_cmd_attach, &f, argc, argv, &first)) >= 0)
		return status;
	o = (struct mc_attach_opts){.detach_keys = f.detach_keys, .sig_proxy = f.sig_proxy};
	if (mc_container_load(argv[first], &c, &err) < 0)
		return mc_report(&err);
	mc_container_refresh(&c);
	if (!mc_container_running(&c)) {
		mc_container_free(&c);
		fprintf(stderr, "minicontainer: You cannot attach to a stopped container, start it "
		                "first\n");
		return MC_EXIT_FAILED;
	}
	if (strcmp(mc_state_status(&c), "paused") == 0) {
		mc_container_free(&c);
		fprintf(stderr,
		        "minicontainer: You cannot attach to a paused container, unpause it "
		        "first\n");
		return MC_EXIT_FAILED;
	}
	config = json_object_get(c.doc, "Config");
	o.tty = json_is_true(json_object_get(config, "Tty"));
	o.stdin = !f.no_stdin && json_is_true(json_object_get(config, "OpenStdin"));
	o.sig_proxy = o.sig_proxy && !o.tty;
	status = mc_attach_until_exit(&c, &o);
	mc_container_free(&c);
	return status;
}
