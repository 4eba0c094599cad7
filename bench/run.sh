#!/usr/bin/env bash
# bench/run.sh - start-up benchmark: minicontainer side by side with crun, runc and podman.
#
#	sudo bench/run.sh [--quick] [--output FILE]
#
# Times one short-lived container (`true` from the busybox test root filesystem)
# per tool, in one run of this script, and prints a Markdown table: median and
# mean ± sd in milliseconds, the ratio of each median to crun's, and the peak
# RSS of one run. Full mode writes the table, with the date, kernel and tool
# versions, to bench/RESULTS.md; --quick (5 runs each, 1 warmup) prints only,
# unless --output says where to write. See bench/README.md.
#
# Everything it creates - the minicontainer store, the OCI bundle, crun's and
# runc's state, podman's storage and configuration - lives in one temporary
# directory, removed on exit (failure and Ctrl-C included), together with the
# cgroups the runs leave behind. The host's own podman/containers storage is
# never used: podman gets its storage.conf and containers.conf from that
# directory. Nothing here touches the network (podman runs with --pull never
# and --network none).
set -uo pipefail

SELF=$(readlink -f "${BASH_SOURCE[0]}")

# ---- internal entry: the fallback timing loop ---------------------------------------------
# run.sh --loop WARMUP RUNS OUTFILE IDPREFIX TEMPLATE
# Runs TEMPLATE (a shell command; __ID__ becomes a unique container id) WARMUP
# times untimed, then RUNS times, and writes one duration in nanoseconds per
# line to OUTFILE. Re-invoked through unshare for crun, so that the loop runs
# inside crun's private mount namespace.
if [[ ${1:-} == --loop ]]; then
	warmup=$2 runs=$3 out=$4 idprefix=$5 template=$6
	: >"$out"
	for ((i = 0; i < warmup + runs; i++)); do
		cmd=${template//__ID__/$idprefix-$i}
		t0=$(date +%s%N)
		eval "$cmd" </dev/null >/dev/null 2>&1 || exit 1
		t1=$(date +%s%N)
		((i >= warmup)) && echo $((t1 - t0)) >>"$out"
	done
	exit 0
fi

usage() {
	sed -n '2,19p' "$SELF" | sed 's/^# \{0,1\}//'
}

QUICK=0
OUTPUT=
while (($#)); do
	case $1 in
	--quick) QUICK=1 ;;
	--output)
		OUTPUT=${2:?--output needs a file}
		shift
		;;
	--output=*) OUTPUT=${1#--output=} ;;
	-h | --help)
		usage
		exit 0
		;;
	*)
		echo "bench/run.sh: unknown argument: $1 (see --help)" >&2
		exit 2
		;;
	esac
	shift
done

if [[ $(id -u) -ne 0 ]]; then
	echo "bench/run.sh: must run as root (containers need CAP_SYS_ADMIN): try sudo $0" >&2
	exit 2
fi

REPO=$(cd "$(dirname "$SELF")/.." && pwd)
BUILD=${BUILD:-build}
MC=$REPO/$BUILD/bin/minicontainer
ROOTFS=$REPO/$BUILD/rootfs

if ((QUICK)); then
	WARMUP=1 RUNS=5 PODMAN_RUNS=5 ROUNDS=1 MODE=quick
else
	WARMUP=3 RUNS=${BENCH_RUNS:-30} PODMAN_RUNS=${BENCH_PODMAN_RUNS:-10} ROUNDS=${BENCH_ROUNDS:-3} MODE=full
	[[ -z $OUTPUT ]] && OUTPUT=$REPO/bench/RESULTS.md
fi

log() { printf '[bench] %s\n' "$*" >&2; }
have() { command -v "$1" >/dev/null 2>&1; }

for tool in python3 make tar unshare mount; do
	have "$tool" || {
		echo "bench/run.sh: $tool is required" >&2
		exit 1
	}
done

# ---- the temporary directory and its cleanup --------------------------------------------
TMP=$(mktemp -d "${TMPDIR:-/tmp}/mc-bench.XXXXXX") || exit 1
chmod 0755 "$TMP"
ID_PREFIX=mcbench-$$
LOG=$TMP/log
mkdir -p "$LOG"

# Host paths a run might create when a tool ignores our settings: remember
# which existed, so that cleanup removes only what appeared during the run.
WATCHED=(/run/runc /run/crun /run/libpod /run/containers /var/lib/containers /etc/cni/net.d)
declare -A EXISTED=()
for p in "${WATCHED[@]}"; do [[ -e $p ]] && EXISTED[$p]=1; done
declare -A CG_EXISTED=()
for c in /sys/fs/cgroup/*/; do
	for sub in minicontainer libpod_parent libpod_parent/conmon; do
		[[ -d $c$sub ]] && CG_EXISTED[$c$sub]=1
	done
done
OVERLAY_DIRS_BEFORE=$(ls -d /tmp/mc-overlay-* 2>/dev/null | sort)

PODMAN_READY=0
cleanup() {
	local rc=$? p c m
	trap - EXIT INT TERM HUP
	log "cleaning up $TMP"
	# minicontainer: any container a failed run left behind (--rm removes the rest).
	if [[ -x $MC && -d $TMP/mc ]]; then
		MC_ROOT=$TMP/mc/root MC_RUNDIR=$TMP/mc/run "$MC" ps -aq 2>/dev/null |
			while read -r id; do
				MC_ROOT=$TMP/mc/root MC_RUNDIR=$TMP/mc/run "$MC" rm -f "$id" >/dev/null 2>&1
			done
	fi
	# crun and runc: containers still known to our state directories.
	for p in crun runc; do
		if have "$p" && [[ -d $TMP/$p-state ]]; then
			for c in "$TMP/$p-state"/*/; do
				[[ -d $c ]] && "$p" --root "$TMP/$p-state" delete -f "$(basename "$c")" >/dev/null 2>&1
			done
		fi
	done
	# podman: only its temporary storage, named explicitly.
	if ((PODMAN_READY)); then
		podman_teardown
	fi
	# Cgroups: the runtimes' (named after our container ids), then the parents
	# that did not exist before the run (rmdir removes only empty ones).
	find /sys/fs/cgroup -depth -mindepth 2 -type d -name "$ID_PREFIX-*" -exec rmdir {} \; 2>/dev/null
	for c in /sys/fs/cgroup/*/; do
		for sub in libpod_parent/conmon libpod_parent minicontainer; do
			[[ -d $c$sub && -z ${CG_EXISTED[$c$sub]:-} ]] && rmdir "$c$sub" 2>/dev/null
		done
	done
	# Mounts left under the temporary directory (podman's overlay storage), deepest first.
	for m in $(awk -v d="$TMP/" 'index($5, d) == 1 {print $5}' /proc/self/mountinfo | sort -r); do
		umount -l "$m" 2>/dev/null
	done
	if awk -v d="$TMP/" 'index($5, d) == 1 {found=1} END {exit !found}' /proc/self/mountinfo; then
		log "WARNING: mounts remain under $TMP; not removing it"
	else
		rm -rf --one-file-system "$TMP"
	fi
	# Host paths created during the run: remove them if they are empty (the
	# blob-info cache is podman's only file under /var/lib/containers).
	for p in "${WATCHED[@]}"; do
		[[ -e $p && -z ${EXISTED[$p]:-} ]] || continue
		if [[ $p == /var/lib/containers ]]; then
			rm -f "$p/cache/blob-info-cache-v1.boltdb"
			rmdir "$p/cache" 2>/dev/null
		fi
		rmdir "$p" 2>/dev/null || log "WARNING: $p appeared during the run and is not empty; left alone"
	done
	comm -13 <(echo "$OVERLAY_DIRS_BEFORE") <(ls -d /tmp/mc-overlay-* 2>/dev/null | sort) |
		grep . >/dev/null && log "WARNING: new /tmp/mc-overlay-* directories exist (ours or another user's); left alone"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

# ---- measurement -------------------------------------------------------------------------
# BENCH_NO_HYPERFINE=1 forces the fallback loop (to test it).
[[ -n ${BENCH_NO_HYPERFINE:-} ]] && have() { [[ $1 != hyperfine ]] && command -v "$1" >/dev/null 2>&1; }
if have hyperfine; then
	TIMER="hyperfine $(hyperfine --version | awk '{print $2}') (shell-spawn time subtracted)"
else
	TIMER='a shell loop around date +%s%N (hyperfine not installed; includes ~1 ms of date start-up per run)'
fi
if [[ -x /usr/bin/time ]]; then
	RSS_OK=1
else
	RSS_OK=0
	log "/usr/bin/time is missing (install the package 'time'): peak RSS is not measured"
fi

# crun 1.8 refuses hybrid cgroup hosts; hide the unified hierarchy from it in a
# private mount namespace. The helper runs its arguments inside one.
NS_HELPER=$TMP/private-cgroup-ns.sh
cat >"$NS_HELPER" <<'EOF'
mount --make-rprivate / && mount -t tmpfs tmpfs /sys/fs/cgroup/unified && exec "$@"
EOF
HYBRID=0
[[ $(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null) == cgroup2fs ]] && HYBRID=1

wrapcmd_of() { # the command prefix that runs a tool's commands (crun: the private namespace)
	WRAPCMD=()
	[[ ${WRAP[$1]} == ns && $HYBRID == 1 ]] && WRAPCMD=(unshare -m sh "$NS_HELPER")
}

# measure NAME RUNS ROUND: time the tool's template (__ID__ = a unique container
# id) RUNS times after $WARMUP warmup runs; append the times (seconds, one per
# line) to $TMP/times-NAME. Returns non-zero on failure.
measure() {
	local name=$1 runs=$2 round=$3 template=${TEMPLATE[$1]}
	wrapcmd_of "$name"
	log "round $((round + 1))/$ROUNDS: $name, $WARMUP warmup + $runs runs (load average $(cut -d' ' -f1-3 /proc/loadavg))"
	if have hyperfine; then
		# sh's $$ differs in each run: a unique id per container.
		"${WRAPCMD[@]}" hyperfine --style basic --warmup "$WARMUP" --runs "$runs" \
			--export-json "$TMP/hf-$name-$round.json" -n "$name" \
			"${template//__ID__/$ID_PREFIX-$name-\$\$}" </dev/null >>"$LOG/$name.timing" 2>&1 ||
			return 1
		python3 -c 'import json,sys; print("\n".join(str(t) for t in json.load(open(sys.argv[1]))["results"][0]["times"]))' \
			"$TMP/hf-$name-$round.json" >>"$TMP/times-$name"
	else
		"${WRAPCMD[@]}" bash "$SELF" --loop "$WARMUP" "$runs" "$TMP/ns-$name" "$ID_PREFIX-$name-$round" "$template" \
			>>"$LOG/$name.timing" 2>&1 || return 1
		awk '{printf "%.9f\n", $1 / 1e9}' "$TMP/ns-$name" >>"$TMP/times-$name"
	fi
}

# rss NAME: peak RSS (KiB) of one run, into $TMP/rss-NAME.
rss() {
	local name=$1
	((RSS_OK)) || return 0
	wrapcmd_of "$name"
	"${WRAPCMD[@]}" /usr/bin/time -f %M -o "$TMP/rss-$name" \
		sh -c "${TEMPLATE[$name]//__ID__/$ID_PREFIX-$name-rss}" </dev/null >/dev/null 2>"$LOG/$name.rss" ||
		rm -f "$TMP/rss-$name"
}

declare -A STATUS=() VERSION=() TEMPLATE=() WRAP=() RUNS_OF=()

# prepare NAME RUNS WRAP TEMPLATE: register a tool after one checked, untimed run.
prepare() {
	local name=$1
	RUNS_OF[$name]=$2 WRAP[$name]=$3 TEMPLATE[$name]=$4
	wrapcmd_of "$name"
	if "${WRAPCMD[@]}" sh -c "${TEMPLATE[$name]//__ID__/$ID_PREFIX-$name-check}" </dev/null \
		>"$LOG/$name.check" 2>&1; then
		STATUS[$name]=ready
	else
		STATUS[$name]="failed: $(tail -n 1 "$LOG/$name.check" | tr '|' '/' | cut -c1-120)"
		log "$name: the first run failed:"
		sed 's/^/    /' "$LOG/$name.check" >&2
	fi
}

q() { printf '%q' "$1"; }

# ---- minicontainer -----------------------------------------------------------------------
log "building: make demos rootfs"
if ! make -C "$REPO" BUILD="$BUILD" demos rootfs >"$LOG/make.log" 2>&1; then
	tail -n 30 "$LOG/make.log" >&2
	echo "bench/run.sh: the build failed" >&2
	exit 1
fi
export MC_ROOT=$TMP/mc/root MC_RUNDIR=$TMP/mc/run
log "importing busybox:latest and hello-world into $MC_ROOT (make -s hello-image)"
if ! make -s -C "$REPO" BUILD="$BUILD" hello-image >"$LOG/hello-image.log" 2>&1; then
	cat "$LOG/hello-image.log" >&2
	echo "bench/run.sh: make hello-image failed" >&2
	exit 1
fi
VERSION[minicontainer]="git $(git -C "$REPO" describe --always --dirty 2>/dev/null || echo unknown)"
# The checked first run also unpacks the image's layer (once: every later run shares it).
prepare minicontainer "$RUNS" - "$(q "$MC") run --rm --network none busybox true"

# ---- the OCI bundle for crun and runc ----------------------------------------------------
BUNDLE=$TMP/bundle
mkdir -p "$BUNDLE/rootfs"
tar -C "$ROOTFS" --exclude=./.complete -c . | tar -C "$BUNDLE/rootfs" -x
spec_ok=0
if have runc; then
	(cd "$BUNDLE" && runc spec --rootless=false) && spec_ok=1
elif have crun; then
	(cd "$BUNDLE" && crun spec) && spec_ok=1
fi
if ((spec_ok)); then
	# true from busybox, no terminal; the default namespaces stay (the network
	# entry gives each container a new, empty network namespace).
	python3 - "$BUNDLE/config.json" <<'EOF'
import json, sys
path = sys.argv[1]
spec = json.load(open(path))
spec["process"]["args"] = ["/bin/true"]
spec["process"]["terminal"] = False
json.dump(spec, open(path, "w"), indent=2)
EOF
fi

if ! have crun; then
	STATUS[crun]='not installed'
else
	VERSION[crun]=$(crun --version | head -n 1)
	mkdir -p "$TMP/crun-state"
	prepare crun "$RUNS" ns "crun --root $(q "$TMP/crun-state") run --bundle $(q "$BUNDLE") __ID__"
fi
if ! have runc; then
	STATUS[runc]='not installed'
else
	VERSION[runc]=$(runc --version | head -n 1)
	mkdir -p "$TMP/runc-state"
	prepare runc "$RUNS" - "runc --root $(q "$TMP/runc-state") run --bundle $(q "$BUNDLE") __ID__"
fi

# ---- podman, with its own storage and configuration --------------------------------------
# shellcheck source=bench/podman.sh
. "$REPO/bench/podman.sh"
if ! have podman; then
	STATUS[podman]='not installed'
elif ! have runc; then
	STATUS[podman]='skipped: --runtime runc, and runc is not installed'
else
	VERSION[podman]=$(podman --version)
	podman_setup "$TMP/podman"
	PODMAN_READY=1
	# The same image, as minicontainer saves it (docker-archive). The load runs
	# with a tmpfs over /var/lib, where podman would otherwise create its
	# blob-info cache (/var/lib/containers/cache) whatever the storage says.
	if "$MC" save -o "$PD/busybox.tar" busybox >"$LOG/save.log" 2>&1 &&
		podman_load "$PD/busybox.tar" >"$LOG/podman-load.log" 2>&1; then
		env_words=$(podman_env_words)
		prepare podman "$PODMAN_RUNS" - "${env_words}podman --root $(q "$PD/graph") --runroot $(q "$PD/run") run --rm --network none --pull never --runtime runc busybox true"
	else
		STATUS[podman]='failed: could not load the image (see the log)'
		cat "$LOG/save.log" "$LOG/podman-load.log" >&2
	fi
fi

# ---- the timing, in rounds ---------------------------------------------------------------
# Each round times every tool in turn, so that a change in the machine's load
# during the benchmark falls on all of them rather than on one.
TOOLS=(minicontainer crun runc podman)
for ((round = 0; round < ROUNDS; round++)); do
	for name in "${TOOLS[@]}"; do
		[[ ${STATUS[$name]:-} == ready ]] || continue
		total=${RUNS_OF[$name]}
		n=$((total / ROUNDS + (round < total % ROUNDS ? 1 : 0)))
		((n > 0)) || continue
		if ! measure "$name" "$n" "$round"; then
			STATUS[$name]='failed during timing'
			log "$name: timing failed:"
			tail -n 20 "$LOG/$name.timing" | sed 's/^/    /' >&2
		fi
	done
done
for name in "${TOOLS[@]}"; do
	[[ ${STATUS[$name]:-} == ready ]] || continue
	rss "$name"
	STATUS[$name]=ok
done

# ---- the table ---------------------------------------------------------------------------
LABEL=([0]=minicontainer [1]=crun [2]=runc [3]='podman (--runtime runc)')
stats() { # stats NAME -> "median mean sd min max" in ms
	python3 - "$TMP/times-$1" <<'EOF'
import statistics, sys
t = [float(x) * 1000 for x in open(sys.argv[1]) if x.strip()]
sd = statistics.stdev(t) if len(t) > 1 else 0.0
print(f"{statistics.median(t):.1f} {statistics.mean(t):.1f} {sd:.1f} {min(t):.1f} {max(t):.1f} {len(t)}")
EOF
}
CRUN_MEDIAN=
[[ ${STATUS[crun]:-} == ok ]] && CRUN_MEDIAN=$(stats crun | cut -d' ' -f1)

table() {
	echo '| tool | median ms | mean ± sd ms | ratio to crun (median) | peak RSS KiB |'
	echo '|---|--:|--:|--:|--:|'
	local i name med mean sd rssv ratio
	for i in "${!TOOLS[@]}"; do
		name=${TOOLS[$i]}
		if [[ ${STATUS[$name]:-} != ok ]]; then
			echo "| ${LABEL[$i]} | ${STATUS[$name]:-not run} | | | |"
			continue
		fi
		read -r med mean sd _ <<<"$(stats "$name")"
		ratio=n/a
		[[ -n $CRUN_MEDIAN ]] && ratio=$(awk -v a="$med" -v b="$CRUN_MEDIAN" 'BEGIN {printf "%.2f×", a / b}')
		rssv=n/a
		[[ -s $TMP/rss-$name ]] && rssv=$(tail -n 1 "$TMP/rss-$name")
		echo "| ${LABEL[$i]} | $med | $mean ± $sd | $ratio | $rssv |"
	done
}

details() {
	local name mn mx n
	for name in "${TOOLS[@]}"; do
		[[ ${STATUS[$name]:-} == ok ]] || continue
		read -r _ _ _ mn mx n <<<"$(stats "$name")"
		echo "- $name: $n runs, min $mn ms, max $mx ms${VERSION[$name]:+; ${VERSION[$name]}}"
	done
}

CGMODE=v1
[[ $(stat -f -c %T /sys/fs/cgroup) == cgroup2fs ]] && CGMODE=v2
((HYBRID)) && CGMODE='v1 hybrid (v1 controllers, empty v2 hierarchy at /sys/fs/cgroup/unified)'

report() {
	cat <<EOF
# minicontainer start-up benchmark

\`bench/run.sh$( ((QUICK)) && echo ' --quick')\` ($MODE mode), $(date -u '+%Y-%m-%d %H:%M UTC'), minicontainer ${VERSION[minicontainer]}.
One container running \`true\` from the busybox test root filesystem, per tool:

- minicontainer: \`minicontainer run --rm --network none busybox true\` (image imported by \`make hello-image\`);
- crun, runc: \`run\` of an OCI bundle of the same root filesystem (\`runc spec\`, args \`/bin/true\`, no terminal, default namespaces), a new container id each run$( ((HYBRID)) && echo '; crun inside a private mount namespace with a tmpfs over /sys/fs/cgroup/unified (crun 1.8 refuses hybrid hosts), the timing loop inside that namespace too')
- podman: \`podman run --rm --network none --pull never --runtime runc busybox true\`, the same image loaded from \`minicontainer save\`, overlay storage and cgroupfs in a temporary directory.

$RUNS runs each ($PODMAN_RUNS for podman) in $ROUNDS round(s) that take turns between the tools, each tool's share of a round after $WARMUP warmup runs; timed with $TIMER.
Ratio: the tool's median over crun's. Peak RSS: \`/usr/bin/time -f %M\` of one run (see bench/README.md for what it covers).

$(table)

$(details)

- host: $(uname -srm), $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')), cgroups $CGMODE
- stores, state and bundle in $(dirname "$TMP"), on $(df --output=fstype "$TMP" | tail -n 1)
- load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)
EOF
}

REPORT=$(report)
echo "$REPORT"
if [[ -n $OUTPUT ]]; then
	echo "$REPORT" >"$OUTPUT"
	log "written to $OUTPUT"
fi
