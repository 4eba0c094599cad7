#!/bin/sh
# v2-suite.sh BUILD - run inside the cgroup v2 VM by tests/run.sh (this build
# machine is cgroup v1): chapter 02's tests; the chapter's promise checked on
# its demo (a memory hog at twice its limit is killed, exit 137, and reported
# as OOM killed); the capstone's end-to-end tests; and chapter 05's network
# tests (each test program makes its own private network namespace).
build=${1:-build}
status=0
"$build/tests/test-ch02" || status=1
"$build/bin/ch02-cgroups" --memory 32m --rootfs "${MC_TEST_ROOTFS:-build/rootfs}" -- \
	/probe eat 64 >/dev/null 2>/tmp/ch02-demo.err
demo=$?
if [ $demo -eq 137 ] && grep -q '^oom killed: *yes$' /tmp/ch02-demo.err; then
	echo "demo-oom: ok (exit 137, oom killed: yes)"
else
	echo "demo-oom: FAILED (exit $demo)"
	cat /tmp/ch02-demo.err
	status=1
fi
MC_TEST_BIN="$build/bin/minicontainer" "$build/tests/test-minicontainer" || status=1
MC_TEST_BIN="$build/bin/minicontainer" "$build/tests/test-ch05" || status=1
exit $status
