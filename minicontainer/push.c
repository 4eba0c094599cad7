/* push.c - `minicontainer push NAME[:TAG]`: an image of the store to its registry. */
#include <stdio.h>
#include <unistd.h>
#include <string.h>

#include "mc.h"
#include "mc_registry.h"

int verb_push(int argc, char **argv)
{
	struct img_pull_opts o;
	struct img_push_result res;
	struct mc_progress pr;
	struct img_store st;
	struct mc_error err;
	bool quiet;
	int rc;

	rc = mc_registry_args(argc, argv, "push", false,
	                      "Usage:  minicontainer push [OPTIONS] NAME[:TAG]\n\n"
	                      "Upload an image to a registry\n\nOptions:\n",
	                      &o, &quiet);
	if (rc != 0)
		return rc == 1 ? 0 : rc;
	if (mc_open_store(&st, &err) < 0)
		return mc_report(&err);
	mc_progress_init(&pr, stdout, quiet);
	o.progress = mc_progress_event;
	o.progress_arg = &pr;
	{
		struct img_ref ref;

		/* Docker's first line names the repository, with its registry. */
		if (img_ref_parse(argv[optind], &ref, &err) == 0)
			mc_progress_line(&pr, "The push refers to repository [%s/%s]", ref.registry,
			                 ref.repository);
	}
	rc = img_push(&st, argv[optind], &o, &res, &err);
	img_store_close(&st);
	mc_progress_free(&pr);
	if (rc < 0)
		return mc_report(&err);
	if (quiet)
		printf("%s\n", argv[optind]);
	else
		printf("%s: digest: %s size: %llu\n", res.reference, res.digest,
		       (unsigned long long)res.size);
	return 0;
}
