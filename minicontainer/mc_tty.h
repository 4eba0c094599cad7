/*
 * tty.h - the terminal of `run -t` and `exec -t`.  The container makes its
 * terminal itself (chapter 01's ns_take_console) and sends us the master
 * side over a unix socket; we put our own terminal in raw mode and relay.
 */
#ifndef MC_TTY_H
#define MC_TTY_H

#include <pthread.h>
#include <stdbool.h>

#include "mc_error.h"

struct mc_tty {
	int console[2]; /* [1] goes to the container, which sends the master through it */
	int master;     /* the terminal's master side, once received */
	unsigned short rows, cols; /* our window size when prepared (0: not a terminal) */
	bool stdin_open;
	pthread_t relay_thread;
	bool relaying;
};

void mc_tty_init(struct mc_tty *t);
/* The socket pair, and our terminal in raw mode (restored at exit in any case). */
int mc_tty_prepare(struct mc_tty *t, struct mc_error *err);
/* Once the command runs: receive the master, copy our window size, start relaying. */
int mc_tty_attach(struct mc_tty *t, bool stdin_open, struct mc_error *err);
/* A descriptor sent through the unix socket `sock` (SCM_RIGHTS): a terminal's master. */
int mc_receive_fd(int sock, struct mc_error *err);

/* SIGWINCH: our new window size to the container's terminal. */
void mc_tty_resize(struct mc_tty *t);
/* After the command ended: wait for the relay, restore our terminal, close everything. */
void mc_tty_finish(struct mc_tty *t);

#endif
