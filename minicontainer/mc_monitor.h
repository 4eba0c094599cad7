/*
 * mc_monitor.h - the process that watches a container.
 *
 * There is no daemon.  Every container gets a monitor of its own: a process
 * in a session of its own (so that neither the terminal nor the death of the
 * `minicontainer` that started it can touch it) that runs the container
 * (mc_launch), keeps its log, lets clients attach over a unix socket, applies
 * its restart policy, and removes it at the end if --rm asked for that.
 *
 *	minicontainer run ...      -> record; monitor; attach to it; exit with its code
 *	minicontainer run -d ...   -> record; monitor; print the id
 *	minicontainer start [-a]   -> monitor [; attach]
 *	minicontainer attach       -> attach to the monitor of a running container
 *
 * The attach protocol, over MC_RUNDIR/<id>/attach.sock, is a stream of
 * frames: one type byte, a 4-byte length (host order), the payload.
 *
 *	client -> monitor: 'h' hello (struct mc_hello), 'i' stdin bytes,
 *	                   'c' stdin closed, 'w' window size (2 x uint16),
 *	                   's' a signal for the container (int)
 *	monitor -> client: 'o' stdout bytes, 'e' stderr bytes,
 *	                   'r' why the container could not start (text),
 *	                   'n' a notice while it starts (text: ip_forward, DNS),
 *	                   'x' its exit code (int), the last frame
 */
#ifndef MC_MONITOR_H
#define MC_MONITOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mc_container.h"
#include "mc_error.h"

struct mc_hello {
	uint8_t wants_stdin;
	uint8_t wants_output;
	uint16_t rows, cols; /* the client's terminal, 0 if it has none */
};

/*
 * Start the container's monitor.  With wait_for_attach (run, start -a) the
 * monitor starts the container only once a client has said hello, so that
 * the client sees everything from the first byte; returns as soon as the
 * monitor listens.  Without, returns when the container runs (0) or could not
 * start (125, the error printed).  pass_fds: --preserve-fds.
 */
int mc_monitor_spawn(struct mc_container *c, bool wait_for_attach, const int *pass_fds,
                     size_t npass_fds);

/*
 * The address of a container's attach socket, MC_RUNDIR/<id>/attach.sock,
 * spelled "/proc/self/fd/N/attach.sock" through *dirfd (an O_PATH
 * descriptor of the directory, closed by the caller after bind or connect):
 * a unix socket's path holds only 108 bytes, and a 64-hex id under a long
 * MC_RUNDIR would not fit.
 */
struct sockaddr_un;
int mc_attach_sockaddr(const struct mc_container *c, struct sockaddr_un *addr, int *dirfd,
                       struct mc_error *err);

/* A notice for the attached clients' stderr (in the monitor; nothing when none is attached). */
void mc_monitor_notice(const char *text);

/* Frames (both sides). */
int mc_frame_send(int fd, char type, const void *data, uint32_t len);
/* Read one frame: 1, or 0 at EOF, -1 on error; *len gets the payload's length. */
int mc_frame_recv(int fd, char *type, void *buf, uint32_t size, uint32_t *len);

/* attach.c: the client. */
struct mc_attach_opts {
	bool stdin;              /* send our stdin */
	bool tty;                /* the container has a terminal: ours goes raw */
	bool sig_proxy;          /* pass our signals on (not with a terminal: keys do that) */
	const char *detach_keys; /* "ctrl-p,ctrl-q" (Docker's default); "" none */
};
/*
 * Attach to a container's monitor and relay until the container exits (its
 * exit code in *exit_code, 0 returned) or the detach keys are typed (1
 * returned).  -1 with err set when the monitor cannot be reached.
 */
int mc_attach(const struct mc_container *c, const struct mc_attach_opts *o, int *exit_code,
              struct mc_error *err);

/*
 * mc_attach, then the container's exit code (read from its record if the
 * monitor was killed), or 0 after a detach; 125 if it could not attach.
 */
int mc_attach_until_exit(struct mc_container *c, const struct mc_attach_opts *o);

/* "ctrl-p,ctrl-q", "a,ctrl-@" -> the bytes; a bad one is an error, as in Docker. */
int mc_parse_detach_keys(const char *text, char *keys, size_t size, size_t *len,
                         struct mc_error *err);

#endif
