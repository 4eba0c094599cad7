#!/usr/bin/env bash
# bench/pull.sh - pull + unpack benchmark: minicontainer side by side with
# podman and skopeo + umoci, from one local registry, in one run.
#
#	sudo bench/pull.sh [--quick] [--output FILE]
#
# Generates an image of several layers (deterministic pseudo-random data:
# incompressible files, text, many small files; over 200 MB compressed),
# pushes it with skopeo into Debian's docker-registry on 127.0.0.1, then
# times, from an empty store each time:
#
#	minicontainer pull          (download, verify, unpack into its store)
#	podman pull                 (its own storage in the temporary directory)
#	skopeo copy + umoci unpack  (to an OCI layout, then a bundle's rootfs)
#
# and, as the floor, what no client can avoid: one core decompressing the
# layers and hashing both their compressed and uncompressed bytes.  Wall time
# (the median of runs in rounds that take turns between the tools),
# throughput (compressed bytes / median time) and peak RSS (/usr/bin/time).  Full mode writes the table to
# bench/RESULTS-pull.md; --quick (fewer runs, a smaller image) prints only.
#
# Everything lives in one temporary directory, removed on exit; the whole
# run happens in a mount namespace of its own with tmpfs over
# /var/lib/containers and /run/containers, so podman and skopeo leave nothing
# on the host.  Nothing touches the network but 127.0.0.1.
set -euo pipefail

SELF=$(readlink -f "${BASH_SOURCE[0]}")
TOP=$(dirname "$(dirname "$SELF")")
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
	-h | --help)
		sed -n '2,26p' "$SELF" | sed 's/^# \{0,1\}//'
		exit 0
		;;
	*)
		echo "pull.sh: unknown argument $1" >&2
		exit 2
		;;
	esac
	shift
done
[[ $(id -u) == 0 ]] || {
	echo "pull.sh: needs root (podman's and minicontainer's stores, umoci unpack)" >&2
	exit 2
}
for tool in python3 skopeo umoci podman curl /usr/bin/time gzip unshare; do
	command -v "$tool" >/dev/null || {
		echo "pull.sh: needs $tool (scripts/deps.sh install)" >&2
		exit 2
	}
done
REGISTRY_BIN=$(command -v docker-registry || command -v registry || true)
[[ -n $REGISTRY_BIN ]] || {
	echo "pull.sh: needs docker-registry" >&2
	exit 2
}

# The rest runs in a private mount namespace (see above).
if [[ -z ${PULL_BENCH_INSIDE:-} ]]; then
	exec unshare --mount --propagation private env PULL_BENCH_INSIDE=1 "$SELF" \
		$([[ $QUICK == 1 ]] && echo --quick) ${OUTPUT:+--output "$OUTPUT"}
fi
mkdir -p /var/lib/containers /run/containers
mount -t tmpfs bench-pull /var/lib/containers
mount -t tmpfs bench-pull /run/containers

cd "$TOP"
make -s demos >/dev/null
MC=$TOP/$BUILD/bin/minicontainer
TMP=$(mktemp -d /var/tmp/bench-pull.XXXXXX)
REGISTRY_PID=
cleanup() {
	[[ -n $REGISTRY_PID ]] && kill "$REGISTRY_PID" 2>/dev/null
	# podman's overlay mounts, if any, before the files under them.
	grep -o " $TMP[^ ]*" /proc/self/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
	rm -rf --one-file-system "$TMP"
}
trap cleanup EXIT

if [[ $QUICK == 1 ]]; then
	LAYERS=2 RUNS=2
else
	LAYERS=${BENCH_LAYERS:-5} RUNS=${BENCH_RUNS:-5}
fi

# ---- the image ----------------------------------------------------------------------------
echo "pull.sh: generating an image of $LAYERS layers" >&2
python3 - "$TMP/layout" "$LAYERS" <<'EOF'
import gzip, hashlib, io, json, os, random, subprocess, sys, tarfile

layout, nlayers = sys.argv[1], int(sys.argv[2])
os.makedirs(layout + "/blobs/sha256")
words = ("container image layer registry manifest digest index platform token "
         "overlay namespace cgroup kernel process mount network build").split()

def put(data):
    digest = hashlib.sha256(data).hexdigest()
    with open("%s/blobs/sha256/%s" % (layout, digest), "wb") as f:
        f.write(data)
    return "sha256:" + digest, len(data)

def layer(n):
    rng = random.Random(n)
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        def add(name, data):
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), 0o644, 1700000000
            tar.addfile(info, io.BytesIO(data))
        # One large file that does not compress (a binary, a model, a database) ...
        add("layer%d/blob.bin" % n, rng.randbytes(40 * 1000 * 1000))
        # ... text that does (sources, scripts, documentation) ...
        for i in range(10):
            text = " ".join(rng.choice(words) for _ in range(250000)).encode()
            add("layer%d/doc/%d.txt" % (n, i), text)
        # ... and many small files (a package manager's tree).
        for i in range(2000):
            add("layer%d/lib/%04d/file" % (n, i), rng.randbytes(2048) + b"\0" * 2048)
    return out.getvalue()

layers, diff_ids = [], []
for n in range(nlayers):
    plain = layer(n)
    diff_ids.append("sha256:" + hashlib.sha256(plain).hexdigest())
    gz = subprocess.run(["gzip", "-6", "-n"], input=plain, stdout=subprocess.PIPE, check=True).stdout
    digest, size = put(gz)
    layers.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                   "digest": digest, "size": size, "plain": len(plain)})
arch = {"x86_64": "amd64", "aarch64": "arm64"}.get(os.uname().machine, os.uname().machine)
config = json.dumps({"architecture": arch, "os": "linux", "config": {"Cmd": ["/bin/sh"]},
                     "rootfs": {"type": "layers", "diff_ids": diff_ids}}).encode()
cdigest, csize = put(config)
manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                       "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                  "digest": cdigest, "size": csize},
                       "layers": [{k: l[k] for k in ("mediaType", "digest", "size")} for l in layers]
                       }).encode()
mdigest, msize = put(manifest)
with open(layout + "/index.json", "w") as f:
    json.dump({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
               "digest": mdigest, "size": msize,
               "annotations": {"org.opencontainers.image.ref.name": "latest"}}]}, f)
with open(layout + "/oci-layout", "w") as f:
    f.write('{"imageLayoutVersion":"1.0.0"}')
with open(layout + "/../sizes", "w") as f:
    f.write("%d %d\n" % (sum(l["size"] for l in layers), sum(l["plain"] for l in layers)))
EOF
read -r COMPRESSED PLAIN <"$TMP/sizes"

# ---- the registry -----------------------------------------------------------------------------
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$TMP/registry.yml" <<EOF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $TMP/registry
http:
  addr: 127.0.0.1:$PORT
  secret: bench
EOF
timeout 3600 "$REGISTRY_BIN" serve "$TMP/registry.yml" >"$TMP/registry.log" 2>&1 &
REGISTRY_PID=$!
for _ in $(seq 100); do
	curl -sf "http://127.0.0.1:$PORT/v2/" >/dev/null && break
	sleep 0.1
done
IMAGE=127.0.0.1:$PORT/bench/big:latest
HOME=$TMP skopeo copy -q --dest-tls-verify=false --preserve-digests "oci:$TMP/layout:latest" "docker://$IMAGE"

# ---- the tools ---------------------------------------------------------------------------------
PD=$TMP/podman
mkdir -p "$PD"
cat >"$PD/containers.conf" <<EOF
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
tmp_dir = "$PD/tmp"
EOF
printf '[storage]\ndriver = "overlay"\ngraphroot = "%s/graph"\nrunroot = "%s/run"\n' "$PD" "$PD" >"$PD/storage.conf"
: >"$PD/registries.conf"
PODMAN="env CONTAINERS_CONF=$PD/containers.conf CONTAINERS_STORAGE_CONF=$PD/storage.conf CONTAINERS_REGISTRIES_CONF=$PD/registries.conf HOME=$PD podman --root $PD/graph --runroot $PD/run"

declare -A CMD PREP
NAMES=(minicontainer podman skopeo-umoci floor)
CMD[minicontainer]="MC_ROOT=$TMP/mc $MC pull -q $IMAGE >/dev/null"
PREP[minicontainer]="rm -rf $TMP/mc"
CMD[podman]="$PODMAN pull -q --tls-verify=false $IMAGE >/dev/null"
PREP[podman]="$PODMAN rmi -af >/dev/null 2>&1; true"
CMD[skopeo-umoci]="HOME=$TMP skopeo copy -q --src-tls-verify=false docker://$IMAGE oci:$TMP/sk:big && umoci unpack --image $TMP/sk:big $TMP/bundle >/dev/null"
PREP[skopeo-umoci]="rm -rf $TMP/sk $TMP/bundle"
# The floor: decompressing every layer and hashing its compressed and uncompressed bytes, with
# the fastest libraries for it (the ones minicontainer uses too), in one thread on one core.
BLOBS=$(python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); print(" ".join(l["digest"][7:] for l in m["layers"]))' \
	"$TMP/layout/blobs/sha256/$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["manifests"][0]["digest"][7:])' "$TMP/layout/index.json")")
cat >"$TMP/floor.py" <<'END'
# zlib's inflate and OpenSSL's sha256 (Python's zlib and hashlib), in one thread: the layers
# hashed as they come (their digests), decompressed, and hashed again (their diff_ids).
import hashlib, sys, zlib
for path in sys.argv[1:]:
    digest, diff_id, inflate = hashlib.sha256(), hashlib.sha256(), zlib.decompressobj(31)
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
            diff_id.update(inflate.decompress(chunk))
    diff_id.update(inflate.flush())
END
CMD[floor]="cd $TMP/layout/blobs/sha256 && python3 $TMP/floor.py $BLOBS"
PREP[floor]="true"

# Rounds that take turns between the tools, so that a change in the machine's load
# falls on every tool rather than on one; each run from an empty store.
declare -A TIMES CPU RSS
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
for ((round = 1; round <= RUNS; round++)); do
	for name in "${NAMES[@]}"; do
		echo "pull.sh: round $round/$RUNS: $name" >&2
		sh -c "${PREP[$name]}"
		/usr/bin/time -f '%e %M %U %S' -o "$TMP/time" sh -c "${CMD[$name]}"
		read -r seconds kib user sys <"$TMP/time"
		TIMES[$name]="${TIMES[$name]:-} $seconds"
		CPU[$name]="${CPU[$name]:-} $(python3 -c "print($user + $sys)")"
		((kib > ${RSS[$name]:-0})) && RSS[$name]=$kib
	done
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
declare -A MEDIAN MEDIAN_CPU
median() { python3 -c 'import statistics, sys; print(statistics.median(map(float, sys.argv[1:])))' "$@"; }
for name in "${NAMES[@]}"; do
	MEDIAN[$name]=$(median ${TIMES[$name]})
	MEDIAN_CPU[$name]=$(median ${CPU[$name]})
done

# ---- the report ----------------------------------------------------------------------------------
row() {
	python3 -c 'import sys
median, cpu, rss, comp, label = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
print("| %s | %.2f s | %.0f MB/s | %.2f s | %.1f MiB |" % (label, median, comp / median / 1e6, cpu, rss / 1024))' \
		"${MEDIAN[$1]}" "${MEDIAN_CPU[$1]}" "${RSS[$1]}" "$COMPRESSED" "$2"
}
REPORT=$(
	cat <<EOF
## Pull and unpack: $(date -u +%Y-%m-%d)

$(uname -sr), $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')).
Image: $LAYERS layers, $((COMPRESSED / 1000000)) MB compressed (gzip -6), $((PLAIN / 1000000)) MB unpacked,
from docker-registry ($($REGISTRY_BIN --version | awk '{print $3}')) on 127.0.0.1, plain HTTP.
Medians of $RUNS runs each, in rounds that take turns between the tools, from an empty store
every time; peak RSS: the largest of the runs (\`/usr/bin/time -f %M\`). Load average
$LOAD_BEFORE before, $LOAD_AFTER after (the machine is shared: see bench/README.md).

Wall times of each run (s): minicontainer ${TIMES[minicontainer]}; podman ${TIMES[podman]};
skopeo + umoci ${TIMES[skopeo-umoci]}; floor ${TIMES[floor]}.
The floor's CPU time is what one core needs for the work no client can skip:
decompress every layer and hash it compressed (its digest) and uncompressed (its diff_id).

| tool | wall time (median) | throughput (compressed) | CPU time, user + sys (median) | peak RSS |
|---|--:|--:|--:|--:|
$(row minicontainer "\`minicontainer pull\`")
$(row podman "\`podman pull\` (overlay storage, $(podman --version | awk '{print $3}'))")
$(row skopeo-umoci "\`skopeo copy\` + \`umoci unpack\` ($(skopeo --version | awk '{print $3}'), $(umoci --version | awk '{print $3}'))")
$(row floor "floor: inflate + sha256 (zlib, OpenSSL) of every layer, one core")
EOF
)
echo "$REPORT"
if [[ -n $OUTPUT ]]; then
	echo "$REPORT" >"$OUTPUT"
elif [[ $QUICK == 0 ]]; then
	echo "$REPORT" >"$TOP/bench/RESULTS-pull.md"
fi
