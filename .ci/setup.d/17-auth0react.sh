#!/usr/bin/env bash
# @auth0/auth0-react with react and react-dom (pinned in
# testdata/npm/auth0react), unmodified, bundled with the pinned esbuild into
# one IIFE file (testdata/npm/auth0react/dist/app.js, git-ignored) that
# pkg/provider's Auth0 profile browser tests serve to headless Chromium.
set -euo pipefail
cd "$(dirname "$0")/../.."
npm ci --no-audit --no-fund --prefix testdata/npm/auth0react
npm run --silent --prefix testdata/npm/auth0react bundle
test -s testdata/npm/auth0react/dist/app.js
