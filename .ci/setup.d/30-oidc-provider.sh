#!/usr/bin/env bash
# panva's oidc-provider (pinned in testdata/npm/oidc-provider), the provider
# ssokit did not write that pkg/cmd/flow/run's interop test signs in against.
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! command -v npm >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq nodejs npm >/dev/null
fi
node --version
npm ci --no-audit --no-fund --prefix testdata/npm/oidc-provider
