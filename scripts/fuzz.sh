#!/bin/sh
# fuzz.sh SECONDS FUZZER... - run each libFuzzer harness for SECONDS of wall time,
# starting from its seed corpus (tests/fuzz/corpus/NAME) plus whatever earlier
# runs found (build/fuzz/corpus/NAME).  A crash leaves its input in
# build/fuzz/crashes/ and fails the run.
set -u
seconds=$1
shift
failed=""
mkdir -p build/fuzz/crashes
for f in "$@"; do
	name=$(basename "$f" | sed 's/^fuzz_//')
	corpus=build/fuzz/corpus/$name
	mkdir -p "$corpus"
	seeds=""
	[ -d "tests/fuzz/corpus/$name" ] && seeds="tests/fuzz/corpus/$name"
	dict=""
	[ -f "tests/fuzz/$name.dict" ] && dict="-dict=tests/fuzz/$name.dict"
	echo "=== fuzz $name: ${seconds}s"
	if "$f" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="build/fuzz/crashes/$name-" $dict "$corpus" $seeds \
		>"build/fuzz/$name.log" 2>&1; then
		grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb)' "build/fuzz/$name.log" |
			tr '\n' ' '
		echo "- ok, corpus $(ls "$corpus" | wc -l) inputs"
	else
		tail -n 40 "build/fuzz/$name.log"
		failed="$failed $name"
	fi
done
[ -z "$failed" ] || { echo "fuzz: FAILED:$failed (inputs in build/fuzz/crashes/)"; exit 1; }
echo "fuzz: all harnesses ran clean"
