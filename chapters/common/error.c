/* error.c - see error.h for the convention. */
#include "mc_error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int mc_fail(struct mc_error *err, int errnum, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if (errnum != 0 && (size_t)n < sizeof(err->msg))
		snprintf(err->msg + n, sizeof(err->msg) - n, ": %s", strerror(errnum));
	err->errnum = errnum;
	return -1;
}

int mc_fail_context(struct mc_error *err, const char *fmt, ...)
{
	char context[MC_ERROR_MAX];
	char old[MC_ERROR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(context, sizeof(context), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	/* Both halves are bounded by MC_ERROR_MAX, so cutting the tail is fine. */
	snprintf(err->msg, sizeof(err->msg), "%.200s: %.300s", context, old);
	return -1;
}

void mc_error_clear(struct mc_error *err)
{
	err->errnum = 0;
	err->msg[0] = '\0';
}
