/* common.c - what every verb shares: errors, the store, state directories. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "mc.h"

int mc_report(const struct mc_error *err)
{
	fprintf(stderr, "minicontainer: %s\n", err->msg);
	return MC_EXIT_FAILED;
}

int mc_usage_error(const char *verb, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "minicontainer %s: ", verb);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nSee 'minicontainer %s --help'.\n", verb);
	return MC_EXIT_FAILED;
}

const char *mc_root_dir(void)
{
	const char *s = getenv("MC_ROOT");

	return s != NULL && s[0] != '\0' ? s : "/var/lib/minicontainer";
}

const char *mc_run_dir(void)
{
	const char *s = getenv("MC_RUNDIR");

	return s != NULL && s[0] != '\0' ? s : "/run/minicontainer";
}

int mc_open_store(struct img_store *st, struct mc_error *err)
{
	return img_store_open(st, mc_root_dir(), err);
}
