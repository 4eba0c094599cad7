/*
 * events.c - the event log (mc_events.h) and `minicontainer events`, which
 * prints it and follows it as Docker's `docker events` streams the daemon's.
 */
#define _GNU_SOURCE
#include "mc_events.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mc.h"
#include "mc_file.h"
#include "mc_log.h"

/* ---- recording ---------------------------------------------------------------------------- */

static void events_dir(char *buf, size_t size)
{
	snprintf(buf, size, "%s/events", mc_root_dir());
}

void mc_events_path(char *buf, size_t size)
{
	snprintf(buf, size, "%s/events/events.log", mc_root_dir());
}

/*
 * Past MC_EVENTS_MAX_SIZE the file becomes events.log.1.  Under a lock, and
 * only if the path still names the file we wrote to: two writers that both
 * see it full rename it once.  A writer that opened the old file just before
 * the rename still appends to it - a line in events.log.1, not a lost one.
 */
static void rotate_if_full(const char *dir, const char *path, int fd)
{
	char lock_path[PATH_MAX + 8], old[PATH_MAX + 8];
	struct stat mine, now;
	int lock;

	if (fstat(fd, &mine) < 0 || mine.st_size < MC_EVENTS_MAX_SIZE)
		return;
	snprintf(lock_path, sizeof(lock_path), "%s/.lock", dir);
	snprintf(old, sizeof(old), "%s.1", path);
	lock = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lock < 0)
		return;
	if (flock(lock, LOCK_EX) == 0 && stat(path, &now) == 0 && now.st_ino == mine.st_ino &&
	    now.st_dev == mine.st_dev)
		rename(path, old);
	close(lock);
}

/* Go's json.Marshal of a map: keys in order.  `attrs` is consumed. */
static json_t *sorted(json_t *attrs)
{
	const char *keys[128], *key;
	json_t *out = json_object(), *v;
	size_t n = 0;

	json_object_foreach(attrs, key, v)
	{
		if (n < 128)
			keys[n++] = key;
	}
	qsort(keys, n, sizeof(keys[0]), mc_strcmp_ptr);
	for (size_t i = 0; i < n; i++)
		json_object_set(out, keys[i], json_object_get(attrs, keys[i]));
	json_decref(attrs);
	return out;
}

static void record(const char *type, const char *action, const char *id, json_t *attrs)
{
	char dir[PATH_MAX], path[PATH_MAX];
	struct mc_error ignored;
	struct timespec ts;
	json_t *ev;
	char *line;
	size_t len;
	int fd;

	clock_gettime(CLOCK_REALTIME, &ts);
	attrs = sorted(attrs);
	/* Docker's legacy fields first (status, id, from), for old clients. */
	ev = json_object();
	if (strcmp(type, "container") == 0 || strcmp(type, "image") == 0) {
		json_object_set_new(ev, "status", json_string(action));
		json_object_set_new(ev, "id", json_string(id));
	}
	if (strcmp(type, "container") == 0)
		json_object_set(ev, "from", json_object_get(attrs, "image"));
	json_object_set_new(ev, "Type", json_string(type));
	json_object_set_new(ev, "Action", json_string(action));
	json_object_set_new(ev, "Actor", json_pack("{s:s, s:o}", "ID", id, "Attributes", attrs));
	json_object_set_new(ev, "scope", json_string("local"));
	json_object_set_new(ev, "time", json_integer((json_int_t)ts.tv_sec));
	json_object_set_new(ev, "timeNano",
	                    json_integer((json_int_t)ts.tv_sec * 1000000000 + ts.tv_nsec));
	line = json_dumps(ev, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(ev);
	events_dir(dir, sizeof(dir));
	mc_events_path(path, sizeof(path));
	if (line == NULL || mc_mkdir_p(dir, 0700, &ignored) < 0) {
		free(line);
		return;
	}
	/* The newline goes in the same write (over the string's NUL): one line, whole. */
	len = strlen(line);
	line[len] = '\n';
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd >= 0) {
		if (write(fd, line, len + 1) > 0)
			rotate_if_full(dir, path, fd);
		close(fd);
	}
	free(line);
}

void mc_event_container(const struct mc_container *c, const char *action, const char *key,
                        const char *value)
{
	json_t *config = json_object_get(c->doc, "Config");
	json_t *attrs = json_object();

	/* Docker's attributes: the labels, then the image and the name over them. */
	json_object_update(attrs, json_object_get(config, "Labels"));
	json_object_set_new(attrs, "image",
	                    json_string(json_string_value(json_object_get(config, "Image")) ?: ""));
	json_object_set_new(attrs, "name", json_string(mc_container_name(c)));
	if (key != NULL)
		json_object_set_new(attrs, key, json_string(value));
	record("container", action, c->id, attrs);
}

void mc_event_image(const char *action, const char *id, const char *name)
{
	record("image", action, id, json_pack("{s:s}", "name", name));
}

void mc_event_volume(const char *action, const char *name)
{
	record("volume", action, name, json_pack("{s:s}", "driver", "local"));
}

/* ---- reading: `minicontainer events` ------------------------------------------------------ */

/* Docker's filter keys; those of objects we have none of match nothing. */
static const char *const filter_keys[] = {"config", "container", "daemon", "event",  "image",
                                          "label",  "network",   "node",   "plugin", "scope",
                                          "secret", "service",   "type",   "volume", NULL};

struct events_opts {
	struct mc_list filters; /* "key=value" */
	const char *format, *since, *until;
};

static int add_filter(void *field, const char *value, struct mc_error *err)
{
	const char *eq = strchr(value, '=');

	if (eq == NULL)
		return mc_fail(err, 0, "bad format of filter (expected name=value)");
	for (int k = 0; filter_keys[k] != NULL; k++)
		if (strlen(filter_keys[k]) == (size_t)(eq - value) &&
		    strncmp(filter_keys[k], value, (size_t)(eq - value)) == 0)
			return mc_opt_list(field, value, err);
	return mc_fail(err, 0, "invalid filter '%.*s'", (int)(eq - value), value);
}

static const struct mc_option events_options[] = {
    {"filter", 'f', "filter", "Filter output based on conditions provided", add_filter,
     offsetof(struct events_opts, filters)},
    {"format", 0, "string",
     "Format output using a custom template: 'json': Print in JSON format; 'TEMPLATE': Print "
     "output using the given Go template",
     mc_opt_string, offsetof(struct events_opts, format)},
    {"since", 0, "string", "Show all events created since timestamp", mc_opt_string,
     offsetof(struct events_opts, since)},
    {"until", 0, "string", "Stream events until this timestamp", mc_opt_string,
     offsetof(struct events_opts, until)},
    {NULL, 0, NULL, NULL, NULL, 0},
};

const struct mc_command mc_cmd_events = {
    .name = "events",
    .usage = "[OPTIONS]",
    .summary = "Get real time events from the server",
    .options = events_options,
    .min_args = 0,
    .max_args = 0,
};

/* The values the filters give for `key`; n is 0 when the key was not given. */
static size_t values_of(const struct mc_list *f, const char *key, const char **out, size_t max)
{
	size_t n = 0, len = strlen(key);

	for (size_t i = 0; i < f->n && n < max; i++)
		if (strncmp(f->items[i], key, len) == 0 && f->items[i][len] == '=')
			out[n++] = f->items[i] + len + 1;
	return n;
}

/* Docker's ExactMatch: no values, or one of them is `text`. */
static bool exact(const struct mc_list *f, const char *key, const char *text)
{
	const char *v[MC_LIST_MAX];
	size_t n = values_of(f, key, v, MC_LIST_MAX);

	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], text) == 0)
			return true;
	return n == 0;
}

/* Docker's FuzzyMatch: no values, or one of them is `text` or a prefix of it. */
static bool fuzzy(const struct mc_list *f, const char *key, const char *text)
{
	const char *v[MC_LIST_MAX];
	size_t n = values_of(f, key, v, MC_LIST_MAX);

	for (size_t i = 0; i < n; i++)
		if (strncmp(text, v[i], strlen(v[i])) == 0)
			return true;
	return n == 0;
}

/* "busybox:latest" -> "busybox" (a digest or a port stays). */
static void strip_tag(const char *ref, char *out, size_t size)
{
	const char *colon = strrchr(ref, ':');

	if (colon != NULL && strchr(colon, '/') == NULL && strchr(ref, '@') == NULL)
		snprintf(out, size, "%.*s", (int)(colon - ref), ref);
	else
		snprintf(out, size, "%s", ref);
}

/* moby's daemon/events/filter.go: every key narrows; the values of one key widen. */
static bool wanted(const struct mc_list *f, json_t *ev)
{
	const char *type = json_string_value(json_object_get(ev, "Type")) ?: "";
	const char *action = json_string_value(json_object_get(ev, "Action")) ?: "";
	json_t *actor = json_object_get(ev, "Actor");
	json_t *attrs = json_object_get(actor, "Attributes");
	const char *id = json_string_value(json_object_get(actor, "ID")) ?: "";
	const char *name = json_string_value(json_object_get(attrs, "name")) ?: "";
	const char *image =
	    json_string_value(json_object_get(attrs, strcmp(type, "image") == 0 ? "name" : "image"))
	        ?: "";
	const char *labels[MC_LIST_MAX];
	char bare_id[512], bare_image[512];
	size_t n;

	if (!exact(f, "event", action) || !exact(f, "type", type) ||
	    !exact(f, "scope", json_string_value(json_object_get(ev, "scope")) ?: ""))
		return false;
	/* container=, volume=, network= ...: an ID (or its prefix) or a name of that type. */
	for (int k = 0; filter_keys[k] != NULL; k++) {
		const char *key = filter_keys[k];

		if (strcmp(key, "event") == 0 || strcmp(key, "type") == 0 ||
		    strcmp(key, "scope") == 0 || strcmp(key, "image") == 0 ||
		    strcmp(key, "label") == 0)
			continue;
		if (!fuzzy(f, key, id) && !fuzzy(f, key, name))
			return false;
	}
	strip_tag(id, bare_id, sizeof(bare_id));
	strip_tag(image, bare_image, sizeof(bare_image));
	if (!exact(f, "image", id) && !exact(f, "image", image) && !exact(f, "image", bare_id) &&
	    !exact(f, "image", bare_image))
		return false;
	/* label=KEY or label=KEY=VALUE: each one must be there. */
	n = values_of(f, "label", labels, MC_LIST_MAX);
	for (size_t i = 0; i < n; i++) {
		const char *eq = strchr(labels[i], '=');
		json_t *have = eq ? json_object_getn(attrs, labels[i], (size_t)(eq - labels[i]))
		                  : json_object_get(attrs, labels[i]);

		if (have == NULL ||
		    (eq != NULL && strcmp(json_string_value(have) ?: "", eq + 1) != 0))
			return false;
	}
	return true;
}

/* Go's RFC3339NanoFixed in the local time zone: "2024-01-01T00:00:00.000000000Z". */
static void event_time(int64_t ns, char *buf, size_t size)
{
	time_t t = (time_t)(ns / 1000000000);
	struct tm tm;
	char zone[8] = "Z", date[32];
	int off;

	localtime_r(&t, &tm);
	off = (int)(tm.tm_gmtoff / 60);
	if (off != 0)
		snprintf(zone, sizeof(zone), "%c%02d:%02d", off < 0 ? '-' : '+',
		         abs(off) / 60 % 100, abs(off) % 60);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, size, "%s.%09lld%s", date, (long long)(ns % 1000000000), zone);
}

/* docker/cli's prettyPrintEvent: time, type, action, actor, (attributes, sorted). */
static void print_default(json_t *ev)
{
	json_t *actor = json_object_get(ev, "Actor");
	json_t *attrs = json_object_get(actor, "Attributes"), *v;
	const char *keys[128], *key;
	char when[64];
	size_t n = 0;

	event_time(json_integer_value(json_object_get(ev, "timeNano")), when, sizeof(when));
	printf("%s %s %s %s", when, json_string_value(json_object_get(ev, "Type")) ?: "",
	       json_string_value(json_object_get(ev, "Action")) ?: "",
	       json_string_value(json_object_get(actor, "ID")) ?: "");
	json_object_foreach(attrs, key, v)
	{
		if (n < 128)
			keys[n++] = key;
	}
	qsort(keys, n, sizeof(keys[0]), mc_strcmp_ptr);
	for (size_t i = 0; i < n; i++)
		printf("%s%s=%s", i == 0 ? " (" : ", ", keys[i],
		       json_string_value(json_object_get(attrs, keys[i])) ?: "");
	printf("%s\n", n > 0 ? ")" : "");
}

/*
 * A template sees Go's field names (.Status, .ID, .Actor.ID, .TimeNano),
 * while the JSON keeps the API's ("status", "id", "timeNano").
 */
static json_t *template_view(json_t *ev)
{
	static const char *const names[][2] = {
	    {"status", "Status"}, {"id", "ID"},         {"from", "From"},
	    {"Type", "Type"},     {"Action", "Action"}, {"Actor", "Actor"},
	    {"scope", "Scope"},   {"time", "Time"},     {"timeNano", "TimeNano"},
	};
	json_t *view = json_object();

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		json_t *v = json_object_get(ev, names[i][0]);

		json_object_set_new(view, names[i][1], v ? json_incref(v) : json_string(""));
	}
	return view;
}

struct reader {
	const struct events_opts *o;
	struct mc_template *tmpl; /* NULL: the default line, or the JSON as it is */
	bool raw_json;
	int64_t since, until; /* ns; 0: none */
	char pending[65536];  /* a line not ended yet (a writer is in the middle of it) */
	size_t npending;
};

static void print_event(struct reader *r, const char *line)
{
	json_t *ev = json_loads(line, 0, NULL);
	int64_t ns;

	if (ev == NULL)
		return;
	ns = json_integer_value(json_object_get(ev, "timeNano"));
	if ((r->since == 0 || ns >= r->since) && (r->until == 0 || ns <= r->until) &&
	    wanted(&r->o->filters, ev)) {
		if (r->raw_json) {
			printf("%s\n", line);
		} else if (r->tmpl != NULL) {
			json_t *view = template_view(ev);
			struct mc_error err;

			if (mc_template_execute(r->tmpl, view, stdout, &err) < 0)
				fprintf(stderr, "minicontainer: %s\n", err.msg);
			putchar('\n');
			json_decref(view);
		} else {
			print_default(ev);
		}
	}
	json_decref(ev);
}

/* Print the whole lines from `fd` at *offset on; a half line waits for its end. */
static void read_lines(struct reader *r, int fd, off_t *offset)
{
	ssize_t n;

	while ((n = pread(fd, r->pending + r->npending, sizeof(r->pending) - 1 - r->npending,
	                  *offset)) > 0) {
		char *line = r->pending, *nl;

		*offset += n;
		r->npending += (size_t)n;
		r->pending[r->npending] = '\0';
		while ((nl = memchr(line, '\n', r->npending - (size_t)(line - r->pending))) !=
		       NULL) {
			*nl = '\0';
			print_event(r, line);
			line = nl + 1;
		}
		r->npending -= (size_t)(line - r->pending);
		memmove(r->pending, line, r->npending);
		if (r->npending == sizeof(r->pending) - 1)
			r->npending = 0; /* not a line of ours */
	}
	fflush(stdout);
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/*
 * Follow events.log from `offset` until --until (or for ever): inotify on
 * the directory says when a line was added or the file was rotated (a new
 * events.log appeared); the old file is read to its end first.
 */
static int follow(struct reader *r, const char *dir, const char *path, int fd, off_t offset,
                  struct mc_error *err)
{
	int ino = inotify_init1(IN_CLOEXEC | IN_NONBLOCK), rc = 0;

	if (ino < 0 || inotify_add_watch(ino, dir, IN_MODIFY | IN_CREATE | IN_MOVED_TO) < 0) {
		rc = mc_fail(err, errno, "inotify on %s", dir);
		goto out;
	}
	for (;;) {
		struct pollfd p = {ino, POLLIN, 0};
		struct stat now, mine;
		char buf[4096];
		int64_t left = r->until ? r->until - now_ns() : -1;

		if (fd >= 0)
			read_lines(r, fd, &offset);
		if (stat(path, &now) == 0 &&
		    (fd < 0 || (fstat(fd, &mine) == 0 && mine.st_ino != now.st_ino))) {
			if (fd >= 0)
				close(fd);
			fd = open(path, O_RDONLY | O_CLOEXEC);
			offset = 0;
			r->npending = 0;
			continue;
		}
		if (r->until != 0 && left <= 0)
			break;
		if (poll(&p, 1, left < 0 || left > 1000000000LL ? 1000 : (int)(left / 1000000)) > 0)
			while (read(ino, buf, sizeof(buf)) > 0)
				;
	}
out:
	if (fd >= 0)
		close(fd);
	if (ino >= 0)
		close(ino);
	return rc;
}

static int parse_times(const struct events_opts *o, struct reader *r, struct mc_error *err)
{
	int64_t now = now_ns();

	if (o->since != NULL && o->since[0] != '\0' &&
	    mc_log_parse_time_ns(o->since, now, &r->since, err) < 0)
		return -1;
	if (o->until != NULL && o->until[0] != '\0' &&
	    mc_log_parse_time_ns(o->until, now, &r->until, err) < 0)
		return -1;
	if (r->since != 0 && r->until != 0 && r->since > r->until)
		return mc_fail(err, 0, "since time cannot be after until time");
	return 0;
}

int verb_events(int argc, char **argv)
{
	struct events_opts o = {0};
	static struct reader r;
	char dir[PATH_MAX], path[PATH_MAX], old[PATH_MAX + 8];
	struct mc_error err;
	int rc, first, fd;
	off_t offset = 0;

	if ((rc = mc_parse_verb(&mc_cmd_events, &o, argc, argv, &first)) >= 0)
		return rc;
	memset(&r, 0, sizeof(r));
	r.o = &o;
	if (parse_times(&o, &r, &err) < 0)
		return mc_report(&err);
	if (o.format != NULL &&
	    (strcmp(o.format, "json") == 0 || strcmp(o.format, "{{json .}}") == 0))
		r.raw_json = true;
	else if (o.format != NULL && o.format[0] != '\0' &&
	         mc_template_parse(o.format, &r.tmpl, &err) < 0)
		return mc_report(&err);
	events_dir(dir, sizeof(dir));
	mc_events_path(path, sizeof(path));
	snprintf(old, sizeof(old), "%s.1", path);
	if (mc_mkdir_p(dir, 0700, &err) < 0) {
		mc_template_free(r.tmpl);
		return mc_report(&err);
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	/* --since or --until: what is recorded first; neither: only what comes. */
	if (r.since != 0 || r.until != 0) {
		int ofd = open(old, O_RDONLY | O_CLOEXEC);
		off_t o_off = 0;

		if (ofd >= 0) {
			read_lines(&r, ofd, &o_off);
			r.npending = 0;
			close(ofd);
		}
		if (fd >= 0)
			read_lines(&r, fd, &offset);
	} else if (fd >= 0) {
		offset = lseek(fd, 0, SEEK_END);
	}
	rc = 0;
	if (r.until == 0 || r.until > now_ns())
		rc = follow(&r, dir, path, fd, offset, &err);
	else if (fd >= 0)
		close(fd);
	mc_template_free(r.tmpl);
	return rc < 0 ? mc_report(&err) : 0;
}
