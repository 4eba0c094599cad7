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
 *
 * On a terminal, lines are made to be projected: they fit MC_TRACE_WIDTH
 * columns (a long call wraps at its commas, the "why" moves to a line of its
 * own), a 64-hex id is cut to the 12 hex digits `ps` shows, and the paths a
 * module registered with mc_trace_abbreviate() are written as $ROOTFS, $RUNDIR,
 * $CGROUP ...  Into a pipe or a file (grep, a log), each event stays whole on
 * one line with its paths in full, as `ls` keeps its columns for a terminal.
 * MC_TRACE_LAYOUT=projector or =full chooses either one anywhere.
 */
#ifndef MC_TRACE_H
#define MC_TRACE_H

#include <stdbool.h>
#include <stddef.h>

#include "mc_error.h"

#define MC_TRACE_WIDTH 100

/* Send trace lines to a duplicate of `fd` from now on. */
void mc_trace_enable(int fd);
bool mc_tracing(void);
/* Would a trace written to `fd` be laid out for a projector?  (MC_TRACE_LAYOUT, else isatty) */
bool mc_trace_projector(int fd);

/*
 * The command-line flags every program with --trace shares:
 *	--trace            every chapter
 *	--trace=ch02,ch05  only these chapters' lines (ch01..ch06, capstone, common)
 *	--trace-step       as --trace, and wait for Enter on /dev/tty after each kernel call
 * `flag` is the flag's name without dashes ("trace", "trace-step"), `value` what
 * followed '=' (NULL without).  Tracing goes to stderr.  -1 with err set for a bad
 * chapter list or, for --trace-step, when there is no terminal to wait on.
 */
int mc_trace_flag(const char *flag, const char *value, struct mc_error *err);
/* Does `chapter`'s narration show (tracing on, and the chapter chosen)? */
bool mc_trace_shows(const char *chapter);

/*
 * Write paths under `path` as `name` in trace lines ("$ROOTFS", "/run/mc/ID/merged").
 * Registering a name again replaces its path; where two paths match, the longer
 * wins ($ROOTFS inside $RUNDIR).  A path matches as a whole name component:
 * "$CGROUP" for "minicontainer/ID" also abbreviates /sys/fs/cgroup/memory/minicontainer/ID.
 */
void mc_trace_abbreviate(const char *name, const char *path);

/*
 * Lay out a line the way trace lines are, for other screens a lecturer
 * projects (`minicontainer explain`): `text` after `head`, paths and ids
 * shortened, in lines of at most MC_TRACE_WIDTH columns, the continuation
 * lines indented under the text.  Returns `out` (newline-terminated).
 */
char *mc_trace_layout(const char *head, const char *text, char *out, size_t size);
/* The descriptor trace lines go to, -1 when tracing is off (a container keeps it open). */
int mc_trace_fd(void);
/* The terminal --trace-step waits on, -1 without it (a container's setup keeps it too). */
int mc_trace_step_fd(void);

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
