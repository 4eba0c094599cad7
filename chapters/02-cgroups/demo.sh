#!/bin/bash
# demo.sh - chapter 02 in a lecture: how much a container may use.
#
#   sudo chapters/02-cgroups/demo.sh [--no-pause]
#
# Runs build/bin/ch02-cgroups on build/rootfs (make && make rootfs first): a
# memory hog stopped by the OOM killer, a fork bomb held by a pids limit, half
# a CPU, the cgroup files written (--trace), and the limits seen from inside.
# Its cgroups live under a parent of its own, removed at the end.  Waits for
# Enter before each step on a terminal; --no-pause (or DEMO_PAUSE=0) does not.
set -euo pipefail
. "$(dirname "$0")/../../scripts/demo-lib.sh"
demo_start "$@"
cg="ch02-cgroups --cgroup-parent $DEMO_CGROUP --rootfs build/rootfs"

say "Which cgroup version this machine has: v2 has cgroup.controllers at the top."
run "ls /sys/fs/cgroup/cgroup.controllers 2>/dev/null && echo v2 || echo 'v1 (one hierarchy per controller)'"

say "A memory hog: 64 MiB wanted, 32 MiB allowed. The OOM killer ends it: 137."
run "{ $cg --memory 32m -- /probe eat 64 2>&1 || echo \"exit status \$?\"; } | tail -n 8"

say "A fork bomb, held at 20 processes: fork() fails with EAGAIN, the host never notices."
run "$cg --pids-limit 20 -- /probe forkbomb 100"

say "Half a CPU: one second of wall-clock time, about half a second of CPU."
run "$cg --cpus 0.5 -- /probe spin 1"

say "What --trace shows: the cgroup made at prepare, the limit written, the PID put in (on v1: the pids hierarchy's lines)."
run "$cg --trace --pids-limit 20 -- /probe pid 2>&1 | grep -E '^\[ch02\] (prepare|after-clone|after-exit|(mkdir|write|rmdir) /sys/fs/cgroup/(pids/)?$DEMO_CGROUP)'"

say "From inside: the container's own cgroup, and the limit it cannot raise."
run "$cg --pids-limit 20 -- /bin/sh -c 'grep pids /proc/self/cgroup; f=/sys/fs/cgroup/pids.max; [ -e \$f ] || f=/sys/fs/cgroup/pids/pids.max; cat \$f; echo 1000 > \$f || echo refused' 2>&1 | sed '/^--- resources/,\$d'"
