import { defineConfig } from '@playwright/test';

// The specs share one provider (sessions, faults), so they run one at a
// time. `ssokit up` must be running: the specs sign in through its test API.
export default defineConfig({
  testDir: '.',
  reporter: process.env.CI ? [['list'], ['html', { open: 'never' }]] : [['list']],
  workers: 1,
  fullyParallel: false,
  timeout: 30_000,
  expect: { timeout: 10_000 },
  use: {
    headless: true,
    trace: 'retain-on-failure',
    // A Chromium of your own (e.g. /usr/bin/chromium) instead of the one
    // `npx playwright install chromium` downloads.
    launchOptions: process.env.SSOKIT_CHROME ? { executablePath: process.env.SSOKIT_CHROME } : {},
  },
});
