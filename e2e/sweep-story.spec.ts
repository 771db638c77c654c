// A sweep, as a person runs one: a small series, a short training schedule on the Train screen, then the Sweep
// screen — a search over the width and the learning rate, two trials side by side — the live table and the
// parallel-coordinates chart filling in, the CSV downloaded, two trials overlaid on the Compare screen before any is
// promoted, and the best trial promoted to a normal run, listed on the Train screen.

import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { StudioPage } from './studio-page';

const wave = 'value\n' + Array.from({ length: 400 }, (_, k) => (100 + 50 * Math.sin(k / 5)).toFixed(3)).join('\n') + '\n';

test('a sweep runs its trials, fills its table, downloads as CSV, compares two trials, and promotes the best trial to a run', async ({ page }, info) => {
  test.setTimeout(180_000);
  const studio = new StudioPage(page, info);
  await studio.open();

  // a series, with the proposal, and a short schedule every trial will follow
  await studio.dropFile('sweep-wave.csv', wave, 'text/csv');
  await expect(page.getByTestId('proposal-task')).toContainText('value');
  await studio.button('Accept proposal').click();
  await studio.show('Train');
  await studio.field('Steps').fill('80');
  await studio.field('Evaluate every').fill('20');

  // the search: two settings on their own fields (the cell's search turned off, the width's range typed, the rate's
  // range as text), three trials, two at once, no early stopping
  await studio.show('Sweep');
  await page.getByLabel('Search Cell').uncheck();
  await page.getByTestId('space-from-hiddenSize').fill('8');
  await page.getByTestId('space-to-hiddenSize').fill('24');
  await page.getByTestId('space-log-hiddenSize').uncheck();
  await page.getByTestId('sweep-space-as-text').click();
  await expect(page.getByTestId('sweep-space')).toHaveValue(/^hidden=8\.\.24 lr=\S+$/);
  await page.getByTestId('sweep-space').fill('hidden=8..24 lr=0.002..0.02:log');
  await expect(page.getByTestId('space-from-learningRate')).toHaveValue('0.002');
  // (by test id: the Train screen has a "Time budget" too)
  await page.getByTestId('sweep-method').selectOption('random');
  await page.getByTestId('sweep-trials').fill('3');
  await page.getByTestId('sweep-budget').fill('');
  await page.getByTestId('sweep-stop').selectOption('none');
  await studio.button('Start sweep').click();

  // the table fills in as trials end, and the sweep ends
  await expect(page.getByTestId('sweep-status')).toContainText(/^Ended: 3 of 3 trials, \d+ at once/, { timeout: 150_000 });
  const rows = page.getByTestId('sweep-table').locator('tbody tr');
  await expect(rows).toHaveCount(3);
  await expect(rows.first()).toContainText('finished');
  await expect(page.getByTestId('sweep-table').locator('thead')).toContainText('Best RMSE');
  // the settings against the best figure, drawn (one line per trial)
  await expect(page.getByTestId('chart-sweep-parallel')).toHaveAttribute('aria-label', /^Parallel coordinates of 3 trials/);
  await expect(page.getByTestId('chart-sweep-parallel').locator('canvas')).toHaveCount(1);
  await expect(page.getByTestId('chart-sweep-curves')).toHaveAttribute('aria-label', /^The validation RMSE of 3 trials/);
  await studio.snap('sweep');

  // the table as CSV
  const download = page.waitForEvent('download');
  await studio.button('Download CSV').click();
  const csv = readFileSync(await (await download).path(), 'utf8').trim().split('\n');
  expect(csv[0]).toBe('trial,status,hiddenSize,learningRate,best rmse,best step,last rmse,steps,seconds,why');
  expect(csv.length).toBe(4);

  // two trials, not promoted, overlaid on the Compare screen (a trial is a run folder under its sweep)
  await page.getByLabel('Compare trial 1', { exact: true }).check();
  await page.getByLabel('Compare trial 2', { exact: true }).check();
  await studio.button('Compare the ticked trials (2)').click();
  await expect(page.getByRole('group', { name: /^Trials of sweep-/ })).toBeVisible();
  await expect(page.getByTestId('chart-compare-val-loss')).toHaveAttribute('aria-label', /of 2 runs overlaid: Trial 1: hidden=\d+ lr=[\d.]+, Trial 2: hidden=\d+ lr=[\d.]+$/);
  await expect(page.getByTestId('compare-table').locator('tbody tr')).toHaveCount(2);
  await studio.show('Sweep');

  // promote the best trial: a normal run of the project
  await studio.button(/^Promote the best trial \(#\d\)$/).click();
  await expect(page.getByText(/^Trial \d is now the run/)).toBeVisible();
  await studio.show('Train');
  await expect(page.locator('li[data-testid^="run-"]', { hasText: 'sweep trial' })).toHaveCount(1);
  expect(studio.problems).toEqual([]);
});
