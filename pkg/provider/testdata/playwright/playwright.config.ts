import { defineConfig } from '@playwright/test';

// Drives the system Chromium; Playwright never downloads a browser here.
export default defineConfig({
  testDir: '.',
  reporter: [['list']],
  workers: 1,
  timeout: 30_000,
  use: {
    headless: true,
    launchOptions: { executablePath: process.env.SSOKIT_CHROME || '/usr/bin/chromium' },
  },
});
