#!/usr/bin/env bash
# panva's oidc-provider (pinned in testdata/npm/oidc-provider), the provider
# ssokit did not write that pkg/cmd/flow/run's interop test signs in against.
set -euo pipefail
cd "$(dirname "$0")/../.."
npm ci --no-audit --no-fund --prefix testdata/npm/oidc-provider
