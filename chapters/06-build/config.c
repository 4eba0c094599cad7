/*
 * config.c - chapter 06: metadata instructions (see bld_config.h).  The
 * fields are Docker's: Env, Labels, Cmd, Entrypoint, ExposedPorts, Volumes,
 * User, WorkingDir, StopSignal, Healthcheck, Shell, OnBuild.
 */
#define _GNU_SOURCE
#include "bld_config.h"

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bld_ignore.h"
#include "bld_text.h"
#include "img_config.h"

static json_t *run_config(json_t *image)
{
	json_t *c = json_object_get(image, "config");

	if (!json_is_object(c)) {
		c = json_object();
		json_object_set_new(image, "config", c);
	}
	return c;
}

/* A JSON object member that is itself an object ({"80/tcp": {}}), made if missing. */
static json_t *object_member(json_t *obj, const char *key)
{
	json_t *o = json_object_get(obj, key);

	if (!json_is_object(o)) {
		o = json_object();
		json_object_set_new(obj, key, o);
	}
	return o;
}

static json_t *strv_json(char *const *v, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

char **bld_config_env(json_t *image)
{
	json_t *env = json_object_get(run_config(image), "Env"), *e;
	struct bld_list l = {0};
	size_t i;

	json_array_foreach(env, i, e)
	{
		if (json_is_string(e))
			bld_list_push(&l, json_string_value(e));
	}
	if (l.failed) {
		bld_list_free(&l);
		return NULL;
	}
	return l.v != NULL ? l.v : calloc(1, sizeof(char *));
}

void bld_config_setenv(json_t *image, const char *key, const char *value)
{
	json_t *env = json_object_get(run_config(image), "Env"), *e;
	size_t klen = strlen(key), i;
	char *kv;

	if (!json_is_array(env)) {
		env = json_array();
		json_object_set_new(run_config(image), "Env", env);
	}
	if (asprintf(&kv, "%s=%s", key, value) < 0)
		return;
	json_array_foreach(env, i, e)
	{
		const char *s = json_string_value(e);

		if (s != NULL && strncmp(s, key, klen) == 0 && s[klen] == '=') {
			json_array_set_new(env, i, json_string(kv));
			free(kv);
			return;
		}
	}
	json_array_append_new(env, json_string(kv));
	free(kv);
}

char **bld_config_shell(json_t *image)
{
	json_t *shell = json_object_get(run_config(image), "Shell"), *s;
	struct bld_list l = {0};
	size_t i;

	json_array_foreach(shell, i, s) bld_list_push(&l, json_string_value(s) ?: "");
	if (l.n == 0) {
		bld_list_push(&l, "/bin/sh");
		bld_list_push(&l, "-c");
	}
	return l.failed ? NULL : l.v;
}

/* ---- one instruction each ----------------------------------------------------------------- */

static int expand(const struct bld_lex *lx, const char *word, char *const *env, char **out,
                  struct mc_error *err)
{
	return bld_expand(lx, word, env, out, err);
}

/* ENV and LABEL: every key and value is expanded with the environment from before the line. */
static int key_values(json_t *image, const struct bld_instr *in, const struct bld_lex *lx,
                      char *const *env, struct bld_buf *hist, struct mc_error *err)
{
	bool is_env = in->kind == BLD_ENV;

	bld_buf_adds(hist, is_env ? "ENV" : "LABEL");
	for (size_t i = 0; i + 1 < in->node->nargs; i += 2) {
		char *k, *v;

		if (expand(lx, in->node->args[i], env, &k, err) < 0)
			return -1;
		if (expand(lx, in->node->args[i + 1], env, &v, err) < 0) {
			free(k);
			return -1;
		}
		if (is_env)
			bld_config_setenv(image, k, v);
		else
			json_object_set_new(object_member(run_config(image), "Labels"), k,
			                    json_string(v));
		bld_buf_printf(hist, " %s=%s", k, v);
		free(k);
		free(v);
	}
	return 0;
}

/* EXPOSE 80 443/tcp 53/udp 8000-8002: "80/tcp" keys; ranges become one key per port. */
static int expose(json_t *image, const struct bld_instr *in, const struct bld_lex *lx,
                  char *const *env, struct bld_buf *hist, struct mc_error *err)
{
	json_t *ports = object_member(run_config(image), "ExposedPorts");

	for (size_t i = 0; i < in->node->nargs; i++) {
		char *word, proto[16] = "tcp", *slash, *end;
		long lo, hi;

		if (expand(lx, in->node->args[i], env, &word, err) < 0)
			return -1;
		slash = strchr(word, '/');
		if (slash != NULL) {
			snprintf(proto, sizeof(proto), "%s", slash + 1);
			*slash = '\0';
			for (char *c = proto; *c; c++)
				*c = (char)tolower((unsigned char)*c);
		}
		lo = strtol(word, &end, 10);
		hi = *end == '-' ? strtol(end + 1, &end, 10) : lo;
		if (word[0] == '\0' || *end != '\0' || lo < 1 || hi > 65535 || hi < lo) {
			mc_fail(err, 0, "Invalid containerPort: %s", in->node->args[i]);
			free(word);
			return -1;
		}
		if (strcmp(proto, "tcp") != 0 && strcmp(proto, "udp") != 0 &&
		    strcmp(proto, "sctp") != 0) {
			free(word);
			return mc_fail(err, 0, "Invalid proto: %s", proto);
		}
		for (long p = lo; p <= hi; p++) {
			char key[32];

			snprintf(key, sizeof(key), "%ld/%s", p, proto);
			json_object_set_new(ports, key, json_object());
		}
		free(word);
	}
	/* History as Docker writes it: Go's print of the port set, sorted. */
	{
		const char **keys = calloc(json_object_size(ports) + 1, sizeof(char *));
		const char *key;
		json_t *v;
		size_t n = 0;

		json_object_foreach(ports, key, v) if (keys) keys[n++] = key;
		for (size_t a = 0; keys && a < n; a++)
			for (size_t b = a + 1; b < n; b++)
				if (strcmp(keys[b], keys[a]) < 0) {
					const char *t = keys[a];
					keys[a] = keys[b];
					keys[b] = t;
				}
		bld_buf_adds(hist, "EXPOSE map[");
		for (size_t a = 0; keys && a < n; a++)
			bld_buf_printf(hist, "%s%s:{}", a ? " " : "", keys[a]);
		bld_buf_adds(hist, "]");
		free(keys);
	}
	return 0;
}

static int volume(json_t *image, const struct bld_instr *in, const struct bld_lex *lx,
                  char *const *env, struct bld_buf *hist, struct mc_error *err)
{
	json_t *vols = object_member(run_config(image), "Volumes");

	bld_buf_adds(hist, "VOLUME [");
	for (size_t i = 0; i < in->node->nargs; i++) {
		char *v;

		if (expand(lx, in->node->args[i], env, &v, err) < 0)
			return -1;
		if (v[strspn(v, " \t")] == '\0') {
			free(v);
			return mc_fail(err, 0, "VOLUME specified can not be an empty string");
		}
		json_object_set_new(vols, v, json_object());
		bld_buf_printf(hist, "%s%s", i ? " " : "", v);
		free(v);
	}
	bld_buf_adds(hist, "]");
	return 0;
}

/* STOPSIGNAL: a name (with or without SIG) or a number, as Docker's signal.ParseSignal. */
static int check_signal(const char *s, struct mc_error *err)
{
	static const char *const names[] = {
	    "ABRT", "ALRM",   "BUS",  "CHLD", "CONT",   "FPE",   "HUP",  "ILL",
	    "INT",  "IO",     "IOT",  "KILL", "PIPE",   "PROF",  "PWR",  "QUIT",
	    "SEGV", "STKFLT", "STOP", "SYS",  "TERM",   "TRAP",  "TSTP", "TTIN",
	    "TTOU", "URG",    "USR1", "USR2", "VTALRM", "WINCH", "XCPU", "XFSZ"};
	const char *name = strncasecmp(s, "SIG", 3) == 0 ? s + 3 : s;
	char *end;
	long n = strtol(s, &end, 10);

	if (s[0] != '\0' && *end == '\0')
		return n > 0 && n < 65 ? 0 : mc_fail(err, 0, "Invalid signal: %s", s);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(name, names[i]) == 0)
			return 0;
	if (strncasecmp(name, "RTMIN", 5) == 0 || strncasecmp(name, "RTMAX", 5) == 0)
		return 0;
	return mc_fail(err, 0, "Invalid signal: %s", s);
}

/* CMD, ENTRYPOINT: the exec form as it is; the shell form wrapped in the shell. */
static json_t *command_of(json_t *image, const struct bld_node *n)
{
	json_t *a;
	char **shell;

	if (n->json || n->nargs == 0)
		return strv_json(n->args, n->nargs);
	shell = bld_config_shell(image);
	a = json_array();
	for (size_t i = 0; shell != NULL && shell[i] != NULL; i++)
		json_array_append_new(a, json_string(shell[i]));
	json_array_append_new(a, json_string(n->args[0]));
	bld_strv_free(shell);
	return a;
}

/* `CMD ["a" "b"]`: Go's %q of the vector, as BuildKit writes the history. */
static void history_vector(struct bld_buf *hist, const char *what, json_t *a)
{
	json_t *item;
	size_t i;

	bld_buf_printf(hist, "%s [", what);
	json_array_foreach(a, i, item)
	{
		if (i > 0)
			bld_buf_addc(hist, ' ');
		bld_quote_go(hist, json_string_value(item) ?: "");
	}
	bld_buf_addc(hist, ']');
}

static void healthcheck(json_t *image, const struct bld_instr *in, struct bld_buf *hist)
{
	const struct bld_node *n = in->node;
	json_t *hc = json_object(), *test = json_array();

	if (strcasecmp(n->args[0], "NONE") == 0) {
		json_array_append_new(test, json_string("NONE"));
	} else {
		json_array_append_new(test, json_string(n->json ? "CMD" : "CMD-SHELL"));
		for (size_t i = 1; i < n->nargs; i++)
			json_array_append_new(test, json_string(n->args[i]));
	}
	json_object_set_new(hc, "Test", test);
	/* Go's omitempty: zero durations and retries are left out. */
	if (in->flags.interval)
		json_object_set_new(hc, "Interval", json_integer(in->flags.interval));
	if (in->flags.timeout)
		json_object_set_new(hc, "Timeout", json_integer(in->flags.timeout));
	if (in->flags.start_period)
		json_object_set_new(hc, "StartPeriod", json_integer(in->flags.start_period));
	if (in->flags.start_interval)
		json_object_set_new(hc, "StartInterval", json_integer(in->flags.start_interval));
	if (in->flags.retries)
		json_object_set_new(hc, "Retries", json_integer(in->flags.retries));
	json_object_set_new(run_config(image), "Healthcheck", hc);
	history_vector(hist, "HEALTHCHECK", test);
}

/* WORKDIR: relative to the current one, cleaned. */
static int workdir(json_t *image, const struct bld_instr *in, const struct bld_lex *lx,
                   char *const *env, struct bld_buf *hist, struct mc_error *err)
{
	const char *cur = json_string_value(json_object_get(run_config(image), "WorkingDir"));
	char *v, joined[8192], clean[4096];

	if (expand(lx, in->node->args[0], env, &v, err) < 0)
		return -1;
	if (v[0] == '/')
		snprintf(joined, sizeof(joined), "%s", v);
	else
		snprintf(joined, sizeof(joined), "%s/%s", cur && cur[0] ? cur : "/", v);
	free(v);
	clean[0] = '/';
	bld_clean_path(joined, clean + 1, sizeof(clean) - 1);
	json_object_set_new(run_config(image), "WorkingDir", json_string(clean));
	bld_buf_printf(hist, "WORKDIR %s", clean);
	return 0;
}

static int single_value(json_t *image, const struct bld_instr *in, const char *field,
                        const struct bld_lex *lx, char *const *env, struct bld_buf *hist,
                        struct mc_error *err)
{
	char *v;

	if (expand(lx, in->node->args[0], env, &v, err) < 0)
		return -1;
	if (in->kind == BLD_STOPSIGNAL && check_signal(v, err) < 0) {
		free(v);
		return -1;
	}
	json_object_set_new(run_config(image), field, json_string(v));
	bld_buf_printf(hist, "%s %s", bld_kind_name(in->kind), v);
	free(v);
	return 0;
}

int bld_config_apply(json_t *image, const struct bld_instr *in, const struct bld_lex *lx,
                     char *const *env, bool *cmd_set, char **history, struct mc_error *err)
{
	const struct bld_node *n = in->node;
	struct bld_buf hist = {0};
	json_t *cfg = run_config(image), *cmd;
	int rc = 0;

	*history = NULL;
	switch (in->kind) {
	case BLD_ENV:
	case BLD_LABEL:
		rc = key_values(image, in, lx, env, &hist, err);
		break;
	case BLD_EXPOSE:
		rc = expose(image, in, lx, env, &hist, err);
		break;
	case BLD_VOLUME:
		rc = volume(image, in, lx, env, &hist, err);
		break;
	case BLD_USER:
		rc = single_value(image, in, "User", lx, env, &hist, err);
		break;
	case BLD_STOPSIGNAL:
		rc = single_value(image, in, "StopSignal", lx, env, &hist, err);
		break;
	case BLD_WORKDIR:
		rc = workdir(image, in, lx, env, &hist, err);
		break;
	case BLD_MAINTAINER:
		json_object_set_new(image, "author", json_string(n->args[0]));
		bld_buf_printf(&hist, "MAINTAINER %s", n->args[0]);
		break;
	case BLD_HEALTHCHECK:
		healthcheck(image, in, &hist);
		break;
	case BLD_SHELL:
		json_object_set_new(cfg, "Shell", strv_json(n->args, n->nargs));
		bld_buf_adds(&hist, "SHELL [");
		for (size_t i = 0; i < n->nargs; i++)
			bld_buf_printf(&hist, "%s%s", i ? " " : "", n->args[i]);
		bld_buf_adds(&hist, "]");
		break;
	case BLD_CMD:
		cmd = command_of(image, n);
		json_object_set_new(cfg, "Cmd", cmd);
		*cmd_set = true;
		history_vector(&hist, "CMD", cmd);
		break;
	case BLD_ENTRYPOINT:
		/* An ENTRYPOINT resets a CMD this stage inherited, not one it set itself. */
		cmd = n->nargs == 0 ? json_null() : command_of(image, n);
		json_object_set_new(cfg, "Entrypoint", cmd);
		if (!*cmd_set)
			json_object_set_new(cfg, "Cmd", json_null());
		if (json_is_null(cmd))
			bld_buf_adds(&hist, "ENTRYPOINT []");
		else
			history_vector(&hist, "ENTRYPOINT", cmd);
		break;
	case BLD_ONBUILD: {
		/* The trigger as written, without "ONBUILD": it runs in the next build. */
		const char *expr = n->original + strspn(n->original, " \t");
		json_t *list = json_object_get(cfg, "OnBuild");
		struct bld_buf text = {0};

		expr += strcspn(expr, " \t");
		expr += strspn(expr, " \t");
		bld_buf_adds(&text, expr);
		for (size_t i = 0; i < n->nheredocs; i++)
			bld_buf_printf(&text, "\n%s%s", n->heredocs[i].content,
			               n->heredocs[i].name);
		if (!json_is_array(list)) {
			list = json_array();
			json_object_set_new(cfg, "OnBuild", list);
		}
		json_array_append_new(list, json_string(bld_buf_str(&text)));
		bld_buf_printf(&hist, "ONBUILD %s", bld_buf_str(&text));
		bld_buf_free(&text);
		break;
	}
	default:
		rc =
		    mc_fail(err, 0, "%s does not change the image config", bld_kind_name(in->kind));
	}
	if (rc < 0) {
		bld_buf_free(&hist);
		return -1;
	}
	*history = bld_buf_take(&hist);
	return *history != NULL ? 0 : mc_fail(err, ENOMEM, "history");
}

int bld_apply_changes(json_t *image, char *const *changes, size_t n, struct mc_error *err)
{
	static const enum bld_kind allowed[] = {
	    BLD_CMD,     BLD_ENTRYPOINT, BLD_ENV,  BLD_EXPOSE, BLD_LABEL,
	    BLD_ONBUILD, BLD_STOPSIGNAL, BLD_USER, BLD_VOLUME, BLD_WORKDIR};
	struct bld_lex lx;
	bool cmd_set = false;

	bld_lex_init(&lx, '\\');
	for (size_t i = 0; i < n; i++) {
		struct bld_dockerfile df;
		struct bld_instr in;
		char **env = NULL, *hist = NULL;
		bool ok = false;
		int rc = -1;

		if (bld_parse(changes[i], strlen(changes[i]), "--change", &df, NULL, err) < 0)
			return -1;
		if (df.count != 1) {
			mc_fail(err, 0, "--change \"%s\": one instruction per --change",
			        changes[i]);
			goto next;
		}
		if (bld_check_instr(&df.nodes[0], &in, err) < 0) {
			mc_fail_context(err, "--change \"%s\"", changes[i]);
			goto next;
		}
		for (size_t k = 0; k < sizeof(allowed) / sizeof(allowed[0]); k++)
			ok |= allowed[k] == in.kind;
		if (!ok) {
			mc_fail(err, 0, "%s is not a valid change command", df.nodes[0].cmd);
			goto next;
		}
		env = bld_config_env(image);
		rc = bld_config_apply(image, &in, &lx, env, &cmd_set, &hist, err);
	next:
		bld_strv_free(env);
		free(hist);
		bld_dockerfile_free(&df);
		if (rc < 0)
			return -1;
	}
	return 0;
}
