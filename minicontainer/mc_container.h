/*
 * container.h - a container's record: what it was created from and what
 * happened to it.  Stored as MC_ROOT/containers/<id>/config.json, in
 * Docker's own field names, so that `inspect` shows it almost as it is:
 *
 *	{ "Id": ..., "Name": "/quirky_turing", "Created": ..., "Image": "sha256:..",
 *	  "ImageManifest": .., "Path": "/hello", "Args": [],
 *	  "Config": { "Image": "hello-world", "Cmd": [..], "Entrypoint": [..], "Env": [..],
 *	              "WorkingDir": "", "User": "", "Hostname": "..", "Tty": false, ... },
 *	  "HostConfig": { "Binds": [..], "Memory": 0, ..., "AutoRemove": false, ... },
 *	  "State": { "Status": "created|running|exited", "Running": false, "Pid": 0,
 *	             "ExitCode": 0, "OOMKilled": false, "StartedAt": .., "FinishedAt": .. } }
 *
 * Its upper layer is MC_ROOT/containers/<id>/upper.  Every change to any
 * record happens under one flock(2) on MC_ROOT/containers/.lock, and every
 * record is rewritten whole and renamed into place: two minicontainer
 * processes never see - or leave - half a record.
 */
#ifndef MC_CONTAINER_H
#define MC_CONTAINER_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

#include "mc_error.h"

struct mc_container {
	char id[65];
	char dir[512]; /* MC_ROOT/containers/<id> */
	json_t *doc;   /* the record above (owned) */
};

/* The lock around all container records. */
int mc_containers_lock(int *fd, struct mc_error *err);
void mc_containers_unlock(int fd);

/*
 * A new container record: a fresh 64-hex id, the name (NULL: a random
 * Docker-style one; an existing name is an error), Status "created".  `doc`
 * is filled in by the caller and becomes the container's (even on failure).
 */
int mc_container_create(const char *name, json_t *doc, struct mc_container *c,
                        struct mc_error *err);

/* A fresh random 64-hex id (containers', anonymous volumes' names). */
void mc_new_id(char id[65]);

/* Find a container by full id, unique id prefix, or name. */
int mc_container_load(const char *what, struct mc_container *c, struct mc_error *err);
int mc_container_save(const struct mc_container *c, struct mc_error *err);
void mc_container_free(struct mc_container *c);

/* Every container, sorted newest first (a record half-written right now is skipped). */
int mc_container_list(struct mc_container **list, size_t *count, struct mc_error *err);
/* The same, for callers that hold the lock: a record that cannot be read is an error. */
int mc_container_list_strict(struct mc_container **list, size_t *count, struct mc_error *err);

/*
 * Bring the record's State up to date with reality: a "running" container
 * whose process is gone (its minicontainer was killed) becomes "exited".
 */
void mc_container_refresh(struct mc_container *c);

/* Remove what the container left: its cgroup, upper layer and record. */
int mc_container_remove(struct mc_container *c, struct mc_error *err);

/* Small accessors for the record. */
const char *mc_state_status(const struct mc_container *c);
/* Running or paused: its process lives (Docker's State.Running, true for both). */
bool mc_container_running(const struct mc_container *c);
pid_t mc_state_pid(const struct mc_container *c);
const char *mc_container_name(const struct mc_container *c); /* without the "/" */

/*
 * Before starting a container: make it ours, under the lock.  *running is
 * set (and nothing changed) if it runs already; another minicontainer that
 * is starting it right now is an error (EBUSY); otherwise the record is
 * "created" again, with us as the process that will run it.
 */
int mc_container_claim(struct mc_container *c, bool *running, struct mc_error *err);

/* The live process that watches the container (`run`, or a monitor), or 0. */
pid_t mc_container_monitor(const struct mc_container *c);

/*
 * A pidfd of the container's first process - checked to be the very process
 * the record names (pid and start time) - for signals and setns(2).
 */
int mc_container_pidfd(const struct mc_container *c, struct mc_error *err);

/* Record state changes (and save). */
int mc_container_set_running(struct mc_container *c, pid_t pid, struct mc_error *err);
/* Waiting out a restart policy's back-off; RestartCount becomes restart_count. */
int mc_container_set_restarting(struct mc_container *c, int exit_code, int restart_count,
                                struct mc_error *err);
/* `stop`/`kill` say so before they signal: a restart policy must not undo them (Docker's
 * HasBeenManuallyStopped); `start` clears it. */
int mc_container_set_stopped_by_hand(struct mc_container *c, bool stopped, struct mc_error *err);
int mc_container_set_exited(struct mc_container *c, int exit_code, bool oom_killed,
                            const char *error, struct mc_error *err);

/* The container's cgroup (chapter 02): CG_DEFAULT_PARENT/<id>, in this host's mode. */
struct cgroup;
int mc_container_cgroup(const struct mc_container *c, struct cgroup *cg, struct mc_error *err);

/*
 * pause (freeze its cgroup) or unpause, recorded as Status "paused" and
 * State.Paused; Docker's errors for a container that is not running, already
 * paused, restarting or not paused.  Under the lock; the event is recorded.
 */
int mc_container_set_paused(struct mc_container *c, bool paused, struct mc_error *err);

/* Rename, under the lock, with Docker's rules and messages (the event is recorded). */
int mc_container_rename(struct mc_container *c, const char *name, struct mc_error *err);

/*
 * For `cp` on a container that does not run: hold its root, so that no
 * `start` mounts its upper layer while cp has it mounted too (overlayfs
 * forbids two mounts of one upper).  *running is set instead (and nothing
 * held) if it runs; a container being started is an error.  Close *lock_fd
 * to let go.
 */
int mc_container_hold_root(struct mc_container *c, int *lock_fd, bool *running,
                           struct mc_error *err);

/* names.c: "quirky_turing". */
void mc_random_name(char *buf, size_t size);

#endif
