#!/usr/bin/env bash
# bench/network.sh - chapter 05's benchmark, minicontainer and podman side by side:
#
#   1. start-up of `run --rm busybox true` with --network none, on the default
#      bridge, and on the bridge with -p 18080:80;
#   2. throughput host -> container through a published port (iperf3, TCP),
#      and straight to the container's address for comparison.
#
#	sudo bench/network.sh [--quick] [--output FILE]
#
# The whole run happens in a network and mount namespace of its own, with
# tmpfs over /run and /var/lib: the bridges, nftables/iptables rules,
# ip_forward and podman's CNI state live and die there, and the host's network
# is never touched. Both tools get their state in one temporary directory.
# Full mode: 30 timed runs per row (podman 10), in 10 rounds that take turns
# between the tools; writes bench/NETWORK.md. --quick: 5 runs, prints only.
set -uo pipefail

SELF=$(readlink -f "${BASH_SOURCE[0]}")
REPO=$(cd "$(dirname "$SELF")/.." && pwd)
BUILD=${BUILD:-build}

if [[ ${1:-} != --inside ]]; then
	if [[ $(id -u) -ne 0 ]]; then
		echo "bench/network.sh: must run as root: try sudo $0" >&2
		exit 2
	fi
	for tool in unshare hyperfine iperf3 python3 ip; do
		command -v "$tool" >/dev/null || {
			echo "bench/network.sh: $tool is required (scripts/deps.sh install)" >&2
			exit 1
		}
	done
	make -s -C "$REPO" BUILD="$BUILD" demos rootfs >/dev/null || exit 1
	exec unshare --net --mount --propagation private "$SELF" --inside "$@"
fi
shift

QUICK=0 OUTPUT=
while (($#)); do
	case $1 in
	--quick) QUICK=1 ;;
	--output) OUTPUT=${2:?--output needs a file} && shift ;;
	*) echo "bench/network.sh: unknown argument $1" >&2 && exit 2 ;;
	esac
	shift
done
if ((QUICK)); then
	RUNS=5 PODMAN_RUNS=5 ROUNDS=1 WARMUP=1 SECONDS_IPERF=3
else
	RUNS=30 PODMAN_RUNS=10 ROUNDS=10 WARMUP=1 SECONDS_IPERF=10
	[[ -z $OUTPUT ]] && OUTPUT=$REPO/bench/NETWORK.md
fi
log() { printf '[bench] %s\n' "$*" >&2; }

# ---- the private "host" -------------------------------------------------------------------
mount -t tmpfs tmpfs /run && mount -t tmpfs tmpfs /var/lib || exit 1
ip link set lo up
# A second address of the "host", not on loopback: what a client elsewhere would connect to.
HOST_IP=192.0.2.1
ip addr add $HOST_IP/32 dev lo
TMP=$(mktemp -d /tmp/mc-netbench.XXXXXX) && chmod 0755 "$TMP"
trap 'cleanup' EXIT
cleanup() {
	MC_ROOT=$TMP/mc/root MC_RUNDIR=$TMP/mc/run "$MC" ps -aq 2>/dev/null | while read -r id; do
		MC_ROOT=$TMP/mc/root MC_RUNDIR=$TMP/mc/run "$MC" rm -f "$id" >/dev/null 2>&1
	done
	((PODMAN)) && podman_teardown
	for m in $(awk -v d="$TMP/" 'index($5, d) == 1 {print $5}' /proc/self/mountinfo | sort -r); do
		umount -l "$m" 2>/dev/null
	done
	rm -rf --one-file-system "$TMP"
}

# ---- the images: busybox, and one with iperf3 ------------------------------------------------
MC=$REPO/$BUILD/bin/minicontainer
export MC_ROOT=$TMP/mc/root MC_RUNDIR=$TMP/mc/run
tar -C "$REPO/build/rootfs" --exclude=./.complete -cf "$TMP/busybox.tar" .
"$MC" import - busybox <"$TMP/busybox.tar" >/dev/null || exit 1
# busybox plus the host's iperf3 and the libraries it links.
cp -a "$REPO/build/rootfs" "$TMP/iperf" && rm -f "$TMP/iperf/.complete"
for file in "$(command -v iperf3)" $(ldd "$(command -v iperf3)" | grep -o '/[^ ]*'); do
	mkdir -p "$TMP/iperf$(dirname "$file")" && cp -L "$file" "$TMP/iperf$file"
done
tar -C "$TMP/iperf" -cf "$TMP/iperf.tar" .
"$MC" import - iperf <"$TMP/iperf.tar" >/dev/null || exit 1

# ---- podman, with storage, configuration and CNI networks of its own -------------------------
# shellcheck source=bench/podman.sh
. "$REPO/bench/podman.sh"
PODMAN=0
if command -v podman >/dev/null && command -v runc >/dev/null; then
	podman_setup "$TMP/podman"
	podman_cmd import -q "$TMP/busybox.tar" busybox >"$TMP/podman-import.log" 2>&1 &&
		podman_cmd import -q "$TMP/iperf.tar" iperf >>"$TMP/podman-import.log" 2>&1 && PODMAN=1
	((PODMAN)) || cat "$TMP/podman-import.log" >&2
fi
((PODMAN)) || log "podman (with runc) is not available: its rows are left out"
PODMAN_RUN="$(podman_env_words)podman --root $PD/graph --runroot $PD/run run --rm --pull never --runtime runc"

# ---- 1. start-up -------------------------------------------------------------------------------
declare -A CMD=()
CMD[mc-none]="$MC run --rm --network none busybox true"
CMD[mc-bridge]="$MC run --rm busybox true"
CMD[mc-publish]="$MC run --rm -p 18080:80 busybox true"
CMD[podman-none]="$PODMAN_RUN --network none busybox true"
CMD[podman-bridge]="$PODMAN_RUN busybox true"
CMD[podman-publish]="$PODMAN_RUN -p 18080:80 busybox true"
ROWS=(mc-none mc-bridge mc-publish)
((PODMAN)) && ROWS+=(podman-none podman-bridge podman-publish)
for row in "${ROWS[@]}"; do
	sh -c "${CMD[$row]}" >"$TMP/$row.check" 2>&1 || {
		log "$row fails:" && cat "$TMP/$row.check" >&2 && exit 1
	}
done
for ((round = 0; round < ROUNDS; round++)); do
	for row in "${ROWS[@]}"; do
		total=$RUNS
		[[ $row == podman-* ]] && total=$PODMAN_RUNS
		n=$((total / ROUNDS + (round < total % ROUNDS ? 1 : 0)))
		log "round $((round + 1))/$ROUNDS: $row, $n runs (load average $(cut -d' ' -f1-3 /proc/loadavg))"
		hyperfine --style none --warmup "$WARMUP" --runs "$n" --export-json "$TMP/$row-$round.json" \
			"${CMD[$row]}" </dev/null >/dev/null 2>&1 || { log "$row: timing failed" && exit 1; }
		python3 -c 'import json,sys; print("\n".join(str(t) for t in json.load(open(sys.argv[1]))["results"][0]["times"]))' \
			"$TMP/$row-$round.json" >>"$TMP/times-$row"
	done
done
median() { python3 -c 'import statistics,sys; t=[float(x)*1000 for x in open(sys.argv[1])]; print(f"{statistics.median(t):.1f} {statistics.mean(t):.1f} {statistics.stdev(t) if len(t)>1 else 0:.1f} {len(t)}")' "$TMP/times-$1"; }

# ---- 2. throughput -----------------------------------------------------------------------------
# iperf3 -s in a container publishing 5201 as 15201; the client on the host, for
# SECONDS_IPERF seconds, to the published port (through DNAT) and to the container itself.
iperf_mbps() { # HOST PORT -> megabits per second received
	for try in 1 2 3 4 5 6 7 8 9 10; do
		if iperf3 -c "$1" -p "$2" -t "$SECONDS_IPERF" -J >"$TMP/iperf.json" 2>/dev/null; then
			python3 -c 'import json,sys; d = json.load(open(sys.argv[1])); print(round(d["end"]["sum_received"]["bits_per_second"] / 1e6))' "$TMP/iperf.json"
			return 0
		fi
		sleep 1
	done
	echo n/a
}
declare -A MBPS=()
"$MC" create --name iperf -p 15201:5201 iperf iperf3 -s >/dev/null && "$MC" start iperf >/dev/null
CTR=$("$MC" inspect --format '{{.NetworkSettings.IPAddress}}' iperf)
log "iperf3 to minicontainer: published port on $HOST_IP and 127.0.0.1, and $CTR:5201 directly"
MBPS[mc-published]=$(iperf_mbps $HOST_IP 15201)
MBPS[mc-localhost]=$(iperf_mbps 127.0.0.1 15201)
MBPS[mc-direct]=$(iperf_mbps "$CTR" 5201)
"$MC" rm -f iperf >/dev/null
if ((PODMAN)); then
	podman_cmd run -d --name iperf --pull never --runtime runc -p 15201:5201 iperf iperf3 -s >/dev/null
	CTR=$(podman_cmd inspect --format '{{.NetworkSettings.IPAddress}}' iperf)
	log "iperf3 to podman: published port on $HOST_IP and 127.0.0.1, and $CTR:5201 directly"
	MBPS[podman-published]=$(iperf_mbps $HOST_IP 15201)
	MBPS[podman-localhost]=$(iperf_mbps 127.0.0.1 15201)
	MBPS[podman-direct]=$(iperf_mbps "$CTR" 5201)
	podman_cmd rm -f iperf >/dev/null 2>&1
fi

# ---- the report ----------------------------------------------------------------------------------
report() {
	local mc_none opt med mean sd n ratio label podman_cells pmed pmean psd pn
	mc_none=$(median mc-none | cut -d' ' -f1)
	echo "# chapter 05: network benchmark"
	echo
	echo "$(date -u +%Y-%m-%dT%H:%MZ), kernel $(uname -r), $(nproc) CPUs, load average at the end $(cut -d' ' -f1-3 /proc/loadavg)."
	echo "minicontainer git $(git -C "$REPO" describe --always --dirty 2>/dev/null); $(((PODMAN)) && podman --version) with runc $(runc --version 2>/dev/null | head -n 1 | awk '{print $3}') and CNI (bridge, portmap); iperf3 $(iperf3 --version | head -n 1 | awk '{print $2}')."
	echo
	echo "Start-up, \`run --rm [OPTIONS] busybox true\`, hyperfine, runs spread over $ROUNDS rounds:"
	echo
	echo '| options | minicontainer median ms (mean ± sd, runs) | ÷ its --network none | podman median ms (mean ± sd, runs) | podman ÷ minicontainer |'
	echo '|---|--:|--:|--:|--:|'
	for opt in none bridge publish; do
		case $opt in
		none) label='`--network none`' ;;
		bridge) label='default bridge' ;;
		publish) label='`-p 18080:80`' ;;
		esac
		read -r med mean sd n <<<"$(median "mc-$opt")"
		ratio=$(awk -v a="$med" -v b="$mc_none" 'BEGIN {printf "%.2f×", a / b}')
		podman_cells='not run | '
		if ((PODMAN)); then
			read -r pmed pmean psd pn <<<"$(median "podman-$opt")"
			podman_cells="$pmed ($pmean ± $psd, $pn) | $(awk -v a="$pmed" -v b="$med" 'BEGIN {printf "%.1f×", a / b}')"
		fi
		echo "| $label | $med ($mean ± $sd, $n) | $ratio | $podman_cells |"
	done
	echo
	echo "Throughput, host -> container, iperf3 TCP, ${SECONDS_IPERF} s each (Mbit/s received):"
	echo
	echo '| tool | through -p to '"$HOST_IP"' | through -p to 127.0.0.1 | to the container address |'
	echo '|---|--:|--:|--:|'
	echo "| minicontainer | ${MBPS[mc-published]} | ${MBPS[mc-localhost]} | ${MBPS[mc-direct]} |"
	((PODMAN)) && echo "| podman | ${MBPS[podman-published]} | ${MBPS[podman-localhost]} | ${MBPS[podman-direct]} |"
	return 0
}
report | tee "$TMP/report.md"
if [[ -n $OUTPUT ]]; then
	cp "$TMP/report.md" "$OUTPUT"
	log "wrote $OUTPUT"
fi
