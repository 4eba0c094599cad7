#!/bin/bash
# demo.sh - chapter 04 in a lecture: a content-addressed store, and pulling.
#
#   sudo chapters/04-images/demo.sh [--no-pause]
#
# Imports build/rootfs (make && make rootfs first) as an image into a store in
# a temporary MC_ROOT, looks at the store on disk, runs the image with
# build/bin/ch04-images, then starts a registry on 127.0.0.1 (Debian's
# docker-registry, tests/registry/local-registry.sh; never the internet) and
# pulls from it.  Everything goes at the end.  Waits for Enter before each step
# on a terminal; --no-pause (or DEMO_PAUSE=0) does not.
set -euo pipefail
. "$(dirname "$0")/../../scripts/demo-lib.sh"
demo_start "$@"

say "An image from a tarball: import prints its ID, the sha256 of its config."
run "tar -C build/rootfs --exclude=./.complete -cf \$DEMO_TMP/rootfs.tar ."
run "minicontainer import \$DEMO_TMP/rootfs.tar demo:v1"
run "minicontainer images"
run "minicontainer inspect --format '{{.Os}} {{json .RootFS}}' demo:v1"

say "The store is an OCI image layout: every blob is named by its own sha256."
run "ls \$MC_ROOT/images \$MC_ROOT/images/blobs/sha256"
run "(cd \$MC_ROOT/images/blobs/sha256 && for f in *; do echo \"\$f  \$f\"; done | sha256sum --check)"
run "sha256sum < \$DEMO_TMP/rootfs.tar"

say "The layer was unpacked once; the chapter demo runs on it with an overlay."
run "ch04-images --cgroup-parent $DEMO_CGROUP --image demo:v1 -- /probe pid"

say "A registry on 127.0.0.1 (this namespace only), with library/busybox in it."
export TRANSCRIPT_TMP=$DEMO_TMP LOCAL_REGISTRY_LIFETIME=3600 # where it lives; it lasts the lecture
demo_at_exit "tests/registry/local-registry.sh stop"
run "tests/registry/local-registry.sh start"
registry=$(cat "$DEMO_TMP/registry")
run "curl -s http://$registry/v2/_catalog"

say "Pull: manifest, config and layer, each checked against its digest."
run "minicontainer pull $registry/library/busybox"
run "ch04-images --cgroup-parent $DEMO_CGROUP --image $registry/library/busybox -- /bin/sh -c 'echo pulled and running; hostname' 2>&1 | sed '/^--- resources/,\$d'"
run "minicontainer images"
