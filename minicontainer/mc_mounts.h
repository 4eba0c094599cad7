/*
 * mc_mounts.h - the user's mounts (-v, --mount, --tmpfs): read from the
 * command line into a container's record, and made ready on the host side
 * before it starts (mounts.c):
 *
 *	-v HOST:CTR          a missing HOST directory is created (mode 0755)
 *	-v NAME:CTR, -v CTR  a volume (mc_volume.h): made at create, its source
 *	--mount type=volume  its _data; copied up from the image when empty
 *	--mount type=bind    never: its source was checked when it was created
 *	--tmpfs, type=tmpfs  Docker's options: noexec,nosuid,nodev first, then
 *	                     the user's, the last of each kind winning
 *	Docker's /etc files  hostname, hosts, resolv.conf: read-only with
 *	                     --read-only; a user's mount in their place wins
 *	all of them          sorted by depth, so that a mount never hides one
 *	                     made inside it (/a before /a/b, whatever the order
 *	                     on the command line; /etc/hosts over a user's /etc)
 *
 * launch.c then mounts them in the child, in this order.
 */
#ifndef MC_MOUNTS_H
#define MC_MOUNTS_H

#include <jansson.h>
#include <stdbool.h>

#include "mc_error.h"

struct mc_mount {
	const char *source; /* a bind's host path; NULL for a tmpfs (points into the record) */
	const char *target; /* inside the container */
	bool read_only;     /* a bind's */
	bool copy_up;       /* a volume's: filled from the image when empty (mc_volume.h) */
	char fstype[64];    /* a volume made with --opt type=: mounted, not bound (and data: o=) */
	char device[256];   /* its --opt device= */
	unsigned long propagation; /* MS_PRIVATE, MS_SLAVE or MS_SHARED, with MS_REC for r* */
	unsigned long flags;       /* a tmpfs's mount flags */
	char data[512];            /* and its options for the filesystem ("size=64m,mode=1777") */
	size_t order;              /* its place on the command line: the sort keeps it */
	char own_source[4096];     /* the source of Docker's /etc files */
};

struct mc_mounts {
	struct mc_mount *list;
	size_t n;
};

/*
 * The flags of run and create, into the record's HostConfig (spec.c): -v
 * into Binds and Mounts, --mount into Mounts (a bind) or Tmpfs, --tmpfs
 * into Tmpfs; checked as moby checks them, with its messages.
 */
int mc_mounts_volume_flag(json_t *binds, json_t *mounts, const char *text, struct mc_error *err);
int mc_mounts_mount_flag(json_t *mounts, json_t *tmpfs, const char *text, struct mc_error *err);
int mc_mounts_tmpfs_flag(json_t *tmpfs, const char *text, struct mc_error *err);
/* Two mounts on one place: "Duplicate mount point". */
int mc_mounts_check(json_t *mounts, json_t *tmpfs, struct mc_error *err);

/*
 * HostConfig's Mounts and Tmpfs, and Docker's /etc files from `etc_dir`
 * (chapter 05's net_etc.h), in the order to mount them; -v's sources made.
 */
int mc_mounts_prepare(json_t *host_config, const char *etc_dir, struct mc_mounts *ms,
                      struct mc_error *err);
void mc_mounts_free(struct mc_mounts *ms);

/* moby's MergeTmpfsOptions and parseOptions: --tmpfs's option text as flags and data. */
int mc_tmpfs_options(const char *given, unsigned long *flags, char *data, size_t size,
                     struct mc_error *err);

#endif
