#!/usr/bin/env bash
# @azure/msal-browser (pinned in testdata/npm/msal), served unmodified to
# headless Chromium by pkg/provider's Entra ID profile browser tests.
set -euo pipefail
cd "$(dirname "$0")/../.."
npm ci --no-audit --no-fund --prefix testdata/npm/msal
