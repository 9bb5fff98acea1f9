#!/usr/bin/env bash
# keycloak-js (pinned in testdata/npm/keycloak), served unmodified to
# headless Chromium by pkg/provider's keycloak browser tests to prove the
# keycloak profile: check-sso, login, roles, updateToken, logout.
set -euo pipefail
cd "$(dirname "$0")/../.."
npm ci --no-audit --no-fund --prefix testdata/npm/keycloak
