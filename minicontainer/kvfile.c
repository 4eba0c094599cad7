/*
 * kvfile.c - the files of --env-file and --label-file, read as docker/cli's
 * pkg/kvfile reads them (see mc_env.h).  The format has no quoting and no
 * escapes: what follows the first '=' is the value, byte for byte.  Go's
 * bufio.Scanner splits the lines, so a CR before a newline (a file written
 * on Windows) is dropped, and a line may be at most 64 KiB long.
 */
#define _GNU_SOURCE
#include "mc_env.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LINE (64 * 1024) /* bufio.MaxScanTokenSize */

/*
 * The length of the UTF-8 sequence at `s` (at most `n` bytes), 0 if it is
 * not a valid one - Go's utf8.Valid: no overlong forms, no surrogates,
 * nothing above U+10FFFF.  *cp gets the code point.
 */
static size_t utf8_char(const unsigned char *s, size_t n, unsigned *cp)
{
	size_t len;
	unsigned min;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, min = 0x80, *cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, min = 0x800, *cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, min = 0x10000, *cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		*cp = (*cp << 6) | (s[i] & 0x3f);
	}
	if (*cp < min || *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff))
		return 0;
	return len;
}

/* Go's unicode.IsSpace: ASCII white space, NEL, NBSP and Unicode's space separators. */
static bool is_space(unsigned cp)
{
	return (cp >= '\t' && cp <= '\r') || cp == ' ' || cp == 0x85 || cp == 0xa0 ||
	       cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029 ||
	       cp == 0x202f || cp == 0x205f || cp == 0x3000;
}

/* "[104 105 255]": how Go prints the bytes of a line that is not UTF-8. */
static void byte_list(const char *line, size_t len, char *buf, size_t size)
{
	size_t used = 0;

	buf[used++] = '[';
	for (size_t i = 0; i < len && used + 8 < size; i++)
		used += (size_t)snprintf(buf + used, size - used, "%s%u", i ? " " : "",
		                         (unsigned char)line[i]);
	snprintf(buf + used, size - used, "]");
}

/* One line (NUL-terminated, its newline and CR gone), number `no`. */
static int parse_line(char *line, size_t len, int no, bool lookup, json_t *out,
                      struct mc_error *err)
{
	const char *value;
	char *key;
	size_t klen;
	unsigned cp;

	for (size_t i = 0, n; i < len; i += n)
		if ((n = utf8_char((unsigned char *)line + i, len - i, &cp)) == 0) {
			char bytes[256];

			byte_list(line, len, bytes, sizeof(bytes));
			return mc_fail(err, 0, "invalid utf8 bytes at line %d: %s", no, bytes);
		}
	if (no == 1 && strncmp(line, "\xef\xbb\xbf", 3) == 0)
		line += 3;
	/* Leading white space goes; trailing white space is part of the value. */
	for (size_t n; *line != '\0' && (n = utf8_char((unsigned char *)line, strlen(line), &cp)) &&
	               is_space(cp);)
		line += n;
	if (line[0] == '\0' || line[0] == '#')
		return 0;
	klen = strcspn(line, "=");
	if (klen == 0)
		return mc_fail(err, 0, "no variable name on line '%s'", line);
	if (strcspn(line, " \t") < klen)
		return mc_fail(err, 0, "variable '%.*s' contains whitespaces", (int)klen, line);
	if (line[klen] == '=') {
		json_array_append_new(out, json_string(line));
		return 0;
	}
	/* "KEY" alone: our own KEY, if we have one; otherwise nothing. */
	key = line;
	value = lookup ? getenv(key) : NULL;
	if (value != NULL)
		json_array_append_new(out, json_sprintf("%s=%s", key, value));
	return 0;
}

static char *read_all(const char *path, size_t *len, struct mc_error *err)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t cap = 0, n;

	*len = 0;
	if (f == NULL) {
		mc_fail(err, errno, "open %s", path);
		return NULL;
	}
	do {
		char *bigger;

		if (*len + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			bigger = realloc(buf, cap);
			if (bigger == NULL) {
				free(buf);
				fclose(f);
				mc_fail(err, ENOMEM, "read %s", path);
				return NULL;
			}
			buf = bigger;
		}
		n = fread(buf + *len, 1, cap - *len - 1, f);
		*len += n;
	} while (n > 0);
	if (ferror(f)) {
		free(buf);
		fclose(f);
		mc_fail(err, EIO, "read %s", path);
		return NULL;
	}
	fclose(f);
	buf[*len] = '\0';
	return buf;
}

int mc_kvfile_parse(char *text, size_t len, bool lookup, json_t *out, struct mc_error *err)
{
	size_t start = 0;
	int no = 1, rc = 0;

	while (rc == 0 && start < len) {
		char *nl = memchr(text + start, '\n', len - start);
		size_t end = nl ? (size_t)(nl - text) : len, line_len = end - start;

		if (line_len >= MAX_LINE) {
			rc = mc_fail(err, 0, "bufio.Scanner: token too long");
			break;
		}
		if (line_len > 0 && text[end - 1] == '\r')
			line_len--;
		text[start + line_len] = '\0';
		if (memchr(text + start, '\0', line_len) != NULL)
			rc = mc_fail(err, 0, "line %d: a NUL byte cannot be in an environment", no);
		else
			rc = parse_line(text + start, line_len, no, lookup, out, err);
		start = end + 1;
		no++;
	}
	return rc;
}

int mc_kvfile_read(const char *path, bool lookup, json_t *out, struct mc_error *err)
{
	size_t len;
	char *text;
	int rc;

	text = read_all(path, &len, err);
	if (text == NULL)
		return -1;
	rc = mc_kvfile_parse(text, len, lookup, out, err);
	free(text);
	if (rc < 0)
		mc_fail_context(err, "invalid env file (%s)", path);
	return rc;
}
