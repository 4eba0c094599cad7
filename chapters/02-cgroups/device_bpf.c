/*
 * device_bpf.c - chapter 02: the device policy on cgroup v2, a BPF program.
 *
 * cgroup v2 has no devices.allow file.  Instead, a program of type
 * BPF_PROG_TYPE_CGROUP_DEVICE is attached to the cgroup; on every open(2)
 * and mknod(2) of a device node by a process in it, the kernel runs the
 * program with the request in a struct bpf_cgroup_dev_ctx
 * (linux/bpf.h) and allows the request if it returns 1.
 *
 * We write the program ourselves, instruction by instruction, as crun and
 * systemd do, and load it with the bpf(2) system call: it is a few dozen
 * instructions of six kinds, and the rules are only known at run time, so a
 * compiler would not help.  (libbpf would load it for us, but loading is
 * one system call; see the chapter's README.)
 */
#define _GNU_SOURCE
#include "cg_devices.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "mc_trace.h"

#define CH "ch02"

/* The registers, named for what they hold once the prologue has run. */
enum {
	R_RESULT = BPF_REG_0, /* the answer: 1 allow, 0 deny */
	R_CTX = BPF_REG_1,    /* on entry: the request, a struct bpf_cgroup_dev_ctx */
	R_TMP = BPF_REG_1,    /* after the prologue: scratch */
	R_TYPE = BPF_REG_2,   /* BPF_DEVCG_DEV_CHAR or BPF_DEVCG_DEV_BLOCK */
	R_ACCESS = BPF_REG_3, /* BPF_DEVCG_ACC_READ | _WRITE | _MKNOD: what is asked for */
	R_MAJOR = BPF_REG_4,
	R_MINOR = BPF_REG_5,
};

static long bpf(int cmd, union bpf_attr *attr)
{
	return syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

/* ---- the instructions we need (linux/bpf.h has the opcodes, not these helpers) ---------- */

/* dst = *(u32 *)(src + off) */
static struct bpf_insn load_word(int dst, int src, int off)
{
	return (struct bpf_insn){
	    .code = BPF_LDX | BPF_MEM | BPF_W, .dst_reg = dst, .src_reg = src, .off = (int16_t)off};
}

/* dst = dst OP imm, on the low 32 bits (BPF_AND, BPF_RSH) */
static struct bpf_insn alu32(int op, int dst, int32_t imm)
{
	return (struct bpf_insn){.code = BPF_ALU | op | BPF_K, .dst_reg = dst, .imm = imm};
}

/* dst = src, the low 32 bits */
static struct bpf_insn move32(int dst, int src)
{
	return (struct bpf_insn){.code = BPF_ALU | BPF_MOV | BPF_X, .dst_reg = dst, .src_reg = src};
}

/* dst = imm */
static struct bpf_insn move_imm(int dst, int32_t imm)
{
	return (struct bpf_insn){.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = dst, .imm = imm};
}

/* if reg != imm: skip the next `skip` instructions */
static struct bpf_insn jump_if_not(int reg, int32_t imm, int skip)
{
	return (struct bpf_insn){
	    .code = BPF_JMP | BPF_JNE | BPF_K, .dst_reg = reg, .off = (int16_t)skip, .imm = imm};
}

/* if reg != other: skip the next `skip` instructions */
static struct bpf_insn jump_if_not_reg(int reg, int other, int skip)
{
	return (struct bpf_insn){.code = BPF_JMP | BPF_JNE | BPF_X,
	                         .dst_reg = reg,
	                         .src_reg = other,
	                         .off = (int16_t)skip};
}

/* return R_RESULT */
static struct bpf_insn leave(void)
{
	return (struct bpf_insn){.code = BPF_JMP | BPF_EXIT};
}

static void emit(struct cg_bpf_program *p, struct bpf_insn insn)
{
	if (p->len == CG_BPF_MAX_INSNS) {
		p->overflow = true;
		return;
	}
	p->insns[p->len++] = insn;
}

/* ---- the program ------------------------------------------------------------------------- */

/* Unpack the request into registers: type, access, major, minor. */
static void emit_prologue(struct cg_bpf_program *p)
{
	/* access_type holds two things: the access in its upper 16 bits, the type in its lower. */
	emit(p, load_word(R_TYPE, R_CTX, offsetof(struct bpf_cgroup_dev_ctx, access_type)));
	emit(p, alu32(BPF_AND, R_TYPE, 0xffff));
	emit(p, load_word(R_ACCESS, R_CTX, offsetof(struct bpf_cgroup_dev_ctx, access_type)));
	emit(p, alu32(BPF_RSH, R_ACCESS, 16));
	emit(p, load_word(R_MAJOR, R_CTX, offsetof(struct bpf_cgroup_dev_ctx, major)));
	emit(p, load_word(R_MINOR, R_CTX, offsetof(struct bpf_cgroup_dev_ctx, minor)));
}

/*
 * One rule: a check for each thing the rule names - a failed check jumps
 * past the rest of the block, to the next rule - and, when every check
 * passed, the rule's answer.
 */
static void emit_rule(struct cg_bpf_program *p, const struct cg_device_rule *r)
{
	/* EXERCISE 02.6 device-rule (3 points): One device rule as BPF instructions
	 * Tests: test_device_program_decides_like_the_rules test_device_program_in_the_kernel
	 * Needs: 02.4
	 *
	 * Emit, with emit(p, ...), a block that returns the rule's answer
	 * (r->allow: 1, else 0) when the request matches the rule, and otherwise
	 * jumps to the first instruction after the block:
	 *  - r->type 'c' or 'b' (not 'a'): R_TYPE must be BPF_DEVCG_DEV_CHAR or
	 *    BPF_DEVCG_DEV_BLOCK - one jump_if_not();
	 *  - r->access not all of CG_DEV_ALL: every bit asked for (R_ACCESS) must
	 *    be in r->access - three instructions: R_TMP = R_ACCESS (move32),
	 *    R_TMP &= r->access (alu32 with BPF_AND), jump_if_not_reg(R_TMP,
	 *    R_ACCESS, ...);
	 *  - r->major, r->minor not CG_DEV_ANY: R_MAJOR, R_MINOR must equal them;
	 *  - then R_RESULT = 1 or 0 (move_imm) and leave().
	 * A jump's `skip` counts the instructions after the jump that it skips:
	 * count the block's instructions first.
	 */
	/* BEGIN SOLUTION */
	bool check_type = r->type != 'a';
	bool check_access = (r->access & CG_DEV_ALL) != CG_DEV_ALL;
	bool check_major = r->major != CG_DEV_ANY;
	bool check_minor = r->minor != CG_DEV_ANY;
	/* Instructions of the block not yet emitted; a jump skips all that follow it. */
	int rest = check_type + 3 * check_access + check_major + check_minor + 2;

	if (check_type)
		emit(p,
		     jump_if_not(R_TYPE, r->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR,
		                 --rest));
	if (check_access) {
		/* Allowed only if the request asks for nothing the rule leaves out. */
		emit(p, move32(R_TMP, R_ACCESS));
		emit(p, alu32(BPF_AND, R_TMP, (int32_t)r->access));
		rest -= 2;
		emit(p, jump_if_not_reg(R_TMP, R_ACCESS, --rest));
	}
	if (check_major)
		emit(p, jump_if_not(R_MAJOR, (int32_t)r->major, --rest));
	if (check_minor)
		emit(p, jump_if_not(R_MINOR, (int32_t)r->minor, --rest));
	emit(p, move_imm(R_RESULT, r->allow ? 1 : 0));
	emit(p, leave());
	/* END SOLUTION; skeleton: (void)p; (void)r; (void)move32; (void)jump_if_not; (void)jump_if_not_reg; */
}

/* A rule that matches every request: nothing after it is ever reached. */
static bool matches_all(const struct cg_device_rule *r)
{
	return r->type == 'a' && r->major == CG_DEV_ANY && r->minor == CG_DEV_ANY &&
	       (r->access & CG_DEV_ALL) == CG_DEV_ALL;
}

void cg_bpf_device_program(const struct cg_device_rule *rules, size_t nrules,
                           struct cg_bpf_program *p)
{
	p->len = 0;
	p->overflow = false;
	emit_prologue(p);
	/*
	 * The last rule that matches decides (as in the v1 files, where a later
	 * line overrides an earlier one), so the program tries them last first
	 * and returns at the first match.
	 */
	for (size_t i = nrules; i-- > 0;) {
		emit_rule(p, &rules[i]);
		/* The verifier refuses instructions that can never run. */
		if (matches_all(&rules[i]))
			return;
	}
	/* No rule matched: deny. */
	emit(p, move_imm(R_RESULT, 0));
	emit(p, leave());
}

/* ---- into the kernel ----------------------------------------------------------------------- */

const char *cg_bpf_describe(const struct bpf_insn *in, char *buf, size_t size)
{
	switch (in->code) {
	case BPF_LDX | BPF_MEM | BPF_W:
		snprintf(buf, size, "r%d = *(u32 *)(r%d + %d)", in->dst_reg, in->src_reg, in->off);
		break;
	case BPF_ALU | BPF_AND | BPF_K:
		snprintf(buf, size, "w%d &= %#x", in->dst_reg, (unsigned)in->imm);
		break;
	case BPF_ALU | BPF_RSH | BPF_K:
		snprintf(buf, size, "w%d >>= %d", in->dst_reg, in->imm);
		break;
	case BPF_ALU | BPF_MOV | BPF_X:
		snprintf(buf, size, "w%d = w%d", in->dst_reg, in->src_reg);
		break;
	case BPF_ALU64 | BPF_MOV | BPF_K:
		snprintf(buf, size, "r%d = %d", in->dst_reg, in->imm);
		break;
	case BPF_JMP | BPF_JNE | BPF_K:
		snprintf(buf, size, "if r%d != %d goto +%d", in->dst_reg, in->imm, in->off);
		break;
	case BPF_JMP | BPF_JNE | BPF_X:
		snprintf(buf, size, "if r%d != r%d goto +%d", in->dst_reg, in->src_reg, in->off);
		break;
	case BPF_JMP | BPF_EXIT:
		snprintf(buf, size, "exit");
		break;
	default:
		snprintf(buf, size, "(opcode %#x)", in->code);
	}
	return buf;
}

int cg_bpf_load(const struct cg_bpf_program *p, struct mc_error *err)
{
	char log[4096] = "";
	union bpf_attr attr;
	int fd;

	if (p->overflow)
		return mc_fail(err, E2BIG, "device program longer than %d instructions",
		               CG_BPF_MAX_INSNS);
	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	attr.insns = (uintptr_t)p->insns;
	attr.insn_cnt = (uint32_t)p->len;
	attr.license = (uintptr_t) "GPL";
	fd = (int)bpf(BPF_PROG_LOAD, &attr);
	if (fd < 0 && errno == EINVAL) {
		/* The verifier refused it: ask again, this time for its reasons. */
		attr.log_buf = (uintptr_t)log;
		attr.log_size = sizeof(log);
		attr.log_level = 1;
		fd = (int)bpf(BPF_PROG_LOAD, &attr);
	}
	mc_trace_call(CH, fd, "the kernel's verifier accepted it",
	              "bpf(BPF_PROG_LOAD, BPF_PROG_TYPE_CGROUP_DEVICE, %zu instructions)", p->len);
	if (fd < 0)
		return mc_fail(err, errno, "load the device program%s%.200s", log[0] ? ": " : "",
		               log);
	return fd;
}

int cg_bpf_attach(int cgroup_fd, int prog_fd, struct mc_error *err)
{
	union bpf_attr attr;
	int rc;

	memset(&attr, 0, sizeof(attr));
	attr.target_fd = (uint32_t)cgroup_fd;
	attr.attach_bpf_fd = (uint32_t)prog_fd;
	attr.attach_type = BPF_CGROUP_DEVICE;
	/*
	 * ALLOW_MULTI: a program an ancestor has (systemd puts one on the
	 * slices it manages) keeps working; a request must pass every one.
	 */
	attr.attach_flags = BPF_F_ALLOW_MULTI;
	rc = (int)bpf(BPF_PROG_ATTACH, &attr);
	mc_trace_call(CH, rc, "every device request of the cgroup now runs it",
	              "bpf(BPF_PROG_ATTACH, cgroup, BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI)");
	if (rc < 0)
		return mc_fail(err, errno, "attach the device program to the cgroup");
	return 0;
}

static void trace_program(const struct cg_bpf_program *p)
{
	char text[64];

	mc_trace(CH, "the device program, %zu instructions:", p->len);
	for (size_t i = 0; i < p->len; i++)
		mc_trace(CH, "  %3zu: %s", i, cg_bpf_describe(&p->insns[i], text, sizeof(text)));
}

static int open_cgroup(const struct cgroup *cg, struct mc_error *err)
{
	char dir[PATH_MAX];
	int fd;

	if (cg_dir(cg, "", dir, sizeof(dir), err) < 0)
		return -1;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return mc_fail(err, errno, "open %s", dir);
	return fd;
}

int cg_bpf_install(const struct cgroup *cg, const struct cg_device_rule *rules, size_t nrules,
                   struct mc_error *err)
{
	struct cg_bpf_program p;
	int cgroup_fd, prog_fd = -1, rc = -1;

	cg_bpf_device_program(rules, nrules, &p);
	if (mc_tracing())
		trace_program(&p);
	cgroup_fd = open_cgroup(cg, err);
	if (cgroup_fd < 0)
		return -1;
	prog_fd = cg_bpf_load(&p, err);
	if (prog_fd < 0)
		goto out;
	rc = cg_bpf_attach(cgroup_fd, prog_fd, err);
out:
	/* Attached, the program belongs to the cgroup: our descriptor is not needed. */
	if (prog_fd >= 0)
		close(prog_fd);
	close(cgroup_fd);
	return rc;
}

int cg_bpf_query(const struct cgroup *cg, uint32_t *ids, size_t max, size_t *n,
                 struct mc_error *err)
{
	union bpf_attr attr;
	int fd, rc;

	fd = open_cgroup(cg, err);
	if (fd < 0)
		return -1;
	memset(&attr, 0, sizeof(attr));
	attr.query.target_fd = (uint32_t)fd;
	attr.query.attach_type = BPF_CGROUP_DEVICE;
	attr.query.prog_ids = (uintptr_t)ids;
	attr.query.prog_cnt = (uint32_t)max;
	rc = (int)bpf(BPF_PROG_QUERY, &attr);
	close(fd);
	if (rc < 0)
		return mc_fail(err, errno, "query the cgroup's device programs");
	*n = attr.query.prog_cnt;
	return 0;
}

bool cg_bpf_program_exists(uint32_t id)
{
	union bpf_attr attr;
	int fd;

	memset(&attr, 0, sizeof(attr));
	attr.prog_id = id;
	fd = (int)bpf(BPF_PROG_GET_FD_BY_ID, &attr);
	if (fd < 0)
		return errno != ENOENT;
	close(fd);
	return true;
}
