/*
 * trace.h - narrate kernel calls for a live demo (`--trace`).
 *
 * Every module reports the kernel calls it makes with mc_trace_call(), in the
 * style of strace plus one line of "why":
 *
 *	[ch01] sethostname("demo") = 0  -- only this UTS namespace sees the name
 *
 * Tracing is off unless a program calls mc_trace_enable().  The trace goes to
 * its own file descriptor (a duplicate of stderr, closed on exec), so it still
 * reaches the lecturer's terminal after a container's stderr was redirected.
 */
#ifndef MC_TRACE_H
#define MC_TRACE_H

#include <stdbool.h>
#include <stddef.h>

/* Send trace lines to a duplicate of `fd` from now on. */
void mc_trace_enable(int fd);
bool mc_tracing(void);
/* The descriptor trace lines go to, -1 when tracing is off (a container keeps it open). */
int mc_trace_fd(void);

/*
 * Print "[chapter] <call> = <result>  -- why".  `rc` is the call's return value;
 * when it is negative the line shows errno (captured on entry) as strace does.
 */
void mc_trace_call(const char *chapter, long rc, const char *why, const char *call_fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Print a free-form line "[chapter] text", for steps that are not one call. */
void mc_trace(const char *chapter, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Flag names for printing bit masks: a table ends with { 0, NULL }.
 * mc_flag_names(MS_REC | MS_PRIVATE, mount_flags, buf, size) gives "MS_REC|MS_PRIVATE".
 */
struct mc_flag_name {
	unsigned long flag;
	const char *name;
};
const char *mc_flag_names(unsigned long flags, const struct mc_flag_name *table, char *buf,
                          size_t size);

/* The MS_* flags of mount(2), for every chapter that mounts something. */
extern const struct mc_flag_name mc_mount_flags[];

#endif
