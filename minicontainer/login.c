/*
 * login.c - `minicontainer login [SERVER]` and `minicontainer logout [SERVER]`:
 * credentials checked against the registry, kept in Docker's file
 * ($DOCKER_CONFIG/config.json or ~/.docker/config.json).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "img_credentials.h"
#include "mc.h"
#include "mc_registry.h"

/* "https://127.0.0.1:5000/v2/" -> "127.0.0.1:5000"; Docker Hub's spellings -> "docker.io". */
static void server_name(const char *arg, char *out, size_t size)
{
	const char *p = strstr(arg, "://");

	p = p ? p + 3 : arg;
	snprintf(out, size, "%.*s", (int)strcspn(p, "/"), p);
	if (strcmp(out, "index.docker.io") == 0 || strcmp(out, "registry-1.docker.io") == 0)
		snprintf(out, size, "docker.io");
}

/* One line of input; `secret`: without echo on a terminal. */
static int read_line(const char *prompt, bool secret, char *buf, size_t size, struct mc_error *err)
{
	struct termios old, quiet;
	bool tty = isatty(STDIN_FILENO);
	size_t len;

	if (prompt != NULL && tty) {
		fputs(prompt, stderr);
		fflush(stderr);
	}
	if (secret && tty && tcgetattr(STDIN_FILENO, &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	if (fgets(buf, (int)size, stdin) == NULL)
		buf[0] = '\0';
	if (secret && tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	len = strcspn(buf, "\r\n");
	buf[len] = '\0';
	if (len == 0)
		return mc_fail(err, 0, "%s", secret ? "password required" : "username required");
	return 0;
}

struct login_flags {
	struct img_registry_opts o;
	const char *username, *password;
	bool password_stdin;
};

#define F(field) offsetof(struct login_flags, field)
static const struct mc_option login_options[] = {
    {"cert-dir", 0, "string", MC_CERT_DIR_HELP, mc_opt_string, F(o.cert_dir)},
    {"password", 'p', "string", "Password", mc_opt_string, F(password)},
    {"password-stdin", 0, NULL, "Take the password from stdin", mc_opt_true, F(password_stdin)},
    {"tls-verify", 0, NULL, MC_TLS_VERIFY_HELP, mc_opt_tls_verify, F(o.tls_verify)},
    {"username", 'u', "string", "Username", mc_opt_string, F(username)},
    {NULL, 0, NULL, NULL, NULL, 0},
};
#undef F

const struct mc_command mc_cmd_login = {
    .name = "login",
    .usage = "[OPTIONS] [SERVER]",
    .summary = "Log in to a registry",
    .options = login_options,
    .min_args = 0,
    .max_args = 1,
};

int verb_login(int argc, char **argv)
{
	struct login_flags f = {.o = {.tls_verify = -1}};
	struct img_registry_opts o;
	char server[256], user[256] = "", password[1024] = "";
	bool from_stdin;
	struct mc_error err;
	int rc, first;

	if ((rc = mc_parse_verb(&mc_cmd_login, &f, argc, argv, &first)) >= 0)
		return rc;
	rc = MC_EXIT_FAILED;
	o = f.o;
	from_stdin = f.password_stdin;
	if (f.username != NULL)
		snprintf(user, sizeof(user), "%s", f.username);
	if (f.password != NULL) {
		snprintf(password, sizeof(password), "%s", f.password);
		/* Docker's warning: the password is in the shell's history and in ps. */
		fprintf(stderr, "WARNING! Using --password via the CLI is insecure. Use "
		                "--password-stdin.\n");
	}
	if (from_stdin && password[0] != '\0')
		return mc_usage_error(mc_current_path,
		                      "--password and --password-stdin are mutually exclusive");
	if (from_stdin && user[0] == '\0')
		return mc_usage_error(mc_current_path,
		                      "Must provide --username with --password-stdin");
	server_name(first < argc ? argv[first] : "docker.io", server, sizeof(server));
	if ((user[0] == '\0' && read_line("Username: ", false, user, sizeof(user), &err) < 0) ||
	    (password[0] == '\0' && read_line(from_stdin ? NULL : "Password: ", true, password,
	                                      sizeof(password), &err) < 0)) {
		rc = mc_report(&err);
		goto out;
	}
	o.username = user;
	o.password = password;
	if (img_login(server, &o, &err) < 0) {
		rc = mc_report(&err);
		goto out;
	}
	printf("Login Succeeded\n");
	rc = 0;
out:
	explicit_bzero(password, sizeof(password));
	return rc;
}

const struct mc_command mc_cmd_logout = {
    .name = "logout",
    .usage = "[SERVER]",
    .summary = "Log out from a registry",
    .min_args = 0,
    .max_args = 1,
};

int verb_logout(int argc, char **argv)
{
	char server[256], path[4096];
	struct mc_error err;
	bool removed;
	int rc, first;

	if ((rc = mc_parse_verb(&mc_cmd_logout, NULL, argc, argv, &first)) >= 0)
		return rc;
	server_name(first < argc ? argv[first] : "docker.io", server, sizeof(server));
	if (img_credentials_path(path, sizeof(path), &err) < 0 ||
	    img_credentials_erase(server, &removed, &err) < 0)
		return mc_report(&err);
	if (!removed)
		printf("Not logged in to %s\n", img_credentials_key(server));
	else
		printf("Removing login credentials for %s\n", img_credentials_key(server));
	return 0;
}
