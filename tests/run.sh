#!/bin/sh
# run.sh BUILD [--no-transcripts] - run every test program of a build, then
# the README transcripts, and print one closing line for the whole run.
set -u
build=$1
transcripts=yes
[ "${2:-}" = "--no-transcripts" ] && transcripts=no

passed=0
failed=0
failed_names=""
for t in "$build"/tests/test-*; do
	[ -x "$t" ] || continue
	echo "=== $t"
	out=$("$t" 2>&1)
	status=$?
	printf '%s\n' "$out"
	# cmocka's summary: "[  PASSED  ] N test(s)." and "[  FAILED  ] N test(s), listed below:"
	p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -n 1)
	f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -n 1)
	s=$(printf '%s\n' "$out" | sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p' | tail -n 1)
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0}))
	if [ -n "$s" ] && [ "${MC_TEST_STRICT:-0}" = 1 ]; then
		echo "run.sh: $t skipped ${s} test(s) in strict mode"
		failed=$((failed + s))
	fi
	if [ $status -ne 0 ] && [ -z "$f" ]; then
		echo "run.sh: $t exited with status $status"
		failed=$((failed + 1))
	fi
	[ $status -ne 0 ] && failed_names="$failed_names $(basename "$t")"
done

# Chapter 02 again on cgroup v2, in a throwaway VM (this machine runs v1).
if [ -x "$build/tests/test-ch02" ] && [ "${MC_NO_VM:-0}" != 1 ]; then
	echo "=== chapters 02 and 05 and the capstone on cgroup v2 (tests/vm/v2-suite.sh)"
	# A VM without KVM emulates every instruction, about 20 times slower: on a
	# busy machine the suite takes tens of minutes there (MC_VM_TIMEOUT).
	out=$(tests/vm/run-in-vm.sh --timeout "${MC_VM_TIMEOUT:-3600}" --env MC_TEST_STRICT -- tests/vm/v2-suite.sh "$build" 2>&1)
	status=$?
	printf '%s\n' "$out"
	# Three test programs ran: add up their summaries.
	p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | awk '{ s += $1 } END { print s + 0 }')
	f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | awk '{ s += $1 } END { print s + 0 }')
	# The demo's OOM check counts as one more test.
	if printf '%s\n' "$out" | grep -q '^demo-oom: ok'; then
		p=$((${p:-0} + 1))
	else
		f=$((${f:-0} + 1))
	fi
	if [ $status -eq 77 ] && [ "${MC_TEST_STRICT:-0}" != 1 ]; then
		echo "run.sh: cgroup v2 tests skipped (see the SKIP line above)"
	else
		passed=$((passed + ${p:-0}))
		failed=$((failed + ${f:-0}))
		if [ $status -ne 0 ]; then
			[ -z "$f" ] && failed=$((failed + 1))
			failed_names="$failed_names test-ch02-on-cgroup-v2"
		fi
	fi
fi

if [ $transcripts = yes ]; then
	echo "=== transcripts"
	out=$(python3 scripts/transcripts.py chapters/*/README.md $(ls minicontainer/README.md minicontainer/HARDENING.md minicontainer/LECTURING.md 2>/dev/null) 2>&1)
	status=$?
	printf '%s\n' "$out"
	p=$(printf '%s\n' "$out" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed.*/\1/p' | tail -n 1)
	f=$(printf '%s\n' "$out" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed.*/\2/p' | tail -n 1)
	if [ $status -eq 77 ] && [ "${MC_TEST_STRICT:-0}" != 1 ]; then
		echo "run.sh: transcripts skipped (needs root)"
	else
		passed=$((passed + ${p:-0}))
		failed=$((failed + ${f:-0}))
		if [ $status -ne 0 ]; then
			[ -z "$f" ] || [ "$f" = 0 ] && failed=$((failed + 1))
			failed_names="$failed_names transcripts"
		fi
	fi
fi

# Code excerpts in the READMEs must still match the code they quote.
echo "=== excerpts"
if python3 scripts/excerpts.py chapters/*/README.md $(ls minicontainer/README.md minicontainer/HARDENING.md minicontainer/LECTURING.md 2>/dev/null); then
	passed=$((passed + 1))
else
	failed=$((failed + 1))
	failed_names="$failed_names excerpts"
fi

echo "==="
[ -n "$failed_names" ] && echo "failing:$failed_names"
echo "$passed passed, $failed failed"
[ $failed -eq 0 ] && [ -z "$failed_names" ]
