# bench/podman.sh - sourced by the benchmarks: podman with storage and
# configuration of its own, in a directory the benchmark removes, so that the
# host's podman state (/var/lib/containers, ~/.config/containers) is never used.
#
#	podman_setup DIR     write DIR/{storage.conf,containers.conf,registries.conf}
#	podman_cmd ARGS...   podman with that storage and configuration
#	podman_load TAR      load a docker-archive, with a private /var/lib (see below)
#	podman_env_words     the environment podman_cmd uses, as shell words (for hyperfine)
#	podman_teardown      remove podman's containers and images (then DIR can go)

podman_setup() {
	PD=$1
	PODMAN_ENV=(CONTAINERS_STORAGE_CONF="$PD/storage.conf" CONTAINERS_CONF="$PD/containers.conf"
		CONTAINERS_REGISTRIES_CONF="$PD/registries.conf" TMPDIR="$PD/tmp")
	mkdir -p "$PD"/{graph,run,tmp,cni}
	cat >"$PD/storage.conf" <<EOT
[storage]
driver = "overlay"
graphroot = "$PD/graph"
runroot = "$PD/run"
EOT
	cat >"$PD/containers.conf" <<EOT
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]

[network]
network_backend = "cni"
network_config_dir = "$PD/cni"

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$PD/tmp/events.log"
tmp_dir = "$PD/tmp"
static_dir = "$PD/graph/libpod"
volume_path = "$PD/graph/volumes"
image_copy_tmp_dir = "$PD/tmp"
lock_type = "file"
EOT
	: >"$PD/registries.conf"
}

podman_cmd() { env "${PODMAN_ENV[@]}" podman --root "$PD/graph" --runroot "$PD/run" "$@"; }

# The load runs with a tmpfs over /var/lib, where podman would otherwise create
# its blob-info cache (/var/lib/containers/cache) whatever the storage says.
podman_load() {
	unshare -m sh -c 'mount --make-rprivate / && mount -t tmpfs tmpfs /var/lib && exec "$@"' sh \
		env "${PODMAN_ENV[@]}" podman --root "$PD/graph" --runroot "$PD/run" load -q -i "$1"
}

podman_env_words() {
	local e words=
	for e in "${PODMAN_ENV[@]}"; do words+="${e%%=*}=$(printf '%q' "${e#*=}") "; done
	printf '%s' "$words"
}

podman_teardown() {
	podman_cmd rm -af >/dev/null 2>&1
	podman_cmd rmi -af >/dev/null 2>&1
}
