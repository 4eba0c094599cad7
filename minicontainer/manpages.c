/*
 * manpages.c - `minicontainer __man DIR`: a man page for every command,
 * made from the same table as --help (verbs.c), so that the two cannot
 * disagree.  `make man` runs it; `make install` installs the pages:
 *
 *	man minicontainer-run            man minicontainer-container-run
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "mc.h"
#include "mc_file.h"
#include "mc_verbs.h"

/* Text for roff: a backslash is \e, a '-' is \- (so it is not a hyphen), a leading '.' or '\'' is
 * escaped. */
static void roff(FILE *f, const char *text)
{
	bool line_start = true;

	for (const char *p = text; *p != '\0'; p++) {
		if (line_start && (*p == '.' || *p == '\''))
			fputs("\\&", f);
		if (*p == '\\')
			fputs("\\e", f);
		else if (*p == '-')
			fputs("\\-", f);
		else
			fputc(*p, f);
		line_start = *p == '\n';
	}
}

/* "container ls" -> "container-ls"; for file names and NAME lines. */
static void dashed(const char *path, char *buf, size_t size)
{
	snprintf(buf, size, "%s", path);
	for (char *p = buf; *p != '\0'; p++)
		if (*p == ' ')
			*p = '-';
}

static void upper(const char *text, char *buf, size_t size)
{
	size_t i = 0;

	for (; text[i] != '\0' && i + 1 < size; i++)
		buf[i] = (char)(text[i] >= 'a' && text[i] <= 'z' ? text[i] - 'a' + 'A' : text[i]);
	buf[i] = '\0';
}

static int write_page(const char *dir, const struct mc_verb *v, const char *path,
                      struct mc_error *err)
{
	char file[4096], name[96], title[96], aliases[512], help[1024];
	FILE *f;

	dashed(path, name, sizeof(name));
	upper(name, title, sizeof(title));
	snprintf(file, sizeof(file), "%s/minicontainer-%s.1", dir, name);
	f = fopen(file, "w");
	if (f == NULL)
		return mc_fail(err, errno, "create %s", file);
	fprintf(f, ".TH \"MINICONTAINER\\-%s\" 1 \"\" \"minicontainer\" \"minicontainer manual\"\n",
	        title);
	fprintf(f, ".SH NAME\nminicontainer\\-%s \\- ", name);
	roff(f, v->cmd->summary);
	fprintf(f, "\n.SH SYNOPSIS\n\\fBminicontainer %s\\fR ", path);
	roff(f, v->cmd->usage);
	fprintf(f, "\n.SH DESCRIPTION\n");
	roff(f, v->cmd->summary);
	fprintf(f, ".\n");
	mc_verb_aliases(v, aliases, sizeof(aliases));
	if (strchr(aliases, ',') != NULL) {
		fprintf(f, ".SH ALIASES\n");
		roff(f, aliases);
		fprintf(f, "\n");
	}
	fprintf(f, ".SH OPTIONS\n");
	for (const struct mc_option *o = v->cmd->options; o != NULL && o->name != NULL; o++) {
		fprintf(f, ".TP\n");
		if (o->short_name != 0)
			fprintf(f, "\\fB\\-%c\\fR, ", o->short_name);
		fprintf(f, "\\fB\\-\\-");
		roff(f, o->name);
		fprintf(f, "\\fR");
		if (o->arg_name != NULL) {
			fprintf(f, " \\fI");
			roff(f, o->arg_name);
			fprintf(f, "\\fR");
		}
		fprintf(f, "\n");
		/* (A help text's line breaks are --help's layout; here the paragraph flows.) */
		snprintf(help, sizeof(help), "%s", o->help);
		for (char *p = help; *p != '\0'; p++)
			if (*p == '\n')
				*p = ' ';
		roff(f, help);
		fprintf(f, "\n");
	}
	fprintf(f, ".TP\n\\fB\\-h\\fR, \\fB\\-\\-help\\fR\nPrint usage\n");
	fprintf(f, ".SH SEE ALSO\n\\fBminicontainer\\fR(1)\n");
	if (fclose(f) != 0)
		return mc_fail(err, errno, "write %s", file);
	return 0;
}

/* minicontainer.1: the commands, the environment, the files. */
static int write_main_page(const char *dir, struct mc_error *err)
{
	char file[4096];
	FILE *f;

	snprintf(file, sizeof(file), "%s/minicontainer.1", dir);
	f = fopen(file, "w");
	if (f == NULL)
		return mc_fail(err, errno, "create %s", file);
	fprintf(f, ".TH MINICONTAINER 1 \"\" \"minicontainer\" \"minicontainer manual\"\n"
	           ".SH NAME\nminicontainer \\- a daemonless, Docker\\-compatible container tool\n"
	           ".SH SYNOPSIS\n\\fBminicontainer\\fR [OPTIONS] COMMAND\n"
	           ".br\n\\fBminicontainer\\fR [OPTIONS] GROUP COMMAND\n"
	           ".SH DESCRIPTION\nA container tool built chapter by chapter from the kernel's "
	           "namespaces, control groups, overlay filesystems, images, networks and builds. "
	           "Each command has a page of its own: \\fBman minicontainer\\-run\\fR.\n"
	           ".SH OPTIONS\n.TP\n\\fB\\-\\-trace\\fR\nNarrate every kernel call, with the "
	           "chapter it comes from.\n.TP\n\\fB\\-h\\fR, \\fB\\-\\-help\\fR\nPrint usage\n"
	           ".SH COMMANDS\n");
	for (const struct mc_verb *v = mc_verbs; v->cmd != NULL; v++) {
		char path[96], name[96];

		if (v->shortcut != NULL && strncmp(v->shortcut, "__", 2) == 0)
			continue;
		if (v->group != NULL)
			snprintf(path, sizeof(path), "%s %.*s", v->group,
			         (int)strcspn(v->names, " "), v->names);
		else
			snprintf(path, sizeof(path), "%s", v->shortcut);
		dashed(path, name, sizeof(name));
		fprintf(f, ".TP\n\\fBminicontainer\\-%s\\fR(1)\n", name);
		roff(f, v->cmd->summary);
		fprintf(f, "\n");
	}
	fprintf(f, ".SH ENVIRONMENT\n.TP\n\\fBMC_ROOT\\fR\nWhere images, containers and "
	           "volumes are kept (default /var/lib/minicontainer).\n.TP\n\\fBMC_RUNDIR\\fR\n"
	           "Runtime state: sockets, locks (default /run/minicontainer).\n"
	           ".SH EXIT STATUS\n125 when minicontainer itself failed; otherwise, for run and "
	           "start, the container's own exit status.\n");
	if (fclose(f) != 0)
		return mc_fail(err, errno, "write %s", file);
	return 0;
}

/* A short form (minicontainer-ps.1) is the page of its group's command, by .so. */
static int write_link(const char *dir, const char *from, const char *to, struct mc_error *err)
{
	char file[4096];
	FILE *f;

	snprintf(file, sizeof(file), "%s/minicontainer-%s.1", dir, from);
	f = fopen(file, "w");
	if (f == NULL)
		return mc_fail(err, errno, "create %s", file);
	fprintf(f, ".so man1/minicontainer-%s.1\n", to);
	if (fclose(f) != 0)
		return mc_fail(err, errno, "write %s", file);
	return 0;
}

const struct mc_command mc_cmd___man = {
    .name = "__man",
    .usage = "DIRECTORY",
    .summary = "Write the man pages into DIRECTORY (make man)",
    .min_args = 1,
    .max_args = 1,
};

int verb___man(int argc, char **argv)
{
	struct mc_error err;
	int first, rc;

	if ((rc = mc_parse_verb(&mc_cmd___man, NULL, argc, argv, &first)) >= 0)
		return rc;
	if (mc_mkdir_p(argv[first], 0755, &err) < 0 || write_main_page(argv[first], &err) < 0)
		return mc_report(&err);
	for (const struct mc_verb *v = mc_verbs; v->cmd != NULL; v++) {
		char path[96], name[96];

		if (v->shortcut != NULL && strncmp(v->shortcut, "__", 2) == 0)
			continue;
		if (v->group == NULL) {
			if (write_page(argv[first], v, v->shortcut, &err) < 0)
				return mc_report(&err);
			continue;
		}
		snprintf(path, sizeof(path), "%s %.*s", v->group, (int)strcspn(v->names, " "),
		         v->names);
		if (write_page(argv[first], v, path, &err) < 0)
			return mc_report(&err);
		dashed(path, name, sizeof(name));
		if (v->shortcut != NULL && write_link(argv[first], v->shortcut, name, &err) < 0)
			return mc_report(&err);
	}
	return 0;
}
