#!/usr/bin/env bash
# bench/system-df.sh - `system df` with 50 images, side by side with podman in
# one run:
#
#	sudo bench/system-df.sh [--runs N] [--images N] [--output FILE]
#
# The 50 images are 50 imports of one root filesystem (the busybox test root
# plus /usr/share/zoneinfo, some 1,300 files: a base layer of a realistic
# size), each with a label of its own - 50 images sharing one layer, as images
# built on one base do.  Three rows for minicontainer:
#
#   system df              the layer's size recorded when it was unpacked
#   system df, unrecorded  the sizes removed before each run (--prepare): the
#                          walk over every layer of every image that `system df`
#                          did before the sizes were recorded, once per image
#   images                 the same sizes, for `images`
#
# and podman's `system df` and `images` on the same 50 images, in storage of
# its own (bench/podman.sh).  Prints a Markdown table of medians (hyperfine,
# N runs each after 3 warmups) with the machine's load, and writes it to
# bench/RESULTS-system-df.md unless --output says otherwise.  Everything lives
# in one temporary directory, removed on exit.
set -uo pipefail

SELF=$(readlink -f "${BASH_SOURCE[0]}")
REPO=$(cd "$(dirname "$SELF")/.." && pwd)
BUILD=${BUILD:-build}
MC=$REPO/$BUILD/bin/minicontainer
RUNS=20
N=50
OUTPUT=$REPO/bench/RESULTS-system-df.md

while (($#)); do
	case $1 in
	--runs) RUNS=${2:?}; shift ;;
	--images) N=${2:?}; shift ;;
	--output) OUTPUT=${2:?}; shift ;;
	-h | --help) sed -n '2,24p' "$SELF" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "bench/system-df.sh: unknown argument $1" >&2; exit 2 ;;
	esac
	shift
done
# shellcheck source=bench/common.sh
. "$REPO/bench/common.sh"
bench_start bench/system-df.sh df

log "the base layer: the busybox test root and /usr/share/zoneinfo"
mkdir -p "$TMP/root"
cp -a "$REPO/$BUILD/rootfs/." "$TMP/root/" && rm -f "$TMP/root/.complete"
mkdir -p "$TMP/root/usr/share" && cp -a /usr/share/zoneinfo "$TMP/root/usr/share/" || exit 1
tar -C "$TMP/root" -cf "$TMP/base.tar" . || exit 1

log "$N images for each tool"
for ((i = 0; i < N; i++)); do
	"$MC" import --change "LABEL n=$i" "$TMP/base.tar" "img$i:latest" >/dev/null || exit 1
	podman_cmd import --change "LABEL=n=$i" "$TMP/base.tar" "img$i:latest" >/dev/null || exit 1
done
"$MC" create --name c0 --network none img0 true >/dev/null || exit 1
podman_cmd create --name c0 --network none --pull never img0 true >/dev/null || exit 1

PODMAN="$(podman_env_words)podman --root $(printf '%q' "$PD/graph") --runroot $(printf '%q' "$PD/run")"
LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
# One --prepare per command: only the second removes the recorded sizes.
hyperfine -N -w 3 -r "$RUNS" --export-json "$TMP/h.json" \
	-p true -p "rm -rf $MC_ROOT/images/layer-sizes" -p true -p true -p true \
	-n "minicontainer system df ($N images)" "$MC system df" \
	-n "minicontainer system df, sizes unrecorded" "$MC system df" \
	-n "minicontainer images ($N images)" "$MC images" \
	-n "podman system df ($N images)" "env $PODMAN system df" \
	-n "podman images ($N images)" "env $PODMAN images" >&2 || exit 1
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

python3 - "$TMP/h.json" "$OUTPUT" "$(uname -r)" "$(podman --version)" "$LOAD" "$LOAD_AFTER" "$N" <<'EOF'
import json, statistics, sys, datetime
results = json.load(open(sys.argv[1]))["results"]
lines = ["# bench/system-df.sh", "",
         "%s, kernel %s, %s; %s images sharing one base layer (about 1,300 files); medians of %d "
         "runs.  Load average (1, 5, 15 min) before: %s; after: %s." % (
             datetime.date.today(), sys.argv[3], sys.argv[4], sys.argv[7],
             len(results[0]["times"]), sys.argv[5], sys.argv[6]), "",
         "| command | median | mean ± sd | min |", "|---|--:|--:|--:|"]
for r in results:
    t = [x * 1000 for x in r["times"]]
    lines.append("| `%s` | %.1f ms | %.1f ± %.1f ms | %.1f ms |" % (
        r["command"], statistics.median(t), statistics.mean(t), statistics.pstdev(t), min(t)))
text = "\n".join(lines) + "\n"
print(text)
open(sys.argv[2], "w").write(text)
EOF
