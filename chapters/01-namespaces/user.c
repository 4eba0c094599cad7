/*
 * user.c - chapter 01: `--user` looked up in the image's own passwd and group.
 *
 * Why not getpwnam(3)?  Because glibc's getpwnam goes through NSS: it reads
 * the image's /etc/nsswitch.conf and may dlopen() a libnss_*.so the image
 * ships - code from the image, run by us, as root, with every capability
 * still held (Docker's CVE-2019-14271 was this, in `docker cp`).  The two
 * files are simple; runc and crun parse them by hand, and so do we.
 *
 *	passwd: name:password:uid:gid:gecos:home:shell
 *	group:  name:password:gid:member,member,...
 */
#define _GNU_SOURCE
#include "ns_confine.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mc_resolve.h"

#define MAX_FILE (4 << 20)  /* a passwd or group file bigger than this is not one */
#define MAX_ID   2147483647 /* ids are 31-bit in practice (runc's maxID) */

/* A whole decimal number in [0, MAX_ID]; -1 if `s` is not one. */
static long parse_id(const char *s)
{
	char *end;
	long v;

	if (s[0] < '0' || s[0] > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > MAX_ID)
		return -1;
	return v;
}

/* Split `line` at ':' into at most `max` fields (in place); returns how many. */
static size_t split_fields(char *line, char **fields, size_t max)
{
	size_t n = 0;

	while (n < max) {
		fields[n++] = line;
		line = strchr(line, ':');
		if (line == NULL)
			break;
		*line++ = '\0';
	}
	return n;
}

/* Call `match` on each line of `text` until it returns true; the fields are in place. */
static bool find_line(char *text, size_t nfields, bool (*match)(char **f, const void *arg),
                      const void *arg, char **fields)
{
	for (char *save = NULL, *line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if (split_fields(line, fields, nfields) == nfields && match(fields, arg))
			return true;
	}
	return false;
}

struct wanted {
	const char *name; /* as given */
	long id;          /* the same, as a number, or -1 */
};

/* passwd and group: a numeric spec is always an id, never a name (runc). */
static bool same_entry(char **f, const void *arg)
{
	const struct wanted *w = arg;

	return w->id >= 0 ? parse_id(f[2]) == w->id : strcmp(f[0], w->name) == 0;
}

static bool is_member(const char *members, const char *name)
{
	size_t len = strlen(name);

	for (const char *p = members; *p != '\0';) {
		size_t n = strcspn(p, ",");

		if (n == len && strncmp(p, name, n) == 0)
			return true;
		p += n;
		p += *p == ',';
	}
	return false;
}

static int add_group(struct ns_user *u, gid_t gid, struct mc_error *err)
{
	for (size_t i = 0; i < u->ngroups; i++)
		if (u->groups[i] == gid)
			return 0;
	if (u->ngroups == NS_MAX_GROUPS)
		return mc_fail(err, E2BIG, "more than %d supplementary groups", NS_MAX_GROUPS);
	u->groups[u->ngroups++] = gid;
	return 0;
}

/* The user part of the spec: uid, gid and home from passwd (a number needs no entry). */
static int resolve_user(const char *passwd, const char *name, struct ns_user *u, char *matched,
                        size_t size, struct mc_error *err)
{
	struct wanted w = {name, name[0] ? parse_id(name) : 0};
	char *copy, *f[7];
	int rc = 0;

	matched[0] = '\0';
	copy = strdup(passwd ? passwd : "");
	if (copy == NULL)
		return mc_fail(err, ENOMEM, "passwd");
	if (find_line(copy, 7, same_entry, &w, f) && parse_id(f[2]) >= 0 && parse_id(f[3]) >= 0) {
		snprintf(matched, size, "%s", f[0]);
		u->uid = (uid_t)parse_id(f[2]);
		u->gid = (gid_t)parse_id(f[3]);
		snprintf(u->home, sizeof(u->home), "%s", f[5][0] ? f[5] : "/");
	} else if (w.id >= 0) {
		u->uid = (uid_t)w.id; /* a uid with no entry: fine, with gid 0 and home "/" */
	} else {
		rc = mc_fail(err, 0, "unable to find user %s: no matching entries in passwd file",
		             name);
	}
	free(copy);
	return rc;
}

/* The group part: an explicit group, or else the supplementary groups of the matched user. */
static int resolve_group(const char *group, const char *name, const char *matched,
                         struct ns_user *u, struct mc_error *err)
{
	struct wanted w = {name, parse_id(name)};
	char *copy, *f[4], *save = NULL;
	int rc = 0;

	copy = strdup(group ? group : "");
	if (copy == NULL)
		return mc_fail(err, ENOMEM, "group");
	if (name[0] != '\0') {
		if (find_line(copy, 4, same_entry, &w, f) && parse_id(f[2]) >= 0)
			u->gid = (gid_t)parse_id(f[2]);
		else if (w.id >= 0)
			u->gid = (gid_t)w.id;
		else
			rc = mc_fail(err, 0,
			             "unable to find group %s: no matching entries in group file",
			             name);
		goto out;
	}
	/* Implicit form: every group that lists the user as a member. */
	for (char *line = strtok_r(copy, "\n", &save); line != NULL && rc == 0 && matched[0];
	     line = strtok_r(NULL, "\n", &save))
		if (line[0] != '#' && split_fields(line, f, 4) == 4 && parse_id(f[2]) >= 0 &&
		    is_member(f[3], matched))
			rc = add_group(u, (gid_t)parse_id(f[2]), err);
out:
	free(copy);
	return rc;
}

/* --group-add: names looked up in group, numbers taken as they are. */
static int add_extra_groups(const char *group, const char *const *extra, struct ns_user *u,
                            struct mc_error *err)
{
	for (; extra != NULL && *extra != NULL; extra++) {
		struct wanted w = {*extra, -1};
		char *copy = strdup(group ? group : ""), *f[4];
		long gid = -1;

		if (copy == NULL)
			return mc_fail(err, ENOMEM, "group");
		/* By name first, then by number (GetAdditionalGroups in runc). */
		if (find_line(copy, 4, same_entry, &w, f))
			gid = parse_id(f[2]);
		free(copy);
		if (gid < 0)
			gid = parse_id(*extra);
		if (gid < 0)
			return mc_fail(err, 0, "Unable to find group %s", *extra);
		if (add_group(u, (gid_t)gid, err) < 0)
			return -1;
	}
	return 0;
}

int ns_user_resolve_text(const char *passwd, const char *group, const char *spec,
                         const char *const *group_add, struct ns_user *user, struct mc_error *err)
{
	char user_part[256], matched[256], *group_part;

	memset(user, 0, sizeof(*user));
	snprintf(user->home, sizeof(user->home), "/");
	if (spec == NULL)
		spec = "";
	if (strlen(spec) >= sizeof(user_part))
		return mc_fail(err, ENAMETOOLONG, "user %.32s...", spec);
	snprintf(user_part, sizeof(user_part), "%s", spec);
	group_part = strchr(user_part, ':');
	if (group_part != NULL)
		*group_part++ = '\0';
	else
		group_part = "";
	if (user_part[0] == '\0' && group_part[0] != '\0')
		return mc_fail(err, 0, "invalid user %s: no user before the ':'", spec);
	/* The primary group is a supplementary one too, first: moby's getUser() starts
	 * AdditionalGids with it, so `id` shows it among the groups. */
	if (resolve_user(passwd, user_part, user, matched, sizeof(matched), err) < 0 ||
	    resolve_group(group, group_part, matched, user, err) < 0 ||
	    add_group(user, user->gid, err) < 0 ||
	    add_extra_groups(group, group_add, user, err) < 0)
		return -1;
	for (size_t i = 0; i < user->ngroups; i++)
		if (user->groups[i] == user->gid) {
			memmove(user->groups + 1, user->groups, i * sizeof(gid_t));
			user->groups[0] = user->gid;
			break;
		}
	return 0;
}

/* Read a file inside the root, if it is there: NULL (and no error) when it is not. */
static char *read_in_root(int rootfd, const char *path, struct mc_error *err)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0, size;
	ssize_t n;
	int fd;

	fd = mc_open_in_root(rootfd, path, O_RDONLY, 0, MC_RESOLVE_AUTO, err);
	if (fd < 0) {
		if (err->errnum == ENOENT)
			mc_error_clear(err);
		return NULL;
	}
	/* As big as the file says it is (a passwd file is a few hundred bytes), at most MAX_FILE. */
	size = fstat(fd, &st) == 0 && st.st_size > 0 && st.st_size < MAX_FILE ? (size_t)st.st_size
	                                                                      : 4096;
	buf = malloc(size + 1);
	while (buf != NULL && len < MAX_FILE && (n = read(fd, buf + len, size - len)) > 0) {
		len += (size_t)n;
		if (len == size && size < MAX_FILE) { /* it grew meanwhile */
			char *bigger = realloc(buf, 2 * size + 1);

			if (bigger == NULL) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = bigger;
			size *= 2;
		}
	}
	close(fd);
	if (buf == NULL) {
		mc_fail(err, ENOMEM, "read %s", path);
		return NULL;
	}
	buf[len] = '\0';
	return buf;
}

int ns_user_resolve(int rootfd, const char *spec, const char *const *group_add,
                    struct ns_user *user, struct mc_error *err)
{
	char *passwd, *group;
	int rc;

	mc_error_clear(err);
	passwd = read_in_root(rootfd, "/etc/passwd", err);
	if (passwd == NULL && err->msg[0] != '\0')
		return -1;
	group = read_in_root(rootfd, "/etc/group", err);
	if (group == NULL && err->msg[0] != '\0') {
		free(passwd);
		return -1;
	}
	rc = ns_user_resolve_text(passwd, group, spec, group_add, user, err);
	free(passwd);
	free(group);
	return rc;
}
