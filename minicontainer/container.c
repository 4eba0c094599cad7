/* container.c - container records (see container.h). */
#define _GNU_SOURCE
#include "mc_container.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cg_cgroups.h"
#include "mc_events.h"
#include "mc_file.h"
#include "mc.h"
#include "mc_net.h"
#include "mc_trace.h"

static int containers_dir(char *buf, size_t size, struct mc_error *err)
{
	if ((size_t)snprintf(buf, size, "%s/containers", mc_root_dir()) >= size)
		return mc_fail(err, ENAMETOOLONG, "MC_ROOT is too long");
	return mc_mkdir_p(buf, 0700, err);
}

int mc_containers_lock(int *fd, struct mc_error *err)
{
	char dir[PATH_MAX], path[PATH_MAX];

	if (containers_dir(dir, sizeof(dir), err) < 0 ||
	    mc_path_join(path, sizeof(path), dir, ".lock", err) < 0)
		return -1;
	*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (*fd < 0)
		return mc_fail(err, errno, "open %s", path);
	while (flock(*fd, LOCK_EX) < 0)
		if (errno != EINTR) {
			close(*fd);
			return mc_fail(err, errno, "lock %s", path);
		}
	return 0;
}

void mc_containers_unlock(int fd)
{
	if (fd >= 0)
		close(fd); /* closing the descriptor releases the flock */
}

const char *mc_container_name(const struct mc_container *c)
{
	const char *name = json_string_value(json_object_get(c->doc, "Name"));

	return name == NULL ? "" : name[0] == '/' ? name + 1 : name;
}

static json_t *state_of(const struct mc_container *c)
{
	return json_object_get(c->doc, "State");
}

const char *mc_state_status(const struct mc_container *c)
{
	const char *s = json_string_value(json_object_get(state_of(c), "Status"));

	return s ? s : "unknown";
}

pid_t mc_state_pid(const struct mc_container *c)
{
	return (pid_t)json_integer_value(json_object_get(state_of(c), "Pid"));
}

bool mc_container_running(const struct mc_container *c)
{
	const char *s = mc_state_status(c);

	return strcmp(s, "running") == 0 || strcmp(s, "paused") == 0;
}

/*
 * Whole, synced, then renamed: a reader sees the old record or the new one,
 * and after a crash (or a power cut) the disk holds one of the two as well.
 * (Not synced for a --rm container: its record goes with it, and after a
 * power cut there is nothing of it left to keep.  fsync costs milliseconds,
 * and `run --rm` is the one that has to be quick.)
 */
static int save_doc(const char *dir, json_t *doc, struct mc_error *err)
{
	bool durable =
	    !json_is_true(json_object_get(json_object_get(doc, "HostConfig"), "AutoRemove"));
	char path[PATH_MAX], tmp[PATH_MAX];
	char *text = NULL;
	int fd = -1, dirfd = -1, rc = -1;
	size_t len;

	if (mc_path_join(path, sizeof(path), dir, "config.json", err) < 0 ||
	    mc_path_join(tmp, sizeof(tmp), dir, ".config.json.tmp", err) < 0)
		return -1;
	text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (text == NULL) {
		mc_fail(err, ENOMEM, "record");
		goto out;
	}
	len = strlen(text);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len || write(fd, "\n", 1) != 1 ||
	    (durable && fsync(fd) < 0)) {
		mc_fail(err, errno, "write %s", tmp);
		goto out;
	}
	if (rename(tmp, path) < 0) {
		mc_fail(err, errno, "rename %s", path);
		goto out;
	}
	/* The rename itself is in the directory: sync that too. */
	dirfd = durable ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
	if (dirfd >= 0)
		fsync(dirfd);
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (dirfd >= 0)
		close(dirfd);
	free(text);
	return rc;
}

int mc_container_save(const struct mc_container *c, struct mc_error *err)
{
	return save_doc(c->dir, c->doc, err);
}

void mc_new_id(char id[65])
{
	unsigned char r[32];

	if (getrandom(r, sizeof(r), 0) != sizeof(r))
		for (size_t i = 0; i < sizeof(r); i++)
			r[i] = (unsigned char)rand();
	for (size_t i = 0; i < sizeof(r); i++)
		snprintf(id + 2 * i, 3, "%02x", r[i]);
}

static bool valid_name(const char *name)
{
	/* Docker: [a-zA-Z0-9][a-zA-Z0-9_.-]+ */
	if (name[0] == '\0' ||
	    !((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= 'A' && name[0] <= 'Z') ||
	      (name[0] >= '0' && name[0] <= '9')))
		return false;
	return strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") ==
	           strlen(name) &&
	       strlen(name) < 128;
}

static bool name_taken(const char *name)
{
	struct mc_container c;
	struct mc_error ignored;

	if (mc_container_load(name, &c, &ignored) < 0)
		return false;
	/* mc_container_load also matches id prefixes: taken only if it is the name. */
	bool taken = strcmp(mc_container_name(&c), name) == 0;
	mc_container_free(&c);
	return taken;
}

int mc_container_create(const char *name, json_t *doc, struct mc_container *c, struct mc_error *err)
{
	char dir[PATH_MAX], chosen[128], created[64];
	int lock, rc = 0;

	memset(c, 0, sizeof(*c));
	c->doc = doc;
	if (name != NULL && !valid_name(name))
		return mc_fail(err, 0,
		               "Invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] "
		               "are allowed",
		               name);
	if (mc_containers_lock(&lock, err) < 0)
		return -1;
	/* Under the lock: nobody can take the same name between our check and our write. */
	if (name != NULL && name_taken(name)) {
		rc =
		    mc_fail(err, 0, "Conflict. The container name \"/%s\" is already in use", name);
		goto out;
	}
	if (name == NULL)
		do
			mc_random_name(chosen, sizeof(chosen));
		while (name_taken(chosen));
	else
		snprintf(chosen, sizeof(chosen), "%s", name);
	mc_new_id(c->id);
	if (containers_dir(dir, sizeof(dir), err) < 0 ||
	    (size_t)snprintf(c->dir, sizeof(c->dir), "%s/%s", dir, c->id) >= sizeof(c->dir) ||
	    mkdir(c->dir, 0700) < 0) {
		rc = mc_fail(err, errno, "create the container directory");
		goto out;
	}
	mc_rfc3339_now(created, sizeof(created));
	json_object_set_new(doc, "Id", json_string(c->id));
	/* No -h: dockerd names the container's host after its id (generateHostname). */
	if (json_string_length(json_object_get(json_object_get(doc, "Config"), "Hostname")) == 0)
		json_object_set_new(json_object_get(doc, "Config"), "Hostname",
		                    json_stringn(c->id, 12));
	json_object_set_new(doc, "Created", json_string(created));
	json_object_set_new(doc, "Name", json_pack("s+", "/", chosen));
	json_object_set_new(doc, "State",
	                    json_pack("{s:s, s:b, s:b, s:i, s:i, s:s, s:b, s:s, s:s}", "Status",
	                              "created", "Running", 0, "Paused", 0, "Pid", 0, "ExitCode", 0,
	                              "Error", "", "OOMKilled", 0, "StartedAt",
	                              "0001-01-01T00:00:00Z", "FinishedAt",
	                              "0001-01-01T00:00:00Z"));
	rc = mc_container_save(c, err);
	if (rc == 0) {
		mc_trace("capstone", "container %.12s \"%s\": record %s/config.json (under flock)",
		         c->id, chosen, c->dir);
		mc_event_container(c, "create", NULL, NULL);
	}
out:
	mc_containers_unlock(lock);
	return rc;
}

static int load_dir(const char *id, struct mc_container *c, struct mc_error *err)
{
	char dir[PATH_MAX], path[PATH_MAX];
	json_error_t jerr;

	memset(c, 0, sizeof(*c));
	if (containers_dir(dir, sizeof(dir), err) < 0)
		return -1;
	snprintf(c->id, sizeof(c->id), "%s", id);
	if ((size_t)snprintf(c->dir, sizeof(c->dir), "%s/%s", dir, id) >= sizeof(c->dir) ||
	    mc_path_join(path, sizeof(path), c->dir, "config.json", err) < 0)
		return mc_fail(err, ENAMETOOLONG, "container %s", id);
	c->doc = json_load_file(path, 0, &jerr);
	if (c->doc == NULL)
		return mc_fail(err, 0, "container %s: %s", id, jerr.text);
	return 0;
}

static int list_records(struct mc_container **list, size_t *count, bool strict,
                        struct mc_error *err);

/* A directory whose config.json was never written (a create that was killed). */
static bool record_missing(const char *id)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/containers/%s/config.json", mc_root_dir(), id);
	return stat(path, &st) < 0 && errno == ENOENT;
}

int mc_container_list(struct mc_container **list, size_t *count, struct mc_error *err)
{
	return list_records(list, count, false, err);
}

int mc_container_list_strict(struct mc_container **list, size_t *count, struct mc_error *err)
{
	return list_records(list, count, true, err);
}

static int list_records(struct mc_container **list, size_t *count, bool strict,
                        struct mc_error *err)
{
	char dir[PATH_MAX];
	struct dirent *e;
	size_t n = 0, cap = 16;
	DIR *d;

	*list = calloc(cap, sizeof(**list));
	*count = 0;
	if (*list == NULL || containers_dir(dir, sizeof(dir), err) < 0)
		return -1;
	d = opendir(dir);
	if (d == NULL)
		return mc_fail(err, errno, "open %s", dir);
	while ((e = readdir(d)) != NULL) {
		struct mc_error ignored;

		if (strlen(e->d_name) != 64)
			continue;
		if (n == cap) {
			struct mc_container *p = realloc(*list, 2 * cap * sizeof(**list));

			if (p == NULL)
				break;
			*list = p;
			cap *= 2;
		}
		/* A record being created or removed right now may be half there: skip it
		 * - unless the caller holds the lock and must know every record. */
		if (load_dir(e->d_name, &(*list)[n], &ignored) == 0) {
			n++;
		} else if (strict && !record_missing(e->d_name)) {
			closedir(d);
			for (size_t i = 0; i < n; i++)
				mc_container_free(&(*list)[i]);
			free(*list);
			*list = NULL;
			return mc_fail(err, ignored.errnum, "unreadable container record: %s",
			               ignored.msg);
		}
	}
	closedir(d);
	/* Newest first, as docker ps lists them. */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0; j--) {
			const char *a =
			    json_string_value(json_object_get((*list)[j - 1].doc, "Created"));
			const char *b =
			    json_string_value(json_object_get((*list)[j].doc, "Created"));

			if (a && b && strcmp(a, b) < 0) {
				struct mc_container t = (*list)[j];

				(*list)[j] = (*list)[j - 1];
				(*list)[j - 1] = t;
			}
		}
	*count = n;
	return 0;
}

int mc_container_load(const char *what, struct mc_container *c, struct mc_error *err)
{
	struct mc_container *all;
	size_t n, found = SIZE_MAX, matches = 0;

	memset(c, 0, sizeof(*c));
	if (mc_container_list(&all, &n, err) < 0)
		return -1;
	/* A full id or a name wins; otherwise a unique id prefix. */
	for (size_t i = 0; i < n && found == SIZE_MAX; i++)
		if (strcmp(all[i].id, what) == 0 || strcmp(mc_container_name(&all[i]), what) == 0)
			found = i;
	for (size_t i = 0; i < n && found == SIZE_MAX; i++)
		if (strncmp(all[i].id, what, strlen(what)) == 0 && strlen(what) > 0)
			matches++;
	for (size_t i = 0; i < n && found == SIZE_MAX && matches == 1; i++)
		if (strncmp(all[i].id, what, strlen(what)) == 0)
			found = i;
	for (size_t i = 0; i < n; i++)
		if (i != found)
			mc_container_free(&all[i]);
	if (found != SIZE_MAX)
		*c = all[found];
	free(all);
	if (found == SIZE_MAX)
		return mc_fail(err, 0,
		               matches > 1 ? "Multiple IDs found with provided prefix: %s"
		                           : "No such container: %s",
		               what);
	return 0;
}

void mc_container_free(struct mc_container *c)
{
	json_decref(c->doc);
	c->doc = NULL;
}

/*
 * When a process started, in clock ticks since boot: field 22 of
 * /proc/PID/stat.  A pid can be reused; a (pid, start time) pair cannot.
 * Also reports whether the process is a zombie (then it counts as gone).
 */
static unsigned long long process_start_time(pid_t pid, bool *zombie)
{
	char path[64], buf[1024], *p;
	unsigned long long start = 0;
	char state = 'X';
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (f == NULL)
		return 0;
	if (fgets(buf, sizeof(buf), f) == NULL)
		buf[0] = '\0';
	fclose(f);
	/* The command name is in parentheses and may contain anything: skip past the last ')'. */
	p = strrchr(buf, ')');
	if (p == NULL || sscanf(p + 2,
	                        "%c %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s "
	                        "%*s %*s %*s %*s %llu",
	                        &state, &start) != 2)
		return 0;
	*zombie = state == 'Z' || state == 'X';
	return start;
}

static bool process_alive(pid_t pid, unsigned long long recorded_start)
{
	bool zombie = true;
	unsigned long long start;

	if (pid <= 0)
		return false;
	start = process_start_time(pid, &zombie);
	return start != 0 && !zombie && (recorded_start == 0 || start == recorded_start);
}

/* Is the process that runs the container (`run`, or the monitor of `start`) still there? */
static bool monitor_alive(const struct mc_container *c)
{
	pid_t monitor = (pid_t)json_integer_value(json_object_get(state_of(c), "MonitorPid"));
	unsigned long long start = (unsigned long long)json_integer_value(
	    json_object_get(state_of(c), "MonitorStartTime"));

	return monitor > 0 && monitor != getpid() && process_alive(monitor, start);
}

pid_t mc_container_monitor(const struct mc_container *c)
{
	return monitor_alive(c)
	           ? (pid_t)json_integer_value(json_object_get(state_of(c), "MonitorPid"))
	           : 0;
}

int mc_container_pidfd(const struct mc_container *c, struct mc_error *err)
{
	unsigned long long start =
	    (unsigned long long)json_integer_value(json_object_get(state_of(c), "PidStartTime"));
	pid_t pid = mc_state_pid(c);
	int fd;

	if (pid <= 0)
		return mc_fail(err, ESRCH, "container %.12s is not running", c->id);
	/*
	 * A pidfd names one process, not a number: once we hold it, the pid can
	 * be reused by anyone and our signal still goes to the process we mean.
	 * Checked *after* opening: if the pid already belonged to someone else,
	 * the start time says so.
	 */
	fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (fd < 0)
		return mc_fail(err, errno, "pidfd_open(%d)", (int)pid);
	if (!process_alive(pid, start)) {
		close(fd);
		return mc_fail(err, ESRCH, "container %.12s is not running", c->id);
	}
	return fd;
}

void mc_container_refresh(struct mc_container *c)
{
	unsigned long long start =
	    (unsigned long long)json_integer_value(json_object_get(state_of(c), "PidStartTime"));
	struct mc_error ignored;

	if (!mc_container_running(c) || process_alive(mc_state_pid(c), start))
		return;
	/* Dead, but its monitor lives: it is about to record the real exit code. */
	if (monitor_alive(c))
		return;
	mc_container_set_exited(c, 137, false,
	                        "the container's process died while no minicontainer was "
	                        "watching it",
	                        &ignored);
}

/*
 * Read-modify-write under the lock: the record is read again inside it, so
 * that what another process changed since we loaded ours (a rename, another
 * state change) is kept; then our copy's State follows what was written.
 */
static int update_state_locked(struct mc_container *c, json_t *changes, char *before, size_t size,
                               struct mc_error *err)
{
	struct mc_container now;
	int rc;

	if (load_dir(c->id, &now, err) < 0)
		return mc_fail_context(err, "No such container: %.12s", c->id);
	if (before != NULL)
		snprintf(before, size, "%s", mc_state_status(&now));
	json_object_update(json_object_get(now.doc, "State"), changes);
	rc = save_doc(now.dir, now.doc, err);
	if (rc == 0) {
		json_object_set(c->doc, "State", json_object_get(now.doc, "State"));
		json_object_set(c->doc, "Name", json_object_get(now.doc, "Name"));
	}
	mc_container_free(&now);
	return rc;
}

/* A field outside State (RestartCount), read-modified-written under the lock. */
static int set_top(struct mc_container *c, const char *key, json_t *value, struct mc_error *err)
{
	struct mc_container now;
	int lock, rc = -1;

	if (mc_containers_lock(&lock, err) < 0) {
		json_decref(value);
		return -1;
	}
	if (load_dir(c->id, &now, err) == 0) {
		json_object_set(now.doc, key, value);
		rc = save_doc(now.dir, now.doc, err);
		mc_container_free(&now);
	}
	json_object_set_new(c->doc, key, value);
	mc_containers_unlock(lock);
	return rc;
}

/* `before` (if not NULL) gets the Status the record had. */
static int set_state(struct mc_container *c, json_t *changes, char *before, size_t size,
                     struct mc_error *err)
{
	int lock, rc;

	if (mc_containers_lock(&lock, err) < 0) {
		json_decref(changes);
		return -1;
	}
	rc = update_state_locked(c, changes, before, size, err);
	json_decref(changes);
	mc_containers_unlock(lock);
	return rc;
}

static bool root_held(const struct mc_container *c);

/* The containers' lock, and the record read again under it: what others changed meanwhile. */
static int lock_and_reload(const struct mc_container *c, int *lock, struct mc_container *now,
                           struct mc_error *err)
{
	if (mc_containers_lock(lock, err) < 0)
		return -1;
	if (load_dir(c->id, now, err) < 0) {
		mc_containers_unlock(*lock);
		*lock = -1;
		return mc_fail_context(err, "No such container: %.12s", c->id);
	}
	return 0;
}

int mc_container_claim(struct mc_container *c, bool *running, struct mc_error *err)
{
	struct mc_container now;
	bool zombie;
	pid_t who;
	int lock, rc = -1;

	*running = false;
	if (lock_and_reload(c, &lock, &now, err) < 0)
		return -1;
	who = (pid_t)json_integer_value(json_object_get(state_of(&now), "MonitorPid"));
	/* (Not mc_container_refresh(): it would take the lock we hold.) */
	if (mc_container_running(&now) &&
	    process_alive(mc_state_pid(&now),
	                  (unsigned long long)json_integer_value(
	                      json_object_get(state_of(&now), "PidStartTime")))) {
		*running = true;
		rc = 0;
	} else if (monitor_alive(&now)) {
		mc_fail(err, 0,
		        "cannot start container %s: another minicontainer (pid %d) is starting it",
		        mc_container_name(&now), (int)who);
	} else if (root_held(&now)) {
		mc_fail(err, EBUSY,
		        "cannot start container %s: a copy (cp) into or out of it is in progress",
		        mc_container_name(&now));
	} else {
		/* Ours now: a second `start` racing with us sees this and stops.  A start by
		 * hand gives the restart policy back (moby's containerStart clears
		 * HasBeenManuallyStopped). */
		json_t *changes = json_pack(
		    "{s:s, s:b, s:i, s:i, s:s, s:b, s:I, s:I, s:b}", "Status", "created", "Running",
		    0, "Pid", 0, "ExitCode", 0, "Error", "", "OOMKilled", 0, "MonitorPid",
		    (json_int_t)getpid(), "MonitorStartTime",
		    (json_int_t)process_start_time(getpid(), &zombie), "ManuallyStopped", 0);

		rc = update_state_locked(c, changes, NULL, 0, err);
		json_decref(changes);
	}
	mc_container_free(&now);
	mc_containers_unlock(lock);
	return rc;
}

int mc_container_set_running(struct mc_container *c, pid_t pid, struct mc_error *err)
{
	bool zombie;
	char now[64];
	int rc;

	mc_trace("capstone", "container %.12s is running: PID %d on the host", c->id, (int)pid);
	mc_rfc3339_now(now, sizeof(now));
	/* Who watches it: this process.  rm -f waits for it to finish cleaning up. */
	rc = set_state(c,
	               json_pack("{s:s, s:b, s:b, s:i, s:i, s:s, s:s, s:b, s:I, s:I, s:I}",
	                         "Status", "running", "Running", 1, "Paused", 0, "Pid", (int)pid,
	                         "ExitCode", 0, "StartedAt", now, "Error", "", "OOMKilled", 0,
	                         "PidStartTime", (json_int_t)process_start_time(pid, &zombie),
	                         "MonitorPid", (json_int_t)getpid(), "MonitorStartTime",
	                         (json_int_t)process_start_time(getpid(), &zombie)),
	               NULL, 0, err);
	if (rc == 0)
		mc_event_container(c, "start", NULL, NULL);
	return rc;
}

int mc_container_set_restarting(struct mc_container *c, int exit_code, int restart_count,
                                struct mc_error *err)
{
	char now[64];

	mc_rfc3339_now(now, sizeof(now));
	json_object_set_new(c->doc, "RestartCount", json_integer(restart_count));
	if (set_state(c,
	              json_pack("{s:s, s:b, s:b, s:i, s:i, s:s}", "Status", "restarting", "Running",
	                        0, "Restarting", 1, "Pid", 0, "ExitCode", exit_code, "FinishedAt",
	                        now),
	              NULL, 0, err) < 0)
		return -1;
	return set_top(c, "RestartCount", json_integer(restart_count), err);
}

int mc_container_set_stopped_by_hand(struct mc_container *c, bool stopped, struct mc_error *err)
{
	return set_state(c, json_pack("{s:b}", "ManuallyStopped", stopped), NULL, 0, err);
}

int mc_container_set_exited(struct mc_container *c, int exit_code, bool oom_killed,
                            const char *error, struct mc_error *err)
{
	char now[64], before[32], code[16];
	int rc;

	mc_trace("capstone", "container %.12s exited: code %d%s", c->id, exit_code,
	         oom_killed ? ", OOM killed" : "");

	mc_rfc3339_now(now, sizeof(now));
	rc = set_state(c,
	               json_pack("{s:s, s:b, s:b, s:b, s:i, s:i, s:b, s:s, s:s}", "Status",
	                         "exited", "Running", 0, "Paused", 0, "Restarting", 0, "Pid", 0,
	                         "ExitCode", exit_code, "OOMKilled", oom_killed, "FinishedAt", now,
	                         "Error", error ? error : ""),
	               before, sizeof(before), err);
	/* "die" once, for a process that lived (not again after a restart policy gave up). */
	if (rc == 0 && (strcmp(before, "running") == 0 || strcmp(before, "paused") == 0)) {
		if (oom_killed)
			mc_event_container(c, "oom", NULL, NULL);
		snprintf(code, sizeof(code), "%d", exit_code);
		mc_event_container(c, "die", "exitCode", code);
	}
	return rc;
}

static void wait_for_monitor(const struct mc_container *c)
{
	for (int i = 0; i < 200 && monitor_alive(c); i++)
		usleep(50000);
}

int mc_container_cgroup(const struct mc_container *c, struct cgroup *cg, struct mc_error *err)
{
	memset(cg, 0, sizeof(*cg));
	if (cg_detect_mode(CG_DEFAULT_MOUNT, &cg->mode, err) < 0)
		return -1;
	snprintf(cg->mount, sizeof(cg->mount), "%s", CG_DEFAULT_MOUNT);
	snprintf(cg->path, sizeof(cg->path), "%s/%s", CG_DEFAULT_PARENT, c->id);
	return 0;
}

/*
 * The lock a stopped container's root is held with while `cp` has it
 * mounted (in a mount namespace of its own): MC_ROOT/containers/<id>/.root.lock.
 * Two overlay mounts of one upper layer at once are undefined behaviour in
 * overlayfs, so `start` refuses while it is held, and `rm` waits for it.
 */
static int open_root_lock(const struct mc_container *c, struct mc_error *err)
{
	char path[PATH_MAX];
	int fd;

	if (mc_path_join(path, sizeof(path), c->dir, ".root.lock", err) < 0)
		return -1;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return mc_fail(err, errno, "open %s", path);
	return fd;
}

/* Is the root held by a `cp` right now?  (Callers hold the containers' lock.) */
static bool root_held(const struct mc_container *c)
{
	struct mc_error ignored;
	int fd = open_root_lock(c, &ignored);
	bool held;

	if (fd < 0)
		return false;
	held = flock(fd, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK;
	close(fd);
	return held;
}

int mc_container_hold_root(struct mc_container *c, int *lock_fd, bool *running,
                           struct mc_error *err)
{
	struct mc_container now;
	int fd, lock = -1, rc = -1;

	*lock_fd = -1;
	*running = false;
	/* First the root's lock (another cp may have it: wait), then a look under the
	 * containers' lock: between the two, a `start` may have begun. */
	fd = open_root_lock(c, err);
	if (fd < 0)
		return -1;
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR) {
			mc_fail(err, errno, "lock the root of %.12s", c->id);
			goto out;
		}
	if (lock_and_reload(c, &lock, &now, err) < 0)
		goto out;
	mc_containers_unlock(lock);
	lock = -1;
	mc_container_refresh(&now);
	if (mc_container_running(&now)) {
		*running = true;
		rc = 0;
	} else if (monitor_alive(&now)) {
		mc_fail(err, 0, "container %s is starting or restarting: try again when it runs",
		        mc_container_name(&now));
	} else {
		*lock_fd = fd;
		fd = -1;
		rc = 0;
	}
	json_object_set(c->doc, "State", state_of(&now));
	mc_container_free(&now);
out:
	mc_containers_unlock(lock);
	if (fd >= 0)
		close(fd);
	return rc;
}

int mc_container_remove(struct mc_container *c, struct mc_error *err)
{
	struct cgroup cg;
	struct mc_error ignored;
	char path[PATH_MAX];
	int lock = -1, root, rc = -1;

	/* The cgroup first: destroying it kills whatever still runs inside. */
	if (mc_container_cgroup(c, &cg, &ignored) == 0 && cg_destroy(&cg, err) < 0)
		return -1;
	/* Its monitor (a `run` or the background `start`) now sees the end and
	 * cleans up its mounts and writes the record one last time: let it
	 * finish before the files go, or the two of us race. */
	wait_for_monitor(c);
	/* Its addresses, and whatever a killed run left: links, ports, names (chapter 05). */
	if (mc_net_release(c, err) < 0)
		return -1;
	/* A `cp` that has the stopped root mounted finishes first. */
	root = open_root_lock(c, &ignored);
	while (root >= 0 && flock(root, LOCK_EX) < 0 && errno == EINTR)
		;
	if (mc_containers_lock(&lock, err) < 0)
		goto out;
	snprintf(path, sizeof(path), "%s/%s", mc_run_dir(), c->id);
	mc_remove_tree(path, &ignored);
	if (mc_remove_tree(c->dir, err) < 0)
		goto out;
	mc_event_container(c, "destroy", NULL, NULL);
	rc = 0;
out:
	mc_containers_unlock(lock);
	if (root >= 0)
		close(root);
	return rc;
}

/* ---- pause, unpause, rename ----------------------------------------------------------------- */

int mc_container_set_paused(struct mc_container *c, bool paused, struct mc_error *err)
{
	struct mc_container now;
	struct cgroup cg;
	int lock, rc = -1;

	if (lock_and_reload(c, &lock, &now, err) < 0)
		return -1;
	/* moby's daemon/pause.go and unpause.go, in their order and words. */
	if (paused && !mc_container_running(&now) &&
	    strcmp(mc_state_status(&now), "restarting") != 0)
		mc_fail(err, 0, "container %s is not running", c->id);
	else if (paused && strcmp(mc_state_status(&now), "paused") == 0)
		mc_fail(err, 0, "Container %s is already paused", c->id);
	else if (paused && strcmp(mc_state_status(&now), "restarting") == 0)
		mc_fail(err, 0, "Container %s is restarting, wait until the container is running",
		        c->id);
	else if (!paused && strcmp(mc_state_status(&now), "paused") != 0)
		mc_fail(err, 0, "Container %s is not paused", c->id);
	else if (mc_container_cgroup(c, &cg, err) == 0 && cg_freeze(&cg, paused, err) == 0) {
		json_t *changes = json_pack("{s:s, s:b}", "Status", paused ? "paused" : "running",
		                            "Paused", paused);

		mc_trace("capstone", "container %.12s %s: its cgroup's freezer", c->id,
		         paused ? "frozen" : "thawed");
		rc = update_state_locked(c, changes, NULL, 0, err);
		json_decref(changes);
	}
	mc_container_free(&now);
	mc_containers_unlock(lock);
	if (rc == 0)
		mc_event_container(c, paused ? "pause" : "unpause", NULL, NULL);
	return rc;
}

int mc_container_rename(struct mc_container *c, const char *name, struct mc_error *err)
{
	struct mc_container now, other;
	struct mc_error ignored;
	char old[300];
	int lock, rc = -1;

	/* moby's daemon/rename.go: the name's form, the same name, then a conflict. */
	if (name[0] == '/')
		name++;
	if (!valid_name(name))
		return mc_fail(err, 0,
		               "Invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are "
		               "allowed",
		               name);
	if (lock_and_reload(c, &lock, &now, err) < 0)
		return -1;
	snprintf(old, sizeof(old), "/%s", mc_container_name(&now));
	if (strcmp(old + 1, name) == 0) {
		mc_fail(err, 0, "Renaming a container with the same name as its current name");
	} else if (name_taken(name) && mc_container_load(name, &other, &ignored) == 0) {
		mc_fail(err, 0,
		        "Error when allocating new name: Conflict. The container name \"/%s\" is "
		        "already in use by container \"%s\". You have to remove (or rename) that "
		        "container to be able to reuse that name.",
		        name, other.id);
		mc_container_free(&other);
	} else {
		json_object_set_new(now.doc, "Name", json_pack("s+", "/", name));
		rc = save_doc(now.dir, now.doc, err);
		if (rc == 0)
			json_object_set(c->doc, "Name", json_object_get(now.doc, "Name"));
	}
	mc_container_free(&now);
	mc_containers_unlock(lock);
	if (rc == 0)
		mc_event_container(c, "rename", "oldName", old);
	return rc;
}
