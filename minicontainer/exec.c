/*
 * exec.c - `minicontainer exec CONTAINER COMMAND`: one more process in a
 * running container.  Chapter 01 showed the way ("How docker exec joins a
 * running container"): join the container's namespaces with setns(2) - here
 * all at once, through a pidfd - and fork, since a new PID namespace applies
 * to children only.  The new process also joins the container's cgroup
 * (chapter 02), and gets the container's environment, working directory,
 * user, capabilities and seccomp filter.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cg_cgroups.h"
#include "img_config.h"
#include "mc_container.h"
#include "mc.h"
#include "mc_env.h"
#include "mc_launch.h"
#include "ns_namespaces.h"
#include "mc_trace.h"
#include "mc_tty.h"

#define CH "capstone"

/*
 * The namespaces `exec` joins, all at once: setns(2) on a pidfd (Linux 5.8)
 * takes every namespace of that very process in one call - and a pidfd can
 * never be a reused pid's.
 */
#define JOIN_FLAGS                                                                                 \
	(CLONE_NEWCGROUP | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNET | CLONE_NEWPID | CLONE_NEWNS)

struct exec_opts {
	bool interactive, tty, detach, privileged;
	const char *user, *workdir;
	json_t *env;       /* -e KEY=VALUE, after the env files' variables */
	json_t *env_files; /* --env-file */
	char **argv;
};

/*
 * In the new process, inside: what `run` does just before exec - no
 * descriptor of ours reaches the command, its working directory is resolved
 * inside the container, and chapter 01's confinement (prepared by the parent).
 */
static int become_the_command(const struct mc_container *c, const struct exec_opts *o,
                              struct ns_confine *conf, char *const **envp, int console, int report,
                              const struct mc_tty *tty, struct mc_error *err)
{
	json_t *config = json_object_get(c->doc, "Config");
	const char *workdir =
	    o->workdir ? o->workdir : json_string_value(json_object_get(config, "WorkingDir"));

	if (ns_close_fds(report, console, NULL, 0, err) < 0)
		return -1;
	if (ns_enter_workdir(workdir != NULL && workdir[0] ? workdir : "/", false, err) < 0)
		return -1;
	if (console >= 0 && ns_take_console(console, tty->rows, tty->cols, err) < 0)
		return -1;
	return ns_confine_now(conf, envp, err);
}

/*
 * The child: join the namespaces, then fork once more (the PID namespace
 * only applies to children) and wait for that grandchild: its status is ours.
 */
static void __attribute__((noreturn))
join_and_run(const struct mc_container *c, const struct exec_opts *o, struct ns_confine *conf,
             int pidfd, const struct mc_tty *tty, int report)
{
	struct mc_error err;
	char *const *envp;
	char path[PATH_MAX];
	int status, rc;
	pid_t pid;

	rc = setns(pidfd, JOIN_FLAGS);
	mc_trace_call(CH, rc, "the container's cgroup, IPC, UTS, network, PID and mount namespaces",
	              "setns(pidfd, CLONE_NEWCGROUP|CLONE_NEWIPC|CLONE_NEWUTS|CLONE_NEWNET|"
	              "CLONE_NEWPID|CLONE_NEWNS)");
	if (rc < 0) {
		mc_fail(&err, errno, "join the container's namespaces");
		goto fail;
	}
	close(pidfd);
	pid = fork();
	if (pid < 0) {
		mc_fail(&err, errno, "fork");
		goto fail;
	}
	if (pid > 0) {
		close(report);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		_exit(ns_exit_code(status));
	}
	/* The grandchild: inside every namespace, PID 2 or more of the container. */
	envp = mc_env_for_container(c, o->tty, o->env);
	if (envp == NULL) {
		mc_fail(&err, ENOMEM, "environment");
		goto fail;
	}
	if (become_the_command(c, o, conf, &envp, o->tty ? tty->console[1] : -1, report, tty,
	                       &err) < 0)
		goto fail;
	rc = ns_find_command(o->argv[0], envp, path, sizeof(path));
	if (rc == 0) {
		execve(path, o->argv, envp);
		rc = -errno;
	}
	mc_fail(&err, -rc, "exec %s", o->argv[0]);
	if (write(report, &err, sizeof(err)) < 0)
		_exit(rc == -ENOENT ? 127 : 126);
	_exit(rc == -ENOENT ? 127 : 126);
fail:
	if (write(report, &err, sizeof(err)) < 0)
		_exit(MC_EXIT_FAILED);
	_exit(MC_EXIT_FAILED);
}

/* The container's cgroup, by its id (the name chapter 02 gave it at start). */
static int join_cgroup(const struct mc_container *c, pid_t pid, struct mc_error *err)
{
	struct cgroup cg = {0};

	if (cg_detect_mode(CG_DEFAULT_MOUNT, &cg.mode, err) < 0)
		return -1;
	snprintf(cg.mount, sizeof(cg.mount), "%s", CG_DEFAULT_MOUNT);
	snprintf(cg.path, sizeof(cg.path), "%s/%s", CG_DEFAULT_PARENT, c->id);
	return cg_add_process(&cg, pid, err);
}

static int run_exec(struct mc_container *c, struct exec_opts *o, struct ns_confine *conf,
                    struct mc_error *err)
{
	int pidfd, go[2], report[2], code = MC_EXIT_FAILED, status;
	struct mc_tty tty;
	struct mc_error child_err;
	ssize_t n;
	pid_t pid;
	char byte;

	mc_tty_init(&tty);
	pidfd = mc_container_pidfd(c, err);
	if (pidfd < 0)
		return MC_EXIT_FAILED;
	if (pipe2(go, O_CLOEXEC) < 0 || pipe2(report, O_CLOEXEC) < 0) {
		mc_fail(err, errno, "pipe");
		close(pidfd);
		return MC_EXIT_FAILED;
	}
	if (o->tty && mc_tty_prepare(&tty, err) < 0) {
		close(pidfd);
		return MC_EXIT_FAILED;
	}
	pid = fork();
	if (pid == 0) {
		close(go[1]);
		close(report[0]);
		/* Wait until we are in the container's cgroup: our child is born there. */
		if (read(go[0], &byte, 1) != 1)
			_exit(MC_EXIT_FAILED);
		if (!o->interactive && !o->tty) {
			int null = open("/dev/null", O_RDONLY);

			dup2(null, STDIN_FILENO);
		}
		join_and_run(c, o, conf, pidfd, &tty, report[1]);
	}
	close(pidfd);
	close(go[0]);
	close(report[1]);
	if (pid < 0 || join_cgroup(c, pid, err) < 0 || write(go[1], "g", 1) != 1) {
		if (pid > 0) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
		}
		close(go[1]);
		close(report[0]);
		mc_tty_finish(&tty);
		return MC_EXIT_FAILED;
	}
	close(go[1]);
	/* EOF: the command was executed; a report: it was not. */
	n = read(report[0], &child_err, sizeof(child_err));
	close(report[0]);
	if (n == (ssize_t)sizeof(child_err))
		*err = child_err;
	else if (o->tty)
		mc_tty_attach(&tty, o->interactive, err);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	code = ns_exit_code(status);
	mc_tty_finish(&tty);
	return code;
}

/* The container's confinement, with -u in place of its user; the filter compiled here. */
static int exec_in(struct mc_container *c, struct exec_opts *o, struct mc_error *err)
{
	struct mc_confinement m;
	int code = MC_EXIT_FAILED;

	mc_error_clear(err);
	if (mc_confinement_from_record(c->doc, &m, err) < 0)
		return code;
	if (o->user != NULL)
		m.conf.user = o->user;
	if (o->privileged)
		m.conf.privileged = true; /* every capability, no seccomp filter: exec's only */
	if (m.conf.privileged || m.conf.seccomp_unconfined ||
	    ns_seccomp_compile_cached(m.conf.seccomp_profile, m.conf.caps, m.conf.seccomp_cache,
	                              &m.conf.seccomp, err) == 0)
		code = run_exec(c, o, &m.conf, err);
	mc_confinement_free(&m);
	return code;
}

static int opt_env(void *field, const char *value, struct mc_error *err)
{
	return mc_env_flag(*(json_t **)field, value, err);
}

static int opt_env_file(void *field, const char *value, struct mc_error *err)
{
	(void)err;
	json_array_append_new(*(json_t **)field, json_string(value));
	return 0;
}

static int opt_workdir(void *field, const char *value, struct mc_error *err)
{
	if (value[0] != '/')
		return mc_fail(err, 0,
		               "the working directory '%s' is invalid, it needs to be an "
		               "absolute path",
		               value);
	*(const char **)field = value;
	return 0;
}

#define F(field) offsetof(struct exec_opts, field)
static const struct mc_option exec_options[] = {
    {"detach", 'd', NULL, "Detached mode: run command in the background", mc_opt_true, F(detach)},
    {"env", 'e', "list", "Set environment variables", opt_env, F(env)},
    {"env-file", 0, "list", "Read in a file of environment variables", opt_env_file, F(env_files)},
    {"interactive", 'i', NULL, "Keep STDIN open even if not attached", mc_opt_true, F(interactive)},
    {"privileged", 0, NULL, "Give extended privileges to the command", mc_opt_true, F(privileged)},
    {"tty", 't', NULL, "Allocate a pseudo-TTY", mc_opt_true, F(tty)},
    {"user", 'u', "string", "Username or UID (format: \"<name|uid>[:<group|gid>]\")", mc_opt_string,
     F(user)},
    {"workdir", 'w', "string", "Working directory inside the container", opt_workdir, F(workdir)},
    {NULL, 0, NULL, NULL, NULL, 0},
};
#undef F

const struct mc_command mc_cmd_exec = {
    .name = "exec",
    .usage = "[OPTIONS] CONTAINER COMMAND [ARG...]",
    .summary = "Execute a command in a running container",
    .options = exec_options,
    .min_args = 2,
    .max_args = -1,
    .command_follows = true,
};

/* The env files' variables first, then every -e, as docker/cli's ReadKVEnvStrings. */
static int read_env_files(struct exec_opts *o, struct mc_error *err)
{
	json_t *env = json_array(), *item;
	size_t i;

	json_array_foreach(o->env_files, i, item)
	{
		if (mc_kvfile_read(json_string_value(item), true, env, err) < 0) {
			json_decref(env);
			return -1;
		}
	}
	json_array_extend(env, o->env);
	json_decref(o->env);
	o->env = env;
	return 0;
}

/* -d: the command runs on in a process of its own, with nothing of our terminal; we return. */
static int exec_detached(struct mc_container *c, struct exec_opts *o, struct mc_error *err)
{
	pid_t pid = fork();

	if (pid < 0) {
		mc_fail(err, errno, "fork");
		return MC_EXIT_FAILED;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);

		if (null < 0 || setsid() < 0 || fork() != 0)
			_exit(0);
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		o->interactive = o->tty = false;
		_exit(exec_in(c, o, err));
	}
	waitpid(pid, NULL, 0);
	return 0;
}

int verb_exec(int argc, char **argv)
{
	struct exec_opts o = {0};
	struct mc_container c;
	struct mc_error err;
	int code, first;

	o.env = json_array();
	o.env_files = json_array();
	if ((code = mc_parse_verb(&mc_cmd_exec, &o, argc, argv, &first)) >= 0)
		goto out;
	if (read_env_files(&o, &err) < 0) {
		code = mc_usage_error(mc_current_path, "%s", err.msg);
		goto out;
	}
	o.argv = argv + first + 1;
	if (mc_container_load(argv[first], &c, &err) < 0) {
		code = mc_report(&err);
		goto out;
	}
	mc_container_refresh(&c);
	if (strcmp(mc_state_status(&c), "paused") == 0) {
		/* moby's errExecPaused */
		fprintf(
		    stderr,
		    "minicontainer: Container %s is paused, unpause the container before exec\n",
		    c.id);
		code = MC_EXIT_FAILED;
	} else if (strcmp(mc_state_status(&c), "running") != 0) {
		fprintf(stderr, "minicontainer: container %s is not running\n", argv[first]);
		code = MC_EXIT_FAILED;
	} else if (o.detach) {
		code = exec_detached(&c, &o, &err);
		if (code != 0)
			mc_report(&err);
	} else {
		code = exec_in(&c, &o, &err);
		if (err.msg[0] != '\0')
			mc_report(&err);
	}
	mc_container_free(&c);
out:
	json_decref(o.env);
	json_decref(o.env_files);
	return code;
}
