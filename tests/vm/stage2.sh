# tests/vm/stage2.sh - PID 1 of the run-in-vm guest after switch_root (stage 2).
#
# Run by /run/vm/busybox sh.  The root is now the host's / (read-only 9p) under
# a tmpfs overlay; /proc, /sys and /dev were moved here by init.sh.  We:
#   1. mount /dev/pts, /dev/shm, /tmp, and cgroup2 at /sys/fs/cgroup with
#      every available controller enabled in the root's cgroup.subtree_control;
#   2. make the kernel's modules loadable (modprobe veth, nf_tables, ... and
#      the kernel's own on-demand loading);
#   3. run /run/vm/ctl/cmd (written by run-in-vm.sh: cd, environment, exec of
#      the command) with its output into a pipe that a cat copies to the
#      serial port ttyS0, which the host streams to its stdout;
#   4. write its exit status to /run/vm/ctl/status (9p, straight to the host
#      file) and power off.
# On a setup failure we write the reason to /run/vm/ctl/error instead.
#
# set -u but not -e: if PID 1 exits the kernel panics, telling the host
# nothing; every step that matters goes through die instead.
set -u
bb=/run/vm/busybox
ctl=/run/vm/ctl
out=/dev/ttyS0

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

# The extra shares (run-in-vm.sh --share, or a current directory under /tmp
# or /run, which the fresh mounts above hide), now that /tmp and /run are
# mounted: "TAG MODE PATH" a line.  rw: the host's directory itself; ro: read
# only, under a tmpfs overlay like the root (writes stay in the guest).
opts9p=trans=virtio,version=9p2000.L,msize=512000
if [ -s "$ctl/shares" ]; then
	while read -r tag mode path; do
		$bb mkdir -p "$path" || die "cannot make $path for the share $tag"
		if [ "$mode" = rw ]; then
			$bb mount -t 9p -o "$opts9p,cache=none" "$tag" "$path" || die "cannot mount the share $path"
			continue
		fi
		d=/run/vm/shares/$tag
		$bb mkdir -p "$d/lower" "$d/rw" &&
			$bb mount -t 9p -o "ro,$opts9p,cache=loose" "$tag" "$d/lower" &&
			$bb mount -t tmpfs -o mode=755 rw "$d/rw" &&
			$bb mkdir -p "$d/rw/upper" "$d/rw/work" &&
			$bb mount -t overlay -o "lowerdir=$d/lower,upperdir=$d/rw/upper,workdir=$d/rw/work" overlay "$path" ||
			die "cannot mount the share $path"
	done <"$ctl/shares"
fi

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
# The command writes into a pipe (as under CI), not onto the serial tty:
# isatty() is false, ls prints one name a line, and so on.  A cat copies the
# pipe to the serial port.
$bb mkfifo /run/vm/out || die "cannot make a fifo"
$bb cat /run/vm/out >$out &
cat_pid=$!
# Tell the host's boot watchdog that the boot is over.
: >"$ctl/started"
# A clean environment; cmd exports the variables passed through and cds to
# the caller's directory.  /run/vm/bin (busybox modprobe, insmod, lsmod, ...)
# comes first in PATH: the host's kmod, if it has one, would want index files
# that only a kmod depmod run by prepare.sh makes.  The host's own /bin/sh runs it (not busybox's
# built-in applets).  The redirections are made in the child, not here: this
# shell would otherwise print job messages ("Killed") into the output.
$bb env -i \
	PATH=/run/vm/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	HOME=/root TERM=dumb LANG=C.UTF-8 \
	$bb sh -c 'exec </dev/null >"$1" 2>&1 && exec /bin/sh "$2"' - /run/vm/out "$ctl/cmd"
rc=$?

# --- 4. report and power off --------------------------------------------------
# Kill whatever the command left running (daemons, stray children: they
# would hold the pipe open), sparing ourselves (PID 1) and the cat; a few
# rounds, to catch what was forked while we went through /proc.  Kernel
# threads ignore the signal.  Then the cat reads to the end of the pipe.
for _ in 1 2 3; do
	for p in /proc/[0-9]*; do
		pid=${p#/proc/}
		case "$pid" in 1 | "$cat_pid") ;; *) kill -KILL "$pid" 2>/dev/null ;; esac
	done
done
wait "$cat_pid"
# Wait for the serial port to have sent everything: stty sets the attributes
# with TCSADRAIN, which returns once the UART's FIFO is empty, i.e. once qemu
# has written every byte to the host.
$bb stty -F $out raw -echo
echo "$rc" >"$ctl/status.tmp" && $bb mv "$ctl/status.tmp" "$ctl/status"
$bb sync
$bb poweroff -f
