# tests/vm/stage2.sh - PID 1 of the run-in-vm guest after switch_root (stage 2).
#
# Run by /run/vm/busybox sh.  The root is now the host's / (read-only 9p) under
# a tmpfs overlay; /proc, /sys and /dev were moved here by init.sh.  We:
#   1. mount /dev/pts, /dev/shm, /tmp, and cgroup2 at /sys/fs/cgroup with
#      every available controller enabled in the root's cgroup.subtree_control;
#   2. make the kernel's modules loadable (modprobe veth, nf_tables, ... and
#      the kernel's own on-demand loading);
#   3. run /run/vm/ctl/cmd (written by run-in-vm.sh: cd, environment, exec of
#      the command) with its output on ttyS1, which the host streams to its
#      stdout;
#   4. write its exit status to /run/vm/ctl/status (9p, straight to the host
#      file) and power off.
# On a setup failure we write the reason to /run/vm/ctl/error instead.
set -u
bb=/run/vm/busybox
ctl=/run/vm/ctl
out=/dev/ttyS1

die() {
	echo "stage2: $*" >"$ctl/error"
	$bb sync
	$bb poweroff -f
}

# --- 1. filesystems -----------------------------------------------------------
$bb mkdir -p /dev/pts /dev/shm
$bb mount -t devpts -o nosuid,noexec,newinstance,ptmxmode=0666,mode=0620,gid=5 devpts /dev/pts ||
	die "cannot mount /dev/pts"
# /dev/ptmx from devtmpfs would reach the initial devpts instance; make it the
# one just mounted, as systemd and container runtimes do.
$bb rm -f /dev/ptmx && $bb ln -s pts/ptmx /dev/ptmx
$bb mount -t tmpfs -o nosuid,nodev,mode=1777 shm /dev/shm || die "cannot mount /dev/shm"
$bb mount -t tmpfs -o nosuid,nodev,mode=1777 tmp /tmp || die "cannot mount /tmp"
[ -e /dev/fd ] || $bb ln -s /proc/self/fd /dev/fd
[ -e /dev/stdin ] || $bb ln -s /proc/self/fd/0 /dev/stdin
[ -e /dev/stdout ] || $bb ln -s /proc/self/fd/1 /dev/stdout
[ -e /dev/stderr ] || $bb ln -s /proc/self/fd/2 /dev/stderr

# settings from the host: MODDIR (the unpacked module tree), CGROUP_OPTS
. "$ctl/env.sh" || die "cannot read $ctl/env.sh"

# cgroup2 only (the kernel runs with cgroup_no_v1=all).  nsdelegate and
# memory_recursiveprot are what systemd uses on a unified-hierarchy host.
$bb mount -t cgroup2 -o "nosuid,nodev,noexec${CGROUP_OPTS:+,$CGROUP_OPTS}" cgroup2 /sys/fs/cgroup ||
	die "cannot mount cgroup2 on /sys/fs/cgroup"
for c in $($bb cat /sys/fs/cgroup/cgroup.controllers); do
	echo "+$c" >/sys/fs/cgroup/cgroup.subtree_control || die "cannot enable the $c controller"
done

# --- 2. modules ---------------------------------------------------------------
# The host has no /lib/modules for the guest's kernel: bind the unpacked tree
# (reached through the 9p root) there, and point the kernel's module loader at
# busybox modprobe, which reads the modules.dep prepare.sh made.
kver=$($bb uname -r)
if [ -d "${MODDIR:-}" ]; then
	$bb mkdir -p "/lib/modules/$kver" &&
		$bb mount --bind "$MODDIR" "/lib/modules/$kver" ||
		die "cannot bind $MODDIR on /lib/modules/$kver"
	echo /run/vm/bin/modprobe >/proc/sys/kernel/modprobe
fi

# --- 3. the command -----------------------------------------------------------
$bb hostname mc-vm
$bb ip link set lo up 2>/dev/null
# Raw output: no "\n" -> "\r\n" translation on the way to the host.
$bb stty -F $out raw -echo || die "cannot configure $out"
cd / || die "cannot cd /"
# A clean environment; cmd exports the variables passed through and cds to
# the caller's directory.  The host's own /bin/sh runs it (not busybox's
# built-in applets).  The redirections are made in the child, not here: this
# shell would otherwise print job messages ("Killed") into the output.
$bb env -i \
	PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/run/vm/bin \
	HOME=/root TERM=dumb LANG=C.UTF-8 \
	$bb sh -c 'exec </dev/null >"$1" 2>&1 && exec /bin/sh "$2"' - "$out" "$ctl/cmd"
rc=$?

# --- 4. report and power off --------------------------------------------------
# Kill whatever the command left running (kill -1 from PID 1 spares PID 1),
# then wait for the serial port to have sent everything: stty sets the
# attributes with TCSADRAIN, which returns once the UART's FIFO is empty, i.e.
# once qemu has written every byte to the host.
$bb kill -KILL -1 2>/dev/null
$bb stty -F $out raw -echo
echo "$rc" >"$ctl/status.tmp" && $bb mv "$ctl/status.tmp" "$ctl/status"
$bb sync
$bb poweroff -f
