/*
 * mc_etc.h - the container's /etc/hostname, /etc/hosts and /etc/resolv.conf,
 * written as Docker's daemon writes them (etcfiles.c) into the container's
 * runtime directory, from where launch.c bind-mounts them over the image's.
 *
 *	                 --network none              --network host
 *	/etc/hostname    the hostname                the host's hostname
 *	/etc/hosts       localhost, and IPv6's       a copy of the host's
 *	                 names when the container
 *	                 has IPv6 (no line for the
 *	                 hostname: it has no address)
 *	/etc/resolv.conf the host's, rewritten by libnetwork's resolvconf package:
 *	                 a header, the nameserver, search and options lines, the
 *	                 rest as it was, and comments on where it came from
 *
 * Chapter 05's networks add the container's address to /etc/hosts, and
 * change the nameservers.
 */
#ifndef MC_ETC_H
#define MC_ETC_H

#include "mc_error.h"

/* Write hostname, hosts and resolv.conf into `dir` for `network` ("none" or "host"). */
int mc_etc_write(const char *dir, const char *hostname, const char *network, struct mc_error *err);

#endif
