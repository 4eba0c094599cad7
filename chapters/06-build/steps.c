/*
 * steps.c - chapter 06: the steps that change files - RUN, COPY, ADD and
 * WORKDIR - each one a new layer (see bld_build.h).
 *
 * They share one shape:
 *
 *	key = what the result depends on (bld_cache.h)
 *	cached?   the layer the step made last time, and nothing runs
 *	else      a fresh upper directory over the image so far (chapter 03),
 *	          the step's work in it, then the upper written as a layer
 *	          (bld_layer.h) and recorded under the key
 *
 * A RUN works in its upper through a container (bld_run.h); COPY, ADD and
 * WORKDIR through an overlay mounted here, in the build's own mount
 * namespace, with the merged tree as the root every destination is
 * resolved in.
 */
#define _GNU_SOURCE
#include "bld_state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bld_config.h"
#include "bld_copy.h"
#include "bld_layer.h"
#include "bld_run.h"
#include "mc_file.h"
#include "mc_trace.h"
#include "ns_confine.h"
#include "ovl_overlay.h"

#define CH "ch06"

/* ---- the layers so far, as directories --------------------------------------------------------- */

/* Every layer of the stage unpacked in the store (a cached layer may not be, after a GC). */
static int unpack_layers(struct build *b, struct stage *s, struct mc_error *err)
{
	int rc = 0;

	if (img_store_lock(b->st, true, err) < 0)
		return -1;
	for (size_t i = 0; rc == 0 && i < s->nlayer; i++)
		rc = bld_layer_unpack(b->st, &s->layers[i], err);
	img_store_unlock(b->st);
	return rc;
}

/*
 * The lower directories for an overlay of the stage, lowest first.  A stage
 * with no layers yet (FROM scratch) gets one empty directory: overlayfs
 * needs at least one.
 */
static int lower_dirs(struct build *b, struct stage *s, char ***dirs, size_t *n,
                      struct mc_error *err)
{
	struct bld_list l = {0};
	char path[PATH_MAX];

	*dirs = NULL;
	*n = 0;
	if (unpack_layers(b, s, err) < 0)
		return -1;
	for (size_t i = 0; i < s->nlayer; i++) {
		if (img_layer_path(b->st, s->layers[i].diff_id, path, sizeof(path), err) < 0) {
			bld_list_free(&l);
			return -1;
		}
		bld_list_push(&l, path);
	}
	if (s->nlayer == 0) {
		if (mc_path_join(path, sizeof(path), b->work, "empty", err) < 0 ||
		    mc_mkdir_p(path, 0755, err) < 0)
			return -1;
		bld_list_push(&l, path);
	}
	if (l.failed) {
		bld_list_free(&l);
		return mc_fail(err, ENOMEM, "layers");
	}
	*dirs = l.v;
	*n = l.n;
	return 0;
}

/* A new private directory under the build's scratch space: "<work>/<what>-<n>". */
static int scratch_dir(struct build *b, const char *what, char *buf, size_t size,
                       struct mc_error *err)
{
	if ((size_t)snprintf(buf, size, "%s/%s-%u", b->work, what, b->seq++) >= size)
		return mc_fail(err, ENAMETOOLONG, "scratch directory");
	return mc_mkdir_p(buf, 0700, err);
}

/* An overlay of the stage with `upper` on top, mounted under `dir`; *root is its merged tree. */
static int mount_stage(struct build *b, struct stage *s, const char *dir, const char *upper,
                       int *root, struct mc_error *err)
{
	char work[PATH_MAX], merged[PATH_MAX], **lowers = NULL;
	struct ovl_config cfg = {0};
	size_t n;
	int rc;

	*root = -1;
	if (mc_path_join(work, sizeof(work), dir, "work", err) < 0 ||
	    mc_path_join(merged, sizeof(merged), dir, "merged", err) < 0 ||
	    mc_mkdir_p(upper, 0755, err) < 0 || mc_mkdir_p(work, 0700, err) < 0 ||
	    mc_mkdir_p(merged, 0755, err) < 0 || lower_dirs(b, s, &lowers, &n, err) < 0)
		return -1;
	cfg.lowers = (const char *const *)lowers;
	cfg.nlower = n;
	cfg.upper = upper;
	cfg.work = work;
	cfg.merged = merged;
	rc = ovl_mount(&cfg, err);
	bld_strv_free(lowers);
	if (rc < 0)
		return -1;
	*root = open(merged, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (*root < 0) {
		rc = mc_fail(err, errno, "open %s", merged);
		ovl_umount(merged, err);
	}
	return rc;
}

static void unmount_stage(const char *dir, int root)
{
	char merged[PATH_MAX];
	struct mc_error ignored;

	if (root >= 0)
		close(root);
	snprintf(merged, sizeof(merged), "%s/merged", dir);
	ovl_umount(merged, &ignored);
}

int bld_stage_root(struct build *b, struct stage *s, struct mc_error *err)
{
	char upper[PATH_MAX];

	if (s->mount_fd >= 0)
		return s->mount_fd;
	/* Mounted once per build: a finished stage does not change any more. */
	if (scratch_dir(b, "source", s->mount_dir, sizeof(s->mount_dir), err) < 0 ||
	    mc_path_join(upper, sizeof(upper), s->mount_dir, "upper", err) < 0 ||
	    mount_stage(b, s, s->mount_dir, upper, &s->mount_fd, err) < 0)
		return -1;
	return s->mount_fd;
}

void bld_stage_unmount(struct stage *s)
{
	if (s->mount_fd >= 0)
		unmount_stage(s->mount_dir, s->mount_fd);
	s->mount_fd = -1;
}

/* ---- the shape every file step has -------------------------------------------------------------- */

struct fs_step {
	const char *title;   /* for the progress line: "RUN make" */
	const char *history; /* created_by */
	char key[IMG_DIGEST_LEN + 1];
	char chain[IMG_DIGEST_LEN + 1]; /* the stage's key afterwards (= key, except for --link) */
	/* Do the work, in `upper`; `dir` is a private scratch directory. */
	int (*work)(struct build *b, struct stage *s, void *arg, const char *dir, const char *upper,
	            struct mc_error *err);
	void *arg;
};

static void add_layer(struct stage *s, const struct img_layer *l)
{
	struct img_layer *more = realloc(s->layers, (s->nlayer + 2) * sizeof(*more));

	if (more == NULL)
		return;
	s->layers = more;
	s->layers[s->nlayer++] = *l;
}

/* The step's result joins the stage: a layer (or none), a history entry, the new chain key. */
static void take_result(struct stage *s, const struct fs_step *f, const struct bld_cache_entry *e)
{
	if (!e->empty)
		add_layer(s, &e->layer);
	bld_history(s, e->created, f->history, e->empty);
	memcpy(s->created, e->created, sizeof(s->created));
	memcpy(s->fs_key, f->chain[0] ? f->chain : f->key, sizeof(s->fs_key));
}

/* The layer a step made: written from its upper and recorded under its key, under the lock. */
static int commit(struct build *b, const char *upper, const struct fs_step *f,
                  struct bld_cache_entry *e, struct mc_error *err)
{
	struct bld_layer_opts lo = {.zstd = b->o->zstd, .clamp_time = b->epoch};
	int rc;

	bld_now(b, e->created, sizeof(e->created));
	if (img_store_lock(b->st, true, err) < 0)
		return -1;
	rc = bld_layer_commit(b->st, upper, &lo, &e->layer, &e->empty, err);
	if (rc == 0)
		rc = bld_cache_put(&b->cache, f->key, e, f->history, err);
	img_store_unlock(b->st);
	return rc;
}

static int run_fs_step(struct build *b, struct stage *s, struct fs_step *f, struct mc_error *err)
{
	struct bld_cache_entry e;
	struct mc_error ignored;
	char dir[PATH_MAX], upper[PATH_MAX];
	int rc;

	s->step++;
	b->res->steps++;
	bld_step_start(b->o->progress, "[%s%s%d/%d] %s", s->label, s->label[0] ? " " : "", s->step,
	               s->nsteps, f->title);
	if (!b->o->no_cache && bld_cache_get(&b->cache, f->key, &e)) {
		mc_trace(CH, "cache hit %.19s: %s", f->key, f->title);
		b->res->cached++;
		take_result(s, f, &e);
		bld_step_cached(b->o->progress);
		return 0;
	}
	mc_trace(CH, "cache miss %.19s: %s", f->key, f->title);
	memset(&e, 0, sizeof(e));
	rc = scratch_dir(b, "step", dir, sizeof(dir), err);
	if (rc == 0)
		rc = mc_path_join(upper, sizeof(upper), dir, "upper", err);
	if (rc == 0)
		rc = f->work(b, s, f->arg, dir, upper, err);
	if (rc == 0)
		rc = commit(b, upper, f, &e, err);
	mc_remove_tree(dir, &ignored);
	if (rc < 0) {
		bld_step_error(b->o->progress, err->msg);
		return -1;
	}
	take_result(s, f, &e);
	bld_step_done(b->o->progress);
	return 0;
}

/* What every file step's key starts with: the files below it, and how layers are written. */
static int begin_key(struct build *b, struct bld_key *k, const char *kind, const char *parent,
                     struct mc_error *err)
{
	char epoch[32];

	if (bld_key_begin(k, kind, parent, err) < 0)
		return -1;
	snprintf(epoch, sizeof(epoch), "%lld", (long long)b->epoch);
	bld_key_str(k, "epoch", epoch);
	bld_key_str(k, "compression", b->o->zstd ? "zstd" : "gzip");
	return 0;
}

/* "RUN make": the instruction as written, its name in capitals (progress and history). */
static char *title_of(const struct bld_instr *in)
{
	const char *rest = in->node->original + strspn(in->node->original, " \t");
	char *out;

	rest += strcspn(rest, " \t");
	rest += strspn(rest, " \t");
	if (asprintf(&out, "%s %s", bld_kind_name(in->kind), rest) < 0)
		return NULL;
	return out;
}

/* "/bin/sh -c echo hi": argv as one line, for messages and the history. */
static char *joined(char *const *argv)
{
	struct bld_buf buf = {0};

	for (size_t i = 0; argv != NULL && argv[i] != NULL; i++)
		bld_buf_printf(&buf, "%s%s", i ? " " : "", argv[i]);
	return bld_buf_take(&buf);
}

/* ---- RUN ----------------------------------------------------------------------------------------- */

struct run_step {
	char **argv, **env;
	const char *workdir, *user;
	enum bld_network network;
	const char *script_name;
	char *script;
};

static void run_output(void *arg, const char *data, size_t len)
{
	bld_step_output(arg, data, len);
}

static int run_work(struct build *b, struct stage *s, void *arg, const char *dir, const char *upper,
                    struct mc_error *err)
{
	struct run_step *r = arg;
	struct bld_buf quoted = {0};
	char **lowers = NULL, *line;
	size_t n;
	int code, rc;
	struct bld_run req = {0};

	if (lower_dirs(b, s, &lowers, &n, err) < 0 || mc_mkdir_p(upper, 0755, err) < 0) {
		bld_strv_free(lowers);
		return -1;
	}
	req.lowers = (const char *const *)lowers;
	req.nlower = n;
	req.upper = upper;
	req.scratch = dir;
	req.argv = r->argv;
	req.env = r->env;
	req.workdir = r->workdir;
	req.user = r->user;
	req.network = r->network;
	req.script_name = r->script_name;
	req.script = r->script;
	req.output = run_output;
	req.output_arg = b->o->progress;
	rc = bld_run_container(&req, &code, err);
	bld_strv_free(lowers);
	/* Go's %q of the command line, as BuildKit says it: "process \"/bin/sh -c ...\"". */
	line = joined(r->argv);
	bld_quote_go(&quoted, line ? line : "");
	if (rc < 0) {
		mc_fail_context(err, "process %s could not be started", bld_buf_str(&quoted));
	} else if (code != 0) {
		b->res->exit_code = code;
		rc = mc_fail(err, 0, "process %s did not complete successfully: exit code: %d",
		             bld_buf_str(&quoted), code);
	}
	bld_buf_free(&quoted);
	free(line);
	return rc;
}

/*
 * RUN's command: the exec form as it is; the shell form in SHELL.  With a
 * heredoc, BuildKit's three cases: "RUN <<EOF" alone runs the document as a
 * script (a file in /dev/pipes if it starts with "#!"), anything else hands
 * the line and its documents to the shell as they are.
 */
static int run_command(struct build *b, struct stage *s, const struct bld_node *n,
                       struct run_step *r, struct mc_error *err)
{
	struct bld_list argv = {0};
	struct bld_buf line = {0};
	struct bld_heredoc h;
	char **shell;

	(void)b;
	if (n->json) {
		for (size_t i = 0; i < n->nargs; i++)
			bld_list_push(&argv, n->args[i]);
		goto done;
	}
	bld_buf_adds(&line, n->args[0]);
	if (n->nheredocs > 0 && bld_heredoc_word(n->args[0], &h)) {
		char *text = bld_heredoc_text(&n->heredocs[0]);

		free(h.name);
		bld_buf_reset(&line);
		if (text != NULL && strncmp(text, "#!", 2) == 0) {
			r->script_name = n->heredocs[0].name;
			r->script = text;
			bld_buf_printf(&line, "/dev/pipes/%s", n->heredocs[0].name);
		} else {
			bld_buf_adds(&line, text ? text : "");
			free(text);
		}
	} else {
		for (size_t i = 0; i < n->nheredocs; i++)
			bld_buf_printf(&line, "\n%s%s", n->heredocs[i].content,
			               n->heredocs[i].name);
	}
	shell = bld_config_shell(s->image);
	for (size_t i = 0; shell != NULL && shell[i] != NULL; i++)
		bld_list_push(&argv, shell[i]);
	bld_strv_free(shell);
	bld_list_push(&argv, bld_buf_str(&line));
done:
	bld_buf_free(&line);
	if (argv.failed || argv.n == 0) {
		bld_list_free(&argv);
		return mc_fail(err, ENOMEM, "RUN");
	}
	r->argv = argv.v;
	return 0;
}

/* "RUN |2 A=1 B=2 /bin/sh -c make # buildkit": the ARGs the command saw, as BuildKit writes. */
static char *run_history(struct stage *s, char *const *argv)
{
	struct bld_buf h = {0};
	char *cmd = joined(argv);
	size_t n = 0;

	for (size_t i = 0; i < s->args.n; i++)
		n += strchr(s->args.v[i], '=') != NULL;
	bld_buf_adds(&h, "RUN ");
	if (n > 0) {
		bld_buf_printf(&h, "|%zu ", n);
		for (size_t i = 0; i < s->args.n; i++)
			if (strchr(s->args.v[i], '=') != NULL)
				bld_buf_printf(&h, "%s ", s->args.v[i]);
	}
	bld_buf_printf(&h, "%s # buildkit", cmd ? cmd : "");
	free(cmd);
	return bld_buf_take(&h);
}

static int run_flags(struct build *b, const struct bld_instr *in, enum bld_network *net,
                     struct mc_error *err)
{
	*net = b->o->network;
	if (in->flags.mount != NULL)
		return mc_fail(err, ENOSYS, "RUN --mount is not supported yet");
	if (in->flags.security != NULL && strcmp(in->flags.security, "sandbox") != 0)
		return mc_fail(err, EPERM,
		               "RUN --security=%s: only the default sandbox is offered (no "
		               "entitlements)",
		               in->flags.security);
	return in->flags.network ? bld_network_parse(in->flags.network, net, err) : 0;
}

int bld_step_run(struct build *b, struct stage *s, const struct bld_instr *in, struct mc_error *err)
{
	struct run_step r = {0};
	struct fs_step f = {0};
	struct bld_key k = {0};
	json_t *cfg = json_object_get(s->image, "config");
	char *history = NULL, *title = NULL, net[8];
	int rc = -1;

	if (run_flags(b, in, &r.network, err) < 0 || run_command(b, s, in->node, &r, err) < 0)
		goto out;
	r.env = bld_run_env(b, s);
	r.workdir = json_string_value(json_object_get(cfg, "WorkingDir"));
	r.user = json_string_value(json_object_get(cfg, "User"));
	if (r.workdir != NULL && r.workdir[0] == '\0')
		r.workdir = NULL;
	history = run_history(s, r.argv);
	if (r.env == NULL || history == NULL) {
		mc_fail(err, ENOMEM, "RUN");
		goto out;
	}
	if (begin_key(b, &k, "RUN", s->fs_key, err) < 0)
		goto out;
	snprintf(net, sizeof(net), "%d", (int)r.network);
	bld_key_strv(&k, "argv", r.argv);
	/* The proxies are left out: changing them keeps the cache, as in Docker. */
	{
		char **keyed = bld_stage_env(b, s);

		bld_key_strv(&k, "env", keyed);
		bld_strv_free(keyed);
	}
	bld_key_str(&k, "workdir", r.workdir);
	bld_key_str(&k, "user", r.user);
	bld_key_str(&k, "network", net);
	bld_key_str(&k, "script", r.script);
	bld_key_end(&k, f.key);
	title = title_of(in);
	if (title == NULL) {
		mc_fail(err, ENOMEM, "RUN");
		goto out;
	}
	f.title = title;
	f.history = history;
	f.work = run_work;
	f.arg = &r;
	rc = run_fs_step(b, s, &f, err);
out:
	bld_key_abort(&k);
	bld_strv_free(r.argv);
	bld_strv_free(r.env);
	free(r.script);
	free(history);
	free(title);
	return rc;
}

/* ---- COPY and ADD ------------------------------------------------------------------------------------ */

struct copy_step {
	struct bld_copy c;
	const char
	    *chown; /* as written, resolved in the destination (names need its /etc/passwd) */
	bool link;
};

/* --chown user[:group]: numbers as they are; names from the image's own passwd and group. */
static int resolve_chown(int root, const char *spec, uid_t *uid, gid_t *gid, struct mc_error *err)
{
	struct ns_user u;

	if (spec == NULL || spec[0] == '\0')
		return 0;
	if (ns_user_resolve(root, spec, NULL, &u, err) < 0)
		return mc_fail_context(err, "--chown=%s", spec);
	*uid = u.uid;
	/* Docker: a user alone means the group with the same number, not the user's group. */
	*gid = strchr(spec, ':') != NULL ? u.gid : (gid_t)u.uid;
	return 0;
}

static int copy_work(struct build *b, struct stage *s, void *arg, const char *dir,
                     const char *upper, struct mc_error *err)
{
	struct copy_step *cs = arg;
	int root, rc;

	if (cs->link) {
		/* --link: the files go into a layer of their own, independent of what is below. */
		if (mc_mkdir_p(upper, 0755, err) < 0)
			return -1;
		root = open(upper, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (root < 0)
			return mc_fail(err, errno, "open %s", upper);
		rc = resolve_chown(root, cs->chown, &cs->c.uid, &cs->c.gid, err);
		if (rc == 0)
			rc = bld_copy_apply(&cs->c, root, err);
		close(root);
		return rc;
	}
	if (mount_stage(b, s, dir, upper, &root, err) < 0)
		return -1;
	rc = resolve_chown(root, cs->chown, &cs->c.uid, &cs->c.gid, err);
	if (rc == 0)
		rc = bld_copy_apply(&cs->c, root, err);
	unmount_stage(dir, root);
	return rc;
}

/* The destination: absolute, relative ones under WORKDIR; a trailing "/" kept (it means "a directory"). */
static char *destination(struct stage *s, const char *dest)
{
	const char *wd =
	    json_string_value(json_object_get(json_object_get(s->image, "config"), "WorkingDir"));
	char *out;

	if (dest[0] == '/')
		return strdup(dest);
	if (asprintf(&out, "%s/%s", wd && wd[0] ? wd : "", dest) < 0)
		return NULL;
	return out;
}

/* Where COPY reads from: the context, or --from's stage or image. */
static int copy_source(struct build *b, struct stage *s, const struct bld_instr *in,
                       char *const *env, struct copy_step *cs, struct bld_key *k,
                       struct mc_error *err)
{
	struct stage *from;
	char *name = NULL;
	int rc;

	if (in->flags.from == NULL) {
		cs->c.src_root = b->o->context->fd;
		cs->c.ignore = &b->o->context->ignore;
		bld_key_str(k, "from", "context");
		return 0;
	}
	if (bld_expand(&b->lex, in->flags.from, env, &name, err) < 0)
		return -1;
	from = bld_find_stage(b, name, s->index);
	if (from != NULL && !from->done)
		rc = mc_fail(err, 0, "COPY --from=%s: that stage was not built", name);
	else if (from == NULL && bld_find_stage(b, name, b->nstages) != NULL)
		rc = mc_fail(err, 0,
		             "COPY --from=%s: a stage can only copy from the stages before it",
		             name);
	else
		rc = from != NULL ? 0 : bld_image_stage(b, name, &from, err);
	if (rc == 0 && bld_stage_root(b, from, err) < 0)
		rc = -1;
	if (rc == 0) {
		cs->c.src_root = from->mount_fd;
		bld_key_str(k, "from", from->fs_key);
	}
	free(name);
	return rc;
}

/* Sources, in the cache key; heredocs become files. */
static int copy_sources(struct build *b, const struct bld_node *n, char *const *env,
                        struct copy_step *cs, struct mc_error *err)
{
	for (size_t i = 0; i + 1 < n->nargs; i++) {
		struct bld_heredoc h;
		char *src;
		int rc;

		if (!n->json && bld_heredoc_word(n->args[i], &h)) {
			const struct bld_heredoc *doc = NULL;
			char *text, *data = NULL;

			for (size_t k = 0; k < n->nheredocs && doc == NULL; k++)
				if (strcmp(n->heredocs[k].name, h.name) == 0)
					doc = &n->heredocs[k];
			free(h.name);
			if (doc == NULL)
				return mc_fail(err, 0, "heredoc %s has no content", n->args[i]);
			text = bld_heredoc_text(doc);
			if (text == NULL)
				return mc_fail(err, ENOMEM, "heredoc");
			if (doc->expand) {
				/* Variables expand in the document; its quotes are only text. */
				struct bld_lex lx = b->lex;

				lx.literal_quotes = true;
				rc = bld_expand(&lx, text, env, &data, err);
			} else {
				data = strdup(text);
				rc = data ? 0 : mc_fail(err, ENOMEM, "heredoc");
			}
			free(text);
			if (rc == 0)
				rc = bld_copy_add_inline(&cs->c, doc->name, data, err);
			free(data);
			if (rc < 0)
				return -1;
			continue;
		}
		if (bld_expand(&b->lex, n->args[i], env, &src, err) < 0)
			return -1;
		rc = bld_copy_add_source(&cs->c, src, err);
		free(src);
		if (rc < 0)
			return -1;
	}
	return 0;
}

int bld_step_copy(struct build *b, struct stage *s, const struct bld_instr *in,
                  struct mc_error *err)
{
	const struct bld_node *n = in->node;
	const char *kind = in->kind == BLD_ADD ? "ADD" : "COPY";
	char **env = bld_stage_env(b, s), *dest = NULL, *chmod = NULL, *chown = NULL;
	char *history = NULL, *title = NULL, *abs, link_key[IMG_DIGEST_LEN + 1];
	struct copy_step cs;
	struct fs_step f = {0};
	struct bld_key k = {0}, chain = {0};
	int rc = -1;

	bld_copy_init(&cs.c);
	cs.link = in->flags.link;
	cs.c.add = in->kind == BLD_ADD;
	cs.c.fetch = b->o->fetch;
	cs.c.fetch_arg = b->o->fetch_arg;
	cs.c.checksum = in->flags.checksum;
	if (env == NULL || begin_key(b, &k, kind, cs.link ? "" : s->fs_key, err) < 0)
		goto out;
	if (bld_expand(&b->lex, n->args[n->nargs - 1], env, &dest, err) < 0 ||
	    (in->flags.chmod && bld_expand(&b->lex, in->flags.chmod, env, &chmod, err) < 0) ||
	    (in->flags.chown && bld_expand(&b->lex, in->flags.chown, env, &chown, err) < 0) ||
	    (chmod && bld_parse_chmod(chmod, &cs.c.chmod, err) < 0))
		goto out;
	cs.chown = chown;
	if (cs.link && chown != NULL && strspn(chown, "0123456789:") != strlen(chown)) {
		mc_fail(err, 0, "%s --link --chown=%s: only numeric ids with --link", kind, chown);
		goto out;
	}
	abs = destination(s, dest);
	free(dest);
	dest = abs;
	if (dest == NULL) {
		mc_fail(err, ENOMEM, "%s", kind);
		goto out;
	}
	cs.c.dest = dest;
	if (copy_source(b, s, in, env, &cs, &k, err) < 0 || copy_sources(b, n, env, &cs, err) < 0 ||
	    bld_copy_key(&cs.c, &k, err) < 0)
		goto out;
	bld_key_str(&k, "dest", dest);
	bld_key_str(&k, "chown", chown);
	bld_key_str(&k, "chmod", chmod);
	bld_key_end(&k, f.key);
	if (cs.link) {
		/* The layer's key ignores what is below; the stage's chain still follows it. */
		memcpy(link_key, f.key, sizeof(link_key));
		if (bld_key_begin(&chain, "link", s->fs_key, err) < 0)
			goto out;
		bld_key_str(&chain, "layer", link_key);
		bld_key_end(&chain, f.chain);
	}
	title = title_of(in);
	if (title == NULL || asprintf(&history, "%s # buildkit", title) < 0) {
		history = NULL;
		mc_fail(err, ENOMEM, "%s", kind);
		goto out;
	}
	f.title = title;
	f.history = history;
	f.work = copy_work;
	f.arg = &cs;
	rc = run_fs_step(b, s, &f, err);
out:
	bld_key_abort(&k);
	bld_copy_free(&cs.c);
	bld_strv_free(env);
	free(dest);
	free(chmod);
	free(chown);
	free(history);
	free(title);
	return rc;
}

/* ---- WORKDIR ------------------------------------------------------------------------------------------ */

static int workdir_work(struct build *b, struct stage *s, void *arg, const char *dir,
                        const char *upper, struct mc_error *err)
{
	int root, fd;

	if (mount_stage(b, s, dir, upper, &root, err) < 0)
		return -1;
	fd = bld_mkdir_in_root(root, arg, 0, 0, err);
	if (fd >= 0)
		close(fd);
	unmount_stage(dir, root);
	return fd < 0 ? -1 : 0;
}

int bld_step_workdir(struct build *b, struct stage *s, const struct bld_instr *in,
                     struct mc_error *err)
{
	const char *wd =
	    json_string_value(json_object_get(json_object_get(s->image, "config"), "WorkingDir"));
	struct fs_step f = {0};
	struct bld_key k;
	char *history = NULL;
	int rc;

	(void)in;
	if (asprintf(&history, "WORKDIR %s", wd) < 0)
		return mc_fail(err, ENOMEM, "WORKDIR");
	if (begin_key(b, &k, "WORKDIR", s->fs_key, err) < 0) {
		free(history);
		return -1;
	}
	bld_key_str(&k, "path", wd);
	bld_key_end(&k, f.key);
	f.title = history;
	f.history = history;
	f.work = workdir_work;
	f.arg = (void *)wd;
	rc = run_fs_step(b, s, &f, err);
	free(history);
	return rc;
}
