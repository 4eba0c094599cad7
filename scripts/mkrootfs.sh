#!/bin/sh
# mkrootfs.sh DIR PROBE - build a small root filesystem offline:
# a static busybox with a link per applet, the test probe at /probe, and the
# few files and directories a container expects.
set -eu
dir=$1
probe=$2

bb=$(command -v busybox) || { echo "mkrootfs: busybox not found (make deps)" >&2; exit 1; }
if ldd "$bb" >/dev/null 2>&1; then
	echo "mkrootfs: $bb is dynamically linked; install busybox-static (make deps)" >&2
	exit 1
fi

# Build next to the target and rename at the end, so a half-built tree is never used.
tmp="$dir.tmp.$$"
rm -rf "$tmp"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp"
cd "$tmp"
mkdir -p bin sbin usr/bin usr/sbin etc root tmp proc sys dev var/tmp home
chmod 1777 tmp var/tmp
chmod 0700 root
cp "$bb" bin/busybox
for applet in $(bin/busybox --list-full); do
	[ "$applet" = bin/busybox ] && continue
	[ -e "$applet" ] || ln -s /bin/busybox "$applet"
done
cd - >/dev/null
cp "$probe" "$tmp/probe"
chmod 0755 "$tmp/probe"

cat >"$tmp/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
PASSWD
cat >"$tmp/etc/group" <<'GROUP'
root:x:0:
daemon:x:1:
tty:x:5:
nogroup:x:65534:
GROUP
touch "$tmp/.complete"

rm -rf "$dir"
mv "$tmp" "$dir"
trap - EXIT
echo "mkrootfs: $dir is ready"
