#!/usr/bin/env bash
# Build the `docker` sandbox image without any container registry: a Debian bookworm root
# file system made by debootstrap from Debian's package mirror (python3 and numpy only), imported
# as the base image, then docker/sandbox.Dockerfile on top of it.
#   sudo docker/build-local.sh [TAG]        (default TAG: passk-sandbox:latest)
# Needs: debootstrap, a running Docker daemon, root.
set -euo pipefail
tag="${1:-passk-sandbox:latest}"
here="$(cd "$(dirname "$0")" && pwd)"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
rootfs="$(mktemp -d)"
trap 'rm -rf "$rootfs"' EXIT
debootstrap --variant=minbase --include=python3,python3-numpy bookworm "$rootfs" "$mirror"
ln -sf /usr/bin/python3 "$rootfs/usr/local/bin/python3"   # the path the backend runs
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
tar -C "$rootfs" -c . | docker import - passk-sandbox-base:bookworm
docker build --build-arg BASE=passk-sandbox-base:bookworm -f "$here/sandbox.Dockerfile" -t "$tag" "$here"
echo "built $tag"
