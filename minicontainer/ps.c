/* ps.c - `minicontainer ps`: the containers, as Docker lists them. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mc_container.h"
#include "mc.h"
#include "mc_net.h"

/* "Up 5 seconds", "Exited (0) 2 minutes ago", "Created". */
static void status_text(const struct mc_container *c, char *buf, size_t size)
{
	json_t *state = json_object_get(c->doc, "State");
	const char *status = mc_state_status(c);
	char ago[64];

	if (strcmp(status, "running") == 0) {
		mc_human_ago(
		    mc_parse_rfc3339(json_string_value(json_object_get(state, "StartedAt"))),
		    time(NULL), ago, sizeof(ago));
		/* Docker says "Up 5 seconds": the same words without "ago". */
		if (strlen(ago) > 4 && strcmp(ago + strlen(ago) - 4, " ago") == 0)
			ago[strlen(ago) - 4] = '\0';
		snprintf(buf, size, "Up %s", ago);
	} else if (strcmp(status, "exited") == 0) {
		mc_human_ago(
		    mc_parse_rfc3339(json_string_value(json_object_get(state, "FinishedAt"))),
		    time(NULL), ago, sizeof(ago));
		snprintf(buf, size, "Exited (%lld) %s",
		         (long long)json_integer_value(json_object_get(state, "ExitCode")), ago);
	} else {
		snprintf(buf, size, "Created");
	}
}

/* "\"/bin/sh -c 'echo…\"": the command line, cut to 20 characters. */
static void command_text(const struct mc_container *c, bool no_trunc, char *buf, size_t size)
{
	char line[1024];
	size_t used;
	json_t *arg;
	size_t i;

	used = (size_t)snprintf(line, sizeof(line), "%s",
	                        json_string_value(json_object_get(c->doc, "Path")) ?: "");
	json_array_foreach(json_object_get(c->doc, "Args"), i, arg)
	{
		if (used < sizeof(line))
			used += (size_t)snprintf(line + used, sizeof(line) - used, " %s",
			                         json_string_value(arg));
	}
	if (!no_trunc && strlen(line) > 19)
		snprintf(buf, size, "\"%.19s…\"", line);
	else
		snprintf(buf, size, "\"%s\"", line);
}

struct filter {
	const char *name, *status, *id;
};

static bool matches(const struct mc_container *c, const struct filter *f, bool all)
{
	const char *status = mc_state_status(c);

	if (!all && f->status == NULL && strcmp(status, "running") != 0)
		return false;
	if (f->status != NULL && strcmp(status, f->status) != 0)
		return false;
	if (f->name != NULL && strstr(mc_container_name(c), f->name) == NULL)
		return false;
	if (f->id != NULL && strncmp(c->id, f->id, strlen(f->id)) != 0)
		return false;
	return true;
}

static int add_filter(struct filter *f, const char *text)
{
	if (strncmp(text, "name=", 5) == 0)
		f->name = text + 5;
	else if (strncmp(text, "status=", 7) == 0)
		f->status = text + 7;
	else if (strncmp(text, "id=", 3) == 0)
		f->id = text + 3;
	else
		return -1;
	return 0;
}

int verb_ps(int argc, char **argv)
{
	static const struct option options[] = {
	    {"all", no_argument, NULL, 'a'},      {"quiet", no_argument, NULL, 'q'},
	    {"no-trunc", no_argument, NULL, 'T'}, {"filter", required_argument, NULL, 'f'},
	    {"help", no_argument, NULL, 'h'},     {NULL, 0, NULL, 0},
	};
	bool all = false, quiet = false, no_trunc = false;
	struct filter filter = {NULL, NULL, NULL};
	struct mc_container *list;
	struct mc_table *table;
	struct mc_error err;
	size_t n;
	int opt;

	while ((opt = getopt_long(argc, argv, "+aqf:h", options, NULL)) != -1) {
		if (opt == 'a')
			all = true;
		else if (opt == 'q')
			quiet = true;
		else if (opt == 'T')
			no_trunc = true;
		else if (opt == 'f') {
			if (add_filter(&filter, optarg) < 0)
				return mc_usage_error(
				    "ps", "unknown filter '%s' (name=, status=, id=)", optarg);
		} else if (opt == 'h') {
			printf("Usage:  minicontainer ps [OPTIONS]\n\nList containers\n\nOptions:\n"
			       "  -a, --all             Show all containers (default shows just "
			       "running)\n"
			       "  -f, --filter filter   Filter output: name=, status=, id=\n"
			       "      --no-trunc        Don't truncate output\n"
			       "  -q, --quiet           Only display container IDs\n");
			return 0;
		} else
			return mc_usage_error("ps", "unknown flag");
	}
	if (optind != argc)
		return mc_usage_error("ps", "\"ps\" accepts no arguments");
	if (mc_container_list(&list, &n, &err) < 0)
		return mc_report(&err);
	table = mc_table_new(7);
	if (!quiet)
		mc_table_add(table, (const char *[]){"CONTAINER ID", "IMAGE", "COMMAND", "CREATED",
		                                     "STATUS", "PORTS", "NAMES"});
	for (size_t i = 0; i < n; i++) {
		char id[65], command[1100], created[64], status[128], ports[1024];

		mc_container_refresh(&list[i]);
		if (matches(&list[i], &filter, all)) {
			snprintf(id, sizeof(id), "%.*s", no_trunc ? 64 : 12, list[i].id);
			if (quiet) {
				printf("%s\n", id);
			} else {
				command_text(&list[i], no_trunc, command, sizeof(command));
				mc_human_ago(mc_parse_rfc3339(json_string_value(
				                 json_object_get(list[i].doc, "Created"))),
				             time(NULL), created, sizeof(created));
				status_text(&list[i], status, sizeof(status));
				mc_net_ports(&list[i], ports, sizeof(ports));
				mc_table_add(table, (const char *[]){
				                        id,
				                        json_string_value(json_object_get(
				                            json_object_get(list[i].doc, "Config"),
				                            "Image")),
				                        command, created, status, ports,
				                        mc_container_name(&list[i])});
			}
		}
		mc_container_free(&list[i]);
	}
	if (!quiet)
		mc_table_print(table);
	mc_table_free(table);
	free(list);
	return 0;
}
