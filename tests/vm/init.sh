#!/bin/busybox sh
# tests/vm/init.sh - /init of the run-in-vm initramfs (stage 1), run by busybox.
#
# Copied into build/vm/initramfs.gz by prepare.sh.  It turns the host's whole
# filesystem, shared read-only over 9p, into the guest's root with a writable
# tmpfs overlay on top, then switch_root's into it and runs stage2.sh, which
# mounts cgroup2 and runs the command.  switch_root and not chroot: the kernel
# refuses some user-namespace operations inside a chroot.
#
# The two 9p shares qemu gives us (see run-in-vm.sh):
#   hostroot  the host's /, read-only
#   vmctl     a host temporary directory, read-write: cmd (the command to
#             run), env.sh (settings), and what we write back: status (the
#             command's exit status) or error (why the guest gave up).
#
# The serial port ttyS0 carries the command's output (and nothing else) to the
# host's stdout: the kernel has no console there unless run-in-vm.sh --debug
# asks for one, and nothing here prints when all goes well.
set -eu
export PATH=/bin

ctl_mounted=0

# Report a fatal error where the host will find it, then power off.
die() {
	echo "run-in-vm guest (init): $*" >&2
	if [ "$ctl_mounted" = 1 ]; then
		echo "init: $*" >/ctl/error
	else
		echo "run-in-vm guest (init): $*" >/dev/ttyS0
	fi
	poweroff -f
}

mount -t proc -o nosuid,nodev,noexec proc /proc
mount -t sysfs -o nosuid,nodev,noexec sysfs /sys
mount -t devtmpfs -o nosuid,mode=755 devtmpfs /dev
# The initramfs has no /dev/console node; now devtmpfs has one.  It is the
# kernel's console: nowhere (tty0, no screen), or ttyS0 with --debug.
exec </dev/console >/dev/console 2>&1

# The virtio transports (virtio-mmio on qemu's microvm machine, virtio-pci on
# the pc machine), 9p and overlayfs are modules in Debian's kernel; the
# initramfs carries them and a modules.dep.
modprobe -a virtio_mmio virtio_pci 9pnet_virtio 9p overlay || die "modprobe failed"

# msize: bigger 9p messages, fewer round trips (each one is slow under TCG).
# cache=loose on the read-only host root (nothing in the guest writes it);
# no cache on the control share, so that what we write reaches the host now.
mkdir -p /host /ctl /rw /newroot
opts=trans=virtio,version=9p2000.L,msize=512000
tries=0
until mount -t 9p -o "$opts,cache=none" vmctl /ctl 2>/dev/null; do
	# The virtio devices may still be being probed.
	tries=$((tries + 1))
	[ $tries -lt 50 ] || die "cannot mount the 9p share vmctl"
	usleep 100000
done
ctl_mounted=1
mount -t 9p -o "ro,$opts,cache=loose" hostroot /host || die "cannot mount the 9p share hostroot"

# The writable layer: an overlay whose upper and work directories are on a
# tmpfs, so everything written in the guest vanishes at power-off.
mount -t tmpfs -o mode=755 rw /rw
mkdir -p /rw/upper /rw/work
mount -t overlay -o lowerdir=/host,upperdir=/rw/upper,workdir=/rw/work overlay /newroot ||
	die "cannot mount the overlay"

# /run in the new root: a fresh tmpfs (the host's /run has stale pid files),
# holding our busybox and stage 2, which must outlive the initramfs.
mount -t tmpfs -o nosuid,nodev,mode=755 run /newroot/run
mkdir -p /newroot/run/vm/ctl /newroot/run/vm/bin
cp /bin/busybox /newroot/run/vm/busybox
cp /stage2 /newroot/run/vm/stage2
for a in modprobe insmod rmmod lsmod depmod modinfo; do
	ln -s ../busybox "/newroot/run/vm/bin/$a"
done
mount --move /ctl /newroot/run/vm/ctl
for d in dev proc sys; do
	mount --move "/$d" "/newroot/$d"
done

# switch_root deletes the initramfs' files, makes /newroot the root and execs
# stage 2 as PID 1.  /rw stays mounted (hidden), the overlay keeps using it.
exec switch_root /newroot /run/vm/busybox sh /run/vm/stage2
