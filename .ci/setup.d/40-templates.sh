#!/usr/bin/env bash
# What pkg/scaffold's TestTemplatesBuild needs in CI: Node.js 20.19+ and npm
# (Vite 7 requires them) and the shared npm cache that every template's
# `npm install` uses, so a warm machine installs from disk.
set -euo pipefail

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq nodejs npm >/dev/null
fi

node -e '
  const [maj, min] = process.versions.node.split(".").map(Number)
  if (maj < 20 || (maj === 20 && min < 19)) {
    console.error(`Node.js ${process.version} is too old for the templates (Vite 7 needs ^20.19.0 or >=22.12.0)`)
    process.exit(1)
  }'
echo "node $(node --version), npm $(npm --version)"

cache="${SSOKIT_NPM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ssokit/npm-test-cache}"
mkdir -p "$cache"
echo "npm cache for the template builds: $cache ($(du -sh "$cache" 2>/dev/null | cut -f1))"
