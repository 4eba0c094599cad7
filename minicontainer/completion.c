/*
 * completion.c - shell completion from the table of commands (mc_verbs.h).
 *
 *	minicontainer completion bash|zsh     the script to load in the shell
 *	minicontainer __complete WORD...      what may come next (hidden)
 *
 * The scripts are thin: on TAB they hand the words typed so far to
 * `minicontainer __complete`, which knows the commands, their flags and
 * what their arguments are (containers, images, ...) because it reads the
 * same table --help and the man pages are made from.  (Docker's CLI works
 * the same way, through cobra's __complete.)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mc.h"
#include "mc_container.h"
#include "mc_net.h"
#include "mc_verbs.h"
#include "mc_volume.h"

/* ---- candidates ------------------------------------------------------------------------ */

/* One candidate per line, "word\tdescription" (zsh shows the description), if it fits `cur`. */
static void offer(const char *cur, const char *word, const char *description)
{
	if (strncmp(word, cur, strlen(cur)) != 0)
		return;
	if (description != NULL && description[0] != '\0')
		printf("%s\t%s\n", word, description);
	else
		printf("%s\n", word);
}

enum want {
	WANT_CONTAINERS,
	WANT_RUNNING,
	WANT_STOPPED,
	WANT_IMAGES,
	WANT_OBJECTS,
	WANT_NETWORKS,
	WANT_VOLUMES
};

static void offer_containers(const char *cur, enum want want)
{
	struct mc_container *list;
	struct mc_error ignored;
	size_t n;

	if (mc_container_list(&list, &n, &ignored) < 0)
		return;
	for (size_t i = 0; i < n; i++) {
		const char *status = mc_state_status(&list[i]);
		bool running = strcmp(status, "running") == 0;

		if (want == WANT_CONTAINERS || want == WANT_OBJECTS ||
		    (want == WANT_RUNNING) == running)
			offer(cur, mc_container_name(&list[i]), status);
		mc_container_free(&list[i]);
	}
	free(list);
}

static void offer_images(const char *cur)
{
	struct img_store st;
	struct img_tag *tags;
	struct mc_error ignored;
	size_t n;

	if (mc_open_store(&st, &ignored) < 0)
		return;
	if (img_store_list(&st, &tags, &n, &ignored) == 0) {
		for (size_t i = 0; i < n; i++) {
			struct img_ref ref;
			char name[700];

			if (img_ref_parse(tags[i].name, &ref, &ignored) == 0)
				offer(cur, img_ref_familiar(&ref, name, sizeof(name)), NULL);
		}
		free(tags);
	}
	img_store_close(&st);
}

static void offer_networks(const char *cur)
{
	struct net_network *list;
	struct net_store st;
	struct mc_error ignored;
	size_t n;

	offer(cur, "host", NULL);
	offer(cur, "none", NULL);
	if (mc_net_store(&st, &ignored) < 0 || net_networks_load(&st, &list, &n, &ignored) < 0)
		return;
	for (size_t i = 0; i < n; i++)
		offer(cur, list[i].name, NULL);
	net_networks_free(list, n);
}

static void offer_volumes(const char *cur)
{
	struct mc_error ignored;
	char **names;
	size_t n;

	if (mc_volume_names(&names, &n, &ignored) < 0)
		return;
	for (size_t i = 0; i < n; i++)
		offer(cur, names[i], NULL);
	mc_strv_free(names, n);
}

/* ---- where in the command line are we? ----------------------------------------------- */

static const struct mc_option *find_flag(const struct mc_command *cmd, const char *word)
{
	for (const struct mc_option *o = cmd->options; o != NULL && o->name != NULL; o++) {
		if (word[0] == '-' && word[1] == '-' && strcmp(word + 2, o->name) == 0)
			return o;
		if (word[0] == '-' && word[1] == o->short_name && word[1] != '\0' &&
		    word[2] == '\0')
			return o;
	}
	return NULL;
}

/* The kind of the n-th argument, read from the usage line: "[OPTIONS] CONTAINER [CONTAINER...]". */
static bool argument_kind(const struct mc_verb *v, int n, enum want *want)
{
	char usage[256], *save, *word;
	int at = 0;
	bool found = false;

	snprintf(usage, sizeof(usage), "%s", v->cmd->usage);
	for (word = strtok_r(usage, " ", &save); word != NULL; word = strtok_r(NULL, " ", &save)) {
		bool repeats = strstr(word, "...") != NULL;

		if (strcmp(word, "[OPTIONS]") == 0)
			continue;
		if (at == n || repeats) {
			found = true;
			break;
		}
		at++;
	}
	if (!found)
		return false;
	if (strstr(word, "CONTAINER") != NULL) {
		/* The verbs that need a running container, or a stopped one. */
		if (v->run == verb_exec || v->run == verb_attach || v->run == verb_stop ||
		    v->run == verb_kill)
			*want = WANT_RUNNING;
		else if (v->run == verb_start)
			*want = WANT_STOPPED;
		else
			*want = WANT_CONTAINERS;
	} else if (strstr(word, "IMAGE") != NULL) {
		*want = WANT_IMAGES;
	} else if (strstr(word, "NETWORK") != NULL) {
		*want = WANT_NETWORKS;
	} else if (strstr(word, "VOLUME") != NULL && v->run != verb_volume_create) {
		*want = WANT_VOLUMES;
	} else if (strstr(word, "NAME|ID") != NULL) {
		*want = WANT_OBJECTS;
	} else {
		return false;
	}
	return true;
}

static void offer_commands(const char *cur, const char *group)
{
	for (const struct mc_verb *v = mc_verbs; v->cmd != NULL; v++) {
		char name[32];

		if (group == NULL && v->shortcut != NULL && strncmp(v->shortcut, "__", 2) != 0)
			offer(cur, v->shortcut, v->cmd->summary);
		if (group != NULL && v->group != NULL && strcmp(v->group, group) == 0) {
			/* Every name the group knows it by ("ls", "list", "ps"). */
			for (const char *p = v->names; *p != '\0';
			     p += strcspn(p, " "), p += strspn(p, " ")) {
				snprintf(name, sizeof(name), "%.*s", (int)strcspn(p, " "), p);
				offer(cur, name, v->cmd->summary);
			}
		}
	}
	if (group == NULL)
		for (const struct mc_group *g = mc_groups; g->name != NULL; g++)
			offer(cur, g->name, g->summary);
}

static void offer_flags(const char *cur, const struct mc_command *cmd)
{
	char word[64];

	for (const struct mc_option *o = cmd->options; o != NULL && o->name != NULL; o++) {
		snprintf(word, sizeof(word), "--%s", o->name);
		offer(cur, word, o->help);
		if (o->short_name != 0 && strlen(cur) > 0 && cur[1] != '-') {
			snprintf(word, sizeof(word), "-%c", o->short_name);
			offer(cur, word, o->help);
		}
	}
	offer(cur, "--help", "Print usage");
}

/*
 * argv: the words after "minicontainer", the last one being completed (maybe
 * ""): print what could be typed there.
 */
static int complete(int argc, char **argv)
{
	const char *cur = argc > 0 ? argv[argc - 1] : "";
	const struct mc_verb *v = NULL;
	int i = 0, used, nargs = 0;

	while (i < argc - 1 && argv[i][0] == '-') /* --trace, before the command */
		i++;
	if (i == argc - 1) {
		if (cur[0] == '-') {
			offer(cur, "--trace", "Narrate every kernel call");
			offer(cur, "--help", "Print usage");
		} else {
			offer_commands(cur, NULL);
		}
		return 0;
	}
	if (mc_is_group(argv[i]) && i + 1 == argc - 1) {
		offer_commands(cur, argv[i]);
		return 0;
	}
	v = mc_verb_find(argc - 1 - i, argv + i, &used);
	if (v == NULL)
		return 0;
	/* The words between the command and the cursor: flags, their values, arguments. */
	for (i += used; i < argc - 1; i++) {
		const struct mc_option *o = find_flag(v->cmd, argv[i]);

		if (o != NULL && o->arg_name != NULL && strchr(argv[i], '=') == NULL) {
			i++; /* its value */
			continue;
		}
		if (argv[i][0] == '-' && argv[i][1] != '\0')
			continue;
		nargs++;
		if (v->cmd->command_follows)
			return 0; /* run IMAGE ..., exec CONTAINER ...: the rest is the command's */
	}
	/* The value of a flag: the shell's own file names (nothing printed). */
	if (argc >= 2 && find_flag(v->cmd, argv[argc - 2]) != NULL &&
	    find_flag(v->cmd, argv[argc - 2])->arg_name != NULL)
		return 0;
	if (cur[0] == '-') {
		offer_flags(cur, v->cmd);
		return 0;
	}
	{
		enum want want;

		if (!argument_kind(v, nargs, &want))
			return 0;
		if (want == WANT_NETWORKS) {
			offer_networks(cur);
			return 0;
		}
		if (want == WANT_VOLUMES) {
			offer_volumes(cur);
			return 0;
		}
		if (want == WANT_IMAGES || want == WANT_OBJECTS)
			offer_images(cur);
		if (want != WANT_IMAGES)
			offer_containers(cur, want);
	}
	return 0;
}

const struct mc_command mc_cmd___complete = {
    .name = "__complete",
    .usage = "WORD...",
    .summary = "What may come next on a command line (for the shell's completion)",
    .min_args = 0,
    .max_args = -1,
    .command_follows = true,
};

int verb___complete(int argc, char **argv)
{
	/* No option parsing: every word, flags included, is the user's command line. */
	return complete(argc - 1, argv + 1);
}

/* ---- the scripts ----------------------------------------------------------------------- */

static const char bash_script[] =
    "# bash completion for minicontainer (from `minicontainer completion bash`)\n"
    "#\n"
    "#   source <(minicontainer completion bash)\n"
    "# or, for every shell:\n"
    "#   minicontainer completion bash > /etc/bash_completion.d/minicontainer\n"
    "_minicontainer() {\n"
    "\tlocal IFS=$'\\n' line\n"
    "\tCOMPREPLY=()\n"
    "\twhile IFS= read -r line; do\n"
    "\t\tCOMPREPLY+=(\"${line%%$'\\t'*}\")\n"
    "\tdone < <(\"${COMP_WORDS[0]}\" __complete \"${COMP_WORDS[@]:1:COMP_CWORD}\" "
    "2>/dev/null)\n"
    "}\n"
    "# -o default: nothing offered (a flag's value, a path) -> the file names\n"
    "complete -o default -F _minicontainer minicontainer\n";

static const char zsh_script[] =
    "#compdef minicontainer\n"
    "# zsh completion for minicontainer (from `minicontainer completion zsh`)\n"
    "#\n"
    "#   source <(minicontainer completion zsh)\n"
    "# or save it as _minicontainer in a directory of $fpath.\n"
    "_minicontainer() {\n"
    "\tlocal -a lines described\n"
    "\tlocal line word\n"
    "\tlines=(\"${(@f)$(${words[1]} __complete \"${(@)words[2,CURRENT]}\" 2>/dev/null)}\")\n"
    "\tfor line in $lines; do\n"
    "\t\t[[ -n $line ]] || continue\n"
    "\t\t# \"word<TAB>description\" -> \"word:description\", a ':' in the word escaped\n"
    "\t\tword=${${line%%$'\\t'*}//:/\\\\:}\n"
    "\t\tif [[ $line == *$'\\t'* ]]; then\n"
    "\t\t\tdescribed+=(\"$word:${line#*$'\\t'}\")\n"
    "\t\telse\n"
    "\t\t\tdescribed+=(\"$word\")\n"
    "\t\tfi\n"
    "\tdone\n"
    "\tif (( ${#described} )); then\n"
    "\t\t_describe 'minicontainer' described\n"
    "\telse\n"
    "\t\t_files\n"
    "\tfi\n"
    "}\n"
    "if [[ $funcstack[1] = _minicontainer ]]; then\n"
    "\t_minicontainer \"$@\"\n"
    "else\n"
    "\tcompdef _minicontainer minicontainer\n"
    "fi\n";

const struct mc_command mc_cmd_completion = {
    .name = "completion",
    .usage = "bash|zsh",
    .summary = "Generate the autocompletion script for the specified shell",
    .min_args = 1,
    .max_args = 1,
};

int verb_completion(int argc, char **argv)
{
	int first, rc;

	if ((rc = mc_parse_verb(&mc_cmd_completion, NULL, argc, argv, &first)) >= 0)
		return rc;
	if (strcmp(argv[first], "bash") == 0)
		fputs(bash_script, stdout);
	else if (strcmp(argv[first], "zsh") == 0)
		fputs(zsh_script, stdout);
	else
		return mc_usage_error(mc_current_path, "unsupported shell \"%s\": bash or zsh",
		                      argv[first]);
	return 0;
}
