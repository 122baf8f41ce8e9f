// Browser tests (issue 17): Playwright driving Debian's Chromium
// (/usr/bin/chromium, installed by tools/install-deps.sh; never a downloaded
// browser) against a real fieldtrace with a fresh demo database
// (e2e/global-setup.ts). One worker: the specs share that server and each
// works on its own part of the demo data.
import { defineConfig, devices } from '@playwright/test';

const chromium = process.env.FIELDTRACE_CHROMIUM ?? '/usr/bin/chromium';

export default defineConfig({
  testDir: './e2e',
  globalSetup: './e2e/global-setup.ts',
  globalTeardown: './e2e/global-teardown.ts',
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [['list']],
  outputDir: '../../build/e2e-results',
  use: {
    ignoreHTTPSErrors: true,
    launchOptions: { executablePath: chromium, args: ['--no-sandbox'] },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [
    { name: 'desktop', use: { ...devices['Desktop Chrome'], viewport: { width: 1366, height: 860 } } },
    {
      name: 'phone',
      use: { ...devices['Pixel 7'] },
      // The phone run covers what differs on a small screen.
      grep: /@phone/,
    },
  ],
});
