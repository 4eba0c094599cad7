#!/usr/bin/env bash
# bench/build.sh - build benchmark: minicontainer build side by side with podman build and buildah.
#
#	sudo bench/build.sh [--quick] [--output FILE]
#
# Builds bench/build-context (a five-step Dockerfile FROM busybox: ENV, two COPY,
# two RUN) with every tool in one run of this script, twice over: with --no-cache
# (every step runs) and again with the cache full (every step is a hit). Prints a
# Markdown table - median and mean ± sd in milliseconds, and each median's ratio
# to podman's - and, in full mode, writes it with the date, kernel and versions
# to bench/RESULTS-build.md; --quick (1 warmup, 3 runs each) prints only, unless
# --output says where. Needs hyperfine.
#
# Everything lives in one temporary directory, removed on exit: minicontainer's
# MC_ROOT, podman's and buildah's storage and configuration (CONTAINERS_CONF,
# CONTAINERS_STORAGE_CONF), their HOME and TMPDIR. The whole run happens in a
# private mount namespace where /run, /var/lib and /var/tmp are empty tmpfs: the
# host's container storage is never touched. No network: every RUN has none,
# and nothing is pulled (busybox is the test root filesystem, imported).
set -uo pipefail

SELF=$(readlink -f "${BASH_SOURCE[0]}")
REPO=$(cd "$(dirname "$SELF")/.." && pwd)
BUILD=${BUILD:-build}

QUICK=0
OUTPUT=
while (($#)); do
	case $1 in
	--quick) QUICK=1 ;;
	--output)
		OUTPUT=${2:?--output needs a file}
		shift
		;;
	--inside) INSIDE=1 ;;
	-h | --help)
		sed -n '2,19p' "$SELF" | sed 's/^# \{0,1\}//'
		exit 0
		;;
	*)
		echo "bench/build.sh: unknown argument: $1 (see --help)" >&2
		exit 2
		;;
	esac
	shift
done
if [[ $(id -u) -ne 0 ]]; then
	echo "bench/build.sh: must run as root: try sudo $0" >&2
	exit 2
fi
command -v hyperfine >/dev/null || {
	echo "bench/build.sh: needs hyperfine (apt-get install hyperfine)" >&2
	exit 2
}

# ---- outside: build, make the temporary directory, go into a private mount namespace -------------
if [[ -z ${INSIDE:-} ]]; then
	(cd "$REPO" && make -s demos rootfs BUILD="$BUILD") || exit 1
	T=$(mktemp -d /tmp/mc-bench-build.XXXXXX)
	trap 'rm -rf --one-file-system "$T"; for d in /sys/fs/cgroup/*/minicontainer/build-*; do rmdir "$d" 2>/dev/null; done' EXIT
	export BENCH_DIR=$T BENCH_QUICK=$QUICK BENCH_OUTPUT=$OUTPUT
	unshare --mount --propagation private "$SELF" --inside
	exit $?
fi

# ---- inside the private mount namespace -----------------------------------------------------------
T=$BENCH_DIR
for d in /run /var/lib /var/tmp; do mount -t tmpfs mc-bench "$d" || exit 1; done
export HOME=$T/home TMPDIR=$T/tmp MC_ROOT=$T/mc-root MC_RUNDIR=$T/mc-run
export CONTAINERS_CONF=$T/containers.conf CONTAINERS_STORAGE_CONF=$T/storage.conf
mkdir -p "$HOME" "$TMPDIR"
# cgroupfs (no systemd here), runc (crun refuses cgroup v1 hybrid), events to a file,
# ulimits under root's hard limits, no network; overlay storage, as both default to.
cat >"$CONTAINERS_CONF" <<CONF
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
netns = "none"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime = "runc"
CONF
cat >"$CONTAINERS_STORAGE_CONF" <<CONF
[storage]
driver = "overlay"
graphroot = "$T/containers"
runroot = "$T/containers-run"
CONF

MC=$REPO/$BUILD/bin/minicontainer
CTX=$T/context
cp -r "$REPO/bench/build-context" "$CTX"
tar -C "$REPO/$BUILD/rootfs" --exclude=./.complete -c . | "$MC" import --change 'CMD ["sh"]' - busybox >/dev/null || exit 1
"$MC" save -o "$T/busybox.tar" busybox || exit 1

if ((BENCH_QUICK)); then WARMUP=1 RUNS=3 PEER_RUNS=3; else WARMUP=2 RUNS=${BENCH_RUNS:-20} PEER_RUNS=${BENCH_PEER_RUNS:-10}; fi

names=() cmds=() runs=()
add() { names+=("$1") cmds+=("$2") runs+=("$3"); }
add "minicontainer, no cache" "$MC build --no-cache -q -t bench:mc $CTX" "$RUNS"
add "minicontainer, cached" "$MC build -q -t bench:mc $CTX" "$RUNS"
peers=""
if command -v podman >/dev/null; then
	podman load -q -i "$T/busybox.tar" >/dev/null || exit 1
	add "podman build, no cache" "podman build -q --pull=never --network none --no-cache -t bench:podman $CTX" "$PEER_RUNS"
	add "podman build, cached" "podman build -q --pull=never --network none -t bench:podman $CTX" "$PEER_RUNS"
	peers="$peers podman"
fi
if command -v buildah >/dev/null; then
	add "buildah bud, no cache" "buildah bud -q --pull-never --network none --layers --no-cache -t bench:buildah $CTX" "$PEER_RUNS"
	add "buildah bud, cached" "buildah bud -q --pull-never --network none --layers -t bench:buildah $CTX" "$PEER_RUNS"
	peers="$peers buildah"
fi

# Each command once before timing: its cache is full for the cached rows, and every tool
# has its base image unpacked.
for i in "${!cmds[@]}"; do ${cmds[$i]} >/dev/null 2>&1 || { echo "bench/build.sh: failed: ${cmds[$i]}" >&2; exit 1; }; done
for i in "${!cmds[@]}"; do
	hyperfine -N --style none --warmup "$WARMUP" --runs "${runs[$i]}" --export-json "$T/r$i.json" \
		-n "${names[$i]}" "${cmds[$i]}" >/dev/null 2>&1 || { echo "bench/build.sh: hyperfine failed: ${cmds[$i]}" >&2; exit 1; }
done

table=$(python3 - "$T" "${#cmds[@]}" <<'PY'
import json, statistics, sys
t, n = sys.argv[1], int(sys.argv[2])
rows = []
for i in range(n):
    r = json.load(open(f"{t}/r{i}.json"))["results"][0]
    times = [x * 1000 for x in r["times"]]
    rows.append((r["command"], statistics.median(times), statistics.mean(times),
                 statistics.stdev(times) if len(times) > 1 else 0.0, len(times)))
base = {}
for name, med, *_ in rows:
    if name.startswith("podman"):
        base[name.split(", ")[1]] = med
print("| build | median | mean ± sd | runs | ratio to podman |")
print("|---|--:|--:|--:|--:|")
for name, med, mean, sd, k in rows:
    kind = name.split(", ")[1]
    ratio = f"{med / base[kind]:.2f}×" if kind in base else "n/a"
    print(f"| {name} | {med:.1f} ms | {mean:.1f} ± {sd:.1f} ms | {k} | {ratio} |")
PY
)
header="Build benchmark, $(date -u +%Y-%m-%d), kernel $(uname -r), $(nproc) cores
minicontainer $(cd "$REPO" && git rev-parse --short HEAD 2>/dev/null || echo unknown);$(for p in $peers; do printf ' %s' "$($p --version | head -n1)"; done)"
printf '%s\n\n%s\n' "$header" "$table"
if [[ -n $BENCH_OUTPUT ]]; then
	printf '%s\n\n%s\n' "$header" "$table" >"$BENCH_OUTPUT"
elif ((!BENCH_QUICK)); then
	printf '# Build benchmark results\n\nWritten by `sudo bench/build.sh`; see bench/README.md.\n\n%s\n\n%s\n' "$header" "$table" >"$REPO/bench/RESULTS-build.md"
fi
podman system reset -f >/dev/null 2>&1
exit 0
