/* verbs.c - the table of commands, and the --help that lists them (mc_verbs.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mc.h"
#include "mc_verbs.h"

/* clang-format off */
const struct mc_group mc_groups[] = {
    {"builder", "Manage builds"},
    {"container", "Manage containers"},
    {"image", "Manage images"},
    {"network", "Manage networks"},
    {"system", "Manage minicontainer"},
    {"volume", "Manage volumes"},
    {NULL, NULL},
};
/* clang-format on */

/* clang-format off */
const struct mc_verb mc_verbs[] = {
    /* group        names             shortcut   command              run            starts  common */
    {"builder",   "build",           NULL,      &mc_cmd_build,        verb_build,    true,  0},
    {"builder",   "prune",           NULL,      &mc_cmd_builder_prune, verb_builder_prune, false, 0},
    {"container", "attach",          "attach",  &mc_cmd_attach,       verb_attach,   false, 0},
    {"container", "commit",          "commit",  &mc_cmd_commit,       verb_commit,   false, 0},
    {"container", "cp",              "cp",      &mc_cmd_cp,           verb_cp,       false, 0},
    {"container", "create",          "create",  &mc_cmd_create,       verb_create,   false, 0},
    {"container", "diff",            "diff",    &mc_cmd_diff,         verb_diff,     false, 0},
    {"container", "exec",            "exec",    &mc_cmd_exec,         verb_exec,     true,  2},
    {"container", "explain",         "explain", &mc_cmd_explain,      verb_explain,  false, 0},
    {"container", "inspect",         NULL,      &mc_cmd_container_inspect, verb_container_inspect, false, 0},
    {"container", "kill",            "kill",    &mc_cmd_kill,         verb_kill,     false, 0},
    {"container", "logs",            "logs",    &mc_cmd_logs,         verb_logs,     false, 0},
    {"container", "ls list ps",      "ps",      &mc_cmd_ps,           verb_ps,       false, 3},
    {"container", "pause",           "pause",   &mc_cmd_pause,        verb_pause,    false, 0},
    {"container", "prune",           NULL,      &mc_cmd_container_prune, verb_container_prune, false, 0},
    {"container", "rename",          "rename",  &mc_cmd_rename,       verb_rename,   false, 0},
    {"container", "restart",         "restart", &mc_cmd_restart,      verb_restart,  true,  0},
    {"container", "rm remove",       "rm",      &mc_cmd_rm,           verb_rm,       false, 0},
    {"container", "run",             "run",     &mc_cmd_run,          verb_run,      true,  1},
    {"container", "start",           "start",   &mc_cmd_start,        verb_start,    true,  0},
    {"container", "stats",           "stats",   &mc_cmd_stats,        verb_stats,    false, 0},
    {"container", "stop",            "stop",    &mc_cmd_stop,         verb_stop,     false, 0},
    {"container", "top",             "top",     &mc_cmd_top,          verb_top,      false, 0},
    {"container", "unpause",         "unpause", &mc_cmd_unpause,      verb_unpause,  false, 0},
    {"container", "wait",            "wait",    &mc_cmd_wait,         verb_wait,     false, 0},
    {"image",     "build",           "build",   &mc_cmd_build,        verb_build,    true,  4},
    {"image",     "history",         "history", &mc_cmd_history,      verb_history,  false, 0},
    {"image",     "import",          "import",  &mc_cmd_import,       verb_import,   false, 0},
    {"image",     "inspect",         NULL,      &mc_cmd_image_inspect, verb_image_inspect, false, 0},
    {"image",     "load",            "load",    &mc_cmd_load,         verb_load,     false, 0},
    {"image",     "prune",           NULL,      &mc_cmd_image_prune,  verb_image_prune, false, 0},
    {"image",     "pull",            "pull",    &mc_cmd_pull,         verb_pull,     false, 5},
    {"image",     "push",            "push",    &mc_cmd_push,         verb_push,     false, 6},
    {"image",     "ls list",         "images",  &mc_cmd_images,       verb_images,   false, 7},
    {"image",     "rm remove",       "rmi",     &mc_cmd_rmi,          verb_rmi,      false, 0},
    {"image",     "save",            "save",    &mc_cmd_save,         verb_save,     false, 0},
    {"image",     "tag",             "tag",     &mc_cmd_tag,          verb_tag,      false, 0},
    {"container", "port",            "port",    &mc_cmd_port,         verb_port,     false, 0},
    {"network",   "connect",         NULL,      &mc_cmd_network_connect, verb_network_connect, false, 0},
    {"network",   "create",          NULL,      &mc_cmd_network_create, verb_network_create, false, 0},
    {"network",   "disconnect",      NULL,      &mc_cmd_network_disconnect, verb_network_disconnect, false, 0},
    {"network",   "inspect",         NULL,      &mc_cmd_network_inspect, verb_network_inspect, false, 0},
    {"network",   "ls list",         NULL,      &mc_cmd_network_ls,   verb_network_ls, false, 0},
    {"network",   "prune",           NULL,      &mc_cmd_network_prune, verb_network_prune, false, 0},
    {"network",   "rm remove",       NULL,      &mc_cmd_network_rm,   verb_network_rm, false, 0},
    {"system",    "df",              NULL,      &mc_cmd_system_df,    verb_system_df, false, 0},
    {"system",    "events",          "events",  &mc_cmd_events,       verb_events,   false, 0},
    {"system",    "info",            "info",    &mc_cmd_info,         verb_info,     false, 12},
    {"system",    "prune",           NULL,      &mc_cmd_system_prune, verb_system_prune, false, 0},
    {"volume",    "create",          NULL,      &mc_cmd_volume_create, verb_volume_create, false, 0},
    {"volume",    "inspect",         NULL,      &mc_cmd_volume_inspect, verb_volume_inspect, false, 0},
    {"volume",    "ls list",         NULL,      &mc_cmd_volume_ls,    verb_volume_ls, false, 0},
    {"volume",    "prune",           NULL,      &mc_cmd_volume_prune, verb_volume_prune, false, 0},
    {"volume",    "rm remove",       NULL,      &mc_cmd_volume_rm,    verb_volume_rm, false, 0},
    {NULL,        "inspect",         "inspect", &mc_cmd_inspect,      verb_inspect,  false, 0},
    {NULL,        "login",           "login",   &mc_cmd_login,        verb_login,    false, 8},
    {NULL,        "logout",          "logout",  &mc_cmd_logout,       verb_logout,   false, 9},
    {NULL,        "completion",      "completion", &mc_cmd_completion, verb_completion, false, 0},
    /* (hidden: names starting with "__" are for the shell scripts, not in --help) */
    {NULL,        "__complete",      "__complete", &mc_cmd___complete, verb___complete, false, 0},
    {NULL,        "__man",           "__man",   &mc_cmd___man,        verb___man,    false, 0},
    {NULL,        "version",         "version", &mc_cmd_version,      verb_version,  false, 11},
    {NULL, NULL, NULL, NULL, NULL, false, 0},
};
/* clang-format on */

const struct mc_verb *mc_current_verb;
char mc_current_path[64];

/* Is `word` one of the space-separated `names`? */
static bool among(const char *names, const char *word)
{
	size_t len = strlen(word);

	for (const char *p = names; *p != '\0'; p += strcspn(p, " "), p += strspn(p, " "))
		if (strncmp(p, word, len) == 0 && (p[len] == ' ' || p[len] == '\0'))
			return true;
	return false;
}

bool mc_is_group(const char *word)
{
	for (const struct mc_group *g = mc_groups; g->name != NULL; g++)
		if (strcmp(g->name, word) == 0)
			return true;
	return false;
}

const struct mc_verb *mc_verb_find(int argc, char **argv, int *used)
{
	if (argc >= 2 && mc_is_group(argv[0])) {
		for (const struct mc_verb *v = mc_verbs; v->cmd != NULL; v++)
			if (v->group != NULL && strcmp(v->group, argv[0]) == 0 &&
			    among(v->names, argv[1])) {
				*used = 2;
				return v;
			}
		return NULL;
	}
	for (const struct mc_verb *v = mc_verbs; v->cmd != NULL; v++)
		if (v->shortcut != NULL && strcmp(v->shortcut, argv[0]) == 0) {
			*used = 1;
			return v;
		}
	return NULL;
}

void mc_verb_aliases(const struct mc_verb *v, char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	/* Every row of the same command: `image build`, `builder build`, `build`. */
	for (const struct mc_verb *r = mc_verbs; r->cmd != NULL; r++) {
		if (r->cmd != v->cmd)
			continue;
		if (r->group != NULL)
			for (const char *p = r->names; *p != '\0';
			     p += strcspn(p, " "), p += strspn(p, " "))
				used +=
				    (size_t)snprintf(buf + used, used < size ? size - used : 0,
				                     "%sminicontainer %s %.*s", used ? ", " : "",
				                     r->group, (int)strcspn(p, " "), p);
		if (r->shortcut != NULL && used < size)
			used += (size_t)snprintf(buf + used, size - used, "%sminicontainer %s",
			                         used ? ", " : "", r->shortcut);
	}
}

/* The first of the names: "ls" of "ls list ps". */
static void first_name(const struct mc_verb *v, char *buf, size_t size)
{
	snprintf(buf, size, "%.*s", (int)strcspn(v->names, " "), v->names);
}

static const char *sort_key(const struct mc_verb *v, bool in_group)
{
	return in_group || v->shortcut == NULL ? v->names : v->shortcut;
}

static int by_name(const void *a, const void *b)
{
	const struct mc_verb *x = *(const struct mc_verb *const *)a;
	const struct mc_verb *y = *(const struct mc_verb *const *)b;

	return strcmp(sort_key(x, false), sort_key(y, false));
}

static int by_name_in_group(const void *a, const void *b)
{
	const struct mc_verb *x = *(const struct mc_verb *const *)a;
	const struct mc_verb *y = *(const struct mc_verb *const *)b;

	return strcmp(x->names, y->names);
}

static int by_rank(const void *a, const void *b)
{
	return (*(const struct mc_verb *const *)a)->common -
	       (*(const struct mc_verb *const *)b)->common;
}

enum { MAX_VERBS = 128 };

void mc_print_main_help(FILE *out)
{
	const struct mc_verb *common[MAX_VERBS], *other[MAX_VERBS];
	size_t nc = 0, no = 0;

	for (const struct mc_verb *v = mc_verbs; v->cmd != NULL && no < MAX_VERBS; v++) {
		if (v->common > 0)
			common[nc++] = v;
		else if (v->shortcut != NULL && strncmp(v->shortcut, "__", 2) != 0)
			other[no++] = v;
	}
	qsort(common, nc, sizeof(common[0]), by_rank);
	qsort(other, no, sizeof(other[0]), by_name);
	fprintf(out, "Usage:  minicontainer [OPTIONS] COMMAND\n\n"
	             "A daemonless, Docker-compatible container tool, built chapter by chapter.\n\n"
	             "Common Commands:\n");
	for (size_t i = 0; i < nc; i++)
		fprintf(out, "  %-11s %s\n", common[i]->shortcut, common[i]->cmd->summary);
	fprintf(out, "\nManagement Commands:\n");
	for (const struct mc_group *g = mc_groups; g->name != NULL; g++)
		fprintf(out, "  %-11s %s\n", g->name, g->summary);
	fprintf(out, "\nCommands:\n");
	for (size_t i = 0; i < no; i++)
		fprintf(out, "  %-11s %s\n", other[i]->shortcut, other[i]->cmd->summary);
	fprintf(out,
	        "\nGlobal Options:\n"
	        "      --trace[=CHAPTERS]  Narrate every kernel call, with the chapter it\n"
	        "                          comes from (only CHAPTERS: ch01,ch02,...,capstone)\n"
	        "      --trace-step        As --trace, and wait for Enter after each call\n"
	        "  -h, --help              Print usage\n"
	        "\nRun 'minicontainer COMMAND --help' for more information on a command.\n"
	        "State lives in $MC_ROOT (default /var/lib/minicontainer) and $MC_RUNDIR\n"
	        "(default /run/minicontainer).\n");
}

void mc_print_group_help(FILE *out, const char *group)
{
	const struct mc_verb *list[MAX_VERBS];
	const char *summary = "";
	size_t n = 0;

	for (const struct mc_group *g = mc_groups; g->name != NULL; g++)
		if (strcmp(g->name, group) == 0)
			summary = g->summary;
	for (const struct mc_verb *v = mc_verbs; v->cmd != NULL && n < MAX_VERBS; v++)
		if (v->group != NULL && strcmp(v->group, group) == 0)
			list[n++] = v;
	qsort(list, n, sizeof(list[0]), by_name_in_group);
	fprintf(out, "Usage:  minicontainer %s COMMAND\n\n%s\n\nCommands:\n", group, summary);
	for (size_t i = 0; i < n; i++) {
		char name[32];

		first_name(list[i], name, sizeof(name));
		fprintf(out, "  %-11s %s\n", name, list[i]->cmd->summary);
	}
	fprintf(out, "\nRun 'minicontainer %s COMMAND --help' for more information on a command.\n",
	        group);
}
