#!/usr/bin/env bash
# bench/lifecycle.sh - the verbs a detached container is watched with, side by
# side with podman in one run:
#
#	sudo bench/lifecycle.sh [--runs N] [--output FILE]
#
#   ps -a          with 100 containers (created, not started: ps reads records),
#                  and the same with --format '{{.Names}}'
#   logs --tail 10 of a 1 MB log and of a 100 MB log (it must not depend on the size)
#
# Prints a Markdown table of medians (hyperfine, N runs each after 3 warmups,
# the tools taking turns) and writes it to bench/RESULTS-lifecycle.md unless
# --output says otherwise.  Everything lives in one temporary directory, removed
# on exit; podman gets storage and configuration of its own (bench/podman.sh).
set -uo pipefail

SELF=$(readlink -f "${BASH_SOURCE[0]}")
REPO=$(cd "$(dirname "$SELF")/.." && pwd)
BUILD=${BUILD:-build}
MC=$REPO/$BUILD/bin/minicontainer
RUNS=20
OUTPUT=$REPO/bench/RESULTS-lifecycle.md
N=100

while (($#)); do
	case $1 in
	--runs) RUNS=${2:?}; shift ;;
	--output) OUTPUT=${2:?}; shift ;;
	-h | --help) sed -n '2,14p' "$SELF" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "bench/lifecycle.sh: unknown argument $1" >&2; exit 2 ;;
	esac
	shift
done
# shellcheck source=bench/common.sh
. "$REPO/bench/common.sh"
bench_start bench/lifecycle.sh lc

log "images"
tar -C "$REPO/$BUILD/rootfs" --exclude=./.complete -c . | "$MC" import - busybox:latest >/dev/null || exit 1
"$MC" save -o "$TMP/busybox.tar" busybox && podman_load "$TMP/busybox.tar" >/dev/null || exit 1

log "$N containers for each tool"
for ((i = 0; i < N; i++)); do
	"$MC" create --name "c$i" --network none busybox true >/dev/null || exit 1
	podman_cmd create --name "c$i" --network none --pull never busybox true >/dev/null || exit 1
done

log "logs of 1 MB and 100 MB (numbered 1000-byte lines)"
for size in 1 100; do
	"$MC" run --name "log$size" --network none busybox /probe spew $((size << 20)) 1000 >/dev/null
	podman_cmd run --name "log$size" --network none --pull never --runtime runc \
		--log-driver k8s-file busybox /probe spew $((size << 20)) 1000 >/dev/null
done

PODMAN="$(podman_env_words)podman --root $(printf '%q' "$PD/graph") --runroot $(printf '%q' "$PD/run")"
hyperfine -N -w 3 -r "$RUNS" --export-json "$TMP/h.json" \
	-n "minicontainer ps -a ($N)" "$MC ps -a" \
	-n "podman ps -a ($N)" "env $PODMAN ps -a" \
	-n "minicontainer ps -a --format '{{.Names}}' ($N)" "$MC ps -a --format '{{.Names}}'" \
	-n "podman ps -a --format '{{.Names}}' ($N)" "env $PODMAN ps -a --format '{{.Names}}'" \
	-n "minicontainer logs --tail 10 (1 MB)" "$MC logs --tail 10 log1" \
	-n "minicontainer logs --tail 10 (100 MB)" "$MC logs --tail 10 log100" \
	-n "podman logs --tail 10 (1 MB)" "env $PODMAN logs --tail 10 log1" \
	-n "podman logs --tail 10 (100 MB)" "env $PODMAN logs --tail 10 log100" >&2 || exit 1

python3 - "$TMP/h.json" "$OUTPUT" "$(uname -r)" "$(podman --version)" <<'EOF'
import json, statistics, sys, datetime
results = json.load(open(sys.argv[1]))["results"]
lines = ["# bench/lifecycle.sh", "",
         "%s, kernel %s, %s; medians of %d runs." % (datetime.date.today(), sys.argv[3], sys.argv[4],
                                                  len(results[0]["times"])), "",
         "| command | median | mean ± sd | min |", "|---|--:|--:|--:|"]
for r in results:
    t = [x * 1000 for x in r["times"]]
    lines.append("| `%s` | %.1f ms | %.1f ± %.1f ms | %.1f ms |" % (
        r["command"], statistics.median(t), statistics.mean(t), statistics.pstdev(t), min(t)))
text = "\n".join(lines) + "\n"
print(text)
open(sys.argv[2], "w").write(text)
EOF
