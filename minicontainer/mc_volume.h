/*
 * mc_volume.h - volumes: directories that live outside every container's
 * overlay, so that what a container writes there outlives it (Docker's
 * "local" volume driver, moby's volume/local and daemon/volumes.go).
 *
 *	$MC_ROOT/volumes/NAME/_data        what containers see (the mount's source)
 *	$MC_ROOT/volumes/NAME/volume.json  CreatedAt, Driver, Labels, Options
 *
 * volstore.c keeps the store (create, load, list, remove, who uses one);
 * volcopy.c fills an empty volume from the image ("copy-up"); volume.c is
 * `minicontainer volume ...`.  A container's record lists its volumes in
 * HostConfig.Mounts, as Docker's MountPoints: Type "volume", Name, Source
 * (the _data directory), Destination, Driver, Mode, RW - plus two fields
 * of ours that inspect leaves out: Named (false: an anonymous volume, which
 * rm -v and run --rm remove) and CopyData (false: nocopy).
 */
#ifndef MC_VOLUME_H
#define MC_VOLUME_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "mc_cli.h"
#include "mc_error.h"

/* A volume's name is a directory's: at most NAME_MAX (255) bytes. */
#define MC_VOLUME_NAME_MAX 255

/* Docker's label on the volumes it makes without a name. */
#define MC_VOLUME_ANONYMOUS "com.docker.volume.anonymous"

/* Docker's rule for a local volume's name: [a-zA-Z0-9][a-zA-Z0-9_.-]+ */
bool mc_volume_valid_name(const char *name);
/* The same, with Docker's message ("create NAME: \"NAME\" includes invalid characters ..."). */
int mc_volume_check_name(const char *name, struct mc_error *err);

/*
 * Create the volume `name` (NULL: a new 64-hex name, as Docker's) with its
 * labels and options (objects, or NULL); atomic: it appears whole or not at
 * all.  An existing volume of that name is not an error (Docker returns it):
 * *existed says so.  `out` (MC_VOLUME_NAME_MAX + 1 bytes) receives the name.
 */
int mc_volume_create(const char *name, json_t *labels, json_t *options, char *out, bool *existed,
                     struct mc_error *err);
/* Docker's volume object (CreatedAt, Driver, Labels, Mountpoint, Name, Options, Scope). */
json_t *mc_volume_load(const char *name, struct mc_error *err);
/* Every volume's name, sorted. */
int mc_volume_names(char ***names, size_t *n, struct mc_error *err);
/* $MC_ROOT/volumes/NAME/_data */
int mc_volume_data_path(const char *name, char *buf, size_t size, struct mc_error *err);
/* The containers (ids) whose records mount the volume, stopped ones too; a JSON array. */
json_t *mc_volume_users(const char *name);
/* Remove a volume nobody uses ("volume is in use - [ID]" otherwise). */
int mc_volume_remove(const char *name, struct mc_error *err);
/* The bytes under the volume's _data. */
uint64_t mc_volume_size(const char *name);

/*
 * At create: the image's VOLUMEs and --volumes-from added to the record's
 * Mounts (where no mount of the user's is), anonymous volumes named, and
 * every volume the record mounts created if it does not exist yet.  *made
 * lists the volumes made now (a JSON array): a create that fails later
 * hands it to mc_volumes_undo(), so that a refused create leaves no volume.
 */
int mc_volumes_for_container(json_t *doc, const char *image_config_json,
                             const struct mc_list *volumes_from, json_t **made,
                             struct mc_error *err);
/* Remove the volumes `made` names, and free the list. */
void mc_volumes_undo(json_t *made);
/* rm -v and run --rm: the container's anonymous volumes go (its named ones stay). */
void mc_volumes_release(json_t *doc);

/*
 * Docker's copy-up: when the volume's directory `data` is empty, the
 * image's content at `target` - resolved inside `rootfd`, the container's
 * root - is copied into it, with owners, modes, times and symlinks as they
 * are; the directory itself takes the owner and mode of the image's.
 */
int mc_volume_copy_up(int rootfd, const char *target, const char *data, struct mc_error *err);

#endif
