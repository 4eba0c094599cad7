#!/bin/bash
# tests/vm/run-in-vm.sh - run a command in a throwaway qemu VM whose only
# cgroup hierarchy is cgroup2 (for testing chapter 02 on cgroup v2 when the
# host is cgroup v1 or hybrid).
#
# Usage: tests/vm/run-in-vm.sh [--mem MB] [--timeout SECONDS] [--env NAME]...
#                              [--share DIR]... [--debug] -- COMMAND [ARGS...]
#
#   --mem MB          guest memory (default 2048)
#   --timeout SECONDS kill the VM after this long (default 600): exit 124
#   --env NAME        also pass the host's variable NAME (repeatable)
#   --share DIR       DIR is read-write in the guest, at the same path: what
#                     the guest writes there reaches the host (repeatable)
#   --debug           show qemu's command line, and the guest kernel's console
#                     (mixed into the output)
#
# In the guest, COMMAND runs as root, in the current directory, with:
#   - the host's whole / visible read-only at the same paths (9p), under a
#     writable tmpfs overlay: builds and tests can write, nothing reaches the
#     host.  /tmp and /run are fresh in the guest: a current directory under
#     them (a clone in /tmp) is shared on its own, read-only with a tmpfs
#     overlay too, at the same path;
#   - /proc, /sys, /dev (devtmpfs), /dev/pts, /dev/shm, /tmp and /run mounted;
#   - cgroup2 at /sys/fs/cgroup (no cgroup v1 at all), every available
#     controller enabled in the root's cgroup.subtree_control; the command
#     itself is in the root cgroup;
#   - the Debian kernel's whole module tree loadable (modprobe, and the
#     kernel's on-demand loading of veth, bridge, nf_tables, ...);
#   - a clean environment: PATH, HOME=/root, TERM=dumb, LANG=C.UTF-8,
#     MC_IN_VM=1, and MC_TEST_STRICT, MC_ROOT, MC_RUNDIR, MC_TEST_ROOTFS
#     when they are set on the host.
# Its stdout and stderr (merged) are streamed to our stdout, through the
# guest's serial port; stdin is /dev/null.
#
# Exit status: COMMAND's (read from a file the guest writes on a 9p share,
# never parsed from the console); 77 with "run-in-vm: SKIP: reason" on stderr
# if qemu is missing or the kernel cannot be prepared; 124 on timeout; 125 if
# the VM failed before reporting a status.
#
# The VM uses TCG (software emulation, about 20x slower than native): KVM
# cannot run stock kernels on this machine.  Booting to the command takes a
# few seconds.  What it needs is fetched and cached in build/vm/ by
# tests/vm/prepare.sh.
set -eu

# The whole script is one function, called on the last line: bash then parses
# it completely before running it, so editing this file while a VM runs does
# not derail the running copy.
main() {

	here=$(cd "$(dirname "$0")" && pwd)
	me=run-in-vm

	mem=2048
	timeout=600
	debug=0
	pass_env="MC_TEST_STRICT MC_ROOT MC_RUNDIR MC_TEST_ROOTFS"
	shares=()

	usage() {
		sed -n 's/^# \{0,1\}//; 5,13p' "$0" >&2
		exit 2
	}
	while [ $# -gt 0 ]; do
		case "$1" in
		--mem) [ $# -ge 2 ] || usage; mem=$2; shift 2 ;;
		--mem=*) mem=${1#*=}; shift ;;
		--timeout) [ $# -ge 2 ] || usage; timeout=$2; shift 2 ;;
		--timeout=*) timeout=${1#*=}; shift ;;
		--env) [ $# -ge 2 ] || usage; pass_env="$pass_env $2"; shift 2 ;;
		--env=*) pass_env="$pass_env ${1#*=}"; shift ;;
		--share) [ $# -ge 2 ] || usage; shares+=("$2"); shift 2 ;;
		--share=*) shares+=("${1#*=}"); shift ;;
		--debug) debug=1; shift ;;
		--) shift; break ;;
		-h | --help) usage ;;
		*) usage ;;
		esac
	done
	[ $# -ge 1 ] || usage
	case "$mem$timeout" in *[!0-9]*) usage ;; esac

	skip() {
		echo "$me: SKIP: $*" >&2
		exit 77
	}

	qemu=$(command -v qemu-system-x86_64 || true)
	[ -n "$qemu" ] || skip "qemu-system-x86_64 not found (apt-get install qemu-system-x86)"

	# Fetch/cache the kernel and build the initramfs (fast when already done).
	# prepare.sh prints its own "run-in-vm: SKIP: ..." line when it gives up.
	prep_rc=0
	VM_LOG_PREFIX=$me "$here/prepare.sh" || prep_rc=$?
	case "$prep_rc" in
	0) ;;
	77) exit 77 ;;
	*) skip "tests/vm/prepare.sh failed (exit $prep_rc)" ;;
	esac
	vmdir=${MC_VM_DIR:-$(cd "$here/../.." && pwd)/build/vm}
	kver=$(cat "$vmdir/kver")
	kernel=$vmdir/vmlinux # PVH entry: faster boot
	[ -f "$kernel" ] || kernel=$vmdir/kernel/boot/vmlinuz-$kver

	# Extra 9p shares, mounted by stage2.sh after /tmp and /run: "rw" for
	# --share, "ro" (with a tmpfs overlay) for a current directory that the
	# guest's fresh /tmp or /run would hide.
	cwd=$(pwd -P)
	share_modes=()
	share_paths=()
	case "$cwd/" in
	/dev/* | /proc/* | /sys/*)
		echo "$me: the current directory $cwd is hidden in the guest (a fresh mount there)" >&2
		exit 2
		;;
	/tmp/* | /run/*)
		share_modes+=(ro)
		share_paths+=("$cwd")
		;;
	esac
	for d in "${shares[@]}"; do
		if [ ! -d "$d" ]; then
			echo "$me: --share $d: no such directory" >&2
			exit 2
		fi
		share_modes+=(rw)
		share_paths+=("$(cd "$d" && pwd -P)")
	done

	# --- the temporary directory, shared read-write with the guest ----------------
	# ctl/cmd     the command, as a sh script (written here)
	# ctl/env.sh  settings for stage2.sh (written here)
	# ctl/status  the command's exit status (written by the guest)
	# ctl/error   why the guest gave up (written by the guest)
	# qemu.log    qemu's own stderr, shown on failure
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/run-in-vm.XXXXXX")
	qemu_pid=
	timer_pid=
	# shellcheck disable=SC2317 # called by the EXIT trap
	cleanup() {
		# Only the processes we started, by their PID.
		if [ -n "$qemu_pid" ]; then kill -KILL "$qemu_pid" 2>/dev/null || true; fi
		if [ -n "$timer_pid" ]; then kill "$timer_pid" 2>/dev/null || true; fi
		rm -rf "$tmp"
	}
	trap cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM HUP
	mkdir "$tmp/ctl"

	# Single-quote a word for sh: ' becomes '\''.
	q() {
		local s=${1//\'/\'\\\'\'}
		printf "'%s'" "$s"
	}

	{
		echo "# written by run-in-vm.sh, run by the guest's /bin/sh"
		echo "export MC_IN_VM=1"
		for v in $pass_env; do
			case "$v" in '' | [0-9]* | *[!A-Za-z0-9_]*) continue ;; esac
			if [ -n "${!v+set}" ]; then
				echo "export $v=$(q "${!v}")"
			fi
		done
		echo "cd -- $(q "$cwd") || exit 125"
		printf 'exec'
		for a in "$@"; do printf ' %s' "$(q "$a")"; done
		echo
	} >"$tmp/ctl/cmd"
	{
		echo "MODDIR=$(q "$vmdir/kernel/lib/modules/$kver")"
		echo "CGROUP_OPTS=${MC_VM_CGROUP_OPTS-nsdelegate,memory_recursiveprot}"
	} >"$tmp/ctl/env.sh"

	# --- qemu -----------------------------------------------------------------------
	# Machine: the classic "pc" (SeaBIOS, virtio-pci).  MC_VM_MACHINE=microvm
	# selects qemu's microvm (virtio-mmio, no PCI): 10-20% faster to boot, but
	# under TCG on a loaded host its kernel often fails to calibrate the TSC
	# against the PIT and, having no HPET or ACPI PM timer to fall back on, hangs.
	# So on microvm we tell the kernel the TSC's frequency (tsc_early_khz): under
	# TCG the guest's TSC is the host's, whose frequency we take from
	# MC_VM_TSC_KHZ or the host's /proc/cpuinfo ("cpu MHz", right on hosts with
	# constant_tsc and no frequency scaling, as this kind of VM is).  The boot
	# watchdog below retries a hung boot in any case.
	# -nodefaults: no VGA, NIC, floppy, CD; we add what we need:
	#   ttyS0 -> our stdout: the command's output, and only that;
	#   two virtio-9p devices: the host's / read-only, and $tmp/ctl read-write.
	# multidevs=remap: the host's / spans several filesystems; remap their inode
	# numbers so they do not collide in the guest.
	# Kernel: no console on ttyS0 (so no kernel message can mix with the output;
	# --debug puts it there), quiet, loglevel=0; cgroup_no_v1=all (a pure unified
	# hierarchy); panic=-1 with -no-reboot: a kernel panic ends qemu.
	machine=${MC_VM_MACHINE:-pc}
	case "$machine" in
	pc) machine_opts=pc virtio=pci ;;
	microvm) machine_opts=microvm,acpi=on,rtc=on virtio=device ;;
	*)
		echo "$me: MC_VM_MACHINE must be pc or microvm" >&2
		exit 2
		;;
	esac
	if [ "$debug" = 1 ]; then
		append="console=ttyS0 loglevel=7"
	else
		append="console=tty0 quiet loglevel=0"
	fi
	append="$append panic=-1 cgroup_no_v1=all mitigations=off tsc=reliable no_timer_check"
	append="$append i8042.noaux i8042.nokbd i8042.nopnp"
	if [ "$machine" = microvm ]; then
		tsc_khz=${MC_VM_TSC_KHZ:-$(awk -F: '/^cpu MHz/ { printf "%d", $2 * 1000; exit }' /proc/cpuinfo 2>/dev/null || true)}
		[ -z "$tsc_khz" ] || append="$append tsc_early_khz=$tsc_khz"
	fi
	append="$append ${MC_VM_APPEND:-}" # extra kernel parameters, for debugging
	# The extra shares: a 9p device each, and a line "TAG MODE PATH" each in
	# ctl/shares for stage2.sh, shortest path first (one may lie inside another).
	share_devices=()
	for i in "${!share_paths[@]}"; do
		if [ "${share_modes[$i]}" = rw ]; then
			share_devices+=(-fsdev "local,id=share$i,path=${share_paths[$i]},security_model=none")
		else
			share_devices+=(-fsdev "local,id=share$i,path=${share_paths[$i]},security_model=passthrough,readonly=on")
		fi
		share_devices+=(-device "virtio-9p-$virtio,fsdev=share$i,mount_tag=share$i")
	done
	for i in "${!share_paths[@]}"; do
		printf '%d share%d %s %s\n' "${#share_paths[$i]}" "$i" "${share_modes[$i]}" "${share_paths[$i]}"
	done | sort -n | cut -d' ' -f2- >"$tmp/ctl/shares"

	# shellcheck disable=SC2054 # commas inside qemu options
	cmd=(
		"$qemu"
		-accel tcg,thread=multi -cpu max -smp 2 -m "$mem"
		-machine "$machine_opts" -nodefaults -no-user-config -display none -no-reboot -nic none
		-chardev "stdio,id=out,signal=off"
		-serial chardev:out
		-fsdev "local,id=hostroot,path=/,security_model=passthrough,readonly=on,multidevs=remap"
		-device "virtio-9p-$virtio,fsdev=hostroot,mount_tag=hostroot"
		-fsdev "local,id=vmctl,path=$tmp/ctl,security_model=none"
		-device "virtio-9p-$virtio,fsdev=vmctl,mount_tag=vmctl"
		"${share_devices[@]}"
		-kernel "$kernel" -initrd "$vmdir/initramfs.gz" -append "$append"
	)
	[ "$debug" = 1 ] && echo "$me: ${cmd[*]}" >&2

	# --- run it, with a deadline and a boot watchdog ----------------------------------
	# Times in microseconds since the epoch (bash's EPOCHREALTIME).
	now_us() { echo "${EPOCHREALTIME/./}"; }
	start_us=$(now_us)
	deadline_us=$((start_us + timeout * 1000000))
	# The guest creates ctl/started just before it runs the command.  If it has
	# not after boot_timeout seconds, the boot hung (nothing was run, nothing
	# printed): kill that VM and boot another, at most `attempts` times.
	boot_timeout=${MC_VM_BOOT_TIMEOUT:-60}
	attempts=3

	# kill_qemu: end the qemu we started, gently then not.
	kill_qemu() {
		kill -TERM "$qemu_pid" 2>/dev/null || true
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$qemu_pid" 2>/dev/null || break
			sleep 0.5
		done
		kill -KILL "$qemu_pid" 2>/dev/null || true
		wait "$qemu_pid" 2>/dev/null || true
		qemu_pid=
	}

	# wait_until US: wait for qemu to end or for the time US, whichever is first;
	# true if qemu ended.  The timer is a plain sleep that inherits no output.
	wait_until() {
		local left=$(($1 - $(now_us)))
		if [ "$left" -gt 0 ]; then
			sleep "$((left / 1000000)).$(printf %06d $((left % 1000000)))" </dev/null >/dev/null 2>&1 &
			timer_pid=$!
			local done_pid='' rc=0
			wait -n -p done_pid "$qemu_pid" "$timer_pid" 2>/dev/null || rc=$?
			[ "$done_pid" != "$qemu_pid" ] || qemu_rc=$rc
			kill "$timer_pid" 2>/dev/null || true
			wait "$timer_pid" 2>/dev/null || true
			timer_pid=
		fi
		! kill -0 "$qemu_pid" 2>/dev/null
	}

	attempt=1
	qemu_rc=
	while :; do
		rm -f "$tmp/ctl/started" "$tmp/ctl/status" "$tmp/ctl/error"
		"${cmd[@]}" </dev/null 2>"$tmp/qemu.log" &
		qemu_pid=$!
		boot_deadline_us=$(($(now_us) + boot_timeout * 1000000))
		[ "$boot_deadline_us" -lt "$deadline_us" ] || boot_deadline_us=$deadline_us
		if wait_until "$boot_deadline_us"; then
			break # qemu ended by itself
		fi
		if [ -e "$tmp/ctl/started" ] && wait_until "$deadline_us"; then
			break # qemu ended by itself
		fi
		if [ "$(now_us)" -ge "$deadline_us" ]; then
			kill_qemu
			echo "$me: timeout after $timeout s" >&2
			exit 124
		fi
		# The boot watchdog went off.
		kill_qemu
		if [ "$attempt" -ge "$attempts" ]; then
			echo "$me: the VM did not boot within $boot_timeout s, $attempts times" >&2
			exit 125
		fi
		echo "$me: the VM did not boot within $boot_timeout s; booting another" >&2
		attempt=$((attempt + 1))
	done
	qemu_pid=

	if [ "$debug" = 1 ]; then
		echo "$me: qemu exited $qemu_rc after $((($(now_us) - start_us) / 1000)) ms" >&2
	fi

	status=$(cat "$tmp/ctl/status" 2>/dev/null || true)
	case "$status" in
	'' | *[!0-9]*)
		echo "$me: the VM ended without reporting the command's exit status (qemu exit $qemu_rc)" >&2
		if [ -s "$tmp/ctl/error" ]; then echo "$me: guest: $(cat "$tmp/ctl/error")" >&2; fi
		if [ -s "$tmp/qemu.log" ]; then
			echo "$me: qemu said:" >&2
			tail -n 20 "$tmp/qemu.log" >&2
		fi
		[ "$debug" = 1 ] || echo "$me: run with --debug to see the guest kernel's console" >&2
		exit 125
		;;
	esac
	exit "$status"
}

main "$@"
