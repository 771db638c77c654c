// Smoke test: the built studio page opens in a browser, shows its title and draws its chart, and the
// Content-Security-Policy lets everything it needs through (a violation or a script error fails the test).

import { expect, test } from '@playwright/test';

test('the studio page opens and draws its chart', async ({ page }, testInfo) => {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`http ${response.status()}: ${response.url()}`);
  });

  // open the studio
  await page.goto('/index.html');
  await expect(page).toHaveTitle('Sequence Studio');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Sequence Studio');

  // in a plain browser there is no desktop host
  await expect(page.getByTestId('host')).toHaveText('browser');

  // the gradient-through-time chart is drawn on a canvas of real size
  const canvas = page.getByTestId('gradient-chart').locator('canvas').first();
  await expect(canvas).toBeVisible();
  const box = await canvas.boundingBox();
  expect(box?.width ?? 0).toBeGreaterThan(200);
  expect(box?.height ?? 0).toBeGreaterThan(100);
  await expect(page.getByRole('heading', { name: 'Why gradients vanish or explode through time' })).toBeVisible();

  const screenshot = testInfo.outputPath('studio.png');
  await page.screenshot({ path: screenshot, fullPage: true });
  await testInfo.attach('studio', { path: screenshot, contentType: 'image/png' });

  expect(problems).toEqual([]);
});
