/* trace.c - see trace.h. */
#define _GNU_SOURCE
#include "mc_trace.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <termios.h>
#include <stdarg.h>
#include <sys/mount.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int trace_fd = -1;
/* Lines laid out for a projector (see mc_trace.h), or each event whole on one line. */
static bool projector;
/* --trace-step: the terminal we wait on for Enter (-1: we do not wait). */
static int step_fd = -1;

/* --trace=ch02,ch05: the chapters shown (none listed: all). */
#define MAX_CHOSEN 8
static char chosen[MAX_CHOSEN][12];
static size_t nchosen;

/* The names of paths: "$ROOTFS" for /run/minicontainer/ID/merged ... */
#define MAX_ABBREVS 12
static struct {
	char name[16];
	char path[4096];
	size_t len;
} abbrevs[MAX_ABBREVS];
static size_t nabbrev;

void mc_trace_enable(int fd)
{
	/* Close-on-exec: the container's command must not inherit our trace. */
	trace_fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	projector = mc_trace_projector(trace_fd);
}

bool mc_trace_projector(int fd)
{
	const char *layout = getenv("MC_TRACE_LAYOUT");

	if (layout != NULL && strcmp(layout, "projector") == 0)
		return true;
	if (layout != NULL && strcmp(layout, "full") == 0)
		return false;
	return fd >= 0 && isatty(fd);
}

bool mc_tracing(void)
{
	return trace_fd >= 0;
}

int mc_trace_fd(void)
{
	return trace_fd;
}

int mc_trace_step_fd(void)
{
	return step_fd;
}

/* ---- the flags -------------------------------------------------------------------------- */

static const char *const chapter_names[] = {"ch01", "ch02", "ch03",     "ch04",
                                            "ch05", "ch06", "capstone", "common"};

static int choose(const char *list, struct mc_error *err)
{
	char copy[256], *save = NULL;

	if ((size_t)snprintf(copy, sizeof(copy), "%s", list) >= sizeof(copy))
		return mc_fail(err, 0, "too long a list of chapters");
	nchosen = 0;
	for (char *w = strtok_r(copy, ",", &save); w != NULL; w = strtok_r(NULL, ",", &save)) {
		bool known = false;

		if (strcmp(w, "mc") == 0) /* the tag explain uses for the capstone */
			w = "capstone";
		for (size_t i = 0; i < sizeof(chapter_names) / sizeof(chapter_names[0]); i++)
			known = known || strcmp(w, chapter_names[i]) == 0;
		if (!known)
			return mc_fail(
			    err, 0,
			    "unknown chapter \"%s\" (choose from ch01, ch02, ch03, ch04, "
			    "ch05, ch06, capstone, common)",
			    w);
		if (nchosen < MAX_CHOSEN)
			snprintf(chosen[nchosen++], sizeof(chosen[0]), "%s", w);
	}
	if (nchosen == 0)
		return mc_fail(err, 0,
		               "name at least one chapter (ch01 ... ch06, capstone, common)");
	return 0;
}

int mc_trace_flag(const char *flag, const char *value, struct mc_error *err)
{
	bool step = strcmp(flag, "trace-step") == 0;

	if (!step && strcmp(flag, "trace") != 0)
		return mc_fail(err, 0, "unknown flag: --%s", flag);
	if (value != NULL && choose(value, err) < 0)
		return -1;
	if (step && step_fd < 0) {
		/* The terminal itself, not stdin: stdin may be a pipe into the container. */
		step_fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (step_fd < 0)
			return mc_fail(err, errno,
			               "it waits for Enter on a terminal, and this process has "
			               "none: open /dev/tty");
	}
	if (trace_fd < 0)
		mc_trace_enable(STDERR_FILENO);
	return 0;
}

bool mc_trace_shows(const char *chapter)
{
	if (trace_fd < 0)
		return false;
	if (nchosen == 0)
		return true;
	for (size_t i = 0; i < nchosen; i++)
		if (strcmp(chapter, chosen[i]) == 0)
			return true;
	return false;
}

/* ---- short ids and named paths ------------------------------------------------------------ */

void mc_trace_abbreviate(const char *name, const char *path)
{
	size_t i = 0;

	/* "/" (or "") would name every path: not worth a name. */
	if (path == NULL || strlen(path) < 2 || strlen(path) >= sizeof(abbrevs[0].path))
		return;
	while (i < nabbrev && strcmp(abbrevs[i].name, name) != 0)
		i++;
	if (i == MAX_ABBREVS)
		return;
	if (i == nabbrev)
		nabbrev++;
	snprintf(abbrevs[i].name, sizeof(abbrevs[i].name), "%s", name);
	snprintf(abbrevs[i].path, sizeof(abbrevs[i].path), "%s", path);
	abbrevs[i].len = strlen(abbrevs[i].path);
	/* "/run/mc/" and "/run/mc" name the same directory. */
	while (abbrevs[i].len > 1 && abbrevs[i].path[abbrevs[i].len - 1] == '/')
		abbrevs[i].path[--abbrevs[i].len] = '\0';
}

static bool path_char(char c)
{
	return isalnum((unsigned char)c) || c == '/' || c == '.' || c == '_' || c == '-';
}

/* The longest registered path that starts at `s` and ends at a name boundary. */
static int abbrev_at(const char *s)
{
	int best = -1;

	for (size_t i = 0; i < nabbrev; i++) {
		char next;

		/* (Compare first: `s` may end before the path would.) */
		if (strncmp(s, abbrevs[i].path, abbrevs[i].len) != 0)
			continue;
		next = s[abbrevs[i].len];
		if (next != '/' && path_char(next))
			continue;
		if (best < 0 || abbrevs[i].len > abbrevs[best].len)
			best = (int)i;
	}
	return best;
}

/* How many hex digits start at `s` (stopping at 65: more than an id has). */
static size_t hex_run(const char *s)
{
	size_t n = 0;

	while (n < 65 && isxdigit((unsigned char)s[n]))
		n++;
	return n;
}

/* Copy `in` to `out`, with named paths and 12-hex ids. */
static void abbreviate(const char *in, char *out, size_t size)
{
	size_t o = 0;

	for (size_t i = 0; in[i] != '\0' && o + 1 < size;) {
		bool starts = i == 0 || !path_char(in[i - 1]) || in[i - 1] == '/';
		int a = starts ? abbrev_at(in + i) : -1;

		if (a >= 0) {
			o += snprintf(out + o, size - o, "%s", abbrevs[a].name);
			i += abbrevs[a].len;
		} else if ((i == 0 || !isalnum((unsigned char)in[i - 1])) &&
		           hex_run(in + i) == 64 && !isalnum((unsigned char)in[i + 64])) {
			/* A container, image or layer id: the 12 digits `ps` and `images` show. */
			o += snprintf(out + o, size - o, "%.12s", in + i);
			i += 64;
		} else {
			out[o++] = in[i++];
		}
		if (o >= size)
			o = size - 1;
	}
	out[o] = '\0';
}

/* ---- lines that fit the projector ---------------------------------------------------------- */

/* Columns of UTF-8 text: every byte but the continuation bytes starts a character. */
static size_t columns(const char *s, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len && s[i] != '\0'; i++)
		n += ((unsigned char)s[i] & 0xC0) != 0x80;
	return n;
}

/* The byte offset where `s` has used `cols` columns (at most strlen(s)). */
static size_t offset_of_column(const char *s, size_t cols)
{
	size_t i = 0, n = 0;

	for (; s[i] != '\0'; i++) {
		if (((unsigned char)s[i] & 0xC0) != 0x80 && n++ == cols)
			break;
	}
	return i;
}

/* Where to end a line of `text` that must end by byte `end`: after a space, else after a '|' or
 * ',', else before a '/', in the last two thirds; else at `end`. */
static size_t break_before(const char *text, size_t end)
{
	for (size_t i = end; i > end / 3; i--)
		if (text[i - 1] == ' ')
			return i;
	for (size_t i = end; i > end / 3; i--)
		if (text[i - 1] == '|' || text[i - 1] == ',')
			return i;
	for (size_t i = end; i > end / 3; i--)
		if (text[i] == '/')
			return i;
	return end;
}

/*
 * Append `text` to `out` in lines of at most MC_TRACE_WIDTH columns: the first
 * after `first`, the rest after `indent` spaces.  The last `keep` bytes (a
 * call's " = 0") stay on one line, with what precedes them.
 */
static void wrap(char *out, size_t size, const char *first, size_t indent, const char *text,
                 size_t keep)
{
	size_t used = strlen(out);
	char prefix[64];

	snprintf(prefix, sizeof(prefix), "%s", first);
	while (used + 1 < size) {
		size_t avail = MC_TRACE_WIDTH - columns(prefix, strlen(prefix));
		size_t end = offset_of_column(text, avail), len = strlen(text), brk, cut;

		if (text[end] == '\0') {
			used += snprintf(out + used, size - used, "%s%s\n", prefix, text);
			break;
		}
		if (keep < len && end > len - keep)
			end = len - keep;
		brk = break_before(text, end);
		if (brk == 0) /* nothing before the result: break inside it, but move on */
			brk = end > 0 ? end : offset_of_column(text, avail > 0 ? avail : 1);
		for (cut = brk; cut > 0 && text[cut - 1] == ' ';)
			cut--;
		used += snprintf(out + used, used < size ? size - used : 0, "%s%.*s\n", prefix,
		                 (int)cut, text);
		text += brk;
		while (*text == ' ')
			text++;
		snprintf(prefix, sizeof(prefix), "%*s", (int)indent, "");
	}
}

char *mc_trace_layout(const char *head, const char *text, char *out, size_t size)
{
	char shorter[4096];

	abbreviate(text, shorter, sizeof(shorter));
	out[0] = '\0';
	wrap(out, size, head, columns(head, strlen(head)), shorter, 0);
	return out;
}

/*
 * --trace-step: the line is on the screen; the next kernel call waits for Enter.
 * A terminal that does not echo (a `run -t` made it raw) gets the newline from us.
 * End of input ends the stepping, not the program.
 */
static void wait_for_enter(bool line_open)
{
	struct termios tio;
	char c = 0;
	ssize_t n;

	while ((n = read(step_fd, &c, 1)) == 1 && c != '\n' && c != '\r')
		;
	if (n < 0 && errno == EINTR)
		return;
	if (n <= 0) {
		close(step_fd);
		step_fd = -1;
	}
	if (line_open &&
	    (n <= 0 || (tcgetattr(step_fd, &tio) == 0 && !(tio.c_lflag & ECHO)) || c == '\r'))
		dprintf(trace_fd, "\n");
}

/* "[chapter] text  -- why", in as many lines as it takes. */
static void emit(const char *chapter, const char *raw_text, size_t keep, const char *raw_why,
                 bool call)
{
	char text[1024], why[1024], head[32], out[4096] = "";
	size_t hw, len;

	if (!projector) {
		/* For grep and for files: one event, one line, every path and id in full. */
		if (raw_why != NULL)
			snprintf(out, sizeof(out), "[%s] %s  -- %s\n", chapter, raw_text, raw_why);
		else
			snprintf(out, sizeof(out), "[%s] %s\n", chapter, raw_text);
		len = strlen(out);
		if (write(trace_fd, out, len) == (ssize_t)len && step_fd >= 0 && call)
			wait_for_enter(false);
		return;
	}
	abbreviate(raw_text, text, sizeof(text));
	if (raw_why != NULL)
		abbreviate(raw_why, why, sizeof(why));
	hw = (size_t)snprintf(head, sizeof(head), "[%s] ", chapter);
	if (raw_why != NULL &&
	    hw + columns(text, sizeof(text)) + 5 + columns(why, sizeof(why)) <= MC_TRACE_WIDTH) {
		snprintf(out, sizeof(out), "%s%s  -- %s\n", head, text, why);
	} else {
		wrap(out, sizeof(out), head, hw + 4, text, keep);
		if (raw_why != NULL) {
			char first[64];

			snprintf(first, sizeof(first), "%*s-- ", (int)hw, "");
			wrap(out, sizeof(out), first, hw + 3, why, 0);
		}
	}
	len = strlen(out);
	if (step_fd >= 0 && call && isatty(trace_fd))
		len--; /* the Enter the lecturer types ends the line */
	/* One write: a child's lines never cut into ours. */
	if (write(trace_fd, out, len) < 0)
		return;
	if (step_fd >= 0 && call)
		wait_for_enter(len < strlen(out));
}

void mc_trace_call(const char *chapter, long rc, const char *why, const char *call_fmt, ...)
{
	int saved_errno = errno;
	char call[768], line[1024];
	va_list ap;

	if (!mc_trace_shows(chapter))
		return;
	va_start(ap, call_fmt);
	vsnprintf(call, sizeof(call), call_fmt, ap);
	va_end(ap);
	if (rc < 0)
		snprintf(line, sizeof(line), "%s = -1 %s (%s)", call,
		         strerrorname_np(saved_errno) ? strerrorname_np(saved_errno) : "?",
		         strerror(saved_errno));
	else
		snprintf(line, sizeof(line), "%s = %ld", call, rc);
	emit(chapter, line, strlen(line) - strlen(call), rc < 0 ? NULL : why, true);
	errno = saved_errno;
}

void mc_trace(const char *chapter, const char *fmt, ...)
{
	int saved_errno = errno;
	char line[768];
	va_list ap;

	if (!mc_trace_shows(chapter))
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	emit(chapter, line, 0, NULL, false);
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
