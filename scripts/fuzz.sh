#!/bin/sh
# fuzz.sh SECONDS FUZZER... - run each libFuzzer harness for SECONDS of wall time,
# starting from its seed corpus (tests/fuzz/corpus/NAME) plus whatever earlier
# runs found (build/fuzz/corpus/NAME).  A crash leaves its input in
# build/fuzz/crashes/ and fails the run.  FUZZ_JOBS harnesses run at once
# (default: one per CPU); each is single-threaded.
set -u
seconds=$1
shift
jobs=${FUZZ_JOBS:-$(nproc)}
mkdir -p build/fuzz/crashes

# One harness: its log in build/fuzz/NAME.log, its verdict in build/fuzz/NAME.status.
fuzz_one() {
	f=$1
	name=$(basename "$f" | sed 's/^fuzz_//')
	corpus=build/fuzz/corpus/$name
	mkdir -p "$corpus"
	seeds=""
	[ -d "tests/fuzz/corpus/$name" ] && seeds="tests/fuzz/corpus/$name"
	dict=""
	[ -f "tests/fuzz/$name.dict" ] && dict="-dict=tests/fuzz/$name.dict"
	if "$f" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="build/fuzz/crashes/$name-" $dict "$corpus" $seeds \
		>"build/fuzz/$name.log" 2>&1; then
		echo ok >"build/fuzz/$name.status"
	else
		echo failed >"build/fuzz/$name.status"
	fi
}

# Batches of $jobs, each batch waited for as a whole.
n=0
for f in "$@"; do
	name=$(basename "$f" | sed 's/^fuzz_//')
	rm -f "build/fuzz/$name.status"
	echo "=== fuzz $name: ${seconds}s"
	fuzz_one "$f" &
	n=$((n + 1))
	if [ "$n" -ge "$jobs" ]; then
		wait
		n=0
	fi
done
wait

failed=""
for f in "$@"; do
	name=$(basename "$f" | sed 's/^fuzz_//')
	if [ "$(cat "build/fuzz/$name.status" 2>/dev/null)" = ok ]; then
		printf '%s: ' "$name"
		grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb)' "build/fuzz/$name.log" |
			tr '\n' ' '
		echo "- ok, corpus $(ls "build/fuzz/corpus/$name" | wc -l) inputs"
	else
		echo "=== fuzz $name FAILED:"
		tail -n 40 "build/fuzz/$name.log"
		failed="$failed $name"
	fi
done
[ -z "$failed" ] || { echo "fuzz: FAILED:$failed (inputs in build/fuzz/crashes/)"; exit 1; }
echo "fuzz: all harnesses ran clean"
