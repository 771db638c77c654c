// A person's first hour with the studio, end to end against the real web host (real services, worker threads and
// files): drop a dataset, accept the proposal, design an LSTM, train it and watch the loss fall and the gradient-flow
// map fill, pause and resume, train a GRU beside it and compare, then try the model and export it to ONNX.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { StudioPage } from './studio-page';

// A slice of the bundled tiny Shakespeare: big enough to learn from in seconds.
const text = readFileSync(join(import.meta.dirname, '../resources/samples/tinyshakespeare.txt'), 'utf8').slice(0, 60_000);

test('drop a dataset, design an LSTM, train, compare with a GRU, try it, export it', async ({ page }, info) => {
  test.setTimeout(300_000);
  const studio = new StudioPage(page, info);

  // open the studio: a new project opens on the bundled sample
  await studio.open();
  await expect(page.getByRole('button', { name: /Select dataset tinyshakespeare\.txt/ })).toBeVisible();

  // drop the dataset
  await studio.dropFile('sonnets.txt', text);
  await expect(page.getByRole('button', { name: /Select dataset sonnets\.txt/ })).toHaveAttribute('aria-current', 'true');
  await expect(page.getByTestId('proposal-task')).toContainText('character');
  await expect(page.getByTestId('training-pairs')).toBeVisible();
  await studio.snap('1-data');

  // accept the proposal
  await studio.button('Accept proposal').click();
  await expect(page.getByRole('tab', { name: 'Design' })).toHaveAttribute('aria-selected', 'true');

  // design an LSTM: one layer of 64
  await studio.field('Cell').selectOption('lstm');
  await studio.field('Hidden size').fill('64');
  await studio.field('Hidden size').blur();
  await expect(page.getByTestId('parameter-count')).not.toHaveText('');
  await studio.snap('2-design');

  // train it
  await studio.show('Train');
  await studio.field('Steps').fill('400');
  await studio.field('Evaluate every').fill('50');
  await studio.field('Diagnostics every').fill('10');
  await studio.field('Sequence length').fill('48');
  await studio.button('Start training').click();
  await studio.waitForStatus('Running', 60_000);

  // watch the loss fall and the gradient-flow map fill
  await expect(page.getByTestId('chart-gradient-flow')).toHaveAttribute('aria-label', /for \d+ training steps/, { timeout: 60_000 });
  await expect.poll(() => studio.shownLoss(), { timeout: 60_000 }).toBeLessThan(3.5);
  const early = await studio.shownLoss();

  // pause, and resume
  await studio.button(/^Pause LSTM/).click();
  await studio.waitForStatus('Paused', 30_000);
  const pausedAt = await page.getByTestId('run-step').textContent();
  await page.waitForTimeout(700);
  await expect(page.getByTestId('run-step')).toHaveText(pausedAt!);
  await studio.button(/^Resume LSTM/).click();
  await studio.waitForStatus(/Running|Finished/, 30_000);
  await studio.waitForStatus('Finished', 180_000);
  expect(await studio.shownLoss()).toBeLessThan(early);
  await expect(page.getByTestId('chart-loss').locator('canvas').first()).toBeVisible();
  await studio.snap('3-train');

  // zoom into the loss with the keyboard, and back out
  const loss = studio.chart('chart-loss');
  await loss.canvas.focus();
  await loss.canvas.press('+');
  await expect(loss.resetZoom).toBeVisible();
  await expect(loss.canvas).toHaveAccessibleDescription(/^Showing training steps \d+ to \d+\. Zoom with \+ and −/);
  await loss.resetZoom.click();
  await expect(loss.resetZoom).toHaveCount(0);
  await expect(loss.canvas).toHaveAccessibleDescription(/^Showing all of it\./);

  // the same on a GRU
  await studio.show('Design');
  await studio.field('Cell').selectOption('gru');
  await studio.show('Train');
  await studio.button('Start training').click();
  await studio.waitForStatus('Finished', 180_000);

  // compare the two
  await studio.show('Compare');
  await page.getByRole('checkbox', { name: /LSTM 1×64 on sonnets\.txt/ }).check();
  await page.getByRole('checkbox', { name: /GRU 1×64 on sonnets\.txt/ }).check();
  await expect(page.getByTestId('chart-compare-loss').locator('canvas').first()).toBeVisible();
  await expect(page.getByTestId('compare-table').getByRole('row')).toHaveCount(3);
  await studio.snap('4-compare');

  // try the model: generate text from a prime
  await studio.show('Try');
  const lstm = await studio.field('Run').locator('option', { hasText: 'LSTM 1×64 on sonnets.txt' }).getAttribute('value');
  await studio.field('Run').selectOption(lstm!);
  await studio.field('Prime').fill('ROMEO:');
  await studio.button('Generate').click();
  await expect(page.getByTestId('try-output')).toContainText('ROMEO:', { timeout: 30_000 });
  expect(((await page.getByTestId('try-output').textContent()) ?? '').length).toBeGreaterThan(50);
  await studio.snap('5-try');

  // export it to ONNX: the proof is shown, and the model downloads
  await studio.button('Export ONNX').click();
  await expect(page.getByTestId('export-verdict')).toContainText('Proven', { timeout: 60_000 });
  expect(Number(await page.getByTestId('export-max-diff').textContent())).toBeLessThan(1e-4);
  const download = page.waitForEvent('download');
  await page.getByTestId('export-result').getByRole('link', { name: 'Download' }).first().click();
  expect((await download).suggestedFilename()).toBe('model.onnx');
  await studio.snap('6-export');

  expect(studio.problems).toEqual([]);
});
