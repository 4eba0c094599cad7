/*
 * fuzz_extract.c - libFuzzer harness: image layers (chapter 04's
 * img_extract_layer), extracted into a fresh directory per input.
 *
 * The first byte picks the resolver (openat2 or the hand-written
 * fallback); the rest is the archive (tar, gzip or zstd).  Any archive must
 * extract or fail cleanly - and never create anything outside its
 * directory: each one goes into scratch/root, and afterwards scratch must
 * hold nothing but root.  Everything happens on a small tmpfs in a mount
 * namespace of our own, so that a bomb fills 64 MiB, not the disk.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "img_extract.h"
#include "mc_file.h"

static char scratch[64] = "/tmp/mc-fuzz-extract-XXXXXX";

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (mkdtemp(scratch) == NULL)
		abort();
	/* Root: a private tmpfs, gone with the process.  Otherwise a plain directory. */
	if (unshare(CLONE_NEWNS) == 0 && mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0)
		mount("tmpfs", scratch, "tmpfs", MS_NOSUID | MS_NODEV, "size=64m,mode=0700");
	return 0;
}

/* Nothing but "root" (or nothing) in the scratch directory. */
static void check_scratch(void)
{
	DIR *d = opendir(scratch);
	struct dirent *e;

	if (d == NULL)
		abort();
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 &&
		    strcmp(e->d_name, "root") != 0)
			__builtin_trap(); /* something escaped the layer directory */
	closedir(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct img_extract_opts opts = {0};
	struct mc_error err;
	char dest[128], archive[64];
	int fd;

	if (size < 1)
		return 0;
	opts.resolver = data[0] & 1 ? MC_RESOLVE_FALLBACK : MC_RESOLVE_OPENAT2;
	fd = memfd_create("layer", MFD_CLOEXEC);
	if (fd < 0 || write(fd, data + 1, size - 1) != (ssize_t)(size - 1))
		abort();
	snprintf(archive, sizeof(archive), "/proc/self/fd/%d", fd);
	snprintf(dest, sizeof(dest), "%s/root", scratch);
	if (mkdir(dest, 0755) < 0)
		abort();
	img_extract_layer(archive, dest, &opts, &err);
	close(fd);
	check_scratch();
	if (mc_remove_tree(dest, &err) < 0) {
		fprintf(stderr, "fuzz_extract: %s\n", err.msg);
		abort();
	}
	return 0;
}
