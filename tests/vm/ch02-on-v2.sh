#!/bin/sh
# ch02-on-v2.sh BUILD - run inside the cgroup v2 VM by tests/run.sh: chapter 02's
# tests, then the chapter's promise checked on its demo: a memory hog at twice
# its limit is killed (exit 137) and reported as OOM killed.
build=${1:-build}
"$build/tests/test-ch02"
tests=$?
"$build/bin/ch02-cgroups" --memory 32m --rootfs "${MC_TEST_ROOTFS:-build/rootfs}" -- \
	/probe eat 64 >/dev/null 2>/tmp/ch02-demo.err
demo=$?
if [ $demo -eq 137 ] && grep -q '^oom killed: *yes$' /tmp/ch02-demo.err; then
	echo "demo-oom: ok (exit 137, oom killed: yes)"
else
	echo "demo-oom: FAILED (exit $demo)"
	cat /tmp/ch02-demo.err
	demo=1
fi
[ $tests -eq 0 ] && [ $demo -eq 137 ]
