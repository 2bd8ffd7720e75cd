#!/usr/bin/env bash
# Installs what kubelite needs on a Debian 12 machine (as root), builds it and puts
# `kubelite` on the PATH. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v node >/dev/null || need_apt+=(nodejs npm)
command -v make >/dev/null || need_apt+=(make)
command -v g++ >/dev/null || need_apt+=(g++)
command -v python3 >/dev/null || need_apt+=(python3)
# the node agent's container runtime: containerd (+ ctr), runc, CNI plugins in /usr/lib/cni,
# and the static busybox that kubelite's pause and test images are built from
command -v containerd >/dev/null && command -v ctr >/dev/null || need_apt+=(containerd)
command -v runc >/dev/null || need_apt+=(runc)
[ -x /usr/lib/cni/bridge ] || need_apt+=(containernetworking-plugins)
# (the plain busybox package's /bin/busybox is dynamically linked: useless inside an image)
dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'ok installed' || need_apt+=(busybox-static)
# the image-pull e2e tests: a real registry on loopback, pushing to it, and its htpasswd auth
command -v docker-registry >/dev/null || need_apt+=(docker-registry)
command -v skopeo >/dev/null || need_apt+=(skopeo)
command -v htpasswd >/dev/null || need_apt+=(apache2-utils)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing: ${need_apt[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}"
fi
major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt 20 ]; then
  echo "kubelite needs Node.js 20 or newer (found $(node --version))" >&2
  exit 1
fi

# better-sqlite3 compiles from source here (no prebuilt binaries can be downloaded)
npm ci --no-audit --no-fund
npm run build
bash scripts/build-images.sh
ln -sf "$PWD/bin/kubelite" /usr/local/bin/kubelite
echo "kubelite installed: $(command -v kubelite)"
