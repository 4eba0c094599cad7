#!/bin/bash
# demo.sh - chapter 06 in a lecture: a Dockerfile is a program.
#
#   sudo chapters/06-build/demo.sh [--no-pause]
#
# Builds a small Dockerfile on busybox (imported from build/rootfs: make &&
# make rootfs first) with build/bin/ch06-build and minicontainer build: the
# parsed program, each step a container and a layer, the cache (a change to
# one file rebuilds only what comes after it), and the image run.  Everything
# goes at the end.  Waits for Enter before each step on a terminal;
# --no-pause (or DEMO_PAUSE=0) does not.
set -euo pipefail
. "$(dirname "$0")/../../scripts/demo-lib.sh"
demo_start "$@"
# shellcheck disable=SC2034 # used in the commands that run evaluates
app=$DEMO_TMP/app

say "The base image, busybox, and a build context: a Dockerfile and two files."
run "tar -C build/rootfs --exclude=./.complete -c . | minicontainer import --change 'CMD [\"sh\"]' - busybox > /dev/null"
run "mkdir -p \$app/src && echo '{\"dependencies\": {\"left-pad\": \"1.3.0\"}}' > \$app/package.json && echo 'console.log(\"hello\")' > \$app/src/index.js"
run "printf '%s\n' 'FROM busybox' 'WORKDIR /app' 'COPY package.json .' 'RUN wc -c package.json > installed.txt' 'COPY src ./src' 'CMD [\"cat\", \"src/index.js\"]' | tee \$app/Dockerfile"

say "What the parser makes of it."
run "ch06-build --print-ast \$app"

say "The build: each step that changes files is a container whose changes become a layer."
run "ch06-build -t app \$app"
run "minicontainer history app"

say "Change one source file: the steps before COPY src come from the cache."
run "echo 'console.log(\"hello, again\")' > \$app/src/index.js"
run "minicontainer build --progress plain -t app \$app 2>&1 | grep -E '^#[0-9]+ (\[[0-9]|CACHED)'"
run "minicontainer run --rm --network none app"

say "With --trace, the cache lookups: each step's key, and the layer it found for it."
run "ch06-build --trace -t app \$app 2>&1 | grep -E '^\[ch06\] (Dockerfile line|cache)'"
