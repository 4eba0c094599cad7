/*
 * build.c - chapter 06: the Dockerfile interpreter (see bld_build.h): stages,
 * build arguments, the instructions that only change the config, and the
 * finished image.  The steps that change files are in steps.c.
 */
#define _GNU_SOURCE
#include "bld_state.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "bld_config.h"
#include "img_reference.h"
#include "mc_file.h"
#include "mc_trace.h"
#include "ovl_run.h"

#define CH "ch06"

/* The proxy variables Docker passes to RUN without an ARG, and never records. */
static const char *const proxy_args[] = {
    "HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "FTP_PROXY",
    "ftp_proxy",  "NO_PROXY",   "no_proxy",    "ALL_PROXY",   "all_proxy",
};

const char *bld_host_platform(void)
{
	static char platform[80];
	struct utsname u;
	const char *arch = "amd64";

	if (platform[0] != '\0')
		return platform;
	if (uname(&u) == 0) {
		if (strcmp(u.machine, "aarch64") == 0)
			arch = "arm64";
		else if (strncmp(u.machine, "arm", 3) == 0)
			arch = "arm";
		else if (strcmp(u.machine, "x86_64") != 0)
			arch = u.machine;
	}
	snprintf(platform, sizeof(platform), "linux/%s", arch);
	return platform;
}

/* ---- times and history ---------------------------------------------------------------------- */

static void rfc3339(time_t t, char *buf, size_t size)
{
	struct tm tm;

	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
}

void bld_now(struct build *b, char *buf, size_t size)
{
	rfc3339(b->epoch >= 0 ? (time_t)b->epoch : time(NULL), buf, size);
}

void bld_history(struct stage *s, const char *created, const char *created_by, bool empty)
{
	json_t *h = json_object_get(s->image, "history");
	json_t *entry = json_pack("{s:s, s:s, s:s}", "created", created, "created_by", created_by,
	                          "comment", "buildkit.dockerfile.v0");

	if (!json_is_array(h)) {
		h = json_array();
		json_object_set_new(s->image, "history", h);
	}
	if (empty)
		json_object_set_new(entry, "empty_layer", json_true());
	json_array_append_new(h, entry);
}

/* ---- build arguments ------------------------------------------------------------------------- */

/* --build-arg NAME's value: "NAME=V" gives V, "NAME" alone our environment's NAME. */
static const char *build_arg(struct build *b, const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; b->o->build_args != NULL && b->o->build_args[i] != NULL; i++) {
		const char *a = b->o->build_args[i];

		if (strncmp(a, name, n) != 0 || (a[n] != '=' && a[n] != '\0'))
			continue;
		b->arg_used[i] = true;
		return a[n] == '=' ? a + n + 1 : getenv(name);
	}
	return NULL;
}

/* Set "K=V" (or "K" with value NULL) in a list, replacing an earlier K. */
static void list_set(struct bld_list *l, const char *key, const char *value)
{
	size_t n = strlen(key);
	char *kv = NULL;

	if (value != NULL ? asprintf(&kv, "%s=%s", key, value) < 0 : (kv = strdup(key)) == NULL) {
		l->failed = true;
		return;
	}
	for (size_t i = 0; i < l->n; i++)
		if (strncmp(l->v[i], key, n) == 0 && (l->v[i][n] == '=' || l->v[i][n] == '\0')) {
			free(l->v[i]);
			l->v[i] = kv;
			return;
		}
	bld_list_push_owned(l, kv);
}

/* The value of K in a list: NULL if absent or declared without a value. */
static const char *list_get(const struct bld_list *l, const char *key)
{
	size_t n = strlen(key);

	for (size_t i = 0; i < l->n; i++)
		if (strncmp(l->v[i], key, n) == 0 && l->v[i][n] == '=')
			return l->v[i] + n + 1;
	return NULL;
}

/* BuildKit's automatic platform arguments: TARGETPLATFORM, BUILDARCH & co. */
static const char *automatic_arg(struct build *b, const char *name)
{
	static char value[80];
	const char *platform = b->o->platform ? b->o->platform : bld_host_platform();
	const char *host = bld_host_platform(), *p;

	if (strncmp(name, "TARGET", 6) == 0)
		p = platform, name += 6;
	else if (strncmp(name, "BUILD", 5) == 0)
		p = host, name += 5;
	else
		return NULL;
	if (strcmp(name, "PLATFORM") == 0)
		return p;
	if (strcmp(name, "OS") == 0)
		snprintf(value, sizeof(value), "%.*s", (int)strcspn(p, "/"), p);
	else if (strcmp(name, "ARCH") == 0)
		snprintf(value, sizeof(value), "%.*s", (int)strcspn(p + strcspn(p, "/") + 1, "/"),
		         p + strcspn(p, "/") + 1);
	else if (strcmp(name, "VARIANT") == 0)
		snprintf(value, sizeof(value), "%s",
		         strchr(strchr(p, '/') ? strchr(p, '/') + 1 : p, '/')
		             ? strchr(strchr(p, '/') + 1, '/') + 1
		             : "");
	else
		return NULL;
	return value;
}

/* The environment of a FROM line: the global ARGs, then the automatic ones. */
static char **from_env(struct build *b)
{
	static const char *const autos[] = {"TARGETPLATFORM", "TARGETOS",      "TARGETARCH",
	                                    "TARGETVARIANT",  "BUILDPLATFORM", "BUILDOS",
	                                    "BUILDARCH",      "BUILDVARIANT"};
	struct bld_list l = {0};

	for (size_t i = 0; i < b->globals.n; i++)
		bld_list_push(&l, b->globals.v[i]);
	for (size_t i = 0; i < sizeof(autos) / sizeof(autos[0]); i++)
		if (list_get(&l, autos[i]) == NULL)
			list_set(&l, autos[i], automatic_arg(b, autos[i]));
	if (l.v == NULL)
		l.v = calloc(1, sizeof(char *));
	return l.v;
}

char **bld_stage_env(struct build *b, struct stage *s)
{
	char **env = bld_config_env(s->image);
	struct bld_list l = {0};

	(void)b;
	for (size_t i = 0; env != NULL && env[i] != NULL; i++)
		bld_list_push(&l, env[i]);
	for (size_t i = 0; i < s->args.n; i++) {
		size_t n = strcspn(s->args.v[i], "=");
		bool shadowed = false;

		if (s->args.v[i][n] != '=')
			continue; /* declared, but no value: unset */
		for (size_t k = 0; env != NULL && env[k] != NULL && !shadowed; k++)
			shadowed = strncmp(env[k], s->args.v[i], n) == 0 && env[k][n] == '=';
		if (!shadowed)
			bld_list_push(&l, s->args.v[i]);
	}
	bld_strv_free(env);
	if (l.v == NULL)
		l.v = calloc(1, sizeof(char *));
	return l.v;
}

char **bld_run_env(struct build *b, struct stage *s)
{
	char **env = bld_stage_env(b, s);
	struct bld_list l = {0};
	bool path = false;

	for (size_t i = 0; env != NULL && env[i] != NULL; i++) {
		path |= strncmp(env[i], "PATH=", 5) == 0;
		bld_list_push(&l, env[i]);
	}
	if (!path)
		bld_list_push(&l, BLD_DEFAULT_PATH);
	for (size_t i = 0; i < b->proxies.n; i++)
		if (list_get(&l, b->proxies.v[i]) == NULL) {
			char *v = strdup(b->proxies.v[i]);

			if (v != NULL)
				list_set(&l, strtok(v, "="), strchr(b->proxies.v[i], '=') + 1);
			free(v);
		}
	bld_strv_free(env);
	return l.v;
}

/*
 * ARG NAME[=default] ...: the value is --build-arg's, else the default
 * (expanded), else - with no default - a global ARG's of the same name or
 * an automatic one's; else the name is declared but unset.
 */
static int dispatch_arg(struct build *b, struct stage *s, const struct bld_instr *in,
                        struct bld_list *scope, struct mc_error *err)
{
	struct bld_buf hist = {0};
	int rc = 0;

	bld_buf_adds(&hist, "ARG");
	for (size_t i = 0; rc == 0 && i < in->node->nargs; i++) {
		const char *word = in->node->args[i], *given;
		char key[256], *value = NULL;
		size_t n = strcspn(word, "=");

		snprintf(key, sizeof(key), "%.*s", (int)n, word);
		given = build_arg(b, key);
		if (given != NULL) {
			value = strdup(given);
		} else if (word[n] == '=') {
			char **env = s ? bld_stage_env(b, s) : from_env(b);

			rc = bld_expand(&b->lex, word + n + 1, env, &value, err);
			bld_strv_free(env);
		} else if (s != NULL && list_get(&b->globals, key) != NULL) {
			value = strdup(list_get(&b->globals, key));
		} else if (automatic_arg(b, key) != NULL) {
			value = strdup(automatic_arg(b, key));
		}
		if (rc == 0) {
			list_set(scope, key, value);
			if (value != NULL)
				bld_buf_printf(&hist, " %s=%s", key, value);
			else
				bld_buf_printf(&hist, " %s", key);
		}
		free(value);
	}
	if (rc == 0 && s != NULL) {
		char created[40];

		snprintf(created, sizeof(created), "%s", s->created);
		bld_history(s, created, bld_buf_str(&hist), true);
	}
	bld_buf_free(&hist);
	return rc;
}

/* ---- stages ------------------------------------------------------------------------------------ */

struct stage *bld_find_stage(struct build *b, const char *name, size_t before)
{
	char *end;
	long n = strtol(name, &end, 10);

	if (name[0] != '\0' && *end == '\0')
		return n >= 0 && (size_t)n < before ? &b->stages[n] : NULL;
	for (size_t i = 0; i < before && i < b->nstages; i++)
		if (b->stages[i].def->name != NULL && strcasecmp(b->stages[i].def->name, name) == 0)
			return &b->stages[i];
	return NULL;
}

/* A stage is needed if the target is, or a needed stage builds on it or copies from it. */
static int mark_needed(struct build *b, struct mc_error *err)
{
	size_t target = b->nstages - 1;

	if (b->o->target != NULL) {
		struct stage *t = NULL;

		for (size_t i = 0; i < b->nstages && t == NULL; i++)
			if (b->stages[i].def->name != NULL &&
			    strcasecmp(b->stages[i].def->name, b->o->target) == 0)
				t = &b->stages[i];
		if (t == NULL)
			return mc_fail(err, 0, "target stage \"%s\" could not be found",
			               b->o->target);
		target = t->index;
	}
	b->stages[target].needed = true;
	for (size_t i = target + 1; i-- > 0;) {
		struct stage *s = &b->stages[i], *dep;

		if (!s->needed)
			continue;
		if (strchr(s->def->from->args[0], '$') != NULL) {
			for (size_t j = 0; j < i; j++)
				b->stages[j].needed = true;
		}
		dep = bld_find_stage(b, s->def->from->args[0], i);
		if (dep != NULL &&
		    strspn(s->def->from->args[0], "0123456789") != strlen(s->def->from->args[0]))
			dep->needed = true;
		for (size_t k = 0; k < s->def->ninstr; k++) {
			const char *from = s->def->instrs[k].flags.from;

			if (from == NULL)
				continue;
			if (strchr(from, '$') != NULL) {
				/* Only the build knows what it expands to: keep every earlier stage. */
				for (size_t j = 0; j < i; j++)
					b->stages[j].needed = true;
			} else if ((dep = bld_find_stage(b, from, i)) != NULL) {
				dep->needed = true;
			}
		}
	}
	/* Stages after the target are never built. */
	for (size_t i = target + 1; i < b->nstages; i++)
		b->stages[i].needed = false;
	return 0;
}

static int count_fs_steps(const struct bld_instr *v, size_t n)
{
	int k = 0;

	for (size_t i = 0; i < n; i++)
		k += v[i].kind == BLD_RUN || v[i].kind == BLD_COPY || v[i].kind == BLD_ADD ||
		     v[i].kind == BLD_WORKDIR;
	return k;
}

/* A new, empty config: what FROM scratch starts with. */
static json_t *scratch_config(void)
{
	const char *platform = bld_host_platform();

	return json_pack("{s:s, s:s, s:{s:[s]}, s:{s:s, s:[]}, s:[]}", "architecture",
	                 platform + strcspn(platform, "/") + 1, "os", "linux", "config", "Env",
	                 BLD_DEFAULT_PATH, "rootfs", "type", "layers", "diff_ids", "history");
}

/* The cache chain starts from what the base's files are: its layers' diff_ids. */
static int base_key(struct stage *s, struct mc_error *err)
{
	struct bld_key k;
	struct bld_list ids = {0};

	for (size_t i = 0; i < s->nlayer; i++)
		bld_list_push(&ids, s->layers[i].diff_id);
	if (bld_key_begin(&k, "base", "", err) < 0) {
		bld_list_free(&ids);
		return -1;
	}
	bld_key_strv(&k, "layers", ids.v);
	bld_key_end(&k, s->fs_key);
	bld_list_free(&ids);
	return 0;
}

int bld_load_image(struct build *b, struct stage *s, const char *ref, struct mc_error *err)
{
	struct img_image img;
	struct mc_error find_err;
	char full[600];
	struct img_ref r;

	if (img_store_find(b->st, ref, &img, &find_err) < 0) {
		if (b->o->pull == NULL) {
			if (img_ref_parse(ref, &r, err) < 0)
				return -1;
			return mc_fail(
			    err, 0,
			    "failed to resolve source metadata for %s: not in the local "
			    "image store, and this minicontainer has no registry client to "
			    "pull it (load or import it first)",
			    img_ref_full(&r, full, sizeof(full)));
		}
		if (b->o->pull(b->o->pull_arg, b->st, ref, err) < 0 ||
		    img_store_find(b->st, ref, &img, err) < 0)
			return -1;
	}
	s->image = json_loads(img.config_json, 0, NULL);
	s->layers = calloc(img.nlayer + 1, sizeof(*s->layers));
	if (s->image == NULL || s->layers == NULL) {
		img_image_free(&img);
		return mc_fail(err, ENOMEM, "image %s", ref);
	}
	memcpy(s->layers, img.layers, img.nlayer * sizeof(*s->layers));
	s->nlayer = img.nlayer;
	img_image_free(&img);
	snprintf(s->created, sizeof(s->created), "%s",
	         json_string_value(json_object_get(s->image, "created")) ?: "");
	if (b->epoch >= 0 || s->created[0] == '\0')
		bld_now(b, s->created, sizeof(s->created));
	return base_key(s, err);
}

int bld_image_stage(struct build *b, const char *ref, struct stage **out, struct mc_error *err)
{
	struct stage *more, *s;

	more = realloc(b->images, (b->nimages + 1) * sizeof(*more));
	if (more == NULL)
		return mc_fail(err, ENOMEM, "COPY --from");
	b->images = more;
	s = &b->images[b->nimages];
	memset(s, 0, sizeof(*s));
	s->mount_fd = -1;
	if (bld_load_image(b, s, ref, err) < 0) {
		json_decref(s->image);
		free(s->layers);
		return -1;
	}
	s->done = true;
	b->nimages++;
	*out = s;
	return 0;
}

/* --platform: we build for this machine only (no emulation). */
static int check_platform(struct build *b, const struct bld_flags *f, struct mc_error *err)
{
	char **env;
	char *p = NULL;
	int rc = 0;

	if (f->platform == NULL)
		return 0;
	env = from_env(b);
	rc = bld_expand(&b->lex, f->platform, env, &p, err);
	bld_strv_free(env);
	if (rc == 0 && strcmp(p, bld_host_platform()) != 0)
		rc =
		    mc_fail(err, 0, "--platform=%s: this machine builds for %s only (no emulation)",
		            p, bld_host_platform());
	free(p);
	return rc;
}

/* FROM: the base's files and config, or an earlier stage's, or nothing (scratch). */
static int start_stage(struct build *b, struct stage *s, struct mc_error *err)
{
	char **env = from_env(b), *base = NULL, full[600];
	struct stage *prev;
	struct img_ref r;
	int rc;

	rc = check_platform(b, &s->def->from_flags, err);
	if (rc == 0)
		rc = bld_expand(&b->lex, s->def->from->args[0], env, &base, err);
	bld_strv_free(env);
	if (rc < 0)
		return -1;
	if (base[0] == '\0') {
		mc_fail(err, 0, "base name (%s) should not be blank", s->def->from->args[0]);
		free(base);
		return -1;
	}
	prev = bld_find_stage(b, base, s->index);
	if (prev != NULL && strspn(base, "0123456789") == strlen(base))
		prev = NULL; /* FROM 1 is an image called "1", not stage 1 */
	if (strcasecmp(base, "scratch") == 0) {
		s->image = scratch_config();
		bld_now(b, s->created, sizeof(s->created));
		rc = s->image ? base_key(s, err) : mc_fail(err, ENOMEM, "config");
	} else if (prev != NULL) {
		s->image = json_deep_copy(prev->image);
		s->layers = calloc(prev->nlayer + 1, sizeof(*s->layers));
		if (s->image == NULL || s->layers == NULL) {
			rc = mc_fail(err, ENOMEM, "FROM %s", base);
		} else {
			if (prev->nlayer > 0)
				memcpy(s->layers, prev->layers, prev->nlayer * sizeof(*s->layers));
			s->nlayer = prev->nlayer;
			memcpy(s->fs_key, prev->fs_key, sizeof(s->fs_key));
			memcpy(s->created, prev->created, sizeof(s->created));
		}
	} else {
		bld_step_start(b->o->progress, "[%s%s1/%d] FROM %s", s->label,
		               s->label[0] ? " " : "", s->nsteps,
		               img_ref_parse(base, &r, err) == 0
		                   ? img_ref_full(&r, full, sizeof(full))
		                   : base);
		rc = bld_load_image(b, s, base, err);
		if (rc < 0)
			bld_step_error(b->o->progress, err->msg);
		else
			bld_step_done(b->o->progress);
	}
	free(base);
	s->step = 1;
	if (rc < 0)
		return -1;
	/* What a build does not carry over from its base. */
	json_object_del(s->image, "container");
	json_object_del(s->image, "container_config");
	json_object_del(s->image, "docker_version");
	if (!json_is_array(json_object_get(s->image, "history")))
		json_object_set_new(s->image, "history", json_array());
	env = bld_config_env(s->image);
	for (size_t i = 0; env != NULL && env[i] != NULL && rc == 0; i++)
		rc = strncmp(env[i], "PATH=", 5) == 0 ? 1 : 0;
	if (rc == 0)
		bld_config_setenv(s->image, "PATH", BLD_DEFAULT_PATH_VALUE);
	bld_strv_free(env);
	return 0;
}

static int dispatch(struct build *b, struct stage *s, const struct bld_instr *in,
                    struct mc_error *err)
{
	char **env, *hist = NULL;
	int rc;

	switch (in->kind) {
	case BLD_ARG:
		return dispatch_arg(b, s, in, &s->args, err);
	case BLD_RUN:
		return bld_step_run(b, s, in, err);
	case BLD_COPY:
	case BLD_ADD:
		return bld_step_copy(b, s, in, err);
	case BLD_FROM:
		return mc_fail(err, 0, "FROM inside a stage");
	default:
		break;
	}
	env = bld_stage_env(b, s);
	rc = bld_config_apply(s->image, in, &b->lex, env, &s->cmd_set, &hist, err);
	bld_strv_free(env);
	if (rc == 0 && in->kind == BLD_WORKDIR)
		rc = bld_step_workdir(b, s, in, err);
	else if (rc == 0)
		bld_history(s, s->created, hist, true);
	free(hist);
	return rc;
}

/* ONBUILD triggers of the base: they run first, then are gone from the config. */
static int run_triggers(struct build *b, struct stage *s, struct mc_error *err)
{
	json_t *cfg = json_object_get(s->image, "config");
	json_t *triggers = json_deep_copy(json_object_get(cfg, "OnBuild")), *t;
	size_t i;
	int rc = 0;

	json_object_del(cfg, "OnBuild");
	json_array_foreach(triggers, i, t)
	{
		const char *text = json_string_value(t);
		struct bld_dockerfile df;
		struct bld_instr in;

		if (text == NULL || rc < 0)
			continue;
		if (bld_parse(text, strlen(text), "ONBUILD", &df, NULL, err) < 0) {
			rc = -1;
			continue;
		}
		rc = df.count == 1
		         ? bld_check_instr(&df.nodes[0], &in, err)
		         : mc_fail(err, 0, "ONBUILD trigger \"%s\": not one instruction", text);
		if (rc == 0 &&
		    (in.kind == BLD_ONBUILD || in.kind == BLD_FROM || in.kind == BLD_MAINTAINER))
			rc = mc_fail(err, 0, "%s isn't allowed as an ONBUILD trigger",
			             df.nodes[0].cmd);
		if (rc == 0)
			rc = dispatch(b, s, &in, err);
		if (rc < 0)
			mc_fail_context(err, "executing ONBUILD trigger \"%s\"", text);
		bld_dockerfile_free(&df);
	}
	json_decref(triggers);
	return rc;
}

static int build_stage(struct build *b, struct stage *s, struct mc_error *err)
{
	json_t *triggers;

	s->nsteps = 1 + count_fs_steps(s->def->instrs, s->def->ninstr);
	if (start_stage(b, s, err) < 0) {
		b->res->line = s->def->from->start_line;
		b->res->end_line = s->def->from->end_line;
		return -1;
	}
	triggers = json_object_get(json_object_get(s->image, "config"), "OnBuild");
	s->nsteps += (int)json_array_size(triggers);
	if (json_array_size(triggers) > 0 && run_triggers(b, s, err) < 0) {
		b->res->line = s->def->from->start_line;
		b->res->end_line = s->def->from->end_line;
		return -1;
	}
	for (size_t i = 0; i < s->def->ninstr; i++) {
		const struct bld_instr *in = &s->def->instrs[i];

		mc_trace(CH, "%s line %d: %s", b->df.file, in->node->start_line,
		         in->node->original);
		if (dispatch(b, s, in, err) < 0) {
			b->res->line = in->node->start_line;
			b->res->end_line = in->node->end_line;
			return -1;
		}
	}
	s->done = true;
	return 0;
}

/* ---- the image --------------------------------------------------------------------------------- */

static int export_image(struct build *b, struct stage *s, struct mc_error *err)
{
	json_t *ids = json_array(), *labels, *h;
	const char *created;
	char *text = NULL;
	int rc = 0;

	bld_step_start(b->o->progress, "exporting to image");
	for (size_t i = 0; i < s->nlayer; i++)
		json_array_append_new(ids, json_string(s->layers[i].diff_id));
	json_object_set_new(s->image, "rootfs",
	                    json_pack("{s:s, s:o}", "type", "layers", "diff_ids", ids));
	h = json_object_get(s->image, "history");
	created = json_string_value(
	    json_object_get(json_array_get(h, json_array_size(h) - 1), "created"));
	json_object_set_new(s->image, "created", json_string(created ? created : s->created));
	for (size_t i = 0; b->o->labels != NULL && b->o->labels[i] != NULL; i++) {
		const char *l = b->o->labels[i];
		char *key = strndup(l, strcspn(l, "="));

		labels = json_object_get(json_object_get(s->image, "config"), "Labels");
		if (!json_is_object(labels)) {
			labels = json_object();
			json_object_set_new(json_object_get(s->image, "config"), "Labels", labels);
		}
		if (key != NULL)
			json_object_set_new(labels, key,
			                    json_string(l[strlen(key)] ? l + strlen(key) + 1 : ""));
		free(key);
	}
	text = json_dumps(s->image, JSON_COMPACT | JSON_SORT_KEYS);
	if (text == NULL)
		return mc_fail(err, ENOMEM, "image config");
	img_digest_buffer(text, strlen(text), b->res->image_id);
	if (img_store_lock(b->st, true, err) < 0) {
		free(text);
		return -1;
	}
	bld_step_note(b->o->progress, "exporting layers done");
	/* One manifest, under every name (-t); kept by the cache even with none. */
	if (b->o->tags == NULL || b->o->tags[0] == NULL)
		rc = img_store_add_image(b->st, text, s->layers, s->nlayer, NULL, b->res->manifest,
		                         err);
	for (size_t i = 0; rc == 0 && b->o->tags != NULL && b->o->tags[i] != NULL; i++) {
		struct img_ref r;

		rc = img_ref_parse(b->o->tags[i], &r, err);
		if (rc == 0)
			rc = img_store_add_image(b->st, text, s->layers, s->nlayer, &r,
			                         b->res->manifest, err);
	}
	if (rc == 0)
		rc = bld_cache_keep_image(&b->cache, b->res->manifest, err);
	img_store_unlock(b->st);
	free(text);
	if (rc < 0) {
		bld_step_error(b->o->progress, err->msg);
		return -1;
	}
	bld_step_note(b->o->progress, "writing image %s done", b->res->image_id);
	for (size_t i = 0; b->o->tags != NULL && b->o->tags[i] != NULL; i++) {
		struct img_ref r;
		char full[600];
		struct mc_error ignored;

		if (img_ref_parse(b->o->tags[i], &r, &ignored) == 0)
			bld_step_note(b->o->progress, "naming to %s done",
			              img_ref_full(&r, full, sizeof(full)));
	}
	bld_step_done(b->o->progress);
	return 0;
}

/* ---- putting it together ----------------------------------------------------------------------- */

static int setup(struct build *b, struct mc_error *err)
{
	const struct bld_context *cx = b->o->context;
	const char *epoch;
	size_t nargs = 0;
	int line = 0;

	while (b->o->build_args != NULL && b->o->build_args[nargs] != NULL)
		nargs++;
	b->arg_used = calloc(nargs + 1, sizeof(bool));
	if (b->arg_used == NULL)
		return mc_fail(err, ENOMEM, "build");
	/* SOURCE_DATE_EPOCH: from --build-arg, or the environment, as BuildKit takes it. */
	epoch = build_arg(b, "SOURCE_DATE_EPOCH");
	if (epoch == NULL)
		epoch = getenv("SOURCE_DATE_EPOCH");
	b->epoch = epoch != NULL && epoch[0] != '\0' ? strtoll(epoch, NULL, 10) : -1;
	for (size_t i = 0; i < sizeof(proxy_args) / sizeof(proxy_args[0]); i++) {
		const char *v = build_arg(b, proxy_args[i]);

		if (v != NULL)
			list_set(&b->proxies, proxy_args[i], v);
	}
	bld_step_start(b->o->progress, "[internal] load build definition from %s",
	               cx->dockerfile_name);
	bld_step_note(b->o->progress, "transferring dockerfile: %zuB done", cx->dockerfile_len);
	if (bld_parse(cx->dockerfile, cx->dockerfile_len, cx->dockerfile_name, &b->df, &line, err) <
	        0 ||
	    bld_check(&b->df, &b->prog, &line, err) < 0) {
		b->res->line = b->res->end_line = line;
		bld_step_error(b->o->progress, err->msg);
		return -1;
	}
	bld_step_done(b->o->progress);
	bld_step_start(b->o->progress, "[internal] load .dockerignore");
	bld_step_note(b->o->progress, "transferring context: %zu rules done", cx->ignore.count);
	bld_step_done(b->o->progress);
	bld_lex_init(&b->lex, b->df.escape);
	if (bld_cache_open(&b->cache, b->st, err) < 0 || ovl_private_mounts(err) < 0)
		return -1;
	if ((size_t)snprintf(b->work, sizeof(b->work), "%s/tmp/build-XXXXXX", b->st->root) >=
	        sizeof(b->work) ||
	    mkdtemp(b->work) == NULL)
		return mc_fail(err, errno ? errno : ENAMETOOLONG, "build directory");
	return 0;
}

static int make_stages(struct build *b, struct mc_error *err)
{
	b->nstages = b->prog.nstages;
	b->stages = calloc(b->nstages, sizeof(*b->stages));
	if (b->stages == NULL)
		return mc_fail(err, ENOMEM, "build");
	for (size_t i = 0; i < b->nstages; i++) {
		struct stage *s = &b->stages[i];

		s->def = &b->prog.stages[i];
		s->index = i;
		s->mount_fd = -1;
		if (b->nstages > 1 && s->def->name != NULL)
			snprintf(s->label, sizeof(s->label), "%s", s->def->name);
		else if (b->nstages > 1)
			snprintf(s->label, sizeof(s->label), "stage-%zu", i);
	}
	return mark_needed(b, err);
}

static void note_unused_args(struct build *b)
{
	size_t used = 0;

	for (size_t i = 0; b->o->build_args != NULL && b->o->build_args[i] != NULL; i++) {
		const char *a = b->o->build_args[i];

		if (b->arg_used[i] || strncmp(a, "SOURCE_DATE_EPOCH", 17) == 0)
			continue;
		used += (size_t)snprintf(
		    b->res->unused_args + used,
		    used < sizeof(b->res->unused_args) ? sizeof(b->res->unused_args) - used : 0,
		    "%s%.*s", used ? " " : "", (int)strcspn(a, "="), a);
		if (used >= sizeof(b->res->unused_args))
			break;
	}
}

static void free_stage(struct stage *s)
{
	bld_stage_unmount(s);
	json_decref(s->image);
	free(s->layers);
	bld_list_free(&s->args);
}

int bld_build(struct img_store *st, const struct bld_options *o, struct bld_result *res,
              struct mc_error *err)
{
	struct build *b = calloc(1, sizeof(*b));
	struct mc_error ignored;
	struct stage *target = NULL;
	int rc = -1;

	memset(res, 0, sizeof(*res));
	if (b == NULL)
		return mc_fail(err, ENOMEM, "build");
	b->st = st;
	b->o = o;
	b->res = res;
	b->epoch = -1;
	if (setup(b, err) < 0 || make_stages(b, err) < 0)
		goto out;
	/* The ARGs before the first FROM: only FROM lines (and ARGs naming them) see them. */
	for (size_t i = 0; i < b->prog.nmeta; i++)
		if (dispatch_arg(b, NULL, &b->prog.meta_args[i], &b->globals, err) < 0) {
			res->line = res->end_line = b->prog.meta_args[i].node->start_line;
			goto out;
		}
	for (size_t i = 0; i < b->nstages; i++) {
		if (!b->stages[i].needed)
			continue;
		if (build_stage(b, &b->stages[i], err) < 0)
			goto out;
		target = &b->stages[i];
	}
	if (target == NULL) {
		mc_fail(err, 0, "nothing to build");
		goto out;
	}
	rc = export_image(b, target, err);
	note_unused_args(b);
out:
	bld_progress_end(o->progress, rc == 0);
	for (size_t i = 0; i < b->nstages; i++)
		free_stage(&b->stages[i]);
	for (size_t i = 0; i < b->nimages; i++)
		free_stage(&b->images[i]);
	free(b->stages);
	free(b->images);
	if (b->work[0] != '\0')
		mc_remove_tree(b->work, &ignored);
	bld_program_free(&b->prog);
	bld_dockerfile_free(&b->df);
	bld_list_free(&b->globals);
	bld_list_free(&b->proxies);
	free(b->arg_used);
	free(b);
	return rc;
}
