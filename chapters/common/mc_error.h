/*
 * error.h - the one error convention every module of minicontainer uses.
 *
 * A function that can fail returns an int: 0 on success, -1 on failure.  On
 * failure it has filled in the `struct mc_error` its caller passed in, with
 * the errno value (0 when none applies) and one line saying what failed:
 *
 *	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
 *		return mc_fail(err, errno, "make mounts private");
 *
 * gives "make mounts private: Invalid argument".  Library code never prints
 * and never calls exit(): the caller decides (a demo prints the message and
 * exits 125, a test asserts on it).  The message lives inside the struct, so
 * there is nothing to allocate and nothing to free.
 */
#ifndef MC_ERROR_H
#define MC_ERROR_H

#include <stddef.h>

#define MC_ERROR_MAX 512

struct mc_error {
	int errnum;             /* errno of the failure, 0 if none */
	char msg[MC_ERROR_MAX]; /* "what failed: strerror(errnum)" */
};

/* Record a failure and return -1, so that `return mc_fail(...)` reads well. */
int mc_fail(struct mc_error *err, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Put context in front of an error already recorded: "start container: <old msg>". */
int mc_fail_context(struct mc_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Forget an error (errnum 0, empty message). */
void mc_error_clear(struct mc_error *err);

#endif
