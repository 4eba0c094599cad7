#!/bin/sh
# deps.sh - install what minicontainer needs to build and test.
#
#   scripts/deps.sh check     list what is missing; exit 1 if anything is
#   scripts/deps.sh install   install it (apt-get or dnf); as non-root, print the command
#   scripts/deps.sh ensure    check, and install only if something is missing
set -u

# Build: compiler, libraries.  Tests: busybox for root filesystems, clang-format,
# the peers images are checked against (skopeo, umoci, podman, runc; buildah for
# the build benchmark), qemu with cpio for the cgroup v2 virtual machine, and
# for chapter 04's registry client a real registry (the distribution project's,
# packaged as docker-registry), openssl (the tests' CA and token signatures),
# htpasswd (Basic auth) and curl (the README's raw HTTP transcript).  clang
# with libFuzzer: make fuzz.  time (GNU time, peak RSS) and hyperfine: the
# benchmarks.  zsh, groff, man and col: the tests of the shell completion and
# the man pages.  Chapter 05: libmnl and libnftables to build, nft and
# iproute2's ip for its tests, iperf3 for its benchmark.
APT_PACKAGES="build-essential pkg-config libcmocka-dev libcap-dev libseccomp-dev \
libarchive-dev libjansson-dev libssl-dev libcurl4-openssl-dev busybox-static python3 \
clang-format iproute2 skopeo umoci podman runc buildah qemu-system-x86 cpio xz-utils kmod \
docker-registry openssl apache2-utils curl clang libclang-rt-dev time hyperfine \
zsh groff man-db bsdextrautils libmnl-dev libnftables-dev nftables iperf3"
DNF_PACKAGES="gcc make glibc-static pkgconf-pkg-config libcmocka-devel libcap-devel \
libseccomp-devel libarchive-devel jansson-devel openssl-devel libcurl-devel busybox python3 \
clang-tools-extra iproute skopeo umoci podman runc buildah qemu-system-x86 cpio xz kmod \
docker-distribution openssl httpd-tools curl clang compiler-rt time hyperfine \
zsh groff man-db util-linux libmnl-devel nftables-devel nftables iperf3"

missing() {
	for cmd in cc make pkg-config python3 clang-format clang ip skopeo umoci podman runc \
		buildah qemu-system-x86_64 cpio openssl htpasswd curl zsh groff man col nft iperf3 \
		unshare nsenter; do
		command -v "$cmd" >/dev/null 2>&1 || echo "command:$cmd"
	done
	# The registry: docker-registry on Debian, registry on Fedora.
	command -v docker-registry >/dev/null 2>&1 || command -v registry >/dev/null 2>&1 ||
		echo "command:docker-registry"
	for mod in cmocka libcap libseccomp libarchive jansson libcrypto libcurl libmnl libnftables; do
		pkg-config --exists "$mod" 2>/dev/null || echo "library:$mod"
	done
	bb=$(command -v busybox 2>/dev/null || true)
	if [ -z "$bb" ] || ldd "$bb" >/dev/null 2>&1; then
		echo "static-busybox"
	fi
	# make fuzz: clang's libFuzzer with ASan and UBSan.
	if command -v clang >/dev/null 2>&1 &&
		! printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n){return 0;}' |
		clang -fsanitize=fuzzer,address,undefined -x c -o /dev/null - >/dev/null 2>&1; then
		echo "libfuzzer"
	fi
	# Static linking (the test probe) needs the C library's static archive.
	if ! echo 'int main(void){return 0;}' | cc -static -x c -o /dev/null - >/dev/null 2>&1; then
		echo "static-libc"
	fi
}

install_cmd() {
	if command -v apt-get >/dev/null 2>&1; then
		echo "apt-get update && apt-get install -y --no-install-recommends $APT_PACKAGES"
	elif command -v dnf >/dev/null 2>&1; then
		echo "dnf install -y $DNF_PACKAGES"
	else
		echo ""
	fi
}

do_install() {
	cmd=$(install_cmd)
	if [ -z "$cmd" ]; then
		echo "deps: no apt-get or dnf here; install by hand: $APT_PACKAGES" >&2
		exit 1
	fi
	if [ "$(id -u)" -ne 0 ]; then
		echo "deps: needs root to install packages; run:" >&2
		echo "  sudo sh -c '$cmd'" >&2
		exit 1
	fi
	echo "deps: $cmd"
	DEBIAN_FRONTEND=noninteractive sh -c "$cmd"
}

case "${1:-}" in
check)
	m=$(missing)
	[ -z "$m" ] && { echo "deps: everything is installed"; exit 0; }
	echo "deps: missing: $(echo $m)"
	exit 1
	;;
install)
	do_install
	;;
ensure)
	m=$(missing)
	[ -z "$m" ] && exit 0
	echo "deps: missing: $(echo $m)"
	do_install
	m=$(missing)
	[ -z "$m" ] || { echo "deps: still missing after install: $(echo $m)" >&2; exit 1; }
	;;
*)
	echo "usage: scripts/deps.sh check|install|ensure" >&2
	exit 2
	;;
esac
