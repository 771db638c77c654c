// Browser tests (e2e/) against the real web host (out/main/serve.js: the real services, workers and files) on a
// fresh project folder. Electron cannot start on our machines (notes/toolchain.md), so the page is driven in
// Chromium: Debian's /usr/bin/chromium by default (Playwright cannot download its own here), or any build named by
// CHROMIUM_PATH. Build first (`npm run build`): these tests do not build.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from '@playwright/test';

const port = Number(process.env['E2E_PORT'] ?? 41730);
const baseURL = `http://127.0.0.1:${port}`;
/** The web host's token for this test run (e2e/studio-page.ts opens `/?token=…`, as a person opens the printed address). */
const E2E_TOKEN = (process.env['SEQSTUDIO_WEB_TOKEN'] ??= 'e2e-token-0123456789abcdef');
/** The project folder the web host opens; set in the environment so the test workers (which run the CLI in it) know it. */
const project = (process.env['E2E_PROJECT'] ??= join(mkdtempSync(join(tmpdir(), 'seqstudio-e2e-')), 'project'));
const isCI = Boolean(process.env['CI']);

export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-results',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  forbidOnly: isCI,
  retries: 0,
  reporter: isCI ? [['list'], ['html', { open: 'never' }]] : 'list',
  use: {
    baseURL,
    browserName: 'chromium',
    viewport: { width: 1280, height: 800 },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox', // CI runs as root
        '--disable-gpu',
        '--disable-dev-shm-usage',
        // Without these Chromium keeps calling home, which floods a closed network.
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  webServer: {
    command: `node out/main/serve.js --port ${port} --project "${project}"`,
    url: `${baseURL}/?token=${E2E_TOKEN}`,
    reuseExistingServer: false,
    timeout: 30_000,
    stdout: 'pipe',
    stderr: 'pipe',
  },
});
