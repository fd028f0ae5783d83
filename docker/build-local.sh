#!/usr/bin/env bash
# Build the `docker` sandbox image without any container registry: a Debian bookworm root
# file system made by debootstrap from Debian's package mirror (python3 and numpy only), imported
# as the base image, then docker/sandbox.Dockerfile on top of it.
#   sudo docker/build-local.sh [TAG]                     (default TAG: passk-sandbox:latest)
#   sudo docker/build-local.sh --rootfs-only DIR         only make the root file system in DIR
#   sudo docker/build-local.sh --rootfs DIR [TAG]        build the image from DIR, made before
# The two-step form lets CI make the root file system (mostly waiting on the mirror) while its
# tests run, with no Docker daemon started yet.
# Needs: debootstrap (for the root file system), a running Docker daemon (for the image), root.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
mode=all
rootfs=""
case "${1:-}" in
  --rootfs-only) mode=rootfs; rootfs="${2:?--rootfs-only needs a directory}"; shift 2 ;;
  --rootfs) mode=image; rootfs="${2:?--rootfs needs a directory}"; shift 2 ;;
esac
tag="${1:-passk-sandbox:latest}"

make_rootfs() {  # the root file system in "$1"
  debootstrap --variant=minbase --include=python3,python3-numpy bookworm "$1" "$mirror"
  ln -sf /usr/bin/python3 "$1/usr/local/bin/python3"   # the path the backend runs
  rm -rf "$1"/var/cache/apt/archives/*.deb "$1"/var/lib/apt/lists/*
}

case "$mode" in
  rootfs)
    mkdir -p "$rootfs"
    make_rootfs "$rootfs"
    echo "root file system in $rootfs"
    exit 0 ;;
  image)
    [ -x "$rootfs/usr/bin/python3" ] || { echo "build-local.sh: $rootfs holds no root file system (make it with --rootfs-only)" >&2; exit 1; } ;;
  all)
    rootfs="$(mktemp -d)"
    trap 'rm -rf "$rootfs"' EXIT
    make_rootfs "$rootfs" ;;
esac
tar -C "$rootfs" -c . | docker import - passk-sandbox-base:bookworm
docker build --build-arg BASE=passk-sandbox-base:bookworm -f "$here/sandbox.Dockerfile" -t "$tag" "$here"
echo "built $tag"
