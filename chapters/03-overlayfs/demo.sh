#!/bin/bash
# demo.sh - chapter 03 in a lecture: a root filesystem made of layers.
#
#   sudo chapters/03-overlayfs/demo.sh [--no-pause]
#
# Runs build/bin/ch03-overlayfs (make && make rootfs first) on two read-only
# layers, build/rootfs and a small one it makes: what the container sees, what
# it changed (like docker diff), the upper directory with its whiteout, the
# layers left alone, and the mount itself (--trace).  Everything it makes is in
# a temporary directory, removed at the end.  Waits for Enter before each step
# on a terminal; --no-pause (or DEMO_PAUSE=0) does not.
set -euo pipefail
. "$(dirname "$0")/../../scripts/demo-lib.sh"
demo_start "$@"
ovl="ch03-overlayfs --cgroup-parent $DEMO_CGROUP"

say "A second layer: /etc/motd, and a directory /etc/app with two files."
run "mkdir -p \$DEMO_TMP/top/etc/app && echo 'hello from the top layer' > \$DEMO_TMP/top/etc/motd"
run "echo one > \$DEMO_TMP/top/etc/app/a.conf; echo two > \$DEMO_TMP/top/etc/app/b.conf"

say "The container sees both layers as one /. It writes, deletes, replaces a directory."
run "$ovl --layer build/rootfs --layer \$DEMO_TMP/top --upper \$DEMO_TMP/upper -- /bin/sh -c 'cat /etc/motd; echo hi > /tmp/x; rm /etc/group; rm -r /etc/app; mkdir /etc/app; echo three > /etc/app/c.conf; ls /etc /etc/app'"

say "Every change is in the upper directory; the layers below are as they were."
run "(cd \$DEMO_TMP/upper && find . | sort)"
run "stat -c '%F %t:%T %n' \$DEMO_TMP/upper/etc/group"
run "python3 -c 'import os, sys; print(os.getxattr(sys.argv[1], \"trusted.overlay.opaque\"))' \$DEMO_TMP/upper/etc/app"
run "ls build/rootfs/etc \$DEMO_TMP/top/etc/app"

say "Stack the upper directory as a third layer: the changes are an image layer now."
run "$ovl --layer build/rootfs --layer \$DEMO_TMP/top --layer \$DEMO_TMP/upper -- ls /etc /etc/app 2>/dev/null"

say "The mount itself: one overlay, lowest layer last in lowerdir."
run "$ovl --trace --layer build/rootfs --layer \$DEMO_TMP/top -- true 2>&1 | grep '^\[ch03\]'"
