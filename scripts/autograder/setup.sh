#!/bin/sh
# setup.sh - Gradescope runs this once, as root and with a network, when it
# builds the autograder's image (the zip made by `make autograder` is unpacked
# into /autograder/source).  It installs what the course needs, builds the
# test root filesystem and the reference, and prepares the qemu VM that the
# tests run in: Gradescope's containers have no CAP_SYS_ADMIN, so every test
# runs in that VM, which needs no privileges (see exercises/README.md).
set -eu
cd "$(dirname "$0")"
export DEBIAN_FRONTEND=noninteractive

apt-get update
scripts/deps.sh install
apt-get install -y --no-install-recommends debian-archive-keyring util-linux >/dev/null

# The VM boots Debian's kernel (tests/vm/prepare.sh fetches it with apt-get
# download).  Gradescope's images are Ubuntu: give apt a private state that
# knows Debian's archive, used for that download only (APT_CONFIG), never for
# installing anything.
if ! apt-cache depends linux-image-amd64 2>/dev/null | grep -q 'Depends: linux-image-'; then
	apt_dir=/var/lib/minicontainer-apt
	mkdir -p "$apt_dir/state/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/parts"
	key=/usr/share/keyrings/debian-archive-keyring.gpg
	{
		echo "deb [signed-by=$key] http://deb.debian.org/debian bookworm main"
		echo "deb [signed-by=$key] http://deb.debian.org/debian-security bookworm-security main"
	} >"$apt_dir/sources.list"
	cat >"$apt_dir/apt.conf" <<CONF
Dir::State "$apt_dir/state";
Dir::State::status "/var/lib/dpkg/status";
Dir::Cache "$apt_dir/cache";
Dir::Etc::SourceList "$apt_dir/sources.list";
Dir::Etc::SourceParts "$apt_dir/parts";
CONF
	export APT_CONFIG="$apt_dir/apt.conf"
	apt-get update
fi

make -j"$(nproc)" rootfs probe
tests/vm/prepare.sh
unset APT_CONFIG
# Build every exercise's reference once: grading a submission then only
# recompiles the files that hold its exercises.
python3 scripts/grade.py --build-only --submission exercises --vm never
echo "setup.sh: ready"
