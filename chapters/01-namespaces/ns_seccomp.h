/*
 * ns_seccomp.h - chapter 01, inside seccomp.c and seccomp_profile.c: a
 * compiled filter, and the reader of Docker's profile format that fills one.
 * (The rest of the program uses ns_confine.h.)
 */
#ifndef MC_NS_SECCOMP_H
#define MC_NS_SECCOMP_H

#include <jansson.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ns_confine.h"

struct ns_seccomp {
	scmp_filter_ctx ctx; /* libseccomp's rules; NULL for a program read from the cache */
	unsigned rules;      /* rules added to the filter */
	unsigned unknown;    /* names this libseccomp does not know, skipped */
	unsigned flags;      /* SECCOMP_FILTER_FLAG_* the profile asks for */
	void *bpf;           /* the BPF program, struct sock_filter[], once built */
	size_t bpf_len;      /* in bytes */
};

/* What a profile's rules are evaluated against. */
struct ns_seccomp_target {
	ns_caps caps;           /* the container's capabilities (its bounding set) */
	const char *arch;       /* this machine, as includes.arches names it: "amd64" */
	unsigned kernel[2];     /* this kernel's version: major, minor */
	struct ns_seccomp *out; /* NULL while only checking */
};

/* This machine and kernel, for a container with `caps`. */
int ns_seccomp_target_init(ns_caps caps, struct ns_seccomp_target *t, struct mc_error *err);

/*
 * Read a parsed profile: check all of it, and - when t->out is set - add
 * the rules that apply to t->out->ctx.  *empty: neither a default action nor
 * rules, which means no filter at all.
 */
int ns_seccomp_read_profile(json_t *doc, const struct ns_seccomp_target *t,
                            uint32_t *default_action, bool *empty, struct mc_error *err);

#endif
