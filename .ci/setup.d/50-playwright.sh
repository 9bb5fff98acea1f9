#!/usr/bin/env bash
# @playwright/test (pinned in testdata/npm/playwright, the version the
# `ssokit new playwright` template locks) for the Playwright
# fixture's CI proof (pkg/provider TestPlaywrightFixture). It drives the
# system Chromium (/usr/bin/chromium or $SSOKIT_CHROME): no browser is ever
# downloaded, and @playwright/test's install does not try to.
set -euo pipefail
cd "$(dirname "$0")/../.."
PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --prefix testdata/npm/playwright
