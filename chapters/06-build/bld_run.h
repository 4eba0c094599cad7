/*
 * bld_run.h - chapter 06: a RUN instruction is a container.
 *
 * The same lifecycle as `minicontainer run` (chapter 01's ns_run), with the
 * same steps in it:
 *
 *	ch03  overlay       the image so far (read-only) + a new upper directory
 *	ch02  cgroup        the command's processes, accounted and killed together
 *	ch05  network       Docker's default: the default bridge, as for `run`
 *	                    (an address, a veth pair, released when it exits)
 *	ch06  build files   /etc/hosts and /etc/resolv.conf bound in (never into
 *	                    the layer), a heredoc script at /dev/pipes/NAME
 *	ch01  confinement   the image's USER, Docker's capabilities and seccomp
 *
 * When the command has exited, the upper directory holds exactly what it
 * changed: the caller turns it into a layer (bld_layer.h).
 */
#ifndef MC_BLD_RUN_H
#define MC_BLD_RUN_H

#include <stdbool.h>
#include <stddef.h>

#include "mc_error.h"

/*
 * Docker's default gives RUN a bridged network, and so does this: chapter
 * 05's default network, exactly as `run` joins it.  The host's namespace is
 * never the default: a Dockerfile is untrusted, and the host's 127.0.0.1
 * must not be its.
 */
enum bld_network {
	BLD_NET_DEFAULT, /* Docker's default: the default bridge (chapter 05) */
	BLD_NET_NONE,    /* a network namespace with only loopback */
	BLD_NET_HOST,    /* the host's network namespace (--network host) */
};

/* "default", "none", "host" -> the mode; anything else is an error. */
int bld_network_parse(const char *text, enum bld_network *net, struct mc_error *err);

struct bld_run {
	const char *const *lowers; /* the image's layer directories, lowest first */
	size_t nlower;
	const char *upper;   /* the new upper directory (it is kept) */
	const char *scratch; /* a private directory for the overlay and the /etc files */
	char *const *argv;
	char *const *env;
	const char *workdir; /* NULL: / */
	const char *user;    /* NULL or "": root */
	enum bld_network network;
	const char *script_name; /* RUN <<EOF with "#!": the script, at /dev/pipes/NAME */
	const char *script;
	/* Called with the command's output (stdout and stderr) as it comes. */
	void (*output)(void *arg, const char *data, size_t len);
	void *output_arg;
};

/*
 * Run it.  Returns 0 with *exit_code the command's status, or -1 when it
 * could not be started (*exit_code 125, 126 or 127, and err says why).
 */
int bld_run_container(const struct bld_run *r, int *exit_code, struct mc_error *err);

#endif
