#!/usr/bin/env bash
# Runs the whole test suite on a clean clone: installs what it needs, builds, tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
if [ ! -x /usr/bin/kubectl ] && ! command -v kubectl >/dev/null; then
  echo "NOTE: kubectl is not installed: the kubectl end-to-end tests will be reported as skipped"
fi
# node's test runner prints a TAP-style summary (# pass / # fail) that CI reads.
# Unit, integration and kubectl tests run two files at a time; the e2e tests (real containerd,
# one node agent each, kubelet port 10250, cgroups, bridges) run one file at a time after them.
mapfile -t fast < <(find dist -name '*.test.js' -not -path 'dist/test/e2e/*' | sort)
mapfile -t e2e < <(find dist/test/e2e -name '*.test.js' | sort)
status=0
node --test --test-concurrency=2 --test-timeout=600000 "${fast[@]}" || status=$?
node --test --test-concurrency=1 --test-timeout=600000 "${e2e[@]}" || status=$?
exit "$status"
