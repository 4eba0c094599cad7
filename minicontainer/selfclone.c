/*
 * selfclone.c - run from a sealed copy of ourselves, so that no container can
 * overwrite the minicontainer binary on the host (runc's CVE-2019-5736).
 *
 * The attack: an image whose /bin/sh is a symlink to /proc/self/exe.  When
 * the container's first process execs /bin/sh, the kernel follows the link
 * to the file the process is running - the host's minicontainer - and the
 * container now runs that file, with the image's own dynamic loader and
 * libraries.  That code opens /proc/self/exe, waits until no process runs the
 * binary any more, and writes over it: the next `minicontainer` anyone runs
 * on the host is the attacker's.
 *
 * The defence: before a verb that starts container processes, copy the
 * binary into a memfd (a file in memory, no name on any filesystem), seal it
 * against writes and size changes, and re-execute from it.  /proc/self/exe
 * is then that sealed copy: a container can run it, but nobody can change
 * it, and the host's file is never reachable from inside.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mc.h"
#include "mc_trace.h"

#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

extern char **environ;

/* Are we already running from the sealed copy? */
static bool running_sealed(int exe)
{
	int seals = fcntl(exe, F_GET_SEALS);

	return seals >= 0 && (seals & SEALS) == SEALS;
}

/* A sealed memfd holding the same bytes as `exe`. */
static int sealed_copy(int exe, struct mc_error *err)
{
	struct stat st;
	off_t offset = 0;
	int fd;

	if (fstat(exe, &st) < 0)
		return mc_fail(err, errno, "stat /proc/self/exe");
	fd = memfd_create("minicontainer", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return mc_fail(err, errno, "memfd_create");
	while (offset < st.st_size) {
		ssize_t n = sendfile(fd, exe, &offset, (size_t)(st.st_size - offset));

		if (n <= 0) {
			mc_fail(err, n < 0 ? errno : EIO, "copy /proc/self/exe");
			goto fail;
		}
	}
	if (fcntl(fd, F_ADD_SEALS, SEALS) < 0) {
		mc_fail(err, errno, "seal the copy of /proc/self/exe");
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

int mc_reexec_sealed(char **argv, struct mc_error *err)
{
	int exe, copy;

	exe = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (exe < 0)
		return mc_fail(err, errno, "open /proc/self/exe");
	if (running_sealed(exe)) {
		/* The kernel named us after the memfd ("memfd:minicontainer"); ps should say
		 * what we are, as it does for --init's process 1. */
		prctl(PR_SET_NAME, "minicontainer");
		close(exe);
		return 0;
	}
	copy = sealed_copy(exe, err);
	close(exe);
	if (copy < 0)
		return -1;
	mc_trace("capstone",
	         "re-executing from a sealed copy of ourselves (memfd): no container can "
	         "write to the minicontainer binary");
	/* execveat(copy, "", AT_EMPTY_PATH): works for a close-on-exec descriptor of an ELF file. */
	fexecve(copy, argv, environ);
	mc_fail(err, errno, "re-execute from the sealed copy");
	close(copy);
	return -1;
}
