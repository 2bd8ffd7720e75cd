#!/usr/bin/env bash
# Builds kubelite's images offline from Debian's static busybox into OCI archives:
#   build/images/pause.tar    kubelite.local/pause:3.10   (the sandbox image)
#   build/images/busybox.tar  kubelite.local/busybox:1.36 (the test image; sh, sleep, httpd, wget, ...)
# Needs busybox-static (/bin/busybox) and a built dist/ (npm run build). Usage: build-images.sh [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x /bin/busybox ]; then
  echo "build-images: /bin/busybox is missing; install it with: apt-get install -y busybox-static" >&2
  exit 1
fi
if [ ! -f dist/src/cri/images/build.js ]; then
  npm run build
fi
exec node dist/src/cri/images/build.js "${1:-build/images}"
