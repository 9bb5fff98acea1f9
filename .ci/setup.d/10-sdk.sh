#!/usr/bin/env bash
# The browser SDKs (pinned in testdata/npm/sdk: @auth0/auth0-spa-js 2.x,
# oidc-client-ts 3.x) whose dist bundles pkg/provider's browser tests serve
# to headless Chromium to prove silent authentication end to end.
set -euo pipefail
cd "$(dirname "$0")/../.."
npm ci --no-audit --no-fund --prefix testdata/npm/sdk
