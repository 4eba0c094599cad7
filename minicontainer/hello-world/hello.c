/*
 * hello.c - the hello-world image's only program (static, no libc needed in
 * the image).  Like Docker's, it explains what just happened; unlike it, it
 * checks: every fact it prints about its container it has just looked up.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

/* The number of processes this container can see in its /proc. */
static int visible_processes(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] >= '1' && e->d_name[0] <= '9')
			n++;
	closedir(d);
	return n;
}

/* The last line of /proc/self/cgroup: "0::/" when the container has its own cgroup namespace. */
static void own_cgroup(char *buf, size_t size)
{
	FILE *f = fopen("/proc/self/cgroup", "r");
	char line[512];

	snprintf(buf, size, "unknown");
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL)
		snprintf(buf, size, "%.*s", (int)strcspn(line, "\n"), line);
	fclose(f);
}

int main(void)
{
	/* `make hello STUDENT=all` runs the minicontainer built from the student's
	 * code (build/student/bin) and says so here; otherwise it is build/bin's. */
	const char *bin = getenv("MC_HELLO_BIN");
	struct utsname u;
	char cgroup[512];

	if (bin == NULL || bin[0] == '\0')
		bin = "build/bin/minicontainer";
	uname(&u);
	own_cgroup(cgroup, sizeof(cgroup));
	printf("\n"
	       "Hello from minicontainer!\n"
	       "This message shows that your installation appears to be working correctly.\n"
	       "\n"
	       "To generate this message, minicontainer took the following steps:\n"
	       " 1. It found the \"hello-world\" image in its local store: a manifest, a config\n"
	       "    and a layer, each named by its sha256 digest.                 (chapter 04)\n"
	       " 2. It mounted the image's layer read-only under a writable layer of the\n"
	       "    container's own, with overlayfs.                              (chapter 03)\n"
	       " 3. It made a cgroup to hold the container, with its limits.      (chapter 02)\n"
	       " 4. It gave the container a network: a veth pair to the bridge\n"
	       "    mc0 and an address (unless --network chose otherwise).        (chapter 05)\n"
	       " 5. It started this program in new PID, mount, UTS, IPC and network\n"
	       "    namespaces, with the image as its root filesystem.            (chapter 01)\n"
	       " 6. It streamed this program's output to your terminal.\n"
	       "\n"
	       "What this program sees from inside, looked up just now:\n"
	       "    my PID:              %d (the first process of a new PID namespace)\n"
	       "    processes I can see: %d\n"
	       "    my hostname:         %s\n"
	       "    my cgroup:           %s\n"
	       "\n"
	       "To try something more ambitious, run a shell:\n"
	       " $ sudo %s run -it busybox sh\n"
	       "\n"
	       "To build an image of your own from a Dockerfile in DIR:          (chapter 06)\n"
	       " $ sudo %s build -t myimage DIR\n"
	       "\n"
	       "To see how each step works, read the chapters in chapters/, or watch\n"
	       "every kernel call go by:\n"
	       " $ sudo %s --trace run --rm hello-world\n"
	       "\n",
	       (int)getpid(), visible_processes(), u.nodename, cgroup, bin, bin, bin);
	return 0;
}
