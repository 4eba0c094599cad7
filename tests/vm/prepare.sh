#!/bin/sh
# tests/vm/prepare.sh - fetch and cache what tests/vm/run-in-vm.sh needs.
#
# Usage: tests/vm/prepare.sh [--force]
#
# Builds, under build/vm/ of the repository (override with MC_VM_DIR):
#
#   kernel/          the real package behind Debian's linux-image-amd64
#                    (linux-image-6.x-NN-amd64, never the -cloud- flavour,
#                    which lacks 9p), fetched with apt-get download and
#                    unpacked with dpkg-deb -x, never installed:
#                    kernel/boot/vmlinuz-KVER and the whole module tree
#                    kernel/lib/modules/KVER, with a modules.dep made here.
#                    The guest reaches the tree through its 9p view of the
#                    host and bind-mounts it on /lib/modules/KVER.
#   vmlinux          the uncompressed kernel cut out of vmlinuz; qemu boots it
#                    through the PVH entry, twice as fast as vmlinuz (absent
#                    if the extraction failed: run-in-vm.sh then uses vmlinuz)
#   busybox          the static busybox of Debian's busybox-static package
#                    (also fetched with apt-get download)
#   kver             the kernel's version (uname -r in the guest)
#   stamp            written when all of the above is complete
#   initramfs.gz     cpio newc + gzip: busybox, the modules needed to mount
#                    the host over 9p with an overlay on top, init.sh as /init
#                    and stage2.sh
#   initramfs.sum    checksum of init.sh, stage2.sh and this script: the
#                    initramfs is rebuilt (in a second) when they change
#
# A second run finds all that and does nothing.  --force redoes everything.
# Nothing is installed on the host except, if it is missing and we are root,
# the cpio package (with busybox's cpio as the fallback); apt-get update runs
# only if apt-cache cannot resolve linux-image-amd64.  /boot is never touched.
#
# Exit status: 0 when build/vm/ is ready; 77 (after one line
# "PREFIX: SKIP: reason" on stderr) when it cannot be prepared, e.g. no apt,
# no package mirror.  PREFIX is $VM_LOG_PREFIX (run-in-vm.sh sets it) or
# "prepare".
set -eu

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
vmdir=${MC_VM_DIR:-$repo/build/vm}
prefix=${VM_LOG_PREFIX:-prepare}

force=0
case "${1:-}" in
--force) force=1 ;;
"") ;;
*)
	echo "usage: $0 [--force]" >&2
	exit 2
	;;
esac

say() { echo "$prefix: $*" >&2; }
skip() {
	echo "$prefix: SKIP: $*" >&2
	exit 77
}

# The modules the initramfs loads before it can reach the host's files; their
# dependencies (virtio_ring, netfs, fscache, ...) are added from modules.dep.
BOOT_MODULES="virtio_pci virtio_mmio 9pnet_virtio 9p overlay"

# The initramfs embeds init.sh and stage2.sh: it is rebuilt when they (or
# this script) change, without downloading anything again.
initramfs_sum() { cat "$here/init.sh" "$here/stage2.sh" "$here/prepare.sh" | cksum | cut -d' ' -f1; }

# Complete: the kernel part (stamp) and an up-to-date initramfs.
kernel_ready() {
	[ -f "$vmdir/stamp" ] && [ -f "$vmdir/kver" ] && [ -x "$vmdir/busybox" ] &&
		[ -f "$vmdir/kernel/boot/vmlinuz-$(cat "$vmdir/kver")" ] &&
		[ -f "$vmdir/kernel/lib/modules/$(cat "$vmdir/kver")/modules.dep" ]
}
initramfs_ready() {
	[ -f "$vmdir/initramfs.gz" ] && [ -f "$vmdir/initramfs.sum" ] &&
		[ "$(cat "$vmdir/initramfs.sum")" = "$(initramfs_sum)" ]
}

# Fast path: everything is there already.
if [ "$force" = 0 ] && kernel_ready && initramfs_ready; then
	exit 0
fi

mkdir -p "$vmdir" || skip "cannot create $vmdir"

# Serialise concurrent preparations (two test runs starting at once): the
# second waits for the first, then finds everything done.
if command -v flock >/dev/null 2>&1 && [ -z "${VM_PREPARE_LOCKED:-}" ]; then
	VM_PREPARE_LOCKED=1 exec flock "$vmdir/.lock" "$0" "$@"
fi
if [ "$force" = 0 ] && kernel_ready && initramfs_ready; then
	exit 0
fi

# Scratch space inside build/vm, removed on any exit.  We hold the lock, so
# any older .work.* was left by a killed run: remove it.
rm -rf "$vmdir"/.work.*
work=$(mktemp -d "$vmdir/.work.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# =============================================================================
# Part A: the kernel (downloaded once; "stamp" marks it complete).
# =============================================================================
prepare_kernel() {
	command -v apt-get >/dev/null 2>&1 || skip "apt-get not found (needs Debian's linux-image-amd64)"
	command -v dpkg-deb >/dev/null 2>&1 || skip "dpkg-deb not found"
	command -v xz >/dev/null 2>&1 || skip "xz not found"
	rm -f "$vmdir/stamp" "$vmdir/initramfs.sum"

	# --- A1. which kernel package -----------------------------------------
	# linux-image-amd64 is a metapackage; its Depends names the real image
	# package (linux-image-6.1.0-NN-amd64).  The -cloud- flavour is refused:
	# it lacks 9p.
	pkg=$(resolve_kernel || true)
	if [ -z "$pkg" ] && [ "$(id -u)" = 0 ]; then
		# Package lists never fetched on this machine: fetch them once.
		say "apt-cache does not know linux-image-amd64: running apt-get update"
		apt-get update -qq >"$work/apt-update.log" 2>&1 || true
		pkg=$(resolve_kernel || true)
	fi
	[ -n "$pkg" ] || skip "cannot resolve linux-image-amd64 with apt-cache (run apt-get update)"

	# --- A2. download and unpack (never install) --------------------------
	# apt-get download writes into the current directory.  As root it warns
	# that the _apt user cannot write there; that is harmless.
	say "downloading $pkg and busybox-static"
	mkdir -p "$work/debs"
	if ! (cd "$work/debs" && apt-get download -q "$pkg" busybox-static) >"$work/download.log" 2>&1; then
		tail -n 3 "$work/download.log" >&2
		skip "apt-get download $pkg busybox-static failed"
	fi
	say "unpacking $pkg"
	mkdir -p "$work/kernel" "$work/bb"
	dpkg-deb -x "$work/debs/$pkg"_*.deb "$work/kernel" || skip "dpkg-deb -x $pkg failed"
	dpkg-deb -x "$work/debs"/busybox-static_*.deb "$work/bb" || skip "dpkg-deb -x busybox-static failed"
	rm -rf "$work/kernel/usr" # docs; only boot/ and lib/ matter
	kver=$(ls "$work/kernel/lib/modules" | head -n 1)
	[ -n "$kver" ] && [ -f "$work/kernel/boot/vmlinuz-$kver" ] || skip "no vmlinuz in $pkg"
	grep -q '^CONFIG_9P_FS=[ym]' "$work/kernel/boot/config-$kver" || skip "$pkg has no 9p"
	"$work/bb/bin/busybox" true || skip "the downloaded busybox does not run"

	# --- A3. modules.dep --------------------------------------------------
	# The package has no modules.dep (its postinst would run depmod).
	# busybox depmod writes modules.dep/.alias/.symbols, which busybox
	# modprobe (used in the guest) reads; kmod's depmod, if the host has it,
	# adds the .bin indexes that kmod's modprobe wants.
	say "depmod $kver"
	"$work/bb/bin/busybox" depmod -b "$work/kernel" "$kver" || skip "depmod failed"
	for d in "$(command -v depmod || true)" /sbin/depmod /usr/sbin/depmod; do
		if [ -n "$d" ] && [ -x "$d" ]; then
			"$d" -b "$work/kernel" "$kver" 2>/dev/null || true
			break
		fi
	done

	# --- A4. vmlinux for the PVH entry ------------------------------------
	# vmlinuz is a bzImage whose payload is an XZ stream (CONFIG_KERNEL_XZ):
	# cut it out at the XZ magic and decompress it.  The result is an ELF
	# with a PVH note (CONFIG_PVH=y) that qemu -kernel boots directly,
	# skipping the real-mode setup and the decompressor.  On any failure
	# there is no vmlinux and run-in-vm.sh boots vmlinuz.
	vmlinuz="$work/kernel/boot/vmlinuz-$kver"
	if grep -q '^CONFIG_PVH=y' "$work/kernel/boot/config-$kver"; then
		off=$(LC_ALL=C grep -abo -m 1 -P '\xfd7zXZ\x00' "$vmlinuz" 2>/dev/null |
			head -n 1 | cut -d: -f1 || true)
		if [ -n "$off" ] &&
			tail -c +"$((off + 1))" "$vmlinuz" | xz -dc --single-stream >"$work/vmlinux" 2>/dev/null &&
			[ "$(head -c 4 "$work/vmlinux" | od -An -c | tr -d ' ')" = '177ELF' ]; then
			:
		else
			rm -f "$work/vmlinux"
			say "could not extract vmlinux from vmlinuz; will boot vmlinuz (slower)"
		fi
	fi

	# --- A5. move into place ----------------------------------------------
	rm -rf "$vmdir/kernel" "$vmdir/vmlinux" "$vmdir/busybox"
	mv "$work/kernel" "$vmdir/kernel"
	cp "$work/bb/bin/busybox" "$vmdir/busybox"
	[ -f "$work/vmlinux" ] && mv "$work/vmlinux" "$vmdir/vmlinux"
	echo "$kver" >"$vmdir/kver"
	echo "$pkg $kver" >"$vmdir/stamp"
}

resolve_kernel() {
	apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: *\(linux-image-[0-9][^ ]*-amd64\)$/\1/p' |
		grep -v -- '-cloud-' | head -n 1
}

# =============================================================================
# Part B: the initramfs (rebuilt whenever init.sh/stage2.sh/prepare.sh change).
# =============================================================================
prepare_initramfs() {
	kver=$(cat "$vmdir/kver")
	bb="$vmdir/busybox"
	moddir="$vmdir/kernel/lib/modules/$kver"
	say "building the initramfs"
	root="$work/initramfs"
	mkdir -p "$root/bin" "$root/dev" "$root/proc" "$root/sys" "$root/lib/modules/$kver"

	# busybox and a symlink per applet
	cp "$bb" "$root/bin/busybox"
	for applet in $("$bb" --list); do
		[ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
	done
	cp "$here/init.sh" "$root/init"
	cp "$here/stage2.sh" "$root/stage2"
	chmod 755 "$root/init" "$root/stage2"

	# The boot modules and everything they depend on, as modules.dep says
	# ("path/name.ko: dep.ko dep.ko ...").
	need=""
	for m in $BOOT_MODULES; do
		files=$(awk -v ko="$m.ko" '{ n = $1; sub(/:$/, "", n); b = n; sub(/.*\//, "", b)
			if (b == ko) { print n; for (i = 2; i <= NF; i++) print $i } }' "$moddir/modules.dep")
		[ -n "$files" ] || skip "module $m not found for $kver"
		need="$need $files"
	done
	# Transitive closure (modules.dep already lists indirect ones; be sure).
	changed=1
	while [ "$changed" = 1 ]; do
		changed=0
		for f in $need; do
			for d in $(awk -v f="$f:" '$1 == f { for (i = 2; i <= NF; i++) print $i }' "$moddir/modules.dep"); do
				case " $need " in
				*" $d "*) ;;
				*) need="$need $d" changed=1 ;;
				esac
			done
		done
	done
	for f in $need; do
		mkdir -p "$root/lib/modules/$kver/$(dirname "$f")"
		cp "$moddir/$f" "$root/lib/modules/$kver/$f"
	done
	"$bb" depmod -b "$root" "$kver" || skip "depmod for the initramfs failed"

	# cpio newc + gzip.  Install cpio if missing and we may (root); else use
	# busybox's cpio.
	if ! command -v cpio >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
		say "installing cpio"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq cpio >"$work/apt-cpio.log" 2>&1 || true
	fi
	if command -v cpio >/dev/null 2>&1; then
		cpio_cmd="cpio --quiet -o -H newc -R 0:0"
	else
		cpio_cmd="$bb cpio -o -H newc"
	fi
	(cd "$root" && find . | LC_ALL=C sort | $cpio_cmd) | gzip -6 >"$work/initramfs.gz" ||
		skip "cpio failed"
	mv "$work/initramfs.gz" "$vmdir/initramfs.gz"
	initramfs_sum >"$vmdir/initramfs.sum"
}

if [ "$force" = 1 ] || ! kernel_ready; then
	prepare_kernel
fi
prepare_initramfs
say "ready: $(cat "$vmdir/stamp") in $vmdir"
