// A run that diverges, as a learner meets it: a learning rate far too high, no clipping. The studio stops the run
// and says where it diverged (not a chart of NaNs); forking its last good checkpoint with a sane learning rate
// trains on. Then the dark theme, for the screenshot.

import { expect, test } from '@playwright/test';
import { StudioPage } from './studio-page';

const wave = 'value\n' + Array.from({ length: 600 }, (_, k) => (100 + 50 * Math.sin(k / 5)).toFixed(3)).join('\n') + '\n';

test('a diverging run stops with where it diverged, and a fork with a lower learning rate trains on', async ({ page }, info) => {
  test.setTimeout(180_000);
  const studio = new StudioPage(page, info);
  await studio.open();

  // a series, forecast with the proposed settings
  await studio.dropFile('wave.csv', wave, 'text/csv');
  await expect(page.getByTestId('proposal-task')).toContainText('value');
  await studio.button('Accept proposal').click();
  await studio.show('Train');

  // SGD at a learning rate of 0.5 with clipping off: it explodes within a few dozen steps. Checkpoints every 5.
  await studio.field('Optimizer').selectOption('sgd');
  await studio.field('Learning rate').fill('0.5');
  await studio.field('Gradient clipping (0 = off)').fill('0');
  await studio.field('Checkpoint every').fill('5');
  await studio.field('Evaluate every').fill('5');
  await studio.field('Steps').fill('600');
  await studio.button('Start training').click();
  await studio.waitForStatus('Diverged', 120_000);
  await expect(page.getByTestId('run-problem')).toContainText(/Diverged at step \d+: non-finite/);
  await studio.snap('diverged');

  // fork the best checkpoint (the best evaluation: before the blow-up) with a sane learning rate
  await studio.field('Optimizer').selectOption('adam');
  await studio.field('Learning rate').fill('0.002');
  await studio.field('Gradient clipping (0 = off)').fill('1');
  await studio.button(/^Fork .* from its best checkpoint, step \d+$/).click();
  await expect(page.getByTestId('run-status')).toContainText('fork @');
  // the data's recipe stops a run early once the validation error stops improving (keeping its best model)
  await studio.waitForStatus(/^(Finished|Stopped early)$/, 120_000);
  await expect(page.getByTestId('run-problem')).toHaveCount(0);
  // it learnt: its validation error beats the naive baseline (persistence: 7.18 on this wave)
  const forked = (await page.locator('li[data-testid^="run-"]', { hasText: 'fork @' }).textContent()) ?? '';
  expect(Number(/rmse ([\d.]+)/.exec(forked)?.[1])).toBeLessThan(7.18);

  // the dark theme
  await studio.button('Use dark theme').click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await studio.snap('dark');
  expect(studio.problems).toEqual([]);
});
