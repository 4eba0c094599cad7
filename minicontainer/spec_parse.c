/*
 * spec_parse.c - the values of run's and create's security options:
 * --security-opt and --cap-add/--cap-drop.  (The environment's are in
 * env.c and kvfile.c, the mounts' in mounts.c.)
 *
 * They are untrusted text, so each is a small function of its own: any
 * input gives a value or a clear error.  JSON strings must be UTF-8, so text
 * that is not is refused here rather than lost on the way into the record.
 */
#define _GNU_SOURCE
#include "mc_spec.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cg_cgroups.h"
#include "ns_confine.h"

/*
 * Docker's CLI reads a seccomp profile's file and keeps its text in the
 * record (compacted), so the container does not depend on the file later.
 * The other options are kept in one spelling, the one launch.c reads.
 */
int mc_spec_add_security_opt(struct mc_spec *s, const char *text, struct mc_error *err)
{
	struct ns_security_opt opt;
	json_t *doc = NULL, *value = NULL;
	char *compact = NULL;

	if (ns_security_opt_parse(text, &opt, err) < 0)
		return -1;
	switch (opt.kind) {
	case NS_SECOPT_SECCOMP:
		doc = json_loads(opt.profile, 0, NULL);
		compact = doc ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
		value = compact ? json_sprintf("seccomp=%s", compact) : NULL;
		break;
	case NS_SECOPT_SECCOMP_UNCONFINED:
		value = json_string("seccomp=unconfined");
		break;
	case NS_SECOPT_NO_NEW_PRIVS:
		value = json_string(opt.enabled ? "no-new-privileges" : "no-new-privileges=false");
		break;
	case NS_SECOPT_SYSTEMPATHS:
		value = json_string("systempaths=unconfined");
		break;
	case NS_SECOPT_LSM:
		value = json_string(text);
		break;
	}
	free(compact);
	json_decref(doc);
	free(opt.profile);
	if (value == NULL)
		return mc_fail(err, EINVAL, "--security-opt %.64s: not valid UTF-8 text", text);
	json_array_append_new(s->security_opt, value);
	return 0;
}

int mc_spec_add_cap(json_t *list, const char *name, struct mc_error *err)
{
	ns_caps ignored;

	if (ns_cap_from_name(name, &ignored, err) < 0)
		return -1;
	json_array_append_new(list, json_string(name));
	return 0;
}
