# shellcheck shell=bash
# demo-lib.sh - what every chapters/NN-*/demo.sh shares.  Sourced, not run.
#
# A demo script says what it is about (say), shows each command before it
# runs it (run), and waits for Enter in between when it talks to a terminal.
# Everything it makes is its own, and goes when it ends (normally, on an
# error or on Ctrl-C):
#
#   - MC_ROOT and MC_RUNDIR in a fresh temporary directory, $DEMO_TMP
#     (under $TMPDIR, /tmp by default);
#   - the chapter demos' cgroups under a parent of their own, $DEMO_CGROUP;
#   - the whole script runs in a network namespace of its own, with only lo
#     (up) and forwarding on, as transcripts do: bridges, veths, nftables
#     tables and sysctls stay in there and go with it;
#   - processes: the containers in $MC_ROOT (rm -f), and what the script
#     started itself (demo_at_exit 'COMMAND that stops it').
#
# Options of every demo: --no-pause (or DEMO_PAUSE=0) runs it straight
# through; --help.  It needs root, as the chapter demos do.  For the tests
# (tests/demos.sh): DEMO_BIN, the binaries to use (default build/bin), and
# DEMO_IDS, a file to add the ids of the demo's containers to.

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DEMO_BIN=${DEMO_BIN:-$top/build/bin} # the tests' other builds (make asan) set it
DEMO_PAUSE=${DEMO_PAUSE:-1}
demo_exits=()

# demo_start "$@": options, root, the network namespace, the temporary state.
demo_start() {
	local arg
	for arg in "$@"; do
		case $arg in
		--no-pause) DEMO_PAUSE=0 ;;
		-h | --help)
			sed -n '2,/^$/s/^# \{0,1\}//p' "$0"
			exit 0
			;;
		*)
			echo "$0: unknown option $arg (try --help)" >&2
			exit 2
			;;
		esac
	done
	if [ "$(id -u)" -ne 0 ]; then
		echo "$0: needs root (namespaces, mounts and cgroups): sudo $0" >&2
		exit 1
	fi
	if [ -z "${DEMO_IN_NETNS:-}" ]; then
		# Again, in a network namespace of our own: it goes when we do.
		DEMO_IN_NETNS=1 DEMO_PAUSE=$DEMO_PAUSE exec unshare --net -- bash "$0" "$@"
	fi
	ip link set lo up
	echo 1 >/proc/sys/net/ipv4/ip_forward
	cd "$top" || exit 1
	for arg in "$DEMO_BIN/minicontainer" build/rootfs/.complete; do
		if [ ! -e "$arg" ]; then
			echo "$0: $arg is missing: run make && make rootfs first" >&2
			exit 1
		fi
	done

	DEMO_TMP=$(mktemp -d "${TMPDIR:-/tmp}/mc-demo.XXXXXX")
	DEMO_CGROUP=mc-demo-$$
	export MC_ROOT=$DEMO_TMP/root MC_RUNDIR=$DEMO_TMP/run PATH=$DEMO_BIN:$PATH
	# minicontainer's own parent cgroup: removed at the end if we made it.
	demo_mc_cgroups=$(find /sys/fs/cgroup -maxdepth 2 -type d -name minicontainer 2>/dev/null | tr '\n' ' ')
	trap demo_cleanup EXIT
	trap 'exit 130' INT TERM
	say "MC_ROOT, MC_RUNDIR in $DEMO_TMP; cgroups in $DEMO_CGROUP; a network namespace of our own"
}

# say TEXT: narration.
say() {
	printf '\n# %s\n' "$1"
}

# pause: wait for Enter, when someone is there to press it.
pause() {
	if [ "$DEMO_PAUSE" != 0 ] && [ -t 0 ]; then
		read -r -s -p '  [Enter]' _
		printf '\r          \r'
	fi
}

# run 'COMMAND': show it, wait, run it.  A command that is meant to fail says
# so itself ('... || echo "exit status $?"').
run() {
	printf '$ %s\n' "$1"
	pause
	eval "$1"
}

# demo_at_exit 'COMMAND': run it at the end, first (it stops what the demo started).
demo_at_exit() {
	demo_exits+=("$1")
}

demo_cleanup() {
	local status=$? dir cmd
	trap - EXIT INT TERM
	set +e
	for cmd in "${demo_exits[@]}"; do
		eval "$cmd"
	done
	# For tests/demos.sh: the containers there were, to check none is left.
	if [ -n "${DEMO_IDS:-}" ] && [ -f "$MC_ROOT/events/events.log" ]; then
		sed -n 's/^{"status":"create","id":"\([0-9a-f]*\)".*"Type":"container".*/\1/p' \
			"$MC_ROOT/events/events.log" >>"$DEMO_IDS"
	fi
	if [ -d "$MC_ROOT" ]; then
		minicontainer ps -aq 2>/dev/null | xargs -r minicontainer rm -f >/dev/null 2>&1
	fi
	# Mounts under our directory (deepest first), then cgroups (children first).
	awk -v d="$DEMO_TMP/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r |
		xargs -r -n 1 umount -l
	find /sys/fs/cgroup -depth -type d \( -path "*/$DEMO_CGROUP" -o -path "*/$DEMO_CGROUP/*" \) \
		-exec rmdir {} + 2>/dev/null
	for dir in $(find /sys/fs/cgroup -maxdepth 2 -type d -name minicontainer 2>/dev/null); do
		case " $demo_mc_cgroups " in *" $dir "*) ;; *) rmdir "$dir" 2>/dev/null ;; esac
	done
	rm -rf "$DEMO_TMP"
	if [ $status -eq 0 ]; then
		say "Done; everything the demo made is gone."
	else
		say "The demo stopped (status $status); everything it made is gone."
	fi
	exit $status
}
