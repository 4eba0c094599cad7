/*
 * ch04_common.h - what chapter 04's test files share: paths in the test's
 * temporary directory, shell commands and their output, peer tools (skopeo,
 * umoci, podman) run in a sandbox, and stores with the test image in them.
 */
#ifndef MC_CH04_COMMON_H
#define MC_CH04_COMMON_H

#include <stdbool.h>
#include <stddef.h>

#include "harness.h"
#include "img_archive.h"
#include "img_store.h"

/* A path inside the test's temporary directory (a few rotating buffers). */
const char *tpath(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The same into a buffer of the caller's (PATH_MAX bytes). */
const char *tjoin(char *buf, const char *name);

void remove_tree(const char *path);
bool exists(const char *path);
void write_file(const char *path, const char *text);
/* A whole file, malloc'd and NUL-terminated. */
char *read_whole(const char *path);

/* The output of the last command run by sh() or peer() (its last 6000 bytes). */
extern char output[6000];
void read_output(const char *log);
/* Run a shell command line; its output goes to `output`.  Returns the exit status. */
int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * Run a command line with a peer tool in a sandbox (a mount namespace with
 * empty /run, /var/lib and /var/tmp; HOME and TMPDIR in the test's
 * directory).  The command line must not contain single quotes.
 */
int peer(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
bool have(const char *tool);

/* A fresh, empty store for one test: <tmp>/root-<name>/images. */
void open_store(struct img_store *st, const char *name);
/* The test root filesystem as a plain tarball (made once), or NULL. */
const char *rootfs_tar(void);
void import_rootfs(struct img_store *st, const char *name, char *digest);
void save_one(struct img_store *st, const char *name, const char *out, enum img_format format);
bool has_tag(struct img_store *st, const char *full);
size_t tag_count(struct img_store *st);
/* img_store_find, on the heap (an img_image is large); free_image() frees it. */
struct img_image *find_image(struct img_store *st, const char *what);
void free_image(struct img_image *img);

/* podman storage and configuration of its own, under `dir`. */
void write_podman_config(const char *dir);
/* podman leaves the cgroup parent it was given (with conmon's cgroup in it) behind. */
void remove_cgroup_parent(const char *name);

#define PEER_OK(...)                                                                               \
	do {                                                                                       \
		if (peer(__VA_ARGS__) != 0)                                                        \
			fail_msg("peer command failed:\n%s", output);                              \
	} while (0)

#define REQUIRE_TOOL(tool)                                                                         \
	do {                                                                                       \
		if (!have(tool))                                                                   \
			MC_SKIP("needs " tool ": make deps");                                      \
	} while (0)

#define REQUIRE_ROOTFS()                                                                           \
	do {                                                                                       \
		if (rootfs_tar() == NULL)                                                          \
			MC_SKIP("no test root filesystem: run make rootfs");                       \
	} while (0)

#endif
