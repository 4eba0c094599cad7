#!/bin/sh
# local-registry.sh start [--token] | stop - a registry for chapter 04's transcripts.
#
#   start    a docker-registry (the distribution project's) on a free port of
#            127.0.0.1, its storage and configuration in $TRANSCRIPT_TMP (or
#            $TMPDIR), with the test image (busybox and the probe, from
#            build/rootfs) in it as library/busybox:latest.  Prints its address,
#            and writes it to $TRANSCRIPT_TMP/registry.
#            --token: the registry wants Bearer tokens, from a token server
#            (tests/registry/servers.py) that gives anyone pull access.
#   stop     kill what start started, by PID.
#
# Every server also stops by itself after five minutes (LOCAL_REGISTRY_LIFETIME
# seconds: a lecture's demo.sh wants longer, and stops it itself).  Needs root (the
# image import, and skopeo runs in a mount namespace of its own so that its
# cache does not land in /var/lib).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
dir=${TRANSCRIPT_TMP:-${TMPDIR:-/tmp}}/local-registry
mc=${MC_TEST_BIN:-$top/build/bin/minicontainer}
registry_bin=$(command -v docker-registry || command -v registry)

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_port() {
	python3 - "$1" <<'EOF'
import socket, sys, time
for _ in range(200):
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.05)
sys.exit(1)
EOF
}

lifetime=${LOCAL_REGISTRY_LIFETIME:-300}

# start_bg LOG COMMAND...: in the background, detached, for at most $lifetime seconds; PID noted.
start_bg() {
	log=$1
	shift
	setsid timeout "$lifetime" "$@" >"$log" 2>&1 </dev/null &
	echo $! >>"$dir/pids"
}

# registry_config PORT [AUTH]: a configuration on PORT with storage in $dir/data.
registry_config() {
	cat <<EOF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $dir/data
http:
  addr: 127.0.0.1:$1
  secret: transcript
${2:-}
EOF
}

seed() {
	port=$(free_port)
	registry_config "$port" >"$dir/seed.yml"
	setsid timeout 300 "$registry_bin" serve "$dir/seed.yml" >"$dir/seed.log" 2>&1 </dev/null &
	seed_pid=$!
	wait_port "$port"
	tar -C "$top/build/rootfs" --exclude=./.complete -c . |
		MC_ROOT="$dir/mc" "$mc" import --change 'CMD ["sh"]' - busybox:latest >/dev/null
	MC_ROOT="$dir/mc" "$mc" save --format oci-dir -o "$dir/layout" busybox:latest
	mkdir -p "$dir/home"
	unshare --mount --propagation private sh -c "
		for d in /run /var/lib /var/tmp; do mount -t tmpfs local-registry \$d; done
		HOME=$dir/home skopeo copy -q --dest-tls-verify=false oci:$dir/layout:latest \
			docker://127.0.0.1:$port/library/busybox:latest"
	kill "$seed_pid"
	wait "$seed_pid" 2>/dev/null || true
}

start() {
	auth=""
	rm -rf "$dir"
	mkdir -p "$dir"
	seed
	if [ "${1:-}" = --token ]; then
		token_port=$(free_port)
		openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=transcript-token \
			-keyout "$dir/token.key" -out "$dir/token.crt" 2>/dev/null
		start_bg "$dir/token.log" python3 "$here/servers.py" token --port "$token_port" \
			--log "$dir/token-requests.log" --lifetime 300 --sign-key "$dir/token.key" \
			--sign-cert "$dir/token.crt"
		wait_port "$token_port"
		auth="auth:
  token:
    realm: http://127.0.0.1:$token_port/token
    service: mc-test-registry
    issuer: mc-test-issuer
    rootcertbundle: $dir/token.crt"
	fi
	port=$(free_port)
	registry_config "$port" "$auth" >"$dir/config.yml"
	start_bg "$dir/registry.log" "$registry_bin" serve "$dir/config.yml"
	wait_port "$port"
	echo "127.0.0.1:$port" >"$dir/../registry"
	echo "registry: 127.0.0.1:$port, with library/busybox:latest"
}

stop() {
	[ -f "$dir/pids" ] || exit 0
	for pid in $(cat "$dir/pids"); do
		kill "$pid" 2>/dev/null || true
	done
	rm -f "$dir/pids"
}

case "${1:-}" in
start)
	shift
	start "$@"
	;;
stop) stop ;;
*)
	echo "usage: local-registry.sh start [--token] | stop" >&2
	exit 2
	;;
esac
