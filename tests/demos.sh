#!/bin/bash
# demos.sh [NN...] - run every chapter's demo.sh (or chapters NN...) straight
# through, as a lecturer's laptop would, and check that each one
#
#   - exits 0, and prints the lines that show its chapter at work;
#   - leaves nothing behind: no mount and no file under the temporary
#     directory it was given, no cgroup, network namespace or network link
#     that was not there before, and no process that carries its mark.
#
# Prints one line a demo and "N passed, N failed".  Needs root (exit 77
# without it; a failure with MC_TEST_STRICT=1).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2

if [ "$(id -u)" -ne 0 ]; then
	echo "demos: SKIP: needs root: run sudo make test"
	[ "${MC_TEST_STRICT:-0}" = 1 ] && { echo "0 passed, 1 failed"; exit 1; }
	exit 77
fi

# The lines each demo must print (grep -E, one a line).
declare -A expect=(
	[01]=$'^demo$\n^netif_count=1$\n^uid_map=0 100000 65536$\n^exit status 137$\n^breakout=escaped$\n^breakout=contained$'
	[02]=$'^oom killed: +yes$\n^exit status 137$\n^forked=19$\n^fork_error=EAGAIN$\n^cpu=0\\.[0-9]+$\n^refused$'
	[03]=$'^hello from the top layer$\n^D /etc/group$\n^A /etc/app/c.conf$\n^character special file 0:0 \n^\\[ch03\\] mount\\("overlay"'
	[04]=$'^sha256:[0-9a-f]{64}$\n: OK$\n^pid=1$\n^Status: Downloaded newer image for 127\\.0\\.0\\.1:[0-9]+/library/busybox:latest$\n^pulled and running$'
	[05]=$'^addr=eth0 10\\.213\\.0\\.2/16$\n^hello from [0-9a-f]{12}$\n^80/tcp -> 127\\.0\\.0\\.1:8080$\n^10\\.214\\.0\\.2\tweb \n^ping: bad address .web.$'
	[06]=$'^\\(run "wc -c package.json > installed.txt"\\)$\n^#8 naming to docker.io/library/app:latest done$\n^#6 CACHED$\n^console.log\\("hello, again"\\)$\n^\\[ch06\\] cache hit '
)

# What a demo could leave behind, outside its temporary directory: cgroups
# (minicontainer's parent, the demo's, its containers' - other tests may come
# and go in the parent meanwhile), network namespaces and links.
snapshot() {
	{
		find /sys/fs/cgroup -maxdepth 2 -type d -name minicontainer
		find /sys/fs/cgroup -type d -path '*/mc-demo-*'
		[ -s "$1" ] && find /sys/fs/cgroup -type d -path '*/minicontainer/*' | grep -F -f "$1"
		ip netns list
		ip -o link show | awk -F': ' '{ print "link " $2 }'
	} 2>/dev/null | LC_ALL=C sort
}

# check NN DEMO: run it, then look for what it printed and what it left.
check() {
	local nn=$1 demo=$2 work log mark status=0 line pid problems=""
	work=$(mktemp -d /tmp/mc-demos-test.XXXXXX)
	log=$work.log
	mark=mc-demos-test-$$-$nn
	: >"$work.ids"
	snapshot /dev/null >"$work.before"
	TMPDIR=$work DEMO_MARK=$mark DEMO_IDS=$work.ids timeout 600 bash "$demo" --no-pause </dev/null >"$log" 2>&1 || status=$?
	[ $status -eq 0 ] || problems+=" exit status $status;"
	while IFS= read -r line; do
		grep -Eq -- "$line" "$log" || problems+=" no line matching '$line';"
	done <<<"${expect[$nn]}"
	awk -v d="$work/" 'index($5, d) == 1' /proc/self/mountinfo | grep -q . &&
		problems+=" mounts left under $work;"
	[ -z "$(ls -A "$work")" ] || problems+=" files left in $work: $(ls -A "$work" | head -3 | tr '\n' ' ');"
	snapshot "$work.ids" >"$work.after"
	line=$(LC_ALL=C comm -13 "$work.before" "$work.after" | head -5 | tr '\n' ' ')
	[ -z "$line" ] || problems+=" left behind: $line;"
	for pid in $(grep -l -s -a "DEMO_MARK=$mark" /proc/[0-9]*/environ | cut -d/ -f3); do
		[ "$pid" = $$ ] || problems+=" process $pid ($(cat /proc/"$pid"/comm 2>/dev/null)) still runs;"
	done
	if [ -z "$problems" ]; then
		echo "demo $nn: ok ($demo)"
		rm -rf "$work" "$work".*
		return 0
	fi
	echo "demo $nn: FAILED ($demo):$problems"
	sed 's/^/    | /' "$log"
	rmdir "$work" 2>/dev/null
	rm -f "$work".*
	return 1
}

passed=0
failed=0
for demo in chapters/[0-9][0-9]-*/demo.sh; do
	nn=${demo#chapters/}
	nn=${nn%%-*}
	[ $# -eq 0 ] || [[ " $* " == *" $nn "* ]] || continue
	if [ -z "${expect[$nn]:-}" ]; then
		echo "demo $nn: FAILED: tests/demos.sh says nothing about what $demo should print"
		failed=$((failed + 1))
	elif check "$nn" "$demo"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
	fi
done
for nn in "${!expect[@]}"; do
	[ $# -eq 0 ] || [[ " $* " == *" $nn "* ]] || continue
	ls chapters/"$nn"-*/demo.sh >/dev/null 2>&1 && continue
	echo "demo $nn: FAILED: no chapters/$nn-*/demo.sh"
	failed=$((failed + 1))
done
echo "demos: $passed passed, $failed failed"
[ $failed -eq 0 ]
