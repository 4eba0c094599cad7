#!/bin/bash
# demo.sh - chapter 01 in a lecture: one process, its own view of the system.
#
#   sudo chapters/01-namespaces/demo.sh [--no-pause]
#
# Runs build/bin/ch01-namespaces on build/rootfs (make && make rootfs first):
# a new PID, mount and UTS namespace; a network namespace with only lo; a
# user namespace; the kernel calls with --trace; PID 1 and signals; chroot's
# escape, and why the container does not share it.  Waits for Enter before
# each step on a terminal; --no-pause (or DEMO_PAUSE=0) runs straight through.
set -euo pipefail
. "$(dirname "$0")/../../scripts/demo-lib.sh"
demo_start "$@"

say "A shell in new namespaces: its own hostname, PID 1, one process."
run "ch01-namespaces --hostname demo --rootfs build/rootfs -- /bin/sh -c 'hostname; echo \$\$; ps'"

say "The host, for comparison: its hostname and how many processes it has."
run "hostname; ps -e --no-headers | wc -l"

say "The namespaces are links in /proc/PID/ns: different inodes inside."
run "readlink /proc/self/ns/pid; readlink /proc/self/ns/mnt"
run "ch01-namespaces --rootfs build/rootfs -- /bin/sh -c 'readlink /proc/self/ns/pid; readlink /proc/self/ns/mnt'"

say "A network namespace of its own: only lo. A user namespace: root is uid 100000 outside."
run "ch01-namespaces --rootfs build/rootfs -- /probe netif"
run "ch01-namespaces --userns --rootfs build/rootfs -- /probe uidmap"

say "Every kernel call, in order (--trace); here only the ones that make the container."
run "ch01-namespaces --trace --hostname demo --rootfs build/rootfs -- /probe pid 2>&1 | grep -E 'clone|pivot_root|sethostname|execve|wait4|^pid='"

say "PID 1 ignores a signal it has no handler for; SIGKILL from outside still works (137)."
run "ch01-namespaces --rootfs build/rootfs -- /probe kill-self 15 2>&1 || echo \"exit status \$?\""
run "ch01-namespaces --rootfs build/rootfs -- /probe sleep 30 & until pkill -KILL -P \$!; do sleep 0.1; done; wait \$! || echo \"exit status \$?\""

say "chroot can be climbed out of; the container's root cannot (a copy: the probe leaves a directory)."
run "cp -a build/rootfs \$DEMO_TMP/rootfs"
run "chroot \$DEMO_TMP/rootfs /probe chroot-breakout /etc/os-release | grep '^breakout='"
run "ch01-namespaces --rootfs \$DEMO_TMP/rootfs -- /probe chroot-breakout /etc/os-release | grep '^breakout='"
