/* push.c - `minicontainer push NAME[:TAG]`: an image of the store to its registry. */
#include <stddef.h>
#include <stdio.h>
#include <unistd.h>
#include <string.h>

#include "mc.h"
#include "mc_events.h"
#include "mc_registry.h"

#define F(field) offsetof(struct mc_registry_flags, field)
static const struct mc_option push_options[] = {
    {"cert-dir", 0, "string", MC_CERT_DIR_HELP, mc_opt_string, F(o.registry.cert_dir)},
    {"quiet", 'q', NULL, "Suppress verbose output", mc_opt_true, F(quiet)},
    {"tls-verify", 0, NULL, MC_TLS_VERIFY_HELP, mc_opt_tls_verify, F(o.registry.tls_verify)},
    {NULL, 0, NULL, NULL, NULL, 0},
};
#undef F

const struct mc_command mc_cmd_push = {
    .name = "push",
    .usage = "[OPTIONS] NAME[:TAG]",
    .summary = "Upload an image to a registry",
    .options = push_options,
    .min_args = 1,
    .max_args = 1,
};

int verb_push(int argc, char **argv)
{
	struct mc_registry_flags f = {.o = {.registry = {.tls_verify = -1}}};
	struct img_push_result res;
	struct mc_progress pr;
	struct img_store st;
	struct mc_error err;
	int rc, first;

	if ((rc = mc_parse_verb(&mc_cmd_push, &f, argc, argv, &first)) >= 0)
		return rc;
	if (mc_open_store(&st, &err) < 0)
		return mc_report(&err);
	mc_progress_init(&pr, stdout, f.quiet);
	f.o.progress = mc_progress_event;
	f.o.progress_arg = &pr;
	{
		struct img_ref ref;

		/* Docker's first line names the repository, with its registry. */
		if (img_ref_parse(argv[first], &ref, &err) == 0)
			mc_progress_line(&pr, "The push refers to repository [%s/%s]", ref.registry,
			                 ref.repository);
	}
	rc = img_push(&st, argv[first], &f.o, &res, &err);
	img_store_close(&st);
	mc_progress_free(&pr);
	if (rc < 0)
		return mc_report(&err);
	{
		struct img_ref ref;
		char familiar[700];

		if (img_ref_parse(argv[first], &ref, &err) == 0)
			mc_event_image("push", img_ref_familiar(&ref, familiar, sizeof(familiar)),
			               familiar);
	}
	if (f.quiet)
		printf("%s\n", argv[first]);
	else
		printf("%s: digest: %s size: %llu\n", res.reference, res.digest,
		       (unsigned long long)res.size);
	return 0;
}
