#!/bin/bash
# demo.sh - chapter 05 in a lecture: a bridge, veth pairs, NAT, published ports, names.
#
#   sudo chapters/05-network/demo.sh [--no-pause]
#
# Everything happens in a network namespace the script makes, its private
# "host": the bridge, the veths, the nftables table and ip_forward go with it.
# build/bin/ch05-network gives a container an address on a bridge and shows
# the netlink conversation; then minicontainer runs a web server on a user
# network with a published port, and a second container finds it by name.
# make && make rootfs first.  Waits for Enter before each step on a terminal;
# --no-pause (or DEMO_PAUSE=0) does not.
set -euo pipefail
. "$(dirname "$0")/../../scripts/demo-lib.sh"
demo_start "$@"
net="ch05-network --cgroup-parent $DEMO_CGROUP"

say "Our private host has only lo. The image: busybox, from build/rootfs."
run "ip -br link"
run "tar -C build/rootfs --exclude=./.complete -c . | minicontainer import --change 'CMD [\"sh\"]' - busybox > /dev/null"

say "A container with an address on the bridge mc0, and a default route through it."
run "$net --image busybox -- /probe addr 2>&1 | sed '/^--- resources/,/^--- network/d'"
run "ip -br -4 addr show mc0"

say "How: messages on a netlink socket (--trace), the veth's far end moved into the container."
run "$net --trace --image busybox -- true 2>&1 | grep -E '^\[ch05\] (\(in the container\) )?RTM_NEW'"

say "A user network, a web server on it, port 80 published on 127.0.0.1:8080."
run "minicontainer network create demo-net"
run "minicontainer run -d --name web --network demo-net -p 127.0.0.1:8080:80 busybox sh -c 'echo \"hello from \$(hostname)\" > /tmp/index.html && exec httpd -f -p 80 -h /tmp'"
run "curl -s --retry 10 --retry-connrefused --retry-delay 1 http://127.0.0.1:8080/"
run "minicontainer port web"
run "nft list map ip minicontainer ports_ip"

say "Names: a container on demo-net finds web; one on the default network does not."
run "minicontainer run --rm --network demo-net busybox sh -c 'grep web /etc/hosts; printf \"GET / HTTP/1.0\r\n\r\n\" | nc web 80 | tail -1'"
run "minicontainer run --rm busybox ping -c 1 -W 1 web || echo \"exit status \$?\""

say "Removing the container removes its veth and its port mapping; the bridge mc0 stays."
run "minicontainer rm -f web"
run "minicontainer network rm demo-net"
run "ip -br link"
