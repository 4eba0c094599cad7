/* trace.c - see trace.h. */
#define _GNU_SOURCE
#include "mc_trace.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <sys/mount.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int trace_fd = -1;

void mc_trace_enable(int fd)
{
	/* Close-on-exec: the container's command must not inherit our trace. */
	trace_fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
}

bool mc_tracing(void)
{
	return trace_fd >= 0;
}

int mc_trace_fd(void)
{
	return trace_fd;
}

void mc_trace_call(const char *chapter, long rc, const char *why, const char *call_fmt, ...)
{
	int saved_errno = errno;
	char call[768];
	va_list ap;

	if (trace_fd < 0)
		return;
	va_start(ap, call_fmt);
	vsnprintf(call, sizeof(call), call_fmt, ap);
	va_end(ap);
	if (rc < 0)
		dprintf(trace_fd, "[%s] %s = -1 %s (%s)\n", chapter, call,
		        strerrorname_np(saved_errno) ? strerrorname_np(saved_errno) : "?",
		        strerror(saved_errno));
	else if (why != NULL)
		dprintf(trace_fd, "[%s] %s = %ld  -- %s\n", chapter, call, rc, why);
	else
		dprintf(trace_fd, "[%s] %s = %ld\n", chapter, call, rc);
	errno = saved_errno;
}

void mc_trace(const char *chapter, const char *fmt, ...)
{
	int saved_errno = errno;
	char line[768];
	va_list ap;

	if (trace_fd < 0)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	dprintf(trace_fd, "[%s] %s\n", chapter, line);
	errno = saved_errno;
}

const char *mc_flag_names(unsigned long flags, const struct mc_flag_name *table, char *buf,
                          size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (; table->name != NULL; table++) {
		if ((flags & table->flag) != table->flag || table->flag == 0)
			continue;
		used += snprintf(buf + used, used < size ? size - used : 0, "%s%s", used ? "|" : "",
		                 table->name);
		flags &= ~table->flag;
	}
	if (flags != 0 || used == 0)
		snprintf(buf + used, used < size ? size - used : 0, "%s%#lx", used ? "|" : "",
		         flags);
	return buf;
}

const struct mc_flag_name mc_mount_flags[] = {
    {MS_BIND, "MS_BIND"},
    {MS_REC, "MS_REC"},
    {MS_PRIVATE, "MS_PRIVATE"},
    {MS_REMOUNT, "MS_REMOUNT"},
    {MS_NOSUID, "MS_NOSUID"},
    {MS_NODEV, "MS_NODEV"},
    {MS_NOEXEC, "MS_NOEXEC"},
    {MS_RDONLY, "MS_RDONLY"},
    {MS_STRICTATIME, "MS_STRICTATIME"},
    {0, NULL},
};
