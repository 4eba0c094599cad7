/*
 * mc_events.h - what happened, for `minicontainer events`.
 *
 * Docker's daemon sees every container start and stop, and tells its
 * clients.  There is no daemon here: each minicontainer process that causes
 * something - a `run`, a container's monitor, `stop`, `rmi` - appends one
 * line to MC_ROOT/events/events.log, in the shape of Docker's events API:
 *
 *	{"status":"start","id":"<id>","from":"busybox","Type":"container",
 *	 "Action":"start","Actor":{"ID":"<id>","Attributes":{"image":"busybox",
 *	 "name":"web"}},"scope":"local","time":1733047200,"timeNano":1733047200123456789}
 *
 * One write(2) per line to a file opened O_APPEND: lines of several writers
 * never mix.  Past 1 MiB the file becomes events.log.1 (the one before it is
 * dropped), so the history is bounded.  Recording is best effort: a full disk
 * must not make `run` fail.
 */
#ifndef MC_EVENTS_H
#define MC_EVENTS_H

#include <jansson.h>

#include "mc_container.h"

#define MC_EVENTS_MAX_SIZE (1024 * 1024)

/*
 * A container event: its image and name (and labels) are the attributes,
 * plus `key`=`value` if key is not NULL ("exitCode", "signal", "oldName").
 */
void mc_event_container(const struct mc_container *c, const char *action, const char *key,
                        const char *value);

/* An image event: `id` is the image ID (or a name, for pull); `name` its attribute. */
void mc_event_image(const char *action, const char *id, const char *name);

/* A volume event ("create", "destroy"): `name` is its ID, as Docker's, with its driver. */
void mc_event_volume(const char *action, const char *name);

/* The file, for readers: MC_ROOT/events/events.log. */
void mc_events_path(char *buf, size_t size);

#endif
