/* common.c - what every verb shares: errors, the store, state directories. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "mc.h"
#include "mc_container.h"
#include "mc_verbs.h"

static uint64_t inherited_fds;

void mc_note_inherited_fds(void)
{
	for (int fd = 3; fd < 64; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			inherited_fds |= (uint64_t)1 << fd;
}

void mc_close_fds_on_exec(void)
{
	/* Kernel 5.11 and later do it in one call; otherwise one descriptor at a time. */
	if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		for (int fd = 3; fd < 1024; fd++)
			fcntl(fd, F_SETFD, FD_CLOEXEC);
}

bool mc_fd_inherited(int fd)
{
	return fd >= 3 && fd < 64 && (inherited_fds & ((uint64_t)1 << fd));
}

int mc_report(const struct mc_error *err)
{
	fprintf(stderr, "minicontainer: %s\n", err->msg);
	return MC_EXIT_FAILED;
}

int mc_usage_error(const char *verb, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "minicontainer %s: ", verb);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nSee 'minicontainer %s --help'.\n", verb);
	return MC_EXIT_FAILED;
}

int mc_each_container(int first, int argc, char **argv,
                      int (*act)(struct mc_container *c, const char *what, void *arg,
                                 struct mc_error *err),
                      void *arg)
{
	int status = 0;

	for (int i = first; i < argc; i++) {
		struct mc_container c;
		struct mc_error err;

		if (mc_container_load(argv[i], &c, &err) < 0) {
			status = mc_report(&err);
			continue;
		}
		mc_container_refresh(&c);
		if (act(&c, argv[i], arg, &err) < 0)
			status = mc_report(&err);
		else
			printf("%s\n", argv[i]);
		mc_container_free(&c);
	}
	return status;
}

bool mc_confirm(const char *question)
{
	char answer[64] = "";
	size_t len;

	printf("%s [y/N] ", question);
	fflush(stdout);
	if (fgets(answer, sizeof(answer), stdin) == NULL)
		return false;
	len = strcspn(answer, "\r\n");
	answer[len] = '\0';
	return strcasecmp(answer, "y") == 0 || strcasecmp(answer, "yes") == 0;
}

int mc_parse_verb(const struct mc_command *cmd, void *target, int argc, char **argv, int *first)
{
	struct mc_command named = *cmd;
	char aliases[512];
	struct mc_error err;
	int rc;

	/* Named the way it was typed ("container ls" or "ps"), with its other names. */
	if (mc_current_verb != NULL && mc_current_verb->cmd == cmd) {
		named.name = mc_current_path;
		mc_verb_aliases(mc_current_verb, aliases, sizeof(aliases));
		if (strchr(aliases, ',') != NULL)
			named.aliases = aliases;
	}
	rc = mc_parse_command("minicontainer", &named, target, argc, argv, first, stdout, &err);
	if (rc == 1)
		return 0; /* --help printed */
	if (rc == 0)
		return -1;
	/* Docker's shape: the problem, where to look; and for a wrong number of
	 * arguments, the usage line and what the command does. */
	fprintf(stderr, "%s\nSee 'minicontainer %s --help'.\n", err.msg, named.name);
	if (strstr(err.msg, " argument") != NULL && strncmp(err.msg, "invalid argument", 16) != 0)
		fprintf(stderr, "\nUsage:  minicontainer %s %s\n\n%s\n", named.name, named.usage,
		        named.summary);
	return MC_EXIT_FAILED;
}

const char *mc_root_dir(void)
{
	const char *s = getenv("MC_ROOT");

	return s != NULL && s[0] != '\0' ? s : "/var/lib/minicontainer";
}

const char *mc_run_dir(void)
{
	const char *s = getenv("MC_RUNDIR");

	return s != NULL && s[0] != '\0' ? s : "/run/minicontainer";
}

int mc_open_store(struct img_store *st, struct mc_error *err)
{
	return img_store_open(st, mc_root_dir(), err);
}

/* Docker reads archives from stdin ("load" without -i, "import -"): keep a copy in a file. */
int mc_stdin_to_file(char *path, size_t size, struct mc_error *err)
{
	char buf[65536];
	ssize_t n;
	int fd;

	snprintf(path, size, "/tmp/mc-stdin-XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return mc_fail(err, errno, "mkstemp");
	while ((n = read(STDIN_FILENO, buf, sizeof(buf))) > 0)
		if (write(fd, buf, (size_t)n) != n) {
			n = -1;
			break;
		}
	close(fd);
	if (n < 0) {
		unlink(path);
		return mc_fail(err, errno, "copy stdin to %s", path);
	}
	return 0;
}
