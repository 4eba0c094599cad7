/* push.c - `minicontainer push NAME[:TAG]`: an image of the store to its registry. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "mc.h"
#include "mc_registry.h"

int verb_push(int argc, char **argv)
{
	static const struct option options[] = {
	    {"quiet", no_argument, NULL, 'q'},
	    {"tls-verify", optional_argument, NULL, OPT_TLS_VERIFY},
	    {"cert-dir", required_argument, NULL, OPT_CERT_DIR},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct img_pull_opts o = {.registry = {.tls_verify = -1}};
	struct img_push_result res;
	struct mc_progress pr;
	struct img_store st;
	struct mc_error err;
	bool quiet = false;
	int opt, rc;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "+qh", options, NULL)) != -1) {
		if (opt == 'q') {
			quiet = true;
		} else if (opt == OPT_TLS_VERIFY || opt == OPT_CERT_DIR) {
			if (mc_registry_option(opt, optarg, &o.registry, &err) < 0)
				return mc_usage_error("push", "%s", err.msg);
		} else if (opt == 'h') {
			printf("Usage:  minicontainer push [OPTIONS] NAME[:TAG]\n\n"
			       "Upload an image to a registry\n\nOptions:\n"
			       "  -q, --quiet               Suppress verbose output\n"
			       "      --tls-verify[=bool]   Verify TLS (default: yes, except for "
			       "insecure registries)\n"
			       "      --cert-dir string     CA certificates (*.crt) and client "
			       "certificate for the registry\n");
			return 0;
		} else {
			return mc_usage_error("push", "unknown flag or missing value");
		}
	}
	if (optind != argc - 1)
		return mc_usage_error("push", "\"push\" requires exactly 1 argument");
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
