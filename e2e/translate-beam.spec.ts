// Translating with a beam: a person trains an encoder–decoder on the command line in the project (a few hundred
// English→French pairs of the bundled sample), then tries it on the Try screen: the beam width control decodes by
// beam search (the other beams listed under the translation) or, at width 1, greedily, and the screen says which.
// Runs after the other stories (files run in name order), so the run list it sees is theirs and its own.

import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { StudioPage } from './studio-page';

const root = join(import.meta.dirname, '..');

test('an encoder–decoder run translates typed text on the Try screen by beam search or greedily, saying which', async ({ page }, info) => {
  test.setTimeout(180_000);
  const studio = new StudioPage(page, info);
  await studio.open();
  const project = process.env['E2E_PROJECT'];
  expect(project, 'playwright.config.ts names the project folder').toBeTruthy();

  const pairs = join(project!, 'eng-fra-300.tsv');
  writeFileSync(pairs, readFileSync(join(root, 'resources/samples/eng-fra.tsv'), 'utf8').split('\n').slice(0, 300).join('\n') + '\n');
  const args = ['train', '--data', pairs, '--out', join(project!, 'runs', 'translate-beam'), '--cell', 'gru', '--hidden', '32', '--steps', '60', '--eval-every', '0', '--json'];
  const cli = spawnSync(process.execPath, [join(root, 'bin/seqstudio.mjs'), ...args], { cwd: project, encoding: 'utf8', timeout: 150_000 });
  expect(cli.status, cli.stderr).toBe(0);

  await page.reload();
  await studio.show('Try');
  const run = await studio.field('Run').locator('option', { hasText: 'GRU 1×32 on eng-fra-300.tsv' }).getAttribute('value');
  await studio.field('Run').selectOption(run!);
  // the run's summary: its decode metrics greedy, and by beam search once at the end
  await expect(page.getByTestId('try-beam-metrics')).toContainText('by beam search (width 4, length penalty 1)');
  await studio.field('Input').fill('I am cold.');
  const beam = studio.field('Beam width');
  await expect(beam).toHaveValue('4'); // the settings table's default
  await beam.fill('3');
  await studio.button('Translate').click();
  const out = page.getByTestId('try-output');
  await expect(out).toContainText('beam search, width 3, length penalty 1', { timeout: 30_000 });
  expect(await out.getByRole('list', { name: 'The other beams, best first' }).getByRole('listitem').count()).toBeLessThanOrEqual(2);
  await studio.snap('translate-beam');

  await beam.fill('1');
  await studio.button('Translate').click();
  await expect(out).toContainText('greedy decoding', { timeout: 30_000 });
  expect(studio.problems).toEqual([]);
});
