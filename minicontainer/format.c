/* format.c - Docker's ways of printing sizes, times and tables. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mc.h"

/*
 * go-units' CustomSize: divide by `base` while it is that big, then Go's
 * "%.<digits>g" and the unit.
 */
static const char *custom_size(double v, int digits, double base, const char *const *units,
                               size_t nunits, char *buf, size_t size)
{
	size_t u = 0;

	while (v >= base && u + 1 < nunits) {
		v /= base;
		u++;
	}
	snprintf(buf, size, "%.*g%s", digits, v, units[u]);
	return buf;
}

const char *mc_human_size_digits(uint64_t bytes, int digits, char *buf, size_t size)
{
	static const char *const decimal[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"};

	/* Decimal units, as Docker prints them. */
	return custom_size((double)bytes, digits, 1000, decimal, 9, buf, size);
}

const char *mc_human_size(uint64_t bytes, char *buf, size_t size)
{
	/* 3 significant digits, as `docker images` prints them. */
	return mc_human_size_digits(bytes, 3, buf, size);
}

const char *mc_bytes_size(uint64_t bytes, char *buf, size_t size)
{
	static const char *const binary[] = {"B",   "KiB", "MiB", "GiB", "TiB",
	                                     "PiB", "EiB", "ZiB", "YiB"};

	return custom_size((double)bytes, 4, 1024, binary, 9, buf, size);
}

/* "5 seconds ago", "1 minute ago" ... */
static const char *ago(char *buf, size_t size, long n, const char *unit)
{
	snprintf(buf, size, "%ld %s%s ago", n, unit, n == 1 ? "" : "s");
	return buf;
}

static const char *say(char *buf, size_t size, const char *text)
{
	snprintf(buf, size, "%s", text);
	return buf;
}

/* The same thresholds as Docker's units.HumanDuration. */
const char *mc_human_ago(time_t then, time_t now, char *buf, size_t size)
{
	double s = difftime(now, then);

	if (then == 0)
		return say(buf, size, "N/A");
	if (s < 1)
		return say(buf, size, "Less than a second ago");
	if (s < 60)
		return ago(buf, size, (long)s, "second");
	if (s < 120)
		return say(buf, size, "About a minute ago");
	if (s < 3600)
		return ago(buf, size, (long)(s / 60), "minute");
	if (s < 7200)
		return say(buf, size, "About an hour ago");
	if (s < 48 * 3600)
		return ago(buf, size, (long)(s / 3600), "hour");
	if (s < 14 * 86400)
		return ago(buf, size, (long)(s / 86400), "day");
	if (s < 60 * 86400)
		return ago(buf, size, (long)(s / (7 * 86400)), "week");
	if (s < 2 * 365 * 86400)
		return ago(buf, size, (long)(s / (30 * 86400)), "month");
	return ago(buf, size, (long)(s / (365 * 86400)), "year");
}

time_t mc_parse_rfc3339(const char *text)
{
	struct tm tm = {0};
	const char *rest;

	if (text == NULL)
		return 0;
	rest = strptime(text, "%Y-%m-%dT%H:%M:%S", &tm);
	if (rest == NULL)
		return 0;
	/* Fractions of a second and "Z" are ignored: the times we print are coarser. */
	return timegm(&tm);
}

void mc_rfc3339_now(char *buf, size_t size)
{
	struct timespec now;
	struct tm tm;
	char seconds[32];

	/* Nanoseconds, always nine digits: records made in the same second still
	 * sort in the order they were made, as plain strings. */
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(seconds, sizeof(seconds), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, size, "%s.%09ldZ", seconds, now.tv_nsec);
}

struct mc_table {
	size_t ncol, nrow, cap;
	char **cells; /* nrow * ncol */
};

struct mc_table *mc_table_new(size_t ncol)
{
	struct mc_table *t = calloc(1, sizeof(*t));

	if (t != NULL)
		t->ncol = ncol;
	return t;
}

void mc_table_add(struct mc_table *t, const char *const *cells)
{
	if (t->nrow == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 16;
		char **p = realloc(t->cells, cap * t->ncol * sizeof(*p));

		if (p == NULL)
			return;
		t->cells = p;
		t->cap = cap;
	}
	for (size_t c = 0; c < t->ncol; c++)
		t->cells[t->nrow * t->ncol + c] = strdup(cells[c] ? cells[c] : "");
	t->nrow++;
}

/* Width on screen: UTF-8 continuation bytes (10xxxxxx) take no column ("…" is one). */
static size_t columns(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

void mc_table_print(struct mc_table *t)
{
	size_t width[16] = {0};

	for (size_t r = 0; r < t->nrow; r++)
		for (size_t c = 0; c < t->ncol && c < 16; c++) {
			size_t len = columns(t->cells[r * t->ncol + c]) + 3;

			if (len > width[c])
				width[c] = len;
		}
	for (size_t r = 0; r < t->nrow; r++) {
		for (size_t c = 0; c < t->ncol; c++) {
			const char *cell = t->cells[r * t->ncol + c];
			size_t w = width[c] < 10 ? 10 : width[c];

			if (c + 1 == t->ncol) {
				printf("%s\n", cell);
				continue;
			}
			fputs(cell, stdout);
			for (size_t pad = columns(cell); pad < w; pad++)
				putchar(' ');
		}
	}
}

void mc_table_free(struct mc_table *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->nrow * t->ncol; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
}

int mc_strcmp_ptr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void mc_go_time(time_t t, char *buf, size_t size)
{
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%d %H:%M:%S %z %Z", &tm);
}
