/*
 * instructions.c - chapter 06: checking instructions, cutting stages (see
 * bld_instructions.h).  The rules and messages are BuildKit's
 * (frontend/dockerfile/instructions), instruction by instruction.
 */
#define _GNU_SOURCE
#include "bld_instructions.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *name;
	enum bld_kind kind;
} kinds[] = {
    {"ADD", BLD_ADD},
    {"ARG", BLD_ARG},
    {"CMD", BLD_CMD},
    {"COPY", BLD_COPY},
    {"ENTRYPOINT", BLD_ENTRYPOINT},
    {"ENV", BLD_ENV},
    {"EXPOSE", BLD_EXPOSE},
    {"FROM", BLD_FROM},
    {"HEALTHCHECK", BLD_HEALTHCHECK},
    {"LABEL", BLD_LABEL},
    {"MAINTAINER", BLD_MAINTAINER},
    {"ONBUILD", BLD_ONBUILD},
    {"RUN", BLD_RUN},
    {"SHELL", BLD_SHELL},
    {"STOPSIGNAL", BLD_STOPSIGNAL},
    {"USER", BLD_USER},
    {"VOLUME", BLD_VOLUME},
    {"WORKDIR", BLD_WORKDIR},
};
#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

const char *bld_kind_name(enum bld_kind kind)
{
	for (size_t i = 0; i < NKINDS; i++)
		if (kinds[i].kind == kind)
			return kinds[i].name;
	return "?";
}

/* ---- flags ----------------------------------------------------------------------------------- */

enum flag_type { FLAG_STRING, FLAG_BOOL };

struct flag_spec {
	const char *name;
	enum flag_type type;
};

/* The flags each instruction accepts (BuildKit's, less those we do not implement). */
static const struct flag_spec copy_flags[] = {
    {"from", FLAG_STRING}, {"chown", FLAG_STRING}, {"chmod", FLAG_STRING},
    {"link", FLAG_BOOL},   {NULL, FLAG_STRING},
};
static const struct flag_spec add_flags[] = {
    {"chown", FLAG_STRING},    {"chmod", FLAG_STRING}, {"link", FLAG_BOOL},
    {"checksum", FLAG_STRING}, {NULL, FLAG_STRING},
};
static const struct flag_spec from_flags[] = {{"platform", FLAG_STRING}, {NULL, FLAG_STRING}};
static const struct flag_spec run_flags[] = {
    {"network", FLAG_STRING},
    {"security", FLAG_STRING},
    {"mount", FLAG_STRING},
    {NULL, FLAG_STRING},
};
static const struct flag_spec health_flags[] = {
    {"interval", FLAG_STRING},       {"timeout", FLAG_STRING}, {"start-period", FLAG_STRING},
    {"start-interval", FLAG_STRING}, {"retries", FLAG_STRING}, {NULL, FLAG_STRING},
};
static const struct flag_spec no_flags[] = {{NULL, FLAG_STRING}};

static const char **flag_target(struct bld_flags *f, const char *name)
{
	static const char *unused;

	if (strcmp(name, "from") == 0)
		return &f->from;
	if (strcmp(name, "chown") == 0)
		return &f->chown;
	if (strcmp(name, "chmod") == 0)
		return &f->chmod;
	if (strcmp(name, "platform") == 0)
		return &f->platform;
	if (strcmp(name, "network") == 0)
		return &f->network;
	if (strcmp(name, "checksum") == 0)
		return &f->checksum;
	if (strcmp(name, "security") == 0)
		return &f->security;
	if (strcmp(name, "mount") == 0)
		return &f->mount;
	return &unused; /* the HEALTHCHECK durations, read again below */
}

/* BuildKit's BFlags: "--name=value" (or "--name" for a boolean), each at most once. */
static int parse_flags(const struct bld_node *n, const struct flag_spec *specs, struct bld_flags *f,
                       const char **values, struct mc_error *err)
{
	for (size_t i = 0; i < n->nflags; i++) {
		const char *arg = n->flags[i], *eq;
		char name[64];
		size_t k, len;

		if (strncmp(arg, "--", 2) != 0)
			return mc_fail(err, 0, "arg should start with -- : %s", arg);
		arg += 2;
		eq = strchr(arg, '=');
		len = eq ? (size_t)(eq - arg) : strlen(arg);
		snprintf(name, sizeof(name), "%.*s", (int)len, arg);
		for (k = 0; specs[k].name != NULL && strcmp(specs[k].name, name) != 0; k++)
			;
		if (specs[k].name == NULL)
			return mc_fail(err, 0, "unknown flag: %s", name);
		if (values[k] != NULL)
			return mc_fail(err, 0, "duplicate flag specified: %s", name);
		if (specs[k].type == FLAG_BOOL) {
			const char *v = eq ? eq + 1 : "true";

			if (eq != NULL && v[0] == '\0')
				return mc_fail(err, 0, "missing a value on flag: %s", name);
			if (strcasecmp(v, "true") != 0 && strcasecmp(v, "false") != 0)
				return mc_fail(err, 0,
				               "expecting boolean value for flag %s, not: %s", name,
				               v);
			values[k] = v;
			f->link = strcasecmp(v, "true") == 0;
			continue;
		}
		if (eq == NULL)
			return mc_fail(err, 0, "missing a value on flag: %s", name);
		values[k] = eq + 1;
		*flag_target(f, name) = eq + 1;
	}
	return 0;
}

int bld_parse_duration(const char *text, int64_t *ns, struct mc_error *err)
{
	static const struct {
		const char *unit;
		double ns;
	} units[] = {{"ns", 1},  {"us", 1e3}, {"µs", 1e3},  {"ms", 1e6},
	             {"s", 1e9}, {"m", 60e9}, {"h", 3600e9}};
	const char *p = text;
	double total = 0;
	bool negative = false;

	if (*p == '-' || *p == '+')
		negative = *p++ == '-';
	if (strcmp(p, "0") == 0) {
		*ns = 0;
		return 0;
	}
	if (*p == '\0')
		return mc_fail(err, 0, "time: invalid duration \"%s\"", text);
	while (*p != '\0') {
		char *end;
		double v;
		size_t u, best = 0, best_len = 0;

		if (!isdigit((unsigned char)*p) && *p != '.')
			return mc_fail(err, 0, "time: invalid duration \"%s\"", text);
		v = strtod(p, &end);
		if (end == p)
			return mc_fail(err, 0, "time: invalid duration \"%s\"", text);
		p = end;
		for (u = 0; u < sizeof(units) / sizeof(units[0]); u++) {
			size_t l = strlen(units[u].unit);

			if (strncmp(p, units[u].unit, l) == 0 && l > best_len) {
				best = u;
				best_len = l;
			}
		}
		if (best_len == 0)
			return mc_fail(err, 0, "time: missing unit in duration \"%s\"", text);
		total += v * units[best].ns;
		p += best_len;
	}
	if (total > 9.2e18)
		return mc_fail(err, 0, "time: invalid duration \"%s\"", text);
	*ns = (int64_t)(negative ? -total : total);
	return 0;
}

/* --interval & co: a duration of at least 1ms (Docker's MinimumDuration), or 0. */
static int interval(const char *name, const char *value, int64_t *ns, struct mc_error *err)
{
	if (value == NULL || value[0] == '\0') {
		*ns = 0;
		return 0;
	}
	if (bld_parse_duration(value, ns, err) < 0)
		return -1;
	if (*ns < 1000000)
		return mc_fail(err, 0, "Interval \"%s\" cannot be less than 1ms", name);
	return 0;
}

/* ---- the instructions ------------------------------------------------------------------------ */

static int at_least_one(const struct bld_node *n, const char *what, struct mc_error *err)
{
	return n->nargs > 0 ? 0 : mc_fail(err, 0, "%s requires at least one argument", what);
}

static int exactly_one(const struct bld_node *n, const char *what, struct mc_error *err)
{
	return n->nargs == 1 ? 0 : mc_fail(err, 0, "%s requires exactly one argument", what);
}

/* ENV and LABEL: key, value pairs; a key may not be empty. */
static int key_values(const struct bld_node *n, const char *what, struct mc_error *err)
{
	if (at_least_one(n, what, err) < 0)
		return -1;
	if (n->nargs % 2 != 0)
		return mc_fail(err, 0, "Bad input to %s, too many arguments", what);
	for (size_t i = 0; i < n->nargs; i += 2)
		if (n->args[i][0] == '\0')
			return mc_fail(err, 0, "%s names can not be blank", what);
	return 0;
}

/* COPY and ADD: sources and a destination, which may not be a heredoc. */
static int sources_and_dest(const struct bld_node *n, const char *what, struct mc_error *err)
{
	struct bld_heredoc h;

	if (n->nargs < 2)
		return mc_fail(err, 0,
		               "%s requires at least two arguments, but only one was provided. "
		               "Destination could not be determined",
		               what);
	if (bld_heredoc_word(n->args[n->nargs - 1], &h)) {
		free(h.name);
		return mc_fail(err, 0, "%s cannot accept a heredoc as a destination", what);
	}
	return 0;
}

/* FROM image [AS name]. */
static int check_from(const struct bld_node *n, struct mc_error *err)
{
	const char *name;

	if (n->nargs == 3 && strcasecmp(n->args[1], "as") == 0) {
		name = n->args[2];
		if (!isalpha((unsigned char)name[0]))
			goto bad_name;
		for (const char *c = name; *c; c++)
			if (!isalnum((unsigned char)*c) && strchr("-_.", *c) == NULL)
				goto bad_name;
		return 0;
	}
	if (n->nargs != 1)
		return mc_fail(err, 0, "FROM requires either one or three arguments");
	return 0;
bad_name:
	return mc_fail(err, 0,
	               "invalid name for build stage: \"%s\", name can't start with a number or "
	               "contain symbols",
	               n->args[2]);
}

static int check_onbuild(const struct bld_node *n, struct mc_error *err)
{
	if (n->child == NULL)
		return mc_fail(err, 0, "ONBUILD requires at least one argument");
	if (strcasecmp(n->child->cmd, "onbuild") == 0)
		return mc_fail(err, 0, "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
	if (strcasecmp(n->child->cmd, "maintainer") == 0 || strcasecmp(n->child->cmd, "from") == 0)
		return mc_fail(err, 0, "%s isn't allowed as an ONBUILD trigger",
		               strcasecmp(n->child->cmd, "from") == 0 ? "FROM" : "MAINTAINER");
	return 0;
}

static int check_healthcheck(const struct bld_node *n, struct bld_flags *f, const char **values,
                             struct mc_error *err)
{
	const char *type;
	char *end;
	long retries;

	if (at_least_one(n, "HEALTHCHECK", err) < 0)
		return -1;
	type = n->args[0];
	if (strcasecmp(type, "NONE") == 0)
		return n->nargs == 1 ? 0 : mc_fail(err, 0, "HEALTHCHECK NONE takes no arguments");
	if (parse_flags(n, health_flags, f, values, err) < 0)
		return -1;
	if (strcasecmp(type, "CMD") != 0)
		return mc_fail(err, 0, "Unknown type \"%s\" in HEALTHCHECK (try CMD)", type);
	if (n->nargs < 2)
		return mc_fail(err, 0, "Missing command after HEALTHCHECK CMD");
	if (interval("interval", values[0], &f->interval, err) < 0 ||
	    interval("timeout", values[1], &f->timeout, err) < 0 ||
	    interval("start-period", values[2], &f->start_period, err) < 0 ||
	    interval("start-interval", values[3], &f->start_interval, err) < 0)
		return -1;
	if (values[4] == NULL)
		return 0;
	errno = 0;
	retries = strtol(values[4], &end, 10);
	if (errno != 0 || end == values[4] || *end != '\0' || retries > INT32_MAX ||
	    retries < INT32_MIN)
		return mc_fail(err, 0, "strconv.ParseInt: parsing \"%s\": invalid syntax",
		               values[4]);
	if (retries < 1)
		return mc_fail(err, 0, "--retries must be at least 1 (not %ld)", retries);
	f->retries = (int)retries;
	return 0;
}

static int check_args(const struct bld_node *n, enum bld_kind kind, struct mc_error *err)
{
	switch (kind) {
	case BLD_ENV:
		return key_values(n, "ENV", err);
	case BLD_LABEL:
		return key_values(n, "LABEL", err);
	case BLD_MAINTAINER:
		return exactly_one(n, "MAINTAINER", err);
	case BLD_ADD:
		return sources_and_dest(n, "ADD", err);
	case BLD_COPY:
		return sources_and_dest(n, "COPY", err);
	case BLD_FROM:
		return check_from(n, err);
	case BLD_ONBUILD:
		return check_onbuild(n, err);
	case BLD_WORKDIR:
		return exactly_one(n, "WORKDIR", err);
	case BLD_RUN:
		return at_least_one(n, "RUN", err);
	case BLD_EXPOSE:
		return at_least_one(n, "EXPOSE", err);
	case BLD_USER:
		return exactly_one(n, "USER", err);
	case BLD_STOPSIGNAL:
		return exactly_one(n, "STOPSIGNAL", err);
	case BLD_VOLUME:
		if (at_least_one(n, "VOLUME", err) < 0)
			return -1;
		for (size_t i = 0; i < n->nargs; i++) {
			size_t len = strlen(n->args[i]);

			if (strspn(n->args[i], " \t\r\n\v\f") == len)
				return mc_fail(err, 0,
				               "VOLUME specified can not be an empty string");
		}
		return 0;
	case BLD_ARG:
		if (at_least_one(n, "ARG", err) < 0)
			return -1;
		for (size_t i = 0; i < n->nargs; i++)
			if (n->args[i][0] == '=')
				return mc_fail(err, 0, "ARG names can not be blank");
		return 0;
	case BLD_SHELL:
		if (n->nargs == 0)
			return mc_fail(err, 0, "SHELL requires at least one argument");
		if (!n->json)
			return mc_fail(err, 0, "SHELL requires the arguments to be in JSON form");
		return 0;
	case BLD_CMD:
	case BLD_ENTRYPOINT:
	case BLD_HEALTHCHECK:
		return 0;
	}
	return 0;
}

static const struct flag_spec *flags_of(enum bld_kind kind)
{
	switch (kind) {
	case BLD_COPY:
		return copy_flags;
	case BLD_ADD:
		return add_flags;
	case BLD_FROM:
		return from_flags;
	case BLD_RUN:
		return run_flags;
	default:
		return no_flags;
	}
}

/* Levenshtein distance, for "did you mean RUN?". */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), prev[64], cur[64];

	if (la >= 63 || lb >= 63)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t sub = prev[j - 1] + (toupper((unsigned char)a[i - 1]) != b[j - 1]);
			size_t del = prev[j] + 1, ins = cur[j - 1] + 1;

			cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
		}
		memcpy(prev, cur, (lb + 1) * sizeof(size_t));
	}
	return prev[lb];
}

static int unknown_instruction(const char *cmd, struct mc_error *err)
{
	size_t best = 99, k = 0;

	for (size_t i = 0; i < NKINDS; i++) {
		size_t d = distance(cmd, kinds[i].name);

		if (d < best) {
			best = d;
			k = i;
		}
	}
	/* Close enough to be a typo: at most a third of the name differs. */
	if (best > 0 && best * 3 <= strlen(kinds[k].name))
		return mc_fail(err, 0, "unknown instruction: %s (did you mean %s?)", cmd,
		               kinds[k].name);
	return mc_fail(err, 0, "unknown instruction: %s", cmd);
}

int bld_check_instr(const struct bld_node *n, struct bld_instr *out, struct mc_error *err)
{
	const char *values[8] = {NULL};
	size_t i;

	memset(out, 0, sizeof(*out));
	out->node = n;
	for (i = 0; i < NKINDS && strcasecmp(n->cmd, kinds[i].name) != 0; i++)
		;
	if (i == NKINDS)
		return unknown_instruction(n->cmd, err);
	out->kind = kinds[i].kind;
	/* BuildKit checks the argument count first for some, the flags first for others. */
	if (out->kind == BLD_HEALTHCHECK)
		return check_healthcheck(n, &out->flags, values, err);
	if (out->kind == BLD_STOPSIGNAL)
		return check_args(n, out->kind, err); /* its flags are never looked at */
	if ((out->kind == BLD_MAINTAINER || out->kind == BLD_WORKDIR || out->kind == BLD_USER ||
	     out->kind == BLD_ADD || out->kind == BLD_COPY || out->kind == BLD_FROM ||
	     out->kind == BLD_EXPOSE || out->kind == BLD_ONBUILD || out->kind == BLD_VOLUME ||
	     out->kind == BLD_ARG) &&
	    check_args(n, out->kind, err) < 0)
		return -1;
	if (out->kind != BLD_ARG &&
	    parse_flags(n, flags_of(out->kind), &out->flags, values, err) < 0)
		return -1;
	return check_args(n, out->kind, err);
}

/* ---- stages ------------------------------------------------------------------------------- */

static int append_instr(struct bld_instr **v, size_t *n, const struct bld_instr *in,
                        struct mc_error *err)
{
	struct bld_instr *more = realloc(*v, (*n + 1) * sizeof(*more));

	if (more == NULL)
		return mc_fail(err, ENOMEM, "parse");
	*v = more;
	(*v)[(*n)++] = *in;
	return 0;
}

static int new_stage(struct bld_program *prog, const struct bld_instr *from, struct mc_error *err)
{
	struct bld_stage *more = realloc(prog->stages, (prog->nstages + 1) * sizeof(*more));
	struct bld_stage *s;

	if (more == NULL)
		return mc_fail(err, ENOMEM, "parse");
	prog->stages = more;
	s = &prog->stages[prog->nstages++];
	memset(s, 0, sizeof(*s));
	s->from = from->node;
	s->from_flags = from->flags;
	if (from->node->nargs == 3) {
		s->name = strdup(from->node->args[2]);
		if (s->name == NULL)
			return mc_fail(err, ENOMEM, "parse");
		for (char *c = s->name; *c; c++)
			*c = (char)tolower((unsigned char)*c);
	}
	return 0;
}

int bld_check(const struct bld_dockerfile *df, struct bld_program *prog, int *line,
              struct mc_error *err)
{
	int rc = 0;

	memset(prog, 0, sizeof(*prog));
	for (size_t i = 0; rc == 0 && i < df->count; i++) {
		const struct bld_node *n = &df->nodes[i];
		struct bld_instr in;

		if (line != NULL)
			*line = n->start_line;
		if (bld_check_instr(n, &in, err) < 0)
			rc = -1;
		else if (in.kind == BLD_FROM)
			rc = new_stage(prog, &in, err);
		else if (prog->nstages == 0 && in.kind == BLD_ARG)
			rc = append_instr(&prog->meta_args, &prog->nmeta, &in, err);
		else if (prog->nstages == 0)
			rc = mc_fail(err, 0, "no build stage in current context");
		else
			rc = append_instr(&prog->stages[prog->nstages - 1].instrs,
			                  &prog->stages[prog->nstages - 1].ninstr, &in, err);
		if (rc < 0)
			mc_fail_context(err, "%s:%d", df->file, n->start_line);
	}
	if (rc < 0)
		bld_program_free(prog);
	return rc;
}

void bld_program_free(struct bld_program *prog)
{
	for (size_t i = 0; i < prog->nstages; i++) {
		free(prog->stages[i].name);
		free(prog->stages[i].instrs);
	}
	free(prog->stages);
	free(prog->meta_args);
	memset(prog, 0, sizeof(*prog));
}
