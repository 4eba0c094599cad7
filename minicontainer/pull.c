/*
 * pull.c - `minicontainer pull NAME`, and the implicit pull of run and
 * create (--pull missing|always|never).  The protocol is chapter 04's
 * (img_pull); this is the command line and Docker's output around it.
 */
#include <stddef.h>
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "mc.h"
#include "mc_events.h"
#include "mc_registry.h"

/*
 * "latest: Pulling from library/busybox" - and for `pull`, "Using default
 * tag" when none was typed (run names the image in full before it pulls).
 */
static int announce(struct mc_progress *pr, const char *name, bool for_run, struct mc_error *err)
{
	const char *slash = strrchr(name, '/');
	struct img_ref ref;

	if (img_ref_parse(name, &ref, err) < 0)
		return -1;
	if (!for_run && strchr(name, '@') == NULL && strchr(slash ? slash : name, ':') == NULL)
		mc_progress_line(pr, "Using default tag: latest");
	mc_progress_line(pr, "%s: Pulling from %s", ref.digest[0] ? ref.digest : ref.tag,
	                 ref.repository);
	return 0;
}

/* "Digest: ..." and "Status: ..." after a pull, as Docker prints them. */
static void conclude(struct mc_progress *pr, const struct img_pull_result *res)
{
	struct mc_error ignored;
	struct img_ref ref;
	char familiar[700];

	if (img_ref_parse(res->full_name, &ref, &ignored) < 0)
		return;
	img_ref_familiar(&ref, familiar, sizeof(familiar));
	mc_progress_line(pr, "Digest: %s", res->digest);
	mc_progress_line(pr, "Status: %s for %s",
	                 res->up_to_date ? "Image is up to date" : "Downloaded newer image",
	                 familiar);
	/* moby names a pulled image by its name in both fields of the event. */
	mc_event_image("pull", familiar, familiar);
}

static int pull_with_progress(struct img_store *st, const char *name, struct img_pull_opts *o,
                              FILE *out, bool quiet, bool for_run, struct img_pull_result *res,
                              struct mc_error *err)
{
	struct mc_progress pr;
	int rc;

	mc_progress_init(&pr, out, quiet);
	o->progress = mc_progress_event;
	o->progress_arg = &pr;
	rc = announce(&pr, name, for_run, err);
	if (rc == 0)
		rc = img_pull(st, name, o, res, err);
	if (rc == 0)
		conclude(&pr, res);
	mc_progress_free(&pr);
	return rc;
}

#define F(field) offsetof(struct mc_registry_flags, field)
static const struct mc_option pull_options[] = {
    {"cert-dir", 0, "string", MC_CERT_DIR_HELP, mc_opt_string, F(o.registry.cert_dir)},
    {"platform", 0, "string", "Set platform if server is multi-platform capable", mc_opt_string,
     F(o.platform)},
    {"quiet", 'q', NULL, "Suppress verbose output", mc_opt_true, F(quiet)},
    {"tls-verify", 0, NULL, MC_TLS_VERIFY_HELP, mc_opt_tls_verify, F(o.registry.tls_verify)},
    {NULL, 0, NULL, NULL, NULL, 0},
};
#undef F

const struct mc_command mc_cmd_pull = {
    .name = "pull",
    .usage = "[OPTIONS] NAME[:TAG|@DIGEST]",
    .summary = "Download an image from a registry",
    .options = pull_options,
    .min_args = 1,
    .max_args = 1,
};

int verb_pull(int argc, char **argv)
{
	struct mc_registry_flags f = {.o = {.registry = {.tls_verify = -1}}};
	struct img_pull_result res;
	struct img_store st;
	struct mc_error err;
	int rc, first;

	if ((rc = mc_parse_verb(&mc_cmd_pull, &f, argc, argv, &first)) >= 0)
		return rc;
	if (mc_open_store(&st, &err) < 0)
		return mc_report(&err);
	rc = pull_with_progress(&st, argv[first], &f.o, stdout, f.quiet, false, &res, &err);
	img_store_close(&st);
	if (rc < 0)
		return mc_report(&err);
	printf("%s\n", res.full_name);
	return 0;
}

/*
 * run and create: the image from the store, pulled first as --pull says:
 * "missing" (the default) when the store does not have it, "always" every
 * time (the registry decides whether anything is new), "never" not at all.
 * The pull's output goes to stderr, as Docker's does for run.
 */
int mc_pull_if_needed(struct img_store *st, const char *image, const char *policy,
                      struct img_image *img, struct mc_error *err)
{
	struct img_pull_opts o = {.registry = {.tls_verify = -1}};
	struct img_pull_result res;
	struct mc_error find_err;
	char familiar[700];
	struct img_ref ref;

	if (policy == NULL)
		policy = "missing";
	if (strcmp(policy, "always") != 0 && img_store_find(st, image, img, &find_err) == 0)
		return 0;
	if (img_ref_parse(image, &ref, err) < 0)
		return -1;
	img_ref_familiar(&ref, familiar, sizeof(familiar));
	if (strcmp(policy, "never") == 0)
		return mc_fail(err, 0, "No such image: %s", familiar);
	if (strcmp(policy, "always") != 0)
		fprintf(stderr, "Unable to find image '%s' locally\n", familiar);
	if (pull_with_progress(st, image, &o, stderr, false, true, &res, err) < 0)
		return -1;
	return img_store_find(st, res.full_name, img, err);
}
