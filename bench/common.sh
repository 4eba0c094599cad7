# bench/common.sh - sourced by the benchmarks that time minicontainer beside
# podman (lifecycle.sh, system-df.sh): the checks, one temporary directory for
# both tools' state, and its removal on exit.
#
#	bench_start NAME TAG   root, hyperfine, podman and a build of minicontainer
#	                       ($MC) are required; TMP is a new directory
#	                       mc-bench-TAG.XXXXXX, with MC_ROOT, MC_RUNDIR and
#	                       podman's storage (bench/podman.sh) in it; on exit
#	                       the containers, podman's state, mounts and TMP go
#	log TEXT...            a progress line on stderr

log() { printf '[bench] %s\n' "$*" >&2; }

bench_start() {
	local name=$1 tag=$2 tool
	[[ $(id -u) -eq 0 ]] || { echo "$name: must run as root" >&2; exit 2; }
	for tool in hyperfine podman; do
		command -v $tool >/dev/null || { echo "$name: $tool is required" >&2; exit 1; }
	done
	[[ -x $MC && -d $REPO/$BUILD/rootfs ]] || { echo "run make first (and make rootfs)" >&2; exit 1; }
	TMP=$(mktemp -d "${TMPDIR:-/tmp}/mc-bench-$tag.XXXXXX") || exit 1
	export MC_ROOT=$TMP/mc-root MC_RUNDIR=$TMP/mc-run
	# shellcheck source=bench/podman.sh
	. "$REPO/bench/podman.sh"
	podman_setup "$TMP/podman"
	trap bench_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

bench_cleanup() {
	local m c
	trap - EXIT INT TERM
	log "cleaning up"
	"$MC" rm -f $("$MC" ps -a -q) >/dev/null 2>&1
	podman_teardown
	for m in $(awk -v d="$TMP/" 'index($5, d) == 1 {print $5}' /proc/self/mountinfo | sort -r); do
		umount -l "$m" 2>/dev/null
	done
	rm -rf --one-file-system "$TMP"
	for c in /sys/fs/cgroup/*/minicontainer /sys/fs/cgroup/minicontainer; do rmdir "$c" 2>/dev/null; done
}
