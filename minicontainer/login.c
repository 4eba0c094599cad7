/*
 * login.c - `minicontainer login [SERVER]` and `minicontainer logout [SERVER]`:
 * credentials checked against the registry, kept in Docker's file
 * ($DOCKER_CONFIG/config.json or ~/.docker/config.json).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
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

int verb_login(int argc, char **argv)
{
	static const struct option options[] = {
	    {"username", required_argument, NULL, 'u'},
	    {"password", required_argument, NULL, 'p'},
	    {"password-stdin", no_argument, NULL, 'P'},
	    {"tls-verify", optional_argument, NULL, OPT_TLS_VERIFY},
	    {"cert-dir", required_argument, NULL, OPT_CERT_DIR},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct img_registry_opts o = {.tls_verify = -1};
	char server[256], user[256] = "", password[1024] = "";
	bool from_stdin = false;
	struct mc_error err;
	int opt, rc = MC_EXIT_FAILED;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "+u:p:h", options, NULL)) != -1) {
		if (opt == 'u') {
			snprintf(user, sizeof(user), "%s", optarg);
		} else if (opt == 'p') {
			snprintf(password, sizeof(password), "%s", optarg);
			/* Docker's warning: the password is in the shell's history and in ps. */
			fprintf(stderr, "WARNING! Using --password via the CLI is insecure. Use "
			                "--password-stdin.\n");
		} else if (opt == 'P') {
			from_stdin = true;
		} else if (opt == OPT_TLS_VERIFY || opt == OPT_CERT_DIR) {
			if (mc_registry_option(opt, optarg, &o, &err) < 0)
				return mc_usage_error("login", "%s", err.msg);
		} else if (opt == 'h') {
			printf("Usage:  minicontainer login [OPTIONS] [SERVER]\n\n"
			       "Log in to a registry (Docker Hub if no server is given)\n\n"
			       "Options:\n"
			       "  -p, --password string     Password\n"
			       "      --password-stdin      Take the password from stdin\n"
			       "  -u, --username string     Username\n"
			       "      --tls-verify[=bool]   Verify TLS (default: yes, except for "
			       "insecure registries)\n"
			       "      --cert-dir string     CA certificates for the registry\n");
			return 0;
		} else {
			return mc_usage_error("login", "unknown flag or missing value");
		}
	}
	if (argc - optind > 1)
		return mc_usage_error("login", "\"login\" requires at most 1 argument");
	if (from_stdin && password[0] != '\0')
		return mc_usage_error("login", "--password and --password-stdin are mutually "
		                               "exclusive");
	if (from_stdin && user[0] == '\0')
		return mc_usage_error("login", "Must provide --username with --password-stdin");
	server_name(optind < argc ? argv[optind] : "docker.io", server, sizeof(server));
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

int verb_logout(int argc, char **argv)
{
	char server[256], path[4096];
	struct mc_error err;
	bool removed;

	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		printf("Usage:  minicontainer logout [SERVER]\n\n"
		       "Log out from a registry (Docker Hub if no server is given)\n");
		return 0;
	}
	if (argc > 2)
		return mc_usage_error("logout", "\"logout\" requires at most 1 argument");
	server_name(argc == 2 ? argv[1] : "docker.io", server, sizeof(server));
	if (img_credentials_path(path, sizeof(path), &err) < 0 ||
	    img_credentials_erase(server, &removed, &err) < 0)
		return mc_report(&err);
	if (!removed)
		printf("Not logged in to %s\n", img_credentials_key(server));
	else
		printf("Removing login credentials for %s\n", img_credentials_key(server));
	return 0;
}
