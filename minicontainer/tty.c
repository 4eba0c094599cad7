/* tty.c - see tty.h. */
#define _GNU_SOURCE
#include "mc_tty.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

static struct termios saved_termios;
static bool termios_saved;

static void restore_terminal(void)
{
	if (termios_saved)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_termios);
	termios_saved = false;
}

void mc_tty_init(struct mc_tty *t)
{
	memset(t, 0, sizeof(*t));
	t->console[0] = t->console[1] = t->master = -1;
}

/*
 * Raw mode: every key goes to the container as it is typed, Ctrl-C included;
 * the container's own terminal does the echoing and turns Ctrl-C into SIGINT.
 */
int mc_tty_prepare(struct mc_tty *t, struct mc_error *err)
{
	struct termios raw;
	struct winsize ws;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, t->console) < 0)
		return mc_fail(err, errno, "socketpair");
	/* The container's terminal starts with our size (chapter 01 sets it before exec). */
	if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0) {
		t->rows = ws.ws_row;
		t->cols = ws.ws_col;
	}
	if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved_termios) == 0) {
		termios_saved = true;
		atexit(restore_terminal);
		raw = saved_termios;
		cfmakeraw(&raw);
		tcsetattr(STDIN_FILENO, TCSANOW, &raw);
	}
	return 0;
}

/* The terminal's master side, as the container sent it (SCM_RIGHTS). */
int mc_receive_fd(int sock, struct mc_error *err)
{
	char data, control[CMSG_SPACE(sizeof(int))];
	struct iovec iov = {&data, 1};
	struct msghdr msg = {0};
	struct cmsghdr *cmsg;
	int fd;

	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = control;
	msg.msg_controllen = sizeof(control);
	if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) <= 0)
		return mc_fail(err, errno, "receive the container's terminal");
	cmsg = CMSG_FIRSTHDR(&msg);
	if (cmsg == NULL || cmsg->cmsg_type != SCM_RIGHTS)
		return mc_fail(err, EPROTO, "receive the container's terminal");
	memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
	return fd;
}

void mc_tty_resize(struct mc_tty *t)
{
	struct winsize ws;

	if (t->master >= 0 && ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
		ioctl(t->master, TIOCSWINSZ, &ws);
}

/* Copy between our terminal and the container's until the container's side closes. */
static void *relay(void *arg)
{
	struct mc_tty *t = arg;
	bool in_open = t->stdin_open, out_open = true;
	char buf[4096];

	for (;;) {
		struct pollfd p[2] = {{t->master, POLLIN, 0}, {STDIN_FILENO, POLLIN, 0}};
		ssize_t n;

		if (poll(p, in_open ? 2 : 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			n = read(t->master, buf, sizeof(buf));
			if (n <= 0)
				break; /* EIO: every copy of the slave side is closed */
			/* Nobody reads our output any more (`run -t ... | head`): keep
			 * draining the terminal, so that the container does not block
			 * on a full one, and throw its output away. */
			if (out_open && write(STDOUT_FILENO, buf, (size_t)n) < 0)
				out_open = false;
		}
		if (in_open && (p[1].revents & (POLLIN | POLLHUP))) {
			n = read(STDIN_FILENO, buf, sizeof(buf));
			if (n <= 0)
				in_open = false;
			else if (write(t->master, buf, (size_t)n) < 0)
				break;
		}
	}
	return NULL;
}

int mc_tty_attach(struct mc_tty *t, bool stdin_open, struct mc_error *err)
{
	/* Our copy of the container's end goes: only the container holds it now. */
	close(t->console[1]);
	t->console[1] = -1;
	t->master = mc_receive_fd(t->console[0], err);
	if (t->master < 0)
		return -1;
	mc_tty_resize(t);
	t->stdin_open = stdin_open;
	t->relaying = pthread_create(&t->relay_thread, NULL, relay, t) == 0;
	return 0;
}

void mc_tty_finish(struct mc_tty *t)
{
	if (t->relaying)
		pthread_join(t->relay_thread, NULL);
	t->relaying = false;
	restore_terminal();
	if (t->master >= 0)
		close(t->master);
	for (int i = 0; i < 2; i++)
		if (t->console[i] >= 0)
			close(t->console[i]);
	t->master = t->console[0] = t->console[1] = -1;
}
